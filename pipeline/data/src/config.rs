//! The `datasets.toml` schema (serde) and its validation.
//!
//! Every table rejects unknown keys, so a typo is an error naming the entry and the field
//! instead of a silently ignored setting. Validation that needs no data file (sizes, label
//! maps, step parameters, which sections fit which format) happens when the registry is
//! loaded, so a bad entry fails before any data is read.

use std::collections::BTreeMap;

use serde::Deserialize;

pub use kare_results::{DrawRng, Fold, Overrides};

/// The whole file: one `[datasets.<name>]` table per data set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegistryFile {
    pub datasets: BTreeMap<String, EntryConfig>,
}

/// One data set: where its bytes come from, how labels are coded, how it is split and
/// preprocessed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EntryConfig {
    /// One line for humans; shown by `check` and in [`super::Prepared::description`].
    pub description: String,
    /// Which reader builds the rows.
    pub format: Format,
    /// Data files by role (`table` for CSV; `train_images`, `train_labels`, `test_images`,
    /// `test_labels` for IDX). UCI families declare their files per set instead.
    #[serde(default)]
    pub files: BTreeMap<String, FileSpec>,
    /// CSV/TSV reading options (format `csv` only).
    pub csv: Option<CsvOptions>,
    /// How the label column/file becomes targets (formats `csv` and `idx`).
    pub labels: Option<LabelSpec>,
    /// How rows become train and test parts (formats `csv` and `idx`).
    pub split: Option<SplitSpec>,
    /// Generator parameters (format `simulation`).
    pub simulation: Option<SimParams>,
    /// The Fernández-Delgado family (format `uci121`).
    pub uci: Option<UciFamily>,
    /// Feature transforms, in order; statistics come from the training part only.
    #[serde(default)]
    pub preprocess: Vec<Step>,
    /// The generator of the per-seed draws (simulation values, subsamples).
    #[serde(default)]
    pub rng: DrawRng,
}

/// The readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Format {
    /// A delimited text table read with polars.
    Csv,
    /// LeCun's IDX format (optionally gzip-compressed): a train and a test part.
    Idx,
    /// `<set>_R.dat` + `conxuntos.dat` + `conxuntos_kfold.dat` per set (+ a test file for some).
    Uci121,
    /// The METHOD §7 generator; no files.
    Simulation,
}

impl Format {
    /// The name used in `datasets.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Idx => "idx",
            Format::Uci121 => "uci121",
            Format::Simulation => "simulation",
        }
    }

    /// The file roles an entry of this format must declare in `files`.
    pub fn required_roles(self) -> &'static [&'static str] {
        match self {
            Format::Csv => &["table"],
            Format::Idx => &["train_images", "train_labels", "test_images", "test_labels"],
            Format::Uci121 | Format::Simulation => &[],
        }
    }
}

/// One data file: where it lives under the data directory, its checksum, and how to get it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileSpec {
    /// Path relative to the data directory.
    pub path: String,
    /// sha256 of the file as stored (hex).
    pub sha256: String,
    /// sha256 of the gunzipped content, for `.gz` files whose compressed bytes differ between
    /// copies (MNIST): a file passes if either hash matches.
    pub content_sha256: Option<String>,
    /// Direct downloads, tried in order by `fetch`.
    #[serde(default)]
    pub urls: Vec<String>,
    /// Provenance for humans (the public page it comes from, how it was derived).
    pub source: Option<String>,
    /// A Debian package that installs the file at `system_path`.
    pub debian_package: Option<String>,
    /// Absolute path used when the file is not under the data directory.
    pub system_path: Option<String>,
}

/// CSV/TSV options.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CsvOptions {
    /// Field separator (one ASCII character; `"\t"` for TSV).
    #[serde(default = "comma")]
    pub separator: char,
    /// The label column.
    pub target: String,
    /// Columns that are neither features nor target.
    #[serde(default)]
    pub drop_columns: Vec<String>,
    /// Sentinel values: a row holding one of them in any feature column is dropped.
    #[serde(default)]
    pub drop_rows_with: Vec<f64>,
}

fn comma() -> char {
    ','
}

/// What to do with a label that the mapping does not list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Unmapped {
    /// Fail, naming the row and the label.
    #[default]
    Error,
    /// Drop the row (MNIST 7 vs 9 drops the other digits).
    Drop,
}

/// How labels become targets. Label cells are compared as text (`"7"`, `"s"`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum LabelSpec {
    /// The target is a number, used as it is.
    Regression,
    /// Each listed label maps to −1 or +1 (one target column).
    Binary {
        map: BTreeMap<String, f64>,
        #[serde(default)]
        unmapped: Unmapped,
    },
    /// One ±1 column per class: +1 for the row's class, −1 elsewhere.
    OneHot {
        classes: Vec<String>,
        #[serde(default)]
        unmapped: Unmapped,
    },
}

/// How rows become the train and test parts. `n_train`/`n_test`, when given, draw that many
/// rows without replacement from each part, afresh for every run seed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum SplitSpec {
    /// The source's own parts (IDX train and t10k files).
    Given {
        n_train: Option<usize>,
        n_test: Option<usize>,
    },
    /// A per-class random split: each class puts `round(train_fraction · n_class)` rows in
    /// train. `split_seed` fixes the split across runs (the run seed is used when absent).
    Stratified {
        train_fraction: f64,
        split_seed: Option<u64>,
        n_train: Option<usize>,
        n_test: Option<usize>,
    },
    /// As `stratified` but ignoring classes (for regression targets).
    Random {
        train_fraction: f64,
        split_seed: Option<u64>,
        n_train: Option<usize>,
        n_test: Option<usize>,
    },
    /// A published split by position: the first `n_train` rows (after row filters) train,
    /// the next `n_test` test (absent: all the remaining rows). Nothing is drawn.
    Ordered {
        n_train: Option<usize>,
        n_test: Option<usize>,
    },
    /// A published split named by a column: rows whose `column` cell is `train` train, those
    /// holding `test` test (other values are an error). `n_train`/`n_test` subsample the parts.
    Column {
        column: String,
        train: String,
        test: String,
        n_train: Option<usize>,
        n_test: Option<usize>,
    },
}

