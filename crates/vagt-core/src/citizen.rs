//! The citizens the clinic watches.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The citizen's identifier (a CPR number or the backend's patient identifier). Opaque: Vagt
/// never derives birth date or sex from it, and never writes it to a log.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(type = "string")]
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

    /// The id as a CPR number shown the Danish way (`DDMMYY-SSSS`), when it is one: ten digits,
    /// with or without the dash. Nothing is derived from it.
    pub fn as_cpr(&self) -> Option<String> {
        let digits: String = self.0.chars().filter(|c| *c != '-').collect();
        let dash_ok = !self.0.contains('-') || self.0.find('-') == Some(6);
        (digits.len() == 10 && dash_ok && digits.chars().all(|c| c.is_ascii_digit()))
            .then(|| format!("{}-{}", &digits[..6], &digits[6..]))
    }
}

impl fmt::Display for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
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
    fn a_cpr_shows_as_ddmmyy_ssss_and_other_ids_are_not_cprs() {
        let cpr = |id: &str| CitizenId::new(id).expect("id").as_cpr();
        assert_eq!(cpr("0101501234").as_deref(), Some("010150-1234"));
        assert_eq!(cpr("010150-1234").as_deref(), Some("010150-1234"));
        assert_eq!(cpr("01015-01234"), None);
        assert_eq!(cpr("patient-7"), None);
        assert_eq!(cpr("123456789"), None);
    }

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
