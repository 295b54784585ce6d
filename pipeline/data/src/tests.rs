//! End-to-end tests of the data layer: registry parsing and its errors, a data set added in a
//! temporary directory, bad input, fetch, and the real data when `../shared/datasets` exists.

use std::path::{Path, PathBuf};

use super::checksum::sha256_hex;
use super::{CheckReport, DataDir, Fetched, FileStatus, Fold, Overrides, Registry, Task};
use crate::Error;

/// A temporary data directory with a registry written beside it.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn data(&self) -> DataDir {
        DataDir::at(self.path())
    }

    /// Writes `name` and returns its sha256.
    fn write(&self, name: &str, content: &str) -> String {
        std::fs::write(self.path().join(name), content).unwrap();
        sha256_hex(content.as_bytes())
    }

    fn registry(&self, toml: &str) -> crate::Result<Registry> {
        let path = self.path().join("datasets.toml");
        std::fs::write(&path, toml).unwrap();
        Registry::from_file(&path)
    }
}

/// A two-class table: 30 rows of class `a`, 10 of class `b`; columns id, x1, x2, label.
fn two_class_csv() -> String {
    let mut s = String::from("id,x1,x2,label\n");
    for i in 0..40 {
        let label = if i % 4 == 3 { "b" } else { "a" };
        s.push_str(&format!("{i},{},{},{label}\n", i as f64 * 0.5, (i * i) % 7));
    }
    s
}

/// A csv entry named `toy` over `table.csv`; `extra` is appended to the entry table.
fn toy_entry(sha: &str, split: &str, extra: &str) -> String {
    format!(
        r#"
[datasets.toy]
description = "a toy table"
format = "csv"
csv = {{ target = "label", drop_columns = ["id"] }}
labels = {{ kind = "binary", map = {{ a = 1, b = -1 }} }}
split = {split}
preprocess = [{{ step = "clip_zscore", lower = 5, upper = 95 }}]
{extra}
[datasets.toy.files.table]
path = "table.csv"
sha256 = "{sha}"
urls = ["https://example.org/table.csv"]
"#
    )
}

const STRATIFIED: &str = r#"{ kind = "stratified", train_fraction = 0.5, split_seed = 1 }"#;

