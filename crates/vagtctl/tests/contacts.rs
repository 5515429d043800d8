//! `vagtctl call` and `vagtctl dispatch`: the call log and MAS dispatches, headless.

mod common;

use common::{demo_at_fixed_end, json_of, json_of_failure, vagtctl};

#[test]
fn a_call_is_logged_listed_and_shown_and_a_wrong_one_names_its_fields() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("calls.db");
    demo_at_fixed_end(&db, "6", "10");
    let citizens = json_of(&vagtctl(&db, &["--json", "citizens"]));
    let citizen = citizens[0]["id"].as_str().expect("id").to_owned();
    let logged = json_of(&vagtctl(
        &db,
        &[
            "--json",
            "--as",
            "nurse-eva",
            "call",
            "add",
            &citizen,
            "--reason",
            "mere åndenød i nat",
            "--minutes",
            "7",
            "--symptom",
            "breathlessness:mere end vanligt",
            "--symptom",
            "fever=no",
            "--advice",
            "start prednisolon",
            "--medicine",
            "Prednisolon:37,5 mg i 5 dage",
            "--level",
            "3",
            "--follow-up-hours",
            "4",
        ],
    ));
    let key = logged["call"]["key"].as_str().expect("key").to_owned();
    assert!(key.starts_with("urn:uuid:"));
    assert_eq!(logged["call"]["nurse"], "nurse-eva");
    assert_eq!(logged["call"]["symptoms"][1]["present"], false);
    assert!(logged["saved"]["level_decision"].is_string());
    let levels = json_of(&vagtctl(&db, &["--json", "level", "show", &citizen]));
    assert_eq!(
        levels["confirmed"], 3,
        "the assessment is her confirmed level"
    );

    let unknown = json_of(&vagtctl(
        &db,
        &[
            "--json",
            "call",
            "add",
            "--caller",
            "relative",
            "--caller-name",
            "søn, Jens",
            "--reason",
            "ukendt borger",
        ],
    ));
    assert!(unknown["call"]["citizen_id"].is_null());

    let listed = json_of(&vagtctl(&db, &["--json", "call", "list"]));
    assert_eq!(listed.as_array().expect("list").len(), 2);
    let of_citizen = json_of(&vagtctl(&db, &["--json", "call", "list", &citizen]));
    assert_eq!(of_citizen.as_array().expect("list").len(), 1);
    let shown = vagtctl(&db, &["call", "show", &key[..16]]);
    assert!(shown.status.success());
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.contains("mere åndenød i nat") && text.contains("ECM3"),
        "{text}"
    );

    let wrong = vagtctl(
        &db,
        &[
            "--json",
            "call",
            "add",
            &citizen,
            "--reason",
            " ",
            "--follow-up-hours=-2",
        ],
    );
    assert_eq!(wrong.status.code(), Some(2));
    let error = json_of_failure(&wrong);
    assert_eq!(error["error"]["code"], "invalid_call");
    let fields: Vec<&str> = error["error"]["call_problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p["field"].as_str())
        .collect();
    assert_eq!(fields, vec!["reason", "follow_up_at"]);
    let bad_symptom = vagtctl(
        &db,
        &[
            "call",
            "add",
            &citizen,
            "--reason",
            "x",
            "--symptom",
            "nausea",
        ],
    );
    assert_eq!(bad_symptom.status.code(), Some(2));
    let audit = json_of(&vagtctl(&db, &["--json", "audit", "--limit", "30"]));
    assert!(
        audit["entries"]
            .as_array()
            .expect("list")
            .iter()
            .any(|e| { e["action"] == "call.record" && e["actor"] == "nurse-eva" })
    );
}

