//! Waiting for the write lock, and telling a sync that holds it that somebody waits.
//!
//! A sync holds the pages it pulls in one transaction for a few seconds (`Store::hold_pulls`):
//! during a first sync of a region, each commit writes every page of the per-citizen index it
//! touched, so longer holds write far less. A nurse's record on another connection of the same
//! process would wait for the whole hold; instead, its connection says it waits, and the sync
//! commits at once (`writer_waiting`, read by the sync's held pages).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long a connection waits for a lock before SQLite says "database is locked".
const BUSY_WAIT: Duration = Duration::from_secs(10);

/// Between tries for the lock. Short: a sync told that a writer waits commits within a page.
const BUSY_STEP: Duration = Duration::from_millis(5);

/// Set by every wait for a lock in this process (a writer's, mostly; in WAL mode readers
/// rarely wait); cleared when held pulls begin and when they commit. A connection still
/// waiting sets it again within `BUSY_STEP`.
static WRITER_WAITING: AtomicBool = AtomicBool::new(false);

/// Whether a connection of this process waited for a lock since held pulls last began or
/// committed: the sync holding pages should commit them now. One flag for the process, not a
/// database: at worst a sync commits early for another database's wait.
pub fn writer_waiting() -> bool {
    WRITER_WAITING.load(Ordering::Relaxed)
}

/// Held pulls began (the sync's own wait for the lock is over) or committed (the waiter's
/// wait is): whoever still waits says so again at its next try.
pub(crate) fn held_pulls_began_or_committed() {
    WRITER_WAITING.store(false, Ordering::Relaxed);
}

/// The connections' busy handler: SQLite's `busy_timeout` that also says that it waits.
/// `tries`: how often it was called for this lock before.
pub(crate) fn wait_for_lock(tries: i32) -> bool {
    WRITER_WAITING.store(true, Ordering::Relaxed);
    let waited = BUSY_STEP.saturating_mul(u32::try_from(tries).unwrap_or(u32::MAX));
    if waited >= BUSY_WAIT {
        return false;
    }
    std::thread::sleep(BUSY_STEP);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the flag is set is tested where it is used, with two connections
    /// (`vagt_sync`'s held pages): it is the process's, so other tests here may clear it.
    #[test]
    fn a_wait_ends_after_ten_seconds_of_tries() {
        assert!(wait_for_lock(0), "the first try waits");
        let tries_in_ten_seconds = (BUSY_WAIT.as_millis() / BUSY_STEP.as_millis()) as i32;
        assert!(wait_for_lock(tries_in_ten_seconds - 1));
        assert!(
            !wait_for_lock(tries_in_ten_seconds),
            "then SQLite says busy"
        );
    }
}
