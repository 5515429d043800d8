//! Encounter → care events: a MAS acute nurse's visit, an admission to a municipal acute bed or
//! to hospital, and a discharge. They set a floor under the citizen's suggested ECM level (see
//! [`vagt_core::ecm_engine`]).
//!
//! Decisions, each one place:
//! - **Class.** `Encounter.class` in HL7 v3 ActCode (`http://terminology.hl7.org/CodeSystem/
//!   v3-ActCode`, or the pre-R4 `http://hl7.org/fhir/v3/ActCode`):
//!   - `HH` (home health): a MAS visit at `period.start`;
//!   - `IMP` (inpatient) or `ACUTE` (inpatient acute): a hospital admission at `period.start`;
//!   - `AMB`, `EMER`, `FLD`, `NONAC`, `OBSENC`, `PRENC`, `SS`, `VR`: contacts that set no level
//!     (an outpatient visit, a video call, …): the version gives no event, as when planned;
//!   - anything else, or another code system: rejected (`unknown_encounter_class`), since
//!     whether the citizen was visited, admitted or neither is for a human to judge.
//! - **Municipal acute bed.** Told apart from a hospital by the clinic's own code
//!   [`ACUTE_BED_CODE`] (`acute-bed`) in [`VAGT_CODE_SYSTEM`] (`urn:dk:naerklinikken:vagt`), in
//!   `Encounter.type` or `Encounter.serviceType`, on an inpatient class (`IMP`, `ACUTE` or
//!   `NONAC`): an acute-bed admission at `period.start`. The code on any other class
//!   contradicts it and is rejected.
//! - **Status.** `arrived`, `triaged`, `in-progress` and `onleave` (a patient on leave is still
//!   admitted) give the visit or admission; `finished` gives it too, and an admission that is
//!   finished also gives a discharge at `period.end` (required: without it the floor would
//!   never end). `planned` and `cancelled` give no event: nothing happened (yet), and a new
//!   version replaces what an earlier one gave, so a cancelled admission no longer counts.
//!   `entered-in-error` retracts every event the encounter ever gave. `unknown` or no status is
//!   rejected.
//! - **Time.** `period.start` (and a discharge's `period.end`) must name an instant, as an
//!   Observation's effective time must; an end before the start is rejected, and so is a start
//!   or end more than [`CLOCK_SKEW_TOLERANCE_MS`] after the time the encounter was received
//!   (`from_the_future`): a future admission would raise the level before it happens.
//! - **Source.** `{base}|Encounter/{id}`, versioned like an Observation (`meta.versionId`, else
//!   `meta.lastUpdated`, else `"1"`); each event's key is [`CareEvent::key_of`] that source.

use crate::codes::system;
use crate::error::Rejected;
use crate::observation::{date_time, version_of};
use crate::reference::resolve_subject;
use crate::types::{CodeableConcept, Encounter, non_empty, view};
use serde_json::Value;
use vagt_core::alarm::VAGT_CODE_SYSTEM;
use vagt_core::reading::CLOCK_SKEW_TOLERANCE_MS;
use vagt_core::{
    CareEvent, CareEventKind, CareEventUpdate, CitizenId, RejectReason, SourceRef, Timestamp,
};

const TYPE: &str = "Encounter";

/// The code, in [`VAGT_CODE_SYSTEM`], that marks an inpatient encounter as a stay in a
/// municipal acute bed (kommunal akutplads) rather than in hospital.
pub const ACUTE_BED_CODE: &str = "acute-bed";

/// HL7 v3 encounter classes that set no level: the version gives no event.
const CLASSES_WITHOUT_EVENT: [&str; 7] = ["AMB", "EMER", "FLD", "OBSENC", "PRENC", "SS", "VR"];

/// What the class (and the acute-bed code) says the encounter was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Care {
    MasVisit,
    Admission(CareEventKind),
    /// A contact that sets no level.
    NoEvent,
}

