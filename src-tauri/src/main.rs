//! Vagt's desktop app: a Tauri window over `vagt-app`. This file only wires things: it parses
//! the command line, opens the session (as `vagtctl` does), starts the background work, turns
//! store changes into window events, and registers the commands in [`commands`].

// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tauri::{Emitter, Manager};
use vagt_app::{BackgroundPlan, StoreChanged, StoreLocation};

// Reading a region (10,000 worklist rows, pages of FHIR JSON) is mostly small allocations;
// mimalloc makes the worklist and the sync about a third faster than the system allocator
// (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h (v3, the version the lock file pins): the bindings
/// name no constant for it. A test holds it to the option's default in mimalloc's options.c.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

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
    /// Seconds between looks for citizens whose time came (due measurements, holds running
    /// out, changes leaving the horizon).
    #[arg(long, default_value_t = BackgroundPlan::DEFAULT_EVALUATE_EVERY.as_secs())]
    evaluate_interval: u64,
}

fn main() -> ExitCode {
    give_back_freed_memory_sooner();
    set_webkit_defaults();
    vagt_app::init_logging();
    let args = Args::parse();
    let location = StoreLocation {
        db: args.db.clone(),
        throwaway_key: args.throwaway_key.clone().map(zeroize::Zeroizing::new),
    };
    let actor = vagt_app::resolve_actor(args.actor.clone());
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .setup(move |app| {
            let handle = app.handle().clone();
            let sink = Arc::new(move |change: &StoreChanged| {
                if let Err(error) = handle.emit(vagt_app::STORE_CHANGED_EVENT, change) {
                    tracing::warn!("a change notice did not reach the window: {error}");
                }
            });
            let plan = |backend| BackgroundPlan {
                backend,
                sync_every: Duration::from_secs(args.sync_interval.max(1)),
                evaluate_every: Duration::from_secs(args.evaluate_interval.max(1)),
                subscribe: true,
            };
            app.manage(commands::AppState::open(
                location,
                actor,
                sink,
                plan,
                args.backend,
            ));
            open_maximised_the_first_time(app);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::worklist_page,
            commands::worklist_rows,
            commands::store_status,
            commands::list_alarms,
            commands::acknowledge_alarm,
            commands::alarm_episodes_page,
            commands::alarm_episodes_of,
            commands::acknowledge_episode,
            commands::snooze_alarm,
            commands::confirm_level,
            commands::citizen_page,
            commands::citizen_trend,
            commands::export_trend_pdf,
            commands::sparklines,
            commands::record_call,
            commands::list_calls,
            commands::request_dispatch,
            commands::dispatch_person,
            commands::unlinked_calls,
            commands::link_call,
            commands::handover,
            commands::write_handover_note,
            commands::sign_handover,
            commands::export_handover_pdf,
            commands::timeline,
            commands::change_dispatch,
            commands::list_dispatches,
            commands::record_visit,
            commands::medicine_box,
            commands::visit_news2,
            commands::save_draft,
            commands::list_drafts,
            commands::discard_draft,
            commands::plan_form,
            commands::check_plan,
            commands::set_plan,
            commands::plan_toml,
            commands::set_plan_toml,
            commands::notify_alarm,
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

/// Settings WebKit reads from the environment (its web process inherits the app's), each set
/// unless the user set it.
const WEBKIT_DEFAULTS: [(&str, &str); 2] = [
    // WebKitGTK's DMA-BUF renderer draws every frame through OpenGL; where OpenGL is software
    // (a laptop without a GPU driver, a virtual machine, Xvfb) a flashing alarm badge then
    // kept a quarter of a core busy, against 6 % with the shared-memory renderer
    // (`scripts/measure-idle.sh`, 1,000 citizens). `=0` brings the DMA-BUF renderer back.
    ("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
    // JavaScriptCore sizes its heap by the machine's memory: with gigabytes it lets the heap
    // double between collections, and the web process kept some 70 MiB more after the
    // 10,000-citizen worklist was scrolled through. Told of 256 MiB it collects sooner; the
    // frames did not change (`scripts/measure-scale.sh`, docs/performance.md).
    ("JSC_forceRAMSize", "268435456"),
];

/// How long mimalloc keeps memory it freed before giving it back to the system (ms). v3 waits a
/// second, and looks again only when a thread allocates on its slow path, frees a whole page or
/// collects, so what a first sync and the window's answers had freed stayed resident while the
/// app idled: after a first sync of a year's region the app's process held 97-105 MiB
/// anonymous, 71 with this delay. Purging at once held as little but painted the worklist a
/// second later at start (docs/performance.md, "mimalloc gives back what it freed").
const PURGE_DELAY_MS: std::ffi::c_long = 10;

/// Makes [`PURGE_DELAY_MS`] mimalloc's default: a purge delay the user set in the environment
/// (read before `main`) stands.
fn give_back_freed_memory_sooner() {
    #[allow(unsafe_code)]
    // SAFETY: sets one of mimalloc's options, a plain long, before any other thread exists.
    unsafe {
        libmimalloc_sys::mi_option_set_default(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS);
    }
}

fn set_webkit_defaults() {
    for (name, value) in WEBKIT_DEFAULTS {
        if std::env::var_os(name).is_none() {
            #[allow(unsafe_code)]
            // SAFETY: the first thing `main` does, before any thread exists that could read
            // the environment at the same time.
            unsafe {
                std::env::set_var(name, value);
            }
        }
    }
}

/// The window plugin restores the size and place a nurse left it in; the first time there is
/// none, and the station's screen is used whole.
fn open_maximised_the_first_time(app: &tauri::App) {
    let saved = app
        .path()
        .app_config_dir()
        .map(|dir| {
            dir.join(tauri_plugin_window_state::DEFAULT_FILENAME)
                .exists()
        })
        .unwrap_or(false);
    if !saved
        && let Some(window) = app.get_webview_window("main")
        && let Err(error) = window.maximize()
    {
        tracing::warn!("the window could not be maximised: {error}");
    }
}

#[cfg(test)]
mod tests {
    use super::{MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS, give_back_freed_memory_sooner};

    #[test]
    #[allow(unsafe_code)]
    fn the_purge_delay_is_mimallocs_and_is_set_shorter() {
        // SAFETY: reads one of mimalloc's options.
        let read = || unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        // mimalloc reads its options from the environment, the name in any case.
        let set_by_user = std::env::vars_os().any(|(name, _)| {
            let name = name.to_string_lossy().to_ascii_uppercase();
            name == "MIMALLOC_PURGE_DELAY" || name == "MIMALLOC_RESET_DELAY"
        });
        if set_by_user {
            return; // the user's value stands, and is not the default this test knows
        }
        // The default of v3's purge delay (options.c): an index naming another option would
        // read that one's.
        assert_eq!(read(), 1000);
        give_back_freed_memory_sooner();
        assert_eq!(read(), PURGE_DELAY_MS);
    }
}
