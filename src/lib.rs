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
//! ```no_run
//! use candle_core::{DType, Device, Tensor};
//! use kare_ntk::{mlp::{Mlp, MlpShape}, ntk::{ntk, InputGram}, kare::kare};
//! # fn main() -> kare_ntk::Result<()> {
//! let shape = MlpShape { inputs: 10, depth: 1, width: 64, outputs: 1 };
//! let net = Mlp::new(&shape, 0, DType::F32, &Device::Cpu)?;
//! let x = Tensor::randn(0f32, 1.0, (100, 10), &Device::Cpu)?;
//! let k = ntk(&net, &x, &InputGram::symmetric(&x)?)?;
//! let y = faer::Mat::<f64>::from_fn(100, 1, |i, _| (i as f64).sin());
//! println!("KARE = {}", kare(k.as_ref(), y.as_ref(), 0.1)?);
//! # Ok(()) }
//! ```

pub mod activation;
pub mod convert;
mod dense;
pub mod error;
pub mod kare;
pub mod mlp;
pub mod ntk;
pub mod objective;
pub mod ridge;
pub mod train;

pub use error::{Error, Result};

/// The revision of this crate's numerics, raised whenever a change alters the numbers it
/// computes (an approximation, a summation order, a trainer). Pipelines put it in their cache
/// keys so that results computed by older numerics are recomputed, not served.
///
/// 2: the DNN trains on faer matrices; f32 GELU from branch-free `erf`/`exp`.
pub const NUMERICS: u32 = 2;
