//! End-to-end tests of the experiment runner: a data set added in a temporary directory and run
//! through an experiment, the cache, SIGKILL and resume, bad input, and the numbers themselves.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use candle_core::{DType, Device, Tensor};
use kare_data::{DataDir, Overrides, Registry};
use kare_experiment as experiment;
use kare_experiment::{Cache, ComputeDevice, Plan, ProgressMode, RunOptions, Stage};
use kare_ntk::convert::{mat_from_rows, tensor_to_mat};
use kare_ntk::mlp::Mlp;
use kare_ntk::ntk::{ntk, NtkInputs};
use kare_ntk::ridge::RidgePath;
use kare_results::Error;
use kare_results::{ResultsFile, COLUMNS};
use sha2::{Digest, Sha256};

/// A project in a temporary directory: `data/`, `datasets.toml`, `experiments/`, and the cache
/// and results folders.
pub(crate) struct Project {
    dir: tempfile::TempDir,
}

/// A two-class table: 80 rows, features x1..x3, label `yes`/`no` from a noisy linear rule.
fn toy_csv() -> String {
    let mut s = String::from("id,x1,x2,x3,label\n");
    for i in 0..80u32 {
        let x1 = ((i * 37) % 17) as f64 / 17.0 - 0.5;
        let x2 = ((i * 11) % 13) as f64 / 13.0 - 0.5;
        let x3 = (i as f64 * 0.7).sin();
        let label = if x1 + 0.5 * x2 + 0.2 * x3 > 0.0 {
            "yes"
        } else {
            "no"
        };
        s.push_str(&format!("{i},{x1},{x2},{x3},{label}\n"));
    }
    s
}

impl Project {
    /// Writes the toy CSV and a registry declaring it (`toy`) and a small simulation (`sim`).
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let csv = toy_csv();
        std::fs::create_dir_all(dir.path().join("data")).unwrap();
        std::fs::create_dir_all(dir.path().join("experiments")).unwrap();
        std::fs::write(dir.path().join("data/toy.csv"), &csv).unwrap();
        let sha: String = Sha256::digest(csv.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let registry = format!(
            r#"
[datasets.toy]
description = "a toy two-class table added by the test"
format = "csv"
csv = {{ target = "label", drop_columns = ["id"] }}
labels = {{ kind = "binary", map = {{ yes = 1, no = -1 }} }}
split = {{ kind = "stratified", train_fraction = 0.5, split_seed = 7 }}
preprocess = [{{ step = "clip_zscore" }}]

[datasets.toy.files.table]
path = "toy.csv"
sha256 = "{sha}"

[datasets.sim]
description = "a small METHOD §7 simulation"
format = "simulation"
simulation = {{ d = 4, n_train = 40, n_test = 30, gamma = 1.0, sigma = 0.1 }}
"#
        );
        std::fs::write(dir.path().join("datasets.toml"), registry).unwrap();
        Self { dir }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `experiments/<name>.toml`.
    pub(crate) fn experiment(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path().join(format!("experiments/{name}.toml"));
        std::fs::write(&path, text).unwrap();
        path
    }

    pub(crate) fn options(&self, cache: &str, quick: bool) -> RunOptions {
        RunOptions {
            quick,
            jobs: 1,
            cache_root: self.path().join(cache),
            data_dir: Some(self.path().join("data")),
            results_dir: self.path().join("results"),
            progress: ProgressMode::Silent,
            device: ComputeDevice::Cpu,
        }
    }

    /// The `kare` binary run in the project folder.
    pub(crate) fn kare(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kare"));
        cmd.current_dir(self.path())
            .args(args)
            .env_remove("KARE_CACHE_DIR")
            .env_remove("KARE_DATA_DIR");
        cmd
    }
}

/// The experiment of the tests: both data sets, 2 seeds, widths 8 and 16, every method.
pub(crate) const SMALL: &str = r#"
description = "the test's experiment"
registry = "../datasets.toml"
z = 0.1
methods = ["ntk-kare", "after-ntk", "dnn", "initial-ntk"]
seeds = [0, 1]
ridge_grid = [0.01, 1.0, 100.0]
save_networks = true
datasets = [
  { name = "toy" },
  { name = "sim", overrides = { gamma = 1.25 } },
]

[[models]]
depth = 1
width = [8, 16]
kare = { steps = 5, lr = 1.0 }
dnn = { epochs = 20, batch_size = 16, lr = 0.1 }

[quick]
seeds = [0]
ridge_grid = [1.0]
"#;

fn read_csv(path: &Path) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect();
    (header, rows)
}

