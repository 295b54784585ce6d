//! The Slurm scale-out without Slurm: the job-array script of `kare plan --slurm` (its array
//! range, resources and absolute paths), the array's tasks run by hand (`kare run-cell`), and
//! `kare collect` (refusing an unfinished array, then writing what `kare run` writes). The real
//! cluster test is `scripts/slurm-e2e.sh` (`make test-slurm`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use kare_experiment as experiment;
use kare_experiment::{CellOutcome, ComputeDevice, Plan};
use kare_results::Error;

use crate::pipeline::{records_in, run_binary, Project, SMALL};

/// Cells of SMALL's quick tier: 2 data sets × 1 seed × 2 widths × 3 stages.
const CELLS: usize = 12;

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn plan_writes_a_job_array_with_one_task_per_cell() {
    let p = Project::new();
    p.experiment("small", SMALL);
    let out = run_binary(
        &p,
        &[
            "plan",
            "small",
            "--quick",
            "--data",
            "data",
            "--cache",
            "shared",
            "--slurm",
            "job.sbatch",
            "--cpus-per-task",
            "3",
            "--logs",
            "logs",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Each cell is listed with its array index, in plan order.
    assert!(stdout.contains("[0] pending "), "{stdout}");
    assert!(
        stdout.contains(&format!("[{}] pending ", CELLS - 1)),
        "{stdout}"
    );
    assert!(stdout.contains("job array of 12 tasks (0-11)"), "{stdout}");
    assert!(
        !p.path().join("shared").exists(),
        "planning must not compute"
    );
    assert!(p.path().join("logs").is_dir(), "the logs folder is created");

    quick_script_lines(&p);
    full_tier_and_refused_options(&p);
}

/// The quick tier's batch script: its directives and command, directives first, valid bash.
fn quick_script_lines(p: &Project) {
    let script = std::fs::read_to_string(p.path().join("job.sbatch")).unwrap();
    let root = canonical(p.path());
    let kare = canonical(Path::new(env!("CARGO_BIN_EXE_kare")));
    for line in [
        "#!/bin/bash".to_string(),
        "#SBATCH --job-name=kare-small-quick".into(),
        format!("#SBATCH --array=0-{}", CELLS - 1),
        "#SBATCH --cpus-per-task=3".into(),
        format!("#SBATCH --output={}/logs/%x-%A_%a.out", root.display()),
        r#"export RAYON_NUM_THREADS="${SLURM_CPUS_PER_TASK:-3}""#.into(),
        format!("KARE='{}'", kare.display()),
        format!(
            "EXPERIMENT='{}'",
            root.join("experiments/small.toml").display()
        ),
        format!("CACHE='{}'", root.join("shared").display()),
        format!("DATA='{}'", root.join("data").display()),
        r#"INDEX=$((SLURM_ARRAY_TASK_ID + ${KARE_INDEX_OFFSET:-0}))"#.into(),
        r#"exec "$KARE" run-cell "$EXPERIMENT" --quick --index "$INDEX" --cache "$CACHE" --data "$DATA""#.into(),
    ] {
        assert!(
            script.lines().any(|l| l == line),
            "no line `{line}` in\n{script}"
        );
    }
    // The #SBATCH lines come before the first command, or sbatch ignores them.
    let lines: Vec<&str> = script.lines().collect();
    let first_command = lines
        .iter()
        .position(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap();
    let last_directive = lines
        .iter()
        .rposition(|l| l.starts_with("#SBATCH"))
        .unwrap();
    assert!(last_directive < first_command, "{script}");
    let syntax = std::process::Command::new("bash")
        .args(["-n", "job.sbatch"])
        .current_dir(p.path())
        .status()
        .unwrap();
    assert!(syntax.success(), "bash -n job.sbatch");
}

/// The full tier's script, and options refused without `--slurm` or unusable in `#SBATCH`.
fn full_tier_and_refused_options(p: &Project) {
    // The full tier: 2 seeds, so twice the cells, and no --quick in the task's command.
    run_binary(
        p,
        &[
            "plan",
            "small",
            "--data",
            "data",
            "--slurm",
            "full.sbatch",
            "--logs",
            "logs",
        ],
    );
    let full = std::fs::read_to_string(p.path().join("full.sbatch")).unwrap();
    assert!(
        full.contains(&format!("#SBATCH --array=0-{}\n", 2 * CELLS - 1)),
        "{full}"
    );
    assert!(full.contains("#SBATCH --cpus-per-task=1\n"), "{full}");
    assert!(!full.contains("--quick"), "{full}");
    assert!(!full.contains("--device"), "{full}");

    // A GPU plan's tasks and its collect name the device, which is in the cells' keys; the
    // plan lists other keys than the CPU plan's (planning opens no device).
    let out = run_binary(
        p,
        &[
            "plan",
            "small",
            "--data",
            "data",
            "--device",
            "cuda",
            "--slurm",
            "gpu.sbatch",
        ],
    );
    let gpu = std::fs::read_to_string(p.path().join("gpu.sbatch")).unwrap();
    assert!(
        gpu.contains(r#"run-cell "$EXPERIMENT" --device cuda --index "$INDEX""#),
        "{gpu}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("kare collect small --device cuda"),
        "{stdout}"
    );
    let keys = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| {
                l.split_once("pending ")
                    .map(|(_, rest)| rest[..12].to_string())
            })
            .collect()
    };
    let cpu = run_binary(p, &["plan", "small", "--data", "data"]);
    let (cpu, gpu) = (keys(&String::from_utf8_lossy(&cpu.stdout)), keys(&stdout));
    assert_eq!(cpu.len(), gpu.len());
    assert!(cpu.iter().all(|k| !gpu.contains(k)), "{cpu:?} {gpu:?}");

    // The job's options belong to --slurm; a job name an #SBATCH line cannot carry is refused.
    let out = p
        .kare(&["plan", "small", "--data", "data", "--cpus-per-task", "2"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "--cpus-per-task without --slurm");
    let out = p
        .kare(&[
            "plan",
            "small",
            "--data",
            "data",
            "--slurm",
            "bad.sbatch",
            "--job-name",
            "two words",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.sbatch") && stderr.contains("two words"),
        "{stderr}"
    );
    assert!(!p.path().join("bad.sbatch").exists());
}

#[test]
fn array_tasks_then_collect_write_what_run_writes() {
    let p = Project::new();
    let path = p.experiment("small", SMALL);
    let place = ["--quick", "--data", "data", "--cache", "shared"];
    let with = |args: &[&'static str]| -> Vec<&'static str> {
        args.iter().chain(place.iter()).copied().collect()
    };

    // Nothing computed yet: collect names the missing cells and writes nothing.
    let out = p
        .kare(&with(&["collect", "small", "--results", "collected"]))
        .output()
        .unwrap();
    assert!(!out.status.success(), "collect on an empty cache");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "small.toml",
        "12 of 12 cells are not in the cache",
        "[0] toy d1×w8 seed 0 ntk-kare lr 1;",
        "and 7 more",
    ] {
        assert!(stderr.contains(needle), "`{needle}` not in {stderr}");
    }
    assert!(!p.path().join("collected").exists());

    let plan = one_task_through_the_library(&p, &path);

    // An index outside the plan names the plan's size.
    let out = p
        .kare(&with(&["run-cell", "small", "--index", "12"]))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no cell 12: the plan has 12 cells (indices 0 to 11)"),
        "{stderr}"
    );

    // The other tasks, as the array would run them.
    for i in 1..CELLS {
        let index = i.to_string();
        let mut args = vec!["run-cell", "small", "--index", index.as_str()];
        args.extend(place);
        let out = run_binary(&p, &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!(
                "cell [{i}] of {CELLS}: {}",
                plan.cells[i].config.label()
            )) && stderr.contains("computed"),
            "{stderr}"
        );
    }
    assert_eq!(records_in(&p.path().join("shared/small")), CELLS);

    run_binary(&p, &with(&["collect", "small", "--results", "collected"]));
    let collected = std::fs::read(p.path().join("collected/small-quick.csv")).unwrap();
    let info: serde_json::Value = serde_json::from_slice(
        &std::fs::read(p.path().join("collected/small-quick.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(info["cells_from_cache"], CELLS);
    assert_eq!(info["cells_computed"], 0);

    // `kare run` over the same cache computes nothing and writes the same bytes.
    let out = run_binary(&p, &with(&["run", "small", "--results", "ran"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("12 from cache, 0 computed"), "{stderr}");
    let ran = std::fs::read(p.path().join("ran/small-quick.csv")).unwrap();
    assert!(collected == ran, "collect and run wrote different CSVs");
}

/// One task run through the library: computed once, then found in the cache; an index outside
/// the plan and a collect with cells missing are errors naming them. Returns the plan.
fn one_task_through_the_library(p: &Project, path: &Path) -> Plan {
    // One task through the library: computed once, then found in the cache.
    let plan = Plan::new(
        path,
        true,
        Some(&p.path().join("data")),
        &p.path().join("shared"),
        ComputeDevice::Cpu,
    )
    .unwrap();
    assert_eq!(plan.cells.len(), CELLS);
    assert!(matches!(
        experiment::compute_cell(&plan, 0).unwrap(),
        CellOutcome::Computed(_)
    ));
    assert_eq!(
        experiment::compute_cell(&plan, 0).unwrap(),
        CellOutcome::Cached
    );
    match experiment::compute_cell(&plan, CELLS).unwrap_err() {
        Error::CellIndex { index, cells, .. } => assert_eq!((index, cells), (CELLS, CELLS)),
        other => panic!("expected a cell index error, got {other}"),
    }
    match experiment::collect(&plan, &p.path().join("collected"), Instant::now()).unwrap_err() {
        Error::CellsMissing {
            missing,
            cells,
            examples,
            ..
        } => {
            assert_eq!((missing, cells, examples.len()), (CELLS - 1, CELLS, 5));
            assert_eq!(examples[0], format!("[1] {}", plan.cells[1].config.label()));
        }
        other => panic!("expected a missing-cells error, got {other}"),
    }
    assert!(!p.path().join("collected").exists());
    plan
}
