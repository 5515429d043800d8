//! The FHIR R4 JSON the simulator serves: Patient, Condition and Observation built from the
//! cohort, coded the way different backends code them, QuestionnaireResponses for the scored
//! forms, Encounters for MAS visits and admissions, plus the CapabilityStatement and
//! OperationOutcome. The inverse of `vagt_fhir`'s mappers, and tested against them.

use crate::readings::ServerValue;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use vagt_core::{Citizen, Diagnosis, Parameter, Timestamp};
use vagt_fhir::codes::system;

/// How a citizen's backend codes measurements: most Danish (NPU/DNK and MedCom), some LOINC,
/// some IEEE 11073 MDC (a device gateway).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeStyle {
    Danish,
    Loinc,
    Mdc,
}

impl CodeStyle {
    /// The style of the cohort's citizen number `index`.
    pub fn for_index(index: usize) -> Self {
        if index % 5 == 3 {
            CodeStyle::Loinc
        } else if index % 7 == 4 {
            CodeStyle::Mdc
        } else {
            CodeStyle::Danish
        }
    }

    /// Whether systolic and diastolic pressure go into one panel Observation.
    pub fn bp_as_panel(self) -> bool {
        !matches!(self, CodeStyle::Danish)
    }
}

fn coding(system: &str, code: &str, display: &str) -> Value {
    json!({"system": system, "code": code, "display": display})
}

/// The codings of one parameter in a style; a parameter the style has no code for falls back
/// to the Danish one. `None` for the clinic's own symptom score, which no backend codes.
pub(crate) fn codings(style: CodeStyle, parameter: Parameter) -> Option<Vec<Value>> {
    use Parameter::*;
    let own = match style {
        CodeStyle::Danish => None,
        CodeStyle::Loinc => match parameter {
            Spo2 => Some(vec![
                coding(
                    system::LOINC,
                    "59408-5",
                    "Oxygen saturation in Arterial blood by Pulse oximetry",
                ),
                coding(
                    system::LOINC,
                    "2708-6",
                    "Oxygen saturation in Arterial blood",
                ),
            ]),
            Pulse => Some(vec![coding(system::LOINC, "8867-4", "Heart rate")]),
            Weight => Some(vec![coding(system::LOINC, "29463-7", "Body weight")]),
            Temperature => Some(vec![coding(system::LOINC, "8310-5", "Body temperature")]),
            SystolicBp => Some(vec![coding(
                system::LOINC,
                "8480-6",
                "Systolic blood pressure",
            )]),
            DiastolicBp => Some(vec![coding(
                system::LOINC,
                "8462-4",
                "Diastolic blood pressure",
            )]),
            RespiratoryRate => Some(vec![coding(system::LOINC, "9279-1", "Respiratory rate")]),
            BloodGlucose => Some(vec![coding(
                system::LOINC,
                "15074-8",
                "Glucose [Moles/volume] in Blood",
            )]),
            Crp => Some(vec![coding(
                system::LOINC,
                "1988-5",
                "C reactive protein [Mass/volume] in Serum or Plasma",
            )]),
            Fev1 => Some(vec![coding(system::LOINC, "20150-9", "FEV1")]),
            Fvc => Some(vec![coding(
                system::LOINC,
                "19870-5",
                "Forced vital capacity",
            )]),
            CatScore | SymptomScore => None,
        },
        CodeStyle::Mdc => {
            let code = match parameter {
                Spo2 => Some(("150456", "MDC_PULS_OXIM_SAT_O2")),
                Pulse => Some(("149530", "MDC_PULS_OXIM_PULS_RATE")),
                Weight => Some(("188736", "MDC_MASS_BODY_ACTUAL")),
                Temperature => Some(("150364", "MDC_TEMP_BODY")),
                SystolicBp => Some(("150021", "MDC_PRESS_BLD_NONINV_SYS")),
                DiastolicBp => Some(("150022", "MDC_PRESS_BLD_NONINV_DIA")),
                RespiratoryRate => Some(("151562", "MDC_RESP_RATE")),
                BloodGlucose => Some(("160184", "MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD")),
                Fev1 => Some(("152586", "MDC_VOL_AWAY_EXP_FORCED_1S")),
                Fvc => Some(("188928", "MDC_VOL_AWAY_EXP_FORCED_CAPACITY")),
                Crp | CatScore | SymptomScore => None,
            };
            code.map(|(code, display)| vec![coding(system::MDC, code, display)])
        }
    };
    own.or_else(|| danish(parameter))
}

