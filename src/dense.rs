//! The baseline DNN's SGD step on faer matrices (METHOD §5): forward, MSE gradient and update
//! with no autograd graph.
//!
//! Through candle a step cost a dozen tensor passes and thread-pool rounds per layer; at the
//! experiments' sizes (n = 1000, width ≤ 128, 10 000 steps per run) that overhead, not the
//! arithmetic, bounded Figure 2's DNN runs. Here a step is the GEMMs the arithmetic needs —
//! per layer `Z = A·Wᵀ` forward, and backward `dA = G·W` and the update `W −= lr·Gᵀ·A`
//! fused into one accumulating GEMM — plus one pass per hidden layer for bias, GELU and its
//! slope, all in buffers allocated once per batch size.

use candle_core::{Tensor, Var};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};
use rayon::prelude::*;

use crate::convert::tensor_to_faer;
use crate::mlp::Mlp;
use crate::ntk::Real;
use crate::Result;

/// Below this many activations per layer a step runs on one thread: splitting small GEMMs and
/// element-wise passes across threads costs more than it saves.
const PARALLEL_ELEMENTS: usize = 1 << 16;

/// An MLP's parameters as faer matrices: `weights[l]` is `out × in` (PyTorch's layout).
#[derive(Clone)]
pub(crate) struct Dense<T> {
    weights: Vec<Mat<T>>,
    biases: Vec<Vec<T>>,
}

/// The per-batch buffers of a step, for one batch size.
struct Workspace<T> {
    rows: usize,
    /// GELU(Z) of each hidden layer, `rows × width`.
    acts: Vec<Mat<T>>,
    /// GELU′(Z) of each hidden layer.
    slopes: Vec<Mat<T>>,
    /// ∂loss/∂Z of every layer (the output layer last), `rows × out`.
    grads: Vec<Mat<T>>,
}

impl<T: Real> Dense<T> {
    /// Copies the parameters of `mlp` (whose dtype must be `T`).
    pub(crate) fn from_mlp(mlp: &Mlp) -> Result<Self> {
        let mut weights = Vec::new();
        let mut biases = Vec::new();
        for layer in mlp.layers() {
            weights.push(tensor_to_faer::<T>(layer.weight.as_tensor())?);
            biases.push(layer.bias.as_tensor().to_vec1::<T>()?);
        }
        Ok(Self { weights, biases })
    }

    /// Writes the parameters back into `mlp`'s variables.
    pub(crate) fn store(&self, mlp: &Mlp) -> Result<()> {
        for (layer, (w, b)) in mlp
            .layers()
            .iter()
            .zip(self.weights.iter().zip(&self.biases))
        {
            set(&layer.weight, rows_of(w.as_ref()), w.shape())?;
            set(&layer.bias, b.clone(), (b.len(), 1))?;
        }
        Ok(())
    }

    /// Overwrites `self` with `other`'s values (same shapes), without allocating.
    pub(crate) fn copy_from(&mut self, other: &Self) {
        for (w, o) in self.weights.iter_mut().zip(&other.weights) {
            w.copy_from(o);
        }
        for (b, o) in self.biases.iter_mut().zip(&other.biases) {
            b.copy_from_slice(o);
        }
    }

    fn workspace(&self, rows: usize) -> Workspace<T> {
        let hidden = &self.weights[..self.weights.len() - 1];
        let zeros = |w: &Mat<T>| Mat::<T>::zeros(rows, w.nrows());
        Workspace {
            rows,
            acts: hidden.iter().map(zeros).collect(),
            slopes: hidden.iter().map(zeros).collect(),
            grads: self.weights.iter().map(zeros).collect(),
        }
    }

    /// The parallelism of a step on `rows` rows.
    fn par(&self, rows: usize) -> Par {
        let widest = self.weights.iter().map(|w| w.nrows()).max().unwrap_or(1);
        if rows * widest >= PARALLEL_ELEMENTS {
            Par::rayon(0)
        } else {
            Par::Seq
        }
    }

    /// The forward pass on the batch `(x, y)`: fills the workspace and returns the mean squared
    /// error over rows and outputs.
    fn forward(&self, ws: &mut Workspace<T>, x: MatRef<'_, T>, y: MatRef<'_, T>) -> f64 {
        let depth = self.weights.len() - 1;
        let par = self.par(x.nrows());
        let one = T::from_f64(1.0);
        for l in 0..depth {
            let (done, rest) = ws.acts.split_at_mut(l);
            let input = if l == 0 { x } else { done[l - 1].as_ref() };
            matmul(
                &mut rest[0],
                Accum::Replace,
                input,
                self.weights[l].transpose(),
                one,
                par,
            );
            gelu_in_place(
                rest[0].as_mut(),
                ws.slopes[l].as_mut(),
                &self.biases[l],
                par,
            );
        }
        let top = if depth == 0 {
            x
        } else {
            ws.acts[depth - 1].as_ref()
        };
        let out = &mut ws.grads[depth];
        matmul(
            &mut *out,
            Accum::Replace,
            top,
            self.weights[depth].transpose(),
            one,
            par,
        );
        // The output's residual, its loss, and ∂loss/∂f = 2(f − y)/(rows·outputs) in place.
        let scale = 2.0 / (y.nrows() * y.ncols()) as f64;
        let mut sum = 0.0f64;
        for j in 0..y.ncols() {
            let b = self.biases[depth][j];
            for i in 0..y.nrows() {
                let r = out[(i, j)] + b - y[(i, j)];
                sum += r.to_f64().powi(2);
                out[(i, j)] = r * T::from_f64(scale);
            }
        }
        sum / (y.nrows() * y.ncols()) as f64
    }

