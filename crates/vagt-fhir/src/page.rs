//! A search page as a sync reads it: its resources, its links, and what could not be read.
//!
//! Read straight from the page's bytes: each entry's resource is found without building a JSON
//! tree of the page, and an Observation (nearly every resource of a first sync) is read into
//! its typed view from its own text. Through a tree, a reading was built twice (the tree, then
//! the view) and freed twice: reading and mapping a page now takes less than half the time, and
//! the sync's store path is a fifth faster (docs/performance.md).
//!
//! What the view reads must fit it, what it does not read is only checked to be JSON: a member
//! of its own nested deeper than a tree may be, or a number beyond `f64` (`1e309`), no longer
//! makes an Observation unreadable. A resource that is not JSON the parser takes (such a number
//! where the view reads one, or any resource read as a tree) is kept with its entry's raw text.
//! One resource that is not JSON at all (a bare `NaN`) makes the whole body fail to parse, and
//! every good resource on the page would be lost with it, run after run. [`read_page`] then
//! scans the page's structure without interpreting values (iteratively, so no nesting depth can
//! overflow a stack) and reads each entry on its own, as above.
//!
//! Where a view differs from the tree: serde reads a struct from an array as well, its members
//! in order, so a `meta` or `subject` written as an array (not FHIR) gives the view a version,
//! a time or a subject that the tree's lookups did not find. The mapping reads the view either
//! way; only the pull's own lookups (the version seen, the checkpoint, the subjects fetched
//! first) can differ. A resource written as an array is never read as a view, and a visit part
//! is confirmed from the tree.

use crate::bundle::{
    Bundle, BundleLink, entry_of, lenient, lenient_links, next_link_of, parse_bundle,
};
use crate::observation::{ObservationUpdate, map_observation, map_observation_view};
use crate::types::{Observation, Resource, resource_type_of};
use crate::visit::{VISIT_PART_SYSTEM, is_visit_part};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;
use vagt_core::CitizenId;

mod scan;

use scan::{array_elements, top_level_members};

/// A page as far as it could be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The search's total, where the server gave one that reads.
    pub total: Option<u64>,
    /// The page's links that read.
    pub link: Vec<BundleLink>,
    /// The entries' resources that parsed, in order (entries without one are skipped).
    pub resources: Vec<PageResource>,
    /// Entries that did not parse, each with its raw text and why.
    pub broken: Vec<BrokenEntry>,
}

impl Page {
    /// The URL of the next page of the search, if there is one.
    pub fn next_link(&self) -> Option<&str> {
        next_link_of(&self.link)
    }
}

/// An entry of a page that is not JSON the parser accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokenEntry {
    pub raw: String,
    pub error: String,
}

/// Why a body is not a page at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the page is not a FHIR Bundle: {0}")]
pub struct NotABundle(pub String);

/// One resource of a page: an Observation read into its typed view with its text kept (for a
/// human, should it be rejected), anything else as JSON for its mapper.
#[derive(Debug, Clone, PartialEq)]
pub struct PageResource(Read);

#[derive(Debug, Clone, PartialEq)]
enum Read {
    Observation {
        view: Box<Observation>,
        text: Box<str>,
    },
    Json(Value),
}

impl PageResource {
    /// A resource as JSON (read as it was before pages were read from their bytes).
    pub fn from_json(resource: Value) -> Self {
        Self(Read::Json(resource))
    }

    /// The resource in `text`: typed when it is an Observation that reads as one and the page
    /// is a search of Observations, else as JSON. `Err` when it is not JSON the parser takes.
    fn read(text: &str, searched: &str) -> Result<Self, serde_json::Error> {
        // An array would read as a view too, its elements taken as the members in order.
        if searched == Observation::TYPE
            && text.starts_with('{')
            && let Ok(view) = serde_json::from_str::<Observation>(text)
            && view.resource_type == Observation::TYPE
        {
            return Ok(Self(Read::Observation {
                view: Box::new(view),
                text: text.into(),
            }));
        }
        // A view that does not fit is read as JSON, so that the mapper names the misfit.
        serde_json::from_str::<Value>(text).map(|json| Self(Read::Json(json)))
    }

