//! A region in one run: the demo cohort of `citizens` over `days` loaded by the bulk path, then
//! what a station does with it (the worklist, a morning's readings arriving, a citizen's page),
//! each beside a reference measured on the same database in the same run.

use super::{median, ms};
use crate::follow_up::{Affected, AlarmsChanged, follow_up};
use crate::{AppError, NoWindow, Session};
use serde::Serialize;
use std::time::Instant;
use vagt_cohort::CohortSpec;
use vagt_core::i18n::Language;
use vagt_core::reading::{IncomingMeasurement, SourceRef};
use vagt_core::time_util::{MILLIS_PER_DAY, MILLIS_PER_MINUTE};
use vagt_core::{CitizenId, Parameter, Timestamp};
use vagt_plot::{Layout, TrendRange};
use vagt_store::Actor;

/// A morning's wave of new readings: this many, spread over citizens as they measure (a set of
/// [`MORNING_SET`] each).
pub const WAVE_READINGS: usize = 100;
/// Rows a page holds as the window reads the worklist, and citizens a page holds as it reads the
/// alarm episodes (`WORKLIST_PAGE_ROWS` and `EPISODE_PAGE_CITIZENS` in ui/src/api.ts).
pub const WINDOW_PAGE_ROWS: usize = 250;
pub const WINDOW_EPISODE_PAGE_CITIZENS: usize = 125;
const MORNING_SET: [(Parameter, f64, &str); 6] = [
    (Parameter::Spo2, 94.0, "%"),
    (Parameter::Pulse, 78.0, "/min"),
    (Parameter::Temperature, 36.8, "Cel"),
    (Parameter::Fev1, 1.2, "L"),
    (Parameter::Fvc, 2.3, "L"),
    (Parameter::SymptomScore, 2.0, "{score}"),
];

#[derive(Debug, Clone, Serialize)]
pub struct RegionBench {
    pub citizens: usize,
    pub days: u32,
    pub readings: i64,
    pub runs: usize,
    /// Generating and storing the cohort by the demo's bulk path, then evaluating everyone.
    pub load_seconds: f64,
    pub load_readings_per_second: f64,
    /// The database file with its write-ahead log, and per million readings.
    pub database_bytes: u64,
    pub bytes_per_million_readings: f64,
    /// The whole worklist (median), and the reference: only its latest readings found by a
    /// search of every reading, as before the summary was kept on write. Each run reads it
    /// after the last run's reference, wave and page (the rows the wave changed are made again;
    /// where the database outgrows SQLite's cache, the reference's scan has pushed the list's
    /// pages out of it), then again at once, its pages cached and nothing stale.
    pub worklist_ms: f64,
    pub worklist_cached_ms: f64,
    pub latest_by_search_ms: f64,
    /// The whole worklist as the window reads it, [`WINDOW_PAGE_ROWS`] rows a page, each page
    /// after the row the one before ended with: every page read in turn (ms, median of the
    /// runs), and the first page alone (median). Read after the whole list, so with its pages
    /// cached.
    pub worklist_in_pages_ms: f64,
    pub worklist_first_page_ms: f64,
    pub worklist_pages: usize,
    /// Every alarm episode as the window reads them, [`WINDOW_EPISODE_PAGE_CITIZENS`] citizens a
    /// page: every page read in turn (ms, median of the runs), and how many episodes and pages.
    pub episodes_in_pages_ms: f64,
    pub episodes: usize,
    pub episode_pages: usize,
    /// The first whole worklist after the load, which makes every citizen's row once
    /// (`worklist_summary`); the runs after make only the rows a wave changed.
    pub first_worklist_ms: f64,
    /// A wave of [`WAVE_READINGS`] new readings over `wave_citizens` citizens stored, evaluated
    /// (levels, alarms) and their worklist rows read again (median), and the reference: the same
    /// number of rows inserted raw into the same database (median).
    pub wave_ms: f64,
    pub wave_citizens: usize,
    pub wave_raw_insert_ms: f64,
    /// A citizen's page: a year of trends drawn and the whole timeline (median), and the
    /// reference: the year's rows read and nothing else (median).
    pub page_ms: f64,
    pub page_trend_ms: f64,
    pub page_timeline_ms: f64,
    pub page_rows_ms: f64,
    pub page_readings: usize,
}

