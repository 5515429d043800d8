//! Plans, levels and alarms in a real encrypted store: the cohort's exacerbations raise level
//! rises, re-evaluation raises nothing new, acknowledgements are named, audited, queued for the
//! backend, and close the same alarm at a second station.

mod common;
use common::*;
use std::path::Path;
use vagt_cohort::CohortSpec;
use vagt_core::alarm::AlarmAcknowledgement;
use vagt_core::plan::DocumentFormat;
use vagt_core::{CitizenId, Timestamp};
use vagt_store::{AckOutcome, Actor, DbKey, OpenMode, Store, StoreError};

fn store(dir: &Path, name: &str) -> Store {
    let key = DbKey::from_hex(&"3c".repeat(32)).expect("hex");
    Store::open_with_key(&dir.join(name), &key, OpenMode::CreateIfMissing).expect("store")
}

fn spec() -> CohortSpec {
    CohortSpec {
        seed: 2018,
        citizens: 16,
        days: 30,
        end: Timestamp::parse_rfc3339("2026-11-20T12:00:00Z").expect("time"),
    }
}

#[test]
fn the_cohorts_exacerbations_raise_level_rises_and_the_same_data_raises_nothing_new() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path(), "a.db");
    let demo = load_demo(&mut store, &Actor::system(), &spec()).expect("demo");
    assert!(demo.alarms_raised > 0, "the cohort raises alarms: {demo:?}");
    let alarms = store
        .alarms(
            AlarmFilter::Open,
            &Actor("nurse-a".into()),
            Timestamp::now(),
        )
        .expect("alarms");
    assert_eq!(alarms.len(), demo.alarms_raised);
    // Citizens 3 and 11 (index % 8 == 3) are in an ongoing exacerbation.
    let rises: Vec<_> = alarms
        .iter()
        .filter(|a| a.kind == AlarmKind::LevelRise && json(&a.cause)["type"] == "suggested_change")
        .collect();
    assert!(
        rises.len() >= 2,
        "ongoing exacerbations are level rises: {:?}",
        alarms
            .iter()
            .map(|a| (&a.kind, &a.citizen_id))
            .collect::<Vec<_>>()
    );
    for rise in &rises {
        assert!(json(&rise.cause)["to"].as_u64().is_some_and(|to| to >= 2));
        assert!(
            json(&rise.cause)["trigger"].is_object(),
            "the cause names its trigger"
        );
    }
    // Newest and highest first.
    let rank = |p: &str| {
        ["high", "medium", "low", "info"]
            .iter()
            .position(|x| *x == p)
    };
    assert!(
        alarms
            .windows(2)
            .all(|w| rank(w[0].priority.code()) <= rank(w[1].priority.code()))
    );
    // Citizen 8 (index % 15 == 8) stopped measuring.
    assert!(
        alarms
            .iter()
            .any(|a| a.kind == AlarmKind::MissedMeasurement)
    );

    let again = store.evaluate_alarms(spec().end).expect("again");
    assert!(again.raised.is_empty(), "nothing new: {:?}", again.raised);
    assert_eq!(again.level_changes, 0);
}

