//! `kare ntk` and `kare kare`: the NTK and KARE of any saved MLP, including one trained in PyTorch.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use kare_ntk::convert::mat_from_rows;
use kare_ntk::mlp::{save_named, Mlp};
use kare_ntk::ntk::{ntk, ntk_cross, InputGram};
use kare_ntk::objective::kare_gradients;

use crate::npy::{self, Array2};
use crate::{Error, Result};

/// Loads a network, in `dtype` if given, else in the precision of its file.
pub fn load_network(weights: &Path, dtype: Option<DType>) -> Result<Mlp> {
    Ok(Mlp::load(weights, dtype, &Device::Cpu)?)
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
    let t = Tensor::from_vec(a.data.clone(), (a.rows, a.cols), &Device::Cpu)
        .and_then(|t| t.to_dtype(mlp.dtype()))
        .map_err(kare_ntk::Error::from)?;
    Ok((a, t))
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
    let k = match test {
        None => ntk(mlp, &x, &InputGram::symmetric(&x)?)?,
        Some(test) => {
            let (_, xs) = read_inputs(mlp, test)?;
            ntk_cross(mlp, &xs, &x, &InputGram::new(&xs, &x)?)?
        }
    };
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
    let g = kare_gradients(mlp, &x, &InputGram::symmetric(&x)?, y.as_ref(), z)?;
    let named: Vec<(String, Tensor)> = mlp.names().into_iter().zip(g.grads).collect();
    save_named(&named, out)?;
    Ok(g.kare)
}