fn danish(parameter: Parameter) -> Option<Vec<Value>> {
    use Parameter::*;
    let (system, code, display) = match parameter {
        Spo2 => (
            system::NPU,
            "NPU03011",
            "Hb(aB)—Oxygen saturation; Iltmætning",
        ),
        Pulse => (
            system::NPU,
            "NPU21692",
            "Hjerte—Systole; frekv. = ? × 1/min",
        ),
        Weight => (system::NPU, "NPU03804", "Pt—Legeme; masse = ? kg"),
        Temperature => (system::NPU, "NPU08676", "Pt—Legeme; temp. = ? °C"),
        SystolicBp => (
            system::NPU,
            "DNK05472",
            "Arm—Blodtryk(systolisk); tryk = ? mmHg",
        ),
        DiastolicBp => (
            system::NPU,
            "DNK05473",
            "Arm—Blodtryk(diastolisk); tryk = ? mmHg",
        ),
        BloodGlucose => (system::NPU, "NPU22089", "P(kB)—Glucose; stofk. = ? mmol/L"),
        Crp => (
            system::NPU,
            "NPU19748",
            "P—C-reaktivt protein; massek. = ? mg/L",
        ),
        Fev1 => (system::MEDCOM, "MCS88015", "FEV1"),
        Fvc => (system::MEDCOM, "MCS88016", "FVC"),
        CatScore => (system::MEDCOM, "MCS88137", "CAT score"),
        RespiratoryRate => (system::MEDCOM_URL, "MCS88122", "Respirationsfrekvens"),
        SymptomScore => return None,
    };
    Some(vec![coding(system, code, display)])
}

fn panel_code(style: CodeStyle) -> Value {
    match style {
        CodeStyle::Mdc => coding(system::MDC, "150020", "MDC_PRESS_BLD_NONINV"),
        _ => coding(
            system::LOINC,
            "85354-9",
            "Blood pressure panel with all children optional",
        ),
    }
}

fn is_vital_sign(parameter: Parameter) -> bool {
    use Parameter::*;
    matches!(
        parameter,
        Spo2 | Pulse | Weight | Temperature | SystolicBp | DiastolicBp | RespiratoryRate
    )
}

fn quantity(value: &ServerValue) -> Value {
    json!({
        "value": value.value,
        "unit": value.unit,
        "system": system::UCUM,
        "code": value.unit,
    })
}

/// What an Observation says, independent of how it is coded.
pub(crate) struct ObservationContent<'a> {
    pub style: CodeStyle,
    pub patient_id: &'a str,
    pub status: &'a str,
    pub effective_at: Timestamp,
    /// One value, or systolic + diastolic of one blood-pressure measurement.
    pub values: &'a [ServerValue],
}

/// Whether these values are one blood-pressure panel in this style.
pub(crate) fn is_panel(style: CodeStyle, values: &[ServerValue]) -> bool {
    style.bp_as_panel()
        && values.len() == 2
        && values
            .iter()
            .all(|v| matches!(v.parameter, Parameter::SystolicBp | Parameter::DiastolicBp))
}

/// The Observation (without `meta`, which the store sets). `None` when the parameter cannot be
/// coded (the symptom score) or there is no value.
pub(crate) fn observation(id: &str, content: &ObservationContent<'_>) -> Option<Value> {
    let first = content.values.first()?;
    let mut resource = json!({
        "resourceType": "Observation",
        "id": id,
        "status": content.status,
        "subject": {"reference": format!("Patient/{}", content.patient_id)},
        "effectiveDateTime": content.effective_at.to_rfc3339(),
    });
    if is_panel(content.style, content.values) {
        let components: Option<Vec<Value>> = content
            .values
            .iter()
            .map(|v| {
                Some(json!({
                    "code": {"coding": codings(content.style, v.parameter)?},
                    "valueQuantity": quantity(v),
                }))
            })
            .collect();
        resource["code"] = json!({"coding": [panel_code(content.style)], "text": "Blodtryk"});
        resource["component"] = Value::Array(components?);
        resource["category"] = vital_signs();
    } else {
        resource["code"] = json!({"coding": codings(content.style, first.parameter)?});
        resource["valueQuantity"] = quantity(first);
        if is_vital_sign(first.parameter) {
            resource["category"] = vital_signs();
        }
    }
    Some(resource)
}

