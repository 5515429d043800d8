//! A MAS dispatch as a FHIR Task coded `mas-dispatch` in Vagt's code system: the standard
//! fields any system reads (status, business status, priority, owner, reason, times) follow
//! from the dispatch, and its whole log of steps travels in Vagt's `dispatch-record` extension,
//! so every station reads back the same dispatch. The Task is the one resource Vagt updates
//! (`PUT` with `If-Match`): a dispatch changes as the visit goes on.

use crate::error::Rejected;
use crate::outbound::extension;
use crate::records::{Reader, str_at};
use serde_json::{Value, json};
use vagt_core::alarm::VAGT_CODE_SYSTEM;
use vagt_core::dispatch::{DISPATCH_CODE, DispatchRecord, DispatchState, DispatchUrgency};
use vagt_core::{CitizenId, Timestamp};

/// The whole dispatch as Vagt keeps it (JSON).
pub(crate) const EXT_DISPATCH_RECORD: &str = "dispatch-record";
/// The code system of a dispatch's state in `Task.businessStatus`.
pub const DISPATCH_STATE_SYSTEM: &str = "urn:dk:naerklinikken:vagt:dispatch-state";

/// FHIR `Task.status` for a dispatch state: on the way and in the home are both in progress;
/// the business status says which.
fn task_status(state: DispatchState) -> &'static str {
    match state {
        DispatchState::Requested => "requested",
        DispatchState::EnRoute | DispatchState::Arrived => "in-progress",
        DispatchState::Completed => "completed",
        DispatchState::Cancelled => "cancelled",
    }
}

/// FHIR request priority for an urgency.
fn task_priority(urgency: DispatchUrgency) -> &'static str {
    match urgency {
        DispatchUrgency::Immediate => "stat",
        DispatchUrgency::Urgent => "urgent",
        DispatchUrgency::Planned => "routine",
    }
}

/// The Task for a dispatch. `subject` is the citizen's Patient reference on this backend.
pub(crate) fn dispatch_task(subject: Option<Value>, record: &DispatchRecord) -> Value {
    let text = serde_json::to_string(record).unwrap_or_default();
    let mut task = json!({
        "resourceType": "Task",
        "intent": "order",
        "code": {"coding": [{
            "system": VAGT_CODE_SYSTEM, "code": DISPATCH_CODE, "display": "MAS acute nurse visit"
        }]},
        "extension": [extension(EXT_DISPATCH_RECORD, "valueString", json!(text))],
    });
    if let Some(subject) = subject {
        task["for"] = subject;
    }
    let Some(view) = record.view() else {
        // Only a record without its request has no view; the store never queues one.
        task["status"] = json!("draft");
        return task;
    };
    task["status"] = json!(task_status(view.state));
    task["businessStatus"] = json!({
        "coding": [{"system": DISPATCH_STATE_SYSTEM, "code": view.state.code()}],
        "text": view.state.code(),
    });
    task["priority"] = json!(task_priority(view.urgency));
    task["description"] = json!(view.reason);
    task["reasonCode"] = json!({ "text": view.reason });
    task["authoredOn"] = json!(view.requested_at.to_rfc3339());
    task["lastModified"] = json!(view.updated_at.to_rfc3339());
    task["requester"] = json!({ "display": view.requested_by });
    if let Some(nurse) = &view.assigned_to {
        task["owner"] = json!({ "display": nurse });
    }
    let started = view
        .history
        .iter()
        .find(|h| matches!(h.state, DispatchState::EnRoute | DispatchState::Arrived))
        .map(|h| h.at);
    let ended = (!view.state.is_open())
        .then(|| view.history.last().map(|h| h.at))
        .flatten();
    if let Some(start) = started.or(ended) {
        let mut period = json!({ "start": start.to_rfc3339() });
        if let Some(end) = ended {
            period["end"] = json!(end.to_rfc3339());
        }
        task["executionPeriod"] = period;
    }
    if let Some(outcome) = view.outcome {
        task["output"] = json!([{
            "type": {"coding": [{"system": VAGT_CODE_SYSTEM, "code": "visit-outcome"}]},
            "valueCode": outcome.code(),
        }]);
    }
    task
}

/// Whether a Task is one of Vagt's dispatches.
pub fn is_dispatch_task(resource: &Value) -> bool {
    resource
        .pointer("/code/coding")
        .and_then(Value::as_array)
        .is_some_and(|codings| {
            codings.iter().any(|c| {
                c.get("system").and_then(Value::as_str) == Some(VAGT_CODE_SYSTEM)
                    && c.get("code").and_then(Value::as_str) == Some(DISPATCH_CODE)
            })
        })
}

