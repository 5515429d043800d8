//! A bulk load (`Store::begin_bulk_load`): the readings' per-citizen index dropped while pages
//! are stored and made again at the end. A station that loaded in bulk must end where one that
//! stored the same pages reading by reading ends: the same latest readings, levels and alarms,
//! amended and withdrawn readings included; and a crash in between loses nothing.

mod common;

use vagt_cohort::CohortSpec;
use vagt_core::{IncomingMeasurement, SourceRef, Timestamp};
use vagt_store::{Actor, BULK_LOAD_INDEX, DbKey, OpenMode, PullBatch, Store};

fn key() -> DbKey {
    DbKey::from_hex(&"ab".repeat(32)).expect("64 hex digits")
}

fn open(path: &std::path::Path) -> Store {
    Store::open_with_key(path, &key(), OpenMode::CreateIfMissing).expect("open")
}

fn end() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-20T09:00:00Z").expect("valid")
}

fn spec() -> CohortSpec {
    CohortSpec {
        seed: 7,
        citizens: 12,
        days: 30,
        end: end(),
    }
}

/// Every row of `sql`, each as text, for comparing two stores.
fn rows(store: &mut Store, sql: &str) -> Vec<String> {
    let conn = store.connection();
    let mut stmt = conn.prepare(sql).expect("prepare");
    let columns = stmt.column_count();
    stmt.query_map([], |r| {
        (0..columns)
            .map(|i| {
                r.get::<_, rusqlite::types::Value>(i)
                    .map(|v| format!("{v:?}"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|v| v.join("|"))
    })
    .expect("query")
    .collect::<Result<_, _>>()
    .expect("rows")
}

fn index_sql(store: &mut Store) -> Option<String> {
    store
        .connection()
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1",
            [BULK_LOAD_INDEX],
            |r| r.get(0),
        )
        .ok()
}

/// The pages a sync would store: the cohort's readings in pages of 200, then a page that
/// amends the newest reading of two citizens (a lower value, a new version) and one that
/// withdraws the newest reading of a third.
fn pages() -> Vec<PullBatch> {
    let cohort = vagt_cohort::generate(&spec());
    let measurements = cohort.measurements;
    let mut pages: Vec<PullBatch> = measurements
        .chunks(200)
        .map(|chunk| PullBatch {
            measurements: chunk.to_vec(),
            ..PullBatch::default()
        })
        .collect();
    let newest_of = |citizen: &str| -> IncomingMeasurement {
        measurements
            .iter()
            .filter(|m| m.citizen_id.as_str() == citizen)
            .max_by_key(|m| m.effective_at)
            .cloned()
            .expect("the citizen measured")
    };
    let citizens: Vec<String> = cohort
        .citizens
        .iter()
        .map(|c| c.id.as_str().to_owned())
        .collect();
    let amended: Vec<IncomingMeasurement> = citizens[..2]
        .iter()
        .map(|c| {
            let newest = newest_of(c);
            IncomingMeasurement {
                value: newest.value - 1.0,
                source: SourceRef {
                    id: newest.source.id.clone(),
                    version: "2".into(),
                },
                ..newest
            }
        })
        .collect();
    pages.push(PullBatch {
        measurements: amended,
        ..PullBatch::default()
    });
    pages.push(PullBatch {
        retractions: vec![newest_of(&citizens[2]).source.id],
        ..PullBatch::default()
    });
    pages
}

fn with_citizens(path: &std::path::Path) -> Store {
    let mut store = open(path);
    let cohort = vagt_cohort::generate(&spec());
    store
        .import_local(
            &Actor::system(),
            "demo",
            &cohort.citizens,
            Vec::new(),
            end(),
            &serde_json::json!({}),
        )
        .expect("citizens");
    store
}

fn store_pages(store: &mut Store, pages: Vec<PullBatch>) {
    for page in pages {
        store
            .apply_pull("srv", "Observation", page, None, end())
            .expect("page");
    }
}

/// What a nurse sees of a store, and what the rules made of it.
fn shown(store: &mut Store) -> Vec<Vec<String>> {
    vec![
        rows(
            store,
            "SELECT citizen_id, parameter, reading_id, value, effective_at FROM latest_readings
             ORDER BY citizen_id, parameter",
        ),
        rows(
            store,
            "SELECT id, citizen_id, value, status, is_current FROM readings ORDER BY id",
        ),
        rows(
            store,
            "SELECT citizen_id, level, kind, set_at FROM ecm_levels ORDER BY id",
        ),
        rows(
            store,
            "SELECT id, kind, priority, state FROM alarms ORDER BY id",
        ),
    ]
}

#[test]
fn a_bulk_load_ends_where_storing_reading_by_reading_ends() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut plain = with_citizens(&dir.path().join("plain.db"));
    let mut bulk = with_citizens(&dir.path().join("bulk.db"));
    let fresh_index = index_sql(&mut plain).expect("a fresh store has the index");

    assert!(bulk.begin_bulk_load("srv", end()).expect("begin"));
    assert!(
        !bulk.begin_bulk_load("srv", end()).expect("again"),
        "one bulk load at a time"
    );
    assert!(bulk.bulk_loading().expect("state"));
    assert_eq!(index_sql(&mut bulk), None, "the index is dropped");

    store_pages(&mut plain, pages());
    store_pages(&mut bulk, pages());

    // The rules wait: every citizen stays due, none is evaluated.
    let due = bulk.due_citizens(end()).expect("due");
    assert_eq!(due, spec().citizens);
    let waited = bulk.evaluate_due(end()).expect("evaluate");
    assert_eq!((waited.citizens, waited.deferred), (0, due));
    assert_eq!(bulk.due_citizens(end()).expect("due"), due);

    let ended = bulk
        .end_bulk_load(end())
        .expect("end")
        .expect("one was under way");
    assert_eq!(
        ended.stale_latest, 3,
        "the two amended pairs and the withdrawn one"
    );
    assert_eq!(ended.readings, plain.current_readings().expect("count"));
    assert!(!bulk.bulk_loading().expect("state"));
    assert_eq!(index_sql(&mut bulk).as_deref(), Some(fresh_index.as_str()));
    assert_eq!(bulk.end_bulk_load(end()).expect("end again"), None);

    plain.evaluate_due(end()).expect("evaluate");
    let evaluated = bulk.evaluate_due(end()).expect("evaluate");
    assert_eq!((evaluated.citizens, evaluated.deferred), (due, 0));
    assert_eq!(shown(&mut bulk), shown(&mut plain));
    assert!(
        !shown(&mut bulk)[3].is_empty(),
        "the cohort raises alarms, so the comparison compares some"
    );
    let audited: Vec<String> = bulk
        .audit_entries(50)
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("sync.bulk_load"))
        .collect();
    assert_eq!(audited, ["sync.bulk_load.end", "sync.bulk_load.begin"]);
}

