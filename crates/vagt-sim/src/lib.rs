//! `vagt-sim`: a simulated telemedicine backend speaking HL7 FHIR R4 JSON over HTTP.
//!
//! It serves the synthetic cohort ([`vagt_core::cohort`]) as Patients, Conditions and
//! Observations coded the ways real backends code them (Danish NPU/MedCom, LOINC, IEEE 11073
//! MDC), with the symptom and CAT scores as QuestionnaireResponses to the clinic's forms (each
//! score once, never also as an Observation) and a few Encounters along the exacerbations (a
//! MAS visit, a hospital stay, a stay in a municipal acute bed), changes it live
//! ([`RunningSim::advance`]), takes what a nurse station or another system pushes (create,
//! conditional create, transactions; a created Encounter is served like the cohort's), and
//! misbehaves on demand ([`FaultProfile`]). It is the sync's test double and the app's demo
//! backend.
//!
//! ```no_run
//! # async fn demo() -> Result<(), vagt_sim::SimError> {
//! let sim = vagt_sim::spawn(vagt_sim::SimConfig::default()).await?;
//! println!("FHIR base: {}", sim.base_url);
//! sim.advance(vagt_sim::AdvanceSpec { new_readings: 5, ..Default::default() }).await;
//! let expected = sim.snapshot().await;
//! # let _ = expected;
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

mod faults;
mod fhir;
mod http;
mod store;
mod world;

pub use faults::FaultProfile;
pub use fhir::CodeStyle;

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, RwLock, watch};
use tokio::task::JoinHandle;
use vagt_core::{CareEventKind, CitizenId, Diagnosis, Parameter, Timestamp};

/// How a simulator starts.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The cohort's seed: the same seed gives the same citizens and readings.
    pub seed: u64,
    pub citizens: usize,
    /// Days of history before `end`.
    pub days: u32,
    /// The cohort's "now". The server's clock starts here and runs with real time.
    pub end: Timestamp,
    /// When set, every request but `GET /fhir/metadata` needs `Authorization: Bearer <token>`.
    pub token: Option<String>,
    pub faults: FaultProfile,
    /// Seeds the fault draws (request n of a server always gets the same fault).
    pub fault_seed: u64,
}

impl Default for SimConfig {
    /// The demo cohort (seed 2018, 50 citizens, 120 days) ending now, no token, no faults.
    fn default() -> Self {
        SimConfig {
            seed: vagt_cohort::CohortSpec::DEFAULT_SEED,
            citizens: vagt_cohort::CohortSpec::DEFAULT_CITIZENS,
            days: vagt_cohort::CohortSpec::DEFAULT_DAYS,
            end: Timestamp::now(),
            token: None,
            faults: FaultProfile::none(),
            fault_seed: 1,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(
        "unknown fault profile {0:?}; known: none, slow, flaky, duplicates, late, timeout, hostile, no-next-links"
    )]
    UnknownProfile(String),
    #[error("the server stopped with an error: {0}")]
    Serve(std::io::Error),
}

/// What one [`RunningSim::advance`] does. Counts; each draw is deterministic from the seed and
/// the number of advances so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdvanceSpec {
    /// Measurements made now (a blood pressure may be two Observations).
    pub new_readings: usize,
    /// Measurements made 1-3 days ago that arrive now.
    pub late_readings: usize,
    /// Recent Observations given a new `amended` version with a changed value.
    pub corrections: usize,
    /// Recent Observations given a new `entered-in-error` version.
    pub retractions: usize,
    /// New citizens: a Patient, Conditions and two days of readings.
    pub new_citizens: usize,
    /// Forms answered now: the daily symptom questionnaire, now and then a CAT. The first
    /// finishes a form left in progress, if there is one (a new, `completed` version).
    pub new_responses: usize,
    /// Recent QuestionnaireResponses given a new `amended` version with one answer changed.
    pub amended_responses: usize,
    /// Recent QuestionnaireResponses given a new `entered-in-error` version.
    pub retracted_responses: usize,
}

/// What an advance wrote. Ids are server ids (`o-000123`, `p-0051`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AdvanceReport {
    /// Observations measured now (and those of new citizens).
    pub new_readings: Vec<String>,
    pub late_readings: Vec<String>,
    pub corrections: Vec<String>,
    pub retractions: Vec<String>,
    /// Patients of new citizens.
    pub new_patients: Vec<String>,
    /// QuestionnaireResponses answered now (and those of new citizens).
    pub new_responses: Vec<String>,
    pub amended_responses: Vec<String>,
    pub retracted_responses: Vec<String>,
    /// Every version written, in write order (= ascending `lastUpdated`).
    pub changed: Vec<ChangedResource>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChangedResource {
    pub resource_type: String,
    pub id: String,
    pub version_id: String,
    pub last_updated: Timestamp,
}

