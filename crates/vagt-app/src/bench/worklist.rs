//! The worklist read after a change: what the window reads when one new reading arrives for one
//! citizen out of many (that citizen's row, the open alarms, the status), against reading the
//! whole worklist, on the same database in the same run.

use super::{median, ms};
use crate::follow_up::{Affected, AlarmsChanged, follow_up};
use crate::{AppError, NoWindow};
use serde::Serialize;
use std::time::Instant;
use vagt_cohort::CohortSpec;
use vagt_core::reading::{IncomingMeasurement, SourceRef};
use vagt_core::{Parameter, Timestamp};
use vagt_store::Actor;

#[derive(Debug, Clone, Serialize)]
pub struct WorklistBench {
    pub citizens: usize,
    pub readings: i64,
    pub runs: usize,
    /// The whole worklist, as the window reads it at start (median of the runs).
    pub full_worklist_ms: f64,
    /// Storing the new reading and evaluating its citizen (median).
    pub new_reading_ms: f64,
    /// What the window reads after the change notice: one row, the open alarms, the status
    /// (median of their sum), and each part (medians).
    pub after_one_reading_ms: f64,
    pub row_ms: f64,
    pub open_alarms_ms: f64,
    pub status_ms: f64,
    /// after_one_reading / full_worklist.
    pub ratio: f64,
    /// The reference for the whole worklist: only its latest readings, found by searching every
    /// reading as the worklist did before the summary was kept on write (median).
    pub latest_by_search_ms: f64,
}

pub fn worklist(citizens: usize, days: u32, runs: usize) -> Result<WorklistBench, AppError> {
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
    let (mut full, mut write, mut after) = (Vec::new(), Vec::new(), Vec::new());
    let (mut rows, mut alarms_read, mut statuses) = (Vec::new(), Vec::new(), Vec::new());
    let mut searches = Vec::new();
    for run in 0..runs {
        let started = Instant::now();
        let all = session.worklist(&actor)?;
        full.push(ms(started));
        std::hint::black_box(all);

        let started = Instant::now();
        std::hint::black_box(latest_by_search(&session)?);
        searches.push(ms(started));

        let started = Instant::now();
        {
            let mut store = session.store()?;
            let at = Timestamp::now();
            let reading = IncomingMeasurement {
                citizen_id: target.clone(),
                parameter: Parameter::Spo2,
                value: 95.0,
                unit: "%".into(),
                effective_at: at,
                source: SourceRef {
                    id: format!("bench-reading-{run}"),
                    version: "1".into(),
                },
            };
            let report = store.ingest(&actor, "bench", vec![reading], at)?;
            follow_up(
                &mut store,
                Affected::Citizens(report.changed_citizens),
                AlarmsChanged::None,
                at,
                &NoWindow,
            )?;
        }
        write.push(ms(started));

        let started = Instant::now();
        let row = session.worklist_rows(&actor, std::slice::from_ref(&target))?;
        let row_done = ms(started);
        let alarms = session.alarms(&actor, true)?;
        let alarms_done = ms(started);
        let status = session.status(&actor)?;
        let all_done = ms(started);
        after.push(all_done);
        rows.push(row_done);
        alarms_read.push(alarms_done - row_done);
        statuses.push(all_done - alarms_done);
        std::hint::black_box((row, alarms, status));
    }
    let (full, after) = (median(full), median(after));
    Ok(WorklistBench {
        citizens: list.len(),
        readings: session.store_status()?.readings,
        runs,
        full_worklist_ms: full,
        new_reading_ms: median(write),
        after_one_reading_ms: after,
        row_ms: median(rows),
        open_alarms_ms: median(alarms_read),
        status_ms: median(statuses),
        ratio: after / full.max(1e-9),
        latest_by_search_ms: median(searches),
    })
}

/// Each citizen's latest reading per parameter by a search of every reading: how many rows.
pub(super) fn latest_by_search(session: &crate::Session) -> Result<usize, AppError> {
    let mut store = session.store()?;
    let conn = store.connection();
    let mut stmt = conn
        .prepare_cached(
            "SELECT citizen_id, parameter, value, max(effective_at) FROM readings
             WHERE is_current = 1 AND status <> 'entered_in_error'
             GROUP BY citizen_id, parameter",
        )
        .map_err(vagt_store::StoreError::from)?;
    let mut rows = stmt.query([]).map_err(vagt_store::StoreError::from)?;
    let mut count = 0;
    while let Some(row) = rows.next().map_err(vagt_store::StoreError::from)? {
        let value: f64 = row.get(2).map_err(vagt_store::StoreError::from)?;
        std::hint::black_box(value);
        count += 1;
    }
    Ok(count)
}
