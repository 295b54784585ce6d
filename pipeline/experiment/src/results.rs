//! The results files: `<stem>.csv`, one row per cell × method × λ̃ in plan order (never
//! completion order), built only from the cell records, so an interrupted-and-resumed run and an
//! uninterrupted one write the same bytes; and `<stem>.json`, the run's provenance.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::cell::{CELL_SCHEMA, VERSION};
use super::plan::Plan;
use super::record::{CellRecord, MethodResult, Point, Tuned};
use crate::{Error, Result};
use kare_results::atomic::write_atomic;
use kare_results::{write_csv, Provenance, ResultRow, Versions};

/// The `grid_edge` cell of a tuned baseline: the hyper-parameters at an edge of their grid,
/// joined by spaces, or `none`.
fn edge_text(t: &Tuned) -> String {
    if t.at_edge.is_empty() {
        "none".into()
    } else {
        t.at_edge.join(" ")
    }
}

/// The results row of one point of one method's result in the cell of `rec`.
fn row(experiment: &str, rec: &CellRecord, result: &MethodResult, point: &Point) -> ResultRow {
    let c = &rec.config;
    let training = c.training.as_ref();
    ResultRow {
        experiment: experiment.to_string(),
        dataset: c.dataset.clone(),
        overrides: c.overrides.clone(),
        gamma: c.overrides.gamma,
        sigma: c.overrides.sigma,
        n_train: rec.n_train,
        n_test: rec.n_test,
        d: rec.d,
        depth: c.depth,
        width: c.width,
        seed: c.seed,
        method: result.method,
        lr: training.map(|t| t.lr),
        steps: training.map(|t| t.steps),
        batch_size: training.and_then(|t| t.batch_size),
        ridge_rel: point.ridge_rel,
        lambda: point.lambda.map(|n| n.0),
        selected_by_gcv: point.selected_by_gcv,
        train_mse: point.train_mse.map(|n| n.0),
        test_mse: point.test_mse.0,
        test_accuracy: point.test_accuracy.map(|n| n.0),
        train_kare_gcv: point.train_kare_gcv.map(|n| n.0),
        final_kare: result.final_kare.map(|n| n.0),
        z: c.z,
        steps_run: result.steps_run,
        stop_reason: result.stop_reason.clone(),
        wall_seconds: result.wall_seconds,
        cell_key: rec.key.clone(),
        data_checksum: rec.data_checksum.clone(),
        network_draw: Some(c.init_draw),
        threads: Some(c.threads),
        hyperparameters: result.tuned.as_ref().map(|t| t.choice.clone()),
        grid_edge: result.tuned.as_ref().map(edge_text),
    }
}

/// The rows of `records` (in plan order, one per cell of `plan`). Within a block (data set,
/// seed, model), rows go by method in the experiment's order, then by learning rate, then by
/// λ̃.
fn rows(plan: &Plan, records: &[CellRecord]) -> Vec<ResultRow> {
    let methods = &plan.experiment.tier.methods;
    let mut rows = Vec::new();
    let mut start = 0;
    while start < records.len() {
        let block = plan.cells[start].block;
        let end = (start..records.len())
            .find(|&i| plan.cells[i].block != block)
            .unwrap_or(records.len());
        for method in methods {
            for rec in &records[start..end] {
                for result in rec.results.iter().filter(|r| r.method == *method) {
                    for point in &result.points {
                        rows.push(row(&plan.experiment.name, rec, result, point));
                    }
                }
            }
        }
        start = end;
    }
    rows
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
    let rows = rows(plan, records);
    let csv = write_csv(&rows).map_err(|err| Error::Results {
        path: csv_path.clone(),
        message: err.to_string(),
    })?;
    let (git_commit, git_dirty) = git_state();
    let e = &plan.experiment;
    let info = Provenance {
        experiment: e.name.clone(),
        tier: Some(e.tier_name().to_string()),
        description: Some(e.description.clone()),
        file: e.path.display().to_string(),
        registry: e.registry.display().to_string(),
        data_dir: plan.data_dir.root().display().to_string(),
        cache_dir: plan.cache.dir().display().to_string(),
        config: &e.tier,
        git_commit: Some(git_commit),
        git_dirty,
        versions: Versions {
            pipeline: VERSION.to_string(),
            cell_schema: CELL_SCHEMA.to_string(),
        },
        cells: records.len(),
        cells_from_cache: counts.cached,
        cells_computed: counts.computed,
        rows: rows.len(),
        compute_seconds: Some(records.iter().map(|r| r.wall_seconds).sum()),
        run_wall_seconds: Some(counts.wall_seconds),
        device: Some(plan.device.name().into()),
        csv: csv_path.display().to_string(),
        separate_test_files: plan.separate_test_files()?,
    };
    let json = serde_json::to_vec_pretty(&info).map_err(|err| Error::Results {
        path: json_path.clone(),
        message: err.to_string(),
    })?;
    write_atomic(&csv_path, &csv)?;
    write_atomic(&json_path, &json)?;
    Ok((csv_path, json_path, rows.len()))
}
