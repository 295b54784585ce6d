//! The trainers: a step lowers its loss, breakdowns stop cleanly, runs are deterministic.

use candle_core::{DType, Device};
use faer::Mat;
use kare_ntk::convert::{mat_to_tensor, tensor_to_mat};
use kare_ntk::kare::kare;
use kare_ntk::ntk::{ntk, NtkInputs};
use kare_ntk::train::{train_dnn, train_kare, Sgd, StopReason};

use crate::{net, randn_tensor};

fn data(n: usize) -> (candle_core::Tensor, Mat<f64>) {
    let x = randn_tensor(n, 4, 30);
    let xm = tensor_to_mat(&x).unwrap();
    let y = Mat::from_fn(n, 1, |i, _| (xm[(i, 0)] + 0.5 * xm[(i, 1)]).sin());
    (x, y)
}

fn kare_now(mlp: &kare_ntk::mlp::Mlp, x: &candle_core::Tensor, y: &Mat<f64>) -> f64 {
    let k = ntk(mlp, &NtkInputs::new(x, None).unwrap()).unwrap();
    kare(k.as_ref(), y.as_ref(), 0.1).unwrap()
}

#[test]
fn one_kare_step_lowers_kare() {
    let (x, y) = data(20);
    let mut mlp = net(4, 2, 8, 1, 31);
    let before = kare_now(&mlp, &x, &y);
    let report = train_kare(&mut mlp, &x, y.as_ref(), 0.1, &Sgd::full_batch(1, 1e-2)).unwrap();
    let after = kare_now(&mlp, &x, &y);
    assert_eq!(report.stop, StopReason::Completed);
    assert_eq!(report.losses, vec![before]);
    assert!(after < before, "KARE rose from {before} to {after}");
}

#[test]
fn kare_training_is_deterministic_and_minibatches_work() {
    let (x, y) = data(24);
    let sgd = Sgd {
        steps: 12,
        lr: 0.5,
        batch_size: Some(8),
        seed: 5,
    };
    let run = || {
        let mut mlp = net(4, 1, 8, 1, 32);
        let r = train_kare(&mut mlp, &x, y.as_ref(), 0.1, &sgd).unwrap();
        (r, kare_now(&mlp, &x, &y))
    };
    let (a, ka) = run();
    let (b, kb) = run();
    assert_eq!(a, b);
    assert_eq!(ka, kb);
    assert_eq!(a.steps_run, 12);
}

#[test]
fn dnn_training_lowers_mse() {
    let (x, y) = data(30);
    let mut mlp = net(4, 2, 16, 1, 33);
    let report = train_dnn(&mut mlp, &x, y.as_ref(), &Sgd::full_batch(200, 0.1)).unwrap();
    assert_eq!(report.stop, StopReason::Completed);
    assert_eq!(report.losses.len(), 200);
    assert!(
        report.losses[199] < 0.5 * report.losses[0],
        "MSE {} → {}",
        report.losses[0],
        report.losses[199]
    );
    let mut mb = net(4, 2, 16, 1, 33);
    let sgd = Sgd {
        steps: 50,
        lr: 0.05,
        batch_size: Some(7),
        seed: 1,
    };
    let r = train_dnn(&mut mb, &x, y.as_ref(), &sgd).unwrap();
    assert_eq!(r.steps_run, 50);
}

/// One SGD step of the DNN loop equals θ − lr·∇θ MSE with ∇θ from candle's autograd, for
/// every parameter: full batch, and a single mini-batch holding every row (the gather path),
/// in f64 to 1e-12 relative to the largest entry of the update.
#[test]
fn a_dnn_step_is_sgd_on_the_autograd_gradient() {
    let n = 11;
    let x = randn_tensor(n, 4, 36);
    let y = randn_tensor(n, 2, 37);
    for (depth, batch_size) in [(0, None), (1, None), (3, None), (2, Some(n))] {
        let before = net(4, depth, 6, 2, 38);
        let loss = (before.forward(&x).unwrap() - &y)
            .unwrap()
            .sqr()
            .unwrap()
            .mean_all()
            .unwrap();
        let grads = loss.backward().unwrap();
        let lr = 0.3;
        let mut after = before.to_dtype(DType::F64).unwrap();
        let sgd = Sgd {
            steps: 1,
            lr,
            batch_size,
            seed: 5,
        };
        train_dnn(&mut after, &x, tensor_to_mat(&y).unwrap().as_ref(), &sgd).unwrap();
        for ((name, v0), v1) in before.names().iter().zip(before.vars()).zip(after.vars()) {
            let g = grads
                .get(v0.as_tensor())
                .expect("every parameter has a gradient");
            let expected = tensor_to_mat(
                &(v0.as_tensor() - (g * lr).unwrap())
                    .unwrap()
                    .reshape(((), 1))
                    .unwrap(),
            )
            .unwrap();
            let got = tensor_to_mat(&v1.as_tensor().reshape(((), 1)).unwrap()).unwrap();
            let update = tensor_to_mat(&(g * lr).unwrap().reshape(((), 1)).unwrap()).unwrap();
            let scale = (0..update.nrows())
                .map(|i| update[(i, 0)].abs())
                .fold(0.0, f64::max);
            let err = (0..got.nrows())
                .map(|i| (got[(i, 0)] - expected[(i, 0)]).abs())
                .fold(0.0, f64::max);
            assert!(
                err <= 1e-12 * scale,
                "depth {depth}, {name}: {err:e} vs update {scale:e}"
            );
        }
    }
}

#[test]
fn divergence_stops_cleanly_and_keeps_the_last_good_parameters() {
    let (x, y) = data(16);
    let yt = mat_to_tensor(y.as_ref(), DType::F64, &Device::Cpu).unwrap();
    let mut mlp = net(4, 2, 8, 1, 34);
    let report = train_dnn(&mut mlp, &x, y.as_ref(), &Sgd::full_batch(100, 1e6)).unwrap();
    assert!(
        matches!(report.stop, StopReason::NonFinite { step } if step == report.steps_run),
        "{:?}",
        report.stop
    );
    // The kept parameters are those that produced the last recorded (finite) loss.
    let mse = (mlp.forward(&x).unwrap() - &yt)
        .unwrap()
        .sqr()
        .unwrap()
        .mean_all()
        .unwrap()
        .to_scalar::<f64>()
        .unwrap();
    // Same parameters, another summation order: equal to 1e-12 relative.
    let last = *report.losses.last().unwrap();
    assert!((mse - last).abs() <= 1e-12 * last, "{mse} vs {last}");

    let mut mlp = net(4, 2, 8, 1, 35);
    // lr 1e300 sends the weights to ±1e300 after one step: the next kernel overflows.
    let report = train_kare(&mut mlp, &x, y.as_ref(), 0.1, &Sgd::full_batch(50, 1e300)).unwrap();
    assert!(
        report.stop.is_early(),
        "lr 1e300 ran all steps: {:?}",
        report.losses
    );
    assert_eq!(report.losses.len(), report.steps_run);
    assert!(report.steps_run >= 1, "{:?}", report.stop);
    assert_eq!(kare_now(&mlp, &x, &y), *report.losses.last().unwrap());
}
