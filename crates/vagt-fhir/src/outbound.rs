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
use vagt_core::outbound::{LevelDecisionRecord, Outbound, PlanRevisionRecord, SharedSettingRecord};

/// The code of a ClinicalImpression that records a confirmed ECM level.
pub const ECM_LEVEL_CODE: &str = "ecm-level";
/// The code system of the level in a confirmed level's finding (`ECM1` … `ECM6`).
pub const ECM_LEVEL_SYSTEM: &str = "urn:dk:naerklinikken:vagt:ecm-level";
/// The code of a Basic resource that records a revision of a citizen's triage plan.
pub const PLAN_REVISION_CODE: &str = "triage-plan-revision";
/// The code of a Basic resource that records a change of a setting the clinic shares.
pub const SHARED_SETTING_CODE: &str = "shared-setting";
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
    }
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

fn extension(name: &str, value_type: &str, value: Value) -> Value {
    let mut ext = json!({ "url": format!("{EXTENSION_BASE}{name}") });
    ext[value_type] = value;
    ext
}

/// Basic.created is a date; the instant travels as an extension.
fn basic(code: &str, author: &str, at: Timestamp, mut extensions: Vec<Value>) -> Value {
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
}