#[test]
fn an_acknowledgement_is_named_audited_queued_and_closes_the_alarm_at_another_station() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut station_a = store(dir.path(), "a.db");
    let mut station_b = store(dir.path(), "b.db");
    load_demo(&mut station_a, &Actor::system(), &spec()).expect("demo");
    load_demo(&mut station_b, &Actor::system(), &spec()).expect("demo");
    let nurse = Actor("nurse-a".into());
    let open_a = station_a
        .alarms(AlarmFilter::Open, &nurse, Timestamp::now())
        .expect("alarms");
    let open_b = station_b
        .alarms(AlarmFilter::Open, &nurse, Timestamp::now())
        .expect("alarms");
    let ids = |rows: &[vagt_store::AlarmRow]| rows.iter().map(|a| a.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&open_a), ids(&open_b), "two stations share alarm ids");

    let alarm = &open_a[0];
    let outcome = station_a
        .acknowledge_alarm(
            &alarm.id,
            &nurse,
            Some("ringet op, har det bedre"),
            spec().end,
        )
        .expect("ack");
    assert_eq!(
        outcome,
        AckOutcome::Acknowledged {
            alarm_id: alarm.id.clone()
        }
    );
    let after = station_a
        .alarms(AlarmFilter::All, &nurse, Timestamp::now())
        .expect("alarms");
    let acked = after.iter().find(|a| a.id == alarm.id).expect("kept");
    assert_eq!(acked.state, AlarmState::Acknowledged);
    assert_eq!(acked.acknowledged_by.as_deref(), Some("nurse-a"));
    assert!(
        !station_a
            .alarms(AlarmFilter::Open, &nurse, Timestamp::now())
            .expect("open")
            .iter()
            .any(|a| a.id == alarm.id)
    );

    let queued = station_a.pending_outbox(10).expect("outbox");
    let queued_ack = queued
        .iter()
        .find_map(|i| match &i.record {
            OutboxRecord::Record(Outbound::AlarmAck { ack, .. }) => Some(ack),
            _ => None,
        })
        .expect("the acknowledgement waits for the backend");
    assert_eq!(queued_ack.alarm_id, alarm.id);
    assert_eq!(queued_ack.nurse, "nurse-a");

    let audit = station_a.audit_entries(20).expect("audit");
    assert!(
        audit
            .iter()
            .any(|e| e.action == "alarm.acknowledge" && e.actor == "nurse-a")
    );

    // Twice is harmless and says who was first.
    let second = station_a
        .acknowledge_alarm(&alarm.id, &Actor("nurse-b".into()), None, spec().end)
        .expect("second ack");
    assert!(matches!(second, AckOutcome::AlreadyAcknowledged { ref by, .. } if by == "nurse-a"));

    // The backend brings station A's acknowledgement to station B.
    let remote = |alarm_id: &str| AlarmAcknowledgement {
        alarm_id: alarm_id.to_owned(),
        nurse: "nurse-a".into(),
        at: spec().end,
        comment: None,
    };
    station_b
        .apply_remote_acknowledgement(&remote(&alarm.id))
        .expect("remote ack");
    assert!(
        !station_b
            .alarms(AlarmFilter::Open, &nurse, Timestamp::now())
            .expect("open")
            .iter()
            .any(|a| a.id == alarm.id),
        "closed everywhere"
    );
    // An acknowledgement for an alarm station C has not raised yet waits for it.
    let mut station_c = store(dir.path(), "c.db");
    assert_eq!(
        station_c
            .apply_remote_acknowledgement(&remote(&alarm.id))
            .expect("waits"),
        AckOutcome::Waiting {
            alarm_id: alarm.id.clone()
        }
    );
    load_demo(&mut station_c, &Actor::system(), &spec()).expect("demo");
    let c_alarm = station_c
        .alarms(AlarmFilter::All, &nurse, Timestamp::now())
        .expect("alarms")
        .into_iter()
        .find(|a| a.id == alarm.id)
        .expect("raised at C too");
    assert_eq!(c_alarm.state, AlarmState::Acknowledged, "never opened at C");
    assert_eq!(c_alarm.acknowledged_by.as_deref(), Some("nurse-a"));

    let unknown = station_b.acknowledge_alarm("nope", &nurse, None, spec().end);
    assert!(matches!(unknown, Err(StoreError::Triage(_))));
}

