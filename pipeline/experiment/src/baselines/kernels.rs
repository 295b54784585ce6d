//! The classical kernels of the baselines, computed in two stages so that a grid of kernel
//! parameters costs one pass over the features: a *base* matrix that does not depend on the
//! parameters (squared Euclidean distances, L1 distances or inner products), then the kernel
//! as an element-wise function of it.
//!
//! Neither linfa nor smartcore has the Laplacian kernel, and both evaluate kernels one entry at
//! a time; here the squared distances and inner products come from one matrix product (faer).

use faer::Mat;
use serde::{Deserialize, Serialize};

/// A kernel with its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Kernel {
    /// Gaussian (RBF): `exp(−γ‖x − x'‖²)`.
    Rbf { gamma: f64 },
    /// Laplacian: `exp(−γ‖x − x'‖₁)`.
    Laplacian { gamma: f64 },
    /// Polynomial: `(γ⟨x, x'⟩ + coef0)^degree`.
    Polynomial { gamma: f64, coef0: f64, degree: u32 },
}

/// What a kernel is a function of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base {
    /// `‖x − x'‖²` (RBF).
    SquaredDistance,
    /// `‖x − x'‖₁` (Laplacian).
    L1Distance,
    /// `⟨x, x'⟩` (polynomial).
    Dot,
}

impl Kernel {
    /// The kernel value from its base quantity.
    fn value(&self, base: f64) -> f64 {
        match *self {
            Kernel::Rbf { gamma } | Kernel::Laplacian { gamma } => (-gamma * base).exp(),
            Kernel::Polynomial {
                gamma,
                coef0,
                degree,
            } => (gamma * base + coef0).powi(degree as i32),
        }
    }

    /// The kernel matrix from a base matrix of the matching kind (squared distances for RBF,
    /// L1 distances for Laplacian, inner products for polynomial).
    pub(crate) fn apply(&self, base: &Mat<f64>) -> Mat<f64> {
        Mat::from_fn(base.nrows(), base.ncols(), |i, j| self.value(base[(i, j)]))
    }
}

/// The rows of a row-major matrix with `d` columns, as a faer matrix.
fn to_mat(rows: &[f64], d: usize) -> Mat<f64> {
    Mat::from_fn(rows.len() / d, d, |i, j| rows[i * d + j])
}

/// Base matrix between the rows of `a` and of `b` (both row-major with `d > 0` columns,
/// checked by the caller): `m×n` for `m` rows in `a` and `n` in `b`.
pub(crate) fn base_matrix(base: Base, a: &[f64], b: &[f64], d: usize) -> Mat<f64> {
    let (m, n) = (a.len() / d, b.len() / d);
    match base {
        Base::L1Distance => Mat::from_fn(m, n, |i, j| {
            let (x, y) = (&a[i * d..(i + 1) * d], &b[j * d..(j + 1) * d]);
            x.iter().zip(y).map(|(u, v)| (u - v).abs()).sum()
        }),
        Base::Dot | Base::SquaredDistance => {
            let dots = to_mat(a, d) * to_mat(b, d).transpose();
            if base == Base::Dot {
                return dots;
            }
            let sq = |rows: &[f64], i: usize| rows[i * d..(i + 1) * d].iter().map(|v| v * v).sum();
            let na: Vec<f64> = (0..m).map(|i| sq(a, i)).collect();
            let nb: Vec<f64> = (0..n).map(|j| sq(b, j)).collect();
            // ‖x‖² + ‖y‖² − 2⟨x, y⟩ can round below zero for near-equal rows.
            Mat::from_fn(m, n, |i, j| (na[i] + nb[j] - 2.0 * dots[(i, j)]).max(0.0))
        }
    }
}

/// Base matrix of the rows of `x` with themselves, exactly symmetric, with zero distances on
/// the diagonal (the matrix product leaves rounding noise in both).
pub(crate) fn base_gram(base: Base, x: &[f64], d: usize) -> Mat<f64> {
    let raw = base_matrix(base, x, x, d);
    Mat::from_fn(raw.nrows(), raw.ncols(), |i, j| match (base, i == j) {
        (Base::Dot, _) | (_, false) => 0.5 * (raw[(i, j)] + raw[(j, i)]),
        (_, true) => 0.0,
    })
}

/// The scale of a base matrix of training rows with themselves, for the bandwidth heuristics:
/// the median off-diagonal distance (squared or L1), or the mean squared norm `⟨x, x⟩` for
/// inner products. Falls back to 1 when that is zero or not finite (all rows equal).
pub(crate) fn scale(base: Base, gram: &Mat<f64>) -> f64 {
    let n = gram.nrows();
    let s = match base {
        Base::Dot => (0..n).map(|i| gram[(i, i)]).sum::<f64>() / n as f64,
        Base::SquaredDistance | Base::L1Distance => {
            let mut off: Vec<f64> = (0..n)
                .flat_map(|j| (0..j).map(move |i| (i, j)))
                .map(|(i, j)| gram[(i, j)])
                .collect();
            if off.is_empty() {
                return 1.0;
            }
            let mid = off.len() / 2;
            *off.select_nth_unstable_by(mid, f64::total_cmp).1
        }
    };
    if s.is_finite() && s > 0.0 {
        s
    } else {
        1.0
    }
}

/// The rows `rows` and columns `cols` of a matrix.
pub(crate) fn submatrix(m: &Mat<f64>, rows: &[usize], cols: &[usize]) -> Mat<f64> {
    Mat::from_fn(rows.len(), cols.len(), |i, j| m[(rows[i], cols[j])])
}
