//! NEWS2 in the worklist summary and per citizen: scored from current home readings on the
//! SpO2 scale of the citizen's plan, as a floor, and only from a recent full set.

mod common;
use common::*;
use std::path::Path;
use vagt_core::news2::{AssumedPart, Risk, SpO2Scale};
use vagt_core::plan::DocumentFormat;
use vagt_core::time_util::{MILLIS_PER_DAY, MILLIS_PER_MINUTE};
use vagt_core::{
    Citizen, CitizenId, Diagnosis, IncomingMeasurement, Parameter, SourceRef, Timestamp,
};
use vagt_store::{Actor, CitizenSummary, DbKey, OpenMode, PullBatch, Store};

fn store(dir: &Path) -> Store {
    let key = DbKey::from_hex(&"6e".repeat(32)).expect("hex");
    Store::open_with_key(&dir.join("news2.db"), &key, OpenMode::CreateIfMissing).expect("store")
}

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-22T12:00:00Z").expect("valid")
}

fn nurse() -> Actor {
    Actor("nurse-anna".into())
}

fn citizen(id: &str) -> Citizen {
    Citizen {
        id: CitizenId::new(id).expect("valid"),
        name: format!("Test {id}"),
        birth_date: None,
        diagnoses: vec![Diagnosis::Copd, Diagnosis::HeartFailure],
        phone: None,
        address: None,
    }
}

fn measurement(
    citizen: &str,
    parameter: Parameter,
    value: f64,
    at: Timestamp,
    version: &str,
) -> IncomingMeasurement {
    IncomingMeasurement {
        citizen_id: CitizenId::new(citizen).expect("valid"),
        parameter,
        value,
        unit: parameter.canonical_unit().into(),
        effective_at: at,
        source: SourceRef {
            id: format!("test|{citizen}-{}-{}", parameter.code(), at.millis()),
            version: version.into(),
        },
    }
}

/// RR 22 (2), SpO2 89 (3 on Scale 1, 0 on Scale 2), systolic 105 (1), pulse 115 (2),
/// temperature 38.5 (1); Alert and air assumed (0, 0). Measured over 40 minutes.
fn full_set(citizen: &str, start: Timestamp) -> Vec<IncomingMeasurement> {
    [
        (Parameter::RespiratoryRate, 22.0, 0),
        (Parameter::Spo2, 89.0, 10),
        (Parameter::SystolicBp, 105.0, 20),
        (Parameter::Pulse, 115.0, 30),
        (Parameter::Temperature, 38.5, 40),
    ]
    .into_iter()
    .map(|(p, v, minutes)| {
        measurement(
            citizen,
            p,
            v,
            start.plus_millis(minutes * MILLIS_PER_MINUTE),
            "1",
        )
    })
    .collect()
}

fn summary_of<'a>(list: &'a [CitizenSummary], id: &str) -> &'a CitizenSummary {
    list.iter().find(|s| s.id.as_str() == id).expect("listed")
}

