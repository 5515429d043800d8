//! Vagt's desktop app: a Tauri window over the crates. This file only wires things: it parses
//! the command line, opens the store, and registers the commands in [`api`].

// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod api;
mod background_sync;

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "vagt", version, about = "Vagt, the NærKlinikken nurse station")]
struct Args {
    /// The database file [default: the platform data directory]
    #[arg(long, env = "VAGT_DB")]
    db: Option<PathBuf>,
    /// Use this passphrase as the database key instead of the OS keyring (throwaway demo
    /// databases only).
    #[arg(
        long,
        env = "VAGT_THROWAWAY_KEY",
        value_name = "PASSPHRASE",
        hide_env_values = true
    )]
    throwaway_key: Option<String>,
    /// Who is using the station, for the audit log [default: the OS user].
    #[arg(long = "as", env = "VAGT_USER", value_name = "USER")]
    actor: Option<String>,
    /// The telemedicine backend's FHIR base URL [default: the one set with `vagtctl backend set`]
    #[arg(long, env = "VAGT_BACKEND")]
    backend: Option<String>,
    /// Seconds between syncs with the backend.
    #[arg(long, default_value_t = 10)]
    sync_interval: u64,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("VAGT_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let location = api::StoreLocation {
        db: args.db,
        throwaway_key: args.throwaway_key.map(zeroize::Zeroizing::new),
    };
    let state = api::AppState::open(&location, args.actor);
    match &state.store {
        // The window still opens and shows this message: a nurse who starts Vagt from a menu
        // sees why it cannot work, instead of nothing.
        Err(error) => tracing::error!(
            code = error.code,
            "Vagt cannot open its database: {}",
            error.message
        ),
        Ok(store) => {
            let configured = store
                .lock()
                .ok()
                .and_then(|s| s.setting(vagt_store::BACKEND_URL_SETTING).ok().flatten());
            if let Some(backend) = args.backend.or(configured) {
                let interval = std::time::Duration::from_secs(args.sync_interval.max(1));
                background_sync::start(location, backend, interval);
            }
        }
    }
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            api::list_citizens,
            api::store_status,
            api::list_alarms,
            api::acknowledge_alarm,
            api::snooze_alarm,
            api::confirm_level,
            api::citizen_plan,
            api::set_citizen_plan,
            api::notify_alarm
        ])
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("the window could not start: {error}");
            eprintln!("vagt: the window could not start: {error}");
            ExitCode::FAILURE
        }
    }
}
