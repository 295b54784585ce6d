//! The comparison metrics of Table 1, as Arora et al. (2020) define them, over a matrix of
//! accuracies (sets × models, in percent, `None` where a model has no accuracy on a set):
//!
//! - **Friedman rank**: per set, every model is ranked by accuracy (best = 1, tied accuracies
//!   share the average of their ranks, models without an accuracy share the last ranks); the
//!   ranks are averaged over the sets.
//! - **mean accuracy ± sd** over the sets where the model has an accuracy.
//! - **P90 / P95**: the percentage of the sets where the model's accuracy is at least 90 % /
//!   95 % of the best accuracy of any model on that set (a set without an accuracy counts as
//!   not reaching it).
//! - **PMA ± sd**: the mean over sets (where the model has an accuracy) of its accuracy divided
//!   by the best accuracy on the set, in percent.

/// Accuracies within this of each other are tied, and a ratio this close to the P90 / P95
/// threshold reaches it (floating-point slack only: the inputs have at most a few decimals).
const EPS: f64 = 1e-9;

/// One model's metrics over the sets.
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    /// The Friedman rank: the mean over sets of the model's rank (1 = best).
    pub friedman: f64,
    /// Mean accuracy (percent) over the sets where the model has one.
    pub mean: Option<f64>,
    /// Its sample standard deviation (n − 1) over those sets (`None` below two).
    pub sd: Option<f64>,
    /// Percentage of the sets where the accuracy is ≥ 90 % of the set's best.
    pub p90: f64,
    /// Percentage of the sets where the accuracy is ≥ 95 % of the set's best.
    pub p95: f64,
    /// Mean over sets of accuracy / best accuracy, in percent.
    pub pma: Option<f64>,
    /// Its sample standard deviation.
    pub pma_sd: Option<f64>,
    /// The sets where the model has an accuracy.
    pub n_present: usize,
}

/// The rank of each model on one set: best = 1, ties share the average of their positions,
/// and the models without an accuracy share the last positions.
pub fn set_ranks(accuracies: &[Option<f64>]) -> Vec<f64> {
    let present: Vec<f64> = accuracies.iter().flatten().copied().collect();
    let m = accuracies.len() as f64;
    let missing_rank = (present.len() as f64 + 1.0 + m) / 2.0;
    accuracies
        .iter()
        .map(|a| match a {
            None => missing_rank,
            Some(a) => {
                let better = present.iter().filter(|b| **b > a + EPS).count() as f64;
                let tied = present.iter().filter(|b| (**b - a).abs() <= EPS).count() as f64;
                better + (tied + 1.0) / 2.0
            }
        })
        .collect()
}

