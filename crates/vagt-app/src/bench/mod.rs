//! Benchmarks `vagtctl bench` runs: each figure beside a reference measured in the same run, so
//! the ratio means something on any machine.

mod evaluation;
mod ingest;
mod trend;
mod worklist;

pub use evaluation::{EvaluationBench, evaluation};
pub use ingest::{IngestBench, ingest};
pub use trend::TrendFixture;
pub use worklist::{WorklistBench, worklist};
