//! ECM levels as kept: the suggestions the rules made and the levels nurses confirmed, each a
//! row with when, by whom and why. A confirmed level goes to the backend through the outbox in
//! the transaction that records it.

use crate::outbox::enqueue_outbox_tx;
use crate::users::ensure_user_tx;
use crate::{Actor, Result, Store, StoreError, TriageError, audit};
use rusqlite::{Connection, OptionalExtension, Transaction};
use serde::Serialize;
use std::str::FromStr;
use vagt_core::alarm::LevelDecision;
use vagt_core::ecm_engine::{Evaluation, LevelRule};
use vagt_core::outbound::{LevelDecisionRecord, Outbound};
use vagt_core::{CitizenId, EcmLevel, LevelKind, Timestamp};

/// One row of a citizen's level history, as the citizen page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct LevelHistoryEntry {
    pub kind: LevelKind,
    pub level: EcmLevel,
    pub set_at: Timestamp,
    /// The nurse, or `system` for a suggestion.
    pub set_by: Option<String>,
    /// A nurse's reason (confirmed levels).
    pub reason: Option<String>,
    /// Why the rules suggested it (suggested levels).
    pub rule: Option<LevelRule>,
}

/// A level row's columns: kind, level, set at, set by, reason, cause.
type LevelRow = (
    String,
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// How many history rows a page shows at most: enough for months of a citizen's changes.
pub const LEVEL_HISTORY_LIMIT: usize = 200;

impl Store {
    /// A nurse sets the citizen's confirmed level, with a reason. Returns the decision's key.
    pub fn confirm_level(
        &mut self,
        citizen_id: &CitizenId,
        level: EcmLevel,
        actor: &Actor,
        reason: &str,
        now: Timestamp,
    ) -> Result<String> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(TriageError::ReasonRequired.into());
        }
        crate::citizen_rows::require_citizen(&self.conn, citizen_id.as_str())?;
        let tx = self.conn.transaction()?;
        let key = confirm_level_tx(&tx, citizen_id, level, actor, reason, now)?;
        tx.commit()?;
        Ok(key)
    }

    /// The citizen's current level of a kind, if any: the suggestion of the last evaluation,
    /// or the newest decision.
    pub fn latest_level(
        &self,
        citizen_id: &CitizenId,
        kind: LevelKind,
    ) -> Result<Option<EcmLevel>> {
        if kind == LevelKind::Suggested {
            let level: Option<Option<i64>> = self
                .conn
                .prepare_cached(
                    "SELECT suggested_level FROM citizen_evaluations WHERE citizen_id = ?1",
                )?
                .query_row([citizen_id.as_str()], |r| r.get(0))
                .optional()?;
            return level
                .flatten()
                .map(|l| EcmLevel::new(l).map_err(|e| StoreError::Corrupt(e.to_string())))
                .transpose();
        }
        Ok(latest_level_set(&self.conn, citizen_id.as_str(), kind)?.map(|(level, _)| level))
    }

    /// The citizen's suggested and confirmed levels, newest first, at most `limit` (a page
    /// shows [`LEVEL_HISTORY_LIMIT`], the timeline all). Audited as a read of the citizen's
    /// health data.
    pub fn level_history(
        &mut self,
        citizen_id: &CitizenId,
        actor: &Actor,
        limit: usize,
    ) -> Result<Vec<LevelHistoryEntry>> {
        crate::citizen_rows::require_citizen(&self.conn, citizen_id.as_str())?;
        let raw: Vec<LevelRow> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT kind, level, set_at, set_by, reason, cause FROM ecm_levels
                 WHERE citizen_id = ?1 AND kind IN ('suggested', 'confirmed')
                 ORDER BY set_at DESC, decision_key DESC, id DESC LIMIT ?2",
            )?;
            // SQLite reads a negative limit as none.
            let limit = i64::try_from(limit).unwrap_or(-1);
            stmt.query_map((citizen_id.as_str(), limit), |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect::<Result<_, _>>()?
        };
        let history = raw
            .into_iter()
            .map(|(kind, level, set_at, set_by, reason, cause)| {
                let rule = cause
                    .as_deref()
                    .and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok())
                    .and_then(|c| serde_json::from_value::<LevelRule>(c["rule"].clone()).ok());
                Ok(LevelHistoryEntry {
                    kind: LevelKind::from_str(&kind).map_err(StoreError::Corrupt)?,
                    level: EcmLevel::new(level).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    set_at: Timestamp::from_millis(set_at),
                    set_by,
                    reason,
                    rule,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        self.audit(
            actor,
            "levels.read",
            Some(("citizen", citizen_id.as_str())),
            None,
        )?;
        Ok(history)
    }
}

/// The latest level of a kind (by the instant it was set at, then the decision's key) and that
/// instant (for a suggestion, its change's data instant).
pub(crate) fn latest_level_set(
    conn: &rusqlite::Connection,
    citizen_id: &str,
    kind: LevelKind,
) -> Result<Option<(EcmLevel, Timestamp)>> {
    let row: Option<(i64, i64)> = conn
        .prepare_cached(
            "SELECT level, set_at FROM ecm_levels WHERE citizen_id = ?1 AND kind = ?2
             ORDER BY set_at DESC, decision_key DESC, id DESC LIMIT 1",
        )?
        .query_row((citizen_id, kind.code()), |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(level, at)| {
        EcmLevel::new(level)
            .map(|l| (l, Timestamp::from_millis(at)))
            .map_err(|e| StoreError::Corrupt(e.to_string()))
    })
    .transpose()
}

/// The nurses' decisions on the citizen's level, oldest first by (set_at, key), each with the
/// level before it: the same order, and so the same `from`, at every station that holds them.
pub(crate) fn level_decisions(
    conn: &rusqlite::Connection,
    citizen_id: &str,
) -> Result<Vec<LevelDecision>> {
    let mut stmt = conn.prepare_cached(
        "SELECT decision_key, coalesce(set_by, ''), set_at, level FROM ecm_levels
             WHERE citizen_id = ?1 AND kind = 'confirmed' AND decision_key IS NOT NULL
             ORDER BY set_at, decision_key",
    )?;
    let rows = stmt.query_map([citizen_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    let mut decisions: Vec<LevelDecision> = Vec::new();
    for row in rows {
        let (key, nurse, at, level) = row?;
        let to = EcmLevel::new(level).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        decisions.push(LevelDecision {
            key,
            nurse,
            at: Timestamp::from_millis(at),
            from: decisions.last().map(|d| d.to),
            to,
        });
    }
    Ok(decisions)
}

/// Applies a nurse's decision made at another station (or here, read back): kept once, by its
/// key. True when it was new.
pub(crate) fn apply_remote_decision_tx(
    tx: &Connection,
    decision: &LevelDecisionRecord,
    received_at: Timestamp,
) -> Result<bool> {
    ensure_user_tx(tx, &Actor(decision.nurse.clone()), received_at)?;
    let inserted = tx
        .prepare_cached(
            "INSERT INTO ecm_levels (citizen_id, level, kind, set_at, set_by, reason, decision_key)
             VALUES (?1, ?2, 'confirmed', ?3, ?4, ?5, ?6)
             ON CONFLICT (decision_key) WHERE decision_key IS NOT NULL DO NOTHING",
        )?
        .execute((
            decision.citizen_id.as_str(),
            i64::from(decision.level.get()),
            decision.at.millis(),
            &decision.nurse,
            &decision.reason,
            &decision.key,
        ))?;
    if inserted == 1 {
        audit::append_tx(
            tx,
            &Actor::system(),
            "level.confirmed_elsewhere",
            Some(("citizen", decision.citizen_id.as_str())),
            Some(&serde_json::json!({ "level": decision.level.get() })),
            received_at,
        )?;
    }
    Ok(inserted == 1)
}

/// Records a change of the suggested level, with the rule and findings behind it, unless that
/// change (the level at that instant) is recorded already. True when it was new.
pub(crate) fn insert_suggested_level_tx(
    tx: &Transaction<'_>,
    citizen: &str,
    evaluation: &Evaluation,
    set_at: Timestamp,
) -> Result<bool> {
    let known: bool = tx
        .prepare_cached(
            "SELECT count(*) > 0 FROM ecm_levels
             WHERE citizen_id = ?1 AND kind = 'suggested' AND set_at = ?2 AND level = ?3",
        )?
        .query_row(
            (citizen, set_at.millis(), i64::from(evaluation.level.get())),
            |r| r.get(0),
        )?;
    if known {
        return Ok(false);
    }
    let cause = serde_json::json!({
        "rule": evaluation.readings.rule,
        "findings": evaluation.readings.findings,
        "change": evaluation.change,
    });
    tx.prepare_cached(
        "INSERT INTO ecm_levels (citizen_id, level, kind, set_at, set_by, cause)
         VALUES (?1, ?2, 'suggested', ?3, 'system', ?4)",
    )?
    .execute((
        citizen,
        i64::from(evaluation.level.get()),
        set_at.millis(),
        cause.to_string(),
    ))?;
    Ok(true)
}

/// Records a nurse's confirmed level in the caller's transaction, queued for the backend and
/// audited; its decision key. `reason` must not be empty.
pub(crate) fn confirm_level_tx(
    tx: &rusqlite::Transaction<'_>,
    citizen_id: &CitizenId,
    level: EcmLevel,
    actor: &Actor,
    reason: &str,
    now: Timestamp,
) -> Result<String> {
    let key = format!("urn:uuid:{}", crate::key::random_uuid()?);
    ensure_user_tx(tx, actor, now)?;
    tx.execute(
        "INSERT INTO ecm_levels (citizen_id, level, kind, set_at, set_by, reason, decision_key)
         VALUES (?1, ?2, 'confirmed', ?3, ?4, ?5, ?6)",
        (
            citizen_id.as_str(),
            i64::from(level.get()),
            now.millis(),
            &actor.0,
            reason,
            &key,
        ),
    )?;
    let record = Outbound::ConfirmedLevel(LevelDecisionRecord {
        citizen_id: citizen_id.clone(),
        key: key.clone(),
        level,
        nurse: actor.0.clone(),
        at: now,
        reason: reason.to_owned(),
    });
    enqueue_outbox_tx(tx, &record, now)?;
    audit::append_tx(
        tx,
        actor,
        "level.confirm",
        Some(("citizen", citizen_id.as_str())),
        Some(&serde_json::json!({ "level": level.get() })),
        now,
    )?;
    Ok(key)
}
