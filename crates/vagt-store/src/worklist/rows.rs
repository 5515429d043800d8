//! The whole worklist kept as one row per citizen (`worklist_summary` in schema.sql): triggers on
//! every table a row is made from list the citizens whose row went stale, and the next whole
//! read makes those rows again, as [`summaries`] reads them for those citizens alone, before
//! it reads the list in name order. 10,000 citizens are one scan of 10,000 rows, where reading
//! the tables themselves stepped through some 100,000 rows and sorted them.

use super::{
    CitizenSummary, LatestReading, level_of, news2_of, optional_code, parse_code, summaries, text,
};
use crate::{Result, StoreError};
use rusqlite::Connection;
use std::collections::HashMap;
use vagt_core::{CitizenId, Diagnosis, EcmLevel, Parameter, Timestamp};

/// The citizens whose rows are stale.
const STALE_SQL: &str = "SELECT citizen_id FROM worklist_stale";

/// Since when each citizen's NEWS2 counts (its full set's oldest reading), which a row keeps so
/// that a later read can tell whether it is still recent enough.
const NEWS2_FROM_SQL: &str = "SELECT citizen_id, news2_from FROM citizen_evaluations
     WHERE citizen_id IN (SELECT value FROM json_each(?1)) AND news2_from IS NOT NULL";

const REMOVE_ROWS_SQL: &str =
    "DELETE FROM worklist_summary WHERE citizen_id IN (SELECT value FROM json_each(?1))";

const INSERT_ROW_SQL: &str = "INSERT INTO worklist_summary (name, citizen_id, birth_date, phone,
         address, mas_only, diagnoses, latest, suggested_level, confirmed_level, open_alarms,
         top_alarm_priority, open_dispatch, news2_from, news2)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

/// The whole list in name order (then id, as bytes), the table's key: no sort. A NEWS2 is
/// shown while its full set's oldest reading is at or after ?1.
const ROWS_SQL: &str = "SELECT citizen_id, name, birth_date, phone, address, mas_only,
            diagnoses, latest, suggested_level, confirmed_level, open_alarms,
            top_alarm_priority, open_dispatch, CASE WHEN news2_from >= ?1 THEN news2 END
     FROM worklist_summary
     ORDER BY name, citizen_id";

/// One latest reading in a row's pack: the parameter's number in [`Parameter::ALL`], the value
/// and the instant in milliseconds, little-endian.
const PACKED_READING_BYTES: usize = 1 + 8 + 8;

/// Makes again the row of every citizen listed stale, within the caller's transaction: after a
/// sync the few it changed, after a first load every citizen once. A citizen no longer in the
/// store loses their row.
pub(super) fn refresh(conn: &Connection) -> Result<()> {
    let stale: Vec<String> = conn
        .prepare_cached(STALE_SQL)?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if stale.is_empty() {
        return Ok(());
    }
    let scope = serde_json::to_string(&stale)
        .map_err(|e| StoreError::Corrupt(format!("citizen ids: {e}")))?;
    // Every stored NEWS2, however old: whether it is shown is the read's to decide.
    let rows = summaries(conn, &scope, i64::MIN)?;
    let news2_from: HashMap<String, i64> = conn
        .prepare_cached(NEWS2_FROM_SQL)?
        .query_map([&scope], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    conn.prepare_cached(REMOVE_ROWS_SQL)?.execute([&scope])?;
    let mut insert = conn.prepare_cached(INSERT_ROW_SQL)?;
    for row in &rows {
        let mut latest = Vec::with_capacity(row.latest.len() * PACKED_READING_BYTES);
        for (parameter, reading) in &row.latest {
            pack_latest(
                &mut latest,
                *parameter,
                reading.value,
                reading.effective_at.millis(),
            )?;
        }
        let diagnoses: Vec<&str> = row.diagnoses.iter().map(|d| d.code()).collect();
        insert.execute(rusqlite::params![
            row.name,
            row.id.as_str(),
            row.birth_date,
            row.phone,
            row.address,
            i64::from(row.mas_only),
            diagnoses.join(","),
            latest,
            row.suggested_level.map(EcmLevel::get),
            row.confirmed_level.map(EcmLevel::get),
            row.open_alarms,
            row.top_alarm_priority.map(|p| p.code()),
            row.open_dispatch.map(|d| d.code()),
            news2_from.get(row.id.as_str()),
            row.news2.as_ref().map(|n| n.0.get()),
        ])?;
    }
    conn.execute("DELETE FROM worklist_stale", [])?;
    Ok(())
}

/// The whole list as the rows hold it, in name order; a NEWS2 is shown when its full set's
/// oldest reading is at or after `news2_since`.
pub(super) fn read(conn: &Connection, news2_since: i64) -> Result<Vec<CitizenSummary>> {
    let mut stmt = conn.prepare_cached(ROWS_SQL)?;
    let mut rows = stmt.query([news2_since])?;
    let mut list = Vec::new();
    while let Some(r) = rows.next()? {
        let id = CitizenId::new(text(r.get_ref(0)?)?)
            .map_err(|e| StoreError::Corrupt(format!("citizen id: {e}")))?;
        let mut row = CitizenSummary {
            name: r.get(1)?,
            birth_date: r.get(2)?,
            phone: r.get(3)?,
            address: r.get(4)?,
            mas_only: r.get::<_, i64>(5)? == 1,
            diagnoses: diagnoses_of(text(r.get_ref(6)?)?)?,
            suggested_level: level_of(r.get(8)?),
            confirmed_level: level_of(r.get(9)?),
            open_alarms: r.get(10)?,
            top_alarm_priority: optional_code(r.get_ref(11)?, "alarm priority")?,
            open_dispatch: optional_code(r.get_ref(12)?, "dispatch state")?,
            news2: news2_of(r.get_ref(13)?)?,
            ..CitizenSummary::empty(id)
        };
        let pack = r
            .get_ref(7)?
            .as_blob()
            .map_err(|e| StoreError::Corrupt(format!("a pack of latest readings: {e}")))?;
        unpack_latest(pack, &mut row)?;
        list.push(row);
    }
    Ok(list)
}

/// Diagnosis codes joined by commas, as a row keeps them.
fn diagnoses_of(codes: &str) -> Result<Vec<Diagnosis>> {
    codes
        .split(',')
        .filter(|code| !code.is_empty())
        .map(|code| parse_code(code, "diagnosis"))
        .collect()
}

/// Adds one latest reading to a citizen's pack. The parameter is stored as its place in
/// [`Parameter::ALL`], which is therefore append-only (`pack_numbers_are_pinned`).
fn pack_latest(
    pack: &mut Vec<u8>,
    parameter: Parameter,
    value: f64,
    effective_at: i64,
) -> Result<()> {
    let number = Parameter::ALL
        .iter()
        .position(|p| *p == parameter)
        .and_then(|n| u8::try_from(n).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("no pack number for {parameter:?}")))?;
    pack.push(number);
    pack.extend_from_slice(&value.to_le_bytes());
    pack.extend_from_slice(&effective_at.to_le_bytes());
    Ok(())
}

