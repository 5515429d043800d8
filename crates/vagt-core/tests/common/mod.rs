//! Helpers shared by the triage scenario and property tests.
#![allow(dead_code, clippy::unwrap_used)]

use vagt_core::alarm::{self, Alarm, AlarmInputs, LevelDecision, RejectedInput};
use vagt_core::care_event::CareEvent;
use vagt_core::ecm_engine::{self, EngineReading, Evaluation};
use vagt_core::enrolment::Monitoring;
use vagt_core::plan::TriagePlan;
use vagt_core::time_util::{MILLIS_PER_DAY, MILLIS_PER_HOUR, MILLIS_PER_MINUTE};
use vagt_core::{CitizenId, Diagnosis, EcmLevel, Parameter, Timestamp};

use std::collections::BTreeMap;

/// 2026-01-05T00:00:00Z, a Monday.
pub const EPOCH: i64 = 1_767_571_200_000;

/// Day `day`, `hour`:`minute` UTC after [`EPOCH`].
pub fn at(day: i64, hour: i64, minute: i64) -> Timestamp {
    Timestamp::from_millis(
        EPOCH + day * MILLIS_PER_DAY + hour * MILLIS_PER_HOUR + minute * MILLIS_PER_MINUTE,
    )
}

pub fn reading(parameter: Parameter, value: f64, when: Timestamp) -> EngineReading {
    EngineReading::new(
        parameter,
        value,
        when,
        format!("test|Observation/{}-{}#1", parameter.code(), when.millis()),
    )
}

pub fn citizen() -> CitizenId {
    CitizenId::new("010150-1234").unwrap()
}

pub fn plan(diagnoses: &[Diagnosis]) -> TriagePlan {
    TriagePlan::defaults(diagnoses).unwrap()
}

pub fn level(n: i64) -> EcmLevel {
    EcmLevel::new(n).unwrap()
}

/// The rise or fall alarm of a change of the suggested level to `evaluation` from `previous`
/// (`None`: the plan's all-green level, as before any data).
pub fn level_alarms(
    plan: &TriagePlan,
    previous: Option<EcmLevel>,
    evaluation: &Evaluation,
) -> Vec<Alarm> {
    let c = citizen();
    let transition = ecm_engine::Transition {
        at: evaluation.since().unwrap_or(evaluation.at),
        from: Some(previous.unwrap_or(plan.levels.all_green)),
        to: evaluation.level,
        evaluation: evaluation.clone(),
    };
    alarm::suggested_change_alarm(&c, &transition)
        .into_iter()
        .collect()
}

/// Everything in one call, as a station would.
pub struct Station<'a> {
    pub plan: &'a TriagePlan,
    pub readings: Vec<EngineReading>,
    pub events: Vec<CareEvent>,
    /// Oldest first by (at, key); `from` is filled in by [`Station::alarms`].
    pub decisions: Vec<LevelDecision>,
    pub rejected: Vec<RejectedInput>,
    pub monitoring: Monitoring,
}

impl Station<'_> {
    pub fn evaluate(&self, now: Timestamp) -> Evaluation {
        ecm_engine::evaluate(self.plan, &self.readings, &self.events, now)
    }

    pub fn last_reading_at(&self, now: Timestamp) -> BTreeMap<Parameter, Timestamp> {
        let mut last = BTreeMap::new();
        for r in self.readings.iter().filter(|r| r.effective_at <= now) {
            let entry = last.entry(r.parameter).or_insert(r.effective_at);
            if r.effective_at > *entry {
                *entry = r.effective_at;
            }
        }
        last
    }

    /// The decisions made by `now`, ordered by (at, key), each with the level before it.
    pub fn decisions_at(&self, now: Timestamp) -> Vec<LevelDecision> {
        let mut decisions: Vec<LevelDecision> = self
            .decisions
            .iter()
            .filter(|d| d.at <= now)
            .cloned()
            .collect();
        decisions.sort_by(|a, b| (a.at, &a.key).cmp(&(b.at, &b.key)));
        let mut before = None;
        for d in &mut decisions {
            d.from = before;
            before = Some(d.to);
        }
        decisions
    }

    /// Every alarm the rules require at `now`, from the data alone.
    pub fn alarms(&self, now: Timestamp) -> Vec<Alarm> {
        let timeline = ecm_engine::Timeline::new(self.plan, &self.readings, &self.events);
        let evaluation = timeline.evaluate(now);
        let horizon = alarm::change_horizon_ms(self.plan);
        let transitions = timeline.transitions_between(now.plus_millis(-horizon), now);
        let last = self.last_reading_at(now);
        let decisions = self.decisions_at(now);
        let c = citizen();
        alarm::required_alarms(&AlarmInputs {
            citizen_id: &c,
            plan: self.plan,
            now,
            transitions: &transitions,
            evaluation: &evaluation,
            decisions: &decisions,
            last_reading_at: &last,
            monitoring: self.monitoring,
            rejected: &self.rejected,
            plan_heads: &[],
            dispatch_conflicts: &[],
            follow_ups: &[],
        })
    }
}
