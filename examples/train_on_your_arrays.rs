//! Train an NTK with KARE on your own arrays, then predict held-out rows by kernel ridge.
//!
//! ```text
//! cargo run --release --example train_on_your_arrays
//! ```
//!
//! The arrays here are plain `Vec<f64>` rows of a single-index regression, `x ~ N(0, I₁₀)`,
//! `y = sin(2·xᵀw/‖w‖) + 0.1·ε`: a kernel that learns the direction `w` fits it far better than
//! the initial NTK. Replace [`your_arrays`] with your own. The network starts from the seeded
//! PyTorch-default initialisation, its NTK is trained by full-batch SGD on KARE at z = 0.1
//! (METHOD §4), and kernel ridge with the trained NTK predicts the test rows over a grid of
//! relative ridges λ̃ (METHOD §5), beside the same prediction with the initial NTK. Each is read
//! at the λ̃ of smallest GCV on the training rows (a choice made on training data alone) and at
//! the λ̃ of best test MSE (the paper's reading, an oracle).

use kare_ntk::candle_core::{DType, Device, Tensor};
use kare_ntk::convert::{mat_from_rows, mat_to_tensor};
use kare_ntk::faer::{Mat, MatRef};
use kare_ntk::{kare, ntk, train_kare, Mlp, MlpShape, NtkInputs, Result, RidgePath, Sgd};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

const FEATURES: usize = 10;
const TRAIN_ROWS: usize = 300;
const TEST_ROWS: usize = 300;
/// KARE's ridge z (METHOD §3).
const Z: f64 = 0.1;
/// Full-batch KARE steps.
const STEPS: usize = 50;
/// The KARE learning rate: Figure 2's at depth 2 (METHOD §6). Figure 1's lr 100 lowers KARE
/// further on these rows, at a slightly worse test MSE.
const LR: f64 = 10.0;

/// Test MSE of kernel ridge at two choices of the relative ridge λ̃ from a grid.
struct RidgeScores {
    /// The λ̃ of smallest GCV on the training rows, and the test MSE there.
    gcv: (f64, f64),
    /// The λ̃ of smallest test MSE, and that MSE.
    best: (f64, f64),
}

/// One data set in the library's types: inputs as tensors in the network's dtype, targets as
/// f64 matrices (n×1).
struct Split {
    x_train: Tensor,
    y_train: Mat<f64>,
    x_test: Tensor,
    y_test: Mat<f64>,
}

fn main() -> Result<()> {
    let (dtype, device) = (DType::F32, Device::Cpu);
    let (rows, targets) = your_arrays();
    let data = to_library_types(&rows, &targets, dtype, &device)?;
    let shape = MlpShape {
        inputs: FEATURES,
        depth: 1,
        width: 64,
        outputs: 1,
    };
    let mut net = Mlp::new(&shape, 0, dtype, &device)?;
    let grid: Vec<f64> = (-5..=5).map(|e| 10f64.powi(e)).collect();

    let initial = ridge_scores(&net, &data, &grid)?;
    let before = train_kare_value(&net, &data)?;
    let report = train_kare(
        &mut net,
        &data.x_train,
        data.y_train.as_ref(),
        Z,
        &Sgd::full_batch(STEPS, LR),
    )?;
    let after = train_kare_value(&net, &data)?;
    let trained = ridge_scores(&net, &data, &grid)?;

    println!(
        "{TRAIN_ROWS} train / {TEST_ROWS} test rows, {FEATURES} features; depth {} × width {}, {dtype:?}",
        shape.depth, shape.width
    );
    println!(
        "KARE training: {} of {STEPS} steps at lr {LR} ({})",
        report.steps_run, report.stop
    );
    println!("train KARE (z = {Z}): {before:.5} before, {after:.5} after");
    println!("test MSE of kernel ridge, at the GCV choice of λ̃ | at the best λ̃ (oracle):");
    for (name, scores) in [("initial NTK", initial), ("NTK-KARE", trained)] {
        println!(
            "  {name:<11}  {:.5} (λ̃ = {:e}) | {:.5} (λ̃ = {:e})",
            scores.gcv.1, scores.gcv.0, scores.best.1, scores.best.0
        );
    }
    println!(
        "  (predicting the train mean: {:.5})",
        mean_predictor_mse(&data)
    );
    Ok(())
}

