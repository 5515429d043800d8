//! A citizen's triage plan: as a form (defaults, overrides, the plan in force), checked field
//! by field as it is typed, and saved with a reason; as TOML for administrators.

use crate::follow_up::{Affected, AlarmsChanged, follow_up};
use crate::{AppError, Session};
use serde::Serialize;
use vagt_core::plan::DocumentFormat;
use vagt_core::{CitizenId, Timestamp};
use vagt_store::{Actor, PlanCheck, PlanForm, PlanView};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanChanged {
    pub citizen_id: CitizenId,
    pub revision: i64,
    pub key: String,
    /// Other newest revisions the change did not settle (made meanwhile at another station):
    /// still a conflict for a nurse.
    pub conflicts: usize,
    /// Alarms the new limits raised at once.
    pub alarms_raised: Vec<String>,
}

fn json_text(overrides: &serde_json::Value) -> Result<String, AppError> {
    serde_json::to_string(overrides).map_err(|e| AppError::invalid("invalid_plan", e.to_string()))
}

impl Session {
    /// The plan as TOML: the citizen's overrides and the plan in force.
    pub fn plan_toml(&self, actor: &Actor, citizen: &CitizenId) -> Result<PlanView, AppError> {
        Ok(self.store()?.plan(citizen, actor)?)
    }

    pub fn plan_form(&self, actor: &Actor, citizen: &CitizenId) -> Result<PlanForm, AppError> {
        Ok(self.store()?.plan_form(citizen, actor)?)
    }

    /// Every problem of `overrides` (a plan document as JSON), or the plan they give. Cheap, and
    /// changes nothing: the form calls it as fields are typed.
    pub fn check_plan(
        &self,
        citizen: &CitizenId,
        overrides: &serde_json::Value,
    ) -> Result<PlanCheck, AppError> {
        Ok(self
            .store()?
            .check_plan(citizen, &json_text(overrides)?, DocumentFormat::Json)?)
    }

    /// Saves the form's overrides with a reason, made on the revisions the form showed
    /// (`bases`: its `key` and `conflicts`); refused with every problem when the plan is not
    /// valid.
    pub fn set_plan(
        &self,
        actor: &Actor,
        citizen: &CitizenId,
        overrides: &serde_json::Value,
        reason: &str,
        bases: &[String],
    ) -> Result<PlanForm, AppError> {
        let text = json_text(overrides)?;
        self.set_plan_text(
            actor,
            citizen,
            &text,
            DocumentFormat::Json,
            reason,
            Some(bases),
        )?;
        self.plan_form(actor, citizen)
    }

    /// Saves overrides given as a document (TOML or JSON), for `vagtctl plan import` and the
    /// TOML mode of the form. `bases`: the revisions the change was made on; `None`, the newest
    /// now (an operator reads and writes at once).
    pub fn set_plan_text(
        &self,
        actor: &Actor,
        citizen: &CitizenId,
        text: &str,
        format: DocumentFormat,
        reason: &str,
        bases: Option<&[String]>,
    ) -> Result<PlanChanged, AppError> {
        let mut store = self.store()?;
        let check = store.check_plan(citizen, text, format)?;
        if !check.problems.is_empty() {
            return Err(AppError::InvalidPlan(check.problems));
        }
        let saved = store.set_plan(citizen, text, format, actor, reason, bases)?;
        let report = follow_up(
            &mut store,
            Affected::Citizens([citizen.clone()].into()),
            AlarmsChanged::None,
            Timestamp::now(),
            self.sink(),
        )?;
        Ok(PlanChanged {
            citizen_id: citizen.clone(),
            revision: saved.revision,
            key: saved.key,
            conflicts: saved.conflicts,
            alarms_raised: report.raised,
        })
    }
}
