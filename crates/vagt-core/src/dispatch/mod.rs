//! A dispatch of the mobile acute (MAS) nurse to a citizen's home, from the station's request to
//! the visit's end. Unlike a call, a dispatch is edited (its state moves on, it is reassigned),
//! at the station and on the MAS laptop, often offline. So it is kept as a log of steps, each
//! naming the steps its author had seen (`bases`): two stations' edits merge by taking the union
//! of their steps, and the dispatch follows from the steps alone, so every station that holds
//! the same steps shows the same dispatch.
//!
//! Each field (state, assignee, urgency) is a register: its value is that of the step that set
//! it last. When two steps set a field without either having seen the other, and they disagree,
//! the field is **in conflict**: the dispatch shows one of the values (the later step's, so
//! every station shows the same one) and lists every version with who set it and when, until a
//! nurse settles it with a step made on all of them. Nothing is dropped: both edits stay in the
//! log.

use crate::citizen::CitizenId;
use crate::reading::CLOCK_SKEW_TOLERANCE_MS;
use crate::time_util::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The code of a dispatch Task in Vagt's code system.
pub const DISPATCH_CODE: &str = "mas-dispatch";

/// The longest free text kept in a dispatch (a reason, a note).
pub const MAX_DISPATCH_TEXT_CHARS: usize = 2_000;

mod codes;
mod merge;

pub use codes::{DispatchState, DispatchUrgency, VisitOutcome};
use merge::{ancestor_sets, causal_order, field_conflict, heads};

/// What one step changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum DispatchChange {
    /// The first step: the station asks for a visit.
    Requested {
        urgency: DispatchUrgency,
        reason: String,
        assigned_to: Option<String>,
    },
    /// The dispatch moved on; a completion says where the citizen is now.
    State {
        to: DispatchState,
        outcome: Option<VisitOutcome>,
        note: String,
    },
    /// Given to a MAS nurse (or taken back: `None`).
    Assigned { nurse: Option<String> },
    /// The urgency changed.
    Urgency { urgency: DispatchUrgency },
}

/// One edit of a dispatch, by one nurse, on the steps she had seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DispatchStep {
    /// Stable across stations (a `urn:uuid:`).
    pub key: String,
    /// The newest steps the nurse had seen when she made this one (none for the request).
    pub bases: Vec<String>,
    pub at: Timestamp,
    pub by: String,
    #[serde(flatten)]
    pub change: DispatchChange,
}

/// A dispatch as it travels: every step any station made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DispatchRecord {
    /// Stable across stations (a `urn:uuid:`); the Task's identifier on the backend.
    pub key: String,
    pub citizen_id: CitizenId,
    pub steps: Vec<DispatchStep>,
}

/// A field two steps set without seeing each other.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum DispatchField {
    State,
    AssignedTo,
    Urgency,
}

impl DispatchField {
    pub const fn code(self) -> &'static str {
        match self {
            DispatchField::State => "state",
            DispatchField::AssignedTo => "assigned_to",
            DispatchField::Urgency => "urgency",
        }
    }
}

/// One version of a field in conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ConflictVersion {
    pub step: String,
    /// The value as its code (`en_route`, a nurse's name, `urgent`; empty: nobody assigned).
    pub value: String,
    pub by: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DispatchConflict {
    pub field: DispatchField,
    /// Every version, oldest first; the last is the one shown meanwhile.
    pub versions: Vec<ConflictVersion>,
}

/// When a dispatch reached a state, and who said so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct StateEntry {
    pub state: DispatchState,
    pub at: Timestamp,
    pub by: String,
    pub note: String,
}

/// A dispatch as it stands, derived from its steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Dispatch {
    pub key: String,
    pub citizen_id: CitizenId,
    pub state: DispatchState,
    pub urgency: DispatchUrgency,
    pub reason: String,
    pub assigned_to: Option<String>,
    pub outcome: Option<VisitOutcome>,
    pub requested_at: Timestamp,
    pub requested_by: String,
    pub updated_at: Timestamp,
    /// Every state change, in the order the steps are applied.
    pub history: Vec<StateEntry>,
    /// Fields that need a nurse to settle them; empty in the usual case.
    pub conflicts: Vec<DispatchConflict>,
    /// The newest steps: a new step is made on all of them.
    pub heads: Vec<String>,
}

/// What is wrong with a dispatch or a step, field by field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum DispatchProblemCode {
    Missing,
    TooLong,
    FromTheFuture,
    /// The dispatch has no request step, or more than one.
    NoRequest,
    /// A state the dispatch cannot move to from where it is.
    NotAllowed,
    /// An outcome on a step that is not a completion, or a completion without one.
    Outcome,
    /// Two steps with one key, or a step made on itself.
    Duplicate,
}

