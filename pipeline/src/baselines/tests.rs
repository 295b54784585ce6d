//! Tests of the classical baselines on small synthetic sets whose answers are known.

use std::time::Instant;

use faer::Mat;
use kare_ntk::ridge::RidgePath;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use super::kernels::{base_gram, base_matrix, scale, Base, Kernel};
use super::split::inner_split;
use super::*;
use crate::data::{Prepared, Task};

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
        poly_gamma_scales: vec![1.0],
        svm_gamma_scales: vec![0.5, 2.0],
        svm_c_grid: vec![1.0, 100.0],
        ..BaselineConfig::default()
    }
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
    // Bandwidth scales: median squared distance 4, median L1 distance 2, mean ⟨x, x⟩ = 2.
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

#[test]
fn krr_rbf_recovers_a_smooth_function() {
    let prep = sine(80, 200, 0.05, 1);
    let r = run_baseline(&prep, Baseline::KrrRbf, &small_config(), 0).unwrap();
    assert_eq!(r.model, "krr-rbf");
    assert_eq!(r.criterion, Criterion::Gcv);
    assert!(r.test_labels.is_none() && r.test_accuracy.is_none());
    assert_eq!(r.test_pred.len(), 200);
    // Var(sin 2πx) = 0.5; the noise variance is 0.0025. A recovered function is far below both.
    assert!(
        r.test_mse < 1e-3,
        "test MSE {} ({})",
        r.test_mse,
        r.hyperparameters()
    );
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
    assert_eq!(r.gamma_scale, argmin.0);
    assert_eq!(r.ridge_rel, Some(argmin.1));
    assert_eq!(r.criterion_value, argmin.2);
    // With noise sd 0.3 the choice is an interior ridge, not the grid's smallest.
    assert!(argmin.1 > config.ridge_grid[0], "{}", r.hyperparameters());
}

#[test]
fn svc_separates_a_linearly_separable_set() {
    let prep = separable(80, 60, 3);
    let r = run_baseline(&prep, Baseline::Svm, &small_config(), 0).unwrap();
    assert_eq!(r.model, "svc-rbf");
    assert_eq!(r.criterion, Criterion::ValidationError);
    assert_eq!(r.criterion_value, 0.0);
    assert_eq!(r.test_accuracy, Some(1.0), "{}", r.hyperparameters());
    let labels = r.test_labels.unwrap();
    assert!(labels.iter().all(|v| *v == 1.0 || *v == -1.0));
    assert_eq!(labels, prep.y_test);
    assert!(labels.contains(&1.0) && labels.contains(&-1.0));
}

