//! What the engine reads and what it says: readings, findings, evaluations and transitions.

use crate::care_event::{CareEvent, CareEventKind};
use crate::ecm::{EcmLevel, LevelSource};
use crate::limits::{LimitKind, Triage};
use crate::parameter::Parameter;
use crate::plan::RelativeKindCode;
use crate::reading::{Reading, SourceRef};
use crate::time_util::Timestamp;
use serde::{Deserialize, Serialize};

/// The engine's view of a reading: the canonical value at its effective time, and a key that
/// names it stably across stations (`source_id#version`, see [`EngineReading::key_of`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineReading {
    pub parameter: Parameter,
    /// In `parameter.canonical_unit()`.
    pub value: f64,
    pub effective_at: Timestamp,
    pub key: String,
}

impl EngineReading {
    pub fn new(
        parameter: Parameter,
        value: f64,
        effective_at: Timestamp,
        key: impl Into<String>,
    ) -> Self {
        EngineReading {
            parameter,
            value,
            effective_at,
            key: key.into(),
        }
    }

    /// `source_id#version`.
    pub fn key_of(source: &SourceRef) -> String {
        format!("{}#{}", source.id, source.version)
    }
}

impl From<&Reading> for EngineReading {
    fn from(r: &Reading) -> Self {
        EngineReading {
            parameter: r.parameter,
            value: r.value,
            effective_at: r.effective_at,
            key: EngineReading::key_of(&r.source),
        }
    }
}

/// Which rule of the plan produced a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FindingRule {
    Limit { limit: LimitKind },
    Relative { id: String, kind: RelativeKindCode },
}

/// One reading outside the green: which reading, its value, the rule and the limit it crossed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Finding {
    pub parameter: Parameter,
    pub reading_key: String,
    pub reading_at: Timestamp,
    pub value: f64,
    pub triage: Triage,
    pub rule: FindingRule,
    /// The value the reading crossed: the limit, or for a relative rule the computed bound
    /// (e.g. 80 % of the median).
    pub limit: f64,
    /// For relative rules: the median (or the lowest / highest reading) of the window.
    pub baseline: Option<f64>,
}

/// Which line of the [`LevelMapping`] gave the readings level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum LevelRule {
    AllGreen,
    OneYellow,
    TwoYellows,
    AnyRed,
}

impl LevelRule {
    pub const fn code(self) -> &'static str {
        match self {
            LevelRule::AllGreen => "all_green",
            LevelRule::OneYellow => "one_yellow",
            LevelRule::TwoYellows => "two_yellows",
            LevelRule::AnyRed => "any_red",
        }
    }
}

/// Why the suggested level changed at an instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "trigger", rename_all = "snake_case")]
pub enum LevelTrigger {
    /// A reading at that instant crossed a limit or rule (a rise). The finding is the most
    /// severe one of the readings taken at that instant.
    Reading { finding: Option<Finding> },
    /// The readings improved and the hold window has passed (a fall).
    ReadingsImproved,
    /// An event set the level (admission, MAS visit, transfer).
    Event { kind: CareEventKind, key: String },
    /// The event's floor ended: by a discharge (`ended_by`), or a MAS visit's hold lapsing.
    EventEnded {
        kind: CareEventKind,
        key: String,
        ended_by: Option<String>,
    },
}

/// The last change of the suggested level at or before the evaluation's instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelChange {
    pub at: Timestamp,
    /// The level just before `at`.
    pub from: EcmLevel,
    pub trigger: LevelTrigger,
}

/// The readings part of an evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadingsBasis {
    /// The highest instantaneous level over the hold window.
    pub level: EcmLevel,
    /// The instantaneous level now; lower than `level` while a fall is held back.
    pub current: EcmLevel,
    /// The mapping line at `as_of`.
    pub rule: LevelRule,
    /// The latest instant in the hold window at which `level` held; `None` without data.
    pub as_of: Option<Timestamp>,
    /// When `level` will fall if no new reading keeps it up; `None` when not held.
    pub held_until: Option<Timestamp>,
    /// The yellow and red findings at `as_of`, most severe (then newest) first.
    pub findings: Vec<Finding>,
}

/// The suggested level at an instant, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub at: Timestamp,
    pub level: EcmLevel,
    /// [`LevelSource::Suggested`] from readings, or [`LevelSource::Event`] from a care event.
    pub source: LevelSource,
    /// `None` when the level has never changed (no data, or only green data).
    pub change: Option<LevelChange>,
    pub readings: ReadingsBasis,
    /// The event whose floor is in force, if any.
    pub event: Option<CareEvent>,
}

impl Evaluation {
    /// Since when the suggested level has had this value.
    pub fn since(&self) -> Option<Timestamp> {
        self.change.as_ref().map(|c| c.at)
    }

    /// The most severe, newest finding behind the readings level.
    pub fn primary_finding(&self) -> Option<&Finding> {
        self.readings.findings.first()
    }
}

/// A change of the suggested level in a replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    pub at: Timestamp,
    /// `None` for the first entry of a replay.
    pub from: Option<EcmLevel>,
    pub to: EcmLevel,
    /// The evaluation at `at`; equal to [`Timeline::evaluate`] at that instant.
    pub evaluation: Evaluation,
}

/// The suggested level at the effective time of one reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadingLevel {
    pub key: String,
    pub parameter: Parameter,
    pub effective_at: Timestamp,
    pub level: EcmLevel,
}
