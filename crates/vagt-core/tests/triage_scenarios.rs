//! Scenario tests: time series replayed through the default plans, the ECM engine and the alarm
//! rules, asserting the exact levels, instants and alarms.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use vagt_core::Parameter::{BloodGlucose, Fev1, Pulse, Spo2, Weight};
use vagt_core::alarm::{
    self, Alarm, AlarmCause, AlarmKind, AlarmPriority, LevelDecision, RejectedInput,
};
use vagt_core::care_event::{CareEvent, CareEventKind};
use vagt_core::ecm::LevelSource;
use vagt_core::ecm_engine::{self, FindingRule, LevelRule, LevelTrigger, Timeline};
use vagt_core::enrolment::Monitoring;
use vagt_core::limits::{LimitKind, Triage};
use vagt_core::plan::RelativeKindCode;
use vagt_core::{Diagnosis, EcmLevel, Parameter, Timestamp};

/// (at, from, to) of each transition.
fn steps(transitions: &[ecm_engine::Transition]) -> Vec<(Timestamp, Option<u8>, u8)> {
    transitions
        .iter()
        .map(|t| (t.at, t.from.map(EcmLevel::get), t.to.get()))
        .collect()
}

#[test]
fn deterioration_green_yellow_red() {
    let plan = plan(&[Diagnosis::Copd]);
    let readings = vec![
        reading(Spo2, 95.0, at(0, 8, 0)),
        reading(Spo2, 94.0, at(1, 8, 0)),
        reading(Spo2, 89.0, at(2, 8, 0)),
        reading(Spo2, 85.0, at(3, 8, 0)),
    ];
    let transitions = ecm_engine::replay(&plan, &readings, &[], at(3, 12, 0));
    assert_eq!(
        steps(&transitions),
        vec![
            (at(0, 8, 0), None, 1),
            (at(2, 8, 0), Some(1), 2),
            (at(3, 8, 0), Some(2), 3),
        ]
    );

    // The alarms for each change, as the store would raise them reading by reading.
    let rise_to_2 = &level_alarms(&plan, Some(level(1)), &transitions[1].evaluation)[0];
    assert_eq!(rise_to_2.kind, AlarmKind::LevelRise);
    assert_eq!(rise_to_2.priority, AlarmPriority::Medium);
    assert_eq!(rise_to_2.raised_at, at(2, 8, 0));
    let rise_to_3 = &level_alarms(&plan, Some(level(2)), &transitions[2].evaluation)[0];
    assert_eq!(rise_to_3.priority, AlarmPriority::High);
    let AlarmCause::SuggestedChange {
        source,
        from,
        to,
        at: change_at,
        trigger: Some(LevelTrigger::Reading {
            finding: Some(finding),
        }),
    } = &rise_to_3.cause
    else {
        panic!("a reading caused it: {:?}", rise_to_3.cause);
    };
    assert_eq!(
        (*source, *from, *to, *change_at),
        (
            LevelSource::Suggested,
            Some(level(2)),
            level(3),
            at(3, 8, 0)
        )
    );
    assert_eq!(finding.parameter, Spo2);
    assert_eq!(finding.value, 85.0);
    assert_eq!(finding.limit, 86.0);
    assert_eq!(
        finding.rule,
        FindingRule::Limit {
            limit: LimitKind::RedLow
        }
    );
    assert_eq!(finding.reading_key, readings[3].key);

    // The explanation at `now` names the rule and the reading.
    let now = ecm_engine::evaluate(&plan, &readings, &[], at(3, 12, 0));
    assert_eq!(now.level, level(3));
    assert_eq!(now.readings.rule, LevelRule::AnyRed);
    assert_eq!(now.primary_finding().map(|f| f.triage), Some(Triage::Red));
    assert_eq!(now.since(), Some(at(3, 8, 0)));

    // The cause is JSON for the alarms table.
    let json = serde_json::to_string(&rise_to_3.cause).unwrap();
    assert!(json.contains("\"type\":\"suggested_change\""), "{json}");
    assert!(json.contains("\"red_low\""), "{json}");
    let back: AlarmCause = serde_json::from_str(&json).unwrap();
    assert_eq!(back, rise_to_3.cause);
}

