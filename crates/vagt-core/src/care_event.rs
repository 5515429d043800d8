//! Care events: where the citizen is being cared for, as the backend (or later a nurse) reports
//! it. An event sets a floor under the suggested ECM level (see [`crate::ecm_engine`]).

use crate::citizen::CitizenId;
use crate::reading::SourceRef;
use crate::time_util::Timestamp;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// What the backend or a nurse reports about where the citizen is being cared for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum CareEventKind {
    /// A MAS acute nurse treats the citizen at home.
    MasVisit,
    /// Admitted to a municipal acute bed.
    AcuteBedAdmission,
    /// Admitted to hospital.
    HospitalAdmission,
    /// Discharged / episode closed: back to readings-based levels.
    Discharge,
}

impl CareEventKind {
    pub const ALL: [CareEventKind; 4] = [
        CareEventKind::MasVisit,
        CareEventKind::AcuteBedAdmission,
        CareEventKind::HospitalAdmission,
        CareEventKind::Discharge,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            CareEventKind::MasVisit => "mas_visit",
            CareEventKind::AcuteBedAdmission => "acute_bed_admission",
            CareEventKind::HospitalAdmission => "hospital_admission",
            CareEventKind::Discharge => "discharge",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown care event kind {0:?}; known: mas_visit, acute_bed_admission, hospital_admission, discharge"
)]
pub struct UnknownCareEventKind(pub String);

impl FromStr for CareEventKind {
    type Err = UnknownCareEventKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CareEventKind::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| UnknownCareEventKind(s.to_owned()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareEvent {
    pub kind: CareEventKind,
    pub at: Timestamp,
    /// Stable id of the event: [`CareEvent::key_of`] its source record (an Encounter's
    /// version), or e.g. a dispatch id.
    pub key: String,
}

impl CareEvent {
    /// The key of the event of `kind` that version `source.version` of the record `source.id`
    /// gives: `{id}#{kind}#{version}`. One record may give two events (an admission and its
    /// discharge), so the kind is part of the key.
    pub fn key_of(source: &SourceRef, kind: CareEventKind) -> String {
        format!("{}#{}#{}", source.id, kind.code(), source.version)
    }
}

/// What one version of a source record (a FHIR Encounter) says about a citizen's care events,
/// as an edge hands it to the store. A newer version of a record replaces what older versions
/// said; an older version arriving late changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "update", rename_all = "snake_case")]
pub enum CareEventUpdate {
    /// The events this version gives: a MAS visit, or an admission and, once it is over, its
    /// discharge. Each event's key is [`CareEvent::key_of`] `source`.
    Events {
        source: SourceRef,
        citizen_id: CitizenId,
        events: Vec<CareEvent>,
    },
    /// This version gives no event (planned, cancelled, or a contact that sets no level), so
    /// what older versions gave no longer counts.
    NoEvents { source: SourceRef },
    /// The record was entered in error: every event it ever gave is retracted.
    Retracted { source: SourceRef },
}

impl CareEventUpdate {
    pub fn source(&self) -> &SourceRef {
        match self {
            CareEventUpdate::Events { source, .. }
            | CareEventUpdate::NoEvents { source }
            | CareEventUpdate::Retracted { source } => source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_from_their_codes_and_keys_name_record_kind_and_version() {
        for kind in CareEventKind::ALL {
            assert_eq!(kind.code().parse::<CareEventKind>(), Ok(kind));
        }
        assert!("admission".parse::<CareEventKind>().is_err());
        let source = SourceRef {
            id: "https://x/fhir|Encounter/7".into(),
            version: "2".into(),
        };
        let admission = CareEvent::key_of(&source, CareEventKind::HospitalAdmission);
        let discharge = CareEvent::key_of(&source, CareEventKind::Discharge);
        assert_eq!(admission, "https://x/fhir|Encounter/7#hospital_admission#2");
        assert_ne!(admission, discharge, "one record's two events keep apart");
    }
}
