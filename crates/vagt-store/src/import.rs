//! Records loaded as a whole from a local source rather than a backend (the synthetic demo
//! cohort): citizens with exactly their diagnoses, and measurements through the same ingest
//! path real data takes, in one transaction.

use crate::{Actor, IngestReport, Result, Store, audit, citizens, readings};
use vagt_core::{Citizen, IncomingMeasurement, Timestamp};

impl Store {
    /// Upserts `citizens` and ingests `measurements` as received at `received_at`, in one
    /// transaction; loading the same records twice adds nothing. Audited as `{source}.load` with
    /// `detail` (codes and counts only).
    pub fn import_local(
        &mut self,
        actor: &Actor,
        source: &str,
        citizens: &[Citizen],
        measurements: Vec<IncomingMeasurement>,
        received_at: Timestamp,
        detail: &serde_json::Value,
    ) -> Result<IngestReport> {
        let tx = self.conn.transaction()?;
        let report = import_tx(&tx, source, citizens, measurements, received_at)?;
        audit::append_tx(
            &tx,
            actor,
            &format!("{source}.load"),
            None,
            Some(detail),
            Timestamp::now(),
        )?;
        tx.commit()?;
        Ok(report)
    }

    /// One part of a load too large for one transaction (a region of citizens, in parts of a
    /// few of them): as [`Store::import_local`], but the caller audits the whole load once.
    pub fn import_local_part(
        &mut self,
        source: &str,
        citizens: &[Citizen],
        measurements: Vec<IncomingMeasurement>,
        received_at: Timestamp,
    ) -> Result<IngestReport> {
        let tx = self.conn.transaction()?;
        let report = import_tx(&tx, source, citizens, measurements, received_at)?;
        tx.commit()?;
        Ok(report)
    }
}

fn import_tx(
    tx: &rusqlite::Transaction<'_>,
    source: &str,
    citizens: &[Citizen],
    measurements: Vec<IncomingMeasurement>,
    received_at: Timestamp,
) -> Result<IngestReport> {
    for citizen in citizens {
        citizens::upsert_citizen_tx(tx, citizen, received_at)?;
    }
    readings::ingest_tx(tx, source, measurements, received_at)
}
