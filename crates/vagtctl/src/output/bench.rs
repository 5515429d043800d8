//! Text for people at a terminal: the benchmarks, each figure beside its reference.

use std::io::{self, Write};
use vagt_app::bench::{
    IngestBench, LatencyBench, LatencyFigures, RegionBench, TargetRow, TargetsBench, Verdict,
    WorklistBench,
};

pub fn ingest_bench_text(w: &mut dyn Write, r: &IngestBench) -> io::Result<()> {
    writeln!(
        w,
        "ingest of {} readings of {} citizens (FHIR JSON pages of {}, {} transactions, encrypted store{}):",
        r.readings,
        r.citizens,
        r.page_size,
        r.transactions,
        if r.bulk_load {
            format!(
                ", a bulk load: the per-citizen index made at the end in {:.1} s",
                r.pipeline_index_seconds
            )
        } else {
            String::new()
        }
    )?;
    writeln!(
        w,
        "  parse + map + normalise + store  {:>10.0} readings/s",
        r.pipeline_readings_per_second
    )?;
    writeln!(
        w,
        "  raw SQLite insert of the rows    {:>10.0} readings/s",
        r.raw_insert_readings_per_second
    )?;
    writeln!(
        w,
        "  ratio                            {:>10.2}  (target >= 0.50): {}",
        r.ratio,
        verdict(r.ratio >= 0.5)
    )?;
    writeln!(
        w,
        "  over the last tenth: pipeline {:.0}/s, raw insert {:.0}/s  (the cost's growth with the database)",
        r.pipeline_last_tenth_readings_per_second, r.raw_insert_last_tenth_readings_per_second
    )?;
    writeln!(
        w,
        "  raw insert, database unencrypted {:>10.0} readings/s  (SQLCipher's cost: {:.0} %)",
        r.unencrypted_insert_readings_per_second,
        (1.0 - r.raw_insert_readings_per_second
            / r.unencrypted_insert_readings_per_second.max(1e-9))
            * 100.0
    )?;
    writeln!(
        w,
        "  30 million readings at the pipeline's rate {:.1} min  (target < 15): {}",
        r.thirty_million_minutes,
        thirty_million_verdict(r.readings, r.thirty_million_minutes, r.bulk_load)
    )
}

fn thirty_million_verdict(readings: usize, minutes: f64, bulk_load: bool) -> String {
    verdict_text(&vagt_app::bench::thirty_million(
        readings, minutes, bulk_load,
    ))
}

/// A verdict as a table says it.
fn verdict_text(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Met => "met".into(),
        Verdict::NotMet(why) if why.is_empty() => "NOT met".into(),
        Verdict::NotMet(why) => format!("NOT met: {why}"),
        Verdict::MetByProjection(why) => format!("met by projection {why}"),
        Verdict::NotShown(why) => format!("not shown: {why}"),
        Verdict::NotMeasured(why) => format!("not measured: {why}"),
        Verdict::Measured => "measured (no limit)".into(),
    }
}

pub fn evaluation_bench_text(
    w: &mut dyn Write,
    r: &vagt_app::bench::EvaluationBench,
) -> io::Result<()> {
    writeln!(
        w,
        "rules after a sync with one new reading, {} citizens, {} readings (median of {} runs):",
        r.citizens, r.readings, r.runs
    )?;
    writeln!(
        w,
        "  the page stored (one reading)               {:>9.1} ms",
        r.pull_ms
    )?;
    writeln!(
        w,
        "  evaluation by change ({} citizen(s) due)     {:>9.1} ms",
        r.by_change_citizens, r.by_change_ms
    )?;
    writeln!(
        w,
        "  every citizen evaluated (reference)         {:>9.1} ms",
        r.full_ms
    )?;
    writeln!(
        w,
        "  ratio (by change / every citizen)           {:>9.4}",
        r.ratio
    )
}

