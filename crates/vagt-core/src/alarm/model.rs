//! What an alarm is: its kind, priority, state and cause, and how its id is derived.

use crate::citizen::CitizenId;
use crate::ecm::{EcmLevel, LevelSource};
use crate::ecm_engine::LevelTrigger;
use crate::parameter::Parameter;
use crate::time_util::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum AlarmKind {
    LevelRise,
    LevelFall,
    SuggestionDiffers,
    MissedMeasurement,
    RejectedReading,
    /// Two nurses changed the citizen's plan from the same revision (offline, at two
    /// stations): a nurse settles which applies.
    PlanConflict,
    /// Two stations set a field of a MAS dispatch differently (its state, its nurse, its
    /// urgency): a nurse settles which applies.
    DispatchConflict,
    /// A nurse promised a call-back and its time has come; the next call to the citizen ends it.
    FollowUpDue,
}

impl AlarmKind {
    pub const fn code(self) -> &'static str {
        match self {
            AlarmKind::LevelRise => "level_rise",
            AlarmKind::LevelFall => "level_fall",
            AlarmKind::SuggestionDiffers => "suggestion_differs",
            AlarmKind::MissedMeasurement => "missed_measurement",
            AlarmKind::RejectedReading => "rejected_reading",
            AlarmKind::PlanConflict => "plan_conflict",
            AlarmKind::DispatchConflict => "dispatch_conflict",
            AlarmKind::FollowUpDue => "follow_up_due",
        }
    }

    pub const ALL: [AlarmKind; 8] = [
        AlarmKind::LevelRise,
        AlarmKind::LevelFall,
        AlarmKind::SuggestionDiffers,
        AlarmKind::MissedMeasurement,
        AlarmKind::RejectedReading,
        AlarmKind::PlanConflict,
        AlarmKind::DispatchConflict,
        AlarmKind::FollowUpDue,
    ];
}

impl std::str::FromStr for AlarmKind {
    type Err = String;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        AlarmKind::ALL
            .into_iter()
            .find(|k| k.code() == code)
            .ok_or_else(|| format!("unknown alarm kind {code:?}"))
    }
}

/// Whether an alarm still waits for a nurse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum AlarmState {
    Open,
    Acknowledged,
    /// Its condition ended before anyone acknowledged it (see [`ResolvedReason`]).
    Resolved,
}

impl AlarmState {
    pub const fn code(self) -> &'static str {
        match self {
            AlarmState::Open => "open",
            AlarmState::Acknowledged => "acknowledged",
            AlarmState::Resolved => "resolved",
        }
    }
}

impl std::str::FromStr for AlarmState {
    type Err = String;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        [
            AlarmState::Open,
            AlarmState::Acknowledged,
            AlarmState::Resolved,
        ]
        .into_iter()
        .find(|k| k.code() == code)
        .ok_or_else(|| format!("unknown alarm state {code:?}"))
    }
}

/// Why an unacknowledged alarm ended by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ResolvedReason {
    /// The missing measurement arrived.
    Measured,
    /// A newer alarm of the same condition took its place (a later due time, a higher
    /// priority).
    Superseded,
    /// The change is older than the horizon: history now.
    Expired,
    /// The data no longer shows it (a reading entered in error, a late reading that changed
    /// the course).
    Withdrawn,
    /// A nurse decided the matter elsewhere (a rejected input, a plan conflict settled).
    Decided,
    /// Its condition is no alarm any more (a "suggestion differs" of an older Vagt).
    Cleared,
}

impl ResolvedReason {
    pub const ALL: [ResolvedReason; 6] = [
        ResolvedReason::Measured,
        ResolvedReason::Superseded,
        ResolvedReason::Expired,
        ResolvedReason::Withdrawn,
        ResolvedReason::Decided,
        ResolvedReason::Cleared,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            ResolvedReason::Measured => "measured",
            ResolvedReason::Superseded => "superseded",
            ResolvedReason::Expired => "expired",
            ResolvedReason::Withdrawn => "withdrawn",
            ResolvedReason::Decided => "decided",
            ResolvedReason::Cleared => "cleared",
        }
    }
}

