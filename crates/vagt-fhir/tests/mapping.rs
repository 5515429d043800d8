//! FHIR JSON as the backends send it, mapped into Vagt's domain: each code system, panels,
//! units passed through and converted, retractions, and each kind of bad resource rejected
//! with the right reason while the rest of a bundle still maps.

use serde_json::{Value, json};
use vagt_core::{CitizenId, Diagnosis, IncomingMeasurement, Parameter, RejectReason, Timestamp};
use vagt_fhir::{
    CapabilityStatement, FhirError, ObservationUpdate, QuestionnaireUpdate, Rejected,
    local_reference, map_condition, map_observation, map_patient, map_questionnaire_response,
    parse_bundle, parse_resource, read_page, resource_type_of, retraction_covers,
};

const BASE: &str = "https://ehealth.example/fhir";

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("fixture exists");
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn citizen(id: &str) -> CitizenId {
    CitizenId::new(id).expect("valid citizen id")
}

/// The sync's resolver: literal references by `Patient/{id}` on any server, logical ones by
/// CPR token. Two test citizens (public Danish test CPR numbers).
fn resolve(reference: &str) -> Option<CitizenId> {
    let key = local_reference(reference).unwrap_or_else(|| reference.to_owned());
    match key.as_str() {
        "Patient/57174" | "urn:oid:1.2.208.176.1.2|2512489996" => Some(citizen("2512489996")),
        "Patient/elmer" | "urn:oid:1.2.208.176.1.2|2509479989" => Some(citizen("2509479989")),
        _ => None,
    }
}

/// The resource mapped from its JSON tree, and, as a sync reads it, from its text on a page:
/// the two must agree on every resource of these tests, a reading or a rejection alike.
fn map(resource: &Value) -> Result<ObservationUpdate, Rejected> {
    let from_json = map_observation(resource, BASE, &resolve);
    let page =
        json!({"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": resource}]});
    let bytes = serde_json::to_vec_pretty(&page).expect("a page");
    let read = read_page(&bytes, "Observation").expect("a page");
    assert!(read.broken.is_empty(), "{:?}", read.broken);
    let [from_page] = read.resources.as_slice() else {
        panic!("one resource on the page, got {}", read.resources.len());
    };
    assert_eq!(
        from_page.map_observation(BASE, &resolve),
        from_json,
        "read from the page's text, {resource} maps as from its tree"
    );
    from_json
}

fn measurements(resource: &Value) -> Vec<IncomingMeasurement> {
    match map(resource) {
        Ok(ObservationUpdate::Measurements(m)) => m,
        other => panic!("expected measurements, got {other:?}"),
    }
}

fn one(resource: &Value) -> IncomingMeasurement {
    let mut all = measurements(resource);
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

fn rejection(resource: &Value) -> Rejected {
    map(resource).expect_err("rejected")
}

fn malformed_message(rejected: &Rejected) -> &str {
    match &rejected.reason {
        RejectReason::Malformed(message) => message,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).expect("timestamp")
}

/// A plain, valid Observation to break one element at a time.
fn observation(system: &str, code: &str, value: f64, unit: &str) -> Value {
    json!({
        "resourceType": "Observation",
        "id": "obs-1",
        "meta": {"versionId": "4", "lastUpdated": "2026-11-22T08:00:00.000+00:00"},
        "status": "final",
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": "Patient/57174"},
        "effectiveDateTime": "2026-11-22T08:00:00+01:00",
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}
    })
}

