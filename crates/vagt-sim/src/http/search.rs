//! Search and paging. Pages follow a cursor on `_lastUpdated`: a `next` link is the original
//! query with its lower bound replaced by `_lastUpdated=gt{last entry's lastUpdated}` (and
//! `_page=n`, which only marks it as a continued page), so paging stays exact while new data
//! arrives. The `duplicates`, `timeout`, `no-next-links` and `unpageable` faults act here, and the hostile
//! ones on a page ([`hostile`](super::hostile)) or instead of it ([`bodies`](super::bodies)).

use crate::faults::FaultProfile;
use crate::http::bodies;
use crate::http::hostile::{self, NextLink};
use crate::http::query::{encode_pairs, instant_range, query_pairs};
use crate::http::response::{ApiError, check_type, fhir_bytes_response, fhir_response};
use crate::shared::Shared;
use crate::store::{Record, Token, Version};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;

const DEFAULT_COUNT: usize = 50;
const MAX_COUNT: usize = 500;

#[derive(Debug)]
enum SubjectFilter {
    /// `Patient/p-0001`.
    Reference(String),
    /// A bare id, any type.
    Id(String),
}

#[derive(Debug)]
struct SearchParams {
    /// Inclusive bounds on `lastUpdated` (ms).
    low: i64,
    high: i64,
    has_lower: bool,
    count: usize,
    /// Matches skipped before the page starts (`_offset`).
    offset: usize,
    /// `_sort=_lastUpdated` was asked for (the order is the same either way).
    sorted: bool,
    summary_count: bool,
    /// Whether the page says how many match (`total`): on a first page unless `_total=none`,
    /// on a continued one only for `_total=accurate`.
    total: TotalWanted,
    identifier: Option<Token>,
    subject: Option<SubjectFilter>,
    id: Option<String>,
    /// 1 for a first page; a `next` link carries its number.
    page: u64,
    /// What a `next` link repeats: all applied parameters but the lower bounds and `_page`.
    keep: Vec<(String, String)>,
}

impl SearchParams {
    fn parse(pairs: &[(String, String)]) -> Result<Self, ApiError> {
        let mut params = SearchParams {
            low: i64::MIN,
            high: i64::MAX,
            has_lower: false,
            count: DEFAULT_COUNT,
            offset: 0,
            sorted: false,
            summary_count: false,
            total: TotalWanted::OnFirstPage,
            identifier: None,
            subject: None,
            id: None,
            page: 1,
            keep: Vec::new(),
        };
        for (key, value) in pairs {
            let mut keep = true;
            match key.as_str() {
                "_lastUpdated" => {
                    let (prefix, rest) = match value.get(..2) {
                        Some(p @ ("gt" | "ge" | "lt" | "le" | "eq")) => (p, &value[2..]),
                        Some("ne" | "sa" | "eb" | "ap") => {
                            return Err(ApiError::invalid(format!(
                                "_lastUpdated prefix in {value:?} is not supported (use gt, ge, lt, le or eq)"
                            )));
                        }
                        _ => ("eq", value.as_str()),
                    };
                    let (start, end) = instant_range(rest).ok_or_else(|| {
                        ApiError::invalid(format!(
                            "_lastUpdated value {rest:?} is not a date or instant"
                        ))
                    })?;
                    match prefix {
                        "gt" => params.low = params.low.max(end.saturating_add(1)),
                        "ge" => params.low = params.low.max(start),
                        "lt" => params.high = params.high.min(start.saturating_sub(1)),
                        "le" => params.high = params.high.min(end),
                        _ => {
                            params.low = params.low.max(start);
                            params.high = params.high.min(end);
                        }
                    }
                    if matches!(prefix, "gt" | "ge") {
                        params.has_lower = true;
                        keep = false;
                    }
                }
                "_count" => {
                    let count: usize = value.trim().parse().map_err(|_| {
                        ApiError::invalid(format!("_count {value:?} is not a number"))
                    })?;
                    params.count = count.min(MAX_COUNT);
                }
                "_offset" => {
                    params.offset = value.trim().parse().map_err(|_| {
                        ApiError::invalid(format!("_offset {value:?} is not a number"))
                    })?;
                    // A `next` link continues by cursor, never by offset.
                    keep = false;
                }
                "_sort" => {
                    if value.trim() != "_lastUpdated" {
                        return Err(ApiError::invalid(format!(
                            "_sort={value} is not supported; only _sort=_lastUpdated (ascending)"
                        )));
                    }
                    params.sorted = true;
                }
                "_summary" => params.summary_count = value.trim() == "count",
                "_total" => {
                    params.total = match value.trim() {
                        "none" => TotalWanted::Never,
                        "estimate" => TotalWanted::OnFirstPage,
                        "accurate" => TotalWanted::Always,
                        other => {
                            return Err(ApiError::invalid(format!(
                                "_total={other} is not one of none, estimate and accurate"
                            )));
                        }
                    }
                }
                "identifier" => params.identifier = Some(Token::parse(value.trim())),
                "subject" | "patient" => {
                    let value = value.trim();
                    params.subject = Some(match vagt_fhir::local_reference(value) {
                        Some(reference) => SubjectFilter::Reference(reference),
                        None if key == "patient" => {
                            SubjectFilter::Reference(format!("Patient/{value}"))
                        }
                        None => SubjectFilter::Id(value.to_owned()),
                    });
                }
                "_id" => params.id = Some(value.trim().to_owned()),
                "_page" => {
                    params.page = value.trim().parse().unwrap_or(1);
                    keep = false;
                }
                "_format" | "_pretty" => {}
                // Unknown parameters are ignored (FHIR's lenient handling), and left out of
                // the links, which show what was applied.
                _ => keep = false,
            }
            if keep {
                params.keep.push((key.clone(), value.clone()));
            }
        }
        Ok(params)
    }

