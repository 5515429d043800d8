//! The pages of one pull: which may be asked for, and the next one asked for while the one
//! before it is stored. The backend answers, and the answer is read, on the runtime's worker
//! while the sync's thread maps and writes the page before, so a long pull costs about the
//! larger of the two, not their sum (on a runtime with a worker; on one without, in turn).

use crate::client::{FhirClient, FhirResponse};
use crate::error::SyncError;
use std::collections::HashSet;
use std::time::Instant;

/// A page asked for and not yet read. Dropped unread (the pull ended), it is abandoned.
pub(super) struct PageAhead(tokio::task::JoinHandle<Result<FhirResponse, SyncError>>);

impl PageAhead {
    fn ask(client: &FhirClient, url: String) -> Self {
        let client = client.clone();
        PageAhead(tokio::spawn(async move { client.get(&url).await }))
    }

    /// Whether the answer has arrived (or the request failed): reading it will not wait.
    pub(super) fn is_ready(&self) -> bool {
        self.0.is_finished()
    }

    pub(super) async fn answer(mut self) -> Result<FhirResponse, SyncError> {
        match (&mut self.0).await {
            Ok(answer) => answer,
            Err(ended) if ended.is_panic() => std::panic::resume_unwind(ended.into_panic()),
            // Only a runtime shutting down cancels it.
            Err(ended) => Err(SyncError::GaveUp {
                attempts: 1,
                last: format!("the request was cancelled ({ended})"),
            }),
        }
    }
}

impl Drop for PageAhead {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The pages one pull asks for: never one already asked for (a link back is a loop, not more
/// data), never more than the limit, and after the first, none past the run's budget.
pub(super) struct PageRequests<'a> {
    pub(super) resource_type: &'a str,
    pub(super) max_pages: usize,
    pub(super) budget_seconds: u64,
    /// When the run's budget ends.
    pub(super) deadline: Instant,
    pub(super) visited: HashSet<String>,
}

impl PageRequests<'_> {
    /// `url` asked for, or why it may not be. An error is kept by the caller until the page
    /// before is stored, as if it had been met when asking.
    pub(super) fn ask(&mut self, client: &FhirClient, url: String) -> Result<PageAhead, SyncError> {
        if self.visited.contains(&url) {
            return Err(SyncError::PagingLoop {
                resource_type: self.resource_type.to_owned(),
            });
        }
        if self.visited.len() >= self.max_pages {
            return Err(SyncError::PageLimit {
                resource_type: self.resource_type.to_owned(),
                pages: self.max_pages,
            });
        }
        // The first page of each type is always asked for, so a run over its budget still
        // moves every type on, and the runs after it finish the pull.
        if !self.visited.is_empty() && Instant::now() >= self.deadline {
            return Err(SyncError::RunBudget {
                seconds: self.budget_seconds,
            });
        }
        self.visited.insert(url.clone());
        Ok(PageAhead::ask(client, url))
    }
}
