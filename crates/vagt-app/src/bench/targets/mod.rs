//! Every target of issue 15 in one table (`vagtctl bench targets`): each figure beside its
//! reference from the same run, and a verdict. The station's own figures (the worklist, a wave
//! of readings, a citizen's page, the store path's rate) are measured here on a region made by
//! the bulk path; a whole first sync, an incremental sync over HTTP and a reading's way to its
//! alarm need a backend; the app's memory, its cold start and its scrolling are measured in its
//! window under Xvfb (`scripts/measure-scale.sh`) and come in as that script's JSON. A target
//! without a figure, or with one that cannot decide it, says why instead of "met".

use super::latency::Devices;
use super::{IngestBench, LatencyBench, RegionBench, median, ms};
use crate::{AppError, Session};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};
pub use table::{
    Figures, Reference, Target, TargetRow, Verdict, every_target_met, table, thirty_million,
};
use vagt_core::Timestamp;

mod table;

/// What `vagtctl bench targets` measures, and on what.
#[derive(Debug, Clone)]
pub struct TargetsPlan {
    /// The region the station's own figures are measured on.
    pub citizens: usize,
    pub days: u32,
    pub runs: usize,
    /// Readings for the store path's rate when no first sync sets the number.
    pub ingest_readings: usize,
    /// A test backend (`vagt-sim`, never a clinic's: readings are posted to it).
    pub backend: Option<String>,
    /// Readings posted to the backend for the way to an alarm (and a sixth as many, at least
    /// one, for the reference by polling).
    pub latency_runs: usize,
    /// The app's figures in its window, from `scripts/measure-scale.sh`: opened on a loaded
    /// database, and after its first sync (`FIRST_SYNC=1`).
    pub app: Vec<AppFigures>,
}

/// What `scripts/measure-scale.sh` prints (`ui/e2e/scale.mjs`): the part the targets read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppFigures {
    pub citizens: usize,
    pub session_started_ms: f64,
    pub worklist_painted_ms: f64,
    /// When its first sync was done, where the app got its region that way.
    #[serde(default)]
    pub first_sync_done_ms: Option<f64>,
    pub resident_mib_after_scrolling: f64,
    pub proportional_mib_at_start: f64,
    pub proportional_mib_after_scrolling: f64,
    pub proportional_mib_settled: f64,
    #[serde(default)]
    pub proportional_mib_by_step: Vec<MemoryStep>,
    pub sizes: Vec<ScreenFigures>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MemoryStep {
    pub step: String,
    pub proportional_mib: f64,
}

/// The worklist scrolled at one screen size.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScreenFigures {
    pub size: String,
    /// The frame meter's frames, the list's and a bare scroller's as tall (none in the JSON of
    /// a script from before the meter).
    #[serde(default)]
    pub smoothness: Option<Smoothness>,
}

/// The same frame meter on the worklist and on a bare scroller as tall, each scrolled so many
/// pixels a frame: what the app's rows cost beside what WebKit's scrolling costs here.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Smoothness {
    pub step_px: f64,
    pub list: Frames,
    pub bare: Frames,
}

/// Frame intervals as a requestAnimationFrame loop saw them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Frames {
    pub frames: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    /// Frames longer than a 60 Hz period and a half: a 60 Hz screen showed the last one twice.
    pub over_25_ms: usize,
}

impl AppFigures {
    /// The highest of the app's memory counts, counted once (PSS): at start, after each of
    /// its steps, after scrolling, settled. Not after the measurement's own reference (a bare
    /// scroller the script puts in the page and takes out): that is the script's memory.
    pub fn highest_proportional_mib(&self) -> f64 {
        self.proportional_mib_by_step
            .iter()
            .filter(|s| !s.step.contains("(reference)"))
            .map(|s| s.proportional_mib)
            .chain([
                self.proportional_mib_at_start,
                self.proportional_mib_after_scrolling,
                self.proportional_mib_settled,
            ])
            .fold(0.0, f64::max)
    }
}

/// A whole first sync from the backend into a new station.
#[derive(Debug, Clone, Serialize)]
pub struct FirstSync {
    pub readings: i64,
    /// Sync runs: a run stops at its page limit or time budget and the next goes on.
    pub runs: usize,
    pub seconds: f64,
    pub readings_per_second: f64,
    /// Whether it loaded in bulk (its audit log says a bulk load ended), as a first sync of
    /// many readings does: a bulk load's rate holds as the database grows.
    pub bulk_load: bool,
}

/// New readings posted to the backend, then pulled, stored and evaluated by one sync run of a
/// station that holds the backend's data (median of the runs).
#[derive(Debug, Clone, Serialize)]
pub struct IncrementalSync {
    pub readings_per_run: usize,
    pub runs: usize,
    pub ms: f64,
    /// The reference: the same run with nothing new (every type asked, nothing to store).
    pub nothing_new_ms: f64,
}

