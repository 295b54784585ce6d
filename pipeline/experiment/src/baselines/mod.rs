//! Classical baselines beside NTK-KARE: kernel ridge regression with RBF, Laplacian and
//! polynomial kernels; a support vector machine with an RBF kernel (SVC for classes,
//! one-vs-rest for more than two; SVR for regression); and, for classification only, a random
//! forest, k-nearest neighbours and logistic regression. Every hyper-parameter is chosen on the
//! training data alone, so each result is an honest line beside the paper's models.
//!
//! - **Kernel ridge** (`krr`): linfa and smartcore have none, so it runs on the core library's
//!   [`kare_ntk::ridge::RidgePath`] (METHOD §5: `f = (1/n)·K(X*,X)·(K/n + λI)⁻¹·Y`,
//!   `λ = λ̃·tr(K)/n²`), one eigendecomposition per kernel parameter; the kernel parameter and
//!   λ̃ are the joint argmin of GCV on the training set. Targets are centred by their training
//!   mean (added back to the predictions), as the kernels have no constant term to absorb it.
//! - **SVM** (`svm`): linfa-svm's SMO solver (a port of libsvm's), `C` and `γ` chosen by
//!   k-fold cross-validation, then refitted on the whole training set.
//! - **Random forest, k-NN, logistic regression** (`classifiers`): smartcore's, on class
//!   indices, tuned by the same cross-validation.
//!
//! **Cross-validation** (`cv`): k folds of the training rows (`k` = [`BaselineConfig::cv_folds`],
//! fewer when there are fewer rows, so that no fold is empty), stratified by class (each class
//! shuffled, then dealt round-robin), drawn with the run's seed. The criterion is the total
//! count of misclassified held-out rows (classes) or the MSE over every held-out row
//! (regression). **Ties go to the simplest model**: SVM the smallest `C`, then the smallest
//! `γ`; kernel ridge (by GCV) the smallest degree, then the largest λ̃, then the smallest `γ`;
//! k-NN the largest `k`; logistic regression the largest α; the random forest the largest
//! minimum leaf. Error counts tie when equal; GCV and CV MSE values within a relative 1e-3 of
//! the best tie (they estimate a test MSE far less precisely than that). Every result records
//! how many grid points tied at its choice.
//!
//! **Test scores**: on a classification task every baseline's `test_mse` is the MSE of its
//! predicted ±1 labels (one-hot ±1 for several classes) against the targets, so that it is on
//! the labels' scale whatever the model outputs: `4 ×` the error rate for two classes,
//! `8/c ×` the error rate for `c` classes. For regression it is the MSE of the predictions.
//!
//! Bandwidths follow the median heuristic: `γ = g / median‖x − x'‖²` (RBF) and
//! `γ = g / median‖x − x'‖₁` (Laplacian) over training pairs; for the polynomial kernel
//! `γ = g / mean‖x‖²`, so that `γ⟨x, x'⟩` is of order one. [`BaselineConfig::default`] holds
//! the grids. Every result records its choices ([`Hyperparameter`]) and which of them sit at
//! an edge of their grid.
//!
//! ```no_run
//! # fn main() -> kare_experiment::Result<()> {
//! # let prep: kare_data::Prepared = unimplemented!();
//! for r in kare_experiment::baselines::run_baselines(&prep, 0)? {
//!     println!("{} {} test MSE {:.4}", r.model, r.hyperparameters_text(), r.test_mse);
//! }
//! # Ok(()) }
//! ```

mod classifiers;
mod config;
mod cv;
mod input;
mod kernels;
mod krr;
mod result;
mod score;
mod svm;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::Result;
use kare_data::{Prepared, Task};
use kare_results::Method;

pub use config::BaselineConfig;
pub use kernels::Kernel;
pub use result::{BaselineResult, Hyperparameter};

/// Bumped whenever any baseline's computation changes, so cached baseline records are not
/// reused.
pub const REVISION: u32 = 2;

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
    /// Random forest (classification only).
    RandomForest,
    /// k-nearest neighbours (classification only).
    KNearest,
    /// Logistic regression (classification only).
    Logistic,
}

impl Baseline {
    /// The baseline that computes `method`; `None` for the paper's methods.
    pub fn of(method: Method) -> Option<Baseline> {
        match method {
            Method::KrrRbf => Some(Baseline::KrrRbf),
            Method::KrrLaplacian => Some(Baseline::KrrLaplacian),
            Method::KrrPoly => Some(Baseline::KrrPolynomial),
            Method::Svm => Some(Baseline::Svm),
            Method::RandomForest => Some(Baseline::RandomForest),
            Method::KNearest => Some(Baseline::KNearest),
            Method::Logistic => Some(Baseline::Logistic),
            _ => None,
        }
    }

