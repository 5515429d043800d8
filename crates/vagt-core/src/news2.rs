//! NEWS2, the National Early Warning Score 2 (Royal College of Physicians, 2017), with SpO2
//! Scale 2 for citizens with hypercapnic respiratory failure (many with severe COPD), whose
//! target saturation is 88-92 %. Used on MAS visits, where a nurse measures every parameter.
//!
//! The chart's bands are whole numbers for respiration rate, SpO2, systolic pressure and pulse;
//! a measured value is rounded to the nearest whole number (halves up) before it is banded.
//! Temperature bands have one decimal and are compared as given.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpO2Scale {
    /// The usual scale.
    Scale1,
    /// For a confirmed hypercapnic respiratory failure with a prescribed 88-92 % target.
    Scale2,
}

/// ACVPU: Alert, or new Confusion, or responds to Voice or Pain, or Unresponsive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

#[cfg(test)]
mod tests {
    use super::*;

    fn normal() -> Vitals {
        Vitals {
            respiratory_rate: 16.0,
            spo2: 97.0,
            on_oxygen: false,
            systolic_bp: 125.0,
            pulse: 72.0,
            consciousness: Consciousness::Alert,
            temperature: 36.8,
        }
    }

    #[test]
    fn every_band_edge_of_the_chart() {
        let rr = [
            (8.0, 3),
            (9.0, 1),
            (11.0, 1),
            (12.0, 0),
            (20.0, 0),
            (21.0, 2),
            (24.0, 2),
            (25.0, 3),
        ];
        for (v, s) in rr {
            assert_eq!(respiratory_rate_score(v), s, "RR {v}");
        }
        let sbp = [
            (90.0, 3),
            (91.0, 2),
            (100.0, 2),
            (101.0, 1),
            (110.0, 1),
            (111.0, 0),
            (219.0, 0),
            (220.0, 3),
        ];
        for (v, s) in sbp {
            assert_eq!(systolic_score(v), s, "SBP {v}");
        }
        let hr = [
            (40.0, 3),
            (41.0, 1),
            (50.0, 1),
            (51.0, 0),
            (90.0, 0),
            (91.0, 1),
            (110.0, 1),
            (111.0, 2),
            (130.0, 2),
            (131.0, 3),
        ];
        for (v, s) in hr {
            assert_eq!(pulse_score(v), s, "pulse {v}");
        }
        let temp = [
            (35.0, 3),
            (35.1, 1),
            (36.0, 1),
            (36.1, 0),
            (38.0, 0),
            (38.1, 1),
            (39.0, 1),
            (39.1, 2),
        ];
        for (v, s) in temp {
            assert_eq!(temperature_score(v), s, "temp {v}");
        }
        let scale1 = [
            (91.0, 3),
            (92.0, 2),
            (93.0, 2),
            (94.0, 1),
            (95.0, 1),
            (96.0, 0),
        ];
        for (v, s) in scale1 {
            assert_eq!(
                spo2_score(v, false, SpO2Scale::Scale1),
                s,
                "SpO2 scale 1 {v}"
            );
            assert_eq!(
                spo2_score(v, true, SpO2Scale::Scale1),
                s,
                "scale 1 ignores oxygen for the SpO2 part"
            );
        }
    }

    #[test]
    fn scale_2_scores_high_saturation_only_on_oxygen() {
        let on_air = [
            (83.0, 3),
            (84.0, 2),
            (85.0, 2),
            (86.0, 1),
            (87.0, 1),
            (88.0, 0),
            (92.0, 0),
            (93.0, 0),
            (99.0, 0),
        ];
        for (v, s) in on_air {
            assert_eq!(spo2_score(v, false, SpO2Scale::Scale2), s, "on air {v}");
        }
        let on_oxygen = [
            (87.0, 1),
            (88.0, 0),
            (92.0, 0),
            (93.0, 1),
            (94.0, 1),
            (95.0, 2),
            (96.0, 2),
            (97.0, 3),
            (100.0, 3),
        ];
        for (v, s) in on_oxygen {
            assert_eq!(spo2_score(v, true, SpO2Scale::Scale2), s, "on oxygen {v}");
        }
        // A COPD citizen at 89 % on air is on target under Scale 2, an emergency-grade 3 under Scale 1.
        let copd = Vitals {
            spo2: 89.0,
            ..normal()
        };
        assert_eq!(news2(&copd, SpO2Scale::Scale2).spo2, 0);
        assert_eq!(news2(&copd, SpO2Scale::Scale1).spo2, 3);
    }

    #[test]
    fn totals_and_risk_categories() {
        let calm = news2(&normal(), SpO2Scale::Scale1);
        assert_eq!((calm.total, calm.risk), (0, Risk::Low));

        // One parameter at 3 with a low total is low-medium, not low.
        let confused = news2(
            &Vitals {
                consciousness: Consciousness::NewConfusion,
                ..normal()
            },
            SpO2Scale::Scale1,
        );
        assert_eq!((confused.total, confused.risk), (3, Risk::LowMedium));

        // An exacerbation on oxygen: RR 23 (2), SpO2 95 on O2 scale 2 (2), O2 (2), pulse 105 (1) = 7.
        let exacerbation = Vitals {
            respiratory_rate: 23.0,
            spo2: 95.0,
            on_oxygen: true,
            pulse: 105.0,
            ..normal()
        };
        let score = news2(&exacerbation, SpO2Scale::Scale2);
        assert_eq!(
            (
                score.respiratory_rate,
                score.spo2,
                score.oxygen,
                score.pulse
            ),
            (2, 2, 2, 1)
        );
        assert_eq!((score.total, score.risk), (7, Risk::High));

        let medium = news2(
            &Vitals {
                respiratory_rate: 22.0,
                temperature: 38.4,
                pulse: 95.0,
                systolic_bp: 108.0,
                ..normal()
            },
            SpO2Scale::Scale1,
        );
        assert_eq!((medium.total, medium.risk), (5, Risk::Medium));
    }

    #[test]
    fn measured_values_are_rounded_to_the_chart() {
        assert_eq!(pulse_score(90.4), 0);
        assert_eq!(pulse_score(90.5), 1);
        assert_eq!(spo2_score(95.5, false, SpO2Scale::Scale1), 0);
    }
}
