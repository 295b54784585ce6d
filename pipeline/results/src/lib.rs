//! The bottom layer of the `kare` pipeline: the results contract, the types of the files
//! `kare run` writes and `kare report` reads, defined once; the overrides a row records of its
//! data; the pipeline's one error type; and the atomic file writer every layer uses.
//!
//! The layers, each a crate depending only on those below it: `kare-results` (this one),
//! `kare-data` (data sets), `kare-experiment` (runner, cache, baselines, Slurm), `kare-report`
//! (tables, figures, REPORT.md; it reads results through this crate only) and the `kare`
//! command.
//! A results CSV holds one [`ResultRow`] per cell × method × λ̃ (its columns are
//! [`COLUMNS`], documented in `docs/pipeline.md`, "Results"); the [`Provenance`] JSON beside it
//! records how the run was made.

pub mod atomic;
mod error;
mod method;
mod num;
mod overrides;
mod provenance;
pub mod row;

pub use error::{Error, Result};
pub use method::Method;
pub use num::Num;
pub use overrides::{DrawRng, Fold, Overrides};
pub use provenance::{Provenance, SeparateTestFile, Versions, DEFAULT_RNG};
pub use row::{read_csv, write_csv, ResultRow, ResultsFile, COLUMNS, COMPLETED, REQUIRED};
