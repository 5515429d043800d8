//! `vagtctl visit` and `vagtctl box` over a real `vagt-sim`: the medicine box comes from the
//! backend's prescriptions; a visit with a drug from the box, for an arrived dispatch, is
//! recorded with its exact NEWS2, completes the dispatch and admits the citizen (ECM6); a
//! visit with a value typed in the wrong unit is refused at its field; the visit reaches a
//! second station through the backend.

mod common;
use common::{json_of, json_of_failure, vagtctl};
use vagt_core::Timestamp;
use vagt_sim::SimConfig;

#[test]
fn a_visit_from_the_box_completes_its_dispatch_and_reaches_another_station() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let sim = runtime
        .block_on(vagt_sim::spawn(SimConfig {
            citizens: 6,
            days: 3,
            end: Timestamp::now(),
            ..SimConfig::default()
        }))
        .expect("sim");
    let dir = tempfile::tempdir().expect("tempdir");
    let laptop = dir.path().join("laptop.db");
    let station = dir.path().join("station.db");
    for db in [&laptop, &station] {
        assert!(vagtctl(db, &["init"]).status.success());
        let synced = vagtctl(db, &["sync", "--once", "--backend", &sim.base_url]);
        assert!(
            synced.status.success(),
            "{}",
            String::from_utf8_lossy(&synced.stderr)
        );
    }
    // A citizen with a medicine box (COPD or heart failure).
    let citizens = json_of(&vagtctl(&laptop, &["--json", "citizens"]));
    let (citizen, medicine) = citizens
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .find_map(|id| {
            let medicine = json_of(&vagtctl(&laptop, &["--json", "box", id]));
            (!medicine.as_array()?.is_empty()).then(|| (id.to_owned(), medicine))
        })
        .expect("a citizen with a box");
    let first = &medicine[0];
    assert!(
        first["source_id"]
            .as_str()
            .expect("source")
            .contains("MedicationRequest/")
    );
    assert!(!first["dose"].as_str().expect("dose").is_empty());

    let dispatch = json_of(&vagtctl(
        &laptop,
        &[
            "--json",
            "--as",
            "mas.ole",
            "dispatch",
            "new",
            &citizen,
            "--reason",
            "åndenød",
        ],
    ));
    let key = dispatch["saved"]["dispatch"]["key"]
        .as_str()
        .expect("key")
        .to_owned();
    for state in ["en_route", "arrived"] {
        json_of(&vagtctl(
            &laptop,
            &[
                "--json", "--as", "mas.ole", "dispatch", "state", &key, state,
            ],
        ));
    }
    let record = |blood_gas: &str| {
        vagtctl(
            &laptop,
            &[
                "--json",
                "--as",
                "mas.ole",
                "visit",
                "record",
                &citizen,
                "--rr",
                "26",
                "--spo2",
                "86",
                "--bp",
                "104/66",
                "--pulse",
                "112",
                "--acvpu",
                "new_confusion",
                "--temp",
                "38.6",
                "--crp",
                "118",
                "--blood-gas",
                blood_gas,
                "--sputum",
                "--treatment",
                "box:1:oral",
                "--treatment",
                "Salbutamol:5 mg:nebulised",
                "--e-doctor",
                "--outcome",
                "hospital_admission",
                "--plan",
                "indlagt med ambulance",
                "--dispatch",
                &key,
            ],
        )
    };
    // pCO2 typed in mmHg (59) instead of kPa: refused at its field, nothing kept.
    let wrong_unit = record("7.31/59/6.9");
    assert_eq!(wrong_unit.status.code(), Some(2));
    let error = json_of_failure(&wrong_unit);
    assert_eq!(error["error"]["code"], "invalid_visit");
    assert_eq!(
        error["error"]["visit_problems"][0]["field"],
        "samples.blood_gas.pco2_kpa"
    );
    assert!(
        json_of(&vagtctl(&laptop, &["--json", "visit", "list"]))
            .as_array()
            .expect("list")
            .is_empty()
    );
    let recorded = json_of(&record("7.31/8.4/6.9"));
    // RR 26 → 3, SpO2 86 → 3, air 0, SBP 104 → 1, pulse 112 → 2, confusion 3, 38.6 °C → 1.
    assert_eq!(recorded["saved"]["news2"]["total"], 13);
    assert_eq!(recorded["saved"]["news2"]["risk"], "high");
    assert_eq!(recorded["saved"]["completed_dispatch"], key.as_str());
    let given = &recorded["visit"]["treatments"];
    assert_eq!(given[0]["from_box"], first["source_id"]);
    assert_eq!(given[0]["drug"], first["drug"]);
    assert!(given[1]["from_box"].is_null());
    let levels = json_of(&vagtctl(&laptop, &["--json", "level", "show", &citizen]));
    assert_eq!(levels["confirmed"], 6);
    let shown = vagtctl(
        &laptop,
        &[
            "visit",
            "show",
            recorded["visit"]["key"].as_str().expect("key"),
        ],
    );
    let text = String::from_utf8_lossy(&shown.stdout);
    for expected in [
        "NEWS2 13",
        "pCO2 8.4 kPa",
        "(medicine box)",
        "hospital_admission",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }

    // Through the backend to the station.
    for db in [&laptop, &station] {
        let synced = vagtctl(db, &["sync", "--once", "--backend", &sim.base_url]);
        assert!(
            synced.status.success(),
            "{}",
            String::from_utf8_lossy(&synced.stderr)
        );
    }
    let at_station = json_of(&vagtctl(&station, &["--json", "visit", "list", &citizen]));
    assert_eq!(
        at_station,
        json_of(&vagtctl(&laptop, &["--json", "visit", "list", &citizen]))
    );
    assert_eq!(at_station.as_array().expect("list").len(), 1);
    let levels = json_of(&vagtctl(&station, &["--json", "level", "show", &citizen]));
    assert_eq!(levels["confirmed"], 6);
    let board = json_of(&vagtctl(
        &station,
        &["--json", "dispatch", "list", &citizen, "--all"],
    ));
    assert_eq!(board[0]["state"], "completed");
    runtime.block_on(sim.shutdown());
}
