//! For the query-plan tests: an empty store of the current schema, and the steps of SQLite's
//! plan for a statement, so a test fails when a hot query stops using its index.

use crate::Store;

/// An empty encrypted store in `dir`.
pub(crate) fn empty_store(dir: &tempfile::TempDir) -> Store {
    let key = crate::DbKey::from_hex(&"5a".repeat(32)).expect("hex");
    Store::open_with_key(
        &dir.path().join("plan.db"),
        &key,
        crate::OpenMode::CreateIfMissing,
    )
    .expect("store")
}

/// The steps of SQLite's plan for `sql` (the `detail` column of `EXPLAIN QUERY PLAN`).
pub(crate) fn plan_of(store: &Store, sql: &str, params: impl rusqlite::Params) -> Vec<String> {
    let mut stmt = store
        .conn
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .expect("explain");
    stmt.query_map(params, |r| r.get(3))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// The steps of the plan for `sql` outside its correlated subqueries: what the statement does
/// once, not what it does again per row.
pub(crate) fn outer_plan_of(
    store: &Store,
    sql: &str,
    params: impl rusqlite::Params,
) -> Vec<String> {
    let mut stmt = store
        .conn
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .expect("explain");
    let steps: Vec<(i64, i64, String)> = stmt
        .query_map(params, |r| Ok((r.get(0)?, r.get(1)?, r.get(3)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows");
    let correlated = |mut id: i64| {
        // Parents come before their children, so the walk up ends.
        while let Some((_, parent, detail)) = steps.iter().find(|(i, _, _)| *i == id) {
            if detail.starts_with("CORRELATED") {
                return true;
            }
            id = *parent;
        }
        false
    };
    steps
        .iter()
        .filter(|(id, _, _)| !correlated(*id))
        .map(|(_, _, detail)| detail.clone())
        .collect()
}

/// One step of a statement's program, as `EXPLAIN` lists it.
#[derive(Debug)]
pub(crate) struct Op {
    /// The trigger whose subprogram the step is in (its `Init` names it), or "" for the
    /// statement's own.
    pub program: String,
    pub opcode: String,
    pub p1: i64,
    pub p2: i64,
}

/// The program SQLite runs for `sql`, its triggers' subprograms included.
pub(crate) fn program_of(store: &Store, sql: &str, params: impl rusqlite::Params) -> Vec<Op> {
    let mut stmt = store
        .conn
        .prepare(&format!("EXPLAIN {sql}"))
        .expect("explain");
    let steps: Vec<(String, i64, i64, Option<String>)> = stmt
        .query_map(params, |r| {
            Ok((r.get(1)?, r.get(2)?, r.get(3)?, r.get(5).ok()))
        })
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows");
    let mut program = String::new();
    steps
        .into_iter()
        .map(|(opcode, p1, p2, p4)| {
            if opcode == "Init" {
                program = p4
                    .and_then(|p4| p4.strip_prefix("-- TRIGGER ").map(str::to_owned))
                    .unwrap_or_default();
            }
            Op {
                program: program.clone(),
                opcode,
                p1,
                p2,
            }
        })
        .collect()
}
