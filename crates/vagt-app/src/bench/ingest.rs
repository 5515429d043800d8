//! Ingest: what parsing, mapping, normalising and the store's checks cost on top of writing the
//! rows. Both sides write the same rows into the same encrypted schema in
//! pages of the sync's size, in one run, so the ratio is meaningful on any machine.

use crate::AppError;
use serde::Serialize;
use std::io;
use std::time::{Duration, Instant};
use vagt_cohort::{CohortSpec, generate};
use vagt_core::{CitizenId, Parameter, Timestamp};
use vagt_store::{DbKey, OpenMode, PullBatch, Store};

const BASE: &str = "http://bench.invalid/fhir";

#[derive(Debug, Clone, Serialize)]
pub struct IngestBench {
    pub readings: usize,
    /// The citizens the readings are spread over, in turn, as a region's arrive: each
    /// citizen's readings go to its own place in the per-citizen index, so the number of
    /// citizens, not only of readings, sets how many index pages each transaction writes.
    pub citizens: usize,
    /// Resources per FHIR page, the sync's (`SyncConfig::page_size`).
    pub page_size: usize,
    /// The transactions the pipeline stored them in (the sync holds its pages for
    /// `SyncConfig::hold_pages_for`); the references commit as often.
    pub transactions: usize,
    /// Whether every side stored them as a bulk load, as a sync of so many does
    /// (`SyncConfig::bulk_load_from`): the readings' per-citizen index dropped first and made
    /// again at the end, that time included in each side's rate.
    pub bulk_load: bool,
    /// The pipeline's end of the bulk load (the index made again), in seconds.
    pub pipeline_index_seconds: f64,
    pub pipeline_readings_per_second: f64,
    pub raw_insert_readings_per_second: f64,
    /// pipeline / raw; the target is at least 0.5.
    pub ratio: f64,
    /// The pipeline's rate over its last tenth of the readings: below the whole run's rate
    /// where each reading costs more as the database grows.
    pub pipeline_last_tenth_readings_per_second: f64,
    /// The raw insert's rate over its last tenth.
    pub raw_insert_last_tenth_readings_per_second: f64,
    /// The same raw insert into the same schema in a database that is not encrypted: what
    /// SQLCipher costs.
    pub unencrypted_insert_readings_per_second: f64,
    /// 30 million readings at the pipeline's rate, in minutes (the target is under 15). A
    /// projection: the rate falls as the database grows past the readings measured. (Not from
    /// the last tenth's rate: with few transactions, the last commit is most of it.)
    pub thirty_million_minutes: f64,
}

