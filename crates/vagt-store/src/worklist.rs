//! The worklist: every citizen with their level, alarms, latest reading per parameter, NEWS2
//! and open dispatch, read from summaries kept on write, never from readings.
//!
//! The rows a change names are read from the tables that hold what they show: each query
//! returns its rows in citizen order, as its table's key or index holds them, and they are
//! merged into the citizens' summaries in one pass. The whole list is those same rows kept one
//! per citizen in `worklist_summary`, made again when stale and read in name order ([`rows`]).

use crate::citizens::NEWS2_MAX_AGE_MS;
use crate::{Actor, Result, Store, StoreError};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use vagt_core::alarm::AlarmPriority;
use vagt_core::news2::FullSetScore;
use vagt_core::{CitizenId, Diagnosis, EcmLevel, Parameter, Timestamp};

mod packed;
mod rows;

/// Each citizen's latest current reading per parameter, as the triggers on `readings` keep it.
const LATEST_READINGS_SQL: &str = "SELECT citizen_id, parameter, value, effective_at
     FROM latest_readings
     WHERE citizen_id IN (SELECT value FROM json_each(?1))
     ORDER BY citizen_id";

/// What the last evaluation found: the suggested level, and the NEWS2 while its full set is
/// recent enough (its oldest reading at or after ?1).
const EVALUATIONS_SQL: &str = "SELECT citizen_id, suggested_level,
            CASE WHEN news2_from >= ?1 THEN news2 END
     FROM citizen_evaluations
     WHERE citizen_id IN (SELECT value FROM json_each(?2))
     ORDER BY citizen_id";

/// The diagnoses of each citizen.
const DIAGNOSES_SQL: &str = "SELECT citizen_id, diagnosis FROM citizen_diagnoses
     WHERE citizen_id IN (SELECT value FROM json_each(?1))
     ORDER BY citizen_id, diagnosis";

/// The citizens, by id (the list is sorted by name once it is whole).
const CITIZENS_SQL: &str = "SELECT id, name, birth_date, phone, address, mas_only FROM citizens
     WHERE id IN (SELECT value FROM json_each(?1))
     ORDER BY id";

/// Each citizen's newest confirmed level (by set_at, then key).
const CONFIRMED_LEVELS_SQL: &str = "SELECT citizen_id, level FROM ecm_levels e
     WHERE kind = 'confirmed'
     AND citizen_id IN (SELECT value FROM json_each(?1))
     AND id = (SELECT id FROM ecm_levels
     WHERE citizen_id = e.citizen_id AND kind = 'confirmed'
     ORDER BY set_at DESC, decision_key DESC, id DESC LIMIT 1)
     ORDER BY citizen_id";

/// The open dispatches, each citizen's oldest first: the last one merged is the newest.
const OPEN_DISPATCHES_SQL: &str = "SELECT citizen_id, state FROM dispatches
     WHERE state IN ('requested', 'en_route', 'arrived')
     AND citizen_id IN (SELECT value FROM json_each(?1))
     ORDER BY citizen_id, requested_at";

/// Each citizen's open alarms: how many, and the highest priority.
const OPEN_ALARMS_SQL: &str = "SELECT citizen_id, count(*),
     CASE min(CASE priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1
     WHEN 'low' THEN 2 ELSE 3 END)
     WHEN 0 THEN 'high' WHEN 1 THEN 'medium' WHEN 2 THEN 'low' ELSE 'info' END
     FROM alarms WHERE state = 'open'
     AND citizen_id IN (SELECT value FROM json_each(?1))
     GROUP BY citizen_id
     ORDER BY citizen_id";

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
    #[ts(type = "FullSetScore | null")]
    pub news2: Option<FullSetScore>,
    /// Where the citizen's newest open MAS dispatch is (`null`: none open).
    pub open_dispatch: Option<vagt_core::dispatch::DispatchState>,
    /// A person the MAS function serves who is not enrolled: no readings or plan expected.
    pub mas_only: bool,
}

/// Where a page of the worklist begins: after the row of this name and id (the list is in
/// name order, then id). Not a citizen's id to look up: any pair is a place in the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct WorklistAfter {
    pub name: String,
    pub id: String,
}

/// A page of the worklist, so that a region's list crosses into the window a part at a time.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct WorklistPage {
    pub rows: Vec<CitizenSummary>,
    /// Where the next page begins; `null` when this page ends the list.
    pub next: Option<WorklistAfter>,
}

impl CitizenSummary {
    /// The row of a citizen with nothing merged into it yet.
    fn empty(id: CitizenId) -> Self {
        CitizenSummary {
            id,
            name: String::new(),
            birth_date: None,
            diagnoses: Vec::new(),
            phone: None,
            address: None,
            last_reading_at: None,
            latest: BTreeMap::new(),
            suggested_level: None,
            confirmed_level: None,
            open_alarms: 0,
            top_alarm_priority: None,
            news2: None,
            open_dispatch: None,
            mas_only: false,
        }
    }
}

