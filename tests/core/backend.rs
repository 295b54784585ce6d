//! The candle path ([`Backend::Candle`], the one a GPU runs) against the faer path on candle's
//! CPU device: the same kernels, KARE gradients and trained networks. The two share no code
//! between the network's signals and the f64 solves — full candle Grams and autograd against
//! lower-triangle faer Grams and the written-out chain rule; candle's `erf` against the fused
//! GELU — so their agreement checks each against the other.
//!
//! Tolerances, relative to the largest entry: 1e-12 for kernels and gradients of f64 networks
//! and 1e-10 for f64 networks after 20–40 steps (both paths are exact up to rounding: measured
//! ≈ 3e-15 and ≈ 6e-16); f32 networks round differently in every Gram and GEMM, so their
//! kernels are held to 1e-6 (measured ≈ 5e-8) and their trained networks to 1e-5.

use candle_core::{DType, Tensor};
use faer::Mat;
use kare_ntk::{
    kare_gradients_with, ntk_with, train_dnn_with, train_kare_with, Backend, KareStep,
    KernelPrecision, Mlp, NtkInputs, Sgd, StopReason,
};

use crate::{flat, net, randn, randn_tensor, rel_err};

fn params(mlp: &Mlp) -> Mat<f64> {
    let vars: Vec<Tensor> = mlp.vars().iter().map(|v| v.as_tensor().clone()).collect();
    flat(&vars)
}

/// Kernels `K(X, X)` and `K(X*, X)` of networks of depth 0 to 3 with one and three outputs.
#[test]
fn candle_kernels_equal_faer_kernels() {
    for (depth, outputs, dtype, tol) in [
        (0, 1, DType::F64, 1e-12),
        (1, 3, DType::F64, 1e-12),
        (3, 1, DType::F64, 1e-12),
        (2, 2, DType::F32, 1e-6),
    ] {
        let mlp = net(6, depth, 24, outputs, 7).to_dtype(dtype).unwrap();
        let x = randn_tensor(40, 6, 8).to_dtype(dtype).unwrap();
        let xs = randn_tensor(15, 6, 9).to_dtype(dtype).unwrap();
        for test in [None, Some(&xs)] {
            let inputs = NtkInputs::new(&x, test).unwrap();
            let faer = ntk_with(&mlp, &inputs, Backend::Faer).unwrap();
            let candle = ntk_with(&mlp, &inputs, Backend::Candle).unwrap();
            let err = rel_err(candle.as_ref(), faer.as_ref());
            assert!(
                err <= tol,
                "depth {depth}, c = {outputs}, {dtype:?}, cross {}: {err:e}",
                test.is_some()
            );
        }
    }
}

/// KARE and `∂KARE/∂θ` for every parameter, f64 networks, both precisions of `M⁻²`.
#[test]
fn candle_kare_gradients_equal_faer_gradients() {
    for (depth, outputs) in [(0, 1), (1, 1), (2, 3)] {
        let mlp = net(5, depth, 16, outputs, 11);
        let x = randn_tensor(50, 5, 12);
        let y = randn(50, outputs, 13);
        let inputs = NtkInputs::new(&x, None).unwrap();
        for precision in [KernelPrecision::F64, KernelPrecision::F32] {
            let at = |backend| {
                let step = KareStep { backend, precision };
                kare_gradients_with(&mlp, &inputs, (y.as_ref(), 0.1), step)
            };
            let (faer, candle) = (at(Backend::Faer).unwrap(), at(Backend::Candle).unwrap());
            let value_err = (candle.kare - faer.kare).abs() / faer.kare;
            assert!(value_err <= 1e-12, "depth {depth}: KARE {value_err:e}");
            let (candle, faer) = (flat(&candle.grads), flat(&faer.grads));
            if depth == 0 {
                // K = c·(XXᵀ + 1) does not depend on θ.
                assert!(faer.norm_max() == 0.0 && candle.norm_max() == 0.0);
                continue;
            }
            let err = rel_err(candle.as_ref(), faer.as_ref());
            assert!(err <= 1e-12, "depth {depth}, {precision:?}: {err:e}");
        }
    }
}

