//! Our models beside the 179 classifiers under one protocol: the sets used (every one of our
//! methods has an accuracy there, and `results_UCI.txt` has the set), the skipped sets with
//! the reasons, and the metrics of [`super::rank`] computed jointly over all models.

use super::classifiers::Classifiers;
use super::protocol::{Evaluation, Protocol, SetOutcome};
use super::rank::{metrics, positions, Metrics};
use super::rows::Hyper;
use kare_results::Method;

/// How many of the classifiers the tables list (the best by Friedman rank).
pub const TOP: usize = 10;

/// One model's line of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Our method, or `None` for one of the classifiers.
    pub method: Option<Method>,
    /// The name shown: [`Method::label`], or the classifier's name in `results_UCI.txt`.
    pub name: String,
    /// Its metrics.
    pub metrics: Metrics,
    /// Its position among all models by Friedman rank (1 = best; ties share a position).
    pub position: usize,
}

/// One set used: the classifiers' best accuracy and ours (percent).
#[derive(Debug, Clone, PartialEq)]
pub struct SetPoint {
    /// The set.
    pub set: String,
    /// The best accuracy of the classifiers on the set.
    pub best_classifier: f64,
    /// Our methods' accuracies.
    pub ours: Vec<(Method, f64)>,
    /// Our methods' h*, chosen on the holdout (the same in both protocols).
    pub chosen: Vec<(Method, Hyper)>,
}

/// The comparison under one protocol.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The protocol.
    pub protocol: Protocol,
    /// The sets used, in the results' order.
    pub sets: Vec<SetPoint>,
    /// The sets of the results not used, and why.
    pub skipped: Vec<(String, String)>,
    /// Our methods, in [`Method::ALL`] order.
    pub ours: Vec<Entry>,
    /// The [`TOP`] best classifiers by Friedman rank (ties in the file's order).
    pub top: Vec<Entry>,
    /// Every classifier, in the file's order.
    pub classifiers: Vec<Entry>,
    /// How many models were ranked: ours and the classifiers.
    pub n_models: usize,
}

/// Compares `evaluation` (our methods under one protocol) with `classifiers`.
pub fn compare(evaluation: &Evaluation, classifiers: &Classifiers) -> Comparison {
    let mut sets = Vec::new();
    let mut skipped = Vec::new();
    let mut matrix: Vec<Vec<Option<f64>>> = Vec::new();
    for outcome in &evaluation.sets {
        let theirs = classifiers.set(&outcome.set);
        let reasons = skip_reasons(outcome, theirs, classifiers);
        let theirs = match theirs {
            Some(t) if reasons.is_empty() => t,
            _ => {
                skipped.push((outcome.set.clone(), reasons.join("; ")));
                continue;
            }
        };
        let (point, row) = set_point(evaluation, outcome, theirs);
        matrix.push(row);
        sets.push(point);
    }
    let n_models = evaluation.methods.len() + classifiers.names.len();
    let (ours, classifiers) = entries(evaluation, classifiers, &matrix);
    let mut top = classifiers.clone();
    top.sort_by(|a, b| a.metrics.friedman.total_cmp(&b.metrics.friedman));
    top.truncate(TOP);
    Comparison {
        protocol: evaluation.protocol,
        sets,
        skipped,
        ours,
        top,
        classifiers,
        n_models,
    }
}

/// Why a set is not used: the methods without an accuracy on it, and whether the classifiers'
/// file lacks it (`theirs`, its accuracies there, is none); empty when the set is used.
fn skip_reasons(
    outcome: &SetOutcome,
    theirs: Option<&[Option<f64>]>,
    classifiers: &Classifiers,
) -> Vec<String> {
    let mut reasons = outcome.missing.clone();
    if theirs.is_none() {
        reasons.push(format!(
            "not in {}",
            classifiers
                .path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
        ));
    }
    reasons
}

/// One set used: its point (the classifiers' best, our accuracies and h*) and its row of the
/// accuracy matrix ranked (our methods, then the classifiers, `theirs`, in the file's order).
fn set_point(
    evaluation: &Evaluation,
    outcome: &SetOutcome,
    theirs: &[Option<f64>],
) -> (SetPoint, Vec<Option<f64>>) {
    let ours: Vec<(Method, f64)> = evaluation
        .methods
        .iter()
        .map(|&m| {
            (
                m,
                outcome
                    .accuracy(m)
                    .expect("no reason: every method has one"),
            )
        })
        .collect();
    let row = ours
        .iter()
        .map(|(_, a)| Some(*a))
        .chain(theirs.iter().copied())
        .collect();
    let point = SetPoint {
        set: outcome.set.clone(),
        best_classifier: theirs
            .iter()
            .flatten()
            .copied()
            .max_by(f64::total_cmp)
            .unwrap_or(f64::NAN),
        ours,
        chosen: outcome
            .choices
            .iter()
            .map(|(m, c)| (*m, c.hyper.clone()))
            .collect(),
    };
    (point, row)
}

/// Ranks all models jointly over the sets used (`matrix`, one row per set) and returns the
/// entries of our methods and of every classifier, each with its metrics and position.
fn entries(
    evaluation: &Evaluation,
    classifiers: &Classifiers,
    matrix: &[Vec<Option<f64>>],
) -> (Vec<Entry>, Vec<Entry>) {
    let n_ours = evaluation.methods.len();
    let all = if matrix.is_empty() {
        Vec::new()
    } else {
        metrics(matrix)
    };
    let places = positions(&all.iter().map(|m| m.friedman).collect::<Vec<_>>());
    let entry = |i: usize| Entry {
        method: evaluation.methods.get(i).copied(),
        name: evaluation.methods.get(i).map_or_else(
            || classifiers.names[i - n_ours].clone(),
            |m| m.label().to_string(),
        ),
        metrics: all[i].clone(),
        position: places[i],
    };
    let ours = (0..all.len().min(n_ours)).map(entry).collect();
    let theirs = (n_ours..all.len()).map(entry).collect();
    (ours, theirs)
}
