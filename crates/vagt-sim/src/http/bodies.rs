//! Bodies that replace an Observation search page whole: a Patient where a Bundle belongs, a
//! body of hundreds of megabytes, one that never ends.
//!
//! The large ones are generated as they are sent, 64 KiB at a time from one static buffer, so
//! the simulator's memory stays flat however much a client reads: a test of a client's byte
//! cap then measures the client, not the double.

use crate::faults::FaultProfile;
use crate::http::response::{FHIR_JSON, fhir_response};
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use futures_util::StreamExt;
use serde_json::json;
use std::iter::once;
use tokio::sync::watch;

/// The size of each generated chunk.
const CHUNK: usize = 64 * 1024;
static SPACES: [u8; CHUNK] = [b' '; CHUNK];
/// A large body is an empty searchset padded with whitespace: valid JSON, so a client that
/// reads it all without a cap even gets to parse it, as it would from a real server.
const PREFIX: &[u8] = br#"{"resourceType":"Bundle","type":"searchset","entry":["#;
const SUFFIX: &[u8] = b"]}";

/// The body that replaces an Observation search page under `profile`, if any.
pub(super) fn replacement(
    profile: &FaultProfile,
    resource_type: &str,
    stop: &watch::Receiver<bool>,
) -> Option<Response> {
    if resource_type != "Observation" {
        return None;
    }
    if profile.not_a_bundle {
        tracing::debug!("injecting a fault: a Patient instead of a Bundle");
        let patient = json!({"resourceType": "Patient", "id": "x"});
        return Some(fhir_response(StatusCode::OK, &patient));
    }
    if profile.huge_body_bytes > 0 {
        tracing::debug!(
            bytes = profile.huge_body_bytes,
            "injecting a fault: a huge body"
        );
        return Some(huge(profile.huge_body_bytes, stop.clone()));
    }
    if profile.endless_body {
        tracing::debug!("injecting a fault: an endless body");
        return Some(endless(stop.clone()));
    }
    None
}

/// Exactly `size` bytes, `Content-Length` declared.
fn huge(size: u64, stop: watch::Receiver<bool>) -> Response {
    let frame = (PREFIX.len() + SUFFIX.len()) as u64;
    let (prefix, suffix): (&'static [u8], &'static [u8]) = if size >= frame {
        (PREFIX, SUFFIX)
    } else {
        (b"", b"")
    };
    let padding = size - (prefix.len() + suffix.len()) as u64;
    let full = padding / CHUNK as u64;
    let rest = (padding % CHUNK as u64) as usize;
    let chunks = once(Bytes::from_static(prefix))
        .chain((0..full).map(|_| Bytes::from_static(&SPACES)))
        .chain(once(Bytes::from_static(&SPACES[..rest])))
        .chain(once(Bytes::from_static(suffix)))
        .filter(|chunk| !chunk.is_empty());
    let mut response = streamed(chunks, stop);
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    response
}

/// A chunked body that ends only when the client goes away (or the simulator stops).
fn endless(stop: watch::Receiver<bool>) -> Response {
    let chunks = once(Bytes::from_static(PREFIX))
        .chain(std::iter::repeat_with(|| Bytes::from_static(&SPACES)));
    streamed(chunks, stop)
}

/// `chunks` sent as they are produced. Once the simulator stops, the next chunk is an error,
/// which breaks the connection: a body that looked complete would be a lie.
fn streamed(
    chunks: impl Iterator<Item = Bytes> + Send + 'static,
    stop: watch::Receiver<bool>,
) -> Response {
    let stream = futures_util::stream::iter(chunks).map(move |chunk| {
        if *stop.borrow() {
            Err(std::io::Error::other("the simulator is stopping"))
        } else {
            Ok(chunk)
        }
    });
    let mut response = Response::new(Body::from_stream(stream));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn collect(response: Response, limit: usize) -> (usize, Vec<u8>) {
        let mut body = response.into_body().into_data_stream();
        let (mut total, mut head) = (0, Vec::new());
        while let Some(chunk) = body.next().await {
            let chunk = chunk.expect("a chunk");
            assert!(chunk.len() <= CHUNK, "64 KiB at most");
            if head.len() < 64 {
                head.extend_from_slice(&chunk[..chunk.len().min(64)]);
            }
            total += chunk.len();
            if total >= limit {
                break;
            }
        }
        (total, head)
    }

    #[tokio::test]
    async fn a_huge_body_is_exactly_its_declared_size_and_valid_json() {
        let (_stop, stop) = watch::channel(false);
        for size in [0, 10, 56, 57, 1000, 3 * CHUNK as u64 + 5] {
            let response = huge(size, stop.clone());
            let declared = response.headers()[header::CONTENT_LENGTH].clone();
            assert_eq!(declared.to_str().ok(), Some(size.to_string().as_str()));
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("the whole body");
            assert_eq!(bytes.len() as u64, size);
            if size >= (PREFIX.len() + SUFFIX.len()) as u64 {
                let bundle: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
                assert_eq!(bundle["resourceType"], "Bundle");
            }
        }
    }

    #[tokio::test]
    async fn an_endless_body_goes_on_and_breaks_when_the_simulator_stops() {
        let (stop_sender, stop) = watch::channel(false);
        let response = endless(stop);
        assert!(response.headers().get(header::CONTENT_LENGTH).is_none());
        let mut body = response.into_body().into_data_stream();
        let mut total = 0;
        while total < 10 * CHUNK {
            total += body.next().await.expect("more").expect("a chunk").len();
        }
        stop_sender.send(true).expect("sent");
        assert!(matches!(body.next().await, Some(Err(_))));
        let (_, head) = collect(endless(watch::channel(false).1), CHUNK).await;
        assert!(head.starts_with(PREFIX));
    }

    #[test]
    fn only_observation_searches_are_replaced() {
        let (_stop, stop) = watch::channel(false);
        let profile = FaultProfile::not_a_bundle();
        assert!(replacement(&profile, "Patient", &stop).is_none());
        assert!(replacement(&profile, "Observation", &stop).is_some());
        assert!(replacement(&FaultProfile::none(), "Observation", &stop).is_none());
    }
}
