//! Care events from the backend's Encounters in a real encrypted store: an admission sets the
//! ECM6 floor with a high alarm naming it, the discharge lets the level fall, a retraction
//! lifts the floor; replays and older versions change nothing; events of an unknown citizen
//! are kept for a human. A missed measurement ends when its reading arrives.

mod common;
use common::*;
use std::path::Path;
use vagt_core::alarm::ResolvedReason;
use vagt_core::{
    CareEvent, CareEventKind, CareEventUpdate, Citizen, CitizenId, Diagnosis, EcmLevel,
    IncomingMeasurement, Parameter, SourceRef, Timestamp,
};
use vagt_store::{Actor, AlarmRow, DbKey, OpenMode, PullBatch, PullReport, SourcedCitizen, Store};

const BACKEND: &str = "https://ehealth.example/fhir";
const HOUR: i64 = 3_600_000;

fn store(dir: &Path) -> Store {
    let key = DbKey::from_hex(&"3c".repeat(32)).expect("hex");
    Store::open_with_key(&dir.join("care.db"), &key, OpenMode::CreateIfMissing).expect("store")
}

fn t0() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-20T12:00:00Z").expect("time")
}

fn hours(h: i64) -> Timestamp {
    t0().plus_millis(h * HOUR)
}

fn citizen_id() -> CitizenId {
    CitizenId::new("c1").expect("id")
}

fn nurse() -> Actor {
    Actor("nurse-a".into())
}

fn level(n: i64) -> Option<EcmLevel> {
    Some(EcmLevel::new(n).expect("level"))
}

/// A COPD citizen with green readings two hours before `t0`: ECM1 when evaluated.
fn green_citizen(store: &mut Store) {
    let patient = PullBatch {
        citizens: vec![SourcedCitizen {
            source_id: format!("{BACKEND}|Patient/1"),
            source_version: "1".into(),
            citizen: Citizen {
                id: citizen_id(),
                name: "Test c1".into(),
                birth_date: None,
                diagnoses: vec![],
                phone: None,
                address: None,
            },
            mas_only: false,
        }],
        diagnoses: vec![(citizen_id(), Diagnosis::Copd)],
        ..PullBatch::default()
    };
    pull(store, "Patient", patient, hours(-3));
    let reading = |n: u32, parameter: Parameter, value: f64, unit: &str| IncomingMeasurement {
        citizen_id: citizen_id(),
        parameter,
        value,
        unit: unit.into(),
        effective_at: hours(-2),
        source: SourceRef {
            id: format!("{BACKEND}|Observation/{n}"),
            version: "1".into(),
        },
    };
    let observations = PullBatch {
        measurements: vec![
            reading(1, Parameter::Spo2, 95.0, "%"),
            reading(2, Parameter::Pulse, 72.0, "/min"),
        ],
        ..PullBatch::default()
    };
    pull(store, "Observation", observations, hours(-2));
    store.evaluate_alarms(t0()).expect("evaluate");
    assert_eq!(
        store
            .latest_level(&cid("c1"), LevelKind::Suggested)
            .expect("level"),
        level(1)
    );
}

fn pull(store: &mut Store, resource_type: &str, batch: PullBatch, at: Timestamp) -> PullReport {
    store
        .apply_pull(BACKEND, resource_type, batch, None, at)
        .expect("pull")
}

fn source(id: &str, version: &str) -> SourceRef {
    SourceRef {
        id: format!("{BACKEND}|Encounter/{id}"),
        version: version.into(),
    }
}

fn events(id: &str, version: &str, events: &[(CareEventKind, Timestamp)]) -> CareEventUpdate {
    let source = source(id, version);
    CareEventUpdate::Events {
        citizen_id: citizen_id(),
        events: events
            .iter()
            .map(|(kind, at)| CareEvent {
                kind: *kind,
                at: *at,
                key: CareEvent::key_of(&source, *kind),
            })
            .collect(),
        source,
    }
}

