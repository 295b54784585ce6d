//! The declarative data layer: data sets declared in `datasets.toml`, read with checksums
//! verified, split and preprocessed into f64 matrices for the experiments.
//!
//! ```no_run
//! use std::path::Path;
//! use kare_data::{DataDir, Overrides, Registry};
//! # fn main() -> kare_data::Result<()> {
//! let reg = Registry::from_file(Path::new("datasets.toml"))?;
//! let dir = DataDir::resolve(None)?;
//! let prep = reg.prepare("mnist-7v9", &dir, &Overrides::default(), 0)?;
//! assert_eq!((prep.n_train, prep.d), (1000, 576));
//! # Ok(()) }
//! ```
//!
//! Modules: `config` (the TOML schema) and `validate`, `registry` (parsing, names,
//! overrides), `prepare` (one run's matrices), `datadir` and `checksum` (locating and
//! verifying files), `loaders` (CSV/TSV via polars, IDX, UCI layout), `pool` (rows and label
//! coding), `split`, `numpy_legacy` (numpy's legacy generator, for the authors' draws),
//! `preprocess`, `simulate`, `check` (the report), `fetch` (downloads), `export` (`.npy`) and
//! `mismatch` (how differently a UCI set's train and test files are scaled).

mod check;
mod checksum;
mod config;
mod datadir;
mod export;
mod fetch;
mod loaders;
mod mismatch;
mod numpy_legacy;
mod pool;
mod prepare;
mod preprocess;
mod registry;
mod simulate;
mod split;
mod validate;

pub mod memory;
pub mod npy;
pub mod toml_file;

#[cfg(test)]
mod tests;

pub use kare_results::{Error, Result};

pub use check::{CheckReport, EntryCheck, FileCheck, FileStatus};
pub use config::{DrawRng, Fold, Overrides};
pub use datadir::{DataDir, DATA_DIR_ENV};
pub use export::{export, parse_overrides, EXPORT_FILES};
pub use fetch::Fetched;
pub use mismatch::ScalingMismatch;
pub use registry::Registry;

/// What the targets mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// Raw real targets, one column.
    Regression,
    /// One column of ±1.
    Binary,
    /// `classes` columns, one-hot ±1 (+1 for the class, −1 elsewhere).
    Multiclass { classes: usize },
}

/// A prepared data set: train and test matrices ready for the models.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The entry name (`family/set` for a UCI set).
    pub name: String,
    /// Row-major `n_train × d`.
    pub x_train: Vec<f64>,
    /// Row-major `n_test × d`.
    pub x_test: Vec<f64>,
    /// Training rows.
    pub n_train: usize,
    /// Test rows.
    pub n_test: usize,
    /// Features per row (after preprocessing, e.g. 576 after MNIST's crop).
    pub d: usize,
    /// Row-major `n_train × c`.
    pub y_train: Vec<f64>,
    /// Row-major `n_test × c`.
    pub y_test: Vec<f64>,
    /// Target columns.
    pub c: usize,
    /// How to read the targets (and score predictions).
    pub task: Task,
    /// Cache key: sha256 over the entry's effective configuration (file checksums, labels,
    /// split, preprocessing, overrides applied) and the seed. Equal keys mean equal data.
    pub checksum: String,
    /// One line: the entry's description, the seed, the shapes and the class balance.
    pub description: String,
}
