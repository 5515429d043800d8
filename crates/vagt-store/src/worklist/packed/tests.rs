//! The pack's byte layout read back: round trips, exact values, every variant, and damaged
//! packs that are errors, never a wrong row or a panic.

use super::*;
use vagt_core::alarm::AlarmPriority;
use vagt_core::dispatch::DispatchState;
use vagt_core::news2::Measured;
use vagt_core::{CitizenId, Diagnosis};

fn full_row() -> CitizenSummary {
    let mut row = CitizenSummary::empty(CitizenId::new("c-0001").expect("id"));
    row.name = "Åse Ølgaard".into();
    row.birth_date = Some("1948-03-02".into());
    row.phone = Some("+45 12 34 56 78".into());
    row.address = Some("Søndergade 1, 8000 Aarhus C".into());
    row.mas_only = true;
    row.diagnoses = vec![Diagnosis::Copd, Diagnosis::Diabetes];
    for (parameter, value, at) in [
        (Parameter::Spo2, 91.0, 1_700_000_000_000),
        (Parameter::Pulse, 71.5, 1_700_000_360_000),
    ] {
        row.latest.insert(
            parameter,
            LatestReading {
                value,
                unit: parameter.canonical_unit(),
                effective_at: Timestamp::from_millis(at),
            },
        );
    }
    row.last_reading_at = Some(Timestamp::from_millis(1_700_000_360_000));
    row.suggested_level = EcmLevel::new(4).ok();
    row.confirmed_level = EcmLevel::new(3).ok();
    row.open_alarms = 2;
    row.top_alarm_priority = Some(AlarmPriority::High);
    row.open_dispatch = Some(DispatchState::EnRoute);
    let measured = |value, minutes_before: i64| Measured {
        value,
        effective_at: Timestamp::from_millis(1_700_000_360_000 - minutes_before * 60_000),
    };
    row.news2 = Some(FullSetScore {
        at: Timestamp::from_millis(1_700_000_360_000),
        scale: SpO2Scale::Scale2,
        score: News2 {
            respiratory_rate: 2,
            spo2: 3,
            oxygen: 0,
            systolic_bp: 1,
            pulse: 0,
            consciousness: 0,
            temperature: 1,
            total: 7,
            risk: Risk::High,
        },
        readings: FullSet {
            respiratory_rate: measured(24.0, 10),
            spo2: measured(87.0, 6),
            systolic_bp: measured(131.0, 0),
            pulse: measured(71.5, 0),
            temperature: measured(37.8, 3),
        },
        assumed: vec![AssumedPart::Consciousness, AssumedPart::Oxygen],
        is_minimum: true,
    });
    row
}

/// When the NEWS2's oldest reading was taken, as the evaluation stores it.
const NEWS2_FROM: i64 = 1_700_000_360_000 - 10 * 60_000;

fn unpacked(pack: &[u8], news2_since: i64) -> Result<CitizenSummary> {
    let mut row = CitizenSummary::empty(CitizenId::new("c-0001").expect("id"));
    row.name = "Åse Ølgaard".into();
    unpack(pack, news2_since, &mut row)?;
    Ok(row)
}

/// Numbers at their edges, and values kept in hundredths or not, read back as they were.
#[test]
fn numbers_and_values_read_back_exactly() {
    let mut out = Packer(Vec::new());
    let numbers = [0, 1, -1, 63, -64, 64, 1_700_000_000_000, i64::MAX, i64::MIN];
    for n in numbers {
        out.signed(n);
    }
    let mut back = Unpacker {
        pack: &out.0,
        at: 0,
    };
    for n in numbers {
        assert_eq!(back.signed().expect("a number"), n);
    }
    assert_eq!(back.at, out.0.len());
    let mut row = full_row();
    let values = [
        37.8,
        87.0,
        0.1,
        -0.0,
        1e300,
        1.255,
        f64::MIN_POSITIVE,
        -12.34,
        f64::NAN,
        f64::INFINITY,
        1.0 / 3.0,
    ];
    for (parameter, value) in Parameter::ALL.into_iter().zip(values) {
        row.latest.insert(
            parameter,
            LatestReading {
                value,
                unit: parameter.canonical_unit(),
                effective_at: Timestamp::from_millis(-5),
            },
        );
    }
    let pack = pack(&row).expect("packed");
    let back = unpacked(&pack, 0).expect("unpacked");
    for (parameter, value) in Parameter::ALL.into_iter().zip(values) {
        assert_eq!(
            back.latest[&parameter].value.to_bits(),
            value.to_bits(),
            "{value}"
        );
    }
    // Kept in hundredths where exact, so a reading takes a few bytes, not 17.
    assert_eq!(in_hundredths(37.8), Some(3780));
    assert_eq!(in_hundredths(-0.0), None);
    assert_eq!(in_hundredths(1.0 / 3.0), None);
    assert_eq!(in_hundredths(f64::NAN), None);
}

