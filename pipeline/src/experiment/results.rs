//! The results files: `<stem>.csv`, one row per cell × method × λ̃ in plan order (never
//! completion order), built only from the cell records, so an interrupted-and-resumed run and an
//! uninterrupted one write the same bytes; and `<stem>.json`, the run's provenance.

use std::path::{Path, PathBuf};
use std::process::Command;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::cell::{overrides_text, CELL_SCHEMA, VERSION};
use super::config::Tier;
use super::plan::Plan;
use super::record::{CellRecord, Num, Tuned};
use crate::atomic::write_atomic;
use crate::{Error, Result};

/// The CSV columns, in order.
pub const COLUMNS: [&str; 33] = [
    "experiment",
    "dataset",
    "overrides",
    "gamma",
    "sigma",
    "n_train",
    "n_test",
    "d",
    "depth",
    "width",
    "seed",
    "method",
    "lr",
    "steps",
    "batch_size",
    "ridge_rel",
    "lambda",
    "selected_by_gcv",
    "train_mse",
    "test_mse",
    "test_accuracy",
    "train_kare_gcv",
    "final_kare",
    "z",
    "steps_run",
    "stop_reason",
    "wall_seconds",
    "cell_key",
    "data_checksum",
    "network_draw",
    "threads",
    "hyperparameters",
    "grid_edge",
];

/// A number in the CSV: Rust's shortest round-trip form (`0.1`, `1e-5`, `NaN`, `inf`).
fn num(v: f64) -> String {
    format!("{v:?}")
}

/// The `grid_edge` cell of a tuned baseline: the hyper-parameters at an edge of their grid,
/// joined by spaces, or `none`.
fn edge_text(t: &Tuned) -> String {
    if t.at_edge.is_empty() {
        "none".into()
    } else {
        t.at_edge.join(" ")
    }
}

fn opt<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map(f).unwrap_or_default()
}

/// The CSV text of `records` (in plan order, one per cell of `plan`) and its number of rows.
fn csv_bytes(plan: &Plan, records: &[CellRecord]) -> Result<(Vec<u8>, usize)> {
    let fail = |e: csv::Error| Error::Results {
        path: PathBuf::from(format!("{}.csv", plan.results_stem())),
        message: e.to_string(),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS).map_err(fail)?;
    let methods = &plan.experiment.tier.methods;
    let mut rows = 0;
    let mut start = 0;
    while start < records.len() {
        let block = plan.cells[start].block;
        let end = (start..records.len())
            .find(|&i| plan.cells[i].block != block)
            .unwrap_or(records.len());
        // Within a block (data set, seed, model), rows go by method in the file's order,
        // then by learning rate, then by λ̃.
        for method in methods {
            for rec in &records[start..end] {
                for result in rec.results.iter().filter(|r| r.method == *method) {
                    for point in &result.points {
                        let c = &rec.config;
                        let training = c.training.as_ref();
                        let row: [String; 33] = [
                            plan.experiment.name.clone(),
                            c.dataset.clone(),
                            overrides_text(&c.overrides),
                            opt(c.overrides.gamma, num),
                            opt(c.overrides.sigma, num),
                            rec.n_train.to_string(),
                            rec.n_test.to_string(),
                            rec.d.to_string(),
                            c.depth.to_string(),
                            c.width.to_string(),
                            c.seed.to_string(),
                            method.name().to_string(),
                            opt(training.map(|t| t.lr), num),
                            opt(training.map(|t| t.steps), |s| s.to_string()),
                            opt(training.and_then(|t| t.batch_size), |b| b.to_string()),
                            opt(point.ridge_rel, num),
                            opt(point.lambda, |n: Num| num(n.0)),
                            opt(point.selected_by_gcv, |b| u8::from(b).to_string()),
                            opt(point.train_mse, |n| num(n.0)),
                            num(point.test_mse.0),
                            opt(point.test_accuracy, |n| num(n.0)),
                            opt(point.train_kare_gcv, |n| num(n.0)),
                            opt(result.final_kare, |n| num(n.0)),
                            num(c.z),
                            result.steps_run.to_string(),
                            result.stop_reason.clone(),
                            format!("{:.3}", result.wall_seconds),
                            rec.key.clone(),
                            rec.data_checksum.clone(),
                            c.init_draw.to_string(),
                            c.threads.to_string(),
                            opt(result.tuned.as_ref(), |t| t.choice.clone()),
                            opt(result.tuned.as_ref(), edge_text),
                        ];
                        w.write_record(&row).map_err(fail)?;
                        rows += 1;
                    }
                }
            }
        }
        start = end;
    }
    let bytes = w.into_inner().map_err(|e| fail(e.into_error().into()))?;
    Ok((bytes, rows))
}

