//! The FHIR REST API and the admin endpoints, with bearer auth and fault injection as
//! middleware.
//!
//! Search pages by a cursor on `_lastUpdated`: a `next` link is the original query with its
//! lower bound replaced by `_lastUpdated=gt{last entry's lastUpdated}` (and `_page=n`, which
//! only marks it as a continued page), so paging stays exact while new data arrives.
//! Query values are percent-decoded; `+` is kept as `+` (not a space), so an instant with an
//! offset works either way.

use crate::Shared;
use crate::faults::FaultKind;
use crate::fhir::{self, operation_outcome};
use crate::store::{Record, Token, Version};
use crate::{AdvanceSpec, FaultProfile};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use vagt_core::Timestamp;
use vagt_core::time_util::MILLIS_PER_DAY;

type St = Arc<Shared>;

const FHIR_JSON: &str = "application/fhir+json; charset=utf-8";
const DEFAULT_COUNT: usize = 50;
const MAX_COUNT: usize = 500;

pub(crate) fn router(shared: St) -> Router {
    Router::new()
        .route("/fhir/metadata", get(metadata))
        .route("/fhir", post(transaction))
        .route("/fhir/{resource_type}", get(search).post(create))
        .route("/fhir/{resource_type}/{id}", get(read))
        .route("/fhir/{resource_type}/{id}/_history/{version}", get(vread))
        .route("/admin/advance", post(admin_advance))
        .route("/admin/faults", post(admin_faults).get(admin_get_faults))
        .route("/admin/snapshot", get(admin_snapshot))
        .fallback(no_such_endpoint)
        .layer(middleware::from_fn_with_state(shared.clone(), auth))
        .layer(middleware::from_fn_with_state(shared.clone(), faults))
        .with_state(shared)
}

/// An error answered with an OperationOutcome.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    fn invalid(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid", message)
    }

    fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let outcome = operation_outcome("error", self.code, &self.message);
        fhir_response(self.status, &outcome)
    }
}

fn fhir_response(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = (status, bytes).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    response
}

/// A resource version with its ETag and Last-Modified (and Location, for a create).
fn resource_response(status: StatusCode, version: &Version, location: Option<&str>) -> Response {
    let mut response = fhir_response(status, &version.resource);
    let headers = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&format!("W/\"{}\"", version.version_id)) {
        headers.insert(header::ETAG, etag);
    }
    if let Ok(modified) = HeaderValue::from_str(&http_date(version.last_updated)) {
        headers.insert(header::LAST_MODIFIED, modified);
    }
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(l).ok()) {
        headers.insert(header::LOCATION, location);
    }
    response
}

/// RFC 9110 IMF-fixdate, e.g. `Sun, 22 Nov 2026 08:15:00 GMT`.
fn http_date(t: Timestamp) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let nanos = i128::from(t.millis()) * 1_000_000;
    let Ok(dt) = time::OffsetDateTime::from_unix_timestamp_nanos(nanos) else {
        return String::new();
    };
    let day = DAYS
        .get(usize::from(dt.weekday().number_days_from_monday()))
        .unwrap_or(&"Mon");
    let month = MONTHS
        .get(usize::from(u8::from(dt.month())).saturating_sub(1))
        .unwrap_or(&"Jan");
    format!(
        "{day}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
        dt.day(),
        dt.year(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

async fn auth(State(st): State<St>, request: Request, next: Next) -> Response {
    if let Some(token) = &st.token
        && request.uri().path() != "/fhir/metadata"
    {
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, credentials)| credentials.trim());
        if given != Some(token.as_str()) {
            tracing::debug!("request without a valid bearer token");
            let mut response = ApiError::new(
                StatusCode::UNAUTHORIZED,
                "login",
                "a valid bearer token is required",
            )
            .into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"vagt-sim\""),
            );
            return response;
        }
    }
    next.run(request).await
}

