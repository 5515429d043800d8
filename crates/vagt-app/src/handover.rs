//! The shift handover (I-PASS): who needs the next shift's attention, how ill each is by the
//! stated rule ([`vagt_core::handover`]), their summary, and the action list; the shift's calls
//! and visits. The state is the store's now; the calls and visits are those of the shift.

use crate::{AppError, Session};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use vagt_core::alarm::{AlarmCause, AlarmKind, AlarmPriority};
use vagt_core::call::CallRecord;
use vagt_core::handover::{
    HandoverAction, HandoverRank, IllnessSeverity, SeverityFacts, SeverityReason, illness_severity,
    shift_around,
};
use vagt_core::news2::FullSetScore;
use vagt_core::visit::VisitRecord;
use vagt_core::{CitizenId, Diagnosis, EcmLevel, Parameter, Timestamp};
use vagt_store::{Actor, AlarmFilter, LatestReading};

/// The handover of one shift.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Handover {
    pub from: Timestamp,
    pub to: Timestamp,
    pub made_at: Timestamp,
    /// The citizens the next shift must hear about, in handover order: ECM3 or above and
    /// everyone with an open item first, then by severity.
    pub citizens: Vec<HandoverCitizen>,
    /// How many others there are: stable, below ECM3, nothing open, no change, call or visit
    /// in the shift.
    pub quiet: usize,
    /// The shift's calls and MAS visits, newest first.
    pub calls: Vec<CallRecord>,
    pub visits: Vec<VisitRecord>,
}

/// One citizen in the handover: illness severity, patient summary, action list.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct HandoverCitizen {
    pub citizen_id: CitizenId,
    pub name: String,
    pub diagnoses: Vec<Diagnosis>,
    pub mas_only: bool,
    pub severity: IllnessSeverity,
    /// Why, one line of the rule each (none for a stable citizen).
    pub reasons: Vec<SeverityReason>,
    pub confirmed_level: Option<EcmLevel>,
    pub suggested_level: Option<EcmLevel>,
    /// The higher of the two when the shift began.
    pub level_at_start: Option<EcmLevel>,
    pub news2: Option<FullSetScore>,
    pub latest: BTreeMap<Parameter, LatestReading>,
    /// Oldest first.
    pub actions: Vec<HandoverAction>,
    pub calls_in_shift: usize,
    pub visits_in_shift: usize,
}

