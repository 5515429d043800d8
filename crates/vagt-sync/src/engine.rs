//! One sync run: pull each resource type incrementally, then push the outbox.

use crate::SyncError;
use crate::capabilities::{PullMode, ServerCapabilities};
use crate::client::FhirClient;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant};
use vagt_core::{CitizenId, Timestamp};
use vagt_fhir::{
    ObservationUpdate, QuestionnaireUpdate, local_reference, map_acknowledgement_task,
    map_condition, map_encounter, map_observation, map_patient, map_questionnaire_response,
    outbound_resource,
};
use vagt_store::{
    OutboxRecord, PullBatch, PullReport, Rejection, SourcedCitizen, Store, SyncProgress, SyncRunEnd,
};

/// Pulled in this order, so a reading's citizen is known before the reading arrives.
/// QuestionnaireResponses carry the scored forms (symptom score, CAT); many servers hold none.
/// Encounters carry care events (MAS visits, admissions, discharges) that set level floors.
/// Tasks carry alarm acknowledgements made at other stations.
pub const PULLED_TYPES: [&str; 6] = [
    "Patient",
    "Condition",
    "Observation",
    "QuestionnaireResponse",
    "Encounter",
    "Task",
];

/// Without these there is nothing to watch; the others are pulled where the server has them.
const REQUIRED_TYPES: [&str; 2] = ["Patient", "Observation"];

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
    /// Alarms raised by what this run brought (and by time passing): filled in by whoever
    /// evaluates after the run (the app's sync use case), not by the sync itself.
    pub alarms_raised: usize,
    /// Acknowledgements from other stations this run applied.
    #[serde(skip)]
    pub acknowledgements: usize,
    /// The citizens whose data this run changed: what must be evaluated and shown again.
    #[serde(skip)]
    pub changed_citizens: BTreeSet<CitizenId>,
    /// The server's count of Observations to pull this run, when it gave one.
    #[serde(skip)]
    pub observations_total: Option<u64>,
    #[serde(skip)]
    pub observations_done: usize,
}

impl SyncReport {
    fn add(&mut self, page: &PullReport, resources: usize) {
        self.pulled += resources;
        self.citizens += page.citizens;
        self.accepted += page.accepted;
        self.duplicates += page.duplicates;
        self.retracted += page.retracted;
        self.rejected += page.rejected;
        self.acknowledgements += page.acknowledgements;
        self.changed_citizens
            .extend(page.changed_citizens.iter().cloned());
    }
}

/// How a run went: what it did, even when it failed part-way (what it pulled before the
/// failure is stored, and must still be evaluated), and whether it finished.
#[derive(Debug)]
pub struct SyncRun {
    pub report: SyncReport,
    pub result: Result<(), SyncError>,
}

/// One full run, recorded in `sync_runs` whatever its outcome; the report of a failed run is
/// lost here, see [`sync_run`].
pub async fn sync_once(
    store: &mut Store,
    client: &FhirClient,
    config: &SyncConfig,
    progress: &mut dyn FnMut(&Progress),
) -> Result<SyncReport, SyncError> {
    let run = sync_run(store, client, config, progress).await?;
    run.result.map(|()| run.report)
}

