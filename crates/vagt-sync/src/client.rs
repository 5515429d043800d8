//! HTTP to a FHIR R4 server: timeouts on every request, retries of what can succeed on a second
//! try (connection faults, cut bodies, 429, 5xx) within a budget, bearer auth. Nothing here
//! knows about the store.
//!
//! A hostile or broken server cannot take more than it is given: the token goes only to the
//! backend's own origin (scheme, host and port), never to a host a link names; plain `http` is
//! refused except to this machine; an answer is read as a stream and refused once it passes a
//! byte cap (before reading, when its `Content-Length` says so); and a `Retry-After` longer than
//! the client will wait ends the request instead of holding the sync.

use crate::error::SyncError;
use crate::retry::{RetryPolicy, parse_retry_after};
use reqwest::{Method, StatusCode, Url, header};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use vagt_core::Timestamp;
use zeroize::Zeroizing;

/// How the client talks to the network, beyond timing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transport {
    /// The largest answer read; a larger one is refused, not retried.
    pub max_body_bytes: u64,
    /// A certificate authority (PEM) trusted besides the OS trust store, for a region's private
    /// CA.
    pub extra_ca_pem: Option<Vec<u8>>,
}

impl Transport {
    pub const DEFAULT_MAX_BODY_BYTES: u64 = 32 * 1024 * 1024;
}

impl Default for Transport {
    fn default() -> Self {
        Transport {
            max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
            extra_ca_pem: None,
        }
    }
}

/// Its clones share the connection pool and the capabilities read; a clone copies the base,
/// the token and the CA (a page fetched ahead is fetched by a clone, once a page).
#[derive(Clone)]
pub struct FhirClient {
    http: reqwest::Client,
    base: String,
    base_url: Url,
    token: Option<Zeroizing<String>>,
    policy: RetryPolicy,
    max_body_bytes: u64,
    /// The extra CA, for the websocket of Subscriptions (its own TLS connection).
    pub(crate) extra_ca_pem: Option<Vec<u8>>,
    /// The server's CapabilityStatement as last read, for the runs of this client's life.
    pub(crate) capabilities: crate::capabilities::CapabilityCache,
}

impl std::fmt::Debug for FhirClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FhirClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// A successful answer: status, headers that matter, and the whole body.
#[derive(Debug)]
pub struct FhirResponse {
    pub status: StatusCode,
    pub location: Option<String>,
    /// The server's clock when it answered (its `Date` header, to the second), if it said.
    pub server_time: Option<Timestamp>,
    pub body: Vec<u8>,
}

/// The condition a write is made on.
enum Condition {
    /// Create only if no resource matches the search (a retried create finds the first copy).
    IfNoneExist(String),
    /// Update only if the resource is still at this ETag.
    IfMatch(String),
}

enum Attempt {
    Done(FhirResponse),
    Retry {
        why: String,
        retry_after: Option<Duration>,
    },
    Fail(SyncError),
}

/// Whether `host` is this machine (where plain `http` cannot be overheard).
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The backend's base URL, checked: `https`, or `http` only to this machine. Trailing slashes
/// are dropped.
pub fn check_backend_url(base: &str) -> Result<Url, SyncError> {
    let trimmed = base.trim().trim_end_matches('/');
    let url = Url::parse(trimmed)
        .map_err(|e| SyncError::Setup(format!("{trimmed:?} is not a URL: {e}")))?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| SyncError::Setup(format!("{trimmed:?} names no host")))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback_host(host) => Ok(url),
        "http" => Err(SyncError::InsecureBackend {
            url: trimmed.to_owned(),
        }),
        other => Err(SyncError::Setup(format!(
            "{trimmed:?} is not an http(s) URL (scheme {other})"
        ))),
    }
}

fn origin_of(url: &Url) -> (String, Option<String>, Option<u16>) {
    (
        url.scheme().to_owned(),
        url.host_str().map(str::to_ascii_lowercase),
        url.port_or_known_default(),
    )
}

impl FhirClient {
    pub fn new(
        base: &str,
        token: Option<Zeroizing<String>>,
        policy: RetryPolicy,
    ) -> Result<Self, SyncError> {
        Self::with_transport(base, token, policy, Transport::default())
    }

