//! Tests of the classical baselines on small synthetic sets whose answers are known, and
//! (ignored by default) their costs and choices on the project's real data.

use std::path::Path;
use std::time::Instant;

use faer::Mat;
use kare_ntk::ridge::RidgePath;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use super::cv::{choose, folds, tie_margin};
use super::kernels::{base_gram, base_matrix, scale, Base, Kernel};
use super::*;
use kare_data::{DataDir, Fold, Overrides, Prepared, Registry, Task};

/// A prepared set from row-major arrays.
fn prepared(
    x_train: Vec<f64>,
    x_test: Vec<f64>,
    d: usize,
    y_train: Vec<f64>,
    y_test: Vec<f64>,
    task: Task,
) -> Prepared {
    let c = match task {
        Task::Multiclass { classes } => classes,
        _ => 1,
    };
    Prepared {
        name: "toy".into(),
        n_train: x_train.len() / d,
        n_test: x_test.len() / d,
        x_train,
        x_test,
        d,
        y_train,
        y_test,
        c,
        task,
        checksum: String::new(),
        description: String::new(),
    }
}

/// Smaller grids than the defaults, to keep the tests fast.
fn small_config() -> BaselineConfig {
    BaselineConfig {
        krr_gamma_scales: vec![0.5, 1.0, 2.0, 4.0],
        poly_degrees: vec![2, 3],
        poly_gamma_scales: vec![1.0],
        svm_gamma_scales: vec![0.5, 2.0],
        svm_c_grid: vec![1.0, 100.0],
        knn_k_grid: vec![3, 5, 7],
        logistic_alpha_grid: vec![1e-3, 1e-2, 1e-1],
        forest_trees: 25,
        forest_min_leaf_grid: vec![1, 2, 4],
        ..BaselineConfig::default()
    }
}

/// The chosen value of the hyper-parameter `name`.
fn chosen(r: &BaselineResult, name: &str) -> f64 {
    let h = r.hyperparameters.iter().find(|h| h.name == name);
    h.unwrap_or_else(|| panic!("{}: no `{name}` in {:?}", r.model, r.hyperparameters))
        .value
}

/// `y = sin(2πx)` on `x ~ U[0, 1]`: noisy training targets, exact test targets.
fn sine(n_train: usize, n_test: usize, noise: f64, seed: u64) -> Prepared {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let z = Normal::new(0.0, 1.0).unwrap();
    let f = |x: f64| (2.0 * std::f64::consts::PI * x).sin();
    let x_train: Vec<f64> = (0..n_train).map(|_| rng.random::<f64>()).collect();
    let x_test: Vec<f64> = (0..n_test).map(|_| rng.random::<f64>()).collect();
    let y_train = x_train
        .iter()
        .map(|&x| f(x) + noise * z.sample(&mut rng))
        .collect();
    let y_test = x_test.iter().map(|&x| f(x)).collect();
    prepared(x_train, x_test, 1, y_train, y_test, Task::Regression)
}

/// Two classes in 2-D split by the line `x₀ + x₁ = 0.5` (off the origin, so the SVM's offset
/// matters), no point within 0.2 of it.
fn separable(n_train: usize, n_test: usize, seed: u64) -> Prepared {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut draw = |n: usize| {
        let (mut x, mut y) = (Vec::new(), Vec::new());
        while y.len() < n {
            let p: [f64; 2] = [rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)];
            let side = p[0] + p[1] - 0.5;
            if side.abs() > 0.2 {
                x.extend_from_slice(&p);
                y.push(side.signum());
            }
        }
        (x, y)
    };
    let (x_train, y_train) = draw(n_train);
    let (x_test, y_test) = draw(n_test);
    prepared(x_train, x_test, 2, y_train, y_test, Task::Binary)
}

/// Three Gaussian blobs (sd 0.5) at (0, 0), (5, 0), (0, 5), one-hot ±1 targets.
fn blobs(per_class_train: usize, per_class_test: usize, seed: u64) -> Prepared {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let normal = Normal::new(0.0, 0.5).unwrap();
    let centres = [[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]];
    let mut draw = |per_class: usize| {
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for _ in 0..per_class {
            for (k, c) in centres.iter().enumerate() {
                x.push(c[0] + normal.sample(&mut rng));
                x.push(c[1] + normal.sample(&mut rng));
                y.extend((0..3).map(|j| if j == k { 1.0 } else { -1.0 }));
            }
        }
        (x, y)
    };
    let (x_train, y_train) = draw(per_class_train);
    let (x_test, y_test) = draw(per_class_test);
    prepared(
        x_train,
        x_test,
        2,
        y_train,
        y_test,
        Task::Multiclass { classes: 3 },
    )
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * (1.0 + b.abs())
}

