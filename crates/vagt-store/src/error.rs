//! Why a store operation failed: one error type, with a stable code per kind for JSON output
//! and the app's `{code, message}`.

use std::path::PathBuf;
use vagt_core::plan::PlanError;

/// The longest a nurse may snooze an alarm for herself: a snooze is a short "I am on it", not a
/// way to hide an alarm for a shift.
pub const MAX_SNOOZE_MINUTES: i64 = 120;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no database at {path}; create one with `vagtctl --db {path} init`")]
    NotFound { path: PathBuf },
    #[error(
        "the database at {path} cannot be decrypted: the key is wrong, or the file is not a Vagt \
         database. A database copied from another machine cannot be opened without that \
         machine's key"
    )]
    CannotDecrypt { path: PathBuf },
    #[error(
        "no key for the database at {path} in the OS keyring. The key was made when the database \
         was created; if the file was moved or copied here, it cannot be opened"
    )]
    NoKeyForDatabase { path: PathBuf },
    #[error("the key stored for {path} is damaged (not 64 hex digits)")]
    DamagedKey { path: PathBuf },
    #[error(transparent)]
    Secrets(#[from] vagt_secrets::SecretsError),
    #[error(
        "the database was made by a newer Vagt (schema version {found}, this build knows up to \
         {supported}); update Vagt on this machine"
    )]
    TooNew { found: i64, supported: i64 },
    #[error("the file has tables but no Vagt schema version; it is not a Vagt database")]
    NotAVagtDatabase,
    #[error("upgrading the database from schema version {from} failed: {source}")]
    Upgrade {
        from: i64,
        #[source]
        source: rusqlite::Error,
    },
    #[error("no citizen with id {0}")]
    UnknownCitizen(String),
    #[error(
        "the database holds a value Vagt cannot read ({0}); run `vagtctl status` and report it"
    )]
    Corrupt(String),
    /// SQLite ended the transaction the sync held its pages in (`Store::hold_pulls`) itself.
    #[error(
        "the pages the sync held were rolled back before they were committed; the next sync pulls them again"
    )]
    PullsRolledBack,
    #[error("could not make a random key: {0}")]
    Random(String),
    #[error("could not resolve the path {path}: {source}")]
    Path {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Triage(#[from] TriageError),
    /// A call that cannot be recorded, with every field that is wrong.
    #[error("the call cannot be recorded: {}", call_problems(.0))]
    InvalidCall(Vec<vagt_core::call::CallProblem>),
    #[error("no call with key {0}")]
    UnknownCall(String),
    /// A dispatch, or a change of one, that cannot be kept, with every field that is wrong.
    #[error("the dispatch cannot be saved: {}", dispatch_problems(.0))]
    InvalidDispatch(Vec<vagt_core::dispatch::DispatchProblem>),
    #[error("no dispatch with key {0}")]
    UnknownDispatch(String),
    /// A visit that cannot be recorded, with every field that is wrong.
    #[error("the visit cannot be recorded: {}", visit_problems(.0))]
    InvalidVisit(Vec<vagt_core::visit::VisitProblem>),
    #[error("no visit with key {0}")]
    UnknownVisit(String),
    /// A person who cannot be added, with every field that is wrong.
    #[error("the person cannot be added: {}", person_problems(.0))]
    InvalidPerson(Vec<vagt_core::person::PersonProblem>),
    /// Only an unknown caller's call is linked, and once here (another station's earlier link
    /// wins everywhere, see `call_links`).
    #[error("call {call} is already the call of citizen {citizen}")]
    CallAlreadyLinked { call: String, citizen: String },
    /// A handover note or sign-off that cannot be kept.
    #[error("{0}")]
    InvalidHandover(#[from] vagt_core::handover::HandoverProblem),
    #[error(
        "a first sync is loading the readings; a citizen's readings can be read once it ends \
         (its progress is in the status bar)"
    )]
    BulkLoadUnderWay,
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    #[error("no alarm with id {0}")]
    UnknownAlarm(String),
    #[error("more than one alarm id starts with {0}; give more of it")]
    AmbiguousAlarm(String),
    #[error("the plan is not valid: {0}")]
    InvalidPlan(#[from] PlanError),
    #[error("a reason is required: say why, for the record")]
    ReasonRequired,
    #[error("alarm {0} is already acknowledged; there is nothing to snooze")]
    AlarmNotOpen(String),
    #[error("a snooze lasts from 1 to {MAX_SNOOZE_MINUTES} minutes, not {0}")]
    InvalidSnooze(i64),
    #[error(
        "alarm {0} has escalated: a high alarm cannot be snoozed past its first escalation; acknowledge it"
    )]
    SnoozeAfterEscalation(String),
    #[error("the escalation policy is not valid: {0}")]
    InvalidEscalationPolicy(String),
    #[error("no revision {0} of this citizen's plan; open the plan again")]
    UnknownPlanRevision(String),
}

