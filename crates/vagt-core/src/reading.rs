//! Readings: one measured value of one parameter for one citizen at one instant.
//!
//! An [`IncomingMeasurement`] is what an edge (FHIR sync, demo import, a MAS form) hands in: a
//! value in the unit the source used. [`IncomingMeasurement::normalise`] turns it into a
//! [`Reading`] in the canonical unit or a [`RejectReason`] a human can act on.

use crate::citizen::CitizenId;
use crate::parameter::Parameter;
use crate::time_util::{MILLIS_PER_MINUTE, Timestamp};
use crate::units::{self, UnitError};
use serde::{Deserialize, Serialize};

/// Where a reading came from: the source resource's id and version. A reading is stored once
/// per (id, version), so replaying a sync never duplicates it, and a correction (a new version)
/// is kept beside the one it corrects.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SourceRef {
    /// Globally unique, e.g. `https://backend.example/fhir|Observation/123` or `demo|obs-…`.
    pub id: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncomingMeasurement {
    pub citizen_id: CitizenId,
    pub parameter: Parameter,
    pub value: f64,
    /// The unit as the source gave it (UCUM preferred).
    pub unit: String,
    pub effective_at: Timestamp,
    pub source: SourceRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    pub citizen_id: CitizenId,
    pub parameter: Parameter,
    /// In `parameter.canonical_unit()`.
    pub value: f64,
    pub effective_at: Timestamp,
    pub received_at: Timestamp,
    pub source: SourceRef,
}

/// Why an input was not accepted. Every variant is kept with the raw input for a human.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RejectReason {
    #[error("{0}")]
    Unit(#[from] UnitError),
    #[error("{parameter} value {value} {unit} is outside the plausible range {low}..{high}")]
    Implausible {
        parameter: Parameter,
        value: f64,
        unit: &'static str,
        low: f64,
        high: f64,
    },
    /// A measurement, or the start or end of an encounter, dated after it was received.
    #[error("dated {effective_at}, which is after the time it was received ({received_at})")]
    FromTheFuture {
        effective_at: Timestamp,
        received_at: Timestamp,
    },
    #[error("unknown citizen {0}")]
    UnknownCitizen(CitizenId),
    #[error("unknown measurement code {system}|{code}")]
    UnknownCode { system: String, code: String },
    /// A questionnaire response to a form Vagt does not know how to score: a score read from
    /// another form's answers would be a wrong number, so a human decides.
    #[error("unknown questionnaire {0}")]
    UnknownQuestionnaire(String),
    /// An encounter whose class says nothing Vagt can place (not an HL7 v3 encounter class):
    /// whether the citizen was visited, admitted or neither is for a human to judge.
    #[error("unknown encounter class {system}|{code}")]
    UnknownEncounterClass { system: String, code: String },
    #[error("malformed input: {0}")]
    Malformed(String),
    /// A text longer than any real one (a name, an address): kept for a human, not shown.
    #[error("{field} is {length} characters long; at most {max} are accepted")]
    TooLong {
        field: &'static str,
        length: usize,
        max: usize,
    },
}

impl RejectReason {
    /// Stable machine-readable code, stored beside the message.
    pub fn code(&self) -> &'static str {
        match self {
            RejectReason::Unit(UnitError::Unknown { .. }) => "unknown_unit",
            RejectReason::Unit(UnitError::WrongDimension { .. }) => "wrong_unit",
            RejectReason::Unit(UnitError::NotFinite { .. }) => "not_a_number",
            RejectReason::Implausible { .. } => "implausible_value",
            RejectReason::FromTheFuture { .. } => "from_the_future",
            RejectReason::UnknownCitizen(_) => "unknown_citizen",
            RejectReason::UnknownCode { .. } => "unknown_code",
            RejectReason::UnknownQuestionnaire(_) => "unknown_questionnaire",
            RejectReason::UnknownEncounterClass { .. } => "unknown_encounter_class",
            RejectReason::Malformed(_) => "malformed",
            RejectReason::TooLong { .. } => "too_long",
        }
    }
}

/// Device clocks drift; a reading this far ahead of our clock is still believed.
pub const CLOCK_SKEW_TOLERANCE_MS: i64 = 10 * MILLIS_PER_MINUTE;

impl IncomingMeasurement {
    pub fn normalise(self, received_at: Timestamp) -> Result<Reading, RejectReason> {
        let value = units::to_canonical(self.parameter, self.value, &self.unit)?;
        let (low, high) = self.parameter.plausible_range();
        if !(low..=high).contains(&value) {
            return Err(RejectReason::Implausible {
                parameter: self.parameter,
                value,
                unit: self.parameter.canonical_unit(),
                low,
                high,
            });
        }
        if self.effective_at > received_at.plus_millis(CLOCK_SKEW_TOLERANCE_MS) {
            return Err(RejectReason::FromTheFuture {
                effective_at: self.effective_at,
                received_at,
            });
        }
        Ok(Reading {
            citizen_id: self.citizen_id,
            parameter: self.parameter,
            value,
            effective_at: self.effective_at,
            received_at,
            source: self.source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incoming(parameter: Parameter, value: f64, unit: &str, at: i64) -> IncomingMeasurement {
        IncomingMeasurement {
            citizen_id: CitizenId::new("c1").expect("valid id"),
            parameter,
            value,
            unit: unit.to_owned(),
            effective_at: Timestamp::from_millis(at),
            source: SourceRef {
                id: "test|1".into(),
                version: "1".into(),
            },
        }
    }

    #[test]
    fn converts_to_the_canonical_unit() {
        let r = incoming(Parameter::Temperature, 98.6, "[degF]", 0)
            .normalise(Timestamp::from_millis(1000))
            .expect("plausible");
        assert!((r.value - 37.0).abs() < 1e-9);
    }

    #[test]
    fn rejects_implausible_values_after_conversion() {
        // 150 lb is plausible as a weight; 150 % is not an SpO2.
        assert!(
            incoming(Parameter::Weight, 150.0, "[lb_av]", 0)
                .normalise(Timestamp::from_millis(0))
                .is_ok()
        );
        let err = incoming(Parameter::Spo2, 150.0, "%", 0)
            .normalise(Timestamp::from_millis(0))
            .expect_err("implausible");
        assert_eq!(err.code(), "implausible_value");
    }

    #[test]
    fn rejects_readings_from_the_future_beyond_clock_skew() {
        let now = Timestamp::from_millis(1_000_000_000);
        let slightly_ahead = incoming(Parameter::Pulse, 70.0, "/min", now.millis() + 60_000);
        assert!(slightly_ahead.normalise(now).is_ok());
        let far_ahead = incoming(Parameter::Pulse, 70.0, "/min", now.millis() + 3_600_000);
        assert_eq!(
            far_ahead.normalise(now).expect_err("future").code(),
            "from_the_future"
        );
    }
}
