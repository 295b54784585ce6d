//! The seed-sensitivity figure (`<figures>/<experiment>-seeds.{png,svg}`), laid out as the
//! experiment's own figure: per panel, one box per method of the 10-seed means over random
//! subsets of our seeds (box 25–75 %, line the median, whiskers 2.5–97.5 %, dots the subsets
//! beyond), the paper's value as a hollow circle left of the box and ours on the paper's draws
//! as a black diamond right of it, each with a guide line across the box.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{PanelSpread, SUBSETS, SUBSET_SIZE};
use crate::figures::{
    colour, draw_text, wrap, write_figure, Axis, Drawing, Glyphs, Layout, YScale, FONT,
    LEGEND_FONT, LEGEND_ROW, PANEL, SUBTITLE_FONT, TITLE_FONT,
};
use crate::Result;
use kare_results::Method;

/// Half the width of a box, in method slots.
const HALF_BOX: f64 = 0.26;
/// How far the markers sit beside the box's centre, in method slots.
const MARKER_OFFSET: f64 = 0.38;

/// One method's box in plot coordinates.
struct BoxPlot {
    method: Method,
    /// The 2.5, 25, 50, 75 and 97.5 % quantiles.
    quantiles: [f64; 5],
    /// The subsets beyond the whiskers.
    beyond: Vec<f64>,
    paper: Option<f64>,
    paper_draws: Option<f64>,
}

/// One panel: its title, boxes and axis.
struct SpreadPlot {
    title: String,
    boxes: Vec<BoxPlot>,
    y: YScale,
}

impl SpreadPlot {
    fn new(panel: &PanelSpread) -> SpreadPlot {
        let marks: Vec<f64> = panel
            .methods
            .iter()
            .flat_map(|m| {
                let d = &m.distribution.values;
                [
                    d.first(),
                    d.last(),
                    m.paper.as_ref(),
                    m.paper_draws.as_ref(),
                ]
            })
            .flatten()
            .copied()
            .collect();
        let y = YScale::of(&marks);
        let boxes = panel
            .methods
            .iter()
            .filter_map(|m| {
                let d = &m.distribution;
                let q = [0.025, 0.25, 0.5, 0.75, 0.975].map(|p| d.quantile(p));
                let q = q.map(|v| v.map(|v| y.to_plot(v)));
                let quantiles = [q[0]?, q[1]?, q[2]?, q[3]?, q[4]?];
                let (lo, hi) = (d.quantile(0.025)?, d.quantile(0.975)?);
                Some(BoxPlot {
                    method: m.method,
                    quantiles,
                    beyond: d
                        .values
                        .iter()
                        .filter(|&&v| v < lo || v > hi)
                        .map(|&v| y.to_plot(v))
                        .collect(),
                    paper: m.paper.map(|v| y.to_plot(v)),
                    paper_draws: m.paper_draws.map(|v| y.to_plot(v)),
                })
            })
            .collect();
        SpreadPlot {
            title: panel.title.clone(),
            boxes,
            y,
        }
    }
}

/// The whole figure.
struct SpreadFigure {
    heading: Vec<(String, (u32, u32))>,
    plots: Vec<SpreadPlot>,
    layout: Layout,
    /// The legend's entries and their texts.
    legend: Vec<(Legend, String)>,
}

/// An entry of the legend.
#[derive(Clone, Copy)]
enum Legend {
    Box,
    Paper,
    PaperDraws,
}

impl Legend {
    fn text(self, n_seeds: &str, paper_draws: Option<&str>) -> String {
        match self {
            Legend::Box => format!(
                "{SUBSET_SIZE}-seed means of {n_seeds} ({SUBSETS} subsets): box 25–75 %, \
                 line median, whiskers 2.5–97.5 %, dots beyond"
            ),
            Legend::Paper => "the paper's 10-seed mean".into(),
            Legend::PaperDraws => format!(
                "ours on the paper's draws ({})",
                paper_draws.unwrap_or_default()
            ),
        }
    }
}

/// Draws the seed-sensitivity figure of `experiment` to `png` and `svg`; `paper_draws` names
/// the experiment on the paper's draws whose values are marked, when there is one.
pub fn draw(
    experiment: &str,
    spreads: &[PanelSpread],
    paper_draws: Option<&str>,
    png: &Path,
    svg: &Path,
) -> Result<()> {
    write_figure(&figure(experiment, spreads, paper_draws), png, svg)
}

