//! `vagtctl` as operators and scripts run it: the real binary, a real encrypted file.

use std::process::Command;

mod common;

use common::{DEMO_END, demo_at_fixed_end, json_of, json_of_failure, vagtctl};

#[test]
fn init_demo_citizens_status_readings_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("x.db");
    let init = json_of(&vagtctl(&db, &["init", "--json"]));
    assert_eq!(init["citizens"], 0);
    let header = std::fs::read(&db).expect("file");
    assert!(!header.starts_with(b"SQLite format 3"));

    let demo = json_of(&vagtctl(
        &db,
        &["demo", "--json", "--seed", "3", "--end", DEMO_END],
    ));
    assert_eq!(demo["citizens"], 50);
    assert_eq!(demo["rejected"], 4);

    let citizens = json_of(&vagtctl(&db, &["citizens", "--json"]));
    let list = citizens.as_array().expect("an array");
    assert_eq!(list.len(), 50);
    // Read a page at a time, as the window reads it, the list is the same rows in its order.
    let mut paged = Vec::new();
    let mut after: Option<(String, String)> = None;
    loop {
        let mut args = vec![
            "citizens".to_owned(),
            "--json".into(),
            "--limit".into(),
            "20".into(),
        ];
        if let Some((name, id)) = &after {
            args.extend([
                "--after-name".into(),
                name.clone(),
                "--after-id".into(),
                id.clone(),
            ]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let page = json_of(&vagtctl(&db, &args));
        paged.extend(page["rows"].as_array().expect("rows").iter().cloned());
        match page["next"].as_object() {
            Some(next) => {
                let text = |k: &str| next[k].as_str().expect("text").to_owned();
                after = Some((text("name"), text("id")));
            }
            None => break,
        }
    }
    assert_eq!(&paged, list);
    let empty_page = vagtctl(&db, &["citizens", "--json", "--limit", "0"]);
    assert!(!empty_page.status.success(), "a page of no rows is refused");
    let first = &list[0];
    for key in [
        "id",
        "name",
        "birth_date",
        "diagnoses",
        "phone",
        "address",
        "last_reading_at",
        "latest",
        "news2",
    ] {
        assert!(first.get(key).is_some(), "key {key} missing in {first}");
    }
    let spo2 = &first["latest"]["spo2"];
    assert_eq!(spo2["unit"], "%");
    assert!(
        spo2["value"]
            .as_f64()
            .is_some_and(|v| (50.0..=100.0).contains(&v))
    );

    let id = first["id"].as_str().expect("id");
    let readings = json_of(&vagtctl(
        &db,
        &["readings", id, "--parameter", "spo2", "--json"],
    ));
    let readings = readings.as_array().expect("array");
    assert!(
        readings.len() > 90,
        "~120 days minus missed ones: {}",
        readings.len()
    );
    assert!(readings.iter().all(|r| r["parameter"] == "spo2"));

    let status = json_of(&vagtctl(&db, &["status", "--json"]));
    assert_eq!(status["citizens"], 50);
    assert_eq!(status["rejected"], 4);
    assert_eq!(status["outbox"], 0);
    assert!(status["last_sync"].is_null());
    assert_eq!(status["readings"], demo["accepted"]);

    let rejected = json_of(&vagtctl(&db, &["rejected", "--json"]));
    let codes: std::collections::BTreeSet<&str> = rejected
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["reason_code"].as_str())
        .collect();
    assert_eq!(codes.len(), 4, "{codes:?}");

    let audit = json_of(&vagtctl(&db, &["audit", "--verify", "--json"]));
    assert_eq!(audit["chain_ok"], true);
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"citizens.list")
            && actions.contains(&"readings.read")
            && actions.contains(&"demo.load")
    );
}

