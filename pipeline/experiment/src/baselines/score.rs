//! Scores of predictions against targets, from [`crate::metrics`] as the NTK models' are: the
//! sign of one column, the argmax of several. The test MSE
//! of a classification is that of the predicted ±1 labels (see the module doc of [`super`]).

use crate::metrics;
use kare_data::Task;

/// Mean over rows and outputs of `(pred − y)²` (row-major slices of equal length).
pub(crate) fn mse(pred: &[f64], y: &[f64]) -> f64 {
    metrics::mse(pred.iter().copied().zip(y.iter().copied()))
}

/// The predicted class of each row: `1` for a positive output (`0` otherwise) with one
/// column, the first largest output with several.
pub(crate) fn classes(pred: &[f64], c: usize) -> Vec<usize> {
    pred.chunks(c)
        .map(|r| metrics::class(c, |j| r[j]))
        .collect()
}

/// The ±1 coding of class indices (one-hot ±1 with several columns), row-major `rows × c`;
/// the inverse of [`classes`] on labels.
pub(crate) fn encode(classes: &[usize], c: usize) -> Vec<f64> {
    let sign = |yes: bool| if yes { 1.0 } else { -1.0 };
    classes
        .iter()
        .flat_map(|&k| match c {
            1 => vec![sign(k == 1)],
            _ => (0..c).map(|j| sign(j == k)).collect(),
        })
        .collect()
}

/// How many rows of `pred` are in another class than the labels `y`.
pub(crate) fn errors(pred: &[f64], y: &[f64], c: usize) -> usize {
    let (p, t) = (classes(pred, c), classes(y, c));
    p.iter().zip(&t).filter(|(a, b)| a != b).count()
}

/// The test scores of one baseline.
pub(crate) struct TestScores {
    /// Predicted labels in the targets' coding; `None` for regression.
    pub labels: Option<Vec<f64>>,
    /// MSE of the labels (classification) or of the predictions (regression).
    pub mse: f64,
    /// Fraction of rows classified right; `None` for regression.
    pub accuracy: Option<f64>,
}

/// Scores row-major `rows × c` predictions against the targets `y`.
pub(crate) fn test(pred: &[f64], y: &[f64], c: usize, task: Task) -> TestScores {
    if task == Task::Regression {
        return TestScores {
            labels: None,
            mse: mse(pred, y),
            accuracy: None,
        };
    }
    let labels = encode(&classes(pred, c), c);
    let rows = y.len() / c;
    TestScores {
        mse: mse(&labels, y),
        accuracy: Some((rows - errors(pred, y, c)) as f64 / rows as f64),
        labels: Some(labels),
    }
}