#[test]
fn a_dispatch_is_sent_moved_on_to_a_hospital_admission_and_refused_when_wrong() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("dispatch.db");
    demo_at_fixed_end(&db, "6", "10");
    let citizens = json_of(&vagtctl(&db, &["--json", "citizens"]));
    let citizen = citizens[0]["id"].as_str().expect("id").to_owned();
    let sent = json_of(&vagtctl(
        &db,
        &[
            "--json",
            "--as",
            "vagt.anna",
            "dispatch",
            "new",
            &citizen,
            "--reason",
            "SpO2 86 %, åndenød",
            "--urgency",
            "immediate",
            "--nurse",
            "mas.ole",
        ],
    ));
    let key = sent["saved"]["dispatch"]["key"]
        .as_str()
        .expect("key")
        .to_owned();
    assert_eq!(sent["saved"]["dispatch"]["state"], "requested");
    assert_eq!(sent["saved"]["dispatch"]["assigned_to"], "mas.ole");
    let board = json_of(&vagtctl(&db, &["--json", "dispatch", "list"]));
    assert_eq!(board.as_array().expect("list").len(), 1, "on the board");

    // A state it cannot go to from here is refused with its field; nothing changes.
    let skipped = vagtctl(
        &db,
        &[
            "--json",
            "dispatch",
            "state",
            &key[..16],
            "completed",
            "--outcome",
            "stays_home",
        ],
    );
    assert_eq!(skipped.status.code(), Some(2));
    let error = json_of_failure(&skipped);
    assert_eq!(error["error"]["code"], "invalid_dispatch");
    assert_eq!(error["error"]["dispatch_problems"][0]["field"], "state");
    let unknown = vagtctl(&db, &["dispatch", "state", "urn:uuid:nope", "arrived"]);
    assert!(!unknown.status.success());
    let bad_state = vagtctl(&db, &["dispatch", "state", &key, "flying"]);
    assert_eq!(bad_state.status.code(), Some(2));

    for state in ["en-route", "arrived"] {
        json_of(&vagtctl(
            &db,
            &[
                "--json", "--as", "mas.ole", "dispatch", "state", &key, state,
            ],
        ));
    }
    let no_outcome = vagtctl(&db, &["--json", "dispatch", "state", &key, "completed"]);
    assert_eq!(
        json_of_failure(&no_outcome)["error"]["dispatch_problems"][0]["field"],
        "outcome"
    );
    let admitted = json_of(&vagtctl(
        &db,
        &[
            "--json",
            "--as",
            "mas.ole",
            "dispatch",
            "state",
            &key,
            "completed",
            "--outcome",
            "hospital_admission",
            "--note",
            "indlagt Hvidovre",
        ],
    ));
    assert!(admitted["saved"]["level_decision"].is_string());
    assert!(
        !admitted["alarms_raised"]
            .as_array()
            .expect("alarms")
            .is_empty(),
        "the admission raises its alarm"
    );
    let levels = json_of(&vagtctl(&db, &["--json", "level", "show", &citizen]));
    assert_eq!(levels["confirmed"], 6, "a hospital admission is ECM6");
    let board = json_of(&vagtctl(&db, &["--json", "dispatch", "list"]));
    assert!(board.as_array().expect("list").is_empty(), "off the board");
    let all = json_of(&vagtctl(
        &db,
        &["--json", "dispatch", "list", &citizen, "--all"],
    ));
    assert_eq!(all[0]["outcome"], "hospital_admission");
    let shown = vagtctl(&db, &["dispatch", "show", &key[..16]]);
    let text = String::from_utf8_lossy(&shown.stdout);
    for expected in [
        "requested",
        "en_route",
        "arrived",
        "completed",
        "indlagt Hvidovre",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    let audit = json_of(&vagtctl(&db, &["--json", "audit", "--limit", "40"]));
    let actions: Vec<(&str, &str)> = audit["entries"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|e| Some((e["action"].as_str()?, e["actor"].as_str()?)))
        .collect();
    assert!(
        actions.contains(&("dispatch.change", "mas.ole")),
        "{actions:?}"
    );
    assert!(
        actions.iter().any(|(a, _)| *a == "dispatch.read"),
        "{actions:?}"
    );
}
