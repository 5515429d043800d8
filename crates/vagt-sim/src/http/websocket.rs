//! The websocket of R4 Subscriptions: a client binds its Subscriptions (`bind {id}`, answered
//! `bound {id}`) and is sent `ping {id}` whenever a version of the type a Subscription's
//! criteria name is written, until the Subscription's `end`. Pings carry no data: the client
//! searches as it always does.

use crate::shared::Shared;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use vagt_core::Timestamp;
use vagt_fhir::subscription::criteria_type;

pub(super) async fn websocket(
    State(st): State<Arc<Shared>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade.on_upgrade(move |socket| serve(st, socket))
}

/// A Subscription bound on this socket.
struct Bound {
    id: String,
    resource_type: String,
    end: Option<Timestamp>,
}

async fn serve(st: Arc<Shared>, mut socket: WebSocket) {
    let mut changes = st.changes.subscribe();
    let mut stop = st.stop.clone();
    let mut bound: Vec<Bound> = Vec::new();
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    let answer = bind(&st, text.as_str(), &mut bound).await;
                    if socket.send(Message::Text(answer.into())).await.is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                // Pings are answered by the socket itself; binary frames mean nothing here.
                Some(Ok(_)) => {}
            },
            changed = changes.recv() => {
                // Everything already waiting goes out as one ping per Subscription.
                let mut types = BTreeSet::new();
                let mut everything = false;
                match changed {
                    Ok(resource_type) => { types.insert(resource_type); }
                    Err(RecvError::Lagged(_)) => everything = true,
                    Err(RecvError::Closed) => break,
                }
                loop {
                    match changes.try_recv() {
                        Ok(resource_type) => { types.insert(resource_type); }
                        Err(TryRecvError::Lagged(_)) => everything = true,
                        Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                    }
                }
                let now = st.clock.now();
                let mut failed = false;
                for subscription in &bound {
                    let covered = everything || types.contains(subscription.resource_type.as_str());
                    let running = subscription.end.is_none_or(|end| end > now);
                    if covered && running {
                        let ping = format!("ping {}", subscription.id);
                        if socket.send(Message::Text(ping.into())).await.is_err() {
                            failed = true;
                            break;
                        }
                    }
                }
                if failed {
                    break;
                }
            }
            // The guard wait_for returns is not Send: dropped inside.
            () = async { let _ = stop.wait_for(|stopped| *stopped).await; } => break,
        }
    }
}

/// Answers one text frame: `bind {id}` of an active Subscription on a type, else an error.
async fn bind(st: &Shared, text: &str, bound: &mut Vec<Bound>) -> String {
    let Some(id) = text.trim().strip_prefix("bind ").map(str::trim) else {
        return format!(
            "error unknown command {:?}",
            text.chars().take(40).collect::<String>()
        );
    };
    let world = st.world.lock().await;
    let Some(record) = world.store.get("Subscription", id) else {
        return format!("error {id} no such Subscription");
    };
    let resource = &record.current.resource();
    let active = resource.get("status").and_then(Value::as_str) == Some("active");
    let resource_type = resource
        .get("criteria")
        .and_then(Value::as_str)
        .and_then(criteria_type)
        .map(str::to_owned);
    let end = resource
        .get("end")
        .and_then(Value::as_str)
        .and_then(|end| Timestamp::parse_rfc3339(end).ok());
    drop(world);
    match resource_type {
        Some(resource_type) if active => {
            if !bound.iter().any(|b| b.id == id) {
                bound.push(Bound {
                    id: id.to_owned(),
                    resource_type,
                    end,
                });
            }
            format!("bound {id}")
        }
        _ => format!("error {id} is not an active Subscription"),
    }
}
