//! A MAS visit as the acute nurse records it in the citizen's home, on a laptop that is often
//! offline: a full set of vitals (consciousness and supplemental oxygen are observed, so NEWS2
//! is exact, not a floor), the samples taken, the treatment given, whether the e-doctor was
//! consulted, and the outcome. A visit is recorded once, when the nurse leaves the home, and
//! never edited (a correction is a new visit record that says so); the form is kept as a draft
//! until then.

use crate::citizen::CitizenId;
use crate::dispatch::VisitOutcome;
use crate::news2::{Consciousness, News2, SpO2Scale, Vitals, news2};
use crate::parameter::Parameter;
use crate::reading::CLOCK_SKEW_TOLERANCE_MS;
use crate::time_util::{MILLIS_PER_HOUR, Timestamp};
use serde::{Deserialize, Serialize};

/// The vitals of one full round of observations in the home, in canonical units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct VisitVitals {
    /// Breaths per minute.
    pub respiratory_rate: f64,
    /// Percent.
    pub spo2: f64,
    /// Breathing supplemental oxygen when the saturation was measured.
    pub on_oxygen: bool,
    /// mmHg.
    pub systolic_bp: f64,
    /// mmHg.
    pub diastolic_bp: f64,
    /// Beats per minute.
    pub pulse: f64,
    pub consciousness: Consciousness,
    /// °C.
    pub temperature: f64,
}

impl VisitVitals {
    /// NEWS2 on `scale`: every part observed, so the total is exact.
    pub fn news2(&self, scale: SpO2Scale) -> News2 {
        news2(
            &Vitals {
                respiratory_rate: self.respiratory_rate,
                spo2: self.spo2,
                on_oxygen: self.on_oxygen,
                systolic_bp: self.systolic_bp,
                pulse: self.pulse,
                consciousness: self.consciousness,
                temperature: self.temperature,
            },
            scale,
        )
    }

    /// The parameters measured as numbers, with the form's field of each.
    pub fn measured(&self) -> [(Parameter, &'static str, f64); 6] {
        [
            (
                Parameter::RespiratoryRate,
                "vitals.respiratory_rate",
                self.respiratory_rate,
            ),
            (Parameter::Spo2, "vitals.spo2", self.spo2),
            (
                Parameter::SystolicBp,
                "vitals.systolic_bp",
                self.systolic_bp,
            ),
            (
                Parameter::DiastolicBp,
                "vitals.diastolic_bp",
                self.diastolic_bp,
            ),
            (Parameter::Pulse, "vitals.pulse", self.pulse),
            (
                Parameter::Temperature,
                "vitals.temperature",
                self.temperature,
            ),
        ]
    }
}

/// An arterial (or capillary) blood gas, in the units Danish analysers report.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct BloodGas {
    pub ph: f64,
    /// kPa.
    pub pco2_kpa: f64,
    /// kPa.
    pub po2_kpa: f64,
}

/// The plausible ranges of the blood gas values: outside, a value is a typing error or a
/// unit mistake (mmHg typed for kPa gives 7.5 times the value).
pub const BLOOD_GAS_RANGES: [(&str, f64, f64); 3] = [
    ("ph", 6.5, 8.0),
    ("pco2_kpa", 1.0, 20.0),
    ("po2_kpa", 1.0, 80.0),
];

/// The samples taken in the home.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, ts_rs::TS)]
pub struct VisitSamples {
    /// C-reactive protein, mg/L (point of care).
    pub crp: Option<f64>,
    pub blood_gas: Option<BloodGas>,
    /// A sputum sample sent for culture.
    #[serde(default)]
    pub sputum_sent: bool,
}

/// How a drug was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    Oral,
    Inhaled,
    Nebulised,
    Intravenous,
    Intramuscular,
    Subcutaneous,
}

impl Route {
    pub const ALL: [Route; 6] = [
        Route::Oral,
        Route::Inhaled,
        Route::Nebulised,
        Route::Intravenous,
        Route::Intramuscular,
        Route::Subcutaneous,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            Route::Oral => "oral",
            Route::Inhaled => "inhaled",
            Route::Nebulised => "nebulised",
            Route::Intravenous => "intravenous",
            Route::Intramuscular => "intramuscular",
            Route::Subcutaneous => "subcutaneous",
        }
    }
}

impl std::str::FromStr for Route {
    type Err = String;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Route::ALL
            .into_iter()
            .find(|r| r.code() == code)
            .ok_or_else(|| format!("unknown route {code:?}"))
    }
}

/// One treatment given in the home.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct TreatmentGiven {
    pub drug: String,
    pub dose: String,
    pub route: Route,
    /// The medicine box's prescription it was given from
    /// ([`crate::medicine::BoxedMedicine::source_id`]); `None` for a drug from the nurse's bag.
    pub from_box: Option<String>,
}