/// Everything measured, and the table made of it.
#[derive(Debug, Clone, Serialize)]
pub struct TargetsBench {
    pub region: RegionBench,
    pub ingest: IngestBench,
    pub first_sync: Option<FirstSync>,
    pub incremental_sync: Option<IncrementalSync>,
    pub alarm_latency: Option<LatencyBench>,
    pub app: Vec<AppFigures>,
    pub rows: Vec<TargetRow>,
}

/// The readings of a morning's wave, as the issue counts them.
const INCREMENTAL_READINGS: usize = 100;

/// Measures what `plan` can reach and makes the table.
pub fn targets(plan: &TargetsPlan) -> Result<TargetsBench, AppError> {
    let runs = plan.runs.max(1);
    let (first_sync, incremental_sync, alarm_latency) = match &plan.backend {
        Some(backend) => {
            let (_dir, session) = super::temporary_session()?;
            let first = first_sync(&session, backend)?;
            let incremental = incremental_sync(&session, backend, runs.min(5))?;
            drop(session);
            let latency = super::reading_to_alarm(
                backend,
                plan.latency_runs,
                (plan.latency_runs / 6).max(1),
                Duration::from_secs(10),
            )?;
            (Some(first), Some(incremental), Some(latency))
        }
        None => (None, None, None),
    };
    let region = super::region(plan.citizens, plan.days, runs)?;
    // The store path's reference for a first sync: as many readings generated as it brought
    // (the bench counts those it stored, a few of the cohort's planted bad ones fewer).
    let ingest_readings = first_sync
        .as_ref()
        .map_or(plan.ingest_readings, |s| s.readings.max(1) as usize);
    let ingest = super::ingest(ingest_readings, plan.citizens.max(1), true)?;
    let rows = table(&Figures {
        region: &region,
        ingest: &ingest,
        first_sync: first_sync.as_ref(),
        incremental_sync: incremental_sync.as_ref(),
        alarm_latency: alarm_latency.as_ref(),
        app: &plan.app,
    });
    Ok(TargetsBench {
        region,
        ingest,
        first_sync,
        incremental_sync,
        alarm_latency,
        app: plan.app.clone(),
        rows,
    })
}

/// A whole first sync into `session`'s new store: runs until one completes, as the sync loop
/// goes on at once after a run cut short.
fn first_sync(session: &Session, backend: &str) -> Result<FirstSync, AppError> {
    let client = session.sync_client(backend)?;
    let started = Instant::now();
    let runs = super::sync_whole(session, &client)?;
    let seconds = started.elapsed().as_secs_f64();
    let readings = session.store_status()?.readings;
    let bulk_load = session
        .store()?
        .connection()
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM audit_log WHERE action = 'sync.bulk_load.end')",
            [],
            |r| r.get(0),
        )
        .map_err(vagt_store::StoreError::from)?;
    Ok(FirstSync {
        readings,
        runs,
        seconds,
        readings_per_second: readings as f64 / seconds.max(1e-9),
        bulk_load,
    })
}

/// `runs` times: a hundred normal readings posted for fifty citizens (a saturation and a pulse
/// each, as a morning brings), then one sync run timed; and the same run with nothing new.
fn incremental_sync(
    session: &Session,
    backend: &str,
    runs: usize,
) -> Result<IncrementalSync, AppError> {
    let devices = Devices::new(backend)?;
    let patients: Vec<String> = devices.patients()?.into_values().collect();
    if patients.is_empty() {
        return Err(AppError::invalid(
            "bench_incomplete",
            "the backend has no Patients to post readings for",
        ));
    }
    let client = session.sync_client(backend)?;
    let per_citizen = 2;
    let citizens = INCREMENTAL_READINGS / per_citizen;
    let (mut with_new, mut nothing_new) = (Vec::new(), Vec::new());
    for run in 0..runs {
        // Each citizen's pair measured a second before the last (in the past), so no reading
        // repeats another of this run or an earlier one, however few the backend's Patients.
        let now = Timestamp::now();
        for (i, patient) in patients
            .iter()
            .cycle()
            .skip(run * citizens)
            .take(citizens)
            .enumerate()
        {
            let at = now.plus_millis(-(((run * citizens + i) as i64 + 1) * 1_000));
            devices.post_reading(patient, "59408-5", 96.0, "%", at)?;
            devices.post_reading(patient, "8867-4", 72.0, "/min", at)?;
        }
        let started = Instant::now();
        let report = session.sync_once_with(&client, &mut |_| {})?;
        with_new.push(ms(started));
        if report.accepted < INCREMENTAL_READINGS {
            return Err(AppError::invalid(
                "bench_incomplete",
                format!(
                    "{INCREMENTAL_READINGS} readings posted, the sync stored {}: the backend \
                     does not serve what it took",
                    report.accepted
                ),
            ));
        }
        let started = Instant::now();
        session.sync_once_with(&client, &mut |_| {})?;
        nothing_new.push(ms(started));
    }
    Ok(IncrementalSync {
        readings_per_run: INCREMENTAL_READINGS,
        runs,
        ms: median(with_new),
        nothing_new_ms: median(nothing_new),
    })
}

#[cfg(test)]
mod tests;
