//! The call log: calls recorded here (with what they set off: the confirmed level, the alarm
//! answered) and calls read back from the backend, made at any station; and the drafts of
//! forms being filled in. Calls are append-only: the same key is the same call, wherever it
//! was recorded.

use crate::alarm_rows::resolve_alarm_id_tx;
use crate::alarms::acknowledge_here_tx;
use crate::levels::confirm_level_tx;
use crate::outbox::enqueue_outbox_tx;
use crate::readings::ingest_tx;
use crate::users::ensure_user_tx;
use crate::{Actor, Result, Store, StoreError, audit};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use vagt_core::call::CallRecord;
use vagt_core::outbound::Outbound;
use vagt_core::{CitizenId, Timestamp};

/// What recording a call did besides keeping it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct CallSaved {
    pub key: String,
    /// The decision key of the confirmed level the nurse's assessment set, if she gave one.
    pub level_decision: Option<String>,
    /// The alarm the call answered, now acknowledged (or already acknowledged by someone).
    pub answered_alarm: Option<String>,
}

/// What a pulled call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallApplied {
    New,
    Known,
}

fn insert_call_tx(
    tx: &Connection,
    call: &CallRecord,
    source_id: Option<&str>,
    received_at: Timestamp,
) -> Result<bool> {
    let record =
        serde_json::to_string(call).map_err(|e| StoreError::Corrupt(format!("call: {e}")))?;
    let inserted = tx
        .prepare_cached(
            "INSERT INTO calls
                 (key, citizen_id, direction, nurse, started_at, ended_at, record, source_id,
                  received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (key) DO NOTHING",
        )?
        .execute((
            &call.key,
            call.citizen_id.as_ref().map(CitizenId::as_str),
            match call.direction {
                vagt_core::call::CallDirection::Inbound => "inbound",
                vagt_core::call::CallDirection::Outbound => "outbound",
            },
            &call.nurse,
            call.started_at.millis(),
            call.ended_at.millis(),
            record,
            source_id,
            received_at.millis(),
        ))?;
    Ok(inserted == 1)
}

/// Keeps a call made at another station (or this one, read back). One that does not hold
/// together is an error for the caller to keep as a rejected input; a citizen the store does
/// not know is unknown (the caller keeps it for a human too).
pub(crate) fn apply_remote_call_tx(
    tx: &Connection,
    call: &CallRecord,
    source_id: &str,
    received_at: Timestamp,
) -> Result<CallApplied> {
    let problems = call.problems(received_at);
    if !problems.is_empty() {
        return Err(StoreError::InvalidCall(problems));
    }
    if let Some(citizen) = &call.citizen_id {
        crate::citizen_rows::require_citizen(tx, citizen.as_str())?;
    }
    if insert_call_tx(tx, call, Some(source_id), received_at)? {
        ingest_tx(tx, "call", call.measurements(), received_at)?;
        if call.citizen_id.is_none() {
            // A link made at another station may have come first.
            crate::persons::follow_links_tx(tx, &call.key)?;
        }
        audit::append_tx(
            tx,
            &Actor::system(),
            "call.received",
            call.citizen_id.as_ref().map(|c| ("citizen", c.as_str())),
            Some(&serde_json::json!({ "call": call.key })),
            received_at,
        )?;
        Ok(CallApplied::New)
    } else {
        tx.prepare_cached("UPDATE calls SET source_id = ?2 WHERE key = ?1 AND source_id IS NULL")?
            .execute((&call.key, source_id))?;
        Ok(CallApplied::Known)
    }
}

/// The call-backs promised to the citizen and not yet made: calls with a follow-up time after
/// which no call to or from the citizen started that was answered or promised a new call-back,
/// for the alarm rules.
pub(crate) fn pending_follow_ups(
    conn: &rusqlite::Connection,
    citizen: &str,
) -> Result<Vec<vagt_core::alarm::FollowUp>> {
    let rows: Vec<String> = conn
        .prepare_cached(
            "SELECT c.record FROM calls c
             WHERE c.citizen_id = ?1
               AND json_extract(c.record, '$.follow_up_at') IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM calls later
                               WHERE later.citizen_id = c.citizen_id
                                 AND later.started_at >= c.ended_at AND later.key <> c.key
                                 -- An unanswered try ends it only by promising a new call-back.
                                 AND (json_extract(later.record, '$.no_answer') IS NOT 1
                                      OR json_extract(later.record, '$.follow_up_at') IS NOT NULL))
             ORDER BY c.started_at, c.key",
        )?
        .query_map([citizen], |r| r.get(0))?
        .collect::<std::result::Result<_, _>>()?;
    Ok(calls_of(conn, rows)?
        .into_iter()
        .filter_map(|call| {
            Some(vagt_core::alarm::FollowUp {
                due_at: call.follow_up_at?,
                call_key: call.key,
                nurse: call.nurse,
            })
        })
        .collect())
}