pub fn worklist_bench_text(w: &mut dyn Write, r: &WorklistBench) -> io::Result<()> {
    writeln!(
        w,
        "worklist of {} citizens, {} readings (median of {} runs):",
        r.citizens, r.readings, r.runs
    )?;
    writeln!(
        w,
        "  whole worklist read                         {:>9.1} ms",
        r.full_worklist_ms
    )?;
    writeln!(
        w,
        "  one new reading stored and evaluated        {:>9.1} ms",
        r.new_reading_ms
    )?;
    writeln!(
        w,
        "  window's read after it (row, alarms, status) {:>8.1} ms",
        r.after_one_reading_ms
    )?;
    writeln!(
        w,
        "    that citizen's row {:.1} ms, the open alarms {:.1} ms, the status {:.1} ms",
        r.row_ms, r.open_alarms_ms, r.status_ms
    )?;
    writeln!(
        w,
        "  ratio (after one reading / whole worklist)  {:>9.3}",
        r.ratio
    )?;
    writeln!(
        w,
        "  reference: latest readings searched from every reading {:.1} ms",
        r.latest_by_search_ms
    )?;
    writeln!(
        w,
        "  target: whole worklist under 20 ms at 10,000 citizens ({} here): {}",
        r.citizens,
        verdict(r.full_worklist_ms < 20.0)
    )
}

/// "met" or "NOT met", for a target line.
fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

pub fn region_bench_text(w: &mut dyn Write, r: &RegionBench) -> io::Result<()> {
    writeln!(
        w,
        "region of {} citizens over {} days, {} readings (median of {} runs):",
        r.citizens, r.days, r.readings, r.runs
    )?;
    writeln!(
        w,
        "  load (generate, store, evaluate everyone)  {:>9.1} s   {:>9.0} readings/s",
        r.load_seconds, r.load_readings_per_second
    )?;
    writeln!(
        w,
        "  database                                   {:>9.1} MB  {:>9.1} MB per million readings",
        r.database_bytes as f64 / 1e6,
        r.bytes_per_million_readings / 1e6
    )?;
    writeln!(
        w,
        "  whole worklist                             {:>9.1} ms  reference: its latest readings searched from every reading {:.1} ms",
        r.worklist_ms, r.latest_by_search_ms
    )?;
    writeln!(
        w,
        "  the same read again at once (its pages cached) {:>6.1} ms",
        r.worklist_cached_ms
    )?;
    writeln!(
        w,
        "  as the window reads it, {} pages of {}    {:>9.1} ms  the first page {:.1} ms",
        r.worklist_pages,
        vagt_app::bench::WINDOW_PAGE_ROWS,
        r.worklist_in_pages_ms,
        r.worklist_first_page_ms
    )?;
    writeln!(
        w,
        "  alarm episodes ({}), {} pages of {} citizens {:>6.1} ms",
        r.episodes,
        r.episode_pages,
        vagt_app::bench::WINDOW_EPISODE_PAGE_CITIZENS,
        r.episodes_in_pages_ms
    )?;
    writeln!(
        w,
        "  first whole worklist after the load (makes everyone's row) {:>6.1} ms",
        r.first_worklist_ms
    )?;
    writeln!(
        w,
        "  wave of {} readings ({} citizens) stored, evaluated, rows read {:>6.1} ms  reference: raw insert {:.1} ms",
        vagt_app::bench::WAVE_READINGS,
        r.wave_citizens,
        r.wave_ms,
        r.wave_raw_insert_ms
    )?;
    writeln!(
        w,
        "  citizen page: a year of trends and the timeline {:>6.1} ms (trend {:.1}, timeline {:.1})  reference: the year's {} rows read {:.1} ms",
        r.page_ms, r.page_trend_ms, r.page_timeline_ms, r.page_readings, r.page_rows_ms
    )?;
    let at_region = if r.citizens >= 10_000 {
        ""
    } else {
        " (fewer citizens than a region here)"
    };
    writeln!(w, "targets{at_region}:")?;
    writeln!(
        w,
        "  worklist under 20 ms at 10,000 citizens:        {} after the last run's steps, {} with its pages cached",
        verdict(r.worklist_ms < 20.0),
        verdict(r.worklist_cached_ms < 20.0)
    )?;
    writeln!(
        w,
        "  100 new readings with evaluation under 100 ms:  {}",
        verdict(r.wave_ms < 100.0)
    )?;
    writeln!(
        w,
        "  a year's citizen page under 30 ms:              {}",
        verdict(r.page_ms < 30.0)
    )
}