fn received() -> Timestamp {
    at("2026-11-22T12:00:00Z")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

mod observations {
    use super::*;

    #[test]
    fn fut_npu_saturation_maps_with_namespaced_source_and_period_start() {
        let m = one(&fixture("fut-observation-spo2.json"));
        assert_eq!(m.citizen_id, citizen("2512489996"));
        assert_eq!(m.parameter, Parameter::Spo2);
        assert_eq!(m.value, 91.0);
        assert_eq!(m.unit, "%");
        assert_eq!(m.effective_at, at("2026-11-22T07:53:30Z"));
        assert_eq!(m.source.id, "https://ehealth.example/fhir|Observation/507");
        assert_eq!(m.source.version, "1");
    }

    #[test]
    fn danish_dnk_and_npu_codes_map() {
        let cases = [
            ("NPU21692", 72.0, "/min", Parameter::Pulse),
            ("NPU03804", 81.4, "kg", Parameter::Weight),
            ("NPU08676", 37.9, "Cel", Parameter::Temperature),
            ("DNK05472", 147.0, "mm[Hg]", Parameter::SystolicBp),
            ("DNK05473", 83.0, "mm[Hg]", Parameter::DiastolicBp),
            ("NPU19748", 26.0, "mg/L", Parameter::Crp),
            ("NPU22089", 6.8, "mmol/L", Parameter::BloodGlucose),
        ];
        for (code, value, unit, parameter) in cases {
            let m = one(&observation("urn:oid:1.2.208.176.2.1", code, value, unit));
            assert_eq!(
                (m.parameter, m.value, m.unit.as_str()),
                (parameter, value, unit),
                "{code}"
            );
            assert_eq!(m.source.version, "4");
        }
    }

    #[test]
    fn dk_core_npu_url_system_and_unitless_pulse_oximetry_convert_to_percent() {
        let m = one(&observation(
            "http://npu-terminology.org",
            "NPU27280",
            0.97,
            "1",
        ));
        assert_eq!((m.parameter, m.unit.as_str()), (Parameter::Spo2, "1"));
        let reading = m.normalise(received()).expect("plausible");
        assert!(close(reading.value, 97.0), "{}", reading.value);
    }

    #[test]
    fn medcom_lung_function_and_cat_score_map() {
        let fev1 = one(&observation(
            "urn:oid:1.2.208.184.100.8",
            "MCS88015",
            1.45,
            "L",
        ));
        assert_eq!(
            (fev1.parameter, fev1.value, fev1.unit.as_str()),
            (Parameter::Fev1, 1.45, "L")
        );
        let fvc = one(&observation(
            "urn:oid:1.2.208.184.100.8",
            "MCS88016",
            2.9,
            "L",
        ));
        assert_eq!(fvc.parameter, Parameter::Fvc);

        // FUT's ConceptMap gives CAT the unit {Number}; a score's unit becomes {score}.
        let cat = one(&observation(
            "urn:oid:1.2.208.184.100.8",
            "MCS88137",
            18.0,
            "{Number}",
        ));
        assert_eq!(
            (cat.parameter, cat.unit.as_str()),
            (Parameter::CatScore, "{score}")
        );
        assert_eq!(cat.normalise(received()).expect("plausible").value, 18.0);

        let mut as_integer = observation("urn:oid:1.2.208.184.100.8", "MCS88137", 0.0, "");
        let object = as_integer.as_object_mut().expect("object");
        object.remove("valueQuantity");
        object.insert("valueInteger".into(), json!(22));
        let cat = one(&as_integer);
        assert_eq!((cat.value, cat.unit.as_str()), (22.0, "{score}"));
    }

    #[test]
    fn medcom_homecare_respiration_with_a_cpr_identifier_subject_maps() {
        let m = one(&fixture("medcom-homecare-respiration.json"));
        assert_eq!(m.citizen_id, citizen("2509479989"));
        assert_eq!(m.parameter, Parameter::RespiratoryRate);
        assert_eq!(m.unit, "1/min");
        assert_eq!(m.source.version, "1", "no meta: version 1");
        assert_eq!(m.effective_at, at("2026-11-21T08:24:08Z"));
    }

    #[test]
    fn mrc_has_no_parameter_and_is_rejected_as_an_unknown_code() {
        let rejected = rejection(&observation(
            "urn:oid:1.2.208.184.100.8",
            "MCS88021",
            3.0,
            "{Number}",
        ));
        assert_eq!(
            rejected.reason,
            RejectReason::UnknownCode {
                system: "urn:oid:1.2.208.184.100.8".into(),
                code: "MCS88021".into()
            }
        );
        assert_eq!(rejected.reason.code(), "unknown_code");
        assert_eq!(rejected.resource_type.as_deref(), Some("Observation"));
        assert_eq!(
            rejected.source_id.as_deref(),
            Some("https://ehealth.example/fhir|Observation/obs-1")
        );
    }

    #[test]
    fn loinc_codes_map() {
        let cases = [
            ("2708-6", 93.0, "%", Parameter::Spo2),
            ("59408-5", 93.0, "%", Parameter::Spo2),
            ("8867-4", 88.0, "/min", Parameter::Pulse),
            ("29463-7", 79.0, "kg", Parameter::Weight),
            ("8310-5", 37.2, "Cel", Parameter::Temperature),
            ("9279-1", 22.0, "/min", Parameter::RespiratoryRate),
            ("15074-8", 7.1, "mmol/L", Parameter::BloodGlucose),
            ("2339-0", 128.0, "mg/dL", Parameter::BloodGlucose),
            ("1988-5", 40.0, "mg/L", Parameter::Crp),
            ("20150-9", 1.2, "L", Parameter::Fev1),
            ("19870-5", 2.4, "L", Parameter::Fvc),
        ];
        for (code, value, unit, parameter) in cases {
            let m = one(&observation("http://loinc.org", code, value, unit));
            assert_eq!(
                (m.parameter, m.value, m.unit.as_str()),
                (parameter, value, unit),
                "{code}"
            );
        }
    }

    #[test]
    fn mdc_codes_map() {
        let cases = [
            ("150456", 95.0, "%", Parameter::Spo2),
            ("149530", 70.0, "/min", Parameter::Pulse),
            ("147842", 70.0, "/min", Parameter::Pulse),
            ("150364", 36.9, "Cel", Parameter::Temperature),
            ("151562", 16.0, "/min", Parameter::RespiratoryRate),
            ("160184", 6.2, "mmol/L", Parameter::BloodGlucose),
        ];
        for (code, value, unit, parameter) in cases {
            let m = one(&observation(
                "urn:iso:std:iso:11073:10101",
                code,
                value,
                unit,
            ));
            assert_eq!(
                (m.parameter, m.value, m.unit.as_str()),
                (parameter, value, unit),
                "{code}"
            );
        }
    }

    #[test]
    fn the_first_known_coding_wins_over_an_unknown_one_before_it() {
        let resource = json!({
            "resourceType": "Observation", "id": "hr", "status": "final",
            "code": {"coding": [
                {"system": "http://snomed.info/sct", "code": "364075005", "display": "Heart rate"},
                {"system": "http://loinc.org", "code": "8867-4"},
                {"system": "urn:iso:std:iso:11073:10101", "code": "150456"}
            ]},
            "subject": {"reference": "Patient/57174"},
            "effectiveDateTime": "2026-11-22T08:00:00+01:00",
            "valueQuantity": {"value": 92, "unit": "slag/minut", "system": "http://unitsofmeasure.org", "code": "/min"}
        });
        let m = one(&resource);
        assert_eq!((m.parameter, m.unit.as_str()), (Parameter::Pulse, "/min"));
        assert_eq!(m.source.version, "1");
    }

    #[test]
    fn a_loinc_blood_pressure_panel_gives_two_readings_with_distinct_sources() {
        let readings = measurements(&fixture("loinc-bp-panel.json"));
        assert_eq!(readings.len(), 2);
        let (systolic, diastolic) = (&readings[0], &readings[1]);
        assert_eq!(
            (systolic.parameter, systolic.value),
            (Parameter::SystolicBp, 147.0)
        );
        assert_eq!(
            (diastolic.parameter, diastolic.value),
            (Parameter::DiastolicBp, 83.0)
        );
        for r in &readings {
            assert_eq!(r.unit, "mm[Hg]");
            assert_eq!(r.citizen_id, citizen("2512489996"));
            assert_eq!(r.effective_at, at("2026-11-22T07:10:00Z"));
            assert_eq!(r.source.version, "2");
        }
        let panel = "https://ehealth.example/fhir|Observation/bp-2026-11-22-0810";
        assert_eq!(systolic.source.id, format!("{panel}#systolic_bp"));
        assert_eq!(diastolic.source.id, format!("{panel}#diastolic_bp"));
        assert!(
            readings
                .iter()
                .all(|r| retraction_covers(panel, &r.source.id))
        );
    }

    #[test]
    fn an_mdc_panel_in_kpa_passes_the_unit_through_and_normalise_converts_it() {
        let readings = measurements(&fixture("mdc-bp-panel-kpa.json"));
        let parameters: Vec<Parameter> = readings.iter().map(|r| r.parameter).collect();
        assert_eq!(
            parameters,
            [Parameter::SystolicBp, Parameter::DiastolicBp],
            "mean is not tracked"
        );
        assert!(readings.iter().all(|r| r.unit == "kPa"));
        let systolic = readings[0]
            .clone()
            .normalise(received())
            .expect("plausible");
        assert!(
            close(systolic.value, 18.7 * 7.500_615_75),
            "{}",
            systolic.value
        );
        let diastolic = readings[1]
            .clone()
            .normalise(received())
            .expect("plausible");
        assert!(close(diastolic.value, 84.006_896_4), "{}", diastolic.value);
    }

    #[test]
    fn fahrenheit_and_pounds_pass_through_and_normalise_to_canonical_units() {
        let fever = one(&observation("http://loinc.org", "8310-5", 100.4, "[degF]"));
        assert_eq!(fever.unit, "[degF]");
        let reading = fever.normalise(received()).expect("plausible");
        assert!(close(reading.value, 38.0), "{}", reading.value);
        assert_eq!(reading.parameter.canonical_unit(), "Cel");

        let weight = one(&observation(
            "urn:iso:std:iso:11073:10101",
            "188736",
            176.0,
            "[lb_av]",
        ));
        assert_eq!(
            (weight.parameter, weight.unit.as_str()),
            (Parameter::Weight, "[lb_av]")
        );
        let reading = weight.normalise(received()).expect("plausible");
        assert!(close(reading.value, 79.832_257_12), "{}", reading.value);
    }

    #[test]
    fn unit_text_is_used_when_the_quantity_is_not_ucum_coded() {
        let mut resource = observation("urn:oid:1.2.208.176.2.1", "NPU08676", 38.7, "Cel");
        resource["valueQuantity"] = json!({"value": 38.7, "unit": "°C"});
        let m = one(&resource);
        assert_eq!(m.unit, "°C");
        assert!(close(
            m.normalise(received()).expect("plausible").value,
            38.7
        ));
    }

    #[test]
    fn entered_in_error_and_cancelled_retract_the_whole_resource() {
        for status in ["entered-in-error", "cancelled"] {
            let mut resource = fixture("loinc-bp-panel.json");
            resource["status"] = json!(status);
            // A retraction needs nothing else to be valid.
            resource
                .as_object_mut()
                .expect("object")
                .remove("component");
            assert_eq!(
                map(&resource).expect("retraction"),
                ObservationUpdate::Retracted {
                    source_id: "https://ehealth.example/fhir|Observation/bp-2026-11-22-0810".into()
                },
                "{status}"
            );
        }
    }

    #[test]
    fn preliminary_amended_and_corrected_are_measurements_but_registered_is_not() {
        for status in ["preliminary", "amended", "corrected"] {
            let mut resource = observation("http://loinc.org", "8867-4", 70.0, "/min");
            resource["status"] = json!(status);
            assert_eq!(one(&resource).parameter, Parameter::Pulse, "{status}");
        }
        let mut registered = observation("http://loinc.org", "8867-4", 70.0, "/min");
        registered["status"] = json!("registered");
        assert!(malformed_message(&rejection(&registered)).contains("registered"));
    }

    #[test]
    fn without_version_id_the_last_updated_instant_is_the_version() {
        let mut resource = observation("http://loinc.org", "8867-4", 70.0, "/min");
        resource["meta"] = json!({"lastUpdated": "2026-11-22T08:00:00.000+00:00"});
        assert_eq!(
            one(&resource).source.version,
            "2026-11-22T08:00:00.000+00:00"
        );
    }
}

mod rejected_observations {
    use super::*;

    #[test]
    fn a_resource_of_the_wrong_type_is_rejected_with_its_type() {
        let rejected = rejection(&fixture("fut-patient.json"));
        assert_eq!(rejected.resource_type.as_deref(), Some("Patient"));
        assert_eq!(
            rejected.source_id.as_deref(),
            Some("https://ehealth.example/fhir|Patient/57174")
        );
        assert!(
            malformed_message(&rejected).contains("expected resourceType Observation, got Patient")
        );
    }

    #[test]
    fn a_missing_subject_is_malformed() {
        let mut resource = observation("http://loinc.org", "8867-4", 70.0, "/min");
        resource.as_object_mut().expect("object").remove("subject");
        let rejected = rejection(&resource);
        assert_eq!(malformed_message(&rejected), "Observation has no subject");
        assert_eq!(
            rejected.source_id.as_deref(),
            Some("https://ehealth.example/fhir|Observation/obs-1")
        );
    }

    #[test]
    fn a_subject_that_is_not_a_patient_is_malformed() {
        let mut resource = observation("http://loinc.org", "8867-4", 70.0, "/min");
        resource["subject"] = json!({"reference": "Group/copd-cohort"});
        assert!(malformed_message(&rejection(&resource)).contains("Group, not a Patient"));
    }

    #[test]
    fn an_unknown_subject_is_an_unknown_citizen() {
        let mut resource = observation("http://loinc.org", "8867-4", 70.0, "/min");
        resource["subject"] =
            json!({"reference": "https://patient.ehealth.example/fhir/Patient/999"});
        let rejected = rejection(&resource);
        assert_eq!(
            rejected.reason,
            RejectReason::UnknownCitizen(citizen("999"))
        );
        assert_eq!(rejected.reason.code(), "unknown_citizen");

        resource["subject"] =
            json!({"identifier": {"system": "urn:oid:1.2.208.176.1.2", "value": "0101011111"}});
        assert_eq!(
            rejection(&resource).reason,
            RejectReason::UnknownCitizen(citizen("0101011111"))
        );

        resource["subject"] = json!({"reference": "urn:uuid:6f1c2d8e-1b7a-4c55-9d1e-2f3a4b5c6d7e"});
        assert!(malformed_message(&rejection(&resource)).contains("not a known citizen"));
    }

    #[test]
    fn an_unknown_code_is_rejected_with_the_first_coding() {
        let resource = json!({
            "resourceType": "Observation", "id": "bmi", "status": "final",
            "code": {"coding": [
                {"system": "urn:oid:1.2.208.176.2.1", "code": "NPU27281"},
                {"system": "http://loinc.org", "code": "39156-5"}
            ]},
            "subject": {"reference": "Patient/57174"},
            "effectiveDateTime": "2026-11-22T08:00:00+01:00",
            "valueQuantity": {"value": 24.1, "unit": "kg/m2"}
        });
        assert_eq!(
            rejection(&resource).reason,
            RejectReason::UnknownCode {
                system: "urn:oid:1.2.208.176.2.1".into(),
                code: "NPU27281".into()
            }
        );
        let no_coding = json!({
            "resourceType": "Observation", "id": "x", "status": "final",
            "code": {"text": "Blodsukker"}, "subject": {"reference": "Patient/57174"},
            "effectiveDateTime": "2026-11-22T08:00:00+01:00", "valueQuantity": {"value": 6}
        });
        assert_eq!(
            malformed_message(&rejection(&no_coding)),
            "Observation code has no coding"
        );
    }

    #[test]
    fn a_value_string_instead_of_a_quantity_is_malformed() {
        let mut resource = observation("http://loinc.org", "8867-4", 70.0, "/min");
        let object = resource.as_object_mut().expect("object");
        object.remove("valueQuantity");
        object.insert("valueString".into(), json!("72 slag/min"));
        let rejected = rejection(&resource);
        assert_eq!(
            malformed_message(&rejected),
            "Observation has valueString instead of a numeric valueQuantity"
        );
        assert_eq!(rejected.reason.code(), "malformed");
    }

    #[test]
    fn a_missing_or_non_numeric_or_bounded_value_is_malformed() {
        let mut no_value = observation("http://loinc.org", "8867-4", 70.0, "/min");
        no_value
            .as_object_mut()
            .expect("object")
            .remove("valueQuantity");
        assert_eq!(
            malformed_message(&rejection(&no_value)),
            "Observation has no value"
        );

        let mut absent = no_value.clone();
        absent["dataAbsentReason"] = json!({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "error"}]});
        assert!(malformed_message(&rejection(&absent)).contains("dataAbsentReason error"));

        let mut empty_quantity = observation("http://loinc.org", "8867-4", 70.0, "/min");
        empty_quantity["valueQuantity"] = json!({"unit": "/min"});
        assert!(malformed_message(&rejection(&empty_quantity)).contains("has no value"));

        let mut text_number = observation("http://loinc.org", "8867-4", 70.0, "/min");
        text_number["valueQuantity"]["value"] = json!("70");
        assert!(
            malformed_message(&rejection(&text_number))
                .contains("does not fit FHIR R4 Observation")
        );

        let mut bound = observation("http://loinc.org", "1988-5", 5.0, "mg/L");
        bound["valueQuantity"]["comparator"] = json!("<");
        assert!(malformed_message(&rejection(&bound)).contains("<5 is a bound"));

        let mut pulse_integer = observation("http://loinc.org", "8867-4", 70.0, "/min");
        let object = pulse_integer.as_object_mut().expect("object");
        object.remove("valueQuantity");
        object.insert("valueInteger".into(), json!(70));
        assert!(malformed_message(&rejection(&pulse_integer)).contains("valueInteger instead"));
    }

    #[test]
    fn a_missing_effective_time_is_malformed() {
        let mut resource = observation("http://loinc.org", "8867-4", 70.0, "/min");
        resource
            .as_object_mut()
            .expect("object")
            .remove("effectiveDateTime");
        assert!(
            malformed_message(&rejection(&resource))
                .starts_with("Observation has no effective time")
        );

        resource["effectivePeriod"] = json!({"end": "2026-11-22T08:00:00+01:00"});
        assert_eq!(
            one(&resource).effective_at,
            at("2026-11-22T07:00:00Z"),
            "period end alone"
        );
    }

    #[test]
    fn a_date_without_time_of_day_or_zone_is_malformed() {
        let mut resource = observation("http://loinc.org", "8867-4", 70.0, "/min");
        resource["effectiveDateTime"] = json!("2026-11-20");
        assert!(malformed_message(&rejection(&resource)).contains("date without a time of day"));
        resource["effectiveDateTime"] = json!("2026-11-20T08:00:00");
        assert!(malformed_message(&rejection(&resource)).contains("time zone"));
        resource["effectiveDateTime"] = json!("yesterday morning");
        assert!(malformed_message(&rejection(&resource)).contains("yesterday morning"));
    }

    #[test]
    fn a_panel_component_without_a_number_rejects_the_whole_panel() {
        let mut resource = fixture("loinc-bp-panel.json");
        resource["component"][1]
            .as_object_mut()
            .expect("component")
            .remove("valueQuantity");
        resource["component"][1]["valueString"] = json!("målefejl");
        let rejected = rejection(&resource);
        assert_eq!(
            malformed_message(&rejected),
            "diastolic_bp component has valueString instead of a numeric valueQuantity"
        );

        let mut no_known = fixture("loinc-bp-panel.json");
        no_known["component"] = json!([{"code": {"coding": [{"system": "http://loinc.org", "code": "8478-0"}]},
                                       "valueQuantity": {"value": 99, "code": "mm[Hg]"}}]);
        assert!(
            malformed_message(&rejection(&no_known)).contains("no component with a known code")
        );
    }

    #[test]
    fn non_objects_and_json_without_type_or_id_are_malformed() {
        let rejected = rejection(&json!("garbage"));
        assert_eq!(rejected.resource_type, None);
        assert_eq!(rejected.source_id, None);
        assert!(malformed_message(&rejected).contains("got a string"));

        assert!(
            malformed_message(&rejection(&json!({"id": "1"}))).contains("got JSON without one")
        );

        let mut no_id = observation("http://loinc.org", "8867-4", 70.0, "/min");
        no_id.as_object_mut().expect("object").remove("id");
        let rejected = rejection(&no_id);
        assert_eq!(malformed_message(&rejected), "Observation has no id");
        assert_eq!(rejected.source_id, None);
    }

    #[test]
    fn a_rejection_reads_as_one_line_for_a_human() {
        let mut resource = observation("http://loinc.org", "8867-4", 70.0, "/min");
        resource.as_object_mut().expect("object").remove("subject");
        assert_eq!(
            rejection(&resource).to_string(),
            "Observation https://ehealth.example/fhir|Observation/obs-1 rejected: malformed input: \
             Observation has no subject"
        );
    }
}

