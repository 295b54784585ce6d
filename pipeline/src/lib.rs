//! The `kare` command's library: atomic file writes (`atomic`), `.npy` I/O and kernel
//! inspection of saved MLPs (`npy`, `inspect`), the declarative data layer (`data`: `datasets.toml`, loaders, preprocessing, splits),
//! the experiment runner (`experiment`: `experiments/*.toml`, cached cells, results files), the
//! classical baselines (`baselines`), the results contract both sides share (`results`: the
//! rows of a results CSV), the report (`report`: tables, figures, REPORT.md), the scores
//! of every model (`metrics`), and memory budgets (`memory`: sizes refused before they are
//! allocated).

pub mod atomic;
pub mod baselines;
pub mod data;
pub mod error;
pub mod experiment;
pub mod inspect;
pub mod memory;
pub mod metrics;
pub mod npy;
pub mod report;
pub mod results;
mod toml_file;

pub use error::{Error, Result};
