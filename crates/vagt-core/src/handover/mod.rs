//! The shift handover, structured as I-PASS (Starmer et al., NEJM 2014): for each citizen who
//! needs the next shift's attention, the **illness severity** (stable, watcher, unstable) by a
//! stated rule, a **patient summary**, and the **action list** (open dispatches, due call-backs,
//! unacknowledged alarms, each with owner and time). Pure: the use case gathers the facts.
//!
//! # The severity rule
//! The level is the higher of the confirmed and the suggested one (a nurse's lower decision
//! does not hide what the readings say).
//! * **Unstable**: the level is ECM4 or higher (a MAS visit, an acute bed, hospital); or the
//!   newest NEWS2 is 7 or more (emergency response); or a high-priority alarm is
//!   unacknowledged.
//! * **Watcher**: the level is ECM3; or it rose during the shift; or NEWS2 is 5-6, or one of
//!   its parameters scores 3 (urgent response); or a medium-priority alarm is unacknowledged;
//!   or the readings drift from the citizen's own baseline (a relative rule of the plan found
//!   them yellow or red); or a dispatch is open; or a call-back is due.
//! * **Stable**: none of these.
//!
//! Every reason that applies is kept, so the handover says why, not only what.

use crate::alarm::AlarmPriority;
use crate::citizen::CitizenId;
use crate::ecm::EcmLevel;
use crate::news2::Risk;
use crate::time_util::Timestamp;
use serde::{Deserialize, Serialize};

pub mod notes;
pub use notes::{
    Contingency, HandoverNote, HandoverProblem, HandoverSignoff, Judgement, ShiftSpan, Signature,
    SignoffState, nurse_severity, standing_contingency,
};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum IllnessSeverity {
    Stable,
    Watcher,
    Unstable,
}

impl IllnessSeverity {
    pub const fn code(self) -> &'static str {
        match self {
            IllnessSeverity::Stable => "stable",
            IllnessSeverity::Watcher => "watcher",
            IllnessSeverity::Unstable => "unstable",
        }
    }

    pub fn from_code(code: &str) -> Option<IllnessSeverity> {
        [
            IllnessSeverity::Stable,
            IllnessSeverity::Watcher,
            IllnessSeverity::Unstable,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// Why a citizen is a watcher or unstable: one line of the rule each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum SeverityReason {
    /// The level (the higher of confirmed and suggested) is this.
    Level {
        level: EcmLevel,
    },
    /// The level rose during the shift.
    LevelRose {
        from: EcmLevel,
        to: EcmLevel,
    },
    /// The newest NEWS2 and its risk.
    News2 {
        total: u8,
        risk: Risk,
    },
    /// An unacknowledged alarm of this priority (the highest one).
    OpenAlarm {
        priority: AlarmPriority,
    },
    /// A relative rule of the plan finds the readings off the citizen's own baseline.
    BaselineDrift,
    OpenDispatch,
    CallBackDue,
}

impl SeverityReason {
    /// What the reason makes the citizen, on its own.
    pub fn severity(self) -> IllnessSeverity {
        match self {
            SeverityReason::Level { level } if level.get() >= 4 => IllnessSeverity::Unstable,
            SeverityReason::Level { level } if level.get() == 3 => IllnessSeverity::Watcher,
            SeverityReason::Level { .. } => IllnessSeverity::Stable,
            SeverityReason::News2 {
                risk: Risk::High, ..
            } => IllnessSeverity::Unstable,
            SeverityReason::News2 {
                risk: Risk::Medium | Risk::LowMedium,
                ..
            } => IllnessSeverity::Watcher,
            SeverityReason::News2 { .. } => IllnessSeverity::Stable,
            SeverityReason::OpenAlarm {
                priority: AlarmPriority::High,
            } => IllnessSeverity::Unstable,
            SeverityReason::OpenAlarm {
                priority: AlarmPriority::Medium,
            } => IllnessSeverity::Watcher,
            SeverityReason::OpenAlarm { .. } => IllnessSeverity::Stable,
            SeverityReason::LevelRose { .. }
            | SeverityReason::BaselineDrift
            | SeverityReason::OpenDispatch
            | SeverityReason::CallBackDue => IllnessSeverity::Watcher,
        }
    }
}

/// What the rule reads of one citizen at the end of the shift.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SeverityFacts {
    pub confirmed: Option<EcmLevel>,
    pub suggested: Option<EcmLevel>,
    /// The higher of the two levels when the shift began.
    pub level_at_start: Option<EcmLevel>,
    pub news2: Option<(u8, Risk)>,
    /// The highest priority among the unacknowledged alarms.
    pub top_open_alarm: Option<AlarmPriority>,
    pub baseline_drift: bool,
    pub open_dispatch: bool,
    pub call_back_due: bool,
}