#[test]
fn recovery_falls_only_after_the_hold_window() {
    let plan = plan(&[Diagnosis::Copd]);
    let readings = vec![
        reading(Spo2, 95.0, at(0, 8, 0)),
        reading(Spo2, 85.0, at(1, 8, 0)),
        reading(Spo2, 95.0, at(1, 20, 0)),
        reading(Spo2, 96.0, at(2, 8, 0)),
        reading(Spo2, 95.0, at(3, 8, 0)),
    ];
    let transitions = ecm_engine::replay(&plan, &readings, &[], at(3, 12, 0));
    assert_eq!(
        steps(&transitions),
        vec![
            (at(0, 8, 0), None, 1),
            (at(1, 8, 0), Some(1), 3),
            // 24 h after the first green reading, not after the red one.
            (at(2, 20, 0), Some(3), 1),
        ]
    );
    let timeline = Timeline::new(&plan, &readings, &[]);
    let held = timeline.evaluate(at(2, 19, 59));
    assert_eq!(held.level, level(3));
    assert_eq!(held.readings.current, level(1));
    assert_eq!(held.readings.held_until, Some(at(2, 20, 0)));
    assert_eq!(held.readings.as_of, Some(at(1, 8, 0)));

    let fallen = timeline.evaluate(at(2, 20, 0));
    assert_eq!(fallen.level, level(1));
    let fall = &level_alarms(&plan, Some(level(3)), &fallen)[0];
    assert_eq!(fall.kind, AlarmKind::LevelFall);
    assert_eq!(fall.priority, AlarmPriority::Info);
    assert_eq!(fall.raised_at, at(2, 20, 0));
    assert!(matches!(
        fall.cause,
        AlarmCause::SuggestedChange {
            trigger: Some(LevelTrigger::ReadingsImproved),
            ..
        }
    ));
}

#[test]
fn noisy_readings_around_a_limit_rise_once_and_fall_once() {
    let plan = plan(&[Diagnosis::Copd]);
    let mut readings = Vec::new();
    // Two days of SpO2 every 6 h flickering across the yellow limit (90), then two good days.
    for i in 0..8 {
        let value = if i % 2 == 0 { 91.0 } else { 89.0 };
        readings.push(reading(Spo2, value, at(0, 6 * i, 0)));
    }
    for i in 8..16 {
        readings.push(reading(Spo2, 93.0, at(0, 6 * i, 0)));
    }
    let transitions = ecm_engine::replay(&plan, &readings, &[], at(4, 0, 0));
    // Last yellow at day 1 18:00, green from day 2 00:00: the fall comes 24 h after that.
    assert_eq!(
        steps(&transitions),
        vec![
            (at(0, 0, 0), None, 1),
            (at(0, 6, 0), Some(1), 2),
            (at(3, 0, 0), Some(2), 1),
        ]
    );
    let mut previous = None;
    let mut alarms = Vec::new();
    for t in &transitions {
        alarms.extend(level_alarms(&plan, previous, &t.evaluation));
        previous = Some(t.to);
    }
    let kinds: Vec<AlarmKind> = alarms.iter().map(|a| a.kind).collect();
    assert_eq!(kinds, vec![AlarmKind::LevelRise, AlarmKind::LevelFall]);
}

/// The missed-measurement alarms of one parameter.
fn missed_of(alarms: Vec<Alarm>, parameter: Parameter) -> Vec<Alarm> {
    alarms
        .into_iter()
        .filter(|a| {
            matches!(a.cause, AlarmCause::MissedMeasurement { parameter: p, .. } if p == parameter)
        })
        .collect()
}

