//! Which alarms must exist for a citizen now: level changes, a suggestion that differs from the
//! confirmed level, missed measurements and rejected readings. See the [`crate::alarm`] docs.

use crate::alarm::model::{
    Alarm, AlarmCause, AlarmKind, AlarmPriority, DispatchInConflict, FollowUp, LevelDecision,
    PlanHead, RejectedInput, alarm_id,
};
use crate::care_event::CareEventKind;
use crate::citizen::CitizenId;
use crate::ecm::{EcmLevel, LevelSource};
use crate::ecm_engine::{Evaluation, Transition};
use crate::enrolment::Monitoring;
use crate::parameter::Parameter;
use crate::plan::TriagePlan;
use crate::time_util::Timestamp;
use std::collections::BTreeMap;

/// Everything [`required_alarms`] looks at, for one citizen. Every input is data every station
/// holds alike once synced (readings, events, decisions, enrolment), never what one station
/// happened to record before, so every station requires the same alarms with the same ids.
#[derive(Debug, Clone, Copy)]
pub struct AlarmInputs<'a> {
    pub citizen_id: &'a CitizenId,
    pub plan: &'a TriagePlan,
    pub now: Timestamp,
    /// The changes of the suggested level in the horizon, `(now - horizon, now]`, each with the
    /// level before it ([`crate::ecm_engine::Timeline::transitions_between`]).
    pub transitions: &'a [Transition],
    /// The engine's evaluation at `now`.
    pub evaluation: &'a Evaluation,
    /// Every decision on the citizen's confirmed level, oldest first, each with the level it
    /// changed from.
    pub decisions: &'a [LevelDecision],
    /// Effective time of the last reading per parameter.
    pub last_reading_at: &'a BTreeMap<Parameter, Timestamp>,
    /// Whether, and since when, the clinic watches the citizen's measurements: the schedule
    /// counts from there ([`Monitoring::anchor`]), so a parameter never measured is missed too.
    pub monitoring: Monitoring,
    pub rejected: &'a [RejectedInput],
    /// The newest revisions of the citizen's plan (none: the defaults apply); more than one is
    /// a conflict.
    pub plan_heads: &'a [PlanHead],
    /// The citizen's dispatches whose edits conflict.
    pub dispatch_conflicts: &'a [DispatchInConflict],
    /// Call-backs promised to the citizen and not yet made.
    pub follow_ups: &'a [FollowUp],
}

/// How long a change of level raises its alarm: a change older than this is history (the
/// citizen's level and the worklist still show it), and its alarm, if nobody acknowledged it,
/// expires. The plan's look-back, at least a day.
pub fn change_horizon_ms(plan: &TriagePlan) -> i64 {
    plan.engine.lookback_ms.max(24 * 3_600_000)
}

/// How far back a citizen's readings matter to an evaluation at any instant of the horizon:
/// the horizon, plus the hold (a level holds that long), the look-back (a reading counts that
/// long) and the longest relative window (its baseline). Older readings cannot move a level
/// in the horizon, so a store need not load them.
pub fn readings_window_ms(plan: &TriagePlan) -> i64 {
    let relative = plan.relative.iter().map(|r| r.window_ms).max().unwrap_or(0);
    change_horizon_ms(plan)
        .saturating_add(plan.engine.hold_ms)
        .saturating_add(plan.engine.lookback_ms)
        .saturating_add(relative)
}

fn level_code(level: Option<EcmLevel>) -> String {
    level.map_or_else(|| "-".to_owned(), |l| l.get().to_string())
}

fn time_code(at: Option<Timestamp>) -> String {
    at.map_or_else(|| "-".to_owned(), |t| t.millis().to_string())
}

const fn lower(priority: AlarmPriority) -> AlarmPriority {
    match priority {
        AlarmPriority::High => AlarmPriority::Medium,
        AlarmPriority::Medium => AlarmPriority::Low,
        AlarmPriority::Low | AlarmPriority::Info => AlarmPriority::Info,
    }
}

