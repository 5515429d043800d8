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
    loop {
        match runtime.block_on(sync_once(&mut store, &client, &config, &mut |_| {})) {
            Ok(report) => tracing::info!(
                pulled = report.pulled,
                accepted = report.accepted,
                pushed = report.pushed,
                "sync ok"
            ),
            // Recorded in sync_runs, which the status bar shows.
            Err(e) => tracing::warn!(code = e.code(), "sync failed: {e}"),
        }
        std::thread::sleep(interval);
    }
}
