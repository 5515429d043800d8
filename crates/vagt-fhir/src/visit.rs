//! A MAS visit on the wire, in base R4 (FUT profiles none of it): an `Encounter` of class `HH`
//! that any FHIR system reads (when, who, the outcome as its discharge disposition) with the
//! whole record in Vagt's extension `visit-record`; and, pointing at it through `encounter` or
//! `context`, its parts: one `Observation` per vital sign, the NEWS2 total, CRP and the blood
//! gas; one `MedicationAdministration` per treatment (its `request` the box's
//! `MedicationRequest`); one `Procedure` per sample taken.
//!
//! Each part carries the identifier `<visit key>/<part>` in [`VISIT_PART_SYSTEM`], so it is
//! created once however often the push is cut (a conditional create on it), and so a station
//! pulling Observations knows them for the visit's and does not read them as home readings:
//! the Encounter's record is what every station keeps.

use crate::codes::{loinc_for, system};
use crate::error::Rejected;
use crate::outbound::{EXTENSION_BASE, RECORD_IDENTIFIER_SYSTEM, extension};
use crate::records::{Reader, str_at};
use serde_json::{Value, json};
use vagt_core::dispatch::VisitOutcome;
use vagt_core::visit::VisitRecord;
use vagt_core::{CitizenId, Parameter, Timestamp};

/// The identifier system of a visit's parts (`<visit key>/<part>`).
pub const VISIT_PART_SYSTEM: &str = "urn:dk:naerklinikken:vagt:visit-part";
/// The whole visit as Vagt keeps it (JSON), on the Encounter.
pub(crate) const EXT_VISIT_RECORD: &str = "visit-record";
/// HL7's discharge disposition codes, for the visit's outcome.
const DISCHARGE_DISPOSITION: &str = "http://terminology.hl7.org/CodeSystem/discharge-disposition";
const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";

/// One part of a visit, ready to create once under its identifier.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitPart {
    pub resource_type: &'static str,
    /// `<visit key>/<part>`, in [`VISIT_PART_SYSTEM`].
    pub identifier: String,
    pub resource: Value,
}

fn disposition(outcome: VisitOutcome) -> (&'static str, &'static str) {
    match outcome {
        VisitOutcome::StaysHome => ("home", "Home"),
        VisitOutcome::MunicipalAcuteBed => ("other-hcf", "Other healthcare facility"),
        VisitOutcome::HospitalAdmission => ("hosp", "Hospital"),
    }
}

/// The visit's Encounter. `patient` is the citizen's Patient on this backend, when known.
pub fn visit_encounter(visit: &VisitRecord, patient: Option<&str>) -> Value {
    let (code, display) = disposition(visit.outcome);
    let record = serde_json::to_string(visit).unwrap_or_default();
    let mut encounter = json!({
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"system": system::ACT_CODE, "code": "HH", "display": "home health"},
        "period": {
            "start": visit.arrived_at.to_rfc3339(),
            "end": visit.left_at.to_rfc3339(),
        },
        "participant": [{"individual": {"display": visit.nurse}}],
        "hospitalization": {"dischargeDisposition": {
            "coding": [{"system": DISCHARGE_DISPOSITION, "code": code, "display": display}],
            "text": visit.outcome.code(),
        }},
        "extension": [extension(EXT_VISIT_RECORD, "valueString", json!(record))],
    });
    if let Some(patient) = patient {
        encounter["subject"] = json!({ "reference": patient });
    }
    encounter
}

fn identified(visit: &VisitRecord, part: &str) -> (String, Value) {
    // No `#`: the identifier goes into a search URL, where it would start a fragment.
    let identifier = format!("{}/{part}", visit.key);
    let value = json!([{ "system": VISIT_PART_SYSTEM, "value": identifier }]);
    (identifier, value)
}

