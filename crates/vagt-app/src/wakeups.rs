//! When the next sync run is due. Where the backend offers FHIR Subscriptions over its
//! websocket, a listener thread keeps them bound and the run comes as soon as the backend says a
//! type changed (that type only, the pings of a moment gathered into one run), with a whole run
//! now and then as the safety net; otherwise, and whenever the websocket is lost, a whole run
//! every interval, as before. The same for the app's background sync and `vagtctl sync`
//! ([`crate::sync_loop`]).

use crate::AppError;
use crate::sync::runtime;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use vagt_sync::{
    FhirClient, PULLED_TYPES, SubscriptionEnd, SyncError, listen, subscribe, websocket_of,
};

/// While Subscriptions are bound, a whole run this often at least: a ping the network lost
/// costs at most this long.
pub const SAFETY_NET: Duration = Duration::from_secs(60);
/// The pings of a moment (a blood pressure is two Observations, a new citizen five types) wait
/// this long for each other, to come in one run.
const GATHER: Duration = Duration::from_millis(150);
/// A run a ping starts begins this long after the last one ended at least, however fast a
/// busy region writes.
const MIN_GAP: Duration = Duration::from_millis(1000);
/// How long a Subscription is made for; renewed before it ends.
const LIFETIME: Duration = Duration::from_secs(3600);
/// A backend without Subscriptions is asked again this often (as its capabilities are).
const NOT_OFFERED_PAUSE: Duration = Duration::from_secs(3600);
const RETRY_FIRST: Duration = Duration::from_secs(2);
const RETRY_LONGEST: Duration = Duration::from_secs(60);
const TICK: Duration = Duration::from_millis(250);

/// What the next run pulls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncDue {
    /// Every type: the interval came, or the Subscriptions were just bound (what changed
    /// before they were is caught up).
    Whole,
    /// The types the backend said changed (never none).
    Types(BTreeSet<&'static str>),
    /// Nothing to pull: a nurse just queued a record, which the run pushes (every run does).
    PushOnly,
    /// Asked to stop.
    Stopped,
}

impl SyncDue {
    /// The types a run pulls: `None` for all. Patients come with any other type (first, as
    /// the sync orders them): a new citizen's reading may be pinged before their Patient is.
    pub fn only(&self) -> Option<BTreeSet<&'static str>> {
        match self {
            SyncDue::PushOnly => Some(BTreeSet::new()),
            SyncDue::Types(types) => Some(types.iter().copied().chain(["Patient"]).collect()),
            SyncDue::Whole | SyncDue::Stopped => None,
        }
    }
}

/// What the backend said since the last run, coalesced: a ping for a type already pending adds
/// nothing, so however fast a hostile or busy server pings, this holds at most every type once.
#[derive(Debug, Default)]
struct Pending {
    /// The Subscriptions were (re)bound: a whole run catches up what was not pinged.
    bound: bool,
    changed: BTreeSet<&'static str>,
}

/// The listener's side of the wakeups: it adds to what is pending and wakes the sync loop.
#[derive(Debug, Default)]
struct Wakes {
    pending: Mutex<Pending>,
    arrived: Condvar,
}

impl Wakes {
    fn add(&self, add: impl FnOnce(&mut Pending)) {
        // A poisoned lock only means the other side panicked mid-update: what it holds is a set.
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        add(&mut pending);
        self.arrived.notify_all();
    }

    fn bound(&self) {
        self.add(|p| p.bound = true);
    }

    fn changed(&self, resource_type: &'static str) {
        self.add(|p| {
            p.changed.insert(resource_type);
        });
    }

    /// Waits up to `timeout` for something to be pending; whether there is.
    fn any_within(&self, timeout: Duration) -> bool {
        let pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let (pending, _) = self
            .arrived
            .wait_timeout_while(pending, timeout, |p| !p.bound && p.changed.is_empty())
            .unwrap_or_else(|e| e.into_inner());
        pending.bound || !pending.changed.is_empty()
    }

