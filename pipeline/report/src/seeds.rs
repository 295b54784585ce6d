//! How far a 10-seed mean moves with the seeds: for an experiment on our own generator with
//! many seeds, per panel and method, the paper's statistic (the best seed mean over λ̃; the
//! DNN's mean) on each of [`SUBSETS`] random 10-seed subsets, where the paper's value falls in
//! that distribution, and the figure of it (`figure`).

pub mod figure;

use std::fmt::Write as _;
use std::path::Path;

use super::aggregate::{MethodRuns, Panel, PanelKey};
use super::document::link;
use super::format::num;
use super::load::RunInfo;
use super::paper_draws::{own_seeds_of, Best, METHODS};
use super::reference::Reference;
use super::resample::{quantile, subsets};
use kare_results::Method;

/// Seeds in a subset: the paper's 10.
pub const SUBSET_SIZE: usize = 10;
/// Random subsets drawn per panel and method (the same index subsets for every method).
pub const SUBSETS: usize = 2_000;
/// Seeds an experiment needs in some panel for the figure.
pub const MIN_SEEDS: usize = 20;

/// Whether experiment `name` gets the seed-sensitivity figure: it is not on the paper's draws,
/// every data set was drawn by our own generator (as far as its provenance says), and some
/// panel has at least [`MIN_SEEDS`] seeds.
pub fn qualifies(name: &str, panels: &[Panel], info: Option<&RunInfo>) -> bool {
    own_seeds_of(name).is_none()
        && info.is_none_or(RunInfo::own_generator)
        && panels.iter().any(|p| p.n_seeds() >= MIN_SEEDS)
}

/// A method's test MSE per seed (rows) and λ̃ (columns, sorted); the DNN has one column.
struct SeedTable {
    values: Vec<Vec<Option<f64>>>,
    ridges: usize,
}

impl SeedTable {
    fn of(runs: &MethodRuns) -> SeedTable {
        let ridges = runs.ridges();
        SeedTable {
            values: runs
                .seeds
                .iter()
                .map(|s| ridges.iter().map(|&r| s.at(r)).collect())
                .collect(),
            ridges: ridges.len(),
        }
    }

    /// The paper's statistic on the seeds `subset` (row indices): the smallest finite mean
    /// over λ̃ of the seeds that have it, as [`MethodRuns::oracle`] reads the whole curve;
    /// NaN when no λ̃ has a finite mean.
    fn best_mean(&self, subset: &[usize]) -> f64 {
        (0..self.ridges)
            .filter_map(|r| {
                let v: Vec<f64> = subset.iter().filter_map(|&s| self.values[s][r]).collect();
                (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
            })
            .filter(|m| m.is_finite())
            .min_by(f64::total_cmp)
            .unwrap_or(f64::NAN)
    }
}

/// The paper's statistic over random [`SUBSET_SIZE`]-seed subsets of one method's seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct Distribution {
    /// Seeds the subsets are drawn from.
    pub n_seeds: usize,
    /// The finite subset values, ascending.
    pub values: Vec<f64>,
    /// Subsets without a finite value (every λ̃'s mean non-finite), left out of `values`.
    pub non_finite: usize,
}

impl Distribution {
    /// The distribution for `runs`; `None` with fewer than [`SUBSET_SIZE`] seeds.
    pub fn of(runs: &MethodRuns) -> Option<Distribution> {
        let table = SeedTable::of(runs);
        let n_seeds = table.values.len();
        let draws = subsets(n_seeds, SUBSET_SIZE, SUBSETS);
        if draws.is_empty() {
            return None;
        }
        let all: Vec<f64> = draws.iter().map(|s| table.best_mean(s)).collect();
        let mut values: Vec<f64> = all.iter().copied().filter(|v| v.is_finite()).collect();
        values.sort_by(f64::total_cmp);
        Some(Distribution {
            n_seeds,
            non_finite: all.len() - values.len(),
            values,
        })
    }

    /// The `p`-quantile of the finite values.
    pub fn quantile(&self, p: f64) -> Option<f64> {
        (!self.values.is_empty()).then(|| quantile(&self.values, p))
    }

    /// Where `v` falls, in percent: the subsets below it plus half of those equal to it,
    /// over the finite ones.
    pub fn percentile(&self, v: f64) -> Option<f64> {
        if self.values.is_empty() || !v.is_finite() {
            return None;
        }
        let below = self.values.iter().filter(|&&x| x < v).count();
        let equal = self.values.iter().filter(|&&x| x == v).count();
        Some(100.0 * (below as f64 + 0.5 * equal as f64) / self.values.len() as f64)
    }
}

