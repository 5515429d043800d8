//! Pushing the outbox: each item created once on the server, conditionally on the
//! client-generated identifier (or searched for first where the server cannot create
//! conditionally), so a retry after a lost response makes no second copy.

use crate::capabilities::ServerCapabilities;
use crate::client::{FhirClient, FhirResponse};
use crate::engine::config::SyncConfig;
use crate::engine::push_dispatch::push_dispatch;
use crate::engine::push_visit::{create, created_reference, push_visit};
use crate::engine::report::SyncReport;
use crate::error::SyncError;
use vagt_core::outbound::{Outbound, PersonRecord};
use vagt_fhir::outbound_resource;
use vagt_store::{OutboxRecord, Store};

pub(super) async fn push_outbox(
    store: &mut Store,
    client: &FhirClient,
    config: &SyncConfig,
    capabilities: &ServerCapabilities,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    const IDENTIFIER_SYSTEM: &str = vagt_fhir::RECORD_IDENTIFIER_SYSTEM;
    let base = client.base().to_owned();
    for item in store.pending_outbox(config.push_limit)? {
        if let OutboxRecord::Record(Outbound::Person(person)) = &item.record {
            let pushed = push_person(store, client, capabilities, person).await;
            settle(store, item.seq, pushed, report)?;
            continue;
        }
        // A record of a person added here waits for the person's Patient, which goes first:
        // sent without it, no other station could tell whose it is.
        if let OutboxRecord::Record(record) = &item.record
            && let Some(citizen) = record.citizen_id()
            && patient_of(store, &base, citizen)?.is_none()
            && store.is_mas_only(citizen)?
        {
            store.mark_outbox_failed(
                item.seq,
                "waiting for the person's Patient to reach the backend",
            )?;
            continue;
        }
        if let OutboxRecord::Record(Outbound::Dispatch(dispatch)) = &item.record {
            let patient = patient_of(store, &base, &dispatch.citizen_id)?;
            let pushed = push_dispatch(
                store,
                client,
                dispatch,
                patient.as_deref(),
                capabilities.conditional_create("Task"),
            )
            .await;
            settle(store, item.seq, pushed, report)?;
            continue;
        }
        if let OutboxRecord::Record(Outbound::Visit(visit)) = &item.record {
            let patient = patient_of(store, &base, &visit.citizen_id)?;
            let pushed = push_visit(client, capabilities, visit, patient.as_deref()).await;
            settle(store, item.seq, pushed, report)?;
            continue;
        }
        let mut resource = match &item.record {
            OutboxRecord::Record(record) => {
                let patient = match record.citizen_id() {
                    Some(citizen) => patient_of(store, &base, citizen)?,
                    None => None,
                };
                outbound_resource(record, patient.as_deref())
            }
            OutboxRecord::Fhir(resource) => resource.clone(),
        };
        let Some(resource_type) = resource
            .get("resourceType")
            .and_then(|t| t.as_str())
            .map(str::to_owned)
        else {
            store.mark_outbox_failed(item.seq, "the queued item is not a FHIR resource")?;
            continue;
        };
        if let Some(object) = resource.as_object_mut() {
            object.insert(
                "identifier".into(),
                serde_json::json!([{ "system": IDENTIFIER_SYSTEM, "value": item.client_id }]),
            );
        }
        let condition = format!("identifier={IDENTIFIER_SYSTEM}|{}", item.client_id);
        let created = if capabilities.conditional_create(&resource_type) {
            client
                .create_once(&resource_type, &resource, &condition)
                .await
        } else {
            // Without conditional create, look for an earlier copy first. Only this station
            // pushes this identifier, so nothing races between the search and the create.
            find_then_create(client, &resource_type, &resource, &condition).await
        };
        let pushed = created.map(|response| response.location.unwrap_or(resource_type));
        settle(store, item.seq, pushed, report)?;
    }
    Ok(())
}

/// Creates the Patient of a person added here (conditionally on their CPR number, so one the
/// backend knows already is found, not made again) and notes where it is, so the records made
/// for them name it.
async fn push_person(
    store: &mut Store,
    client: &FhirClient,
    capabilities: &ServerCapabilities,
    person: &PersonRecord,
) -> Result<String, SyncError> {
    let patient = vagt_fhir::person_patient(person);
    let condition = format!(
        "identifier={}|{}",
        vagt_fhir::CPR_SYSTEM,
        person.citizen_id.as_str()
    );
    let response = create(client, capabilities, "Patient", &patient, &condition).await?;
    let reference = created_reference("Patient", &response).ok_or_else(|| {
        SyncError::NotFhir("the server made the person's Patient but did not say where".into())
    })?;
    let source = format!("{}|{reference}", client.base());
    store.set_citizen_source(&person.citizen_id, &source, "0")?;
    Ok(reference)
}

/// The citizen's Patient on this backend (`Patient/123`), looked up at push time: a citizen
/// first known locally may have been pulled from the backend since the record was queued.
fn patient_of(
    store: &Store,
    base: &str,
    citizen: &vagt_core::CitizenId,
) -> Result<Option<String>, SyncError> {
    Ok(store
        .citizen_source(citizen)?
        .as_deref()
        .and_then(|source| source.strip_prefix(&format!("{base}|")).map(str::to_owned))
        .filter(|local| local.starts_with("Patient/")))
}

/// Marks an outbox item after its push: sent, or failed and kept. A refusal of one item must
/// not hold back the others (it stays queued with its error); any other failure ends the push.
fn settle(
    store: &mut Store,
    seq: i64,
    pushed: Result<String, SyncError>,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    match pushed {
        Ok(server_ref) => {
            store.mark_outbox_sent(seq, &server_ref)?;
            report.pushed += 1;
            Ok(())
        }
        Err(SyncError::Rejected { status, detail }) => {
            store.mark_outbox_failed(seq, &format!("HTTP {status}: {detail}"))?;
            Ok(())
        }
        Err(e) => {
            store.mark_outbox_failed(seq, &e.to_string())?;
            Err(e)
        }
    }
}

pub(super) async fn find_then_create(
    client: &FhirClient,
    resource_type: &str,
    resource: &serde_json::Value,
    condition: &str,
) -> Result<FhirResponse, SyncError> {
    let found = client.get(&format!("{resource_type}?{condition}")).await?;
    let bundle =
        vagt_fhir::parse_bundle(&found.body).map_err(|e| SyncError::NotFhir(e.to_string()))?;
    if let Some(id) = bundle
        .resources()
        .find_map(|r| r.get("id").and_then(serde_json::Value::as_str))
    {
        return Ok(FhirResponse {
            status: found.status,
            location: Some(format!("{resource_type}/{id}")),
            server_time: found.server_time,
            body: Vec::new(),
        });
    }
    client.create_one_attempt(resource_type, resource).await
}