    /// The SGD update `θ −= lr·∇θ` from the workspace [`Dense::forward`] filled for `x`.
    fn update(&mut self, ws: &mut Workspace<T>, x: MatRef<'_, T>, lr: T) {
        let depth = self.weights.len() - 1;
        let par = self.par(x.nrows());
        let one = T::from_f64(1.0);
        let neg_lr = -lr;
        for l in (0..=depth).rev() {
            let (lower, upper) = ws.grads.split_at_mut(l);
            let g = upper[0].as_ref();
            if l > 0 {
                // dA = G·W with the weights before their update, then ⊙ GELU′.
                let below = &mut lower[l - 1];
                matmul(
                    &mut *below,
                    Accum::Replace,
                    g,
                    self.weights[l].as_ref(),
                    one,
                    par,
                );
                zip_mul(below.as_mut(), ws.slopes[l - 1].as_ref());
            }
            let input = if l == 0 { x } else { ws.acts[l - 1].as_ref() };
            matmul(
                &mut self.weights[l],
                Accum::Add,
                g.transpose(),
                input,
                neg_lr,
                par,
            );
            for (j, b) in self.biases[l].iter_mut().enumerate() {
                let col = g.col(j);
                let mut s = T::from_f64(0.0);
                for i in 0..col.nrows() {
                    s += col[i];
                }
                *b += neg_lr * s;
            }
        }
    }
}

/// The outcome of [`train`].
pub(crate) struct Trained {
    /// Losses of the applied steps, in order.
    pub(crate) losses: Vec<f64>,
    /// The step whose loss was not finite, if training stopped there.
    pub(crate) diverged_at: Option<usize>,
}

/// Runs SGD on `dense` over the batches `batches` yields (`None`: the full data), stopping at
/// the first non-finite loss with the parameters of the last step whose loss was finite.
pub(crate) fn train<T: Real>(
    dense: &mut Dense<T>,
    x: MatRef<'_, T>,
    y: MatRef<'_, T>,
    lr: f64,
    steps: usize,
    mut batches: impl FnMut() -> Option<Vec<u32>>,
) -> Trained {
    let lr = T::from_f64(lr);
    let mut ws = dense.workspace(x.nrows());
    let mut last_good = dense.clone();
    let mut losses = Vec::with_capacity(steps);
    let (mut xb, mut yb);
    for step in 0..steps {
        let (xs, ys) = match batches() {
            None => (x, y),
            Some(idx) => {
                xb = Mat::from_fn(idx.len(), x.ncols(), |i, j| x[(idx[i] as usize, j)]);
                yb = Mat::from_fn(idx.len(), y.ncols(), |i, j| y[(idx[i] as usize, j)]);
                (xb.as_ref(), yb.as_ref())
            }
        };
        if ws.rows != xs.nrows() {
            ws = dense.workspace(xs.nrows());
        }
        let loss = dense.forward(&mut ws, xs, ys);
        if !loss.is_finite() {
            // The parameters that produced this loss came from an update on the previous
            // step's finite loss: go back to the parameters of that step.
            dense.copy_from(&last_good);
            return Trained {
                losses,
                diverged_at: Some(step),
            };
        }
        losses.push(loss);
        last_good.copy_from(dense);
        dense.update(&mut ws, xs, lr);
    }
    Trained {
        losses,
        diverged_at: None,
    }
}

/// `bias` added to every row of `z`, then `z ← GELU(z)` and `slope ← GELU′(z)`, column by column.
fn gelu_in_place<T: Real>(z: MatMut<'_, T>, slope: MatMut<'_, T>, bias: &[T], par: Par) {
    let column = |(j, (z, s)): (usize, (faer::ColMut<'_, T>, faer::ColMut<'_, T>))| {
        let z = z
            .try_as_col_major_mut()
            .expect("owned columns")
            .as_slice_mut();
        let s = s
            .try_as_col_major_mut()
            .expect("owned columns")
            .as_slice_mut();
        T::gelu_slice(z, s, bias[j]);
    };
    match par {
        Par::Seq => z
            .col_iter_mut()
            .zip(slope.col_iter_mut())
            .enumerate()
            .for_each(column),
        _ => z
            .par_col_iter_mut()
            .zip(slope.par_col_iter_mut())
            .enumerate()
            .for_each(column),
    }
}

/// `g ← g ⊙ s`.
fn zip_mul<T: Real>(mut g: MatMut<'_, T>, s: MatRef<'_, T>) {
    for j in 0..g.ncols() {
        for i in 0..g.nrows() {
            g[(i, j)] *= s[(i, j)];
        }
    }
}

/// The entries of `m` in row-major order.
fn rows_of<T: Real>(m: MatRef<'_, T>) -> Vec<T> {
    let (rows, cols) = m.shape();
    (0..rows)
        .flat_map(|i| (0..cols).map(move |j| m[(i, j)]))
        .collect()
}

/// Sets `var` to `data` (row-major, `shape` rows × cols; a bias is one column), keeping its shape.
fn set<T: Real>(var: &Var, data: Vec<T>, shape: (usize, usize)) -> Result<()> {
    let t = Tensor::from_vec(data, shape.0 * shape.1, var.device())?.reshape(var.shape())?;
    var.set(&t)?;
    Ok(())
}
