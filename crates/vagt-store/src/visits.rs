//! MAS visits and the medicine box in the store. A visit is recorded once, in one transaction
//! with what it sets off (an admission's confirmed level), queued and audited; visits from
//! other stations are kept by key, so a visit read back is the same visit. The medicine box is
//! what the backend's MedicationRequests say, one row per prescription.

use crate::dispatches::complete_for_visit_tx;
use crate::levels::confirm_level_tx;
use crate::outbox::enqueue_outbox_tx;
use crate::users::ensure_user_tx;
use crate::{Actor, Result, Store, StoreError, audit};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use vagt_core::medicine::BoxedMedicine;
use vagt_core::news2::News2;
use vagt_core::outbound::Outbound;
use vagt_core::visit::VisitRecord;
use vagt_core::{CitizenId, Timestamp};

/// What recording a visit did besides keeping it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct VisitSaved {
    pub key: String,
    pub news2: News2,
    /// The decision key of the confirmed level an admission set, if it set one.
    pub level_decision: Option<String>,
    /// The dispatch the visit completed, if it completed one.
    pub completed_dispatch: Option<String>,
    /// False when the visit was already kept (saved twice): nothing was done again.
    pub new: bool,
}

/// What a pulled visit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VisitApplied {
    New,
    Known,
}

fn insert_visit_tx(
    tx: &Connection,
    visit: &VisitRecord,
    source_id: Option<&str>,
    received_at: Timestamp,
) -> Result<bool> {
    let record =
        serde_json::to_string(visit).map_err(|e| StoreError::Corrupt(format!("visit: {e}")))?;
    let inserted = tx
        .prepare_cached(
            "INSERT INTO visits (key, citizen_id, dispatch_key, nurse, arrived_at, left_at,
                                 outcome, news2, record, source_id, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (key) DO NOTHING",
        )?
        .execute(rusqlite::params![
            &visit.key,
            visit.citizen_id.as_str(),
            visit.dispatch_key.as_deref(),
            &visit.nurse,
            visit.arrived_at.millis(),
            visit.left_at.millis(),
            visit.outcome.code(),
            i64::from(visit.news2().total),
            record,
            source_id,
            received_at.millis(),
        ])?;
    Ok(inserted == 1)
}

/// Keeps a visit recorded at another station (or this one, read back). One that does not
/// hold together, or of a citizen this store does not know, is an error for the caller to keep
/// for a human. The level its outcome set travels on its own (the nurse's confirmed level).
pub(crate) fn apply_remote_visit_tx(
    tx: &Connection,
    visit: &VisitRecord,
    source_id: &str,
    received_at: Timestamp,
) -> Result<VisitApplied> {
    let problems = visit.problems(received_at);
    if !problems.is_empty() {
        return Err(StoreError::InvalidVisit(problems));
    }
    crate::citizen_rows::require_citizen(tx, visit.citizen_id.as_str())?;
    if insert_visit_tx(tx, visit, Some(source_id), received_at)? {
        audit::append_tx(
            tx,
            &Actor::system(),
            "visit.received",
            Some(("citizen", visit.citizen_id.as_str())),
            Some(&serde_json::json!({ "visit": visit.key })),
            received_at,
        )?;
        Ok(VisitApplied::New)
    } else {
        tx.prepare_cached("UPDATE visits SET source_id = ?2 WHERE key = ?1 AND source_id IS NULL")?
            .execute((&visit.key, source_id))?;
        Ok(VisitApplied::Known)
    }
}

/// One MedicationRequest's word on the box: in it (as of this version) or out of it.
pub(crate) fn apply_medication_tx(
    tx: &Connection,
    medicine: &BoxedMedicine,
    in_box: bool,
    version: &str,
    received_at: Timestamp,
) -> Result<bool> {
    crate::citizen_rows::require_citizen(tx, medicine.citizen_id.as_str())?;
    let changed = tx
        .prepare_cached(
            "INSERT INTO medicine_box (source_id, citizen_id, drug, atc, dose, when_to_start,
                                       prescribed_at, in_box, source_version, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (source_id) DO UPDATE SET citizen_id = excluded.citizen_id,
                 drug = excluded.drug, atc = excluded.atc, dose = excluded.dose,
                 when_to_start = excluded.when_to_start, prescribed_at = excluded.prescribed_at,
                 in_box = excluded.in_box, source_version = excluded.source_version,
                 received_at = excluded.received_at
             WHERE medicine_box.source_version <> excluded.source_version
                OR medicine_box.in_box <> excluded.in_box",
        )?
        .execute(rusqlite::params![
            &medicine.source_id,
            medicine.citizen_id.as_str(),
            &medicine.drug,
            medicine.atc.as_deref(),
            &medicine.dose,
            &medicine.when_to_start,
            medicine.prescribed_at.map(Timestamp::millis),
            i64::from(in_box),
            version,
            received_at.millis(),
        ])?;
    Ok(changed == 1)
}

/// A prescription withdrawn on the backend leaves the box; one never seen here is nothing to
/// withdraw.
pub(crate) fn withdraw_medication_tx(
    tx: &Connection,
    source_id: &str,
    version: &str,
) -> Result<Option<CitizenId>> {
    let citizen: Option<String> = tx
        .prepare_cached(
            "UPDATE medicine_box SET in_box = 0, source_version = ?2
             WHERE source_id = ?1 AND in_box = 1 RETURNING citizen_id",
        )?
        .query_row((source_id, version), |r| r.get(0))
        .optional()?;
    citizen
        .map(|c| CitizenId::new(c).map_err(|e| StoreError::Corrupt(format!("box citizen: {e}"))))
        .transpose()
}

fn visits_of(rows: Vec<String>) -> Result<Vec<VisitRecord>> {
    rows.iter()
        .map(|text| {
            serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("visit: {e}")))
        })
        .collect()
}