/// The parts of the visit, each pointing at `encounter` (`Encounter/<id>` on this backend).
/// `box_request` gives the local reference (`MedicationRequest/<id>`) of a box prescription
/// held on this backend.
pub fn visit_parts(
    visit: &VisitRecord,
    patient: Option<&str>,
    encounter: &str,
    box_request: &dyn Fn(&str) -> Option<String>,
) -> Vec<VisitPart> {
    let subject = patient.map(|p| json!({ "reference": p }));
    let at = visit.arrived_at.to_rfc3339();
    let mut parts = Vec::new();
    let mut observation = |part: &str, category: &str, code: Value, value: (&str, Value)| {
        let (identifier, identifiers) = identified(visit, part);
        let mut resource = json!({
            "resourceType": "Observation",
            "identifier": identifiers,
            "status": "final",
            "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": category}]}],
            "code": code,
            "encounter": {"reference": encounter},
            "effectiveDateTime": at,
            "performer": [{"display": visit.nurse}],
        });
        resource[value.0] = value.1;
        if let Some(subject) = &subject {
            resource["subject"] = subject.clone();
        }
        parts.push(VisitPart {
            resource_type: "Observation",
            identifier,
            resource,
        });
    };
    let loinc = |code: &str, text: &str| json!({"coding": [{"system": system::LOINC, "code": code}], "text": text});
    let quantity = |value: f64, unit: &str| json!({"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit});
    for (parameter, _, value) in visit.vitals.measured() {
        let Some(code) = loinc_for(parameter) else {
            continue;
        };
        observation(
            parameter.code(),
            "vital-signs",
            loinc(code, parameter.code()),
            ("valueQuantity", quantity(value, parameter.canonical_unit())),
        );
    }
    let v = &visit.vitals;
    observation(
        "consciousness",
        "survey",
        loinc("67775-7", "ACVPU"),
        (
            "valueCodeableConcept",
            json!({"text": serde_json::to_value(v.consciousness).unwrap_or_default()}),
        ),
    );
    observation(
        "supplemental_oxygen",
        "vital-signs",
        json!({"coding": [{"system": vagt_core::alarm::VAGT_CODE_SYSTEM,
                           "code": "supplemental-oxygen"}],
               "text": "on supplemental oxygen"}),
        ("valueBoolean", json!(v.on_oxygen)),
    );
    let score = visit.news2();
    observation(
        "news2",
        "survey",
        json!({"coding": [{"system": vagt_core::alarm::VAGT_CODE_SYSTEM, "code": "news2"}],
               "text": "NEWS2"}),
        ("valueInteger", json!(score.total)),
    );
    let procedure = |part: &str, text: &str| {
        let (identifier, identifiers) = identified(visit, part);
        let mut resource = json!({
            "resourceType": "Procedure",
            "identifier": identifiers,
            "status": "completed",
            "code": {"text": text},
            "encounter": {"reference": encounter},
            "performedDateTime": at,
        });
        if let Some(subject) = &subject {
            resource["subject"] = subject.clone();
        }
        (identifier, resource)
    };
    let mut procedures = Vec::new();
    if let Some(crp) = visit.samples.crp {
        observation(
            "crp",
            "laboratory",
            loinc(loinc_for(Parameter::Crp).unwrap_or("1988-5"), "CRP"),
            ("valueQuantity", quantity(crp, "mg/L")),
        );
        procedures.push(procedure("procedure.crp", "CRP, point of care"));
    }
    if let Some(gas) = visit.samples.blood_gas {
        for (part, code, text, value, unit) in [
            ("blood_gas.ph", "2744-1", "pH", gas.ph, "[pH]"),
            ("blood_gas.pco2", "2019-8", "pCO2", gas.pco2_kpa, "kPa"),
            ("blood_gas.po2", "2703-7", "pO2", gas.po2_kpa, "kPa"),
        ] {
            observation(
                part,
                "laboratory",
                loinc(code, text),
                ("valueQuantity", quantity(value, unit)),
            );
        }
        procedures.push(procedure("procedure.blood_gas", "Blood gas sample"));
    }
    if visit.samples.sputum_sent {
        procedures.push(procedure(
            "procedure.sputum",
            "Sputum sample sent for culture",
        ));
    }
    for (identifier, resource) in procedures {
        parts.push(VisitPart {
            resource_type: "Procedure",
            identifier,
            resource,
        });
    }
    for (i, treatment) in visit.treatments.iter().enumerate() {
        let (identifier, identifiers) = identified(visit, &format!("treatment.{i}"));
        let mut resource = json!({
            "resourceType": "MedicationAdministration",
            "identifier": identifiers,
            "status": "completed",
            "medicationCodeableConcept": {"text": treatment.drug},
            "context": {"reference": encounter},
            "effectiveDateTime": at,
            "performer": [{"actor": {"display": visit.nurse}}],
            "dosage": {"text": treatment.dose, "route": {"text": treatment.route.code()}},
        });
        if let Some(subject) = &subject {
            resource["subject"] = subject.clone();
        }
        if let Some(request) = treatment.from_box.as_deref().and_then(box_request) {
            resource["request"] = json!({ "reference": request });
        }
        parts.push(VisitPart {
            resource_type: "MedicationAdministration",
            identifier,
            resource,
        });
    }
    parts
}

/// Whether a resource is a part of a Vagt visit (its record is the Encounter's).
pub fn is_visit_part(resource: &Value) -> bool {
    resource
        .get("identifier")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|i| i.get("system").and_then(Value::as_str) == Some(VISIT_PART_SYSTEM))
}

