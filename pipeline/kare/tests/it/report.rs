//! The report on small hand-made results: aggregates over seeds, the oracle and GCV choices of
//! λ̃, the claims' verdicts (one panel built to hold, one to fail), the figures, tables and
//! REPORT.md written by `build`, and a clear error for a missing column.

use std::fmt::Write as _;
use std::path::Path;

use kare_report::aggregate::{panels, Panel};
use kare_report::claims::{check_panel, Claim, Verdict};
use kare_report::load::load_reference;
use kare_report::paired::Paired;
use kare_report::reference::Reference;
use kare_report::{build, ExperimentSummary, Outputs};
use kare_results::{Method, ResultRow, ResultsFile};

const HEADER: &str = "experiment,dataset,gamma,sigma,depth,width,seed,method,lr,ridge_rel,\
lambda,train_mse,test_mse,test_accuracy,train_kare_gcv,final_kare,steps_run,stop_reason,wall_seconds";

/// The λ̃ grid of the synthetic results.
const GRID: [f64; 3] = [0.01, 1.0, 100.0];

/// A panel of the synthetic results: data set, γ, σ, depth, width.
type PanelSpec = (&'static str, &'static str, &'static str, usize, usize);

const SIM_HOLDS: PanelSpec = ("simulation", "1.0", "0.0", 1, 64);
const SIM_FAILS: PanelSpec = ("simulation", "1.5", "0.1", 1, 64);
const MNIST: PanelSpec = ("mnist-7v9", "", "", 2, 32);

/// One kernel method's rows: `test[λ][seed]`, `gcv[λ][seed]`, per seed the final KARE and the
/// stop reason. Every run takes 2 s.
fn kernel(
    csv: &mut String,
    (dataset, gamma, sigma, depth, width): PanelSpec,
    method: &str,
    test: [[f64; 3]; 3],
    gcv: [[f64; 3]; 3],
    final_kare: [f64; 3],
    stop: [&str; 3],
) {
    for seed in 0..3 {
        for (l, ridge) in GRID.iter().enumerate() {
            let _ = writeln!(
                csv,
                "exp,{dataset},{gamma},{sigma},{depth},{width},{seed},{method},1.0,{ridge:?},{:?},\
                 0.01,{:?},,{:?},{:?},{},{},2.0",
                ridge * 3.0,
                test[l][seed],
                gcv[l][seed],
                final_kare[seed],
                if stop[seed] == "completed" { 100 } else { 12 },
                stop[seed],
            );
        }
    }
}

/// The DNN's rows (one per seed, no λ̃); every run takes 10 s.
fn dnn(csv: &mut String, (dataset, gamma, sigma, depth, width): PanelSpec, test: [f64; 3]) {
    for (seed, t) in test.iter().enumerate() {
        let _ = writeln!(
            csv,
            "exp,{dataset},{gamma},{sigma},{depth},{width},{seed},dnn,0.1,,,0.01,{t:?},,,,10000,completed,10.0"
        );
    }
}

const DONE: [&str; 3] = ["completed"; 3];

/// Figure-1-like results: panel (γ 1, σ 0) built so both claims hold, panel (γ 1.5, σ 0.1) so
/// both fail.
fn figure1_csv() -> String {
    let mut csv = format!("{HEADER}\n");
    // NTK-KARE at λ̃ = 0.01: 0.1, 0.2, 0.6 (mean 0.3, sd √0.07, median 0.2); at 1: 0.2, 0.25,
    // 0.15 (mean 0.2, sd 0.05: the oracle); at 100: 0.5, 0.6, 0.7. GCV picks λ̃ = 1, 0.01, 100
    // for seeds 0, 1, 2, so test MSEs 0.2, 0.2, 0.7.
    kernel(
        &mut csv,
        SIM_HOLDS,
        "ntk-kare",
        [[0.1, 0.2, 0.6], [0.2, 0.25, 0.15], [0.5, 0.6, 0.7]],
        [[0.5, 0.3, 0.8], [0.4, 0.6, 0.9], [0.9, 0.9, 0.7]],
        [0.1, 0.2, 0.3],
        ["completed", "non-finite KARE at step 12", "completed"],
    );
    // After-NTK means 0.4, 0.3, 0.7: NTK-KARE is at or below at every λ̃.
    kernel(
        &mut csv,
        SIM_HOLDS,
        "after-ntk",
        [[0.3, 0.4, 0.5], [0.25, 0.3, 0.35], [0.6, 0.7, 0.8]],
        [[1.0; 3], [0.5; 3], [2.0; 3]],
        [0.5; 3],
        DONE,
    );
    dnn(&mut csv, SIM_HOLDS, [0.3, 0.35, 0.4]);
    kernel(
        &mut csv,
        SIM_HOLDS,
        "initial-ntk",
        [[0.4, 0.5, 0.6], [0.4; 3], [0.8; 3]],
        [[1.0; 3], [0.5; 3], [2.0; 3]],
        [1.0, 1.2, 1.4],
        ["untrained"; 3],
    );
    // NTK-KARE means 0.5, 0.6, 0.9 against after-NTK 0.6, 0.7, 0.8 (above at λ̃ = 100) and
    // the DNN's 0.3 (above its best).
    kernel(
        &mut csv,
        SIM_FAILS,
        "ntk-kare",
        [[0.4, 0.5, 0.6], [0.5, 0.6, 0.7], [0.8, 0.9, 1.0]],
        [[1.0; 3], [0.5; 3], [2.0; 3]],
        [0.1; 3],
        DONE,
    );
    kernel(
        &mut csv,
        SIM_FAILS,
        "after-ntk",
        [[0.5, 0.6, 0.7], [0.6, 0.7, 0.8], [0.7, 0.8, 0.9]],
        [[1.0; 3], [0.5; 3], [2.0; 3]],
        [0.5; 3],
        DONE,
    );
    dnn(&mut csv, SIM_FAILS, [0.2, 0.3, 0.4]);
    kernel(
        &mut csv,
        SIM_FAILS,
        "initial-ntk",
        [[0.9; 3], [0.9; 3], [0.9; 3]],
        [[1.0; 3], [0.5; 3], [2.0; 3]],
        [1.0; 3],
        ["untrained"; 3],
    );
    csv
}

/// Figure-2-like results (one MNIST panel): NTK-KARE's best 0.12 is below the DNN's 0.2 but
/// above the after-NTK's best 0.10.
fn figure2_csv() -> String {
    let mut csv = format!("{HEADER}\n");
    kernel(
        &mut csv,
        MNIST,
        "ntk-kare",
        [[0.10, 0.12, 0.14], [0.2; 3], [0.5; 3]],
        [[1.0; 3], [0.5; 3], [2.0; 3]],
        [0.1; 3],
        DONE,
    );
    kernel(
        &mut csv,
        MNIST,
        "after-ntk",
        [[0.09, 0.10, 0.11], [0.3; 3], [0.6; 3]],
        [[1.0; 3], [0.5; 3], [2.0; 3]],
        [0.5; 3],
        DONE,
    );
    dnn(&mut csv, MNIST, [0.2; 3]);
    csv
}

/// The paper's values for the (γ 1, σ 0) and MNIST panels (the paper names MNIST `mnist`):
/// its NTK-KARE is above its after-NTK at λ̃ = 1.
const REFERENCE: &str = "figure,dataset,gamma,sigma,depth,width,method,ridge_rel,test_mse
figure1,simulation,1.0,0.0,1,64,NTK-KARE,0.01,0.25
figure1,simulation,1.0,0.0,1,64,NTK-KARE,1,0.21
figure1,simulation,1.0,0.0,1,64,NTK-KARE,100,0.5
figure1,simulation,1.0,0.0,1,64,after-NTK,0.01,0.45
figure1,simulation,1.0,0.0,1,64,after-NTK,1,0.1
figure1,simulation,1.0,0.0,1,64,after-NTK,100,0.7
figure1,simulation,1.0,0.0,1,64,DNN,,0.33
figure2,mnist,,,2,32,NTK-KARE,0.01,0.095
figure2,mnist,,,2,32,after-NTK,0.01,0.106
figure2,mnist,,,2,32,DNN,,0.110
";

/// The rows of a results CSV, through the report's reader.
fn load_results(csv: &Path) -> kare_results::Result<Vec<ResultRow>> {
    ResultsFile::read(csv).map(|f| f.rows)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

/// Writes the fixtures into `dir` and returns (results folder, reference path).
fn fixtures(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let results = dir.join("results");
    std::fs::create_dir_all(&results).unwrap();
    std::fs::write(results.join("fig1test.csv"), figure1_csv()).unwrap();
    std::fs::write(
        results.join("fig1test.json"),
        r#"{"experiment": "fig1test", "tier": "full", "compute_seconds": 125.0}"#,
    )
    .unwrap();
    std::fs::write(results.join("fig2test.csv"), figure2_csv()).unwrap();
    let reference = dir.join("paper_results.csv");
    std::fs::write(&reference, REFERENCE).unwrap();
    (results, reference)
}

fn figure1_panels(dir: &Path) -> Vec<Panel> {
    let (results, _) = fixtures(dir);
    let csv = results.join("fig1test.csv");
    panels(&load_results(&csv).unwrap(), &csv).unwrap()
}

#[test]
fn aggregates_over_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let panels = figure1_panels(dir.path());
    assert_eq!(panels.len(), 2);
    assert_eq!(panels[0].key.gamma, Some(1.0));
    assert_eq!(panels[0].n_seeds(), 3);
    let kare = panels[0].method(Method::NtkKare).unwrap();
    let curve = kare.curve();
    assert_eq!(
        curve.iter().map(|p| p.ridge_rel).collect::<Vec<_>>(),
        GRID.map(Some).to_vec()
    );
    // λ̃ = 0.01: 0.1, 0.2, 0.6.
    let s = &curve[0].stats;
    assert_eq!(s.n, 3);
    assert!(close(s.mean, 0.3), "{s:?}");
    assert!(close(s.sd.unwrap(), 0.07f64.sqrt()), "{s:?}");
    assert!(
        close(s.median, 0.2) && close(s.min, 0.1) && close(s.max, 0.6),
        "{s:?}"
    );
    // λ̃ = 1: 0.2, 0.25, 0.15.
    let s = &curve[1].stats;
    assert!(close(s.mean, 0.2) && close(s.sd.unwrap(), 0.05) && close(s.median, 0.2));
    // The DNN: one point without λ̃.
    let dnn = panels[0].method(Method::Dnn).unwrap().curve();
    assert_eq!(dnn.len(), 1);
    assert_eq!(dnn[0].ridge_rel, None);
    assert!(close(dnn[0].stats.mean, 0.35) && close(dnn[0].stats.median, 0.35));
}

#[test]
fn oracle_and_gcv_choices_of_the_ridge() {
    let dir = tempfile::tempdir().unwrap();
    let panels = figure1_panels(dir.path());
    let kare = panels[0].method(Method::NtkKare).unwrap();
    let oracle = kare.oracle().unwrap();
    assert_eq!(oracle.ridge_rel, Some(1.0));
    assert!(close(oracle.stats.mean, 0.2) && close(oracle.stats.sd.unwrap(), 0.05));

    let gcv = kare.gcv_choice().unwrap();
    assert_eq!(
        gcv.chosen,
        vec![(0, Some(1.0)), (1, Some(0.01)), (2, Some(100.0))]
    );
    // Test MSEs 0.2, 0.2, 0.7: mean 11/30, sd √(1/12), median 0.2.
    assert!(close(gcv.stats.mean, 11.0 / 30.0), "{:?}", gcv.stats);
    assert!(close(gcv.stats.sd.unwrap(), (1.0f64 / 12.0).sqrt()));
    assert!(close(gcv.stats.median, 0.2));

    // The DNN needs no choice: both are its own value.
    let dnn = panels[0].method(Method::Dnn).unwrap();
    assert_eq!(dnn.oracle().unwrap().ridge_rel, None);
    assert!(close(dnn.gcv_choice().unwrap().stats.mean, 0.35));
}

#[test]
fn claims_hold_in_one_panel_and_fail_in_another() {
    let dir = tempfile::tempdir().unwrap();
    let (results, reference) = fixtures(dir.path());
    let reference = Reference::new(load_reference(&reference).unwrap());
    let csv = results.join("fig1test.csv");
    let panels = panels(&load_results(&csv).unwrap(), &csv).unwrap();

    let holds = check_panel(&panels[0], &reference);
    assert_eq!(
        holds.iter().map(|c| c.claim).collect::<Vec<_>>(),
        [Claim::KareAtOrBelowAfterEverywhere, Claim::KareBestBelowDnn]
    );
    assert_eq!(holds[0].ours.verdict, Verdict::Holds, "{:?}", holds[0]);
    assert!(holds[0].ours.detail.starts_with("at 3 of 3 λ̃"));
    // Paired, the largest NTK-KARE − after-NTK over λ̃ per seed: seed 0 max(−0.2, −0.05, −0.1),
    // seed 1 max(−0.2, −0.05, −0.1), seed 2 max(0.1, −0.2, −0.1): above at λ̃ = 0.01.
    let paired = holds[0].paired.as_ref().unwrap();
    assert_paired(paired, &[-0.05, -0.05, 0.1], 2);
    // The paper's NTK-KARE is above its after-NTK at λ̃ = 1.
    let paper = holds[0].paper.as_ref().unwrap();
    assert_eq!(paper.verdict, Verdict::DoesNotHold);
    assert_eq!(paper.detail, "at 2 of 3 λ̃");
    assert_eq!(holds[1].ours.verdict, Verdict::Holds);
    // At NTK-KARE's λ̃* = 1 against the DNN: 0.2 − 0.3, 0.25 − 0.35, 0.15 − 0.4.
    assert_paired(holds[1].paired.as_ref().unwrap(), &[-0.1, -0.1, -0.25], 3);
    assert_eq!(holds[1].paper.as_ref().unwrap().verdict, Verdict::Holds);

    let fails = check_panel(&panels[1], &reference);
    assert_eq!(fails[0].ours.verdict, Verdict::DoesNotHold);
    assert!(
        fails[0].ours.detail.contains("at 2 of 3 λ̃") && fails[0].ours.detail.contains("1e2"),
        "{}",
        fails[0].ours.detail
    );
    assert_eq!(fails[1].ours.verdict, Verdict::DoesNotHold);
    // At λ̃* = 0.01: 0.4 − 0.2, 0.5 − 0.3, 0.6 − 0.4; all equal, so the interval is a point.
    let paired = fails[1].paired.as_ref().unwrap();
    assert_paired(paired, &[0.2, 0.2, 0.2], 0);
    let (lo, hi) = paired.interval.unwrap();
    assert!(close(lo, 0.2) && close(hi, 0.2), "{paired:?}");
    assert!(fails.iter().all(|c| c.paper.is_none()), "no paper panel");

    // Figure 2's claims: below the DNN holds, at or below the after-NTK's best fails; the
    // paper's `mnist` is our `mnist-7v9`, where both hold.
    let csv = results.join("fig2test.csv");
    let mnist = panels_of(&csv);
    let checks = check_panel(&mnist[0], &reference);
    assert_eq!(
        checks
            .iter()
            .map(|c| (c.claim, c.ours.verdict))
            .collect::<Vec<_>>(),
        [
            (Claim::KareBestBelowDnn, Verdict::Holds),
            (Claim::KareBestAtOrBelowAfterBest, Verdict::DoesNotHold)
        ]
    );
    assert!(checks
        .iter()
        .all(|c| c.paper.as_ref().unwrap().verdict == Verdict::Holds));
}

/// The paired differences are `expected` (seeds 0, 1, 2), their mean is theirs, its interval
/// holds it, and the claim holds in `holding` seeds.
fn assert_paired(p: &Paired, expected: &[f64], holding: usize) {
    let d: Vec<f64> = p.differences.iter().map(|&(_, d)| d).collect();
    assert_eq!(d.len(), expected.len(), "{p:?}");
    assert!(d.iter().zip(expected).all(|(a, b)| close(*a, *b)), "{p:?}");
    let mean = expected.iter().sum::<f64>() / expected.len() as f64;
    assert!(close(p.mean.unwrap(), mean), "{p:?}");
    let (lo, hi) = p.interval.unwrap();
    assert!(lo <= mean + 1e-12 && mean <= hi + 1e-12, "{p:?}");
    assert_eq!(
        (p.holding, p.finite, p.non_finite),
        (holding, 3, 0),
        "{p:?}"
    );
}

fn panels_of(csv: &Path) -> Vec<Panel> {
    panels(&load_results(csv).unwrap(), csv).unwrap()
}

/// (width, height) from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes(b.try_into().unwrap());
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

/// (width, height) of an SVG's root element.
fn svg_size(text: &str) -> (u32, u32) {
    let root = &text[text.find("<svg").unwrap()..];
    let attribute = |name: &str| -> u32 {
        let start = root.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        root[start..].split('"').next().unwrap().parse().unwrap()
    };
    (attribute("width"), attribute("height"))
}

#[test]
fn build_writes_figures_tables_and_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let (results, reference) = fixtures(dir.path());
    let figures = dir.path().join("figures");
    let report = dir.path().join("REPORT.md");
    let summary = build(
        &results,
        &figures,
        &reference,
        &dir.path().join("no-uci-results-needed.txt"),
        &report,
        &["fig1test", "fig2test", "absent"],
    )
    .unwrap();

    let status: Vec<(&str, usize, usize, bool)> = summary
        .experiments
        .iter()
        .map(|e: &ExperimentSummary| {
            (
                e.name.as_str(),
                e.claims_holding,
                e.claims_checked,
                e.outputs.is_some(),
            )
        })
        .collect();
    assert_eq!(
        status,
        [
            ("fig1test", 2, 4, true),
            ("fig2test", 1, 2, true),
            ("absent", 0, 0, false)
        ]
    );

    // Three seeds on our generator, not the paper's draws: neither the spread of 10-seed means
    // nor the comparison on the paper's draws.
    for e in &summary.experiments[..2] {
        let outputs = e.outputs.as_ref().unwrap();
        assert_eq!((&outputs.seeds_figure, &outputs.vs_paper), (&None, &None));
    }

    figures_have_their_panels(&figures);

    fig1_tables(&results);

    let text = std::fs::read_to_string(&report).unwrap();
    for expected in [
        "| [fig1test](#fig1test) | done | 2 of 4 |",
        "| [absent](#absent) | not run yet |",
        "**Not run yet**",
        "**holds**",
        "**does not hold**",
        "no counterpart",
        "- γ = 1, σ = 0, after-NTK: ours 0.300 ± 0.0500",
        // Sanity: seed 1's KARE training stopped early; final KARE 0.2 against 1.2.
        "| γ = 1, σ = 0 | 1 of 3 (33 %) | non-finite KARE at step N (×1) | 12 | 0.200 (median 0.200) | 1.20 (median 1.20) | 3 of 3 |",
        "Total: **2 min 5 s** (`compute_seconds` of the run's metadata)",
        // d_s = −0.1, −0.1, −0.25: a resample's mean is −0.25 with probability 1/27 > 2.5 %
        // and −0.1 with 8/27 > 2.5 %, so the bootstrap interval is [−0.25, −0.1].
        "| **holds** | -0.150 [-0.250, -0.100] | 3 of 3 (100 %) | 0.210 vs DNN 0.330 | holds |",
        "*Paired d_s*: per seed s that both methods have",
        "![fig1test](figures/fig1test.png)",
    ] {
        assert!(text.contains(expected), "REPORT.md lacks `{expected}`:\n{text}");
    }
    assert!(!text.contains("Higgs: a subset"), "no Higgs panel here");
}