mod questionnaire_responses {
    use super::*;

    const DAILY: &str = "http://naerklinikken.dk/fhir/Questionnaire/daily-symptoms";
    const CAT: &str = "http://naerklinikken.dk/fhir/Questionnaire/cat";
    const SOURCE: &str = "https://ehealth.example/fhir|QuestionnaireResponse/qr-1";

    fn item(link_id: &str, value: i64) -> Value {
        json!({"linkId": link_id, "answer": [{"valueInteger": value}]})
    }

    /// A completed daily symptom questionnaire answered with `answers` in the form's order.
    fn daily(answers: [i64; 5]) -> Value {
        let links = [
            "breathlessness",
            "cough",
            "sputum-amount",
            "sputum-colour",
            "wellbeing",
        ];
        let items: Vec<Value> = links
            .iter()
            .zip(answers)
            .map(|(link, value)| item(link, value))
            .collect();
        json!({
            "resourceType": "QuestionnaireResponse",
            "id": "qr-1",
            "meta": {"versionId": "2", "lastUpdated": "2026-11-22T08:05:00.000+00:00"},
            "questionnaire": DAILY,
            "status": "completed",
            "subject": {"reference": "Patient/57174"},
            "authored": "2026-11-22T08:04:10+01:00",
            "item": items
        })
    }

