use super::*;
use crate::ecm::EcmLevel;

fn t(minutes: i64) -> Timestamp {
    Timestamp::parse_rfc3339("2026-12-01T20:00:00Z")
        .unwrap()
        .plus_millis(minutes * 60_000)
}

fn citizen() -> CitizenId {
    CitizenId::new("c-0001").unwrap()
}

fn request(key: &str) -> DispatchRecord {
    DispatchRecord {
        key: key.into(),
        citizen_id: citizen(),
        steps: vec![DispatchStep {
            key: format!("{key}-s0"),
            bases: vec![],
            at: t(0),
            by: "sygeplejerske.a".into(),
            change: DispatchChange::Requested {
                urgency: DispatchUrgency::Urgent,
                reason: "Tiltagende åndenød".into(),
                assigned_to: Some("mas.ole".into()),
            },
        }],
    }
}

fn state(to: DispatchState) -> DispatchChange {
    DispatchChange::State {
        to,
        outcome: (to == DispatchState::Completed).then_some(VisitOutcome::HospitalAdmission),
        note: String::new(),
    }
}

/// Applies an edit at one "station": the step is made on that station's view.
fn edit(record: &mut DispatchRecord, key: &str, by: &str, at: i64, change: DispatchChange) {
    let view = record.view().unwrap();
    let step = view.next_step(key.into(), by, t(at), change).unwrap();
    record.steps.push(step);
}

#[test]
fn a_dispatch_goes_through_its_states_with_time_and_author() {
    let mut d = request("d1");
    edit(&mut d, "s1", "mas.ole", 5, state(DispatchState::EnRoute));
    edit(&mut d, "s2", "mas.ole", 25, state(DispatchState::Arrived));
    edit(&mut d, "s3", "mas.ole", 70, state(DispatchState::Completed));
    let view = d.view().unwrap();
    assert_eq!(view.state, DispatchState::Completed);
    assert_eq!(view.outcome, Some(VisitOutcome::HospitalAdmission));
    let states: Vec<_> = view.history.iter().map(|h| (h.state, h.at)).collect();
    assert_eq!(
        states,
        vec![
            (DispatchState::Requested, t(0)),
            (DispatchState::EnRoute, t(5)),
            (DispatchState::Arrived, t(25)),
            (DispatchState::Completed, t(70)),
        ]
    );
    assert_eq!(view.heads, vec!["s3".to_owned()]);
    assert!(view.conflicts.is_empty());
    assert!(d.problems(t(80)).is_empty());
}

#[test]
fn states_only_move_forward_and_a_closed_dispatch_stays_closed() {
    use DispatchState::*;
    let allowed: Vec<(DispatchState, DispatchState)> = DispatchState::ALL
        .into_iter()
        .flat_map(|a| DispatchState::ALL.into_iter().map(move |b| (a, b)))
        .filter(|(a, b)| a.can_become(*b))
        .collect();
    assert_eq!(
        allowed,
        vec![
            (Requested, EnRoute),
            (Requested, Arrived),
            (Requested, Cancelled),
            (EnRoute, Arrived),
            (EnRoute, Cancelled),
            (Arrived, Completed),
            (Arrived, Cancelled),
        ]
    );
    let mut d = request("d1");
    edit(&mut d, "s1", "a", 5, state(Cancelled));
    let view = d.view().unwrap();
    let refused = view
        .next_step("s2".into(), "a", t(6), state(EnRoute))
        .unwrap_err();
    assert_eq!(refused[0].field, "state");
    let refused = view
        .next_step(
            "s2".into(),
            "a",
            t(6),
            DispatchChange::Assigned {
                nurse: Some("x".into()),
            },
        )
        .unwrap_err();
    assert_eq!(refused[0].code, DispatchProblemCode::NotAllowed);
}

