//! Running the real `vagtctl` binary on a real encrypted file, for the CLI tests.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The end of the demo cohort the tests load, so its data are the same on every run.
pub const DEMO_END: &str = "2026-11-22T10:00:00Z";

pub fn vagtctl(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vagtctl"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("VAGT_THROWAWAY_KEY", "test passphrase")
        .env_remove("VAGT_DB")
        .output()
        .expect("vagtctl runs")
}

pub fn json_of(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON document")
}

pub fn json_of_failure(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).expect("an error document on stdout")
}

/// The demo cohort ending at `DEMO_END`.
pub fn demo_at_fixed_end(db: &Path, citizens: &str, days: &str) {
    json_of(&vagtctl(
        db,
        &[
            "--json",
            "demo",
            "--citizens",
            citizens,
            "--days",
            days,
            "--end",
            DEMO_END,
        ],
    ));
}
