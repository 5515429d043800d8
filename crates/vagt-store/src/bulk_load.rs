//! A bulk load (see `bulk_load` in schema.sql): while a pull brings at least as many readings
//! as the store holds, the readings' per-citizen index is dropped, and made again in one sort
//! when the pull ends. Each step is one transaction, so a crash leaves either the index or the
//! row that says it is to be made; the next sync run goes on from there.

use crate::audit::append_tx;
use crate::migrate::SCHEMA_SQL;
use crate::{Actor, Result, Store, StoreError};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use std::time::Instant;
use vagt_core::Timestamp;

/// The index a bulk load drops: each reading stored adds to it where its citizen's and
/// parameter's readings end, a region's 80,000 places.
pub const BULK_LOAD_INDEX: &str = "readings_by_citizen_parameter_time";

/// The longest the rules wait for a bulk load: one older is ended by the next sync run or the
/// rules' clock, whatever became of the pull (a backend gone for good, a pull that never ends).
/// 30 million readings load in about 10 minutes.
pub const BULK_LOAD_LONGEST_MS: i64 = 60 * 60 * 1000;

/// What ending a bulk load did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BulkLoadEnded {
    /// When it began (ms since the epoch).
    pub began_at: i64,
    /// Current readings the index was made over.
    pub readings: i64,
    /// Citizens' parameters whose latest reading was looked up again (a stored reading changed
    /// while the load lasted).
    pub stale_latest: usize,
    pub index_seconds: f64,
}

/// The statement of schema.sql that creates `name`: schema.sql stays the one place the index
/// is defined.
fn schema_statement(name: &str) -> Result<&'static str> {
    let start = SCHEMA_SQL
        .find(&format!("CREATE INDEX {name}\n"))
        .ok_or_else(|| StoreError::Corrupt(format!("schema.sql does not create {name}")))?;
    let rest = &SCHEMA_SQL[start..];
    let end = rest
        .find(';')
        .ok_or_else(|| StoreError::Corrupt(format!("schema.sql does not end {name}")))?;
    Ok(&rest[..=end])
}

/// The current readings on `conn`, as `store_counts` keeps them.
pub(crate) fn current_readings(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT value FROM store_counts WHERE name = 'current_readings'")?
        .query_row([], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// Whether a bulk load is under way on `conn`.
pub(crate) fn bulk_loading(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM bulk_load)")?
        .query_row([], |r| r.get(0))?)
}

/// A read of one citizen's readings would read every reading while a bulk load lasts: it is
/// refused with a reason a nurse can read, rather than hold the store for seconds.
pub(crate) fn refuse_while_bulk_loading(conn: &Connection) -> Result<()> {
    if bulk_loading(conn)? {
        return Err(StoreError::BulkLoadUnderWay);
    }
    Ok(())
}

impl Store {
    /// Whether a bulk load is under way: the rules wait until it ends.
    pub fn bulk_loading(&self) -> Result<bool> {
        bulk_loading(&self.conn)
    }

    /// When the bulk load under way began, if one is.
    pub fn bulk_load_began_at(&self) -> Result<Option<Timestamp>> {
        let began: Option<i64> = self
            .conn
            .prepare_cached("SELECT began_at FROM bulk_load WHERE id = 1")?
            .query_row([], |r| r.get(0))
            .optional()?;
        Ok(began.map(Timestamp::from_millis))
    }

    /// Whether the bulk load under way began more than [`BULK_LOAD_LONGEST_MS`] before `now`.
    pub fn bulk_load_overdue(&self, now: Timestamp) -> Result<bool> {
        Ok(self
            .bulk_load_began_at()?
            .is_some_and(|began| now.millis() - began.millis() > BULK_LOAD_LONGEST_MS))
    }

    /// The readings the store holds now (kept by trigger: no count of millions of rows).
    pub fn current_readings(&self) -> Result<i64> {
        current_readings(&self.conn)
    }

