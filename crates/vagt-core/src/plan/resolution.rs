//! The resolved plan: the layers merged, completed with built-in settings, validated as a
//! whole, in the units the ECM engine computes with.

use crate::ecm::EcmLevel;
use crate::limits::{Threshold, Triage};
use crate::news2::SpO2Scale;
use crate::parameter::Parameter;
use crate::plan::document::{
    EngineSection, LevelSection, LimitsEntry, News2Section, PlanDocument, RelativeEntry,
    RelativeKindCode, ScheduleEntry,
};
use crate::plan::error::PlanError;
use crate::plan::overlay::overlay;
use crate::plan::validation::{completeness_problems, document_problems};
use crate::time_util::MILLIS_PER_HOUR;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which ECM level each finding suggests; see [`crate::ecm_engine`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelMapping {
    pub all_green: EcmLevel,
    pub one_yellow: EcmLevel,
    pub two_yellows: EcmLevel,
    pub any_red: EcmLevel,
    pub mas_visit: EcmLevel,
    pub acute_bed: EcmLevel,
    pub hospital: EcmLevel,
}

impl Default for LevelMapping {
    fn default() -> Self {
        LevelMapping {
            all_green: EcmLevel::ECM1,
            one_yellow: EcmLevel::ECM2,
            two_yellows: EcmLevel::ECM3,
            any_red: EcmLevel::ECM3,
            mas_visit: EcmLevel::ECM4,
            acute_bed: EcmLevel::ECM5,
            hospital: EcmLevel::ECM6,
        }
    }
}

/// The engine's time windows, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineSettings {
    /// A suggested level is the highest readings-based level over this window ending now.
    pub hold_ms: i64,
    /// A parameter's latest reading counts only while younger than this.
    pub lookback_ms: i64,
    /// How long a MAS visit holds the MAS level without a discharge.
    pub mas_visit_hold_ms: i64,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            hold_ms: 24 * MILLIS_PER_HOUR,
            lookback_ms: 72 * MILLIS_PER_HOUR,
            mas_visit_hold_ms: 48 * MILLIS_PER_HOUR,
        }
    }
}

/// When a parameter is expected: `every_ms` after the last reading, missed `grace_ms` later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub every_ms: i64,
    pub grace_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RelativeKind {
    BelowMedian { percent: f64 },
    AboveMedian { percent: f64 },
    Rise { amount: f64 },
    Fall { amount: f64 },
}

impl RelativeKind {
    pub const fn code(self) -> RelativeKindCode {
        match self {
            RelativeKind::BelowMedian { .. } => RelativeKindCode::BelowMedian,
            RelativeKind::AboveMedian { .. } => RelativeKindCode::AboveMedian,
            RelativeKind::Rise { .. } => RelativeKindCode::Rise,
            RelativeKind::Fall { .. } => RelativeKindCode::Fall,
        }
    }
}

/// A complete relative rule: the latest reading of `parameter` against the readings of the
/// same parameter in the `window_ms` before it (not including it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelativeRule {
    pub id: String,
    pub parameter: Parameter,
    pub kind: RelativeKind,
    pub window_ms: i64,
    /// Fewer earlier readings in the window: no baseline, so no finding.
    pub min_readings: usize,
    /// Yellow or red.
    pub colour: Triage,
}

/// A citizen's complete, validated plan.
#[derive(Debug, Clone, PartialEq)]
pub struct TriagePlan {
    pub thresholds: BTreeMap<Parameter, Threshold>,
    /// Sorted by id.
    pub relative: Vec<RelativeRule>,
    pub schedule: BTreeMap<Parameter, Schedule>,
    pub levels: LevelMapping,
    pub engine: EngineSettings,
    /// The SpO2 scale of the citizen's NEWS2; Scale 1 unless the plan prescribes Scale 2.
    pub news2_spo2_scale: SpO2Scale,
}

fn hours_to_ms(hours: f64) -> i64 {
    // Validated finite and non-negative before this; `as` saturates on absurd sizes.
    (hours * MILLIS_PER_HOUR as f64).round() as i64
}

fn ms_to_hours(ms: i64) -> f64 {
    ms as f64 / MILLIS_PER_HOUR as f64
}

