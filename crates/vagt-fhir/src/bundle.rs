//! The Bundle: a page of search results, or the response to a transaction.
//!
//! Entries keep their resource as raw JSON, and a malformed entry (wrong types, not even an
//! object) does not fail the page: it stays in [`Bundle::entry`] with its raw JSON as the
//! resource, so the mapper rejects it visibly and every other entry still maps.

use crate::error::FhirError;
use crate::types::{Meta, Resource, parse_resource};
use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    /// Always `Bundle` once parsed by [`parse_bundle`].
    #[serde(default)]
    pub resource_type: String,
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub meta: Option<Meta>,
    /// searchset | transaction-response | batch-response | history | collection | …
    #[serde(
        rename = "type",
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub bundle_type: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp: Option<String>,
    /// Total matches of a search (servers may omit it).
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub total: Option<u64>,
    #[serde(
        default,
        deserialize_with = "lenient_links",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub link: Vec<BundleLink>,
    #[serde(
        default,
        deserialize_with = "lenient_entries",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub entry: Vec<BundleEntry>,
}

impl Resource for Bundle {
    const TYPE: &'static str = "Bundle";
}

impl Bundle {
    /// The URL of the next page of a search, if there is one.
    pub fn next_link(&self) -> Option<&str> {
        next_link_of(&self.link)
    }

    /// The entries' resources, in order (entries without one are skipped).
    pub fn resources(&self) -> impl Iterator<Item = &Value> {
        self.entry.iter().filter_map(|e| e.resource.as_ref())
    }
}