impl SeverityFacts {
    /// The higher of the confirmed and the suggested level.
    pub fn level(&self) -> Option<EcmLevel> {
        self.confirmed.max(self.suggested)
    }
}

/// The severity by the rule, with every reason that raised it above stable.
pub fn illness_severity(facts: &SeverityFacts) -> (IllnessSeverity, Vec<SeverityReason>) {
    let mut reasons = Vec::new();
    if let Some(level) = facts.level() {
        reasons.push(SeverityReason::Level { level });
        if let Some(from) = facts.level_at_start.filter(|from| *from < level) {
            reasons.push(SeverityReason::LevelRose { from, to: level });
        }
    }
    if let Some((total, risk)) = facts.news2 {
        reasons.push(SeverityReason::News2 { total, risk });
    }
    if let Some(priority) = facts.top_open_alarm {
        reasons.push(SeverityReason::OpenAlarm { priority });
    }
    for (applies, reason) in [
        (facts.baseline_drift, SeverityReason::BaselineDrift),
        (facts.open_dispatch, SeverityReason::OpenDispatch),
        (facts.call_back_due, SeverityReason::CallBackDue),
    ] {
        if applies {
            reasons.push(reason);
        }
    }
    reasons.retain(|r| r.severity() > IllnessSeverity::Stable);
    let severity = reasons
        .iter()
        .map(|r| r.severity())
        .max()
        .unwrap_or(IllnessSeverity::Stable);
    (severity, reasons)
}

/// The clinic's shifts on Copenhagen's clock: day 07-15, evening 15-23, night 23-07.
pub const SHIFT_STARTS: [u8; 3] = [7, 15, 23];

/// The shift `now` falls in, as `(start, end)`: its start on Copenhagen's clock (the offset
/// of that instant, so a night across a clock change is 7 or 9 hours long, as worked).
pub fn shift_around(now: Timestamp) -> Option<(Timestamp, Timestamp)> {
    const HOUR: i64 = crate::time_util::MILLIS_PER_HOUR;
    let start = shift_start(now)?;
    // The next shift's start: 8 hours on, give or take the clock change inside it.
    let end = [7, 8, 9]
        .into_iter()
        .map(|h| start.plus_millis(h * HOUR))
        .find(|at| shift_start(*at) == Some(*at))?;
    Some((start, end))
}

/// How long into a shift the handover shown by default is still the one of the shift that
/// just ended: the receiving nurse reads it when she comes on.
pub const HANDOVER_GRACE_MS: i64 = crate::time_util::MILLIS_PER_HOUR;

/// The shift whose handover is shown when none is asked for: the one `now` falls in, except in
/// its first hour, when it is the one that just ended (its receiver is reading it).
pub fn handover_shift(now: Timestamp) -> Option<(Timestamp, Timestamp)> {
    let (start, end) = shift_around(now)?;
    if now.millis() - start.millis() < HANDOVER_GRACE_MS {
        return shift_around(start.plus_millis(-1));
    }
    Some((start, end))
}

/// The start of the shift `now` falls in.
fn shift_start(now: Timestamp) -> Option<Timestamp> {
    const MINUTE: i64 = 60_000;
    let local = now.copenhagen()?;
    let hour = local.hour;
    let start_hour = SHIFT_STARTS
        .into_iter()
        .rev()
        .find(|h| *h <= hour)
        .unwrap_or(23);
    let hours_in = (i64::from(hour) - i64::from(start_hour)).rem_euclid(24);
    let into = hours_in * 60 + i64::from(local.minute);
    // Whole minutes: the shift starts on the minute.
    let on_minute = Timestamp::from_millis(now.millis().div_euclid(MINUTE) * MINUTE);
    let guess = on_minute.plus_millis(-into * MINUTE);
    // Across a clock change the local hours passed are not the real ones: one hour either way.
    [0, -1, 1]
        .into_iter()
        .map(|h| guess.plus_millis(h * crate::time_util::MILLIS_PER_HOUR))
        .find(|at| {
            at.copenhagen()
                .is_some_and(|l| l.hour == start_hour && l.minute == 0)
                && *at <= now
        })
}

