//! What the FHIR endpoints were asked and answered: requests and bytes each way, per kind of
//! request (method and resource type), as `GET /admin/traffic` reports them. How many stations
//! one backend serves is measured from it (`scripts/measure-stations.sh`).

use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Requests of one kind and their bytes: bodies only, as a server's access log counts them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TrafficCounts {
    pub requests: u64,
    pub request_bytes: u64,
    pub response_bytes: u64,
}

impl TrafficCounts {
    fn add(&mut self, other: TrafficCounts) {
        self.requests += other.requests;
        self.request_bytes += other.request_bytes;
        self.response_bytes += other.response_bytes;
    }
}

/// Everything counted since the simulator started: the sum, and each kind of request
/// (`"GET Observation"`, `"GET Patient/{id}"`, `"POST (transaction)"`, ...).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct TrafficReport {
    pub total: TrafficCounts,
    pub by_kind: BTreeMap<String, TrafficCounts>,
}

/// The counters the middleware adds to.
#[derive(Debug, Default)]
pub(crate) struct Traffic {
    by_kind: Mutex<BTreeMap<String, TrafficCounts>>,
}

impl Traffic {
    pub fn count(&self, kind: String, counts: TrafficCounts) {
        // A poisoned lock only means another request panicked mid-add: the counts stay usable.
        let mut by_kind = self.by_kind.lock().unwrap_or_else(|e| e.into_inner());
        by_kind.entry(kind).or_default().add(counts);
    }

    pub fn report(&self) -> TrafficReport {
        let by_kind = self
            .by_kind
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut total = TrafficCounts::default();
        for counts in by_kind.values() {
            total.add(*counts);
        }
        TrafficReport { total, by_kind }
    }
}

/// The kind of a FHIR request: its method and what the path names, ids left out, so that a
/// station's thousand reads of one type are one kind. A client naming ever new types makes ever
/// new kinds: a test double's count, not a server's, lives with that.
pub(crate) fn kind_of(method: &str, path: &str) -> String {
    let segments: Vec<&str> = path
        .trim_start_matches("/fhir")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let what = match segments.as_slice() {
        [] => "(transaction)".to_owned(),
        [resource_type] => (*resource_type).to_owned(),
        [resource_type, _] => format!("{resource_type}/{{id}}"),
        [resource_type, _, "_history", _] => format!("{resource_type}/{{id}}/_history/{{vid}}"),
        [resource_type, ..] => format!("{resource_type}/..."),
    };
    format!("{method} {what}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_leave_ids_out() {
        assert_eq!(kind_of("GET", "/fhir/Observation"), "GET Observation");
        assert_eq!(kind_of("GET", "/fhir/Patient/p-1"), "GET Patient/{id}");
        assert_eq!(
            kind_of("GET", "/fhir/Patient/p-1/_history/2"),
            "GET Patient/{id}/_history/{vid}"
        );
        assert_eq!(kind_of("POST", "/fhir"), "POST (transaction)");
        assert_eq!(kind_of("GET", "/fhir/metadata"), "GET metadata");
    }

    #[test]
    fn the_total_is_the_sum_of_the_kinds() {
        let traffic = Traffic::default();
        let counts = |requests, request_bytes, response_bytes| TrafficCounts {
            requests,
            request_bytes,
            response_bytes,
        };
        traffic.count("GET Observation".into(), counts(1, 0, 500));
        traffic.count("GET Observation".into(), counts(1, 0, 700));
        traffic.count("POST (transaction)".into(), counts(1, 900, 300));
        let report = traffic.report();
        assert_eq!(report.total, counts(3, 900, 1500));
        assert_eq!(report.by_kind["GET Observation"], counts(2, 0, 1200));
    }
}
