//! The rendered SVG's structure: panels, the bands and their step at a plan revision, the
//! thinning (every minimum, maximum and red reading still drawn), the level strip, events and
//! rejected inputs; and the PNG and PDF made from it with the shipped font alone.

use resvg::{tiny_skia, usvg};
use std::collections::BTreeMap;
use vagt_core::i18n::{Catalogue, Language};
use vagt_core::limits::Triage;
use vagt_core::plan::{DocumentFormat, defaults_for, parse_plan_document, resolve};
use vagt_core::time_util::{MILLIS_PER_DAY, MILLIS_PER_HOUR, MILLIS_PER_MINUTE};
use vagt_core::{CareEventKind, Diagnosis, EcmLevel, LevelKind, Parameter, Timestamp, TriagePlan};
use vagt_plot::style::{self, hex};
use vagt_plot::{
    EventMark, Layout, LevelMark, PlanStep, RejectedKind, RejectedMark, Rendered, TrendReading,
    TrendSource, Window, build, render_svg,
};

fn end() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-20T12:00:00Z").expect("time")
}

fn plan(overrides: &str) -> TriagePlan {
    let defaults = defaults_for(&[Diagnosis::Copd]).expect("defaults");
    let overrides = parse_plan_document(overrides, DocumentFormat::Toml).expect("overrides");
    resolve(&defaults, &overrides).expect("plan")
}

/// The COPD defaults (SpO2 yellow below 90, red below 86), then from `revised_at` a plan with
/// SpO2 yellow below 92 and red below 88.
fn plans(revised_at: Timestamp) -> Vec<PlanStep> {
    vec![
        PlanStep {
            from: Timestamp::from_millis(i64::MIN),
            plan: plan("version = 1"),
            label: "standardplan".into(),
        },
        PlanStep {
            from: revised_at,
            plan: plan("version = 1\n[limits.spo2]\nyellow_low = 92\nred_low = 88\n"),
            label: "plan rev. 1, anne".into(),
        },
    ]
}

fn reading(parameter: Parameter, value: f64, at: Timestamp) -> TrendReading {
    TrendReading {
        parameter,
        value,
        at,
        source: format!("Observation/{}-{}", parameter.code(), at.millis()),
    }
}

/// SpO2 every `every_ms` for `days` days before the end, around 94 %, with a dip of three red
/// readings (80, 82, 84) a day before the end; pulse every 4 hours.
fn source(days: i64, every_ms: i64) -> TrendSource {
    let window = Window {
        from: end().plus_millis(-days * MILLIS_PER_DAY),
        to: end(),
    };
    let start = window.from.plus_millis(-7 * MILLIS_PER_DAY);
    let mut readings = Vec::new();
    let mut t = start;
    let mut n = 0u64;
    while t < end() {
        let wobble = ((n * 7919) % 11) as f64 * 0.3;
        readings.push(reading(Parameter::Spo2, 91.5 + wobble, t));
        if n.is_multiple_of((4 * MILLIS_PER_HOUR / every_ms).max(1) as u64) {
            readings.push(reading(Parameter::Pulse, 70.0 + wobble * 3.0, t));
        }
        t = t.plus_millis(every_ms);
        n += 1;
    }
    let dip = end().plus_millis(-MILLIS_PER_DAY);
    for (i, value) in [80.0, 82.0, 84.0].into_iter().enumerate() {
        readings.push(reading(
            Parameter::Spo2,
            value,
            dip.plus_millis(i as i64 * 17 * MILLIS_PER_MINUTE + 7),
        ));
    }
    readings.sort_by_key(|r| r.at);
    TrendSource {
        citizen_name: "Karen Jensen & søn".into(),
        citizen_id: "010143-1234".into(),
        window,
        readings,
        plans: plans(end().plus_millis(-days * MILLIS_PER_DAY / 2)),
        levels: vec![
            LevelMark {
                at: window.from.plus_millis(-MILLIS_PER_DAY),
                kind: LevelKind::Confirmed,
                level: EcmLevel::new(1).expect("level"),
            },
            LevelMark {
                at: dip,
                kind: LevelKind::Suggested,
                level: EcmLevel::new(3).expect("level"),
            },
            LevelMark {
                at: dip.plus_millis(2 * MILLIS_PER_HOUR),
                kind: LevelKind::Confirmed,
                level: EcmLevel::new(3).expect("level"),
            },
        ],
        events: vec![EventMark {
            at: dip.plus_millis(6 * MILLIS_PER_HOUR),
            kind: CareEventKind::MasVisit,
        }],
        rejected: vec![
            RejectedMark {
                at: dip.plus_millis(MILLIS_PER_HOUR),
                parameter: Some(Parameter::Spo2),
                value: Some(140.0),
                kind: RejectedKind::Implausible,
            },
            RejectedMark {
                at: dip.plus_millis(3 * MILLIS_PER_HOUR),
                parameter: Some(Parameter::Pulse),
                value: None,
                kind: RejectedKind::Rejected,
            },
        ],
        made_at: end(),
    }
}

