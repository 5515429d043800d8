//! Starting, running and stopping a simulator: the listener (plain or TLS), the router on it,
//! the live task and the handle a test or the binary holds.

use crate::changes::{AdvanceReport, AdvanceSpec};
use crate::config::{ListenConfig, SimConfig};
use crate::error::SimError;
use crate::faults::FaultProfile;
use crate::http;
use crate::readings::ServerReadings;
use crate::shared::Shared;
use crate::tls;
use crate::trap::TrapReport;
use crate::world::World;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, RwLock, watch};
use tokio::task::JoinHandle;

/// A simulator serving on loopback. Dropping it stops the server too.
pub struct RunningSim {
    /// The FHIR base, e.g. `http://127.0.0.1:41234/fhir` (`https://` when serving TLS).
    pub base_url: String,
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    live: std::sync::Mutex<Option<JoinHandle<()>>>,
}

/// Changes a websocket may be behind before it is told "everything" (one ping to each of its
/// Subscriptions) instead of each.
const CHANGES_BUFFERED: usize = 4096;

/// Starts a simulator on `127.0.0.1` at a free port.
pub async fn spawn(config: SimConfig) -> Result<RunningSim, SimError> {
    spawn_with(config, ListenConfig::default()).await
}

/// Starts a simulator on `addr` (port 0: any free port).
pub async fn spawn_on(config: SimConfig, addr: SocketAddr) -> Result<RunningSim, SimError> {
    spawn_with(config, ListenConfig { addr, tls: None }).await
}

/// Starts a simulator as `listen` says: where, and over HTTP or HTTPS.
pub async fn spawn_with(config: SimConfig, listen: ListenConfig) -> Result<RunningSim, SimError> {
    // A bad certificate is the caller's error: found before anything listens.
    let tls = listen.tls.as_ref().map(tls::server_config).transpose()?;
    let addr = listen.addr;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| SimError::Bind { addr, source })?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let base_url = format!("{scheme}://{addr}/fhir");
    let mut world = World::new(&config);
    // Announced from here on: the cohort loaded before is nobody's news.
    let (changes, _) = tokio::sync::broadcast::channel(CHANGES_BUFFERED);
    world.store.announce_to(changes.clone());
    let (stop, stop_rx) = watch::channel(false);
    let foreign_next = config.faults.foreign_next;
    let clock = world.clock;
    let shared = Arc::new(Shared {
        world: Mutex::new(world),
        clock,
        faults: RwLock::new(config.faults),
        fault_seed: config.fault_seed,
        token: config.token,
        base_url: base_url.clone(),
        requests: Default::default(),
        searches: Default::default(),
        stop: stop_rx.clone(),
        trap: Default::default(),
        traffic: Default::default(),
        changes,
    });
    // Open before serving, so the trap's address is known from the start.
    if foreign_next {
        shared.trap().await.map_err(SimError::Trap)?;
    }
    let router = http::router(shared.clone());
    let mut stop_signal = stop_rx.clone();
    let stopped = async move {
        let _ = stop_signal.wait_for(|stopped| *stopped).await;
    };
    let server = match tls {
        None => tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(stopped)
                .await
        }),
        Some(tls) => {
            let listener = tls::TlsListener::new(listener, tls, stop_rx)
                .map_err(|source| SimError::Bind { addr, source })?;
            tokio::spawn(async move {
                axum::serve(listener, router)
                    .with_graceful_shutdown(stopped)
                    .await
            })
        }
    };
    tracing::info!(%addr, %scheme, "vagt-sim serving");
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
        self.shared.set_faults(profile).await;
    }

    /// What the `foreign-next` fault's trap has received, as `GET /admin/trap` answers.
    pub fn trap_report(&self) -> TrapReport {
        self.shared.trap_report()
    }

    /// Requests and bytes the FHIR endpoints have served, as `GET /admin/traffic` answers.
    pub fn traffic(&self) -> crate::TrafficReport {
        self.shared.traffic.report()
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
        // The live demo keeps its cohort; a never-measuring citizen is added by a test.
        silent_citizens: 0,
    }
}
