//! The sync between Vagt's local store and a FHIR R4 telemedicine backend.
//!
//! Pull: Patients, then Conditions, then Observations, then QuestionnaireResponses (the scored
//! forms) and Encounters (MAS visits, admissions and discharges, as care events), where the
//! server holds them, each incrementally by `_lastUpdated` with an overlap
//! window, following `next` links (or, from a server that gives none, its own `_lastUpdated`
//! cursor, else `_offset`); every page is applied to the store in one transaction together
//! with the checkpoint that covers it, so a crash anywhere loses nothing and a re-run
//! duplicates nothing (readings are unique on source id + version).
//! Push: the outbox, oldest first, each item created once on the server (`If-None-Exist` on
//! the client-generated identifier), so a retry after a lost response makes no second copy.

mod capabilities;
pub mod client;
mod engine;
pub mod retry;

pub use capabilities::{PullMode, ServerCapabilities};
pub use client::FhirClient;
pub use engine::{Progress, SyncConfig, SyncReport, SyncRun, sync_once, sync_run};
pub use retry::RetryPolicy;

/// Why a sync did not finish. Messages are for a nurse or operator; codes for the UI and scripts.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(
        "the backend could not be reached after {attempts} attempts (last: {last}); Vagt keeps working offline and tries again"
    )]
    GaveUp { attempts: u32, last: String },
    #[error(
        "the backend refused Vagt's credentials (HTTP {status}); set them again with `vagtctl backend set`"
    )]
    Unauthorized { status: u16 },
    #[error("the backend refused a request (HTTP {status}): {detail}")]
    Rejected { status: u16, detail: String },
    #[error("the backend sent something that is not FHIR: {0}")]
    NotFhir(String),
    #[error("the backend lacks something Vagt needs: {0}")]
    Unsupported(String),
    #[error("the sync could not start: {0}")]
    Setup(String),
    #[error(transparent)]
    Store(#[from] vagt_store::StoreError),
}

impl SyncError {
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::GaveUp { .. } => "offline",
            SyncError::Unauthorized { .. } => "unauthorized",
            SyncError::Rejected { .. } => "rejected_by_backend",
            SyncError::NotFhir(_) => "not_fhir",
            SyncError::Unsupported(_) => "unsupported",
            SyncError::Setup(_) => "setup",
            SyncError::Store(e) => e.code(),
        }
    }
}
