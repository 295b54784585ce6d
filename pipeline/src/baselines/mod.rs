//! Classical kernel baselines beside NTK-KARE: kernel ridge regression with RBF,
//! Laplacian and polynomial kernels, and a support vector machine with an RBF kernel (SVC for
//! classes, one-vs-rest for more than two; SVR for regression). Every hyper-parameter is chosen
//! on the training data alone, so each result is an honest line beside the paper's models.
//!
//! - **Kernel ridge** (`krr`): linfa and smartcore have none, so it runs on the core library's
//!   [`kare_ntk::ridge::RidgePath`] (METHOD §5: `f = (1/n)·K(X*,X)·(K/n + λI)⁻¹·Y`,
//!   `λ = λ̃·tr(K)/n²`), one eigendecomposition per kernel parameter; the kernel parameter and
//!   λ̃ are the joint argmin of GCV on the training set. Targets are centred by their training
//!   mean (added back to the predictions), as the kernels have no constant term to absorb it.
//! - **SVM** (`svm`): linfa-svm's SMO solver (a port of libsvm's), `C` and `γ` chosen on a
//!   seeded, stratified inner split of the training set (validation error rate for classes,
//!   validation MSE for regression), then refitted on the whole training set.
//!
//! Bandwidths follow the median heuristic: `γ = g / median‖x − x'‖²` (RBF) and
//! `γ = g / median‖x − x'‖₁` (Laplacian) over training pairs; for the polynomial kernel
//! `γ = g / mean‖x‖²`, so that `γ⟨x, x'⟩` is of order one. [`BaselineConfig::default`] holds
//! the grids of `g`, λ̃ and `C`.
//!
//! ```no_run
//! # fn main() -> kare_pipeline::Result<()> {
//! # let prep: kare_pipeline::data::Prepared = unimplemented!();
//! for r in kare_pipeline::baselines::run_baselines(&prep, 0)? {
//!     println!("{} {} test MSE {:.4}", r.model, r.hyperparameters(), r.test_mse);
//! }
//! # Ok(()) }
//! ```

mod input;
mod kernels;
mod krr;
mod score;
mod split;
mod svm;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::data::{Prepared, Task};
use crate::{Error, Result};

pub use kernels::Kernel;

/// One classical baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Baseline {
    /// Kernel ridge with the RBF kernel.
    KrrRbf,
    /// Kernel ridge with the Laplacian kernel.
    KrrLaplacian,
    /// Kernel ridge with the polynomial kernel.
    KrrPolynomial,
    /// SVM with the RBF kernel: SVC (one-vs-rest for several classes) or SVR for regression.
    Svm,
}

impl Baseline {
    /// Every baseline, in the order [`run_baselines`] returns them.
    pub const ALL: [Baseline; 4] = [
        Baseline::KrrRbf,
        Baseline::KrrLaplacian,
        Baseline::KrrPolynomial,
        Baseline::Svm,
    ];

    /// The model's name in results tables: `krr-rbf`, `krr-laplacian`, `krr-poly`, and
    /// `svc-rbf` or `svr-rbf` depending on the task.
    pub fn label(&self, task: Task) -> &'static str {
        match (self, task) {
            (Baseline::KrrRbf, _) => "krr-rbf",
            (Baseline::KrrLaplacian, _) => "krr-laplacian",
            (Baseline::KrrPolynomial, _) => "krr-poly",
            (Baseline::Svm, Task::Regression) => "svr-rbf",
            (Baseline::Svm, _) => "svc-rbf",
        }
    }
}

/// How a baseline's hyper-parameters were chosen (all on training data only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Criterion {
    /// Generalised cross-validation of the kernel ridge fit on the whole training set
    /// ([`kare_ntk::ridge::RidgePath::gcv`]); an estimate of the test MSE.
    Gcv,
    /// Error rate (1 − accuracy) on the inner validation split.
    ValidationError,
    /// Mean squared error on the inner validation split.
    ValidationMse,
}