#[test]
fn errors_are_clear_with_a_stable_code_and_a_failing_exit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = vagtctl(&dir.path().join("none.db"), &["status", "--json"]);
    assert!(!missing.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&missing.stdout).expect("json error");
    assert_eq!(doc["error"]["code"], "database_not_found");
    assert!(String::from_utf8_lossy(&missing.stderr).contains("vagtctl --db"));

    let db = dir.path().join("x.db");
    json_of(&vagtctl(&db, &["init", "--json"]));
    let wrong_key = Command::new(env!("CARGO_BIN_EXE_vagtctl"))
        .args([
            "--db",
            db.to_str().expect("utf-8"),
            "--throwaway-key",
            "another",
            "status",
            "--json",
        ])
        .output()
        .expect("runs");
    assert!(!wrong_key.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&wrong_key.stdout).expect("json error");
    assert_eq!(doc["error"]["code"], "cannot_decrypt");

    let unknown = vagtctl(&db, &["readings", "no-such-citizen", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&unknown.stdout).expect("json error");
    assert_eq!(doc["error"]["code"], "unknown_citizen");
    let bad_param = vagtctl(&db, &["readings", "x", "--parameter", "SpO2"]);
    assert_eq!(bad_param.status.code(), Some(2), "a usage error");
    assert!(String::from_utf8_lossy(&bad_param.stderr).contains("unknown measurement parameter"));
}

/// With the real Secret Service (gnome-keyring under dbus-run-session, as `scripts/test.sh`
/// runs it), the key is made on init, kept in the keyring, and needed to read the file.
#[test]
fn the_os_keyring_holds_the_database_key() {
    if std::env::var_os("VAGT_REQUIRE_KEYRING").is_none() {
        eprintln!("VAGT_REQUIRE_KEYRING unset: no Secret Service session, keyring test not run");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("kr.db");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_vagtctl"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .env_remove("VAGT_THROWAWAY_KEY")
            .output()
            .expect("runs")
    };
    json_of(&run(&["init", "--json"]));
    json_of(&run(&[
        "demo",
        "--json",
        "--citizens",
        "5",
        "--days",
        "10",
        "--end",
        DEMO_END,
    ]));
    let citizens = json_of(&run(&["citizens", "--json"]));
    assert_eq!(citizens.as_array().map(Vec::len), Some(5));
    // The key is in the keyring under the database's path, readable by other Secret Service clients.
    let account = format!(
        "database-key:{}",
        db.canonicalize().expect("path").display()
    );
    let lookup = Command::new("secret-tool")
        .args([
            "lookup",
            "service",
            "dk.naerklinikken.vagt",
            "username",
            &account,
        ])
        .output()
        .expect("secret-tool runs");
    let stored = String::from_utf8_lossy(&lookup.stdout);
    assert_eq!(
        stored.trim().len(),
        64,
        "a 256-bit hex key is stored for {account}"
    );

    // Without a session bus there is no keyring: the error says so and what to do.
    let no_bus = Command::new(env!("CARGO_BIN_EXE_vagtctl"))
        .arg("--db")
        .arg(dir.path().join("other.db"))
        .arg("init")
        .env_remove("VAGT_THROWAWAY_KEY")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/vagt-test-bus",
        )
        .env_remove("DISPLAY")
        .output()
        .expect("runs");
    assert!(!no_bus.status.success());
    let stderr = String::from_utf8_lossy(&no_bus.stderr);
    assert!(
        stderr.contains("keyring") && stderr.contains("--throwaway-key"),
        "{stderr}"
    );
    assert!(!dir.path().join("other.db").exists());
}

/// The benchmark runs and measures what it claims (all readings through the pipeline); its
/// figures are for people to read, so no speed is asserted here.
#[test]
fn bench_ingest_runs_the_whole_pipeline() {
    let output = Command::new(env!("CARGO_BIN_EXE_vagtctl"))
        .args([
            "bench",
            "ingest",
            "--readings",
            "600",
            "--citizens",
            "40",
            "--json",
        ])
        .output()
        .expect("runs");
    let report = json_of(&output);
    assert_eq!(
        report["readings"], 600,
        "every generated reading was stored: {report}"
    );
    assert_eq!(report["citizens"], 40, "{report}");
    for key in [
        "pipeline_readings_per_second",
        "raw_insert_readings_per_second",
        "ratio",
        "pipeline_last_tenth_readings_per_second",
        "raw_insert_last_tenth_readings_per_second",
    ] {
        assert!(
            report[key].as_f64().is_some_and(|v| v > 0.0),
            "{key}: {report}"
        );
    }
}

