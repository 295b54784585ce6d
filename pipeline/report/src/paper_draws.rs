//! Our runs on the paper's own draws (an experiment `X-paper-seeds`: the authors' seeds drawn
//! with numpy's legacy generator) against the paper's values, per panel and method: the
//! paper's best, ours ± one standard error, whether the paper lies within it, and, when the
//! report also covers `X`, the same statistic on our own seeds beside it. Seeds move a 10-seed
//! mean far more than anything else, so only the paper's draws compare with the paper.

use std::fmt::Write as _;
use std::path::Path;

use super::aggregate::{MethodRuns, Panel};
use super::document::link;
use super::format::{num, ridge};
use super::reference::Reference;
use kare_results::Method;

/// What names an experiment on the paper's draws: `X-paper-seeds` (or `X-paper-seeds-quick`).
pub const SUFFIX: &str = "-paper-seeds";

/// The methods compared: the paper's three.
pub const METHODS: [Method; 3] = [Method::NtkKare, Method::AfterNtk, Method::Dnn];

/// The experiment on our own seeds that `name` stands beside: `X` for `X-paper-seeds`,
/// `X-quick` for `X-paper-seeds-quick`; `None` when `name` is not on the paper's draws.
pub fn own_seeds_of(name: &str) -> Option<String> {
    if let Some(base) = name.strip_suffix(SUFFIX) {
        return Some(base.to_string());
    }
    name.strip_suffix(&format!("{SUFFIX}-quick"))
        .map(|base| format!("{base}-quick"))
}

/// The experiment on the paper's draws that stands beside `name`: `X-paper-seeds` for `X`,
/// `X-paper-seeds-quick` for `X-quick`.
pub fn paper_draws_of(name: &str) -> String {
    match name.strip_suffix("-quick") {
        Some(base) => format!("{base}{SUFFIX}-quick"),
        None => format!("{name}{SUFFIX}"),
    }
}

/// A method's value in a panel as the paper reads it: the best seed mean over λ̃ (the DNN's
/// mean), with its standard error.
#[derive(Debug, Clone, PartialEq)]
pub struct Best {
    /// The λ̃ of the best seed mean (none for the DNN).
    pub ridge_rel: Option<f64>,
    /// The mean over seeds there.
    pub mean: f64,
    /// The standard error of that mean: the sd over seeds there / √n; `None` for one seed.
    pub se: Option<f64>,
    /// Seeds averaged.
    pub n: usize,
    /// Seeds with a non-finite test MSE at some λ̃ (whose mean then cannot be the best).
    pub non_finite: usize,
}

impl Best {
    /// The value of `runs`; `None` when no λ̃ has a finite seed mean.
    pub fn of(runs: &MethodRuns) -> Option<Best> {
        let oracle = runs.oracle()?;
        let n = oracle.stats.n;
        Some(Best {
            ridge_rel: oracle.ridge_rel,
            mean: oracle.stats.mean,
            se: oracle.stats.sd.map(|sd| sd / (n as f64).sqrt()),
            n,
            non_finite: runs
                .seeds
                .iter()
                .filter(|s| s.points.iter().any(|p| !p.test_mse.is_finite()))
                .count(),
        })
    }

    /// Whether `value` lies within one standard error of the mean (|mean − value| ≤ SE);
    /// `None` without a standard error (one seed).
    pub fn within_one_se(&self, value: f64) -> Option<bool> {
        self.se.map(|se| (self.mean - value).abs() <= se)
    }

    /// `0.0351 ± 0.00400 (λ̃ = 1e-4, 10 seeds)`, with the seeds non-finite somewhere.
    pub fn text(&self) -> String {
        let se = self
            .se
            .map_or(String::new(), |se| format!(" ± {}", num(se)));
        let at = match self.ridge_rel {
            Some(_) => format!("λ̃ = {}, ", ridge(self.ridge_rel)),
            None => String::new(),
        };
        let mut text = format!("{}{se} ({at}{} seeds", num(self.mean), self.n);
        if self.non_finite > 0 {
            let _ = write!(text, "; {} non-finite at some λ̃", self.non_finite);
        }
        text + ")"
    }
}

/// One method in one panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The panel's title.
    pub panel: String,
    /// The method.
    pub method: Method,
    /// The paper's best (λ̃, 10-seed mean).
    pub paper: Option<(Option<f64>, f64)>,
    /// Ours on the paper's draws.
    pub draws: Option<Best>,
    /// Ours on our own seeds (when the report covers that experiment).
    pub own: Option<Best>,
}

impl Row {
    /// `yes`, `no`, or why it cannot be said.
    fn within_text(&self) -> String {
        match (&self.draws, self.paper) {
            (None, _) => "— (not run)".into(),
            (_, None) => "— (no paper value)".into(),
            (Some(d), Some((_, p))) => match d.within_one_se(p) {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => "— (1 seed)".into(),
            },
        }
    }
}

