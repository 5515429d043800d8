//! `vagtctl`: Vagt without a window. Operators, tests and benchmarks use it; every command takes
//! `--json` and prints one JSON document on stdout, with field names that are kept stable
//! (documented in the README). Each command parses its arguments, calls a use case of
//! `vagt-app`, and prints the result or maps the error.

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

mod bench;
mod call;
mod cli;
mod commands;
mod dispatch;
mod handover;
mod output;
mod visit;

// Reading a region (10,000 worklist rows, pages of FHIR JSON) is mostly small allocations;
// mimalloc makes the worklist and the sync about a third faster than the system allocator
// (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What can go wrong in `vagtctl` itself, around the use cases.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    App(#[from] vagt_app::AppError),
    #[error("{0}")]
    Usage(String),
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
}

impl CliError {
    fn code(&self) -> &'static str {
        match self {
            CliError::App(e) => e.code(),
            CliError::Usage(_) => "usage",
            CliError::Output(_) => "output",
        }
    }

    fn is_usage(&self) -> bool {
        match self {
            CliError::App(e) => e.is_usage(),
            CliError::Usage(_) => true,
            CliError::Output(_) => false,
        }
    }

    fn report(&self) -> serde_json::Value {
        match self {
            CliError::App(e) => serde_json::json!({ "error": e.report() }),
            other => serde_json::json!({
                "error": { "code": other.code(), "message": other.to_string() }
            }),
        }
    }
}

fn main() -> ExitCode {
    vagt_app::init_logging();
    let cli = cli::Cli::parse();
    let json = cli.json;
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            if json {
                let _ = writeln!(std::io::stdout(), "{}", error.report());
            }
            // An error may quote the backend (an OperationOutcome): nothing in it may steer the
            // terminal.
            let message = output::terminal_safe(&error.to_string());
            let _ = writeln!(std::io::stderr(), "vagtctl: {message}");
            if error.is_usage() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
