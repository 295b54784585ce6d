//! Table 1 as Markdown (`<results>/<stem>-table.md`, and the parts `REPORT.md` reuses) and
//! LaTeX (`<stem>-table.tex`): per protocol, our methods then the best classifiers, with their
//! position among all models, Friedman rank, mean accuracy, P90, P95 and PMA; the notes; and,
//! in the Markdown file, the accuracies and the chosen hyper-parameters per set.

use std::fmt::Write as _;

use super::compare::{Comparison, Entry, TOP};
use super::protocol::Protocol;
use super::rows::Split;
use super::Table1;
use crate::report::format::{duration, latex_text};

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
fn splits_text(splits: &[Split]) -> String {
    splits
        .iter()
        .map(Split::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The notes under the tables, one Markdown paragraph (bullet text) each.
pub fn notes(t: &Table1) -> Vec<String> {
    let i = &t.inputs;
    let mut notes = Vec::new();
    notes.push(format!(
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
    ));
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
    }
    if let Some(d) = &i.description {
        run.push(format!("the experiment's description: “{d}”"));
    }
    if !run.is_empty() {
        notes.push(format!("**Run** (`{}.json`): {}.", t.name, run.join("; ")));
    }
    notes.push(format!(
        "**Grid in the results** (h = whichever of depth, width, lr, λ̃ a method has): {}.",
        i.grid
            .iter()
            .map(|(m, g)| format!("{}: {g}", m.label()))
            .collect::<Vec<_>>()
            .join("; ")
    ));
    for c in &t.comparisons {
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
        notes.push(format!(
            "**Sets used, protocol {}**: {} of the {} sets in the results; {skipped}.",
            c.protocol.label(),
            c.sets.len(),
            i.sets.len()
        ));
    }
    notes.push(format!(
        "**Friedman rank**: on each set used, every model — our methods under the protocol and \
         {} — is ranked by accuracy (best = 1); tied accuracies (equal within 1e-9 %, so that \
         equal fractions rounded differently tie) share the average of their ranks; **a classifier without an accuracy on a set (`--` in `{}`) is ranked last \
         there, tied with the others missing**. The rank is averaged over the sets used; \
         *position* is the place among all models by Friedman rank (ties share a place).",
        classifiers_phrase(t.n_classifiers),
        t.classifiers_file
    ));
    notes.push(
        "**P90 / P95**: the percentage of the sets used where the model's accuracy is at least \
         90 % / 95 % of the best accuracy of all the models compared on that set (ours \
         included); a missing accuracy does not reach it. **PMA**: the mean over sets of \
         accuracy / that best accuracy, in percent. Mean accuracy and PMA are over the sets \
         where the model has an accuracy (last column); ± is the sd over those sets."
            .into(),
    );
    notes.push(format!(
        "**The classifiers' accuracies** are Fernández-Delgado et al.'s (2014), obtained with \
         protocol (b)'s procedure (tuned on `conxuntos.dat`, the 4-fold mean on \
         `conxuntos_kfold.dat` reported) and rounded to 0.1 % in `{}`; ours are not rounded. \
         Protocol (b) thus compares like with like; protocol (a) favours our methods.",
        t.classifiers_file
    ));
    notes.push(
        "**Our accuracy at one h** on one split is the mean over the seeds run. The classical \
         baselines (KRR, SVM) tune their own hyper-parameters on the training data, so both \
         protocols only differ for them in the split reported."
            .into(),
    );
    notes
}

/// Per set used under (a): the classifiers' best and each of our methods' accuracy under
/// (a) and (b) (`—` where the set was skipped under (b)).
pub fn per_set_markdown(t: &Table1) -> String {
    let a = t.comparison(Protocol::AsPublished);
    let b = t.comparison(Protocol::Honest);
    let Some(first) = a.sets.first() else {
        return "*No set used.*\n".into();
    };
    let methods: Vec<_> = first.ours.iter().map(|(m, _)| *m).collect();
    let mut out = format!(
        "| set | best of {} | {} |\n",
        classifiers_phrase(t.n_classifiers),
        methods
            .iter()
            .map(|m| format!("{} (a / b)", m.label()))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    out += &format!("|{}\n", "---|".repeat(methods.len() + 2));
    for s in &a.sets {
        let honest = b.sets.iter().find(|x| x.set == s.set);
        let cells: Vec<String> = s
            .ours
            .iter()
            .map(|(m, acc)| {
                let hb = honest
                    .and_then(|h| h.ours.iter().find(|(x, _)| x == m))
                    .map(|(_, v)| *v);
                format!("{acc:.1} / {}", one(hb))
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

/// The two protocols' descriptions as a Markdown list.
pub fn protocols_markdown() -> String {
    Protocol::BOTH
        .iter()
        .map(|p| format!("- **{}**: {}.\n", p.label(), p.description()))
        .collect()
}

/// The whole `<stem>-table.md`.
pub fn markdown(t: &Table1) -> String {
    let mut out = format!(
        "# Table 1 ({}): accuracy on the UCI collection beside {}\n\n\
         Generated by `kare report`. Two protocols (`experiments/table1.toml`, METHOD §7):\n\n",
        t.name,
        classifiers_phrase(t.n_classifiers)
    );
    out += &protocols_markdown();
    for c in &t.comparisons {
        let _ = write!(
            out,
            "\n## Protocol {}\n\n{}\n\n{}",
            c.protocol.label(),
            protocol_intro(c, t),
            protocol_markdown(c, t.n_classifiers)
        );
    }
    out += "\n## Notes\n\n";
    for n in notes(t) {
        let _ = writeln!(out, "- {n}");
    }
    out += "\n## Accuracy per set (%), protocol (a) / protocol (b)\n\n";
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
