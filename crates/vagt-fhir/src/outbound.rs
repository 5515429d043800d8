//! Records a nurse made, as the FHIR resources that carry them to the backend, and back (see
//! [`crate::records`]):
//! - an alarm's acknowledgement as a Task (its focus the alarm's id, so every station that
//!   computed the same alarm recognises it, see [`crate::map_acknowledgement_task`]);
//! - a confirmed ECM level as a ClinicalImpression (the level also as a coded finding);
//! - a plan revision, and a setting the clinic shares, as a Basic resource with Vagt's
//!   extensions (see the README for why not FUT's ServiceRequest).
//!
//! Each record's own key goes out as the resource's identifier (the push sets it, system
//! [`RECORD_IDENTIFIER_SYSTEM`]), so a station reads it back as the same record.

use serde_json::{Value, json};
use vagt_core::Timestamp;
use vagt_core::alarm::{ALARM_ACK_CODE, ALARM_ID_SYSTEM, VAGT_CODE_SYSTEM};
use vagt_core::call::CallRecord;
use vagt_core::outbound::{LevelDecisionRecord, Outbound, PlanRevisionRecord, SharedSettingRecord};

/// The code of a ClinicalImpression that records a confirmed ECM level.
pub const ECM_LEVEL_CODE: &str = "ecm-level";
/// The code system of the level in a confirmed level's finding (`ECM1` … `ECM6`).
pub const ECM_LEVEL_SYSTEM: &str = "urn:dk:naerklinikken:vagt:ecm-level";
/// The code of a Basic resource that records a revision of a citizen's triage plan.
pub const PLAN_REVISION_CODE: &str = "triage-plan-revision";
/// The code of a Basic resource that records a change of a setting the clinic shares.
pub const SHARED_SETTING_CODE: &str = "shared-setting";
/// The code of a Basic resource that ties an unknown caller's call to a citizen.
pub const CALL_LINK_CODE: &str = "call-link";
/// The category code of a Communication that records a telephone call.
pub const CALL_CODE: &str = "phone-call";
/// HL7 v3 ParticipationMode: how a communication took place (`PHONE`: telephone).
pub const PARTICIPATION_MODE_SYSTEM: &str =
    "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode";
/// The identifier system of a record's key (a `urn:uuid:`, RFC 3986).
pub const RECORD_IDENTIFIER_SYSTEM: &str = "urn:ietf:rfc:3986";

/// Vagt's extensions on Basic, each `{EXTENSION_BASE}{name}`.
pub const EXTENSION_BASE: &str = "urn:dk:naerklinikken:vagt:extension:";
pub(crate) const EXT_CHANGED_AT: &str = "changed-at";
pub(crate) const EXT_REVISION: &str = "revision";
pub(crate) const EXT_BASED_ON: &str = "based-on";
pub(crate) const EXT_REASON: &str = "reason";
pub(crate) const EXT_PLAN_DOCUMENT: &str = "plan-document";
pub(crate) const EXT_SETTING_NAME: &str = "setting-name";
pub(crate) const EXT_SETTING_VALUE: &str = "setting-value";
/// The whole call as Vagt keeps it (JSON), beside the standard fields any system reads.
pub(crate) const EXT_CALL_RECORD: &str = "call-record";
/// The call a call link ties to its subject: a reference by the call's identifier.
pub(crate) const EXT_LINKED_CALL: &str = "linked-call";