/// The comparison of an experiment on the paper's draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The experiment on the paper's draws.
    pub experiment: String,
    /// The experiment on our own seeds beside it, when the report covers it.
    pub own_seeds: Option<String>,
    /// Per panel of `experiment` and method of [`METHODS`].
    pub rows: Vec<Row>,
}

/// Compares `panels` of `experiment` with the paper and, when given, with the same panels of
/// the experiment on our own seeds, `own` (its name and panels).
pub fn compare(
    experiment: &str,
    panels: &[Panel],
    reference: &Reference,
    own: Option<(&str, &[Panel])>,
    with_model: bool,
) -> Comparison {
    let rows = panels
        .iter()
        .flat_map(|panel| {
            let own_panel = own.and_then(|(_, o)| o.iter().find(|p| p.key == panel.key));
            METHODS.into_iter().map(move |method| Row {
                panel: panel.key.title(with_model),
                method,
                paper: reference.best(&panel.key, method),
                draws: panel.method(method).and_then(Best::of),
                own: own_panel.and_then(|p| p.method(method)).and_then(Best::of),
            })
        })
        .collect();
    Comparison {
        experiment: experiment.to_string(),
        own_seeds: own.map(|(name, _)| name.to_string()),
        rows,
    }
}

/// What the columns mean.
fn legend(c: &Comparison) -> String {
    let mut text = format!(
        "*paper*: the best point of the paper's 10-seed mean curve (the DNN's one value). \
         *ours, paper's draws*: `{}`, the same statistic on the authors' draws — the best seed \
         mean over λ̃ ± one standard error (the sd over seeds at that λ̃ / √n). *paper within \
         1 SE*: whether |ours − paper| ≤ that standard error.",
        c.experiment
    );
    if let Some(own) = &c.own_seeds {
        let _ = write!(
            text,
            " *ours, our seeds*: `{own}`, the same statistic on our own generator's seeds."
        );
    }
    text + "\n\n"
}

/// The table as GitHub Markdown; the panel is written on its first row only.
pub fn markdown(c: &Comparison) -> String {
    let own = c.own_seeds.is_some();
    let mut out = String::from(
        "| panel | method | paper | ours, paper's draws: best ± SE | paper within 1 SE |",
    );
    out += if own {
        " ours, our seeds: best ± SE |\n|---|---|---|---|---|---|\n"
    } else {
        "\n|---|---|---|---|---|\n"
    };
    let mut last_panel = None;
    for r in &c.rows {
        let panel = if last_panel == Some(&r.panel) {
            ""
        } else {
            &r.panel
        };
        last_panel = Some(&r.panel);
        let paper = r.paper.map_or("—".into(), |(at, v)| match at {
            Some(_) => format!("{} (λ̃ = {})", num(v), ridge(at)),
            None => num(v),
        });
        let draws = r.draws.as_ref().map_or("—".into(), Best::text);
        let _ = write!(
            out,
            "| {panel} | {} | {paper} | {draws} | {} |",
            r.method.label(),
            r.within_text()
        );
        if own {
            let _ = write!(out, " {} |", r.own.as_ref().map_or("—".into(), Best::text));
        }
        out.push('\n');
    }
    out
}

/// How many rows have the paper within one standard error, of those that can say.
pub fn within_counts(c: &Comparison) -> (usize, usize) {
    let decided: Vec<bool> = c
        .rows
        .iter()
        .filter_map(|r| r.draws.as_ref()?.within_one_se(r.paper?.1))
        .collect();
    (decided.iter().filter(|&&w| w).count(), decided.len())
}

/// The body shared by the file and the report's section: the legend, the table, the count.
pub fn body(c: &Comparison) -> String {
    let (within, decided) = within_counts(c);
    format!(
        "{}{}\nThe paper's value lies within one standard error of ours on its draws in \
         {within} of {decided} rows.\n",
        legend(c),
        markdown(c)
    )
}

/// The report's part on the comparison, linking the file at `path`.
pub fn section(c: &Comparison, path: &Path, report_dir: &Path) -> String {
    format!(
        "### Against the paper, on the paper's own draws\n\nTable: [Markdown]({}).\n\n{}\n",
        link(report_dir, path),
        body(c)
    )
}

