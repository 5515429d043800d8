//! A citizen's trend plot: gathered from the store in one audited read, built and drawn by
//! vagt-plot, for the citizen page (SVG with its points), for export (SVG, PNG, PDF) and for
//! the worklist's sparklines.

use crate::{AppError, Session};
use serde::Serialize;
use vagt_core::i18n::{Catalogue, Language};
use vagt_core::limits::Triage;
use vagt_core::time_util::MILLIS_PER_DAY;
use vagt_core::{CitizenId, Diagnosis, Parameter, Timestamp};
use vagt_fhir::{ObservationUpdate, map_observation};
use vagt_plot::{
    EventMark, Format, Layout, LevelMark, PlanStep, RejectedKind, RejectedMark, Rendered,
    TrendRange, TrendReading, TrendSource,
};
use vagt_store::{Actor, PlanHistoryStep, RejectedInput};

/// `da` or `en`.
pub fn parse_language(code: &str) -> Result<Language, AppError> {
    match code.trim() {
        "da" => Ok(Language::Da),
        "en" => Ok(Language::En),
        other => Err(AppError::invalid(
            "bad_language",
            format!("unknown language {other:?}: use da or en"),
        )),
    }
}

/// `48h`, `7d`, `30d`, `90d`, `1y`, `all` or `FROM..TO`.
pub fn parse_range(text: &str) -> Result<TrendRange, AppError> {
    TrendRange::parse(text).map_err(|e| AppError::invalid("bad_range", e.to_string()))
}

/// The file format a path's extension names.
pub fn format_of(path: &std::path::Path) -> Result<Format, AppError> {
    Format::of_path(path).ok_or_else(|| {
        AppError::invalid(
            "bad_output",
            format!(
                "{}: the file must end in .svg, .png or .pdf",
                path.display()
            ),
        )
    })
}

/// A 7-day sparkline of one citizen's most telling parameter.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Sparkline {
    pub citizen_id: CitizenId,
    pub parameter: Parameter,
    /// Oldest first, at most [`SPARKLINE_POINTS`]: each bucket's lowest and highest reading.
    pub points: Vec<SparkPoint>,
    /// The worst colour among all the readings (not only those kept).
    pub worst: Triage,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct SparkPoint {
    pub at: Timestamp,
    pub value: f64,
    pub triage: Triage,
}

pub const SPARKLINE_POINTS: usize = 48;
pub const SPARKLINE_WINDOW_MS: i64 = 7 * MILLIS_PER_DAY;

fn plan_label(step: &PlanHistoryStep, catalogue: &Catalogue, language: Language) -> String {
    match &step.changed_by {
        None => catalogue.text("plot.limits.defaults", language).to_owned(),
        Some(by) => {
            let at = step.from.copenhagen().map_or_else(
                || step.from.to_rfc3339(),
                |t| format!("{:02}.{:02}.{:04}", t.day, t.month, t.year),
            );
            catalogue
                .text("plot.limits.revision", language)
                .replace("{revision}", &step.revision.to_string())
                .replace("{by}", by)
                .replace("{at}", &at)
        }
    }
}

/// Where a rejected input sits on the plot: its parameter, time and value when its FHIR can
/// still be read that far, else its arrival with no parameter.
fn rejected_mark(input: &RejectedInput, citizen: &CitizenId) -> RejectedMark {
    let kind = if input.reason_code == "implausible_value" {
        RejectedKind::Implausible
    } else {
        RejectedKind::Rejected
    };
    // A station's own import keeps the measurement as it was given; a backend's input is its
    // FHIR resource.
    let placed = if input.resource_type.as_deref() == Some("measurement") {
        serde_json::from_str::<vagt_core::IncomingMeasurement>(&input.payload).ok()
    } else {
        serde_json::from_str::<serde_json::Value>(&input.payload)
            .ok()
            .and_then(|resource| {
                map_observation(&resource, "rejected", &|_: &str| Some(citizen.clone())).ok()
            })
            .and_then(|update| match update {
                ObservationUpdate::Measurements(m) => m.into_iter().next(),
                ObservationUpdate::Retracted { .. } => None,
            })
    };
    match placed {
        Some(m) => RejectedMark {
            at: m.effective_at,
            parameter: Some(m.parameter),
            // A value in a unit Vagt cannot read would be drawn in the wrong place: only
            // an implausible one (converted, then refused) keeps its value, for its edge.
            value: (kind == RejectedKind::Implausible).then_some(m.value),
            kind,
        },
        None => RejectedMark {
            at: input.received_at,
            parameter: None,
            value: None,
            kind,
        },
    }
}

