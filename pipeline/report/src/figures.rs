//! The figures (PNG and SVG), in the paper's layouts: Figure 1 as rows σ × columns γ, Figure 2
//! as rows data set × depth × columns width. Each panel plots test MSE against λ̃ on a log axis:
//! one line per kernel method with a ±1 sd band over seeds, the DNN (which has no λ̃) as a dashed
//! horizontal line with its band, and the paper's curves as hollow circles in the same colours.
//!
//! Both axes are drawn in transformed coordinates (log10 λ̃; log10 MSE when the values span more
//! than a decade), so one chart type serves linear and log y axes and the ticks are ours.

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::aggregate::{share_model, Panel, PanelKey};
use super::format::power_of_ten;
use super::reference::Reference;
use crate::{Error, Result};
use kare_results::atomic::{write_atomic, write_atomic_via_path};
use kare_results::Method;

/// The family name the embedded font is registered under.
pub(super) const FONT: &str = "sans-serif";
/// One panel's size in pixels.
pub(super) const PANEL: (u32, u32) = (520, 400);
/// The title's and the subtitle's text sizes and line heights.
pub(super) const TITLE_FONT: (u32, u32) = (26, 32);
pub(super) const SUBTITLE_FONT: (u32, u32) = (16, 21);
/// Height of one row of the legend.
pub(super) const LEGEND_ROW: u32 = 30;

/// Registers DejaVu Sans as [`FONT`] (once): the machine has no system fonts and plotters'
/// `ab_glyph` text renderer only draws registered ones.
pub(super) fn register_font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
                .map_err(|_| "the embedded DejaVu Sans font could not be loaded".to_string())
        })
        .clone()
}

/// The colour of a method, shared by our line and the paper's markers.
pub(super) fn colour(method: Method) -> RGBColor {
    match method {
        Method::NtkKare => RGBColor(31, 119, 180),
        Method::AfterNtk => RGBColor(230, 115, 0),
        Method::Dnn => RGBColor(44, 160, 44),
        Method::InitialNtk => RGBColor(120, 120, 120),
        Method::KrrRbf => RGBColor(148, 103, 189),
        Method::KrrLaplacian => RGBColor(140, 86, 75),
        Method::KrrPoly => RGBColor(227, 119, 194),
        Method::Svm => RGBColor(188, 189, 34),
        Method::RandomForest => RGBColor(23, 190, 207),
        Method::KNearest => RGBColor(255, 187, 120),
        Method::Logistic => RGBColor(152, 223, 138),
    }
}

/// Where each panel goes: rows and columns of the grid, and each panel's cell.
pub(super) struct Layout {
    pub(super) rows: usize,
    pub(super) cols: usize,
    /// Per panel: (row, column).
    pub(super) cells: Vec<(usize, usize)>,
}

