//! The drawing: one SVG, made of a header, a panel per parameter, the level strip and a
//! legend, each drawn by plotters and kept as a group with an id (`panel-spo2`, `levels`), so
//! the app, the tests and the exports all read the same document.

use crate::build::{Panel, PanelKey, PanelPoint, Trend};
use crate::fonts;
use crate::model::RejectedKind;
use crate::style::{self, FONT_FAMILY};
use crate::thin::{Grid, ThinPoint, thin};
use crate::ticks::{Tick, ticks};

mod strips;
use crate::words::Words;
use crate::{LimitsInForce, PlotError};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::Serialize;
use strips::{header, legend, levels};
use vagt_core::i18n::{Catalogue, Language};
use vagt_core::limits::Triage;
use vagt_core::{Parameter, Timestamp};

/// How big to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub width: u32,
    pub panel_height: u32,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            width: style::WIDTH,
            panel_height: style::PANEL_HEIGHT,
        }
    }
}

/// A drawn point, where it is in the SVG and what it is: the app shows it on hover and
/// under the keyboard cursor.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct HoverPoint {
    pub panel: PanelKey,
    pub parameter: Parameter,
    pub x: i32,
    pub y: i32,
    pub at: Timestamp,
    pub value: f64,
    pub unit: String,
    pub triage: Triage,
    pub source: String,
    pub limits: LimitsInForce,
}

/// Where a panel is in the SVG.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct PanelBox {
    pub panel: PanelKey,
    pub top: u32,
    pub height: u32,
    /// Points before thinning, and drawn.
    pub readings: u32,
    pub drawn: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Rendered {
    pub svg: String,
    pub width: u32,
    pub height: u32,
    pub panels: Vec<PanelBox>,
    /// In time order within each panel, panels top to bottom.
    pub points: Vec<HoverPoint>,
}

fn draw_err<E: std::fmt::Debug>(e: E) -> PlotError {
    PlotError::Draw(format!("{e:?}"))
}

impl Words<'_> {
    fn panel_title(&self, key: PanelKey) -> String {
        match key {
            PanelKey::Parameter(p) => {
                let name = self.get(&format!("parameter.{}", p.code()));
                match p.display_unit() {
                    "" => name,
                    unit => format!("{name} ({unit})"),
                }
            }
            PanelKey::Fev1PercentOfBaseline => self.get("plot.panel.fev1_percent"),
            PanelKey::BloodPressure => format!("{} (mmHg)", self.get("plot.panel.blood_pressure")),
        }
    }
}

fn font(size: u32) -> TextStyle<'static> {
    (FONT_FAMILY, size as f64).into_font().color(&style::TEXT)
}

fn bold(size: u32) -> TextStyle<'static> {
    (FONT_FAMILY, size as f64, FontStyle::Bold)
        .into_font()
        .color(&style::TEXT)
}

/// Draws the trend as one SVG. The font is registered first, so text is measured with the
/// shipped font whatever the machine has installed.
pub fn render_svg(
    trend: &Trend,
    catalogue: &Catalogue,
    language: Language,
    layout: Layout,
) -> Result<Rendered, PlotError> {
    fonts::register()?;
    let words = Words::new(catalogue, language);
    let width = layout.width.max(480);
    let ticks = ticks(trend.window, language);
    let mut parts: Vec<(String, u32, String)> = Vec::new();
    let mut y = 0u32;
    parts.push(("header".into(), y, header(trend, &words, width)?));
    y += style::HEADER_HEIGHT;
    let mut panels = Vec::new();
    let mut points = Vec::new();
    for panel in &trend.panels {
        let id = format!("panel-{}", panel.key.code());
        let height = layout.panel_height.max(90);
        let (svg, drawn) = draw_panel(panel, trend, &words, width, height, y, &ticks, &mut points)?;
        panels.push(PanelBox {
            panel: panel.key,
            top: y,
            height,
            readings: panel.point_count() as u32,
            drawn,
        });
        parts.push((id, y, svg));
        y += height;
    }
    parts.push(("levels".into(), y, levels(trend, &words, width, &ticks)?));
    y += style::LEVELS_HEIGHT;
    parts.push(("legend".into(), y, legend(trend, &words, width)?));
    y += style::LEGEND_HEIGHT;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{y}\" viewBox=\"0 0 {width} {y}\" font-family=\"{FONT_FAMILY}\">\n"
    );
    for (id, top, part) in parts {
        svg.push_str(&format!(
            "<g id=\"{id}\" transform=\"translate(0,{top})\">\n{}</g>\n",
            inner(&part)
        ));
    }
    svg.push_str("</svg>\n");
    Ok(Rendered {
        svg,
        width,
        height: y,
        panels,
        points,
    })
}