fn number(row: &HashMap<String, String>, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} = {:?} is not a number", row[column]))
}

#[test]
fn an_added_data_set_runs_end_to_end_then_from_cache() {
    let p = Project::new();
    let path = p.experiment("small", SMALL);
    let first = experiment::run(&path, &p.options("cache", false)).unwrap();
    // 2 data sets × 2 seeds × 2 widths × 3 cells (ntk-kare, dnn → dnn + after-ntk, initial-ntk).
    assert_eq!((first.cells, first.cached, first.computed), (24, 0, 24));
    assert_eq!(first.csv, p.path().join("results/small.csv"));
    let (header, rows) = read_csv(&first.csv);
    assert_eq!(header, COLUMNS);
    // Per cell block: 3 λ̃ rows for each kernel method and 1 row for the DNN.
    assert_eq!(rows.len(), 8 * (3 + 3 + 1 + 3));
    assert_eq!(first.rows, rows.len());
    for row in &rows {
        for column in ["train_mse", "test_mse", "wall_seconds"] {
            assert!(number(row, column).is_finite(), "{column} in {row:?}");
        }
        let classification = row["dataset"] == "toy";
        assert_eq!(!row["test_accuracy"].is_empty(), classification, "{row:?}");
        if classification {
            let acc = number(row, "test_accuracy");
            assert!((0.0..=1.0).contains(&acc));
        }
        if row["method"] == "dnn" {
            assert!(row["ridge_rel"].is_empty() && row["train_kare_gcv"].is_empty());
        } else {
            assert!(number(row, "lambda") > 0.0);
            assert!(number(row, "train_kare_gcv").is_finite());
            assert!(number(row, "final_kare") > 0.0);
        }
        if row["dataset"] == "sim" {
            assert_eq!(row["overrides"], "gamma=1.25");
            assert_eq!(row["gamma"], "1.25");
            assert_eq!((row["n_train"].as_str(), row["d"].as_str()), ("40", "4"));
        }
    }
    // Rows come in plan order: data set, width, seed, then the methods as listed.
    let order: Vec<&str> = rows[..10].iter().map(|r| r["method"].as_str()).collect();
    assert_eq!(
        order,
        [
            "ntk-kare",
            "ntk-kare",
            "ntk-kare",
            "after-ntk",
            "after-ntk",
            "after-ntk",
            "dnn",
            "initial-ntk",
            "initial-ntk",
            "initial-ntk"
        ]
    );
    // Epochs became steps: 20 epochs × ⌈40 / 16⌉ batches on the 40 training rows of `sim`.
    let sim_dnn = rows
        .iter()
        .find(|r| r["dataset"] == "sim" && r["method"] == "dnn")
        .unwrap();
    assert_eq!(sim_dnn["steps"], "60");
    assert_eq!(sim_dnn["batch_size"], "16");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&first.json).unwrap()).unwrap();
    assert_eq!(json["cells"], 24);
    assert_eq!(json["config"]["seeds"], serde_json::json!([0, 1]));
    assert!(json["git_commit"].is_string());

    // The second run computes nothing and writes the same bytes.
    let before = std::fs::read(&first.csv).unwrap();
    let second = experiment::run(&path, &p.options("cache", false)).unwrap();
    assert_eq!((second.cached, second.computed), (24, 0));
    assert_eq!(std::fs::read(&second.csv).unwrap(), before);

    // The quick tier writes its own file and never touches the full results.
    let quick = experiment::run(&path, &p.options("cache", true)).unwrap();
    assert_eq!(quick.csv, p.path().join("results/small-quick.csv"));
    assert_eq!(quick.cells, 12);
    assert_eq!(std::fs::read(&first.csv).unwrap(), before);
}

