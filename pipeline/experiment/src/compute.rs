//! Running one cell: train (or not), then score the network's output and its NTK's kernel
//! ridge predictions over the λ̃ grid (METHOD §5). Networks run in f32; kernels, KARE, ridge
//! and every metric are f64.

use std::time::Instant;

use candle_core::{DType, Device, Tensor};
use faer::{Mat, MatRef};
use kare_ntk::convert::{mat_from_rows, tensor_to_mat};
use kare_ntk::kare::kare;
use kare_ntk::mlp::{Mlp, MlpShape};
use kare_ntk::ntk::{ntk, NtkInputs};
use kare_ntk::ridge::RidgePath;
use kare_ntk::train::{train_dnn, train_kare_with, Sgd, TrainReport};
use kare_ntk::{Backend, KareStep};

use super::cache::Cache;
use super::cell::{CellConfig, Stage, Training, CELL_SCHEMA, VERSION};
use super::record::{CellRecord, MethodResult, Point, Tuned};
use crate::baselines::{run_baseline, Baseline, BaselineConfig};
use crate::{metrics, Result};
use kare_data::{Prepared, Task};
use kare_results::Method;
use kare_results::Num;

/// The precision of the networks in every experiment.
const NETWORK_DTYPE: DType = DType::F32;

/// A candle result as a pipeline result (through the core library's error).
fn candle<T>(r: candle_core::Result<T>) -> Result<T> {
    Ok(r.map_err(kare_ntk::Error::from)?)
}

/// The prepared data as the models need it.
struct Arrays {
    x_train: Tensor,
    x_test: Tensor,
    y_train: Mat<f64>,
    y_test: Mat<f64>,
    task: Task,
}

impl Arrays {
    fn new(p: &Prepared, device: &Device) -> Result<Self> {
        let tensor = |data: &[f64], rows: usize| -> Result<Tensor> {
            candle(
                Tensor::from_slice(data, (rows, p.d), device)
                    .and_then(|t| t.to_dtype(NETWORK_DTYPE)),
            )
        };
        Ok(Self {
            x_train: tensor(&p.x_train, p.n_train)?,
            x_test: tensor(&p.x_test, p.n_test)?,
            y_train: mat_from_rows(&p.y_train, p.n_train, p.c, "training targets")?,
            y_test: mat_from_rows(&p.y_test, p.n_test, p.c, "test targets")?,
            task: p.task,
        })
    }
}

/// Mean over rows and outputs of (f − y)².
fn mse(f: MatRef<'_, f64>, y: MatRef<'_, f64>) -> f64 {
    metrics::mse((0..y.ncols()).flat_map(|j| (0..y.nrows()).map(move |i| (f[(i, j)], y[(i, j)]))))
}

/// Fraction of rows classified right: the sign for ±1 targets, the argmax for one-hot ±1;
/// `None` for regression. NaN when a prediction is not finite: no class is read from it.
fn accuracy(f: MatRef<'_, f64>, y: MatRef<'_, f64>, task: Task) -> Option<f64> {
    if task != Task::Regression && !f.is_all_finite() {
        return Some(f64::NAN);
    }
    if task == Task::Regression {
        return None;
    }
    let c = y.ncols();
    let right = (0..y.nrows())
        .filter(|&i| metrics::class(c, |j| f[(i, j)]) == metrics::class(c, |j| y[(i, j)]))
        .count();
    Some(right as f64 / y.nrows() as f64)
}

/// The `dnn` point: the network's own outputs.
fn network_point(mlp: &Mlp, a: &Arrays) -> Result<Point> {
    let train = tensor_to_mat(&mlp.forward(&a.x_train)?)?;
    let test = tensor_to_mat(&mlp.forward(&a.x_test)?)?;
    Ok(Point {
        ridge_rel: None,
        lambda: None,
        selected_by_gcv: None,
        train_mse: Some(Num(mse(train.as_ref(), a.y_train.as_ref()))),
        test_mse: Num(mse(test.as_ref(), a.y_test.as_ref())),
        test_accuracy: accuracy(test.as_ref(), a.y_test.as_ref(), a.task).map(Num),
        train_kare_gcv: None,
    })
}

