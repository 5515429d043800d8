//! Which alarms must exist for a citizen now: level changes, a suggestion that differs from the
//! confirmed level, missed measurements and rejected readings. See the [`crate::alarm`] docs.

use crate::alarm::model::{
    Alarm, AlarmCause, AlarmKind, AlarmPriority, LevelDecision, RejectedInput, alarm_id,
};
use crate::care_event::CareEventKind;
use crate::citizen::CitizenId;
use crate::ecm::{EcmLevel, LevelSource};
use crate::ecm_engine::Evaluation;
use crate::parameter::Parameter;
use crate::plan::TriagePlan;
use crate::time_util::Timestamp;
use std::collections::BTreeMap;

/// Everything [`required_alarms`] looks at, for one citizen.

#[derive(Debug, Clone, Copy)]
pub struct AlarmInputs<'a> {
    pub citizen_id: &'a CitizenId,
    pub plan: &'a TriagePlan,
    pub now: Timestamp,
    /// The suggested level last stored for the citizen (`None`: never evaluated).
    pub previous_suggested: Option<EcmLevel>,
    /// The engine's evaluation at `now`.
    pub evaluation: &'a Evaluation,
    /// The decision in force (the latest), if any nurse ever assessed the citizen.
    pub confirmed: Option<&'a LevelDecision>,
    /// Decisions to raise change alarms for; passing all of them again is harmless.
    pub decisions: &'a [LevelDecision],
    /// Effective time of the last reading per parameter.
    pub last_reading_at: &'a BTreeMap<Parameter, Timestamp>,
    pub rejected: &'a [RejectedInput],
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

/// The rise or fall alarm when the suggested level differs from `previous`.
pub fn suggested_change_alarm(
    citizen_id: &CitizenId,
    plan: &TriagePlan,
    previous: Option<EcmLevel>,
    evaluation: &Evaluation,
) -> Option<Alarm> {
    let to = evaluation.level;
    let kind = direction(plan.levels.all_green, previous, to)?;
    let since = evaluation.since();
    let source = evaluation.source;
    let id = alarm_id(
        citizen_id,
        kind,
        &[
            source.code(),
            &level_code(previous),
            &level_code(Some(to)),
            &time_code(since),
        ],
    );
    Some(Alarm {
        id,
        citizen_id: citizen_id.clone(),
        kind,
        priority: level_change_priority(source, previous.unwrap_or(plan.levels.all_green), to),
        // Without a data-derived change instant (stored level from data since corrected) the
        // evaluation instant is the best we know.
        raised_at: since.unwrap_or(evaluation.at),
        cause: AlarmCause::SuggestedChange {
            source,
            from: previous,
            to,
            at: since.unwrap_or(evaluation.at),
            trigger: evaluation.change.as_ref().map(|c| c.trigger.clone()),
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

/// The standing alarm while the suggestion differs from the confirmed level.
pub fn suggestion_differs_alarm(
    citizen_id: &CitizenId,
    plan: &TriagePlan,
    evaluation: &Evaluation,
    confirmed: Option<&LevelDecision>,
) -> Option<Alarm> {
    let suggested = evaluation.level;
    let confirmed_level = confirmed.map(|d| d.to);
    if suggested == confirmed_level.unwrap_or(plan.levels.all_green) {
        return None;
    }
    let since = evaluation.since();
    let decision_key = confirmed.map(|d| d.key.clone());
    let kind = AlarmKind::SuggestionDiffers;
    let id = alarm_id(
        citizen_id,
        kind,
        &[
            &level_code(Some(suggested)),
            &time_code(since),
            &level_code(confirmed_level),
            decision_key.as_deref().unwrap_or("-"),
        ],
    );
    // They began to differ at whichever came last: the suggestion's change or the decision.
    let raised_at = match (since, confirmed.map(|d| d.at)) {
        (Some(a), Some(b)) => a.max(b),
        (a, b) => a.or(b).unwrap_or(evaluation.at),
    };
    let above = confirmed_level.is_none_or(|c| suggested > c);
    Some(Alarm {
        id,
        citizen_id: citizen_id.clone(),
        kind,
        priority: if above {
            AlarmPriority::Medium
        } else {
            AlarmPriority::Low
        },
        raised_at,
        cause: AlarmCause::SuggestionDiffers {
            suggested,
            suggested_since: since,
            confirmed: confirmed_level,
            decision_key,
        },
        acknowledged: None,
    })
}

/// One alarm per scheduled parameter whose latest due time plus grace has passed at `now`.
pub fn missed_measurement_alarms(
    citizen_id: &CitizenId,
    plan: &TriagePlan,
    last_reading_at: &BTreeMap<Parameter, Timestamp>,
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
        let Some(last) = last_reading_at.get(parameter) else {
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
                &[parameter.code(), &due_at.millis().to_string()],
            ),
            citizen_id: citizen_id.clone(),
            kind,
            priority,
            raised_at: due_at.plus_millis(schedule.grace_ms),
            cause: AlarmCause::MissedMeasurement {
                parameter: *parameter,
                last_at: *last,
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

/// Every alarm that must exist for the citizen now, sorted by (raised_at, id), ids unique.
pub fn required_alarms(inputs: &AlarmInputs<'_>) -> Vec<Alarm> {
    let AlarmInputs {
        citizen_id,
        plan,
        now,
        previous_suggested,
        evaluation,
        confirmed,
        decisions,
        last_reading_at,
        rejected,
    } = *inputs;
    let mut out: Vec<Alarm> = Vec::new();
    out.extend(suggested_change_alarm(
        citizen_id,
        plan,
        previous_suggested,
        evaluation,
    ));
    out.extend(
        decisions
            .iter()
            .filter_map(|d| decision_alarm(citizen_id, plan, d)),
    );
    out.extend(suggestion_differs_alarm(
        citizen_id, plan, evaluation, confirmed,
    ));
    out.extend(missed_measurement_alarms(
        citizen_id,
        plan,
        last_reading_at,
        evaluation,
        confirmed.map(|d| d.to),
        now,
    ));
    out.extend(
        rejected
            .iter()
            .map(|r| rejected_reading_alarm(citizen_id, r)),
    );
    out.sort_by(|a, b| (a.raised_at, &a.id).cmp(&(b.raised_at, &b.id)));
    out.dedup_by(|a, b| a.id == b.id);
    out
}
