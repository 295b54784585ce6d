//! The empirical neural tangent kernel of an [`Mlp`] (METHOD §2).
//!
//! `K(x, x') = ⟨∇_θ s(x), ∇_θ s(x')⟩` with `s(x) = Σ_c f_c(x)`, over all weights and biases. The
//! structured form never builds the n×P Jacobian: with forward inputs `H_i` of layer `i` and backward
//! signals `Δ_i`,
//!
//! `K = c·(H_L H_Lᵀ + 1) + Σ_{i<L} (Δ_i Δ_iᵀ) ⊙ (H_i H_iᵀ + 1)`,
//!
//! at a cost of O(n²·Σ widths) instead of O(n²·P). The first term is the output layer, whose
//! backward signal is the all-ones n×c matrix. Kernels are returned as candle tensors in the
//! network's dtype, detached from autograd: KARE's gradient reaches θ through
//! [`crate::objective`], which supplies the n×n part of the chain rule in closed form.
//! [`ntk_explicit`] is the `J Jᵀ` oracle.

use candle_core::{DType, Tensor};
use faer::Mat;

use crate::convert::tensor_to_mat;
use crate::mlp::{gelu, gelu_derivative, Mlp};
use crate::{Error, Result};

/// The θ-independent first-layer factor `X_a X_bᵀ + 1`, computed once per data set (or batch)
/// and reused by every kernel evaluation.
#[derive(Debug, Clone)]
pub struct InputGram {
    gram: Tensor,
}

impl InputGram {
    /// `X_a X_bᵀ + 1` for inputs of shape `n_a × d` and `n_b × d`.
    pub fn new(xa: &Tensor, xb: &Tensor) -> Result<Self> {
        if xa.rank() != 2 || xb.rank() != 2 || xa.dims()[1] != xb.dims()[1] {
            return Err(Error::Shape(format!(
                "input Gram needs two n×d matrices with the same d, got {:?} and {:?}",
                xa.dims(),
                xb.dims()
            )));
        }
        Ok(Self {
            gram: (xa.matmul(&xb.t()?)? + 1.0)?,
        })
    }

    /// `X Xᵀ + 1` for the training kernel.
    pub fn symmetric(x: &Tensor) -> Result<Self> {
        Self::new(x, x)
    }

    /// The `n_a × n_b` Gram tensor.
    pub fn tensor(&self) -> &Tensor {
        &self.gram
    }
}

/// Forward inputs `H_0..H_L` of every layer and backward signals `Δ_0..Δ_{L−1}` of the hidden
/// layers, for one batch. They carry candle's autograd graph back to the parameters.
pub(crate) struct Signals {
    pub(crate) inputs: Vec<Tensor>,
    pub(crate) deltas: Vec<Tensor>,
}

impl Signals {
    pub(crate) fn new(mlp: &Mlp, x: &Tensor) -> Result<Self> {
        check_inputs(mlp, x)?;
        let depth = mlp.depth();
        let layers = mlp.layers();
        let mut inputs = Vec::with_capacity(depth + 1);
        let mut slopes = Vec::with_capacity(depth);
        inputs.push(x.clone());
        for layer in &layers[..depth] {
            let z = layer.affine(&inputs[inputs.len() - 1])?;
            slopes.push(gelu_derivative(&z)?);
            inputs.push(gelu(&z)?);
        }
        // The output layer's signal is 1 (n×c), so the signal reaching its input is 1ᵀW_L, one row
        // broadcast over the batch.
        let mut upstream = layers[depth].weight.as_tensor().sum_keepdim(0)?;
        let mut deltas = vec![None; depth];
        for i in (0..depth).rev() {
            let delta = slopes[i].broadcast_mul(&upstream)?;
            if i > 0 {
                upstream = delta.matmul(layers[i].weight.as_tensor())?;
            }
            deltas[i] = Some(delta);
        }
        Ok(Self {
            inputs,
            deltas: deltas.into_iter().flatten().collect(),
        })
    }
}

fn check_inputs(mlp: &Mlp, x: &Tensor) -> Result<()> {
    match x.dims() {
        &[_, d] if d == mlp.inputs() => {}
        dims => {
            return Err(Error::Shape(format!(
                "inputs have shape {dims:?}, the network expects n×{}",
                mlp.inputs()
            )))
        }
    }
    if x.dtype() != mlp.dtype() {
        return Err(Error::Shape(format!(
            "inputs are {:?} but the network is {:?}: convert one of them",
            x.dtype(),
            mlp.dtype()
        )));
    }
    Ok(())
}