#[test]
fn demo_alarms_show_exacerbations_and_ack_closes_one_on_the_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("alarms.db");
    demo_at_fixed_end(&db, "24", "30");
    let open = json_of(&vagtctl(&db, &["--json", "alarms", "--open"]));
    let open = open.as_array().expect("a list");
    let rises: Vec<&serde_json::Value> = open
        .iter()
        .filter(|a| a["kind"] == "level_rise" && a["cause"]["type"] == "suggested_change")
        .collect();
    // Citizens with index % 8 == 3 (3, 11, 19) are in an ongoing exacerbation.
    assert!(rises.len() >= 3, "exacerbations show as rises: {open:?}");
    for rise in &rises {
        assert!(rise["cause"]["to"].as_u64().is_some_and(|to| to >= 2));
        assert!(
            rise["cause"]["trigger"]["finding"]["parameter"].is_string(),
            "{rise}"
        );
    }

    // The episodes of a few citizens, as a window reads them again at an escalation step, are
    // those of the whole list, in its order.
    let episodes = json_of(&vagtctl(&db, &["--json", "episodes"]));
    let episodes = episodes.as_array().expect("a list");
    assert!(episodes.len() >= 2, "{episodes:?}");
    let firsts: Vec<&str> = episodes
        .iter()
        .take(2)
        .map(|e| e["citizen_id"].as_str().expect("id"))
        .collect();
    let few = json_of(&vagtctl(
        &db,
        &[
            "--json",
            "episodes",
            "--citizen",
            firsts[1],
            "--citizen",
            firsts[0],
        ],
    ));
    assert_eq!(few.as_array().expect("a list"), &episodes[..2]);
    // A page of citizens' episodes at a time, as the window reads them: every episode once.
    let first_page = json_of(&vagtctl(&db, &["--json", "episodes", "--limit", "1"]));
    let next = first_page["next"].as_str().expect("more pages");
    let rest = json_of(&vagtctl(
        &db,
        &["--json", "episodes", "--limit", "1000", "--after", next],
    ));
    assert!(rest["next"].is_null(), "{rest}");
    let mut ids: Vec<&str> = first_page["episodes"]
        .as_array()
        .expect("episodes")
        .iter()
        .chain(rest["episodes"].as_array().expect("episodes"))
        .map(|e| e["citizen_id"].as_str().expect("id"))
        .collect();
    let mut whole: Vec<&str> = episodes
        .iter()
        .map(|e| e["citizen_id"].as_str().expect("id"))
        .collect();
    ids.sort_unstable();
    whole.sort_unstable();
    assert_eq!(ids, whole);

    let alarm_id = rises[0]["id"].as_str().expect("id").to_owned();
    let prefix = &alarm_id[..12];
    let ack = vagtctl(
        &db,
        &[
            "--as",
            "sygeplejerske-mette",
            "ack",
            prefix,
            "--comment",
            "ringet op",
        ],
    );
    assert!(
        ack.status.success(),
        "{}",
        String::from_utf8_lossy(&ack.stderr)
    );
    let still_open = json_of(&vagtctl(&db, &["--json", "alarms", "--open"]));
    assert!(
        !still_open
            .as_array()
            .expect("list")
            .iter()
            .any(|a| a["id"] == alarm_id.as_str())
    );
    let all = json_of(&vagtctl(&db, &["--json", "alarms"]));
    let acked = all
        .as_array()
        .expect("list")
        .iter()
        .find(|a| a["id"] == alarm_id.as_str())
        .expect("kept");
    assert_eq!(acked["acknowledged_by"], "sygeplejerske-mette");
    assert_eq!(acked["ack_comment"], "ringet op");

    let audit = json_of(&vagtctl(&db, &["--json", "audit", "--limit", "20"]));
    assert!(audit["entries"].as_array().expect("list").iter().any(|e| {
        e["action"] == "alarm.acknowledge"
            && e["actor"] == "sygeplejerske-mette"
            && e["subject_id"] == alarm_id.as_str()
    }));
    let status = json_of(&vagtctl(&db, &["--json", "status"]));
    assert_eq!(
        status["outbox"], 1,
        "the acknowledgement waits for the backend"
    );

    let unknown = vagtctl(&db, &["--json", "ack", "ffffffffffff"]);
    assert!(!unknown.status.success());
    assert_eq!(json_of_failure(&unknown)["error"]["code"], "unknown_alarm");
}

