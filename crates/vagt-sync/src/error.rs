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
    #[error(
        "the backend {url} is plain http to another machine: health data and the token would cross the network unencrypted; use https"
    )]
    InsecureBackend { url: String },
    #[error(
        "the backend pointed to {origin}, which is not the backend: Vagt does not follow it (and never sends its token there)"
    )]
    ForeignUrl { origin: String },
    #[error(
        "the backend's certificate is not trusted on this machine ({detail}); install the region's CA or name it with `vagtctl backend set --ca-file`"
    )]
    UntrustedCertificate { detail: String },
    #[error("the backend's answer is larger than {limit_bytes} bytes; it was not read")]
    TooLarge { limit_bytes: u64 },
    #[error("the backend asked Vagt to wait {seconds} s before asking again")]
    Busy { seconds: u64 },
    #[error(
        "the backend's pages of {resource_type} lead back to a page already read; the pull of that type stopped"
    )]
    PagingLoop { resource_type: String },
    #[error(
        "the backend gave {resource_type} in pages Vagt cannot go past: no next link, no sorting, and the same page again for the next offset; the pull of that type stopped, its checkpoint unmoved, and the next run asks again, which only a backend that pages (next links, _sort or _offset) can answer"
    )]
    Unpageable { resource_type: String },
    #[error(
        "the backend gave more than {pages} pages of {resource_type} in one run; the rest comes in the next run"
    )]
    PageLimit { resource_type: String, pages: usize },
    #[error("the sync run took longer than its {seconds} s budget; it goes on in the next run")]
    RunBudget { seconds: u64 },
    #[error("the backend's websocket of Subscriptions failed: {0}")]
    Websocket(String),
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
            SyncError::InsecureBackend { .. } => "insecure_backend",
            SyncError::ForeignUrl { .. } => "foreign_url",
            SyncError::TooLarge { .. } => "response_too_large",
            SyncError::UntrustedCertificate { .. } => "untrusted_certificate",
            SyncError::Busy { .. } => "backend_busy",
            SyncError::PagingLoop { .. } => "paging_loop",
            SyncError::Unpageable { .. } => "unpageable",
            SyncError::PageLimit { .. } => "page_limit",
            SyncError::RunBudget { .. } => "run_budget_exceeded",
            SyncError::Websocket(_) => "subscription_failed",
            SyncError::Store(e) => e.code(),
        }
    }
}

impl SyncError {
    /// The backend misbehaved in a way that ends the pull of one type but not the run: the
    /// other types and the outbox still get their turn.
    pub fn ends_only_this_type(&self) -> bool {
        matches!(
            self,
            SyncError::PagingLoop { .. }
                | SyncError::Unpageable { .. }
                | SyncError::PageLimit { .. }
                | SyncError::TooLarge { .. }
                | SyncError::NotFhir(_)
                | SyncError::ForeignUrl { .. }
                | SyncError::Rejected { .. }
        )
    }
}
