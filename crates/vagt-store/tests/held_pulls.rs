//! Pulled pages held in one transaction (`Store::hold_pulls`), as a first sync stores them:
//! another connection sees them only once committed, and a page that fails takes the held
//! pages and their checkpoints with it, so they are pulled again, never half kept.

use vagt_core::{
    Citizen, CitizenId, Diagnosis, IncomingMeasurement, Parameter, SourceRef, Timestamp,
};
use vagt_store::{DbKey, OpenMode, PullBatch, SourcedCitizen, Store};

fn key() -> DbKey {
    DbKey::from_hex(&"cd".repeat(32)).expect("64 hex digits")
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).expect("valid")
}

fn patient() -> PullBatch {
    PullBatch {
        citizens: vec![SourcedCitizen {
            source_id: "srv|Patient/1".into(),
            source_version: "1".into(),
            citizen: Citizen {
                id: CitizenId::new("c1").expect("valid"),
                name: "Test c1".into(),
                birth_date: None,
                diagnoses: vec![Diagnosis::Copd],
                phone: None,
                address: None,
            },
            mas_only: false,
        }],
        ..PullBatch::default()
    }
}

/// A page of one SpO2 reading, `Observation/{n}`.
fn page(n: u32) -> PullBatch {
    PullBatch {
        measurements: vec![IncomingMeasurement {
            citizen_id: CitizenId::new("c1").expect("valid"),
            parameter: Parameter::Spo2,
            value: 95.0,
            unit: "%".into(),
            effective_at: at("2026-11-20T08:00:00Z").plus_millis(i64::from(n) * 60_000),
            source: SourceRef {
                id: format!("srv|Observation/{n}"),
                version: "1".into(),
            },
        }],
        ..PullBatch::default()
    }
}

fn readings(store: &mut Store) -> i64 {
    store
        .connection()
        .query_row("SELECT count(*) FROM readings", [], |r| r.get(0))
        .expect("count")
}

fn open(path: &std::path::Path) -> Store {
    Store::open_with_key(path, &key(), OpenMode::CreateIfMissing).expect("open")
}

#[test]
fn held_pages_reach_another_connection_only_when_committed_with_their_checkpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vagt.db");
    let mut sync = open(&path);
    let mut window = open(&path);
    let now = at("2026-11-22T12:00:00Z");
    sync.apply_pull("srv", "Patient", patient(), None, now)
        .expect("patient");
    assert!(!sync.pulls_held());

    sync.hold_pulls().expect("hold");
    sync.hold_pulls().expect("holding while held does nothing");
    assert!(sync.pulls_held());
    for (n, checkpoint) in [(1, "2026-11-22T10:00:00Z"), (2, "2026-11-22T11:00:00Z")] {
        sync.apply_pull("srv", "Observation", page(n), Some(checkpoint), now)
            .expect("page");
    }
    // The held pages are this connection's until committed.
    assert_eq!(readings(&mut sync), 2);
    assert_eq!(readings(&mut window), 0);
    assert_eq!(
        window.sync_checkpoint("srv", "Observation").expect("read"),
        None
    );

    sync.commit_pulls().expect("commit");
    assert!(!sync.pulls_held());
    assert_eq!(readings(&mut window), 2);
    assert_eq!(
        window
            .sync_checkpoint("srv", "Observation")
            .expect("read")
            .as_deref(),
        Some("2026-11-22T11:00:00Z")
    );
    sync.commit_pulls()
        .expect("committing with nothing held does nothing");
    // Not held, a page is its own transaction again, seen at once.
    sync.apply_pull("srv", "Observation", page(3), None, now)
        .expect("page");
    assert_eq!(readings(&mut window), 3);
}

#[test]
fn a_page_that_fails_while_held_takes_the_held_pages_and_checkpoints_with_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vagt.db");
    let mut sync = open(&path);
    let now = at("2026-11-22T12:00:00Z");
    sync.apply_pull("srv", "Patient", patient(), None, now)
        .expect("patient");
    // A write that fails, as a full disk would: this connection's own trigger, not the schema.
    sync.connection()
        .execute_batch(
            "CREATE TEMP TRIGGER disk_full BEFORE INSERT ON sync_checkpoints
             WHEN NEW.last_updated = 'fails' BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
        )
        .expect("trigger");

    sync.hold_pulls().expect("hold");
    sync.apply_pull(
        "srv",
        "Observation",
        page(1),
        Some("2026-11-22T10:00:00Z"),
        now,
    )
    .expect("first page");
    let failed = sync.apply_pull("srv", "Observation", page(2), Some("fails"), now);
    assert!(failed.is_err(), "the page's write failed: {failed:?}");
    // Rolled back whole: neither page, no checkpoint, nothing left held.
    assert!(!sync.pulls_held());
    assert_eq!(readings(&mut sync), 0);
    assert_eq!(
        sync.sync_checkpoint("srv", "Observation").expect("read"),
        None
    );
    sync.commit_pulls().expect("nothing to commit");

    // Pulled again from the same checkpoint, the pages are stored once.
    sync.hold_pulls().expect("hold");
    for n in [1, 2] {
        sync.apply_pull(
            "srv",
            "Observation",
            page(n),
            Some("2026-11-22T10:00:00Z"),
            now,
        )
        .expect("page");
    }
    sync.commit_pulls().expect("commit");
    assert_eq!(readings(&mut sync), 2);
    let mut again = open(&path);
    assert_eq!(readings(&mut again), 2);
}