pub fn region(citizens: usize, days: u32, runs: usize) -> Result<RegionBench, AppError> {
    let (dir, session) = super::temporary_session()?;
    let actor = Actor("bench".into());
    let end = Timestamp::now();
    let started = Instant::now();
    session.load_demo(
        &actor,
        &CohortSpec {
            seed: 15,
            citizens,
            days,
            end,
        },
    )?;
    let load_seconds = started.elapsed().as_secs_f64();
    let readings = session.store_status()?.readings;
    {
        // Everything in the main file, so its size is what the data takes.
        let mut store = session.store()?;
        store
            .connection()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .map_err(vagt_store::StoreError::from)?;
    }
    let database_bytes = directory_bytes(dir.path())?;

    let started = Instant::now();
    let list = session.worklist(&actor)?;
    let first_worklist_ms = ms(started);
    let wave_citizens: Vec<CitizenId> = list
        .iter()
        .filter(|c| !c.mas_only)
        .step_by((list.len() / 20).max(1))
        .map(|c| c.id.clone())
        .take(WAVE_READINGS.div_ceil(MORNING_SET.len()))
        .collect();
    let page_citizen = list
        .iter()
        .max_by_key(|c| c.latest.len())
        .map(|c| c.id.clone())
        .ok_or_else(|| AppError::invalid("usage", "the bench needs at least one citizen"))?;

    let runs = runs.max(1);
    let mut samples = Samples::default();
    for run in 0..runs {
        let started = Instant::now();
        std::hint::black_box(session.worklist(&actor)?);
        samples.worklist.push(ms(started));
        let started = Instant::now();
        std::hint::black_box(session.worklist(&actor)?);
        samples.worklist_cached.push(ms(started));
        let started = Instant::now();
        let (pages, first_page_ms) = worklist_in_pages(&session, &actor)?;
        samples.worklist_in_pages.push(ms(started));
        samples.worklist_first_page.push(first_page_ms);
        samples.worklist_pages = pages;
        let started = Instant::now();
        let (episodes, pages) = episodes_in_pages(&session, &actor)?;
        samples.episodes_in_pages.push(ms(started));
        (samples.episodes, samples.episode_pages) = (episodes, pages);
        let started = Instant::now();
        std::hint::black_box(super::worklist::latest_by_search(&session)?);
        samples.search.push(ms(started));

        let at = Timestamp::now().plus_millis(-(run as i64) * MILLIS_PER_MINUTE);
        let wave = wave(&wave_citizens, run, at);
        let started = Instant::now();
        {
            let mut store = session.store()?;
            let report = store.ingest(&actor, "bench", wave.clone(), at)?;
            follow_up(
                &mut store,
                Affected::Citizens(report.changed_citizens),
                AlarmsChanged::None,
                at,
                &NoWindow,
            )?;
        }
        std::hint::black_box(session.worklist_rows(&actor, &wave_citizens)?);
        samples.wave.push(ms(started));
        let started = Instant::now();
        raw_insert(&session, &wave, at)?;
        samples.raw.push(ms(started));

        let year = TrendRange::Custom {
            from: end.plus_millis(-365 * MILLIS_PER_DAY),
            to: end,
        };
        let started = Instant::now();
        let trend = session.trend(
            &actor,
            &page_citizen,
            year,
            Language::Da,
            Layout::default(),
            end,
        )?;
        let trend_done = ms(started);
        let timeline = session.timeline(&actor, &page_citizen, &[])?;
        samples.page.push(ms(started));
        samples.trend.push(trend_done);
        samples.timeline.push(ms(started) - trend_done);
        std::hint::black_box((trend.svg.len(), timeline.len()));
        let started = Instant::now();
        samples.page_readings =
            super::trend::read_trend_rows(&session, &actor, &page_citizen, year, end)?;
        samples.rows.push(ms(started));
    }
    Ok(RegionBench {
        citizens: list.len(),
        days,
        readings,
        runs,
        load_seconds,
        load_readings_per_second: readings as f64 / load_seconds.max(1e-9),
        database_bytes,
        bytes_per_million_readings: database_bytes as f64 * 1e6 / (readings.max(1) as f64),
        worklist_ms: median(samples.worklist),
        worklist_cached_ms: median(samples.worklist_cached),
        latest_by_search_ms: median(samples.search),
        worklist_in_pages_ms: median(samples.worklist_in_pages),
        worklist_first_page_ms: median(samples.worklist_first_page),
        worklist_pages: samples.worklist_pages,
        episodes_in_pages_ms: median(samples.episodes_in_pages),
        episodes: samples.episodes,
        episode_pages: samples.episode_pages,
        first_worklist_ms,
        wave_ms: median(samples.wave),
        wave_citizens: wave_citizens.len(),
        wave_raw_insert_ms: median(samples.raw),
        page_ms: median(samples.page),
        page_trend_ms: median(samples.trend),
        page_timeline_ms: median(samples.timeline),
        page_rows_ms: median(samples.rows),
        page_readings: samples.page_readings,
    })
}

