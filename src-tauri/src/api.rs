//! The commands the web view may call. Each one parses, calls a crate, and maps the error to
//! `{code, message}`; no logic lives here.

use serde::Serialize;
use std::path::PathBuf;
use std::sync::Mutex;
use vagt_core::plan::DocumentFormat;
use vagt_core::{EcmLevel, Timestamp};
use vagt_secrets::OsKeyring;
use vagt_store::{
    AckOutcome, Actor, AlarmRow, CitizenSummary, KeySource, OpenMode, PlanView, SnoozeOutcome,
    Store, StoreError, StoreStatus,
};
use zeroize::Zeroizing;

/// What the web view gets when a command fails: a stable code and a message for a nurse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandError {
    pub code: &'static str,
    pub message: String,
}

impl From<StoreError> for CommandError {
    fn from(error: StoreError) -> Self {
        CommandError {
            code: error.code(),
            message: error.to_string(),
        }
    }
}

pub struct AppState {
    /// Why the store is not there, if it is not: every command then answers with this.
    pub store: Result<Mutex<Store>, CommandError>,
    pub actor: Actor,
}

/// How to open the database: the same for the UI's connection and the sync's.
#[derive(Clone)]
pub struct StoreLocation {
    pub db: Option<PathBuf>,
    pub throwaway_key: Option<Zeroizing<String>>,
}

impl StoreLocation {
    pub fn open(&self, mode: OpenMode) -> Result<Store, CommandError> {
        let db = self
            .db
            .clone()
            .or_else(vagt_store::default_database_path)
            .ok_or_else(|| CommandError {
                code: "no_database_path",
                message:
                    "no database path given and no data directory known; start Vagt with --db PATH"
                        .into(),
            })?;
        let keyring = OsKeyring::default();
        let keys = KeySource::choose(self.throwaway_key.clone(), &keyring);
        Ok(Store::open(&db, &keys, mode)?)
    }
}

impl AppState {
    pub fn open(location: &StoreLocation, actor: Option<String>) -> AppState {
        let actor = Actor(
            actor
                .or_else(|| std::env::var("USER").ok())
                .unwrap_or_else(|| "nurse".into()),
        );
        let store = location.open(OpenMode::CreateIfMissing).map(Mutex::new);
        AppState { store, actor }
    }

    fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, CommandError> {
        let store = self.store.as_ref().map_err(Clone::clone)?;
        let mut guard = store.lock().map_err(|_| CommandError {
            code: "internal",
            message: "an earlier request failed while holding the database; restart Vagt".into(),
        })?;
        Ok(f(&mut guard)?)
    }

    pub fn citizens(&self) -> Result<Vec<CitizenSummary>, CommandError> {
        self.with_store(|s| s.citizen_summaries(&self.actor))
    }

    pub fn status(&self) -> Result<StoreStatus, CommandError> {
        self.with_store(|s| s.status())
    }

    pub fn alarms(&self, open_only: bool) -> Result<Vec<AlarmRow>, CommandError> {
        self.with_store(|s| s.alarms(open_only, &self.actor, Timestamp::now()))
    }

    pub fn acknowledge(
        &self,
        alarm_id: &str,
        comment: Option<&str>,
    ) -> Result<AckOutcome, CommandError> {
        self.with_store(|s| s.acknowledge_alarm(alarm_id, &self.actor, comment, Timestamp::now()))
    }

    pub fn snooze(&self, alarm_id: &str, minutes: i64) -> Result<SnoozeOutcome, CommandError> {
        self.with_store(|s| s.snooze_alarm(alarm_id, &self.actor, minutes, Timestamp::now()))
    }

    /// Sets the confirmed level, then evaluates at once so the worklist and the alarms agree
    /// before the next sync.
    pub fn confirm_level(
        &self,
        citizen_id: &str,
        level: i64,
        reason: &str,
    ) -> Result<String, CommandError> {
        let level = EcmLevel::new(level).map_err(|e| CommandError {
            code: "invalid_level",
            message: e.to_string(),
        })?;
        self.with_store(|s| {
            let key = s.confirm_level(citizen_id, level, &self.actor, reason, Timestamp::now())?;
            s.evaluate_alarms(Timestamp::now())?;
            Ok(key)
        })
    }

