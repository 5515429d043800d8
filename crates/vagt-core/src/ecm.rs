//! ECM levels (Epital Care Model): how ill a citizen is now, and so which care answers it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A level on the ECM ladder, 1 (stable) to 6 (acute hospital admission).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[ts(type = "number")]
#[serde(try_from = "u8", into = "u8")]
pub struct EcmLevel(u8);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("ECM level must be 1 to 6, got {0}")]
pub struct EcmLevelOutOfRange(pub i64);

impl EcmLevel {
    pub const MIN: EcmLevel = EcmLevel(1);
    pub const MAX: EcmLevel = EcmLevel(6);
    pub const ECM1: EcmLevel = EcmLevel(1);
    pub const ECM2: EcmLevel = EcmLevel(2);
    pub const ECM3: EcmLevel = EcmLevel(3);
    pub const ECM4: EcmLevel = EcmLevel(4);
    pub const ECM5: EcmLevel = EcmLevel(5);
    pub const ECM6: EcmLevel = EcmLevel(6);

    pub fn new(level: i64) -> Result<Self, EcmLevelOutOfRange> {
        match u8::try_from(level) {
            Ok(l @ 1..=6) => Ok(EcmLevel(l)),
            _ => Err(EcmLevelOutOfRange(level)),
        }
    }

    pub const fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for EcmLevel {
    type Error = EcmLevelOutOfRange;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        EcmLevel::new(i64::from(value))
    }
}

impl From<EcmLevel> for u8 {
    fn from(level: EcmLevel) -> u8 {
        level.0
    }
}

impl fmt::Display for EcmLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ECM{}", self.0)
    }
}

/// Where a level came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum LevelSource {
    /// Computed from readings against the citizen's thresholds; waits for a nurse.
    Suggested,
    /// Set by a nurse after an assessment.
    Confirmed,
    /// Reported by the backend: admission, discharge, municipal acute bed.
    Event,
}

impl LevelSource {
    pub const fn code(self) -> &'static str {
        match self {
            LevelSource::Suggested => "suggested",
            LevelSource::Confirmed => "confirmed",
            LevelSource::Event => "event",
        }
    }
}

/// The two levels the store keeps a history of: the one the rules suggest and the one a nurse
/// confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum LevelKind {
    Suggested,
    Confirmed,
}

impl LevelKind {
    pub const fn code(self) -> &'static str {
        match self {
            LevelKind::Suggested => "suggested",
            LevelKind::Confirmed => "confirmed",
        }
    }
}

impl std::str::FromStr for LevelKind {
    type Err = String;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        [LevelKind::Suggested, LevelKind::Confirmed]
            .into_iter()
            .find(|k| k.code() == code)
            .ok_or_else(|| format!("unknown level kind {code:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_to_six_are_levels() {
        assert!(EcmLevel::new(0).is_err());
        assert!(EcmLevel::new(7).is_err());
        assert!(EcmLevel::new(-1).is_err());
        assert_eq!(EcmLevel::new(3).map(EcmLevel::get), Ok(3));
        assert!(serde_json::from_str::<EcmLevel>("9").is_err());
        assert_eq!(
            serde_json::to_string(&EcmLevel::MAX).ok().as_deref(),
            Some("6")
        );
    }
}