    fn take(&self) -> Pending {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Tells the sync loop when its next run is due; stops its listener when dropped.
pub struct SyncWakeups {
    wakes: Arc<Wakes>,
    live: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    listener: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SyncWakeups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncWakeups")
            .field("live", &self.live())
            .finish_non_exhaustive()
    }
}

impl SyncWakeups {
    /// Runs every interval, never sooner.
    pub fn polling() -> Self {
        SyncWakeups {
            wakes: Arc::default(),
            live: Arc::default(),
            stop: Arc::default(),
            listener: None,
        }
    }

    /// Listens to the backend's Subscriptions (if it offers them) with `client`, on a thread
    /// of its own; `live` says whether they are bound now.
    pub fn listening(client: FhirClient, live: Arc<AtomicBool>) -> Result<Self, AppError> {
        let wakes = Arc::new(Wakes::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (thread_wakes, thread_live, thread_stop) = (wakes.clone(), live.clone(), stop.clone());
        let listener = std::thread::Builder::new()
            .name("vagt-subscriptions".into())
            .spawn(move || listen_loop(&client, &thread_wakes, &thread_live, &thread_stop))
            .map_err(|source| AppError::Io {
                doing: "start the listener of Subscriptions",
                source,
            })?;
        Ok(SyncWakeups {
            wakes,
            live,
            stop,
            listener: Some(listener),
        })
    }

    /// Whether the backend's Subscriptions are bound now.
    pub fn live(&self) -> bool {
        self.live.load(Ordering::Relaxed)
    }

    /// Waits until the next run is due: a ping or something new to push (`to_push`, asked
    /// every [`TICK`]), gathered with the pings of the next moment and no sooner than
    /// [`MIN_GAP`] after `last_run` ended; or a whole run `every` after the last whole one
    /// ended (`last_whole`; [`SAFETY_NET`] while Subscriptions are bound, if that is longer).
    /// Runs of a few types do not put the whole one off: in a busy region they come every
    /// second, and a ping the network lost would then never be made up for.
    pub fn wait(
        &self,
        last_run: Instant,
        last_whole: Instant,
        every: Duration,
        stop: &AtomicBool,
        to_push: &mut dyn FnMut() -> bool,
    ) -> SyncDue {
        loop {
            if stop.load(Ordering::Relaxed) {
                return SyncDue::Stopped;
            }
            let interval = if self.live() {
                every.max(SAFETY_NET)
            } else {
                every
            };
            let now = Instant::now();
            let left = (last_whole + interval).saturating_duration_since(now);
            if left.is_zero() {
                // A whole run pulls every type: what was pinged meanwhile comes with it.
                self.wakes.take();
                return SyncDue::Whole;
            }
            if to_push() || self.wakes.any_within(left.min(TICK)) {
                return self.gather(last_run, stop);
            }
        }
    }

    fn gather(&self, last_run: Instant, stop: &AtomicBool) -> SyncDue {
        let until = (Instant::now() + GATHER).max(last_run + MIN_GAP);
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            if stop.load(Ordering::Relaxed) {
                return SyncDue::Stopped;
            }
            if left.is_zero() {
                break;
            }
            std::thread::sleep(left.min(TICK));
        }
        let pending = self.wakes.take();
        if pending.bound {
            SyncDue::Whole
        } else if pending.changed.is_empty() {
            SyncDue::PushOnly
        } else {
            SyncDue::Types(pending.changed)
        }
    }
}

/// Whether a nurse queued something for the backend since the last look.
#[derive(Debug, Default)]
pub struct OutboxWatch {
    newest: Option<i64>,
}

impl OutboxWatch {
    /// Notes what is queued now (the run about to start pushes it).
    pub fn note(&mut self, store: &vagt_store::Store) {
        match store.outbox_newest() {
            Ok(newest) => self.newest = newest,
            Err(e) => tracing::warn!(code = e.code(), "the outbox could not be read: {e}"),
        }
    }