/// What a QuestionnaireResponse says.
pub(crate) struct ResponseContent<'a> {
    /// The form's canonical URL.
    pub questionnaire: &'a str,
    pub patient_id: &'a str,
    pub status: &'a str,
    pub authored: Timestamp,
    /// (linkId, valueInteger), in the form's order; fewer than the form has while in progress.
    pub answers: &'a [(&'static str, i64)],
}

/// The QuestionnaireResponse (without `meta`, which the store sets), one flat item per answer,
/// as a home-monitoring app records a short form.
pub(crate) fn questionnaire_response(id: &str, content: &ResponseContent<'_>) -> Value {
    let items: Vec<Value> = content
        .answers
        .iter()
        .map(|(link_id, value)| json!({"linkId": link_id, "answer": [{"valueInteger": value}]}))
        .collect();
    json!({
        "resourceType": "QuestionnaireResponse",
        "id": id,
        "questionnaire": content.questionnaire,
        "status": content.status,
        "subject": {"reference": format!("Patient/{}", content.patient_id)},
        "authored": content.authored.to_rfc3339(),
        "item": items,
    })
}

/// What an Encounter says.
pub(crate) struct EncounterContent<'a> {
    pub patient_id: &'a str,
    pub status: &'a str,
    /// `Encounter.class`: (system, code).
    pub class: (&'a str, &'a str),
    /// A stay in a municipal acute bed (the clinic's `acute-bed` type), not in hospital.
    pub acute_bed: bool,
    pub start: Timestamp,
    pub end: Option<Timestamp>,
}

/// The Encounter (without `meta`, which the store sets), as a municipal or regional care
/// record writes a visit or a stay.
pub(crate) fn encounter(id: &str, content: &EncounterContent<'_>) -> Value {
    let (class_system, class_code) = content.class;
    let display = match class_code {
        "HH" => "home health",
        "IMP" => "inpatient encounter",
        "ACUTE" => "inpatient acute",
        _ => "",
    };
    let mut class = json!({"system": class_system, "code": class_code});
    if !display.is_empty() {
        class["display"] = json!(display);
    }
    let mut period = json!({"start": content.start.to_rfc3339()});
    if let Some(end) = content.end {
        period["end"] = json!(end.to_rfc3339());
    }
    let mut resource = json!({
        "resourceType": "Encounter",
        "id": id,
        "status": content.status,
        "class": class,
        "subject": {"reference": format!("Patient/{}", content.patient_id)},
        "period": period,
    });
    if content.acute_bed {
        resource["type"] = json!([{
            "coding": [{
                "system": vagt_core::alarm::VAGT_CODE_SYSTEM,
                "code": vagt_fhir::ACUTE_BED_CODE,
                "display": "Kommunal akutplads",
            }],
            "text": "Kommunal akutplads",
        }]);
    } else if class_code == "HH" {
        resource["serviceType"] = json!({"text": "Akut sygepleje i hjemmet (MAS)"});
    }
    resource
}

fn vital_signs() -> Value {
    json!([{"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
        "code": "vital-signs",
    }]}])
}

/// The Patient for a citizen: CPR identifier, name, birth date, phone, address.
pub(crate) fn patient(id: &str, citizen: &Citizen) -> Value {
    let mut parts: Vec<&str> = citizen.name.split_whitespace().collect();
    let family = parts.pop().unwrap_or_default();
    let mut resource = json!({
        "resourceType": "Patient",
        "id": id,
        "identifier": [{"use": "official", "system": system::CPR, "value": citizen.id.as_str()}],
        "active": true,
        "name": [{"use": "official", "text": citizen.name, "family": family, "given": parts}],
    });
    if let Some(birth_date) = &citizen.birth_date {
        resource["birthDate"] = json!(birth_date);
    }
    if let Some(phone) = &citizen.phone {
        resource["telecom"] = json!([{"system": "phone", "value": phone, "use": "mobile"}]);
    }
    if let Some(address) = &citizen.address {
        resource["address"] = json!([address_of(address)]);
    }
    resource
}

