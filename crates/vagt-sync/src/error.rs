//! Why a sync did not finish. Its own module because every part of the sync (client,
//! capabilities, pull, push) ends in it.

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
