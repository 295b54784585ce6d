//! Table 1's figure (`<figures>/<stem>.png` and `.svg`): per set used, our accuracy (y)
//! against the best accuracy of the 179 classifiers (x), one colour per method (NTK-KARE,
//! after-NTK, DNN, SVM), hollow circles for protocol (a), filled circles for protocol (b),
//! filled triangles for protocol (c), and the diagonal y = x: points below it are sets where
//! the best classifier beats us.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::compare::Comparison;
use super::protocol::Protocol;
use super::Table1;
use crate::figures::{colour, write_figure, Drawing, Glyphs, FONT};
use crate::Result;
use kare_results::Method;

/// The methods drawn (those present).
pub const METHODS: [Method; 4] = [Method::NtkKare, Method::AfterNtk, Method::Dnn, Method::Svm];

/// The figure's size, the heading band's and the legend's heights.
const SIZE: (u32, u32) = (820, 900);
const HEADING: u32 = 84;
const LEGEND: u32 = 86;

/// One method's points under one protocol: (x, y) per set.
type Series = (Protocol, Method, Vec<(f64, f64)>);

/// What is drawn: per protocol and method, the (x, y) points, and the axes' range.
struct Scatter {
    title: String,
    subtitle: String,
    series: Vec<Series>,
    range: (f64, f64),
}

impl Scatter {
    fn new(t: &Table1) -> Scatter {
        let points = |c: &Comparison, m: Method| -> Vec<(f64, f64)> {
            c.sets
                .iter()
                .filter(|s| s.best_classifier.is_finite())
                .filter_map(|s| {
                    let (_, y) = s.ours.iter().find(|(x, _)| *x == m)?;
                    Some((s.best_classifier, *y))
                })
                .collect()
        };
        let series: Vec<Series> = t
            .comparisons
            .iter()
            .flat_map(|c| METHODS.map(|m| (c.protocol, m, points(c, m))))
            .filter(|(_, _, p)| !p.is_empty())
            .collect();
        let low = series
            .iter()
            .flat_map(|(_, _, p)| p.iter().flat_map(|&(x, y)| [x, y]))
            .fold(100.0, f64::min);
        let lo = (((low - 2.0) / 10.0).floor() * 10.0).clamp(0.0, 90.0);
        Scatter {
            title: format!("{}: Table 1, accuracy per UCI set (%)", t.name),
            subtitle: format!(
                "ours against the best of the {} classifiers of Fernández-Delgado et al. (2014) \
                 on each set",
                t.n_classifiers
            ),
            series,
            range: (lo, 101.0),
        }
    }

    /// The methods with at least one point, in [`METHODS`] order.
    fn methods(&self) -> Vec<Method> {
        METHODS
            .into_iter()
            .filter(|m| self.series.iter().any(|(_, x, _)| x == m))
            .collect()
    }
}

/// Draws Table 1's figure to `png` and `svg`, each written atomically.
pub fn draw(t: &Table1, png: &Path, svg: &Path) -> Result<()> {
    write_figure(&Scatter::new(t), png, svg)
}

impl Drawing for Scatter {
    fn size(&self) -> (u32, u32) {
        SIZE
    }

    /// Its text has no λ̃, so both backends draw it alike.
    fn render<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _glyphs: Glyphs,
    ) -> Result<(), String> {
        render(root, self)
    }
}

/// A text style of `size` anchored as `h`, `v`.
fn style(size: u32, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).pos(Pos::new(h, v))
}

/// The width of `text` in pixels at `size`.
fn text_width(text: &str, size: u32) -> i32 {
    let font = FontDesc::new(FontFamily::Name(FONT), size.into(), FontStyle::Normal);
    font.box_size(text)
        .map_or(size as i32 * text.chars().count() as i32 / 2, |b| {
            b.0 as i32
        })
}

/// The legend's marker of `protocol`: a hollow circle for (a), a filled circle for (b), a
/// filled triangle for (c), as in the plot.
fn marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    c: RGBColor,
    protocol: Protocol,
) -> Result<(), String> {
    match protocol {
        Protocol::AsPublished => area.draw(&Circle::new(at, 6, c.stroke_width(2))),
        Protocol::Honest => area.draw(&Circle::new(at, 5, c.filled())),
        Protocol::TestFile => area.draw(&TriangleMarker::new(at, 6, c.filled())),
    }
    .map_err(|e| e.to_string())
}

