//! `vagtctl`: Vagt without a window. Operators, tests and benchmarks use it; every command takes
//! `--json` and prints one JSON document on stdout, with field names that are kept stable
//! (documented in the README).

use clap::{Parser, Subcommand};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use vagt_cohort::CohortSpec;
use vagt_core::alarm::{Audience, EscalationRule};
use vagt_core::care::AlarmPriority;
use vagt_core::plan::DocumentFormat;
use vagt_core::{CitizenId, EcmLevel, Parameter, Timestamp};
use vagt_secrets::{OsKeyring, SecretStore};
use vagt_store::{Actor, KeySource, OpenMode, Store, StoreError};
use zeroize::Zeroizing;

mod bench;
mod output;

#[derive(Debug, Parser)]
#[command(
    name = "vagtctl",
    version,
    about = "Vagt, the NærKlinikken nurse station, headless"
)]
struct Cli {
    /// The database file [default: the platform data directory, e.g. ~/.local/share/vagt/vagt.db]
    #[arg(long, global = true, env = "VAGT_DB")]
    db: Option<PathBuf>,
    /// Print one JSON document on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Who is acting, for the audit log [default: the OS user].
    #[arg(long = "as", global = true, env = "VAGT_USER", value_name = "USER")]
    actor: Option<String>,
    /// Use this passphrase as the database key instead of the OS keyring. Only for throwaway
    /// demo databases: a passphrase on a command line is not a secret.
    #[arg(
        long,
        global = true,
        env = "VAGT_THROWAWAY_KEY",
        value_name = "PASSPHRASE",
        hide_env_values = true
    )]
    throwaway_key: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the encrypted database (and its key in the OS keyring).
    Init,
    /// Fill the database with the synthetic demo cohort.
    Demo {
        #[arg(long, default_value_t = CohortSpec::DEFAULT_SEED)]
        seed: u64,
        #[arg(long, default_value_t = CohortSpec::DEFAULT_CITIZENS)]
        citizens: usize,
        #[arg(long, default_value_t = CohortSpec::DEFAULT_DAYS)]
        days: u32,
        /// The cohort's "now" (RFC 3339) [default: the current time]
        #[arg(long)]
        end: Option<String>,
    },
    /// The citizens, each with their latest readings.
    Citizens,
    /// One citizen's readings, oldest first.
    Readings {
        citizen: String,
        /// Only this parameter (spo2, pulse, fev1, ...).
        #[arg(long)]
        parameter: Option<String>,
        /// Only readings at or after this instant (RFC 3339).
        #[arg(long)]
        since: Option<String>,
    },
    /// NEWS2 of a citizen's newest full set of home vitals (respiratory rate, SpO2, systolic
    /// pressure, pulse, temperature within an hour) of the last 7 days. Consciousness and oxygen
    /// are not measured at home, so it is a floor: NEWS2 at least the total shown.
    News2 { citizen: String },
    /// Counts of citizens, readings, rejected inputs and outbox, and the last sync.
    Status,
    /// Inputs that were not accepted, with their reasons and raw payloads.
    Rejected {
        /// Include those already decided.
        #[arg(long)]
        all: bool,
    },
    /// The telemedicine backend: its URL (kept in the database) and token (kept in the OS keyring).
    Backend {
        #[command(subcommand)]
        action: BackendAction,
    },
    /// Sync with the backend: pull new and changed resources, push the outbox.
    Sync {
        /// One run, then exit (non-zero if it failed). Without it, run every --interval seconds.
        #[arg(long)]
        once: bool,
        /// The backend's FHIR base URL [default: the one set with `vagtctl backend set`]
        #[arg(long)]
        backend: Option<String>,
        #[arg(long, default_value_t = 30)]
        interval: u64,
    },
    /// Measure throughput; figures are ratios within one run, not absolute promises.
    Bench {
        #[command(subcommand)]
        what: BenchWhat,
    },
    /// Alarms, open ones first, highest and newest first.
    Alarms {
        /// Only those not yet acknowledged.
        #[arg(long)]
        open: bool,
    },
    /// Acknowledge an alarm as the nurse named by --as; the acknowledgement reaches the other
    /// stations through the backend.
    Ack {
        alarm: String,
        #[arg(long)]
        comment: Option<String>,
    },
    /// Quiet an open alarm for yourself (--as) for some minutes; it still shows, and still
    /// sounds for every other nurse. A high alarm's snooze ends at its first escalation.
    Snooze {
        alarm: String,
        #[arg(long, default_value_t = 10)]
        minutes: i64,
    },
    /// When unacknowledged alarms are re-notified, louder, to all stations.
    Escalation {
        #[command(subcommand)]
        action: EscalationAction,
    },
    /// Evaluate every citizen now: suggested ECM levels and the alarms they require.
    Evaluate,
    /// A citizen's ECM level.
    Level {
        #[command(subcommand)]
        action: LevelAction,
    },
    /// A citizen's triage plan: limits, relative rules and measuring schedule.
    Plan {
        #[command(subcommand)]
        action: PlanAction,
    },
    /// The audit log, newest first.
    Audit {
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Recompute the hash chain and report where it breaks.
        #[arg(long)]
        verify: bool,
    },
}

