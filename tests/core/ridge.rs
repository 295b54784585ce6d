//! Kernel ridge from one eigendecomposition against a direct Cholesky solve per ridge.

use faer::linalg::solvers::Solve;
use faer::{Mat, Side};
use kare_ntk::ridge::RidgePath;

use crate::{randn, rel_err};

#[test]
fn eigen_path_equals_direct_solve_on_the_whole_grid() {
    // Tolerance: 1e-10 relative to the largest prediction, for every λ̃ in 1e-5 … 1e5.
    let (n, m, d, c) = (25, 11, 40, 2);
    let features = randn(n + m, d, 5);
    let kall = &features * features.transpose();
    let k = kall.submatrix(0, 0, n, n).to_owned();
    let kc = kall.submatrix(n, 0, m, n).to_owned();
    let y = randn(n, c, 6);
    let path = RidgePath::new(k.as_ref(), y.as_ref()).unwrap();
    let grid: Vec<f64> = (-5..=5).map(|e| 10f64.powi(e)).collect();
    let tests = path.predict_grid(kc.as_ref(), &grid).unwrap();
    let nf = n as f64;
    for (rel, test_pred) in grid.iter().zip(&tests) {
        let lambda = path.lambda(*rel);
        let m_mat = Mat::from_fn(n, n, |i, j| {
            k[(i, j)] / nf + if i == j { lambda } else { 0.0 }
        });
        let alpha = m_mat.llt(Side::Lower).unwrap().solve(&y);
        let direct_test = &kc * &alpha / nf;
        let direct_train = &k * &alpha / nf;
        let e_test = rel_err(test_pred.as_ref(), direct_test.as_ref());
        let e_train = rel_err(
            path.predict_train(*rel).unwrap().as_ref(),
            direct_train.as_ref(),
        );
        let e_alpha = rel_err(path.alpha(*rel).unwrap().as_ref(), alpha.as_ref());
        assert!(
            e_test < 1e-10 && e_train < 1e-10 && e_alpha < 1e-10,
            "λ̃ = {rel}: {e_test:e} {e_train:e} {e_alpha:e}"
        );
        // GCV from the eigenvalues equals GCV from the direct residuals.
        let resid = &y - &direct_train;
        let hat_trace: f64 = {
            let inv = m_mat
                .llt(Side::Lower)
                .unwrap()
                .solve(Mat::<f64>::identity(n, n));
            let s = &k * &inv / nf;
            (0..n).map(|i| s[(i, i)]).sum()
        };
        let direct_gcv =
            resid.squared_norm_l2() / (nf * c as f64) / ((nf - hat_trace) / nf).powi(2);
        let gcv = path.gcv(*rel).unwrap();
        assert!(
            (gcv - direct_gcv).abs() < 1e-9 * direct_gcv,
            "λ̃ = {rel}: GCV {gcv} vs {direct_gcv}"
        );
    }
}

#[test]
fn gcv_choice_is_the_grid_minimum() {
    let k = {
        let a = randn(20, 8, 1);
        &a * a.transpose()
    };
    let y = randn(20, 1, 2);
    let path = RidgePath::new(k.as_ref(), y.as_ref()).unwrap();
    let grid = [1e-3, 1e-2, 1e-1, 1.0, 10.0];
    let chosen = path.select_by_gcv(&grid).unwrap();
    for rel in grid {
        assert!(path.gcv(chosen).unwrap() <= path.gcv(rel).unwrap());
    }
    assert!(
        path.predict_grid(randn(3, 19, 0).as_ref(), &grid).is_err(),
        "wrong cross-kernel width accepted"
    );
}
