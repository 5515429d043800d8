//! A search page read entry by entry when it cannot be read whole.
//!
//! One unparseable resource (nesting deeper than the JSON parser allows, a number like `1e309`,
//! a bare `NaN`) makes the whole body fail to parse, and every good resource on the page would be
//! lost with it, run after run. [`read_page`] therefore scans the page's structure without
//! interpreting values (iteratively, so no nesting depth can overflow a stack), parses each
//! entry on its own, and hands back the entries that parse with the raw text of those that do
//! not, so they can be kept for a human.

use crate::bundle::{Bundle, BundleLink, entry_of, parse_bundle};
use serde_json::Value;
use std::ops::Range;

/// A page as far as it could be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The Bundle with every entry that parsed (its links and total where those parsed).
    pub bundle: Bundle,
    /// Entries that did not parse, each with its raw text and why.
    pub broken: Vec<BrokenEntry>,
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

/// The page in `bytes`: whole when it parses, else entry by entry.
pub fn read_page(bytes: &[u8]) -> Result<Page, NotABundle> {
    if let Ok(bundle) = parse_bundle(bytes) {
        return Ok(Page {
            bundle,
            broken: Vec::new(),
        });
    }
    let members = top_level_members(bytes).map_err(NotABundle)?;
    let text = |range: &Range<usize>| String::from_utf8_lossy(&bytes[range.clone()]).into_owned();
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
    let mut bundle = Bundle {
        resource_type: "Bundle".into(),
        id: parsed("id").and_then(|v| v.as_str().map(str::to_owned)),
        meta: None,
        bundle_type: parsed("type").and_then(|v| v.as_str().map(str::to_owned)),
        timestamp: None,
        total: parsed("total").and_then(|v| v.as_u64()),
        // Links that do not parse leave the page without a `next`: the sync continues by a
        // cursor of its own.
        link: parsed("link")
            .and_then(|v| serde_json::from_value::<Vec<BundleLink>>(v).ok())
            .unwrap_or_default(),
        entry: Vec::new(),
    };
    let mut broken = Vec::new();
    if let Some(range) = member("entry") {
        let elements = array_elements(bytes, range.clone()).map_err(NotABundle)?;
        for element in elements {
            // By the rule of a whole page (`entry_of`): what is JSON is an entry.
            match serde_json::from_slice::<Value>(&bytes[element.clone()]) {
                Ok(entry) => bundle.entry.push(entry_of(entry)),
                Err(error) => broken.push(BrokenEntry {
                    raw: text(&element),
                    error: error.to_string(),
                }),
            }
        }
    }
    Ok(Page { bundle, broken })
}

fn skip_whitespace(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && matches!(bytes[at], b' ' | b'\t' | b'\n' | b'\r') {
        at += 1;
    }
    at
}

/// The end (exclusive) of the string whose opening quote is at `at`.
fn string_end(bytes: &[u8], at: usize) -> Result<usize, String> {
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err("a string is not closed".into())
}

