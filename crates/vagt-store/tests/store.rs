//! The store against real SQLCipher files in a temporary directory.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use vagt_cohort::CohortSpec;
use vagt_core::{
    Citizen, CitizenId, Diagnosis, IncomingMeasurement, Parameter, SourceRef, Timestamp,
};
use vagt_secrets::{MemorySecrets, SecretStore};
use vagt_store::migrate::{self, Migrations, Outcome};
use vagt_store::{Actor, DbKey, KeySource, OpenMode, PageHmac, Store, StoreError};

/// The test key's 64 hex digits: `DbKey::from_hex`'s input, and SQLCipher's raw key as a
/// connection opened without the store is given it.
fn test_key_hex() -> String {
    "ab".repeat(32)
}

fn test_key() -> DbKey {
    DbKey::from_hex(&test_key_hex()).expect("64 hex digits")
}

fn new_store(dir: &Path) -> (Store, PathBuf) {
    let path = dir.join("vagt.db");
    let store =
        Store::open_with_key(&path, &test_key(), OpenMode::CreateIfMissing).expect("create");
    (store, path)
}

fn nurse() -> Actor {
    Actor("nurse-anna".into())
}

fn citizen(id: &str) -> Citizen {
    Citizen {
        id: CitizenId::new(id).expect("valid"),
        name: format!("Test {id}"),
        birth_date: None,
        diagnoses: vec![Diagnosis::Copd],
        phone: None,
        address: None,
    }
}

fn measurement(
    citizen: &str,
    parameter: Parameter,
    value: f64,
    unit: &str,
    source: &str,
    version: &str,
) -> IncomingMeasurement {
    IncomingMeasurement {
        citizen_id: CitizenId::new(citizen).expect("valid"),
        parameter,
        value,
        unit: unit.into(),
        effective_at: Timestamp::parse_rfc3339("2026-11-20T08:00:00Z").expect("valid"),
        source: SourceRef {
            id: source.into(),
            version: version.into(),
        },
    }
}

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-22T12:00:00Z").expect("valid")
}

#[test]
fn fresh_database_gets_the_whole_schema_with_strict_tables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut store, _) = new_store(dir.path());
    assert_eq!(
        store.schema_version().expect("version"),
        migrate::CURRENT.version
    );
    let conn = store.connection();
    let tables: Vec<(String, String)> = conn
        .prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    for required in [
        "citizens",
        "readings",
        "rejected_input",
        "ecm_levels",
        "triage_plan_revisions",
        "alarms",
        "calls",
        "form_drafts",
        "dispatches",
        "outbox",
        "sync_checkpoints",
        "users",
        "audit_log",
    ] {
        let (_, sql) = tables
            .iter()
            .find(|(n, _)| n == required)
            .unwrap_or_else(|| panic!("table {required} missing"));
        assert!(sql.contains("STRICT"), "{required} is not STRICT");
    }
    let fk: i64 = conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .expect("pragma");
    let journal: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .expect("pragma");
    assert_eq!((fk, journal.as_str()), (1, "wal"));
}

#[test]
fn file_on_disk_is_encrypted_and_unreadable_without_its_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut store, path) = new_store(dir.path());
    store
        .upsert_citizen(&nurse(), &citizen("secret-citizen"))
        .expect("insert");
    drop(store);

    let bytes = std::fs::read(&path).expect("read file");
    assert!(
        !bytes.starts_with(b"SQLite format 3"),
        "plain SQLite header on disk"
    );
    assert!(
        !bytes.windows(14).any(|w| w == b"secret-citizen"),
        "plaintext in the file"
    );

    let wrong = DbKey::from_hex(&"cd".repeat(32)).expect("hex");
    let err = Store::open_with_key(&path, &wrong, OpenMode::Existing).expect_err("wrong key");
    assert!(matches!(err, StoreError::CannotDecrypt { .. }), "{err}");
    // A copy on another machine, opened with a passphrase guess, is just as unreadable.
    let copy = dir.path().join("copy.db");
    std::fs::copy(&path, &copy).expect("copy");
    let err = Store::open_with_key(&copy, &DbKey::from_passphrase("vagt"), OpenMode::Existing)
        .expect_err("no key");
    assert!(matches!(err, StoreError::CannotDecrypt { .. }), "{err}");
    // And with the right key the copy opens.
    Store::open_with_key(&copy, &test_key(), OpenMode::Existing).expect("right key opens the copy");
}