fn render(source: &TrendSource) -> Rendered {
    let catalogue = Catalogue::builtin().expect("catalogue");
    render_svg(&build(source), &catalogue, Language::Da, Layout::default()).expect("render")
}

/// The elements of the group `id`, as (tag, attributes).
fn group(svg: &str, id: &str) -> Vec<(String, BTreeMap<String, String>)> {
    let doc = roxmltree::Document::parse(svg).expect("the SVG is well-formed XML");
    let g = doc
        .descendants()
        .find(|n| n.attribute("id") == Some(id))
        .unwrap_or_else(|| panic!("no group {id}"));
    g.descendants()
        .filter(|n| n.is_element() && n != &g)
        .map(|n| {
            (
                n.tag_name().name().to_owned(),
                n.attributes()
                    .map(|a| (a.name().to_owned(), a.value().to_owned()))
                    .collect(),
            )
        })
        .collect()
}

fn with_fill<'a>(
    elements: &'a [(String, BTreeMap<String, String>)],
    tag: &str,
    colour: vagt_plot::style::Colour,
) -> Vec<&'a BTreeMap<String, String>> {
    let fill = hex(colour);
    elements
        .iter()
        .filter(|(t, a)| t == tag && a.get("fill") == Some(&fill))
        .map(|(_, a)| a)
        .collect()
}

fn num(attrs: &BTreeMap<String, String>, name: &str) -> f64 {
    attrs
        .get(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} in {attrs:?}"))
}

#[test]
fn each_measured_parameter_has_a_panel_with_the_level_strip_and_legend() {
    let rendered = render(&source(30, 4 * MILLIS_PER_HOUR));
    let ids: Vec<&str> = rendered.panels.iter().map(|p| p.panel.code()).collect();
    // COPD schedules FEV1, temperature, symptom and CAT scores: they get (empty) panels too,
    // so a missing measurement shows; FEV1 brings its percentage of baseline.
    for id in [
        "spo2",
        "pulse",
        "fev1",
        "fev1_percent",
        "temperature",
        "cat_score",
        "symptom_score",
    ] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
        group(&rendered.svg, &format!("panel-{id}"));
    }
    for id in ["header", "levels", "legend"] {
        group(&rendered.svg, id);
    }
    // The header names the citizen (escaped: "&" is text), the CPR and the limits' sources.
    let doc = roxmltree::Document::parse(&rendered.svg).expect("xml");
    let text: String = doc
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    assert!(
        text.contains("Karen Jensen & søn · CPR 010143-1234"),
        "{text}"
    );
    assert!(text.contains("standardplan → plan rev. 1, anne"), "{text}");
    assert!(
        text.contains("Ingen målinger i perioden"),
        "empty panels say so"
    );
}

