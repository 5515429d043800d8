//! The sync against a broken or hostile backend (`vagt-sim`'s hostile fault profiles over real
//! HTTP): no token leaves the backend's origin, no loop hangs, no page is lost, no answer
//! fills the memory, no stamp or clock from the future moves the checkpoint, a busy server
//! does not hold the run, and a region's private CA can be trusted.

use std::time::{Duration, Instant};
use vagt_core::Timestamp;
use vagt_core::reading::CLOCK_SKEW_TOLERANCE_MS;
use vagt_sim::{FaultProfile, RunningSim, SimConfig};
use vagt_store::{DbKey, OpenMode, Store};
use vagt_sync::{FhirClient, RetryPolicy, SyncConfig, Transport, sync_run};
use zeroize::Zeroizing;

const TOKEN: &str = "s3cret-token";

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(100),
        request_timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(1),
        ..RetryPolicy::default()
    }
}

async fn sim(faults: &str) -> RunningSim {
    sim_of(faults, 4, 5).await
}

async fn sim_of(faults: &str, citizens: usize, days: u32) -> RunningSim {
    vagt_sim::spawn(SimConfig {
        seed: 42,
        citizens,
        days,
        end: Timestamp::now(),
        token: Some(TOKEN.into()),
        faults: FaultProfile::named(faults).expect("profile"),
        fault_seed: 7,
    })
    .await
    .expect("sim starts")
}

fn store(dir: &tempfile::TempDir) -> Store {
    let key = DbKey::from_hex(&"5a".repeat(32)).expect("hex");
    Store::open_with_key(
        &dir.path().join("hostile.db"),
        &key,
        OpenMode::CreateIfMissing,
    )
    .expect("store")
}

fn client(sim: &RunningSim) -> FhirClient {
    FhirClient::new(&sim.base_url, Some(Zeroizing::new(TOKEN.into())), policy()).expect("client")
}

fn config() -> SyncConfig {
    SyncConfig {
        page_size: 50,
        ..SyncConfig::default()
    }
}

fn rejected_codes(store: &mut Store) -> Vec<String> {
    store
        .rejected(&vagt_store::Actor::system(), true)
        .expect("rejected")
        .into_iter()
        .map(|r| r.reason_code)
        .collect()
}

fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}

#[tokio::test]
async fn the_token_never_goes_to_a_host_a_next_link_names_and_the_pull_goes_on_by_cursor() {
    let sim = sim("foreign-next").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(&dir);
    let run = sync_run(&mut store, &client(&sim), &config(), &mut |_| {})
        .await
        .expect("run recorded");
    run.result
        .expect("a foreign link is not followed; the run finishes");
    let trap = sim.trap_report();
    assert!(trap.url.is_some(), "the pages did point to another origin");
    assert_eq!(
        trap.requests, 0,
        "nothing went to the other origin: {trap:?}"
    );
    assert!(trap.authorization.is_empty());
    // Every reading still arrived, continued by Vagt's own cursor.
    let want = sim.snapshot().await.client_readings(&sim.base_url);
    assert_eq!(
        store.current_reading_keys().expect("keys").len(),
        want.len()
    );
}

#[tokio::test]
async fn a_page_that_links_to_itself_ends_its_type_with_a_code_and_the_run_goes_on() {
    let sim = sim("self-next").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(&dir);
    let started = Instant::now();
    let run = sync_run(&mut store, &client(&sim), &config(), &mut |_| {})
        .await
        .expect("run recorded");
    let error = run.result.expect_err("the loop is an error");
    assert_eq!(error.code(), "paging_loop");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert!(run.report.pulled > 0, "each type's first page was read");
    let status = store.status().expect("status");
    assert_eq!(status.sync_error_code.as_deref(), Some("paging_loop"));
}

