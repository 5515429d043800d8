//! `ui/src/bindings.ts` is generated from the Rust types that cross into the web view, so the
//! UI and the back end cannot drift apart. This test fails when the file is stale; regenerate
//! it with `VAGT_UPDATE_BINDINGS=1 cargo test -p vagt-app --test bindings`.

use ts_rs::{Config, TS};

macro_rules! declarations {
    ($cfg:expr; $($ty:ty),* $(,)?) => {
        vec![$(format!("export {}", <$ty as TS>::decl($cfg))),*]
    };
}

fn generated() -> String {
    // Counts are far below 2^53: numbers, not bigints.
    let cfg = Config::new().with_large_int("number");
    let cfg = &cfg;
    use vagt_core::alarm::*;
    use vagt_core::ecm_engine::*;
    use vagt_core::news2::*;
    use vagt_core::plan::*;
    let declarations = declarations![cfg;
        // Scalars and codes.
        vagt_core::Timestamp, vagt_core::CitizenId, vagt_core::EcmLevel, vagt_core::Parameter,
        vagt_core::Diagnosis, vagt_core::limits::Triage, vagt_core::limits::LimitKind,
        vagt_core::LevelKind, vagt_core::ecm::LevelSource, vagt_core::CareEventKind,
        LevelRule, RelativeKindCode,
        // Alarms.
        AlarmKind, AlarmPriority, AlarmState, ResolvedReason, AlarmCause, PlanHead, LevelTrigger,
        Finding, FindingRule,
        Audience, Loudness, EscalationStep, EscalationRule, EscalationPolicy,
        // NEWS2.
        SpO2Scale, Risk, News2, Measured, FullSet, AssumedPart, FullSetScore,
        // Plans.
        PlanDocumentWire, LimitsEntry, ScheduleEntry, RelativeEntryWire, EngineSection,
        LevelSection, News2SectionWire, PlanProblem, PlanProblemCode,
        // What the store answers.
        vagt_store::CitizenSummary, vagt_store::LatestReading, vagt_store::WorklistAfter,
        vagt_store::WorklistPage, vagt_store::AlarmRow,
        vagt_store::AlarmEpisode, vagt_store::EpisodePage, vagt_store::PlanRevisionSummary,
        vagt_store::AckOutcome, vagt_store::SnoozeOutcome, vagt_store::StoreStatus,
        vagt_store::SyncState, vagt_store::SyncProgress, vagt_store::PlanView,
        vagt_store::PlanForm, vagt_store::PlanCheck, vagt_store::LevelHistoryEntry,
        // What the use cases answer.
        vagt_app::StationStatus, vagt_app::CitizenDetails, vagt_app::PageReading,
        vagt_app::CitizenPage, vagt_app::StoreChanged, vagt_app::ErrorReport,
        vagt_app::Sparkline, vagt_app::SparkPoint, vagt_app::CallForm, vagt_app::CallRecorded,
        vagt_store::CallSaved, vagt_store::FormDraft,
        // MAS dispatches.
        vagt_core::dispatch::Dispatch, vagt_core::dispatch::DispatchState,
        vagt_core::dispatch::DispatchUrgency, vagt_core::dispatch::VisitOutcome,
        vagt_core::dispatch::DispatchField, vagt_core::dispatch::DispatchConflict,
        vagt_core::dispatch::ConflictVersion, vagt_core::dispatch::StateEntry,
        vagt_core::dispatch::DispatchProblem, vagt_core::dispatch::DispatchProblemCode,
        vagt_app::DispatchForm, vagt_app::DispatchEdit, vagt_app::DispatchChanged,
        vagt_store::DispatchSaved,
        // Calls.
        vagt_core::call::CallRecord, vagt_core::call::CallDirection, vagt_core::call::CallerRole,
        vagt_core::call::Symptom, vagt_core::call::SymptomReport, vagt_core::call::MedicineStarted,
        vagt_core::call::CallProblem, vagt_core::call::CallProblemCode,
        vagt_core::call::PhoneReading,
        // MAS visits and the medicine box.
        vagt_core::visit::VisitRecord, vagt_core::visit::VisitVitals, vagt_core::visit::BloodGas,
        vagt_core::visit::VisitSamples, vagt_core::visit::Route, vagt_core::visit::TreatmentGiven,
        vagt_core::visit::VisitProblem, vagt_core::visit::VisitProblemCode,
        vagt_core::news2::Consciousness, vagt_core::medicine::BoxedMedicine,
        vagt_app::PageVisit, vagt_app::VisitForm, vagt_app::VisitRecorded, vagt_store::VisitSaved,
        // Persons served by MAS only, and unknown callers linked later.
        vagt_core::person::NewPerson, vagt_core::person::PersonProblem,
        vagt_core::person::PersonProblemCode, vagt_core::person::CallLink,
        vagt_store::PersonAdded, vagt_app::PersonDispatchForm, vagt_app::PersonDispatched,
        // The shift handover.
        vagt_core::handover::IllnessSeverity, vagt_core::handover::SeverityReason,
        vagt_core::handover::HandoverAction, vagt_core::handover::Contingency,
        vagt_core::handover::Judgement,
        vagt_core::handover::ShiftSpan, vagt_core::handover::HandoverNote,
        vagt_core::handover::HandoverSignoff, vagt_core::handover::Signature,
        vagt_app::Handover, vagt_app::HandoverCitizen, vagt_app::PreviousHandover,
        vagt_app::NurseWord<String>,
        // The citizen's timeline.
        vagt_app::TimelineKind, vagt_app::TimelineMarker, vagt_app::TimelineItem,
        vagt_app::TimelineEntry, vagt_store::PlanRevisionEntry,
        // Trend plots.
        vagt_plot::Rendered, vagt_plot::PanelBox, vagt_plot::HoverPoint, vagt_plot::PanelKey,
        vagt_plot::LimitsInForce, vagt_plot::Window, vagt_plot::TrendRange,
    ];
    let mut out = String::from(
        "// Generated from the Rust types by `cargo test -p vagt-app --test bindings`\n\
         // (VAGT_UPDATE_BINDINGS=1 rewrites it). Do not edit: change the Rust types.\n\n",
    );
    out.push_str(&format!(
        "/** The window event that carries a `StoreChanged`. */\nexport const STORE_CHANGED_EVENT = {:?};\n\n",
        vagt_app::STORE_CHANGED_EVENT
    ));
    // The unit each parameter is kept in: a form offers it for a value typed by hand.
    let units: Vec<String> = vagt_core::Parameter::ALL
        .iter()
        .map(|p| format!("  {}: {:?},", p.code(), p.canonical_unit()))
        .collect();
    out.push_str(&format!(
        "/** The unit each parameter is kept in (UCUM). */\nexport const CANONICAL_UNITS: Record<Parameter, string> = {{\n{}\n}};\n\n",
        units.join("\n")
    ));
    for declaration in declarations {
        out.push_str(&declaration);
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[test]
fn ui_bindings_are_generated_from_the_rust_types() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings.ts");
    let want = generated();
    if std::env::var_os("VAGT_UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &want).expect("write bindings");
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "ui/src/bindings.ts is stale: regenerate it with \
         `VAGT_UPDATE_BINDINGS=1 cargo test -p vagt-app --test bindings`"
    );
}