#[test]
fn a_nurses_level_decision_raises_its_alarm_and_a_differing_suggestion_raises_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path(), "a.db");
    load_demo(&mut store, &Actor::system(), &spec()).expect("demo");
    let nurse = Actor("nurse-a".into());
    let rise = store
        .alarms(AlarmFilter::Open, &nurse, Timestamp::now())
        .expect("alarms")
        .into_iter()
        .find(|a| a.kind == AlarmKind::LevelRise)
        .expect("a rise");
    let suggested = store
        .latest_level(&rise.citizen_id, LevelKind::Suggested)
        .expect("level")
        .expect("suggested");
    // Confirm one level below the suggestion.
    let lower = vagt_core::EcmLevel::new(i64::from(suggested.get()) - 1).expect("level");
    assert!(matches!(
        store.confirm_level(&rise.citizen_id, lower, &nurse, " ", spec().end),
        Err(StoreError::Triage(_))
    ));
    store
        .confirm_level(
            &rise.citizen_id,
            lower,
            &nurse,
            "vurderet i telefon",
            spec().end,
        )
        .expect("confirm");
    store.evaluate_due(spec().end).expect("evaluate");
    let open = store
        .alarms(AlarmFilter::Open, &nurse, Timestamp::now())
        .expect("alarms");
    // The decision is an alarm (for the other stations); the suggestion that differs from it
    // is no second one: it is the rise already open.
    let of_citizen: Vec<_> = open
        .iter()
        .filter(|a| a.citizen_id == rise.citizen_id)
        .collect();
    assert!(
        of_citizen
            .iter()
            .all(|a| a.kind != AlarmKind::SuggestionDiffers),
        "{of_citizen:?}"
    );
    assert!(of_citizen.iter().any(|a| a.id == rise.id));
    assert!(of_citizen.iter().any(|a| a.kind == AlarmKind::LevelRise
        && json(&a.cause)["type"] == "confirmed_change"));
    // The panel shows one row for the citizen, gathering the rise and the decision.
    let episodes = store
        .alarm_episodes(&nurse, Timestamp::now())
        .expect("episodes");
    let rows: Vec<_> = episodes
        .iter()
        .filter(|e| e.citizen_id == rise.citizen_id)
        .collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let cause_ids: Vec<&str> = rows[0].causes.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(cause_ids.len(), of_citizen.len());
    assert!(cause_ids.contains(&rise.id.as_str()));
    assert!(
        rows[0]
            .causes
            .iter()
            .any(|c| json(&c.cause)["type"] == "confirmed_change")
    );

    // Deciding for the suggestion is one more decision: a rise of the confirmed level.
    store
        .confirm_level(
            &rise.citizen_id,
            suggested,
            &nurse,
            "enig med forslaget",
            spec().end.plus_millis(60_000),
        )
        .expect("confirm");
    store
        .evaluate_due(spec().end.plus_millis(60_000))
        .expect("evaluate");
    assert_eq!(
        store
            .latest_level(&rise.citizen_id, LevelKind::Confirmed)
            .expect("level"),
        Some(suggested)
    );
    assert!(
        store
            .pending_outbox(50)
            .expect("outbox")
            .iter()
            .filter(|i| matches!(
                i.record,
                OutboxRecord::Record(Outbound::ConfirmedLevel { .. })
            ))
            .count()
            == 2
    );
}

#[test]
fn a_plan_change_is_checked_and_kept_with_who_and_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path(), "a.db");
    load_demo(&mut store, &Actor::system(), &spec()).expect("demo");
    let nurse = Actor("nurse-a".into());
    let citizen = store
        .alarms(AlarmFilter::Open, &nurse, Timestamp::now())
        .expect("alarms")
        .into_iter()
        .find(|a| a.kind == AlarmKind::LevelRise && json(&a.cause)["type"] == "suggested_change")
        .expect("a rise")
        .citizen_id;
    let before = store.plan(&citizen, &nurse).expect("plan");
    assert_eq!(before.revision, None);
    assert!(before.resolved.contains("spo2"), "{}", before.resolved);

    let bad = store.set_plan(
        &citizen,
        "[limits.spo2]\nyellow_low = 80\nred_low = 90\n",
        DocumentFormat::Toml,
        &nurse,
        "test",
        None,
    );
    assert!(
        matches!(&bad, Err(e) if e.code() == "invalid_plan"),
        "a yellow limit outside its red limit is refused: {bad:?}"
    );
    let no_reason = store.set_plan(&citizen, "", DocumentFormat::Toml, &nurse, "  ", None);
    assert!(matches!(&no_reason, Err(e) if e.code() == "reason_required"));

    // Limits so wide nothing is abnormal: the suggestion falls once the hold window passes.
    let wide = r#"