impl Session {
    /// The handover of the shift from `from` to `to` (default: the shift now, see
    /// [`shift_around`]). Every read is audited by the store.
    pub fn handover(
        &self,
        actor: &Actor,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> Result<Handover, AppError> {
        let now = Timestamp::now();
        let (from, to) = match (from, to) {
            (Some(from), Some(to)) => (from, to),
            (from, to) => {
                let (start, end) = shift_around(now).ok_or_else(|| {
                    AppError::invalid("bad_range", "the clock is outside the calendar")
                })?;
                (from.unwrap_or(start), to.unwrap_or(end))
            }
        };
        if to <= from {
            return Err(AppError::invalid(
                "bad_range",
                "the shift must end after it begins",
            ));
        }
        let mut store = self.store()?;
        let summaries = store.citizen_summaries_at(actor, now)?;
        let levels = store.shift_levels(actor, from, now)?;
        let mut actions: HashMap<CitizenId, Vec<HandoverAction>> = HashMap::new();
        for d in store.dispatches(actor, None, true)? {
            actions
                .entry(d.citizen_id.clone())
                .or_default()
                .push(HandoverAction::OpenDispatch {
                    key: d.key,
                    owner: d.assigned_to,
                    at: d.requested_at,
                    state: d.state,
                });
        }
        let mut alarms = store.alarms(AlarmFilter::Open, actor, now)?;
        alarms.sort_by(|a, b| (a.raised_at, &a.id).cmp(&(b.raised_at, &b.id)));
        for alarm in alarms {
            let mine = actions.entry(alarm.citizen_id).or_default();
            if let (AlarmKind::FollowUpDue, AlarmCause::FollowUpDue { nurse, due_at, .. }) =
                (&alarm.kind, &alarm.cause)
            {
                mine.push(HandoverAction::CallBackDue {
                    alarm_id: alarm.id,
                    owner: Some(nurse.clone()),
                    at: *due_at,
                });
                continue;
            }
            // One line per kind and priority: nine parameters missed are one thing to do.
            let same = mine.iter_mut().find_map(|a| match a {
                HandoverAction::UnacknowledgedAlarm {
                    alarm: kind,
                    priority,
                    count,
                    ..
                } if *kind == alarm.kind && *priority == alarm.priority => Some(count),
                _ => None,
            });
            match same {
                Some(count) => *count += 1,
                None => mine.push(HandoverAction::UnacknowledgedAlarm {
                    alarm_id: alarm.id,
                    alarm: alarm.kind,
                    priority: alarm.priority,
                    count: 1,
                    owner: None,
                    at: alarm.raised_at,
                }),
            }
        }
        let in_shift = |at: Timestamp| from <= at && at < to;
        let calls: Vec<CallRecord> = store
            .calls(actor, None, Some(from))?
            .into_iter()
            .filter(|c| in_shift(c.started_at))
            .collect();
        let visits: Vec<VisitRecord> = store
            .visits(actor, None, Some(from))?
            .into_iter()
            .filter(|v| in_shift(v.arrived_at))
            .collect();
        drop(store);

        let mut ranked = Vec::new();
        let mut quiet = 0;
        for c in summaries {
            let mut mine = actions.remove(&c.id).unwrap_or_default();
            mine.sort_by_key(HandoverAction::at);
            let facts = SeverityFacts {
                confirmed: c.confirmed_level,
                suggested: c.suggested_level,
                level_at_start: levels.at_start.get(&c.id).copied(),
                news2: c.news2.as_ref().map(|n| (n.score.total, n.score.risk)),
                top_open_alarm: mine
                    .iter()
                    .filter_map(|a| match a {
                        HandoverAction::UnacknowledgedAlarm { priority, .. } => Some(*priority),
                        HandoverAction::CallBackDue { .. } => Some(AlarmPriority::Medium),
                        HandoverAction::OpenDispatch { .. } => None,
                    })
                    .max(),
                baseline_drift: levels.drifting.contains(&c.id),
                open_dispatch: mine
                    .iter()
                    .any(|a| matches!(a, HandoverAction::OpenDispatch { .. })),
                call_back_due: mine
                    .iter()
                    .any(|a| matches!(a, HandoverAction::CallBackDue { .. })),
            };
            let (severity, reasons) = illness_severity(&facts);
            let level = facts.level();
            let calls_in_shift = calls
                .iter()
                .filter(|call| call.citizen_id.as_ref() == Some(&c.id))
                .count();
            let visits_in_shift = visits.iter().filter(|v| v.citizen_id == c.id).count();
            let changed = level != facts.level_at_start;
            let heard = severity > IllnessSeverity::Stable
                || level.is_some_and(|l| l.get() >= 3)
                || !mine.is_empty()
                || changed
                || calls_in_shift > 0
                || visits_in_shift > 0;
            if !heard {
                quiet += 1;
                continue;
            }
            let rank = HandoverRank::new(&c.id, &c.name, severity, level, &mine);
            ranked.push((
                rank,
                HandoverCitizen {
                    citizen_id: c.id,
                    name: c.name,
                    diagnoses: c.diagnoses,
                    mas_only: c.mas_only,
                    severity,
                    reasons,
                    confirmed_level: c.confirmed_level,
                    suggested_level: c.suggested_level,
                    level_at_start: facts.level_at_start,
                    news2: c.news2,
                    latest: c.latest,
                    actions: mine,
                    calls_in_shift,
                    visits_in_shift,
                },
            ));
        }
        ranked.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Handover {
            from,
            to,
            made_at: now,
            citizens: ranked.into_iter().map(|(_, c)| c).collect(),
            quiet,
            calls,
            visits,
        })
    }
}