#[test]
fn the_bands_step_where_the_plan_was_revised() {
    let source = source(30, 4 * MILLIS_PER_HOUR);
    let revised_at = source.plans[1].from;
    let rendered = render(&source);
    let spo2 = group(&rendered.svg, "panel-spo2");
    let yellow = with_fill(&spo2, "rect", style::BAND_YELLOW);
    let red = with_fill(&spo2, "rect", style::BAND_RED);
    assert_eq!(yellow.len(), 2, "one yellow band per plan step: {yellow:?}");
    assert_eq!(red.len(), 2, "one red band per plan step: {red:?}");
    let (before, after) = (yellow[0], yellow[1]);
    // They meet at the revision, which is half-way along the time axis.
    let boundary = num(before, "x") + num(before, "width");
    assert!(
        (boundary - num(after, "x")).abs() <= 1.0,
        "{before:?} {after:?}"
    );
    let left = style::LEFT as f64;
    let right = (style::WIDTH - style::RIGHT) as f64;
    let expected = left
        + (right - left) * (revised_at.millis() - source.window.from.millis()) as f64
            / source.window.span_ms() as f64;
    assert!(
        (boundary - expected).abs() <= 2.0,
        "{boundary} vs {expected}"
    );
    // The revised band is taller (92 is higher than 90, the red edge 88 higher than 86)
    // and starts higher up (a smaller y).
    assert!(num(after, "y") < num(before, "y"));
    // The red band's top edge moved up too.
    assert!(num(red[1], "y") < num(red[0], "y"));
    // The hover tells which limits applied to each reading.
    let early = rendered
        .points
        .iter()
        .find(|p| p.parameter == Parameter::Spo2 && p.at < revised_at)
        .expect("a reading before");
    let late = rendered
        .points
        .iter()
        .find(|p| p.parameter == Parameter::Spo2 && p.at >= revised_at)
        .expect("a reading after");
    assert_eq!(
        (early.limits.yellow_low, early.limits.red_low),
        (Some(90.0), Some(86.0))
    );
    assert_eq!(
        (late.limits.yellow_low, late.limits.red_low),
        (Some(92.0), Some(88.0))
    );
    assert_eq!(late.limits.source, "plan rev. 1, anne");
}

#[test]
fn a_reading_is_coloured_by_the_plan_in_force_at_its_time() {
    let source = source(30, 4 * MILLIS_PER_HOUR);
    let revised_at = source.plans[1].from;
    let trend = build(&source);
    let spo2 = trend
        .panels
        .iter()
        .find(|p| p.key.code() == "spo2")
        .expect("spo2");
    for p in &spo2.series[0] {
        let (yellow, red) = if p.at < revised_at {
            (90.0, 86.0)
        } else {
            (92.0, 88.0)
        };
        let want = if p.value < red {
            Triage::Red
        } else if p.value < yellow {
            Triage::Yellow
        } else {
            Triage::Green
        };
        assert_eq!(p.triage, want, "{p:?}");
    }
    // 91.5-94.5 is green under the defaults and partly yellow after the revision.
    assert!(
        spo2.series[0]
            .iter()
            .any(|p| p.at >= revised_at && p.triage == Triage::Yellow)
    );
}

#[test]
fn thinning_keeps_every_minimum_maximum_and_red_reading() {
    // A month of SpO2 a minute: 43,200 readings on about 1,100 pixel columns.
    let source = source(30, MILLIS_PER_MINUTE);
    let rendered = render(&source);
    let trend = build(&source);
    let spo2 = trend
        .panels
        .iter()
        .find(|p| p.key.code() == "spo2")
        .expect("spo2");
    let readings = &spo2.series[0];
    assert!(readings.len() > 43_000, "{}", readings.len());
    let drawn: Vec<_> = rendered
        .points
        .iter()
        .filter(|p| p.parameter == Parameter::Spo2 && p.panel.code() == "spo2")
        .collect();
    let columns = (style::WIDTH - style::LEFT - style::RIGHT) as usize;
    assert!(
        drawn.len() <= 2 * columns + 3 && drawn.len() >= columns,
        "{} points drawn for {columns} columns",
        drawn.len()
    );
    let panel_box = rendered
        .panels
        .iter()
        .find(|p| p.panel.code() == "spo2")
        .expect("box");
    assert_eq!(panel_box.drawn as usize, drawn.len());
    assert_eq!(panel_box.readings as usize, readings.len());
    // The SVG has a circle per drawn point.
    let circles = group(&rendered.svg, "panel-spo2")
        .into_iter()
        .filter(|(t, _)| t == "circle")
        .count();
    assert_eq!(circles, drawn.len());
    // Every red reading is drawn, in red; so are the lowest and the highest.
    for red in readings.iter().filter(|p| p.triage == Triage::Red) {
        assert!(
            drawn
                .iter()
                .any(|d| d.at == red.at && d.triage == Triage::Red),
            "red reading at {} hidden",
            red.at
        );
    }
    let min = readings
        .iter()
        .map(|p| p.value)
        .fold(f64::INFINITY, f64::min);
    let max = readings
        .iter()
        .map(|p| p.value)
        .fold(f64::NEG_INFINITY, f64::max);
    assert!(drawn.iter().any(|d| d.value == min));
    assert!(drawn.iter().any(|d| d.value == max));
    // Each pixel column's extremes: check a few columns away from the dip.
    let span = source.window.span_ms() as f64;
    for column in [0usize, 100, 500, 900] {
        let in_column: Vec<_> = readings
            .iter()
            .filter(|p| {
                ((p.at.millis() - source.window.from.millis()) as f64 / span * columns as f64)
                    .floor() as usize
                    == column
            })
            .collect();
        let lo = in_column
            .iter()
            .map(|p| p.value)
            .fold(f64::INFINITY, f64::min);
        let hi = in_column
            .iter()
            .map(|p| p.value)
            .fold(f64::NEG_INFINITY, f64::max);
        for want in [lo, hi] {
            assert!(
                drawn
                    .iter()
                    .any(|d| d.value == want && in_column.iter().any(|p| p.at == d.at)),
                "column {column}: {want} not drawn"
            );
        }
    }
    // An SVG a web view draws at once.
    assert!(
        rendered.svg.len() < 1_500_000,
        "{} bytes",
        rendered.svg.len()
    );
}