/// The classical baselines run once per data set and seed (not per model), their rows equal a
/// direct call of the baselines library on the same prepared data, and the report shows them
/// in every panel of their data set.
#[test]
fn baselines_run_once_per_data_set_and_join_every_panel() {
    use kare_experiment::baselines::{run_baseline, Baseline, BaselineConfig};
    use kare_report::aggregate;
    use kare_results::Method;

    let p = Project::new();
    let text = SMALL.replace(
        r#"methods = ["ntk-kare", "after-ntk", "dnn", "initial-ntk"]"#,
        r#"methods = ["ntk-kare", "krr-rbf", "svm"]"#,
    );
    let path = p.experiment("base", &text);
    let summary = experiment::run(&path, &p.options("cache", false)).unwrap();
    // 2 data sets × 2 seeds × (2 widths × 1 ntk-kare cell + 1 baselines cell).
    assert_eq!(summary.cells, 12);
    let (_, rows) = read_csv(&summary.csv);
    let baseline_rows: Vec<_> = rows.iter().filter(|r| r["method"] != "ntk-kare").collect();
    assert_eq!(baseline_rows.len(), 2 * 2 * 2);
    let options = p.options("cache", false);
    let plan = Plan::new(
        &path,
        false,
        options.data_dir.as_deref(),
        &options.cache_root,
        options.device,
    )
    .unwrap();
    for row in baseline_rows {
        assert_eq!((row["depth"].as_str(), row["width"].as_str()), ("0", "0"));
        assert!(row["ridge_rel"].is_empty() && row["lr"].is_empty());
        let cell = plan
            .cells
            .iter()
            .find(|c| c.key == row["cell_key"])
            .expect("the row's cell is planned");
        assert_eq!(cell.config.stage, Stage::Baselines);
        let baseline = match row["method"].as_str() {
            "krr-rbf" => Baseline::KrrRbf,
            "svm" => Baseline::Svm,
            other => panic!("unexpected method {other}"),
        };
        let prepared = plan.prepare(cell.data).unwrap();
        let direct = run_baseline(
            &prepared,
            baseline,
            &BaselineConfig::default(),
            cell.config.seed,
        )
        .unwrap();
        assert_eq!(number(row, "test_mse"), direct.test_mse, "{row:?}");
        assert_eq!(row["hyperparameters"], direct.hyperparameters_text());
        let edges = direct.edges();
        let edge_text = if edges.is_empty() {
            "none".to_string()
        } else {
            edges.join(" ")
        };
        assert_eq!(row["grid_edge"], edge_text);
        assert!(row["stop_reason"].contains(&direct.criterion.text()));
    }
    let panels =
        aggregate::panels(&ResultsFile::read(&summary.csv).unwrap().rows, &summary.csv).unwrap();
    // Panels are data set × model: the baselines' model-free rows are in all four.
    assert_eq!(panels.len(), 4);
    for panel in &panels {
        for m in [Method::NtkKare, Method::KrrRbf, Method::Svm] {
            assert_eq!(panel.method(m).map(|r| r.seeds.len()), Some(2), "{m}");
        }
    }
}

#[test]
fn numbers_match_a_recomputation_from_the_saved_networks() {
    let p = Project::new();
    let path = p.experiment("small", SMALL);
    let summary = experiment::run(&path, &p.options("cache", false)).unwrap();
    let (_, rows) = read_csv(&summary.csv);
    let registry = Registry::from_file(&p.path().join("datasets.toml")).unwrap();
    let data = registry
        .prepare(
            "toy",
            &DataDir::at(p.path().join("data")),
            &Overrides::default(),
            1,
        )
        .unwrap();
    let of = |method: &str| -> Vec<&HashMap<String, String>> {
        rows.iter()
            .filter(|r| {
                r["dataset"] == "toy"
                    && r["seed"] == "1"
                    && r["width"] == "16"
                    && r["method"] == method
            })
            .collect()
    };
    let dnn = of("dnn");
    assert_eq!(dnn.len(), 1);
    let cache = Cache::new(&p.path().join("cache"), "small");
    let key = &dnn[0]["cell_key"];
    let net = Mlp::load(
        &cache.dir().join(Cache::network_file(key, Stage::Dnn)),
        None,
        &Device::Cpu,
    )
    .unwrap();
    let x = |v: &[f64], n: usize| {
        Tensor::from_slice(v, (n, data.d), &Device::Cpu)
            .unwrap()
            .to_dtype(DType::F32)
            .unwrap()
    };
    let (x_train, x_test) = (x(&data.x_train, data.n_train), x(&data.x_test, data.n_test));
    let y_train = mat_from_rows(&data.y_train, data.n_train, 1, "y").unwrap();
    let y_test = mat_from_rows(&data.y_test, data.n_test, 1, "y").unwrap();
    let mse = |f: &faer::Mat<f64>| {
        (0..data.n_test)
            .map(|i| (f[(i, 0)] - y_test[(i, 0)]).powi(2))
            .sum::<f64>()
            / data.n_test as f64
    };
    // The DNN row is the saved network's own test MSE.
    let out = tensor_to_mat(&net.forward(&x_test).unwrap()).unwrap();
    let recomputed = mse(&out);
    let reported = number(dnn[0], "test_mse");
    assert!(
        (recomputed - reported).abs() <= 1e-12 * reported,
        "{recomputed} vs {reported}"
    );

    // The after-NTK rows are kernel ridge with that network's NTK, λ̃ by λ̃.
    let after = of("after-ntk");
    assert_eq!(after.len(), 3);
    let k = ntk(&net, &NtkInputs::new(&x_train, Some(&x_train)).unwrap()).unwrap();
    let kc = ntk(&net, &NtkInputs::new(&x_train, Some(&x_test)).unwrap()).unwrap();
    let ridge = RidgePath::new(k.as_ref(), y_train.as_ref()).unwrap();
    let grid = [0.01, 1.0, 100.0];
    let predictions = ridge.predict_grid(kc.as_ref(), &grid).unwrap();
    for ((row, rel), f) in after.iter().zip(grid).zip(&predictions) {
        assert_eq!(number(row, "ridge_rel"), rel);
        let (got, want) = (number(row, "test_mse"), mse(f));
        assert!(
            (got - want).abs() <= 1e-9 * want,
            "λ̃ {rel}: {got} vs {want}"
        );
        let gcv = ridge.gcv(rel).unwrap();
        assert!((number(row, "train_kare_gcv") - gcv).abs() <= 1e-9 * gcv);
    }
    gcv_choices(&rows, &after, &ridge, &grid);
}