/// Every reason `overrides` on `defaults` is refused, for a form to show at each field: the
/// overrides' own values first; only when those are sound, what the merged plan gets wrong
/// (a yellow limit left outside an inherited red one, a level mapping out of order, a rule
/// missing a field). Empty when [`resolve`] succeeds.
pub fn plan_problems(defaults: &PlanDocument, overrides: &PlanDocument) -> Vec<PlanError> {
    let own = document_problems(overrides, "");
    if !own.is_empty() {
        return own;
    }
    let doc = overlay(defaults, overrides);
    let mut all = document_problems(&doc, "");
    check_mapping(&level_mapping(&doc.levels), &mut all);
    all.extend(completeness_problems(&doc));
    all
}

/// A worse finding must not map to a lower level.
fn check_mapping(levels: &LevelMapping, out: &mut Vec<PlanError>) {
    for (lower, lower_level, higher, higher_level) in [
        (
            "all_green",
            levels.all_green,
            "one_yellow",
            levels.one_yellow,
        ),
        (
            "one_yellow",
            levels.one_yellow,
            "two_yellows",
            levels.two_yellows,
        ),
        ("one_yellow", levels.one_yellow, "any_red", levels.any_red),
    ] {
        if lower_level > higher_level {
            out.push(PlanError::MappingNotMonotone {
                lower,
                lower_level: lower_level.get(),
                higher,
                higher_level: higher_level.get(),
            });
        }
    }
}

fn level_mapping(l: &LevelSection) -> LevelMapping {
    let d = LevelMapping::default();
    LevelMapping {
        all_green: l.all_green.unwrap_or(d.all_green),
        one_yellow: l.one_yellow.unwrap_or(d.one_yellow),
        two_yellows: l.two_yellows.unwrap_or(d.two_yellows),
        any_red: l.any_red.unwrap_or(d.any_red),
        mas_visit: l.mas_visit.unwrap_or(d.mas_visit),
        acute_bed: l.acute_bed.unwrap_or(d.acute_bed),
        hospital: l.hospital.unwrap_or(d.hospital),
    }
}

/// Resolves a citizen's plan: `overrides` laid over `defaults` (usually
/// [`defaults_for`] of the citizen's diagnoses), completed with the built-in engine settings and
/// level mapping where neither gives them, and validated as a whole ([`plan_problems`]; the
/// first problem is the error).
pub fn resolve(defaults: &PlanDocument, overrides: &PlanDocument) -> Result<TriagePlan, PlanError> {
    if let Some(first) = plan_problems(defaults, overrides).into_iter().next() {
        return Err(first);
    }
    let doc = overlay(defaults, overrides);

    let base = EngineSettings::default();
    let engine = EngineSettings {
        hold_ms: doc.engine.hold_hours.map_or(base.hold_ms, hours_to_ms),
        lookback_ms: doc
            .engine
            .lookback_hours
            .map_or(base.lookback_ms, hours_to_ms),
        mas_visit_hold_ms: doc
            .engine
            .mas_visit_hold_hours
            .map_or(base.mas_visit_hold_ms, hours_to_ms),
    };
    if engine.lookback_ms <= 0 {
        return Err(PlanError::NotPositive {
            field: "engine.lookback_hours".into(),
            value: doc.engine.lookback_hours.unwrap_or(0.0),
        });
    }
    let levels = level_mapping(&doc.levels);

    let thresholds = doc
        .limits
        .iter()
        .filter(|(_, e)| !e.is_off() && e.has_values())
        .map(|(p, e)| {
            (
                *p,
                Threshold {
                    parameter: *p,
                    yellow_low: e.yellow_low,
                    yellow_high: e.yellow_high,
                    red_low: e.red_low,
                    red_high: e.red_high,
                },
            )
        })
        .collect();

    let mut schedule = BTreeMap::new();
    for (p, e) in doc.schedule.iter().filter(|(_, e)| !e.is_off()) {
        let every = e.every_hours.ok_or_else(|| PlanError::MissingField {
            field: format!("schedule.{p}.every_hours"),
        })?;
        schedule.insert(
            *p,
            Schedule {
                every_ms: hours_to_ms(every).max(1),
                grace_ms: e.grace_hours.map_or(0, hours_to_ms),
            },
        );
    }

    let mut relative = Vec::new();
    for r in doc.relative.iter().filter(|r| !r.is_off()) {
        let field = |name: &str| format!("relative.{}.{name}", r.id);
        let missing = |name: &str| PlanError::MissingField { field: field(name) };
        let parameter = r.parameter.ok_or_else(|| missing("parameter"))?;
        let kind_code = r.kind.ok_or_else(|| missing("kind"))?;
        let kind = match kind_code {
            RelativeKindCode::BelowMedian => RelativeKind::BelowMedian {
                percent: r.percent.ok_or_else(|| missing("percent"))?,
            },
            RelativeKindCode::AboveMedian => RelativeKind::AboveMedian {
                percent: r.percent.ok_or_else(|| missing("percent"))?,
            },
            RelativeKindCode::Rise => RelativeKind::Rise {
                amount: r.amount.ok_or_else(|| missing("amount"))?,
            },
            RelativeKindCode::Fall => RelativeKind::Fall {
                amount: r.amount.ok_or_else(|| missing("amount"))?,
            },
        };
        let window = r.window_hours.ok_or_else(|| missing("window_hours"))?;
        relative.push(RelativeRule {
            id: r.id.clone(),
            parameter,
            kind,
            window_ms: hours_to_ms(window).max(1),
            min_readings: r.min_readings.map_or(1, |n| n as usize),
            colour: r.colour.unwrap_or(Triage::Yellow),
        });
    }
    relative.sort_by(|a, b| a.id.cmp(&b.id));

    Ok(TriagePlan {
        thresholds,
        relative,
        schedule,
        levels,
        engine,
        news2_spo2_scale: doc.news2.spo2_scale.unwrap_or_default(),
    })
}

