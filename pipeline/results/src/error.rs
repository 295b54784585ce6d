//! The one error type of the pipeline crate.

use std::path::PathBuf;

/// Everything that can go wrong in the `kare` command and the pipeline.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An error of the core library (shapes, factorisations, weights files).
    #[error(transparent)]
    Core(#[from] kare_ntk::Error),
    /// A classical kernel baseline (`baselines`) cannot run on a data set: malformed input
    /// (a shape mismatch, a non-finite value, a label that is not ±1, an empty set), too few rows
    /// for its inner validation split, or a failure of the SVM solver.
    #[error("baselines on `{data}`: {message}")]
    Baseline { data: String, message: String },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A value is NaN or infinite where a finite one is needed: a weight, an input that
    /// overflows the network's precision, an argument such as `--z`, or a kernel, KARE or
    /// gradient computed from them; `what` names the file or the argument.
    #[error("{what}: {message}")]
    NonFinite { what: String, message: String },
    /// An `.npy` file is malformed or does not hold what the command needs.
    #[error("{}: {message}", path.display())]
    Npy { path: PathBuf, message: String },
    /// `datasets.toml` is malformed: `location` is the TOML key path
    /// (`datasets.<entry>.<field>`), `line` the 1-based line when the parser knows it.
    #[error("{}{}: {location}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    DataConfig {
        path: PathBuf,
        line: Option<usize>,
        location: String,
        message: String,
    },
    /// A data set was asked for something it cannot give: an unknown name, an override that
    /// does not apply, an empty split, more rows than the data hold, a failed preprocessing step.
    #[error("data set `{entry}`: {field}: {message}")]
    DataParam {
        entry: String,
        field: String,
        message: String,
    },
    /// A declared data file is absent; `how_to_get` says where it is published.
    #[error("data set `{entry}`: file `{role}` not found at {}. {how_to_get}", path.display())]
    DataMissing {
        entry: String,
        role: String,
        path: PathBuf,
        how_to_get: String,
    },
    /// A data file's sha256 differs from the one declared in `datasets.toml`; `field` is the
    /// declaration's key path, which names the entry.
    #[error("{} has sha256 {actual} but `{field}` declares {expected}: a corrupt or different file", path.display())]
    DataChecksum {
        path: PathBuf,
        field: String,
        expected: String,
        actual: String,
    },
    /// A data file's content is unusable (a non-numeric or NaN cell, a label outside the
    /// mapping, a bad header or shape); `message` says where (row, column).
    #[error("data set `{entry}`: {}: {message}", path.display())]
    DataContent {
        entry: String,
        path: PathBuf,
        message: String,
    },
    /// `fetch` could not download or verify a file; nothing was written in its place.
    #[error("data set `{entry}`: cannot fetch {}: {message}", path.display())]
    DataFetch {
        entry: String,
        path: PathBuf,
        message: String,
    },
    /// An experiment file (`experiments/*.toml`) is malformed or asks for something impossible:
    /// `location` is the TOML key path (`models[1].kare.lr`), `line` the 1-based line when known.
    #[error("{}{}: {location}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    ExperimentConfig {
        path: PathBuf,
        line: Option<usize>,
        location: String,
        message: String,
    },
    /// An error met while preparing or running part of an experiment; `location` says which
    /// entry of the experiment file it comes from (`datasets[2] (seed 3)`).
    #[error("{}: {location}: {source}", path.display())]
    InExperiment {
        path: PathBuf,
        location: String,
        #[source]
        source: Box<Error>,
    },
    /// A cell of an experiment would need more memory than it may take (the machine's
    /// available memory, or the experiment's `max_memory`): refused before any cell runs.
    /// `message` gives the estimate and the limit, `shapes` what the estimate comes from.
    #[error("{}: cell `{cell}` ({shapes}) {message}; reduce its sizes or run it on a larger machine", path.display())]
    TooBig {
        path: PathBuf,
        cell: String,
        shapes: String,
        message: String,
    },
    /// The thread pools of `--jobs` could not be created.
    #[error("cannot start the worker threads: {0}")]
    Threads(String),
    /// The device a run was asked to compute on (`--device`) cannot be used.
    #[error("--device {device}: {message}")]
    Device { device: String, message: String },
    /// A cached cell record exists but cannot be used (it was edited or written by another
    /// version); deleting the file makes the next run recompute the cell.
    #[error("cache record {}: {message}", path.display())]
    CacheRecord { path: PathBuf, message: String },
    /// `kare run-cell --index` named no cell of the plan (a Slurm array submitted for another
    /// tier or an edited experiment file); `cells` is the plan's size.
    #[error("{}: {tier} tier: no cell {index}: the plan has {cells} cells (indices 0 to {})", path.display(), cells.saturating_sub(1))]
    CellIndex {
        path: PathBuf,
        tier: &'static str,
        index: usize,
        cells: usize,
    },
    /// `kare collect` found cells of the plan without a record in the cache (the Slurm array
    /// has not finished, or some of its tasks failed); `examples` labels the first few of them
    /// with their array index. No results file is written.
    #[error(
        "{}: {tier} tier: {missing} of {cells} cells are not in the cache {} yet: {}{}; wait for \
         the job array to finish, or resubmit it (tasks of cached cells exit at once), then collect again",
        path.display(),
        cache.display(),
        examples.join("; "),
        if *missing > examples.len() { format!("; and {} more", missing - examples.len()) } else { String::new() }
    )]
    CellsMissing {
        path: PathBuf,
        tier: &'static str,
        missing: usize,
        cells: usize,
        cache: PathBuf,
        examples: Vec<String>,
    },
    /// A Slurm batch script cannot be written as asked (a path or job name that an `#SBATCH`
    /// line cannot hold, an experiment without cells).
    #[error("slurm script {}: {message}", path.display())]
    Slurm { path: PathBuf, message: String },
    /// A results file could not be produced.
    #[error("results {}: {message}", path.display())]
    Results { path: PathBuf, message: String },
    /// The report (`kare report`) could not read a results or reference file (a missing column,
    /// an unparsable value: `message` names the column and row) or could not draw a figure.
    #[error("report: {}: {message}", path.display())]
    Report { path: PathBuf, message: String },
    /// The accuracies of the 179 classifiers of Fernández-Delgado et al. (2014)
    /// (`results_UCI.txt`, Table 1's comparison) are missing or malformed: `message` says what
    /// (and where: line, column).
    #[error(
        "results of the 179 classifiers {}: {message} (the file is `results_UCI.txt` of \
         shared/datasets/uci121_results; `kare report --uci-results PATH` names another)",
        path.display()
    )]
    UciResults { path: PathBuf, message: String },
}

/// The pipeline's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
