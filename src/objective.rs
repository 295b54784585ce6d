//! KARE of a network's NTK as a function of the parameters, with `∂KARE/∂θ` for every parameter.
//!
//! KARE depends on θ only through K. With `G = ∂KARE/∂K` computed in f64 and then held constant,
//! the surrogate `⟨G, K(θ)⟩` has the same θ-gradient as KARE, so one first-order backward pass
//! through the structured NTK gives `∂KARE/∂θ` (no second-order autodiff).
//!
//! The n×n part of that backward pass is written out: for a layer term `(ΔΔᵀ) ⊙ S` with
//! `S = HHᵀ + 1` and symmetric `G`, `∂⟨G, ·⟩/∂Δ = 2(G ⊙ S)Δ` and `∂⟨G, ·⟩/∂H = 2(G ⊙ ΔΔᵀ)H`;
//! for the output term `c·(H_L H_Lᵀ + 1)`, `∂/∂H_L = 2c·G·H_L`. These products use only the lower
//! triangles the kernel was built from. Candle's autograd then differentiates the linearised
//! surrogate `Σ ⟨∂/∂Δ_i, Δ_i(θ)⟩ + ⟨∂/∂H_i, H_i(θ)⟩` through the network: the same gradient, without
//! an n×n autograd graph.

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};
use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::{Accum, Mat, MatRef, Par};

use crate::activation::GeluOps;
use crate::backend::{self, Backend};
use crate::convert::faer_to_tensor;
use crate::kare::{kare_with_grad_lower, KernelPrecision};
use crate::mlp::Mlp;
use crate::ntk::{with_real, Factored, InputGram, NtkInputs, Real, Signals};
use crate::{Error, Result};

/// KARE at the current parameters and its gradient w.r.t. each of them.
#[derive(Debug, Clone)]
pub struct KareGradients {
    /// KARE(K(θ), Y, z), computed in f64.
    pub kare: f64,
    /// `∂KARE/∂θ` in the order of [`Mlp::vars`], each in the network's dtype. The output bias
    /// moves K by a constant, so its gradient is exactly zero (returned as zeros, not omitted).
    pub grads: Vec<Tensor>,
}

/// Evaluates KARE of `mlp`'s NTK `K(X, X)` on `inputs` (made by `NtkInputs::new(x, None)`) for
/// targets `y` (n×c) at ridge `z`, and back-propagates it to every parameter.
pub fn kare_gradients(
    mlp: &Mlp,
    inputs: &NtkInputs,
    y: MatRef<'_, f64>,
    z: f64,
) -> Result<KareGradients> {
    kare_gradients_in(mlp, inputs, y, z, KernelPrecision::F64)
}

/// [`kare_gradients`] with the `M⁻²` term of `∂KARE/∂K` in `precision`.
///
/// A network on the CPU takes the faer path; on another device, the candle path
/// ([`kare_gradients_with`] chooses).
pub fn kare_gradients_in(
    mlp: &Mlp,
    inputs: &NtkInputs,
    y: MatRef<'_, f64>,
    z: f64,
    precision: KernelPrecision,
) -> Result<KareGradients> {
    let step = KareStep {
        backend: Backend::for_device(mlp.device()),
        precision,
    };
    kare_gradients_with(mlp, inputs, (y, z), step)
}

/// How a KARE step computes: the backend of its network side and the precision of the `M⁻²`
/// term of `∂KARE/∂K`. The default is the faer path in f64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KareStep {
    /// What computes the NTK's Grams and their vector–Jacobian products.
    pub backend: Backend,
    /// The precision of `M⁻²` in `∂KARE/∂K`.
    pub precision: KernelPrecision,
}

