//! KARE, the kernel's estimate of its own generalisation error (METHOD §3), and its gradient
//! w.r.t. the kernel, in f64 from one Cholesky factor of `M = K/n + z·I`.
//!
//! `KARE = mean_c[(1/n)·y_cᵀ M⁻² y_c] / [(1/n)·tr M⁻¹]²`, which equals generalised cross-validation
//! of kernel ridge regression at ridge `z` ([`crate::ridge::RidgePath::gcv`] computes the same
//! number from an eigendecomposition).

use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::linalg::solvers::DenseSolveCore;
use faer::{Accum, Mat, MatRef, Par, Side};

use crate::{Error, Result};

/// KARE's value and its gradient `∂KARE/∂K` (n×n, symmetric).
#[derive(Debug, Clone)]
pub struct KareGrad {
    pub value: f64,
    pub grad: Mat<f64>,
}

/// The precision of the `B² = M⁻²` term of `∂KARE/∂K`, the largest product of the gradient
/// (n³ flops). KARE's value, the Cholesky factor, `B` and the rank-c terms are f64 either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KernelPrecision {
    /// Everything in f64 (the default, and what every experiment uses).
    #[default]
    F64,
    /// `B²` from `B` rounded to f32, at twice the GEMM rate; the tests bound the gradient's
    /// error at 1e-5 of its largest entry.
    F32,
}

/// The pieces shared by the value and the gradient.
struct Factored {
    n: f64,
    /// `B = M⁻¹`.
    inv: Mat<f64>,
    /// `A = B·Y` (n×c).
    a: Mat<f64>,
    /// `t = tr(B)/n`.
    t: f64,
    /// `N = mean_c(y_cᵀ B² y_c)/n = mean_c ‖a_c‖²/n`.
    fit: f64,
}

impl Factored {
    fn new(k: MatRef<'_, f64>, y: MatRef<'_, f64>, z: f64) -> Result<Self> {
        check(k, y, z)?;
        let n = k.nrows();
        let nf = n as f64;
        let m = Mat::from_fn(n, n, |i, j| k[(i, j)] / nf + if i == j { z } else { 0.0 });
        let llt = m.llt(Side::Lower).map_err(
            |faer::linalg::cholesky::llt::factor::LltError::NonPositivePivot { index }| {
                Error::NotPositiveDefinite { pivot: index, n }
            },
        )?;
        let inv = llt.inverse();
        let a = &inv * y;
        let t = (0..n).map(|i| inv[(i, i)]).sum::<f64>() / nf;
        let fit = a.squared_norm_l2() / (y.ncols() as f64 * nf);
        Ok(Self {
            n: nf,
            inv,
            a,
            t,
            fit,
        })
    }

    fn value(&self) -> f64 {
        self.fit / (self.t * self.t)
    }
}

fn check(k: MatRef<'_, f64>, y: MatRef<'_, f64>, z: f64) -> Result<()> {
    let n = k.nrows();
    if n == 0 || k.ncols() != n {
        return Err(Error::Shape(format!(
            "KARE needs a square non-empty kernel, got {}×{}",
            n,
            k.ncols()
        )));
    }
    if y.nrows() != n || y.ncols() == 0 {
        return Err(Error::Shape(format!(
            "targets are {}×{} but the kernel is {n}×{n}: need n×c with c ≥ 1",
            y.nrows(),
            y.ncols()
        )));
    }
    if !(z.is_finite() && z > 0.0) {
        crate::bail_param!("KARE ridge z must be positive and finite, got {z}");
    }
    for (what, m) in [("kernel", k), ("targets", y)] {
        for j in 0..m.ncols() {
            if let Some(i) = (0..m.nrows()).find(|&i| !m[(i, j)].is_finite()) {
                return Err(Error::NonFinite {
                    what: what.into(),
                    index: i * m.ncols() + j,
                });
            }
        }
    }
    Ok(())
}

