//! `vagtctl sync` as a loop (no `--once`): the app's background sync loop, headless. A record
//! queued by another process reaches the backend within seconds, long before the next poll.

mod common;
use common::{json_of, vagtctl};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use vagt_core::Timestamp;
use vagt_sim::SimConfig;

/// The looping `vagtctl sync`, killed however the test ends.
struct Looping(Child);

impl Drop for Looping {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn status(db: &std::path::Path) -> serde_json::Value {
    json_of(&vagtctl(db, &["--json", "status"]))
}

/// Polls `check` on the station's status until it holds, for at most `limit`.
fn wait_for(db: &std::path::Path, limit: Duration, check: impl Fn(&serde_json::Value) -> bool) {
    let started = Instant::now();
    loop {
        let now = status(db);
        if check(&now) {
            return;
        }
        assert!(started.elapsed() < limit, "gave up waiting; status: {now}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The requests that wrote to the backend so far.
fn writes_to(sim: &vagt_sim::RunningSim) -> u64 {
    sim.traffic()
        .by_kind
        .iter()
        .filter(|(kind, _)| kind.starts_with("POST") || kind.starts_with("PUT"))
        .map(|(_, counts)| counts.requests)
        .sum()
}

#[test]
fn a_looping_sync_pushes_a_queued_call_without_waiting_for_its_poll() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let sim = runtime
        .block_on(vagt_sim::spawn(SimConfig {
            citizens: 4,
            days: 3,
            end: Timestamp::now(),
            ..SimConfig::default()
        }))
        .expect("sim");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("station.db");
    assert!(vagtctl(&db, &["init"]).status.success());
    // A poll once an hour, and no Subscriptions: only the outbox can start the second run.
    let _looping = Looping(
        Command::new(env!("CARGO_BIN_EXE_vagtctl"))
            .arg("--db")
            .arg(&db)
            .args(["sync", "--poll-only", "--interval", "3600"])
            .args(["--backend", &sim.base_url])
            .env("VAGT_THROWAWAY_KEY", "test passphrase")
            .env_remove("VAGT_DB")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("vagtctl sync runs"),
    );
    wait_for(&db, Duration::from_secs(60), |s| {
        s["last_sync"].is_string() && s["citizens"].as_i64() == Some(4)
    });
    assert_eq!(writes_to(&sim), 0, "nothing was pushed before the call");
    let citizens = json_of(&vagtctl(&db, &["--json", "citizens"]));
    let citizen = citizens[0]["id"].as_str().expect("id").to_owned();
    let logged = vagtctl(
        &db,
        &[
            "--json",
            "--as",
            "nurse-eva",
            "call",
            "add",
            &citizen,
            "--reason",
            "svimmel",
            "--minutes",
            "3",
        ],
    );
    json_of(&logged);
    wait_for(&db, Duration::from_secs(30), |s| {
        s["outbox"].as_i64() == Some(0)
    });
    assert!(writes_to(&sim) > 0, "the call reached the backend");
}
