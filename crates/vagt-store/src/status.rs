//! Counts and the last sync, for the status bar, `vagtctl status` and monitoring.

use crate::{Result, Store};
use rusqlite::OptionalExtension;
use serde::Serialize;
use vagt_core::Timestamp;

/// Field names are a stable JSON contract (UI, `vagtctl status --json`, monitoring scripts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreStatus {
    pub citizens: i64,
    /// Current readings (superseded versions not counted).
    pub readings: i64,
    /// Rejected inputs still waiting for a human.
    pub rejected: i64,
    /// Local changes not yet accepted by the backend.
    pub outbox: i64,
    /// When the last successful sync finished, if ever.
    pub last_sync: Option<Timestamp>,
    /// Why the newest sync run failed, when it did (words for a nurse); `null` after a success.
    pub sync_error: Option<String>,
    pub schema_version: i64,
    pub db_path: String,
}

impl Store {
    pub fn status(&self) -> Result<StoreStatus> {
        let count = |sql: &str| -> Result<i64> { Ok(self.conn.query_row(sql, [], |r| r.get(0))?) };
        let last_sync: Option<i64> = self
            .conn
            .query_row(
                "SELECT max(finished_at) FROM sync_runs WHERE outcome = 'ok'",
                [],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let newest_run: Option<(Option<String>, Option<String>)> = self
            .conn
            .query_row(
                "SELECT outcome, error FROM sync_runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let sync_error = match newest_run {
            Some((Some(outcome), error)) if outcome != "ok" => error,
            _ => None,
        };
        Ok(StoreStatus {
            citizens: count("SELECT count(*) FROM citizens")?,
            readings: count("SELECT count(*) FROM readings WHERE is_current = 1")?,
            rejected: count("SELECT count(*) FROM rejected_input WHERE status = 'open'")?,
            outbox: count("SELECT count(*) FROM outbox WHERE sent_at IS NULL")?,
            last_sync: last_sync.map(Timestamp::from_millis),
            sync_error,
            schema_version: self.schema_version()?,
            db_path: self.path.display().to_string(),
        })
    }
}
