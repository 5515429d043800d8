//! What the hostile faults do to a search page or a read, as served (the store is never
//! touched): where `next` points (the page itself, the trap on another origin), Observations
//! stamped in the far future, Patient names that drive a terminal, and entries no strict JSON
//! parser takes. The bodies that replace a page whole are in [`bodies`](super::bodies).

use crate::faults::FaultProfile;
use serde_json::{Value, json};

/// The `meta.lastUpdated` of a `future-stamp`ed Observation.
pub(super) const FUTURE_STAMP: &str = "2999-12-31T23:59:59.000Z";
/// The Patient whose name is 4 MiB under `escape-names`: the first one, always there.
const LONG_NAME_PATIENT: &str = "p-0001";
const LONG_NAME_BYTES: usize = 4 * 1024 * 1024;
/// Far past serde_json's recursion limit (128) and most parsers' stacks.
const POISON_DEPTH: usize = 20_000;

/// What a page's `next` link is made from.
pub(super) struct NextLink<'a> {
    /// The simulator's FHIR base.
    pub base: &'a str,
    /// The trap's FHIR base, when the `foreign-next` fault has it open.
    pub trap: Option<&'a str>,
    /// The request's own absolute URL.
    pub self_url: &'a str,
    /// `{type}?{query}` of the page after this one; `None` for a page without entries.
    pub cursor: Option<&'a str>,
    /// Whether more matches follow this page.
    pub more: bool,
}

/// The page's `next` link under `profile`. `self-next` wins over everything (every page links
/// to itself); `foreign-next` links every page with entries to the trap, even the last, so a
/// client meets it however few pages it reads; then `no-next-links`; then the real link.
pub(super) fn next_link(profile: &FaultProfile, link: &NextLink<'_>) -> Option<String> {
    if profile.self_next {
        return Some(link.self_url.to_owned());
    }
    let cursor = link.cursor?;
    if profile.foreign_next
        && let Some(trap) = link.trap
    {
        return Some(format!("{trap}/{cursor}"));
    }
    (link.more && !profile.omit_next_links).then(|| format!("{}/{cursor}", link.base))
}

/// Whether `rewrite` changes any resource of a search page under `profile`.
pub(super) fn rewrites_search(profile: &FaultProfile) -> bool {
    profile.future_stamp || profile.escape_names
}

/// Changes a served copy of `resource` as the profile has it look.
pub(super) fn rewrite(profile: &FaultProfile, resource: &mut Value) {
    match resource.get("resourceType").and_then(Value::as_str) {
        Some("Observation") if profile.future_stamp => {
            let id = resource.get("id").and_then(Value::as_str);
            if id.is_some_and(stamped_in_future)
                && let Some(meta) = resource.get_mut("meta").and_then(Value::as_object_mut)
            {
                meta.insert("lastUpdated".into(), json!(FUTURE_STAMP));
            }
        }
        Some("Patient") if profile.escape_names => escape_names(resource),
        _ => {}
    }
}

/// A read's resource as the profile has it look, if it changes: only names are rewritten
/// in a read, the `future-stamp` fault being one of search pages.
pub(super) fn rewrite_read(profile: &FaultProfile, resource: &Value) -> Option<Value> {
    let patient = resource.get("resourceType").and_then(Value::as_str) == Some("Patient");
    (profile.escape_names && patient).then(|| {
        let mut copy = resource.clone();
        escape_names(&mut copy);
        copy
    })
}

/// Every 10th Observation: those whose id ends in `0` (ids are numbered, `o-000010`), so the
/// choice replays, survives new data and a test can tell which ones.
pub(super) fn stamped_in_future(id: &str) -> bool {
    id.ends_with('0')
}

