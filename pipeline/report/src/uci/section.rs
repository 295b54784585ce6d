//! Table 1's section of `REPORT.md`: the files, which protocol is which, the figure, both
//! tables and the notes.

use std::fmt::Write as _;
use std::path::Path;

use super::protocol::Protocol;
use super::rows::SET_PREFIX;
use super::table::{notes, protocol_section, protocols_markdown, test_files_markdown};
use super::Table1;
use crate::document::{link, Section};
use crate::format::duration;
use crate::tuning;
use crate::Outputs;
use kare_results::Method;

/// What the summary shows for Table 1: where NTK-KARE (or our first method) stands among all
/// models under protocols (a) and (b) (`NTK-KARE: position 12 (a), 40 (b) of 187`).
pub fn headline(t: &Table1) -> String {
    let place = |p: Protocol| {
        let c = t.comparison(p);
        let e = c
            .ours
            .iter()
            .find(|e| e.method == Some(Method::NtkKare))
            .or(c.ours.first());
        e.map(|e| (e.name.clone(), e.position, c.n_models))
    };
    match (place(Protocol::AsPublished), place(Protocol::Honest)) {
        (Some((name, a, n)), Some((_, b, _))) => {
            format!("{name}: position {a} (a), {b} (b) of {n} by Friedman rank")
        }
        (Some((name, a, n)), None) => {
            format!("{name}: position {a} of {n} (a); (b): no set usable")
        }
        _ => "no set usable".into(),
    }
}

/// The section of `t`, its files linked relative to `report_dir`.
pub fn section(t: &Table1, csv: &Path, outputs: &Outputs, report_dir: &Path) -> Section {
    let i = &t.inputs;
    let mut text = format!("## {}\n\n", t.name);
    text += &files_markdown(t, csv, outputs, report_dir);
    text += &introduction_markdown(t, outputs, report_dir);
    text += &tables_markdown(t);
    text += &closing_markdown(t, outputs, report_dir);
    let wall_seconds = i
        .run_info
        .as_ref()
        .and_then(|r| r.total_seconds())
        .map(|(_, s)| s);
    if let Some(s) = wall_seconds {
        let _ = writeln!(text, "Total compute: **{}**.\n", duration(s));
    }
    Section {
        text,
        claims_checked: 0,
        claims_holding: 0,
        paper_claims: (0, 0),
        wall_seconds,
        datasets: i.sets.iter().map(|s| format!("{SET_PREFIX}{s}")).collect(),
        quick: t.name.ends_with("-quick")
            || i.run_info.as_ref().and_then(|r| r.tier.as_deref()) == Some("quick"),
        headline: Some(headline(t)),
    }
}

/// The line linking the results read and the table and figure written from them.
fn files_markdown(t: &Table1, csv: &Path, outputs: &Outputs, report_dir: &Path) -> String {
    let i = &t.inputs;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "Results: [`{}`]({}) ({} sets × {} splits, {} rows). Table: [Markdown]({}), [LaTeX]({}). \
         Figure: [PNG]({}), [SVG]({}).",
        csv.file_name().unwrap_or_default().to_string_lossy(),
        link(report_dir, csv),
        i.sets.len(),
        i.splits.len(),
        i.n_rows,
        link(report_dir, &outputs.table_md),
        link(report_dir, &outputs.table_tex),
        link(report_dir, &outputs.png),
        link(report_dir, &outputs.svg),
    );
    text
}

/// What Table 1 of the paper is, which protocol is which, and the figure with its caption.
fn introduction_markdown(t: &Table1, outputs: &Outputs, report_dir: &Path) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "\nTable 1 of the paper: classification accuracy on the UCI collection, our methods \
         ranked jointly with the {} classifiers of Fernández-Delgado et al. (2014) (`{}`) by \
         the metrics of Arora et al. (2020). Three protocols, from the same runs:\n",
        t.n_classifiers, t.classifiers_file
    );
    text += &protocols_markdown();
    let _ = writeln!(
        text,
        "\n![{}]({})\n\n*Figure*: per set used, our accuracy against the best of the {} \
         classifiers on that set; hollow circles: protocol (a), filled circles: (b), triangles: (c); a point \
         below the dashed diagonal is a set where the best classifier beats us.\n",
        t.name,
        link(report_dir, &outputs.png),
        t.n_classifiers
    );
    text
}

/// The table of each protocol, then the separate test files and the classical baselines'
/// choices at a grid edge.
fn tables_markdown(t: &Table1) -> String {
    let mut text = String::new();
    for c in &t.comparisons {
        text += &protocol_section(c, t, "###");
        text += "\n";
    }
    text += "### The separate test files\n\n";
    text += &test_files_markdown(t);
    text += "\n### The classical baselines' choices at a grid edge\n\n";
    text += &tuning::markdown(&t.tuning);
    text
}

/// The links to the machine-readable ranking and sets (when written), the notes, and the
/// link to the table file with every accuracy and hyper-parameter chosen.
fn closing_markdown(t: &Table1, outputs: &Outputs, report_dir: &Path) -> String {
    let mut text = String::new();
    if let Some((ranking, sets)) = &outputs.ranking {
        let _ = writeln!(
            text,
            "\nMachine-readable: [the ranking]({}) (every model under every protocol) and \
             [the sets]({}) (used, or skipped with the reason).\n",
            link(report_dir, ranking),
            link(report_dir, sets)
        );
    }
    text += "### Notes\n\n";
    for n in notes(t) {
        let _ = writeln!(text, "- {n}");
    }
    let _ = writeln!(
        text,
        "\nThe accuracy of every method on every set under both protocols, and the \
         hyper-parameters chosen, are in [the table file]({}).\n",
        link(report_dir, &outputs.table_md)
    );
    text
}
