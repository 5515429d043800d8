//! Create and conditional create (`If-None-Exist` on an identifier), so a client's retry after
//! a lost response makes no second copy.

use crate::fhir;
use crate::http::query::query_pairs;
use crate::http::response::{ApiError, check_type, json_body, resource_response};
use crate::shared::Shared;
use crate::store::Token;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;
use std::sync::Arc;

/// A resource a client may create, as JSON of the right type.
pub(super) fn parse_pushed(resource_type: &str, resource: Value) -> Result<Value, ApiError> {
    if !fhir::CREATABLE_TYPES.contains(&resource_type) {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "not-supported",
            format!("{resource_type} cannot be created here"),
        ));
    }
    let found = resource.get("resourceType").and_then(Value::as_str);
    if !resource.is_object() || found != Some(resource_type) {
        return Err(ApiError::invalid(format!(
            "expected a {resource_type} resource, got resourceType {found:?}"
        )));
    }
    if resource_type == "Subscription" {
        return accept_subscription(resource);
    }
    Ok(resource)
}

/// A Subscription this server can keep: over its websocket, on a type it serves; it is active
/// from its creation (R4: the server sets the status).
fn accept_subscription(mut resource: Value) -> Result<Value, ApiError> {
    let channel = resource
        .pointer("/channel/type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if channel != "websocket" {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not-supported",
            format!("this server notifies over its websocket only, not {channel:?}"),
        ));
    }
    let criteria = resource
        .get("criteria")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match vagt_fhir::subscription::criteria_type(criteria) {
        Some(resource_type) if fhir::is_known_type(resource_type) => {}
        _ => {
            return Err(ApiError::invalid(format!(
                "the criteria {criteria:?} name no type this server holds"
            )));
        }
    }
    resource["status"] = Value::from("active");
    Ok(resource)
}

/// `identifier=system|value` (optionally after `Type?`), the only condition supported.
pub(super) fn parse_condition(text: &str) -> Result<Token, ApiError> {
    let query = text.split_once('?').map_or(text, |(_, q)| q).trim();
    let pairs = query_pairs(Some(query));
    match pairs.as_slice() {
        [(key, value)] if key == "identifier" && !value.is_empty() => Ok(Token::parse(value)),
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "not-supported",
            format!("conditional create supports only identifier=system|value, not {query:?}"),
        )),
    }
}

pub(super) async fn create(
    State(st): State<Arc<Shared>>,
    Path(resource_type): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_type(&resource_type)?;
    let resource = parse_pushed(&resource_type, json_body(&body)?)?;
    let condition = match headers.get("If-None-Exist") {
        Some(value) => {
            Some(parse_condition(value.to_str().map_err(|_| {
                ApiError::invalid("If-None-Exist is not readable text")
            })?)?)
        }
        None => None,
    };
    let mut world = st.world.lock().await;
    if let Some(token) = &condition {
        let found = world.store.find_by_identifier(&resource_type, token);
        match found.as_slice() {
            [] => {}
            [index] => {
                let existing = world.store.record(*index).map(|r| r.current.clone());
                drop(world);
                return existing
                    .map(|v| resource_response(StatusCode::OK, &v, None))
                    .ok_or_else(|| ApiError::not_found("the match disappeared"));
            }
            _ => {
                return Err(ApiError::new(
                    StatusCode::PRECONDITION_FAILED,
                    "duplicate",
                    "If-None-Exist matches more than one resource",
                ));
            }
        }
    }
    let now = world.clock.now();
    let id = world.store.new_id(&resource_type);
    let version = world
        .create_pushed(resource, id.clone(), now)
        .and_then(|index| world.store.record(index))
        .map(|r| r.current.clone())
        .ok_or_else(|| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "exception", "not stored")
        })?;
    drop(world);
    let location = format!("{}/{resource_type}/{id}/_history/1", st.base_url);
    Ok(resource_response(
        StatusCode::CREATED,
        &version,
        Some(&location),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_are_identifier_tokens_only() {
        assert_eq!(
            parse_condition("identifier=urn:vagt%7Cc1").ok(),
            Some(Token::parse("urn:vagt|c1"))
        );
        assert!(parse_condition("Communication?identifier=urn:vagt|c1").is_ok());
        assert!(parse_condition("status=final").is_err());
        assert!(parse_condition("").is_err());
    }

    #[test]
    fn subscriptions_are_kept_only_over_the_websocket_on_a_served_type() {
        let subscription = |criteria: &str, channel: &str| {
            serde_json::json!({
                "resourceType": "Subscription", "status": "requested",
                "criteria": criteria, "channel": {"type": channel},
            })
        };
        let kept =
            parse_pushed("Subscription", subscription("Observation", "websocket")).expect("kept");
        assert_eq!(kept["status"], "active");
        assert!(parse_pushed("Subscription", subscription("Observation", "rest-hook")).is_err());
        assert!(parse_pushed("Subscription", subscription("Spaceship", "websocket")).is_err());
        assert!(parse_pushed("Subscription", subscription("", "websocket")).is_err());
    }
}