impl ChangedResource {
    pub(crate) fn of(record: &store::Record) -> Self {
        ChangedResource {
            resource_type: record.resource_type.clone(),
            id: record.id.clone(),
            version_id: record.current.version_id.to_string(),
            last_updated: record.current.last_updated,
        }
    }
}

/// The server's current readings: what a client that has synced everything must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerReadings {
    /// Every Observation whose current version is not retracted, in creation order.
    pub observations: Vec<ServerObservation>,
    /// Ids of Observations whose current version is `entered-in-error`.
    pub retracted: Vec<String>,
    /// Every QuestionnaireResponse whose current version is not retracted, in creation order.
    pub questionnaire_responses: Vec<ServerQuestionnaireResponse>,
    /// Ids of QuestionnaireResponses whose current version is `entered-in-error`.
    pub retracted_responses: Vec<String>,
    pub patients: Vec<ServerPatient>,
    /// Every Encounter (generated or created by a client), in creation order.
    pub encounters: Vec<ServerEncounter>,
    /// The latest `lastUpdated` on the server (any resource type).
    pub high_water: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerObservation {
    pub id: String,
    pub version_id: String,
    pub last_updated: Timestamp,
    /// `final`, `amended`, or what a client pushed.
    pub status: String,
    /// The server's Patient id (`p-0001`).
    pub patient_id: Option<String>,
    /// The citizen's CPR identifier.
    pub citizen_id: Option<CitizenId>,
    pub effective_at: Option<Timestamp>,
    /// As served: the source's unit (`[lb_av]`, `mL`, …), not converted.
    pub values: Vec<ServerValue>,
    /// A blood-pressure panel: one Observation, a value per component.
    pub panel: bool,
    /// Planted bad by the cohort generator (implausible, unknown or wrong unit, from the
    /// future): a client must reject it, not store it as a reading.
    pub bad_by_design: bool,
    /// Created by a client, not generated.
    pub pushed: bool,
}

impl ServerReadings {
    /// What a client that has synced everything must hold as current readings: source id ->
    /// (version, value in the canonical unit). Planted-bad and client-pushed Observations are
    /// left out: a client rejects the first and wrote the second. So are planted-bad and
    /// unfinished QuestionnaireResponses: the first is rejected, the second not a reading yet.
    pub fn client_readings(&self, base: &str) -> std::collections::BTreeMap<String, (String, f64)> {
        let mut readings = std::collections::BTreeMap::new();
        for observation in self
            .observations
            .iter()
            .filter(|o| !o.bad_by_design && !o.pushed)
        {
            for ((parameter, source_id), value) in observation
                .source_ids(base)
                .into_iter()
                .zip(&observation.values)
            {
                if let Ok(canonical) =
                    vagt_core::units::to_canonical(parameter, value.value, &value.unit)
                {
                    readings.insert(source_id, (observation.version_id.clone(), canonical));
                }
            }
        }
        for response in &self.questionnaire_responses {
            if let Some((_, score)) = response.reading() {
                readings.insert(
                    response.source_id(base),
                    (response.version_id.clone(), score),
                );
            }
        }
        readings
    }

    /// The care events a client that has synced everything must hold as current: event key
    /// ([`vagt_core::CareEvent::key_of`] the Encounter's source) -> (kind, time).
    pub fn client_care_events(
        &self,
        base: &str,
    ) -> std::collections::BTreeMap<String, (CareEventKind, Timestamp)> {
        let mut events = std::collections::BTreeMap::new();
        for encounter in &self.encounters {
            let source = vagt_core::SourceRef {
                id: encounter.source_id(base),
                version: encounter.version_id.clone(),
            };
            for (kind, at) in &encounter.events {
                events.insert(vagt_core::CareEvent::key_of(&source, *kind), (*kind, *at));
            }
        }
        events
    }

    /// Planted-bad resources of every type: what a client must reject.
    pub fn bad_by_design(&self) -> usize {
        self.bad_observations_by_design()
            + self.bad_responses_by_design()
            + self.bad_encounters_by_design()
    }

    pub fn bad_encounters_by_design(&self) -> usize {
        self.encounters.iter().filter(|e| e.bad_by_design).count()
    }

    pub fn bad_observations_by_design(&self) -> usize {
        self.observations.iter().filter(|o| o.bad_by_design).count()
    }

