//! A `vagt-sim` to sync with, and the retry policy and sync loop the tests use with it.

use std::time::Duration;
use vagt_core::Timestamp;
use vagt_sim::{FaultProfile, RunningSim, SimConfig};
use vagt_store::Store;
use vagt_sync::{FhirClient, RetryPolicy, SyncConfig, SyncReport, sync_once};

/// Quick retries: a test backend on loopback answers at once or not at all.
pub fn test_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 12,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(300),
        request_timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(1),
        ..RetryPolicy::default()
    }
}

/// A simulator of `citizens` over `days` days, ending now, with `faults` on the wire.
pub async fn sim(citizens: usize, days: u32, faults: FaultProfile) -> RunningSim {
    vagt_sim::spawn(SimConfig {
        seed: 42,
        citizens,
        days,
        end: Timestamp::now(),
        token: None,
        faults,
        fault_seed: 7,
    })
    .await
    .expect("sim starts")
}

/// Runs syncs until one succeeds (a fault may make a run give up; the next resumes).
pub async fn sync_until_ok(store: &mut Store, client: &FhirClient) -> SyncReport {
    let config = SyncConfig {
        page_size: 100,
        ..SyncConfig::default()
    };
    for _ in 0..20 {
        match sync_once(store, client, &config, &mut |_| {}).await {
            // As the app does after a run: the rules for the citizens it changed.
            Ok(mut report) => {
                let evaluation = store.evaluate_due(Timestamp::now()).expect("evaluate");
                report.alarms_raised = evaluation.raised.len();
                return report;
            }
            Err(e) => eprintln!("sync run failed, retrying: {e}"),
        }
    }
    panic!("no sync run succeeded in 20 tries");
}
