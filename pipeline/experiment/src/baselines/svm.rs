//! The SVM baseline: linfa-svm's SMO solver with an RBF kernel, one binary SVC per target
//! column (one column for two classes, one-vs-rest for more) or one ε-SVR per column for
//! regression. `(C, γ)` is chosen by k-fold cross-validation on the training rows, then the
//! model is refitted on all of them.
//!
//! linfa-svm fits from the feature rows (it builds its own kernel matrix); the decision values
//! `Σ_t α_t·k(x_t, x) − ρ` are evaluated here from the fitted dual coefficients with the
//! kernels of [`super::kernels`], from one matrix of squared distances between the training
//! rows that serves every fold and every `(C, γ)`.

use faer::Mat;
use linfa::traits::Fit;
use linfa::DatasetBase;
use linfa_svm::Svm;
use ndarray::{ArrayView1, ArrayView2};

use super::cv::{self, Cv};
use super::input::{gather, Input};
use super::kernels::{base_gram, base_matrix, scale, submatrix, Base, Kernel};
use super::result::Selection;
use super::{Baseline, BaselineConfig, BaselineResult, Criterion, Hyperparameter};
use crate::Result;
use kare_data::Task;

/// One fitted column in dual form: `f(x) = shift + stretch·(Σ_t α_t·k(x_t, x) − ρ)`, where
/// `shift` and `stretch` undo SVR's standardisation of the targets (0 and 1 for SVC).
struct Dual {
    /// `n_fit × 1`.
    alpha: Mat<f64>,
    rho: f64,
    shift: f64,
    stretch: f64,
}

impl Dual {
    /// The column's predictions from `k_eval = K(X_eval, X_fit)`.
    fn decide(&self, k_eval: &Mat<f64>) -> Vec<f64> {
        let v = k_eval * &self.alpha;
        (0..v.nrows())
            .map(|i| self.shift + self.stretch * (v[(i, 0)] - self.rho))
            .collect()
    }
}

/// Runs a linfa-svm fit, turning a panic inside the solver into an error message (its
/// shrinking heuristic indexes out of bounds on some sets, which is why shrinking stays off;
/// a data set that trips another such path must not abort a whole experiment).
fn guarded<T>(fit: impl FnOnce() -> Result<T, linfa_svm::SvmError>) -> Result<T, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(fit)) {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => Err("the solver panicked".into()),
    }
}

/// Fits one column `y` (±1 labels, or real targets for regression) on the rows `x`.
fn fit_column(
    x: ArrayView2<'_, f64>,
    y: &[f64],
    regression: bool,
    gamma: f64,
    c: f64,
    config: &BaselineConfig,
) -> Result<Dual, String> {
    let n = y.len();
    let solver = |e: String| format!("linfa-svm (C = {c}, γ = {gamma:e}): {e}");
    if regression {
        let shift = y.iter().sum::<f64>() / n as f64;
        let sd = (y.iter().map(|v| (v - shift).powi(2)).sum::<f64>() / n as f64).sqrt();
        let stretch = if sd > 0.0 { sd } else { 1.0 };
        let t: Vec<f64> = y.iter().map(|v| (v - shift) / stretch).collect();
        let model = guarded(|| {
            Svm::<f64, f64>::params()
                .c_svr(c, Some(config.svr_epsilon))
                .gaussian_kernel(1.0 / gamma)
                .eps(config.svm_tolerance)
                .fit(&DatasetBase::new(x, ArrayView1::from(&t[..])))
        })
        .map_err(solver)?;
        return Ok(Dual {
            alpha: Mat::from_fn(n, 1, |i, _| model.alpha[i]),
            rho: model.rho,
            shift,
            stretch,
        });
    }
    let labels: Vec<bool> = y.iter().map(|v| *v > 0.0).collect();
    if labels.iter().all(|l| *l == labels[0]) {
        // One class only (a class absent from this part of the data): a constant decision.
        let sign = if labels[0] { 1.0 } else { -1.0 };
        return Ok(Dual {
            alpha: Mat::zeros(n, 1),
            rho: -sign,
            shift: 0.0,
            stretch: 1.0,
        });
    }
    let model = guarded(|| {
        Svm::<f64, bool>::params()
            .pos_neg_weights(c, c)
            .gaussian_kernel(1.0 / gamma)
            .eps(config.svm_tolerance)
            .fit(&DatasetBase::new(x, ArrayView1::from(&labels[..])))
    })
    .map_err(solver)?;
    Ok(Dual {
        alpha: Mat::from_fn(n, 1, |i, _| model.alpha[i]),
        rho: model.rho,
        shift: 0.0,
        stretch: 1.0,
    })
}