[limits.spo2]
off = true
[limits.pulse]
off = true
[limits.fev1]
off = true
[limits.temperature]
off = true
[limits.weight]
off = true
[limits.symptom_score]
off = true
[limits.cat_score]
off = true
[limits.systolic_bp]
off = true
[limits.diastolic_bp]
off = true
[limits.blood_glucose]
off = true
[limits.respiratory_rate]
off = true
"#;
    let revision = store
        .set_plan(
            &citizen,
            wide,
            DocumentFormat::Toml,
            &nurse,
            "palliativ: ingen grænser",
            None,
        )
        .expect("set plan");
    assert_eq!(revision.revision, 1);
    assert_eq!(revision.conflicts, 0);
    let after = store.plan(&citizen, &nurse).expect("plan");
    assert_eq!(after.revision, Some(1));
    assert_eq!(after.changed_by.as_deref(), Some("nurse-a"));
    assert!(
        store
            .audit_entries(50)
            .expect("audit")
            .iter()
            .any(|e| e.action == "plan.change" && e.actor == "nurse-a")
    );
}

#[test]
fn a_snooze_is_one_nurses_and_an_unacknowledged_high_alarm_escalates_louder_to_all_stations() {
    use vagt_core::alarm::{Audience, EscalationPolicy, EscalationRule, Loudness};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path(), "a.db");
    load_demo(&mut store, &Actor::system(), &spec()).expect("demo");
    let (anne, bo) = (Actor("anne".into()), Actor("bo".into()));
    let minutes = |m: i64| m * 60_000;
    let listed = store
        .alarms(AlarmFilter::Open, &anne, spec().end)
        .expect("alarms");
    let high = listed
        .iter()
        .find(|a| a.priority == AlarmPriority::High)
        .expect("the cohort has a high alarm")
        .clone();
    let medium = listed
        .iter()
        .find(|a| a.priority == AlarmPriority::Medium)
        .expect("the cohort has a medium alarm")
        .clone();
    let at = |alarm: &vagt_store::AlarmRow, m: i64| alarm.raised_at.plus_millis(minutes(m));
    let row = |store: &mut Store, nurse: &Actor, alarm: &vagt_store::AlarmRow, m: i64| {
        store
            .alarms(AlarmFilter::Open, nurse, at(alarm, m))
            .expect("alarms")
            .into_iter()
            .find(|a| a.id == alarm.id)
            .expect("still open")
    };

    // The default policy: a high alarm escalates after 5 minutes, then every 5, three times.
    let fresh = row(&mut store, &anne, &high, 1);
    assert_eq!(fresh.escalation, None);
    assert_eq!(fresh.next_escalation_at, Some(at(&high, 5)));
    let first = row(&mut store, &anne, &high, 6).escalation.expect("due");
    assert_eq!((first.step, first.loudness), (1, Loudness::Loud));
    assert_eq!(first.audience, Audience::AllStations);
    let last = row(&mut store, &anne, &high, 16);
    let step = last.escalation.expect("due");
    assert_eq!((step.step, step.loudness), (3, Loudness::Loudest));
    assert_eq!(last.next_escalation_at, None, "no step after the third");

    // Anne snoozes for 30 minutes; for a high alarm that ends at its first escalation, and it
    // never silences Bo.
    let snoozed = store
        .snooze_alarm(&high.id[..8], &anne, 30, at(&high, 1))
        .expect("snooze");
    assert_eq!(snoozed.silenced_until, at(&high, 5));
    assert_eq!(snoozed.requested_until, at(&high, 31));
    assert_eq!(
        row(&mut store, &anne, &high, 2).snoozed_until,
        Some(at(&high, 5))
    );
    assert_eq!(row(&mut store, &bo, &high, 2).snoozed_until, None);
    assert_eq!(row(&mut store, &anne, &high, 5).snoozed_until, None);
    // Past its first escalation a high alarm cannot be snoozed at all; it must be seen to.
    let late = store.snooze_alarm(&high.id, &bo, 30, at(&high, 6));
    assert!(
        matches!(&late, Err(e) if e.code() == "snooze_after_escalation"),
        "{late:?}"
    );
    // A medium alarm's snooze lasts as asked.
    store
        .snooze_alarm(&medium.id, &anne, 30, at(&medium, 0))
        .expect("snooze");
    assert_eq!(
        row(&mut store, &anne, &medium, 29).snoozed_until,
        Some(at(&medium, 30))
    );
    assert_eq!(row(&mut store, &anne, &medium, 30).snoozed_until, None);
    assert!(
        store
            .audit_entries(20)
            .expect("audit")
            .iter()
            .any(|e| e.action == "alarm.snooze" && e.actor == "anne")
    );

    // Refused: no duration, too long, an alarm already acknowledged.
    for bad in [0, 121, -5] {
        let refused = store.snooze_alarm(&medium.id, &anne, bad, at(&medium, 0));
        assert!(
            matches!(&refused, Err(e) if e.code() == "invalid_snooze"),
            "{bad}: {refused:?}"
        );
    }
    store
        .acknowledge_alarm(&medium.id, &bo, None, at(&medium, 1))
        .expect("ack");
    let closed = store.snooze_alarm(&medium.id, &anne, 10, at(&medium, 2));
    assert!(
        matches!(&closed, Err(e) if e.code() == "alarm_not_open"),
        "{closed:?}"
    );

    // The policy is configuration: high alarms after one minute, once.
    let policy = EscalationPolicy {
        high: Some(EscalationRule {
            after_ms: minutes(1),
            repeat_ms: None,
            max_steps: 1,
            audience: Audience::AllStations,
        }),
        ..EscalationPolicy::default()
    };
    store
        .set_escalation_policy(&policy, &Actor("operator".into()))
        .expect("policy");
    assert_eq!(store.escalation_policy().expect("policy"), policy);
    let quick = row(&mut store, &bo, &high, 2);
    assert_eq!(quick.escalation.map(|s| s.step), Some(1));
    assert_eq!(quick.next_escalation_at, None);
    let invalid = EscalationPolicy {
        high: Some(EscalationRule {
            max_steps: 0,
            ..policy.high.expect("high")
        }),
        ..policy
    };
    assert!(matches!(
        store.set_escalation_policy(&invalid, &Actor("operator".into())),
        Err(e) if e.code() == "invalid_escalation_policy"
    ));
}