/// One baseline fitted on one prepared data set: the chosen hyper-parameters and the test
/// scores, ready to be a row of a results table beside NTK-KARE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineResult {
    /// Which baseline.
    pub baseline: Baseline,
    /// Its name in results tables ([`Baseline::label`]).
    pub model: String,
    /// The chosen kernel, with its parameters.
    pub kernel: Kernel,
    /// The chosen bandwidth multiplier `g` (`γ = g / scale`, see the module doc): a choice at
    /// either end of the grid says the grid may be too narrow.
    pub gamma_scale: f64,
    /// The chosen relative ridge λ̃ (kernel ridge only).
    pub ridge_rel: Option<f64>,
    /// The chosen SVM penalty `C` (SVM only).
    pub svm_c: Option<f64>,
    /// How the hyper-parameters were chosen.
    pub criterion: Criterion,
    /// The criterion's value at the chosen hyper-parameters.
    pub criterion_value: f64,
    /// Test predictions, row-major `n_test × c`: the ridge outputs, or the SVM decision values
    /// (SVR: predicted targets).
    pub test_pred: Vec<f64>,
    /// Predicted test labels in the targets' coding (±1; one-hot ±1 for several classes),
    /// row-major `n_test × c`; `None` for regression.
    pub test_labels: Option<Vec<f64>>,
    /// Mean over rows and outputs of `(test_pred − y_test)²`, as for the NTK models.
    pub test_mse: f64,
    /// Fraction of test rows classified right; `None` for regression.
    pub test_accuracy: Option<f64>,
}

impl BaselineResult {
    /// The chosen hyper-parameters in one line, e.g. `rbf γ=1.234e-3 (g=0.5) λ̃=1.000e-2`.
    pub fn hyperparameters(&self) -> String {
        let kernel = match self.kernel {
            Kernel::Rbf { gamma } => format!("rbf γ={gamma:.3e}"),
            Kernel::Laplacian { gamma } => format!("laplacian γ={gamma:.3e}"),
            Kernel::Polynomial {
                gamma,
                coef0,
                degree,
            } => format!("poly degree={degree} γ={gamma:.3e} coef0={coef0}"),
        };
        let mut s = format!("{kernel} (g={})", self.gamma_scale);
        if let Some(rel) = self.ridge_rel {
            s += &format!(" λ̃={rel:.3e}");
        }
        if let Some(c) = self.svm_c {
            s += &format!(" C={c}");
        }
        s
    }
}

/// The grids searched by the baselines. Every value must be positive and finite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineConfig {
    /// Relative ridges λ̃ for kernel ridge (GCV costs O(n) per value, so the grid can be fine).
    pub ridge_grid: Vec<f64>,
    /// Multipliers `g` of the RBF and Laplacian bandwidths of kernel ridge (one
    /// eigendecomposition of the n×n kernel each).
    pub krr_gamma_scales: Vec<f64>,
    /// Degrees of the polynomial kernel.
    pub poly_degrees: Vec<u32>,
    /// Multipliers `g` of the polynomial kernel's `γ`.
    pub poly_gamma_scales: Vec<f64>,
    /// The polynomial kernel's constant term.
    pub poly_coef0: f64,
    /// Penalties `C` of the SVM.
    pub svm_c_grid: Vec<f64>,
    /// Multipliers `g` of the SVM's RBF bandwidth.
    pub svm_gamma_scales: Vec<f64>,
    /// Fraction of each class (of all rows, for regression) held out for the SVM's validation.
    pub validation_fraction: f64,
    /// Half-width of SVR's insensitive tube, on targets standardised by their training mean and
    /// standard deviation (fixed, not searched).
    pub svr_epsilon: f64,
    /// Stopping tolerance of the SMO solver (libsvm's default is 1e-3).
    pub svm_tolerance: f64,
}

