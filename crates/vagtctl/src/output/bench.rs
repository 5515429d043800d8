//! Text for people at a terminal: the benchmarks, each figure beside its reference.

use std::io::{self, Write};
use vagt_app::bench::{IngestBench, LatencyBench, LatencyFigures, RegionBench, WorklistBench};

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

/// A projection from fewer readings stored one by one shows nothing when it is under the
/// target: their rate falls as the database grows (docs/performance.md), so only one over it
/// is a verdict. A bulk load's rate holds as the database grows: its projection is one, and
/// says that it is.
fn thirty_million_verdict(readings: usize, minutes: f64, bulk_load: bool) -> String {
    if minutes >= 15.0 {
        "NOT met".into()
    } else if readings >= 30_000_000 {
        "met".into()
    } else if bulk_load {
        format!(
            "met by projection from {readings} readings (a bulk load's rate holds as the database grows: measured from 6 to 30 million by scripts/measure-sync.sh, docs/performance.md)"
        )
    } else {
        format!(
            "not shown: projected from {readings} readings, and the rate falls as the database grows"
        )
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

#[cfg(test)]
mod tests {
    use super::thirty_million_verdict;

    #[test]
    fn only_a_projection_over_the_target_is_a_verdict() {
        assert_eq!(thirty_million_verdict(100_000, 20.0, false), "NOT met");
        assert_eq!(thirty_million_verdict(100_000, 20.0, true), "NOT met");
        assert!(thirty_million_verdict(100_000, 8.0, false).starts_with("not shown"));
        assert!(thirty_million_verdict(6_000_000, 8.0, true).starts_with("met by projection"));
        assert_eq!(thirty_million_verdict(30_000_000, 14.0, false), "met");
    }
}