/// Pulls one page of encounter updates; how many changed a citizen's care events.
fn pull_encounters(store: &mut Store, updates: Vec<CareEventUpdate>, at: Timestamp) -> usize {
    let batch = PullBatch {
        care_events: updates,
        ..PullBatch::default()
    };
    pull(store, "Encounter", batch, at).care_events
}

/// (kind, version, state) of an encounter's stored events.
fn stored(store: &mut Store, id: &str) -> Vec<(String, String, String)> {
    let source_id = format!("{BACKEND}|Encounter/{id}");
    let conn = store.connection();
    let mut stmt = conn
        .prepare(
            "SELECT kind, source_version, state FROM care_events WHERE source_id = ?1
             ORDER BY source_version, kind",
        )
        .expect("prepare");
    stmt.query_map([source_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

fn row(kind: &str, version: &str, state: &str) -> (String, String, String) {
    (kind.into(), version.into(), state.into())
}

/// The newest suggested-level alarm raised by an evaluation at `at`.
fn evaluate(store: &mut Store, at: Timestamp) -> AlarmRow {
    let report = store.evaluate_alarms(at).expect("evaluate");
    let alarms = store
        .alarms(AlarmFilter::All, &nurse(), at)
        .expect("alarms");
    alarms
        .into_iter()
        .filter(|a| report.raised.contains(&a.id) && json(&a.cause)["type"] == "suggested_change")
        .max_by_key(|a| a.raised_at)
        .unwrap_or_else(|| {
            let all = store
                .alarms(AlarmFilter::All, &nurse(), at)
                .expect("alarms");
            panic!("a level alarm raised at {at}: {report:?}\n{all:#?}")
        })
}

#[test]
fn a_hospital_admission_sets_ecm6_with_a_high_alarm_and_its_discharge_lets_the_level_fall() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    green_citizen(&mut store);

    let admitted = hours(1);
    let in_hospital = events(
        "adm-1",
        "1",
        &[(CareEventKind::HospitalAdmission, admitted)],
    );
    assert_eq!(
        pull_encounters(&mut store, vec![in_hospital.clone()], admitted),
        1
    );
    let rise = evaluate(&mut store, hours(2));
    assert_eq!(
        store
            .latest_level(&cid("c1"), LevelKind::Suggested)
            .expect("level"),
        level(6)
    );
    assert_eq!(
        (rise.kind.code(), rise.priority.code()),
        ("level_rise", "high")
    );
    assert_eq!(rise.raised_at, admitted, "raised at the admission's time");
    assert_eq!(json(&rise.cause)["source"], "event");
    assert_eq!(json(&rise.cause)["to"], 6);
    assert_eq!(
        json(&rise.cause)["trigger"],
        serde_json::json!({
            "trigger": "event",
            "kind": "hospital_admission",
            "key": format!("{BACKEND}|Encounter/adm-1#hospital_admission#1"),
        }),
        "the cause names the admission"
    );
    // In hospital nobody measures at home: no missed-measurement alarm, days later.
    let report = store.evaluate_alarms(hours(40)).expect("evaluate");
    assert!(report.raised.is_empty(), "{report:?}");

    // The same version again changes nothing.
    assert_eq!(
        pull_encounters(&mut store, vec![in_hospital.clone()], hours(41)),
        0
    );
    assert_eq!(
        stored(&mut store, "adm-1"),
        vec![row("hospital_admission", "1", "current")]
    );

    // Version 2: finished, discharged. It replaces version 1's events.
    let discharged = hours(44);
    let finished = events(
        "adm-1",
        "2",
        &[
            (CareEventKind::HospitalAdmission, admitted),
            (CareEventKind::Discharge, discharged),
        ],
    );
    assert_eq!(pull_encounters(&mut store, vec![finished], discharged), 1);
    // Version 1 arriving late never overwrites version 2.
    assert_eq!(pull_encounters(&mut store, vec![in_hospital], hours(45)), 0);
    assert_eq!(
        stored(&mut store, "adm-1"),
        vec![
            row("hospital_admission", "1", "superseded"),
            row("discharge", "2", "current"),
            row("hospital_admission", "2", "current"),
        ]
    );
    // Discharged: back to the readings level (green: ECM1) at once, without the readings'
    // hold, as an informational fall naming what ended and what ended it.
    let fall = evaluate(&mut store, hours(45));
    assert_eq!(
        store
            .latest_level(&cid("c1"), LevelKind::Suggested)
            .expect("level"),
        level(1)
    );
    assert_eq!(
        (fall.kind.code(), fall.priority.code()),
        ("level_fall", "info")
    );
    assert_eq!(fall.raised_at, discharged);
    assert_eq!(json(&fall.cause)["trigger"]["trigger"], "event_ended");
    assert_eq!(json(&fall.cause)["trigger"]["kind"], "hospital_admission");
    assert_eq!(
        json(&fall.cause)["trigger"]["ended_by"],
        format!("{BACKEND}|Encounter/adm-1#discharge#2")
    );
    let again = store.evaluate_alarms(hours(46)).expect("evaluate");
    assert!(
        again.raised.is_empty() && again.level_changes == 0,
        "{again:?}"
    );
}

#[test]
fn an_encounter_entered_in_error_or_cancelled_lifts_the_floor_it_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    green_citizen(&mut store);

    let admitted = hours(1);
    let admission = events(
        "adm-2",
        "1",
        &[(CareEventKind::HospitalAdmission, admitted)],
    );
    pull_encounters(&mut store, vec![admission.clone()], admitted);
    let rise = evaluate(&mut store, hours(2));
    assert_eq!(rise.kind, AlarmKind::LevelRise);
    assert_eq!(
        store
            .latest_level(&cid("c1"), LevelKind::Suggested)
            .expect("level"),
        level(6)
    );

    let retraction = CareEventUpdate::Retracted {
        source: source("adm-2", "2"),
    };
    assert_eq!(
        pull_encounters(&mut store, vec![retraction.clone()], hours(3)),
        1
    );
    // Twice, and the retracted version again: nothing more changes.
    assert_eq!(
        pull_encounters(&mut store, vec![retraction, admission], hours(3)),
        0
    );
    assert_eq!(
        stored(&mut store, "adm-2"),
        vec![row("hospital_admission", "1", "retracted")]
    );
    // The data no longer shows an admission at all: its rise is withdrawn (no fall is raised
    // for a change that never happened), and the level is the readings' again.
    store.evaluate_due(hours(3)).expect("evaluate");
    let withdrawn = store
        .alarms(AlarmFilter::All, &nurse(), hours(3))
        .expect("alarms")
        .into_iter()
        .find(|a| a.id == rise.id)
        .expect("the rise is kept");
    assert_eq!(withdrawn.state, vagt_core::alarm::AlarmState::Resolved);
    assert_eq!(
        withdrawn.resolved_reason,
        Some(vagt_core::alarm::ResolvedReason::Withdrawn)
    );
    assert_eq!(
        store
            .latest_level(&cid("c1"), LevelKind::Suggested)
            .expect("level"),
        level(1),
        "no floor: back to the readings at once"
    );

    // A MAS visit, then its encounter cancelled: a version with no events withdraws it.
    let visited = hours(5);
    let visit = events("visit-1", "1", &[(CareEventKind::MasVisit, visited)]);
    pull_encounters(&mut store, vec![visit], visited);
    evaluate(&mut store, hours(6));
    assert_eq!(
        store
            .latest_level(&cid("c1"), LevelKind::Suggested)
            .expect("level"),
        level(4)
    );
    let cancelled = CareEventUpdate::NoEvents {
        source: source("visit-1", "2"),
    };
    assert_eq!(
        pull_encounters(&mut store, vec![cancelled.clone()], hours(7)),
        1
    );
    assert_eq!(pull_encounters(&mut store, vec![cancelled], hours(7)), 0);
    let report = store.evaluate_due(hours(7)).expect("evaluate");
    assert_eq!(
        report.resolved, 1,
        "the visit's rise is withdrawn: {report:?}"
    );
    assert_eq!(
        store
            .latest_level(&cid("c1"), LevelKind::Suggested)
            .expect("level"),
        level(1)
    );
}

#[test]
fn an_older_version_first_seen_after_a_newer_one_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    green_citizen(&mut store);
    let (admitted, discharged) = (hours(1), hours(5));
    let finished = events(
        "adm-3",
        "3",
        &[
            (CareEventKind::HospitalAdmission, admitted),
            (CareEventKind::Discharge, discharged),
        ],
    );
    let earlier = events(
        "adm-3",
        "2",
        &[(CareEventKind::HospitalAdmission, admitted)],
    );
    assert_eq!(pull_encounters(&mut store, vec![finished], hours(6)), 1);
    assert_eq!(pull_encounters(&mut store, vec![earlier], hours(6)), 0);
    assert_eq!(
        stored(&mut store, "adm-3"),
        vec![
            row("discharge", "3", "current"),
            row("hospital_admission", "3", "current"),
        ]
    );
    // Nor does a retraction by an older version.
    let old_retraction = CareEventUpdate::Retracted {
        source: source("adm-3", "1"),
    };
    assert_eq!(
        pull_encounters(&mut store, vec![old_retraction], hours(6)),
        0
    );
    store.evaluate_alarms(hours(7)).expect("evaluate");
    assert_eq!(
        store
            .latest_level(&cid("c1"), LevelKind::Suggested)
            .expect("level"),
        level(1),
        "discharged, not back in hospital"
    );
}

