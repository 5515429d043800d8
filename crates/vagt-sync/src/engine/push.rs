//! Pushing the outbox: each item created once on the server, conditionally on the
//! client-generated identifier (or searched for first where the server cannot create
//! conditionally), so a retry after a lost response makes no second copy.

use crate::capabilities::ServerCapabilities;
use crate::client::{FhirClient, FhirResponse};
use crate::engine::config::SyncConfig;
use crate::engine::report::SyncReport;
use crate::error::SyncError;
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
        let mut resource = match &item.record {
            OutboxRecord::Record(record) => {
                // The citizen's Patient on this backend, looked up now: a citizen first known
                // locally may have been pulled from the backend since the record was queued.
                let source = match record.citizen_id() {
                    Some(citizen) => store.citizen_source(citizen)?,
                    None => None,
                };
                let patient = source
                    .as_deref()
                    .and_then(|source| source.strip_prefix(&format!("{base}|")).map(str::to_owned))
                    .filter(|local| local.starts_with("Patient/"));
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
        match created {
            Ok(response) => {
                let server_ref = response.location.unwrap_or_else(|| resource_type.clone());
                store.mark_outbox_sent(item.seq, &server_ref)?;
                report.pushed += 1;
            }
            // A refusal of this item must not hold back the others; it stays queued with its error.
            Err(SyncError::Rejected { status, detail }) => {
                store.mark_outbox_failed(item.seq, &format!("HTTP {status}: {detail}"))?;
            }
            Err(e) => {
                store.mark_outbox_failed(item.seq, &e.to_string())?;
                return Err(e);
            }
        }
    }
    Ok(())
}

async fn find_then_create(
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
            body: Vec::new(),
        });
    }
    client.create_one_attempt(resource_type, resource).await
}
