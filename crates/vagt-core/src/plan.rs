//! Triage plans: per citizen, what counts as yellow and red, and how often each parameter is
//! expected to be measured.
//!
//! A plan is a document a clinician can read and edit (TOML, or JSON for machines). The same
//! format serves three layers:
//!
//! 1. the `common` section of the clinic's defaults, shared by every citizen;
//! 2. one section per diagnosis group (`copd`, `heart_failure`, `diabetes`), see
//!    [`DefaultPlans`] and the shipped `plans/defaults.toml` ([`DEFAULTS_TOML`]);
//! 3. the citizen's own overrides, set by a doctor.
//!
//! [`resolve`] turns `defaults_for(diagnoses)` plus the overrides into a validated
//! [`TriagePlan`], which is what the ECM engine ([`crate::ecm_engine`]) and the alarm rules
//! ([`crate::alarm`]) use.
//!
//! # Document format (version 1)
//!
//! ```toml
//! version = 1                  # optional; only 1 is understood
//!
//! [engine]                     # optional; times in hours (fractions allowed)
//! hold_hours = 24              # a level falls only after staying lower this long
//! lookback_hours = 72          # a latest reading older than this no longer counts
//! mas_visit_hold_hours = 48    # how long a MAS visit holds the MAS level
//!
//! [levels]                     # optional; the ECM level each finding suggests
//! all_green = 1
//! one_yellow = 2
//! two_yellows = 3              # yellow (or worse) in two different parameters
//! any_red = 3
//! mas_visit = 4
//! acute_bed = 5
//! hospital = 6
//!
//! [limits.spo2]                # canonical unit of the parameter; all four are optional
//! yellow_low = 90              # below: yellow
//! red_low = 86                 # below: red (red wins)
//!
//! [schedule.spo2]
//! every_hours = 24             # a reading is due this long after the last one
//! grace_hours = 6              # missed when still absent this long after it was due
//!
//! [[relative]]                 # against the citizen's own earlier readings
//! id = "fev1_below_7d_median"  # a-z, 0-9, '_'; overrides and merges match on it
//! parameter = "fev1"
//! kind = "below_median"        # below_median | above_median | rise | fall
//! percent = 20                 # *_median: more than this % below/above the median
//! window_hours = 168           # baseline: readings in this window before the latest
//! min_readings = 3             # *_median: fewer earlier readings, no baseline, no finding
//! colour = "yellow"            # yellow | red
//!
//! [[relative]]
//! id = "weight_gain_3d"
//! parameter = "weight"
//! kind = "rise"                # rise: latest minus the lowest in the window
//! amount = 2.0                 # ... more than this (canonical unit) is a finding
//! window_hours = 72
//!
//! [news2]                      # optional
//! spo2_scale = "scale2"        # scale1 (the default) | scale2: only when a clinician
//!                              # prescribes it for confirmed hypercapnic respiratory failure
//! ```
//!
//! In an override, `off = true` on a `[limits.*]`, `[schedule.*]` or `[[relative]]` entry removes
//! what the defaults put there; any other field replaces the inherited field of the same name.
//!
//! # Merge rules
//!
//! * **Several diagnoses** ([`merge_tighter`]): for the same parameter *the tighter value wins*,
//!   field by field: the higher low limit, the lower high limit, the shorter interval and grace;
//!   relative rules are united by id and, when two groups share an id, the more sensitive value
//!   wins (smaller percent or amount, longer window, fewer readings needed, red over yellow);
//!   engine times take the longer value and level mappings the higher level. Two groups must not
//!   give one rule id different parameters or kinds ([`PlanError::ConflictingRule`]). Two
//!   groups that name different NEWS2 SpO2 scales give Scale 1: Scale 2 is a prescription for
//!   one citizen, not something a diagnosis implies.
//! * **Layering** ([`overlay`]): a diagnosis section overrides `common`; a citizen's overrides
//!   override the defaults. A field given in the upper layer wins even if it is looser: a
//!   doctor's adjustment for one citizen is deliberate.
//!
//! The result is validated once more by [`resolve`]: a merge of valid layers can still be
//! inconsistent (a citizen's yellow limit left outside an inherited red limit).

use crate::care::{Threshold, Triage};
use crate::citizen::Diagnosis;
use crate::ecm::EcmLevel;
use crate::news2::SpO2Scale;
use crate::parameter::Parameter;
use crate::time_util::MILLIS_PER_HOUR;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The shipped default plans, `crates/vagt-core/plans/defaults.toml`.
pub const DEFAULTS_TOML: &str = include_str!("../plans/defaults.toml");

/// The only document version this code reads and writes.
pub const PLAN_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentFormat {
    Toml,
    Json,
}

/// Why a plan document or a resolved plan was refused. Field paths are as written in the
/// document (`limits.spo2.yellow_low`), so a clinician can find the line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("the plan is not valid TOML: {0}")]
    Toml(String),
    #[error("the plan is not valid JSON: {0}")]
    Json(String),
    #[error("plan version {found} is not supported; this Vagt reads version {PLAN_VERSION}")]
    UnsupportedVersion { found: u32 },
    #[error(
        "{section}: unknown measurement parameter {name:?}; known: spo2, pulse, fev1, fvc, temperature, weight, systolic_bp, diastolic_bp, respiratory_rate, blood_glucose, crp, cat_score, symptom_score"
    )]
    UnknownParameter { section: String, name: String },
    #[error("{field} = {value} is not a finite number")]
    NotFinite { field: String, value: f64 },
    #[error("{field} must be greater than zero, got {value}")]
    NotPositive { field: String, value: f64 },
    #[error("{field} must not be negative, got {value}")]
    Negative { field: String, value: f64 },
    #[error("{field} = {value} must lie strictly between {low} and {high}")]
    OutOfRange {
        field: String,
        value: f64,
        low: f64,
        high: f64,
    },
    #[error(
        "{yellow_field} = {yellow} lies outside {red_field} = {red}: a yellow limit must lie between the red limit and normal values"
    )]
    YellowOutsideRed {
        yellow_field: String,
        yellow: f64,
        red_field: String,
        red: f64,
    },
    #[error("{low_field} = {low} must be below {high_field} = {high}")]
    LowNotBelowHigh {
        low_field: String,
        low: f64,
        high_field: String,
        high: f64,
    },
    #[error("{field}: `off = true` cannot be combined with other values")]
    OffWithValues { field: String },
    #[error("{field} is required")]
    MissingField { field: String },
    #[error("{field} = {value:?} is not one of: {allowed}")]
    UnknownValue {
        field: String,
        value: String,
        allowed: &'static str,
    },
    #[error("{field} does not apply to a `{kind}` rule")]
    FieldNotAllowed { field: String, kind: &'static str },
    #[error("{field}: a rule's colour must be yellow or red")]
    GreenRule { field: String },
    #[error("relative rule id {id:?} must be 1 to 64 characters of a-z, 0-9 and '_'")]
    BadRuleId { id: String },
    #[error("relative rule {id:?} appears twice in one document")]
    DuplicateRule { id: String },
    #[error(
        "relative rule {id:?} has a different parameter or kind in the {first} and {second} defaults"
    )]
    ConflictingRule {
        id: String,
        first: &'static str,
        second: &'static str,
    },
    #[error(
        "levels.{lower} = {lower_level} is above levels.{higher} = {higher_level}; a worse finding must not map to a lower level"
    )]
    MappingNotMonotone {
        lower: &'static str,
        lower_level: u8,
        higher: &'static str,
        higher_level: u8,
    },
}

