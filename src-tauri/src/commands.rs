//! The commands the web view may call. Each one parses, calls a use case of `vagt-app` as the
//! station's user, and maps the error to `{code, message}`; no logic lives here.

use std::sync::Arc;
use vagt_app::{
    AppError, BackgroundHandle, BackgroundPlan, ChangeSink, CitizenPage, ErrorReport, Session,
    StationStatus, StoreLocation, parse_citizen, parse_citizens, parse_level,
};
use vagt_store::{
    AckOutcome, Actor, AlarmEpisode, AlarmRow, CitizenSummary, EpisodePage, OpenMode, PlanCheck,
    PlanForm, PlanView, SnoozeOutcome, WorklistAfter, WorklistPage,
};

pub struct AppState {
    /// Why the session is not there, if it is not: every command then answers with this, so
    /// a nurse who starts Vagt from a menu sees why it cannot work, instead of nothing.
    session: Result<Session, ErrorReport>,
    actor: Actor,
    /// Kept for as long as the app runs; dropping it stops the background threads.
    background: Option<BackgroundHandle>,
}

// Boxed: a report carries the refused form's problems, too large to move around by value.
type Reply<T> = Result<T, Box<ErrorReport>>;

impl AppState {
    pub fn open(
        location: StoreLocation,
        actor: Actor,
        sink: Arc<dyn ChangeSink>,
        plan: impl FnOnce(Option<String>) -> BackgroundPlan,
        backend: Option<String>,
    ) -> AppState {
        let session = Session::open(location, OpenMode::CreateIfMissing)
            // The async commands below run on Tauri's runtime.
            .map(|s| {
                s.with_sink(sink)
                    .with_use_threads(tauri::async_runtime::handle().inner().clone())
            })
            .inspect_err(|e| tracing::error!(code = e.code(), "Vagt cannot open its database"));
        let background = session.as_ref().ok().and_then(|session| {
            let backend = match backend {
                Some(url) => Some(url),
                None => session.backend_url(None).ok().flatten(),
            };
            session
                .start_background(plan(backend))
                .inspect_err(|e| tracing::error!(code = e.code(), "no background work: {e}"))
                .ok()
        });
        AppState {
            session: session.map_err(|e| e.report()),
            actor,
            background,
        }
    }

    fn call<T>(&self, f: impl FnOnce(&Session, &Actor) -> Result<T, AppError>) -> Reply<T> {
        let session = self.session.as_ref().map_err(|e| Box::new(e.clone()))?;
        f(session, &self.actor).map_err(|e| Box::new(e.report()))
    }
}

// Async so that they run off the main (UI) thread.
#[tauri::command]
pub async fn worklist_page(
    state: tauri::State<'_, AppState>,
    after: Option<WorklistAfter>,
    limit: usize,
) -> Reply<WorklistPage> {
    state.call(|s, a| s.worklist_page(a, after.as_ref(), limit))
}

#[tauri::command]
pub async fn worklist_rows(
    state: tauri::State<'_, AppState>,
    citizen_ids: Vec<String>,
) -> Reply<Vec<CitizenSummary>> {
    state.call(|s, a| {
        let ids = parse_citizens(&citizen_ids)?;
        s.worklist_rows(a, &ids)
    })
}

/// The citizen's trend plot as SVG with its points, for the citizen page.
#[tauri::command]
pub async fn citizen_trend(
    state: tauri::State<'_, AppState>,
    citizen_id: String,
    range: String,
    lang: String,
    width: Option<u32>,
) -> Reply<vagt_plot::Rendered> {
    state.call(|s, a| {
        let layout = vagt_plot::Layout {
            width: width.unwrap_or(vagt_plot::style::WIDTH).clamp(480, 2400),
            ..vagt_plot::Layout::default()
        };
        s.trend(
            a,
            &parse_citizen(&citizen_id)?,
            vagt_app::parse_range(&range)?,
            vagt_app::parse_language(&lang)?,
            layout,
            vagt_core::Timestamp::now(),
        )
    })
}

