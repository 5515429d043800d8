//! The synthetic demo cohort loaded into the station's database, through the same ingest path
//! real data takes, and evaluated as of the cohort's end.

use crate::follow_up::{Affected, AlarmsChanged, follow_up};
use crate::{AppError, NoWindow, Session, StoreChanged};
use serde::Serialize;
use vagt_cohort::CohortSpec;
use vagt_store::Actor;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoReport {
    pub seed: u64,
    pub citizens: usize,
    pub accepted: usize,
    pub duplicates: usize,
    pub rejected: usize,
    /// Alarms the loaded data raised (the cohort's exacerbations and silences).
    pub alarms_raised: usize,
}

impl Session {
    /// Loads the cohort of `spec`; loading it twice adds nothing.
    pub fn load_demo(&self, actor: &Actor, spec: &CohortSpec) -> Result<DemoReport, AppError> {
        let mut store = self.store()?;
        let mut ingest = vagt_store::IngestReport::default();
        let mut citizens = Vec::new();
        let mut measurements = Vec::new();
        let mut add = |store: &mut vagt_store::Store,
                       citizens: &mut Vec<vagt_core::Citizen>,
                       measurements: &mut Vec<_>|
         -> Result<(), AppError> {
            let part = store.import_local_part(
                "demo",
                &std::mem::take(citizens),
                std::mem::take(measurements),
                spec.end,
            )?;
            ingest.accepted += part.accepted;
            ingest.duplicates += part.duplicates;
            ingest.rejected += part.rejected;
            Ok(())
        };
        // A region is tens of millions of readings: generated and stored a few citizens at a
        // time, in transactions of about this many readings.
        const READINGS_PER_PART: usize = 50_000;
        let mut count = 0;
        for part in vagt_cohort::citizens(spec) {
            citizens.push(part.citizen);
            measurements.extend(part.measurements);
            count += 1;
            if measurements.len() >= READINGS_PER_PART {
                add(&mut store, &mut citizens, &mut measurements)?;
            }
        }
        add(&mut store, &mut citizens, &mut measurements)?;
        store.audit(
            actor,
            "demo.load",
            None,
            Some(&serde_json::json!({ "seed": spec.seed, "citizens": count })),
        )?;
        // Everyone is new: one notice to re-read everything, not one per citizen.
        let evaluation = follow_up(
            &mut store,
            Affected::Everyone,
            AlarmsChanged::Anyone,
            spec.end,
            &NoWindow,
        )?;
        self.sink().changed(&StoreChanged::everything());
        Ok(DemoReport {
            seed: spec.seed,
            citizens: count,
            accepted: ingest.accepted,
            duplicates: ingest.duplicates,
            rejected: ingest.rejected,
            alarms_raised: evaluation.raised.len(),
        })
    }
}
