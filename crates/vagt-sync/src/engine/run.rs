//! One full run: the server's capabilities (as read within the hour), then each type pulled in
//! order, then the outbox pushed; recorded in `sync_runs` whatever its outcome.

use crate::capabilities::{PullMode, ServerCapabilities};
use crate::client::FhirClient;
use crate::engine::config::SyncConfig;
use crate::engine::pull::{PullOf, pull_type};
use crate::engine::push::push_outbox;
use crate::engine::report::{Progress, SyncReport, SyncRun};
use crate::error::SyncError;
use std::time::Instant;
use vagt_store::{Store, SyncRunEnd};

/// Pulled in this order, so a reading's citizen is known before the reading arrives.
/// EpisodeOfCare carries citizens' enrolments (when monitoring starts). QuestionnaireResponses
/// carry the scored forms (symptom score, CAT); many servers hold none. Encounters carry care
/// events (MAS visits, admissions, discharges) that set level floors, and Vagt's visit records.
/// MedicationRequests carry the citizens' medicine boxes. Basic carries the plan
/// revisions and shared settings nurses made at any station, ClinicalImpressions their
/// confirmed levels, Tasks their alarm acknowledgements, and Communications their calls.
pub const PULLED_TYPES: [&str; 11] = [
    "Patient",
    "EpisodeOfCare",
    "Condition",
    "MedicationRequest",
    "Observation",
    "QuestionnaireResponse",
    "Encounter",
    "Basic",
    "ClinicalImpression",
    "Task",
    "Communication",
];

/// Without these there is nothing to watch; the others are pulled where the server has them.
const REQUIRED_TYPES: [&str; 2] = ["Patient", "Observation"];

/// How a run's Observation pull ended.
#[derive(Debug, Clone, Copy)]
enum ObservationPull {
    Done,
    /// By the run's page limit or budget: the next run goes on.
    CutShort,
    /// The backend serves Observations in a way that ends their pull: it would again.
    Refused,
    /// By a fault that ended the run (the network, a busy backend).
    Interrupted,
}

/// One full run, recorded in `sync_runs` whatever its outcome; the report of a failed run is
/// lost here, see [`sync_run`].
pub async fn sync_once(
    store: &mut Store,
    client: &FhirClient,
    config: &SyncConfig,
    progress: &mut dyn FnMut(&Progress),
) -> Result<SyncReport, SyncError> {
    let run = sync_run(store, client, config, progress).await?;
    run.result.map(|()| run.report)
}

/// One full run, recorded in `sync_runs` whatever its outcome. `Err` only when the store
/// itself fails to record the run.
pub async fn sync_run(
    store: &mut Store,
    client: &FhirClient,
    config: &SyncConfig,
    progress: &mut dyn FnMut(&Progress),
) -> Result<SyncRun, SyncError> {
    sync_run_unfinished(store, client, config, progress)
        .await?
        .finish(store)
}

/// A run that has pulled and pushed but is not yet recorded as finished: the status still says
/// it syncs. Whoever evaluates what it brought finishes it after, so that no reader of the
/// store (another process, the window's poll) takes the run's end for the end of its changes.
#[derive(Debug)]
#[must_use = "a run not finished shows as syncing until its heartbeat goes stale"]
pub struct UnfinishedRun {
    id: i64,
    pub report: SyncReport,
    pub result: Result<(), SyncError>,
}

