//! `vagt-sim`: run the simulated telemedicine backend for a demo or a script.
//!
//! Prints one line, `vagt-sim listening on http://127.0.0.1:PORT/fhir`, once it serves
//! (`https://` with `--tls-cert` and `--tls-key`).

use clap::Parser;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use vagt_sim::{FaultProfile, ListenConfig, SimConfig, TlsFiles};

// Serving pages is mostly small allocations, as reading them is: the system allocator's own
// work was a fifth of the backend's time in a first sync of 373,000 resources.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    version,
    about = "A simulated FHIR R4 telemedicine backend serving a synthetic cohort"
)]
struct Args {
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long)]
    port: u16,
    /// Cohort seed.
    #[arg(long, default_value_t = vagt_cohort::CohortSpec::DEFAULT_SEED)]
    seed: u64,
    #[arg(long, default_value_t = vagt_cohort::CohortSpec::DEFAULT_CITIZENS)]
    citizens: usize,
    /// Days of history.
    #[arg(long, default_value_t = vagt_cohort::CohortSpec::DEFAULT_DAYS)]
    days: u32,
    /// none, slow, flaky, duplicates, late, timeout, hostile, no-next-links, foreign-next,
    /// self-next, huge-body, endless-body, future-stamp, poison-entry, not-a-bundle, busy,
    /// busy-until, escape-names or unpageable.
    #[arg(long, default_value = "none")]
    faults: String,
    /// Seed of the fault draws.
    #[arg(long, default_value_t = 1)]
    fault_seed: u64,
    /// Require `Authorization: Bearer TOKEN` (also read from VAGT_SIM_TOKEN).
    #[arg(long, env = "VAGT_SIM_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Add readings, forms, corrections and now and then a citizen every second.
    #[arg(long)]
    live: bool,
    /// How much each live second does (1.0: about two readings).
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// Serve HTTPS with this certificate chain (PEM, leaf first); needs --tls-key.
    #[arg(long, value_name = "PATH", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "PATH", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
enum MainError {
    #[error(transparent)]
    Sim(#[from] vagt_sim::SimError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot write to stdout: {0}")]
    Stdout(std::io::Error),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match run(args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vagt-sim: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), MainError> {
    let faults = FaultProfile::named(&args.faults)?;
    let read = |path: &PathBuf| {
        std::fs::read(path).map_err(|source| MainError::Read {
            path: path.clone(),
            source,
        })
    };
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles {
            cert_pem: read(cert)?,
            key_pem: read(key)?,
        }),
        // clap requires both or neither.
        _ => None,
    };
    let config = SimConfig {
        seed: args.seed,
        citizens: args.citizens,
        days: args.days,
        token: args.token,
        faults,
        fault_seed: args.fault_seed,
        ..SimConfig::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(MainError::Runtime)?;
    runtime.block_on(async move {
        let addr = SocketAddr::from(([127, 0, 0, 1], args.port));
        let mut sim = vagt_sim::spawn_with(config, ListenConfig { addr, tls }).await?;
        if args.live {
            sim.start_live(args.speed);
        }
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "vagt-sim listening on {}", sim.base_url).map_err(MainError::Stdout)?;
        stdout.flush().map_err(MainError::Stdout)?;
        drop(stdout);
        let ended = tokio::select! {
            result = sim.wait() => Some(result),
            _ = tokio::signal::ctrl_c() => None,
        };
        match ended {
            Some(result) => result?,
            None => {
                tracing::info!("interrupted; stopping");
                sim.shutdown().await;
            }
        }
        Ok(())
    })
}
