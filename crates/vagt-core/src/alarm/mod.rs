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
    AlarmKind, AlarmPriority, AlarmState, LevelDecision, RejectedInput, VAGT_CODE_SYSTEM, alarm_id,
};
pub use rules::{
    AlarmInputs, decision_alarm, level_change_priority, missed_measurement_alarms,
    rejected_reading_alarm, required_alarms, suggested_change_alarm, suggestion_differs_alarm,
};
