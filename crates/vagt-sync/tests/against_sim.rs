//! The sync against `vagt-sim` over real HTTP on loopback, with a real encrypted store: the
//! local set of readings must equal the server's exact set, whatever the network does.

mod common;

use common::sim::{sim, sync_until_ok, test_policy};
use std::collections::BTreeMap;
use vagt_core::alarm::{AlarmAcknowledgement, AlarmKind, AlarmPriority, AlarmState};
use vagt_core::outbound::Outbound;
use vagt_core::{CareEventKind, CitizenId, EcmLevel, LevelKind, Parameter, Timestamp};
use vagt_sim::{AdvanceSpec, FaultProfile, RunningSim, SimConfig};
use vagt_store::{Actor, AlarmFilter, DbKey, OpenMode, Store};
use vagt_sync::{
    FhirClient, PULLED_TYPES, RetryPolicy, Subscribed, SubscriptionEnd, SyncConfig, SyncError,
    listen, subscribe, sync_once, websocket_of,
};

/// source id -> (version, value in the canonical unit)
type ReadingSet = BTreeMap<String, (String, f64)>;

fn store(dir: &tempfile::TempDir) -> Store {
    let key = DbKey::from_hex(&"5a".repeat(32)).expect("hex");
    Store::open_with_key(&dir.path().join("sync.db"), &key, OpenMode::CreateIfMissing)
        .expect("store")
}

async fn expected(sim: &RunningSim) -> (ReadingSet, usize) {
    let snapshot = sim.snapshot().await;
    (
        snapshot.client_readings(&sim.base_url),
        snapshot.bad_by_design(),
    )
}

/// event key -> (kind, time)
type CareEventSet = BTreeMap<String, (CareEventKind, Timestamp)>;

fn local_care_events(store: &Store) -> CareEventSet {
    store
        .current_care_events()
        .expect("care events")
        .into_iter()
        .map(|e| (e.key, (e.kind, e.at)))
        .collect()
}

async fn expected_care_events(sim: &RunningSim) -> CareEventSet {
    sim.snapshot().await.client_care_events(&sim.base_url)
}

fn local(store: &Store) -> ReadingSet {
    store
        .current_reading_keys()
        .expect("keys")
        .into_iter()
        .map(|(id, version, value)| (id, (version, value)))
        .collect()
}

fn assert_same(local: &ReadingSet, expected: &ReadingSet) {
    let missing: Vec<_> = expected
        .keys()
        .filter(|k| !local.contains_key(*k))
        .take(5)
        .collect();
    let extra: Vec<_> = local
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .take(5)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
    for (id, (version, value)) in expected {
        let (got_version, got_value) = &local[id];
        assert_eq!(got_version, version, "{id}");
        assert!(
            (got_value - value).abs() < 1e-6,
            "{id}: {got_value} != {value}"
        );
    }
}

