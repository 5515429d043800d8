//! The care records that later parts of Vagt fill in: thresholds, alarms, calls, dispatches.
//! The schema already holds them, so their shapes live here beside the other domain types.

use crate::alarm::AlarmCause;
use crate::citizen::CitizenId;
use crate::ecm::EcmLevel;
use crate::parameter::Parameter;
use crate::time_util::Timestamp;
use serde::{Deserialize, Serialize};

/// Yellow and red limits for one parameter (OpenTele/FUT style). A value below a low limit or
/// above a high limit is in that colour; red wins over yellow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    pub parameter: Parameter,
    pub yellow_low: Option<f64>,
    pub yellow_high: Option<f64>,
    pub red_low: Option<f64>,
    pub red_high: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Triage {
    Green,
    Yellow,
    Red,
}

impl Triage {
    pub const fn code(self) -> &'static str {
        match self {
            Triage::Green => "green",
            Triage::Yellow => "yellow",
            Triage::Red => "red",
        }
    }
}

/// Which of a [`Threshold`]'s four limits a value crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    YellowLow,
    YellowHigh,
    RedLow,
    RedHigh,
}

impl LimitKind {
    pub const fn code(self) -> &'static str {
        match self {
            LimitKind::YellowLow => "yellow_low",
            LimitKind::YellowHigh => "yellow_high",
            LimitKind::RedLow => "red_low",
            LimitKind::RedHigh => "red_high",
        }
    }

    pub const fn triage(self) -> Triage {
        match self {
            LimitKind::YellowLow | LimitKind::YellowHigh => Triage::Yellow,
            LimitKind::RedLow | LimitKind::RedHigh => Triage::Red,
        }
    }
}

impl Threshold {
    pub fn classify(&self, value: f64) -> Triage {
        self.crossed(value)
            .map_or(Triage::Green, |(kind, _)| kind.triage())
    }

    /// The most severe limit `value` crosses, with that limit's value; `None` when green.
    pub fn crossed(&self, value: f64) -> Option<(LimitKind, f64)> {
        let below = |limit: Option<f64>| limit.filter(|l| value < *l);
        let above = |limit: Option<f64>| limit.filter(|l| value > *l);
        below(self.red_low)
            .map(|l| (LimitKind::RedLow, l))
            .or_else(|| above(self.red_high).map(|l| (LimitKind::RedHigh, l)))
            .or_else(|| below(self.yellow_low).map(|l| (LimitKind::YellowLow, l)))
            .or_else(|| above(self.yellow_high).map(|l| (LimitKind::YellowHigh, l)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmKind {
    LevelRise,
    LevelFall,
    SuggestionDiffers,
    MissedMeasurement,
    RejectedReading,
}

impl AlarmKind {
    pub const fn code(self) -> &'static str {
        match self {
            AlarmKind::LevelRise => "level_rise",
            AlarmKind::LevelFall => "level_fall",
            AlarmKind::SuggestionDiffers => "suggestion_differs",
            AlarmKind::MissedMeasurement => "missed_measurement",
            AlarmKind::RejectedReading => "rejected_reading",
        }
    }

    /// A standing alarm holds while its condition holds (see [`crate::alarm`]); the others
    /// record something that happened.
    pub const fn is_standing(self) -> bool {
        matches!(self, AlarmKind::SuggestionDiffers)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmPriority {
    Info,
    Low,
    Medium,
    High,
}

impl AlarmPriority {
    pub const fn code(self) -> &'static str {
        match self {
            AlarmPriority::Info => "info",
            AlarmPriority::Low => "low",
            AlarmPriority::Medium => "medium",
            AlarmPriority::High => "high",
        }
    }
}

impl std::str::FromStr for AlarmPriority {
    type Err = String;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        [
            AlarmPriority::Info,
            AlarmPriority::Low,
            AlarmPriority::Medium,
            AlarmPriority::High,
        ]
        .into_iter()
        .find(|p| p.code() == code)
        .ok_or_else(|| format!("unknown alarm priority {code:?}"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    /// Deterministic from the cause, so two stations computing the same alarm share it.
    pub id: String,
    pub citizen_id: CitizenId,
    pub kind: AlarmKind,
    pub priority: AlarmPriority,
    /// When the cause happened, from the data (not the clock of the station that computed it).
    pub raised_at: Timestamp,
    /// Codes and values only; the UI words it in the nurse's language.
    pub cause: AlarmCause,
    pub acknowledged: Option<Acknowledgement>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Acknowledgement {
    pub by: String,
    pub at: Timestamp,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallDirection {
    Incoming,
    Outgoing,
}

/// A phone or video call on the 24-hour line, logged by a nurse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub id: String,
    pub citizen_id: Option<CitizenId>,
    pub nurse: String,
    pub direction: CallDirection,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub summary: String,
    pub assessed_level: Option<EcmLevel>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DispatchStatus {
    Planned,
    EnRoute,
    OnSite,
    Completed,
    Cancelled,
}

/// A MAS acute nurse sent into a citizen's home.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dispatch {
    pub id: String,
    pub citizen_id: CitizenId,
    pub dispatched_by: String,
    pub mas_nurse: Option<String>,
    pub reason: String,
    pub dispatched_at: Timestamp,
    pub status: DispatchStatus,
    pub outcome: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn red_wins_over_yellow_and_missing_limits_are_ignored() {
        let spo2 = Threshold {
            parameter: Parameter::Spo2,
            yellow_low: Some(90.0),
            yellow_high: None,
            red_low: Some(86.0),
            red_high: None,
        };
        assert_eq!(spo2.classify(95.0), Triage::Green);
        assert_eq!(spo2.classify(90.0), Triage::Green);
        assert_eq!(spo2.classify(89.0), Triage::Yellow);
        assert_eq!(spo2.classify(85.0), Triage::Red);
        assert_eq!(spo2.classify(100.0), Triage::Green);
        assert_eq!(spo2.crossed(85.0), Some((LimitKind::RedLow, 86.0)));
        assert_eq!(spo2.crossed(89.5), Some((LimitKind::YellowLow, 90.0)));
        assert_eq!(spo2.crossed(90.0), None);
    }
}