/// GCV's choice is one row of the after-NTK's grid, the one with the smallest training GCV,
/// and every kernel cell of the run marks exactly one λ̃.
fn gcv_choices(
    rows: &[HashMap<String, String>],
    after: &[&HashMap<String, String>],
    ridge: &RidgePath,
    grid: &[f64],
) {
    // GCV's choice is one row of the grid, the one with the smallest training GCV.
    let chosen: Vec<f64> = after
        .iter()
        .filter(|r| r["selected_by_gcv"] == "1")
        .map(|r| number(r, "ridge_rel"))
        .collect();
    assert_eq!(chosen, [ridge.select_by_gcv(grid).unwrap()]);
    // And every kernel cell of the run marks exactly one λ̃.
    let mut marks: HashMap<(String, String), usize> = HashMap::new();
    for r in rows.iter().filter(|r| r["method"] != "dnn") {
        *marks
            .entry((r["cell_key"].clone(), r["method"].clone()))
            .or_default() += usize::from(r["selected_by_gcv"] == "1");
    }
    assert!(marks.values().all(|&m| m == 1), "{marks:?}");
}

/// Many cells, each long enough to be killed in the middle of the run.
const SLOW: &str = r#"
description = "cells to interrupt"
registry = "../datasets.toml"
z = 0.1
methods = ["ntk-kare", "after-ntk", "dnn", "initial-ntk"]
seeds = [0, 1, 2]
ridge_grid = [0.01, 1.0, 100.0]
datasets = [{ name = "sim", overrides = { n_train = 150, n_test = 50 } }]

[[models]]
depth = [1, 2]
width = 32
kare = { steps = 40, lr = 1.0 }
dnn = { steps = 1500, lr = 0.05 }
"#;

pub(crate) fn records_in(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                .count()
        })
        .unwrap_or(0)
}