impl Layout {
    /// Simulation panels: rows σ, columns γ. Others: rows (data set in order of appearance,
    /// depth), columns width.
    pub(super) fn of(keys: &[&PanelKey]) -> Layout {
        let mut datasets: Vec<&str> = Vec::new();
        for k in keys {
            if !datasets.contains(&k.dataset.as_str()) {
                datasets.push(&k.dataset);
            }
        }
        let position = |k: &PanelKey| {
            let d = datasets.iter().position(|&d| d == k.dataset).unwrap_or(0);
            match (k.gamma, k.sigma) {
                (Some(g), Some(s)) => ((d, s), g),
                _ => ((d, k.depth as f64), k.width as f64),
            }
        };
        let mut rows: Vec<(usize, f64)> = Vec::new();
        let mut cols: Vec<f64> = Vec::new();
        for k in keys {
            let (r, c) = position(k);
            if !rows.contains(&r) {
                rows.push(r);
            }
            if !cols.contains(&c) {
                cols.push(c);
            }
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        cols.sort_by(f64::total_cmp);
        let cells = keys
            .iter()
            .map(|k| {
                let (r, c) = position(k);
                (
                    rows.iter().position(|x| *x == r).expect("collected above"),
                    cols.iter().position(|x| *x == c).expect("collected above"),
                )
            })
            .collect();
        Layout {
            rows: rows.len(),
            cols: cols.len(),
            cells,
        }
    }
}

/// A linear axis over plot coordinates with our own ticks: `bold` are labelled, `light` only
/// draw grid lines.
pub(super) struct Axis {
    pub(super) range: (f64, f64),
    pub(super) bold: Vec<f64>,
    pub(super) light: Vec<f64>,
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let (lo, hi) = self.range;
        let t = (v - lo) / (hi - lo);
        limit.0 + (t * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.0..self.range.1
    }
}

/// A test-MSE axis: its range in plot coordinates, log10 of the values when they span more
/// than a decade (then one chart type serves both and the ticks are ours).
pub(super) struct YScale {
    /// (low, high) in plot coordinates.
    pub(super) range: (f64, f64),
    /// Whether plot coordinates are log10 of the values.
    pub(super) log: bool,
}

impl YScale {
    /// The scale that shows every finite value of `values`, with a margin.
    pub(super) fn of(values: &[f64]) -> YScale {
        let values: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let lo = values
            .iter()
            .copied()
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let log = lo.is_finite() && hi / lo > 10.0;
        let range = if log {
            let pad = 0.04 * (hi.log10() - lo.log10());
            (lo.log10() - pad, hi.log10() + pad)
        } else if hi.is_finite() {
            let lo = values
                .iter()
                .copied()
                .fold(f64::INFINITY, f64::min)
                .max(0.0);
            let pad = (0.06 * (hi - lo)).max(1e-3 * hi.abs()).max(1e-9);
            ((lo - pad).max(0.0), hi + pad)
        } else {
            (0.0, 1.0)
        };
        YScale { range, log }
    }

    /// A value in plot coordinates.
    pub(super) fn to_plot(&self, v: f64) -> f64 {
        if self.log {
            v.log10()
        } else {
            v
        }
    }

    /// Ticks in plot coordinates: 1-2-5 steps (in value, log axis) or a nice linear step.
    pub(super) fn ticks(&self) -> Vec<f64> {
        let (lo, hi) = self.range;
        if self.log {
            let decades = lo.floor() as i32..=hi.ceil() as i32;
            let mantissas: &[f64] = if hi - lo > 3.0 {
                &[1.0]
            } else {
                &[1.0, 2.0, 5.0]
            };
            decades
                .flat_map(|e| {
                    mantissas
                        .iter()
                        .map(move |m| format!("{m}e{e}").parse::<f64>().expect("a number"))
                })
                .map(f64::log10)
                .filter(|t| (lo..=hi).contains(t))
                .collect()
        } else {
            let raw = (hi - lo) / 5.0;
            let magnitude = 10f64.powf(raw.log10().floor());
            let step = [1.0, 2.0, 5.0, 10.0]
                .iter()
                .map(|m| m * magnitude)
                .find(|s| *s >= raw)
                .unwrap_or(10.0 * magnitude);
            ((lo / step).ceil() as i64..=(hi / step).floor() as i64)
                .map(|i| i as f64 * step)
                .collect()
        }
    }

    /// The label of the tick at plot coordinate `t`.
    pub(super) fn label(&self, t: f64) -> String {
        tick_text(if self.log { 10f64.powf(t) } else { t })
    }

    /// The chart axis, every tick labelled.
    pub(super) fn axis(&self) -> Axis {
        let ticks = self.ticks();
        Axis {
            range: self.range,
            bold: ticks.clone(),
            light: ticks,
        }
    }

    /// The axis description.
    pub(super) fn description(&self) -> &'static str {
        if self.log {
            "test MSE (log scale)"
        } else {
            "test MSE"
        }
    }
}

/// One series of a panel, in plot coordinates (log10 λ̃, transformed MSE).
struct Series {
    method: Method,
    /// (x, mean, band low, band high) per λ̃; for the DNN a single point with x = NaN.
    ours: Vec<(f64, f64, f64, f64)>,
    /// The paper's points (x, value); the DNN's value has x = NaN.
    paper: Vec<(f64, f64)>,
}

