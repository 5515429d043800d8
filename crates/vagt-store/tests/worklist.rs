//! The worklist's summary kept on write: whatever path changes readings (a load, a new version,
//! a withdrawal), `latest_readings` holds what a search of every reading would find, and the
//! worklist shows it.

mod common;

use common::{cid, load_demo};
use vagt_cohort::CohortSpec;
use vagt_core::reading::{IncomingMeasurement, SourceRef};
use vagt_core::time_util::MILLIS_PER_DAY;
use vagt_core::{Parameter, Timestamp};
use vagt_store::{Actor, DbKey, OpenMode, PullBatch, Store};

fn store(dir: &std::path::Path) -> Store {
    let key = DbKey::from_hex(&"3c".repeat(32)).expect("hex");
    Store::open_with_key(&dir.join("worklist.db"), &key, OpenMode::CreateIfMissing).expect("store")
}

fn end() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-30T12:00:00Z").expect("valid")
}

type Latest = Vec<(String, String, i64, f64, i64)>;

fn kept(store: &mut Store) -> Latest {
    store
        .connection()
        .prepare(
            "SELECT citizen_id, parameter, reading_id, value, effective_at FROM latest_readings
             ORDER BY citizen_id, parameter",
        )
        .expect("prepare")
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// The newest current reading of each citizen and parameter, searched the slow way.
fn searched(store: &mut Store) -> Latest {
    store
        .connection()
        .prepare(
            "SELECT citizen_id, parameter, id, value, effective_at FROM (
                 SELECT citizen_id, parameter, id, value, effective_at,
                        row_number() OVER (PARTITION BY citizen_id, parameter
                                           ORDER BY effective_at DESC, id DESC) AS newest
                 FROM readings WHERE is_current = 1 AND status <> 'entered_in_error')
             WHERE newest = 1 ORDER BY citizen_id, parameter",
        )
        .expect("prepare")
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// The summaries kept on write equal what a search of every reading finds, and the whole
/// worklist (which reads them packed, one row per citizen) shows them.
fn assert_kept(store: &mut Store, when: &str) {
    assert_eq!(kept(store), searched(store), "latest readings {when}");
    let mut shown: Vec<(String, String, f64, i64)> = store
        .citizen_summaries_at(&Actor::system(), end())
        .expect("list")
        .into_iter()
        .flat_map(|row| {
            row.latest
                .into_iter()
                .map(move |(p, l)| {
                    let id = row.id.as_str().to_owned();
                    (id, p.code().to_owned(), l.value, l.effective_at.millis())
                })
                .collect::<Vec<_>>()
        })
        .collect();
    shown.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let expected: Vec<(String, String, f64, i64)> = kept(store)
        .into_iter()
        .map(|(c, p, _, v, at)| (c, p, v, at))
        .collect();
    assert_eq!(shown, expected, "the whole worklist {when}");
    let counted: i64 = store
        .connection()
        .query_row(
            "SELECT count(*) FROM readings WHERE is_current = 1",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(
        store.status().expect("status").readings,
        counted,
        "count {when}"
    );
}

fn pull(store: &mut Store, batch: PullBatch) {
    store
        .apply_pull("srv", "Observation", batch, None, end())
        .expect("pull");
}

fn spo2(citizen: &str, id: &str, version: &str, value: f64, at: Timestamp) -> IncomingMeasurement {
    IncomingMeasurement {
        citizen_id: cid(citizen),
        parameter: Parameter::Spo2,
        value,
        unit: "%".into(),
        effective_at: at,
        source: SourceRef {
            id: id.into(),
            version: version.into(),
        },
    }
}

#[test]
fn the_latest_readings_follow_every_change_of_readings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    let spec = CohortSpec {
        seed: 8,
        citizens: 12,
        days: 20,
        end: end(),
    };
    load_demo(&mut store, &Actor::system(), &spec).expect("demo");
    assert!(
        kept(&mut store).len() > 12 * 3,
        "every citizen has several parameters"
    );
    assert_kept(&mut store, "after the load");

    let list = store
        .citizen_summaries_at(&Actor::system(), end())
        .expect("list");
    let who = list[0].id.clone();
    let shown = list[0].latest[&Parameter::Spo2].clone();

    // A newer reading replaces it; an older one arriving late does not.
    let later = shown.effective_at.plus_millis(60_000);
    let earlier = shown.effective_at.plus_millis(-3 * MILLIS_PER_DAY);
    pull(
        &mut store,
        PullBatch {
            measurements: vec![
                spo2(who.as_str(), "srv|Observation/new", "1", 88.0, later),
                spo2(who.as_str(), "srv|Observation/late", "1", 99.0, earlier),
            ],
            ..PullBatch::default()
        },
    );
    assert_kept(&mut store, "after new readings");
    let row = |store: &mut Store| {
        store
            .citizen_summaries_of(&Actor::system(), std::slice::from_ref(&who), end())
            .expect("row")
            .remove(0)
            .latest[&Parameter::Spo2]
            .clone()
    };
    assert_eq!(
        (row(&mut store).value, row(&mut store).effective_at),
        (88.0, later)
    );

    // A new version of it changes the value shown.
    pull(
        &mut store,
        PullBatch {
            measurements: vec![spo2(who.as_str(), "srv|Observation/new", "2", 90.0, later)],
            ..PullBatch::default()
        },
    );
    assert_eq!(
        kept(&mut store),
        searched(&mut store),
        "after a new version"
    );
    assert_eq!(row(&mut store).value, 90.0);

    // Withdrawn, the one before it is shown again.
    pull(
        &mut store,
        PullBatch {
            retractions: vec!["srv|Observation/new".into()],
            ..PullBatch::default()
        },
    );
    assert_kept(&mut store, "after a withdrawal");
    assert_eq!(row(&mut store), shown);

    // Every reading of the citizen gone: no latest reading is shown for them at all.
    store
        .connection()
        .execute("DELETE FROM readings WHERE citizen_id = ?1", [who.as_str()])
        .expect("deleted");
    assert_kept(&mut store, "after every reading of a citizen is gone");
    let list = store
        .citizen_summaries_at(&Actor::system(), end())
        .expect("list");
    let gone = list.iter().find(|r| r.id == who).expect("still a citizen");
    assert!(gone.latest.is_empty() && gone.last_reading_at.is_none());
}

/// The list read whole merges each table's rows into the right citizen: every row holds what
/// that citizen's own reads find (alarms, diagnoses, latest readings, decisions), the list is
/// in name order (two of one name by id), and each row equals the row read alone.
#[test]
fn every_row_holds_its_own_citizens_data_in_name_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    let actor = Actor::system();
    let spec = CohortSpec {
        seed: 9,
        citizens: 40,
        days: 20,
        end: end(),
    };
    load_demo(&mut store, &actor, &spec).expect("demo");
    // A namesake who sorts first by id, a namesake who sorts last, each with nothing else.
    let first = store.citizen_summaries_at(&actor, end()).expect("list")[0].clone();
    for id in ["0-namesake", "zz-namesake"] {
        store
            .upsert_citizen(
                &actor,
                &vagt_core::Citizen {
                    id: cid(id),
                    name: first.name.clone(),
                    birth_date: None,
                    diagnoses: vec![],
                    phone: None,
                    address: None,
                },
            )
            .expect("citizen");
    }
    let decided = store.citizen_summaries_at(&actor, end()).expect("list")[7]
        .id
        .clone();
    let level = vagt_core::EcmLevel::new(4).expect("level");
    store
        .confirm_level(&decided, level, &actor, "vurderet", end())
        .expect("confirm");

    // Two open dispatches: the one requested last is the one shown.
    use vagt_core::dispatch::{DispatchChange, DispatchState, DispatchUrgency};
    let first_dispatch = store
        .request_dispatch(
            &actor,
            &decided,
            DispatchUrgency::Urgent,
            "KOL, åndenød",
            None,
            end().plus_millis(60_000),
        )
        .expect("dispatch");
    store
        .change_dispatch(
            &actor,
            &first_dispatch.dispatch.key,
            DispatchChange::State {
                to: DispatchState::EnRoute,
                outcome: None,
                note: String::new(),
            },
            end().plus_millis(90_000),
        )
        .expect("en route");
    store
        .request_dispatch(
            &actor,
            &decided,
            DispatchUrgency::Planned,
            "opfølgning",
            None,
            end().plus_millis(120_000),
        )
        .expect("second dispatch");

    let list = store.citizen_summaries_at(&actor, end()).expect("list");
    assert_eq!(list.len(), 42);
    for pair in list.windows(2) {
        let key = |c: &vagt_store::CitizenSummary| (c.name.clone(), c.id.as_str().to_owned());
        assert!(
            key(&pair[0]) < key(&pair[1]),
            "{:?}",
            (key(&pair[0]), key(&pair[1]))
        );
    }
    let namesakes: Vec<&str> = list
        .iter()
        .filter(|c| c.name == first.name)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(namesakes.first(), Some(&"0-namesake"));
    assert_eq!(namesakes.last(), Some(&"zz-namesake"));
    // Read a page at a time, however small, the list is the same rows in the same order: a
    // page that ends among namesakes goes on with the next of them.
    // 42 rows: pages of 21 end exactly full, of 0 are pages of one.
    for limit in [0, 1, 5, 21, 41, 42, 100] {
        assert_eq!(paged(&mut store, limit, end()), list, "pages of {limit}");
    }
    // Each page is an access of its own, saying how many rows it held and after whom.
    paged(&mut store, 41, end());
    let audited: Vec<_> = store
        .audit_entries(2)
        .expect("audit")
        .into_iter()
        .map(|e| (e.action, e.detail))
        .collect();
    assert_eq!(
        audited,
        [
            (
                "citizens.list".to_owned(),
                Some(serde_json::json!({ "page_rows": 1, "after_id": list[40].id.as_str() }))
            ),
            (
                "citizens.list".to_owned(),
                Some(serde_json::json!({ "page_rows": 41, "after_id": null }))
            ),
        ]
    );

    let open = store
        .alarms(vagt_store::AlarmFilter::Open, &actor, end())
        .expect("alarms");
    assert!(open.len() > 5, "the cohort raises alarms");
    let latest = kept(&mut store);
    assert!(list.iter().filter(|c| c.open_alarms > 0).count() > 1);
    for row in &list {
        let own: Vec<_> = open.iter().filter(|a| a.citizen_id == row.id).collect();
        assert_eq!(row.open_alarms, own.len() as i64, "{}", row.id);
        assert_eq!(
            row.top_alarm_priority,
            own.iter().map(|a| a.priority).max(),
            "{}",
            row.id
        );
        let citizen = store.citizen(&actor, &row.id).expect("citizen");
        assert_eq!(row.diagnoses, citizen.diagnoses, "{}", row.id);
        let own_latest: Vec<(String, f64, i64)> = latest
            .iter()
            .filter(|l| l.0 == row.id.as_str())
            .map(|l| (l.1.clone(), l.3, l.4))
            .collect();
        let mut shown: Vec<(String, f64, i64)> = row
            .latest
            .iter()
            .map(|(p, l)| (p.code().to_owned(), l.value, l.effective_at.millis()))
            .collect();
        shown.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(shown, own_latest, "{}", row.id);
        assert_eq!(
            row.last_reading_at.map(|t| t.millis()),
            own_latest.iter().map(|l| l.2).max()
        );
        let expected_level = (row.id == decided).then_some(level);
        assert_eq!(row.confirmed_level, expected_level, "{}", row.id);
        let expected_dispatch = (row.id == decided).then_some(DispatchState::Requested);
        assert_eq!(row.open_dispatch, expected_dispatch, "{}", row.id);
        let alone = store
            .citizen_summaries_of(&actor, std::slice::from_ref(&row.id), end())
            .expect("row");
        assert_eq!(alone.as_slice(), std::slice::from_ref(row));
    }
}

