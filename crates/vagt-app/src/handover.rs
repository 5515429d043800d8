//! The shift handover (I-PASS): who needs the next shift's attention, how ill each is by the
//! stated rule ([`vagt_core::handover`]), their summary, and the action list; the shift's calls
//! and visits. The state is the store's now; the calls and visits are those of the shift.
//! Nurses' notes (their severity, their contingency notes) and the receiver's sign-off are
//! records of their own that every station gets; what the previous shift's receiver did not
//! sign for is carried into this handover.

use crate::{AppError, Session};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use vagt_core::alarm::{AlarmCause, AlarmKind, AlarmPriority};
use vagt_core::call::CallRecord;
use vagt_core::handover::{
    Contingency, HandoverAction, HandoverNote, HandoverRank, HandoverSignoff, IllnessSeverity,
    Judgement, SeverityFacts, SeverityReason, ShiftSpan, Signature, SignoffState, handover_shift,
    illness_severity, nurse_severity, shift_around, standing_contingency,
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
    /// Who signed this handover as read so far.
    pub signers: Vec<String>,
    /// The shift before (the one that ended as this began) and whether its handover was
    /// signed: unsigned citizens of it are marked `carried_over` here.
    pub previous: PreviousHandover,
}

/// What became of the handover before.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct PreviousHandover {
    pub from: Timestamp,
    pub to: Timestamp,
    /// Someone signed it (if nobody did, nothing is known of what it presented).
    pub signed: bool,
    /// How many citizens it presented that nobody signed for.
    pub unsigned: usize,
}

/// A nurse's own word in the handover: her severity, or her contingency note.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct NurseWord<T> {
    pub value: T,
    pub by: String,
    pub at: Timestamp,
}

