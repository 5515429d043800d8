//! Text and JSON output. JSON is the contract for scripts; text is for people at a terminal.

use serde::Serialize;

mod bench;
mod calls;
mod dispatches;
mod handover;
mod visits;
pub use bench::{
    alarm_latency_text, evaluation_bench_text, ingest_bench_text, region_bench_text, targets_text,
    worklist_bench_text,
};
pub use calls::{call_text, calls_table, plot_text};
pub use dispatches::{dispatch_text, dispatches_table};
pub use handover::{handover_text, timeline_text};
use std::io::{self, Write};
use vagt_app::{AuditReport, BackendView, DemoReport, LevelsView};
use vagt_core::alarm::{AlarmCause, AlarmState, EscalationPolicy};
use vagt_core::news2::{AssumedPart, FULL_SET_WINDOW_MS, FullSetScore, Risk, SpO2Scale};
use vagt_core::{Parameter, Timestamp};
use vagt_store::{
    AckOutcome, AlarmRow, CitizenSummary, NEWS2_MAX_AGE_MS, RejectedInput, StoreStatus,
    StoredReading,
};
pub use visits::{medicine_box_table, visit_text, visits_table};

pub struct Output {
    pub json: bool,
}

impl Output {
    pub fn print<T: Serialize>(
        &self,
        value: &T,
        text: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(), crate::CliError> {
        let stdout = io::stdout();
        let mut w = stdout.lock();
        if self.json {
            // serde_json escapes control characters; a terminal reading JSON sees no escape.
            serde_json::to_writer_pretty(&mut w, value).map_err(io::Error::other)?;
            writeln!(w)?;
        } else {
            let mut buffer = Vec::new();
            text(&mut buffer)?;
            w.write_all(terminal_safe(&String::from_utf8_lossy(&buffer)).as_bytes())?;
        }
        Ok(())
    }
}

/// Text from a backend (a name, a reason) may hold escape sequences that recolour a terminal,
/// move its cursor or ring its bell, and bidi controls that reorder what is shown: every
/// control character but newline and tab is dropped before text reaches a terminal.
pub fn terminal_safe(text: &str) -> String {
    const BIDI: [char; 12] = [
        '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
        '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
    ];
    text.chars()
        .filter(|c| matches!(c, '\n' | '\t') || !(c.is_control() || BIDI.contains(c)))
        .collect()
}

fn format_value(parameter: Parameter, value: f64) -> String {
    format!("{value:.prec$}", prec = parameter.display_decimals())
}

pub fn age(at: Timestamp, now: Timestamp) -> String {
    let minutes = (now.millis() - at.millis()) / 60_000;
    match minutes {
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} h", m / 60),
        m => format!("{} d", m / (24 * 60)),
    }
}

pub fn citizens_table(
    w: &mut dyn Write,
    list: &[CitizenSummary],
    now: Timestamp,
) -> io::Result<()> {
    writeln!(
        w,
        "{:<12} {:<24} {:<28} {:>8} {:>5} {:>5} {:>6}",
        "ID", "NAME", "DIAGNOSES", "LAST", "SPO2", "PULSE", "FEV1"
    )?;
    for c in list {
        let diagnoses: Vec<&str> = c.diagnoses.iter().map(|d| d.code()).collect();
        let cell = |p: Parameter| {
            c.latest
                .get(&p)
                .map(|l| format_value(p, l.value))
                .unwrap_or_default()
        };
        writeln!(
            w,
            "{:<12} {:<24} {:<28} {:>8} {:>5} {:>5} {:>6}",
            c.id,
            c.name,
            diagnoses.join(","),
            c.last_reading_at
                .map(|t| age(t, now))
                .unwrap_or_else(|| "never".into()),
            cell(Parameter::Spo2),
            cell(Parameter::Pulse),
            cell(Parameter::Fev1),
        )?;
    }
    writeln!(w, "{} citizens", list.len())
}

pub fn readings_table(w: &mut dyn Write, list: &[StoredReading]) -> io::Result<()> {
    for r in list {
        writeln!(
            w,
            "{}  {:<16} {:>8} {}",
            r.effective_at,
            r.parameter.code(),
            format_value(r.parameter, r.value),
            r.unit
        )?;
    }
    writeln!(w, "{} readings", list.len())
}

