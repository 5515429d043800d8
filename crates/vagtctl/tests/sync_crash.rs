//! A sync killed (SIGKILL) at random points, many times, while the server keeps changing:
//! after a final run the store equals the server, with nothing lost and nothing twice.

use std::process::{Command, Stdio};
use std::time::Duration;
use vagt_cohort::Rng;
use vagt_core::Timestamp;
use vagt_sim::{AdvanceSpec, FaultProfile, SimConfig};
use vagt_store::{DbKey, OpenMode, Store};

const PASSPHRASE: &str = "crash test";

fn sync_command(db: &std::path::Path, backend: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vagtctl"));
    command
        .arg("--db")
        .arg(db)
        .args(["sync", "--once", "--json", "--backend", backend])
        .env("VAGT_THROWAWAY_KEY", PASSPHRASE)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

#[test]
fn a_sync_killed_at_random_points_loses_nothing_and_duplicates_nothing() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let sim = runtime
        .block_on(vagt_sim::spawn(SimConfig {
            seed: 9,
            citizens: 12,
            days: 40,
            end: Timestamp::now(),
            token: None,
            // Slow answers stretch each run, so kills land in the middle of pages.
            faults: FaultProfile::slow(),
            fault_seed: 3,
        }))
        .expect("sim");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("crash.db");
    let init = Command::new(env!("CARGO_BIN_EXE_vagtctl"))
        .arg("--db")
        .arg(&db)
        .arg("init")
        .env("VAGT_THROWAWAY_KEY", PASSPHRASE)
        .output()
        .expect("init");
    assert!(init.status.success());

    let mut rng = Rng::new(2026);
    let mut killed = 0;
    for round in 0..14 {
        if round % 3 == 1 {
            runtime.block_on(sim.advance(AdvanceSpec {
                new_readings: 10,
                late_readings: 4,
                corrections: 2,
                retractions: 1,
                new_citizens: usize::from(round == 4),
                new_responses: 3,
                amended_responses: 1,
                retracted_responses: 1,
                silent_citizens: usize::from(round == 7),
            }));
        }
        let mut child = sync_command(&db, &sim.base_url).spawn().expect("spawn");
        std::thread::sleep(Duration::from_millis(40 + rng.below(900)));
        if child.try_wait().expect("poll").is_none() {
            child.kill().expect("SIGKILL");
            killed += 1;
        }
        child.wait().expect("reaped");
    }
    assert!(
        killed >= 7,
        "most runs must die mid-sync to test anything: {killed} of 14"
    );

    let last = sync_command(&db, &sim.base_url)
        .status()
        .expect("final sync");
    assert!(last.success(), "the run after the crashes completes");

    let snapshot = runtime.block_on(sim.snapshot());
    let want = snapshot.client_readings(&sim.base_url);
    let mut store =
        Store::open_with_key(&db, &DbKey::from_passphrase(PASSPHRASE), OpenMode::Existing)
            .expect("open");
    let got: std::collections::BTreeMap<String, (String, f64)> = store
        .current_reading_keys()
        .expect("keys")
        .into_iter()
        .map(|(id, version, value)| (id, (version, value)))
        .collect();
    assert_eq!(got.len(), want.len(), "same number of current readings");
    for (id, (version, value)) in &want {
        let (got_version, got_value) = got.get(id).unwrap_or_else(|| panic!("lost {id}"));
        assert_eq!(got_version, version, "{id}");
        assert!((got_value - value).abs() < 1e-6, "{id}");
    }
    let twice: i64 = store
        .connection()
        .query_row(
            "SELECT count(*) FROM (SELECT source_id FROM readings WHERE is_current = 1 GROUP BY source_id HAVING count(*) > 1)",
            [],
            |r| r.get(0),
        )
        .expect("query");
    assert_eq!(twice, 0, "no reading is current twice");
    let rejected_twice: i64 = store
        .connection()
        .query_row(
            "SELECT count(*) FROM (SELECT source_id FROM rejected_input GROUP BY source_id HAVING count(*) > 1)",
            [],
            |r| r.get(0),
        )
        .expect("query");
    assert_eq!(rejected_twice, 0, "no rejected input kept twice");
}
