//! The versioned resource store: every version kept for vread, one server clock so that
//! `meta.lastUpdated` is unique and strictly increasing across the whole server, and an index
//! per resource type ordered by it (what `_lastUpdated` searches and cursor paging walk).
//!
//! A region's cohort is tens of millions of records (issue 15), so a record is kept small:
//! its text compressed (`StoredText`), its type and subject shared with every record of the
//! same, and the id index a table of record numbers rather than of copied keys.

use crate::stored_text::StoredText;
use hashbrown::HashTable;
use serde_json::{Map, Value, json};
use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::Arc;
use vagt_core::Timestamp;

#[derive(Debug, Clone)]
pub(crate) struct Version {
    pub version_id: u32,
    pub last_updated: Timestamp,
    /// The full resource, `id` and `meta` included, as its JSON text: what a page serves as
    /// it is. Text, not a `serde_json::Value`: the tree of an Observation took about 7 KB
    /// (a map of a few fields allocates room for eleven), its text about 550 B, compressed
    /// about 70.
    text: StoredText,
}

impl Version {
    pub fn new(version_id: u32, last_updated: Timestamp, resource: &Value) -> Version {
        // Any `Value` serializes; `null` stands for one that would not.
        let text = serde_json::to_string(resource).unwrap_or_else(|_| "null".to_owned());
        Version {
            version_id,
            last_updated,
            text: StoredText::new(&text),
        }
    }

    /// The resource's JSON text, as served.
    pub fn text(&self) -> Vec<u8> {
        self.text.bytes()
    }

    /// The resource as a tree, parsed from its text.
    pub fn resource(&self) -> Value {
        // The text was written from a tree, so it parses; `Null` is never served for it.
        serde_json::from_slice(&self.text()).unwrap_or(Value::Null)
    }
}

#[derive(Debug)]
pub(crate) struct Record {
    /// Shared with every record of the type.
    pub resource_type: Arc<str>,
    pub id: Box<str>,
    pub current: Version,
    /// `Patient/{id}` the current version is about (`subject`, `patient` or `for`), shared
    /// with every record about them.
    pub subject: Option<Arc<str>>,
    /// What most records lack, apart: its room would be most of a small record's.
    more: Option<Box<More>>,
}

/// Older versions and identifiers: most records have one version (a generated reading) and
/// no identifier (only Patients and what a client matches on have them).
#[derive(Debug, Default)]
struct More {
    /// Older versions, oldest first (`history[v - 1]` is version `v`).
    history: Vec<Version>,
    /// `(system, value)` of the current version's identifiers.
    identifiers: Identifiers,
}

impl Record {
    pub fn version(&self, version_id: u32) -> Option<&Version> {
        if version_id == self.current.version_id {
            return Some(&self.current);
        }
        let index = usize::try_from(version_id).ok()?.checked_sub(1)?;
        self.more.as_ref()?.history.get(index)
    }

    /// `(system, value)` of the current version's identifiers.
    pub fn identifiers(&self) -> &[(Option<Box<str>>, Box<str>)] {
        self.more.as_ref().map_or(&[], |more| &more.identifiers)
    }

    fn set_identifiers(&mut self, identifiers: Identifiers) {
        match &mut self.more {
            Some(more) => more.identifiers = identifiers,
            None if identifiers.is_empty() => {}
            None => {
                self.more = Some(Box::new(More {
                    history: Vec::new(),
                    identifiers,
                }));
            }
        }
    }
}

/// A FHIR token search value: `system|value`, `|value` (no system), `value` (any system) or
/// `system|` (any value in the system).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// `None`: any system; `Some("")`: no system.
    pub system: Option<String>,
    /// `None`: any value.
    pub value: Option<String>,
}

impl Token {
    pub fn parse(text: &str) -> Token {
        match text.split_once('|') {
            Some((system, value)) => Token {
                system: Some(system.to_owned()),
                value: (!value.is_empty()).then(|| value.to_owned()),
            },
            None => Token {
                system: None,
                value: Some(text.to_owned()),
            },
        }
    }

