//! The care records that later parts of Vagt fill in: thresholds, alarms, calls, dispatches.
//! The schema already holds them, so their shapes live here beside the other domain types.

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

impl Threshold {
    pub fn classify(&self, value: f64) -> Triage {
        let below = |limit: Option<f64>| limit.is_some_and(|l| value < l);
        let above = |limit: Option<f64>| limit.is_some_and(|l| value > l);
        if below(self.red_low) || above(self.red_high) {
            Triage::Red
        } else if below(self.yellow_low) || above(self.yellow_high) {
            Triage::Yellow
        } else {
            Triage::Green
        }
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmPriority {
    Info,
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    /// Deterministic from the cause, so two stations computing the same alarm share it.
    pub id: String,
    pub citizen_id: CitizenId,
    pub kind: AlarmKind,
    pub priority: AlarmPriority,
    pub raised_at: Timestamp,
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
    }
}