/// The end (exclusive) of the value starting at `at`, without interpreting it: strings are
/// skipped whole, brackets counted (not recursed into), and a scalar runs to the next
/// delimiter.
fn value_end(bytes: &[u8], at: usize) -> Result<usize, String> {
    let at = skip_whitespace(bytes, at);
    match bytes.get(at) {
        None => Err("a value is missing".into()),
        Some(b'"') => string_end(bytes, at),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut i = at;
            while i < bytes.len() {
                match bytes[i] {
                    b'"' => {
                        i = string_end(bytes, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            Err("an object or array is not closed".into())
        }
        Some(_) => {
            let mut i = at;
            while i < bytes.len()
                && !matches!(bytes[i], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            {
                i += 1;
            }
            if i == at {
                Err(format!(
                    "unexpected {:?} at byte {at}",
                    char::from(bytes[at])
                ))
            } else {
                Ok(i)
            }
        }
    }
}

/// The keys of the top-level object with the byte range of each value.
fn top_level_members(bytes: &[u8]) -> Result<Vec<(String, Range<usize>)>, String> {
    let mut at = skip_whitespace(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return Err("it is not a JSON object".into());
    }
    at = skip_whitespace(bytes, at + 1);
    let mut members = Vec::new();
    if bytes.get(at) == Some(&b'}') {
        return Ok(members);
    }
    loop {
        if bytes.get(at) != Some(&b'"') {
            return Err(format!("a member name is expected at byte {at}"));
        }
        let key_end = string_end(bytes, at)?;
        let key = serde_json::from_slice::<String>(&bytes[at..key_end])
            .map_err(|e| format!("a member name does not read: {e}"))?;
        at = skip_whitespace(bytes, key_end);
        if bytes.get(at) != Some(&b':') {
            return Err(format!("':' is expected after {key:?}"));
        }
        let start = skip_whitespace(bytes, at + 1);
        let end = value_end(bytes, start)?;
        members.push((key, start..end));
        at = skip_whitespace(bytes, end);
        match bytes.get(at) {
            Some(b',') => at = skip_whitespace(bytes, at + 1),
            Some(b'}') => return Ok(members),
            _ => return Err(format!("',' or '}}' is expected at byte {at}")),
        }
    }
}

/// The byte ranges of the elements of the array in `range`.
fn array_elements(bytes: &[u8], range: Range<usize>) -> Result<Vec<Range<usize>>, String> {
    let mut at = skip_whitespace(bytes, range.start);
    if bytes.get(at) != Some(&b'[') {
        return Err("Bundle.entry is not an array".into());
    }
    at = skip_whitespace(bytes, at + 1);
    let mut elements = Vec::new();
    if bytes.get(at) == Some(&b']') {
        return Ok(elements);
    }
    while at < range.end {
        let end = value_end(bytes, at)?;
        elements.push(at..end);
        at = skip_whitespace(bytes, end);
        match bytes.get(at) {
            Some(b',') => at = skip_whitespace(bytes, at + 1),
            Some(b']') => return Ok(elements),
            _ => return Err(format!("',' or ']' is expected at byte {at}")),
        }
    }
    Err("Bundle.entry is not closed".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observation(id: &str) -> String {
        format!(r#"{{"resource":{{"resourceType":"Observation","id":"{id}","status":"final"}}}}"#)
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
        let read = read_page(&page(&[observation("a"), observation("b")], "")).expect("page");
        assert_eq!(read.bundle.entry.len(), 2);
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
        let read = read_page(&page(&entries, "")).expect("read entry by entry");
        let whole = read_page(&page(&entries[..3], "")).expect("read whole");
        assert_eq!(read.broken.len(), 1);
        // The entry by entry and the whole page read the same entries.
        assert_eq!(read.bundle.entry, whole.bundle.entry);
        assert_eq!(
            read.bundle.entry[1].resource,
            Some(serde_json::json!(["u", {"resourceType": "Observation", "id": "in-an-array"}]))
        );
        assert_eq!(read.bundle.entry[2].resource, None);
        assert_eq!(read.bundle.entry[2].full_url.as_deref(), Some("u"));
    }

    #[test]
    fn each_poisoned_entry_is_kept_raw_and_the_good_ones_are_read() {
        let deep = format!(
            r#"{{"resource":{{"resourceType":"Observation","id":"deep","x":{}1{}}}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
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
        let read = read_page(&body).expect("read entry by entry");
        let ids: Vec<_> = read
            .bundle
            .resources()
            .filter_map(|r| r["id"].as_str())
            .collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(read.broken.len(), 3);
        assert_eq!(read.broken[0].raw, deep);
        assert_eq!(read.broken[1].raw, huge_number);
        assert_eq!(read.broken[2].raw, nan);
        assert_eq!(
            read.bundle.next_link(),
            Some("https://x/fhir/Observation?page=2")
        );
        assert_eq!(read.bundle.total, Some(3));
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
            let error = read_page(body).expect_err("not a page");
            assert!(error.0.contains(why), "{error} should say {why}");
        }
    }

    #[test]
    fn strings_with_brackets_and_escaped_quotes_do_not_confuse_the_scan() {
        let tricky =
            r#"{"resource":{"resourceType":"Observation","id":"q","note":"a \"]}\" [ {","x":NaN}}"#;
        let body = page(&[tricky.into(), observation("ok")], "");
        let read = read_page(&body).expect("page");
        assert_eq!(read.bundle.entry.len(), 1);
        assert_eq!(read.broken[0].raw, tricky);
    }
}
