//! `GET /admin/traffic`: what the FHIR endpoints served, counted per kind of request with the
//! bytes of each body, as a client on loopback saw them; the admin endpoints are not counted.

use reqwest::{Client, StatusCode};
use serde_json::json;
use vagt_core::Timestamp;
use vagt_sim::{FaultProfile, SimConfig, TrafficCounts, TrafficReport};

fn config() -> SimConfig {
    SimConfig {
        seed: 7,
        citizens: 3,
        days: 3,
        end: Timestamp::parse_rfc3339("2026-11-20T10:00:00Z").expect("valid instant"),
        token: None,
        faults: FaultProfile::none(),
        fault_seed: 3,
    }
}

async fn traffic(client: &Client, admin: &str) -> TrafficReport {
    let report: serde_json::Value = client
        .get(format!("{admin}/traffic"))
        .send()
        .await
        .expect("traffic")
        .json()
        .await
        .expect("json");
    let counts = |c: &serde_json::Value| TrafficCounts {
        requests: c["requests"].as_u64().expect("requests"),
        request_bytes: c["request_bytes"].as_u64().expect("request_bytes"),
        response_bytes: c["response_bytes"].as_u64().expect("response_bytes"),
    };
    TrafficReport {
        total: counts(&report["total"]),
        by_kind: report["by_kind"]
            .as_object()
            .expect("by_kind")
            .iter()
            .map(|(kind, c)| (kind.clone(), counts(c)))
            .collect(),
    }
}

#[tokio::test]
async fn every_fhir_request_and_its_bytes_are_counted_by_kind() {
    let sim = vagt_sim::spawn(config()).await.expect("simulator starts");
    let client = Client::new();
    let admin = format!("http://{}/admin", sim.addr);
    assert_eq!(traffic(&client, &admin).await, TrafficReport::default());

    let mut searched = 0;
    for _ in 0..2 {
        let page = client
            .get(format!("{}/Patient?_count=2", sim.base_url))
            .send()
            .await
            .expect("search");
        assert_eq!(page.status(), StatusCode::OK);
        searched += page.bytes().await.expect("body").len() as u64;
    }
    let body = json!({
        "resourceType": "Communication",
        "status": "completed",
        "subject": {"reference": "Patient/p-0001"},
        "payload": [{"contentString": "Opkald"}],
    })
    .to_string();
    let created = client
        .post(format!("{}/Communication", sim.base_url))
        .header("content-type", "application/fhir+json")
        .body(body.clone())
        .send()
        .await
        .expect("create");
    assert_eq!(created.status(), StatusCode::CREATED);
    let created_bytes = created.bytes().await.expect("body").len() as u64;
    let missing = client
        .get(format!("{}/Patient/nobody", sim.base_url))
        .send()
        .await
        .expect("read");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let missing_bytes = missing.bytes().await.expect("body").len() as u64;

    let report = traffic(&client, &admin).await;
    assert_eq!(
        report.by_kind["GET Patient"],
        TrafficCounts {
            requests: 2,
            request_bytes: 0,
            response_bytes: searched
        }
    );
    assert_eq!(
        report.by_kind["POST Communication"],
        TrafficCounts {
            requests: 1,
            request_bytes: body.len() as u64,
            response_bytes: created_bytes
        }
    );
    assert_eq!(
        report.by_kind["GET Patient/{id}"],
        TrafficCounts {
            requests: 1,
            request_bytes: 0,
            response_bytes: missing_bytes
        }
    );
    assert_eq!(report.by_kind.len(), 3, "{report:?}");
    assert_eq!(report.total.requests, 4);
    assert_eq!(
        report.total.response_bytes,
        searched + created_bytes + missing_bytes
    );
    // Reading the traffic is not traffic.
    assert_eq!(traffic(&client, &admin).await, report);
    assert_eq!(sim.traffic(), report);
    sim.shutdown().await;
}
