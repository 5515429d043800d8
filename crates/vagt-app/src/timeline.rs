//! A citizen's timeline: one chronological list of what happened to them, newest first:
//! alarms raised (those a reading raised name it) and their acknowledgements, level changes
//! (suggested and confirmed, with who and why), plan revisions, calls, dispatch steps, visits
//! and care events. Each entry carries the marker the trend plot draws for it, so the two
//! read alike, and a kind to filter by.

use crate::{AppError, Session};
use serde::{Deserialize, Serialize};
use vagt_core::alarm::{AlarmCause, AlarmKind, AlarmPriority};
use vagt_core::call::CallRecord;
use vagt_core::dispatch::DispatchState;
use vagt_core::ecm_engine::LevelTrigger;
use vagt_core::limits::Triage;
use vagt_core::visit::VisitRecord;
use vagt_core::{CareEventKind, CitizenId, LevelKind, Timestamp};
use vagt_store::{Actor, AlarmFilter, LevelHistoryEntry, PlanRevisionEntry};

/// What the timeline may be filtered by.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    Alarm,
    Level,
    Plan,
    Call,
    Dispatch,
    Visit,
    CareEvent,
}

impl TimelineKind {
    pub const ALL: [TimelineKind; 7] = [
        TimelineKind::Alarm,
        TimelineKind::Level,
        TimelineKind::Plan,
        TimelineKind::Call,
        TimelineKind::Dispatch,
        TimelineKind::Visit,
        TimelineKind::CareEvent,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            TimelineKind::Alarm => "alarm",
            TimelineKind::Level => "level",
            TimelineKind::Plan => "plan",
            TimelineKind::Call => "call",
            TimelineKind::Dispatch => "dispatch",
            TimelineKind::Visit => "visit",
            TimelineKind::CareEvent => "care_event",
        }
    }
}

/// The trend plot's marker for an entry (its legend: a reading's colour, a rejected input, a
/// confirmed level, a suggested change, an event), or the timeline's own for what the plot
/// does not draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum TimelineMarker {
    ReadingYellow,
    ReadingRed,
    Rejected,
    ConfirmedLevel,
    SuggestedLevel,
    Event,
    Alarm,
    Acknowledged,
    Call,
    Plan,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "item", rename_all = "snake_case")]
