//! A telephone call on the 24-hour line, as a nurse logs it while on the phone: who called and
//! why, the symptoms (structured for COPD and heart failure), the advice, the medicine box,
//! the e-doctor, the nurse's ECM assessment and a follow-up. Calls are append-only: a call is
//! recorded once and never edited (a correction is a new call that says so).

use crate::citizen::CitizenId;
use crate::ecm::EcmLevel;
use crate::parameter::Parameter;
use crate::reading::{CLOCK_SKEW_TOLERANCE_MS, IncomingMeasurement, SourceRef};
use crate::time_util::{MILLIS_PER_DAY, MILLIS_PER_HOUR, Timestamp};
use crate::units::{UnitError, to_canonical};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum CallDirection {
    Inbound,
    Outbound,
}

/// Who is on the other end of the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum CallerRole {
    Citizen,
    Relative,
    Gp,
    HomeCare,
    Hospital,
    Other,
}

/// The symptoms a nurse asks about on the phone (COPD and heart failure).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum Symptom {
    Breathlessness,
    SputumAmount,
    SputumColour,
    Cough,
    Fever,
    Swelling,
    WeightGain,
}

impl Symptom {
    pub const ALL: [Symptom; 7] = [
        Symptom::Breathlessness,
        Symptom::SputumAmount,
        Symptom::SputumColour,
        Symptom::Cough,
        Symptom::Fever,
        Symptom::Swelling,
        Symptom::WeightGain,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            Symptom::Breathlessness => "breathlessness",
            Symptom::SputumAmount => "sputum_amount",
            Symptom::SputumColour => "sputum_colour",
            Symptom::Cough => "cough",
            Symptom::Fever => "fever",
            Symptom::Swelling => "swelling",
            Symptom::WeightGain => "weight_gain",
        }
    }
}

impl std::str::FromStr for Symptom {
    type Err = String;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Symptom::ALL
            .into_iter()
            .find(|s| s.code() == code)
            .ok_or_else(|| format!("unknown symptom {code:?}"))
    }
}

/// One symptom as the citizen told it: present or not, and in what words ("more than usual",
/// "green").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SymptomReport {
    pub symptom: Symptom,
    pub present: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// Treatment started from the citizen's pre-prescribed medicine box.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct MedicineStarted {
    pub drug: String,
    pub dose: String,
    /// The box's prescription ([`crate::medicine::BoxedMedicine::source_id`]), when the drug
    /// was chosen from the citizen's box.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_box: Option<String>,
}

/// A reading the citizen (or a relative) read out on the phone, as the nurse typed it: it
/// becomes a reading of the citizen with the call as its source (see
/// [`CallRecord::measurements`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PhoneReading {
    pub parameter: Parameter,
    pub value: f64,
    /// As said and typed (UCUM or a common spelling); converted like any source's unit.
    pub unit: String,
}

/// A call as it travels and is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct CallRecord {
    /// Stable across stations (a `urn:uuid:`).
    pub key: String,
    /// `None` for an unknown caller; such a call can be linked to a citizen later.
    pub citizen_id: Option<CitizenId>,
    /// Who the caller said they were, when no citizen is known (or a relative's name).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub caller_name: String,
    pub direction: CallDirection,
    pub caller: CallerRole,
    pub started_at: Timestamp,
    pub ended_at: Timestamp,
    pub nurse: String,
    pub reason: String,
    #[serde(default)]
    pub symptoms: Vec<SymptomReport>,
    /// What else the citizen said, in the nurse's words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub advice: String,
    #[serde(default)]
    pub medicine: Vec<MedicineStarted>,
    #[serde(default)]
    pub e_doctor_consulted: bool,
    /// Readings taken over the phone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub readings: Vec<PhoneReading>,
    /// The nurse's ECM assessment: it is also recorded as her confirmed level.
    pub assessed_level: Option<EcmLevel>,
    /// When to call back; a reminder when it falls due.
    pub follow_up_at: Option<Timestamp>,
    /// The alarm the call answers; logging the call acknowledges it.
    pub answers_alarm: Option<String>,
    /// The nurse called and nobody answered: the attempt is logged, and a call-back it was
    /// for stays due unless this call promises a new one (`follow_up_at`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_answer: bool,
    /// Filled in by the store when it reads an unknown caller's call that a nurse has since
    /// linked to a citizen (`citizen_id` is then that citizen); never part of the record as
    /// recorded and pushed (the link travels as a record of its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub linked: Option<crate::person::CallLink>,
}

