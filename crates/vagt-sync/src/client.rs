//! HTTP to a FHIR R4 server: timeouts on every request, retries of what can succeed on a second
//! try (connection faults, cut or truncated bodies, 429, 5xx), bearer auth. Nothing here knows
//! about the store.

use crate::error::SyncError;
use crate::retry::{RetryPolicy, parse_retry_after};
use reqwest::{Method, StatusCode, header};
use std::time::Duration;
use zeroize::Zeroizing;

pub struct FhirClient {
    http: reqwest::Client,
    base: String,
    token: Option<Zeroizing<String>>,
    policy: RetryPolicy,
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
    pub body: Vec<u8>,
}

enum Attempt {
    Done(FhirResponse),
    Retry {
        why: String,
        retry_after: Option<Duration>,
    },
    Fail(SyncError),
}

impl FhirClient {
    pub fn new(
        base: &str,
        token: Option<Zeroizing<String>>,
        policy: RetryPolicy,
    ) -> Result<Self, SyncError> {
        let http = reqwest::Client::builder()
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.request_timeout)
            .user_agent(concat!("vagt/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::Setup(e.to_string()))?;
        Ok(FhirClient {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token,
            policy,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// An absolute URL for a path relative to the base (`Observation?…`), or the URL itself.
    pub fn url(&self, path_or_url: &str) -> String {
        if path_or_url.starts_with("http://") || path_or_url.starts_with("https://") {
            path_or_url.to_owned()
        } else {
            format!("{}/{}", self.base, path_or_url.trim_start_matches('/'))
        }
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
        match self
            .attempt(&Method::POST, &self.url(resource_type), Some(&body), None)
            .await
        {
            Attempt::Done(response) => Ok(response),
            Attempt::Fail(error) => Err(error),
            Attempt::Retry { why, .. } => Err(SyncError::GaveUp {
                attempts: 1,
                last: why,
            }),
        }
    }

    async fn send(
        &self,
        method: Method,
        path_or_url: &str,
        body: Option<Vec<u8>>,
        if_none_exist: Option<&str>,
    ) -> Result<FhirResponse, SyncError> {
        let url = self.url(path_or_url);
        let mut attempt = 1;
        loop {
            match self
                .attempt(&method, &url, body.as_deref(), if_none_exist)
                .await
            {
                Attempt::Done(response) => return Ok(response),
                Attempt::Fail(error) => return Err(error),
                Attempt::Retry { why, retry_after } => {
                    if attempt >= self.policy.max_attempts {
                        return Err(SyncError::GaveUp {
                            attempts: attempt,
                            last: why,
                        });
                    }
                    let jitter = full_jitter();
                    let wait = self.policy.delay(attempt, jitter, retry_after);
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
        url: &str,
        body: Option<&[u8]>,
        if_none_exist: Option<&str>,
    ) -> Attempt {
        let mut request = self
            .http
            .request(method.clone(), url)
            .header(header::ACCEPT, "application/fhir+json");
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.as_str());
        }
        if let Some(body) = body {
            request = request
                .header(header::CONTENT_TYPE, "application/fhir+json")
                .body(body.to_vec());
        }
        if let Some(condition) = if_none_exist {
            request = request.header("If-None-Exist", condition);
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Retry {
                    why: describe(&e),
                    retry_after: None,
                };
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let location = response
            .headers()
            .get(header::LOCATION)
            .or_else(|| response.headers().get("Content-Location"))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        // Read the whole body before deciding: a cut connection shows here, not at send.
        let body = match response.bytes().await {
            Ok(b) => b.to_vec(),
            Err(e) => {
                return Attempt::Retry {
                    why: format!("the answer was cut off ({})", describe(&e)),
                    retry_after,
                };
            }
        };
        match status.as_u16() {
            200..=299 => Attempt::Done(FhirResponse {
                status,
                location,
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

/// The diagnostics of an OperationOutcome body, or a short note that there were none.
fn outcome_summary(body: &[u8]) -> String {
    serde_json::from_slice::<vagt_fhir::OperationOutcome>(body)
        .ok()
        .map(|o| o.summary())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "no OperationOutcome".into())
}

/// A uniform draw in [0, 1) for backoff jitter, from the OS: stations that lost the backend at
/// the same moment must not retry in step. Without randomness, the middle of the range.
fn full_jitter() -> f64 {
    getrandom::u64().map_or(0.5, |bits| (bits >> 11) as f64 / (1u64 << 53) as f64)
}
