//! Observation → measurements.
//!
//! Decisions, each one place:
//! - **Status.** `final`, `amended`, `corrected` and `preliminary` give measurements. A home
//!   measurement is often `preliminary` until someone reviews it, and the nurse must see it now;
//!   a later `final` is a new version and supersedes it. `entered-in-error` and `cancelled`
//!   retract what the resource gave before. `registered` and `unknown` carry no result and are
//!   rejected.
//! - **Version.** `meta.versionId`; without one, `meta.lastUpdated` (a changed resource still
//!   gets a new version); without both, `"1"`, so a server that keeps neither cannot correct a
//!   reading (the store would see a replay).
//! - **Time.** `effectiveDateTime`, `effectiveInstant` or `effectivePeriod.start` (else `.end`).
//!   A date without a time of day ("2026-11-20") is legal FHIR but is rejected: guessing an
//!   hour would misplace the reading in trends and alarm windows, so a human decides.
//! - **Code.** The first coding the table knows wins; if none is known the Observation is
//!   rejected with the first coding as the unknown code.
//! - **Blood-pressure panels** (LOINC 85354-9, MDC 150020, …) give one reading per component
//!   with a known code. Their source ids get the parameter as a fragment,
//!   `{base}|Observation/{id}#systolic_bp`, because the store keeps one reading per (source id,
//!   version); a retraction of the panel covers them all (see [`retraction_covers`]).
//! - **Value.** `valueQuantity` with a number, its unit passed through: the UCUM `code` when
//!   the quantity is UCUM-coded, else the `unit` text. A bound (`<5`) is not a measured value
//!   and is rejected. Scores (CAT) are dimensionless, so their unit annotations (`1`,
//!   `{Number}`, none) become `{score}`, and a bare `valueInteger` is taken as a score.

use crate::codes::{CodeMeaning, meaning_of, system};
use crate::error::Rejected;
use crate::reference::resolve_subject;
use crate::types::{CodeableConcept, Meta, Observation, Quantity, non_empty, view};
use serde_json::Value;
use vagt_core::{CitizenId, IncomingMeasurement, Parameter, RejectReason, SourceRef, Timestamp};

/// What one Observation means for Vagt's readings.
#[derive(Debug, Clone, PartialEq)]
pub enum ObservationUpdate {
    /// One reading, or one per component of a blood-pressure panel.
    Measurements(Vec<IncomingMeasurement>),
    /// The source withdrew the Observation (`entered-in-error`, `cancelled`): every reading
    /// whose source id [`retraction_covers`] is no longer valid.
    Retracted { source_id: String },
}

/// Whether a retraction of `retracted_source_id` (a whole Observation) covers the reading
/// stored under `reading_source_id` (the Observation itself or one of its components).
pub fn retraction_covers(retracted_source_id: &str, reading_source_id: &str) -> bool {
    reading_source_id == retracted_source_id
        || reading_source_id
            .strip_prefix(retracted_source_id)
            .is_some_and(|rest| rest.starts_with('#'))
}

/// Maps one Observation (raw JSON, e.g. a bundle entry's resource) to readings.
///
/// `base` namespaces source ids (`{base}|Observation/{id}`), so ids from two servers never
/// collide. `citizen_for` resolves the subject: it is given the literal reference as written
/// (`Patient/123`, an absolute URL, `#1`), or for a logical reference by identifier
/// `system|value` (e.g. `urn:oid:1.2.208.176.1.2|0101431234`).
pub fn map_observation(
    resource: &Value,
    base: &str,
    citizen_for: &dyn Fn(&str) -> Option<CitizenId>,
) -> Result<ObservationUpdate, Rejected> {
    let observation: Observation = view(resource, Some(base))?;
    map_observation_view(&observation, Some(resource), base, citizen_for)
}

