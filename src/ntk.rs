//! The empirical neural tangent kernel of an [`Mlp`] (METHOD §2).
//!
//! `K(x, x') = ⟨∇_θ s(x), ∇_θ s(x')⟩` with `s(x) = Σ_c f_c(x)`, over all weights and biases. The
//! structured form never builds the n×P Jacobian: with forward inputs `H_i` of layer `i` and backward
//! signals `Δ_i`,
//!
//! `K = c·(H_L H_Lᵀ + 1) + Σ_{i<L} (Δ_i Δ_iᵀ) ⊙ (H_i H_iᵀ + 1)`,
//!
//! at a cost of O(n²·Σ widths) instead of O(n²·P). The first term is the output layer, whose
//! backward signal is the all-ones n×c matrix.
//!
//! The network side (`H_i`, `Δ_i`) runs in candle, in the network's dtype and on its autograd
//! graph. The n×n side runs in faer: the Gram products in the network's dtype (f32 in the
//! experiments: twice the GEMM rate of f64), accumulated into an f64 kernel. For `K(X, X)` only the
//! lower triangles are formed (half the flops); [`crate::objective`] reuses the per-layer Grams
//! for the n×n part of KARE's chain rule. [`ntk_explicit`] is the `J Jᵀ` oracle.

use std::sync::OnceLock;

use candle_core::{DType, Tensor, WithDType};
use faer::linalg::matmul::matmul;
use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::{Accum, Mat, MatRef, Par};

use crate::activation::{GeluOps, GeluScalar};
use crate::backend::{self, Backend};
use crate::convert::tensor_to_faer;
use crate::kare::mirror_lower;
use crate::mlp::Mlp;
use crate::{Error, Result};

/// The float types a network runs in, for the n×n kernels on the faer side.
pub(crate) trait Real:
    faer::traits::RealField + WithDType + GeluScalar + Copy + Send + Sync
{
    /// The stored input Gram, if it is of this type.
    fn stored(gram: &Stored) -> Option<&Mat<Self>>;
    /// Stores an input Gram of this type.
    fn store(mat: Mat<Self>) -> Stored;
}

/// An input Gram in the network's precision.
#[derive(Debug, Clone)]
pub(crate) enum Stored {
    F32(Mat<f32>),
    F64(Mat<f64>),
}

impl Real for f32 {
    fn stored(gram: &Stored) -> Option<&Mat<f32>> {
        match gram {
            Stored::F32(m) => Some(m),
            Stored::F64(_) => None,
        }
    }
    fn store(mat: Mat<f32>) -> Stored {
        Stored::F32(mat)
    }
}

impl Real for f64 {
    fn stored(gram: &Stored) -> Option<&Mat<f64>> {
        match gram {
            Stored::F64(m) => Some(m),
            Stored::F32(_) => None,
        }
    }
    fn store(mat: Mat<f64>) -> Stored {
        Stored::F64(mat)
    }
}

/// Runs `$body` with `$t` bound to the Rust float type of `$dtype` (f32 or f64).
macro_rules! with_real {
    ($dtype:expr, $t:ident => $body:expr) => {
        match $dtype {
            candle_core::DType::F32 => {
                type $t = f32;
                $body
            }
            candle_core::DType::F64 => {
                type $t = f64;
                $body
            }
            other => Err($crate::Error::InvalidParameter(format!(
                "networks run in f32 or f64, not {other:?}"
            ))),
        }
    };
}
pub(crate) use with_real;

/// The θ-independent first-layer factor `X_a X_bᵀ + 1`, computed once per data set (or batch)
/// and reused by every kernel evaluation. For `K(X, X)` only its lower triangle is stored.
#[derive(Debug, Clone)]
pub(crate) struct InputGram {
    gram: Stored,
    symmetric: bool,
    rows: usize,
    cols: usize,
}

impl InputGram {
    /// `X_a X_bᵀ + 1` for inputs of shape `n_a × d` and `n_b × d` (same dtype), for `K(X_a, X_b)`.
    fn new(xa: &Tensor, xb: &Tensor) -> Result<Self> {
        Self::build(xa, xb, false)
    }