/// A visit as it travels and is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct VisitRecord {
    /// Stable across stations (a `urn:uuid:`).
    pub key: String,
    pub citizen_id: CitizenId,
    /// The dispatch that sent the nurse, when there was one.
    pub dispatch_key: Option<String>,
    pub nurse: String,
    pub arrived_at: Timestamp,
    pub left_at: Timestamp,
    pub vitals: VisitVitals,
    /// The SpO2 scale the citizen's plan prescribes (Scale 2 for a confirmed hypercapnic
    /// failure): part of the record, so every station scores the same NEWS2.
    pub spo2_scale: SpO2Scale,
    #[serde(default)]
    pub samples: VisitSamples,
    #[serde(default)]
    pub treatments: Vec<TreatmentGiven>,
    #[serde(default)]
    pub e_doctor_consulted: bool,
    pub outcome: VisitOutcome,
    /// The plan the citizen stays home with, or why they were admitted.
    pub plan: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
}

/// The longest free text a visit keeps in one field.
pub const MAX_VISIT_TEXT_CHARS: usize = 4_000;
/// A visit longer than this is a form left open, not a visit.
pub const MAX_VISIT_MS: i64 = 12 * MILLIS_PER_HOUR;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum VisitProblemCode {
    Missing,
    TooLong,
    EndsBeforeStart,
    FromTheFuture,
    /// Outside what a living, correctly measured person can show (or not a number).
    Implausible,
}

impl VisitProblemCode {
    pub const fn code(self) -> &'static str {
        match self {
            VisitProblemCode::Missing => "missing",
            VisitProblemCode::TooLong => "too_long",
            VisitProblemCode::EndsBeforeStart => "ends_before_start",
            VisitProblemCode::FromTheFuture => "from_the_future",
            VisitProblemCode::Implausible => "implausible",
        }
    }
}

/// What is wrong with a visit, by the form's field (`vitals.spo2`, `treatments.0.dose`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct VisitProblem {
    pub field: String,
    pub code: VisitProblemCode,
}

fn within(value: f64, (low, high): (f64, f64)) -> bool {
    value.is_finite() && value >= low && value <= high
}

impl VisitRecord {
    /// The visit's NEWS2: exact, since every part was observed in the home.
    pub fn news2(&self) -> News2 {
        self.vitals.news2(self.spo2_scale)
    }

