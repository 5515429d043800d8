//! The versioned resource store: every version kept for vread, one server clock so that
//! `meta.lastUpdated` is unique and strictly increasing across the whole server, and an index
//! per resource type ordered by it (what `_lastUpdated` searches and cursor paging walk).

use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use vagt_core::Timestamp;

#[derive(Debug, Clone)]
pub(crate) struct Version {
    pub version_id: u32,
    pub last_updated: Timestamp,
    /// The full resource, `id` and `meta` included, as its JSON text: what a page serves as
    /// it is. Text, not a `serde_json::Value`: the tree of an Observation took about 7 KB
    /// (a map of a few fields allocates room for eleven), its text under one.
    pub text: Arc<RawValue>,
}

impl Version {
    pub fn new(version_id: u32, last_updated: Timestamp, resource: &Value) -> Version {
        Version {
            version_id,
            last_updated,
            text: as_text(resource),
        }
    }

    /// The resource as a tree, parsed from its text.
    pub fn resource(&self) -> Value {
        // The text was written from a tree, so it parses; `Null` is never served for it.
        serde_json::from_str(self.text.get()).unwrap_or(Value::Null)
    }
}

/// A resource's JSON text. Any `Value` serializes; `null` stands for one that would not.
fn as_text(resource: &Value) -> Arc<RawValue> {
    serde_json::value::to_raw_value(resource)
        .unwrap_or_else(|_| RawValue::NULL.to_owned())
        .into()
}

#[derive(Debug)]
pub(crate) struct Record {
    pub resource_type: String,
    pub id: String,
    pub current: Version,
    /// Older versions, oldest first (`history[v - 1]` is version `v`).
    pub history: Vec<Version>,
    /// `Patient/{id}` the current version is about (`subject`, `patient` or `for`).
    pub subject: Option<String>,
    /// `(system, value)` of the current version's identifiers.
    pub identifiers: Identifiers,
}

impl Record {
    pub fn version(&self, version_id: u32) -> Option<&Version> {
        if version_id == self.current.version_id {
            return Some(&self.current);
        }
        let index = usize::try_from(version_id).ok()?.checked_sub(1)?;
        self.history.get(index)
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
    index: HashMap<(String, String), usize>,
    by_type: HashMap<String, BTreeMap<i64, usize>>,
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
        let index = self.index.get(&(resource_type.to_owned(), id.to_owned()))?;
        self.records.get(*index)
    }

    /// The record index of `resource_type/id`.
    pub fn index_of(&self, resource_type: &str, id: &str) -> Option<usize> {
        self.index
            .get(&(resource_type.to_owned(), id.to_owned()))
            .copied()
    }

    pub fn record(&self, index: usize) -> Option<&Record> {
        self.records.get(index)
    }

    /// Stores version 1 of `resource` (an object with `resourceType` and `id`) at the next
    /// instant from `at`. Returns its record index, or `None` if it is not such an object or
    /// the id is taken.
    pub fn create(&mut self, resource: Value, at: Timestamp) -> Option<usize> {
        let resource_type = resource.get("resourceType")?.as_str()?.to_owned();
        let id = resource.get("id")?.as_str()?.to_owned();
        let key = (resource_type.clone(), id.clone());
        if self.index.contains_key(&key) || !resource.is_object() {
            return None;
        }
        let last_updated = self.next_instant(at);
        let (current, subject, identifiers) = stamp(resource, 1, last_updated);
        let index = self.records.len();
        self.records.push(Record {
            resource_type: resource_type.clone(),
            id,
            current,
            history: Vec::new(),
            subject,
            identifiers,
        });
        self.index.insert(key, index);
        self.by_type
            .entry(resource_type)
            .or_default()
            .insert(last_updated.millis(), index);
        self.announce(&self.records[index].resource_type);
        Some(index)
    }

    /// Stores a new version of record `index`. Returns the new version, or `None` for an
    /// unknown index or a resource that is not an object.
    pub fn update(&mut self, index: usize, resource: Value, at: Timestamp) -> Option<&Version> {
        if !resource.is_object() || index >= self.records.len() {
            return None;
        }
        let last_updated = self.next_instant(at);
        let record = self.records.get_mut(index)?;
        let (version, subject, identifiers) =
            stamp(resource, record.current.version_id + 1, last_updated);
        let old = std::mem::replace(&mut record.current, version);
        if let Some(by_updated) = self.by_type.get_mut(&record.resource_type) {
            by_updated.remove(&old.last_updated.millis());
            by_updated.insert(last_updated.millis(), index);
        }
        record.history.push(old);
        record.subject = subject;
        record.identifiers = identifiers;
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
            .filter_map(|(_, index)| self.records.get(*index))
    }

    /// Record indexes of `resource_type` with an identifier matching `token`.
    pub fn find_by_identifier(&self, resource_type: &str, token: &Token) -> Vec<usize> {
        self.by_type
            .get(resource_type)
            .into_iter()
            .flat_map(|m| m.values())
            .copied()
            .filter(|index| {
                self.records.get(*index).is_some_and(|record| {
                    record
                        .identifiers
                        .iter()
                        .any(|(system, value)| token.matches(system.as_deref(), value))
                })
            })
            .collect()
    }
}

/// `(system, value)` of each identifier.
type Identifiers = Vec<(Option<String>, String)>;

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
                    Some((system.map(str::to_owned), value.to_owned()))
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
            .map(|r| r.id.as_str())
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
