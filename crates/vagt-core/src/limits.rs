//! Yellow and red limits (OpenTele/FUT style) and the triage colour a value gets from them.

use crate::parameter::Parameter;
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
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
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
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
