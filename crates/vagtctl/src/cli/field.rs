//! The field work: calls, persons who are not enrolled, MAS dispatches, visits and the shift
//! handover.

use clap::Subcommand;

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