/// The longest free text a call keeps in one field.
pub const MAX_CALL_TEXT_CHARS: usize = 4_000;
/// A call longer than this is a timer left running, not a call.
pub const MAX_CALL_MS: i64 = 4 * MILLIS_PER_HOUR;
/// A follow-up later than this is a plan, not a call back.
pub const MAX_FOLLOW_UP_MS: i64 = 14 * MILLIS_PER_DAY;

/// What is wrong with a call, field by field, for the form to show where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum CallProblemCode {
    Missing,
    TooLong,
    EndsBeforeStart,
    FromTheFuture,
    FollowUpInThePast,
    FollowUpTooFar,
    DuplicateSymptom,
    /// Only an outbound call can go unanswered: an inbound one was answered by the nurse.
    NoAnswerInbound,
    /// A unit that is unknown, or cannot express the parameter (kg for a pressure).
    WrongUnit,
    /// Outside what a living, correctly measured person can show, once converted.
    Implausible,
    /// The same parameter read twice in one call.
    DuplicateReading,
    /// A reading needs a citizen: an unknown caller's call keeps none.
    NoCitizen,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CallProblem {
    /// The form's field: `reason`, `ended_at`, `symptoms.cough`, `medicine.0.dose`, ...
    pub field: String,
    pub code: CallProblemCode,
}

impl CallProblemCode {
    pub const fn code(self) -> &'static str {
        match self {
            CallProblemCode::Missing => "missing",
            CallProblemCode::TooLong => "too_long",
            CallProblemCode::EndsBeforeStart => "ends_before_start",
            CallProblemCode::FromTheFuture => "from_the_future",
            CallProblemCode::FollowUpInThePast => "follow_up_in_the_past",
            CallProblemCode::FollowUpTooFar => "follow_up_too_far",
            CallProblemCode::DuplicateSymptom => "duplicate_symptom",
            CallProblemCode::NoAnswerInbound => "no_answer_inbound",
            CallProblemCode::WrongUnit => "wrong_unit",
            CallProblemCode::Implausible => "implausible",
            CallProblemCode::DuplicateReading => "duplicate_reading",
            CallProblemCode::NoCitizen => "no_citizen",
        }
    }
}

impl CallRecord {
    /// The readings taken over the phone as measurements of the citizen, measured when the
    /// call began, each with the call as its source (`<call key>#reading.<parameter>`): every
    /// station that holds the call derives the very same readings. None for an unknown caller.
    pub fn measurements(&self) -> Vec<IncomingMeasurement> {
        let Some(citizen) = &self.citizen_id else {
            return Vec::new();
        };
        self.readings
            .iter()
            .map(|r| IncomingMeasurement {
                citizen_id: citizen.clone(),
                parameter: r.parameter,
                value: r.value,
                unit: r.unit.clone(),
                effective_at: self.started_at,
                source: SourceRef {
                    id: format!("{}#reading.{}", self.key, r.parameter.code()),
                    version: "1".into(),
                },
            })
            .collect()
    }

