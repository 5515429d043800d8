//! The server's CapabilityStatement (`GET [base]/metadata`): enough to tell, before a sync
//! relies on it, whether the server takes transactions, conditional creates and the search
//! parameters the sync uses.

use crate::types::Resource;
use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CapabilityStatement {
    pub resource_type: String,
    /// e.g. `4.0.1`.
    pub fhir_version: Option<String>,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub software: Option<CapabilitySoftware>,
    /// Mime types the server speaks, e.g. `application/fhir+json`.
    pub format: Vec<String>,
    pub rest: Vec<CapabilityRest>,
}

impl Resource for CapabilityStatement {
    const TYPE: &'static str = "CapabilityStatement";
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CapabilitySoftware {
    pub name: Option<String>,
    pub version: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CapabilityRest {
    /// client | server
    pub mode: Option<String>,
    pub resource: Vec<CapabilityResource>,
    /// System-level interactions: transaction, batch, search-system, history-system.
    pub interaction: Vec<CapabilityInteraction>,
    /// Search parameters valid for every resource type (e.g. `_lastUpdated`).
    pub search_param: Vec<CapabilitySearchParam>,
    /// Where the server says more: the websocket of its Subscriptions among them.
    pub extension: Vec<CapabilityExtension>,
}

/// An extension on the `rest` block; only URI values are read.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CapabilityExtension {
    pub url: String,
    pub value_uri: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CapabilityResource {
    #[serde(rename = "type")]
    pub resource_type: String,
    /// read, vread, update, patch, delete, history-instance, history-type, create, search-type.
    pub interaction: Vec<CapabilityInteraction>,
    pub search_param: Vec<CapabilitySearchParam>,
    /// no-version | versioned | versioned-update
    pub versioning: Option<String>,
    pub read_history: Option<bool>,
    pub update_create: Option<bool>,
    pub conditional_create: Option<bool>,
    pub conditional_update: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CapabilityInteraction {
    pub code: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CapabilitySearchParam {
    pub name: String,
    #[serde(rename = "type")]
    pub param_type: Option<String>,
}

impl CapabilityStatement {
    /// The `rest` block that describes the server (mode `server`, else the first one).
    pub fn server(&self) -> Option<&CapabilityRest> {
        self.rest
            .iter()
            .find(|r| r.mode.as_deref() == Some("server"))
            .or_else(|| self.rest.first())
    }

    /// What the server says about one resource type.
    pub fn resource(&self, resource_type: &str) -> Option<&CapabilityResource> {
        self.server()?
            .resource
            .iter()
            .find(|r| r.resource_type == resource_type)
    }

    /// Whether the server takes transaction Bundles (all entries or none).
    pub fn supports_transaction(&self) -> bool {
        self.server_interaction("transaction")
    }

    /// Whether the server takes batch Bundles (each entry on its own).
    pub fn supports_batch(&self) -> bool {
        self.server_interaction("batch")
    }

    /// Whether `resource_type` can be searched by `param`, declared on the type or for all.
    pub fn can_search(&self, resource_type: &str, param: &str) -> bool {
        let on_type = self
            .resource(resource_type)
            .is_some_and(|r| r.supports("search-type") && r.has_search_param(param));
        let for_all = self.server().is_some_and(|rest| {
            rest.search_param.iter().any(|p| p.name == param)
                && self
                    .resource(resource_type)
                    .is_some_and(|r| r.supports("search-type"))
        });
        on_type || for_all
    }

    /// The URL of the server's websocket for Subscriptions (R4's
    /// `capabilitystatement-websocket` extension), if it offers one and takes Subscriptions.
    pub fn subscription_websocket(&self) -> Option<&str> {
        let takes_subscriptions = self
            .resource("Subscription")
            .is_some_and(|r| r.supports("create"));
        if !takes_subscriptions {
            return None;
        }
        self.server()?
            .extension
            .iter()
            .find(|e| e.url == crate::subscription::WEBSOCKET_EXTENSION)
            .and_then(|e| e.value_uri.as_deref())
            .filter(|uri| !uri.trim().is_empty())
    }

    fn server_interaction(&self, code: &str) -> bool {
        self.server()
            .is_some_and(|rest| rest.interaction.iter().any(|i| i.code == code))
    }
}

impl CapabilityResource {
    /// Whether the server declares `interaction` (e.g. `create`, `search-type`) for this type.
    pub fn supports(&self, interaction: &str) -> bool {
        self.interaction.iter().any(|i| i.code == interaction)
    }

    pub fn has_search_param(&self, name: &str) -> bool {
        self.search_param.iter().any(|p| p.name == name)
    }

    /// Whether updates are version-aware (`If-Match` is honoured).
    pub fn versioned_update(&self) -> bool {
        self.versioning.as_deref() == Some("versioned-update")
    }
}