    pub fn plan(&self, citizen_id: &str) -> Result<PlanView, CommandError> {
        self.with_store(|s| s.plan(citizen_id, &self.actor))
    }

    /// Replaces the citizen's plan overrides (TOML), then evaluates with the new plan.
    pub fn set_plan(
        &self,
        citizen_id: &str,
        overrides: &str,
        reason: &str,
    ) -> Result<PlanView, CommandError> {
        self.with_store(|s| {
            s.set_plan(
                citizen_id,
                overrides,
                DocumentFormat::Toml,
                &self.actor,
                reason,
            )?;
            s.evaluate_alarms(Timestamp::now())?;
            s.plan(citizen_id, &self.actor)
        })
    }
}

// Async so that they run off the main (UI) thread.
#[tauri::command]
pub async fn list_citizens(
    state: tauri::State<'_, AppState>,
) -> Result<Vec<CitizenSummary>, CommandError> {
    state.citizens()
}

#[tauri::command]
pub async fn store_status(state: tauri::State<'_, AppState>) -> Result<StoreStatus, CommandError> {
    state.status()
}

#[tauri::command]
pub async fn list_alarms(
    state: tauri::State<'_, AppState>,
    open_only: bool,
) -> Result<Vec<AlarmRow>, CommandError> {
    state.alarms(open_only)
}

/// Acknowledged as the station's user (`--as`, else the OS user).
#[tauri::command]
pub async fn acknowledge_alarm(
    state: tauri::State<'_, AppState>,
    alarm_id: String,
    comment: Option<String>,
) -> Result<AckOutcome, CommandError> {
    state.acknowledge(&alarm_id, comment.as_deref())
}

/// Quiet an alarm for this station's nurse only.
#[tauri::command]
pub async fn snooze_alarm(
    state: tauri::State<'_, AppState>,
    alarm_id: String,
    minutes: i64,
) -> Result<SnoozeOutcome, CommandError> {
    state.snooze(&alarm_id, minutes)
}

#[tauri::command]
pub async fn confirm_level(
    state: tauri::State<'_, AppState>,
    citizen_id: String,
    level: i64,
    reason: String,
) -> Result<String, CommandError> {
    state.confirm_level(&citizen_id, level, &reason)
}

#[tauri::command]
pub async fn citizen_plan(
    state: tauri::State<'_, AppState>,
    citizen_id: String,
) -> Result<PlanView, CommandError> {
    state.plan(&citizen_id)
}

#[tauri::command]
pub async fn set_citizen_plan(
    state: tauri::State<'_, AppState>,
    citizen_id: String,
    overrides: String,
    reason: String,
) -> Result<PlanView, CommandError> {
    state.set_plan(&citizen_id, &overrides, &reason)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_answer_from_a_real_store_and_errors_keep_their_code() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("app.db");
        let location = |key: &str| StoreLocation {
            db: Some(db.clone()),
            throwaway_key: Some(Zeroizing::new(key.into())),
        };
        let state = AppState::open(&location("pw"), Some("nurse-a".into()));
        assert_eq!(state.status().expect("status").citizens, 0);
        assert!(state.citizens().expect("list").is_empty());

        assert!(state.alarms(true).expect("alarms").is_empty());
        let unknown = state
            .acknowledge("0123456789ab", None)
            .expect_err("no such alarm");
        assert_eq!(unknown.code, "unknown_alarm");
        let snooze = state.snooze("0123456789ab", 10).expect_err("no such alarm");
        assert_eq!(snooze.code, "unknown_alarm");
        let level = state
            .confirm_level("nobody", 9, "test")
            .expect_err("no ECM9");
        assert_eq!(level.code, "invalid_level");
        let citizen = state
            .confirm_level("nobody", 3, "test")
            .expect_err("no such citizen");
        assert_eq!(citizen.code, "unknown_citizen");
        let plan = state.plan("nobody").expect_err("no such citizen");
        assert_eq!(plan.code, "unknown_citizen");

        let wrong = AppState::open(&location("other"), None);
        let error = wrong.citizens().expect_err("wrong key");
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