/// One method's distribution in a panel with the values marked on it.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodSpread {
    /// The method.
    pub method: Method,
    /// Its 10-seed means.
    pub distribution: Distribution,
    /// The paper's value (best of its 10-seed mean curve).
    pub paper: Option<f64>,
    /// Ours on the paper's draws, when the report covers that experiment.
    pub paper_draws: Option<f64>,
}

/// One panel's distributions.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelSpread {
    /// What the panel shows.
    pub key: PanelKey,
    /// Its title.
    pub title: String,
    /// Per method of [`METHODS`] with enough seeds.
    pub methods: Vec<MethodSpread>,
}

/// The distributions of every panel of `panels`, marked with the paper's values and, when
/// given, ours on the paper's draws (`paper_draws`: that experiment's panels).
pub fn spreads(
    panels: &[Panel],
    reference: &Reference,
    paper_draws: Option<&[Panel]>,
    with_model: bool,
) -> Vec<PanelSpread> {
    panels
        .iter()
        .map(|panel| {
            let draws_panel = paper_draws.and_then(|d| d.iter().find(|p| p.key == panel.key));
            let methods = METHODS
                .into_iter()
                .filter_map(|method| {
                    let distribution = Distribution::of(panel.method(method)?)?;
                    Some(MethodSpread {
                        method,
                        distribution,
                        paper: reference.best(&panel.key, method).map(|(_, v)| v),
                        paper_draws: draws_panel
                            .and_then(|p| p.method(method))
                            .and_then(Best::of)
                            .map(|b| b.mean),
                    })
                })
                .collect();
            PanelSpread {
                key: panel.key.clone(),
                title: panel.key.title(with_model),
                methods,
            }
        })
        .collect()
}

/// `37.5 %`; at the ends, that the value is beyond every subset; `—` for none.
fn percent(p: Option<f64>) -> String {
    match p {
        None => "—".into(),
        Some(0.0) => "0 % (below every subset)".into(),
        Some(100.0) => "100 % (above every subset)".into(),
        Some(p) => format!("{p:.1} %"),
    }
}

