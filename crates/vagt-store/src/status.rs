//! Counts and the last sync, for the status bar, `vagtctl status` and monitoring.

use crate::{Result, Store, SyncProgress};
use rusqlite::OptionalExtension;
use serde::Serialize;
use vagt_core::Timestamp;

/// Field names are a stable JSON contract (UI, `vagtctl status --json`, monitoring scripts).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
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
    /// The stable code of that error (`offline`, `unauthorized`, ...), for the UI's catalogue.
    pub sync_error_code: Option<String>,
    pub sync_state: SyncState,
    /// A running sync's progress (with `sync_state` `syncing`).
    pub sync_progress: Option<SyncProgress>,
    /// Readings the backend holds that this store has not got yet, as of the newest run that
    /// could tell; `null` when unknown (never synced, or offline before it could count).
    pub readings_behind: Option<i64>,
    /// A first sync's bulk load is under way (`bulk_load` in schema.sql): the rules wait until
    /// every reading is in, so no alarm is raised meanwhile.
    pub bulk_load: bool,
    /// Alarms waiting for a nurse, and how many of them are high priority.
    pub open_alarms: i64,
    pub open_high_alarms: i64,
    /// Every alarm ever raised here: with `open_alarms`, tells a poller that alarms changed.
    pub alarms_total: i64,
    pub schema_version: i64,
    pub db_path: String,
}

/// The sync as a nurse sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// No sync has run against this store.
    Never,
    /// A sync is running now (its heartbeat is fresh).
    Syncing,
    /// The newest sync succeeded.
    Online,
    /// The newest sync could not reach the backend; Vagt works on from its own data.
    Offline,
    /// The backend was reached but the sync failed (credentials, refusals, bad data).
    Failing,
}

/// A running sync beats once per page; one silent for this long died without finishing.
pub(crate) const HEARTBEAT_STALE_MS: i64 = 120_000;

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
        type FinishedRun = (Option<String>, Option<String>, Option<String>, Option<i64>);
        let newest_run: Option<FinishedRun> = self
            .conn
            .query_row(
                "SELECT outcome, error, error_code, behind FROM sync_runs
                 WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let (sync_error, sync_error_code, finished_behind, finished_state) = match newest_run {
            None => (None, None, None, SyncState::Never),
            Some((Some(outcome), _, _, behind)) if outcome == "ok" => {
                (None, None, behind, SyncState::Online)
            }
            Some((_, error, code, behind)) => {
                let state = if code.as_deref() == Some("offline") {
                    SyncState::Offline
                } else {
                    SyncState::Failing
                };
                (error, code, behind, state)
            }
        };
        let running = self.running_sync(Timestamp::now())?;
        let sync_state = if running.is_some() {
            SyncState::Syncing
        } else {
            finished_state
        };
        let readings_behind = match &running {
            Some(p) if p.resource_type == "Observation" => p
                .total
                .map(|t| i64::try_from(t.saturating_sub(p.done)).unwrap_or(i64::MAX)),
            _ => finished_behind,
        };
        Ok(StoreStatus {
            citizens: count("SELECT count(*) FROM citizens")?,
            readings: self.current_readings()?,
            rejected: count("SELECT count(*) FROM rejected_input WHERE status = 'open'")?,
            outbox: count("SELECT count(*) FROM outbox WHERE sent_at IS NULL")?,
            last_sync: last_sync.map(Timestamp::from_millis),
            sync_error,
            sync_error_code,
            sync_state,
            sync_progress: running,
            readings_behind,
            bulk_load: self.bulk_loading()?,
            open_alarms: count("SELECT count(*) FROM alarms WHERE state = 'open'")?,
            open_high_alarms: count(
                "SELECT count(*) FROM alarms WHERE state = 'open' AND priority = 'high'",
            )?,
            // Alarms are never deleted: the newest row's number is how many were raised.
            alarms_total: count("SELECT coalesce(max(rowid), 0) FROM alarms")?,
            schema_version: self.schema_version()?,
            db_path: self.path.display().to_string(),
        })
    }
}

impl Store {
    /// The progress of a sync that is running now: unfinished, with a fresh heartbeat.
    fn running_sync(&self, now: Timestamp) -> Result<Option<SyncProgress>> {
        Ok(self
            .conn
            .query_row(
                "SELECT progress_type, progress_done, progress_total, progress_rate
                 FROM sync_runs
                 WHERE finished_at IS NULL AND coalesce(heartbeat_at, started_at) >= ?1
                 ORDER BY id DESC LIMIT 1",
                [now.millis() - HEARTBEAT_STALE_MS],
                |r| {
                    Ok(SyncProgress {
                        resource_type: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                        done: r
                            .get::<_, Option<i64>>(1)?
                            .unwrap_or(0)
                            .max(0)
                            .unsigned_abs(),
                        total: r.get::<_, Option<i64>>(2)?.map(|t| t.max(0).unsigned_abs()),
                        per_second: r.get::<_, Option<f64>>(3)?.unwrap_or(0.0),
                    })
                },
            )
            .optional()?)
    }
}