#[test]
fn levels_events_and_kept_apart_inputs_are_marked() {
    let rendered = render(&source(7, MILLIS_PER_HOUR));
    let levels = group(&rendered.svg, "levels");
    // ECM1 then ECM3, as bands in their colours.
    assert_eq!(with_fill(&levels, "rect", style::ECM[0]).len(), 1);
    assert_eq!(with_fill(&levels, "rect", style::ECM[2]).len(), 1);
    // The MAS visit is a line in every panel and named in the strip.
    let event_colour = hex(style::EVENT);
    for panel in &rendered.panels {
        let elements = group(&rendered.svg, &format!("panel-{}", panel.panel.code()));
        assert_eq!(
            elements
                .iter()
                .filter(|(t, a)| t == "polyline" && a.get("stroke") == Some(&event_colour))
                .count(),
            1,
            "{:?}",
            panel.panel
        );
    }
    let doc = roxmltree::Document::parse(&rendered.svg).expect("xml");
    assert!(
        doc.descendants()
            .any(|n| n.text().map(str::trim) == Some("MAS"))
    );
    // The implausible SpO2 as a triangle on the panel's edge, the rejected pulse as a cross.
    let spo2 = group(&rendered.svg, "panel-spo2");
    let implausible = hex(style::IMPLAUSIBLE);
    assert!(
        spo2.iter()
            .any(|(t, a)| t == "polygon" && a.get("fill") == Some(&implausible)),
        "{spo2:?}"
    );
    let pulse = group(&rendered.svg, "panel-pulse");
    let rejected = hex(style::REJECTED);
    assert_eq!(
        pulse
            .iter()
            .filter(|(t, a)| t == "line" && a.get("stroke") == Some(&rejected))
            .count(),
        2,
        "a cross is two strokes"
    );
    // The baseline band of the citizen's own week.
    let baseline = hex(style::BASELINE);
    assert!(
        spo2.iter()
            .any(|(t, a)| t == "polygon" && a.get("fill") == Some(&baseline))
    );
}

/// Dark pixels in the header, where the citizen's name is written.
fn header_ink(png: &[u8]) -> usize {
    let pixmap = tiny_skia::Pixmap::decode_png(png).expect("png");
    let height = (style::HEADER_HEIGHT * 2).min(pixmap.height());
    let mut dark = 0;
    for y in 0..height {
        for x in 0..pixmap.width() {
            if let Some(p) = pixmap.pixel(x, y)
                && p.red() < 100
                && p.green() < 100
                && p.blue() < 100
            {
                dark += 1;
            }
        }
    }
    dark
}

