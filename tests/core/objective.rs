//! ∂KARE/∂θ through the structured NTK against central finite differences in θ.

use candle_core::{DType, Tensor};
use faer::Mat;
use kare_ntk::kare::kare;
use kare_ntk::mlp::Mlp;
use kare_ntk::ntk::{ntk, NtkInputs};
use kare_ntk::objective::kare_gradients;

use crate::{flat, net, randn, randn_tensor, rel_err};

fn kare_of(mlp: &Mlp, inputs: &NtkInputs, y: &Mat<f64>) -> f64 {
    let k = ntk(mlp, inputs).unwrap();
    kare(k.as_ref(), y.as_ref(), 0.1).unwrap()
}

/// Adds `delta` to entry `idx` of variable `v`.
fn nudge(mlp: &Mlp, v: usize, idx: usize, delta: f64) {
    let var = &mlp.vars()[v];
    let mut data = var.flatten_all().unwrap().to_vec1::<f64>().unwrap();
    data[idx] += delta;
    var.set(&Tensor::from_vec(data, var.shape(), var.device()).unwrap())
        .unwrap();
}

#[test]
fn kare_parameter_gradient_matches_central_differences() {
    // Tolerance: |fd − analytic| ≤ 1e-6·max(|analytic|, 1e-3·max|∂KARE/∂θ|). Five-point central
    // differences with h = 1e-3 (truncation O(h⁴)), f64 throughout.
    for (depth, outputs) in [(1, 1), (2, 3), (3, 1)] {
        let mlp = net(3, depth, 5, outputs, 20 + depth as u64);
        let x = randn_tensor(8, 3, 21);
        let y = randn(8, outputs, 22);
        let inputs = NtkInputs::new(&x, None).unwrap();
        let g = kare_gradients(&mlp, &inputs, y.as_ref(), 0.1).unwrap();
        assert_eq!(g.kare, kare_of(&mlp, &inputs, &y));
        let flat: Vec<Vec<f64>> = g
            .grads
            .iter()
            .map(|t| t.flatten_all().unwrap().to_vec1::<f64>().unwrap())
            .collect();
        let gmax = flat.iter().flatten().fold(0f64, |m, v| m.max(v.abs()));
        let h = 1e-3;
        for (v, grads) in flat.iter().enumerate() {
            // Every entry of the small tensors, a spread of entries of the large ones.
            let step = (grads.len() / 7).max(1);
            for idx in (0..grads.len()).step_by(step) {
                let at = |s: f64| {
                    nudge(&mlp, v, idx, s * h);
                    let value = kare_of(&mlp, &inputs, &y);
                    nudge(&mlp, v, idx, -s * h);
                    value
                };
                let fd = (8.0 * (at(1.0) - at(-1.0)) - (at(2.0) - at(-2.0))) / (12.0 * h);
                let an = grads[idx];
                let tol = 1e-6 * an.abs().max(1e-3 * gmax);
                assert!(
                    (fd - an).abs() <= tol,
                    "depth {depth}, c {outputs}, {}[{idx}]: fd {fd:e} vs {an:e}",
                    mlp.names()[v]
                );
            }
        }
        // The output bias moves K by a constant: its gradient is returned, and is exactly zero.
        let out_bias = flat.last().unwrap();
        assert_eq!(out_bias.len(), outputs);
        assert!(out_bias.iter().all(|v| *v == 0.0));
        assert_eq!(g.grads.last().unwrap().dtype(), DType::F64);
    }
}

#[test]
fn kare_of_a_cross_kernel_is_refused() {
    let mlp = net(3, 1, 5, 1, 40);
    let (x, xs) = (randn_tensor(6, 3, 41), randn_tensor(4, 3, 42));
    let y = randn(6, 1, 43);
    let cross = NtkInputs::new(&x, Some(&xs)).unwrap();
    let err = kare_gradients(&mlp, &cross, y.as_ref(), 0.1).unwrap_err();
    assert!(err.to_string().contains("NtkInputs::new(x, None)"), "{err}");
}

/// The f32 `M⁻²` term moves `∂KARE/∂θ` by at most 1e-5 of its largest entry (f64 network,
/// n = 60, depth 2 × width 16, c = 1 and 3), and leaves KARE's value exactly as in f64.
#[test]
fn f32_inverse_square_keeps_the_gradient_within_1e_5() {
    use kare_ntk::{kare_gradients_in, KernelPrecision};
    for outputs in [1, 3] {
        let mlp = net(5, 2, 16, outputs, 50);
        let x = randn_tensor(60, 5, 51);
        let y = randn(60, outputs, 52);
        let inputs = NtkInputs::new(&x, None).unwrap();
        let at = |p| kare_gradients_in(&mlp, &inputs, y.as_ref(), 0.1, p).unwrap();
        let (g64, g32) = (at(KernelPrecision::F64), at(KernelPrecision::F32));
        assert_eq!(g64.kare, g32.kare);
        let err = rel_err(flat(&g32.grads).as_ref(), flat(&g64.grads).as_ref());
        assert!(err <= 1e-5, "c = {outputs}: {err:e}");
        assert!(err > 0.0, "the f32 path must differ from f64 at all");
    }
}
