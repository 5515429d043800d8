//! What a run is given: page size, overlap, push limit and its bounds. Plain data, shared by the run, the
//! pull and the push.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Resources per page asked for (`_count`). 500, not 200: a first sync from `vagt-sim`
    /// cost the backend half the CPU (a search and a Bundle per 500) and took a fifth less
    /// time (`scripts/measure-sync.sh`). A server that caps its pages lower pages on by its
    /// `next` links as before; one that caps them lower and sends neither a `next` link nor a
    /// `total` looks done after its first page (as one capping below 200 did before).
    pub page_size: usize,
    /// How long the pages stored are held in one transaction before it is committed
    /// (`Store::hold_pulls`): fewer, larger transactions write and encrypt each index page
    /// once, not once a page. A region's readings arrive spread over its 10,000 citizens, so a
    /// transaction writes a page of the per-citizen index for nearly every reading it adds
    /// unless it adds many: 5 s, not 0.5, stored 5 million readings 1.5 times as fast
    /// (`vagtctl bench ingest --readings 5000000`), and a first sync of 6.2 million from
    /// `vagt-sim` 1.2 times (`docs/performance.md`). Only a pull of many pages holds so long:
    /// the last page commits. A nurse's record on another connection of this process does not
    /// wait for the hold (`vagt_store::writer_waiting`); another process's may. Zero commits
    /// every page.
    pub hold_pages_for: Duration,
    /// How far before the checkpoint each pull starts again, to catch resources a server
    /// committed late with an earlier `lastUpdated` (or stamped by a clock behind the one its
    /// `Date` header reads). Re-pulled ones are no-ops.
    pub overlap: Duration,
    /// Outbox items pushed per run at most.
    pub push_limit: usize,
    /// Pages of one type in one run at most; the rest comes in the next run.
    pub max_pages_per_type: usize,
    /// A run stops pulling after this long (the outbox still gets its turn); the next run goes
    /// on from the checkpoints.
    pub run_budget: Duration,
    /// Only these types are pulled (a Subscription said they changed); `None`: every type.
    pub only: Option<std::collections::BTreeSet<&'static str>>,
    /// An Observation pull that brings at least this many readings, and at least as many as
    /// the store holds (a station's first sync), is a bulk load (`Store::begin_bulk_load`):
    /// the readings' per-citizen index is made once at its end instead of added to reading by
    /// reading. Below some 100,000 readings making it again costs more than it saves. `None`:
    /// never.
    pub bulk_load_from: Option<u64>,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            page_size: 500,
            hold_pages_for: Duration::from_secs(5),
            overlap: Duration::from_secs(120),
            push_limit: 500,
            max_pages_per_type: 5_000,
            run_budget: Duration::from_secs(600),
            only: None,
            bulk_load_from: Some(100_000),
        }
    }
}
