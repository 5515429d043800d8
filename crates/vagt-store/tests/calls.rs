//! The call log in a real encrypted store: a call is kept with what it sets off (the nurse's
//! confirmed level, the alarm it answers), all queued for the backend in one transaction; a
//! call that does not hold together is refused whole with every field named; a draft survives
//! a restart; a call read back from the backend is kept once, and one that cannot be kept is
//! kept for a human.

mod common;
use common::*;
use std::path::Path;
use vagt_cohort::CohortSpec;
use vagt_core::call::{
    CallDirection, CallProblemCode, CallRecord, CallerRole, Symptom, SymptomReport,
};
use vagt_core::{CitizenId, EcmLevel, Parameter, Timestamp};
use vagt_store::{Actor, DbKey, OpenMode, PullBatch, Pulled, Store, StoreError};

fn open(dir: &Path) -> Store {
    let key = DbKey::from_hex(&"3c".repeat(32)).expect("hex");
    Store::open_with_key(&dir.join("calls.db"), &key, OpenMode::CreateIfMissing).expect("store")
}

fn end() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-20T12:00:00Z").expect("time")
}

fn loaded(dir: &Path) -> Store {
    let mut store = open(dir);
    load_demo(
        &mut store,
        &Actor::system(),
        &CohortSpec {
            seed: 2018,
            citizens: 16,
            days: 30,
            end: end(),
        },
    )
    .expect("demo");
    store
}

fn call(key: &str, citizen: Option<&CitizenId>, at: Timestamp) -> CallRecord {
    CallRecord {
        key: key.into(),
        citizen_id: citizen.cloned(),
        caller_name: String::new(),
        direction: CallDirection::Inbound,
        caller: CallerRole::Citizen,
        started_at: at,
        ended_at: at.plus_millis(8 * 60_000),
        nurse: "nurse-a".into(),
        reason: "mere åndenød".into(),
        symptoms: vec![SymptomReport {
            symptom: Symptom::SputumColour,
            present: true,
            detail: "grønt".into(),
        }],
        notes: String::new(),
        advice: "start fra medicinkassen".into(),
        medicine: vec![],
        e_doctor_consulted: false,
        assessed_level: None,
        follow_up_at: None,
        answers_alarm: None,
        no_answer: false,
        linked: None,
        readings: Vec::new(),
    }
}

#[test]
fn a_call_sets_the_nurses_level_and_answers_its_alarm_in_one_transaction() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = loaded(dir.path());
    let nurse = Actor("nurse-a".into());
    let rise = store
        .alarms(AlarmFilter::Open, &nurse, end())
        .expect("alarms")
        .into_iter()
        .find(|a| a.kind == AlarmKind::LevelRise)
        .expect("a rise");
    let before = outbox_kinds(&store).len();
    let at = end().plus_millis(60_000);
    let mut answered = call("urn:uuid:c1", Some(&rise.citizen_id), at);
    answered.assessed_level = Some(EcmLevel::new(3).expect("level"));
    answered.answers_alarm = Some(rise.id[..12].to_owned());
    let saved = store
        .record_call(&nurse, &answered, None, at.plus_millis(9 * 60_000))
        .expect("recorded");
    assert_eq!(saved.answered_alarm.as_deref(), Some(rise.id.as_str()));
    assert!(saved.level_decision.is_some());
    assert_eq!(
        store
            .latest_level(&rise.citizen_id, LevelKind::Confirmed)
            .expect("level"),
        Some(EcmLevel::new(3).expect("level"))
    );
    let acked = store
        .alarms(AlarmFilter::Citizen(&rise.citizen_id), &nurse, at)
        .expect("alarms")
        .into_iter()
        .find(|a| a.id == rise.id)
        .expect("kept");
    assert_eq!(acked.state, AlarmState::Acknowledged);
    assert_eq!(acked.acknowledged_by.as_deref(), Some("nurse-a"));
    let kinds = outbox_kinds(&store);
    assert_eq!(
        kinds[before..].to_vec(),
        vec!["call", "confirmed_level", "alarm_ack"],
        "the call and what it set off, queued together"
    );
    // Saved twice (a double key press): kept once, nothing queued again.
    store
        .record_call(&nurse, &answered, None, at.plus_millis(10 * 60_000))
        .expect("again");
    assert_eq!(outbox_kinds(&store).len(), kinds.len());
    let calls = store
        .calls(&nurse, Some(&rise.citizen_id), None)
        .expect("calls");
    assert_eq!(calls, vec![answered.clone()]);
    assert_eq!(
        store.call(&nurse, "urn:uuid:c").expect("by prefix"),
        answered
    );
}