    fn map(resource: &Value) -> Result<QuestionnaireUpdate, Rejected> {
        map_questionnaire_response(resource, BASE, &resolve)
    }

    fn score(resource: &Value) -> IncomingMeasurement {
        match map(resource) {
            Ok(QuestionnaireUpdate::Measurement(m)) => m,
            other => panic!("expected a measurement, got {other:?}"),
        }
    }

    fn rejection(resource: &Value) -> Rejected {
        map(resource).expect_err("rejected")
    }

    fn items_mut(resource: &mut Value) -> &mut Vec<Value> {
        resource["item"].as_array_mut().expect("items")
    }

    #[test]
    fn a_completed_daily_symptom_questionnaire_is_one_symptom_score() {
        let m = score(&daily([1, 2, 0, 1, 2]));
        assert_eq!(m.citizen_id, citizen("2512489996"));
        assert_eq!(m.parameter, Parameter::SymptomScore);
        assert_eq!((m.value, m.unit.as_str()), (6.0, "{score}"));
        assert_eq!(m.effective_at, at("2026-11-22T07:04:10Z"));
        assert_eq!(m.source.id, SOURCE);
        assert_eq!(m.source.version, "2");
        assert_eq!(m.normalise(received()).expect("plausible").value, 6.0);

        let worst = score(&daily([2; 5]));
        assert_eq!(worst.value, 10.0);
        assert!(
            worst.normalise(received()).is_ok(),
            "the maximum is plausible"
        );
    }