/// The URL of the link whose relation is `next`.
pub(crate) fn next_link_of(links: &[BundleLink]) -> Option<&str> {
    links
        .iter()
        .find(|l| l.relation.as_deref() == Some("next"))
        .and_then(|l| l.url.as_deref())
        .map(str::trim)
        .filter(|url| !url.is_empty())
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BundleLink {
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub relation: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntry {
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub full_url: Option<String>,
    /// The resource as raw JSON: map it with the mapper for its `resourceType`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<Value>,
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub search: Option<BundleEntrySearch>,
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub request: Option<BundleEntryRequest>,
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub response: Option<BundleEntryResponse>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BundleEntrySearch {
    /// match | include | outcome
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BundleEntryRequest {
    /// GET | HEAD | POST | PUT | DELETE | PATCH
    pub method: String,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub if_none_match: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub if_modified_since: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub if_match: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub if_none_exist: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BundleEntryResponse {
    /// The HTTP status, e.g. `201 Created`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// An OperationOutcome for this entry, as raw JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Value>,
}

impl BundleEntryResponse {
    /// The numeric HTTP status code at the start of `status`, if any.
    pub fn status_code(&self) -> Option<u16> {
        self.status.split_whitespace().next()?.parse().ok()
    }
}

/// Reads a response body that must be a Bundle.
pub fn parse_bundle(bytes: &[u8]) -> Result<Bundle, FhirError> {
    // Read straight from the bytes, each entry's resource built once: through a JSON tree of
    // the whole body, every resource was built three times (the body's tree, the entries'
    // copy, the resource's copy), a third of a first sync's time. What does not read this way
    // (another resource type, a duplicate member, invalid JSON) takes the path that names the
    // misfit. Only an object: a struct also reads from an array, its members in order.
    if bytes.trim_ascii_start().first() == Some(&b'{')
        && let Ok(bundle) = serde_json::from_slice::<Bundle>(bytes)
        && bundle.resource_type == Bundle::TYPE
    {
        return Ok(bundle);
    }
    parse_resource::<Bundle>(bytes)
}

/// An element of the wrong shape reads as absent instead of failing the whole bundle.
pub(crate) fn lenient<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = Value::deserialize(deserializer)?;
    Ok(T::deserialize(value).ok())
}

pub(crate) fn lenient_links<'de, D>(deserializer: D) -> Result<Vec<BundleLink>, D::Error>
where
    D: Deserializer<'de>,
{
    match Value::deserialize(deserializer)? {
        Value::Array(items) => Ok(items
            .into_iter()
            .filter_map(|item| BundleLink::deserialize(item).ok())
            .collect()),
        Value::Null => Ok(Vec::new()),
        _ => Err(D::Error::custom("Bundle.link is not an array")),
    }
}

/// An entry that is not even an object is kept, as the raw JSON of its resource, so that the
/// mapper rejects it where a human sees it.
fn lenient_entries<'de, D>(deserializer: D) -> Result<Vec<BundleEntry>, D::Error>
where
    D: Deserializer<'de>,
{
    match Value::deserialize(deserializer)? {
        Value::Array(items) => Ok(items.into_iter().map(entry_of).collect()),
        Value::Null => Ok(Vec::new()),
        _ => Err(D::Error::custom("Bundle.entry is not an array")),
    }
}

/// The entry `item` reads as; its resource moved, not copied (it is most of a page). An entry
/// that is not an object (an array would read as the entry's members in order) is kept whole as
/// the resource, for the mapper to reject.
pub(crate) fn entry_of(item: Value) -> BundleEntry {
    let Value::Object(mut members) = item else {
        return BundleEntry {
            resource: Some(item),
            ..BundleEntry::default()
        };
    };
    let resource = members.remove("resource");
    // Cannot fail: every other member is read leniently, and a map has no duplicate keys.
    let entry = BundleEntry::deserialize(&members).unwrap_or_default();
    BundleEntry {
        // `"resource": null` is no resource, as when it is read with the entry.
        resource: resource.filter(|r| !r.is_null()),
        ..entry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_is_found_among_others() {
        let bundle = parse_bundle(
            br#"{"resourceType":"Bundle","type":"searchset","link":[
                {"relation":"self","url":"https://x/fhir/Observation?_count=2"},
                {"relation":"next","url":"https://x/fhir?_getpages=abc&_getpagesoffset=2"}]}"#,
        )
        .expect("bundle");
        assert_eq!(
            bundle.next_link(),
            Some("https://x/fhir?_getpages=abc&_getpagesoffset=2")
        );
        let last =
            parse_bundle(br#"{"resourceType":"Bundle","link":[{"relation":"self","url":"u"}]}"#)
                .expect("bundle");
        assert_eq!(last.next_link(), None);
    }

    #[test]
    fn elements_of_the_wrong_type_read_as_absent() {
        let bundle = parse_bundle(
            br#"{"resourceType":"Bundle","type":7,"total":"many","link":[42,{"relation":"next","url":"n"}],
                "entry":[{"fullUrl":5,"resource":{"resourceType":"Patient","id":"p"},
                          "response":{"status":201}}]}"#,
        )
        .expect("lenient");
        assert_eq!(bundle.bundle_type, None);
        assert_eq!(bundle.total, None);
        assert_eq!(bundle.next_link(), Some("n"));
        assert_eq!(bundle.entry.len(), 1);
        assert_eq!(bundle.entry[0].full_url, None);
        assert!(bundle.entry[0].response.is_none());
    }

    #[test]
    fn read_from_the_bytes_a_bundle_is_what_its_json_tree_reads_as() {
        let bodies: [&[u8]; 6] = [
            br#"{"resourceType":"Bundle","type":"searchset","total":2,"link":[{"relation":"next","url":"n"}],
                "entry":[{"fullUrl":"u1","resource":{"resourceType":"Observation","id":"o1","meta":{"versionId":"2"}},
                          "search":{"mode":"match"}},
                         {"resource":{"resourceType":"Patient","id":"p"},"response":{"status":201}}]}"#,
            // Entries that are not objects, without a resource, with a null one.
            br#"{"resourceType":"Bundle","entry":[7,"text",null,{"fullUrl":"u"},{"resource":null},[1,2],
                ["u",{"resourceType":"Observation","id":"o"}]]}"#,
            // Elements of the wrong type.
            br#"{"resourceType":"Bundle","type":7,"total":"many","link":[42,{"relation":"next","url":"n"}],
                "entry":[{"fullUrl":5,"resource":{"resourceType":"Patient","id":"p"},"search":"x"}]}"#,
            br#"{"resourceType":"Bundle","entry":null,"link":null}"#,
            // A duplicate member: the last one wins, as in the tree.
            br#"{"resourceType":"Bundle","total":1,"total":3}"#,
            br#"{"resourceType":"Bundle"}"#,
        ];
        for body in bodies {
            let tree: Value = serde_json::from_slice(body).expect("json");
            let through_tree = Bundle::deserialize(&tree).expect("through the tree");
            let text = String::from_utf8_lossy(body);
            assert_eq!(parse_bundle(body).expect("bundle"), through_tree, "{text}");
            // Every body but the duplicate reads without the tree: the fast path is the one
            // compared.
            if !text.contains(r#""total":3"#) {
                let direct = serde_json::from_slice::<Bundle>(body).expect("read directly");
                assert_eq!(direct, through_tree, "{text}");
            }
        }
        assert!(matches!(
            parse_bundle(br#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing","diagnostics":"no"}]}"#),
            Err(FhirError::OperationOutcome { .. })
        ));
        assert!(matches!(
            parse_bundle(br#"{"resourceType":"Patient","id":"p"}"#),
            Err(FhirError::WrongResourceType { .. })
        ));
        assert!(matches!(
            parse_bundle(br#"{"entry":[]}"#),
            Err(FhirError::NoResourceType)
        ));
        // A struct reads from an array too: not a Bundle.
        for array in [
            &br#"["Bundle"]"#[..],
            br#" ["Bundle",null,null,"searchset"]"#,
        ] {
            assert!(matches!(
                parse_bundle(array),
                Err(FhirError::NoResourceType)
            ));
        }
        // An entry that is an array is kept whole for the mapper to reject, not read as the
        // entry's members in order (which would make this an Observation to map).
        let kept = parse_bundle(
            br#"{"resourceType":"Bundle","entry":[["u",{"resourceType":"Observation","id":"o"}]]}"#,
        )
        .expect("bundle");
        assert_eq!(
            kept.entry[0].resource,
            Some(serde_json::json!(["u", {"resourceType": "Observation", "id": "o"}]))
        );
        assert_eq!(kept.entry[0].full_url, None);
    }

    #[test]
    fn a_transaction_response_entry_reads_status_location_and_etag() {
        let bundle = parse_bundle(
            br#"{"resourceType":"Bundle","type":"transaction-response","entry":[{"response":{
                "status":"201 Created","location":"Communication/77/_history/1","etag":"W/\"1\"",
                "lastModified":"2026-11-22T08:15:00.000+00:00"}}]}"#,
        )
        .expect("bundle");
        let response = bundle.entry[0].response.as_ref().expect("response");
        assert_eq!(response.status_code(), Some(201));
        assert_eq!(
            response.location.as_deref(),
            Some("Communication/77/_history/1")
        );
        assert_eq!(response.etag.as_deref(), Some("W/\"1\""));
    }

    #[test]
    fn serialises_without_empty_elements() {
        let bundle = Bundle {
            resource_type: "Bundle".into(),
            id: None,
            meta: None,
            bundle_type: Some("transaction".into()),
            timestamp: None,
            total: None,
            link: Vec::new(),
            entry: vec![BundleEntry {
                full_url: Some("urn:uuid:0b4f9d1e-0000-4000-8000-000000000001".into()),
                resource: Some(serde_json::json!({"resourceType": "Communication"})),
                request: Some(BundleEntryRequest {
                    method: "POST".into(),
                    url: "Communication".into(),
                    if_none_exist: Some("identifier=urn:vagt|c1".into()),
                    ..BundleEntryRequest::default()
                }),
                ..BundleEntry::default()
            }],
        };
        let json = serde_json::to_value(&bundle).expect("serialise");
        assert_eq!(
            json,
            serde_json::json!({"resourceType": "Bundle", "type": "transaction", "entry": [{
                "fullUrl": "urn:uuid:0b4f9d1e-0000-4000-8000-000000000001",
                "resource": {"resourceType": "Communication"},
                "request": {"method": "POST", "url": "Communication",
                            "ifNoneExist": "identifier=urn:vagt|c1"}}]})
        );
    }
}
