//! Kernel ridge regression over a grid of relative ridges (METHOD §5), from one symmetric
//! eigendecomposition of the training kernel.
//!
//! `f(X*) = (1/n)·K(X*,X)·(K/n + λI)⁻¹·Y` with `λ = λ̃·tr(K)/n²`. With `K = U·diag(e)·Uᵀ`, every
//! λ̃ of a grid costs O(n·c) for the training fit and its GCV, and O(m·n·c) for m test points
//! once `K(X*,X)·U` is formed. f64 throughout.

use faer::{Mat, MatRef, Side};

use crate::{Error, Result};

/// A kernel ridge fit for every relative ridge at once.
#[derive(Debug, Clone)]
pub struct RidgePath {
    /// Eigenvalues of K, clamped at 0: K is a Gram matrix, so negative eigenvalues are rounding.
    evals: Vec<f64>,
    evecs: Mat<f64>,
    /// `Uᵀ Y` (n×c).
    uty: Mat<f64>,
    trace: f64,
}

impl RidgePath {
    /// Eigendecomposes the training kernel `k` (n×n, symmetric) for targets `y` (n×c).
    pub fn new(k: MatRef<'_, f64>, y: MatRef<'_, f64>) -> Result<Self> {
        let n = k.nrows();
        if n == 0 || k.ncols() != n || y.nrows() != n || y.ncols() == 0 {
            return Err(Error::Shape(format!(
                "kernel ridge needs an n×n kernel and n×c targets, got {}×{} and {}×{}",
                k.nrows(),
                k.ncols(),
                y.nrows(),
                y.ncols()
            )));
        }
        let eig = k
            .self_adjoint_eigen(Side::Lower)
            .map_err(|_| Error::EigenFailed { n })?;
        let evals: Vec<f64> = (0..n).map(|i| eig.S()[i].max(0.0)).collect();
        if let Some(index) = evals.iter().position(|e| !e.is_finite()) {
            return Err(Error::NonFinite {
                what: "kernel eigenvalues".into(),
                index,
            });
        }
        let evecs = eig.U().to_owned();
        let uty = evecs.transpose() * y;
        let trace = (0..n).map(|i| k[(i, i)]).sum();
        Ok(Self {
            evals,
            evecs,
            uty,
            trace,
        })
    }

    /// Number of training points.
    pub fn n(&self) -> usize {
        self.evals.len()
    }

    /// The absolute ridge `λ = λ̃·tr(K)/n²` of a relative ridge `λ̃`.
    pub fn lambda(&self, rel: f64) -> f64 {
        let n = self.n() as f64;
        rel * self.trace / (n * n)
    }

    /// `1/(e_i/n + λ)` for each eigenvalue, after checking that λ̃ is usable.
    fn filter(&self, rel: f64) -> Result<Vec<f64>> {
        let lambda = self.lambda(rel);
        if !(lambda.is_finite() && lambda > 0.0) {
            crate::bail_param!(
                "relative ridge {rel} gives λ = {lambda}; need λ > 0 (and tr K > 0)"
            );
        }
        let n = self.n() as f64;
        Ok(self.evals.iter().map(|e| 1.0 / (e / n + lambda)).collect())
    }

    /// `Uᵀα` for the dual coefficients `α = (K/n + λI)⁻¹ Y`.
    fn spectral_alpha(&self, rel: f64) -> Result<Mat<f64>> {
        let filter = self.filter(rel)?;
        Ok(Mat::from_fn(self.uty.nrows(), self.uty.ncols(), |i, j| {
            filter[i] * self.uty[(i, j)]
        }))
    }

    /// The dual coefficients `α = (K/n + λI)⁻¹ Y` (n×c); predictions are `(1/n)·K(X*,X)·α`.
    pub fn alpha(&self, rel: f64) -> Result<Mat<f64>> {
        Ok(&self.evecs * self.spectral_alpha(rel)?)
    }

    /// Fitted values on the training points, `(1/n)·K·α` (n×c).
    pub fn predict_train(&self, rel: f64) -> Result<Mat<f64>> {
        let n = self.n() as f64;
        let s = self.spectral_alpha(rel)?;
        let scaled = Mat::from_fn(s.nrows(), s.ncols(), |i, j| self.evals[i] / n * s[(i, j)]);
        Ok(&self.evecs * scaled)
    }

    /// Predictions `(1/n)·K(X*,X)·α` (m×c) for every relative ridge in `grid`, forming
    /// `K(X*,X)·U` once.
    pub fn predict_grid(&self, k_cross: MatRef<'_, f64>, grid: &[f64]) -> Result<Vec<Mat<f64>>> {
        if k_cross.ncols() != self.n() {
            return Err(Error::Shape(format!(
                "cross kernel is {}×{} but the training kernel is {n}×{n}",
                k_cross.nrows(),
                k_cross.ncols(),
                n = self.n()
            )));
        }
        let projected = k_cross * &self.evecs;
        let n = self.n() as f64;
        grid.iter()
            .map(|&rel| Ok(&projected * self.spectral_alpha(rel)? / n))
            .collect()
    }

    /// Generalised cross-validation of the fit at `λ̃`, averaged over outputs:
    /// `mean_c[(1/n)‖y_c − f_c‖²] / [(1/n)·tr(I − S)]²`. At `λ = z` this is KARE(K, Y, z).
    pub fn gcv(&self, rel: f64) -> Result<f64> {
        let lambda = self.lambda(rel);
        let filter = self.filter(rel)?;
        let n = self.n() as f64;
        let c = self.uty.ncols() as f64;
        let shrink: Vec<f64> = filter.iter().map(|f| lambda * f).collect();
        let mut rss = 0.0;
        for j in 0..self.uty.ncols() {
            for (i, s) in shrink.iter().enumerate() {
                rss += (s * self.uty[(i, j)]).powi(2);
            }
        }
        let dof = shrink.iter().sum::<f64>() / n;
        Ok(rss / (n * c) / (dof * dof))
    }

    /// The relative ridge of `grid` with the smallest GCV: a choice made on training data alone.
    pub fn select_by_gcv(&self, grid: &[f64]) -> Result<f64> {
        let mut best: Option<(f64, f64)> = None;
        for &rel in grid {
            let g = self.gcv(rel)?;
            if best.is_none_or(|(_, b)| g < b) {
                best = Some((rel, g));
            }
        }
        best.map(|(rel, _)| rel)
            .ok_or_else(|| Error::InvalidParameter("empty ridge grid".into()))
    }
}
