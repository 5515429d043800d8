//! The simulator over real HTTP on loopback, as the sync sees it: FHIR REST behaviour, live
//! changes, pushes, auth, each fault profile, and a round trip of everything it serves through
//! the sync's own mappers.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant};
use vagt_cohort::{CohortSpec, generate};
use vagt_core::{CareEventKind, CareEventUpdate, CitizenId, Diagnosis, Parameter, Timestamp};
use vagt_fhir::{
    Bundle, CapabilityStatement, ObservationUpdate, QuestionnaireUpdate, local_reference,
    map_condition, map_encounter, map_observation, map_patient, map_questionnaire_response,
    parse_bundle, parse_resource,
};
use vagt_sim::{AdvanceSpec, FaultProfile, RunningSim, SimConfig};

fn end() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-20T10:00:00Z").expect("valid instant")
}

fn config(citizens: usize, days: u32) -> SimConfig {
    SimConfig {
        seed: 7,
        citizens,
        days,
        end: end(),
        token: None,
        faults: FaultProfile::none(),
        fault_seed: 3,
    }
}

async fn start(config: SimConfig) -> RunningSim {
    vagt_sim::spawn(config).await.expect("simulator starts")
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

async fn get_bundle(client: &Client, url: &str) -> Bundle {
    let response = client.get(url).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/fhir+json; charset=utf-8")
    );
    let bytes = response.bytes().await.expect("body");
    parse_bundle(&bytes).expect("a Bundle")
}

/// Every entry of a search, following `next` links; and the number of pages.
async fn page_all(client: &Client, first: &str) -> (Vec<Value>, usize) {
    let mut url = Some(first.to_owned());
    let mut resources = Vec::new();
    let mut pages = 0;
    while let Some(current) = url {
        let bundle = get_bundle(client, &current).await;
        pages += 1;
        assert!(pages < 10_000, "paging does not end");
        resources.extend(bundle.resources().cloned());
        url = bundle.next_link().map(str::to_owned);
    }
    (resources, pages)
}

fn id_of(resource: &Value) -> String {
    resource["id"].as_str().expect("an id").to_owned()
}

fn version_of(resource: &Value) -> String {
    resource["meta"]["versionId"]
        .as_str()
        .expect("a versionId")
        .to_owned()
}

fn last_updated_of(resource: &Value) -> Timestamp {
    Timestamp::parse_rfc3339(
        resource["meta"]["lastUpdated"]
            .as_str()
            .expect("lastUpdated"),
    )
    .expect("an instant")
}

async fn total(client: &Client, url: &str) -> u64 {
    let bundle = get_bundle(client, url).await;
    assert!(bundle.entry.is_empty(), "_summary=count has no entries");
    bundle.total.expect("a total")
}

// ---------------------------------------------------------------------------------------------
// FHIR REST