/// `TRAIN_ROWS + TEST_ROWS` rows of `FEATURES` inputs and one target each, as plain vectors.
fn your_arrays() -> (Vec<Vec<f64>>, Vec<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut normal = || -> f64 { StandardNormal.sample(&mut rng) };
    let w: Vec<f64> = (0..FEATURES).map(|_| normal()).collect();
    let norm = w.iter().map(|v| v * v).sum::<f64>().sqrt();
    let rows: Vec<Vec<f64>> = (0..TRAIN_ROWS + TEST_ROWS)
        .map(|_| (0..FEATURES).map(|_| normal()).collect())
        .collect();
    let targets = rows
        .iter()
        .map(|x| {
            let t: f64 = x.iter().zip(&w).map(|(a, b)| a * b).sum();
            (2.0 * t / norm).sin() + 0.1 * normal()
        })
        .collect();
    (rows, targets)
}

/// Splits the rows (the first `TRAIN_ROWS` train) into the library's types: row-major data to
/// f64 matrices (rejecting NaN and infinity), inputs then to tensors of the network's dtype.
fn to_library_types(
    rows: &[Vec<f64>],
    targets: &[f64],
    dtype: DType,
    device: &Device,
) -> Result<Split> {
    let inputs = |rows: &[Vec<f64>]| -> Result<Tensor> {
        let flat = rows.concat();
        let m = mat_from_rows(&flat, rows.len(), FEATURES, "inputs")?;
        mat_to_tensor(m.as_ref(), dtype, device)
    };
    let outputs = |y: &[f64]| mat_from_rows(y, y.len(), 1, "targets");
    let (train, test) = rows.split_at(TRAIN_ROWS);
    let (y_train, y_test) = targets.split_at(TRAIN_ROWS);
    Ok(Split {
        x_train: inputs(train)?,
        y_train: outputs(y_train)?,
        x_test: inputs(test)?,
        y_test: outputs(y_test)?,
    })
}

/// KARE of the network's NTK on the training rows.
fn train_kare_value(net: &Mlp, data: &Split) -> Result<f64> {
    let k = ntk(net, &NtkInputs::new(&data.x_train, None)?)?;
    kare(k.as_ref(), data.y_train.as_ref(), Z)
}

/// Kernel ridge with the network's NTK at every λ̃ of `grid`: the test MSE at the λ̃ of
/// smallest GCV on the training rows and at the λ̃ of smallest test MSE.
fn ridge_scores(net: &Mlp, data: &Split, grid: &[f64]) -> Result<RidgeScores> {
    let k = ntk(net, &NtkInputs::new(&data.x_train, None)?)?;
    let k_cross = ntk(net, &NtkInputs::new(&data.x_train, Some(&data.x_test))?)?;
    let path = RidgePath::new(k.as_ref(), data.y_train.as_ref())?;
    let test_mse: Vec<f64> = path
        .predict_grid(k_cross.as_ref(), grid)?
        .iter()
        .map(|f| mse(f.as_ref(), data.y_test.as_ref()))
        .collect();
    let chosen = path.select_by_gcv(grid)?;
    let at_gcv = grid
        .iter()
        .position(|&rel| rel == chosen)
        .expect("GCV picks from the grid");
    let best = (0..grid.len())
        .min_by(|&i, &j| test_mse[i].total_cmp(&test_mse[j]))
        .expect("the grid is not empty");
    Ok(RidgeScores {
        gcv: (chosen, test_mse[at_gcv]),
        best: (grid[best], test_mse[best]),
    })
}

/// Test MSE of the constant prediction by the mean training target: the scale of the MSEs.
fn mean_predictor_mse(data: &Split) -> f64 {
    let mean = data.y_train.sum() / data.y_train.nrows() as f64;
    mse(
        Mat::<f64>::full(data.y_test.nrows(), 1, mean).as_ref(),
        data.y_test.as_ref(),
    )
}

/// Mean squared error over rows and outputs.
fn mse(f: MatRef<'_, f64>, y: MatRef<'_, f64>) -> f64 {
    (f - y).squared_norm_l2() / (y.nrows() * y.ncols()) as f64
}