#[tokio::test]
async fn an_oversized_answer_is_refused_without_filling_the_memory() {
    for profile in ["huge-body", "endless-body"] {
        let sim = sim(profile).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = store(&dir);
        let transport = Transport {
            max_body_bytes: 8 * 1024 * 1024,
            ..Transport::default()
        };
        let client = FhirClient::with_transport(
            &sim.base_url,
            Some(Zeroizing::new(TOKEN.into())),
            policy(),
            transport,
        )
        .expect("client");
        let before = resident_bytes();
        let started = Instant::now();
        let run = sync_run(&mut store, &client, &config(), &mut |_| {})
            .await
            .expect("run recorded");
        let error = run.result.expect_err("refused");
        assert_eq!(error.code(), "response_too_large", "{profile}");
        let grown = resident_bytes().saturating_sub(before);
        assert!(
            grown < 64 * 1024 * 1024,
            "{profile}: the process grew by {} MiB",
            grown / (1024 * 1024)
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{profile}: refused at the cap, not after a timeout: {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn a_stamp_from_the_future_is_kept_apart_and_never_moves_the_checkpoint() {
    let sim = sim("future-stamp").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(&dir);
    let run = sync_run(&mut store, &client(&sim), &config(), &mut |_| {})
        .await
        .expect("run recorded");
    run.result.expect("the run finishes");
    let checkpoint = store
        .sync_checkpoint(&sim.base_url, "Observation")
        .expect("checkpoint")
        .and_then(|c| Timestamp::parse_rfc3339(&c).ok())
        .expect("a checkpoint");
    assert!(
        checkpoint <= Timestamp::now().plus_millis(CLOCK_SKEW_TOLERANCE_MS),
        "checkpoint {checkpoint} is in the future"
    );
    let codes = rejected_codes(&mut store);
    assert!(
        codes.iter().filter(|c| *c == "from_the_future").count() > 0,
        "{codes:?}"
    );
    // Its `Date` header reads the far future too: the checkpoint keeps to this machine's
    // clock, and what the server holds later still arrives.
    let readings = store.status().expect("status").readings;
    sim.advance(vagt_sim::AdvanceSpec {
        new_readings: 9,
        ..vagt_sim::AdvanceSpec::default()
    })
    .await;
    let run = sync_run(&mut store, &client(&sim), &config(), &mut |_| {})
        .await
        .expect("run recorded");
    run.result.expect("the second run finishes");
    let now_held = store.status().expect("status").readings;
    assert!(
        now_held > readings,
        "new readings arrived: {readings} then {now_held}"
    );
}

#[tokio::test]
async fn one_unparseable_entry_loses_nothing_else_on_its_page() {
    let sim = sim("poison-entry").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(&dir);
    let run = sync_run(&mut store, &client(&sim), &config(), &mut |_| {})
        .await
        .expect("run recorded");
    run.result.expect("the run finishes");
    let want = sim.snapshot().await.client_readings(&sim.base_url);
    assert_eq!(
        store.current_reading_keys().expect("keys").len(),
        want.len(),
        "every good reading stored"
    );
    let kept = store
        .rejected(&vagt_store::Actor::system(), true)
        .expect("rejected");
    for poison in ["poison-deep", "poison-big", "poison-nan"] {
        assert!(
            kept.iter()
                .any(|r| r.reason_code == "malformed" && r.payload.contains(poison)),
            "{poison} kept with its raw text"
        );
    }
    // A second run brings the same pages: nothing is kept twice.
    let again = sync_run(&mut store, &client(&sim), &config(), &mut |_| {})
        .await
        .expect("run recorded");
    again.result.expect("again");
    let kept_again = store
        .rejected(&vagt_store::Actor::system(), true)
        .expect("rejected");
    assert_eq!(kept_again.len(), kept.len());
}

#[tokio::test]
async fn a_page_that_is_not_a_bundle_is_kept_with_its_reason_and_the_run_goes_on() {
    let sim = sim("not-a-bundle").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(&dir);
    let run = sync_run(&mut store, &client(&sim), &config(), &mut |_| {})
        .await
        .expect("run recorded");
    assert_eq!(run.result.expect_err("not FHIR").code(), "not_fhir");
    // The types after Observation were still pulled.
    let snapshot = sim.snapshot().await;
    assert_eq!(
        store.current_care_events().expect("events").len(),
        snapshot.client_care_events(&sim.base_url).len()
    );
    let kept = store
        .rejected(&vagt_store::Actor::system(), true)
        .expect("rejected");
    assert!(
        kept.iter().any(|r| r.reason.contains("not a FHIR Bundle")),
        "{:?}",
        kept.iter().map(|r| &r.reason).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_search_that_cannot_be_paged_ends_with_a_code_and_loses_nothing() {
    // No next links, `_sort` refused, `_offset` ignored: every page is the first one.
    let sim = sim("unpageable").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(&dir);
    let run = sync_run(&mut store, &client(&sim), &config(), &mut |_| {})
        .await
        .expect("run recorded");
    assert_eq!(
        run.result.expect_err("the search cannot go on").code(),
        "unpageable"
    );
    assert_eq!(
        store.status().expect("status").sync_error_code.as_deref(),
        Some("unpageable")
    );
    let want = sim.snapshot().await.client_readings(&sim.base_url);
    let got = store.current_reading_keys().expect("keys").len();
    assert!(
        got > 0 && got < want.len(),
        "the first page only: {got} of {}",
        want.len()
    );
    // The checkpoint stayed where it was: ending the search as done would have moved it past
    // the readings never received, and no later run would ask for them.
    assert_eq!(
        store
            .sync_checkpoint(&sim.base_url, "Observation")
            .expect("checkpoint"),
        None
    );
    // Once the server pages again, the next run brings every reading.
    sim.set_faults(FaultProfile::none()).await;
    let run = sync_run(&mut store, &client(&sim), &config(), &mut |_| {})
        .await
        .expect("run recorded");
    run.result.expect("a server that pages");
    assert_eq!(
        store.current_reading_keys().expect("keys").len(),
        want.len()
    );
}

/// A server that ignores `_offset` sends its first page again; where its count says that page
/// held every match (a search of exactly a page), the search is whole, not an error.
#[tokio::test]
async fn a_search_of_exactly_one_page_that_the_count_says_is_whole_ends_normally() {
    let sim = sim("unpageable").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(&dir);
    let patients = sim.snapshot().await.patients.len();
    let config = SyncConfig {
        page_size: patients,
        only: Some(["Patient"].into()),
        ..config()
    };
    let run = sync_run(&mut store, &client(&sim), &config, &mut |_| {})
        .await
        .expect("run recorded");
    run.result.expect("every Patient came on the first page");
    let citizens = store.status().expect("status").citizens;
    assert_eq!(usize::try_from(citizens).ok(), Some(patients));
    assert!(
        store
            .sync_checkpoint(&sim.base_url, "Patient")
            .expect("checkpoint")
            .is_some(),
        "a whole search moves the checkpoint"
    );
}

#[tokio::test]
async fn a_busy_backend_ends_the_run_at_once_instead_of_holding_it_for_its_retry_after() {
    // Retry-After in seconds, then as an HTTP-date five minutes after the answer's Date (read
    // as absent, the client would retry on its own backoff and give up otherwise).
    for profile in ["busy", "busy-until"] {
        let sim = sim(profile).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = store(&dir);
        let started = Instant::now();
        let run = sync_run(&mut store, &client(&sim), &config(), &mut |_| {})
            .await
            .expect("run recorded");
        assert_eq!(
            run.result.expect_err("busy").code(),
            "backend_busy",
            "{profile}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{profile}: {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn names_longer_than_any_real_one_are_kept_apart() {
    let sim = sim("escape-names").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(&dir);
    let run = sync_run(&mut store, &client(&sim), &config(), &mut |_| {})
        .await
        .expect("run recorded");
    run.result.expect("the run finishes");
    assert!(rejected_codes(&mut store).iter().any(|c| c == "too_long"));
    let longest = store
        .citizen_summaries(&vagt_store::Actor::system())
        .expect("list")
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0);
    assert!(longest <= vagt_fhir::MAX_NAME_CHARS);
}

#[tokio::test]
async fn a_run_that_outlives_its_budget_stops_pulling_and_still_pushes() {
    let sim = sim_of("slow", 2, 2).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(&dir);
    // No overlap: the double's resources were all stamped within the last seconds, and a run
    // that may read one page per type would read the same overlapping page each time.
    let budget = SyncConfig {
        page_size: 5,
        run_budget: Duration::from_millis(800),
        overlap: Duration::ZERO,
        ..SyncConfig::default()
    };
    // What a nurse recorded goes out even in a run that ran out of time.
    let record = vagt_core::outbound::Outbound::AlarmAck {
        citizen_id: vagt_core::CitizenId::new("known-only-here").expect("id"),
        ack: vagt_core::alarm::AlarmAcknowledgement {
            alarm_id: "ab".repeat(32),
            nurse: "nurse-a".into(),
            at: Timestamp::now(),
            comment: None,
        },
    };
    store.enqueue_outbox(&record).expect("queued");
    let started = Instant::now();
    let run = sync_run(&mut store, &client(&sim), &budget, &mut |_| {})
        .await
        .expect("run recorded");
    assert_eq!(run.report.pushed, 1, "the outbox got its turn");
    assert_eq!(
        run.result.expect_err("over budget").code(),
        "run_budget_exceeded"
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    // The next runs go on from the checkpoints until everything is in.
    for _ in 0..200 {
        let next = sync_run(&mut store, &client(&sim), &budget, &mut |_| {})
            .await
            .expect("run recorded");
        if next.result.is_ok() {
            let want = sim.snapshot().await.client_readings(&sim.base_url);
            assert_eq!(
                store.current_reading_keys().expect("keys").len(),
                want.len()
            );
            return;
        }
    }
    panic!("the runs never finished the pull");
}

#[tokio::test]
async fn a_regions_private_ca_is_trusted_when_named_and_only_then() {
    let pki = vagt_sim::private_ca().expect("a private CA");
    let sim = vagt_sim::spawn_with(
        SimConfig {
            seed: 42,
            citizens: 2,
            days: 2,
            end: Timestamp::now(),
            token: Some(TOKEN.into()),
            faults: FaultProfile::none(),
            fault_seed: 7,
        },
        vagt_sim::ListenConfig {
            tls: Some(pki.server.clone()),
            ..vagt_sim::ListenConfig::default()
        },
    )
    .await
    .expect("serves https");
    assert!(sim.base_url.starts_with("https://"));
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(&dir);
    // The OS trust store does not know the region's CA: the backend cannot be reached.
    let untrusting = client(&sim);
    let refused = sync_run(&mut store, &untrusting, &config(), &mut |_| {})
        .await
        .expect("run recorded");
    assert_eq!(
        refused.result.expect_err("untrusted").code(),
        "untrusted_certificate"
    );
    // Named as the extra CA, it is trusted.
    let trusting = FhirClient::with_transport(
        &sim.base_url,
        Some(Zeroizing::new(TOKEN.into())),
        policy(),
        Transport {
            extra_ca_pem: Some(pki.ca_pem.into_bytes()),
            ..Transport::default()
        },
    )
    .expect("client");
    let run = sync_run(&mut store, &trusting, &config(), &mut |_| {})
        .await
        .expect("run recorded");
    run.result.expect("synced over https");
    let want = sim.snapshot().await.client_readings(&sim.base_url);
    assert_eq!(
        store.current_reading_keys().expect("keys").len(),
        want.len()
    );
}
