//! The provenance file `<stem>.json` beside a results CSV: what ran, from which commit, with
//! which configuration, and how long it took. The runner writes a [`Provenance`] holding its
//! typed configuration; the report reads one holding the configuration as JSON (every field
//! defaults when absent, so a hand-made or older file reads).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Num;

/// The provenance of one run, its configuration of type `C`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Provenance<C> {
    /// The experiment's name.
    pub experiment: String,
    /// The tier (`full`, `quick`).
    pub tier: Option<String>,
    /// The experiment's description.
    pub description: Option<String>,
    /// The experiment file.
    pub file: String,
    /// The data set registry.
    pub registry: String,
    /// The data directory.
    pub data_dir: String,
    /// The cache directory.
    pub cache_dir: String,
    /// The resolved configuration of the tier.
    pub config: C,
    /// The commit checked out (`git rev-parse HEAD`), or `unknown`.
    pub git_commit: Option<String>,
    /// Whether the work tree differed from it (`None` when git could not tell).
    pub git_dirty: Option<bool>,
    /// The versions of the program and of the cell records.
    pub versions: Versions,
    /// Cells of the run.
    pub cells: usize,
    /// Cells served from the cache.
    pub cells_from_cache: usize,
    /// Cells computed by the run.
    pub cells_computed: usize,
    /// Rows of the results CSV.
    pub rows: usize,
    /// Sum of the cells' own wall times (from their records, whichever run computed them).
    pub compute_seconds: Option<f64>,
    /// Wall time of the run that wrote the file.
    pub run_wall_seconds: Option<f64>,
    /// The device the cells computed on (`cpu`, `cuda`); absent in files that predate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// The results CSV.
    pub csv: String,
    /// The UCI sets of the run that ship a separate test file, by name (`uci121/monks-1`);
    /// absent when none does.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub separate_test_files: BTreeMap<String, SeparateTestFile>,
}

/// The versions a run records.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Versions {
    /// The pipeline's version (the `kare-experiment` crate's; the key is its earlier name).
    #[serde(rename = "kare-pipeline")]
    pub pipeline: String,
    /// The schema of the cell records (`kare-cell v1`).
    pub cell_schema: String,
}

/// A UCI set's separate test file, as the provenance file records it for the report: its
/// name, rows, and how differently it is scaled from the train file (raw files, before our
/// preprocessing; see [`kare_data::ScalingMismatch`]; infinite when a feature that varies in
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

/// The generator of a data set whose overrides set none.
pub const DEFAULT_RNG: &str = "chacha8";

impl Provenance<serde_json::Value> {
    /// `config.init`: where the DNN starts relative to the KARE network (`independent`,
    /// `shared`), when recorded.
    pub fn init(&self) -> Option<&str> {
        self.config.get("init").and_then(|v| v.as_str())
    }

    /// `config.cell_threads`: the threads each cell computed with, when recorded.
    pub fn cell_threads(&self) -> Option<u64> {
        self.config.get("cell_threads").and_then(|v| v.as_u64())
    }

    /// The generators of the data draws, one per distinct `config.datasets[].overrides.rng`
    /// in order ([`DEFAULT_RNG`] where a data set sets none); empty when the config lists no
    /// data sets.
    pub fn rngs(&self) -> Vec<String> {
        let datasets = self.config.get("datasets").and_then(|d| d.as_array());
        let mut out: Vec<String> = Vec::new();
        for d in datasets.into_iter().flatten() {
            let rng = (d.pointer("/overrides/rng").and_then(|r| r.as_str()))
                .unwrap_or(DEFAULT_RNG)
                .to_string();
            if !out.contains(&rng) {
                out.push(rng);
            }
        }
        out
    }

    /// Whether every data set was drawn with this project's own generator (ChaCha8), the
    /// draws whose seed labels are ours rather than the authors'.
    pub fn own_generator(&self) -> bool {
        self.rngs().iter().all(|r| r == DEFAULT_RNG)
    }

    /// The recorded times, by key: `compute_seconds`, then `run_wall_seconds`.
    pub fn seconds(&self) -> Vec<(&'static str, f64)> {
        [
            ("compute_seconds", self.compute_seconds),
            ("run_wall_seconds", self.run_wall_seconds),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect()
    }

    /// The run's total compute time (`compute_seconds`, the sum of the cells' times) with its
    /// key.
    pub fn total_seconds(&self) -> Option<(&'static str, f64)> {
        self.compute_seconds.map(|s| ("compute_seconds", s))
    }
}