/// Latency, errors, throttling, stalls and cut connections on the FHIR endpoints (not on
/// `/fhir/metadata` nor `/admin/*`).
async fn faults(State(st): State<St>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path == "/fhir/metadata" || !(path == "/fhir" || path.starts_with("/fhir/")) {
        return next.run(request).await;
    }
    let profile = st.faults.read().await.clone();
    let n = st.requests.fetch_add(1, Ordering::Relaxed);
    let fault = profile.draw(st.fault_seed, n);
    if fault.latency_ms > 0 {
        st.sleep(fault.latency_ms).await;
    }
    if fault.kind != FaultKind::None {
        tracing::debug!(fault = ?fault.kind, "injecting a fault");
    }
    match fault.kind {
        FaultKind::None => next.run(request).await,
        FaultKind::Unavailable => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "transient",
            "injected fault: service unavailable",
        )
        .into_response(),
        FaultKind::InternalError => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "exception",
            "injected fault: internal error",
        )
        .into_response(),
        FaultKind::Throttled => {
            let mut response = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "throttled",
                "injected fault: too many requests",
            )
            .into_response();
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(profile.retry_after_secs),
            );
            response
        }
        FaultKind::Stall(ms) => {
            st.sleep(ms).await;
            next.run(request).await
        }
        FaultKind::Cut => cut(next.run(request).await).await,
    }
}

/// The response's headers and the first half of its body, then a broken connection.
async fn cut(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let half = bytes.slice(..bytes.len() / 2);
    parts.headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(bytes.len().max(1)),
    );
    // The error comes a moment after the half, so that the headers and the half are flushed
    // first (an immediate error makes hyper drop its buffered head: an empty reply instead).
    let body = futures_util::stream::unfold(Some(half), |half| async move {
        match half {
            Some(half) => Some((Ok(half), None)),
            None => {
                tokio::time::sleep(std::time::Duration::from_millis(30)).await;
                let cut = std::io::Error::other("injected fault: connection cut");
                Some((Err::<Bytes, _>(cut), None))
            }
        }
    });
    Response::from_parts(parts, Body::from_stream(body))
}

async fn no_such_endpoint() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not-supported", "no such endpoint")
}

async fn metadata(State(st): State<St>) -> Response {
    fhir_response(
        StatusCode::OK,
        &fhir::capability_statement(&st.base_url, Timestamp::now()),
    )
}

fn check_type(resource_type: &str) -> Result<(), ApiError> {
    if fhir::is_known_type(resource_type) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not-supported",
            format!("resource type {resource_type:?} is not supported here"),
        ))
    }
}

