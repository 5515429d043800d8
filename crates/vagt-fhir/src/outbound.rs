//! Records a nurse made, as the FHIR resources that carry them to the backend: an alarm's
//! acknowledgement as a Task (its focus the alarm's id, so every station that computed the same
//! alarm recognises it, see [`crate::map_acknowledgement_task`]), a confirmed ECM level as a
//! ClinicalImpression.

use serde_json::{Value, json};
use vagt_core::Timestamp;
use vagt_core::alarm::{ALARM_ACK_CODE, ALARM_ID_SYSTEM, VAGT_CODE_SYSTEM};
use vagt_core::outbound::Outbound;

/// The code of a ClinicalImpression that records a confirmed ECM level.
pub const ECM_LEVEL_CODE: &str = "ecm-level";

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
        Outbound::ConfirmedLevel {
            level,
            nurse,
            at,
            reason,
            ..
        } => clinical_impression(subject, *at, nurse, level.get(), reason),
    }
}

fn clinical_impression(
    subject: Option<Value>,
    at: Timestamp,
    nurse: &str,
    level: u8,
    reason: &str,
) -> Value {
    json!({
        "resourceType": "ClinicalImpression",
        "status": "completed",
        "code": {"coding": [{"system": VAGT_CODE_SYSTEM, "code": ECM_LEVEL_CODE}]},
        "subject": subject,
        "date": at.to_rfc3339(),
        "assessor": {"display": nurse},
        "summary": format!("ECM{level}"),
        "note": [{"text": reason}],
    })
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
        let record = Outbound::ConfirmedLevel {
            citizen_id: CitizenId::new("0101501234").expect("id"),
            key: "urn:uuid:1".into(),
            level: vagt_core::EcmLevel::ECM4,
            nurse: "anne".into(),
            at: Timestamp::from_millis(0),
            reason: "MAS-besøg".into(),
        };
        let impression = outbound_resource(&record, None);
        assert_eq!(impression["resourceType"], "ClinicalImpression");
        assert_eq!(impression["summary"], "ECM4");
        assert_eq!(impression["note"][0]["text"], "MAS-besøg");
        assert!(impression["subject"].is_null());
    }
}