fn config_error(r: crate::Result<Registry>) -> (String, String) {
    match r {
        Err(Error::DataConfig {
            location, message, ..
        }) => (location, message),
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[test]
fn adding_a_data_set_loads_splits_and_preprocesses_it() {
    let s = Scratch::new();
    let sha = s.write("table.csv", &two_class_csv());
    let reg = s.registry(&toy_entry(&sha, STRATIFIED, "")).unwrap();
    assert_eq!(reg.names(), vec!["toy"]);
    let p = reg
        .prepare("toy", &s.data(), &Overrides::default(), 0)
        .unwrap();
    // Stratified 0.5: 15 of the 30 `a` and 5 of the 10 `b` rows train.
    assert_eq!((p.n_train, p.n_test, p.d, p.c), (20, 20, 2, 1));
    assert_eq!(p.task, Task::Binary);
    assert_eq!(p.y_train.iter().filter(|&&y| y == 1.0).count(), 15);
    assert_eq!(p.y_test.iter().filter(|&&y| y == -1.0).count(), 5);
    assert!(p
        .y_train
        .iter()
        .chain(&p.y_test)
        .all(|&y| y == 1.0 || y == -1.0));
    // z-scored with training statistics: training columns have mean 0 and variance 1
    // (no value is clipped away from the mean enough to break this: checked directly).
    for j in 0..2 {
        let col: Vec<f64> = (0..20).map(|i| p.x_train[i * 2 + j]).collect();
        let mean = col.iter().sum::<f64>() / 20.0;
        let var = col.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 20.0;
        assert!(
            mean.abs() < 1e-12 && (var - 1.0).abs() < 1e-12,
            "column {j}: {mean} {var}"
        );
    }
    assert_eq!(p.x_train.len(), 40);
    assert!(
        p.description
            .contains("toy (seed 0): train 20×2 (-1: 5, +1: 15)"),
        "{}",
        p.description
    );
    let report = reg.check(&s.data());
    assert!(report.is_ok(), "{report}");
}

#[test]
fn feature_rows_follow_their_labels_through_the_split() {
    // x1 = 0.5·id and the label is `b` exactly when id % 4 == 3: recover id from the
    // unscaled feature (no preprocessing) and check its label.
    let s = Scratch::new();
    let sha = s.write("table.csv", &two_class_csv());
    let toml = toy_entry(&sha, STRATIFIED, "").replace(
        r#"preprocess = [{ step = "clip_zscore", lower = 5, upper = 95 }]"#,
        "",
    );
    let p = s
        .registry(&toml)
        .unwrap()
        .prepare("toy", &s.data(), &Overrides::default(), 3)
        .unwrap();
    for (x, y) in p
        .x_train
        .chunks(2)
        .chain(p.x_test.chunks(2))
        .zip(p.y_train.iter().chain(&p.y_test))
    {
        let id = (x[0] * 2.0) as usize;
        assert_eq!(x[1], ((id * id) % 7) as f64);
        assert_eq!(*y, if id % 4 == 3 { -1.0 } else { 1.0 });
    }
}

#[test]
fn rows_holding_a_sentinel_are_dropped() {
    let s = Scratch::new();
    let table = two_class_csv()
        .replace("\n4,2,2,a\n", "\n4,-999,2,a\n")
        .replace("\n7,3.5,0,b\n", "\n7,3.5,-999.0,b\n");
    let sha = s.write("table.csv", &table);
    let toml = toy_entry(&sha, STRATIFIED, "").replace(
        r#"drop_columns = ["id"]"#,
        r#"drop_columns = ["id"], drop_rows_with = [-999]"#,
    );
    let p = s
        .registry(&toml)
        .unwrap()
        .prepare("toy", &s.data(), &Overrides::default(), 0)
        .unwrap();
    // 38 rows remain: 29 `a` (15 + 14) and 9 `b` (5 + 4, round(4.5) = 5).
    assert_eq!((p.n_train, p.n_test), (20, 18));
    assert!(p.x_train.iter().chain(&p.x_test).all(|&x| x > -100.0));
}

#[test]
fn same_seed_same_data_and_other_seed_other_data() {
    let s = Scratch::new();
    let sha = s.write("table.csv", &two_class_csv());
    let split = r#"{ kind = "stratified", train_fraction = 0.5, split_seed = 1, n_train = 12, n_test = 8 }"#;
    let reg = s.registry(&toy_entry(&sha, split, "")).unwrap();
    let get = |seed| {
        reg.prepare("toy", &s.data(), &Overrides::default(), seed)
            .unwrap()
    };
    let (a, b, c) = (get(5), get(5), get(6));
    assert_eq!(a, b);
    assert_ne!(a.x_train, c.x_train);
    assert_ne!(a.checksum, c.checksum);
    assert_eq!((a.n_train, a.n_test), (12, 8));
    // The split itself is fixed by split_seed: the test rows of every seed come from the
    // same 20-row test part, disjoint from the training part.
    let unscaled = toy_entry(
        &sha,
        r#"{ kind = "stratified", train_fraction = 0.5, split_seed = 1 }"#,
        "",
    )
    .replace(
        r#"preprocess = [{ step = "clip_zscore", lower = 5, upper = 95 }]"#,
        "",
    );
    let whole = s
        .registry(&unscaled)
        .unwrap()
        .prepare("toy", &s.data(), &Overrides::default(), 0)
        .unwrap();
    let other = s
        .registry(&unscaled)
        .unwrap()
        .prepare("toy", &s.data(), &Overrides::default(), 9)
        .unwrap();
    let mut t0: Vec<i64> = whole
        .x_test
        .chunks(2)
        .map(|r| (r[0] * 2.0) as i64)
        .collect();
    let mut t9: Vec<i64> = other
        .x_test
        .chunks(2)
        .map(|r| (r[0] * 2.0) as i64)
        .collect();
    t0.sort_unstable();
    t9.sort_unstable();
    assert_eq!(t0, t9);
}

#[test]
fn unknown_keys_are_rejected_with_entry_and_field() {
    let s = Scratch::new();
    let sha = s.write("table.csv", &two_class_csv());
    let (loc, msg) = config_error(s.registry(&toy_entry(&sha, STRATIFIED, "colour = 1")));
    assert!(loc.starts_with("datasets.toy"), "{loc}");
    assert!(msg.contains("unknown field `colour`"), "{msg}");

    let split = r#"{ kind = "stratified", train_fraction = 0.5, n_trian = 3 }"#;
    let (loc, msg) = config_error(s.registry(&toy_entry(&sha, split, "")));
    assert_eq!(loc, "datasets.toy.split");
    assert!(msg.contains("unknown field `n_trian`"), "{msg}");

    let (loc, msg) =
        config_error(s.registry(&toy_entry(&sha, STRATIFIED, "").replace("urls =", "url =")));
    assert_eq!(loc, "datasets.toy.files.table.url");
    assert!(msg.contains("unknown field `url`"), "{msg}");

    let err = s.registry("[datasets.toy]\ndescription = 1\n").unwrap_err();
    assert!(
        err.to_string()
            .contains("datasets.toml:2: datasets.toy.description"),
        "{err}"
    );
}

#[test]
fn semantic_errors_name_the_field() {
    let s = Scratch::new();
    let sha = s.write("table.csv", &two_class_csv());
    let cases = [
        (
            toy_entry(&sha, STRATIFIED, "").replace("b = -1", "b = 2"),
            "datasets.toy.labels.map.b",
        ),
        (
            toy_entry(
                &sha,
                r#"{ kind = "stratified", train_fraction = 0.5, n_train = 0 }"#,
                "",
            ),
            "datasets.toy.split.n_train",
        ),
        (
            toy_entry(&sha, r#"{ kind = "stratified", train_fraction = 1.5 }"#, ""),
            "datasets.toy.split.train_fraction",
        ),
        (
            toy_entry(&sha, r#"{ kind = "given" }"#, ""),
            "datasets.toy.split.kind",
        ),
        (
            toy_entry(&sha, STRATIFIED, "").replace(&sha, "abc"),
            "datasets.toy.files.table.sha256",
        ),
        (
            toy_entry(&sha, STRATIFIED, "").replace("table.csv\"", "../table.csv\""),
            "datasets.toy.files.table.path",
        ),
        (
            toy_entry(
                &sha,
                STRATIFIED,
                r#"simulation = { d = 1, n_train = 1, n_test = 1, gamma = 1, sigma = 0 }"#,
            ),
            "datasets.toy.simulation",
        ),
        (
            toy_entry(&sha, STRATIFIED, "").replace("lower = 5", "lower = 96"),
            "datasets.toy.preprocess[0]",
        ),
        (
            toy_entry(&sha, STRATIFIED, "").replace(
                r#"step = "clip_zscore", lower = 5, upper = 95"#,
                r#"step = "crop", pixels = 1"#,
            ),
            "datasets.toy.preprocess[0]",
        ),
    ];
    for (toml, want) in cases {
        let (loc, msg) = config_error(s.registry(&toml));
        assert_eq!(loc, want, "{msg}");
    }
}

#[test]
fn a_missing_file_says_which_entry_and_how_to_get_it() {
    let s = Scratch::new();
    let reg = s
        .registry(&toy_entry(&"0".repeat(64), STRATIFIED, ""))
        .unwrap();
    let err = reg
        .prepare("toy", &s.data(), &Overrides::default(), 0)
        .unwrap_err();
    let Error::DataMissing {
        entry,
        role,
        how_to_get,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!((entry.as_str(), role.as_str()), ("toy", "table"));
    assert!(
        how_to_get.contains("https://example.org/table.csv"),
        "{how_to_get}"
    );
    let report = reg.check(&s.data());
    assert!(!report.is_ok());
    assert!(matches!(
        report.entries[0].files[0].status,
        FileStatus::Missing { .. }
    ));
}

#[test]
fn a_checksum_mismatch_is_an_error_naming_the_field() {
    let s = Scratch::new();
    s.write("table.csv", &two_class_csv());
    let reg = s
        .registry(&toy_entry(&"0".repeat(64), STRATIFIED, ""))
        .unwrap();
    let err = reg
        .prepare("toy", &s.data(), &Overrides::default(), 0)
        .unwrap_err();
    let Error::DataChecksum { field, actual, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(field, "datasets.toy.files.table.sha256");
    assert_eq!(*actual, sha256_hex(two_class_csv().as_bytes()));
    let report = reg.check(&s.data());
    assert!(
        matches!(
            report.entries[0].files[0].status,
            FileStatus::Mismatch { .. }
        ),
        "{report}"
    );
}

/// Replaces `x2` of data row `row` (1-based) with `cell` and returns the load error text.
fn content_error_with(row: usize, cell: &str) -> String {
    let s = Scratch::new();
    let mut lines: Vec<String> = two_class_csv().lines().map(str::to_string).collect();
    let mut fields: Vec<&str> = lines[row].split(',').collect();
    fields[2] = cell;
    lines[row] = fields.join(",");
    let sha = s.write("table.csv", &(lines.join("\n") + "\n"));
    let reg = s.registry(&toy_entry(&sha, STRATIFIED, "")).unwrap();
    match reg.prepare("toy", &s.data(), &Overrides::default(), 0) {
        Err(e @ Error::DataContent { .. }) => e.to_string(),
        other => panic!("expected a content error, got {other:?}"),
    }
}

#[test]
fn bad_cells_are_errors_naming_file_row_and_column() {
    let nan = content_error_with(2, "NaN");
    assert!(
        nan.contains("table.csv") && nan.contains("data set `toy`"),
        "{nan}"
    );
    assert!(
        nan.contains("data row 2 (line 3), column `x2`: non-finite value `NaN`"),
        "{nan}"
    );
    let word = content_error_with(5, "abc");
    assert!(
        word.contains("data row 5 (line 6), column `x2`: non-numeric value `abc`"),
        "{word}"
    );
    let empty = content_error_with(1, "");
    assert!(
        empty.contains("data row 1 (line 2), column `x2`: empty cell"),
        "{empty}"
    );
}

#[test]
fn a_label_outside_the_mapping_is_an_error_unless_dropped() {
    let s = Scratch::new();
    let table = two_class_csv().replace(",a\n", ",c\n");
    let sha = s.write("table.csv", &table);
    let reg = s.registry(&toy_entry(&sha, STRATIFIED, "")).unwrap();
    let err = reg
        .prepare("toy", &s.data(), &Overrides::default(), 0)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("data row 1: label `c` is not in the mapping (labels: a, b)"),
        "{err}"
    );
    // With unmapped = "drop" the 30 `c` rows go and only the 10 `b` rows remain: one class.
    let dropping =
        toy_entry(&sha, STRATIFIED, "").replace("b = -1 }", r#"b = -1 }, unmapped = "drop""#);
    let p = s
        .registry(&dropping)
        .unwrap()
        .prepare("toy", &s.data(), &Overrides::default(), 0)
        .unwrap();
    assert_eq!((p.n_train, p.n_test), (5, 5));
}

#[test]
fn empty_splits_and_oversized_draws_are_errors() {
    let s = Scratch::new();
    let sha = s.write("table.csv", "x,label\n1,a\n2,b\n");
    // One row per class: round(0.9 · 1) = 1 goes to train, the test part is empty.
    let toml = toy_entry(&sha, r#"{ kind = "stratified", train_fraction = 0.9 }"#, "")
        .replace(r#"drop_columns = ["id"]"#, "drop_columns = []");
    let err = s
        .registry(&toml)
        .unwrap()
        .prepare("toy", &s.data(), &Overrides::default(), 0)
        .unwrap_err();
    assert!(
        matches!(&err, Error::DataParam { field, .. } if field == "split"),
        "{err:?}"
    );
    assert!(err.to_string().contains("the test part is empty"), "{err}");

    let sha = s.write("table.csv", &two_class_csv());
    let reg = s.registry(&toy_entry(&sha, STRATIFIED, "")).unwrap();
    let ov = Overrides {
        n_train: Some(21),
        ..Overrides::default()
    };
    let err = reg.prepare("toy", &s.data(), &ov, 0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "data set `toy`: split.n_train: asks for more rows than the 20 of the train part"
    );
    let zero = Overrides {
        n_test: Some(0),
        ..Overrides::default()
    };
    let err = reg
        .prepare("toy", &s.data(), &zero, 0)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("split.n_test (after overrides): must be at least 1"),
        "{err}"
    );
}

#[test]
fn overrides_that_do_not_apply_are_errors() {
    let s = Scratch::new();
    let sha = s.write("table.csv", &two_class_csv());
    let reg = s.registry(&toy_entry(&sha, STRATIFIED, "")).unwrap();
    let ov = Overrides {
        gamma: Some(1.5),
        ..Overrides::default()
    };
    let err = reg
        .prepare("toy", &s.data(), &ov, 0)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "data set `toy`: overrides.gamma: does not apply to a `csv` entry"
    );
    let err = reg
        .prepare("nope", &s.data(), &Overrides::default(), 0)
        .unwrap_err()
        .to_string();
    assert!(err.contains("data set `nope`: name: not declared"), "{err}");
    let parsed: Overrides = toml::from_str("n_train = 10\nfold = { kfold = 2 }").unwrap();
    assert_eq!(parsed.fold, Some(Fold::Kfold(2)));
    assert!(toml::from_str::<Overrides>("ntrain = 10").is_err());
}

#[test]
fn the_simulation_entry_and_its_overrides() {
    let reg = Registry::parse(
        "[datasets.sim]\ndescription = \"s\"\nformat = \"simulation\"\n\
         simulation = { d = 10, n_train = 800, n_test = 200, gamma = 1.0, sigma = 0.0 }\n",
        Path::new("inline.toml"),
    )
    .unwrap();
    let dir = DataDir::at("/nonexistent");
    let base = reg.prepare("sim", &dir, &Overrides::default(), 7).unwrap();
    assert_eq!(
        (base.n_train, base.n_test, base.d, base.c, base.task),
        (800, 200, 10, 1, Task::Regression)
    );
    let (x, y) = super::simulate::simulate(
        &super::config::SimParams {
            d: 10,
            n_train: 800,
            n_test: 200,
            gamma: 1.0,
            sigma: 0.0,
        },
        super::config::DrawRng::Chacha8,
        7,
    )
    .unwrap();
    assert_eq!(base.x_train, x[..8000]);
    assert_eq!(base.x_test, x[8000..]);
    assert_eq!(
        (base.y_train.as_slice(), base.y_test.as_slice()),
        (&y[..800], &y[800..])
    );
    let panel = Overrides {
        gamma: Some(1.25),
        sigma: Some(0.1),
        ..Overrides::default()
    };
    let other = reg.prepare("sim", &dir, &panel, 7).unwrap();
    assert_eq!(other.x_train, base.x_train);
    assert_ne!(other.y_train, base.y_train);
    assert_ne!(other.checksum, base.checksum);
    let bad = Overrides {
        sigma: Some(-1.0),
        ..Overrides::default()
    };
    let err = reg.prepare("sim", &dir, &bad, 7).unwrap_err().to_string();
    assert!(err.contains("simulation.sigma (after overrides)"), "{err}");
}

fn curl_available() -> bool {
    std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_ok()
}

#[test]
fn fetch_downloads_verifies_and_renames_or_leaves_nothing() {
    if !curl_available() {
        eprintln!("skipped: curl is not installed");
        return;
    }
    let src = Scratch::new();
    let sha = src.write("table.csv", &two_class_csv());
    let url = format!("file://{}", src.path().join("table.csv").display());
    let dest = Scratch::new();
    let toml = toy_entry(&sha, STRATIFIED, "")
        .replace("https://example.org/table.csv", &url)
        .replace("path = \"table.csv\"", "path = \"sub/table.csv\"");
    let reg = dest.registry(&toml).unwrap();
    let done = reg.fetch("toy", &dest.data()).unwrap();
    let target = dest.path().join("sub/table.csv");
    assert_eq!(
        done,
        vec![Fetched::Downloaded {
            path: target.clone(),
            url
        }]
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), two_class_csv());
    assert_eq!(
        reg.fetch("toy", &dest.data()).unwrap(),
        vec![Fetched::Present(target)]
    );

    // A source with other bytes: an error, and neither the target nor a temporary file stays.
    let wrong = Scratch::new();
    let reg = wrong
        .registry(&toml.replace(&sha, &"1".repeat(64)))
        .unwrap();
    let err = reg.fetch("toy", &wrong.data()).unwrap_err();
    assert!(matches!(err, Error::DataFetch { .. }), "{err:?}");
    assert!(err.to_string().contains("every source failed"), "{err}");
    let left: Vec<PathBuf> = std::fs::read_dir(wrong.path().join("sub"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

// ----------------------------------------------------------------------------------------
// The real data (the project's shared collection), skipped when it is absent.

fn project_registry() -> Registry {
    Registry::from_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets.toml")).unwrap()
}

fn shared_data() -> Option<DataDir> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets");
    if p.is_dir() {
        Some(DataDir::at(p))
    } else {
        eprintln!("skipped: {} is absent", p.display());
        None
    }
}

#[test]
fn the_project_registry_declares_every_data_set() {
    let reg = project_registry();
    assert_eq!(
        reg.names(),
        vec![
            "fashion-mnist",
            "higgs",
            "higgs-clean",
            "mnist-7v9",
            "simulation",
            "uci121"
        ]
    );
    let sets = reg.members("uci121").unwrap();
    assert_eq!(sets.len(), 120);
    assert!(sets.contains(&"iris") && !sets.contains(&"miniboone"));
    let dir = DataDir::at("/nonexistent");
    let err = reg
        .prepare("uci121", &dir, &Overrides::default(), 0)
        .unwrap_err()
        .to_string();
    assert!(err.contains("needs a set"), "{err}");
    let err = reg
        .prepare("uci121/miniboone", &dir, &Overrides::default(), 0)
        .unwrap_err()
        .to_string();
    assert!(err.contains("unavailable"), "{err}");
    let p = reg
        .prepare("simulation", &dir, &Overrides::default(), 0)
        .unwrap();
    assert_eq!((p.n_train, p.n_test, p.d), (800, 200, 10));
}

#[test]
fn fashion_mnist_is_reported_missing_with_the_debian_package() {
    let reg = project_registry();
    if Path::new("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz").exists() {
        let report = reg
            .check_entry("fashion-mnist", &DataDir::at("/nonexistent"))
            .unwrap();
        assert!(report.is_ok(), "{report}");
        return;
    }
    let report: CheckReport = reg
        .check_entry("fashion-mnist", &DataDir::at("/nonexistent"))
        .unwrap();
    assert!(!report.is_ok());
    let text = report.to_string();
    assert!(
        text.contains("MISSING")
            && text.contains("apt-get update && apt-get install -y dataset-fashion-mnist"),
        "{text}"
    );
    let err = reg
        .prepare(
            "fashion-mnist",
            &DataDir::at("/nonexistent"),
            &Overrides::default(),
            0,
        )
        .unwrap_err();
    assert!(err.to_string().contains("dataset-fashion-mnist"), "{err}");
    let err = reg
        .fetch("fashion-mnist", &DataDir::at("/nonexistent"))
        .unwrap_err();
    assert!(
        err.to_string().contains("no download address") && err.to_string().contains("apt-get"),
        "{err}"
    );
}

/// The authors' MNIST subsets: after `np.random.seed(s)`, `choice(12214, 1000)` of the 7/9
/// train images and `choice(2037, 1000)` of the 7/9 test images, in file order. The indices
/// are numpy's own (`tests/fixtures/numpy-legacy`, seeds 0 and 1, drawn at MNIST's sizes);
/// labels and pixels (2-pixel crop, / 255, minus the image mean, recomputed here) must be those
/// of the pool rows they name.
#[test]
fn mnist_7v9_numpy_legacy_draws_the_authors_subsets() {
    let Some(dir) = shared_data() else { return };
    let reg = project_registry();
    let r = reg.resolve("mnist-7v9", &Overrides::default()).unwrap();
    let files = Registry::declared_files(&r);
    let file = |role: &str| files.iter().find(|f| f.role == role).unwrap();
    let labels = r.config.labels.as_ref().unwrap();
    let load = |part: &str| {
        super::loaders::load_idx(
            file(&format!("{part}_images")),
            file(&format!("{part}_labels")),
            labels,
            &dir,
        )
        .unwrap()
    };
    let (train, test) = (load("train"), load("test"));
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/numpy-legacy/choice_without_replacement.json"),
    )
    .unwrap();
    let cases: serde_json::Value = serde_json::from_str(&text).unwrap();
    let numpy = Overrides {
        rng: Some(super::config::DrawRng::NumpyLegacy),
        ..Overrides::default()
    };
    for case in cases.as_array().unwrap().iter().take(2) {
        let seed = case["seed"].as_u64().unwrap();
        let p = reg.prepare("mnist-7v9", &dir, &numpy, seed).unwrap();
        for (part, pool, x, y) in [
            ("train", &train, &p.x_train, &p.y_train),
            ("test", &test, &p.x_test, &p.y_test),
        ] {
            assert_eq!(
                case[part]["n"].as_u64().unwrap() as usize,
                pool.n,
                "{part} pool"
            );
            let idx: Vec<usize> = case[part]["indices"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as usize)
                .collect();
            let classes = pool.classes().unwrap();
            let want_y: Vec<f64> = idx
                .iter()
                .map(|&i| if classes[i] == 1 { 1.0 } else { -1.0 })
                .collect();
            assert_eq!(*y, want_y, "seed {seed} {part} labels (7 → +1)");
            for (j, &i) in idx.iter().enumerate().step_by(97) {
                let raw = pool.rows(&[i]);
                let crop: Vec<f64> = (2..26)
                    .flat_map(|r| (2..26).map(move |c| (r, c)))
                    .map(|(r, c)| raw[28 * r + c] / 255.0)
                    .collect();
                let mean = crop.iter().sum::<f64>() / 576.0;
                for (k, v) in crop.iter().enumerate() {
                    assert!(
                        (x[576 * j + k] - (v - mean)).abs() < 1e-12,
                        "seed {seed} {part} row {j}"
                    );
                }
            }
        }
    }
}

#[test]
fn mnist_7v9_on_the_real_data() {
    let Some(dir) = shared_data() else { return };
    let reg = project_registry();
    let p = reg
        .prepare("mnist-7v9", &dir, &Overrides::default(), 0)
        .unwrap();
    assert_eq!(
        (p.n_train, p.n_test, p.d, p.c, p.task),
        (1000, 1000, 576, 1, Task::Binary)
    );
    assert_eq!((p.x_train.len(), p.x_test.len()), (576_000, 576_000));
    assert!(p
        .y_train
        .iter()
        .chain(&p.y_test)
        .all(|&y| y == 1.0 || y == -1.0));
    for row in p.x_train.chunks(576).chain(p.x_test.chunks(576)) {
        let mean = row.iter().sum::<f64>() / 576.0;
        assert!(mean.abs() < 1e-12, "{mean}");
        assert!(row.iter().all(|x| x.abs() <= 1.0));
    }
    // Both classes in roughly their pool proportions (6265 : 5949 in train).
    let sevens = p.y_train.iter().filter(|&&y| y == 1.0).count();
    assert!((400..600).contains(&sevens), "{sevens}");
    let again = reg
        .prepare("mnist-7v9", &dir, &Overrides::default(), 1)
        .unwrap();
    assert_ne!(again.x_train, p.x_train);
}

#[test]
fn higgs_with_and_without_weight_on_the_real_data() {
    let Some(dir) = shared_data() else { return };
    let reg = project_registry();
    // The pool: 2962 complete rows, 1857 s (→ −1) and 1105 b (→ +1).
    let r = reg.resolve("higgs", &Overrides::default()).unwrap();
    let files = Registry::declared_files(&r);
    let (pool, _) = super::loaders::load_csv(
        &files[0],
        r.config.csv.as_ref().unwrap(),
        r.config.labels.as_ref().unwrap(),
        None,
        &dir,
    )
    .unwrap();
    assert_eq!((pool.n, pool.d), (2962, 31));
    let cl = pool.classes().unwrap();
    assert_eq!(cl.iter().filter(|&&c| c == 0).count(), 1857);

    let with = reg
        .prepare("higgs", &dir, &Overrides::default(), 0)
        .unwrap();
    let without = reg
        .prepare("higgs-clean", &dir, &Overrides::default(), 0)
        .unwrap();
    assert_eq!((with.d, without.d), (31, 30));
    assert_eq!((with.n_train, with.n_test), (1000, 1000));
    // Features / training max: no training value exceeds 1.
    assert!(with.x_train.iter().all(|&x| x <= 1.0 + 1e-15));
    for p in [&with, &without] {
        let minus = p.y_train.iter().filter(|&&y| y == -1.0).count();
        assert!((550..700).contains(&minus), "{minus} signal rows of 1000");
    }
}

#[test]
fn a_uci_set_with_its_holdout_and_kfold_splits() {
    let Some(dir) = shared_data() else { return };
    let reg = project_registry();
    let kfold =
        std::fs::read_to_string(dir.root().join("uci121/iris/conxuntos_kfold.dat")).unwrap();
    let counts: Vec<usize> = kfold
        .lines()
        .map(|l| l.split_whitespace().count())
        .collect();
    let holdout = reg
        .prepare("uci121/iris", &dir, &Overrides::default(), 0)
        .unwrap();
    assert_eq!(
        (holdout.n_train, holdout.n_test, holdout.d, holdout.c),
        (75, 75, 4, 3)
    );
    assert_eq!(holdout.task, Task::Multiclass { classes: 3 });
    for row in holdout.y_train.chunks(3) {
        let mut sorted = row.to_vec();
        sorted.sort_by(f64::total_cmp);
        assert_eq!(sorted, vec![-1.0, -1.0, 1.0]);
    }
    // 150 rows ≥ 100: clip + z-score, so training columns have mean 0.
    for j in 0..4 {
        let mean = holdout.x_train.iter().skip(j).step_by(4).sum::<f64>() / 75.0;
        assert!(mean.abs() < 1e-12, "{mean}");
    }
    let mut checksums = vec![holdout.checksum.clone()];
    for k in 0..4 {
        let ov = Overrides {
            fold: Some(Fold::Kfold(k)),
            ..Overrides::default()
        };
        let p = reg
            .prepare(
                "uci121",
                &dir,
                &Overrides {
                    set: Some("iris".into()),
                    ..ov.clone()
                },
                0,
            )
            .unwrap();
        assert_eq!((p.n_train, p.n_test), (counts[2 * k], counts[2 * k + 1]));
        assert_eq!(p.n_train + p.n_test, 150);
        checksums.push(p.checksum);
    }
    checksums.sort();
    checksums.dedup();
    assert_eq!(checksums.len(), 5);
    // A small set (< 100 rows) takes the robust-scaling branch: median 0 per training column.
    let small = reg
        .prepare("uci121/balloons", &dir, &Overrides::default(), 0)
        .unwrap();
    for j in 0..small.d {
        let mut col: Vec<f64> = small
            .x_train
            .iter()
            .skip(j)
            .step_by(small.d)
            .copied()
            .collect();
        col.sort_by(f64::total_cmp);
        assert!(super::preprocess::percentile(&col, 50.0).abs() < 1e-12);
    }
}

/// The data checksums of the fold-file splits, as computed before the registry declared test
/// files: they enter every cell's cache key, so cached UCI results stay valid.
#[test]
fn the_data_checksums_of_the_fold_file_splits_are_pinned() {
    let Some(dir) = shared_data() else { return };
    let reg = project_registry();
    for (set, fold, want) in [
        (
            "monks-1",
            Fold::Holdout,
            "6c1c9358e32b2adbe863d1f2ddfc3bcd09411eefd3c85b2f2b7880eee71108d2",
        ),
        (
            "monks-1",
            Fold::Kfold(1),
            "3c127573576ce6e7b52df6d9fdadb57088f0f466c34784a3a602eb348c7743a1",
        ),
        (
            "spect",
            Fold::Kfold(3),
            "6e426d0a8d0de7cdfd8c457308d4b02dffafd4ce99cba46e0ab4b93d732cc3c9",
        ),
        (
            "iris",
            Fold::Holdout,
            "6234e820b2d797efa640ee0d08a4112a0dc66284e4c461cb5a4883f4f224515c",
        ),
    ] {
        let ov = Overrides {
            fold: Some(fold),
            ..Overrides::default()
        };
        let p = reg.prepare(&format!("uci121/{set}"), &dir, &ov, 0).unwrap();
        assert_eq!(p.checksum, want, "{set} {fold:?}");
    }
}

#[test]
fn monks_1_on_its_test_file() {
    let Some(dir) = shared_data() else { return };
    let reg = project_registry();
    let ov = Overrides {
        fold: Some(Fold::TestFile),
        ..Overrides::default()
    };
    let p = reg.prepare("uci121/monks-1", &dir, &ov, 0).unwrap();
    assert_eq!((p.n_train, p.n_test, p.d, p.c), (124, 432, 6, 1));
    let classes: Vec<f64> =
        std::fs::read_to_string(dir.root().join("uci121/monks-1/monks-1_test_R.dat"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| if l.ends_with("\t1") { 1.0 } else { -1.0 })
            .collect();
    assert_eq!(p.y_test, classes);
    // The train file is coded with other statistics than the (standardised) test file.
    let m = reg.scaling_mismatch("uci121/monks-1", &dir).unwrap();
    assert_eq!((m.compared, m.skipped), (6, 0));
    assert!(
        (m.mean_shift - 2.218).abs() < 1e-3 && (m.sd_ratio - 1.506).abs() < 1e-3,
        "{m:?}"
    );
}

/// Every set's declaration agrees with its `<set>.txt`: fich1 and n_patrons1 are the data file
/// and its rows, fich2 and n_patrons2 (for the sets that have them) the test file and its rows.
#[test]
fn the_uci_declarations_follow_each_sets_txt() {
    let Some(dir) = shared_data() else { return };
    let reg = project_registry();
    let sets = &reg.entries["uci121"].uci.as_ref().unwrap().sets;
    for (name, set) in sets {
        let txt =
            std::fs::read_to_string(dir.root().join(format!("uci121/{name}/{name}.txt"))).unwrap();
        let key = |k: &str| {
            txt.lines()
                .find_map(|l| l.strip_prefix(k)?.strip_prefix('='))
                .map(|v| v.trim().to_string())
        };
        assert_eq!(key("fich1").as_deref(), Some(set.data.as_str()), "{name}");
        assert_eq!(key("n_patrons1"), Some(set.rows.to_string()), "{name}");
        let test = set
            .test
            .as_ref()
            .map(|t| (t.file.clone(), t.rows.to_string()));
        assert_eq!(test, key("fich2").zip(key("n_patrons2")), "{name}");
    }
    let with_test = reg.test_file_sets("uci121").unwrap();
    assert_eq!(
        with_test,
        vec![
            "adult",
            "annealing",
            "audiology-std",
            "conn-bench-vowel-deterding",
            "hayes-roth",
            "hill-valley",
            "horse-colic",
            "image-segmentation",
            "monks-1",
            "monks-2",
            "monks-3",
            "optical",
            "pendigits",
            "soybean",
            "spect",
            "spectf",
            "statlog-landsat",
            "statlog-shuttle",
            "thyroid"
        ]
    );
}

#[test]
fn check_verifies_the_whole_shared_collection() {
    let Some(dir) = shared_data() else { return };
    let report = project_registry().check(&dir);
    let bad: Vec<&str> = report
        .entries
        .iter()
        .filter(|e| !e.is_ok())
        .map(|e| e.name.as_str())
        .collect();
    let fashion_installed = Path::new("/usr/share/datasets/fashion-mnist").is_dir();
    let expected: Vec<&str> = if fashion_installed {
        vec!["uci121/miniboone"]
    } else {
        vec!["fashion-mnist", "uci121/miniboone"]
    };
    assert_eq!(bad, expected, "{report}");
    let mnist = report
        .entries
        .iter()
        .find(|e| e.name == "mnist-7v9")
        .unwrap();
    assert!(
        mnist.summary.as_deref().unwrap().contains("train 1000×576"),
        "{mnist:?}"
    );
}

/// The ±1 labels of rows `rows` of [`two_class_csv`] (`b`, every fourth row, is −1).
fn toy_labels(rows: impl Iterator<Item = usize>) -> Vec<f64> {
    rows.map(|i| if i % 4 == 3 { -1.0 } else { 1.0 }).collect()
}

#[test]
fn an_ordered_split_takes_rows_by_position() {
    let s = Scratch::new();
    let sha = s.write("table.csv", &two_class_csv());
    let ordered = r#"{ kind = "ordered", n_train = 25, n_test = 10 }"#;
    let reg = s.registry(&toy_entry(&sha, ordered, "")).unwrap();
    for seed in [0, 5] {
        let p = reg
            .prepare("toy", &s.data(), &Overrides::default(), seed)
            .unwrap();
        assert_eq!((p.n_train, p.n_test), (25, 10));
        assert_eq!(p.y_train, toy_labels(0..25));
        assert_eq!(p.y_test, toy_labels(25..35));
    }
    let rest = r#"{ kind = "ordered", n_train = 30 }"#;
    let p = s
        .registry(&toy_entry(&sha, rest, ""))
        .unwrap()
        .prepare("toy", &s.data(), &Overrides::default(), 0)
        .unwrap();
    assert_eq!(p.y_test, toy_labels(30..40));
    let too_long = r#"{ kind = "ordered", n_train = 35, n_test = 10 }"#;
    let err = s
        .registry(&toy_entry(&sha, too_long, ""))
        .unwrap()
        .prepare("toy", &s.data(), &Overrides::default(), 0)
        .unwrap_err();
    assert!(
        err.to_string().contains("45 rows, but the table has 40"),
        "{err}"
    );
    let (at, message) = config_error(s.registry(&toy_entry(&sha, r#"{ kind = "ordered" }"#, "")));
    assert_eq!(at, "datasets.toy.split.n_train");
    assert!(message.contains("required"), "{message}");
}

#[test]
fn a_column_split_follows_the_named_column() {
    let s = Scratch::new();
    let mut csv = String::from("id,x1,x2,part,label\n");
    for i in 0..40 {
        let label = if i % 4 == 3 { "b" } else { "a" };
        let part = if i % 3 == 0 { "test" } else { "train" };
        csv.push_str(&format!(
            "{i},{},{},{part},{label}\n",
            i as f64 * 0.5,
            (i * i) % 7
        ));
    }
    let sha = s.write("table.csv", &csv);
    let column = r#"{ kind = "column", column = "part", train = "train", test = "test" }"#;
    let reg = s.registry(&toy_entry(&sha, column, "")).unwrap();
    let p = reg
        .prepare("toy", &s.data(), &Overrides::default(), 0)
        .unwrap();
    assert_eq!(p.d, 2, "the part column is no feature");
    assert_eq!(p.y_train, toy_labels((0..40).filter(|i| i % 3 != 0)));
    assert_eq!(p.y_test, toy_labels((0..40).filter(|i| i % 3 == 0)));
    let odd = csv.replacen("1,0.5,1,train", "1,0.5,1,valid", 1);
    let sha = s.write("table.csv", &odd);
    let err = s
        .registry(&toy_entry(&sha, column, ""))
        .unwrap()
        .prepare("toy", &s.data(), &Overrides::default(), 0)
        .unwrap_err();
    assert!(
        err.to_string().contains("`valid` in column `part`"),
        "{err}"
    );
    let on_target = r#"{ kind = "column", column = "label", train = "a", test = "b" }"#;
    let (at, _) = config_error(s.registry(&toy_entry(&sha, on_target, "")));
    assert_eq!(at, "datasets.toy.split.column");
}

// ----------------------------------------------------------------------------------------
// A hand-built UCI family: set `toy` with a separate test file, set `plain` without one.

/// `toy`'s data file: 6 rows of 3 features. f1 = 0,0,0,2,2,2 (μ 1, σ 1), f2 = 1,3,1,3,1,3
/// (μ 2, σ 1), f3 constant 7; classes alternate 0, 1.
const UCI_TRAIN: &str = "\tf1\tf2\tf3\tclase\n1\t0\t1\t7\t0\n2\t0\t3\t7\t1\n3\t0\t1\t7\t0\n\
                         4\t2\t3\t7\t1\n5\t2\t1\t7\t0\n6\t2\t3\t7\t1\n";

/// `toy`'s test file: 4 rows. f1 = 4,4,6,6 (μ 5, σ 1), f2 = 0,4,0,4 (μ 2, σ 2), f3 = 1..4;
/// classes 1, 1, 0, 0.
const UCI_TEST: &str = "\tf1\tf2\tf3\tclase\n1\t4\t0\t1\t1\n2\t4\t4\t2\t1\n3\t6\t0\t3\t0\n\
                        4\t6\t4\t4\t0\n";

/// Writes the family's files under `fam/` and returns its registry entry; `test` is the
/// declaration of `toy`'s test file, `extra` goes into the entry table.
fn uci_family(s: &Scratch, test: &str, test_file: &str, extra: &str) -> String {
    let mut sets = String::new();
    let kfold = "0 1 2 3\n4 5\n".repeat(4);
    for (set, data, with_test) in [
        ("toy", "toy_train_R.dat", true),
        ("plain", "plain_R.dat", false),
    ] {
        std::fs::create_dir_all(s.path().join("fam").join(set)).unwrap();
        let mut files = vec![
            (data.to_string(), UCI_TRAIN),
            ("conxuntos.dat".into(), "0 1 2\n3 4 5\n"),
            ("conxuntos_kfold.dat".into(), &kfold),
        ];
        if with_test {
            files.push(("toy_test_R.dat".into(), test_file));
        }
        let hashes: Vec<String> = files
            .iter()
            .map(|(name, content)| {
                let sha = s.write(&format!("fam/{set}/{name}"), content);
                format!("\"{name}\" = \"{sha}\"")
            })
            .collect();
        let test = if with_test { test } else { "" };
        sets.push_str(&format!(
            "{set} = {{ data = \"{data}\", rows = 6, features = 3, classes = 2, {test}sha256 = {{ {} }} }}\n",
            hashes.join(", ")
        ));
    }
    format!(
        "[datasets.fam]\ndescription = \"a toy family\"\nformat = \"uci121\"\n{extra}\n\
         [datasets.fam.uci]\ndir = \"fam\"\n\n[datasets.fam.uci.sets]\n{sets}"
    )
}

const TOY_TEST: &str = r#"test = { file = "toy_test_R.dat", rows = 4 }, "#;

fn test_file_fold() -> Overrides {
    Overrides {
        fold: Some(Fold::TestFile),
        ..Overrides::default()
    }
}

#[test]
fn the_test_file_fold_trains_on_the_data_file_and_tests_on_the_test_file() {
    let s = Scratch::new();
    let reg = s.registry(&uci_family(&s, TOY_TEST, UCI_TEST, "")).unwrap();
    assert_eq!(reg.test_file_sets("fam"), Some(vec!["toy"]));
    assert_eq!(reg.members("fam"), Some(vec!["plain", "toy"]));
    let p = reg
        .prepare("fam/toy", &s.data(), &test_file_fold(), 0)
        .unwrap();
    assert_eq!((p.n_train, p.n_test, p.d, p.c), (6, 4, 3, 1));
    // No preprocessing: the rows are the files' own, in file order.
    assert_eq!(
        p.x_train,
        vec![0., 1., 7., 0., 3., 7., 0., 1., 7., 2., 3., 7., 2., 1., 7., 2., 3., 7.]
    );
    assert_eq!(
        p.x_test,
        vec![4., 0., 1., 4., 4., 2., 6., 0., 3., 6., 4., 4.]
    );
    assert_eq!(p.y_train, vec![-1., 1., -1., 1., -1., 1.]);
    assert_eq!(p.y_test, vec![1., 1., -1., -1.]);
    let holdout = reg
        .prepare("fam/toy", &s.data(), &Overrides::default(), 0)
        .unwrap();
    assert_eq!((holdout.n_train, holdout.n_test), (3, 3));
    assert_eq!(holdout.x_test, p.x_train[9..]);
    assert_ne!(holdout.checksum, p.checksum);
    assert!(reg.check(&s.data()).is_ok());
}

#[test]
fn the_test_file_fold_preprocesses_with_the_data_files_statistics_and_rows() {
    // 6 data rows + 4 test rows: `choose_by_rows` at 8 must take the `below` branch (the data
    // file's 6 rows), and its robust scaling uses training quantiles only.
    let s = Scratch::new();
    let steps = r#"preprocess = [{ step = "choose_by_rows", min_rows = 8, at_least = [{ step = "divide", by = 1000 }], below = [{ step = "robust_scale" }] }]"#;
    let reg = s
        .registry(&uci_family(&s, TOY_TEST, UCI_TEST, steps))
        .unwrap();
    let p = reg
        .prepare("fam/toy", &s.data(), &test_file_fold(), 0)
        .unwrap();
    // f1: training median 1, IQR 2 − 0 = 2; f2: median 2, IQR 3 − 1 = 2; f3: median 7, IQR 0 → 1.
    assert_eq!(
        p.x_test,
        vec![1.5, -1., -6., 1.5, 1., -5., 2.5, -1., -4., 2.5, 1., -3.]
    );
}

#[test]
fn the_test_file_fold_without_a_test_file_is_an_error_naming_the_set() {
    let s = Scratch::new();
    let toml = uci_family(&s, TOY_TEST, UCI_TEST, "");
    let reg = s.registry(&toml).unwrap();
    let err = reg
        .prepare("fam/plain", &s.data(), &test_file_fold(), 0)
        .unwrap_err();
    assert!(matches!(err, Error::DataParam { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("data set `fam/plain`")
            && text.contains("set `plain` has no separate test file"),
        "{text}"
    );
    let err = reg
        .scaling_mismatch("fam/plain", &s.data())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("set `plain` has no separate test file"),
        "{err}"
    );
    // The family's own default: every set must then have a test file.
    let (at, message) = config_error(
        s.registry(&toml.replace("dir = \"fam\"", "dir = \"fam\"\nfold = \"test_file\"")),
    );
    assert_eq!(at, "datasets.fam.uci.fold");
    assert!(message.contains("`plain`"), "{message}");
}

#[test]
fn a_test_file_of_another_shape_than_declared_is_an_error_naming_it() {
    let s = Scratch::new();
    let five = TOY_TEST.replace("rows = 4", "rows = 5");
    let reg = s.registry(&uci_family(&s, &five, UCI_TEST, "")).unwrap();
    let err = reg
        .prepare("fam/toy", &s.data(), &test_file_fold(), 0)
        .unwrap_err();
    let Error::DataContent { path, message, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(path.ends_with("fam/toy/toy_test_R.dat"), "{path:?}");
    assert!(
        message.contains("4 rows × 5 columns, but the entry declares 5 rows"),
        "{message}"
    );
    // The holdout split does not read the test file; `check` prepares the test_file fold too.
    assert!(reg
        .prepare("fam/toy", &s.data(), &Overrides::default(), 0)
        .is_ok());
    let report = reg.check(&s.data());
    let toy = report.entries.iter().find(|e| e.name == "fam/toy").unwrap();
    assert!(
        toy.error
            .as_deref()
            .unwrap_or("")
            .contains("toy_test_R.dat"),
        "{report}"
    );
    let narrow = "\tf1\tf2\tclase\n1\t4\t0\t1\n2\t4\t4\t1\n3\t6\t0\t0\n4\t6\t4\t0\n";
    let s = Scratch::new();
    let reg = s.registry(&uci_family(&s, TOY_TEST, narrow, "")).unwrap();
    let err = reg
        .prepare("fam/toy", &s.data(), &test_file_fold(), 0)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("toy_test_R.dat") && err.contains("4 columns"),
        "{err}"
    );
}

#[test]
fn a_declared_test_file_needs_its_checksum_and_rows() {
    let s = Scratch::new();
    let toml = uci_family(&s, TOY_TEST, UCI_TEST, "");
    let unlisted = toml.replace("\"toy_test_R.dat\" = ", "\"other_R.dat\" = ");
    let (at, message) = config_error(s.registry(&unlisted));
    assert_eq!(at, "datasets.fam.uci.sets.toy.sha256");
    assert!(
        message.contains("declares no checksum for `toy_test_R.dat`"),
        "{message}"
    );
    let (at, _) = config_error(s.registry(&toml.replace("rows = 4", "rows = 0")));
    assert_eq!(at, "datasets.fam.uci.sets.toy.test.rows");
    let (at, message) = config_error(s.registry(&toml.replace("test = { file", "test = { fiel")));
    assert_eq!(at, "datasets.fam.uci.sets.toy.test.fiel");
    assert!(message.contains("unknown field `fiel`"), "{message}");
}

#[test]
fn scaling_mismatch_of_the_raw_files() {
    let s = Scratch::new();
    // Preprocessing does not enter: the mismatch is of the raw files.
    let steps = r#"preprocess = [{ step = "divide", by = 1000 }]"#;
    let reg = s
        .registry(&uci_family(&s, TOY_TEST, UCI_TEST, steps))
        .unwrap();
    let m = reg.scaling_mismatch("fam/toy", &s.data()).unwrap();
    // f1: |5 − 1| / 1 = 4, σ 1 vs 1; f2: |2 − 2| / 1 = 0, σ 2 vs 1 → 2; f3 constant in train.
    assert_eq!(
        m,
        super::ScalingMismatch {
            mean_shift: 4.0,
            sd_ratio: 2.0,
            compared: 2,
            skipped: 1
        }
    );
    // Read through the checked path: a changed test file is a checksum error.
    s.write(
        "fam/toy/toy_test_R.dat",
        &UCI_TEST.replace("\t6\t", "\t7\t"),
    );
    let err = reg.scaling_mismatch("fam/toy", &s.data()).unwrap_err();
    assert!(
        matches!(&err, Error::DataChecksum { field, .. } if field.contains("toy_test_R.dat")),
        "{err:?}"
    );
    assert!(reg.scaling_mismatch("fam", &s.data()).is_err());
}
