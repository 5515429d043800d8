//! `vagtctl` against a hostile backend: no plain http to another machine, and nothing a
//! backend sends steers the terminal.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use vagt_core::Timestamp;
use vagt_sim::{FaultProfile, SimConfig};

fn vagtctl(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vagtctl"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("VAGT_THROWAWAY_KEY", "test passphrase")
        .env("VAGT_LOG", "off")
        .env_remove("VAGT_DB")
        .stdin(Stdio::null())
        .output()
        .expect("vagtctl runs")
}

#[test]
fn plain_http_to_another_machine_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("x.db");
    assert!(vagtctl(&db, &["init"]).status.success());
    let refused = vagtctl(
        &db,
        &[
            "--json",
            "backend",
            "set",
            "http://telemed.example.org/fhir",
            "--no-token",
        ],
    );
    assert_eq!(refused.status.code(), Some(2), "a usage error");
    let error: serde_json::Value = serde_json::from_slice(&refused.stdout).expect("json");
    assert_eq!(error["error"]["code"], "bad_backend_url");
    let message = error["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("https"), "{message}");
    // Nothing was set.
    let shown: serde_json::Value =
        serde_json::from_slice(&vagtctl(&db, &["--json", "backend", "show"]).stdout).expect("json");
    assert!(shown["backend"].is_null(), "{shown}");
    // To this machine (the demo backend) plain http is fine.
    assert!(
        vagtctl(
            &db,
            &["backend", "set", "http://127.0.0.1:9/fhir", "--no-token"]
        )
        .status
        .success()
    );
}

#[test]
fn names_with_escape_sequences_reach_the_terminal_without_them() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let sim = runtime
        .block_on(vagt_sim::spawn(SimConfig {
            citizens: 4,
            days: 3,
            end: Timestamp::now(),
            faults: FaultProfile::named("escape-names").expect("profile"),
            ..SimConfig::default()
        }))
        .expect("sim");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("x.db");
    assert!(vagtctl(&db, &["init"]).status.success());
    let synced = vagtctl(&db, &["sync", "--once", "--backend", &sim.base_url]);
    assert!(
        synced.status.success(),
        "{}",
        String::from_utf8_lossy(&synced.stderr)
    );
    let table = vagtctl(&db, &["citizens"]);
    assert!(table.status.success());
    let text = String::from_utf8(table.stdout).expect("utf-8");
    let bidi = [
        '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2069}',
    ];
    assert!(
        !text
            .chars()
            .any(|c| (c.is_control() && c != '\n') || bidi.contains(&c)),
        "a control character reached the terminal: {text:?}"
    );
    // The names are still there, less their escapes; the JSON keeps them escaped, as data.
    let json: serde_json::Value =
        serde_json::from_slice(&vagtctl(&db, &["--json", "citizens"]).stdout).expect("json");
    assert!(json.as_array().is_some_and(|l| !l.is_empty()));
}
