//! # kare-ntk
//!
//! Fast empirical neural tangent kernels of fully connected GELU networks, KARE (a kernel's
//! estimate of its own generalisation error) with its gradient, kernel ridge regression over a
//! ridge grid, and the two trainers of "Training NTK to Generalize with KARE" (arXiv 2505.11347):
//! the MSE-trained DNN and NTK-KARE.
//!
//! Precision: networks run in f32 or f64 ([`candle_core::DType`]); kernels are formed in the
//! network's dtype (f32 for speed in the experiments, f64 in the tests) and every KARE value,
//! gradient w.r.t. K, and ridge solve is in f64 ([`faer`]).
//!
//! Devices: a network on the CPU computes its NTK, KARE steps and DNN steps by faer
//! ([`Backend::Faer`], the fast CPU path); a network on a GPU (the `cuda` feature) by candle
//! tensor operations on the device ([`Backend::Candle`]), with only the n×n factorisation on the
//! CPU. The `*_with` functions choose the backend explicitly.
//!
//! The main types and functions are re-exported at the root, and so are the two crates of its
//! API, [`candle_core`] (tensors, dtypes, devices) and [`faer`] (matrices), so that no other
//! crate needs to be pinned to use it:
//!
//! ```no_run
//! use kare_ntk::candle_core::{DType, Device, Tensor};
//! use kare_ntk::{faer, kare, ntk, train_kare, Mlp, MlpShape, NtkInputs, RidgePath, Sgd};
//! # fn main() -> kare_ntk::Result<()> {
//! let shape = MlpShape { inputs: 10, depth: 1, width: 64, outputs: 1 };
//! let mut net = Mlp::new(&shape, 0, DType::F32, &Device::Cpu)?;
//! let x = Tensor::randn(0f32, 1.0, (100, 10), &Device::Cpu)?;
//! let y = faer::Mat::<f64>::from_fn(100, 1, |i, _| (i as f64).sin());
//! let inputs = NtkInputs::new(&x, None); // K(X, X); Some(&x_test) for K(X*, X)
//! let k = ntk(&net, &inputs?)?;
//! println!("KARE = {}", kare(k.as_ref(), y.as_ref(), 0.1)?);
//! train_kare(&mut net, &x, y.as_ref(), 0.1, &Sgd::full_batch(100, 10.0))?;
//! let fit = RidgePath::new(ntk(&net, &NtkInputs::new(&x, None)?)?.as_ref(), y.as_ref())?;
//! println!("GCV at λ̃ = 1e-2: {}", fit.gcv(1e-2)?);
//! # Ok(()) }
//! ```

pub mod activation;
pub mod backend;
pub mod convert;
mod dense;
pub mod error;
pub mod kare;
pub mod mlp;
pub mod ntk;
pub mod objective;
pub mod ridge;
pub mod train;

pub use candle_core;
pub use faer;

pub use backend::Backend;
pub use error::{Error, Result};
pub use kare::{kare, kare_with_grad, KareGrad, KernelPrecision};
pub use mlp::{Mlp, MlpShape};
pub use ntk::{ntk, ntk_with, NtkInputs};
pub use objective::{
    kare_gradients, kare_gradients_in, kare_gradients_with, KareGradients, KareStep,
};
pub use ridge::RidgePath;
pub use train::{
    train_dnn, train_dnn_with, train_kare, train_kare_with, Sgd, StopReason, TrainReport,
};

/// The revision of this crate's numerics, raised whenever a change alters the numbers it
/// computes (an approximation, a summation order, a trainer). Pipelines put it in their cache
/// keys so that results computed by older numerics are recomputed, not served.
///
/// 2: the DNN trains on faer matrices; f32 GELU from branch-free `erf`/`exp`.
pub const NUMERICS: u32 = 2;