#[test]
fn a_rise_and_fall_inside_one_offline_gap_each_raise_their_alarm_once() {
    use vagt_core::{Citizen, CitizenId, Diagnosis, IncomingMeasurement, Parameter, SourceRef};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path(), "gap.db");
    let system = Actor::system();
    let id = CitizenId::new("gap-1").expect("id");
    store
        .upsert_citizen(
            &system,
            &Citizen {
                id: id.clone(),
                name: "Gap Test".into(),
                birth_date: None,
                diagnoses: vec![Diagnosis::Copd],
                phone: None,
                address: None,
            },
        )
        .expect("citizen");
    let t0 = Timestamp::parse_rfc3339("2026-11-10T08:00:00Z").expect("time");
    let hours = |h: i64| t0.plus_millis(h * 3_600_000);
    let spo2 = |n: usize, at: Timestamp, value: f64| IncomingMeasurement {
        citizen_id: id.clone(),
        parameter: Parameter::Spo2,
        value,
        unit: "%".into(),
        effective_at: at,
        source: SourceRef {
            id: format!("obs-{n}"),
            version: "1".into(),
        },
    };
    store
        .ingest(&system, "test", vec![spo2(0, t0, 96.0)], t0)
        .expect("ingest");
    let first = store.evaluate_alarms(hours(1)).expect("evaluate");
    assert_eq!(first.level_changes, 1, "the first level is recorded");
    let level_alarms = |store: &mut Store| {
        let mut rows: Vec<(String, serde_json::Value, serde_json::Value)> = store
            .alarms(AlarmFilter::All, &Actor("anne".into()), hours(100))
            .expect("alarms")
            .into_iter()
            .filter(|a| a.kind == AlarmKind::LevelRise || a.kind == AlarmKind::LevelFall)
            .map(|a| {
                (
                    a.kind.code().to_owned(),
                    json(&a.cause)["from"].clone(),
                    json(&a.cause)["to"].clone(),
                )
            })
            .collect();
        rows.sort_by_key(|(kind, ..)| kind.clone());
        rows
    };
    assert!(level_alarms(&mut store).is_empty(), "ECM1 from the start");

    // Offline for three days: a red SpO2 two hours in, green again after, the fall held 24 h.
    let mut gap = vec![spo2(1, hours(2), 80.0)];
    gap.extend((0..6).map(|i| spo2(2 + i, hours(12 + 8 * i as i64), 96.0)));
    store
        .ingest(&system, "test", gap, hours(72))
        .expect("ingest");
    let back = store.evaluate_alarms(hours(72)).expect("evaluate");
    assert_eq!(
        store
            .latest_level(&cid("gap-1"), LevelKind::Suggested)
            .expect("level"),
        vec_level(1),
        "back at ECM1 when the station is online again"
    );
    assert_eq!(
        back.level_changes, 2,
        "the rise and the fall are both recorded"
    );
    assert_eq!(
        level_alarms(&mut store),
        vec![
            ("level_fall".into(), 3.into(), 1.into()),
            ("level_rise".into(), 1.into(), 3.into()),
        ],
        "a rise and a fall that happened while offline are alarms all the same"
    );
    let again = store.evaluate_alarms(hours(73)).expect("evaluate");
    assert!(
        again.raised.is_empty() && again.level_changes == 0,
        "{again:?}"
    );
}