    pub fn matches(&self, system: Option<&str>, value: &str) -> bool {
        let system_ok = match self.system.as_deref() {
            None => true,
            Some("") => system.is_none_or(str::is_empty),
            Some(wanted) => system == Some(wanted),
        };
        system_ok && self.value.as_deref().is_none_or(|v| v == value)
    }
}

#[derive(Debug, Default)]
pub(crate) struct Store {
    records: Vec<Record>,
    /// Record numbers, found by the hash of their `(type, id)`.
    index: HashTable<u32>,
    hasher: RandomState,
    by_type: HashMap<Arc<str>, BTreeMap<i64, u32>>,
    /// Resource types and subjects, each held once. Never emptied: it grows with the
    /// distinct subjects clients write, which a test double's run keeps few.
    shared: HashSet<Arc<str>>,
    next_id: HashMap<String, u64>,
    clock: Option<i64>,
    /// Told the type of every version written, for Subscriptions (none while loading).
    announce: Option<tokio::sync::broadcast::Sender<Arc<str>>>,
}

impl Store {
    /// The next write's `lastUpdated`: `at`, or 1 ms after the previous write if that is later.
    pub fn next_instant(&mut self, at: Timestamp) -> Timestamp {
        let next = match self.clock {
            Some(last) => at.millis().max(last.saturating_add(1)),
            None => at.millis(),
        };
        self.clock = Some(next);
        Timestamp::from_millis(next)
    }

    /// From now on every version written is announced on `to` by its type.
    pub fn announce_to(&mut self, to: tokio::sync::broadcast::Sender<Arc<str>>) {
        self.announce = Some(to);
    }

    fn announce(&self, resource_type: &str) {
        if let Some(to) = &self.announce {
            // No listener is no error: nobody subscribed.
            let _ = to.send(Arc::from(resource_type));
        }
    }

    /// The latest `lastUpdated` the server has given.
    pub fn high_water(&self) -> Option<Timestamp> {
        self.clock.map(Timestamp::from_millis)
    }

    /// A fresh server id: `p-0001` for Patients, `c-0001` Conditions, `o-000001`
    /// Observations, `qr-000001` QuestionnaireResponses, `communication-1` and so on for what
    /// clients create.
    pub fn new_id(&mut self, resource_type: &str) -> String {
        let counter = self.next_id.entry(resource_type.to_owned()).or_insert(0);
        *counter += 1;
        let n = *counter;
        match resource_type {
            "Patient" => format!("p-{n:04}"),
            "Condition" => format!("c-{n:04}"),
            "Observation" => format!("o-{n:06}"),
            "QuestionnaireResponse" => format!("qr-{n:06}"),
            other => format!("{}-{n}", other.to_ascii_lowercase()),
        }
    }

    pub fn get(&self, resource_type: &str, id: &str) -> Option<&Record> {
        self.records.get(self.index_of(resource_type, id)?)
    }

    /// The record index of `resource_type/id`.
    pub fn index_of(&self, resource_type: &str, id: &str) -> Option<usize> {
        let hash = key_hash(&self.hasher, resource_type, id);
        let records = &self.records;
        let found = self.index.find(hash, |n| {
            records
                .get(*n as usize)
                .is_some_and(|r| &*r.resource_type == resource_type && &*r.id == id)
        })?;
        Some(*found as usize)
    }

    pub fn record(&self, index: usize) -> Option<&Record> {
        self.records.get(index)
    }

    /// Room for `more` records without growing (a cohort's load knows its size): a vector
    /// of tens of millions that doubles holds up to twice what it needs.
    pub fn reserve(&mut self, more: usize) {
        self.records.reserve_exact(more);
        let (records, hasher) = (&self.records, &self.hasher);
        self.index.reserve(more, |n| rehash(hasher, records, *n));
    }

    /// The one shared copy of `text`.
    fn shared(&mut self, text: &str) -> Arc<str> {
        if let Some(held) = self.shared.get(text) {
            return held.clone();
        }
        let held: Arc<str> = Arc::from(text);
        self.shared.insert(held.clone());
        held
    }