/// The content of an SVG document, without its root element.
fn inner(document: &str) -> &str {
    let start = document.find('>').map_or(0, |i| i + 1);
    let end = document.rfind("</svg>").unwrap_or(document.len());
    document.get(start..end).unwrap_or("")
}

/// The y range: the readings in the window and the yellow limits in force, with room.
fn y_range(panel: &Panel) -> (f64, f64) {
    let mut low = f64::INFINITY;
    let mut high = f64::NEG_INFINITY;
    for p in panel.series.iter().flatten() {
        low = low.min(p.value);
        high = high.max(p.value);
    }
    for b in &panel.bands {
        if b.colour == Triage::Yellow {
            for v in [b.low, b.high].into_iter().flatten() {
                low = low.min(v);
                high = high.max(v);
            }
        }
    }
    for l in &panel.lines {
        low = low.min(l.value);
        high = high.max(l.value);
    }
    for m in &panel.marks {
        // Only plausible rejected values widen the axis; implausible ones sit on its edge.
        if let (Some(v), RejectedKind::Rejected) = (m.value, m.kind) {
            low = low.min(v);
            high = high.max(v);
        }
    }
    if !low.is_finite() || !high.is_finite() {
        return (0.0, 1.0);
    }
    let span = (high - low).max(high.abs() * 0.05).max(1.0);
    (low - span * 0.12, high + span * 0.12)
}