#[test]
fn kernel_matrices_match_hand_computed_entries() {
    // Points (0,0), (1,0), (1,2): squared distances 1, 5, 4; L1 distances 1, 3, 2;
    // inner products ⟨x₁,x₁⟩ = 1, ⟨x₁,x₂⟩ = 1, ⟨x₂,x₂⟩ = 5, and 0 with x₀.
    let x = [0.0, 0.0, 1.0, 0.0, 1.0, 2.0];
    let e = f64::exp;
    let rbf = (Kernel::Rbf { gamma: 0.5 }, Base::SquaredDistance);
    let lap = (Kernel::Laplacian { gamma: 0.5 }, Base::L1Distance);
    let poly = (
        Kernel::Polynomial {
            gamma: 0.5,
            coef0: 1.0,
            degree: 3,
        },
        Base::Dot,
    );
    let expect = [
        (
            rbf,
            [
                [1.0, e(-0.5), e(-2.5)],
                [e(-0.5), 1.0, e(-2.0)],
                [e(-2.5), e(-2.0), 1.0],
            ],
        ),
        (
            lap,
            [
                [1.0, e(-0.5), e(-1.5)],
                [e(-0.5), 1.0, e(-1.0)],
                [e(-1.5), e(-1.0), 1.0],
            ],
        ),
        (
            poly,
            [[1.0, 1.0, 1.0], [1.0, 3.375, 3.375], [1.0, 3.375, 42.875]],
        ),
    ];
    for ((kernel, base), want) in expect {
        let k = kernel.apply(&base_gram(base, &x, 2));
        for i in 0..3 {
            for j in 0..3 {
                assert!(
                    close(k[(i, j)], want[i][j]),
                    "{kernel:?} [{i},{j}]: {} vs {}",
                    k[(i, j)],
                    want[i][j]
                );
            }
        }
    }
    // A cross kernel is (rows of the first set) × (rows of the second): the point (1, 1)
    // against the three is at squared distances 2, 1, 1, L1 distances 2, 1, 1, products 0, 1, 3.
    let z = [1.0, 1.0];
    let cross = [
        (rbf, [e(-1.0), e(-0.5), e(-0.5)]),
        (lap, [e(-1.0), e(-0.5), e(-0.5)]),
        (poly, [1.0, 3.375, 15.625]),
    ];
    for ((kernel, base), want) in cross {
        let k = kernel.apply(&base_matrix(base, &z, &x, 2));
        assert_eq!((k.nrows(), k.ncols()), (1, 3));
        for j in 0..3 {
            assert!(
                close(k[(0, j)], want[j]),
                "{kernel:?} cross [{j}]: {} vs {}",
                k[(0, j)],
                want[j]
            );
        }
    }
}

#[test]
fn bandwidth_scales_are_median_distances_and_the_mean_product() {
    // Points (0,0), (1,0), (1,2): median squared distance 4, median L1 distance 2, mean
    // ⟨x, x⟩ = 2.
    let x = [0.0, 0.0, 1.0, 0.0, 1.0, 2.0];
    assert_eq!(
        scale(
            Base::SquaredDistance,
            &base_gram(Base::SquaredDistance, &x, 2)
        ),
        4.0
    );
    assert_eq!(
        scale(Base::L1Distance, &base_gram(Base::L1Distance, &x, 2)),
        2.0
    );
    assert_eq!(scale(Base::Dot, &base_gram(Base::Dot, &x, 2)), 2.0);
}

/// Gaussian classes in `d` dimensions whose means differ by `shift` in the first 20
/// coordinates: `rows` rows, the class of row `i` is `i mod classes`.
fn gaussian_classes(
    rows: usize,
    d: usize,
    classes: usize,
    shift: f64,
    rng: &mut ChaCha8Rng,
) -> (Vec<f64>, Vec<f64>) {
    let normal = Normal::new(0.0, 1.0).unwrap();
    let (mut x, mut y) = (Vec::with_capacity(rows * d), Vec::new());
    for i in 0..rows {
        let k = i % classes;
        let centre = |j: usize| match (classes, j < 20) {
            (2, true) => shift * if k == 0 { 1.0 } else { -1.0 },
            (_, true) => shift * f64::from(u8::from(j % classes == k)),
            _ => 0.0,
        };
        x.extend((0..d).map(|j| normal.sample(rng) + centre(j)));
        match classes {
            2 => y.push(if k == 0 { 1.0 } else { -1.0 }),
            _ => y.extend((0..classes).map(|j| if j == k { 1.0 } else { -1.0 })),
        }
    }
    (x, y)
}

/// Two or more overlapping Gaussian classes ([`gaussian_classes`]) as a prepared set.
fn overlapping(n_train: usize, n_test: usize, d: usize, classes: usize, seed: u64) -> Prepared {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (x_train, y_train) = gaussian_classes(n_train, d, classes, 0.6, &mut rng);
    let (x_test, y_test) = gaussian_classes(n_test, d, classes, 0.6, &mut rng);
    let task = match classes {
        2 => Task::Binary,
        _ => Task::Multiclass { classes },
    };
    prepared(x_train, x_test, d, y_train, y_test, task)
}

