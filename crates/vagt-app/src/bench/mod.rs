//! Benchmarks `vagtctl bench` runs: each figure beside a reference measured in the same run, so
//! the ratio means something on any machine.

mod evaluation;
mod ingest;
mod latency;
mod region;
mod targets;
mod trend;
mod worklist;

pub use evaluation::{EvaluationBench, evaluation};
pub use ingest::{IngestBench, ingest};
pub use latency::{LatencyBench, LatencyFigures, reading_to_alarm};
pub use region::{
    RegionBench, WAVE_READINGS, WINDOW_EPISODE_PAGE_CITIZENS, WINDOW_PAGE_ROWS, region,
};
pub use targets::{
    AppFigures, Figures, FirstSync, IncrementalSync, Reference, Target, TargetRow, TargetsBench,
    TargetsPlan, Verdict, every_target_met, table, targets, thirty_million,
};
pub use trend::TrendFixture;
pub use worklist::{WorklistBench, worklist};

/// A session on a throwaway encrypted database in a temporary directory (removed when the
/// directory is dropped).
fn temporary_session() -> Result<(tempfile::TempDir, crate::Session), crate::AppError> {
    let dir = tempfile::tempdir().map_err(|source| crate::AppError::Io {
        doing: "make a temporary directory",
        source,
    })?;
    let session = crate::Session::open(
        crate::StoreLocation {
            db: Some(dir.path().join("bench.db")),
            throwaway_key: Some(zeroize::Zeroizing::new("bench".into())),
        },
        vagt_store::OpenMode::CreateIfMissing,
    )?;
    Ok((dir, session))
}

/// The most sync runs a bench's whole sync may take: a run stops at its page limit (5,000 pages
/// of 500 readings) or its time budget, so 30 million readings take a dozen.
const MOST_SYNC_RUNS: usize = 50;

/// Syncs `session` with the backend until a run completes, as the sync loop goes on at once
/// after a run cut short; the runs it took. A station's first sync of a region of more than
/// 2.5 million readings is cut short: one run would leave the rest for the next.
fn sync_whole(
    session: &crate::Session,
    client: &vagt_sync::FhirClient,
) -> Result<usize, crate::AppError> {
    for runs in 1..=MOST_SYNC_RUNS {
        let result = session.sync_once_with(client, &mut |_| {});
        if !crate::sync_loop::cut_short(&result) {
            result?;
            return Ok(runs);
        }
    }
    Err(crate::AppError::invalid(
        "bench_incomplete",
        format!("{MOST_SYNC_RUNS} sync runs, each cut short: the sync does not finish"),
    ))
}

/// The middle of the samples (the upper middle of an even number).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// Milliseconds since `started`.
fn ms(started: std::time::Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}