/// Each step is one transaction: a crash in between leaves the load under way, the index
/// dropped, and the next end makes it.
#[test]
fn a_bulk_load_survives_a_crash_and_is_ended_by_the_next_process() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vagt.db");
    {
        let mut store = with_citizens(&path);
        store.begin_bulk_load("srv", end()).expect("begin");
        let mut pages = pages();
        pages.truncate(2);
        store_pages(&mut store, pages);
        // Dropped without ending: as a process that dies.
    }
    let mut store = open(&path);
    assert!(store.bulk_loading().expect("state"));
    assert_eq!(index_sql(&mut store), None);
    // The next process stores every page again, as a sync from its checkpoint would.
    store_pages(&mut store, pages());
    store.end_bulk_load(end()).expect("end").expect("under way");
    assert!(index_sql(&mut store).is_some());
    let mut plain = with_citizens(&dir.path().join("plain.db"));
    store_pages(&mut plain, pages());
    store.evaluate_due(end()).expect("evaluate");
    plain.evaluate_due(end()).expect("evaluate");
    assert_eq!(shown(&mut store), shown(&mut plain));
}

/// While the readings load, a read of one citizen's readings is refused with its reason
/// (without the index it would read every reading), and the worklist's rows still show.
#[test]
fn a_citizens_readings_are_refused_with_a_reason_while_a_bulk_load_lasts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = with_citizens(&dir.path().join("vagt.db"));
    store.begin_bulk_load("srv", end()).expect("begin");
    store_pages(&mut store, pages());
    let nurse = Actor("nurse".into());
    let citizen = vagt_cohort::generate(&spec()).citizens[0].id.clone();
    let from = end().plus_millis(-7 * 24 * 3_600_000);
    let refused = [
        store.readings(&nurse, &citizen, None, None).err(),
        store.trend_rows(&nurse, &citizen, from, end()).err(),
        store.news2(&nurse, &citizen, end()).err(),
        store.first_data_at(&citizen).err(),
    ];
    for error in &refused {
        assert_eq!(
            error.as_ref().map(vagt_store::StoreError::code),
            Some("bulk_load_under_way")
        );
    }
    assert_eq!(
        store.status().expect("status").readings,
        store.current_readings().expect("count")
    );
    assert!(store.status().expect("status").bulk_load);
    store.end_bulk_load(end()).expect("end");
    assert!(!store.status().expect("status").bulk_load);
    assert!(
        !store
            .readings(&nurse, &citizen, None, None)
            .expect("read once it ends")
            .is_empty()
    );
    store
        .trend_rows(&nurse, &citizen, from, end())
        .expect("read once it ends");
}

/// A bulk load whose pull never ends (a backend gone for good) does not keep the rules
/// waiting: after `BULK_LOAD_LONGEST_MS` the rules' clock (or the next sync run) ends it, and
/// the next evaluation evaluates everyone it deferred. An evaluation alone does not end it: it
/// runs on a nurse's action too, and making the index takes a while.
#[test]
fn the_rules_wait_for_a_bulk_load_an_hour_at_most() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = with_citizens(&dir.path().join("vagt.db"));
    let began = end();
    store.begin_bulk_load("srv", began).expect("begin");
    store_pages(&mut store, pages());
    let within = began.plus_millis(vagt_store::BULK_LOAD_LONGEST_MS);
    assert_eq!(store.end_overdue_bulk_load(within).expect("not yet"), None);
    assert_eq!(store.evaluate_due(within).expect("evaluate").citizens, 0);
    let after = within.plus_millis(1);
    assert_eq!(store.evaluate_due(after).expect("evaluate").citizens, 0);
    assert!(store.bulk_loading().expect("state"));
    assert!(
        store
            .end_overdue_bulk_load(after)
            .expect("overdue")
            .is_some()
    );
    let evaluated = store.evaluate_due(after).expect("evaluate");
    assert_eq!(
        (evaluated.citizens, evaluated.deferred),
        (spec().citizens, 0)
    );
    assert!(!store.bulk_loading().expect("state"));
    assert!(index_sql(&mut store).is_some());
}

#[test]
fn a_bulk_load_may_not_begin_inside_held_pulls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = with_citizens(&dir.path().join("vagt.db"));
    store.hold_pulls().expect("hold");
    assert!(store.begin_bulk_load("srv", end()).is_err());
    store.commit_pulls().expect("commit");
    assert!(store.begin_bulk_load("srv", end()).expect("begin"));
}