#[test]
fn a_plan_is_exported_edited_imported_and_refused_when_wrong() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("plan.db");
    demo_at_fixed_end(&db, "4", "10");
    let citizens = json_of(&vagtctl(&db, &["--json", "citizens"]));
    let citizen = citizens[0]["id"].as_str().expect("id").to_owned();
    let shown = vagtctl(&db, &["plan", "show", &citizen]);
    assert!(shown.status.success());
    assert!(String::from_utf8_lossy(&shown.stdout).contains("[limits.spo2]"));

    let file = dir.path().join("plan.toml");
    std::fs::write(&file, "[limits.spo2]\nyellow_low = 91\nred_low = 87\n").expect("write");
    let imported = json_of(&vagtctl(
        &db,
        &[
            "--json",
            "--as",
            "dr-hansen",
            "plan",
            "import",
            &citizen,
            file.to_str().expect("utf8"),
            "--reason",
            "KOL, stabil på 91 %",
        ],
    ));
    assert_eq!(imported["revision"], 1);
    let exported = vagtctl(&db, &["plan", "export", &citizen]);
    let exported = String::from_utf8_lossy(&exported.stdout).to_string();
    assert!(exported.contains("yellow_low = 91"), "{exported}");

    std::fs::write(&file, "[limits.spo2]\nyellow_low = 80\nred_low = 87\n").expect("write");
    let refused = vagtctl(
        &db,
        &[
            "--json",
            "plan",
            "import",
            &citizen,
            file.to_str().expect("utf8"),
            "--reason",
            "x",
        ],
    );
    assert!(!refused.status.success());
    assert_eq!(json_of_failure(&refused)["error"]["code"], "invalid_plan");
}

