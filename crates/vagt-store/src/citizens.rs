//! Citizens and the worklist summary (each citizen with their latest reading per parameter and
//! the NEWS2 of their newest full set of vitals).

use crate::{Actor, Result, Store, StoreError, audit};
use rusqlite::{OptionalExtension, Transaction};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use vagt_core::alarm::AlarmPriority;
use vagt_core::news2::{Assessed, FullSetScore, TimedReading, newest_full_set};
use vagt_core::time_util::MILLIS_PER_DAY;
use vagt_core::{Citizen, CitizenId, Diagnosis, EcmLevel, Parameter, Timestamp};

/// A full set older than this gives no NEWS2 in the summary: it no longer says how the citizen is.
pub const NEWS2_MAX_AGE_MS: i64 = 7 * MILLIS_PER_DAY;

// Citizens first (CROSS JOIN keeps that order), so that each citizen's readings are a search of
// `readings_by_citizen_parameter_time` on (citizen, parameter, time) rather than a scan of every
// reading; see the test `news2_readings_are_searched_by_index`.
const NEWS2_READINGS_SQL: &str = "SELECT c.id, r.parameter, r.value, r.effective_at
     FROM citizens c CROSS JOIN readings r
     WHERE r.citizen_id = c.id AND r.is_current = 1 AND r.status <> 'entered_in_error'
       AND r.parameter IN ('respiratory_rate', 'spo2', 'systolic_bp', 'pulse', 'temperature')
       AND r.effective_at >= ?1
       AND SCOPE(c.id, 2)
     ORDER BY c.id, r.effective_at, r.id";

/// A citizen's columns: id, name, birth date, phone, address, served by MAS only.
type CitizenRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    bool,
);

/// Each citizen's latest current reading per parameter: SQLite returns the bare columns of the
/// row holding max().
const LATEST_READINGS_SQL: &str = "SELECT citizen_id, parameter, value, max(effective_at)
     FROM readings
     WHERE is_current = 1 AND status <> 'entered_in_error' AND SCOPE(citizen_id, 1)
     GROUP BY citizen_id, parameter";

/// Which citizens a worklist read covers: all (`None`), or the ids in a JSON array.
type Scope = Option<String>;

/// `sql` with each `SCOPE(column, n)` made the scope's filter on `column`, its JSON array bound
/// as `?n`. Two statements, not one `?n IS NULL OR column IN (...)`: SQLite cannot use an index
/// through that OR, and a one-row read became a scan of every reading.
fn scoped(sql: &str, scope: &Scope) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find("SCOPE(") {
        out.push_str(&rest[..at]);
        let args_end = rest[at..].find(')').map_or(rest.len(), |e| at + e);
        let (column, param) = rest[at + 6..args_end]
            .split_once(',')
            .map_or(("", ""), |(c, p)| (c.trim(), p.trim()));
        match scope {
            None => out.push_str(&format!("?{param} IS NULL")),
            Some(_) => out.push_str(&format!(
                "{column} IN (SELECT value FROM json_each(?{param}))"
            )),
        }
        rest = &rest[(args_end + 1).min(rest.len())..];
    }
    out.push_str(rest);
    out
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct LatestReading {
    pub value: f64,
    pub unit: &'static str,
    pub effective_at: Timestamp,
}

/// A citizen's (suggested, confirmed) ECM levels.
type LevelPair = (Option<EcmLevel>, Option<EcmLevel>);

/// One row of the worklist. Field names are a stable JSON contract (UI, `vagtctl --json`).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct CitizenSummary {
    pub id: CitizenId,
    pub name: String,
    pub birth_date: Option<String>,
    pub diagnoses: Vec<Diagnosis>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub last_reading_at: Option<Timestamp>,
    /// Keyed by parameter code.
    pub latest: BTreeMap<Parameter, LatestReading>,
    /// The level the rules suggest, and the one a nurse confirmed (1-6).
    pub suggested_level: Option<EcmLevel>,
    pub confirmed_level: Option<EcmLevel>,
    /// Alarms not yet acknowledged, and the highest priority among them.
    pub open_alarms: i64,
    pub top_alarm_priority: Option<AlarmPriority>,
    /// NEWS2 of the newest full set of home vitals of the last [`NEWS2_MAX_AGE_MS`], on the
    /// SpO2 scale of the citizen's plan; `null` when there is none. Consciousness and oxygen are
    /// not measured at home, so it is a floor (`is_minimum`): NEWS2 at least `score.total`.
    pub news2: Option<FullSetScore>,
    /// Where the citizen's newest open MAS dispatch is (`null`: none open).
    pub open_dispatch: Option<vagt_core::dispatch::DispatchState>,
    /// A person the MAS function serves who is not enrolled: no readings or plan expected.
    pub mas_only: bool,
}

