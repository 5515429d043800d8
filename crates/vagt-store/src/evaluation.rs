//! The rules applied to the store: for each citizen, the current readings and care events
//! against their plan (the pure ECM engine and alarm rules of `vagt_core`), the suggested level
//! recorded when it changes, and every alarm the rules require raised once.
//!
//! Alarm ids come from their cause, so a re-evaluation of the same data inserts nothing, and
//! two stations share one alarm. A citizen can be evaluated alone: the app evaluates just the
//! citizens a sync or a nurse changed.

use crate::alarm_rows::insert_alarm_tx;
use crate::levels::insert_suggested_level_tx;
use crate::remote_acks::apply_waiting_acknowledgement_tx;
use crate::{Actor, Result, Store, StoreError};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use vagt_core::alarm::{
    Alarm, AlarmInputs, RejectedInput, required_alarms, suggested_change_alarm,
};
use vagt_core::ecm_engine::{EngineReading, Evaluation, Transition, evaluate, replay};
use vagt_core::{CitizenId, EcmLevel, LevelKind, Parameter, Timestamp};

/// Readings older than this cannot move a level (the engine's lookback, hold and relative
/// windows are all shorter), so they are not loaded for an evaluation.
const EVALUATION_WINDOW_MS: i64 = 14 * 24 * 3_600_000;

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
    /// The citizens whose level or alarms this evaluation changed.
    #[serde(skip)]
    pub changed_citizens: BTreeSet<CitizenId>,
}

impl Store {
    /// Evaluates every citizen at `now`: suggested levels, and the alarms they and the other
    /// rules require. Safe to run as often as wanted: the same data raises nothing new.
    pub fn evaluate_alarms(&mut self, now: Timestamp) -> Result<EvaluationReport> {
        let citizens: Vec<String> = {
            let mut stmt = self.conn.prepare("SELECT id FROM citizens ORDER BY id")?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        self.evaluate_these(citizens.iter().map(String::as_str), now)
    }

    /// Evaluates only `citizens` at `now` (those a sync or a nurse changed); one unknown to
    /// the store is passed over.
    pub fn evaluate_citizens(
        &mut self,
        citizens: &BTreeSet<CitizenId>,
        now: Timestamp,
    ) -> Result<EvaluationReport> {
        let known: Vec<String> = citizens
            .iter()
            .filter_map(|c| {
                crate::citizens::citizen_exists(&self.conn, c.as_str())
                    .map(|known| known.then(|| c.as_str().to_owned()))
                    .transpose()
            })
            .collect::<Result<_>>()?;
        self.evaluate_these(known.iter().map(String::as_str), now)
    }

    fn evaluate_these<'a>(
        &mut self,
        citizens: impl Iterator<Item = &'a str>,
        now: Timestamp,
    ) -> Result<EvaluationReport> {
        let mut report = EvaluationReport::default();
        for citizen in citizens {
            let before = (report.level_changes, report.raised.len(), report.cleared);
            self.evaluate_citizen(citizen, now, &mut report)?;
            report.citizens += 1;
            if before != (report.level_changes, report.raised.len(), report.cleared)
                && let Ok(id) = CitizenId::new(citizen)
            {
                report.changed_citizens.insert(id);
            }
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
        let previous = self.latest_level_set(citizen, LevelKind::Suggested)?;
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
