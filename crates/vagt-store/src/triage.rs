//! Triage plans, ECM levels and alarms in the store: the pure rules of `vagt_core` (plan, ECM
//! engine, alarm rules) fed from the database, and their results kept.
//!
//! [`Store::evaluate_alarms`] runs after every sync and import. For each citizen it evaluates
//! the current readings against the citizen's plan, records a change of the suggested level, and
//! inserts every alarm the rules require that the store does not have yet. Alarm ids come from
//! their cause, so a re-evaluation of the same data inserts nothing, and two stations share
//! one alarm. An alarm stays open until a named nurse acknowledges it; the acknowledgement goes
//! to the backend through the outbox.

use crate::{Actor, Result, Store, StoreError, audit};
use rusqlite::{OptionalExtension, Transaction};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use vagt_core::alarm::suggested_change_alarm;
use vagt_core::alarm::{
    ALARM_ACK_CODE, ALARM_ID_SYSTEM, AlarmAcknowledgement, AlarmInputs, EscalationPolicy,
    EscalationStep, LevelDecision, RejectedInput, VAGT_CODE_SYSTEM, escalation_due,
    next_escalation_at, required_alarms, snooze_ends_at,
};
use vagt_core::care::{Alarm, AlarmPriority};
use vagt_core::ecm_engine::{EngineReading, Evaluation, Transition, evaluate, replay};
use vagt_core::plan::{
    DocumentFormat, PlanDocument, PlanError, TriagePlan, defaults_for, parse_plan_document, resolve,
};
use vagt_core::{CitizenId, Diagnosis, EcmLevel, Parameter, Timestamp};

/// Readings older than this cannot move a level (the engine's lookback, hold and relative
/// windows are all shorter), so they are not loaded for an evaluation.
const EVALUATION_WINDOW_MS: i64 = 14 * 24 * 3_600_000;

/// The `store_info` key of the escalation policy (JSON); the built-in default when absent.
pub const ESCALATION_POLICY_SETTING: &str = "escalation_policy";

/// The longest a nurse may snooze an alarm for herself: a snooze is a short "I am on it", not a
/// way to hide an alarm for a shift.
pub const MAX_SNOOZE_MINUTES: i64 = 120;

/// A citizen's plan as a clinician reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanView {
    pub citizen_id: String,
    /// The revision of the citizen's own overrides; `null` when the defaults apply unchanged.
    pub revision: Option<i64>,
    pub changed_by: Option<String>,
    pub reason: Option<String>,
    /// The citizen's overrides (TOML).
    pub overrides: String,
    /// The plan in force: the defaults of the citizen's diagnoses with the overrides (TOML).
    pub resolved: String,
}

/// An alarm as the panel, `vagtctl alarms` and the app show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlarmRow {
    pub id: String,
    pub citizen_id: String,
    pub citizen_name: String,
    pub kind: String,
    pub priority: String,
    pub raised_at: Timestamp,
    /// Codes and values (see `vagt_core::alarm::AlarmCause`); the UI words it.
    pub cause: serde_json::Value,
    pub state: String,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<Timestamp>,
    pub ack_comment: Option<String>,
    /// The escalation step reached at the time of reading (re-notify, louder, all stations);
    /// `null` while none is due.
    pub escalation: Option<EscalationStep>,
    /// When the next step falls due, so a station can read again then.
    pub next_escalation_at: Option<Timestamp>,
    /// Until when the reading nurse's own snooze keeps the alarm quiet for her (a high alarm's
    /// snooze ends at its first escalation); `null` when it is not snoozed by her.
    pub snoozed_until: Option<Timestamp>,
}

/// A nurse's snooze, as kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnoozeOutcome {
    pub alarm_id: String,
    pub nurse: String,
    /// What was asked for, and until when it silences (earlier for a high alarm).
    pub requested_until: Timestamp,
    pub silenced_until: Timestamp,
}

/// What one evaluation did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EvaluationReport {
    pub citizens: usize,
    /// Citizens whose suggested level changed.
    pub level_changes: usize,
    /// Ids of the alarms this evaluation raised.
    pub raised: Vec<String>,
    /// Standing alarms closed because their condition is gone.
    pub cleared: usize,
}

