//! Table 1 as Markdown (`<results>/<stem>-table.md`, and the parts `REPORT.md` reuses) and
//! LaTeX (`<stem>-table.tex`): per protocol, our methods then the best classifiers, with their
//! position among all models, Friedman rank, mean accuracy, P90, P95 and PMA; the notes; and,
//! in the Markdown file, the accuracies and the chosen hyper-parameters per set.

use std::fmt::Write as _;

use super::compare::{Comparison, Entry, TOP};
use super::protocol::Protocol;
use super::Table1;
use crate::format::{duration, latex_text};
use crate::tuning;
use kare_results::Fold;

/// The column headers after the model's name (`{n}`: the number of models ranked).
fn header(n_models: usize) -> [String; 7] {
    [
        format!("position (of {n_models})"),
        "Friedman rank".into(),
        "mean accuracy (%) ± sd".into(),
        "P90 (%)".into(),
        "P95 (%)".into(),
        "PMA (%) ± sd".into(),
        "sets with an accuracy".into(),
    ]
}

/// A percentage or rank with one decimal; `—` for none.
fn one(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{v:.1}"))
}

/// `mean ± sd` with one decimal (the mean alone without a spread).
fn pm(mean: Option<f64>, sd: Option<f64>) -> String {
    match (mean, sd) {
        (Some(m), Some(s)) => format!("{m:.1} ± {s:.1}"),
        (m, _) => one(m),
    }
}

/// The cells of an entry after its name.
fn cells(e: &Entry) -> [String; 7] {
    let m = &e.metrics;
    [
        e.position.to_string(),
        format!("{:.2}", m.friedman),
        pm(m.mean, m.sd),
        one(Some(m.p90)),
        one(Some(m.p95)),
        pm(m.pma, m.pma_sd),
        m.n_present.to_string(),
    ]
}

/// `the 179 classifiers` (the count as read).
fn classifiers_phrase(n: usize) -> String {
    format!("the {n} classifiers")
}

/// One protocol's table as Markdown: our methods (bold), then the best classifiers.
pub fn protocol_markdown(c: &Comparison, n_classifiers: usize) -> String {
    if c.sets.is_empty() {
        return "*No set has an accuracy for every one of our methods under this protocol and a \
                row in the classifiers' file: nothing to rank (see the notes).*\n"
            .into();
    }
    let head = header(c.n_models);
    let mut out = format!("| model | {} |\n", head.join(" | "));
    out += &format!("|{}\n", "---|".repeat(head.len() + 1));
    for e in &c.ours {
        let _ = writeln!(out, "| **{}** | {} |", e.name, cells(e).join(" | "));
    }
    let _ = writeln!(
        out,
        "| *the {} best of {} by Friedman rank:* |{}",
        c.top.len().min(TOP),
        classifiers_phrase(n_classifiers),
        " |".repeat(head.len())
    );
    for e in &c.top {
        let _ = writeln!(out, "| {} | {} |", e.name, cells(e).join(" | "));
    }
    out
}

/// A protocol's heading (at Markdown `level`, `##`), its introduction and its table.
pub fn protocol_section(c: &Comparison, t: &Table1, level: &str) -> String {
    format!(
        "{level} Protocol {}\n\n{}\n\n{}",
        c.protocol.label(),
        protocol_intro(c, t),
        protocol_markdown(c, t.n_classifiers)
    )
}

/// The line above a protocol's table: what it ranks.
pub fn protocol_intro(c: &Comparison, t: &Table1) -> String {
    format!(
        "{} set{}; {} models ranked: our {} methods under this protocol and {} of `{}`.",
        c.sets.len(),
        if c.sets.len() == 1 { "" } else { "s" },
        c.n_models,
        c.n_models - t.n_classifiers,
        classifiers_phrase(t.n_classifiers),
        t.classifiers_file
    )
}