/// Kernel ridge with the network's NTK at every λ̃ of `grid`, and KARE of that kernel at `z`.
fn kernel_points(
    mlp: &Mlp,
    a: &Arrays,
    grid: &[f64],
    z: f64,
) -> kare_ntk::Result<(Vec<Point>, Option<f64>)> {
    // The training kernel by the cross-kernel path (X against itself, the full n×n), as every
    // committed result was computed: the symmetric path (`None`) forms half and rounds its last
    // bits differently.
    let k = ntk(mlp, &NtkInputs::new(&a.x_train, Some(&a.x_train))?)?;
    let k_cross = ntk(mlp, &NtkInputs::new(&a.x_train, Some(&a.x_test))?)?;
    let path = RidgePath::new(k.as_ref(), a.y_train.as_ref())?;
    let test_predictions = path.predict_grid(k_cross.as_ref(), grid)?;
    let gcv = grid
        .iter()
        .map(|&rel| path.gcv(rel))
        .collect::<kare_ntk::Result<Vec<f64>>>()?;
    let mut points = Vec::with_capacity(grid.len());
    for (i, (&rel, test)) in grid.iter().zip(&test_predictions).enumerate() {
        let train = path.predict_train(rel)?;
        points.push(Point {
            ridge_rel: Some(rel),
            lambda: Some(Num(path.lambda(rel))),
            selected_by_gcv: Some(false),
            train_mse: Some(Num(mse(train.as_ref(), a.y_train.as_ref()))),
            test_mse: Num(mse(test.as_ref(), a.y_test.as_ref())),
            test_accuracy: accuracy(test.as_ref(), a.y_test.as_ref(), a.task).map(Num),
            train_kare_gcv: Some(Num(gcv[i])),
        });
    }
    mark_gcv_choice(&mut points);
    // A kernel whose `K/n + z·I` cannot be factorised has no KARE: reported as absent.
    let final_kare = kare(k.as_ref(), a.y_train.as_ref(), z).ok();
    Ok((points, final_kare))
}

/// Marks the training-data choice among kernel `points`: the smallest GCV among the rows whose
/// metrics are all finite (the first one on ties); none when no row is finite.
fn mark_gcv_choice(points: &mut [Point]) {
    let gcv = |p: &Point| p.train_kare_gcv.map_or(f64::NAN, |g| g.0);
    let chosen = (0..points.len())
        .filter(|&i| non_finite_metrics(&points[i]).is_empty())
        .min_by(|&i, &j| gcv(&points[i]).total_cmp(&gcv(&points[j])));
    if let Some(i) = chosen {
        points[i].selected_by_gcv = Some(true);
    }
}

/// The names of the metrics of `point` that are NaN or infinite.
fn non_finite_metrics(point: &Point) -> Vec<&'static str> {
    let metrics = [
        ("lambda", point.lambda),
        ("train_mse", point.train_mse),
        ("test_mse", Some(point.test_mse)),
        ("test_accuracy", point.test_accuracy),
        ("train_kare_gcv", point.train_kare_gcv),
    ];
    metrics
        .into_iter()
        .filter(|(_, v)| v.is_some_and(|v| !v.0.is_finite()))
        .map(|(name, _)| name)
        .collect()
}

/// Appends to the stop reason of `result` what is non-finite in its rows (per λ̃, or the
/// network's output) and in its final KARE, so that no NaN or inf reaches the results
/// unexplained. Nothing changes when every number is finite.
fn explain_non_finite(result: &mut MethodResult) {
    let mut notes: Vec<String> = result
        .points
        .iter()
        .filter_map(|p| {
            let bad = non_finite_metrics(p);
            let at = p
                .ridge_rel
                .map_or("the network's output".into(), |r| format!("λ̃ {r:?}"));
            (!bad.is_empty()).then(|| format!("{} at {at}", bad.join(", ")))
        })
        .collect();
    if let Some(k) = result.final_kare.filter(|k| !k.0.is_finite()) {
        notes.push(format!("final_kare {:?}", k.0));
    }
    if !notes.is_empty() {
        result.stop_reason = format!("{}; non-finite {}", result.stop_reason, notes.join("; "));
    }
}

