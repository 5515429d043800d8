//! FHIR R4 Subscriptions over the server's websocket, where it offers them: the station is
//! told a type changed and syncs it at once, instead of finding out at its next poll. A ping
//! carries no data (R4's websocket channel), so what the station stores still comes only from
//! its searches, and a missed ping costs time, never data: the poll stays, less often, as the
//! safety net.

use crate::capabilities::{PullMode, ServerCapabilities};
use crate::client::{FhirClient, FhirResponse};
use crate::error::SyncError;
use futures_util::{SinkExt, StreamExt};
use reqwest::Url;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{Connector, connect_async_tls_with_config};
use vagt_core::Timestamp;
use vagt_fhir::subscription::{
    SubscriptionResource, WebsocketMessage, read_websocket_message, websocket_subscription,
};

/// The Subscriptions a station made, the websocket they are bound on, and when they end.
#[derive(Debug, Clone)]
pub struct Subscribed {
    pub websocket: Url,
    /// Subscription id → the type it covers.
    pub types: BTreeMap<String, &'static str>,
    pub end: Timestamp,
}

/// Why [`listen`] returned without an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionEnd {
    /// Asked to stop.
    Stopped,
    /// The Subscriptions end soon: make new ones.
    Expiring,
    /// The server closed the websocket.
    Closed,
}

/// How long before its end a Subscription is replaced.
const RENEW_BEFORE: Duration = Duration::from_secs(300);
/// Quiet this long, the socket is asked for a pong; quiet twice as long, it is given up.
const QUIET: Duration = Duration::from_secs(30);
/// How long the server has to answer the binds.
const BIND_WITHIN: Duration = Duration::from_secs(10);
/// How often a stop is noticed.
const TICK: Duration = Duration::from_millis(250);
/// A frame of this protocol is a few words; a larger one is a hostile server's.
const MAX_FRAME_BYTES: usize = 16 * 1024;

/// The backend's websocket of Subscriptions, if its CapabilityStatement offers one. It must be
/// on the backend's own host (the token goes there), over TLS unless the backend is not.
pub async fn websocket_of(client: &FhirClient) -> Result<Option<Url>, SyncError> {
    let capabilities = ServerCapabilities::of(client).await?;
    let Some(named) = capabilities.subscription_websocket() else {
        return Ok(None);
    };
    let url = client.base_url().join(named).map_err(|e| {
        SyncError::NotFhir(format!("the websocket of Subscriptions is not a URL: {e}"))
    })?;
    let base = client.base_url();
    let scheme_fits = match (base.scheme(), url.scheme()) {
        ("https", "wss") => true,
        ("http", scheme) => scheme == "ws" || scheme == "wss",
        _ => false,
    };
    if !scheme_fits || url.host_str() != base.host_str() {
        return Err(SyncError::ForeignUrl {
            origin: format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default()),
        });
    }
    Ok(Some(url))
}

/// Makes a Subscription for each of `types` the server holds, each until `lifetime` from now.
pub async fn subscribe(
    client: &FhirClient,
    websocket: Url,
    types: &[&'static str],
    lifetime: Duration,
) -> Result<Subscribed, SyncError> {
    let capabilities = ServerCapabilities::of(client).await?;
    let end = Timestamp::from_millis(
        Timestamp::now()
            .millis()
            .saturating_add(i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX)),
    );
    let mut made = BTreeMap::new();
    for &resource_type in types {
        if capabilities.pull_mode(resource_type) == PullMode::Absent {
            continue;
        }
        // Not created "once": a Subscription has no identifier to find it by, and one made
        // twice after a lost answer only pings twice until its end.
        let response = client
            .create_one_attempt("Subscription", &websocket_subscription(resource_type, end))
            .await?;
        made.insert(created_id(resource_type, &response)?, resource_type);
    }
    Ok(Subscribed {
        websocket,
        types: made,
        end,
    })
}

/// The id of a Subscription the server made: from its answer, or, where the server answers
/// a create without a body (FHIR's `Prefer: return=minimal` is some servers' default), from
/// `Location`. One the server set to `off` or `error` is refused here.
fn created_id(resource_type: &str, response: &FhirResponse) -> Result<String, SyncError> {
    let body = &response.body;
    let created: SubscriptionResource = if body.iter().all(u8::is_ascii_whitespace) {
        SubscriptionResource::default()
    } else {
        serde_json::from_slice(body)
            .map_err(|e| SyncError::NotFhir(format!("the created Subscription: {e}")))?
    };
    if matches!(created.status.as_deref(), Some("off" | "error")) {
        return Err(SyncError::Websocket(format!(
            "the server refused the Subscription of {resource_type}: {}",
            created.error.unwrap_or_default()
        )));
    }
    let from_location = || {
        let location = response.location.as_deref()?;
        let (kind, id) = vagt_fhir::split_reference(location)?;
        (kind == "Subscription").then(|| id.to_owned())
    };
    created
        .id
        .filter(|id| !id.is_empty() && id.len() <= 64)
        .or_else(from_location)
        .ok_or_else(|| SyncError::NotFhir("the created Subscription has no id".into()))
}

