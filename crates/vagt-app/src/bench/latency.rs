//! From a reading posted to the backend to its alarm at a station (issue 15: within 2 s). A
//! station runs its background sync as the app does, on its own encrypted database; the bench
//! posts, as a citizen's device would, an oxygen saturation of 75 % for a COPD citizen with no
//! open alarm, and times until the station tells its window of that citizen's new alarm (the
//! change notice the window redraws on). Measured with the backend's Subscriptions, and, as the
//! reference in the same run on the same backend, by the poll alone.

use crate::{AppError, BackgroundPlan, StoreChanged};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use vagt_core::citizen::Diagnosis;
use vagt_core::{CitizenId, Timestamp};
use vagt_store::Actor;
use vagt_sync::{FhirClient, RetryPolicy};

#[derive(Debug, Clone, Serialize)]
pub struct LatencyBench {
    /// Whether the backend's Subscriptions were bound when the subscribed station measured.
    pub subscriptions_bound: bool,
    /// The poll interval of both stations (the app's default).
    pub poll_every_s: f64,
    pub subscribed: LatencyFigures,
    /// The reference: a station that only polls.
    pub polling: LatencyFigures,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct LatencyFigures {
    /// Readings posted.
    pub posted: usize,
    /// Of those, the alarms the station raised and told its window of.
    pub alarmed: usize,
    pub median_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
}

/// The wait for one alarm beyond the poll interval before it counts as missed.
const PATIENCE: Duration = Duration::from_secs(15);

/// Measures `runs` readings with Subscriptions and `reference_runs` by the poll alone, against
/// the backend at `backend` (which must take Observations from devices, as `vagt-sim` does).
pub fn reading_to_alarm(
    backend: &str,
    runs: usize,
    reference_runs: usize,
    poll_every: Duration,
) -> Result<LatencyBench, AppError> {
    let devices = Devices::new(backend)?;
    let patients = devices.patients()?;
    let mut used = Vec::new();
    let (subscriptions_bound, subscribed) = measure(
        backend, &devices, &patients, &mut used, runs, poll_every, true,
    )?;
    let (_, polling) = measure(
        backend,
        &devices,
        &patients,
        &mut used,
        reference_runs,
        poll_every,
        false,
    )?;
    Ok(LatencyBench {
        subscriptions_bound,
        poll_every_s: poll_every.as_secs_f64(),
        subscribed,
        polling,
    })
}

/// The change notices a station gave, with when.
#[derive(Default)]
struct Notices {
    seen: Mutex<Vec<(Instant, StoreChanged)>>,
    arrived: Condvar,
}

impl Notices {
    /// When the window was told of an alarm change naming `citizen`, after `since`.
    fn alarm_of(&self, citizen: &CitizenId, since: Instant, patience: Duration) -> Option<Instant> {
        let deadline = since + patience;
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let found = seen
                .iter()
                .find(|(at, change)| *at >= since && change.alarms_changed_of(citizen));
            if let Some((at, _)) = found {
                return Some(*at);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            seen = self
                .arrived
                .wait_timeout(seen, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

fn measure(
    backend: &str,
    devices: &Devices,
    patients: &BTreeMap<CitizenId, String>,
    used: &mut Vec<CitizenId>,
    runs: usize,
    poll_every: Duration,
    subscribe: bool,
) -> Result<(bool, LatencyFigures), AppError> {
    let (_dir, session) = super::temporary_session()?;
    let notices = Arc::new(Notices::default());
    let recorder = notices.clone();
    let session = session.with_sink(Arc::new(move |change: &StoreChanged| {
        let mut seen = recorder.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.push((Instant::now(), change.clone()));
        recorder.arrived.notify_all();
    }));
    let actor = Actor("bench".into());
    // Caught up first, in as many runs as the region takes.
    super::sync_whole(&session, &session.sync_client(backend)?)?;
    let background = session.start_background(BackgroundPlan {
        backend: Some(backend.to_owned()),
        sync_every: poll_every,
        evaluate_every: BackgroundPlan::DEFAULT_EVALUATE_EVERY,
        subscribe,
    })?;
    // The Subscriptions are made and bound (and the station caught up) before the first post.
    let settle = Instant::now();
    while subscribe && !background.subscribed() && settle.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    let bound = background.subscribed();
    let mut figures = LatencyFigures::default();
    let mut latencies = Vec::new();
    let candidates: Vec<CitizenId> = session
        .worklist(&actor)?
        .into_iter()
        .filter(|row| row.open_alarms == 0 && row.diagnoses.contains(&Diagnosis::Copd))
        .map(|row| row.id)
        .filter(|id| patients.contains_key(id) && !used.contains(id))
        .collect();
    for (run, citizen) in candidates.into_iter().take(runs).enumerate() {
        let Some(patient) = patients.get(&citizen) else {
            continue;
        };
        used.push(citizen.clone());
        // Posted at spread points of the poll's cycle, so the reference is its average.
        let phase = (run as f64 * 0.618_034).fract();
        std::thread::sleep(poll_every.mul_f64(phase).min(Duration::from_secs(2)));
        let posted = Instant::now();
        devices.post_low_saturation(patient)?;
        figures.posted += 1;
        if let Some(at) = notices.alarm_of(&citizen, posted, poll_every + PATIENCE) {
            let raised = !session.alarm_episodes_of(&actor, &[citizen])?.is_empty();
            if raised {
                figures.alarmed += 1;
                latencies.push(at.duration_since(posted).as_secs_f64() * 1000.0);
            }
        }
    }
    background.stop();
    latencies.sort_by(f64::total_cmp);
    let at = |share: f64| {
        let index = ((latencies.len() as f64 * share).ceil() as usize).saturating_sub(1);
        latencies.get(index).copied().unwrap_or(0.0)
    };
    figures.median_ms = super::median(latencies.clone());
    figures.p95_ms = at(0.95);
    figures.max_ms = latencies.last().copied().unwrap_or(0.0);
    Ok((bound, figures))
}

/// The citizens' devices: what posts readings to the backend, on one runtime for every post.
pub(super) struct Devices {
    client: FhirClient,
    runtime: tokio::runtime::Runtime,
}

impl Devices {
    pub(super) fn new(backend: &str) -> Result<Self, AppError> {
        Ok(Devices {
            client: FhirClient::new(backend, None, RetryPolicy::default())?,
            runtime: crate::sync::runtime()?,
        })
    }

    /// Citizen id → the server id of their Patient, from the backend's first pages.
    pub(super) fn patients(&self) -> Result<BTreeMap<CitizenId, String>, AppError> {
        let client = &self.client;
        let mut found = BTreeMap::new();
        let mut next = Some("Patient?_count=200".to_owned());
        let mut pages = 0;
        while let Some(url) = next.take().filter(|_| pages < 20) {
            pages += 1;
            let response = self.runtime.block_on(client.get(&url))?;
            let page: Value = serde_json::from_slice(&response.body)
                .map_err(|e| AppError::invalid("not_fhir", format!("a page of Patients: {e}")))?;
            for entry in page["entry"].as_array().into_iter().flatten() {
                let resource = &entry["resource"];
                if let (Ok(record), Some(id)) = (
                    vagt_fhir::map_patient(resource, client.base()),
                    resource["id"].as_str(),
                ) {
                    found.insert(record.citizen.id, id.to_owned());
                }
            }
            next = page["link"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|link| link["relation"] == "next")
                .and_then(|link| link["url"].as_str())
                .map(str::to_owned);
        }
        Ok(found)
    }

    /// An oxygen saturation of 75 % measured now, as a citizen's device posts it.
    fn post_low_saturation(&self, patient: &str) -> Result<(), AppError> {
        self.post_reading(patient, "59408-5", 75.0, "%", Timestamp::now())
    }

    /// A vital sign of LOINC `code` in UCUM `unit` measured `at`, as a citizen's device posts
    /// it.
    pub(super) fn post_reading(
        &self,
        patient: &str,
        code: &str,
        value: f64,
        unit: &str,
        at: Timestamp,
    ) -> Result<(), AppError> {
        let observation = json!({
            "resourceType": "Observation",
            "status": "final",
            "category": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": "vital-signs",
            }]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "subject": {"reference": format!("Patient/{patient}")},
            "effectiveDateTime": at.to_rfc3339(),
            "valueQuantity": {
                "value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit,
            },
        });
        self.runtime
            .block_on(self.client.create_one_attempt("Observation", &observation))?;
        Ok(())
    }
}