/// The priority of a level change; see the module docs. `from` is the effective old level.
pub fn level_change_priority(source: LevelSource, from: EcmLevel, to: EcmLevel) -> AlarmPriority {
    let base = if to > from {
        if to >= EcmLevel::ECM3 {
            AlarmPriority::High
        } else {
            AlarmPriority::Medium
        }
    } else if to >= EcmLevel::ECM3 {
        AlarmPriority::Low
    } else {
        AlarmPriority::Info
    };
    match source {
        LevelSource::Confirmed => lower(base),
        LevelSource::Suggested | LevelSource::Event => base,
    }
}

/// `Some(kind)` when `from` (with `None` as `baseline`) to `to` is a change.
fn direction(baseline: EcmLevel, from: Option<EcmLevel>, to: EcmLevel) -> Option<AlarmKind> {
    let effective = from.unwrap_or(baseline);
    match to.cmp(&effective) {
        std::cmp::Ordering::Greater => Some(AlarmKind::LevelRise),
        std::cmp::Ordering::Less => Some(AlarmKind::LevelFall),
        std::cmp::Ordering::Equal => None,
    }
}

/// The rise or fall alarm of one change of the suggested level.
pub fn suggested_change_alarm(citizen_id: &CitizenId, transition: &Transition) -> Option<Alarm> {
    let from = transition.from?;
    let to = transition.to;
    let kind = direction(from, Some(from), to)?;
    let source = transition.evaluation.source;
    let id = alarm_id(
        citizen_id,
        kind,
        &[
            source.code(),
            &level_code(Some(from)),
            &level_code(Some(to)),
            &time_code(Some(transition.at)),
        ],
    );
    Some(Alarm {
        id,
        citizen_id: citizen_id.clone(),
        kind,
        priority: level_change_priority(source, from, to),
        raised_at: transition.at,
        cause: AlarmCause::SuggestedChange {
            source,
            from: Some(from),
            to,
            at: transition.at,
            trigger: transition
                .evaluation
                .change
                .as_ref()
                .map(|c| c.trigger.clone()),
        },
        acknowledged: None,
    })
}

/// The rise or fall alarm for a nurse's decision, if it changed the confirmed level.
pub fn decision_alarm(
    citizen_id: &CitizenId,
    plan: &TriagePlan,
    decision: &LevelDecision,
) -> Option<Alarm> {
    let kind = direction(plan.levels.all_green, decision.from, decision.to)?;
    let id = alarm_id(
        citizen_id,
        kind,
        &[
            LevelSource::Confirmed.code(),
            &level_code(decision.from),
            &level_code(Some(decision.to)),
            &decision.key,
        ],
    );
    Some(Alarm {
        id,
        citizen_id: citizen_id.clone(),
        kind,
        priority: level_change_priority(
            LevelSource::Confirmed,
            decision.from.unwrap_or(plan.levels.all_green),
            decision.to,
        ),
        raised_at: decision.at,
        cause: AlarmCause::ConfirmedChange {
            from: decision.from,
            to: decision.to,
            at: decision.at,
            decision_key: decision.key.clone(),
            nurse: decision.nurse.clone(),
        },
        acknowledged: None,
    })
}

