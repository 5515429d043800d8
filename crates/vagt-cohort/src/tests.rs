use super::*;
use vagt_core::reading::RejectReason;

fn spec() -> CohortSpec {
    CohortSpec::new(
        7,
        Timestamp::parse_rfc3339("2026-11-22T10:00:00Z").expect("valid"),
    )
}

#[test]
fn same_seed_same_cohort_other_seed_other_cohort() {
    let a = generate(&spec());
    let b = generate(&spec());
    assert_eq!(a, b);
    let c = generate(&CohortSpec { seed: 8, ..spec() });
    assert_ne!(a.citizens, c.citizens);
}

#[test]
fn cohort_has_the_expected_shape() {
    let cohort = generate(&spec());
    assert_eq!(cohort.citizens.len(), 50);
    let copd = cohort
        .citizens
        .iter()
        .filter(|c| c.diagnoses.contains(&Diagnosis::Copd))
        .count();
    let hf = cohort
        .citizens
        .iter()
        .filter(|c| c.diagnoses.contains(&Diagnosis::HeartFailure))
        .count();
    let dm = cohort
        .citizens
        .iter()
        .filter(|c| c.diagnoses.contains(&Diagnosis::Diabetes))
        .count();
    assert!(copd > 25, "most have COPD: {copd}");
    assert!(
        hf > 0 && dm > 0,
        "some heart failure ({hf}) and diabetes ({dm})"
    );
    // Daily readings for ~120 days with ~7 % missed days, several parameters each.
    assert!(
        cohort.measurements.len() > 20_000,
        "{}",
        cohort.measurements.len()
    );
    let ongoing = cohort
        .exacerbations
        .iter()
        .filter(|e| e.end > spec().end)
        .count();
    assert!(ongoing >= 4, "ongoing exacerbations at the end: {ongoing}");
    let ids: std::collections::HashSet<_> = cohort
        .measurements
        .iter()
        .map(|m| (&m.source.id, &m.source.version))
        .collect();
    assert_eq!(
        ids.len(),
        cohort.measurements.len(),
        "source ids are unique"
    );
}

#[test]
fn citizens_with_copd_and_heart_failure_measure_a_daily_full_set() {
    use vagt_core::news2::{Assessed, SpO2Scale, TimedReading, newest_news2};
    let spec = spec();
    let cohort = generate(&spec);
    let mut with_sets = 0;
    for citizen in &cohort.citizens {
        let both = citizen.diagnoses.contains(&Diagnosis::Copd)
            && citizen.diagnoses.contains(&Diagnosis::HeartFailure);
        let readings: Vec<TimedReading> = cohort
            .measurements
            .iter()
            .filter(|m| m.citizen_id == citizen.id)
            .filter_map(|m| m.clone().normalise(spec.end).ok())
            .map(|r| TimedReading {
                parameter: r.parameter,
                value: r.value,
                effective_at: r.effective_at,
            })
            .collect();
        let breaths = readings
            .iter()
            .filter(|r| r.parameter == Parameter::RespiratoryRate)
            .count();
        assert_eq!(breaths > 100, both, "{}: {breaths}", citizen.id);
        assert!(
            readings
                .iter()
                .filter(|r| r.parameter == Parameter::RespiratoryRate)
                .all(|r| (8.0..=40.0).contains(&r.value))
        );
        let news2 = newest_news2(&readings, SpO2Scale::Scale1, Assessed::NOTHING);
        assert_eq!(news2.is_some(), both, "{}", citizen.id);
        with_sets += usize::from(news2.is_some());
    }
    assert!(
        with_sets >= 3,
        "a few demo citizens show NEWS2: {with_sets}"
    );
}

#[test]
fn exactly_the_planted_bad_inputs_are_rejected() {
    let cohort = generate(&spec());
    let now = spec().end;
    let mut rejected: Vec<(String, RejectReason)> = Vec::new();
    for m in cohort.measurements {
        let id = m.source.id.clone();
        if let Err(reason) = m.normalise(now) {
            rejected.push((id, reason));
        }
    }
    let mut got: Vec<&str> = rejected.iter().map(|(id, _)| id.as_str()).collect();
    got.sort_unstable();
    let mut want: Vec<&str> = cohort
        .expected_rejections
        .iter()
        .map(String::as_str)
        .collect();
    want.sort_unstable();
    assert_eq!(got, want);
    let codes: std::collections::BTreeSet<&str> = rejected.iter().map(|(_, r)| r.code()).collect();
    assert_eq!(
        codes,
        [
            "from_the_future",
            "implausible_value",
            "unknown_unit",
            "wrong_unit"
        ]
        .into_iter()
        .collect()
    );
}

#[test]
fn exacerbations_move_readings_the_clinical_way() {
    let spec = spec();
    let cohort = generate(&spec);
    let episode = cohort
        .exacerbations
        .iter()
        .find(|e| e.end > spec.end && e.severity > 0.7)
        .expect("an ongoing severe exacerbation");
    let spo2_of = |from: Timestamp, to: Timestamp| -> Vec<f64> {
        cohort
            .measurements
            .iter()
            .filter(|m| m.citizen_id == episode.citizen_id && m.parameter == Parameter::Spo2)
            .filter(|m| m.effective_at >= from && m.effective_at < to)
            .map(|m| m.value)
            .collect()
    };
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let before = spo2_of(
        episode.start.plus_millis(-20 * MILLIS_PER_DAY),
        episode.start.plus_millis(-10 * MILLIS_PER_DAY),
    );
    let during = spo2_of(episode.start.plus_millis(2 * MILLIS_PER_DAY), spec.end);
    assert!(!before.is_empty() && !during.is_empty());
    assert!(
        mean(&during) < mean(&before) - 2.0,
        "SpO2 falls: {before:?} -> {during:?}"
    );
}

/// A region is generated a citizen at a time; together the parts are the whole cohort.
#[test]
fn the_cohort_a_citizen_at_a_time_is_the_same_cohort() {
    let spec = spec();
    let whole = generate(&spec);
    let parts: Vec<CitizenCohort> = citizens(&spec).collect();
    assert_eq!(parts.len(), spec.citizens);
    assert_eq!(
        parts.iter().map(|p| &p.citizen).collect::<Vec<_>>(),
        whole.citizens.iter().collect::<Vec<_>>()
    );
    let mut measurements: Vec<_> = parts.iter().flat_map(|p| p.measurements.clone()).collect();
    measurements
        .sort_by(|a, b| (a.effective_at, &a.source.id).cmp(&(b.effective_at, &b.source.id)));
    assert_eq!(measurements, whole.measurements);
    for part in &parts {
        assert!(
            part.measurements
                .windows(2)
                .all(|w| w[0].effective_at <= w[1].effective_at),
            "each citizen's measurements in time order"
        );
        assert!(
            part.exacerbations
                .iter()
                .all(|e| e.citizen_id == part.citizen.id)
        );
    }
}
