//! The medicine box from `MedicationRequest`s: each active prescription of a citizen is one drug
//! in the box, with its dose (`dosageInstruction.text`) and when to start it (the dosage's
//! `asNeededCodeableConcept.text`, else the request's `patientInstruction`: plain text in a
//! Danish prescription). A request that is stopped, cancelled, completed or entered
//! in error takes the drug out of the box.

use crate::error::Rejected;
use crate::observation::{date_time, version_of};
use crate::records::{Reader, str_at};
use crate::types::Meta;
use serde_json::Value;
use vagt_core::medicine::{BoxedMedicine, MAX_MEDICINE_TEXT_CHARS, MedicineUpdate};
use vagt_core::{CitizenId, SourceRef};

/// The ATC classification (WHO), as a coding system.
pub const ATC_SYSTEM: &str = "http://www.whocc.no/atc";

/// Reads one MedicationRequest: what it says of the box, `Ok(None)` for a draft (not
/// prescribed yet); one that cannot be read is rejected with why.
pub fn map_medication_request(
    resource: &Value,
    base: &str,
    citizen_for: &dyn Fn(&str) -> Option<CitizenId>,
) -> Result<Option<MedicineUpdate>, Rejected> {
    let r = Reader::new(resource, "MedicationRequest", base);
    let id = str_at(resource, "/id").ok_or_else(|| r.malformed("no id"))?;
    let source_id = format!("{base}|MedicationRequest/{id}");
    let meta: Option<Meta> = resource
        .get("meta")
        .and_then(|m| serde_json::from_value(m.clone()).ok());
    let version = version_of(meta.as_ref());
    match str_at(resource, "/status") {
        Some("active" | "on-hold") => {}
        Some("draft") => return Ok(None),
        Some("stopped" | "cancelled" | "completed" | "entered-in-error") => {
            return Ok(Some(MedicineUpdate::Withdrawn {
                source: SourceRef {
                    id: source_id,
                    version,
                },
            }));
        }
        Some(other) => {
            return Err(r.malformed(&format!("status {other:?} says nothing of the box")));
        }
        None => return Err(r.malformed("no status")),
    }
    let citizen_id = r.citizen("/subject", citizen_for)?;
    let concept = resource.get("medicationCodeableConcept").ok_or_else(|| {
        r.malformed("no medicationCodeableConcept (a Medication reference is not read)")
    })?;
    let atc = concept
        .get("coding")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| c.get("system").and_then(Value::as_str) == Some(ATC_SYSTEM))
        .and_then(|c| str_at(c, "/code"))
        .map(str::to_owned);
    let drug = str_at(concept, "/text")
        .or_else(|| str_at(concept, "/coding/0/display"))
        .ok_or_else(|| r.malformed("the drug has no name"))?;
    let dose = str_at(resource, "/dosageInstruction/0/text")
        .ok_or_else(|| r.malformed("no dose (dosageInstruction.text)"))?;
    let when_to_start = str_at(
        resource,
        "/dosageInstruction/0/asNeededCodeableConcept/text",
    )
    .or_else(|| str_at(resource, "/patientInstruction"))
    .unwrap_or_default();
    for (what, text) in [
        ("drug", drug),
        ("dose", dose),
        ("when to start", when_to_start),
    ] {
        if text.chars().count() > MAX_MEDICINE_TEXT_CHARS {
            return Err(r.malformed(&format!(
                "the {what} is longer than {MAX_MEDICINE_TEXT_CHARS} characters"
            )));
        }
        if text.chars().any(char::is_control) {
            return Err(r.malformed(&format!("the {what} holds control characters")));
        }
    }
    // A prescription is often dated by day only.
    let prescribed_at = str_at(resource, "/authoredOn")
        .map(|t| match t.len() {
            10 => date_time(&format!("{t}T00:00:00Z"), "authoredOn"),
            _ => date_time(t, "authoredOn"),
        })
        .transpose()
        .map_err(|reason| {
            Rejected::new(reason, Some("MedicationRequest"), Some(source_id.clone()))
        })?;
    Ok(Some(MedicineUpdate::InBox {
        medicine: BoxedMedicine {
            source_id,
            citizen_id,
            drug: drug.to_owned(),
            atc,
            dose: dose.to_owned(),
            when_to_start: when_to_start.to_owned(),
            prescribed_at,
        },
        version,
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    const BASE: &str = "https://srv/fhir";

    fn citizen_for(reference: &str) -> Option<CitizenId> {
        (reference == "Patient/7").then(|| CitizenId::new("c7").unwrap())
    }

    fn prednisolone() -> Value {
        json!({
            "resourceType": "MedicationRequest", "id": "mr-1", "meta": {"versionId": "2"},
            "status": "active", "intent": "order",
            "medicationCodeableConcept": {
                "coding": [{"system": ATC_SYSTEM, "code": "H02AB06"}],
                "text": "Prednisolon 25 mg tablet"
            },
            "subject": {"reference": "Patient/7"},
            "authoredOn": "2026-03-01",
            "dosageInstruction": [{
                "text": "37,5 mg dagligt i 5 dage",
                "asNeededCodeableConcept": {"text": "ved øget åndenød og ændret opspyt"}
            }]
        })
    }

    #[test]
    fn an_active_request_is_a_drug_in_the_box() {
        let Some(MedicineUpdate::InBox { medicine, version }) =
            map_medication_request(&prednisolone(), BASE, &citizen_for).unwrap()
        else {
            panic!("in the box");
        };
        assert_eq!(version, "2");
        assert_eq!(
            medicine.source_id,
            "https://srv/fhir|MedicationRequest/mr-1"
        );
        assert_eq!(medicine.citizen_id.as_str(), "c7");
        assert_eq!(medicine.drug, "Prednisolon 25 mg tablet");
        assert_eq!(medicine.atc.as_deref(), Some("H02AB06"));
        assert_eq!(medicine.dose, "37,5 mg dagligt i 5 dage");
        assert_eq!(medicine.when_to_start, "ved øget åndenød og ændret opspyt");
        assert!(medicine.prescribed_at.is_some());
    }

    #[test]
    fn a_stopped_request_leaves_the_box_and_a_broken_one_is_rejected() {
        let mut stopped = prednisolone();
        stopped["status"] = json!("stopped");
        assert!(matches!(
            map_medication_request(&stopped, BASE, &citizen_for).unwrap(),
            Some(MedicineUpdate::Withdrawn { .. })
        ));
        let mut no_dose = prednisolone();
        no_dose["dosageInstruction"] = json!([]);
        let error = map_medication_request(&no_dose, BASE, &citizen_for).unwrap_err();
        assert!(error.to_string().contains("no dose"), "{error}");
        let mut stranger = prednisolone();
        stranger["subject"] = json!({"reference": "Patient/8"});
        assert_eq!(
            map_medication_request(&stranger, BASE, &citizen_for)
                .unwrap_err()
                .reason
                .code(),
            "unknown_citizen"
        );
        let mut odd = prednisolone();
        odd["status"] = json!("maybe");
        assert!(map_medication_request(&odd, BASE, &citizen_for).is_err());
    }
}