#[test]
fn a_completion_needs_an_outcome_and_nothing_else_has_one() {
    let view = request("d1").view().unwrap();
    let mut d = request("d1");
    edit(&mut d, "s1", "a", 5, state(DispatchState::Arrived));
    let arrived = d.view().unwrap();
    let no_outcome = arrived
        .next_step(
            "s2".into(),
            "a",
            t(9),
            DispatchChange::State {
                to: DispatchState::Completed,
                outcome: None,
                note: String::new(),
            },
        )
        .unwrap_err();
    assert_eq!(no_outcome[0].field, "outcome");
    let stray = view
        .next_step(
            "s2".into(),
            "a",
            t(9),
            DispatchChange::State {
                to: DispatchState::EnRoute,
                outcome: Some(VisitOutcome::StaysHome),
                note: String::new(),
            },
        )
        .unwrap_err();
    assert_eq!(stray[0].code, DispatchProblemCode::Outcome);
}

#[test]
fn edits_of_different_fields_at_two_stations_both_apply() {
    let mut station_a = request("d1");
    let mut station_b = station_a.clone();
    edit(
        &mut station_a,
        "a1",
        "vagt.a",
        3,
        state(DispatchState::EnRoute),
    );
    edit(
        &mut station_b,
        "b1",
        "vagt.b",
        2,
        DispatchChange::Assigned {
            nurse: Some("mas.kim".into()),
        },
    );
    let ab = station_a.merged(&station_b);
    let ba = station_b.merged(&station_a);
    assert_eq!(ab, ba);
    let view = ab.view().unwrap();
    assert_eq!(view.state, DispatchState::EnRoute);
    assert_eq!(view.assigned_to.as_deref(), Some("mas.kim"));
    assert!(view.conflicts.is_empty(), "{:?}", view.conflicts);
    assert_eq!(view.heads, vec!["a1".to_owned(), "b1".to_owned()]);
}

#[test]
fn the_same_field_set_two_ways_is_a_conflict_with_both_versions_until_settled() {
    let mut station_a = request("d1");
    let mut station_b = station_a.clone();
    edit(
        &mut station_a,
        "a1",
        "vagt.a",
        3,
        state(DispatchState::EnRoute),
    );
    edit(
        &mut station_b,
        "b1",
        "vagt.b",
        4,
        state(DispatchState::Cancelled),
    );
    let merged = station_a.merged(&station_b);
    let view = merged.view().unwrap();
    // Every station shows the later version meanwhile, and both are listed.
    assert_eq!(view.state, DispatchState::Cancelled);
    assert_eq!(view.conflicts.len(), 1);
    let conflict = &view.conflicts[0];
    assert_eq!(conflict.field, DispatchField::State);
    let versions: Vec<(&str, &str)> = conflict
        .versions
        .iter()
        .map(|v| (v.value.as_str(), v.by.as_str()))
        .collect();
    assert_eq!(
        versions,
        vec![("en_route", "vagt.a"), ("cancelled", "vagt.b")]
    );
    // Cancelled cannot become en route, but choosing a version of the conflict settles it.
    let mut settled = merged.clone();
    edit(
        &mut settled,
        "s1",
        "vagt.a",
        10,
        state(DispatchState::EnRoute),
    );
    let view = settled.view().unwrap();
    assert_eq!(view.state, DispatchState::EnRoute);
    assert!(view.conflicts.is_empty());
    assert_eq!(view.heads, vec!["s1".to_owned()]);
    // Both edits are still in the history.
    let states: Vec<DispatchState> = view.history.iter().map(|h| h.state).collect();
    assert!(states.contains(&DispatchState::Cancelled));
    assert_eq!(
        states
            .iter()
            .filter(|s| **s == DispatchState::EnRoute)
            .count(),
        2
    );
}

#[test]
fn two_stations_agreeing_is_no_conflict() {
    let mut station_a = request("d1");
    let mut station_b = station_a.clone();
    edit(
        &mut station_a,
        "a1",
        "vagt.a",
        3,
        state(DispatchState::EnRoute),
    );
    edit(
        &mut station_b,
        "b1",
        "vagt.b",
        4,
        state(DispatchState::EnRoute),
    );
    let view = station_a.merged(&station_b).view().unwrap();
    assert!(view.conflicts.is_empty());
    assert_eq!(view.state, DispatchState::EnRoute);
}