/// The citizen's row only; diagnoses are left as they are.
pub(crate) fn upsert_citizen_row_tx(
    tx: &Transaction<'_>,
    citizen: &Citizen,
    now: Timestamp,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO citizens (id, name, birth_date, phone, address, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, birth_date = excluded.birth_date,
             phone = excluded.phone, address = excluded.address, updated_at = excluded.updated_at",
    )?
    .execute((
        citizen.id.as_str(),
        &citizen.name,
        &citizen.birth_date,
        &citizen.phone,
        &citizen.address,
        now.millis(),
    ))?;
    Ok(())
}

/// The citizen's row and exactly their diagnoses (for sources that carry both, like the demo).
pub(crate) fn upsert_citizen_tx(
    tx: &Transaction<'_>,
    citizen: &Citizen,
    now: Timestamp,
) -> Result<()> {
    upsert_citizen_row_tx(tx, citizen, now)?;
    tx.prepare_cached("DELETE FROM citizen_diagnoses WHERE citizen_id = ?1")?
        .execute([citizen.id.as_str()])?;
    let mut insert =
        tx.prepare_cached("INSERT INTO citizen_diagnoses (citizen_id, diagnosis) VALUES (?1, ?2)")?;
    for diagnosis in &citizen.diagnoses {
        insert.execute((citizen.id.as_str(), diagnosis.code()))?;
    }
    Ok(())
}

impl Store {
    pub fn upsert_citizen(&mut self, actor: &Actor, citizen: &Citizen) -> Result<()> {
        let tx = self.conn.transaction()?;
        let now = Timestamp::now();
        upsert_citizen_tx(&tx, citizen, now)?;
        audit::append_tx(
            &tx,
            actor,
            "citizen.upsert",
            Some(("citizen", citizen.id.as_str())),
            None,
            now,
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn citizen(&mut self, actor: &Actor, id: &CitizenId) -> Result<Citizen> {
        let found = self
            .conn
            .query_row(
                "SELECT id, name, birth_date, phone, address, mas_only FROM citizens WHERE id = ?1",
                [id.as_str()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, Option<String>>(4)?,
                    ))
                },
            )
            .optional()?;
        let (_, name, birth_date, phone, address) =
            found.ok_or_else(|| StoreError::UnknownCitizen(id.to_string()))?;
        let scope = Some(format!("[{}]", serde_json::Value::from(id.as_str())));
        let diagnoses = self
            .diagnoses_by_citizen(&scope)?
            .remove(id.as_str())
            .unwrap_or_default();
        self.audit(actor, "citizen.read", Some(("citizen", id.as_str())), None)?;
        Ok(Citizen {
            id: id.clone(),
            name,
            birth_date,
            diagnoses,
            phone,
            address,
        })
    }