    fn matches(&self, record: &Record) -> bool {
        let identifier_ok = self.identifier.as_ref().is_none_or(|token| {
            record
                .identifiers()
                .iter()
                .any(|(system, value)| token.matches(system.as_deref(), value))
        });
        let subject_ok = match &self.subject {
            None => true,
            Some(SubjectFilter::Reference(r)) => record.subject.as_deref() == Some(r.as_str()),
            Some(SubjectFilter::Id(id)) => record
                .subject
                .as_deref()
                .and_then(|s| s.rsplit_once('/'))
                .is_some_and(|(_, subject_id)| subject_id == id),
        };
        let id_ok = self.id.as_deref().is_none_or(|id| &*record.id == id);
        identifier_ok && subject_ok && id_ok
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TotalWanted {
    Never,
    OnFirstPage,
    Always,
}

struct Hit {
    id: String,
    version: Version,
}

fn hit(record: &Record) -> Hit {
    Hit {
        id: record.id.to_string(),
        version: record.current.clone(),
    }
}

pub(super) async fn search(
    State(st): State<Arc<Shared>>,
    Path(resource_type): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    check_type(&resource_type)?;
    let pairs = query_pairs(raw.as_deref());
    let mut params = SearchParams::parse(&pairs)?;
    let profile = st.faults.read().await.clone();
    if profile.refuse_sort && params.sorted {
        tracing::debug!("injecting a fault: refusing _sort");
        return Err(ApiError::invalid("_sort is not supported"));
    }
    if profile.ignore_offset {
        params.offset = 0;
    }
    let n = st.searches.fetch_add(1, Ordering::Relaxed);
    if profile.hangs(n) {
        tracing::debug!("injecting a fault: hanging a search");
        st.sleep(profile.hang_ms).await;
    }
    if let Some(replaced) = bodies::replacement(&profile, &resource_type, &st.stop) {
        return Ok(replaced);
    }
    let trap = if profile.foreign_next {
        let trap = st.trap().await.map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "exception",
                format!("cannot open the trap: {e}"),
            )
        })?;
        Some(trap.base_url.as_str())
    } else {
        None
    };
    let base = &st.base_url;
    let self_url = self_url_of(base, &resource_type, raw.as_deref());
    let mut next = NextLink {
        base,
        trap,
        self_url: &self_url,
        cursor: None,
        more: false,
    };
    let mut bundle = json!({
        "resourceType": "Bundle",
        "id": format!("search-{n}"),
        "meta": {"lastUpdated": st.clock.now().to_rfc3339()},
        "type": "searchset",
    });

    let world = st.world.lock().await;
    let store = &world.store;
    let matching = store
        .range(&resource_type, params.low, params.high)
        .filter(|r| params.matches(r));
    if params.summary_count || params.count == 0 {
        let total = matching.count();
        drop(world);
        bundle["total"] = json!(total);
        bundle["link"] = links(hostile::next_link(&profile, &next).as_deref(), &self_url);
        return Ok(fhir_response(StatusCode::OK, &bundle));
    }
    // Unstable paging: a continued page starts with entries the previous page ended with.
    let wanted = if params.page >= 2 && params.has_lower {
        profile.duplicates_for(st.fault_seed, n)
    } else {
        0
    };
    let repeats = wanted.min(params.count.saturating_sub(1));
    let fresh = params.count - repeats;
    // A continued page leaves the total out, as FHIR allows (and it would only count what is
    // after the cursor): counting every match after it for every page made a whole pull
    // quadratic, half the backend's time in a first sync of 373,000 resources.
    let counted = match params.total {
        TotalWanted::Never => false,
        TotalWanted::OnFirstPage => params.page < 2,
        TotalWanted::Always => true,
    };
    let mut seen = 0usize;
    let mut more = false;
    let mut page: Vec<Hit> = Vec::with_capacity(fresh);
    for record in matching {
        seen += 1;
        if seen <= params.offset {
            continue;
        }
        if page.len() < fresh {
            page.push(hit(record));
        } else {
            more = true;
            if !counted {
                break;
            }
        }
    }
    let mut entries: Vec<Hit> = store
        .range(&resource_type, i64::MIN, params.low.saturating_sub(1))
        .rev()
        .filter(|r| params.matches(r))
        .take(repeats)
        .map(hit)
        .collect();
    drop(world);
    entries.reverse();
    // The cursor is the stored lastUpdated, whatever a fault makes the page say.
    let cursor = page.last().map(|last| {
        let mut pairs = params.keep.clone();
        pairs.push((
            "_lastUpdated".into(),
            format!("gt{}", last.version.last_updated.to_rfc3339()),
        ));
        pairs.push(("_page".into(), (params.page + 1).to_string()));
        format!("{resource_type}?{}", encode_pairs(&pairs))
    });
    next.cursor = cursor.as_deref();
    next.more = more;
    entries.extend(page);

    if counted {
        bundle["total"] = json!(seen);
    }
    bundle["link"] = links(hostile::next_link(&profile, &next).as_deref(), &self_url);
    let poisoned = profile.poison_entries && resource_type == "Observation";
    if !poisoned && !hostile::rewrites_search(&profile) {
        let page = page_bytes(&bundle, &entries, base, &resource_type);
        return Ok(fhir_bytes_response(StatusCode::OK, page));
    }
    let entries = entry_values(entries, &profile, base, &resource_type);
    if poisoned {
        tracing::debug!("injecting a fault: poison entries");
        let page = hostile::poisoned_page(bundle, &entries, base);
        return Ok(fhir_bytes_response(StatusCode::OK, page));
    }
    bundle["entry"] = Value::Array(entries);
    Ok(fhir_response(StatusCode::OK, &bundle))
}