#[test]
fn the_view_follows_from_the_steps_not_their_order() {
    let mut d = request("d1");
    let mut other = d.clone();
    edit(&mut d, "a1", "a", 3, state(DispatchState::EnRoute));
    edit(&mut d, "a2", "a", 20, state(DispatchState::Arrived));
    edit(
        &mut other,
        "b1",
        "b",
        1,
        DispatchChange::Urgency {
            urgency: DispatchUrgency::Immediate,
        },
    );
    let merged = d.merged(&other);
    let expected = merged.view().unwrap();
    let mut steps = merged.steps.clone();
    for rotation in 0..steps.len() {
        steps.rotate_left(1);
        let mut reversed = steps.clone();
        reversed.reverse();
        for order in [steps.clone(), reversed] {
            let shuffled = DispatchRecord {
                steps: order,
                ..merged.clone()
            };
            assert_eq!(shuffled.view().unwrap(), expected, "rotation {rotation}");
        }
    }
    // Merging is idempotent: a record merged with itself or a part of itself is unchanged.
    assert_eq!(merged.merged(&merged), merged);
    assert_eq!(merged.merged(&d), merged);
    assert!(merged.holds_all_of(&d) && !d.holds_all_of(&merged));
}

#[test]
fn a_record_that_does_not_hold_together_names_its_problems() {
    let mut two_requests = request("d1");
    let mut second = two_requests.steps[0].clone();
    second.key = "other".into();
    two_requests.steps.push(second);
    assert!(
        two_requests
            .problems(t(1))
            .iter()
            .any(|p| p.code == DispatchProblemCode::NoRequest)
    );

    let mut future = request("d1");
    future.steps[0].at = t(60 * 24);
    let problems = future.problems(t(0));
    assert_eq!(problems[0].field, "steps.0.at");
    assert_eq!(problems[0].code, DispatchProblemCode::FromTheFuture);

    let mut blank = request("d1");
    if let DispatchChange::Requested { reason, .. } = &mut blank.steps[0].change {
        reason.clear();
    }
    assert_eq!(blank.problems(t(1))[0].field, "steps.0.reason");

    let mut duplicate = request("d1");
    let copy = duplicate.steps[0].clone();
    duplicate.steps.push(copy);
    assert!(
        duplicate
            .problems(t(1))
            .iter()
            .any(|p| p.code == DispatchProblemCode::Duplicate)
    );
    assert!(
        DispatchRecord {
            steps: vec![],
            ..request("d1")
        }
        .view()
        .is_none()
    );
}

#[test]
fn a_forged_cycle_of_steps_still_shows_every_step() {
    let mut d = request("d1");
    d.steps.push(DispatchStep {
        key: "x".into(),
        bases: vec!["y".into()],
        at: t(2),
        by: "a".into(),
        change: state(DispatchState::EnRoute),
    });
    d.steps.push(DispatchStep {
        key: "y".into(),
        bases: vec!["x".into()],
        at: t(3),
        by: "a".into(),
        change: state(DispatchState::Arrived),
    });
    let view = d.view().unwrap();
    assert_eq!(view.history.len(), 3);
    assert_eq!(view.state, DispatchState::Arrived);
}

#[test]
fn admissions_set_the_top_levels() {
    assert_eq!(VisitOutcome::StaysHome.sets_level(), None);
    assert_eq!(
        VisitOutcome::MunicipalAcuteBed
            .sets_level()
            .map(EcmLevel::get),
        Some(5)
    );
    assert_eq!(
        VisitOutcome::HospitalAdmission
            .sets_level()
            .map(EcmLevel::get),
        Some(6)
    );
    for s in DispatchState::ALL {
        assert_eq!(s.code().parse::<DispatchState>(), Ok(s));
    }
    assert_eq!(
        "en-route".parse::<DispatchState>(),
        Ok(DispatchState::EnRoute)
    );
}