fn observation(
    n: usize,
    patient: usize,
    parameter: Parameter,
    value: f64,
    unit: &str,
    at: Timestamp,
) -> serde_json::Value {
    serde_json::json!({
        "resourceType": "Observation",
        "id": format!("o{n}"),
        "meta": { "versionId": "1", "lastUpdated": at.to_rfc3339() },
        "status": "final",
        "code": { "coding": [{ "system": "http://loinc.org", "code": vagt_fhir::loinc_for(parameter) }] },
        "subject": { "reference": format!("Patient/p{patient}") },
        "effectiveDateTime": at.to_rfc3339(),
        "valueQuantity": { "value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit }
    })
}

fn temp_store(dir: &tempfile::TempDir, name: &str) -> Result<Store, AppError> {
    let key = DbKey::from_hex(&"42".repeat(32))
        .ok_or_else(|| AppError::invalid("usage", "bad bench key"))?;
    Ok(Store::open_with_key(
        &dir.path().join(name),
        &key,
        OpenMode::CreateIfMissing,
    )?)
}

/// `bulk_load`: as a sync of so many readings would (`SyncConfig::bulk_load_from`), or never.
pub fn ingest(readings: usize, citizens: usize, bulk_load: bool) -> Result<IngestBench, AppError> {
    let end = Timestamp::now();
    // The sync's page size and transactions, so that both sides pay what a sync pays per
    // transaction.
    let sync = vagt_sync::SyncConfig::default();
    let page = sync.page_size;
    let bulk_load = bulk_load
        && sync
            .bulk_load_from
            .is_some_and(|from| u64::try_from(readings).unwrap_or(u64::MAX) >= from);
    // The values and times of a small cohort's readings, dealt to the region's citizens in
    // turn.
    let cohort = generate(&CohortSpec {
        seed: 1,
        citizens: 50,
        days: 400,
        end,
    });
    let region = generate(&CohortSpec {
        seed: 1,
        citizens: citizens.max(1),
        days: 1,
        end,
    })
    .citizens;
    let citizens: Vec<CitizenId> = region.iter().map(|c| c.id.clone()).collect();
    // Pages of FHIR JSON, as a server sends them, each made when it is needed (30 million
    // readings of pages would be some 14 GB) and the making left out of the time. It still
    // counts toward how long a transaction is held (`HeldPages` commits by time, as a sync's
    // wait for its next page does), so the pipeline commits a little more often than with
    // every page in hand; the reference commits as often, so the ratio holds.
    let mut cycle = cohort
        .measurements
        .iter()
        .filter(|m| vagt_fhir::loinc_for(m.parameter).is_some() && m.effective_at <= end)
        .cycle();
    let mut made = 0;
    let mut next_page = || -> Result<Option<Vec<u8>>, AppError> {
        let mut entries = Vec::with_capacity(page);
        while made < readings && entries.len() < page {
            let Some(m) = cycle.next() else {
                break;
            };
            let patient = made % citizens.len();
            entries.push(serde_json::json!({ "resource": observation(made, patient, m.parameter, m.value, &m.unit, m.effective_at) }));
            made += 1;
        }
        if entries.is_empty() {
            return Ok(None);
        }
        let bundle =
            serde_json::json!({ "resourceType": "Bundle", "type": "searchset", "entry": entries });
        serde_json::to_vec(&bundle)
            .map(Some)
            .map_err(|e| AppError::Io {
                doing: "write a bench page",
                source: io::Error::other(e),
            })
    };

    let dir = tempfile::tempdir().map_err(|source| AppError::Io {
        doing: "make a temporary directory",
        source,
    })?;
    let mut pipeline = temp_store(&dir, "pipeline.db")?;
    let mut raw = temp_store(&dir, "raw.db")?;
    let mut plain = Store::open_unencrypted_for_comparison(&dir.path().join("plain.db"))?;
    for store in [&mut pipeline, &mut raw, &mut plain] {
        let batch = PullBatch {
            citizens: region
                .iter()
                .enumerate()
                .map(|(i, citizen)| vagt_store::SourcedCitizen {
                    source_id: format!("{BASE}|Patient/p{i}"),
                    source_version: "1".into(),
                    citizen: citizen.clone(),
                    mas_only: false,
                })
                .collect(),
            ..PullBatch::default()
        };
        store.apply_pull(BASE, "Patient", batch, None, end)?;
    }
    let citizen_for = |reference: &str| -> Option<CitizenId> {
        let index: usize = reference.strip_prefix("Patient/p")?.parse().ok()?;
        citizens.get(index).cloned()
    };

    // The pipeline: parse, map, normalise, check, store; the pages held in a transaction for
    // as long as the sync holds them.
    let mut rows = Vec::with_capacity(readings);
    // The rows of each transaction, for the reference to commit as often.
    let mut transactions: Vec<usize> = Vec::new();
    let mut held = vagt_sync::HeldPages::new(sync.hold_pages_for);
    // The first reading of the last tenth (at least one reading).
    let last_tenth_from = readings - readings.div_ceil(10);
    let mut pipeline_last_tenth: Option<(Instant, usize)> = None;
    // The time spent making pages, and how much of it was before the last tenth.
    let (mut making, mut making_before_last_tenth) = (Duration::ZERO, Duration::ZERO);
    let started = Instant::now();
    if bulk_load {
        pipeline.begin_bulk_load(BASE, end)?;
    }
    for n in 0.. {
        let making_started = Instant::now();
        let Some(page) = next_page()? else {
            break;
        };
        making += making_started.elapsed();
        // From the page that holds the first reading of the last tenth.
        if pipeline_last_tenth.is_none() && (n + 1) * sync.page_size > last_tenth_from {
            pipeline_last_tenth = Some((Instant::now(), rows.len()));
            making_before_last_tenth = making;
        }
        // Read as the sync reads a page (`vagt_sync`'s pull).
        let read = vagt_fhir::read_page(&page, "Observation")
            .map_err(|e| AppError::invalid("usage", e.to_string()))?;
        let mut batch = PullBatch::default();
        for resource in &read.resources {
            if let Ok(vagt_fhir::ObservationUpdate::Measurements(m)) =
                resource.map_observation(BASE, &citizen_for)
            {
                batch.measurements.extend(m);
            }
        }
        let before = rows.len();
        rows.extend(batch.measurements.iter().filter_map(|m| {
            let value = vagt_core::units::to_canonical(m.parameter, m.value, &m.unit).ok()?;
            Some((
                m.citizen_id.clone(),
                m.parameter,
                value,
                m.effective_at,
                m.source.id.clone(),
            ))
        }));
        held.hold(&mut pipeline)?;
        pipeline.apply_pull(BASE, "Observation", batch, Some(&end.to_rfc3339()), end)?;
        held.stored(rows.len() - before);
        if held.due() {
            held.commit(&mut pipeline)?;
            transactions.push(held.take_committed().iter().sum());
        }
    }
    held.commit(&mut pipeline)?;
    transactions.push(held.take_committed().iter().sum());
    transactions.retain(|&rows| rows > 0);
    // The last tenth's rate is the per-reading cost's growth: the index made at the end is
    // counted in the whole run's rate, not in it.
    let pipeline_last_tenth = rate_since(
        pipeline_last_tenth,
        rows.len(),
        making - making_before_last_tenth,
    );
    let index_started = Instant::now();
    pipeline.end_bulk_load(end)?;
    let pipeline_index_seconds = index_started.elapsed().as_secs_f64();
    let pipeline_seconds = started.elapsed().saturating_sub(making).as_secs_f64();
    let stored = pipeline.status()?.readings as usize;

    // The floor: the same rows, already in hand, inserted with one prepared statement, in
    // transactions of the pipeline's sizes.
    let insert_raw = |raw: &mut Store| -> Result<f64, vagt_store::StoreError> {
        let mut rest = rows.as_slice();
        // Of the rows, which may be fewer than the readings (those the pipeline rejected).
        let last_tenth_from = rows.len() - rows.len().div_ceil(10);
        let mut last_tenth: Option<(Instant, usize)> = None;
        if bulk_load {
            raw.begin_bulk_load(BASE, end)?;
        }
        for &size in &transactions {
            let first = rows.len() - rest.len();
            let (chunk, after) = rest.split_at(size.min(rest.len()));
            rest = after;
            let tx = raw.connection().transaction()?;
            {
                // OR IGNORE, as the store inserts: a plain INSERT may abort, and SQLite keeps
                // a statement journal for every such statement.
                let mut insert = tx.prepare_cached(
                    "INSERT OR IGNORE INTO readings (citizen_id, parameter, value, effective_at, received_at, source_id, source_version)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, '1')",
                )?;
                for (n, (citizen, parameter, value, at, source)) in chunk.iter().enumerate() {
                    if last_tenth.is_none() && first + n >= last_tenth_from {
                        last_tenth = Some((Instant::now(), first + n));
                    }
                    insert.execute((
                        citizen.as_str(),
                        parameter.code(),
                        value,
                        at.millis(),
                        end.millis(),
                        source,
                    ))?;
                }
            }
            tx.commit()?;
        }
        let last_tenth = rate_since(last_tenth, rows.len(), Duration::ZERO);
        raw.end_bulk_load(end)?;
        Ok(last_tenth)
    };
    let started = Instant::now();
    let raw_last_tenth = insert_raw(&mut raw)?;
    let raw_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    insert_raw(&mut plain)?;
    let plain_seconds = started.elapsed().as_secs_f64();

    let pipeline_rate = stored as f64 / pipeline_seconds.max(1e-9);
    let raw_rate = rows.len() as f64 / raw_seconds.max(1e-9);
    Ok(IngestBench {
        readings: stored,
        citizens: citizens.len(),
        page_size: page,
        transactions: transactions.len(),
        bulk_load,
        pipeline_index_seconds,
        pipeline_readings_per_second: pipeline_rate,
        raw_insert_readings_per_second: raw_rate,
        ratio: pipeline_rate / raw_rate.max(1e-9),
        pipeline_last_tenth_readings_per_second: pipeline_last_tenth,
        raw_insert_last_tenth_readings_per_second: raw_last_tenth,
        unencrypted_insert_readings_per_second: rows.len() as f64 / plain_seconds.max(1e-9),
        thirty_million_minutes: 30e6 / pipeline_rate.max(1e-9) / 60.0,
    })
}

/// Readings per second from `since` (an instant and the readings done by then) until now,
/// when `total` are done, `not_counted` of the time left out; 0 when the last tenth was never
/// reached (nothing was stored).
fn rate_since(since: Option<(Instant, usize)>, total: usize, not_counted: Duration) -> f64 {
    since.map_or(0.0, |(at, done)| {
        let seconds = at.elapsed().saturating_sub(not_counted).as_secs_f64();
        (total - done.min(total)) as f64 / seconds.max(1e-9)
    })
}
