//! Each citizen's triage plan: the defaults of their diagnoses with their own overrides, kept as
//! revisions with who changed it and why. A revision travels to the backend and back under its
//! key, naming the revisions it was made on; two made on the same base (two nurses, two
//! stations, offline) are a conflict, shown to a nurse, never a silent overwrite. Until one
//! settles it, the newest of them by (changed_at, key) is in force at every station alike.

use crate::outbox::enqueue_outbox_tx;
use crate::users::ensure_user_tx;
use crate::{Actor, Result, Store, StoreError, TriageError, audit};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use std::str::FromStr;
use vagt_core::alarm::PlanHead;
use vagt_core::outbound::{Outbound, PlanRevisionRecord};
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
    /// The key of that revision, to name as the base of the next one.
    pub key: Option<String>,
    pub changed_by: Option<String>,
    pub reason: Option<String>,
    /// Other newest revisions, in conflict with the one in force.
    pub conflicts: Vec<PlanRevisionSummary>,
    /// The citizen's overrides (TOML).
    pub overrides: String,
    /// The plan in force: the defaults of the citizen's diagnoses with the overrides (TOML).
    pub resolved: String,
}

/// One revision of a citizen's plan, as a conflict shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct PlanRevisionSummary {
    pub key: String,
    pub revision: i64,
    pub changed_by: String,
    pub changed_at: Timestamp,
    pub reason: String,
    /// Its overrides (TOML), to compare with the one in force.
    pub overrides: String,
}

/// A citizen's plan as a form: the defaults of their diagnoses, their own overrides, and the
/// plan in force, each as a document.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct PlanForm {
    pub citizen_id: CitizenId,
    pub revision: Option<i64>,
    /// The revision in force; the form sends it back as the base of the change.
    pub key: Option<String>,
    pub changed_by: Option<String>,
    pub changed_at: Option<Timestamp>,
    pub reason: Option<String>,
    /// Other newest revisions, in conflict with the one in force: saving the form settles
    /// them (the nurse has seen them).
    pub conflicts: Vec<PlanRevisionSummary>,
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

/// What a saved plan change was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanSaved {
    pub key: String,
    pub revision: i64,
    /// Other newest revisions the change did not name as its base: still in conflict.
    pub conflicts: usize,
}

#[derive(Debug, Clone)]
struct PlanRevisionRow {
    key: String,
    revision: i64,
    document: String,
    changed_at: i64,
    changed_by: String,
    reason: String,
}

impl PlanRevisionRow {
    fn summary(&self) -> PlanRevisionSummary {
        PlanRevisionSummary {
            key: self.key.clone(),
            revision: self.revision,
            changed_by: self.changed_by.clone(),
            changed_at: Timestamp::from_millis(self.changed_at),
            reason: self.reason.clone(),
            overrides: self.document.clone(),
        }
    }
}

/// The citizen's revision in force, the others in conflict with it, its overrides, the
/// defaults and the plan in force.
struct PlanInForce {
    latest: Option<PlanRevisionRow>,
    conflicts: Vec<PlanRevisionRow>,
    defaults: PlanDocument,
    overrides: PlanDocument,
    resolved: TriagePlan,
}

fn toml_of(document: &PlanDocument) -> Result<String> {
    Ok(document.to_toml().map_err(TriageError::from)?)
}