/// Figure 1's Markdown and LaTeX tables: the oracle and GCV columns against the paper.
fn fig1_tables(results: &Path) {
    let md = std::fs::read_to_string(results.join("fig1test-table.md")).unwrap();
    assert!(md.contains("oracle λ̃ (test)") && md.contains("GCV-chosen λ̃ (train only)"));
    // NTK-KARE: oracle 0.2 ± 0.05 at λ̃ = 1, within 1 sd of the paper's 0.21; GCV 0.367.
    assert!(
        md.contains("| NTK-KARE | 3 | 1e0 | 0.200 ± 0.0500 | 0.200 | 1e-2…1e2 | 0.367 ± 0.289 | 0.200 | 0.210 (λ̃ = 1e0) | within 1 sd |"),
        "{md}"
    );
    // After-NTK: 0.3 ± 0.05 against the paper's 0.1.
    assert!(md.contains("0.100 (λ̃ = 1e0) | differs by > 1 sd |"), "{md}");
    let tex = std::fs::read_to_string(results.join("fig1test-table.tex")).unwrap();
    assert!(tex.contains(r"\begin{tabular}") && tex.contains(r"$\tilde\lambda$"));
    assert!(
        !tex.contains(r"\$"),
        "no escaped math in the caption:\n{tex}"
    );
    assert!(tex.contains(r"$\gamma$ = 1, $\sigma$ = 0") && tex.contains(r"0.200 $\pm$ 0.0500"));
}

