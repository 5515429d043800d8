//! NEWS2, the National Early Warning Score 2 (Royal College of Physicians, 2017), with SpO2
//! Scale 2 for citizens with hypercapnic respiratory failure (many with severe COPD), whose
//! target saturation is 88-92 %. Used on MAS visits, where a nurse measures every parameter.
//!
//! The chart's bands are whole numbers for respiration rate, SpO2, systolic pressure and pulse;
//! a measured value is rounded to the nearest whole number (halves up) before it is banded.
//! Temperature bands have one decimal and are compared as given.
//!
//! # From home readings
//!
//! Citizens measure respiratory rate, SpO2, blood pressure, pulse and temperature at home, but
//! no device reports consciousness (ACVPU) or whether the citizen breathes supplemental oxygen.
//! [`newest_news2`] finds the newest *full set* among a citizen's readings (the five measured
//! parameters within [`FULL_SET_WINDOW_MS`] of each other) and scores it. What was not measured
//! is scored as Alert and room air unless the caller knows it ([`Assessed`]); those are the
//! lowest values both parts can take (and air is also the lower case of the Scale 2 SpO2 part),
//! so the result is then a floor: the citizen's NEWS2 is *at least* this total, and their risk
//! at least this risk ([`FullSetScore::is_minimum`]).

use crate::parameter::Parameter;
use crate::time_util::{MILLIS_PER_MINUTE, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SpO2Scale {
    /// The usual scale.
    #[default]
    Scale1,
    /// For a confirmed hypercapnic respiratory failure with a prescribed 88-92 % target.
    Scale2,
}

impl SpO2Scale {
    /// The code used in plan documents and JSON.
    pub const fn code(self) -> &'static str {
        match self {
            SpO2Scale::Scale1 => "scale1",
            SpO2Scale::Scale2 => "scale2",
        }
    }

    /// The scale with this code, if any.
    pub fn from_code(code: &str) -> Option<SpO2Scale> {
        [SpO2Scale::Scale1, SpO2Scale::Scale2]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// ACVPU: Alert, or new Confusion, or responds to Voice or Pain, or Unresponsive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Consciousness {
    Alert,
    NewConfusion,
    Voice,
    Pain,
    Unresponsive,
}

/// One full set of observations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Vitals {
    /// Breaths per minute.
    pub respiratory_rate: f64,
    /// Percent.
    pub spo2: f64,
    /// Breathing supplemental oxygen (not room air).
    pub on_oxygen: bool,
    /// mmHg.
    pub systolic_bp: f64,
    /// Beats per minute.
    pub pulse: f64,
    pub consciousness: Consciousness,
    /// °C.
    pub temperature: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[ts(rename = "News2Risk")]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// Aggregate 0-4, no single parameter scoring 3.
    Low,
    /// Aggregate 0-4 with one parameter scoring 3: urgent ward-based response.
    LowMedium,
    /// Aggregate 5-6: urgent response, assessment within the hour.
    Medium,
    /// Aggregate 7 or more: emergency response, assessment within 30 minutes.
    High,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(rename = "News2Score")]
pub struct News2 {
    pub respiratory_rate: u8,
    pub spo2: u8,
    pub oxygen: u8,
    pub systolic_bp: u8,
    pub pulse: u8,
    pub consciousness: u8,
    pub temperature: u8,
    pub total: u8,
    pub risk: Risk,
}

fn whole(value: f64) -> i64 {
    // Halves up; the values are small and finite after validation at the edge.
    (value + 0.5).floor() as i64
}

fn respiratory_rate_score(rate: f64) -> u8 {
    match whole(rate) {
        ..=8 => 3,
        9..=11 => 1,
        12..=20 => 0,
        21..=24 => 2,
        _ => 3,
    }
}

fn spo2_score(spo2: f64, on_oxygen: bool, scale: SpO2Scale) -> u8 {
    let spo2 = whole(spo2);
    match scale {
        SpO2Scale::Scale1 => match spo2 {
            ..=91 => 3,
            92..=93 => 2,
            94..=95 => 1,
            _ => 0,
        },
        // Above the target range only oxygen scores: on air a high saturation is harmless.
        SpO2Scale::Scale2 => match (spo2, on_oxygen) {
            (..=83, _) => 3,
            (84..=85, _) => 2,
            (86..=87, _) => 1,
            (88..=92, _) | (_, false) => 0,
            (93..=94, true) => 1,
            (95..=96, true) => 2,
            (_, true) => 3,
        },
    }
}

