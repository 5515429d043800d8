//! The simulator's controls, outside FHIR: advance the data, set or read the fault profile,
//! take the snapshot a test compares a client with, read what the `foreign-next` trap received,
//! read the traffic served.

use crate::changes::AdvanceSpec;
use crate::faults::FaultProfile;
use crate::http::response::ApiError;
use crate::shared::Shared;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;

pub(super) async fn admin_advance(
    State(st): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let spec: AdvanceSpec = if body.iter().all(u8::is_ascii_whitespace) {
        AdvanceSpec::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::invalid(format!("not an AdvanceSpec: {e}")))?
    };
    let report = st.advance(&spec).await;
    Ok(axum::Json(report).into_response())
}

#[derive(Debug, Deserialize)]
struct FaultsRequest {
    profile: Option<String>,
    custom: Option<FaultProfile>,
}

pub(super) async fn admin_faults(
    State(st): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: FaultsRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::invalid(format!(
            "expected {{\"profile\": NAME}} or {{\"custom\": {{...}}}}: {e}"
        ))
    })?;
    let profile = match (request.custom, request.profile) {
        (Some(custom), _) => custom,
        (None, Some(name)) => {
            FaultProfile::named(&name).map_err(|e| ApiError::invalid(e.to_string()))?
        }
        (None, None) => return Err(ApiError::invalid("give a profile or a custom profile")),
    };
    st.set_faults(profile.clone()).await;
    Ok(axum::Json(profile).into_response())
}

pub(super) async fn admin_get_faults(State(st): State<Arc<Shared>>) -> Response {
    axum::Json(st.faults.read().await.clone()).into_response()
}

pub(super) async fn admin_snapshot(State(st): State<Arc<Shared>>) -> Response {
    let snapshot = st.world.lock().await.snapshot();
    axum::Json(snapshot).into_response()
}

/// `{"total": {...}, "by_kind": {"GET Observation": {"requests": N, "request_bytes": N,
/// "response_bytes": N}, ...}}`: what the FHIR endpoints have served since the start.
pub(super) async fn admin_traffic(State(st): State<Arc<Shared>>) -> Response {
    axum::Json(st.traffic.report()).into_response()
}

/// `{"url": ..., "requests": N, "authorization": [...]}`: what reached the trap.
pub(super) async fn admin_trap(State(st): State<Arc<Shared>>) -> Response {
    axum::Json(st.trap_report()).into_response()
}
