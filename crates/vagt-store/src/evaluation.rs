//! The rules applied to the store: for each citizen, their readings, care events, decisions,
//! enrolment and plan through the pure ECM engine and alarm rules of `vagt_core`; the
//! suggested level's changes recorded; every alarm the rules require raised once, and every open
//! one they no longer require resolved.
//!
//! Everything an evaluation reads is data every station holds alike once synced, and a first
//! evaluation replays the horizon like any other, so two stations that synced the same data hold
//! the same levels and alarms, with the same ids and states, whenever each started.
//!
//! Evaluation by change: data that changes a citizen makes them due at once (triggers in
//! `schema.sql`, in the writing transaction), and each evaluation stores when the citizen is due
//! next though nothing arrives ([`vagt_core::alarm::next_due_at`]). [`Store::evaluate_due`]
//! takes exactly the due citizens, by index, never scanning everyone.

use crate::alarm_rows::{Raised, raise_alarm_tx, resolve_alarm_tx};
use crate::enrolments::citizen_monitoring;
use crate::levels::{insert_suggested_level_tx, latest_level_set, level_decisions};
use crate::plans::{plan_heads, resolved_plan};
use crate::remote_acks::apply_waiting_acknowledgement_tx;
use crate::{Actor, Result, Store, StoreError};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use vagt_core::alarm::{
    Alarm, AlarmCause, AlarmInputs, AlarmKind, RejectedInput, ResolvedReason, change_horizon_ms,
    next_due_at, readings_window_ms, required_alarms,
};
use vagt_core::ecm_engine::{EngineReading, Timeline};
use vagt_core::{CitizenId, LevelKind, Parameter, Timestamp};

/// Citizens evaluated in one transaction: the write lock is held for a few of them at a time,
/// so a sync or a nurse never waits long.
const CITIZENS_PER_TRANSACTION: usize = 32;

/// What one evaluation did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EvaluationReport {
    pub citizens: usize,
    /// Changes of the suggested level newly recorded.
    pub level_changes: usize,
    /// Ids of the alarms this evaluation raised (new, or back after being resolved).
    pub raised: Vec<String>,
    /// Open alarms resolved because their condition ended.
    pub resolved: usize,
    /// The citizens whose level or alarms this evaluation changed.
    #[serde(skip)]
    pub changed_citizens: BTreeSet<CitizenId>,
    /// Citizens not evaluated because a bulk load is under way: they stay due, and are
    /// evaluated once it ends (without the readings' index each evaluation would read every
    /// reading).
    pub deferred: usize,
}

impl EvaluationReport {
    fn changed_anything(&self) -> bool {
        self.level_changes > 0 || !self.raised.is_empty() || self.resolved > 0
    }
}

impl Store {
    /// Evaluates the citizens whose inputs changed since their last evaluation, or whose next
    /// due time has come, at `now`. What the app runs after a sync and on its clock.
    pub fn evaluate_due(&mut self, now: Timestamp) -> Result<EvaluationReport> {
        let due: Vec<String> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT citizen_id FROM citizen_evaluations
                 WHERE next_due_at IS NOT NULL AND next_due_at <= ?1
                 ORDER BY next_due_at, citizen_id",
            )?;
            stmt.query_map([now.millis()], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        self.evaluate_these(&due, now)
    }

