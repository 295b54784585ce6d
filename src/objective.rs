//! KARE of a network's NTK as a function of the parameters, with `∂KARE/∂θ` for every parameter.
//!
//! KARE depends on θ only through K. With `G = ∂KARE/∂K` computed in f64 and then held constant,
//! the surrogate `⟨G, K(θ)⟩` has the same θ-gradient as KARE, so one first-order backward pass
//! through the structured NTK gives `∂KARE/∂θ` (no second-order autodiff).
//!
//! The n×n part of that backward pass is written out: for a layer term
//! `(ΔΔᵀ) ⊙ S` with `S = HHᵀ + 1` and symmetric `G`,
//! `∂⟨G, ·⟩/∂Δ = 2(G ⊙ S)Δ` and `∂⟨G, ·⟩/∂H = 2(G ⊙ ΔΔᵀ)H`,
//! and for the output term `c·(H_L H_Lᵀ + 1)`, `∂/∂H_L = 2c·G·H_L`. Candle's autograd then
//! differentiates the linearised surrogate `Σ ⟨∂/∂Δ_i, Δ_i(θ)⟩ + ⟨∂/∂H_i, H_i(θ)⟩` through the
//! network: the same gradient, without building the n×n graph (3 GEMMs per layer instead of 6,
//! and no n×n elementwise backward).

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};
use faer::MatRef;

use crate::convert::{mat_to_tensor, tensor_to_mat};
use crate::kare::kare_with_grad;
use crate::mlp::Mlp;
use crate::ntk::{Factored, InputGram, Signals};
use crate::Result;

/// KARE at the current parameters and its gradient w.r.t. each of them.
#[derive(Debug, Clone)]
pub struct KareGradients {
    /// KARE(K(θ), Y, z), computed in f64.
    pub kare: f64,
    /// `∂KARE/∂θ` in the order of [`Mlp::vars`], each in the network's dtype. The output bias
    /// moves K by a constant, so its gradient is exactly zero (returned as zeros, not omitted).
    pub grads: Vec<Tensor>,
}

/// Evaluates KARE of `mlp`'s NTK on `x` (with its precomputed input Gram) for targets `y` at
/// ridge `z`, and back-propagates it to every parameter.
pub fn kare_gradients(
    mlp: &Mlp,
    x: &Tensor,
    gram: &InputGram,
    y: MatRef<'_, f64>,
    z: f64,
) -> Result<KareGradients> {
    let (kare, store) = kare_backward(mlp, x, gram, y, z)?;
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

/// KARE and the autograd store of the surrogate `⟨G, K(θ)⟩`, whose θ-gradients are `∂KARE/∂θ`.
pub(crate) fn kare_backward(
    mlp: &Mlp,
    x: &Tensor,
    gram: &InputGram,
    y: MatRef<'_, f64>,
    z: f64,
) -> Result<(f64, GradStore)> {
    let signals = Signals::new(mlp, x)?;
    let parts = Factored::new(mlp, &signals, &signals, gram)?;
    let kg = kare_with_grad(tensor_to_mat(&parts.kernel)?.as_ref(), y, z)?;
    let g = mat_to_tensor(kg.grad.as_ref(), mlp.dtype(), mlp.device())?;
    // ⟨P, T⟩ with P held constant: its autograd gradient w.r.t. θ is Pᵀ·∂T/∂θ.
    let pair = |vjp: Tensor, t: &Tensor| -> Result<Tensor> { Ok((vjp * t)?.sum_all()?) };
    let depth = mlp.depth();
    let h_out = &signals.inputs[depth];
    let c = mlp.outputs() as f64;
    let mut surrogate = pair((g.matmul(&h_out.detach())? * (2.0 * c))?, h_out)?;
    for i in 0..depth {
        let delta = &signals.deltas[i];
        let d_delta = ((&g * &parts.input_grams[i])?.matmul(&delta.detach())? * 2.0)?;
        surrogate = (surrogate + pair(d_delta, delta)?)?;
        if i > 0 {
            let h = &signals.inputs[i];
            let d_h = ((&g * &parts.signal_grams[i])?.matmul(&h.detach())? * 2.0)?;
            surrogate = (surrogate + pair(d_h, h)?)?;
        }
    }
    Ok((kg.value, surrogate.backward()?))
}