/// One item of the action list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HandoverAction {
    /// A MAS dispatch not completed or cancelled: its nurse (owner) and when it was asked for.
    OpenDispatch {
        key: String,
        owner: Option<String>,
        at: Timestamp,
        state: crate::dispatch::DispatchState,
    },
    /// A call-back promised and due: the nurse who promised it, and when it was due.
    CallBackDue {
        alarm_id: String,
        owner: Option<String>,
        at: Timestamp,
    },
    /// Alarms of one kind and priority nobody acknowledged (one per parameter missed, say):
    /// the oldest's id and when it was raised, how many; whose (nobody yet: the shift's).
    UnacknowledgedAlarm {
        alarm_id: String,
        alarm: crate::alarm::AlarmKind,
        priority: AlarmPriority,
        count: usize,
        owner: Option<String>,
        at: Timestamp,
    },
}

impl HandoverAction {
    pub fn at(&self) -> Timestamp {
        match self {
            HandoverAction::OpenDispatch { at, .. }
            | HandoverAction::CallBackDue { at, .. }
            | HandoverAction::UnacknowledgedAlarm { at, .. } => *at,
        }
    }
}

/// Who comes first in the handover: citizens at ECM3 or above and everyone with an open item,
/// then by severity, level and the oldest open item; then by name and id, so every station
/// orders alike.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HandoverRank {
    first: std::cmp::Reverse<bool>,
    severity: std::cmp::Reverse<IllnessSeverity>,
    level: std::cmp::Reverse<Option<EcmLevel>>,
    oldest_action: Option<Timestamp>,
    name: String,
    id: CitizenId,
}