/// The resource for `record`. `patient` is the citizen's Patient on this backend
/// (`Patient/123`), when the store knows it; a citizen known only locally goes without.
pub fn outbound_resource(record: &Outbound, patient: Option<&str>) -> Value {
    let subject = patient.map(|reference| json!({ "reference": reference }));
    match record {
        Outbound::AlarmAck { ack, .. } => {
            let mut task = json!({
                "resourceType": "Task",
                "status": "completed",
                "intent": "order",
                "code": {"coding": [{"system": VAGT_CODE_SYSTEM, "code": ALARM_ACK_CODE}]},
                "focus": {"identifier": {"system": ALARM_ID_SYSTEM, "value": ack.alarm_id}},
                "authoredOn": ack.at.to_rfc3339(),
                "owner": {"display": ack.nurse},
            });
            if let Some(subject) = subject {
                task["for"] = subject;
            }
            if let Some(comment) = &ack.comment {
                task["note"] = json!([{ "text": comment }]);
            }
            task
        }
        Outbound::ConfirmedLevel(decision) => clinical_impression(subject, decision),
        Outbound::PlanRevision(revision) => plan_revision(subject, revision),
        Outbound::SharedSetting(setting) => shared_setting(setting),
        Outbound::Call(call) => communication(subject, call),
        Outbound::Dispatch(dispatch) => crate::dispatch::dispatch_task(subject, dispatch),
        // The Encounter; its parts go after it (see `crate::visit_parts`).
        Outbound::Visit(visit) => crate::visit::visit_encounter(visit, patient),
        Outbound::Person(person) => crate::patient::person_patient(person),
        Outbound::CallLink(link) => call_link(subject, link),
        Outbound::HandoverNote(note) => crate::handover::handover_note(subject, note),
        Outbound::HandoverSignoff(signoff) => crate::handover::handover_signoff(signoff),
    }
}

/// A call as a Communication by telephone: what any FHIR system reads (when, who, why, what
/// was said and advised, as text) and the whole record in Vagt's extension.
fn communication(subject: Option<Value>, call: &CallRecord) -> Value {
    let mut said = Vec::new();
    for report in &call.symptoms {
        let mark = if report.present { "+" } else { "-" };
        let detail = if report.detail.is_empty() {
            String::new()
        } else {
            format!(": {}", report.detail)
        };
        said.push(format!("{mark}{}{detail}", report.symptom.code()));
    }
    let mut payload = Vec::new();
    if !said.is_empty() {
        payload.push(json!({ "contentString": format!("symptoms: {}", said.join("; ")) }));
    }
    if !call.advice.is_empty() {
        payload.push(json!({ "contentString": format!("advice: {}", call.advice) }));
    }
    if !call.readings.is_empty() {
        let read: Vec<String> = call
            .readings
            .iter()
            .map(|r| format!("{} {} {}", r.parameter.code(), r.value, r.unit))
            .collect();
        payload.push(json!({ "contentString": format!("readings: {}", read.join("; ")) }));
    }
    for medicine in &call.medicine {
        payload.push(json!({
            "contentString": format!("medicine started: {} {}", medicine.drug, medicine.dose)
        }));
    }
    if let Some(level) = call.assessed_level {
        payload.push(json!({ "contentString": format!("assessment: ECM{}", level.get()) }));
    }
    let record = serde_json::to_string(call).unwrap_or_default();
    let mut resource = json!({
        "resourceType": "Communication",
        "status": "completed",
        "category": [{"coding": [{"system": VAGT_CODE_SYSTEM, "code": CALL_CODE}]}],
        "medium": [{"coding": [{
            "system": PARTICIPATION_MODE_SYSTEM, "code": "PHONE", "display": "telephone"
        }]}],
        "sent": call.started_at.to_rfc3339(),
        "received": call.ended_at.to_rfc3339(),
        "reasonCode": [{"text": call.reason}],
        "extension": [extension(EXT_CALL_RECORD, "valueString", json!(record))],
    });
    if let Some(subject) = subject {
        resource["subject"] = subject;
    }
    if !payload.is_empty() {
        resource["payload"] = Value::Array(payload);
    }
    if !call.notes.is_empty() {
        resource["note"] = json!([{ "text": call.notes }]);
    }
    if call.no_answer {
        // Tried and not reached: an event not done, with why.
        resource["status"] = json!("not-done");
        resource["statusReason"] = json!({ "text": "no answer" });
    }
    resource
}

