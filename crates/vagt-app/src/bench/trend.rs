//! Fixtures for the trend benchmark (`cargo bench -p vagt-app --bench trend`): one citizen with
//! a year of four parameters every 4 hours, or three years of SpO2 a minute, in a real
//! encrypted store; the plot drawn to SVG, beside just reading the same rows.

use crate::{AppError, Session};
use tempfile::TempDir;
use vagt_core::i18n::Language;
use vagt_core::reading::{IncomingMeasurement, SourceRef};
use vagt_core::time_util::{MILLIS_PER_DAY, MILLIS_PER_HOUR, MILLIS_PER_MINUTE};
use vagt_core::{Citizen, CitizenId, Diagnosis, Parameter, Timestamp};
use vagt_plot::{Layout, TrendRange, TrendSource};
use vagt_store::Actor;

pub struct TrendFixture {
    // Holds the database's directory for as long as the fixture lives.
    _dir: TempDir,
    session: Session,
    citizen: CitizenId,
    actor: Actor,
    range: TrendRange,
    now: Timestamp,
    pub readings: usize,
}

/// A plausible value of `parameter` for reading number `n`.
fn value(parameter: Parameter, n: usize) -> f64 {
    let wobble = ((n * 7919) % 13) as f64;
    match parameter {
        Parameter::Spo2 => 90.0 + wobble * 0.5,
        Parameter::Pulse => 62.0 + wobble * 2.0,
        Parameter::Temperature => 36.4 + wobble * 0.1,
        Parameter::Weight => 78.0 + wobble * 0.2,
        _ => 1.0 + wobble * 0.1,
    }
}

impl TrendFixture {
    fn new(parameters: &[Parameter], every_ms: i64, days: i64) -> Result<Self, AppError> {
        let (dir, session) = super::temporary_session()?;
        let actor = Actor("bench".into());
        let citizen =
            CitizenId::new("0101431234").map_err(|e| AppError::invalid("usage", e.to_string()))?;
        let now = Timestamp::now();
        let start = now.plus_millis(-(days + 7) * MILLIS_PER_DAY);
        let mut measurements = Vec::new();
        let mut at = start;
        let mut n = 0usize;
        while at < now {
            for parameter in parameters {
                measurements.push(IncomingMeasurement {
                    citizen_id: citizen.clone(),
                    parameter: *parameter,
                    value: value(*parameter, n),
                    unit: parameter.canonical_unit().into(),
                    effective_at: at,
                    source: SourceRef {
                        id: format!("bench|{}/{n}", parameter.code()),
                        version: "1".into(),
                    },
                });
            }
            at = at.plus_millis(every_ms);
            n += 1;
        }
        let readings = measurements.len();
        let person = Citizen {
            id: citizen.clone(),
            name: "Bench Borger".into(),
            birth_date: None,
            diagnoses: vec![Diagnosis::Copd],
            phone: None,
            address: None,
        };
        session.store()?.import_local(
            &actor,
            "bench",
            &[person],
            measurements,
            now,
            &serde_json::json!({}),
        )?;
        Ok(TrendFixture {
            _dir: dir,
            session,
            citizen,
            actor,
            range: TrendRange::Custom {
                from: now.plus_millis(-days * MILLIS_PER_DAY),
                to: now,
            },
            now,
            readings,
        })
    }

    /// A year of SpO2, pulse, temperature and weight every 4 hours.
    pub fn year_of_four_parameters() -> Result<Self, AppError> {
        Self::new(
            &[
                Parameter::Spo2,
                Parameter::Pulse,
                Parameter::Temperature,
                Parameter::Weight,
            ],
            4 * MILLIS_PER_HOUR,
            365,
        )
    }

    /// Three years of SpO2 a minute (about 1.6 million readings).
    pub fn three_years_a_minute() -> Result<Self, AppError> {
        Self::new(&[Parameter::Spo2], MILLIS_PER_MINUTE, 3 * 365)
    }

    /// The reference: the plot's rows read from the store and nothing else.
    pub fn read_rows(&self) -> Result<usize, AppError> {
        read_trend_rows(
            &self.session,
            &self.actor,
            &self.citizen,
            self.range,
            self.now,
        )
    }

    /// The whole plot: the same read, built, thinned and drawn to SVG.
    pub fn svg(&self) -> Result<usize, AppError> {
        let rendered = self.session.trend(
            &self.actor,
            &self.citizen,
            self.range,
            Language::Da,
            Layout::default(),
            self.now,
        )?;
        Ok(rendered.svg.len())
    }
}

/// The rows a trend of `range` reads (its window and the plans' look-back), read and nothing
/// else: how many readings.
pub(super) fn read_trend_rows(
    session: &Session,
    actor: &Actor,
    citizen: &CitizenId,
    range: TrendRange,
    now: Timestamp,
) -> Result<usize, AppError> {
    let mut store = session.store()?;
    let plans = store.plan_history(citizen)?;
    let window = range.window(now, None);
    let steps: Vec<vagt_plot::PlanStep> = plans
        .into_iter()
        .map(|s| vagt_plot::PlanStep {
            from: s.from,
            plan: s.plan,
            label: String::new(),
        })
        .collect();
    let rows = store.trend_rows(
        actor,
        citizen,
        TrendSource::lookback_from(window, &steps),
        window.to,
    )?;
    Ok(rows.readings.len())
}
