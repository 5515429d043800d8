//! The store's side of the sync: each pulled page is applied in one transaction together with
//! the checkpoint that covers it, so a crash at any point loses nothing and a re-run duplicates
//! nothing. Also the outbox of local changes and the record of sync runs.

use crate::care_events::{CareEventsApplied, apply_care_event_update_tx};
use crate::readings::{Rejection, ingest_tx, record_rejection_tx};
use crate::{Actor, IngestReport, Result, Store, audit, citizens};
use rusqlite::{OptionalExtension, Transaction};
use serde::Serialize;
use vagt_core::{CareEventUpdate, Citizen, CitizenId, Diagnosis, IncomingMeasurement, Timestamp};

/// A citizen as a backend resource describes them.
#[derive(Debug, Clone, PartialEq)]
pub struct SourcedCitizen {
    /// E.g. `https://backend/fhir|Patient/123`.
    pub source_id: String,
    pub source_version: String,
    pub citizen: Citizen,
}

/// Everything one pulled page holds, already mapped to the domain.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PullBatch {
    pub citizens: Vec<SourcedCitizen>,
    pub diagnoses: Vec<(CitizenId, Diagnosis)>,
    pub measurements: Vec<IncomingMeasurement>,
    /// Source ids of measurements the backend withdrew (`entered-in-error`). A source id also
    /// covers the readings split from it (`id#component`).
    pub retractions: Vec<String>,
    pub rejections: Vec<Rejection>,
    /// Alarm acknowledgements made at other stations.
    pub acknowledgements: Vec<vagt_core::alarm::AlarmAcknowledgement>,
    /// Care events, one update per encounter version (MAS visits, admissions, discharges).
    pub care_events: Vec<CareEventUpdate>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PullReport {
    pub citizens: usize,
    pub accepted: usize,
    pub duplicates: usize,
    pub retracted: usize,
    pub rejected: usize,
    /// Encounter versions that changed a citizen's care events (new events, or older ones
    /// superseded or retracted); a replayed or older version counts none.
    pub care_events: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxItem {
    pub seq: i64,
    pub client_id: String,
    pub kind: String,
    pub entity_id: String,
    pub payload: serde_json::Value,
    pub attempts: i64,
}

/// A Patient carries no diagnoses (those are Conditions), so only the row is updated.
fn upsert_sourced_citizen_tx(
    tx: &Transaction<'_>,
    sourced: &SourcedCitizen,
    now: Timestamp,
) -> Result<()> {
    citizens::upsert_citizen_row_tx(tx, &sourced.citizen, now)?;
    tx.prepare_cached("UPDATE citizens SET source_id = ?2, source_version = ?3 WHERE id = ?1")?
        .execute((
            sourced.citizen.id.as_str(),
            &sourced.source_id,
            &sourced.source_version,
        ))?;
    Ok(())
}

impl Store {
    /// Where the last pull of `resource_type` from `backend` stopped.
    pub fn sync_checkpoint(&self, backend: &str, resource_type: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT last_updated FROM sync_checkpoints WHERE backend = ?1 AND resource_type = ?2",
                (backend, resource_type),
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The citizen a backend resource (e.g. `base|Patient/123`) was stored as.
    pub fn citizen_for_source(&self, source_id: &str) -> Result<Option<CitizenId>> {
        let id: Option<String> = self
            .conn
            .prepare_cached("SELECT id FROM citizens WHERE source_id = ?1")?
            .query_row([source_id], |r| r.get(0))
            .optional()?;
        Ok(id.and_then(|id| CitizenId::new(id).ok()))
    }

    /// Applies one pulled page and moves the checkpoint, atomically.
    pub fn apply_pull(
        &mut self,
        backend: &str,
        resource_type: &str,
        batch: PullBatch,
        checkpoint: Option<&str>,
        received_at: Timestamp,
    ) -> Result<PullReport> {
        let tx = self.conn.transaction()?;
        let mut report = PullReport {
            citizens: batch.citizens.len(),
            ..PullReport::default()
        };
        for sourced in &batch.citizens {
            upsert_sourced_citizen_tx(&tx, sourced, received_at)?;
        }
        for (citizen, diagnosis) in &batch.diagnoses {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO citizen_diagnoses (citizen_id, diagnosis) VALUES (?1, ?2)",
            )?
            .execute((citizen.as_str(), diagnosis.code()))?;
        }
        let IngestReport {
            accepted,
            duplicates,
            rejected,
        } = ingest_tx(&tx, backend, batch.measurements, received_at)?;
        report.accepted = accepted;
        report.duplicates = duplicates;
        report.rejected = rejected;
        for source_id in &batch.retractions {
            report.retracted += tx
                .prepare_cached(
                    "UPDATE readings SET status = 'entered_in_error'
                     WHERE status <> 'entered_in_error'
                       AND (source_id = ?1 OR substr(source_id, 1, length(?1) + 1) = ?1 || '#')",
                )?
                .execute([source_id])?;
        }
        for update in &batch.care_events {
            match apply_care_event_update_tx(&tx, backend, update, received_at)? {
                CareEventsApplied::Changed => report.care_events += 1,
                CareEventsApplied::Unchanged => {}
                CareEventsApplied::Rejected => report.rejected += 1,
            }
        }
        for rejection in &batch.rejections {
            record_rejection_tx(&tx, rejection, received_at)?;
            report.rejected += 1;
        }
        for ack in &batch.acknowledgements {
            crate::triage::apply_remote_acknowledgement_tx(&tx, ack, received_at)?;
        }
        if let Some(checkpoint) = checkpoint {
            tx.prepare_cached(
                "INSERT INTO sync_checkpoints (backend, resource_type, last_updated, updated_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (backend, resource_type) DO UPDATE
                 SET last_updated = excluded.last_updated, updated_at = excluded.updated_at",
            )?
            .execute((backend, resource_type, checkpoint, received_at.millis()))?;
        }
        tx.commit()?;
        Ok(report)
    }

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

    /// Queues a local change for the backend. `client_id` becomes the resource's identifier
    /// there, so a retried push never makes a second copy.
    pub fn enqueue_outbox(
        &mut self,
        kind: &str,
        entity_id: &str,
        payload: &serde_json::Value,
    ) -> Result<String> {
        let tx = self.conn.transaction()?;
        let client_id = enqueue_outbox_tx(&tx, kind, entity_id, payload, Timestamp::now())?;
        tx.commit()?;
        Ok(client_id)
    }

    pub fn pending_outbox(&self, limit: usize) -> Result<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, client_id, kind, entity_id, payload, attempts FROM outbox
             WHERE sent_at IS NULL ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            let payload: String = r.get(4)?;
            Ok(OutboxItem {
                seq: r.get(0)?,
                client_id: r.get(1)?,
                kind: r.get(2)?,
                entity_id: r.get(3)?,
                payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
                attempts: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn mark_outbox_sent(&mut self, seq: i64, server_ref: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET sent_at = ?2, server_ref = ?3, attempts = attempts + 1, last_attempt_at = ?2, last_error = NULL
             WHERE seq = ?1",
            (seq, Timestamp::now().millis(), server_ref),
        )?;
        Ok(())
    }

    pub fn mark_outbox_failed(&mut self, seq: i64, error: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ?2, last_error = ?3 WHERE seq = ?1",
            (seq, Timestamp::now().millis(), error),
        )?;
        Ok(())
    }

    /// A non-secret setting (e.g. the backend URL), kept in `store_info`.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM store_info WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&mut self, actor: &Actor, key: &str, value: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO store_info (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )?;
        audit::append_tx(
            &tx,
            actor,
            "setting.set",
            Some(("setting", key)),
            None,
            Timestamp::now(),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The current readings as (source id, version, value): what a sync must make equal to the
    /// server's set.
    pub fn current_reading_keys(&self) -> Result<Vec<(String, String, f64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT source_id, source_version, value FROM readings
             WHERE is_current = 1 AND status <> 'entered_in_error' ORDER BY source_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
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
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SyncProgress {
    pub resource_type: String,
    pub done: u64,
    /// From the server's count, when it gives one.
    pub total: Option<u64>,
    pub per_second: f64,
}

/// Queues a local change in the caller's transaction, so the change and its way to the backend
/// are kept together or not at all.
pub(crate) fn enqueue_outbox_tx(
    tx: &rusqlite::Transaction<'_>,
    kind: &str,
    entity_id: &str,
    payload: &serde_json::Value,
    now: Timestamp,
) -> Result<String> {
    let client_id = format!("urn:uuid:{}", crate::key::random_uuid()?);
    tx.execute(
        "INSERT INTO outbox (client_id, kind, entity_id, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        (&client_id, kind, entity_id, payload.to_string(), now.millis()),
    )?;
    Ok(client_id)
}
