//! The shift handover from a real encrypted store: a scripted shift on the demo cohort (a call
//! promising a call-back now due, a MAS dispatch, a nurse raising one citizen to ECM5, an
//! unknown caller) gives the citizens, the order and the actions the I-PASS rule says, and a
//! shift that ended before any of it holds none of it.

use vagt_app::{CallForm, DispatchForm, Handover, Session, StoreLocation};
use vagt_cohort::CohortSpec;
use vagt_core::call::{CallDirection, CallerRole};
use vagt_core::dispatch::DispatchUrgency;
use vagt_core::handover::{HandoverAction, HandoverRank, IllnessSeverity, SeverityReason};
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
            )
        })
        .collect();
    ranks.windows(2).all(|w| w[0] <= w[1])
}

#[test]
fn a_scripted_shift_hands_over_who_needs_attention_in_order_with_their_actions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let session = Session::open(
        StoreLocation {
            db: Some(dir.path().join("handover.db")),
            throwaway_key: Some(Zeroizing::new("handover".into())),
        },
        OpenMode::CreateIfMissing,
    )
    .expect("session");
    let now = Timestamp::now();
    let shift_start = now.plus_millis(-120 * MINUTE);
    let shift_end = now.plus_millis(60 * MINUTE);
    let nurse = Actor("nurse-night".into());
    // The cohort's readings end before the shift.
    session
        .load_demo(
            &nurse,
            &CohortSpec {
                seed: 14,
                citizens: 20,
                days: 20,
                end: now.plus_millis(-180 * MINUTE),
            },
        )
        .expect("demo");
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