/// Writes the trend as a PDF for the GP into the nurse's documents folder (Vagt/); its path.
#[tauri::command]
pub async fn export_trend_pdf(
    state: tauri::State<'_, AppState>,
    citizen_id: String,
    range: String,
    lang: String,
) -> Reply<String> {
    state.call(|s, a| {
        let dir = export_dir()?;
        let path = s.export_trend_pdf_to(
            a,
            &parse_citizen(&citizen_id)?,
            vagt_app::parse_range(&range)?,
            vagt_app::parse_language(&lang)?,
            &dir,
            vagt_core::Timestamp::now(),
        )?;
        Ok(path.display().to_string())
    })
}

/// Logs a call as the station's user, with what it sets off.
#[tauri::command]
pub async fn record_call(
    state: tauri::State<'_, AppState>,
    form: vagt_app::CallForm,
) -> Reply<vagt_app::CallRecorded> {
    state.call(|s, a| s.record_call(a, form))
}

/// Calls, newest first: one citizen's, or all.
#[tauri::command]
pub async fn list_calls(
    state: tauri::State<'_, AppState>,
    citizen_id: Option<String>,
) -> Reply<Vec<vagt_core::call::CallRecord>> {
    state.call(|s, a| {
        let citizen = citizen_id.as_deref().map(parse_citizen).transpose()?;
        s.calls(a, citizen.as_ref(), None)
    })
}

/// Sends the MAS nurse to a citizen.
#[tauri::command]
pub async fn request_dispatch(
    state: tauri::State<'_, AppState>,
    form: vagt_app::DispatchForm,
) -> Reply<vagt_app::DispatchChanged> {
    state.call(|s, a| s.request_dispatch(a, form))
}

/// Sends the MAS nurse to a person who is not enrolled, adding them.
#[tauri::command]
pub async fn dispatch_person(
    state: tauri::State<'_, AppState>,
    form: vagt_app::PersonDispatchForm,
) -> Reply<vagt_app::PersonDispatched> {
    state.call(|s, a| s.dispatch_person(a, form))
}

/// Unknown callers' calls no nurse has linked to a citizen yet, newest first.
#[tauri::command]
pub async fn unlinked_calls(
    state: tauri::State<'_, AppState>,
) -> Reply<Vec<vagt_core::call::CallRecord>> {
    state.call(|s, a| s.unlinked_calls(a, None))
}

/// Ties an unknown caller's call to a citizen.
#[tauri::command]
pub async fn link_call(
    state: tauri::State<'_, AppState>,
    call_key: String,
    citizen_id: String,
) -> Reply<vagt_core::person::CallLink> {
    state.call(|s, a| s.link_call(a, &call_key, &parse_citizen(&citizen_id)?))
}

/// Moves a dispatch on (its state, its nurse, its urgency), or settles a conflict.
#[tauri::command]
pub async fn change_dispatch(
    state: tauri::State<'_, AppState>,
    key: String,
    edit: vagt_app::DispatchEdit,
) -> Reply<vagt_app::DispatchChanged> {
    state.call(|s, a| s.change_dispatch(a, &key, edit))
}

/// The dispatch board (open dispatches), or every dispatch of one citizen.
#[tauri::command]
pub async fn list_dispatches(
    state: tauri::State<'_, AppState>,
    citizen_id: Option<String>,
    open_only: bool,
) -> Reply<Vec<vagt_core::dispatch::Dispatch>> {
    state.call(|s, a| {
        let citizen = citizen_id.as_deref().map(parse_citizen).transpose()?;
        s.dispatches(a, citizen.as_ref(), open_only)
    })
}

/// Records a MAS visit as the station's (or laptop's) user, with what it sets off.
#[tauri::command]
pub async fn record_visit(
    state: tauri::State<'_, AppState>,
    form: vagt_app::VisitForm,
) -> Reply<vagt_app::VisitRecorded> {
    state.call(|s, a| s.record_visit(a, form))
}

/// The NEWS2 of the vitals typed into the visit form so far, on the citizen's SpO2 scale.
#[tauri::command]
pub async fn visit_news2(
    state: tauri::State<'_, AppState>,
    citizen_id: String,
    vitals: vagt_core::visit::VisitVitals,
) -> Reply<vagt_core::news2::News2> {
    state.call(|s, _| s.visit_news2(&parse_citizen(&citizen_id)?, &vitals))
}

