//! What the backend says it can do (`GET [base]/metadata`), so that the sync uses only what the
//! server has and falls back, or says clearly what is missing, where it lacks a feature. Read
//! once an hour per client (a statement is tens of kilobytes, and a station syncs every few
//! seconds), and again after a run that failed. A server without a readable CapabilityStatement is taken at its word that it
//! speaks FHIR R4; the responses then decide (see the engine's paging fallback).

use crate::client::FhirClient;
use crate::error::SyncError;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use vagt_fhir::CapabilityStatement;

/// How long a statement read is trusted: a server's capabilities change with its releases, not
/// between two runs seconds apart.
pub const CAPABILITIES_MAX_AGE: Duration = Duration::from_secs(3600);

/// The statement a client read last, and when; shared by the client's clones (a page fetched
/// ahead is fetched by a clone).
#[derive(Debug, Default, Clone)]
pub(crate) struct CapabilityCache(Arc<Mutex<Option<(Instant, ServerCapabilities)>>>);

impl CapabilityCache {
    fn fresh(&self) -> Option<ServerCapabilities> {
        // A poisoned lock only means a panic mid-write elsewhere: the value is still whole.
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        kept.as_ref()
            .filter(|(read_at, _)| read_at.elapsed() < CAPABILITIES_MAX_AGE)
            .map(|(_, capabilities)| capabilities.clone())
    }

    fn keep(&self, capabilities: ServerCapabilities) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), capabilities));
    }

    /// The next run reads the statement again.
    pub(crate) fn forget(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// The parts of a CapabilityStatement the sync acts on.
#[derive(Debug, Clone, Default)]
pub struct ServerCapabilities {
    statement: Option<CapabilityStatement>,
}

/// How a type is pulled from this server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullMode {
    /// By `_lastUpdated` after the checkpoint.
    Incremental,
    /// The server cannot search by `_lastUpdated`: every run reads the whole type. Exact but
    /// slow; re-read resources are no-ops in the store.
    Full,
    /// The server does not hold this type at all.
    Absent,
}

impl ServerCapabilities {
    /// The backend's capabilities: as this client read them within the hour, else read now.
    pub async fn of(client: &FhirClient) -> Result<Self, SyncError> {
        if let Some(kept) = client.capabilities.fresh() {
            return Ok(kept);
        }
        let read = Self::fetch(client).await?;
        client.capabilities.keep(read.clone());
        Ok(read)
    }

    /// Reads `/metadata`. A missing or unreadable statement is no error (many servers guard or
    /// trim it); a statement for another FHIR version is.
    pub async fn fetch(client: &FhirClient) -> Result<Self, SyncError> {
        let response = match client.get("metadata").await {
            Ok(r) => r,
            Err(SyncError::Rejected { status, .. }) => {
                tracing::warn!(status, "the backend gives no CapabilityStatement");
                return Ok(Self::default());
            }
            Err(e) => return Err(e),
        };
        let statement = match serde_json::from_slice::<CapabilityStatement>(&response.body) {
            Ok(s) if s.resource_type == "CapabilityStatement" => s,
            _ => {
                tracing::warn!("the backend's /metadata is not a CapabilityStatement");
                return Ok(Self::default());
            }
        };
        Self::from_statement(statement)
    }

    pub fn from_statement(statement: CapabilityStatement) -> Result<Self, SyncError> {
        if let Some(version) = statement.fhir_version.as_deref()
            && !version.starts_with("4.0")
        {
            return Err(SyncError::Unsupported(format!(
                "the backend speaks FHIR {version}; Vagt needs FHIR R4 (4.0.x)"
            )));
        }
        Ok(ServerCapabilities {
            statement: Some(statement),
        })
    }

    /// The server's software name and version, for operators.
    pub fn software(&self) -> Option<String> {
        let software = self.statement.as_ref()?.software.as_ref()?;
        let name = software.name.as_deref()?;
        Some(match software.version.as_deref() {
            Some(version) => format!("{name} {version}"),
            None => name.to_owned(),
        })
    }

    /// A type the statement does not list is absent; one listed without search parameters is
    /// assumed to take the common ones (many servers list none).
    /// The websocket of the server's Subscriptions, as its statement names it.
    pub fn subscription_websocket(&self) -> Option<&str> {
        self.statement.as_ref()?.subscription_websocket()
    }

    pub fn pull_mode(&self, resource_type: &str) -> PullMode {
        let Some(statement) = &self.statement else {
            return PullMode::Incremental;
        };
        let Some(server) = statement.server() else {
            return PullMode::Incremental;
        };
        if server.resource.is_empty() {
            return PullMode::Incremental;
        }
        let Some(resource) = statement.resource(resource_type) else {
            return PullMode::Absent;
        };
        let declared = !resource.search_param.is_empty() || !server.search_param.is_empty();
        if !declared || statement.can_search(resource_type, "_lastUpdated") {
            PullMode::Incremental
        } else if resource.interaction.is_empty() || resource.supports("search-type") {
            PullMode::Full
        } else {
            PullMode::Absent
        }
    }

    /// Whether a conditional create (`If-None-Exist`) can be trusted for `resource_type`.
    /// Only an explicit `conditionalCreate: false` says no.
    pub fn conditional_create(&self, resource_type: &str) -> bool {
        self.statement
            .as_ref()
            .and_then(|s| s.resource(resource_type))
            .and_then(|r| r.conditional_create)
            .unwrap_or(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(json: &str) -> CapabilityStatement {
        serde_json::from_str(json).unwrap_or_default()
    }

    #[test]
    fn a_type_missing_from_a_listing_is_absent_and_one_without_last_updated_is_pulled_whole() {
        let caps = ServerCapabilities::from_statement(statement(
            r#"{"resourceType":"CapabilityStatement","fhirVersion":"4.0.1","rest":[{"mode":"server",
            "resource":[
              {"type":"Patient","interaction":[{"code":"read"},{"code":"search-type"}],
               "searchParam":[{"name":"_lastUpdated","type":"date"}]},
              {"type":"Observation","interaction":[{"code":"search-type"}],
               "searchParam":[{"name":"subject","type":"reference"}],"conditionalCreate":false},
              {"type":"Condition"}]}]}"#,
        ))
        .map_err(|e| e.to_string());
        let Ok(caps) = caps else {
            panic!("R4 is accepted: {caps:?}");
        };
        assert_eq!(caps.pull_mode("Patient"), PullMode::Incremental);
        assert_eq!(caps.pull_mode("Observation"), PullMode::Full);
        assert_eq!(caps.pull_mode("Condition"), PullMode::Incremental);
        assert_eq!(caps.pull_mode("QuestionnaireResponse"), PullMode::Absent);
        assert!(!caps.conditional_create("Observation"));
        assert!(caps.conditional_create("Communication"));
    }

    #[test]
    fn another_fhir_version_is_refused_and_no_statement_means_try_everything() {
        let stu3 = ServerCapabilities::from_statement(statement(
            r#"{"resourceType":"CapabilityStatement","fhirVersion":"3.0.2"}"#,
        ));
        assert!(matches!(stu3, Err(SyncError::Unsupported(m)) if m.contains("3.0.2")));
        let none = ServerCapabilities::default();
        assert_eq!(
            none.pull_mode("QuestionnaireResponse"),
            PullMode::Incremental
        );
        assert!(none.conditional_create("Communication"));
    }
}
