//! Persons the MAS function serves without enrolment, and unknown callers linked later, in a
//! real encrypted store: a person is added once under their CPR number and misses nothing; an
//! unknown caller's call becomes the citizen's when linked, here or at another station, and
//! two stations that linked it differently agree on the earliest link, whatever came first.

mod common;
use common::*;
use std::path::Path;
use vagt_core::alarm::AlarmKind;
use vagt_core::call::{CallDirection, CallRecord, CallerRole};
use vagt_core::person::{CallLink, NewPerson, PersonProblemCode};
use vagt_core::{Citizen, CitizenId, Diagnosis, Timestamp};
use vagt_store::{Actor, AlarmFilter, DbKey, OpenMode, PullBatch, Pulled, Store, StoreError};

fn open(dir: &Path, name: &str) -> Store {
    let key = DbKey::from_hex(&"4d".repeat(32)).expect("hex");
    Store::open_with_key(&dir.join(name), &key, OpenMode::CreateIfMissing).expect("store")
}

fn person(cpr: &str) -> NewPerson {
    NewPerson {
        cpr: cpr.into(),
        name: "Ib Hansen".into(),
        address: "Søvej 3, 5000 Odense C".into(),
        phone: Some(" ".into()),
    }
}

fn unknown_call(key: &str, at: Timestamp) -> CallRecord {
    CallRecord {
        key: key.into(),
        citizen_id: None,
        caller_name: "datter, kender ikke CPR".into(),
        direction: CallDirection::Inbound,
        caller: CallerRole::Relative,
        started_at: at,
        ended_at: at.plus_millis(6 * 60_000),
        nurse: "nurse-a".into(),
        reason: "mor har svært ved at trække vejret".into(),
        symptoms: Vec::new(),
        notes: String::new(),
        advice: "ring 112 hvis værre".into(),
        medicine: Vec::new(),
        e_doctor_consulted: false,
        readings: Vec::new(),
        assessed_level: None,
        follow_up_at: Some(at.plus_millis(3_600_000)),
        answers_alarm: None,
        no_answer: false,
        linked: None,
    }
}

fn citizen(id: &str) -> Citizen {
    Citizen {
        id: cid(id),
        name: format!("Borger {id}"),
        birth_date: None,
        diagnoses: vec![Diagnosis::Copd],
        phone: None,
        address: None,
    }
}

fn missed(store: &mut Store, who: &CitizenId, now: Timestamp) -> usize {
    store
        .alarms(AlarmFilter::Citizen(who), &Actor("reader".into()), now)
        .expect("alarms")
        .into_iter()
        .filter(|a| a.kind == AlarmKind::MissedMeasurement)
        .count()
}

#[test]
fn a_person_outside_the_clinic_is_added_once_under_their_cpr_and_misses_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = open(dir.path(), "persons.db");
    let nurse = Actor("nurse-a".into());
    let now = Timestamp::now();

    let refused = store
        .add_person(&nurse, &person("310299-1234"), now)
        .expect_err("no 31 February");
    let StoreError::InvalidPerson(problems) = refused else {
        panic!("{refused:?}");
    };
    assert_eq!(problems.len(), 1);
    assert_eq!(
        (problems[0].field.as_str(), problems[0].code),
        ("cpr", PersonProblemCode::NotACpr)
    );
    assert!(outbox_kinds(&store).is_empty(), "nothing kept or queued");

    let added = store
        .add_person(&nurse, &person("010150-1234"), now)
        .expect("added");
    assert_eq!(added.citizen_id, cid("0101501234"));
    assert!(!added.existing);
    assert_eq!(outbox_kinds(&store), ["person"]);
    let again = store
        .add_person(&nurse, &person("0101501234"), now)
        .expect("found");
    assert!(again.existing, "the same CPR number is the same person");
    assert_eq!(outbox_kinds(&store), ["person"], "queued once");
    let row = store
        .citizen_summaries(&nurse)
        .expect("rows")
        .into_iter()
        .find(|c| c.id == added.citizen_id)
        .expect("on the worklist");
    assert!(row.mas_only);
    assert_eq!(row.address.as_deref(), Some("Søvej 3, 5000 Odense C"));
    assert_eq!(row.phone, None, "a blank phone is no phone");

    // Beside a monitored citizen with the same diagnosis and no readings either, three days
    // on: the citizen's measurements are missed, the person's are not expected.
    store
        .upsert_citizen(&Actor::system(), &citizen("c-monitored"))
        .expect("citizen");
    let diagnosis = PullBatch {
        diagnoses: vec![(added.citizen_id.clone(), Diagnosis::Copd)],
        ..PullBatch::default()
    };
    store
        .apply_pull("srv", "Condition", diagnosis, None, now)
        .expect("diagnosis");
    let later = now.plus_millis(3 * 24 * 3_600_000);
    store.evaluate_due(later).expect("evaluate");
    assert!(missed(&mut store, &cid("c-monitored"), later) > 0);
    assert_eq!(missed(&mut store, &added.citizen_id, later), 0);
}