/// One full run, recorded in `sync_runs` whatever its outcome. `Err` only when the store
/// itself fails to record the run.
pub async fn sync_run(
    store: &mut Store,
    client: &FhirClient,
    config: &SyncConfig,
    progress: &mut dyn FnMut(&Progress),
) -> Result<SyncRun, SyncError> {
    let run = store.begin_sync_run(client.base())?;
    let mut report = SyncReport::default();
    let result = async {
        let capabilities = ServerCapabilities::fetch(client).await?;
        for resource_type in PULLED_TYPES {
            let mode = capabilities.pull_mode(resource_type);
            if mode == PullMode::Absent {
                if REQUIRED_TYPES.contains(&resource_type) {
                    return Err(SyncError::Unsupported(format!(
                        "its CapabilityStatement offers no search of {resource_type}"
                    )));
                }
                tracing::info!(
                    resource_type,
                    "the backend does not hold this type; skipped"
                );
                continue;
            }
            if mode == PullMode::Full {
                tracing::warn!(
                    resource_type,
                    "no _lastUpdated search: pulling the whole type"
                );
            }
            pull_type(
                store,
                client,
                config,
                PullOf {
                    run,
                    mode,
                    resource_type,
                },
                &mut report,
                progress,
            )
            .await?;
        }
        push_outbox(store, client, config, &capabilities, &mut report).await
    }
    .await;
    // The rules are not applied here: whoever runs the sync evaluates what it changed (see
    // `SyncReport::changed_citizens`), whatever the outcome, on its own clock.
    let message = result.as_ref().err().map(ToString::to_string);
    let error = result
        .as_ref()
        .err()
        .map(SyncError::code)
        .zip(message.as_deref());
    // After a whole run nothing counted is missing; a run cut short knows it only once the
    // Observation pull has counted.
    let behind = match (&result, report.observations_total) {
        (Ok(()), _) => Some(0),
        (Err(_), Some(total)) => Some(total.saturating_sub(report.observations_done as u64)),
        (Err(_), None) => None,
    };
    store.finish_sync_run(
        run,
        &SyncRunEnd {
            outcome: if result.is_ok() { "ok" } else { "failed" },
            pulled: report.pulled,
            pushed: report.pushed,
            rejected: report.rejected,
            error,
            behind,
        },
    )?;
    Ok(SyncRun { report, result })
}

/// The lower bound of a search on `lastUpdated`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Lower {
    None,
    /// After the checkpoint (less the overlap).
    After(Timestamp),
    /// From a cursor of our own, ties included: resources sharing the cursor's instant may be
    /// split across pages.
    From(Timestamp),
}

#[derive(Debug, Clone, Copy)]
struct Query {
    lower: Lower,
    sorted: bool,
    offset: usize,
}

fn search_url(resource_type: &str, query: Query, page_size: usize, summary_count: bool) -> String {
    let mut params: Vec<String> = Vec::new();
    if query.sorted {
        params.push("_sort=_lastUpdated".into());
    }
    if summary_count {
        params.push("_summary=count".into());
    } else {
        params.push(format!("_count={page_size}"));
    }
    match query.lower {
        Lower::None => {}
        Lower::After(t) => params.push(format!("_lastUpdated=gt{}", t.to_rfc3339())),
        Lower::From(t) => params.push(format!("_lastUpdated=ge{}", t.to_rfc3339())),
    }
    if query.offset > 0 {
        params.push(format!("_offset={}", query.offset));
    }
    // `+` in an instant's offset would read as a space; Vagt writes UTC (`Z`), so the only
    // characters needing care are `:` and those are allowed in a query.
    format!("{resource_type}?{}", params.join("&"))
}

fn last_updated(resource: &serde_json::Value) -> Option<Timestamp> {
    resource
        .pointer("/meta/lastUpdated")
        .and_then(serde_json::Value::as_str)
        .and_then(|s| Timestamp::parse_rfc3339(s).ok())
}

/// A resource version's identity within one pull, to tell a page that brings nothing new.
fn version_key(resource: &serde_json::Value) -> Option<(String, String)> {
    let id = resource.get("id")?.as_str()?;
    let version = resource
        .pointer("/meta/versionId")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("");
    Some((id.to_owned(), version.to_owned()))
}

/// One type's pull within a run.
#[derive(Debug, Clone, Copy)]
struct PullOf<'a> {
    run: i64,
    mode: PullMode,
    resource_type: &'a str,
}