/// Forty SGD steps of the DNN, full-batch and mini-batch, in f64 and f32, give the same
/// losses and networks.
#[test]
fn candle_dnn_training_equals_faer_training() {
    let y = randn(64, 2, 22);
    for (batch_size, dtype, tol) in [
        (None, DType::F64, 1e-10),
        (Some(24), DType::F64, 1e-10),
        (None, DType::F32, 1e-5),
        (Some(24), DType::F32, 1e-5),
    ] {
        let x = randn_tensor(64, 4, 21).to_dtype(dtype).unwrap();
        let sgd = Sgd {
            batch_size,
            seed: 5,
            ..Sgd::full_batch(40, 0.05)
        };
        let train = |backend| {
            let mut mlp = net(4, 2, 32, 2, 23).to_dtype(dtype).unwrap();
            let report = train_dnn_with(&mut mlp, &x, y.as_ref(), &sgd, backend).unwrap();
            (params(&mlp), report)
        };
        let (faer, faer_report) = train(Backend::Faer);
        let (candle, candle_report) = train(Backend::Candle);
        assert_eq!(candle_report.stop, StopReason::Completed);
        assert_eq!(candle_report.steps_run, faer_report.steps_run);
        let losses =
            |r: &kare_ntk::TrainReport| Mat::from_fn(r.losses.len(), 1, |i, _| r.losses[i]);
        let loss_err = rel_err(
            losses(&candle_report).as_ref(),
            losses(&faer_report).as_ref(),
        );
        assert!(
            loss_err <= tol,
            "batch {batch_size:?}, {dtype:?}: losses {loss_err:e}"
        );
        let err = rel_err(candle.as_ref(), faer.as_ref());
        assert!(
            err <= tol,
            "batch {batch_size:?}, {dtype:?}: parameters {err:e}"
        );
    }
}

/// A learning rate that overflows stops both paths at the same step with the same reason,
/// the parameters restored to the last finite loss's.
#[test]
fn candle_dnn_divergence_stops_like_faer() {
    let x = randn_tensor(30, 3, 31);
    let y = randn(30, 1, 32);
    let sgd = Sgd::full_batch(200, 1e4);
    let train = |backend| {
        let mut mlp = net(3, 1, 8, 1, 33);
        let report = train_dnn_with(&mut mlp, &x, y.as_ref(), &sgd, backend).unwrap();
        (params(&mlp), report)
    };
    let (faer, faer_report) = train(Backend::Faer);
    let (candle, candle_report) = train(Backend::Candle);
    assert!(matches!(faer_report.stop, StopReason::NonFinite { .. }));
    assert_eq!(candle_report.stop, faer_report.stop);
    assert!(candle.is_all_finite());
    assert!(rel_err(candle.as_ref(), faer.as_ref()) <= 1e-10);
}

/// Twenty NTK-KARE steps at a learning rate small enough not to be chaotic give the same
/// KARE trajectory and network, full-batch and mini-batch.
#[test]
fn candle_kare_training_equals_faer_training() {
    let x = randn_tensor(48, 4, 41);
    let y = randn(48, 1, 42);
    for batch_size in [None, Some(32)] {
        let sgd = Sgd {
            batch_size,
            seed: 9,
            ..Sgd::full_batch(20, 1.0)
        };
        let train = |backend| {
            let mut mlp = net(4, 2, 16, 1, 43);
            let step = KareStep {
                backend,
                precision: KernelPrecision::F64,
            };
            let report = train_kare_with(&mut mlp, &x, (y.as_ref(), 0.1), &sgd, step).unwrap();
            (params(&mlp), report)
        };
        let (faer, faer_report) = train(Backend::Faer);
        let (candle, candle_report) = train(Backend::Candle);
        assert_eq!(candle_report.stop, StopReason::Completed);
        let (a, b) = (faer_report.losses, candle_report.losses);
        assert!(a.last() < a.first(), "KARE should fall: {a:?}");
        for (u, v) in a.iter().zip(&b) {
            assert!((u - v).abs() <= 1e-10 * u, "KARE {u} vs {v}");
        }
        let err = rel_err(candle.as_ref(), faer.as_ref());
        assert!(err <= 1e-10, "batch {batch_size:?}: parameters {err:e}");
    }
}