/// Whether `path` reads with the test key and SQLCipher's page check `hmac`, opened raw.
fn reads_with_page_check(path: &Path, hmac: &str) -> bool {
    let conn = rusqlite::Connection::open(path).expect("open");
    let _ = conn.pragma_update(None, "cipher_log_level", "NONE");
    conn.pragma_update(None, "key", format!("x'{}'", test_key_hex()))
        .expect("key");
    conn.pragma_update(None, "cipher_hmac_algorithm", hmac)
        .expect("hmac");
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .is_ok()
}

#[test]
fn new_databases_take_this_processors_page_check_and_others_still_open() {
    let here = PageHmac::for_this_processor();
    let other = here.other();
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("sha") {
        assert_eq!(
            here,
            PageHmac::Sha256,
            "SHA instructions make SHA-256 the faster"
        );
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut store, path) = new_store(dir.path());
    store
        .upsert_citizen(&nurse(), &citizen("c-new"))
        .expect("insert");
    drop(store);
    assert!(reads_with_page_check(&path, here.pragma_value()));
    assert!(!reads_with_page_check(&path, other.pragma_value()));

    // A database whose pages carry the other check: SQLCipher 4's default, SHA-512, for every
    // database made before, or one made on another kind of processor.
    let older = dir.path().join("older.db");
    {
        let mut conn = rusqlite::Connection::open(&older).expect("open");
        conn.pragma_update(None, "key", format!("x'{}'", test_key_hex()))
            .expect("key");
        conn.pragma_update(None, "cipher_hmac_algorithm", other.pragma_value())
            .expect("hmac");
        assert_eq!(
            migrate::migrate(&mut conn, &migrate::CURRENT).expect("schema"),
            Outcome::Created
        );
    }
    let mut first =
        Store::open_with_key(&older, &test_key(), OpenMode::Existing).expect("it opens");
    first
        .upsert_citizen(&nurse(), &citizen("c-older"))
        .expect("insert into it");
    // A second connection while the first is open and its write still in the log (the app's
    // and the sync's): the fallback neither fails on nor disturbs it.
    let mut second =
        Store::open_with_key(&older, &test_key(), OpenMode::Existing).expect("opens again");
    let read_back = second
        .citizen(&nurse(), &CitizenId::new("c-older").expect("id"))
        .expect("what was written is read back");
    assert_eq!(read_back.name, "Test c-older");
    first
        .upsert_citizen(&nurse(), &citizen("c-older-2"))
        .expect("the first connection still writes");
    second
        .citizen(&nurse(), &CitizenId::new("c-older-2").expect("id"))
        .expect("and the second reads it");
    drop((first, second));
    assert!(
        reads_with_page_check(&older, other.pragma_value())
            && !reads_with_page_check(&older, here.pragma_value()),
        "it keeps the check it was made with"
    );
    let wrong = DbKey::from_hex(&"cd".repeat(32)).expect("hex");
    let err = Store::open_with_key(&older, &wrong, OpenMode::Existing).expect_err("wrong key");
    assert!(matches!(err, StoreError::CannotDecrypt { .. }), "{err}");
}

#[test]
fn keyring_key_source_creates_stores_and_finds_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("k.db");
    let secrets = MemorySecrets::default();
    let keys = KeySource::Keyring(&secrets);
    let err = Store::open(&path, &keys, OpenMode::Existing).expect_err("missing");
    assert!(matches!(err, StoreError::NotFound { .. }));
    drop(Store::open(&path, &keys, OpenMode::CreateIfMissing).expect("create"));
    let stored = secrets
        .get(&KeySource::account_for(&path))
        .expect("get")
        .expect("key stored");
    assert_eq!(stored.len(), 64, "a 256-bit key in hex");
    Store::open(&path, &keys, OpenMode::Existing).expect("reopen with the stored key");

    // The same file under another machine's keyring: no key, clear error.
    let other_machine = MemorySecrets::default();
    let err = Store::open(
        &path,
        &KeySource::Keyring(&other_machine),
        OpenMode::Existing,
    )
    .expect_err("no key");
    assert!(matches!(err, StoreError::NoKeyForDatabase { .. }), "{err}");
    // No keyring at all: the error says what to do.
    let none = MemorySecrets::unavailable();
    let err = Store::open(
        &dir.path().join("new.db"),
        &KeySource::Keyring(&none),
        OpenMode::CreateIfMissing,
    )
    .expect_err("unavailable");
    assert!(err.to_string().contains("--throwaway-key"), "{err}");
    assert!(
        !dir.path().join("new.db").exists(),
        "no database without a key"
    );
}