/// [`map_observation`] of an Observation's typed view. `resource`, its JSON where it is at hand,
/// names a value of another type (`valueString`) in a rejection; without it, the rejection says
/// only that there is no numeric value.
pub(crate) fn map_observation_view(
    observation: &Observation,
    resource: Option<&Value>,
    base: &str,
    citizen_for: &dyn Fn(&str) -> Option<CitizenId>,
) -> Result<ObservationUpdate, Rejected> {
    let resource = resource.unwrap_or(&Value::Null);
    let Some(id) = non_empty(observation.id.as_deref()) else {
        return Err(Rejected::malformed(
            "Observation has no id",
            Some("Observation"),
            None,
        ));
    };
    let source_id = format!("{base}|Observation/{id}");
    let reject =
        |reason: RejectReason| Rejected::new(reason, Some("Observation"), Some(source_id.clone()));

    match non_empty(observation.status.as_deref()) {
        Some("entered-in-error" | "cancelled") => {
            return Ok(ObservationUpdate::Retracted { source_id });
        }
        Some("final" | "amended" | "corrected" | "preliminary") => {}
        Some(other) => {
            return Err(reject(RejectReason::Malformed(format!(
                "Observation status {other:?} carries no result"
            ))));
        }
        None => {
            return Err(reject(RejectReason::Malformed(
                "Observation has no status".into(),
            )));
        }
    }

    let meaning = code_meaning(observation.code.as_ref(), "Observation").map_err(reject)?;
    let citizen_id = resolve_subject(observation.subject.as_ref(), citizen_for, "Observation")
        .map_err(reject)?;
    let effective_at = effective_at(observation).map_err(reject)?;
    let version = version_of(observation.meta.as_ref());

    let measurement =
        |parameter: Parameter, value: f64, unit: String, source_id: String| IncomingMeasurement {
            citizen_id: citizen_id.clone(),
            parameter,
            value,
            unit,
            effective_at,
            source: SourceRef {
                id: source_id,
                version: version.clone(),
            },
        };

    match meaning {
        CodeMeaning::Measurement(parameter) => {
            let (value, unit) = value_of(
                parameter,
                observation.value_quantity.as_ref(),
                observation.value_integer,
                observation.data_absent_reason.as_ref(),
                resource,
                "Observation",
            )
            .map_err(reject)?;
            Ok(ObservationUpdate::Measurements(vec![measurement(
                parameter,
                value,
                unit,
                source_id.clone(),
            )]))
        }
        CodeMeaning::BloodPressurePanel => {
            let raw_components = resource.get("component").and_then(Value::as_array);
            let mut readings: Vec<IncomingMeasurement> = Vec::new();
            for (index, component) in observation.component.iter().enumerate() {
                let Some(parameter) = component_parameter(component.code.as_ref()) else {
                    // e.g. the mean pressure, which Vagt does not track.
                    continue;
                };
                if readings.iter().any(|r| r.parameter == parameter) {
                    return Err(reject(RejectReason::Malformed(format!(
                        "blood-pressure panel has two {parameter} components"
                    ))));
                }
                let raw = raw_components
                    .and_then(|c| c.get(index))
                    .unwrap_or(&Value::Null);
                let what = format!("{parameter} component");
                let (value, unit) = value_of(
                    parameter,
                    component.value_quantity.as_ref(),
                    component.value_integer,
                    component.data_absent_reason.as_ref(),
                    raw,
                    &what,
                )
                .map_err(reject)?;
                readings.push(measurement(
                    parameter,
                    value,
                    unit,
                    format!("{source_id}#{}", parameter.code()),
                ));
            }
            if readings.is_empty() {
                return Err(reject(RejectReason::Malformed(
                    "blood-pressure panel has no component with a known code".into(),
                )));
            }
            Ok(ObservationUpdate::Measurements(readings))
        }
    }
}

/// The meaning of the first coding the table knows, else the first coding as unknown.
fn code_meaning(code: Option<&CodeableConcept>, what: &str) -> Result<CodeMeaning, RejectReason> {
    let codings = code.map(|c| c.coding.as_slice()).unwrap_or_default();
    let known = codings
        .iter()
        .find_map(|coding| meaning_of(coding.system.as_deref()?, coding.code.as_deref()?));
    if let Some(meaning) = known {
        return Ok(meaning);
    }
    match codings.first() {
        Some(first) => Err(RejectReason::UnknownCode {
            system: first.system.clone().unwrap_or_default(),
            code: first.code.clone().unwrap_or_default(),
        }),
        None => Err(RejectReason::Malformed(format!(
            "{what} code has no coding"
        ))),
    }
}

fn component_parameter(code: Option<&CodeableConcept>) -> Option<Parameter> {
    code?.coding.iter().find_map(|coding| {
        match meaning_of(coding.system.as_deref()?, coding.code.as_deref()?)? {
            CodeMeaning::Measurement(parameter) => Some(parameter),
            CodeMeaning::BloodPressurePanel => None,
        }
    })
}

pub(crate) fn version_of(meta: Option<&Meta>) -> String {
    meta.and_then(|m| {
        non_empty(m.version_id.as_deref()).or_else(|| non_empty(m.last_updated.as_deref()))
    })
    .unwrap_or("1")
    .to_owned()
}

fn effective_at(observation: &Observation) -> Result<Timestamp, RejectReason> {
    let text = non_empty(observation.effective_date_time.as_deref())
        .or_else(|| non_empty(observation.effective_instant.as_deref()))
        .or_else(|| {
            let period = observation.effective_period.as_ref()?;
            non_empty(period.start.as_deref()).or_else(|| non_empty(period.end.as_deref()))
        })
        .ok_or_else(|| {
            RejectReason::Malformed(
                "Observation has no effective time (effectiveDateTime, effectiveInstant or \
                 effectivePeriod)"
                    .into(),
            )
        })?;
    date_time(text, "effective time")
}

/// A FHIR dateTime that names an instant. `what` names the element in messages.
pub(crate) fn date_time(text: &str, what: &str) -> Result<Timestamp, RejectReason> {
    if !text.contains('T') {
        return Err(RejectReason::Malformed(format!(
            "{what} {text:?} is a date without a time of day"
        )));
    }
    Timestamp::parse_rfc3339(text).map_err(|_| {
        RejectReason::Malformed(format!(
            "{what} {text:?} is not a date-time with seconds and a time zone"
        ))
    })
}