    /// Every baseline, in the order [`run_baselines`] returns them.
    pub const ALL: [Baseline; 7] = [
        Baseline::KrrRbf,
        Baseline::KrrLaplacian,
        Baseline::KrrPolynomial,
        Baseline::Svm,
        Baseline::RandomForest,
        Baseline::KNearest,
        Baseline::Logistic,
    ];

    /// The model's name in results tables: `krr-rbf`, `krr-laplacian`, `krr-poly`, `svc-rbf`
    /// or `svr-rbf` depending on the task, `random-forest`, `knn`, `logistic`.
    pub fn label(&self, task: Task) -> &'static str {
        match (self, task) {
            (Baseline::KrrRbf, _) => "krr-rbf",
            (Baseline::KrrLaplacian, _) => "krr-laplacian",
            (Baseline::KrrPolynomial, _) => "krr-poly",
            (Baseline::Svm, Task::Regression) => "svr-rbf",
            (Baseline::Svm, _) => "svc-rbf",
            (Baseline::RandomForest, _) => "random-forest",
            (Baseline::KNearest, _) => "knn",
            (Baseline::Logistic, _) => "logistic",
        }
    }

    /// Whether the baseline needs class labels (it cannot run on a regression task): true for
    /// the random forest, k-NN and logistic regression.
    pub fn needs_classes(self) -> bool {
        matches!(
            self,
            Baseline::RandomForest | Baseline::KNearest | Baseline::Logistic
        )
    }
}

/// How a baseline's hyper-parameters were chosen (all on training data only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Criterion {
    /// Generalised cross-validation of the kernel ridge fit on the whole training set
    /// ([`kare_ntk::ridge::RidgePath::gcv`]); an estimate of the test MSE.
    Gcv,
    /// The total count of misclassified held-out rows of a `folds`-fold cross-validation.
    CvError {
        /// The number of folds.
        folds: usize,
    },
    /// The MSE over every held-out row of a `folds`-fold cross-validation.
    CvMse {
        /// The number of folds.
        folds: usize,
    },
}

impl Criterion {
    /// The criterion for readers: `GCV`, `5-fold CV error`, `5-fold CV MSE`.
    pub fn text(&self) -> String {
        match self {
            Criterion::Gcv => "GCV".into(),
            Criterion::CvError { folds } => format!("{folds}-fold CV error"),
            Criterion::CvMse { folds } => format!("{folds}-fold CV MSE"),
        }
    }
}

/// Every baseline that applies to the task ([`Baseline::ALL`], without those that
/// [`Baseline::needs_classes`] on a regression task), with the default grids. `seed` draws the
/// cross-validation folds and the forest's trees; kernel ridge does not use it.
pub fn run_baselines(prep: &Prepared, seed: u64) -> Result<Vec<BaselineResult>> {
    run_baselines_with(prep, &BaselineConfig::default(), seed)
}

/// [`run_baselines`] with the grids of `config`.
pub fn run_baselines_with(
    prep: &Prepared,
    config: &BaselineConfig,
    seed: u64,
) -> Result<Vec<BaselineResult>> {
    (Baseline::ALL.iter())
        .filter(|b| !(b.needs_classes() && prep.task == Task::Regression))
        .map(|&b| run_baseline(prep, b, config, seed))
        .collect()
}

/// One baseline on one prepared data set. Same inputs, same output. A classifier
/// ([`Baseline::needs_classes`]) on a regression task is an error.
pub fn run_baseline(
    prep: &Prepared,
    baseline: Baseline,
    config: &BaselineConfig,
    seed: u64,
) -> Result<BaselineResult> {
    config.check(&prep.name)?;
    let input = input::Input::new(prep)?;
    if baseline.needs_classes() && input.task == Task::Regression {
        return Err(input.error(format!(
            "{} needs a classification task, but this is a regression",
            baseline.label(input.task)
        )));
    }
    match baseline {
        Baseline::KrrRbf => krr::fit(&input, krr::Family::Rbf, config),
        Baseline::KrrLaplacian => krr::fit(&input, krr::Family::Laplacian, config),
        Baseline::KrrPolynomial => krr::fit(&input, krr::Family::Polynomial, config),
        Baseline::Svm => svm::fit(&input, config, seed),
        classifier => classifiers::fit(&input, classifier, config, seed),
    }
}
