//! Fills a database with the synthetic cohort, through the same ingest path real data takes.

use crate::{Actor, Result, Store, audit, citizens, readings};
use serde::Serialize;
use vagt_cohort::{self as cohort, CohortSpec};
use vagt_core::Timestamp;

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

impl Store {
    /// Loads the cohort in one transaction; running it twice with the same spec adds nothing.
    pub fn load_demo(&mut self, actor: &Actor, spec: &CohortSpec) -> Result<DemoReport> {
        let cohort = cohort::generate(spec);
        let tx = self.conn.transaction()?;
        let now = spec.end;
        for citizen in &cohort.citizens {
            citizens::upsert_citizen_tx(&tx, citizen, now)?;
        }
        let report = readings::ingest_tx(&tx, "demo", cohort.measurements, now)?;
        let detail = serde_json::json!({ "seed": spec.seed, "citizens": cohort.citizens.len() });
        audit::append_tx(
            &tx,
            actor,
            "demo.load",
            None,
            Some(&detail),
            Timestamp::now(),
        )?;
        tx.commit()?;
        let evaluation = self.evaluate_alarms(now)?;
        Ok(DemoReport {
            seed: spec.seed,
            citizens: cohort.citizens.len(),
            accepted: report.accepted,
            duplicates: report.duplicates,
            rejected: report.rejected,
            alarms_raised: evaluation.raised.len(),
        })
    }
}
