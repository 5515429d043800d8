//! Pushing a MAS dispatch, the one record Vagt edits on the backend. The Task is found by the
//! dispatch's key (its identifier); what the backend holds is merged with what this station
//! holds (the union of both stations' steps, so neither edit is lost) and written back with
//! `If-Match` on the version that was read. If another station wrote in between, the server
//! answers 412 and the push reads, merges and writes again. Every write is the union, so a
//! write repeated after a lost answer changes nothing.

use crate::client::FhirClient;
use crate::error::SyncError;
use serde_json::Value;
use vagt_core::Timestamp;
use vagt_core::dispatch::DispatchRecord;
use vagt_core::outbound::Outbound;
use vagt_fhir::{RECORD_IDENTIFIER_SYSTEM, local_reference, outbound_resource};
use vagt_store::Store;

/// How many times a push reads and writes again after another station's write came first.
const MAX_WRITE_RACES: usize = 5;

/// Where the dispatch ended up on the backend (`Task/<id>`).
pub(super) async fn push_dispatch(
    store: &mut Store,
    client: &FhirClient,
    queued: &DispatchRecord,
    patient: Option<&str>,
    conditional_create: bool,
) -> Result<String, SyncError> {
    let base = client.base().to_owned();
    let condition = format!("identifier={RECORD_IDENTIFIER_SYSTEM}|{}", queued.key);
    for _ in 0..MAX_WRITE_RACES {
        // What this station holds now (the queued steps, and any pulled since).
        let mine = match store.dispatch_record(&queued.key)? {
            Some(held) => held.merged(queued),
            None => queued.clone(),
        };
        let found = client.get(&format!("Task?{condition}")).await?;
        let bundle =
            vagt_fhir::parse_bundle(&found.body).map_err(|e| SyncError::NotFhir(e.to_string()))?;
        let on_server = bundle
            .resources()
            .find(|r| r.get("resourceType").and_then(Value::as_str) == Some("Task"))
            .cloned();
        let Some(on_server) = on_server else {
            let resource = task_for(&mine, patient);
            let created = if conditional_create {
                client.create_once("Task", &resource, &condition).await?
            } else {
                client.create_one_attempt("Task", &resource).await?
            };
            return Ok(created
                .location
                .as_deref()
                .and_then(local_reference)
                .unwrap_or_else(|| "Task".to_owned()));
        };
        let id = on_server
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| SyncError::NotFhir("a Task in a search without an id".into()))?
            .to_owned();
        let citizen_for = |reference: &str| {
            let local = local_reference(reference)?;
            store
                .citizen_for_source(&format!("{base}|{local}"))
                .ok()
                .flatten()
        };
        let theirs = vagt_fhir::map_dispatch_task(
            &on_server,
            &base,
            &citizen_for,
            Timestamp::now(),
        )
        .map_err(|rejected| SyncError::Rejected {
            status: 409,
            detail: format!(
                "the backend's copy of the dispatch cannot be read, so it is not overwritten: {}",
                rejected.reason
            ),
        })?
        .ok_or_else(|| {
            SyncError::NotFhir("the Task found by the dispatch's key is not a dispatch".into())
        })?;
        let source_id = format!("{base}|Task/{id}");
        // The backend's steps are kept here at once, whatever the write does.
        store.merge_remote_dispatch(&theirs, &source_id, Timestamp::now())?;
        let merged = theirs.merged(&mine);
        if theirs.holds_all_of(&merged) {
            return Ok(format!("Task/{id}"));
        }
        let mut resource = task_for(&merged, patient);
        resource["id"] = Value::String(id.clone());
        match client
            .update_if_match("Task", &id, &resource, vagt_fhir::version_id(&on_server))
            .await
        {
            Ok(_) => return Ok(format!("Task/{id}")),
            // Another station wrote first: read its version and merge again.
            Err(SyncError::Rejected {
                status: 409 | 412, ..
            }) => {
                tracing::debug!("dispatch changed on the backend meanwhile; merging again");
            }
            Err(other) => return Err(other),
        }
    }
    Err(SyncError::GaveUp {
        attempts: MAX_WRITE_RACES as u32,
        last: "other stations kept updating the dispatch".into(),
    })
}

fn task_for(record: &DispatchRecord, patient: Option<&str>) -> Value {
    let mut resource = outbound_resource(&Outbound::Dispatch(Box::new(record.clone())), patient);
    if let Some(object) = resource.as_object_mut() {
        object.insert(
            "identifier".into(),
            serde_json::json!([{ "system": RECORD_IDENTIFIER_SYSTEM, "value": record.key }]),
        );
    }
    resource
}
