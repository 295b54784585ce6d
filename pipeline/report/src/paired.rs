//! The paired per-seed differences behind each claim of METHOD §8: a claim compares two
//! methods run on the same seeds, so the seed-to-seed spread of the data, which dwarfs the
//! methods' difference, cancels in d_s = NTK-KARE's test MSE − the other method's on seed s.
//! Summarised by their mean, its percentile-bootstrap 95 % interval and the seeds where the
//! claim holds; non-finite d_s are counted, never averaged.

use super::aggregate::MethodRuns;
use super::claims::Claim;
use super::format::num;
use super::resample::{bootstrap_mean_interval, mean, BOOTSTRAP_RESAMPLES};

/// One claim's per-seed differences d_s (negative favours NTK-KARE) and their summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Paired {
    /// (seed, d_s) for every seed both methods have, in seed order; d_s may be non-finite.
    pub differences: Vec<(u64, f64)>,
    /// Whether the claim needs d_s < 0 (below) rather than d_s ≤ 0 (at or below).
    pub strict: bool,
    /// Seeds with a finite d_s: the ones summarised below.
    pub finite: usize,
    /// Seeds with a non-finite d_s (a diverged prediction), left out of the summary.
    pub non_finite: usize,
    /// The mean of the finite d_s.
    pub mean: Option<f64>,
    /// The percentile-bootstrap 95 % interval of that mean ([`BOOTSTRAP_RESAMPLES`]
    /// resamples of the seeds).
    pub interval: Option<(f64, f64)>,
    /// Seeds, of the finite ones, where the claim holds (d_s < 0, or ≤ 0).
    pub holding: usize,
}

impl Paired {
    /// Summarises `differences` of a claim that needs d_s < 0 (`strict`) or d_s ≤ 0.
    pub fn new(differences: Vec<(u64, f64)>, strict: bool) -> Paired {
        let finite: Vec<f64> = differences
            .iter()
            .map(|&(_, d)| d)
            .filter(|d| d.is_finite())
            .collect();
        let holding = finite
            .iter()
            .filter(|&&d| if strict { d < 0.0 } else { d <= 0.0 })
            .count();
        Paired {
            strict,
            finite: finite.len(),
            non_finite: differences.len() - finite.len(),
            mean: mean(&finite),
            interval: bootstrap_mean_interval(&finite, BOOTSTRAP_RESAMPLES),
            holding,
            differences,
        }
    }

    /// `-0.0150 [-0.0250, -0.0100]`: the mean of d_s and its interval; `—` without one.
    pub fn mean_text(&self) -> String {
        match (self.mean, self.interval) {
            (Some(m), Some((lo, hi))) => format!("{} [{}, {}]", num(m), num(lo), num(hi)),
            _ => "—".into(),
        }
    }

    /// `9 of 10 (90 %)`, the seeds where the claim holds, and how many seeds had a
    /// non-finite d_s (`; 1 seed non-finite, left out`).
    pub fn holding_text(&self) -> String {
        let mut text = if self.finite == 0 {
            "no finite d_s".to_string()
        } else {
            format!(
                "{} of {} ({:.0} %)",
                self.holding,
                self.finite,
                100.0 * self.holding as f64 / self.finite as f64
            )
        };
        if self.non_finite > 0 {
            let seeds = if self.non_finite == 1 {
                "seed"
            } else {
                "seeds"
            };
            text += &format!("; {} {seeds} non-finite, left out", self.non_finite);
        }
        text
    }
}