/// The whole list read a page of `limit` rows at a time: every page full but the last, and the
/// last empty only when the list is.
fn paged(store: &mut Store, limit: usize, now: Timestamp) -> Vec<vagt_store::CitizenSummary> {
    let actor = Actor::system();
    let full = limit.max(1);
    let mut rows = Vec::new();
    let mut after = None;
    for _ in 0..10_000 {
        let page = store
            .citizen_summaries_page_at(&actor, after.as_ref(), limit, now)
            .expect("page");
        let count = page.rows.len();
        let first = rows.is_empty();
        rows.extend(page.rows);
        match page.next {
            Some(next) => {
                assert_eq!(count, full, "a page before the last is full");
                after = Some(next);
            }
            None => {
                assert!(
                    count <= full && (count > 0 || first),
                    "the last page: {count} rows"
                );
                return rows;
            }
        }
    }
    panic!("pages of {limit} never ended");
}

/// The whole list is every citizen's row read alone, as of the same moment, and its pages.
fn assert_whole_list_is_its_rows(store: &mut Store, now: Timestamp, when: &str) {
    let actor = Actor::system();
    let ids: Vec<vagt_core::CitizenId> = store
        .connection()
        .prepare("SELECT id FROM citizens")
        .expect("prepare")
        .query_map([], |r| r.get::<_, String>(0))
        .expect("query")
        .map(|id| cid(&id.expect("id")))
        .collect();
    let whole = store.citizen_summaries_at(&actor, now).expect("list");
    let alone = store.citizen_summaries_of(&actor, &ids, now).expect("rows");
    assert_eq!(whole.len(), ids.len(), "every citizen {when}");
    assert_eq!(whole, alone, "{when}");
    assert_eq!(paged(store, 2, now), whole, "in pages {when}");
}

