//! Update (`PUT /Type/id`) as a versioned FHIR server does it: the body's id must be the URL's,
//! the resource must exist (no update-as-create), and with `If-Match` the write is made only if
//! the resource is still at that version; otherwise 412, so a client that read an older version
//! merges and tries again instead of overwriting another's write.

use crate::fhir;
use crate::http::create::parse_pushed;
use crate::http::response::{ApiError, check_type, json_body, resource_response};
use crate::shared::Shared;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::Value;
use std::sync::Arc;

/// The version an `If-Match` names: `W/"3"` or `"3"`. `None` for a header that is not an ETag.
pub(super) fn parse_if_match(text: &str) -> Option<u32> {
    let text = text.trim();
    let quoted = text.strip_prefix("W/").unwrap_or(text);
    quoted
        .strip_prefix('"')?
        .strip_suffix('"')?
        .parse::<u32>()
        .ok()
}

pub(super) async fn update(
    State(st): State<Arc<Shared>>,
    Path((resource_type, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_type(&resource_type)?;
    if !fhir::UPDATABLE_TYPES.contains(&resource_type.as_str()) {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "not-supported",
            format!("{resource_type} cannot be updated here"),
        ));
    }
    let resource = parse_pushed(&resource_type, json_body(&body)?)?;
    if resource.get("id").and_then(Value::as_str) != Some(id.as_str()) {
        return Err(ApiError::invalid(format!(
            "the resource's id must be the URL's ({id})"
        )));
    }
    let expected = match headers.get(header::IF_MATCH) {
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(parse_if_match)
                .ok_or_else(|| ApiError::invalid("If-Match is not an ETag such as W/\"3\""))?,
        ),
        None => None,
    };
    let mut world = st.world.lock().await;
    let index = world
        .store
        .index_of(&resource_type, &id)
        .ok_or_else(|| ApiError::not_found(format!("{resource_type}/{id} is not known")))?;
    let current = world
        .store
        .record(index)
        .map(|r| r.current.version_id)
        .ok_or_else(|| ApiError::not_found(format!("{resource_type}/{id} is not known")))?;
    if let Some(expected) = expected
        && expected != current
    {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "conflict",
            format!("{resource_type}/{id} is at version {current}, not {expected}"),
        ));
    }
    let now = world.clock.now();
    let version = world
        .store
        .update(index, resource, now)
        .cloned()
        .ok_or_else(|| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "exception", "not stored")
        })?;
    drop(world);
    let location = format!(
        "{}/{resource_type}/{id}/_history/{}",
        st.base_url, version.version_id
    );
    Ok(resource_response(StatusCode::OK, &version, Some(&location)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_takes_weak_and_strong_etags_only() {
        assert_eq!(parse_if_match("W/\"3\""), Some(3));
        assert_eq!(parse_if_match("\"12\""), Some(12));
        assert_eq!(parse_if_match("3"), None);
        assert_eq!(parse_if_match("*"), None);
        assert_eq!(parse_if_match("W/\"x\""), None);
    }
}
