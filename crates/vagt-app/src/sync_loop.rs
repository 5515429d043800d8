//! The sync as a loop of runs, for as long as it is not stopped: the app's background sync and
//! `vagtctl sync` are this one loop, told apart only by how they report a run. A run comes when
//! [`SyncWakeups`] says one is due; while the backend cannot be reached, a cheap probe every 2 s
//! starts the next run the moment the network is back; a busy backend is left alone as long as
//! it asks (within reason).

use crate::allocator::release_memory;
use crate::sync::{sync_and_follow_up, sync_runtime};
use crate::{AppError, ChangeSink, OutboxWatch, Session, StoreLocation, SyncDue, SyncWakeups};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use vagt_store::OpenMode;
use vagt_sync::{FhirClient, Progress, RetryPolicy, SyncConfig, SyncError, SyncReport};

/// How often a stopped loop notices: the longest it sleeps at once.
const TICK: Duration = Duration::from_millis(500);
const PROBE_EVERY: Duration = Duration::from_secs(2);
/// The longest a busy backend keeps the sync away: alarms wait for data meanwhile.
const MAX_BUSY_PAUSE: Duration = Duration::from_secs(600);

/// What a loop's caller does with its runs: the app logs them, `vagtctl` prints them.
pub trait SyncObserver {
    /// A run's progress, as it goes.
    fn progress(&mut self, _progress: &Progress) {}
    /// A run ended; `due` says what it pulled. A failed run is reported here and the loop goes
    /// on: the store's `sync_runs` keep it for the status bar.
    fn ran(&mut self, due: &SyncDue, result: &Result<SyncReport, AppError>);
}

/// Runs the sync with `client` on a connection of its own to `location`, whenever `wakeups`
/// says a run is due or a nurse queued a record, until `stop` is set.
pub fn sync_loop(
    location: &StoreLocation,
    client: &FhirClient,
    wakeups: &SyncWakeups,
    every: Duration,
    sink: &dyn ChangeSink,
    stop: &AtomicBool,
    observer: &mut dyn SyncObserver,
) -> Result<(), AppError> {
    sync_loop_with(
        location,
        client,
        &SyncConfig::default(),
        wakeups,
        every,
        sink,
        stop,
        observer,
    )
}

/// [`sync_loop`] with `base`'s page size and limits (a test's small ones).
#[allow(clippy::too_many_arguments)]
pub(crate) fn sync_loop_with(
    location: &StoreLocation,
    client: &FhirClient,
    base: &SyncConfig,
    wakeups: &SyncWakeups,
    every: Duration,
    sink: &dyn ChangeSink,
    stop: &AtomicBool,
    observer: &mut dyn SyncObserver,
) -> Result<(), AppError> {
    let runtime = sync_runtime()?;
    let mut store = location.open(OpenMode::Existing)?;
    let probe = FhirClient::new(client.base(), None, probe_policy())?;
    let mut due = SyncDue::Whole;
    let mut last_whole = Instant::now();
    let mut outbox = OutboxWatch::default();
    loop {
        outbox.note(&store);
        let config = SyncConfig {
            only: due.only(),
            ..base.clone()
        };
        let result = runtime.block_on(sync_and_follow_up(
            &mut store,
            client,
            &config,
            &mut |p| observer.progress(p),
            sink,
        ));
        observer.ran(&due, &result);
        // A first sync reads and writes gigabytes, and a bulk load's end sorts its index in
        // memory; the next run, seconds or minutes later, needs none of what this one held.
        // A run cut short is followed at once by the next, which reads what this one cached.
        if !cut_short(&result) {
            release_memory(&store, Some(runtime.handle()), "sync");
        }
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
        let offline = matches!(&result, Err(e) if e.code() == "offline");
        let ended = Instant::now();
        if due == SyncDue::Whole {
            last_whole = ended;
        }
        due = if cut_short(&result) {
            // The rest is there to pull now: a region's first sync is a dozen runs, and
            // waiting the interval between them (a minute while Subscriptions are bound) would
            // add more than the runs take.
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            SyncDue::Whole
        } else if offline {
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

impl Session {
    /// [`sync_loop`] on this session's database, telling this session's window what changed.
    pub fn sync_loop(
        &self,
        client: &FhirClient,
        wakeups: &SyncWakeups,
        every: Duration,
        stop: &AtomicBool,
        observer: &mut dyn SyncObserver,
    ) -> Result<(), AppError> {
        sync_loop(
            self.location(),
            client,
            wakeups,
            every,
            self.sink(),
            stop,
            observer,
        )
    }
}

/// Whether the run stopped at its page limit or its time budget, with more to pull.
pub(crate) fn cut_short(result: &Result<SyncReport, AppError>) -> bool {
    matches!(
        result,
        Err(AppError::Sync(
            SyncError::PageLimit { .. } | SyncError::RunBudget { .. }
        ))
    )
}

/// Sleeps until `until` or until stopped; false when stopped.
pub(crate) fn sleep_until(until: Instant, stop: &AtomicBool) -> bool {
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

    /// Counts the loop's runs and stops it at the first run that pulled everything.
    struct RunsUntilWhole<'a> {
        runs: usize,
        cut_short: usize,
        stop: &'a AtomicBool,
    }

    impl SyncObserver for RunsUntilWhole<'_> {
        fn ran(&mut self, _due: &SyncDue, result: &Result<SyncReport, AppError>) {
            self.runs += 1;
            if cut_short(result) {
                self.cut_short += 1;
            }
            if result.is_ok() || self.runs >= 50 {
                self.stop.store(true, Ordering::Relaxed);
            }
        }
    }

    /// A run cut short by its page limit leaves the rest for the next, which starts at once:
    /// with an hour's interval, the whole cohort still arrives in one go.
    #[test]
    fn a_run_cut_short_by_its_page_limit_is_followed_at_once() {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let station = crate::sync::station::sim_station(&runtime);
        let (location, client) = (&station.location, &station.client);
        // Pages of 10 and two of them a type in a run: the Observations take many runs.
        let base = SyncConfig {
            page_size: 10,
            max_pages_per_type: 2,
            ..SyncConfig::default()
        };
        let stop = AtomicBool::new(false);
        let mut observer = RunsUntilWhole {
            runs: 0,
            cut_short: 0,
            stop: &stop,
        };
        // The loop in a thread of its own: were it waiting for the hour, the test stops it
        // after two minutes and fails, rather than waiting the hour too.
        let finished = std::thread::scope(|scope| {
            let looping = scope.spawn(|| {
                sync_loop_with(
                    location,
                    client,
                    &base,
                    &SyncWakeups::polling(),
                    Duration::from_secs(3_600),
                    &crate::NoWindow,
                    &stop,
                    &mut observer,
                )
            });
            let deadline = Instant::now() + Duration::from_secs(120);
            while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            let finished = stop.load(Ordering::Relaxed);
            stop.store(true, Ordering::Relaxed);
            looping.join().expect("the loop's thread").expect("loop");
            finished
        });
        assert!(finished, "the runs did not follow each other at once");
        assert!(
            observer.cut_short >= 2,
            "the cohort should take several runs: {} cut short",
            observer.cut_short
        );
        assert_eq!(
            observer.runs,
            observer.cut_short + 1,
            "the last run pulls the rest and ends well"
        );
    }

    #[test]
    fn the_offline_wait_ends_as_soon_as_the_backend_answers() {
        // A port nobody listens on yet: the backend is "down".
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let runtime = sync_runtime().expect("runtime");
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
