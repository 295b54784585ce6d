//! Results rows grouped into panels (Figure 1: one per (γ, σ); Figure 2: one per data set ×
//! depth × width), per method and seed, and summarised over seeds: the curve over λ̃, the
//! paper's oracle choice of λ̃ (best seed-mean test MSE) and the honest choice made on training
//! data alone (per seed, the λ̃ of smallest GCV of the final kernel).

use std::path::Path;

use super::load::PaperPoint;
use crate::{Error, Result};
use kare_results::{Method, ResultRow};

/// Summary statistics of one quantity over seeds. Non-finite values are kept: a diverged seed
/// makes the mean non-finite rather than silently vanishing.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// Number of seeds.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1); `None` for a single seed.
    pub sd: Option<f64>,
    /// Median (the mean of the two middle values for even n).
    pub median: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

impl Stats {
    /// The statistics of `values`; `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Stats> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mean = values.iter().sum::<f64>() / n as f64;
        let sd = (n > 1).then(|| {
            let ss: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
            (ss / (n - 1) as f64).sqrt()
        });
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
        };
        Some(Stats {
            n,
            mean,
            sd,
            median,
            min: sorted[0],
            max: sorted[n - 1],
        })
    }
}

/// What identifies a panel of the paper's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelKey {
    /// Our data set name.
    pub dataset: String,
    /// The simulation's γ.
    pub gamma: Option<f64>,
    /// The simulation's σ.
    pub sigma: Option<f64>,
    /// Hidden layers.
    pub depth: usize,
    /// Units per hidden layer.
    pub width: usize,
}

impl PanelKey {
    /// Whether both keys show the same data (data set and simulation parameters), whatever
    /// the model.
    pub fn same_data(&self, other: &PanelKey) -> bool {
        self.dataset == other.dataset && self.gamma == other.gamma && self.sigma == other.sigma
    }

    /// The panel of a results row.
    pub fn of_row(r: &ResultRow) -> PanelKey {
        PanelKey {
            dataset: r.dataset.clone(),
            gamma: r.gamma,
            sigma: r.sigma,
            depth: r.depth,
            width: r.width,
        }
    }

    /// The panel of a paper point.
    pub fn of_paper(p: &PaperPoint) -> PanelKey {
        PanelKey {
            dataset: p.dataset.clone(),
            gamma: p.gamma,
            sigma: p.sigma,
            depth: p.depth,
            width: p.width,
        }
    }

    /// Whether this is a panel of the simulation (Figure 1), laid out by (γ, σ).
    pub fn is_simulation(&self) -> bool {
        self.gamma.is_some() && self.sigma.is_some()
    }

    /// The data set's name for readers.
    pub fn dataset_label(&self) -> String {
        match self.dataset.as_str() {
            "simulation" => "Simulation".into(),
            "mnist-7v9" => "MNIST 7 vs 9".into(),
            "higgs" => "Higgs (with Weight)".into(),
            "higgs-clean" => "Higgs clean (no Weight)".into(),
            other => other.into(),
        }
    }

    /// The model, `depth 2, width 64`.
    pub fn model_label(&self) -> String {
        format!("depth {}, width {}", self.depth, self.width)
    }

    /// The panel's title: `γ = 1.25, σ = 0.1` for the simulation, `MNIST 7 vs 9, depth 4,
    /// width 64` otherwise; `with_model` adds the model to a simulation title (needed when
    /// the panels of one figure do not share it).
    pub fn title(&self, with_model: bool) -> String {
        match (self.gamma, self.sigma) {
            (Some(g), Some(s)) if with_model => {
                format!("γ = {g}, σ = {s}, {}", self.model_label())
            }
            (Some(g), Some(s)) => format!("γ = {g}, σ = {s}"),
            _ => format!("{}, {}", self.dataset_label(), self.model_label()),
        }
    }
}

/// One (λ̃, metrics) point of one seed's run.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedPoint {
    /// λ̃ (absent for the DNN).
    pub ridge_rel: Option<f64>,
    /// Test MSE.
    pub test_mse: f64,
    /// GCV of the final kernel at this λ̃ (training data only).
    pub train_kare_gcv: Option<f64>,
}