#[test]
fn replayed_readings_are_stored_once_and_corrections_supersede() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut store, _) = new_store(dir.path());
    store
        .upsert_citizen(&nurse(), &citizen("c1"))
        .expect("citizen");
    let batch = vec![
        measurement(
            "c1",
            Parameter::Pulse,
            72.0,
            "/min",
            "srv|Observation/1",
            "1",
        ),
        measurement("c1", Parameter::Spo2, 93.0, "%", "srv|Observation/2", "1"),
    ];
    let first = store
        .ingest(&Actor::system(), "test", batch.clone(), now())
        .expect("ingest");
    assert_eq!((first.accepted, first.duplicates), (2, 0));
    let again = store
        .ingest(&Actor::system(), "test", batch, now())
        .expect("replay");
    assert_eq!((again.accepted, again.duplicates), (0, 2));
    assert_eq!(store.status().expect("status").readings, 2);

    // Version 3 arrives, then a late version 2: 3 stays the one that counts.
    let v3 = measurement(
        "c1",
        Parameter::Pulse,
        80.0,
        "/min",
        "srv|Observation/1",
        "3",
    );
    let v2 = measurement(
        "c1",
        Parameter::Pulse,
        76.0,
        "/min",
        "srv|Observation/1",
        "2",
    );
    store
        .ingest(&Actor::system(), "test", vec![v3, v2], now())
        .expect("corrections");
    let pulses = store
        .readings(
            &nurse(),
            &CitizenId::new("c1").expect("id"),
            Some(Parameter::Pulse),
            None,
        )
        .expect("readings");
    assert_eq!(pulses.len(), 1, "one current version: {pulses:?}");
    assert_eq!(
        (pulses[0].value, pulses[0].source_version.as_str()),
        (80.0, "3")
    );
}

#[test]
fn units_are_converted_at_the_edge() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut store, _) = new_store(dir.path());
    store
        .upsert_citizen(&nurse(), &citizen("c1"))
        .expect("citizen");
    store
        .ingest(
            &Actor::system(),
            "test",
            vec![
                measurement("c1", Parameter::Weight, 176.0, "[lb_av]", "s|w", "1"),
                measurement("c1", Parameter::Temperature, 100.4, "[degF]", "s|t", "1"),
                measurement("c1", Parameter::Fev1, 1450.0, "mL", "s|f", "1"),
            ],
            now(),
        )
        .expect("ingest");
    let summaries = store.citizen_summaries(&nurse()).expect("summaries");
    let latest = &summaries[0].latest;
    assert!((latest[&Parameter::Weight].value - 79.832_257).abs() < 1e-3);
    assert_eq!(latest[&Parameter::Weight].unit, "kg");
    assert!((latest[&Parameter::Temperature].value - 38.0).abs() < 1e-9);
    assert!((latest[&Parameter::Fev1].value - 1.45).abs() < 1e-9);
}

#[test]
fn bad_input_is_rejected_with_a_reason_and_kept_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut store, _) = new_store(dir.path());
    store
        .upsert_citizen(&nurse(), &citizen("c1"))
        .expect("citizen");
    let mut future = measurement("c1", Parameter::Pulse, 70.0, "/min", "s|future", "1");
    future.effective_at = now().plus_millis(3 * 24 * 3_600_000);
    let bad = vec![
        measurement("c1", Parameter::Spo2, 150.0, "%", "s|glitch", "1"),
        measurement("c1", Parameter::Weight, 80.0, "mm[Hg]", "s|wrong", "1"),
        measurement(
            "c1",
            Parameter::Weight,
            12.0,
            "[stone_av]",
            "s|unknown",
            "1",
        ),
        measurement("nobody", Parameter::Pulse, 70.0, "/min", "s|orphan", "1"),
        future,
    ];
    let report = store
        .ingest(&Actor::system(), "test", bad.clone(), now())
        .expect("ingest");
    assert_eq!((report.accepted, report.rejected), (0, 5));
    store
        .ingest(&Actor::system(), "test", bad, now())
        .expect("re-delivery");
    let rejected = store.rejected(&nurse(), true).expect("list");
    assert_eq!(rejected.len(), 5, "re-delivered bad input is kept once");
    let mut codes: Vec<&str> = rejected.iter().map(|r| r.reason_code.as_str()).collect();
    codes.sort_unstable();
    assert_eq!(
        codes,
        [
            "from_the_future",
            "implausible_value",
            "unknown_citizen",
            "unknown_unit",
            "wrong_unit"
        ]
    );
    let glitch = rejected
        .iter()
        .find(|r| r.source_id.as_deref() == Some("s|glitch"))
        .expect("kept");
    assert!(
        glitch.reason.contains("150"),
        "reason names the value: {}",
        glitch.reason
    );
    let raw: serde_json::Value =
        serde_json::from_str(&glitch.payload).expect("raw payload is JSON");
    assert_eq!(raw["value"], 150.0);
    assert_eq!(store.status().expect("status").rejected, 5);
}

