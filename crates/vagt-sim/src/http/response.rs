//! How every endpoint answers: FHIR JSON, errors as OperationOutcomes, a resource version with
//! its ETag and Last-Modified; and the checks that end in such an error before any work.

use crate::fhir::{self, operation_outcome};
use crate::store::Version;
use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use vagt_core::Timestamp;

pub(super) const FHIR_JSON: &str = "application/fhir+json; charset=utf-8";

/// An error answered with an OperationOutcome.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    pub(super) message: String,
}

impl ApiError {
    pub(super) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub(super) fn invalid(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid", message)
    }

    pub(super) fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let outcome = operation_outcome("error", self.code, &self.message);
        fhir_response(self.status, &outcome)
    }
}

pub(super) fn fhir_response(status: StatusCode, body: &Value) -> Response {
    fhir_bytes_response(status, serde_json::to_vec(body).unwrap_or_default())
}

/// A FHIR body already serialized (or, for a hostile fault, not quite JSON).
pub(super) fn fhir_bytes_response(status: StatusCode, bytes: Vec<u8>) -> Response {
    let mut response = (status, bytes).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    response
}

/// A resource version with its ETag and Last-Modified (and Location, for a create).
pub(super) fn resource_response(
    status: StatusCode,
    version: &Version,
    location: Option<&str>,
) -> Response {
    let mut response = fhir_bytes_response(status, version.text());
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

pub(super) fn check_type(resource_type: &str) -> Result<(), ApiError> {
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

pub(super) fn json_body(body: &Bytes) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::invalid(format!("body is not JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_are_imf_fixdates() {
        let t = Timestamp::parse_rfc3339("2026-11-22T08:15:00.999Z").expect("valid");
        assert_eq!(http_date(t), "Sun, 22 Nov 2026 08:15:00 GMT");
    }
}
