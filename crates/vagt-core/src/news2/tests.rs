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

// --- full sets from home readings ---------------------------------------------------

const MIN: i64 = MILLIS_PER_MINUTE;
/// 2026-11-22T08:00:00Z.
const T0: i64 = 1_795_334_400_000;

fn at(minutes: i64) -> Timestamp {
    Timestamp::from_millis(T0 + minutes * MIN)
}

fn reading(parameter: Parameter, value: f64, minutes: i64) -> TimedReading {
    TimedReading {
        parameter,
        value,
        effective_at: at(minutes),
    }
}

/// RR, SpO2, systolic, pulse, temperature, all measured at `minutes`.
fn set_at(minutes: i64, values: [f64; 5]) -> Vec<TimedReading> {
    FULL_SET_PARAMETERS
        .iter()
        .zip(values)
        .map(|(p, v)| reading(*p, v, minutes))
        .collect()
}

fn parts(score: &News2) -> [u8; 7] {
    [
        score.respiratory_rate,
        score.spo2,
        score.oxygen,
        score.systolic_bp,
        score.pulse,
        score.consciousness,
        score.temperature,
    ]
}

#[test]
fn known_full_sets_score_as_on_the_rcp_chart() {
    // [RR, SpO2, systolic, pulse, temperature] -> [RR, SpO2, air/O2, SBP, pulse, ACVPU,
    // temp] parts on Scale 1, read off the RCP 2017 chart, with Alert and air assumed.
    let cases: [([f64; 5], [u8; 7], u8, Risk); 5] = [
        (
            [16.0, 97.0, 128.0, 72.0, 36.8],
            [0, 0, 0, 0, 0, 0, 0],
            0,
            Risk::Low,
        ),
        (
            [18.0, 95.0, 128.0, 88.0, 37.1],
            [0, 1, 0, 0, 0, 0, 0],
            1,
            Risk::Low,
        ),
        // One red score (RR 26) alone is low-medium.
        (
            [26.0, 97.0, 135.0, 80.0, 36.9],
            [3, 0, 0, 0, 0, 0, 0],
            3,
            Risk::LowMedium,
        ),
        (
            [21.0, 94.0, 115.0, 95.0, 38.2],
            [2, 1, 0, 0, 1, 0, 1],
            5,
            Risk::Medium,
        ),
        (
            [22.0, 93.0, 105.0, 115.0, 38.5],
            [2, 2, 0, 1, 2, 0, 1],
            8,
            Risk::High,
        ),
    ];
    for (values, want_parts, total, risk) in cases {
        let got = newest_news2(&set_at(0, values), SpO2Scale::Scale1, Assessed::NOTHING)
            .expect("a full set");
        assert_eq!(parts(&got.score), want_parts, "{values:?}");
        assert_eq!(
            (got.score.total, got.score.risk),
            (total, risk),
            "{values:?}"
        );
    }
}

#[test]
fn a_set_spread_over_more_than_the_window_is_not_full() {
    let values = [16.0, 97.0, 128.0, 72.0, 36.8];
    // Respiratory rate an hour and a minute before the rest.
    let mut spread = set_at(61, values);
    spread[0] = reading(Parameter::RespiratoryRate, 16.0, 0);
    assert_eq!(newest_full_set(&spread), None);
    // Exactly the window apart still counts.
    let mut edge = set_at(60, values);
    edge[0] = reading(Parameter::RespiratoryRate, 16.0, 0);
    let set = newest_full_set(&edge).expect("60 minutes is within the window");
    assert_eq!(set.respiratory_rate.effective_at, at(0));
    assert_eq!(set.at(), at(60));
    // A missing parameter, or one that is not a number, leaves no set.
    let without_rr: Vec<TimedReading> = set_at(0, values)
        .into_iter()
        .filter(|r| r.parameter != Parameter::RespiratoryRate)
        .collect();
    assert_eq!(newest_full_set(&without_rr), None);
    let mut nan = set_at(0, values);
    nan[3].value = f64::NAN;
    assert_eq!(newest_full_set(&nan), None);
}

#[test]
fn the_newest_full_set_wins_with_the_newest_reading_of_each_parameter() {
    let day = 24 * 60;
    let mut readings = set_at(0, [16.0, 97.0, 128.0, 72.0, 36.8]);
    readings.extend(set_at(day, [22.0, 93.0, 105.0, 115.0, 38.5]));
    // Within yesterday's set a second, newer pulse 20 minutes later is the one used.
    readings.push(reading(Parameter::Pulse, 95.0, day + 20));
    // Today everything but the respiratory rate: not a full set, so yesterday's stands.
    readings.extend(
        set_at(2 * day, [30.0, 85.0, 85.0, 140.0, 40.0])
            .into_iter()
            .filter(|r| r.parameter != Parameter::RespiratoryRate),
    );
    // Other parameters do not matter; the order of the input does not either.
    readings.push(reading(Parameter::Weight, 80.0, 2 * day));
    readings.reverse();
    let got = newest_news2(&readings, SpO2Scale::Scale1, Assessed::NOTHING).expect("a set");
    assert_eq!(
        got.at,
        at(day + 20),
        "the instant is the newest of the five"
    );
    assert_eq!(got.readings.pulse.value, 95.0);
    assert_eq!(got.readings.respiratory_rate.value, 22.0);
    assert_eq!(got.readings.temperature.effective_at, at(day));
    // RR 22 (2), SpO2 93 (2), SBP 105 (1), pulse 95 (1), temperature 38.5 (1).
    assert_eq!((got.score.total, got.score.risk), (7, Risk::High));

    // Today's respiratory rate arrives 50 minutes after the rest: today's set is newest.
    readings.push(reading(Parameter::RespiratoryRate, 30.0, 2 * day + 50));
    let today = newest_full_set(&readings).expect("a set");
    assert_eq!(today.at(), at(2 * day + 50));
    assert_eq!(today.spo2.value, 85.0);
}