/// The points of a kernel whose ridge solve failed: every metric NaN.
fn failed_points(grid: &[f64], task: Task) -> Vec<Point> {
    let nan = Num(f64::NAN);
    grid.iter()
        .map(|&rel| Point {
            ridge_rel: Some(rel),
            lambda: Some(nan),
            selected_by_gcv: Some(false),
            train_mse: Some(nan),
            test_mse: nan,
            test_accuracy: (task != Task::Regression).then_some(nan),
            train_kare_gcv: Some(nan),
        })
        .collect()
}

/// The classical baselines `methods` on the data, one result each: a single point (the
/// baselines choose their hyper-parameters, λ̃ included, on the training data), with the
/// choice in `tuned` and the tuning criterion in the stop-reason column. Their training MSE is
/// not computed (absent). The plan has refused classifiers on regression data.
fn baseline_results(data: &Prepared, seed: u64, methods: &[Method]) -> Result<Vec<MethodResult>> {
    let config = BaselineConfig::default();
    methods
        .iter()
        .map(|&method| {
            let baseline = Baseline::of(method).expect("a baseline method");
            let t = Instant::now();
            let r = run_baseline(data, baseline, &config, seed)?;
            Ok(MethodResult {
                method,
                steps_run: 0,
                stop_reason: format!(
                    "{}: {} {:?}",
                    r.model,
                    r.criterion.text(),
                    r.criterion_value
                ),
                wall_seconds: t.elapsed().as_secs_f64(),
                final_kare: None,
                network: None,
                points: vec![Point {
                    ridge_rel: None,
                    lambda: None,
                    selected_by_gcv: None,
                    train_mse: None,
                    test_mse: Num(r.test_mse),
                    test_accuracy: r.test_accuracy.map(Num),
                    train_kare_gcv: None,
                }],
                tuned: Some(Tuned {
                    choice: r.hyperparameters_text(),
                    at_edge: r.edges().into_iter().map(String::from).collect(),
                }),
            })
        })
        .collect()
}

fn sgd(t: &Training, seed: u64) -> Sgd {
    Sgd {
        steps: t.steps,
        lr: t.lr,
        batch_size: t.batch_size,
        seed,
    }
}

/// Runs the cell `config` (key `key`) on `data` on `device` (the one `config` names, opened),
/// keeping trained networks in `cache` when the configuration asks for it, and returns its
/// record (not yet stored).
pub fn run_cell(
    config: &CellConfig,
    key: &str,
    data: &Prepared,
    cache: &Cache,
    device: &Device,
) -> Result<CellRecord> {
    let started = Instant::now();
    let cell = Cell {
        config,
        key,
        cache,
        a: Arrays::new(data, device)?,
    };
    let mut mlp = initial_network(config, data, device)?;
    let results = match (config.stage, &config.training) {
        (Stage::InitialNtk, _) => vec![cell.kernel_result(
            Method::InitialNtk,
            &mlp,
            Trained {
                steps_run: 0,
                stop: "untrained".into(),
                seconds: 0.0,
                network: None,
            },
        )?],
        (Stage::NtkKare, Some(t)) => cell.ntk_kare_results(t, &mut mlp)?,
        (Stage::Dnn, Some(t)) => cell.dnn_results(t, &mut mlp)?,
        (Stage::Baselines, _) => {
            let set = config.baselines.as_ref().ok_or_else(|| {
                kare_ntk::Error::InvalidParameter("a baselines cell names its baselines".into())
            })?;
            baseline_results(data, config.seed, &set.methods)?
        }
        (stage, None) => {
            return Err(kare_ntk::Error::InvalidParameter(format!(
                "stage {} needs training settings",
                stage.name()
            ))
            .into())
        }
    };
    Ok(CellRecord {
        schema: CELL_SCHEMA.into(),
        key: key.into(),
        version: VERSION.into(),
        data_checksum: data.checksum.clone(),
        data_description: data.description.clone(),
        config: config.clone(),
        n_train: data.n_train,
        n_test: data.n_test,
        d: data.d,
        c: data.c,
        wall_seconds: started.elapsed().as_secs_f64(),
        results,
        checksum: None,
    })
}