/// The report's part on the spread of 10-seed means of `experiment`: the figure and, per panel
/// and method, the distribution's median and 95 % range and where the marked values fall.
pub fn section(
    experiment: &str,
    spreads: &[PanelSpread],
    (png, svg): (&Path, &Path),
    paper_draws: Option<&str>,
    report_dir: &Path,
) -> String {
    let mut text = String::from("### How far a 10-seed mean moves with the seeds\n\n");
    let _ = writeln!(
        text,
        "The paper reports 10-seed means. Per panel and method: the paper's statistic (the best \
         seed mean over λ̃; the DNN's mean) on each of {SUBSETS} random {SUBSET_SIZE}-seed \
         subsets of our seeds (without replacement, a fixed-seed stream), and the percentile \
         of the paper's value in that distribution (subsets below it, plus half of those equal). \
         Figure: [PNG]({}), [SVG]({}).\n\n![{experiment}: spread of 10-seed means]({})\n",
        link(report_dir, png),
        link(report_dir, svg),
        link(report_dir, png),
    );
    text += "| panel | method | seeds | 10-seed means: median [2.5 %, 97.5 %] | paper | its \
             percentile |";
    if let Some(name) = paper_draws {
        let _ = write!(
            text,
            " ours on the paper's draws (`{name}`) | its percentile |"
        );
    }
    text += if paper_draws.is_some() {
        "\n|---|---|---|---|---|---|---|---|\n"
    } else {
        "\n|---|---|---|---|---|---|\n"
    };
    for panel in spreads {
        for (i, m) in panel.methods.iter().enumerate() {
            let d = &m.distribution;
            let mut range = match (d.quantile(0.5), d.quantile(0.025), d.quantile(0.975)) {
                (Some(med), Some(lo), Some(hi)) => {
                    format!("{} [{}, {}]", num(med), num(lo), num(hi))
                }
                _ => "—".into(),
            };
            if d.non_finite > 0 {
                let _ = write!(range, "; {} subsets non-finite, left out", d.non_finite);
            }
            let _ = write!(
                text,
                "| {} | {} | {} | {range} | {} | {} |",
                if i == 0 { panel.title.as_str() } else { "" },
                m.method.label(),
                d.n_seeds,
                m.paper.map_or("—".into(), num),
                percent(m.paper.and_then(|p| d.percentile(p))),
            );
            if paper_draws.is_some() {
                let _ = write!(
                    text,
                    " {} | {} |",
                    m.paper_draws.map_or("—".into(), num),
                    percent(m.paper_draws.and_then(|p| d.percentile(p))),
                );
            }
            text.push('\n');
        }
    }
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{dnn, panel, runs, Points};

    #[test]
    fn constant_seeds_collapse_the_distribution() {
        let d = Distribution::of(&dnn(&[0.25; 30])).unwrap();
        assert_eq!((d.n_seeds, d.values.len(), d.non_finite), (30, SUBSETS, 0));
        assert!(d.values.iter().all(|&v| (v - 0.25).abs() < 1e-15), "{d:?}");
        assert_eq!(d.percentile(0.25), Some(50.0));
        assert_eq!(d.percentile(0.3), Some(100.0));
        assert_eq!(d.percentile(0.2), Some(0.0));
    }

    #[test]
    fn ten_seeds_have_one_subset_whose_value_is_the_full_oracle() {
        // NTK-KARE on 10 seeds, two λ̃: the only 10-seed subset is all of them.
        let points: Vec<[(Option<f64>, f64); 2]> = (0..10)
            .map(|s| {
                [
                    (Some(1.0), 0.1 + 0.01 * s as f64),
                    (Some(10.0), 0.3 - 0.04 * s as f64),
                ]
            })
            .collect();
        let seeds: Vec<(u64, Points)> = points
            .iter()
            .enumerate()
            .map(|(s, p)| (s as u64, &p[..]))
            .collect();
        let kare = runs(Method::NtkKare, &seeds);
        let d = Distribution::of(&kare).unwrap();
        let full = kare.oracle().unwrap().stats.mean;
        // Means 0.145 at λ̃ = 1 and 0.12 at λ̃ = 10.
        assert!((full - 0.12).abs() < 1e-12);
        assert!(d.values.iter().all(|&v| (v - full).abs() < 1e-12), "{d:?}");
        assert!(
            Distribution::of(&dnn(&[0.1; 9])).is_none(),
            "fewer than 10 seeds"
        );
    }

    #[test]
    fn eleven_seeds_leave_one_out() {
        // DNN values 0…10: a subset leaves seed k out, its mean is (55 − k) / 10.
        let values: Vec<f64> = (0..11).map(f64::from).collect();
        let d = Distribution::of(&dnn(&values)).unwrap();
        let possible: Vec<f64> = (0..11).map(|k| (55.0 - f64::from(k)) / 10.0).collect();
        for v in &d.values {
            assert!(possible.iter().any(|p| (p - v).abs() < 1e-12), "{v}");
        }
        for p in &possible {
            let hits = d.values.iter().filter(|v| (*v - p).abs() < 1e-12).count();
            // Each of the 11 subsets about 2000 / 11 ≈ 182 times.
            assert!((120..250).contains(&hits), "{p}: {hits}");
        }
        // The distribution's median is the full mean, 5, and 5.5 (seed 0 left out) its top.
        assert!((d.quantile(0.5).unwrap() - 5.0).abs() < 1e-12);
        assert!((d.values.last().unwrap() - 5.5).abs() < 1e-12);
        let top = d.percentile(5.5).unwrap();
        assert!(top > 90.0 && top < 100.0, "{top}");
    }

    #[test]
    fn non_finite_subsets_are_counted() {
        // Seed 0's DNN diverged: every subset holding it has a non-finite mean.
        let mut values = vec![0.2; 20];
        values[0] = f64::NAN;
        let d = Distribution::of(&dnn(&values)).unwrap();
        // Seed 0 is in half of the 10-of-20 subsets.
        assert!((800..1200).contains(&d.non_finite), "{}", d.non_finite);
        assert_eq!(d.values.len() + d.non_finite, SUBSETS);
        assert!(d.values.iter().all(|&v| (v - 0.2).abs() < 1e-15));
    }

    #[test]
    fn only_our_own_generator_with_enough_seeds_qualifies() {
        let many = [panel(1.0, 0.0, vec![dnn(&[0.1; MIN_SEEDS])])];
        let few = [panel(1.0, 0.0, vec![dnn(&[0.1; MIN_SEEDS - 1])])];
        let info = |rngs: &[&str]| RunInfo {
            config: serde_json::json!({
                "datasets": rngs.iter().map(|r| serde_json::json!({"overrides": {"rng": r}})).collect::<Vec<_>>()
            }),
            ..RunInfo::default()
        };
        assert!(qualifies("x", &many, None));
        assert!(qualifies("x", &many, Some(&info(&["chacha8"]))));
        assert!(!qualifies("x", &few, Some(&info(&["chacha8"]))));
        assert!(!qualifies(
            "x",
            &many,
            Some(&info(&["chacha8", "numpy-legacy"]))
        ));
        assert!(!qualifies("x-paper-seeds", &many, None));
        assert!(!qualifies("x-paper-seeds-quick", &many, None));
    }
}