#[test]
fn events_of_a_citizen_the_store_does_not_know_are_kept_for_a_human() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    let stranger = CareEventUpdate::Events {
        source: source("adm-9", "1"),
        citizen_id: CitizenId::new("c9").expect("id"),
        events: vec![],
    };
    let batch = PullBatch {
        care_events: vec![stranger.clone(), stranger],
        ..PullBatch::default()
    };
    let report = pull(&mut store, "Encounter", batch, t0());
    assert_eq!(
        (report.care_events, report.rejected),
        (0, 1),
        "a re-delivery is not counted again"
    );
    let rejected = store.rejected(&nurse(), true).expect("rejected");
    assert_eq!(rejected.len(), 1, "kept once: {rejected:?}");
    assert_eq!(rejected[0].reason_code, "unknown_citizen");
    assert_eq!(
        rejected[0].source_id.as_deref(),
        Some(format!("{BACKEND}|Encounter/adm-9").as_str())
    );
    assert!(rejected[0].payload.contains("adm-9"));
}

#[test]
fn an_admission_and_discharge_inside_one_offline_gap_each_raise_their_alarm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    green_citizen(&mut store);
    // The station was offline for two days; meanwhile the citizen was admitted and discharged.
    let stay = events(
        "adm-gap",
        "2",
        &[
            (CareEventKind::HospitalAdmission, hours(5)),
            (CareEventKind::Discharge, hours(20)),
        ],
    );
    assert_eq!(pull_encounters(&mut store, vec![stay], hours(48)), 1);
    let report = store.evaluate_alarms(hours(48)).expect("evaluate");
    assert_eq!(report.level_changes, 2, "{report:?}");
    assert_eq!(
        store
            .latest_level(&cid("c1"), LevelKind::Suggested)
            .expect("level"),
        level(1)
    );
    let mut changes: Vec<(String, serde_json::Value, serde_json::Value, Timestamp)> = store
        .alarms(AlarmFilter::All, &nurse(), hours(48))
        .expect("alarms")
        .into_iter()
        .filter(|a| report.raised.contains(&a.id) && json(&a.cause)["type"] == "suggested_change")
        .map(|a| {
            (
                a.kind.code().to_owned(),
                json(&a.cause)["from"].clone(),
                json(&a.cause)["to"].clone(),
                a.raised_at,
            )
        })
        .collect();
    changes.sort_by_key(|c| c.3);
    assert_eq!(
        changes,
        vec![
            ("level_rise".into(), 1.into(), 6.into(), hours(5)),
            ("level_fall".into(), 6.into(), 1.into(), hours(20)),
        ]
    );
    assert!(
        store
            .evaluate_alarms(hours(49))
            .expect("again")
            .raised
            .is_empty()
    );
}