#[test]
fn the_png_draws_its_text_with_the_shipped_font_alone() {
    let rendered = render(&source(7, MILLIS_PER_HOUR));
    // Only the shipped font: the database the export uses loads no system font.
    assert_eq!(vagt_plot::fonts::database().len(), 2);
    let png = vagt_plot::png(&rendered.svg, 2.0).expect("png");
    assert!(png.starts_with(b"\x89PNG"));
    let with_font = header_ink(&png);
    assert!(
        with_font > 2_000,
        "the name is written: {with_font} dark pixels"
    );

    // The same SVG with no font at all writes nothing: the text came from the shipped font.
    let bare = usvg::Options {
        fontdb: std::sync::Arc::new(usvg::fontdb::Database::new()),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(&rendered.svg, &bare).expect("tree");
    let size = tree.size().to_int_size().scale_by(2.0).expect("size");
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).expect("pixmap");
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(2.0, 2.0),
        &mut pixmap.as_mut(),
    );
    let without = header_ink(&pixmap.encode_png().expect("png"));
    assert!(without < with_font / 20, "{without} vs {with_font}");
}

#[test]
fn the_pdf_is_made_from_the_same_svg_with_the_font_embedded() {
    let rendered = render(&source(7, MILLIS_PER_HOUR));
    let pdf = vagt_plot::pdf(&rendered.svg).expect("pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("FontFile2"), "the font is embedded");
    assert!(text.contains("DejaVu"), "and it is the shipped one");
}

#[test]
fn blood_pressure_is_one_panel_of_two_lines_banded_by_the_systolic_limits() {
    let defaults = defaults_for(&[Diagnosis::HeartFailure]).expect("defaults");
    let overrides = parse_plan_document("version = 1", DocumentFormat::Toml).expect("doc");
    let heart_failure = resolve(&defaults, &overrides).expect("plan");
    let window = Window {
        from: end().plus_millis(-7 * MILLIS_PER_DAY),
        to: end(),
    };
    let mut readings = Vec::new();
    for day in 0..7 {
        let at = window
            .from
            .plus_millis(day * MILLIS_PER_DAY + MILLIS_PER_HOUR);
        readings.push(reading(Parameter::SystolicBp, 130.0 + day as f64 * 6.0, at));
        readings.push(reading(Parameter::DiastolicBp, 80.0 + day as f64, at));
    }
    let source = TrendSource {
        citizen_name: "Hans Hjerte".into(),
        citizen_id: "020202-2222".into(),
        window,
        readings,
        plans: vec![PlanStep {
            from: Timestamp::from_millis(i64::MIN),
            plan: heart_failure,
            label: "standardplan".into(),
        }],
        levels: vec![],
        events: vec![],
        rejected: vec![],
        made_at: end(),
    };
    let rendered = render(&source);
    let ids: Vec<&str> = rendered.panels.iter().map(|p| p.panel.code()).collect();
    assert!(ids.contains(&"blood_pressure"), "{ids:?}");
    assert!(
        !ids.contains(&"systolic_bp") && !ids.contains(&"diastolic_bp"),
        "one panel for the pair: {ids:?}"
    );
    let panel = group(&rendered.svg, "panel-blood_pressure");
    let line_of = |colour| {
        let stroke = hex(colour);
        panel
            .iter()
            .filter(|(t, a)| t == "polyline" && a.get("stroke") == Some(&stroke))
            .count()
    };
    assert_eq!(line_of(style::LINE), 1, "the systolic line");
    assert_eq!(line_of(style::LINE_SECOND), 1, "the diastolic line");
    // Yellow above 160 (the last days) and below 100; red beyond 180 and 90.
    assert_eq!(with_fill(&panel, "rect", style::BAND_YELLOW).len(), 2);
    assert_eq!(with_fill(&panel, "rect", style::BAND_RED).len(), 2);
    let hovered: Vec<Parameter> = rendered
        .points
        .iter()
        .filter(|p| p.panel.code() == "blood_pressure")
        .map(|p| p.parameter)
        .collect();
    assert_eq!(hovered.len(), 14);
    assert!(hovered.contains(&Parameter::SystolicBp) && hovered.contains(&Parameter::DiastolicBp));
    // 166 and 172 mmHg systolic are over the yellow limit: coloured so.
    assert!(
        rendered
            .points
            .iter()
            .any(|p| p.parameter == Parameter::SystolicBp && p.triage == Triage::Yellow)
    );
}