#[test]
fn a_call_that_does_not_hold_together_is_refused_whole_with_its_fields_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = loaded(dir.path());
    let nurse = Actor("nurse-a".into());
    let before = outbox_kinds(&store).len();
    let mut bad = call("urn:uuid:bad", None, end());
    bad.reason = " ".into();
    bad.ended_at = end().plus_millis(-60_000);
    let refused = store
        .record_call(&nurse, &bad, None, end().plus_millis(60_000))
        .expect_err("refused");
    let StoreError::InvalidCall(problems) = refused else {
        panic!("{refused:?}");
    };
    let named: Vec<(&str, CallProblemCode)> = problems
        .iter()
        .map(|p| (p.field.as_str(), p.code))
        .collect();
    assert_eq!(
        named,
        vec![
            ("reason", CallProblemCode::Missing),
            ("caller_name", CallProblemCode::Missing),
            ("ended_at", CallProblemCode::EndsBeforeStart),
        ]
    );
    assert_eq!(outbox_kinds(&store).len(), before, "nothing queued");
    assert!(store.calls(&nurse, None, None).expect("calls").is_empty());
    // A citizen the store does not know is refused too.
    let stranger = CitizenId::new("0101011234").expect("id");
    assert!(matches!(
        store.record_call(
            &nurse,
            &call("urn:uuid:x", Some(&stranger), end()),
            None,
            end().plus_millis(9 * 60_000)
        ),
        Err(StoreError::UnknownCitizen(_))
    ));
}

#[test]
fn a_draft_survives_a_restart_and_goes_when_its_call_is_saved() {
    let dir = tempfile::tempdir().expect("tempdir");
    let nurse = Actor("nurse-a".into());
    let citizen = {
        let mut store = loaded(dir.path());
        let citizen = store
            .citizen_summaries(&nurse)
            .expect("summaries")
            .remove(0)
            .id;
        store
            .save_draft(
                &nurse,
                "draft-1",
                "call",
                Some(&citizen),
                &serde_json::json!({ "reason": "åndenø", "started_at": "2026-11-20T12:00:00Z" }),
                end(),
            )
            .expect("draft");
        citizen
        // The store is dropped here: the app closed, or crashed.
    };
    let mut store = open(dir.path());
    let drafts = store.drafts(&nurse).expect("drafts");
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].form["reason"], "åndenø");
    assert!(
        store
            .drafts(&Actor("nurse-b".into()))
            .expect("drafts")
            .is_empty(),
        "hers alone"
    );
    store
        .record_call(
            &nurse,
            &call("urn:uuid:d1", Some(&citizen), end()),
            Some("draft-1"),
            end().plus_millis(9 * 60_000),
        )
        .expect("saved");
    assert!(store.drafts(&nurse).expect("drafts").is_empty());
}

#[test]
fn a_call_from_the_backend_is_kept_once_and_a_bad_one_is_kept_for_a_human() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = loaded(dir.path());
    let nurse = Actor("nurse-a".into());
    let citizen = store
        .citizen_summaries(&nurse)
        .expect("summaries")
        .remove(0)
        .id;
    let good = call("urn:uuid:remote", Some(&citizen), end());
    let mut future = call(
        "urn:uuid:future",
        Some(&citizen),
        end().plus_millis(86_400_000),
    );
    future.ended_at = future.started_at.plus_millis(60_000);
    let stranger = call(
        "urn:uuid:stranger",
        Some(&CitizenId::new("0101011234").expect("id")),
        end(),
    );
    let pulled = |record: CallRecord, id: &str| Pulled {
        source_id: format!("https://backend/fhir|Communication/{id}"),
        resource_type: "Communication".into(),
        payload: serde_json::to_string(&record).expect("json"),
        record,
    };
    let batch = PullBatch {
        calls: vec![
            pulled(good.clone(), "1"),
            pulled(future, "2"),
            pulled(stranger, "3"),
        ],
        ..PullBatch::default()
    };
    let received = end().plus_millis(60 * 60_000);
    let report = store
        .apply_pull(
            "https://backend/fhir",
            "Communication",
            batch.clone(),
            None,
            received,
        )
        .expect("pull");
    assert_eq!(report.records, 1);
    assert_eq!(
        report.rejected, 2,
        "from the future, and of a citizen not known here"
    );
    let again = store
        .apply_pull(
            "https://backend/fhir",
            "Communication",
            batch,
            None,
            received,
        )
        .expect("pull");
    assert_eq!(
        (again.records, again.rejected),
        (0, 0),
        "a re-delivery changes nothing"
    );
    assert_eq!(store.calls(&nurse, None, None).expect("calls"), vec![good]);
    let kept = store.rejected(&nurse, true).expect("rejected");
    assert!(
        kept.iter()
            .filter(|r| r.resource_type.as_deref() == Some("Communication"))
            .count()
            == 2
    );
    // Read back, it is not queued again.
    assert!(!outbox_kinds(&store).contains(&"call".to_owned()));
}