/// A citizen's medicine box, for the call and visit forms.
#[tauri::command]
pub async fn medicine_box(
    state: tauri::State<'_, AppState>,
    citizen_id: String,
) -> Reply<Vec<vagt_core::medicine::BoxedMedicine>> {
    state.call(|s, a| s.medicine_box(a, &parse_citizen(&citizen_id)?))
}

/// Keeps a form as it is typed.
#[tauri::command]
pub async fn save_draft(
    state: tauri::State<'_, AppState>,
    id: String,
    kind: String,
    citizen_id: Option<String>,
    form: serde_json::Value,
) -> Reply<()> {
    state.call(|s, a| {
        let citizen = citizen_id.as_deref().map(parse_citizen).transpose()?;
        s.save_draft(a, &id, &kind, citizen.as_ref(), &form)
    })
}

#[tauri::command]
pub async fn list_drafts(state: tauri::State<'_, AppState>) -> Reply<Vec<vagt_store::FormDraft>> {
    state.call(|s, a| s.drafts(a))
}

#[tauri::command]
pub async fn discard_draft(state: tauri::State<'_, AppState>, id: String) -> Reply<bool> {
    state.call(|s, a| s.discard_draft(a, &id))
}

/// 7-day sparklines of the worklist rows in view.
#[tauri::command]
pub async fn sparklines(
    state: tauri::State<'_, AppState>,
    citizen_ids: Vec<String>,
) -> Reply<Vec<vagt_app::Sparkline>> {
    state.call(|s, a| {
        let ids = parse_citizens(&citizen_ids)?;
        s.sparklines(a, &ids, vagt_core::Timestamp::now())
    })
}

#[tauri::command]
pub async fn store_status(state: tauri::State<'_, AppState>) -> Reply<StationStatus> {
    let subscribed = state.background.as_ref().map(BackgroundHandle::subscribed);
    state.call(|s, a| s.status(a)).map(|status| StationStatus {
        subscribed,
        ..status
    })
}

#[tauri::command]
pub async fn list_alarms(
    state: tauri::State<'_, AppState>,
    open_only: bool,
) -> Reply<Vec<AlarmRow>> {
    state.call(|s, a| s.alarms(a, open_only))
}

#[tauri::command]
pub async fn acknowledge_alarm(
    state: tauri::State<'_, AppState>,
    alarm_id: String,
    comment: Option<String>,
) -> Reply<AckOutcome> {
    state.call(|s, a| s.acknowledge(a, &alarm_id, comment.as_deref()))
}

/// One row per citizen who needs attention, every open cause under it: those of the next
/// `citizens` citizens after `after`, a page of them.
#[tauri::command]
pub async fn alarm_episodes_page(
    state: tauri::State<'_, AppState>,
    after: Option<String>,
    citizens: usize,
) -> Reply<EpisodePage> {
    state.call(|s, a| s.alarm_episodes_page(a, after.as_deref(), citizens))
}

/// The episodes of these citizens only: read again at an escalation step or a snooze's end,
/// when no other episode can have changed.
#[tauri::command]
pub async fn alarm_episodes_of(
    state: tauri::State<'_, AppState>,
    citizen_ids: Vec<String>,
) -> Reply<Vec<AlarmEpisode>> {
    state.call(|s, a| {
        let ids = parse_citizens(&citizen_ids)?;
        s.alarm_episodes_of(a, &ids)
    })
}

/// Acknowledge a citizen's episode: the causes the nurse was shown.
#[tauri::command]
pub async fn acknowledge_episode(
    state: tauri::State<'_, AppState>,
    citizen_id: String,
    alarm_ids: Vec<String>,
    comment: Option<String>,
) -> Reply<Vec<AckOutcome>> {
    state.call(|s, a| {
        s.acknowledge_episode(
            a,
            &parse_citizen(&citizen_id)?,
            &alarm_ids,
            comment.as_deref(),
        )
    })
}

