//! The structured NTK against the explicit `J Jᵀ` oracle.

use kare_ntk::ntk::{ntk, ntk_explicit, NtkInputs};

use crate::{net, randn_tensor, rel_err};

/// Tolerance: 1e-10 relative to the largest kernel entry (f64 throughout).
const TOL: f64 = 1e-10;

#[test]
fn structured_ntk_equals_explicit_jacobian_product() {
    let x = randn_tensor(7, 4, 1);
    let xs = randn_tensor(5, 4, 2);
    for outputs in [1, 3] {
        for depth in 0..=4 {
            let mlp = net(4, depth, 6, outputs, 10 + depth as u64);
            let k = ntk(&mlp, &NtkInputs::new(&x, None).unwrap()).unwrap();
            let oracle = ntk_explicit(&mlp, &x, &x).unwrap();
            let err = rel_err(k.as_ref(), oracle.as_ref());
            assert!(
                err < TOL,
                "K(X,X), c = {outputs}, depth {depth}: relative error {err:e}"
            );

            let kc = ntk(&mlp, &NtkInputs::new(&x, Some(&xs)).unwrap()).unwrap();
            let oracle = ntk_explicit(&mlp, &xs, &x).unwrap();
            let err = rel_err(kc.as_ref(), oracle.as_ref());
            assert!(
                err < TOL,
                "K(X*,X), c = {outputs}, depth {depth}: relative error {err:e}"
            );
        }
    }
}

#[test]
fn wrong_input_width_is_a_shape_error() {
    let mlp = net(4, 2, 6, 1, 0);
    let x = randn_tensor(5, 3, 0);
    let err = ntk(&mlp, &NtkInputs::new(&x, None).unwrap()).unwrap_err();
    assert!(err.to_string().contains("n×4"), "{err}");
}
