//! Each citizen's triage plan: the defaults of their diagnoses with their own overrides, kept as
//! numbered revisions with who changed it and why.

use crate::users::ensure_user_tx;
use crate::{Actor, Result, Store, StoreError, TriageError, audit};
use rusqlite::OptionalExtension;
use serde::Serialize;
use std::str::FromStr;
use vagt_core::plan::{
    DocumentFormat, PlanDocument, PlanDocumentWire, PlanError, PlanProblem, TriagePlan,
    defaults_for, parse_plan_document, plan_problems, resolve,
};
use vagt_core::{CitizenId, Diagnosis, Timestamp};

/// A citizen's plan as TOML, for administrators and `vagtctl plan`.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct PlanView {
    pub citizen_id: CitizenId,
    /// The revision of the citizen's own overrides; `null` when the defaults apply unchanged.
    pub revision: Option<i64>,
    pub changed_by: Option<String>,
    pub reason: Option<String>,
    /// The citizen's overrides (TOML).
    pub overrides: String,
    /// The plan in force: the defaults of the citizen's diagnoses with the overrides (TOML).
    pub resolved: String,
}

/// A citizen's plan as a form: the defaults of their diagnoses, their own overrides, and the
/// plan in force, each as a document.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct PlanForm {
    pub citizen_id: CitizenId,
    pub revision: Option<i64>,
    pub changed_by: Option<String>,
    pub changed_at: Option<Timestamp>,
    pub reason: Option<String>,
    #[ts(as = "PlanDocumentWire")]
    pub defaults: PlanDocument,
    #[ts(as = "PlanDocumentWire")]
    pub overrides: PlanDocument,
    #[ts(as = "PlanDocumentWire")]
    pub resolved: PlanDocument,
}

/// What a proposed set of overrides would give: every problem, or the plan in force.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct PlanCheck {
    pub problems: Vec<PlanProblem>,
    #[ts(as = "Option<PlanDocumentWire>")]
    pub resolved: Option<PlanDocument>,
}

struct PlanRevision {
    revision: i64,
    document: String,
    changed_at: i64,
    changed_by: String,
    reason: String,
}

/// The citizen's latest revision, its overrides, the defaults and the plan in force.
struct PlanInForce {
    latest: Option<PlanRevision>,
    defaults: PlanDocument,
    overrides: PlanDocument,
    resolved: TriagePlan,
}

fn toml_of(document: &PlanDocument) -> Result<String> {
    Ok(document.to_toml().map_err(TriageError::from)?)
}

impl Store {
    /// The plan in force for a citizen, with the overrides it was made from, as TOML.
    pub fn plan(&mut self, citizen_id: &CitizenId, actor: &Actor) -> Result<PlanView> {
        let found = self.plan_in_force(citizen_id.as_str())?;
        self.audit(
            actor,
            "plan.read",
            Some(("citizen", citizen_id.as_str())),
            None,
        )?;
        Ok(PlanView {
            citizen_id: citizen_id.clone(),
            revision: found.latest.as_ref().map(|r| r.revision),
            changed_by: found.latest.as_ref().map(|r| r.changed_by.clone()),
            reason: found.latest.map(|r| r.reason),
            overrides: toml_of(&found.overrides)?,
            resolved: toml_of(&found.resolved.to_document())?,
        })
    }

    /// The plan as a form: defaults, overrides and the plan in force. Audited.
    pub fn plan_form(&mut self, citizen_id: &CitizenId, actor: &Actor) -> Result<PlanForm> {
        let found = self.plan_in_force(citizen_id.as_str())?;
        self.audit(
            actor,
            "plan.read",
            Some(("citizen", citizen_id.as_str())),
            None,
        )?;
        Ok(PlanForm {
            citizen_id: citizen_id.clone(),
            revision: found.latest.as_ref().map(|r| r.revision),
            changed_by: found.latest.as_ref().map(|r| r.changed_by.clone()),
            changed_at: found
                .latest
                .as_ref()
                .map(|r| Timestamp::from_millis(r.changed_at)),
            reason: found.latest.map(|r| r.reason),
            defaults: found.defaults,
            overrides: found.overrides,
            resolved: found.resolved.to_document(),
        })
    }