impl SplitSpec {
    /// The subsample sizes, to be overridden by an experiment.
    pub fn sizes_mut(&mut self) -> (&mut Option<usize>, &mut Option<usize>) {
        match self {
            SplitSpec::Given { n_train, n_test }
            | SplitSpec::Stratified {
                n_train, n_test, ..
            }
            | SplitSpec::Random {
                n_train, n_test, ..
            }
            | SplitSpec::Ordered { n_train, n_test }
            | SplitSpec::Column {
                n_train, n_test, ..
            } => (n_train, n_test),
        }
    }

    /// The column naming each row's part, for a `column` split.
    pub fn column(&self) -> Option<&str> {
        match self {
            SplitSpec::Column { column, .. } => Some(column),
            _ => None,
        }
    }
}

/// The METHOD §7 simulation: `x ~ N(0, I_d)`, `w ~ N(0, I_d)` once per seed,
/// `y = cos(γ·xᵀw)/(1 + exp(γ·xᵀw)) + σ·ε`; the first `n_train` rows train, the next `n_test` test.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SimParams {
    pub d: usize,
    pub n_train: usize,
    pub n_test: usize,
    pub gamma: f64,
    pub sigma: f64,
}

/// The Fernández-Delgado et al. (2014) collection: one entry for all its sets.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UciFamily {
    /// Folder under the data directory holding `<set>/` folders.
    pub dir: String,
    /// Per-file download address with `{set}` and `{file}` placeholders.
    pub url_template: Option<String>,
    /// Provenance for humans.
    pub source: Option<String>,
    /// The set used when the experiment names none (absent: the experiment must name one).
    pub set: Option<String>,
    /// Which split: `"holdout"` (`conxuntos.dat`), `{ kfold = k }` (`conxuntos_kfold.dat`, k in
    /// 0..4) or `"test_file"` (the data file trains, the set's separate test file tests).
    #[serde(default)]
    pub fold: Fold,
    /// Sets of the collection that cannot be used, with the reason.
    #[serde(default)]
    pub unavailable: BTreeMap<String, String>,
    /// The usable sets.
    pub sets: BTreeMap<String, UciSet>,
}

/// One UCI set: its data file, shape and the sha256 of every file of its folder.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UciSet {
    /// The data file (`fich1` of `<set>.txt`): both fold files index into it. Sets that ship a
    /// separate test file (`fich2`) declare it in `test` (Arora et al.'s code skips them).
    pub data: String,
    /// Rows of `data`.
    pub rows: usize,
    /// Feature columns of `data` (index and class columns excluded).
    pub features: usize,
    /// Number of classes (`n_clases`); 2 gives ±1 labels, more a one-hot ±1 coding.
    pub classes: usize,
    /// The separate test file, for the sets that ship one (read by the `test_file` fold only).
    pub test: Option<UciTestFile>,
    /// sha256 per file name in the set's folder.
    pub sha256: BTreeMap<String, String>,
}

/// Written by hand to leave out an absent `test`: the data checksum, and with it every cell's
/// cache key, hashes this text, so a split that reads no test file keeps the key of the set's
/// other fields (resolving drops a test file the fold does not read).
impl std::fmt::Debug for UciSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("UciSet");
        s.field("data", &self.data)
            .field("rows", &self.rows)
            .field("features", &self.features)
            .field("classes", &self.classes);
        if let Some(test) = &self.test {
            s.field("test", test);
        }
        s.field("sha256", &self.sha256).finish()
    }
}

/// A UCI set's separate test file: `fich2` and `n_patrons2` of `<set>.txt`. It has the data
/// file's columns, but the collection's authors scaled each file separately, so its values may
/// be on another scale ([`super::Registry::scaling_mismatch`] measures it).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UciTestFile {
    /// The file name in the set's folder (`monks-1_test_R.dat`).
    pub file: String,
    /// Its rows.
    pub rows: usize,
}

/// A preprocessing step. Steps run in order on the train and test features; every statistic
/// comes from the training rows only.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum Step {
    /// Remove `pixels` from every side of each image (image sources only).
    Crop { pixels: usize },
    /// Divide every value by a constant (`by = 255` for pixels).
    Divide { by: f64 },
    /// Subtract each row's own mean.
    CenterPerSample,
    /// Divide each feature by its maximum over the training rows (`absolute`: of |x|).
    DivideByTrainMax {
        #[serde(default)]
        absolute: bool,
    },
    /// Clip each feature to its [lower, upper] training percentiles (linear interpolation,
    /// as numpy), then z-score with the clipped training mean and standard deviation (ddof 0;
    /// a zero deviation is replaced by 1).
    ClipZscore {
        #[serde(default = "p5")]
        lower: f64,
        #[serde(default = "p95")]
        upper: f64,
    },
    /// (x − median) / (q75 − q25) with training quantiles; a zero range is replaced by 1
    /// (sklearn's `RobustScaler`).
    RobustScale,
    /// Run `at_least` when the loaded data hold at least `min_rows` rows (before the split),
    /// else `below` (the UCI rule: clip + z-score from 100 rows on, else robust scaling).
    ChooseByRows {
        min_rows: usize,
        at_least: Vec<Step>,
        below: Vec<Step>,
    },
}

fn p5() -> f64 {
    5.0
}

fn p95() -> f64 {
    95.0
}