/// The whole list keeps one row per citizen, made again when something it shows changes: after
/// each kind of change (a citizen's details and diagnoses, new readings, an evaluation, a
/// nurse's level, an acknowledgement, a dispatch) it equals the rows read from the tables
/// themselves, and a NEWS2 leaves it when it grows old, as of the moment read.
#[test]
fn the_whole_list_follows_every_change_a_row_shows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    let actor = Actor::system();
    let spec = CohortSpec {
        seed: 11,
        citizens: 30,
        days: 20,
        end: end(),
    };
    load_demo(&mut store, &actor, &spec).expect("demo");
    assert_whole_list_is_its_rows(&mut store, end(), "after the load");
    let list = store.citizen_summaries_at(&actor, end()).expect("list");
    assert!(
        list.iter().any(|c| c.news2.is_some()),
        "the cohort has NEWS2"
    );

    // Renamed to sort last, with other diagnoses and a phone number.
    let renamed = list[0].id.clone();
    store
        .upsert_citizen(
            &actor,
            &vagt_core::Citizen {
                id: renamed.clone(),
                name: "Åse Østergård".into(),
                birth_date: list[0].birth_date.clone(),
                diagnoses: vec![vagt_core::Diagnosis::Diabetes],
                phone: Some("+4512345678".into()),
                address: None,
            },
        )
        .expect("renamed");
    assert_whole_list_is_its_rows(&mut store, end(), "after a citizen changed");
    let list = store.citizen_summaries_at(&actor, end()).expect("list");
    let last = list.last().expect("rows");
    assert_eq!(
        (&last.id, last.diagnoses.as_slice()),
        (&renamed, [vagt_core::Diagnosis::Diabetes].as_slice())
    );

    // A low saturation arrives and is evaluated: new latest reading, level and alarms.
    let low = list[3].id.clone();
    let at = end().plus_millis(60_000);
    pull(
        &mut store,
        PullBatch {
            measurements: vec![spo2(low.as_str(), "srv|Observation/low", "1", 82.0, at)],
            ..PullBatch::default()
        },
    );
    assert_whole_list_is_its_rows(&mut store, at, "after a new reading");
    store
        .evaluate_citizens(&[low.clone()].into(), at)
        .expect("evaluated");
    assert_whole_list_is_its_rows(&mut store, at, "after its evaluation");
    let row = |store: &mut Store, id: &vagt_core::CitizenId| {
        store
            .citizen_summaries_at(&actor, at)
            .expect("list")
            .into_iter()
            .find(|c| &c.id == id)
            .expect("row")
    };
    let alarmed = row(&mut store, &low);
    assert!(
        alarmed.open_alarms > 0,
        "the low saturation raised an alarm"
    );
    // Evaluated again to the same result: nothing a row shows changed, so no row is stale.
    store
        .evaluate_citizens(&[low.clone()].into(), at)
        .expect("evaluated again");
    let stale: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM worklist_stale", [], |r| r.get(0))
        .expect("stale");
    assert_eq!(stale, 0, "a rewrite of the same values");

    // A nurse confirms a level and acknowledges the alarms; a MAS nurse is sent.
    store
        .confirm_level(
            &low,
            vagt_core::EcmLevel::new(5).expect("level"),
            &actor,
            "vurderet",
            at,
        )
        .expect("confirmed");
    assert_whole_list_is_its_rows(&mut store, at, "after a confirmed level");
    for alarm in store
        .alarms(vagt_store::AlarmFilter::Open, &actor, at)
        .expect("alarms")
        .into_iter()
        .filter(|a| a.citizen_id == low)
    {
        store
            .acknowledge_alarm(&alarm.id, &actor, None, at)
            .expect("acknowledged");
    }
    assert_whole_list_is_its_rows(&mut store, at, "after acknowledgements");
    assert_eq!(row(&mut store, &low).open_alarms, 0);
    use vagt_core::dispatch::DispatchUrgency;
    store
        .request_dispatch(&actor, &low, DispatchUrgency::Urgent, "KOL", None, at)
        .expect("dispatch");
    assert_whole_list_is_its_rows(&mut store, at, "after a dispatch");
    assert!(row(&mut store, &low).open_dispatch.is_some());

    // Eight days on, no full set is recent enough for a NEWS2, with nothing written since.
    let later = at.plus_millis(8 * MILLIS_PER_DAY);
    assert_whole_list_is_its_rows(&mut store, later, "a week on");
    let list = store.citizen_summaries_at(&actor, later).expect("list");
    assert!(list.iter().all(|c| c.news2.is_none()));
}

