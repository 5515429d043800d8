//! Syncing with the backend as a use case: one run, then the rules for the citizens it changed,
//! and the window told what to show again. The same for `vagtctl sync` and the app's background
//! sync.

use crate::backend::backend_client;
use crate::follow_up::{Affected, AlarmsChanged, follow_up};
use crate::{AppError, ChangeSink, Session, StoreChanged, SyncDue};
use vagt_core::Timestamp;
use vagt_store::Store;
use vagt_sync::{FhirClient, Progress, RetryPolicy, SyncConfig, SyncReport, sync_run};

/// One run on `store`, then the follow-up of what it brought. What a failed run pulled before it
/// failed is evaluated too; the run's error is returned after.
pub async fn sync_and_follow_up(
    store: &mut Store,
    client: &FhirClient,
    config: &SyncConfig,
    progress: &mut dyn FnMut(&Progress),
    sink: &dyn ChangeSink,
) -> Result<SyncReport, AppError> {
    let run = sync_run(store, client, config, progress).await?;
    let mut report = run.report;
    let affected =
        Affected::after_bulk_load(report.bulk_load_ended, report.changed_citizens.clone());
    let evaluation = follow_up(
        store,
        affected,
        AlarmsChanged::Of(report.acknowledged_citizens.clone()),
        Timestamp::now(),
        sink,
    )?;
    report.alarms_raised = evaluation.raised.len();
    // The last sync, its state and what waits to be sent changed, whatever else did.
    sink.changed(&StoreChanged {
        citizens: Some(Vec::new()),
        alarms: false,
        alarm_citizens: None,
        status: true,
    });
    run.result?;
    Ok(report)
}

/// A runtime on the calling thread alone, for what only waits on the network (the
/// Subscriptions' listener, a bench's posts).
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, AppError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| AppError::Io {
            doing: "start the sync's runtime",
            source,
        })
}

/// The sync's runtime: its future runs on the calling thread (which holds the store), and one
/// worker answers what it asks of the backend meanwhile, such as a pull's next page while this
/// one is stored (a whole first sync from `vagt-sim` took a quarter less time:
/// `scripts/measure-sync.sh`).
pub(crate) fn sync_runtime() -> Result<tokio::runtime::Runtime, AppError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("vagt-sync-io")
        .enable_all()
        .build()
        .map_err(|source| AppError::Io {
            doing: "start the sync's runtime",
            source,
        })
}

impl Session {
    /// One sync run with `url` on this session's connection, with its follow-up.
    pub fn sync_once(
        &self,
        url: &str,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<SyncReport, AppError> {
        let client = self.sync_client(url)?;
        self.sync_once_with(&client, progress)
    }

    /// A client of the backend at `url`, with its token from the keyring and the CA file set
    /// for it: kept for a loop's runs, it reads the server's CapabilityStatement once an hour.
    pub fn sync_client(&self, url: &str) -> Result<FhirClient, AppError> {
        let ca_file = self.backend_ca_file()?;
        backend_client(url, ca_file.as_deref(), RetryPolicy::default())
    }

    /// One sync run with `client` on this session's connection, with its follow-up.
    pub fn sync_once_with(
        &self,
        client: &FhirClient,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<SyncReport, AppError> {
        self.sync_due(client, &SyncDue::Whole, progress)
    }

    /// The run `due` asks for (every type, or those the backend said changed), with its
    /// follow-up.
    pub fn sync_due(
        &self,
        client: &FhirClient,
        due: &SyncDue,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<SyncReport, AppError> {
        let runtime = sync_runtime()?;
        let mut store = self.store()?;
        let config = SyncConfig {
            only: due.only(),
            ..SyncConfig::default()
        };
        runtime.block_on(sync_and_follow_up(
            &mut store,
            client,
            &config,
            progress,
            self.sink(),
        ))
    }
}
