//! The command line: what `vagtctl` accepts. Parsing only; `commands.rs` carries each command
//! out through `vagt-app`. The subcommands' own actions are in a module by area.

mod alarms;
mod backend;
mod bench;
mod field;

pub use alarms::{EscalationAction, LevelAction};
pub use backend::{BackendAction, PlanAction};
pub use bench::BenchWhat;
pub use field::{
    CallAction, DispatchAction, HandoverCommand, PersonAction, PersonArgs, ShiftArgs, VisitAction,
};

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use vagt_cohort::CohortSpec;

#[derive(Debug, Parser)]
#[command(
    name = "vagtctl",
    version,
    about = "Vagt, the NærKlinikken nurse station, headless"
)]
pub struct Cli {
    /// The database file [default: the platform data directory, e.g. ~/.local/share/vagt/vagt.db]
    #[arg(long, global = true, env = "VAGT_DB")]
    pub db: Option<PathBuf>,
    /// Print one JSON document on stdout instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Who is acting, for the audit log [default: the OS user].
    #[arg(long = "as", global = true, env = "VAGT_USER", value_name = "USER")]
    pub actor: Option<String>,
    /// Use this passphrase as the database key instead of the OS keyring. Only for throwaway
    /// demo databases: a passphrase on a command line is not a secret.
    #[arg(
        long,
        global = true,
        env = "VAGT_THROWAWAY_KEY",
        value_name = "PASSPHRASE",
        hide_env_values = true
    )]
    pub throwaway_key: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the encrypted database (and its key in the OS keyring).
    Init,
    /// Fill the database with the synthetic demo cohort.
    Demo {
        #[arg(long, default_value_t = CohortSpec::DEFAULT_SEED)]
        seed: u64,
        #[arg(long, default_value_t = CohortSpec::DEFAULT_CITIZENS)]
        citizens: usize,
        #[arg(long, default_value_t = CohortSpec::DEFAULT_DAYS)]
        days: u32,
        /// The cohort's "now" (RFC 3339) [default: the current time]
        #[arg(long)]
        end: Option<String>,
    },
    /// The citizens, each with their latest readings. With --limit, one page of the list (as
    /// the window reads it) and where the next begins (--after-name and --after-id).
    Citizens {
        /// At most this many rows (1 or more).
        #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
        limit: Option<usize>,
        /// The page begins after the row of this name (with --after-id).
        #[arg(long, requires = "after_id", requires = "limit")]
        after_name: Option<String>,
        /// The page begins after the row of this id (with --after-name).
        #[arg(long, requires = "after_name")]
        after_id: Option<String>,
    },
    /// One citizen's readings, oldest first.
    Readings {
        citizen: String,
        /// Only this parameter (spo2, pulse, fev1, ...).
        #[arg(long)]
        parameter: Option<String>,
        /// Only readings at or after this instant (RFC 3339).
        #[arg(long)]
        since: Option<String>,
    },
    /// NEWS2 of a citizen's newest full set of home vitals (respiratory rate, SpO2, systolic
    /// pressure, pulse, temperature within an hour) of the last 7 days. Consciousness and oxygen
    /// are not measured at home, so it is a floor: NEWS2 at least the total shown.
    News2 { citizen: String },
    /// Counts of citizens, readings, rejected inputs and outbox, and the last sync.
    Status,
    /// A citizen's trend plot (readings, the limits as they were, baseline, levels, events),
    /// written as SVG, PNG or PDF by the file's extension.
    Plot {
        citizen: String,
        /// 48h, 7d, 30d, 90d, 1y, all, or FROM..TO (RFC 3339).
        #[arg(long, default_value = "30d")]
        range: String,
        #[arg(long, value_name = "FILE.svg|png|pdf")]
        out: PathBuf,
        /// The language of the plot's texts: da or en.
        #[arg(long, default_value = "da")]
        lang: String,
        /// Where the fixed ranges end (RFC 3339) [default: the current time]
        #[arg(long)]
        at: Option<String>,
    },
    /// Inputs that were not accepted, with their reasons and raw payloads.
    Rejected {
        /// Include those already decided.
        #[arg(long)]
        all: bool,
    },
    /// The telemedicine backend: its URL (kept in the database) and token (kept in the OS keyring).
    Backend {
        #[command(subcommand)]
        action: BackendAction,
    },
    /// Sync with the backend: pull new and changed resources, push the outbox.
    Sync {
        /// One run, then exit (non-zero if it failed). Without it, the app's sync loop: a run
        /// every --interval seconds, at once when the backend's Subscriptions say something
        /// changed, and within a second of a record queued on this database; a busy or
        /// unreachable backend is waited out.
        #[arg(long)]
        once: bool,
        /// The backend's FHIR base URL [default: the one set with `vagtctl backend set`]
        #[arg(long)]
        backend: Option<String>,
        #[arg(long, default_value_t = 30)]
        interval: u64,
        /// Never subscribe: a run every --interval seconds, and for what is queued.
        #[arg(long)]
        poll_only: bool,
    },
    /// Measure throughput; figures are ratios within one run, not absolute promises.
    Bench {
        #[command(subcommand)]
        what: BenchWhat,
    },
    /// Alarms, open ones first, highest and newest first.
    Alarms {
        /// Only those not yet acknowledged.
        #[arg(long)]
        open: bool,
    },
    /// One row per citizen who needs attention: the highest priority, and every open cause.
    Episodes {
        /// Only these citizens' episodes (repeat the flag for several), as a window reads them
        /// again at an escalation step.
        #[arg(long = "citizen", value_name = "ID")]
        citizens: Vec<String>,
        /// One page, as the window reads them: the episodes of at most this many citizens,
        /// and where the next page begins (--after).
        #[arg(
            long,
            conflicts_with = "citizens",
            value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..)
        )]
        limit: Option<usize>,
        /// The page begins after this citizen id.
        #[arg(long, requires = "limit")]
        after: Option<String>,
    },
    /// Acknowledge an alarm as the nurse named by --as; the acknowledgement reaches the other
    /// stations through the backend. With --citizen, acknowledge the citizen's episode: the
    /// alarms named (ids or prefixes), or every open cause when none is named.
    Ack {
        /// The alarm(s); none with --citizen means every open cause of the citizen.
        alarms: Vec<String>,
        #[arg(long)]
        citizen: Option<String>,
        #[arg(long)]
        comment: Option<String>,
    },
    /// Quiet an open alarm for yourself (--as) for some minutes; it still shows, and still
    /// sounds for every other nurse. A high alarm's snooze ends at its first escalation.
    Snooze {
        alarm: String,
        #[arg(long, default_value_t = 10)]
        minutes: i64,
    },
    /// When unacknowledged alarms are re-notified, louder, to all stations.
    Escalation {
        #[command(subcommand)]
        action: EscalationAction,
    },
    /// Evaluate now the citizens whose data changed or whose time came (what the app does on
    /// its own): suggested ECM levels and the alarms they require.
    Evaluate {
        /// Every citizen, due or not.
        #[arg(long)]
        all: bool,
    },
    /// End a first sync's bulk load now (the readings' per-citizen index made again) and
    /// evaluate the citizens it deferred. For an operator when a load does not end: the sync
    /// and the rules' clock end one an hour after it began on their own (`status` says whether
    /// one is under way).
    EndBulkLoad,
    /// A citizen's ECM level.
    Level {
        #[command(subcommand)]
        action: LevelAction,
    },
    /// The call log: log a call, list calls, show one.
    Call {
        #[command(subcommand)]
        action: CallAction,
    },
    /// MAS dispatches: send the mobile acute nurse, move a dispatch on, the dispatch board.
    Dispatch {
        #[command(subcommand)]
        action: DispatchAction,
    },
    /// The shift handover (I-PASS): who needs the next shift's attention and why, their
    /// actions and notes, the shift's calls and visits, who signed it. The shift now, unless
    /// --from/--to say another; `note` and `sign` add to it (with their own --from/--to).
    #[command(args_conflicts_with_subcommands = true)]
    Handover {
        #[command(flatten)]
        shift: ShiftArgs,
        /// Write it as a PDF (A4, the 7-day trend of each unstable citizen) to this file.
        #[arg(long, value_name = "FILE.pdf")]
        out: Option<PathBuf>,
        /// The language of the PDF: da or en.
        #[arg(long, default_value = "da")]
        lang: String,
        #[command(subcommand)]
        action: Option<HandoverCommand>,
    },
    /// A citizen's timeline, newest first: alarms and acknowledgements, level changes, plan
    /// revisions, calls, dispatch steps, visits and care events.
    Timeline {
        citizen: String,
        /// Only these kinds (alarm, level, plan, call, dispatch, visit, care_event); repeatable.
        #[arg(long = "kind")]
        kinds: Vec<String>,
        /// At most this many entries.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Persons the MAS function serves who are not enrolled in the clinic.
    Person {
        #[command(subcommand)]
        action: PersonAction,
    },
    /// MAS visits: record one (vitals, samples, treatment, outcome), list them, show one.
    Visit {
        #[command(subcommand)]
        action: VisitAction,
    },
    /// A citizen's medicine box: the drugs prescribed in advance, numbered as `visit record
    /// --treatment box:N` takes them.
    Box { citizen: String },
    /// A citizen's triage plan: limits, relative rules and measuring schedule.
    Plan {
        #[command(subcommand)]
        action: PlanAction,
    },
    /// The audit log, newest first.
    Audit {
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Recompute the hash chain and report where it breaks.
        #[arg(long)]
        verify: bool,
    },
}