impl HandoverRank {
    pub fn new(
        id: &CitizenId,
        name: &str,
        severity: IllnessSeverity,
        level: Option<EcmLevel>,
        actions: &[HandoverAction],
        carried_over: bool,
    ) -> HandoverRank {
        // Not signed for at the last handover is an open item too.
        let first = level.is_some_and(|l| l.get() >= 3) || !actions.is_empty() || carried_over;
        HandoverRank {
            first: std::cmp::Reverse(first),
            severity: std::cmp::Reverse(severity),
            level: std::cmp::Reverse(level),
            oldest_action: actions.iter().map(HandoverAction::at).min(),
            name: name.to_owned(),
            id: id.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(n: i64) -> Option<EcmLevel> {
        Some(EcmLevel::new(n).expect("level"))
    }

    #[test]
    fn each_line_of_the_rule_is_applied_and_named() {
        let (severity, reasons) = illness_severity(&SeverityFacts {
            confirmed: level(2),
            suggested: level(1),
            news2: Some((3, Risk::Low)),
            top_open_alarm: Some(AlarmPriority::Low),
            ..SeverityFacts::default()
        });
        assert_eq!((severity, reasons), (IllnessSeverity::Stable, vec![]));

        // The nurse confirmed ECM2, the readings say ECM4: the higher counts.
        let (severity, reasons) = illness_severity(&SeverityFacts {
            confirmed: level(2),
            suggested: level(4),
            level_at_start: level(2),
            ..SeverityFacts::default()
        });
        assert_eq!(severity, IllnessSeverity::Unstable);
        assert_eq!(
            reasons,
            vec![
                SeverityReason::Level {
                    level: EcmLevel::new(4).expect("level")
                },
                SeverityReason::LevelRose {
                    from: EcmLevel::new(2).expect("level"),
                    to: EcmLevel::new(4).expect("level")
                },
            ]
        );

        for (facts, expected) in [
            (
                SeverityFacts {
                    news2: Some((7, Risk::High)),
                    ..SeverityFacts::default()
                },
                IllnessSeverity::Unstable,
            ),
            (
                SeverityFacts {
                    news2: Some((4, Risk::LowMedium)),
                    ..SeverityFacts::default()
                },
                IllnessSeverity::Watcher,
            ),
            (
                SeverityFacts {
                    top_open_alarm: Some(AlarmPriority::High),
                    ..SeverityFacts::default()
                },
                IllnessSeverity::Unstable,
            ),
            (
                SeverityFacts {
                    top_open_alarm: Some(AlarmPriority::Medium),
                    ..SeverityFacts::default()
                },
                IllnessSeverity::Watcher,
            ),
            (
                SeverityFacts {
                    suggested: level(3),
                    ..SeverityFacts::default()
                },
                IllnessSeverity::Watcher,
            ),
            (
                SeverityFacts {
                    baseline_drift: true,
                    ..SeverityFacts::default()
                },
                IllnessSeverity::Watcher,
            ),
            (
                SeverityFacts {
                    open_dispatch: true,
                    ..SeverityFacts::default()
                },
                IllnessSeverity::Watcher,
            ),
            (
                SeverityFacts {
                    call_back_due: true,
                    ..SeverityFacts::default()
                },
                IllnessSeverity::Watcher,
            ),
            // A fall during the shift is no reason to watch.
            (
                SeverityFacts {
                    confirmed: level(2),
                    level_at_start: level(3),
                    ..SeverityFacts::default()
                },
                IllnessSeverity::Stable,
            ),
        ] {
            assert_eq!(illness_severity(&facts).0, expected, "{facts:?}");
        }
    }

    #[test]
    fn the_handover_shown_in_a_shifts_first_hour_is_the_one_that_just_ended() {
        let at = |text: &str| Timestamp::parse_rfc3339(text).expect("time");
        // 07:40 in Copenhagen (winter, UTC+1): the night's handover is being read.
        assert_eq!(
            handover_shift(at("2026-12-02T06:40:00Z")),
            Some((at("2026-12-01T22:00:00Z"), at("2026-12-02T06:00:00Z")))
        );
        // 08:00: the day's own.
        assert_eq!(
            handover_shift(at("2026-12-02T07:00:00Z")),
            Some((at("2026-12-02T06:00:00Z"), at("2026-12-02T14:00:00Z")))
        );
    }

    #[test]
    fn the_shift_is_the_clinics_on_copenhagens_clock() {
        let utc = |s: &str| Timestamp::parse_rfc3339(s).expect("time");
        // Winter (UTC+1): 10:30 local is the day shift, 07-15 local.
        assert_eq!(
            shift_around(utc("2026-12-02T09:30:00Z")),
            Some((utc("2026-12-02T06:00:00Z"), utc("2026-12-02T14:00:00Z")))
        );
        // 02:10 local on a summer night: the night shift began 23:00 local the day before.
        assert_eq!(
            shift_around(utc("2026-07-01T00:10:00Z")),
            Some((utc("2026-06-30T21:00:00Z"), utc("2026-07-01T05:00:00Z")))
        );
        // The shift's first minute is in it.
        assert_eq!(
            shift_around(utc("2026-12-02T14:00:00Z")).map(|s| s.0),
            Some(utc("2026-12-02T14:00:00Z"))
        );
        // The night the clocks go back (25 October 2026, 03:00 CEST → 02:00 CET): 9 hours.
        assert_eq!(
            shift_around(utc("2026-10-25T03:00:00Z")),
            Some((utc("2026-10-24T21:00:00Z"), utc("2026-10-25T06:00:00Z")))
        );
        // The night they go forward (29 March 2026): 7 hours.
        assert_eq!(
            shift_around(utc("2026-03-29T02:00:00Z")),
            Some((utc("2026-03-28T22:00:00Z"), utc("2026-03-29T05:00:00Z")))
        );
    }

    #[test]
    fn the_handover_puts_ecm3_and_open_items_first_then_severity() {
        let id = |s: &str| CitizenId::new(s).expect("id");
        let at = Timestamp::from_millis;
        let alarm = |minute: i64| HandoverAction::UnacknowledgedAlarm {
            alarm_id: format!("a{minute}"),
            alarm: crate::alarm::AlarmKind::MissedMeasurement,
            priority: AlarmPriority::Low,
            count: 1,
            owner: None,
            at: at(minute * 60_000),
        };
        let mut ranks = [
            HandoverRank::new(
                &id("c1"),
                "Anna",
                IllnessSeverity::Stable,
                level(1),
                &[],
                false,
            ),
            HandoverRank::new(
                &id("c2"),
                "Bent",
                IllnessSeverity::Stable,
                level(1),
                &[alarm(5)],
                false,
            ),
            HandoverRank::new(
                &id("c3"),
                "Carl",
                IllnessSeverity::Watcher,
                level(3),
                &[],
                false,
            ),
            HandoverRank::new(
                &id("c4"),
                "Dora",
                IllnessSeverity::Unstable,
                level(5),
                &[],
                false,
            ),
            HandoverRank::new(
                &id("c5"),
                "Erik",
                IllnessSeverity::Watcher,
                level(2),
                &[],
                false,
            ),
            HandoverRank::new(
                &id("c6"),
                "Finn",
                IllnessSeverity::Stable,
                level(1),
                &[alarm(2)],
                false,
            ),
            // Not signed for at the last handover: an open item, though nothing else is.
            HandoverRank::new(
                &id("c7"),
                "Gerd",
                IllnessSeverity::Stable,
                level(1),
                &[],
                true,
            ),
        ];
        ranks.sort();
        let order: Vec<&str> = ranks.iter().map(|r| r.id.as_str()).collect();
        // ECM3+ or an open item first (by severity, level, oldest item), then the rest.
        assert_eq!(order, ["c4", "c3", "c7", "c6", "c2", "c5", "c1"]);
    }
}
