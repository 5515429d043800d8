//! Alarm rules: which alarms must exist for a citizen, given the engine's evaluation and what
//! nurses and the backend have recorded; plus escalation and per-nurse snooze.
//!
//! Pure: the store calls [`required_alarms`] after each sync or decision and inserts every
//! returned alarm whose id it does not have yet. Ids are derived from the cause only
//! ([`alarm_id`]), so re-evaluating the same data returns the same ids (nothing new), and two
//! stations computing the same alarm from the same data share its row.
//!
//! # Rules
//!
//! | kind | when | id from |
//! |---|---|---|
//! | `level_rise` / `level_fall` (suggested) | the suggested level differs from the previous known one | citizen, kind, source, from, to, the data instant of the change ([`Evaluation::since`]) |
//! | `level_rise` / `level_fall` (confirmed) | a nurse's [`LevelDecision`] changes the confirmed level | citizen, kind, from, to, decision key |
//! | `suggestion_differs` | suggested ≠ confirmed; *standing*: it holds until a decision makes them equal | citizen, suggested, its since, confirmed, decision key |
//! | `missed_measurement` | a scheduled parameter's last reading + interval (the due time) + grace has passed | citizen, parameter, due time |
//! | `rejected_reading` | an input was rejected (e.g. implausible value) | citizen, input fingerprint |
//!
//! "No level" (`None`, a citizen never evaluated or never assessed) counts as the plan's
//! `all_green` level when deciding whether something changed, so a new citizen whose first
//! evaluation is green raises nothing, while one who arrives red raises a rise from `None`.
//!
//! A standing alarm ([`AlarmKind::is_standing`]) whose id is no longer returned has lost its
//! condition; the store may close it. The others record something that happened and stay until
//! acknowledged.
//!
//! Missed measurements: only the most recent missed due time per parameter is returned, so a
//! citizen away for a week does not flood the station; each new due time that passes gives a new
//! id. None are raised while an acute-bed or hospital admission is in force (nobody measures at
//! home then). The anchor is the last reading's effective time; a store that wants alarms for a
//! parameter never measured passes the start of monitoring as its "last reading".
//!
//! # Priorities
//!
//! | change | priority |
//! |---|---|
//! | rise to ECM3 or above | high |
//! | rise to ECM2 | medium |
//! | fall, still at ECM3 or above | low |
//! | fall to ECM2 or ECM1 | info |
//!
//! A change a nurse made herself (confirmed) is one step lower (high → medium, medium → low,
//! low → info): she already knows; the alarm is for the other stations. Event-driven changes
//! (admission, discharge) are treated like suggested ones. `suggestion_differs` is medium when
//! the suggestion is above the confirmed level, low when below. `missed_measurement` is medium
//! when the citizen's suggested or confirmed level is ECM3 or above, else low.
//! `rejected_reading` is low.
//!
//! # Escalation and snooze
//!
//! [`escalation_due`] says which re-notification step is due for an unacknowledged alarm
//! (default: high after 5 minutes, then every 5 minutes, up to 3 steps, to all stations and
//! louder each time; medium once after 30 minutes). A [`Snooze`] is one nurse's and never
//! silences the alarm for anyone else. **A high alarm cannot be snoozed past its first
//! escalation** (`raised_at` + the high rule's delay): from then on it sounds for everyone until
//! someone acknowledges it, so a snooze can never hide an escalating emergency.

