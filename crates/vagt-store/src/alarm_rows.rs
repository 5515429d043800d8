//! The `alarms` table's rows: raising one (once, however often its rules ask), finding one by
//! a prefix of its id, and closing one with the nurse who acknowledged it.

use crate::users::ensure_user_tx;
use crate::{Actor, Result, StoreError, TriageError};
use rusqlite::{OptionalExtension, Transaction};
use serde::Serialize;
use vagt_core::Timestamp;
use vagt_core::alarm::Alarm;

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

/// Inserts the alarm unless its id is there already; true when it was new.
pub(crate) fn insert_alarm_tx(tx: &Transaction<'_>, alarm: &Alarm) -> Result<bool> {
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
            cause,
        ))?;
    Ok(inserted == 1)
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

pub(crate) fn acknowledge_tx(
    tx: &Transaction<'_>,
    alarm_id: &str,
    nurse: &str,
    comment: Option<&str>,
    at: Timestamp,
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
        Some((state, Some(by), Some(at))) if state == "acknowledged" => {
            Ok(AckOutcome::AlreadyAcknowledged {
                alarm_id: alarm_id.to_owned(),
                by,
                at: Timestamp::from_millis(at),
            })
        }
        Some(_) => {
            tx.execute(
                "UPDATE alarms SET state = 'acknowledged', acknowledged_by = ?2,
                        acknowledged_at = ?3, ack_comment = ?4
                 WHERE id = ?1",
                (alarm_id, nurse, at.millis(), comment),
            )?;
            Ok(AckOutcome::Acknowledged {
                alarm_id: alarm_id.to_owned(),
            })
        }
    }
}
