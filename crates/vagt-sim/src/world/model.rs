//! What the simulated world holds: the store, its clock, the citizens and, for each stored
//! resource the simulator wrote or took, what it knows that resource says (the oracle a test
//! compares a client with). Its own module so that every job on the world (loading,
//! advancing, taking pushes, the snapshot) shares one definition and none of them owns it.

use crate::fhir::CodeStyle;
use crate::readings::ServerValue;
use crate::store::{Store, push_gently, room_for_one_gently};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;
use vagt_core::{CareEventKind, Citizen, CitizenId, Parameter, Timestamp};

/// The server's "now": the cohort's end plus the real time since the server started.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SimClock {
    end: Timestamp,
    started: Instant,
}

impl SimClock {
    pub fn now(&self) -> Timestamp {
        let elapsed = i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX);
        self.end.plus_millis(elapsed)
    }
}

/// A cohort citizen as the server holds them: their Patient, how their readings are coded.
#[derive(Debug)]
pub(super) struct SimCitizen {
    pub(super) citizen: Citizen,
    /// Shared with what the oracle knows of each of their resources.
    pub(super) patient_id: Arc<str>,
    pub(super) style: CodeStyle,
    /// The latest good value and unit of each parameter: new readings vary around it.
    pub(super) last: BTreeMap<Parameter, (f64, String)>,
    /// Enrolled but never measuring: no new reading is drawn for them.
    pub(super) silent: bool,
}

/// What the simulator knows an Observation says (the oracle a test compares a client with).
/// A region's cohort holds tens of millions: boxed slices and shared text, not vectors and
/// strings of their own.
#[derive(Debug, Clone)]
pub(super) struct ObservationInfo {
    pub(super) citizen: Option<usize>,
    pub(super) patient_id: Option<Arc<str>>,
    pub(super) style: CodeStyle,
    pub(super) status: Box<str>,
    pub(super) effective_at: Option<Timestamp>,
    pub(super) values: Box<[ServerValue]>,
    pub(super) bad: bool,
    pub(super) pushed: bool,
}

/// What the simulator knows a QuestionnaireResponse says.
#[derive(Debug, Clone)]
pub(super) struct ResponseInfo {
    pub(super) citizen: usize,
    pub(super) patient_id: Arc<str>,
    /// The form's canonical: the simulator writes only forms it knows.
    pub(super) questionnaire: &'static str,
    /// What the form scores; `None` for a form Vagt does not know.
    pub(super) parameter: Option<Parameter>,
    pub(super) status: Box<str>,
    pub(super) authored: Timestamp,
    /// `(linkId, value)`, the link ids the form's own.
    pub(super) answers: Box<[(&'static str, i64)]>,
    pub(super) bad: bool,
}

impl ResponseInfo {
    pub(super) fn finished(&self) -> bool {
        matches!(&*self.status, "completed" | "amended")
    }

    pub(super) fn total(&self) -> i64 {
        self.answers.iter().map(|(_, value)| value).sum()
    }
}

/// What the simulator knows an Encounter says.
#[derive(Debug, Clone)]
pub(super) struct EncounterInfo {
    pub(super) citizen: Option<usize>,
    pub(super) patient_id: Option<String>,
    pub(super) status: String,
    /// `Encounter.class`: (system, code).
    pub(super) class: (String, String),
    pub(super) start: Option<Timestamp>,
    pub(super) end: Option<Timestamp>,
    /// The care events this version gives.
    pub(super) events: Vec<(CareEventKind, Timestamp)>,
    pub(super) bad: bool,
    pub(super) pushed: bool,
}

/// What the simulator knows of each of a kind of record, by store record index. Records are
/// numbered in creation order and an entry is almost always added for the newest, so a vector
/// kept in index order (searched by halves) holds the entries in their own room: a region's
/// tens of millions in a `BTreeMap` took twice that, its nodes half full.
#[derive(Debug)]
pub(super) struct ByRecord<T> {
    entries: Vec<(usize, T)>,
}

impl<T> Default for ByRecord<T> {
    fn default() -> Self {
        ByRecord {
            entries: Vec::new(),
        }
    }
}

impl<T> ByRecord<T> {
    pub(super) fn get(&self, index: &usize) -> Option<&T> {
        let at = self.entries.binary_search_by_key(index, |(i, _)| *i).ok()?;
        self.entries.get(at).map(|(_, entry)| entry)
    }

    /// Adds or replaces the entry of record `index`.
    pub(super) fn insert(&mut self, index: usize, entry: T) {
        match self.entries.last() {
            Some((last, _)) if *last >= index => {
                match self.entries.binary_search_by_key(&index, |(i, _)| *i) {
                    Ok(at) => self.entries[at].1 = entry,
                    Err(at) => {
                        room_for_one_gently(&mut self.entries);
                        self.entries.insert(at, (index, entry));
                    }
                }
            }
            _ => push_gently(&mut self.entries, (index, entry)),
        }
    }

    /// Room for `more` entries, when a load knows how many are coming.
    pub(super) fn reserve(&mut self, more: usize) {
        self.entries.reserve_exact(more);
    }

    /// The entries in record index order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (usize, &T)> {
        self.entries.iter().map(|(index, entry)| (*index, entry))
    }
}

/// The simulated backend's data: the versioned store, and what the simulator knows each
/// resource it holds says.
#[derive(Debug)]
pub(crate) struct World {
    pub store: Store,
    pub clock: SimClock,
    pub(super) citizens: Vec<SimCitizen>,
    pub(super) by_cpr: HashMap<CitizenId, usize>,
    pub(super) by_patient: HashMap<String, usize>,
    /// By store record index.
    pub(super) observations: ByRecord<ObservationInfo>,
    /// Record indexes of generated (not pushed) Observations, in creation order.
    pub(super) generated: Vec<usize>,
    /// By store record index.
    pub(super) responses: ByRecord<ResponseInfo>,
    /// Record indexes of QuestionnaireResponses, in creation order.
    pub(super) generated_responses: Vec<usize>,
    /// By store record index: generated and pushed Encounters.
    pub(super) encounters: ByRecord<EncounterInfo>,
    pub(super) seed: u64,
    pub(super) advances: u64,
}

impl World {
    /// A world with nothing in it yet, its clock starting now at `end` (see `load`).
    pub(super) fn empty(seed: u64, end: Timestamp) -> World {
        World {
            store: Store::default(),
            clock: SimClock {
                end,
                started: Instant::now(),
            },
            citizens: Vec::new(),
            by_cpr: HashMap::new(),
            by_patient: HashMap::new(),
            observations: ByRecord::default(),
            generated: Vec::new(),
            responses: ByRecord::default(),
            generated_responses: Vec::new(),
            encounters: ByRecord::default(),
            seed,
            advances: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ByRecord;

    #[test]
    fn entries_by_record_are_found_replaced_and_kept_in_index_order() {
        let mut by_record = ByRecord::default();
        for index in [2, 5, 9] {
            by_record.insert(index, index * 10);
        }
        // A record older than the newest (a client's transaction notes its entries in any
        // order) and a new version of one already known.
        by_record.insert(7, 70);
        by_record.insert(5, 51);
        assert_eq!(
            by_record.iter().collect::<Vec<_>>(),
            [(2, &20), (5, &51), (7, &70), (9, &90)]
        );
        assert_eq!(by_record.get(&7), Some(&70));
        assert_eq!(by_record.get(&3), None);
    }
}
