//! How a dispatch follows from its steps whatever order they arrive in: the steps in causal
//! order, each step's ancestors, the newest steps, and the fields two steps set without seeing
//! each other.

use super::{
    ConflictVersion, DispatchChange, DispatchConflict, DispatchField, DispatchState, DispatchStep,
};
use crate::time_util::Timestamp;
use std::collections::{BTreeSet, HashMap};

/// The value a step gives `field`, if it sets it (as its code).
pub(super) fn value_of(step: &DispatchStep, field: DispatchField) -> Option<String> {
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
pub(super) fn field_conflict(
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
pub(super) fn heads(steps: &[DispatchStep]) -> Vec<String> {
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
pub(super) fn ancestor_sets(steps: &[DispatchStep]) -> HashMap<&str, BTreeSet<&str>> {
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
pub(super) fn causal_order(steps: &[DispatchStep]) -> Vec<&DispatchStep> {
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
