//! Kernel ridge baselines on the core library's [`RidgePath`]: for each kernel parameter of the
//! grid one eigendecomposition of the training kernel and GCV at every λ̃; the choice is the
//! smallest GCV, ties going to the simplest fit (see [`fit`]).

use std::cmp::Reverse;

use faer::Mat;
use kare_ntk::convert::mat_from_rows;
use kare_ntk::ridge::RidgePath;

use super::input::Input;
use super::kernels::{base_gram, base_matrix, scale, Base, Kernel};
use super::result::Selection;
use super::{cv, Baseline, BaselineConfig, BaselineResult, Criterion, Hyperparameter};
use crate::Result;

/// The kernel of a kernel ridge baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Rbf,
    Laplacian,
    Polynomial,
}

/// One kernel of the search, with its place in the grids.
struct Candidate {
    kernel: Kernel,
    /// The multiplier `g` (`γ = g / scale`) and its index in its grid.
    g: (f64, usize),
    /// The polynomial degree; 0 for the other kernels.
    degree: u32,
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

    /// The grid of `g` searched.
    fn g_grid(self, config: &BaselineConfig) -> &[f64] {
        match self {
            Family::Polynomial => &config.poly_gamma_scales,
            _ => &config.krr_gamma_scales,
        }
    }

    /// The kernels searched, `γ = g / scale`: every `g` (and every degree, for the polynomial
    /// kernel), in grid order.
    fn candidates(self, scale: f64, config: &BaselineConfig) -> Vec<Candidate> {
        let degrees = match self {
            Family::Polynomial => config.poly_degrees.clone(),
            _ => vec![0],
        };
        let kernel = |g: f64, degree: u32| match self {
            Family::Rbf => Kernel::Rbf { gamma: g / scale },
            Family::Laplacian => Kernel::Laplacian { gamma: g / scale },
            Family::Polynomial => Kernel::Polynomial {
                gamma: g / scale,
                coef0: config.poly_coef0,
                degree,
            },
        };
        let grid = self.g_grid(config);
        (degrees.into_iter())
            .flat_map(|degree| {
                (grid.iter().enumerate()).map(move |(gi, &g)| Candidate {
                    kernel: kernel(g, degree),
                    g: (g, gi),
                    degree,
                })
            })
            .collect()
    }
}

/// Training targets centred by their column means, and the means.
fn centre(input: &Input) -> Result<(Mat<f64>, Vec<f64>)> {
    let (n, c) = (input.n_train, input.c);
    let y = mat_from_rows(input.y_train, n, c, "training targets")?;
    let means: Vec<f64> = (0..c)
        .map(|j| (0..n).map(|i| y[(i, j)]).sum::<f64>() / n as f64)
        .collect();
    Ok((Mat::from_fn(n, c, |i, j| y[(i, j)] - means[j]), means))
}

/// Fits kernel ridge with the kernels of `family` on the training set, choosing the kernel
/// parameter and λ̃ by the smallest GCV, and predicts the test set. Ties (GCV within
/// [`cv::MSE_TIE`] of the smallest) go to the simplest fit: the smallest degree, then the
/// largest λ̃, then the smallest `g` (the widest bandwidth, the smoothest kernel).
pub(crate) fn fit(
    input: &Input,
    family: Family,
    config: &BaselineConfig,
) -> Result<BaselineResult> {
    let base = family.base();
    let gram = base_gram(base, input.x_train, input.d);
    let (centred, means) = centre(input)?;
    let kernels = family.candidates(scale(base, &gram), config);
    let ridges = &config.ridge_grid;
    let mut gcv = Vec::with_capacity(kernels.len());
    for cand in &kernels {
        let path = RidgePath::new(cand.kernel.apply(&gram).as_ref(), centred.as_ref())?;
        let row: kare_ntk::Result<Vec<f64>> = ridges.iter().map(|&rel| path.gcv(rel)).collect();
        gcv.push(row?);
    }
    let mut order: Vec<(usize, usize)> = (0..kernels.len())
        .flat_map(|ki| (0..ridges.len()).map(move |ri| (ki, ri)))
        .collect();
    order.sort_by_key(|&(ki, ri)| (kernels[ki].degree, Reverse(ri), kernels[ki].g.1));
    let values: Vec<f64> = order.iter().map(|&(ki, ri)| gcv[ki][ri]).collect();
    let label = family.baseline().label(input.task);
    let choice = cv::choose(&values, cv::tie_margin(Criterion::Gcv))
        .ok_or_else(|| input.error(format!("{label}: GCV is not finite anywhere on the grid")))?;
    let (ki, ri) = order[choice.index];
    let (best, rel) = (&kernels[ki], ridges[ri]);

    let path = RidgePath::new(best.kernel.apply(&gram).as_ref(), centred.as_ref())?;
    let cross = base_matrix(base, input.x_test, input.x_train, input.d);
    let pred = path.predict_grid(best.kernel.apply(&cross).as_ref(), &[rel])?;
    let c = input.c;
    let test_pred: Vec<f64> = (0..input.n_test)
        .flat_map(|i| (0..c).map(move |j| (i, j)))
        .map(|(i, j)| pred[0][(i, j)] + means[j])
        .collect();
    let mut hyperparameters = Vec::new();
    if family == Family::Polynomial {
        let degrees: Vec<f64> = config.poly_degrees.iter().map(|&v| f64::from(v)).collect();
        hyperparameters.push(Hyperparameter::chosen(
            "degree",
            f64::from(best.degree),
            &degrees,
        ));
    }
    hyperparameters.push(Hyperparameter::chosen("g", best.g.0, family.g_grid(config)));
    hyperparameters.push(Hyperparameter::chosen("λ̃", rel, ridges));
    let selection = Selection {
        criterion: Criterion::Gcv,
        values: &values,
        choice,
    };
    Ok(BaselineResult::scored(
        family.baseline(),
        Some(best.kernel),
        hyperparameters,
        selection,
        test_pred,
        input,
    ))
}
