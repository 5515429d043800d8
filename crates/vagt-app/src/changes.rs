//! What changed in the store, pushed to whoever shows it (the app's window) instead of being
//! polled: the citizens whose rows changed, and whether the alarms or the status did.

use serde::Serialize;
use std::collections::BTreeSet;
use vagt_core::CitizenId;

/// The window event that carries a [`StoreChanged`].
pub const STORE_CHANGED_EVENT: &str = "vagt://changed";

/// One change notice. The UI re-reads only what it names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct StoreChanged {
    /// The citizens whose worklist rows changed; `null`: every citizen (re-read the list).
    pub citizens: Option<Vec<CitizenId>>,
    /// Any alarm may have changed: re-read them all.
    pub alarms: bool,
    /// Only these citizens' alarms changed (`alarms` is then false): re-read their episodes,
    /// not the region's thousands. Absent when none did.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub alarm_citizens: Option<Vec<CitizenId>>,
    pub status: bool,
}

impl StoreChanged {
    pub fn citizens(citizens: BTreeSet<CitizenId>, alarms: bool) -> Self {
        StoreChanged {
            citizens: Some(citizens.into_iter().collect()),
            alarms,
            alarm_citizens: None,
            status: true,
        }
    }

    /// The rows of `citizens` changed, and the alarms of `alarm_citizens` only.
    pub fn alarms_of(citizens: BTreeSet<CitizenId>, alarm_citizens: BTreeSet<CitizenId>) -> Self {
        StoreChanged {
            citizens: Some(citizens.into_iter().collect()),
            alarms: false,
            alarm_citizens: (!alarm_citizens.is_empty())
                .then(|| alarm_citizens.into_iter().collect()),
            status: true,
        }
    }

    pub fn everything() -> Self {
        StoreChanged {
            citizens: None,
            alarms: true,
            alarm_citizens: None,
            status: true,
        }
    }

    /// Whether the alarms of `citizen` may have changed.
    pub fn alarms_changed_of(&self, citizen: &CitizenId) -> bool {
        self.alarms
            || self
                .alarm_citizens
                .as_ref()
                .is_some_and(|named| named.contains(citizen))
    }

    pub fn is_empty(&self) -> bool {
        self.citizens.as_ref().is_some_and(Vec::is_empty)
            && !self.alarms
            && self.alarm_citizens.is_none()
            && !self.status
    }
}

/// Where change notices go: the Tauri adapter emits them as events; `vagtctl` has no window.
pub trait ChangeSink: Send + Sync {
    fn changed(&self, change: &StoreChanged);
}

/// For callers with nobody to tell.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoWindow;

impl ChangeSink for NoWindow {
    fn changed(&self, _: &StoreChanged) {}
}

impl<F: Fn(&StoreChanged) + Send + Sync> ChangeSink for F {
    fn changed(&self, change: &StoreChanged) {
        self(change);
    }
}