impl TriagePlan {
    /// The complete plan as one document, for a clinician to read or to store as a snapshot.
    /// Resolving it over an empty layer gives this plan back.
    pub fn to_document(&self) -> PlanDocument {
        let m = self.levels;
        PlanDocument {
            engine: EngineSection {
                hold_hours: Some(ms_to_hours(self.engine.hold_ms)),
                lookback_hours: Some(ms_to_hours(self.engine.lookback_ms)),
                mas_visit_hold_hours: Some(ms_to_hours(self.engine.mas_visit_hold_ms)),
            },
            levels: LevelSection {
                all_green: Some(m.all_green),
                one_yellow: Some(m.one_yellow),
                two_yellows: Some(m.two_yellows),
                any_red: Some(m.any_red),
                mas_visit: Some(m.mas_visit),
                acute_bed: Some(m.acute_bed),
                hospital: Some(m.hospital),
            },
            limits: self
                .thresholds
                .iter()
                .map(|(p, t)| {
                    (
                        *p,
                        LimitsEntry {
                            yellow_low: t.yellow_low,
                            yellow_high: t.yellow_high,
                            red_low: t.red_low,
                            red_high: t.red_high,
                            off: None,
                        },
                    )
                })
                .collect(),
            schedule: self
                .schedule
                .iter()
                .map(|(p, s)| {
                    (
                        *p,
                        ScheduleEntry {
                            every_hours: Some(ms_to_hours(s.every_ms)),
                            grace_hours: Some(ms_to_hours(s.grace_ms)),
                            off: None,
                        },
                    )
                })
                .collect(),
            relative: self
                .relative
                .iter()
                .map(|r| {
                    let (percent, amount) = match r.kind {
                        RelativeKind::BelowMedian { percent }
                        | RelativeKind::AboveMedian { percent } => (Some(percent), None),
                        RelativeKind::Rise { amount } | RelativeKind::Fall { amount } => {
                            (None, Some(amount))
                        }
                    };
                    RelativeEntry {
                        id: r.id.clone(),
                        parameter: Some(r.parameter),
                        kind: Some(r.kind.code()),
                        percent,
                        amount,
                        window_hours: Some(ms_to_hours(r.window_ms)),
                        min_readings: Some(u32::try_from(r.min_readings).unwrap_or(u32::MAX)),
                        colour: Some(r.colour),
                        off: None,
                    }
                })
                .collect(),
            news2: News2Section {
                spo2_scale: Some(self.news2_spo2_scale),
            },
        }
    }
}