    /// The backend resource the citizen mirrors (`{base}|Patient/123`), if they came from one.
    pub fn citizen_source(&self, id: &CitizenId) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT source_id FROM citizens WHERE id = ?1")?
            .query_row([id.as_str()], |r| r.get::<_, Option<String>>(0))
            .optional()?
            .flatten())
    }

    fn diagnoses_by_citizen(&self, scope: &Scope) -> Result<HashMap<String, Vec<Diagnosis>>> {
        let mut stmt = self.conn.prepare_cached(&scoped(
            "SELECT citizen_id, diagnosis FROM citizen_diagnoses
             WHERE SCOPE(citizen_id, 1)
             ORDER BY citizen_id, diagnosis",
            scope,
        ))?;
        let mut rows = stmt.query([scope])?;
        let mut map: HashMap<String, Vec<Diagnosis>> = HashMap::new();
        while let Some(r) = rows.next()? {
            let code: String = r.get(1)?;
            let diagnosis = code
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("diagnosis {code:?}")))?;
            map.entry(r.get(0)?).or_default().push(diagnosis);
        }
        Ok(map)
    }

    /// The worklist: every citizen with the latest current reading of each parameter, sorted
    /// by name. Audited as one access to the list.
    pub fn citizen_summaries(&mut self, actor: &Actor) -> Result<Vec<CitizenSummary>> {
        self.citizen_summaries_at(actor, Timestamp::now())
    }

    /// [`Store::citizen_summaries`] as of `now` (which full sets are recent enough for NEWS2).
    pub fn citizen_summaries_at(
        &mut self,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Vec<CitizenSummary>> {
        let summaries = self.summaries(None, now)?;
        self.audit(actor, "citizens.list", None, None)?;
        Ok(summaries)
    }

    /// The worklist rows of `ids` only (those a change named), as of `now`; an id the store
    /// does not know is left out. Audited as one access naming how many rows were read.
    pub fn citizen_summaries_of(
        &mut self,
        actor: &Actor,
        ids: &[CitizenId],
        now: Timestamp,
    ) -> Result<Vec<CitizenSummary>> {
        let scope = serde_json::to_string(&ids)
            .map_err(|e| StoreError::Corrupt(format!("citizen ids: {e}")))?;
        let summaries = self.summaries(Some(scope), now)?;
        self.audit(
            actor,
            "citizens.rows",
            None,
            Some(&serde_json::json!({ "rows": summaries.len() })),
        )?;
        Ok(summaries)
    }

    fn summaries(&self, scope: Scope, now: Timestamp) -> Result<Vec<CitizenSummary>> {
        let mut diagnoses = self.diagnoses_by_citizen(&scope)?;
        let mut latest: HashMap<String, BTreeMap<Parameter, LatestReading>> = HashMap::new();
        {
            // SQLite returns the bare columns of the row holding max(): the latest reading.
            let mut stmt = self
                .conn
                .prepare_cached(&scoped(LATEST_READINGS_SQL, &scope))?;
            let mut rows = stmt.query([&scope])?;
            while let Some(r) = rows.next()? {
                let code: String = r.get(1)?;
                let parameter: Parameter = code
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("parameter {code:?}")))?;
                latest.entry(r.get(0)?).or_default().insert(
                    parameter,
                    LatestReading {
                        value: r.get(2)?,
                        unit: parameter.canonical_unit(),
                        effective_at: Timestamp::from_millis(r.get(3)?),
                    },
                );
            }
        }
        let rows: Vec<CitizenRow> = {
            let mut stmt = self.conn.prepare_cached(&scoped(
                "SELECT id, name, birth_date, phone, address, mas_only FROM citizens
                 WHERE SCOPE(id, 1)
                 ORDER BY name, id",
                &scope,
            ))?;
            stmt.query_map([&scope], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get::<_, i64>(5)? == 1,
                ))
            })?
            .collect::<Result<_, _>>()?
        };
        let mut levels = self.current_levels(&scope)?;
        let mut alarms = self.open_alarm_counts(&scope)?;
        let mut news2 = self.news2_by_citizen(&scope, now)?;
        let mut dispatches = self.open_dispatches(&scope)?;
        rows.into_iter()
            .map(|(id, name, birth_date, phone, address, mas_only)| {
                let (suggested_level, confirmed_level) = levels.remove(&id).unwrap_or_default();
                let (open_alarms, top_alarm_priority) = match alarms.remove(&id) {
                    Some((count, top)) => (count, Some(top)),
                    None => (0, None),
                };
                let latest = latest.remove(&id).unwrap_or_default();
                Ok(CitizenSummary {
                    diagnoses: diagnoses.remove(&id).unwrap_or_default(),
                    last_reading_at: latest.values().map(|l| l.effective_at).max(),
                    latest,
                    news2: news2.remove(&id),
                    open_dispatch: dispatches.remove(&id),
                    id: CitizenId::new(id)
                        .map_err(|e| StoreError::Corrupt(format!("citizen id: {e}")))?,
                    name,
                    birth_date,
                    phone,
                    address,
                    suggested_level,
                    confirmed_level,
                    open_alarms,
                    top_alarm_priority,
                    mas_only,
                })
            })
            .collect()
    }

    /// NEWS2 of one citizen's newest full set of vitals in the [`NEWS2_MAX_AGE_MS`] before
    /// `now`, on the SpO2 scale of their plan; `None` when there is none. A floor, as in the
    /// summary. Audited as a read of the citizen's health data.
    pub fn news2(
        &mut self,
        actor: &Actor,
        citizen: &CitizenId,
        now: Timestamp,
    ) -> Result<Option<FullSetScore>> {
        crate::citizen_rows::require_citizen(&self.conn, citizen.as_str())?;
        let readings = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT parameter, value, effective_at FROM readings
                 WHERE citizen_id = ?1 AND is_current = 1 AND status <> 'entered_in_error'
                   AND parameter IN ('respiratory_rate', 'spo2', 'systolic_bp', 'pulse', 'temperature')
                   AND effective_at >= ?2
                 ORDER BY effective_at, id",
            )?;
            let mut rows = stmt.query((citizen.as_str(), now.millis() - NEWS2_MAX_AGE_MS))?;
            let mut readings = Vec::new();
            while let Some(r) = rows.next()? {
                readings.push(timed_reading(r.get(0)?, r.get(1)?, r.get(2)?)?);
            }
            readings
        };
        let score = match newest_full_set(&readings) {
            Some(set) => {
                let scale =
                    crate::plans::resolved_plan(&self.conn, citizen.as_str())?.news2_spo2_scale;
                Some(set.score(scale, Assessed::NOTHING))
            }
            None => None,
        };
        self.audit(
            actor,
            "news2.read",
            Some(("citizen", citizen.as_str())),
            None,
        )?;
        Ok(score)
    }

    /// citizen -> NEWS2 of their newest full set since `now` minus [`NEWS2_MAX_AGE_MS`], on the
    /// scale of their plan. Only citizens with a full set have their plan resolved.
    fn news2_by_citizen(
        &self,
        scope: &Scope,
        now: Timestamp,
    ) -> Result<HashMap<String, FullSetScore>> {
        let mut by_citizen: BTreeMap<String, Vec<TimedReading>> = BTreeMap::new();
        {
            let mut stmt = self
                .conn
                .prepare_cached(&scoped(NEWS2_READINGS_SQL, scope))?;
            let mut rows = stmt.query((now.millis() - NEWS2_MAX_AGE_MS, scope))?;
            while let Some(r) = rows.next()? {
                let reading = timed_reading(r.get(1)?, r.get(2)?, r.get(3)?)?;
                by_citizen.entry(r.get(0)?).or_default().push(reading);
            }
        }
        let mut scores = HashMap::new();
        for (citizen, readings) in by_citizen {
            // The set does not depend on the scale: find it before resolving a plan.
            if let Some(set) = newest_full_set(&readings) {
                let scale = crate::plans::resolved_plan(&self.conn, &citizen)?.news2_spo2_scale;
                scores.insert(citizen, set.score(scale, Assessed::NOTHING));
            }
        }
        Ok(scores)
    }

    /// citizen -> (suggested, confirmed): the last evaluation's suggestion, and the newest
    /// decision (by set_at, then key).
    fn current_levels(&self, scope: &Scope) -> Result<HashMap<String, LevelPair>> {
        let mut levels: HashMap<String, LevelPair> = HashMap::new();
        {
            let mut stmt = self.conn.prepare_cached(&scoped(
                "SELECT citizen_id, suggested_level FROM citizen_evaluations
                 WHERE suggested_level IS NOT NULL AND SCOPE(citizen_id, 1)",
                scope,
            ))?;
            let mut rows = stmt.query([scope])?;
            while let Some(r) = rows.next()? {
                levels.entry(r.get(0)?).or_default().0 = EcmLevel::new(r.get(1)?).ok();
            }
        }
        let mut stmt = self.conn.prepare_cached(&scoped(
            "SELECT citizen_id, level FROM ecm_levels e
             WHERE kind = 'confirmed'
               AND SCOPE(citizen_id, 1)
               AND id = (SELECT id FROM ecm_levels
                         WHERE citizen_id = e.citizen_id AND kind = 'confirmed'
                         ORDER BY set_at DESC, decision_key DESC, id DESC LIMIT 1)",
            scope,
        ))?;
        let mut rows = stmt.query([scope])?;
        while let Some(r) = rows.next()? {
            levels.entry(r.get(0)?).or_default().1 = EcmLevel::new(r.get(1)?).ok();
        }
        Ok(levels)
    }

    /// citizen -> (open alarms, highest priority among them).
    /// The state of each citizen's newest open dispatch (by the partial index of open ones).
    fn open_dispatches(
        &self,
        scope: &Scope,
    ) -> Result<HashMap<String, vagt_core::dispatch::DispatchState>> {
        let mut stmt = self.conn.prepare_cached(&scoped(
            "SELECT citizen_id, state FROM dispatches
             WHERE state IN ('requested', 'en_route', 'arrived') AND SCOPE(citizen_id, 1)
             ORDER BY requested_at",
            scope,
        ))?;
        let rows = stmt.query_map([scope], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut states = HashMap::new();
        for row in rows {
            let (citizen, state) = row?;
            states.insert(citizen, state.parse().map_err(StoreError::Corrupt)?);
        }
        Ok(states)
    }

    fn open_alarm_counts(&self, scope: &Scope) -> Result<HashMap<String, (i64, AlarmPriority)>> {
        let mut stmt = self.conn.prepare_cached(&scoped(
            "SELECT citizen_id, count(*),
                    CASE min(CASE priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1
                                           WHEN 'low' THEN 2 ELSE 3 END)
                        WHEN 0 THEN 'high' WHEN 1 THEN 'medium' WHEN 2 THEN 'low' ELSE 'info' END
             FROM alarms WHERE state = 'open'
               AND SCOPE(citizen_id, 1)
             GROUP BY citizen_id",
            scope,
        ))?;
        let rows = stmt.query_map([scope], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut counts = HashMap::new();
        for row in rows {
            let (citizen, count, top) = row?;
            let top = top.parse().map_err(StoreError::Corrupt)?;
            counts.insert(citizen, (count, top));
        }
        Ok(counts)
    }
}

fn timed_reading(code: String, value: f64, effective_at: i64) -> Result<TimedReading> {
    let parameter: Parameter = code
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("parameter {code:?}")))?;
    Ok(TimedReading {
        parameter,
        value,
        effective_at: Timestamp::from_millis(effective_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worklist reads a few hundred citizens' last week of vitals on every refresh: each
    /// citizen's must be an index search, never a scan of all readings.
    fn plan_of(store: &Store, sql: &str, params: impl rusqlite::Params) -> Vec<String> {
        let mut stmt = store
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("explain");
        stmt.query_map(params, |r| r.get(3))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    fn store(dir: &tempfile::TempDir) -> Store {
        let key = crate::DbKey::from_hex(&"5a".repeat(32)).expect("hex");
        Store::open_with_key(
            &dir.path().join("plan.db"),
            &key,
            crate::OpenMode::CreateIfMissing,
        )
        .expect("store")
    }

    /// The worklist reads a few hundred citizens' last week of vitals on every refresh: each
    /// citizen's must be an index search, never a scan of all readings.
    #[test]
    fn news2_readings_are_searched_by_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(&dir);
        for scope in [None, Some("[\"c1\"]".to_owned())] {
            let plan = plan_of(
                &store,
                &scoped(NEWS2_READINGS_SQL, &scope),
                (0_i64, scope.clone()),
            );
            assert!(
                plan.iter().any(|step| step
                    == "SEARCH r USING INDEX readings_by_citizen_parameter_time \
                        (citizen_id=? AND parameter=? AND effective_at>?)"),
                "{plan:?}"
            );
            assert!(
                !plan.iter().any(|step| step.starts_with("SCAN r")),
                "{plan:?}"
            );
        }
    }

    /// After a change the window reads the rows it names: the latest readings of those citizens
    /// only, by index, not a scan of every reading.
    #[test]
    fn rows_of_named_citizens_are_read_by_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(&dir);
        let sql = scoped(LATEST_READINGS_SQL, &Some("[\"c1\"]".into()));
        let plan = plan_of(&store, &sql, ["[\"c1\"]"]);
        assert!(
            plan.iter()
                .any(|step| step.starts_with("SEARCH readings USING INDEX")),
            "{plan:?}"
        );
        assert!(
            !plan.iter().any(|step| step.starts_with("SCAN readings")),
            "{plan:?}"
        );
    }
}