pub(crate) fn medicine_box_of(conn: &Connection, citizen: &str) -> Result<Vec<BoxedMedicine>> {
    let mut stmt = conn.prepare_cached(
        "SELECT source_id, citizen_id, drug, atc, dose, when_to_start, prescribed_at
         FROM medicine_box WHERE citizen_id = ?1 AND in_box = 1 ORDER BY drug, source_id",
    )?;
    let rows = stmt.query_map([citizen], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, Option<i64>>(6)?,
        ))
    })?;
    rows.map(|row| {
        let (source_id, citizen, drug, atc, dose, when_to_start, prescribed_at) = row?;
        Ok(BoxedMedicine {
            source_id,
            citizen_id: CitizenId::new(citizen)
                .map_err(|e| StoreError::Corrupt(format!("box citizen: {e}")))?,
            drug,
            atc,
            dose,
            when_to_start,
            prescribed_at: prescribed_at.map(Timestamp::from_millis),
        })
    })
    .collect()
}

impl Store {
    /// Records a visit a MAS nurse made, in one transaction with what it sets off: an admission
    /// sets the confirmed level (municipal acute bed ECM5, hospital ECM6), the draft is removed;
    /// all of it queued for the backend and audited. A visit with problems is refused whole,
    /// every problem named; the same visit saved twice is kept once.
    pub fn record_visit(
        &mut self,
        actor: &Actor,
        visit: &VisitRecord,
        draft: Option<&str>,
        now: Timestamp,
    ) -> Result<VisitSaved> {
        let problems = visit.problems(now);
        if !problems.is_empty() {
            return Err(StoreError::InvalidVisit(problems));
        }
        crate::citizen_rows::require_citizen(&self.conn, visit.citizen_id.as_str())?;
        let tx = self.conn.transaction()?;
        ensure_user_tx(&tx, actor, now)?;
        let news2 = visit.news2();
        if !insert_visit_tx(&tx, visit, None, now)? {
            tx.commit()?;
            return Ok(VisitSaved {
                key: visit.key.clone(),
                news2,
                level_decision: None,
                completed_dispatch: None,
                new: false,
            });
        }
        enqueue_outbox_tx(&tx, &Outbound::Visit(Box::new(visit.clone())), now)?;
        // The dispatch it answers is completed with its outcome, which sets the level once;
        // without one, the visit sets it.
        let completed = match &visit.dispatch_key {
            Some(key) => complete_for_visit_tx(&tx, actor, key, visit.outcome, now)?,
            None => None,
        };
        let level_decision = match (&completed, visit.outcome.sets_level()) {
            (Some(saved), _) => saved.level_decision.clone(),
            (None, Some(level)) => Some(confirm_level_tx(
                &tx,
                &visit.citizen_id,
                level,
                actor,
                &format!("MAS-besøg: {}", visit.plan.trim()),
                now,
            )?),
            (None, None) => None,
        };
        if let Some(draft) = draft {
            tx.prepare_cached("DELETE FROM form_drafts WHERE id = ?1")?
                .execute([draft])?;
        }
        audit::append_tx(
            &tx,
            actor,
            "visit.record",
            Some(("citizen", visit.citizen_id.as_str())),
            Some(&serde_json::json!({ "visit": visit.key, "news2": news2.total })),
            now,
        )?;
        tx.commit()?;
        Ok(VisitSaved {
            key: visit.key.clone(),
            news2,
            level_decision,
            completed_dispatch: completed.map(|saved| saved.dispatch.key),
            new: true,
        })
    }

    /// Visits, newest first: one citizen's, or every visit since an instant. Audited.
    pub fn visits(
        &mut self,
        actor: &Actor,
        citizen: Option<&CitizenId>,
        since: Option<Timestamp>,
    ) -> Result<Vec<VisitRecord>> {
        let rows: Vec<String> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT record FROM visits
                 WHERE (?1 IS NULL OR citizen_id = ?1) AND arrived_at >= ?2
                 ORDER BY arrived_at DESC, key DESC",
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
            "visits.read",
            citizen.map(|c| ("citizen", c.as_str())),
            None,
        )?;
        visits_of(rows)
    }

    /// One visit by its key. Audited.
    pub fn visit(&mut self, actor: &Actor, key: &str) -> Result<VisitRecord> {
        let row: Option<String> = self
            .conn
            .prepare_cached("SELECT record FROM visits WHERE key = ?1")?
            .query_row([key.trim()], |r| r.get(0))
            .optional()?;
        let Some(row) = row else {
            return Err(StoreError::UnknownVisit(key.trim().to_owned()));
        };
        let visit = visits_of(vec![row])?.remove(0);
        self.audit(
            actor,
            "visit.read",
            Some(("citizen", visit.citizen_id.as_str())),
            Some(&serde_json::json!({ "visit": visit.key })),
        )?;
        Ok(visit)
    }

    /// The SpO2 scale of the citizen's plan, which a visit's NEWS2 is scored on.
    pub fn spo2_scale(&self, citizen: &CitizenId) -> Result<vagt_core::news2::SpO2Scale> {
        Ok(crate::plans::resolved_plan(&self.conn, citizen.as_str())?.news2_spo2_scale)
    }

    /// The drugs in the citizen's medicine box, by name. Audited.
    pub fn medicine_box(
        &mut self,
        actor: &Actor,
        citizen: &CitizenId,
    ) -> Result<Vec<BoxedMedicine>> {
        let medicine = medicine_box_of(&self.conn, citizen.as_str())?;
        self.audit(
            actor,
            "medicine_box.read",
            Some(("citizen", citizen.as_str())),
            None,
        )?;
        Ok(medicine)
    }
}