pub(crate) fn run_binary(p: &Project, args: &[&str]) -> std::process::Output {
    let out = p.kare(args).output().unwrap();
    assert!(
        out.status.success(),
        "kare {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn a_run_killed_with_sigkill_resumes_to_the_same_results() {
    let p = Project::new();
    p.experiment("slow", SLOW);
    let killed_cache = p.path().join("killed/slow");
    let mut child = p
        .kare(&[
            "run",
            "slow",
            "--cache",
            "killed",
            "--data",
            "data",
            "--jobs",
            "2",
            "--progress",
            "lines",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while records_in(&killed_cache) == 0 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before a cell finished"
        );
        assert!(
            Instant::now() < deadline,
            "no cell finished within two minutes"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run finished before it could be killed: make its cells slower"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let done = records_in(&killed_cache);
    assert!((1..18).contains(&done), "{done} of 18 cells were stored");
    assert!(
        !p.path().join("results/slow.csv").exists(),
        "a killed run must not leave results"
    );

    let resumed = run_binary(&p, &["run", "slow", "--cache", "killed", "--data", "data"]);
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    assert!(
        stderr.contains(&format!("{done} from cache, {} computed", 18 - done)),
        "{stderr}"
    );
    let after_resume = std::fs::read(p.path().join("results/slow.csv")).unwrap();

    // Rerunning the resumed cache reproduces its file byte for byte (wall times included:
    // they come from the records, never re-measured).
    run_binary(&p, &["run", "slow", "--cache", "killed", "--data", "data"]);
    assert_eq!(
        std::fs::read(p.path().join("results/slow.csv")).unwrap(),
        after_resume
    );

    run_binary(&p, &["run", "slow", "--cache", "fresh", "--data", "data"]);
    let uninterrupted = std::fs::read(p.path().join("results/slow.csv")).unwrap();
    assert_eq!(records_in(&p.path().join("fresh/slow")), 18);
    // An uninterrupted run in a fresh cache gives the same file except for the measured
    // wall times of the cells that both runs computed: every other column is byte-identical.
    let (a, b) = (
        without_wall_time(&after_resume),
        without_wall_time(&uninterrupted),
    );
    assert_eq!(a.len(), 1 + 18 / 3 * 10);
    assert_same_rows(&a, &b, "resumed and uninterrupted results");
}

/// The rows of a results CSV without the measured `wall_seconds` column.
pub(crate) fn without_wall_time(bytes: &[u8]) -> Vec<String> {
    let wall = COLUMNS.iter().position(|c| *c == "wall_seconds").unwrap();
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes);
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let fields: Vec<&str> = rec
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != wall)
                .map(|(_, f)| f)
                .collect();
            fields.join(",")
        })
        .collect()
}

pub(crate) fn assert_same_rows(a: &[String], b: &[String], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: row counts");
    let differing: Vec<(&String, &String)> = a.iter().zip(b).filter(|(x, y)| x != y).collect();
    assert!(
        differing.is_empty(),
        "{what} differ in {} rows, first: {:?}",
        differing.len(),
        differing.first()
    );
}

/// KARE training at lr 100 is chaotic (a changed summation order changes its trajectory), so
/// this is where a dependence on the thread count would show.
const CHAOTIC: &str = r#"
description = "chaotic KARE training, two threads per cell"
registry = "../datasets.toml"
z = 0.1
methods = ["ntk-kare", "after-ntk", "dnn"]
seeds = [0, 1, 2]
cell_threads = 2
ridge_grid = [1e-4, 1e-2, 1.0]
datasets = [{ name = "sim", overrides = { n_train = 300, n_test = 50 } }]

[[models]]
depth = 1
width = 64
kare = { steps = 60, lr = 100.0 }
dnn = { steps = 200, lr = 0.1 }
"#;

/// The same experiment with `--jobs 1` on a one-core process and `--jobs 3` on a four-core
/// one writes the same results (wall time aside): every cell computes with its `cell_threads`.
#[test]
fn results_do_not_depend_on_jobs_or_cores() {
    let p = Project::new();
    p.experiment("chaotic", CHAOTIC);
    let run = |jobs: &str, cores: &str| {
        let cache = format!("cache-{jobs}");
        let out = p
            .kare(&[
                "run", "chaotic", "--cache", &cache, "--data", "data", "--jobs", jobs,
            ])
            .env("RAYON_NUM_THREADS", cores)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(p.path().join("results/chaotic.csv")).unwrap()
    };
    let one = run("1", "1");
    let three = run("3", "4");
    let rows = without_wall_time(&one);
    assert_eq!(rows.len(), 1 + 3 * (3 + 3 + 1));
    assert_same_rows(
        &rows,
        &without_wall_time(&three),
        "--jobs 1 and --jobs 3 results",
    );
    let (header, records) = read_csv(&p.path().join("results/chaotic.csv"));
    assert!(header.iter().any(|h| h == "threads"));
    assert!(records.iter().all(|r| r["threads"] == "2"));
}

/// Runs `text` as an experiment and returns the error; checks that nothing was written.
fn failure(p: &Project, name: &str, text: &str) -> Error {
    let path = p.experiment(name, text);
    let err = experiment::run(&path, &p.options("cache", false)).unwrap_err();
    assert!(
        !p.path().join("results").exists(),
        "results written for {name}"
    );
    assert!(
        !p.path().join("cache").join(name).exists(),
        "cache written for {name}"
    );
    err
}

fn config_error(err: Error) -> (PathBuf, Option<usize>, String, String) {
    match err {
        Error::ExperimentConfig {
            path,
            line,
            location,
            message,
        } => (path, line, location, message),
        other => panic!("expected an experiment config error, got {other}"),
    }
}

