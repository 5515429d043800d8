//! What a nurse records at one station that every other station must get: the records that
//! travel to the backend through the outbox. Domain records only; `vagt-fhir` turns each into
//! the FHIR resource that carries it, and reads it back from that resource at every station.

use crate::alarm::AlarmAcknowledgement;
use crate::call::CallRecord;
use crate::citizen::CitizenId;
use crate::dispatch::DispatchRecord;
use crate::ecm::EcmLevel;
use crate::handover::{HandoverNote, HandoverSignoff};
use crate::person::{CallLink, NewPerson};
use crate::time_util::Timestamp;
use crate::visit::VisitRecord;
use serde::{Deserialize, Serialize};

/// A revision of a citizen's triage plan, as it travels: the whole overrides document, who
/// changed it and why, and the revisions it was made on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRevisionRecord {
    pub citizen_id: CitizenId,
    /// Stable across stations (a `urn:uuid:`).
    pub key: String,
    /// The revisions the nurse saw when she made this one (none for a first revision).
    pub bases: Vec<String>,
    /// 1 + the highest revision number among the bases: two revisions made on the same base
    /// share a number.
    pub revision: i64,
    /// The citizen's overrides (TOML).
    pub document: String,
    pub changed_at: Timestamp,
    pub changed_by: String,
    pub reason: String,
}

/// The names of the settings the whole clinic shares.
pub const ESCALATION_POLICY: &str = "escalation_policy";

/// A change of a setting the whole clinic shares (the escalation policy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedSettingRecord {
    pub key: String,
    /// E.g. [`ESCALATION_POLICY`].
    pub name: String,
    /// The value as JSON text.
    pub value: String,
    pub changed_at: Timestamp,
    pub changed_by: String,
}

/// A nurse's decision on a citizen's confirmed ECM level, as it travels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelDecisionRecord {
    pub citizen_id: CitizenId,
    /// The decision's stable key (also the record's entity id).
    pub key: String,
    pub level: EcmLevel,
    pub nurse: String,
    pub at: Timestamp,
    pub reason: String,
}

/// One record on its way to the backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outbound {
    /// A nurse acknowledged an alarm: every station closes it.
    AlarmAck {
        citizen_id: CitizenId,
        ack: AlarmAcknowledgement,
    },
    /// A nurse set the citizen's confirmed ECM level, with her reason.
    ConfirmedLevel(LevelDecisionRecord),
    /// A nurse changed the citizen's triage plan, with her reason.
    PlanRevision(PlanRevisionRecord),
    /// Someone changed a setting the whole clinic shares.
    SharedSetting(SharedSettingRecord),
    /// A nurse logged a telephone call.
    Call(Box<CallRecord>),
    /// A nurse requested or moved on a MAS dispatch: the dispatch with every step this station
    /// held then, the new step last (the push merges it with what the backend holds).
    Dispatch(Box<DispatchRecord>),
    /// A MAS nurse recorded a visit in the citizen's home.
    Visit(Box<VisitRecord>),
    /// A nurse added a person the MAS function serves who is not enrolled: goes to the backend
    /// as a Patient, before anything made for them (the outbox keeps its order).
    Person(PersonRecord),
    /// A nurse tied an unknown caller's call to a citizen.
    CallLink(CallLink),
    /// A nurse's severity or contingency note on a citizen in the handover.
    HandoverNote(HandoverNote),
    /// The receiving nurse signed a shift's handover.
    HandoverSignoff(HandoverSignoff),
}

/// A person added at a station, as it travels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRecord {
    pub citizen_id: CitizenId,
    pub person: NewPerson,
    pub added_by: String,
    pub added_at: Timestamp,
}

impl Outbound {
    /// The outbox's `kind` column.
    pub const fn kind(&self) -> &'static str {
        match self {
            Outbound::AlarmAck { .. } => "alarm_ack",
            Outbound::ConfirmedLevel(_) => "confirmed_level",
            Outbound::PlanRevision(_) => "plan_revision",
            Outbound::SharedSetting(_) => "shared_setting",
            Outbound::Call(_) => "call",
            Outbound::Dispatch(_) => "dispatch",
            Outbound::Visit(_) => "visit",
            Outbound::Person(_) => "person",
            Outbound::CallLink(_) => "call_link",
            Outbound::HandoverNote(_) => "handover_note",
            Outbound::HandoverSignoff(_) => "handover_signoff",
        }
    }

    /// What the record is about: the alarm acknowledged, the dispatch, or the record's own key.
    pub fn entity_id(&self) -> &str {
        match self {
            Outbound::AlarmAck { ack, .. } => &ack.alarm_id,
            Outbound::Dispatch(d) => &d.key,
            Outbound::Person(p) => p.citizen_id.as_str(),
            _ => self.key().unwrap_or_default(),
        }
    }

    /// The record's own stable key, when it has one: it goes to the backend as the resource's
    /// identifier, so every station reads the record back as the same one. A dispatch is
    /// edited, so each of its outbox items is keyed by the step it was queued for (the last); the dispatch's own key
    /// ([`Outbound::entity_id`]) is its identifier on the backend.
    pub fn key(&self) -> Option<&str> {
        match self {
            Outbound::AlarmAck { .. } => None,
            Outbound::ConfirmedLevel(d) => Some(&d.key),
            Outbound::PlanRevision(r) => Some(&r.key),
            Outbound::SharedSetting(s) => Some(&s.key),
            Outbound::Call(c) => Some(&c.key),
            Outbound::Dispatch(d) => d.steps.last().map(|s| s.key.as_str()),
            Outbound::Visit(v) => Some(&v.key),
            // A person goes to the backend under their CPR number, not a key of Vagt's.
            Outbound::Person(_) => None,
            Outbound::CallLink(l) => Some(&l.key),
            Outbound::HandoverNote(n) => Some(&n.key),
            Outbound::HandoverSignoff(s) => Some(&s.key),
        }
    }

    /// The citizen the record is about; none for a clinic-wide setting.
    pub fn citizen_id(&self) -> Option<&CitizenId> {
        match self {
            Outbound::AlarmAck { citizen_id, .. } => Some(citizen_id),
            Outbound::ConfirmedLevel(d) => Some(&d.citizen_id),
            Outbound::PlanRevision(r) => Some(&r.citizen_id),
            Outbound::SharedSetting(_) => None,
            Outbound::Call(c) => c.citizen_id.as_ref(),
            Outbound::Dispatch(d) => Some(&d.citizen_id),
            Outbound::Visit(v) => Some(&v.citizen_id),
            Outbound::Person(p) => Some(&p.citizen_id),
            Outbound::CallLink(l) => Some(&l.citizen_id),
            Outbound::HandoverNote(n) => Some(&n.citizen_id),
            // A sign-off is about the whole handover.
            Outbound::HandoverSignoff(_) => None,
        }
    }
}