/// Fits every target column on the training rows `rows` and predicts the rows of `k_eval`
/// (`K(X_eval, X_rows)`): row-major `m × c`.
fn fit_predict(
    input: &Input,
    rows: &[usize],
    gamma: f64,
    c: f64,
    k_eval: &Mat<f64>,
    config: &BaselineConfig,
) -> Result<Vec<f64>> {
    let (d, cols) = (input.d, input.c);
    let x = gather(input.x_train, d, rows);
    let x = ArrayView2::from_shape((rows.len(), d), &x).map_err(|e| input.error(e.to_string()))?;
    let mut pred = vec![0.0; k_eval.nrows() * cols];
    for j in 0..cols {
        let y: Vec<f64> = rows.iter().map(|&r| input.y_train[r * cols + j]).collect();
        let regression = input.task == Task::Regression;
        let dual = fit_column(x, &y, regression, gamma, c, config).map_err(|m| input.error(m))?;
        for (i, v) in dual.decide(k_eval).into_iter().enumerate() {
            pred[i * cols + j] = v;
        }
    }
    Ok(pred)
}

/// The grid of `C`: the SVC's or the SVR's.
fn c_grid(input: &Input, config: &BaselineConfig) -> Vec<f64> {
    match input.task {
        Task::Regression => config.svr_c_grid.clone(),
        _ => config.svm_c_grid.clone(),
    }
}

/// The candidates `(C, g)` in simplicity order: the smallest `C` first, then the smallest `g`
/// (the widest bandwidth).
fn candidates(c_grid: &[f64], config: &BaselineConfig) -> Vec<(f64, f64)> {
    (c_grid.iter())
        .flat_map(|&c| config.svm_gamma_scales.iter().map(move |&g| (c, g)))
        .collect()
}

/// Fits the SVM baseline: `(C, g)` by the smallest k-fold cross-validation criterion on the
/// training rows (the count of misclassified rows for classes, the MSE for regression; folds
/// drawn with `seed`), ties ([`cv::tie_margin`]) going to the simplest candidate
/// ([`candidates`]); then a refit on every training row.
pub(crate) fn fit(input: &Input, config: &BaselineConfig, seed: u64) -> Result<BaselineResult> {
    let cv = Cv::new(input, config.cv_folds, seed)?;
    let gram = base_gram(Base::SquaredDistance, input.x_train, input.d);
    let width = scale(Base::SquaredDistance, &gram);
    let val_base: Vec<Mat<f64>> = (cv.val.iter().zip(&cv.fit))
        .map(|(val, fit)| submatrix(&gram, val, fit))
        .collect();
    let c_grid = c_grid(input, config);
    let grid = candidates(&c_grid, config);
    let mut values = Vec::with_capacity(grid.len());
    for &(c, g) in &grid {
        let kernel = Kernel::Rbf { gamma: g / width };
        values.push(cv.criterion(input, |fold, fit, _| {
            let k_val = kernel.apply(&val_base[fold]);
            fit_predict(input, fit, g / width, c, &k_val, config)
        })?);
    }
    let criterion = match input.task {
        Task::Regression => Criterion::CvMse { folds: cv.k() },
        _ => Criterion::CvError { folds: cv.k() },
    };
    let choice = cv::choose(&values, cv::tie_margin(criterion))
        .ok_or_else(|| input.error("svm: the cross-validation criterion is not finite".into()))?;
    let (c, g) = grid[choice.index];
    let kernel = Kernel::Rbf { gamma: g / width };

    let all_rows: Vec<usize> = (0..input.n_train).collect();
    let k_test = kernel.apply(&base_matrix(
        Base::SquaredDistance,
        input.x_test,
        input.x_train,
        input.d,
    ));
    let test_pred = fit_predict(input, &all_rows, g / width, c, &k_test, config)?;
    let hyperparameters = vec![
        Hyperparameter::chosen("C", c, &c_grid),
        Hyperparameter::chosen("g", g, &config.svm_gamma_scales),
    ];
    let selection = Selection {
        criterion,
        values: &values,
        choice,
    };
    Ok(BaselineResult::scored(
        Baseline::Svm,
        Some(kernel),
        hyperparameters,
        selection,
        test_pred,
        input,
    ))
}