fn decimals(low: f64, high: f64) -> usize {
    let span = high - low;
    if span < 2.0 {
        2
    } else if span < 20.0 {
        1
    } else {
        0
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_panel(
    panel: &Panel,
    trend: &Trend,
    words: &Words<'_>,
    width: u32,
    height: u32,
    top: u32,
    ticks: &[Tick],
    hover: &mut Vec<HoverPoint>,
) -> Result<(String, u32), PlotError> {
    let (y_low, y_high) = y_range(panel);
    let (x_from, x_to) = (trend.window.from.millis(), trend.window.to.millis());
    let plot_width = width.saturating_sub(style::LEFT + style::RIGHT).max(1);
    let plot_height = height.saturating_sub(style::PANEL_TOP + 4).max(1);
    let grid = Grid {
        x_from,
        x_to,
        columns: plot_width as usize,
        y_low,
        y_high,
        rows: plot_height as usize,
    };
    let places = decimals(y_low, y_high);
    let mut drawn = 0u32;
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        root.draw(&Text::new(
            words.panel_title(panel.key),
            (style::LEFT as i32 + 2, 4),
            bold(13),
        ))
        .map_err(draw_err)?;
        let xs = (x_from..x_to).with_key_points(ticks.iter().map(|t| t.at).collect());
        let mut chart = ChartBuilder::on(&root)
            .margin_top(style::PANEL_TOP)
            .margin_right(style::RIGHT)
            .margin_bottom(4)
            .set_label_area_size(LabelAreaPosition::Left, style::LEFT)
            .build_cartesian_2d(xs, y_low..y_high)
            .map_err(draw_err)?;
        let y_format = |v: &f64| words.number(*v, places);
        chart
            .configure_mesh()
            .y_labels(5)
            .y_label_formatter(&y_format)
            .x_label_formatter(&|_: &i64| String::new())
            .label_style(font(12))
            .bold_line_style(style::GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(style::TEXT_MUTED)
            .draw()
            .map_err(draw_err)?;

        // The limits as they were: a band per plan step, so a revision is a step.
        chart
            .draw_series(panel.bands.iter().filter_map(|b| {
                let colour = style::band(b.colour)?;
                let low = b.low.unwrap_or(y_low).max(y_low);
                let high = b.high.unwrap_or(y_high).min(y_high);
                (low < high).then(|| {
                    Rectangle::new(
                        [(b.from.millis(), low), (b.to.millis(), high)],
                        colour.filled(),
                    )
                })
            }))
            .map_err(draw_err)?;
        chart
            .draw_series(
                panel
                    .lines
                    .iter()
                    .filter(|l| l.value > y_low && l.value < y_high)
                    .map(|l| {
                        PathElement::new(
                            vec![(l.from.millis(), l.value), (l.to.millis(), l.value)],
                            style::point(l.colour).stroke_width(1),
                        )
                    }),
            )
            .map_err(draw_err)?;

        // The citizen's own baseline, thinned to a point a column.
        if panel.baseline.len() >= 2 {
            let step = (panel.baseline.len() / grid.columns.max(1)).max(1);
            let sampled: Vec<_> = panel.baseline.iter().step_by(step).collect();
            let mut outline: Vec<(i64, f64)> = sampled
                .iter()
                .map(|b| (b.at.millis(), b.high.clamp(y_low, y_high)))
                .collect();
            outline.extend(
                sampled
                    .iter()
                    .rev()
                    .map(|b| (b.at.millis(), b.low.clamp(y_low, y_high))),
            );
            chart
                .draw_series(std::iter::once(Polygon::new(
                    outline,
                    style::BASELINE.mix(0.16).filled(),
                )))
                .map_err(draw_err)?;
        }

        // A relative rule's bound, a stepped line in the rule's colour.
        if panel.relative.len() >= 2 {
            let step = (panel.relative.len() / grid.columns.max(1)).max(1);
            let mut path = Vec::new();
            let mut last: Option<f64> = None;
            for r in panel.relative.iter().step_by(step) {
                if let Some(previous) = last {
                    path.push((r.at.millis(), previous.clamp(y_low, y_high)));
                }
                path.push((r.at.millis(), r.bound.clamp(y_low, y_high)));
                last = Some(r.bound);
            }
            let colour = panel
                .relative
                .iter()
                .map(|r| r.colour)
                .max()
                .unwrap_or(Triage::Yellow);
            chart
                .draw_series(std::iter::once(PathElement::new(
                    path,
                    style::point(colour).stroke_width(1),
                )))
                .map_err(draw_err)?;
        }

        // Care events cross every panel.
        chart
            .draw_series(trend.events.iter().map(|e| {
                PathElement::new(
                    vec![(e.at.millis(), y_low), (e.at.millis(), y_high)],
                    style::EVENT.mix(0.6).stroke_width(1),
                )
            }))
            .map_err(draw_err)?;

        // The readings: a line through the thinned points, each point in its colour.
        for (n, series) in panel.series.iter().enumerate() {
            let line = if n == 0 {
                style::LINE
            } else {
                style::LINE_SECOND
            };
            let kept = thinned(series, &grid);
            drawn += kept.len() as u32;
            if kept.len() >= 2 {
                chart
                    .draw_series(LineSeries::new(
                        kept.iter().map(|p| (p.at.millis(), p.value)),
                        line.stroke_width(1),
                    ))
                    .map_err(draw_err)?;
            }
            chart
                .draw_series(kept.iter().map(|p| {
                    Circle::new(
                        (p.at.millis(), p.value),
                        style::POINT_RADIUS,
                        style::point(p.triage).filled(),
                    )
                }))
                .map_err(draw_err)?;
            for p in kept {
                let (x, y) = chart.backend_coord(&(p.at.millis(), p.value));
                hover.push(HoverPoint {
                    panel: panel.key,
                    parameter: p.parameter,
                    x,
                    y: y + top as i32,
                    at: p.at,
                    value: p.value,
                    unit: match panel.key {
                        PanelKey::Fev1PercentOfBaseline => "%".into(),
                        _ => p.parameter.display_unit().into(),
                    },
                    triage: p.triage,
                    source: p.source.clone(),
                    limits: p.limits.clone(),
                });
            }
        }

        // Inputs kept apart: a cross where a rejected value would be, a triangle on the
        // edge for a value the body cannot show.
        for mark in &panel.marks {
            let x = mark.at.millis();
            match mark.kind {
                RejectedKind::Rejected => {
                    let y = mark
                        .value
                        .map_or(y_low + (y_high - y_low) * 0.05, |v| v.clamp(y_low, y_high));
                    chart
                        .draw_series(std::iter::once(Cross::new(
                            (x, y),
                            5,
                            style::REJECTED.stroke_width(2),
                        )))
                        .map_err(draw_err)?;
                }
                RejectedKind::Implausible => {
                    let above = mark.value.is_some_and(|v| v > y_high);
                    let y = if above {
                        y_high - (y_high - y_low) * 0.04
                    } else {
                        y_low + (y_high - y_low) * 0.04
                    };
                    chart
                        .draw_series(std::iter::once(TriangleMarker::new(
                            (x, y),
                            6,
                            style::IMPLAUSIBLE.filled(),
                        )))
                        .map_err(draw_err)?;
                }
            }
        }

        if panel.point_count() == 0 {
            let centre = (
                (style::LEFT + plot_width / 2) as i32,
                (style::PANEL_TOP + plot_height / 2) as i32,
            );
            root.draw(&Text::new(
                words.get("plot.no_readings"),
                centre,
                font(12)
                    .color(&style::TEXT_MUTED)
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            ))
            .map_err(draw_err)?;
        }
        root.present().map_err(draw_err)?;
    }
    Ok((buf, drawn))
}

/// The points of a series that thinning keeps.
fn thinned<'p>(series: &'p [PanelPoint], grid: &Grid) -> Vec<&'p PanelPoint> {
    let input: Vec<ThinPoint> = series
        .iter()
        .map(|p| ThinPoint {
            x: p.at.millis(),
            y: p.value,
            triage: p.triage,
        })
        .collect();
    thin(&input, grid).into_iter().map(|i| &series[i]).collect()
}
