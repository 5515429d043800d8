//! MAS dispatches: the station sends the mobile acute nurse, she (or the station) moves the
//! dispatch on as the visit goes, offline on the laptop if need be; an admission at the end
//! sets the citizen's confirmed level and raises its alarm. Two stations' edits merge; a field
//! they set differently is a conflict a nurse settles by choosing one of its versions.

use crate::follow_up::{Affected, AlarmsChanged, follow_up};
use crate::{AppError, Session};
use serde::{Deserialize, Serialize};
use vagt_core::dispatch::{Dispatch, DispatchChange, DispatchState, DispatchUrgency, VisitOutcome};
use vagt_core::{CitizenId, Timestamp};
use vagt_store::{Actor, DispatchSaved};

/// A request for a MAS visit as the form sends it.
#[derive(Debug, Clone, PartialEq, Deserialize, ts_rs::TS)]
pub struct DispatchForm {
    pub citizen_id: CitizenId,
    pub urgency: DispatchUrgency,
    pub reason: String,
    #[serde(default)]
    pub assigned_to: Option<String>,
}

/// A change of a dispatch as the board sends it.
#[derive(Debug, Clone, PartialEq, Deserialize, ts_rs::TS)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum DispatchEdit {
    State {
        to: DispatchState,
        #[serde(default)]
        outcome: Option<VisitOutcome>,
        #[serde(default)]
        note: String,
    },
    Assigned {
        nurse: Option<String>,
    },
    Urgency {
        urgency: DispatchUrgency,
    },
}

impl From<DispatchEdit> for DispatchChange {
    fn from(edit: DispatchEdit) -> Self {
        match edit {
            DispatchEdit::State { to, outcome, note } => DispatchChange::State {
                to,
                outcome,
                note: note.trim().to_owned(),
            },
            DispatchEdit::Assigned { nurse } => DispatchChange::Assigned {
                nurse: nurse.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()),
            },
            DispatchEdit::Urgency { urgency } => DispatchChange::Urgency { urgency },
        }
    }
}

/// What a request or a change did.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct DispatchChanged {
    pub saved: DispatchSaved,
    /// Alarms it raised (an admission's change of the confirmed level).
    pub alarms_raised: Vec<String>,
}

impl Session {
    /// Sends the MAS nurse to a citizen.
    pub fn request_dispatch(
        &self,
        actor: &Actor,
        form: DispatchForm,
    ) -> Result<DispatchChanged, AppError> {
        let now = Timestamp::now();
        let mut store = self.store()?;
        let saved = store.request_dispatch(
            actor,
            &form.citizen_id,
            form.urgency,
            &form.reason,
            form.assigned_to.as_deref(),
            now,
        )?;
        let report = follow_up(
            &mut store,
            Affected::Citizens([form.citizen_id.clone()].into()),
            // A dispatch changes its citizen's alarms alone (a conflict, an admission's level).
            AlarmsChanged::Of([form.citizen_id].into()),
            now,
            self.sink(),
        )?;
        Ok(DispatchChanged {
            saved,
            alarms_raised: report.raised,
        })
    }

    /// Moves a dispatch on (key or a beginning of it, at least 8 characters).
    pub fn change_dispatch(
        &self,
        actor: &Actor,
        key: &str,
        edit: DispatchEdit,
    ) -> Result<DispatchChanged, AppError> {
        let now = Timestamp::now();
        let mut store = self.store()?;
        let saved = store.change_dispatch(actor, key, edit.into(), now)?;
        let report = follow_up(
            &mut store,
            Affected::Citizens([saved.dispatch.citizen_id.clone()].into()),
            AlarmsChanged::Of([saved.dispatch.citizen_id.clone()].into()),
            now,
            self.sink(),
        )?;
        Ok(DispatchChanged {
            saved,
            alarms_raised: report.raised,
        })
    }

    /// The dispatch board (open dispatches), or every dispatch of one citizen.
    pub fn dispatches(
        &self,
        actor: &Actor,
        citizen: Option<&CitizenId>,
        open_only: bool,
    ) -> Result<Vec<Dispatch>, AppError> {
        Ok(self.store()?.dispatches(actor, citizen, open_only)?)
    }

    pub fn dispatch(&self, actor: &Actor, key: &str) -> Result<Dispatch, AppError> {
        Ok(self.store()?.dispatch(actor, key)?)
    }
}