/// One method's run on one seed of a panel.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedRun {
    /// The seed.
    pub seed: u64,
    /// Its points, sorted by λ̃.
    pub points: Vec<SeedPoint>,
    /// KARE of the final kernel at z = 0.1.
    pub final_kare: Option<f64>,
    /// `completed`, or why training ended early.
    pub stop_reason: String,
    /// Parameter updates applied.
    pub steps_run: usize,
    /// Seconds the method took on this seed.
    pub wall_seconds: f64,
}

impl SeedRun {
    /// The test MSE at λ̃ = `ridge_rel` (or the DNN's, for `None`).
    pub fn at(&self, ridge_rel: Option<f64>) -> Option<f64> {
        self.points
            .iter()
            .find(|p| p.ridge_rel == ridge_rel)
            .map(|p| p.test_mse)
    }

    /// The point chosen on training data alone: the λ̃ of smallest finite GCV; for the DNN
    /// (no λ̃) its one point.
    pub fn gcv_chosen(&self) -> Option<&SeedPoint> {
        match self.points.as_slice() {
            [only] if only.ridge_rel.is_none() => Some(only),
            points => points
                .iter()
                .filter(|p| p.train_kare_gcv.is_some_and(f64::is_finite))
                .min_by(|a, b| {
                    a.train_kare_gcv
                        .unwrap()
                        .total_cmp(&b.train_kare_gcv.unwrap())
                }),
        }
    }
}

/// One point of a method's curve: a λ̃ and the test MSE over seeds there.
#[derive(Debug, Clone, PartialEq)]
pub struct CurvePoint {
    /// λ̃ (absent for the DNN).
    pub ridge_rel: Option<f64>,
    /// Test MSE over the seeds that have this λ̃.
    pub stats: Stats,
}

/// The test MSE at the λ̃ chosen on training data alone, over seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct GcvChoice {
    /// Per seed: the seed and its chosen λ̃.
    pub chosen: Vec<(u64, Option<f64>)>,
    /// The test MSE at the chosen λ̃, over seeds.
    pub stats: Stats,
}

/// One method's runs in a panel.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodRuns {
    /// The method.
    pub method: Method,
    /// Per seed, sorted by seed.
    pub seeds: Vec<SeedRun>,
}

impl MethodRuns {
    /// The λ̃ any seed has, sorted (one `None` for the DNN).
    pub fn ridges(&self) -> Vec<Option<f64>> {
        let mut ridges: Vec<Option<f64>> = Vec::new();
        for p in self.seeds.iter().flat_map(|s| &s.points) {
            if !ridges.contains(&p.ridge_rel) {
                ridges.push(p.ridge_rel);
            }
        }
        ridges.sort_by(cmp_ridge);
        ridges
    }

    /// Test MSE against λ̃ (sorted), over seeds; one point without λ̃ for the DNN.
    pub fn curve(&self) -> Vec<CurvePoint> {
        self.ridges()
            .into_iter()
            .filter_map(|r| {
                let values: Vec<f64> = self.seeds.iter().filter_map(|s| s.at(r)).collect();
                Stats::of(&values).map(|stats| CurvePoint {
                    ridge_rel: r,
                    stats,
                })
            })
            .collect()
    }

    /// The paper's oracle: the curve point of smallest finite seed-mean test MSE (the
    /// smallest such λ̃ on ties).
    pub fn oracle(&self) -> Option<CurvePoint> {
        self.curve()
            .into_iter()
            .filter(|p| p.stats.mean.is_finite())
            .min_by(|a, b| a.stats.mean.total_cmp(&b.stats.mean))
    }

    /// The honest choice: per seed, the λ̃ of smallest training GCV, then the test MSE there
    /// over seeds (seeds with no finite GCV are left out).
    pub fn gcv_choice(&self) -> Option<GcvChoice> {
        let picks: Vec<(u64, &SeedPoint)> = self
            .seeds
            .iter()
            .filter_map(|s| s.gcv_chosen().map(|p| (s.seed, p)))
            .collect();
        let values: Vec<f64> = picks.iter().map(|(_, p)| p.test_mse).collect();
        Stats::of(&values).map(|stats| GcvChoice {
            chosen: picks.iter().map(|(s, p)| (*s, p.ridge_rel)).collect(),
            stats,
        })
    }

    /// The run of one seed.
    pub fn seed(&self, seed: u64) -> Option<&SeedRun> {
        self.seeds.iter().find(|s| s.seed == seed)
    }
}

