//! The `kare` command's library: `.npy` I/O and kernel inspection of saved MLPs
//! (`cli`), and the declarative data layer (`data`: `datasets.toml`, loaders, preprocessing, splits).

pub mod data;
pub mod error;
pub mod inspect;
pub mod npy;

pub use error::{Error, Result};
