//! Alarm acknowledgements made at other stations, as the backend holds them: FHIR Tasks coded
//! `urn:dk:naerklinikken:vagt|alarm-ack` whose focus is the alarm's id. Any other Task is not
//! Vagt's and is passed over, not rejected (a backend holds many kinds of Task).

use crate::error::Rejected;
use serde_json::Value;
use vagt_core::alarm::{ALARM_ACK_CODE, ALARM_ID_SYSTEM, AlarmAcknowledgement, VAGT_CODE_SYSTEM};
use vagt_core::{RejectReason, Timestamp};

/// The acknowledgement in a Task, `Ok(None)` for a Task that is not one, or why a Task coded as
/// one cannot be read.
pub fn map_acknowledgement_task(
    resource: &Value,
) -> Result<Option<AlarmAcknowledgement>, Rejected> {
    let is_ack = resource
        .pointer("/code/coding")
        .and_then(Value::as_array)
        .is_some_and(|codings| {
            codings.iter().any(|c| {
                c.get("system").and_then(Value::as_str) == Some(VAGT_CODE_SYSTEM)
                    && c.get("code").and_then(Value::as_str) == Some(ALARM_ACK_CODE)
            })
        });
    if resource.get("resourceType").and_then(Value::as_str) != Some("Task") || !is_ack {
        return Ok(None);
    }
    let source_id = resource
        .get("id")
        .and_then(Value::as_str)
        .map(|id| format!("Task/{id}"));
    let reject = |why: &str| Rejected {
        reason: RejectReason::Malformed(format!("alarm acknowledgement: {why}")),
        resource_type: Some("Task".into()),
        source_id: source_id.clone(),
    };
    let focus = resource.pointer("/focus/identifier");
    let alarm_id = match focus {
        Some(identifier)
            if identifier.get("system").and_then(Value::as_str) == Some(ALARM_ID_SYSTEM) =>
        {
            identifier.get("value").and_then(Value::as_str)
        }
        _ => None,
    }
    .map(str::trim)
    .filter(|id| !id.is_empty())
    .ok_or_else(|| reject("no alarm id in focus.identifier"))?;
    let nurse = resource
        .pointer("/owner/display")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| reject("no nurse in owner.display"))?;
    let at = resource
        .get("authoredOn")
        .and_then(Value::as_str)
        .and_then(|t| Timestamp::parse_rfc3339(t).ok())
        .ok_or_else(|| reject("no authoredOn instant"))?;
    let comment = resource
        .pointer("/note/0/text")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(Some(AlarmAcknowledgement {
        alarm_id: alarm_id.to_owned(),
        nurse: nurse.to_owned(),
        at,
        comment,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task() -> Value {
        json!({
            "resourceType": "Task", "id": "t1", "status": "completed", "intent": "order",
            "code": {"coding": [{"system": VAGT_CODE_SYSTEM, "code": ALARM_ACK_CODE}]},
            "focus": {"identifier": {"system": ALARM_ID_SYSTEM, "value": "ab12"}},
            "authoredOn": "2026-11-22T10:00:00Z",
            "owner": {"display": "mette"},
            "note": [{"text": "ringet op"}],
        })
    }

    #[test]
    fn an_acknowledgement_task_reads_back_and_other_tasks_are_passed_over() {
        let ack = map_acknowledgement_task(&task()).ok().flatten();
        assert_eq!(
            ack,
            Some(AlarmAcknowledgement {
                alarm_id: "ab12".into(),
                nurse: "mette".into(),
                at: Timestamp::parse_rfc3339("2026-11-22T10:00:00Z").expect("instant"),
                comment: Some("ringet op".into()),
            })
        );
        let mut other = task();
        other["code"] = json!({"coding": [{"system": "http://loinc.org", "code": "x"}]});
        assert!(matches!(map_acknowledgement_task(&other), Ok(None)));
    }

    #[test]
    fn an_acknowledgement_without_alarm_nurse_or_time_is_rejected_with_why() {
        for (pointer, why) in [
            ("focus", "alarm id"),
            ("owner", "nurse"),
            ("authoredOn", "authoredOn"),
        ] {
            let mut bad = task();
            if let Some(object) = bad.as_object_mut() {
                object.remove(pointer);
            }
            let error = map_acknowledgement_task(&bad)
                .err()
                .map(|r| r.reason.to_string());
            assert!(
                error.as_deref().is_some_and(|e| e.contains(why)),
                "{pointer}: {error:?}"
            );
        }
    }
}