impl Session {
    /// What a plot of the citizen over `range` (ending `now`) is drawn from.
    pub fn trend_source(
        &self,
        actor: &Actor,
        citizen: &CitizenId,
        range: TrendRange,
        language: Language,
        now: Timestamp,
    ) -> Result<TrendSource, AppError> {
        let catalogue =
            Catalogue::builtin().map_err(|e| AppError::invalid("internal", e.to_string()))?;
        let mut store = self.store()?;
        let name = store.citizen(actor, citizen)?.name;
        let first = store.first_data_at(citizen)?;
        let window = range.window(now, first);
        // The plans first: their relative rules say how far back the readings must go.
        let plans: Vec<PlanStep> = store
            .plan_history(citizen)?
            .iter()
            .map(|step| PlanStep {
                from: step.from,
                plan: step.plan.clone(),
                label: plan_label(step, &catalogue, language),
            })
            .collect();
        let rows = store.trend_rows(
            actor,
            citizen,
            TrendSource::lookback_from(window, &plans),
            window.to,
        )?;
        let readings = rows
            .readings
            .iter()
            .zip(rows.sources)
            .map(|(r, source)| TrendReading {
                parameter: r.parameter,
                value: r.value,
                at: r.at,
                source,
            })
            .collect();
        Ok(TrendSource {
            citizen_name: name,
            citizen_id: citizen
                .as_cpr()
                .unwrap_or_else(|| citizen.as_str().to_owned()),
            window,
            readings,
            plans,
            levels: rows
                .levels
                .iter()
                .map(|(at, kind, level)| LevelMark {
                    at: *at,
                    kind: *kind,
                    level: *level,
                })
                .collect(),
            events: rows
                .care_events
                .iter()
                .map(|(at, kind)| EventMark {
                    at: *at,
                    kind: *kind,
                })
                .collect(),
            rejected: rows
                .rejected
                .iter()
                .map(|r| rejected_mark(r, citizen))
                .collect(),
            made_at: now,
        })
    }

    /// The citizen's trend drawn as SVG, with every drawn point's place and meaning.
    pub fn trend(
        &self,
        actor: &Actor,
        citizen: &CitizenId,
        range: TrendRange,
        language: Language,
        layout: Layout,
        now: Timestamp,
    ) -> Result<Rendered, AppError> {
        let source = self.trend_source(actor, citizen, range, language, now)?;
        render(&source, language, layout)
    }

    /// The citizen's trend as a file's bytes (SVG, PNG or PDF, for the GP).
    pub fn export_trend(
        &self,
        actor: &Actor,
        citizen: &CitizenId,
        range: TrendRange,
        language: Language,
        format: Format,
        now: Timestamp,
    ) -> Result<(Rendered, Vec<u8>), AppError> {
        let rendered = self.trend(actor, citizen, range, language, Layout::default(), now)?;
        let bytes = vagt_plot::encode(&rendered, format).map_err(plot_error)?;
        // Health data leaves the store as a file: audited apart from the read.
        self.store()?.audit(
            actor,
            "trend.export",
            Some(("citizen", citizen.as_str())),
            Some(&serde_json::json!({ "format": format!("{format:?}").to_lowercase() })),
        )?;
        Ok((rendered, bytes))
    }

    /// Writes the citizen's trend as a PDF for the GP into `dir` (made if missing), named by
    /// the time it was made, whole or not at all; returns its path.
    pub fn export_trend_pdf_to(
        &self,
        actor: &Actor,
        citizen: &CitizenId,
        range: TrendRange,
        language: Language,
        dir: &std::path::Path,
        now: Timestamp,
    ) -> Result<std::path::PathBuf, AppError> {
        let (_, bytes) = self.export_trend(actor, citizen, range, language, Format::Pdf, now)?;
        write_export(dir, "Vagt-trend", &bytes, now)
    }

