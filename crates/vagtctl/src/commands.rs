//! Each command: parse what was typed, call the use case, print. No rule lives here.

use crate::CliError;
use crate::cli::{BackendAction, Cli, Command, EscalationAction, LevelAction, PlanAction};
use crate::output::{self, Output};
use std::io::Write;
use std::path::Path;
use vagt_app::{AppError, Session, StoreLocation, parse_citizen, parse_level, resolve_actor};
use vagt_cohort::CohortSpec;
use vagt_core::alarm::{AlarmPriority, Audience, EscalationRule};
use vagt_core::plan::DocumentFormat;
use vagt_core::{Parameter, Timestamp};
use vagt_store::OpenMode;
use zeroize::Zeroizing;

pub fn run(cli: Cli) -> Result<(), CliError> {
    let out = Output { json: cli.json };
    // Benchmarks use temporary databases of their own, never --db.
    if let Command::Bench { what } = &cli.command {
        return crate::bench::bench(&out, what);
    }
    let location = StoreLocation {
        db: cli.db.clone(),
        throwaway_key: cli.throwaway_key.clone().map(Zeroizing::new),
    };
    let mode = match cli.command {
        Command::Init | Command::Demo { .. } => OpenMode::CreateIfMissing,
        _ => OpenMode::Existing,
    };
    let session = Session::open(location, mode)?;
    let actor = resolve_actor(cli.actor.clone());
    match cli.command {
        Command::Init => {
            let status = session.store_status()?;
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
            let end = end.map(|t| parse_time(&t)).transpose()?;
            let spec = CohortSpec {
                seed,
                citizens,
                days,
                end: end.unwrap_or_else(Timestamp::now),
            };
            let report = session.load_demo(&actor, &spec)?;
            out.print(&report, |w| output::demo_text(w, &report))
        }
        Command::Citizens { limit: None, .. } => {
            let list = session.worklist(&actor)?;
            out.print(&list, |w| {
                output::citizens_table(w, &list, Timestamp::now())
            })
        }
        Command::Citizens {
            limit: Some(limit),
            after_name,
            after_id,
        } => {
            let after = after_name
                .zip(after_id)
                .map(|(name, id)| vagt_store::WorklistAfter { name, id });
            let page = session.worklist_page(&actor, after.as_ref(), limit)?;
            out.print(&page, |w| {
                output::citizens_table(w, &page.rows, Timestamp::now())?;
                match &page.next {
                    Some(next) => {
                        let (name, id) = (shell_quoted(&next.name), shell_quoted(&next.id));
                        writeln!(w, "--after-name {name} --after-id {id}")
                    }
                    None => Ok(()),
                }
            })
        }
        Command::Readings {
            citizen,
            parameter,
            since,
        } => {
            let citizen = parse_citizen(&citizen)?;
            let parameter = parameter
                .map(|p| p.parse::<Parameter>())
                .transpose()
                .map_err(|e| CliError::Usage(e.to_string()))?;
            let since = since.map(|s| parse_time(&s)).transpose()?;
            let list = session.readings(&actor, &citizen, parameter, since)?;
            out.print(&list, |w| output::readings_table(w, &list))
        }
        Command::News2 { citizen } => {
            let citizen = parse_citizen(&citizen)?;
            let now = Timestamp::now();
            let news2 = session.news2(&actor, &citizen, now)?;
            let shown = serde_json::json!({ "citizen_id": citizen, "news2": news2 });
            out.print(&shown, |w| {
                output::news2_text(w, citizen.as_str(), news2.as_ref(), now)
            })
        }
        Command::Plot {
            citizen,
            range,
            out: file,
            lang,
            at,
        } => {
            let citizen = parse_citizen(&citizen)?;
            let range = vagt_app::parse_range(&range)?;
            let language = vagt_app::parse_language(&lang)?;
            let format = vagt_app::format_of(&file)?;
            let now = at
                .map(|t| parse_time(&t))
                .transpose()?
                .unwrap_or_else(Timestamp::now);
            let (rendered, bytes) =
                session.export_trend(&actor, &citizen, range, language, format, now)?;
            write_atomically(&file, &bytes)?;
            let shown = serde_json::json!({
                "path": file,
                "bytes": bytes.len(),
                "width": rendered.width,
                "height": rendered.height,
                "panels": rendered.panels,
                "points": rendered.points.len(),
            });
            out.print(&shown, |w| {
                output::plot_text(w, &file, bytes.len(), &rendered)
            })
        }
        Command::Status => {
            let status = session.store_status()?;
            out.print(&status, |w| output::status_text(w, &status))
        }
        Command::Alarms { open } => {
            let list = session.alarms(&actor, open)?;
            out.print(&list, |w| output::alarms_table(w, &list, Timestamp::now()))
        }
        Command::Episodes {
            limit: Some(limit),
            after,
            ..
        } => {
            let page = session.alarm_episodes_page(&actor, after.as_deref(), limit)?;
            out.print(&page, |w| {
                output::episodes_table(w, &page.episodes, Timestamp::now())?;
                match &page.next {
                    Some(next) => writeln!(w, "--after {}", shell_quoted(next)),
                    None => Ok(()),
                }
            })
        }
        Command::Episodes { citizens, .. } => {
            let episodes = if citizens.is_empty() {
                session.alarm_episodes(&actor)?
            } else {
                session.alarm_episodes_of(&actor, &vagt_app::parse_citizens(&citizens)?)?
            };
            out.print(&episodes, |w| {
                output::episodes_table(w, &episodes, Timestamp::now())
            })
        }
        Command::Ack {
            alarms,
            citizen: Some(citizen),
            comment,
        } => {
            let citizen = parse_citizen(&citizen)?;
            let alarms = if alarms.is_empty() {
                session
                    .alarm_episodes(&actor)?
                    .into_iter()
                    .filter(|e| e.citizen_id == citizen)
                    .flat_map(|e| e.causes.into_iter().map(|c| c.id))
                    .collect()
            } else {
                alarms
            };
            let outcomes =
                session.acknowledge_episode(&actor, &citizen, &alarms, comment.as_deref())?;
            out.print(&outcomes, |w| {
                outcomes
                    .iter()
                    .try_for_each(|o| output::ack_text(w, o, &actor.0))
            })
        }
        Command::Ack {
            alarms,
            citizen: None,
            comment,
        } => {
            let [alarm] = alarms.as_slice() else {
                return Err(CliError::Usage(
                    "name one alarm, or a citizen (--citizen) and their alarms".into(),
                ));
            };
            let outcome = session.acknowledge(&actor, alarm, comment.as_deref())?;
            out.print(&outcome, |w| output::ack_text(w, &outcome, &actor.0))
        }
        Command::Snooze { alarm, minutes } => {
            let snoozed = session.snooze(&actor, &alarm, minutes)?;
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
        Command::Escalation { action } => escalation(&session, &out, &actor, action),
        Command::EndBulkLoad => {
            let done = session.end_bulk_load(&actor)?;
            out.print(&done, |w| match &done.ended {
                Some(ended) => writeln!(
                    w,
                    "bulk load ended: the index made over {} readings in {:.1} s; {} citizens evaluated, {} alarms raised",
                    ended.readings,
                    ended.index_seconds,
                    done.evaluation.citizens,
                    done.evaluation.raised.len()
                ),
                None => writeln!(w, "no bulk load was under way"),
            })
        }
        Command::Evaluate { all } => {
            let scope = if all {
                vagt_app::EvaluationScope::All
            } else {
                vagt_app::EvaluationScope::Due
            };
            let report = session.evaluate(scope)?;
            out.print(&report, |w| {
                writeln!(
                    w,
                    "{} citizens evaluated: {} level changes, {} alarms raised, {} resolved",
                    report.citizens,
                    report.level_changes,
                    report.raised.len(),
                    report.resolved
                )
            })
        }
        Command::Level { action } => level(&session, &out, &actor, action),
        Command::Call { action } => crate::call::call(&session, &out, &actor, action),
        Command::Dispatch { action } => crate::dispatch::dispatch(&session, &out, &actor, action),
        Command::Person { action } => crate::dispatch::person(&session, &out, &actor, action),
        Command::Visit { action } => crate::visit::visit(&session, &out, &actor, action),
        Command::Box { citizen } => {
            let citizen = parse_citizen(&citizen)?;
            let list = session.medicine_box(&actor, &citizen)?;
            out.print(&list, |w| output::medicine_box_table(w, &list))
        }
        Command::Timeline {
            citizen,
            kinds,
            limit,
        } => {
            let citizen = parse_citizen(&citizen)?;
            let kinds = kinds
                .iter()
                .map(|k| parse_choice("kind", k))
                .collect::<Result<Vec<vagt_app::TimelineKind>, _>>()?;
            let mut entries = session.timeline(&actor, &citizen, &kinds)?;
            entries.truncate(limit);
            out.print(&entries, |w| output::timeline_text(w, &entries))
        }
        Command::Handover {
            shift,
            out: file,
            lang,
            action,
        } => {
            let pdf = file
                .map(|file| Ok::<_, CliError>((file, vagt_app::parse_language(&lang)?)))
                .transpose()?;
            crate::handover::handover(&session, &out, &actor, shift, pdf, action)
        }
        Command::Plan { action } => plan(&session, &out, &actor, action),
        Command::Rejected { all } => {
            let list = session.rejected(&actor, all)?;
            out.print(&list, |w| output::rejected_table(w, &list))
        }
        Command::Backend { action } => backend(&session, &out, &actor, action),
        Command::Sync {
            once,
            backend,
            interval,
            poll_only,
        } => {
            let url = session.backend_url(backend.as_deref())?.ok_or_else(|| {
                CliError::Usage(
                    "no backend: pass --backend URL or run `vagtctl backend set URL`".into(),
                )
            })?;
            // One client for every run: it keeps what the server can do between them.
            let client = session.sync_client(&url)?;
            let mut show_progress = |p: &vagt_sync::Progress| output::progress_line(p);
            if once {
                let report = session.sync_once_with(&client, &mut show_progress)?;
                return out.print(&report, |w| output::sync_report(w, &report));
            }
            let wakeups = if poll_only {
                vagt_app::SyncWakeups::polling()
            } else {
                vagt_app::SyncWakeups::listening(session.sync_client(&url)?, Default::default())?
            };
            let every = std::time::Duration::from_secs(interval.max(1));
            let stop = std::sync::atomic::AtomicBool::new(false);
            let mut printed = PrintedRuns {
                out: &out,
                stop: &stop,
                failed: None,
            };
            session.sync_loop(&client, &wakeups, every, &stop, &mut printed)?;
            printed.failed.map_or(Ok(()), Err)
        }
        Command::Audit { limit, verify } => {
            let report = session.audit(limit, verify)?;
            out.print(&report, |w| output::audit_text(w, &report))
        }
        // Handled above, before a database is opened.
        Command::Bench { .. } => Ok(()),
    }
}

fn escalation(
    session: &Session,
    out: &Output,
    actor: &vagt_store::Actor,
    action: EscalationAction,
) -> Result<(), CliError> {
    let policy = match action {
        EscalationAction::Show => session.escalation_policy()?,
        EscalationAction::Set {
            priority,
            after,
            repeat,
            steps,
            off,
        } => {
            let priority = priority.parse::<AlarmPriority>().map_err(|_| {
                CliError::Usage(format!(
                    "priority {priority:?} is not one of high, medium, low, info"
                ))
            })?;
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
            session.set_escalation_rule(actor, priority, rule)?
        }
    };
    out.print(&policy, |w| output::escalation_text(w, &policy))
}

fn level(
    session: &Session,
    out: &Output,
    actor: &vagt_store::Actor,
    action: LevelAction,
) -> Result<(), CliError> {
    match action {
        LevelAction::Show { citizen } => {
            let levels = session.levels(&parse_citizen(&citizen)?)?;
            out.print(&levels, |w| output::levels_text(w, &levels))
        }
        LevelAction::Set {
            citizen,
            level,
            reason,
        } => {
            let citizen = parse_citizen(&citizen)?;
            let done = session.confirm_level(actor, &citizen, parse_level(level)?, &reason)?;
            out.print(&done, |w| {
                writeln!(
                    w,
                    "{citizen} confirmed at {} by {}",
                    done.confirmed, actor.0
                )
            })
        }
    }
}

pub(crate) fn parse_choice<T: serde::de::DeserializeOwned>(
    what: &str,
    text: &str,
) -> Result<T, CliError> {
    serde_json::from_value(serde_json::Value::String(text.trim().to_owned()))
        .map_err(|_| CliError::Usage(format!("unknown {what} {text:?}")))
}

fn plan(
    session: &Session,
    out: &Output,
    actor: &vagt_store::Actor,
    action: PlanAction,
) -> Result<(), CliError> {
    match action {
        PlanAction::Show { citizen } => {
            let plan = session.plan_toml(actor, &parse_citizen(&citizen)?)?;
            out.print(&plan, |w| w.write_all(plan.resolved.as_bytes()))
        }
        PlanAction::Export { citizen } => {
            let plan = session.plan_toml(actor, &parse_citizen(&citizen)?)?;
            out.print(&plan, |w| w.write_all(plan.overrides.as_bytes()))
        }
        PlanAction::Import {
            citizen,
            file,
            reason,
            bases,
        } => {
            let citizen = parse_citizen(&citizen)?;
            let (text, format) = read_plan_file(&file)?;
            let bases = (!bases.is_empty()).then_some(bases.as_slice());
            let done = session.set_plan_text(actor, &citizen, &text, format, &reason, bases)?;
            out.print(&done, |w| {
                writeln!(w, "plan for {citizen} is now revision {}", done.revision)?;
                if done.conflicts > 0 {
                    writeln!(
                        w,
                        "{} other newest revision(s) conflict with it: see `vagtctl plan conflicts {citizen}`",
                        done.conflicts
                    )?;
                }
                Ok(())
            })
        }
        PlanAction::Conflicts { citizen } => {
            let plan = session.plan_toml(actor, &parse_citizen(&citizen)?)?;
            out.print(&plan, |w| output::plan_conflicts_text(w, &plan))
        }
    }
}

fn backend(
    session: &Session,
    out: &Output,
    actor: &vagt_store::Actor,
    action: BackendAction,
) -> Result<(), CliError> {
    let shown = match action {
        BackendAction::Set {
            url,
            no_token,
            ca_file,
        } => {
            // Checked before a token is asked for: a refused URL never gets one.
            let url = vagt_app::check_backend_url(&url)?;
            let token = if no_token {
                None
            } else {
                Some(Zeroizing::new(read_secret(&format!(
                    "Bearer token for {url}: "
                ))?))
            };
            session.set_backend(actor, &url, token, ca_file.as_deref())?
        }
        BackendAction::Show => session.backend()?,
    };
    out.print(&shown, |w| output::backend_text(w, &shown))
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

pub(crate) fn parse_time(text: &str) -> Result<Timestamp, CliError> {
    Timestamp::parse_rfc3339(text).map_err(|e| CliError::Usage(e.to_string()))
}

fn read_plan_file(file: &Path) -> Result<(String, DocumentFormat), CliError> {
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

impl From<vagt_store::StoreError> for CliError {
    fn from(error: vagt_store::StoreError) -> Self {
        CliError::App(AppError::Store(error))
    }
}

/// Writes a file whole or not at all: a plot interrupted half-way never replaces a good one.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let io = |source: std::io::Error| AppError::Io {
        doing: "write the plot",
        source,
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Each run of `vagtctl sync`'s loop printed as it ends; a failed run on stderr, and the loop
/// goes on. A report that cannot be printed (the reader went away) stops the loop.
struct PrintedRuns<'a> {
    out: &'a Output,
    stop: &'a std::sync::atomic::AtomicBool,
    failed: Option<CliError>,
}

impl vagt_app::SyncObserver for PrintedRuns<'_> {
    fn progress(&mut self, progress: &vagt_sync::Progress) {
        output::progress_line(progress);
    }

    fn ran(
        &mut self,
        _due: &vagt_app::SyncDue,
        result: &Result<vagt_sync::SyncReport, vagt_app::AppError>,
    ) {
        match result {
            Ok(report) => {
                if let Err(e) = self.out.print(report, |w| output::sync_report(w, report)) {
                    self.failed = Some(e);
                    self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            }
            Err(e) => {
                let message = output::terminal_safe(&format!("sync failed: {e}"));
                let _ = writeln!(std::io::stderr(), "vagtctl: {message}");
            }
        }
    }
}

/// `text` as one word for a POSIX shell, whatever it holds (a name may hold a quote).
fn shell_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
