//! What runs for as long as the app does, each on its own thread with its own database
//! connection (WAL lets the window read while they write):
//!
//! - the sync, a run every interval, or at once when the backend's Subscriptions say a type
//!   changed (see [`crate::wakeups`]); while the backend cannot be reached, a cheap probe every
//!   2 s, so the sync starts the moment the network is back;
//! - the rules' clock: every citizen evaluated at a fixed pace, so a measurement that comes due
//!   or a hold that runs out raises its alarm however slow or stuck the backend is.
//!
//! Both tell the window what changed through the session's sink.

use crate::backend::{BACKEND_CA_FILE_SETTING, backend_client};
use crate::follow_up::{Affected, follow_up};
use crate::sync::{runtime, sync_and_follow_up};
use crate::{AppError, ChangeSink, OutboxWatch, Session, StoreLocation, SyncDue, SyncWakeups};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use vagt_core::Timestamp;
use vagt_store::OpenMode;
use vagt_sync::{FhirClient, RetryPolicy, SyncConfig, SyncError};

/// What to run in the background.
#[derive(Debug, Clone)]
pub struct BackgroundPlan {
    /// The backend to sync with; no sync without one.
    pub backend: Option<String>,
    pub sync_every: Duration,
    pub evaluate_every: Duration,
    /// Whether the sync listens to the backend's Subscriptions, where it offers them (else
    /// it only polls).
    pub subscribe: bool,
}

impl BackgroundPlan {
    /// The rules' clock looks for citizens whose time came this often: a look by index that
    /// finds none costs nothing, so an idle station stays idle, and a measurement falling due
    /// is alarmed within a minute.
    pub const DEFAULT_EVALUATE_EVERY: Duration = Duration::from_secs(60);
}

/// Stops the background threads when dropped (or on [`BackgroundHandle::stop`]).
#[derive(Debug)]
pub struct BackgroundHandle {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    subscribed: Arc<AtomicBool>,
}

impl BackgroundHandle {
    /// Whether the backend's Subscriptions are bound now: changes reach the station as they
    /// happen, not at the next poll.
    pub fn subscribed(&self) -> bool {
        self.subscribed.load(Ordering::Relaxed)
    }

    pub fn stop(mut self) {
        self.stop_all();
    }