/// Quiet an alarm for this station's nurse only.
#[tauri::command]
pub async fn snooze_alarm(
    state: tauri::State<'_, AppState>,
    alarm_id: String,
    minutes: i64,
) -> Reply<SnoozeOutcome> {
    state.call(|s, a| s.snooze(a, &alarm_id, minutes))
}

/// Resolves to the decision's key.
#[tauri::command]
pub async fn confirm_level(
    state: tauri::State<'_, AppState>,
    citizen_id: String,
    level: i64,
    reason: String,
) -> Reply<String> {
    state.call(|s, a| {
        let done = s.confirm_level(
            a,
            &parse_citizen(&citizen_id)?,
            parse_level(level)?,
            &reason,
        )?;
        Ok(done.decision_key)
    })
}

#[tauri::command]
pub async fn citizen_page(
    state: tauri::State<'_, AppState>,
    citizen_id: String,
) -> Reply<CitizenPage> {
    state.call(|s, a| s.citizen_page(a, &parse_citizen(&citizen_id)?))
}

#[tauri::command]
pub async fn plan_form(state: tauri::State<'_, AppState>, citizen_id: String) -> Reply<PlanForm> {
    state.call(|s, a| s.plan_form(a, &parse_citizen(&citizen_id)?))
}

#[tauri::command]
pub async fn check_plan(
    state: tauri::State<'_, AppState>,
    citizen_id: String,
    overrides: serde_json::Value,
) -> Reply<PlanCheck> {
    state.call(|s, _| s.check_plan(&parse_citizen(&citizen_id)?, &overrides))
}

#[tauri::command]
pub async fn set_plan(
    state: tauri::State<'_, AppState>,
    citizen_id: String,
    overrides: serde_json::Value,
    reason: String,
    bases: Vec<String>,
) -> Reply<PlanForm> {
    state.call(|s, a| s.set_plan(a, &parse_citizen(&citizen_id)?, &overrides, &reason, &bases))
}

#[tauri::command]
pub async fn plan_toml(state: tauri::State<'_, AppState>, citizen_id: String) -> Reply<PlanView> {
    state.call(|s, a| s.plan_toml(a, &parse_citizen(&citizen_id)?))
}

#[tauri::command]
pub async fn set_plan_toml(
    state: tauri::State<'_, AppState>,
    citizen_id: String,
    toml: String,
    reason: String,
    bases: Vec<String>,
) -> Reply<PlanView> {
    state.call(|s, a| {
        let citizen = parse_citizen(&citizen_id)?;
        s.set_plan_text(
            a,
            &citizen,
            &toml,
            vagt_core::plan::DocumentFormat::Toml,
            &reason,
            Some(&bases),
        )?;
        s.plan_toml(a, &citizen)
    })
}

/// A desktop notification, worded by the UI in the nurse's language. A desktop without a
/// notification service is no error: the alarm panel and the sound still show the alarm.
#[tauri::command]
pub async fn notify_alarm(app: tauri::AppHandle, title: String, body: String) -> bool {
    use tauri_plugin_notification::NotificationExt;
    match app.notification().builder().title(title).body(body).show() {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!("no desktop notification: {error}");
            false
        }
    }
}

/// The handover of a shift (default: the shift now), I-PASS per citizen.
#[tauri::command]
pub async fn handover(
    state: tauri::State<'_, AppState>,
    from: Option<vagt_core::Timestamp>,
    to: Option<vagt_core::Timestamp>,
) -> Reply<vagt_app::Handover> {
    state.call(|s, a| s.handover(a, from, to))
}

/// A nurse's note on a citizen in a shift's handover: her severity, her contingency note.
#[tauri::command]
pub async fn write_handover_note(
    state: tauri::State<'_, AppState>,
    citizen_id: String,
    from: Option<vagt_core::Timestamp>,
    to: Option<vagt_core::Timestamp>,
    severity: Option<vagt_core::handover::Judgement>,
    contingency: Option<vagt_core::handover::Contingency>,
) -> Reply<vagt_core::handover::HandoverNote> {
    state.call(|s, a| {
        s.write_handover_note(
            a,
            &parse_citizen(&citizen_id)?,
            (from, to),
            severity,
            contingency,
        )
    })
}