/// Terminal escapes (a colour, the bell, an 8-bit CSI) and a right-to-left override in the
/// family name and the text; the first Patient's text and family name 4 MiB long.
fn escape_names(patient: &mut Value) {
    let long = patient.get("id").and_then(Value::as_str) == Some(LONG_NAME_PATIENT);
    let Some(names) = patient.get_mut("name").and_then(Value::as_array_mut) else {
        return;
    };
    for name in names.iter_mut().filter(|n| n.is_object()) {
        let family = name.get("family").and_then(Value::as_str).unwrap_or("");
        let given: Vec<&str> = name
            .get("given")
            .and_then(Value::as_array)
            .map(|given| given.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let family = format!("\u{1b}[31m{family}\u{7}\u{202e}");
        let text = format!("{} {family}\u{9b}0m", given.join(" "));
        let (family, text) = if long {
            (long_name(&family), long_name(&text))
        } else {
            (family, text)
        };
        name["family"] = json!(family);
        name["text"] = json!(text);
    }
}

/// `start` padded with more of the same to exactly 4 MiB.
fn long_name(start: &str) -> String {
    let mut name = String::with_capacity(LONG_NAME_BYTES + 16);
    name.push_str(start);
    while name.len() < LONG_NAME_BYTES {
        name.push_str(" Jensen");
    }
    // The padding is ASCII, so the cut is on a character boundary.
    name.truncate(LONG_NAME_BYTES);
    name
}

/// The page's bytes with three poison entries right after `"entry":[`, then the real
/// entries, each serialized as usual: only the poison is not valid JSON.
pub(super) fn poisoned_page(mut bundle: Value, entries: &[Value], base: &str) -> Vec<u8> {
    if let Some(object) = bundle.as_object_mut() {
        object.remove("entry");
    }
    let head = serde_json::to_string(&bundle).unwrap_or_else(|_| "{}".into());
    let head = head.strip_suffix('}').unwrap_or(&head);
    let mut page = String::with_capacity(head.len() + 2 * POISON_DEPTH + 1024);
    page.push_str(head);
    if head.len() > 1 {
        page.push(',');
    }
    page.push_str("\"entry\":[");
    page.push_str(&poison_entries(base).join(","));
    for entry in entries {
        page.push(',');
        page.push_str(&serde_json::to_string(entry).unwrap_or_else(|_| "null".into()));
    }
    page.push_str("]}");
    page.into_bytes()
}

/// Nested too deep, a number out of `f64`'s range, and a bare `NaN`.
fn poison_entries(base: &str) -> [String; 3] {
    let entry = |id: &str, fields: &str| {
        format!(
            r#"{{"fullUrl":"{base}/Observation/{id}","resource":{{"resourceType":"Observation","id":"{id}",{fields}}},"search":{{"mode":"match"}}}}"#
        )
    };
    let deep = format!(
        r#""x":{}1{}"#,
        "[".repeat(POISON_DEPTH),
        "]".repeat(POISON_DEPTH)
    );
    [
        entry("poison-deep", &deep),
        entry(
            "poison-big",
            r#""status":"final","valueQuantity":{"value":1e309}"#,
        ),
        entry(
            "poison-nan",
            r#""status":"final","valueQuantity":{"value":NaN}"#,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link<'a>(cursor: Option<&'a str>, more: bool, trap: Option<&'a str>) -> NextLink<'a> {
        NextLink {
            base: "http://sim/fhir",
            trap,
            self_url: "http://sim/fhir/Observation?_count=2",
            cursor,
            more,
        }
    }

    #[test]
    fn next_links_follow_the_profile() {
        let cursor = Some("Observation?_count=2&_page=2");
        let trap = Some("http://127.0.0.1:9/fhir");
        let none = FaultProfile::none();
        assert_eq!(
            next_link(&none, &link(cursor, true, None)).as_deref(),
            Some("http://sim/fhir/Observation?_count=2&_page=2")
        );
        assert_eq!(next_link(&none, &link(cursor, false, None)), None);
        assert_eq!(next_link(&none, &link(None, true, None)), None);
        let omit = FaultProfile::no_next_links();
        assert_eq!(next_link(&omit, &link(cursor, true, None)), None);
        let foreign = FaultProfile::foreign_next();
        assert_eq!(
            next_link(&foreign, &link(cursor, false, trap)).as_deref(),
            Some("http://127.0.0.1:9/fhir/Observation?_count=2&_page=2")
        );
        assert_eq!(next_link(&foreign, &link(None, false, trap)), None);
        let own = FaultProfile::self_next();
        assert_eq!(
            next_link(&own, &link(None, false, None)).as_deref(),
            Some("http://sim/fhir/Observation?_count=2")
        );
    }

    #[test]
    fn every_tenth_observation_is_stamped_and_nothing_else_changes() {
        let stamped = (1..=1000)
            .filter(|n| stamped_in_future(&format!("o-{n:06}")))
            .count();
        assert_eq!(stamped, 100);
        let mut observation = json!({"resourceType": "Observation", "id": "o-000020",
            "meta": {"versionId": "1", "lastUpdated": "2026-11-20T08:00:00.000Z"}});
        rewrite(&FaultProfile::none(), &mut observation);
        assert_eq!(
            observation["meta"]["lastUpdated"],
            "2026-11-20T08:00:00.000Z"
        );
        rewrite(&FaultProfile::future_stamp(), &mut observation);
        assert_eq!(observation["meta"]["lastUpdated"], FUTURE_STAMP);
        assert_eq!(observation["meta"]["versionId"], "1");
    }

    #[test]
    fn escaped_names_carry_controls_and_the_first_patients_is_four_mib() {
        let patient = |id: &str| {
            json!({"resourceType": "Patient", "id": id,
                "name": [{"text": "Inge Jensen", "family": "Jensen", "given": ["Inge"]}]})
        };
        let mut other = patient("p-0002");
        rewrite(&FaultProfile::escape_names(), &mut other);
        assert_eq!(
            other["name"][0]["text"],
            "Inge \u{1b}[31mJensen\u{7}\u{202e}\u{9b}0m"
        );
        assert_eq!(other["name"][0]["family"], "\u{1b}[31mJensen\u{7}\u{202e}");
        let mut first = patient(LONG_NAME_PATIENT);
        rewrite(&FaultProfile::escape_names(), &mut first);
        let text = first["name"][0]["text"].as_str().expect("text");
        assert_eq!(text.len(), LONG_NAME_BYTES);
        assert!(text.starts_with("Inge \u{1b}[31m"));
    }

    #[test]
    fn a_poisoned_page_is_no_json_but_keeps_its_shape() {
        let bundle = json!({"resourceType": "Bundle", "type": "searchset", "total": 0});
        let empty =
            String::from_utf8(poisoned_page(bundle.clone(), &[], "http://sim/fhir")).expect("text");
        assert!(serde_json::from_str::<Value>(&empty).is_err());
        assert!(empty.contains(r#""entry":[{"fullUrl""#) && empty.ends_with("}}]}"));
        for id in ["poison-deep", "poison-big", "poison-nan"] {
            assert!(empty.contains(&format!(r#""id":"{id}""#)), "{id}");
        }
        let entry = json!({"resource": {"resourceType": "Observation", "id": "o-1"}});
        let full =
            String::from_utf8(poisoned_page(bundle, &[entry], "http://sim/fhir")).expect("text");
        assert!(
            full.ends_with(r#"}},{"resource":{"id":"o-1","resourceType":"Observation"}}]}"#)
                || full.ends_with(r#"}},{"resource":{"resourceType":"Observation","id":"o-1"}}]}"#)
        );
    }
}
