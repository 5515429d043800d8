//! MAS dispatches in the store: the log of each dispatch's steps, from this station and every
//! other (merged by step key, never edited), and a row of what follows from them for the
//! dispatch board. A nurse's edit is one transaction: the step, the row, what it sets off (a
//! completion's admission sets the confirmed level), the outbox item and the audit entry.

use crate::levels::confirm_level_tx;
use crate::outbox::enqueue_outbox_tx;
use crate::users::ensure_user_tx;
use crate::{Actor, Result, Store, StoreError, audit};
use rusqlite::{Connection, OptionalExtension, Transaction};
use serde::Serialize;
use vagt_core::alarm::DispatchInConflict;
use vagt_core::dispatch::{
    Dispatch, DispatchChange, DispatchRecord, DispatchStep, DispatchUrgency,
};
use vagt_core::outbound::Outbound;
use vagt_core::{CitizenId, Timestamp};

/// What a nurse's edit of a dispatch did.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct DispatchSaved {
    pub dispatch: Dispatch,
    /// The new step's key.
    pub step: String,
    /// The decision key of the confirmed level an admission set, if it set one.
    pub level_decision: Option<String>,
}

/// What a dispatch read back from the backend did here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DispatchApplied {
    /// New steps (or a new dispatch).
    Changed,
    Known,
}

