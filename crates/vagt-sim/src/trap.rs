//! The trap: a second listener, on another loopback port, that the `foreign-next` fault's
//! `next` links point to. A client that follows a link to another origin shows up here with
//! whatever credentials it sent along, so a test can prove that the token never left the
//! backend's origin. It answers every request with an empty searchset, so a client that does
//! follow the link gets a page it can read and the difference is only in what it sent.
//!
//! Its own module, depending on nothing else in the crate, so that the shared state can hold
//! it and the admin endpoint can read it without either depending on the other's job.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::watch;

/// What the trap has received, as `GET /admin/trap` answers it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrapReport {
    /// The trap's FHIR base (`http://127.0.0.1:PORT/fhir`), `None` until a `foreign-next`
    /// profile has opened it.
    pub url: Option<String>,
    /// Requests received.
    pub requests: u64,
    /// Every `Authorization` header value received, in order.
    pub authorization: Vec<String>,
}

#[derive(Debug, Default)]
struct TrapLog {
    requests: AtomicU64,
    authorization: std::sync::Mutex<Vec<String>>,
}

/// An open trap. It stops with the simulator (the same stop signal).
#[derive(Debug)]
pub(crate) struct Trap {
    /// The FHIR base the `next` links use, e.g. `http://127.0.0.1:41235/fhir`.
    pub base_url: String,
    log: Arc<TrapLog>,
}

impl Trap {
    /// Listens on a free loopback port until `stop` turns true.
    pub(crate) async fn open(stop: watch::Receiver<bool>) -> std::io::Result<Trap> {
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let addr = listener.local_addr()?;
        let log = Arc::new(TrapLog::default());
        let router = Router::new().fallback(record).with_state(log.clone());
        let mut stop = stop;
        tokio::spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|stopped| *stopped).await;
                })
                .await;
            if let Err(e) = served {
                tracing::warn!(error = %e, "the trap stopped with an error");
            }
        });
        tracing::info!(%addr, "trap listening for requests sent to another origin");
        Ok(Trap {
            base_url: format!("http://{addr}/fhir"),
            log,
        })
    }

    pub(crate) fn report(&self) -> TrapReport {
        let authorization = match self.log.authorization.lock() {
            Ok(values) => values.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        TrapReport {
            url: Some(self.base_url.clone()),
            requests: self.log.requests.load(Ordering::Relaxed),
            authorization,
        }
    }
}

/// Notes the request and answers an empty searchset.
async fn record(State(log): State<Arc<TrapLog>>, request: Request) -> Response {
    log.requests.fetch_add(1, Ordering::Relaxed);
    let values = request
        .headers()
        .get_all(header::AUTHORIZATION)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    match log.authorization.lock() {
        Ok(mut seen) => seen.extend(values),
        Err(poisoned) => poisoned.into_inner().extend(values),
    }
    tracing::warn!(uri = %request.uri(), "the trap received a request");
    let bundle = json!({
        "resourceType": "Bundle",
        "id": "trap",
        "type": "searchset",
        "total": 0,
    });
    let mut response = (StatusCode::OK, bundle.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/fhir+json; charset=utf-8"),
    );
    response
}