/// The receiver signs a shift's handover as read: for the citizens named, or for all.
#[tauri::command]
pub async fn sign_handover(
    state: tauri::State<'_, AppState>,
    from: Option<vagt_core::Timestamp>,
    to: Option<vagt_core::Timestamp>,
    citizen_ids: Option<Vec<String>>,
) -> Reply<vagt_core::handover::HandoverSignoff> {
    state.call(|s, a| {
        let citizens = citizen_ids
            .map(|ids| ids.iter().map(|id| parse_citizen(id)).collect())
            .transpose()?;
        s.sign_handover(a, (from, to), citizens)
    })
}

/// Writes the handover as a PDF into the nurse's documents folder (Vagt/); its path.
#[tauri::command]
pub async fn export_handover_pdf(
    state: tauri::State<'_, AppState>,
    from: Option<vagt_core::Timestamp>,
    to: Option<vagt_core::Timestamp>,
    lang: String,
) -> Reply<String> {
    state.call(|s, a| {
        let dir = export_dir()?;
        let path = s.export_handover_pdf_to(a, from, to, vagt_app::parse_language(&lang)?, &dir)?;
        Ok(path.display().to_string())
    })
}

/// The citizen's timeline, newest first; only the kinds asked for (all when none are).
#[tauri::command]
pub async fn timeline(
    state: tauri::State<'_, AppState>,
    citizen_id: String,
    kinds: Vec<vagt_app::TimelineKind>,
) -> Reply<Vec<vagt_app::TimelineEntry>> {
    state.call(|s, a| s.timeline(a, &parse_citizen(&citizen_id)?, &kinds))
}

/// Where exports for the GP go: the nurse's documents folder, `Vagt/`.
fn export_dir() -> Result<std::path::PathBuf, AppError> {
    Ok(dirs::document_dir()
        .or_else(dirs::home_dir)
        .ok_or(AppError::NoDatabasePath)?
        .join("Vagt"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use zeroize::Zeroizing;

    fn state(db: &std::path::Path, key: &str) -> AppState {
        let location = StoreLocation {
            db: Some(db.to_path_buf()),
            throwaway_key: Some(Zeroizing::new(key.into())),
        };
        let plan = |backend| BackgroundPlan {
            backend,
            sync_every: std::time::Duration::from_secs(3600),
            evaluate_every: std::time::Duration::from_secs(3600),
            subscribe: false,
        };
        AppState::open(
            location,
            Actor("nurse-a".into()),
            Arc::new(vagt_app::NoWindow),
            plan,
            None,
        )
    }

    #[test]
    fn commands_answer_from_a_real_store_and_errors_keep_their_code() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("app.db");
        let app = state(&db, "pw");
        let status = app.call(|s, a| s.status(a)).expect("status");
        assert_eq!(
            (status.store.citizens, status.actor.as_str()),
            (0, "nurse-a")
        );
        assert!(app.call(|s, a| s.worklist(a)).expect("list").is_empty());
        assert!(
            app.call(|s, a| s.alarms(a, true))
                .expect("alarms")
                .is_empty()
        );

        let unknown = app
            .call(|s, a| s.acknowledge(a, "0123456789ab", None))
            .expect_err("no such alarm");
        assert_eq!(unknown.code, "unknown_alarm");
        let level = app
            .call(|s, a| s.confirm_level(a, &parse_citizen("nobody")?, parse_level(9)?, "x"))
            .expect_err("no ECM9");
        assert_eq!(level.code, "invalid_level");
        let citizen = app
            .call(|s, a| s.citizen_page(a, &parse_citizen("nobody")?))
            .expect_err("no such citizen");
        assert_eq!(citizen.code, "unknown_citizen");
        drop(app);

        let wrong = state(&db, "other");
        let error = wrong.call(|s, a| s.worklist(a)).expect_err("wrong key");
        assert_eq!(error.code, "cannot_decrypt");
        let json = serde_json::to_value(&error).expect("serialises");
        assert_eq!(json["code"], "cannot_decrypt");
        assert!(
            json["message"]
                .as_str()
                .is_some_and(|m| m.contains("cannot be decrypted"))
        );
    }
}
