//! The one error type of the pipeline crate.

use std::path::PathBuf;

/// Everything that can go wrong in the `kare` command and the pipeline.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An error of the core library (shapes, factorisations, weights files).
    #[error(transparent)]
    Core(#[from] kare_ntk::Error),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An `.npy` file is malformed or does not hold what the command needs.
    #[error("{}: {message}", path.display())]
    Npy { path: PathBuf, message: String },
}

/// The pipeline's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
