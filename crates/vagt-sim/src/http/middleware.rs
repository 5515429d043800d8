//! What stands in front of the endpoints: the bearer token check, the injected faults
//! (latency, errors, throttling, stalls, cut connections) drawn per request, and the count of
//! requests and bytes served.

use crate::faults::FaultKind;
use crate::http::response::ApiError;
use crate::shared::Shared;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Counts each FHIR request and its bodies' bytes (`/admin/*` is the operator's, not a
/// station's, and is left out). A body's length is what its `Content-Length` declares, else its
/// size when whole in memory, else nothing (an endless body). A request whose client hangs up
/// while a fault stalls it is not counted: its answer was never sent.
pub(super) async fn traffic(
    State(st): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    use axum::body::HttpBody as _;
    let path = request.uri().path();
    if !(path == "/fhir" || path.starts_with("/fhir/")) {
        return next.run(request).await;
    }
    let kind = crate::traffic::kind_of(request.method().as_str(), path);
    let request_bytes = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .or_else(|| request.body().size_hint().exact())
        .unwrap_or(0);
    let response = next.run(request).await;
    let response_bytes = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .or_else(|| response.body().size_hint().exact())
        .unwrap_or(0);
    st.traffic.count(
        kind,
        crate::traffic::TrafficCounts {
            requests: 1,
            request_bytes,
            response_bytes,
        },
    );
    response
}

/// Every answer carries the server's clock as its `Date`: the simulated one its `lastUpdated`
/// stamps come from, as a real server's do, not the machine's. Under `future-stamp` the
/// server's clock has gone wrong with its stamps: its `Date` reads the far future too.
pub(super) async fn server_date(
    State(st): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let future_stamp = st.faults.read().await.future_stamp;
    if let Some(date) = server_now(&st, future_stamp).and_then(http_date) {
        response.headers_mut().insert(header::DATE, date);
    }
    response
}

/// The server's clock as its answers tell it: the simulated clock, or the far future under
/// `future_stamp`.
fn server_now(st: &Shared, future_stamp: bool) -> Option<vagt_core::Timestamp> {
    if future_stamp {
        vagt_core::Timestamp::parse_rfc3339(crate::http::hostile::FUTURE_STAMP).ok()
    } else {
        Some(st.clock.now())
    }
}

/// An instant as an HTTP-date (`Thu, 03 Dec 2026 03:24:23 GMT`).
fn http_date(at: vagt_core::Timestamp) -> Option<HeaderValue> {
    let millis = u64::try_from(at.millis()).ok()?;
    let at = std::time::UNIX_EPOCH.checked_add(std::time::Duration::from_millis(millis))?;
    HeaderValue::from_str(&httpdate::fmt_http_date(at)).ok()
}

pub(super) async fn auth(State(st): State<Arc<Shared>>, request: Request, next: Next) -> Response {
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
pub(super) async fn faults(
    State(st): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    // The websocket is one long connection, not a request to fault: a client that loses it
    // polls, which the faults then meet.
    if path == "/fhir/metadata"
        || path == "/fhir/websocket"
        || !(path == "/fhir" || path.starts_with("/fhir/"))
    {
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
            let secs = profile.retry_after_secs;
            let retry_after = if profile.retry_after_as_date {
                server_now(&st, profile.future_stamp)
                    .map(|now| {
                        let secs = i64::try_from(secs).unwrap_or(i64::MAX / 2_000);
                        vagt_core::Timestamp::from_millis(now.millis() + secs * 1_000)
                    })
                    .and_then(http_date)
            } else {
                Some(HeaderValue::from(secs))
            };
            if let Some(value) = retry_after {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
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
