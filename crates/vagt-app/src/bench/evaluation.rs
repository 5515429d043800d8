//! Evaluation by change: the rules applied after a sync that brought one new reading (only the
//! citizens whose data changed or whose time came are evaluated) against evaluating every
//! citizen, on the same database in the same run.

use super::{median, ms};
use crate::AppError;
use serde::Serialize;
use std::time::Instant;
use vagt_cohort::CohortSpec;
use vagt_core::reading::{IncomingMeasurement, SourceRef};
use vagt_core::{Parameter, Timestamp};
use vagt_store::{Actor, PullBatch};

#[derive(Debug, Clone, Serialize)]
pub struct EvaluationBench {
    pub citizens: usize,
    pub readings: i64,
    pub runs: usize,
    /// The pull of a page with one new reading, stored as the sync stores it (median).
    pub pull_ms: f64,
    /// The evaluation after it: the due citizens only (median).
    pub by_change_ms: f64,
    /// How many citizens that evaluation took (the most of any run).
    pub by_change_citizens: usize,
    /// Every citizen evaluated, the reference (median).
    pub full_ms: f64,
    /// by_change / full.
    pub ratio: f64,
}

pub fn evaluation(citizens: usize, days: u32, runs: usize) -> Result<EvaluationBench, AppError> {
    // The directory lives as long as the session uses it.
    let (_dir, session) = super::temporary_session()?;
    let actor = Actor("bench".into());
    let end = Timestamp::now();
    session.load_demo(
        &actor,
        &CohortSpec {
            seed: 11,
            citizens,
            days,
            end,
        },
    )?;
    let list = session.worklist(&actor)?;
    let target = list
        .get(list.len() / 2)
        .map(|c| c.id.clone())
        .ok_or_else(|| AppError::invalid("usage", "the bench needs at least one citizen"))?;
    let runs = runs.max(1);
    let (mut pulls, mut by_change, mut full) = (Vec::new(), Vec::new(), Vec::new());
    let mut most = 0;
    let mut store = session.store()?;
    // Everything due from the load is evaluated first, so each run starts as a station does
    // between syncs.
    store.evaluate_due(Timestamp::now())?;
    for run in 0..runs {
        let at = Timestamp::now();
        let batch = PullBatch {
            measurements: vec![IncomingMeasurement {
                citizen_id: target.clone(),
                parameter: Parameter::Spo2,
                value: 95.0,
                unit: "%".into(),
                effective_at: at,
                source: SourceRef {
                    id: format!("bench|Observation/{run}"),
                    version: "1".into(),
                },
            }],
            ..PullBatch::default()
        };
        let started = Instant::now();
        store.apply_pull("bench", "Observation", batch, None, at)?;
        pulls.push(ms(started));

        let started = Instant::now();
        let report = store.evaluate_due(at)?;
        by_change.push(ms(started));
        most = most.max(report.citizens);

        let started = Instant::now();
        std::hint::black_box(store.evaluate_alarms(at)?);
        full.push(ms(started));
    }
    let readings = {
        drop(store);
        session.store_status()?.readings
    };
    let (by_change, full) = (median(by_change), median(full));
    Ok(EvaluationBench {
        citizens: list.len(),
        readings,
        runs,
        pull_ms: median(pulls),
        by_change_ms: by_change,
        by_change_citizens: most,
        full_ms: full,
        ratio: by_change / full.max(1e-9),
    })
}
