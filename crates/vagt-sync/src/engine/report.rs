//! What a run tells its caller: progress while it pulls, the counts and changed citizens when
//! it ends, and whether it finished. Apart from the run so that the pull and the push can fill
//! it in without depending on the run that calls them.

use crate::error::SyncError;
use serde::Serialize;
use std::collections::BTreeSet;
use vagt_core::CitizenId;
use vagt_store::PullReport;

/// How far a pull has come, for a status bar or a terminal.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub resource_type: String,
    pub done: usize,
    /// From `_summary=count`, when the server gives it.
    pub total: Option<u64>,
    pub per_second: f64,
    pub seconds_left: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    pub pulled: usize,
    pub citizens: usize,
    pub accepted: usize,
    pub duplicates: usize,
    pub retracted: usize,
    /// Inputs newly kept for a human (a re-delivery of one kept before counts none).
    pub rejected: usize,
    /// Nurses' records from any station (confirmed levels, plan revisions, shared settings)
    /// new to this store.
    pub records: usize,
    pub pushed: usize,
    /// Alarms raised by what this run brought (and by time passing): filled in by whoever
    /// evaluates after the run (the app's sync use case), not by the sync itself.
    pub alarms_raised: usize,
    /// The citizens whose alarms acknowledgements from other stations acknowledged here.
    #[serde(skip)]
    pub acknowledged_citizens: BTreeSet<CitizenId>,
    /// The citizens whose data this run changed: what must be evaluated and shown again.
    #[serde(skip)]
    pub changed_citizens: BTreeSet<CitizenId>,
    /// Those of them changed by a type other than Observation (a Patient, a diagnosis, a
    /// nurse's record): what a row shows that a bulk load does not wait for.
    #[serde(skip)]
    pub changed_besides_readings: BTreeSet<CitizenId>,
    /// The server's count of Observations to pull this run, when it gave one.
    #[serde(skip)]
    pub observations_total: Option<u64>,
    #[serde(skip)]
    pub observations_done: usize,
    /// This run ended a bulk load: the index is made and everyone deferred is due, so every
    /// row may show anew (sparklines and latest readings the window read meanwhile).
    #[serde(skip)]
    pub bulk_load_ended: bool,
}

impl SyncReport {
    pub(super) fn add(&mut self, page: &PullReport, resources: usize) {
        self.pulled += resources;
        self.citizens += page.citizens;
        self.accepted += page.accepted;
        self.duplicates += page.duplicates;
        self.retracted += page.retracted;
        self.rejected += page.rejected;
        self.records += page.records;
        self.acknowledged_citizens
            .extend(page.acknowledged_citizens.iter().cloned());
        self.changed_citizens
            .extend(page.changed_citizens.iter().cloned());
    }
}

/// How a run went: what it did, even when it failed part-way (what it pulled before the
/// failure is stored, and must still be evaluated), and whether it finished.
#[derive(Debug)]
pub struct SyncRun {
    pub report: SyncReport,
    pub result: Result<(), SyncError>,
}