/// The data of one panel, transformed and with its axis ranges.
struct PanelPlot {
    title: String,
    series: Vec<Series>,
    x_range: (f64, f64),
    y: YScale,
    /// The λ̃ positions of the paper's kernel curves (where its DNN markers go).
    paper_grid: Vec<f64>,
}

/// Our curve before plotting: (λ̃, mean, sd) per point.
type RawCurve = Vec<(Option<f64>, f64, f64)>;
/// The paper's curve: (λ̃, test MSE) per point.
type PaperCurve = Vec<(Option<f64>, f64)>;

impl PanelPlot {
    fn new(panel: &Panel, reference: &Reference, with_model: bool) -> PanelPlot {
        let raw: Vec<(Method, RawCurve, PaperCurve)> = panel
            .methods
            .iter()
            .map(|runs| {
                let ours = runs
                    .curve()
                    .into_iter()
                    .filter(|p| p.stats.mean.is_finite())
                    .map(|p| (p.ridge_rel, p.stats.mean, p.stats.sd.unwrap_or(0.0)))
                    .collect();
                (runs.method, ours, reference.curve(&panel.key, runs.method))
            })
            .collect();
        let ridges: Vec<f64> = raw
            .iter()
            .flat_map(|(_, o, p)| o.iter().map(|x| x.0).chain(p.iter().map(|x| x.0)))
            .flatten()
            .filter(|r| *r > 0.0)
            .map(f64::log10)
            .collect();
        let x_range = match (
            ridges.iter().copied().min_by(f64::total_cmp),
            ridges.iter().copied().max_by(f64::total_cmp),
        ) {
            (Some(lo), Some(hi)) => (lo - 0.4, hi + 0.4),
            _ => (-1.0, 1.0),
        };
        let values: Vec<f64> = raw
            .iter()
            .flat_map(|(_, o, p)| {
                o.iter()
                    .flat_map(|&(_, m, sd)| [m, m - sd, m + sd])
                    .chain(p.iter().map(|x| x.1))
                    .collect::<Vec<_>>()
            })
            .filter(|v| v.is_finite())
            .collect();
        let scale = YScale::of(&values);
        let y = |v: f64| scale.to_plot(v);
        let x = |r: Option<f64>| r.map_or(f64::NAN, f64::log10);
        let series = raw
            .into_iter()
            .map(|(method, ours, paper)| Series {
                method,
                ours: ours
                    .into_iter()
                    .map(|(r, m, sd)| {
                        let low = if m - sd > 0.0 || !scale.log {
                            y((m - sd).max(0.0)).max(scale.range.0)
                        } else {
                            scale.range.0
                        };
                        (x(r), y(m), low, y(m + sd))
                    })
                    .collect(),
                paper: paper.into_iter().map(|(r, v)| (x(r), y(v))).collect(),
            })
            .collect::<Vec<_>>();
        let mut paper_grid: Vec<f64> = series
            .iter()
            .flat_map(|s| s.paper.iter().map(|p| p.0))
            .filter(|x| x.is_finite())
            .collect();
        paper_grid.sort_by(f64::total_cmp);
        paper_grid.dedup();
        PanelPlot {
            title: panel.key.title(with_model),
            series,
            x_range,
            y: scale,
            paper_grid,
        }
    }

    /// Ticks of the x axis: (labelled decades, every decade for the grid).
    fn x_ticks(&self) -> (Vec<f64>, Vec<f64>) {
        let (lo, hi) = self.x_range;
        let decades: Vec<f64> = (lo.ceil() as i32..=hi.floor() as i32)
            .map(f64::from)
            .collect();
        let step = if decades.len() > 7 { 2 } else { 1 };
        let labelled = decades
            .iter()
            .copied()
            .filter(|d| (*d as i32).rem_euclid(step) == 0)
            .collect();
        (labelled, decades)
    }
}

