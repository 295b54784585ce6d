//! Which implementation computes a step, and the device-generic one: the NTK, the network side
//! of the KARE step and the DNN's SGD step as candle tensor operations on the network's device
//! (the CPU, or a CUDA GPU in a build with the `cuda` feature).
//!
//! The candle path is the mathematics of [`crate::ntk`](mod@crate::ntk) and
//! [`crate::objective`] written plainly: every Gram is a full candle `matmul`, the kernel
//! `K = c·(H_L H_Lᵀ + 1) + Σ_{i<L} (Δ_i Δ_iᵀ) ⊙ (H_i H_iᵀ + 1)` is summed in f64 on the device,
//! and candle's autograd differentiates the surrogate `⟨G, K(θ)⟩` (with `G = ∂KARE/∂K` held
//! constant), so it forms every vector–Jacobian product of the Grams itself. Only the n×n
//! factorisation leaves the device: K is copied to the host, where KARE and `G` are computed in
//! f64 (faer), and `G` is copied back. GELU is candle's `erf` and `exp` composed, which every
//! device has. The DNN step is candle's autograd of the
//! mean squared error and candle-nn's SGD.
//!
//! The faer path is the fast one on the CPU (lower-triangle Grams, a written-out symmetric VJP,
//! the DNN's buffered loop); the tests check that both give the same numbers.

use candle_core::backprop::GradStore;
use candle_core::{DType, Device, Tensor};
use candle_nn::optim::{Optimizer, SGD};
use faer::MatRef;

use crate::activation::GeluOps;
use crate::convert::{mat_to_tensor, tensor_to_mat};
use crate::kare::{kare_with_grad_lower, mirror_lower, KernelPrecision};
use crate::mlp::Mlp;
use crate::ntk::{NtkInputs, Signals};
use crate::train::{restore, snapshot, Batches, Sgd, StopReason, TrainReport};
use crate::Result;

/// Which implementation computes the network side of a step (the NTK's Grams, their
/// vector–Jacobian products, the DNN's SGD step). KARE, `∂KARE/∂K` and the ridge solves are
/// f64 on the CPU under either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backend {
    /// faer matrices on the CPU: only the lower triangles of the Grams, the n×n chain rule
    /// written out, the DNN's step in preallocated buffers. The fast path, and the default.
    #[default]
    Faer,
    /// candle tensors on the network's device: full Gram products, candle's autograd for
    /// every vector–Jacobian product and for the DNN's step. The path for a GPU.
    Candle,
}

impl Backend {
    /// The backend for a network on `device`: faer on the CPU, candle on any other device.
    pub fn for_device(device: &Device) -> Self {
        if device.is_cpu() {
            Self::Faer
        } else {
            Self::Candle
        }
    }
}

/// `K(A, B)` in f64 on the network's device, still on the autograd graph to θ.
fn kernel(mlp: &Mlp, a: &Signals, b: &Signals) -> Result<Tensor> {
    let gram =
        |u: &Tensor, v: &Tensor| -> Result<Tensor> { Ok(u.matmul(&v.t()?)?.to_dtype(DType::F64)?) };
    let depth = mlp.depth();
    let c = mlp.outputs() as f64;
    let last = gram(&a.inputs[depth], &b.inputs[depth])?;
    let mut k = last.affine(c, c)?;
    for i in 0..depth {
        let signal = gram(&a.deltas[i], &b.deltas[i])?;
        let factor = gram(&a.inputs[i], &b.inputs[i])?.affine(1.0, 1.0)?;
        k = (k + (signal * factor)?)?;
    }
    Ok(k)
}

/// The NTK by the candle path: `K(X, X)`, or `K(X*, X)` when `inputs` has test rows (f64).
pub(crate) fn ntk(mlp: &Mlp, inputs: &NtkInputs) -> Result<faer::Mat<f64>> {
    let sb = Signals::new(mlp, inputs.x(), GeluOps::Composed)?;
    let k = match inputs.test() {
        None => kernel(mlp, &sb, &sb)?,
        Some(xs) => kernel(mlp, &Signals::new(mlp, xs, GeluOps::Composed)?, &sb)?,
    };
    tensor_to_mat(&k.detach())
}

/// KARE of `mlp`'s NTK on the rows `x` and the autograd store of `⟨G, K(θ)⟩`, by the candle
/// path: its θ-gradients are `∂KARE/∂θ`.
pub(crate) fn kare_backward(
    mlp: &Mlp,
    x: &Tensor,
    (y, z): (MatRef<'_, f64>, f64),
    precision: KernelPrecision,
) -> Result<(f64, GradStore)> {
    let signals = Signals::new(mlp, x, GeluOps::Composed)?;
    let k = kernel(mlp, &signals, &signals)?;
    let mut kg = kare_with_grad_lower(tensor_to_mat(&k.detach())?.as_ref(), y, z, precision)?;
    mirror_lower(&mut kg.grad);
    let g = mat_to_tensor(kg.grad.as_ref(), DType::F64, mlp.device())?;
    let surrogate = (k * g)?.sum_all()?;
    Ok((kg.value, surrogate.backward()?))
}

/// The DNN's SGD on the mean squared error by the candle path: the forward pass, candle's
/// autograd and candle-nn's SGD on the network's device. The same contract as
/// [`crate::train::train_dnn`]: the loss before each update, and on a non-finite loss the
/// parameters of the last step whose loss was finite.
pub(crate) fn train_dnn(
    mlp: &mut Mlp,
    x: &Tensor,
    y: MatRef<'_, f64>,
    sgd: &Sgd,
    batches: &mut Batches,
) -> Result<TrainReport> {
    let y = mat_to_tensor(y, mlp.dtype(), mlp.device())?;
    let mut opt = SGD::new(mlp.vars(), sgd.lr)?;
    let mut losses = Vec::with_capacity(sgd.steps);
    let mut last_good = snapshot(mlp)?;
    for step in 0..sgd.steps {
        let (xb, yb) = match batches.next() {
            None => (x.clone(), y.clone()),
            Some(idx) => {
                let idx = Tensor::new(idx.as_slice(), x.device())?;
                (x.index_select(&idx, 0)?, y.index_select(&idx, 0)?)
            }
        };
        let residual = (mlp.forward_with(&xb, GeluOps::Composed)? - yb)?;
        let loss = residual.sqr()?.mean_all()?;
        let value = loss.to_dtype(DType::F64)?.to_scalar::<f64>()?;
        if !value.is_finite() {
            restore(mlp, &last_good)?;
            return Ok(TrainReport {
                steps_run: step,
                stop: StopReason::NonFinite { step },
                losses,
            });
        }
        losses.push(value);
        last_good = snapshot(mlp)?;
        opt.backward_step(&loss)?;
    }
    Ok(TrainReport {
        steps_run: sgd.steps,
        stop: StopReason::Completed,
        losses,
    })
}
