//! The per-panel tables (Markdown and LaTeX): each method's test MSE at the oracle λ̃ (the
//! paper's reading, chosen on the test set), at the λ̃ chosen on training data alone (GCV of
//! the final kernel), and the paper's best value.

use super::aggregate::{CurvePoint, GcvChoice, Panel};
use super::format::{mean_sd, num, ridge};
use super::load::Method;
use super::reference::Reference;

/// One method in one panel.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    /// The panel's title.
    pub panel: String,
    /// The method.
    pub method: Method,
    /// Seeds run.
    pub n_seeds: usize,
    /// The λ̃ of best seed-mean test MSE, and the test MSE there over seeds.
    pub oracle: Option<CurvePoint>,
    /// The test MSE at each seed's GCV-chosen λ̃.
    pub gcv: Option<GcvChoice>,
    /// The paper's best (λ̃, test MSE) for this method and panel.
    pub paper: Option<(Option<f64>, f64)>,
}

impl TableRow {
    /// Whether our oracle mean is further from the paper's best than our seed spread
    /// (|mean − paper| > sd); `None` when there is no paper value or no spread (one seed).
    pub fn differs_from_paper(&self) -> Option<bool> {
        let stats = &self.oracle.as_ref()?.stats;
        let (_, paper) = self.paper?;
        Some((stats.mean - paper).abs() > stats.sd?)
    }

    /// The GCV-chosen λ̃ over seeds: one value, or the range `1e-3…1e-1`.
    fn gcv_ridges(&self) -> String {
        let Some(gcv) = &self.gcv else {
            return "—".into();
        };
        let ridges: Vec<f64> = gcv.chosen.iter().filter_map(|(_, r)| *r).collect();
        let lo = ridges.iter().copied().min_by(f64::total_cmp);
        let hi = ridges.iter().copied().max_by(f64::total_cmp);
        match (lo, hi) {
            (Some(lo), Some(hi)) if lo == hi => ridge(Some(lo)),
            (Some(lo), Some(hi)) => format!("{}…{}", ridge(Some(lo)), ridge(Some(hi))),
            _ => "—".into(),
        }
    }

    /// The cells of the row, in [`HEADER`] order.
    fn cells(&self) -> [String; 10] {
        let dash = || "—".to_string();
        let oracle = self.oracle.as_ref();
        let gcv = self.gcv.as_ref();
        [
            self.method.label().into(),
            self.n_seeds.to_string(),
            oracle.map_or_else(dash, |o| ridge(o.ridge_rel)),
            oracle.map_or_else(dash, |o| mean_sd(&o.stats)),
            oracle.map_or_else(dash, |o| num(o.stats.median)),
            self.gcv_ridges(),
            gcv.map_or_else(dash, |g| mean_sd(&g.stats)),
            gcv.map_or_else(dash, |g| num(g.stats.median)),
            self.paper.map_or_else(dash, |(r, v)| match r {
                Some(_) => format!("{} (λ̃ = {})", num(v), ridge(r)),
                None => num(v),
            }),
            match (self.differs_from_paper(), &self.paper) {
                (Some(true), _) => "differs by > 1 sd".into(),
                (Some(false), _) => "within 1 sd".into(),
                (None, Some(_)) => "no spread (1 seed)".into(),
                (None, None) => dash(),
            },
        ]
    }
}

/// Column headers after the panel column.
const HEADER: [&str; 10] = [
    "method",
    "seeds",
    "oracle λ̃ (test)",
    "test MSE at oracle λ̃, mean ± sd",
    "median",
    "GCV-chosen λ̃ (train only)",
    "test MSE at GCV λ̃, mean ± sd",
    "median",
    "paper (best)",
    "ours vs paper",
];

/// One row per panel and method present, panels in order.
pub fn rows(panels: &[Panel], reference: &Reference, with_model: bool) -> Vec<TableRow> {
    panels
        .iter()
        .flat_map(|panel| {
            panel.methods.iter().map(move |runs| TableRow {
                panel: panel.key.title(with_model),
                method: runs.method,
                n_seeds: runs.seeds.len(),
                oracle: runs.oracle(),
                gcv: runs.gcv_choice(),
                paper: reference.best(&panel.key, runs.method),
            })
        })
        .collect()
}

/// The table as GitHub Markdown; the panel is written on its first row only.
pub fn markdown(rows: &[TableRow]) -> String {
    let mut out = format!("| panel | {} |\n", HEADER.join(" | "));
    out += &format!("|{}\n", "---|".repeat(HEADER.len() + 1));
    let mut last_panel = None;
    for row in rows {
        let panel = if last_panel == Some(&row.panel) {
            ""
        } else {
            &row.panel
        };
        last_panel = Some(&row.panel);
        out += &format!("| {panel} | {} |\n", row.cells().join(" | "));
    }
    out
}

/// Escapes LaTeX's special characters and writes the Unicode symbols the tables use in math.
fn latex_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '\\' => out += r"\textbackslash{}",
            '~' => out += r"\textasciitilde{}",
            '^' => out += r"\textasciicircum{}",
            'γ' => out += r"$\gamma$",
            'σ' => out += r"$\sigma$",
            'λ' => out += r"$\lambda$",
            '±' => out += r"$\pm$",
            '—' => out += "---",
            '…' => out += r"\dots{}",
            '>' => out += r"$>$",
            _ => out.push(c),
        }
    }
    // λ̃ is λ followed by a combining tilde.
    out.replace("$\\lambda$\u{303}", r"$\tilde\lambda$")
}

/// The table as a LaTeX `tabular` (booktabs), with `caption` (plain text: it is escaped).
pub fn latex(rows: &[TableRow], caption: &str) -> String {
    let mut out = String::from("% Generated by `kare report`; needs \\usepackage{booktabs}.\n");
    out += "\\begin{table}\n\\centering\n\\footnotesize\n";
    out += &format!("\\caption{{{}}}\n", latex_text(caption));
    out += "\\begin{tabular}{llrllrllrl}\n\\toprule\n";
    out += " & & & \\multicolumn{3}{c}{oracle $\\tilde\\lambda$ (test)} \
            & \\multicolumn{3}{c}{GCV-chosen $\\tilde\\lambda$ (train only)} & \\\\\n";
    out += "\\cmidrule(lr){4-6}\\cmidrule(lr){7-9}\n";
    out += "panel & method & seeds & $\\tilde\\lambda$ & mean $\\pm$ sd & median \
            & $\\tilde\\lambda$ & mean $\\pm$ sd & median & paper \\\\\n";
    let mut last_panel = None;
    for row in rows {
        let panel = if last_panel == Some(&row.panel) {
            String::new()
        } else {
            if last_panel.is_some() {
                out += "\\midrule\n";
            }
            latex_text(&row.panel)
        };
        last_panel = Some(&row.panel);
        let cells = row.cells();
        // The "ours vs paper" column is left to the Markdown table and the report.
        let body: Vec<String> = cells[..9].iter().map(|c| latex_text(c)).collect();
        out += &format!("{panel} & {} \\\\\n", body.join(" & "));
    }
    out += "\\bottomrule\n\\end{tabular}\n\\end{table}\n";
    out
}
