//! Citizens' enrolments in the clinic's monitoring, as the backend records them
//! (EpisodeOfCare): when each citizen's measurement schedule counts from.

use crate::Result;
use crate::care_events::compare_versions;
use rusqlite::{Connection, OptionalExtension};
use std::cmp::Ordering;
use std::str::FromStr;
use vagt_core::enrolment::{Monitoring, monitoring};
use vagt_core::{Enrolment, EnrolmentStatus, SourceRef, Timestamp};

/// Keeps the newest version of an enrolment (an older version arriving late changes nothing).
/// True when it changed what the store holds.
pub(crate) fn apply_enrolment_tx(
    tx: &Connection,
    enrolment: &Enrolment,
    received_at: Timestamp,
) -> Result<bool> {
    let stored: Option<String> = tx
        .prepare_cached("SELECT source_version FROM enrolments WHERE source_id = ?1")?
        .query_row([&enrolment.source.id], |r| r.get(0))
        .optional()?;
    if let Some(stored) = &stored {
        match compare_versions(&enrolment.source.version, stored) {
            Some(Ordering::Less | Ordering::Equal) => return Ok(false),
            Some(Ordering::Greater) => {}
            // Versions that cannot be compared: the one that arrived last is taken.
            None if stored == &enrolment.source.version => return Ok(false),
            None => {}
        }
    }
    tx.prepare_cached(
        "INSERT INTO enrolments (source_id, source_version, citizen_id, status, start_at, end_at,
                                 received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (source_id) DO UPDATE SET source_version = excluded.source_version,
             citizen_id = excluded.citizen_id, status = excluded.status,
             start_at = excluded.start_at, end_at = excluded.end_at,
             received_at = excluded.received_at",
    )?
    .execute((
        &enrolment.source.id,
        &enrolment.source.version,
        enrolment.citizen_id.as_str(),
        enrolment.status.code(),
        enrolment.start.map(Timestamp::millis),
        enrolment.end.map(Timestamp::millis),
        received_at.millis(),
    ))?;
    Ok(true)
}

/// How the citizen is monitored at `now` (see [`vagt_core::enrolment::monitoring`]): from
/// their enrolment in force, else, when the backend records none, from their last readings or
/// the first time this station saw them.
pub(crate) fn citizen_monitoring(
    conn: &Connection,
    citizen_id: &str,
    now: Timestamp,
) -> Result<Monitoring> {
    let (first_seen, mas_only): (i64, i64) = conn
        .prepare_cached("SELECT created_at, mas_only FROM citizens WHERE id = ?1")?
        .query_row([citizen_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut stmt = conn.prepare_cached(
        "SELECT source_id, source_version, status, start_at, end_at FROM enrolments
         WHERE citizen_id = ?1",
    )?;
    let rows = stmt.query_map([citizen_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<i64>>(3)?,
            r.get::<_, Option<i64>>(4)?,
        ))
    })?;
    let citizen = vagt_core::CitizenId::new(citizen_id)
        .map_err(|e| crate::StoreError::Corrupt(format!("citizen id: {e}")))?;
    let mut enrolments = Vec::new();
    for row in rows {
        let (id, version, status, start, end) = row?;
        enrolments.push(Enrolment {
            source: SourceRef { id, version },
            citizen_id: citizen.clone(),
            status: EnrolmentStatus::from_str(&status).map_err(crate::StoreError::Corrupt)?,
            start: start.map(Timestamp::from_millis),
            end: end.map(Timestamp::from_millis),
        });
    }
    Ok(monitoring(
        &enrolments,
        Timestamp::from_millis(first_seen),
        now,
        mas_only == 1,
    ))
}
