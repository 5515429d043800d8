//! The endpoints that read one thing: the CapabilityStatement, a resource's current version
//! (read) and any earlier one (vread), each version with its ETag. The `escape-names` fault
//! acts here too, on a served copy.

use crate::fhir;
use crate::http::hostile;
use crate::http::response::{ApiError, check_type, fhir_response, resource_response};
use crate::shared::Shared;
use crate::store::Version;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::sync::Arc;
use vagt_core::Timestamp;

pub(super) async fn metadata(State(st): State<Arc<Shared>>) -> Response {
    fhir_response(
        StatusCode::OK,
        &fhir::capability_statement(&st.base_url, Timestamp::now()),
    )
}

pub(super) async fn read(
    State(st): State<Arc<Shared>>,
    Path((resource_type, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    check_type(&resource_type)?;
    let world = st.world.lock().await;
    let record = world
        .store
        .get(&resource_type, &id)
        .ok_or_else(|| ApiError::not_found(format!("{resource_type}/{id} is not known")))?;
    let version = record.current.clone();
    drop(world);
    Ok(served(&st, version).await)
}

pub(super) async fn vread(
    State(st): State<Arc<Shared>>,
    Path((resource_type, id, version)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    check_type(&resource_type)?;
    let world = st.world.lock().await;
    let record = world
        .store
        .get(&resource_type, &id)
        .ok_or_else(|| ApiError::not_found(format!("{resource_type}/{id} is not known")))?;
    let found = version
        .parse::<u32>()
        .ok()
        .and_then(|v| record.version(v))
        .cloned()
        .ok_or_else(|| {
            ApiError::not_found(format!("{resource_type}/{id} has no version {version:?}"))
        })?;
    drop(world);
    Ok(served(&st, found).await)
}

/// `version` as the fault profile has it look.
async fn served(st: &Shared, mut version: Version) -> Response {
    let profile = st.faults.read().await.clone();
    if let Some(rewritten) = hostile::rewrite_read(&profile, &version.resource()) {
        version = Version::new(version.version_id, version.last_updated, &rewritten);
    }
    resource_response(StatusCode::OK, &version, None)
}
