//! Patient → citizen, and a person a station added → Patient.
//!
//! The citizen id is the CPR number (identifier system `urn:oid:1.2.208.176.1.2`) when the
//! Patient carries one, so a citizen keeps one identity across servers; else the resource id.
//! A CPR identifier that is not a usable citizen id is rejected rather than replaced by the
//! resource id, which would give the same person a second identity. Diagnoses come from
//! Conditions (see [`crate::map_condition`]), so they are left empty here.

use crate::codes::system;
use crate::error::Rejected;
use crate::observation::version_of;
use crate::types::{Address, ContactPoint, HumanName, Patient, non_empty, view};
use serde_json::Value;
use vagt_core::{Citizen, CitizenId, RejectReason};

/// One Patient as a citizen, with the source it mirrors.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientRecord {
    /// `{base}|Patient/{id}`.
    pub resource_id: String,
    /// `meta.versionId`, else `meta.lastUpdated`, else `"1"`.
    pub version: String,
    pub citizen: Citizen,
    /// Tagged by Vagt as a person the MAS function serves without enrolment
    /// ([`MAS_ONLY_TAG`]).
    pub mas_only: bool,
}

/// The `meta.tag` code (in Vagt's code system) of a Patient a station added for a person the
/// MAS function serves who is not enrolled in the clinic.
pub const MAS_ONLY_TAG: &str = "mas-only";

pub fn map_patient(resource: &Value, base: &str) -> Result<PatientRecord, Rejected> {
    let patient: Patient = view(resource, Some(base))?;
    let Some(id) = non_empty(patient.id.as_deref()) else {
        return Err(Rejected::malformed(
            "Patient has no id",
            Some("Patient"),
            None,
        ));
    };
    let resource_id = format!("{base}|Patient/{id}");
    let reject =
        |message: String| Rejected::malformed(message, Some("Patient"), Some(resource_id.clone()));

    let cpr = patient
        .identifier
        .iter()
        .filter(|i| non_empty(i.system.as_deref()) == Some(system::CPR))
        .find_map(|i| non_empty(i.value.as_deref()));
    let citizen_id = match cpr {
        Some(cpr) => CitizenId::new(cpr).map_err(|e| {
            reject(format!(
                "Patient CPR identifier is not a usable citizen id: {e}"
            ))
        })?,
        None => CitizenId::new(id)
            .map_err(|e| reject(format!("Patient id is not a usable citizen id: {e}")))?,
    };
    let name = display_name(&patient.name).ok_or_else(|| reject("Patient has no name".into()))?;
    let phone = phone(&patient.telecom);
    let address = address(&patient.address);
    // No real name or address is this long; a megabyte of "name" is kept for a human, not
    // shown on every screen and terminal.
    for (field, text, max) in [
        ("name", Some(&name), MAX_NAME_CHARS),
        ("phone", phone.as_ref(), MAX_PHONE_CHARS),
        ("address", address.as_ref(), MAX_ADDRESS_CHARS),
    ] {
        let length = text.map_or(0, |t| t.chars().count());
        if length > max {
            return Err(Rejected {
                reason: RejectReason::TooLong { field, length, max },
                resource_type: Some("Patient".into()),
                source_id: Some(resource_id.clone()),
            });
        }
    }

    let mas_only = patient.meta.as_ref().is_some_and(|meta| {
        meta.tag.iter().any(|t| {
            t.system.as_deref() == Some(vagt_core::alarm::VAGT_CODE_SYSTEM)
                && t.code.as_deref() == Some(MAS_ONLY_TAG)
        })
    });
    Ok(PatientRecord {
        mas_only,
        version: version_of(patient.meta.as_ref()),
        citizen: Citizen {
            id: citizen_id,
            name,
            birth_date: non_empty(patient.birth_date.as_deref())
                .filter(|d| is_full_date(d))
                .map(str::to_owned),
            diagnoses: Vec::new(),
            phone,
            address,
        },
        resource_id,
    })
}

/// The longest name, phone number and address accepted from a backend.
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_PHONE_CHARS: usize = 50;
pub const MAX_ADDRESS_CHARS: usize = 300;