#[test]
fn demo_cohort_loads_once_with_its_planted_rejections() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut store, _) = new_store(dir.path());
    let spec = CohortSpec::new(11, now());
    let report = load_demo(&mut store, &nurse(), &spec).expect("demo");
    assert_eq!(report.citizens, 50);
    assert_eq!(report.rejected, 4);
    assert!(report.accepted > 20_000);
    let again = load_demo(&mut store, &nurse(), &spec).expect("again");
    assert_eq!((again.accepted, again.duplicates), (0, report.accepted));
    let status = store.status().expect("status");
    assert_eq!(
        (status.citizens, status.readings as usize, status.rejected),
        (50, report.accepted, 4)
    );
    let summaries = store.citizen_summaries(&nurse()).expect("list");
    assert_eq!(summaries.len(), 50);
    assert!(
        summaries
            .iter()
            .filter(|s| s.last_reading_at.is_some())
            .count()
            >= 49
    );
}

#[test]
fn audit_log_is_append_only_and_tampering_breaks_the_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut store, _) = new_store(dir.path());
    store
        .upsert_citizen(&nurse(), &citizen("c1"))
        .expect("citizen");
    store.citizen_summaries(&nurse()).expect("list");
    store
        .readings(&nurse(), &CitizenId::new("c1").expect("id"), None, None)
        .expect("read");
    let actions: Vec<String> = store
        .audit_entries(10)
        .expect("entries")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "readings.read",
            "citizens.list",
            "citizen.upsert",
            "store.create"
        ]
    );
    assert_eq!(store.verify_audit_chain().expect("verify"), None);

    let conn = store.connection();
    assert!(
        conn.execute("UPDATE audit_log SET actor = 'mallory'", [])
            .is_err()
    );
    assert!(conn.execute("DELETE FROM audit_log", []).is_err());
    // Someone with the key and a raw SQLite tool drops the guard and rewrites history.
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE action = 'citizens.list';",
    )
    .expect("tamper");
    let broken = store
        .verify_audit_chain()
        .expect("verify")
        .expect("chain must break");
    assert_eq!(broken.reason, "entry content changed");
}

// --- migrations -------------------------------------------------------------------------

const OLD_SCHEMA: &str = "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL) STRICT;";
const NEW_SCHEMA: &str = "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, author TEXT NOT NULL DEFAULT 'unknown') STRICT;";
const OLD: Migrations = Migrations {
    schema: OLD_SCHEMA,
    version: 1,
    upgrades: &[],
};
const NEW: Migrations = Migrations {
    schema: NEW_SCHEMA,
    version: 2,
    upgrades: &["ALTER TABLE notes ADD COLUMN author TEXT NOT NULL DEFAULT 'unknown';"],
};

