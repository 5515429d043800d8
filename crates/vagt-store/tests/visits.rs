//! MAS visits and the medicine box in a real encrypted store: a visit is kept with what it sets
//! off (an admission's confirmed level, its arrived dispatch completed) in one transaction; a
//! visit that does not hold together is refused whole with its fields named; a visit read
//! back from the backend is the same visit at a second store; the box follows the backend's
//! prescriptions.

mod common;
use common::*;
use std::path::Path;
use vagt_cohort::CohortSpec;
use vagt_core::dispatch::{DispatchChange, DispatchState, DispatchUrgency, VisitOutcome};
use vagt_core::medicine::{BoxedMedicine, MedicineUpdate};
use vagt_core::news2::{Consciousness, SpO2Scale};
use vagt_core::visit::{
    Route, TreatmentGiven, VisitProblemCode, VisitRecord, VisitSamples, VisitVitals,
};
use vagt_core::{CitizenId, EcmLevel, SourceRef, Timestamp};
use vagt_store::{Actor, DbKey, OpenMode, PullBatch, Pulled, Store, StoreError};

fn open(dir: &Path, name: &str) -> Store {
    let key = DbKey::from_hex(&"5d".repeat(32)).expect("hex");
    Store::open_with_key(&dir.join(name), &key, OpenMode::CreateIfMissing).expect("store")
}

fn end() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-20T12:00:00Z").expect("time")
}

fn loaded(dir: &Path, name: &str) -> Store {
    let mut store = open(dir, name);
    load_demo(
        &mut store,
        &Actor::system(),
        &CohortSpec {
            seed: 2018,
            citizens: 12,
            days: 20,
            end: end(),
        },
    )
    .expect("demo");
    store
}

fn visit(key: &str, citizen: &CitizenId, at: Timestamp, outcome: VisitOutcome) -> VisitRecord {
    VisitRecord {
        key: key.into(),
        citizen_id: citizen.clone(),
        dispatch_key: None,
        nurse: "mas-mette".into(),
        arrived_at: at,
        left_at: at.plus_millis(50 * 60_000),
        vitals: VisitVitals {
            respiratory_rate: 26.0,
            spo2: 86.0,
            on_oxygen: true,
            systolic_bp: 98.0,
            diastolic_bp: 60.0,
            pulse: 118.0,
            consciousness: Consciousness::NewConfusion,
            temperature: 38.9,
        },
        spo2_scale: SpO2Scale::Scale1,
        samples: VisitSamples {
            crp: Some(142.0),
            blood_gas: None,
            sputum_sent: true,
        },
        treatments: vec![TreatmentGiven {
            drug: "Salbutamol".into(),
            dose: "5 mg".into(),
            route: Route::Nebulised,
            from_box: None,
        }],
        e_doctor_consulted: true,
        outcome,
        plan: "indlægges, ambulance bestilt".into(),
        notes: String::new(),
    }
}

fn first_citizen(store: &mut Store) -> CitizenId {
    store
        .citizen_summaries(&Actor("nurse-a".into()))
        .expect("summaries")
        .remove(0)
        .id
}

#[test]
fn an_admission_from_a_visit_sets_ecm6_once_and_completes_its_arrived_dispatch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = loaded(dir.path(), "a.db");
    let nurse = Actor("mas-mette".into());
    let citizen = first_citizen(&mut store);
    let at = end().plus_millis(60_000);
    let requested = store
        .request_dispatch(
            &nurse,
            &citizen,
            DispatchUrgency::Urgent,
            "KOL, åndenød",
            None,
            at,
        )
        .expect("dispatch");
    let key = requested.dispatch.key.clone();
    for to in [DispatchState::EnRoute, DispatchState::Arrived] {
        store
            .change_dispatch(
                &nurse,
                &key,
                DispatchChange::State {
                    to,
                    outcome: None,
                    note: String::new(),
                },
                at,
            )
            .expect("moved on");
    }
    let before = outbox_kinds(&store).len();
    let mut admitted = visit("urn:uuid:v1", &citizen, at, VisitOutcome::HospitalAdmission);
    admitted.dispatch_key = Some(key.clone());
    let left = admitted.left_at;
    let saved = store
        .record_visit(&nurse, &admitted, None, left)
        .expect("recorded");
    // RR 26 → 3, SpO2 86 on Scale 1 → 3, oxygen 2, SBP 98 → 2, pulse 118 → 2, confusion 3,
    // 38.9 °C → 1.
    assert_eq!(saved.news2.total, 16);
    assert_eq!(saved.completed_dispatch.as_deref(), Some(key.as_str()));
    assert!(saved.level_decision.is_some());
    assert_eq!(
        store
            .latest_level(&citizen, LevelKind::Confirmed)
            .expect("level"),
        Some(EcmLevel::new(6).expect("level"))
    );
    let dispatch = store.dispatch(&nurse, &key).expect("dispatch");
    assert_eq!(dispatch.state, DispatchState::Completed);
    assert_eq!(dispatch.outcome, Some(VisitOutcome::HospitalAdmission));
    let mut queued = outbox_kinds(&store)[before..].to_vec();
    queued.sort();
    assert_eq!(
        queued,
        vec!["confirmed_level", "dispatch", "visit"],
        "the visit, the completion and one level decision, queued together"
    );
    // Saved twice (a double key press, a retry after a crash): kept once, nothing queued again.
    let again = store
        .record_visit(&nurse, &admitted, None, left)
        .expect("again");
    assert!(!again.new);
    assert_eq!(outbox_kinds(&store).len(), before + 3);
    assert_eq!(
        store.visits(&nurse, Some(&citizen), None).expect("visits"),
        vec![admitted.clone()]
    );
    assert_eq!(store.visit(&nurse, "urn:uuid:v1").expect("one"), admitted);
    let audit = store.audit_entries(20).expect("audit");
    assert!(audit.iter().any(|e| e.action == "visit.record"));
    assert!(audit.iter().any(|e| e.action == "visit.read"));
}