async fn read(
    State(st): State<St>,
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

async fn vread(
    State(st): State<St>,
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

// ---------------------------------------------------------------------------------------------
// Search

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes.get(i), bytes.get(i + 1), bytes.get(i + 2)) {
            (Some(b'%'), Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let value = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(value as u8);
                i += 3;
            }
            (Some(&b), _, _) => {
                out.push(b);
                i += 1;
            }
            (None, _, _) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

fn encode_pairs(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The instants a date/time value covers at its precision, in ms (inclusive): a day for
/// `2026-11-22`, a second for `…T08:15:00Z`, one ms for `…T08:15:00.250Z`.
fn instant_range(text: &str) -> Option<(i64, i64)> {
    let text = text.trim();
    if text.len() == 10 {
        let start = Timestamp::parse_rfc3339(&format!("{text}T00:00:00Z")).ok()?;
        return Some((start.millis(), start.millis() + MILLIS_PER_DAY - 1));
    }
    let t = Timestamp::parse_rfc3339(text).ok()?.millis();
    Some(if text.contains('.') {
        (t, t)
    } else {
        (t, t + 999)
    })
}

#[derive(Debug)]
enum SubjectFilter {
    /// `Patient/p-0001`.
    Reference(String),
    /// A bare id, any type.
    Id(String),
}

#[derive(Debug)]
struct SearchParams {
    /// Inclusive bounds on `lastUpdated` (ms).
    low: i64,
    high: i64,
    has_lower: bool,
    count: usize,
    /// Matches skipped before the page starts (`_offset`).
    offset: usize,
    summary_count: bool,
    identifier: Option<Token>,
    subject: Option<SubjectFilter>,
    id: Option<String>,
    /// 1 for a first page; a `next` link carries its number.
    page: u64,
    /// What a `next` link repeats: all applied parameters but the lower bounds and `_page`.
    keep: Vec<(String, String)>,
}

impl SearchParams {
    fn parse(pairs: &[(String, String)]) -> Result<Self, ApiError> {
        let mut params = SearchParams {
            low: i64::MIN,
            high: i64::MAX,
            has_lower: false,
            count: DEFAULT_COUNT,
            offset: 0,
            summary_count: false,
            identifier: None,
            subject: None,
            id: None,
            page: 1,
            keep: Vec::new(),
        };
        for (key, value) in pairs {
            let mut keep = true;
            match key.as_str() {
                "_lastUpdated" => {
                    let (prefix, rest) = match value.get(..2) {
                        Some(p @ ("gt" | "ge" | "lt" | "le" | "eq")) => (p, &value[2..]),
                        Some("ne" | "sa" | "eb" | "ap") => {
                            return Err(ApiError::invalid(format!(
                                "_lastUpdated prefix in {value:?} is not supported (use gt, ge, lt, le or eq)"
                            )));
                        }
                        _ => ("eq", value.as_str()),
                    };
                    let (start, end) = instant_range(rest).ok_or_else(|| {
                        ApiError::invalid(format!(
                            "_lastUpdated value {rest:?} is not a date or instant"
                        ))
                    })?;
                    match prefix {
                        "gt" => params.low = params.low.max(end.saturating_add(1)),
                        "ge" => params.low = params.low.max(start),
                        "lt" => params.high = params.high.min(start.saturating_sub(1)),
                        "le" => params.high = params.high.min(end),
                        _ => {
                            params.low = params.low.max(start);
                            params.high = params.high.min(end);
                        }
                    }
                    if matches!(prefix, "gt" | "ge") {
                        params.has_lower = true;
                        keep = false;
                    }
                }
                "_count" => {
                    let count: usize = value.trim().parse().map_err(|_| {
                        ApiError::invalid(format!("_count {value:?} is not a number"))
                    })?;
                    params.count = count.min(MAX_COUNT);
                }
                "_offset" => {
                    params.offset = value.trim().parse().map_err(|_| {
                        ApiError::invalid(format!("_offset {value:?} is not a number"))
                    })?;
                    // A `next` link continues by cursor, never by offset.
                    keep = false;
                }
                "_sort" => {
                    if value.trim() != "_lastUpdated" {
                        return Err(ApiError::invalid(format!(
                            "_sort={value} is not supported; only _sort=_lastUpdated (ascending)"
                        )));
                    }
                }
                "_summary" => params.summary_count = value.trim() == "count",
                "identifier" => params.identifier = Some(Token::parse(value.trim())),
                "subject" | "patient" => {
                    let value = value.trim();
                    params.subject = Some(match vagt_fhir::local_reference(value) {
                        Some(reference) => SubjectFilter::Reference(reference),
                        None if key == "patient" => {
                            SubjectFilter::Reference(format!("Patient/{value}"))
                        }
                        None => SubjectFilter::Id(value.to_owned()),
                    });
                }
                "_id" => params.id = Some(value.trim().to_owned()),
                "_page" => {
                    params.page = value.trim().parse().unwrap_or(1);
                    keep = false;
                }
                "_format" | "_pretty" => {}
                // Unknown parameters are ignored (FHIR's lenient handling), and left out of
                // the links, which show what was applied.
                _ => keep = false,
            }
            if keep {
                params.keep.push((key.clone(), value.clone()));
            }
        }
        Ok(params)
    }

    fn matches(&self, record: &Record) -> bool {
        let identifier_ok = self.identifier.as_ref().is_none_or(|token| {
            record
                .identifiers
                .iter()
                .any(|(system, value)| token.matches(system.as_deref(), value))
        });
        let subject_ok = match &self.subject {
            None => true,
            Some(SubjectFilter::Reference(r)) => record.subject.as_deref() == Some(r.as_str()),
            Some(SubjectFilter::Id(id)) => record
                .subject
                .as_deref()
                .and_then(|s| s.rsplit_once('/'))
                .is_some_and(|(_, subject_id)| subject_id == id),
        };
        let id_ok = self.id.as_deref().is_none_or(|id| record.id == id);
        identifier_ok && subject_ok && id_ok
    }
}

struct Hit {
    id: String,
    version: Version,
}

fn hit(record: &Record) -> Hit {
    Hit {
        id: record.id.clone(),
        version: record.current.clone(),
    }
}

async fn search(
    State(st): State<St>,
    Path(resource_type): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    check_type(&resource_type)?;
    let pairs = query_pairs(raw.as_deref());
    let params = SearchParams::parse(&pairs)?;
    let profile = st.faults.read().await.clone();
    let n = st.searches.fetch_add(1, Ordering::Relaxed);
    if profile.hangs(n) {
        tracing::debug!("injecting a fault: hanging a search");
        st.sleep(profile.hang_ms).await;
    }
    let base = &st.base_url;
    let self_url = match raw.as_deref() {
        Some(q) if !q.is_empty() => format!("{base}/{resource_type}?{q}"),
        _ => format!("{base}/{resource_type}"),
    };
    let mut bundle = json!({
        "resourceType": "Bundle",
        "id": format!("search-{n}"),
        "meta": {"lastUpdated": Timestamp::now().to_rfc3339()},
        "type": "searchset",
    });

    let world = st.world.lock().await;
    let store = &world.store;
    let matching = store
        .range(&resource_type, params.low, params.high)
        .filter(|r| params.matches(r));
    if params.summary_count || params.count == 0 {
        let total = matching.count();
        drop(world);
        bundle["total"] = json!(total);
        bundle["link"] = json!([{"relation": "self", "url": self_url}]);
        return Ok(fhir_response(StatusCode::OK, &bundle));
    }
    // Unstable paging: a continued page starts with entries the previous page ended with.
    let wanted = if params.page >= 2 && params.has_lower {
        profile.duplicates_for(st.fault_seed, n)
    } else {
        0
    };
    let repeats = wanted.min(params.count.saturating_sub(1));
    let fresh = params.count - repeats;
    let mut total = 0usize;
    let mut page: Vec<Hit> = Vec::with_capacity(fresh);
    for record in matching {
        total += 1;
        if total > params.offset && page.len() < fresh {
            page.push(hit(record));
        }
    }
    let mut entries: Vec<Hit> = store
        .range(&resource_type, i64::MIN, params.low.saturating_sub(1))
        .rev()
        .filter(|r| params.matches(r))
        .take(repeats)
        .map(hit)
        .collect();
    drop(world);
    entries.reverse();
    let next = match page.last() {
        _ if profile.omit_next_links => None,
        Some(last) if total > params.offset + page.len() => {
            let mut pairs = params.keep.clone();
            pairs.push((
                "_lastUpdated".into(),
                format!("gt{}", last.version.last_updated.to_rfc3339()),
            ));
            pairs.push(("_page".into(), (params.page + 1).to_string()));
            Some(format!("{base}/{resource_type}?{}", encode_pairs(&pairs)))
        }
        _ => None,
    };
    entries.extend(page);

    let mut links = vec![json!({"relation": "self", "url": self_url})];
    if let Some(next) = next {
        links.push(json!({"relation": "next", "url": next}));
    }
    bundle["total"] = json!(total);
    bundle["link"] = Value::Array(links);
    bundle["entry"] = entries
        .into_iter()
        .map(|h| {
            json!({
                "fullUrl": format!("{base}/{resource_type}/{}", h.id),
                "resource": *h.version.resource,
                "search": {"mode": "match"},
            })
        })
        .collect();
    Ok(fhir_response(StatusCode::OK, &bundle))
}

// ---------------------------------------------------------------------------------------------
// Create and transaction

/// A resource a client may create, as JSON of the right type.
fn parse_pushed(resource_type: &str, resource: Value) -> Result<Value, ApiError> {
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
    Ok(resource)
}

/// `identifier=system|value` (optionally after `Type?`), the only condition supported.
fn parse_condition(text: &str) -> Result<Token, ApiError> {
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

fn json_body(body: &Bytes) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::invalid(format!("body is not JSON: {e}")))
}

async fn create(
    State(st): State<St>,
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
async fn transaction(State(st): State<St>, body: Bytes) -> Result<Response, ApiError> {
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
            Outcome::Existing(index) => world.store.record(*index).map(|r| r.id.clone()),
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

// ---------------------------------------------------------------------------------------------
// Admin

async fn admin_advance(State(st): State<St>, body: Bytes) -> Result<Response, ApiError> {
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

async fn admin_faults(State(st): State<St>, body: Bytes) -> Result<Response, ApiError> {
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
    tracing::info!(profile = %profile.name, "fault profile set");
    *st.faults.write().await = profile.clone();
    Ok(axum::Json(profile).into_response())
}

async fn admin_get_faults(State(st): State<St>) -> Response {
    axum::Json(st.faults.read().await.clone()).into_response()
}

async fn admin_snapshot(State(st): State<St>) -> Response {
    let snapshot = st.world.lock().await.snapshot();
    axum::Json(snapshot).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &str) -> SearchParams {
        SearchParams::parse(&query_pairs(Some(query))).expect("valid")
    }

    #[test]
    fn last_updated_bounds_respect_prefix_and_precision() {
        let t = Timestamp::parse_rfc3339("2026-11-22T08:00:00.250Z")
            .expect("valid")
            .millis();
        let p = params("_lastUpdated=gt2026-11-22T08:00:00.250Z");
        assert_eq!((p.low, p.has_lower), (t + 1, true));
        assert!(p.keep.is_empty(), "lower bounds are replaced by the cursor");
        let p = params("_lastUpdated=ge2026-11-22T08%3A00%3A00Z&_lastUpdated=lt2026-11-23");
        assert_eq!(p.low, t - 250);
        let next_day = Timestamp::parse_rfc3339("2026-11-23T00:00:00Z")
            .expect("valid")
            .millis();
        assert_eq!(p.high, next_day - 1);
        assert_eq!(p.keep, vec![("_lastUpdated".into(), "lt2026-11-23".into())]);
        let p = params("_lastUpdated=gt2026-11-22T08:00:00Z");
        assert_eq!(
            p.low,
            t - 250 + 1000,
            "a second's precision covers the second"
        );
        let p = params("_lastUpdated=2026-11-22T09:00:00%2B01:00");
        assert_eq!((p.low, p.high), (t - 250, t - 250 + 999));
    }

    #[test]
    fn bad_search_parameters_are_errors_and_unknown_ones_ignored() {
        for bad in [
            "_lastUpdated=gtyesterday",
            "_lastUpdated=ne2026-11-22",
            "_count=many",
            "_sort=-_lastUpdated",
        ] {
            assert!(
                SearchParams::parse(&query_pairs(Some(bad))).is_err(),
                "{bad}"
            );
        }
        let p = params("_count=9000&foo=bar&_summary=count&patient=p-0001");
        assert_eq!(p.count, MAX_COUNT);
        assert!(p.summary_count);
        assert!(
            matches!(p.subject, Some(SubjectFilter::Reference(ref r)) if r == "Patient/p-0001")
        );
        assert!(!p.keep.iter().any(|(k, _)| k == "foo"));
    }

    #[test]
    fn encoding_round_trips_tokens_and_instants() {
        let pairs = vec![
            (
                "identifier".to_owned(),
                "urn:oid:1.2|010143-1234".to_owned(),
            ),
            (
                "_lastUpdated".to_owned(),
                "gt2026-11-22T08:00:00.250+01:00".to_owned(),
            ),
        ];
        assert_eq!(query_pairs(Some(&encode_pairs(&pairs))), pairs);
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn http_dates_are_imf_fixdates() {
        let t = Timestamp::parse_rfc3339("2026-11-22T08:15:00.999Z").expect("valid");
        assert_eq!(http_date(t), "Sun, 22 Nov 2026 08:15:00 GMT");
    }

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
    fn references_to_transaction_entries_are_rewritten() {
        let mut resource = json!({"basedOn": [{"reference": "urn:uuid:1"}],
                                  "subject": {"reference": "Patient/p-0001"}});
        let map = HashMap::from([("urn:uuid:1".to_owned(), "Task/task-3".to_owned())]);
        rewrite_references(&mut resource, &map);
        assert_eq!(resource["basedOn"][0]["reference"], "Task/task-3");
        assert_eq!(resource["subject"]["reference"], "Patient/p-0001");
    }
}