/// A tick value with three significant digits and no trailing zeros (`0.05`, `0.12`, `1`).
fn tick_text(v: f64) -> String {
    if v.abs() < 1e-12 {
        return "0".into();
    }
    let magnitude = v.abs().log10().floor() as i32;
    if !(-4..5).contains(&magnitude) {
        return format!("{v:.1e}");
    }
    let decimals = (2 - magnitude).max(0) as usize;
    let text = format!("{v:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// What a figure shows: its panels, placed, and its heading.
struct Figure {
    /// The title's and then the subtitle's lines, wrapped to the width, with their
    /// (text size, line height).
    heading: Vec<(String, (u32, u32))>,
    plots: Vec<PanelPlot>,
    layout: Layout,
    legend: Vec<Method>,
}

impl Figure {
    /// The figure's width: one panel per column.
    fn width(&self) -> u32 {
        PANEL.0 * self.layout.cols as u32
    }

    /// The height of the heading band.
    fn heading_height(&self) -> u32 {
        24 + self.heading.iter().map(|(_, (_, h))| h).sum::<u32>()
    }

    /// The figure's size in pixels: the heading, the grid of panels, the legend.
    fn size(&self) -> (u32, u32) {
        let legend_rows = legend_entries(self, self.width())
            .last()
            .map_or(0, |e| e.3 + 1);
        (
            self.width(),
            self.heading_height()
                + PANEL.1 * self.layout.rows as u32
                + LEGEND_ROW * legend_rows
                + 16,
        )
    }
}

/// A figure that draws itself on any plotters backend, so one description gives both files.
pub(super) trait Drawing {
    /// The size in pixels.
    fn size(&self) -> (u32, u32);

    /// Draws the figure on `root`, text as `glyphs` says.
    fn render<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        glyphs: Glyphs,
    ) -> Result<(), String>;
}

/// Writes `drawing` to `svg` and `png`, each atomically (a temporary file, then a rename).
pub(super) fn write_figure(drawing: &impl Drawing, png: &Path, svg: &Path) -> Result<()> {
    let fail = |path: &Path| {
        let path = path.to_path_buf();
        move |message: String| Error::Report { path, message }
    };
    register_font().map_err(fail(png))?;
    let size = drawing.size();

    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
        drawing.render(&root, Glyphs::Viewer).map_err(fail(svg))?;
        root.present().map_err(|e| fail(svg)(e.to_string()))?;
    }
    write_atomic(svg, text.as_bytes())?;

    // The bitmap encoder picks the format from the extension: the temporary keeps `.png`.
    write_atomic_via_path(png, |tmp| {
        let root = BitMapBackend::new(tmp, size).into_drawing_area();
        drawing
            .render(&root, Glyphs::ManualTilde)
            .map_err(fail(png))?;
        root.present().map_err(|e| fail(png)(e.to_string()))
    })
}

impl Drawing for Figure {
    fn size(&self) -> (u32, u32) {
        Figure::size(self)
    }

    fn render<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        glyphs: Glyphs,
    ) -> Result<(), String> {
        render(root, glyphs, self)
    }
}

/// Draws the figure of `panels` (with the paper's curves from `reference`) to `png` and `svg`,
/// each written atomically.
pub fn draw(
    panels: &[Panel],
    reference: &Reference,
    title: &str,
    png: &Path,
    svg: &Path,
) -> Result<()> {
    write_figure(&figure(panels, reference, title), png, svg)
}

