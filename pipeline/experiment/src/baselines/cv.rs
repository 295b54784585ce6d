//! Stratified k-fold cross-validation of the training rows, and the choice of a grid point
//! with ties going to the simplest model.

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::input::{gather, Input};
use super::{score, Criterion};
use crate::Result;
use kare_data::Task;

/// The validation folds of rows `0..strata.len()`, each in increasing row order: every row in
/// exactly one fold, `min(folds, n)` folds so that none is empty. Within each stratum (class)
/// the rows are shuffled and dealt round-robin, the dealing running on from one class to the
/// next, so each fold holds ⌊m/k⌋ or ⌈m/k⌉ of a class of m rows and the fold sizes differ by
/// at most one. The shuffles come from a `ChaCha8Rng` seeded with `seed` (stream 2: the data
/// layer uses streams 0 and 1 of the run seed). `Err` when fewer than two rows.
pub(crate) fn folds(
    strata: &[usize],
    folds: usize,
    seed: u64,
) -> std::result::Result<Vec<Vec<usize>>, String> {
    let k = folds.min(strata.len());
    if k < 2 {
        return Err(format!(
            "{} training rows are too few for cross-validation (need at least 2)",
            strata.len()
        ));
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (row, &s) in strata.iter().enumerate() {
        groups.entry(s).or_default().push(row);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(2);
    let mut out = vec![Vec::new(); k];
    let mut next = 0;
    for mut rows in groups.into_values() {
        rows.shuffle(&mut rng);
        for row in rows {
            out[next % k].push(row);
            next += 1;
        }
    }
    for fold in &mut out {
        fold.sort_unstable();
    }
    Ok(out)
}

/// The cross-validation of one data set: its folds, and the rows fitted for each.
pub(crate) struct Cv {
    /// Validation rows of each fold.
    pub val: Vec<Vec<usize>>,
    /// Fitted rows of each fold: the training rows outside it, in increasing order.
    pub fit: Vec<Vec<usize>>,
}

impl Cv {
    /// The folds of `input`'s training rows, stratified by class ([`folds`]).
    pub fn new(input: &Input, k: usize, seed: u64) -> Result<Self> {
        let val = folds(&input.strata(), k, seed).map_err(|m| input.error(m))?;
        let fit = (val.iter())
            .map(|v| {
                (0..input.n_train)
                    .filter(|r| v.binary_search(r).is_err())
                    .collect()
            })
            .collect();
        Ok(Self { val, fit })
    }

    /// The number of folds.
    pub fn k(&self) -> usize {
        self.val.len()
    }

    /// The criterion of one candidate: fits on each fold's fitted rows by
    /// `predict(fold, fit, val)`,
    /// which returns row-major `val.len() × c` predictions of the validation rows (labels or
    /// scores, read by sign or argmax, for classes; values for regression). Returns the total
    /// count of misclassified validation rows, or the MSE over every validation row and output.
    pub fn criterion(
        &self,
        input: &Input,
        mut predict: impl FnMut(usize, &[usize], &[usize]) -> Result<Vec<f64>>,
    ) -> Result<f64> {
        let (mut total, c) = (0.0, input.c);
        for (fold, (fit, val)) in self.fit.iter().zip(&self.val).enumerate() {
            let pred = predict(fold, fit, val)?;
            let y = gather(input.y_train, c, val);
            total += match input.task {
                Task::Regression => score::mse(&pred, &y) * y.len() as f64,
                _ => score::errors(&pred, &y, c) as f64,
            };
        }
        Ok(match input.task {
            Task::Regression => total / (input.n_train * c) as f64,
            _ => total,
        })
    }
}

/// Relative margin within which two values of a continuous criterion (GCV, CV MSE) tie: both
/// estimate a test MSE far less precisely than this, so a smaller difference says nothing,
/// and a GCV curve flat at the smallest ridges would otherwise be decided by rounding. Counts
/// of errors tie only when equal.
pub(crate) const MSE_TIE: f64 = 1e-3;

/// The relative tie margin of a criterion: [`MSE_TIE`] for GCV and CV MSE, 0 for error counts.
pub(crate) fn tie_margin(criterion: Criterion) -> f64 {
    match criterion {
        Criterion::CvError { .. } => 0.0,
        Criterion::Gcv | Criterion::CvMse { .. } => MSE_TIE,
    }
}

/// The chosen candidate of a grid, and how many candidates tied with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Choice {
    /// Its index in the list of candidates.
    pub index: usize,
    /// How many candidates (the choice included) tie at the best value.
    pub ties: usize,
}

/// The chosen candidate, candidates being listed simplest first: the first whose value is
/// within a relative `margin` of the smallest finite value ([`tie_margin`]). `None` when no
/// value is finite.
pub(crate) fn choose(values: &[f64], margin: f64) -> Option<Choice> {
    let best = (values.iter().copied())
        .filter(|v| v.is_finite())
        .min_by(f64::total_cmp)?;
    let tied = |v: &f64| *v <= best + margin * best.abs();
    Some(Choice {
        index: values.iter().position(tied)?,
        ties: values.iter().filter(|v| tied(v)).count(),
    })
}