/// "Algade 12, 4500 Nykøbing Sj." as line, postal code and city; other shapes as text only.
fn address_of(text: &str) -> Value {
    let parsed = text.split_once(", ").and_then(|(line, town)| {
        let (postal, city) = town.split_once(' ')?;
        postal
            .chars()
            .all(|c| c.is_ascii_digit())
            .then_some((line, postal, city))
    });
    match parsed {
        Some((line, postal, city)) => json!({
            "use": "home", "text": text, "line": [line], "postalCode": postal, "city": city,
            "country": "DK",
        }),
        None => json!({"use": "home", "text": text}),
    }
}

/// The citizen's enrolment in the clinic's monitoring: an active EpisodeOfCare from `start`.
pub(crate) fn episode_of_care(id: &str, patient_id: &str, start: Timestamp) -> Value {
    json!({
        "resourceType": "EpisodeOfCare",
        "id": id,
        "status": "active",
        "type": [{"text": "Telemedicinsk monitorering"}],
        "patient": {"reference": format!("Patient/{patient_id}")},
        "period": {"start": start.to_rfc3339()},
    })
}

/// The medicine box a doctor prescribes in advance for a diagnosis, as the clinic's standing
/// orders have it: (drug, ATC code, dose, when to start). Diabetes has no box.
pub(crate) fn medicine_box_for(
    diagnosis: Diagnosis,
) -> &'static [(&'static str, &'static str, &'static str, &'static str)] {
    match diagnosis {
        Diagnosis::Copd => &[
            (
                "Prednisolon 25 mg tablet",
                "H02AB06",
                "37,5 mg dagligt i 5 dage",
                "ved øget åndenød og mere eller ændret opspyt",
            ),
            (
                "Amoxicillin/clavulansyre 500/125 mg tablet",
                "J01CR02",
                "1 tablet 3 gange dagligt i 7 dage",
                "ved gult eller grønt opspyt",
            ),
        ],
        Diagnosis::HeartFailure => &[(
            "Furosemid 40 mg tablet",
            "C03CA01",
            "40 mg ekstra om morgenen i 3 dage",
            "ved vægtøgning over 2 kg på 3 dage eller hævede ben",
        )],
        Diagnosis::Diabetes => &[],
    }
}

/// One pre-prescribed drug of a citizen's medicine box.
pub(crate) fn medication_request(
    id: &str,
    patient_id: &str,
    (drug, atc, dose, when): (&str, &str, &str, &str),
    authored: Timestamp,
) -> Value {
    json!({
        "resourceType": "MedicationRequest",
        "id": id,
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {
            "coding": [{"system": vagt_fhir::ATC_SYSTEM, "code": atc}],
            "text": drug,
        },
        "subject": {"reference": format!("Patient/{patient_id}")},
        "authoredOn": authored.to_rfc3339(),
        "dosageInstruction": [{
            "text": dose,
            "asNeededCodeableConcept": {"text": when},
        }],
    })
}

/// An active, confirmed Condition coded in ICD-10.
pub(crate) fn condition(id: &str, patient_id: &str, diagnosis: Diagnosis) -> Value {
    let (code, display) = match diagnosis {
        Diagnosis::Copd => ("J44.9", "Kronisk obstruktiv lungesygdom, uspecificeret"),
        Diagnosis::HeartFailure => ("I50.9", "Hjertesvigt, uspecificeret"),
        Diagnosis::Diabetes => ("E11.9", "Type 2-diabetes uden komplikationer"),
    };
    json!({
        "resourceType": "Condition",
        "id": id,
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "code": "active",
        }]},
        "verificationStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            "code": "confirmed",
        }]},
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-category",
            "code": "problem-list-item",
        }]}],
        "code": {"coding": [{"system": system::ICD_10, "code": code, "display": display}],
                 "text": display},
        "subject": {"reference": format!("Patient/{patient_id}")},
    })
}

