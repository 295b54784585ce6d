//! Table 1 as machine-readable files, for others to reuse: `<stem>-ranking.csv` (per protocol,
//! every model ranked: ours and the classifiers) and `<stem>-sets.csv` (per protocol, every set
//! of the results: used, or skipped with the reason).

use std::path::{Path, PathBuf};

use super::compare::{Comparison, Entry};
use super::Table1;
use crate::{Error, Result};
use kare_results::atomic::write_atomic;

/// The columns of `<stem>-ranking.csv`.
pub const RANKING_COLUMNS: [&str; 12] = [
    "protocol",
    "model",
    "ours",
    "position",
    "friedman_rank",
    "mean_accuracy",
    "sd_accuracy",
    "p90",
    "p95",
    "pma",
    "n_sets",
    "n_with_accuracy",
];

/// The columns of `<stem>-sets.csv`.
pub const SETS_COLUMNS: [&str; 4] = ["protocol", "set", "used", "reason"];

/// A number with Rust's shortest round-trip form; empty for none.
fn num(v: Option<f64>) -> String {
    v.map(|v| format!("{v:?}")).unwrap_or_default()
}

/// One ranking row of `e` under `c`.
fn ranking_row(c: &Comparison, e: &Entry) -> [String; 12] {
    let m = &e.metrics;
    [
        c.protocol.name().to_string(),
        e.name.clone(),
        u8::from(e.method.is_some()).to_string(),
        e.position.to_string(),
        num(Some(m.friedman)),
        num(m.mean),
        num(m.sd),
        num(Some(m.p90)),
        num(Some(m.p95)),
        num(m.pma),
        c.sets.len().to_string(),
        m.n_present.to_string(),
    ]
}

/// The CSV text of `rows` under `header`.
fn csv_text<const N: usize>(
    path: &Path,
    header: [&str; N],
    rows: impl Iterator<Item = [String; N]>,
) -> Result<Vec<u8>> {
    let fail = |e: csv::Error| Error::Report {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).map_err(fail)?;
    for row in rows {
        w.write_record(&row).map_err(fail)?;
    }
    w.into_inner().map_err(|e| fail(e.into_error().into()))
}

/// Writes `<dir>/<stem>-ranking.csv` and `<dir>/<stem>-sets.csv` atomically; returns their
/// paths. Models without a set under a protocol (nothing ranked) have no rows for it.
pub fn write(t: &Table1, dir: &Path) -> Result<(PathBuf, PathBuf)> {
    let ranking = dir.join(format!("{}-ranking.csv", t.name));
    let sets = dir.join(format!("{}-sets.csv", t.name));
    let ranked = (t.comparisons.iter())
        .flat_map(|c| (c.ours.iter().chain(&c.classifiers)).map(move |e| ranking_row(c, e)));
    write_atomic(&ranking, &csv_text(&ranking, RANKING_COLUMNS, ranked)?)?;
    let listed = t.comparisons.iter().flat_map(|c| {
        let used = (c.sets.iter()).map(move |s| [c.protocol.name(), &s.set, "1", ""]);
        let skipped = (c.skipped.iter()).map(move |(s, why)| [c.protocol.name(), s, "0", why]);
        used.chain(skipped).map(|r| r.map(String::from))
    });
    write_atomic(&sets, &csv_text(&sets, SETS_COLUMNS, listed)?)?;
    Ok((ranking, sets))
}
