//! The grids searched by the baselines and the fixed settings of their solvers.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The grids searched by the baselines, and their fixed settings. Every grid must be
/// non-empty and strictly increasing (the tie rule of [`super`] reads "simplest" from the
/// order), every real value positive and finite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineConfig {
    /// Folds of the cross-validation that tunes the SVM and the three classifiers (fewer when
    /// the training set has fewer rows).
    pub cv_folds: usize,
    /// Relative ridges λ̃ for kernel ridge (GCV costs O(n) per value, so the grid can be fine).
    pub ridge_grid: Vec<f64>,
    /// Multipliers `g` of the RBF and Laplacian bandwidths of kernel ridge (one
    /// eigendecomposition of the n×n kernel each).
    pub krr_gamma_scales: Vec<f64>,
    /// Degrees of the polynomial kernel.
    pub poly_degrees: Vec<u32>,
    /// Multipliers `g` of the polynomial kernel's `γ`.
    pub poly_gamma_scales: Vec<f64>,
    /// The polynomial kernel's constant term (fixed).
    pub poly_coef0: f64,
    /// Penalties `C` of the SVC (classification).
    pub svm_c_grid: Vec<f64>,
    /// Penalties `C` of the SVR (regression; on standardised targets). Shorter than the SVC's:
    /// SMO's cost grows with `C`, and faster for SVR's 2n dual variables.
    pub svr_c_grid: Vec<f64>,
    /// Multipliers `g` of the SVM's RBF bandwidth.
    pub svm_gamma_scales: Vec<f64>,
    /// Half-width of SVR's insensitive tube, on targets standardised by their training mean and
    /// standard deviation (fixed).
    pub svr_epsilon: f64,
    /// Stopping tolerance of the SMO solver (libsvm's default is 1e-3).
    pub svm_tolerance: f64,
    /// Neighbour counts `k` of k-NN (each at least 2, smartcore's minimum; values above the
    /// rows a fit sees are dropped for that data set).
    pub knn_k_grid: Vec<usize>,
    /// Ridge penalties α of logistic regression, per training row: the fit minimises the
    /// summed log-loss plus `(α·n/2)·‖w‖²` (the intercept is not penalised).
    pub logistic_alpha_grid: Vec<f64>,
    /// Cap on the L-BFGS iterations of logistic regression (it stops earlier once the
    /// gradient's norm is below 1e-4, linfa-logistic's default).
    pub logistic_max_iterations: u64,
    /// Trees of the random forest (fixed).
    pub forest_trees: usize,
    /// Minimum rows in a leaf of the random forest's trees.
    pub forest_min_leaf_grid: Vec<usize>,
}

impl Default for BaselineConfig {
    /// The grids, chosen by measurement on one thread (Table 1's small UCI sets, the Figure 1
    /// simulation, Higgs): 3 folds (5 put the Figure 1 SVR cell at 11 s and Higgs at 32 s, over
    /// their 10 s and 30 s budgets, for the same share of choices at a grid edge);
    /// λ̃ ∈ 10^{−8, −7.5, …, 4} (25 values); kernel ridge `g` ∈ 2^{−8, −7, …, 6} (15);
    /// polynomial degree ∈ {1, …, 6} × `g` ∈ 2^{−4, −3, …, 6} (11), coef0 = 1; SVC
    /// `C` ∈ 10^{−2, −1, …, 4} (7), SVR `C` ∈ 10^{−2, −1, …, 2} (5; SVR at `C` = 1000 costs
    /// minutes on the simulation), × `g` ∈ 2^{−6, −4, …, 6} (7); SVR ε = 0.1; SMO tolerance
    /// 1e-3; k-NN `k` ∈ {3, 5, 7, 9, 13, 17, 25, 33, 49, 65}; logistic α ∈ 10^{−5, −4, …, 2}
    /// with at most 500 L-BFGS iterations; random forest of 100 trees with minimum leaf
    /// ∈ {1, 2, 4, 8, 16, 32}.
    fn default() -> Self {
        let powers = |base: f64, from: i32, to: i32, step: usize| -> Vec<f64> {
            (from..=to).step_by(step).map(|k| base.powi(k)).collect()
        };
        Self {
            cv_folds: 3,
            ridge_grid: (-16..=8).map(|k| 10f64.powf(f64::from(k) / 2.0)).collect(),
            krr_gamma_scales: powers(2.0, -8, 6, 1),
            poly_degrees: vec![1, 2, 3, 4, 5, 6],
            poly_gamma_scales: powers(2.0, -4, 6, 1),
            poly_coef0: 1.0,
            svm_c_grid: powers(10.0, -2, 4, 1),
            svr_c_grid: powers(10.0, -2, 2, 1),
            svm_gamma_scales: powers(2.0, -6, 6, 2),
            svr_epsilon: 0.1,
            svm_tolerance: 1e-3,
            knn_k_grid: vec![3, 5, 7, 9, 13, 17, 25, 33, 49, 65],
            logistic_alpha_grid: powers(10.0, -5, 2, 1),
            logistic_max_iterations: 500,
            forest_trees: 100,
            forest_min_leaf_grid: vec![1, 2, 4, 8, 16, 32],
        }
    }
}