/// One alarm per scheduled parameter whose latest due time plus grace has passed at `now`,
/// counted from its last reading or the start of monitoring ([`Monitoring::anchor`]). Its id
/// holds the due time and the priority: a later due time, or a citizen grown more severe,
/// is a new alarm, and the old one ends.
pub fn missed_measurement_alarms(
    citizen_id: &CitizenId,
    plan: &TriagePlan,
    last_reading_at: &BTreeMap<Parameter, Timestamp>,
    monitoring: Monitoring,
    evaluation: &Evaluation,
    confirmed: Option<EcmLevel>,
    now: Timestamp,
) -> Vec<Alarm> {
    let admitted = evaluation.event.as_ref().is_some_and(|e| {
        matches!(
            e.kind,
            CareEventKind::AcuteBedAdmission | CareEventKind::HospitalAdmission
        )
    });
    if admitted {
        return Vec::new();
    }
    let severe = evaluation.level.max(confirmed.unwrap_or(EcmLevel::MIN)) >= EcmLevel::ECM3;
    let priority = if severe {
        AlarmPriority::Medium
    } else {
        AlarmPriority::Low
    };
    let mut out = Vec::new();
    for (parameter, schedule) in &plan.schedule {
        let Some(last) = monitoring.anchor(last_reading_at.get(parameter).copied()) else {
            continue;
        };
        let every = schedule.every_ms.max(1);
        // The latest k >= 1 with last + k * every + grace <= now.
        let overdue = now.millis() - last.millis() - schedule.grace_ms;
        let k = overdue.div_euclid(every);
        if k < 1 {
            continue;
        }
        let due_at = last.plus_millis(k.saturating_mul(every));
        let kind = AlarmKind::MissedMeasurement;
        out.push(Alarm {
            id: alarm_id(
                citizen_id,
                kind,
                &[
                    parameter.code(),
                    &due_at.millis().to_string(),
                    priority.code(),
                ],
            ),
            citizen_id: citizen_id.clone(),
            kind,
            priority,
            raised_at: due_at.plus_millis(schedule.grace_ms),
            cause: AlarmCause::MissedMeasurement {
                parameter: *parameter,
                last_at: last,
                due_at,
                grace_ms: schedule.grace_ms,
            },
            acknowledged: None,
        });
    }
    out
}

pub fn rejected_reading_alarm(citizen_id: &CitizenId, rejected: &RejectedInput) -> Alarm {
    let kind = AlarmKind::RejectedReading;
    Alarm {
        id: alarm_id(citizen_id, kind, &[&rejected.fingerprint]),
        citizen_id: citizen_id.clone(),
        kind,
        priority: AlarmPriority::Low,
        raised_at: rejected.received_at,
        cause: AlarmCause::RejectedReading {
            fingerprint: rejected.fingerprint.clone(),
            reason: rejected.reason.clone(),
            parameter: rejected.parameter,
        },
        acknowledged: None,
    }
}

/// The alarm of a conflict between two or more newest plan revisions, if there is one. Its id
/// is the set of revisions, so a third revision joining the conflict is a new alarm.
pub fn plan_conflict_alarm(citizen_id: &CitizenId, heads: &[PlanHead]) -> Option<Alarm> {
    if heads.len() < 2 {
        return None;
    }
    let mut heads = heads.to_vec();
    heads.sort();
    heads.dedup_by(|a, b| a.key == b.key);
    let kind = AlarmKind::PlanConflict;
    let keys: Vec<&str> = heads.iter().map(|h| h.key.as_str()).collect();
    Some(Alarm {
        id: alarm_id(citizen_id, kind, &keys),
        citizen_id: citizen_id.clone(),
        kind,
        priority: AlarmPriority::Low,
        raised_at: heads.iter().map(|h| h.changed_at).max()?,
        cause: AlarmCause::PlanConflict { revisions: heads },
        acknowledged: None,
    })
}

/// The alarm of a dispatch whose edits conflict. Its id is the dispatch and the conflicting
/// steps, so a further conflicting edit is a new alarm. Medium: until it is settled, nobody
/// knows for sure whether the MAS nurse is on her way.
pub fn dispatch_conflict_alarm(citizen_id: &CitizenId, conflict: &DispatchInConflict) -> Alarm {
    let kind = AlarmKind::DispatchConflict;
    let mut parts: Vec<&str> = vec![conflict.dispatch_key.as_str()];
    parts.extend(conflict.steps.iter().map(String::as_str));
    Alarm {
        id: alarm_id(citizen_id, kind, &parts),
        citizen_id: citizen_id.clone(),
        kind,
        priority: AlarmPriority::Medium,
        raised_at: conflict.at,
        cause: AlarmCause::DispatchConflict {
            dispatch_key: conflict.dispatch_key.clone(),
            fields: conflict.fields.clone(),
            steps: conflict.steps.clone(),
        },
        acknowledged: None,
    }
}