/// Binds `subscribed` on its websocket and calls `on_ping` with the type of every ping until
/// stopped, the Subscriptions near their end, or the socket fails. `on_bound` is called once
/// every Subscription is bound: from then on the station is told of changes.
pub async fn listen(
    client: &FhirClient,
    subscribed: &Subscribed,
    on_bound: &mut (dyn FnMut() + Send),
    on_ping: &mut (dyn FnMut(&'static str) + Send),
    stop: &AtomicBool,
) -> Result<SubscriptionEnd, SyncError> {
    let failed = |e: tokio_tungstenite::tungstenite::Error| SyncError::Websocket(e.to_string());
    let mut request = subscribed
        .websocket
        .as_str()
        .into_client_request()
        .map_err(failed)?;
    if let Some(token) = client.token() {
        let value = format!("Bearer {token}")
            .parse()
            .map_err(|_| SyncError::Setup("the token is not a header value".into()))?;
        request.headers_mut().insert("Authorization", value);
    }
    let connector = match subscribed.websocket.scheme() {
        "wss" => Connector::Rustls(Arc::new(tls_config(client.extra_ca_pem.as_deref())?)),
        _ => Connector::Plain,
    };
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_FRAME_BYTES))
        .max_frame_size(Some(MAX_FRAME_BYTES));
    let (mut socket, _) = tokio::time::timeout(
        BIND_WITHIN,
        connect_async_tls_with_config(request, Some(config), true, Some(connector)),
    )
    .await
    .map_err(|_| SyncError::Websocket("no answer to the websocket's handshake".into()))?
    .map_err(failed)?;
    for id in subscribed.types.keys() {
        socket
            .send(Message::Text(format!("bind {id}").into()))
            .await
            .map_err(failed)?;
    }
    let mut unbound = subscribed.types.len();
    let bind_by = Instant::now() + BIND_WITHIN;
    let mut heard = Instant::now();
    let mut asked = false;
    let mut ticks = tokio::time::interval(TICK);
    loop {
        tokio::select! {
            frame = socket.next() => {
                heard = Instant::now();
                asked = false;
                let text = match frame {
                    None | Some(Ok(Message::Close(_))) => return Ok(SubscriptionEnd::Closed),
                    Some(Err(e)) => return Err(failed(e)),
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(_)) => continue,
                };
                match read_websocket_message(text.as_str()) {
                    WebsocketMessage::Ping(id) => match subscribed.types.get(id) {
                        Some(resource_type) => on_ping(resource_type),
                        None => tracing::debug!("a ping of a Subscription not bound here"),
                    },
                    WebsocketMessage::Bound(id) if subscribed.types.contains_key(id) => {
                        unbound = unbound.saturating_sub(1);
                        if unbound == 0 {
                            tracing::info!(
                                subscriptions = subscribed.types.len(),
                                "bound to the backend's Subscriptions"
                            );
                            on_bound();
                        }
                    }
                    WebsocketMessage::Bound(_) => {}
                    WebsocketMessage::Other(text) => {
                        // The server's words, cut short: they may be anything.
                        let text: String = text.chars().take(120).collect();
                        return Err(SyncError::Websocket(format!("the server said {text:?}")));
                    }
                }
            }
            _ = ticks.tick() => {
                if stop.load(Ordering::Relaxed) {
                    let _ = socket.close(None).await;
                    return Ok(SubscriptionEnd::Stopped);
                }
                let renew_at = subscribed.end.millis()
                    - i64::try_from(RENEW_BEFORE.as_millis()).unwrap_or(0);
                if Timestamp::now().millis() >= renew_at {
                    let _ = socket.close(None).await;
                    return Ok(SubscriptionEnd::Expiring);
                }
                if unbound > 0 && Instant::now() > bind_by {
                    return Err(SyncError::Websocket(format!(
                        "{unbound} Subscriptions were not bound within {} s",
                        BIND_WITHIN.as_secs()
                    )));
                }
                let quiet = heard.elapsed();
                if quiet > 2 * QUIET {
                    return Err(SyncError::Websocket("the websocket went silent".into()));
                }
                if quiet > QUIET && !asked {
                    asked = true;
                    socket.send(Message::Ping(Vec::new().into())).await.map_err(failed)?;
                }
            }
        }
    }
}

/// TLS as the FHIR client has it: the OS trust store and the region's CA, if one is set.
fn tls_config(extra_ca_pem: Option<&[u8]>) -> Result<rustls::ClientConfig, SyncError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for certificate in native.certs {
        // One unreadable certificate of the OS store is no reason to trust none.
        let _ = roots.add(certificate);
    }
    if let Some(pem) = extra_ca_pem {
        for certificate in CertificateDer::pem_slice_iter(pem) {
            let certificate = certificate
                .map_err(|e| SyncError::Setup(format!("the extra CA file is not PEM: {e}")))?;
            roots
                .add(certificate)
                .map_err(|e| SyncError::Setup(format!("the extra CA is not usable: {e}")))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SyncError::Setup(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    fn answer(body: &str, location: Option<&str>) -> FhirResponse {
        FhirResponse {
            status: StatusCode::CREATED,
            location: location.map(str::to_owned),
            server_time: None,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_subscription_is_known_by_its_body_or_else_its_location() {
        let body = r#"{"resourceType":"Subscription","id":"s-1","status":"active"}"#;
        assert_eq!(
            created_id("Observation", &answer(body, None)).ok(),
            Some("s-1".into())
        );
        let location = Some("https://fhir.example/r4/Subscription/s-2/_history/1");
        assert_eq!(
            created_id("Observation", &answer("", location)).ok(),
            Some("s-2".into())
        );
        assert!(created_id("Observation", &answer("", None)).is_err());
        let elsewhere = Some("https://fhir.example/r4/Patient/p-1");
        assert!(created_id("Observation", &answer("  ", elsewhere)).is_err());
        let refused = r#"{"resourceType":"Subscription","id":"s-3","status":"error","error":"no"}"#;
        assert!(matches!(
            created_id("Observation", &answer(refused, None)),
            Err(SyncError::Websocket(_))
        ));
        assert!(created_id("Observation", &answer("{not json", None)).is_err());
    }
}