#[test]
fn one_vs_rest_classifies_three_blobs() {
    let prep = blobs(15, 10, 4);
    for b in [Baseline::Svm, Baseline::KrrRbf] {
        let r = run_baseline(&prep, b, &small_config(), 0).unwrap();
        assert_eq!(
            r.test_accuracy,
            Some(1.0),
            "{}: {}",
            r.model,
            r.hyperparameters()
        );
        assert_eq!(r.test_pred.len(), 30 * 3);
        assert_eq!(r.test_labels.as_ref(), Some(&prep.y_test));
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
    assert_eq!(r.test_accuracy, Some(1.0), "{}", r.hyperparameters());
    assert!(
        r.test_pred.chunks(3).all(|p| p[2] == -1.0),
        "{:?}",
        r.test_pred
    );
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
    assert_eq!(r.criterion, Criterion::ValidationMse);
    // ε = 0.1 on standardised targets (sd ≈ 0.6): a tube of ±0.06 around the line.
    let errors = r.test_pred.iter().zip(&y_test).map(|(p, t)| (p - t).abs());
    let worst = errors.fold(0.0, f64::max);
    assert!(worst < 0.1, "max |error| {worst} ({})", r.hyperparameters());
    assert!(r.test_mse < 2e-3, "test MSE {}", r.test_mse);
}

#[test]
fn same_inputs_give_the_same_outputs() {
    let config = small_config();
    for prep in [separable(50, 20, 5), blobs(8, 4, 6), sine(40, 10, 0.1, 7)] {
        let a = run_baselines_with(&prep, &config, 11).unwrap();
        let b = run_baselines_with(&prep, &config, 11).unwrap();
        assert_eq!(a.len(), 4);
        assert_eq!(a, b, "{:?}", prep.task);
    }
}

#[test]
fn inner_split_is_seeded_stratified_and_keeps_every_class() {
    // 50 rows of class 0, 10 of class 1, 1 of class 2.
    let strata: Vec<usize> = (0..61)
        .map(|i| {
            if i < 50 {
                0
            } else if i < 60 {
                1
            } else {
                2
            }
        })
        .collect();
    let (fit, val) = inner_split(&strata, 0.2, 9).unwrap();
    assert_eq!(
        inner_split(&strata, 0.2, 9).unwrap(),
        (fit.clone(), val.clone())
    );
    assert_ne!(inner_split(&strata, 0.2, 10).unwrap().1, val);
    let count = |rows: &[usize], k: usize| rows.iter().filter(|&&r| strata[r] == k).count();
    assert_eq!([count(&val, 0), count(&val, 1), count(&val, 2)], [10, 2, 0]);
    assert_eq!(count(&fit, 2), 1);
    let mut all = [fit, val].concat();
    all.sort_unstable();
    assert_eq!(all, (0..61).collect::<Vec<_>>());
    // A large fraction would hold out a whole small class: at least one row stays to fit.
    let (fit, val) = inner_split(&[0, 0, 0, 1], 0.8, 0).unwrap();
    assert_eq!((fit.len(), val.len()), (2, 2));
    assert!(fit.contains(&3) && !val.contains(&3));
    // One row per class leaves nothing to validate on.
    let err = inner_split(&[0, 1], 0.2, 0).unwrap_err();
    assert!(err.contains("too few"), "{err}");
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
    assert!(
        message(&p).contains("x_test holds 9 values but its shape is 5×2"),
        "{}",
        message(&p)
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
    assert!(
        message(&p).contains("y_train row 4 holds 0.5, not a ±1 label"),
        "{}",
        message(&p)
    );

    let mut p = blobs(3, 2, 8);
    p.y_test[0] = -1.0; // row 0 now has no +1
    assert!(
        message(&p).contains("y_test row 0 is not one-hot"),
        "{}",
        message(&p)
    );

    let mut p = separable(20, 5, 8);
    p.c = 2;
    assert!(
        message(&p).contains("binary task has 1 target column"),
        "{}",
        message(&p)
    );

    // Two rows cannot be split for the SVM's validation; kernel ridge still runs on them.
    let p = prepared(
        vec![0.0, 1.0],
        vec![0.5],
        1,
        vec![-1.0, 1.0],
        vec![1.0],
        Task::Binary,
    );
    assert!(
        message(&p).contains("too few for a 20 % validation split"),
        "{}",
        message(&p)
    );
    assert!(run_baseline(&p, Baseline::KrrRbf, &config, 0).is_ok());

    let bad = BaselineConfig {
        svm_c_grid: vec![],
        ..small_config()
    };
    let m = run_baselines_with(&separable(20, 5, 8), &bad, 0)
        .unwrap_err()
        .to_string();
    assert!(m.contains("`svm_c_grid` is empty"), "{m}");
}

/// Prints each baseline's time, score and choice on `prep` with the default grids.
fn time_all(prep: &Prepared) {
    for b in Baseline::ALL {
        let t = Instant::now();
        let r = run_baseline(prep, b, &BaselineConfig::default(), 0).unwrap();
        println!(
            "{:14} {:6.1} s  acc {:.3}  mse {:.3}  {}",
            r.model,
            t.elapsed().as_secs_f64(),
            r.test_accuracy.unwrap_or(f64::NAN),
            r.test_mse,
            r.hyperparameters()
        );
    }
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

/// The paper's MNIST/Higgs size (n = 1000 train and test, d = 576, two classes) and a UCI-like
/// 10-class set (n = 1000, d = 64), with the default grids:
/// `cargo test --release -p kare-pipeline baselines::tests::timing -- --ignored --nocapture`.
#[test]
#[ignore = "timing at n = 1000: about a minute"]
fn timing_at_paper_size() {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    for (d, classes, shift) in [(576, 2, 0.15), (64, 10, 1.0)] {
        let (x_train, y_train) = gaussian_classes(1000, d, classes, shift, &mut rng);
        let (x_test, y_test) = gaussian_classes(1000, d, classes, shift, &mut rng);
        let task = match classes {
            2 => Task::Binary,
            _ => Task::Multiclass { classes },
        };
        println!("n = 1000, d = {d}, {classes} classes");
        time_all(&prepared(x_train, x_test, d, y_train, y_test, task));
    }
}
