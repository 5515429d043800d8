//! Typed views of the FHIR R4 datatypes and resources the sync reads.
//!
//! Lenient on purpose: unknown elements (a server's extensions, narrative, profiles) are
//! ignored and every element is optional here, so a server's additions and omissions do not
//! fail a read. The mappers decide what is required; only an element of the wrong JSON type
//! makes a view fail. A few hundred lines of serde instead of a FHIR model crate keep the build
//! small.

use crate::error::{FhirError, Rejected};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A FHIR resource type with a typed view here.
pub trait Resource: DeserializeOwned {
    /// The `resourceType` this view reads.
    const TYPE: &'static str;
}

/// The `resourceType` of a JSON resource, if it has one.
pub fn resource_type_of(resource: &Value) -> Option<&str> {
    resource.get("resourceType").and_then(Value::as_str)
}

/// Reads a whole response body as a resource of type `T`. An `OperationOutcome` where a `T`
/// was expected becomes [`FhirError::OperationOutcome`] with the server's message.
pub fn parse_resource<T: Resource>(bytes: &[u8]) -> Result<T, FhirError> {
    let value: Value = serde_json::from_slice(bytes)?;
    resource_from_value(&value)
}

/// Like [`parse_resource`], for JSON already parsed (e.g. a bundle entry).
pub fn resource_from_value<T: Resource>(value: &Value) -> Result<T, FhirError> {
    let found = resource_type_of(value).ok_or(FhirError::NoResourceType)?;
    if found != T::TYPE {
        if found == OperationOutcome::TYPE
            && let Ok(outcome) = OperationOutcome::deserialize(value)
        {
            return Err(FhirError::OperationOutcome {
                expected: T::TYPE,
                summary: outcome.summary(),
            });
        }
        return Err(FhirError::WrongResourceType {
            expected: T::TYPE,
            found: found.to_owned(),
        });
    }
    T::deserialize(value).map_err(|source| FhirError::Shape {
        resource_type: T::TYPE,
        source,
    })
}

/// Checks a bundle entry's resource against the expected type and reads its typed view; any
/// misfit is a [`Rejected`] naming what was wrong. `base` namespaces the source id.
pub(crate) fn view<T: Resource>(resource: &Value, base: Option<&str>) -> Result<T, Rejected> {
    let Some(object) = resource.as_object() else {
        return Err(Rejected::malformed(
            format!(
                "expected a JSON object with resourceType {}, got {}",
                T::TYPE,
                json_kind(resource)
            ),
            None,
            None,
        ));
    };
    let found = object.get("resourceType").and_then(Value::as_str);
    let id = object
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty());
    let source_id = match (found, id) {
        (Some(found), Some(id)) => Some(source_id_of(base, found, id)),
        _ => None,
    };
    match found {
        None => Err(Rejected::malformed(
            format!("expected resourceType {}, got JSON without one", T::TYPE),
            None,
            source_id,
        )),
        Some(found) if found != T::TYPE => Err(Rejected::malformed(
            format!("expected resourceType {}, got {found}", T::TYPE),
            Some(found),
            source_id,
        )),
        Some(_) => T::deserialize(resource).map_err(|e| {
            Rejected::malformed(
                format!("does not fit FHIR R4 {}: {e}", T::TYPE),
                Some(T::TYPE),
                source_id,
            )
        }),
    }
}

