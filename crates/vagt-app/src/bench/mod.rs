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
pub use region::{RegionBench, WAVE_READINGS, region};
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

/// The middle of the samples (the upper middle of an even number).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// Milliseconds since `started`.
fn ms(started: std::time::Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}