/// The cell's untrained network: its shape from the data and the configuration, its weights
/// the configuration's seed and initialisation draw, so every stage of a cell starts alike.
fn initial_network(config: &CellConfig, data: &Prepared, device: &Device) -> Result<Mlp> {
    let shape = MlpShape {
        inputs: data.d,
        depth: config.depth,
        width: config.width,
        outputs: data.c,
    };
    Ok(Mlp::nth(
        &shape,
        config.seed,
        config.init_draw,
        NETWORK_DTYPE,
        device,
    )?)
}

/// How a network came to be, which a method's result reports beside its metrics.
struct Trained {
    /// Parameter updates applied.
    steps_run: usize,
    /// Why training ended.
    stop: String,
    /// Seconds spent training.
    seconds: f64,
    /// The network's file in the cache folder, when networks are kept.
    network: Option<String>,
}

impl Trained {
    /// What `report` says of a training that took `seconds`, its network kept as `network`.
    fn after(report: &TrainReport, seconds: f64, network: Option<String>) -> Self {
        Self {
            steps_run: report.steps_run,
            stop: report.stop.to_string(),
            seconds,
            network,
        }
    }
}

/// One cell being run: what its stages read.
struct Cell<'a> {
    config: &'a CellConfig,
    key: &'a str,
    cache: &'a Cache,
    a: Arrays,
}