#[test]
fn missed_measurement_is_raised_exactly_when_due_plus_grace_passes() {
    let plan = plan(&[Diagnosis::Copd]);
    let station = Station {
        plan: &plan,
        readings: vec![reading(Spo2, 95.0, at(0, 8, 0))],
        events: vec![],
        decisions: vec![],
        rejected: vec![],
        monitoring: Monitoring::Since { start: at(0, 0, 0) },
    };
    // SpO2: every 24 h, 6 h grace. Due day 1 08:00, missed from day 1 14:00.
    let just_before = Timestamp::from_millis(at(1, 14, 0).millis() - 1);
    assert!(missed_of(station.alarms(just_before), Spo2).is_empty());

    let alarms = missed_of(station.alarms(at(1, 14, 0)), Spo2);
    assert_eq!(alarms.len(), 1, "{alarms:?}");
    let missed = &alarms[0];
    assert_eq!(missed.kind, AlarmKind::MissedMeasurement);
    assert_eq!(missed.priority, AlarmPriority::Low);
    assert_eq!(missed.raised_at, at(1, 14, 0));
    assert_eq!(
        missed.cause,
        AlarmCause::MissedMeasurement {
            parameter: Spo2,
            last_at: at(0, 8, 0),
            due_at: at(1, 8, 0),
            grace_ms: 6 * 3_600_000,
        }
    );
    // Still the same alarm (same id) until the next due time passes.
    let later = missed_of(station.alarms(at(2, 13, 59)), Spo2);
    assert_eq!(
        later.iter().map(|a| &a.id).collect::<Vec<_>>(),
        vec![&missed.id]
    );
    let next = missed_of(station.alarms(at(2, 14, 0)), Spo2);
    assert_eq!(next.len(), 1);
    assert_ne!(next[0].id, missed.id);
    assert!(matches!(
        next[0].cause,
        AlarmCause::MissedMeasurement { due_at, .. } if due_at == at(2, 8, 0)
    ));

    // Nobody measures at home in hospital: no missed-measurement alarm then.
    let admitted = Station {
        events: vec![CareEvent {
            kind: CareEventKind::HospitalAdmission,
            at: at(0, 20, 0),
            key: "enc-1".into(),
        }],
        ..station
    };
    let in_hospital = admitted.alarms(at(1, 14, 0));
    assert!(
        in_hospital
            .iter()
            .all(|a| a.kind != AlarmKind::MissedMeasurement),
        "{in_hospital:?}"
    );
}

#[test]
fn a_citizen_who_never_measures_is_missed_from_enrolment() {
    let plan = plan(&[Diagnosis::Diabetes]);
    let enrolled = at(0, 10, 0);
    let station = Station {
        plan: &plan,
        readings: vec![],
        events: vec![],
        decisions: vec![],
        rejected: vec![],
        monitoring: Monitoring::Since { start: enrolled },
    };
    // Blood glucose (and the common SpO2 and pulse): every 24 h, 6 h grace, counted from
    // enrolment.
    let first_missed = at(1, 16, 0);
    assert!(
        station
            .alarms(first_missed.plus_millis(-1))
            .iter()
            .all(|a| a.kind != AlarmKind::MissedMeasurement)
    );
    let glucose = missed_of(station.alarms(first_missed), BloodGlucose);
    assert_eq!(glucose.len(), 1, "{glucose:?}");
    assert!(matches!(
        glucose[0].cause,
        AlarmCause::MissedMeasurement { last_at, due_at, .. }
            if last_at == enrolled && due_at == at(1, 10, 0)
    ));
    // Every scheduled parameter is missed, one alarm each.
    let missed = station.alarms(first_missed);
    assert_eq!(missed.len(), plan.schedule.len(), "{missed:?}");

    // Not monitored (the enrolment ended): nothing is missed.
    let ended = Station {
        monitoring: Monitoring::Ended,
        ..station
    };
    assert!(ended.alarms(at(9, 0, 0)).is_empty());
}