/// The paired differences of `claim` between NTK-KARE's runs `kare` and `other` (the DNN for
/// [`Claim::KareBestBelowDnn`], else the after-NTK), over the seeds both have:
/// - best below the DNN: kare_s(λ̃*) − dnn_s, λ̃* NTK-KARE's oracle (best seed-mean) λ̃;
/// - best at or below the after-NTK's best: kare_s(λ̃*_KARE) − after_s(λ̃*_after), each at its
///   own oracle λ̃;
/// - at or below at every λ̃: the largest kare_s(λ̃) − after_s(λ̃) over the λ̃ both curves have
///   (non-finite when any of them is).
///
/// `None` when a method has no finite seed-mean (no oracle) or the curves share no λ̃.
pub fn differences(claim: Claim, kare: &MethodRuns, other: &MethodRuns) -> Option<Paired> {
    let (d, strict) = match claim {
        Claim::KareBestBelowDnn => (at_oracles(kare, other)?, true),
        Claim::KareBestAtOrBelowAfterBest => (at_oracles(kare, other)?, false),
        Claim::KareAtOrBelowAfterEverywhere => (largest_over_ridges(kare, other)?, false),
    };
    Some(Paired::new(d, strict))
}

/// Per seed: `kare` at its oracle λ̃ minus `other` at its own.
fn at_oracles(kare: &MethodRuns, other: &MethodRuns) -> Option<Vec<(u64, f64)>> {
    let (rk, ro) = (kare.oracle()?.ridge_rel, other.oracle()?.ridge_rel);
    Some(
        kare.seeds
            .iter()
            .filter_map(|ks| {
                let o = other.seed(ks.seed)?.at(ro)?;
                Some((ks.seed, ks.at(rk)? - o))
            })
            .collect(),
    )
}