/// Whether the citizen's row is listed stale.
fn is_stale(store: &mut Store, citizen: &str) -> bool {
    store
        .connection()
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM worklist_stale WHERE citizen_id = ?1)",
            [citizen],
            |r| r.get(0),
        )
        .expect("stale")
}

/// Every trigger alone: each change below is the only write of its step, so only its trigger
/// can mark the citizen. It must mark the row it changes (or leave it, where the row shows the
/// same as before), and the whole list read after it must equal the rows read alone.
#[test]
fn each_change_a_row_shows_marks_it_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    let actor = Actor::system();
    let spec = CohortSpec {
        seed: 12,
        citizens: 12,
        days: 20,
        end: end(),
    };
    load_demo(&mut store, &actor, &spec).expect("demo");
    let list = store.citizen_summaries_at(&actor, end()).expect("list");
    let who = list
        .iter()
        .find(|c| c.open_alarms > 0 && c.news2.is_some() && !c.latest.is_empty())
        .expect("a citizen with alarms, NEWS2 and readings")
        .id
        .as_str()
        .to_owned();
    type Change = Box<dyn Fn(&mut Store, &str)>;
    let sql = |statement: &'static str| -> Change {
        Box::new(move |store: &mut Store, who: &str| {
            store
                .connection()
                .execute(statement, [who])
                .expect(statement);
        })
    };
    let steps: Vec<(&str, Change, bool)> = vec![
        (
            "a phone number",
            sql("UPDATE citizens SET phone = '+45 11 22 33 44' WHERE id = ?1"),
            true,
        ),
        (
            "the same phone number",
            sql("UPDATE citizens SET phone = '+45 11 22 33 44' WHERE id = ?1"),
            false,
        ),
        (
            "diagnoses removed",
            sql("DELETE FROM citizen_diagnoses WHERE citizen_id = ?1"),
            true,
        ),
        (
            "a diagnosis added",
            sql("INSERT INTO citizen_diagnoses (citizen_id, diagnosis) VALUES (?1, 'copd')"),
            true,
        ),
        (
            "a diagnosis changed",
            sql("UPDATE citizen_diagnoses SET diagnosis = 'diabetes' WHERE citizen_id = ?1"),
            true,
        ),
        (
            "a latest reading changed",
            sql("UPDATE latest_readings SET value = value + 1 WHERE citizen_id = ?1"),
            true,
        ),
        (
            "the latest readings gone",
            sql("DELETE FROM latest_readings WHERE citizen_id = ?1"),
            true,
        ),
        (
            "a latest reading added",
            sql("INSERT INTO latest_readings (citizen_id, parameter, reading_id, value, effective_at)
                 VALUES (?1, 'crp', 0, 5.0, 1764500000000)"),
            true,
        ),
        (
            "only the next evaluation's time",
            sql("UPDATE citizen_evaluations SET next_due_at = 1 WHERE citizen_id = ?1"),
            false,
        ),
        (
            "the suggested level",
            sql("UPDATE citizen_evaluations
                 SET suggested_level = CASE WHEN suggested_level IS 6 THEN 5 ELSE 6 END
                 WHERE citizen_id = ?1"),
            true,
        ),
        (
            "the NEWS2's start",
            sql("UPDATE citizen_evaluations SET news2_from = news2_from - 1 WHERE citizen_id = ?1"),
            true,
        ),
        (
            "the evaluation gone",
            sql("DELETE FROM citizen_evaluations WHERE citizen_id = ?1"),
            true,
        ),
        (
            "an evaluation added",
            sql("INSERT INTO citizen_evaluations (citizen_id, suggested_level) VALUES (?1, 3)"),
            true,
        ),
        (
            "a suggested level recorded",
            sql("INSERT INTO ecm_levels (citizen_id, level, kind, set_at)
                 VALUES (?1, 2, 'suggested', 1)"),
            false,
        ),
        (
            "a nurse's level added",
            sql("INSERT INTO ecm_levels (citizen_id, level, kind, set_at)
                 VALUES (?1, 4, 'confirmed', 1)"),
            true,
        ),
        (
            "a nurse's level changed",
            sql("UPDATE ecm_levels SET level = 5 WHERE citizen_id = ?1 AND kind = 'confirmed'"),
            true,
        ),
        (
            "a nurse's level removed",
            sql("DELETE FROM ecm_levels WHERE citizen_id = ?1 AND kind = 'confirmed'"),
            true,
        ),
        (
            "an open alarm's priority",
            sql("UPDATE alarms SET priority = CASE priority WHEN 'high' THEN 'low' ELSE 'high' END
                 WHERE citizen_id = ?1 AND state = 'open'"),
            true,
        ),
        (
            "an alarm acknowledged",
            Box::new(move |store: &mut Store, who: &str| {
                let alarm = store
                    .alarms(vagt_store::AlarmFilter::Open, &Actor::system(), end())
                    .expect("alarms")
                    .into_iter()
                    .find(|a| a.citizen_id.as_str() == who)
                    .expect("an open alarm");
                store
                    .acknowledge_alarm(&alarm.id, &Actor::system(), None, end())
                    .expect("acknowledged");
            }),
            true,
        ),
        (
            "the open alarms gone",
            sql("DELETE FROM alarms WHERE citizen_id = ?1 AND state = 'open'"),
            true,
        ),
        (
            "a dispatch requested",
            Box::new(|store: &mut Store, who: &str| {
                use vagt_core::dispatch::DispatchUrgency;
                store
                    .request_dispatch(
                        &Actor::system(),
                        &cid(who),
                        DispatchUrgency::Urgent,
                        "KOL",
                        None,
                        end(),
                    )
                    .expect("dispatch");
            }),
            true,
        ),
        (
            "a dispatch's state rewritten as it was",
            sql("UPDATE dispatches SET state = state WHERE citizen_id = ?1"),
            false,
        ),
        (
            "a dispatch completed",
            sql("UPDATE dispatches SET state = 'completed' WHERE citizen_id = ?1"),
            true,
        ),
        (
            "the dispatches gone",
            Box::new(|store: &mut Store, who: &str| {
                let conn = store.connection();
                conn.execute(
                    "DELETE FROM dispatch_steps WHERE dispatch_key IN
                     (SELECT key FROM dispatches WHERE citizen_id = ?1)",
                    [who],
                )
                .expect("steps");
                conn.execute("DELETE FROM worklist_stale", [])
                    .expect("cleared");
                conn.execute("DELETE FROM dispatches WHERE citizen_id = ?1", [who])
                    .expect("dispatches");
            }),
            true,
        ),
    ];
    for (what, change, marks) in steps {
        store
            .citizen_summaries_at(&actor, end())
            .expect("every row made");
        assert!(!is_stale(&mut store, &who), "none stale before: {what}");
        change(&mut store, &who);
        assert_eq!(is_stale(&mut store, &who), marks, "{what}");
        assert_whole_list_is_its_rows(&mut store, end(), what);
    }

    // A citizen added, then removed (their evaluation row first: it refers to them).
    let added = "0-added";
    store
        .connection()
        .execute(
            "INSERT INTO citizens (id, name, created_at, updated_at)
             VALUES (?1, 'Ny Borger', 0, 0)",
            [added],
        )
        .expect("added");
    assert!(is_stale(&mut store, added), "a citizen added");
    assert_whole_list_is_its_rows(&mut store, end(), "a citizen added");
    store
        .connection()
        .execute_batch(
            "DELETE FROM citizen_evaluations WHERE citizen_id = '0-added';
             DELETE FROM worklist_stale;
             DELETE FROM citizens WHERE id = '0-added';",
        )
        .expect("removed");
    assert!(is_stale(&mut store, added), "a citizen removed");
    assert_whole_list_is_its_rows(&mut store, end(), "a citizen removed");
    let list = store.citizen_summaries_at(&actor, end()).expect("list");
    assert!(list.iter().all(|c| c.id.as_str() != added));
}
