//! What a run is given: page size, overlap and push limit. Plain data, shared by the run, the
//! pull and the push.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Resources per page asked for (`_count`).
    pub page_size: usize,
    /// How far before the checkpoint each pull starts again, to catch resources a server
    /// committed late with an earlier `lastUpdated`. Re-pulled ones are no-ops.
    pub overlap: Duration,
    /// Outbox items pushed per run at most.
    pub push_limit: usize,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            page_size: 200,
            overlap: Duration::from_secs(120),
            push_limit: 500,
        }
    }
}
