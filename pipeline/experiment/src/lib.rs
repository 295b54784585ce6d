//! Experiments: a grid declared in `experiments/*.toml` (data sets × models × seeds × methods,
//! with a `[quick]` tier), run as cached, resumable cells, written to `results/`.
//!
//! ```no_run
//! use std::path::{Path, PathBuf};
//! use kare_experiment::{cache_root, run, ComputeDevice, ProgressMode, RunOptions};
//! # fn main() -> kare_experiment::Result<()> {
//! let summary = run(
//!     Path::new("experiments/figure1.toml"),
//!     &RunOptions {
//!         quick: true,
//!         jobs: 1,
//!         cache_root: cache_root(None),
//!         data_dir: None,
//!         results_dir: PathBuf::from("results"),
//!         progress: ProgressMode::Auto,
//!         device: ComputeDevice::Cpu,
//!     },
//! )?;
//! println!("{} rows in {}", summary.rows, summary.csv.display());
//! # Ok(()) }
//! ```
//!
//! Modules: `config` (the file schema and its validation), `plan` (data prepared per seed, cells
//! keyed), `cell` (a cell's configuration and key), `device` (the CPU or a CUDA GPU), `compute` (training and scoring one cell), `footprint` (a cell's
//! peak memory, estimated from its shapes),
//! `record` (what a finished cell stores), `cache` (atomic, checksummed records), `claim` (a
//! per-cell lock shared by every process on one cache), `verify` (whether a record may serve its
//! cell), `run` (the worker pool; one
//! cell alone, for an array task; collecting the results), `slurm` (a job array, a task a cell),
//! `progress` (bar or lines) and `results` (CSV and provenance JSON).

pub mod baselines;
pub mod inspect;
pub mod metrics;

mod cache;
mod cell;
mod claim;
mod compute;
mod config;
mod device;
mod footprint;
mod plan;
mod progress;
mod record;
mod results;
mod run;
mod slurm;
mod verify;

pub use kare_results::{Error, Result};

pub use cache::{cache_root, Cache, CACHE_DIR_ENV};
pub use cell::{CellConfig, Stage, Training, CELL_SCHEMA, VERSION};
pub use claim::{Claim, LOCKS_DIR};
pub use config::{
    DataSpec, Experiment, InverseSquarePrecision, Many, MaxMemory, ModelSpec, Tier, TrainSpec,
};
pub use device::ComputeDevice;
pub use footprint::{cell_bytes, Shapes};
pub use plan::{Cell, DataInstance, Plan};
pub use progress::ProgressMode;
pub use record::{CellRecord, MethodResult, Point, Tuned};
pub use run::{collect, compute_cell, run, CellOutcome, RunOptions, RunSummary};
pub use slurm::{batch_script, write_batch_script, SlurmJob, SLURM_DEFAULT_MAX_ARRAY_SIZE};
