//! One nurse's snooze of an open alarm: quiet for her alone, for at most
//! [`MAX_SNOOZE_MINUTES`], and for a high alarm never past its first escalation.

use crate::alarm_rows::resolve_alarm_id_tx;
use crate::users::ensure_user_tx;
use crate::{Actor, MAX_SNOOZE_MINUTES, Result, Store, StoreError, TriageError, audit};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use std::collections::BTreeMap;
use std::str::FromStr;
use vagt_core::Timestamp;
use vagt_core::alarm::{AlarmPriority, snooze_ends_at};

/// A nurse's snooze, as kept.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct SnoozeOutcome {
    pub alarm_id: String,
    pub nurse: String,
    /// What was asked for, and until when it silences (earlier for a high alarm).
    pub requested_until: Timestamp,
    pub silenced_until: Timestamp,
}

/// A nurse's snoozes still kept, by alarm id.
pub(crate) fn snoozes_of(conn: &Connection, nurse: &str) -> Result<BTreeMap<String, Timestamp>> {
    let mut stmt =
        conn.prepare_cached("SELECT alarm_id, until FROM alarm_snoozes WHERE user_id = ?1")?;
    let rows = stmt.query_map([nurse], |r| {
        Ok((r.get::<_, String>(0)?, Timestamp::from_millis(r.get(1)?)))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl Store {
    /// A nurse snoozes an open alarm for herself for `minutes`: it stays in every panel, and
    /// sounds for every other nurse as before. A high alarm's snooze ends at its first
    /// escalation. Snoozing again replaces her earlier snooze. Audited.
    pub fn snooze_alarm(
        &mut self,
        alarm_id: &str,
        actor: &Actor,
        minutes: i64,
        now: Timestamp,
    ) -> Result<SnoozeOutcome> {
        if !(1..=MAX_SNOOZE_MINUTES).contains(&minutes) {
            return Err(TriageError::InvalidSnooze(minutes).into());
        }
        let policy = self.escalation_policy()?;
        let requested_until = now.plus_millis(minutes * 60_000);
        let tx = self.conn.transaction()?;
        let alarm_id = resolve_alarm_id_tx(&tx, alarm_id)?;
        let found: Option<(String, String, i64)> = tx
            .query_row(
                "SELECT state, priority, raised_at FROM alarms WHERE id = ?1",
                [&alarm_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((state, priority, raised_at)) = found else {
            return Err(TriageError::UnknownAlarm(alarm_id).into());
        };
        if state != "open" {
            return Err(TriageError::AlarmNotOpen(alarm_id).into());
        }
        let priority = AlarmPriority::from_str(&priority).map_err(StoreError::Corrupt)?;
        let silenced_until = snooze_ends_at(
            priority,
            Timestamp::from_millis(raised_at),
            requested_until,
            &policy,
        );
        if silenced_until <= now {
            return Err(TriageError::SnoozeAfterEscalation(alarm_id).into());
        }
        ensure_user_tx(&tx, actor, now)?;
        tx.execute(
            "INSERT INTO alarm_snoozes (alarm_id, user_id, until) VALUES (?1, ?2, ?3)
             ON CONFLICT (alarm_id, user_id) DO UPDATE SET until = excluded.until",
            (&alarm_id, &actor.0, requested_until.millis()),
        )?;
        audit::append_tx(
            &tx,
            actor,
            "alarm.snooze",
            Some(("alarm", &alarm_id)),
            Some(&serde_json::json!({ "minutes": minutes })),
            now,
        )?;
        tx.commit()?;
        Ok(SnoozeOutcome {
            alarm_id,
            nurse: actor.0.clone(),
            requested_until,
            silenced_until,
        })
    }
}