/// The numeric value and the unit as the source gave it.
fn value_of(
    parameter: Parameter,
    quantity: Option<&Quantity>,
    integer: Option<i64>,
    absent: Option<&CodeableConcept>,
    raw: &Value,
    what: &str,
) -> Result<(f64, String), RejectReason> {
    let is_score = matches!(parameter, Parameter::CatScore | Parameter::SymptomScore);
    if let Some(quantity) = quantity {
        let Some(value) = quantity.value else {
            return Err(RejectReason::Malformed(format!(
                "{what} valueQuantity has no value"
            )));
        };
        if let Some(comparator) = non_empty(quantity.comparator.as_deref()) {
            return Err(RejectReason::Malformed(format!(
                "{what} value {comparator}{value} is a bound, not a measured value"
            )));
        }
        let unit = unit_of(quantity);
        let unit = if is_score && is_dimensionless(&unit) {
            parameter.canonical_unit().to_owned()
        } else {
            unit
        };
        return Ok((value, unit));
    }
    if let (Some(value), true) = (integer, is_score) {
        // Integers up to 2^53 convert exactly; scores are tiny.
        return Ok((value as f64, parameter.canonical_unit().to_owned()));
    }
    if let Some(reason) = absent {
        let code = reason
            .coding
            .iter()
            .find_map(|c| non_empty(c.code.as_deref()))
            .or_else(|| non_empty(reason.text.as_deref()))
            .unwrap_or("unspecified");
        return Err(RejectReason::Malformed(format!(
            "{what} has no value (dataAbsentReason {code})"
        )));
    }
    let other_value = raw.as_object().and_then(|object| {
        object
            .keys()
            .find(|key| key.starts_with("value") && key.as_str() != "valueQuantity")
    });
    Err(RejectReason::Malformed(match other_value {
        Some(key) => format!("{what} has {key} instead of a numeric valueQuantity"),
        None => format!("{what} has no value"),
    }))
}

/// The UCUM code when the quantity is UCUM-coded (or coded without a system), else the unit
/// text, else whatever code there is.
fn unit_of(quantity: &Quantity) -> String {
    let code = non_empty(quantity.code.as_deref());
    let ucum_coded = match non_empty(quantity.system.as_deref()) {
        None => true,
        Some(system) => system == system::UCUM,
    };
    let unit = match code {
        Some(code) if ucum_coded => Some(code),
        _ => non_empty(quantity.unit.as_deref()).or(code),
    };
    unit.unwrap_or_default().to_owned()
}

fn is_dimensionless(unit: &str) -> bool {
    matches!(
        unit,
        "" | "1" | "{Number}" | "{number}" | "{score}" | "{Score}" | "{points}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retraction_covers_the_resource_and_its_components_only() {
        let id = "https://x/fhir|Observation/5";
        assert!(retraction_covers(id, id));
        assert!(retraction_covers(
            id,
            "https://x/fhir|Observation/5#systolic_bp"
        ));
        assert!(!retraction_covers(id, "https://x/fhir|Observation/55"));
        assert!(!retraction_covers(
            id,
            "https://x/fhir|Observation/55#systolic_bp"
        ));
    }

    #[test]
    fn version_prefers_version_id_then_last_updated() {
        let meta = |version_id: Option<&str>, last_updated: Option<&str>| Meta {
            version_id: version_id.map(Into::into),
            last_updated: last_updated.map(Into::into),
            ..Meta::default()
        };
        assert_eq!(
            version_of(Some(&meta(Some("3"), Some("2026-11-22T08:00:00Z")))),
            "3"
        );
        assert_eq!(
            version_of(Some(&meta(Some(" "), Some("2026-11-22T08:00:00Z")))),
            "2026-11-22T08:00:00Z"
        );
        assert_eq!(version_of(Some(&meta(None, None))), "1");
        assert_eq!(version_of(None), "1");
    }

    #[test]
    fn unit_is_the_ucum_code_else_the_text() {
        let q = |unit: Option<&str>, system: Option<&str>, code: Option<&str>| Quantity {
            unit: unit.map(Into::into),
            system: system.map(Into::into),
            code: code.map(Into::into),
            ..Quantity::default()
        };
        assert_eq!(
            unit_of(&q(Some("mmHg"), Some(system::UCUM), Some("mm[Hg]"))),
            "mm[Hg]"
        );
        assert_eq!(unit_of(&q(Some("°C"), None, None)), "°C");
        assert_eq!(
            unit_of(&q(Some("kg"), Some(system::MDC), Some("263875"))),
            "kg"
        );
        assert_eq!(unit_of(&q(None, None, Some("kPa"))), "kPa");
        assert_eq!(unit_of(&q(None, None, None)), "");
    }
}
