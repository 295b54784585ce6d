//! The cache shared by several processes and checked on every read: concurrent `kare run` and
//! `kare run-cell` processes on one cache, the claim of a killed process, a claim held by
//! another process, and bad records (truncated, of another cell, edited) moved aside,
//! reported and recomputed by `plan`, `run`, `run-cell` and `collect`.

use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use kare_experiment::{CellRecord, ComputeDevice, Plan, LOCKS_DIR};

use crate::pipeline::{records_in, run_binary, without_wall_time, Project, SMALL};

/// Cells of SMALL's full tier.
const CELLS: usize = 24;

/// One DNN cell that trains for a few seconds: long enough to be killed or waited on.
const LONG: &str = r#"
description = "one long cell"
registry = "../datasets.toml"
z = 0.1
methods = ["dnn"]
seeds = [0]
ridge_grid = [1.0]
datasets = [{ name = "sim", overrides = { n_train = 150, n_test = 50 } }]

[[models]]
depth = 2
width = 32
dnn = { steps = 20000, lr = 0.01 }
"#;

fn plan_of(p: &Project, path: &Path, cache: &str) -> Plan {
    Plan::new(
        path,
        false,
        Some(&p.path().join("data")),
        &p.path().join(cache),
        ComputeDevice::Cpu,
    )
    .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The `b` of `… cells (a from cache, b computed) …` in a `kare run` summary.
fn computed_count(stderr: &str) -> usize {
    let (_, tail) = stderr.rsplit_once(" from cache, ").expect(stderr);
    tail.split(' ').next().unwrap().parse().unwrap()
}

fn wait_with_timeout(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the process did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn concurrent_runs_on_one_cache_compute_each_cell_once_and_agree() {
    let p = Project::new();
    p.experiment("small", SMALL);
    let spawn = |args: &[&str]| {
        p.kare(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut runs: Vec<Child> = (0..4)
        .map(|k| {
            let results = format!("results-{k}");
            spawn(&[
                "run",
                "small",
                "--data",
                "data",
                "--cache",
                "shared",
                "--results",
                &results,
            ])
        })
        .collect();
    let mut tasks: Vec<Child> = ["0", "5"]
        .iter()
        .map(|i| {
            spawn(&[
                "run-cell", "small", "--index", i, "--data", "data", "--cache", "shared",
            ])
        })
        .collect();
    let mut computed = 0;
    for child in runs.drain(..) {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "a concurrent run failed: {}",
            stderr(&out)
        );
        computed += computed_count(&stderr(&out));
    }
    for child in tasks.drain(..) {
        let out = child.wait_with_output().unwrap();
        let text = stderr(&out);
        assert!(out.status.success(), "a concurrent run-cell failed: {text}");
        computed += usize::from(text.contains(": computed, "));
    }
    assert_eq!(computed, CELLS, "every cell is computed exactly once");
    assert_eq!(records_in(&p.path().join("shared/small")), CELLS);
    let first = std::fs::read(p.path().join("results-0/small.csv")).unwrap();
    assert_eq!(without_wall_time(&first).len(), 1 + 8 * 10);
    for k in 1..4 {
        let other = std::fs::read(p.path().join(format!("results-{k}/small.csv"))).unwrap();
        // Wall times come from the records, so the files agree byte for byte.
        assert!(other == first, "results-{k} differs from results-0");
    }
    let leftovers: Vec<_> = std::fs::read_dir(p.path().join("shared/small"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// The lock file and record of the only cell of LONG in `cache`.
fn long_cell(p: &Project, cache: &str) -> (Plan, PathBuf, PathBuf) {
    let path = p.experiment("long", LONG);
    let plan = plan_of(p, &path, cache);
    assert_eq!(plan.cells.len(), 1);
    let key = plan.cells[0].key.clone();
    let dir = plan.cache.dir().to_path_buf();
    (
        plan,
        dir.join(LOCKS_DIR).join(&key),
        dir.join(format!("{key}.json")),
    )
}

#[test]
fn a_claim_left_by_a_killed_process_does_not_block_the_next_run() {
    let p = Project::new();
    let (plan, lock, record) = long_cell(&p, "cache");
    let args = [
        "run-cell", "long", "--index", "0", "--data", "data", "--cache", "cache",
    ];
    let mut child = p.kare(&args).stderr(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !lock.exists() {
        assert!(child.try_wait().unwrap().is_none(), "run-cell ended early");
        assert!(Instant::now() < deadline, "no claim within a minute");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the cell finished before the kill"
    );
    child.kill().unwrap(); // SIGKILL, in the middle of the claimed cell
    child.wait().unwrap();
    assert!(
        lock.exists() && !record.exists(),
        "a killed cell left a record"
    );
    // The claim died with its process: it can be taken at once, and the next run computes.
    assert!(plan.cache.try_claim(&plan.cells[0].key).unwrap().is_some());
    let mut again = p.kare(&args).stderr(Stdio::piped()).spawn().unwrap();
    let status = wait_with_timeout(&mut again, Duration::from_secs(120));
    assert!(status.success());
    let mut text = String::new();
    std::io::Read::read_to_string(&mut again.stderr.take().unwrap(), &mut text).unwrap();
    assert!(text.contains(": computed, "), "{text}");
    assert!(record.exists());
}

#[test]
fn run_cell_waits_for_the_holder_of_a_claim_then_serves_its_record() {
    let p = Project::new();
    let (plan, _, record) = long_cell(&p, "cache");
    let claim = plan.cache.claim(&plan.cells[0].key).unwrap();
    let args = [
        "run-cell", "long", "--index", "0", "--data", "data", "--cache", "cache",
    ];
    let mut child = p.kare(&args).stderr(Stdio::piped()).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "run-cell did not wait for the claim"
    );
    assert!(!record.exists(), "run-cell computed a claimed cell");
    // The holder stores the cell (here: a copy computed in another cache), then releases it.
    let other = long_cell(&p, "other").0;
    run_binary(
        &p,
        &[
            "run-cell", "long", "--index", "0", "--data", "data", "--cache", "other",
        ],
    );
    let stored = std::fs::read(other.cache.record_path(&other.cells[0].key)).unwrap();
    std::fs::create_dir_all(record.parent().unwrap()).unwrap();
    std::fs::write(&record, &stored).unwrap();
    drop(claim);
    let status = wait_with_timeout(&mut child, Duration::from_secs(30));
    assert!(status.success());
    let mut text = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut text).unwrap();
    assert!(text.contains("already cached"), "{text}");
    assert_eq!(std::fs::read(&record).unwrap(), stored);
}

/// The files of `dir` whose name starts with `prefix` and contains `.json.bad-`.
fn moved_aside(dir: &Path, prefix: &str) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix) && n.contains(".json.bad-"))
        .count()
}

/// Spoils the records of cells 0 to 3 of `plan` in four ways; returns their paths.
fn spoil(plan: &Plan) -> Vec<PathBuf> {
    let path = |i: usize| plan.cache.record_path(&plan.cells[i].key);
    let read = |i: usize| -> CellRecord {
        serde_json::from_slice(&std::fs::read(path(i)).unwrap()).unwrap()
    };
    // 0: truncated.
    let bytes = std::fs::read(path(0)).unwrap();
    std::fs::write(path(0), &bytes[..bytes.len() / 2]).unwrap();
    // 1: cell 2's record with its key edited (its checksum no longer matches).
    let mut other = read(2);
    other.key = plan.cells[1].key.clone();
    std::fs::write(path(1), serde_json::to_vec_pretty(&other).unwrap()).unwrap();
    // 2: cell 3's record with its key edited and its checksum recomputed (the configuration
    // still tells).
    let mut other = read(3);
    other.key = plan.cells[2].key.clone();
    let resealed = other.sealed();
    std::fs::write(path(2), serde_json::to_vec_pretty(&resealed).unwrap()).unwrap();
    // 3: a number edited in place.
    let mut edited = read(3);
    edited.results[0].points[0].test_mse.0 *= 0.5;
    std::fs::write(path(3), serde_json::to_vec_pretty(&edited).unwrap()).unwrap();
    (0..4).map(path).collect()
}

/// Asserts that `text` reports each of `paths` (as the commands name them, relative to the
/// project `root`) and gives the three kinds of reasons.
fn assert_reported(text: &str, root: &Path, paths: &[PathBuf]) {
    for path in paths {
        let relative = path.strip_prefix(root).unwrap();
        let shown = format!("cache record {}", relative.display());
        assert!(text.contains(&shown), "`{shown}` not reported in {text}");
    }
    for reason in [
        "unreadable",
        "does not match its checksum",
        "configuration is that of",
    ] {
        assert!(text.contains(reason), "`{reason}` not in {text}");
    }
}

/// Asserts that each of `paths` has been moved aside `times` times, and is now in place again
/// exactly when `recomputed`.
fn assert_moved(paths: &[PathBuf], times: usize, recomputed: bool) {
    for path in paths {
        assert_eq!(path.exists(), recomputed, "{}", path.display());
        let key = path.file_stem().unwrap().to_string_lossy();
        assert_eq!(moved_aside(path.parent().unwrap(), &key), times, "{key}");
    }
}

/// `args` with the data and cache folders of the test.
fn with<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let place = ["--data", "data", "--cache", "cache"];
    args.iter().copied().chain(place).collect()
}

#[test]
fn bad_records_are_moved_aside_reported_and_recomputed() {
    let p = Project::new();
    let path = p.experiment("small", SMALL);
    run_binary(&p, &with(&["run", "small", "--results", "good"]));
    let good = std::fs::read(p.path().join("good/small.csv")).unwrap();
    let plan = plan_of(&p, &path, "cache");

    // plan: reports, moves aside, counts the cells as pending.
    let paths = spoil(&plan);
    let out = run_binary(&p, &with(&["plan", "small"]));
    assert_reported(&stderr(&out), p.path(), &paths);
    assert_moved(&paths, 1, false);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("{} cached, 4 to compute", CELLS - 4)),
        "{stdout}"
    );

    // collect: reports, moves aside, and refuses to write results without those cells.
    run_binary(&p, &with(&["run", "small", "--results", "ran"]));
    let paths = spoil(&plan);
    let out = p
        .kare(&with(&["collect", "small", "--results", "collected"]))
        .output()
        .unwrap();
    assert!(!out.status.success(), "collect served bad records");
    assert_reported(&stderr(&out), p.path(), &paths);
    assert_moved(&paths, 2, false);
    assert!(
        stderr(&out).contains("4 of 24 cells are not in the cache"),
        "{}",
        stderr(&out)
    );
    assert!(!p.path().join("collected").exists());

    // run-cell: reports, moves aside, recomputes.
    run_binary(&p, &with(&["run", "small", "--results", "ran"]));
    let paths = spoil(&plan);
    let mut text = String::new();
    for i in 0..paths.len() {
        let index = i.to_string();
        let out = run_binary(&p, &with(&["run-cell", "small", "--index", &index]));
        assert!(stderr(&out).contains(": computed, "), "{}", stderr(&out));
        text.push_str(&stderr(&out));
    }
    assert_reported(&text, p.path(), &paths);
    assert_moved(&paths, 3, true);

    // run: reports, moves aside, recomputes; the results equal those of the good cache.
    let paths = spoil(&plan);
    let out = run_binary(&p, &with(&["run", "small", "--results", "repaired"]));
    assert_reported(&stderr(&out), p.path(), &paths);
    assert_moved(&paths, 4, true);
    assert!(stderr(&out).contains(&format!("{} from cache, 4 computed", CELLS - 4)));
    let repaired = std::fs::read(p.path().join("repaired/small.csv")).unwrap();
    assert_eq!(without_wall_time(&repaired), without_wall_time(&good));
    // The repaired cache serves every cell again, byte for byte.
    let out = run_binary(&p, &with(&["run", "small", "--results", "again"]));
    assert!(stderr(&out).contains(&format!("{CELLS} from cache, 0 computed")));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    assert!(std::fs::read(p.path().join("again/small.csv")).unwrap() == repaired);
}
