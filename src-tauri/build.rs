fn main() {
    // App commands are declared so that each needs an explicit permission in a capability:
    // the web view can call only what capabilities/default.json grants.
    let attributes =
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(&[
            "list_citizens",
            "store_status",
            "list_alarms",
            "acknowledge_alarm",
            "snooze_alarm",
            "confirm_level",
            "citizen_plan",
            "set_citizen_plan",
            "notify_alarm",
        ]));
    if let Err(error) = tauri_build::try_build(attributes) {
        eprintln!("tauri-build failed: {error:#}");
        std::process::exit(1);
    }
}
