//! The `kare` command's library: `.npy` I/O and kernel inspection of saved MLPs
//! (`cli`), the declarative data layer (`data`: `datasets.toml`, loaders, preprocessing, splits),
//! and the experiment runner (`experiment`: `experiments/*.toml`, cached cells, results files).

pub mod baselines;
pub mod data;
pub mod error;
pub mod experiment;
pub mod inspect;
pub mod npy;
pub mod report;
mod toml_file;

pub use error::{Error, Result};