/// Figure 1: rows σ × columns γ = 2 × 2 panels of 520 px; Figure 2: one panel; PNG and SVG of
/// one size, with the panels' titles and the axes' labels.
fn figures_have_their_panels(figures: &Path) {
    for (name, width, titles) in [
        ("fig1test", 1040, &["γ = 1, σ = 0", "γ = 1.5, σ = 0.1"][..]),
        ("fig2test", 520, &["MNIST 7 vs 9, depth 2, width 32"][..]),
    ] {
        let png = std::fs::read(figures.join(format!("{name}.png"))).unwrap();
        let svg = std::fs::read_to_string(figures.join(format!("{name}.svg"))).unwrap();
        let size = png_size(&png);
        assert_eq!(size, svg_size(&svg), "{name}: PNG and SVG sizes");
        assert_eq!(size.0, width, "{name}");
        assert!(size.1 > 400, "{name}: {size:?}");
        assert!(
            png.len() > 10_000,
            "{name}: a drawn PNG, {} bytes",
            png.len()
        );
        for title in titles {
            assert!(svg.contains(title), "{name}: SVG lacks `{title}`");
        }
        assert!(svg.contains("relative ridge λ̃") && svg.contains("test MSE"));
    }
}

#[test]
fn a_missing_column_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("broken.csv");
    let text = figure1_csv().replacen("train_kare_gcv,", "", 1);
    std::fs::write(&csv, text).unwrap();
    let err = load_results(&csv).unwrap_err().to_string();
    assert!(
        err.contains("`train_kare_gcv`") && err.contains("broken.csv"),
        "{err}"
    );

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, figure1_csv().replacen(",0.5,", ",half,", 1)).unwrap();
    let err = load_results(&bad).unwrap_err().to_string();
    assert!(
        err.contains("line 2") && err.contains("`half` is not a number"),
        "{err}"
    );
}

