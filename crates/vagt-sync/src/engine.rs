//! One sync run: pull each resource type incrementally, then push the outbox.

use crate::SyncError;
use crate::client::FhirClient;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};
use vagt_core::{CitizenId, Timestamp};
use vagt_fhir::{ObservationUpdate, local_reference, map_condition, map_observation, map_patient};
use vagt_store::{PullBatch, PullReport, Rejection, SourcedCitizen, Store};

/// Pulled in this order, so a reading's citizen is known before the reading arrives.
pub const PULLED_TYPES: [&str; 3] = ["Patient", "Condition", "Observation"];

#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Resources per page asked for (`_count`).
    pub page_size: usize,
    /// How far before the checkpoint each pull starts again, to catch resources a server
    /// committed late with an earlier `lastUpdated`. Re-pulled ones are no-ops.
    pub overlap: Duration,
    /// Outbox items pushed per run at most.
    pub push_limit: usize,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            page_size: 200,
            overlap: Duration::from_secs(120),
            push_limit: 500,
        }
    }
}

/// How far a pull has come, for a status bar or a terminal.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub resource_type: String,
    pub done: usize,
    /// From `_summary=count`, when the server gives it.
    pub total: Option<u64>,
    pub per_second: f64,
    pub seconds_left: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    pub pulled: usize,
    pub citizens: usize,
    pub accepted: usize,
    pub duplicates: usize,
    pub retracted: usize,
    pub rejected: usize,
    pub pushed: usize,
}

impl SyncReport {
    fn add(&mut self, page: &PullReport, resources: usize) {
        self.pulled += resources;
        self.citizens += page.citizens;
        self.accepted += page.accepted;
        self.duplicates += page.duplicates;
        self.retracted += page.retracted;
        self.rejected += page.rejected;
    }
}

/// One full run, recorded in `sync_runs` whatever its outcome.
pub async fn sync_once(
    store: &mut Store,
    client: &FhirClient,
    config: &SyncConfig,
    progress: &mut dyn FnMut(&Progress),
) -> Result<SyncReport, SyncError> {
    let run = store.begin_sync_run(client.base())?;
    let mut report = SyncReport::default();
    let result = async {
        for resource_type in PULLED_TYPES {
            pull_type(store, client, config, resource_type, &mut report, progress).await?;
        }
        push_outbox(store, client, config, &mut report).await
    }
    .await;
    let (outcome, error) = match &result {
        Ok(()) => ("ok", None),
        Err(e) => ("failed", Some(e.to_string())),
    };
    store.finish_sync_run(
        run,
        outcome,
        report.pulled,
        report.pushed,
        report.rejected,
        error.as_deref(),
    )?;
    result.map(|()| report)
}

fn search_url(
    resource_type: &str,
    since: Option<Timestamp>,
    page_size: usize,
    summary_count: bool,
) -> String {
    let mut url = format!("{resource_type}?_sort=_lastUpdated");
    if summary_count {
        url.push_str("&_summary=count");
    } else {
        url.push_str(&format!("&_count={page_size}"));
    }
    if let Some(since) = since {
        url.push_str(&format!("&_lastUpdated=gt{}", since.to_rfc3339()));
    }
    url
}

fn last_updated(resource: &serde_json::Value) -> Option<Timestamp> {
    resource
        .pointer("/meta/lastUpdated")
        .and_then(serde_json::Value::as_str)
        .and_then(|s| Timestamp::parse_rfc3339(s).ok())
}

