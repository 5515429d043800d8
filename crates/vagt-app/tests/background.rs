//! The app's background work over a real store and a real HTTP backend double: the rules run on
//! their own clock, so a backend that holds the sync back (here: busy, asking to be left alone
//! for five minutes) never delays a missed-measurement alarm.

use std::time::{Duration, Instant};
use vagt_app::{BackgroundPlan, Session, StoreChanged, StoreLocation};
use vagt_cohort::CohortSpec;
use vagt_core::Timestamp;
use vagt_sim::{FaultProfile, SimConfig};
use vagt_store::{Actor, OpenMode};
use zeroize::Zeroizing;

/// A session on a new encrypted store named `name` in `dir`.
fn session_at(dir: &std::path::Path, name: &str) -> Session {
    Session::open(
        StoreLocation {
            db: Some(dir.join(format!("{name}.db"))),
            throwaway_key: Some(Zeroizing::new(name.into())),
        },
        OpenMode::CreateIfMissing,
    )
    .expect("session")
}

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
    let session = session_at(dir.path(), "clock");
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
            subscribe: true,
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

/// With the backend's Subscriptions bound, a reading reaches the station as soon as it is
/// posted: here the poll comes once an hour, so only the ping can bring it.
#[test]
fn a_subscribed_station_gets_new_readings_without_waiting_for_its_poll() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let sim = runtime
        .block_on(vagt_sim::spawn(SimConfig {
            citizens: 4,
            days: 3,
            end: Timestamp::now(),
            ..SimConfig::default()
        }))
        .expect("sim");
    let dir = tempfile::tempdir().expect("tempdir");
    let session = session_at(dir.path(), "subscribed");
    let notices = std::sync::Arc::new(std::sync::Mutex::new(Vec::<StoreChanged>::new()));
    let recorder = notices.clone();
    let session = session.with_sink(std::sync::Arc::new(move |change: &StoreChanged| {
        recorder.lock().expect("notices").push(change.clone());
    }));
    let background = session
        .start_background(BackgroundPlan {
            backend: Some(sim.base_url.clone()),
            sync_every: Duration::from_secs(3600),
            evaluate_every: Duration::from_secs(3600),
            subscribe: true,
        })
        .expect("background");
    let readings = |session: &Session| session.store_status().expect("status").readings;
    let started = Instant::now();
    while !(background.subscribed() && readings(&session) > 0)
        && started.elapsed() < Duration::from_secs(30)
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(background.subscribed(), "the Subscriptions were bound");
    // The catch-up run after binding is done when the count stops moving.
    let mut before = readings(&session);
    loop {
        std::thread::sleep(Duration::from_millis(700));
        let now = readings(&session);
        if now == before {
            break;
        }
        before = now;
    }
    let written = runtime.block_on(sim.advance(vagt_sim::AdvanceSpec {
        new_readings: 3,
        ..Default::default()
    }));
    assert!(!written.new_readings.is_empty());
    let posted = Instant::now();
    while readings(&session) == before && posted.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        readings(&session) > before,
        "the new readings arrived long before the hourly poll"
    );

    // What a nurse records goes out at once too, not at the next poll.
    let actor = Actor("nurse-a".into());
    let alarm = session
        .alarms(&actor, true)
        .expect("alarms")
        .into_iter()
        .next()
        .expect("the cohort's readings raised an alarm");
    let pushes = || -> u64 {
        sim.traffic()
            .by_kind
            .iter()
            .filter(|(kind, _)| kind.starts_with("POST") && !kind.contains("Subscription"))
            .map(|(_, counts)| counts.requests)
            .sum()
    };
    // A second station that raised the same alarm before it was acknowledged.
    let second_notices = std::sync::Arc::new(std::sync::Mutex::new(Vec::<StoreChanged>::new()));
    let second_recorder = second_notices.clone();
    let second = session_at(dir.path(), "second").with_sink(std::sync::Arc::new(
        move |change: &StoreChanged| {
            second_recorder
                .lock()
                .expect("notices")
                .push(change.clone());
        },
    ));
    second
        .sync_once(&sim.base_url, &mut |_| {})
        .expect("second station synced");
    assert!(
        second
            .alarms(&actor, true)
            .expect("alarms")
            .iter()
            .any(|a| a.id == alarm.id),
        "every station raises the same alarm"
    );
    let pushed_before = pushes();
    notices.lock().expect("notices").clear();
    session
        .acknowledge(&actor, &alarm.id, None)
        .expect("acknowledged");
    // The window is told whose alarms changed, not to read the region's every episode.
    let told = notices
        .lock()
        .expect("notices")
        .iter()
        .find(|c| c.alarms || c.alarm_citizens.is_some())
        .cloned();
    let told = told.expect("the window was told of an alarm change");
    assert!(!told.alarms, "{told:?}");
    assert_eq!(told.alarm_citizens, Some(vec![alarm.citizen_id.clone()]));
    let acknowledged = Instant::now();
    while pushes() == pushed_before && acknowledged.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        pushes() > pushed_before,
        "the acknowledgement was pushed long before the hourly poll"
    );
    // Counted as the server received it; marked sent when its answer came.
    let outbox = || session.store_status().expect("status").outbox;
    while outbox() > 0 && acknowledged.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(outbox(), 0, "the outbox is empty");
    background.stop();

    // The second station pulls the acknowledgement: its window is told whose alarm it was, and
    // re-reads that citizen's row and episode, not every one of the region.
    second_notices.lock().expect("notices").clear();
    second
        .sync_once(&sim.base_url, &mut |_| {})
        .expect("second station synced again");
    assert!(
        !second
            .alarms(&actor, true)
            .expect("alarms")
            .iter()
            .any(|a| a.id == alarm.id),
        "the acknowledgement reached the second station"
    );
    let notices = second_notices.lock().expect("notices").clone();
    assert!(notices.iter().all(|c| !c.alarms), "{notices:?}");
    let told = notices
        .iter()
        .find(|c| c.alarm_citizens.is_some())
        .expect("the window was told whose alarms changed");
    assert!(
        told.alarm_citizens
            .as_ref()
            .is_some_and(|c| c.contains(&alarm.citizen_id)),
        "{told:?}"
    );
    assert!(
        told.citizens
            .as_ref()
            .is_some_and(|c| c.contains(&alarm.citizen_id)),
        "the citizen's row is read again: {told:?}"
    );
}