#[test]
fn a_promised_call_back_raises_its_alarm_when_due_an_unanswered_try_keeps_it_and_the_next_call_ends_it()
 {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = loaded(dir.path());
    let nurse = Actor("nurse-a".into());
    let citizen = store
        .citizen_summaries(&nurse)
        .expect("summaries")
        .into_iter()
        .map(|c| c.id)
        .min()
        .expect("a citizen");
    let at = end().plus_millis(60_000);
    let mut promising = call("urn:uuid:promise", Some(&citizen), at);
    let due = at.plus_millis(2 * 3_600_000);
    promising.follow_up_at = Some(due);
    store
        .record_call(&nurse, &promising, None, at.plus_millis(9 * 60_000))
        .expect("recorded");
    let call_backs = |store: &mut Store, now: Timestamp| {
        store
            .alarms(AlarmFilter::Citizen(&citizen), &Actor("reader".into()), now)
            .expect("alarms")
            .into_iter()
            .filter(|a| a.kind == AlarmKind::FollowUpDue)
            .map(|a| (a.id, a.state, a.priority))
            .collect::<Vec<_>>()
    };
    // Not before it is due; the store wakes for it with no new data.
    store
        .evaluate_due(due.plus_millis(-60_000))
        .expect("evaluate");
    assert!(call_backs(&mut store, due).is_empty());
    assert!(store.due_citizens(due.plus_millis(-60_000)).expect("due") == 0);
    assert!(
        store.due_citizens(due).expect("due") >= 1,
        "due at the promised time"
    );
    store
        .evaluate_due(due.plus_millis(60_000))
        .expect("evaluate");
    let raised = call_backs(&mut store, due);
    assert_eq!(raised.len(), 1, "{raised:?}");
    assert_eq!(raised[0].1, AlarmState::Open);
    assert_eq!(raised[0].2, vagt_core::alarm::AlarmPriority::Medium);
    // Tried, nobody answered: logged, and the call-back stays due.
    let tried_at = due.plus_millis(2 * 60_000);
    let mut tried = call("urn:uuid:tried", Some(&citizen), tried_at);
    tried.direction = CallDirection::Outbound;
    tried.no_answer = true;
    tried.ended_at = tried_at.plus_millis(60_000);
    store
        .record_call(&nurse, &tried, None, tried_at.plus_millis(2 * 60_000))
        .expect("recorded");
    store
        .evaluate_due(tried_at.plus_millis(3 * 60_000))
        .expect("evaluate");
    assert_eq!(
        call_backs(&mut store, tried_at),
        raised,
        "an unanswered try leaves the call-back open"
    );
    // The call-back is made: the alarm ends, decided, and stays in the history.
    let back_at = due.plus_millis(5 * 60_000);
    let mut back = call("urn:uuid:back", Some(&citizen), back_at);
    back.direction = CallDirection::Outbound;
    store
        .record_call(&nurse, &back, None, back_at.plus_millis(9 * 60_000))
        .expect("recorded");
    store
        .evaluate_due(back_at.plus_millis(10 * 60_000))
        .expect("evaluate");
    let ended = store
        .alarms(AlarmFilter::Citizen(&citizen), &nurse, back_at)
        .expect("alarms")
        .into_iter()
        .find(|a| a.id == raised[0].0)
        .expect("kept");
    assert_eq!(ended.state, AlarmState::Resolved);
    assert_eq!(
        ended.resolved_reason,
        Some(vagt_core::alarm::ResolvedReason::Decided)
    );
}