impl Cell<'_> {
    /// Saves `mlp` into the cache folder when the configuration keeps networks, and returns
    /// its file name there (`None` when networks are not kept).
    fn save(&self, mlp: &Mlp) -> Result<Option<String>> {
        if !self.config.save_networks {
            return Ok(None);
        }
        let file = Cache::network_file(self.key, self.config.stage);
        std::fs::create_dir_all(self.cache.dir()).map_err(|source| crate::Error::Io {
            path: self.cache.dir().to_path_buf(),
            source,
        })?;
        mlp.save(&self.cache.dir().join(&file))?;
        Ok(Some(file))
    }

    /// The result of kernel ridge with `mlp`'s NTK over the ridge grid, as method `method`.
    /// A kernel that breaks the ridge solve gives NaN metrics and says why in the stop reason,
    /// so one bad cell does not stop the run.
    fn kernel_result(&self, method: Method, mlp: &Mlp, trained: Trained) -> Result<MethodResult> {
        let t = Instant::now();
        let grid = &self.config.ridge_grid;
        let (points, final_kare, stop, explain) =
            match kernel_points(mlp, &self.a, grid, self.config.z) {
                Ok((points, final_kare)) => (points, final_kare, trained.stop, true),
                // A kernel that breaks the ridge solve (non-finite entries, a failed
                // eigendecomposition, a zero trace) is a result, not a reason to stop the run.
                Err(
                    e @ (kare_ntk::Error::NonFinite { .. }
                    | kare_ntk::Error::EigenFailed { .. }
                    | kare_ntk::Error::InvalidParameter(_)),
                ) => (
                    failed_points(grid, self.a.task),
                    None,
                    format!("{}; kernel ridge failed: {e}", trained.stop),
                    false,
                ),
                Err(e) => return Err(e.into()),
            };
        let mut result = MethodResult {
            method,
            steps_run: trained.steps_run,
            stop_reason: stop,
            wall_seconds: trained.seconds + t.elapsed().as_secs_f64(),
            final_kare: final_kare.map(Num),
            network: trained.network,
            points,
            tuned: None,
        };
        // A failed solve already says why every metric is NaN.
        if explain {
            explain_non_finite(&mut result);
        }
        Ok(result)
    }

    /// Trains `mlp` on KARE with the settings `t`, then scores its NTK (`ntk-kare`).
    fn ntk_kare_results(&self, t: &Training, mlp: &mut Mlp) -> Result<Vec<MethodResult>> {
        let t0 = Instant::now();
        let how = KareStep {
            backend: Backend::for_device(mlp.device()),
            precision: self.config.kernel_precision.core(),
        };
        let report = train_kare_with(
            mlp,
            &self.a.x_train,
            (self.a.y_train.as_ref(), self.config.z),
            &sgd(t, self.config.seed),
            how,
        )?;
        let trained = Trained::after(&report, t0.elapsed().as_secs_f64(), self.save(mlp)?);
        Ok(vec![self.kernel_result(Method::NtkKare, mlp, trained)?])
    }

    /// Trains `mlp` on the squared loss with the settings `t`, then scores both the network's
    /// own output (`dnn`) and its NTK after training (`after-ntk`).
    fn dnn_results(&self, t: &Training, mlp: &mut Mlp) -> Result<Vec<MethodResult>> {
        let t0 = Instant::now();
        let report = train_dnn(
            mlp,
            &self.a.x_train,
            self.a.y_train.as_ref(),
            &sgd(t, self.config.seed),
        )?;
        let trained = Trained::after(&report, t0.elapsed().as_secs_f64(), self.save(mlp)?);
        let t1 = Instant::now();
        let point = network_point(mlp, &self.a)?;
        let mut dnn = MethodResult {
            method: Method::Dnn,
            steps_run: trained.steps_run,
            stop_reason: trained.stop.clone(),
            wall_seconds: trained.seconds + t1.elapsed().as_secs_f64(),
            final_kare: None,
            network: trained.network.clone(),
            points: vec![point],
            tuned: None,
        };
        explain_non_finite(&mut dnn);
        let after = self.kernel_result(Method::AfterNtk, mlp, trained)?;
        Ok(vec![dnn, after])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A network whose kernel is NaN makes the ridge solve fail with an error that
    /// `run_cell` records as NaN metrics instead of stopping the run.
    #[test]
    fn a_nan_kernel_fails_in_a_recorded_way() {
        let p = Prepared {
            name: "t".into(),
            x_train: (0..12).map(|i| i as f64 / 12.0).collect(),
            x_test: vec![0.5, 0.25],
            n_train: 6,
            n_test: 1,
            d: 2,
            y_train: vec![1.0, -1.0, 1.0, -1.0, 1.0, -1.0],
            y_test: vec![1.0],
            c: 1,
            task: Task::Binary,
            checksum: String::new(),
            description: String::new(),
        };
        let a = Arrays::new(&p, &Device::Cpu).unwrap();
        let shape = MlpShape {
            inputs: 2,
            depth: 1,
            width: 3,
            outputs: 1,
        };
        let good = Mlp::new(&shape, 0, NETWORK_DTYPE, &Device::Cpu).unwrap();
        let (points, kare) = kernel_points(&good, &a, &[0.1, 1.0], 0.1).unwrap();
        assert_eq!(points.len(), 2);
        assert!(kare.is_some_and(|k| k > 0.0));
        let nan = good
            .named_tensors()
            .into_iter()
            .map(|(n, t)| (n, (t * f64::NAN).unwrap()))
            .collect();
        let bad = Mlp::from_tensors(nan, None).unwrap();
        let err = kernel_points(&bad, &a, &[0.1, 1.0], 0.1).unwrap_err();
        assert!(
            matches!(
                err,
                kare_ntk::Error::NonFinite { .. }
                    | kare_ntk::Error::EigenFailed { .. }
                    | kare_ntk::Error::InvalidParameter(_)
            ),
            "{err}"
        );
        let failed = failed_points(&[0.1, 1.0], Task::Binary);
        assert!(failed
            .iter()
            .all(|p| p.test_mse.0.is_nan() && p.selected_by_gcv == Some(false)));
    }

    fn point(rel: f64, gcv: f64, test_mse: f64) -> Point {
        Point {
            ridge_rel: Some(rel),
            lambda: Some(Num(rel)),
            selected_by_gcv: Some(false),
            train_mse: Some(Num(0.5)),
            test_mse: Num(test_mse),
            test_accuracy: Some(Num(if test_mse.is_finite() { 0.9 } else { f64::NAN })),
            train_kare_gcv: Some(Num(gcv)),
        }
    }

    /// A singular kernel at a vanishing ridge: its row has the smallest GCV but an infinite
    /// test MSE. GCV never chooses it, and the stop reason says what is not finite.
    #[test]
    fn non_finite_rows_are_never_chosen_and_always_explained() {
        let mut points = vec![
            point(1e-300, 0.1, f64::INFINITY),
            point(1.0, 0.3, 0.2),
            point(10.0, 0.2, 0.25),
        ];
        mark_gcv_choice(&mut points);
        let chosen: Vec<bool> = points.iter().map(|p| p.selected_by_gcv.unwrap()).collect();
        assert_eq!(chosen, [false, false, true]);
        let mut result = MethodResult {
            method: Method::AfterNtk,
            steps_run: 3,
            stop_reason: "completed".into(),
            wall_seconds: 0.0,
            final_kare: Some(Num(f64::NAN)),
            network: None,
            points,
            tuned: None,
        };
        explain_non_finite(&mut result);
        assert_eq!(
            result.stop_reason,
            "completed; non-finite test_mse, test_accuracy at λ̃ 1e-300; final_kare NaN"
        );
        // All finite: nothing is added.
        let mut fine = MethodResult {
            final_kare: Some(Num(0.1)),
            points: vec![point(1.0, 0.3, 0.2)],
            stop_reason: "completed".into(),
            ..result
        };
        explain_non_finite(&mut fine);
        assert_eq!(fine.stop_reason, "completed");
        let mut none = vec![point(1.0, f64::NAN, f64::NAN)];
        mark_gcv_choice(&mut none);
        assert_eq!(none[0].selected_by_gcv, Some(false));
    }

    #[test]
    fn accuracy_is_not_read_from_non_finite_predictions() {
        let y = Mat::from_fn(2, 1, |i, _| if i == 0 { 1.0 } else { -1.0 });
        let f = Mat::from_fn(2, 1, |i, _| if i == 0 { f64::NAN } else { -1.0 });
        assert!(accuracy(f.as_ref(), y.as_ref(), Task::Binary)
            .unwrap()
            .is_nan());
        assert_eq!(accuracy(f.as_ref(), y.as_ref(), Task::Regression), None);
    }

    #[test]
    fn mse_and_accuracy() {
        let y = Mat::from_fn(4, 1, |i, _| if i < 2 { 1.0 } else { -1.0 });
        let f = Mat::from_fn(4, 1, |i, _| [0.5, -0.1, -2.0, 0.3][i]);
        let expected = (0.25 + 1.21 + 1.0 + 1.69) / 4.0;
        assert!((mse(f.as_ref(), y.as_ref()) - expected).abs() < 1e-15);
        assert_eq!(accuracy(f.as_ref(), y.as_ref(), Task::Binary), Some(0.5));
        assert_eq!(accuracy(f.as_ref(), y.as_ref(), Task::Regression), None);
        let y3 = Mat::from_fn(2, 3, |i, j| if j == i + 1 { 1.0 } else { -1.0 });
        let f3 = Mat::from_fn(2, 3, |i, j| [[0.1, 0.9, 0.0], [0.8, 0.1, 0.2]][i][j]);
        assert_eq!(
            accuracy(f3.as_ref(), y3.as_ref(), Task::Multiclass { classes: 3 }),
            Some(0.5)
        );
    }
}