/// Maps one Encounter (raw JSON, e.g. a bundle entry's resource) to the care events this
/// version of it gives.
///
/// `base` and `citizen_for` work as for [`crate::map_observation`]; `received_at` is when the
/// encounter arrived, against which a start in the future is judged.
pub fn map_encounter(
    resource: &Value,
    base: &str,
    citizen_for: &dyn Fn(&str) -> Option<CitizenId>,
    received_at: Timestamp,
) -> Result<CareEventUpdate, Rejected> {
    let encounter: Encounter = view(resource, Some(base))?;
    let Some(id) = non_empty(encounter.id.as_deref()) else {
        return Err(Rejected::malformed("Encounter has no id", Some(TYPE), None));
    };
    let source = SourceRef {
        id: format!("{base}|{TYPE}/{id}"),
        version: version_of(encounter.meta.as_ref()),
    };
    let source_id = source.id.clone();
    let reject = |reason: RejectReason| Rejected::new(reason, Some(TYPE), Some(source_id.clone()));

    let finished = match non_empty(encounter.status.as_deref()) {
        Some("entered-in-error") => return Ok(CareEventUpdate::Retracted { source }),
        Some("planned" | "cancelled") => return Ok(CareEventUpdate::NoEvents { source }),
        Some("arrived" | "triaged" | "in-progress" | "onleave") => false,
        Some("finished") => true,
        Some(other) => {
            return Err(reject(RejectReason::Malformed(format!(
                "Encounter status {other:?} does not say whether the care took place"
            ))));
        }
        None => {
            return Err(reject(RejectReason::Malformed(
                "Encounter has no status".into(),
            )));
        }
    };

    let care = care_of(&encounter).map_err(reject)?;
    let first_kind = match care {
        Care::NoEvent => return Ok(CareEventUpdate::NoEvents { source }),
        Care::MasVisit => CareEventKind::MasVisit,
        Care::Admission(kind) => kind,
    };
    let citizen_id =
        resolve_subject(encounter.subject.as_ref(), citizen_for, TYPE).map_err(reject)?;
    let period = encounter.period.unwrap_or_default();
    let start_text = non_empty(period.start.as_deref()).ok_or_else(|| {
        reject(RejectReason::Malformed(
            "Encounter has no period.start: Vagt cannot tell when the care began".into(),
        ))
    })?;
    let start = date_time(start_text, "period.start").map_err(reject)?;
    not_after(start, received_at).map_err(reject)?;

    let event = |kind: CareEventKind, at: Timestamp| CareEvent {
        kind,
        at,
        key: CareEvent::key_of(&source, kind),
    };
    let mut events = vec![event(first_kind, start)];
    if finished && matches!(care, Care::Admission(_)) {
        let end_text = non_empty(period.end.as_deref()).ok_or_else(|| {
            reject(RejectReason::Malformed(
                "a finished admission has no period.end: Vagt cannot tell when the citizen was \
                 discharged"
                    .into(),
            ))
        })?;
        let end = date_time(end_text, "period.end").map_err(reject)?;
        if end < start {
            return Err(reject(RejectReason::Malformed(format!(
                "period.end {end_text:?} is before period.start {start_text:?}"
            ))));
        }
        not_after(end, received_at).map_err(reject)?;
        events.push(event(CareEventKind::Discharge, end));
    }
    Ok(CareEventUpdate::Events {
        source,
        citizen_id,
        events,
    })
}

/// The care an Encounter's class and type describe.
fn care_of(encounter: &Encounter) -> Result<Care, RejectReason> {
    let Some(class) = encounter.class.as_ref() else {
        return Err(RejectReason::Malformed("Encounter has no class".into()));
    };
    let class_system = non_empty(class.system.as_deref()).unwrap_or_default();
    let code = non_empty(class.code.as_deref()).unwrap_or_default();
    let unknown = || RejectReason::UnknownEncounterClass {
        system: class_system.to_owned(),
        code: code.to_owned(),
    };
    if class_system != system::ACT_CODE && class_system != system::ACT_CODE_LEGACY {
        return Err(unknown());
    }
    let acute_bed = encounter
        .type_
        .iter()
        .chain(encounter.service_type.as_ref())
        .any(is_acute_bed);
    match (code, acute_bed) {
        ("IMP" | "ACUTE" | "NONAC", true) => Ok(Care::Admission(CareEventKind::AcuteBedAdmission)),
        ("IMP" | "ACUTE", false) => Ok(Care::Admission(CareEventKind::HospitalAdmission)),
        ("HH", false) => Ok(Care::MasVisit),
        (code, false) if CLASSES_WITHOUT_EVENT.contains(&code) || code == "NONAC" => {
            Ok(Care::NoEvent)
        }
        (code, true) if code == "HH" || CLASSES_WITHOUT_EVENT.contains(&code) => {
            Err(RejectReason::Malformed(format!(
                "Encounter class {code} is not an inpatient stay, yet its type says \
                 {VAGT_CODE_SYSTEM}|{ACUTE_BED_CODE}"
            )))
        }
        _ => Err(unknown()),
    }
}