fn schema_of(conn: &rusqlite::Connection) -> Vec<String> {
    conn.prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
        .expect("prepare")
        .query_map([], |r| r.get::<_, String>(0))
        .expect("query")
        .map(|s| {
            // Comments and whitespace are insignificant, and `ALTER TABLE … ADD COLUMN` places
            // them differently from a hand-written `CREATE TABLE`.
            s.expect("row")
                .lines()
                .map(|line| line.split("--").next().unwrap_or(""))
                .collect::<Vec<_>>()
                .join(" ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .replace(" ,", ",")
                .replace(" )", ")")
                .replace("( ", "(")
        })
        .collect()
}

#[test]
fn an_older_database_upgrades_keeping_its_data_and_a_newer_one_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.db");
    let mut old = rusqlite::Connection::open(&path).expect("open");
    assert_eq!(
        migrate::migrate(&mut old, &OLD).expect("create"),
        Outcome::Created
    );
    old.execute("INSERT INTO notes (body) VALUES ('kept')", [])
        .expect("insert");
    drop(old);

    let mut conn = rusqlite::Connection::open(&path).expect("open");
    assert_eq!(
        migrate::migrate(&mut conn, &NEW).expect("upgrade"),
        Outcome::Upgraded { from: 1 }
    );
    let row: (String, String) = conn
        .query_row("SELECT body, author FROM notes", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("row");
    assert_eq!(row, ("kept".into(), "unknown".into()));
    assert_eq!(
        migrate::migrate(&mut conn, &NEW).expect("again"),
        Outcome::UpToDate
    );

    let mut fresh = rusqlite::Connection::open_in_memory().expect("mem");
    migrate::migrate(&mut fresh, &NEW).expect("fresh");
    let normalise = |v: Vec<String>| {
        v.into_iter()
            .map(|s| s.replace("ADD COLUMN ", ""))
            .collect::<Vec<_>>()
    };
    assert_eq!(normalise(schema_of(&conn)), normalise(schema_of(&fresh)));

    // Opened by the older build again: refused, not damaged.
    let err = migrate::migrate(&mut conn, &OLD).expect_err("too new");
    assert!(
        matches!(
            err,
            StoreError::TooNew {
                found: 2,
                supported: 1
            }
        ),
        "{err}"
    );
    let still: i64 = conn
        .query_row("SELECT count(*) FROM notes", [], |r| r.get(0))
        .expect("count");
    assert_eq!(still, 1);
}

#[test]
fn two_processes_upgrading_at_once_upgrade_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("race.db");
    let mut old = rusqlite::Connection::open(&path).expect("open");
    migrate::migrate(&mut old, &OLD).expect("create");
    drop(old);
    let outcomes: Vec<Outcome> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let path = path.clone();
                s.spawn(move || {
                    let mut conn = rusqlite::Connection::open(&path).expect("open");
                    conn.busy_timeout(std::time::Duration::from_secs(10))
                        .expect("timeout");
                    migrate::migrate(&mut conn, &NEW).expect("migrate")
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    assert!(outcomes.contains(&Outcome::Upgraded { from: 1 }));
    assert!(outcomes.contains(&Outcome::UpToDate), "{outcomes:?}");
}

#[test]
fn a_foreign_sqlite_file_is_not_taken_for_a_vagt_database() {
    let mut conn = rusqlite::Connection::open_in_memory().expect("mem");
    conn.execute_batch("CREATE TABLE something (x INTEGER)")
        .expect("create");
    assert!(matches!(
        migrate::migrate(&mut conn, &migrate::CURRENT),
        Err(StoreError::NotAVagtDatabase)
    ));
}

/// Every older schema version is kept as `fixtures/schema_vN.sql`: a real old database is
/// built from it, upgraded by the real steps, and must equal a fresh database.
#[test]
fn upgraded_databases_equal_a_fresh_one() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut fresh = rusqlite::Connection::open_in_memory().expect("mem");
    migrate::migrate(&mut fresh, &migrate::CURRENT).expect("fresh");
    let mut checked = 0;
    for version in 1..migrate::CURRENT.version {
        let old_sql = std::fs::read_to_string(fixtures.join(format!("schema_v{version}.sql")))
            .unwrap_or_else(|e| {
                panic!("fixtures/schema_v{version}.sql must keep the old schema: {e}")
            });
        let mut conn = rusqlite::Connection::open_in_memory().expect("mem");
        conn.execute_batch(&old_sql).expect("old schema applies");
        conn.pragma_update(None, "user_version", version)
            .expect("version");
        // A citizen and a reading every schema so far can hold, to see them survive.
        conn.execute_batch(
            "INSERT INTO citizens (id, name, created_at, updated_at) VALUES ('c1', 'Inge', 0, 0);
             INSERT INTO readings (citizen_id, parameter, value, effective_at, received_at,
                                   source_id, source_version)
             VALUES ('c1', 'spo2', 93.0, 1, 2, 'srv|Observation/1', '1');",
        )
        .expect("old data");
        if version >= 13 {
            // A row made by that version, and nothing stale: the upgrade itself must mark
            // every citizen stale when the rows' layout changes.
            conn.execute_batch("DELETE FROM worklist_stale")
                .expect("made rows");
        }
        migrate::migrate(&mut conn, &migrate::CURRENT).expect("upgrade");
        assert_eq!(
            schema_of(&conn),
            schema_of(&fresh),
            "upgrade from v{version}"
        );
        let kept: (String, f64) = conn
            .query_row(
                "SELECT r.citizen_id, r.value FROM readings r JOIN citizens c ON c.id = r.citizen_id",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("the reading is kept");
        assert_eq!(kept, ("c1".to_owned(), 93.0), "data kept from v{version}");
        let latest: (String, f64) = conn
            .query_row(
                "SELECT parameter, value FROM latest_readings WHERE citizen_id = 'c1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("the worklist's latest reading is filled in");
        assert_eq!(latest, ("spo2".to_owned(), 93.0), "from v{version}");
        let stale: i64 = conn
            .query_row(
                "SELECT count(*) FROM worklist_stale WHERE citizen_id = 'c1'",
                [],
                |r| r.get(0),
            )
            .expect("stale rows");
        // The rows' layout last changed from 13 to 14; rows a later version made stay good.
        let layout_changed = version < 14;
        assert_eq!(
            stale,
            i64::from(layout_changed),
            "the whole worklist makes c1's row first only if its layout changed, from v{version}"
        );
        let counted: i64 = conn
            .query_row(
                "SELECT value FROM store_counts WHERE name = 'current_readings'",
                [],
                |r| r.get(0),
            )
            .expect("the count of readings is filled in");
        assert_eq!(counted, 1, "from v{version}");
        // Version 4's care events take the citizen's events at once.
        conn.execute(
            "INSERT INTO care_events (citizen_id, kind, at, source_id, source_version, received_at)
             VALUES ('c1', 'hospital_admission', 3, 'srv|Encounter/1', '1', 4)",
            [],
        )
        .expect("a care event after the upgrade");
        checked += 1;
    }
    assert_eq!(checked, migrate::CURRENT.version - 1);
}

#[test]
fn a_re_pulled_patient_keeps_the_diagnoses_its_conditions_gave() {
    use vagt_store::{PullBatch, SourcedCitizen};
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut store, _) = new_store(dir.path());
    let mut patient = citizen("c9");
    patient.diagnoses.clear();
    let patient_batch = || PullBatch {
        citizens: vec![SourcedCitizen {
            source_id: "srv|Patient/9".into(),
            source_version: "1".into(),
            citizen: patient.clone(),
            mas_only: false,
        }],
        ..PullBatch::default()
    };
    store
        .apply_pull("srv", "Patient", patient_batch(), None, now())
        .expect("patient");
    let conditions = PullBatch {
        diagnoses: vec![(CitizenId::new("c9").expect("id"), Diagnosis::HeartFailure)],
        ..PullBatch::default()
    };
    store
        .apply_pull("srv", "Condition", conditions, None, now())
        .expect("condition");
    store
        .apply_pull("srv", "Patient", patient_batch(), None, now())
        .expect("patient again");
    let c9 = store
        .citizen(&nurse(), &CitizenId::new("c9").expect("id"))
        .expect("read");
    assert_eq!(c9.diagnoses, vec![Diagnosis::HeartFailure]);
    assert_eq!(
        store
            .citizen_for_source("srv|Patient/9")
            .expect("lookup")
            .map(|c| c.to_string()),
        Some("c9".into())
    );
}

#[test]
fn the_status_tells_never_syncing_offline_and_online_apart_with_codes_and_progress() {
    use vagt_store::{SyncProgress, SyncRunEnd, SyncState};
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut store, _) = new_store(dir.path());
    let status = store.status().expect("status");
    assert_eq!(status.sync_state, SyncState::Never);
    assert_eq!(status.readings_behind, None);

    let run = store.begin_sync_run("http://srv/fhir").expect("begin");
    store
        .record_sync_progress(
            run,
            &SyncProgress {
                resource_type: "Observation".into(),
                done: 400,
                total: Some(1000),
                per_second: 200.0,
            },
        )
        .expect("progress");
    let status = store.status().expect("status");
    assert_eq!(status.sync_state, SyncState::Syncing);
    assert_eq!(status.readings_behind, Some(600));
    assert_eq!(status.sync_progress.map(|p| p.done), Some(400));

    let offline = SyncRunEnd {
        outcome: "failed",
        pulled: 400,
        pushed: 0,
        rejected: 0,
        error: Some(("offline", "the backend could not be reached")),
        behind: Some(600),
    };
    store.finish_sync_run(run, &offline).expect("finish");
    let status = store.status().expect("status");
    assert_eq!(status.sync_state, SyncState::Offline);
    assert_eq!(status.sync_error_code.as_deref(), Some("offline"));
    assert_eq!(status.readings_behind, Some(600));
    assert!(status.sync_progress.is_none());

    let run = store.begin_sync_run("http://srv/fhir").expect("begin");
    let refused = SyncRunEnd {
        error: Some(("unauthorized", "refused")),
        behind: None,
        ..offline
    };
    store.finish_sync_run(run, &refused).expect("finish");
    assert_eq!(store.status().expect("s").sync_state, SyncState::Failing);

    let run = store.begin_sync_run("http://srv/fhir").expect("begin");
    store
        .finish_sync_run(
            run,
            &SyncRunEnd {
                outcome: "ok",
                error: None,
                behind: Some(0),
                ..offline
            },
        )
        .expect("finish");
    let status = store.status().expect("status");
    assert_eq!(status.sync_state, SyncState::Online);
    assert_eq!(status.sync_error_code, None);
    assert_eq!(status.readings_behind, Some(0));
    assert!(status.last_sync.is_some());
}

/// The app's connection and the sync's write the same file at once (reads are audited, so the
/// UI writes too). A transaction that reads before it writes must wait for the other writer,
/// never fail with "database is locked".
#[test]
fn two_connections_writing_at_once_wait_for_each_other_instead_of_failing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vagt.db");
    let spec = CohortSpec {
        seed: 5,
        citizens: 6,
        days: 14,
        end: now(),
    };
    let mut created =
        Store::open_with_key(&path, &test_key(), OpenMode::CreateIfMissing).expect("create");
    load_demo(&mut created, &Actor::system(), &spec).expect("demo");
    drop(created);
    let writer = {
        let path = path.clone();
        std::thread::spawn(move || {
            let mut sync =
                Store::open_with_key(&path, &test_key(), OpenMode::Existing).expect("open");
            for round in 0..60 {
                sync.set_setting(&Actor::system(), "probe", &round.to_string())
                    .map_err(|e| format!("sync round {round}: {e}"))?;
                sync.evaluate_alarms(now())
                    .map_err(|e| format!("evaluation round {round}: {e}"))?;
            }
            Ok::<(), String>(())
        })
    };
    let mut ui = Store::open_with_key(&path, &test_key(), OpenMode::Existing).expect("open");
    for round in 0..150 {
        ui.citizen_summaries(&nurse())
            .unwrap_or_else(|e| panic!("ui round {round}: {e}"));
        ui.alarms(AlarmFilter::Open, &nurse(), now())
            .unwrap_or_else(|e| panic!("ui round {round}: {e}"));
    }
    writer.join().expect("thread").expect("the sync's writes");
    assert!(
        ui.verify_audit_chain().expect("verify").is_none(),
        "one unbroken chain"
    );
}