    /// How many citizens [`Store::evaluate_due`] would evaluate at `now`.
    pub fn due_citizens(&self, now: Timestamp) -> Result<usize> {
        let count: i64 = self.conn.query_row(
            "SELECT count(*) FROM citizen_evaluations
             WHERE next_due_at IS NOT NULL AND next_due_at <= ?1",
            [now.millis()],
            |r| r.get(0),
        )?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    /// Evaluates every citizen at `now`, due or not (an operator's full re-evaluation; the
    /// benchmark's reference). Safe to run as often as wanted: the same data changes nothing.
    pub fn evaluate_alarms(&mut self, now: Timestamp) -> Result<EvaluationReport> {
        let citizens: Vec<String> = {
            let mut stmt = self.conn.prepare("SELECT id FROM citizens ORDER BY id")?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        self.evaluate_these(&citizens, now)
    }

    /// Evaluates only `citizens` at `now`; one unknown to the store is passed over.
    pub fn evaluate_citizens(
        &mut self,
        citizens: &BTreeSet<CitizenId>,
        now: Timestamp,
    ) -> Result<EvaluationReport> {
        let known: Vec<String> = citizens
            .iter()
            .filter_map(|c| {
                crate::citizen_rows::citizen_exists(&self.conn, c.as_str())
                    .map(|known| known.then(|| c.as_str().to_owned()))
                    .transpose()
            })
            .collect::<Result<_>>()?;
        self.evaluate_these(&known, now)
    }

    fn evaluate_these(&mut self, citizens: &[String], now: Timestamp) -> Result<EvaluationReport> {
        let mut report = EvaluationReport::default();
        // Asked first without the write lock: while the sync makes the index at a load's end
        // it holds that lock longer than a writer waits.
        if self.bulk_loading()? {
            report.deferred = citizens.len();
            return Ok(report);
        }
        for (n, chunk) in citizens.chunks(CITIZENS_PER_TRANSACTION).enumerate() {
            // Immediate: the inputs read and the results written are one consistent step, and a
            // write by another process in between waits rather than being marked done unseen.
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            // Asked in the transaction: a sync may have begun a bulk load since the last chunk.
            if crate::bulk_load::bulk_loading(&tx)? {
                report.deferred = citizens.len() - n * CITIZENS_PER_TRANSACTION;
                break;
            }
            for citizen in chunk {
                let before = (report.level_changes, report.raised.len(), report.resolved);
                evaluate_citizen_tx(&tx, citizen, now, &mut report)?;
                report.citizens += 1;
                if before != (report.level_changes, report.raised.len(), report.resolved)
                    && let Ok(id) = CitizenId::new(citizen.as_str())
                {
                    report.changed_citizens.insert(id);
                }
            }
            tx.commit()?;
        }
        if report.changed_anything() {
            self.audit(
                &Actor::system(),
                "alarms.evaluate",
                None,
                Some(&serde_json::json!({
                    "level_changes": report.level_changes,
                    "raised": report.raised.len(),
                    "resolved": report.resolved,
                })),
            )?;
        }
        Ok(report)
    }
}

/// One citizen's evaluation at `now`, in the caller's transaction.
fn evaluate_citizen_tx(
    tx: &Transaction<'_>,
    citizen: &str,
    now: Timestamp,
    report: &mut EvaluationReport,
) -> Result<()> {
    let citizen_id =
        CitizenId::new(citizen).map_err(|e| StoreError::Corrupt(format!("citizen id: {e}")))?;
    let plan = resolved_plan(tx, citizen)?;
    let readings = engine_readings(
        tx,
        citizen,
        now.plus_millis(-readings_window_ms(&plan)),
        now,
    )?;
    let events = care_events(tx, citizen, now)?;
    let decisions = level_decisions(tx, citizen)?;
    let last_reading_at = last_reading_at(tx, citizen, now)?;
    let monitoring = citizen_monitoring(tx, citizen, now)?;
    let rejected = implausible_inputs(tx, citizen)?;
    let heads = plan_heads(tx, citizen)?;
    let dispatch_conflicts = crate::dispatches::dispatch_conflicts(tx, citizen)?;
    let follow_ups = crate::calls::pending_follow_ups(tx, citizen)?;

    let timeline = Timeline::new(&plan, &readings, &events);
    let evaluation = timeline.evaluate(now);
    let horizon = change_horizon_ms(&plan);
    let transitions = timeline.transitions_between(now.plus_millis(-horizon), now);
    let required = required_alarms(&AlarmInputs {
        citizen_id: &citizen_id,
        plan: &plan,
        now,
        transitions: &transitions,
        evaluation: &evaluation,
        decisions: &decisions,
        last_reading_at: &last_reading_at,
        monitoring,
        rejected: &rejected,
        plan_heads: &heads,
        dispatch_conflicts: &dispatch_conflicts,
        follow_ups: &follow_ups,
    });

    // The suggested level's history in the horizon is what the data shows now: a change no
    // longer shown (a reading entered in error, a plan changed) is taken out, a new one in.
    let horizon_start = now.plus_millis(-horizon);
    report.level_changes += replace_suggested_history_tx(tx, citizen, &transitions, horizon_start)?;
    let recorded = latest_level_set(tx, citizen, LevelKind::Suggested)?.map(|(level, _)| level);
    if recorded != Some(evaluation.level) {
        let since = evaluation
            .since()
            .unwrap_or(horizon_start)
            .min(horizon_start);
        if insert_suggested_level_tx(tx, citizen, &evaluation, since)? {
            report.level_changes += 1;
        }
    }

    for alarm in &required {
        match raise_alarm_tx(tx, alarm)? {
            Raised::New | Raised::Reopened => {
                report.raised.push(alarm.id.clone());
                apply_waiting_acknowledgement_tx(tx, &alarm.id)?;
            }
            Raised::Held => {}
        }
    }
    let required_ids: BTreeSet<&str> = required.iter().map(|a| a.id.as_str()).collect();
    for (id, kind, raised_at, cause) in open_alarms(tx, citizen)? {
        if required_ids.contains(id.as_str()) {
            continue;
        }
        let reason = why_ended(
            kind,
            raised_at,
            &cause,
            &required,
            &last_reading_at,
            now.plus_millis(-horizon),
        );
        if resolve_alarm_tx(tx, &id, reason, now)? {
            report.resolved += 1;
        }
    }

    let oldest_change = required
        .iter()
        .filter(|a| matches!(a.kind, AlarmKind::LevelRise | AlarmKind::LevelFall))
        .map(|a| a.raised_at)
        .min();
    let next = next_due_at(
        &plan,
        now,
        timeline.next_change_after(now),
        &last_reading_at,
        monitoring,
        oldest_change,
    );
    // A promised call-back falls due with no new data.
    let next_follow_up = follow_ups
        .iter()
        .map(|f| f.due_at)
        .filter(|t| *t > now)
        .min();
    let next = next.into_iter().chain(next_follow_up).min();
    // The worklist shows this NEWS2 while its set is recent; new readings make the citizen due.
    let news2 = crate::citizens::newest_news2(tx, citizen, now)?;
    let news2_json = news2
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("news2: {e}")))?;
    tx.prepare_cached(
        "INSERT INTO citizen_evaluations
             (citizen_id, evaluated_at, next_due_at, suggested_level, suggested_since,
              news2, news2_from)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (citizen_id) DO UPDATE
         SET evaluated_at = excluded.evaluated_at, next_due_at = excluded.next_due_at,
             suggested_level = excluded.suggested_level,
             suggested_since = excluded.suggested_since,
             news2 = excluded.news2, news2_from = excluded.news2_from",
    )?
    .execute((
        citizen,
        now.millis(),
        next.map(Timestamp::millis),
        i64::from(evaluation.level.get()),
        evaluation.since().map(Timestamp::millis),
        news2_json,
        news2.map(|score| score.readings.since().millis()),
    ))?;
    Ok(())
}