pub(crate) fn source_id_of(base: Option<&str>, resource_type: &str, id: &str) -> String {
    match base {
        Some(base) => format!("{base}|{resource_type}/{id}"),
        None => format!("{resource_type}/{id}"),
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A non-empty, trimmed string, or `None`.
pub(crate) fn non_empty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Meta {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub profile: Vec<String>,
    /// Read only (Vagt writes its tags as JSON, see `crate::person`).
    #[serde(skip_serializing)]
    pub tag: Vec<Coding>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Coding {
    pub system: Option<String>,
    pub version: Option<String>,
    pub code: Option<String>,
    pub display: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CodeableConcept {
    pub coding: Vec<Coding>,
    pub text: Option<String>,
}

impl CodeableConcept {
    /// Whether any coding carries `code` (in any system).
    pub fn has_code(&self, code: &str) -> bool {
        self.coding
            .iter()
            .any(|c| c.code.as_deref().map(str::trim) == Some(code))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Identifier {
    #[serde(rename = "use")]
    pub use_: Option<String>,
    pub system: Option<String>,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Reference {
    /// A literal reference: `Patient/123`, an absolute URL, `urn:uuid:…` or `#contained`.
    pub reference: Option<String>,
    #[serde(rename = "type")]
    pub type_: Option<String>,
    /// A logical reference by business identifier (e.g. a CPR number).
    pub identifier: Option<Identifier>,
    pub display: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Quantity {
    pub value: Option<f64>,
    /// `<`, `<=`, `>=`, `>`: the value is a bound, not a measurement.
    pub comparator: Option<String>,
    /// Human-readable unit text.
    pub unit: Option<String>,
    pub system: Option<String>,
    /// The coded unit; UCUM when `system` is `http://unitsofmeasure.org`.
    pub code: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Period {
    pub start: Option<String>,
    pub end: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct HumanName {
    #[serde(rename = "use")]
    pub use_: Option<String>,
    pub text: Option<String>,
    pub family: Option<String>,
    pub given: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ContactPoint {
    /// `phone`, `email`, `sms`, …
    pub system: Option<String>,
    pub value: Option<String>,
    #[serde(rename = "use")]
    pub use_: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Address {
    #[serde(rename = "use")]
    pub use_: Option<String>,
    pub text: Option<String>,
    pub line: Vec<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Observation {
    pub resource_type: String,
    pub id: Option<String>,
    pub meta: Option<Meta>,
    pub identifier: Vec<Identifier>,
    /// registered | preliminary | final | amended | corrected | cancelled | entered-in-error | unknown
    pub status: Option<String>,
    pub code: Option<CodeableConcept>,
    pub subject: Option<Reference>,
    pub effective_date_time: Option<String>,
    pub effective_period: Option<Period>,
    pub effective_instant: Option<String>,
    pub value_quantity: Option<Quantity>,
    pub value_integer: Option<i64>,
    pub data_absent_reason: Option<CodeableConcept>,
    pub component: Vec<ObservationComponent>,
}

impl Resource for Observation {
    const TYPE: &'static str = "Observation";
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ObservationComponent {
    pub code: Option<CodeableConcept>,
    pub value_quantity: Option<Quantity>,
    pub value_integer: Option<i64>,
    pub data_absent_reason: Option<CodeableConcept>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct QuestionnaireResponse {
    pub resource_type: String,
    pub id: Option<String>,
    pub meta: Option<Meta>,
    /// The canonical URL of the form answered, optionally `|version`.
    pub questionnaire: Option<String>,
    /// in-progress | completed | amended | entered-in-error | stopped
    pub status: Option<String>,
    pub subject: Option<Reference>,
    /// When the answers were last edited (a dateTime).
    pub authored: Option<String>,
    pub item: Vec<QuestionnaireResponseItem>,
}

impl Resource for QuestionnaireResponse {
    const TYPE: &'static str = "QuestionnaireResponse";
}

/// One question (or group of questions, through `item`) and its answers.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct QuestionnaireResponseItem {
    pub link_id: Option<String>,
    pub text: Option<String>,
    pub answer: Vec<QuestionnaireResponseAnswer>,
    pub item: Vec<QuestionnaireResponseItem>,
}

/// One answer. Its `value[x]` is kept as JSON: an answer of the wrong type or shape is for the
/// mapper to name in a rejection, not a reason to fail reading the whole response.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct QuestionnaireResponseAnswer {
    /// Follow-up questions nested under this answer.
    pub item: Vec<QuestionnaireResponseItem>,
    /// Every other element: `valueInteger`, `valueCoding`, …, extensions.
    #[serde(flatten)]
    pub elements: serde_json::Map<String, Value>,
}

impl QuestionnaireResponseAnswer {
    /// The answer's `value[x]` element: its name (`valueInteger`) and value.
    pub fn value(&self) -> Option<(&str, &Value)> {
        self.elements
            .iter()
            .find(|(key, _)| key.starts_with("value"))
            .map(|(key, value)| (key.as_str(), value))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Patient {
    pub resource_type: String,
    pub id: Option<String>,
    pub meta: Option<Meta>,
    pub identifier: Vec<Identifier>,
    pub active: Option<bool>,
    pub name: Vec<HumanName>,
    pub telecom: Vec<ContactPoint>,
    pub birth_date: Option<String>,
    pub address: Vec<Address>,
}

impl Resource for Patient {
    const TYPE: &'static str = "Patient";
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Condition {
    pub resource_type: String,
    pub id: Option<String>,
    pub meta: Option<Meta>,
    /// active | recurrence | relapse | inactive | remission | resolved
    pub clinical_status: Option<CodeableConcept>,
    /// unconfirmed | provisional | differential | confirmed | refuted | entered-in-error
    pub verification_status: Option<CodeableConcept>,
    pub code: Option<CodeableConcept>,
    pub subject: Option<Reference>,
}

impl Resource for Condition {
    const TYPE: &'static str = "Condition";
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Encounter {
    pub resource_type: String,
    pub id: Option<String>,
    pub meta: Option<Meta>,
    /// planned | arrived | triaged | in-progress | onleave | finished | cancelled |
    /// entered-in-error | unknown
    pub status: Option<String>,
    /// One Coding in R4, usually from HL7 v3 ActCode (`HH`, `IMP`, `ACUTE`, `AMB`, …).
    pub class: Option<Coding>,
    #[serde(rename = "type")]
    pub type_: Vec<CodeableConcept>,
    pub service_type: Option<CodeableConcept>,
    pub subject: Option<Reference>,
    pub period: Option<Period>,
}

impl Resource for Encounter {
    const TYPE: &'static str = "Encounter";
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OperationOutcome {
    pub resource_type: String,
    pub issue: Vec<OperationOutcomeIssue>,
}

impl Resource for OperationOutcome {
    const TYPE: &'static str = "OperationOutcome";
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct OperationOutcomeIssue {
    /// fatal | error | warning | information
    pub severity: Option<String>,
    /// The issue type, e.g. `processing`, `not-found`, `conflict`.
    pub code: Option<String>,
    pub details: Option<CodeableConcept>,
    pub diagnostics: Option<String>,
    pub expression: Vec<String>,
}

impl OperationOutcome {
    /// One line per issue, `severity code: text`, for an error message.
    pub fn summary(&self) -> String {
        if self.issue.is_empty() {
            return "no issues given".to_owned();
        }
        let lines: Vec<String> = self
            .issue
            .iter()
            .map(|issue| {
                let text = non_empty(issue.diagnostics.as_deref())
                    .or_else(|| {
                        issue
                            .details
                            .as_ref()
                            .and_then(|d| non_empty(d.text.as_deref()))
                    })
                    .unwrap_or("(no text)");
                format!(
                    "{} {}: {text}",
                    issue.severity.as_deref().unwrap_or("error"),
                    issue.code.as_deref().unwrap_or("unknown")
                )
            })
            .collect();
        lines.join("; ")
    }

    /// Whether any issue is `error` or `fatal`.
    pub fn has_errors(&self) -> bool {
        self.issue
            .iter()
            .any(|i| matches!(i.severity.as_deref(), Some("error" | "fatal")))
    }
}
