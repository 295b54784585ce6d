//! Scores of predictions against targets, read as the NTK models' are (the experiment runner's
//! `compute`): MSE over rows and outputs; for classes, the sign (one column) or the argmax.

use crate::data::Task;

/// Mean over rows and outputs of `(pred − y)²` (row-major slices of equal length).
pub(crate) fn mse(pred: &[f64], y: &[f64]) -> f64 {
    let sum: f64 = pred.iter().zip(y).map(|(p, t)| (p - t).powi(2)).sum();
    sum / y.len() as f64
}

/// The predicted class of each row: `1` for a positive output (`0` otherwise) with one
/// column, the first largest output with several.
fn classes(pred: &[f64], c: usize) -> Vec<usize> {
    pred.chunks(c)
        .map(|r| match c {
            1 => usize::from(r[0] > 0.0),
            _ => (0..c).fold(0, |best, j| if r[j] > r[best] { j } else { best }),
        })
        .collect()
}

/// Predicted labels in the targets' coding (±1, or one-hot ±1), row-major `rows × c`; `None`
/// for regression.
pub(crate) fn labels(pred: &[f64], c: usize, task: Task) -> Option<Vec<f64>> {
    if task == Task::Regression {
        return None;
    }
    let sign = |yes: bool| if yes { 1.0 } else { -1.0 };
    Some(
        classes(pred, c)
            .into_iter()
            .flat_map(|k| match c {
                1 => vec![sign(k == 1)],
                _ => (0..c).map(|j| sign(j == k)).collect(),
            })
            .collect(),
    )
}

/// Fraction of rows whose predicted class is the target's; `None` for regression.
pub(crate) fn accuracy(pred: &[f64], y: &[f64], c: usize, task: Task) -> Option<f64> {
    if task == Task::Regression {
        return None;
    }
    let (p, t) = (classes(pred, c), classes(y, c));
    let right = p.iter().zip(&t).filter(|(a, b)| a == b).count();
    Some(right as f64 / t.len() as f64)
}
