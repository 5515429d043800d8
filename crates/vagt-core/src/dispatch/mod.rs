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
use crate::ecm::EcmLevel;
use crate::reading::CLOCK_SKEW_TOLERANCE_MS;
use crate::time_util::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The code of a dispatch Task in Vagt's code system.
pub const DISPATCH_CODE: &str = "mas-dispatch";

/// The longest free text kept in a dispatch (a reason, a note).
pub const MAX_DISPATCH_TEXT_CHARS: usize = 2_000;

/// Where a dispatch is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum DispatchState {
    Requested,
    EnRoute,
    Arrived,
    Completed,
    Cancelled,
}

impl DispatchState {
    pub const ALL: [DispatchState; 5] = [
        DispatchState::Requested,
        DispatchState::EnRoute,
        DispatchState::Arrived,
        DispatchState::Completed,
        DispatchState::Cancelled,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            DispatchState::Requested => "requested",
            DispatchState::EnRoute => "en_route",
            DispatchState::Arrived => "arrived",
            DispatchState::Completed => "completed",
            DispatchState::Cancelled => "cancelled",
        }
    }

    /// Still wanting something of the MAS nurse: on the dispatch board.
    pub const fn is_open(self) -> bool {
        !matches!(self, DispatchState::Completed | DispatchState::Cancelled)
    }

    /// Whether a nurse may move a dispatch from `self` to `to`. Forward only (a step skipped is
    /// fine: the nurse may report arrival without having said she left), and cancelling is
    /// possible until the visit is completed.
    pub fn can_become(self, to: DispatchState) -> bool {
        use DispatchState::{Arrived, Cancelled, Completed, EnRoute, Requested};
        matches!(
            (self, to),
            (Requested, EnRoute | Arrived | Cancelled)
                | (EnRoute, Arrived | Cancelled)
                | (Arrived, Completed | Cancelled)
        )
    }
}

impl std::str::FromStr for DispatchState {
    type Err = String;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        DispatchState::ALL
            .into_iter()
            .find(|s| s.code() == code || s.code().replace('_', "-") == code)
            .ok_or_else(|| format!("unknown dispatch state {code:?}"))
    }
}

/// How soon the MAS nurse must be there.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum DispatchUrgency {
    /// Now: drop what she is doing.
    Immediate,
    /// Within the hour.
    Urgent,
    /// Planned for later in the shift.
    Planned,
}

impl DispatchUrgency {
    pub const ALL: [DispatchUrgency; 3] = [
        DispatchUrgency::Immediate,
        DispatchUrgency::Urgent,
        DispatchUrgency::Planned,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            DispatchUrgency::Immediate => "immediate",
            DispatchUrgency::Urgent => "urgent",
            DispatchUrgency::Planned => "planned",
        }
    }
}

impl std::str::FromStr for DispatchUrgency {
    type Err = String;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        DispatchUrgency::ALL
            .into_iter()
            .find(|u| u.code() == code)
            .ok_or_else(|| format!("unknown urgency {code:?}"))
    }
}

/// Where the citizen is when the visit ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum VisitOutcome {
    /// Stays at home, with a plan.
    StaysHome,
    /// Admitted to a municipal acute bed (ECM5).
    MunicipalAcuteBed,
    /// Admitted to hospital (ECM6).
    HospitalAdmission,
}

impl VisitOutcome {
    pub const ALL: [VisitOutcome; 3] = [
        VisitOutcome::StaysHome,
        VisitOutcome::MunicipalAcuteBed,
        VisitOutcome::HospitalAdmission,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            VisitOutcome::StaysHome => "stays_home",
            VisitOutcome::MunicipalAcuteBed => "municipal_acute_bed",
            VisitOutcome::HospitalAdmission => "hospital_admission",
        }
    }

    /// The confirmed ECM level the outcome sets, if it sets one: the admissions are the top of
    /// the ladder (domain: ECM5 municipal acute bed, ECM6 hospital).
    pub fn sets_level(self) -> Option<EcmLevel> {
        match self {
            VisitOutcome::StaysHome => None,
            VisitOutcome::MunicipalAcuteBed => EcmLevel::new(5).ok(),
            VisitOutcome::HospitalAdmission => EcmLevel::new(6).ok(),
        }
    }
}

impl std::str::FromStr for VisitOutcome {
    type Err = String;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        VisitOutcome::ALL
            .into_iter()
            .find(|o| o.code() == code)
            .ok_or_else(|| format!("unknown outcome {code:?}"))
    }
}

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

/// The value a step gives `field`, if it sets it (as its code).
fn value_of(step: &DispatchStep, field: DispatchField) -> Option<String> {
    match (&step.change, field) {
        (DispatchChange::Requested { .. }, DispatchField::State) => {
            Some(DispatchState::Requested.code().to_owned())
        }
        (DispatchChange::Requested { assigned_to, .. }, DispatchField::AssignedTo)
        | (DispatchChange::Assigned { nurse: assigned_to }, DispatchField::AssignedTo) => {
            Some(assigned_to.clone().unwrap_or_default())
        }
        (DispatchChange::Requested { urgency, .. }, DispatchField::Urgency)
        | (DispatchChange::Urgency { urgency }, DispatchField::Urgency) => {
            Some(urgency.code().to_owned())
        }
        (DispatchChange::State { to, .. }, DispatchField::State) => Some(to.code().to_owned()),
        _ => None,
    }
}

