//! Property tests over many seeded random series (the crate's SplitMix `Rng`, so every failure
//! names a seed that reproduces it).
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use std::collections::BTreeSet;
use vagt_cohort::Rng;
use vagt_core::Parameter::{Fev1, Pulse, Spo2, Temperature, Weight};
use vagt_core::alarm::{self, AlarmCause, AlarmKind, LevelDecision, RejectedInput};
use vagt_core::care_event::{CareEvent, CareEventKind};
use vagt_core::ecm_engine::{self, EngineReading, Timeline};
use vagt_core::enrolment::Monitoring;
use vagt_core::limits::Triage;
use vagt_core::plan::TriagePlan;
use vagt_core::time_util::{MILLIS_PER_HOUR, MILLIS_PER_MINUTE};
use vagt_core::{Diagnosis, EcmLevel, Parameter, Timestamp};

const SEEDS: u64 = 120;

struct Case {
    plan: TriagePlan,
    readings: Vec<EngineReading>,
    events: Vec<CareEvent>,
    decisions: Vec<LevelDecision>,
    rejected: Vec<RejectedInput>,
    end: Timestamp,
}

impl Case {
    fn station(&self) -> Station<'_> {
        Station {
            plan: &self.plan,
            readings: self.readings.clone(),
            events: self.events.clone(),
            decisions: self.decisions.clone(),
            rejected: self.rejected.clone(),
            monitoring: Monitoring::Since {
                start: at(-1, 0, 0),
            },
        }
    }

    /// A random instant from a day before the first reading to `end`.
    fn instant(&self, rng: &mut Rng) -> Timestamp {
        let start = at(-1, 0, 0).millis();
        Timestamp::from_millis(start + rng.below((self.end.millis() - start) as u64) as i64)
    }
}

fn round(value: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (value * f).round() / f
}

fn random_value(rng: &mut Rng, parameter: Parameter) -> f64 {
    // Ranges straddle the default limits so that every colour occurs.
    match parameter {
        Spo2 => round(rng.range(83.0, 97.0), 0),
        Pulse => round(rng.range(38.0, 135.0), 0),
        Weight => round(80.0 + rng.range(-1.0, 3.5), 1),
        Fev1 => round(rng.range(0.9, 1.4), 2),
        _ => round(rng.range(35.0, 39.5), 1),
    }
}