async fn pull_type(
    store: &mut Store,
    client: &FhirClient,
    config: &SyncConfig,
    pull: PullOf<'_>,
    report: &mut SyncReport,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(), SyncError> {
    let PullOf {
        run,
        mode,
        resource_type,
    } = pull;
    let backend = client.base().to_owned();
    let incremental = mode == PullMode::Incremental;
    let checkpoint = if incremental {
        store
            .sync_checkpoint(&backend, resource_type)?
            .and_then(|c| Timestamp::parse_rfc3339(&c).ok())
    } else {
        None
    };
    let overlap_ms = i64::try_from(config.overlap.as_millis()).unwrap_or(i64::MAX);
    let mut query = Query {
        lower: checkpoint.map_or(Lower::None, |c| Lower::After(c.plus_millis(-overlap_ms))),
        sorted: true,
        offset: 0,
    };
    // The total is only for progress: a server that cannot count is no reason to stop.
    let total = match client
        .get(&search_url(resource_type, query, config.page_size, true))
        .await
    {
        Ok(r) => vagt_fhir::parse_bundle(&r.body).ok().and_then(|b| b.total),
        Err(_) => None,
    };
    if resource_type == "Observation" {
        report.observations_total = total;
    }
    let started = Instant::now();
    let mut done = 0usize;
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut next = Some(search_url(resource_type, query, config.page_size, false));
    // Per-page checkpoints are safe only while the server returns pages in lastUpdated order;
    // otherwise the checkpoint moves once, after the last page.
    let mut in_order = true;
    let mut newest = checkpoint;
    // Resources received for the current query, for `_offset` paging and its `total`.
    let mut received_for_query = 0usize;
    while let Some(url) = next.take() {
        let response = match client.get(&url).await {
            // A server that refuses `_sort` is asked again without it; its pages may then come
            // in any order, so the checkpoint waits for the last one.
            Err(SyncError::Rejected { status: 400, .. }) if query.sorted && done == 0 => {
                tracing::warn!(resource_type, "the backend refused _sort=_lastUpdated");
                query.sorted = false;
                in_order = false;
                next = Some(search_url(resource_type, query, config.page_size, false));
                continue;
            }
            other => other?,
        };
        let bundle = vagt_fhir::parse_bundle(&response.body)
            .map_err(|e| SyncError::NotFhir(e.to_string()))?;
        let resources: Vec<&serde_json::Value> = bundle.resources().collect();
        let mut page_newest = newest;
        let mut page_sorted = true;
        let mut previous: Option<Timestamp> = None;
        let mut fresh = 0usize;
        for resource in &resources {
            if let Some(t) = last_updated(resource) {
                if newest.is_some_and(|n| t < n.plus_millis(-overlap_ms)) {
                    in_order = false;
                }
                if previous.is_some_and(|p| t < p) {
                    page_sorted = false;
                }
                previous = Some(t);
                page_newest = page_newest.max(Some(t));
            }
            if version_key(resource).is_none_or(|key| seen.insert(key)) {
                fresh += 1;
            }
        }
        if !page_sorted {
            in_order = false;
        }
        let batch = map_page(store, client, resource_type, &resources).await?;
        received_for_query += resources.len();
        next = match bundle.next_link() {
            Some(link) => {
                received_for_query = 0;
                Some(link.to_owned())
            }
            None => {
                let more_by_total = bundle
                    .total
                    .is_some_and(|t| usize::try_from(t).unwrap_or(usize::MAX) > received_for_query);
                let full_page = resources.len() >= config.page_size;
                // An offset page that brings nothing new means the server ignores `_offset`.
                let stuck = fresh == 0 && query.offset > 0;
                if stuck || !(full_page || more_by_total) {
                    None
                } else {
                    // No link to follow, yet there may be more: continue by a cursor of our own
                    // where the page is in order and moved it, else by offset on this query.
                    let cursor = previous.filter(|_| page_sorted && query.sorted);
                    let moved = match (cursor, query.lower) {
                        (Some(c), Lower::From(old)) => c > old,
                        (Some(_), _) => true,
                        (None, _) => false,
                    };
                    match cursor {
                        Some(c) if moved => {
                            query.lower = Lower::From(c);
                            query.offset = 0;
                            received_for_query = 0;
                        }
                        _ => {
                            query.offset = received_for_query;
                            in_order = false;
                        }
                    }
                    Some(search_url(resource_type, query, config.page_size, false))
                }
            }
        };
        let move_checkpoint = incremental && (in_order || next.is_none());
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
        if resource_type == "Observation" {
            report.observations_done = done;
        }
        let elapsed = started.elapsed().as_secs_f64().max(1e-3);
        let per_second = done as f64 / elapsed;
        store.record_sync_progress(
            run,
            &SyncProgress {
                resource_type: resource_type.to_owned(),
                done: done as u64,
                total,
                per_second,
            },
        )?;
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

fn rejection(
    base: &str,
    resource: &serde_json::Value,
    rejected: vagt_fhir::Rejected,
    citizen: Option<CitizenId>,
) -> Rejection {
    Rejection {
        source: base.to_owned(),
        source_id: rejected.source_id,
        resource_type: rejected.resource_type,
        reason_code: rejected.reason.code().to_owned(),
        reason: rejected.reason.to_string(),
        payload: resource.to_string(),
        citizen_id: citizen.map(|c| c.as_str().to_owned()),
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
            Err(rejected) => batch
                .rejections
                .push(rejection(base, resource, rejected, None)),
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
    // An encounter dated after this is from the future (beyond the tolerated clock skew).
    let received_at = Timestamp::now();

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
    // A rejected reading is kept with its citizen where the subject is known, so an implausible
    // value can raise that citizen's alarm.
    let reject = |resource: &serde_json::Value, rejected| {
        let citizen = resource
            .pointer("/subject/reference")
            .and_then(serde_json::Value::as_str)
            .and_then(citizen_for);
        rejection(&base, resource, rejected, citizen)
    };
    for resource in resources {
        match resource_type {
            "Condition" => match map_condition(resource, &citizen_for) {
                Ok(Some(diagnosis)) => batch.diagnoses.push(diagnosis),
                Ok(None) => {}
                Err(rejected) => batch.rejections.push(reject(resource, rejected)),
            },
            "Encounter" => match map_encounter(resource, &base, &citizen_for, received_at) {
                Ok(update) => batch.care_events.push(update),
                Err(rejected) => batch.rejections.push(reject(resource, rejected)),
            },
            "Task" => match map_acknowledgement_task(resource) {
                Ok(Some(ack)) => batch.acknowledgements.push(ack),
                // Not Vagt's: a backend holds many kinds of Task.
                Ok(None) => {}
                Err(rejected) => batch.rejections.push(reject(resource, rejected)),
            },
            "QuestionnaireResponse" => {
                match map_questionnaire_response(resource, &base, &citizen_for) {
                    Ok(QuestionnaireUpdate::Measurement(m)) => batch.measurements.push(m),
                    Ok(QuestionnaireUpdate::Retracted { source_id }) => {
                        batch.retractions.push(source_id);
                    }
                    // A form still being filled in: its completed version comes in a later pull.
                    Ok(QuestionnaireUpdate::Pending) => {}
                    Err(rejected) => batch.rejections.push(reject(resource, rejected)),
                }
            }
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
    capabilities: &ServerCapabilities,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    const IDENTIFIER_SYSTEM: &str = "urn:ietf:rfc:3986";
    let base = client.base().to_owned();
    for item in store.pending_outbox(config.push_limit)? {
        let mut resource = match &item.record {
            OutboxRecord::Record(record) => {
                // The citizen's Patient on this backend, looked up now: a citizen first known
                // locally may have been pulled from the backend since the record was queued.
                let patient = store
                    .citizen_source(record.citizen_id())?
                    .as_deref()
                    .and_then(|source| source.strip_prefix(&format!("{base}|")).map(str::to_owned))
                    .filter(|local| local.starts_with("Patient/"));
                outbound_resource(record, patient.as_deref())
            }
            OutboxRecord::Fhir(resource) => resource.clone(),
        };
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
        let created = if capabilities.conditional_create(&resource_type) {
            client
                .create_once(&resource_type, &resource, &condition)
                .await
        } else {
            // Without conditional create, look for an earlier copy first. Only this station
            // pushes this identifier, so nothing races between the search and the create.
            find_then_create(client, &resource_type, &resource, &condition).await
        };
        match created {
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

async fn find_then_create(
    client: &FhirClient,
    resource_type: &str,
    resource: &serde_json::Value,
    condition: &str,
) -> Result<crate::client::FhirResponse, SyncError> {
    let found = client.get(&format!("{resource_type}?{condition}")).await?;
    let bundle =
        vagt_fhir::parse_bundle(&found.body).map_err(|e| SyncError::NotFhir(e.to_string()))?;
    if let Some(id) = bundle
        .resources()
        .find_map(|r| r.get("id").and_then(serde_json::Value::as_str))
    {
        return Ok(crate::client::FhirResponse {
            status: found.status,
            location: Some(format!("{resource_type}/{id}")),
            body: Vec::new(),
        });
    }
    client.create_one_attempt(resource_type, resource).await
}