    pub fn with_transport(
        base: &str,
        token: Option<Zeroizing<String>>,
        policy: RetryPolicy,
        transport: Transport,
    ) -> Result<Self, SyncError> {
        let base_url = check_backend_url(base)?;
        let mut builder = reqwest::Client::builder()
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.request_timeout)
            // A redirect could carry the token to another host; FHIR servers do not need them.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("vagt/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &transport.extra_ca_pem {
            let certificates = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| SyncError::Setup(format!("the extra CA file is not PEM: {e}")))?;
            if certificates.is_empty() {
                return Err(SyncError::Setup(
                    "the extra CA file holds no certificate".into(),
                ));
            }
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let http = builder
            .build()
            .map_err(|e| SyncError::Setup(e.to_string()))?;
        Ok(FhirClient {
            http,
            base: base.trim().trim_end_matches('/').to_owned(),
            base_url,
            token,
            policy,
            max_body_bytes: transport.max_body_bytes,
            extra_ca_pem: transport.extra_ca_pem.clone(),
            capabilities: crate::capabilities::CapabilityCache::default(),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub(crate) fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The bearer token, for a connection the client does not make itself (the websocket).
    pub(crate) fn token(&self) -> Option<&str> {
        self.token.as_ref().map(|t| t.as_str())
    }

    /// An absolute URL for a path relative to the base (`Observation?…`), or a URL the server
    /// gave (a `next` link), which must be on the backend's own origin.
    pub fn url(&self, path_or_url: &str) -> Result<Url, SyncError> {
        let relative = !(path_or_url.starts_with("http://")
            || path_or_url.starts_with("https://")
            || path_or_url.starts_with("//"));
        let parsed = if relative {
            Url::parse(&format!(
                "{}/{}",
                self.base,
                path_or_url.trim_start_matches('/')
            ))
        } else {
            // `//host/path` takes the base's scheme, then is checked like any other URL.
            self.base_url.join(path_or_url)
        };
        let url = parsed.map_err(|e| {
            SyncError::NotFhir(format!("the backend gave a URL that is not one: {e}"))
        })?;
        if origin_of(&url) != origin_of(&self.base_url) {
            return Err(SyncError::ForeignUrl {
                origin: format!(
                    "{}://{}{}",
                    url.scheme(),
                    url.host_str().unwrap_or(""),
                    url.port().map(|p| format!(":{p}")).unwrap_or_default()
                ),
            });
        }
        Ok(url)
    }

    pub async fn get(&self, path_or_url: &str) -> Result<FhirResponse, SyncError> {
        self.send(Method::GET, path_or_url, None, None).await
    }

    /// A create that happens at most once: `If-None-Exist` makes a retried POST after a lost
    /// response find the first copy instead of making a second.
    pub async fn create_once(
        &self,
        resource_type: &str,
        resource: &serde_json::Value,
        if_none_exist: &str,
    ) -> Result<FhirResponse, SyncError> {
        let body = serde_json::to_vec(resource).map_err(|e| SyncError::Setup(e.to_string()))?;
        self.send(Method::POST, resource_type, Some(body), Some(if_none_exist))
            .await
    }

    /// A plain create in one attempt, for servers without conditional create. It is never
    /// retried here: after a lost response only a search can tell whether it was made, so the
    /// caller searches before trying again.
    pub async fn create_one_attempt(
        &self,
        resource_type: &str,
        resource: &serde_json::Value,
    ) -> Result<FhirResponse, SyncError> {
        let body = serde_json::to_vec(resource).map_err(|e| SyncError::Setup(e.to_string()))?;
        let url = self.url(resource_type)?;
        match self.attempt(&Method::POST, url, Some(&body), None).await {
            Attempt::Done(response) => Ok(response),
            Attempt::Fail(error) => Err(error),
            Attempt::Retry { why, .. } => Err(SyncError::GaveUp {
                attempts: 1,
                last: why,
            }),
        }
    }

    /// An update of `resource_type/id` that the server makes only if the resource is still at
    /// `version` (`If-Match: W/"version"`): another station's update in between makes it
    /// answer 412, [`SyncError::Rejected`] with that status, and the caller merges and tries
    /// again. Without a version (a server that keeps none) the update is unconditional.
    pub async fn update_if_match(
        &self,
        resource_type: &str,
        id: &str,
        resource: &serde_json::Value,
        version: Option<&str>,
    ) -> Result<FhirResponse, SyncError> {
        let body = serde_json::to_vec(resource).map_err(|e| SyncError::Setup(e.to_string()))?;
        let condition = version.map(|v| Condition::IfMatch(format!("W/\"{v}\"")));
        self.send_with(
            Method::PUT,
            &format!("{resource_type}/{id}"),
            Some(body),
            condition.as_ref(),
        )
        .await
    }

    async fn send(
        &self,
        method: Method,
        path_or_url: &str,
        body: Option<Vec<u8>>,
        if_none_exist: Option<&str>,
    ) -> Result<FhirResponse, SyncError> {
        let condition = if_none_exist.map(|c| Condition::IfNoneExist(c.to_owned()));
        self.send_with(method, path_or_url, body, condition.as_ref())
            .await
    }

    async fn send_with(
        &self,
        method: Method,
        path_or_url: &str,
        body: Option<Vec<u8>>,
        condition: Option<&Condition>,
    ) -> Result<FhirResponse, SyncError> {
        let url = self.url(path_or_url)?;
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            match self
                .attempt(&method, url.clone(), body.as_deref(), condition)
                .await
            {
                Attempt::Done(response) => return Ok(response),
                Attempt::Fail(error) => return Err(error),
                Attempt::Retry { why, retry_after } => {
                    // A server that asks for a longer pause than the client waits is busy:
                    // say so, and let the caller come back later, instead of holding the run.
                    if let Some(asked) = retry_after.filter(|a| *a > self.policy.max_retry_after) {
                        return Err(SyncError::Busy {
                            seconds: asked.as_secs(),
                        });
                    }
                    let wait = self.policy.delay(attempt, full_jitter(), retry_after);
                    let over_budget = started.elapsed() + wait > self.policy.request_budget;
                    if attempt >= self.policy.max_attempts || over_budget {
                        return Err(SyncError::GaveUp {
                            attempts: attempt,
                            last: why,
                        });
                    }
                    tracing::debug!(attempt, ?wait, reason = %why, "retrying FHIR request");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn attempt(
        &self,
        method: &Method,
        url: Url,
        body: Option<&[u8]>,
        condition: Option<&Condition>,
    ) -> Attempt {
        let mut request = self
            .http
            .request(method.clone(), url)
            .header(header::ACCEPT, "application/fhir+json");
        // Every URL here passed the origin check in `url`: the token only ever goes to the
        // backend.
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.as_str());
        }
        if let Some(body) = body {
            request = request
                .header(header::CONTENT_TYPE, "application/fhir+json")
                .body(body.to_vec());
        }
        match condition {
            Some(Condition::IfNoneExist(search)) => {
                request = request.header("If-None-Exist", search);
            }
            Some(Condition::IfMatch(etag)) => request = request.header(header::IF_MATCH, etag),
            None => {}
        }
        let mut response = match request.send().await {
            Ok(r) => r,
            // Not something a second try mends: the backend's certificate is not one this
            // machine trusts (a region's own CA needs `--ca-file`).
            Err(e) if is_certificate_error(&e) => {
                return Attempt::Fail(SyncError::UntrustedCertificate {
                    detail: error_chain(&e),
                });
            }
            Err(e) => {
                return Attempt::Retry {
                    why: describe(&e),
                    retry_after: None,
                };
            }
        };
        let status = response.status();
        let server_date = response
            .headers()
            .get(header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_http_date);
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, server_date.unwrap_or_else(SystemTime::now)));
        let location = response
            .headers()
            .get(header::LOCATION)
            .or_else(|| response.headers().get("Content-Location"))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let server_time = server_date.and_then(timestamp_of);
        let limit = self.max_body_bytes;
        if response.content_length().is_some_and(|n| n > limit) {
            return Attempt::Fail(SyncError::TooLarge { limit_bytes: limit });
        }
        // Read the whole body before deciding (a cut connection shows here, not at send), as a
        // stream with a cap: an endless body is refused, never buffered.
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() as u64 + chunk.len() as u64 > limit {
                        return Attempt::Fail(SyncError::TooLarge { limit_bytes: limit });
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    return Attempt::Retry {
                        why: format!("the answer was cut off ({})", describe(&e)),
                        retry_after,
                    };
                }
            }
        }
        match status.as_u16() {
            200..=299 => Attempt::Done(FhirResponse {
                status,
                location,
                server_time,
                body,
            }),
            401 | 403 => Attempt::Fail(SyncError::Unauthorized {
                status: status.as_u16(),
            }),
            408 | 429 | 500 | 502 | 503 | 504 => Attempt::Retry {
                why: format!("the server answered {status}"),
                retry_after,
            },
            _ => Attempt::Fail(SyncError::Rejected {
                status: status.as_u16(),
                detail: outcome_summary(&body),
            }),
        }
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Whether a connection failed on the server's certificate. reqwest does not expose the TLS
/// library's error type, so its chain is read.
fn is_certificate_error(error: &reqwest::Error) -> bool {
    error.is_connect()
        && error_chain(error)
            .to_ascii_lowercase()
            .contains("certificate")
}

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".into()
    } else if error.is_connect() {
        "could not connect".into()
    } else if error.is_body() || error.is_decode() {
        "incomplete answer".into()
    } else {
        "connection failed".into()
    }
}

