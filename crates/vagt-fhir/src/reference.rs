//! References between resources. A subject can be written `Patient/123`, as an absolute URL
//! on another service (FUT keeps patients on their own server), with a `_history` suffix, or
//! as a logical reference by identifier; these helpers give the caller one key per patient.

use crate::types::{Reference, non_empty};
use vagt_core::{CitizenId, RejectReason};

/// The resource type and id a literal reference points at: `Patient/123`,
/// `https://patient.example/fhir/Patient/123` and `…/Patient/123/_history/4` all give
/// `("Patient", "123")`. Contained (`#1`), `urn:uuid:` and conditional (`Patient?…`)
/// references give `None`.
pub fn split_reference(reference: &str) -> Option<(&str, &str)> {
    let reference = reference.trim();
    if reference.contains(['?', '#']) || reference.starts_with("urn:") {
        return None;
    }
    let mut segments: Vec<&str> = reference.split('/').collect();
    if segments.len() >= 4 && segments[segments.len() - 2] == "_history" {
        segments.truncate(segments.len() - 2);
    }
    let [.., resource_type, id] = segments.as_slice() else {
        return None;
    };
    let type_ok = resource_type
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_uppercase())
        && resource_type.chars().all(|c| c.is_ascii_alphanumeric());
    // FHIR ids: 1..64 of A-Z, a-z, 0-9, '-' and '.'.
    let id_ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'));
    (type_ok && id_ok).then_some((*resource_type, *id))
}

/// `Type/id` for a literal reference, whatever server or version it names; a caller keys its
/// patient lookup by this so `Patient/123` and `https://…/Patient/123` are the same citizen.
pub fn local_reference(reference: &str) -> Option<String> {
    split_reference(reference).map(|(resource_type, id)| format!("{resource_type}/{id}"))
}

/// The text handed to a `citizen_for` resolver for a subject: the literal reference as
/// written, else `system|value` of a logical reference by identifier (the FHIR token form),
/// else `None`.
pub(crate) fn subject_key(subject: &Reference) -> Option<String> {
    if let Some(reference) = non_empty(subject.reference.as_deref()) {
        return Some(reference.to_owned());
    }
    let identifier = subject.identifier.as_ref()?;
    let value = non_empty(identifier.value.as_deref())?;
    Some(match non_empty(identifier.system.as_deref()) {
        Some(system) => format!("{system}|{value}"),
        None => value.to_owned(),
    })
}

/// For a reference naming a resource type that is not a Patient (a Group, a Device), the type.
pub(crate) fn non_patient_type(subject: &Reference) -> Option<String> {
    if let Some(reference) = non_empty(subject.reference.as_deref())
        && let Some((resource_type, _)) = split_reference(reference)
        && resource_type != "Patient"
    {
        return Some(resource_type.to_owned());
    }
    match non_empty(subject.type_.as_deref()) {
        Some(t) if t != "Patient" => Some(t.to_owned()),
        _ => None,
    }
}

/// What the subject calls itself, for an "unknown citizen" message: the referenced id or the
/// identifier value.
pub(crate) fn subject_label(subject: &Reference) -> Option<String> {
    if let Some(reference) = non_empty(subject.reference.as_deref()) {
        return split_reference(reference).map(|(_, id)| id.to_owned());
    }
    subject
        .identifier
        .as_ref()
        .and_then(|i| non_empty(i.value.as_deref()))
        .map(str::to_owned)
}

/// The citizen a resource's `subject` is about, through the caller's resolver. `what` names
/// the resource in messages ("Observation", "Condition").
pub(crate) fn resolve_subject(
    subject: Option<&Reference>,
    citizen_for: &dyn Fn(&str) -> Option<CitizenId>,
    what: &str,
) -> Result<CitizenId, RejectReason> {
    let Some(subject) = subject else {
        return Err(RejectReason::Malformed(format!("{what} has no subject")));
    };
    if let Some(resource_type) = non_patient_type(subject) {
        return Err(RejectReason::Malformed(format!(
            "{what} subject is a {resource_type}, not a Patient"
        )));
    }
    let Some(key) = subject_key(subject) else {
        return Err(RejectReason::Malformed(format!(
            "{what} subject has neither a reference nor an identifier"
        )));
    };
    if let Some(citizen) = citizen_for(&key) {
        return Ok(citizen);
    }
    match subject_label(subject).map(CitizenId::new) {
        Some(Ok(id)) => Err(RejectReason::UnknownCitizen(id)),
        _ => Err(RejectReason::Malformed(format!(
            "{what} subject {key:?} is not a known citizen"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Identifier;

    #[test]
    fn literal_references_split_into_type_and_id() {
        assert_eq!(split_reference("Patient/123"), Some(("Patient", "123")));
        assert_eq!(
            split_reference("https://patient.cit-measurement-1661.local/fhir/Patient/57174"),
            Some(("Patient", "57174"))
        );
        assert_eq!(
            split_reference("https://x.example/fhir/Patient/a-1.b/_history/4"),
            Some(("Patient", "a-1.b"))
        );
        assert_eq!(
            local_reference(" Patient/123 "),
            Some("Patient/123".to_owned())
        );
    }

    #[test]
    fn non_literal_references_do_not_split() {
        for reference in [
            "#1",
            "urn:uuid:6f1c2d8e-1b7a-4c55-9d1e-2f3a4b5c6d7e",
            "Patient?identifier=urn:oid:1.2.208.176.1.2|0101431234",
            "Patient/",
            "123",
            "patient/123",
            "Patient/12 3",
            "",
        ] {
            assert_eq!(split_reference(reference), None, "{reference}");
        }
    }

    #[test]
    fn subject_key_prefers_the_literal_reference_then_the_identifier_token() {
        let by_reference = Reference {
            reference: Some("Patient/7".into()),
            ..Reference::default()
        };
        assert_eq!(subject_key(&by_reference).as_deref(), Some("Patient/7"));
        let by_identifier = Reference {
            identifier: Some(Identifier {
                system: Some("urn:oid:1.2.208.176.1.2".into()),
                value: Some("0101431234".into()),
                use_: None,
            }),
            ..Reference::default()
        };
        assert_eq!(
            subject_key(&by_identifier).as_deref(),
            Some("urn:oid:1.2.208.176.1.2|0101431234")
        );
        assert_eq!(subject_label(&by_identifier).as_deref(), Some("0101431234"));
        assert_eq!(subject_key(&Reference::default()), None);
    }

    #[test]
    fn a_group_or_device_subject_is_not_a_patient() {
        let group = Reference {
            reference: Some("Group/9".into()),
            ..Reference::default()
        };
        assert_eq!(non_patient_type(&group).as_deref(), Some("Group"));
        let patient = Reference {
            reference: Some("https://x/fhir/Patient/9".into()),
            ..Reference::default()
        };
        assert_eq!(non_patient_type(&patient), None);
    }
}
