//! The core library's integration tests: every numeric result is checked against an independent
//! oracle (explicit Jacobians, finite differences, eigendecompositions, direct solves) at a
//! stated tolerance. Run in release (`make test`).

mod backend;
mod kare;
mod mlp;
mod ntk;
mod objective;
mod ridge;
mod train;

use candle_core::{DType, Device, Tensor};
use faer::{Mat, MatRef};
use kare_ntk::mlp::{Mlp, MlpShape};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// A rows×cols matrix of standard normal draws from a seeded stream.
pub fn randn(rows: usize, cols: usize, seed: u64) -> Mat<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let draws: Vec<f64> = (0..rows * cols)
        .map(|_| StandardNormal.sample(&mut rng))
        .collect();
    Mat::from_fn(rows, cols, |i, j| draws[i * cols + j])
}

/// The same draws as [`randn`], as an f64 tensor.
pub fn randn_tensor(rows: usize, cols: usize, seed: u64) -> Tensor {
    kare_ntk::convert::mat_to_tensor(randn(rows, cols, seed).as_ref(), DType::F64, &Device::Cpu)
        .unwrap()
}

/// A random symmetric positive semi-definite n×n kernel `A Aᵀ` with `A` n×rank.
pub fn random_kernel(n: usize, rank: usize, seed: u64) -> Mat<f64> {
    let a = randn(n, rank, seed);
    &a * a.transpose()
}

/// `max|a − b| / max|b|`: the relative error of `a` against the oracle `b`.
pub fn rel_err(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> f64 {
    assert_eq!(a.shape(), b.shape(), "shapes differ");
    let mut diff: f64 = 0.0;
    let mut scale: f64 = 0.0;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            diff = diff.max((a[(i, j)] - b[(i, j)]).abs());
            scale = scale.max(b[(i, j)].abs());
        }
    }
    diff / scale
}

/// Tensors (parameters, gradients) as one f64 column, in order.
pub fn flat(tensors: &[Tensor]) -> Mat<f64> {
    let v: Vec<f64> = tensors
        .iter()
        .flat_map(|t| {
            let t = t.to_dtype(DType::F64).unwrap();
            t.flatten_all().unwrap().to_vec1::<f64>().unwrap()
        })
        .collect();
    Mat::from_fn(v.len(), 1, |i, _| v[i])
}

/// A small f64 network.
pub fn net(inputs: usize, depth: usize, width: usize, outputs: usize, seed: u64) -> Mlp {
    Mlp::new(
        &MlpShape {
            inputs,
            depth,
            width,
            outputs,
        },
        seed,
        DType::F64,
        &Device::Cpu,
    )
    .unwrap()
}
