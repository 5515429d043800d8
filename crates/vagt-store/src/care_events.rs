//! Care events in the store: what the backend's Encounters say about MAS visits, admissions and
//! discharges, kept per version of each encounter. The ECM engine reads the current ones (see
//! `triage.rs`); the sync writes them, as the system, in the transaction of the page that
//! brought them.
//!
//! Versions, like readings': a version already stored changes nothing (a replayed pull), and
//! one older than a stored version changes nothing either. Versions are compared as numbers
//! where both are numbers (FHIR servers count up), as instants where both are `lastUpdated`
//! instants (a server without version ids), else the newer arrival wins. A newer version's
//! events replace the older ones' (which become `superseded`); a version with no events (a
//! planned or cancelled encounter) only supersedes. A version that gave no event leaves no row
//! to remember it by, so an older version first seen after it would count again; a FHIR search
//! only ever returns current versions, so a pull cannot bring one.

use crate::readings::{Rejection, record_rejection_tx};
use crate::{Result, Store, StoreError};
use rusqlite::Connection;
use std::cmp::Ordering;
use std::str::FromStr;
use vagt_core::{CareEvent, CareEventKind, CareEventUpdate, RejectReason, SourceRef, Timestamp};

impl Store {
    /// Every citizen's current care events, keyed as the engine keys them: what a sync must
    /// make equal to the server's set.
    pub fn current_care_events(&self) -> Result<Vec<CareEvent>> {
        let mut stmt = self.conn.prepare(
            "SELECT kind, at, source_id, source_version FROM care_events
             WHERE state = 'current' ORDER BY at, id",
        )?;
        collect_care_events(&mut stmt, [])
    }
}

/// The events of a query selecting `kind, at, source_id, source_version`.
pub(crate) fn collect_care_events(
    stmt: &mut rusqlite::Statement<'_>,
    params: impl rusqlite::Params,
) -> Result<Vec<CareEvent>> {
    let rows = stmt.query_map(params, |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    rows.map(|row| {
        let (kind, at, id, version) = row?;
        care_event(&kind, at, id, version)
    })
    .collect()
}

/// A stored row as the engine's event.
pub(crate) fn care_event(kind: &str, at: i64, id: String, version: String) -> Result<CareEvent> {
    let kind = CareEventKind::from_str(kind)
        .map_err(|_| StoreError::Corrupt(format!("care event kind {kind}")))?;
    Ok(CareEvent {
        kind,
        at: Timestamp::from_millis(at),
        key: CareEvent::key_of(&SourceRef { id, version }, kind),
    })
}

/// What applying one encounter version did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CareEventsApplied {
    /// The citizen's events changed: new events stored, or older ones superseded or retracted.
    Changed,
    /// A version already stored, an older one, or one that leaves nothing to change.
    Unchanged,
    /// Events of a citizen this store does not know: kept in `rejected_input` (`new` unless
    /// the same input was kept before).
    Rejected { new: bool },
}

/// Applies one encounter version's care events in the caller's transaction.
pub(crate) fn apply_care_event_update_tx(
    tx: &Connection,
    backend: &str,
    update: &CareEventUpdate,
    received_at: Timestamp,
) -> Result<CareEventsApplied> {
    let source = update.source();
    let stored = stored_versions_tx(tx, &source.id)?;
    let superseded_by_stored = stored
        .iter()
        .any(|v| compare_versions(v, &source.version) == Some(Ordering::Greater));
    if superseded_by_stored {
        return Ok(CareEventsApplied::Unchanged);
    }
    let changed = match update {
        CareEventUpdate::Retracted { .. } => tx
            .prepare_cached(
                "UPDATE care_events SET state = 'retracted'
                 WHERE source_id = ?1 AND state <> 'retracted'",
            )?
            .execute([&source.id])?,
        _ if stored.contains(&source.version) => 0,
        CareEventUpdate::NoEvents { .. } => supersede_tx(tx, source)?,
        CareEventUpdate::Events {
            citizen_id, events, ..
        } => {
            if !crate::citizen_rows::citizen_exists(tx, citizen_id.as_str())? {
                let new = reject_tx(tx, backend, update, citizen_id.as_str(), received_at)?;
                return Ok(CareEventsApplied::Rejected { new });
            }
            let superseded = supersede_tx(tx, source)?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO care_events
                     (citizen_id, kind, at, source_id, source_version, state, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'current', ?6)
                 ON CONFLICT (source_id, source_version, kind) DO NOTHING",
            )?;
            let mut inserted = 0;
            for event in events {
                inserted += insert.execute((
                    citizen_id.as_str(),
                    event.kind.code(),
                    event.at.millis(),
                    &source.id,
                    &source.version,
                    received_at.millis(),
                ))?;
            }
            superseded + inserted
        }
    };
    Ok(if changed > 0 {
        CareEventsApplied::Changed
    } else {
        CareEventsApplied::Unchanged
    })
}

fn stored_versions_tx(tx: &Connection, source_id: &str) -> Result<Vec<String>> {
    let mut stmt =
        tx.prepare_cached("SELECT DISTINCT source_version FROM care_events WHERE source_id = ?1")?;
    let versions = stmt
        .query_map([source_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(versions)
}

/// The events older versions of `source` gave no longer count.
fn supersede_tx(tx: &Connection, source: &SourceRef) -> Result<usize> {
    Ok(tx
        .prepare_cached(
            "UPDATE care_events SET state = 'superseded'
             WHERE source_id = ?1 AND state = 'current' AND source_version <> ?2",
        )?
        .execute((&source.id, &source.version))?)
}

fn reject_tx(
    tx: &Connection,
    backend: &str,
    update: &CareEventUpdate,
    citizen_id: &str,
    received_at: Timestamp,
) -> Result<bool> {
    let reason = RejectReason::UnknownCitizen(
        vagt_core::CitizenId::new(citizen_id)
            .map_err(|e| StoreError::Corrupt(format!("citizen id: {e}")))?,
    );
    let payload = serde_json::to_string(update)
        .map_err(|e| StoreError::Corrupt(format!("cannot serialise rejected input: {e}")))?;
    record_rejection_tx(
        tx,
        &Rejection {
            source: backend.to_owned(),
            source_id: Some(update.source().id.clone()),
            resource_type: Some("care_events".into()),
            reason_code: reason.code().into(),
            reason: reason.to_string(),
            payload,
            citizen_id: None,
        },
        received_at,
    )
}

/// How version `a` of a record stands to version `b`, when that can be told.
pub(crate) fn compare_versions(a: &str, b: &str) -> Option<Ordering> {
    if let (Ok(a), Ok(b)) = (a.parse::<u64>(), b.parse::<u64>()) {
        return Some(a.cmp(&b));
    }
    if let (Ok(a), Ok(b)) = (Timestamp::parse_rfc3339(a), Timestamp::parse_rfc3339(b)) {
        return Some(a.cmp(&b));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_as_numbers_or_instants_and_otherwise_not_at_all() {
        assert_eq!(compare_versions("10", "9"), Some(Ordering::Greater));
        assert_eq!(compare_versions("2", "2"), Some(Ordering::Equal));
        assert_eq!(
            compare_versions("2026-11-22T08:00:00Z", "2026-11-22T09:00:00+02:00"),
            Some(Ordering::Greater)
        );
        assert_eq!(compare_versions("b", "a"), None);
        assert_eq!(compare_versions("3", "2026-11-22T08:00:00Z"), None);
    }
}