    /// The resource as JSON, for its mapper: free where it was read as JSON, parsed again from
    /// its text where it was read typed. A text too deep for a tree comes back as a JSON
    /// string, which a mapper rejects as not a resource.
    pub fn json(&self) -> Cow<'_, Value> {
        match &self.0 {
            Read::Json(json) => Cow::Borrowed(json),
            Read::Observation { text, .. } => Cow::Owned(
                serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string())),
            ),
        }
    }

    /// The resource's JSON text, to keep for a human: as the server wrote it where it was read
    /// typed, else written out again.
    pub fn text(&self) -> Cow<'_, str> {
        match &self.0 {
            Read::Observation { text, .. } => Cow::Borrowed(text),
            Read::Json(json) => Cow::Owned(json.to_string()),
        }
    }

    pub fn resource_type(&self) -> Option<&str> {
        match &self.0 {
            Read::Observation { .. } => Some(Observation::TYPE),
            Read::Json(json) => resource_type_of(json),
        }
    }

    /// `id`, where it is a string.
    pub fn id(&self) -> Option<&str> {
        match &self.0 {
            Read::Observation { view, .. } => view.id.as_deref(),
            Read::Json(json) => json.get("id")?.as_str(),
        }
    }

    /// `meta.versionId`, where it is a string.
    pub fn version_id(&self) -> Option<&str> {
        match &self.0 {
            Read::Observation { view, .. } => view.meta.as_ref()?.version_id.as_deref(),
            Read::Json(json) => json.get("meta")?.get("versionId")?.as_str(),
        }
    }

    /// `meta.lastUpdated`, where it is a string.
    pub fn last_updated(&self) -> Option<&str> {
        match &self.0 {
            Read::Observation { view, .. } => view.meta.as_ref()?.last_updated.as_deref(),
            Read::Json(json) => json.get("meta")?.get("lastUpdated")?.as_str(),
        }
    }

    /// The reference of the resource's subject (an EpisodeOfCare's `patient`, a Task's
    /// `for`). Field by field: `Value::pointer` copies each step of its path to unescape it,
    /// several times a resource in a pull of millions.
    pub fn subject_reference(&self) -> Option<&str> {
        match &self.0 {
            Read::Observation { view, .. } => view.subject.as_ref()?.reference.as_deref(),
            Read::Json(json) => ["subject", "patient", "for"]
                .iter()
                .find_map(|field| json.get(field)?.get("reference"))
                .and_then(Value::as_str),
        }
    }

    /// Whether the resource is a part of a Vagt visit ([`is_visit_part`]).
    pub fn is_visit_part(&self) -> bool {
        match &self.0 {
            // Confirmed from the tree (visit parts are few): an identifier written as an array
            // reads as one in the view, not in the tree, and a visit part is not mapped at all.
            Read::Observation { view, .. } => {
                view.identifier
                    .iter()
                    .any(|i| i.system.as_deref() == Some(VISIT_PART_SYSTEM))
                    && is_visit_part(&self.json())
            }
            Read::Json(json) => is_visit_part(json),
        }
    }

    /// [`map_observation`] of the resource.
    pub fn map_observation(
        &self,
        base: &str,
        citizen_for: &dyn Fn(&str) -> Option<CitizenId>,
    ) -> Result<ObservationUpdate, crate::Rejected> {
        match &self.0 {
            Read::Json(json) => map_observation(json, base, citizen_for),
            // A rejection is made again from the JSON, which names what the view does not
            // hold (a `valueString` where a number was expected): it is rare, and its words are
            // then those of every other path.
            Read::Observation { view, text } => map_observation_view(view, None, base, citizen_for)
                .or_else(|typed| match serde_json::from_str::<Value>(text) {
                    Ok(json) => map_observation(&json, base, citizen_for),
                    Err(_) => Err(typed),
                }),
        }
    }
}

/// The members of a page the sync reads, each entry's text borrowed from the page.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageText<'a> {
    #[serde(default)]
    resource_type: String,
    #[serde(default, deserialize_with = "lenient")]
    total: Option<u64>,
    #[serde(default, deserialize_with = "lenient_links")]
    link: Vec<BundleLink>,
    #[serde(default, borrow)]
    entry: Option<Vec<&'a RawValue>>,
}

/// An entry's resource, borrowed from the page. `"resource": null` is no resource.
#[derive(Deserialize)]
struct EntryText<'a> {
    #[serde(default, borrow)]
    resource: Option<&'a RawValue>,
}

