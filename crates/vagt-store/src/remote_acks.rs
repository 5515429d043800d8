//! Acknowledgements made at other stations, as the backend reported them. One for an alarm
//! this store has not raised yet waits in `remote_acknowledgements` and is applied the moment
//! the alarm is raised here.

use crate::alarm_rows::{AckOutcome, acknowledge_tx};
use crate::{Actor, Result, Store, audit};
use rusqlite::{Connection, OptionalExtension, Transaction};
use vagt_core::Timestamp;
use vagt_core::alarm::AlarmAcknowledgement;

impl Store {
    /// Applies one acknowledgement from another station in its own transaction.
    pub fn apply_remote_acknowledgement(
        &mut self,
        ack: &AlarmAcknowledgement,
    ) -> Result<AckOutcome> {
        let tx = self.conn.transaction()?;
        let outcome = apply_remote_acknowledgement_tx(&tx, ack, Timestamp::now())?;
        tx.commit()?;
        Ok(outcome)
    }
}

pub(crate) fn apply_remote_acknowledgement_tx(
    tx: &Connection,
    ack: &AlarmAcknowledgement,
    received_at: Timestamp,
) -> Result<AckOutcome> {
    let known: bool = tx.query_row(
        "SELECT count(*) > 0 FROM alarms WHERE id = ?1",
        [&ack.alarm_id],
        |r| r.get(0),
    )?;
    if !known {
        tx.execute(
            "INSERT INTO remote_acknowledgements
                 (alarm_id, acknowledged_by, acknowledged_at, comment, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (alarm_id) DO UPDATE SET acknowledged_by = excluded.acknowledged_by,
                 acknowledged_at = excluded.acknowledged_at, comment = excluded.comment
             WHERE (excluded.acknowledged_at, excluded.acknowledged_by)
                 < (acknowledged_at, acknowledged_by)",
            (
                &ack.alarm_id,
                &ack.nurse,
                ack.at.millis(),
                &ack.comment,
                received_at.millis(),
            ),
        )?;
        return Ok(AckOutcome::Waiting {
            alarm_id: ack.alarm_id.clone(),
        });
    }
    let outcome = acknowledge_tx(
        tx,
        &ack.alarm_id,
        &ack.nurse,
        ack.comment.as_deref(),
        ack.at,
        true,
    )?;
    if matches!(outcome, AckOutcome::Acknowledged { .. }) {
        audit::append_tx(
            tx,
            &Actor::system(),
            "alarm.acknowledged_elsewhere",
            Some(("alarm", &ack.alarm_id)),
            None,
            received_at,
        )?;
    }
    Ok(outcome)
}

pub(crate) fn apply_waiting_acknowledgement_tx(tx: &Transaction<'_>, alarm_id: &str) -> Result<()> {
    let waiting: Option<(String, i64, Option<String>)> = tx
        .query_row(
            "SELECT acknowledged_by, acknowledged_at, comment FROM remote_acknowledgements
             WHERE alarm_id = ?1",
            [alarm_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    if let Some((nurse, at, comment)) = waiting {
        let at = Timestamp::from_millis(at);
        acknowledge_tx(tx, alarm_id, &nurse, comment.as_deref(), at, true)?;
        tx.execute(
            "DELETE FROM remote_acknowledgements WHERE alarm_id = ?1",
            [alarm_id],
        )?;
        audit::append_tx(
            tx,
            &Actor::system(),
            "alarm.acknowledged_elsewhere",
            Some(("alarm", alarm_id)),
            None,
            at,
        )?;
    }
    Ok(())
}