// ------------------------------------------------------------------------------------------
// The document: every field optional, so that one type serves defaults and overrides.
// ------------------------------------------------------------------------------------------

/// `[engine]`: times in hours.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
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
    fn is_off(&self) -> bool {
        self.off == Some(true)
    }

    fn has_values(&self) -> bool {
        self.yellow_low.is_some()
            || self.yellow_high.is_some()
            || self.red_low.is_some()
            || self.red_high.is_some()
    }
}

/// `[schedule.<parameter>]`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
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
    fn is_off(&self) -> bool {
        self.off == Some(true)
    }

    fn has_values(&self) -> bool {
        self.every_hours.is_some() || self.grace_hours.is_some()
    }
}

/// How a relative rule compares the latest reading with the citizen's own earlier ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

    const fn uses_percent(self) -> bool {
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
    fn is_off(&self) -> bool {
        self.off == Some(true)
    }

    fn has_values(&self) -> bool {
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

// The wire form keeps parameter names as strings so that an unknown one gets a clear error
// naming its section, rather than serde's generic "unknown variant".
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocument {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<u32>,
    #[serde(default, skip_serializing_if = "EngineSection::is_empty")]
    engine: EngineSection,
    #[serde(default, skip_serializing_if = "LevelSection::is_empty")]
    levels: LevelSection,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    limits: BTreeMap<String, LimitsEntry>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    schedule: BTreeMap<String, ScheduleEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    relative: Vec<RawRelative>,
    #[serde(default, skip_serializing_if = "RawNews2::is_empty")]
    news2: RawNews2,
}

// The scale as a string, so that a wrong one is refused naming its field.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNews2 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    spo2_scale: Option<String>,
}

impl RawNews2 {
    fn is_empty(&self) -> bool {
        self.spo2_scale.is_none()
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRelative {
    id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
struct RawDefaults {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<u32>,
    #[serde(default)]
    common: RawDocument,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    copd: Option<RawDocument>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    heart_failure: Option<RawDocument>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    diabetes: Option<RawDocument>,
}

fn parse_text<T: serde::de::DeserializeOwned>(
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

fn check_version(version: Option<u32>) -> Result<(), PlanError> {
    match version {
        Some(found) if found != PLAN_VERSION => Err(PlanError::UnsupportedVersion { found }),
        _ => Ok(()),
    }
}

fn parameter_named(section: &str, name: &str) -> Result<Parameter, PlanError> {
    name.parse().map_err(|_| PlanError::UnknownParameter {
        section: section.to_owned(),
        name: name.to_owned(),
    })
}

impl RawDocument {
    /// `prefix` is "" for a plain document or e.g. "copd." inside the defaults file.
    fn into_document(self, prefix: &str) -> Result<PlanDocument, PlanError> {
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
        doc.check(prefix)?;
        Ok(doc)
    }
}

/// Parses one plan layer (a citizen's overrides, or a single diagnosis group) and checks every
/// value that can be checked without the other layers.
pub fn parse_plan_document(text: &str, format: DocumentFormat) -> Result<PlanDocument, PlanError> {
    parse_text::<RawDocument>(text, format)?.into_document("")
}

impl PlanDocument {
    fn to_raw(&self) -> RawDocument {
        RawDocument {
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
                .map(|r| RawRelative {
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
            news2: RawNews2 {
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

    /// Checks each value on its own and limits against each other within one entry.
    fn check(&self, prefix: &str) -> Result<(), PlanError> {
        let e = &self.engine;
        non_negative(&format!("{prefix}engine.hold_hours"), e.hold_hours)?;
        positive(&format!("{prefix}engine.lookback_hours"), e.lookback_hours)?;
        non_negative(
            &format!("{prefix}engine.mas_visit_hold_hours"),
            e.mas_visit_hold_hours,
        )?;

        for (parameter, entry) in &self.limits {
            let base = format!("{prefix}limits.{parameter}");
            if entry.is_off() {
                if entry.has_values() {
                    return Err(PlanError::OffWithValues { field: base });
                }
                continue;
            }
            check_limits(&base, entry)?;
        }

        for (parameter, entry) in &self.schedule {
            let base = format!("{prefix}schedule.{parameter}");
            if entry.is_off() {
                if entry.has_values() {
                    return Err(PlanError::OffWithValues { field: base });
                }
                continue;
            }
            positive(&format!("{base}.every_hours"), entry.every_hours)?;
            non_negative(&format!("{base}.grace_hours"), entry.grace_hours)?;
        }

        let mut seen = std::collections::BTreeSet::new();
        for rule in &self.relative {
            let id_ok = !rule.id.is_empty()
                && rule.id.len() <= 64
                && rule
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !id_ok {
                return Err(PlanError::BadRuleId {
                    id: rule.id.clone(),
                });
            }
            if !seen.insert(rule.id.as_str()) {
                return Err(PlanError::DuplicateRule {
                    id: rule.id.clone(),
                });
            }
            let base = format!("{prefix}relative.{}", rule.id);
            if rule.is_off() {
                if rule.has_values() {
                    return Err(PlanError::OffWithValues { field: base });
                }
                continue;
            }
            check_relative_values(&base, rule)?;
        }
        Ok(())
    }
}

fn finite(field: &str, value: Option<f64>) -> Result<(), PlanError> {
    match value {
        Some(v) if !v.is_finite() => Err(PlanError::NotFinite {
            field: field.to_owned(),
            value: v,
        }),
        _ => Ok(()),
    }
}

fn positive(field: &str, value: Option<f64>) -> Result<(), PlanError> {
    finite(field, value)?;
    match value {
        Some(v) if v <= 0.0 => Err(PlanError::NotPositive {
            field: field.to_owned(),
            value: v,
        }),
        _ => Ok(()),
    }
}

fn non_negative(field: &str, value: Option<f64>) -> Result<(), PlanError> {
    finite(field, value)?;
    match value {
        Some(v) if v < 0.0 => Err(PlanError::Negative {
            field: field.to_owned(),
            value: v,
        }),
        _ => Ok(()),
    }
}

fn check_limits(base: &str, entry: &LimitsEntry) -> Result<(), PlanError> {
    let fields = [
        ("yellow_low", entry.yellow_low),
        ("yellow_high", entry.yellow_high),
        ("red_low", entry.red_low),
        ("red_high", entry.red_high),
    ];
    for (name, value) in fields {
        finite(&format!("{base}.{name}"), value)?;
    }
    // A yellow limit between red and normal is the only arrangement where both colours can occur.
    if let (Some(yellow), Some(red)) = (entry.yellow_low, entry.red_low)
        && yellow < red
    {
        return Err(PlanError::YellowOutsideRed {
            yellow_field: format!("{base}.yellow_low"),
            yellow,
            red_field: format!("{base}.red_low"),
            red,
        });
    }
    if let (Some(yellow), Some(red)) = (entry.yellow_high, entry.red_high)
        && yellow > red
    {
        return Err(PlanError::YellowOutsideRed {
            yellow_field: format!("{base}.yellow_high"),
            yellow,
            red_field: format!("{base}.red_high"),
            red,
        });
    }
    // Every low limit must be below every high limit, or no value is green.
    for (low_name, low) in [("yellow_low", entry.yellow_low), ("red_low", entry.red_low)] {
        for (high_name, high) in [
            ("yellow_high", entry.yellow_high),
            ("red_high", entry.red_high),
        ] {
            if let (Some(low), Some(high)) = (low, high)
                && low >= high
            {
                return Err(PlanError::LowNotBelowHigh {
                    low_field: format!("{base}.{low_name}"),
                    low,
                    high_field: format!("{base}.{high_name}"),
                    high,
                });
            }
        }
    }
    Ok(())
}

fn check_relative_values(base: &str, rule: &RelativeEntry) -> Result<(), PlanError> {
    if let Some(p) = rule.percent {
        let field = format!("{base}.percent");
        finite(&field, Some(p))?;
        if p <= 0.0 || p >= 100.0 {
            return Err(PlanError::OutOfRange {
                field,
                value: p,
                low: 0.0,
                high: 100.0,
            });
        }
    }
    positive(&format!("{base}.amount"), rule.amount)?;
    positive(&format!("{base}.window_hours"), rule.window_hours)?;
    if rule.min_readings == Some(0) {
        return Err(PlanError::NotPositive {
            field: format!("{base}.min_readings"),
            value: 0.0,
        });
    }
    if rule.colour == Some(Triage::Green) {
        return Err(PlanError::GreenRule {
            field: format!("{base}.colour"),
        });
    }
    if let Some(kind) = rule.kind {
        if kind.uses_percent() && rule.amount.is_some() {
            return Err(PlanError::FieldNotAllowed {
                field: format!("{base}.amount"),
                kind: kind.code(),
            });
        }
        if !kind.uses_percent() && rule.percent.is_some() {
            return Err(PlanError::FieldNotAllowed {
                field: format!("{base}.percent"),
                kind: kind.code(),
            });
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Merging layers.
// ------------------------------------------------------------------------------------------

fn min_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

fn max_opt<T: PartialOrd>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y > x { y } else { x }),
        (x, y) => x.or(y),
    }
}

/// Merges two diagnosis groups' layers: the tighter value wins (see the module docs). `off`
/// entries are ignored here; they belong in overrides.
pub fn merge_tighter(a: &PlanDocument, b: &PlanDocument) -> PlanDocument {
    let engine = EngineSection {
        hold_hours: max_opt(a.engine.hold_hours, b.engine.hold_hours),
        lookback_hours: max_opt(a.engine.lookback_hours, b.engine.lookback_hours),
        mas_visit_hold_hours: max_opt(a.engine.mas_visit_hold_hours, b.engine.mas_visit_hold_hours),
    };
    let (la, lb) = (a.levels, b.levels);
    let levels = LevelSection {
        all_green: max_opt(la.all_green, lb.all_green),
        one_yellow: max_opt(la.one_yellow, lb.one_yellow),
        two_yellows: max_opt(la.two_yellows, lb.two_yellows),
        any_red: max_opt(la.any_red, lb.any_red),
        mas_visit: max_opt(la.mas_visit, lb.mas_visit),
        acute_bed: max_opt(la.acute_bed, lb.acute_bed),
        hospital: max_opt(la.hospital, lb.hospital),
    };

    let mut limits: BTreeMap<Parameter, LimitsEntry> = BTreeMap::new();
    for (p, e) in a.limits.iter().chain(&b.limits) {
        if e.is_off() {
            continue;
        }
        limits
            .entry(*p)
            .and_modify(|m| {
                m.yellow_low = max_opt(m.yellow_low, e.yellow_low);
                m.red_low = max_opt(m.red_low, e.red_low);
                m.yellow_high = min_opt(m.yellow_high, e.yellow_high);
                m.red_high = min_opt(m.red_high, e.red_high);
            })
            .or_insert(LimitsEntry { off: None, ..*e });
    }

    let mut schedule: BTreeMap<Parameter, ScheduleEntry> = BTreeMap::new();
    for (p, e) in a.schedule.iter().chain(&b.schedule) {
        if e.is_off() {
            continue;
        }
        schedule
            .entry(*p)
            .and_modify(|m| {
                m.every_hours = min_opt(m.every_hours, e.every_hours);
                m.grace_hours = min_opt(m.grace_hours, e.grace_hours);
            })
            .or_insert(ScheduleEntry { off: None, ..*e });
    }

    let mut relative: BTreeMap<String, RelativeEntry> = BTreeMap::new();
    for r in a.relative.iter().chain(&b.relative) {
        if r.is_off() {
            continue;
        }
        relative
            .entry(r.id.clone())
            .and_modify(|m| {
                // Parameter and kind agree (checked when the defaults are parsed); keep the first.
                m.parameter = m.parameter.or(r.parameter);
                m.kind = m.kind.or(r.kind);
                m.percent = min_opt(m.percent, r.percent);
                m.amount = min_opt(m.amount, r.amount);
                m.window_hours = max_opt(m.window_hours, r.window_hours);
                m.min_readings = match (m.min_readings, r.min_readings) {
                    (Some(x), Some(y)) => Some(x.min(y)),
                    (x, y) => x.or(y),
                };
                m.colour = max_opt(m.colour, r.colour);
            })
            .or_insert_with(|| RelativeEntry {
                off: None,
                ..r.clone()
            });
    }

    // Scale 2 is prescribed per citizen; groups that disagree give the usual scale.
    let spo2_scale = match (a.news2.spo2_scale, b.news2.spo2_scale) {
        (Some(x), Some(y)) if x != y => Some(SpO2Scale::Scale1),
        (x, y) => x.or(y),
    };

    PlanDocument {
        engine,
        levels,
        limits,
        schedule,
        relative: relative.into_values().collect(),
        news2: News2Section { spo2_scale },
    }
}

/// Lays `upper` over `base`: every field `upper` gives wins; `off = true` removes the entry.
pub fn overlay(base: &PlanDocument, upper: &PlanDocument) -> PlanDocument {
    let (be, ue) = (base.engine, upper.engine);
    let engine = EngineSection {
        hold_hours: ue.hold_hours.or(be.hold_hours),
        lookback_hours: ue.lookback_hours.or(be.lookback_hours),
        mas_visit_hold_hours: ue.mas_visit_hold_hours.or(be.mas_visit_hold_hours),
    };
    let (bl, ul) = (base.levels, upper.levels);
    let levels = LevelSection {
        all_green: ul.all_green.or(bl.all_green),
        one_yellow: ul.one_yellow.or(bl.one_yellow),
        two_yellows: ul.two_yellows.or(bl.two_yellows),
        any_red: ul.any_red.or(bl.any_red),
        mas_visit: ul.mas_visit.or(bl.mas_visit),
        acute_bed: ul.acute_bed.or(bl.acute_bed),
        hospital: ul.hospital.or(bl.hospital),
    };

    let mut limits = base.limits.clone();
    for (p, u) in &upper.limits {
        let merged = match limits.get(p) {
            Some(b) if !u.is_off() && !b.is_off() => LimitsEntry {
                yellow_low: u.yellow_low.or(b.yellow_low),
                yellow_high: u.yellow_high.or(b.yellow_high),
                red_low: u.red_low.or(b.red_low),
                red_high: u.red_high.or(b.red_high),
                off: None,
            },
            _ => *u,
        };
        limits.insert(*p, merged);
    }

    let mut schedule = base.schedule.clone();
    for (p, u) in &upper.schedule {
        let merged = match schedule.get(p) {
            Some(b) if !u.is_off() && !b.is_off() => ScheduleEntry {
                every_hours: u.every_hours.or(b.every_hours),
                grace_hours: u.grace_hours.or(b.grace_hours),
                off: None,
            },
            _ => *u,
        };
        schedule.insert(*p, merged);
    }

    let mut relative: BTreeMap<String, RelativeEntry> = base
        .relative
        .iter()
        .map(|r| (r.id.clone(), r.clone()))
        .collect();
    for u in &upper.relative {
        let merged = match relative.get(&u.id) {
            Some(b) if !u.is_off() && !b.is_off() => RelativeEntry {
                id: u.id.clone(),
                parameter: u.parameter.or(b.parameter),
                kind: u.kind.or(b.kind),
                // A kind change drops the other kind's number, so `rise` over `below_median`
                // does not inherit a percent it cannot use.
                percent: if u.kind.is_some_and(|k| !k.uses_percent()) {
                    u.percent
                } else {
                    u.percent.or(b.percent)
                },
                amount: if u.kind.is_some_and(RelativeKindCode::uses_percent) {
                    u.amount
                } else {
                    u.amount.or(b.amount)
                },
                window_hours: u.window_hours.or(b.window_hours),
                min_readings: u.min_readings.or(b.min_readings),
                colour: u.colour.or(b.colour),
                off: None,
            },
            _ => u.clone(),
        };
        relative.insert(u.id.clone(), merged);
    }

    PlanDocument {
        engine,
        levels,
        limits,
        schedule,
        relative: relative.into_values().collect(),
        news2: News2Section {
            spo2_scale: upper.news2.spo2_scale.or(base.news2.spo2_scale),
        },
    }
}

// ------------------------------------------------------------------------------------------
// The defaults file.
// ------------------------------------------------------------------------------------------

/// The clinic's defaults: a `common` layer and one layer per diagnosis group.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DefaultPlans {
    pub common: PlanDocument,
    pub groups: BTreeMap<Diagnosis, PlanDocument>,
}

static BUILTIN: LazyLock<Result<DefaultPlans, PlanError>> =
    LazyLock::new(|| DefaultPlans::parse(DEFAULTS_TOML, DocumentFormat::Toml));

impl DefaultPlans {
    /// Parses a defaults file and checks that every combination of diagnoses resolves to a
    /// valid plan, so that [`DefaultPlans::defaults_for`] cannot produce a broken one.
    pub fn parse(text: &str, format: DocumentFormat) -> Result<DefaultPlans, PlanError> {
        let raw: RawDefaults = parse_text(text, format)?;
        check_version(raw.version)?;
        let common = raw.common.into_document("common.")?;
        let mut groups = BTreeMap::new();
        for (diagnosis, layer) in [
            (Diagnosis::Copd, raw.copd),
            (Diagnosis::HeartFailure, raw.heart_failure),
            (Diagnosis::Diabetes, raw.diabetes),
        ] {
            if let Some(layer) = layer {
                let prefix = format!("{}.", diagnosis.code());
                groups.insert(diagnosis, layer.into_document(&prefix)?);
            }
        }
        let plans = DefaultPlans { common, groups };
        plans.check_conflicts()?;
        let all: Vec<Diagnosis> = plans.groups.keys().copied().collect();
        for mask in 0u32..(1 << all.len()) {
            let subset: Vec<Diagnosis> = all
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, d)| *d)
                .collect();
            resolve(&plans.defaults_for(&subset), &PlanDocument::default())?;
        }
        Ok(plans)
    }

    /// The shipped defaults ([`DEFAULTS_TOML`]), parsed once.
    pub fn builtin() -> Result<&'static DefaultPlans, PlanError> {
        BUILTIN.as_ref().map_err(Clone::clone)
    }

    fn check_conflicts(&self) -> Result<(), PlanError> {
        let mut first_seen: BTreeMap<&str, (Diagnosis, &RelativeEntry)> = BTreeMap::new();
        for (diagnosis, layer) in &self.groups {
            for rule in &layer.relative {
                if let Some((first, earlier)) = first_seen.get(rule.id.as_str()) {
                    if both_differ(earlier.parameter, rule.parameter)
                        || both_differ(earlier.kind, rule.kind)
                    {
                        return Err(PlanError::ConflictingRule {
                            id: rule.id.clone(),
                            first: first.code(),
                            second: diagnosis.code(),
                        });
                    }
                } else {
                    first_seen.insert(rule.id.as_str(), (*diagnosis, rule));
                }
            }
        }
        Ok(())
    }

    /// `common`, overlaid by the tighter merge of the groups of `diagnoses` (duplicates and
    /// diagnoses without a section are ignored).
    pub fn defaults_for(&self, diagnoses: &[Diagnosis]) -> PlanDocument {
        let mut wanted: Vec<Diagnosis> = diagnoses.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        let merged = wanted
            .iter()
            .filter_map(|d| self.groups.get(d))
            .fold(None::<PlanDocument>, |acc, layer| {
                Some(match acc {
                    None => layer.clone(),
                    Some(acc) => merge_tighter(&acc, layer),
                })
            })
            .unwrap_or_default();
        overlay(&self.common, &merged)
    }
}

fn both_differ<T: PartialEq>(a: Option<T>, b: Option<T>) -> bool {
    matches!((a, b), (Some(x), Some(y)) if x != y)
}

/// The shipped defaults for a citizen with these diagnoses.
pub fn defaults_for(diagnoses: &[Diagnosis]) -> Result<PlanDocument, PlanError> {
    Ok(DefaultPlans::builtin()?.defaults_for(diagnoses))
}

// ------------------------------------------------------------------------------------------
// The resolved plan.
// ------------------------------------------------------------------------------------------

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

/// Resolves a citizen's plan: `overrides` laid over `defaults` (usually
/// [`defaults_for`] of the citizen's diagnoses), completed with the built-in engine settings and
/// level mapping where neither gives them, and validated as a whole.
pub fn resolve(defaults: &PlanDocument, overrides: &PlanDocument) -> Result<TriagePlan, PlanError> {
    overrides.check("")?;
    let doc = overlay(defaults, overrides);
    doc.check("")?;

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

    let d = LevelMapping::default();
    let l = doc.levels;
    let levels = LevelMapping {
        all_green: l.all_green.unwrap_or(d.all_green),
        one_yellow: l.one_yellow.unwrap_or(d.one_yellow),
        two_yellows: l.two_yellows.unwrap_or(d.two_yellows),
        any_red: l.any_red.unwrap_or(d.any_red),
        mas_visit: l.mas_visit.unwrap_or(d.mas_visit),
        acute_bed: l.acute_bed.unwrap_or(d.acute_bed),
        hospital: l.hospital.unwrap_or(d.hospital),
    };
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
            return Err(PlanError::MappingNotMonotone {
                lower,
                lower_level: lower_level.get(),
                higher,
                higher_level: higher_level.get(),
            });
        }
    }

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
    /// The built-in defaults for these diagnoses with no overrides.
    pub fn defaults(diagnoses: &[Diagnosis]) -> Result<TriagePlan, PlanError> {
        resolve(&defaults_for(diagnoses)?, &PlanDocument::default())
    }

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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<PlanDocument, PlanError> {
        parse_plan_document(text, DocumentFormat::Toml)
    }

    fn resolve_over(diagnoses: &[Diagnosis], overrides: &str) -> Result<TriagePlan, PlanError> {
        resolve(&defaults_for(diagnoses)?, &parse(overrides)?)
    }

    fn limits(plan: &TriagePlan, p: Parameter) -> [Option<f64>; 4] {
        let t = &plan.thresholds[&p];
        [t.yellow_low, t.yellow_high, t.red_low, t.red_high]
    }

    #[test]
    fn shipped_defaults_parse_and_every_combination_resolves() {
        let defaults = DefaultPlans::parse(DEFAULTS_TOML, DocumentFormat::Toml).unwrap();
        assert_eq!(defaults.groups.len(), 3);
        assert_eq!(DefaultPlans::builtin().unwrap(), &defaults);

        let copd = TriagePlan::defaults(&[Diagnosis::Copd]).unwrap();
        assert_eq!(
            limits(&copd, Parameter::Spo2),
            [Some(90.0), None, Some(86.0), None]
        );
        assert_eq!(
            copd.schedule[&Parameter::Spo2],
            Schedule {
                every_ms: 24 * MILLIS_PER_HOUR,
                grace_ms: 6 * MILLIS_PER_HOUR
            }
        );
        assert_eq!(copd.levels, LevelMapping::default());
        assert_eq!(copd.engine, EngineSettings::default());
        let ids: Vec<&str> = copd.relative.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["fev1_below_7d_median"]);

        let hf = TriagePlan::defaults(&[Diagnosis::HeartFailure]).unwrap();
        assert_eq!(
            limits(&hf, Parameter::Spo2),
            [Some(92.0), None, Some(88.0), None],
            "common SpO2 without COPD"
        );
        assert_eq!(
            hf.relative[0].kind,
            RelativeKind::Rise { amount: 2.0 },
            "weight up more than 2 kg"
        );
        assert_eq!(hf.relative[0].window_ms, 72 * MILLIS_PER_HOUR);

        let both =
            TriagePlan::defaults(&[Diagnosis::HeartFailure, Diagnosis::Copd, Diagnosis::Copd])
                .unwrap();
        let ids: Vec<&str> = both.relative.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["fev1_below_7d_median", "weight_gain_3d"]);
        assert_eq!(limits(&both, Parameter::Spo2)[0], Some(90.0));
        assert!(both.thresholds.contains_key(&Parameter::SystolicBp));
        assert!(both.schedule.contains_key(&Parameter::Weight));
        assert!(both.schedule.contains_key(&Parameter::Fev1));

        let none = TriagePlan::defaults(&[]).unwrap();
        assert!(none.relative.is_empty());
        assert!(none.thresholds.contains_key(&Parameter::Pulse));
    }

    const TWO_GROUPS: &str = r#"
        [copd.limits.spo2]
        yellow_low = 90
        red_low = 86
        [copd.limits.pulse]
        yellow_high = 110
        [copd.schedule.spo2]
        every_hours = 24
        grace_hours = 6
        [[copd.relative]]
        id = "weight_gain_3d"
        parameter = "weight"
        kind = "rise"
        amount = 2.0
        window_hours = 72

        [heart_failure.limits.spo2]
        yellow_low = 92
        red_low = 85
        [heart_failure.limits.pulse]
        yellow_high = 100
        red_high = 120
        [heart_failure.schedule.spo2]
        every_hours = 12
        grace_hours = 8
        [[heart_failure.relative]]
        id = "weight_gain_3d"
        parameter = "weight"
        kind = "rise"
        amount = 1.5
        window_hours = 48
        colour = "red"
    "#;

    #[test]
    fn several_diagnoses_merge_to_the_tighter_value() {
        let defaults = DefaultPlans::parse(TWO_GROUPS, DocumentFormat::Toml).unwrap();
        let copd = &defaults.groups[&Diagnosis::Copd];
        let hf = &defaults.groups[&Diagnosis::HeartFailure];
        assert_eq!(
            merge_tighter(copd, hf),
            merge_tighter(hf, copd),
            "order-free"
        );

        let doc = defaults.defaults_for(&[Diagnosis::Copd, Diagnosis::HeartFailure]);
        let plan = resolve(&doc, &PlanDocument::default()).unwrap();
        // The higher low limits and the lower high limits.
        assert_eq!(
            limits(&plan, Parameter::Spo2),
            [Some(92.0), None, Some(86.0), None]
        );
        assert_eq!(
            limits(&plan, Parameter::Pulse),
            [None, Some(100.0), None, Some(120.0)]
        );
        assert_eq!(
            plan.schedule[&Parameter::Spo2],
            Schedule {
                every_ms: 12 * MILLIS_PER_HOUR,
                grace_ms: 6 * MILLIS_PER_HOUR
            }
        );
        let rule = &plan.relative[0];
        assert_eq!(rule.kind, RelativeKind::Rise { amount: 1.5 });
        assert_eq!(rule.window_ms, 72 * MILLIS_PER_HOUR);
        assert_eq!(rule.colour, Triage::Red);
    }

    #[test]
    fn groups_must_agree_on_what_a_rule_id_means() {
        let text = r#"
            [[copd.relative]]
            id = "gain"
            parameter = "weight"
            kind = "rise"
            amount = 2.0
            window_hours = 72
            [[diabetes.relative]]
            id = "gain"
            parameter = "blood_glucose"
            kind = "rise"
            amount = 5.0
            window_hours = 72
        "#;
        assert_eq!(
            DefaultPlans::parse(text, DocumentFormat::Toml),
            Err(PlanError::ConflictingRule {
                id: "gain".into(),
                first: "copd",
                second: "diabetes"
            })
        );
    }

    #[test]
    fn a_citizens_override_wins_and_off_removes() {
        let plan = resolve_over(
            &[Diagnosis::Copd, Diagnosis::HeartFailure],
            r#"
            version = 1
            [engine]
            hold_hours = 12
            [limits.spo2]
            yellow_low = 88
            red_low = 84
            [limits.temperature]
            off = true
            [schedule.cat_score]
            off = true
            [schedule.weight]
            grace_hours = 2
            [[relative]]
            id = "fev1_below_7d_median"
            off = true
            [[relative]]
            id = "weight_gain_3d"
            amount = 1.5
            "#,
        )
        .unwrap();
        assert_eq!(plan.engine.hold_ms, 12 * MILLIS_PER_HOUR);
        assert_eq!(
            limits(&plan, Parameter::Spo2),
            [Some(88.0), None, Some(84.0), None],
            "looser than the default, and still wins"
        );
        assert!(!plan.thresholds.contains_key(&Parameter::Temperature));
        assert!(!plan.schedule.contains_key(&Parameter::CatScore));
        assert_eq!(
            plan.schedule[&Parameter::Weight],
            Schedule {
                every_ms: 24 * MILLIS_PER_HOUR,
                grace_ms: 2 * MILLIS_PER_HOUR
            }
        );
        assert_eq!(plan.relative.len(), 1);
        assert_eq!(plan.relative[0].kind, RelativeKind::Rise { amount: 1.5 });
        assert_eq!(plan.relative[0].window_ms, 72 * MILLIS_PER_HOUR);
    }

    #[test]
    fn a_merge_that_leaves_yellow_outside_red_is_refused() {
        // The default yellow_low is 90; a red_low of 91 alone would make yellow unreachable.
        let err = resolve_over(&[Diagnosis::Copd], "[limits.spo2]\nred_low = 91").unwrap_err();
        assert_eq!(
            err,
            PlanError::YellowOutsideRed {
                yellow_field: "limits.spo2.yellow_low".into(),
                yellow: 90.0,
                red_field: "limits.spo2.red_low".into(),
                red: 91.0
            }
        );
        assert!(
            err.to_string().contains("limits.spo2.yellow_low = 90"),
            "{err}"
        );
    }

    #[test]
    fn documents_are_refused_with_clear_errors() {
        let cases: &[(&str, PlanError)] = &[
            (
                "[limits.spo3]\nyellow_low = 90",
                PlanError::UnknownParameter {
                    section: "limits".into(),
                    name: "spo3".into(),
                },
            ),
            (
                "[limits.spo2]\nyellow_low = 85\nred_low = 88",
                PlanError::YellowOutsideRed {
                    yellow_field: "limits.spo2.yellow_low".into(),
                    yellow: 85.0,
                    red_field: "limits.spo2.red_low".into(),
                    red: 88.0,
                },
            ),
            (
                "[limits.pulse]\nyellow_high = 130\nred_high = 120",
                PlanError::YellowOutsideRed {
                    yellow_field: "limits.pulse.yellow_high".into(),
                    yellow: 130.0,
                    red_field: "limits.pulse.red_high".into(),
                    red: 120.0,
                },
            ),
            (
                "[limits.pulse]\nyellow_low = 100\nyellow_high = 90",
                PlanError::LowNotBelowHigh {
                    low_field: "limits.pulse.yellow_low".into(),
                    low: 100.0,
                    high_field: "limits.pulse.yellow_high".into(),
                    high: 90.0,
                },
            ),
            (
                "[schedule.spo2]\nevery_hours = -24",
                PlanError::NotPositive {
                    field: "schedule.spo2.every_hours".into(),
                    value: -24.0,
                },
            ),
            (
                "[schedule.spo2]\nevery_hours = 0",
                PlanError::NotPositive {
                    field: "schedule.spo2.every_hours".into(),
                    value: 0.0,
                },
            ),
            (
                "[schedule.spo2]\nevery_hours = 24\ngrace_hours = -1",
                PlanError::Negative {
                    field: "schedule.spo2.grace_hours".into(),
                    value: -1.0,
                },
            ),
            (
                "[engine]\nlookback_hours = 0",
                PlanError::NotPositive {
                    field: "engine.lookback_hours".into(),
                    value: 0.0,
                },
            ),
            (
                "[limits.spo2]\nyellow_low = nan",
                PlanError::NotFinite {
                    field: "limits.spo2.yellow_low".into(),
                    value: f64::NAN,
                },
            ),
            ("version = 2", PlanError::UnsupportedVersion { found: 2 }),
            (
                "[limits.spo2]\noff = true\nred_low = 80",
                PlanError::OffWithValues {
                    field: "limits.spo2".into(),
                },
            ),
            (
                "[[relative]]\nid = \"w\"\nkind = \"rise\"\npercent = 10",
                PlanError::FieldNotAllowed {
                    field: "relative.w.percent".into(),
                    kind: "rise",
                },
            ),
            (
                "[[relative]]\nid = \"w\"\npercent = 120",
                PlanError::OutOfRange {
                    field: "relative.w.percent".into(),
                    value: 120.0,
                    low: 0.0,
                    high: 100.0,
                },
            ),
            (
                "[[relative]]\nid = \"w\"\ncolour = \"green\"",
                PlanError::GreenRule {
                    field: "relative.w.colour".into(),
                },
            ),
            (
                "[[relative]]\nid = \"Weight gain\"",
                PlanError::BadRuleId {
                    id: "Weight gain".into(),
                },
            ),
            (
                "[[relative]]\nid = \"w\"\n[[relative]]\nid = \"w\"",
                PlanError::DuplicateRule { id: "w".into() },
            ),
            (
                "[[relative]]\nid = \"w\"\nparameter = \"wieght\"",
                PlanError::UnknownParameter {
                    section: "relative.w".into(),
                    name: "wieght".into(),
                },
            ),
        ];
        for (text, want) in cases {
            match (parse(text), want) {
                // NaN != NaN, so compare the field only.
                (
                    Err(PlanError::NotFinite { field, .. }),
                    PlanError::NotFinite { field: want, .. },
                ) => assert_eq!(&field, want),
                (got, want) => assert_eq!(got.as_ref(), Err(want), "{text}"),
            }
        }
        // Typos and out-of-range levels are syntax errors that name the culprit.
        let typo = parse("[limits.spo2]\nyelow_low = 90").unwrap_err();
        assert!(
            matches!(&typo, PlanError::Toml(m) if m.contains("yelow_low")),
            "{typo}"
        );
        let level = parse("[levels]\nany_red = 9").unwrap_err();
        assert!(
            matches!(&level, PlanError::Toml(m) if m.contains("ECM level must be 1 to 6")),
            "{level}"
        );
    }

    #[test]
    fn incomplete_or_inconsistent_plans_do_not_resolve() {
        let missing = resolve_over(
            &[],
            "[[relative]]\nid = \"pulse_rise\"\nparameter = \"pulse\"\nkind = \"rise\"\nwindow_hours = 24",
        );
        assert_eq!(
            missing,
            Err(PlanError::MissingField {
                field: "relative.pulse_rise.amount".into()
            })
        );
        let no_interval = resolve_over(&[], "[schedule.crp]\ngrace_hours = 2");
        assert_eq!(
            no_interval,
            Err(PlanError::MissingField {
                field: "schedule.crp.every_hours".into()
            })
        );
        let mapping = resolve_over(&[], "[levels]\none_yellow = 4\nany_red = 3");
        assert_eq!(
            mapping,
            Err(PlanError::MappingNotMonotone {
                lower: "one_yellow",
                lower_level: 4,
                higher: "two_yellows",
                higher_level: 3
            })
        );
    }

    #[test]
    fn the_module_docs_example_parses_and_resolves() {
        let text = r#"
            version = 1
            [engine]
            hold_hours = 24
            lookback_hours = 72
            mas_visit_hold_hours = 48
            [levels]
            all_green = 1
            one_yellow = 2
            two_yellows = 3
            any_red = 3
            mas_visit = 4
            acute_bed = 5
            hospital = 6
            [limits.spo2]
            yellow_low = 90
            red_low = 86
            [schedule.spo2]
            every_hours = 24
            grace_hours = 6
            [[relative]]
            id = "fev1_below_7d_median"
            parameter = "fev1"
            kind = "below_median"
            percent = 20
            window_hours = 168
            min_readings = 3
            colour = "yellow"
            [[relative]]
            id = "weight_gain_3d"
            parameter = "weight"
            kind = "rise"
            amount = 2.0
            window_hours = 72
            [news2]
            spo2_scale = "scale2"
        "#;
        let doc = parse(text).unwrap();
        let plan = resolve(&PlanDocument::default(), &doc).unwrap();
        assert_eq!(plan.relative.len(), 2);
        assert_eq!(plan.relative[0].min_readings, 3);
        assert_eq!(plan.news2_spo2_scale, SpO2Scale::Scale2);
    }

    #[test]
    fn the_news2_spo2_scale_is_scale_1_unless_a_plan_prescribes_scale_2() {
        // Scale 1 by default, for COPD too: a diagnosis alone does not mean Scale 2.
        for diagnoses in [&[][..], &[Diagnosis::Copd][..], &Diagnosis::ALL[..]] {
            let plan = TriagePlan::defaults(diagnoses).unwrap();
            assert_eq!(plan.news2_spo2_scale, SpO2Scale::Scale1, "{diagnoses:?}");
        }

        // It parses, and a citizen's override wins over the defaults.
        let doc = parse("[news2]\nspo2_scale = \"scale2\"").unwrap();
        assert_eq!(doc.news2.spo2_scale, Some(SpO2Scale::Scale2));
        let plan = resolve_over(&[Diagnosis::Copd], "[news2]\nspo2_scale = \"scale2\"").unwrap();
        assert_eq!(plan.news2_spo2_scale, SpO2Scale::Scale2);
        // ... and back: an override of Scale 1 over a layer that says Scale 2.
        let back = resolve(&doc, &parse("[news2]\nspo2_scale = \"scale1\"").unwrap()).unwrap();
        assert_eq!(back.news2_spo2_scale, SpO2Scale::Scale1);
        // An override without the table inherits it.
        let inherited = resolve(&doc, &parse("[engine]\nhold_hours = 12").unwrap()).unwrap();
        assert_eq!(inherited.news2_spo2_scale, SpO2Scale::Scale2);

        // It round-trips through TOML and JSON, as overrides and as a resolved plan.
        let toml_text = doc.to_toml().unwrap();
        assert!(
            toml_text.contains("[news2]") && toml_text.contains("spo2_scale = \"scale2\""),
            "{toml_text}"
        );
        assert_eq!(parse(&toml_text).unwrap(), doc);
        assert_eq!(
            parse_plan_document(&doc.to_json().unwrap(), DocumentFormat::Json).unwrap(),
            doc
        );
        let snapshot = plan.to_document();
        assert_eq!(snapshot.news2.spo2_scale, Some(SpO2Scale::Scale2));
        assert_eq!(
            resolve(
                &parse(&snapshot.to_toml().unwrap()).unwrap(),
                &PlanDocument::default()
            )
            .unwrap(),
            plan
        );
        // A document without the table writes none.
        assert!(!PlanDocument::default().to_toml().unwrap().contains("news2"));

        // Two diagnosis groups that disagree give Scale 1.
        let text =
            "[copd.news2]\nspo2_scale = \"scale2\"\n[diabetes.news2]\nspo2_scale = \"scale1\"";
        let defaults = DefaultPlans::parse(text, DocumentFormat::Toml).unwrap();
        let both = resolve(
            &defaults.defaults_for(&[Diagnosis::Copd, Diagnosis::Diabetes]),
            &PlanDocument::default(),
        )
        .unwrap();
        assert_eq!(both.news2_spo2_scale, SpO2Scale::Scale1);
        let copd = resolve(
            &defaults.defaults_for(&[Diagnosis::Copd, Diagnosis::HeartFailure]),
            &PlanDocument::default(),
        )
        .unwrap();
        assert_eq!(
            copd.news2_spo2_scale,
            SpO2Scale::Scale2,
            "a group alone keeps its scale"
        );
    }

    #[test]
    fn a_wrong_news2_spo2_scale_is_refused_naming_the_field() {
        for (text, value) in [
            ("[news2]\nspo2_scale = \"scale3\"", "scale3"),
            ("[news2]\nspo2_scale = \"Scale 2\"", "Scale 2"),
            ("[news2]\nspo2_scale = \"2\"", "2"),
        ] {
            let err = parse(text).unwrap_err();
            assert_eq!(
                err,
                PlanError::UnknownValue {
                    field: "news2.spo2_scale".into(),
                    value: value.into(),
                    allowed: "scale1, scale2",
                }
            );
            assert!(
                err.to_string().contains("news2.spo2_scale")
                    && err.to_string().contains("scale1, scale2"),
                "{err}"
            );
        }
        let json = parse_plan_document(
            r#"{"news2": {"spo2_scale": "scale9"}}"#,
            DocumentFormat::Json,
        );
        assert!(
            matches!(&json, Err(PlanError::UnknownValue { field, .. }) if field == "news2.spo2_scale"),
            "{json:?}"
        );
        // In the defaults file the field is named with its section.
        let defaults = DefaultPlans::parse(
            "[copd.news2]\nspo2_scale = \"scale0\"",
            DocumentFormat::Toml,
        );
        assert!(
            matches!(&defaults, Err(PlanError::UnknownValue { field, .. }) if field == "copd.news2.spo2_scale"),
            "{defaults:?}"
        );
        // A number, or a misspelt key, is a syntax error that names the culprit.
        let number = parse("[news2]\nspo2_scale = 2").unwrap_err();
        assert!(
            matches!(&number, PlanError::Toml(m) if m.contains("spo2_scale")),
            "{number}"
        );
        let typo = parse("[news2]\nspo2scale = \"scale2\"").unwrap_err();
        assert!(
            matches!(&typo, PlanError::Toml(m) if m.contains("spo2scale")),
            "{typo}"
        );
    }

    #[test]
    fn resolved_plans_round_trip_through_toml_and_json() {
        let all = Diagnosis::ALL;
        for mask in 0u32..8 {
            let diagnoses: Vec<Diagnosis> = all
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, d)| *d)
                .collect();
            let plan = TriagePlan::defaults(&diagnoses).unwrap();
            let doc = plan.to_document();
            let toml_text = doc.to_toml().unwrap();
            let from_toml = parse(&toml_text).unwrap();
            assert_eq!(from_toml, doc, "{toml_text}");
            assert_eq!(resolve(&from_toml, &PlanDocument::default()).unwrap(), plan);
            let json = doc.to_json().unwrap();
            assert_eq!(
                parse_plan_document(&json, DocumentFormat::Json).unwrap(),
                doc
            );
        }
        let text = TriagePlan::defaults(&[Diagnosis::Copd])
            .unwrap()
            .to_document()
            .to_toml()
            .unwrap();
        assert!(text.contains("[limits.spo2]"), "{text}");
        assert!(text.contains("[[relative]]"), "{text}");
    }

    #[test]
    fn json_documents_are_accepted() {
        let doc = parse_plan_document(
            r#"{"limits": {"spo2": {"yellow_low": 88, "red_low": 85}}}"#,
            DocumentFormat::Json,
        )
        .unwrap();
        assert_eq!(doc.limits[&Parameter::Spo2].red_low, Some(85.0));
        assert!(matches!(
            parse_plan_document("{", DocumentFormat::Json),
            Err(PlanError::Json(_))
        ));
    }
}
