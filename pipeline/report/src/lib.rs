//! The report (`kare report`): figures, tables and `REPORT.md` generated from the experiment
//! runner's results files, with the paper's numbers beside ours.
//!
//! ```no_run
//! use std::path::Path;
//! # fn main() -> kare_report::Result<()> {
//! let summary = kare_report::build(
//!     Path::new("results"),
//!     Path::new("figures"),
//!     Path::new("../shared/reference/paper_results.csv"),
//!     Path::new("../shared/datasets/uci121_results/results_UCI.txt"),
//!     Path::new("REPORT.md"),
//!     &["figure1", "figure2"],
//! )?;
//! for e in &summary.experiments {
//!     println!("{}: {}", e.name, e.status_text());
//! }
//! # Ok(()) }
//! ```
//!
//! Modules: `load` (reading results, reference and provenance files), `aggregate` (panels and
//! statistics over seeds, oracle and GCV choices of λ̃), `reference` (the paper's curves by
//! panel), `claims` (METHOD §8's claims per panel) with `paired` (the per-seed differences
//! behind each claim and their bootstrap interval, drawn by `resample`), `paper_draws` (ours on
//! the paper's own draws against its values), `seeds` (the spread of 10-seed means over random
//! subsets of many seeds, and its figure), `tables` (Markdown and LaTeX), `figures` (plotters,
//! PNG and SVG), `document` (`REPORT.md`) and `format` (numbers for readers).
//! Results of UCI sets (Table 1) take their own path, `uci`: accuracies under two protocols,
//! ranked against the 179 classifiers of `results_UCI.txt`.

pub use kare_results::{Error, Result};

pub mod aggregate;
pub mod claims;
pub mod document;
pub mod figures;
#[cfg(test)]
mod fixtures;
pub mod format;
pub mod load;
pub mod paired;
pub mod paper_draws;
pub mod reference;
pub mod resample;
pub mod seeds;
pub mod tables;
pub mod tuning;
pub mod uci;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use kare_results::atomic::write_atomic;
use kare_results::ResultsFile;

/// The files written for one experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct Outputs {
    /// `<figures>/<experiment>.png`.
    pub png: PathBuf,
    /// `<figures>/<experiment>.svg`.
    pub svg: PathBuf,
    /// `<results>/<experiment>-table.md`.
    pub table_md: PathBuf,
    /// `<results>/<experiment>-table.tex`.
    pub table_tex: PathBuf,
    /// `<results>/<experiment>-vs-paper.md`, for an experiment on the paper's draws
    /// (`X-paper-seeds`): ours against the paper's values ([`paper_draws`]).
    pub vs_paper: Option<PathBuf>,
    /// `<figures>/<experiment>-seeds.{png,svg}`, for an experiment on our own generator with
    /// enough seeds: the spread of 10-seed means ([`seeds`]).
    pub seeds_figure: Option<(PathBuf, PathBuf)>,
    /// `<results>/<experiment>-ranking.csv` and `-sets.csv`, for Table 1 ([`uci::outputs`]).
    pub ranking: Option<(PathBuf, PathBuf)>,
}

/// What the report made of one experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentSummary {
    /// The experiment (the results file's stem, e.g. `figure1` or `figure1-quick`).
    pub name: String,
    /// Its files, or `None` when it has not been run (no results file, or no rows).
    pub outputs: Option<Outputs>,
    /// Claims checked on our numbers, and how many of them hold.
    pub claims_checked: usize,
    /// Claims that hold on our numbers.
    pub claims_holding: usize,
    /// For an experiment without claims (Table 1): what the report made of it instead.
    pub note: Option<String>,
}

impl ExperimentSummary {
    /// `not run yet`, `3 of 12 claims hold`, or the note (Table 1).
    pub fn status_text(&self) -> String {
        match (&self.outputs, &self.note) {
            (None, _) => "not run yet".into(),
            (Some(_), Some(note)) => note.clone(),
            (Some(_), None) => format!(
                "{} of {} claims hold",
                self.claims_holding, self.claims_checked
            ),
        }
    }
}