/// Every alarm kind, state and end reason the rules know fits the table's checks, and so does
/// every kind the outbox queues: a new one the schema forgot fails here, not in a sync.
#[test]
fn every_code_the_rules_and_the_outbox_know_fits_the_schema() {
    use vagt_core::alarm::{AlarmKind, ResolvedReason};
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut store, _) = new_store(dir.path());
    store
        .upsert_citizen(&nurse(), &citizen("c1"))
        .expect("citizen");
    let conn = store.connection();
    for (n, kind) in AlarmKind::ALL.into_iter().enumerate() {
        conn.execute(
            "INSERT INTO alarms (id, citizen_id, kind, priority, raised_at, cause)
             VALUES (?1, 'c1', ?2, 'low', 0, '{}')",
            (format!("kind-{n}"), kind.code()),
        )
        .unwrap_or_else(|e| panic!("alarm kind {}: {e}", kind.code()));
    }
    for (n, reason) in ResolvedReason::ALL.into_iter().enumerate() {
        conn.execute(
            "INSERT INTO alarms (id, citizen_id, kind, priority, raised_at, cause, state,
                                 resolved_at, resolved_reason)
             VALUES (?1, 'c1', 'level_rise', 'low', 0, '{}', 'resolved', 1, ?2)",
            (format!("resolved-{n}"), reason.code()),
        )
        .unwrap_or_else(|e| panic!("resolved reason {}: {e}", reason.code()));
    }
    for kind in [
        "call",
        "dispatch",
        "alarm_ack",
        "confirmed_level",
        "plan_revision",
        "shared_setting",
    ] {
        conn.execute(
            "INSERT INTO outbox (client_id, kind, entity_id, payload, created_at)
             VALUES (?1, ?1, 'x', '{}', 0)",
            [kind],
        )
        .unwrap_or_else(|e| panic!("outbox kind {kind}: {e}"));
    }
}