    /// Begins a bulk load of readings from `backend`: drops the index, in one transaction with
    /// the row that says so. Returns false when one was already under way. Not while pulls are
    /// held: that transaction is committed first.
    pub fn begin_bulk_load(&mut self, backend: &str, now: Timestamp) -> Result<bool> {
        if self.pulls_held() {
            return Err(StoreError::Corrupt(
                "a bulk load may not begin inside held pulls".into(),
            ));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let began = tx.execute(
            "INSERT INTO bulk_load (id, backend, began_at) VALUES (1, ?1, ?2)
             ON CONFLICT DO NOTHING",
            (backend, now.millis()),
        )? == 1;
        if began {
            tx.execute_batch(&format!("DROP INDEX IF EXISTS {BULK_LOAD_INDEX}"))?;
            append_tx(
                &tx,
                &Actor::system(),
                "sync.bulk_load.begin",
                None,
                None,
                now,
            )?;
        }
        tx.commit()?;
        if began {
            tracing::info!("bulk load began: the readings' per-citizen index is dropped");
        }
        Ok(began)
    }

    /// Ends the bulk load under way if it began more than [`BULK_LOAD_LONGEST_MS`] before
    /// `now` (the wall clock): whatever became of its pull, the rules wait no longer. Called by
    /// the sync at each run's end and by the rules' clock, never on a nurse's action (making
    /// the index takes a while).
    pub fn end_overdue_bulk_load(&mut self, now: Timestamp) -> Result<Option<BulkLoadEnded>> {
        if !self.bulk_load_overdue(now)? {
            return Ok(None);
        }
        tracing::warn!("a bulk load lasted over an hour: it ends now");
        self.end_bulk_load(now)
    }

    /// Ends a bulk load: makes the index again from schema.sql, looks up the latest readings
    /// marked stale, and removes the row, in one transaction. `None` when none was under way.
    /// The citizens stay due: whoever ends it evaluates them.
    pub fn end_bulk_load(&mut self, now: Timestamp) -> Result<Option<BulkLoadEnded>> {
        if self.pulls_held() {
            return Err(StoreError::Corrupt(
                "a bulk load may not end inside held pulls".into(),
            ));
        }
        // Most runs end with none under way: a read, not a wait for the write lock.
        if !self.bulk_loading()? {
            return Ok(None);
        }
        let create_index = schema_statement(BULK_LOAD_INDEX)?;
        let started = Instant::now();
        let started_at = Timestamp::now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let began_at: Option<i64> = tx
            .query_row("SELECT began_at FROM bulk_load WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(began_at) = began_at else {
            return Ok(None);
        };
        // The index first: the lookups below are by it.
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?1)",
            [BULK_LOAD_INDEX],
            |r| r.get(0),
        )?;
        if !exists {
            tx.execute_batch(create_index)?;
        }
        tx.execute_batch(
            "DELETE FROM latest_readings
                 WHERE (citizen_id, parameter) IN
                     (SELECT citizen_id, parameter FROM latest_readings_stale);
             INSERT INTO latest_readings (citizen_id, parameter, reading_id, value, effective_at)
                 SELECT r.citizen_id, r.parameter, r.id, r.value, r.effective_at
                 FROM latest_readings_stale AS s
                 JOIN readings AS r ON r.id = (
                     SELECT id FROM readings
                     WHERE citizen_id = s.citizen_id AND parameter = s.parameter
                       AND is_current = 1 AND status <> 'entered_in_error'
                     ORDER BY effective_at DESC, id DESC LIMIT 1);",
        )?;
        let stale_latest = tx.execute("DELETE FROM latest_readings_stale", [])?;
        tx.execute("DELETE FROM bulk_load", [])?;
        // The index takes a minute or two at a region, with no page to beat on: a run alive
        // when it began is beaten as the load's end shows, or it would show as dead then and
        // a reader take the run for ended before its follow-up (a second read of every row).
        tx.execute(
            "UPDATE sync_runs SET heartbeat_at = ?1
             WHERE finished_at IS NULL AND coalesce(heartbeat_at, started_at) >= ?2",
            (
                Timestamp::now().millis(),
                started_at.millis() - crate::status::HEARTBEAT_STALE_MS,
            ),
        )?;
        let readings = current_readings(&tx)?;
        let ended = BulkLoadEnded {
            began_at,
            readings,
            stale_latest,
            index_seconds: started.elapsed().as_secs_f64(),
        };
        append_tx(
            &tx,
            &Actor::system(),
            "sync.bulk_load.end",
            None,
            Some(&serde_json::json!({
                "readings": ended.readings,
                "stale_latest": ended.stale_latest,
            })),
            now,
        )?;
        tx.commit()?;
        // The index's sort freed up to 1.6 GiB (a year of a region; 2.2 at 30 million readings)
        // that glibc keeps until trimmed: given back now, not after the run's follow-up has
        // evaluated everyone (the app held it 5 s after the window saw the load end).
        crate::trim_c_heap();
        tracing::info!(
            readings = ended.readings,
            stale_latest = ended.stale_latest,
            seconds = ended.index_seconds,
            "bulk load ended: the readings' per-citizen index is made again"
        );
        Ok(Some(ended))
    }
}
