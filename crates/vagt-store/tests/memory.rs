//! What a connection holds between uses, and who can give it back: SQLite is built with
//! `SQLITE_ENABLE_MEMORY_MANAGEMENT`, so a process's connections share one group of page caches
//! and one connection's `release_memory` empties the others' unused pages. The app relies on it:
//! the window's connection is emptied by a background thread's, never while it reads.

mod common;
use common::*;
use vagt_cohort::CohortSpec;
use vagt_core::Timestamp;
use vagt_store::{Actor, DbKey, OpenMode, Store};

fn key() -> DbKey {
    DbKey::from_hex(&"ef".repeat(32)).expect("64 hex digits")
}

#[test]
fn one_connections_release_empties_anothers_page_cache() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vagt.db");
    let mut window = Store::open_with_key(&path, &key(), OpenMode::CreateIfMissing).expect("open");
    let spec = CohortSpec {
        seed: 21,
        citizens: 60,
        days: 30,
        end: Timestamp::parse_rfc3339("2026-03-01T12:00:00Z").expect("valid"),
    };
    load_demo(&mut window, &Actor::system(), &spec).expect("demo");
    let other = Store::open_with_key(&path, &key(), OpenMode::Existing).expect("open");
    // What the load itself cached: the window's read below starts from an empty cache.
    window.release_memory().expect("release");

    let rows = window
        .citizen_summaries(&Actor("nurse-anna".into()))
        .expect("worklist");
    assert_eq!(rows.len(), 60);
    let after_reading = window.page_cache_bytes().expect("cache");
    // The worklist's summary pages, decrypted: dozens of 4 KiB pages at the least.
    assert!(
        after_reading > 64 * 1024,
        "the window's read cached its pages: {after_reading} bytes"
    );

    other.release_memory().expect("release");
    let after_release = window.page_cache_bytes().expect("cache");
    assert!(
        after_release < after_reading / 4,
        "the other connection's release gave back the window's pages: \
         {after_reading} bytes before, {after_release} after"
    );
}
