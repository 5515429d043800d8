//! The record of sync runs: when each began and ended, how it went, and a running sync's
//! progress and heartbeat, which the status shows.

use crate::{Actor, Result, Store, audit};
use vagt_core::Timestamp;

impl Store {
    pub fn begin_sync_run(&mut self, backend: &str) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO sync_runs (backend, started_at) VALUES (?1, ?2)",
            (backend, Timestamp::now().millis()),
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn finish_sync_run(&mut self, run: i64, end: &SyncRunEnd<'_>) -> Result<()> {
        let tx = self.conn.transaction()?;
        let (code, message) = end.error.unzip();
        tx.execute(
            "UPDATE sync_runs SET finished_at = ?2, outcome = ?3, pulled = ?4, pushed = ?5,
                    rejected = ?6, error = ?7, error_code = ?8, behind = ?9
             WHERE id = ?1",
            (
                run,
                Timestamp::now().millis(),
                end.outcome,
                end.pulled as i64,
                end.pushed as i64,
                end.rejected as i64,
                message,
                code,
                end.behind.map(|b| i64::try_from(b).unwrap_or(i64::MAX)),
            ),
        )?;
        let detail = serde_json::json!({
            "outcome": end.outcome, "pulled": end.pulled, "pushed": end.pushed, "error_code": code,
        });
        audit::append_tx(
            &tx,
            &Actor::system(),
            "sync.run",
            None,
            Some(&detail),
            Timestamp::now(),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A running sync's progress and heartbeat, once per page, so that any process reading the
    /// store (the app's status bar, `vagtctl status`) can show it.
    pub fn record_sync_progress(&mut self, run: i64, progress: &SyncProgress) -> Result<()> {
        self.conn.execute(
            "UPDATE sync_runs SET progress_type = ?2, progress_done = ?3, progress_total = ?4,
                    progress_rate = ?5, heartbeat_at = ?6
             WHERE id = ?1",
            (
                run,
                &progress.resource_type,
                i64::try_from(progress.done).unwrap_or(i64::MAX),
                progress.total.map(|t| i64::try_from(t).unwrap_or(i64::MAX)),
                progress.per_second,
                Timestamp::now().millis(),
            ),
        )?;
        Ok(())
    }
}

/// How a sync run ended.
#[derive(Debug, Clone, Copy)]
pub struct SyncRunEnd<'a> {
    /// `ok`, `partial` or `failed`.
    pub outcome: &'a str,
    pub pulled: usize,
    pub pushed: usize,
    pub rejected: usize,
    /// The error's stable code (for the UI to translate) and its message.
    pub error: Option<(&'a str, &'a str)>,
    /// Observations the server still had for this store when the run ended, when known.
    pub behind: Option<u64>,
}

/// Where a running sync has come, as the status shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct SyncProgress {
    pub resource_type: String,
    pub done: u64,
    /// From the server's count, when it gives one.
    pub total: Option<u64>,
    pub per_second: f64,
}