/// The dispatch's steps as this store holds them, with its citizen; `None` for an unknown key.
fn record_tx(conn: &Connection, key: &str) -> Result<Option<DispatchRecord>> {
    let citizen: Option<String> = conn
        .prepare_cached("SELECT citizen_id FROM dispatches WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    let Some(citizen) = citizen else {
        return Ok(None);
    };
    let texts: Vec<String> = conn
        .prepare_cached("SELECT step FROM dispatch_steps WHERE dispatch_key = ?1 ORDER BY at, key")?
        .query_map([key], |r| r.get(0))?
        .collect::<std::result::Result<_, _>>()?;
    let steps = texts
        .iter()
        .map(|t| {
            serde_json::from_str::<DispatchStep>(t)
                .map_err(|e| StoreError::Corrupt(format!("dispatch step: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(DispatchRecord {
        key: key.to_owned(),
        citizen_id: CitizenId::new(citizen)
            .map_err(|e| StoreError::Corrupt(format!("dispatch citizen: {e}")))?,
        steps,
    }))
}

/// Adds the record's steps this store does not hold and brings the row up to date. Returns
/// the dispatch as it now stands and whether anything was new.
fn merge_tx(
    tx: &Connection,
    record: &DispatchRecord,
    source_id: Option<&str>,
    now: Timestamp,
) -> Result<(Dispatch, DispatchApplied)> {
    let problems = record.problems(now);
    if !problems.is_empty() {
        return Err(StoreError::InvalidDispatch(problems));
    }
    crate::citizen_rows::require_citizen(tx, record.citizen_id.as_str())?;
    let held = record_tx(tx, &record.key)?;
    if let Some(held) = &held
        && held.citizen_id != record.citizen_id
    {
        return Err(StoreError::InvalidDispatch(vec![
            vagt_core::dispatch::DispatchProblem {
                field: "citizen_id".into(),
                code: vagt_core::dispatch::DispatchProblemCode::Duplicate,
            },
        ]));
    }
    let merged = match &held {
        Some(held) => held.merged(record),
        // Merged with itself: the steps deduplicated by key and put in the canonical order.
        None => record.merged(record),
    };
    let problems = merged.problems(now);
    if !problems.is_empty() {
        // Each side was sound alone, but together they are not (two requests for one key).
        return Err(StoreError::InvalidDispatch(problems));
    }
    let view = merged
        .view()
        .ok_or_else(|| StoreError::Corrupt("a dispatch without its request".into()))?;
    let new_steps = held
        .as_ref()
        .map_or(merged.steps.len(), |h| merged.steps.len() - h.steps.len());
    tx.prepare_cached(
        "INSERT INTO dispatches (key, citizen_id, state, urgency, assigned_to, requested_at,
                                 updated_at, in_conflict, source_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (key) DO UPDATE SET state = excluded.state, urgency = excluded.urgency,
             assigned_to = excluded.assigned_to, updated_at = excluded.updated_at,
             in_conflict = excluded.in_conflict,
             source_id = COALESCE(excluded.source_id, dispatches.source_id)",
    )?
    .execute((
        &view.key,
        view.citizen_id.as_str(),
        view.state.code(),
        view.urgency.code(),
        view.assigned_to.as_deref(),
        view.requested_at.millis(),
        view.updated_at.millis(),
        i64::from(!view.conflicts.is_empty()),
        source_id,
    ))?;
    for step in &record.steps {
        let text = serde_json::to_string(step)
            .map_err(|e| StoreError::Corrupt(format!("dispatch step: {e}")))?;
        tx.prepare_cached(
            "INSERT INTO dispatch_steps (key, dispatch_key, at, step, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (key) DO NOTHING",
        )?
        .execute((&step.key, &record.key, step.at.millis(), text, now.millis()))?;
    }
    let applied = if new_steps > 0 {
        DispatchApplied::Changed
    } else {
        DispatchApplied::Known
    };
    Ok((view, applied))
}

/// A dispatch read back from the backend (made or moved on at any station): its new steps are
/// kept. One that does not hold together, or belongs to a citizen this store does not know, is
/// an error for the caller to keep for a human.
pub(crate) fn apply_remote_dispatch_tx(
    tx: &Connection,
    record: &DispatchRecord,
    source_id: &str,
    received_at: Timestamp,
) -> Result<DispatchApplied> {
    let (_, applied) = merge_tx(tx, record, Some(source_id), received_at)?;
    if applied == DispatchApplied::Changed {
        audit::append_tx(
            tx,
            &Actor::system(),
            "dispatch.received",
            Some(("citizen", record.citizen_id.as_str())),
            Some(&serde_json::json!({ "dispatch": record.key })),
            received_at,
        )?;
    }
    Ok(applied)
}

/// The citizen's dispatches whose edits conflict, for the alarm rules.
pub(crate) fn dispatch_conflicts(
    conn: &Connection,
    citizen: &str,
) -> Result<Vec<DispatchInConflict>> {
    let keys: Vec<String> = conn
        .prepare_cached(
            "SELECT key FROM dispatches WHERE citizen_id = ?1 AND in_conflict = 1 ORDER BY key",
        )?
        .query_map([citizen], |r| r.get(0))?
        .collect::<std::result::Result<_, _>>()?;
    let mut out = Vec::new();
    for key in keys {
        if let Some(conflict) = record_tx(conn, &key)?
            .and_then(|r| r.view())
            .and_then(|v| DispatchInConflict::of(&v))
        {
            out.push(conflict);
        }
    }
    Ok(out)
}

/// Keeps a nurse's new step (the record's last) with what it sets off, queued and audited.
fn save_step_tx(
    tx: &Transaction<'_>,
    actor: &Actor,
    record: DispatchRecord,
    now: Timestamp,
) -> Result<DispatchSaved> {
    let step = record
        .steps
        .last()
        .cloned()
        .ok_or_else(|| StoreError::Corrupt("a dispatch without steps".into()))?;
    let (dispatch, _) = merge_tx(tx, &record, None, now)?;
    let level_decision = match &step.change {
        DispatchChange::State {
            outcome: Some(outcome),
            note,
            ..
        } => match outcome.sets_level() {
            Some(level) => Some(confirm_level_tx(
                tx,
                &record.citizen_id,
                level,
                actor,
                format!("MAS: {} {}", outcome.code(), note.trim()).trim(),
                now,
            )?),
            None => None,
        },
        _ => None,
    };
    let citizen = record.citizen_id.clone();
    enqueue_outbox_tx(tx, &Outbound::Dispatch(Box::new(record)), now)?;
    audit::append_tx(
        tx,
        actor,
        "dispatch.change",
        Some(("citizen", citizen.as_str())),
        Some(&serde_json::json!({ "dispatch": dispatch.key, "step": step.key })),
        now,
    )?;
    Ok(DispatchSaved {
        dispatch,
        step: step.key,
        level_decision,
    })
}

/// A visit recorded for its dispatch completes it, with the visit's outcome, when the dispatch
/// is at a state that may become completed (the nurse has arrived); otherwise the dispatch is
/// left as it is (`None`) for a nurse to move on.
pub(crate) fn complete_for_visit_tx(
    tx: &Transaction<'_>,
    actor: &Actor,
    key: &str,
    outcome: vagt_core::dispatch::VisitOutcome,
    now: Timestamp,
) -> Result<Option<DispatchSaved>> {
    let Some(mut record) = record_tx(tx, key)? else {
        return Ok(None);
    };
    let Some(view) = record.view() else {
        return Ok(None);
    };
    if !view
        .state
        .can_become(vagt_core::dispatch::DispatchState::Completed)
    {
        return Ok(None);
    }
    let change = DispatchChange::State {
        to: vagt_core::dispatch::DispatchState::Completed,
        outcome: Some(outcome),
        note: "besøg registreret".into(),
    };
    let step = view
        .next_step(new_key()?, &actor.0, now, change)
        .map_err(StoreError::InvalidDispatch)?;
    record.steps.push(step);
    save_step_tx(tx, actor, record, now).map(Some)
}

fn new_key() -> Result<String> {
    Ok(format!("urn:uuid:{}", crate::key::random_uuid()?))
}

impl Store {
    /// A nurse asks for a MAS visit: the dispatch's first step, kept and queued.
    pub fn request_dispatch(
        &mut self,
        actor: &Actor,
        citizen: &CitizenId,
        urgency: DispatchUrgency,
        reason: &str,
        assigned_to: Option<&str>,
        now: Timestamp,
    ) -> Result<DispatchSaved> {
        let step = DispatchStep {
            key: new_key()?,
            bases: Vec::new(),
            at: now,
            by: actor.0.clone(),
            change: DispatchChange::Requested {
                urgency,
                reason: reason.trim().to_owned(),
                assigned_to: assigned_to
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned),
            },
        };
        let record = DispatchRecord {
            key: new_key()?,
            citizen_id: citizen.clone(),
            steps: vec![step],
        };
        let problems = record.problems(now);
        if !problems.is_empty() {
            return Err(StoreError::InvalidDispatch(problems));
        }
        crate::citizen_rows::require_citizen(&self.conn, citizen.as_str())?;
        let tx = self.conn.transaction()?;
        ensure_user_tx(&tx, actor, now)?;
        let saved = save_step_tx(&tx, actor, record, now)?;
        tx.commit()?;
        Ok(saved)
    }

    /// A nurse moves a dispatch on (its state, its nurse, its urgency), on every step this
    /// station holds. A completion that admits the citizen sets the confirmed level (ECM5 or
    /// ECM6) in the same transaction, which raises its alarm.
    pub fn change_dispatch(
        &mut self,
        actor: &Actor,
        key: &str,
        change: DispatchChange,
        now: Timestamp,
    ) -> Result<DispatchSaved> {
        let key = self.resolve_dispatch_key(key)?;
        let tx = self.conn.transaction()?;
        let mut record =
            record_tx(&tx, &key)?.ok_or_else(|| StoreError::UnknownDispatch(key.clone()))?;
        let view = record
            .view()
            .ok_or_else(|| StoreError::Corrupt("a dispatch without its request".into()))?;
        let step = view
            .next_step(new_key()?, &actor.0, now, change)
            .map_err(StoreError::InvalidDispatch)?;
        ensure_user_tx(&tx, actor, now)?;
        // The new step last: the outbox item is keyed by it.
        record.steps.push(step);
        let saved = save_step_tx(&tx, actor, record, now)?;
        tx.commit()?;
        Ok(saved)
    }

    /// The dispatch whose key is `given` or starts with it (at least 8 characters of it).
    fn resolve_dispatch_key(&self, given: &str) -> Result<String> {
        let given = given.trim();
        let exact: Option<String> = self
            .conn
            .prepare_cached("SELECT key FROM dispatches WHERE key = ?1")?
            .query_row([given], |r| r.get(0))
            .optional()?;
        if let Some(key) = exact {
            return Ok(key);
        }
        if given.chars().count() < 8 {
            return Err(StoreError::UnknownDispatch(given.to_owned()));
        }
        let pattern = format!(
            "{}%",
            given
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let found: Vec<String> = self
            .conn
            .prepare_cached("SELECT key FROM dispatches WHERE key LIKE ?1 ESCAPE '\\' LIMIT 2")?
            .query_map([pattern], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        match found.as_slice() {
            [one] => Ok(one.clone()),
            _ => Err(StoreError::UnknownDispatch(given.to_owned())),
        }
    }

    /// One dispatch as it stands (key or a prefix of it). Audited.
    pub fn dispatch(&mut self, actor: &Actor, key: &str) -> Result<Dispatch> {
        let key = self.resolve_dispatch_key(key)?;
        let dispatch = record_tx(&self.conn, &key)?
            .and_then(|r| r.view())
            .ok_or_else(|| StoreError::UnknownDispatch(key.clone()))?;
        self.audit(
            actor,
            "dispatch.read",
            Some(("citizen", dispatch.citizen_id.as_str())),
            Some(&serde_json::json!({ "dispatch": dispatch.key })),
        )?;
        Ok(dispatch)
    }

    /// Dispatches, newest request first: the open ones (the dispatch board), or all of one
    /// citizen's. Audited.
    pub fn dispatches(
        &mut self,
        actor: &Actor,
        citizen: Option<&CitizenId>,
        open_only: bool,
    ) -> Result<Vec<Dispatch>> {
        let keys: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT key FROM dispatches
                 WHERE (?1 IS NULL OR citizen_id = ?1)
                   AND (?2 = 0 OR state IN ('requested', 'en_route', 'arrived'))
                 ORDER BY requested_at DESC, key",
            )?
            .query_map(
                (citizen.map(CitizenId::as_str), i64::from(open_only)),
                |r| r.get(0),
            )?
            .collect::<std::result::Result<_, _>>()?;
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            if let Some(view) = record_tx(&self.conn, &key)?.and_then(|r| r.view()) {
                out.push(view);
            }
        }
        self.audit(
            actor,
            "dispatches.read",
            citizen.map(|c| ("citizen", c.as_str())),
            None,
        )?;
        Ok(out)
    }

    /// The dispatch's steps as this store holds them, for the push (not audited: the sync
    /// sends, nobody reads).
    pub fn dispatch_record(&self, key: &str) -> Result<Option<DispatchRecord>> {
        record_tx(&self.conn, key)
    }

    /// Keeps what the backend holds of a dispatch, read during a push (the pull keeps it too,
    /// later; this way the station shows the merged dispatch at once).
    pub fn merge_remote_dispatch(
        &mut self,
        record: &DispatchRecord,
        source_id: &str,
        now: Timestamp,
    ) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let applied = apply_remote_dispatch_tx(&tx, record, source_id, now)?;
        tx.commit()?;
        Ok(applied == DispatchApplied::Changed)
    }
}
