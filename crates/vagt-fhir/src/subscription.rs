//! FHIR R4 Subscriptions over a websocket: a station asks the server to tell it when a type
//! changes, so a new reading reaches it without waiting for the next poll. R4's websocket
//! channel carries no data, only `ping {id}`: the station then searches as it always does, so
//! a missed ping costs only time (the poll stays as the safety net) and a spurious one a search.
//!
//! The protocol (R4, `Subscription.channel.type = websocket`): the client creates a
//! Subscription, opens the websocket the CapabilityStatement names, sends `bind {id}` for each
//! of its Subscriptions, and the server answers `bound {id}`, then `ping {id}` at every change.

use crate::types::Resource;
use serde::Deserialize;
use serde_json::{Value, json};
use vagt_core::Timestamp;

/// The CapabilityStatement extension (on `rest`) whose `valueUri` is the server's websocket.
pub const WEBSOCKET_EXTENSION: &str =
    "http://hl7.org/fhir/StructureDefinition/capabilitystatement-websocket";

/// Why Vagt subscribes, as the Subscription's `reason` (servers list it to operators).
pub const SUBSCRIPTION_REASON: &str = "Vagt nurse station: sync when this type changes";

/// A Subscription for every change of `resource_type`, over the websocket, until `end`.
pub fn websocket_subscription(resource_type: &str, end: Timestamp) -> Value {
    json!({
        "resourceType": "Subscription",
        "status": "requested",
        "end": end.to_rfc3339(),
        "reason": SUBSCRIPTION_REASON,
        "criteria": resource_type,
        "channel": {"type": "websocket"},
    })
}

/// The parts of a Subscription a client acts on.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SubscriptionResource {
    pub resource_type: String,
    pub id: Option<String>,
    /// requested | active | error | off
    pub status: Option<String>,
    pub criteria: Option<String>,
    pub end: Option<String>,
    pub error: Option<String>,
}

impl Resource for SubscriptionResource {
    const TYPE: &'static str = "Subscription";
}

/// The resource type a Subscription's criteria name (`Observation`, `Observation?code=…`).
/// `None` when the criteria name none.
pub fn criteria_type(criteria: &str) -> Option<&str> {
    let name = criteria
        .split_once('?')
        .map_or(criteria, |(name, _)| name)
        .trim();
    let looks_like_type = name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric());
    looks_like_type.then_some(name)
}

/// What a server sent on the websocket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebsocketMessage<'a> {
    /// `bound {id}`: the binding took.
    Bound(&'a str),
    /// `ping {id}`: something the Subscription covers changed.
    Ping(&'a str),
    /// `error {id} {text}` or anything else: kept for the log, never acted on.
    Other(&'a str),
}

/// Reads one text frame of the R4 websocket protocol.
pub fn read_websocket_message(text: &str) -> WebsocketMessage<'_> {
    let text = text.trim();
    match text.split_once(' ') {
        Some(("bound", id)) if !id.trim().is_empty() => WebsocketMessage::Bound(id.trim()),
        Some(("ping", id)) if !id.trim().is_empty() => WebsocketMessage::Ping(id.trim()),
        _ => WebsocketMessage::Other(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CapabilityStatement;

    #[test]
    fn a_subscription_asks_for_a_websocket_until_its_end() {
        let end = Timestamp::parse_rfc3339("2026-12-03T14:00:00Z").expect("time");
        let resource = websocket_subscription("Observation", end);
        assert_eq!(resource["criteria"], "Observation");
        assert_eq!(resource["channel"]["type"], "websocket");
        assert_eq!(resource["status"], "requested");
        assert_eq!(resource["end"], end.to_rfc3339());
    }

    #[test]
    fn criteria_name_their_type_or_none() {
        assert_eq!(criteria_type("Observation"), Some("Observation"));
        assert_eq!(criteria_type("Observation?code=123"), Some("Observation"));
        assert_eq!(criteria_type(" Patient "), Some("Patient"));
        assert_eq!(criteria_type("?code=1"), None);
        assert_eq!(criteria_type("observation"), None);
        assert_eq!(criteria_type("Obs/1"), None);
        assert_eq!(criteria_type(""), None);
    }

    #[test]
    fn websocket_frames_are_read_as_the_protocol_says() {
        assert_eq!(
            read_websocket_message("ping sub-1"),
            WebsocketMessage::Ping("sub-1")
        );
        assert_eq!(
            read_websocket_message("bound sub-1\n"),
            WebsocketMessage::Bound("sub-1")
        );
        assert_eq!(
            read_websocket_message("ping "),
            WebsocketMessage::Other("ping")
        );
        assert_eq!(
            read_websocket_message("error sub-1 gone"),
            WebsocketMessage::Other("error sub-1 gone")
        );
    }

    #[test]
    fn the_websocket_is_offered_only_with_subscriptions() {
        let statement = |resource: serde_json::Value| -> CapabilityStatement {
            serde_json::from_value(json!({
                "resourceType": "CapabilityStatement",
                "rest": [{
                    "mode": "server",
                    "resource": [resource],
                    "extension": [{"url": WEBSOCKET_EXTENSION, "valueUri": "ws://h/ws"}],
                }],
            }))
            .expect("statement")
        };
        let with = statement(json!({"type": "Subscription", "interaction": [{"code": "create"}]}));
        assert_eq!(with.subscription_websocket(), Some("ws://h/ws"));
        let read_only =
            statement(json!({"type": "Subscription", "interaction": [{"code": "read"}]}));
        assert_eq!(read_only.subscription_websocket(), None);
        let without = statement(json!({"type": "Patient", "interaction": [{"code": "create"}]}));
        assert_eq!(without.subscription_websocket(), None);
    }
}