async fn pull_type(
    store: &mut Store,
    client: &FhirClient,
    config: &SyncConfig,
    resource_type: &str,
    report: &mut SyncReport,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(), SyncError> {
    let backend = client.base().to_owned();
    let checkpoint = store
        .sync_checkpoint(&backend, resource_type)?
        .and_then(|c| Timestamp::parse_rfc3339(&c).ok());
    let overlap_ms = i64::try_from(config.overlap.as_millis()).unwrap_or(i64::MAX);
    let since = checkpoint.map(|c| c.plus_millis(-overlap_ms));
    // The total is only for progress: a server that cannot count is no reason to stop.
    let total = match client
        .get(&search_url(resource_type, since, config.page_size, true))
        .await
    {
        Ok(r) => vagt_fhir::parse_bundle(&r.body).ok().and_then(|b| b.total),
        Err(_) => None,
    };
    let started = Instant::now();
    let mut done = 0usize;
    let mut next = Some(search_url(resource_type, since, config.page_size, false));
    // Per-page checkpoints are safe only while the server returns pages in lastUpdated order;
    // otherwise the checkpoint moves once, after the last page.
    let mut in_order = true;
    let mut newest = checkpoint;
    while let Some(url) = next.take() {
        let response = client.get(&url).await?;
        let bundle = vagt_fhir::parse_bundle(&response.body)
            .map_err(|e| SyncError::NotFhir(e.to_string()))?;
        let resources: Vec<&serde_json::Value> = bundle.resources().collect();
        let mut page_newest = newest;
        for resource in &resources {
            if let Some(t) = last_updated(resource) {
                if newest.is_some_and(|n| t < n.plus_millis(-overlap_ms)) {
                    in_order = false;
                }
                page_newest = page_newest.max(Some(t));
            }
        }
        let batch = map_page(store, client, resource_type, &resources).await?;
        next = bundle.next_link().map(str::to_owned);
        let move_checkpoint = in_order || next.is_none();
        let checkpoint_text = page_newest
            .filter(|_| move_checkpoint)
            .map(Timestamp::to_rfc3339);
        let page = store.apply_pull(
            &backend,
            resource_type,
            batch,
            checkpoint_text.as_deref(),
            Timestamp::now(),
        )?;
        report.add(&page, resources.len());
        newest = page_newest;
        done += resources.len();
        let elapsed = started.elapsed().as_secs_f64().max(1e-3);
        let per_second = done as f64 / elapsed;
        progress(&Progress {
            resource_type: resource_type.to_owned(),
            done,
            total,
            per_second,
            seconds_left: total.map(|t| (t as f64 - done as f64).max(0.0) / per_second.max(1e-9)),
        });
    }
    Ok(())
}

fn rejection(base: &str, resource: &serde_json::Value, rejected: vagt_fhir::Rejected) -> Rejection {
    Rejection {
        source: base.to_owned(),
        source_id: rejected.source_id,
        resource_type: rejected.resource_type,
        reason_code: rejected.reason.code().to_owned(),
        reason: rejected.reason.to_string(),
        payload: resource.to_string(),
    }
}

fn map_patients(base: &str, resources: &[&serde_json::Value]) -> PullBatch {
    let mut batch = PullBatch::default();
    for resource in resources {
        match map_patient(resource, base) {
            Ok(record) => batch.citizens.push(SourcedCitizen {
                source_id: record.resource_id,
                source_version: record.version,
                citizen: record.citizen,
            }),
            Err(rejected) => batch.rejections.push(rejection(base, resource, rejected)),
        }
    }
    batch
}

/// Maps one page to the domain. References to citizens this store has not seen yet (a Patient
/// created after the Patient pull) are fetched first, so no reading is rejected for arriving
/// before its citizen.
async fn map_page(
    store: &mut Store,
    client: &FhirClient,
    resource_type: &str,
    resources: &[&serde_json::Value],
) -> Result<PullBatch, SyncError> {
    let base = client.base().to_owned();
    if resource_type == "Patient" {
        return Ok(map_patients(&base, resources));
    }
    let mut batch = PullBatch::default();
    let reject = |resource: &serde_json::Value, rejected| rejection(&base, resource, rejected);
    let subjects = subject_references(resources);
    fetch_unknown_patients(store, client, &subjects).await?;
    // Each distinct subject is looked up once per page, not once per resource.
    let mut known: HashMap<String, CitizenId> = HashMap::new();
    for local in subjects {
        if let Some(citizen) = store.citizen_for_source(&format!("{base}|{local}"))? {
            known.insert(local, citizen);
        }
    }
    let citizen_for =
        |reference: &str| -> Option<CitizenId> { known.get(&local_reference(reference)?).cloned() };
    for resource in resources {
        match resource_type {
            "Condition" => match map_condition(resource, &citizen_for) {
                Ok(Some(diagnosis)) => batch.diagnoses.push(diagnosis),
                Ok(None) => {}
                Err(rejected) => batch.rejections.push(reject(resource, rejected)),
            },
            _ => match map_observation(resource, &base, &citizen_for) {
                Ok(ObservationUpdate::Measurements(m)) => batch.measurements.extend(m),
                Ok(ObservationUpdate::Retracted { source_id }) => batch.retractions.push(source_id),
                Err(rejected) => batch.rejections.push(reject(resource, rejected)),
            },
        }
    }
    Ok(batch)
}

/// The local references (`Patient/123`) of the resources' subjects.
fn subject_references(resources: &[&serde_json::Value]) -> BTreeSet<String> {
    resources
        .iter()
        .filter_map(|r| {
            r.pointer("/subject/reference")
                .and_then(serde_json::Value::as_str)
        })
        .filter_map(local_reference)
        .filter(|local| local.starts_with("Patient/"))
        .collect()
}

async fn fetch_unknown_patients(
    store: &mut Store,
    client: &FhirClient,
    subjects: &BTreeSet<String>,
) -> Result<(), SyncError> {
    let base = client.base().to_owned();
    let mut unknown = Vec::new();
    for local in subjects {
        if store
            .citizen_for_source(&format!("{base}|{local}"))?
            .is_none()
        {
            unknown.push(local);
        }
    }
    for local in unknown {
        let response = match client.get(local).await {
            Ok(r) => r,
            // Gone or never there: the reading is rejected as for an unknown citizen.
            Err(SyncError::Rejected {
                status: 404 | 410, ..
            }) => continue,
            Err(e) => return Err(e),
        };
        let Ok(resource) = serde_json::from_slice::<serde_json::Value>(&response.body) else {
            continue;
        };
        store.apply_pull(
            &base,
            "Patient",
            map_patients(&base, &[&resource]),
            None,
            Timestamp::now(),
        )?;
    }
    Ok(())
}

async fn push_outbox(
    store: &mut Store,
    client: &FhirClient,
    config: &SyncConfig,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    const IDENTIFIER_SYSTEM: &str = "urn:ietf:rfc:3986";
    for item in store.pending_outbox(config.push_limit)? {
        let mut resource = item.payload.clone();
        let Some(resource_type) = resource
            .get("resourceType")
            .and_then(|t| t.as_str())
            .map(str::to_owned)
        else {
            store.mark_outbox_failed(item.seq, "the queued item is not a FHIR resource")?;
            continue;
        };
        if let Some(object) = resource.as_object_mut() {
            object.insert(
                "identifier".into(),
                serde_json::json!([{ "system": IDENTIFIER_SYSTEM, "value": item.client_id }]),
            );
        }
        let condition = format!("identifier={IDENTIFIER_SYSTEM}|{}", item.client_id);
        match client
            .create_once(&resource_type, &resource, &condition)
            .await
        {
            Ok(response) => {
                let server_ref = response.location.unwrap_or_else(|| resource_type.clone());
                store.mark_outbox_sent(item.seq, &server_ref)?;
                report.pushed += 1;
            }
            // A refusal of this item must not hold back the others; it stays queued with its error.
            Err(SyncError::Rejected { status, detail }) => {
                store.mark_outbox_failed(item.seq, &format!("HTTP {status}: {detail}"))?;
            }
            Err(e) => {
                store.mark_outbox_failed(item.seq, &e.to_string())?;
                return Err(e);
            }
        }
    }
    Ok(())
}