/// The calls as read: an unknown caller's with the link it follows, if any.
pub(crate) fn calls_of(conn: &rusqlite::Connection, rows: Vec<String>) -> Result<Vec<CallRecord>> {
    rows.iter()
        .map(|text| {
            let call = serde_json::from_str(text)
                .map_err(|e| StoreError::Corrupt(format!("call: {e}")))?;
            crate::persons::with_link(conn, call)
        })
        .collect()
}

impl Store {
    /// Records a call a nurse logged here, in one transaction with what it sets off: her ECM
    /// assessment becomes her confirmed level, and the alarm it answers is acknowledged; all
    /// of it queued for the backend and audited. A call with problems is refused whole, every
    /// problem named.
    pub fn record_call(
        &mut self,
        actor: &Actor,
        call: &CallRecord,
        draft: Option<&str>,
        now: Timestamp,
    ) -> Result<CallSaved> {
        let problems = call.problems(now);
        if !problems.is_empty() {
            return Err(StoreError::InvalidCall(problems));
        }
        if let Some(citizen) = &call.citizen_id {
            crate::citizen_rows::require_citizen(&self.conn, citizen.as_str())?;
        }
        let tx = self.conn.transaction()?;
        ensure_user_tx(&tx, actor, now)?;
        if !insert_call_tx(&tx, call, None, now)? {
            // The same call saved twice (a double key press, a retry): once is enough.
            tx.commit()?;
            return Ok(CallSaved {
                key: call.key.clone(),
                level_decision: None,
                answered_alarm: None,
            });
        }
        enqueue_outbox_tx(&tx, &Outbound::Call(Box::new(call.clone())), now)?;
        // Readings read out on the phone are the citizen's readings, the call their source.
        ingest_tx(&tx, "call", call.measurements(), now)?;
        let level_decision = match (&call.citizen_id, call.assessed_level) {
            (Some(citizen), Some(level)) => Some(confirm_level_tx(
                &tx,
                citizen,
                level,
                actor,
                &format!("Telefon: {}", call.reason.trim()),
                now,
            )?),
            _ => None,
        };
        let answered_alarm = match &call.answers_alarm {
            Some(given) => {
                let alarm_id = resolve_alarm_id_tx(&tx, given)?;
                acknowledge_here_tx(&tx, &alarm_id, actor, Some(call.reason.trim()), now)?;
                Some(alarm_id)
            }
            None => None,
        };
        if let Some(draft) = draft {
            tx.prepare_cached("DELETE FROM form_drafts WHERE id = ?1")?
                .execute([draft])?;
        }
        audit::append_tx(
            &tx,
            actor,
            "call.record",
            call.citizen_id.as_ref().map(|c| ("citizen", c.as_str())),
            Some(&serde_json::json!({ "call": call.key })),
            now,
        )?;
        tx.commit()?;
        Ok(CallSaved {
            key: call.key.clone(),
            level_decision,
            answered_alarm,
        })
    }

