fn main() {
    // App commands are declared so that each needs an explicit permission in a capability:
    // the web view can call only what capabilities/default.json grants.
    let attributes =
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(&[
            "worklist",
            "worklist_rows",
            "store_status",
            "list_alarms",
            "acknowledge_alarm",
            "snooze_alarm",
            "confirm_level",
            "citizen_page",
            "plan_form",
            "check_plan",
            "set_plan",
            "plan_toml",
            "set_plan_toml",
            "notify_alarm",
        ]));
    if let Err(error) = tauri_build::try_build(attributes) {
        eprintln!("tauri-build failed: {error:#}");
        std::process::exit(1);
    }
}
