use super::*;
use crate::citizen::CitizenId;
use crate::ecm::{EcmLevel, LevelSource};
use crate::parameter::Parameter;
use crate::time_util::{MILLIS_PER_MINUTE, Timestamp};

const T0: i64 = 1_767_571_200_000;

fn t(minutes: i64) -> Timestamp {
    Timestamp::from_millis(T0 + minutes * MILLIS_PER_MINUTE)
}

fn alarm(priority: AlarmPriority) -> Alarm {
    Alarm {
        id: "a".into(),
        citizen_id: CitizenId::new("c1").unwrap(),
        kind: AlarmKind::LevelRise,
        priority,
        raised_at: t(0),
        cause: AlarmCause::RejectedReading {
            fingerprint: "f".into(),
            reason: "implausible_value".into(),
            parameter: None,
        },
        acknowledged: None,
    }
}

#[test]
fn ids_are_sha256_hex_of_length_prefixed_parts() {
    let c = CitizenId::new("010150-1234").unwrap();
    let id = alarm_id(&c, AlarmKind::LevelRise, &["suggested", "1", "3", "42"]);
    assert_eq!(id.len(), 64);
    assert!(
        id.chars()
            .all(|ch| ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase())
    );
    // Pinned: stored alarm ids must not change between versions of Vagt.
    assert_eq!(
        id,
        "4a9613756813a1eaaf52c35e0d574a12c68807df917926194b880333898e87d5"
    );
    assert_ne!(
        alarm_id(&c, AlarmKind::LevelRise, &["ab", "c"]),
        alarm_id(&c, AlarmKind::LevelRise, &["a", "bc"])
    );
    assert_ne!(
        alarm_id(&c, AlarmKind::LevelRise, &["x"]),
        alarm_id(&c, AlarmKind::LevelFall, &["x"])
    );
}

#[test]
fn priorities_follow_the_table() {
    use AlarmPriority::*;
    let l = |n| EcmLevel::new(n).unwrap();
    let s = LevelSource::Suggested;
    assert_eq!(level_change_priority(s, l(1), l(2)), Medium);
    assert_eq!(level_change_priority(s, l(1), l(3)), High);
    assert_eq!(level_change_priority(s, l(2), l(6)), High);
    assert_eq!(level_change_priority(s, l(6), l(4)), Low);
    assert_eq!(level_change_priority(s, l(3), l(2)), Info);
    assert_eq!(level_change_priority(LevelSource::Event, l(2), l(6)), High);
    let c = LevelSource::Confirmed;
    assert_eq!(level_change_priority(c, l(1), l(3)), Medium);
    assert_eq!(level_change_priority(c, l(1), l(2)), Low);
    assert_eq!(level_change_priority(c, l(5), l(4)), Info);
}

#[test]
fn unacknowledged_high_alarms_escalate_louder_to_all_stations() {
    let policy = EscalationPolicy::default();
    let due = |now, ack, p| escalation_due(t(0), ack, p, now, &policy);
    assert_eq!(
        due(
            Timestamp::from_millis(t(5).millis() - 1),
            false,
            AlarmPriority::High
        ),
        None
    );
    assert_eq!(
        due(t(5), false, AlarmPriority::High),
        Some(EscalationStep {
            step: 1,
            due_at: t(5),
            audience: Audience::AllStations,
            loudness: Loudness::Loud
        })
    );
    let second = due(t(12), false, AlarmPriority::High).unwrap();
    assert_eq!((second.step, second.due_at), (2, t(10)));
    assert_eq!(second.loudness, Loudness::Loudest);
    let last = due(t(600), false, AlarmPriority::High).unwrap();
    assert_eq!((last.step, last.due_at), (3, t(15)), "at most three steps");
    assert_eq!(due(t(12), true, AlarmPriority::High), None, "acknowledged");
    assert_eq!(due(t(29), false, AlarmPriority::Medium), None);
    assert_eq!(
        due(t(90), false, AlarmPriority::Medium).map(|s| s.step),
        Some(1)
    );
    assert_eq!(due(t(600), false, AlarmPriority::Low), None);
    assert_eq!(due(t(600), false, AlarmPriority::Info), None);
}

#[test]
fn the_next_step_is_known_until_the_last_one_is_taken() {
    let policy = EscalationPolicy::default();
    let next = |now, ack, p| next_escalation_at(t(0), ack, p, now, &policy);
    assert_eq!(next(t(0), false, AlarmPriority::High), Some(t(5)));
    assert_eq!(next(t(5), false, AlarmPriority::High), Some(t(10)));
    assert_eq!(next(t(14), false, AlarmPriority::High), Some(t(15)));
    assert_eq!(
        next(t(15), false, AlarmPriority::High),
        None,
        "three steps at most"
    );
    assert_eq!(next(t(1), true, AlarmPriority::High), None, "acknowledged");
    assert_eq!(next(t(1), false, AlarmPriority::Medium), Some(t(30)));
    assert_eq!(
        next(t(30), false, AlarmPriority::Medium),
        None,
        "one step only"
    );
    assert_eq!(next(t(1), false, AlarmPriority::Low), None);
}

#[test]
fn a_snooze_silences_only_its_nurse_and_not_a_high_alarm_past_escalation() {
    let policy = EscalationPolicy::default();
    let snoozes = [Snooze {
        nurse: "anne".into(),
        until: t(60),
    }];
    let medium = alarm(AlarmPriority::Medium);
    assert!(is_silenced_for("anne", &medium, &snoozes, t(30), &policy));
    assert!(!is_silenced_for("bo", &medium, &snoozes, t(30), &policy));
    assert!(!is_silenced_for("anne", &medium, &snoozes, t(60), &policy));

    let high = alarm(AlarmPriority::High);
    assert_eq!(snooze_cap(&high, &policy), Some(t(5)));
    assert!(is_silenced_for("anne", &high, &snoozes, t(4), &policy));
    assert!(!is_silenced_for("anne", &high, &snoozes, t(5), &policy));
    assert!(!is_silenced_for("bo", &high, &snoozes, t(4), &policy));
}

#[test]
fn causes_serialise_as_tagged_json() {
    let cause = AlarmCause::MissedMeasurement {
        parameter: Parameter::Spo2,
        last_at: t(0),
        due_at: t(24 * 60),
        grace_ms: 6 * 60 * MILLIS_PER_MINUTE,
    };
    let json = serde_json::to_value(&cause).unwrap();
    assert_eq!(json["type"], "missed_measurement");
    assert_eq!(json["parameter"], "spo2");
    assert_eq!(json["due_at"], "2026-01-06T00:00:00.000Z");
    assert_eq!(serde_json::from_value::<AlarmCause>(json).unwrap(), cause);
}