#[test]
fn bad_experiment_files_are_refused_with_file_and_field() {
    let p = Project::new();

    let typo = SMALL.replace("kare = { steps = 5,", "kare = { stpes = 5,");
    let (path, line, location, message) = config_error(failure(&p, "typo", &typo));
    assert!(path.ends_with("experiments/typo.toml"));
    assert_eq!(location, "models[0].kare.stpes");
    assert!(message.contains("unknown field `stpes`"), "{message}");
    assert!(line.is_some());

    let method = SMALL.replace("\"dnn\", \"initial-ntk\"]", "\"dnn\", \"ntk\"]");
    let (_, _, location, message) = config_error(failure(&p, "method", &method));
    assert_eq!(location, "methods[3]");
    assert!(message.contains("unknown variant `ntk`"), "{message}");

    let top = format!("colour = \"blue\"\n{SMALL}");
    let (_, line, location, message) = config_error(failure(&p, "top", &top));
    assert_eq!((location.as_str(), line), ("colour", Some(1)));
    assert!(message.contains("unknown field"), "{message}");

    let lr = SMALL.replace("lr = 1.0 }", "lr = [1.0, -2.0] }");
    let (_, _, location, message) = config_error(failure(&p, "lr", &lr));
    assert_eq!(location, "models[0].kare.lr[1]");
    assert!(message.contains("positive"), "{message}");

    let no_kare = SMALL.replace("kare = { steps = 5, lr = 1.0 }\n", "");
    let (_, _, location, message) = config_error(failure(&p, "nokare", &no_kare));
    assert_eq!(location, "models[0].kare");
    assert!(message.contains("ntk-kare"), "{message}");

    let quick_typo = SMALL.replace("[quick]\nseeds = [0]", "[quick]\nseeds = []");
    let path = p.experiment("quicktypo", &quick_typo);
    let (_, _, location, _) =
        config_error(experiment::run(&path, &p.options("cache", true)).unwrap_err());
    assert_eq!(location, "quick.seeds");
}

/// `kernel_precision = "f32"` keys the NTK-KARE cells apart (and only them), trains them to
/// finite results that differ from f64's but stay close (5 steps at lr 1: KARE within 1e-4
/// relative); an unknown precision is refused naming the field.
#[test]
fn kernel_precision_f32_is_its_own_ntk_kare_cells() {
    let p = Project::new();
    let f32_text = SMALL.replace(
        "save_networks = true",
        "save_networks = true\nkernel_precision = \"f32\"",
    );
    let plan = |name: &str, text: &str| {
        let path = p.experiment(name, text);
        let o = p.options("cache", true);
        Plan::new(&path, true, o.data_dir.as_deref(), &o.cache_root, o.device).unwrap()
    };
    let bad = SMALL.replace(
        "save_networks = true",
        "save_networks = true\nkernel_precision = \"f16\"",
    );
    let (_, _, location, message) = config_error(failure(&p, "f16", &bad));
    assert_eq!(location, "kernel_precision");
    assert!(message.contains("unknown variant `f16`"), "{message}");
    let (f64_plan, f32_plan) = (plan("p64", SMALL), plan("p32", &f32_text));
    for (a, b) in f64_plan.cells.iter().zip(&f32_plan.cells) {
        assert_eq!(
            a.key == b.key,
            a.config.stage != Stage::NtkKare,
            "{}",
            a.config.label()
        );
    }
    let kares = |name: &str| -> Vec<f64> {
        let summary = experiment::run(
            &p.path().join(format!("experiments/{name}.toml")),
            &p.options("cache", true),
        )
        .unwrap();
        let (_, rows) = read_csv(&summary.csv);
        (rows.iter())
            .filter(|r| r["method"] == "ntk-kare")
            .map(|r| r["final_kare"].parse::<f64>().unwrap())
            .collect()
    };
    let (k64, k32) = (kares("p64"), kares("p32"));
    assert!(!k64.is_empty() && k64.len() == k32.len());
    assert!(k64 != k32, "the f32 cells must be computed, not served");
    for (a, b) in k64.iter().zip(&k32) {
        assert!(
            b.is_finite() && (a - b).abs() <= 1e-4 * a.abs(),
            "{a} vs {b}"
        );
    }
}

