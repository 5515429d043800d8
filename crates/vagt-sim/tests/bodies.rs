//! The `huge-body` and `endless-body` faults: Observation searches answered by a body far too
//! large or never ending, generated as it is sent. The huge one is measured on the binary, in
//! its own process, so that what grows is the simulator's memory and nothing else's.

use reqwest::{Client, StatusCode};
use serde_json::Value;
use std::io::BufRead;
use std::time::Duration;
use vagt_core::Timestamp;
use vagt_sim::{FaultProfile, RunningSim, SimConfig};

const MB: u64 = 1000 * 1000;

async fn start(faults: FaultProfile) -> RunningSim {
    vagt_sim::spawn(SimConfig {
        seed: 7,
        citizens: 2,
        days: 2,
        end: Timestamp::parse_rfc3339("2026-11-20T10:00:00Z").expect("valid"),
        token: None,
        faults,
        fault_seed: 3,
    })
    .await
    .expect("simulator starts")
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client")
}

/// Reads `response` until `limit` bytes or its end; the bytes read and the first few.
async fn read_up_to(response: &mut reqwest::Response, limit: u64) -> (u64, Vec<u8>) {
    let (mut read, mut head) = (0u64, Vec::new());
    while read < limit {
        let Some(chunk) = response.chunk().await.expect("a chunk") else {
            break;
        };
        if head.len() < 64 {
            head.extend_from_slice(&chunk[..chunk.len().min(64 - head.len())]);
        }
        read += chunk.len() as u64;
    }
    (read, head)
}

/// Resident memory of process `pid` in bytes (`VmRSS` of `/proc/PID/status`, which unlike
/// `statm` needs no page size).
fn resident_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS");
    kib * 1024
}

/// The binary with `args`, and the FHIR base it announces.
fn start_binary(args: &[&str]) -> (std::process::Child, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_vagt-sim"))
        .args(["--port", "0", "--citizens", "2", "--days", "2"])
        .args(args)
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
    (child, base)
}

#[tokio::test]
async fn a_huge_body_declares_200_mb_and_streams_without_the_sim_holding_it() {
    let (mut child, base) = start_binary(&["--faults", "huge-body"]);
    let client = client();
    // Other searches are as usual; one first also warms the server up before measuring.
    let patients = client
        .get(format!("{base}/Patient"))
        .send()
        .await
        .expect("request");
    assert_eq!(patients.status(), StatusCode::OK);
    patients.json::<Value>().await.expect("a Bundle");

    let before = resident_bytes(child.id());
    let mut response = client
        .get(format!("{base}/Observation?_count=10"))
        .send()
        .await
        .expect("headers arrive");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.content_length(),
        Some(200 * MB),
        "declared up front"
    );
    let (read, head) = read_up_to(&mut response, 50 * MB).await;
    let after = resident_bytes(child.id());
    assert!(read >= 50 * MB, "{read}");
    assert!(
        head.starts_with(br#"{"resourceType":"Bundle","type":"searchset","entry":["#),
        "{}",
        String::from_utf8_lossy(&head)
    );
    let grown = after.saturating_sub(before);
    assert!(
        grown < 16 * MB,
        "the sim grew {grown} bytes while sending 50 MB"
    );
    drop(response);
    child.kill().expect("stops");
    let _ = child.wait();
}

#[tokio::test]
async fn a_smaller_huge_body_is_whole_and_a_valid_empty_bundle() {
    let sim = start(FaultProfile {
        huge_body_bytes: 3 * MB,
        ..FaultProfile::huge_body()
    })
    .await;
    let response = client()
        .get(format!("{}/Observation", sim.base_url))
        .send()
        .await
        .expect("request");
    assert_eq!(response.content_length(), Some(3 * MB));
    let bytes = response.bytes().await.expect("the whole body");
    assert_eq!(bytes.len() as u64, 3 * MB);
    let bundle: Value = serde_json::from_slice(&bytes).expect("JSON");
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["entry"], serde_json::json!([]));
    sim.shutdown().await;
}

#[tokio::test]
async fn an_endless_body_is_chunked_and_goes_on_until_the_client_leaves() {
    let sim = start(FaultProfile::endless_body()).await;
    let client = client();
    let url = format!("{}/Observation?_count=10", sim.base_url);
    for _ in 0..2 {
        let mut response = client.get(&url).send().await.expect("headers arrive");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.content_length(), None);
        let encoding = response.headers().get("transfer-encoding");
        assert_eq!(encoding.and_then(|v| v.to_str().ok()), Some("chunked"));
        let (read, head) = read_up_to(&mut response, 20 * MB).await;
        assert!(read >= 20 * MB, "still going after {read} bytes");
        assert!(head.starts_with(br#"{"resourceType":"Bundle""#));
        // Leaving ends it; the server goes on serving.
        drop(response);
    }
    let patients = client
        .get(format!("{}/Patient", sim.base_url))
        .send()
        .await
        .expect("request");
    assert_eq!(patients.status(), StatusCode::OK);
    let shutdown = tokio::time::timeout(Duration::from_secs(10), sim.shutdown()).await;
    assert!(shutdown.is_ok(), "the simulator stops");
}