/// The dispatch a Task carries; `Ok(None)` for a Task that is not a dispatch, or why a Task
/// coded as one cannot be kept (kept for a human by the caller).
pub fn map_dispatch_task(
    resource: &Value,
    base: &str,
    citizen_for: &dyn Fn(&str) -> Option<CitizenId>,
    received_at: Timestamp,
) -> Result<Option<DispatchRecord>, Rejected> {
    if resource.get("resourceType").and_then(Value::as_str) != Some("Task")
        || !is_dispatch_task(resource)
    {
        return Ok(None);
    }
    let r = Reader::new(resource, "Task", base);
    if str_at(resource, "/status") == Some("entered-in-error") {
        return Err(r.malformed("a dispatch entered in error is for a nurse to look at"));
    }
    let key = r.key()?;
    let text = r.extension_text(EXT_DISPATCH_RECORD)?;
    let record: DispatchRecord = serde_json::from_str(&text)
        .map_err(|e| r.malformed(&format!("the dispatch record cannot be read: {e}")))?;
    if record.key != key {
        return Err(r.malformed("the dispatch record's key is not the resource's"));
    }
    if resource.get("for").is_some_and(|s| !s.is_null()) {
        let citizen = r.citizen("/for", citizen_for)?;
        if citizen != record.citizen_id {
            return Err(r.malformed("the dispatch record's citizen is not the Task's"));
        }
    }
    if let Some(first) = record.problems(received_at).first() {
        return Err(r.malformed(&format!(
            "the dispatch cannot be kept: {} ({})",
            first.field,
            first.code.code()
        )));
    }
    Ok(Some(record))
}

/// The version a Task was read at (`meta.versionId`), for `If-Match`.
pub fn version_id(resource: &Value) -> Option<&str> {
    str_at(resource, "/meta/versionId")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::RECORD_IDENTIFIER_SYSTEM;
    use vagt_core::dispatch::{DispatchChange, DispatchStep, VisitOutcome};

    fn at(minutes: i64) -> Timestamp {
        Timestamp::parse_rfc3339("2026-12-01T20:00:00Z")
            .unwrap()
            .plus_millis(minutes * 60_000)
    }

    fn record() -> DispatchRecord {
        let step = |key: &str, bases: &[&str], minutes, change| DispatchStep {
            key: key.into(),
            bases: bases.iter().map(|b| (*b).to_owned()).collect(),
            at: at(minutes),
            by: "mas.ole".into(),
            change,
        };
        DispatchRecord {
            key: "urn:uuid:d1".into(),
            citizen_id: CitizenId::new("c7").unwrap(),
            steps: vec![
                step(
                    "s0",
                    &[],
                    0,
                    DispatchChange::Requested {
                        urgency: DispatchUrgency::Immediate,
                        reason: "SpO2 84 %".into(),
                        assigned_to: Some("mas.ole".into()),
                    },
                ),
                step(
                    "s1",
                    &["s0"],
                    4,
                    DispatchChange::State {
                        to: DispatchState::Arrived,
                        outcome: None,
                        note: String::new(),
                    },
                ),
                step(
                    "s2",
                    &["s1"],
                    50,
                    DispatchChange::State {
                        to: DispatchState::Completed,
                        outcome: Some(VisitOutcome::HospitalAdmission),
                        note: "indlagt Hvidovre".into(),
                    },
                ),
            ],
        }
    }

    fn citizen_for(reference: &str) -> Option<CitizenId> {
        (reference == "Patient/7").then(|| CitizenId::new("c7").unwrap())
    }

    fn pushed() -> Value {
        let mut task = dispatch_task(Some(json!({"reference": "Patient/7"})), &record());
        task["id"] = json!("t9");
        task["meta"] = json!({"versionId": "3"});
        task["identifier"] = json!([{"system": RECORD_IDENTIFIER_SYSTEM, "value": "urn:uuid:d1"}]);
        task
    }

    #[test]
    fn a_dispatch_is_a_task_any_system_reads_and_vagt_reads_back_whole() {
        let task = pushed();
        assert_eq!(task["status"], "completed");
        assert_eq!(task["businessStatus"]["coding"][0]["code"], "completed");
        assert_eq!(task["priority"], "stat");
        assert_eq!(task["for"]["reference"], "Patient/7");
        assert_eq!(task["owner"]["display"], "mas.ole");
        assert_eq!(task["executionPeriod"]["start"], at(4).to_rfc3339());
        assert_eq!(task["executionPeriod"]["end"], at(50).to_rfc3339());
        assert_eq!(task["output"][0]["valueCode"], "hospital_admission");
        assert_eq!(version_id(&task), Some("3"));
        let read = map_dispatch_task(&task, "https://b/fhir", &citizen_for, at(60));
        assert_eq!(read, Ok(Some(record())));
    }

    #[test]
    fn a_dispatch_that_does_not_hold_together_is_rejected_and_other_tasks_passed_over() {
        let mut other_citizen = pushed();
        other_citizen["for"] = json!({"reference": "Patient/8"});
        let mut wrong_key = pushed();
        wrong_key["identifier"][0]["value"] = json!("urn:uuid:other");
        let mut future = pushed();
        let mut late = record();
        late.steps[2].at = at(60 * 24);
        future["extension"][0]["valueString"] = json!(serde_json::to_string(&late).unwrap());
        let mut garbled = pushed();
        garbled["extension"][0]["valueString"] = json!("{not json");
        for (name, task) in [
            ("other citizen", other_citizen),
            ("wrong key", wrong_key),
            ("from the future", future),
            ("garbled", garbled),
        ] {
            let read = map_dispatch_task(&task, "https://b/fhir", &citizen_for, at(60));
            assert!(read.is_err(), "{name}: {read:?}");
        }
        let foreign = json!({"resourceType": "Task", "id": "x", "status": "requested",
            "code": {"text": "wound care"}});
        assert_eq!(
            map_dispatch_task(&foreign, "https://b/fhir", &citizen_for, at(60)),
            Ok(None)
        );
    }
}
