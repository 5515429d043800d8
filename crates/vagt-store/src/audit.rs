//! The audit log: who did or saw what, append-only (triggers refuse UPDATE and DELETE) and
//! hash-chained so that an edit made around Vagt, with a raw SQLite tool and the key, is found
//! by [`Store::verify_audit_chain`]. Entries hold ids and action names, never health data.

use crate::{Actor, Result, Store};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};
use vagt_core::Timestamp;

const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub detail: Option<serde_json::Value>,
}

/// Where the chain first fails to verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

fn entry_hash(
    prev_hash: &str,
    at: i64,
    actor: &str,
    action: &str,
    subject_type: Option<&str>,
    subject_id: Option<&str>,
    detail: Option<&str>,
) -> String {
    let mut hasher = Sha256::new();
    for part in [
        prev_hash,
        &at.to_string(),
        actor,
        action,
        subject_type.unwrap_or("\u{0}"),
        subject_id.unwrap_or("\u{0}"),
        detail.unwrap_or("\u{0}"),
    ] {
        hasher.update(part.len().to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

pub(crate) fn append_tx(
    tx: &Connection,
    actor: &Actor,
    action: &str,
    subject: Option<(&str, &str)>,
    detail: Option<&serde_json::Value>,
    at: Timestamp,
) -> Result<()> {
    let prev_hash: String = tx
        .query_row(
            "SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_else(|| GENESIS_HASH.to_owned());
    let detail_text = detail.map(serde_json::Value::to_string);
    let (subject_type, subject_id) = subject.map_or((None, None), |(t, i)| (Some(t), Some(i)));
    let hash = entry_hash(
        &prev_hash,
        at.millis(),
        &actor.0,
        action,
        subject_type,
        subject_id,
        detail_text.as_deref(),
    );
    tx.prepare_cached(
        "INSERT INTO audit_log (at, actor, action, subject_type, subject_id, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute((at.millis(), &actor.0, action, subject_type, subject_id, detail_text, prev_hash, hash))?;
    Ok(())
}

impl Store {
    /// Appends one entry in its own transaction.
    pub fn audit(
        &mut self,
        actor: &Actor,
        action: &str,
        subject: Option<(&str, &str)>,
        detail: Option<&serde_json::Value>,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        append_tx(&tx, actor, action, subject, detail, Timestamp::now())?;
        tx.commit()?;
        Ok(())
    }

    /// The newest `limit` entries, newest first.
    pub fn audit_entries(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, at, actor, action, subject_type, subject_id, detail
             FROM audit_log ORDER BY seq DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            let detail: Option<String> = r.get(6)?;
            Ok(AuditEntry {
                seq: r.get(0)?,
                at: Timestamp::from_millis(r.get(1)?),
                actor: r.get(2)?,
                action: r.get(3)?,
                subject_type: r.get(4)?,
                subject_id: r.get(5)?,
                detail: detail.and_then(|d| serde_json::from_str(&d).ok()),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Recomputes the chain; `Ok(None)` when every entry verifies.
    pub fn verify_audit_chain(&self) -> Result<Option<ChainBreak>> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, at, actor, action, subject_type, subject_id, detail, prev_hash, hash
             FROM audit_log ORDER BY seq",
        )?;
        let mut rows = stmt.query([])?;
        let mut expected_prev = GENESIS_HASH.to_owned();
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let prev_hash: String = r.get(7)?;
            let hash: String = r.get(8)?;
            if prev_hash != expected_prev {
                return Ok(Some(ChainBreak {
                    seq,
                    reason: "previous entry missing or changed".into(),
                }));
            }
            let detail: Option<String> = r.get(6)?;
            let subject_type: Option<String> = r.get(4)?;
            let subject_id: Option<String> = r.get(5)?;
            let recomputed = entry_hash(
                &prev_hash,
                r.get(1)?,
                &r.get::<_, String>(2)?,
                &r.get::<_, String>(3)?,
                subject_type.as_deref(),
                subject_id.as_deref(),
                detail.as_deref(),
            );
            if recomputed != hash {
                return Ok(Some(ChainBreak {
                    seq,
                    reason: "entry content changed".into(),
                }));
            }
            expected_prev = hash;
        }
        Ok(None)
    }
}