#[test]
fn a_missed_measurement_is_no_longer_required_once_its_reading_arrives() {
    let plan = plan(&[Diagnosis::Copd]);
    let mut station = Station {
        plan: &plan,
        readings: vec![reading(Spo2, 95.0, at(0, 8, 0))],
        events: vec![],
        decisions: vec![],
        rejected: vec![],
        monitoring: Monitoring::Since { start: at(0, 0, 0) },
    };
    let missed = missed_of(station.alarms(at(1, 15, 0)), Spo2);
    assert_eq!(missed.len(), 1);
    station.readings.push(reading(Spo2, 96.0, at(1, 15, 30)));
    assert!(missed_of(station.alarms(at(1, 16, 0)), Spo2).is_empty());
    // A reading counted from enrolment re-enrolled later: the schedule starts again then.
    station.monitoring = Monitoring::Since { start: at(5, 0, 0) };
    assert!(missed_of(station.alarms(at(5, 12, 0)), Spo2).is_empty());
    let again = missed_of(station.alarms(at(6, 6, 0)), Spo2);
    assert!(matches!(
        again.as_slice(),
        [a] if matches!(a.cause, AlarmCause::MissedMeasurement { last_at, .. } if last_at == at(5, 0, 0))
    ));
}

#[test]
fn a_missed_measurement_of_a_citizen_grown_severe_is_a_new_medium_alarm() {
    let plan = plan(&[Diagnosis::Copd]);
    let mut station = Station {
        plan: &plan,
        readings: vec![reading(Pulse, 80.0, at(0, 8, 0))],
        events: vec![],
        decisions: vec![],
        rejected: vec![],
        monitoring: Monitoring::Since { start: at(0, 0, 0) },
    };
    let calm = missed_of(station.alarms(at(1, 15, 0)), Pulse);
    assert_eq!(calm[0].priority, AlarmPriority::Low);
    // A red SpO2 makes the citizen ECM3: the same missed pulse now matters more.
    station.readings.push(reading(Spo2, 84.0, at(1, 15, 10)));
    let severe = missed_of(station.alarms(at(1, 15, 20)), Pulse);
    assert_eq!(severe[0].priority, AlarmPriority::Medium);
    assert_ne!(severe[0].id, calm[0].id);
}

#[test]
fn a_late_old_reading_outside_the_hold_window_does_not_change_the_level() {
    let plan = plan(&[Diagnosis::Copd]);
    let mut readings: Vec<_> = (0..4).map(|d| reading(Spo2, 95.0, at(d, 8, 0))).collect();
    let now = at(3, 12, 0);
    let before = ecm_engine::evaluate(&plan, &readings, &[], now);
    assert_eq!(before.level, level(1));

    // Arrives now, measured 34 h ago, older than the latest SpO2, red.
    readings.push(reading(Spo2, 84.0, at(2, 2, 0)));
    let after = ecm_engine::evaluate(&plan, &readings, &[], now);
    assert_eq!(after.level, level(1));
    assert!(level_alarms(&plan, Some(before.level), &after).is_empty());
}

#[test]
fn a_late_red_reading_within_the_hold_window_raises_the_level() {
    let plan = plan(&[Diagnosis::Copd]);
    let mut readings: Vec<_> = (0..4).map(|d| reading(Spo2, 95.0, at(d, 8, 0))).collect();
    let now = at(3, 12, 0);
    let late = reading(Spo2, 84.0, at(3, 6, 0));
    readings.push(late.clone());
    let after = ecm_engine::evaluate(&plan, &readings, &[], now);
    assert_eq!(after.level, level(3));
    assert_eq!(after.since(), Some(at(3, 6, 0)));
    // The newer green reading is current; the red one holds the level for 24 h from 08:00.
    assert_eq!(after.readings.current, level(1));
    assert_eq!(after.readings.held_until, Some(at(4, 8, 0)));

    let alarms = level_alarms(&plan, Some(level(1)), &after);
    assert_eq!(alarms.len(), 1);
    assert_eq!(alarms[0].kind, AlarmKind::LevelRise);
    assert_eq!(alarms[0].priority, AlarmPriority::High);
    assert_eq!(alarms[0].raised_at, at(3, 6, 0));
    let AlarmCause::SuggestedChange {
        trigger: Some(LevelTrigger::Reading {
            finding: Some(finding),
        }),
        ..
    } = &alarms[0].cause
    else {
        panic!("{:?}", alarms[0].cause);
    };
    assert_eq!(finding.reading_key, late.key);
}