#[test]
fn the_summary_shows_news2_of_the_newest_recent_full_set_on_the_plans_scale() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    for id in ["full", "no-rr", "scale2", "old", "retracted"] {
        store
            .upsert_citizen(&Actor::system(), &citizen(id))
            .expect("citizen");
    }
    let this_morning = now().plus_millis(-4 * 60 * MILLIS_PER_MINUTE);
    let mut readings = Vec::new();
    readings.extend(full_set("full", this_morning));
    readings.extend(
        full_set("no-rr", this_morning)
            .into_iter()
            .filter(|m| m.parameter != Parameter::RespiratoryRate),
    );
    readings.extend(full_set("scale2", this_morning));
    readings.extend(full_set("old", now().plus_millis(-8 * MILLIS_PER_DAY)));
    readings.extend(full_set("retracted", this_morning));
    // A correction of today's pulse: the current version (2) counts, not the first.
    let mut corrected = full_set("full", this_morning)
        .into_iter()
        .find(|m| m.parameter == Parameter::Pulse)
        .expect("a pulse");
    corrected.value = 135.0;
    corrected.source.version = "2".into();
    readings.push(corrected);
    let report = store
        .ingest(&Actor::system(), "test", readings, now())
        .expect("ingest");
    assert_eq!(report.rejected, 0, "{report:?}");

    // The retracted citizen's respiratory rate is withdrawn by the backend.
    let rr_source = full_set("retracted", this_morning)
        .into_iter()
        .find(|m| m.parameter == Parameter::RespiratoryRate)
        .expect("rr")
        .source
        .id;
    store
        .apply_pull(
            "test",
            "Observation",
            PullBatch {
                retractions: vec![rr_source],
                ..PullBatch::default()
            },
            None,
            now(),
        )
        .expect("retraction");

    store
        .set_plan(
            &cid("scale2"),
            "[news2]\nspo2_scale = \"scale2\"\n",
            DocumentFormat::Toml,
            &Actor("dr-hansen".into()),
            "hypercapnisk respirationssvigt, mål 88-92 %",
            None,
        )
        .expect("plan");

    // The worklist shows what the last evaluation found.
    store.evaluate_due(now()).expect("evaluation");
    let list = store.citizen_summaries_at(&nurse(), now()).expect("list");

    let full = summary_of(&list, "full")
        .news2
        .as_ref()
        .expect("a full set today");
    // RR 2 + SpO2 3 + SBP 1 + corrected pulse 135 (3) + temperature 1.
    assert_eq!(full.scale, SpO2Scale::Scale1);
    assert_eq!(full.score.spo2, 3);
    assert_eq!(full.score.pulse, 3, "the corrected pulse counts");
    assert_eq!((full.score.total, full.score.risk), (10, Risk::High));
    assert_eq!(
        full.at,
        this_morning.plus_millis(40 * MILLIS_PER_MINUTE),
        "the instant is the newest of the five"
    );
    assert_eq!(full.readings.pulse.value, 135.0);
    assert!(full.is_minimum);
    assert_eq!(
        full.assumed,
        [AssumedPart::Consciousness, AssumedPart::Oxygen]
    );

    assert_eq!(
        summary_of(&list, "no-rr").news2,
        None,
        "no respiratory rate"
    );
    assert_eq!(summary_of(&list, "old").news2, None, "older than a week");
    assert_eq!(
        summary_of(&list, "retracted").news2,
        None,
        "a withdrawn reading does not count"
    );

    let scale2 = summary_of(&list, "scale2").news2.as_ref().expect("a set");
    // SpO2 89 % is on target on Scale 2: RR 2 + SBP 1 + pulse 115 (2) + temperature 1.
    assert_eq!(scale2.scale, SpO2Scale::Scale2);
    assert_eq!(scale2.score.spo2, 0);
    assert_eq!((scale2.score.total, scale2.score.risk), (6, Risk::Medium));

    // The same for one citizen, audited as a read of that citizen's data.
    let one = store
        .news2(&nurse(), &CitizenId::new("scale2").expect("id"), now())
        .expect("news2");
    assert_eq!(one.as_ref(), Some(scale2));
    let none = store
        .news2(&nurse(), &CitizenId::new("no-rr").expect("id"), now())
        .expect("news2");
    assert_eq!(none, None);
    let entries = store.audit_entries(3).expect("audit");
    assert!(
        entries
            .iter()
            .take(2)
            .all(|e| e.action == "news2.read" && e.actor == "nurse-anna" && e.detail.is_none()),
        "{entries:?}"
    );
    assert_eq!(entries[0].subject_id.as_deref(), Some("no-rr"));
    assert_eq!(entries[2].action, "citizens.list", "the list is one access");
    let unknown = store.news2(&nurse(), &CitizenId::new("nobody").expect("id"), now());
    assert!(
        matches!(&unknown, Err(e) if e.code() == "unknown_citizen"),
        "{unknown:?}"
    );

    // The JSON the worklist and `vagtctl citizens --json` carry.
    let json = serde_json::to_value(summary_of(&list, "full")).expect("json");
    assert_eq!(json["news2"]["score"]["total"], 10);
    assert_eq!(json["news2"]["score"]["risk"], "high");
    assert_eq!(json["news2"]["is_minimum"], true);
    assert_eq!(json["news2"]["scale"], "scale1");
    let json = serde_json::to_value(summary_of(&list, "no-rr")).expect("json");
    assert!(json["news2"].is_null());
}

#[test]
fn the_demo_cohort_gives_news2_to_citizens_who_measure_a_full_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    let spec = vagt_cohort::CohortSpec {
        seed: 5,
        citizens: 30,
        days: 14,
        end: now(),
    };
    load_demo(&mut store, &Actor::system(), &spec).expect("demo");
    // The worklist shows what the last evaluation found.
    store.evaluate_due(now()).expect("evaluation");
    let list = store.citizen_summaries_at(&nurse(), now()).expect("list");
    let both = |s: &CitizenSummary| {
        s.diagnoses.contains(&Diagnosis::Copd) && s.diagnoses.contains(&Diagnosis::HeartFailure)
    };
    assert!(
        list.iter().any(both),
        "the cohort has COPD with heart failure"
    );
    for s in &list {
        // Only citizens with both diagnoses measure all five parameters; one who stopped
        // measuring more than a week ago would have none, which 14 days do not produce.
        assert_eq!(s.news2.is_some(), both(s), "{}: {:?}", s.id, s.diagnoses);
    }
}
