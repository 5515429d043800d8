//! `vagtctl bench`: what it measures.

use clap::Subcommand;
use vagt_cohort::CohortSpec;

#[derive(Debug, Subcommand)]
pub enum BenchWhat {
    /// FHIR Observations parsed, mapped, normalised and stored, against a raw SQLite insert of
    /// the same rows into the same (encrypted) schema. Uses temporary databases, not --db.
    Ingest {
        #[arg(long, default_value_t = 100_000)]
        readings: usize,
        /// The citizens the readings are spread over (a region has 10,000).
        #[arg(long, default_value_t = 10_000)]
        citizens: usize,
        /// Store them reading by reading, as a sync of fewer would: no bulk load (the
        /// readings' per-citizen index dropped first and made again at the end).
        #[arg(long)]
        no_bulk_load: bool,
    },
    /// What the window reads after one new reading for one citizen (their row, the open alarms,
    /// the status), against the whole worklist, on a demo database of --citizens. Uses a
    /// temporary database, not --db.
    Worklist {
        #[arg(long, default_value_t = 1_000)]
        citizens: usize,
        #[arg(long, default_value_t = CohortSpec::DEFAULT_DAYS)]
        days: u32,
        #[arg(long, default_value_t = 15)]
        runs: usize,
    },
    /// A region: the demo cohort of --citizens over --days loaded by the bulk path, then the
    /// worklist, a wave of 100 new readings evaluated, and a citizen's page (a year of trends
    /// and the timeline), each beside a reference from the same run, with the database's size
    /// per million readings. Uses a temporary database, not --db.
    Region {
        #[arg(long, default_value_t = 10_000)]
        citizens: usize,
        #[arg(long, default_value_t = 30)]
        days: u32,
        #[arg(long, default_value_t = 7)]
        runs: usize,
    },
    /// The rules after a sync that brought one new reading (only the citizens whose data
    /// changed or whose time came), against evaluating every citizen, on a demo database of
    /// --citizens. Uses a temporary database, not --db.
    Evaluation {
        #[arg(long, default_value_t = 1_000)]
        citizens: usize,
        #[arg(long, default_value_t = CohortSpec::DEFAULT_DAYS)]
        days: u32,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// From a reading posted to the backend to its alarm at a station running the app's
    /// background sync: --runs readings with the backend's Subscriptions, --reference-runs by
    /// the poll every --interval seconds alone. Posts low oxygen saturations for COPD citizens
    /// of the backend at --backend (a test backend such as `vagt-sim`, never a clinic's). Uses
    /// temporary databases, not --db.
    AlarmLatency {
        #[arg(long)]
        backend: String,
        #[arg(long, default_value_t = 20)]
        runs: usize,
        #[arg(long, default_value_t = 6)]
        reference_runs: usize,
        #[arg(long, default_value_t = 10)]
        interval: u64,
    },
    /// Every target of issue 15 in one table, each figure beside its reference from the same
    /// run, with a verdict (met, not met, or why it cannot say). The station's figures are
    /// measured on a region of --citizens over --days made by the bulk path; with --backend (a
    /// test backend such as `vagt-sim`: readings are posted to it) also a whole first sync, an
    /// incremental sync over HTTP and a reading's way to its alarm; with --app the app's memory,
    /// cold start and scrolling as `scripts/measure-scale.sh` measured them in its window.
    /// `scripts/measure-targets.sh` runs all of it. Uses temporary databases, not --db.
    Targets {
        #[arg(long, default_value_t = 10_000)]
        citizens: usize,
        #[arg(long, default_value_t = 30)]
        days: u32,
        #[arg(long, default_value_t = 7)]
        runs: usize,
        /// Readings for the store path's rate when no --backend gives a first sync's number.
        #[arg(long, default_value_t = 3_000_000)]
        ingest_readings: usize,
        #[arg(long)]
        backend: Option<String>,
        #[arg(long, default_value_t = 20)]
        latency_runs: usize,
        /// The JSON `scripts/measure-scale.sh` printed; again for another run (the app opened
        /// on a loaded database, and after its first sync with FIRST_SYNC=1).
        #[arg(long)]
        app: Vec<std::path::PathBuf>,
    },
}