/// Prepares the panels and the title lines.
fn figure(panels: &[Panel], reference: &Reference, title: &str) -> Figure {
    let shared_model = share_model(panels);
    let sim_with_model = !shared_model;
    let plots: Vec<PanelPlot> = panels
        .iter()
        .map(|p| PanelPlot::new(p, reference, sim_with_model))
        .collect();
    let seeds: Vec<usize> = panels.iter().map(Panel::n_seeds).collect();
    let (lo, hi) = (
        seeds.iter().copied().min().unwrap_or(0),
        seeds.iter().copied().max().unwrap_or(0),
    );
    let seeds = match (lo, hi) {
        (1, 1) => "1 seed".to_string(),
        (lo, hi) if lo == hi => format!("{hi} seeds"),
        (lo, hi) => format!("{lo}–{hi} seeds"),
    };
    let mut subtitle = String::new();
    if let (true, Some(p)) = (
        shared_model && panels.iter().all(|p| p.key.is_simulation()),
        panels.first(),
    ) {
        subtitle += &format!("{}; ", p.key.model_label());
    }
    subtitle +=
        &format!("lines: ours, mean ± 1 sd over {seeds}; circles: the paper's 10-seed means");
    if panels.iter().any(|p| !reference.has_panel(&p.key)) {
        subtitle += "; panels without circles have no counterpart in the paper";
    }
    let legend = Method::ALL
        .into_iter()
        .filter(|m| panels.iter().any(|p| p.method(*m).is_some()))
        .collect();
    let layout = Layout::of(&panels.iter().map(|p| &p.key).collect::<Vec<_>>());
    let max_width = (PANEL.0 * layout.cols as u32) as i32 - 40;
    let heading = [(title, TITLE_FONT), (subtitle.as_str(), SUBTITLE_FONT)]
        .into_iter()
        .flat_map(|(text, font)| {
            wrap(text, font.0, max_width)
                .into_iter()
                .map(move |line| (line, font))
        })
        .collect();
    Figure {
        heading,
        layout,
        plots,
        legend,
    }
}

/// Splits `text` into lines no wider than `max` pixels at `size`, at spaces.
pub(super) fn wrap(text: &str, size: u32, max: i32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && text_width(&candidate, size) > max {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    lines.push(line);
    lines
}

/// Width of a legend entry's sample (line, band or markers).
const LEGEND_SAMPLE: i32 = 36;
/// Legend text size.
pub(super) const LEGEND_FONT: u32 = 16;

/// The legend's entries placed in rows across `width` pixels: (method or `None` for the
/// paper's markers, text, x, row).
fn legend_entries(figure: &Figure, width: u32) -> Vec<(Option<Method>, String, i32, u32)> {
    let mut texts: Vec<(Option<Method>, String)> = figure
        .legend
        .iter()
        .map(|&m| {
            let text = if m == Method::Dnn {
                format!("{} (ours; no λ̃)", m.label())
            } else if m.is_baseline() {
                format!("{} (tuned on training data)", m.label())
            } else {
                format!("{} (ours)", m.label())
            };
            (Some(m), text)
        })
        .collect();
    texts.push((None, "paper (same colour per method)".into()));
    let mut placed = Vec::new();
    let (mut x, mut row) = (20, 0);
    for (method, text) in texts {
        let w = LEGEND_SAMPLE + 8 + text_width(&text, LEGEND_FONT) + 28;
        if x + w > width as i32 - 20 && x > 20 {
            x = 20;
            row += 1;
        }
        placed.push((method, text, x, row));
        x += w;
    }
    placed
}

/// λ̃ as written in texts: λ and a combining tilde.
const LAMBDA_TILDE: &str = "λ\u{303}";

/// The width of `text` in pixels at `size` (each λ̃ as a λ).
pub(super) fn text_width(text: &str, size: u32) -> i32 {
    let font = FontDesc::new(FontFamily::Name(FONT), size.into(), FontStyle::Normal);
    let plain = text.replace(LAMBDA_TILDE, "λ");
    font.box_size(&plain)
        .map_or(size as i32 * plain.chars().count() as i32 / 2, |b| {
            b.0 as i32
        })
}

/// How text is drawn on a backend.
#[derive(Clone, Copy)]
pub(super) enum Glyphs {
    /// The bitmap: plotters' glyph renderer ignores side bearings, so it cannot place a
    /// combining mark; each λ̃ is drawn as a λ with a tilde above it.
    ManualTilde,
    /// SVG: the viewer lays text out with its own fonts and places combining marks itself.
    Viewer,
}

/// Draws `text` anchored at `pos` (horizontally as `h`, vertically as `v`).
pub(super) fn draw_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    glyphs: Glyphs,
    text: &str,
    size: u32,
    pos: (i32, i32),
    (h, v): (HPos, VPos),
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let text_style = |h| TextStyle::from((FONT, size).into_font()).pos(Pos::new(h, v));
    if let Glyphs::Viewer = glyphs {
        return area.draw_text(text, &text_style(h), pos).map_err(err);
    }
    let total = text_width(text, size);
    let mut x = match h {
        HPos::Left => pos.0,
        HPos::Center => pos.0 - total / 2,
        HPos::Right => pos.0 - total,
    };
    let left = text_style(HPos::Left);
    for (i, piece) in text.split(LAMBDA_TILDE).enumerate() {
        if i > 0 {
            let lambda = text_width("λ", size);
            area.draw_text("λ", &left, (x, pos.1)).map_err(err)?;
            let lift = (0.3 * f64::from(size)).round() as i32;
            area.draw_text(
                "˜",
                &text_style(HPos::Center),
                (x + lambda / 2 + 1, pos.1 - lift),
            )
            .map_err(err)?;
            x += lambda;
        }
        if !piece.is_empty() {
            area.draw_text(piece, &left, (x, pos.1)).map_err(err)?;
            x += text_width(piece, size);
        }
    }
    Ok(())
}