#[test]
fn a_row_reads_back_as_it_was_packed() {
    let row = full_row();
    let pack = pack(&row).expect("packed");
    assert_eq!(unpacked(&pack, NEWS2_FROM).expect("unpacked"), row);
    // A NEWS2 older than asked for is not shown; the rest is the same.
    let older = unpacked(&pack, NEWS2_FROM + 1).expect("unpacked");
    assert_eq!(older.news2, None);
    assert_eq!(CitizenSummary { news2: None, ..row }, older);
    let empty = CitizenSummary::empty(CitizenId::new("c-0001").expect("id"));
    let pack = super::pack(&empty).expect("packed");
    let mut back = unpacked(&pack, i64::MIN).expect("unpacked");
    back.name.clear();
    assert_eq!(back, empty);
}

/// A pack cut short, or with bytes after its end, is an error naming it, never a wrong row
/// or a panic.
#[test]
fn a_cut_or_overlong_pack_is_corrupt() {
    let pack = pack(&full_row()).expect("packed");
    for len in 0..pack.len() {
        assert!(unpacked(&pack[..len], 0).is_err(), "cut at {len}");
    }
    let mut longer = pack.clone();
    longer.push(0);
    assert!(unpacked(&longer, 0).is_err());
}

/// Every SpO2 scale, risk and assumed part reads back as itself.
#[test]
fn every_variant_reads_back() {
    let mut row = full_row();
    for scale in [SpO2Scale::Scale1, SpO2Scale::Scale2] {
        for risk in [Risk::Low, Risk::LowMedium, Risk::Medium, Risk::High] {
            for assumed in [
                vec![],
                vec![AssumedPart::Oxygen],
                vec![AssumedPart::Consciousness, AssumedPart::Oxygen],
            ] {
                let news2 = row.news2.as_mut().expect("a NEWS2");
                news2.scale = scale;
                news2.score.risk = risk;
                news2.assumed = assumed;
                let pack = pack(&row).expect("packed");
                assert_eq!(unpacked(&pack, NEWS2_FROM).expect("unpacked"), row);
            }
        }
    }
}

/// Whatever a byte of a pack is turned into, reading it is a row or an error, never a
/// panic; a number longer than ten bytes is an error.
#[test]
fn a_damaged_pack_never_panics() {
    let pack = pack(&full_row()).expect("packed");
    for at in 0..pack.len() {
        for byte in [0x00, 0x01, 0x7f, 0x80, 0xff] {
            let mut damaged = pack.clone();
            damaged[at] = byte;
            let _ = unpacked(&damaged, 0);
        }
    }
    let mut too_long = Unpacker {
        pack: &[0xff; 11],
        at: 0,
    };
    assert!(too_long.unsigned().is_err());
    let mut past_u64 = Unpacker {
        pack: &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],
        at: 0,
    };
    assert!(past_u64.unsigned().is_err());
}

/// The numbering the packs are stored with.
const PACKED_PARAMETERS: [&str; 13] = [
    "spo2",
    "pulse",
    "fev1",
    "fvc",
    "temperature",
    "weight",
    "systolic_bp",
    "diastolic_bp",
    "respiratory_rate",
    "blood_glucose",
    "crp",
    "cat_score",
    "symptom_score",
];

/// Stored packs name each parameter by its place in `Parameter::ALL`: moving one would
/// make every pack on every station say another parameter. Append new ones at the end.
#[test]
fn pack_numbers_are_pinned() {
    let codes: Vec<&str> = Parameter::ALL.iter().map(|p| p.code()).collect();
    assert_eq!(codes, PACKED_PARAMETERS);
}