/// Makes the citizen's suggested-level rows after `horizon_start` the replay's transitions:
/// removes the others, adds the missing. How many rows it changed.
fn replace_suggested_history_tx(
    tx: &Transaction<'_>,
    citizen: &str,
    transitions: &[vagt_core::ecm_engine::Transition],
    horizon_start: Timestamp,
) -> Result<usize> {
    let wanted: BTreeSet<(i64, i64)> = transitions
        .iter()
        .map(|t| (t.at.millis(), i64::from(t.to.get())))
        .collect();
    let held: Vec<(i64, i64, i64)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT id, set_at, level FROM ecm_levels
             WHERE citizen_id = ?1 AND kind = 'suggested' AND set_at > ?2",
        )?;
        stmt.query_map((citizen, horizon_start.millis()), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?
    };
    let mut changed = 0;
    let mut kept = BTreeSet::new();
    for (id, set_at, level) in held {
        if wanted.contains(&(set_at, level)) && kept.insert((set_at, level)) {
            continue;
        }
        tx.prepare_cached("DELETE FROM ecm_levels WHERE id = ?1")?
            .execute([id])?;
        changed += 1;
    }
    for t in transitions {
        if insert_suggested_level_tx(tx, citizen, &t.evaluation, t.at)? {
            changed += 1;
        }
    }
    Ok(changed)
}

