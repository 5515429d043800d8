//! Text for people at a terminal: the benchmarks, each figure beside its reference.

use std::io::{self, Write};
use vagt_app::bench::{IngestBench, WorklistBench};

pub fn ingest_bench_text(w: &mut dyn Write, r: &IngestBench) -> io::Result<()> {
    writeln!(
        w,
        "ingest of {} readings (FHIR JSON pages of 200, encrypted store):",
        r.readings
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
        "  ratio                            {:>10.2}  (target >= 0.50)",
        r.ratio
    )
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
    )
}
