//! The classical classifiers: smartcore's random forest and k-nearest neighbours, and
//! linfa-logistic's logistic regression (smartcore's L-BFGS runs to a fixed gradient tolerance
//! of 1e-8 that cannot be set: 18 s for one cell of the 18-class `audiology-std`). They see
//! class indices (the targets' ±1 coding mapped to `0..classes` by [`Input::strata`]) and their
//! predicted classes go back to ±1 labels. Each is tuned by the k-fold cross-validation of
//! [`Cv`] (the count of misclassified rows), ties going to the simplest model, then refitted on
//! every training row.
//!
//! The forest is grown one tree at a time, each tree a one-tree smartcore forest with its own
//! seed, and the trees vote (ties to the smallest class index, as in smartcore's forest):
//! smartcore 0.4's forest seeds every tree's feature sampling alike, so all its trees would
//! consider the same features at their root.

use std::collections::BTreeSet;

use linfa::traits::{Fit as _, Predict as _};
use linfa::DatasetBase;
use linfa_logistic::{LogisticRegression, MultiLogisticRegression};
use ndarray::{Array1, Array2};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use smartcore::algorithm::neighbour::KNNAlgorithmName;
use smartcore::ensemble::random_forest_classifier::{
    RandomForestClassifier, RandomForestClassifierParameters,
};
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::neighbors::knn_classifier::{KNNClassifier, KNNClassifierParameters};

use super::cv::{self, Cv};
use super::input::{gather, Input};
use super::result::Selection;
use super::{score, Baseline, BaselineConfig, BaselineResult, Criterion, Hyperparameter};
use crate::Result;

/// One point of a classifier's grid.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Model {
    /// A random forest whose leaves hold at least `min_leaf` rows.
    Forest { min_leaf: usize },
    /// k-NN: the majority class of the `k` nearest training rows (Euclidean distance).
    Knn { k: usize },
    /// Logistic regression (multinomial for more than two classes) with ridge penalty `α` per
    /// fitted row.
    Logistic { alpha: f64 },
}

/// Some rows of the features, as smartcore and as ndarray matrices.
struct Rows {
    smart: DenseMatrix<f64>,
    nd: Array2<f64>,
}

impl Rows {
    /// The rows `rows` of the row-major `x` with `d` columns.
    fn new(input: &Input, x: &[f64], rows: &[usize]) -> Result<Self> {
        let picked = gather(x, input.d, rows);
        let nd = Array2::from_shape_vec((rows.len(), input.d), picked)
            .map_err(|e| input.error(e.to_string()))?;
        // Column-major, smartcore's own layout.
        let columns = nd.t().iter().copied().collect();
        let smart = DenseMatrix::new(rows.len(), input.d, columns, true)
            .map_err(|e| input.error(e.to_string()))?;
        Ok(Self { smart, nd })
    }

    fn len(&self) -> usize {
        self.nd.nrows()
    }
}

/// What a model is fitted to: rows, their classes, the seeds of the forest's trees and the cap
/// on the logistic solver's iterations.
struct Fit<'a> {
    x: &'a Rows,
    y: &'a [u32],
    tree_seeds: &'a [u64],
    max_iterations: u64,
}

impl Model {
    /// Fits the model and predicts the class of each row of `eval`. A fit on one class
    /// predicts that class.
    fn fit_predict(self, fit: &Fit, eval: &Rows) -> Result<Vec<u32>, String> {
        if fit.y.iter().all(|&c| c == fit.y[0]) {
            return Ok(vec![fit.y[0]; eval.len()]);
        }
        let smartcore = |e: smartcore::error::Failed| format!("smartcore ({self:?}): {e}");
        let y = fit.y.to_vec();
        match self {
            Model::Forest { min_leaf } => forest(fit, eval, min_leaf).map_err(smartcore),
            Model::Knn { k } => {
                let params = KNNClassifierParameters::default()
                    .with_k(k)
                    .with_algorithm(KNNAlgorithmName::LinearSearch);
                KNNClassifier::fit(&fit.x.smart, &y, params)
                    .and_then(|model| model.predict(&eval.smart))
                    .map_err(smartcore)
            }
            Model::Logistic { alpha } => {
                logistic(fit, eval, alpha).map_err(|e| format!("linfa-logistic (α = {alpha}): {e}"))
            }
        }
    }

    /// The model's hyper-parameter, with `grid` (the models searched) as its grid.
    fn hyperparameter(self, grid: &[Model]) -> Hyperparameter {
        let value = |m: &Model| match *m {
            Model::Forest { min_leaf } => min_leaf as f64,
            Model::Knn { k } => k as f64,
            Model::Logistic { alpha } => alpha,
        };
        let name = match self {
            Model::Forest { .. } => "min_leaf",
            Model::Knn { .. } => "k",
            Model::Logistic { .. } => "α",
        };
        let mut values: Vec<f64> = grid.iter().map(value).collect();
        values.sort_by(f64::total_cmp);
        Hyperparameter::chosen(name, value(&self), &values)
    }
}