pub enum TimelineItem {
    AlarmRaised {
        alarm_id: String,
        alarm: AlarmKind,
        priority: AlarmPriority,
        cause: AlarmCause,
    },
    AlarmAcknowledged {
        alarm_id: String,
        alarm: AlarmKind,
        by: String,
        comment: Option<String>,
    },
    Level {
        level: LevelHistoryEntry,
    },
    PlanRevision {
        revision: PlanRevisionEntry,
    },
    Call {
        call: Box<CallRecord>,
    },
    DispatchStep {
        dispatch_key: String,
        state: DispatchState,
        by: String,
        note: String,
    },
    Visit {
        visit: Box<VisitRecord>,
    },
    CareEvent {
        event: CareEventKind,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct TimelineEntry {
    pub at: Timestamp,
    pub kind: TimelineKind,
    pub marker: TimelineMarker,
    #[serde(flatten)]
    pub item: TimelineItem,
}

impl TimelineEntry {
    fn new(at: Timestamp, item: TimelineItem) -> TimelineEntry {
        let (kind, marker) = match &item {
            TimelineItem::AlarmRaised { cause, .. } => (TimelineKind::Alarm, alarm_marker(cause)),
            TimelineItem::AlarmAcknowledged { .. } => {
                (TimelineKind::Alarm, TimelineMarker::Acknowledged)
            }
            TimelineItem::Level { level } => (
                TimelineKind::Level,
                match level.kind {
                    LevelKind::Confirmed => TimelineMarker::ConfirmedLevel,
                    _ => TimelineMarker::SuggestedLevel,
                },
            ),
            TimelineItem::PlanRevision { .. } => (TimelineKind::Plan, TimelineMarker::Plan),
            TimelineItem::Call { .. } => (TimelineKind::Call, TimelineMarker::Call),
            TimelineItem::DispatchStep { .. } => (TimelineKind::Dispatch, TimelineMarker::Event),
            TimelineItem::Visit { .. } => (TimelineKind::Visit, TimelineMarker::Event),
            TimelineItem::CareEvent { .. } => (TimelineKind::CareEvent, TimelineMarker::Event),
        };
        TimelineEntry {
            at,
            kind,
            marker,
            item,
        }
    }
}

/// A reading that raised the alarm is drawn in its colour; a rejected one as the plot's
/// rejected input.
fn alarm_marker(cause: &AlarmCause) -> TimelineMarker {
    match cause {
        AlarmCause::SuggestedChange {
            trigger: Some(LevelTrigger::Reading { finding: Some(f) }),
            ..
        } => match f.triage {
            Triage::Red => TimelineMarker::ReadingRed,
            Triage::Yellow => TimelineMarker::ReadingYellow,
            Triage::Green => TimelineMarker::Alarm,
        },
        AlarmCause::RejectedReading { .. } => TimelineMarker::Rejected,
        _ => TimelineMarker::Alarm,
    }
}

/// Newest first; at one instant, in the kinds' order and then as gathered, so every station
/// lists alike.
fn in_order(mut entries: Vec<TimelineEntry>) -> Vec<TimelineEntry> {
    entries.sort_by(|a, b| b.at.cmp(&a.at).then(a.kind.cmp(&b.kind)));
    entries
}

impl Session {
    /// The citizen's timeline, newest first; only the kinds asked for (all when none are).
    /// Every part's read is audited by the store.
    pub fn timeline(
        &self,
        actor: &Actor,
        citizen: &CitizenId,
        kinds: &[TimelineKind],
    ) -> Result<Vec<TimelineEntry>, AppError> {
        let wanted = |k: TimelineKind| kinds.is_empty() || kinds.contains(&k);
        let now = Timestamp::now();
        let mut store = self.store()?;
        let rows = store.timeline_rows(actor, citizen)?;
        let mut entries = Vec::new();
        if wanted(TimelineKind::Alarm) {
            for alarm in store.alarms(AlarmFilter::Citizen(citizen), actor, now)? {
                if let (Some(by), Some(at)) = (&alarm.acknowledged_by, alarm.acknowledged_at) {
                    entries.push(TimelineEntry::new(
                        at,
                        TimelineItem::AlarmAcknowledged {
                            alarm_id: alarm.id.clone(),
                            alarm: alarm.kind,
                            by: by.clone(),
                            comment: alarm.ack_comment.clone(),
                        },
                    ));
                }
                entries.push(TimelineEntry::new(
                    alarm.raised_at,
                    TimelineItem::AlarmRaised {
                        alarm_id: alarm.id,
                        alarm: alarm.kind,
                        priority: alarm.priority,
                        cause: alarm.cause,
                    },
                ));
            }
        }
        if wanted(TimelineKind::Level) {
            for level in store.level_history(citizen, actor, usize::MAX)? {
                entries.push(TimelineEntry::new(
                    level.set_at,
                    TimelineItem::Level { level },
                ));
            }
        }
        if wanted(TimelineKind::Plan) {
            for revision in rows.plan_revisions {
                entries.push(TimelineEntry::new(
                    revision.changed_at,
                    TimelineItem::PlanRevision { revision },
                ));
            }
        }
        if wanted(TimelineKind::Call) {
            for call in store.calls(actor, Some(citizen), None)? {
                entries.push(TimelineEntry::new(
                    call.started_at,
                    TimelineItem::Call {
                        call: Box::new(call),
                    },
                ));
            }
        }
        if wanted(TimelineKind::Dispatch) {
            for dispatch in store.dispatches(actor, Some(citizen), false)? {
                for step in dispatch.history {
                    entries.push(TimelineEntry::new(
                        step.at,
                        TimelineItem::DispatchStep {
                            dispatch_key: dispatch.key.clone(),
                            state: step.state,
                            by: step.by,
                            note: step.note,
                        },
                    ));
                }
            }
        }
        if wanted(TimelineKind::Visit) {
            for visit in store.visits(actor, Some(citizen), None)? {
                entries.push(TimelineEntry::new(
                    visit.arrived_at,
                    TimelineItem::Visit {
                        visit: Box::new(visit),
                    },
                ));
            }
        }
        if wanted(TimelineKind::CareEvent) {
            for (at, event) in rows.care_events {
                entries.push(TimelineEntry::new(at, TimelineItem::CareEvent { event }));
            }
        }
        Ok(in_order(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_first_and_at_one_instant_by_kind() {
        let at = Timestamp::from_millis;
        let event = |ms: i64, e: CareEventKind| {
            TimelineEntry::new(at(ms), TimelineItem::CareEvent { event: e })
        };
        let plan = TimelineEntry::new(
            at(20),
            TimelineItem::PlanRevision {
                revision: PlanRevisionEntry {
                    key: "k".into(),
                    revision: 2,
                    changed_at: at(20),
                    changed_by: "n".into(),
                    reason: "r".into(),
                },
            },
        );
        let ordered = in_order(vec![
            event(10, CareEventKind::MasVisit),
            event(20, CareEventKind::Discharge),
            plan.clone(),
            event(30, CareEventKind::HospitalAdmission),
        ]);
        let seen: Vec<(i64, TimelineKind)> =
            ordered.iter().map(|e| (e.at.millis(), e.kind)).collect();
        assert_eq!(
            seen,
            [
                (30, TimelineKind::CareEvent),
                (20, TimelineKind::Plan),
                (20, TimelineKind::CareEvent),
                (10, TimelineKind::CareEvent),
            ]
        );
        assert_eq!(plan.marker, TimelineMarker::Plan);
        assert_eq!(ordered[0].marker, TimelineMarker::Event);
    }
}