fn shuffle<T>(rng: &mut Rng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

fn random_case(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let mut diagnoses: Vec<Diagnosis> = Diagnosis::ALL
        .into_iter()
        .filter(|_| rng.chance(0.5))
        .collect();
    if diagnoses.is_empty() {
        diagnoses.push(Diagnosis::Copd);
    }
    let plan = plan(&diagnoses);

    let parameters = [Spo2, Pulse, Weight, Fev1, Temperature];
    let mut readings = Vec::new();
    let mut t = at(0, 0, 0);
    let n = 10 + rng.below(50);
    for i in 0..n {
        t = t.plus_millis((1 + rng.below(30 * 60) as i64) * MILLIS_PER_MINUTE);
        let parameter = *rng.pick(&parameters);
        let r = EngineReading::new(
            parameter,
            random_value(&mut rng, parameter),
            t,
            format!("seed{seed}|obs-{i}#1"),
        );
        if rng.chance(0.05) {
            // The same reading delivered twice.
            readings.push(r.clone());
        }
        readings.push(r);
        if rng.chance(0.1) {
            // Another parameter measured at the same instant.
            let other = *rng.pick(&parameters);
            readings.push(EngineReading::new(
                other,
                random_value(&mut rng, other),
                t,
                format!("seed{seed}|obs-{i}b#1"),
            ));
        }
    }
    let end = t.plus_millis(2 * 24 * MILLIS_PER_HOUR);
    let span = (end.millis() - at(0, 0, 0).millis()) as u64;
    let random_time = |rng: &mut Rng| at(0, 0, 0).plus_millis(rng.below(span) as i64);

    let mut events = Vec::new();
    if rng.chance(0.3) {
        events.push(CareEvent {
            kind: CareEventKind::MasVisit,
            at: random_time(&mut rng),
            key: format!("seed{seed}|mas"),
        });
    }
    if rng.chance(0.2) {
        let admitted = random_time(&mut rng);
        events.push(CareEvent {
            kind: CareEventKind::HospitalAdmission,
            at: admitted,
            key: format!("seed{seed}|adm"),
        });
        events.push(CareEvent {
            kind: CareEventKind::Discharge,
            at: admitted.plus_millis(rng.below(4 * 24) as i64 * MILLIS_PER_HOUR),
            key: format!("seed{seed}|dis"),
        });
    }

    let mut decisions = Vec::new();
    let mut confirmed: Option<EcmLevel> = None;
    let mut decided_at = at(0, 0, 0);
    for i in 0..rng.below(4) {
        decided_at = decided_at.plus_millis(rng.below(span / 3 + 1) as i64);
        let to = level(1 + rng.below(6) as i64);
        decisions.push(LevelDecision {
            key: format!("seed{seed}|decision-{i}"),
            nurse: format!("nurse{}", rng.below(3)),
            at: decided_at,
            from: confirmed,
            to,
        });
        confirmed = Some(to);
    }

    let rejected = (0..rng.below(3))
        .map(|i| RejectedInput {
            fingerprint: format!("seed{seed}|bad-{i}#1"),
            reason: "implausible_value".into(),
            parameter: Some(Spo2),
            received_at: random_time(&mut rng),
        })
        .collect();

    Case {
        plan,
        readings,
        events,
        decisions,
        rejected,
        end,
    }
}

#[test]
fn every_level_change_in_a_replay_has_exactly_its_alarm() {
    // (rises, falls, event-driven changes) over all seeds, to show the generator covers them.
    let mut seen = (0, 0, 0);
    for seed in 0..SEEDS {
        let case = random_case(seed);
        let timeline = Timeline::new(&case.plan, &case.readings, &case.events);
        let transitions = timeline.replay(case.end);
        let green = case.plan.levels.all_green;
        let mut ids = BTreeSet::new();
        for (i, t) in transitions.iter().enumerate() {
            assert_eq!(
                t.evaluation,
                timeline.evaluate(t.at),
                "seed {seed}: replay agrees with evaluate"
            );
            assert_eq!(t.evaluation.level, t.to, "seed {seed}");
            if i > 0 {
                assert_eq!(t.from, Some(transitions[i - 1].to), "seed {seed}");
                assert_ne!(t.from, Some(t.to), "seed {seed}: a transition changes");
            }
            let alarms = level_alarms(&case.plan, t.from, &t.evaluation);
            if t.from.is_none() && t.to == green {
                assert!(alarms.is_empty(), "seed {seed}: green from nothing");
                continue;
            }
            assert_eq!(
                alarms.len(),
                1,
                "seed {seed}: exactly one alarm at {}",
                t.at
            );
            let alarm = &alarms[0];
            let rises = t.to > t.from.unwrap_or(green);
            let expected_kind = if rises {
                AlarmKind::LevelRise
            } else {
                AlarmKind::LevelFall
            };
            assert_eq!(alarm.kind, expected_kind, "seed {seed}");
            assert_eq!(alarm.raised_at, t.at, "seed {seed}: raised at the change");
            assert!(
                matches!(alarm.cause, AlarmCause::SuggestedChange { from, to, .. }
                    if from == Some(t.from.unwrap_or(green)) && to == t.to),
                "seed {seed}: {:?}",
                alarm.cause
            );
            assert!(ids.insert(alarm.id.clone()), "seed {seed}: ids are unique");
            match (rises, t.evaluation.source) {
                (_, vagt_core::ecm::LevelSource::Event) => seen.2 += 1,
                (true, _) => seen.0 += 1,
                (false, _) => seen.1 += 1,
            }

            // Between this change and the next the level holds, and re-evaluating with the
            // stored level raises no level alarm.
            let next = transitions.get(i + 1).map_or(case.end, |n| n.at);
            let mut rng = Rng::new(seed ^ t.at.millis() as u64);
            for _ in 0..3 {
                let span = (next.millis() - t.at.millis()).max(1) as u64;
                let x = t.at.plus_millis(rng.below(span) as i64);
                let e = timeline.evaluate(x);
                assert_eq!(e.level, t.to, "seed {seed}: level at {x}");
                assert_eq!(e.since(), t.evaluation.since(), "seed {seed}");
                assert!(level_alarms(&case.plan, Some(t.to), &e).is_empty());
                // The same change seen later by a station that still had the old level.
                if t.from.is_some() {
                    assert_eq!(
                        level_alarms(&case.plan, t.from, &e)[0].id,
                        alarm.id,
                        "seed {seed}: the id does not depend on when it is computed"
                    );
                }
            }
        }
    }
    assert!(
        seen.0 > 100 && seen.1 > 100 && seen.2 > 10,
        "coverage (rises, falls, events): {seen:?}"
    );
}

#[test]
fn reevaluating_the_same_data_raises_nothing_new() {
    for seed in 0..SEEDS {
        let case = random_case(seed);
        let station = case.station();
        let horizon = alarm::change_horizon_ms(&case.plan);
        let mut rng = Rng::new(seed.wrapping_mul(31) + 7);
        for _ in 0..5 {
            let now = case.instant(&mut rng);
            let first = station.alarms(now);
            assert_eq!(station.alarms(now), first, "seed {seed}");
            let ids: BTreeSet<&str> = first.iter().map(|a| a.id.as_str()).collect();
            assert_eq!(ids.len(), first.len(), "seed {seed}: ids unique");
            // Evaluated again later, every change still in the horizon is the same alarm.
            let later = now.plus_millis(rng.below(6 * MILLIS_PER_HOUR as u64) as i64);
            let again: BTreeSet<String> = station.alarms(later).into_iter().map(|a| a.id).collect();
            for a in first.iter().filter(|a| {
                matches!(a.kind, AlarmKind::LevelRise | AlarmKind::LevelFall)
                    && a.raised_at > later.plus_millis(-horizon)
            }) {
                assert!(
                    again.contains(&a.id),
                    "seed {seed}: {a:?} lost between {now} and {later}"
                );
            }
        }
    }
}

#[test]
fn a_rise_is_never_delayed() {
    for seed in 0..SEEDS {
        let case = random_case(seed);
        let timeline = Timeline::new(&case.plan, &case.readings, &case.events);
        let levels = case.plan.levels;
        let hold = case.plan.engine.hold_ms;
        for r in &case.readings {
            let Some(threshold) = case.plan.thresholds.get(&r.parameter) else {
                continue;
            };
            // Only the reading that counts at its instant (the greatest key wins a tie).
            let superseded = case.readings.iter().any(|o| {
                o.parameter == r.parameter && o.effective_at == r.effective_at && o.key > r.key
            });
            if superseded {
                continue;
            }
            let floor = match threshold.classify(r.value) {
                Triage::Red => levels.any_red,
                Triage::Yellow => levels.one_yellow,
                Triage::Green => continue,
            };
            for x in [r.effective_at, r.effective_at.plus_millis(hold - 1)] {
                let level = timeline.evaluate(x).level;
                assert!(
                    level >= floor,
                    "seed {seed}: {} {} at {} gave {level} at {x}",
                    r.parameter,
                    r.value,
                    r.effective_at
                );
            }
        }
    }
}

#[test]
fn levels_and_alarms_do_not_depend_on_input_order() {
    for seed in 0..SEEDS {
        let case = random_case(seed);
        let mut rng = Rng::new(seed ^ 0x5eed);
        let mut shuffled = case.station();
        shuffle(&mut rng, &mut shuffled.readings);
        shuffle(&mut rng, &mut shuffled.events);
        shuffle(&mut rng, &mut shuffled.decisions);
        shuffle(&mut rng, &mut shuffled.rejected);
        let original = case.station();
        assert_eq!(
            ecm_engine::replay(&case.plan, &original.readings, &original.events, case.end),
            ecm_engine::replay(&case.plan, &shuffled.readings, &shuffled.events, case.end),
            "seed {seed}"
        );
        for _ in 0..5 {
            let now = case.instant(&mut rng);
            assert_eq!(
                original.evaluate(now),
                shuffled.evaluate(now),
                "seed {seed}"
            );
            assert_eq!(original.alarms(now), shuffled.alarms(now), "seed {seed}");
        }
    }
}

#[test]
fn readings_after_now_are_ignored() {
    for seed in 0..SEEDS {
        let case = random_case(seed);
        let mut rng = Rng::new(seed ^ 0xf00d);
        for _ in 0..5 {
            let now = case.instant(&mut rng);
            let known: Vec<EngineReading> = case
                .readings
                .iter()
                .filter(|r| r.effective_at <= now)
                .cloned()
                .collect();
            let events: Vec<CareEvent> = case
                .events
                .iter()
                .filter(|e| e.at <= now)
                .cloned()
                .collect();
            assert_eq!(
                ecm_engine::evaluate(&case.plan, &case.readings, &case.events, now),
                ecm_engine::evaluate(&case.plan, &known, &events, now),
                "seed {seed} at {now}"
            );
        }
    }
}

#[test]
fn missed_measurements_are_never_early() {
    for seed in 0..SEEDS {
        let case = random_case(seed);
        let station = case.station();
        let mut rng = Rng::new(seed ^ 0xbeef);
        for _ in 0..5 {
            let now = case.instant(&mut rng);
            let last = station.last_reading_at(now);
            let evaluation = station.evaluate(now);
            let missed = alarm::missed_measurement_alarms(
                &citizen(),
                &case.plan,
                &last,
                station.monitoring,
                &evaluation,
                None,
                now,
            );
            for (parameter, schedule) in &case.plan.schedule {
                let Some(last_at) = last.get(parameter) else {
                    continue;
                };
                let first_missed = last_at.plus_millis(schedule.every_ms + schedule.grace_ms);
                let found = missed.iter().find(|a| {
                    matches!(a.cause, AlarmCause::MissedMeasurement { parameter: p, .. } if p == *parameter)
                });
                let admitted = evaluation.event.as_ref().is_some_and(|e| {
                    e.kind != CareEventKind::MasVisit && e.kind != CareEventKind::Discharge
                });
                assert_eq!(
                    found.is_some(),
                    now >= first_missed && !admitted,
                    "seed {seed}: {parameter} at {now}"
                );
                if let Some(a) = found {
                    assert!(a.raised_at <= now && a.raised_at >= first_missed);
                }
            }
        }
    }
}
