//! The state the HTTP handlers, the live task and the [`crate::RunningSim`] handle share. Its
//! own module so the handlers depend on it, not on the server that starts them.

use crate::changes::{AdvanceReport, AdvanceSpec};
use crate::faults::FaultProfile;
use crate::traffic::Traffic;
use crate::trap::{Trap, TrapReport};
use crate::world::{SimClock, World};
use std::time::Duration;
use tokio::sync::{Mutex, OnceCell, RwLock, watch};

/// State shared by the HTTP handlers, the live task and [`RunningSim`](crate::RunningSim).
pub(crate) struct Shared {
    pub world: Mutex<World>,
    /// The world's clock, read without its lock (every answer's `Date`).
    pub clock: SimClock,
    pub faults: RwLock<FaultProfile>,
    pub fault_seed: u64,
    pub token: Option<String>,
    pub base_url: String,
    /// Requests to FHIR endpoints so far (the fault draw's counter).
    pub requests: std::sync::atomic::AtomicU64,
    /// Searches so far (the hang counter).
    pub searches: std::sync::atomic::AtomicU64,
    pub stop: watch::Receiver<bool>,
    /// The `foreign-next` fault's trap, opened the first time a profile needs it.
    pub trap: OnceCell<Trap>,
    /// Requests and bytes served, for `GET /admin/traffic`.
    pub traffic: Traffic,
    /// The type of every version the store writes, for the websocket of Subscriptions.
    pub changes: tokio::sync::broadcast::Sender<std::sync::Arc<str>>,
}

impl Shared {
    pub async fn advance(&self, spec: &AdvanceSpec) -> AdvanceReport {
        let late_share = self.faults.read().await.late_share;
        self.world.lock().await.advance(spec, late_share)
    }

    /// Replaces the fault profile, opening the trap first if the new one links to it.
    pub async fn set_faults(&self, profile: FaultProfile) {
        if profile.foreign_next
            && let Err(e) = self.trap().await
        {
            // The search that needs it fails with this error again, where a client sees it.
            tracing::warn!(error = %e, "cannot open the trap");
        }
        tracing::info!(profile = %profile.name, "fault profile set");
        *self.faults.write().await = profile;
    }

    /// The trap, opened on first use.
    pub async fn trap(&self) -> std::io::Result<&Trap> {
        self.trap
            .get_or_try_init(|| Trap::open(self.stop.clone()))
            .await
    }

    /// What the trap has received (nothing if it was never opened).
    pub fn trap_report(&self) -> TrapReport {
        self.trap.get().map(Trap::report).unwrap_or_default()
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