#[test]
fn an_unknown_callers_call_linked_later_is_the_citizens_with_its_call_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = open(dir.path(), "link.db");
    let nurse = Actor("nurse-a".into());
    store
        .upsert_citizen(&Actor::system(), &citizen("c1"))
        .expect("citizen");
    let at = Timestamp::now().plus_millis(-2 * 3_600_000);
    let call = unknown_call("urn:uuid:unknown-1", at);
    store
        .record_call(&nurse, &call, None, at.plus_millis(7 * 60_000))
        .expect("logged");
    assert_eq!(
        store.unlinked_calls(&nurse, None).expect("calls"),
        vec![call.clone()]
    );
    assert!(
        store
            .calls(&nurse, Some(&cid("c1")), None)
            .expect("calls")
            .is_empty()
    );

    let link = store
        .link_call(&nurse, "urn:uuid:unknown", &cid("c1"), Timestamp::now())
        .expect("linked by a beginning of the key");
    assert_eq!(link.call_key, call.key);
    assert_eq!(outbox_kinds(&store), ["call", "call_link"]);
    assert!(
        store
            .unlinked_calls(&nurse, None)
            .expect("calls")
            .is_empty()
    );
    let theirs = store.calls(&nurse, Some(&cid("c1")), None).expect("calls");
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].citizen_id, Some(cid("c1")));
    assert_eq!(theirs[0].linked, Some(link));
    assert_eq!(
        theirs[0].caller_name, call.caller_name,
        "the call as it was"
    );
    let twice = store
        .link_call(&nurse, &call.key, &cid("c1"), Timestamp::now())
        .expect_err("linked already");
    assert!(
        matches!(twice, StoreError::CallAlreadyLinked { .. }),
        "{twice:?}"
    );
    let unknown = store
        .link_call(&nurse, &call.key, &cid("nobody"), Timestamp::now())
        .expect_err("linked already, before the citizen is looked at");
    assert!(matches!(unknown, StoreError::CallAlreadyLinked { .. }));

    // The call-back the unknown caller was promised is now the citizen's reminder.
    store.evaluate_due(Timestamp::now()).expect("evaluate");
    let reminders = store
        .alarms(AlarmFilter::Citizen(&cid("c1")), &nurse, Timestamp::now())
        .expect("alarms")
        .into_iter()
        .filter(|a| a.kind == AlarmKind::FollowUpDue)
        .count();
    assert_eq!(reminders, 1);
}

#[test]
fn two_stations_that_linked_a_call_differently_agree_on_the_earliest_whatever_came_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let at = Timestamp::now().plus_millis(-3_600_000);
    let call = unknown_call("urn:uuid:unknown-2", at);
    let link = |key: &str, citizen: &str, minutes: i64| CallLink {
        key: key.into(),
        call_key: call.key.clone(),
        citizen_id: cid(citizen),
        linked_by: format!("nurse-{key}"),
        linked_at: at.plus_millis(minutes * 60_000),
    };
    let early = link("urn:uuid:link-b", "c2", 20);
    let late = link("urn:uuid:link-a", "c1", 30);
    let pulled_link = |l: &CallLink| Pulled {
        source_id: format!("srv|Basic/{}", l.key),
        resource_type: "Basic".into(),
        payload: "{}".into(),
        record: l.clone(),
    };
    let pulled_call = Pulled {
        source_id: "srv|Communication/1".into(),
        resource_type: "Communication".into(),
        payload: "{}".into(),
        record: call.clone(),
    };
    // Station 1: the call first, then the links, the later one first.
    // Station 2: the links before their call (a Basic page comes before Communications).
    let orders = [
        vec![
            PullBatch {
                calls: vec![pulled_call.clone()],
                ..PullBatch::default()
            },
            PullBatch {
                call_links: vec![pulled_link(&late), pulled_link(&early)],
                ..PullBatch::default()
            },
        ],
        vec![
            PullBatch {
                call_links: vec![pulled_link(&early), pulled_link(&late)],
                ..PullBatch::default()
            },
            PullBatch {
                calls: vec![pulled_call.clone()],
                ..PullBatch::default()
            },
        ],
    ];
    let reader = Actor("reader".into());
    let mut seen = Vec::new();
    for (n, batches) in orders.into_iter().enumerate() {
        let mut store = open(dir.path(), &format!("station-{n}.db"));
        for id in ["c1", "c2"] {
            store
                .upsert_citizen(&Actor::system(), &citizen(id))
                .expect("citizen");
        }
        for batch in batches {
            store
                .apply_pull("srv", "All", batch, None, Timestamp::now())
                .expect("pulled");
        }
        let held = store.call(&reader, &call.key).expect("the call");
        assert_eq!(held.citizen_id, Some(cid("c2")), "station {n}");
        assert_eq!(held.linked.as_ref(), Some(&early), "station {n}");
        assert!(
            store
                .calls(&reader, Some(&cid("c1")), None)
                .expect("calls")
                .is_empty()
        );
        seen.push(held);
    }
    assert_eq!(seen[0], seen[1]);
}