/// The page in `bytes`, a search of `searched` resources: read from its bytes where it
/// parses whole, else entry by entry.
pub fn read_page(bytes: &[u8], searched: &str) -> Result<Page, NotABundle> {
    // Only an object: a struct also reads from an array, its members in order.
    if bytes.trim_ascii_start().first() == Some(&b'{')
        && let Ok(page) = serde_json::from_slice::<PageText<'_>>(bytes)
        && page.resource_type == Bundle::TYPE
    {
        let mut resources = Vec::new();
        let mut broken = Vec::new();
        for entry in page.entry.unwrap_or_default() {
            match read_entry(entry.get(), searched) {
                Ok(resource) => resources.extend(resource),
                Err(entry) => broken.push(entry),
            }
        }
        return Ok(Page {
            total: page.total,
            link: page.link,
            resources,
            broken,
        });
    }
    // Through a tree, which also reads what a struct does not (a member twice, the last one
    // winning).
    if let Ok(bundle) = parse_bundle(bytes) {
        return Ok(Page {
            total: bundle.total,
            link: bundle.link,
            resources: bundle
                .entry
                .into_iter()
                .filter_map(|entry| entry.resource.map(PageResource::from_json))
                .collect(),
            broken: Vec::new(),
        });
    }
    read_entry_by_entry(bytes, searched)
}

/// The resource of one entry, by the rule of a whole page (`entry_of`): an entry that is not an
/// object is its own resource, for the mapper to reject; an entry without one has none.
fn read_entry(entry: &str, searched: &str) -> Result<Option<PageResource>, BrokenEntry> {
    let broken = |error: serde_json::Error| BrokenEntry {
        raw: entry.to_owned(),
        error: error.to_string(),
    };
    if entry.starts_with('{')
        && let Ok(members) = serde_json::from_str::<EntryText<'_>>(entry)
    {
        return members
            .resource
            .map(|resource| PageResource::read(resource.get(), searched))
            .transpose()
            .map_err(broken);
    }
    serde_json::from_str::<Value>(entry)
        .map(|entry| entry_of(entry).resource.map(PageResource::from_json))
        .map_err(broken)
}

