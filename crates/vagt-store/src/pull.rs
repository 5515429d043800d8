//! The store's side of a pull: each pulled page is applied in one transaction together with
//! the checkpoint that covers it, so a crash at any point loses nothing and a re-run duplicates
//! nothing.

use crate::AckOutcome;
use crate::calls::{CallApplied, apply_remote_call_tx};
use crate::care_events::{CareEventsApplied, apply_care_event_update_tx};
use crate::dispatches::{DispatchApplied, apply_remote_dispatch_tx};
use crate::enrolments::apply_enrolment_tx;
use crate::escalation::apply_remote_shared_setting_tx;
use crate::handover::{
    HandoverApplied, apply_remote_handover_note_tx, apply_remote_handover_signoff_tx,
};
use crate::levels::apply_remote_decision_tx;
use crate::persons::{LinkApplied, apply_remote_call_link_tx};
use crate::plans::{RevisionApplied, apply_remote_plan_revision_tx};
use crate::readings::{Rejection, ingest_tx, record_rejection_tx};
use crate::remote_acks::apply_remote_acknowledgement_tx;
use crate::visits::{
    VisitApplied, apply_medication_tx, apply_remote_visit_tx, withdraw_medication_tx,
};
use crate::withdrawals::{RETRACT_SQL, RETRACTED_CITIZENS_SQL};
use crate::{IngestReport, Result, Store, StoreError, citizens};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use std::collections::BTreeSet;
use vagt_core::medicine::MedicineUpdate;
use vagt_core::outbound::{LevelDecisionRecord, PlanRevisionRecord, SharedSettingRecord};
use vagt_core::{
    CareEventUpdate, Citizen, CitizenId, Diagnosis, Enrolment, IncomingMeasurement, Timestamp,
};

/// A record of Vagt's read back from the backend, with where it came from and the resource as
/// received (kept for a human if the record cannot be taken).
#[derive(Debug, Clone, PartialEq)]
pub struct Pulled<T> {
    /// E.g. `https://backend/fhir|Basic/12`.
    pub source_id: String,
    pub resource_type: String,
    pub payload: String,
    pub record: T,
}

/// A citizen as a backend resource describes them.
#[derive(Debug, Clone, PartialEq)]
pub struct SourcedCitizen {
    /// E.g. `https://backend/fhir|Patient/123`.
    pub source_id: String,
    pub source_version: String,
    pub citizen: Citizen,
    /// A person the MAS function serves who is not enrolled (the Patient's tag says so).
    pub mas_only: bool,
}

/// Everything one pulled page holds, already mapped to the domain.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PullBatch {
    pub citizens: Vec<SourcedCitizen>,
    pub diagnoses: Vec<(CitizenId, Diagnosis)>,
    pub measurements: Vec<IncomingMeasurement>,
    /// Source ids of measurements the backend withdrew (`entered-in-error`). A source id also
    /// covers the readings split from it (`id#component`).
    pub retractions: Vec<String>,
    pub rejections: Vec<Rejection>,
    /// Alarm acknowledgements made at other stations.
    pub acknowledgements: Vec<vagt_core::alarm::AlarmAcknowledgement>,
    /// Care events, one update per encounter version (MAS visits, admissions, discharges).
    pub care_events: Vec<CareEventUpdate>,
    /// Citizens' enrolments (EpisodeOfCare versions).
    pub enrolments: Vec<Enrolment>,
    /// Nurses' decisions on confirmed levels, from every station.
    pub decisions: Vec<LevelDecisionRecord>,
    /// Plan revisions, from every station.
    pub plan_revisions: Vec<Pulled<PlanRevisionRecord>>,
    /// Changes of settings the clinic shares, from every station.
    pub shared_settings: Vec<Pulled<SharedSettingRecord>>,
    /// Telephone calls, from every station.
    pub calls: Vec<Pulled<vagt_core::call::CallRecord>>,
    /// Links of unknown callers' calls to citizens, from every station.
    pub call_links: Vec<Pulled<vagt_core::person::CallLink>>,
    /// Nurses' handover notes and receivers' sign-offs, from every station.
    pub handover_notes: Vec<Pulled<vagt_core::handover::HandoverNote>>,
    pub handover_signoffs: Vec<Pulled<vagt_core::handover::HandoverSignoff>>,
    /// MAS dispatches, as the backend holds them (every station's steps).
    pub dispatches: Vec<Pulled<vagt_core::dispatch::DispatchRecord>>,
    /// MAS visits, from every station.
    pub visits: Vec<Pulled<vagt_core::visit::VisitRecord>>,
    /// What the backend's prescriptions say of citizens' medicine boxes.
    pub medicine: Vec<vagt_core::medicine::MedicineUpdate>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PullReport {
    pub citizens: usize,
    pub accepted: usize,
    pub duplicates: usize,
    pub retracted: usize,
    /// Inputs newly kept for a human (one kept before and delivered again counts none).
    pub rejected: usize,
    /// Encounter versions that changed a citizen's care events (new events, or older ones
    /// superseded or retracted); a replayed or older version counts none.
    pub care_events: usize,
    /// Acknowledgements from other stations applied (or kept waiting for their alarm).
    pub acknowledgements: usize,
    /// The citizens whose alarms those acknowledgements acknowledged here.
    #[serde(skip)]
    pub acknowledged_citizens: BTreeSet<CitizenId>,
    /// Decisions, plan revisions and shared settings new to this store.
    pub records: usize,
    /// The citizens whose data this page changed: what the app re-reads and re-evaluates.
    #[serde(skip)]
    pub changed_citizens: BTreeSet<CitizenId>,
}

