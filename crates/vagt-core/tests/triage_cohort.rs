//! The engine over the synthetic cohort: four months of daily readings per citizen, as the
//! store will run it, to show the default plans detect the planted exacerbations without
//! flapping.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use vagt_cohort::{self as cohort, CohortSpec};
use vagt_core::ecm_engine::{EngineReading, Timeline};
use vagt_core::plan::TriagePlan;
use vagt_core::{EcmLevel, Timestamp};

#[test]
fn default_plans_on_the_synthetic_cohort() {
    let end = Timestamp::parse_rfc3339("2026-11-22T10:00:00Z").unwrap();
    let spec = CohortSpec::new(7, end);
    let c = cohort::generate(&spec);
    let (mut severe, mut detected) = (0, 0);
    for citizen in &c.citizens {
        let plan = TriagePlan::defaults(&citizen.diagnoses).unwrap();
        let readings: Vec<EngineReading> = c
            .measurements
            .iter()
            .filter(|m| m.citizen_id == citizen.id)
            .filter_map(|m| m.clone().normalise(end).ok())
            .map(|r| EngineReading::from(&r))
            .collect();
        let timeline = Timeline::new(&plan, &readings, &[]);
        let transitions = timeline.replay(end);
        // Hysteresis: never more than one change every two days on average.
        assert!(
            transitions.len() <= spec.days as usize / 2,
            "{}: {} changes",
            citizen.id,
            transitions.len()
        );
        let levels: BTreeSet<u8> = transitions.iter().map(|t| t.to.get()).collect();
        assert!(
            levels.iter().all(|l| (1..=3).contains(l)),
            "no events, so 1..3"
        );

        let now = timeline.evaluate(end);
        let ongoing_severe = c
            .exacerbations
            .iter()
            .any(|x| x.citizen_id == citizen.id && x.end > end && x.severity >= 0.7);
        if ongoing_severe {
            severe += 1;
            if now.level >= EcmLevel::ECM2 {
                detected += 1;
                assert!(!now.readings.findings.is_empty());
            }
        }
    }
    assert!(
        severe >= 4,
        "the cohort plants ongoing exacerbations: {severe}"
    );
    assert!(
        detected * 3 >= severe * 2,
        "most ongoing exacerbations show: {detected} of {severe}"
    );
}