/// A structured kernel with the per-layer factors it was summed from, kept for the VJP of
/// [`crate::objective`]: `signal_grams[i] = Δ_iΔ_iᵀ` and `input_grams[i] = H_iH_iᵀ + 1`
/// (`input_grams[0]` is the precomputed [`InputGram`]). All are detached from the autograd graph.
pub(crate) struct Factored {
    pub(crate) kernel: Tensor,
    pub(crate) signal_grams: Vec<Tensor>,
    pub(crate) input_grams: Vec<Tensor>,
}

impl Factored {
    pub(crate) fn new(mlp: &Mlp, a: &Signals, b: &Signals, gram: &InputGram) -> Result<Self> {
        let (na, nb) = (a.inputs[0].dims()[0], b.inputs[0].dims()[0]);
        if gram.tensor().dims() != [na, nb] {
            return Err(Error::Shape(format!(
                "input Gram is {:?} but the kernel is {na}×{nb}",
                gram.tensor().dims()
            )));
        }
        let outer =
            |u: &Tensor, v: &Tensor| -> Result<Tensor> { Ok(u.detach().matmul(&v.detach().t()?)?) };
        let depth = mlp.depth();
        let c = mlp.outputs() as f64;
        let mut input_grams = vec![gram.tensor().clone()];
        for i in 1..=depth {
            input_grams.push((outer(&a.inputs[i], &b.inputs[i])? + 1.0)?);
        }
        let mut kernel = (&input_grams[depth] * c)?;
        let mut signal_grams = Vec::with_capacity(depth);
        for i in 0..depth {
            let dd = outer(&a.deltas[i], &b.deltas[i])?;
            kernel = (kernel + (&dd * &input_grams[i])?)?;
            signal_grams.push(dd);
        }
        Ok(Self {
            kernel,
            signal_grams,
            input_grams,
        })
    }
}

/// The training kernel `K(X, X)` (n×n) by the structured form, in the network's dtype;
/// `gram` must be [`InputGram::symmetric`] of the same `x`.
pub fn ntk(mlp: &Mlp, x: &Tensor, gram: &InputGram) -> Result<Tensor> {
    let s = Signals::new(mlp, x)?;
    Ok(Factored::new(mlp, &s, &s, gram)?.kernel)
}

/// The cross kernel `K(X*, X)` (m×n) for prediction; `gram` must be `InputGram::new(xs, x)`.
pub fn ntk_cross(mlp: &Mlp, xs: &Tensor, x: &Tensor, gram: &InputGram) -> Result<Tensor> {
    let sa = Signals::new(mlp, xs)?;
    let sb = Signals::new(mlp, x)?;
    Ok(Factored::new(mlp, &sa, &sb, gram)?.kernel)
}

/// The per-sample Jacobian `J` (n×P, f64) of `s(x) = Σ_c f_c(x)` w.r.t. all parameters in the
/// order of [`Mlp::vars`], by one autograd pass per sample. O(n·P) memory: for tests and small n.
pub fn jacobian(mlp: &Mlp, x: &Tensor) -> Result<Mat<f64>> {
    check_inputs(mlp, x)?;
    let n = x.dims()[0];
    let vars = mlp.vars();
    let mut rows = Vec::with_capacity(n);
    for i in 0..n {
        let s = mlp.forward(&x.narrow(0, i, 1)?)?.sum_all()?;
        let grads = s.backward()?;
        let mut row = Vec::with_capacity(mlp.num_params());
        for var in &vars {
            match grads.get(var.as_tensor()) {
                Some(g) => row.extend(g.to_dtype(DType::F64)?.flatten_all()?.to_vec1::<f64>()?),
                None => row.extend(std::iter::repeat_n(0.0, var.elem_count())),
            }
        }
        rows.push(row);
    }
    Ok(Mat::from_fn(n, mlp.num_params(), |i, j| rows[i][j]))
}

/// The oracle `K(X_a, X_b) = J_a J_bᵀ` from explicit Jacobians (f64), for testing [`ntk`] and
/// [`ntk_cross`].
pub fn ntk_explicit(mlp: &Mlp, xa: &Tensor, xb: &Tensor) -> Result<Mat<f64>> {
    let ja = jacobian(mlp, xa)?;
    let jb = jacobian(mlp, xb)?;
    Ok(&ja * jb.transpose())
}

/// The structured kernel copied to f64 (rows = `xs`, columns = `x`), for ridge and KARE.
pub fn ntk_f64(mlp: &Mlp, xs: &Tensor, x: &Tensor) -> Result<Mat<f64>> {
    let gram = InputGram::new(xs, x)?;
    let k = ntk_cross(mlp, xs, x, &gram)?;
    tensor_to_mat(&k)
}