/// What [`build`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The report's path.
    pub report: PathBuf,
    /// Per experiment, in the order asked.
    pub experiments: Vec<ExperimentSummary>,
}

/// Builds the report of `experiments` (results file stems): for each one with
/// `<results_dir>/<name>.csv`, writes `<figures_dir>/<name>.{png,svg}` and
/// `<results_dir>/<name>-table.{md,tex}`; then writes `report_path` (`REPORT.md`) covering all
/// of them, listing the ones without results as "not run yet". Every file is written
/// atomically (temporary file, then rename).
///
/// A results file of UCI sets (Table 1) gets, instead of the λ̃ figure and the MSE tables,
/// the ranking of our methods against the classifiers of `uci_results` (`results_UCI.txt`,
/// read only then; missing or malformed, it is an error naming it) under both protocols, and
/// the accuracy-against-the-best-classifier figure ([`uci`]).
///
/// An experiment on the paper's own draws, `X-paper-seeds` (or `X-paper-seeds-quick`), also
/// gets `<results_dir>/<name>-vs-paper.md`, ours against the paper's values, with our own
/// seeds' values beside them when `experiments` holds `X` (or `X-quick`). An experiment on our
/// own generator with at least [`seeds::MIN_SEEDS`] seeds gets
/// `<figures_dir>/<name>-seeds.{png,svg}`, the spread of 10-seed means, marked with ours on the
/// paper's draws when `experiments` holds its `-paper-seeds` experiment.
pub fn build(
    results_dir: &Path,
    figures_dir: &Path,
    reference_csv: &Path,
    uci_results: &Path,
    report_path: &Path,
    experiments: &[&str],
) -> Result<Summary> {
    let reference = reference::Reference::new(load::load_reference(reference_csv)?);
    let report_dir = report_path.parent().unwrap_or(Path::new(""));
    // Every results file is read once; the λ̃-curve experiments' panels serve both their own
    // sections and their companions' (ours on the paper's draws beside our own seeds).
    let loaded = experiments
        .iter()
        .map(|&name| Loaded::read(results_dir, name))
        .collect::<Result<Vec<_>>>()?;
    let context = Context {
        results_dir,
        figures_dir,
        reference: &reference,
        report_dir,
        panels: curve_panels(experiments, &loaded),
    };
    let mut sections = Vec::new();
    let mut summaries = Vec::new();
    let mut classifiers: Option<uci::classifiers::Classifiers> = None;
    for (&name, loaded) in experiments.iter().zip(&loaded) {
        let (section, summary) = part(&context, name, loaded, uci_results, &mut classifiers)?;
        sections.push(section);
        summaries.push(summary);
    }
    let text = document::report(&sections, &summaries, reference_csv);
    write_atomic(report_path, text.as_bytes())?;
    Ok(Summary {
        report: report_path.to_path_buf(),
        experiments: summaries,
    })
}

/// The panels of the experiments of λ̃ curves among `loaded` (read from `experiments`, in
/// order), by name, so that an experiment's section can reach its companion's.
fn curve_panels<'a>(
    experiments: &[&'a str],
    loaded: &'a [Loaded],
) -> HashMap<&'a str, &'a [aggregate::Panel]> {
    experiments
        .iter()
        .zip(loaded)
        .filter_map(|(&name, l)| match &l.kind {
            Kind::Curves(panels, _) => Some((name, panels.as_slice())),
            _ => None,
        })
        .collect()
}

/// Where experiment `name`'s figure and tables go; the optional files are filled in by the
/// experiments they apply to.
fn planned_outputs(name: &str, figures_dir: &Path, results_dir: &Path) -> Outputs {
    Outputs {
        png: figures_dir.join(format!("{name}.png")),
        svg: figures_dir.join(format!("{name}.svg")),
        table_md: results_dir.join(format!("{name}-table.md")),
        table_tex: results_dir.join(format!("{name}-table.tex")),
        vs_paper: None,
        seeds_figure: None,
        ranking: None,
    }
}