#[test]
fn a_visit_that_does_not_hold_together_is_refused_whole_and_a_stay_home_sets_no_level() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = loaded(dir.path(), "a.db");
    let nurse = Actor("mas-mette".into());
    let citizen = first_citizen(&mut store);
    let before = outbox_kinds(&store).len();
    let level_before = store
        .latest_level(&citizen, LevelKind::Confirmed)
        .expect("level");
    let mut bad = visit("urn:uuid:bad", &citizen, end(), VisitOutcome::StaysHome);
    // An SpO2 typed as a fraction is refused by its range; a missing plan by name.
    bad.vitals.spo2 = 0.86;
    bad.plan = String::new();
    let refused = store
        .record_visit(&nurse, &bad, None, bad.left_at)
        .expect_err("refused");
    let StoreError::InvalidVisit(problems) = refused else {
        panic!("{refused:?}");
    };
    let named: Vec<(&str, VisitProblemCode)> = problems
        .iter()
        .map(|p| (p.field.as_str(), p.code))
        .collect();
    assert_eq!(
        named,
        vec![
            ("plan", VisitProblemCode::Missing),
            ("vitals.spo2", VisitProblemCode::Implausible)
        ]
    );
    assert_eq!(outbox_kinds(&store).len(), before, "nothing queued");
    let home = visit("urn:uuid:home", &citizen, end(), VisitOutcome::StaysHome);
    let saved = store
        .record_visit(&nurse, &home, None, home.left_at)
        .expect("recorded");
    assert_eq!(saved.level_decision, None);
    assert_eq!(
        store
            .latest_level(&citizen, LevelKind::Confirmed)
            .expect("level"),
        level_before
    );
}

#[test]
fn a_pulled_visit_is_the_same_visit_and_the_box_follows_the_prescriptions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut a = loaded(dir.path(), "a.db");
    let mut b = loaded(dir.path(), "b.db");
    let nurse = Actor("nurse-b".into());
    let citizen = first_citizen(&mut a);
    let made = visit(
        "urn:uuid:v9",
        &citizen,
        end(),
        VisitOutcome::MunicipalAcuteBed,
    );
    a.record_visit(&Actor("mas-mette".into()), &made, None, made.left_at)
        .expect("recorded");
    let pulled = Pulled {
        source_id: "sim|Encounter/9".into(),
        resource_type: "Encounter".into(),
        payload: "{}".into(),
        record: made.clone(),
    };
    let prednisolone = BoxedMedicine {
        source_id: "sim|MedicationRequest/1".into(),
        citizen_id: citizen.clone(),
        drug: "Prednisolon 25 mg tablet".into(),
        atc: Some("H02AB06".into()),
        dose: "37,5 mg dagligt i 5 dage".into(),
        when_to_start: "ved øget åndenød".into(),
        prescribed_at: None,
    };
    let batch = PullBatch {
        visits: vec![pulled.clone()],
        medicine: vec![MedicineUpdate::InBox {
            medicine: prednisolone.clone(),
            version: "1".into(),
        }],
        ..PullBatch::default()
    };
    let report = b
        .apply_pull("sim", "All", batch.clone(), None, made.left_at)
        .expect("pull");
    assert!(report.changed_citizens.contains(&citizen));
    assert_eq!(b.visit(&nurse, "urn:uuid:v9").expect("pulled"), made);
    assert_eq!(
        b.medicine_box(&nurse, &citizen).expect("box"),
        vec![prednisolone]
    );
    // The same page again changes nothing; a stopped prescription leaves the box.
    let replay = b
        .apply_pull("sim", "All", batch, None, made.left_at)
        .expect("replay");
    assert_eq!(replay.records, 0);
    let stopped = PullBatch {
        medicine: vec![MedicineUpdate::Withdrawn {
            source: SourceRef {
                id: "sim|MedicationRequest/1".into(),
                version: "2".into(),
            },
        }],
        ..PullBatch::default()
    };
    b.apply_pull("sim", "All", stopped, None, made.left_at)
        .expect("stopped");
    assert!(b.medicine_box(&nurse, &citizen).expect("box").is_empty());
    // A visit from the future is kept for a human, not dropped.
    let mut future = made.clone();
    future.key = "urn:uuid:v10".into();
    future.arrived_at = made.left_at.plus_millis(3_600_000);
    future.left_at = future.arrived_at.plus_millis(60_000);
    let batch = PullBatch {
        visits: vec![Pulled {
            record: future,
            ..pulled
        }],
        ..PullBatch::default()
    };
    let report = b
        .apply_pull("sim", "All", batch, None, made.left_at)
        .expect("pull");
    assert_eq!(report.rejected, 1);
    assert!(b.visit(&nurse, "urn:uuid:v10").is_err());
}