fn is_acute_bed(concept: &CodeableConcept) -> bool {
    concept.coding.iter().any(|c| {
        non_empty(c.system.as_deref()) == Some(VAGT_CODE_SYSTEM)
            && non_empty(c.code.as_deref()) == Some(ACUTE_BED_CODE)
    })
}

/// A time more than the tolerated clock skew after `received_at` is from the future.
fn not_after(at: Timestamp, received_at: Timestamp) -> Result<(), RejectReason> {
    if at > received_at.plus_millis(CLOCK_SKEW_TOLERANCE_MS) {
        return Err(RejectReason::FromTheFuture {
            effective_at: at,
            received_at,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const BASE: &str = "https://ehealth.example/fhir";

    fn citizen() -> CitizenId {
        CitizenId::new("2512489996").expect("valid id")
    }

    fn resolve(reference: &str) -> Option<CitizenId> {
        (crate::local_reference(reference).as_deref() == Some("Patient/57174")).then(citizen)
    }

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).expect("timestamp")
    }

    /// When the encounters in these tests arrive.
    fn received() -> Timestamp {
        at("2026-11-22T12:00:00Z")
    }

    fn encounter(status: &str, class: &str) -> Value {
        json!({
            "resourceType": "Encounter",
            "id": "enc-1",
            "meta": {"versionId": "3", "lastUpdated": "2026-11-22T11:00:00Z"},
            "status": status,
            "class": {"system": system::ACT_CODE, "code": class},
            "subject": {"reference": "Patient/57174"},
            "period": {"start": "2026-11-20T08:30:00+01:00", "end": "2026-11-22T10:00:00Z"},
        })
    }

    fn map(resource: &Value) -> Result<CareEventUpdate, Rejected> {
        map_encounter(resource, BASE, &resolve, received())
    }

    fn source() -> SourceRef {
        SourceRef {
            id: format!("{BASE}|Encounter/enc-1"),
            version: "3".into(),
        }
    }

    /// (kind, at) of the events an Encounter gives, checking citizen, source and keys.
    fn events(resource: &Value) -> Vec<(CareEventKind, Timestamp)> {
        match map(resource) {
            Ok(CareEventUpdate::Events {
                source: s,
                citizen_id,
                events,
            }) => {
                assert_eq!(s, source());
                assert_eq!(citizen_id, citizen());
                for e in &events {
                    assert_eq!(e.key, CareEvent::key_of(&source(), e.kind));
                }
                events.into_iter().map(|e| (e.kind, e.at)).collect()
            }
            other => panic!("expected events, got {other:?}"),
        }
    }

    fn reason(resource: &Value) -> RejectReason {
        let rejected = map(resource).expect_err("rejected");
        assert_eq!(rejected.resource_type.as_deref(), Some("Encounter"));
        rejected.reason
    }

    #[test]
    fn a_home_health_encounter_is_a_mas_visit_at_its_start() {
        let start = at("2026-11-20T07:30:00Z");
        assert_eq!(
            events(&encounter("in-progress", "HH")),
            vec![(CareEventKind::MasVisit, start)]
        );
        // A finished visit gives no discharge: the visit's hold ends it.
        assert_eq!(
            events(&encounter("finished", "HH")),
            vec![(CareEventKind::MasVisit, start)]
        );
    }

    #[test]
    fn an_inpatient_encounter_is_a_hospital_admission_and_when_finished_a_discharge() {
        let (start, end) = (at("2026-11-20T07:30:00Z"), at("2026-11-22T10:00:00Z"));
        for class in ["IMP", "ACUTE"] {
            assert_eq!(
                events(&encounter("in-progress", class)),
                vec![(CareEventKind::HospitalAdmission, start)],
                "{class}: an end before the encounter is finished is not a discharge"
            );
            assert_eq!(
                events(&encounter("finished", class)),
                vec![
                    (CareEventKind::HospitalAdmission, start),
                    (CareEventKind::Discharge, end)
                ]
            );
        }
        for status in ["arrived", "triaged", "onleave"] {
            assert_eq!(
                events(&encounter(status, "IMP")),
                vec![(CareEventKind::HospitalAdmission, start)],
                "{status}"
            );
        }
        let mut legacy = encounter("in-progress", "IMP");
        legacy["class"]["system"] = json!(system::ACT_CODE_LEGACY);
        assert_eq!(events(&legacy).len(), 1);
    }

    #[test]
    fn the_clinics_acute_bed_code_tells_a_municipal_acute_bed_from_a_hospital() {
        let code = json!({"coding": [{"system": VAGT_CODE_SYSTEM, "code": ACUTE_BED_CODE}]});
        let mut by_type = encounter("finished", "IMP");
        by_type["type"] = json!([{"coding": [{"system": "urn:other", "code": "x"}]}, code]);
        assert_eq!(
            events(&by_type),
            vec![
                (CareEventKind::AcuteBedAdmission, at("2026-11-20T07:30:00Z")),
                (CareEventKind::Discharge, at("2026-11-22T10:00:00Z"))
            ]
        );
        let mut by_service_type = encounter("in-progress", "NONAC");
        by_service_type["serviceType"] = code.clone();
        assert_eq!(
            events(&by_service_type),
            vec![(CareEventKind::AcuteBedAdmission, at("2026-11-20T07:30:00Z"))]
        );
        let mut home_bed = encounter("in-progress", "HH");
        home_bed["type"] = json!([code]);
        assert!(matches!(reason(&home_bed), RejectReason::Malformed(m) if m.contains("HH")));
    }

    #[test]
    fn planned_cancelled_and_other_contacts_give_no_events_and_entered_in_error_retracts() {
        for status in ["planned", "cancelled"] {
            let mut bare = encounter(status, "IMP");
            // Nothing else is read: a planned stay may have no time or subject yet.
            if let Some(object) = bare.as_object_mut() {
                object.remove("period");
                object.remove("subject");
            }
            assert_eq!(
                map(&bare),
                Ok(CareEventUpdate::NoEvents { source: source() }),
                "{status}"
            );
        }
        for class in ["AMB", "VR", "EMER", "NONAC"] {
            assert_eq!(
                map(&encounter("finished", class)),
                Ok(CareEventUpdate::NoEvents { source: source() }),
                "{class}"
            );
        }
        assert_eq!(
            map(&encounter("entered-in-error", "IMP")),
            Ok(CareEventUpdate::Retracted { source: source() })
        );
    }

    #[test]
    fn the_version_is_the_version_id_else_last_updated() {
        let mut resource = encounter("in-progress", "IMP");
        resource["meta"] = json!({"lastUpdated": "2026-11-22T11:00:00Z"});
        let update = map(&resource).expect("maps");
        assert_eq!(update.source().version, "2026-11-22T11:00:00Z");
    }

    #[test]
    fn an_unknown_class_is_rejected_with_its_code() {
        let mut local = encounter("finished", "HH");
        local["class"] = json!({"system": "urn:dk:example:kontakttype", "code": "hjemmebesoeg"});
        assert_eq!(
            reason(&local),
            RejectReason::UnknownEncounterClass {
                system: "urn:dk:example:kontakttype".into(),
                code: "hjemmebesoeg".into(),
            }
        );
        assert_eq!(reason(&local).code(), "unknown_encounter_class");
        let made_up = encounter("finished", "HOSPITAL");
        assert_eq!(reason(&made_up).code(), "unknown_encounter_class");
        let mut classless = encounter("finished", "IMP");
        if let Some(object) = classless.as_object_mut() {
            object.remove("class");
        }
        assert!(matches!(reason(&classless), RejectReason::Malformed(m) if m.contains("class")));
    }

    #[test]
    fn no_subject_or_an_unknown_one_is_rejected() {
        let mut anonymous = encounter("in-progress", "IMP");
        if let Some(object) = anonymous.as_object_mut() {
            object.remove("subject");
        }
        assert!(matches!(reason(&anonymous), RejectReason::Malformed(m) if m.contains("subject")));
        let mut stranger = encounter("in-progress", "IMP");
        stranger["subject"] = json!({"reference": "Patient/999"});
        assert_eq!(reason(&stranger).code(), "unknown_citizen");
    }

    #[test]
    fn a_missing_or_dateless_start_and_a_finished_admission_without_end_are_rejected() {
        let mut no_start = encounter("in-progress", "HH");
        no_start["period"] = json!({"end": "2026-11-22T10:00:00Z"});
        assert!(
            matches!(reason(&no_start), RejectReason::Malformed(m) if m.contains("period.start"))
        );
        let mut no_period = encounter("in-progress", "HH");
        if let Some(object) = no_period.as_object_mut() {
            object.remove("period");
        }
        assert!(
            matches!(reason(&no_period), RejectReason::Malformed(m) if m.contains("period.start"))
        );
        let mut date_only = encounter("in-progress", "IMP");
        date_only["period"]["start"] = json!("2026-11-20");
        assert!(
            matches!(reason(&date_only), RejectReason::Malformed(m) if m.contains("without a time"))
        );
        let mut open_ended = encounter("finished", "IMP");
        open_ended["period"] = json!({"start": "2026-11-20T08:30:00Z"});
        assert!(
            matches!(reason(&open_ended), RejectReason::Malformed(m) if m.contains("period.end"))
        );
        let mut backwards = encounter("finished", "IMP");
        backwards["period"]["end"] = json!("2026-11-19T08:30:00Z");
        assert!(matches!(reason(&backwards), RejectReason::Malformed(m) if m.contains("before")));
    }

    #[test]
    fn a_start_or_discharge_beyond_the_clock_skew_is_from_the_future() {
        let mut slightly_ahead = encounter("in-progress", "IMP");
        slightly_ahead["period"]["start"] = json!("2026-11-22T12:05:00Z");
        assert!(map(&slightly_ahead).is_ok(), "within the tolerated skew");
        let mut ahead = encounter("in-progress", "IMP");
        ahead["period"]["start"] = json!("2026-11-22T13:00:00Z");
        assert_eq!(
            reason(&ahead),
            RejectReason::FromTheFuture {
                effective_at: at("2026-11-22T13:00:00Z"),
                received_at: received(),
            }
        );
        let mut discharged_tomorrow = encounter("finished", "IMP");
        discharged_tomorrow["period"]["end"] = json!("2026-11-23T10:00:00Z");
        assert_eq!(reason(&discharged_tomorrow).code(), "from_the_future");
    }

    #[test]
    fn an_unknown_or_missing_status_is_rejected_and_bad_shapes_never_panic() {
        assert!(matches!(
            reason(&encounter("unknown", "IMP")),
            RejectReason::Malformed(m) if m.contains("unknown")
        ));
        let mut no_status = encounter("in-progress", "IMP");
        if let Some(object) = no_status.as_object_mut() {
            object.remove("status");
        }
        assert!(matches!(reason(&no_status), RejectReason::Malformed(m) if m.contains("status")));
        for bad in [
            json!(null),
            json!("Encounter"),
            json!({"resourceType": "Observation", "id": "x"}),
            json!({"resourceType": "Encounter"}),
            json!({"resourceType": "Encounter", "id": "e", "status": "in-progress",
                   "class": [{"coding": [{"code": "IMP"}]}]}),
            json!({"resourceType": "Encounter", "id": "e", "status": "in-progress",
                   "class": {"system": system::ACT_CODE, "code": "IMP"},
                   "subject": {"reference": "Patient/57174"}, "period": {"start": 7}}),
        ] {
            assert!(map(&bad).is_err(), "{bad}");
        }
    }
}