/// Whether an Encounter carries a Vagt visit record.
pub fn is_visit_encounter(resource: &Value) -> bool {
    let url = format!("{EXTENSION_BASE}{EXT_VISIT_RECORD}");
    resource
        .get("extension")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|e| e.get("url").and_then(Value::as_str) == Some(url.as_str()))
}

/// The visit an Encounter carries; `Ok(None)` for an Encounter that is not a Vagt visit. The
/// record's key must be the resource's, its citizen the subject's, and it must hold together.
pub fn map_visit_encounter(
    resource: &Value,
    base: &str,
    citizen_for: &dyn Fn(&str) -> Option<CitizenId>,
    received_at: Timestamp,
) -> Result<Option<VisitRecord>, Rejected> {
    if !is_visit_encounter(resource) {
        return Ok(None);
    }
    let r = Reader::new(resource, "Encounter", base);
    if str_at(resource, "/status") == Some("entered-in-error") {
        return Err(r.malformed("a visit entered in error is for a nurse to look at"));
    }
    let key = r.key()?;
    let text = r.extension_text(EXT_VISIT_RECORD)?;
    let visit: VisitRecord = serde_json::from_str(&text)
        .map_err(|e| r.malformed(&format!("the visit record cannot be read: {e}")))?;
    if visit.key != key {
        return Err(r.malformed("the visit record's key is not the resource's"));
    }
    let citizen = r.citizen("/subject", citizen_for)?;
    if visit.citizen_id != citizen {
        return Err(r.malformed("the visit record's citizen is not the subject"));
    }
    if let Some(first) = visit.problems(received_at).first() {
        return Err(r.malformed(&format!(
            "the visit cannot be kept: {} ({})",
            first.field,
            first.code.code()
        )));
    }
    Ok(Some(visit))
}