    /// `X Xᵀ + 1` for the training kernel `K(X, X)`.
    fn symmetric(x: &Tensor) -> Result<Self> {
        Self::build(x, x, true)
    }

    /// Checks that `xa` and `xb` are n×d matrices of one float dtype, as a Gram of them needs.
    fn check(xa: &Tensor, xb: &Tensor) -> Result<()> {
        if xa.rank() != 2
            || xb.rank() != 2
            || xa.dims()[1] != xb.dims()[1]
            || xa.dtype() != xb.dtype()
        {
            return Err(Error::Shape(format!(
                "input Gram needs two n×d matrices of one dtype, got {:?} {:?} and {:?} {:?}",
                xa.dims(),
                xa.dtype(),
                xb.dims(),
                xb.dtype()
            )));
        }
        with_real!(xa.dtype(), _T => Ok(()))
    }

    /// The Gram of inputs that passed [`InputGram::check`].
    fn build(xa: &Tensor, xb: &Tensor, symmetric: bool) -> Result<Self> {
        let gram = with_real!(xa.dtype(), T => {
            let a = tensor_to_faer::<T>(xa)?;
            let mut g = if symmetric { lower_gram(a.as_ref()) } else { cross_gram(a.as_ref(), tensor_to_faer::<T>(xb)?.as_ref()) };
            add_one(&mut g, symmetric);
            Ok(T::store(g))
        })?;
        Ok(Self {
            gram,
            symmetric,
            rows: xa.dims()[0],
            cols: xb.dims()[0],
        })
    }

    /// The stored lower triangle of a symmetric Gram for `n` points.
    pub(crate) fn lower<T: Real>(&self, n: usize) -> Result<&Mat<T>> {
        self.get(true, n, n)
    }

    fn get<T: Real>(&self, symmetric: bool, rows: usize, cols: usize) -> Result<&Mat<T>> {
        if self.symmetric != symmetric || (self.rows, self.cols) != (rows, cols) {
            return Err(Error::Shape(format!(
                "input Gram is {}×{} ({}) but the kernel is {rows}×{cols} ({})",
                self.rows,
                self.cols,
                if self.symmetric { "symmetric" } else { "cross" },
                if symmetric { "symmetric" } else { "cross" },
            )));
        }
        T::stored(&self.gram)
            .ok_or_else(|| Error::Shape("input Gram and network differ in dtype".into()))
    }
}

/// The lower triangle of `A Aᵀ` (the strict upper triangle is left zero).
fn lower_gram<T: Real>(a: MatRef<'_, T>) -> Mat<T> {
    let mut out = Mat::zeros(a.nrows(), a.nrows());
    triangular::matmul(
        &mut out,
        BlockStructure::TriangularLower,
        Accum::Replace,
        a,
        BlockStructure::Rectangular,
        a.transpose(),
        BlockStructure::Rectangular,
        T::from_f64(1.0),
        Par::rayon(0),
    );
    out
}

/// `A Bᵀ`.
fn cross_gram<T: Real>(a: MatRef<'_, T>, b: MatRef<'_, T>) -> Mat<T> {
    let mut out = Mat::zeros(a.nrows(), b.nrows());
    matmul(
        &mut out,
        Accum::Replace,
        a,
        b.transpose(),
        T::from_f64(1.0),
        Par::rayon(0),
    );
    out
}

/// The part of column `j` that a symmetric (lower-triangle) or full matrix stores.
fn first_row(j: usize, symmetric: bool) -> usize {
    if symmetric {
        j
    } else {
        0
    }
}

fn add_one<T: Real>(g: &mut Mat<T>, symmetric: bool) {
    let one = T::from_f64(1.0);
    for j in 0..g.ncols() {
        for v in &mut g.col_as_slice_mut(j)[first_row(j, symmetric)..] {
            *v += one;
        }
    }
}

/// Forward inputs `H_0..H_L` of every layer and backward signals `Δ_0..Δ_{L−1}` of the hidden
/// layers, for one batch. They carry candle's autograd graph back to the parameters.
pub(crate) struct Signals {
    pub(crate) inputs: Vec<Tensor>,
    pub(crate) deltas: Vec<Tensor>,
}

