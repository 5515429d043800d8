//! Alarm rules: which alarms must exist for a citizen, given what the data says (readings,
//! events, nurses' decisions, enrolment); plus escalation and per-nurse snooze.
//!
//! Pure, and a function of data every station holds alike once synced: the store calls
//! [`required_alarms`] and inserts every returned alarm whose id it does not have yet, and
//! closes the open ones no longer returned (a missed measurement whose reading came, a change the
//! data no longer shows, a change older than the horizon). Ids are derived from the cause only
//! ([`alarm_id`]), so two stations that synced the same data hold the same alarms, whenever each
//! started and however often each evaluated.
//!
//! # Rules
//!
//! | kind | when | id from |
//! |---|---|---|
//! | `level_rise` / `level_fall` (suggested) | a change of the suggested level within the horizon ([`change_horizon_ms`]), found by replaying the data ([`crate::ecm_engine::Timeline::transitions_between`]) | citizen, kind, source, from, to, the data instant of the change |
//! | `level_rise` / `level_fall` (confirmed) | a nurse's [`LevelDecision`] within the horizon changes the confirmed level | citizen, kind, from, to, decision key |
//! | `missed_measurement` | a scheduled parameter's last reading (or the start of monitoring, if later) + interval (the due time) + grace has passed | citizen, parameter, due time, priority |
//! | `rejected_reading` | an input was rejected (e.g. implausible value) and is still open | citizen, input fingerprint |
//! | `plan_conflict` | the citizen's plan has two or more newest revisions (made from the same one at two stations) | citizen, the revisions' keys |
//! | `dispatch_conflict` | two stations set a field of one of the citizen's MAS dispatches differently, and no nurse has settled it | citizen, the dispatch, the conflicting steps |
//! | `follow_up_due` | a call-back a nurse promised in a call is due, and no later call to or from the citizen was logged | citizen, the call |
//!
//! A suggestion that differs from the confirmed level is no alarm of its own: it is the change
//! it came from, and the worklist shows the level unconfirmed until a nurse decides.
//!
//! Missed measurements: only the most recent missed due time per parameter is required, so a
//! citizen away for a week does not flood the station; an earlier one, and one whose reading
//! has arrived, is closed. None are raised while an acute-bed or hospital admission is in force
//! (nobody measures at home then).
//!
//! # Priorities (IEC 60601-1-8: high, immediate response; medium, prompt; low, awareness)
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
//! (admission, discharge) are treated like suggested ones. `missed_measurement` is medium when
//! the citizen's suggested or confirmed level is ECM3 or above, else low. `rejected_reading` is
//! low, and so is `plan_conflict`; `dispatch_conflict` and `follow_up_due` are medium. Low and info alarms are shown, never sounded, and never
//! escalate.
//!
//! # Ending
//!
//! An open alarm the rules no longer require is resolved, with a [`ResolvedReason`]: a
//! missed measurement when its reading comes (or a newer one takes its place), a change when it
//! leaves the horizon (or the data no longer shows it), a rejected reading, a plan conflict or
//! a dispatch conflict when a nurse decides it, a call-back when the next call is logged. An
//! acknowledged alarm stays acknowledged.
//!
//! # Escalation and snooze
//!
//! [`escalation_due`] says which re-notification step is due for an unacknowledged alarm
//! (default: high after 5 minutes, then every 5 minutes, up to 3 steps, to all stations and
//! louder each time; medium once after 30 minutes). A [`Snooze`] is one nurse's and never
//! silences the alarm for anyone else. **A high alarm cannot be snoozed past its first
//! escalation** (`raised_at` + the high rule's delay): from then on it sounds for everyone until
//! someone acknowledges it, so a snooze can never hide an escalating emergency.

pub mod escalation;
pub mod model;
pub mod rules;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

pub use escalation::{
    Audience, EscalationPolicy, EscalationRule, EscalationStep, Loudness, Snooze, escalation_due,
    is_silenced_for, next_escalation_at, snooze_cap, snooze_cap_for, snooze_ends_at,
};
pub use model::{
    ALARM_ACK_CODE, ALARM_ID_SYSTEM, Acknowledgement, Alarm, AlarmAcknowledgement, AlarmCause,
    AlarmKind, AlarmPriority, AlarmState, DispatchInConflict, FollowUp, LevelDecision, PlanHead,
    RejectedInput, ResolvedReason, VAGT_CODE_SYSTEM, alarm_id,
};
pub use rules::{
    AlarmInputs, change_horizon_ms, decision_alarm, dispatch_conflict_alarm, follow_up_alarm,
    level_change_priority, missed_measurement_alarms, next_due_at, plan_conflict_alarm,
    readings_window_ms, rejected_reading_alarm, required_alarms, suggested_change_alarm,
};
