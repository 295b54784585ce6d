//! KARE and ∂KARE/∂K against finite differences, the eigendecomposition (GCV) route, and the
//! error cases.

use faer::Mat;
use kare_ntk::kare::{kare, kare_with_grad};
use kare_ntk::ridge::RidgePath;
use kare_ntk::Error;

use crate::{randn, random_kernel};

#[test]
fn kare_gradient_matches_central_differences() {
    // Tolerance: 1e-6 relative to max|G|, per entry. Five-point central differences with
    // h = 1e-3·max|K| (truncation O(h⁴), rounding ~1e-13 relative).
    let n = 9;
    for c in [1, 3] {
        let k = random_kernel(n, 5, 3);
        let y = randn(n, c, 4);
        let z = 0.1;
        let g = kare_with_grad(k.as_ref(), y.as_ref(), z).unwrap();
        let gmax = g.grad.norm_max();
        let h = 1e-3 * k.norm_max();
        for i in 0..n {
            for j in 0..=i {
                let bump = |s: f64| {
                    let mut kp = k.clone();
                    kp[(i, j)] += s * h;
                    if i != j {
                        kp[(j, i)] += s * h;
                    }
                    kare(kp.as_ref(), y.as_ref(), z).unwrap()
                };
                let fd = (8.0 * (bump(1.0) - bump(-1.0)) - (bump(2.0) - bump(-2.0))) / (12.0 * h);
                let analytic = if i == j {
                    g.grad[(i, i)]
                } else {
                    2.0 * g.grad[(i, j)]
                };
                assert!(
                    (fd - analytic).abs() < 1e-6 * gmax,
                    "c = {c}, entry ({i},{j}): finite difference {fd:e} vs analytic {analytic:e}"
                );
            }
        }
        // The gradient is symmetric and its value agrees with `kare`.
        assert!((&g.grad - g.grad.transpose()).norm_max() <= 1e-14 * gmax);
        assert_eq!(g.value, kare(k.as_ref(), y.as_ref(), z).unwrap());
    }
}

#[test]
fn kare_by_cholesky_equals_gcv_by_eigendecomposition() {
    // KARE(K, Y, z) = GCV of kernel ridge at λ = z, i.e. at λ̃ = z·n²/tr(K). Tolerance 1e-10 relative.
    for (n, rank, c) in [(30, 10, 1), (40, 60, 3)] {
        let k = random_kernel(n, rank, 7);
        let y = randn(n, c, 8);
        let path = RidgePath::new(k.as_ref(), y.as_ref()).unwrap();
        let trace: f64 = (0..n).map(|i| k[(i, i)]).sum();
        for z in [1e-3, 0.1, 10.0] {
            let by_cholesky = kare(k.as_ref(), y.as_ref(), z).unwrap();
            let by_eigen = path.gcv(z * (n * n) as f64 / trace).unwrap();
            let rel = (by_cholesky - by_eigen).abs() / by_eigen;
            assert!(
                rel < 1e-10,
                "n = {n}, c = {c}, z = {z}: {by_cholesky} vs {by_eigen} ({rel:e})"
            );
        }
    }
}

#[test]
fn indefinite_kernel_is_an_error_naming_the_pivot() {
    let n = 4;
    // K/n + 0.1·I has diagonal (0.35, 0.35, −9.9, 0.35): the third pivot (index 2) fails.
    let k = Mat::from_fn(n, n, |i, j| {
        if i != j {
            0.0
        } else if i == 2 {
            -40.0
        } else {
            1.0
        }
    });
    let y = randn(n, 1, 0);
    match kare(k.as_ref(), y.as_ref(), 0.1) {
        Err(Error::NotPositiveDefinite { pivot: 2, n: 4 }) => {}
        other => panic!("expected NotPositiveDefinite at pivot 2, got {other:?}"),
    }
    assert!(kare_with_grad(k.as_ref(), y.as_ref(), 0.1).is_err());
}

#[test]
fn bad_inputs_are_named_errors() {
    let k = random_kernel(5, 5, 1);
    let y = randn(5, 1, 2);
    let mut knan = k.clone();
    knan[(1, 3)] = f64::NAN;
    assert!(matches!(
        kare(knan.as_ref(), y.as_ref(), 0.1),
        Err(Error::NonFinite { index: 8, .. })
    ));
    assert!(matches!(
        kare(k.as_ref(), randn(4, 1, 0).as_ref(), 0.1),
        Err(Error::Shape(_))
    ));
    assert!(matches!(
        kare(k.as_ref(), y.as_ref(), 0.0),
        Err(Error::InvalidParameter(_))
    ));
}