    /// Whether a record was queued since [`OutboxWatch::note`].
    pub fn news(&self, store: &vagt_store::Store) -> bool {
        store
            .outbox_newest()
            .is_ok_and(|newest| newest > self.newest)
    }
}

impl Drop for SyncWakeups {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(listener) = self.listener.take() {
            let _ = listener.join();
        }
    }
}

/// Keeps the Subscriptions bound for as long as the loop runs: made again before they end,
/// bound again after the socket is lost, asked about again an hour after a backend said it has
/// none.
fn listen_loop(client: &FhirClient, wakes: &Wakes, live: &AtomicBool, stop: &AtomicBool) {
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!(code = e.code(), "no Subscriptions: {e}");
            return;
        }
    };
    let mut retry = RETRY_FIRST;
    while !stop.load(Ordering::Relaxed) {
        let listened = runtime.block_on(async {
            let Some(websocket) = websocket_of(client).await? else {
                return Ok(None);
            };
            let subscribed = subscribe(client, websocket, &PULLED_TYPES, LIFETIME).await?;
            let mut on_bound = || {
                live.store(true, Ordering::Relaxed);
                wakes.bound();
            };
            let mut on_ping = |resource_type| wakes.changed(resource_type);
            listen(client, &subscribed, &mut on_bound, &mut on_ping, stop)
                .await
                .map(Some)
        });
        live.store(false, Ordering::Relaxed);
        let pause = match listened {
            Ok(Some(SubscriptionEnd::Stopped)) => return,
            Ok(Some(end @ (SubscriptionEnd::Expiring | SubscriptionEnd::Closed))) => {
                tracing::info!(?end, "the Subscriptions are made and bound again");
                retry = RETRY_FIRST;
                Duration::ZERO
            }
            Ok(None) => {
                tracing::info!("the backend offers no Subscriptions; the sync polls");
                NOT_OFFERED_PAUSE
            }
            Err(e) => pause_after(&e, &mut retry),
        };
        let until = Instant::now() + pause;
        while Instant::now() < until {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            std::thread::sleep(TICK);
        }
    }
}