/// Why an open alarm the rules no longer require ended.
fn why_ended(
    kind: AlarmKind,
    raised_at: Timestamp,
    cause: &AlarmCause,
    required: &[Alarm],
    last_reading_at: &BTreeMap<Parameter, Timestamp>,
    horizon_start: Timestamp,
) -> ResolvedReason {
    match (kind, cause) {
        (
            AlarmKind::MissedMeasurement,
            AlarmCause::MissedMeasurement {
                parameter, last_at, ..
            },
        ) => {
            if last_reading_at.get(parameter).is_some_and(|t| t > last_at) {
                ResolvedReason::Measured
            } else if required.iter().any(|a| {
                matches!(&a.cause, AlarmCause::MissedMeasurement { parameter: p, .. } if p == parameter)
            }) {
                ResolvedReason::Superseded
            } else {
                ResolvedReason::Withdrawn
            }
        }
        (AlarmKind::LevelRise | AlarmKind::LevelFall, _) if raised_at <= horizon_start => {
            ResolvedReason::Expired
        }
        (AlarmKind::LevelRise | AlarmKind::LevelFall | AlarmKind::MissedMeasurement, _) => {
            ResolvedReason::Withdrawn
        }
        (
            AlarmKind::RejectedReading
            | AlarmKind::PlanConflict
            | AlarmKind::DispatchConflict
            | AlarmKind::FollowUpDue,
            _,
        ) => ResolvedReason::Decided,
        (AlarmKind::SuggestionDiffers, _) => ResolvedReason::Cleared,
    }
}

type OpenAlarm = (String, AlarmKind, Timestamp, AlarmCause);

fn open_alarms(conn: &Connection, citizen: &str) -> Result<Vec<OpenAlarm>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, raised_at, cause FROM alarms WHERE citizen_id = ?1 AND state = 'open'",
    )?;
    let rows = stmt.query_map([citizen], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let corrupt = |what: &str, e: String| StoreError::Corrupt(format!("alarm {what}: {e}"));
    let mut open = Vec::new();
    for row in rows {
        let (id, kind, raised_at, cause) = row?;
        open.push((
            id,
            AlarmKind::from_str(&kind).map_err(|e| corrupt("kind", e))?,
            Timestamp::from_millis(raised_at),
            serde_json::from_str(&cause).map_err(|e| corrupt("cause", e.to_string()))?,
        ));
    }
    Ok(open)
}

/// A citizen's readings in the plan's window, oldest first. Each parameter named, so the
/// index is searched by citizen, parameter and time: without the parameter, SQLite read every
/// index entry of the citizen, and a wave of 100 readings with three years of history took
/// 160 ms instead of 28 (`vagtctl bench region`). Every parameter there is must be in the
/// list; the test `evaluation_reads_a_window_and_the_last_reading_by_index` holds it.
const ENGINE_READINGS_SQL: &str = "SELECT parameter, value, effective_at, source_id, source_version
     FROM readings
     WHERE citizen_id = ?1 AND is_current = 1 AND status <> 'entered_in_error'
       AND parameter IN ('spo2', 'pulse', 'fev1', 'fvc', 'temperature', 'weight', 'systolic_bp',
                         'diastolic_bp', 'respiratory_rate', 'blood_glucose', 'crp', 'cat_score',
                         'symptom_score')
       AND effective_at BETWEEN ?2 AND ?3
     ORDER BY effective_at, id";

