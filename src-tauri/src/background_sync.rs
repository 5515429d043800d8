//! The sync, running for as long as the app does: its own thread, its own database connection
//! (WAL lets the UI read while it writes), a run every interval. Results reach the UI through
//! the store (`sync_runs`, the data itself), which the UI polls.

use crate::api::StoreLocation;
use std::time::Duration;
use vagt_secrets::{OsKeyring, SecretStore};
use vagt_store::OpenMode;
use vagt_sync::{FhirClient, RetryPolicy, SyncConfig, sync_once};

pub fn start(location: StoreLocation, backend: String, interval: Duration) {
    let spawned = std::thread::Builder::new()
        .name("vagt-sync".into())
        .spawn(move || {
            if let Err(message) = run(&location, &backend, interval) {
                tracing::error!("the background sync stopped: {message}");
            }
        });
    if let Err(e) = spawned {
        tracing::error!("could not start the background sync: {e}");
    }
}

fn run(location: &StoreLocation, backend: &str, interval: Duration) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let mut store = location.open(OpenMode::Existing).map_err(|e| e.message)?;
    // No token is fine (the demo backend); an unreadable keyring then is no obstacle either.
    let token = OsKeyring::default()
        .get(&vagt_secrets::backend_token_account(backend))
        .ok()
        .flatten();
    let client =
        FhirClient::new(backend, token, RetryPolicy::default()).map_err(|e| e.to_string())?;
    let config = SyncConfig::default();
    // While offline, a cheap probe runs often, so the sync starts the moment the network is back
    // instead of after a whole interval (and a full retry cycle) later.
    let probe = FhirClient::new(backend, None, probe_policy()).map_err(|e| e.to_string())?;
    loop {
        let offline = match runtime.block_on(sync_once(&mut store, &client, &config, &mut |_| {})) {
            Ok(report) => {
                tracing::info!(
                    pulled = report.pulled,
                    accepted = report.accepted,
                    pushed = report.pushed,
                    alarms = report.alarms_raised,
                    "sync ok"
                );
                false
            }
            // Recorded in sync_runs, which the status bar shows.
            Err(e) => {
                tracing::warn!(code = e.code(), "sync failed: {e}");
                e.code() == "offline"
            }
        };
        if offline {
            wait_for_network(&runtime, &probe, interval);
        } else {
            std::thread::sleep(interval);
        }
    }
}

fn probe_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 1,
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(3),
        ..RetryPolicy::default()
    }
}

/// Returns as soon as the backend answers at all (even with an error: it is reachable), or
/// after `longest`, whichever is first.
fn wait_for_network(runtime: &tokio::runtime::Runtime, probe: &FhirClient, longest: Duration) {
    const PROBE_EVERY: Duration = Duration::from_secs(2);
    let started = std::time::Instant::now();
    while started.elapsed() < longest.max(PROBE_EVERY) {
        std::thread::sleep(PROBE_EVERY);
        match runtime.block_on(probe.get("metadata")) {
            Err(vagt_sync::SyncError::GaveUp { .. }) => continue,
            _ => {
                tracing::info!("the backend answers again; syncing now");
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn the_offline_wait_ends_as_soon_as_the_backend_answers() {
        // A port nobody listens on yet: the backend is "down".
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let probe = FhirClient::new(
            &format!("http://127.0.0.1:{port}/fhir"),
            None,
            probe_policy(),
        )
        .expect("client");
        // The backend comes back after 3 s and answers anything (a 404 still means reachable).
        let backend = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(3));
            let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind");
            if let Ok((mut stream, _)) = listener.accept() {
                let mut request = [0u8; 1024];
                let _ = stream.read(&mut request);
                let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
            }
        });
        let longest = Duration::from_secs(120);
        let started = std::time::Instant::now();
        wait_for_network(&runtime, &probe, longest);
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_secs(3),
            "it waited for the backend: {waited:?}"
        );
        assert!(
            waited < Duration::from_secs(30),
            "it returned when the backend answered, not after the longest wait: {waited:?}"
        );
        backend.join().expect("backend thread");
    }
}