impl DispatchProblemCode {
    pub const fn code(self) -> &'static str {
        match self {
            DispatchProblemCode::Missing => "missing",
            DispatchProblemCode::TooLong => "too_long",
            DispatchProblemCode::FromTheFuture => "from_the_future",
            DispatchProblemCode::NoRequest => "no_request",
            DispatchProblemCode::NotAllowed => "not_allowed",
            DispatchProblemCode::Outcome => "outcome",
            DispatchProblemCode::Duplicate => "duplicate",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DispatchProblem {
    /// `reason`, `steps.2.note`, `state`, ...
    pub field: String,
    pub code: DispatchProblemCode,
}

impl std::fmt::Display for DispatchProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.code.code())
    }
}

fn text_problem(field: &str, text: &str, required: bool) -> Option<DispatchProblem> {
    let code = if required && text.trim().is_empty() {
        DispatchProblemCode::Missing
    } else if text.chars().count() > MAX_DISPATCH_TEXT_CHARS {
        DispatchProblemCode::TooLong
    } else {
        return None;
    };
    Some(DispatchProblem {
        field: field.to_owned(),
        code,
    })
}

impl DispatchStep {
    /// What is wrong with the step on its own (not where it stands in the dispatch). `now` is
    /// when it is recorded or received (another station's clock may run a little ahead).
    pub fn problems(&self, prefix: &str, now: Timestamp) -> Vec<DispatchProblem> {
        let field = |name: &str| format!("{prefix}{name}");
        let mut out: Vec<DispatchProblem> = Vec::new();
        out.extend(text_problem(&field("key"), &self.key, true));
        out.extend(text_problem(&field("by"), &self.by, true));
        if self.at.millis() > now.millis() + CLOCK_SKEW_TOLERANCE_MS {
            out.push(DispatchProblem {
                field: field("at"),
                code: DispatchProblemCode::FromTheFuture,
            });
        }
        if self.bases.contains(&self.key) {
            out.push(DispatchProblem {
                field: field("bases"),
                code: DispatchProblemCode::Duplicate,
            });
        }
        match &self.change {
            DispatchChange::Requested {
                reason,
                assigned_to,
                ..
            } => {
                out.extend(text_problem(&field("reason"), reason, true));
                if let Some(nurse) = assigned_to {
                    out.extend(text_problem(&field("assigned_to"), nurse, true));
                }
            }
            DispatchChange::State { to, outcome, note } => {
                out.extend(text_problem(&field("note"), note, false));
                let completed = *to == DispatchState::Completed;
                if completed != outcome.is_some() {
                    out.push(DispatchProblem {
                        field: field("outcome"),
                        code: DispatchProblemCode::Outcome,
                    });
                }
                if *to == DispatchState::Requested {
                    out.push(DispatchProblem {
                        field: field("state"),
                        code: DispatchProblemCode::NotAllowed,
                    });
                }
            }
            DispatchChange::Assigned { nurse: Some(nurse) } => {
                out.extend(text_problem(&field("assigned_to"), nurse, true));
            }
            DispatchChange::Assigned { nurse: None } | DispatchChange::Urgency { .. } => {}
        }
        out
    }
}

impl DispatchRecord {
    /// Every problem of the record as a whole, or none: exactly one request step, unique step
    /// keys, each step sound on its own.
    pub fn problems(&self, now: Timestamp) -> Vec<DispatchProblem> {
        let mut out: Vec<DispatchProblem> = Vec::new();
        out.extend(text_problem("key", &self.key, true));
        let requests = self
            .steps
            .iter()
            .filter(|s| matches!(s.change, DispatchChange::Requested { .. }))
            .count();
        if requests != 1 {
            out.push(DispatchProblem {
                field: "steps".into(),
                code: DispatchProblemCode::NoRequest,
            });
        }
        let mut keys = BTreeSet::new();
        for (i, step) in self.steps.iter().enumerate() {
            if !keys.insert(step.key.as_str()) {
                out.push(DispatchProblem {
                    field: format!("steps.{i}.key"),
                    code: DispatchProblemCode::Duplicate,
                });
            }
            out.extend(step.problems(&format!("steps.{i}."), now));
        }
        out
    }