/// Experiment `name`'s section of the report and its summary, writing its figure and tables
/// when it has results. The classifiers of `uci_results` are loaded into `classifiers` by the
/// first UCI experiment only, so that reports without Table 1 never need that file.
fn part(
    context: &Context,
    name: &str,
    loaded: &Loaded,
    uci_results: &Path,
    classifiers: &mut Option<uci::classifiers::Classifiers>,
) -> Result<(document::Section, ExperimentSummary)> {
    let csv = &loaded.csv;
    let outputs = planned_outputs(name, context.figures_dir, context.results_dir);
    let (section, outputs) = match &loaded.kind {
        Kind::NotRun => {
            let summary = ExperimentSummary {
                name: name.to_string(),
                outputs: None,
                claims_checked: 0,
                claims_holding: 0,
                note: None,
            };
            return Ok((document::not_run(name, csv, context.report_dir), summary));
        }
        Kind::Uci(file) => {
            if classifiers.is_none() {
                *classifiers = Some(uci::classifiers::Classifiers::load(uci_results)?);
            }
            let classifiers = classifiers.as_ref().expect("loaded above");
            let results = (file, loaded.run_info.as_ref());
            table1(context, name, results, classifiers, outputs)?
        }
        Kind::Curves(panels, baselines) => {
            let run_info = loaded.run_info.as_ref();
            curves(context, name, (panels, baselines), (csv, run_info), outputs)?
        }
    };
    let summary = ExperimentSummary {
        name: name.to_string(),
        outputs: Some(outputs),
        claims_checked: section.claims_checked,
        claims_holding: section.claims_holding,
        note: section.headline.clone(),
    };
    Ok((section, summary))
}

/// One experiment's results file and its provenance, each read once.
struct Loaded {
    csv: PathBuf,
    run_info: Option<load::RunInfo>,
    kind: Kind,
}

/// What an experiment's results hold.
enum Kind {
    /// No results file, or an empty one.
    NotRun,
    /// UCI sets (Table 1).
    Uci(ResultsFile),
    /// λ̃ curves (Figures 1 and 2), grouped into panels, and what the baselines' rows say of
    /// their tuning.
    Curves(Vec<aggregate::Panel>, tuning::Baselines),
}

impl Loaded {
    /// Reads `<results_dir>/<name>.csv` and, when it exists, `<name>.json`, and sorts out
    /// what they hold.
    fn read(results_dir: &Path, name: &str) -> Result<Loaded> {
        let csv = results_dir.join(format!("{name}.csv"));
        if !csv.exists() {
            return Ok(Loaded {
                csv,
                run_info: None,
                kind: Kind::NotRun,
            });
        }
        let file = ResultsFile::read(&csv)?;
        let run_info = load::load_run_info(&results_dir.join(format!("{name}.json")))?;
        let kind = if file.rows.is_empty() {
            Kind::NotRun
        } else if uci::is_uci(&file.rows, &csv)? {
            Kind::Uci(file)
        } else {
            let baselines = tuning::Baselines::of(&file.rows);
            Kind::Curves(aggregate::panels(&file.rows, &csv)?, baselines)
        };
        Ok(Loaded {
            csv,
            run_info,
            kind,
        })
    }
}

/// What every experiment's part of the report is built with.
struct Context<'a> {
    results_dir: &'a Path,
    figures_dir: &'a Path,
    reference: &'a reference::Reference,
    report_dir: &'a Path,
    /// The panels of every experiment of λ̃ curves the report covers, by name.
    panels: HashMap<&'a str, &'a [aggregate::Panel]>,
}

impl Context<'_> {
    /// The panels of experiment `name` when the report covers it and it has results of
    /// λ̃ curves; `None` otherwise.
    fn companion(&self, name: &str) -> Option<&[aggregate::Panel]> {
        self.panels.get(name).copied()
    }
}