use crate::care::{Alarm, AlarmKind, AlarmPriority};
use crate::citizen::CitizenId;
use crate::ecm::{EcmLevel, LevelSource};
use crate::ecm_engine::{CareEventKind, Evaluation, LevelTrigger};
use crate::parameter::Parameter;
use crate::plan::TriagePlan;
use crate::time_util::{MILLIS_PER_MINUTE, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The code system of what Vagt itself records at the backend (alarm acknowledgements as FHIR
/// Tasks, confirmed levels as ClinicalImpressions).
pub const VAGT_CODE_SYSTEM: &str = "urn:dk:naerklinikken:vagt";
/// The code of an alarm acknowledgement in [`VAGT_CODE_SYSTEM`].
pub const ALARM_ACK_CODE: &str = "alarm-ack";
/// The identifier system of alarm ids (an acknowledgement's focus).
pub const ALARM_ID_SYSTEM: &str = "urn:dk:naerklinikken:vagt:alarm";

/// An acknowledgement, as it travels between stations through the backend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlarmAcknowledgement {
    pub alarm_id: String,
    pub nurse: String,
    pub at: Timestamp,
    pub comment: Option<String>,
}

/// A nurse setting the citizen's confirmed level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelDecision {
    /// Stable id of the decision record (it travels through the outbox with this id).
    pub key: String,
    pub nurse: String,
    pub at: Timestamp,
    /// The confirmed level before this decision.
    pub from: Option<EcmLevel>,
    pub to: EcmLevel,
}

/// An input the edge refused (see [`crate::reading::RejectReason`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedInput {
    /// Stable across stations, e.g. the source `id#version` or a hash of the raw input.
    pub fingerprint: String,
    /// [`crate::reading::RejectReason::code`], e.g. `implausible_value`.
    pub reason: String,
    pub parameter: Option<Parameter>,
    pub received_at: Timestamp,
}

/// What caused an alarm: codes and values only, JSON-able; the UI words it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AlarmCause {
    /// The suggested level changed (from readings or a care event).
    SuggestedChange {
        source: LevelSource,
        from: Option<EcmLevel>,
        to: EcmLevel,
        /// The data instant of the change.
        at: Timestamp,
        trigger: Option<LevelTrigger>,
    },
    /// A nurse changed the confirmed level.
    ConfirmedChange {
        from: Option<EcmLevel>,
        to: EcmLevel,
        at: Timestamp,
        decision_key: String,
        nurse: String,
    },
    SuggestionDiffers {
        suggested: EcmLevel,
        suggested_since: Option<Timestamp>,
        confirmed: Option<EcmLevel>,
        decision_key: Option<String>,
    },
    MissedMeasurement {
        parameter: Parameter,
        last_at: Timestamp,
        due_at: Timestamp,
        grace_ms: i64,
    },
    RejectedReading {
        fingerprint: String,
        reason: String,
        parameter: Option<Parameter>,
    },
}

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

