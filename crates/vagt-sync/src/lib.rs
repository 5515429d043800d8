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
mod error;
pub mod retry;
mod subscription;

pub use capabilities::{PullMode, ServerCapabilities};
pub use client::{FhirClient, Transport, check_backend_url, is_loopback_host};
pub use engine::{
    HeldPages, PULLED_TYPES, Progress, SyncConfig, SyncReport, SyncRun, UnfinishedRun, sync_once,
    sync_run, sync_run_unfinished,
};
pub use error::SyncError;
pub use retry::RetryPolicy;
pub use subscription::{Subscribed, SubscriptionEnd, listen, subscribe, websocket_of};