#[tokio::test]
async fn first_sync_equals_the_server_a_second_adds_nothing_and_changes_arrive() {
    let sim = sim(10, 30, FaultProfile::none()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(&dir);
    let client = FhirClient::new(&sim.base_url, None, test_policy()).expect("client");

    let first = sync_until_ok(&mut store, &client).await;
    let (want, bad) = expected(&sim).await;
    assert!(want.len() > 1000, "a real cohort: {}", want.len());
    assert_same(&local(&store), &want);
    assert_eq!(
        store.status().expect("status").rejected as usize,
        bad,
        "planted bad resources are kept as rejected"
    );
    assert_eq!(store.status().expect("status").citizens, 10);
    assert!(first.accepted >= want.len());
    assert_scores_arrived(&mut store, &sim).await;
    let care_events = expected_care_events(&sim).await;
    assert!(
        care_events
            .values()
            .any(|(kind, _)| *kind == CareEventKind::HospitalAdmission),
        "the cohort has a hospital stay: {care_events:?}"
    );
    assert_eq!(local_care_events(&store), care_events);
    let rejected = store
        .rejected(&vagt_store::Actor::system(), true)
        .expect("rejected");
    assert!(
        rejected
            .iter()
            .any(|r| r.reason_code == "unknown_encounter_class"
                && r.resource_type.as_deref() == Some("Encounter")),
        "the planted Encounter is kept as rejected"
    );

    let second = sync_until_ok(&mut store, &client).await;
    assert_eq!(second.accepted, 0, "a second sync adds nothing: {second:?}");
    // The overlap window re-delivers the planted bad resources; they are not new rejections.
    assert_eq!(second.rejected, 0, "nothing newly rejected: {second:?}");
    assert_same(&local(&store), &want);
    assert_eq!(local_care_events(&store), care_events);

    let changes = sim
        .advance(AdvanceSpec {
            new_readings: 15,
            late_readings: 6,
            corrections: 4,
            retractions: 3,
            new_citizens: 1,
            new_responses: 5,
            amended_responses: 2,
            retracted_responses: 2,
            silent_citizens: 1,
        })
        .await;
    assert_eq!(changes.late_readings.len(), 6);
    assert_eq!(changes.amended_responses.len(), 2);
    sync_until_ok(&mut store, &client).await;
    let (want, _) = expected(&sim).await;
    let got = local(&store);
    assert_same(&got, &want);
    for late in &changes.late_readings {
        assert!(
            got.keys()
                .any(|k| k.ends_with(&format!("Observation/{late}"))
                    || k.contains(&format!("Observation/{late}#"))),
            "late reading {late} arrived"
        );
    }
    for retracted in &changes.retractions {
        assert!(
            !got.keys()
                .any(|k| k.contains(&format!("Observation/{retracted}"))),
            "retracted {retracted} is gone"
        );
    }
    for retracted in &changes.retracted_responses {
        assert!(
            !got.contains_key(&format!(
                "{}|QuestionnaireResponse/{retracted}",
                sim.base_url
            )),
            "retracted form {retracted} is gone"
        );
    }
    assert_eq!(
        store.status().expect("status").citizens,
        12,
        "the new citizens arrived, one measuring and one who never has"
    );
    // The citizen enrolled two days ago who never measured is missed, counted from the
    // enrolment the backend records (their EpisodeOfCare), not from when this store met them.
    let silent = changes.new_patients.last().expect("a silent citizen");
    let silent = store
        .citizen_for_source(&format!("{}|Patient/{silent}", sim.base_url))
        .expect("lookup")
        .expect("the silent citizen is known");
    let missed: Vec<_> = store
        .alarms(
            AlarmFilter::Citizen(&silent),
            &Actor("nurse".into()),
            Timestamp::now(),
        )
        .expect("alarms")
        .into_iter()
        .filter(|a| a.kind == AlarmKind::MissedMeasurement && a.state == AlarmState::Open)
        .collect();
    assert!(!missed.is_empty(), "a never-measuring citizen is missed");
    assert!(store.status().expect("status").last_sync.is_some());
}

/// What one run asked the simulator for: requests and response bytes per kind.
fn traffic_between(
    before: &vagt_sim::TrafficReport,
    after: &vagt_sim::TrafficReport,
) -> BTreeMap<String, (u64, u64)> {
    after
        .by_kind
        .iter()
        .map(|(kind, a)| {
            let b = before.by_kind.get(kind).copied().unwrap_or_default();
            (
                kind.clone(),
                (a.requests - b.requests, a.response_bytes - b.response_bytes),
            )
        })
        .filter(|(_, (requests, _))| *requests > 0)
        .collect()
}

#[tokio::test]
async fn an_idle_station_asks_one_search_a_type_and_is_answered_with_nothing_it_holds() {
    let sim = sim(10, 30, FaultProfile::none()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(&dir);
    let client = FhirClient::new(&sim.base_url, None, test_policy()).expect("client");
    // A short overlap so that the test need not wait two minutes for the idle state.
    let config = SyncConfig {
        page_size: 100,
        overlap: std::time::Duration::from_secs(1),
        ..SyncConfig::default()
    };
    let first = sync_once(&mut store, &client, &config, &mut |_| {})
        .await
        .expect("first sync");
    assert!(first.accepted > 1000, "{first:?}");
    // The cohort was written as the simulator started, within the overlap of the first run's
    // searches: the next run may see some of it again. The one after it is idle. Each waits
    // past the overlap (the `Date` header counts whole seconds).
    let pause = std::time::Duration::from_millis(2_500);
    tokio::time::sleep(pause).await;
    sync_once(&mut store, &client, &config, &mut |_| {})
        .await
        .expect("second sync");
    tokio::time::sleep(pause).await;

    let before = sim.traffic();
    let idle = sync_once(&mut store, &client, &config, &mut |_| {})
        .await
        .expect("idle sync");
    let asked = traffic_between(&before, &sim.traffic());
    assert_eq!(idle.pulled, 0, "nothing is delivered again: {idle:?}");
    assert!(
        !asked.contains_key("GET metadata"),
        "the CapabilityStatement is read once an hour, not every run: {asked:?}"
    );
    assert!(
        asked.values().all(|(requests, _)| *requests == 1),
        "one search per type, no count: {asked:?}"
    );
    let types = asked.keys().filter(|k| k.starts_with("GET ")).count();
    assert!(
        types >= 5,
        "every type the server holds is searched: {asked:?}"
    );
    let bytes: u64 = asked.values().map(|(_, bytes)| bytes).sum();
    assert!(
        bytes < 1_000 * types as u64,
        "an idle run is answered with empty pages: {bytes} bytes, {asked:?}"
    );

    // What changes afterwards still arrives, at the next run.
    sim.advance(AdvanceSpec {
        new_readings: 12,
        corrections: 2,
        new_citizens: 1,
        ..AdvanceSpec::default()
    })
    .await;
    let changed = sync_once(&mut store, &client, &config, &mut |_| {})
        .await
        .expect("sync after the changes");
    assert!(changed.accepted >= 12, "{changed:?}");
    let (want, _) = expected(&sim).await;
    assert_same(&local(&store), &want);
    assert_eq!(store.status().expect("status").citizens, 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_every_fault_profile_the_store_converges_to_the_server() {
    // The profiles spend their time waiting on delays, timeouts and retries, not working:
    // run side by side, each with its own server and store.
    tokio::join!(
        converges_under("slow"),
        converges_under("flaky"),
        converges_under("duplicates"),
        converges_under("timeout"),
        converges_under("hostile"),
        converges_under("no-next-links"),
        converges_under("hostile-without-next-links"),
    );
}

async fn converges_under(profile: &str) {
    let faults = match profile {
        // A real server's quirk under a bad network: the client pages by its own cursor
        // while pages fail, repeat and hang.
        "hostile-without-next-links" => FaultProfile {
            omit_next_links: true,
            ..FaultProfile::hostile()
        },
        named => FaultProfile::named(named).expect("profile"),
    };
    let sim = sim(4, 12, faults).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(&dir);
    let client = FhirClient::new(&sim.base_url, None, test_policy()).expect("client");
    sync_until_ok(&mut store, &client).await;
    sim.advance(AdvanceSpec {
        new_readings: 8,
        late_readings: 4,
        corrections: 2,
        retractions: 2,
        new_citizens: 0,
        new_responses: 3,
        amended_responses: 1,
        retracted_responses: 1,
        silent_citizens: 0,
    })
    .await;
    sync_until_ok(&mut store, &client).await;
    let (want, _) = expected(&sim).await;
    let got = local(&store);
    assert_same(&got, &want);
    let care_events = expected_care_events(&sim).await;
    assert!(
        !care_events.is_empty(),
        "{profile}: the cohort has encounters"
    );
    assert_eq!(local_care_events(&store), care_events, "{profile}");
    eprintln!(
        "{profile}: converged on {} readings and {} care events",
        got.len(),
        care_events.len()
    );
}

#[tokio::test]
async fn outbox_items_reach_the_server_exactly_once_when_responses_are_lost() {
    let mut faults = FaultProfile::flaky();
    // Many cut answers: the server has made the resource, the client never hears of it.
    faults.cut_rate = 0.4;
    let sim = sim(2, 3, faults).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(&dir);
    let mut client_ids = Vec::new();
    for n in 0..6_u32 {
        let record = Outbound::AlarmAck {
            citizen_id: CitizenId::new("known-only-here").expect("id"),
            ack: AlarmAcknowledgement {
                alarm_id: format!("{n:064x}"),
                nurse: "nurse-a".into(),
                at: Timestamp::now(),
                comment: Some(format!("call {n}")),
            },
        };
        client_ids.push(store.enqueue_outbox(&record).expect("enqueue"));
    }
    let client = FhirClient::new(&sim.base_url, None, test_policy()).expect("client");
    let mut pushed = 0;
    for _ in 0..20 {
        if let Ok(report) =
            sync_once(&mut store, &client, &SyncConfig::default(), &mut |_| {}).await
        {
            pushed += report.pushed;
            if store.status().expect("status").outbox == 0 {
                break;
            }
        }
    }
    assert_eq!(store.status().expect("status").outbox, 0, "every item sent");
    sim.set_faults(FaultProfile::none()).await;
    let plain = FhirClient::new(&sim.base_url, None, test_policy()).expect("client");
    for client_id in &client_ids {
        let response = plain
            .get(&format!("Task?identifier=urn:ietf:rfc:3986|{client_id}"))
            .await
            .expect("search");
        let bundle = vagt_fhir::parse_bundle(&response.body).expect("bundle");
        assert_eq!(
            bundle.resources().count(),
            1,
            "exactly one copy of {client_id}"
        );
    }
    assert!(pushed <= 6);
}

#[tokio::test]
async fn the_status_says_online_after_a_sync_and_offline_with_its_code_when_the_backend_is_gone() {
    let sim = sim(2, 3, FaultProfile::none()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(&dir);
    let client = FhirClient::new(&sim.base_url, None, test_policy()).expect("client");
    let mut seen = Vec::new();
    sync_once(&mut store, &client, &SyncConfig::default(), &mut |p| {
        seen.push(p.clone())
    })
    .await
    .expect("sync");
    assert!(
        seen.iter()
            .any(|p| p.resource_type == "Observation" && p.total.is_some()),
        "progress counts Observations: {seen:?}"
    );
    let status = store.status().expect("status");
    assert_eq!(status.sync_state, vagt_store::SyncState::Online);
    assert_eq!(status.readings_behind, Some(0));

    sim.shutdown().await;
    let quick = RetryPolicy {
        max_attempts: 2,
        ..test_policy()
    };
    let gone = FhirClient::new(client.base(), None, quick).expect("client");
    let error = sync_once(&mut store, &gone, &SyncConfig::default(), &mut |_| {})
        .await
        .expect_err("the backend is gone");
    assert_eq!(error.code(), "offline");
    let status = store.status().expect("status");
    assert_eq!(status.sync_state, vagt_store::SyncState::Offline);
    assert_eq!(status.sync_error_code.as_deref(), Some("offline"));
    assert!(
        status.last_sync.is_some(),
        "the last good sync is still shown"
    );
}

/// Symptom and CAT scores came from QuestionnaireResponses, a form Vagt does not score was
/// rejected, and a form still in progress gave nothing.
async fn assert_scores_arrived(store: &mut Store, sim: &RunningSim) {
    let snapshot = sim.snapshot().await;
    let actor = vagt_store::Actor::system();
    let mut seen = std::collections::BTreeSet::new();
    for response in &snapshot.questionnaire_responses {
        let Some((parameter, score)) = response.reading() else {
            continue;
        };
        let readings = store
            .readings(&actor, &response.citizen_id, Some(parameter), None)
            .expect("readings");
        let source = response.source_id(&sim.base_url);
        let reading = readings
            .iter()
            .find(|r| r.source_id == source)
            .unwrap_or_else(|| panic!("{source} arrived"));
        assert_eq!(reading.value, score);
        assert_eq!(reading.effective_at, response.authored);
        seen.insert(parameter);
    }
    assert!(
        seen.contains(&Parameter::SymptomScore) && seen.contains(&Parameter::CatScore),
        "symptom-score and CAT readings arrived: {seen:?}"
    );
    let rejected = store.rejected(&actor, true).expect("rejected");
    assert!(
        rejected
            .iter()
            .any(|r| r.reason_code == "unknown_questionnaire"
                && r.resource_type.as_deref() == Some("QuestionnaireResponse")),
        "the response to an unscored form is kept as rejected"
    );
    let unfinished: Vec<String> = snapshot
        .questionnaire_responses
        .iter()
        .filter(|r| r.status == "in-progress")
        .map(|r| r.source_id(&sim.base_url))
        .collect();
    assert!(!unfinished.is_empty(), "the cohort has a form in progress");
    let keys = local(store);
    assert!(unfinished.iter().all(|source| !keys.contains_key(source)));
    assert!(
        rejected.iter().all(|r| r
            .source_id
            .as_ref()
            .is_none_or(|id| !unfinished.contains(id))),
        "a form in progress is not rejected"
    );
}

/// Another system reports an admission: the backend holds an Encounter the station did not
/// write.
async fn post_encounter(sim: &RunningSim, encounter: serde_json::Value) -> String {
    let client = FhirClient::new(&sim.base_url, None, test_policy()).expect("client");
    let created = client
        .create_one_attempt("Encounter", &encounter)
        .await
        .expect("created");
    let resource: serde_json::Value = serde_json::from_slice(&created.body).expect("json");
    resource["id"].as_str().expect("an id").to_owned()
}

#[tokio::test]
async fn a_hospital_admission_posted_to_the_backend_raises_the_citizen_to_ecm6_with_its_alarm() {
    let sim = sim(6, 10, FaultProfile::none()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(&dir);
    let client = FhirClient::new(&sim.base_url, None, test_policy()).expect("client");
    sync_until_ok(&mut store, &client).await;
    let snapshot = sim.snapshot().await;
    let patient = &snapshot.patients[1];
    let citizen = &patient.citizen_id;
    let before = store
        .latest_level(citizen, LevelKind::Suggested)
        .expect("level");
    assert!(
        before < EcmLevel::new(6).ok(),
        "not in hospital yet: {before:?}"
    );

    let admitted = Timestamp::now().plus_millis(-30 * 60_000);
    let id = post_encounter(
        &sim,
        serde_json::json!({
            "resourceType": "Encounter",
            "status": "in-progress",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                      "code": "IMP"},
            "subject": {"reference": format!("Patient/{}", patient.id)},
            "period": {"start": admitted.to_rfc3339()},
        }),
    )
    .await;
    // And a malformed one: no start, so Vagt cannot tell when the care began.
    let malformed = post_encounter(
        &sim,
        serde_json::json!({
            "resourceType": "Encounter",
            "status": "in-progress",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                      "code": "IMP"},
            "subject": {"reference": format!("Patient/{}", patient.id)},
        }),
    )
    .await;
    let report = sync_until_ok(&mut store, &client).await;
    assert!(report.alarms_raised >= 1, "{report:?}");

    assert_eq!(
        store
            .latest_level(citizen, LevelKind::Suggested)
            .expect("level"),
        EcmLevel::new(6).ok(),
        "admitted: ECM6"
    );
    let key = format!("{}|Encounter/{id}#hospital_admission#1", sim.base_url);
    let nurse = vagt_store::Actor("nurse-a".into());
    let alarms = store
        .alarms(AlarmFilter::Open, &nurse, Timestamp::now())
        .expect("alarms");
    let rise = alarms
        .iter()
        .find(|a| {
            &a.citizen_id == citizen && a.kind == AlarmKind::LevelRise && json(&a.cause)["to"] == 6
        })
        .unwrap_or_else(|| panic!("a rise to ECM6: {alarms:?}"));
    assert_eq!(rise.priority, AlarmPriority::High);
    let cause = json(&rise.cause);
    assert_eq!(cause["source"], "event");
    assert_eq!(cause["trigger"]["trigger"], "event");
    assert_eq!(cause["trigger"]["kind"], "hospital_admission");
    assert_eq!(cause["trigger"]["key"], key.as_str());
    assert_eq!(local_care_events(&store), expected_care_events(&sim).await);

    let rejected = store.rejected(&nurse, true).expect("rejected");
    let kept: Vec<_> = rejected
        .iter()
        .filter(|r| {
            r.source_id.as_deref() == Some(&format!("{}|Encounter/{malformed}", sim.base_url))
        })
        .collect();
    let [kept] = kept.as_slice() else {
        panic!("the malformed Encounter is kept once: {rejected:?}");
    };
    assert_eq!(kept.reason_code, "malformed");
    assert!(kept.reason.contains("period.start"), "{}", kept.reason);
    assert!(
        kept.payload.contains(&malformed),
        "the raw Encounter is kept"
    );

    // Pulled again (the overlap window): nothing new, nothing kept twice.
    let again = sync_until_ok(&mut store, &client).await;
    assert_eq!(again.alarms_raised, 0, "{again:?}");
    assert_eq!(
        store.rejected(&nurse, true).expect("rejected").len(),
        rejected.len()
    );
}

fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).expect("json")
}

/// The alarm load a fresh station opens with, on the simulator's default cohort: one episode
/// row at most per citizen, each gathering every open cause of its citizen (a rise and the
/// suggestion that differs from the confirmed level are one alarm, not two). The figures are in
/// the README.
#[tokio::test]
async fn a_fresh_station_on_the_default_cohort_opens_with_at_most_one_row_per_citizen() {
    let sim = vagt_sim::spawn(SimConfig::default()).await.expect("sim");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(&dir);
    let client = FhirClient::new(&sim.base_url, None, test_policy()).expect("client");
    sync_until_ok(&mut store, &client).await;
    let nurse = Actor("nurse".into());
    let citizens = store.status().expect("status").citizens;
    let open = store
        .alarms(AlarmFilter::Open, &nurse, Timestamp::now())
        .expect("alarms");
    let episodes = store
        .alarm_episodes(&nurse, Timestamp::now())
        .expect("episodes");
    eprintln!(
        "default cohort: {citizens} citizens, {} episode rows, {} open alarms ({} high, {} medium)",
        episodes.len(),
        open.len(),
        open.iter()
            .filter(|a| a.priority == AlarmPriority::High)
            .count(),
        open.iter()
            .filter(|a| a.priority == AlarmPriority::Medium)
            .count(),
    );
    let mut rows: Vec<&CitizenId> = episodes.iter().map(|e| &e.citizen_id).collect();
    rows.sort();
    rows.dedup();
    assert_eq!(rows.len(), episodes.len(), "one row per citizen");
    assert!(episodes.len() as i64 <= citizens);
    assert_eq!(
        episodes.iter().map(|e| e.causes.len()).sum::<usize>(),
        open.len(),
        "every open alarm is a cause under its citizen's row"
    );
    for episode in &episodes {
        assert!(
            episode
                .causes
                .iter()
                .all(|c| c.citizen_id == episode.citizen_id && c.priority <= episode.priority)
        );
    }
    assert!(
        open.iter().all(|a| a.kind != AlarmKind::SuggestionDiffers),
        "no second alarm for a differing suggestion"
    );
}

/// The sim's Subscriptions: made for every type the sync pulls, bound on its websocket, and a
/// ping for the type an advance wrote (Observations), not for the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_ping_the_types_that_changed() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};
    let sim = sim(4, 2, FaultProfile::none()).await;
    let client = FhirClient::new(&sim.base_url, None, test_policy()).expect("client");
    let websocket = websocket_of(&client)
        .await
        .expect("capabilities")
        .expect("the sim offers a websocket");
    let subscribed = subscribe(
        &client,
        websocket.clone(),
        &PULLED_TYPES,
        Duration::from_secs(600),
    )
    .await
    .expect("subscribed");
    assert_eq!(subscribed.types.len(), PULLED_TYPES.len());
    let bound = Arc::new(AtomicBool::new(false));
    let pinged = Arc::new(Mutex::new(Vec::new()));
    let stop = AtomicBool::new(false);
    let (bound_flag, pings) = (bound.clone(), pinged.clone());
    let mut on_bound = move || bound_flag.store(true, Ordering::SeqCst);
    let mut on_ping = move |t: &'static str| pings.lock().expect("pings").push(t);
    let driver = async {
        let started = Instant::now();
        while !bound.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        sim.advance(AdvanceSpec {
            new_readings: 2,
            ..Default::default()
        })
        .await;
        while pinged.lock().expect("pings").is_empty()
            && started.elapsed() < Duration::from_secs(20)
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Time for a wrong ping to arrive too.
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop.store(true, Ordering::SeqCst);
    };
    let (listened, ()) = tokio::join!(
        listen(&client, &subscribed, &mut on_bound, &mut on_ping, &stop),
        driver
    );
    assert_eq!(listened.expect("listened"), SubscriptionEnd::Stopped);
    assert!(bound.load(Ordering::SeqCst), "every Subscription was bound");
    let pinged = pinged.lock().expect("pings").clone();
    assert!(!pinged.is_empty(), "the new readings were pinged");
    assert!(pinged.iter().all(|t| *t == "Observation"), "{pinged:?}");

    // A Subscription the server does not know is an error, not a silent wait.
    let unknown = Subscribed {
        websocket,
        types: [("no-such-subscription".to_owned(), "Observation")].into(),
        end: subscribed.end,
    };
    let stop = AtomicBool::new(false);
    let refused = listen(&client, &unknown, &mut || {}, &mut |_| {}, &stop).await;
    assert!(
        matches!(refused, Err(SyncError::Websocket(_))),
        "{refused:?}"
    );
}

/// Runs of `config` until one ends well; how many were cut short by their page limit.
async fn sync_in_runs(store: &mut Store, client: &FhirClient, config: &SyncConfig) -> usize {
    for cut_short in 0..50 {
        match sync_once(store, client, config, &mut |_| {}).await {
            Ok(_) => return cut_short,
            Err(SyncError::PageLimit { .. }) => {}
            Err(e) => panic!("a run failed: {e}"),
        }
    }
    panic!("no run ended well in 50");
}

/// A station's first sync in bulk (the readings' per-citizen index dropped, made once at the
/// end), spread over runs cut short by their page limit while the backend corrects and
/// withdraws readings already pulled, ends where a station that stored reading by reading
/// ends: the server's readings, and the same latest readings, levels, plans and alarms. Later
/// changes arrive as usual: a pull smaller than the store is no bulk load.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sync_in_bulk_over_several_runs_ends_as_one_reading_by_reading() {
    use common::stations::{agreed_state, assert_agree, open_station};
    let sim = sim(6, 30, FaultProfile::none()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let client = FhirClient::new(&sim.base_url, None, test_policy()).expect("client");
    let config = |bulk_load_from| SyncConfig {
        page_size: 100,
        max_pages_per_type: 4,
        bulk_load_from,
        ..SyncConfig::default()
    };
    let change = AdvanceSpec {
        new_readings: 6,
        late_readings: 3,
        corrections: 6,
        retractions: 4,
        new_citizens: 0,
        new_responses: 0,
        amended_responses: 0,
        retracted_responses: 0,
        silent_citizens: 0,
    };
    let mut plain = open_station(dir.path(), "plain.db");
    let mut bulk = open_station(dir.path(), "bulk.db");
    let mut cut_short = 0;
    loop {
        match sync_once(&mut bulk, &client, &config(Some(1)), &mut |_| {}).await {
            Ok(_) => break,
            Err(SyncError::PageLimit { .. }) => {
                cut_short += 1;
                assert!(
                    bulk.status().expect("status").bulk_load,
                    "the bulk load lasts from run to run, and the status says so"
                );
                // Readings already stored change meanwhile.
                if cut_short == 2 {
                    sim.advance(change.clone()).await;
                }
                // The network goes between runs: the load waits for the backend to return.
                if cut_short == 1 {
                    let gone = FhirClient::new("http://127.0.0.1:9/fhir", None, test_policy())
                        .expect("client");
                    assert!(
                        sync_once(&mut bulk, &gone, &config(Some(1)), &mut |_| {})
                            .await
                            .is_err()
                    );
                    assert!(
                        bulk.bulk_loading().expect("state"),
                        "a run the network ended leaves the load for the next"
                    );
                }
            }
            Err(e) => panic!("a run failed: {e}"),
        }
        assert!(cut_short < 50, "no run ended well in 50");
    }
    assert!(cut_short >= 2, "the pull spans runs: {cut_short}");
    assert!(
        !bulk.bulk_loading().expect("state"),
        "it ends with the pull"
    );
    let index: i64 = bulk
        .connection()
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?1",
            [vagt_store::BULK_LOAD_INDEX],
            |r| r.get(0),
        )
        .expect("schema");
    assert_eq!(index, 1, "the index is made again");
    let ended = bulk
        .audit_entries(100)
        .expect("audit")
        .into_iter()
        .find(|e| e.action == "sync.bulk_load.end")
        .and_then(|e| e.detail)
        .expect("the end is audited");
    assert!(
        ended["stale_latest"].as_u64().is_some_and(|n| n > 0),
        "changes of stored readings went by the bulk triggers: {ended}"
    );
    // More changes; a small pull is no bulk load.
    sim.advance(change).await;
    assert_eq!(sync_in_runs(&mut bulk, &client, &config(Some(1))).await, 0);
    let began = bulk
        .audit_entries(1000)
        .expect("audit")
        .into_iter()
        .filter(|e| e.action == "sync.bulk_load.begin")
        .count();
    assert_eq!(began, 1, "the first sync's only");
    sync_in_runs(&mut plain, &client, &config(None)).await;

    let (want, _) = expected(&sim).await;
    assert_same(&local(&bulk), &want);
    assert_same(&local(&plain), &want);
    let latest = |store: &mut Store| -> Vec<(String, String, i64, f64)> {
        let conn = store.connection();
        let mut stmt = conn
            .prepare(
                "SELECT citizen_id, parameter, effective_at, value FROM latest_readings
                 ORDER BY 1, 2",
            )
            .expect("prepare");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    assert_eq!(latest(&mut bulk), latest(&mut plain));
    let at = Timestamp::now();
    let (a, b) = (agreed_state(&mut plain, at), agreed_state(&mut bulk, at));
    assert!(a.contains("suggested Some"), "levels to compare: {a}");
    assert_agree(&a, &b, "reading by reading against in bulk");
}