/// The citizen's newest revisions (those no other revision names as its base), the one in
/// force first: newest by (changed_at, key).
fn plan_heads_of(conn: &Connection, citizen_id: &str) -> Result<Vec<PlanRevisionRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.key, r.revision, r.document, r.changed_at, r.changed_by, r.reason
         FROM triage_plan_revisions r
         WHERE r.citizen_id = ?1
           AND NOT EXISTS (SELECT 1 FROM triage_plan_bases b
                           JOIN triage_plan_revisions child ON child.key = b.revision_key
                           WHERE b.base_key = r.key AND child.citizen_id = r.citizen_id)
         ORDER BY r.changed_at DESC, r.key DESC",
    )?;
    let rows = stmt.query_map([citizen_id], |r| {
        Ok(PlanRevisionRow {
            key: r.get(0)?,
            revision: r.get(1)?,
            document: r.get(2)?,
            changed_at: r.get(3)?,
            changed_by: r.get(4)?,
            reason: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The newest revisions of the citizen's plan, as the alarm rules see them.
pub(crate) fn plan_heads(conn: &Connection, citizen_id: &str) -> Result<Vec<PlanHead>> {
    Ok(plan_heads_of(conn, citizen_id)?
        .into_iter()
        .map(|h| PlanHead {
            key: h.key,
            changed_by: h.changed_by,
            changed_at: Timestamp::from_millis(h.changed_at),
        })
        .collect())
}

fn citizen_diagnoses(conn: &Connection, citizen_id: &str) -> Result<Vec<Diagnosis>> {
    crate::citizen_rows::require_citizen(conn, citizen_id)?;
    let mut stmt =
        conn.prepare_cached("SELECT diagnosis FROM citizen_diagnoses WHERE citizen_id = ?1")?;
    let codes: Vec<String> = stmt
        .query_map([citizen_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    codes
        .iter()
        .map(|c| Diagnosis::from_str(c).map_err(|_| StoreError::Corrupt(format!("diagnosis {c}"))))
        .collect()
}

/// The defaults of the citizen's diagnosis groups.
fn defaults_of(conn: &Connection, citizen_id: &str) -> Result<PlanDocument> {
    let diagnoses = citizen_diagnoses(conn, citizen_id)?;
    Ok(defaults_for(&diagnoses).map_err(TriageError::from)?)
}

fn plan_in_force(conn: &Connection, citizen_id: &str) -> Result<PlanInForce> {
    let mut heads = plan_heads_of(conn, citizen_id)?.into_iter();
    let latest = heads.next();
    let overrides = match &latest {
        Some(rev) => {
            parse_plan_document(&rev.document, DocumentFormat::Toml).map_err(TriageError::from)?
        }
        None => PlanDocument::default(),
    };
    let defaults = defaults_of(conn, citizen_id)?;
    let resolved = resolve(&defaults, &overrides).map_err(TriageError::from)?;
    Ok(PlanInForce {
        latest,
        conflicts: heads.collect(),
        defaults,
        overrides,
        resolved,
    })
}

/// Every plan the citizen has had, oldest first: the defaults, then each revision (in the
/// order the rules break ties: time, then key) resolved on them. A revision that no longer
/// resolves (the defaults changed under it) is left out: the one before stays in force.
pub(crate) fn plan_history(
    conn: &Connection,
    citizen_id: &str,
) -> Result<Vec<crate::trend::PlanHistoryStep>> {
    let defaults = defaults_of(conn, citizen_id)?;
    let mut steps = vec![crate::trend::PlanHistoryStep {
        from: Timestamp::from_millis(i64::MIN),
        revision: 0,
        changed_by: None,
        plan: resolve(&defaults, &PlanDocument::default()).map_err(TriageError::from)?,
    }];
    let mut stmt = conn.prepare_cached(
        "SELECT revision, document, changed_at, changed_by FROM triage_plan_revisions
         WHERE citizen_id = ?1 ORDER BY changed_at, key",
    )?;
    let rows = stmt.query_map([citizen_id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    for row in rows {
        let (revision, document, changed_at, changed_by) = row?;
        let resolved = parse_plan_document(&document, DocumentFormat::Toml)
            .ok()
            .and_then(|overrides| resolve(&defaults, &overrides).ok());
        if let Some(plan) = resolved {
            steps.push(crate::trend::PlanHistoryStep {
                from: Timestamp::from_millis(changed_at),
                revision,
                changed_by: Some(changed_by),
                plan,
            });
        }
    }
    Ok(steps)
}

/// The plan the rules use for the citizen now.
pub(crate) fn resolved_plan(conn: &Connection, citizen_id: &str) -> Result<TriagePlan> {
    Ok(plan_in_force(conn, citizen_id)?.resolved)
}

/// Stores a revision (made here or pulled) with its bases; false when its key is known.
fn insert_revision_tx(
    tx: &Connection,
    record: &PlanRevisionRecord,
    source_id: Option<&str>,
) -> Result<bool> {
    let inserted = tx
        .prepare_cached(
            "INSERT INTO triage_plan_revisions
                 (key, citizen_id, revision, document, changed_at, changed_by, reason, source_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (key) DO NOTHING",
        )?
        .execute((
            &record.key,
            record.citizen_id.as_str(),
            record.revision,
            &record.document,
            record.changed_at.millis(),
            &record.changed_by,
            &record.reason,
            source_id,
        ))?;
    if inserted == 0 {
        return Ok(false);
    }
    let mut base = tx.prepare_cached(
        "INSERT OR IGNORE INTO triage_plan_bases (revision_key, base_key) VALUES (?1, ?2)",
    )?;
    for key in &record.bases {
        base.execute((&record.key, key))?;
    }
    Ok(true)
}

/// What applying a pulled plan revision did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RevisionApplied {
    New,
    Known,
}

/// Applies a plan revision made at another station (or this one, read back). Its document is
/// checked against the citizen's defaults as a nurse's would be; one that does not fit is an
/// error for the caller to keep as a rejected input.
pub(crate) fn apply_remote_plan_revision_tx(
    tx: &Connection,
    record: &PlanRevisionRecord,
    source_id: &str,
    received_at: Timestamp,
) -> Result<RevisionApplied> {
    let known: bool = tx
        .prepare_cached("SELECT count(*) > 0 FROM triage_plan_revisions WHERE key = ?1")?
        .query_row([&record.key], |r| r.get(0))?;
    if known {
        tx.prepare_cached(
            "UPDATE triage_plan_revisions SET source_id = ?2 WHERE key = ?1 AND source_id IS NULL",
        )?
        .execute((&record.key, source_id))?;
        return Ok(RevisionApplied::Known);
    }
    let citizen = record.citizen_id.as_str();
    let overrides =
        parse_plan_document(&record.document, DocumentFormat::Toml).map_err(TriageError::from)?;
    resolve(&defaults_of(tx, citizen)?, &overrides).map_err(TriageError::from)?;
    ensure_user_tx(tx, &Actor(record.changed_by.clone()), received_at)?;
    insert_revision_tx(tx, record, Some(source_id))?;
    audit::append_tx(
        tx,
        &Actor::system(),
        "plan.changed_elsewhere",
        Some(("citizen", citizen)),
        Some(&serde_json::json!({ "revision": record.revision })),
        received_at,
    )?;
    Ok(RevisionApplied::New)
}

impl Store {
    /// The plan in force for a citizen, with the overrides it was made from, as TOML.
    pub fn plan(&mut self, citizen_id: &CitizenId, actor: &Actor) -> Result<PlanView> {
        let found = plan_in_force(&self.conn, citizen_id.as_str())?;
        self.audit(
            actor,
            "plan.read",
            Some(("citizen", citizen_id.as_str())),
            None,
        )?;
        Ok(PlanView {
            citizen_id: citizen_id.clone(),
            revision: found.latest.as_ref().map(|r| r.revision),
            key: found.latest.as_ref().map(|r| r.key.clone()),
            changed_by: found.latest.as_ref().map(|r| r.changed_by.clone()),
            reason: found.latest.map(|r| r.reason),
            conflicts: found
                .conflicts
                .iter()
                .map(PlanRevisionRow::summary)
                .collect(),
            overrides: toml_of(&found.overrides)?,
            resolved: toml_of(&found.resolved.to_document())?,
        })
    }

    /// The plan as a form: defaults, overrides and the plan in force. Audited.
    pub fn plan_form(&mut self, citizen_id: &CitizenId, actor: &Actor) -> Result<PlanForm> {
        let found = plan_in_force(&self.conn, citizen_id.as_str())?;
        self.audit(
            actor,
            "plan.read",
            Some(("citizen", citizen_id.as_str())),
            None,
        )?;
        Ok(PlanForm {
            citizen_id: citizen_id.clone(),
            revision: found.latest.as_ref().map(|r| r.revision),
            key: found.latest.as_ref().map(|r| r.key.clone()),
            changed_by: found.latest.as_ref().map(|r| r.changed_by.clone()),
            changed_at: found
                .latest
                .as_ref()
                .map(|r| Timestamp::from_millis(r.changed_at)),
            reason: found.latest.map(|r| r.reason),
            conflicts: found
                .conflicts
                .iter()
                .map(PlanRevisionRow::summary)
                .collect(),
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
        let defaults = defaults_of(&self.conn, citizen_id.as_str())?;
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
    /// before it is kept, and queues it for the backend in the same transaction. `bases` are
    /// the revisions the nurse saw (the form's `key` and `conflicts`); `None` takes the newest
    /// revisions now (an operator's change from the command line, read and written at once).
    /// A newest revision not among the bases stays in conflict with the new one. Who and why
    /// are kept with it and audited.
    pub fn set_plan(
        &mut self,
        citizen_id: &CitizenId,
        text: &str,
        format: DocumentFormat,
        actor: &Actor,
        reason: &str,
        bases: Option<&[String]>,
    ) -> Result<PlanSaved> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(TriageError::ReasonRequired.into());
        }
        let citizen = citizen_id.as_str();
        let overrides = parse_plan_document(text, format).map_err(TriageError::from)?;
        resolve(&defaults_of(&self.conn, citizen)?, &overrides).map_err(TriageError::from)?;
        let document = toml_of(&overrides)?;
        let now = Timestamp::now();
        let key = format!("urn:uuid:{}", crate::key::random_uuid()?);
        let tx = self.conn.transaction()?;
        let heads = plan_heads_of(&tx, citizen)?;
        let bases: Vec<String> = match bases {
            Some(given) => {
                let mut given = given.to_vec();
                given.sort();
                given.dedup();
                given
            }
            None => heads.iter().map(|h| h.key.clone()).collect(),
        };
        let revision = {
            let mut number = tx.prepare_cached(
                "SELECT revision FROM triage_plan_revisions WHERE key = ?1 AND citizen_id = ?2",
            )?;
            let mut highest = 0;
            for base in &bases {
                let found: Option<i64> =
                    number.query_row((base, citizen), |r| r.get(0)).optional()?;
                match found {
                    Some(n) => highest = highest.max(n),
                    None => return Err(TriageError::UnknownPlanRevision(base.clone()).into()),
                }
            }
            highest + 1
        };
        ensure_user_tx(&tx, actor, now)?;
        let record = PlanRevisionRecord {
            citizen_id: citizen_id.clone(),
            key: key.clone(),
            bases: bases.clone(),
            revision,
            document,
            changed_at: now,
            changed_by: actor.0.clone(),
            reason: reason.to_owned(),
        };
        insert_revision_tx(&tx, &record, None)?;
        enqueue_outbox_tx(&tx, &Outbound::PlanRevision(record), now)?;
        audit::append_tx(
            &tx,
            actor,
            "plan.change",
            Some(("citizen", citizen)),
            Some(&serde_json::json!({ "revision": revision })),
            now,
        )?;
        tx.commit()?;
        let conflicts = heads.iter().filter(|h| !bases.contains(&h.key)).count();
        Ok(PlanSaved {
            key,
            revision,
            conflicts,
        })
    }

    /// The plan in force for the citizen, as the rules use it (to classify readings on a page).
    pub fn triage_plan(&self, citizen_id: &CitizenId) -> Result<TriagePlan> {
        resolved_plan(&self.conn, citizen_id.as_str())
    }
}
