//! `vagtctl bench`: each benchmark parsed, run through `vagt_app::bench`, and printed.

use crate::CliError;
use crate::cli::BenchWhat;
use crate::output::{self, Output};

pub(crate) fn bench(out: &Output, what: &BenchWhat) -> Result<(), CliError> {
    match *what {
        BenchWhat::Ingest {
            readings,
            citizens,
            no_bulk_load,
        } => {
            let report = vagt_app::bench::ingest(readings, citizens, !no_bulk_load)?;
            out.print(&report, |w| output::ingest_bench_text(w, &report))
        }
        BenchWhat::Worklist {
            citizens,
            days,
            runs,
        } => {
            let report = vagt_app::bench::worklist(citizens, days, runs)?;
            out.print(&report, |w| output::worklist_bench_text(w, &report))
        }
        BenchWhat::Region {
            citizens,
            days,
            runs,
        } => {
            let report = vagt_app::bench::region(citizens, days, runs)?;
            out.print(&report, |w| output::region_bench_text(w, &report))
        }
        BenchWhat::Evaluation {
            citizens,
            days,
            runs,
        } => {
            let report = vagt_app::bench::evaluation(citizens, days, runs)?;
            out.print(&report, |w| output::evaluation_bench_text(w, &report))
        }
        BenchWhat::AlarmLatency {
            ref backend,
            runs,
            reference_runs,
            interval,
        } => {
            let report = vagt_app::bench::reading_to_alarm(
                backend,
                runs,
                reference_runs,
                std::time::Duration::from_secs(interval.max(1)),
            )?;
            out.print(&report, |w| output::alarm_latency_text(w, &report))
        }
        BenchWhat::Targets {
            citizens,
            days,
            runs,
            ingest_readings,
            ref backend,
            latency_runs,
            ref app,
        } => {
            let app = app
                .iter()
                .map(|path| app_figures(path))
                .collect::<Result<_, _>>()?;
            let report = vagt_app::bench::targets(&vagt_app::bench::TargetsPlan {
                citizens,
                days,
                runs,
                ingest_readings,
                backend: backend.clone(),
                latency_runs,
                app,
            })?;
            out.print(&report, |w| output::targets_text(w, &report))
        }
    }
}

/// The app's figures from the JSON `scripts/measure-scale.sh` printed.
fn app_figures(path: &std::path::Path) -> Result<vagt_app::bench::AppFigures, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::Usage(format!(
            "cannot read the app's figures {}: {e}",
            path.display()
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        CliError::Usage(format!(
            "{} is not the JSON scripts/measure-scale.sh prints: {e}",
            path.display()
        ))
    })
}