impl std::str::FromStr for ResolvedReason {
    type Err = String;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        ResolvedReason::ALL
            .into_iter()
            .find(|r| r.code() == code)
            .ok_or_else(|| format!("unknown resolved reason {code:?}"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum AlarmPriority {
    Info,
    Low,
    Medium,
    High,
}

impl AlarmPriority {
    pub const fn code(self) -> &'static str {
        match self {
            AlarmPriority::Info => "info",
            AlarmPriority::Low => "low",
            AlarmPriority::Medium => "medium",
            AlarmPriority::High => "high",
        }
    }
}

impl std::str::FromStr for AlarmPriority {
    type Err = String;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        [
            AlarmPriority::Info,
            AlarmPriority::Low,
            AlarmPriority::Medium,
            AlarmPriority::High,
        ]
        .into_iter()
        .find(|p| p.code() == code)
        .ok_or_else(|| format!("unknown alarm priority {code:?}"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    /// Deterministic from the cause, so two stations computing the same alarm share it.
    pub id: String,
    pub citizen_id: CitizenId,
    pub kind: AlarmKind,
    pub priority: AlarmPriority,
    /// When the cause happened, from the data (not the clock of the station that computed it).
    pub raised_at: Timestamp,
    /// Codes and values only; the UI words it in the nurse's language.
    pub cause: AlarmCause,
    pub acknowledged: Option<Acknowledgement>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Acknowledgement {
    pub by: String,
    pub at: Timestamp,
    pub comment: Option<String>,
}
/// The code system of what Vagt itself records at the backend (alarm acknowledgements as FHIR
/// Tasks, confirmed levels as ClinicalImpressions).
pub const VAGT_CODE_SYSTEM: &str = "urn:dk:naerklinikken:vagt";
/// The code of an alarm acknowledgement in [`VAGT_CODE_SYSTEM`].
pub const ALARM_ACK_CODE: &str = "alarm-ack";
/// The identifier system of alarm ids (an acknowledgement's focus).
pub const ALARM_ID_SYSTEM: &str = "urn:dk:naerklinikken:vagt:alarm";

/// An acknowledgement, as it travels between stations through the backend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlarmAcknowledgement {
    pub alarm_id: String,
    pub nurse: String,
    pub at: Timestamp,
    pub comment: Option<String>,
}

/// A nurse setting the citizen's confirmed level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelDecision {
    /// Stable id of the decision record (it travels through the outbox with this id).
    pub key: String,
    pub nurse: String,
    pub at: Timestamp,
    /// The confirmed level before this decision.
    pub from: Option<EcmLevel>,
    pub to: EcmLevel,
}

/// An input the edge refused (see [`crate::reading::RejectReason`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedInput {
    /// Stable across stations, e.g. the source `id#version` or a hash of the raw input.
    pub fingerprint: String,
    /// [`crate::reading::RejectReason::code`], e.g. `implausible_value`.
    pub reason: String,
    pub parameter: Option<Parameter>,
    pub received_at: Timestamp,
}

/// What caused an alarm: codes and values only, JSON-able; the UI words it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AlarmCause {
    /// The suggested level changed (from readings or a care event).
    SuggestedChange {
        source: LevelSource,
        from: Option<EcmLevel>,
        to: EcmLevel,
        /// The data instant of the change.
        at: Timestamp,
        trigger: Option<LevelTrigger>,
    },
    /// A nurse changed the confirmed level.
    ConfirmedChange {
        from: Option<EcmLevel>,
        to: EcmLevel,
        at: Timestamp,
        decision_key: String,
        nurse: String,
    },
    SuggestionDiffers {
        suggested: EcmLevel,
        suggested_since: Option<Timestamp>,
        confirmed: Option<EcmLevel>,
        decision_key: Option<String>,
    },
    MissedMeasurement {
        parameter: Parameter,
        last_at: Timestamp,
        due_at: Timestamp,
        grace_ms: i64,
    },
    RejectedReading {
        fingerprint: String,
        reason: String,
        parameter: Option<Parameter>,
    },
    /// The citizen's plan has more than one newest revision; `revisions` are their keys,
    /// sorted, with who made each.
    PlanConflict { revisions: Vec<PlanHead> },
    /// A MAS dispatch has fields two stations set differently; `steps` are the conflicting
    /// steps' keys, sorted.
    DispatchConflict {
        dispatch_key: String,
        fields: Vec<crate::dispatch::DispatchField>,
        steps: Vec<String>,
    },
    /// A call-back promised in the call `call_key` is due.
    FollowUpDue {
        call_key: String,
        due_at: Timestamp,
        nurse: String,
    },
}

/// A call-back a nurse promised in a call, not yet made: no later call to or from the citizen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub call_key: String,
    pub due_at: Timestamp,
    /// Who promised it.
    pub nurse: String,
}

/// A dispatch of the citizen's whose edits conflict, as its alarm names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispatchInConflict {
    pub dispatch_key: String,
    pub fields: Vec<crate::dispatch::DispatchField>,
    /// The conflicting steps' keys.
    pub steps: Vec<String>,
    /// The latest conflicting step.
    pub at: Timestamp,
}

impl DispatchInConflict {
    /// The conflict in a dispatch, if it has one.
    pub fn of(dispatch: &crate::dispatch::Dispatch) -> Option<Self> {
        let versions = dispatch.conflicts.iter().flat_map(|c| &c.versions);
        let at = versions.clone().map(|v| v.at).max()?;
        let mut steps: Vec<String> = versions.map(|v| v.step.clone()).collect();
        steps.sort();
        steps.dedup();
        Some(DispatchInConflict {
            dispatch_key: dispatch.key.clone(),
            fields: dispatch.conflicts.iter().map(|c| c.field).collect(),
            steps,
            at,
        })
    }
}

/// One of the newest revisions of a citizen's plan, as a conflict names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
pub struct PlanHead {
    pub key: String,
    pub changed_by: String,
    pub changed_at: Timestamp,
}

/// The deterministic id of an alarm: lowercase hex SHA-256 over a version tag, the citizen, the
/// kind, and the cause's identifying parts, each length-prefixed so no two part lists collide.
pub fn alarm_id(citizen_id: &CitizenId, kind: AlarmKind, parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    let mut field = |s: &str| {
        hasher.update((s.len() as u64).to_be_bytes());
        hasher.update(s.as_bytes());
    };
    field("vagt-alarm-v1");
    field(citizen_id.as_str());
    field(kind.code());
    for part in parts {
        field(part);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