/// The figure, tables and section of an experiment of λ̃ curves (Figures 1 and 2), with the
/// comparison on the paper's draws and the spread of 10-seed means where they apply.
fn curves(
    context: &Context,
    name: &str,
    (panels, baselines): (&[aggregate::Panel], &tuning::Baselines),
    (csv, run_info): (&Path, Option<&load::RunInfo>),
    mut outputs: Outputs,
) -> Result<(document::Section, Outputs)> {
    let reference = context.reference;
    figures::draw(
        panels,
        reference,
        &format!("{name}: test MSE against the relative ridge λ̃"),
        &outputs.png,
        &outputs.svg,
    )?;
    let with_model = !aggregate::share_model(panels);
    let table = tables::rows(panels, reference, with_model);
    write_atomic(&outputs.table_md, tables::markdown(&table).as_bytes())?;
    let caption = format!(
        "{name}: test MSE at the oracle λ̃ (chosen on the test set, as the paper does) \
         and at the λ̃ chosen on training data alone (GCV of the final kernel), over seeds; \
         the paper's best value beside them."
    );
    write_atomic(
        &outputs.table_tex,
        tables::latex(&table, &caption).as_bytes(),
    )?;
    let mut extra = seed_comparisons(context, name, panels, run_info, &mut outputs)?;
    extra += &baselines.markdown();
    let section = document::experiment(&document::Experiment {
        name,
        csv,
        panels,
        reference,
        table: &table,
        run_info,
        outputs: &outputs,
        report_dir: context.report_dir,
        with_model,
        extra: &extra,
    });
    Ok((section, outputs))
}

/// Table 1's figure, tables and section: our methods ranked against the 179 classifiers.
fn table1(
    context: &Context,
    name: &str,
    (file, run_info): (&ResultsFile, Option<&load::RunInfo>),
    classifiers: &uci::classifiers::Classifiers,
    mut outputs: Outputs,
) -> Result<(document::Section, Outputs)> {
    let table = uci::table1(name, file, run_info.cloned(), classifiers)?;
    uci::figure::draw(&table, &outputs.png, &outputs.svg)?;
    write_atomic(&outputs.table_md, uci::table::markdown(&table).as_bytes())?;
    write_atomic(&outputs.table_tex, uci::table::latex(&table).as_bytes())?;
    outputs.ranking = Some(uci::outputs::write(&table, context.results_dir)?);
    let section = uci::section::section(&table, &file.path, &outputs, context.report_dir);
    Ok((section, outputs))
}

/// The parts about seeds of experiment `name`: on the paper's draws, the comparison with the
/// paper (written to `<name>-vs-paper.md`); on our generator with enough seeds, the spread of
/// 10-seed means (drawn to `<name>-seeds.{png,svg}`). Records the files in `outputs` and
/// returns the report's Markdown for them (empty when neither applies).
fn seed_comparisons(
    context: &Context,
    name: &str,
    panels: &[aggregate::Panel],
    run_info: Option<&load::RunInfo>,
    outputs: &mut Outputs,
) -> Result<String> {
    let reference = context.reference;
    let with_model = !aggregate::share_model(panels);
    let mut extra = String::new();
    if let Some(own) = paper_draws::own_seeds_of(name) {
        let own = context.companion(&own).map(|p| (own.as_str(), p));
        let comparison = paper_draws::compare(name, panels, reference, own, with_model);
        let path = context.results_dir.join(format!("{name}-vs-paper.md"));
        write_atomic(&path, paper_draws::file(&comparison).as_bytes())?;
        extra += &paper_draws::section(&comparison, &path, context.report_dir);
        outputs.vs_paper = Some(path);
    }
    if seeds::qualifies(name, panels, run_info) {
        let draws_name = paper_draws::paper_draws_of(name);
        let draws = context.companion(&draws_name);
        let draws_name = draws.is_some().then_some(draws_name.as_str());
        let spreads = seeds::spreads(panels, reference, draws, with_model);
        let png = context.figures_dir.join(format!("{name}-seeds.png"));
        let svg = context.figures_dir.join(format!("{name}-seeds.svg"));
        seeds::figure::draw(name, &spreads, draws_name, &png, &svg)?;
        extra += &seeds::section(name, &spreads, (&png, &svg), draws_name, context.report_dir);
        outputs.seeds_figure = Some((png, svg));
    }
    Ok(extra)
}