    /// Calls, newest first: one citizen's, or every call since an instant. Audited.
    pub fn calls(
        &mut self,
        actor: &Actor,
        citizen: Option<&CitizenId>,
        since: Option<Timestamp>,
    ) -> Result<Vec<CallRecord>> {
        let rows: Vec<String> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT record FROM calls
                 WHERE (?1 IS NULL OR citizen_id = ?1) AND started_at >= ?2
                 ORDER BY started_at DESC, key DESC",
            )?;
            stmt.query_map(
                (
                    citizen.map(CitizenId::as_str),
                    since.map_or(i64::MIN, Timestamp::millis),
                ),
                |r| r.get(0),
            )?
            .collect::<std::result::Result<_, _>>()?
        };
        self.audit(
            actor,
            "calls.read",
            citizen.map(|c| ("citizen", c.as_str())),
            None,
        )?;
        calls_of(&self.conn, rows)
    }

    /// One call by its key (or a unique prefix of it). Audited.
    pub fn call(&mut self, actor: &Actor, key: &str) -> Result<CallRecord> {
        let key = key.trim();
        let rows: Vec<String> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT record FROM calls WHERE key = ?1 OR key LIKE ?2 ESCAPE '\\' LIMIT 2",
            )?;
            let pattern = format!(
                "{}%",
                key.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            stmt.query_map((key, pattern), |r| r.get(0))?
                .collect::<std::result::Result<_, _>>()?
        };
        let call = match rows.as_slice() {
            [one] => calls_of(&self.conn, vec![one.clone()])?.remove(0),
            _ if key.is_empty() => return Err(StoreError::UnknownCall(key.to_owned())),
            [] => return Err(StoreError::UnknownCall(key.to_owned())),
            _ => {
                // A prefix of two keys: only an exact key will do.
                let exact: Option<String> = self
                    .conn
                    .prepare_cached("SELECT record FROM calls WHERE key = ?1")?
                    .query_row([key], |r| r.get(0))
                    .optional()?;
                match exact {
                    Some(text) => calls_of(&self.conn, vec![text])?.remove(0),
                    None => return Err(StoreError::UnknownCall(key.to_owned())),
                }
            }
        };
        self.audit(actor, "call.read", Some(("call", call.key.as_str())), None)?;
        Ok(call)
    }

    /// Keeps a form as it is being typed (a call on the phone): a crash loses nothing.
    pub fn save_draft(
        &mut self,
        actor: &Actor,
        id: &str,
        kind: &str,
        citizen: Option<&CitizenId>,
        form: &serde_json::Value,
        now: Timestamp,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO form_drafts (id, nurse, kind, citizen_id, form, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET form = excluded.form,
                     citizen_id = excluded.citizen_id, updated_at = excluded.updated_at",
            )?
            .execute((
                id,
                &actor.0,
                kind,
                citizen.map(CitizenId::as_str),
                form.to_string(),
                now.millis(),
            ))?;
        Ok(())
    }

    /// The nurse's drafts, newest first: `(id, kind, citizen, form, updated_at)`.
    pub fn drafts(&self, actor: &Actor) -> Result<Vec<FormDraft>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kind, citizen_id, form, updated_at FROM form_drafts
             WHERE nurse = ?1 ORDER BY updated_at DESC, id",
        )?;
        let rows = stmt.query_map([&actor.0], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        rows.map(|row| {
            let (id, kind, citizen, form, updated_at) = row?;
            Ok(FormDraft {
                id,
                kind,
                citizen_id: citizen.and_then(|c| CitizenId::new(c).ok()),
                form: serde_json::from_str(&form)
                    .map_err(|e| StoreError::Corrupt(format!("draft: {e}")))?,
                updated_at: Timestamp::from_millis(updated_at),
            })
        })
        .collect()
    }

    /// Throws a draft away (the nurse chose to, or the record was saved another way).
    pub fn discard_draft(&mut self, actor: &Actor, id: &str) -> Result<bool> {
        let removed = self
            .conn
            .prepare_cached("DELETE FROM form_drafts WHERE id = ?1 AND nurse = ?2")?
            .execute((id, &actor.0))?;
        Ok(removed == 1)
    }
}

/// A form kept while it is filled in.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct FormDraft {
    pub id: String,
    pub kind: String,
    pub citizen_id: Option<CitizenId>,
    #[ts(type = "unknown")]
    pub form: serde_json::Value,
    pub updated_at: Timestamp,
}
