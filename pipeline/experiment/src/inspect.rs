//! `kare ntk` and `kare kare`: the NTK and KARE of any saved MLP, including one trained in PyTorch.
//!
//! Nothing non-finite passes silently: NaN or infinite weights, inputs that overflow the
//! network's precision, a ridge `z` that is not a positive finite number, and a kernel, KARE or
//! gradient that comes out non-finite are errors naming the file or argument; no output file is
//! then written.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use faer::Mat;
use kare_ntk::convert::mat_from_rows;
use kare_ntk::mlp::{save_named, Mlp};
use kare_ntk::ntk::{ntk, NtkInputs};
use kare_ntk::objective::kare_gradients;

use crate::{Error, Result};
use kare_data::npy::{self, Array2};

/// The error of a non-finite value in `what` (a file or an argument).
fn non_finite(what: &Path, message: String) -> Error {
    Error::NonFinite {
        what: what.display().to_string(),
        message,
    }
}

/// The first non-finite value of `t` as (flat index, value).
fn first_non_finite(t: &Tensor) -> Result<Option<(usize, f64)>> {
    let values = t
        .flatten_all()
        .and_then(|f| f.to_dtype(DType::F64))
        .and_then(|f| f.to_vec1::<f64>())
        .map_err(kare_ntk::Error::from)?;
    Ok(values.into_iter().enumerate().find(|(_, v)| !v.is_finite()))
}

/// Loads a network onto `device`, in `dtype` if given, else in the precision of its file. A NaN
/// or infinite parameter (also one that overflows `dtype`) is an error naming the file and the
/// tensor.
pub fn load_network(weights: &Path, dtype: Option<DType>, device: &Device) -> Result<Mlp> {
    let mlp = Mlp::load(weights, dtype, device)?;
    for (name, tensor) in mlp.named_tensors() {
        if let Some((i, v)) = first_non_finite(&tensor)? {
            let message = format!("tensor `{name}` holds {v} at flat index {i}");
            return Err(non_finite(weights, message));
        }
    }
    Ok(mlp)
}

/// Reads inputs for `mlp` from a `.npy` file, checking their width, in the network's dtype.
fn read_inputs(mlp: &Mlp, path: &Path) -> Result<(Array2, Tensor)> {
    let a = npy::read(path)?;
    if a.cols != mlp.inputs() {
        return Err(Error::Npy {
            path: path.to_path_buf(),
            message: format!(
                "inputs have {} columns but the network takes {} features",
                a.cols,
                mlp.inputs()
            ),
        });
    }
    let t = Tensor::from_vec(a.data.clone(), (a.rows, a.cols), mlp.device())
        .and_then(|t| t.to_dtype(mlp.dtype()))
        .map_err(kare_ntk::Error::from)?;
    if let Some((i, _)) = first_non_finite(&t)? {
        let message = format!(
            "the value {} at row {}, column {} overflows the network's {:?}",
            a.data[i],
            i / a.cols,
            i % a.cols,
            mlp.dtype()
        );
        return Err(non_finite(path, message));
    }
    Ok((a, t))
}

/// `Err` naming `inputs` when the kernel `k` has a non-finite entry (values too large for the
/// arithmetic of the network's precision).
fn check_kernel(k: &Mat<f64>, inputs: &Path) -> Result<()> {
    for j in 0..k.ncols() {
        if let Some(i) = (0..k.nrows()).find(|&i| !k[(i, j)].is_finite()) {
            let message = format!(
                "the kernel on these inputs has the non-finite entry K[{i}, {j}] = {}: inputs or \
                 weights too large for the arithmetic",
                k[(i, j)]
            );
            return Err(non_finite(inputs, message));
        }
    }
    Ok(())
}

/// `K(X, X)`, or `K(X*, X)` when `test` is given, written as an f64 `.npy` file.
/// Returns the kernel's shape.
pub fn write_ntk(
    mlp: &Mlp,
    inputs: &Path,
    test: Option<&Path>,
    out: &Path,
) -> Result<(usize, usize)> {
    let (_, x) = read_inputs(mlp, inputs)?;
    // A non-finite entry of the cross kernel is reported against the test inputs.
    let (k, named) = match test {
        None => (ntk(mlp, &NtkInputs::new(&x, None)?)?, inputs),
        Some(test) => {
            let (_, xs) = read_inputs(mlp, test)?;
            (ntk(mlp, &NtkInputs::new(&x, Some(&xs))?)?, test)
        }
    };
    check_kernel(&k, named)?;
    let (rows, cols) = k.shape();
    let data: Vec<f64> = (0..rows)
        .flat_map(|i| (0..cols).map(move |j| (i, j)))
        .map(|(i, j)| k[(i, j)])
        .collect();
    npy::write(out, rows, cols, &data)?;
    Ok((rows, cols))
}

/// KARE of the network's NTK on `inputs` for `targets` at ridge `z`; writes `∂KARE/∂θ` to `out`
/// under the weights' tensor names and returns KARE.
pub fn write_kare_gradient(
    mlp: &Mlp,
    inputs: &Path,
    targets: &Path,
    z: f64,
    out: &Path,
) -> Result<f64> {
    if !(z.is_finite() && z > 0.0) {
        return Err(Error::NonFinite {
            what: "--z".into(),
            message: format!("KARE's ridge must be a positive finite number, got {z:?}"),
        });
    }
    let (xa, x) = read_inputs(mlp, inputs)?;
    let y = npy::read(targets)?;
    if y.rows != xa.rows {
        return Err(Error::Npy {
            path: targets.to_path_buf(),
            message: format!(
                "targets have {} rows but the inputs have {}",
                y.rows, xa.rows
            ),
        });
    }
    if y.cols != mlp.outputs() {
        return Err(Error::Npy {
            path: targets.to_path_buf(),
            message: format!(
                "targets have {} columns but the network has {} outputs",
                y.cols,
                mlp.outputs()
            ),
        });
    }
    let y = mat_from_rows(&y.data, y.rows, y.cols, "targets")?;
    let g =
        kare_gradients(mlp, &NtkInputs::new(&x, None)?, y.as_ref(), z).map_err(|e| match e {
            kare_ntk::Error::NonFinite { .. } => non_finite(
                inputs,
                format!("{e}: inputs or weights too large for the arithmetic"),
            ),
            other => other.into(),
        })?;
    if !g.kare.is_finite() {
        let message = format!(
            "KARE at z = {z:?} with the targets {} is {}: the inputs, targets or z are too large or \
             too small for the arithmetic",
            targets.display(),
            g.kare
        );
        return Err(non_finite(inputs, message));
    }
    for (name, grad) in mlp.names().iter().zip(&g.grads) {
        if let Some((i, v)) = first_non_finite(grad)? {
            let message = format!("∂KARE/∂`{name}` is {v} at flat index {i} at z = {z:?}");
            return Err(non_finite(inputs, message));
        }
    }
    let named: Vec<(String, Tensor)> = mlp.names().into_iter().zip(g.grads).collect();
    save_named(&named, out)?;
    Ok(g.kare)
}
