//! The outbox: records nurses made here, queued for the backend in the transaction that made
//! them, so a change and its way out are kept together or not at all. It holds domain records
//! ([`Outbound`]); the sync turns each into FHIR when it pushes.

use crate::{Result, Store, StoreError};
use rusqlite::Transaction;
use serde::Serialize;
use vagt_core::Timestamp;
use vagt_core::outbound::Outbound;

/// What an outbox row holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum OutboxRecord {
    Record(Outbound),
    /// A FHIR resource queued by a Vagt from before the outbox held domain records; pushed as
    /// it is.
    Fhir(serde_json::Value),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxItem {
    pub seq: i64,
    /// Becomes the resource's identifier on the backend, so a retried push never makes a
    /// second copy.
    pub client_id: String,
    pub record: OutboxRecord,
    pub attempts: i64,
}

/// Queues a record in the caller's transaction. Returns its client id: the record's own key
/// when it has one (so every station reads it back as the same record), else a new UUID.
pub(crate) fn enqueue_outbox_tx(
    tx: &Transaction<'_>,
    record: &Outbound,
    now: Timestamp,
) -> Result<String> {
    let client_id = match record.key() {
        Some(key) => key.to_owned(),
        None => format!("urn:uuid:{}", crate::key::random_uuid()?),
    };
    let payload = serde_json::to_string(record)
        .map_err(|e| StoreError::Corrupt(format!("outbox record: {e}")))?;
    tx.prepare_cached(
        "INSERT INTO outbox (client_id, kind, entity_id, payload, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute((
        &client_id,
        record.kind(),
        record.entity_id(),
        payload,
        now.millis(),
    ))?;
    Ok(client_id)
}

fn decode(payload: &str) -> Result<OutboxRecord> {
    let value: serde_json::Value = serde_json::from_str(payload)
        .map_err(|e| StoreError::Corrupt(format!("outbox payload: {e}")))?;
    if value.get("resourceType").is_some() {
        return Ok(OutboxRecord::Fhir(value));
    }
    serde_json::from_value(value)
        .map(OutboxRecord::Record)
        .map_err(|e| StoreError::Corrupt(format!("outbox record: {e}")))
}

impl Store {
    /// Queues one record in its own transaction.
    pub fn enqueue_outbox(&mut self, record: &Outbound) -> Result<String> {
        let tx = self.conn.transaction()?;
        let client_id = enqueue_outbox_tx(&tx, record, Timestamp::now())?;
        tx.commit()?;
        Ok(client_id)
    }

    /// The sequence number of the newest record ever queued (by the key's index): a sync loop
    /// that sees it grow pushes at once rather than at its next run.
    pub fn outbox_newest(&self) -> Result<Option<i64>> {
        let mut stmt = self.conn.prepare_cached("SELECT max(seq) FROM outbox")?;
        Ok(stmt.query_row([], |r| r.get::<_, Option<i64>>(0))?)
    }

    /// The oldest records not yet accepted by the backend.
    pub fn pending_outbox(&self, limit: usize) -> Result<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, client_id, payload, attempts FROM outbox
             WHERE sent_at IS NULL ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        let mut items = Vec::new();
        for row in rows {
            let (seq, client_id, payload, attempts) = row?;
            items.push(OutboxItem {
                seq,
                client_id,
                record: decode(&payload)?,
                attempts,
            });
        }
        Ok(items)
    }

    pub fn mark_outbox_sent(&mut self, seq: i64, server_ref: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET sent_at = ?2, server_ref = ?3, attempts = attempts + 1,
                    last_attempt_at = ?2, last_error = NULL
             WHERE seq = ?1",
            (seq, Timestamp::now().millis(), server_ref),
        )?;
        Ok(())
    }

    pub fn mark_outbox_failed(&mut self, seq: i64, error: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ?2, last_error = ?3
             WHERE seq = ?1",
            (seq, Timestamp::now().millis(), error),
        )?;
        Ok(())
    }
}