/// `results/<experiment>-vs-paper.md`: a heading and the body.
pub fn file(c: &Comparison) -> String {
    format!(
        "# {} against the paper, on the paper's own draws\n\nGenerated by `kare report`; \
         edits are overwritten.\n\n{}",
        c.experiment,
        body(c)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{dnn, panel, runs};
    use crate::load::PaperPoint;

    #[test]
    fn experiment_names_pair_up() {
        assert_eq!(
            own_seeds_of("figure1-paper-seeds").as_deref(),
            Some("figure1")
        );
        assert_eq!(
            own_seeds_of("figure2-paper-seeds-quick").as_deref(),
            Some("figure2-quick")
        );
        assert_eq!(own_seeds_of("figure1"), None);
        assert_eq!(own_seeds_of("figure1-quick"), None);
        assert_eq!(paper_draws_of("figure1"), "figure1-paper-seeds");
        assert_eq!(paper_draws_of("figure2-quick"), "figure2-paper-seeds-quick");
    }

    #[test]
    fn the_best_mean_has_the_standard_error_of_its_ridge() {
        // λ̃ = 1: 0.1, 0.2, 0.3, 0.4 (mean 0.25, sd √(1/60)); λ̃ = 10: mean 0.5.
        let kare = runs(
            Method::NtkKare,
            &[
                (0, &[(Some(1.0), 0.1), (Some(10.0), 0.5)]),
                (1, &[(Some(1.0), 0.2), (Some(10.0), 0.5)]),
                (2, &[(Some(1.0), 0.3), (Some(10.0), 0.5)]),
                (3, &[(Some(1.0), 0.4), (Some(10.0), f64::NAN)]),
            ],
        );
        let b = Best::of(&kare).unwrap();
        let se = (1.0f64 / 60.0).sqrt() / 2.0;
        assert_eq!((b.ridge_rel, b.n, b.non_finite), (Some(1.0), 4, 1));
        assert!((b.mean - 0.25).abs() < 1e-12 && (b.se.unwrap() - se).abs() < 1e-12);
        assert_eq!(
            b.text(),
            "0.250 ± 0.0645 (λ̃ = 1e0, 4 seeds; 1 non-finite at some λ̃)"
        );
        // SE ≈ 0.0645: 0.31 is within one, 0.32 is not; on either side.
        assert_eq!(b.within_one_se(0.31), Some(true));
        assert_eq!(b.within_one_se(0.19), Some(true));
        assert_eq!(b.within_one_se(0.32), Some(false));
        assert_eq!(b.within_one_se(0.18), Some(false));
        // One seed has no standard error, so nothing can be said.
        let one = Best::of(&dnn(&[0.3])).unwrap();
        assert_eq!((one.se, one.within_one_se(0.3)), (None, None));
    }

    fn paper(method: Method, ridge_rel: Option<f64>, test_mse: f64) -> PaperPoint {
        PaperPoint {
            figure: "figure1".into(),
            dataset: "simulation".into(),
            gamma: Some(1.0),
            sigma: Some(0.0),
            depth: 1,
            width: 64,
            method,
            ridge_rel,
            test_mse,
        }
    }

    #[test]
    fn the_table_puts_ours_on_both_seed_sets_beside_the_paper() {
        let reference = Reference::new(vec![
            paper(Method::NtkKare, Some(1.0), 0.40),
            paper(Method::NtkKare, Some(10.0), 0.03),
            paper(Method::Dnn, None, 0.14),
        ]);
        // The paper's draws: DNN 0.1, 0.2, 0.3 (mean 0.2, SE 0.1/√3 ≈ 0.0577: 0.14 within);
        // NTK-KARE 0.02, 0.04 at λ̃ = 10 (SE 0.01: 0.03 within).
        let draws = [panel(
            1.0,
            0.0,
            vec![
                runs(
                    Method::NtkKare,
                    &[(0, &[(Some(10.0), 0.02)]), (1, &[(Some(10.0), 0.04)])],
                ),
                dnn(&[0.1, 0.2, 0.3]),
            ],
        )];
        // Our seeds: DNN 0.3, 0.5 (mean 0.4, SE 0.1).
        let own = [panel(1.0, 0.0, vec![dnn(&[0.3, 0.5])])];
        let c = compare(
            "fig1-paper-seeds",
            &draws,
            &reference,
            Some(("fig1", &own)),
            false,
        );
        let md = markdown(&c);
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(lines.len(), 5, "{md}");
        assert_eq!(
            lines[2],
            "| γ = 1, σ = 0 | NTK-KARE | 0.0300 (λ̃ = 1e1) | 0.0300 ± 0.0100 (λ̃ = 1e1, 2 seeds) \
             | yes | — |"
        );
        assert_eq!(
            lines[3], "|  | after-NTK | — | — | — (not run) | — |",
            "{md}"
        );
        assert_eq!(
            lines[4],
            "|  | DNN | 0.140 | 0.200 ± 0.0577 (3 seeds) | no | 0.400 ± 0.100 (2 seeds) |"
        );
        assert_eq!(within_counts(&c), (1, 2));
        assert!(file(&c).contains("in 1 of 2 rows"));
        // Without our seeds, the last column is not there.
        let alone = markdown(&compare("x", &draws, &reference, None, false));
        assert!(
            alone.lines().all(|l| l.matches('|').count() == 6),
            "{alone}"
        );
    }
}