/// Whether all panels have the same depth and width (then titles need not repeat the model).
pub fn share_model(panels: &[Panel]) -> bool {
    panels
        .windows(2)
        .all(|w| (w[0].key.depth, w[0].key.width) == (w[1].key.depth, w[1].key.width))
}

/// Orders λ̃ values, "no λ̃" (the DNN) first.
pub fn cmp_ridge(a: &Option<f64>, b: &Option<f64>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.total_cmp(b),
        _ => a.is_some().cmp(&b.is_some()),
    }
}

/// One panel: its key and the runs of each method present, in [`Method::ALL`] order.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// What the panel shows.
    pub key: PanelKey,
    /// Per method present.
    pub methods: Vec<MethodRuns>,
}

impl Panel {
    /// The runs of `method`, when present.
    pub fn method(&self, method: Method) -> Option<&MethodRuns> {
        self.methods.iter().find(|m| m.method == method)
    }

    /// The number of seeds (the most any method has).
    pub fn n_seeds(&self) -> usize {
        self.methods
            .iter()
            .map(|m| m.seeds.len())
            .max()
            .unwrap_or(0)
    }
}

/// Groups `rows` (read from `source`) into panels, in order of first appearance. The
/// baselines' rows, which belong to no model, join every panel of their data set. Two rows for
/// the same panel, method, seed and λ̃ are an error (a file mixing learning rates or runs).
pub fn panels(rows: &[ResultRow], source: &Path) -> Result<Vec<Panel>> {
    let mut panels: Vec<Panel> = Vec::new();
    let (baselines, models): (Vec<&ResultRow>, Vec<&ResultRow>) =
        rows.iter().partition(|r| r.method.is_baseline());
    for r in models {
        let key = PanelKey::of_row(r);
        let i = match panels.iter().position(|p| p.key == key) {
            Some(i) => i,
            None => {
                panels.push(Panel {
                    key,
                    methods: Vec::new(),
                });
                panels.len() - 1
            }
        };
        add(&mut panels[i], r, source)?;
    }
    for r in baselines {
        let key = PanelKey::of_row(r);
        for panel in panels.iter_mut().filter(|p| p.key.same_data(&key)) {
            add(panel, r, source)?;
        }
    }
    for panel in &mut panels {
        panel.methods.sort_by_key(|m| m.method);
        for runs in &mut panel.methods {
            runs.seeds.sort_by_key(|s| s.seed);
            for run in &mut runs.seeds {
                run.points
                    .sort_by(|a, b| cmp_ridge(&a.ridge_rel, &b.ridge_rel));
            }
        }
    }
    Ok(panels)
}

/// Adds the row `r` to `panel`.
fn add(panel: &mut Panel, r: &ResultRow, source: &Path) -> Result<()> {
    let runs = match panel.methods.iter().position(|m| m.method == r.method) {
        Some(i) => &mut panel.methods[i],
        None => {
            panel.methods.push(MethodRuns {
                method: r.method,
                seeds: Vec::new(),
            });
            panel.methods.last_mut().expect("just pushed")
        }
    };
    let run = match runs.seeds.iter().position(|s| s.seed == r.seed) {
        Some(i) => &mut runs.seeds[i],
        None => {
            runs.seeds.push(SeedRun {
                seed: r.seed,
                points: Vec::new(),
                final_kare: r.final_kare,
                stop_reason: r.stop_reason.clone(),
                steps_run: r.steps_run,
                wall_seconds: r.wall_seconds,
            });
            runs.seeds.last_mut().expect("just pushed")
        }
    };
    if run.points.iter().any(|p| p.ridge_rel == r.ridge_rel) {
        return Err(Error::Report {
            path: source.to_path_buf(),
            message: format!(
                "two rows for {} / {} / seed {} / λ̃ {}: one row per cell, method and λ̃ \
                 expected (several learning rates or runs in one file?)",
                panel.key.title(true),
                r.method.name(),
                r.seed,
                r.ridge_rel.map_or("(none)".into(), |v| v.to_string()),
            ),
        });
    }
    run.points.push(SeedPoint {
        ridge_rel: r.ridge_rel,
        test_mse: r.test_mse,
        train_kare_gcv: r.train_kare_gcv,
    });
    Ok(())
}