#[test]
fn weight_up_more_than_2_kg_in_3_days_is_yellow_for_heart_failure() {
    let plan = plan(&[Diagnosis::HeartFailure]);
    let gain = vec![
        reading(Weight, 80.0, at(0, 8, 0)),
        reading(Weight, 80.5, at(1, 8, 0)),
        reading(Weight, 81.0, at(2, 8, 0)),
        reading(Weight, 82.1, at(3, 8, 0)),
    ];
    let e = ecm_engine::evaluate(&plan, &gain, &[], at(3, 8, 0));
    assert_eq!(e.level, level(2));
    let f = e.primary_finding().unwrap();
    assert_eq!(
        f.rule,
        FindingRule::Relative {
            id: "weight_gain_3d".into(),
            kind: RelativeKindCode::Rise
        }
    );
    assert_eq!(f.baseline, Some(80.0));
    assert_eq!(f.limit, 82.0);
    assert_eq!(f.value, 82.1);

    // Exactly 2.0 kg is not "more than 2 kg".
    let mut exactly_two = gain.clone();
    exactly_two[3] = reading(Weight, 82.0, at(3, 8, 0));
    let e = ecm_engine::evaluate(&plan, &exactly_two, &[], at(3, 8, 0));
    assert_eq!(e.level, level(1));

    // 2.1 kg over four days, no more than 2 kg within any three.
    let slow = vec![
        reading(Weight, 80.0, at(0, 8, 0)),
        reading(Weight, 80.5, at(1, 8, 0)),
        reading(Weight, 81.0, at(2, 8, 0)),
        reading(Weight, 81.6, at(3, 8, 0)),
        reading(Weight, 82.1, at(4, 8, 0)),
    ];
    let e = ecm_engine::evaluate(&plan, &slow, &[], at(4, 8, 0));
    assert_eq!(e.level, level(1));
}

#[test]
fn fev1_more_than_20_percent_below_its_7_day_median_is_yellow_for_copd() {
    let plan = plan(&[Diagnosis::Copd]);
    let week = [1.30, 1.32, 1.28, 1.31, 1.29, 1.30];
    let mut readings: Vec<_> = week
        .iter()
        .enumerate()
        .map(|(d, v)| reading(Fev1, *v, at(d as i64, 8, 0)))
        .collect();
    readings.push(reading(Fev1, 1.02, at(6, 8, 0)));
    let e = ecm_engine::evaluate(&plan, &readings, &[], at(6, 9, 0));
    assert_eq!(e.level, level(2));
    let f = e.primary_finding().unwrap();
    assert_eq!(f.baseline, Some(1.30));
    assert!((f.limit - 1.04).abs() < 1e-9, "{}", f.limit);

    // 1.05 is within 20 % of the median.
    readings[6] = reading(Fev1, 1.05, at(6, 8, 0));
    assert_eq!(
        ecm_engine::evaluate(&plan, &readings, &[], at(6, 9, 0)).level,
        level(1)
    );

    // Fewer than three earlier readings: no baseline, no finding.
    let short = vec![
        reading(Fev1, 1.30, at(0, 8, 0)),
        reading(Fev1, 1.30, at(1, 8, 0)),
        reading(Fev1, 0.90, at(2, 8, 0)),
    ];
    assert_eq!(
        ecm_engine::evaluate(&plan, &short, &[], at(2, 9, 0)).level,
        level(1)
    );
}

#[test]
fn yellow_in_two_parameters_is_ecm3() {
    let plan = plan(&[Diagnosis::Copd]);
    let readings = vec![
        reading(Spo2, 89.0, at(0, 8, 0)),
        reading(Pulse, 115.0, at(0, 8, 0)),
    ];
    let e = ecm_engine::evaluate(&plan, &readings, &[], at(0, 9, 0));
    assert_eq!(e.level, level(3));
    assert_eq!(e.readings.rule, LevelRule::TwoYellows);
    assert_eq!(e.readings.findings.len(), 2);
}

