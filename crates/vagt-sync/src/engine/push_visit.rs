//! Pushing a MAS visit: its Encounter first, created once under the visit's key, then each
//! part (vital signs, samples, treatments) created once under its own identifier and pointing
//! at the Encounter. A push cut anywhere is pushed again from the start: what was made finds
//! itself by its identifier, so every resource is on the server exactly once. Plain creates are
//! used rather than one transaction so that any server with conditional create (or a search)
//! takes a visit; until the last part is made the Encounter already holds the whole record,
//! which is all another station reads.

use crate::capabilities::ServerCapabilities;
use crate::client::{FhirClient, FhirResponse};
use crate::engine::push::find_then_create;
use crate::error::SyncError;
use serde_json::Value;
use vagt_core::visit::VisitRecord;
use vagt_fhir::{
    RECORD_IDENTIFIER_SYSTEM, VISIT_PART_SYSTEM, local_reference, visit_encounter,
    visit_identifier, visit_parts,
};

pub(super) async fn create(
    client: &FhirClient,
    capabilities: &ServerCapabilities,
    resource_type: &str,
    resource: &Value,
    condition: &str,
) -> Result<FhirResponse, SyncError> {
    if capabilities.conditional_create(resource_type) {
        client.create_once(resource_type, resource, condition).await
    } else {
        find_then_create(client, resource_type, resource, condition).await
    }
}

/// `Type/id` of what a create made or found: from `Location`, else from the body.
pub(super) fn created_reference(resource_type: &str, response: &FhirResponse) -> Option<String> {
    response
        .location
        .as_deref()
        .and_then(local_reference)
        .or_else(|| {
            let body: Value = serde_json::from_slice(&response.body).ok()?;
            let id = body.get("id")?.as_str()?;
            Some(format!("{resource_type}/{id}"))
        })
}

/// Where the visit's Encounter is on the backend (`Encounter/<id>`).
pub(super) async fn push_visit(
    client: &FhirClient,
    capabilities: &ServerCapabilities,
    visit: &VisitRecord,
    patient: Option<&str>,
) -> Result<String, SyncError> {
    let mut encounter = visit_encounter(visit, patient);
    encounter["identifier"] = visit_identifier(visit);
    let condition = format!("identifier={RECORD_IDENTIFIER_SYSTEM}|{}", visit.key);
    let response = create(client, capabilities, "Encounter", &encounter, &condition).await?;
    let reference = created_reference("Encounter", &response).ok_or_else(|| {
        SyncError::NotFhir("the server made the visit's Encounter but did not say where".into())
    })?;
    let base = client.base().to_owned();
    // A box prescription read from this backend is referred to there by its local reference.
    let box_request = |source: &str| {
        source
            .strip_prefix(&format!("{base}|"))
            .and_then(local_reference)
    };
    for part in visit_parts(visit, patient, &reference, &box_request) {
        let condition = format!("identifier={VISIT_PART_SYSTEM}|{}", part.identifier);
        create(
            client,
            capabilities,
            part.resource_type,
            &part.resource,
            &condition,
        )
        .await?;
    }
    Ok(reference)
}
