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

/// A citizen's columns: id, name, birth date, phone, address, served by MAS only.
type CitizenRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    bool,
);

/// Each citizen's latest current reading per parameter, as the triggers on `readings` keep it.
const LATEST_READINGS_SQL: &str = "SELECT citizen_id, parameter, value, effective_at
     FROM latest_readings
     WHERE SCOPE(citizen_id, 1)";

/// What the last evaluation found: the suggested level, and the NEWS2 while its full set is
/// recent enough (its oldest reading at or after ?1).
const EVALUATIONS_SQL: &str = "SELECT citizen_id, suggested_level,
            CASE WHEN news2_from >= ?1 THEN news2 END
     FROM citizen_evaluations
     WHERE SCOPE(citizen_id, 2)";

/// The worklist: the diagnoses of each citizen.
const DIAGNOSES_SQL: &str = "SELECT citizen_id, diagnosis FROM citizen_diagnoses
     WHERE SCOPE(citizen_id, 1)
     ORDER BY citizen_id, diagnosis";

/// The worklist: the citizens, by name.
const CITIZENS_SQL: &str = "SELECT id, name, birth_date, phone, address, mas_only FROM citizens
     WHERE SCOPE(id, 1)
     ORDER BY name, id";

/// The worklist: each citizen's newest confirmed level (by set_at, then key).
const CONFIRMED_LEVELS_SQL: &str = "SELECT citizen_id, level FROM ecm_levels e
     WHERE kind = 'confirmed'
     AND SCOPE(citizen_id, 1)
     AND id = (SELECT id FROM ecm_levels
     WHERE citizen_id = e.citizen_id AND kind = 'confirmed'
     ORDER BY set_at DESC, decision_key DESC, id DESC LIMIT 1)";

/// The worklist: the open dispatches, oldest first.
const OPEN_DISPATCHES_SQL: &str = "SELECT citizen_id, state FROM dispatches
     WHERE state IN ('requested', 'en_route', 'arrived') AND SCOPE(citizen_id, 1)
     ORDER BY requested_at";

/// The worklist: each citizen's open alarms: how many, and the highest priority.
const OPEN_ALARMS_SQL: &str = "SELECT citizen_id, count(*),
     CASE min(CASE priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1
     WHEN 'low' THEN 2 ELSE 3 END)
     WHEN 0 THEN 'high' WHEN 1 THEN 'medium' WHEN 2 THEN 'low' ELSE 'info' END
     FROM alarms WHERE state = 'open'
     AND SCOPE(citizen_id, 1)
     GROUP BY citizen_id";