/// How an acknowledgement went.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AckOutcome {
    Acknowledged {
        alarm_id: String,
    },
    /// Someone (maybe at another station) was first; nothing changed.
    AlreadyAcknowledged {
        alarm_id: String,
        by: String,
        at: Timestamp,
    },
    /// Made elsewhere for an alarm this store has not raised yet: applied when it does.
    Waiting {
        alarm_id: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    #[error("no alarm with id {0}")]
    UnknownAlarm(String),
    #[error("more than one alarm id starts with {0}; give more of it")]
    AmbiguousAlarm(String),
    #[error("the plan is not valid: {0}")]
    InvalidPlan(#[from] PlanError),
    #[error("a reason is required: say why, for the record")]
    ReasonRequired,
    #[error("alarm {0} is already acknowledged; there is nothing to snooze")]
    AlarmNotOpen(String),
    #[error("a snooze lasts from 1 to {MAX_SNOOZE_MINUTES} minutes, not {0}")]
    InvalidSnooze(i64),
    #[error(
        "alarm {0} has escalated: a high alarm cannot be snoozed past its first escalation; acknowledge it"
    )]
    SnoozeAfterEscalation(String),
    #[error("the escalation policy is not valid: {0}")]
    InvalidEscalationPolicy(String),
}

impl Store {
    /// The plan in force for a citizen, with the overrides it was made from.
    pub fn plan(&mut self, citizen_id: &str, actor: &Actor) -> Result<PlanView> {
        let (latest, overrides, resolved) = self.plan_in_force(citizen_id)?;
        self.audit(actor, "plan.read", Some(("citizen", citizen_id)), None)?;
        Ok(PlanView {
            citizen_id: citizen_id.to_owned(),
            revision: latest.as_ref().map(|r| r.revision),
            changed_by: latest.as_ref().map(|r| r.changed_by.clone()),
            reason: latest.map(|r| r.reason),
            overrides: overrides.to_toml().map_err(TriageError::from)?,
            resolved: resolved
                .to_document()
                .to_toml()
                .map_err(TriageError::from)?,
        })
    }

