//! `vagtctl bench targets` against a backend over loopback: every row of the table comes from a
//! measurement of this run (a first sync, readings posted and pulled again, a reading's alarm)
//! or from the app's figures given to it, and each says its verdict. No speed is asserted: the
//! figures are for people; what is asserted is that each was measured on what it claims.

mod common;
use common::json_of;
use std::process::Command;
use vagt_core::Timestamp;
use vagt_sim::SimConfig;

/// What scripts/measure-scale.sh prints, cut to what the table reads, at a region's size.
fn app_figures(highest_mib: f64) -> serde_json::Value {
    let frames = |p50, missed| serde_json::json!({"frames": 300, "p50_ms": p50, "p95_ms": p50 + 4.0, "over_25_ms": missed});
    let smoothness =
        |list| serde_json::json!({"step_px": 480, "list": list, "bare": frames(9.0, 0)});
    serde_json::json!({
        "citizens": 10_000,
        "session_started_ms": 700,
        "worklist_painted_ms": 3_000,
        "resident_mib_at_start": 500.0,
        "resident_mib_after_scrolling": 560.0,
        "proportional_mib_at_start": 350.0,
        "proportional_mib_after_scrolling": 380.0,
        "proportional_mib_settled": 384.0,
        "proportional_mib_by_step": [{"step": "1920x1080: jumped about", "proportional_mib": highest_mib}],
        "sizes": [
            {"size": "1366x768", "smoothness": smoothness(frames(10.0, 0))},
            {"size": "1920x1080", "smoothness": smoothness(frames(15.0, 1))},
        ],
    })
}

#[test]
fn the_targets_table_measures_each_row_on_what_it_names() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let sim = runtime
        .block_on(vagt_sim::spawn(SimConfig {
            citizens: 24,
            days: 4,
            end: Timestamp::now(),
            ..SimConfig::default()
        }))
        .expect("sim");
    let dir = tempfile::tempdir().expect("tempdir");
    let app = dir.path().join("app.json");
    std::fs::write(&app, app_figures(390.0).to_string()).expect("written");
    let output = Command::new(env!("CARGO_BIN_EXE_vagtctl"))
        .args([
            "--json",
            "bench",
            "targets",
            "--citizens",
            "30",
            "--days",
            "5",
        ])
        .args(["--runs", "1", "--latency-runs", "1"])
        .args(["--backend", &sim.base_url])
        .arg("--app")
        .arg(&app)
        .env_remove("VAGT_DB")
        .output()
        .expect("runs");
    let report = json_of(&output);

    // The first sync brought what the backend serves, loaded in bulk or not as it says, and
    // the store path's reference generated as many readings (it counts those it stored).
    let synced = report["first_sync"]["readings"]
        .as_u64()
        .expect("a first sync");
    assert!(synced > 100, "{report}");
    assert_eq!(
        report["first_sync"]["bulk_load"], false,
        "too few to load in bulk"
    );
    let stored = report["ingest"]["readings"].as_u64().unwrap_or(0);
    assert!(stored <= synced && stored >= synced * 9 / 10, "{report}");
    // A hundred readings posted and pulled again (the bench fails when the sync stores fewer).
    assert_eq!(report["incremental_sync"]["readings_per_run"], 100);
    // The reading posted raised its alarm, through the backend's Subscriptions.
    let latency = &report["alarm_latency"];
    assert_eq!(latency["subscriptions_bound"], true, "{latency}");
    assert_eq!(latency["subscribed"]["posted"], 1, "{latency}");
    assert_eq!(latency["subscribed"]["alarmed"], 1, "{latency}");

    let rows = report["rows"].as_array().expect("rows");
    let row = |target: &str| {
        rows.iter()
            .find(|r| r["target"] == target)
            .unwrap_or_else(|| panic!("no row {target}: {report}"))
    };
    assert_eq!(rows.len(), 10, "{report}");
    for target in ["incremental_sync", "reading_to_alarm", "initial_sync_ratio"] {
        assert!(row(target)["figure"].is_number(), "{target}: {report}");
        assert!(
            row(target)["reference"]["value"].is_number(),
            "{target}: {report}"
        );
    }
    assert!(
        row("incremental_sync")["note"]
            .as_str()
            .is_some_and(|n| n.contains("over HTTP")),
        "the incremental row is the one pulled from the backend: {report}"
    );
    // Thirty citizens are no region: the worklist's figure says so rather than "met".
    assert_eq!(
        row("worklist")["verdict"]["verdict"],
        "not_shown",
        "{report}"
    );
    // The app's figures decide its rows: 390 MiB at its highest step is 409 MB, over the 400.
    let memory = row("app_memory")["figure"].as_f64().expect("a figure");
    assert!((memory - 408.9).abs() < 0.1, "{memory}");
    assert_eq!(
        row("app_memory")["verdict"]["verdict"],
        "not_met",
        "{report}"
    );
    assert_eq!(row("scrolling")["verdict"]["verdict"], "met", "{report}");
    assert_eq!(row("cold_start")["verdict"]["verdict"], "measured");
}

#[test]
fn app_figures_that_are_not_the_scripts_json_are_refused_plainly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = dir.path().join("app.json");
    std::fs::write(&app, r#"{"citizens": 10000}"#).expect("written");
    let output = Command::new(env!("CARGO_BIN_EXE_vagtctl"))
        .args([
            "--json",
            "bench",
            "targets",
            "--citizens",
            "5",
            "--days",
            "1",
        ])
        .arg("--app")
        .arg(&app)
        .env_remove("VAGT_DB")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        format!("{stdout}{stderr}").contains("measure-scale.sh"),
        "{stdout} {stderr}"
    );
}
