//! The shift handover from a real encrypted store: a scripted shift on the demo cohort (a call
//! promising a call-back now due, a MAS dispatch, a nurse raising one citizen to ECM5, an
//! unknown caller) gives the citizens, the order and the actions the I-PASS rule says, and a
//! shift that ended before any of it holds none of it. Nurses' notes set a citizen's severity
//! for the shift and leave a contingency note that stands; the receiver's sign-off is recorded
//! and audited, and what she did not sign for is carried into the next shift's handover. The
//! citizen's timeline lists what happened to them, newest first, with the plot's markers.

use vagt_app::{
    CallForm, DispatchForm, Handover, Session, StoreLocation, TimelineEntry, TimelineItem,
    TimelineKind, TimelineMarker, handover_pages,
};
use vagt_cohort::CohortSpec;
use vagt_core::alarm::AlarmCause;
use vagt_core::call::{CallDirection, CallerRole};
use vagt_core::dispatch::DispatchState;
use vagt_core::dispatch::DispatchUrgency;
use vagt_core::ecm_engine::LevelTrigger;
use vagt_core::handover::{
    Contingency, HandoverAction, HandoverRank, IllnessSeverity, Judgement, SeverityReason,
};
use vagt_core::i18n::{Catalogue, Language};
use vagt_core::{CitizenId, EcmLevel, Timestamp};
use vagt_store::{Actor, OpenMode};
use zeroize::Zeroizing;

const MINUTE: i64 = 60_000;

fn call(citizen: Option<&CitizenId>, started_at: Timestamp) -> CallForm {
    CallForm {
        citizen_id: citizen.cloned(),
        caller_name: if citizen.is_some() {
            String::new()
        } else {
            "nabo".into()
        },
        direction: CallDirection::Inbound,
        caller: CallerRole::Citizen,
        started_at,
        ended_at: started_at.plus_millis(5 * MINUTE),
        reason: "mere åndenød".into(),
        symptoms: Vec::new(),
        notes: String::new(),
        advice: String::new(),
        medicine: Vec::new(),
        e_doctor_consulted: false,
        assessed_level: None,
        follow_up_at: None,
        answers_alarm: None,
        readings: Vec::new(),
        no_answer: false,
        draft_id: None,
    }
}

fn is_ranked(h: &Handover) -> bool {
    let ranks: Vec<HandoverRank> = h
        .citizens
        .iter()
        .map(|c| {
            HandoverRank::new(
                &c.citizen_id,
                &c.name,
                c.severity,
                c.confirmed_level.max(c.suggested_level),
                &c.actions,
                c.carried_over,
            )
        })
        .collect();
    ranks.windows(2).all(|w| w[0] <= w[1])
}

fn demo_session(dir: &tempfile::TempDir, nurse: &Actor, now: Timestamp) -> Session {
    let session = Session::open(
        StoreLocation {
            db: Some(dir.path().join("handover.db")),
            throwaway_key: Some(Zeroizing::new("handover".into())),
        },
        OpenMode::CreateIfMissing,
    )
    .expect("session");
    // The cohort's readings end before the shift.
    session
        .load_demo(
            nurse,
            &CohortSpec {
                seed: 14,
                citizens: 20,
                days: 20,
                end: now.plus_millis(-180 * MINUTE),
            },
        )
        .expect("demo");
    session
}