#[derive(Default)]
struct Samples {
    worklist: Vec<f64>,
    worklist_cached: Vec<f64>,
    worklist_in_pages: Vec<f64>,
    worklist_first_page: Vec<f64>,
    worklist_pages: usize,
    episodes_in_pages: Vec<f64>,
    episodes: usize,
    episode_pages: usize,
    search: Vec<f64>,
    wave: Vec<f64>,
    raw: Vec<f64>,
    page: Vec<f64>,
    trend: Vec<f64>,
    timeline: Vec<f64>,
    rows: Vec<f64>,
    page_readings: usize,
}

/// [`WAVE_READINGS`] new readings: a morning set for each citizen in turn.
fn wave(citizens: &[CitizenId], run: usize, at: Timestamp) -> Vec<IncomingMeasurement> {
    citizens
        .iter()
        .flat_map(|citizen| {
            MORNING_SET
                .iter()
                .map(move |(parameter, value, unit)| IncomingMeasurement {
                    citizen_id: citizen.clone(),
                    parameter: *parameter,
                    value: *value,
                    unit: (*unit).into(),
                    effective_at: at,
                    source: SourceRef {
                        id: format!("bench|wave-{run}-{citizen}-{}", parameter.code()),
                        version: "1".into(),
                    },
                })
        })
        .take(WAVE_READINGS)
        .collect()
}

/// The reference for the wave: the same number of rows inserted with one prepared statement in
/// one transaction (under other source ids, so they are new rows too).
fn raw_insert(
    session: &Session,
    wave: &[IncomingMeasurement],
    at: Timestamp,
) -> Result<(), AppError> {
    let mut store = session.store()?;
    let tx = store
        .connection()
        .transaction()
        .map_err(vagt_store::StoreError::from)?;
    {
        let mut insert = tx
            .prepare_cached(
                // OR IGNORE, as the store inserts: a plain INSERT may abort, and SQLite keeps
                // a statement journal for every such statement.
                "INSERT OR IGNORE INTO readings (citizen_id, parameter, value, effective_at,
                                                 received_at, source_id, source_version)
                 VALUES (?1, ?2, ?3, ?4, ?4, ?5, '1')",
            )
            .map_err(vagt_store::StoreError::from)?;
        for m in wave {
            insert
                .execute((
                    m.citizen_id.as_str(),
                    m.parameter.code(),
                    m.value,
                    at.millis(),
                    format!("{}-raw", m.source.id),
                ))
                .map_err(vagt_store::StoreError::from)?;
        }
    }
    tx.commit().map_err(vagt_store::StoreError::from)?;
    Ok(())
}

/// Bytes of the files in `dir` (the database, its log and shared memory).
fn directory_bytes(dir: &std::path::Path) -> Result<u64, AppError> {
    let io = |source| AppError::Io {
        doing: "measure the database's size",
        source,
    };
    let mut total = 0;
    for entry in std::fs::read_dir(dir).map_err(io)? {
        total += entry.map_err(io)?.metadata().map_err(io)?.len();
    }
    Ok(total)
}

/// Reads the whole worklist a page at a time, as the window does: how many pages, and how long
/// the first took (ms).
fn worklist_in_pages(session: &Session, actor: &Actor) -> Result<(usize, f64), AppError> {
    let (mut pages, mut first_ms, mut after) = (0, 0.0, None);
    loop {
        let started = Instant::now();
        let page = session.worklist_page(actor, after.as_ref(), WINDOW_PAGE_ROWS)?;
        if pages == 0 {
            first_ms = ms(started);
        }
        pages += 1;
        std::hint::black_box(&page.rows);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok((pages, first_ms)),
        }
    }
}

/// Reads every alarm episode a page of citizens at a time, as the window does: how many
/// episodes, and in how many pages.
fn episodes_in_pages(session: &Session, actor: &Actor) -> Result<(usize, usize), AppError> {
    let (mut episodes, mut pages, mut after) = (0, 0, None);
    loop {
        let page =
            session.alarm_episodes_page(actor, after.as_deref(), WINDOW_EPISODE_PAGE_CITIZENS)?;
        episodes += page.episodes.len();
        pages += 1;
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok((episodes, pages)),
        }
    }
}