/// Per seed: the largest `kare` − `after` over the λ̃ both curves have.
fn largest_over_ridges(kare: &MethodRuns, after: &MethodRuns) -> Option<Vec<(u64, f64)>> {
    let after_ridges = after.ridges();
    let common: Vec<Option<f64>> = kare
        .ridges()
        .into_iter()
        .filter(|r| after_ridges.contains(r))
        .collect();
    if common.is_empty() {
        return None;
    }
    Some(
        kare.seeds
            .iter()
            .filter_map(|ks| {
                let asr = after.seed(ks.seed)?;
                let d: Vec<f64> = common
                    .iter()
                    .filter_map(|&r| Some(ks.at(r)? - asr.at(r)?))
                    .collect();
                let largest = if d.iter().all(|v| v.is_finite()) {
                    d.iter().copied().reduce(f64::max)?
                } else {
                    f64::NAN
                };
                Some((ks.seed, largest))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::runs;
    use kare_results::Method;

    const A: Option<f64> = Some(0.1);
    const B: Option<f64> = Some(10.0);

    /// NTK-KARE on seeds 0, 1, 2: means 0.3 at λ̃ = 0.1 and 0.2 at λ̃ = 10 (its oracle), though
    /// seed 0 alone is best at 0.1.
    fn kare() -> MethodRuns {
        runs(
            Method::NtkKare,
            &[
                (0, &[(A, 0.10), (B, 0.15)]),
                (1, &[(A, 0.30), (B, 0.20)]),
                (2, &[(A, 0.50), (B, 0.25)]),
            ],
        )
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    fn assert_differences(p: &Paired, expected: &[(u64, f64)]) {
        assert_eq!(p.differences.len(), expected.len(), "{p:?}");
        for (&(s, d), &(es, ed)) in p.differences.iter().zip(expected) {
            assert!(
                s == es && (close(d, ed) || (d.is_nan() && ed.is_nan())),
                "{p:?}"
            );
        }
    }

    #[test]
    fn best_below_the_dnn_pairs_each_seed_at_the_mean_curves_best_ridge() {
        // The DNN lacks seed 2: only seeds 0 and 1 pair.
        let dnn = runs(Method::Dnn, &[(0, &[(None, 0.12)]), (1, &[(None, 0.40)])]);
        let p = differences(Claim::KareBestBelowDnn, &kare(), &dnn).unwrap();
        // At λ̃* = 10 (not seed 0's own best 0.1): 0.15 − 0.12, 0.20 − 0.40.
        assert_differences(&p, &[(0, 0.03), (1, -0.20)]);
        assert!(p.strict);
        assert!(close(p.mean.unwrap(), -0.085));
        assert_eq!((p.holding, p.finite, p.non_finite), (1, 2, 0));
        assert_eq!(p.holding_text(), "1 of 2 (50 %)");
        let (lo, hi) = p.interval.unwrap();
        // Two values: the resampled means are 0.03, −0.085 or −0.20.
        assert!(close(lo, -0.20) && close(hi, 0.03), "{lo} {hi}");
    }

    #[test]
    fn best_against_the_after_ntk_takes_each_method_at_its_own_best_ridge() {
        // After-NTK means: 0.2 at λ̃ = 0.1 (its oracle), 0.5 at λ̃ = 10.
        let after = runs(
            Method::AfterNtk,
            &[
                (0, &[(A, 0.15), (B, 0.5)]),
                (1, &[(A, 0.20), (B, 0.5)]),
                (2, &[(A, 0.25), (B, 0.5)]),
            ],
        );
        let p = differences(Claim::KareBestAtOrBelowAfterBest, &kare(), &after).unwrap();
        // kare_s(10) − after_s(0.1): 0.15 − 0.15, 0.20 − 0.20, 0.25 − 0.25.
        assert_differences(&p, &[(0, 0.0), (1, 0.0), (2, 0.0)]);
        // At or below: d_s = 0 holds; every d_s equal, so the interval is that point.
        assert!(!p.strict);
        assert_eq!(p.holding, 3);
        assert_eq!(p.interval, Some((0.0, 0.0)));
        assert_eq!(p.mean_text(), "0 [0, 0]");
        // The same numbers against a strict claim would not hold.
        assert_eq!(Paired::new(p.differences.clone(), true).holding, 0);
    }

    #[test]
    fn everywhere_takes_the_largest_difference_over_the_shared_ridges() {
        // The after-NTK also has λ̃ = 1000, which NTK-KARE lacks: it is not compared. Seed 1's
        // prediction diverged at λ̃ = 0.1.
        let after = runs(
            Method::AfterNtk,
            &[
                (0, &[(A, 0.20), (B, 0.10), (Some(1e3), 0.0)]),
                (1, &[(A, f64::NAN), (B, 0.30), (Some(1e3), 0.0)]),
                (2, &[(A, 0.45), (B, 0.35), (Some(1e3), 0.0)]),
            ],
        );
        let p = differences(Claim::KareAtOrBelowAfterEverywhere, &kare(), &after).unwrap();
        // Seed 0: max(0.10 − 0.20, 0.15 − 0.10) = 0.05; seed 1: NaN; seed 2:
        // max(0.50 − 0.45, 0.25 − 0.35) = 0.05.
        assert_differences(&p, &[(0, 0.05), (1, f64::NAN), (2, 0.05)]);
        assert_eq!((p.finite, p.non_finite, p.holding), (2, 1, 0));
        assert!(close(p.mean.unwrap(), 0.05));
        assert_eq!(
            p.holding_text(),
            "0 of 2 (0 %); 1 seed non-finite, left out"
        );
    }

    #[test]
    fn no_finite_difference_is_said_so() {
        let dnn = runs(
            Method::Dnn,
            &[(0, &[(None, f64::INFINITY)]), (1, &[(None, 0.1)])],
        );
        // The DNN's mean is infinite: it has no oracle, the claim cannot be paired.
        assert_eq!(differences(Claim::KareBestBelowDnn, &kare(), &dnn), None);
        let p = Paired::new(vec![(0, f64::NAN), (1, f64::INFINITY)], true);
        assert_eq!((p.mean, p.interval), (None, None));
        assert_eq!(p.mean_text(), "—");
        assert_eq!(
            p.holding_text(),
            "no finite d_s; 2 seeds non-finite, left out"
        );
    }
}