fn systolic_score(systolic: f64) -> u8 {
    match whole(systolic) {
        ..=90 => 3,
        91..=100 => 2,
        101..=110 => 1,
        111..=219 => 0,
        _ => 3,
    }
}

fn pulse_score(pulse: f64) -> u8 {
    match whole(pulse) {
        ..=40 => 3,
        41..=50 => 1,
        51..=90 => 0,
        91..=110 => 1,
        111..=130 => 2,
        _ => 3,
    }
}

fn temperature_score(temperature: f64) -> u8 {
    // Bands of one decimal: compare in tenths so that 36.0 and 38.0 fall where the chart puts them.
    match (temperature * 10.0).round() as i64 {
        ..=350 => 3,
        351..=360 => 1,
        361..=380 => 0,
        381..=390 => 1,
        _ => 2,
    }
}

pub fn news2(vitals: &Vitals, scale: SpO2Scale) -> News2 {
    let parts = [
        respiratory_rate_score(vitals.respiratory_rate),
        spo2_score(vitals.spo2, vitals.on_oxygen, scale),
        if vitals.on_oxygen { 2 } else { 0 },
        systolic_score(vitals.systolic_bp),
        pulse_score(vitals.pulse),
        if vitals.consciousness == Consciousness::Alert {
            0
        } else {
            3
        },
        temperature_score(vitals.temperature),
    ];
    let total: u8 = parts.iter().sum();
    let risk = match total {
        7.. => Risk::High,
        5..=6 => Risk::Medium,
        _ if parts.contains(&3) => Risk::LowMedium,
        _ => Risk::Low,
    };
    News2 {
        respiratory_rate: parts[0],
        spo2: parts[1],
        oxygen: parts[2],
        systolic_bp: parts[3],
        pulse: parts[4],
        consciousness: parts[5],
        temperature: parts[6],
        total,
        risk,
    }
}

/// The five readings of one full set lie within this span of each other (inclusive): from the
/// oldest to the newest at most an hour, as for one round of observations.
pub const FULL_SET_WINDOW_MS: i64 = 60 * MILLIS_PER_MINUTE;

/// The parameters a full set measures; consciousness and oxygen are not measured at home.
pub const FULL_SET_PARAMETERS: [Parameter; 5] = [
    Parameter::RespiratoryRate,
    Parameter::Spo2,
    Parameter::SystolicBp,
    Parameter::Pulse,
    Parameter::Temperature,
];

/// One reading as the full-set search needs it: the value in the parameter's canonical unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimedReading {
    pub parameter: Parameter,
    pub value: f64,
    pub effective_at: Timestamp,
}

/// A value used in a full set.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Measured {
    /// In the parameter's canonical unit.
    pub value: f64,
    pub effective_at: Timestamp,
}

/// The readings of one full set, one per measured parameter.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct FullSet {
    pub respiratory_rate: Measured,
    pub spo2: Measured,
    pub systolic_bp: Measured,
    pub pulse: Measured,
    pub temperature: Measured,
}

impl FullSet {
    fn all(&self) -> [Measured; 5] {
        [
            self.respiratory_rate,
            self.spo2,
            self.systolic_bp,
            self.pulse,
            self.temperature,
        ]
    }

    /// The set's instant: its newest reading.
    pub fn at(&self) -> Timestamp {
        self.all()
            .iter()
            .map(|m| m.effective_at)
            .max()
            .unwrap_or(self.pulse.effective_at)
    }

    /// When the set began: its oldest reading. The set counts as recent while this is.
    pub fn since(&self) -> Timestamp {
        self.all()
            .iter()
            .map(|m| m.effective_at)
            .min()
            .unwrap_or(self.pulse.effective_at)
    }

