//! What a trend plot is made from (gathered by the caller from the store) and the ranges a
//! nurse picks.

use serde::{Deserialize, Serialize};
use vagt_core::time_util::{MILLIS_PER_DAY, MILLIS_PER_HOUR};
use vagt_core::{CareEventKind, EcmLevel, LevelKind, Parameter, Timestamp, TriagePlan};

/// The time span a plot shows, `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Window {
    pub from: Timestamp,
    pub to: Timestamp,
}

impl Window {
    pub fn contains(&self, at: Timestamp) -> bool {
        self.from <= at && at < self.to
    }

    pub fn span_ms(&self) -> i64 {
        self.to.millis() - self.from.millis()
    }
}

/// The ranges on the citizen page's keys, and a custom one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TrendRange {
    #[serde(rename = "48h")]
    Hours48,
    #[serde(rename = "7d")]
    Days7,
    #[serde(rename = "30d")]
    Days30,
    #[serde(rename = "90d")]
    Days90,
    #[serde(rename = "1y")]
    Year1,
    /// From the citizen's first reading (or event) to now.
    All,
    Custom {
        from: Timestamp,
        to: Timestamp,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("unknown range {0:?}: use 48h, 7d, 30d, 90d, 1y, all or FROM..TO (RFC 3339)")]
    Unknown(String),
    #[error("the range ends before it starts")]
    Backwards,
}

impl TrendRange {
    /// Every fixed range, in the order of the keys.
    pub const KEYS: [TrendRange; 6] = [
        TrendRange::Hours48,
        TrendRange::Days7,
        TrendRange::Days30,
        TrendRange::Days90,
        TrendRange::Year1,
        TrendRange::All,
    ];

    /// `48h`, `7d`, `30d`, `90d`, `1y`, `all`, or `FROM..TO` in RFC 3339.
    pub fn parse(text: &str) -> Result<TrendRange, RangeError> {
        let text = text.trim();
        Ok(match text {
            "48h" => TrendRange::Hours48,
            "7d" => TrendRange::Days7,
            "30d" => TrendRange::Days30,
            "90d" => TrendRange::Days90,
            "1y" => TrendRange::Year1,
            "all" => TrendRange::All,
            other => {
                let (from, to) = other
                    .split_once("..")
                    .ok_or_else(|| RangeError::Unknown(other.to_owned()))?;
                let parse = |t: &str| {
                    Timestamp::parse_rfc3339(t).map_err(|_| RangeError::Unknown(other.to_owned()))
                };
                let (from, to) = (parse(from)?, parse(to)?);
                if to <= from {
                    return Err(RangeError::Backwards);
                }
                TrendRange::Custom { from, to }
            }
        })
    }

    /// The code on the keys and in the CLI (`custom` for a custom range).
    pub const fn code(self) -> &'static str {
        match self {
            TrendRange::Hours48 => "48h",
            TrendRange::Days7 => "7d",
            TrendRange::Days30 => "30d",
            TrendRange::Days90 => "90d",
            TrendRange::Year1 => "1y",
            TrendRange::All => "all",
            TrendRange::Custom { .. } => "custom",
        }
    }

    /// The window ending at `now`; `all` starts at `first` (the oldest data), or a week back
    /// when there is none.
    pub fn window(self, now: Timestamp, first: Option<Timestamp>) -> Window {
        let back = |ms: i64| Window {
            from: now.plus_millis(-ms),
            to: now,
        };
        match self {
            TrendRange::Hours48 => back(48 * MILLIS_PER_HOUR),
            TrendRange::Days7 => back(7 * MILLIS_PER_DAY),
            TrendRange::Days30 => back(30 * MILLIS_PER_DAY),
            TrendRange::Days90 => back(90 * MILLIS_PER_DAY),
            TrendRange::Year1 => back(365 * MILLIS_PER_DAY),
            TrendRange::All => match first {
                // A little room before the first point, so it is not on the axis.
                Some(first) if first < now => {
                    let span = now.millis() - first.millis();
                    Window {
                        from: first.plus_millis(-(span / 50).max(MILLIS_PER_HOUR)),
                        to: now,
                    }
                }
                _ => back(7 * MILLIS_PER_DAY),
            },
            TrendRange::Custom { from, to } => Window { from, to },
        }
    }
}

/// One current reading of the citizen.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendReading {
    pub parameter: Parameter,
    /// In the parameter's canonical unit.
    pub value: f64,
    pub at: Timestamp,
    /// Where it came from (the backend resource, or the station's import), for the hover.
    pub source: String,
}

/// The plan in force from `from` until the next step's `from`.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanStep {
    pub from: Timestamp,
    pub plan: TriagePlan,
    /// Who set it and when, or that it is the defaults: printed as the limits' source.
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelMark {
    pub at: Timestamp,
    pub kind: LevelKind,
    pub level: EcmLevel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct EventMark {
    pub at: Timestamp,
    pub kind: CareEventKind,
}

/// Why an input was kept apart rather than plotted as a reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum RejectedKind {
    /// A value outside what the body can show (after unit conversion).
    Implausible,
    /// Any other reason (unknown code, wrong unit, from the future, malformed).
    Rejected,
}

/// An input kept for a human, placed as far as it could be read.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectedMark {
    pub at: Timestamp,
    pub parameter: Option<Parameter>,
    pub value: Option<f64>,
    pub kind: RejectedKind,
}

/// Everything one plot draws, for one citizen: readings from [`TrendSource::lookback_from`]
/// (the baselines look back), plans from the first, and the rest within the window.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendSource {
    pub citizen_name: String,
    /// The citizen id: the CPR number when the backend gave one.
    pub citizen_id: String,
    pub window: Window,
    /// Sorted by time.
    pub readings: Vec<TrendReading>,
    /// Sorted by `from`; the first is in force before any other (the defaults).
    pub plans: Vec<PlanStep>,
    pub levels: Vec<LevelMark>,
    pub events: Vec<EventMark>,
    pub rejected: Vec<RejectedMark>,
    pub made_at: Timestamp,
}

/// The citizen's own baseline: the readings of the 7 days before each one.
pub const BASELINE_WINDOW_MS: i64 = 7 * MILLIS_PER_DAY;
/// Fewer earlier readings than this in the window: no baseline at that reading.
pub const BASELINE_MIN_READINGS: usize = 3;
/// The baseline band is mean ± this many standard deviations (the one-sided 95 % of a normal
/// distribution, as published for home FVC in COPD).
pub const BASELINE_SD: f64 = 1.645;

impl TrendSource {
    /// How far before the window the readings must reach: the baseline's week, or a plan's
    /// longer relative rule.
    pub fn lookback_from(window: Window, plans: &[PlanStep]) -> Timestamp {
        let longest = plans
            .iter()
            .flat_map(|s| s.plan.relative.iter().map(|r| r.window_ms))
            .fold(BASELINE_WINDOW_MS, i64::max);
        window.from.plus_millis(-longest)
    }
}
