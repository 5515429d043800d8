//! The codes of a dispatch: where it is, how urgent it is, and where the visit left the
//! citizen.

use crate::ecm::EcmLevel;
use serde::{Deserialize, Serialize};

/// Where a dispatch is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum DispatchState {
    Requested,
    EnRoute,
    Arrived,
    Completed,
    Cancelled,
}

impl DispatchState {
    pub const ALL: [DispatchState; 5] = [
        DispatchState::Requested,
        DispatchState::EnRoute,
        DispatchState::Arrived,
        DispatchState::Completed,
        DispatchState::Cancelled,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            DispatchState::Requested => "requested",
            DispatchState::EnRoute => "en_route",
            DispatchState::Arrived => "arrived",
            DispatchState::Completed => "completed",
            DispatchState::Cancelled => "cancelled",
        }
    }

    /// Still wanting something of the MAS nurse: on the dispatch board.
    pub const fn is_open(self) -> bool {
        !matches!(self, DispatchState::Completed | DispatchState::Cancelled)
    }

    /// Whether a nurse may move a dispatch from `self` to `to`. Forward only (a step skipped is
    /// fine: the nurse may report arrival without having said she left), and cancelling is
    /// possible until the visit is completed.
    pub fn can_become(self, to: DispatchState) -> bool {
        use DispatchState::{Arrived, Cancelled, Completed, EnRoute, Requested};
        matches!(
            (self, to),
            (Requested, EnRoute | Arrived | Cancelled)
                | (EnRoute, Arrived | Cancelled)
                | (Arrived, Completed | Cancelled)
        )
    }
}

impl std::str::FromStr for DispatchState {
    type Err = String;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        DispatchState::ALL
            .into_iter()
            .find(|s| s.code() == code || s.code().replace('_', "-") == code)
            .ok_or_else(|| format!("unknown dispatch state {code:?}"))
    }
}

/// How soon the MAS nurse must be there.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum DispatchUrgency {
    /// Now: drop what she is doing.
    Immediate,
    /// Within the hour.
    Urgent,
    /// Planned for later in the shift.
    Planned,
}

impl DispatchUrgency {
    pub const ALL: [DispatchUrgency; 3] = [
        DispatchUrgency::Immediate,
        DispatchUrgency::Urgent,
        DispatchUrgency::Planned,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            DispatchUrgency::Immediate => "immediate",
            DispatchUrgency::Urgent => "urgent",
            DispatchUrgency::Planned => "planned",
        }
    }
}

impl std::str::FromStr for DispatchUrgency {
    type Err = String;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        DispatchUrgency::ALL
            .into_iter()
            .find(|u| u.code() == code)
            .ok_or_else(|| format!("unknown urgency {code:?}"))
    }
}

/// Where the citizen is when the visit ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum VisitOutcome {
    /// Stays at home, with a plan.
    StaysHome,
    /// Admitted to a municipal acute bed (ECM5).
    MunicipalAcuteBed,
    /// Admitted to hospital (ECM6).
    HospitalAdmission,
}

impl VisitOutcome {
    pub const ALL: [VisitOutcome; 3] = [
        VisitOutcome::StaysHome,
        VisitOutcome::MunicipalAcuteBed,
        VisitOutcome::HospitalAdmission,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            VisitOutcome::StaysHome => "stays_home",
            VisitOutcome::MunicipalAcuteBed => "municipal_acute_bed",
            VisitOutcome::HospitalAdmission => "hospital_admission",
        }
    }

    /// The confirmed ECM level the outcome sets, if it sets one: the admissions are the top of
    /// the ladder (domain: ECM5 municipal acute bed, ECM6 hospital).
    pub fn sets_level(self) -> Option<EcmLevel> {
        match self {
            VisitOutcome::StaysHome => None,
            VisitOutcome::MunicipalAcuteBed => EcmLevel::new(5).ok(),
            VisitOutcome::HospitalAdmission => EcmLevel::new(6).ok(),
        }
    }
}

impl std::str::FromStr for VisitOutcome {
    type Err = String;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        VisitOutcome::ALL
            .into_iter()
            .find(|o| o.code() == code)
            .ok_or_else(|| format!("unknown outcome {code:?}"))
    }
}