    #[test]
    fn a_cat_in_a_group_with_a_version_and_a_matching_total_is_one_cat_score() {
        let answers = [
            ("cough", 3),
            ("phlegm", 2),
            ("chest-tightness", 1),
            ("breathlessness", 5),
            ("activities", 4),
            ("confidence", 0),
            ("sleep", 2),
            ("energy", 3),
        ];
        let items: Vec<Value> = answers.iter().map(|(l, v)| item(l, *v)).collect();
        let resource = json!({
            "resourceType": "QuestionnaireResponse", "id": "cat-7",
            "questionnaire": format!("{CAT}|1.0"),
            "status": "amended",
            "subject": {"identifier": {"system": "urn:oid:1.2.208.176.1.2", "value": "2509479989"}},
            "authored": "2026-11-21T10:00:00Z",
            "item": [
                {"linkId": "intro", "text": "Hvordan har du det med din KOL?"},
                {"linkId": "questions", "item": items},
                item("total", 20)
            ]
        });
        let m = score(&resource);
        assert_eq!(m.citizen_id, citizen("2509479989"));
        assert_eq!((m.parameter, m.value), (Parameter::CatScore, 20.0));
        assert_eq!(
            m.source.id,
            "https://ehealth.example/fhir|QuestionnaireResponse/cat-7"
        );
        assert_eq!(m.source.version, "1", "no meta: version 1");
    }

    #[test]
    fn entered_in_error_retracts_and_unfinished_forms_are_pending() {
        let mut withdrawn = json!({
            "resourceType": "QuestionnaireResponse", "id": "qr-1", "status": "entered-in-error"
        });
        assert_eq!(
            map(&withdrawn).expect("retraction"),
            QuestionnaireUpdate::Retracted {
                source_id: SOURCE.into()
            }
        );
        // A retraction of a response whose reading was stored covers exactly that reading.
        assert!(retraction_covers(SOURCE, &score(&daily([0; 5])).source.id));

        for status in ["in-progress", "stopped"] {
            // Half answered, and already about an unknown form: still only pending.
            let mut half = daily([1, 1, 0, 0, 0]);
            items_mut(&mut half).truncate(2);
            half["status"] = json!(status);
            assert_eq!(map(&half), Ok(QuestionnaireUpdate::Pending), "{status}");
            withdrawn["status"] = json!(status);
            assert_eq!(
                map(&withdrawn),
                Ok(QuestionnaireUpdate::Pending),
                "{status}"
            );
        }
    }

    #[test]
    fn an_unknown_or_unnamed_questionnaire_is_rejected() {
        let mut resource = daily([0; 5]);
        resource["questionnaire"] = json!("http://example.org/fhir/Questionnaire/phq-9|3");
        let rejected = rejection(&resource);
        assert_eq!(
            rejected.reason,
            RejectReason::UnknownQuestionnaire(
                "http://example.org/fhir/Questionnaire/phq-9|3".into()
            )
        );
        assert_eq!(rejected.reason.code(), "unknown_questionnaire");
        assert_eq!(
            rejected.resource_type.as_deref(),
            Some("QuestionnaireResponse")
        );
        assert_eq!(rejected.source_id.as_deref(), Some(SOURCE));

        resource
            .as_object_mut()
            .expect("object")
            .remove("questionnaire");
        assert!(malformed_message(&rejection(&resource)).contains("which questionnaire"));
    }