/// A Patient carries no diagnoses (those are Conditions), so only the row is updated.
fn upsert_sourced_citizen_tx(
    tx: &Connection,
    sourced: &SourcedCitizen,
    now: Timestamp,
) -> Result<()> {
    citizens::upsert_citizen_row_tx(tx, &sourced.citizen, now)?;
    tx.prepare_cached(
        "UPDATE citizens SET source_id = ?2, source_version = ?3, mas_only = ?4 WHERE id = ?1",
    )?
    .execute((
        sourced.citizen.id.as_str(),
        &sourced.source_id,
        &sourced.source_version,
        i64::from(sourced.mas_only),
    ))?;
    Ok(())
}

/// A pulled record the store refused (a plan that does not fit the citizen's defaults, a
/// setting this Vagt does not know), as a rejection kept for a human.
fn refused_record<T>(
    backend: &str,
    pulled: &Pulled<T>,
    refused: &dyn std::fmt::Display,
    citizen: Option<&CitizenId>,
) -> Rejection {
    Rejection {
        source: backend.to_owned(),
        source_id: Some(pulled.source_id.clone()),
        resource_type: Some(pulled.resource_type.clone()),
        reason_code: "refused_record".into(),
        reason: refused.to_string(),
        payload: pulled.payload.clone(),
        citizen_id: citizen.map(|c| c.as_str().to_owned()),
    }
}

/// Keeps a pulled record the store refused for a human, with its citizen where this store
/// knows them (a rejection names only a known citizen). Returns 1 when it was newly kept.
fn keep_refused<T>(
    tx: &Connection,
    backend: &str,
    pulled: &Pulled<T>,
    refused: &StoreError,
    citizen: Option<&CitizenId>,
    received_at: Timestamp,
) -> Result<usize> {
    let known = match citizen {
        Some(c) => crate::citizen_rows::citizen_exists(tx, c.as_str())?,
        None => false,
    };
    let kept = record_rejection_tx(
        tx,
        &refused_record(backend, pulled, refused, citizen.filter(|_| known)),
        received_at,
    )?;
    Ok(usize::from(kept))
}

