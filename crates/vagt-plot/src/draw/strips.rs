//! The strips around the panels: the header (who, which period, which limits, when made), the
//! ECM level strip with the shared time axis and the care events, and the legend.

use super::{Words, bold, draw_err, font};
use crate::PlotError;
use crate::build::Trend;
use crate::style;
use crate::ticks::Tick;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub(super) fn header(trend: &Trend, words: &Words<'_>, width: u32) -> Result<String, PlotError> {
    let mut buf = String::new();
    {
        let root =
            SVGBackend::with_string(&mut buf, (width, style::HEADER_HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let citizen = words.fill(
            "plot.header.citizen",
            &[("name", &trend.citizen_name), ("id", &trend.citizen_id)],
        );
        root.draw(&Text::new(citizen, (style::LEFT as i32, 8), bold(16)))
            .map_err(draw_err)?;
        let period = words.fill(
            "plot.header.period",
            &[
                ("from", &words.date_time(trend.window.from)),
                ("to", &words.date_time(trend.window.to)),
            ],
        );
        let limits = words.fill(
            "plot.header.limits",
            &[("sources", &trend.limits_sources.join(" → "))],
        );
        let made = words.fill(
            "plot.header.made",
            &[("at", &words.date_time(trend.made_at))],
        );
        let line = format!("{period} · {limits} · {made}");
        root.draw(&Text::new(
            line,
            (style::LEFT as i32, 32),
            font(12).color(&style::TEXT_MUTED),
        ))
        .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    Ok(buf)
}

pub(super) fn levels(
    trend: &Trend,
    words: &Words<'_>,
    width: u32,
    ticks: &[Tick],
) -> Result<String, PlotError> {
    let (x_from, x_to) = (trend.window.from.millis(), trend.window.to.millis());
    let mut buf = String::new();
    {
        let root =
            SVGBackend::with_string(&mut buf, (width, style::LEVELS_HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        root.draw(&Text::new(
            words.get("plot.panel.levels"),
            (style::LEFT as i32 + 2, 4),
            bold(13),
        ))
        .map_err(draw_err)?;
        let xs = (x_from..x_to).with_key_points(ticks.iter().map(|t| t.at).collect());
        let mut chart = ChartBuilder::on(&root)
            .margin_top(style::PANEL_TOP)
            .margin_right(style::RIGHT)
            .set_label_area_size(LabelAreaPosition::Left, style::LEFT)
            .set_label_area_size(LabelAreaPosition::Bottom, 24)
            .build_cartesian_2d(xs, (0i32..7).with_key_points(vec![1, 2, 3, 4, 5, 6]))
            .map_err(draw_err)?;
        let x_format = |at: &i64| {
            ticks
                .iter()
                .find(|t| t.at == *at)
                .map(|t| t.label.clone())
                .unwrap_or_default()
        };
        let y_format = |v: &i32| format!("{v}");
        chart
            .configure_mesh()
            .y_label_formatter(&y_format)
            .x_label_formatter(&x_format)
            .label_style(font(12))
            .bold_line_style(style::GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(style::TEXT_MUTED)
            .draw()
            .map_err(draw_err)?;
        chart
            .draw_series(trend.confirmed.iter().map(|span| {
                let level = span.level.get();
                let colour = style::ECM[usize::from(level.clamp(1, 6)) - 1];
                Rectangle::new(
                    [
                        (span.from.millis(), 0),
                        (span.to.millis(), i32::from(level)),
                    ],
                    colour.filled(),
                )
            }))
            .map_err(draw_err)?;
        // The suggested level as a thin step line, its changes as marks.
        let mut steps: Vec<(i64, i32)> = trend
            .suggested_at_start
            .map(|level| vec![(x_from, i32::from(level.get()))])
            .unwrap_or_default();
        for mark in &trend.suggested {
            let level = i32::from(mark.level.get());
            if let Some(&(_, previous)) = steps.last() {
                steps.push((mark.at.millis(), previous));
            }
            steps.push((mark.at.millis(), level));
        }
        if let Some(&(_, last)) = steps.last() {
            steps.push((x_to, last));
        }
        if steps.len() >= 2 {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    steps,
                    style::TEXT.mix(0.7).stroke_width(1),
                )))
                .map_err(draw_err)?;
        }
        chart
            .draw_series(trend.suggested.iter().map(|mark| {
                TriangleMarker::new(
                    (mark.at.millis(), i32::from(mark.level.get())),
                    5,
                    style::TEXT.filled(),
                )
            }))
            .map_err(draw_err)?;
        chart
            .draw_series(trend.events.iter().map(|e| {
                PathElement::new(
                    vec![(e.at.millis(), 0), (e.at.millis(), 7)],
                    style::EVENT.stroke_width(2),
                )
            }))
            .map_err(draw_err)?;
        for event in &trend.events {
            let (x, _) = chart.backend_coord(&(event.at.millis(), 7));
            root.draw(&Text::new(
                words.get(&format!("plot.event.{}", event.kind.code())),
                (x + 3, style::PANEL_TOP as i32 + 2),
                font(10).color(&style::EVENT),
            ))
            .map_err(draw_err)?;
        }
        if !trend.unplaced.is_empty() {
            let count = trend.unplaced.len().to_string();
            root.draw(&Text::new(
                words.fill("plot.unplaced", &[("count", &count)]),
                ((width - style::RIGHT) as i32, 4),
                font(11)
                    .color(&style::REJECTED)
                    .pos(Pos::new(HPos::Right, VPos::Top)),
            ))
            .map_err(draw_err)?;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(buf)
}

pub(super) fn legend(trend: &Trend, words: &Words<'_>, width: u32) -> Result<String, PlotError> {
    let _ = trend;
    let mut buf = String::new();
    {
        let root =
            SVGBackend::with_string(&mut buf, (width, style::LEGEND_HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let mut x = style::LEFT as i32;
        let y = 12;
        let items: [(&str, RGBColor); 9] = [
            ("plot.legend.green", style::POINT_GREEN),
            ("plot.legend.yellow", style::POINT_YELLOW),
            ("plot.legend.red", style::POINT_RED),
            ("plot.legend.baseline", style::BASELINE),
            ("plot.legend.rejected", style::REJECTED),
            ("plot.legend.implausible", style::IMPLAUSIBLE),
            ("plot.legend.confirmed", style::ECM[2]),
            ("plot.legend.suggested", style::TEXT),
            ("plot.legend.event", style::EVENT),
        ];
        for (key, colour) in items {
            root.draw(&Rectangle::new(
                [(x, y - 5), (x + 10, y + 5)],
                colour.filled(),
            ))
            .map_err(draw_err)?;
            let text = words.get(key);
            root.draw(&Text::new(
                text.clone(),
                (x + 14, y),
                font(11).pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(draw_err)?;
            // Measured with the shipped font, so the items never overlap.
            let (w, _) = root
                .estimate_text_size(&text, &font(11))
                .map_err(draw_err)?;
            x += 14 + w as i32 + 16;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(buf)
}