/// A missed measurement is a condition that ends: the reading that was missing resolves it
/// (kept in the history as resolved, reason `measured`), with no nurse needed.
#[test]
fn a_missed_measurement_clears_when_its_reading_arrives_and_stays_in_the_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    green_citizen(&mut store);
    // Two days without a reading: the plan's schedule and its grace have passed.
    let late = hours(48);
    store.evaluate_alarms(late).expect("evaluate");
    let missed: Vec<AlarmRow> = store
        .alarms(AlarmFilter::Open, &nurse(), late)
        .expect("alarms")
        .into_iter()
        .filter(|a| a.kind == AlarmKind::MissedMeasurement)
        .collect();
    assert!(!missed.is_empty(), "a missed measurement after two days");

    // The readings come: every missed alarm of the parameters measured ends by itself.
    let measured_at = hours(49);
    let reading = |n: u32, parameter: Parameter, value: f64, unit: &str| IncomingMeasurement {
        citizen_id: citizen_id(),
        parameter,
        value,
        unit: unit.into(),
        effective_at: measured_at,
        source: SourceRef {
            id: format!("{BACKEND}|Observation/{n}"),
            version: "1".into(),
        },
    };
    let mut measurements = vec![
        reading(11, Parameter::Spo2, 95.0, "%"),
        reading(12, Parameter::Pulse, 72.0, "/min"),
    ];
    // Whatever else the plan asked for, with a green value.
    for (n, alarm) in missed.iter().enumerate() {
        let parameter = json(&alarm.cause)["parameter"].as_str().map(str::to_owned);
        if let Some(code) = parameter {
            let p: Parameter = code.parse().expect("parameter");
            if !matches!(p, Parameter::Spo2 | Parameter::Pulse) {
                let (value, unit) = green_value(p);
                measurements.push(reading(20 + n as u32, p, value, unit));
            }
        }
    }
    pull(
        &mut store,
        "Observation",
        PullBatch {
            measurements,
            ..PullBatch::default()
        },
        measured_at,
    );
    store
        .evaluate_alarms(measured_at.plus_millis(60_000))
        .expect("evaluate");
    let all = store
        .alarms(AlarmFilter::All, &nurse(), measured_at)
        .expect("alarms");
    for before in &missed {
        let now = all
            .iter()
            .find(|a| a.id == before.id)
            .expect("kept in the history");
        assert_eq!(now.state, AlarmState::Resolved, "{now:?}");
        assert_eq!(now.resolved_reason, Some(ResolvedReason::Measured));
        assert_eq!(now.acknowledged_by, None, "nobody had to acknowledge it");
    }
    assert!(
        store
            .alarms(AlarmFilter::Open, &nurse(), measured_at)
            .expect("alarms")
            .iter()
            .all(|a| a.kind != AlarmKind::MissedMeasurement),
        "no missed measurement left open"
    );
}

/// A value inside every default limit, in the parameter's unit.
fn green_value(parameter: Parameter) -> (f64, &'static str) {
    match parameter {
        Parameter::Temperature => (36.8, "Cel"),
        Parameter::Weight => (80.0, "kg"),
        Parameter::RespiratoryRate => (16.0, "/min"),
        Parameter::SymptomScore => (0.0, "{score}"),
        Parameter::CatScore => (8.0, "{score}"),
        Parameter::Fev1 => (2.5, "L"),
        other => panic!("no green value for {other:?} in this test"),
    }
}
