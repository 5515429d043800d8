//! Two kinds of failure: a whole response that cannot be read ([`FhirError`], the sync stops
//! and reports), and one resource that cannot be mapped ([`Rejected`], kept for a human while
//! the rest of the response is mapped).

use std::fmt;
use vagt_core::RejectReason;

/// A response body that is not the FHIR resource the caller asked for.
#[derive(Debug, thiserror::Error)]
pub enum FhirError {
    #[error("the response is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the response is JSON but not a FHIR resource (it has no resourceType)")]
    NoResourceType,
    #[error("expected a FHIR {expected} but the response is a {found}")]
    WrongResourceType {
        expected: &'static str,
        found: String,
    },
    #[error("the server answered with an OperationOutcome instead of a {expected}: {summary}")]
    OperationOutcome {
        expected: &'static str,
        summary: String,
    },
    #[error("the {resource_type} does not fit FHIR R4: {source}")]
    Shape {
        resource_type: &'static str,
        source: serde_json::Error,
    },
}

/// One resource that could not be mapped, with what a human needs to find and judge it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    pub reason: RejectReason,
    /// The resource's `resourceType`, when it had one.
    pub resource_type: Option<String>,
    /// The resource's id, namespaced like [`vagt_core::SourceRef::id`] where the mapper knows
    /// the base (`{base}|Observation/{id}`), else `{type}/{id}`; `None` when it had no id.
    pub source_id: Option<String>,
}

impl Rejected {
    pub(crate) fn new(
        reason: RejectReason,
        resource_type: Option<&str>,
        source_id: Option<String>,
    ) -> Self {
        Rejected {
            reason,
            resource_type: resource_type.map(str::to_owned),
            source_id,
        }
    }

    pub(crate) fn malformed(
        message: impl Into<String>,
        resource_type: Option<&str>,
        source_id: Option<String>,
    ) -> Self {
        Rejected::new(
            RejectReason::Malformed(message.into()),
            resource_type,
            source_id,
        )
    }
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.resource_type.as_deref().unwrap_or("resource"))?;
        if let Some(id) = &self.source_id {
            write!(f, " {id}")?;
        }
        write!(f, " rejected: {}", self.reason)
    }
}

impl std::error::Error for Rejected {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.reason)
    }
}
