//! Table 1's report on a tiny hand-made UCI results file and a tiny `results_UCI.txt`:
//! `build` writes the ranking of the three protocols (checked number by number against a hand
//! computation), the machine-readable ranking and sets, the figure and the REPORT.md section; a missing or malformed classifiers'
//! file is an error naming it, through `build` and through `kare report --uci-results`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use kare_report::build;

const HEADER: &str = "experiment,dataset,overrides,gamma,sigma,depth,width,seed,method,lr,\
ridge_rel,lambda,train_mse,test_mse,test_accuracy,train_kare_gcv,final_kare,steps_run,\
stop_reason,wall_seconds";

/// One row: set, split (`holdout`, `kfold(k)`), method, lr, λ̃, accuracy (fraction).
fn row(csv: &mut String, set: &str, split: &str, method: &str, lr: &str, ridge: &str, acc: f64) {
    let _ = writeln!(
        csv,
        "t1test,uci121/{set},fold={split},,,1,8,0,{method},{lr},{ridge},,0.1,0.2,{acc:?},,,10,\
         completed,0.5"
    );
}

/// NTK-KARE (h1: λ̃ 0.01, h2: λ̃ 1; lr 10) and the DNN (lr 0.1) on three sets:
///
/// - `alpha`: NTK-KARE holdout h1 0.85, h2 0.95 → h* = h2, (a) 95; folds at h2 0.8, 0.9, 0.7,
///   0.8 → (b) 80 (its folds at h1, all 1.0, must not count). DNN: holdout 0.8, folds 0.9 → (a)
///   80, (b) 90.
/// - `beta`: NTK-KARE holdout h1 = h2 = 0.75 → h* = h1 (first in file order), (a) 75; h1 lacks
///   fold 3 (h2 has it), but `beta` ships a separate test file, so (b) skips it for that reason;
///   its test file at h1 0.6 (h2's 0.9 must not count) → (c) 60. DNN: holdout 0.5, folds 0.6,
///   test file 0.7.
/// - `delta`: complete, but not in the classifiers' file → skipped under both.
fn results_csv() -> String {
    let mut csv = format!("{HEADER}\n");
    let ntk = |csv: &mut String, set: &str, split: &str, ridge: &str, acc: f64| {
        row(csv, set, split, "ntk-kare", "10.0", ridge, acc)
    };
    let dnn = |csv: &mut String, set: &str, split: &str, acc: f64| {
        row(csv, set, split, "dnn", "0.1", "", acc)
    };
    ntk(&mut csv, "alpha", "holdout", "0.01", 0.85);
    ntk(&mut csv, "alpha", "holdout", "1.0", 0.95);
    dnn(&mut csv, "alpha", "holdout", 0.8);
    for (k, acc) in [0.8, 0.9, 0.7, 0.8].into_iter().enumerate() {
        let split = format!("kfold({k})");
        ntk(&mut csv, "alpha", &split, "0.01", 1.0);
        ntk(&mut csv, "alpha", &split, "1.0", acc);
        dnn(&mut csv, "alpha", &split, 0.9);
    }
    ntk(&mut csv, "beta", "holdout", "0.01", 0.75);
    ntk(&mut csv, "beta", "holdout", "1.0", 0.75);
    dnn(&mut csv, "beta", "holdout", 0.5);
    for k in 0..4 {
        let split = format!("kfold({k})");
        if k < 3 {
            ntk(&mut csv, "beta", &split, "0.01", 0.7);
        }
        ntk(&mut csv, "beta", &split, "1.0", 0.99);
        dnn(&mut csv, "beta", &split, 0.6);
    }
    ntk(&mut csv, "beta", "test_file", "0.01", 0.6);
    ntk(&mut csv, "beta", "test_file", "1.0", 0.9);
    dnn(&mut csv, "beta", "test_file", 0.7);
    for split in ["holdout", "kfold(0)", "kfold(1)", "kfold(2)", "kfold(3)"] {
        ntk(&mut csv, "delta", split, "0.01", 0.5);
        dnn(&mut csv, "delta", split, 0.5);
    }
    csv
}

/// Three classifiers, c3 missing on `alpha`; `gamma` is not in our results.
const CLASSIFIERS: &str = "        problema    c1     c2     c3\tmin\tmax\tmean\tstd
           alpha  90.0   80.0     --\t80.0\t90.0\t85.0\t7.1
            beta  70.0   75.0   60.0\t60.0\t75.0\t68.3\t7.6
           gamma  50.0   50.0   50.0\t50.0\t50.0\t50.0\t0.0
-----------------------------------------------
            mean  70.0   68.3   55.0
             std  20.0   16.1    7.1
";