/// `holdout, kfold(0), …` of the splits present.
fn splits_text(splits: &[Fold]) -> String {
    splits
        .iter()
        .map(Fold::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The notes under the tables, one Markdown paragraph (bullet text) each: the input, the run,
/// the grid, the sets each protocol uses, then how the columns are computed and what the
/// accuracies compared are.
pub fn notes(t: &Table1) -> Vec<String> {
    let mut notes = vec![input_note(t)];
    notes.extend(run_note(t));
    notes.push(grid_note(t));
    notes.extend(t.comparisons.iter().map(|c| sets_used_note(t, c)));
    notes.push(friedman_note(t));
    notes.push(SCORES_NOTE.trim_end().into());
    notes.push(classifiers_note(t));
    notes.push(OUR_ACCURACY_NOTE.trim_end().into());
    notes
}

/// The results file read: its rows, sets, splits and seeds.
fn input_note(t: &Table1) -> String {
    let i = &t.inputs;
    format!(
        "**Input**: `{}.csv`, {} rows: {} sets × {} splits ({}), {} seed{} ({}).",
        t.name,
        i.n_rows,
        i.sets.len(),
        i.splits.len(),
        splits_text(&i.splits),
        i.seeds.len(),
        if i.seeds.len() == 1 { "" } else { "s" },
        i.seeds
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Where the results come from, from the run's record and the experiment's description;
/// none when neither says anything.
fn run_note(t: &Table1) -> Option<String> {
    let i = &t.inputs;
    let mut run = Vec::new();
    if let Some(info) = &i.run_info {
        if let Some(tier) = &info.tier {
            run.push(format!("tier `{tier}`"));
        }
        if let Some(commit) = &info.git_commit {
            run.push(format!("commit `{}`", &commit[..commit.len().min(12)]));
        }
        if let Some((key, seconds)) = info.total_seconds() {
            run.push(format!("`{key}` {}", duration(seconds)));
        }
        if let Some(d) = &info.description {
            run.push(format!("the experiment's description: “{d}”"));
        }
    }
    (!run.is_empty()).then(|| format!("**Run** (`{}.json`): {}.", t.name, run.join("; ")))
}

/// The hyper-parameter grid each method has in the results.
fn grid_note(t: &Table1) -> String {
    format!(
        "**Grid in the results** (h = whichever of depth, width, lr, λ̃ a method has): {}.",
        t.inputs
            .grid
            .iter()
            .map(|(m, g)| format!("{}: {g}", m.label()))
            .collect::<Vec<_>>()
            .join("; ")
    )
}

/// The sets one protocol uses, of those in the results, and the ones it skips with why.
fn sets_used_note(t: &Table1, c: &Comparison) -> String {
    let skipped = if c.skipped.is_empty() {
        "none skipped".to_string()
    } else {
        format!(
            "skipped: {}",
            c.skipped
                .iter()
                .map(|(set, why)| format!("`{set}` ({why})"))
                .collect::<Vec<_>>()
                .join("; ")
        )
    };
    format!(
        "**Sets used, protocol {}**: {} of the {} sets in the results; {skipped}.",
        c.protocol.label(),
        c.sets.len(),
        t.inputs.sets.len()
    )
}

/// How the Friedman rank and the position are computed, ties and missing accuracies included.
fn friedman_note(t: &Table1) -> String {
    format!(
        "**Friedman rank**: on each set used, every model — our methods under the protocol and \
         {} — is ranked by accuracy (best = 1); tied accuracies (equal within 1e-9 %, so that \
         equal fractions rounded differently tie) share the average of their ranks; **a \
         classifier without an accuracy on a set (`--` in `{}`) is ranked last there, tied \
         with the others missing**. The rank is averaged over the sets used; *position* is the \
         place among all models by Friedman rank (ties share a place).",
        classifiers_phrase(t.n_classifiers),
        t.classifiers_file
    )
}

/// How P90, P95 and PMA are computed, and over which sets the means are.
const SCORES_NOTE: &str = include_str!("../../templates/table1-scores.md");
/// Where the classifiers' accuracies come from, and which protocols compare like with like.
fn classifiers_note(t: &Table1) -> String {
    format!(
        "**The classifiers' accuracies** are Fernández-Delgado et al.'s (2014), rounded to \
         0.1 % in `{}`; ours are not rounded. On a set without a separate test file they are \
         4-fold means (tuned on `conxuntos.dat`, the mean over `conxuntos_kfold.dat` reported: \
         protocol (b)'s procedure). On the 19 sets of the collection that ship a separate test \
         file they are single accuracies on that file (retrained on the whole train file): \
         protocol (c)'s procedure. Protocols (b) and (c) thus compare like with like; protocol \
         (a) favours our methods and, on those 19 sets, compares with a different test set.",
        t.classifiers_file
    )
}

/// What our accuracy at one h is, and how little the protocols differ for the baselines.
const OUR_ACCURACY_NOTE: &str = include_str!("../../templates/table1-our-accuracy.md");
/// Per set used under (a): the classifiers' best and each of our methods' accuracy under
/// (a), (b) and (c) (`—` where a protocol does not use the set).
pub fn per_set_markdown(t: &Table1) -> String {
    let a = t.comparison(Protocol::AsPublished);
    let Some(first) = a.sets.first() else {
        return "*No set used.*\n".into();
    };
    let methods: Vec<_> = first.ours.iter().map(|(m, _)| *m).collect();
    let mut out = format!(
        "| set | best of {} | {} |\n",
        classifiers_phrase(t.n_classifiers),
        methods
            .iter()
            .map(|m| format!("{} (a / b / c)", m.label()))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    out += &format!("|{}\n", "---|".repeat(methods.len() + 2));
    let under = |p: Protocol, set: &str, m| {
        let c = t.comparison(p);
        let s = c.sets.iter().find(|x| x.set == set)?;
        s.ours.iter().find(|(x, _)| *x == m).map(|(_, v)| *v)
    };
    for s in &a.sets {
        let cells: Vec<String> = (s.ours.iter())
            .map(|(m, acc)| {
                let b = under(Protocol::Honest, &s.set, *m);
                let c = under(Protocol::TestFile, &s.set, *m);
                format!("{acc:.1} / {} / {}", one(b), one(c))
            })
            .collect();
        let _ = writeln!(
            out,
            "| {} | {:.1} | {} |",
            s.set,
            s.best_classifier,
            cells.join(" | ")
        );
    }
    out
}

/// Per set used under (a): the h* chosen on the holdout by each of our methods that has one.
pub fn chosen_markdown(t: &Table1) -> String {
    let a = t.comparison(Protocol::AsPublished);
    let Some(first) = a.sets.first() else {
        return "*No set used.*\n".into();
    };
    let methods: Vec<_> = first
        .chosen
        .iter()
        .filter(|(m, _)| !m.is_baseline())
        .map(|(m, _)| *m)
        .collect();
    let mut out = format!(
        "| set | {} |\n|{}\n",
        methods
            .iter()
            .map(|m| m.label())
            .collect::<Vec<_>>()
            .join(" | "),
        "---|".repeat(methods.len() + 1)
    );
    for s in &a.sets {
        let cells: Vec<String> = methods
            .iter()
            .map(|m| {
                s.chosen
                    .iter()
                    .find(|(x, _)| x == m)
                    .map_or("—".into(), |(_, h)| h.short())
            })
            .collect();
        let _ = writeln!(out, "| {} | {} |", s.set, cells.join(" | "));
    }
    out
}

/// The protocols' descriptions as a Markdown list.
pub fn protocols_markdown() -> String {
    Protocol::ALL
        .iter()
        .map(|p| format!("- **{}**: {}.\n", p.label(), p.description()))
        .collect()
}

/// A test file is flagged as scaled unlike its train file when a feature's mean moved by more
/// than this many training standard deviations ...
pub const MEAN_SHIFT_FLAG: f64 = 0.5;
/// ... or a feature's standard deviation changed by more than this factor.
pub const SD_RATIO_FLAG: f64 = 1.5;

/// Per set of the results with a separate test file: its rows, how differently it is scaled
/// from the train file, and whether (c) uses it.
pub fn test_files_markdown(t: &Table1) -> String {
    if t.test_files.is_empty() {
        return "*No set of these results ships a separate test file (or the run did not \
                record them).*\n"
            .into();
    }
    let c = t.comparison(Protocol::TestFile);
    let mut out = format!(
        "Each file was standardised on its own by the collection's authors, so a test file may \
         be scaled unlike its train file; our preprocessing uses the train file's statistics \
         for both, as the classifiers' route does. Flagged: a feature mean moved by more than \
         {MEAN_SHIFT_FLAG} training sd, or an sd changed by more than a factor {SD_RATIO_FLAG} \
         (raw files; `inf`: a feature that varies in the train file is constant in the test \
         file). Two files each standardised on its own show no shift and a ratio near 1 although \
         one raw value is coded differently in each, so an unflagged file is not proof of a \
         common scale. A test file on another scale than its train file can push any model \
         trained on the train file below chance, so read protocol (c) beside this table.\n\n| set | test file | rows | max mean shift (train sd) | max sd ratio | \
         scaled unlike the train file | used in (c) |\n|---|---|---|---|---|---|---|\n"
    );
    for (set, f) in &t.test_files {
        let (shift, ratio) = (f.mean_shift.0, f.sd_ratio.0);
        let flagged = shift > MEAN_SHIFT_FLAG || ratio > SD_RATIO_FLAG;
        let used = match c.skipped.iter().find(|(s, _)| s == set) {
            Some((_, why)) => format!("no: {why}"),
            None if c.sets.iter().any(|s| &s.set == set) => "yes".into(),
            None => "no: not in the results".into(),
        };
        let _ = writeln!(
            out,
            "| {set} | `{}` | {} | {:.2} | {:.2} | {} | {used} |",
            f.file,
            f.rows,
            shift,
            ratio,
            if flagged { "**yes**" } else { "no" }
        );
    }
    out
}

/// The whole `<stem>-table.md`.
pub fn markdown(t: &Table1) -> String {
    let mut out = format!(
        "# Table 1 ({}): accuracy on the UCI collection beside {}\n\n\
         Generated by `kare report`. Three protocols (`experiments/table1.toml`, METHOD §7):\n\n",
        t.name,
        classifiers_phrase(t.n_classifiers)
    );
    out += &protocols_markdown();
    for c in &t.comparisons {
        out += "\n";
        out += &protocol_section(c, t, "##");
    }
    out += "\n## Notes\n\n";
    for n in notes(t) {
        let _ = writeln!(out, "- {n}");
    }
    out += "\n## The separate test files (protocol (c))\n\n";
    out += &test_files_markdown(t);
    out += "\n## The classical baselines' choices at a grid edge\n\n";
    out += &tuning::markdown(&t.tuning);
    out += "\n## Accuracy per set (%), protocols (a) / (b) / (c)\n\n";
    out += &per_set_markdown(t);
    out += "\n## Hyper-parameters h* chosen on the holdout (both protocols)\n\n";
    out += &chosen_markdown(t);
    out
}

/// The whole `<stem>-table.tex`: one `table` (booktabs) per protocol.
pub fn latex(t: &Table1) -> String {
    let mut out = String::from("% Generated by `kare report`; needs \\usepackage{booktabs}.\n");
    for c in &t.comparisons {
        let caption = format!(
            "{}: Table 1, protocol {}: {}. {} Missing classifier accuracies are ranked last; \
             P90/P95: % of sets with accuracy ≥ 90 %/95 % of the best model on the set; PMA: \
             mean accuracy / best, %.",
            t.name,
            c.protocol.label(),
            c.protocol.description(),
            protocol_intro(c, t).replace('`', "")
        );
        out += "\\begin{table}\n\\centering\n\\footnotesize\n";
        let _ = writeln!(out, "\\caption{{{}}}", latex_text(&caption));
        out += "\\begin{tabular}{lrrlrrlr}\n\\toprule\n";
        let head: Vec<String> = std::iter::once("model".to_string())
            .chain(header(c.n_models))
            .map(|h| latex_text(&h))
            .collect();
        let _ = writeln!(out, "{} \\\\\n\\midrule", head.join(" & "));
        for e in &c.ours {
            let body: Vec<String> = cells(e).iter().map(|x| latex_text(x)).collect();
            let _ = writeln!(
                out,
                "\\textbf{{{}}} & {} \\\\",
                latex_text(&e.name),
                body.join(" & ")
            );
        }
        if !c.top.is_empty() {
            let _ = writeln!(
                out,
                "\\midrule\n\\multicolumn{{8}}{{l}}{{\\emph{{the {} best of {} by Friedman \
                 rank}}}} \\\\",
                c.top.len(),
                classifiers_phrase(t.n_classifiers)
            );
        }
        for e in &c.top {
            let body: Vec<String> = cells(e).iter().map(|x| latex_text(x)).collect();
            let _ = writeln!(out, "{} & {} \\\\", latex_text(&e.name), body.join(" & "));
        }
        out += "\\bottomrule\n\\end{tabular}\n\\end{table}\n\n";
    }
    out
}
