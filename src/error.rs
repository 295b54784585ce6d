//! The one error type of the core library.

/// Everything that can go wrong in the core library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An error raised by candle (tensor ops, autograd, safetensors I/O).
    #[error(transparent)]
    Candle(#[from] candle_core::Error),

    /// `K/n + z·I` (or `K/n + λ·I`) is not numerically positive definite: the Cholesky
    /// factorisation met a non-positive pivot.
    #[error("matrix is not positive definite: Cholesky pivot {pivot} of {n} is not positive")]
    NotPositiveDefinite { pivot: usize, n: usize },

    /// The symmetric eigendecomposition of a kernel did not converge.
    #[error("eigendecomposition of the {n}×{n} kernel did not converge")]
    EigenFailed { n: usize },

    /// Arrays whose shapes do not fit together.
    #[error("shape mismatch: {0}")]
    Shape(String),

    /// A parameter file (safetensors) whose tensors are missing, misnamed or misshapen.
    #[error("weights: {0}")]
    Weights(String),

    /// A numeric input holds NaN or infinity.
    #[error("{what} holds a non-finite value at index {index}")]
    NonFinite { what: String, index: usize },

    /// A parameter outside its valid range (a non-positive ridge, zero steps, ...).
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
}

/// The core library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Returns early with an [`Error::InvalidParameter`] built from a format string.
#[macro_export]
macro_rules! bail_param {
    ($($arg:tt)*) => {
        return Err($crate::Error::InvalidParameter(format!($($arg)*)))
    };
}
