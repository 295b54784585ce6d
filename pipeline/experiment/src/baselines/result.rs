//! A fitted baseline's record: its choices, with where they sit in their grids, and its test
//! scores.

use serde::{Deserialize, Serialize};

use super::cv::Choice;
use super::input::Input;
use super::score;
use super::{Baseline, Criterion, Kernel};

/// One tuned hyper-parameter of a fitted baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hyperparameter {
    /// Its name, as in [`BaselineResult::hyperparameters_text`] (`g`, `λ̃`, `C`, `k`, …).
    pub name: String,
    /// The chosen value.
    pub value: f64,
    /// The smallest value of the grid searched.
    pub grid_min: f64,
    /// The largest value of the grid searched.
    pub grid_max: f64,
    /// How many values the grid had.
    pub grid_len: usize,
    /// Whether the choice is the grid's smallest or largest value of a grid of at least three:
    /// such a choice says the grid may be too narrow.
    pub at_edge: bool,
}

impl Hyperparameter {
    /// The choice `value` from `grid` (ascending, holding `value`).
    pub(crate) fn chosen(name: &str, value: f64, grid: &[f64]) -> Self {
        let (grid_min, grid_max) = (grid[0], grid[grid.len() - 1]);
        Self {
            name: name.to_owned(),
            value,
            grid_min,
            grid_max,
            grid_len: grid.len(),
            at_edge: grid.len() >= 3 && (value == grid_min || value == grid_max),
        }
    }
}

/// One baseline fitted on one prepared data set: the chosen hyper-parameters and the test
/// scores, ready to be a row of a results table beside NTK-KARE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineResult {
    /// Which baseline.
    pub baseline: Baseline,
    /// Its name in results tables ([`Baseline::label`]).
    pub model: String,
    /// The chosen kernel with its parameters, for the kernel baselines (kernel ridge, SVM).
    pub kernel: Option<Kernel>,
    /// Every tuned hyper-parameter, in the order of [`BaselineResult::hyperparameters_text`].
    pub hyperparameters: Vec<Hyperparameter>,
    /// How the hyper-parameters were chosen.
    pub criterion: Criterion,
    /// The criterion's value at the choice: GCV, the total count of misclassified
    /// cross-validation rows, or the cross-validation MSE.
    pub criterion_value: f64,
    /// How many grid points (the choice included) tie at that value: more than one means the
    /// tie rule (the simplest model) decided; all of the grid means the data could not tell
    /// the grid points apart.
    pub ties: usize,
    /// How many grid points were searched.
    pub grid_points: usize,
    /// Test predictions, row-major `n_test × c`: kernel ridge's outputs, the SVM's decision
    /// values (SVR: predicted targets), the classifiers' predicted ±1 labels.
    pub test_pred: Vec<f64>,
    /// Predicted test labels in the targets' coding (±1; one-hot ±1 for several classes),
    /// row-major `n_test × c`; `None` for regression.
    pub test_labels: Option<Vec<f64>>,
    /// Test MSE over rows and outputs: of `test_labels` for classification, of `test_pred`
    /// for regression.
    pub test_mse: f64,
    /// Fraction of test rows classified right; `None` for regression.
    pub test_accuracy: Option<f64>,
}

/// How a baseline's choice was made: its criterion's value at every grid point, in the
/// order of the search (simplest first), and the point chosen.
pub(crate) struct Selection<'a> {
    pub criterion: Criterion,
    pub values: &'a [f64],
    pub choice: Choice,
}

impl BaselineResult {
    /// The result of `baseline` choosing `selection` with `hyperparameters` (and `kernel`, for
    /// the kernel baselines), its predictions `test_pred` scored against `input`'s test set.
    pub(crate) fn scored(
        baseline: Baseline,
        kernel: Option<Kernel>,
        hyperparameters: Vec<Hyperparameter>,
        selection: Selection<'_>,
        test_pred: Vec<f64>,
        input: &Input,
    ) -> Self {
        let scores = score::test(&test_pred, input.y_test, input.c, input.task);
        Self {
            baseline,
            model: baseline.label(input.task).to_owned(),
            kernel,
            hyperparameters,
            criterion: selection.criterion,
            criterion_value: selection.values[selection.choice.index],
            ties: selection.choice.ties,
            grid_points: selection.values.len(),
            test_pred,
            test_labels: scores.labels,
            test_mse: scores.mse,
            test_accuracy: scores.accuracy,
        }
    }

    /// The choice in one compact line without commas, the kernel first when there is one,
    /// e.g. `kernel=rbf γ=1.234e-3 g=0.5 λ̃=1e-2` or `k=7`.
    pub fn hyperparameters_text(&self) -> String {
        let kernel = self.kernel.map(|k| match k {
            Kernel::Rbf { gamma } => format!("kernel=rbf γ={}", number(gamma)),
            Kernel::Laplacian { gamma } => format!("kernel=laplacian γ={}", number(gamma)),
            Kernel::Polynomial { gamma, coef0, .. } => {
                format!("kernel=poly γ={} coef0={}", number(gamma), number(coef0))
            }
        });
        let params =
            (self.hyperparameters.iter()).map(|h| format!("{}={}", h.name, number(h.value)));
        kernel
            .into_iter()
            .chain(params)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The names of the hyper-parameters chosen at an edge of their grid.
    pub fn edges(&self) -> Vec<&str> {
        (self.hyperparameters.iter())
            .filter(|h| h.at_edge)
            .map(|h| h.name.as_str())
            .collect()
    }
}

/// A number in at most about eight characters: as written when that is short and at least 0.1
/// (`0.25`, `100`), else in scientific notation with four significant digits and no trailing
/// zeros (`1e-2`, `3.162e-3`).
fn number(v: f64) -> String {
    let plain = v.to_string();
    if plain.len() <= 6 && (0.1..1e5).contains(&v.abs()) {
        return plain;
    }
    let sci = format!("{v:.3e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
    format!("{mantissa}e{exponent}")
}