impl Default for BaselineConfig {
    /// λ̃ ∈ 10^{−6, −5.5, …, 3} (19 values); kernel ridge `g` ∈ {1/16, 1/8, …, 4} (7 values); polynomial
    /// degree ∈ {2, 3} × `g` ∈ {1/2, 1, 2}, coef0 = 1; SVM `C` ∈ {0.1, 1, 10, 100} × `g` ∈
    /// {1/4, 1, 4}; 20 % validation; SVR ε = 0.1; SMO tolerance 1e-3.
    fn default() -> Self {
        Self {
            ridge_grid: (-12..=6).map(|k| 10f64.powf(f64::from(k) / 2.0)).collect(),
            krr_gamma_scales: vec![0.0625, 0.125, 0.25, 0.5, 1.0, 2.0, 4.0],
            poly_degrees: vec![2, 3],
            poly_gamma_scales: vec![0.5, 1.0, 2.0],
            poly_coef0: 1.0,
            svm_c_grid: vec![0.1, 1.0, 10.0, 100.0],
            svm_gamma_scales: vec![0.25, 1.0, 4.0],
            validation_fraction: 0.2,
            svr_epsilon: 0.1,
            svm_tolerance: 1e-3,
        }
    }
}

impl BaselineConfig {
    /// Checks that every grid is non-empty and every value positive and finite.
    fn check(&self, data: &str) -> Result<()> {
        let grids: [(&str, &[f64]); 5] = [
            ("ridge_grid", &self.ridge_grid),
            ("krr_gamma_scales", &self.krr_gamma_scales),
            ("poly_gamma_scales", &self.poly_gamma_scales),
            ("svm_c_grid", &self.svm_c_grid),
            ("svm_gamma_scales", &self.svm_gamma_scales),
        ];
        let scalars = [
            ("poly_coef0", self.poly_coef0),
            ("svr_epsilon", self.svr_epsilon),
            ("svm_tolerance", self.svm_tolerance),
        ];
        let bad = |message: String| Error::Baseline {
            data: data.to_owned(),
            message,
        };
        for (name, grid) in grids {
            if grid.is_empty() {
                return Err(bad(format!("config: `{name}` is empty")));
            }
            if let Some(v) = grid.iter().find(|v| !(v.is_finite() && **v > 0.0)) {
                return Err(bad(format!("config: `{name}` holds {v}; need > 0")));
            }
        }
        if let Some((name, v)) = scalars.iter().find(|(_, v)| !(v.is_finite() && *v > 0.0)) {
            return Err(bad(format!("config: `{name}` is {v}; need > 0")));
        }
        if self.poly_degrees.is_empty() || self.poly_degrees.contains(&0) {
            return Err(bad(
                "config: `poly_degrees` must be non-empty and ≥ 1".into()
            ));
        }
        if !(self.validation_fraction > 0.0 && self.validation_fraction < 1.0) {
            return Err(bad(format!(
                "config: `validation_fraction` is {}; need 0 < f < 1",
                self.validation_fraction
            )));
        }
        Ok(())
    }
}

/// Every baseline ([`Baseline::ALL`]) on one prepared data set with the default grids.
/// `seed` draws the SVM's inner validation split; kernel ridge does not use it.
pub fn run_baselines(prep: &Prepared, seed: u64) -> Result<Vec<BaselineResult>> {
    run_baselines_with(prep, &BaselineConfig::default(), seed)
}

/// Every baseline on one prepared data set with the grids of `config`.
pub fn run_baselines_with(
    prep: &Prepared,
    config: &BaselineConfig,
    seed: u64,
) -> Result<Vec<BaselineResult>> {
    Baseline::ALL
        .iter()
        .map(|&b| run_baseline(prep, b, config, seed))
        .collect()
}

/// One baseline on one prepared data set. Same inputs, same output.
pub fn run_baseline(
    prep: &Prepared,
    baseline: Baseline,
    config: &BaselineConfig,
    seed: u64,
) -> Result<BaselineResult> {
    config.check(&prep.name)?;
    let input = input::Input::new(prep)?;
    match baseline {
        Baseline::KrrRbf => krr::fit(&input, krr::Family::Rbf, config),
        Baseline::KrrLaplacian => krr::fit(&input, krr::Family::Laplacian, config),
        Baseline::KrrPolynomial => krr::fit(&input, krr::Family::Polynomial, config),
        Baseline::Svm => svm::fit(&input, config, seed),
    }
}