#[cfg(test)]
mod tests {
    use linfa::traits::Predict;
    use ndarray::Array2;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    /// The decision values evaluated here from linfa's dual coefficients equal linfa's own
    /// (`Σ α·k − ρ`), for SVC and SVR, on off-centre data where `ρ` is far from zero.
    #[test]
    fn decisions_match_linfa_predictions() {
        let (n, m, d, gamma, c) = (40, 15, 3, 0.7, 10.0);
        let config = BaselineConfig::default();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let x: Vec<f64> = (0..n * d).map(|_| rng.random_range(0.0..2.0)).collect();
        let z: Vec<f64> = (0..m * d).map(|_| rng.random_range(0.0..2.0)).collect();
        let x_arr = Array2::from_shape_vec((n, d), x.clone()).unwrap();
        let z_arr = Array2::from_shape_vec((m, d), z.clone()).unwrap();
        let k = Kernel::Rbf { gamma }.apply(&base_matrix(Base::SquaredDistance, &z, &x, d));
        // Labels by an off-centre rule; regression targets already standardised, so that
        // linfa's model below predicts on the same scale.
        let labels: Vec<f64> = x
            .chunks(d)
            .map(|r| if r[0] + r[1] > 2.6 { 1.0 } else { -1.0 })
            .collect();
        let raw: Vec<f64> = x.chunks(d).map(|r| r[0] * r[1] + 0.3 * r[2]).collect();
        let mean = raw.iter().sum::<f64>() / n as f64;
        let sd = (raw.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        let targets: Vec<f64> = raw.iter().map(|v| (v - mean) / sd).collect();

        let ours = fit_column(x_arr.view(), &labels, false, gamma, c, &config).unwrap();
        let signs: Vec<bool> = labels.iter().map(|v| *v > 0.0).collect();
        let svc = Svm::<f64, bool>::params()
            .pos_neg_weights(c, c)
            .gaussian_kernel(1.0 / gamma)
            .eps(config.svm_tolerance)
            .fit(&DatasetBase::new(
                x_arr.view(),
                ArrayView1::from(&signs[..]),
            ))
            .unwrap();
        assert!(
            svc.rho.abs() > 0.1,
            "ρ = {}: the check needs an offset",
            svc.rho
        );
        for (i, mine) in ours.decide(&k).into_iter().enumerate() {
            let theirs = svc.weighted_sum(&z_arr.row(i)) - svc.rho;
            assert!(
                (mine - theirs).abs() < 1e-9,
                "SVC row {i}: {mine} vs {theirs}"
            );
        }

        let ours = fit_column(x_arr.view(), &targets, true, gamma, c, &config).unwrap();
        let svr = Svm::<f64, f64>::params()
            .c_svr(c, Some(config.svr_epsilon))
            .gaussian_kernel(1.0 / gamma)
            .eps(config.svm_tolerance)
            .fit(&DatasetBase::new(
                x_arr.view(),
                ArrayView1::from(&targets[..]),
            ))
            .unwrap();
        assert!(
            svr.rho.abs() > 0.01,
            "ρ = {}: the check needs an offset",
            svr.rho
        );
        for (i, mine) in ours.decide(&k).into_iter().enumerate() {
            let theirs = svr.predict(z_arr.row(i));
            assert!(
                (mine - theirs).abs() < 1e-9,
                "SVR row {i}: {mine} vs {theirs}"
            );
        }
    }
}