pub fn alarm_latency_text(w: &mut dyn Write, r: &LatencyBench) -> io::Result<()> {
    writeln!(
        w,
        "a reading posted to the backend -> its alarm at the station (median / p95 / max):"
    )?;
    let line = |w: &mut dyn Write, what: &str, f: &LatencyFigures| {
        writeln!(
            w,
            "  {what:<38} {:>7.0} / {:>7.0} / {:>7.0} ms  ({} of {} alarmed)",
            f.median_ms, f.p95_ms, f.max_ms, f.alarmed, f.posted
        )
    };
    let subscribed = if r.subscriptions_bound {
        "with Subscriptions"
    } else {
        "with Subscriptions (NOT bound: polled)"
    };
    line(w, subscribed, &r.subscribed)?;
    line(
        w,
        &format!("reference: polling every {:.0} s", r.poll_every_s),
        &r.polling,
    )
}

/// The table of every target (`vagtctl bench targets`): a block per target, its figure beside
/// its reference, the verdict; then what falls short, plainly.
pub fn targets_text(w: &mut dyn Write, r: &TargetsBench) -> io::Result<()> {
    writeln!(
        w,
        "issue 15's targets: a region of {} citizens over {} days ({} readings), each figure beside its reference from this run",
        grouped(r.region.citizens as f64),
        r.region.days,
        grouped(r.region.readings as f64)
    )?;
    for row in &r.rows {
        target_row_text(w, row)?;
    }
    if vagt_app::bench::every_target_met(&r.rows) {
        writeln!(w, "every target met")
    } else {
        let short: Vec<&TargetRow> = r
            .rows
            .iter()
            .filter(|row| row.verdict.falls_short())
            .collect();
        writeln!(
            w,
            "{} of {} not met, not shown or not measured:",
            short.len(),
            r.rows.len()
        )?;
        for row in short {
            writeln!(
                w,
                "  {}: {}",
                row.target.stated(),
                verdict_text(&row.verdict)
            )?;
        }
        Ok(())
    }
}

/// A large figure with its thousands grouped (148,178).
fn grouped(value: f64) -> String {
    let digits = format!("{value:.0}");
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn target_row_text(w: &mut dyn Write, row: &TargetRow) -> io::Result<()> {
    let amount = |value: f64, unit: &str| {
        let number = if value >= 10_000.0 {
            grouped(value)
        } else if value >= 100.0 || unit.is_empty() && value >= 10.0 {
            format!("{value:.0}")
        } else if unit.is_empty() {
            format!("{value:.2}")
        } else {
            format!("{value:.1}")
        };
        format!("{number} {unit}").trim_end().to_owned()
    };
    writeln!(w, "  {}", row.target.stated())?;
    match row.figure {
        Some(figure) => writeln!(
            w,
            "      {:<20} {}",
            amount(figure, row.unit),
            verdict_text(&row.verdict)
        )?,
        None => writeln!(w, "      {:<20} {}", "-", verdict_text(&row.verdict))?,
    }
    if let Some(reference) = &row.reference {
        writeln!(
            w,
            "      {:<20} reference: {}",
            amount(reference.value, reference.unit),
            reference.what
        )?;
    }
    if !row.note.is_empty() {
        writeln!(w, "      {:<20} {}", "", row.note)?;
    }
    Ok(())
}
