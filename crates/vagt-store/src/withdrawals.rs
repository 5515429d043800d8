//! A withdrawn source measurement's readings, found by the source id's index.

/// The readings of a source measurement (`?1`) and those split from it (`?1#component`): by
/// two searches of the source id's index. (As `substr(source_id, ...) = ?1 || '#'` it was a
/// scan of every reading for each withdrawal: seconds at a region's millions. The range holds
/// exactly the ids that begin with `?1#`, since `$` follows `#`.)
macro_rules! of_source {
    () => {
        "(source_id = ?1 OR (source_id >= ?1 || '#' AND source_id < ?1 || '$'))"
    };
}

pub(crate) const RETRACTED_CITIZENS_SQL: &str = concat!(
    "SELECT DISTINCT citizen_id FROM readings WHERE status <> 'entered_in_error' AND ",
    of_source!()
);

pub(crate) const RETRACT_SQL: &str = concat!(
    "UPDATE readings SET status = 'entered_in_error' WHERE status <> 'entered_in_error' AND ",
    of_source!()
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query_plan::{empty_store, plan_of};

    /// A withdrawal finds its readings by the source id's index, not by reading every one.
    #[test]
    fn a_withdrawal_searches_its_readings_by_the_source_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = empty_store(&dir);
        for sql in [RETRACTED_CITIZENS_SQL, RETRACT_SQL] {
            let plan = plan_of(&store, sql, ["srv|Observation/1"]);
            assert!(
                plan.iter().all(|step| !step.starts_with("SCAN")),
                "{sql}: {plan:?}"
            );
            assert!(
                plan.iter()
                    .any(|step| step.contains("USING INDEX sqlite_autoindex_readings_1")),
                "{sql}: {plan:?}"
            );
        }
    }

    /// The range is the prefix `?1#`: the source and its components, not its neighbours.
    #[test]
    fn a_withdrawal_takes_the_source_and_its_components_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = empty_store(&dir);
        let conn = store.connection();
        conn.execute_batch(
            "INSERT INTO citizens (id, name, created_at, updated_at) VALUES ('c1', 'C', 0, 0);",
        )
        .expect("citizen");
        let ids = [
            "srv|Observation/1",
            "srv|Observation/1#systolic",
            "srv|Observation/1#diastolic",
            "srv|Observation/10",
            "srv|Observation/1$",
            "srv|Observation/1",
        ];
        for (n, id) in ids.iter().enumerate() {
            conn.execute(
                "INSERT INTO readings (citizen_id, parameter, value, effective_at, received_at,
                     source_id, source_version)
                 VALUES ('c1', 'pulse', 60, ?1, 0, ?2, ?3)",
                (n as i64, id, n.to_string()),
            )
            .expect("reading");
        }
        let withdrawn = conn
            .prepare(RETRACT_SQL)
            .expect("prepare")
            .execute(["srv|Observation/1"])
            .expect("withdraw");
        assert_eq!(withdrawn, 4, "both versions and both components");
        let left: Vec<String> = conn
            .prepare("SELECT source_id FROM readings WHERE status <> 'entered_in_error' ORDER BY 1")
            .expect("prepare")
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        assert_eq!(left, ["srv|Observation/1$", "srv|Observation/10"]);
    }
}