#[test]
fn a_snooze_quiets_one_nurse_and_escalation_is_configured_per_priority() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("snooze.db");
    demo_at_fixed_end(&db, "24", "30");
    let policy = json_of(&vagtctl(&db, &["--json", "escalation", "show"]));
    assert_eq!(policy["high"]["after_ms"], 300_000, "{policy}");

    // The demo's alarms are days old: an unacknowledged high one is at its last step, louder,
    // for all stations.
    let open = json_of(&vagtctl(
        &db,
        &["--json", "--as", "anne", "alarms", "--open"],
    ));
    let open = open.as_array().expect("a list");
    let high = open
        .iter()
        .find(|a| a["priority"] == "high")
        .expect("a high alarm");
    assert_eq!(high["escalation"]["step"], 3, "{high}");
    assert_eq!(high["escalation"]["loudness"], "loudest");
    assert_eq!(high["escalation"]["audience"], "all_stations");
    let low = open
        .iter()
        .find(|a| a["priority"] == "low" || a["priority"] == "medium")
        .expect("a low or medium alarm");
    let low_id = low["id"].as_str().expect("id");

    let snoozed = json_of(&vagtctl(
        &db,
        &[
            "--json",
            "--as",
            "anne",
            "snooze",
            &low_id[..10],
            "--minutes",
            "30",
        ],
    ));
    assert_eq!(snoozed["alarm_id"], low_id);
    let quiet_for = |nurse: &str| {
        json_of(&vagtctl(
            &db,
            &["--json", "--as", nurse, "alarms", "--open"],
        ))
        .as_array()
        .expect("a list")
        .iter()
        .find(|a| a["id"] == low_id)
        .expect("still open, still shown")["snoozed_until"]
            .clone()
    };
    assert_eq!(quiet_for("anne"), snoozed["silenced_until"]);
    assert!(quiet_for("bo").is_null(), "anne's snooze is not bo's");
    let text = vagtctl(&db, &["--as", "anne", "alarms", "--open"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("quiet 30m"));

    let too_long = vagtctl(&db, &["--json", "snooze", low_id, "--minutes", "600"]);
    assert_eq!(
        json_of_failure(&too_long)["error"]["code"],
        "invalid_snooze"
    );

    // High alarms made quieter by configuration, and on record.
    let set = json_of(&vagtctl(
        &db,
        &[
            "--json",
            "--as",
            "drift",
            "escalation",
            "set",
            "high",
            "--after",
            "2",
            "--repeat",
            "2",
            "--steps",
            "5",
        ],
    ));
    assert_eq!(set["high"]["max_steps"], 5);
    let again = json_of(&vagtctl(&db, &["--json", "alarms", "--open"]));
    let high_again = again
        .as_array()
        .expect("a list")
        .iter()
        .find(|a| a["id"] == high["id"])
        .expect("open");
    assert_eq!(high_again["escalation"]["step"], 5);
    json_of(&vagtctl(
        &db,
        &["--json", "escalation", "set", "high", "--off"],
    ));
    let off = json_of(&vagtctl(&db, &["--json", "alarms", "--open"]));
    assert!(
        off.as_array()
            .expect("a list")
            .iter()
            .filter(|a| a["priority"] == "high")
            .all(|a| a["escalation"].is_null())
    );
    let no_after = vagtctl(&db, &["escalation", "set", "medium"]);
    assert_eq!(no_after.status.code(), Some(2), "a usage error");
    let audit = json_of(&vagtctl(&db, &["--json", "audit", "--limit", "30"]));
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"alarm.snooze") && actions.contains(&"setting.set"),
        "{actions:?}"
    );
}