#[test]
fn an_unanswered_try_that_promises_a_new_call_back_moves_the_reminder_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = loaded(dir.path());
    let nurse = Actor("nurse-a".into());
    let citizen = store
        .citizen_summaries(&nurse)
        .expect("summaries")
        .into_iter()
        .map(|c| c.id)
        .min()
        .expect("a citizen");
    let at = end().plus_millis(60_000);
    let mut promising = call("urn:uuid:p1", Some(&citizen), at);
    let due = at.plus_millis(3_600_000);
    promising.follow_up_at = Some(due);
    store
        .record_call(&nurse, &promising, None, at.plus_millis(9 * 60_000))
        .expect("recorded");
    store
        .evaluate_due(due.plus_millis(60_000))
        .expect("evaluate");
    // Tried, no answer, try again in an hour: the first reminder ends, the new one is due then.
    let tried_at = due.plus_millis(2 * 60_000);
    let mut tried = call("urn:uuid:t1", Some(&citizen), tried_at);
    tried.direction = CallDirection::Outbound;
    tried.no_answer = true;
    tried.ended_at = tried_at.plus_millis(60_000);
    let again = tried_at.plus_millis(3_600_000);
    tried.follow_up_at = Some(again);
    store
        .record_call(&nurse, &tried, None, tried_at.plus_millis(2 * 60_000))
        .expect("recorded");
    store
        .evaluate_due(again.plus_millis(60_000))
        .expect("evaluate");
    let reminders: Vec<(String, AlarmState)> = store
        .alarms(AlarmFilter::Citizen(&citizen), &nurse, again)
        .expect("alarms")
        .into_iter()
        .filter(|a| a.kind == AlarmKind::FollowUpDue)
        .map(|a| match a.cause {
            vagt_core::alarm::AlarmCause::FollowUpDue { call_key, .. } => (call_key, a.state),
            other => panic!("{other:?}"),
        })
        .collect();
    let mut reminders = reminders;
    reminders.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        reminders,
        vec![
            ("urn:uuid:p1".to_owned(), AlarmState::Resolved),
            ("urn:uuid:t1".to_owned(), AlarmState::Open),
        ]
    );
}

#[test]
fn readings_taken_on_the_phone_are_the_citizens_readings_at_every_station() {
    let here = tempfile::tempdir().expect("tempdir");
    let there = tempfile::tempdir().expect("tempdir");
    let mut a = loaded(here.path());
    let mut b = loaded(there.path());
    let nurse = Actor("nurse-a".into());
    let citizen = a
        .citizen_summaries(&nurse)
        .expect("summaries")
        .into_iter()
        .map(|c| c.id)
        .min()
        .expect("a citizen");
    let at = end().plus_millis(60_000);
    let mut read_out = call("urn:uuid:r1", Some(&citizen), at);
    read_out.readings = vec![
        vagt_core::call::PhoneReading {
            parameter: Parameter::Spo2,
            value: 87.0,
            unit: "%".into(),
        },
        vagt_core::call::PhoneReading {
            parameter: Parameter::Weight,
            value: 183.0,
            unit: "[lb_av]".into(),
        },
    ];
    a.record_call(&nurse, &read_out, None, at.plus_millis(9 * 60_000))
        .expect("recorded");
    let from_call = |store: &mut Store| {
        store
            .readings(&nurse, &citizen, None, Some(at))
            .expect("readings")
            .into_iter()
            .filter(|r| r.source_id.starts_with("urn:uuid:r1#"))
            .map(|r| (r.parameter, (r.value * 10.0).round() / 10.0, r.effective_at))
            .collect::<Vec<_>>()
    };
    // Stored in the canonical unit, measured when the call began: 183 lb is 83.0 kg.
    assert_eq!(
        from_call(&mut a),
        vec![(Parameter::Spo2, 87.0, at), (Parameter::Weight, 83.0, at)]
    );
    // Read back from the backend at another station: the same readings, once, however often.
    let batch = PullBatch {
        calls: vec![Pulled {
            source_id: "sim|Communication/1".into(),
            resource_type: "Communication".into(),
            payload: "{}".into(),
            record: read_out.clone(),
        }],
        ..PullBatch::default()
    };
    for _ in 0..2 {
        b.apply_pull(
            "sim",
            "Communication",
            batch.clone(),
            None,
            at.plus_millis(20 * 60_000),
        )
        .expect("pull");
    }
    assert_eq!(from_call(&mut b), from_call(&mut a));
    // A's own call read back changes nothing there.
    a.apply_pull(
        "sim",
        "Communication",
        batch,
        None,
        at.plus_millis(20 * 60_000),
    )
    .expect("pull");
    assert_eq!(from_call(&mut a).len(), 2);
}