#[tokio::test]
async fn metadata_parses_with_vagt_fhir_types() {
    let sim = start(config(2, 2)).await;
    let body = client()
        .get(format!("{}/metadata", sim.base_url))
        .send()
        .await
        .expect("request")
        .bytes()
        .await
        .expect("body");
    let capability: CapabilityStatement = parse_resource(&body).expect("a CapabilityStatement");
    assert_eq!(capability.fhir_version.as_deref(), Some("4.0.1"));
    assert!(capability.supports_transaction());
    for resource_type in [
        "Patient",
        "Condition",
        "Observation",
        "QuestionnaireResponse",
        "Encounter",
    ] {
        for param in ["_lastUpdated", "_count", "_sort", "_summary", "identifier"] {
            assert!(
                capability.can_search(resource_type, param),
                "{resource_type} {param}"
            );
        }
        let resource = capability.resource(resource_type).expect("declared");
        assert!(resource.supports("read") && resource.supports("vread"));
        assert_eq!(resource.versioning.as_deref(), Some("versioned"));
    }
    assert!(capability.can_search("Observation", "subject"));
    for pushed in [
        "Communication",
        "Encounter",
        "Task",
        "Observation",
        "ClinicalImpression",
    ] {
        let resource = capability.resource(pushed).expect("declared");
        assert!(resource.supports("create"), "{pushed}");
        assert_eq!(resource.conditional_create, Some(true), "{pushed}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn paging_returns_every_observation_once_in_order_and_total_matches_count() {
    let sim = start(config(6, 10)).await;
    let client = client();
    let base = &sim.base_url;
    let (resources, pages) = page_all(
        &client,
        &format!("{base}/Observation?_count=37&_sort=_lastUpdated"),
    )
    .await;
    let count = total(&client, &format!("{base}/Observation?_summary=count")).await;
    assert_eq!(resources.len() as u64, count);
    assert!(pages > 3, "several pages: {pages}");
    let ids: HashSet<String> = resources.iter().map(id_of).collect();
    assert_eq!(ids.len(), resources.len(), "each resource exactly once");
    let times: Vec<Timestamp> = resources.iter().map(last_updated_of).collect();
    assert!(
        times.windows(2).all(|w| w[0] < w[1]),
        "ascending, unique lastUpdated"
    );
    assert!(
        times.last().is_some_and(|t| *t < end()),
        "initial load before end"
    );
    let snapshot = sim.snapshot().await;
    assert_eq!(snapshot.observations.len(), resources.len());

    let first = get_bundle(&client, &format!("{base}/Observation?_count=37")).await;
    assert_eq!(
        first.total,
        Some(count),
        "a page's total is the whole match"
    );
    assert_eq!(first.bundle_type.as_deref(), Some("searchset"));
    let entry = &first.entry[0];
    assert_eq!(
        entry.search.as_ref().and_then(|s| s.mode.as_deref()),
        Some("match")
    );
    assert_eq!(
        entry.full_url.as_deref(),
        Some(
            format!(
                "{base}/Observation/{}",
                id_of(entry.resource.as_ref().expect("resource"))
            )
            .as_str()
        )
    );
    assert!(
        first
            .link
            .iter()
            .any(|l| l.relation.as_deref() == Some("self"))
    );

    // A filter by subject and an upper bound carry over to the next links.
    let patient = &snapshot.patients[0].id;
    let upper = times[times.len() / 2].to_rfc3339();
    let (some, _) = page_all(
        &client,
        &format!("{base}/Observation?subject=Patient/{patient}&_lastUpdated=le{upper}&_count=5"),
    )
    .await;
    let expected = resources
        .iter()
        .filter(|r| r["subject"]["reference"] == format!("Patient/{patient}"))
        .filter(|r| last_updated_of(r) <= times[times.len() / 2])
        .count();
    assert!(expected > 5);
    assert_eq!(some.len(), expected);

    let by_cpr = get_bundle(
        &client,
        &format!(
            "{base}/Patient?identifier={}%7C{}",
            vagt_fhir::codes::system::CPR,
            snapshot.patients[1].citizen_id
        ),
    )
    .await;
    assert_eq!(by_cpr.entry.len(), 1);
    assert_eq!(
        id_of(&by_cpr.entry[0].resource.clone().expect("resource")),
        snapshot.patients[1].id
    );
    sim.shutdown().await;
}

/// A first page says how many match; a continued one does not unless `_total=accurate` asks
/// (counting for every page made a whole pull quadratic); `_total=none` leaves it off.
#[tokio::test]
async fn a_total_is_given_on_the_first_page_and_where_asked() {
    let sim = start(config(4, 6)).await;
    let client = client();
    let base = &sim.base_url;
    let count = total(&client, &format!("{base}/Observation?_summary=count")).await;
    assert!(count > 10, "{count}");

    let first = get_bundle(&client, &format!("{base}/Observation?_count=5")).await;
    assert_eq!(first.total, Some(count));
    let next = first.next_link().expect("a next link").to_owned();
    let continued = get_bundle(&client, &next).await;
    assert_eq!(
        continued.total, None,
        "a continued page leaves the total out"
    );
    assert_eq!(continued.entry.len(), 5);
    assert!(
        continued.next_link().is_some(),
        "and still knows there is more"
    );

    let accurate = get_bundle(
        &client,
        &format!("{base}/Observation?_count=5&_total=accurate"),
    )
    .await;
    let next = accurate.next_link().expect("a next link").to_owned();
    assert!(next.contains("_total=accurate"), "{next}");
    let continued = get_bundle(&client, &next).await;
    assert_eq!(
        continued.total,
        Some(count - 5),
        "asked for, it counts what follows the cursor"
    );

    let none = get_bundle(&client, &format!("{base}/Observation?_count=5&_total=none")).await;
    assert_eq!((none.total, none.entry.len()), (None, 5));
    let last = get_bundle(
        &client,
        &format!("{base}/Observation?_count=5&_offset={}", count - 2),
    )
    .await;
    assert_eq!((last.total, last.entry.len()), (Some(count), 2));
    assert!(last.next_link().is_none(), "the last page has no next link");

    let refused = client
        .get(format!("{base}/Observation?_total=some"))
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    sim.shutdown().await;
}

#[tokio::test]
async fn last_updated_gt_after_an_advance_returns_exactly_what_changed() {
    let sim = start(config(8, 5)).await;
    let client = client();
    let base = &sim.base_url;
    let mark = sim.snapshot().await.high_water.expect("data");
    let report = sim
        .advance(AdvanceSpec {
            new_readings: 6,
            late_readings: 3,
            corrections: 2,
            retractions: 2,
            new_citizens: 1,
            new_responses: 3,
            amended_responses: 1,
            retracted_responses: 1,
            silent_citizens: 1,
        })
        .await;
    assert_eq!(report.corrections.len(), 2);
    assert_eq!(report.retractions.len(), 2);
    assert_eq!(report.new_patients.len(), 2, "one measuring, one silent");
    assert!(report.late_readings.len() >= 3);
    assert!(report.new_responses.len() >= 3);
    assert_eq!(report.amended_responses.len(), 1);
    assert_eq!(report.retracted_responses.len(), 1);
    for resource_type in [
        "Observation",
        "Patient",
        "EpisodeOfCare",
        "Condition",
        "QuestionnaireResponse",
    ] {
        let (changed, _) = page_all(
            &client,
            &format!(
                "{base}/{resource_type}?_lastUpdated=gt{}&_count=7",
                mark.to_rfc3339()
            ),
        )
        .await;
        let got: BTreeSet<(String, String)> =
            changed.iter().map(|r| (id_of(r), version_of(r))).collect();
        let mut latest: BTreeMap<String, String> = BTreeMap::new();
        for c in report
            .changed
            .iter()
            .filter(|c| c.resource_type == resource_type)
        {
            latest.insert(c.id.clone(), c.version_id.clone());
        }
        let want: BTreeSet<(String, String)> = latest.into_iter().collect();
        assert!(!want.is_empty(), "{resource_type}");
        assert_eq!(got, want, "{resource_type}");
    }
    let (observations, _) = page_all(
        &client,
        &format!("{base}/Observation?_lastUpdated=gt{}", mark.to_rfc3339()),
    )
    .await;
    let status = |id: &str| {
        observations
            .iter()
            .find(|r| id_of(r) == id)
            .map(|r| r["status"].as_str().unwrap_or_default().to_owned())
    };
    for id in &report.corrections {
        assert_eq!(status(id).as_deref(), Some("amended"));
    }
    for id in &report.retractions {
        assert_eq!(status(id).as_deref(), Some("entered-in-error"));
    }
    let snapshot = sim.snapshot().await;
    for id in &report.retractions {
        assert!(snapshot.retracted.contains(id));
        assert!(!snapshot.observations.iter().any(|o| &o.id == id));
    }
    let now = Timestamp::now();
    for id in &report.late_readings {
        let o = snapshot
            .observations
            .iter()
            .find(|o| &o.id == id)
            .expect("served");
        let age = o.last_updated.millis() - o.effective_at.expect("effective").millis();
        assert!(
            (86_400_000 - 1000..=3 * 86_400_000 + 1000).contains(&age),
            "late by 1-3 days: {age} ms"
        );
        assert!(o.last_updated > mark && o.last_updated.millis() <= now.millis() + 60_000);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn vread_of_version_1_after_a_correction_returns_the_old_value() {
    let sim = start(config(4, 3)).await;
    let client = client();
    let report = sim
        .advance(AdvanceSpec {
            corrections: 1,
            ..AdvanceSpec::default()
        })
        .await;
    let id = report.corrections.first().expect("one correction");
    let url = format!("{}/Observation/{id}", sim.base_url);
    let current = client.get(&url).send().await.expect("read");
    assert_eq!(current.status(), StatusCode::OK);
    assert_eq!(
        current.headers().get("etag").and_then(|v| v.to_str().ok()),
        Some("W/\"2\"")
    );
    assert!(current.headers().get("last-modified").is_some());
    let current: Value = current.json().await.expect("json");
    let old: Value = client
        .get(format!("{url}/_history/1"))
        .send()
        .await
        .expect("vread")
        .json()
        .await
        .expect("json");
    assert_eq!(version_of(&old), "1");
    assert_eq!(old["status"], "final");
    assert_eq!(current["status"], "amended");
    let value = |r: &Value| {
        r["valueQuantity"]["value"]
            .as_f64()
            .or_else(|| r["component"][0]["valueQuantity"]["value"].as_f64())
            .expect("a value")
    };
    assert_ne!(value(&old), value(&current));
    assert!(last_updated_of(&old) < last_updated_of(&current));

    for missing in [
        format!("{url}/_history/3"),
        format!("{}/Observation/o-999999", sim.base_url),
        format!("{}/Basic/x", sim.base_url),
    ] {
        let response = client.get(&missing).send().await.expect("request");
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{missing}");
        let outcome: Value = response.json().await.expect("json");
        assert_eq!(outcome["resourceType"], "OperationOutcome");
    }
    sim.shutdown().await;
}

fn communication(identifier: &str) -> Value {
    json!({
        "resourceType": "Communication",
        "identifier": [{"system": "urn:vagt:communication", "value": identifier}],
        "status": "completed",
        "subject": {"reference": "Patient/p-0001"},
        "payload": [{"contentString": "Opkald: borger har det bedre"}],
    })
}

#[tokio::test]
async fn conditional_create_twice_stores_one_resource() {
    let sim = start(config(2, 2)).await;
    let client = client();
    let url = format!("{}/Communication", sim.base_url);
    let post = || {
        client
            .post(&url)
            .header("content-type", "application/fhir+json")
            .header("if-none-exist", "identifier=urn:vagt:communication|call-1")
            .body(communication("call-1").to_string())
            .send()
    };
    let first = post().await.expect("create");
    assert_eq!(first.status(), StatusCode::CREATED);
    let location = first
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a Location")
        .to_owned();
    assert!(
        location.starts_with(&url) && location.ends_with("/_history/1"),
        "{location}"
    );
    assert_eq!(
        first.headers().get("etag").and_then(|v| v.to_str().ok()),
        Some("W/\"1\"")
    );
    let created: Value = first.json().await.expect("json");
    let second = post().await.expect("create again");
    assert_eq!(second.status(), StatusCode::OK);
    let existing: Value = second.json().await.expect("json");
    assert_eq!(id_of(&existing), id_of(&created));

    let found = get_bundle(
        &client,
        &format!("{url}?identifier=urn:vagt:communication%7Ccall-1"),
    )
    .await;
    assert_eq!(found.total, Some(1));
    let all = get_bundle(&client, &format!("{url}?_summary=count")).await;
    assert_eq!(all.total, Some(1));

    let wrong_type = client
        .post(&url)
        .body(json!({"resourceType": "Task"}).to_string())
        .send()
        .await
        .expect("request");
    assert_eq!(wrong_type.status(), StatusCode::BAD_REQUEST);
    let not_json = client.post(&url).body("{").send().await.expect("request");
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    // The cohort's conditions are the backend's: a station reads them, never makes one.
    let condition = client
        .post(format!("{}/Condition", sim.base_url))
        .body(json!({"resourceType": "Condition"}).to_string())
        .send()
        .await
        .expect("request");
    assert_eq!(condition.status(), StatusCode::METHOD_NOT_ALLOWED);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_transaction_creates_all_entries_and_a_resend_creates_none() {
    let sim = start(config(2, 2)).await;
    let client = client();
    let transaction = json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:7d3c1a52-0000-4000-8000-000000000001",
                "resource": {
                    "resourceType": "Task",
                    "identifier": [{"system": "urn:vagt:task", "value": "t-1"}],
                    "status": "requested", "intent": "order",
                    "for": {"reference": "Patient/p-0001"},
                },
                "request": {"method": "POST", "url": "Task", "ifNoneExist": "identifier=urn:vagt:task|t-1"},
            },
            {
                "fullUrl": "urn:uuid:7d3c1a52-0000-4000-8000-000000000002",
                "resource": {
                    "resourceType": "Communication",
                    "identifier": [{"system": "urn:vagt:communication", "value": "c-1"}],
                    "status": "completed",
                    "basedOn": [{"reference": "urn:uuid:7d3c1a52-0000-4000-8000-000000000001"}],
                },
                "request": {"method": "POST", "url": "Communication",
                            "ifNoneExist": "identifier=urn:vagt:communication|c-1"},
            },
        ],
    });
    let send = || {
        client
            .post(&sim.base_url)
            .header("content-type", "application/fhir+json")
            .body(transaction.to_string())
            .send()
    };
    let first = send().await.expect("transaction");
    assert_eq!(first.status(), StatusCode::OK);
    let first = parse_bundle(&first.bytes().await.expect("body")).expect("bundle");
    assert_eq!(first.bundle_type.as_deref(), Some("transaction-response"));
    let statuses: Vec<Option<u16>> = first
        .entry
        .iter()
        .map(|e| e.response.as_ref().and_then(|r| r.status_code()))
        .collect();
    assert_eq!(statuses, [Some(201), Some(201)]);
    let locations: Vec<String> = first
        .entry
        .iter()
        .filter_map(|e| e.response.as_ref()?.location.clone())
        .collect();
    assert!(locations[0].starts_with("Task/") && locations[1].starts_with("Communication/"));

    let again = send().await.expect("transaction again");
    let again = parse_bundle(&again.bytes().await.expect("body")).expect("bundle");
    let statuses: Vec<Option<u16>> = again
        .entry
        .iter()
        .map(|e| e.response.as_ref().and_then(|r| r.status_code()))
        .collect();
    assert_eq!(statuses, [Some(200), Some(200)]);
    let again_locations: Vec<String> = again
        .entry
        .iter()
        .filter_map(|e| e.response.as_ref()?.location.clone())
        .collect();
    assert_eq!(again_locations, locations);

    let base = &sim.base_url;
    assert_eq!(
        total(&client, &format!("{base}/Task?_summary=count")).await,
        1
    );
    assert_eq!(
        total(&client, &format!("{base}/Communication?_summary=count")).await,
        1
    );
    let task_id = locations[0].split('/').nth(1).expect("id");
    let communications = get_bundle(&client, &format!("{base}/Communication")).await;
    let communication = communications.resources().next().expect("one");
    assert_eq!(
        communication["basedOn"][0]["reference"],
        format!("Task/{task_id}"),
        "urn:uuid references point at the created resource"
    );
    let tasks = get_bundle(&client, &format!("{base}/Task?patient=p-0001")).await;
    assert_eq!(tasks.entry.len(), 1, "Task.for is the patient");

    // All or nothing: one bad entry and nothing is written.
    let mut bad = transaction.clone();
    bad["entry"][0]["resource"]["identifier"][0]["value"] = json!("t-2");
    bad["entry"][0]["request"]["ifNoneExist"] = json!("identifier=urn:vagt:task|t-2");
    bad["entry"][1]["request"]["method"] = json!("DELETE");
    let rejected = client
        .post(base)
        .body(bad.to_string())
        .send()
        .await
        .expect("request");
    assert_eq!(rejected.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        total(&client, &format!("{base}/Task?_summary=count")).await,
        1
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_token_is_required_except_for_metadata() {
    let sim = start(SimConfig {
        token: Some("s3cret".into()),
        ..config(2, 2)
    })
    .await;
    let client = client();
    let url = format!("{}/Patient", sim.base_url);
    let without = client.get(&url).send().await.expect("request");
    assert_eq!(without.status(), StatusCode::UNAUTHORIZED);
    assert!(without.headers().get("www-authenticate").is_some());
    let outcome: Value = without.json().await.expect("json");
    assert_eq!(outcome["resourceType"], "OperationOutcome");
    let wrong = client
        .get(&url)
        .bearer_auth("guess")
        .send()
        .await
        .expect("request");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let right = client
        .get(&url)
        .bearer_auth("s3cret")
        .send()
        .await
        .expect("request");
    assert_eq!(right.status(), StatusCode::OK);
    let metadata = client
        .get(format!("{}/metadata", sim.base_url))
        .send()
        .await
        .expect("request");
    assert_eq!(metadata.status(), StatusCode::OK);
    let admin = format!("http://{}/admin/snapshot", sim.addr);
    let admin_without = client.get(&admin).send().await.expect("request");
    assert_eq!(admin_without.status(), StatusCode::UNAUTHORIZED);
    let admin_with = client
        .get(&admin)
        .bearer_auth("s3cret")
        .send()
        .await
        .expect("request");
    assert_eq!(admin_with.status(), StatusCode::OK);
    sim.shutdown().await;
}

#[tokio::test]
async fn admin_endpoints_advance_set_faults_and_snapshot() {
    let sim = start(config(3, 3)).await;
    let client = client();
    let admin = format!("http://{}/admin", sim.addr);
    let report: vagt_sim::AdvanceReport = client
        .post(format!("{admin}/advance"))
        .json(&json!({"new_readings": 2, "corrections": 1}))
        .send()
        .await
        .expect("advance")
        .json()
        .await
        .expect("a report");
    assert!(report.new_readings.len() >= 2 && report.corrections.len() == 1);
    let set = client
        .post(format!("{admin}/faults"))
        .json(&json!({"profile": "slow"}))
        .send()
        .await
        .expect("faults");
    assert_eq!(set.status(), StatusCode::OK);
    assert_eq!(sim.faults().await, FaultProfile::slow());
    let unknown = client
        .post(format!("{admin}/faults"))
        .json(&json!({"profile": "chaos"}))
        .send()
        .await
        .expect("faults");
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    let custom = FaultProfile {
        error_rate: 1.0,
        ..FaultProfile::none()
    };
    client
        .post(format!("{admin}/faults"))
        .json(&json!({"custom": custom}))
        .send()
        .await
        .expect("faults");
    let failing = client
        .get(format!("{}/Patient", sim.base_url))
        .send()
        .await
        .expect("request");
    assert!(failing.status().is_server_error());
    // Faults never touch metadata nor the admin endpoints.
    let metadata = client
        .get(format!("{}/metadata", sim.base_url))
        .send()
        .await
        .expect("request");
    assert_eq!(metadata.status(), StatusCode::OK);
    let snapshot: vagt_sim::ServerReadings = client
        .get(format!("{admin}/snapshot"))
        .send()
        .await
        .expect("snapshot")
        .json()
        .await
        .expect("readings");
    assert_eq!(snapshot, sim.snapshot().await);
    sim.shutdown().await;
}

#[tokio::test]
async fn live_mode_keeps_adding_readings() {
    let sim = start(config(3, 2)).await;
    let before = sim.snapshot().await;
    sim.start_live(10.0);
    tokio::time::sleep(Duration::from_millis(2300)).await;
    let after = sim.snapshot().await;
    assert!(after.high_water > before.high_water);
    assert!(after.observations.len() >= before.observations.len() + 20);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_binary_prints_its_address_and_serves() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_vagt-sim"))
        .args([
            "--port",
            "0",
            "--citizens",
            "2",
            "--days",
            "2",
            "--faults",
            "none",
            "--live",
        ])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let line = std::io::BufReader::new(stdout)
        .lines()
        .next()
        .expect("a line")
        .expect("readable");
    let base = line
        .strip_prefix("vagt-sim listening on ")
        .expect("the announced address")
        .to_owned();
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with("/fhir"),
        "{base}"
    );
    let count = total(&client(), &format!("{base}/Patient?_summary=count")).await;
    assert_eq!(count, 2);
    child.kill().expect("stops");
    let _ = child.wait();
}

// ---------------------------------------------------------------------------------------------
// Faults

#[tokio::test]
async fn flaky_gives_errors_throttling_and_cut_bodies() {
    let sim = start(SimConfig {
        // Flaky as named, with short stalls to keep the test quick.
        faults: FaultProfile {
            stall_ms: (10, 20),
            ..FaultProfile::flaky()
        },
        ..config(3, 3)
    })
    .await;
    let client = client();
    let url = format!("{}/Observation?_count=20", sim.base_url);
    let (mut ok, mut errors, mut throttled, mut cut) = (0, 0, 0, 0);
    for _ in 0..150 {
        let response = client.get(&url).send().await.expect("headers arrive");
        match response.status() {
            StatusCode::OK => {
                let promised = response.content_length().expect("a Content-Length");
                match response.bytes().await {
                    Ok(bytes) => {
                        assert_eq!(bytes.len() as u64, promised);
                        parse_bundle(&bytes).expect("a whole body parses");
                        ok += 1;
                    }
                    Err(e) => {
                        assert!(e.is_body() || e.is_decode(), "cut mid-body: {e:?}");
                        cut += 1;
                    }
                }
            }
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::INTERNAL_SERVER_ERROR => {
                let outcome: Value = response.json().await.expect("an OperationOutcome");
                assert_eq!(outcome["resourceType"], "OperationOutcome");
                errors += 1;
            }
            StatusCode::TOO_MANY_REQUESTS => {
                assert_eq!(
                    response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok()),
                    Some("1")
                );
                throttled += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!((10..40).contains(&errors), "errors {errors}");
    assert!((5..30).contains(&throttled), "throttled {throttled}");
    assert!((2..20).contains(&cut), "cut {cut}");
    assert!(ok > 80, "ok {ok}");
    sim.shutdown().await;
}

#[tokio::test]
async fn duplicates_repeat_the_previous_pages_tail() {
    let sim = start(SimConfig {
        faults: FaultProfile::duplicates(),
        ..config(4, 4)
    })
    .await;
    let client = client();
    let mut url = Some(format!("{}/Observation?_count=10", sim.base_url));
    let mut previous: Vec<String> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut overlaps = 0;
    while let Some(current) = url {
        let bundle = get_bundle(&client, &current).await;
        let ids: Vec<String> = bundle.resources().map(id_of).collect();
        if !previous.is_empty() {
            let repeated = ids.iter().take_while(|id| previous.contains(id)).count();
            assert!(
                (1..=3).contains(&repeated),
                "a continued page repeats 1-3: {repeated}"
            );
            assert_eq!(ids[..repeated], previous[previous.len() - repeated..]);
            overlaps += 1;
        }
        seen.extend(ids.iter().cloned());
        previous = ids;
        url = bundle.next_link().map(str::to_owned);
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert!(overlaps > 3);
    assert!(seen.len() > unique.len(), "duplicates were served");
    assert_eq!(
        unique.len(),
        sim.snapshot().await.observations.len(),
        "nothing is lost"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn timeout_hangs_every_nth_search() {
    let sim = start(SimConfig {
        faults: FaultProfile {
            hang_every: 3,
            ..FaultProfile::timeout()
        },
        ..config(2, 2)
    })
    .await;
    assert_eq!(FaultProfile::timeout().hang_every, 5);
    assert_eq!(FaultProfile::timeout().hang_ms, 60_000);
    let impatient = Client::builder()
        .timeout(Duration::from_millis(700))
        .build()
        .expect("client");
    let url = format!("{}/Observation?_count=5", sim.base_url);
    let mut outcomes = Vec::new();
    for _ in 0..6 {
        outcomes.push(match impatient.get(&url).send().await {
            Ok(r) => r.bytes().await.is_ok(),
            Err(e) => {
                assert!(e.is_timeout(), "{e}");
                false
            }
        });
    }
    assert_eq!(outcomes, [true, true, false, true, true, false]);
    let started = Instant::now();
    sim.shutdown().await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "a hang does not block shutdown"
    );
}

#[tokio::test]
async fn slow_delays_every_request_but_metadata() {
    let sim = start(SimConfig {
        faults: FaultProfile::slow(),
        ..config(2, 2)
    })
    .await;
    let client = client();
    for _ in 0..4 {
        let started = Instant::now();
        let response = client
            .get(format!("{}/Patient", sim.base_url))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::OK);
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(50), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn late_makes_advance_favour_late_readings() {
    let sim = start(SimConfig {
        faults: FaultProfile::late(),
        ..config(5, 3)
    })
    .await;
    let report = sim
        .advance(AdvanceSpec {
            new_readings: 10,
            ..AdvanceSpec::default()
        })
        .await;
    assert!(
        report.late_readings.len() >= 7 && report.late_readings.len() > report.new_readings.len(),
        "{report:?}"
    );
    sim.shutdown().await;
}

/// A client that retries the way a sync must converges on the exact server set even under
/// the hostile profile.
#[tokio::test]
async fn a_retrying_client_converges_under_hostile_faults() {
    let sim = start(SimConfig {
        faults: FaultProfile {
            hang_ms: 5_000,
            stall_ms: (10, 30),
            ..FaultProfile::hostile()
        },
        ..config(4, 4)
    })
    .await;
    sim.advance(AdvanceSpec {
        new_readings: 5,
        corrections: 3,
        retractions: 2,
        ..AdvanceSpec::default()
    })
    .await;
    let client = Client::builder()
        .timeout(Duration::from_millis(600))
        .build()
        .expect("client");
    let mut held: HashMap<String, (String, String)> = HashMap::new();
    let mut url = format!("{}/Observation?_count=25", sim.base_url);
    let mut attempts = 0;
    loop {
        attempts += 1;
        assert!(attempts < 500, "does not converge");
        let Ok(response) = client.get(&url).send().await else {
            continue;
        };
        if response.status() != StatusCode::OK {
            continue;
        }
        let Ok(bytes) = response.bytes().await else {
            continue;
        };
        let Ok(bundle) = parse_bundle(&bytes) else {
            continue;
        };
        for resource in bundle.resources() {
            let status = resource["status"].as_str().unwrap_or_default().to_owned();
            held.insert(id_of(resource), (version_of(resource), status));
        }
        match bundle.next_link() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    let snapshot = sim.snapshot().await;
    let live: BTreeMap<String, String> = held
        .iter()
        .filter(|(_, (_, status))| status != "entered-in-error")
        .map(|(id, (version, _))| (id.clone(), version.clone()))
        .collect();
    let want: BTreeMap<String, String> = snapshot
        .observations
        .iter()
        .map(|o| (o.id.clone(), o.version_id.clone()))
        .collect();
    assert_eq!(live, want);
    sim.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Round trip through the sync's mappers

/// (citizen, parameter, effective ms) → (value, unit), from the cohort or from mapped FHIR.
type Readings = BTreeMap<(String, Parameter, i64), (f64, String)>;

#[tokio::test]
async fn everything_served_maps_back_to_the_cohort_through_vagt_fhir() {
    // Seed 3's 40 citizens include every code style and device unit with data to carry it.
    let (seed, citizens, days) = (3, 40, 4);
    let sim = start(SimConfig {
        seed,
        ..config(citizens, days)
    })
    .await;
    let client = client();
    let base = sim.base_url.clone();
    let cohort = generate(&CohortSpec {
        seed,
        citizens,
        days,
        end: end(),
    });

    // Patients → citizens, keyed by their local reference.
    let (patients, _) = page_all(&client, &format!("{base}/Patient?_count=500")).await;
    assert_eq!(patients.len(), citizens);
    let mut by_reference: HashMap<String, CitizenId> = HashMap::new();
    for resource in &patients {
        let record = map_patient(resource, &base).expect("a Patient maps");
        let original = cohort
            .citizens
            .iter()
            .find(|c| c.id == record.citizen.id)
            .expect("a cohort citizen");
        assert_eq!(record.citizen.name, original.name);
        assert_eq!(record.citizen.birth_date, original.birth_date);
        assert_eq!(record.citizen.phone, original.phone);
        assert_eq!(record.citizen.address, original.address);
        assert_eq!(record.version, "1");
        by_reference.insert(format!("Patient/{}", id_of(resource)), record.citizen.id);
    }
    let resolve = |reference: &str| {
        let key = local_reference(reference).unwrap_or_else(|| reference.to_owned());
        by_reference.get(&key).cloned()
    };

    // Conditions → diagnoses.
    let (conditions, _) = page_all(&client, &format!("{base}/Condition?_count=500")).await;
    let mut diagnoses: BTreeMap<CitizenId, BTreeSet<Diagnosis>> = BTreeMap::new();
    for resource in &conditions {
        let (citizen, diagnosis) = map_condition(resource, &resolve)
            .expect("a Condition maps")
            .expect("a tracked diagnosis");
        diagnoses.entry(citizen).or_default().insert(diagnosis);
    }
    let want: BTreeMap<CitizenId, BTreeSet<Diagnosis>> = cohort
        .citizens
        .iter()
        .map(|c| (c.id.clone(), c.diagnoses.iter().copied().collect()))
        .collect();
    assert_eq!(diagnoses, want);

    // Observations → measurements; the planted bad ones are rejected on normalising.
    let (observations, _) = page_all(&client, &format!("{base}/Observation?_count=500")).await;
    let raw = serde_json::to_string(&observations).expect("json");
    for marker in [
        "urn:oid:1.2.208.176.2.1",
        "http://loinc.org",
        "urn:iso:std:iso:11073:10101",
        "85354-9",
        "150020",
        "[lb_av]",
        "mL",
        "[degF]",
    ] {
        assert!(raw.contains(marker), "served somewhere: {marker}");
    }
    let mut accepted = Readings::new();
    let mut rejected = Readings::new();
    let mut by_source: HashMap<String, (f64, String)> = HashMap::new();
    for resource in &observations {
        let update = map_observation(resource, &base, &resolve).expect("an Observation maps");
        let ObservationUpdate::Measurements(measurements) = update else {
            panic!("nothing is retracted yet");
        };
        for m in measurements {
            let key = (
                m.citizen_id.to_string(),
                m.parameter,
                m.effective_at.millis(),
            );
            let value = (m.value, m.unit.clone());
            by_source.insert(m.source.id.clone(), value.clone());
            let target = if m.clone().normalise(end()).is_ok() {
                &mut accepted
            } else {
                &mut rejected
            };
            assert!(target.insert(key, value).is_none(), "one reading per key");
        }
    }
    let bad: HashSet<&String> = cohort.expected_rejections.iter().collect();
    let mut want_accepted = Readings::new();
    let mut want_rejected = Readings::new();
    for m in &cohort.measurements {
        if matches!(m.parameter, Parameter::SymptomScore | Parameter::CatScore) {
            continue; // served as QuestionnaireResponses, checked below
        }
        let key = (
            m.citizen_id.to_string(),
            m.parameter,
            m.effective_at.millis(),
        );
        let target = if bad.contains(&m.source.id) {
            &mut want_rejected
        } else {
            &mut want_accepted
        };
        target.insert(key, (m.value, m.unit.clone()));
    }
    let same = |a: &Readings, b: &Readings| {
        a.len() == b.len()
            && a.iter().zip(b).all(|((ka, (va, ua)), (kb, (vb, ub)))| {
                ka == kb && ua == ub && (va - vb).abs() < 1e-9
            })
    };
    assert!(same(&accepted, &want_accepted), "accepted readings differ");
    assert_eq!(rejected.len(), 4, "{rejected:?}");
    assert!(same(&rejected, &want_rejected), "rejected readings differ");

    // The snapshot says what the wire says.
    let snapshot = sim.snapshot().await;
    let mut bad_seen = 0;
    for o in &snapshot.observations {
        for (value, (_, source)) in o.values.iter().zip(o.source_ids(&base)) {
            let (got, unit) = by_source.get(&source).expect("served");
            assert!(
                (got - value.value).abs() < 1e-9 && unit == &value.unit,
                "{source}"
            );
        }
        bad_seen += usize::from(o.bad_by_design);
    }
    assert_eq!(bad_seen, 4);

    // QuestionnaireResponses → the cohort's symptom and CAT scores, each once; the planted
    // response to a form Vagt does not score is rejected, today's half-done form is pending.
    let (responses, _) =
        page_all(&client, &format!("{base}/QuestionnaireResponse?_count=500")).await;
    let mut scores = Readings::new();
    let (mut unknown, mut pending) = (0, 0);
    for resource in &responses {
        match map_questionnaire_response(resource, &base, &resolve) {
            Ok(QuestionnaireUpdate::Measurement(m)) => {
                assert!(m.clone().normalise(end()).is_ok(), "{m:?}");
                let key = (
                    m.citizen_id.to_string(),
                    m.parameter,
                    m.effective_at.millis(),
                );
                assert!(
                    scores.insert(key, (m.value, m.unit)).is_none(),
                    "one score per key"
                );
            }
            Ok(QuestionnaireUpdate::Pending) => pending += 1,
            Ok(QuestionnaireUpdate::Retracted { .. }) => panic!("nothing is retracted yet"),
            Err(rejected) => {
                assert_eq!(
                    rejected.reason.code(),
                    "unknown_questionnaire",
                    "{rejected}"
                );
                unknown += 1;
            }
        }
    }
    let want_scores: Readings = cohort
        .measurements
        .iter()
        .filter(|m| matches!(m.parameter, Parameter::SymptomScore | Parameter::CatScore))
        .map(|m| {
            let key = (
                m.citizen_id.to_string(),
                m.parameter,
                m.effective_at.millis(),
            );
            (key, (m.value, m.unit.clone()))
        })
        .collect();
    assert!(
        want_scores.keys().any(|k| k.1 == Parameter::CatScore)
            && want_scores.keys().any(|k| k.1 == Parameter::SymptomScore)
    );
    assert!(same(&scores, &want_scores), "scores differ");
    assert_eq!((unknown, pending), (1, 1));
    assert_eq!(snapshot.bad_responses_by_design(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn advances_finish_amend_and_retract_forms_and_the_snapshot_follows() {
    let sim = start(config(6, 3)).await;
    let base = sim.base_url.clone();
    let before = sim.snapshot().await;
    let before_readings = before.client_readings(&base);
    let pending: Vec<_> = before
        .questionnaire_responses
        .iter()
        .filter(|r| r.status == "in-progress")
        .collect();
    let [pending] = pending.as_slice() else {
        panic!("one form left in progress: {pending:?}");
    };
    assert!(!before_readings.contains_key(&pending.source_id(&base)));
    assert_eq!(before.bad_responses_by_design(), 1);
    assert!(
        before_readings
            .keys()
            .any(|k| k.contains("|QuestionnaireResponse/qr-")),
        "scores are served as responses"
    );
    assert!(
        before
            .observations
            .iter()
            .flat_map(|o| &o.values)
            .all(|v| !matches!(v.parameter, Parameter::SymptomScore | Parameter::CatScore)),
        "and never also as Observations"
    );

    let report = sim
        .advance(AdvanceSpec {
            new_responses: 2,
            amended_responses: 2,
            retracted_responses: 1,
            ..AdvanceSpec::default()
        })
        .await;
    assert_eq!(
        report.new_responses.first(),
        Some(&pending.id),
        "the form left in progress is finished first"
    );
    assert_eq!(report.new_responses.len(), 2);
    assert_eq!(report.amended_responses.len(), 2);
    assert_eq!(report.retracted_responses.len(), 1);
    let after = sim.snapshot().await;
    let readings = after.client_readings(&base);
    let served = |id: &str| {
        after
            .questionnaire_responses
            .iter()
            .find(|r| r.id == id)
            .expect("served")
    };
    let finished = served(&pending.id);
    assert_eq!(finished.status, "completed");
    assert_eq!(finished.version_id, "2");
    assert!(readings.contains_key(&finished.source_id(&base)));

    let client = client();
    let resolve = |reference: &str| {
        let local = local_reference(reference)?;
        after
            .patients
            .iter()
            .find(|p| local == format!("Patient/{}", p.id))
            .map(|p| p.citizen_id.clone())
    };
    for id in &report.amended_responses {
        let amended = served(id);
        assert_eq!(amended.status, "amended");
        let source = amended.source_id(&base);
        let (version, value) = readings.get(&source).expect("a reading");
        assert_eq!(version, &amended.version_id);
        if let Some((_, old)) = before_readings.get(&source) {
            assert_eq!((value - old).abs(), 1.0, "one answer one step off");
        }
        // The wire says what the snapshot says.
        let resource: Value = client
            .get(format!("{base}/QuestionnaireResponse/{id}"))
            .send()
            .await
            .expect("read")
            .json()
            .await
            .expect("json");
        match map_questionnaire_response(&resource, &base, &resolve) {
            Ok(QuestionnaireUpdate::Measurement(m)) => {
                assert_eq!((&m.source.version, m.value), (version, *value));
            }
            other => panic!("an amended form is a score: {other:?}"),
        }
    }
    for id in &report.retracted_responses {
        assert!(after.retracted_responses.contains(id));
        assert!(!after.questionnaire_responses.iter().any(|r| &r.id == id));
        assert!(!readings.keys().any(|k| k.ends_with(&format!("/{id}"))));
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn encounters_follow_the_exacerbations_page_by_last_updated_and_a_posted_one_is_served() {
    let (seed, citizens, days) = (7, 16, 40);
    let sim = start(config(citizens, days)).await;
    let client = client();
    let base = sim.base_url.clone();
    let snapshot = sim.snapshot().await;
    let cohort = generate(&CohortSpec {
        seed,
        citizens,
        days,
        end: end(),
    });
    let resolve = |reference: &str| {
        let local = local_reference(reference)?;
        snapshot
            .patients
            .iter()
            .find(|p| local == format!("Patient/{}", p.id))
            .map(|p| p.citizen_id.clone())
    };

    // Served in pages of two, sorted, and each maps to what the snapshot says.
    let (served, pages) = page_all(
        &client,
        &format!("{base}/Encounter?_sort=_lastUpdated&_count=2"),
    )
    .await;
    assert_eq!(served.len(), snapshot.encounters.len());
    assert!(pages >= 2, "paged: {pages}");
    assert_eq!(
        total(&client, &format!("{base}/Encounter?_summary=count")).await,
        served.len() as u64
    );
    let mut kinds = BTreeSet::new();
    let mut rejected = 0;
    for resource in &served {
        let id = id_of(resource);
        let known = snapshot
            .encounters
            .iter()
            .find(|e| e.id == id)
            .expect("in the snapshot");
        assert_eq!(version_of(resource), known.version_id);
        match map_encounter(resource, &base, &resolve, end()) {
            Ok(CareEventUpdate::Events {
                citizen_id, events, ..
            }) => {
                let got: Vec<_> = events.iter().map(|e| (e.kind, e.at)).collect();
                assert_eq!(got, known.events, "{id}");
                assert_eq!(Some(&citizen_id), known.citizen_id.as_ref());
                // Each visit or stay begins inside one of the citizen's exacerbations.
                let (first, start) = got[0];
                assert!(
                    cohort
                        .exacerbations
                        .iter()
                        .any(|x| x.citizen_id == citizen_id && x.start <= start && start < x.end),
                    "{id}: {first:?} at {start} is during an exacerbation"
                );
                kinds.extend(got.iter().map(|(kind, _)| *kind));
            }
            Err(reject) => {
                assert_eq!(reject.reason.code(), "unknown_encounter_class", "{id}");
                assert!(known.bad_by_design && known.events.is_empty());
                rejected += 1;
            }
            other => panic!("{id}: {other:?}"),
        }
    }
    assert_eq!(
        kinds,
        BTreeSet::from([
            CareEventKind::MasVisit,
            CareEventKind::AcuteBedAdmission,
            CareEventKind::HospitalAdmission,
            CareEventKind::Discharge,
        ])
    );
    assert_eq!((rejected, snapshot.bad_encounters_by_design()), (1, 1));

    // A stay was written in progress, then finished: version 1 has no discharge yet.
    let stay = snapshot
        .encounters
        .iter()
        .find(|e| e.class == "IMP")
        .expect("a stay");
    assert_eq!(
        (stay.version_id.as_str(), stay.status.as_str()),
        ("2", "finished")
    );
    let first: Value = client
        .get(format!("{base}/Encounter/{}/_history/1", stay.id))
        .send()
        .await
        .expect("vread")
        .json()
        .await
        .expect("json");
    assert_eq!(first["status"], "in-progress");
    assert!(first["period"].get("end").is_none());

    // The same seed gives the same encounters.
    let again = start(config(citizens, days)).await;
    assert_eq!(again.snapshot().await.encounters, snapshot.encounters);
    again.shutdown().await;

    // Another system posts an admission: served by search after the mark, and in the snapshot.
    let mark = snapshot.high_water.expect("data");
    let patient = &snapshot.patients[1];
    let admitted = end().plus_millis(-3_600_000);
    let posted = client
        .post(format!("{base}/Encounter"))
        .header("content-type", "application/fhir+json")
        .body(
            json!({
                "resourceType": "Encounter",
                "status": "in-progress",
                "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                          "code": "IMP"},
                "subject": {"reference": format!("Patient/{}", patient.id)},
                "period": {"start": admitted.to_rfc3339()},
            })
            .to_string(),
        )
        .send()
        .await
        .expect("post");
    assert_eq!(posted.status(), StatusCode::CREATED);
    let created: Value = posted.json().await.expect("json");
    let (changed, _) = page_all(
        &client,
        &format!("{base}/Encounter?_lastUpdated=gt{}", mark.to_rfc3339()),
    )
    .await;
    assert_eq!(
        changed.iter().map(id_of).collect::<Vec<_>>(),
        vec![id_of(&created)]
    );
    let after = sim.snapshot().await;
    let pushed = after
        .encounters
        .iter()
        .find(|e| e.id == id_of(&created))
        .expect("in the snapshot");
    assert!(pushed.pushed);
    assert_eq!(pushed.citizen_id.as_ref(), Some(&patient.citizen_id));
    assert_eq!(
        pushed.events,
        vec![(CareEventKind::HospitalAdmission, admitted)]
    );
    sim.shutdown().await;
}