impl Store {
    /// The worklist: every citizen with the latest current reading of each parameter, sorted
    /// by name. Audited as one access to the list.
    pub fn citizen_summaries(&mut self, actor: &Actor) -> Result<Vec<CitizenSummary>> {
        self.citizen_summaries_at(actor, Timestamp::now())
    }

    /// [`Store::citizen_summaries`] as of `now` (which full sets are recent enough for NEWS2).
    /// The stale rows made again, the list read and its access audited are one transaction:
    /// the list is one moment's, whatever another connection writes meanwhile.
    pub fn citizen_summaries_at(
        &mut self,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Vec<CitizenSummary>> {
        let tx = self.conn.transaction()?;
        rows::refresh(&tx)?;
        let summaries = rows::read(&tx, now.millis() - NEWS2_MAX_AGE_MS)?;
        crate::audit::append_tx(&tx, actor, "citizens.list", None, None, Timestamp::now())?;
        tx.commit()?;
        Ok(summaries)
    }

    /// At most `limit` rows (at least one) of the worklist after `after`, from its start when
    /// `None`, as of `now`, and where the next page begins when there is one: the stale rows
    /// made again first, then the page read and its access audited (how many rows, after which
    /// citizen), in one transaction. A list read page by page is each page's moment: a change
    /// the station makes between two pages is told to its window and read after the list; one
    /// another process makes, when the window's poll sees the store moved.
    pub fn citizen_summaries_page_at(
        &mut self,
        actor: &Actor,
        after: Option<&WorklistAfter>,
        limit: usize,
        now: Timestamp,
    ) -> Result<WorklistPage> {
        let limit = limit.max(1);
        let tx = self.conn.transaction()?;
        rows::refresh(&tx)?;
        // One row more than the page: whether there is a next page, without asking for it.
        let mut rows = rows::read_page(
            &tx,
            after,
            limit.saturating_add(1),
            now.millis() - NEWS2_MAX_AGE_MS,
        )?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        crate::audit::append_tx(
            &tx,
            actor,
            "citizens.list",
            None,
            Some(&serde_json::json!({
                "page_rows": rows.len(),
                "after_id": after.map(|a| a.id.as_str()),
            })),
            Timestamp::now(),
        )?;
        tx.commit()?;
        let next = rows.last().filter(|_| more).map(|last| WorklistAfter {
            name: last.name.clone(),
            id: last.id.as_str().to_owned(),
        });
        Ok(WorklistPage { rows, next })
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
        // One transaction, as the whole list: a row's seven reads see one moment.
        let tx = self.conn.transaction()?;
        let summaries = summaries(&tx, &scope, now.millis() - NEWS2_MAX_AGE_MS)?;
        crate::audit::append_tx(
            &tx,
            actor,
            "citizens.rows",
            None,
            Some(&serde_json::json!({ "rows": summaries.len() })),
            Timestamp::now(),
        )?;
        tx.commit()?;
        Ok(summaries)
    }
}

/// The rows of the citizens in `scope` (a JSON array of ids), read from the tables that hold
/// what they show, sorted by name; a NEWS2 is shown when its full set's oldest reading is at or
/// after `news2_since`.
fn summaries(conn: &Connection, scope: &str, news2_since: i64) -> Result<Vec<CitizenSummary>> {
    let mut list = citizens_by_id(conn, scope)?;
    merge(conn, &mut list, DIAGNOSES_SQL, [scope], |c, r| {
        c.diagnoses.push(code(r.get_ref(1)?, "diagnosis")?);
        Ok(())
    })?;
    merge(conn, &mut list, LATEST_READINGS_SQL, [scope], |c, r| {
        let parameter: Parameter = code(r.get_ref(1)?, "parameter")?;
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
    })?;
    merge(
        conn,
        &mut list,
        EVALUATIONS_SQL,
        (news2_since, scope),
        |c, r| {
            c.suggested_level = level_of(r.get(1)?);
            c.news2 = news2_of(r.get_ref(2)?)?;
            Ok(())
        },
    )?;
    merge(conn, &mut list, CONFIRMED_LEVELS_SQL, [scope], |c, r| {
        c.confirmed_level = level_of(r.get(1)?);
        Ok(())
    })?;
    merge(conn, &mut list, OPEN_ALARMS_SQL, [scope], |c, r| {
        c.open_alarms = r.get(1)?;
        c.top_alarm_priority = Some(code(r.get_ref(2)?, "alarm priority")?);
        Ok(())
    })?;
    merge(conn, &mut list, OPEN_DISPATCHES_SQL, [scope], |c, r| {
        c.open_dispatch = Some(code(r.get_ref(1)?, "dispatch state")?);
        Ok(())
    })?;
    // Byte order, as SQLite's BINARY collation orders the whole list.
    list.sort_unstable_by(|a, b| {
        (a.name.as_str(), a.id.as_str()).cmp(&(b.name.as_str(), b.id.as_str()))
    });
    Ok(list)
}

/// The citizens in `scope` in id order, with nothing merged yet.
fn citizens_by_id(conn: &Connection, scope: &str) -> Result<Vec<CitizenSummary>> {
    let mut stmt = conn.prepare_cached(CITIZENS_SQL)?;
    let mut rows = stmt.query([scope])?;
    let mut list = Vec::new();
    while let Some(r) = rows.next()? {
        let id = CitizenId::new(r.get::<_, String>(0)?)
            .map_err(|e| StoreError::Corrupt(format!("citizen id: {e}")))?;
        list.push(CitizenSummary {
            name: r.get(1)?,
            birth_date: r.get(2)?,
            phone: r.get(3)?,
            address: r.get(4)?,
            mas_only: r.get::<_, i64>(5)? == 1,
            ..CitizenSummary::empty(id)
        });
    }
    Ok(list)
}

/// Runs `sql` (its first column a citizen id, its rows in id order) and hands each row to `add`
/// with its citizen's summary, walking `list` (in id order too) alongside. Rows of citizens not
/// in the list are passed over: derived rows keep no foreign key.
fn merge<P: rusqlite::Params>(
    conn: &Connection,
    list: &mut [CitizenSummary],
    sql: &str,
    params: P,
    mut add: impl FnMut(&mut CitizenSummary, &rusqlite::Row<'_>) -> Result<()>,
) -> Result<()> {
    let mut stmt = conn.prepare_cached(sql)?;
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

/// A stored NEWS2 (the evaluation's JSON, or NULL).
fn news2_of(value: rusqlite::types::ValueRef<'_>) -> Result<Option<FullSetScore>> {
    let corrupt = |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("news2: {e}"));
    let Some(json) = value.as_str_or_null().map_err(|e| corrupt(&e))? else {
        return Ok(None);
    };
    serde_json::from_str(json)
        .map(Some)
        .map_err(|e| corrupt(&e))
}

/// A text column read in place, without a copy.
fn text(value: rusqlite::types::ValueRef<'_>) -> Result<&str> {
    value
        .as_str()
        .map_err(|e| StoreError::Corrupt(format!("a text column: {e}")))
}

/// A code as the store keeps it, parsed; `what` names it in the error.
fn parse_code<T: std::str::FromStr>(code: &str, what: &str) -> Result<T> {
    code.parse()
        .map_err(|_| StoreError::Corrupt(format!("{what} {code:?}")))
}

/// A code column, read in place (no copy of the text) and parsed.
fn code<T: std::str::FromStr>(value: rusqlite::types::ValueRef<'_>, what: &str) -> Result<T> {
    parse_code(text(value)?, what)
}

/// A level column: one outside 1-6 is shown as none.
fn level_of(level: Option<i64>) -> Option<EcmLevel> {
    level.and_then(|l| EcmLevel::new(l).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query_plan::{empty_store, plan_of};

    /// Every query a row is read with (name, SQL, the number of its citizens' parameter).
    const ROW_QUERIES: [(&str, &str, usize); 7] = [
        ("latest", LATEST_READINGS_SQL, 1),
        ("evaluations", EVALUATIONS_SQL, 2),
        ("diagnoses", DIAGNOSES_SQL, 1),
        ("citizens", CITIZENS_SQL, 1),
        ("confirmed", CONFIRMED_LEVELS_SQL, 1),
        ("dispatches", OPEN_DISPATCHES_SQL, 1),
        ("alarms", OPEN_ALARMS_SQL, 1),
    ];

    fn plan_of_query(store: &Store, sql: &str, param: usize) -> Vec<String> {
        let params = (1..=param).map(|i| if i == param { "[\"c1\"]" } else { "0" });
        plan_of(store, sql, rusqlite::params_from_iter(params))
    }

    /// A row must not cost more with more readings: no query of it reads `readings` (the
    /// summary tables kept on write hold what it shows).
    #[test]
    fn a_row_never_reads_readings() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = empty_store(&dir);
        for (name, sql, param) in ROW_QUERIES {
            let plan = plan_of_query(&store, sql, param);
            assert!(
                !plan
                    .iter()
                    .any(|step| step.split_whitespace().any(|word| word == "readings")),
                "{name}: {plan:?}"
            );
        }
    }

    /// After a change the window reads the rows it names, and the whole list makes its stale
    /// rows the same way: each query finds those citizens' rows by key or index, never by
    /// scanning its table.
    #[test]
    fn rows_of_named_citizens_are_searched_by_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = empty_store(&dir);
        for (name, sql, param) in ROW_QUERIES {
            let plan = plan_of_query(&store, sql, param);
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

    /// A citizen's open alarms are read from their index alone, without a look-up of each
    /// alarm in its table.
    #[test]
    fn open_alarms_come_from_a_covering_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = empty_store(&dir);
        let plan = plan_of_query(&store, OPEN_ALARMS_SQL, 1);
        assert_eq!(
            plan[0],
            "SEARCH alarms USING COVERING INDEX alarms_open_by_citizen (citizen_id=?)"
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
        let lookup = &trigger[trigger
            .find("INSERT INTO latest_readings")
            .expect("its lookup")..];
        let select = &lookup[lookup.find("SELECT").expect("its lookup")..];
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