impl BaselineConfig {
    /// Checks every grid and setting (see the type's doc); the error names the offending one.
    pub(crate) fn check(&self, data: &str) -> Result<()> {
        let bad = |message: String| Error::Baseline {
            data: data.to_owned(),
            message: format!("config: {message}"),
        };
        let real: [(&str, &[f64]); 7] = [
            ("ridge_grid", &self.ridge_grid),
            ("krr_gamma_scales", &self.krr_gamma_scales),
            ("poly_gamma_scales", &self.poly_gamma_scales),
            ("svm_c_grid", &self.svm_c_grid),
            ("svr_c_grid", &self.svr_c_grid),
            ("svm_gamma_scales", &self.svm_gamma_scales),
            ("logistic_alpha_grid", &self.logistic_alpha_grid),
        ];
        for (name, grid) in real {
            if let Some(v) = grid.iter().find(|v| !(v.is_finite() && **v > 0.0)) {
                return Err(bad(format!("`{name}` holds {v}; need > 0")));
            }
            increasing(name, grid).map_err(bad)?;
        }
        let degrees: Vec<f64> = self.poly_degrees.iter().map(|&v| f64::from(v)).collect();
        let counts = |g: &[usize]| g.iter().map(|&v| v as f64).collect::<Vec<f64>>();
        let integer = [
            ("poly_degrees", degrees, 1.0),
            ("knn_k_grid", counts(&self.knn_k_grid), 2.0),
            (
                "forest_min_leaf_grid",
                counts(&self.forest_min_leaf_grid),
                1.0,
            ),
        ];
        for (name, grid, least) in integer {
            if let Some(v) = grid.iter().find(|v| **v < least) {
                return Err(bad(format!("`{name}` holds {v}; need ≥ {least}")));
            }
            increasing(name, &grid).map_err(bad)?;
        }
        let scalars = [
            ("poly_coef0", self.poly_coef0),
            ("svr_epsilon", self.svr_epsilon),
            ("svm_tolerance", self.svm_tolerance),
        ];
        if let Some((name, v)) = scalars.iter().find(|(_, v)| !(v.is_finite() && *v > 0.0)) {
            return Err(bad(format!("`{name}` is {v}; need > 0")));
        }
        if self.cv_folds < 2 {
            return Err(bad(format!("`cv_folds` is {}; need ≥ 2", self.cv_folds)));
        }
        if self.logistic_max_iterations == 0 {
            return Err(bad("`logistic_max_iterations` is 0; need ≥ 1".into()));
        }
        if self.forest_trees == 0 {
            return Err(bad("`forest_trees` is 0; need ≥ 1".into()));
        }
        Ok(())
    }
}

/// Checks that a grid is non-empty and strictly increasing.
fn increasing(name: &str, grid: &[f64]) -> std::result::Result<(), String> {
    if grid.is_empty() {
        return Err(format!("`{name}` is empty"));
    }
    match grid.windows(2).find(|w| w[0] >= w[1]) {
        Some(w) => Err(format!(
            "`{name}` must be strictly increasing, but {} is followed by {}",
            w[0], w[1]
        )),
        None => Ok(()),
    }
}