fn vec_level(n: i64) -> Option<vagt_core::EcmLevel> {
    Some(vagt_core::EcmLevel::new(n).expect("level"))
}

/// At an escalation step a window reads again only the episodes of the citizens whose time
/// came: they must be what a whole read has for them, in its order, whatever order they were
/// asked in; a citizen with no open alarm has none.
#[test]
fn the_episodes_of_a_few_citizens_are_those_of_the_whole_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path(), "a.db");
    load_demo(&mut store, &Actor::system(), &spec()).expect("demo");
    let nurse = Actor("nurse-a".into());
    let now = Timestamp::now();
    let whole = store.alarm_episodes(&nurse, now).expect("episodes");
    assert!(whole.len() >= 3, "the cohort has episodes: {}", whole.len());
    let expected: Vec<_> = whole.iter().step_by(2).cloned().collect();
    let mut asked: Vec<CitizenId> = expected.iter().map(|e| e.citizen_id.clone()).collect();
    asked.push(CitizenId::new("no-such-citizen").expect("id"));
    asked.reverse();
    let few = store
        .alarm_episodes_of(&nurse, &asked, now)
        .expect("episodes of");
    assert_eq!(few, expected);
    assert!(
        store
            .alarm_episodes_of(&nurse, &[], now)
            .expect("none asked")
            .is_empty()
    );
}

/// A window reads a region's episodes a page of citizens at a time: however small the pages,
/// they hold every episode of the whole read once, each as the whole read has it.
#[test]
fn the_episodes_read_in_pages_are_those_of_the_whole_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path(), "a.db");
    load_demo(&mut store, &Actor::system(), &spec()).expect("demo");
    let nurse = Actor("nurse-a".into());
    let now = Timestamp::now();
    let mut whole = store.alarm_episodes(&nurse, now).expect("episodes");
    assert!(whole.len() >= 3, "the cohort has episodes: {}", whole.len());
    whole.sort_by(|a, b| a.citizen_id.cmp(&b.citizen_id));
    for citizens in [0, 1, 2, whole.len(), whole.len() + 1] {
        let full = citizens.max(1);
        let mut paged = Vec::new();
        let mut after: Option<String> = None;
        let mut pages = 0;
        loop {
            let page = store
                .alarm_episodes_page(&nurse, after.as_deref(), citizens, now)
                .expect("page");
            pages += 1;
            assert!(pages <= whole.len() + 1, "pages of {citizens} never ended");
            let count = page.episodes.len();
            paged.extend(page.episodes);
            match page.next {
                Some(next) => {
                    assert_eq!(count, full, "a page before the last is full");
                    after = Some(next);
                }
                None => break,
            }
        }
        paged.sort_by(|a, b| a.citizen_id.cmp(&b.citizen_id));
        assert_eq!(paged, whole, "pages of {citizens}");
        // No page after the last citizen: as many pages as the citizens fill.
        assert_eq!(pages, whole.len().div_ceil(full), "pages of {citizens}");
    }
}
