//! The hostile-server fault profiles over real HTTP on loopback: links to another origin or to
//! the page itself, future timestamps, unparseable entries, a non-Bundle, a server busy for
//! minutes, names that drive a terminal. Each test shows the server does what the profile
//! promises, so the sync's tests against it prove what they claim. The large bodies are in
//! `bodies.rs`, HTTPS in `tls.rs`.

use reqwest::{Client, StatusCode};
use serde_json::Value;
use std::time::Duration;
use vagt_core::Timestamp;
use vagt_sim::{FaultProfile, RunningSim, SimConfig, TrapReport};

const TOKEN: &str = "s3cret";

fn end() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-20T10:00:00Z").expect("valid instant")
}

async fn start(faults: FaultProfile) -> RunningSim {
    vagt_sim::spawn(SimConfig {
        seed: 7,
        citizens: 3,
        days: 3,
        end: end(),
        token: Some(TOKEN.into()),
        faults,
        fault_seed: 3,
    })
    .await
    .expect("simulator starts")
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

async fn get(url: &str) -> reqwest::Response {
    client()
        .get(url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("request")
}

async fn get_json(url: &str) -> Value {
    let response = get(url).await;
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    response.json().await.expect("JSON")
}

fn link(bundle: &Value, relation: &str) -> Option<String> {
    bundle["link"]
        .as_array()?
        .iter()
        .find(|l| l["relation"] == relation)
        .and_then(|l| l["url"].as_str())
        .map(str::to_owned)
}

fn resources(bundle: &Value) -> Vec<Value> {
    bundle["entry"]
        .as_array()
        .map(|entries| entries.iter().map(|e| e["resource"].clone()).collect())
        .unwrap_or_default()
}

/// Every resource of a search, following `next` links.
async fn page_all(first: &str) -> Vec<Value> {
    let mut url = Some(first.to_owned());
    let mut all = Vec::new();
    let mut pages = 0;
    while let Some(current) = url {
        let bundle = get_json(&current).await;
        pages += 1;
        assert!(pages < 1000, "paging does not end");
        all.extend(resources(&bundle));
        url = link(&bundle, "next");
    }
    all
}

#[tokio::test]
async fn foreign_next_links_lead_to_a_trap_that_records_the_token() {
    let sim = start(FaultProfile::none()).await;
    let base = &sim.base_url;
    let first = format!("{base}/Observation?_count=5&_sort=_lastUpdated");
    let real = link(&get_json(&first).await, "next").expect("a real next page");
    assert_eq!(sim.trap_report(), TrapReport::default(), "no trap yet");

    // Set through the admin endpoint, as a script would: the trap opens at once.
    let set = client()
        .post(format!("http://{}/admin/faults", sim.addr))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({"profile": "foreign-next"}))
        .send()
        .await
        .expect("faults");
    assert_eq!(set.status(), StatusCode::OK);
    let trap = sim.trap_report().url.expect("the trap is open");
    assert!(trap.starts_with("http://127.0.0.1:") && trap.ends_with("/fhir"));
    assert_ne!(trap, *base, "another origin");

    let page = get_json(&first).await;
    let foreign = link(&page, "next").expect("a next link");
    let path_and_query = real
        .strip_prefix(base.as_str())
        .expect("the real one is ours");
    assert_eq!(foreign, format!("{trap}{path_and_query}"));
    assert_eq!(resources(&page).len(), 5, "the page itself is as usual");

    // The last page, with no more to come, links to the trap all the same.
    let last = get_json(&format!("{base}/Patient?_count=50")).await;
    assert!(link(&last, "next").is_some_and(|l| l.starts_with(&trap)));

    // A client that follows the link with its token hands the token to the trap.
    let answer = get_json(&foreign).await;
    assert_eq!(answer["resourceType"], "Bundle");
    assert_eq!(answer["type"], "searchset");
    assert!(resources(&answer).is_empty() && link(&answer, "next").is_none());
    client()
        .get(&foreign)
        .send()
        .await
        .expect("without a token");
    let seen = get_json(&format!("http://{}/admin/trap", sim.addr)).await;
    let seen: TrapReport = serde_json::from_value(seen).expect("a trap report");
    assert_eq!(seen.requests, 2);
    assert_eq!(seen.authorization, vec![format!("Bearer {TOKEN}")]);
    assert_eq!(seen, sim.trap_report());
    sim.shutdown().await;
}

#[tokio::test]
async fn a_sim_started_with_foreign_next_has_its_trap_open() {
    let sim = start(FaultProfile::foreign_next()).await;
    let report = sim.trap_report();
    assert!(report.url.is_some());
    assert_eq!((report.requests, report.authorization.len()), (0, 0));
    sim.shutdown().await;
}

#[tokio::test]
async fn self_next_links_every_page_to_itself() {
    let sim = start(FaultProfile::self_next()).await;
    let base = &sim.base_url;
    for url in [
        format!("{base}/Observation?_count=5&_sort=_lastUpdated"),
        format!("{base}/Observation?_lastUpdated=gt2999-01-01"),
        format!("{base}/Patient"),
        format!("{base}/Condition?_summary=count"),
    ] {
        let mut current = url.clone();
        for _ in 0..3 {
            let page = get_json(&current).await;
            let next = link(&page, "next").expect("a next link");
            assert_eq!(next, url, "the page links to itself");
            assert_eq!(link(&page, "self").as_deref(), Some(url.as_str()));
            current = next;
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn future_stamp_shows_every_tenth_observation_in_2999_but_stores_none() {
    let sim = start(FaultProfile::none()).await;
    let base = &sim.base_url;
    let first = format!("{base}/Observation?_count=40");
    let plain = page_all(&first).await;
    sim.set_faults(FaultProfile::future_stamp()).await;
    let stamped = page_all(&first).await;
    assert_eq!(
        stamped.len(),
        plain.len(),
        "paging follows the stored times"
    );
    let mut future = 0;
    for (served, stored) in stamped.iter().zip(&plain) {
        let id = served["id"].as_str().expect("an id");
        assert_eq!(id, stored["id"], "same order");
        let last_updated = served["meta"]["lastUpdated"].as_str().expect("stamped");
        if id.ends_with('0') {
            assert_eq!(last_updated, "2999-12-31T23:59:59.000Z", "{id}");
            future += 1;
        } else {
            assert_eq!(served, stored, "{id} is untouched");
        }
    }
    assert!(future > 0 && future * 10 <= plain.len() + 10, "{future}");
    let victim = stamped
        .iter()
        .find(|r| r["id"].as_str().is_some_and(|id| id.ends_with('0')))
        .expect("one stamped");
    let read = get_json(&format!(
        "{base}/Observation/{}",
        victim["id"].as_str().unwrap_or("")
    ))
    .await;
    let stored = Timestamp::parse_rfc3339(read["meta"]["lastUpdated"].as_str().expect("time"))
        .expect("an instant");
    assert!(stored < end(), "the stored resource keeps its real time");
    sim.shutdown().await;
}

/// The top-level elements of the `entry` array of a page, as raw text, and the page with
/// `entry` left out: what a client that splits a broken page does.
fn split_entries(page: &str) -> (Vec<&str>, String) {
    let open = page.find(r#""entry":["#).expect("an entry array") + r#""entry":["#.len();
    let bytes = page.as_bytes();
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let (mut start, mut elements) = (open, Vec::new());
    let mut i = open;
    loop {
        let b = bytes[i];
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'[' | b'{' => depth += 1,
                b']' | b'}' if depth > 0 => depth -= 1,
                b',' if depth == 0 => {
                    elements.push(&page[start..i]);
                    start = i + 1;
                }
                b']' => {
                    if start < i {
                        elements.push(&page[start..i]);
                    }
                    break;
                }
                _ => {}
            }
        }
        i += 1;
    }
    let head = page[..open - r#""entry":["#.len()].trim_end_matches(',');
    (elements, format!("{head}{}", &page[i + 1..]))
}

#[tokio::test]
async fn poison_entries_break_the_page_but_not_its_other_entries() {
    let sim = start(FaultProfile::none()).await;
    let url = format!("{}/Observation?_count=10", sim.base_url);
    let plain = resources(&get_json(&url).await);
    assert_eq!(plain.len(), 10);
    sim.set_faults(FaultProfile::poison_entry()).await;
    let response = get(&url).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.expect("text");
    assert!(
        serde_json::from_str::<Value>(&page).is_err(),
        "the page as a whole fails"
    );

    let (elements, rest) = split_entries(&page);
    assert_eq!(elements.len(), 13);
    for (element, id) in elements
        .iter()
        .zip(["poison-deep", "poison-big", "poison-nan"])
    {
        assert!(element.contains(&format!(r#""id":"{id}""#)), "{id} first");
        assert!(
            serde_json::from_str::<Value>(element).is_err(),
            "{id} fails alone"
        );
    }
    assert!(elements[0].contains(&"[".repeat(20_000)), "20,000 deep");
    assert!(elements[1].contains("1e309") && elements[2].contains(":NaN}"));
    let good: Vec<Value> = elements[3..]
        .iter()
        .map(|e| serde_json::from_str::<Value>(e).expect("the others parse")["resource"].clone())
        .collect();
    assert_eq!(good, plain, "the other entries are intact");
    let bundle: Value = serde_json::from_str(&rest).expect("the rest of the page parses");
    assert_eq!(bundle["resourceType"], "Bundle");
    assert!(link(&bundle, "next").is_some());

    // A page without entries gets the poison alone, with no stray comma.
    let empty = get(&format!(
        "{}/Observation?_lastUpdated=gt2999-01-01",
        sim.base_url
    ))
    .await
    .text()
    .await
    .expect("text");
    let (elements, rest) = split_entries(&empty);
    assert_eq!(elements.len(), 3);
    assert!(!empty.contains("[,") && !empty.contains(",,"));
    serde_json::from_str::<Value>(&rest).expect("the rest parses");
    // Only Observation searches are poisoned.
    get_json(&format!("{}/Patient", sim.base_url)).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn not_a_bundle_answers_observation_searches_with_a_patient() {
    let sim = start(FaultProfile::not_a_bundle()).await;
    let answer = get_json(&format!("{}/Observation?_count=10", sim.base_url)).await;
    assert_eq!(
        answer,
        serde_json::json!({"resourceType": "Patient", "id": "x"})
    );
    let patients = get_json(&format!("{}/Patient", sim.base_url)).await;
    assert_eq!(patients["resourceType"], "Bundle");
    sim.shutdown().await;
}

#[tokio::test]
async fn busy_answers_every_fhir_request_429_for_five_minutes() {
    let sim = start(FaultProfile::busy()).await;
    let base = &sim.base_url;
    for url in [
        format!("{base}/Observation?_count=10"),
        format!("{base}/Patient/p-0001"),
        format!("{base}/Patient?_count=1"),
    ] {
        for _ in 0..5 {
            let response = get(&url).await;
            assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "{url}");
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok());
            assert_eq!(retry_after, Some("300"));
        }
    }
    let metadata = client()
        .get(format!("{base}/metadata"))
        .send()
        .await
        .expect("metadata");
    assert_eq!(metadata.status(), StatusCode::OK);
    get_json(&format!("http://{}/admin/faults", sim.addr)).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn busy_until_gives_the_moment_to_come_back_as_a_date_five_minutes_after_its_own() {
    let sim = start(FaultProfile::busy_until()).await;
    let response = get(&format!("{}/Observation?_count=10", sim.base_url)).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let date_of = |name: &str| {
        let value = response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        httpdate::parse_http_date(value).unwrap_or_else(|e| panic!("{name} {value:?}: {e}"))
    };
    let wait = date_of("retry-after")
        .duration_since(date_of("date"))
        .expect("after its own date");
    assert_eq!(wait, std::time::Duration::from_secs(300));
    sim.shutdown().await;
}

#[tokio::test]
async fn escape_names_put_controls_in_every_patient_name_and_one_is_four_mib() {
    let sim = start(FaultProfile::none()).await;
    let base = &sim.base_url;
    let plain = resources(&get_json(&format!("{base}/Patient")).await);
    sim.set_faults(FaultProfile::escape_names()).await;
    let served = resources(&get_json(&format!("{base}/Patient")).await);
    assert_eq!(served.len(), plain.len());
    for (patient, stored) in served.iter().zip(&plain) {
        let id = patient["id"].as_str().expect("an id");
        let name = &patient["name"][0];
        let text = name["text"].as_str().expect("text");
        let family = name["family"].as_str().expect("family");
        let stored_family = stored["name"][0]["family"].as_str().expect("family");
        assert!(text.contains('\u{1b}') && text.contains('\u{7}') && text.contains('\u{202e}'));
        assert!(family.starts_with(&format!("\u{1b}[31m{stored_family}\u{7}\u{202e}")));
        if id == "p-0001" {
            assert_eq!(text.len(), 4 * 1024 * 1024, "4 MiB of text");
        } else {
            assert!(text.len() < 200, "{id}");
        }
    }
    for url in [
        format!("{base}/Patient/p-0002"),
        format!("{base}/Patient/p-0002/_history/1"),
    ] {
        let read = get_json(&url).await;
        assert!(
            read["name"][0]["text"]
                .as_str()
                .is_some_and(|t| t.contains("\u{1b}[31m"))
        );
    }
    let long = get_json(&format!("{base}/Patient/p-0001")).await;
    assert_eq!(
        long["name"][0]["text"].as_str().map(str::len),
        Some(4 * 1024 * 1024)
    );
    // The store is untouched: without the fault the names are plain again.
    sim.set_faults(FaultProfile::none()).await;
    let again = resources(&get_json(&format!("{base}/Patient")).await);
    assert_eq!(again, plain);
    sim.shutdown().await;
}