#[test]
fn krr_rbf_recovers_a_smooth_function() {
    let prep = sine(80, 200, 0.05, 1);
    let r = run_baseline(&prep, Baseline::KrrRbf, &small_config(), 0).unwrap();
    assert_eq!(r.model, "krr-rbf");
    assert_eq!(r.criterion, Criterion::Gcv);
    assert!(r.test_labels.is_none() && r.test_accuracy.is_none());
    assert_eq!(r.test_pred.len(), 200);
    // Regression: the MSE is that of the predictions themselves.
    assert_eq!(r.test_mse, score::mse(&r.test_pred, &prep.y_test));
    // Var(sin 2πx) = 0.5; the noise variance is 0.0025. A recovered function is far below both.
    let text = r.hyperparameters_text();
    assert!(r.test_mse < 1e-3, "test MSE {} ({text})", r.test_mse);
    // Every kernel ridge baseline learns it, if less well for the rougher Laplacian kernel.
    for b in [Baseline::KrrLaplacian, Baseline::KrrPolynomial] {
        let r = run_baseline(&prep, b, &small_config(), 0).unwrap();
        assert!(r.test_mse < 0.05, "{}: test MSE {}", r.model, r.test_mse);
    }
}

#[test]
fn gcv_choice_is_the_argmin_over_kernels_and_ridges() {
    let prep = sine(60, 20, 0.3, 2);
    let config = small_config();
    let r = run_baseline(&prep, Baseline::KrrRbf, &config, 0).unwrap();
    let gram = base_gram(Base::SquaredDistance, &prep.x_train, 1);
    let mean = prep.y_train.iter().sum::<f64>() / 60.0;
    let y = Mat::from_fn(60, 1, |i, _| prep.y_train[i] - mean);
    let mut argmin = (f64::NAN, f64::NAN, f64::INFINITY);
    for &g in &config.krr_gamma_scales {
        let kernel = Kernel::Rbf {
            gamma: g / scale(Base::SquaredDistance, &gram),
        };
        let path = RidgePath::new(kernel.apply(&gram).as_ref(), y.as_ref()).unwrap();
        for &rel in &config.ridge_grid {
            let v = path.gcv(rel).unwrap();
            if v < argmin.2 {
                argmin = (g, rel, v);
            }
        }
    }
    assert_eq!(chosen(&r, "g"), argmin.0);
    assert_eq!(chosen(&r, "λ̃"), argmin.1);
    assert_eq!(r.criterion_value, argmin.2);
    // The record names both grids; with noise sd 0.3 the ridge is interior.
    let ridge = &r.hyperparameters[1];
    assert_eq!(ridge.name, "λ̃");
    assert_eq!(ridge.grid_len, config.ridge_grid.len());
    assert_eq!(ridge.grid_min, config.ridge_grid[0]);
    assert!(!ridge.at_edge, "{}", r.hyperparameters_text());
    assert_eq!(r.hyperparameters[0].grid_max, 4.0);
}