#[test]
fn a_scripted_shift_hands_over_who_needs_attention_in_order_with_their_actions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let now = Timestamp::now();
    let shift_start = now.plus_millis(-120 * MINUTE);
    let shift_end = now.plus_millis(60 * MINUTE);
    let nurse = Actor("nurse-night".into());
    let session = demo_session(&dir, &nurse, now);
    let before = session
        .handover(&nurse, Some(shift_start), Some(shift_end))
        .expect("handover");
    // Three citizens the handover had nothing to say about before the shift's work.
    let mut quiet: Vec<CitizenId> = session
        .worklist(&nurse)
        .expect("worklist")
        .into_iter()
        .map(|c| c.id)
        .filter(|id| before.citizens.iter().all(|c| &c.citizen_id != id))
        .collect();
    quiet.sort();
    assert_eq!(quiet.len(), before.quiet);
    assert!(quiet.len() >= 3, "the cohort has calm citizens: {quiet:?}");
    let (promised, sent, raised) = (&quiet[0], &quiet[1], &quiet[2]);

    // The shift: a call that promised a call-back now due; the MAS nurse sent; a citizen
    // raised to ECM5 by the nurse; an unknown caller.
    let mut promise = call(Some(promised), now.plus_millis(-90 * MINUTE));
    promise.follow_up_at = Some(now.plus_millis(-30 * MINUTE));
    session.record_call(&nurse, promise).expect("call");
    session
        .request_dispatch(
            &nurse,
            DispatchForm {
                citizen_id: sent.clone(),
                urgency: DispatchUrgency::Urgent,
                reason: "SpO2 87 %".into(),
                assigned_to: Some("mas.ole".into()),
            },
        )
        .expect("dispatch");
    session
        .confirm_level(
            &nurse,
            raised,
            EcmLevel::new(5).expect("level"),
            "akutplads aftalt",
        )
        .expect("level");
    session
        .record_call(&nurse, call(None, now.plus_millis(-10 * MINUTE)))
        .expect("unknown caller");

    let h = session
        .handover(&nurse, Some(shift_start), Some(shift_end))
        .expect("handover");
    assert_eq!((h.from, h.to), (shift_start, shift_end));
    assert_eq!(
        h.citizens.len() + h.quiet,
        20,
        "every citizen heard about or counted quiet"
    );
    assert!(is_ranked(&h), "in handover order");
    // Alarms of one kind and priority are one line of the action list, with their count.
    for c in &h.citizens {
        let mut kinds: Vec<_> = c
            .actions
            .iter()
            .filter_map(|a| match a {
                HandoverAction::UnacknowledgedAlarm {
                    alarm, priority, ..
                } => Some((alarm.code(), *priority)),
                _ => None,
            })
            .collect();
        let listed = kinds.len();
        kinds.sort();
        kinds.dedup();
        assert_eq!(kinds.len(), listed, "{}: {:?}", c.name, c.actions);
    }
    let entry = |id: &CitizenId| {
        h.citizens
            .iter()
            .find(|c| &c.citizen_id == id)
            .unwrap_or_else(|| panic!("{id} in the handover"))
    };

    let raised = entry(raised);
    assert_eq!(raised.severity, IllnessSeverity::Unstable);
    assert!(
        raised.reasons.contains(&SeverityReason::LevelRose {
            from: raised.level_at_start.expect("a level at the start"),
            to: EcmLevel::new(5).expect("level"),
        }),
        "{:?}",
        raised.reasons
    );

    let sent = entry(sent);
    assert!(sent.severity >= IllnessSeverity::Watcher);
    assert!(matches!(
        sent.actions.as_slice(),
        [HandoverAction::OpenDispatch { owner: Some(o), .. }] if o == "mas.ole"
    ));

    let promised = entry(promised);
    assert!(promised.severity >= IllnessSeverity::Watcher);
    assert!(promised.reasons.contains(&SeverityReason::CallBackDue));
    assert!(
        promised.actions.iter().any(|a| matches!(
            a,
            HandoverAction::CallBackDue { owner: Some(o), .. } if o == "nurse-night"
        )),
        "{:?}",
        promised.actions
    );
    assert_eq!(promised.calls_in_shift, 1);

    // ECM3+ and open items first: the unstable citizen before the watchers with actions.
    let at = |id: &CitizenId| h.citizens.iter().position(|c| &c.citizen_id == id);
    assert!(at(&raised.citizen_id) < at(&sent.citizen_id));
    assert_eq!(
        h.calls.len(),
        2,
        "the shift's calls, the unknown caller's too"
    );

    // A shift that ended before any of it holds none of its calls.
    let earlier = session
        .handover(
            &nurse,
            Some(shift_start.plus_millis(-480 * MINUTE)),
            Some(shift_start),
        )
        .expect("handover");
    assert!(earlier.calls.is_empty());
    assert!(
        session
            .handover(&nurse, Some(shift_end), Some(shift_start))
            .is_err(),
        "a shift that ends before it begins is refused"
    );
}

