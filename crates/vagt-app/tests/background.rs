//! The app's background work over a real store and a real HTTP backend double: the rules run on
//! their own clock, so a backend that holds the sync back (here: busy, asking to be left alone
//! for five minutes) never delays a missed-measurement alarm.

use std::time::{Duration, Instant};
use vagt_app::{BackgroundPlan, Session, StoreLocation};
use vagt_cohort::CohortSpec;
use vagt_core::Timestamp;
use vagt_sim::{FaultProfile, SimConfig};
use vagt_store::{Actor, OpenMode};
use zeroize::Zeroizing;

#[test]
fn missed_measurements_are_raised_on_the_rules_clock_while_the_backend_is_busy() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let sim = runtime
        .block_on(vagt_sim::spawn(SimConfig {
            citizens: 3,
            days: 3,
            end: Timestamp::now(),
            faults: FaultProfile::named("busy").expect("profile"),
            ..SimConfig::default()
        }))
        .expect("sim");
    let dir = tempfile::tempdir().expect("tempdir");
    let session = Session::open(
        StoreLocation {
            db: Some(dir.path().join("clock.db")),
            throwaway_key: Some(Zeroizing::new("clock".into())),
        },
        OpenMode::CreateIfMissing,
    )
    .expect("session");
    let actor = Actor("nurse-a".into());
    // The cohort's last readings are two days old: evaluated now, measurements are missed.
    let two_days = 2 * 24 * 3_600_000;
    session
        .load_demo(
            &actor,
            &CohortSpec {
                seed: 3,
                citizens: 8,
                days: 10,
                end: Timestamp::now().plus_millis(-two_days),
            },
        )
        .expect("demo");
    let missed = |session: &Session| {
        session
            .alarms(&actor, true)
            .expect("alarms")
            .iter()
            .filter(|a| a.kind == vagt_core::alarm::AlarmKind::MissedMeasurement)
            .count()
    };
    let before = missed(&session);
    let background = session
        .start_background(BackgroundPlan {
            backend: Some(sim.base_url.clone()),
            sync_every: Duration::from_secs(1),
            evaluate_every: Duration::from_secs(1),
        })
        .expect("background");
    let started = Instant::now();
    let mut raised = before;
    while started.elapsed() < Duration::from_secs(30) && raised <= before {
        std::thread::sleep(Duration::from_millis(250));
        raised = missed(&session);
    }
    assert!(
        raised > before,
        "the clock raised missed measurements ({before} -> {raised})"
    );
    // Meanwhile the sync did not get through: the busy backend is what the status says.
    let status = session.store_status().expect("status");
    assert_eq!(status.sync_error_code.as_deref(), Some("backend_busy"));
    background.stop();
}