/// Rows of `method` in the (γ 1, σ 0) panel for `seeds`, test MSE `mse(seed, λ̃)` on the
/// λ̃ grid (the DNN: one row without λ̃).
fn seeded(
    csv: &mut String,
    method: &str,
    seeds: std::ops::Range<u64>,
    mse: impl Fn(u64, Option<f64>) -> f64,
) {
    let (dataset, gamma, sigma, depth, width) = SIM_HOLDS;
    for seed in seeds {
        if method == "dnn" {
            let t = mse(seed, None);
            let _ = writeln!(
                csv,
                "exp,{dataset},{gamma},{sigma},{depth},{width},{seed},dnn,0.1,,,0.01,{t:?},,,,10000,completed,10.0"
            );
            continue;
        }
        for ridge in GRID {
            let _ = writeln!(
                csv,
                "exp,{dataset},{gamma},{sigma},{depth},{width},{seed},{method},1.0,{ridge:?},1.0,\
                 0.01,{:?},,0.5,0.1,100,completed,2.0",
                mse(seed, Some(ridge)),
            );
        }
    }
}

/// NTK-KARE (best at λ̃ = 1: 0.02 + 0.001·s), the after-NTK (0.1 + 0.002·s) and the DNN
/// (0.1501 + 0.003·s) on `seeds`; the DNN of seed 1 is replaced by `dnn_seed_1` when given.
fn seeded_csv(seeds: std::ops::Range<u64>, dnn_seed_1: Option<f64>) -> String {
    let mut csv = format!("{HEADER}\n");
    let s = |seed: u64| seed as f64;
    seeded(&mut csv, "ntk-kare", seeds.clone(), |seed, r| {
        0.02 + 0.001 * s(seed) + if r == Some(1.0) { 0.0 } else { 0.05 }
    });
    seeded(&mut csv, "after-ntk", seeds.clone(), |seed, _| {
        0.1 + 0.002 * s(seed)
    });
    seeded(&mut csv, "dnn", seeds, |seed, _| match (seed, dnn_seed_1) {
        (1, Some(v)) => v,
        _ => 0.1501 + 0.003 * s(seed),
    });
    csv
}