/// A citizen's newest reading of one parameter up to ?3: one step back from the end of the
/// index's range, where a `max` grouped by parameter read the citizen's whole history.
const LAST_READING_SQL: &str = "SELECT effective_at FROM readings
     WHERE citizen_id = ?1 AND parameter = ?2 AND is_current = 1
       AND status <> 'entered_in_error' AND effective_at <= ?3
     ORDER BY effective_at DESC LIMIT 1";

fn engine_readings(
    conn: &Connection,
    citizen_id: &str,
    from: Timestamp,
    now: Timestamp,
) -> Result<Vec<EngineReading>> {
    let mut stmt = conn.prepare_cached(ENGINE_READINGS_SQL)?;
    let rows = stmt.query_map((citizen_id, from.millis(), now.millis()), |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, f64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
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

/// The effective time of each parameter's latest reading up to `now`.
fn last_reading_at(
    conn: &Connection,
    citizen_id: &str,
    now: Timestamp,
) -> Result<BTreeMap<Parameter, Timestamp>> {
    let mut stmt = conn.prepare_cached(LAST_READING_SQL)?;
    let mut last = BTreeMap::new();
    for parameter in Parameter::ALL {
        let at: Option<i64> = stmt
            .query_row((citizen_id, parameter.code(), now.millis()), |r| r.get(0))
            .optional()?;
        if let Some(at) = at {
            last.insert(parameter, Timestamp::from_millis(at));
        }
    }
    Ok(last)
}

fn implausible_inputs(conn: &Connection, citizen_id: &str) -> Result<Vec<RejectedInput>> {
    let mut stmt = conn.prepare_cached(
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

/// The citizen's care events in force for an evaluation at `now`: the current version's events
/// of each encounter, none retracted, none after `now`. All of them, not a window: an admission
/// long ago may still hold.
fn care_events(
    conn: &Connection,
    citizen_id: &str,
    now: Timestamp,
) -> Result<Vec<vagt_core::CareEvent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, at, source_id, source_version FROM care_events
         WHERE citizen_id = ?1 AND state = 'current' AND at <= ?2
         ORDER BY at, id",
    )?;
    crate::care_events::collect_care_events(&mut stmt, (citizen_id, now.millis()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query_plan::{empty_store, plan_of};

    /// The evaluation of one citizen reads the plan's window and each parameter's last reading
    /// by index, by citizen, parameter and time: never every reading the citizen ever sent.
    #[test]
    fn evaluation_reads_a_window_and_the_last_reading_by_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = empty_store(&dir);
        let window = plan_of(&store, ENGINE_READINGS_SQL, ("c1", 0_i64, 1_i64));
        assert!(
            window.iter().any(|step| step
                == "SEARCH readings USING INDEX readings_by_citizen_parameter_time \
                    (citizen_id=? AND parameter=? AND effective_at>? AND effective_at<?)"),
            "{window:?}"
        );
        let last = plan_of(&store, LAST_READING_SQL, ("c1", "spo2", 1_i64));
        assert_eq!(
            last,
            vec![
                "SEARCH readings USING INDEX readings_by_citizen_parameter_time \
                 (citizen_id=? AND parameter=? AND effective_at<?)"
                    .to_owned()
            ]
        );
        // A parameter left out of the window's list would never be evaluated.
        for parameter in Parameter::ALL {
            assert!(
                ENGINE_READINGS_SQL.contains(&format!("'{}'", parameter.code())),
                "{parameter:?} is not in the window's list"
            );
        }
    }
}