pub fn news2_text(
    w: &mut dyn Write,
    citizen: &str,
    news2: Option<&FullSetScore>,
    now: Timestamp,
) -> io::Result<()> {
    let Some(n) = news2 else {
        return writeln!(
            w,
            "{citizen}: no NEWS2: no full set of vitals (respiratory rate, SpO2, systolic BP, \
             pulse and temperature within {} minutes) in the last {} days",
            FULL_SET_WINDOW_MS / 60_000,
            NEWS2_MAX_AGE_MS / 86_400_000
        );
    };
    let s = &n.score;
    let risk = match s.risk {
        Risk::Low => "low",
        Risk::LowMedium => "low-medium",
        Risk::Medium => "medium",
        Risk::High => "high",
    };
    let at_least = if n.is_minimum { "at least " } else { "" };
    let or_higher = if n.is_minimum && s.risk != Risk::High {
        " or higher"
    } else {
        ""
    };
    writeln!(
        w,
        "{citizen}: NEWS2 {at_least}{} (risk {risk}{or_higher}), full set at {} ({} ago), SpO2 {}",
        s.total,
        n.at,
        age(n.at, now),
        match n.scale {
            SpO2Scale::Scale1 => "scale 1",
            SpO2Scale::Scale2 => "scale 2",
        },
    )?;
    let r = &n.readings;
    let assumed = |part: AssumedPart, text: &str| {
        if n.assumed.contains(&part) {
            format!("{text} (assumed)")
        } else {
            text.to_owned()
        }
    };
    let oxygen = assumed(
        AssumedPart::Oxygen,
        if s.oxygen > 0 { "oxygen" } else { "air" },
    );
    let consciousness = assumed(
        AssumedPart::Consciousness,
        if s.consciousness > 0 {
            "not alert"
        } else {
            "alert"
        },
    );
    let measured =
        |p: Parameter, value: f64| format!("{} {}", format_value(p, value), p.canonical_unit());
    let rows = [
        (
            "respiratory rate",
            measured(Parameter::RespiratoryRate, r.respiratory_rate.value),
            s.respiratory_rate,
        ),
        ("SpO2", measured(Parameter::Spo2, r.spo2.value), s.spo2),
        ("air or oxygen", oxygen, s.oxygen),
        (
            "systolic BP",
            measured(Parameter::SystolicBp, r.systolic_bp.value),
            s.systolic_bp,
        ),
        ("pulse", measured(Parameter::Pulse, r.pulse.value), s.pulse),
        ("consciousness", consciousness, s.consciousness),
        (
            "temperature",
            measured(Parameter::Temperature, r.temperature.value),
            s.temperature,
        ),
    ];
    for (name, value, score) in rows {
        writeln!(w, "  {name:<17} {value:<18} {score}")?;
    }
    writeln!(w, "  {:<17} {:<18} {}", "total", "", s.total)?;
    if n.is_minimum {
        let parts: Vec<&str> = n
            .assumed
            .iter()
            .map(|part| match part {
                AssumedPart::Consciousness => "consciousness (as alert)",
                AssumedPart::Oxygen => "oxygen (as air)",
            })
            .collect();
        writeln!(
            w,
            "Not measured at home, so scored at their lowest: {}. The true NEWS2 is {} or more.",
            parts.join(", "),
            s.total
        )?;
    }
    Ok(())
}