#[test]
fn notes_and_the_receivers_signoff_travel_and_what_is_unsigned_carries_over() {
    let dir = tempfile::tempdir().expect("tempdir");
    let now = Timestamp::now();
    let night = (now.plus_millis(-480 * MINUTE), now.plus_millis(MINUTE));
    let day = (night.1, night.1.plus_millis(480 * MINUTE));
    let evening = (day.1, day.1.plus_millis(480 * MINUTE));
    let giver = Actor("nurse-night".into());
    let receiver = Actor("nurse-day".into());
    let session = demo_session(&dir, &giver, now);
    let handover = |span: (Timestamp, Timestamp)| {
        session
            .handover(&receiver, Some(span.0), Some(span.1))
            .expect("handover")
    };

    // The giving nurse judges a calm citizen unstable for her shift and leaves a note.
    let first = handover(night);
    let calm = session
        .worklist(&giver)
        .expect("worklist")
        .into_iter()
        .map(|c| c.id)
        .find(|id| first.citizens.iter().all(|c| &c.citizen_id != id))
        .expect("a calm citizen");
    session
        .write_handover_note(
            &giver,
            &calm,
            (Some(night.0), Some(night.1)),
            Some(Judgement::Set(IllnessSeverity::Unstable)),
            Some(Contingency::Write("Hvis SpO2 < 88 %: send MAS".into())),
        )
        .expect("note");
    let h = handover(night);
    let noted = h
        .citizens
        .iter()
        .find(|c| c.citizen_id == calm)
        .expect("the noted citizen is heard about");
    assert_eq!(
        (noted.severity, noted.rule_severity),
        (IllnessSeverity::Unstable, IllnessSeverity::Stable)
    );
    assert_eq!(
        noted
            .contingency
            .as_ref()
            .map(|w| (w.value.as_str(), w.by.as_str())),
        Some(("Hvis SpO2 < 88 %: send MAS", "nurse-night"))
    );
    assert!(is_ranked(&h));
    assert!(h.citizens.len() >= 3, "{}", h.citizens.len());
    assert!(h.signers.is_empty());

    // The printed handover: the citizens in the handover's order, the note as written (the
    // SVG escaped), a small trend for each unstable citizen, every page numbered.
    let catalogue = Catalogue::builtin().expect("catalogue");
    let pages = handover_pages(&h, &[], &catalogue, Language::Da);
    let whole = pages.concat();
    let mut last = 0;
    for c in &h.citizens {
        let at = whole[last..]
            .find(&c.name)
            .unwrap_or_else(|| panic!("{} printed after the one before", c.name));
        last += at;
    }
    assert!(whole.contains("Hvis SpO2 &lt; 88 %: send MAS"));
    assert!(
        pages
            .iter()
            .enumerate()
            .all(|(n, page)| page.contains(&format!("Side {} af {}", n + 1, pages.len())))
    );
    let (printed, pages) = session
        .handover_document(&receiver, Some(night.0), Some(night.1), Language::En)
        .expect("document");
    let unstable = printed
        .citizens
        .iter()
        .filter(|c| {
            (c.severity == IllnessSeverity::Unstable
                || c.rule_severity == IllnessSeverity::Unstable)
                && !c.mas_only
        })
        .count();
    assert!(unstable >= 1, "the noted citizen at least");
    let nested: usize = pages
        .iter()
        .map(|p| p.matches("class=\"embedded\"").count())
        .sum();
    assert_eq!(
        nested, unstable,
        "a small trend for each unstable citizen, none else"
    );
    assert!(pages.concat().contains("If/then (nurse-night, "));
    let (_, pdf) = session
        .handover_pdf(&receiver, Some(night.0), Some(night.1), Language::En)
        .expect("pdf");
    assert!(pdf.starts_with(b"%PDF"));
    let audit = session.audit(5, false).expect("audit");
    assert!(
        audit.entries.iter().any(|e| e.action == "handover.export"),
        "the export is audited"
    );
    let pdf = String::from_utf8_lossy(&pdf);
    assert!(
        pdf.contains(&format!("/Count {}", pages.len())),
        "every page in the PDF"
    );

    // Her judgement withdrawn: the rule's applies again.
    session
        .write_handover_note(
            &giver,
            &calm,
            (Some(night.0), Some(night.1)),
            Some(Judgement::Rule),
            None,
        )
        .expect("withdrawn");
    let back = handover(night);
    let entry = back.citizens.iter().find(|c| c.citizen_id == calm);
    assert!(
        entry.is_none_or(|c| c.nurse_severity.is_none() && c.severity == c.rule_severity),
        "{entry:?}"
    );
    session
        .write_handover_note(
            &giver,
            &calm,
            (Some(night.0), Some(night.1)),
            Some(Judgement::Set(IllnessSeverity::Unstable)),
            None,
        )
        .expect("judged again");
    // A shift that has not begun takes no notes.
    let err = session
        .write_handover_note(
            &giver,
            &calm,
            (Some(evening.0), Some(evening.1)),
            Some(Judgement::Set(IllnessSeverity::Watcher)),
            None,
        )
        .expect_err("a shift to come");
    assert_eq!(err.code(), "shift_in_future");

    // The receiver signs for the first citizen only; one not presented is refused, and so is
    // signing for nobody of a handover that presents someone.
    let signed = h.citizens[0].citizen_id.clone();
    let err = session
        .sign_handover(
            &receiver,
            (Some(night.0), Some(night.1)),
            Some(vec![CitizenId::new("nobody").expect("id")]),
        )
        .expect_err("not presented");
    assert_eq!(err.code(), "not_presented");
    let err = session
        .sign_handover(&receiver, (Some(night.0), Some(night.1)), Some(vec![]))
        .expect_err("nobody signed for");
    assert_eq!(err.code(), "nothing_signed");
    let signoff = session
        .sign_handover(
            &receiver,
            (Some(night.0), Some(night.1)),
            Some(vec![signed.clone()]),
        )
        .expect("sign");
    assert_eq!(signoff.presented.len(), h.citizens.len());
    let h = handover(night);
    assert_eq!(h.signers, ["nurse-day"]);
    for c in &h.citizens {
        assert_eq!(
            c.signed.as_ref().map(|s| s.by.as_str()),
            (c.citizen_id == signed).then_some("nurse-day"),
            "{}",
            c.name
        );
    }
    let audit = session.audit(50, true).expect("audit");
    assert_eq!(audit.chain_ok, Some(true));
    assert!(
        audit
            .entries
            .iter()
            .any(|e| e.action == "handover.sign" && e.actor == "nurse-day"),
        "the sign-off is audited"
    );

    // The day shift is told what the night's receiver did not sign for.
    let next = handover(day);
    assert_eq!((next.previous.from, next.previous.to), night);
    assert!(next.previous.signed);
    assert_eq!(next.previous.unsigned, h.citizens.len() - 1);
    for c in &h.citizens {
        let carried = next.citizens.iter().find(|n| n.citizen_id == c.citizen_id);
        if c.citizen_id == signed {
            assert!(
                carried.is_none_or(|n| !n.carried_over),
                "{} was signed for",
                c.name
            );
        } else {
            assert!(
                carried.is_some_and(|n| n.carried_over),
                "{} was not signed for, so the day shift hears of them",
                c.name
            );
        }
    }
    // The nurse's severity was for the night; her note stands.
    let noted = next
        .citizens
        .iter()
        .find(|c| c.citizen_id == calm)
        .expect("carried");
    assert_eq!(noted.nurse_severity, None);
    assert_eq!(noted.severity, noted.rule_severity);
    assert!(noted.contingency.is_some());
    assert!(is_ranked(&next));
    // Carried items come first, with the open items.
    let last_first = next
        .citizens
        .iter()
        .rposition(|c| c.carried_over || !c.actions.is_empty())
        .expect("carried");
    assert!(next.citizens[..last_first].iter().all(|c| {
        c.carried_over
            || !c.actions.is_empty()
            || c.confirmed_level
                .max(c.suggested_level)
                .is_some_and(|l| l.get() >= 3)
    }));

    // Nobody signed the day's handover: the evening is told so, and nothing is carried.
    let later = handover(evening);
    assert_eq!((later.previous.from, later.previous.to), day);
    assert!(!later.previous.signed);
    assert!(later.citizens.iter().all(|c| !c.carried_over));

    // The rest of the night signed for: nothing carries over; the note cleared: none stands.
    session
        .sign_handover(&receiver, (Some(night.0), Some(night.1)), None)
        .expect("sign the rest");
    session
        .write_handover_note(
            &giver,
            &calm,
            (Some(night.0), Some(night.1)),
            None,
            Some(Contingency::Clear),
        )
        .expect("clear");
    let next = handover(day);
    assert_eq!(next.previous.unsigned, 0);
    assert!(
        next.citizens
            .iter()
            .all(|c| !c.carried_over && c.contingency.is_none())
    );
    assert_eq!(
        session
            .write_handover_note(&giver, &calm, (Some(night.0), Some(night.1)), None, None)
            .expect_err("an empty note")
            .code(),
        "empty_note"
    );
}

