//! How often the classical baselines' choices sit at an edge of their grids (the results'
//! `grid_edge` column, one row per baseline and cell). A hyper-parameter chosen at the
//! smallest or largest value of a grid of at least three values may want a wider grid; a
//! share above [`EDGE_LIMIT`] is flagged.

use std::fmt::Write as _;

use kare_results::Method;
use kare_results::ResultRow;

/// The share of cells at an edge above which the report flags a baseline.
pub const EDGE_LIMIT: f64 = 0.2;

/// One baseline's choices over the cells of a results file.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    /// The baseline.
    pub method: Method,
    /// Cells with a recorded choice.
    pub cells: usize,
    /// Cells where at least one hyper-parameter sits at an edge.
    pub at_edge: usize,
    /// Per hyper-parameter name, the cells where it sits at an edge, in order of first sight.
    pub by_parameter: Vec<(String, usize)>,
}

impl Tally {
    /// The share of cells at an edge (0 without cells).
    pub fn share(&self) -> f64 {
        if self.cells == 0 {
            0.0
        } else {
            self.at_edge as f64 / self.cells as f64
        }
    }
}

/// The tallies of `(method, grid_edge)` pairs (`none`, or the names at an edge joined by
/// spaces), one per method present, in [`Method::ALL`] order.
pub fn tally<'a>(rows: impl Iterator<Item = (Method, &'a str)>) -> Vec<Tally> {
    let mut out: Vec<Tally> = Vec::new();
    for (method, edge) in rows {
        let i = match out.iter().position(|t| t.method == method) {
            Some(i) => i,
            None => {
                out.push(Tally {
                    method,
                    cells: 0,
                    at_edge: 0,
                    by_parameter: Vec::new(),
                });
                out.len() - 1
            }
        };
        let t = &mut out[i];
        t.cells += 1;
        let names: Vec<&str> = edge.split_whitespace().filter(|n| *n != "none").collect();
        if names.is_empty() {
            continue;
        }
        t.at_edge += 1;
        for name in names {
            match t.by_parameter.iter_mut().find(|(n, _)| n == name) {
                Some((_, count)) => *count += 1,
                None => t.by_parameter.push((name.to_string(), 1)),
            }
        }
    }
    out.sort_by_key(|t| Method::ALL.iter().position(|m| *m == t.method));
    out
}

/// What the baseline rows of a λ̃-curve results file say of their tuning.
#[derive(Debug, Clone, PartialEq)]
pub struct Baselines {
    /// The tallies of the rows with a recorded choice.
    pub tallies: Vec<Tally>,
    /// Baseline rows without a recorded choice: written by a runner older than the
    /// `grid_edge` column, whose SVM was tuned on an inner split and scored on raw decision
    /// values.
    pub unrecorded: usize,
}

impl Baselines {
    /// The baselines of `rows`.
    pub fn of(rows: &[ResultRow]) -> Baselines {
        let edges = (rows.iter()).filter_map(|r| Some((r.method, r.grid_edge.as_deref()?)));
        let unrecorded = (rows.iter())
            .filter(|r| r.method.is_baseline() && r.grid_edge.is_none())
            .count();
        Baselines {
            tallies: tally(edges),
            unrecorded,
        }
    }

    /// The report's subsection: the tallies, and a warning for rows of an older runner; empty
    /// without baseline rows.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        if !self.tallies.is_empty() {
            out += "### The classical baselines' choices at a grid edge\n\n";
            out += &markdown(&self.tallies);
            out.push('\n');
        }
        if self.unrecorded > 0 {
            let _ = writeln!(
                out,
                "**Baselines from an older runner.** {} baseline rows record no tuning choice: \
                 they predate the current baselines (k-fold cross-validation, wider grids, SVM \
                 scored on its ±1 predictions). Their SVM was tuned on a 20 % inner split and, \
                 on ±1 tasks, its test MSE is that of raw decision values, not comparable with \
                 the other methods'. Rerun the experiment to replace them.\n",
                self.unrecorded
            );
        }
        out
    }
}

/// The tallies as a Markdown table, with a line saying which baselines exceed
/// [`EDGE_LIMIT`]; a sentence when there is none.
pub fn markdown(tallies: &[Tally]) -> String {
    if tallies.is_empty() {
        return "*No baseline choices recorded (results written before the `grid_edge` column \
                existed, or no baseline run).*\n"
            .into();
    }
    let mut out = String::from(
        "| baseline | cells | choice at a grid edge | share | which hyper-parameter (cells) |\n\
         |---|---|---|---|---|\n",
    );
    for t in tallies {
        let which = if t.by_parameter.is_empty() {
            "—".to_string()
        } else {
            (t.by_parameter.iter())
                .map(|(n, c)| format!("{n} ({c})"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.0} % | {which} |",
            t.method.label(),
            t.cells,
            t.at_edge,
            100.0 * t.share()
        );
    }
    let over: Vec<&str> = (tallies.iter())
        .filter(|t| t.share() > EDGE_LIMIT)
        .map(|t| t.method.label())
        .collect();
    let _ = writeln!(
        out,
        "\n{}",
        if over.is_empty() {
            format!(
                "Every baseline's choices sit at a grid edge in at most {:.0} % of cells.",
                100.0 * EDGE_LIMIT
            )
        } else {
            format!(
                "Above {:.0} % of cells at an edge: {}. {}",
                100.0 * EDGE_LIMIT,
                over.join(", "),
                WHY.trim_end()
            )
        }
    );
    out
}

/// Why choices land on an edge although the grids span many decades (docs/pipeline.md,
/// "Classical baselines", has the measured breakdown).
const WHY: &str = include_str!("../templates/grid-edges-why.md");
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_are_counted_per_cell_and_per_hyper_parameter() {
        let rows = [
            (Method::Svm, "C g"),
            (Method::KrrRbf, "none"),
            (Method::Svm, "none"),
            (Method::Svm, "C"),
            (Method::KrrRbf, "λ̃"),
        ];
        let t = tally(rows.into_iter());
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].method, Method::KrrRbf, "Method::ALL order");
        assert_eq!((t[0].cells, t[0].at_edge), (2, 1));
        let svm = &t[1];
        assert_eq!((svm.cells, svm.at_edge), (3, 2));
        assert_eq!(
            svm.by_parameter,
            [("C".to_string(), 2), ("g".to_string(), 1)]
        );
        assert!((svm.share() - 2.0 / 3.0).abs() < 1e-15);
        let md = markdown(&t);
        assert!(
            md.contains("| SVM (RBF) | 3 | 2 | 67 % | C (2), g (1) |"),
            "{md}"
        );
        assert!(
            md.contains("Above 20 % of cells at an edge: KRR (RBF), SVM (RBF)."),
            "{md}"
        );
    }
}
