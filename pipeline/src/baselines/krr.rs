//! Kernel ridge baselines on the core library's [`RidgePath`]: for each kernel parameter of the
//! grid one eigendecomposition of the training kernel, GCV at every λ̃, and the joint argmin.

use faer::Mat;
use kare_ntk::convert::mat_from_rows;
use kare_ntk::ridge::RidgePath;

use super::input::Input;
use super::kernels::{base_gram, base_matrix, scale, Base, Kernel};
use super::{score, Baseline, BaselineConfig, BaselineResult, Criterion};
use crate::Result;

/// The kernel of a kernel ridge baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Rbf,
    Laplacian,
    Polynomial,
}

impl Family {
    fn base(self) -> Base {
        match self {
            Family::Rbf => Base::SquaredDistance,
            Family::Laplacian => Base::L1Distance,
            Family::Polynomial => Base::Dot,
        }
    }

    fn baseline(self) -> Baseline {
        match self {
            Family::Rbf => Baseline::KrrRbf,
            Family::Laplacian => Baseline::KrrLaplacian,
            Family::Polynomial => Baseline::KrrPolynomial,
        }
    }

    /// The kernels searched, each with its multiplier `g`: `γ = g / scale`.
    fn candidates(self, scale: f64, config: &BaselineConfig) -> Vec<(f64, Kernel)> {
        match self {
            Family::Rbf => (config.krr_gamma_scales.iter())
                .map(|&g| (g, Kernel::Rbf { gamma: g / scale }))
                .collect(),
            Family::Laplacian => (config.krr_gamma_scales.iter())
                .map(|&g| (g, Kernel::Laplacian { gamma: g / scale }))
                .collect(),
            Family::Polynomial => (config.poly_degrees.iter())
                .flat_map(|&degree| {
                    config.poly_gamma_scales.iter().map(move |&g| {
                        let kernel = Kernel::Polynomial {
                            gamma: g / scale,
                            coef0: config.poly_coef0,
                            degree,
                        };
                        (g, kernel)
                    })
                })
                .collect(),
        }
    }
}

/// The best point of the search so far.
struct Best {
    g: f64,
    kernel: Kernel,
    rel: f64,
    gcv: f64,
    path: RidgePath,
}

/// Fits kernel ridge with the kernels of `family` on the training set, choosing the kernel
/// parameter and λ̃ by GCV (the first smallest finite value, kernels in grid order, then λ̃),
/// and predicts the test set.
pub(crate) fn fit(
    input: &Input,
    family: Family,
    config: &BaselineConfig,
) -> Result<BaselineResult> {
    let (n, c, d) = (input.n_train, input.c, input.d);
    let base = family.base();
    let gram = base_gram(base, input.x_train, d);
    let cross = base_matrix(base, input.x_test, input.x_train, d);
    let y = mat_from_rows(input.y_train, n, c, "training targets")?;
    let means: Vec<f64> = (0..c)
        .map(|j| (0..n).map(|i| y[(i, j)]).sum::<f64>() / n as f64)
        .collect();
    let centred = Mat::from_fn(n, c, |i, j| y[(i, j)] - means[j]);

    let mut best: Option<Best> = None;
    for (g, kernel) in family.candidates(scale(base, &gram), config) {
        let path = RidgePath::new(kernel.apply(&gram).as_ref(), centred.as_ref())?;
        let mut here: Option<(f64, f64)> = None;
        for &rel in &config.ridge_grid {
            let v = path.gcv(rel)?;
            if v.is_finite() && here.is_none_or(|(_, h)| v < h) {
                here = Some((rel, v));
            }
        }
        if let Some((rel, gcv)) = here {
            if best.as_ref().is_none_or(|b| gcv < b.gcv) {
                best = Some(Best {
                    g,
                    kernel,
                    rel,
                    gcv,
                    path,
                });
            }
        }
    }
    let best = best.ok_or_else(|| {
        input.error(format!(
            "{}: GCV is not finite anywhere on the grid",
            family.baseline().label(input.task)
        ))
    })?;

    let k_cross = best.kernel.apply(&cross);
    let pred = best.path.predict_grid(k_cross.as_ref(), &[best.rel])?;
    let test_pred: Vec<f64> = (0..input.n_test)
        .flat_map(|i| (0..c).map(move |j| (i, j)))
        .map(|(i, j)| pred[0][(i, j)] + means[j])
        .collect();
    Ok(BaselineResult {
        baseline: family.baseline(),
        model: family.baseline().label(input.task).to_owned(),
        kernel: best.kernel,
        gamma_scale: best.g,
        ridge_rel: Some(best.rel),
        svm_c: None,
        criterion: Criterion::Gcv,
        criterion_value: best.gcv,
        test_labels: score::labels(&test_pred, c, input.task),
        test_mse: score::mse(&test_pred, input.y_test),
        test_accuracy: score::accuracy(&test_pred, input.y_test, c, input.task),
        test_pred,
    })
}
