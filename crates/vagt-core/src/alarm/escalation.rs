//! Escalation (re-notifying an unacknowledged alarm, louder, to all stations) and one nurse's
//! snooze, which never silences an alarm for anyone else.

use crate::alarm::model::{Alarm, AlarmPriority};
use crate::time_util::{MILLIS_PER_MINUTE, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// The station(s) already watching the citizen.
    Watching,
    AllStations,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Loudness {
    Normal,
    Loud,
    Loudest,
}

/// When an unacknowledged alarm of one priority is re-notified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct EscalationRule {
    /// Delay from `raised_at` to the first step.
    pub after_ms: i64,
    /// Delay between later steps; `None`: only one step.
    pub repeat_ms: Option<i64>,
    /// Steps beyond this are not taken (at least 1).
    pub max_steps: u32,
    pub audience: Audience,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
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
    /// The rule of a priority. Low and info alarms are for awareness (IEC 60601-1-8): they
    /// never escalate, whatever a policy says.
    pub fn rule(&self, priority: AlarmPriority) -> Option<&EscalationRule> {
        match priority {
            AlarmPriority::High => self.high.as_ref(),
            AlarmPriority::Medium => self.medium.as_ref(),
            AlarmPriority::Low | AlarmPriority::Info => None,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
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