/// A results JSON whose one data set is drawn by `rng` (none: the default generator).
fn run_json(name: &str, rng: Option<&str>) -> String {
    let rng = rng.map_or(String::new(), |r| format!(r#", "rng": "{r}""#));
    format!(
        r#"{{"experiment": "{name}", "tier": "full", "config": {{"init": "independent",
        "cell_threads": 1, "datasets": [{{"name": "simulation",
        "overrides": {{"gamma": 1.0, "sigma": 0.0{rng}}}}}]}}}}"#
    )
}

/// Writes `results/`: our seeds 0…19 (`x`) and the paper's draws 0…2 (`x-paper-seeds`), seed
/// 1's DNN 0.3 (DNN 0.1501, 0.3, 0.1561); returns the folder.
fn seeded_results(dir: &Path) -> std::path::PathBuf {
    let results = dir.join("results");
    std::fs::create_dir_all(&results).unwrap();
    std::fs::write(results.join("x.csv"), seeded_csv(0..20, None)).unwrap();
    std::fs::write(results.join("x.json"), run_json("x", None)).unwrap();
    std::fs::write(
        results.join("x-paper-seeds.csv"),
        seeded_csv(0..3, Some(0.3)),
    )
    .unwrap();
    std::fs::write(
        results.join("x-paper-seeds.json"),
        run_json("x-paper-seeds", Some("numpy-legacy")),
    )
    .unwrap();
    results
}