/// The last writers of `field` (steps that set it and that no other step setting it was made
/// on); a conflict when they disagree.
fn field_conflict(
    order: &[&DispatchStep],
    ancestors: &HashMap<&str, BTreeSet<&str>>,
    field: DispatchField,
) -> Option<DispatchConflict> {
    let writers: Vec<&DispatchStep> = order
        .iter()
        .copied()
        .filter(|s| value_of(s, field).is_some())
        .collect();
    let last: Vec<&DispatchStep> = writers
        .iter()
        .copied()
        .filter(|w| {
            !writers.iter().any(|other| {
                ancestors
                    .get(other.key.as_str())
                    .is_some_and(|a| a.contains(w.key.as_str()))
            })
        })
        .collect();
    let values: BTreeSet<String> = last.iter().filter_map(|s| value_of(s, field)).collect();
    if values.len() < 2 {
        return None;
    }
    Some(DispatchConflict {
        field,
        versions: last
            .iter()
            .map(|s| ConflictVersion {
                step: s.key.clone(),
                value: value_of(s, field).unwrap_or_default(),
                by: s.by.clone(),
                at: s.at,
            })
            .collect(),
    })
}

/// The steps no other step was made on, sorted.
fn heads(steps: &[DispatchStep]) -> Vec<String> {
    let based: BTreeSet<&str> = steps
        .iter()
        .flat_map(|s| s.bases.iter().map(String::as_str))
        .collect();
    let mut out: Vec<String> = steps
        .iter()
        .filter(|s| !based.contains(s.key.as_str()))
        .map(|s| s.key.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Every step's ancestors (the steps it was made on, transitively). A base that names no
/// known step is passed over; a cycle (only a forged record has one) ends the walk.
fn ancestor_sets(steps: &[DispatchStep]) -> HashMap<&str, BTreeSet<&str>> {
    let by_key: HashMap<&str, &DispatchStep> = steps.iter().map(|s| (s.key.as_str(), s)).collect();
    let mut out = HashMap::new();
    for step in steps {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut stack: Vec<&str> = step.bases.iter().map(String::as_str).collect();
        while let Some(key) = stack.pop() {
            if key == step.key || !seen.insert(key) {
                continue;
            }
            if let Some(base) = by_key.get(key) {
                stack.extend(base.bases.iter().map(String::as_str));
            }
        }
        out.insert(step.key.as_str(), seen);
    }
    out
}

/// The steps in an order that respects `bases` (a step after those it was made on), ties by
/// time then key, so every station applies the same steps in the same order.
fn causal_order(steps: &[DispatchStep]) -> Vec<&DispatchStep> {
    let known: BTreeSet<&str> = steps.iter().map(|s| s.key.as_str()).collect();
    let mut waiting: HashMap<&str, usize> = HashMap::new();
    let mut children: HashMap<&str, Vec<&DispatchStep>> = HashMap::new();
    for step in steps {
        let bases: BTreeSet<&str> = step
            .bases
            .iter()
            .map(String::as_str)
            .filter(|b| known.contains(b) && *b != step.key)
            .collect();
        waiting.insert(step.key.as_str(), bases.len());
        for base in bases {
            children.entry(base).or_default().push(step);
        }
    }
    let mut ready: BTreeSet<(Timestamp, &str)> = steps
        .iter()
        .filter(|s| waiting.get(s.key.as_str()) == Some(&0))
        .map(|s| (s.at, s.key.as_str()))
        .collect();
    let by_key: HashMap<&str, &DispatchStep> = steps.iter().map(|s| (s.key.as_str(), s)).collect();
    let mut out: Vec<&DispatchStep> = Vec::with_capacity(steps.len());
    let mut done: BTreeSet<&str> = BTreeSet::new();
    while let Some(next) = ready.pop_first() {
        let key = next.1;
        if !done.insert(key) {
            continue;
        }
        if let Some(step) = by_key.get(key) {
            out.push(step);
        }
        for child in children.get(key).into_iter().flatten() {
            if let Some(n) = waiting.get_mut(child.key.as_str()) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    ready.insert((child.at, child.key.as_str()));
                }
            }
        }
    }
    // Steps caught in a cycle (a forged record) come last, by time, rather than vanish.
    let mut rest: Vec<&DispatchStep> = steps
        .iter()
        .filter(|s| !done.contains(s.key.as_str()))
        .collect();
    rest.sort_by(|a, b| (a.at, &a.key).cmp(&(b.at, &b.key)));
    rest.dedup_by(|a, b| a.key == b.key);
    out.extend(rest);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
