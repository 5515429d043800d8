//! Helpers shared by the triage scenario and property tests.
#![allow(dead_code, clippy::unwrap_used)]

use vagt_core::alarm::{self, Alarm, AlarmInputs, LevelDecision, RejectedInput};
use vagt_core::care_event::CareEvent;
use vagt_core::ecm_engine::{self, EngineReading, Evaluation};
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

/// The alarms for the citizen at `now`, with nothing but readings (no decisions, rejections
/// or schedule anchors).
pub fn level_alarms(
    plan: &TriagePlan,
    previous: Option<EcmLevel>,
    evaluation: &Evaluation,
) -> Vec<Alarm> {
    let c = citizen();
    alarm::suggested_change_alarm(&c, plan, previous, evaluation)
        .into_iter()
        .collect()
}

/// Everything in one call, as a station would.
pub struct Station<'a> {
    pub plan: &'a TriagePlan,
    pub readings: Vec<EngineReading>,
    pub events: Vec<CareEvent>,
    pub decisions: Vec<LevelDecision>,
    pub rejected: Vec<RejectedInput>,
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

    pub fn alarms(&self, previous: Option<EcmLevel>, now: Timestamp) -> Vec<Alarm> {
        let evaluation = self.evaluate(now);
        let last = self.last_reading_at(now);
        let confirmed = self
            .decisions
            .iter()
            .filter(|d| d.at <= now)
            .max_by(|a, b| (a.at, &a.key).cmp(&(b.at, &b.key)));
        let c = citizen();
        alarm::required_alarms(&AlarmInputs {
            citizen_id: &c,
            plan: self.plan,
            now,
            previous_suggested: previous,
            evaluation: &evaluation,
            confirmed,
            decisions: &self.decisions,
            last_reading_at: &last,
            rejected: &self.rejected,
        })
    }
}