#[test]
fn news2_shows_the_newest_full_set_as_a_floor_or_says_there_is_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("news2.db");
    // The cohort ends now: NEWS2 counts only full sets of the last 7 days by the clock.
    json_of(&vagtctl(
        &db,
        &["--json", "demo", "--citizens", "24", "--days", "10"],
    ));
    let citizens = json_of(&vagtctl(&db, &["--json", "citizens"]));
    let citizens = citizens.as_array().expect("a list");
    let has = |c: &serde_json::Value, d: &str| {
        c["diagnoses"]
            .as_array()
            .is_some_and(|ds| ds.iter().any(|x| x == d))
    };
    // Citizens with COPD and heart failure measure all five vitals daily; the others do not.
    let full = citizens
        .iter()
        .find(|c| has(c, "copd") && has(c, "heart_failure"))
        .expect("a citizen with COPD and heart failure");
    let partial = citizens
        .iter()
        .find(|c| !(has(c, "copd") && has(c, "heart_failure")))
        .expect("a citizen without both");
    let id = full["id"].as_str().expect("id");

    let shown = json_of(&vagtctl(&db, &["--json", "--as", "nurse-eva", "news2", id]));
    assert_eq!(shown["citizen_id"], id);
    let news2 = &shown["news2"];
    assert_eq!(news2, &full["news2"], "the same as in the worklist");
    assert_eq!(news2["scale"], "scale1");
    assert_eq!(news2["is_minimum"], true);
    assert_eq!(
        news2["assumed"],
        serde_json::json!(["consciousness", "oxygen"])
    );
    let score = &news2["score"];
    let parts: u64 = [
        "respiratory_rate",
        "spo2",
        "oxygen",
        "systolic_bp",
        "pulse",
        "consciousness",
        "temperature",
    ]
    .iter()
    .map(|p| score[p].as_u64().expect("a part score"))
    .sum();
    assert_eq!(score["total"].as_u64(), Some(parts));
    assert_eq!(
        (&score["oxygen"], &score["consciousness"]),
        (&0.into(), &0.into())
    );
    assert!(
        ["low", "low_medium", "medium", "high"].contains(&score["risk"].as_str().expect("risk"))
    );
    let at = news2["at"].as_str().expect("the set's instant");
    for p in [
        "respiratory_rate",
        "spo2",
        "systolic_bp",
        "pulse",
        "temperature",
    ] {
        let reading = &news2["readings"][p];
        assert!(reading["value"].is_number(), "{p}: {news2}");
        assert!(
            reading["effective_at"].as_str().is_some_and(|t| t <= at),
            "{p}: {news2}"
        );
    }

    let text = vagtctl(&db, &["news2", id]);
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    assert!(
        text.contains(&format!("NEWS2 at least {}", score["total"])),
        "{text}"
    );
    assert!(
        text.contains("air (assumed)") && text.contains("alert (assumed)"),
        "{text}"
    );
    assert!(text.contains("or more"), "{text}");

    let partial_id = partial["id"].as_str().expect("id");
    assert!(partial["news2"].is_null(), "{partial}");
    let none = json_of(&vagtctl(&db, &["--json", "news2", partial_id]));
    assert!(none["news2"].is_null(), "{none}");
    let none_text = vagtctl(&db, &["news2", partial_id]);
    assert!(
        none_text.status.success(),
        "no full set is an answer, not an error"
    );
    assert!(
        String::from_utf8_lossy(&none_text.stdout).contains("no full set of vitals"),
        "{}",
        String::from_utf8_lossy(&none_text.stdout)
    );

    let unknown = vagtctl(&db, &["--json", "news2", "no-such-citizen"]);
    assert!(!unknown.status.success());
    assert_eq!(
        json_of_failure(&unknown)["error"]["code"],
        "unknown_citizen"
    );

    let audit = json_of(&vagtctl(&db, &["--json", "audit", "--limit", "10"]));
    assert!(
        audit["entries"].as_array().expect("list").iter().any(|e| {
            e["action"] == "news2.read" && e["actor"] == "nurse-eva" && e["subject_id"] == id
        }),
        "{audit}"
    );
}

/// An operator ends a first sync's bulk load that does not end: the index is made again, the
/// citizens it deferred are evaluated, `status` says it is over, and a second end says there
/// was none.
#[test]
fn an_operator_ends_a_bulk_load_by_hand() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("vagt.db");
    demo_at_fixed_end(&db, "6", "10");
    {
        // As a first sync's begins it, on a connection of its own.
        let mut store = vagt_app::StoreLocation {
            db: Some(db.clone()),
            throwaway_key: Some(zeroize::Zeroizing::new("test passphrase".into())),
        }
        .open(vagt_store::OpenMode::Existing)
        .expect("store");
        assert!(
            store
                .begin_bulk_load("srv", vagt_core::Timestamp::now())
                .expect("begin")
        );
        // The readings change meanwhile, so that the citizens are due.
        store
            .connection()
            .execute_batch("UPDATE citizen_evaluations SET next_due_at = 0")
            .expect("due");
    }
    let status = json_of(&vagtctl(&db, &["--json", "status"]));
    assert_eq!(status["bulk_load"], true);
    let evaluated = json_of(&vagtctl(&db, &["--json", "evaluate"]));
    assert_eq!(evaluated["citizens"], 0);
    assert_eq!(evaluated["deferred"], 6);

    let ended = json_of(&vagtctl(&db, &["--json", "end-bulk-load"]));
    assert!(ended["ended"]["readings"].as_i64().is_some_and(|n| n > 0));
    assert_eq!(ended["evaluation"]["citizens"], 6);
    assert_eq!(ended["evaluation"]["deferred"], 0);
    let status = json_of(&vagtctl(&db, &["--json", "status"]));
    assert_eq!(status["bulk_load"], false);
    let again = json_of(&vagtctl(&db, &["--json", "end-bulk-load"]));
    assert!(again["ended"].is_null());
    let text = vagtctl(&db, &["end-bulk-load"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("no bulk load was under way"));
}
