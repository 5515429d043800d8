//! Syncing with the backend as a use case: one run, then the rules for the citizens it changed,
//! and the window told what to show again. The same for `vagtctl sync` and the app's background
//! sync.

use crate::backend::backend_client;
use crate::follow_up::{Affected, AlarmsChanged, LoadOverRun, follow_up};
use crate::{AppError, ChangeSink, Session, StoreChanged, SyncDue};
use vagt_core::Timestamp;
use vagt_store::Store;
use vagt_sync::{FhirClient, Progress, RetryPolicy, SyncConfig, SyncReport, sync_run_unfinished};

/// One run on `store`, then the follow-up of what it brought. What a failed run pulled before it
/// failed is evaluated too; the run's error is returned after.
pub async fn sync_and_follow_up(
    store: &mut Store,
    client: &FhirClient,
    config: &SyncConfig,
    progress: &mut dyn FnMut(&Progress),
    sink: &dyn ChangeSink,
) -> Result<SyncReport, AppError> {
    // Unknown counts as not loading: the window then reads the rows, as before bulk loads.
    let loading = |store: &Store| {
        store.bulk_loading().unwrap_or_else(|e| {
            tracing::warn!(code = e.code(), "the bulk load's state was not read: {e}");
            false
        })
    };
    let loading_before = loading(store);
    // The run is recorded finished only after its follow-up: until then the status says it
    // syncs, so no reader takes its end for the end of its changes (the window's poll read
    // every row once at a first sync's end and again at its notice, docs/performance.md).
    let run = sync_run_unfinished(store, client, config, progress).await?;
    let load = if run.report.bulk_load_ended {
        LoadOverRun::Ended
    } else if loading_before && loading(store) {
        LoadOverRun::Throughout
    } else {
        LoadOverRun::NotThroughout
    };
    let affected = Affected::after_sync_run(
        load,
        run.report.changed_citizens.clone(),
        run.report.changed_besides_readings.clone(),
    );
    let evaluation = follow_up(
        store,
        affected,
        AlarmsChanged::Of(run.report.acknowledged_citizens.clone()),
        Timestamp::now(),
        sink,
    );
    // Finished whatever the follow-up's outcome: a run left open shows as syncing until its
    // heartbeat goes stale, two minutes on.
    if let Err(e) = &evaluation {
        tracing::warn!(code = e.code(), "the sync's follow-up failed: {e}");
    }
    let run = run.finish(store)?;
    let mut report = run.report;
    report.alarms_raised = evaluation?.raised.len();
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

/// The sync's tests' station, for the sync loop's tests too.
#[cfg(test)]
pub(crate) mod station {
    use crate::StoreLocation;
    use vagt_store::OpenMode;
    use vagt_sync::{FhirClient, RetryPolicy};

    /// A `vagt-sim` of 4 citizens over 3 days, a new store for it in a temporary directory
    /// (gone when this is dropped), and a client of the sim.
    pub(crate) struct SimStation {
        pub(crate) sim: vagt_sim::RunningSim,
        pub(crate) location: StoreLocation,
        pub(crate) client: FhirClient,
        _dir: tempfile::TempDir,
    }

    /// A [`SimStation`], its sim serving on `runtime`.
    pub(crate) fn sim_station(runtime: &tokio::runtime::Runtime) -> SimStation {
        let sim = runtime
            .block_on(vagt_sim::spawn(vagt_sim::SimConfig {
                citizens: 4,
                days: 3,
                ..vagt_sim::SimConfig::default()
            }))
            .expect("sim");
        let dir = tempfile::tempdir().expect("tempdir");
        let location = StoreLocation {
            db: Some(dir.path().join("station.db")),
            throwaway_key: Some(zeroize::Zeroizing::new("station".into())),
        };
        drop(location.open(OpenMode::CreateIfMissing).expect("store"));
        let client = FhirClient::new(&sim.base_url, None, RetryPolicy::default()).expect("client");
        SimStation {
            sim,
            location,
            client,
            _dir: dir,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::sync::Mutex;
    use vagt_core::CitizenId;
    use vagt_store::{OpenMode, SyncState};

    /// A run is recorded finished only after its follow-up: a reader of the store (another
    /// process, the window's poll) at the follow-up's notices sees it still syncing, so it
    /// does not read the rows before the notice does; at the last notice the run has ended.
    /// So for a first sync loaded in bulk, whose end names everyone.
    #[test]
    fn a_run_shows_as_syncing_until_its_follow_up_has_told_its_changes() {
        let in_bulk = SyncConfig {
            bulk_load_from: Some(1),
            ..SyncConfig::default()
        };
        for (config, bulk) in [(SyncConfig::default(), false), (in_bulk, true)] {
            let runtime = sync_runtime().expect("runtime");
            let station = station::sim_station(&runtime);
            let mut store = station.location.open(OpenMode::Existing).expect("store");
            let reader = Mutex::new(station.location.open(OpenMode::Existing).expect("reader"));
            let seen = Mutex::new(Vec::new());
            let sink = |change: &StoreChanged| {
                let status = reader.lock().expect("reader").status().expect("status");
                let told = (change.clone(), status);
                seen.lock().expect("seen").push(told);
            };
            runtime
                .block_on(sync_and_follow_up(
                    &mut store,
                    &station.client,
                    &config,
                    &mut |_| {},
                    &sink,
                ))
                .expect("sync");
            let seen = seen.into_inner().expect("seen");
            let names_rows =
                |c: &StoreChanged| c.citizens.as_ref().is_none_or(|ids| !ids.is_empty());
            let rows_told: Vec<_> = seen.iter().filter(|(c, _)| names_rows(c)).collect();
            assert!(!rows_told.is_empty(), "the follow-up named rows: {seen:?}");
            for (change, status) in &rows_told {
                assert_eq!(status.sync_state, SyncState::Syncing, "at {change:?}");
                assert_eq!(status.last_sync, None, "no run had finished at {change:?}");
                assert!(!status.bulk_load, "evaluated after any load's end");
            }
            let everyone = rows_told.iter().any(|(c, _)| c.citizens.is_none());
            assert_eq!(everyone, bulk, "a load's end names everyone: {seen:?}");
            let (last, status) = seen.last().expect("told");
            assert!(
                last.status && !names_rows(last),
                "the last notice: {last:?}"
            );
            assert_eq!(status.sync_state, SyncState::Online);
            assert!(
                status.last_sync.is_some(),
                "finished before its last notice"
            );
        }
    }

    /// A first sync in bulk over several runs: the run that begins it names the citizens it
    /// brought, the runs while it lasts name no row for their readings (each brought readings
    /// for most of the cohort) but do name a citizen new meanwhile, and the run that ends it
    /// names everyone.
    #[test]
    fn a_bulk_loads_runs_name_rows_for_more_than_readings_until_its_end_reads_them_all() {
        let runtime = sync_runtime().expect("runtime");
        let station = station::sim_station(&runtime);
        let (sim, client) = (&station.sim, &station.client);
        let mut store = station.location.open(OpenMode::Existing).expect("store");
        // Pages of 10, two of a type a run: the Patients and the other small types come in the
        // first run, and the readings take two or more (as the hour of the day allows), all in
        // bulk.
        let config = SyncConfig {
            page_size: 10,
            max_pages_per_type: 2,
            bulk_load_from: Some(1),
            ..SyncConfig::default()
        };
        let told = Mutex::new(Vec::<StoreChanged>::new());
        let sink = |change: &StoreChanged| told.lock().expect("told").push(change.clone());
        let named = |changes: &[StoreChanged]| -> BTreeSet<CitizenId> {
            let rows = changes.iter().filter_map(|c| c.citizens.as_ref());
            rows.flatten().cloned().collect()
        };
        let (mut first, mut newcomer) = (BTreeSet::new(), BTreeSet::new());
        let (mut loading_runs, mut newcomer_told, mut ended) = (0, false, false);
        for run in 0..100 {
            told.lock().expect("told").clear();
            let result = runtime.block_on(sync_and_follow_up(
                &mut store,
                client,
                &config,
                &mut |_| {},
                &sink,
            ));
            let changes = told.lock().expect("told").clone();
            let loading = store.bulk_loading().expect("state");
            if run == 0 {
                assert!(loading, "the first run began the load");
                first = named(&changes);
                assert_eq!(first.len(), 4, "the first run names who it brought");
            } else if loading {
                loading_runs += 1;
                assert!(changes.iter().any(|c| c.status), "the status still moves");
                let rows = named(&changes);
                if loading_runs == 2 {
                    // Told of at once: a citizen enrolled meanwhile, who has no readings yet.
                    assert_eq!(rows.len(), 1, "the newcomer is named: {changes:?}");
                    assert!(rows.is_disjoint(&first), "{rows:?}");
                    newcomer = rows;
                    newcomer_told = true;
                } else {
                    // The newcomer may be named again, for a resource of theirs that came in
                    // a later page (how many there are of a type depends on the hour); none of
                    // the cohort, whose readings every run brings.
                    assert!(
                        rows.is_subset(&newcomer),
                        "a run named rows for readings: {changes:?}"
                    );
                }
                if loading_runs == 1 {
                    runtime.block_on(sim.advance(vagt_sim::AdvanceSpec {
                        silent_citizens: 1,
                        ..Default::default()
                    }));
                }
            } else if loading_runs > 0 && !ended {
                assert!(
                    changes.iter().any(|c| c.citizens.is_none() && c.alarms),
                    "the load's end reads every row and alarm: {changes:?}"
                );
                ended = true;
                // The load ended in the run after the newcomer came: the end named everyone.
                newcomer_told |= loading_runs == 1;
            }
            if result.is_ok() {
                break;
            }
        }
        assert!(loading_runs >= 1, "the load lasted {loading_runs} runs");
        assert!(newcomer_told, "the newcomer was told of");
        assert!(ended, "the load ended");
    }
}