impl StoreError {
    /// A stable code for the error's kind, for JSON output and the app's `{code, message}`.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::NotFound { .. } => "database_not_found",
            StoreError::CannotDecrypt { .. } => "cannot_decrypt",
            StoreError::NoKeyForDatabase { .. } => "no_key_for_database",
            StoreError::DamagedKey { .. } => "damaged_key",
            StoreError::Secrets(vagt_secrets::SecretsError::Unavailable { .. }) => {
                "keyring_unavailable"
            }
            StoreError::Secrets(vagt_secrets::SecretsError::Refused { .. }) => "keyring_refused",
            StoreError::TooNew { .. } => "database_too_new",
            StoreError::NotAVagtDatabase => "not_a_vagt_database",
            StoreError::Upgrade { .. } => "upgrade_failed",
            StoreError::UnknownCitizen(_) => "unknown_citizen",
            StoreError::Corrupt(_) => "corrupt",
            StoreError::PullsRolledBack => "pulls_rolled_back",
            StoreError::InvalidCall(_) => "invalid_call",
            StoreError::UnknownCall(_) => "unknown_call",
            StoreError::InvalidDispatch(_) => "invalid_dispatch",
            StoreError::UnknownDispatch(_) => "unknown_dispatch",
            StoreError::InvalidVisit(_) => "invalid_visit",
            StoreError::UnknownVisit(_) => "unknown_visit",
            StoreError::InvalidPerson(_) => "invalid_person",
            StoreError::CallAlreadyLinked { .. } => "call_already_linked",
            StoreError::InvalidHandover(problem) => problem.code(),
            StoreError::Random(_) => "no_randomness",
            StoreError::Path { .. } => "bad_path",
            StoreError::Triage(TriageError::UnknownAlarm(_)) => "unknown_alarm",
            StoreError::Triage(TriageError::AmbiguousAlarm(_)) => "ambiguous_alarm",
            StoreError::Triage(TriageError::InvalidPlan(_)) => "invalid_plan",
            StoreError::Triage(TriageError::ReasonRequired) => "reason_required",
            StoreError::Triage(TriageError::AlarmNotOpen(_)) => "alarm_not_open",
            StoreError::Triage(TriageError::InvalidSnooze(_)) => "invalid_snooze",
            StoreError::Triage(TriageError::SnoozeAfterEscalation(_)) => "snooze_after_escalation",
            StoreError::Triage(TriageError::InvalidEscalationPolicy(_)) => {
                "invalid_escalation_policy"
            }
            StoreError::Triage(TriageError::UnknownPlanRevision(_)) => "unknown_plan_revision",
            StoreError::BulkLoadUnderWay => "bulk_load_under_way",
            StoreError::Sqlite(_) => "database_error",
        }
    }
}

fn call_problems(problems: &[vagt_core::call::CallProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("{} ({})", p.field, p.code.code()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn visit_problems(problems: &[vagt_core::visit::VisitProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("{} ({})", p.field, p.code.code()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn person_problems(problems: &[vagt_core::person::PersonProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("{} ({})", p.field, p.code.code()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn dispatch_problems(problems: &[vagt_core::dispatch::DispatchProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