#[test]
fn hyperparameters_record_their_grids_and_edges() {
    let grid = [0.1, 1.0, 10.0];
    let edge = Hyperparameter::chosen("C", 10.0, &grid);
    assert_eq!(
        (edge.grid_min, edge.grid_max, edge.grid_len, edge.at_edge),
        (0.1, 10.0, 3, true)
    );
    assert!(Hyperparameter::chosen("C", 0.1, &grid).at_edge);
    assert!(!Hyperparameter::chosen("C", 1.0, &grid).at_edge);
    // A grid of two values has no interior, so no choice from it counts as an edge.
    assert!(!Hyperparameter::chosen("C", 1.0, &[1.0, 2.0]).at_edge);

    let r = BaselineResult {
        baseline: Baseline::KrrRbf,
        model: "krr-rbf".into(),
        kernel: Some(Kernel::Rbf { gamma: 1.234e-3 }),
        hyperparameters: vec![
            Hyperparameter::chosen("g", 0.5, &[0.25, 0.5, 1.0]),
            Hyperparameter::chosen("λ̃", 0.01, &[1e-6, 1e-4, 1e-2]),
        ],
        criterion: Criterion::Gcv,
        criterion_value: 0.1,
        ties: 1,
        grid_points: 9,
        test_pred: vec![],
        test_labels: None,
        test_mse: 0.0,
        test_accuracy: None,
    };
    assert_eq!(
        r.hyperparameters_text(),
        "kernel=rbf γ=1.234e-3 g=0.5 λ̃=1e-2"
    );
    assert_eq!(r.edges(), vec!["λ̃"]);
    assert_eq!(Criterion::Gcv.text(), "GCV");
    assert_eq!(Criterion::CvError { folds: 5 }.text(), "5-fold CV error");
    assert_eq!(Criterion::CvMse { folds: 3 }.text(), "3-fold CV MSE");
    let json = serde_json::to_string(&[Criterion::Gcv, Criterion::CvError { folds: 5 }]).unwrap();
    assert_eq!(json, r#"["gcv",{"cv-error":{"folds":5}}]"#);
}

#[test]
fn svc_separates_a_linearly_separable_set() {
    let prep = separable(80, 60, 3);
    let r = run_baseline(&prep, Baseline::Svm, &small_config(), 0).unwrap();
    assert_eq!(r.model, "svc-rbf");
    assert_eq!(r.criterion, Criterion::CvError { folds: 3 });
    // A fold's fit may leave a held-out row near the margin on the wrong side.
    assert!(r.criterion_value <= 2.0, "{} CV errors", r.criterion_value);
    let text = r.hyperparameters_text();
    assert_eq!(r.test_accuracy, Some(1.0), "{text}");
    assert!(
        text.starts_with("kernel=rbf γ=") && text.contains(" C="),
        "{text}"
    );
    let labels = r.test_labels.unwrap();
    assert_eq!(labels, prep.y_test);
    assert!(labels.contains(&1.0) && labels.contains(&-1.0));
    // The decision values are kept, but the MSE is that of the labels: zero here.
    assert_eq!(r.test_mse, 0.0);
    assert!(score::mse(&r.test_pred, &prep.y_test) > 0.0);
}

#[test]
fn every_classifier_separates_easy_classes() {
    let config = small_config();
    let (line, three) = (separable(80, 60, 3), blobs(15, 10, 4));
    for b in Baseline::ALL {
        let r = run_baseline(&three, b, &config, 0).unwrap();
        let text = r.hyperparameters_text();
        assert_eq!(r.test_accuracy, Some(1.0), "{}: {text}", r.model);
        assert_eq!(r.test_pred.len(), 30 * 3);
        assert_eq!(r.test_labels.as_ref(), Some(&three.y_test));
        if b.needs_classes() {
            let r = run_baseline(&line, b, &config, 0).unwrap();
            let acc = r.test_accuracy.unwrap();
            // Logistic regression fits the separating line; the others approximate it.
            let least = if b == Baseline::Logistic { 1.0 } else { 0.95 };
            assert!(acc >= least, "{}: accuracy {acc}", r.model);
            assert_eq!(r.criterion, Criterion::CvError { folds: 3 });
            assert_eq!(Some(r.test_pred.clone()), r.test_labels);
        }
    }
}

#[test]
fn test_mse_of_a_classification_is_that_of_its_labels() {
    let config = small_config();
    // Overlapping classes, so that every model makes some errors.
    let (two, four) = (
        overlapping(120, 80, 3, 2, 13),
        overlapping(120, 80, 3, 4, 14),
    );
    for b in Baseline::ALL {
        for (prep, factor) in [(&two, 4.0), (&four, 8.0 / 4.0)] {
            let r = run_baseline(prep, b, &config, 0).unwrap();
            let error_rate = 1.0 - r.test_accuracy.unwrap();
            assert!(error_rate > 0.0, "{}: no test error", r.model);
            // A wrong ±1 label is off by 2 (4 squared); a wrong one-hot row by 2 in two of c
            // columns (8/c on average over the columns).
            let want = factor * error_rate;
            assert!(
                (r.test_mse - want).abs() <= 1e-12,
                "{} c={}: test MSE {} vs {want}",
                r.model,
                prep.c,
                r.test_mse
            );
            let labels = r.test_labels.as_ref().unwrap();
            assert_eq!(r.test_mse, score::mse(labels, &prep.y_test));
        }
    }
}

#[test]
fn a_class_absent_from_training_is_never_predicted() {
    // Blobs of classes 0 and 1 only in training; the third column is all −1 there, so its
    // one-vs-rest classifier is the constant −1 and the test rows (of classes 0 and 1) are
    // still all classified right.
    let mut prep = blobs(12, 6, 12);
    let keep = |y: &[f64], x: &[f64]| -> (Vec<f64>, Vec<f64>) {
        let rows = y.chunks(3).zip(x.chunks(2)).filter(|(t, _)| t[2] < 0.0);
        let (ys, xs): (Vec<_>, Vec<_>) = rows.unzip();
        (ys.concat(), xs.concat())
    };
    (prep.y_train, prep.x_train) = keep(&prep.y_train, &prep.x_train);
    (prep.y_test, prep.x_test) = keep(&prep.y_test, &prep.x_test);
    (prep.n_train, prep.n_test) = (24, 12);
    let r = run_baseline(&prep, Baseline::Svm, &small_config(), 0).unwrap();
    assert_eq!(r.test_accuracy, Some(1.0), "{}", r.hyperparameters_text());
    assert!(
        r.test_pred.chunks(3).all(|p| p[2] == -1.0),
        "{:?}",
        r.test_pred
    );
    for b in [
        Baseline::RandomForest,
        Baseline::KNearest,
        Baseline::Logistic,
    ] {
        let r = run_baseline(&prep, b, &small_config(), 0).unwrap();
        assert_eq!(r.test_accuracy, Some(1.0), "{}", r.model);
    }
}

#[test]
fn svr_fits_the_identity_on_a_line() {
    // y = x + 3: the offset checks that SVR's target standardisation is undone.
    let x_train: Vec<f64> = (0..41).map(|i| -1.0 + 0.05 * f64::from(i)).collect();
    let x_test: Vec<f64> = (0..30)
        .map(|i| -0.9 + 0.06 * f64::from(i) + 0.013)
        .collect();
    let line = |x: &[f64]| x.iter().map(|v| v + 3.0).collect::<Vec<f64>>();
    let (y_train, y_test) = (line(&x_train), line(&x_test));
    let prep = prepared(
        x_train,
        x_test,
        1,
        y_train,
        y_test.clone(),
        Task::Regression,
    );
    let r = run_baseline(&prep, Baseline::Svm, &small_config(), 0).unwrap();
    assert_eq!(r.model, "svr-rbf");
    assert_eq!(r.criterion, Criterion::CvMse { folds: 3 });
    // ε = 0.1 on standardised targets (sd ≈ 0.6): a tube of ±0.06 around the line.
    let errors = r.test_pred.iter().zip(&y_test).map(|(p, t)| (p - t).abs());
    let worst = errors.fold(0.0, f64::max);
    let text = r.hyperparameters_text();
    assert!(worst < 0.1, "max |error| {worst} ({text})");
    assert!(r.test_mse < 2e-3, "test MSE {}", r.test_mse);
}

#[test]
fn folds_are_stratified_seeded_and_cover_every_row_once() {
    // 50 rows of class 0, 11 of class 1, 3 of class 2, in a scrambled order.
    let sorted: Vec<usize> = [(0, 50), (1, 11), (2, 3)]
        .iter()
        .flat_map(|&(k, m)| std::iter::repeat_n(k, m))
        .collect();
    let strata: Vec<usize> = (0..64).map(|i| sorted[(i * 37) % 64]).collect();
    let f = folds(&strata, 5, 9).unwrap();
    assert_eq!(folds(&strata, 5, 9).unwrap(), f);
    assert_ne!(folds(&strata, 5, 10).unwrap(), f);
    assert_eq!(f.len(), 5);
    let mut all = f.concat();
    all.sort_unstable();
    assert_eq!(
        all,
        (0..64).collect::<Vec<_>>(),
        "a row in two folds or none"
    );
    for fold in &f {
        assert!(fold.windows(2).all(|w| w[0] < w[1]));
        assert!(
            (12..=13).contains(&fold.len()),
            "fold of {} rows",
            fold.len()
        );
        for (k, m) in [(0, 50), (1, 11), (2, 3)] {
            let here = fold.iter().filter(|&&r| strata[r] == k).count();
            assert!(
                here == m / 5 || here == m.div_ceil(5),
                "class {k}: {here} rows"
            );
        }
    }
    // Fewer rows than folds: one fold per row, none empty.
    let f = folds(&[0, 1, 1], 5, 0).unwrap();
    assert_eq!(f.len(), 3);
    assert!(f.iter().all(|fold| fold.len() == 1));
    let err = folds(&[0], 5, 0).unwrap_err();
    assert!(err.contains("too few for cross-validation"), "{err}");
}

#[test]
fn choose_takes_the_smallest_and_the_first_of_ties() {
    let count = tie_margin(Criterion::CvError { folds: 3 });
    let pick = |values: &[f64]| choose(values, count).map(|c| (c.index, c.ties));
    assert_eq!(pick(&[3.0, 1.0, 1.0, 2.0]), Some((1, 2)));
    assert_eq!(pick(&[1001.0, 1000.0]), Some((1, 1)));
    assert_eq!(pick(&[f64::NAN, 2.0, f64::INFINITY]), Some((1, 1)));
    assert_eq!(choose(&[f64::NAN, f64::INFINITY], count), None);
    assert_eq!(choose(&[], count), None);
    // GCV and CV MSE tie within a relative 1e-3; beyond it they do not.
    let mse = tie_margin(Criterion::Gcv);
    assert_eq!(mse, tie_margin(Criterion::CvMse { folds: 3 }));
    let pick = |values: &[f64]| choose(values, mse).map(|c| (c.index, c.ties));
    assert_eq!(pick(&[0.10009, 0.1, 0.10005, 0.2]), Some((0, 3)));
    assert_eq!(pick(&[0.1011, 0.1]), Some((1, 1)));
}

#[test]
fn ties_go_to_the_simplest_model() {
    // Every training label is +1: each candidate predicts +1 on every fold, so every grid
    // point ties (no error; for kernel ridge, centred targets of zero and GCV zero).
    let mut prep = separable(20, 10, 15);
    prep.y_train = vec![1.0; 20];
    let config = BaselineConfig::default();
    let r = |b| run_baseline(&prep, b, &config, 0).unwrap();
    let svm = r(Baseline::Svm);
    assert_eq!(svm.criterion_value, 0.0);
    let points = config.svm_c_grid.len() * config.svm_gamma_scales.len();
    assert_eq!((svm.ties, svm.grid_points), (points, points));
    assert_eq!(chosen(&svm, "C"), config.svm_c_grid[0]);
    assert_eq!(chosen(&svm, "g"), config.svm_gamma_scales[0]);
    let poly = r(Baseline::KrrPolynomial);
    assert_eq!(chosen(&poly, "degree"), f64::from(config.poly_degrees[0]));
    assert_eq!(chosen(&poly, "λ̃"), *config.ridge_grid.last().unwrap());
    assert_eq!(chosen(&poly, "g"), config.poly_gamma_scales[0]);
    let rbf = r(Baseline::KrrRbf);
    assert_eq!(chosen(&rbf, "λ̃"), *config.ridge_grid.last().unwrap());
    assert_eq!(chosen(&rbf, "g"), config.krr_gamma_scales[0]);
    // Three folds of 6 or 7 rows leave 13 or 14 to fit: k-NN's largest usable k is 13.
    assert_eq!(chosen(&r(Baseline::KNearest), "k"), 13.0);
    let alpha = *config.logistic_alpha_grid.last().unwrap();
    assert_eq!(chosen(&r(Baseline::Logistic), "α"), alpha);
    let leaf = *config.forest_min_leaf_grid.last().unwrap() as f64;
    assert_eq!(chosen(&r(Baseline::RandomForest), "min_leaf"), leaf);

    // Three far-apart blobs: every k of the small grid classifies every held-out row right.
    let knn = run_baseline(&blobs(15, 5, 16), Baseline::KNearest, &small_config(), 0).unwrap();
    assert_eq!((knn.criterion_value, chosen(&knn, "k")), (0.0, 7.0));
    assert!(knn.hyperparameters[0].at_edge);
}

/// The classes of brute-force k-NN: the majority class of the `k` nearest training rows
/// (Euclidean), for two classes and odd `k` (no vote ties).
fn brute_knn(prep: &Prepared, k: usize) -> Vec<f64> {
    let d = prep.d;
    prep.x_test
        .chunks(d)
        .map(|z| {
            let mut dist: Vec<(f64, f64)> = (prep.x_train.chunks(d).zip(&prep.y_train))
                .map(|(x, &y)| (x.iter().zip(z).map(|(a, b)| (a - b).powi(2)).sum(), y))
                .collect();
            dist.sort_by(|a, b| a.0.total_cmp(&b.0));
            let plus = dist[..k].iter().filter(|(_, y)| *y > 0.0).count();
            if 2 * plus > k {
                1.0
            } else {
                -1.0
            }
        })
        .collect()
}

#[test]
fn knn_agrees_with_brute_force_neighbours() {
    let prep = overlapping(150, 60, 3, 2, 17);
    let r = run_baseline(&prep, Baseline::KNearest, &BaselineConfig::default(), 0).unwrap();
    let k = chosen(&r, "k") as usize;
    assert_eq!(r.test_labels.unwrap(), brute_knn(&prep, k), "k = {k}");
}

/// Ridge-penalised binary logistic regression by Newton's method: minimises
/// `Σ log(1 + exp(−yᵢ(w·xᵢ + b))) + (penalty/2)‖w‖²`; returns `(w, b)`.
fn newton_logistic(x: &[f64], y: &[f64], d: usize, penalty: f64) -> Vec<f64> {
    let p = d + 1;
    let mut w = vec![0.0; p];
    for _ in 0..50 {
        let (mut grad, mut hess) = (vec![0.0; p], Mat::<f64>::zeros(p, p));
        for (row, &t) in x.chunks(d).zip(y) {
            let z: Vec<f64> = row.iter().copied().chain([1.0]).collect();
            let s = 1.0 / (1.0 + (-w.iter().zip(&z).map(|(a, b)| a * b).sum::<f64>()).exp());
            let target = if t > 0.0 { 1.0 } else { 0.0 };
            for i in 0..p {
                grad[i] += (s - target) * z[i];
                for j in 0..p {
                    hess[(i, j)] += s * (1.0 - s) * z[i] * z[j];
                }
            }
        }
        for i in 0..d {
            grad[i] += penalty * w[i];
            hess[(i, i)] += penalty;
        }
        let g = Mat::from_fn(p, 1, |i, _| grad[i]);
        let step = faer::linalg::solvers::Solve::solve(&hess.partial_piv_lu(), &g);
        for i in 0..p {
            w[i] -= step[(i, 0)];
        }
    }
    w
}

#[test]
fn logistic_regression_agrees_with_newtons_method() {
    let prep = overlapping(200, 100, 3, 2, 18);
    let config = BaselineConfig {
        logistic_alpha_grid: vec![1e-2],
        ..BaselineConfig::default()
    };
    let r = run_baseline(&prep, Baseline::Logistic, &config, 0).unwrap();
    let w = newton_logistic(&prep.x_train, &prep.y_train, 3, 1e-2 * 200.0);
    let labels = r.test_labels.unwrap();
    for (i, z) in prep.x_test.chunks(3).enumerate() {
        let margin = z.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>() + w[3];
        // smartcore's L-BFGS stops near the optimum: rows within 1e-3 of the boundary may fall
        // either way.
        if margin.abs() > 1e-3 {
            assert_eq!(labels[i], margin.signum(), "row {i}: margin {margin}");
        }
    }
}

#[test]
fn the_classifiers_refuse_a_regression_task() {
    let prep = sine(30, 10, 0.1, 19);
    for (b, name) in [
        (Baseline::RandomForest, "random-forest"),
        (Baseline::KNearest, "knn"),
        (Baseline::Logistic, "logistic"),
    ] {
        assert!(b.needs_classes());
        let m = run_baseline(&prep, b, &small_config(), 0)
            .unwrap_err()
            .to_string();
        assert!(
            m.contains(&format!("{name} needs a classification task")),
            "{m}"
        );
    }
    assert!(!Baseline::Svm.needs_classes() && !Baseline::KrrRbf.needs_classes());
}

#[test]
fn same_inputs_give_the_same_outputs() {
    let config = small_config();
    for (prep, count) in [
        (separable(50, 20, 5), 7),
        (blobs(8, 4, 6), 7),
        (sine(40, 10, 0.1, 7), 4),
    ] {
        let a = run_baselines_with(&prep, &config, 11).unwrap();
        let b = run_baselines_with(&prep, &config, 11).unwrap();
        assert_eq!(a.len(), count);
        assert_eq!(a, b, "{:?}", prep.task);
    }
    // The forest's trees are drawn from the seed: another seed, other trees (on noisy classes
    // some test row's vote changes).
    let prep = overlapping(100, 100, 4, 2, 20);
    let forest = |seed| run_baseline(&prep, Baseline::RandomForest, &config, seed).unwrap();
    assert_eq!(forest(3), forest(3));
    assert_ne!(forest(3).test_pred, forest(4).test_pred);
}

#[test]
fn bad_input_gives_a_clear_error() {
    let config = small_config();
    let message = |p: &Prepared| run_baselines_with(p, &config, 0).unwrap_err().to_string();

    let mut p = separable(20, 5, 8);
    p.x_train[3] = f64::NAN;
    let m = message(&p);
    assert!(
        m.contains("`toy`") && m.contains("x_train[row 1, column 1] is NaN"),
        "{m}"
    );

    let mut p = separable(20, 5, 8);
    p.x_test.pop();
    let m = message(&p);
    assert!(
        m.contains("x_test holds 9 values but its shape is 5×2"),
        "{m}"
    );

    let mut p = separable(20, 5, 8);
    (p.x_train, p.y_train, p.n_train) = (vec![], vec![], 0);
    assert!(
        message(&p).contains("empty training set"),
        "{}",
        message(&p)
    );

    let mut p = separable(20, 5, 8);
    p.y_train[4] = 0.5;
    let m = message(&p);
    assert!(m.contains("y_train row 4 holds 0.5, not a ±1 label"), "{m}");

    let mut p = blobs(3, 2, 8);
    p.y_test[0] = -1.0; // row 0 now has no +1
    let m = message(&p);
    assert!(m.contains("y_test row 0 is not one-hot"), "{m}");

    let mut p = separable(20, 5, 8);
    p.c = 2;
    let m = message(&p);
    assert!(m.contains("binary task has 1 target column"), "{m}");

    // One row cannot be cross-validated; kernel ridge (GCV) still runs on it.
    let p = prepared(vec![0.0], vec![0.5], 1, vec![1.0], vec![1.0], Task::Binary);
    let m = message(&p);
    assert!(
        m.contains("1 training rows are too few for cross-validation"),
        "{m}"
    );
    assert!(run_baseline(&p, Baseline::KrrRbf, &config, 0).is_ok());
}

#[test]
fn bad_config_gives_a_clear_error() {
    let data = separable(20, 5, 8);
    let refused = |bad: BaselineConfig| {
        let m = run_baselines_with(&data, &bad, 0).unwrap_err().to_string();
        assert!(m.starts_with("baselines on `toy`: config: "), "{m}");
        m
    };
    let m = refused(BaselineConfig {
        svm_c_grid: vec![],
        ..small_config()
    });
    assert!(m.contains("`svm_c_grid` is empty"), "{m}");
    let m = refused(BaselineConfig {
        ridge_grid: vec![1.0, 0.1],
        ..small_config()
    });
    assert!(
        m.contains("`ridge_grid` must be strictly increasing"),
        "{m}"
    );
    let m = refused(BaselineConfig {
        knn_k_grid: vec![1, 3],
        ..small_config()
    });
    assert!(m.contains("`knn_k_grid` holds 1; need ≥ 2"), "{m}");
    let m = refused(BaselineConfig {
        cv_folds: 1,
        ..small_config()
    });
    assert!(m.contains("`cv_folds` is 1"), "{m}");
}

// ----------------------------------------------------------------------------------------
// The real data (the project's shared collection), skipped when it is absent. Run on one
// thread, as the experiment runner runs a cell:
// `RAYON_NUM_THREADS=1 cargo test --release -p kare-experiment baselines::tests::real -- --ignored --nocapture --test-threads 1`

/// The project's registry and data directory, when the shared collection is present.
fn real_data() -> Option<(Registry, DataDir)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("../../../shared/datasets");
    if !dir.is_dir() {
        eprintln!("skipped: {} is absent", dir.display());
        return None;
    }
    let registry = Registry::from_file(&root.join("../../datasets.toml")).unwrap();
    Some((registry, DataDir::at(dir)))
}