/// Writes the fixtures; returns (results folder, classifiers' file, reference CSV).
fn fixtures(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let results = dir.join("results");
    std::fs::create_dir_all(&results).unwrap();
    std::fs::write(results.join("t1test.csv"), results_csv()).unwrap();
    std::fs::write(
        results.join("t1test.json"),
        r#"{"tier": "quick", "description": "tiny Table 1", "compute_seconds": 3.0,
            "separate_test_files": {"uci121/beta": {"file": "beta_test_R.dat", "rows": 10,
            "mean_shift": 2.0, "sd_ratio": "inf"}}}"#,
    )
    .unwrap();
    let classifiers = dir.join("results_UCI.txt");
    std::fs::write(&classifiers, CLASSIFIERS).unwrap();
    let reference = dir.join("paper_results.csv");
    std::fs::write(
        &reference,
        "figure,dataset,gamma,sigma,depth,width,method,ridge_rel,test_mse\n",
    )
    .unwrap();
    (results, classifiers, reference)
}

#[test]
fn build_ranks_the_three_protocols_against_the_classifiers() {
    let dir = tempfile::tempdir().unwrap();
    let (results, classifiers, reference) = fixtures(dir.path());
    let figures = dir.path().join("figures");
    let report = dir.path().join("REPORT.md");
    let summary = build(
        &results,
        &figures,
        &reference,
        &classifiers,
        &report,
        &["t1test"],
    )
    .unwrap();
    let headline = "NTK-KARE: position 1 (a), 3 (b) of 5 by Friedman rank";
    assert_eq!(summary.experiments[0].status_text(), headline);

    protocol_tables(&results);
    figure_files(&figures);
    ranking_and_sets_files(&results);
    report_text(&report, headline);
}

/// The Markdown and LaTeX tables of the three protocols, number by number.
fn protocol_tables(results: &Path) {
    let md = std::fs::read_to_string(results.join("t1test-table.md")).unwrap();
    let (a, rest) = md
        .split_once("## Protocol (b) HONEST")
        .expect("two protocol sections");
    let (b, rest) = rest.split_once("## Protocol (c) TEST FILE").unwrap();
    let (c, notes) = rest.split_once("## Notes").unwrap();
    assert!(a.contains("## Protocol (a) AS PUBLISHED"));
    // (a) on alpha and beta. alpha: NTK 95, DNN 80, c1 90, c2 80, c3 -- → ranks 1, 3.5, 2,
    // 3.5, 5. beta: NTK 75, DNN 50, c1 70, c2 75, c3 60 → 1.5, 5, 3, 1.5, 4. Best: 95, 75.
    for line in [
        "2 sets; 5 models ranked: our 2 methods under this protocol and the 3 classifiers of `results_UCI.txt`.",
        "| **NTK-KARE** | 1 | 1.25 | 85.0 ± 14.1 | 100.0 | 100.0 | 100.0 ± 0.0 | 2 |",
        // DNN: 80/95 and 50/75 reach neither 90 % nor 95 %; PMA (84.2 + 66.7) / 2.
        "| **DNN** | 4 | 4.25 | 65.0 ± 21.2 | 0.0 | 0.0 | 75.4 ± 12.4 | 2 |",
        "| *the 3 best of the 3 classifiers by Friedman rank:* |",
        // c1: 90 ≥ 85.5 and 70 ≥ 67.5 reach 90 %, neither reaches 95 %.
        "| c1 | 2 | 2.50 | 80.0 ± 14.1 | 100.0 | 0.0 | 94.0 ± 1.0 | 2 |",
        "| c2 | 2 | 2.50 | 77.5 ± 3.5 | 50.0 | 50.0 | 92.1 ± 11.2 | 2 |",
        // c3: missing on alpha (ranked last there), 60/75 on beta.
        "| c3 | 5 | 4.50 | 60.0 | 0.0 | 0.0 | 80.0 | 1 |",
    ] {
        assert!(a.contains(line), "protocol (a) lacks `{line}`:\n{a}");
    }
    // (b) on alpha only: NTK 80 (the folds at h2, not h1's 1.0), DNN 90, c1 90, c2 80,
    // c3 -- → ranks 3.5, 1.5, 1.5, 3.5, 5.
    for line in [
        "1 set; 5 models ranked",
        "| **NTK-KARE** | 3 | 3.50 | 80.0 | 0.0 | 0.0 | 88.9 | 1 |",
        "| **DNN** | 1 | 1.50 | 90.0 | 100.0 | 100.0 | 100.0 | 1 |",
        "| c1 | 1 | 1.50 | 90.0 | 100.0 | 100.0 | 100.0 | 1 |",
        "| c3 | 5 | 5.00 | — | 0.0 | 0.0 | — | 0 |",
    ] {
        assert!(b.contains(line), "protocol (b) lacks `{line}`:\n{b}");
    }
    // (c) on beta only: NTK 60, DNN 70, c1 70, c2 75, c3 60 → ranks 4.5, 2.5, 2.5, 1, 4.5.
    for line in [
        "1 set; 5 models ranked",
        "| **NTK-KARE** | 4 | 4.50 | 60.0 | 0.0 | 0.0 | 80.0 | 1 |",
        "| **DNN** | 2 | 2.50 | 70.0 | 100.0 | 0.0 | 93.3 | 1 |",
        "| c2 | 1 | 1.00 | 75.0 | 100.0 | 100.0 | 100.0 | 1 |",
    ] {
        assert!(c.contains(line), "protocol (c) lacks `{line}`:\n{c}");
    }
    for line in [
        "3 sets × 6 splits",
        "tier `quick`",
        "“tiny Table 1”",
        "NTK-KARE: depth {1}, width {8}, lr {10}, λ̃ {1e-2, 1e0}",
        "**Sets used, protocol (a) AS PUBLISHED**: 2 of the 3 sets in the results; skipped: `delta` (not in results_UCI.txt).",
        "**Sets used, protocol (b) HONEST**: 1 of the 3 sets in the results; skipped: `beta` (ships a separate test file: the classifiers' numbers for it are single accuracies on that file, not 4-fold means (see protocol (c))); `delta` (not in results_UCI.txt).",
        "**Sets used, protocol (c) TEST FILE**: 1 of the 3 sets in the results; none skipped.",
        "is ranked last there",
        // Per set (a / b / c), and h* chosen on the holdout.
        "| alpha | 90.0 | 95.0 / 80.0 / — | 80.0 / 90.0 / — |",
        "| beta | 75.0 | 75.0 / — / 60.0 | 50.0 / — / 70.0 |",
        // The test file, flagged (an sd ratio beyond 1.5) and used in (c).
        "| beta | `beta_test_R.dat` | 10 | 2.00 | inf | **yes** | yes |",
        "| alpha | d1 w8 lr 10 λ̃ 1e0 | d1 w8 lr 0.1 |",
        "| beta | d1 w8 lr 10 λ̃ 1e-2 | d1 w8 lr 0.1 |",
    ] {
        assert!(notes.contains(line), "notes lack `{line}`:\n{notes}");
    }

    let tex = std::fs::read_to_string(results.join("t1test-table.tex")).unwrap();
    assert_eq!(tex.matches(r"\begin{tabular}").count(), 3);
    assert!(tex.contains(r"\textbf{NTK-KARE} & 1 & 1.25 & 85.0 $\pm$ 14.1 & 100.0"));
}