/// How long the listener waits after `error` before it tries again, `retry` doubling up to a
/// minute. A websocket on another host is a setting of the server's that a retry will not change
/// (and the token must not go there): asked about again in an hour, not warned of each minute.
fn pause_after(error: &SyncError, retry: &mut Duration) -> Duration {
    let code = error.code();
    match error {
        SyncError::ForeignUrl { .. } => {
            tracing::warn!(
                code,
                "the backend's websocket is not on the backend; the sync polls: {error}"
            );
            NOT_OFFERED_PAUSE
        }
        // Offline is the sync loop's to report; here it only means trying later.
        SyncError::GaveUp { .. } => std::mem::replace(retry, (*retry * 2).min(RETRY_LONGEST)),
        _ => {
            tracing::warn!(code, "the Subscriptions were lost; the sync polls: {error}");
            std::mem::replace(retry, (*retry * 2).min(RETRY_LONGEST))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wakeups_fed_by() -> (Arc<Wakes>, SyncWakeups) {
        let wakes = Arc::new(Wakes::default());
        let wakeups = SyncWakeups {
            wakes: wakes.clone(),
            live: Arc::new(AtomicBool::new(true)),
            stop: Arc::default(),
            listener: None,
        };
        (wakes, wakeups)
    }

    #[test]
    fn pings_of_a_moment_make_one_run_of_their_types() {
        let (wakes, wakeups) = wakeups_fed_by();
        for resource_type in ["Observation", "Observation", "Patient"] {
            wakes.changed(resource_type);
        }
        let stop = AtomicBool::new(false);
        let now = Instant::now();
        let due = wakeups.wait(now, now, SAFETY_NET, &stop, &mut || false);
        assert_eq!(
            due,
            SyncDue::Types(["Observation", "Patient"].into_iter().collect())
        );
        let only_readings = SyncDue::Types(["Observation"].into_iter().collect());
        assert_eq!(
            only_readings.only(),
            Some(["Observation", "Patient"].into_iter().collect()),
            "a reading's Patient is pulled with it"
        );
        // Binding asks for a whole run: what changed before it was not pinged.
        wakes.changed("Task");
        wakes.bound();
        let now = Instant::now();
        let due = wakeups.wait(now, now, SAFETY_NET, &stop, &mut || false);
        assert_eq!(due, SyncDue::Whole);
    }

    #[test]
    fn a_flood_of_pings_holds_each_type_once() {
        let (wakes, wakeups) = wakeups_fed_by();
        for n in 0..100_000 {
            wakes.changed(if n % 2 == 0 { "Observation" } else { "Task" });
        }
        let stop = AtomicBool::new(false);
        let now = Instant::now();
        assert_eq!(
            wakeups.wait(now, now, SAFETY_NET, &stop, &mut || false),
            SyncDue::Types(["Observation", "Task"].into_iter().collect())
        );
        assert!(
            !wakes.any_within(Duration::ZERO),
            "a run takes what was pending"
        );
    }

    #[test]
    fn a_foreign_websocket_is_asked_about_hourly_and_a_lost_one_backs_off() {
        let mut retry = RETRY_FIRST;
        let foreign = SyncError::ForeignUrl {
            origin: "https://elsewhere.example".into(),
        };
        assert_eq!(pause_after(&foreign, &mut retry), NOT_OFFERED_PAUSE);
        assert_eq!(retry, RETRY_FIRST);
        let lost = SyncError::Websocket("the websocket went silent".into());
        let pauses: Vec<Duration> = (0..8).map(|_| pause_after(&lost, &mut retry)).collect();
        assert_eq!(pauses[0], RETRY_FIRST);
        assert_eq!(pauses[1], RETRY_FIRST * 2);
        assert_eq!(pauses[7], RETRY_LONGEST);
    }

    #[test]
    fn a_record_to_push_starts_a_run_that_pulls_nothing() {
        let wakeups = SyncWakeups::polling();
        let stop = AtomicBool::new(false);
        let started = Instant::now();
        let due = wakeups.wait(
            started,
            started,
            Duration::from_secs(3600),
            &stop,
            &mut || true,
        );
        assert_eq!(due, SyncDue::PushOnly);
        assert_eq!(due.only(), Some(BTreeSet::new()));
        assert!(started.elapsed() >= MIN_GAP, "no sooner than the gap");
    }

    #[test]
    fn without_news_the_interval_decides_and_live_subscriptions_lengthen_it() {
        let stop = AtomicBool::new(false);
        let polling = SyncWakeups::polling();
        let long_ago = Instant::now() - Duration::from_secs(30);
        assert_eq!(
            polling.wait(
                long_ago,
                long_ago,
                Duration::from_secs(10),
                &stop,
                &mut || false
            ),
            SyncDue::Whole
        );
        // A run of a few types just now does not put off the whole run that is due.
        assert_eq!(
            polling.wait(
                Instant::now(),
                long_ago,
                Duration::from_secs(10),
                &stop,
                &mut || false
            ),
            SyncDue::Whole
        );
        // Bound: 30 s after the last run is not yet the safety net's minute; stopped instead.
        let (_wakes, live) = wakeups_fed_by();
        let flag = Arc::new(AtomicBool::new(false));
        let setter = flag.clone();
        let waiter = std::thread::spawn(move || {
            live.wait(
                long_ago,
                long_ago,
                Duration::from_secs(10),
                &flag,
                &mut || false,
            )
        });
        std::thread::sleep(Duration::from_millis(600));
        setter.store(true, Ordering::Relaxed);
        assert_eq!(waiter.join().expect("waited"), SyncDue::Stopped);
    }
}
