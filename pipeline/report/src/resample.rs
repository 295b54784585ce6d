//! Resampling over seeds, from fixed-seed ChaCha8 streams so that a report is a function of
//! its results files: the percentile-bootstrap interval of a mean (the paired differences of
//! the claims) and random subsets of seeds without replacement (the spread of a 10-seed mean).

use rand::seq::index;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Bootstrap resamples behind an interval.
pub const BOOTSTRAP_RESAMPLES: usize = 10_000;

/// The seed of every resampling stream (the paper's arXiv number).
const STREAM_SEED: u64 = 2505_11347;

/// The `p`-quantile (0 ≤ p ≤ 1) of ascending `sorted` values, interpolating linearly between
/// order statistics (the sample quantile of type 7: the minimum at 0, the maximum at 1).
///
/// Panics on an empty slice.
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The mean of `values`; `None` when there are none.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The percentile-bootstrap 95 % interval of the mean of `values`: the 2.5 % and 97.5 %
/// quantiles of the means of `resamples` resamples (the values drawn with replacement, as
/// many as there are). `None` when there are no values; the values must be finite.
pub fn bootstrap_mean_interval(values: &[f64], resamples: usize) -> Option<(f64, f64)> {
    let n = values.len();
    if n == 0 || resamples == 0 {
        return None;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(STREAM_SEED);
    let mut means: Vec<f64> = (0..resamples)
        .map(|_| (0..n).map(|_| values[rng.random_range(0..n)]).sum::<f64>() / n as f64)
        .collect();
    means.sort_by(f64::total_cmp);
    Some((quantile(&means, 0.025), quantile(&means, 0.975)))
}

/// `count` random subsets of `size` of the indices `0..n`, each drawn without replacement
/// (a subset may recur). Empty when `size > n`.
pub fn subsets(n: usize, size: usize, count: usize) -> Vec<Vec<usize>> {
    if size > n {
        return Vec::new();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(STREAM_SEED);
    (0..count)
        .map(|_| index::sample(&mut rng, n, size).into_vec())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_order_statistics() {
        let v = [1.0, 2.0, 4.0, 8.0, 16.0];
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 1.0), 16.0);
        assert_eq!(quantile(&v, 0.5), 4.0);
        // h = 4 · 0.3 = 1.2: 2 + 0.2 · (4 − 2).
        assert!((quantile(&v, 0.3) - 2.4).abs() < 1e-12);
        assert_eq!(quantile(&[7.0], 0.975), 7.0);
    }

    #[test]
    fn the_bootstrap_interval_is_deterministic_and_holds_the_mean() {
        let d = [
            -0.3, -0.1, 0.05, -0.2, -0.25, 0.4, -0.15, -0.05, -0.12, -0.08,
        ];
        let a = bootstrap_mean_interval(&d, BOOTSTRAP_RESAMPLES).unwrap();
        assert_eq!(Some(a), bootstrap_mean_interval(&d, BOOTSTRAP_RESAMPLES));
        let m = mean(&d).unwrap();
        assert!(a.0 < m && m < a.1, "{a:?} around {m}");
        // Inside the range of the data, and narrower than it.
        assert!(a.0 > -0.3 && a.1 < 0.4, "{a:?}");
        // The interval of a mean over 10 values: about ±1.96 · sd / √10 (sd ≈ 0.19 here).
        let sd = (d.iter().map(|x| (x - m).powi(2)).sum::<f64>() / 9.0).sqrt();
        let half = 0.5 * (a.1 - a.0);
        let expected = 1.96 * sd / 10f64.sqrt();
        assert!((half / expected - 1.0).abs() < 0.15, "{half} vs {expected}");
    }

    #[test]
    fn the_bootstrap_interval_of_equal_values_is_a_point() {
        assert_eq!(
            bootstrap_mean_interval(&[0.25; 7], BOOTSTRAP_RESAMPLES),
            Some((0.25, 0.25))
        );
        assert_eq!(bootstrap_mean_interval(&[-1.5], 100), Some((-1.5, -1.5)));
        assert_eq!(bootstrap_mean_interval(&[], 100), None);
    }

    #[test]
    fn subsets_are_distinct_indices_in_range_and_cover_the_seeds() {
        let s = subsets(30, 10, 2000);
        assert_eq!(s.len(), 2000);
        let mut seen = [0usize; 30];
        for subset in &s {
            let mut sorted = subset.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), 10, "without replacement: {subset:?}");
            assert!(sorted.iter().all(|&i| i < 30));
            for &i in subset {
                seen[i] += 1;
            }
        }
        // Each index is in a third of the subsets on average: 2000 · 10 / 30 ≈ 667.
        assert!(seen.iter().all(|&c| (550..800).contains(&c)), "{seen:?}");
        assert_eq!(s, subsets(30, 10, 2000), "deterministic");
        assert!(subsets(5, 10, 3).is_empty());
    }
}