fn clinical_impression(subject: Option<Value>, decision: &LevelDecisionRecord) -> Value {
    let level = format!("ECM{}", decision.level.get());
    json!({
        "resourceType": "ClinicalImpression",
        "status": "completed",
        "code": {"coding": [{"system": VAGT_CODE_SYSTEM, "code": ECM_LEVEL_CODE}]},
        "subject": subject,
        "date": decision.at.to_rfc3339(),
        "assessor": {"display": decision.nurse},
        "summary": level,
        "finding": [{"itemCodeableConcept": {
            "coding": [{"system": ECM_LEVEL_SYSTEM, "code": level}]
        }}],
        "note": [{"text": decision.reason}],
    })
}

pub(crate) fn extension(name: &str, value_type: &str, value: Value) -> Value {
    let mut ext = json!({ "url": format!("{EXTENSION_BASE}{name}") });
    ext[value_type] = value;
    ext
}

/// Basic.created is a date; the instant travels as an extension.
pub(crate) fn basic(code: &str, author: &str, at: Timestamp, mut extensions: Vec<Value>) -> Value {
    extensions.insert(
        0,
        extension(EXT_CHANGED_AT, "valueDateTime", json!(at.to_rfc3339())),
    );
    json!({
        "resourceType": "Basic",
        "code": {"coding": [{"system": VAGT_CODE_SYSTEM, "code": code}]},
        "created": at.to_rfc3339().get(..10).unwrap_or_default(),
        "author": {"display": author},
        "extension": extensions,
    })
}

/// A link of an unknown caller's call to a citizen: a Basic about the citizen naming the call
/// by its identifier (calls are append-only, so the Communication is never edited).
fn call_link(subject: Option<Value>, link: &vagt_core::person::CallLink) -> Value {
    let call = json!({
        "type": "Communication",
        "identifier": {"system": RECORD_IDENTIFIER_SYSTEM, "value": link.call_key},
    });
    let mut resource = basic(
        CALL_LINK_CODE,
        &link.linked_by,
        link.linked_at,
        vec![extension(EXT_LINKED_CALL, "valueReference", call)],
    );
    if let Some(subject) = subject {
        resource["subject"] = subject;
    }
    resource
}

fn plan_revision(subject: Option<Value>, revision: &PlanRevisionRecord) -> Value {
    let mut extensions = vec![extension(
        EXT_REVISION,
        "valueInteger",
        json!(revision.revision),
    )];
    extensions.extend(
        revision
            .bases
            .iter()
            .map(|base| extension(EXT_BASED_ON, "valueString", json!(base))),
    );
    extensions.push(extension(EXT_REASON, "valueString", json!(revision.reason)));
    extensions.push(extension(
        EXT_PLAN_DOCUMENT,
        "valueString",
        json!(revision.document),
    ));
    let mut resource = basic(
        PLAN_REVISION_CODE,
        &revision.changed_by,
        revision.changed_at,
        extensions,
    );
    if let Some(subject) = subject {
        resource["subject"] = subject;
    }
    resource
}

