//! What a nurse records at one station that every other station must get: the records that
//! travel to the backend through the outbox. Domain records only; `vagt-fhir` turns each into
//! the FHIR resource that carries it.

use crate::alarm::AlarmAcknowledgement;
use crate::citizen::CitizenId;
use crate::ecm::EcmLevel;
use crate::time_util::Timestamp;
use serde::{Deserialize, Serialize};

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
    ConfirmedLevel {
        citizen_id: CitizenId,
        /// The decision's stable key (also the record's entity id).
        key: String,
        level: EcmLevel,
        nurse: String,
        at: Timestamp,
        reason: String,
    },
}

impl Outbound {
    /// The outbox's `kind` column.
    pub const fn kind(&self) -> &'static str {
        match self {
            Outbound::AlarmAck { .. } => "alarm_ack",
            Outbound::ConfirmedLevel { .. } => "confirmed_level",
        }
    }

    /// What the record is about: the alarm acknowledged, or the decision's key.
    pub fn entity_id(&self) -> &str {
        match self {
            Outbound::AlarmAck { ack, .. } => &ack.alarm_id,
            Outbound::ConfirmedLevel { key, .. } => key,
        }
    }

    pub fn citizen_id(&self) -> &CitizenId {
        match self {
            Outbound::AlarmAck { citizen_id, .. } | Outbound::ConfirmedLevel { citizen_id, .. } => {
                citizen_id
            }
        }
    }
}
