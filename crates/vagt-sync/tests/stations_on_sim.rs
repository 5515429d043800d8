//! Stations that share one `vagt-sim`: what a nurse records at one reaches the others through
//! the backend, exactly once, however often the network cuts the answers. (The scenarios are
//! in `common/`, and run against Medplum's router too.)

mod common;

use common::sim::{sim, sync_until_ok, test_policy};
use vagt_core::Timestamp;
use vagt_core::alarm::AlarmState;
use vagt_sim::FaultProfile;
use vagt_store::{AlarmFilter, DbKey, OpenMode, Store};
use vagt_sync::FhirClient;

#[tokio::test]
async fn an_acknowledgement_at_one_station_closes_the_alarm_at_another_through_the_backend() {
    let sim = sim(6, 10, FaultProfile::none()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let key = DbKey::from_hex(&"5a".repeat(32)).expect("hex");
    let open = |name: &str| {
        Store::open_with_key(&dir.path().join(name), &key, OpenMode::CreateIfMissing)
            .expect("store")
    };
    let (mut station_a, mut station_b) = (open("a.db"), open("b.db"));
    let client = FhirClient::new(&sim.base_url, None, test_policy()).expect("client");
    sync_until_ok(&mut station_a, &client).await;
    sync_until_ok(&mut station_b, &client).await;
    let nurse = vagt_store::Actor("nurse-a".into());
    let open_a = station_a
        .alarms(AlarmFilter::Open, &nurse, Timestamp::now())
        .expect("alarms");
    let open_b = station_b
        .alarms(AlarmFilter::Open, &nurse, Timestamp::now())
        .expect("alarms");
    let alarm = open_a.first().expect("the cohort raises alarms").id.clone();
    assert!(
        open_b.iter().any(|a| a.id == alarm),
        "both stations raised it"
    );

    station_a
        .acknowledge_alarm(&alarm, &nurse, Some("ringet op"), Timestamp::now())
        .expect("ack");
    let pushed = sync_until_ok(&mut station_a, &client).await;
    assert!(
        pushed.pushed >= 1,
        "the acknowledgement went out: {pushed:?}"
    );
    sync_until_ok(&mut station_b, &client).await;
    let at_b = station_b
        .alarms(AlarmFilter::All, &nurse, Timestamp::now())
        .expect("alarms");
    let closed = at_b.iter().find(|a| a.id == alarm).expect("kept at B");
    assert_eq!(
        closed.state,
        AlarmState::Acknowledged,
        "closed at B by A's acknowledgement"
    );
    assert_eq!(closed.acknowledged_by.as_deref(), Some("nurse-a"));
    assert_eq!(closed.ack_comment.as_deref(), Some("ringet op"));
    // Station A pulls its own acknowledgement back: nothing changes, nothing is rejected.
    let before = station_a.status().expect("status").rejected;
    sync_until_ok(&mut station_a, &client).await;
    assert_eq!(station_a.status().expect("status").rejected, before);

    // A third station, set up after the acknowledgement (a new laptop), holds the same alarm,
    // acknowledged as at A: its first evaluation replays the horizon and the acknowledgement
    // waiting for it applies. It sounds nothing the clinic has already handled.
    let mut station_c = open("c.db");
    sync_until_ok(&mut station_c, &client).await;
    let at_c = station_c
        .alarms(AlarmFilter::All, &nurse, Timestamp::now())
        .expect("alarms");
    let same = at_c
        .iter()
        .find(|a| a.id == alarm)
        .expect("raised at C too");
    assert_eq!(same.state, AlarmState::Acknowledged);
    assert_eq!(same.acknowledged_by.as_deref(), Some("nurse-a"));
    let at = Timestamp::now();
    common::stations::assert_agree(
        &common::stations::agreed_state(&mut station_a, at),
        &common::stations::agreed_state(&mut station_c, at),
        "A and C, which started later",
    );
}

#[tokio::test]
async fn decisions_plans_and_the_policy_travel_between_stations_through_vagt_sim() {
    let sim = sim(5, 10, FaultProfile::none()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let client = FhirClient::new(&sim.base_url, None, test_policy()).expect("client");
    common::stations::decisions_plans_and_policy_travel(&client, dir.path(), 100).await;
}

#[tokio::test]
async fn calls_and_a_visit_logged_in_the_field_with_the_backend_down_reach_every_station_once() {
    let sim = sim(4, 5, FaultProfile::none()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let client = FhirClient::new(&sim.base_url, None, test_policy()).expect("client");
    let mut shift = common::field_shift::FieldShift::offline(&client, dir.path(), 50).await;
    // The network returns with many answers cut: the server has made the call, the laptop
    // never hears of it, and retries. Errors too; no throttling, whose second-long waits
    // only slow the test (the fault-profile tests cover it).
    let cut = FaultProfile {
        error_rate: 0.15,
        cut_rate: 0.4,
        ..FaultProfile::none()
    };
    sim.set_faults(cut).await;
    shift.back_online(&client).await;
    sim.set_faults(FaultProfile::none()).await;
    shift.check(&client).await;
    assert_eq!(shift.keys.len(), 10);
}

#[tokio::test]
async fn one_dispatch_edited_at_two_stations_keeps_both_edits_and_shows_a_conflict_alike() {
    // Many answers cut: an update made on the server that the station never hears of is sent
    // again, meets a newer version (412), and is merged, never applied twice.
    let mut cut = FaultProfile::none();
    cut.cut_rate = 0.3;
    let sim = sim(3, 3, cut).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let client = FhirClient::new(&sim.base_url, None, test_policy()).expect("client");
    common::dispatch::one_dispatch_edited_at_two_stations(&client, dir.path(), 50).await;
}
