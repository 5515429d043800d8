//! What the shift handover reads besides the worklist: each citizen's level when the shift
//! began, who drifts from their own baseline now; and the handover's own records, nurses'
//! notes and receivers' sign-offs, kept from every station.

use crate::outbox::enqueue_outbox_tx;
use crate::users::ensure_user_tx;
use crate::{Actor, Result, Store, StoreError, audit};
use rusqlite::Connection;
use std::collections::{BTreeMap, BTreeSet};
use vagt_core::ecm_engine::{Finding, FindingRule};
use vagt_core::handover::{Contingency, HandoverNote, HandoverSignoff, Judgement, ShiftSpan};
use vagt_core::outbound::Outbound;
use vagt_core::{CitizenId, EcmLevel, Timestamp};

/// Levels for the handover's severity rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShiftLevels {
    /// The higher of the confirmed and the suggested level in force when the shift began.
    pub at_start: BTreeMap<CitizenId, EcmLevel>,
    /// Citizens whose suggested level now rests on a relative rule of their plan (their
    /// readings off their own baseline).
    pub drifting: BTreeSet<CitizenId>,
}

impl Store {
    /// The levels in force at `shift_start` and the baseline drift at `now`. Audited.
    pub fn shift_levels(
        &mut self,
        actor: &Actor,
        shift_start: Timestamp,
        now: Timestamp,
    ) -> Result<ShiftLevels> {
        let mut levels = ShiftLevels::default();
        {
            // SQLite gives the bare `level` of the row holding max(set_at): the level in force.
            let mut stmt = self.conn.prepare_cached(
                "SELECT citizen_id, max(level) FROM (
                     SELECT citizen_id, kind, level, max(set_at) FROM ecm_levels
                     WHERE set_at <= ?1 AND kind IN ('suggested', 'confirmed')
                     GROUP BY citizen_id, kind)
                 GROUP BY citizen_id",
            )?;
            let rows = stmt.query_map([shift_start.millis()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?;
            for row in rows {
                let (citizen, level) = row?;
                if let (Ok(citizen), Ok(level)) = (CitizenId::new(citizen), EcmLevel::new(level)) {
                    levels.at_start.insert(citizen, level);
                }
            }
        }
        {
            let mut stmt = self.conn.prepare_cached(
                "SELECT citizen_id, cause, max(set_at) FROM ecm_levels
                 WHERE kind = 'suggested' AND set_at <= ?1
                 GROUP BY citizen_id",
            )?;
            let rows = stmt.query_map([now.millis()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })?;
            for row in rows {
                let (citizen, cause) = row?;
                if cause.as_deref().is_some_and(rests_on_baseline)
                    && let Ok(citizen) = CitizenId::new(citizen)
                {
                    levels.drifting.insert(citizen);
                }
            }
        }
        self.audit(actor, "handover.levels", None, None)?;
        Ok(levels)
    }
}

/// Whether a suggestion's cause (its findings) holds a relative rule's finding.
fn rests_on_baseline(cause: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Cause {
        #[serde(default)]
        findings: Vec<Finding>,
    }
    serde_json::from_str::<Cause>(cause).is_ok_and(|c| {
        c.findings
            .iter()
            .any(|f| matches!(f.rule, FindingRule::Relative { .. }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_finding_is_drift_a_limit_is_not() {
        let finding = |rule: serde_json::Value| {
            serde_json::json!({"findings": [{
                "parameter": "fev1", "reading_key": "r1", "reading_at": "2026-12-01T08:00:00Z",
                "value": 0.9, "triage": "yellow", "rule": rule, "limit": 0.95, "baseline": 1.2
            }]})
            .to_string()
        };
        let relative = finding(
            serde_json::json!({"type": "relative", "id": "fev1_drop", "kind": "below_median"}),
        );
        let limit = finding(serde_json::json!({"type": "limit", "limit": "yellow_low"}));
        assert!(rests_on_baseline(&relative), "{relative}");
        assert!(!rests_on_baseline(&limit));
        assert!(!rests_on_baseline("{\"findings\": []}"));
        assert!(!rests_on_baseline("not json"));
    }
}

/// What a pulled handover record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HandoverApplied {
    New,
    Known,
}

fn insert_note_tx(tx: &Connection, note: &HandoverNote, received_at: Timestamp) -> Result<bool> {
    let record = serde_json::to_string(note)
        .map_err(|e| StoreError::Corrupt(format!("handover note: {e}")))?;
    let inserted = tx
        .prepare_cached(
            "INSERT INTO handover_notes (key, citizen_id, shift_from, shift_to, written_by,
                                         written_at, record, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (key) DO NOTHING",
        )?
        .execute((
            &note.key,
            note.citizen_id.as_str(),
            note.shift.from.millis(),
            note.shift.to.millis(),
            &note.written_by,
            note.written_at.millis(),
            record,
            received_at.millis(),
        ))?;
    Ok(inserted == 1)
}

fn insert_signoff_tx(
    tx: &Connection,
    signoff: &HandoverSignoff,
    received_at: Timestamp,
) -> Result<bool> {
    let record = serde_json::to_string(signoff)
        .map_err(|e| StoreError::Corrupt(format!("handover sign-off: {e}")))?;
    let inserted = tx
        .prepare_cached(
            "INSERT INTO handover_signoffs (key, shift_from, shift_to, signed_by, signed_at,
                                            record, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (key) DO NOTHING",
        )?
        .execute((
            &signoff.key,
            signoff.shift.from.millis(),
            signoff.shift.to.millis(),
            &signoff.signed_by,
            signoff.signed_at.millis(),
            record,
            received_at.millis(),
        ))?;
    Ok(inserted == 1)
}

/// Keeps a note made at another station (or this one, read back). A citizen this store does
/// not know is an error for the caller to keep for a human.
pub(crate) fn apply_remote_handover_note_tx(
    tx: &Connection,
    note: &HandoverNote,
    received_at: Timestamp,
) -> Result<HandoverApplied> {
    crate::citizen_rows::require_citizen(tx, note.citizen_id.as_str())?;
    if !insert_note_tx(tx, note, received_at)? {
        return Ok(HandoverApplied::Known);
    }
    audit::append_tx(
        tx,
        &Actor::system(),
        "handover.note_received",
        Some(("citizen", note.citizen_id.as_str())),
        None,
        received_at,
    )?;
    Ok(HandoverApplied::New)
}

/// Keeps a sign-off made at another station (or this one, read back).
pub(crate) fn apply_remote_handover_signoff_tx(
    tx: &Connection,
    signoff: &HandoverSignoff,
    received_at: Timestamp,
) -> Result<HandoverApplied> {
    if !insert_signoff_tx(tx, signoff, received_at)? {
        return Ok(HandoverApplied::Known);
    }
    audit::append_tx(
        tx,
        &Actor::system(),
        "handover.signoff_received",
        None,
        Some(&serde_json::json!({ "signed": signoff.signed.len() })),
        received_at,
    )?;
    Ok(HandoverApplied::New)
}

fn records<T: serde::de::DeserializeOwned>(rows: Vec<String>, what: &str) -> Result<Vec<T>> {
    rows.iter()
        .map(|text| {
            serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
        })
        .collect()
}

impl Store {
    /// Keeps a nurse's note on a citizen in the handover (her severity for the shift, her
    /// contingency note): checked, queued for the backend, audited.
    pub fn add_handover_note(
        &mut self,
        actor: &Actor,
        citizen: &CitizenId,
        shift: ShiftSpan,
        severity: Option<Judgement>,
        contingency: Option<Contingency>,
        now: Timestamp,
    ) -> Result<HandoverNote> {
        crate::citizen_rows::require_citizen(&self.conn, citizen.as_str())?;
        let note = HandoverNote {
            key: format!("urn:uuid:{}", crate::key::random_uuid()?),
            citizen_id: citizen.clone(),
            shift,
            severity,
            contingency,
            written_by: actor.0.clone(),
            written_at: now,
        }
        .checked(now)?;
        let tx = self.conn.transaction()?;
        ensure_user_tx(&tx, actor, now)?;
        insert_note_tx(&tx, &note, now)?;
        enqueue_outbox_tx(&tx, &Outbound::HandoverNote(note.clone()), now)?;
        audit::append_tx(
            &tx,
            actor,
            "handover.note",
            Some(("citizen", citizen.as_str())),
            Some(&serde_json::json!({
                "severity": note.severity.map(|j| match j {
                    Judgement::Set(severity) => severity.code(),
                    Judgement::Rule => "rule",
                }),
                "contingency": note.contingency.is_some(),
            })),
            now,
        )?;
        tx.commit()?;
        Ok(note)
    }

    /// Keeps the receiver's sign-off of a shift's handover: checked, queued, audited.
    pub fn sign_handover(
        &mut self,
        actor: &Actor,
        shift: ShiftSpan,
        presented: Vec<CitizenId>,
        signed: Vec<CitizenId>,
        now: Timestamp,
    ) -> Result<HandoverSignoff> {
        let signoff = HandoverSignoff {
            key: format!("urn:uuid:{}", crate::key::random_uuid()?),
            shift,
            presented,
            signed,
            signed_by: actor.0.clone(),
            signed_at: now,
        }
        .checked(now)?;
        let tx = self.conn.transaction()?;
        ensure_user_tx(&tx, actor, now)?;
        insert_signoff_tx(&tx, &signoff, now)?;
        enqueue_outbox_tx(&tx, &Outbound::HandoverSignoff(signoff.clone()), now)?;
        audit::append_tx(
            &tx,
            actor,
            "handover.sign",
            None,
            Some(&serde_json::json!({
                "from": shift.from.millis(),
                "to": shift.to.millis(),
                "signed": signoff.signed.len(),
                "presented": signoff.presented.len(),
            })),
            now,
        )?;
        tx.commit()?;
        Ok(signoff)
    }

    /// The notes that can bear on the handover of `shift`, oldest first: every one written
    /// before it ended, and its own written since (in the next shift's first hour its handover
    /// is still the one shown, and noted). Which of them applies follows from all (see
    /// [`vagt_core::handover::notes`]). Audited.
    pub fn handover_notes(&mut self, actor: &Actor, shift: ShiftSpan) -> Result<Vec<HandoverNote>> {
        let rows: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT record FROM handover_notes
                 WHERE written_at < ?2 OR (shift_from = ?1 AND shift_to = ?2)
                 ORDER BY written_at, key",
            )?
            .query_map([shift.from.millis(), shift.to.millis()], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        self.audit(actor, "handover.read_notes", None, None)?;
        records(rows, "handover note")
    }

    /// The sign-offs of the shifts that end at each of `shift_ends` (this shift's, and with the
    /// start of a shift, the one before). Audited.
    pub fn handover_signoffs(
        &mut self,
        actor: &Actor,
        shift_ends: &[Timestamp],
    ) -> Result<Vec<HandoverSignoff>> {
        let mut rows: Vec<String> = Vec::new();
        for end in shift_ends {
            let mut stmt = self.conn.prepare_cached(
                "SELECT record FROM handover_signoffs WHERE shift_to = ?1
                 ORDER BY signed_at, key",
            )?;
            for row in stmt.query_map([end.millis()], |r| r.get(0))? {
                rows.push(row?);
            }
        }
        self.audit(actor, "handover.read_signoffs", None, None)?;
        records(rows, "handover sign-off")
    }
}
