//! The empirical NTK, KARE and `∂KARE/∂θ` of a network saved from PyTorch as safetensors.
//!
//! ```text
//! cargo run --release --example ntk_kare_of_saved_mlp [-- path/to/mlp.safetensors]
//! ```
//!
//! The loader ([`Mlp::load`]) expects `layers.{i}.weight` of shape `[out, in]` and
//! `layers.{i}.bias` of shape `[out]`, `i = 0` the first hidden layer and the last `i` the linear
//! output layer, with exact-erf GELU between them (METHOD §1). A PyTorch module keeping its
//! `nn.Linear` layers in an `nn.ModuleList` named `layers` has exactly that `state_dict`:
//!
//! ```python
//! import torch, torch.nn as nn
//! from safetensors.torch import save_file
//!
//! class Mlp(nn.Module):
//!     def __init__(self, inputs=10, depth=2, width=64, outputs=1):
//!         super().__init__()
//!         dims = [inputs] + [width] * depth + [outputs]
//!         self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims, dims[1:]))
//!
//!     def forward(self, x):
//!         for layer in self.layers[:-1]:
//!             x = nn.functional.gelu(layer(x))  # the default GELU is the exact (erf) one
//!         return self.layers[-1](x)
//!
//! save_file(Mlp().state_dict(), "mlp.safetensors")  # float32; float64 works too
//! ```
//!
//! Without an argument the example first saves a network of that shape from the library's own
//! seeded constructor to a temporary file, then loads it back the same way.

use std::error::Error;
use std::path::Path;

use kare_ntk::candle_core::{DType, Device, Tensor};
use kare_ntk::convert::mat_to_tensor;
use kare_ntk::faer::Mat;
use kare_ntk::{kare, kare_gradients, ntk, Mlp, MlpShape, NtkInputs, Result};

/// Number of input rows the kernel is formed on.
const ROWS: usize = 200;
/// KARE's ridge z, as in every experiment (METHOD §3).
const Z: f64 = 0.1;

fn main() -> std::result::Result<(), Box<dyn Error>> {
    let device = Device::Cpu;
    let mut args = std::env::args_os().skip(1);
    let path = args.next();
    if args.next().is_some() {
        return Err("usage: ntk_kare_of_saved_mlp [MLP.safetensors]".into());
    }
    let net = match path {
        Some(path) => Mlp::load(Path::new(&path), None, &device)?,
        None => load_demo_network(&device)?,
    };
    println!(
        "network: {} inputs, {} hidden layers, {} outputs, {} parameters, {:?}",
        net.inputs(),
        net.depth(),
        net.outputs(),
        net.num_params(),
        net.dtype()
    );

    let (x, y) = demo_data(net.inputs(), net.outputs(), net.dtype(), &device)?;
    let inputs = NtkInputs::new(&x, None)?;
    let k = ntk(&net, &inputs)?;
    let mean_diag = (0..k.nrows()).map(|i| k[(i, i)]).sum::<f64>() / k.nrows() as f64;
    println!(
        "NTK K(X,X): {}×{}, mean diagonal {mean_diag:.4}",
        k.nrows(),
        k.ncols()
    );
    println!("KARE at z = {Z}: {:.6}", kare(k.as_ref(), y.as_ref(), Z)?);

    let grads = kare_gradients(&net, &inputs, y.as_ref(), Z)?;
    for (name, g) in net.names().iter().zip(&grads.grads) {
        println!("  ‖∂KARE/∂{name}‖ = {:.4e}", norm(g)?);
    }
    let total = grads
        .grads
        .iter()
        .map(|g| norm(g).map(|v| v * v))
        .sum::<Result<f64>>()?
        .sqrt();
    println!(
        "‖∂KARE/∂θ‖ = {total:.4e} over {} tensors",
        grads.grads.len()
    );
    Ok(())
}

/// Saves a depth-2, width-64 network (10 inputs, 1 output) from the seeded PyTorch-default
/// initialisation to a temporary file and loads it back as a user's file would be loaded.
fn load_demo_network(device: &Device) -> std::result::Result<Mlp, Box<dyn Error>> {
    let shape = MlpShape {
        inputs: 10,
        depth: 2,
        width: 64,
        outputs: 1,
    };
    let path = std::env::temp_dir().join(format!(
        "kare-ntk-example-{}.safetensors",
        std::process::id()
    ));
    Mlp::new(&shape, 0, DType::F32, device)?.save(&path)?;
    println!("wrote a seeded network to {}", path.display());
    let loaded = Mlp::load(&path, None, device);
    std::fs::remove_file(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
    Ok(loaded?)
}

/// `ROWS` inputs with entries `sin` of distinct arguments (in the network's dtype) and smooth
/// targets of them (f64, one column per network output): any n×d inputs and n×c targets work.
fn demo_data(
    inputs: usize,
    outputs: usize,
    dtype: DType,
    device: &Device,
) -> Result<(Tensor, Mat<f64>)> {
    let x = Mat::<f64>::from_fn(ROWS, inputs, |i, j| ((i * inputs + j) as f64 * 0.7).sin());
    let y = Mat::<f64>::from_fn(ROWS, outputs, |i, c| {
        (x[(i, 0)] + 0.5 * x[(i, inputs - 1)] + c as f64).cos()
    });
    Ok((mat_to_tensor(x.as_ref(), dtype, device)?, y))
}

/// The Frobenius norm of a tensor of any float dtype, in f64.
fn norm(t: &Tensor) -> Result<f64> {
    Ok(t.to_dtype(DType::F64)?
        .sqr()?
        .sum_all()?
        .to_scalar::<f64>()?
        .sqrt())
}
