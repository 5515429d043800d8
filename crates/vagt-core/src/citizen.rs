//! The citizens the clinic watches.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The citizen's identifier (a CPR number or the backend's patient identifier). Opaque: Vagt
/// never derives birth date or sex from it, and never writes it to a log.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CitizenId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CitizenIdError {
    #[error("a citizen id must not be empty")]
    Empty,
    #[error("a citizen id must be at most 64 characters of letters, digits, '-', '.', '_' or ':'")]
    BadCharacters,
}

impl CitizenId {
    pub fn new(id: impl Into<String>) -> Result<Self, CitizenIdError> {
        let id = id.into();
        if id.is_empty() {
            return Err(CitizenIdError::Empty);
        }
        let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ':');
        if id.len() > 64 || !id.chars().all(ok_char) {
            return Err(CitizenIdError::BadCharacters);
        }
        Ok(CitizenId(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Diagnosis {
    /// Chronic obstructive pulmonary disease (KOL).
    Copd,
    HeartFailure,
    Diabetes,
}

impl Diagnosis {
    pub const ALL: [Diagnosis; 3] = [
        Diagnosis::Copd,
        Diagnosis::HeartFailure,
        Diagnosis::Diabetes,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            Diagnosis::Copd => "copd",
            Diagnosis::HeartFailure => "heart_failure",
            Diagnosis::Diabetes => "diabetes",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown diagnosis {0:?}; known: copd, heart_failure, diabetes")]
pub struct UnknownDiagnosis(pub String);

impl FromStr for Diagnosis {
    type Err = UnknownDiagnosis;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Diagnosis::ALL
            .into_iter()
            .find(|d| d.code() == s)
            .ok_or_else(|| UnknownDiagnosis(s.to_owned()))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Citizen {
    pub id: CitizenId,
    pub name: String,
    /// ISO date (YYYY-MM-DD), when known.
    pub birth_date: Option<String>,
    pub diagnoses: Vec<Diagnosis>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_reject_empty_and_odd_characters() {
        assert!(CitizenId::new("010143-1234").is_ok());
        assert_eq!(CitizenId::new(""), Err(CitizenIdError::Empty));
        assert_eq!(CitizenId::new("a b"), Err(CitizenIdError::BadCharacters));
        assert_eq!(
            CitizenId::new("x".repeat(65)),
            Err(CitizenIdError::BadCharacters)
        );
    }
}