    fn stop_all(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for BackgroundHandle {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// How often a stopped thread notices: the longest it sleeps at once.
const TICK: Duration = Duration::from_millis(500);
const PROBE_EVERY: Duration = Duration::from_secs(2);
/// The longest a busy backend keeps the sync away: alarms wait for data meanwhile.
const MAX_BUSY_PAUSE: Duration = Duration::from_secs(600);

impl Session {
    pub fn start_background(&self, plan: BackgroundPlan) -> Result<BackgroundHandle, AppError> {
        let stop = Arc::new(AtomicBool::new(false));
        let subscribed = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        let spawn = |name: &str, work: Box<dyn FnOnce() + Send>| {
            std::thread::Builder::new()
                .name(name.into())
                .spawn(work)
                .map_err(|source| AppError::Io {
                    doing: "start a background thread",
                    source,
                })
        };
        if let Some(backend) = plan.backend.clone() {
            let (location, sink, stop) =
                (self.location().clone(), self.sink_handle(), stop.clone());
            let every = plan.sync_every;
            let live = plan.subscribe.then(|| subscribed.clone());
            threads.push(spawn(
                "vagt-sync",
                Box::new(move || {
                    let result = sync_loop(&location, &backend, every, live, sink.as_ref(), &stop);
                    if let Err(e) = result {
                        tracing::error!(code = e.code(), "the background sync stopped: {e}");
                    }
                }),
            )?);
        }
        let (location, sink, stop_clock) =
            (self.location().clone(), self.sink_handle(), stop.clone());
        let every = plan.evaluate_every;
        threads.push(spawn(
            "vagt-clock",
            Box::new(move || {
                if let Err(e) = clock_loop(&location, every, sink.as_ref(), &stop_clock) {
                    tracing::error!(code = e.code(), "the rules' clock stopped: {e}");
                }
            }),
        )?);
        Ok(BackgroundHandle {
            stop,
            threads,
            subscribed,
        })
    }
}

/// Sleeps until `until` or until stopped; false when stopped.
fn sleep_until(until: Instant, stop: &AtomicBool) -> bool {
    loop {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        let now = Instant::now();
        if now >= until {
            return true;
        }
        std::thread::sleep((until - now).min(TICK));
    }
}

fn clock_loop(
    location: &StoreLocation,
    every: Duration,
    sink: &dyn ChangeSink,
    stop: &AtomicBool,
) -> Result<(), AppError> {
    let mut store = location.open(OpenMode::Existing)?;
    while sleep_until(Instant::now() + every, stop) {
        // Only the citizens whose time came: the store knows them by index.
        let report = follow_up(
            &mut store,
            Affected::Citizens(BTreeSet::new()),
            false,
            Timestamp::now(),
            sink,
        )?;
        if !report.raised.is_empty() {
            tracing::info!(raised = report.raised.len(), "alarms raised on the clock");
        }
    }
    Ok(())
}

fn sync_loop(
    location: &StoreLocation,
    backend: &str,
    every: Duration,
    subscribed: Option<Arc<AtomicBool>>,
    sink: &dyn ChangeSink,
    stop: &AtomicBool,
) -> Result<(), AppError> {
    let runtime = runtime()?;
    let mut store = location.open(OpenMode::Existing)?;
    let ca_file = store
        .setting(BACKEND_CA_FILE_SETTING)?
        .filter(|p| !p.is_empty())
        .map(std::path::PathBuf::from);
    let client = backend_client(backend, ca_file.as_deref(), RetryPolicy::default())?;
    let probe = FhirClient::new(backend, None, probe_policy())?;
    let wakeups = match subscribed {
        // Its own client: the listener's requests never wait behind a run's.
        Some(live) => SyncWakeups::listening(
            backend_client(backend, ca_file.as_deref(), RetryPolicy::default())?,
            live,
        )?,
        None => SyncWakeups::polling(),
    };
    let mut due = SyncDue::Whole;
    let mut last_whole = Instant::now();
    let mut outbox = OutboxWatch::default();
    loop {
        outbox.note(&store);
        let config = SyncConfig {
            only: due.only(),
            ..SyncConfig::default()
        };
        let result = runtime.block_on(sync_and_follow_up(
            &mut store,
            &client,
            &config,
            &mut |_| {},
            sink,
        ));
        // A busy backend said how long to leave it alone: that long (within reason), not the
        // usual interval and not a probe every 2 s.
        if let Err(AppError::Sync(SyncError::Busy { seconds })) = &result {
            tracing::warn!(seconds, "the backend is busy; waiting before the next run");
            let pause = Duration::from_secs(*seconds).clamp(every, MAX_BUSY_PAUSE);
            if !sleep_until(Instant::now() + pause, stop) {
                return Ok(());
            }
            due = SyncDue::Whole;
            continue;
        }
        let offline = match result {
            Ok(report) => {
                tracing::info!(
                    pulled = report.pulled,
                    accepted = report.accepted,
                    pushed = report.pushed,
                    alarms = report.alarms_raised,
                    whole = due == SyncDue::Whole,
                    "sync ok"
                );
                false
            }
            // Recorded in sync_runs, which the status bar shows.
            Err(e) => {
                tracing::warn!(code = e.code(), "sync failed: {e}");
                e.code() == "offline"
            }
        };
        let ended = Instant::now();
        if due == SyncDue::Whole {
            last_whole = ended;
        }
        due = if offline {
            if !wait_for_network(&runtime, &probe, ended + every, stop) {
                return Ok(());
            }
            SyncDue::Whole
        } else {
            wakeups.wait(ended, last_whole, every, stop, &mut || outbox.news(&store))
        };
        if due == SyncDue::Stopped {
            return Ok(());
        }
    }
}

fn probe_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 1,
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(3),
        ..RetryPolicy::default()
    }
}

/// Returns as soon as the backend answers at all (even with an error: it is reachable), or at
/// `until`, whichever is first; false when stopped.
fn wait_for_network(
    runtime: &tokio::runtime::Runtime,
    probe: &FhirClient,
    until: Instant,
    stop: &AtomicBool,
) -> bool {
    loop {
        if !sleep_until((Instant::now() + PROBE_EVERY).min(until), stop) {
            return false;
        }
        if Instant::now() >= until {
            return true;
        }
        match runtime.block_on(probe.get("metadata")) {
            Err(SyncError::GaveUp { .. }) => continue,
            _ => {
                tracing::info!("the backend answers again; syncing now");
                return true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn the_offline_wait_ends_as_soon_as_the_backend_answers() {
        // A port nobody listens on yet: the backend is "down".
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let runtime = runtime().expect("runtime");
        let probe = FhirClient::new(
            &format!("http://127.0.0.1:{port}/fhir"),
            None,
            probe_policy(),
        )
        .expect("client");
        // The backend comes back after 3 s and answers anything (a 404 still means reachable).
        let backend = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(3));
            let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind");
            if let Ok((mut stream, _)) = listener.accept() {
                let mut request = [0u8; 1024];
                let _ = stream.read(&mut request);
                let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
            }
        });
        let started = Instant::now();
        let stop = AtomicBool::new(false);
        assert!(wait_for_network(
            &runtime,
            &probe,
            started + Duration::from_secs(120),
            &stop
        ));
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_secs(3),
            "it waited for the backend: {waited:?}"
        );
        assert!(
            waited < Duration::from_secs(30),
            "it returned when the backend answered, not after the longest wait: {waited:?}"
        );
        backend.join().expect("backend thread");
    }

    #[test]
    fn a_stopped_wait_returns_at_once() {
        let stop = AtomicBool::new(true);
        let started = Instant::now();
        assert!(!sleep_until(started + Duration::from_secs(60), &stop));
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}
