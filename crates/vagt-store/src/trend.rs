//! One citizen's rows for a trend plot, read in one audited call: readings of a window (and
//! the look-back before it), the level history, care events and the inputs kept for a
//! human; and every plan revision resolved as it applied.

use crate::plans::plan_history;
use crate::readings::RejectedInput;
use crate::{Actor, Result, Store, StoreError};
use vagt_core::{CareEventKind, CitizenId, EcmLevel, LevelKind, Parameter, Timestamp, TriagePlan};

/// A plan in force from `from` (the defaults from the beginning of time, `revision` 0).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanHistoryStep {
    pub from: Timestamp,
    pub revision: i64,
    pub changed_by: Option<String>,
    pub plan: TriagePlan,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrendReadingRow {
    pub parameter: Parameter,
    pub value: f64,
    pub at: Timestamp,
}

/// What a trend plot of one citizen is drawn from.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendRows {
    /// Sorted by time, within `[from, to)`.
    pub readings: Vec<TrendReadingRow>,
    /// The source of each reading, by index (kept apart so the bulk rows stay small).
    pub sources: Vec<String>,
    pub levels: Vec<(Timestamp, LevelKind, EcmLevel)>,
    pub care_events: Vec<(Timestamp, CareEventKind)>,
    pub rejected: Vec<RejectedInput>,
}

impl Store {
    /// The citizen's rows from `from` to `to` (readings) and all of their plans, levels,
    /// events and rejected inputs; audited as one read of the citizen's health data.
    pub fn trend_rows(
        &mut self,
        actor: &Actor,
        citizen: &CitizenId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<TrendRows> {
        crate::citizen_rows::require_citizen(&self.conn, citizen.as_str())?;
        crate::bulk_load::refuse_while_bulk_loading(&self.conn)?;
        let id = citizen.as_str();
        let (mut readings, mut sources) = (Vec::new(), Vec::new());
        {
            let mut stmt = self.conn.prepare_cached(
                "SELECT parameter, value, effective_at, source_id FROM readings
                 WHERE citizen_id = ?1 AND is_current = 1 AND status <> 'entered_in_error'
                   AND effective_at >= ?2 AND effective_at < ?3
                 ORDER BY effective_at, parameter",
            )?;
            let mut rows = stmt.query((id, from.millis(), to.millis()))?;
            // Codes repeat: parse each once.
            let mut known: Vec<(String, Parameter)> = Vec::new();
            while let Some(row) = rows.next()? {
                let code: String = row.get(0)?;
                let parameter = match known.iter().find(|(c, _)| *c == code) {
                    Some((_, p)) => *p,
                    None => {
                        let p: Parameter = code
                            .parse()
                            .map_err(|_| StoreError::Corrupt(format!("parameter {code:?}")))?;
                        known.push((code, p));
                        p
                    }
                };
                readings.push(TrendReadingRow {
                    parameter,
                    value: row.get(1)?,
                    at: Timestamp::from_millis(row.get(2)?),
                });
                sources.push(row.get(3)?);
            }
        }
        let levels = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT set_at, kind, level FROM ecm_levels
                 WHERE citizen_id = ?1 AND kind IN ('suggested', 'confirmed') AND set_at < ?2
                 ORDER BY set_at, decision_key, id",
            )?;
            let rows = stmt.query_map((id, to.millis()), |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?;
            rows.map(|row| {
                let (at, kind, level) = row?;
                Ok((
                    Timestamp::from_millis(at),
                    kind.parse::<LevelKind>().map_err(StoreError::Corrupt)?,
                    EcmLevel::new(level).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                ))
            })
            .collect::<Result<Vec<_>>>()?
        };
        let care_events = current_care_events(&self.conn, id)?;
        let rejected = crate::readings::rejected_of_citizen(&self.conn, id)?;
        self.audit(
            actor,
            "trend.read",
            Some(("citizen", id)),
            Some(&serde_json::json!({ "from": from, "to": to })),
        )?;
        Ok(TrendRows {
            readings,
            sources,
            levels,
            care_events,
            rejected,
        })
    }

    /// Every plan the citizen has had, oldest first (the defaults, then each revision).
    pub fn plan_history(&self, citizen: &CitizenId) -> Result<Vec<PlanHistoryStep>> {
        plan_history(&self.conn, citizen.as_str())
    }

    /// The time of the citizen's oldest reading or care event: where "all" starts.
    pub fn first_data_at(&self, citizen: &CitizenId) -> Result<Option<Timestamp>> {
        crate::bulk_load::refuse_while_bulk_loading(&self.conn)?;
        let first: Option<i64> = self.conn.prepare_cached(
            "SELECT min(at) FROM (
                 SELECT min(effective_at) AS at FROM readings WHERE citizen_id = ?1 AND is_current = 1
                 UNION ALL SELECT min(at) FROM care_events WHERE citizen_id = ?1)",
        )?
        .query_row([citizen.as_str()], |r| r.get(0))?;
        Ok(first.map(Timestamp::from_millis))
    }
}

/// The citizen's care events in force (not superseded or retracted), oldest first.
pub(crate) fn current_care_events(
    conn: &rusqlite::Connection,
    citizen: &str,
) -> Result<Vec<(Timestamp, CareEventKind)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, kind FROM care_events
         WHERE citizen_id = ?1 AND state = 'current' ORDER BY at, id",
    )?;
    let rows = stmt.query_map([citizen], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    rows.map(|row| {
        let (at, kind) = row?;
        let kind = CareEventKind::ALL
            .into_iter()
            .find(|k| k.code() == kind)
            .ok_or_else(|| StoreError::Corrupt(format!("care event kind {kind:?}")))?;
        Ok((Timestamp::from_millis(at), kind))
    })
    .collect()
}