/// One full run as [`sync_run`], left for the caller to [`UnfinishedRun::finish`].
pub async fn sync_run_unfinished(
    store: &mut Store,
    client: &FhirClient,
    config: &SyncConfig,
    progress: &mut dyn FnMut(&Progress),
) -> Result<UnfinishedRun, SyncError> {
    let run = store.begin_sync_run(client.base())?;
    let mut report = SyncReport::default();
    let deadline = Instant::now() + config.run_budget;
    // How the Observation pull ended, if it ran: what decides whether a bulk load goes on.
    let mut observations: Option<ObservationPull> = None;
    let result = async {
        let capabilities = ServerCapabilities::of(client).await?;
        // A type the backend serves badly ends alone, with its error kept for the end of the
        // run; the other types and the outbox still get their turn.
        let mut first_error: Option<SyncError> = None;
        let asked = |t: &&str| config.only.as_ref().is_none_or(|only| only.contains(t));
        for resource_type in PULLED_TYPES.into_iter().filter(asked) {
            let mode = capabilities.pull_mode(resource_type);
            if mode == PullMode::Absent {
                if REQUIRED_TYPES.contains(&resource_type) {
                    return Err(SyncError::Unsupported(format!(
                        "its CapabilityStatement offers no search of {resource_type}"
                    )));
                }
                tracing::info!(
                    resource_type,
                    "the backend does not hold this type; skipped"
                );
                continue;
            }
            if mode == PullMode::Full {
                tracing::warn!(
                    resource_type,
                    "no _lastUpdated search: pulling the whole type"
                );
            }
            let pulled = pull_type(
                store,
                client,
                config,
                PullOf {
                    run,
                    mode,
                    resource_type,
                    deadline,
                },
                &mut report,
                progress,
            )
            .await;
            if resource_type == "Observation" {
                observations = Some(match &pulled {
                    Ok(()) => ObservationPull::Done,
                    Err(SyncError::PageLimit { .. } | SyncError::RunBudget { .. }) => {
                        ObservationPull::CutShort
                    }
                    // What would end the pull again, whenever it ran: the backend cannot be
                    // paged. Anything else (a refused link, a page too large) may pass.
                    Err(
                        SyncError::PagingLoop { .. }
                        | SyncError::Unpageable { .. }
                        | SyncError::ForeignUrl { .. },
                    ) => ObservationPull::Refused,
                    Err(_) => ObservationPull::Interrupted,
                });
            }
            match pulled {
                Ok(()) => {}
                Err(e) if e.ends_only_this_type() => {
                    tracing::warn!(
                        resource_type,
                        code = e.code(),
                        "the pull of a type ended: {e}"
                    );
                    first_error.get_or_insert(e);
                }
                // Out of time: what nurses recorded still goes out before the run ends.
                Err(e @ SyncError::RunBudget { .. }) => {
                    first_error.get_or_insert(e);
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        push_outbox(store, client, config, &capabilities, &mut report).await?;
        first_error.map_or(Ok(()), Err)
    }
    .await;
    // A bulk load ends when every reading is in, or when the backend refuses the pull (it
    // would again); it goes on after a pull cut short, interrupted (the network, a busy
    // backend: the next run goes on) or not reached; unless the rules have waited too long.
    let now = vagt_core::Timestamp::now();
    let ended = match observations {
        Some(ObservationPull::Done | ObservationPull::Refused) => store.end_bulk_load(now),
        Some(ObservationPull::CutShort | ObservationPull::Interrupted) | None => {
            store.end_overdue_bulk_load(now)
        }
    };
    report.bulk_load_ended = matches!(ended, Ok(Some(_)));
    if let (Err(e), Err(_)) = (&ended, &result) {
        tracing::warn!(code = e.code(), "a bulk load could not end: {e}");
    }
    // The run's own error, if any, says more than this one.
    let result = result.and(ended.map(|_| ()).map_err(SyncError::from));
    // What failed may be the server changed under us: the next run reads its statement again.
    if result.is_err() {
        client.capabilities.forget();
    }
    Ok(UnfinishedRun {
        id: run,
        report,
        result,
    })
}

impl UnfinishedRun {
    /// Records the run's end in `sync_runs`. The rules are not applied here: whoever runs the
    /// sync evaluates what it changed (see `SyncReport::changed_citizens`), whatever the
    /// outcome, on its own clock, before this.
    pub fn finish(self, store: &mut Store) -> Result<SyncRun, SyncError> {
        let UnfinishedRun {
            id: run,
            report,
            result,
        } = self;
        let message = result.as_ref().err().map(ToString::to_string);
        let error = result
            .as_ref()
            .err()
            .map(SyncError::code)
            .zip(message.as_deref());
        // After a whole run nothing counted is missing; a run cut short knows it only once the
        // Observation pull has counted.
        let behind = match (&result, report.observations_total) {
            (Ok(()), _) => Some(0),
            (Err(_), Some(total)) => Some(total.saturating_sub(report.observations_done as u64)),
            (Err(_), None) => None,
        };
        store.finish_sync_run(
            run,
            &SyncRunEnd {
                outcome: if result.is_ok() { "ok" } else { "failed" },
                pulled: report.pulled,
                pushed: report.pushed,
                rejected: report.rejected,
                error,
                behind,
            },
        )?;
        Ok(SyncRun { report, result })
    }
}