/// A citizen's pack of latest readings into their summary.
fn unpack_latest(pack: &[u8], c: &mut CitizenSummary) -> Result<()> {
    let corrupt = || StoreError::Corrupt(format!("a pack of {} bytes", pack.len()));
    if !pack.len().is_multiple_of(PACKED_READING_BYTES) {
        return Err(corrupt());
    }
    for entry in pack.chunks_exact(PACKED_READING_BYTES) {
        let parameter = *Parameter::ALL
            .get(usize::from(entry[0]))
            .ok_or_else(corrupt)?;
        let value = f64::from_le_bytes(entry[1..9].try_into().map_err(|_| corrupt())?);
        let effective_at = Timestamp::from_millis(i64::from_le_bytes(
            entry[9..17].try_into().map_err(|_| corrupt())?,
        ));
        c.latest.insert(
            parameter,
            LatestReading {
                value,
                unit: parameter.canonical_unit(),
                effective_at,
            },
        );
        c.last_reading_at = c.last_reading_at.max(Some(effective_at));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query_plan::{empty_store, outer_plan_of, plan_of};

    /// The whole list is one scan of its rows in the order it is shown, never sorted and never
    /// a look-up per row; a stale row is made again by key.
    #[test]
    fn the_whole_list_is_one_scan_in_name_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = empty_store(&dir);
        assert_eq!(
            outer_plan_of(&store, ROWS_SQL, [0]),
            ["SCAN worklist_summary"]
        );
        let plan = plan_of(&store, REMOVE_ROWS_SQL, ["[\"c1\"]"]);
        assert!(
            plan[0].starts_with("SEARCH worklist_summary USING ")
                && plan[0].contains("worklist_summary_by_citizen (citizen_id=?)"),
            "{plan:?}"
        );
        let plan = plan_of(&store, NEWS2_FROM_SQL, ["[\"c1\"]"]);
        assert_eq!(
            plan[0],
            "SEARCH citizen_evaluations USING PRIMARY KEY (citizen_id=?)"
        );
    }

    /// The numbering the packs were first stored with (schema 12).
    const PACKED_PARAMETERS: [&str; 13] = [
        "spo2",
        "pulse",
        "fev1",
        "fvc",
        "temperature",
        "weight",
        "systolic_bp",
        "diastolic_bp",
        "respiratory_rate",
        "blood_glucose",
        "crp",
        "cat_score",
        "symptom_score",
    ];

    /// Stored packs name each parameter by its place in `Parameter::ALL`: moving one would
    /// make every pack on every station say another parameter. Append new ones at the end.
    #[test]
    fn pack_numbers_are_pinned() {
        let codes: Vec<&str> = Parameter::ALL.iter().map(|p| p.code()).collect();
        assert_eq!(codes, PACKED_PARAMETERS);
        let mut summary = CitizenSummary::empty(CitizenId::new("c1").expect("id"));
        let mut pack = Vec::new();
        pack_latest(&mut pack, Parameter::Pulse, 71.5, 1_700_000_000_000).expect("packed");
        assert_eq!(pack.len(), PACKED_READING_BYTES);
        unpack_latest(&pack, &mut summary).expect("unpacked");
        assert_eq!(summary.latest[&Parameter::Pulse].value, 71.5);
        assert!(
            unpack_latest(&pack[..5], &mut summary).is_err(),
            "a cut pack"
        );
    }
}