/// The deterministic id of an alarm: lowercase hex SHA-256 over a version tag, the citizen, the
/// kind, and the cause's identifying parts, each length-prefixed so no two part lists collide.
pub fn alarm_id(citizen_id: &CitizenId, kind: AlarmKind, parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    let mut field = |s: &str| {
        hasher.update((s.len() as u64).to_be_bytes());
        hasher.update(s.as_bytes());
    };
    field("vagt-alarm-v1");
    field(citizen_id.as_str());
    field(kind.code());
    for part in parts {
        field(part);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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

// ------------------------------------------------------------------------------------------
// Escalation and snooze.
// ------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// The station(s) already watching the citizen.
    Watching,
    AllStations,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loudness {
    Normal,
    Loud,
    Loudest,
}

/// When an unacknowledged alarm of one priority is re-notified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationRule {
    /// Delay from `raised_at` to the first step.
    pub after_ms: i64,
    /// Delay between later steps; `None`: only one step.
    pub repeat_ms: Option<i64>,
    /// Steps beyond this are not taken (at least 1).
    pub max_steps: u32,
    pub audience: Audience,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationPolicy {
    pub high: Option<EscalationRule>,
    pub medium: Option<EscalationRule>,
    pub low: Option<EscalationRule>,
    pub info: Option<EscalationRule>,
}

impl Default for EscalationPolicy {
    fn default() -> Self {
        EscalationPolicy {
            high: Some(EscalationRule {
                after_ms: 5 * MILLIS_PER_MINUTE,
                repeat_ms: Some(5 * MILLIS_PER_MINUTE),
                max_steps: 3,
                audience: Audience::AllStations,
            }),
            medium: Some(EscalationRule {
                after_ms: 30 * MILLIS_PER_MINUTE,
                repeat_ms: None,
                max_steps: 1,
                audience: Audience::AllStations,
            }),
            low: None,
            info: None,
        }
    }
}

impl EscalationPolicy {
    pub fn rule(&self, priority: AlarmPriority) -> Option<&EscalationRule> {
        match priority {
            AlarmPriority::High => self.high.as_ref(),
            AlarmPriority::Medium => self.medium.as_ref(),
            AlarmPriority::Low => self.low.as_ref(),
            AlarmPriority::Info => self.info.as_ref(),
        }
    }

    /// The rule slot of one priority, to set or clear.
    pub fn rule_mut(&mut self, priority: AlarmPriority) -> &mut Option<EscalationRule> {
        match priority {
            AlarmPriority::High => &mut self.high,
            AlarmPriority::Medium => &mut self.medium,
            AlarmPriority::Low => &mut self.low,
            AlarmPriority::Info => &mut self.info,
        }
    }

    /// Every priority with its rule, highest first.
    pub fn rules(&self) -> [(AlarmPriority, Option<EscalationRule>); 4] {
        [
            (AlarmPriority::High, self.high),
            (AlarmPriority::Medium, self.medium),
            (AlarmPriority::Low, self.low),
            (AlarmPriority::Info, self.info),
        ]
    }
}

/// A re-notification: step 1, 2, ... of the rule; the store sends each step once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationStep {
    pub step: u32,
    pub due_at: Timestamp,
    pub audience: Audience,
    pub loudness: Loudness,
}

/// The latest escalation step due at `now` for an alarm, or `None` (acknowledged, no rule for
/// its priority, or not yet due).
pub fn escalation_due(
    raised_at: Timestamp,
    acknowledged: bool,
    priority: AlarmPriority,
    now: Timestamp,
    policy: &EscalationPolicy,
) -> Option<EscalationStep> {
    if acknowledged {
        return None;
    }
    let rule = policy.rule(priority)?;
    let first = raised_at.plus_millis(rule.after_ms.max(0));
    if now < first {
        return None;
    }
    let max_steps = rule.max_steps.max(1);
    let step = match rule.repeat_ms.filter(|r| *r > 0) {
        Some(repeat) => {
            let later = (now.millis() - first.millis()) / repeat;
            u32::try_from(later)
                .unwrap_or(u32::MAX)
                .saturating_add(1)
                .min(max_steps)
        }
        None => 1,
    };
    let due_at =
        first.plus_millis(i64::from(step - 1).saturating_mul(rule.repeat_ms.unwrap_or(0).max(0)));
    Some(EscalationStep {
        step,
        due_at,
        audience: rule.audience,
        loudness: if step == 1 {
            Loudness::Loud
        } else {
            Loudness::Loudest
        },
    })
}

/// When the next escalation step after `now` falls due: the first step while none is due yet,
/// else the step after the current one; `None` when acknowledged, when the priority has no rule,
/// or when the last step is taken. A station re-reads its alarms then, so a step sounds on time
/// without polling the store every second.
pub fn next_escalation_at(
    raised_at: Timestamp,
    acknowledged: bool,
    priority: AlarmPriority,
    now: Timestamp,
    policy: &EscalationPolicy,
) -> Option<Timestamp> {
    if acknowledged {
        return None;
    }
    let rule = policy.rule(priority)?;
    let first = raised_at.plus_millis(rule.after_ms.max(0));
    let Some(current) = escalation_due(raised_at, acknowledged, priority, now, policy) else {
        return Some(first);
    };
    let repeat = rule.repeat_ms.filter(|r| *r > 0)?;
    (current.step < rule.max_steps.max(1)).then(|| current.due_at.plus_millis(repeat))
}

/// One nurse's snooze of one alarm (the store keeps one per alarm and nurse).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snooze {
    pub nurse: String,
    pub until: Timestamp,
}

/// The latest instant a snooze of this alarm can last to: for a high alarm, its first
/// escalation; `None` when snoozes are not capped.
pub fn snooze_cap(alarm: &Alarm, policy: &EscalationPolicy) -> Option<Timestamp> {
    snooze_cap_for(alarm.priority, alarm.raised_at, policy)
}

