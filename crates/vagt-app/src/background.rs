//! What runs for as long as the app does, each on its own thread with its own database
//! connection (WAL lets the window read while they write):
//!
//! - the sync ([`crate::sync_loop`]), a run every interval, or at once when the backend's
//!   Subscriptions say a type changed or a nurse queued a record (see [`crate::wakeups`]);
//! - the rules' clock: every citizen evaluated at a fixed pace, so a measurement that comes due
//!   or a hold that runs out raises its alarm however slow or stuck the backend is;
//! - the window's connection's cache given back once the window lets it be
//!   ([`crate::window_use`]).
//!
//! The sync and the clock tell the window what changed through the session's sink.

use crate::allocator::{give_back_workers_freed_memory, release_memory};
use crate::backend::backend_client;
use crate::follow_up::{Affected, AlarmsChanged, follow_up};
use crate::sync_loop::{SyncObserver, sleep_until, sync_loop};
use crate::window_use::QUIET;
use crate::{AppError, ChangeSink, Session, StoreLocation, SyncDue, SyncWakeups};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use vagt_core::Timestamp;
use vagt_store::OpenMode;
use vagt_sync::{RetryPolicy, SyncError, SyncReport};

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
            let ca_file = self.backend_ca_file()?;
            let every = plan.sync_every;
            let live = plan.subscribe.then(|| subscribed.clone());
            threads.push(spawn(
                "vagt-sync",
                Box::new(move || {
                    let result = background_sync(
                        &location,
                        &backend,
                        ca_file.as_deref(),
                        every,
                        live,
                        sink.as_ref(),
                        &stop,
                    );
                    if let Err(e) = result {
                        tracing::error!(code = e.code(), "the background sync stopped: {e}");
                    }
                }),
            )?);
        }
        let ((store, used, use_threads), stop_memory) = (self.store_and_use(), stop.clone());
        threads.push(spawn(
            "vagt-memory",
            Box::new(move || {
                while used.wait_until_quiet(QUIET, &stop_memory).is_some() {
                    // A use case panicked holding it: nothing is read through it again.
                    let Ok(held) = store.lock() else { return };
                    release_memory(&held, None, "the window's quiet");
                    drop(held);
                    // Not under the lock: a use case on a worker may be waiting for it.
                    if let Some(runtime) = &use_threads {
                        give_back_workers_freed_memory(runtime);
                    }
                }
            }),
        )?);
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

fn clock_loop(
    location: &StoreLocation,
    every: Duration,
    sink: &dyn ChangeSink,
    stop: &AtomicBool,
) -> Result<(), AppError> {
    let mut store = location.open(OpenMode::Existing)?;
    // Every row is read again once after a bulk load ends here, until that is told.
    let mut tell_everyone = false;
    while sleep_until(Instant::now() + every, stop) {
        // A first sync's bulk load the rules waited an hour for ends here, if the sync did not
        // end it (its backend gone for good); then everyone it deferred is evaluated.
        match store.end_overdue_bulk_load(Timestamp::now()) {
            Ok(ended) => tell_everyone |= ended.is_some(),
            Err(e) => {
                tracing::warn!(code = e.code(), "an overdue bulk load could not end: {e}");
            }
        }
        // Only the citizens whose time came: the store knows them by index.
        let affected = Affected::after_bulk_load(tell_everyone, BTreeSet::new());
        match follow_up(
            &mut store,
            affected,
            AlarmsChanged::None,
            Timestamp::now(),
            sink,
        ) {
            Ok(report) => {
                tell_everyone = false;
                if !report.raised.is_empty() {
                    tracing::info!(raised = report.raised.len(), "alarms raised on the clock");
                }
            }
            // The store busy for longer than a writer waits (a sync making the index at a
            // bulk load's end): the clock tries again at its next beat, not never again.
            Err(e) => tracing::warn!(code = e.code(), "the rules' clock missed a beat: {e}"),
        }
        // A minute to the next beat: what this one read need not be held meanwhile.
        release_memory(&store, None, "rules' clock");
    }
    Ok(())
}

/// The sync loop with this station's backend; each run logged (what a run did, never whom).
fn background_sync(
    location: &StoreLocation,
    backend: &str,
    // Read by the caller: the loop opens the store itself, once.
    ca_file: Option<&std::path::Path>,
    every: Duration,
    subscribed: Option<Arc<AtomicBool>>,
    sink: &dyn ChangeSink,
    stop: &AtomicBool,
) -> Result<(), AppError> {
    let client = |policy| backend_client(backend, ca_file, policy);
    let wakeups = match subscribed {
        // Its own client: the listener's requests never wait behind a run's.
        Some(live) => SyncWakeups::listening(client(RetryPolicy::default())?, live)?,
        None => SyncWakeups::polling(),
    };
    sync_loop(
        location,
        &client(RetryPolicy::default())?,
        &wakeups,
        every,
        sink,
        stop,
        &mut LoggedRuns,
    )
}

struct LoggedRuns;

impl SyncObserver for LoggedRuns {
    fn ran(&mut self, due: &SyncDue, result: &Result<SyncReport, AppError>) {
        match result {
            Ok(report) => tracing::info!(
                pulled = report.pulled,
                accepted = report.accepted,
                pushed = report.pushed,
                alarms = report.alarms_raised,
                whole = *due == SyncDue::Whole,
                "sync ok"
            ),
            // The loop says how long it leaves a busy backend alone.
            Err(AppError::Sync(SyncError::Busy { .. })) => {}
            // Recorded in sync_runs, which the status bar shows.
            Err(e) => tracing::warn!(code = e.code(), "sync failed: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vagt_cohort::CohortSpec;
    use vagt_store::Actor;
    use zeroize::Zeroizing;

    #[test]
    fn the_windows_cache_is_given_back_once_it_lets_its_connection_be() {
        let dir = tempfile::tempdir().expect("tempdir");
        let session = Session::open(
            StoreLocation {
                db: Some(dir.path().join("quiet.db")),
                throwaway_key: Some(Zeroizing::new("quiet".into())),
            },
            OpenMode::CreateIfMissing,
        )
        .expect("session");
        let actor = Actor("nurse-a".into());
        let spec = CohortSpec {
            seed: 5,
            citizens: 60,
            days: 30,
            end: Timestamp::now(),
        };
        session.load_demo(&actor, &spec).expect("demo");
        // No sync, and the clock (which gives back every connection's cache) far off.
        let background = session
            .start_background(BackgroundPlan {
                backend: None,
                sync_every: Duration::from_secs(3_600),
                evaluate_every: Duration::from_secs(3_600),
                subscribe: false,
            })
            .expect("background");
        // Read and weighed in one hold of the connection: nothing is given back meanwhile.
        let filled = {
            let mut store = session.store().expect("store");
            store.release_memory().expect("release");
            let rows = store.citizen_summaries(&actor).expect("worklist");
            assert_eq!(rows.len(), 60);
            store.page_cache_bytes().expect("cache")
        };
        assert!(
            filled > 64 * 1024,
            "the read cached its pages: {filled} bytes"
        );
        // Weighed through the connection's lock alone: a use case's hold would count as a use,
        // and the window would never be quiet.
        let (connection, _, _) = session.store_and_use();
        let weigh = || {
            connection
                .lock()
                .expect("not poisoned")
                .page_cache_bytes()
                .expect("cache")
        };
        let started = Instant::now();
        let mut now_held = filled;
        while now_held >= filled / 4 && started.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(100));
            now_held = weigh();
        }
        assert!(
            now_held < filled / 4,
            "the cache given back once the window let it be: {filled} bytes, then {now_held}"
        );
        background.stop();
    }
}
