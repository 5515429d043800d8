//! What is measured. Each parameter has one canonical UCUM unit inside Vagt; readings in
//! other units are converted at the edge (see [`crate::units`]).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum Parameter {
    /// Peripheral oxygen saturation.
    Spo2,
    Pulse,
    /// Forced expiratory volume in one second.
    Fev1,
    /// Forced vital capacity.
    Fvc,
    Temperature,
    Weight,
    SystolicBp,
    DiastolicBp,
    RespiratoryRate,
    BloodGlucose,
    /// C-reactive protein, a sample the MAS nurse takes in the home.
    Crp,
    /// COPD Assessment Test, 0..40.
    CatScore,
    /// The daily symptom questionnaire summed to one score, 0..10 (higher is worse).
    SymptomScore,
}

impl Parameter {
    /// Every parameter. Append only: the worklist's rows (`worklist_summary`) pack a parameter as
    /// its place here.
    pub const ALL: [Parameter; 13] = [
        Parameter::Spo2,
        Parameter::Pulse,
        Parameter::Fev1,
        Parameter::Fvc,
        Parameter::Temperature,
        Parameter::Weight,
        Parameter::SystolicBp,
        Parameter::DiastolicBp,
        Parameter::RespiratoryRate,
        Parameter::BloodGlucose,
        Parameter::Crp,
        Parameter::CatScore,
        Parameter::SymptomScore,
    ];

    /// Stable code used in the database, the CLI and JSON. Never rename one.
    pub const fn code(self) -> &'static str {
        match self {
            Parameter::Spo2 => "spo2",
            Parameter::Pulse => "pulse",
            Parameter::Fev1 => "fev1",
            Parameter::Fvc => "fvc",
            Parameter::Temperature => "temperature",
            Parameter::Weight => "weight",
            Parameter::SystolicBp => "systolic_bp",
            Parameter::DiastolicBp => "diastolic_bp",
            Parameter::RespiratoryRate => "respiratory_rate",
            Parameter::BloodGlucose => "blood_glucose",
            Parameter::Crp => "crp",
            Parameter::CatScore => "cat_score",
            Parameter::SymptomScore => "symptom_score",
        }
    }

    /// The canonical unit, in UCUM.
    pub const fn canonical_unit(self) -> &'static str {
        match self {
            Parameter::Spo2 => "%",
            Parameter::Pulse | Parameter::RespiratoryRate => "/min",
            Parameter::Fev1 | Parameter::Fvc => "L",
            Parameter::Temperature => "Cel",
            Parameter::Weight => "kg",
            Parameter::SystolicBp | Parameter::DiastolicBp => "mm[Hg]",
            Parameter::BloodGlucose => "mmol/L",
            Parameter::Crp => "mg/L",
            Parameter::CatScore | Parameter::SymptomScore => "{score}",
        }
    }

    /// The range outside which a value (in the canonical unit) cannot come from a living,
    /// correctly measured person. Values outside are rejected and kept for a human; they are
    /// not clinical limits (those are the citizen's thresholds).
    pub const fn plausible_range(self) -> (f64, f64) {
        match self {
            Parameter::Spo2 => (50.0, 100.0),
            Parameter::Pulse => (20.0, 250.0),
            Parameter::Fev1 => (0.1, 7.0),
            Parameter::Fvc => (0.2, 9.0),
            Parameter::Temperature => (30.0, 44.0),
            Parameter::Weight => (20.0, 350.0),
            Parameter::SystolicBp => (50.0, 300.0),
            Parameter::DiastolicBp => (20.0, 200.0),
            Parameter::RespiratoryRate => (4.0, 70.0),
            Parameter::BloodGlucose => (0.5, 60.0),
            Parameter::Crp => (0.0, 600.0),
            Parameter::CatScore => (0.0, 40.0),
            Parameter::SymptomScore => (0.0, 10.0),
        }
    }

    /// The unit as a nurse writes it (UCUM's `Cel` is °C); a score has none to name.
    pub fn display_unit(self) -> &'static str {
        match self.canonical_unit() {
            "Cel" => "°C",
            "mm[Hg]" => "mmHg",
            "{score}" => "",
            other => other,
        }
    }

    /// Decimals worth showing for this parameter.
    pub const fn display_decimals(self) -> usize {
        match self {
            Parameter::Fev1 | Parameter::Fvc => 2,
            Parameter::Temperature | Parameter::Weight | Parameter::BloodGlucose => 1,
            _ => 0,
        }
    }
}

impl fmt::Display for Parameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown measurement parameter {0:?}; known: spo2, pulse, fev1, fvc, temperature, weight, systolic_bp, diastolic_bp, respiratory_rate, blood_glucose, crp, cat_score, symptom_score"
)]
pub struct UnknownParameter(pub String);

impl FromStr for Parameter {
    type Err = UnknownParameter;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Parameter::ALL
            .into_iter()
            .find(|p| p.code() == s)
            .ok_or_else(|| UnknownParameter(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for p in Parameter::ALL {
            assert!(seen.insert(p.code()), "duplicate code {}", p.code());
            assert_eq!(p.code().parse::<Parameter>(), Ok(p));
        }
        assert!("SpO2".parse::<Parameter>().is_err());
    }

    #[test]
    fn plausible_ranges_are_ordered() {
        for p in Parameter::ALL {
            let (lo, hi) = p.plausible_range();
            assert!(lo < hi, "{p}");
        }
    }
}