/// [`snooze_cap`] from an alarm's priority and instant alone.
pub fn snooze_cap_for(
    priority: AlarmPriority,
    raised_at: Timestamp,
    policy: &EscalationPolicy,
) -> Option<Timestamp> {
    if priority != AlarmPriority::High {
        return None;
    }
    policy
        .rule(AlarmPriority::High)
        .map(|r| raised_at.plus_millis(r.after_ms.max(0)))
}

/// Until when a snooze asked to last `until` keeps the alarm quiet: `until`, or the cap.
pub fn snooze_ends_at(
    priority: AlarmPriority,
    raised_at: Timestamp,
    until: Timestamp,
    policy: &EscalationPolicy,
) -> Timestamp {
    snooze_cap_for(priority, raised_at, policy).map_or(until, |cap| cap.min(until))
}

/// Whether `nurse` has silenced `alarm` at `now` by her own snooze. Other nurses' snoozes never
/// count, and a high alarm's snooze ends at its first escalation ([`snooze_cap`]).
/// (Acknowledged alarms do not sound at all; that is not a snooze.)
pub fn is_silenced_for(
    nurse: &str,
    alarm: &Alarm,
    snoozes: &[Snooze],
    now: Timestamp,
    policy: &EscalationPolicy,
) -> bool {
    snoozes
        .iter()
        .filter(|s| s.nurse == nurse)
        .any(|s| now < snooze_ends_at(alarm.priority, alarm.raised_at, s.until, policy))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const T0: i64 = 1_767_571_200_000;

    fn t(minutes: i64) -> Timestamp {
        Timestamp::from_millis(T0 + minutes * MILLIS_PER_MINUTE)
    }

    fn alarm(priority: AlarmPriority) -> Alarm {
        Alarm {
            id: "a".into(),
            citizen_id: CitizenId::new("c1").unwrap(),
            kind: AlarmKind::LevelRise,
            priority,
            raised_at: t(0),
            cause: AlarmCause::RejectedReading {
                fingerprint: "f".into(),
                reason: "implausible_value".into(),
                parameter: None,
            },
            acknowledged: None,
        }
    }

    #[test]
    fn ids_are_sha256_hex_of_length_prefixed_parts() {
        let c = CitizenId::new("010150-1234").unwrap();
        let id = alarm_id(&c, AlarmKind::LevelRise, &["suggested", "1", "3", "42"]);
        assert_eq!(id.len(), 64);
        assert!(
            id.chars()
                .all(|ch| ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase())
        );
        // Pinned: stored alarm ids must not change between versions of Vagt.
        assert_eq!(
            id,
            "4a9613756813a1eaaf52c35e0d574a12c68807df917926194b880333898e87d5"
        );
        assert_ne!(
            alarm_id(&c, AlarmKind::LevelRise, &["ab", "c"]),
            alarm_id(&c, AlarmKind::LevelRise, &["a", "bc"])
        );
        assert_ne!(
            alarm_id(&c, AlarmKind::LevelRise, &["x"]),
            alarm_id(&c, AlarmKind::LevelFall, &["x"])
        );
    }

    #[test]
    fn priorities_follow_the_table() {
        use AlarmPriority::*;
        let l = |n| EcmLevel::new(n).unwrap();
        let s = LevelSource::Suggested;
        assert_eq!(level_change_priority(s, l(1), l(2)), Medium);
        assert_eq!(level_change_priority(s, l(1), l(3)), High);
        assert_eq!(level_change_priority(s, l(2), l(6)), High);
        assert_eq!(level_change_priority(s, l(6), l(4)), Low);
        assert_eq!(level_change_priority(s, l(3), l(2)), Info);
        assert_eq!(level_change_priority(LevelSource::Event, l(2), l(6)), High);
        let c = LevelSource::Confirmed;
        assert_eq!(level_change_priority(c, l(1), l(3)), Medium);
        assert_eq!(level_change_priority(c, l(1), l(2)), Low);
        assert_eq!(level_change_priority(c, l(5), l(4)), Info);
    }

    #[test]
    fn unacknowledged_high_alarms_escalate_louder_to_all_stations() {
        let policy = EscalationPolicy::default();
        let due = |now, ack, p| escalation_due(t(0), ack, p, now, &policy);
        assert_eq!(
            due(
                Timestamp::from_millis(t(5).millis() - 1),
                false,
                AlarmPriority::High
            ),
            None
        );
        assert_eq!(
            due(t(5), false, AlarmPriority::High),
            Some(EscalationStep {
                step: 1,
                due_at: t(5),
                audience: Audience::AllStations,
                loudness: Loudness::Loud
            })
        );
        let second = due(t(12), false, AlarmPriority::High).unwrap();
        assert_eq!((second.step, second.due_at), (2, t(10)));
        assert_eq!(second.loudness, Loudness::Loudest);
        let last = due(t(600), false, AlarmPriority::High).unwrap();
        assert_eq!((last.step, last.due_at), (3, t(15)), "at most three steps");
        assert_eq!(due(t(12), true, AlarmPriority::High), None, "acknowledged");
        assert_eq!(due(t(29), false, AlarmPriority::Medium), None);
        assert_eq!(
            due(t(90), false, AlarmPriority::Medium).map(|s| s.step),
            Some(1)
        );
        assert_eq!(due(t(600), false, AlarmPriority::Low), None);
        assert_eq!(due(t(600), false, AlarmPriority::Info), None);
    }

    #[test]
    fn the_next_step_is_known_until_the_last_one_is_taken() {
        let policy = EscalationPolicy::default();
        let next = |now, ack, p| next_escalation_at(t(0), ack, p, now, &policy);
        assert_eq!(next(t(0), false, AlarmPriority::High), Some(t(5)));
        assert_eq!(next(t(5), false, AlarmPriority::High), Some(t(10)));
        assert_eq!(next(t(14), false, AlarmPriority::High), Some(t(15)));
        assert_eq!(
            next(t(15), false, AlarmPriority::High),
            None,
            "three steps at most"
        );
        assert_eq!(next(t(1), true, AlarmPriority::High), None, "acknowledged");
        assert_eq!(next(t(1), false, AlarmPriority::Medium), Some(t(30)));
        assert_eq!(
            next(t(30), false, AlarmPriority::Medium),
            None,
            "one step only"
        );
        assert_eq!(next(t(1), false, AlarmPriority::Low), None);
    }

    #[test]
    fn a_snooze_silences_only_its_nurse_and_not_a_high_alarm_past_escalation() {
        let policy = EscalationPolicy::default();
        let snoozes = [Snooze {
            nurse: "anne".into(),
            until: t(60),
        }];
        let medium = alarm(AlarmPriority::Medium);
        assert!(is_silenced_for("anne", &medium, &snoozes, t(30), &policy));
        assert!(!is_silenced_for("bo", &medium, &snoozes, t(30), &policy));
        assert!(!is_silenced_for("anne", &medium, &snoozes, t(60), &policy));

        let high = alarm(AlarmPriority::High);
        assert_eq!(snooze_cap(&high, &policy), Some(t(5)));
        assert!(is_silenced_for("anne", &high, &snoozes, t(4), &policy));
        assert!(!is_silenced_for("anne", &high, &snoozes, t(5), &policy));
        assert!(!is_silenced_for("bo", &high, &snoozes, t(4), &policy));
    }

    #[test]
    fn causes_serialise_as_tagged_json() {
        let cause = AlarmCause::MissedMeasurement {
            parameter: Parameter::Spo2,
            last_at: t(0),
            due_at: t(24 * 60),
            grace_ms: 6 * 60 * MILLIS_PER_MINUTE,
        };
        let json = serde_json::to_value(&cause).unwrap();
        assert_eq!(json["type"], "missed_measurement");
        assert_eq!(json["parameter"], "spo2");
        assert_eq!(json["due_at"], "2026-01-06T00:00:00.000Z");
        assert_eq!(serde_json::from_value::<AlarmCause>(json).unwrap(), cause);
    }
}
