//! The FHIR REST API and the admin endpoints, with bearer auth and fault injection as
//! middleware. This module only routes; each child has one job:
//!
//! - [`response`]: how every endpoint answers, and the checks that end in an error;
//! - [`middleware`]: the bearer token, the injected faults, the traffic counted;
//! - [`hostile`] and [`bodies`]: a hostile server's search pages and bodies;
//! - [`query`]: the query string, decoded and encoded;
//! - [`read`](mod@read): the CapabilityStatement, read and vread;
//! - [`search`](mod@search): search and cursor paging;
//! - [`create`](mod@create): create and conditional create;
//! - [`update`](mod@update): update with `If-Match`;
//! - [`transaction`](mod@transaction): transaction Bundles;
//! - [`websocket`]: the websocket of Subscriptions;
//! - [`admin`]: the simulator's controls outside FHIR.

mod admin;
mod bodies;
mod create;
mod hostile;
mod middleware;
mod query;
mod read;
mod response;
mod search;
mod transaction;
mod update;
mod websocket;

use crate::shared::Shared;
use admin::{
    admin_advance, admin_faults, admin_get_faults, admin_snapshot, admin_traffic, admin_trap,
};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use create::create;
use read::{metadata, read, vread};
use response::ApiError;
use search::search;
use std::sync::Arc;
use transaction::transaction;
use update::update;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/fhir/metadata", get(metadata))
        .route("/fhir/websocket", get(websocket::websocket))
        .route("/fhir", post(transaction))
        .route("/fhir/{resource_type}", get(search).post(create))
        .route("/fhir/{resource_type}/{id}", get(read).put(update))
        .route("/fhir/{resource_type}/{id}/_history/{version}", get(vread))
        .route("/admin/advance", post(admin_advance))
        .route("/admin/faults", post(admin_faults).get(admin_get_faults))
        .route("/admin/snapshot", get(admin_snapshot))
        .route("/admin/trap", get(admin_trap))
        .route("/admin/traffic", get(admin_traffic))
        .fallback(no_such_endpoint)
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            middleware::auth,
        ))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            middleware::faults,
        ))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            middleware::server_date,
        ))
        // Outermost: a refused or faulted request is traffic too.
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            middleware::traffic,
        ))
        .with_state(shared)
}

async fn no_such_endpoint() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not-supported", "no such endpoint")
}