/// One citizen in the handover: illness severity, patient summary, action list.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct HandoverCitizen {
    pub citizen_id: CitizenId,
    pub name: String,
    pub diagnoses: Vec<Diagnosis>,
    pub mas_only: bool,
    /// The severity the handover goes by: the nurse's for this shift if she set one, else
    /// the rule's.
    pub severity: IllnessSeverity,
    /// What the rule says, and why, one line of the rule each (none for a stable citizen).
    pub rule_severity: IllnessSeverity,
    pub reasons: Vec<SeverityReason>,
    /// The nurse's judgement for this shift, over the rule's.
    pub nurse_severity: Option<NurseWord<IllnessSeverity>>,
    /// The "if ... then ..." note that stands.
    pub contingency: Option<NurseWord<String>>,
    /// The receiver's signature, once she signed for this citizen.
    pub signed: Option<Signature>,
    /// Presented at the previous handover and not signed for there.
    pub carried_over: bool,
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
        let span = handover_span(from, to, now)?;
        let (from, to) = (span.from, span.to);
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
        let mut notes: HashMap<CitizenId, Vec<HandoverNote>> = HashMap::new();
        for note in store.handover_notes(actor, span)? {
            notes.entry(note.citizen_id.clone()).or_default().push(note);
        }
        let signoffs = store.handover_signoffs(actor, &[to, from])?;
        drop(store);
        let this_shift = SignoffState::of(&signoffs, span);
        let (previous_span, previous) = previous_handover(&signoffs, span);
        let carried: HashSet<CitizenId> = previous.unsigned().cloned().collect();

        let mut ranked = Vec::new();
        let mut quiet = 0;
        for c in summaries {
            let mut mine = actions.remove(&c.id).unwrap_or_default();
            mine.sort_by_key(HandoverAction::at);
            let news2 = c.news2;
            let facts = SeverityFacts {
                confirmed: c.confirmed_level,
                suggested: c.suggested_level,
                level_at_start: levels.at_start.get(&c.id).copied(),
                news2: news2.as_ref().map(|n| (n.score.total, n.score.risk)),
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
            let (rule_severity, reasons) = illness_severity(&facts);
            let mine_notes = notes.remove(&c.id).unwrap_or_default();
            let nurse_severity = nurse_severity(&mine_notes, span).map(|(n, severity)| NurseWord {
                value: severity,
                by: n.written_by.clone(),
                at: n.written_at,
            });
            let contingency = standing_contingency(&mine_notes, span).map(|(n, text)| NurseWord {
                value: text.to_owned(),
                by: n.written_by.clone(),
                at: n.written_at,
            });
            let noted_in_shift = mine_notes
                .iter()
                .any(|n| in_shift(n.written_at) || n.shift == span);
            let severity = nurse_severity.as_ref().map_or(rule_severity, |w| w.value);
            let carried_over = carried.contains(&c.id);
            let signed = this_shift.signed.get(&c.id).cloned();
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
                || visits_in_shift > 0
                || noted_in_shift
                || carried_over;
            if !heard {
                quiet += 1;
                continue;
            }
            let rank = HandoverRank::new(&c.id, &c.name, severity, level, &mine, carried_over);
            ranked.push((
                rank,
                HandoverCitizen {
                    citizen_id: c.id,
                    name: c.name,
                    diagnoses: c.diagnoses,
                    mas_only: c.mas_only,
                    severity,
                    rule_severity,
                    reasons,
                    nurse_severity,
                    contingency,
                    signed,
                    carried_over,
                    confirmed_level: c.confirmed_level,
                    suggested_level: c.suggested_level,
                    level_at_start: facts.level_at_start,
                    news2,
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
            signers: this_shift.signers.into_iter().collect(),
            previous: PreviousHandover {
                from: previous_span.from,
                to: previous_span.to,
                signed: previous.any(),
                unsigned: carried.len(),
            },
        })
    }

    /// Writes a nurse's note on a citizen in the handover of a shift (default: the shift now):
    /// her severity for it, her contingency note, or both. Queued for every station, audited.
    pub fn write_handover_note(
        &self,
        actor: &Actor,
        citizen: &CitizenId,
        shift: (Option<Timestamp>, Option<Timestamp>),
        severity: Option<Judgement>,
        contingency: Option<Contingency>,
    ) -> Result<HandoverNote, AppError> {
        let now = Timestamp::now();
        let span = handover_span(shift.0, shift.1, now)?;
        let note =
            self.store()?
                .add_handover_note(actor, citizen, span, severity, contingency, now)?;
        Ok(note)
    }

    /// The receiver signs the handover of a shift as read: for the citizens named, or for
    /// every citizen it presents now. Queued for every station, audited.
    pub fn sign_handover(
        &self,
        actor: &Actor,
        shift: (Option<Timestamp>, Option<Timestamp>),
        citizens: Option<Vec<CitizenId>>,
    ) -> Result<HandoverSignoff, AppError> {
        let handover = self.handover(actor, shift.0, shift.1)?;
        let presented: Vec<CitizenId> = handover
            .citizens
            .iter()
            .map(|c| c.citizen_id.clone())
            .collect();
        let signed = citizens.unwrap_or_else(|| presented.clone());
        let span = ShiftSpan {
            from: handover.from,
            to: handover.to,
        };
        let signoff =
            self.store()?
                .sign_handover(actor, span, presented, signed, Timestamp::now())?;
        Ok(signoff)
    }
}

/// The span asked for, each end defaulting to the shift whose handover is read now (see
/// [`handover_shift`]: in a shift's first hour, the one that just ended).
fn handover_span(
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    now: Timestamp,
) -> Result<ShiftSpan, AppError> {
    let (from, to) = match (from, to) {
        (Some(from), Some(to)) => (from, to),
        (from, to) => {
            let (start, end) = handover_shift(now).ok_or_else(|| {
                AppError::invalid("bad_range", "the clock is outside the calendar")
            })?;
            (from.unwrap_or(start), to.unwrap_or(end))
        }
    };
    ShiftSpan { from, to }
        .check()
        .map_err(|_| AppError::invalid("bad_range", "the shift must end after it begins"))
}

/// The handover that ended as `span` began, and what its sign-offs left: those of every span
/// that ended then (the clinic's shift, or one a nurse chose). The span shown is the clinic's
/// shift when it ended then, else the earliest signed one, else one as long as this.
fn previous_handover(signoffs: &[HandoverSignoff], span: ShiftSpan) -> (ShiftSpan, SignoffState) {
    let state = SignoffState::ending_at(signoffs, span.from);
    let clinic = shift_around(span.from.plus_millis(-1))
        .filter(|(_, end)| *end == span.from)
        .map(|(from, to)| ShiftSpan { from, to });
    let signed = signoffs
        .iter()
        .filter(|s| s.shift.to == span.from)
        .map(|s| s.shift)
        .min();
    let shift = clinic.or(signed).unwrap_or(ShiftSpan {
        from: span.from.plus_millis(span.from.millis() - span.to.millis()),
        to: span.from,
    });
    (shift, state)
}
