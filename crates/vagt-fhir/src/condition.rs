//! Condition → diagnosis. Only COPD, heart failure and diabetes are tracked; any other
//! condition, or one that is no longer true (inactive, remission, resolved) or never was
//! (refuted, entered in error), is `Ok(None)`: not an error, just nothing for Vagt.

use crate::codes::diagnosis_for;
use crate::error::Rejected;
use crate::reference::resolve_subject;
use crate::types::{Condition, non_empty, view};
use serde_json::Value;
use vagt_core::{CitizenId, Diagnosis};

/// Maps one Condition to the citizen and diagnosis it asserts, if Vagt tracks it.
///
/// `citizen_for` resolves the subject as in [`crate::map_observation`]. A rejected Condition's
/// `source_id` is `Condition/{id}` (no base is known here).
pub fn map_condition(
    resource: &Value,
    citizen_for: &dyn Fn(&str) -> Option<CitizenId>,
) -> Result<Option<(CitizenId, Diagnosis)>, Rejected> {
    let condition: Condition = view(resource, None)?;
    let no_longer_true = condition.clinical_status.as_ref().is_some_and(|status| {
        status.has_code("inactive") || status.has_code("remission") || status.has_code("resolved")
    });
    let withdrawn = condition
        .verification_status
        .as_ref()
        .is_some_and(|status| status.has_code("refuted") || status.has_code("entered-in-error"));
    if no_longer_true || withdrawn {
        return Ok(None);
    }
    let diagnosis = condition.code.as_ref().and_then(|code| {
        code.coding
            .iter()
            .find_map(|c| diagnosis_for(c.system.as_deref()?, c.code.as_deref()?))
    });
    let Some(diagnosis) = diagnosis else {
        return Ok(None);
    };
    let citizen = resolve_subject(condition.subject.as_ref(), citizen_for, "Condition").map_err(
        |reason| {
            let source_id = non_empty(condition.id.as_deref()).map(|id| format!("Condition/{id}"));
            Rejected::new(reason, Some("Condition"), source_id)
        },
    )?;
    Ok(Some((citizen, diagnosis)))
}