/// What a citizen's last evaluation found for the worklist: the suggested level, the NEWS2.
type Evaluated = (Option<EcmLevel>, Option<FullSetScore>);

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
        let mut stmt = self.conn.prepare_cached(&scoped(DIAGNOSES_SQL, scope))?;
        let mut rows = stmt.query([scope])?;
        by_citizen(&mut rows, |diagnoses: &mut Vec<Diagnosis>, r| {
            let code = text(r.get_ref(1)?)?;
            diagnoses.push(
                code.parse()
                    .map_err(|_| StoreError::Corrupt(format!("diagnosis {code:?}")))?,
            );
            Ok(())
        })
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
        let mut latest: HashMap<String, BTreeMap<Parameter, LatestReading>> = {
            let mut stmt = self
                .conn
                .prepare_cached(&scoped(LATEST_READINGS_SQL, &scope))?;
            let mut rows = stmt.query([&scope])?;
            by_citizen(&mut rows, |latest: &mut BTreeMap<_, _>, r| {
                let parameter = parameter_of(r.get_ref(1)?)?;
                latest.insert(
                    parameter,
                    LatestReading {
                        value: r.get(2)?,
                        unit: parameter.canonical_unit(),
                        effective_at: Timestamp::from_millis(r.get(3)?),
                    },
                );
                Ok(())
            })?
        };
        let rows: Vec<CitizenRow> = {
            let mut stmt = self.conn.prepare_cached(&scoped(CITIZENS_SQL, &scope))?;
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
        let mut evaluations = self.evaluations(&scope, now)?;
        let mut confirmed = self.confirmed_levels(&scope)?;
        let mut alarms = self.open_alarm_counts(&scope)?;
        let mut dispatches = self.open_dispatches(&scope)?;
        rows.into_iter()
            .map(|(id, name, birth_date, phone, address, mas_only)| {
                let (suggested_level, news2) = evaluations.remove(&id).unwrap_or_default();
                let confirmed_level = confirmed.remove(&id);
                let (open_alarms, top_alarm_priority) = match alarms.remove(&id) {
                    Some((count, top)) => (count, Some(top)),
                    None => (0, None),
                };
                let latest = latest.remove(&id).unwrap_or_default();
                Ok(CitizenSummary {
                    diagnoses: diagnoses.remove(&id).unwrap_or_default(),
                    last_reading_at: latest.values().map(|l| l.effective_at).max(),
                    latest,
                    news2,
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
        let score = newest_news2(&self.conn, citizen.as_str(), now)?;
        self.audit(
            actor,
            "news2.read",
            Some(("citizen", citizen.as_str())),
            None,
        )?;
        Ok(score)
    }

    /// citizen -> (suggested level, NEWS2) as their last evaluation found them; the NEWS2 while
    /// its full set's oldest reading is within [`NEWS2_MAX_AGE_MS`] of `now`.
    fn evaluations(&self, scope: &Scope, now: Timestamp) -> Result<HashMap<String, Evaluated>> {
        let mut stmt = self.conn.prepare_cached(&scoped(EVALUATIONS_SQL, scope))?;
        let mut rows = stmt.query((now.millis() - NEWS2_MAX_AGE_MS, scope))?;
        let mut found = HashMap::new();
        while let Some(r) = rows.next()? {
            let level = r
                .get::<_, Option<i64>>(1)?
                .and_then(|l| EcmLevel::new(l).ok());
            let news2 = match r
                .get_ref(2)?
                .as_str_or_null()
                .map_err(|e| StoreError::Corrupt(format!("news2 of an evaluation: {e}")))?
            {
                Some(json) => Some(
                    serde_json::from_str(json)
                        .map_err(|e| StoreError::Corrupt(format!("news2 of an evaluation: {e}")))?,
                ),
                None => None,
            };
            found.insert(r.get(0)?, (level, news2));
        }
        Ok(found)
    }

    /// citizen -> the newest level a nurse confirmed (by set_at, then key).
    fn confirmed_levels(&self, scope: &Scope) -> Result<HashMap<String, EcmLevel>> {
        let mut stmt = self
            .conn
            .prepare_cached(&scoped(CONFIRMED_LEVELS_SQL, scope))?;
        let mut rows = stmt.query([scope])?;
        let mut levels = HashMap::new();
        while let Some(r) = rows.next()? {
            if let Ok(level) = EcmLevel::new(r.get(1)?) {
                levels.insert(r.get(0)?, level);
            }
        }
        Ok(levels)
    }

    /// citizen -> (open alarms, highest priority among them).
    /// The state of each citizen's newest open dispatch (by the partial index of open ones).
    fn open_dispatches(
        &self,
        scope: &Scope,
    ) -> Result<HashMap<String, vagt_core::dispatch::DispatchState>> {
        let mut stmt = self
            .conn
            .prepare_cached(&scoped(OPEN_DISPATCHES_SQL, scope))?;
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
        let mut stmt = self.conn.prepare_cached(&scoped(OPEN_ALARMS_SQL, scope))?;
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

/// One citizen's vitals of a full set since ?2, oldest first.
const CITIZEN_VITALS_SQL: &str = "SELECT parameter, value, effective_at FROM readings
     WHERE citizen_id = ?1 AND is_current = 1 AND status <> 'entered_in_error'
       AND parameter IN ('respiratory_rate', 'spo2', 'systolic_bp', 'pulse', 'temperature')
       AND effective_at >= ?2
     ORDER BY effective_at, id";

/// Rows whose first column is a citizen id, gathered per citizen by `add`. The rows come in
/// key order, a citizen's together: the id is copied once per citizen rather than once per row,
/// which the worklist of a region (tens of thousands of rows) notices.
fn by_citizen<T: Default>(
    rows: &mut rusqlite::Rows<'_>,
    mut add: impl FnMut(&mut T, &rusqlite::Row<'_>) -> Result<()>,
) -> Result<HashMap<String, T>> {
    let mut gathered: HashMap<String, T> = HashMap::new();
    let mut last: Option<String> = None;
    while let Some(r) = rows.next()? {
        let id = text(r.get_ref(0)?)?;
        let entry = match last.as_deref() {
            Some(previous) if previous == id => gathered.get_mut(id),
            _ => None,
        };
        let entry = match entry {
            Some(entry) => entry,
            None => {
                last = Some(id.to_owned());
                gathered.entry(id.to_owned()).or_default()
            }
        };
        add(entry, r)?;
    }
    Ok(gathered)
}

/// A text column read in place, without a copy.
fn text(value: rusqlite::types::ValueRef<'_>) -> Result<&str> {
    value
        .as_str()
        .map_err(|e| StoreError::Corrupt(format!("a text column: {e}")))
}

fn parameter_of(value: rusqlite::types::ValueRef<'_>) -> Result<Parameter> {
    let code = text(value)?;
    code.parse()
        .map_err(|_| StoreError::Corrupt(format!("parameter {code:?}")))
}

/// NEWS2 of the citizen's newest full set of vitals in the [`NEWS2_MAX_AGE_MS`] before `now`,
/// on the SpO2 scale of their plan: what the evaluation keeps for the worklist, and what
/// [`Store::news2`] reads for one citizen.
pub(crate) fn newest_news2(
    conn: &rusqlite::Connection,
    citizen: &str,
    now: Timestamp,
) -> Result<Option<FullSetScore>> {
    let mut stmt = conn.prepare_cached(CITIZEN_VITALS_SQL)?;
    let mut rows = stmt.query((citizen, now.millis() - NEWS2_MAX_AGE_MS))?;
    let mut readings = Vec::new();
    while let Some(r) = rows.next()? {
        readings.push(timed_reading(r.get(0)?, r.get(1)?, r.get(2)?)?);
    }
    // The set does not depend on the scale: find it before resolving a plan.
    Ok(match newest_full_set(&readings) {
        Some(set) => {
            let scale = crate::plans::resolved_plan(conn, citizen)?.news2_spo2_scale;
            Some(set.score(scale, Assessed::NOTHING))
        }
        None => None,
    })
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

    /// The steps of SQLite's plan for `sql`.
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

    /// Every query the worklist runs (name, SQL with SCOPE, the scope's parameter number).
    const WORKLIST_QUERIES: [(&str, &str, usize); 7] = [
        ("latest", LATEST_READINGS_SQL, 1),
        ("evaluations", EVALUATIONS_SQL, 2),
        ("diagnoses", DIAGNOSES_SQL, 1),
        ("citizens", CITIZENS_SQL, 1),
        ("confirmed", CONFIRMED_LEVELS_SQL, 1),
        ("dispatches", OPEN_DISPATCHES_SQL, 1),
        ("alarms", OPEN_ALARMS_SQL, 1),
    ];

    fn plan_of_query(store: &Store, sql: &str, param: usize, scope: &Scope) -> Vec<String> {
        let params: Vec<Option<String>> = (1..=param)
            .map(|i| {
                if i == param {
                    scope.clone()
                } else {
                    Some("0".into())
                }
            })
            .collect();
        plan_of(
            store,
            &scoped(sql, scope),
            rusqlite::params_from_iter(params),
        )
    }

    /// The worklist of 10,000 citizens must not depend on how many readings they have: no query
    /// of it reads `readings` (the summary tables kept on write hold what it shows).
    #[test]
    fn the_worklist_never_reads_readings() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(&dir);
        for (name, sql, param) in WORKLIST_QUERIES {
            for scope in [None, Some("[\"c1\"]".to_owned())] {
                let plan = plan_of_query(&store, sql, param, &scope);
                assert!(
                    !plan
                        .iter()
                        .any(|step| step.split_whitespace().any(|word| word == "readings")),
                    "{name}: {plan:?}"
                );
            }
        }
    }

    /// After a change the window reads the rows it names: each query finds those citizens'
    /// rows by key or index, never by scanning its table.
    #[test]
    fn rows_of_named_citizens_are_searched_by_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(&dir);
        for (name, sql, param) in WORKLIST_QUERIES {
            let plan = plan_of_query(&store, sql, param, &Some("[\"c1\"]".to_owned()));
            let table_scans: Vec<&String> = plan
                .iter()
                .filter(|step| step.starts_with("SCAN") && !step.contains("json_each"))
                .collect();
            assert!(table_scans.is_empty(), "{name}: {plan:?}");
            assert!(
                plan.iter().any(|step| step.starts_with("SEARCH")),
                "{name}: {plan:?}"
            );
        }
    }

    /// The whole worklist's confirmed levels pass the decisions alone, by their partial index,
    /// not every suggested level of three years.
    #[test]
    fn confirmed_levels_are_read_from_the_decisions_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(&dir);
        let plan = plan_of_query(&store, CONFIRMED_LEVELS_SQL, 1, &None);
        assert!(
            plan.iter()
                .all(|step| !step.starts_with("SCAN") || step.contains("ecm_levels_confirmed")),
            "{plan:?}"
        );
    }

    /// One citizen's NEWS2 (what the evaluation keeps, and `Store::news2`) searches that
    /// citizen's week of vitals by index, never every reading.
    #[test]
    fn news2_readings_are_searched_by_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(&dir);
        let plan = plan_of(&store, CITIZEN_VITALS_SQL, ("c1", 0_i64));
        assert!(
            plan.iter().any(|step| step
                == "SEARCH readings USING INDEX readings_by_citizen_parameter_time \
                    (citizen_id=? AND parameter=? AND effective_at>?)"),
            "{plan:?}"
        );
    }

    /// The triggers keep the latest reading by index too: after an entry in error, the next
    /// newest is looked up, not found by a scan.
    #[test]
    fn the_latest_reading_is_looked_up_again_by_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(&dir);
        // The trigger's own lookup, as schema.sql has it.
        let schema = crate::migrate::SCHEMA_SQL;
        let trigger = &schema[schema
            .find("CREATE TRIGGER readings_changed_latest")
            .expect("the trigger")..];
        let select = &trigger[trigger.find("SELECT").expect("its lookup")..];
        let select = &select[..select.find(';').expect("its end")];
        let sql = select
            .replace("OLD.citizen_id", "?1")
            .replace("OLD.parameter", "?2");
        let plan = plan_of(&store, &sql, ("c1", "spo2"));
        assert!(
            plan.iter().any(|step| step
                == "SEARCH readings USING INDEX readings_by_citizen_parameter_time \
                    (citizen_id=? AND parameter=?)"),
            "{plan:?}"
        );
        assert!(!plan.iter().any(|s| s.contains("TEMP B-TREE")), "{plan:?}");
    }
}
