//! What a citizen's timeline reads besides the alarms, levels, calls, dispatches and visits
//! other reads give: every revision of the plan with who and why, and the care events.

use crate::{Actor, Result, Store};
use serde::Serialize;
use vagt_core::{CareEventKind, CitizenId, Timestamp};

/// A revision of the citizen's plan as the timeline shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PlanRevisionEntry {
    pub key: String,
    pub revision: i64,
    pub changed_at: Timestamp,
    pub changed_by: String,
    pub reason: String,
}

/// The timeline's own rows of a citizen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimelineRows {
    /// Oldest first.
    pub plan_revisions: Vec<PlanRevisionEntry>,
    /// In force, oldest first.
    pub care_events: Vec<(Timestamp, CareEventKind)>,
}

impl Store {
    /// The citizen's plan revisions and care events; audited as a read of their health data.
    pub fn timeline_rows(&mut self, actor: &Actor, citizen: &CitizenId) -> Result<TimelineRows> {
        crate::citizen_rows::require_citizen(&self.conn, citizen.as_str())?;
        let plan_revisions = self
            .conn
            .prepare_cached(
                "SELECT key, revision, changed_at, changed_by, reason FROM triage_plan_revisions
                 WHERE citizen_id = ?1 ORDER BY changed_at, key",
            )?
            .query_map([citizen.as_str()], |r| {
                Ok(PlanRevisionEntry {
                    key: r.get(0)?,
                    revision: r.get(1)?,
                    changed_at: Timestamp::from_millis(r.get(2)?),
                    changed_by: r.get(3)?,
                    reason: r.get(4)?,
                })
            })?
            .collect::<std::result::Result<_, _>>()?;
        let care_events = crate::trend::current_care_events(&self.conn, citizen.as_str())?;
        self.audit(
            actor,
            "timeline.read",
            Some(("citizen", citizen.as_str())),
            None,
        )?;
        Ok(TimelineRows {
            plan_revisions,
            care_events,
        })
    }
}