#[test]
fn scale_2_changes_the_spo2_part() {
    // A COPD citizen at 89 % on air: 3 on Scale 1, on target (0) on Scale 2.
    let readings = set_at(0, [18.0, 89.0, 128.0, 80.0, 37.0]);
    let one = newest_news2(&readings, SpO2Scale::Scale1, Assessed::NOTHING).expect("set");
    let two = newest_news2(&readings, SpO2Scale::Scale2, Assessed::NOTHING).expect("set");
    assert_eq!(
        (one.score.spo2, one.score.total, one.score.risk),
        (3, 3, Risk::LowMedium)
    );
    assert_eq!(
        (two.score.spo2, two.score.total, two.score.risk),
        (0, 0, Risk::Low)
    );
    assert_eq!(
        (one.scale, two.scale),
        (SpO2Scale::Scale1, SpO2Scale::Scale2)
    );
}

#[test]
fn unassessed_parts_make_a_floor_and_assessed_ones_make_it_exact() {
    let readings = set_at(0, [18.0, 96.0, 128.0, 80.0, 37.0]);
    let floor = newest_news2(&readings, SpO2Scale::Scale2, Assessed::NOTHING).expect("set");
    assert_eq!(
        floor.assumed,
        [AssumedPart::Consciousness, AssumedPart::Oxygen]
    );
    assert!(floor.is_minimum);
    assert_eq!((floor.score.consciousness, floor.score.oxygen), (0, 0));
    assert_eq!(floor.score.total, 0);

    // Known to be alert on air: the same number, now exact.
    let alert_on_air = Assessed {
        consciousness: Some(Consciousness::Alert),
        on_oxygen: Some(false),
    };
    let exact = newest_news2(&readings, SpO2Scale::Scale2, alert_on_air).expect("set");
    assert!(exact.assumed.is_empty() && !exact.is_minimum);
    assert_eq!(exact.score, floor.score);

    // One part known is still a floor for the other.
    let only_oxygen = Assessed {
        consciousness: None,
        on_oxygen: Some(true),
    };
    let half = newest_news2(&readings, SpO2Scale::Scale2, only_oxygen).expect("set");
    assert_eq!(half.assumed, [AssumedPart::Consciousness]);
    assert!(half.is_minimum);
    // On oxygen at 96 % on Scale 2: the oxygen part (2) and the SpO2 part (2).
    assert_eq!(
        (half.score.oxygen, half.score.spo2, half.score.total),
        (2, 2, 4)
    );

    // Whatever the truth, it never scores below the floor, nor a lower risk.
    for scale in [SpO2Scale::Scale1, SpO2Scale::Scale2] {
        for spo2 in [80.0, 86.0, 90.0, 93.0, 95.0, 97.0, 100.0] {
            let readings = set_at(0, [18.0, spo2, 128.0, 80.0, 37.0]);
            let floor = newest_news2(&readings, scale, Assessed::NOTHING).expect("set");
            for consciousness in [
                Consciousness::Alert,
                Consciousness::NewConfusion,
                Consciousness::Voice,
                Consciousness::Pain,
                Consciousness::Unresponsive,
            ] {
                for on_oxygen in [false, true] {
                    let truth = Assessed {
                        consciousness: Some(consciousness),
                        on_oxygen: Some(on_oxygen),
                    };
                    let exact = newest_news2(&readings, scale, truth).expect("set");
                    assert!(
                        exact.score.total >= floor.score.total
                            && exact.score.risk >= floor.score.risk,
                        "{scale:?} {spo2} {truth:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn a_full_set_score_serialises_with_stable_names() {
    let got = newest_news2(
        &set_at(0, [22.0, 93.0, 105.0, 115.0, 38.5]),
        SpO2Scale::Scale1,
        Assessed::NOTHING,
    )
    .expect("set");
    let json = serde_json::to_value(&got).expect("json");
    assert_eq!(json["at"], "2026-11-22T08:00:00.000Z");
    assert_eq!(json["scale"], "scale1");
    assert_eq!(json["score"]["total"], 8);
    assert_eq!(json["score"]["risk"], "high");
    assert_eq!(json["readings"]["respiratory_rate"]["value"], 22.0);
    assert_eq!(
        json["assumed"],
        serde_json::json!(["consciousness", "oxygen"])
    );
    assert_eq!(json["is_minimum"], true);
    assert_eq!(SpO2Scale::from_code("scale2"), Some(SpO2Scale::Scale2));
    assert_eq!(SpO2Scale::from_code("2"), None);
}