/// A page's entries as the fault profile has them look: each resource copied to be changed.
fn entry_values(
    hits: Vec<Hit>,
    profile: &FaultProfile,
    base: &str,
    resource_type: &str,
) -> Vec<Value> {
    hits.into_iter()
        .map(|h| {
            let mut resource = h.version.resource();
            hostile::rewrite(profile, &mut resource);
            json!({
                "fullUrl": format!("{base}/{resource_type}/{}", h.id),
                "resource": resource,
                "search": {"mode": "match"},
            })
        })
        .collect()
}

/// A page whose resources are served as stored, written where they are: copying each into
/// the page's tree first was most of what a first sync cost the backend. The bundle's own
/// fields, then its entries.
fn page_bytes(head: &Value, hits: &[Hit], base: &str, resource_type: &str) -> Vec<u8> {
    let mut page = serde_json::to_vec(head).unwrap_or_else(|_| b"{}".to_vec());
    // An object's text ends with its `}`: the entries go in before it.
    if page.pop() != Some(b'}') {
        page = b"{".to_vec();
    }
    if page.len() > 1 {
        page.push(b',');
    }
    page.extend_from_slice(br#""entry":["#);
    for (n, hit) in hits.iter().enumerate() {
        if n > 0 {
            page.push(b',');
        }
        let full_url = format!("{base}/{resource_type}/{}", hit.id);
        page.extend_from_slice(br#"{"fullUrl":"#);
        // A string always serializes.
        page.extend(serde_json::to_vec(&full_url).unwrap_or_default());
        page.extend_from_slice(br#","resource":"#);
        page.extend(hit.version.text());
        page.extend_from_slice(br#","search":{"mode":"match"}}"#);
    }
    page.extend_from_slice(b"]}");
    page
}

/// The request's own absolute URL.
fn self_url_of(base: &str, resource_type: &str, raw: Option<&str>) -> String {
    match raw {
        Some(q) if !q.is_empty() => format!("{base}/{resource_type}?{q}"),
        _ => format!("{base}/{resource_type}"),
    }
}

/// A page's links: `self`, and `next` when there is one.
fn links(next: Option<&str>, self_url: &str) -> Value {
    let mut links = vec![json!({"relation": "self", "url": self_url})];
    if let Some(next) = next {
        links.push(json!({"relation": "next", "url": next}));
    }
    Value::Array(links)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vagt_core::Timestamp;

    fn params(query: &str) -> SearchParams {
        SearchParams::parse(&query_pairs(Some(query))).expect("valid")
    }

    #[test]
    fn last_updated_bounds_respect_prefix_and_precision() {
        let t = Timestamp::parse_rfc3339("2026-11-22T08:00:00.250Z")
            .expect("valid")
            .millis();
        let p = params("_lastUpdated=gt2026-11-22T08:00:00.250Z");
        assert_eq!((p.low, p.has_lower), (t + 1, true));
        assert!(p.keep.is_empty(), "lower bounds are replaced by the cursor");
        let p = params("_lastUpdated=ge2026-11-22T08%3A00%3A00Z&_lastUpdated=lt2026-11-23");
        assert_eq!(p.low, t - 250);
        let next_day = Timestamp::parse_rfc3339("2026-11-23T00:00:00Z")
            .expect("valid")
            .millis();
        assert_eq!(p.high, next_day - 1);
        assert_eq!(p.keep, vec![("_lastUpdated".into(), "lt2026-11-23".into())]);
        let p = params("_lastUpdated=gt2026-11-22T08:00:00Z");
        assert_eq!(
            p.low,
            t - 250 + 1000,
            "a second's precision covers the second"
        );
        let p = params("_lastUpdated=2026-11-22T09:00:00%2B01:00");
        assert_eq!((p.low, p.high), (t - 250, t - 250 + 999));
    }

    /// The page served from stored resources in place is the page built from their copies.
    #[test]
    fn a_page_serialized_in_place_equals_the_copied_one() {
        let hits: Vec<Hit> = (1..=3)
            .map(|n| Hit {
                id: format!("o-{n:06}"),
                version: Version::new(
                    n,
                    Timestamp::from_millis(i64::from(n)),
                    &json!({
                        "resourceType": "Observation",
                        "id": format!("o-{n:06}"),
                        "valueQuantity": {"value": 90 + n, "unit": "%"},
                    }),
                ),
            })
            .collect();
        let head = json!({
            "resourceType": "Bundle",
            "type": "searchset",
            "total": 3,
            "link": [{"relation": "self", "url": "http://x/fhir/Observation"}],
        });
        let served: Value =
            serde_json::from_slice(&page_bytes(&head, &hits, "http://x/fhir", "Observation"))
                .expect("json");
        let mut copied = head.clone();
        copied["entry"] = Value::Array(entry_values(
            hits,
            &FaultProfile::default(),
            "http://x/fhir",
            "Observation",
        ));
        assert_eq!(served, copied);
        assert_eq!(
            served["entry"][2]["fullUrl"],
            "http://x/fhir/Observation/o-000003"
        );
    }

    #[test]
    fn bad_search_parameters_are_errors_and_unknown_ones_ignored() {
        for bad in [
            "_lastUpdated=gtyesterday",
            "_lastUpdated=ne2026-11-22",
            "_count=many",
            "_sort=-_lastUpdated",
        ] {
            assert!(
                SearchParams::parse(&query_pairs(Some(bad))).is_err(),
                "{bad}"
            );
        }
        let p = params("_count=9000&foo=bar&_summary=count&patient=p-0001");
        assert_eq!(p.count, MAX_COUNT);
        assert!(p.summary_count);
        assert!(
            matches!(p.subject, Some(SubjectFilter::Reference(ref r)) if r == "Patient/p-0001")
        );
        assert!(!p.keep.iter().any(|(k, _)| k == "foo"));
    }
}
