//! The endpoints that read one thing: the CapabilityStatement, a resource's current version
//! (read) and any earlier one (vread), each version with its ETag.

use crate::fhir;
use crate::http::response::{ApiError, check_type, fhir_response, resource_response};
use crate::shared::Shared;
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
    Ok(resource_response(StatusCode::OK, &version, None))
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
    Ok(resource_response(StatusCode::OK, &found, None))
}
