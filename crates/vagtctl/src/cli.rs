//! The command line: what `vagtctl` accepts. Parsing only; `commands.rs` carries each command
//! out through `vagt-app`.

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
    /// The citizens, each with their latest readings.
    Citizens,
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
        /// One run, then exit (non-zero if it failed). Without it, run every --interval seconds,
        /// and at once when the backend's Subscriptions say something changed.
        #[arg(long)]
        once: bool,
        /// The backend's FHIR base URL [default: the one set with `vagtctl backend set`]
        #[arg(long)]
        backend: Option<String>,
        #[arg(long, default_value_t = 30)]
        interval: u64,
        /// Never subscribe: only the run every --interval seconds.
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

#[derive(Debug, Subcommand)]
pub enum BenchWhat {
    /// FHIR Observations parsed, mapped, normalised and stored, against a raw SQLite insert of
    /// the same rows into the same (encrypted) schema. Uses temporary databases, not --db.
    Ingest {
        #[arg(long, default_value_t = 100_000)]
        readings: usize,
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
}

#[derive(Debug, Subcommand)]
pub enum EscalationAction {
    /// The policy in force, per priority.
    Show,
    /// Set the rule of one priority.
    Set {
        /// high, medium, low or info.
        priority: String,
        /// Minutes from the alarm to its first re-notification.
        #[arg(long)]
        after: Option<i64>,
        /// Minutes between later re-notifications (without it: only one).
        #[arg(long)]
        repeat: Option<i64>,
        /// Re-notifications at most.
        #[arg(long, default_value_t = 1)]
        steps: u32,
        /// This priority never escalates.
        #[arg(long, conflicts_with_all = ["after", "repeat"])]
        off: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum LevelAction {
    /// The suggested and confirmed levels.
    Show { citizen: String },
    /// Set the confirmed level (1-6) as the nurse named by --as, with a reason.
    Set {
        citizen: String,
        level: i64,
        #[arg(long)]
        reason: String,
    },
}

// Parsed once per process: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum CallAction {
    /// Log a call as the nurse named by --as. Her assessment (--level) becomes her confirmed
    /// level; the alarm it answers (--alarm) is acknowledged.
    Add {
        /// The citizen; leave out for an unknown caller (then --caller-name).
        citizen: Option<String>,
        #[arg(long)]
        reason: String,
        /// in (the citizen called) or out (the nurse called).
        #[arg(long, default_value = "in")]
        direction: String,
        /// citizen, relative, gp, home_care, hospital or other.
        #[arg(long, default_value = "citizen")]
        caller: String,
        #[arg(long, default_value = "")]
        caller_name: String,
        /// When it started (RFC 3339) [default: --minutes before now]
        #[arg(long)]
        started: Option<String>,
        /// How long it lasted.
        #[arg(long, default_value_t = 5)]
        minutes: i64,
        /// A symptom as CODE, CODE=no, or CODE:words (breathlessness, sputum_amount,
        /// sputum_colour, cough, fever, swelling, weight_gain); repeat for more.
        #[arg(long = "symptom")]
        symptoms: Vec<String>,
        #[arg(long, default_value = "")]
        notes: String,
        #[arg(long, default_value = "")]
        advice: String,
        /// Medicine started from the box, as DRUG:DOSE; repeat for more.
        #[arg(long = "medicine")]
        medicine: Vec<String>,
        #[arg(long)]
        e_doctor: bool,
        /// The nurse's ECM assessment (1-6).
        #[arg(long)]
        level: Option<i64>,
        /// Call back this many hours after the call ended.
        #[arg(long)]
        follow_up_hours: Option<f64>,
        /// The alarm the call answers (an id or its beginning).
        #[arg(long)]
        alarm: Option<String>,
        /// Nobody answered (with --direction out): the call-back stays due unless
        /// --follow-up-hours promises a new one.
        #[arg(long)]
        no_answer: bool,
        /// A reading taken over the phone, as PARAMETER=VALUE (canonical unit) or
        /// PARAMETER=VALUE:UNIT; repeat for more. It becomes the citizen's reading.
        #[arg(long = "reading")]
        readings: Vec<String>,
    },
    /// Calls, newest first: one citizen's, or all.
    List {
        citizen: Option<String>,
        /// Only calls started at or after this instant (RFC 3339).
        #[arg(long)]
        since: Option<String>,
        /// Only unknown callers' calls that no nurse has linked to a citizen yet.
        #[arg(long, conflicts_with = "citizen")]
        unlinked: bool,
    },
    /// One call, by its key or the beginning of it.
    Show { key: String },
    /// Tie an unknown caller's call to a citizen, as the nurse named by --as.
    Link {
        /// The call's key or its beginning.
        key: String,
        citizen: String,
    },
}

/// A person the MAS function serves who is not enrolled: CPR, name, address.
#[derive(Debug, clap::Args)]
pub struct PersonArgs {
    /// DDMMYY-SSSS or ten digits.
    #[arg(long)]
    pub cpr: Option<String>,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub address: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
}

/// Which shift's handover.
#[derive(Debug, Clone, clap::Args)]
pub struct ShiftArgs {
    /// The shift's start (RFC 3339) [default: the start of the shift now].
    #[arg(long)]
    pub from: Option<String>,
    /// The shift's end (RFC 3339) [default: the end of the shift now].
    #[arg(long)]
    pub to: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum HandoverCommand {
    /// A nurse's note on a citizen in the shift's handover: her own severity for the shift
    /// (over the rule's), her "if ... then ..." contingency note, or both.
    Note {
        citizen: String,
        #[command(flatten)]
        shift: ShiftArgs,
        /// stable, watcher or unstable; rule withdraws her own (the rule's applies again).
        #[arg(long)]
        severity: Option<String>,
        /// The contingency note ("if SpO2 < 88 %, send MAS"); it stands until replaced.
        #[arg(long = "if", conflicts_with = "clear")]
        contingency: Option<String>,
        /// The situation is over: no contingency note stands any more.
        #[arg(long)]
        clear: bool,
    },
    /// Sign the shift's handover as read, as the receiving nurse (--as): for the citizens
    /// named by --citizen, or for everyone it presents.
    Sign {
        #[command(flatten)]
        shift: ShiftArgs,
        #[arg(long = "citizen")]
        citizens: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PersonAction {
    /// Add a person who is not enrolled, so the MAS nurse can be sent to them and a visit
    /// recorded; they get a citizen page without readings or plan.
    Add {
        #[command(flatten)]
        person: PersonArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum DispatchAction {
    /// Send the MAS nurse to a citizen, as the nurse named by --as; or, instead of a citizen,
    /// to a person who is not enrolled (--cpr, --name, --address), added as they are sent.
    New {
        #[arg(required_unless_present = "cpr")]
        citizen: Option<String>,
        #[command(flatten)]
        person: PersonArgs,
        #[arg(long)]
        reason: String,
        /// immediate, urgent or planned.
        #[arg(long, default_value = "urgent")]
        urgency: String,
        /// The MAS nurse who goes.
        #[arg(long)]
        nurse: Option<String>,
    },
    /// Move a dispatch on: en_route, arrived, completed (with --outcome) or cancelled. A state
    /// in conflict is settled by choosing one of its versions.
    State {
        /// The dispatch's key or its beginning (at least 8 characters).
        key: String,
        state: String,
        /// stays_home, municipal_acute_bed (ECM5) or hospital_admission (ECM6).
        #[arg(long)]
        outcome: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Give the dispatch to a MAS nurse (none: take it back).
    Assign { key: String, nurse: Option<String> },
    /// Change how soon the MAS nurse must be there.
    Urgency { key: String, urgency: String },
    /// The dispatch board (open dispatches), or one citizen's dispatches.
    List {
        citizen: Option<String>,
        /// Completed and cancelled dispatches too.
        #[arg(long)]
        all: bool,
    },
    /// One dispatch with its history and any conflict.
    Show { key: String },
}

// Parsed once per process: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum VisitAction {
    /// Record a visit as the MAS nurse named by --as. An admission sets the confirmed level
    /// (municipal_acute_bed ECM5, hospital_admission ECM6); a visit for an arrived dispatch
    /// completes it.
    Record {
        citizen: String,
        /// Respiratory rate, breaths per minute.
        #[arg(long)]
        rr: f64,
        /// SpO2, percent.
        #[arg(long)]
        spo2: f64,
        /// Breathing supplemental oxygen when the saturation was measured.
        #[arg(long)]
        oxygen: bool,
        /// Blood pressure as SYSTOLIC/DIASTOLIC, mmHg.
        #[arg(long)]
        bp: String,
        #[arg(long)]
        pulse: f64,
        /// alert, new_confusion, voice, pain or unresponsive.
        #[arg(long, default_value = "alert")]
        acvpu: String,
        /// Temperature, °C.
        #[arg(long)]
        temp: f64,
        /// CRP, mg/L.
        #[arg(long)]
        crp: Option<f64>,
        /// Blood gas as PH/PCO2/PO2, the gases in kPa.
        #[arg(long)]
        blood_gas: Option<String>,
        /// A sputum sample was sent for culture.
        #[arg(long)]
        sputum: bool,
        /// Treatment given as DRUG:DOSE:ROUTE, or box:N:ROUTE for the N-th drug of the
        /// citizen's medicine box (`vagtctl box`); repeat for more. Routes: oral, inhaled,
        /// nebulised, intravenous, intramuscular, subcutaneous.
        #[arg(long = "treatment")]
        treatments: Vec<String>,
        #[arg(long)]
        e_doctor: bool,
        /// stays_home, municipal_acute_bed or hospital_admission.
        #[arg(long)]
        outcome: String,
        /// The plan the citizen stays home with, or why they were admitted.
        #[arg(long)]
        plan: String,
        #[arg(long, default_value = "")]
        notes: String,
        /// The dispatch that sent the nurse (its key or beginning).
        #[arg(long)]
        dispatch: Option<String>,
        /// When the nurse arrived (RFC 3339) [default: --minutes before now]
        #[arg(long)]
        arrived: Option<String>,
        /// How long the visit lasted.
        #[arg(long, default_value_t = 45)]
        minutes: i64,
    },
    /// Visits, newest first: one citizen's, or all.
    List {
        citizen: Option<String>,
        /// Only visits begun at or after this instant (RFC 3339).
        #[arg(long)]
        since: Option<String>,
    },
    /// One visit, with its NEWS2, by its key.
    Show { key: String },
}

#[derive(Debug, Subcommand)]
pub enum PlanAction {
    /// The plan in force (defaults of the citizen's diagnoses with their overrides).
    Show { citizen: String },
    /// The citizen's overrides alone, as a document to edit and import again.
    Export { citizen: String },
    /// Replace the citizen's overrides with a TOML or JSON document (by its extension; `-` reads
    /// TOML from standard input). Checked before it is kept; who and why are recorded.
    Import {
        citizen: String,
        file: PathBuf,
        #[arg(long)]
        reason: String,
        /// The revision(s) the document was made from (`plan show --json` gives `key` and
        /// `conflicts`) [default: the newest now]. A newest revision not named stays in
        /// conflict with this one.
        #[arg(long = "base", value_name = "KEY")]
        bases: Vec<String>,
    },
    /// The revisions in conflict: two or more made from the same one, at different stations.
    Conflicts { citizen: String },
}

#[derive(Debug, Subcommand)]
pub enum BackendAction {
    /// Set the backend URL; asks for its bearer token on the terminal (or reads one line from
    /// standard input) and stores it in the OS keyring.
    Set {
        url: String,
        /// The backend needs no token.
        #[arg(long)]
        no_token: bool,
        /// A certificate authority (PEM file) to trust for the backend besides the OS trust
        /// store, e.g. a region's private CA.
        #[arg(long, value_name = "PEM")]
        ca_file: Option<PathBuf>,
    },
    /// Show the configured backend and whether a token is stored (never the token).
    Show,
}