#[test]
fn a_note_written_after_its_shift_ended_counts_in_that_shifts_handover() {
    // In a shift's first hour the handover shown is the one that just ended, and notes written
    // then are for it: written after its end, they still belong to it.
    let dir = tempfile::tempdir().expect("tempdir");
    let now = Timestamp::now();
    let ended = (
        now.plus_millis(-490 * MINUTE),
        now.plus_millis(-10 * MINUTE),
    );
    let nurse = Actor("nurse-night".into());
    let session = demo_session(&dir, &nurse, now);
    let before = session
        .handover(&nurse, Some(ended.0), Some(ended.1))
        .expect("handover");
    let calm = session
        .worklist(&nurse)
        .expect("worklist")
        .into_iter()
        .map(|c| c.id)
        .find(|id| before.citizens.iter().all(|c| &c.citizen_id != id))
        .expect("a calm citizen");
    session
        .write_handover_note(
            &nurse,
            &calm,
            (Some(ended.0), Some(ended.1)),
            Some(Judgement::Set(IllnessSeverity::Unstable)),
            Some(Contingency::Write("Hvis feber: ring læge".into())),
        )
        .expect("note on the shift that just ended");
    let after = session
        .handover(&nurse, Some(ended.0), Some(ended.1))
        .expect("handover");
    let noted = after
        .citizens
        .iter()
        .find(|c| c.citizen_id == calm)
        .expect("the noted citizen is in the ended shift's handover");
    assert_eq!(
        noted
            .nurse_severity
            .as_ref()
            .map(|w| (w.value, w.by.as_str())),
        Some((IllnessSeverity::Unstable, "nurse-night"))
    );
    assert_eq!(
        noted.contingency.as_ref().map(|w| w.value.as_str()),
        Some("Hvis feber: ring læge")
    );
    // The shift before it knows nothing of the note.
    let earlier = (ended.0.plus_millis(-480 * MINUTE), ended.0);
    let earlier = session
        .handover(&nurse, Some(earlier.0), Some(earlier.1))
        .expect("handover");
    assert!(
        earlier.citizens.iter().all(
            |c| c.citizen_id != calm || (c.nurse_severity.is_none() && c.contingency.is_none())
        ),
        "a note reaches no earlier shift"
    );
}

