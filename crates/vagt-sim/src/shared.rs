//! The state the HTTP handlers, the live task and the [`crate::RunningSim`] handle share. Its
//! own module so the handlers depend on it, not on the server that starts them.

use crate::changes::{AdvanceReport, AdvanceSpec};
use crate::faults::FaultProfile;
use crate::world::World;
use std::time::Duration;
use tokio::sync::{Mutex, RwLock, watch};

/// State shared by the HTTP handlers, the live task and [`RunningSim`](crate::RunningSim).
pub(crate) struct Shared {
    pub world: Mutex<World>,
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