    pub fn bad_responses_by_design(&self) -> usize {
        self.questionnaire_responses
            .iter()
            .filter(|r| r.bad_by_design)
            .count()
    }
}

impl ServerObservation {
    /// The source id `vagt_fhir::map_observation` gives each value when the client's base is
    /// `base`: `{base}|Observation/{id}`, with `#{parameter}` per component of a panel.
    pub fn source_ids(&self, base: &str) -> Vec<(Parameter, String)> {
        let id = format!("{base}|Observation/{}", self.id);
        self.values
            .iter()
            .map(|v| {
                let source = if self.panel {
                    format!("{id}#{}", v.parameter.code())
                } else {
                    id.clone()
                };
                (v.parameter, source)
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerQuestionnaireResponse {
    pub id: String,
    pub version_id: String,
    pub last_updated: Timestamp,
    /// `completed`, `amended` or `in-progress`.
    pub status: String,
    /// The form's canonical URL.
    pub questionnaire: String,
    pub patient_id: String,
    pub citizen_id: CitizenId,
    pub authored: Timestamp,
    /// What the form scores: `None` for the planted form Vagt does not know.
    pub parameter: Option<Parameter>,
    /// (linkId, valueInteger) as served.
    pub answers: Vec<(String, i64)>,
    /// Planted bad (a form Vagt cannot score): a client must reject it.
    pub bad_by_design: bool,
}

impl ServerQuestionnaireResponse {
    /// The source id `vagt_fhir::map_questionnaire_response` gives its reading.
    pub fn source_id(&self, base: &str) -> String {
        format!("{base}|QuestionnaireResponse/{}", self.id)
    }

    /// The reading a client must hold for it: the parameter and the summed answers, for a
    /// finished response that is not planted bad.
    pub fn reading(&self) -> Option<(Parameter, f64)> {
        let finished = matches!(self.status.as_str(), "completed" | "amended");
        let parameter = self.parameter.filter(|_| finished && !self.bad_by_design)?;
        let sum: i64 = self.answers.iter().map(|(_, value)| value).sum();
        // Scores are at most 40; the conversion is exact.
        Some((parameter, sum as f64))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerEncounter {
    pub id: String,
    pub version_id: String,
    pub last_updated: Timestamp,
    /// `in-progress`, `finished`, or what a client pushed.
    pub status: String,
    /// `Encounter.class.code` (`HH`, `IMP`, …).
    pub class: String,
    /// The server's Patient id (`p-0001`).
    pub patient_id: Option<String>,
    pub citizen_id: Option<CitizenId>,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    /// The care events its current version gives: what a client must hold for it.
    pub events: Vec<(CareEventKind, Timestamp)>,
    /// Planted bad by the simulator (a class Vagt cannot place): a client must reject it.
    pub bad_by_design: bool,
    /// Created by a client, not generated.
    pub pushed: bool,
}

impl ServerEncounter {
    /// The source id `vagt_fhir::map_encounter` gives its events.
    pub fn source_id(&self, base: &str) -> String {
        format!("{base}|Encounter/{}", self.id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerValue {
    pub parameter: Parameter,
    pub value: f64,
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerPatient {
    pub id: String,
    pub version_id: String,
    pub citizen_id: CitizenId,
    pub diagnoses: Vec<Diagnosis>,
}

/// State shared by the HTTP handlers, the live task and [`RunningSim`].
pub(crate) struct Shared {
    pub world: Mutex<world::World>,
    pub faults: RwLock<FaultProfile>,
    pub fault_seed: u64,
    pub token: Option<String>,
    pub base_url: String,
    /// Requests to FHIR endpoints so far (the fault draw's counter).
    pub requests: std::sync::atomic::AtomicU64,
    /// Searches so far (the hang counter).
    pub searches: std::sync::atomic::AtomicU64,
    pub stop: watch::Receiver<bool>,
}

impl Shared {
    pub async fn advance(&self, spec: &AdvanceSpec) -> AdvanceReport {
        let late_share = self.faults.read().await.late_share;
        self.world.lock().await.advance(spec, late_share)
    }

    /// Sleeps `ms`, or less if the server is shutting down.
    pub async fn sleep(&self, ms: u64) {
        let mut stop = self.stop.clone();
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(ms)) => {}
            _ = stop.wait_for(|stopped| *stopped) => {}
        }
    }
}

/// A simulator serving on loopback. Dropping it stops the server too.
pub struct RunningSim {
    /// The FHIR base, e.g. `http://127.0.0.1:41234/fhir`.
    pub base_url: String,
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    live: std::sync::Mutex<Option<JoinHandle<()>>>,
}

/// Starts a simulator on `127.0.0.1` at a free port.
pub async fn spawn(config: SimConfig) -> Result<RunningSim, SimError> {
    spawn_on(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Starts a simulator on `addr` (port 0: any free port).
pub async fn spawn_on(config: SimConfig, addr: SocketAddr) -> Result<RunningSim, SimError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| SimError::Bind { addr, source })?;
    let base_url = format!("http://{addr}/fhir");
    let world = world::World::new(&config);
    let (stop, stop_rx) = watch::channel(false);
    let shared = Arc::new(Shared {
        world: Mutex::new(world),
        faults: RwLock::new(config.faults),
        fault_seed: config.fault_seed,
        token: config.token,
        base_url: base_url.clone(),
        requests: Default::default(),
        searches: Default::default(),
        stop: stop_rx.clone(),
    });
    let router = http::router(shared.clone());
    let mut stop_signal = stop_rx;
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stop_signal.wait_for(|stopped| *stopped).await;
            })
            .await
    });
    tracing::info!(%addr, "vagt-sim serving");
    Ok(RunningSim {
        base_url,
        addr,
        shared,
        stop,
        server: Some(server),
        live: std::sync::Mutex::new(None),
    })
}

impl RunningSim {
    /// Changes the data now, as `POST /admin/advance` does.
    pub async fn advance(&self, spec: AdvanceSpec) -> AdvanceReport {
        self.shared.advance(&spec).await
    }

    /// Replaces the fault profile for the following requests.
    pub async fn set_faults(&self, profile: FaultProfile) {
        tracing::info!(profile = %profile.name, "fault profile set");
        *self.shared.faults.write().await = profile;
    }

    pub async fn faults(&self) -> FaultProfile {
        self.shared.faults.read().await.clone()
    }

    /// The readings a fully synced client must hold now.
    pub async fn snapshot(&self) -> ServerReadings {
        self.shared.world.lock().await.snapshot()
    }

    /// Advances every second in the background (the demo's `--live`); `speed` scales how much
    /// each tick does (1.0: a few readings a second, a correction now and then).
    pub fn start_live(&self, speed: f64) {
        let shared = self.shared.clone();
        let seed = self.shared.fault_seed ^ 0x6C69_7665;
        let task = tokio::spawn(async move {
            let mut rng = vagt_cohort::Rng::new(seed);
            let mut ticks = tokio::time::interval(Duration::from_secs(1));
            ticks.tick().await;
            loop {
                ticks.tick().await;
                if *shared.stop.borrow() {
                    break;
                }
                let spec = live_tick(&mut rng, speed);
                let report = shared.advance(&spec).await;
                tracing::debug!(written = report.changed.len(), "live tick");
            }
        });
        if let Ok(mut live) = self.live.lock()
            && let Some(old) = live.replace(task)
        {
            old.abort();
        }
    }

    /// Stops serving: in-flight hangs and stalls end at once, idle connections close.
    pub async fn shutdown(mut self) {
        self.stop_tasks();
        if let Some(server) = self.server.take() {
            match tokio::time::timeout(Duration::from_secs(3), server).await {
                Ok(Ok(Err(e))) => tracing::warn!(error = %e, "server ended with an error"),
                Ok(_) => {}
                Err(_) => tracing::warn!("server did not stop within 3 s"),
            }
        }
    }

    /// Waits until the server stops (for the binary: it never does on its own).
    pub async fn wait(&mut self) -> Result<(), SimError> {
        match self.server.as_mut() {
            Some(server) => match server.await {
                Ok(result) => result.map_err(SimError::Serve),
                Err(e) => Err(SimError::Serve(std::io::Error::other(e))),
            },
            None => Ok(()),
        }
    }

    fn stop_tasks(&mut self) {
        let _ = self.stop.send(true);
        if let Ok(mut live) = self.live.lock()
            && let Some(task) = live.take()
        {
            task.abort();
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        self.stop_tasks();
    }
}

/// One second of a live demo at `speed`.
fn live_tick(rng: &mut vagt_cohort::Rng, speed: f64) -> AdvanceSpec {
    let speed = speed.max(0.0);
    let mut count = |mean: f64| {
        let whole = mean.floor();
        whole as usize + usize::from(rng.chance(mean - whole))
    };
    AdvanceSpec {
        new_readings: count(2.0 * speed),
        late_readings: count(0.2 * speed),
        corrections: count(0.05 * speed),
        retractions: count(0.02 * speed),
        new_citizens: count(0.002 * speed),
        new_responses: count(0.1 * speed),
        amended_responses: count(0.01 * speed),
        retracted_responses: count(0.005 * speed),
    }
}