/// Logistic regression with penalty `α·n` on the summed log-loss of the `n` fitted rows (the
/// intercept unpenalised): binary for two classes, multinomial (softmax) for more.
fn logistic(fit: &Fit, eval: &Rows, alpha: f64) -> Result<Vec<u32>, linfa_logistic::error::Error> {
    let penalty = alpha * fit.y.len() as f64;
    let data = DatasetBase::new(fit.x.nd.view(), Array1::from(fit.y.to_vec()));
    let pred = if fit.y.iter().collect::<BTreeSet<_>>().len() == 2 {
        let params = LogisticRegression::default().alpha(penalty);
        let model = params.max_iterations(fit.max_iterations).fit(&data)?;
        model.predict(&eval.nd)
    } else {
        let params = MultiLogisticRegression::default().alpha(penalty);
        let model = params.max_iterations(fit.max_iterations).fit(&data)?;
        model.predict(&eval.nd)
    };
    Ok(pred.to_vec())
}

/// The forest's vote: one one-tree smartcore forest per seed, the most voted class per row.
fn forest(fit: &Fit, eval: &Rows, min_leaf: usize) -> Result<Vec<u32>, smartcore::error::Failed> {
    let classes = fit.y.iter().max().map_or(0, |&c| c as usize + 1);
    let mut votes = vec![vec![0u32; classes]; eval.len()];
    let y = fit.y.to_vec();
    for &seed in fit.tree_seeds {
        let params = RandomForestClassifierParameters::default()
            .with_n_trees(1)
            .with_min_samples_leaf(min_leaf)
            .with_seed(seed);
        let tree = RandomForestClassifier::fit(&fit.x.smart, &y, params)?;
        for (row, class) in votes.iter_mut().zip(tree.predict(&eval.smart)?) {
            row[class as usize] += 1;
        }
    }
    let first_max = |v: &Vec<u32>| (0..v.len()).fold(0, |b, j| if v[j] > v[b] { j } else { b });
    Ok(votes.iter().map(|v| first_max(v) as u32).collect())
}

/// The grid of `baseline` in simplicity order (simplest first): the forest's largest minimum
/// leaf, k-NN's largest `k`, logistic regression's largest α (the strongest penalty). k-NN
/// keeps only the `k` that every fit of the search has rows for.
fn grid(baseline: Baseline, config: &BaselineConfig, fewest_rows: usize) -> Vec<Model> {
    let mut grid: Vec<Model> = match baseline {
        Baseline::RandomForest => (config.forest_min_leaf_grid.iter())
            .map(|&min_leaf| Model::Forest { min_leaf })
            .collect(),
        Baseline::KNearest => (config.knn_k_grid.iter())
            .filter(|&&k| k <= fewest_rows)
            .map(|&k| Model::Knn { k })
            .collect(),
        _ => (config.logistic_alpha_grid.iter())
            .map(|&alpha| Model::Logistic { alpha })
            .collect(),
    };
    grid.reverse();
    grid
}

/// Fits one of the three classifiers (`baseline` is [`Baseline::RandomForest`],
/// [`Baseline::KNearest`] or [`Baseline::Logistic`]) on a classification task: the grid point
/// with the fewest cross-validation errors (folds and the forest's tree seeds drawn from
/// `seed`), ties to the simplest, then a refit on every training row and the test labels.
pub(crate) fn fit(
    input: &Input,
    baseline: Baseline,
    config: &BaselineConfig,
    seed: u64,
) -> Result<BaselineResult> {
    let cv = Cv::new(input, config.cv_folds, seed)?;
    let classes: Vec<u32> = input.strata().into_iter().map(|k| k as u32).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(3);
    let tree_seeds: Vec<u64> = (0..config.forest_trees).map(|_| rng.next_u64()).collect();
    let label = baseline.label(input.task);
    let fewest = cv.fit.iter().map(Vec::len).min().unwrap_or(0);
    let grid = grid(baseline, config, fewest);
    let run = |model: Model, fit_rows: &[usize], eval: &Rows| -> Result<Vec<f64>> {
        let x = Rows::new(input, input.x_train, fit_rows)?;
        let y: Vec<u32> = fit_rows.iter().map(|&r| classes[r]).collect();
        let fit = Fit {
            x: &x,
            y: &y,
            tree_seeds: &tree_seeds,
            max_iterations: config.logistic_max_iterations,
        };
        let pred = model.fit_predict(&fit, eval).map_err(|m| input.error(m))?;
        let pred: Vec<usize> = pred.into_iter().map(|k| k as usize).collect();
        Ok(score::encode(&pred, input.c))
    };
    let mut values = Vec::with_capacity(grid.len());
    for &model in &grid {
        values.push(cv.criterion(input, |_, fit_rows, val| {
            run(model, fit_rows, &Rows::new(input, input.x_train, val)?)
        })?);
    }
    let criterion = Criterion::CvError { folds: cv.k() };
    let choice = cv::choose(&values, cv::tie_margin(criterion)).ok_or_else(|| {
        let why = format!("the folds fit {fewest} rows, fewer than every grid value");
        input.error(format!("{label}: nothing to choose from ({why})"))
    })?;
    let all: Vec<usize> = (0..input.n_train).collect();
    let test_rows: Vec<usize> = (0..input.n_test).collect();
    let x_test = Rows::new(input, input.x_test, &test_rows)?;
    let test_pred = run(grid[choice.index], &all, &x_test)?;
    let hyperparameters = vec![grid[choice.index].hyperparameter(&grid)];
    let selection = Selection {
        criterion,
        values: &values,
        choice,
    };
    Ok(BaselineResult::scored(
        baseline,
        None,
        hyperparameters,
        selection,
        test_pred,
        input,
    ))
}