fn render<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    glyphs: Glyphs,
    figure: &Figure,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let (width, _) = root.dim_in_pixel();
    let mut y = 12;
    for (line, (size, height)) in &figure.heading {
        draw_text(
            root,
            glyphs,
            line,
            *size,
            (width as i32 / 2, y),
            (HPos::Center, VPos::Top),
        )?;
        y += *height as i32;
    }
    let (_, below) = root.split_vertically(figure.heading_height());
    let (grid, legend) = below.split_vertically(PANEL.1 * figure.layout.rows as u32);
    let cells = grid.split_evenly((figure.layout.rows, figure.layout.cols));
    for (plot, &(r, c)) in figure.plots.iter().zip(&figure.layout.cells) {
        draw_panel(&cells[r * figure.layout.cols + c], glyphs, plot)?;
    }
    draw_legend(&legend, glyphs, figure)
}

/// Draws one panel: its axes, then each method's series in the panel's order, so later
/// series are drawn over earlier ones.
fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    glyphs: Glyphs,
    plot: &PanelPlot,
) -> Result<(), String> {
    let mut chart = draw_panel_axes(area, glyphs, plot)?;
    for s in &plot.series {
        if s.method.has_ridge() {
            draw_ridge_series(&mut chart, s)?;
        } else {
            draw_flat_series(&mut chart, s, plot)?;
        }
    }
    Ok(())
}

/// A panel's chart: log10 λ̃ against the panel's y scale, in plot coordinates.
type PanelChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Axis, Axis>>;

/// Builds a panel's chart and draws its caption, mesh, tick labels and axis descriptions,
/// so the series can then be drawn over the grid.
fn draw_panel_axes<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    glyphs: Glyphs,
    plot: &PanelPlot,
) -> Result<PanelChart<'a, DB>, String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let (x_labelled, x_grid) = plot.x_ticks();
    let mut chart = ChartBuilder::on(area)
        .caption(&plot.title, (FONT, 18))
        .margin(10)
        .margin_right(18)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(
            Axis {
                range: plot.x_range,
                bold: x_labelled,
                light: x_grid,
            },
            plot.y.axis(),
        )
        .map_err(err)?;
    chart
        .configure_mesh()
        .y_desc(plot.y.description())
        .x_label_formatter(&|x| power_of_ten(x.round() as i32))
        .y_label_formatter(&|y| plot.y.label(*y))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .bold_line_style(BLACK.mix(0.10))
        .light_line_style(BLACK.mix(0.05))
        .draw()
        .map_err(err)?;
    // The x description, drawn here for its λ̃, centred under the plotting area.
    let (cell_x, cell_y) = area.get_pixel_range();
    let (plot_x, plot_y) = chart.plotting_area().get_pixel_range();
    draw_text(
        area,
        glyphs,
        "relative ridge λ̃",
        15,
        (
            (plot_x.start + plot_x.end) / 2 - cell_x.start,
            plot_y.end - cell_y.start + 26,
        ),
        (HPos::Center, VPos::Top),
    )?;
    Ok(chart)
}

