//! HTTPS with a private CA, as a region's backend would have it: a plain client refuses the
//! simulator's certificate, one that trusts the CA accepts it. The certificates are made here
//! for each run, so nothing secret or expiring is kept in the repository.

use reqwest::{Certificate, Client, StatusCode};
use serde_json::Value;
use std::io::BufRead;
use std::net::SocketAddr;
use std::time::Duration;
use vagt_core::Timestamp;
use vagt_sim::{FaultProfile, ListenConfig, SimConfig, SimError, TlsFiles};

struct Pki {
    ca_pem: String,
    leaf: TlsFiles,
}

fn private_ca() -> Pki {
    let made = vagt_sim::private_ca().expect("a private CA");
    Pki {
        ca_pem: made.ca_pem,
        leaf: made.server,
    }
}

fn config() -> SimConfig {
    SimConfig {
        seed: 7,
        citizens: 2,
        days: 2,
        end: Timestamp::parse_rfc3339("2026-11-20T10:00:00Z").expect("valid"),
        token: None,
        faults: FaultProfile::none(),
        fault_seed: 3,
    }
}

fn client(ca_pem: Option<&str>) -> Client {
    let mut builder = Client::builder().timeout(Duration::from_secs(20));
    if let Some(pem) = ca_pem {
        let ca = Certificate::from_pem(pem.as_bytes()).expect("the CA parses");
        builder = builder.add_root_certificate(ca);
    }
    builder.build().expect("client")
}

#[tokio::test]
async fn https_with_a_private_ca_is_refused_without_it_and_served_with_it() {
    let pki = private_ca();
    let listen = ListenConfig {
        tls: Some(pki.leaf.clone()),
        ..ListenConfig::default()
    };
    let sim = vagt_sim::spawn_with(config(), listen)
        .await
        .expect("serves HTTPS");
    let base = &sim.base_url;
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");

    let refused = client(None).get(format!("{base}/metadata")).send().await;
    let error = refused.expect_err("an unknown CA is refused");
    assert!(error.is_connect() || error.is_request(), "{error:?}");

    let trusting = client(Some(&pki.ca_pem));
    let metadata = trusting
        .get(format!("{base}/metadata"))
        .send()
        .await
        .expect("trusted");
    assert_eq!(metadata.status(), StatusCode::OK);
    let patients: Value = trusting
        .get(format!("{base}/Patient"))
        .send()
        .await
        .expect("trusted")
        .json()
        .await
        .expect("a Bundle");
    assert_eq!(patients["total"], 2);
    let full_url = patients["entry"][0]["fullUrl"].as_str().unwrap_or("");
    assert!(full_url.starts_with("https://"), "links carry the scheme");
    // The name in the certificate counts too: `localhost` is in it.
    let by_name = format!("https://localhost:{}/fhir/metadata", sim.addr.port());
    let named = trusting.get(by_name).send().await.expect("trusted by name");
    assert_eq!(named.status(), StatusCode::OK);
    // Plain HTTP to the HTTPS port gets no FHIR answer.
    let plain = client(None)
        .get(format!("http://{}/fhir/metadata", sim.addr))
        .send()
        .await;
    assert!(plain.map_or(true, |r| r.status() != StatusCode::OK));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_key_that_does_not_parse_is_an_error_before_listening() {
    let pki = private_ca();
    let listen = ListenConfig {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        tls: Some(TlsFiles {
            key_pem: b"not a key".to_vec(),
            ..pki.leaf
        }),
    };
    let error = vagt_sim::spawn_with(config(), listen).await.err();
    assert!(matches!(error, Some(SimError::Tls(_))), "{error:?}");
}

#[tokio::test]
async fn the_binary_serves_https_with_tls_cert_and_tls_key() {
    let pki = private_ca();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, &pki.leaf.cert_pem).expect("written");
    std::fs::write(&key, &pki.leaf.key_pem).expect("written");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_vagt-sim"))
        .args([
            "--port",
            "0",
            "--citizens",
            "2",
            "--days",
            "2",
            "--tls-cert",
        ])
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
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
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    let response = client(Some(&pki.ca_pem))
        .get(format!("{base}/Patient?_summary=count"))
        .send()
        .await
        .expect("trusted");
    assert_eq!(response.status(), StatusCode::OK);
    child.kill().expect("stops");
    let _ = child.wait();
}