/// Experiment files naming data, overrides, models or registries that cannot run are refused
/// before any cell, with the file and the field.
#[test]
fn experiments_naming_what_cannot_run_are_refused() {
    let p = Project::new();

    let unknown_data = SMALL.replace("{ name = \"toy\" }", "{ name = \"toyy\" }");
    let err = failure(&p, "unknown", &unknown_data);
    let text = err.to_string();
    match &err {
        Error::InExperiment { path, location, .. } => {
            assert!(path.ends_with("experiments/unknown.toml"));
            assert!(location.starts_with("datasets[0]"), "{location}");
        }
        other => panic!("expected an experiment error, got {other}"),
    }
    assert!(
        text.contains("toyy") && text.contains("not declared"),
        "{text}"
    );

    let bad_override = SMALL.replace(
        "{ name = \"toy\" }",
        "{ name = \"toy\", overrides = { gamma = 2.0 } }",
    );
    let text = failure(&p, "override", &bad_override).to_string();
    assert!(
        text.contains("datasets[0]") && text.contains("overrides.gamma"),
        "{text}"
    );

    // A second model group repeating depth 1 × width 8 with the same training.
    let twice = SMALL.replace(
        "[quick]",
        "[[models]]\ndepth = 1\nwidth = 8\nkare = { steps = 5, lr = 1.0 }\n\
         dnn = { epochs = 20, batch_size = 16, lr = 0.1 }\n\n[quick]",
    );
    let (_, _, location, message) = config_error(failure(&p, "twice", &twice));
    assert_eq!(location, "datasets / models");
    assert!(
        message.contains("d1×w8") && message.contains("twice"),
        "{message}"
    );

    // `sim` has regression targets: a classifier is refused before anything runs.
    let classifier = SMALL.replace("\"initial-ntk\"]", "\"initial-ntk\", \"knn\"]");
    let (_, _, location, message) = config_error(failure(&p, "classifier", &classifier));
    assert!(location.starts_with("datasets[1] (`sim`"), "{location}");
    assert!(
        message.contains("`knn` is a classifier") && message.contains("regression targets"),
        "{message}"
    );

    let registry = SMALL.replace(
        "registry = \"../datasets.toml\"",
        "registry = \"../nope.toml\"",
    );
    let text = failure(&p, "registry", &registry).to_string();
    assert!(
        text.contains("registry.toml: registry: ") && text.contains("nope.toml"),
        "{text}"
    );

    std::fs::rename(
        p.path().join("data/toy.csv"),
        p.path().join("data/moved.csv"),
    )
    .unwrap();
    let text = failure(&p, "nodata", SMALL).to_string();
    assert!(
        text.contains("nodata.toml: datasets[0]") && text.contains("`table` not found"),
        "{text}"
    );

    let missing = p.path().join("experiments/absent.toml");
    let err = experiment::run(&missing, &p.options("cache", false)).unwrap_err();
    assert!(err.to_string().contains("absent.toml"), "{err}");
}

#[test]
fn the_command_line_reports_bad_input_and_lists_data_sets() {
    let p = Project::new();
    p.experiment("typo", &SMALL.replace("seeds = [0, 1]", "seed = [0, 1]"));
    let out = p.kare(&["run", "typo", "--data", "data"]).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("experiments/typo.toml") && stderr.contains("unknown field `seed`"),
        "{stderr}"
    );
    let out = p.kare(&["run", "nonesuch"]).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no such experiment") && stderr.contains("typo"),
        "{stderr}"
    );

    let out = run_binary(&p, &["datasets", "list"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("toy") && stdout.contains("a toy two-class table"),
        "{stdout}"
    );
    let out = run_binary(&p, &["datasets", "check", "toy", "--data", "data"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("toy: ok"), "{stdout}");
    std::fs::write(p.path().join("data/toy.csv"), "id,x1,x2,x3,label\n").unwrap();
    let out = p
        .kare(&["datasets", "check", "--data", "data"])
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "a checksum mismatch must fail `check`"
    );
}

