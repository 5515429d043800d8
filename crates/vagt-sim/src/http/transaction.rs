//! `POST /fhir` with a transaction Bundle of creates: every entry decided before any is
//! written, conditions matched against the store and the earlier entries, references between
//! entries rewritten to the ids given; all or nothing.

use crate::http::create::{parse_condition, parse_pushed};
use crate::http::response::{ApiError, fhir_response, json_body};
use crate::shared::Shared;
use crate::store::Token;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// One entry of a transaction, checked.
struct Planned {
    resource_type: String,
    resource: Value,
    condition: Option<Token>,
    full_url: Option<String>,
}

enum Outcome {
    Existing(usize),
    New(String),
}

fn plan_entry(index: usize, entry: &Value) -> Result<Planned, ApiError> {
    let at = |message: String| ApiError::invalid(format!("entry {index}: {message}"));
    let request = entry
        .get("request")
        .ok_or_else(|| at("has no request".into()))?;
    let method = request.get("method").and_then(Value::as_str).unwrap_or("");
    if method != "POST" {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "not-supported",
            format!("entry {index}: only POST (create) is supported, not {method:?}"),
        ));
    }
    let url = request.get("url").and_then(Value::as_str).unwrap_or("");
    let resource_type = url
        .trim()
        .trim_start_matches('/')
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    let resource = entry
        .get("resource")
        .cloned()
        .ok_or_else(|| at("has no resource".into()))?;
    let resource = parse_pushed(&resource_type, resource).map_err(|e| at(e.message))?;
    let condition = request
        .get("ifNoneExist")
        .and_then(Value::as_str)
        .map(parse_condition)
        .transpose()
        .map_err(|e| at(e.message))?;
    Ok(Planned {
        resource_type,
        resource,
        condition,
        full_url: entry
            .get("fullUrl")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

fn identifiers_match(resource: &Value, token: &Token) -> bool {
    resource
        .get("identifier")
        .and_then(Value::as_array)
        .is_some_and(|list| {
            list.iter().any(|i| {
                let system = i.get("system").and_then(Value::as_str);
                i.get("value")
                    .and_then(Value::as_str)
                    .is_some_and(|v| token.matches(system, v))
            })
        })
}

fn rewrite_references(value: &mut Value, map: &HashMap<String, String>) {
    match value {
        Value::Object(object) => {
            for (key, inner) in object.iter_mut() {
                match inner {
                    Value::String(text) if key == "reference" => {
                        if let Some(new) = map.get(text.as_str()) {
                            *text = new.clone();
                        }
                    }
                    _ => rewrite_references(inner, map),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_references(v, map)),
        _ => {}
    }
}

/// `POST /fhir` with a transaction Bundle of creates: all or nothing.
pub(super) async fn transaction(
    State(st): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let bundle = json_body(&body)?;
    if bundle.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
        return Err(ApiError::invalid("expected a Bundle"));
    }
    let kind = bundle.get("type").and_then(Value::as_str).unwrap_or("");
    if kind != "transaction" {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "not-supported",
            format!("only transaction Bundles are processed, not {kind:?}"),
        ));
    }
    let empty = Vec::new();
    let entries = bundle
        .get("entry")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let mut planned: Vec<Planned> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| plan_entry(i, e))
        .collect::<Result<_, _>>()?;

    let mut world = st.world.lock().await;
    // Decide every entry before writing any.
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(planned.len());
    for (i, entry) in planned.iter().enumerate() {
        let outcome = match &entry.condition {
            None => None,
            Some(token) => {
                let found = world.store.find_by_identifier(&entry.resource_type, token);
                if found.len() > 1 {
                    return Err(ApiError::new(
                        StatusCode::PRECONDITION_FAILED,
                        "duplicate",
                        format!("entry {i}: ifNoneExist matches more than one resource"),
                    ));
                }
                match found.first() {
                    Some(index) => Some(Outcome::Existing(*index)),
                    // An earlier entry of this transaction may be the match.
                    None => planned[..i]
                        .iter()
                        .zip(&outcomes)
                        .find(|(earlier, outcome)| {
                            earlier.resource_type == entry.resource_type
                                && matches!(outcome, Outcome::New(_))
                                && identifiers_match(&earlier.resource, token)
                        })
                        .and_then(|(_, outcome)| match outcome {
                            Outcome::New(id) => Some(Outcome::New(id.clone())),
                            Outcome::Existing(_) => None,
                        }),
                }
            }
        };
        let outcome = match outcome {
            Some(outcome) => outcome,
            None => Outcome::New(world.store.new_id(&entry.resource_type)),
        };
        outcomes.push(outcome);
    }
    let mut references = HashMap::new();
    for (entry, outcome) in planned.iter().zip(&outcomes) {
        let id = match outcome {
            Outcome::Existing(index) => world.store.record(*index).map(|r| r.id.to_string()),
            Outcome::New(id) => Some(id.clone()),
        };
        if let (Some(full_url), Some(id)) = (&entry.full_url, id) {
            references.insert(full_url.clone(), format!("{}/{id}", entry.resource_type));
        }
    }
    let now = world.clock.now();
    let mut responses = Vec::with_capacity(planned.len());
    let mut created: HashMap<String, usize> = HashMap::new();
    for (entry, outcome) in planned.iter_mut().zip(&outcomes) {
        let (status, index) = match outcome {
            Outcome::Existing(index) => ("200 OK", Some(*index)),
            Outcome::New(id) => match created.get(id) {
                Some(index) => ("200 OK", Some(*index)),
                None => {
                    let mut resource = std::mem::take(&mut entry.resource);
                    rewrite_references(&mut resource, &references);
                    let index = world.create_pushed(resource, id.clone(), now);
                    if let Some(index) = index {
                        created.insert(id.clone(), index);
                    }
                    ("201 Created", index)
                }
            },
        };
        let record = index.and_then(|i| world.store.record(i)).ok_or_else(|| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "exception", "not stored")
        })?;
        responses.push(json!({"response": {
            "status": status,
            "location": format!("{}/{}/_history/{}", record.resource_type, record.id,
                                record.current.version_id),
            "etag": format!("W/\"{}\"", record.current.version_id),
            "lastModified": record.current.last_updated.to_rfc3339(),
        }}));
    }
    drop(world);
    let response = json!({
        "resourceType": "Bundle",
        "type": "transaction-response",
        "entry": responses,
    });
    Ok(fhir_response(StatusCode::OK, &response))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_to_transaction_entries_are_rewritten() {
        let mut resource = json!({"basedOn": [{"reference": "urn:uuid:1"}],
                                  "subject": {"reference": "Patient/p-0001"}});
        let map = HashMap::from([("urn:uuid:1".to_owned(), "Task/task-3".to_owned())]);
        rewrite_references(&mut resource, &map);
        assert_eq!(resource["basedOn"][0]["reference"], "Task/task-3");
        assert_eq!(resource["subject"]["reference"], "Patient/p-0001");
    }
}
