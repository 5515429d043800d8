//! Why a use case failed, as one type: a stable code for scripts and the UI's catalogue, a
//! message for an operator, and for a refused plan every problem with its field.

use serde::Serialize;
use vagt_core::plan::PlanProblem;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] vagt_store::StoreError),
    #[error(transparent)]
    Sync(#[from] vagt_sync::SyncError),
    #[error(transparent)]
    Secrets(#[from] vagt_secrets::SecretsError),
    /// Input a user typed that cannot be used; the message says what is wrong with it.
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    #[error("the plan is not valid: {}", first_problem(.0))]
    InvalidPlan(Vec<PlanProblem>),
    #[error("no database path given and no data directory known; give --db PATH")]
    NoDatabasePath,
    #[error("an earlier request failed while holding the database; restart Vagt")]
    Poisoned,
    #[error(transparent)]
    Plot(#[from] vagt_plot::PlotError),
    #[error("cannot {doing}: {source}")]
    Io {
        doing: &'static str,
        #[source]
        source: std::io::Error,
    },
}

fn first_problem(problems: &[PlanProblem]) -> &str {
    problems.first().map_or("", |p| p.message.as_str())
}

impl AppError {
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            code,
            message: message.into(),
        }
    }

    /// A stable code for the error's kind; the UI words it through its catalogue
    /// (`error.<code>`).
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Store(e) => e.code(),
            AppError::Sync(e) => e.code(),
            AppError::Secrets(vagt_secrets::SecretsError::Unavailable { .. }) => {
                "keyring_unavailable"
            }
            AppError::Secrets(_) => "keyring_refused",
            AppError::Invalid { code, .. } => code,
            AppError::InvalidPlan(_) => "invalid_plan",
            AppError::NoDatabasePath => "no_database_path",
            AppError::Poisoned => "internal",
            AppError::Plot(e) => e.code(),
            AppError::Io { .. } => "io",
        }
    }

    /// Whether the fault is in what was asked (a usage error: exit status 2 in `vagtctl`).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            AppError::Invalid { .. }
                | AppError::NoDatabasePath
                | AppError::InvalidPlan(_)
                | AppError::Store(vagt_store::StoreError::InvalidCall(_))
                | AppError::Store(vagt_store::StoreError::InvalidDispatch(_))
                | AppError::Store(vagt_store::StoreError::InvalidVisit(_))
                | AppError::Store(vagt_store::StoreError::InvalidPerson(_))
                | AppError::Store(vagt_store::StoreError::InvalidHandover(_))
        )
    }

    /// What crosses to the UI and into `--json` output.
    pub fn report(&self) -> ErrorReport {
        let problems = match self {
            AppError::InvalidPlan(problems) => Some(problems.clone()),
            AppError::Store(vagt_store::StoreError::Triage(
                vagt_store::TriageError::InvalidPlan(e),
            )) => Some(vec![e.problem()]),
            _ => None,
        };
        let call_problems = match self {
            AppError::Store(vagt_store::StoreError::InvalidCall(problems)) => {
                Some(problems.clone())
            }
            _ => None,
        };
        let dispatch_problems = match self {
            AppError::Store(vagt_store::StoreError::InvalidDispatch(problems)) => {
                Some(problems.clone())
            }
            _ => None,
        };
        let visit_problems = match self {
            AppError::Store(vagt_store::StoreError::InvalidVisit(problems)) => {
                Some(problems.clone())
            }
            _ => None,
        };
        let person_problems = match self {
            AppError::Store(vagt_store::StoreError::InvalidPerson(problems)) => {
                Some(problems.clone())
            }
            _ => None,
        };
        ErrorReport {
            code: self.code(),
            message: self.to_string(),
            problems,
            call_problems,
            dispatch_problems,
            visit_problems,
            person_problems,
        }
    }
}

/// A failed use case as the UI and `--json` see it: `{code, message}`, and for a refused plan
/// its problems.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(rename = "CommandError")]
pub struct ErrorReport {
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub problems: Option<Vec<PlanProblem>>,
    /// For a refused call: every field that is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub call_problems: Option<Vec<vagt_core::call::CallProblem>>,
    /// For a refused dispatch or change of one: every field that is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub dispatch_problems: Option<Vec<vagt_core::dispatch::DispatchProblem>>,
    /// For a refused visit: every field that is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub visit_problems: Option<Vec<vagt_core::visit::VisitProblem>>,
    /// For a person who cannot be added: every field that is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub person_problems: Option<Vec<vagt_core::person::PersonProblem>>,
}