    /// Stores version 1 of `resource` (an object with `resourceType` and `id`) at the next
    /// instant from `at`. Returns its record index, or `None` if it is not such an object or
    /// the id is taken, or the store holds as many records as a record number counts.
    pub fn create(&mut self, resource: Value, at: Timestamp) -> Option<usize> {
        let resource_type = resource.get("resourceType")?.as_str()?;
        let id = resource.get("id")?.as_str()?;
        let index = self.records.len();
        let number = u32::try_from(index).ok()?;
        if self.index_of(resource_type, id).is_some() || !resource.is_object() {
            return None;
        }
        let (resource_type, id) = (self.shared(resource_type), Box::<str>::from(id));
        let hash = key_hash(&self.hasher, &resource_type, &id);
        let last_updated = self.next_instant(at);
        let (current, subject, identifiers) = stamp(resource, 1, last_updated);
        let subject = subject.map(|s| self.shared(&s));
        push_gently(
            &mut self.records,
            Record {
                resource_type: resource_type.clone(),
                id,
                current,
                subject,
                more: None,
            },
        );
        if let Some(record) = self.records.last_mut() {
            record.set_identifiers(identifiers);
        }
        let (records, hasher) = (&self.records, &self.hasher);
        self.index
            .insert_unique(hash, number, |n| rehash(hasher, records, *n));
        self.by_type
            .entry(resource_type)
            .or_default()
            .insert(last_updated.millis(), number);
        self.announce(&self.records[index].resource_type);
        Some(index)
    }

    /// Stores a new version of record `index`. Returns the new version, or `None` for an
    /// unknown index or a resource that is not an object.
    pub fn update(&mut self, index: usize, resource: Value, at: Timestamp) -> Option<&Version> {
        let number = u32::try_from(index).ok()?;
        if !resource.is_object() || index >= self.records.len() {
            return None;
        }
        let last_updated = self.next_instant(at);
        let version_id = self.records.get(index)?.current.version_id + 1;
        let (version, subject, identifiers) = stamp(resource, version_id, last_updated);
        let subject = subject.map(|s| self.shared(&s));
        let record = self.records.get_mut(index)?;
        let old = std::mem::replace(&mut record.current, version);
        if let Some(by_updated) = self.by_type.get_mut(&record.resource_type) {
            by_updated.remove(&old.last_updated.millis());
            by_updated.insert(last_updated.millis(), number);
        }
        record.more.get_or_insert_default().history.push(old);
        record.subject = subject;
        record.set_identifiers(identifiers);
        self.announce(&self.records[index].resource_type);
        self.records.get(index).map(|r| &r.current)
    }

    /// Current versions of `resource_type` with `lastUpdated` in `[low, high]` (ms), in
    /// ascending `lastUpdated` order.
    pub fn range(
        &self,
        resource_type: &str,
        low: i64,
        high: i64,
    ) -> impl DoubleEndedIterator<Item = &Record> {
        let by_updated = self.by_type.get(resource_type);
        let valid = low <= high;
        by_updated
            .filter(|_| valid)
            .into_iter()
            .flat_map(move |m| m.range(low..=high))
            .filter_map(|(_, number)| self.records.get(*number as usize))
    }

    /// Record indexes of `resource_type` with an identifier matching `token`.
    pub fn find_by_identifier(&self, resource_type: &str, token: &Token) -> Vec<usize> {
        self.by_type
            .get(resource_type)
            .into_iter()
            .flat_map(|m| m.values())
            .map(|number| *number as usize)
            .filter(|index| {
                self.records.get(*index).is_some_and(|record| {
                    record
                        .identifiers()
                        .iter()
                        .any(|(system, value)| token.matches(system.as_deref(), value))
                })
            })
            .collect()
    }
}

/// `(system, value)` of each identifier.
type Identifiers = Box<[(Option<Box<str>>, Box<str>)]>;

/// Pushes `item`, growing a vector of millions by a sixteenth rather than by doubling: a
/// region's records take gigabytes, and a live server adds a few a second to them long after
/// its load reserved room for the cohort.
pub(crate) fn push_gently<T>(items: &mut Vec<T>, item: T) {
    room_for_one_gently(items);
    items.push(item);
}