/// The figure: a PNG, and an SVG with each protocol's marks and the legend.
fn figure_files(figures: &Path) {
    let png = std::fs::read(figures.join("t1test.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(png.len() > 10_000, "a drawn PNG, {} bytes", png.len());
    let svg = std::fs::read_to_string(figures.join("t1test.svg")).unwrap();
    for text in [
        "best accuracy of the classifiers on the set (%)",
        "our accuracy on the set (%)",
        "protocol (a) AS PUBLISHED",
        "protocol (b) HONEST",
        "protocol (c) TEST FILE",
        "NTK-KARE",
        "DNN",
    ] {
        assert!(svg.contains(text), "the SVG lacks `{text}`");
    }
    // Circles: 2 + 1 points of each method, (a) hollow and (b) filled, plus the legend's
    // 2 × 2 + 2; triangles: (c)'s 1 point of each method, plus the legend's 2 + 1.
    assert_eq!(svg.matches("<circle").count(), 2 * 2 + 2 + 4 + 2, "{svg}");
    assert_eq!(svg.matches("<polygon").count(), 2 + 3, "{svg}");
}

/// REPORT.md's Table 1 section.
fn report_text(report: &Path, headline: &str) {
    let text = std::fs::read_to_string(report).unwrap();
    for expected in [
        &format!("| [t1test](#t1test) | done | {headline} | — |")[..],
        "## t1test",
        "- **(a) AS PUBLISHED**: every hyper-parameter",
        "- **(b) HONEST**: the hyper-parameters chosen on the conxuntos.dat split",
        "![t1test](figures/t1test.png)",
        "### Protocol (a) AS PUBLISHED",
        "### Protocol (b) HONEST",
        "| **NTK-KARE** | 3 | 3.50 | 80.0 | 0.0 | 0.0 | 88.9 | 1 |",
        "- **(c) TEST FILE**: only the sets that ship a separate test file",
        "### Protocol (c) TEST FILE",
        "### The separate test files",
        "[the ranking](results/t1test-ranking.csv)",
        "- **Table 1: three protocols.**",
        "[the table file](results/t1test-table.md)",
    ] {
        assert!(
            text.contains(expected),
            "REPORT.md lacks `{expected}`:\n{text}"
        );
    }
}

/// `t1test-ranking.csv` ranks every model under every protocol (3 × 5 rows), as the Markdown
/// does; `t1test-sets.csv` lists every set per protocol, used or skipped with the reason.
fn ranking_and_sets_files(results: &Path) {
    let read = |name: &str| {
        let mut r = csv::Reader::from_path(results.join(name)).unwrap();
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let rows: Vec<Vec<String>> = (r.records())
            .map(|x| x.unwrap().iter().map(String::from).collect())
            .collect();
        (header, rows)
    };
    let (header, rows) = read("t1test-ranking.csv");
    assert_eq!(
        &header[..5],
        ["protocol", "model", "ours", "position", "friedman_rank"]
    );
    assert_eq!(rows.len(), 3 * 5);
    let find = |protocol: &str, model: &str| {
        (rows.iter())
            .find(|r| r[0] == protocol && r[1] == model)
            .unwrap_or_else(|| panic!("no {protocol} {model} row"))
    };
    let ntk = find("test-file", "NTK-KARE");
    assert_eq!((ntk[2].as_str(), ntk[3].as_str()), ("1", "4"));
    assert_eq!(ntk[4].parse::<f64>().unwrap(), 4.5);
    assert_eq!(ntk[5].parse::<f64>().unwrap(), 60.0);
    assert_eq!((ntk[10].as_str(), ntk[11].as_str()), ("1", "1"));
    let c3 = find("as-published", "c3");
    assert_eq!(
        (c3[2].as_str(), c3[3].as_str(), c3[11].as_str()),
        ("0", "5", "1")
    );

    let (header, rows) = read("t1test-sets.csv");
    assert_eq!(header, ["protocol", "set", "used", "reason"]);
    let line = |p: &str, s: &str| {
        let r = (rows.iter()).find(|r| r[0] == p && r[1] == s).unwrap();
        (r[2].clone(), r[3].clone())
    };
    assert_eq!(line("as-published", "beta"), ("1".into(), String::new()));
    let (used, why) = line("honest", "beta");
    assert!(
        used == "0" && why.starts_with("ships a separate test file"),
        "{why}"
    );
    assert_eq!(line("test-file", "beta"), ("1".into(), String::new()));
    assert_eq!(
        line("honest", "delta"),
        ("0".into(), "not in results_UCI.txt".into())
    );
    // (c) lists only the sets with a test file.
    assert!(!rows.iter().any(|r| r[0] == "test-file" && r[1] != "beta"));
}

#[test]
fn a_missing_or_malformed_classifiers_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (results, classifiers, reference) = fixtures(dir.path());
    let run = |uci: &Path| {
        build(
            &results,
            &dir.path().join("figures"),
            &reference,
            uci,
            &dir.path().join("REPORT.md"),
            &["t1test"],
        )
        .unwrap_err()
        .to_string()
    };
    let absent = dir.path().join("nowhere").join("results_UCI.txt");
    let err = run(&absent);
    assert!(
        err.contains(&absent.display().to_string()) && err.contains("cannot be read"),
        "{err}"
    );
    std::fs::write(
        &classifiers,
        CLASSIFIERS.replace("75.0   60.0", "75.0  sixty"),
    )
    .unwrap();
    let err = run(&classifiers);
    assert!(
        err.contains("results_UCI.txt") && err.contains("line 3") && err.contains("`sixty`"),
        "{err}"
    );

    // The command line: `--uci-results` names the file.
    let out = Command::new(env!("CARGO_BIN_EXE_kare"))
        .args(["report", "t1test", "--results"])
        .arg(&results)
        .arg("--reference")
        .arg(&reference)
        .arg("--figures")
        .arg(dir.path().join("figures"))
        .arg("--out")
        .arg(dir.path().join("REPORT.md"))
        .arg("--uci-results")
        .arg(&absent)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&absent.display().to_string()) && stderr.contains("--uci-results"),
        "{stderr}"
    );
}

#[test]
fn a_results_file_mixing_uci_and_other_sets_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (results, classifiers, reference) = fixtures(dir.path());
    let mut csv = results_csv();
    csv += "t1test,simulation,,1.0,0.0,1,8,0,dnn,0.1,,,0.1,0.2,,,,10,completed,0.5\n";
    std::fs::write(results.join("t1test.csv"), csv).unwrap();
    let err = build(
        &results,
        &dir.path().join("figures"),
        &reference,
        &classifiers,
        &dir.path().join("REPORT.md"),
        &["t1test"],
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("t1test.csv") && err.contains("UCI rows"),
        "{err}"
    );
}