    #[test]
    fn a_missing_subject_or_unknown_citizen_is_rejected() {
        let mut resource = daily([0; 5]);
        resource["subject"] = json!({"reference": "Patient/404"});
        assert_eq!(
            rejection(&resource).reason,
            RejectReason::UnknownCitizen(citizen("404"))
        );
        resource.as_object_mut().expect("object").remove("subject");
        assert_eq!(
            malformed_message(&rejection(&resource)),
            "QuestionnaireResponse has no subject"
        );
    }

    #[test]
    fn a_missing_or_date_only_authored_time_is_rejected() {
        let mut resource = daily([0; 5]);
        resource["authored"] = json!("2026-11-22");
        assert!(malformed_message(&rejection(&resource)).contains("date without a time of day"));
        resource.as_object_mut().expect("object").remove("authored");
        assert_eq!(
            malformed_message(&rejection(&resource)),
            "QuestionnaireResponse has no authored time"
        );
    }

    #[test]
    fn answers_that_are_not_integers_or_out_of_range_are_rejected() {
        let cases = [
            (json!({"valueString": "1"}), "valueString"),
            (json!({"valueDecimal": 1.5}), "not a valueInteger"),
            (json!({"valueInteger": 1.5}), "not an integer"),
            (
                json!({"valueCoding": {"system": "http://loinc.org", "code": "LA6568-5"}}),
                "valueCoding",
            ),
            (json!({"valueInteger": 3}), "outside its range 0..2"),
            (json!({"valueInteger": -1}), "outside its range 0..2"),
        ];
        for (answer, expected) in cases {
            let mut resource = daily([0; 5]);
            resource["item"][1]["answer"] = json!([answer]);
            let rejected = rejection(&resource);
            let message = malformed_message(&rejected);
            assert!(
                message.contains("\"cough\"") && message.contains(expected),
                "{message}"
            );
        }
        let mut two = daily([0; 5]);
        two["item"][1]["answer"] = json!([{"valueInteger": 0}, {"valueInteger": 1}]);
        assert!(malformed_message(&rejection(&two)).contains("2 answers"));

        let mut cat = daily([0; 5]);
        cat["questionnaire"] = json!(CAT);
        assert!(
            malformed_message(&rejection(&cat)).contains("not in the questionnaire"),
            "daily items are not CAT items"
        );
    }

    #[test]
    fn a_half_written_form_marked_completed_is_rejected() {
        let mut resource = daily([2, 2, 0, 0, 0]);
        items_mut(&mut resource).truncate(2);
        // An item present without an answer is as missing as one left out.
        items_mut(&mut resource).push(json!({"linkId": "sputum-amount", "answer": []}));
        let rejected = rejection(&resource);
        assert_eq!(rejected.reason.code(), "malformed");
        assert_eq!(
            malformed_message(&rejected),
            "the form is marked done but 3 of its 5 items are unanswered: sputum-amount, \
             sputum-colour, wellbeing"
        );

        // A total alone does not stand in for the answers.
        let mut only_total = daily([0; 5]);
        only_total["item"] = json!([item("total", 4)]);
        assert!(malformed_message(&rejection(&only_total)).contains("5 of its 5"));
    }

    #[test]
    fn a_total_that_disagrees_with_the_answers_and_repeated_items_are_rejected() {
        let mut resource = daily([1, 1, 1, 0, 0]);
        items_mut(&mut resource).push(item("total", 4));
        assert_eq!(
            malformed_message(&rejection(&resource)),
            "the form's total 4 is not the sum of its answers (3)"
        );
        let mut matching = daily([1, 1, 1, 0, 0]);
        items_mut(&mut matching).push(item("total", 3));
        assert_eq!(score(&matching).value, 3.0);

        let mut repeated = daily([1, 1, 1, 0, 0]);
        items_mut(&mut repeated).push(item("cough", 2));
        assert!(malformed_message(&rejection(&repeated)).contains("more than once"));

        let mut extra = daily([0; 5]);
        items_mut(&mut extra).push(item("appetite", 1));
        assert!(malformed_message(&rejection(&extra)).contains("\"appetite\""));
    }

    #[test]
    fn a_bad_status_no_id_or_another_resource_type_is_rejected() {
        let mut resource = daily([0; 5]);
        resource["status"] = json!("final");
        assert!(malformed_message(&rejection(&resource)).contains("\"final\""));
        resource.as_object_mut().expect("object").remove("status");
        assert_eq!(
            malformed_message(&rejection(&resource)),
            "QuestionnaireResponse has no status"
        );

        let mut no_id = daily([0; 5]);
        no_id.as_object_mut().expect("object").remove("id");
        let rejected = rejection(&no_id);
        assert_eq!(rejected.source_id, None);
        assert_eq!(
            malformed_message(&rejected),
            "QuestionnaireResponse has no id"
        );

        let rejected = rejection(&observation("http://loinc.org", "8867-4", 70.0, "/min"));
        assert_eq!(rejected.resource_type.as_deref(), Some("Observation"));
        assert_eq!(
            rejected.source_id.as_deref(),
            Some("https://ehealth.example/fhir|Observation/obs-1")
        );
        assert!(
            malformed_message(&rejected).contains("expected resourceType QuestionnaireResponse")
        );
    }
}

mod bundles {
    use super::*;

