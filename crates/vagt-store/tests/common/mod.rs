//! Shared by the store's tests: the demo cohort loaded as the app loads it (import, then an
//! evaluation at the cohort's end), and what the outbox holds.
#![allow(dead_code, unused_imports, clippy::unwrap_used)]

use vagt_cohort::CohortSpec;
use vagt_core::CitizenId;
pub use vagt_core::LevelKind;
pub use vagt_core::alarm::{AlarmKind, AlarmPriority, AlarmState};
pub use vagt_core::outbound::Outbound;
use vagt_store::{Actor, Store};
pub use vagt_store::{AlarmFilter, OutboxRecord};

#[derive(Debug)]
pub struct DemoLoad {
    pub citizens: usize,
    pub accepted: usize,
    pub duplicates: usize,
    pub rejected: usize,
    pub alarms_raised: usize,
}

pub fn load_demo(
    store: &mut Store,
    actor: &Actor,
    spec: &CohortSpec,
) -> vagt_store::Result<DemoLoad> {
    let cohort = vagt_cohort::generate(spec);
    let report = store.import_local(
        actor,
        "demo",
        &cohort.citizens,
        cohort.measurements,
        spec.end,
        &serde_json::json!({ "seed": spec.seed }),
    )?;
    let evaluation = store.evaluate_alarms(spec.end)?;
    Ok(DemoLoad {
        citizens: cohort.citizens.len(),
        accepted: report.accepted,
        duplicates: report.duplicates,
        rejected: report.rejected,
        alarms_raised: evaluation.raised.len(),
    })
}

pub fn cid(id: &str) -> CitizenId {
    CitizenId::new(id).unwrap()
}

/// A typed value as JSON, for tests that look into an alarm's cause.
pub fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap()
}

/// The kinds of the records waiting in the outbox, oldest first.
pub fn outbox_kinds(store: &Store) -> Vec<String> {
    store
        .pending_outbox(200)
        .unwrap()
        .into_iter()
        .map(|i| match i.record {
            OutboxRecord::Record(r) => r.kind().to_owned(),
            OutboxRecord::Fhir(_) => "fhir".into(),
        })
        .collect()
}