/// The identifier a pushed Encounter carries (the visit's key).
pub fn visit_identifier(visit: &VisitRecord) -> Value {
    json!([{ "system": RECORD_IDENTIFIER_SYSTEM, "value": visit.key }])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use vagt_core::news2::{Consciousness, SpO2Scale};
    use vagt_core::visit::{BloodGas, Route, TreatmentGiven, VisitSamples, VisitVitals};

    const BASE: &str = "https://srv/fhir";

    fn citizen_for(reference: &str) -> Option<CitizenId> {
        (reference == "Patient/7").then(|| CitizenId::new("c7").unwrap())
    }

    fn visit() -> VisitRecord {
        VisitRecord {
            key: "urn:uuid:v1".into(),
            citizen_id: CitizenId::new("c7").unwrap(),
            dispatch_key: None,
            nurse: "mette".into(),
            arrived_at: Timestamp::from_millis(1_767_571_200_000),
            left_at: Timestamp::from_millis(1_767_571_200_000 + 3_000_000),
            vitals: VisitVitals {
                respiratory_rate: 24.0,
                spo2: 87.0,
                on_oxygen: false,
                systolic_bp: 132.0,
                diastolic_bp: 80.0,
                pulse: 104.0,
                consciousness: Consciousness::Alert,
                temperature: 38.4,
            },
            spo2_scale: SpO2Scale::Scale1,
            samples: VisitSamples {
                crp: Some(86.0),
                blood_gas: Some(BloodGas {
                    ph: 7.33,
                    pco2_kpa: 7.9,
                    po2_kpa: 7.1,
                }),
                sputum_sent: true,
            },
            treatments: vec![
                TreatmentGiven {
                    drug: "Prednisolon".into(),
                    dose: "37,5 mg".into(),
                    route: Route::Oral,
                    from_box: Some(format!("{BASE}|MedicationRequest/mr-1")),
                },
                TreatmentGiven {
                    drug: "Salbutamol".into(),
                    dose: "5 mg".into(),
                    route: Route::Nebulised,
                    from_box: None,
                },
            ],
            e_doctor_consulted: true,
            outcome: VisitOutcome::HospitalAdmission,
            plan: "indlagt, Hvidovre".into(),
            notes: String::new(),
        }
    }

    fn received() -> Timestamp {
        Timestamp::from_millis(1_767_571_200_000 + 86_400_000)
    }

    #[test]
    fn a_visit_reads_back_from_its_encounter() {
        let mut encounter = visit_encounter(&visit(), Some("Patient/7"));
        encounter["id"] = json!("e1");
        encounter["identifier"] = visit_identifier(&visit());
        assert_eq!(encounter["class"]["code"], "HH");
        assert_eq!(
            encounter["hospitalization"]["dischargeDisposition"]["coding"][0]["code"],
            "hosp"
        );
        assert_eq!(
            map_visit_encounter(&encounter, BASE, &citizen_for, received()),
            Ok(Some(visit()))
        );
        let mut other = encounter.clone();
        other["extension"] = json!([]);
        assert_eq!(
            map_visit_encounter(&other, BASE, &citizen_for, received()),
            Ok(None)
        );
        let mut forged = encounter;
        forged["identifier"][0]["value"] = json!("urn:uuid:other");
        assert!(map_visit_encounter(&forged, BASE, &citizen_for, received()).is_err());
    }

    #[test]
    fn every_part_points_at_the_encounter_under_its_own_identifier() {
        let box_request =
            |source: &str| source.strip_prefix(&format!("{BASE}|")).map(str::to_owned);
        let parts = visit_parts(&visit(), Some("Patient/7"), "Encounter/e1", &box_request);
        let count = |t: &str| parts.iter().filter(|p| p.resource_type == t).count();
        // 6 vitals, ACVPU, oxygen, NEWS2, CRP, 3 blood gas values.
        assert_eq!(count("Observation"), 13);
        assert_eq!(count("Procedure"), 3);
        assert_eq!(count("MedicationAdministration"), 2);
        let mut identifiers: Vec<&str> = parts.iter().map(|p| p.identifier.as_str()).collect();
        identifiers.sort_unstable();
        identifiers.dedup();
        assert_eq!(identifiers.len(), parts.len(), "one identifier per part");
        for part in &parts {
            assert!(is_visit_part(&part.resource), "{}", part.identifier);
            let pointer = if part.resource_type == "MedicationAdministration" {
                "/context/reference"
            } else {
                "/encounter/reference"
            };
            assert_eq!(part.resource.pointer(pointer), Some(&json!("Encounter/e1")));
        }
        let news2 = parts
            .iter()
            .find(|p| p.identifier.ends_with("/news2"))
            .unwrap();
        assert_eq!(news2.resource["valueInteger"], 7);
        let from_box = parts
            .iter()
            .find(|p| p.identifier.ends_with("/treatment.0"))
            .unwrap();
        assert_eq!(
            from_box.resource["request"]["reference"],
            "MedicationRequest/mr-1"
        );
        let from_bag = parts
            .iter()
            .find(|p| p.identifier.ends_with("/treatment.1"))
            .unwrap();
        assert!(from_bag.resource.get("request").is_none());
    }
}