    #[test]
    fn a_searchset_with_garbage_entries_still_maps_the_good_ones() {
        let bytes = serde_json::to_vec(&fixture("searchset-mixed.json")).expect("bytes");
        let bundle = parse_bundle(&bytes).expect("bundle");
        assert_eq!(bundle.bundle_type.as_deref(), Some("searchset"));
        assert_eq!(bundle.total, Some(9));
        assert_eq!(
            bundle.next_link(),
            Some(
                "https://ehealth.example/fhir?_getpages=5d1c0e9a&_getpagesoffset=9&_count=9&_bundletype=searchset"
            )
        );
        assert_eq!(bundle.entry.len(), 10);

        let mut accepted = Vec::new();
        let mut retracted = Vec::new();
        let mut rejected = Vec::new();
        let mut patients = Vec::new();
        let mut skipped = 0;
        for resource in bundle.resources() {
            match resource_type_of(resource) {
                Some("Patient") => patients.push(map_patient(resource, BASE).expect("patient")),
                Some("OperationOutcome") => skipped += 1,
                _ => match map(resource) {
                    Ok(ObservationUpdate::Measurements(m)) => accepted.extend(m),
                    Ok(ObservationUpdate::Retracted { source_id }) => retracted.push(source_id),
                    Err(r) => rejected.push(r),
                },
            }
        }
        assert_eq!(accepted.len(), 1);
        assert_eq!(
            (accepted[0].parameter, accepted[0].value),
            (Parameter::Weight, 81.4)
        );
        assert_eq!(retracted, ["https://ehealth.example/fhir|Observation/p-3"]);
        assert_eq!(patients.len(), 1);
        assert_eq!(patients[0].citizen.id, citizen("2512489996"));
        assert_eq!(skipped, 1);

        let reasons: Vec<(&str, Option<&str>)> = rejected
            .iter()
            .map(|r| (r.reason.code(), r.source_id.as_deref()))
            .collect();
        assert_eq!(
            reasons,
            [
                ("malformed", None),
                ("malformed", None),
                ("malformed", None),
                (
                    "malformed",
                    Some("https://ehealth.example/fhir|Observation/t-9")
                ),
                (
                    "unknown_code",
                    Some("https://ehealth.example/fhir|Observation/h-2")
                ),
            ]
        );
        assert!(
            rejected[0].to_string().contains("got a string"),
            "{}",
            rejected[0]
        );
        assert!(
            rejected[1].to_string().contains("got a number"),
            "{}",
            rejected[1]
        );
        assert!(
            rejected[2].to_string().contains("got a string"),
            "the unparsed JSON text"
        );
        assert!(
            rejected[3].to_string().contains("invalid type: string"),
            "{}",
            rejected[3]
        );
        // The entry without a resource is kept, with nothing to map.
        assert!(bundle.entry[9].resource.is_none());
        assert_eq!(
            bundle.entry[9].full_url.as_deref(),
            Some("https://ehealth.example/fhir/Observation/empty")
        );
    }