/// The alarm of a call-back that is due, if it is. Medium: a promise to a citizen at home, who
/// waits by the phone. Its id is the call's key, so every station raises the same one.
pub fn follow_up_alarm(
    citizen_id: &CitizenId,
    follow_up: &FollowUp,
    now: Timestamp,
) -> Option<Alarm> {
    if follow_up.due_at > now {
        return None;
    }
    let kind = AlarmKind::FollowUpDue;
    Some(Alarm {
        id: alarm_id(citizen_id, kind, &[&follow_up.call_key]),
        citizen_id: citizen_id.clone(),
        kind,
        priority: AlarmPriority::Medium,
        raised_at: follow_up.due_at,
        cause: AlarmCause::FollowUpDue {
            call_key: follow_up.call_key.clone(),
            due_at: follow_up.due_at,
            nurse: follow_up.nurse.clone(),
        },
        acknowledged: None,
    })
}

/// Every alarm that must exist for the citizen now, sorted by (raised_at, id), ids unique.
/// Changes older than [`change_horizon_ms`] raise none.
pub fn required_alarms(inputs: &AlarmInputs<'_>) -> Vec<Alarm> {
    let AlarmInputs {
        citizen_id,
        plan,
        now,
        transitions,
        evaluation,
        decisions,
        last_reading_at,
        monitoring,
        rejected,
        plan_heads,
        dispatch_conflicts,
        follow_ups,
    } = *inputs;
    let since = now.plus_millis(-change_horizon_ms(plan));
    let mut out: Vec<Alarm> = Vec::new();
    out.extend(
        transitions
            .iter()
            .filter(|t| t.at > since)
            .filter_map(|t| suggested_change_alarm(citizen_id, t)),
    );
    out.extend(
        decisions
            .iter()
            .filter(|d| d.at > since)
            .filter_map(|d| decision_alarm(citizen_id, plan, d)),
    );
    out.extend(missed_measurement_alarms(
        citizen_id,
        plan,
        last_reading_at,
        monitoring,
        evaluation,
        decisions.last().map(|d| d.to),
        now,
    ));
    out.extend(
        rejected
            .iter()
            .map(|r| rejected_reading_alarm(citizen_id, r)),
    );
    out.extend(plan_conflict_alarm(citizen_id, plan_heads));
    out.extend(
        dispatch_conflicts
            .iter()
            .map(|c| dispatch_conflict_alarm(citizen_id, c)),
    );
    out.extend(
        follow_ups
            .iter()
            .filter_map(|f| follow_up_alarm(citizen_id, f, now)),
    );
    out.sort_by(|a, b| (a.raised_at, &a.id).cmp(&(b.raised_at, &b.id)));
    out.dedup_by(|a, b| a.id == b.id);
    out
}

/// When the citizen must be evaluated again though no data arrives: the engine's next possible
/// change, the next measurement that falls due (its grace included), or the expiry of the
/// oldest change still in the horizon. `None`: only new data can change anything.
pub fn next_due_at(
    plan: &TriagePlan,
    now: Timestamp,
    next_engine_change: Option<Timestamp>,
    last_reading_at: &BTreeMap<Parameter, Timestamp>,
    monitoring: Monitoring,
    oldest_change_in_horizon: Option<Timestamp>,
) -> Option<Timestamp> {
    let mut due: Vec<Timestamp> = Vec::new();
    due.extend(next_engine_change.filter(|t| *t > now));
    for (parameter, schedule) in &plan.schedule {
        let Some(last) = monitoring.anchor(last_reading_at.get(parameter).copied()) else {
            continue;
        };
        let every = schedule.every_ms.max(1);
        // The next k >= 1 with last + k * every + grace > now.
        let overdue = now.millis() - last.millis() - schedule.grace_ms;
        let k = overdue.div_euclid(every).max(0) + 1;
        due.push(last.plus_millis(k.saturating_mul(every) + schedule.grace_ms));
    }
    due.extend(oldest_change_in_horizon.map(|at| at.plus_millis(change_horizon_ms(plan))));
    due.into_iter().filter(|t| *t > now).min()
}
