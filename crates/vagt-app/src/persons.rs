//! The MAS function's persons outside the clinic, and unknown callers tied to citizens later.

use crate::dispatches::{DispatchChanged, DispatchForm};
use crate::follow_up::{Affected, AlarmsChanged, follow_up};
use crate::{AppError, Session};
use serde::{Deserialize, Serialize};
use vagt_core::call::CallRecord;
use vagt_core::dispatch::DispatchUrgency;
use vagt_core::person::{CallLink, NewPerson};
use vagt_core::{CitizenId, Timestamp};
use vagt_store::{Actor, PersonAdded};

/// A MAS visit asked for a person who is not enrolled, as the form sends it.
#[derive(Debug, Clone, PartialEq, Deserialize, ts_rs::TS)]
pub struct PersonDispatchForm {
    pub person: NewPerson,
    pub urgency: DispatchUrgency,
    pub reason: String,
    #[serde(default)]
    pub assigned_to: Option<String>,
}

/// What sending the MAS nurse to a person did.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct PersonDispatched {
    pub person: PersonAdded,
    pub dispatch: DispatchChanged,
}

impl Session {
    /// Adds a person the MAS function serves who is not enrolled (CPR, name, address).
    pub fn add_person(&self, actor: &Actor, person: &NewPerson) -> Result<PersonAdded, AppError> {
        let now = Timestamp::now();
        let mut store = self.store()?;
        let added = store.add_person(actor, person, now)?;
        follow_up(
            &mut store,
            Affected::Citizens([added.citizen_id.clone()].into()),
            AlarmsChanged::None,
            now,
            self.sink(),
        )?;
        Ok(added)
    }

    /// Sends the MAS nurse to a person known only by CPR, name and address: the person is
    /// added (or found, when the CPR number is a citizen here already), then the dispatch made.
    /// A dispatch refused for its own fields leaves the person added; sending again finds them.
    pub fn dispatch_person(
        &self,
        actor: &Actor,
        form: PersonDispatchForm,
    ) -> Result<PersonDispatched, AppError> {
        let person = self.add_person(actor, &form.person)?;
        let dispatch = self.request_dispatch(
            actor,
            DispatchForm {
                citizen_id: person.citizen_id.clone(),
                urgency: form.urgency,
                reason: form.reason,
                assigned_to: form.assigned_to,
            },
        )?;
        Ok(PersonDispatched { person, dispatch })
    }

    /// Ties an unknown caller's call to a citizen.
    pub fn link_call(
        &self,
        actor: &Actor,
        call_key: &str,
        citizen: &CitizenId,
    ) -> Result<CallLink, AppError> {
        let now = Timestamp::now();
        let mut store = self.store()?;
        let link = store.link_call(actor, call_key, citizen, now)?;
        follow_up(
            &mut store,
            Affected::Citizens([citizen.clone()].into()),
            // A linked call may promise its citizen a call-back: their alarms alone.
            AlarmsChanged::Of([citizen.clone()].into()),
            now,
            self.sink(),
        )?;
        Ok(link)
    }

    /// Unknown callers' calls no nurse has linked yet, newest first.
    pub fn unlinked_calls(
        &self,
        actor: &Actor,
        since: Option<Timestamp>,
    ) -> Result<Vec<CallRecord>, AppError> {
        Ok(self.store()?.unlinked_calls(actor, since)?)
    }
}