#[test]
fn plan_counts_cells_without_running_them() {
    let p = Project::new();
    p.experiment("small", SMALL);
    let out = run_binary(&p, &["plan", "small", "--data", "data", "--quick"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("12 cells"), "{stdout}");
    assert!(stdout.contains("0 cached, 12 to compute"), "{stdout}");
    assert!(!p.path().join("cache").exists());
}

/// Runs `kare <args>` in `p` and returns its stderr, asserting a clean failure: exit status 1,
/// no panic, no abort.
fn clean_failure(p: &Project, args: &[&str]) -> String {
    let out = p.kare(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "kare {args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// `--device cuda` in a build without CUDA is refused before any cell runs, saying how to get
/// a build that has it; an unknown device is a usage error naming the two there are.
#[cfg(not(feature = "cuda"))]
#[test]
fn cuda_in_a_cpu_build_is_refused_before_any_cell_runs() {
    let p = Project::new();
    p.experiment("small", SMALL);
    for command in ["run", "run-cell"] {
        let mut args = vec![command, "small", "--data", "data", "--device", "cuda"];
        if command == "run-cell" {
            args.extend(["--index", "0"]);
        }
        let stderr = clean_failure(&p, &args);
        for needle in [
            "--device cuda: this build of kare has no CUDA support",
            "--features cuda",
        ] {
            assert!(stderr.contains(needle), "`{needle}` not in {stderr}");
        }
        assert_eq!(
            records_in(&p.path().join("cache").join("small")),
            0,
            "{command}"
        );
        assert!(!p.path().join("results").join("small.csv").exists());
    }
    // The inspection commands too, before reading any file.
    let files = [
        "--weights",
        "w.safetensors",
        "--inputs",
        "x.npy",
        "--out",
        "o.npy",
    ];
    for command in ["ntk", "kare"] {
        let mut args = vec![command, "--device", "cuda"];
        args.extend(files);
        if command == "kare" {
            args.extend(["--targets", "y.npy"]);
        }
        let stderr = clean_failure(&p, &args);
        let needle = "--device cuda: this build of kare has no CUDA support";
        assert!(stderr.contains(needle), "{stderr}");
        assert!(!p.path().join("o.npy").exists());
    }
    let out = p
        .kare(&["run", "small", "--data", "data", "--device", "gpu"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unknown device `gpu`: expected `cpu` or `cuda`"),
        "{stderr}"
    );
}

/// A width, a training set or a simulation too big for the machine, or a cell above the
/// experiment's `max_memory`, is refused before any cell runs, with its estimate.
#[test]
fn absurd_sizes_are_refused_before_any_cell_runs() {
    let p = Project::new();
    let run = |name: &str, text: &str| {
        p.experiment(name, text);
        let stderr = clean_failure(&p, &["run", name, "--data", "data"]);
        assert!(
            !p.path().join("cache").join(name).exists(),
            "{name} computed a cell"
        );
        assert!(stderr.contains(&format!("{name}.toml")), "{stderr}");
        stderr
    };
    let wide = SMALL.replace("width = [8, 16]", "width = [8, 1000000000]");
    let stderr = run("wide", &wide);
    for needle in [
        "d1×w1000000000",
        "width 1000000000",
        "needs an estimated",
        "TB",
        "MemAvailable",
    ] {
        assert!(stderr.contains(needle), "`{needle}` not in {stderr}");
    }
    // One array task of that cell is refused too; a task of a sound cell still runs.
    let stderr = clean_failure(&p, &["run-cell", "wide", "--index", "6", "--data", "data"]);
    assert!(stderr.contains("d1×w1000000000") && stderr.contains("needs an estimated"));
    run_binary(&p, &["run-cell", "wide", "--index", "0", "--data", "data"]);

    let sim = |overrides: &str| {
        SMALL.replace(
            "overrides = { gamma = 1.25 }",
            &format!("overrides = {{ gamma = 1.25, {overrides} }}"),
        )
    };
    let stderr = run("rows", &sim("n_train = 100000"));
    assert!(
        stderr.contains("n_train 100000") && stderr.contains("GB"),
        "{stderr}"
    );
    let stderr = run("draw", &sim("n_train = 1000000000"));
    for needle in [
        "n_train",
        "the simulation of 1000000030 rows",
        "needs an estimated",
    ] {
        assert!(stderr.contains(needle), "`{needle}` not in {stderr}");
    }

    let capped = SMALL.replace(
        "save_networks = true",
        "save_networks = true\nmax_memory = \"100kB\"",
    );
    let stderr = run("capped", &capped);
    assert!(
        stderr.contains("max_memory = 100kB") && stderr.contains("kB"),
        "{stderr}"
    );
    let roomy = capped.replace("\"100kB\"", "\"1GiB\"");
    p.experiment("roomy", &roomy);
    run_binary(&p, &["run", "roomy", "--data", "data", "--quick"]);
    let typo = capped.replace("\"100kB\"", "\"8 parsecs\"");
    let stderr = run("typo", &typo);
    assert!(
        stderr.contains("max_memory") && stderr.contains("unknown unit"),
        "{stderr}"
    );
}