/// Mean and sample standard deviation (`None` below two values) of `values`.
fn mean_sd(values: &[f64]) -> (Option<f64>, Option<f64>) {
    if values.is_empty() {
        return (None, None);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.len() > 1)
        .then(|| (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt());
    (Some(mean), sd)
}

/// Every model's metrics over the sets of `accuracies` (`accuracies[set][model]`, percent; every
/// set has the same models, in the same order).
pub fn metrics(accuracies: &[Vec<Option<f64>>]) -> Vec<Metrics> {
    let n_models = accuracies.first().map_or(0, Vec::len);
    let n_sets = accuracies.len() as f64;
    let ranks: Vec<Vec<f64>> = accuracies.iter().map(|s| set_ranks(s)).collect();
    let best: Vec<Option<f64>> = accuracies
        .iter()
        .map(|s| s.iter().flatten().copied().max_by(f64::total_cmp))
        .collect();
    (0..n_models)
        .map(|m| {
            let values: Vec<f64> = accuracies.iter().filter_map(|s| s[m]).collect();
            let ratios: Vec<f64> = accuracies
                .iter()
                .zip(&best)
                .filter_map(|(s, b)| Some(s[m]? / b.filter(|b| *b > 0.0)?))
                .collect();
            let share = |fraction: f64| {
                100.0 * ratios.iter().filter(|r| **r >= fraction - EPS).count() as f64 / n_sets
            };
            let (mean, sd) = mean_sd(&values);
            let (pma, pma_sd) = mean_sd(&ratios);
            Metrics {
                friedman: ranks.iter().map(|r| r[m]).sum::<f64>() / n_sets,
                mean,
                sd,
                p90: share(0.90),
                p95: share(0.95),
                pma: pma.map(|p| 100.0 * p),
                pma_sd: pma_sd.map(|p| 100.0 * p),
                n_present: values.len(),
            }
        })
        .collect()
}

/// Each model's position when all are ordered by Friedman rank: 1 + the number of models with
/// a strictly better (smaller) rank, so tied models share a position.
pub fn positions(friedman: &[f64]) -> Vec<usize> {
    friedman
        .iter()
        .map(|f| 1 + friedman.iter().filter(|g| **g < f - EPS).count())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// 3 models × 3 sets: a tie on set A, model 2 missing on set B.
    ///
    /// | set | m1 | m2 | m3 | best |
    /// |---|---|---|---|---|
    /// | A | 90 | 80 | 80 | 90 |
    /// | B | 70 | -- | 75 | 75 |
    /// | C | 60 | 100 | 50 | 100 |
    fn example() -> Vec<Vec<Option<f64>>> {
        vec![
            vec![Some(90.0), Some(80.0), Some(80.0)],
            vec![Some(70.0), None, Some(75.0)],
            vec![Some(60.0), Some(100.0), Some(50.0)],
        ]
    }

    #[test]
    fn ranks_average_ties_and_put_missing_last() {
        let e = example();
        assert_eq!(set_ranks(&e[0]), [1.0, 2.5, 2.5]);
        assert_eq!(set_ranks(&e[1]), [2.0, 3.0, 1.0]);
        assert_eq!(set_ranks(&e[2]), [2.0, 1.0, 3.0]);
        // Two missing of four share positions 3 and 4; a tie for first shares 1 and 2.
        assert_eq!(
            set_ranks(&[None, Some(50.0), None, Some(60.0)]),
            [3.5, 2.0, 3.5, 1.0]
        );
        assert_eq!(set_ranks(&[Some(7.0), Some(7.0)]), [1.5, 1.5]);
    }

    #[test]
    fn metrics_of_the_hand_computed_example() {
        let m = metrics(&example());
        // Friedman: m1 (1 + 2 + 2) / 3, m2 (2.5 + 3 + 1) / 3, m3 (2.5 + 1 + 3) / 3.
        assert!(close(m[0].friedman, 5.0 / 3.0));
        assert!(close(m[1].friedman, 6.5 / 3.0));
        assert!(close(m[2].friedman, 6.5 / 3.0));
        assert_eq!(
            positions(&[m[0].friedman, m[1].friedman, m[2].friedman]),
            [1, 2, 2]
        );
        // P90: m1 reaches 90 % of the best on A (90 ≥ 81) and B (70 ≥ 67.5), not C (60 < 90);
        // m2 on C only (80 < 81 on A; missing on B); m3 on B only.
        assert!(close(m[0].p90, 200.0 / 3.0));
        assert!(close(m[1].p90, 100.0 / 3.0));
        assert!(close(m[2].p90, 100.0 / 3.0));
        // P95: m1 on A only (70 < 71.25 on B); m2 on C; m3 on B.
        assert!(close(m[0].p95, 100.0 / 3.0));
        assert!(close(m[1].p95, 100.0 / 3.0));
        assert!(close(m[2].p95, 100.0 / 3.0));
        // Mean accuracy over the sets with a value: m2 over A and C only.
        assert!(close(m[0].mean.unwrap(), 220.0 / 3.0));
        // sd of 90, 70, 60: √((16.7² + 3.3² + 13.3²) / 2) = √(700 / 3).
        assert!(close(m[0].sd.unwrap(), (700.0f64 / 3.0).sqrt()));
        assert!(close(m[1].mean.unwrap(), 90.0));
        assert_eq!((m[0].n_present, m[1].n_present), (3, 2));
        // PMA: m1 (1 + 70/75 + 0.6) / 3; m2 (80/90 + 1) / 2.
        assert!(close(
            m[0].pma.unwrap(),
            100.0 * (1.0 + 70.0 / 75.0 + 0.6) / 3.0
        ));
        assert!(close(m[1].pma.unwrap(), 100.0 * (80.0 / 90.0 + 1.0) / 2.0));
    }

    #[test]
    fn a_single_set_has_no_spread() {
        let m = metrics(&[vec![Some(80.0), Some(40.0)]]);
        assert_eq!((m[0].sd, m[0].pma_sd), (None, None));
        assert_eq!((m[0].p90, m[1].p90), (100.0, 0.0));
        assert!(close(m[1].pma.unwrap(), 50.0));
    }
}