    /// 7-day sparklines for the worklist rows in view: each citizen's most telling parameter
    /// (the one with the worst colour, else their diagnosis's usual one), judged by the plan
    /// in force now.
    pub fn sparklines(
        &self,
        actor: &Actor,
        citizens: &[CitizenId],
        now: Timestamp,
    ) -> Result<Vec<Sparkline>, AppError> {
        let mut store = self.store()?;
        let mut out = Vec::new();
        // Each would read every reading while a first sync loads them: none until it ends (the
        // status bar says why).
        if store.bulk_loading()? {
            return Ok(out);
        }
        for citizen in citizens {
            let from = now.plus_millis(-SPARKLINE_WINDOW_MS);
            let rows = store.trend_rows(actor, citizen, from, now)?;
            let plan = store.triage_plan(citizen)?;
            let diagnoses = store.citizen(actor, citizen)?.diagnoses;
            let judge = |p: Parameter, v: f64| {
                plan.thresholds
                    .get(&p)
                    .map_or(Triage::Green, |t| t.classify(v))
            };
            let usual = usual_parameter(&diagnoses);
            let mut best: Option<(Triage, bool, Parameter)> = None;
            for r in &rows.readings {
                let candidate = (
                    judge(r.parameter, r.value),
                    r.parameter == usual,
                    r.parameter,
                );
                if best.is_none_or(|b| (candidate.0, candidate.1) > (b.0, b.1)) {
                    best = Some(candidate);
                }
            }
            let Some((worst, _, parameter)) = best else {
                continue;
            };
            let series: Vec<SparkPoint> = rows
                .readings
                .iter()
                .filter(|r| r.parameter == parameter)
                .map(|r| SparkPoint {
                    at: r.at,
                    value: r.value,
                    triage: judge(r.parameter, r.value),
                })
                .collect();
            out.push(Sparkline {
                citizen_id: citizen.clone(),
                parameter,
                points: spark_thin(&series, from, now),
                worst,
            });
        }
        Ok(out)
    }
}

/// The parameter a nurse looks at first for a diagnosis.
pub(crate) fn usual_parameter(diagnoses: &[Diagnosis]) -> Parameter {
    if diagnoses.contains(&Diagnosis::Copd) {
        Parameter::Spo2
    } else if diagnoses.contains(&Diagnosis::HeartFailure) {
        Parameter::Weight
    } else if diagnoses.contains(&Diagnosis::Diabetes) {
        Parameter::BloodGlucose
    } else {
        Parameter::Pulse
    }
}

/// At most [`SPARKLINE_POINTS`]: the lowest and highest of each of half as many buckets, and
/// every red one that fits.
fn spark_thin(series: &[SparkPoint], from: Timestamp, to: Timestamp) -> Vec<SparkPoint> {
    let grid = vagt_plot::thin::Grid {
        x_from: from.millis(),
        x_to: to.millis().max(from.millis() + 1),
        columns: SPARKLINE_POINTS / 2,
        y_low: series.iter().map(|p| p.value).fold(f64::INFINITY, f64::min),
        y_high: series
            .iter()
            .map(|p| p.value)
            .fold(f64::NEG_INFINITY, f64::max),
        rows: 1,
    };
    let input: Vec<vagt_plot::thin::ThinPoint> = series
        .iter()
        .map(|p| vagt_plot::thin::ThinPoint {
            x: p.at.millis(),
            y: p.value,
            triage: p.triage,
        })
        .collect();
    vagt_plot::thin::thin(&input, &grid)
        .into_iter()
        .map(|i| series[i].clone())
        .collect()
}

/// Writes an export into `dir` (made if missing), named by what it is and the time it was
/// made, whole or not at all; returns its path. No name or CPR in the file name: folder
/// listings are not health records.
pub(crate) fn write_export(
    dir: &std::path::Path,
    what: &str,
    bytes: &[u8],
    now: Timestamp,
) -> Result<std::path::PathBuf, AppError> {
    let io = |doing: &'static str| move |source: std::io::Error| AppError::Io { doing, source };
    std::fs::create_dir_all(dir).map_err(io("make the export folder"))?;
    let stamp = now.copenhagen().map_or_else(
        || now.millis().to_string(),
        |t| {
            format!(
                "{:04}-{:02}-{:02}-{:02}{:02}",
                t.year, t.month, t.day, t.hour, t.minute
            )
        },
    );
    let mut path = dir.join(format!("{what}-{stamp}.pdf"));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("{what}-{stamp}-{n}.pdf"));
        n += 1;
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io("write the PDF"))?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(io("write the PDF"))?;
    tmp.persist(&path).map_err(|e| AppError::Io {
        doing: "write the PDF",
        source: e.error,
    })?;
    Ok(path)
}

fn plot_error(e: vagt_plot::PlotError) -> AppError {
    tracing::error!(error = %e, "plot failed");
    AppError::Plot(e)
}

/// Builds and draws a gathered source.
pub fn render(
    source: &TrendSource,
    language: Language,
    layout: Layout,
) -> Result<Rendered, AppError> {
    let catalogue =
        Catalogue::builtin().map_err(|e| AppError::invalid("internal", e.to_string()))?;
    let trend = vagt_plot::build(source);
    vagt_plot::render_svg(&trend, &catalogue, language, layout).map_err(plot_error)
}