#[test]
fn build_compares_the_papers_draws_and_the_spread_of_ten_seed_means() {
    let dir = tempfile::tempdir().unwrap();
    let results = seeded_results(dir.path());
    // The paper: NTK-KARE below every 10-seed mean of ours, the after-NTK above every one,
    // the DNN near our 20-seed mean 0.1786, the middle of its symmetric distribution.
    let reference = dir.path().join("paper_results.csv");
    std::fs::write(
        &reference,
        "figure,dataset,gamma,sigma,depth,width,method,ridge_rel,test_mse
figure1,simulation,1.0,0.0,1,64,NTK-KARE,1,0.01
figure1,simulation,1.0,0.0,1,64,after-NTK,1,0.5
figure1,simulation,1.0,0.0,1,64,DNN,,0.178
",
    )
    .unwrap();
    let figures = dir.path().join("figures");
    let report = dir.path().join("REPORT.md");
    let summary = build(
        &results,
        &figures,
        &reference,
        &dir.path().join("unused.txt"),
        &report,
        &["x", "x-paper-seeds"],
    )
    .unwrap();
    let (own, draws) = (&summary.experiments[0], &summary.experiments[1]);
    let own_out = own.outputs.as_ref().unwrap();
    let draws_out = draws.outputs.as_ref().unwrap();
    assert_eq!(own_out.vs_paper, None, "x is not on the paper's draws");
    assert_eq!(
        draws_out.seeds_figure, None,
        "x-paper-seeds is not on our generator"
    );

    seeds_figure_is_drawn(own_out, &figures);

    vs_paper_rows(draws_out);

    let text = std::fs::read_to_string(&report).unwrap();
    for expected in [
        "### Against the paper, on the paper's own draws",
        "Draws: data generator `numpy-legacy`",
        "Draws: data generator `chacha8`",
        "init `independent` (the KARE network and the DNN are two consecutive draws",
        "![x: spread of 10-seed means](figures/x-seeds.png)",
        "| ours on the paper's draws (`x-paper-seeds`) | its percentile |",
        // The paper's NTK-KARE 0.01 is below every subset, its after-NTK 0.5 above.
        "| γ = 1, σ = 0 | NTK-KARE | 20 |",
        "| 0.0100 | 0 % (below every subset) |",
        "| 0.500 | 100 % (above every subset) |",
    ] {
        assert!(
            text.contains(expected),
            "REPORT.md lacks `{expected}`:\n{text}"
        );
    }
    // The DNN's paper value, our full mean, sits near the middle of the 10-seed means.
    let spread = &text[text.find("### How far a 10-seed mean").unwrap()..];
    let dnn_row = spread
        .lines()
        .find(|l| l.starts_with("|  | DNN | 20 |"))
        .unwrap();
    let cells: Vec<&str> = dnn_row.split('|').map(str::trim).collect();
    let percentile: f64 = cells[6].trim_end_matches(" %").parse().unwrap();
    assert!((40.0..60.0).contains(&percentile), "{dnn_row}");
}