fn shared_setting(setting: &SharedSettingRecord) -> Value {
    basic(
        SHARED_SETTING_CODE,
        &setting.changed_by,
        setting.changed_at,
        vec![
            extension(EXT_SETTING_NAME, "valueString", json!(setting.name)),
            extension(EXT_SETTING_VALUE, "valueString", json!(setting.value)),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use vagt_core::CitizenId;
    use vagt_core::alarm::AlarmAcknowledgement;

    #[test]
    fn an_acknowledgement_travels_as_a_task_that_reads_back_as_the_same_acknowledgement() {
        let ack = AlarmAcknowledgement {
            alarm_id: "ab".repeat(32),
            nurse: "sygeplejerske-mette".into(),
            at: Timestamp::from_millis(1_767_571_200_000),
            comment: Some("ringet op".into()),
        };
        let record = Outbound::AlarmAck {
            citizen_id: CitizenId::new("0101501234").expect("id"),
            ack: ack.clone(),
        };
        let mut task = outbound_resource(&record, Some("Patient/7"));
        assert_eq!(task["for"]["reference"], "Patient/7");
        task["id"] = json!("1");
        assert_eq!(crate::map_acknowledgement_task(&task), Ok(Some(ack)));
    }

    #[test]
    fn a_confirmed_level_travels_as_a_clinical_impression_with_its_reason() {
        let record = Outbound::ConfirmedLevel(LevelDecisionRecord {
            citizen_id: CitizenId::new("0101501234").expect("id"),
            key: "urn:uuid:1".into(),
            level: vagt_core::EcmLevel::ECM4,
            nurse: "anne".into(),
            at: Timestamp::from_millis(0),
            reason: "MAS-besøg".into(),
        });
        let impression = outbound_resource(&record, None);
        assert_eq!(impression["resourceType"], "ClinicalImpression");
        assert_eq!(impression["summary"], "ECM4");
        assert_eq!(
            impression["finding"][0]["itemCodeableConcept"]["coding"][0]["code"],
            "ECM4"
        );
        assert_eq!(impression["note"][0]["text"], "MAS-besøg");
        assert!(impression["subject"].is_null());
    }

    #[test]
    fn a_call_travels_as_a_communication_by_telephone_and_reads_back_whole() {
        use vagt_core::call::*;
        let citizen = CitizenId::new("0101501234").expect("id");
        let call = CallRecord {
            key: "urn:uuid:call-1".into(),
            citizen_id: Some(citizen.clone()),
            caller_name: String::new(),
            direction: CallDirection::Inbound,
            caller: CallerRole::Citizen,
            started_at: Timestamp::from_millis(1_767_571_200_000),
            ended_at: Timestamp::from_millis(1_767_571_500_000),
            nurse: "anne".into(),
            reason: "åndenød".into(),
            symptoms: vec![SymptomReport {
                symptom: Symptom::SputumColour,
                present: true,
                detail: "grønt".into(),
            }],
            notes: "hoster".into(),
            advice: "ring igen".into(),
            medicine: vec![MedicineStarted {
                drug: "Prednisolon".into(),
                dose: "37,5 mg".into(),
                from_box: None,
            }],
            e_doctor_consulted: true,
            assessed_level: Some(vagt_core::EcmLevel::ECM4),
            follow_up_at: None,
            answers_alarm: None,
            no_answer: false,
            linked: None,
            readings: Vec::new(),
        };
        let mut resource =
            outbound_resource(&Outbound::Call(Box::new(call.clone())), Some("Patient/7"));
        assert_eq!(resource["resourceType"], "Communication");
        assert_eq!(resource["medium"][0]["coding"][0]["code"], "PHONE");
        assert_eq!(resource["subject"]["reference"], "Patient/7");
        assert_eq!(resource["reasonCode"][0]["text"], "åndenød");
        assert_eq!(
            resource["payload"][0]["contentString"],
            "symptoms: +sputum_colour: grønt"
        );
        // The push sets the identifier and the server the id.
        resource["identifier"] = json!([{ "system": RECORD_IDENTIFIER_SYSTEM, "value": call.key }]);
        resource["id"] = json!("9");
        let citizen_for = |r: &str| (r == "Patient/7").then(|| citizen.clone());
        let read = crate::map_call(
            &resource,
            "https://b/fhir",
            &citizen_for,
            Timestamp::from_millis(1_767_571_600_000),
        );
        assert_eq!(read, Ok(Some(call.clone())));
        // Another citizen as the subject than the record's: refused, kept for a human.
        let other = |_: &str| Some(CitizenId::new("0202501234").expect("id"));
        assert!(
            crate::map_call(
                &resource,
                "https://b/fhir",
                &other,
                Timestamp::from_millis(1_767_571_600_000)
            )
            .is_err()
        );
        // Someone else's Communication is passed over.
        let foreign = json!({ "resourceType": "Communication", "id": "3", "status": "completed" });
        assert_eq!(
            crate::map_call(
                &foreign,
                "https://b/fhir",
                &citizen_for,
                Timestamp::from_millis(0)
            ),
            Ok(None)
        );
    }
}