/// Room for one more item, a vector of millions grown by a sixteenth (see `push_gently`).
pub(crate) fn room_for_one_gently<T>(items: &mut Vec<T>) {
    if items.len() == items.capacity() && items.len() >= 1 << 20 {
        items.reserve_exact(items.len() / 16);
    }
}

/// The hash of a record's `(type, id)`: how the index finds its number.
fn key_hash(hasher: &RandomState, resource_type: &str, id: &str) -> u64 {
    hasher.hash_one((resource_type, id))
}

/// The hash a record number is found by: its record's `(type, id)`.
fn rehash(hasher: &RandomState, records: &[Record], number: u32) -> u64 {
    match records.get(number as usize) {
        Some(record) => key_hash(hasher, &record.resource_type, &record.id),
        // Every number in the index is a record's; this is never reached.
        None => 0,
    }
}

/// Sets `meta.versionId` and `meta.lastUpdated` (keeping other meta elements) and extracts what
/// searches need.
fn stamp(
    mut resource: Value,
    version_id: u32,
    last_updated: Timestamp,
) -> (Version, Option<String>, Identifiers) {
    if let Some(object) = resource.as_object_mut() {
        let mut meta = match object.remove("meta") {
            Some(Value::Object(meta)) => meta,
            _ => Map::new(),
        };
        meta.insert("versionId".into(), json!(version_id.to_string()));
        meta.insert("lastUpdated".into(), json!(last_updated.to_rfc3339()));
        object.insert("meta".into(), Value::Object(meta));
    }
    let subject = ["subject", "patient", "for"].iter().find_map(|key| {
        let reference = resource.get(key)?.get("reference")?.as_str()?;
        vagt_fhir::local_reference(reference)
    });
    let identifiers = resource
        .get("identifier")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|identifier| {
                    let value = identifier.get("value")?.as_str()?;
                    let system = identifier.get("system").and_then(Value::as_str);
                    Some((system.map(Box::from), Box::from(value)))
                })
                .collect()
        })
        .unwrap_or_default();
    let version = Version::new(version_id, last_updated, &resource);
    (version, subject, identifiers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_is_strictly_increasing_and_versions_are_kept() {
        let mut store = Store::default();
        let t = Timestamp::from_millis(1_000);
        let a = store
            .create(
                json!({"resourceType": "Flag", "id": "a", "identifier": [{"system": "s", "value": "1"}]}),
                t,
            )
            .expect("created");
        let b = store
            .create(json!({"resourceType": "Flag", "id": "b"}), t)
            .expect("created");
        assert!(
            store
                .create(json!({"resourceType": "Flag", "id": "b"}), t)
                .is_none(),
            "ids are unique"
        );
        let v2 = store
            .update(
                a,
                json!({"resourceType": "Flag", "id": "a", "status": "inactive"}),
                t,
            )
            .expect("updated")
            .clone();
        assert_eq!(v2.version_id, 2);
        assert_eq!(v2.last_updated.millis(), 1_002);
        let order: Vec<&str> = store
            .range("Flag", i64::MIN, i64::MAX)
            .map(|r| &*r.id)
            .collect();
        assert_eq!(
            order,
            ["b", "a"],
            "ordered by the current version's lastUpdated"
        );
        let record = store.get("Flag", "a").expect("found");
        assert_eq!(
            record.version(1).map(|v| v.last_updated.millis()),
            Some(1_000)
        );
        assert!(record.version(3).is_none() && record.version(0).is_none());
        assert_eq!(store.record(b).map(|r| r.current.version_id), Some(1));
        assert!(
            store
                .find_by_identifier("Flag", &Token::parse("s|1"))
                .is_empty(),
            "identifiers follow the current version"
        );
    }

    #[test]
    fn tokens_match_like_fhir() {
        let t = Token::parse("urn:x|42");
        assert!(t.matches(Some("urn:x"), "42"));
        assert!(!t.matches(Some("urn:y"), "42") && !t.matches(None, "42"));
        assert!(Token::parse("42").matches(Some("urn:y"), "42"));
        assert!(Token::parse("|42").matches(None, "42"));
        assert!(!Token::parse("|42").matches(Some("urn:x"), "42"));
        assert!(Token::parse("urn:x|").matches(Some("urn:x"), "7"));
    }
}
