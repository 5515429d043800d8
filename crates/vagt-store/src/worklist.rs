//! The worklist: every citizen with their level, alarms, latest reading per parameter, NEWS2
//! and open dispatch, read from summaries kept on write, never from readings.
//!
//! Each of its queries returns its rows in citizen order, as its table's key or index already
//! holds them, and the rows are merged into the citizens' summaries in one pass: no map keyed
//! by citizen, no copy of an id per row. The list is sorted by name at the end. The whole
//! list reads the latest readings packed, one row per citizen ([`packs`]).

use crate::citizens::NEWS2_MAX_AGE_MS;
use crate::{Actor, Result, Store, StoreError};
use serde::Serialize;
use std::collections::BTreeMap;
use vagt_core::alarm::AlarmPriority;
use vagt_core::news2::FullSetScore;
use vagt_core::{CitizenId, Diagnosis, EcmLevel, Parameter, Timestamp};

mod packs;
use packs::{LATEST_PACKS_SQL, unpack_latest};

/// Each citizen's latest current reading per parameter, as the triggers on `readings` keep it.
const LATEST_READINGS_SQL: &str = "SELECT citizen_id, parameter, value, effective_at
     FROM latest_readings
     WHERE SCOPE(citizen_id, 1)
     ORDER BY citizen_id";

/// What the last evaluation found: the suggested level, and the NEWS2 while its full set is
/// recent enough (its oldest reading at or after ?1).
const EVALUATIONS_SQL: &str = "SELECT citizen_id, suggested_level,
            CASE WHEN news2_from >= ?1 THEN news2 END
     FROM citizen_evaluations
     WHERE SCOPE(citizen_id, 2)
     ORDER BY citizen_id";

/// The diagnoses of each citizen.
const DIAGNOSES_SQL: &str = "SELECT citizen_id, diagnosis FROM citizen_diagnoses
     WHERE SCOPE(citizen_id, 1)
     ORDER BY citizen_id, diagnosis";

/// The citizens, by id (the list is sorted by name once it is whole).
const CITIZENS_SQL: &str = "SELECT id, name, birth_date, phone, address, mas_only FROM citizens
     WHERE SCOPE(id, 1)
     ORDER BY id";

/// Each citizen's newest confirmed level (by set_at, then key).
const CONFIRMED_LEVELS_SQL: &str = "SELECT citizen_id, level FROM ecm_levels e
     WHERE kind = 'confirmed'
     AND SCOPE(citizen_id, 1)
     AND id = (SELECT id FROM ecm_levels
     WHERE citizen_id = e.citizen_id AND kind = 'confirmed'
     ORDER BY set_at DESC, decision_key DESC, id DESC LIMIT 1)
     ORDER BY citizen_id";

/// The open dispatches, each citizen's oldest first: the last one merged is the newest.
const OPEN_DISPATCHES_SQL: &str = "SELECT citizen_id, state FROM dispatches
     WHERE state IN ('requested', 'en_route', 'arrived') AND SCOPE(citizen_id, 1)
     ORDER BY citizen_id, requested_at";

/// Each citizen's open alarms: how many, and the highest priority.
const OPEN_ALARMS_SQL: &str = "SELECT citizen_id, count(*),
     CASE min(CASE priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1
     WHEN 'low' THEN 2 ELSE 3 END)
     WHEN 0 THEN 'high' WHEN 1 THEN 'medium' WHEN 2 THEN 'low' ELSE 'info' END
     FROM alarms WHERE state = 'open'
     AND SCOPE(citizen_id, 1)
     GROUP BY citizen_id
     ORDER BY citizen_id";

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

/// A NEWS2 as the last evaluation stored it (a [`FullSetScore`] in JSON), passed on as it is:
/// parsing 10,000 of them took a fifth of the whole worklist, and the window only shows them.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct News2Json(Box<serde_json::value::RawValue>);

impl News2Json {
    /// The score itself.
    pub fn score(&self) -> Result<FullSetScore> {
        serde_json::from_str(self.0.get())
            .map_err(|e| StoreError::Corrupt(format!("news2 of an evaluation: {e}")))
    }
}