    /// Scores the set on `scale`, with what a nurse assessed; what she did not is assumed to
    /// be Alert and room air, and the score is then a floor.
    pub fn score(&self, scale: SpO2Scale, assessed: Assessed) -> FullSetScore {
        let mut assumed = Vec::new();
        if assessed.consciousness.is_none() {
            assumed.push(AssumedPart::Consciousness);
        }
        if assessed.on_oxygen.is_none() {
            assumed.push(AssumedPart::Oxygen);
        }
        let vitals = Vitals {
            respiratory_rate: self.respiratory_rate.value,
            spo2: self.spo2.value,
            on_oxygen: assessed.on_oxygen.unwrap_or(false),
            systolic_bp: self.systolic_bp.value,
            pulse: self.pulse.value,
            consciousness: assessed.consciousness.unwrap_or(Consciousness::Alert),
            temperature: self.temperature.value,
        };
        FullSetScore {
            at: self.at(),
            scale,
            score: news2(&vitals, scale),
            readings: *self,
            is_minimum: !assumed.is_empty(),
            assumed,
        }
    }
}

/// What a nurse assesses rather than a device measures. `None` is not known: scored as Alert
/// and room air, the lowest those parts can score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Assessed {
    pub consciousness: Option<Consciousness>,
    pub on_oxygen: Option<bool>,
}

impl Assessed {
    /// Nothing assessed: home readings alone.
    pub const NOTHING: Assessed = Assessed {
        consciousness: None,
        on_oxygen: None,
    };
}

/// A part of NEWS2 scored on an assumption because it was not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum AssumedPart {
    /// Assumed Alert.
    Consciousness,
    /// Assumed room air.
    Oxygen,
}

/// NEWS2 of a full set of readings. Stored as JSON by the evaluation and read back for the
/// worklist, so a field added later needs `#[serde(default)]`: without it every score stored
/// before would no longer read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct FullSetScore {
    /// The set's instant: the newest of its readings.
    pub at: Timestamp,
    pub scale: SpO2Scale,
    pub score: News2,
    /// The readings scored.
    pub readings: FullSet,
    /// Parts scored as Alert and room air because nobody assessed them.
    pub assumed: Vec<AssumedPart>,
    /// True when anything was assumed: the true NEWS2 is `score.total` or more, and the true
    /// risk `score.risk` or higher. False when every part was measured or assessed.
    pub is_minimum: bool,
}

/// The newest full set among `readings` (any order, any parameters; other parameters and
/// values that are not finite are ignored): the set whose newest reading is latest, taking for
/// each parameter its newest reading within [`FULL_SET_WINDOW_MS`] before that instant. Of two
/// readings of one parameter at the same instant, the later in `readings` is used.
pub fn newest_full_set(readings: &[TimedReading]) -> Option<FullSet> {
    let mut series: [Vec<Measured>; 5] = Default::default();
    for r in readings.iter().filter(|r| r.value.is_finite()) {
        if let Some(i) = FULL_SET_PARAMETERS.iter().position(|p| *p == r.parameter) {
            series[i].push(Measured {
                value: r.value,
                effective_at: r.effective_at,
            });
        }
    }
    if series.iter().any(Vec::is_empty) {
        return None;
    }
    for s in &mut series {
        // Stable: readings at one instant keep their order, so the later one is found last.
        s.sort_by_key(|m| m.effective_at);
    }
    let mut instants: Vec<Timestamp> = series.iter().flatten().map(|m| m.effective_at).collect();
    instants.sort_unstable_by(|a, b| b.cmp(a));
    instants.dedup();
    // The newest full set's instant is one of the readings' instants: try them newest first.
    instants.into_iter().find_map(|at| {
        let mut chosen = [None; 5];
        for (slot, s) in chosen.iter_mut().zip(&series) {
            let newest = s[..s.partition_point(|m| m.effective_at <= at)].last()?;
            if at.millis() - newest.effective_at.millis() > FULL_SET_WINDOW_MS {
                return None;
            }
            *slot = Some(*newest);
        }
        let [
            Some(respiratory_rate),
            Some(spo2),
            Some(systolic_bp),
            Some(pulse),
            Some(temperature),
        ] = chosen
        else {
            return None;
        };
        Some(FullSet {
            respiratory_rate,
            spo2,
            systolic_bp,
            pulse,
            temperature,
        })
    })
}

/// NEWS2 of the newest full set among `readings`, on `scale`, with what a nurse assessed
/// ([`Assessed::NOTHING`] for home readings alone: the score is then a floor). `None` when the
/// readings hold no full set.
pub fn newest_news2(
    readings: &[TimedReading],
    scale: SpO2Scale,
    assessed: Assessed,
) -> Option<FullSetScore> {
    newest_full_set(readings).map(|set| set.score(scale, assessed))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