/// The comparison on the paper's draws: each method's value beside ours and our own seeds'.
fn vs_paper_rows(outputs: &Outputs) {
    // Ours on the paper's draws against the paper, with our seeds beside: the DNN's mean
    // 0.2021 ± SE 0.0490 (sd 0.0849 / √3) holds 0.178; 20 seeds: 0.1786 ± 0.003·√35 / √20.
    // NTK-KARE: 0.021 ± 0.001 / √3, 0.0295 ± 0.001·√35 / √20.
    let vs = std::fs::read_to_string(outputs.vs_paper.as_ref().unwrap()).unwrap();
    let rows: Vec<&str> = vs.lines().filter(|l| l.starts_with("| ")).collect();
    assert_eq!(rows.len(), 4, "a header and three methods:\n{vs}");
    assert_eq!(
        rows[1],
        "| γ = 1, σ = 0 | NTK-KARE | 0.0100 (λ̃ = 1e0) | 0.0210 ± 5.77e-4 (λ̃ = 1e0, 3 seeds) \
         | no | 0.0295 ± 0.00132 (λ̃ = 1e0, 20 seeds) |"
    );
    assert_eq!(
        rows[3],
        "|  | DNN | 0.178 | 0.202 ± 0.0490 (3 seeds) | yes | 0.179 ± 0.00397 (20 seeds) |"
    );
    assert!(vs.contains("in 1 of 3 rows"), "{vs}");
}

/// The spread of 10-seed means is drawn, as PNG and SVG of one size, with its panel, methods
/// and the paper-draws companion.
fn seeds_figure_is_drawn(outputs: &Outputs, figures: &Path) {
    let (png, svg) = outputs.seeds_figure.as_ref().unwrap();
    assert_eq!(png, &figures.join("x-seeds.png"));
    let png = std::fs::read(png).unwrap();
    let svg = std::fs::read_to_string(svg).unwrap();
    assert_eq!(png_size(&png), svg_size(&svg));
    assert!(png.len() > 10_000, "a drawn PNG, {} bytes", png.len());
    for text in [
        "γ = 1, σ = 0",
        "NTK-KARE",
        "after-NTK",
        "DNN",
        "x-paper-seeds",
    ] {
        assert!(svg.contains(text), "the SVG lacks `{text}`");
    }
}