impl PartialEq for News2Json {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
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
    #[ts(type = "FullSetScore | null")]
    pub news2: Option<News2Json>,
    /// Where the citizen's newest open MAS dispatch is (`null`: none open).
    pub open_dispatch: Option<vagt_core::dispatch::DispatchState>,
    /// A person the MAS function serves who is not enrolled: no readings or plan expected.
    pub mas_only: bool,
}

impl Store {
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
        self.refresh_latest_packs()?;
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
        let mut list = self.citizens_by_id(&scope)?;
        self.merge(
            &mut list,
            &scoped(DIAGNOSES_SQL, &scope),
            [&scope],
            |c, r| {
                let code = text(r.get_ref(1)?)?;
                c.diagnoses.push(
                    code.parse()
                        .map_err(|_| StoreError::Corrupt(format!("diagnosis {code:?}")))?,
                );
                Ok(())
            },
        )?;
        if scope.is_none() {
            self.merge(&mut list, LATEST_PACKS_SQL, [], |c, r| {
                let pack = r
                    .get_ref(1)?
                    .as_blob()
                    .map_err(|e| StoreError::Corrupt(format!("a pack of latest readings: {e}")))?;
                unpack_latest(pack, c)
            })?;
        } else {
            self.merge(
                &mut list,
                &scoped(LATEST_READINGS_SQL, &scope),
                [&scope],
                |c, r| {
                    let parameter = parameter_of(r.get_ref(1)?)?;
                    let effective_at = Timestamp::from_millis(r.get(3)?);
                    c.latest.insert(
                        parameter,
                        LatestReading {
                            value: r.get(2)?,
                            unit: parameter.canonical_unit(),
                            effective_at,
                        },
                    );
                    c.last_reading_at = c.last_reading_at.max(Some(effective_at));
                    Ok(())
                },
            )?;
        }
        let news2_since = now.millis() - NEWS2_MAX_AGE_MS;
        self.merge(
            &mut list,
            &scoped(EVALUATIONS_SQL, &scope),
            (news2_since, &scope),
            |c, r| {
                c.suggested_level = r
                    .get::<_, Option<i64>>(1)?
                    .and_then(|l| EcmLevel::new(l).ok());
                c.news2 = match r
                    .get_ref(2)?
                    .as_str_or_null()
                    .map_err(|e| StoreError::Corrupt(format!("news2 of an evaluation: {e}")))?
                {
                    Some(json) => Some(News2Json(
                        serde_json::value::RawValue::from_string(json.to_owned()).map_err(|e| {
                            StoreError::Corrupt(format!("news2 of an evaluation: {e}"))
                        })?,
                    )),
                    None => None,
                };
                Ok(())
            },
        )?;
        self.merge(
            &mut list,
            &scoped(CONFIRMED_LEVELS_SQL, &scope),
            [&scope],
            |c, r| {
                c.confirmed_level = EcmLevel::new(r.get(1)?).ok();
                Ok(())
            },
        )?;
        self.merge(
            &mut list,
            &scoped(OPEN_ALARMS_SQL, &scope),
            [&scope],
            |c, r| {
                c.open_alarms = r.get(1)?;
                c.top_alarm_priority =
                    Some(text(r.get_ref(2)?)?.parse().map_err(StoreError::Corrupt)?);
                Ok(())
            },
        )?;
        self.merge(
            &mut list,
            &scoped(OPEN_DISPATCHES_SQL, &scope),
            [&scope],
            |c, r| {
                c.open_dispatch = Some(text(r.get_ref(1)?)?.parse().map_err(StoreError::Corrupt)?);
                Ok(())
            },
        )?;
        // Byte order, as SQLite's BINARY collation sorted the list before.
        list.sort_unstable_by(|a, b| {
            (a.name.as_str(), a.id.as_str()).cmp(&(b.name.as_str(), b.id.as_str()))
        });
        Ok(list)
    }

    /// The citizens in `scope` in id order, with nothing merged yet.
    fn citizens_by_id(&self, scope: &Scope) -> Result<Vec<CitizenSummary>> {
        let mut stmt = self.conn.prepare_cached(&scoped(CITIZENS_SQL, scope))?;
        let mut rows = stmt.query([scope])?;
        let mut list = Vec::new();
        while let Some(r) = rows.next()? {
            list.push(CitizenSummary {
                id: CitizenId::new(r.get::<_, String>(0)?)
                    .map_err(|e| StoreError::Corrupt(format!("citizen id: {e}")))?,
                name: r.get(1)?,
                birth_date: r.get(2)?,
                diagnoses: Vec::new(),
                phone: r.get(3)?,
                address: r.get(4)?,
                last_reading_at: None,
                latest: BTreeMap::new(),
                suggested_level: None,
                confirmed_level: None,
                open_alarms: 0,
                top_alarm_priority: None,
                news2: None,
                open_dispatch: None,
                mas_only: r.get::<_, i64>(5)? == 1,
            });
        }
        Ok(list)
    }

    /// Runs `sql` (scoped; its first column a citizen id, its rows in id order) and hands each row to
    /// `add` with its citizen's summary, walking `list` (in id order too) alongside. Rows of
    /// citizens not in the list are passed over: derived rows keep no foreign key.
    fn merge<P: rusqlite::Params>(
        &self,
        list: &mut [CitizenSummary],
        sql: &str,
        params: P,
        mut add: impl FnMut(&mut CitizenSummary, &rusqlite::Row<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params)?;
        let mut at = 0;
        while let Some(r) = rows.next()? {
            // Compared as bytes, as SQLite ordered them: no UTF-8 check per row.
            let id = r
                .get_ref(0)?
                .as_bytes()
                .map_err(|e| StoreError::Corrupt(format!("a citizen id: {e}")))?;
            while list.get(at).is_some_and(|c| c.id.as_str().as_bytes() < id) {
                at += 1;
            }
            match list.get_mut(at) {
                Some(c) if c.id.as_str().as_bytes() == id => add(c, r)?,
                Some(_) => {}
                None => break,
            }
        }
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query_plan::{empty_store, plan_of};

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
        let store = empty_store(&dir);
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

    /// The whole list's rows come in citizen order as their key or index holds them: merged in
    /// one pass, never sorted first (a sort of some 70,000 latest readings at 10,000 citizens).
    /// A correlated subquery's own order (one citizen's few decisions) is not the list's.
    #[test]
    fn the_worklist_reads_in_citizen_order_without_sorting() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = empty_store(&dir);
        for (name, sql, param) in WORKLIST_QUERIES {
            let params = (1..param).map(|_| Some("0".to_owned())).chain([None]);
            let plan = crate::query_plan::outer_plan_of(
                &store,
                &scoped(sql, &None),
                rusqlite::params_from_iter(params),
            );
            assert!(
                !plan.iter().any(|step| step.contains("TEMP B-TREE")),
                "{name}: {plan:?}"
            );
        }
    }

    /// After a change the window reads the rows it names: each query finds those citizens'
    /// rows by key or index, never by scanning its table.
    #[test]
    fn rows_of_named_citizens_are_searched_by_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = empty_store(&dir);
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
        let store = empty_store(&dir);
        let plan = plan_of_query(&store, CONFIRMED_LEVELS_SQL, 1, &None);
        assert!(
            plan.iter()
                .all(|step| !step.starts_with("SCAN") || step.contains("ecm_levels_confirmed")),
            "{plan:?}"
        );
    }

    /// Citizens and their open alarms are read from indexes alone, without a look-up of each
    /// row in its table.
    #[test]
    fn citizens_and_open_alarms_come_from_covering_indexes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = empty_store(&dir);
        let plan = plan_of_query(&store, OPEN_ALARMS_SQL, 1, &None);
        assert_eq!(
            plan,
            ["SCAN alarms USING COVERING INDEX alarms_open_by_citizen"]
        );
        let plan = plan_of_query(&store, CITIZENS_SQL, 1, &None);
        assert_eq!(
            plan,
            ["SCAN citizens USING COVERING INDEX citizens_worklist"]
        );
    }

    /// The triggers keep the latest reading by index too: after an entry in error, the next
    /// newest is looked up, not found by a scan.
    #[test]
    fn the_latest_reading_is_looked_up_again_by_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = empty_store(&dir);
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
