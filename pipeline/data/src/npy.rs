//! Reading and writing 2-D float arrays in NumPy's `.npy` format (via `npyz`).

use std::io::{BufWriter, Write};
use std::path::Path;

use npyz::{NpyFile, Order, TypeChar, WriterBuilder};

use crate::{Error, Result};
use kare_results::atomic::write_atomic_with;

/// A row-major 2-D array read from a `.npy` file, with the precision it was stored in.
#[derive(Debug, Clone, PartialEq)]
pub struct Array2 {
    pub rows: usize,
    pub cols: usize,
    /// Values in row-major order, widened to f64.
    pub data: Vec<f64>,
    /// True when the file held f64 (`<f8`), false for f32 (`<f4`).
    pub is_f64: bool,
}

fn npy_err(path: &Path, message: impl Into<String>) -> Error {
    Error::Npy {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Reads a C-order f32 or f64 `.npy` array of rank 2, or of rank 1 as one column.
///
/// Fortran order, other dtypes, other ranks and non-finite values are errors naming the file.
pub fn read(path: &Path) -> Result<Array2> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let npy =
        NpyFile::new(&bytes[..]).map_err(|e| npy_err(path, format!("not a .npy file: {e}")))?;
    let (rows, cols) = match *npy.shape() {
        [r, c] => (r as usize, c as usize),
        [r] => (r as usize, 1),
        ref other => {
            return Err(npy_err(
                path,
                format!("expected a 2-D array (or 1-D for targets), got shape {other:?}"),
            ))
        }
    };
    if npy.order() != Order::C && rows > 1 && cols > 1 {
        return Err(npy_err(
            path,
            "array is in Fortran order; save it C-contiguous (np.ascontiguousarray)",
        ));
    }
    let dtype = npy.dtype();
    let size = match &dtype {
        npyz::DType::Plain(ts) if ts.type_char() == TypeChar::Float => ts.size_field(),
        _ => 0,
    };
    let is_f64 = match size {
        8 => true,
        4 => false,
        _ => {
            return Err(npy_err(
                path,
                format!("dtype {} is not float32 or float64", dtype.descr()),
            ))
        }
    };
    let data: Vec<f64> = if is_f64 {
        npy.into_vec::<f64>()
    } else {
        npy.into_vec::<f32>()
            .map(|v| v.into_iter().map(f64::from).collect())
    }
    .map_err(|e| npy_err(path, format!("cannot read data: {e}")))?;
    if let Some(i) = data.iter().position(|v| !v.is_finite()) {
        return Err(npy_err(
            path,
            format!(
                "non-finite value at row {}, column {}",
                i / cols.max(1),
                i % cols.max(1)
            ),
        ));
    }
    Ok(Array2 {
        rows,
        cols,
        data,
        is_f64,
    })
}

/// Writes a row-major f64 matrix as a C-order `<f8` `.npy` file, atomically
/// ([`kare_results::atomic::write_atomic_with`]).
pub fn write(path: &Path, rows: usize, cols: usize, data: &[f64]) -> Result<()> {
    write_atomic_with(path, |file| {
        let mut buffered = BufWriter::new(file);
        let mut writer = npyz::WriteOptions::new()
            .default_dtype()
            .shape(&[rows as u64, cols as u64])
            .writer(&mut buffered)
            .begin_nd()?;
        writer.extend(data.iter().copied())?;
        writer.finish()?;
        buffered.flush()
    })
}