/// Draws the figure: its heading, the scatter plot, and the legend below it.
fn render<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Scatter) -> Result<(), String> {
    draw_heading(root, s)?;
    let (_, below) = root.split_vertically(HEADING);
    let (plot, legend) = below.split_vertically(SIZE.1 - HEADING - LEGEND);
    draw_scatter(&plot, s)?;
    draw_legend(&legend, s)
}

/// Fills the figure white and draws its title and subtitle, centred at the top.
fn draw_heading<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Scatter,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let centre = SIZE.0 as i32 / 2;
    root.draw_text(&s.title, &style(24, HPos::Center, VPos::Top), (centre, 14))
        .map_err(err)?;
    root.draw_text(
        &s.subtitle,
        &style(15, HPos::Center, VPos::Top),
        (centre, 48),
    )
    .map_err(err)?;
    Ok(())
}

/// Draws the scatter plot: the axes over the accuracy range, the diagonal y = x, and each
/// series' points, marked by protocol and coloured by method.
fn draw_scatter<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    s: &Scatter,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let (lo, hi) = s.range;
    let mut chart = ChartBuilder::on(plot)
        .margin(12)
        .margin_right(28)
        .x_label_area_size(56)
        .y_label_area_size(70)
        .build_cartesian_2d(lo..hi, lo..hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("best accuracy of the classifiers on the set (%)")
        .y_desc("our accuracy on the set (%)")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .bold_line_style(BLACK.mix(0.10))
        .light_line_style(TRANSPARENT)
        .draw()
        .map_err(err)?;
    chart
        .draw_series(DashedLineSeries::new(
            [(lo, lo), (hi, hi)],
            8,
            6,
            BLACK.mix(0.6).stroke_width(1),
        ))
        .map_err(err)?;
    // Hollow (a) first, filled (b) and (c) on top.
    for (protocol, method, points) in &s.series {
        let c = colour(*method);
        let at = points.iter().copied();
        match protocol {
            Protocol::AsPublished => {
                chart.draw_series(at.map(|p| Circle::new(p, 6, c.stroke_width(2))))
            }
            Protocol::Honest => chart.draw_series(at.map(|p| Circle::new(p, 5, c.filled()))),
            Protocol::TestFile => {
                chart.draw_series(at.map(|p| TriangleMarker::new(p, 6, c.filled())))
            }
        }
        .map_err(err)?;
    }
    Ok(())
}

/// Draws the legend: the methods' colours, each with its three markers, then the markers'
/// and the diagonal's meaning.
fn draw_legend<DB: DrawingBackend>(
    legend: &DrawingArea<DB, Shift>,
    s: &Scatter,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let text = style(16, HPos::Left, VPos::Center);
    let mut x = 30;
    for m in s.methods() {
        let c = colour(m);
        marker(legend, (x + 6, 22), c, Protocol::AsPublished)?;
        marker(legend, (x + 22, 22), c, Protocol::Honest)?;
        marker(legend, (x + 38, 22), c, Protocol::TestFile)?;
        legend
            .draw_text(m.label(), &text, (x + 52, 22))
            .map_err(err)?;
        x += 52 + text_width(m.label(), 16) + 34;
    }
    let grey = RGBColor(90, 90, 90);
    let mut x = 30;
    for protocol in Protocol::ALL {
        let label = format!("protocol {}", protocol.label());
        marker(legend, (x + 6, 58), grey, protocol)?;
        legend.draw_text(&label, &text, (x + 20, 58)).map_err(err)?;
        x += 20 + text_width(&label, 16) + 34;
    }
    for (a, b) in [(0, 8), (14, 22)] {
        legend
            .draw(&PathElement::new(
                vec![(x + a, 58), (x + b, 58)],
                BLACK.mix(0.6).stroke_width(1),
            ))
            .map_err(err)?;
    }
    legend
        .draw_text("y = x", &text, (x + 30, 58))
        .map_err(err)?;
    Ok(())
}
