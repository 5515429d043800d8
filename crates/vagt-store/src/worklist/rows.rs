//! The whole worklist kept as one row per citizen (`worklist_summary` in schema.sql): triggers on
//! every table a row is made from list the citizens whose row went stale, and the next whole
//! read makes those rows again, as [`summaries`] reads them for those citizens alone, before
//! it reads the list in name order. 10,000 citizens are one scan of 10,000 rows, where reading
//! the tables themselves stepped through some 100,000 rows and sorted them.

use super::{CitizenSummary, WorklistAfter, packed, summaries, text};
use crate::{Result, StoreError};
use rusqlite::Connection;
use vagt_core::CitizenId;

/// The citizens whose rows are stale.
const STALE_SQL: &str = "SELECT citizen_id FROM worklist_stale";

const REMOVE_ROWS_SQL: &str =
    "DELETE FROM worklist_summary WHERE citizen_id IN (SELECT value FROM json_each(?1))";

const INSERT_ROW_SQL: &str =
    "INSERT INTO worklist_summary (name, citizen_id, shown) VALUES (?1, ?2, ?3)";

const COUNT_SQL: &str = "SELECT count(*) FROM worklist_summary";

/// The whole list in name order (then id, as bytes), the table's key: no sort.
const ROWS_SQL: &str = "SELECT citizen_id, name, shown FROM worklist_summary
     ORDER BY name, citizen_id";

/// A page of the list: the rows after (?1, ?2) in the same order, from the table's key.
const PAGE_SQL: &str = "SELECT citizen_id, name, shown FROM worklist_summary
     WHERE (name, citizen_id) > (?1, ?2)
     ORDER BY name, citizen_id LIMIT ?3";

/// The first page.
const FIRST_PAGE_SQL: &str = "SELECT citizen_id, name, shown FROM worklist_summary
     ORDER BY name, citizen_id LIMIT ?1";

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
    conn.prepare_cached(REMOVE_ROWS_SQL)?.execute([&scope])?;
    let mut insert = conn.prepare_cached(INSERT_ROW_SQL)?;
    for row in &rows {
        let shown = packed::pack(row)?;
        insert.execute(rusqlite::params![row.name, row.id.as_str(), shown])?;
    }
    conn.execute("DELETE FROM worklist_stale", [])?;
    Ok(())
}

/// The whole list as the rows hold it, in name order; a NEWS2 is shown when its full set's
/// oldest reading is at or after `news2_since`.
pub(super) fn read(conn: &Connection, news2_since: i64) -> Result<Vec<CitizenSummary>> {
    // Sized at once, and each row filled where it lies: a row is some 400 bytes, and moving
    // 10,000 of them as the list grew was a tenth of its read.
    let count: i64 = conn
        .prepare_cached(COUNT_SQL)?
        .query_row([], |r| r.get(0))?;
    let mut list = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    let mut stmt = conn.prepare_cached(ROWS_SQL)?;
    unpack_rows(stmt.query([])?, news2_since, &mut list)?;
    Ok(list)
}

/// At most `limit` rows of the list after `after` (from its start when `None`), in its order.
pub(super) fn read_page(
    conn: &Connection,
    after: Option<&WorklistAfter>,
    limit: usize,
    news2_since: i64,
) -> Result<Vec<CitizenSummary>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut list = Vec::new();
    match after {
        Some(after) => {
            let mut stmt = conn.prepare_cached(PAGE_SQL)?;
            let rows = stmt.query(rusqlite::params![after.name, after.id, limit])?;
            unpack_rows(rows, news2_since, &mut list)?;
        }
        None => {
            let mut stmt = conn.prepare_cached(FIRST_PAGE_SQL)?;
            unpack_rows(stmt.query([limit])?, news2_since, &mut list)?;
        }
    }
    Ok(list)
}

/// Each row of `rows` (id, name, packed row) onto the end of `list`.
fn unpack_rows(
    mut rows: rusqlite::Rows<'_>,
    news2_since: i64,
    list: &mut Vec<CitizenSummary>,
) -> Result<()> {
    while let Some(r) = rows.next()? {
        let id = CitizenId::new(text(r.get_ref(0)?)?)
            .map_err(|e| StoreError::Corrupt(format!("citizen id: {e}")))?;
        list.push(CitizenSummary {
            name: r.get(1)?,
            ..CitizenSummary::empty(id)
        });
        let shown = r
            .get_ref(2)?
            .as_blob()
            .map_err(|e| StoreError::Corrupt(format!("a worklist row: {e}")))?;
        if let Some(row) = list.last_mut() {
            packed::unpack(shown, news2_since, row)?;
        }
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
            outer_plan_of(&store, ROWS_SQL, []),
            ["SCAN worklist_summary"]
        );
        // A page starts where the key says, and reads on in its order.
        let page = plan_of(&store, PAGE_SQL, rusqlite::params!["Aase", "c1", 500]);
        assert!(
            page.len() == 1
                && page[0].starts_with("SEARCH worklist_summary USING PRIMARY KEY ")
                && page[0].contains("(name,citizen_id)>(?,?)"),
            "{page:?}"
        );
        assert_eq!(
            outer_plan_of(&store, FIRST_PAGE_SQL, [500]),
            ["SCAN worklist_summary"]
        );
        let plan = plan_of(&store, REMOVE_ROWS_SQL, ["[\"c1\"]"]);
        assert!(
            plan[0].starts_with("SEARCH worklist_summary USING ")
                && plan[0].contains("worklist_summary_by_citizen (citizen_id=?)"),
            "{plan:?}"
        );
    }
}