#[test]
fn readings_older_than_the_lookback_stop_counting_and_future_ones_never_count() {
    let plan = plan(&[Diagnosis::Copd]);
    let readings = vec![reading(Spo2, 85.0, at(0, 8, 0))];
    // Lookback 72 h, then the 24 h hold: red until day 4 08:00.
    let transitions = ecm_engine::replay(&plan, &readings, &[], at(10, 0, 0));
    assert_eq!(
        steps(&transitions),
        vec![(at(0, 8, 0), None, 3), (at(4, 8, 0), Some(3), 1)]
    );
    // A reading dated after `now` is ignored.
    let future = vec![reading(Spo2, 80.0, at(0, 12, 0))];
    assert_eq!(
        ecm_engine::evaluate(&plan, &future, &[], at(0, 11, 0)).level,
        level(1)
    );
}

#[test]
fn events_set_the_level_at_once_both_ways() {
    let plan = plan(&[Diagnosis::Copd]);
    let readings = vec![
        reading(Spo2, 89.0, at(0, 8, 0)),
        reading(Spo2, 89.0, at(1, 8, 0)),
        reading(Spo2, 89.0, at(2, 8, 0)),
        reading(Spo2, 89.0, at(3, 8, 0)),
        reading(Spo2, 89.0, at(4, 8, 0)),
    ];
    let events = vec![
        CareEvent {
            kind: CareEventKind::MasVisit,
            at: at(0, 10, 0),
            key: "dispatch-1".into(),
        },
        CareEvent {
            kind: CareEventKind::HospitalAdmission,
            at: at(3, 0, 0),
            key: "enc-7#1".into(),
        },
        CareEvent {
            kind: CareEventKind::Discharge,
            at: at(4, 0, 0),
            key: "enc-7#2".into(),
        },
    ];
    let transitions = ecm_engine::replay(&plan, &readings, &events, at(5, 0, 0));
    assert_eq!(
        steps(&transitions),
        vec![
            (at(0, 8, 0), None, 2),
            (at(0, 10, 0), Some(2), 4),
            // The MAS visit holds 48 h.
            (at(2, 10, 0), Some(4), 2),
            (at(3, 0, 0), Some(2), 6),
            // Discharge: back to readings at once, no hold.
            (at(4, 0, 0), Some(6), 2),
        ]
    );
    let admission = &transitions[3].evaluation;
    assert_eq!(admission.source, LevelSource::Event);
    let alarm = &level_alarms(&plan, Some(level(2)), admission)[0];
    assert_eq!(alarm.priority, AlarmPriority::High);
    assert!(matches!(
        &alarm.cause,
        AlarmCause::SuggestedChange {
            source: LevelSource::Event,
            trigger: Some(LevelTrigger::Event { kind: CareEventKind::HospitalAdmission, key }),
            ..
        } if key == "enc-7#1"
    ));
    assert!(matches!(
        &transitions[4].evaluation.change.as_ref().unwrap().trigger,
        LevelTrigger::EventEnded { kind: CareEventKind::HospitalAdmission, ended_by: Some(by), .. }
            if by == "enc-7#2"
    ));
    assert!(matches!(
        &transitions[2].evaluation.change.as_ref().unwrap().trigger,
        LevelTrigger::EventEnded {
            kind: CareEventKind::MasVisit,
            ended_by: None,
            ..
        }
    ));
}