pub fn status_text(w: &mut dyn Write, s: &StoreStatus) -> io::Result<()> {
    writeln!(w, "database       {}", s.db_path)?;
    writeln!(w, "schema version {}", s.schema_version)?;
    writeln!(w, "citizens       {}", s.citizens)?;
    writeln!(w, "readings       {}", s.readings)?;
    writeln!(w, "rejected       {} waiting for review", s.rejected)?;
    writeln!(w, "outbox         {} to send", s.outbox)?;
    match s.last_sync {
        Some(t) => writeln!(w, "last sync      {t}")?,
        None => writeln!(w, "last sync      never")?,
    }
    let state = serde_json::to_value(s.sync_state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    writeln!(w, "sync           {state}")?;
    if let Some(p) = &s.sync_progress {
        let total = p.total.map_or("?".to_owned(), |t| t.to_string());
        writeln!(
            w,
            "               {} {}/{} at {:.0}/s",
            p.resource_type, p.done, total, p.per_second
        )?;
    }
    if let Some(behind) = s.readings_behind {
        writeln!(w, "behind         {behind} readings")?;
    }
    if s.bulk_load {
        writeln!(
            w,
            "bulk load      under way: the rules wait until every reading is in"
        )?;
    }
    if let (Some(code), Some(error)) = (&s.sync_error_code, &s.sync_error) {
        writeln!(w, "sync error     [{code}] {error}")?;
    }
    Ok(())
}

pub fn rejected_table(w: &mut dyn Write, list: &[RejectedInput]) -> io::Result<()> {
    for r in list {
        writeln!(
            w,
            "#{:<5} {}  {:<8} {:<18} {}  [{}]",
            r.id,
            r.received_at,
            r.status,
            r.reason_code,
            r.reason,
            r.source_id.as_deref().unwrap_or("-")
        )?;
    }
    writeln!(w, "{} rejected inputs", list.len())
}

/// One line on stderr per page, so stdout stays one JSON document.
pub fn progress_line(p: &vagt_sync::Progress) {
    let total = p.total.map(|t| format!("/{t}")).unwrap_or_default();
    let left = p
        .seconds_left
        .map(|s| format!(", ~{s:.0} s left"))
        .unwrap_or_default();
    let _ = writeln!(
        io::stderr(),
        "sync {}: {}{} done, {:.0}/s{}",
        p.resource_type,
        p.done,
        total,
        p.per_second,
        left
    );
}

pub fn sync_report(w: &mut dyn Write, r: &vagt_sync::SyncReport) -> io::Result<()> {
    writeln!(
        w,
        "sync ok: {} resources pulled ({} citizens, {} new readings, {} already there, {} retracted, {} rejected), {} pushed, {} alarms raised",
        r.pulled,
        r.citizens,
        r.accepted,
        r.duplicates,
        r.retracted,
        r.rejected,
        r.pushed,
        r.alarms_raised
    )
}

pub fn alarms_table(w: &mut dyn Write, list: &[AlarmRow], now: Timestamp) -> io::Result<()> {
    writeln!(
        w,
        "{:<8} {:<6} {:<20} {:<12} {:<22} {:>7} {:<10} ID",
        "PRIO", "STATE", "CITIZEN", "KIND", "CAUSE", "AGE", "SIGNAL"
    )?;
    for a in list {
        let level = |l: Option<vagt_core::EcmLevel>| l.map_or("none".to_owned(), |l| l.to_string());
        let cause = match &a.cause {
            AlarmCause::SuggestedChange { from, to, .. }
            | AlarmCause::ConfirmedChange { from, to, .. } => {
                format!("{} -> {to}", level(*from))
            }
            AlarmCause::SuggestionDiffers {
                suggested,
                confirmed,
                ..
            } => format!("{suggested} vs {}", level(*confirmed)),
            AlarmCause::MissedMeasurement { parameter, .. } => format!("no {parameter}"),
            AlarmCause::RejectedReading { reason, .. } => reason.clone(),
            AlarmCause::PlanConflict { revisions } => format!("{} plan heads", revisions.len()),
            AlarmCause::FollowUpDue { due_at, nurse, .. } => {
                format!("call back (promised by {nurse} for {due_at})")
            }
            AlarmCause::DispatchConflict { fields, .. } => format!(
                "dispatch: {}",
                fields
                    .iter()
                    .map(|f| f.code())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let state = match a.state {
            AlarmState::Open => "OPEN",
            AlarmState::Acknowledged => "ack",
            AlarmState::Resolved => "ended",
        };
        // Escalated alarms say their step; a snooze says until when (the reader's own).
        let signal = match (&a.escalation, a.snoozed_until) {
            (_, Some(until)) => format!(
                "quiet {}m",
                (until.millis() - now.millis()).div_euclid(60_000) + 1
            ),
            (Some(step), None) => format!("escal. {}", step.step),
            (None, None) => String::new(),
        };
        writeln!(
            w,
            "{:<8} {:<6} {:<20} {:<12} {:<22} {:>7} {:<10} {}",
            a.priority.code(),
            state,
            truncate(&a.citizen_name, 20),
            truncate(a.kind.code(), 12),
            truncate(&cause, 22),
            age(a.raised_at, now),
            signal,
            &a.id[..a.id.len().min(16)]
        )?;
    }
    Ok(())
}

/// One line per episode, its causes indented under it.
pub fn episodes_table(
    w: &mut dyn Write,
    episodes: &[vagt_store::AlarmEpisode],
    now: Timestamp,
) -> io::Result<()> {
    writeln!(
        w,
        "{:<8} {:<24} {:>6} {:>7} {:<10} CITIZEN ID",
        "PRIO", "CITIZEN", "CAUSES", "AGE", "SIGNAL"
    )?;
    for e in episodes {
        let signal = match (&e.escalation, e.snoozed_until) {
            (_, Some(_)) => "quiet".to_owned(),
            (Some(step), None) => format!("escal. {}", step.step),
            (None, None) => String::new(),
        };
        writeln!(
            w,
            "{:<8} {:<24} {:>6} {:>7} {:<10} {}",
            e.priority.code(),
            truncate(&e.citizen_name, 24),
            e.causes.len(),
            age(e.raised_at, now),
            signal,
            e.citizen_id
        )?;
        for c in &e.causes {
            writeln!(
                w,
                "  - {:<7} {:<18} {:>7} {}",
                c.priority.code(),
                truncate(c.kind.code(), 18),
                age(c.raised_at, now),
                &c.id[..c.id.len().min(16)]
            )?;
        }
    }
    Ok(())
}

/// The revisions of a plan that conflict, and how to settle them.
pub fn plan_conflicts_text(w: &mut dyn Write, plan: &vagt_store::PlanView) -> io::Result<()> {
    if plan.conflicts.is_empty() {
        return writeln!(w, "no conflict: revision {:?} is in force", plan.revision);
    }
    writeln!(
        w,
        "in force: revision {} ({}) by {}: {}",
        plan.revision.unwrap_or(0),
        plan.key.as_deref().unwrap_or("-"),
        plan.changed_by.as_deref().unwrap_or("-"),
        plan.reason.as_deref().unwrap_or("-"),
    )?;
    for other in &plan.conflicts {
        writeln!(
            w,
            "in conflict: revision {} ({}) by {} at {}: {}",
            other.revision,
            other.key,
            other.changed_by,
            other.changed_at.to_rfc3339(),
            other.reason
        )?;
    }
    writeln!(
        w,
        "settle it: `vagtctl plan import CITIZEN FILE --reason ... --base KEY --base KEY` naming every revision above"
    )
}

pub fn escalation_text(w: &mut dyn Write, policy: &EscalationPolicy) -> io::Result<()> {
    for (priority, rule) in policy.rules() {
        let name = priority.code();
        match rule {
            None => writeln!(w, "{name:<7} never escalates")?,
            Some(r) => writeln!(
                w,
                "{name:<7} after {} min{}, at most {} time(s), to all stations",
                r.after_ms / 60_000,
                r.repeat_ms.map_or(String::new(), |m| format!(
                    ", then every {} min",
                    m / 60_000
                )),
                r.max_steps
            )?,
        }
    }
    Ok(())
}

pub fn demo_text(w: &mut dyn Write, r: &DemoReport) -> io::Result<()> {
    writeln!(
        w,
        "demo cohort (seed {}): {} citizens, {} readings stored, {} already there, {} rejected and kept for review",
        r.seed, r.citizens, r.accepted, r.duplicates, r.rejected
    )
}

pub fn ack_text(w: &mut dyn Write, outcome: &AckOutcome, nurse: &str) -> io::Result<()> {
    match outcome {
        AckOutcome::Acknowledged { alarm_id } => {
            writeln!(w, "alarm {alarm_id} acknowledged by {nurse}")
        }
        AckOutcome::AlreadyAcknowledged { alarm_id, by, at } => writeln!(
            w,
            "alarm {alarm_id} was already acknowledged by {by} at {}",
            at.to_rfc3339()
        ),
        AckOutcome::Waiting { alarm_id } => writeln!(w, "alarm {alarm_id} is not raised here yet"),
    }
}

pub fn levels_text(w: &mut dyn Write, l: &LevelsView) -> io::Result<()> {
    let shown = |level: Option<vagt_core::EcmLevel>| level.map_or("none".into(), |l| l.to_string());
    writeln!(
        w,
        "{}: suggested {}, confirmed {}",
        l.citizen_id,
        shown(l.suggested),
        shown(l.confirmed)
    )
}

pub fn backend_text(w: &mut dyn Write, b: &BackendView) -> io::Result<()> {
    match &b.backend {
        Some(url) => writeln!(
            w,
            "backend {url}, token {}",
            if b.token_stored {
                "stored in the OS keyring"
            } else {
                "not stored"
            }
        ),
        None => writeln!(w, "no backend set; use `vagtctl backend set URL`"),
    }
}

pub fn audit_text(w: &mut dyn Write, report: &AuditReport) -> io::Result<()> {
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
        (_, Some(b)) => writeln!(w, "HASH CHAIN BROKEN at entry {}: {}", b.seq, b.reason),
        _ => Ok(()),
    }
}

fn truncate(text: &str, width: usize) -> String {
    text.chars().take(width).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_bells_and_bidi_controls_never_reach_the_terminal() {
        let hostile = "Inge\u{1b}[31mRed\u{7}\u{202E}desrever\u{9b}2J\nnext\tline";
        assert_eq!(terminal_safe(hostile), "Inge[31mReddesrever2J\nnext\tline");
        assert_eq!(terminal_safe("Søren Ærø"), "Søren Ærø");
    }

    #[test]
    fn ages_read_naturally() {
        let now = Timestamp::from_millis(100 * 86_400_000);
        assert_eq!(age(now.plus_millis(-5 * 60_000), now), "5 min");
        assert_eq!(age(now.plus_millis(-47 * 3_600_000), now), "47 h");
        assert_eq!(age(now.plus_millis(-49 * 3_600_000), now), "2 d");
    }
}
