//! Moving matrices between candle tensors (the network side) and faer matrices (the n×n side
//! and the f64 solves): in f64, or in the network's own float type.

use candle_core::{DType, Device, Tensor};
use faer::{Mat, MatRef};

use crate::ntk::Real;
use crate::{Error, Result};

/// Copies a 2-D tensor of any float dtype into an f64 faer matrix.
pub fn tensor_to_mat(t: &Tensor) -> Result<Mat<f64>> {
    let &[rows, cols] = t.dims() else {
        return Err(Error::Shape(format!(
            "expected a 2-D tensor, got shape {:?}",
            t.dims()
        )));
    };
    let data = t.to_dtype(DType::F64)?.flatten_all()?.to_vec1::<f64>()?;
    Ok(MatRef::from_row_major_slice(&data, rows, cols).to_owned())
}

/// Copies an f64 matrix into a 2-D tensor of `dtype` on `device`.
pub fn mat_to_tensor(m: MatRef<'_, f64>, dtype: DType, device: &Device) -> Result<Tensor> {
    let (rows, cols) = m.shape();
    // The columns of mᵀ, stored column-major, are the rows of m.
    let mt = m.transpose().to_owned();
    let data: Vec<f64> = (0..rows)
        .flat_map(|i| mt.col_as_slice(i).iter().copied())
        .collect();
    Ok(Tensor::from_vec(data, (rows, cols), device)?.to_dtype(dtype)?)
}

/// Wraps row-major f64 data of shape `rows × cols` as a faer matrix, rejecting NaN and infinity.
pub fn mat_from_rows(data: &[f64], rows: usize, cols: usize, what: &str) -> Result<Mat<f64>> {
    if data.len() != rows * cols {
        return Err(Error::Shape(format!(
            "{what}: {} values do not fill {rows}×{cols}",
            data.len()
        )));
    }
    if let Some(index) = data.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            what: what.to_string(),
            index,
        });
    }
    Ok(MatRef::from_row_major_slice(data, rows, cols).to_owned())
}

/// A detached copy of a 2-D tensor as a faer matrix of the same float type.
pub(crate) fn tensor_to_faer<T: Real>(t: &Tensor) -> Result<Mat<T>> {
    let (rows, cols) = t.dims2()?;
    let data = t.flatten_all()?.to_vec1::<T>()?;
    Ok(MatRef::from_row_major_slice(&data, rows, cols).to_owned())
}

/// A faer matrix of the network's float type as a candle tensor on `like`'s device (for the VJP
/// hand-off), copied row by row without a detour through f64.
pub(crate) fn faer_to_tensor<T: Real>(m: MatRef<'_, T>, like: &Tensor) -> Result<Tensor> {
    let (rows, cols) = m.shape();
    let data: Vec<T> = (0..rows)
        .flat_map(|i| (0..cols).map(move |j| m[(i, j)]))
        .collect();
    Ok(Tensor::from_vec(data, (rows, cols), like.device())?)
}