fn figure(experiment: &str, spreads: &[PanelSpread], paper_draws: Option<&str>) -> SpreadFigure {
    let layout = Layout::of(&spreads.iter().map(|s| &s.key).collect::<Vec<_>>());
    let seeds: Vec<usize> = spreads
        .iter()
        .flat_map(|s| s.methods.iter().map(|m| m.distribution.n_seeds))
        .collect();
    let (lo, hi) = (
        seeds.iter().copied().min().unwrap_or(0),
        seeds.iter().copied().max().unwrap_or(0),
    );
    let n_seeds = if lo == hi {
        format!("our {hi} seeds")
    } else {
        format!("our {lo}–{hi} seeds")
    };
    let title = format!("{experiment}: how far a 10-seed mean moves with the seeds");
    let subtitle = format!(
        "per random {SUBSET_SIZE}-seed subset of {n_seeds}: the paper's statistic, the best \
         seed mean over λ̃ (the DNN: its mean)"
    );
    let max_width = (PANEL.0 * layout.cols as u32) as i32 - 40;
    let heading = [(title, TITLE_FONT), (subtitle, SUBTITLE_FONT)]
        .into_iter()
        .flat_map(|(text, font)| {
            wrap(&text, font.0, max_width)
                .into_iter()
                .map(move |line| (line, font))
        })
        .collect();
    let mut legend = vec![Legend::Box, Legend::Paper];
    if paper_draws.is_some() {
        legend.push(Legend::PaperDraws);
    }
    let texts = legend
        .iter()
        .map(|l| (*l, l.text(&n_seeds, paper_draws)))
        .collect();
    SpreadFigure {
        heading,
        plots: spreads.iter().map(SpreadPlot::new).collect(),
        layout,
        legend: texts,
    }
}

/// Width of a legend entry's sample.
const SAMPLE: i32 = 30;

impl SpreadFigure {
    fn width(&self) -> u32 {
        PANEL.0 * self.layout.cols as u32
    }

    fn heading_height(&self) -> u32 {
        24 + self.heading.iter().map(|(_, (_, h))| h).sum::<u32>()
    }

    /// The legend's entries placed in rows: (entry, text, x, row).
    fn legend_places(&self) -> Vec<(Legend, &str, i32, u32)> {
        let mut placed = Vec::new();
        let (mut x, mut row) = (20, 0);
        for (entry, text) in &self.legend {
            let w = SAMPLE + 8 + crate::figures::text_width(text, LEGEND_FONT) + 32;
            if x + w > self.width() as i32 - 20 && x > 20 {
                (x, row) = (20, row + 1);
            }
            placed.push((*entry, text.as_str(), x, row));
            x += w;
        }
        placed
    }
}

impl Drawing for SpreadFigure {
    fn size(&self) -> (u32, u32) {
        let rows = self.legend_places().last().map_or(0, |p| p.3 + 1);
        (
            self.width(),
            self.heading_height() + PANEL.1 * self.layout.rows as u32 + LEGEND_ROW * rows + 16,
        )
    }

    fn render<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        glyphs: Glyphs,
    ) -> Result<(), String> {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut y = 12;
        for (line, (size, height)) in &self.heading {
            let centre = (self.width() / 2) as i32;
            draw_text(
                root,
                glyphs,
                line,
                *size,
                (centre, y),
                (HPos::Center, VPos::Top),
            )?;
            y += *height as i32;
        }
        let (_, below) = root.split_vertically(self.heading_height());
        let (grid, legend) = below.split_vertically(PANEL.1 * self.layout.rows as u32);
        let cells = grid.split_evenly((self.layout.rows, self.layout.cols));
        for (plot, &(r, c)) in self.plots.iter().zip(&self.layout.cells) {
            draw_panel(&cells[r * self.layout.cols + c], plot)?;
        }
        for (entry, text, x, row) in self.legend_places() {
            let y = (LEGEND_ROW * row + LEGEND_ROW / 2) as i32 + 4;
            legend_sample(&legend, entry, (x, y))?;
            let at = (x + SAMPLE + 8, y);
            draw_text(
                &legend,
                glyphs,
                text,
                LEGEND_FONT,
                at,
                (HPos::Left, VPos::Center),
            )?;
        }
        Ok(())
    }
}

/// The corners of a diamond of half-width `r` pixels around the origin.
fn diamond(r: i32) -> Vec<(i32, i32)> {
    vec![(0, -r), (r, 0), (0, r), (-r, 0)]
}

