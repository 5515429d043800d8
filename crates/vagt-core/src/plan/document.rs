//! The plan document: one layer of a plan (the common defaults, a diagnosis group, or one
//! citizen's overrides), every field optional, and its TOML and JSON forms.

use crate::ecm::EcmLevel;
use crate::limits::Triage;
use crate::news2::SpO2Scale;
use crate::parameter::Parameter;
use crate::plan::error::PlanError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The only document version this code reads and writes.
pub const PLAN_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentFormat {
    Toml,
    Json,
}

// ------------------------------------------------------------------------------------------
// The document: every field optional, so that one type serves defaults and overrides.
// ------------------------------------------------------------------------------------------

/// `[engine]`: times in hours.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct EngineSection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_hours: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookback_hours: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mas_visit_hold_hours: Option<f64>,
}

impl EngineSection {
    fn is_empty(&self) -> bool {
        *self == EngineSection::default()
    }
}

/// `[levels]`: the ECM level each finding or event suggests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct LevelSection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_green: Option<EcmLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_yellow: Option<EcmLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub two_yellows: Option<EcmLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any_red: Option<EcmLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mas_visit: Option<EcmLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acute_bed: Option<EcmLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hospital: Option<EcmLevel>,
}

impl LevelSection {
    fn is_empty(&self) -> bool {
        *self == LevelSection::default()
    }
}

/// `[news2]`: how the citizen's NEWS2 is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct News2Section {
    pub spo2_scale: Option<SpO2Scale>,
}

/// `[limits.<parameter>]`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct LimitsEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yellow_low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yellow_high: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub red_low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub red_high: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub off: Option<bool>,
}

impl LimitsEntry {
    pub(crate) fn is_off(&self) -> bool {
        self.off == Some(true)
    }

    pub(crate) fn has_values(&self) -> bool {
        self.yellow_low.is_some()
            || self.yellow_high.is_some()
            || self.red_low.is_some()
            || self.red_high.is_some()
    }
}

/// `[schedule.<parameter>]`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct ScheduleEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every_hours: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_hours: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub off: Option<bool>,
}

impl ScheduleEntry {
    pub(crate) fn is_off(&self) -> bool {
        self.off == Some(true)
    }

    pub(crate) fn has_values(&self) -> bool {
        self.every_hours.is_some() || self.grace_hours.is_some()
    }
}

/// How a relative rule compares the latest reading with the citizen's own earlier ones.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum RelativeKindCode {
    /// More than `percent` % below the median of the window.
    BelowMedian,
    /// More than `percent` % above the median of the window.
    AboveMedian,
    /// More than `amount` above the lowest reading in the window.
    Rise,
    /// More than `amount` below the highest reading in the window.
    Fall,
}

impl RelativeKindCode {
    pub const fn code(self) -> &'static str {
        match self {
            RelativeKindCode::BelowMedian => "below_median",
            RelativeKindCode::AboveMedian => "above_median",
            RelativeKindCode::Rise => "rise",
            RelativeKindCode::Fall => "fall",
        }
    }

    pub(crate) const fn uses_percent(self) -> bool {
        matches!(
            self,
            RelativeKindCode::BelowMedian | RelativeKindCode::AboveMedian
        )
    }
}

/// `[[relative]]`: one relative rule, or (in an override) a change to the rule with its id.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RelativeEntry {
    pub id: String,
    pub parameter: Option<Parameter>,
    pub kind: Option<RelativeKindCode>,
    pub percent: Option<f64>,
    pub amount: Option<f64>,
    pub window_hours: Option<f64>,
    pub min_readings: Option<u32>,
    pub colour: Option<Triage>,
    pub off: Option<bool>,
}

impl RelativeEntry {
    pub(crate) fn is_off(&self) -> bool {
        self.off == Some(true)
    }

    pub(crate) fn has_values(&self) -> bool {
        self.parameter.is_some()
            || self.kind.is_some()
            || self.percent.is_some()
            || self.amount.is_some()
            || self.window_hours.is_some()
            || self.min_readings.is_some()
            || self.colour.is_some()
    }
}

/// One layer of a plan, as parsed from (or written to) a document. See the module docs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanDocument {
    pub engine: EngineSection,
    pub levels: LevelSection,
    pub limits: BTreeMap<Parameter, LimitsEntry>,
    pub schedule: BTreeMap<Parameter, ScheduleEntry>,
    /// Sorted by id after any merge; as written after parsing.
    pub relative: Vec<RelativeEntry>,
    pub news2: News2Section,
}

/// A [`PlanDocument`] as written (TOML) and sent (JSON). The wire form keeps parameter names as
/// strings so that an unknown one gets a clear error naming its section, rather than serde's
/// generic "unknown variant"; the generated TypeScript names the parameters.
#[derive(Debug, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
#[ts(rename = "PlanDocument")]
pub struct PlanDocumentWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<u32>,
    #[serde(default, skip_serializing_if = "EngineSection::is_empty")]
    engine: EngineSection,
    #[serde(default, skip_serializing_if = "LevelSection::is_empty")]
    levels: LevelSection,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[ts(as = "BTreeMap<Parameter, LimitsEntry>")]
    limits: BTreeMap<String, LimitsEntry>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[ts(as = "BTreeMap<Parameter, ScheduleEntry>")]
    schedule: BTreeMap<String, ScheduleEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    relative: Vec<RelativeEntryWire>,
    #[serde(default, skip_serializing_if = "News2SectionWire::is_empty")]
    news2: News2SectionWire,
}