/// Choices of a set of results: how many, how many at a grid edge, and of those how many
/// were decided by the tie rule (several grid points tied) and how many because the whole
/// grid tied.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    choices: usize,
    edges: usize,
    tie_decided: usize,
    all_tied: usize,
}

impl Tally {
    fn add(&mut self, r: &BaselineResult) {
        let edges = r.edges().len();
        self.choices += r.hyperparameters.len();
        self.edges += edges;
        self.tie_decided += if r.ties > 1 { edges } else { 0 };
        self.all_tied += if r.ties == r.grid_points { edges } else { 0 };
    }

    fn print(&self, what: &str) {
        println!(
            "{what:14} {:3} of {:3} choices at an edge ({:.0} %): {} decided by ties, {} with the whole grid tied",
            self.edges,
            self.choices,
            100.0 * self.edges as f64 / self.choices.max(1) as f64,
            self.tie_decided,
            self.all_tied
        );
    }
}

/// Runs `baseline` on `prep` with the default grids, printing its time, scores and choice.
fn report(prep: &Prepared, baseline: Baseline) -> BaselineResult {
    let t = Instant::now();
    let r = run_baseline(prep, baseline, &BaselineConfig::default(), 0).unwrap();
    println!(
        "{:28} {:14} {:6.2} s  ties {:3}/{:4}  acc {:.3}  mse {:.4}  {}  edges {:?}",
        prep.name,
        r.model,
        t.elapsed().as_secs_f64(),
        r.ties,
        r.grid_points,
        r.test_accuracy.unwrap_or(f64::NAN),
        r.test_mse,
        r.hyperparameters_text(),
        r.edges()
    );
    r
}