/// A station of version 4 upgraded: the alarms its rules closed as `system` are resolved, its
/// plan revisions and escalation policy are keyed and queued for the backend in the form the
/// sync reads, and every citizen is due for an evaluation under the new rules.
#[test]
fn a_version_4_station_keeps_its_alarms_plans_and_policy_and_queues_them() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let old_sql = std::fs::read_to_string(fixtures.join("schema_v4.sql")).expect("fixture");
    let mut conn = rusqlite::Connection::open_in_memory().expect("mem");
    conn.execute_batch(&old_sql).expect("old schema");
    conn.pragma_update(None, "user_version", 4)
        .expect("version");
    conn.execute_batch(
        r#"INSERT INTO users (id, display_name, role, created_at) VALUES
               ('system', 'Vagt', 'system', 0), ('anne', 'anne', 'nurse', 0);
           INSERT INTO citizens (id, name, created_at, updated_at) VALUES ('c1', 'Inge', 0, 0);
           INSERT INTO alarms (id, citizen_id, kind, priority, raised_at, cause, state,
                               acknowledged_by, acknowledged_at, ack_comment) VALUES
               ('a-closed', 'c1', 'suggestion_differs', 'medium', 5, '{}', 'acknowledged',
                'system', 9, 'condition_cleared'),
               ('a-acked', 'c1', 'level_rise', 'high', 5, '{}', 'acknowledged', 'anne', 7, 'ok');
           INSERT INTO alarms (id, citizen_id, kind, priority, raised_at, cause)
               VALUES ('a-open', 'c1', 'level_rise', 'high', 6, '{}');
           INSERT INTO alarm_snoozes (alarm_id, user_id, until) VALUES ('a-open', 'anne', 99);
           INSERT INTO triage_plan_revisions
               (citizen_id, revision, document, changed_at, changed_by, reason) VALUES
               ('c1', 1, '[news2]', 1767571200000, 'anne', 'first'),
               ('c1', 2, '', 1767571260000, 'anne', 'second');
           INSERT INTO store_info (key, value)
               VALUES ('escalation_policy', '{"high":null,"medium":null}');"#,
    )
    .expect("old data");
    migrate::migrate(&mut conn, &migrate::CURRENT).expect("upgrade");

    let state = |id: &str| -> (String, Option<String>, Option<String>) {
        conn.query_row(
            "SELECT state, acknowledged_by, resolved_reason FROM alarms WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("alarm")
    };
    assert_eq!(
        state("a-closed"),
        ("resolved".into(), None, Some("cleared".into()))
    );
    assert_eq!(
        state("a-acked"),
        ("acknowledged".into(), Some("anne".into()), None)
    );
    assert_eq!(state("a-open"), ("open".into(), None, None));
    let snoozed: i64 = conn
        .query_row("SELECT count(*) FROM alarm_snoozes", [], |r| r.get(0))
        .expect("snoozes");
    assert_eq!(snoozed, 1, "the snooze survived the rebuild");

    let bases: Vec<(i64, Option<i64>)> = conn
        .prepare(
            "SELECT r.revision, (SELECT b2.revision FROM triage_plan_bases b
                                 JOIN triage_plan_revisions b2 ON b2.key = b.base_key
                                 WHERE b.revision_key = r.key)
             FROM triage_plan_revisions r ORDER BY r.revision",
        )
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(
        bases,
        vec![(1, None), (2, Some(1))],
        "revision 2 is made on 1"
    );
    let due: i64 = conn
        .query_row(
            "SELECT count(*) FROM citizen_evaluations WHERE next_due_at = 0",
            [],
            |r| r.get(0),
        )
        .expect("due");
    assert_eq!(due, 1);
    let policy: String = conn
        .query_row(
            "SELECT value FROM shared_settings WHERE name = 'escalation_policy'",
            [],
            |r| r.get(0),
        )
        .expect("the policy became the clinic's");
    assert!(policy.contains("high"));

    // The queued records decode as the outbox's records, ready for the sync.
    let payloads: Vec<String> = conn
        .prepare("SELECT payload FROM outbox ORDER BY seq")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(
        payloads.len(),
        3,
        "two plan revisions and the policy: {payloads:?}"
    );
    for payload in &payloads {
        let record: vagt_core::outbound::Outbound =
            serde_json::from_str(payload).unwrap_or_else(|e| panic!("{payload}: {e}"));
        if let vagt_core::outbound::Outbound::PlanRevision(revision) = &record {
            assert_eq!(
                revision.changed_at.millis() % 60_000,
                0,
                "instants kept to the ms"
            );
        }
    }
}