/// The page entry by entry, its structure scanned without interpreting values.
fn read_entry_by_entry(bytes: &[u8], searched: &str) -> Result<Page, NotABundle> {
    let members = top_level_members(bytes).map_err(NotABundle)?;
    let member = |name: &str| members.iter().find(|(key, _)| key == name).map(|(_, r)| r);
    let resource_type = member("resourceType")
        .and_then(|r| serde_json::from_slice::<String>(&bytes[r.clone()]).ok());
    if resource_type.as_deref() != Some("Bundle") {
        return Err(NotABundle(format!(
            "its resourceType is {}",
            resource_type.map_or("missing or unreadable".into(), |t| format!("{t:?}"))
        )));
    }
    let parsed = |name: &str| {
        member(name).and_then(|r| serde_json::from_slice::<Value>(&bytes[r.clone()]).ok())
    };
    let mut page = Page {
        total: parsed("total").and_then(|v| v.as_u64()),
        // Links that do not parse leave the page without a `next`: the sync continues by a
        // cursor of its own.
        link: parsed("link")
            .and_then(|v| serde_json::from_value::<Vec<BundleLink>>(v).ok())
            .unwrap_or_default(),
        resources: Vec::new(),
        broken: Vec::new(),
    };
    if let Some(range) = member("entry") {
        for element in array_elements(bytes, range.clone()).map_err(NotABundle)? {
            let read = match std::str::from_utf8(&bytes[element.clone()]) {
                Ok(entry) => read_entry(entry, searched),
                Err(error) => Err(BrokenEntry {
                    raw: String::from_utf8_lossy(&bytes[element]).into_owned(),
                    error: error.to_string(),
                }),
            };
            match read {
                Ok(resource) => page.resources.extend(resource),
                Err(entry) => page.broken.push(entry),
            }
        }
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observation(id: &str) -> String {
        format!(r#"{{"resource":{{"resourceType":"Observation","id":"{id}","status":"final"}}}}"#)
    }

    /// An Observation entry with a member nested deeper than a JSON tree may be.
    fn deep_entry() -> String {
        format!(
            r#"{{"resource":{{"resourceType":"Observation","id":"deep","x":{}1{}}}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        )
    }

    fn page(entries: &[String], extra: &str) -> Vec<u8> {
        format!(
            r#"{{"resourceType":"Bundle","type":"searchset","total":3{extra},
               "link":[{{"relation":"next","url":"https://x/fhir/Observation?page=2"}}],
               "entry":[{}]}}"#,
            entries.join(",")
        )
        .into_bytes()
    }

    #[test]
    fn a_page_that_parses_is_read_whole() {
        let read = read_page(
            &page(&[observation("a"), observation("b")], ""),
            "Observation",
        )
        .expect("page");
        assert_eq!(read.resources.len(), 2);
        assert!(read.broken.is_empty());
    }

    #[test]
    fn entries_read_one_by_one_follow_the_whole_pages_rule() {
        let entries = [
            observation("a"),
            r#"["u",{"resourceType":"Observation","id":"in-an-array"}]"#.into(),
            r#"{"resource":null,"fullUrl":"u"}"#.into(),
            r#"{"resource":{"resourceType":"Observation","id":"nan","x":NaN}}"#.into(),
        ];
        for searched in ["Observation", "Patient"] {
            let read = read_page(&page(&entries, ""), searched).expect("read entry by entry");
            let whole = read_page(&page(&entries[..3], ""), searched).expect("read whole");
            assert_eq!(read.broken.len(), 1);
            // The entry by entry and the whole page read the same entries, and the entry
            // without a resource has none.
            assert_eq!(read.resources, whole.resources);
            assert_eq!(read.resources.len(), 2);
            assert_eq!(read.resources[0].id(), Some("a"));
            assert_eq!(
                *read.resources[1].json(),
                serde_json::json!(["u", {"resourceType": "Observation", "id": "in-an-array"}])
            );
        }
    }

    #[test]
    fn each_poisoned_entry_is_kept_raw_and_the_good_ones_are_read() {
        let deep = deep_entry();
        let huge_number = r#"{"resource":{"resourceType":"Observation","id":"big","valueQuantity":{"value":1e309}}}"#;
        let nan = r#"{"resource":{"resourceType":"Observation","id":"nan","x":NaN}}"#;
        let body = page(
            &[
                observation("a"),
                deep.clone(),
                huge_number.into(),
                nan.into(),
                observation("b"),
            ],
            "",
        );
        assert!(
            parse_bundle(&body).is_err(),
            "the page does not parse whole"
        );
        let read = read_page(&body, "Patient").expect("read entry by entry");
        let ids: Vec<_> = read.resources.iter().filter_map(PageResource::id).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(read.broken.len(), 3);
        assert_eq!(read.broken[0].raw, deep);
        assert_eq!(read.broken[1].raw, huge_number);
        assert_eq!(read.broken[2].raw, nan);
        assert_eq!(read.next_link(), Some("https://x/fhir/Observation?page=2"));
        assert_eq!(read.total, Some(3));
    }

    #[test]
    fn an_observation_searched_for_is_read_typed_and_keeps_its_text_as_written() {
        let written = r#"{ "resourceType" : "Observation", "id": "o1",
            "meta": {"versionId": "3", "lastUpdated": "2026-11-20T08:00:00Z"},
            "status": "final", "subject": {"reference": "Patient/p1"},
            "identifier": [{"system": "urn:dk:naerklinikken:vagt:visit-part", "value": "v"}],
            "note": [{"text": "caf\u00e9"}] }"#;
        let body = page(&[format!(r#"{{"resource": {written}}}"#)], "");
        let read = read_page(&body, "Observation").expect("page");
        let [resource] = read.resources.as_slice() else {
            panic!("one resource");
        };
        assert!(matches!(resource.0, Read::Observation { .. }));
        assert_eq!(resource.text(), written);
        assert_eq!(resource.resource_type(), Some("Observation"));
        assert_eq!(resource.id(), Some("o1"));
        assert_eq!(resource.version_id(), Some("3"));
        assert_eq!(resource.last_updated(), Some("2026-11-20T08:00:00Z"));
        assert_eq!(resource.subject_reference(), Some("Patient/p1"));
        assert!(resource.is_visit_part());
        // The same page searched as another type is read as JSON, and tells the same.
        let as_json = read_page(&body, "Patient").expect("page");
        let [json] = as_json.resources.as_slice() else {
            panic!("one resource");
        };
        assert!(matches!(json.0, Read::Json(_)));
        assert_eq!(json.json(), resource.json());
        for (typed, tree) in [
            (resource.id(), json.id()),
            (resource.version_id(), json.version_id()),
            (resource.last_updated(), json.last_updated()),
            (resource.subject_reference(), json.subject_reference()),
        ] {
            assert_eq!(typed, tree);
        }
        assert!(json.is_visit_part());
        // Another resource type on an Observation search is read as JSON, for its mapper to
        // reject with its type.
        let patient = page(
            &[r#"{"resource":{"resourceType":"Patient","id":"p"}}"#.into()],
            "",
        );
        let read = read_page(&patient, "Observation").expect("page");
        assert!(matches!(read.resources[0].0, Read::Json(_)));
    }

    #[test]
    fn an_observation_nested_deeper_than_a_tree_may_be_is_read_by_its_view() {
        // Its typed view skips the unknown member, which a JSON tree cannot hold.
        let deep = deep_entry();
        for body in [
            page(&[observation("a"), deep.clone()], ""),
            // Entry by entry (the page is not JSON), the same.
            page(&[observation("a"), deep, r#"{"resource":NaN}"#.into()], ""),
        ] {
            let read = read_page(&body, "Observation").expect("page");
            let ids: Vec<_> = read.resources.iter().filter_map(PageResource::id).collect();
            assert_eq!(ids, ["a", "deep"]);
            // For a mapper of another type, it is its text: no resource, kept with its text.
            assert!(read.resources[1].json().is_string());
            let rejected = read.resources[1]
                .map_observation("https://x/fhir", &|_| None)
                .expect_err("no status");
            assert!(
                rejected.reason.to_string().contains("no status"),
                "{rejected:?}"
            );
        }
    }

    #[test]
    fn what_a_view_would_read_otherwise_than_the_tree_is_read_as_the_tree() {
        let part = r#"{"system":"urn:dk:naerklinikken:vagt:visit-part","value":"v"}"#;
        let entries = [
            // A resource written as an array (a struct reads from one, members in order).
            format!(r#"{{"resource":["Observation","a1",null,[{part}]]}}"#),
            // An identifier written as an array: a visit part to the view, not to the tree.
            r#"{"resource":{"resourceType":"Observation","id":"a2","identifier":[[null,"urn:dk:naerklinikken:vagt:visit-part","v"]]}}"#.into(),
            // A member twice: the tree keeps the last.
            r#"{"resource":{"resourceType":"Observation","id":"a3","status":"registered","status":"final"}}"#.into(),
        ];
        let read = read_page(&page(&entries, ""), "Observation").expect("page");
        assert!(read.broken.is_empty());
        assert!(matches!(read.resources[0].0, Read::Json(_)));
        assert!(!read.resources[0].is_visit_part());
        let rejected = read.resources[0]
            .map_observation("https://x/fhir", &|_| None)
            .expect_err("an array is no resource");
        assert!(
            rejected.reason.to_string().contains("JSON object"),
            "{rejected:?}"
        );
        assert!(matches!(read.resources[1].0, Read::Observation { .. }));
        assert!(!read.resources[1].is_visit_part());
        assert!(matches!(read.resources[2].0, Read::Json(_)));
        assert_eq!(read.resources[2].json()["status"], "final");
    }

    #[test]
    fn a_number_beyond_f64_is_broken_where_the_view_reads_it_only() {
        let unknown = r#"{"resource":{"resourceType":"Observation","id":"u","x":1e309}}"#;
        let read = read_page(
            &page(&[unknown.into(), observation("a")], ""),
            "Observation",
        )
        .expect("page");
        let ids: Vec<_> = read.resources.iter().filter_map(PageResource::id).collect();
        assert_eq!(ids, ["u", "a"]);
        // Read as a tree, it is kept raw with why.
        let as_json = read_page(&page(&[unknown.into()], ""), "Patient").expect("page");
        assert!(as_json.resources.is_empty());
        assert_eq!(as_json.broken[0].raw, unknown);
        let value = r#"{"resource":{"resourceType":"Observation","id":"v","valueQuantity":{"value":1e309}}}"#;
        let read = read_page(&page(&[value.into()], ""), "Observation").expect("page");
        assert!(read.resources.is_empty());
        assert_eq!(read.broken[0].raw, value);
        assert!(
            read.broken[0].error.contains("number out of range"),
            "{:?}",
            read.broken
        );
    }

    #[test]
    fn what_is_not_a_bundle_says_why() {
        for (body, why) in [
            (&b"[1, 2]"[..], "not a JSON object"),
            (br#"{"resourceType":"Patient","x":NaN}"#, "\"Patient\""),
            (
                br#"{"resourceType":"Bundle","entry":[{"a":1}"#,
                "not closed",
            ),
            (b"", "not a JSON object"),
        ] {
            let error = read_page(body, "Observation").expect_err("not a page");
            assert!(error.0.contains(why), "{error} should say {why}");
        }
    }

    #[test]
    fn strings_with_brackets_and_escaped_quotes_do_not_confuse_the_scan() {
        let tricky =
            r#"{"resource":{"resourceType":"Observation","id":"q","note":"a \"]}\" [ {","x":NaN}}"#;
        let body = page(&[tricky.into(), observation("ok")], "");
        let read = read_page(&body, "Observation").expect("page");
        assert_eq!(read.resources.len(), 1);
        assert_eq!(read.broken[0].raw, tricky);
    }
}