/// `[news2]` as written: the scale as a string, so that a wrong one is refused naming its field.
#[derive(Debug, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
#[ts(rename = "News2Section")]
pub struct News2SectionWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(as = "Option<SpO2Scale>")]
    spo2_scale: Option<String>,
}

impl News2SectionWire {
    fn is_empty(&self) -> bool {
        self.spo2_scale.is_none()
    }
}

/// `[[relative]]` as written.
#[derive(Debug, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
#[ts(rename = "RelativeEntry")]
pub struct RelativeEntryWire {
    id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(as = "Option<Parameter>")]
    parameter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kind: Option<RelativeKindCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    amount: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    window_hours: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min_readings: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    colour: Option<Triage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    off: Option<bool>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDefaults {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) version: Option<u32>,
    #[serde(default)]
    pub(crate) common: PlanDocumentWire,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) copd: Option<PlanDocumentWire>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) heart_failure: Option<PlanDocumentWire>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) diabetes: Option<PlanDocumentWire>,
}

pub(crate) fn parse_text<T: serde::de::DeserializeOwned>(
    text: &str,
    format: DocumentFormat,
) -> Result<T, PlanError> {
    match format {
        DocumentFormat::Toml => toml::from_str(text).map_err(|e| PlanError::Toml(e.to_string())),
        DocumentFormat::Json => {
            serde_json::from_str(text).map_err(|e| PlanError::Json(e.to_string()))
        }
    }
}

pub(crate) fn check_version(version: Option<u32>) -> Result<(), PlanError> {
    match version {
        Some(found) if found != PLAN_VERSION => Err(PlanError::UnsupportedVersion {
            found,
            supported: PLAN_VERSION,
        }),
        _ => Ok(()),
    }
}

pub(crate) fn parameter_named(section: &str, name: &str) -> Result<Parameter, PlanError> {
    name.parse().map_err(|_| PlanError::UnknownParameter {
        section: section.to_owned(),
        name: name.to_owned(),
    })
}

impl PlanDocumentWire {
    /// `prefix` is "" for a plain document or e.g. "copd." inside the defaults file.
    pub(crate) fn into_document(self, prefix: &str) -> Result<PlanDocument, PlanError> {
        check_version(self.version)?;
        let mut limits = BTreeMap::new();
        for (name, entry) in self.limits {
            limits.insert(parameter_named(&format!("{prefix}limits"), &name)?, entry);
        }
        let mut schedule = BTreeMap::new();
        for (name, entry) in self.schedule {
            schedule.insert(parameter_named(&format!("{prefix}schedule"), &name)?, entry);
        }
        let mut relative = Vec::with_capacity(self.relative.len());
        for raw in self.relative {
            let parameter = match &raw.parameter {
                Some(name) => Some(parameter_named(
                    &format!("{prefix}relative.{}", raw.id),
                    name,
                )?),
                None => None,
            };
            relative.push(RelativeEntry {
                id: raw.id,
                parameter,
                kind: raw.kind,
                percent: raw.percent,
                amount: raw.amount,
                window_hours: raw.window_hours,
                min_readings: raw.min_readings,
                colour: raw.colour,
                off: raw.off,
            });
        }
        let spo2_scale = match self.news2.spo2_scale {
            Some(code) => {
                Some(
                    SpO2Scale::from_code(&code).ok_or_else(|| PlanError::UnknownValue {
                        field: format!("{prefix}news2.spo2_scale"),
                        value: code,
                        allowed: "scale1, scale2",
                    })?,
                )
            }
            None => None,
        };
        let doc = PlanDocument {
            engine: self.engine,
            levels: self.levels,
            limits,
            schedule,
            relative,
            news2: News2Section { spo2_scale },
        };
        Ok(doc)
    }
}

impl PlanDocument {
    fn to_raw(&self) -> PlanDocumentWire {
        PlanDocumentWire {
            version: Some(PLAN_VERSION),
            engine: self.engine,
            levels: self.levels,
            limits: self
                .limits
                .iter()
                .map(|(p, e)| (p.code().to_owned(), *e))
                .collect(),
            schedule: self
                .schedule
                .iter()
                .map(|(p, e)| (p.code().to_owned(), *e))
                .collect(),
            relative: self
                .relative
                .iter()
                .map(|r| RelativeEntryWire {
                    id: r.id.clone(),
                    parameter: r.parameter.map(|p| p.code().to_owned()),
                    kind: r.kind,
                    percent: r.percent,
                    amount: r.amount,
                    window_hours: r.window_hours,
                    min_readings: r.min_readings,
                    colour: r.colour,
                    off: r.off,
                })
                .collect(),
            news2: News2SectionWire {
                spo2_scale: self.news2.spo2_scale.map(|s| s.code().to_owned()),
            },
        }
    }

    /// The document as TOML, readable and parseable by [`parse_plan_document`].
    pub fn to_toml(&self) -> Result<String, PlanError> {
        toml::to_string(&self.to_raw()).map_err(|e| PlanError::Toml(e.to_string()))
    }

    pub fn to_json(&self) -> Result<String, PlanError> {
        serde_json::to_string_pretty(&self.to_raw()).map_err(|e| PlanError::Json(e.to_string()))
    }
}

// A plan crosses the app's boundary (the plan form) in its document form: parameters by name,
// absent fields omitted, exactly what `to_json` writes.
impl Serialize for PlanDocument {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_raw().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for PlanDocument {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        PlanDocumentWire::deserialize(deserializer)?
            .into_document("")
            .map_err(serde::de::Error::custom)
    }
}
