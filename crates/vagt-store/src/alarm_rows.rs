//! The `alarms` table's rows: raising one (once, however often its rules ask), resolving one
//! whose condition ended, finding one by a prefix of its id, and closing one with the nurse who
//! acknowledged it.

use crate::users::ensure_user_tx;
use crate::{Actor, Result, StoreError, TriageError};
use rusqlite::{Connection, OptionalExtension, Transaction};
use serde::Serialize;
use vagt_core::Timestamp;
use vagt_core::alarm::{Alarm, ResolvedReason};

/// How an acknowledgement went.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AckOutcome {
    Acknowledged {
        alarm_id: String,
    },
    /// Someone (maybe at another station) was first; nothing changed.
    AlreadyAcknowledged {
        alarm_id: String,
        by: String,
        at: Timestamp,
    },
    /// Made elsewhere for an alarm this store has not raised yet: applied when it does.
    Waiting {
        alarm_id: String,
    },
}

/// What raising a required alarm did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Raised {
    /// New here.
    New,
    /// It had been resolved and its condition is back (a reading entered in error, say).
    Reopened,
    /// Held already, open or acknowledged.
    Held,
}

/// Raises a required alarm: inserts it unless its id is there already, reopens it if it had
/// been resolved. An open one takes the rules' present priority and cause.
pub(crate) fn raise_alarm_tx(tx: &Transaction<'_>, alarm: &Alarm) -> Result<Raised> {
    let cause = serde_json::to_string(&alarm.cause)
        .map_err(|e| StoreError::Corrupt(format!("alarm cause: {e}")))?;
    let inserted = tx
        .prepare_cached(
            "INSERT INTO alarms (id, citizen_id, kind, priority, raised_at, cause)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO NOTHING",
        )?
        .execute((
            &alarm.id,
            alarm.citizen_id.as_str(),
            alarm.kind.code(),
            alarm.priority.code(),
            alarm.raised_at.millis(),
            &cause,
        ))?;
    if inserted == 1 {
        return Ok(Raised::New);
    }
    let reopened = tx
        .prepare_cached(
            "UPDATE alarms SET state = 'open', resolved_at = NULL, resolved_reason = NULL,
                    priority = ?2, cause = ?3
             WHERE id = ?1 AND state = 'resolved'",
        )?
        .execute((&alarm.id, alarm.priority.code(), &cause))?;
    if reopened == 1 {
        return Ok(Raised::Reopened);
    }
    tx.prepare_cached(
        "UPDATE alarms SET priority = ?2, cause = ?3
         WHERE id = ?1 AND state = 'open' AND (priority <> ?2 OR cause <> ?3)",
    )?
    .execute((&alarm.id, alarm.priority.code(), &cause))?;
    Ok(Raised::Held)
}

/// Resolves an open alarm whose condition ended before anyone acknowledged it.
pub(crate) fn resolve_alarm_tx(
    tx: &Transaction<'_>,
    alarm_id: &str,
    reason: ResolvedReason,
    at: Timestamp,
) -> Result<bool> {
    let resolved = tx
        .prepare_cached(
            "UPDATE alarms SET state = 'resolved', resolved_at = ?2, resolved_reason = ?3
             WHERE id = ?1 AND state = 'open'",
        )?
        .execute((alarm_id, at.millis(), reason.code()))?;
    Ok(resolved == 1)
}

/// The full id of the one alarm whose id is or starts with `given` (operators type prefixes).
pub(crate) fn resolve_alarm_id_tx(tx: &Transaction<'_>, given: &str) -> Result<String> {
    let given = given.trim();
    if given.len() < 6 || !given.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(given.to_owned());
    }
    let mut stmt =
        tx.prepare_cached("SELECT id FROM alarms WHERE id >= ?1 AND id < ?1 || 'g' LIMIT 2")?;
    let matches: Vec<String> = stmt
        .query_map([given], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    match matches.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(TriageError::UnknownAlarm(given.to_owned()).into()),
        _ => Err(TriageError::AmbiguousAlarm(given.to_owned()).into()),
    }
}

/// Acknowledges an alarm (open, or resolved and seen after all). Of two acknowledgements of
/// one alarm, the earlier, by (time, nurse), is kept whichever arrives first, so every station
/// ends with the same: `earliest_wins` is set for acknowledgements from other stations; a
/// nurse here is told who was first instead.
pub(crate) fn acknowledge_tx(
    tx: &Connection,
    alarm_id: &str,
    nurse: &str,
    comment: Option<&str>,
    at: Timestamp,
    earliest_wins: bool,
) -> Result<AckOutcome> {
    ensure_user_tx(tx, &Actor(nurse.to_owned()), at)?;
    let current: Option<(String, Option<String>, Option<i64>)> = tx
        .query_row(
            "SELECT state, acknowledged_by, acknowledged_at FROM alarms WHERE id = ?1",
            [alarm_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    match current {
        None => Err(TriageError::UnknownAlarm(alarm_id.to_owned()).into()),
        Some((state, Some(by), Some(first_at))) if state == "acknowledged" => {
            if earliest_wins && (at.millis(), nurse) < (first_at, by.as_str()) {
                tx.execute(
                    "UPDATE alarms SET acknowledged_by = ?2, acknowledged_at = ?3,
                            ack_comment = ?4
                     WHERE id = ?1",
                    (alarm_id, nurse, at.millis(), comment),
                )?;
                return Ok(AckOutcome::Acknowledged {
                    alarm_id: alarm_id.to_owned(),
                });
            }
            Ok(AckOutcome::AlreadyAcknowledged {
                alarm_id: alarm_id.to_owned(),
                by,
                at: Timestamp::from_millis(first_at),
            })
        }
        Some(_) => {
            tx.execute(
                "UPDATE alarms SET state = 'acknowledged', acknowledged_by = ?2,
                        acknowledged_at = ?3, ack_comment = ?4, resolved_at = NULL,
                        resolved_reason = NULL
                 WHERE id = ?1",
                (alarm_id, nurse, at.millis(), comment),
            )?;
            Ok(AckOutcome::Acknowledged {
                alarm_id: alarm_id.to_owned(),
            })
        }
    }
}