/// A legend entry's sample at `(x, y)` (its left end, vertical centre).
fn legend_sample<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entry: Legend,
    (x, y): (i32, i32),
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let grey = RGBColor(90, 90, 90);
    match entry {
        Legend::Box => {
            let (l, r) = (x + 6, x + SAMPLE - 6);
            area.draw(&Rectangle::new(
                [(l, y - 8), (r, y + 8)],
                grey.mix(0.25).filled(),
            ))
            .map_err(err)?;
            area.draw(&Rectangle::new(
                [(l, y - 8), (r, y + 8)],
                grey.stroke_width(1),
            ))
            .map_err(err)?;
            area.draw(&PathElement::new(
                vec![(l, y), (r, y)],
                grey.stroke_width(3),
            ))
            .map_err(err)?;
            let mid = x + SAMPLE / 2;
            for (a, b) in [(y - 13, y - 8), (y + 8, y + 13)] {
                area.draw(&PathElement::new(
                    vec![(mid, a), (mid, b)],
                    grey.stroke_width(1),
                ))
                .map_err(err)?;
            }
        }
        Legend::Paper => area
            .draw(&Circle::new((x + SAMPLE / 2, y), 6, BLACK.stroke_width(2)))
            .map_err(err)?,
        Legend::PaperDraws => {
            let points = diamond(7)
                .into_iter()
                .map(|(dx, dy)| (x + SAMPLE / 2 + dx, y + dy))
                .collect::<Vec<_>>();
            area.draw(&Polygon::new(points, BLACK.filled()))
                .map_err(err)?;
        }
    }
    Ok(())
}

/// The method slot's label under the x axis.
fn slot_label(plot: &SpreadPlot, x: f64) -> String {
    let i = x.round();
    if (x - i).abs() > 1e-9 || i < 0.0 {
        return String::new();
    }
    plot.boxes
        .get(i as usize)
        .map_or(String::new(), |b| b.method.label().to_string())
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    plot: &SpreadPlot,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let slots: Vec<f64> = (0..plot.boxes.len()).map(|i| i as f64).collect();
    let x_axis = Axis {
        range: (-0.6, plot.boxes.len() as f64 - 0.4),
        bold: slots,
        light: Vec::new(),
    };
    let mut chart = ChartBuilder::on(area)
        .caption(&plot.title, (FONT, 18))
        .margin(10)
        .margin_right(18)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(x_axis, plot.y.axis())
        .map_err(err)?;
    chart
        .configure_mesh()
        .y_desc(plot.y.description())
        .x_label_formatter(&|x| slot_label(plot, *x))
        .y_label_formatter(&|y| plot.y.label(*y))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 15))
        .bold_line_style(BLACK.mix(0.10))
        .light_line_style(BLACK.mix(0.05))
        .disable_x_mesh()
        .draw()
        .map_err(err)?;
    for (i, b) in plot.boxes.iter().enumerate() {
        draw_box(&mut chart, i as f64, b).map_err(err)?;
    }
    Ok(())
}

/// One method's box, whiskers, tail dots and markers at slot `x`.
fn draw_box<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, Cartesian2d<Axis, Axis>>,
    x: f64,
    b: &BoxPlot,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let c = colour(b.method);
    let [q025, q25, q50, q75, q975] = b.quantiles;
    let (l, r) = (x - HALF_BOX, x + HALF_BOX);
    chart.draw_series(
        b.beyond
            .iter()
            .map(|&v| Circle::new((x, v), 2, c.mix(0.45).filled())),
    )?;
    for (a, z) in [(q025, q25), (q75, q975)] {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, a), (x, z)],
            c.stroke_width(2),
        )))?;
    }
    for q in [q025, q975] {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x - HALF_BOX / 2.0, q), (x + HALF_BOX / 2.0, q)],
            c.stroke_width(2),
        )))?;
    }
    chart.draw_series(std::iter::once(Rectangle::new(
        [(l, q25), (r, q75)],
        c.mix(0.22).filled(),
    )))?;
    chart.draw_series(std::iter::once(Rectangle::new(
        [(l, q25), (r, q75)],
        c.stroke_width(2),
    )))?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(l, q50), (r, q50)],
        c.stroke_width(4),
    )))?;
    if let Some(p) = b.paper {
        let guide = PathElement::new(vec![(x - MARKER_OFFSET, p), (r, p)], BLACK.stroke_width(1));
        chart.draw_series(std::iter::once(guide))?;
        chart.draw_series(std::iter::once(Circle::new(
            (x - MARKER_OFFSET, p),
            6,
            BLACK.stroke_width(2),
        )))?;
    }
    if let Some(d) = b.paper_draws {
        let guide = PathElement::new(vec![(l, d), (x + MARKER_OFFSET, d)], BLACK.stroke_width(1));
        chart.draw_series(std::iter::once(guide))?;
        chart.draw_series(std::iter::once(
            EmptyElement::at((x + MARKER_OFFSET, d)) + Polygon::new(diamond(7), BLACK.filled()),
        ))?;
    }
    Ok(())
}