    /// Replaces a citizen's overrides with `text` (TOML or JSON), checked against the defaults
    /// before it is kept. Returns the new revision. Who and why are kept with it and audited.
    pub fn set_plan(
        &mut self,
        citizen_id: &str,
        text: &str,
        format: DocumentFormat,
        actor: &Actor,
        reason: &str,
    ) -> Result<i64> {
        if reason.trim().is_empty() {
            return Err(TriageError::ReasonRequired.into());
        }
        let overrides = parse_plan_document(text, format).map_err(TriageError::from)?;
        self.resolve_for(citizen_id, &overrides)?;
        let document = overrides.to_toml().map_err(TriageError::from)?;
        let now = Timestamp::now();
        let tx = self.conn.transaction()?;
        ensure_user_tx(&tx, actor, now)?;
        let revision: i64 = tx.query_row(
            "SELECT coalesce(max(revision), 0) + 1 FROM triage_plan_revisions WHERE citizen_id = ?1",
            [citizen_id],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO triage_plan_revisions (citizen_id, revision, document, changed_at, changed_by, reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            (citizen_id, revision, &document, now.millis(), &actor.0, reason.trim()),
        )?;
        audit::append_tx(
            &tx,
            actor,
            "plan.change",
            Some(("citizen", citizen_id)),
            Some(&serde_json::json!({ "revision": revision })),
            now,
        )?;
        tx.commit()?;
        Ok(revision)
    }

    /// Evaluates every citizen at `now`: suggested levels, and the alarms they and the other
    /// rules require. Safe to run as often as wanted: the same data raises nothing new.
    pub fn evaluate_alarms(&mut self, now: Timestamp) -> Result<EvaluationReport> {
        let citizens: Vec<String> = {
            let mut stmt = self.conn.prepare("SELECT id FROM citizens ORDER BY id")?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        let mut report = EvaluationReport::default();
        for citizen in citizens {
            self.evaluate_citizen(&citizen, now, &mut report)?;
            report.citizens += 1;
        }
        if report.level_changes > 0 || !report.raised.is_empty() || report.cleared > 0 {
            self.audit(
                &Actor::system(),
                "alarms.evaluate",
                None,
                Some(&serde_json::json!({
                    "level_changes": report.level_changes,
                    "raised": report.raised.len(),
                    "cleared": report.cleared,
                })),
            )?;
        }
        Ok(report)
    }

    fn evaluate_citizen(
        &mut self,
        citizen: &str,
        now: Timestamp,
        report: &mut EvaluationReport,
    ) -> Result<()> {
        let citizen_id =
            CitizenId::new(citizen).map_err(|e| StoreError::Corrupt(format!("citizen id: {e}")))?;
        let plan = self.resolved_plan(citizen)?;
        let readings = self.engine_readings(citizen, now)?;
        let last_reading_at = self.last_reading_at(citizen)?;
        let previous = self.latest_level_set(citizen, "suggested")?;
        let decisions = self.level_decisions(citizen)?;
        let rejected = self.implausible_inputs(citizen)?;
        let events = self.care_events(citizen, now)?;
        let evaluation = evaluate(&plan, &readings, &events, now);
        // Changes this store never saw: a rise and a fall inside one offline gap (or in readings
        // that arrived late). Each still gets its alarm, with the id a station that was online
        // gave it. A first evaluation has nothing to catch up on.
        let gap = match previous {
            Some((level, set_at)) => missed_changes(
                level,
                replay(&plan, &readings, &events, now)
                    .into_iter()
                    .filter(|t| t.at > set_at),
                &evaluation,
            ),
            None => Vec::new(),
        };
        let previous_suggested = gap
            .last()
            .map(|(_, t)| t.to)
            .or(previous.map(|(level, _)| level));
        let mut alarms: Vec<Alarm> = gap
            .iter()
            .filter_map(|(from, t)| {
                suggested_change_alarm(&citizen_id, &plan, Some(*from), &t.evaluation)
            })
            .collect();
        alarms.extend(required_alarms(&AlarmInputs {
            citizen_id: &citizen_id,
            plan: &plan,
            now,
            previous_suggested,
            evaluation: &evaluation,
            confirmed: decisions.last(),
            decisions: &decisions,
            last_reading_at: &last_reading_at,
            rejected: &rejected,
        }));
        let required: BTreeSet<&str> = alarms.iter().map(|a| a.id.as_str()).collect();
        let tx = self.conn.transaction()?;
        for (_, missed) in &gap {
            insert_suggested_level_tx(&tx, citizen, &missed.evaluation, missed.at)?;
            report.level_changes += 1;
        }
        if previous_suggested != Some(evaluation.level) {
            insert_suggested_level_tx(
                &tx,
                citizen,
                &evaluation,
                evaluation.since().unwrap_or(now),
            )?;
            report.level_changes += 1;
        }
        for alarm in &alarms {
            if insert_alarm_tx(&tx, alarm)? {
                report.raised.push(alarm.id.clone());
                apply_waiting_acknowledgement_tx(&tx, &alarm.id)?;
            }
        }
        // A standing alarm whose condition is gone (the suggestion and the confirmed level
        // agree again) closes itself, on record as the system's.
        let standing: Vec<String> = {
            let mut stmt = tx.prepare_cached(
                "SELECT id FROM alarms
                 WHERE citizen_id = ?1 AND state = 'open' AND kind = 'suggestion_differs'",
            )?;
            stmt.query_map([citizen], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        for id in standing.iter().filter(|id| !required.contains(id.as_str())) {
            tx.execute(
                "UPDATE alarms SET state = 'acknowledged', acknowledged_by = 'system',
                        acknowledged_at = ?2, ack_comment = 'condition_cleared'
                 WHERE id = ?1 AND state = 'open'",
                (id, now.millis()),
            )?;
            report.cleared += 1;
        }
        tx.commit()?;
        Ok(())
    }

    /// Alarms, newest and highest first among the open ones, with their escalation at `now` and
    /// the reading nurse's own snoozes. Reading them is audited.
    pub fn alarms(
        &mut self,
        open_only: bool,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Vec<AlarmRow>> {
        let policy = self.escalation_policy()?;
        let snoozes = self.snoozes_of(&actor.0)?;
        let mut rows = {
            let mut stmt = self.conn.prepare_cached(
            "SELECT a.id, a.citizen_id, c.name, a.kind, a.priority, a.raised_at, a.cause, a.state,
                    a.acknowledged_by, a.acknowledged_at, a.ack_comment
             FROM alarms a JOIN citizens c ON c.id = a.citizen_id
             WHERE (?1 = 0 OR a.state = 'open')
             ORDER BY a.state = 'open' DESC,
                      CASE a.priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1 WHEN 'low' THEN 2 ELSE 3 END,
                      a.raised_at DESC, a.id",
        )?;
            stmt.query_map([i64::from(open_only)], |r| {
                let cause: String = r.get(6)?;
                Ok(AlarmRow {
                    id: r.get(0)?,
                    citizen_id: r.get(1)?,
                    citizen_name: r.get(2)?,
                    kind: r.get(3)?,
                    priority: r.get(4)?,
                    raised_at: Timestamp::from_millis(r.get(5)?),
                    cause: serde_json::from_str(&cause).unwrap_or(serde_json::Value::Null),
                    state: r.get(7)?,
                    acknowledged_by: r.get(8)?,
                    acknowledged_at: r.get::<_, Option<i64>>(9)?.map(Timestamp::from_millis),
                    ack_comment: r.get(10)?,
                    escalation: None,
                    next_escalation_at: None,
                    snoozed_until: None,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?
        };
        for row in &mut rows {
            let priority = AlarmPriority::from_str(&row.priority).map_err(StoreError::Corrupt)?;
            let acknowledged = row.state != "open";
            row.escalation = escalation_due(row.raised_at, acknowledged, priority, now, &policy);
            row.next_escalation_at =
                next_escalation_at(row.raised_at, acknowledged, priority, now, &policy);
            row.snoozed_until = snoozes
                .get(&row.id)
                .filter(|_| !acknowledged)
                .map(|until| snooze_ends_at(priority, row.raised_at, *until, &policy))
                .filter(|ends| now < *ends);
        }
        self.audit(
            actor,
            "alarms.read",
            None,
            Some(&serde_json::json!({ "count": rows.len(), "open_only": open_only })),
        )?;
        Ok(rows)
    }

    /// A named nurse acknowledges an alarm, with an optional comment. The acknowledgement is
    /// queued for the backend, so the other stations close the alarm too.
    pub fn acknowledge_alarm(
        &mut self,
        alarm_id: &str,
        actor: &Actor,
        comment: Option<&str>,
        now: Timestamp,
    ) -> Result<AckOutcome> {
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        let tx = self.conn.transaction()?;
        let alarm_id = &resolve_alarm_id_tx(&tx, alarm_id)?;
        let outcome = acknowledge_tx(&tx, alarm_id, &actor.0, comment, now)?;
        if matches!(outcome, AckOutcome::Acknowledged { .. }) {
            let citizen_source: Option<String> = tx.query_row(
                "SELECT c.source_id FROM alarms a JOIN citizens c ON c.id = a.citizen_id WHERE a.id = ?1",
                [alarm_id],
                |r| r.get(0),
            )?;
            let payload = ack_task(alarm_id, &actor.0, comment, now, citizen_source.as_deref());
            crate::sync::enqueue_outbox_tx(&tx, "alarm_ack", alarm_id, &payload, now)?;
            audit::append_tx(
                &tx,
                actor,
                "alarm.acknowledge",
                Some(("alarm", alarm_id)),
                None,
                now,
            )?;
        }
        tx.commit()?;
        Ok(outcome)
    }

    /// A nurse snoozes an open alarm for herself for `minutes`: it stays in every panel, and
    /// sounds for every other nurse as before. A high alarm's snooze ends at its first
    /// escalation. Snoozing again replaces her earlier snooze. Audited.
    pub fn snooze_alarm(
        &mut self,
        alarm_id: &str,
        actor: &Actor,
        minutes: i64,
        now: Timestamp,
    ) -> Result<SnoozeOutcome> {
        if !(1..=MAX_SNOOZE_MINUTES).contains(&minutes) {
            return Err(TriageError::InvalidSnooze(minutes).into());
        }
        let policy = self.escalation_policy()?;
        let requested_until = now.plus_millis(minutes * 60_000);
        let tx = self.conn.transaction()?;
        let alarm_id = resolve_alarm_id_tx(&tx, alarm_id)?;
        let found: Option<(String, String, i64)> = tx
            .query_row(
                "SELECT state, priority, raised_at FROM alarms WHERE id = ?1",
                [&alarm_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((state, priority, raised_at)) = found else {
            return Err(TriageError::UnknownAlarm(alarm_id).into());
        };
        if state != "open" {
            return Err(TriageError::AlarmNotOpen(alarm_id).into());
        }
        let priority = AlarmPriority::from_str(&priority).map_err(StoreError::Corrupt)?;
        let silenced_until = snooze_ends_at(
            priority,
            Timestamp::from_millis(raised_at),
            requested_until,
            &policy,
        );
        if silenced_until <= now {
            return Err(TriageError::SnoozeAfterEscalation(alarm_id).into());
        }
        ensure_user_tx(&tx, actor, now)?;
        tx.execute(
            "INSERT INTO alarm_snoozes (alarm_id, user_id, until) VALUES (?1, ?2, ?3)
             ON CONFLICT (alarm_id, user_id) DO UPDATE SET until = excluded.until",
            (&alarm_id, &actor.0, requested_until.millis()),
        )?;
        audit::append_tx(
            &tx,
            actor,
            "alarm.snooze",
            Some(("alarm", &alarm_id)),
            Some(&serde_json::json!({ "minutes": minutes })),
            now,
        )?;
        tx.commit()?;
        Ok(SnoozeOutcome {
            alarm_id,
            nurse: actor.0.clone(),
            requested_until,
            silenced_until,
        })
    }

    /// The escalation policy in force: the one set with [`Store::set_escalation_policy`], else
    /// the built-in default (high after 5 min, every 5 min, 3 steps; medium once after 30 min).
    pub fn escalation_policy(&self) -> Result<EscalationPolicy> {
        match self.setting(ESCALATION_POLICY_SETTING)? {
            None => Ok(EscalationPolicy::default()),
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("{ESCALATION_POLICY_SETTING}: {e}"))),
        }
    }

    /// Replaces the escalation policy (checked: delays not negative, at least one step).
    /// Audited as a setting.
    pub fn set_escalation_policy(
        &mut self,
        policy: &EscalationPolicy,
        actor: &Actor,
    ) -> Result<()> {
        for (priority, rule) in policy.rules() {
            let Some(rule) = rule else { continue };
            let name = priority.code();
            if rule.after_ms < 0 || rule.repeat_ms.is_some_and(|r| r <= 0) || rule.max_steps < 1 {
                return Err(TriageError::InvalidEscalationPolicy(format!(
                    "{name}: after must be 0 or more, repeat more than 0, steps at least 1"
                ))
                .into());
            }
        }
        let json = serde_json::to_string(policy)
            .map_err(|e| TriageError::InvalidEscalationPolicy(e.to_string()))?;
        self.set_setting(actor, ESCALATION_POLICY_SETTING, &json)
    }

    /// A nurse's snoozes still kept, by alarm id.
    fn snoozes_of(&self, nurse: &str) -> Result<BTreeMap<String, Timestamp>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT alarm_id, until FROM alarm_snoozes WHERE user_id = ?1")?;
        let rows = stmt.query_map([nurse], |r| {
            Ok((r.get::<_, String>(0)?, Timestamp::from_millis(r.get(1)?)))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// An acknowledgement made at another station, as the backend reported it. For an alarm
    /// this store has not raised, it waits and is applied when the alarm is raised here.
    pub fn apply_remote_acknowledgement(
        &mut self,
        ack: &AlarmAcknowledgement,
    ) -> Result<AckOutcome> {
        let tx = self.conn.transaction()?;
        let outcome = apply_remote_acknowledgement_tx(&tx, ack, Timestamp::now())?;
        tx.commit()?;
        Ok(outcome)
    }

    /// A nurse sets the citizen's confirmed level, with a reason. Returns the decision's key.
    pub fn confirm_level(
        &mut self,
        citizen_id: &str,
        level: EcmLevel,
        actor: &Actor,
        reason: &str,
        now: Timestamp,
    ) -> Result<String> {
        if reason.trim().is_empty() {
            return Err(TriageError::ReasonRequired.into());
        }
        let citizen_source: Option<String> = self
            .conn
            .query_row(
                "SELECT source_id FROM citizens WHERE id = ?1",
                [citizen_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::UnknownCitizen(citizen_id.to_owned()))?;
        let key = format!("urn:uuid:{}", crate::key::random_uuid()?);
        let tx = self.conn.transaction()?;
        ensure_user_tx(&tx, actor, now)?;
        tx.execute(
            "INSERT INTO ecm_levels (citizen_id, level, kind, set_at, set_by, reason, decision_key)
             VALUES (?1, ?2, 'confirmed', ?3, ?4, ?5, ?6)",
            (
                citizen_id,
                i64::from(level.get()),
                now.millis(),
                &actor.0,
                reason.trim(),
                &key,
            ),
        )?;
        let payload = serde_json::json!({
            "resourceType": "ClinicalImpression",
            "status": "completed",
            "code": {"coding": [{"system": VAGT_CODE_SYSTEM, "code": "ecm-level"}]},
            "subject": citizen_source.as_deref().and_then(local_patient_reference)
                .map(|r| serde_json::json!({"reference": r})),
            "date": now.to_rfc3339(),
            "assessor": {"display": actor.0},
            "summary": format!("ECM{}", level.get()),
            "note": [{"text": reason.trim()}],
        });
        crate::sync::enqueue_outbox_tx(&tx, "confirmed_level", &key, &payload, now)?;
        audit::append_tx(
            &tx,
            actor,
            "level.confirm",
            Some(("citizen", citizen_id)),
            Some(&serde_json::json!({ "level": level.get() })),
            now,
        )?;
        tx.commit()?;
        Ok(key)
    }

    /// The latest level of a kind (`suggested`, `confirmed`), if any.
    pub fn latest_level(&self, citizen_id: &str, kind: &str) -> Result<Option<EcmLevel>> {
        Ok(self
            .latest_level_set(citizen_id, kind)?
            .map(|(level, _)| level))
    }

    /// The latest level of a kind and the instant it was set at (for a suggestion, its
    /// change's data instant).
    fn latest_level_set(
        &self,
        citizen_id: &str,
        kind: &str,
    ) -> Result<Option<(EcmLevel, Timestamp)>> {
        let row: Option<(i64, i64)> = self
            .conn
            .query_row(
                "SELECT level, set_at FROM ecm_levels WHERE citizen_id = ?1 AND kind = ?2
                 ORDER BY id DESC LIMIT 1",
                (citizen_id, kind),
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(level, at)| {
            EcmLevel::new(level)
                .map(|l| (l, Timestamp::from_millis(at)))
                .map_err(|e| StoreError::Corrupt(e.to_string()))
        })
        .transpose()
    }

    pub(crate) fn resolved_plan(&self, citizen_id: &str) -> Result<TriagePlan> {
        Ok(self.plan_in_force(citizen_id)?.2)
    }

    /// The citizen's latest revision, its overrides, and the plan they give in force.
    fn plan_in_force(
        &self,
        citizen_id: &str,
    ) -> Result<(Option<PlanRevision>, PlanDocument, TriagePlan)> {
        let latest = self.latest_plan_revision(citizen_id)?;
        let overrides = match &latest {
            Some(rev) => parse_plan_document(&rev.document, DocumentFormat::Toml)
                .map_err(TriageError::from)?,
            None => PlanDocument::default(),
        };
        let resolved = self.resolve_for(citizen_id, &overrides)?;
        Ok((latest, overrides, resolved))
    }

    /// `overrides` on the defaults of the citizen's diagnosis groups.
    fn resolve_for(&self, citizen_id: &str, overrides: &PlanDocument) -> Result<TriagePlan> {
        let diagnoses = self.citizen_diagnoses(citizen_id)?;
        let defaults = defaults_for(&diagnoses).map_err(TriageError::from)?;
        Ok(resolve(&defaults, overrides).map_err(TriageError::from)?)
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
            .query_row(
                "SELECT revision, document, changed_by, reason FROM triage_plan_revisions
                 WHERE citizen_id = ?1 ORDER BY revision DESC LIMIT 1",
                [citizen_id],
                |r| {
                    Ok(PlanRevision {
                        revision: r.get(0)?,
                        document: r.get(1)?,
                        changed_by: r.get(2)?,
                        reason: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    fn engine_readings(&self, citizen_id: &str, now: Timestamp) -> Result<Vec<EngineReading>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT parameter, value, effective_at, source_id, source_version FROM readings
             WHERE citizen_id = ?1 AND is_current = 1 AND status <> 'entered_in_error'
               AND effective_at BETWEEN ?2 AND ?3
             ORDER BY effective_at",
        )?;
        let rows = stmt.query_map(
            (
                citizen_id,
                now.millis() - EVALUATION_WINDOW_MS,
                now.millis(),
            ),
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, f64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            },
        )?;
        let mut readings = Vec::new();
        for row in rows {
            let (code, value, at, source_id, version) = row?;
            let parameter = Parameter::from_str(&code)
                .map_err(|_| StoreError::Corrupt(format!("parameter {code}")))?;
            readings.push(EngineReading::new(
                parameter,
                value,
                Timestamp::from_millis(at),
                format!("{source_id}#{version}"),
            ));
        }
        Ok(readings)
    }

    fn last_reading_at(&self, citizen_id: &str) -> Result<BTreeMap<Parameter, Timestamp>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT parameter, max(effective_at) FROM readings
             WHERE citizen_id = ?1 AND is_current = 1 AND status <> 'entered_in_error'
             GROUP BY parameter",
        )?;
        let rows = stmt.query_map([citizen_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        let mut last = BTreeMap::new();
        for row in rows {
            let (code, at) = row?;
            if let Ok(parameter) = Parameter::from_str(&code) {
                last.insert(parameter, Timestamp::from_millis(at));
            }
        }
        Ok(last)
    }

    fn level_decisions(&self, citizen_id: &str) -> Result<Vec<LevelDecision>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT decision_key, coalesce(set_by, ''), set_at, level FROM ecm_levels
             WHERE citizen_id = ?1 AND kind = 'confirmed' AND decision_key IS NOT NULL
             ORDER BY id",
        )?;
        let rows = stmt.query_map([citizen_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        let mut decisions: Vec<LevelDecision> = Vec::new();
        for row in rows {
            let (key, nurse, at, level) = row?;
            let to = EcmLevel::new(level).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            decisions.push(LevelDecision {
                key,
                nurse,
                at: Timestamp::from_millis(at),
                from: decisions.last().map(|d| d.to),
                to,
            });
        }
        Ok(decisions)
    }

    fn implausible_inputs(&self, citizen_id: &str) -> Result<Vec<RejectedInput>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT fingerprint, reason_code, received_at FROM rejected_input
             WHERE citizen_id = ?1 AND status = 'open' AND reason_code = 'implausible_value'",
        )?;
        let rows = stmt.query_map([citizen_id], |r| {
            Ok(RejectedInput {
                fingerprint: r.get(0)?,
                reason: r.get(1)?,
                parameter: None,
                received_at: Timestamp::from_millis(r.get(2)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The citizen's care events in force for an evaluation at `now`: the current version's
    /// events of each encounter, none retracted, none after `now`. All of them, not a window:
    /// an admission long ago may still hold.
    fn care_events(&self, citizen_id: &str, now: Timestamp) -> Result<Vec<vagt_core::CareEvent>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, at, source_id, source_version FROM care_events
             WHERE citizen_id = ?1 AND state = 'current' AND at <= ?2
             ORDER BY at, id",
        )?;
        crate::care_events::collect_care_events(&mut stmt, (citizen_id, now.millis()))
    }
}

/// The changes of the suggested level between the stored level (`stored`) and the evaluation
/// now, except the last one (the evaluation's own change, which the ordinary rules alarm), each
/// with the level it changed from.
fn missed_changes(
    stored: EcmLevel,
    replayed: impl Iterator<Item = Transition>,
    now: &Evaluation,
) -> Vec<(EcmLevel, Transition)> {
    let mut level = stored;
    let mut out = Vec::new();
    for transition in replayed.filter(|t| Some(t.at) != now.since()) {
        if transition.to != level {
            let from = std::mem::replace(&mut level, transition.to);
            out.push((from, transition));
        }
    }
    out
}

fn insert_suggested_level_tx(
    tx: &Transaction<'_>,
    citizen: &str,
    evaluation: &Evaluation,
    set_at: Timestamp,
) -> Result<()> {
    let cause = serde_json::json!({
        "rule": evaluation.readings.rule,
        "findings": evaluation.readings.findings,
        "change": evaluation.change,
    });
    tx.prepare_cached(
        "INSERT INTO ecm_levels (citizen_id, level, kind, set_at, set_by, cause)
         VALUES (?1, ?2, 'suggested', ?3, 'system', ?4)",
    )?
    .execute((
        citizen,
        i64::from(evaluation.level.get()),
        set_at.millis(),
        cause.to_string(),
    ))?;
    Ok(())
}

struct PlanRevision {
    revision: i64,
    document: String,
    changed_by: String,
    reason: String,
}

pub(crate) fn apply_remote_acknowledgement_tx(
    tx: &Transaction<'_>,
    ack: &AlarmAcknowledgement,
    received_at: Timestamp,
) -> Result<AckOutcome> {
    let known: bool = tx.query_row(
        "SELECT count(*) > 0 FROM alarms WHERE id = ?1",
        [&ack.alarm_id],
        |r| r.get(0),
    )?;
    if !known {
        tx.execute(
            "INSERT INTO remote_acknowledgements
                 (alarm_id, acknowledged_by, acknowledged_at, comment, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (alarm_id) DO NOTHING",
            (
                &ack.alarm_id,
                &ack.nurse,
                ack.at.millis(),
                &ack.comment,
                received_at.millis(),
            ),
        )?;
        return Ok(AckOutcome::Waiting {
            alarm_id: ack.alarm_id.clone(),
        });
    }
    let outcome = acknowledge_tx(
        tx,
        &ack.alarm_id,
        &ack.nurse,
        ack.comment.as_deref(),
        ack.at,
    )?;
    if matches!(outcome, AckOutcome::Acknowledged { .. }) {
        audit::append_tx(
            tx,
            &Actor::system(),
            "alarm.acknowledged_elsewhere",
            Some(("alarm", &ack.alarm_id)),
            None,
            received_at,
        )?;
    }
    Ok(outcome)
}

fn apply_waiting_acknowledgement_tx(tx: &Transaction<'_>, alarm_id: &str) -> Result<()> {
    let waiting: Option<(String, i64, Option<String>)> = tx
        .query_row(
            "SELECT acknowledged_by, acknowledged_at, comment FROM remote_acknowledgements
             WHERE alarm_id = ?1",
            [alarm_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    if let Some((nurse, at, comment)) = waiting {
        let at = Timestamp::from_millis(at);
        acknowledge_tx(tx, alarm_id, &nurse, comment.as_deref(), at)?;
        tx.execute(
            "DELETE FROM remote_acknowledgements WHERE alarm_id = ?1",
            [alarm_id],
        )?;
        audit::append_tx(
            tx,
            &Actor::system(),
            "alarm.acknowledged_elsewhere",
            Some(("alarm", alarm_id)),
            None,
            at,
        )?;
    }
    Ok(())
}

/// Users are created on first use: an acknowledgement must name a user row.
fn ensure_user_tx(tx: &Transaction<'_>, actor: &Actor, now: Timestamp) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO users (id, display_name, role, created_at) VALUES (?1, ?1, 'nurse', ?2)
         ON CONFLICT (id) DO NOTHING",
    )?
    .execute((&actor.0, now.millis()))?;
    Ok(())
}

fn insert_alarm_tx(tx: &Transaction<'_>, alarm: &Alarm) -> Result<bool> {
    let cause = serde_json::to_string(&alarm.cause)
        .map_err(|e| StoreError::Corrupt(format!("alarm cause: {e}")))?;
    let inserted = tx
        .prepare_cached(
            "INSERT INTO alarms (id, citizen_id, kind, priority, raised_at, cause)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO NOTHING",
        )?
        .execute((
            &alarm.id,
            alarm.citizen_id.as_str(),
            alarm.kind.code(),
            alarm.priority.code(),
            alarm.raised_at.millis(),
            cause,
        ))?;
    Ok(inserted == 1)
}

/// The full id of the one alarm whose id is or starts with `given` (operators type prefixes).
fn resolve_alarm_id_tx(tx: &Transaction<'_>, given: &str) -> Result<String> {
    let given = given.trim();
    if given.len() < 6 || !given.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(given.to_owned());
    }
    let mut stmt =
        tx.prepare_cached("SELECT id FROM alarms WHERE id >= ?1 AND id < ?1 || 'g' LIMIT 2")?;
    let matches: Vec<String> = stmt
        .query_map([given], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    match matches.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(TriageError::UnknownAlarm(given.to_owned()).into()),
        _ => Err(TriageError::AmbiguousAlarm(given.to_owned()).into()),
    }
}

fn acknowledge_tx(
    tx: &Transaction<'_>,
    alarm_id: &str,
    nurse: &str,
    comment: Option<&str>,
    at: Timestamp,
) -> Result<AckOutcome> {
    ensure_user_tx(tx, &Actor(nurse.to_owned()), at)?;
    let current: Option<(String, Option<String>, Option<i64>)> = tx
        .query_row(
            "SELECT state, acknowledged_by, acknowledged_at FROM alarms WHERE id = ?1",
            [alarm_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    match current {
        None => Err(TriageError::UnknownAlarm(alarm_id.to_owned()).into()),
        Some((state, Some(by), Some(at))) if state == "acknowledged" => {
            Ok(AckOutcome::AlreadyAcknowledged {
                alarm_id: alarm_id.to_owned(),
                by,
                at: Timestamp::from_millis(at),
            })
        }
        Some(_) => {
            tx.execute(
                "UPDATE alarms SET state = 'acknowledged', acknowledged_by = ?2,
                        acknowledged_at = ?3, ack_comment = ?4
                 WHERE id = ?1",
                (alarm_id, nurse, at.millis(), comment),
            )?;
            Ok(AckOutcome::Acknowledged {
                alarm_id: alarm_id.to_owned(),
            })
        }
    }
}

/// `Patient/123` from a citizen's source id (`{base}|Patient/123`).
fn local_patient_reference(source_id: &str) -> Option<String> {
    source_id
        .rsplit_once('|')
        .map(|(_, local)| local.to_owned())
        .filter(|local| local.starts_with("Patient/"))
}

/// The acknowledgement as a FHIR Task: the alarm's id is its focus, so every station that
/// computed the same alarm recognises it.
fn ack_task(
    alarm_id: &str,
    nurse: &str,
    comment: Option<&str>,
    at: Timestamp,
    citizen_source: Option<&str>,
) -> serde_json::Value {
    let mut task = serde_json::json!({
        "resourceType": "Task",
        "status": "completed",
        "intent": "order",
        "code": {"coding": [{"system": VAGT_CODE_SYSTEM, "code": ALARM_ACK_CODE}]},
        "focus": {"identifier": {"system": ALARM_ID_SYSTEM, "value": alarm_id}},
        "authoredOn": at.to_rfc3339(),
        "owner": {"display": nurse},
    });
    if let Some(reference) = citizen_source.and_then(local_patient_reference) {
        task["for"] = serde_json::json!({ "reference": reference });
    }
    if let Some(comment) = comment {
        task["note"] = serde_json::json!([{ "text": comment }]);
    }
    task
}