impl Store {
    /// Where the last pull of `resource_type` from `backend` stopped.
    pub fn sync_checkpoint(&self, backend: &str, resource_type: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT last_updated FROM sync_checkpoints WHERE backend = ?1 AND resource_type = ?2",
                (backend, resource_type),
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Whether any backend's `resource_type` was ever pulled into this store (a checkpoint).
    pub fn has_pulled_from_any_backend(&self, resource_type: &str) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sync_checkpoints WHERE resource_type = ?1)",
            [resource_type],
            |r| r.get(0),
        )?)
    }

    /// The citizen a backend resource (e.g. `base|Patient/123`) was stored as.
    pub fn citizen_for_source(&self, source_id: &str) -> Result<Option<CitizenId>> {
        let id: Option<String> = self
            .conn
            .prepare_cached("SELECT id FROM citizens WHERE source_id = ?1")?
            .query_row([source_id], |r| r.get(0))
            .optional()?;
        Ok(id.and_then(|id| CitizenId::new(id).ok()))
    }

    /// Applies one pulled page and moves the checkpoint, atomically: in a transaction of its
    /// own, or while pulls are held (`hold_pulls`) in the held transaction. A page that fails
    /// there rolls back every page held with it, checkpoints included: they are pulled again.
    /// (Not a savepoint each: SQLite keeps a savepoint's undo in a journal of its own, and the
    /// store path ran at half the rate.)
    pub fn apply_pull(
        &mut self,
        backend: &str,
        resource_type: &str,
        batch: PullBatch,
        checkpoint: Option<&str>,
        received_at: Timestamp,
    ) -> Result<PullReport> {
        if !self.pulls_held {
            let tx = self.conn.transaction()?;
            let report = apply_page(&tx, backend, resource_type, batch, checkpoint, received_at)?;
            tx.commit()?;
            return Ok(report);
        }
        let applied = apply_page(
            &self.conn,
            backend,
            resource_type,
            batch,
            checkpoint,
            received_at,
        );
        if applied.is_err() {
            self.roll_back_pulls();
        }
        applied
    }

    /// Holds the pages `apply_pull` stores in one transaction until `commit_pulls`. With a
    /// transaction a page, SQLite wrote (and SQLCipher encrypted) every index page a page's
    /// readings touched once a page, more than a page a reading; held for half a second (some
    /// 20 pages), the store path ran at 34-38k readings/s instead of 18-22k (`vagtctl bench
    /// ingest`, same hour). Each page moves its checkpoint in the held transaction, so a crash
    /// loses only pages that are pulled again. Nothing else may write on this connection
    /// meanwhile: its transactions cannot begin inside the held one (and say so, `cannot
    /// start a transaction within a transaction`). Holding while held does nothing.
    pub fn hold_pulls(&mut self) -> Result<()> {
        if !self.pulls_held {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
            self.pulls_held = true;
            crate::lock_wait::held_pulls_began_or_committed();
        }
        Ok(())
    }

    /// Commits the pages held since `hold_pulls`; nothing when none are held. A commit that
    /// fails rolls them back, checkpoints included.
    pub fn commit_pulls(&mut self) -> Result<()> {
        if !self.pulls_held {
            return Ok(());
        }
        // SQLite ends a transaction itself after some failures (a full disk): then the held
        // pages are gone, and saying so is the caller's due.
        if self.conn.is_autocommit() {
            self.pulls_held = false;
            return Err(StoreError::PullsRolledBack);
        }
        if let Err(failed) = self.conn.execute_batch("COMMIT") {
            self.roll_back_pulls();
            return Err(failed.into());
        }
        self.pulls_held = false;
        crate::lock_wait::held_pulls_began_or_committed();
        Ok(())
    }

    /// Whether pages are held uncommitted (`hold_pulls`).
    pub fn pulls_held(&self) -> bool {
        self.pulls_held
    }

    fn roll_back_pulls(&mut self) {
        self.pulls_held = false;
        if !self.conn.is_autocommit() {
            // Its own failure would hide the one that called for it, which says what went
            // wrong; the connection then refuses every transaction, and says so.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }

    /// The current readings as (source id, version, value): what a sync must make equal to the
    /// server's set.
    pub fn current_reading_keys(&self) -> Result<Vec<(String, String, f64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT source_id, source_version, value FROM readings
             WHERE is_current = 1 AND status <> 'entered_in_error' ORDER BY source_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// One pulled page applied on `tx`: its own transaction, or the one held for pulls (see
/// `Store::apply_pull`).
fn apply_page(
    tx: &Connection,
    backend: &str,
    resource_type: &str,
    batch: PullBatch,
    checkpoint: Option<&str>,
    received_at: Timestamp,
) -> Result<PullReport> {
    let mut report = PullReport {
        citizens: batch.citizens.len(),
        ..PullReport::default()
    };
    for sourced in &batch.citizens {
        upsert_sourced_citizen_tx(tx, sourced, received_at)?;
        report.changed_citizens.insert(sourced.citizen.id.clone());
    }
    for (citizen, diagnosis) in &batch.diagnoses {
        report.changed_citizens.insert(citizen.clone());
        tx.prepare_cached(
            "INSERT OR IGNORE INTO citizen_diagnoses (citizen_id, diagnosis) VALUES (?1, ?2)",
        )?
        .execute((citizen.as_str(), diagnosis.code()))?;
    }
    let IngestReport {
        accepted,
        duplicates,
        rejected,
        changed_citizens,
    } = ingest_tx(tx, backend, batch.measurements, received_at)?;
    report.changed_citizens.extend(changed_citizens);
    report.accepted = accepted;
    report.duplicates = duplicates;
    report.rejected = rejected;
    for source_id in &batch.retractions {
        let mut retracted_of = tx.prepare_cached(RETRACTED_CITIZENS_SQL)?;
        for citizen in retracted_of.query_map([source_id], |r| r.get::<_, String>(0))? {
            if let Ok(id) = CitizenId::new(citizen?) {
                report.changed_citizens.insert(id);
            }
        }
        report.retracted += tx.prepare_cached(RETRACT_SQL)?.execute([source_id])?;
    }
    for update in &batch.care_events {
        if let CareEventUpdate::Events { citizen_id, .. } = update {
            report.changed_citizens.insert(citizen_id.clone());
        }
        match apply_care_event_update_tx(tx, backend, update, received_at)? {
            CareEventsApplied::Changed => report.care_events += 1,
            CareEventsApplied::Unchanged => {}
            CareEventsApplied::Rejected { new } => report.rejected += usize::from(new),
        }
    }
    for enrolment in &batch.enrolments {
        if apply_enrolment_tx(tx, enrolment, received_at)? {
            report.changed_citizens.insert(enrolment.citizen_id.clone());
        }
    }
    for decision in &batch.decisions {
        if apply_remote_decision_tx(tx, decision, received_at)? {
            report.records += 1;
            report.changed_citizens.insert(decision.citizen_id.clone());
        }
    }
    for pulled in &batch.plan_revisions {
        match apply_remote_plan_revision_tx(tx, &pulled.record, &pulled.source_id, received_at) {
            Ok(RevisionApplied::New) => {
                report.records += 1;
                report
                    .changed_citizens
                    .insert(pulled.record.citizen_id.clone());
            }
            Ok(RevisionApplied::Known) => {}
            Err(StoreError::Triage(refused)) => {
                let kept = record_rejection_tx(
                    tx,
                    &refused_record(backend, pulled, &refused, Some(&pulled.record.citizen_id)),
                    received_at,
                )?;
                report.rejected += usize::from(kept);
            }
            Err(other) => return Err(other),
        }
    }
    for pulled in &batch.shared_settings {
        match apply_remote_shared_setting_tx(tx, &pulled.record, &pulled.source_id, received_at) {
            Ok(new) => report.records += usize::from(new),
            Err(StoreError::Triage(refused)) => {
                let kept = record_rejection_tx(
                    tx,
                    &refused_record(backend, pulled, &refused, None),
                    received_at,
                )?;
                report.rejected += usize::from(kept);
            }
            Err(other) => return Err(other),
        }
    }
    for pulled in &batch.calls {
        match apply_remote_call_tx(tx, &pulled.record, &pulled.source_id, received_at) {
            Ok(CallApplied::New) => {
                report.records += 1;
                // An unknown caller's call names the citizen a link gave it, if any.
                let citizen: Option<String> = tx
                    .prepare_cached("SELECT citizen_id FROM calls WHERE key = ?1")?
                    .query_row([&pulled.record.key], |r| r.get(0))?;
                if let Some(citizen) = citizen.and_then(|c| CitizenId::new(c).ok()) {
                    report.changed_citizens.insert(citizen);
                }
            }
            Ok(CallApplied::Known) => {}
            // A call that does not hold together, or of a citizen this store does not
            // know: kept for a human, the rest of the page goes on.
            Err(refused @ (StoreError::InvalidCall(_) | StoreError::UnknownCitizen(_))) => {
                let citizen = pulled.record.citizen_id.as_ref();
                report.rejected +=
                    keep_refused(tx, backend, pulled, &refused, citizen, received_at)?;
            }
            Err(other) => return Err(other),
        }
    }
    for pulled in &batch.call_links {
        match apply_remote_call_link_tx(tx, &pulled.record, received_at) {
            Ok(LinkApplied::New) => {
                report.records += 1;
                report
                    .changed_citizens
                    .insert(pulled.record.citizen_id.clone());
            }
            Ok(LinkApplied::Known) => {}
            // A link to a citizen this store does not know: kept for a human.
            Err(refused @ StoreError::UnknownCitizen(_)) => {
                let citizen = Some(&pulled.record.citizen_id);
                report.rejected +=
                    keep_refused(tx, backend, pulled, &refused, citizen, received_at)?;
            }
            Err(other) => return Err(other),
        }
    }
    for pulled in &batch.handover_notes {
        match apply_remote_handover_note_tx(tx, &pulled.record, received_at) {
            Ok(HandoverApplied::New) => report.records += 1,
            Ok(HandoverApplied::Known) => {}
            // A note on a citizen this store does not know: kept for a human.
            Err(refused @ StoreError::UnknownCitizen(_)) => {
                let citizen = Some(&pulled.record.citizen_id);
                report.rejected +=
                    keep_refused(tx, backend, pulled, &refused, citizen, received_at)?;
            }
            Err(other) => return Err(other),
        }
    }
    for pulled in &batch.handover_signoffs {
        if apply_remote_handover_signoff_tx(tx, &pulled.record, received_at)?
            == HandoverApplied::New
        {
            report.records += 1;
        }
    }
    for pulled in &batch.dispatches {
        match apply_remote_dispatch_tx(tx, &pulled.record, &pulled.source_id, received_at) {
            Ok(DispatchApplied::Changed) => {
                report.records += 1;
                report
                    .changed_citizens
                    .insert(pulled.record.citizen_id.clone());
            }
            Ok(DispatchApplied::Known) => {}
            // A dispatch that does not hold together (alone or with the steps held here),
            // or of a citizen this store does not know: kept for a human.
            Err(refused @ (StoreError::InvalidDispatch(_) | StoreError::UnknownCitizen(_))) => {
                let citizen = Some(&pulled.record.citizen_id);
                report.rejected +=
                    keep_refused(tx, backend, pulled, &refused, citizen, received_at)?;
            }
            Err(other) => return Err(other),
        }
    }
    for pulled in &batch.visits {
        match apply_remote_visit_tx(tx, &pulled.record, &pulled.source_id, received_at) {
            Ok(VisitApplied::New) => {
                report.records += 1;
                report
                    .changed_citizens
                    .insert(pulled.record.citizen_id.clone());
            }
            Ok(VisitApplied::Known) => {}
            // A visit that does not hold together, or of a citizen this store does not
            // know: kept for a human.
            Err(refused @ (StoreError::InvalidVisit(_) | StoreError::UnknownCitizen(_))) => {
                let citizen = Some(&pulled.record.citizen_id);
                report.rejected +=
                    keep_refused(tx, backend, pulled, &refused, citizen, received_at)?;
            }
            Err(other) => return Err(other),
        }
    }
    for update in &batch.medicine {
        let changed = match update {
            MedicineUpdate::InBox { medicine, version } => {
                apply_medication_tx(tx, medicine, true, version, received_at)?
                    .then(|| medicine.citizen_id.clone())
            }
            MedicineUpdate::Withdrawn { source } => {
                withdraw_medication_tx(tx, &source.id, &source.version)?
            }
        };
        if let Some(citizen) = changed {
            report.records += 1;
            report.changed_citizens.insert(citizen);
        }
    }
    for rejection in &batch.rejections {
        let kept = record_rejection_tx(tx, rejection, received_at)?;
        report.rejected += usize::from(kept);
    }
    for ack in &batch.acknowledgements {
        let outcome = apply_remote_acknowledgement_tx(tx, ack, received_at)?;
        report.acknowledgements += 1;
        if let AckOutcome::Acknowledged { alarm_id } = outcome {
            let citizen: String = tx
                .prepare_cached("SELECT citizen_id FROM alarms WHERE id = ?1")?
                .query_row([&alarm_id], |r| r.get(0))?;
            report.acknowledged_citizens.insert(
                CitizenId::new(citizen)
                    .map_err(|e| StoreError::Corrupt(format!("an alarm's citizen: {e}")))?,
            );
        }
    }
    if let Some(checkpoint) = checkpoint {
        tx.prepare_cached(
            "INSERT INTO sync_checkpoints (backend, resource_type, last_updated, updated_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (backend, resource_type) DO UPDATE
             SET last_updated = excluded.last_updated, updated_at = excluded.updated_at",
        )?
        .execute((backend, resource_type, checkpoint, received_at.millis()))?;
    }
    Ok(report)
}