/// Draws an NTK's curve over λ̃: its band (when there is more than one point), its
/// mean line with dots, and the paper's points as open circles.
fn draw_ridge_series<DB: DrawingBackend>(
    chart: &mut PanelChart<'_, DB>,
    s: &Series,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let c = colour(s.method);
    let band = c.mix(0.16).filled();
    let pts = &s.ours;
    if pts.len() > 1 {
        let outline: Vec<(f64, f64)> = pts
            .iter()
            .map(|p| (p.0, p.3))
            .chain(pts.iter().rev().map(|p| (p.0, p.2)))
            .collect();
        chart
            .draw_series(std::iter::once(Polygon::new(outline, band)))
            .map_err(err)?;
    }
    chart
        .draw_series(LineSeries::new(
            pts.iter().map(|p| (p.0, p.1)),
            c.stroke_width(2),
        ))
        .map_err(err)?;
    chart
        .draw_series(pts.iter().map(|p| Circle::new((p.0, p.1), 3, c.filled())))
        .map_err(err)?;
    chart
        .draw_series(
            s.paper
                .iter()
                .map(|&p| Circle::new(p, 5, c.stroke_width(2))),
        )
        .map_err(err)?;
    Ok(())
}

/// Draws a method reported at one point rather than over λ̃ (the DNN, a baseline): its band
/// and dashed mean span the whole x range, and the paper's value is marked at each λ̃ of the
/// paper's NTK curves.
fn draw_flat_series<DB: DrawingBackend>(
    chart: &mut PanelChart<'_, DB>,
    s: &Series,
    plot: &PanelPlot,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let (x0, x1) = plot.x_range;
    let c = colour(s.method);
    let band = c.mix(0.16).filled();
    for &(_, mean, low, high) in &s.ours {
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(x0, low), (x1, high)],
                band,
            )))
            .map_err(err)?;
        chart
            .draw_series(DashedLineSeries::new(
                [(x0, mean), (x1, mean)],
                10,
                6,
                c.stroke_width(2),
            ))
            .map_err(err)?;
    }
    for &(_, value) in &s.paper {
        chart
            .draw_series(
                plot.paper_grid
                    .iter()
                    .map(|&x| Circle::new((x, value), 5, c.stroke_width(2))),
            )
            .map_err(err)?;
    }
    Ok(())
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    glyphs: Glyphs,
    figure: &Figure,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let (width, _) = area.dim_in_pixel();
    for (method, text, x, row) in legend_entries(figure, width) {
        let y = (LEGEND_ROW * row + LEGEND_ROW / 2) as i32 + 4;
        match method {
            Some(m) => {
                let c = colour(m);
                area.draw(&Rectangle::new(
                    [(x, y - 7), (x + LEGEND_SAMPLE, y + 7)],
                    c.mix(0.16).filled(),
                ))
                .map_err(err)?;
                let dashes: &[(i32, i32)] = if m.has_ridge() {
                    &[(0, LEGEND_SAMPLE)]
                } else {
                    &[(0, 8), (14, 22), (28, 36)]
                };
                for &(a, b) in dashes {
                    area.draw(&PathElement::new(
                        vec![(x + a, y), (x + b, y)],
                        c.stroke_width(2),
                    ))
                    .map_err(err)?;
                }
            }
            None => {
                for (i, m) in figure.legend.iter().enumerate().take(3) {
                    area.draw(&Circle::new(
                        (x + 6 + 12 * i as i32, y),
                        5,
                        colour(*m).stroke_width(2),
                    ))
                    .map_err(err)?;
                }
            }
        }
        draw_text(
            area,
            glyphs,
            &text,
            LEGEND_FONT,
            (x + LEGEND_SAMPLE + 8, y),
            (HPos::Left, VPos::Center),
        )?;
    }
    Ok(())
}