#[derive(Debug, Subcommand)]
enum BenchWhat {
    /// FHIR Observations parsed, mapped, normalised and stored, against a raw SQLite insert of
    /// the same rows into the same (encrypted) schema. Uses temporary databases, not --db.
    Ingest {
        #[arg(long, default_value_t = 100_000)]
        readings: usize,
    },
}

#[derive(Debug, Subcommand)]
enum EscalationAction {
    /// The policy in force, per priority.
    Show,
    /// Set the rule of one priority.
    Set {
        /// high, medium, low or info.
        priority: String,
        /// Minutes from the alarm to its first re-notification.
        #[arg(long)]
        after: Option<i64>,
        /// Minutes between later re-notifications (without it: only one).
        #[arg(long)]
        repeat: Option<i64>,
        /// Re-notifications at most.
        #[arg(long, default_value_t = 1)]
        steps: u32,
        /// This priority never escalates.
        #[arg(long, conflicts_with_all = ["after", "repeat"])]
        off: bool,
    },
}

#[derive(Debug, Subcommand)]
enum LevelAction {
    /// The suggested and confirmed levels.
    Show { citizen: String },
    /// Set the confirmed level (1-6) as the nurse named by --as, with a reason.
    Set {
        citizen: String,
        level: i64,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
enum PlanAction {
    /// The plan in force (defaults of the citizen's diagnoses with their overrides).
    Show { citizen: String },
    /// The citizen's overrides alone, as a document to edit and import again.
    Export { citizen: String },
    /// Replace the citizen's overrides with a TOML or JSON document (by its extension; `-` reads
    /// TOML from standard input). Checked before it is kept; who and why are recorded.
    Import {
        citizen: String,
        file: PathBuf,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
enum BackendAction {
    /// Set the backend URL; asks for its bearer token on the terminal (or reads one line from
    /// standard input) and stores it in the OS keyring.
    Set {
        url: String,
        /// The backend needs no token.
        #[arg(long)]
        no_token: bool,
    },
    /// Show the configured backend and whether a token is stored (never the token).
    Show,
}

#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Sync(#[from] vagt_sync::SyncError),
    #[error(transparent)]
    Secrets(#[from] vagt_secrets::SecretsError),
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
}

impl CliError {
    fn code(&self) -> &'static str {
        match self {
            CliError::Store(e) => e.code(),
            CliError::Usage(_) => "usage",
            CliError::Sync(e) => e.code(),
            CliError::Secrets(vagt_secrets::SecretsError::Unavailable { .. }) => {
                "keyring_unavailable"
            }
            CliError::Secrets(_) => "keyring_refused",
            CliError::Output(_) => "output",
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("VAGT_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            if json {
                let doc = serde_json::json!({ "error": { "code": error.code(), "message": error.to_string() } });
                let _ = writeln!(std::io::stdout(), "{doc}");
            }
            let _ = writeln!(std::io::stderr(), "vagtctl: {error}");
            match error {
                CliError::Usage(_) => ExitCode::from(2),
                _ => ExitCode::FAILURE,
            }
        }
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    let db = match cli.db.clone().or_else(vagt_store::default_database_path) {
        Some(db) => db,
        None => {
            return Err(CliError::Usage(
                "no --db given and no data directory known; pass --db PATH".into(),
            ));
        }
    };
    let actor = Actor(
        cli.actor
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "operator".into()),
    );
    let keyring = OsKeyring::default();
    let keys = KeySource::choose(cli.throwaway_key.clone().map(Zeroizing::new), &keyring);
    if let Command::Bench {
        what: BenchWhat::Ingest { readings },
    } = cli.command
    {
        let report = bench::ingest(readings)?;
        let out = output::Output { json: cli.json };
        return out.print(&report, |w| bench::print(w, &report));
    }
    let mode = match cli.command {
        Command::Init | Command::Demo { .. } => OpenMode::CreateIfMissing,
        _ => OpenMode::Existing,
    };
    let mut store = Store::open(&db, &keys, mode)?;
    let out = output::Output { json: cli.json };
    match cli.command {
        Command::Init => {
            let status = store.status()?;
            out.print(&status, |w| {
                writeln!(
                    w,
                    "database ready at {} (schema version {})",
                    status.db_path, status.schema_version
                )
            })
        }
        Command::Demo {
            seed,
            citizens,
            days,
            end,
        } => {
            let end = match end {
                Some(text) => parse_time(&text)?,
                None => Timestamp::now(),
            };
            let spec = CohortSpec {
                seed,
                citizens,
                days,
                end,
            };
            let report = store.load_demo(&actor, &spec)?;
            out.print(&report, |w| {
                writeln!(
                    w,
                    "demo cohort (seed {}): {} citizens, {} readings stored, {} already there, {} rejected and kept for review",
                    report.seed, report.citizens, report.accepted, report.duplicates, report.rejected
                )
            })
        }
        Command::Citizens => {
            let list = store.citizen_summaries(&actor)?;
            out.print(&list, |w| {
                output::citizens_table(w, &list, Timestamp::now())
            })
        }
        Command::Readings {
            citizen,
            parameter,
            since,
        } => {
            let citizen = CitizenId::new(citizen).map_err(|e| CliError::Usage(e.to_string()))?;
            let parameter = parameter
                .map(|p| p.parse::<Parameter>())
                .transpose()
                .map_err(|e| CliError::Usage(e.to_string()))?;
            let since = since.map(|s| parse_time(&s)).transpose()?;
            let list = store.readings(&actor, &citizen, parameter, since)?;
            out.print(&list, |w| output::readings_table(w, &list))
        }
        Command::News2 { citizen } => {
            let citizen = CitizenId::new(citizen).map_err(|e| CliError::Usage(e.to_string()))?;
            let now = Timestamp::now();
            let news2 = store.news2(&actor, &citizen, now)?;
            let shown = serde_json::json!({ "citizen_id": citizen.as_str(), "news2": news2 });
            out.print(&shown, |w| {
                output::news2_text(w, citizen.as_str(), news2.as_ref(), now)
            })
        }
        Command::Status => {
            let status = store.status()?;
            out.print(&status, |w| output::status_text(w, &status))
        }
        Command::Alarms { open } => {
            let list = store.alarms(open, &actor, Timestamp::now())?;
            out.print(&list, |w| output::alarms_table(w, &list, Timestamp::now()))
        }
        Command::Ack { alarm, comment } => {
            let outcome =
                store.acknowledge_alarm(&alarm, &actor, comment.as_deref(), Timestamp::now())?;
            out.print(&outcome, |w| match &outcome {
                vagt_store::AckOutcome::Acknowledged { alarm_id } => {
                    writeln!(w, "alarm {alarm_id} acknowledged by {}", actor.0)
                }
                vagt_store::AckOutcome::AlreadyAcknowledged { alarm_id, by, at } => writeln!(
                    w,
                    "alarm {alarm_id} was already acknowledged by {by} at {}",
                    at.to_rfc3339()
                ),
                vagt_store::AckOutcome::Waiting { alarm_id } => {
                    writeln!(w, "alarm {alarm_id} is not raised here yet")
                }
            })
        }
        Command::Snooze { alarm, minutes } => {
            let snoozed = store.snooze_alarm(&alarm, &actor, minutes, Timestamp::now())?;
            out.print(&snoozed, |w| {
                writeln!(
                    w,
                    "alarm {} quiet for {} until {}",
                    snoozed.alarm_id,
                    snoozed.nurse,
                    snoozed.silenced_until.to_rfc3339()
                )
            })
        }
        Command::Escalation {
            action: EscalationAction::Show,
        } => {
            let policy = store.escalation_policy()?;
            out.print(&policy, |w| output::escalation_text(w, &policy))
        }
        Command::Escalation {
            action:
                EscalationAction::Set {
                    priority,
                    after,
                    repeat,
                    steps,
                    off,
                },
        } => {
            let mut policy = store.escalation_policy()?;
            let rule = if off {
                None
            } else {
                let after = after
                    .ok_or_else(|| CliError::Usage("give --after MINUTES, or --off".into()))?;
                Some(EscalationRule {
                    after_ms: after.saturating_mul(60_000),
                    repeat_ms: repeat.map(|r| r.saturating_mul(60_000)),
                    max_steps: steps,
                    audience: Audience::AllStations,
                })
            };
            let priority = priority.parse::<AlarmPriority>().map_err(|_| {
                CliError::Usage(format!(
                    "priority {priority:?} is not one of high, medium, low, info"
                ))
            })?;
            *policy.rule_mut(priority) = rule;
            store.set_escalation_policy(&policy, &actor)?;
            out.print(&policy, |w| output::escalation_text(w, &policy))
        }
        Command::Evaluate => {
            let report = store.evaluate_alarms(Timestamp::now())?;
            out.print(&report, |w| {
                writeln!(
                    w,
                    "{} citizens evaluated: {} level changes, {} alarms raised, {} cleared",
                    report.citizens,
                    report.level_changes,
                    report.raised.len(),
                    report.cleared
                )
            })
        }
        Command::Level {
            action: LevelAction::Show { citizen },
        } => {
            let levels = serde_json::json!({
                "citizen_id": citizen,
                "suggested": store.latest_level(&citizen, "suggested")?,
                "confirmed": store.latest_level(&citizen, "confirmed")?,
            });
            out.print(&levels, |w| {
                writeln!(
                    w,
                    "{citizen}: suggested {}, confirmed {}",
                    levels["suggested"], levels["confirmed"]
                )
            })
        }
        Command::Level {
            action:
                LevelAction::Set {
                    citizen,
                    level,
                    reason,
                },
        } => {
            let level = EcmLevel::new(level).map_err(|e| CliError::Usage(e.to_string()))?;
            let key = store.confirm_level(&citizen, level, &actor, &reason, Timestamp::now())?;
            let evaluation = store.evaluate_alarms(Timestamp::now())?;
            let done = serde_json::json!({
                "citizen_id": citizen, "confirmed": level, "decision_key": key,
                "alarms_raised": evaluation.raised,
            });
            out.print(&done, |w| {
                writeln!(w, "{citizen} confirmed at {level} by {}", actor.0)
            })
        }
        Command::Plan {
            action: PlanAction::Show { citizen },
        } => {
            let plan = store.plan(&citizen, &actor)?;
            out.print(&plan, |w| w.write_all(plan.resolved.as_bytes()))
        }
        Command::Plan {
            action: PlanAction::Export { citizen },
        } => {
            let plan = store.plan(&citizen, &actor)?;
            out.print(&plan, |w| w.write_all(plan.overrides.as_bytes()))
        }
        Command::Plan {
            action:
                PlanAction::Import {
                    citizen,
                    file,
                    reason,
                },
        } => {
            let (text, format) = read_plan_file(&file)?;
            let revision = store.set_plan(&citizen, &text, format, &actor, &reason)?;
            let evaluation = store.evaluate_alarms(Timestamp::now())?;
            let done = serde_json::json!({
                "citizen_id": citizen, "revision": revision, "alarms_raised": evaluation.raised,
            });
            out.print(&done, |w| {
                writeln!(w, "plan for {citizen} is now revision {revision}")
            })
        }
        Command::Rejected { all } => {
            let list = store.rejected(&actor, !all)?;
            out.print(&list, |w| output::rejected_table(w, &list))
        }
        Command::Backend {
            action: BackendAction::Set { url, no_token },
        } => {
            let url = url.trim_end_matches('/').to_owned();
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(CliError::Usage(format!("{url:?} is not an http(s) URL")));
            }
            if no_token {
                // No keyring means no token stored either: nothing to remove.
                match keyring.delete(&vagt_secrets::backend_token_account(&url)) {
                    Ok(_) | Err(vagt_secrets::SecretsError::Unavailable { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            } else {
                let token = Zeroizing::new(read_secret(&format!("Bearer token for {url}: "))?);
                if token.trim().is_empty() {
                    return Err(CliError::Usage(
                        "an empty token; pass --no-token if the backend needs none".into(),
                    ));
                }
                keyring.set(&vagt_secrets::backend_token_account(&url), token.trim())?;
            }
            store.set_setting(&actor, vagt_store::BACKEND_URL_SETTING, &url)?;
            let shown = serde_json::json!({ "backend": url, "token_stored": !no_token });
            out.print(&shown, |w| {
                writeln!(
                    w,
                    "backend set to {url}{}",
                    if no_token {
                        " (no token)"
                    } else {
                        "; token stored in the OS keyring"
                    }
                )
            })
        }
        Command::Backend {
            action: BackendAction::Show,
        } => {
            let url = store.setting(vagt_store::BACKEND_URL_SETTING)?;
            let token_stored = match &url {
                Some(u) => keyring
                    .get(&vagt_secrets::backend_token_account(u))?
                    .is_some(),
                None => false,
            };
            let shown = serde_json::json!({ "backend": url, "token_stored": token_stored });
            out.print(&shown, |w| match &url {
                Some(u) => writeln!(
                    w,
                    "backend {u}, token {}",
                    if token_stored { "stored" } else { "not stored" }
                ),
                None => writeln!(w, "no backend set; use `vagtctl backend set URL`"),
            })
        }
        Command::Sync {
            once,
            backend,
            interval,
        } => {
            let url = match backend.or(store.setting(vagt_store::BACKEND_URL_SETTING)?) {
                Some(url) => url,
                None => {
                    return Err(CliError::Usage(
                        "no backend: pass --backend URL or run `vagtctl backend set URL`".into(),
                    ));
                }
            };
            // A backend without a token is fine (the demo); a keyring that cannot be read is
            // then no obstacle either.
            let token = match keyring.get(&vagt_secrets::backend_token_account(&url)) {
                Ok(token) => token,
                Err(vagt_secrets::SecretsError::Unavailable { .. }) => None,
                Err(e) => return Err(e.into()),
            };
            let client =
                vagt_sync::FhirClient::new(&url, token, vagt_sync::RetryPolicy::default())?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(CliError::Output)?;
            let config = vagt_sync::SyncConfig::default();
            loop {
                let mut show_progress = |p: &vagt_sync::Progress| output::progress_line(p);
                let result = runtime.block_on(vagt_sync::sync_once(
                    &mut store,
                    &client,
                    &config,
                    &mut show_progress,
                ));
                match result {
                    Ok(report) => out.print(&report, |w| output::sync_report(w, &report))?,
                    Err(e) if !once => {
                        let _ = writeln!(std::io::stderr(), "vagtctl: sync failed: {e}");
                    }
                    Err(e) => return Err(e.into()),
                }
                if once {
                    return Ok(());
                }
                std::thread::sleep(std::time::Duration::from_secs(interval.max(1)));
            }
        }
        // Handled above, before a database is opened: it uses temporary ones.
        Command::Bench { .. } => Ok(()),
        Command::Audit { limit, verify } => {
            #[derive(Serialize)]
            struct AuditReport {
                entries: Vec<vagt_store::AuditEntry>,
                chain_ok: Option<bool>,
                chain_break: Option<vagt_store::ChainBreak>,
            }
            let chain_break = if verify {
                store.verify_audit_chain()?
            } else {
                None
            };
            let report = AuditReport {
                entries: store.audit_entries(limit)?,
                chain_ok: verify.then_some(chain_break.is_none()),
                chain_break,
            };
            out.print(&report, |w| {
                for e in &report.entries {
                    writeln!(
                        w,
                        "{:>6}  {}  {:<16} {:<18} {}",
                        e.seq,
                        e.at,
                        e.actor,
                        e.action,
                        e.subject_id.as_deref().unwrap_or("")
                    )?;
                }
                match (&report.chain_ok, &report.chain_break) {
                    (Some(true), _) => writeln!(w, "hash chain verified"),
                    (_, Some(b)) => {
                        writeln!(w, "HASH CHAIN BROKEN at entry {}: {}", b.seq, b.reason)
                    }
                    _ => Ok(()),
                }
            })
        }
    }
}

/// A secret from the terminal without echo, or one line from standard input when piped.
fn read_secret(prompt: &str) -> Result<String, CliError> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        Ok(rpassword::prompt_password(prompt)?)
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

fn parse_time(text: &str) -> Result<Timestamp, CliError> {
    Timestamp::parse_rfc3339(text).map_err(|e| CliError::Usage(e.to_string()))
}

fn read_plan_file(file: &std::path::Path) -> Result<(String, DocumentFormat), CliError> {
    let format = match file.extension().and_then(|e| e.to_str()) {
        Some("json") => DocumentFormat::Json,
        _ => DocumentFormat::Toml,
    };
    let text = if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
        text
    } else {
        std::fs::read_to_string(file)
            .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", file.display())))?
    };
    Ok((text, format))
}