    #[test]
    fn a_body_that_is_not_json_is_an_error_naming_where() {
        let err =
            parse_bundle(br#"{"resourceType": "Bundle", "entry": [ {"#).expect_err("not JSON");
        assert!(matches!(err, FhirError::Json(_)));
        assert!(
            err.to_string()
                .starts_with("the response is not valid JSON"),
            "{err}"
        );
        assert!(err.to_string().contains("line 1"), "{err}");
    }

    #[test]
    fn an_operation_outcome_instead_of_a_bundle_carries_the_servers_message() {
        let err = parse_bundle(
            br#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"security",
                 "diagnostics":"Access token expired"}]}"#,
        )
        .expect_err("not a bundle");
        assert_eq!(
            err.to_string(),
            "the server answered with an OperationOutcome instead of a Bundle: error security: \
             Access token expired"
        );
    }

    #[test]
    fn other_resources_and_typeless_json_are_not_bundles() {
        let err = parse_bundle(br#"{"resourceType":"Patient","id":"1"}"#).expect_err("patient");
        assert!(
            matches!(err, FhirError::WrongResourceType { expected: "Bundle", ref found } if found == "Patient")
        );
        let err = parse_bundle(br#"[1, 2]"#).expect_err("array");
        assert!(matches!(err, FhirError::NoResourceType));
        let err = parse_bundle(br#"{"resourceType":"Bundle","entry":{"resource":{}}}"#)
            .expect_err("entry object");
        assert!(
            matches!(
                err,
                FhirError::Shape {
                    resource_type: "Bundle",
                    ..
                }
            ),
            "{err}"
        );
    }
}

mod patients {
    use super::*;

    #[test]
    fn a_fut_patient_becomes_a_citizen_keyed_by_cpr() {
        let record = map_patient(&fixture("fut-patient.json"), BASE).expect("patient");
        assert_eq!(
            record.resource_id,
            "https://ehealth.example/fhir|Patient/57174"
        );
        assert_eq!(record.version, "3");
        let c = &record.citizen;
        assert_eq!(c.id, citizen("2512489996"));
        assert_eq!(c.name, "Nancy Ann Knudsen");
        assert_eq!(c.birth_date.as_deref(), Some("1948-12-25"));
        assert_eq!(c.phone.as_deref(), Some("+45 20 12 34 56"), "mobile first");
        assert_eq!(
            c.address.as_deref(),
            Some("Algade 12, 1. th., 4500 Nykøbing Sj"),
            "home, not old"
        );
        assert!(c.diagnoses.is_empty());
    }

    #[test]
    fn without_cpr_the_resource_id_is_the_citizen_id_and_text_names_win() {
        let resource = json!({
            "resourceType": "Patient", "id": "elmer",
            "name": [{"text": "Elmer Test Hansen", "family": "Hansen"}],
            "telecom": [{"system": "phone", "value": "+45 05577668"}],
            "birthDate": "1947-09",
            "address": [{"text": "Havnevej 3, 4500 Nykøbing Sj"}]
        });
        let record = map_patient(&resource, BASE).expect("patient");
        assert_eq!(record.citizen.id, citizen("elmer"));
        assert_eq!(record.citizen.name, "Elmer Test Hansen");
        assert_eq!(
            record.citizen.birth_date, None,
            "a partial date is not kept"
        );
        assert_eq!(record.citizen.phone.as_deref(), Some("+45 05577668"));
        assert_eq!(
            record.citizen.address.as_deref(),
            Some("Havnevej 3, 4500 Nykøbing Sj")
        );
        assert_eq!(record.version, "1");
    }

    #[test]
    fn a_patient_without_name_or_id_is_rejected() {
        let mut nameless = fixture("fut-patient.json");
        nameless["name"] = json!([{"use": "official", "given": [" "]}]);
        let rejected = map_patient(&nameless, BASE).expect_err("no name");
        assert_eq!(
            rejected.reason,
            RejectReason::Malformed("Patient has no name".into())
        );
        assert_eq!(
            rejected.source_id.as_deref(),
            Some("https://ehealth.example/fhir|Patient/57174")
        );

        let mut no_id = fixture("fut-patient.json");
        no_id.as_object_mut().expect("object").remove("id");
        let rejected = map_patient(&no_id, BASE).expect_err("no id");
        assert_eq!(
            rejected.reason,
            RejectReason::Malformed("Patient has no id".into())
        );
        assert_eq!(rejected.source_id, None);
    }

    #[test]
    fn an_unusable_cpr_is_rejected_rather_than_replaced() {
        let mut resource = fixture("fut-patient.json");
        resource["identifier"][1]["value"] = json!("251248 9996");
        let rejected = map_patient(&resource, BASE).expect_err("bad cpr");
        assert!(
            matches!(&rejected.reason, RejectReason::Malformed(m) if m.contains("CPR identifier"))
        );
    }

    #[test]
    fn an_observation_is_not_a_patient() {
        let rejected =
            map_patient(&fixture("fut-observation-spo2.json"), BASE).expect_err("wrong type");
        assert_eq!(rejected.resource_type.as_deref(), Some("Observation"));
    }
}

mod conditions {
    use super::*;

    fn condition(system: &str, code: &str) -> Value {
        json!({
            "resourceType": "Condition", "id": "c-1",
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
            "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": "encounter-diagnosis"}]}],
            "code": {"coding": [{"system": system, "code": code}]},
            "subject": {"reference": "Patient/57174"},
            "recordedDate": "2024-03-15"
        })
    }

    fn diagnosis(resource: &Value) -> Option<Diagnosis> {
        map_condition(resource, &resolve)
            .expect("mapped")
            .map(|(id, d)| {
                assert_eq!(id, citizen("2512489996"));
                d
            })
    }

    #[test]
    fn tracked_diagnoses_map_from_icd10_sks_and_snomed() {
        let cases = [
            ("http://hl7.org/fhir/sid/icd-10", "J44.1", Diagnosis::Copd),
            ("urn:oid:1.2.208.176.2.4", "DJ449", Diagnosis::Copd),
            ("urn:oid:1.2.208.176.2.4", "DI509", Diagnosis::HeartFailure),
            ("urn:oid:1.2.208.176.2.4.12", "DE11", Diagnosis::Diabetes),
            (
                "http://hl7.org/fhir/sid/icd-10",
                "E10.9",
                Diagnosis::Diabetes,
            ),
            ("http://snomed.info/sct", "13645005", Diagnosis::Copd),
            (
                "http://snomed.info/sct",
                "84114007",
                Diagnosis::HeartFailure,
            ),
            ("http://snomed.info/sct", "44054006", Diagnosis::Diabetes),
            ("http://snomed.info/sct", "46635009", Diagnosis::Diabetes),
        ];
        for (system, code, expected) in cases {
            assert_eq!(
                diagnosis(&condition(system, code)),
                Some(expected),
                "{system} {code}"
            );
        }
    }

    #[test]
    fn untracked_inactive_and_withdrawn_conditions_are_nothing() {
        assert_eq!(
            diagnosis(&condition("http://hl7.org/fhir/sid/icd-10", "I10")),
            None
        );
        for status in ["inactive", "resolved", "remission"] {
            let mut resource = condition("http://hl7.org/fhir/sid/icd-10", "J44.1");
            resource["clinicalStatus"]["coding"][0]["code"] = json!(status);
            assert_eq!(diagnosis(&resource), None, "{status}");
        }
        for status in ["refuted", "entered-in-error"] {
            let mut resource = condition("http://hl7.org/fhir/sid/icd-10", "J44.1");
            resource["verificationStatus"]["coding"][0]["code"] = json!(status);
            assert_eq!(diagnosis(&resource), None, "{status}");
        }
        // An untracked condition about an unknown patient is not a rejection either.
        let mut stranger = condition("http://hl7.org/fhir/sid/icd-10", "I10");
        stranger["subject"] = json!({"reference": "Patient/404"});
        assert_eq!(map_condition(&stranger, &resolve).expect("nothing"), None);
    }

    #[test]
    fn a_tracked_diagnosis_for_an_unknown_or_missing_subject_is_rejected() {
        let mut resource = condition("urn:oid:1.2.208.176.2.4", "DJ441");
        resource["subject"] = json!({"reference": "Patient/404"});
        let rejected = map_condition(&resource, &resolve).expect_err("unknown");
        assert_eq!(
            rejected.reason,
            RejectReason::UnknownCitizen(citizen("404"))
        );
        assert_eq!(rejected.source_id.as_deref(), Some("Condition/c-1"));

        resource.as_object_mut().expect("object").remove("subject");
        let rejected = map_condition(&resource, &resolve).expect_err("missing");
        assert_eq!(
            rejected.reason,
            RejectReason::Malformed("Condition has no subject".into())
        );
    }

    #[test]
    fn a_condition_is_checked_for_its_type() {
        let rejected = map_condition(&fixture("fut-patient.json"), &resolve).expect_err("patient");
        assert_eq!(rejected.resource_type.as_deref(), Some("Patient"));
        assert_eq!(rejected.source_id.as_deref(), Some("Patient/57174"));
    }
}

mod capability {
    use super::*;

    #[test]
    fn the_capability_statement_says_what_the_sync_may_rely_on() {
        let bytes = serde_json::to_vec(&fixture("capability-statement.json")).expect("bytes");
        let cs: CapabilityStatement = parse_resource(&bytes).expect("capability statement");
        assert_eq!(cs.fhir_version.as_deref(), Some("4.0.1"));
        assert!(cs.supports_transaction());
        assert!(!cs.supports_batch());

        let observation = cs.resource("Observation").expect("observation");
        assert!(observation.supports("search-type"));
        assert!(!observation.supports("create"));
        assert!(observation.versioned_update());
        assert_eq!(observation.conditional_create, Some(false));
        assert!(cs.can_search("Observation", "subject"));
        assert!(
            cs.can_search("Observation", "_lastUpdated"),
            "declared for all types"
        );
        assert!(!cs.can_search("Observation", "patient"));

        let communication = cs.resource("Communication").expect("communication");
        assert_eq!(communication.conditional_create, Some(true));
        assert!(communication.supports("create"));
        assert!(cs.resource("Task").is_none());
        assert!(!cs.can_search("Task", "_lastUpdated"));
    }
}