    /// Every problem, or none: a visit with none can be recorded. `now` is when it is recorded
    /// (or received from another station, whose clock may run a little ahead).
    pub fn problems(&self, now: Timestamp) -> Vec<VisitProblem> {
        let mut problems = Vec::new();
        let mut problem = |field: &str, code| {
            problems.push(VisitProblem {
                field: field.to_owned(),
                code,
            })
        };
        let texts: [(&str, &str, bool); 4] = [
            ("key", &self.key, true),
            ("nurse", &self.nurse, true),
            ("plan", &self.plan, true),
            ("notes", &self.notes, false),
        ];
        for (field, text, required) in texts {
            if required && text.trim().is_empty() {
                problem(field, VisitProblemCode::Missing);
            } else if text.chars().count() > MAX_VISIT_TEXT_CHARS {
                problem(field, VisitProblemCode::TooLong);
            }
        }
        if self
            .dispatch_key
            .as_deref()
            .is_some_and(|k| k.trim().is_empty())
        {
            problem("dispatch_key", VisitProblemCode::Missing);
        }
        let latest = now.plus_millis(CLOCK_SKEW_TOLERANCE_MS);
        if self.arrived_at > latest {
            problem("arrived_at", VisitProblemCode::FromTheFuture);
        }
        if self.left_at > latest {
            problem("left_at", VisitProblemCode::FromTheFuture);
        }
        if self.left_at < self.arrived_at {
            problem("left_at", VisitProblemCode::EndsBeforeStart);
        } else if self.left_at.millis() - self.arrived_at.millis() > MAX_VISIT_MS {
            problem("left_at", VisitProblemCode::TooLong);
        }
        for (parameter, field, value) in self.vitals.measured() {
            if !within(value, parameter.plausible_range()) {
                problem(field, VisitProblemCode::Implausible);
            }
        }
        if let Some(crp) = self.samples.crp
            && !within(crp, Parameter::Crp.plausible_range())
        {
            problem("samples.crp", VisitProblemCode::Implausible);
        }
        if let Some(gas) = self.samples.blood_gas {
            for ((name, low, high), value) in
                BLOOD_GAS_RANGES
                    .into_iter()
                    .zip([gas.ph, gas.pco2_kpa, gas.po2_kpa])
            {
                if !within(value, (low, high)) {
                    problem(
                        &format!("samples.blood_gas.{name}"),
                        VisitProblemCode::Implausible,
                    );
                }
            }
        }
        for (i, treatment) in self.treatments.iter().enumerate() {
            for (name, text) in [("drug", &treatment.drug), ("dose", &treatment.dose)] {
                let field = format!("treatments.{i}.{name}");
                if text.trim().is_empty() {
                    problem(&field, VisitProblemCode::Missing);
                } else if text.chars().count() > MAX_VISIT_TEXT_CHARS {
                    problem(&field, VisitProblemCode::TooLong);
                }
            }
            if treatment
                .from_box
                .as_deref()
                .is_some_and(|b| b.trim().is_empty())
            {
                problem(
                    &format!("treatments.{i}.from_box"),
                    VisitProblemCode::Missing,
                );
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::news2::Risk;

    fn at(minutes: i64) -> Timestamp {
        Timestamp::from_millis(1_795_000_000_000 + minutes * 60_000)
    }

    fn visit() -> VisitRecord {
        VisitRecord {
            key: "urn:uuid:v1".into(),
            citizen_id: CitizenId::new("0101431234").expect("id"),
            dispatch_key: Some("urn:uuid:d1".into()),
            nurse: "mette".into(),
            arrived_at: at(0),
            left_at: at(55),
            vitals: VisitVitals {
                respiratory_rate: 24.0,
                spo2: 87.0,
                on_oxygen: false,
                systolic_bp: 132.0,
                diastolic_bp: 80.0,
                pulse: 104.0,
                consciousness: Consciousness::Alert,
                temperature: 38.4,
            },
            spo2_scale: SpO2Scale::Scale1,
            samples: VisitSamples {
                crp: Some(86.0),
                blood_gas: Some(BloodGas {
                    ph: 7.33,
                    pco2_kpa: 7.9,
                    po2_kpa: 7.1,
                }),
                sputum_sent: true,
            },
            treatments: vec![TreatmentGiven {
                drug: "Prednisolon".into(),
                dose: "37,5 mg".into(),
                route: Route::Oral,
                from_box: Some("https://srv/fhir|MedicationRequest/mr-1".into()),
            }],
            e_doctor_consulted: true,
            outcome: VisitOutcome::StaysHome,
            plan: "prednisolon og amoxicillin fra kassen, opkald i morgen kl. 9".into(),
            notes: String::new(),
        }
    }

    #[test]
    fn a_complete_visit_has_no_problems_and_an_exact_news2() {
        let visit = visit();
        assert_eq!(visit.problems(at(60)), vec![]);
        let score = visit.news2();
        // RR 24 → 2, SpO2 87 on Scale 1 → 3, air → 0, SBP 132 → 0, pulse 104 → 1, alert → 0,
        // 38.4 °C → 1.
        assert_eq!(
            (
                score.respiratory_rate,
                score.spo2,
                score.oxygen,
                score.systolic_bp,
                score.pulse,
                score.consciousness,
                score.temperature
            ),
            (2, 3, 0, 0, 1, 0, 1)
        );
        assert_eq!((score.total, score.risk), (7, Risk::High));
    }

    #[test]
    fn consciousness_oxygen_and_the_scale_count_in_the_score() {
        let mut visit = visit();
        visit.vitals.consciousness = Consciousness::NewConfusion;
        visit.vitals.on_oxygen = true;
        visit.vitals.spo2 = 90.0;
        visit.spo2_scale = SpO2Scale::Scale2;
        let score = visit.news2();
        // Scale 2 on oxygen: 90 % scores 0 (88-92 is the target); oxygen 2, confusion 3.
        assert_eq!((score.spo2, score.oxygen, score.consciousness), (0, 2, 3));
        assert_eq!(score.total, 2 + 2 + 3 + 1 + 1);
    }

    #[test]
    fn each_problem_names_its_field() {
        let mut bad = visit();
        bad.plan = " ".into();
        bad.left_at = at(-5);
        // A saturation typed as a fraction, a pCO2 typed in mmHg, a pulse that is not a number.
        bad.vitals.spo2 = 0.87;
        bad.vitals.pulse = f64::NAN;
        bad.samples.blood_gas = Some(BloodGas {
            ph: 7.33,
            pco2_kpa: 59.0,
            po2_kpa: 7.1,
        });
        bad.treatments[0].dose = String::new();
        let problems: Vec<(String, &str)> = bad
            .problems(at(60))
            .into_iter()
            .map(|p| (p.field, p.code.code()))
            .collect();
        assert_eq!(
            problems,
            vec![
                ("plan".to_owned(), "missing"),
                ("left_at".to_owned(), "ends_before_start"),
                ("vitals.spo2".to_owned(), "implausible"),
                ("vitals.pulse".to_owned(), "implausible"),
                ("samples.blood_gas.pco2_kpa".to_owned(), "implausible"),
                ("treatments.0.dose".to_owned(), "missing"),
            ]
        );
    }

    #[test]
    fn a_visit_from_the_future_or_left_open_is_refused() {
        let visit = visit();
        assert!(
            visit
                .problems(at(-120))
                .iter()
                .any(|p| p.field == "arrived_at" && p.code == VisitProblemCode::FromTheFuture)
        );
        let mut open = visit.clone();
        open.left_at = at(13 * 60);
        assert!(
            open.problems(at(14 * 60))
                .iter()
                .any(|p| p.field == "left_at" && p.code == VisitProblemCode::TooLong)
        );
    }
}
