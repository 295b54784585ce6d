//! The results contract: the types of the files `kare run` writes and `kare report` reads,
//! defined once. A results CSV holds one [`ResultRow`] per cell × method × λ̃ (its columns are
//! [`COLUMNS`], documented in `docs/pipeline.md`, "Results"); the [`Provenance`] JSON beside it
//! records how the run was made.

mod method;
mod num;
mod provenance;
mod row;

pub use method::Method;
pub use num::Num;
pub use provenance::{Provenance, SeparateTestFile, Versions, DEFAULT_RNG};
pub use row::{write_csv, ResultRow, ResultsFile, COLUMNS, COMPLETED, REQUIRED};
