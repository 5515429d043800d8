//! The synthetic demo cohort loaded into the station's database, through the same ingest path
//! real data takes, and evaluated as of the cohort's end.

use crate::follow_up::{Affected, follow_up};
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
        let cohort = vagt_cohort::generate(spec);
        let mut store = self.store()?;
        let detail = serde_json::json!({ "seed": spec.seed, "citizens": cohort.citizens.len() });
        let ingest = store.import_local(
            actor,
            "demo",
            &cohort.citizens,
            cohort.measurements,
            spec.end,
            &detail,
        )?;
        // Everyone is new: one notice to re-read everything, not one per citizen.
        let evaluation = follow_up(&mut store, Affected::Everyone, true, spec.end, &NoWindow)?;
        self.sink().changed(&StoreChanged::everything());
        Ok(DemoReport {
            seed: spec.seed,
            citizens: cohort.citizens.len(),
            accepted: ingest.accepted,
            duplicates: ingest.duplicates,
            rejected: ingest.rejected,
            alarms_raised: evaluation.raised.len(),
        })
    }
}