/// KARE of kernel `k` (n×n, symmetric) for targets `y` (n×c) at ridge `z`.
///
/// Only the lower triangle of `k` is read, so a kernel whose upper triangle was never formed
/// (as in training) is fine.
///
/// A kernel for which `K/n + z·I` is not positive definite is [`Error::NotPositiveDefinite`],
/// never a NaN.
pub fn kare(k: MatRef<'_, f64>, y: MatRef<'_, f64>, z: f64) -> Result<f64> {
    Ok(Factored::new(k, y, z)?.value())
}

/// KARE and its gradient w.r.t. a symmetric kernel:
///
/// `∂KARE/∂K = −(1/(n²t²))·mean_c(a_c b_cᵀ + b_c a_cᵀ) + (2N/(n²t³))·B²`
///
/// with `B = M⁻¹`, `a_c = B y_c`, `b_c = B a_c`, `t = tr(B)/n`, `N = mean_c(y_cᵀ b_c)/n`.
/// The entries are the derivatives w.r.t. each `K_ij` taken as independent, so a symmetric
/// perturbation `δK_ij = δK_ji = ε` changes KARE by `2ε·G_ij`.
pub fn kare_with_grad(k: MatRef<'_, f64>, y: MatRef<'_, f64>, z: f64) -> Result<KareGrad> {
    let mut kg = kare_with_grad_lower(k, y, z, KernelPrecision::F64)?;
    mirror_lower(&mut kg.grad);
    Ok(kg)
}

/// [`kare_with_grad`] with only the lower triangle of the gradient formed (the upper is zero):
/// all that the symmetric VJP of [`crate::objective`] reads.
pub(crate) fn kare_with_grad_lower(
    k: MatRef<'_, f64>,
    y: MatRef<'_, f64>,
    z: f64,
    precision: KernelPrecision,
) -> Result<KareGrad> {
    let f = Factored::new(k, y, z)?;
    let (n, t) = (f.n, f.t);
    let c = y.ncols();
    let b = &f.inv * &f.a;
    // G = α·B² − β·(A Bᵀ + B Aᵀ) on the lower triangle.
    let alpha = 2.0 * f.fit / (n * n * t * t * t);
    let beta = 1.0 / (n * n * t * t * c as f64);
    let size = k.nrows();
    let mut grad = match precision {
        KernelPrecision::F64 => lower_square(&f.inv, alpha),
        KernelPrecision::F32 => {
            let inv = Mat::<f32>::from_fn(size, size, |i, j| f.inv[(i, j)] as f32);
            let sq = lower_square(&inv, alpha as f32);
            Mat::<f64>::from_fn(size, size, |i, j| sq[(i, j)] as f64)
        }
    };
    for j in 0..size {
        let g = &mut grad.col_as_slice_mut(j)[j..];
        for l in 0..c {
            let (a_col, b_col) = (&f.a.col_as_slice(l)[j..], &b.col_as_slice(l)[j..]);
            let (a_j, b_j) = (beta * f.a[(j, l)], beta * b[(j, l)]);
            for ((g, a_i), b_i) in g.iter_mut().zip(a_col).zip(b_col) {
                *g -= a_i * b_j + b_i * a_j;
            }
        }
    }
    Ok(KareGrad {
        value: f.value(),
        grad,
    })
}

/// The lower triangle of `α·B·B` (its strict upper triangle zero), by a triangular product: half the flops
/// of a full one.
fn lower_square<T: faer::traits::ComplexField + Copy>(b: &Mat<T>, alpha: T) -> Mat<T> {
    let n = b.nrows();
    let mut out = Mat::<T>::zeros(n, n);
    triangular::matmul(
        &mut out,
        BlockStructure::TriangularLower,
        Accum::Replace,
        b,
        BlockStructure::Rectangular,
        b,
        BlockStructure::Rectangular,
        alpha,
        Par::rayon(0),
    );
    out
}

/// Copies the lower triangle of a square matrix onto its upper triangle.
pub(crate) fn mirror_lower(m: &mut Mat<f64>) {
    for j in 0..m.ncols() {
        for i in 0..j {
            m[(i, j)] = m[(j, i)];
        }
    }
}