/// [`kare_gradients`] for targets and ridge `(y, z)`, computed as `step` says.
pub fn kare_gradients_with(
    mlp: &Mlp,
    inputs: &NtkInputs,
    (y, z): (MatRef<'_, f64>, f64),
    step: KareStep,
) -> Result<KareGradients> {
    let (kare, store) = kare_backward(mlp, inputs, (y, z), step)?;
    let grads = mlp
        .vars()
        .iter()
        .map(|v: &Var| match store.get(v.as_tensor()) {
            Some(g) => Ok(g.clone()),
            None => Ok(v.as_tensor().zeros_like()?),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(KareGradients { kare, grads })
}

/// KARE and the autograd store of a surrogate whose θ-gradients are `∂KARE/∂θ`, computed as
/// `step` says.
pub(crate) fn kare_backward(
    mlp: &Mlp,
    inputs: &NtkInputs,
    (y, z): (MatRef<'_, f64>, f64),
    KareStep { backend, precision }: KareStep,
) -> Result<(f64, GradStore)> {
    inputs.require_training("KARE")?;
    if backend == Backend::Candle {
        return backend::kare_backward(mlp, inputs.x(), (y, z), precision);
    }
    let gram = inputs.gram()?;
    let signals = Signals::new(mlp, inputs.x(), GeluOps::for_device(mlp.device()))?;
    with_real!(mlp.dtype(), T => backward::<T>(mlp, &signals, gram, (y, z), precision))
}

fn backward<T: Real>(
    mlp: &Mlp,
    signals: &Signals,
    gram: &InputGram,
    (y, z): (MatRef<'_, f64>, f64),
    precision: KernelPrecision,
) -> Result<(f64, GradStore)> {
    let parts = Factored::<T>::new(mlp, signals, None, gram)?;
    let kg = kare_with_grad_lower(parts.kernel.as_ref(), y, z, precision)?;
    let n = parts.kernel.nrows();
    let depth = mlp.depth();
    let c = mlp.outputs() as f64;
    let gram0 = gram_lower::<T>(gram, n)?;
    let g = &kg.grad;
    // ⟨P, t⟩ with P held constant: its autograd gradient w.r.t. θ is Pᵀ·∂t/∂θ.
    let pair = |vjp: Mat<T>, t: &Tensor| -> Result<Tensor> {
        Ok((faer_to_tensor(vjp.as_ref(), t)? * t)?.sum_all()?)
    };
    let mut w = Mat::<T>::zeros(n, n);
    let mut surrogate = Tensor::zeros((), mlp.dtype(), mlp.device())?;
    if let Some(h_out) = parts.inputs.last() {
        weigh(&mut w, g, None);
        let d_h = symmetric_times(w.as_ref(), h_out.as_ref(), 2.0 * c);
        surrogate = (surrogate + pair(d_h, &signals.inputs[depth])?)?;
    }
    for i in 0..depth {
        weigh(
            &mut w,
            g,
            Some(if i == 0 {
                gram0
            } else {
                &parts.input_grams[i - 1]
            }),
        );
        let d_delta = symmetric_times(w.as_ref(), parts.deltas[i].as_ref(), 2.0);
        surrogate = (surrogate + pair(d_delta, &signals.deltas[i])?)?;
        if i > 0 {
            weigh(&mut w, g, Some(&parts.signal_grams[i]));
            let d_h = symmetric_times(w.as_ref(), parts.inputs[i - 1].as_ref(), 2.0);
            surrogate = (surrogate + pair(d_h, &signals.inputs[i])?)?;
        }
    }
    Ok((kg.value, surrogate.backward()?))
}

/// The lower triangle of `G ⊙ factor` (or of `G` itself) in the network's precision.
fn weigh<T: Real>(w: &mut Mat<T>, g: &Mat<f64>, factor: Option<&Mat<T>>) {
    for j in 0..g.ncols() {
        let (w, g) = (&mut w.col_as_slice_mut(j)[j..], &g.col_as_slice(j)[j..]);
        match factor {
            Some(f) => {
                for ((w, g), f) in w.iter_mut().zip(g).zip(&f.col_as_slice(j)[j..]) {
                    *w = T::from_f64(*g) * *f;
                }
            }
            None => {
                for (w, g) in w.iter_mut().zip(g) {
                    *w = T::from_f64(*g);
                }
            }
        }
    }
}

fn gram_lower<T: Real>(gram: &InputGram, n: usize) -> Result<&Mat<T>> {
    gram.lower::<T>(n).map_err(|e| match e {
        Error::Shape(msg) => {
            Error::Shape(format!("KARE needs the symmetric input Gram of x: {msg}"))
        }
        other => other,
    })
}

/// `alpha·W·R` for a symmetric `W` of which only the lower triangle is stored:
/// `tril(W)·R + strict_tril(W)ᵀ·R`, two triangular products with the flops of one full one.
fn symmetric_times<T: Real>(w: MatRef<'_, T>, r: MatRef<'_, T>, alpha: f64) -> Mat<T> {
    let mut out = Mat::<T>::zeros(w.nrows(), r.ncols());
    let alpha = T::from_f64(alpha);
    for (lhs, structure, accum) in [
        (w, BlockStructure::TriangularLower, Accum::Replace),
        (
            w.transpose(),
            BlockStructure::StrictTriangularUpper,
            Accum::Add,
        ),
    ] {
        triangular::matmul(
            &mut out,
            BlockStructure::Rectangular,
            accum,
            lhs,
            structure,
            r,
            BlockStructure::Rectangular,
            alpha,
            Par::rayon(0),
        );
    }
    out
}