/// Per-cell costs: the simulation of Figure 1 (SVR, kernel ridge), Higgs (SVC) and two small
/// UCI sets (all seven).
#[test]
#[ignore = "real data, about a minute on one thread"]
fn real_data_costs() {
    let Some((registry, dir)) = real_data() else {
        return;
    };
    for sigma in [0.0, 0.1] {
        let overrides = Overrides {
            sigma: Some(sigma),
            ..Overrides::default()
        };
        let prep = registry.prepare("simulation", &dir, &overrides, 0).unwrap();
        Baseline::ALL[..4]
            .iter()
            .for_each(|&b| drop(report(&prep, b)));
    }
    let higgs = registry
        .prepare("higgs", &dir, &Overrides::default(), 0)
        .unwrap();
    report(&higgs, Baseline::Svm);
    for set in ["uci121/iris", "uci121/monks-1"] {
        let prep = registry
            .prepare(set, &dir, &Overrides::default(), 0)
            .unwrap();
        Baseline::ALL.iter().for_each(|&b| drop(report(&prep, b)));
    }
}

/// How many choices sit at a grid edge over the small UCI sets of Table 1 (the sets of
/// `experiments/table1.toml`, on their holdout split), per baseline and in all.
#[test]
#[ignore = "real data, about a minute on one thread"]
fn real_data_edges_on_table1_sets() {
    let Some((registry, dir)) = real_data() else {
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("../../experiments/table1.toml")).unwrap();
    let table: toml::Value = toml::from_str(&text).unwrap();
    let sets = table["datasets"][0]["sets"].as_array().unwrap();
    let overrides = Overrides {
        fold: Some(Fold::Holdout),
        ..Overrides::default()
    };
    let mut tallies = [Tally::default(); Baseline::ALL.len()];
    for set in sets {
        let name = format!("uci121/{}", set.as_str().unwrap());
        let prep = registry.prepare(&name, &dir, &overrides, 0).unwrap();
        for (tally, &b) in tallies.iter_mut().zip(&Baseline::ALL) {
            tally.add(&report(&prep, b));
        }
    }
    let mut all = Tally::default();
    for (tally, b) in tallies.iter().zip(&Baseline::ALL) {
        tally.print(b.label(Task::Binary));
        all.choices += tally.choices;
        all.edges += tally.edges;
        all.tie_decided += tally.tie_decided;
        all.all_tied += tally.all_tied;
    }
    all.print("all");
}
