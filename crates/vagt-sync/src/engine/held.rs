//! Pulled pages held in one transaction (`Store::hold_pulls`) for a while, and what they
//! stored. What a page stored counts only once its transaction is committed: a page that fails
//! rolls back every page held with it (and their checkpoints), and those are pulled again.

use std::time::{Duration, Instant};
use vagt_store::{Store, StoreError};

/// The pages of one pull held uncommitted, each with what it stored (`T`), and those committed
/// since the caller last took them.
pub struct HeldPages<T> {
    hold_for: Duration,
    since: Option<Instant>,
    pending: Vec<T>,
    committed: Vec<T>,
}

impl<T> HeldPages<T> {
    /// Pages held for `hold_for` (`SyncConfig::hold_pages_for`) before they are due.
    pub fn new(hold_for: Duration) -> Self {
        HeldPages {
            hold_for,
            since: None,
            pending: Vec::new(),
            committed: Vec::new(),
        }
    }

    /// Before a page is stored: the held transaction, begun if none is.
    pub fn hold(&mut self, store: &mut Store) -> Result<(), StoreError> {
        store.hold_pulls()?;
        self.since.get_or_insert_with(Instant::now);
        Ok(())
    }

    /// A page stored in the held transaction, and what it stored.
    pub fn stored(&mut self, page: T) {
        self.pending.push(page);
    }

    /// When the pages held uncommitted are due, if any are held: now if a writer of this
    /// process waits for the lock they hold (`vagt_store::writer_waiting`).
    pub fn due_at(&self) -> Option<Instant> {
        let since = self.since?;
        Some(if vagt_store::writer_waiting() {
            Instant::now()
        } else {
            since + self.hold_for
        })
    }

    /// Whether they have been held long enough to commit, or a writer waits for them.
    pub fn due(&self) -> bool {
        self.since
            .is_some_and(|at| at.elapsed() >= self.hold_for || vagt_store::writer_waiting())
    }

    /// Commits the pages held. Pages a failed page rolled back with it are dropped, uncounted.
    pub fn commit(&mut self, store: &mut Store) -> Result<(), StoreError> {
        self.since = None;
        let pending = std::mem::take(&mut self.pending);
        if !store.pulls_held() {
            return Ok(());
        }
        store.commit_pulls()?;
        tracing::debug!(pages = pending.len(), "held pages committed");
        self.committed.extend(pending);
        Ok(())
    }

    /// What the pages committed since the last call stored.
    pub fn take_committed(&mut self) -> Vec<T> {
        std::mem::take(&mut self.committed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vagt_core::{CitizenId, Diagnosis, Timestamp};
    use vagt_store::{DbKey, OpenMode, PullBatch, SourcedCitizen};

    /// A page of one Patient, `Patient/{n}`.
    fn page(n: u32) -> PullBatch {
        PullBatch {
            citizens: vec![SourcedCitizen {
                source_id: format!("srv|Patient/{n}"),
                source_version: "1".into(),
                citizen: vagt_core::Citizen {
                    id: CitizenId::new(format!("c{n}")).expect("valid"),
                    name: format!("Test {n}"),
                    birth_date: None,
                    diagnoses: vec![Diagnosis::Copd],
                    phone: None,
                    address: None,
                },
                mas_only: false,
            }],
            ..PullBatch::default()
        }
    }

    /// `vagt_store::writer_waiting` is the process's: the test that makes a writer wait must
    /// not run beside one that needs nobody to.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

    #[test]
    fn what_held_pages_stored_counts_once_committed_and_not_when_rolled_back() {
        let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().expect("tempdir");
        let key = DbKey::from_hex(&"ef".repeat(32)).expect("key");
        let mut store =
            Store::open_with_key(&dir.path().join("vagt.db"), &key, OpenMode::CreateIfMissing)
                .expect("store");
        let now = Timestamp::parse_rfc3339("2026-11-22T12:00:00Z").expect("valid");
        let mut held = HeldPages::new(Duration::from_secs(3600));
        for n in [1, 2] {
            held.hold(&mut store).expect("hold");
            store
                .apply_pull("srv", "Patient", page(n), None, now)
                .expect("page");
            held.stored(n);
        }
        assert!(held.due_at().is_some() && !held.due());
        assert!(
            held.take_committed().is_empty(),
            "nothing counts before the commit"
        );
        held.commit(&mut store).expect("commit");
        assert!(held.due_at().is_none() && !store.pulls_held());
        assert_eq!(held.take_committed(), vec![1, 2]);

        // A page that fails takes the held one with it: neither counts.
        store
            .connection()
            .execute_batch(
                "CREATE TEMP TRIGGER refused BEFORE INSERT ON citizens
                 WHEN NEW.id = 'c4' BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
            )
            .expect("trigger");
        held.hold(&mut store).expect("hold");
        store
            .apply_pull("srv", "Patient", page(3), None, now)
            .expect("page");
        held.stored(3);
        held.hold(&mut store).expect("hold");
        assert!(
            store
                .apply_pull("srv", "Patient", page(4), None, now)
                .is_err()
        );
        held.commit(&mut store).expect("nothing left to commit");
        assert!(held.take_committed().is_empty());
        let citizens: i64 = store
            .connection()
            .query_row("SELECT count(*) FROM citizens", [], |r| r.get(0))
            .expect("count");
        assert_eq!(citizens, 2);
    }

    /// A nurse's record on another connection of this process does not wait for the hold: the
    /// pages held are due as soon as it waits, and it is written once they are committed.
    #[test]
    fn a_writer_waiting_for_the_lock_makes_the_held_pages_due() {
        let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("vagt.db");
        let key = DbKey::from_hex(&"ef".repeat(32)).expect("key");
        let mut store =
            Store::open_with_key(&path, &key, OpenMode::CreateIfMissing).expect("store");
        let now = Timestamp::parse_rfc3339("2026-11-22T12:00:00Z").expect("valid");
        let mut held = HeldPages::new(Duration::from_secs(3600));
        held.hold(&mut store).expect("hold");
        store
            .apply_pull("srv", "Patient", page(1), None, now)
            .expect("page");
        held.stored(1);
        assert!(!held.due(), "an hour's hold is not due after a page");

        let writer = std::thread::spawn(move || {
            let mut other = Store::open_with_key(&path, &key, OpenMode::Existing).expect("store");
            other.apply_pull("srv", "Patient", page(2), None, now)
        });
        let waited_from = std::time::Instant::now();
        while !held.due() {
            assert!(
                waited_from.elapsed() < Duration::from_secs(8),
                "the held pages never became due while a writer waited"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(
            held.due_at()
                .is_some_and(|at| at <= std::time::Instant::now())
        );
        held.commit(&mut store).expect("commit");
        writer
            .join()
            .expect("the writer's thread")
            .expect("the writer's page, written after the commit");
        assert_eq!(held.take_committed(), vec![1]);
        let citizens: i64 = store
            .connection()
            .query_row("SELECT count(*) FROM citizens", [], |r| r.get(0))
            .expect("count");
        assert_eq!(citizens, 2);
    }
}