    /// Every problem of `text` (TOML or JSON) as the citizen's overrides, or the plan it gives.
    /// Changes nothing.
    pub fn check_plan(
        &self,
        citizen_id: &CitizenId,
        text: &str,
        format: DocumentFormat,
    ) -> Result<PlanCheck> {
        let defaults = self.defaults_of(citizen_id.as_str())?;
        let overrides = match parse_plan_document(text, format) {
            Ok(doc) => doc,
            Err(e) => {
                return Ok(PlanCheck {
                    problems: vec![e.problem()],
                    resolved: None,
                });
            }
        };
        let problems: Vec<PlanProblem> = plan_problems(&defaults, &overrides)
            .iter()
            .map(PlanError::problem)
            .collect();
        let resolved = if problems.is_empty() {
            Some(
                resolve(&defaults, &overrides)
                    .map_err(TriageError::from)?
                    .to_document(),
            )
        } else {
            None
        };
        Ok(PlanCheck { problems, resolved })
    }

    /// Replaces a citizen's overrides with `text` (TOML or JSON), checked against the defaults
    /// before it is kept. Returns the new revision. Who and why are kept with it and audited.
    pub fn set_plan(
        &mut self,
        citizen_id: &CitizenId,
        text: &str,
        format: DocumentFormat,
        actor: &Actor,
        reason: &str,
    ) -> Result<i64> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(TriageError::ReasonRequired.into());
        }
        let citizen = citizen_id.as_str();
        let overrides = parse_plan_document(text, format).map_err(TriageError::from)?;
        resolve(&self.defaults_of(citizen)?, &overrides).map_err(TriageError::from)?;
        let document = toml_of(&overrides)?;
        let now = Timestamp::now();
        let tx = self.conn.transaction()?;
        ensure_user_tx(&tx, actor, now)?;
        let revision: i64 = tx.query_row(
            "SELECT coalesce(max(revision), 0) + 1 FROM triage_plan_revisions WHERE citizen_id = ?1",
            [citizen],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO triage_plan_revisions (citizen_id, revision, document, changed_at, changed_by, reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            (citizen, revision, &document, now.millis(), &actor.0, reason),
        )?;
        audit::append_tx(
            &tx,
            actor,
            "plan.change",
            Some(("citizen", citizen)),
            Some(&serde_json::json!({ "revision": revision })),
            now,
        )?;
        tx.commit()?;
        Ok(revision)
    }

    /// The plan in force for the citizen, as the rules use it (to classify readings on a page).
    pub fn triage_plan(&self, citizen_id: &CitizenId) -> Result<TriagePlan> {
        self.resolved_plan(citizen_id.as_str())
    }

    /// The plan the rules use for the citizen now.
    pub(crate) fn resolved_plan(&self, citizen_id: &str) -> Result<TriagePlan> {
        Ok(self.plan_in_force(citizen_id)?.resolved)
    }

    fn plan_in_force(&self, citizen_id: &str) -> Result<PlanInForce> {
        let latest = self.latest_plan_revision(citizen_id)?;
        let overrides = match &latest {
            Some(rev) => parse_plan_document(&rev.document, DocumentFormat::Toml)
                .map_err(TriageError::from)?,
            None => PlanDocument::default(),
        };
        let defaults = self.defaults_of(citizen_id)?;
        let resolved = resolve(&defaults, &overrides).map_err(TriageError::from)?;
        Ok(PlanInForce {
            latest,
            defaults,
            overrides,
            resolved,
        })
    }

    /// The defaults of the citizen's diagnosis groups.
    fn defaults_of(&self, citizen_id: &str) -> Result<PlanDocument> {
        let diagnoses = self.citizen_diagnoses(citizen_id)?;
        Ok(defaults_for(&diagnoses).map_err(TriageError::from)?)
    }

    fn citizen_diagnoses(&self, citizen_id: &str) -> Result<Vec<Diagnosis>> {
        crate::citizens::require_citizen(&self.conn, citizen_id)?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT diagnosis FROM citizen_diagnoses WHERE citizen_id = ?1")?;
        let codes: Vec<String> = stmt
            .query_map([citizen_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        codes
            .iter()
            .map(|c| {
                Diagnosis::from_str(c).map_err(|_| StoreError::Corrupt(format!("diagnosis {c}")))
            })
            .collect()
    }

    fn latest_plan_revision(&self, citizen_id: &str) -> Result<Option<PlanRevision>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT revision, document, changed_at, changed_by, reason
                 FROM triage_plan_revisions
                 WHERE citizen_id = ?1 ORDER BY revision DESC LIMIT 1",
            )?
            .query_row([citizen_id], |r| {
                Ok(PlanRevision {
                    revision: r.get(0)?,
                    document: r.get(1)?,
                    changed_at: r.get(2)?,
                    changed_by: r.get(3)?,
                    reason: r.get(4)?,
                })
            })
            .optional()?)
    }
}