impl Signals {
    /// The signals of `mlp` on the rows `x`, GELU evaluated by `ops`.
    pub(crate) fn new(mlp: &Mlp, x: &Tensor, ops: GeluOps) -> Result<Self> {
        check_inputs(mlp, x)?;
        let depth = mlp.depth();
        let layers = mlp.layers();
        let mut inputs = Vec::with_capacity(depth + 1);
        let mut slopes = Vec::with_capacity(depth);
        inputs.push(x.clone());
        for layer in &layers[..depth] {
            let z = layer.affine(&inputs[inputs.len() - 1])?;
            slopes.push(ops.slope(&z)?);
            inputs.push(ops.value(&z)?);
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
/// [`crate::objective`]. When `symmetric`, every matrix holds only its lower triangle.
pub(crate) struct Factored<T> {
    /// K in f64.
    pub(crate) kernel: Mat<f64>,
    /// `Δ_iΔ_iᵀ` for the hidden layers `i < L`.
    pub(crate) signal_grams: Vec<Mat<T>>,
    /// `H_iH_iᵀ + 1` for `i = 1..=L` (index `i − 1`); `i = 0` is the [`InputGram`].
    pub(crate) input_grams: Vec<Mat<T>>,
    /// Detached copies of `Δ_i` and `H_i` (`i ≥ 1`, index `i − 1`) for the VJP products.
    pub(crate) deltas: Vec<Mat<T>>,
    pub(crate) inputs: Vec<Mat<T>>,
}

impl<T: Real> Factored<T> {
    pub(crate) fn new(
        mlp: &Mlp,
        a: &Signals,
        b: Option<&Signals>,
        gram: &InputGram,
    ) -> Result<Self> {
        let symmetric = b.is_none();
        let b = b.unwrap_or(a);
        let (rows, cols) = (a.inputs[0].dims()[0], b.inputs[0].dims()[0]);
        let gram0 = gram.get::<T>(symmetric, rows, cols)?;
        let product = |u: &Tensor, v: &Tensor| -> Result<(Mat<T>, Mat<T>)> {
            let fu = tensor_to_faer::<T>(u)?;
            if symmetric {
                Ok((lower_gram(fu.as_ref()), fu))
            } else {
                Ok((
                    cross_gram(fu.as_ref(), tensor_to_faer::<T>(v)?.as_ref()),
                    fu,
                ))
            }
        };
        let depth = mlp.depth();
        let (mut input_grams, mut inputs) = (Vec::with_capacity(depth), Vec::with_capacity(depth));
        for i in 1..=depth {
            let (mut g, h) = product(&a.inputs[i], &b.inputs[i])?;
            add_one(&mut g, symmetric);
            input_grams.push(g);
            inputs.push(h);
        }
        let (mut signal_grams, mut deltas) = (Vec::with_capacity(depth), Vec::with_capacity(depth));
        for i in 0..depth {
            let (g, d) = product(&a.deltas[i], &b.deltas[i])?;
            signal_grams.push(g);
            deltas.push(d);
        }
        let c = mlp.outputs() as f64;
        let last = input_grams.last().unwrap_or(gram0);
        let mut kernel = Mat::<f64>::zeros(rows, cols);
        // Column by column over contiguous slices (only the lower part when symmetric).
        for s in 0..cols {
            let start = first_row(s, symmetric);
            let k = &mut kernel.col_as_slice_mut(s)[start..];
            for (k, l) in k.iter_mut().zip(&last.col_as_slice(s)[start..]) {
                *k = c * l.to_f64();
            }
            for i in 0..depth {
                let factor = if i == 0 { gram0 } else { &input_grams[i - 1] };
                let signal = &signal_grams[i].col_as_slice(s)[start..];
                for ((k, a), b) in k
                    .iter_mut()
                    .zip(signal)
                    .zip(&factor.col_as_slice(s)[start..])
                {
                    *k += a.to_f64() * b.to_f64();
                }
            }
        }
        Ok(Self {
            kernel,
            signal_grams,
            input_grams,
            deltas,
            inputs,
        })
    }
}

/// The inputs of an NTK with their input Gram, formed once and reused by every evaluation at
/// new parameters (training evaluates `K(X, X)` at every step): the training rows `X` and,
/// for a cross kernel, the rows `X*` it is evaluated at. The Gram is formed on the host when
/// the faer path first needs it; the candle path forms its Grams on the device and never does.
#[derive(Debug, Clone)]
pub struct NtkInputs {
    x: Tensor,
    test: Option<Tensor>,
    gram: OnceLock<InputGram>,
}

impl NtkInputs {
    /// The inputs of `K(X, X)` (n×n) for `test: None`, or of the cross kernel `K(X*, X)` (m×n,
    /// for prediction) for `test: Some(X*)`; `X` is n×d and `X*` m×d, of one float dtype.
    pub fn new(x: &Tensor, test: Option<&Tensor>) -> Result<Self> {
        InputGram::check(test.unwrap_or(x), x)?;
        Ok(Self {
            x: x.clone(),
            test: test.cloned(),
            gram: OnceLock::new(),
        })
    }

    /// The input Gram, formed on first use.
    pub(crate) fn gram(&self) -> Result<&InputGram> {
        if let Some(gram) = self.gram.get() {
            return Ok(gram);
        }
        let gram = match &self.test {
            None => InputGram::symmetric(&self.x)?,
            Some(xs) => InputGram::new(xs, &self.x)?,
        };
        Ok(self.gram.get_or_init(|| gram))
    }

    /// The training rows `X`.
    pub fn x(&self) -> &Tensor {
        &self.x
    }

    /// The rows `X*` of a cross kernel, if any.
    pub fn test(&self) -> Option<&Tensor> {
        self.test.as_ref()
    }

    /// An error naming `what` needs the training kernel's inputs when these are a cross
    /// kernel's.
    pub(crate) fn require_training(&self, what: &str) -> Result<()> {
        match self.test {
            None => Ok(()),
            Some(_) => Err(Error::Shape(format!(
                "{what} needs the training kernel's inputs, NtkInputs::new(x, None), not a cross \
                 kernel's"
            ))),
        }
    }
}

/// The structured NTK of `mlp` (f64): `K(X, X)`, or `K(X*, X)` when `inputs` has test rows.
/// For `K(X, X)` only the lower triangles of the Grams are formed (half the flops), then the
/// kernel is mirrored.
///
/// A network on the CPU takes the faer path; on another device, the candle path
/// ([`ntk_with`] chooses).
pub fn ntk(mlp: &Mlp, inputs: &NtkInputs) -> Result<Mat<f64>> {
    ntk_with(mlp, inputs, Backend::for_device(mlp.device()))
}

/// [`ntk`] computed by `backend`.
pub fn ntk_with(mlp: &Mlp, inputs: &NtkInputs, backend: Backend) -> Result<Mat<f64>> {
    match backend {
        Backend::Faer => ntk_faer(mlp, inputs),
        Backend::Candle => backend::ntk(mlp, inputs),
    }
}

fn ntk_faer(mlp: &Mlp, inputs: &NtkInputs) -> Result<Mat<f64>> {
    let ops = GeluOps::for_device(mlp.device());
    let sb = Signals::new(mlp, &inputs.x, ops)?;
    match &inputs.test {
        None => {
            let mut k = with_real!(mlp.dtype(), T => {
                Ok(Factored::<T>::new(mlp, &sb, None, inputs.gram()?)?.kernel)
            })?;
            mirror_lower(&mut k);
            Ok(k)
        }
        Some(xs) => {
            let sa = Signals::new(mlp, xs, ops)?;
            with_real!(mlp.dtype(), T => {
                Ok(Factored::<T>::new(mlp, &sa, Some(&sb), inputs.gram()?)?.kernel)
            })
        }
    }
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

/// The oracle `K(X_a, X_b) = J_a J_bᵀ` from explicit Jacobians (f64), for testing [`ntk`].
pub fn ntk_explicit(mlp: &Mlp, xa: &Tensor, xb: &Tensor) -> Result<Mat<f64>> {
    let ja = jacobian(mlp, xa)?;
    let jb = jacobian(mlp, xb)?;
    Ok(&ja * jb.transpose())
}