    /// Every problem, or none: a call with none can be recorded. `now` is when it is recorded
    /// (or received from another station, whose clock may run a little ahead).
    pub fn problems(&self, now: Timestamp) -> Vec<CallProblem> {
        let mut problems = Vec::new();
        let mut problem = |field: &str, code| {
            problems.push(CallProblem {
                field: field.to_owned(),
                code,
            })
        };
        let texts: [(&str, &str, bool); 6] = [
            ("key", &self.key, true),
            ("nurse", &self.nurse, true),
            ("reason", &self.reason, true),
            ("caller_name", &self.caller_name, false),
            ("notes", &self.notes, false),
            ("advice", &self.advice, false),
        ];
        for (field, text, required) in texts {
            if required && text.trim().is_empty() {
                problem(field, CallProblemCode::Missing);
            } else if text.chars().count() > MAX_CALL_TEXT_CHARS {
                problem(field, CallProblemCode::TooLong);
            }
        }
        if self.citizen_id.is_none() && self.caller_name.trim().is_empty() {
            // An unknown caller is logged by name, so the call can be linked later.
            problem("caller_name", CallProblemCode::Missing);
        }
        let latest = now.plus_millis(CLOCK_SKEW_TOLERANCE_MS);
        if self.started_at > latest {
            problem("started_at", CallProblemCode::FromTheFuture);
        }
        if self.ended_at > latest {
            problem("ended_at", CallProblemCode::FromTheFuture);
        }
        if self.ended_at < self.started_at {
            problem("ended_at", CallProblemCode::EndsBeforeStart);
        } else if self.ended_at.millis() - self.started_at.millis() > MAX_CALL_MS {
            problem("ended_at", CallProblemCode::TooLong);
        }
        let mut seen = Vec::new();
        for report in &self.symptoms {
            let field = format!("symptoms.{}", report.symptom.code());
            if seen.contains(&report.symptom) {
                problem(&field, CallProblemCode::DuplicateSymptom);
            }
            seen.push(report.symptom);
            if report.detail.chars().count() > MAX_CALL_TEXT_CHARS {
                problem(&field, CallProblemCode::TooLong);
            }
        }
        for (i, medicine) in self.medicine.iter().enumerate() {
            for (name, text) in [("drug", &medicine.drug), ("dose", &medicine.dose)] {
                let field = format!("medicine.{i}.{name}");
                if text.trim().is_empty() {
                    problem(&field, CallProblemCode::Missing);
                } else if text.chars().count() > MAX_CALL_TEXT_CHARS {
                    problem(&field, CallProblemCode::TooLong);
                }
            }
        }
        if self.citizen_id.is_none() && !self.readings.is_empty() {
            problem("readings", CallProblemCode::NoCitizen);
        }
        let mut read = Vec::new();
        for (i, reading) in self.readings.iter().enumerate() {
            if read.contains(&reading.parameter) {
                problem(
                    &format!("readings.{i}.parameter"),
                    CallProblemCode::DuplicateReading,
                );
            }
            read.push(reading.parameter);
            match to_canonical(reading.parameter, reading.value, &reading.unit) {
                Ok(value) => {
                    let (low, high) = reading.parameter.plausible_range();
                    if !(low..=high).contains(&value) {
                        problem(&format!("readings.{i}.value"), CallProblemCode::Implausible);
                    }
                }
                Err(UnitError::NotFinite { .. }) => {
                    problem(&format!("readings.{i}.value"), CallProblemCode::Implausible);
                }
                Err(UnitError::Unknown { .. } | UnitError::WrongDimension { .. }) => {
                    problem(&format!("readings.{i}.unit"), CallProblemCode::WrongUnit);
                }
            }
        }
        if self.no_answer && self.direction == CallDirection::Inbound {
            problem("no_answer", CallProblemCode::NoAnswerInbound);
        }
        if let Some(at) = self.follow_up_at {
            if at < self.started_at {
                problem("follow_up_at", CallProblemCode::FollowUpInThePast);
            } else if at.millis() - self.started_at.millis() > MAX_FOLLOW_UP_MS {
                problem("follow_up_at", CallProblemCode::FollowUpTooFar);
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> Timestamp {
        Timestamp::from_millis(1_795_000_000_000 + minutes * 60_000)
    }

    fn call() -> CallRecord {
        CallRecord {
            key: "urn:uuid:1".into(),
            citizen_id: Some(CitizenId::new("0101431234").expect("id")),
            caller_name: String::new(),
            direction: CallDirection::Inbound,
            caller: CallerRole::Citizen,
            started_at: at(0),
            ended_at: at(7),
            nurse: "anne".into(),
            reason: "mere åndenød".into(),
            symptoms: vec![SymptomReport {
                symptom: Symptom::SputumColour,
                present: true,
                detail: "grønt".into(),
            }],
            notes: String::new(),
            advice: "start prednisolon fra kassen".into(),
            medicine: vec![MedicineStarted {
                drug: "Prednisolon".into(),
                dose: "37,5 mg dagligt i 5 dage".into(),
                from_box: None,
            }],
            e_doctor_consulted: false,
            assessed_level: Some(EcmLevel::new(3).expect("level")),
            follow_up_at: Some(at(240)),
            answers_alarm: None,
            no_answer: false,
            linked: None,
            readings: vec![PhoneReading {
                parameter: Parameter::Temperature,
                value: 38.4,
                unit: "°C".into(),
            }],
        }
    }

    #[test]
    fn a_complete_call_has_no_problems() {
        assert_eq!(call().problems(at(8)), vec![]);
    }

    #[test]
    fn each_problem_names_its_field() {
        let mut bad = call();
        bad.reason = "  ".into();
        bad.ended_at = at(-1);
        bad.follow_up_at = Some(at(-5));
        bad.medicine[0].dose = String::new();
        bad.symptoms.push(bad.symptoms[0].clone());
        let problems: Vec<(String, &str)> = bad
            .problems(at(8))
            .into_iter()
            .map(|p| (p.field, p.code.code()))
            .collect();
        assert_eq!(
            problems,
            vec![
                ("reason".to_owned(), "missing"),
                ("ended_at".to_owned(), "ends_before_start"),
                ("symptoms.sputum_colour".to_owned(), "duplicate_symptom"),
                ("medicine.0.dose".to_owned(), "missing"),
                ("follow_up_at".to_owned(), "follow_up_in_the_past"),
            ]
        );
    }

    #[test]
    fn an_unknown_caller_is_logged_by_name_and_the_future_is_refused() {
        let mut unknown = call();
        unknown.citizen_id = None;
        // Readings need a citizen (see the reading tests); this caller read none out.
        unknown.readings.clear();
        assert_eq!(
            unknown.problems(at(8)),
            vec![CallProblem {
                field: "caller_name".into(),
                code: CallProblemCode::Missing
            }]
        );
        unknown.caller_name = "datter, Lise".into();
        assert!(unknown.problems(at(8)).is_empty());
        let mut unanswered = call();
        unanswered.no_answer = true;
        assert_eq!(
            unanswered.problems(at(8)),
            vec![CallProblem {
                field: "no_answer".into(),
                code: CallProblemCode::NoAnswerInbound
            }]
        );
        unanswered.direction = CallDirection::Outbound;
        assert!(unanswered.problems(at(8)).is_empty());
        let late = call();
        assert!(
            late.problems(at(-60))
                .iter()
                .any(|p| p.code == CallProblemCode::FromTheFuture)
        );
        let mut running = call();
        running.ended_at = at(5 * 60);
        assert!(
            running
                .problems(at(6 * 60))
                .iter()
                .any(|p| p.field == "ended_at" && p.code == CallProblemCode::TooLong)
        );
    }
}

#[cfg(test)]
mod reading_tests {
    use super::*;

    fn at(minutes: i64) -> Timestamp {
        Timestamp::from_millis(1_795_000_000_000 + minutes * 60_000)
    }

    fn reading(parameter: Parameter, value: f64, unit: &str) -> PhoneReading {
        PhoneReading {
            parameter,
            value,
            unit: unit.into(),
        }
    }

    fn call_with(readings: Vec<PhoneReading>, citizen: Option<&str>) -> CallRecord {
        CallRecord {
            key: "urn:uuid:c1".into(),
            citizen_id: citizen.map(|c| CitizenId::new(c).expect("id")),
            caller_name: "datter".into(),
            direction: CallDirection::Inbound,
            caller: CallerRole::Relative,
            started_at: at(0),
            ended_at: at(5),
            nurse: "anne".into(),
            reason: "målinger i telefonen".into(),
            symptoms: Vec::new(),
            notes: String::new(),
            advice: String::new(),
            medicine: Vec::new(),
            e_doctor_consulted: false,
            readings,
            assessed_level: None,
            follow_up_at: None,
            answers_alarm: None,
            no_answer: false,
            linked: None,
        }
    }

    #[test]
    fn phone_readings_become_the_citizens_readings_with_the_call_as_source() {
        let call = call_with(
            vec![
                reading(Parameter::Spo2, 88.0, "%"),
                reading(Parameter::Temperature, 101.3, "[degF]"),
            ],
            Some("0101431234"),
        );
        assert!(call.problems(at(6)).is_empty());
        let measured = call.measurements();
        assert_eq!(measured.len(), 2);
        assert_eq!(measured[0].source.id, "urn:uuid:c1#reading.spo2");
        assert_eq!(measured[1].effective_at, at(0));
        // Converted as any source's are: 101.3 °F is 38.5 °C.
        let normalised = measured[1].clone().normalise(at(6)).expect("plausible");
        assert!(
            (normalised.value - 38.5).abs() < 0.01,
            "{}",
            normalised.value
        );
    }

    #[test]
    fn a_wrong_unit_an_implausible_value_and_a_reading_twice_are_named_at_their_fields() {
        let call = call_with(
            vec![
                reading(Parameter::Weight, 82.0, "mmHg"),
                reading(Parameter::Spo2, 0.88, "%"),
                reading(Parameter::Spo2, 88.0, "%"),
                reading(Parameter::Pulse, f64::NAN, "/min"),
            ],
            Some("0101431234"),
        );
        let named: Vec<(String, &str)> = call
            .problems(at(6))
            .into_iter()
            .map(|p| (p.field, p.code.code()))
            .collect();
        assert_eq!(
            named,
            vec![
                ("readings.0.unit".to_owned(), "wrong_unit"),
                ("readings.1.value".to_owned(), "implausible"),
                ("readings.2.parameter".to_owned(), "duplicate_reading"),
                ("readings.3.value".to_owned(), "implausible"),
            ]
        );
        // An unknown caller's readings have nobody to belong to.
        let unknown = call_with(vec![reading(Parameter::Spo2, 88.0, "%")], None);
        assert_eq!(
            unknown.problems(at(6)),
            vec![CallProblem {
                field: "readings".into(),
                code: CallProblemCode::NoCitizen
            }]
        );
        assert!(unknown.measurements().is_empty());
    }
}