/// The diagnostics of an OperationOutcome body, or a short note that there were none. Capped:
/// the detail ends up in the sync's error message.
fn outcome_summary(body: &[u8]) -> String {
    let summary = serde_json::from_slice::<vagt_fhir::OperationOutcome>(body)
        .ok()
        .map(|o| o.summary())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "no OperationOutcome".into());
    summary.chars().take(500).collect()
}

/// A uniform draw in [0, 1) for backoff jitter, from the OS: stations that lost the backend at
/// the same moment must not retry in step. Without randomness, the middle of the range.
fn full_jitter() -> f64 {
    getrandom::u64().map_or(0.5, |bits| (bits >> 11) as f64 / (1u64 << 53) as f64)
}

/// An HTTP-date (`Sun, 06 Nov 1994 08:49:37 GMT`, or the obsolete forms) as an instant.
fn parse_http_date(value: &str) -> Option<SystemTime> {
    httpdate::parse_http_date(value.trim()).ok()
}

fn timestamp_of(at: SystemTime) -> Option<Timestamp> {
    let millis = at.duration_since(UNIX_EPOCH).ok()?.as_millis();
    i64::try_from(millis).ok().map(Timestamp::from_millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_followed_only_on_the_backends_own_origin() {
        let client = FhirClient::new(
            "https://telemed.example/fhir/",
            None,
            RetryPolicy::default(),
        )
        .expect("client");
        assert_eq!(
            client
                .url("Observation?_count=2")
                .expect("relative")
                .as_str(),
            "https://telemed.example/fhir/Observation?_count=2"
        );
        assert!(
            client
                .url("https://telemed.example/fhir/Observation?page=2")
                .is_ok()
        );
        assert!(client.url("https://TELEMED.example:443/fhir/x").is_ok());
        for foreign in [
            "https://telemed.example:8443/fhir/Observation",
            "http://telemed.example/fhir/Observation",
            "https://evil.example/fhir/Observation",
            "https://telemed.example.evil.example/fhir",
            "//evil.example/fhir/Observation",
        ] {
            let error = client.url(foreign).expect_err(foreign);
            assert_eq!(error.code(), "foreign_url", "{foreign}");
        }
    }

    #[test]
    fn plain_http_is_refused_except_to_this_machine() {
        for ok in [
            "https://telemed.example/fhir",
            "http://127.0.0.1:8080/fhir",
            "http://localhost/fhir",
            "http://[::1]:9/fhir",
        ] {
            assert!(check_backend_url(ok).is_ok(), "{ok}");
        }
        let error = FhirClient::new("http://telemed.example/fhir", None, RetryPolicy::default())
            .expect_err("plain http");
        assert_eq!(error.code(), "insecure_backend");
        for bad in ["ftp://127.0.0.1/fhir", "telemed.example", "http://"] {
            assert!(check_backend_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_extra_ca_file_must_hold_a_certificate() {
        let transport = Transport {
            extra_ca_pem: Some(b"not a certificate".to_vec()),
            ..Transport::default()
        };
        let error = FhirClient::with_transport(
            "https://telemed.example/fhir",
            None,
            RetryPolicy::default(),
            transport,
        )
        .expect_err("no certificate");
        assert_eq!(error.code(), "setup");
    }

    #[test]
    fn the_servers_date_is_read_to_the_second_and_nonsense_is_none() {
        assert_eq!(
            parse_http_date("Thu, 03 Dec 2026 03:24:23 GMT")
                .and_then(timestamp_of)
                .map(Timestamp::to_rfc3339),
            Some("2026-12-03T03:24:23.000Z".to_owned())
        );
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(parse_http_date(""), None);
    }
}
