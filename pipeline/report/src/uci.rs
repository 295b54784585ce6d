//! Table 1 of the paper (`kare report table1`): classification accuracy on the UCI collection
//! of Fernández-Delgado et al. (2014), our methods ranked jointly with the 179 classifiers of
//! `results_UCI.txt`, under the three protocols of `experiments/table1.toml` (METHOD §7).
//!
//! Modules: `rows` (the UCI rows of a results CSV: split and hyper-parameter), `classifiers`
//! (`results_UCI.txt`), `protocol` (the choice of the hyper-parameter and the accuracy reported,
//! (a) as published, (b) honest and (c) test file), `rank` (Friedman rank, mean accuracy, P90, P95, PMA),
//! `compare` (ours beside the classifiers on the sets used), `table` (Markdown and LaTeX),
//! `figure` (accuracy against the classifiers' best, PNG and SVG), `outputs` (the ranking and
//! the sets used, as CSV) and `section` (`REPORT.md`).

pub mod classifiers;
pub mod compare;
pub mod figure;
pub mod outputs;
pub mod protocol;
pub mod rank;
pub mod rows;
pub mod section;
pub mod table;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use self::classifiers::Classifiers;
use self::compare::{compare, Comparison};
use self::protocol::{evaluate, Protocol};
use self::rows::{UciRow, SET_PREFIX};
use super::load::RunInfo;
use super::tuning;
use crate::{Error, Result};
use kare_results::Fold;
use kare_results::Method;
use kare_results::SeparateTestFile;
use kare_results::{ResultRow, ResultsFile};

/// Whether the rows of a results file are UCI rows (their data sets start with `uci121/`);
/// a file mixing UCI and other data sets is an error.
pub fn is_uci(rows: &[ResultRow], csv: &Path) -> Result<bool> {
    let uci = rows.iter().filter(|r| rows::is_uci(&r.dataset)).count();
    if uci > 0 && uci < rows.len() {
        return Err(Error::Report {
            path: csv.to_path_buf(),
            message: format!(
                "{uci} of {} rows are UCI rows (`{}…`) and the others are not: Table 1's report \
                 needs a results file of UCI sets only",
                rows.len(),
                rows::SET_PREFIX
            ),
        });
    }
    Ok(uci > 0)
}

/// What the results hold, for the notes.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    /// Rows read.
    pub n_rows: usize,
    /// The sets, in the order of their first row.
    pub sets: Vec<String>,
    /// The splits present.
    pub splits: Vec<Fold>,
    /// The seeds present.
    pub seeds: Vec<u64>,
    /// Per method present: the grid of its hyper-parameters (`depth {1, 3}, width {128}, …`).
    pub grid: Vec<(Method, String)>,
    /// The run's provenance (`<stem>.json`), when it exists.
    pub run_info: Option<RunInfo>,
}

/// Table 1 of one results file: the three protocols.
#[derive(Debug, Clone, PartialEq)]
pub struct Table1 {
    /// The results file's stem (`table1`, `table1-quick`).
    pub name: String,
    /// (a), (b), then (c).
    pub comparisons: Vec<Comparison>,
    /// The sets of the results that ship a separate test file (`monks-1`), as the run
    /// recorded them.
    pub test_files: BTreeMap<String, SeparateTestFile>,
    /// How often each classical baseline's choice sat at an edge of its grid.
    pub tuning: Vec<tuning::Tally>,
    /// The classifiers' file name (`results_UCI.txt`).
    pub classifiers_file: String,
    /// How many classifiers it holds (179).
    pub n_classifiers: usize,
    /// What the results hold.
    pub inputs: Inputs,
}

impl Table1 {
    /// The comparison under `protocol`.
    pub fn comparison(&self, protocol: Protocol) -> &Comparison {
        self.comparisons
            .iter()
            .find(|c| c.protocol == protocol)
            .expect("both protocols are compared")
    }
}

/// `{a, b, c}` of the distinct values, in order of appearance.
fn distinct<T: PartialEq>(values: impl Iterator<Item = T>, show: impl Fn(&T) -> String) -> String {
    let mut seen: Vec<T> = Vec::new();
    for v in values {
        if !seen.contains(&v) {
            seen.push(v);
        }
    }
    format!(
        "{{{}}}",
        seen.iter().map(show).collect::<Vec<_>>().join(", ")
    )
}

/// The grid of hyper-parameters of `method` in `rows`.
fn grid(rows: &[UciRow], method: Method) -> String {
    let of: Vec<&UciRow> = rows.iter().filter(|r| r.method == method).collect();
    let mut parts = Vec::new();
    if of.iter().any(|r| r.hyper.depth > 0) {
        parts.push(format!(
            "depth {}",
            distinct(of.iter().map(|r| r.hyper.depth), usize::to_string)
        ));
        parts.push(format!(
            "width {}",
            distinct(of.iter().map(|r| r.hyper.width), usize::to_string)
        ));
    }
    if of.iter().any(|r| r.hyper.lr.is_some()) {
        parts.push(format!(
            "lr {}",
            distinct(of.iter().filter_map(|r| r.hyper.lr), |v| v.to_string())
        ));
    }
    if of.iter().any(|r| r.hyper.ridge_rel.is_some()) {
        parts.push(format!(
            "λ̃ {}",
            distinct(of.iter().filter_map(|r| r.hyper.ridge_rel), |v| format!(
                "{v:e}"
            ))
        ));
    }
    if parts.is_empty() {
        "its own hyper-parameters, tuned on the training data".into()
    } else {
        parts.join(", ")
    }
}

/// Table 1 of experiment `name`'s results `file` (with its provenance `run_info`) against
/// `classifiers`.
pub fn table1(
    name: &str,
    file: &ResultsFile,
    run_info: Option<RunInfo>,
    classifiers: &Classifiers,
) -> Result<Table1> {
    let rows = rows::of(file)?;
    let test_files: BTreeMap<String, SeparateTestFile> = (run_info.iter())
        .flat_map(|r| &r.separate_test_files)
        .filter_map(|(name, t)| Some((name.strip_prefix(SET_PREFIX)?.to_string(), t.clone())))
        .collect();
    let with_test_file: BTreeSet<String> = test_files.keys().cloned().collect();
    let comparisons = Protocol::ALL
        .into_iter()
        .map(|p| compare(&evaluate(&rows, p, &with_test_file), classifiers))
        .collect();
    let tuning = tuning::tally(rows.iter().filter_map(|r| {
        let edge = r.grid_edge.as_deref()?;
        Some((r.method, edge))
    }));
    let mut sets: Vec<String> = Vec::new();
    let mut splits: Vec<Fold> = Vec::new();
    let mut seeds: Vec<u64> = Vec::new();
    for r in &rows {
        if !sets.contains(&r.set) {
            sets.push(r.set.clone());
        }
        if !splits.contains(&r.split) {
            splits.push(r.split);
        }
        if !seeds.contains(&r.seed) {
            seeds.push(r.seed);
        }
    }
    splits.sort();
    let grid = Method::ALL
        .into_iter()
        .filter(|m| rows.iter().any(|r| r.method == *m))
        .map(|m| (m, grid(&rows, m)))
        .collect();
    Ok(Table1 {
        name: name.to_string(),
        comparisons,
        test_files,
        tuning,
        classifiers_file: classifiers
            .path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned(),
        n_classifiers: classifiers.names.len(),
        inputs: Inputs {
            n_rows: rows.len(),
            sets,
            splits,
            seeds,
            grid,
            run_info,
        },
    })
}