#[test]
fn the_timeline_lists_what_happened_newest_first_with_the_plots_markers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let now = Timestamp::now();
    let nurse = Actor("nurse-day".into());
    let session = demo_session(&dir, &nurse, now);
    // A citizen whose readings raised an alarm.
    let alarm = session
        .alarms(&nurse, true)
        .expect("alarms")
        .into_iter()
        .find(|a| {
            matches!(
                &a.cause,
                AlarmCause::SuggestedChange {
                    trigger: Some(LevelTrigger::Reading { finding: Some(_) }),
                    ..
                }
            )
        })
        .expect("the cohort's readings raise an alarm");
    let citizen = alarm.citizen_id.clone();
    session
        .acknowledge(&nurse, &alarm.id, Some("ringet op, har det bedre"))
        .expect("ack");
    session
        .confirm_level(
            &nurse,
            &citizen,
            EcmLevel::new(3).expect("level"),
            "vurderet i telefon",
        )
        .expect("level");
    session
        .set_plan(
            &nurse,
            &citizen,
            &serde_json::json!({"news2": {"spo2_scale": "scale2"}}),
            "hyperkapnisk",
            &[],
        )
        .expect("plan");
    session
        .record_call(&nurse, call(Some(&citizen), now.plus_millis(-5 * MINUTE)))
        .expect("call");
    session
        .request_dispatch(
            &nurse,
            DispatchForm {
                citizen_id: citizen.clone(),
                urgency: DispatchUrgency::Urgent,
                reason: "SpO2 87 %".into(),
                assigned_to: None,
            },
        )
        .expect("dispatch");

    let all = session.timeline(&nurse, &citizen, &[]).expect("timeline");
    assert!(all.windows(2).all(|w| w[0].at >= w[1].at), "newest first");
    let find = |pred: &dyn Fn(&TimelineEntry) -> bool| all.iter().find(|e| pred(e)).cloned();
    let raised = find(
        &|e| matches!(&e.item, TimelineItem::AlarmRaised { alarm_id, .. } if *alarm_id == alarm.id),
    )
    .expect("the alarm raised");
    assert!(
        matches!(
            raised.marker,
            TimelineMarker::ReadingRed | TimelineMarker::ReadingYellow
        ),
        "a reading raised it: drawn as the plot draws that reading ({:?})",
        raised.marker
    );
    let acked = find(&|e| matches!(&e.item, TimelineItem::AlarmAcknowledged { alarm_id, .. } if *alarm_id == alarm.id))
        .expect("its acknowledgement");
    assert!(
        matches!(&acked.item, TimelineItem::AlarmAcknowledged { by, comment: Some(c), .. }
        if by == "nurse-day" && c == "ringet op, har det bedre")
    );
    assert!(acked.at >= raised.at);
    let level = find(&|e| e.marker == TimelineMarker::ConfirmedLevel).expect("the confirmed level");
    assert!(matches!(&level.item, TimelineItem::Level { level }
        if level.reason.as_deref() == Some("vurderet i telefon") && level.set_by.as_deref() == Some("nurse-day")));
    assert!(
        all.iter()
            .any(|e| e.marker == TimelineMarker::SuggestedLevel),
        "the suggestions too"
    );
    assert!(all.iter().any(|e| matches!(&e.item, TimelineItem::PlanRevision { revision } if revision.reason == "hyperkapnisk")));
    assert!(all.iter().any(|e| matches!(
        &e.item,
        TimelineItem::DispatchStep {
            state: DispatchState::Requested,
            ..
        }
    )));

    // Filtered by kind: only those, in the same order.
    let calls = session
        .timeline(
            &nurse,
            &citizen,
            &[TimelineKind::Call, TimelineKind::Dispatch],
        )
        .expect("timeline");
    let want: Vec<&TimelineEntry> = all
        .iter()
        .filter(|e| matches!(e.kind, TimelineKind::Call | TimelineKind::Dispatch))
        .collect();
    assert_eq!(calls.iter().collect::<Vec<_>>(), want);
    assert_eq!(calls.len(), 2);
}