pub(crate) fn operation_outcome(severity: &str, code: &str, diagnostics: &str) -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}],
    })
}

/// The resource types the server reads from the cohort.
pub(crate) const SERVED_TYPES: [&str; 7] = [
    "Patient",
    "EpisodeOfCare",
    "Condition",
    "MedicationRequest",
    "Observation",
    "QuestionnaireResponse",
    "Encounter",
];

/// The resource types a client may create (what the nurse station pushes: acknowledgements as
/// Tasks, confirmed levels as ClinicalImpressions, plan revisions and shared settings as Basic,
/// calls as Communications, visits as Encounters with their Observations,
/// MedicationAdministrations and Procedures, persons the MAS nurse serves without enrolment as
/// Patients, and links of unknown callers' calls as Basic).
pub(crate) const CREATABLE_TYPES: [&str; 12] = [
    "Basic",
    "Patient",
    "Communication",
    "Encounter",
    "MedicationAdministration",
    "Procedure",
    "Task",
    "Observation",
    "ClinicalImpression",
    "Flag",
    "AuditEvent",
    "Subscription",
];

/// The resource types a client may update (`PUT`, with `If-Match`): a MAS dispatch's Task
/// changes as the visit goes on. Updating a missing resource is refused (no update-as-create).
pub(crate) const UPDATABLE_TYPES: [&str; 1] = ["Task"];

pub(crate) fn is_known_type(resource_type: &str) -> bool {
    SERVED_TYPES.contains(&resource_type) || CREATABLE_TYPES.contains(&resource_type)
}

/// `GET /metadata`.
pub(crate) fn capability_statement(base_url: &str, now: Timestamp) -> Value {
    // The websocket of Subscriptions, on the same origin (`ws:` beside `http:`).
    let websocket = format!(
        "{}/websocket",
        base_url
            .replacen("https://", "wss://", 1)
            .replacen("http://", "ws://", 1)
    );
    let common = [
        ("_lastUpdated", "date"),
        ("_count", "number"),
        ("_sort", "string"),
        ("_summary", "token"),
        ("_id", "token"),
    ];
    let mut types: Vec<&str> = SERVED_TYPES.to_vec();
    types.extend(
        CREATABLE_TYPES
            .iter()
            .copied()
            .filter(|t| !SERVED_TYPES.contains(t)),
    );
    let resources: Vec<Value> = types
        .iter()
        .map(|resource_type| {
            let mut params: Vec<(&str, &str)> = common.to_vec();
            params.push(("identifier", "token"));
            if *resource_type != "Patient" {
                params.push(("subject", "reference"));
                params.push(("patient", "reference"));
            }
            let mut interactions = vec!["read", "vread", "search-type"];
            if CREATABLE_TYPES.contains(resource_type) {
                interactions.push("create");
            }
            if UPDATABLE_TYPES.contains(resource_type) {
                interactions.push("update");
            }
            json!({
                "type": resource_type,
                "interaction": interactions.iter().map(|c| json!({"code": c})).collect::<Vec<_>>(),
                "versioning": "versioned",
                "readHistory": true,
                "updateCreate": false,
                "conditionalCreate": CREATABLE_TYPES.contains(resource_type),
                "conditionalUpdate": false,
                "searchParam": params.iter()
                    .map(|(name, kind)| json!({"name": name, "type": kind}))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": now.to_rfc3339(),
        "kind": "instance",
        "software": {"name": "vagt-sim", "version": env!("CARGO_PKG_VERSION")},
        "implementation": {"description": "Vagt's simulated telemedicine backend", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [{
            "mode": "server",
            "security": {"description": "Bearer token (when the server is started with one)"},
            "resource": resources,
            "interaction": [{"code": "transaction"}],
            "searchParam": common.iter()
                .map(|(name, kind)| json!({"name": name, "type": kind}))
                .collect::<Vec<_>>(),
            "extension": [{"url": vagt_fhir::subscription::WEBSOCKET_EXTENSION, "valueUri": websocket}],
        }],
    })
}