/// A UCI set's separate test file, as the provenance file records it for the report: its
/// name, rows, and how differently it is scaled from the train file (raw files, before our
/// preprocessing; see [`crate::data::ScalingMismatch`]; infinite when a feature that varies in
/// the train file is constant in the test file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeparateTestFile {
    /// The test file's name (`monks-1_test_R.dat`).
    pub file: String,
    /// Its rows.
    pub rows: usize,
    /// `max_j |μ_test − μ_train| / σ_train` over the features.
    pub mean_shift: Num,
    /// `max_j max(σ_test/σ_train, σ_train/σ_test)` over the features.
    pub sd_ratio: Num,
}

/// The provenance file.
#[derive(Serialize)]
struct RunInfo<'a> {
    experiment: &'a str,
    tier: &'a str,
    description: &'a str,
    file: String,
    registry: String,
    data_dir: String,
    cache_dir: String,
    config: &'a Tier,
    git_commit: String,
    git_dirty: Option<bool>,
    versions: Versions,
    cells: usize,
    cells_from_cache: usize,
    cells_computed: usize,
    rows: usize,
    /// Sum of the cells' own wall times (from their records, whichever run computed them).
    compute_seconds: f64,
    /// Wall time of the run that wrote this file.
    run_wall_seconds: f64,
    csv: String,
    /// The UCI sets of the run that ship a separate test file (absent when none does).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    separate_test_files: BTreeMap<String, SeparateTestFile>,
}

#[derive(Serialize)]
struct Versions {
    #[serde(rename = "kare-pipeline")]
    pipeline: &'static str,
    cell_schema: &'static str,
}

/// The commit checked out in the current directory (`git rev-parse HEAD`), or `unknown`; and
/// whether the work tree differs from it (`None` when git cannot tell).
fn git_state() -> (String, Option<bool>) {
    let run = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let commit = run(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty = run(&["status", "--porcelain", "--untracked-files=no"]).map(|s| !s.is_empty());
    (commit, dirty)
}

/// Counts of one run, for the provenance file.
pub struct RunCounts {
    /// Cells served from the cache.
    pub cached: usize,
    /// Cells computed by this run.
    pub computed: usize,
    /// Wall time of this run.
    pub wall_seconds: f64,
}

/// Writes `<dir>/<stem>.csv` and `<dir>/<stem>.json` atomically; returns their paths and the
/// number of rows.
pub fn write(
    plan: &Plan,
    records: &[CellRecord],
    dir: &Path,
    counts: &RunCounts,
) -> Result<(PathBuf, PathBuf, usize)> {
    let stem = plan.results_stem();
    let csv_path = dir.join(format!("{stem}.csv"));
    let json_path = dir.join(format!("{stem}.json"));
    let (csv, rows) = csv_bytes(plan, records)?;
    let (git_commit, git_dirty) = git_state();
    let e = &plan.experiment;
    let info = RunInfo {
        experiment: &e.name,
        tier: e.tier_name(),
        description: &e.description,
        file: e.path.display().to_string(),
        registry: e.registry.display().to_string(),
        data_dir: plan.data_dir.root().display().to_string(),
        cache_dir: plan.cache.dir().display().to_string(),
        config: &e.tier,
        git_commit,
        git_dirty,
        versions: Versions {
            pipeline: VERSION,
            cell_schema: CELL_SCHEMA,
        },
        cells: records.len(),
        cells_from_cache: counts.cached,
        cells_computed: counts.computed,
        rows,
        compute_seconds: records.iter().map(|r| r.wall_seconds).sum(),
        run_wall_seconds: counts.wall_seconds,
        csv: csv_path.display().to_string(),
        separate_test_files: plan.separate_test_files()?,
    };
    let json = serde_json::to_vec_pretty(&info).map_err(|err| Error::Results {
        path: json_path.clone(),
        message: err.to_string(),
    })?;
    write_atomic(&csv_path, &csv)?;
    write_atomic(&json_path, &json)?;
    Ok((csv_path, json_path, rows))
}