    /// The record with `other`'s steps added (by key): the union both stations will hold.
    /// Steps are kept in a canonical order, so the union is the same whichever side merges.
    pub fn merged(&self, other: &DispatchRecord) -> DispatchRecord {
        let mut by_key: BTreeMap<&str, &DispatchStep> = BTreeMap::new();
        for step in self.steps.iter().chain(&other.steps) {
            by_key.entry(step.key.as_str()).or_insert(step);
        }
        let mut steps: Vec<DispatchStep> = by_key.into_values().cloned().collect();
        steps.sort_by(|a, b| (a.at, &a.key).cmp(&(b.at, &b.key)));
        DispatchRecord {
            key: self.key.clone(),
            citizen_id: self.citizen_id.clone(),
            steps,
        }
    }

    /// Whether every step of `other` is already here.
    pub fn holds_all_of(&self, other: &DispatchRecord) -> bool {
        let mine: BTreeSet<&str> = self.steps.iter().map(|s| s.key.as_str()).collect();
        other.steps.iter().all(|s| mine.contains(s.key.as_str()))
    }

    /// The dispatch as it stands, or `None` for a record without a request step.
    pub fn view(&self) -> Option<Dispatch> {
        let order = causal_order(&self.steps);
        let ancestors = ancestor_sets(&self.steps);
        let request = order.iter().find_map(|s| match &s.change {
            DispatchChange::Requested {
                urgency,
                reason,
                assigned_to,
            } => Some((s, *urgency, reason.clone(), assigned_to.clone())),
            _ => None,
        })?;
        let (first, urgency, reason, assigned_to) = request;
        let mut dispatch = Dispatch {
            key: self.key.clone(),
            citizen_id: self.citizen_id.clone(),
            state: DispatchState::Requested,
            urgency,
            reason,
            assigned_to,
            outcome: None,
            requested_at: first.at,
            requested_by: first.by.clone(),
            updated_at: first.at,
            history: vec![StateEntry {
                state: DispatchState::Requested,
                at: first.at,
                by: first.by.clone(),
                note: String::new(),
            }],
            conflicts: Vec::new(),
            heads: heads(&self.steps),
        };
        for step in &order {
            dispatch.updated_at = dispatch.updated_at.max(step.at);
            match &step.change {
                DispatchChange::Requested { .. } => {}
                DispatchChange::State { to, outcome, note } => {
                    dispatch.state = *to;
                    dispatch.outcome = *outcome;
                    dispatch.history.push(StateEntry {
                        state: *to,
                        at: step.at,
                        by: step.by.clone(),
                        note: note.clone(),
                    });
                }
                DispatchChange::Assigned { nurse } => dispatch.assigned_to = nurse.clone(),
                DispatchChange::Urgency { urgency } => dispatch.urgency = *urgency,
            }
        }
        for field in [
            DispatchField::State,
            DispatchField::AssignedTo,
            DispatchField::Urgency,
        ] {
            if let Some(conflict) = field_conflict(&order, &ancestors, field) {
                dispatch.conflicts.push(conflict);
            }
        }
        Some(dispatch)
    }
}

impl Dispatch {
    /// The step a nurse's edit makes, on every newest step, or why it cannot be made. A state
    /// must follow the current one ([`DispatchState::can_become`]), except when the state is in
    /// conflict: then any of the conflicting versions may be chosen, which settles it.
    pub fn next_step(
        &self,
        key: String,
        by: &str,
        at: Timestamp,
        change: DispatchChange,
    ) -> Result<DispatchStep, Vec<DispatchProblem>> {
        let step = DispatchStep {
            key,
            bases: self.heads.clone(),
            at,
            by: by.to_owned(),
            change,
        };
        let mut problems = step.problems("", at);
        match &step.change {
            DispatchChange::Requested { .. } => problems.push(DispatchProblem {
                field: "change".into(),
                code: DispatchProblemCode::Duplicate,
            }),
            DispatchChange::State { to, .. } => {
                let settles = self.conflicts.iter().any(|c| {
                    c.field == DispatchField::State
                        && c.versions.iter().any(|v| v.value == to.code())
                });
                if !settles && !self.state.can_become(*to) {
                    problems.push(DispatchProblem {
                        field: "state".into(),
                        code: DispatchProblemCode::NotAllowed,
                    });
                }
            }
            DispatchChange::Assigned { .. } | DispatchChange::Urgency { .. } => {
                if !self.state.is_open() {
                    problems.push(DispatchProblem {
                        field: "state".into(),
                        code: DispatchProblemCode::NotAllowed,
                    });
                }
            }
        }
        if problems.is_empty() {
            Ok(step)
        } else {
            Err(problems)
        }
    }

    /// Whether a field needs a nurse to settle it.
    pub fn in_conflict(&self, field: DispatchField) -> bool {
        self.conflicts.iter().any(|c| c.field == field)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