/// The official name, else the first current one: its `text`, else given names and family.
fn display_name(names: &[HumanName]) -> Option<String> {
    let official = names
        .iter()
        .filter(|n| n.use_.as_deref() == Some("official"));
    let current = names.iter().filter(|n| n.use_.as_deref() != Some("old"));
    official.chain(current).find_map(|name| {
        if let Some(text) = non_empty(name.text.as_deref()) {
            return Some(text.to_owned());
        }
        let parts: Vec<&str> = name
            .given
            .iter()
            .map(|g| g.trim())
            .chain(non_empty(name.family.as_deref()))
            .filter(|p| !p.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    })
}

/// A mobile number first, else any current phone.
fn phone(telecom: &[ContactPoint]) -> Option<String> {
    let phones = || {
        telecom
            .iter()
            .filter(|t| t.system.as_deref() == Some("phone") && t.use_.as_deref() != Some("old"))
    };
    phones()
        .filter(|t| t.use_.as_deref() == Some("mobile"))
        .chain(phones())
        .find_map(|t| non_empty(t.value.as_deref()))
        .map(str::to_owned)
}

/// The home address first, else any current one, on one line: "street, postcode city".
fn address(addresses: &[Address]) -> Option<String> {
    let current = || {
        addresses
            .iter()
            .filter(|a| a.use_.as_deref() != Some("old"))
    };
    current()
        .filter(|a| a.use_.as_deref() == Some("home"))
        .chain(current())
        .find_map(|a| {
            let lines = a.line.iter().map(|l| l.trim()).filter(|l| !l.is_empty());
            let town: Vec<&str> = [a.postal_code.as_deref(), a.city.as_deref()]
                .into_iter()
                .filter_map(non_empty)
                .collect();
            let town = town.join(" ");
            let parts: Vec<&str> = lines
                .chain((!town.is_empty()).then_some(town.as_str()))
                .collect();
            if parts.is_empty() {
                non_empty(a.text.as_deref()).map(str::to_owned)
            } else {
                Some(parts.join(", "))
            }
        })
}

/// `YYYY-MM-DD`; FHIR also allows `YYYY` and `YYYY-MM`, which the citizen record does not.
fn is_full_date(date: &str) -> bool {
    let bytes = date.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

/// The Patient a station creates for a person the MAS function serves who is not enrolled:
/// their CPR number, name, address and phone, tagged [`MAS_ONLY_TAG`] so every station knows
/// not to expect readings. Created conditionally on the CPR identifier, so a person the
/// backend already knows is not made twice.
pub fn person_patient(record: &vagt_core::outbound::PersonRecord) -> Value {
    let person = &record.person;
    let mut patient = serde_json::json!({
        "resourceType": "Patient",
        "meta": {"tag": [{"system": vagt_core::alarm::VAGT_CODE_SYSTEM, "code": MAS_ONLY_TAG}]},
        "identifier": [{"system": system::CPR, "value": record.citizen_id.as_str()}],
        "name": [{"use": "official", "text": person.name}],
        "address": [{"use": "home", "text": person.address}],
    });
    if let Some(phone) = &person.phone {
        patient["telecom"] = serde_json::json!([{"system": "phone", "value": phone}]);
    }
    patient
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_added_reads_back_as_the_same_citizen_served_by_mas_only() {
        let record = vagt_core::outbound::PersonRecord {
            citizen_id: CitizenId::new("0101431234").expect("id"),
            person: vagt_core::person::NewPerson {
                cpr: "010143-1234".into(),
                name: "Ib Hansen".into(),
                address: "Søvej 3, 5000 Odense C".into(),
                phone: Some("20 30 40 50".into()),
            },
            added_by: "anne".into(),
            added_at: vagt_core::Timestamp::from_millis(0),
        };
        let mut resource = person_patient(&record);
        resource["id"] = "p1".into();
        let read = map_patient(&resource, "https://srv/fhir").expect("reads");
        assert!(read.mas_only);
        assert_eq!(read.citizen.id, record.citizen_id);
        assert_eq!(read.citizen.name, "Ib Hansen");
        assert_eq!(
            read.citizen.address.as_deref(),
            Some("Søvej 3, 5000 Odense C")
        );
        assert_eq!(read.citizen.phone.as_deref(), Some("20 30 40 50"));
        // Without the tag (another system's Patient, or one enrolled since): monitored.
        resource["meta"] = serde_json::json!({"tag": [{"system": "other", "code": MAS_ONLY_TAG}]});
        assert!(
            !map_patient(&resource, "https://srv/fhir")
                .expect("reads")
                .mas_only
        );
    }

    #[test]
    fn partial_dates_are_not_birth_dates() {
        assert!(is_full_date("1943-01-01"));
        assert!(!is_full_date("1943-01"));
        assert!(!is_full_date("1943"));
        assert!(!is_full_date("01-01-1943"));
    }

    #[test]
    fn official_name_wins_over_an_earlier_nickname() {
        let names = vec![
            HumanName {
                use_: Some("usual".into()),
                given: vec!["Nanna".into()],
                ..HumanName::default()
            },
            HumanName {
                use_: Some("official".into()),
                family: Some("Knudsen".into()),
                given: vec!["Nancy".into(), "Ann".into()],
                ..HumanName::default()
            },
        ];
        assert_eq!(display_name(&names).as_deref(), Some("Nancy Ann Knudsen"));
        assert_eq!(display_name(&[]), None);
        assert_eq!(display_name(&[HumanName::default()]), None);
    }

    #[test]
    fn a_name_longer_than_any_real_one_is_rejected_not_stored() {
        let patient = |name: String| {
            serde_json::json!({
                "resourceType": "Patient", "id": "7", "name": [{"text": name}]
            })
        };
        assert!(map_patient(&patient("Inge Jensen".into()), "https://x/fhir").is_ok());
        let long = "Å".repeat(MAX_NAME_CHARS + 1);
        let rejected = map_patient(&patient(long), "https://x/fhir").expect_err("too long");
        assert_eq!(rejected.reason.code(), "too_long");
        assert_eq!(
            rejected.source_id.as_deref(),
            Some("https://x/fhir|Patient/7")
        );
    }
}