#[test]
fn two_stations_computing_the_same_alarm_share_its_id() {
    let plan = plan(&[Diagnosis::Copd, Diagnosis::HeartFailure]);
    let readings = vec![
        reading(Spo2, 95.0, at(0, 8, 0)),
        reading(Weight, 80.0, at(0, 8, 5)),
        reading(Spo2, 85.0, at(1, 8, 0)),
        reading(Weight, 80.2, at(1, 8, 5)),
    ];
    let rejected = vec![RejectedInput {
        fingerprint: "demo|Observation/x-bad-glitch#1".into(),
        reason: "implausible_value".into(),
        parameter: Some(Spo2),
        received_at: at(1, 9, 0),
    }];
    let a = Station {
        plan: &plan,
        readings: readings.clone(),
        events: vec![],
        decisions: vec![],
        rejected: rejected.clone(),
        monitoring: Monitoring::Ended,
    };
    // Station B got the readings in another order and evaluates a few minutes later.
    let mut reversed = readings;
    reversed.reverse();
    let b = Station {
        plan: &plan,
        readings: reversed,
        events: vec![],
        decisions: vec![],
        rejected,
        monitoring: Monitoring::Ended,
    };
    let alarms_a = a.alarms(at(1, 9, 30));
    let alarms_b = b.alarms(at(1, 9, 41));
    assert_eq!(alarms_a, alarms_b);
    let mut kinds: Vec<&str> = alarms_a.iter().map(|a| a.kind.code()).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, vec!["level_rise", "rejected_reading"]);
    assert!(alarms_a.iter().all(|a| a.id.len() == 64));

    // Evaluating again later raises nothing new, and the rise is still required until it
    // leaves the horizon (72 h, the COPD plan's look-back).
    let again = a.alarms(at(1, 10, 0));
    assert_eq!(again, alarms_a);
    let horizon = alarm::change_horizon_ms(&plan);
    assert_eq!(horizon, 72 * 3_600_000);
    let rise_at = at(1, 8, 0);
    assert!(
        a.alarms(rise_at.plus_millis(horizon - 1))
            .iter()
            .any(|x| x.kind == AlarmKind::LevelRise)
    );
    assert!(
        a.alarms(rise_at.plus_millis(horizon))
            .iter()
            .all(|x| x.kind != AlarmKind::LevelRise),
        "a change older than the horizon is history"
    );
}

#[test]
fn a_nurse_decision_raises_its_alarm_and_a_differing_suggestion_raises_none() {
    let plan = plan(&[Diagnosis::Copd]);
    let readings = vec![
        reading(Spo2, 95.0, at(0, 8, 0)),
        reading(Spo2, 85.0, at(1, 8, 0)),
    ];
    let first = LevelDecision {
        key: "decision-1".into(),
        nurse: "nurse.anne".into(),
        at: at(0, 12, 0),
        from: None,
        to: level(1),
    };
    let mut station = Station {
        plan: &plan,
        readings,
        events: vec![],
        decisions: vec![first.clone()],
        rejected: vec![],
        monitoring: Monitoring::Ended,
    };
    let alarms = station.alarms(at(1, 9, 0));
    // ECM1 confirmed from nothing is no change; the suggestion (3) differs from it, which is
    // the rise itself, one alarm.
    assert_eq!(alarms.len(), 1, "{alarms:?}");
    assert_eq!(alarms[0].kind, AlarmKind::LevelRise);
    assert_eq!(alarms[0].priority, AlarmPriority::High);
    assert_eq!(alarms[0].raised_at, at(1, 8, 0));
    let rise = alarms[0].clone();

    station.decisions.push(LevelDecision {
        key: "decision-2".into(),
        nurse: "nurse.bo".into(),
        at: at(1, 9, 30),
        from: None,
        to: level(3),
    });
    let alarms = station.alarms(at(1, 10, 0));
    assert_eq!(alarms.len(), 2, "{alarms:?}");
    assert_eq!(alarms[0], rise, "the rise stays until acknowledged");
    let decided = &alarms[1];
    assert_eq!(decided.kind, AlarmKind::LevelRise);
    // A nurse's own change is one step lower than the same suggested change.
    assert_eq!(decided.priority, AlarmPriority::Medium);
    assert!(matches!(
        &decided.cause,
        AlarmCause::ConfirmedChange { decision_key, nurse, from: Some(from), .. }
            if decision_key == "decision-2" && nurse == "nurse.bo" && *from == level(1)
    ));
    assert_eq!(
        alarm::decision_alarm(&citizen(), &plan, &first),
        None,
        "none to ECM1 is no change"
    );
}
