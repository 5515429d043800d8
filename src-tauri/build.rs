fn main() {
    // The web assets are embedded at compile time; a rebuilt UI must rebuild the app, or it
    // ships the previous one.
    println!("cargo:rerun-if-changed=../ui/dist");
    // App commands are declared so that each needs an explicit permission in a capability:
    // the web view can call only what capabilities/default.json grants.
    let attributes =
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(&[
            "worklist_page",
            "worklist_rows",
            "store_status",
            "list_alarms",
            "acknowledge_alarm",
            "alarm_episodes_page",
            "alarm_episodes_of",
            "acknowledge_episode",
            "snooze_alarm",
            "confirm_level",
            "citizen_page",
            "citizen_trend",
            "export_trend_pdf",
            "sparklines",
            "record_call",
            "list_calls",
            "request_dispatch",
            "dispatch_person",
            "unlinked_calls",
            "link_call",
            "handover",
            "write_handover_note",
            "sign_handover",
            "export_handover_pdf",
            "timeline",
            "change_dispatch",
            "list_dispatches",
            "record_visit",
            "medicine_box",
            "visit_news2",
            "save_draft",
            "list_drafts",
            "discard_draft",
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
