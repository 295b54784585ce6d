//! Moving matrices between candle tensors (the network side) and faer matrices (the f64 solves).

use candle_core::{DType, Device, Tensor};
use faer::{Mat, MatRef};

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
