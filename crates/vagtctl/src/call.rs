//! `vagtctl call`: parse, call the call-log use cases, print.

use crate::CliError;
use crate::cli::CallAction;
use crate::commands::{parse_choice, parse_time};
use crate::output::{self, Output};
use vagt_app::{Session, parse_citizen, parse_level};
use vagt_core::Timestamp;

/// `PARAMETER=VALUE` in the parameter's canonical unit, or `PARAMETER=VALUE:UNIT`.
fn parse_reading(text: &str) -> Result<vagt_core::call::PhoneReading, CliError> {
    let usage = || {
        CliError::Usage(format!(
            "reading {text:?}: give it as PARAMETER=VALUE or PARAMETER=VALUE:UNIT (spo2=88, weight=182:[lb_av])"
        ))
    };
    let (code, rest) = text.split_once('=').ok_or_else(usage)?;
    let parameter: vagt_core::Parameter = code
        .trim()
        .parse()
        .map_err(|e| CliError::Usage(format!("reading {text:?}: {e}")))?;
    let (value, unit) = match rest.split_once(':') {
        Some((value, unit)) => (value, unit.trim().to_owned()),
        None => (rest, parameter.canonical_unit().to_owned()),
    };
    let value: f64 = value
        .trim()
        .replace(',', ".")
        .parse()
        .map_err(|_| usage())?;
    Ok(vagt_core::call::PhoneReading {
        parameter,
        value,
        unit,
    })
}

/// `CODE`, `CODE=no` or `CODE:words`.
fn parse_symptom(text: &str) -> Result<vagt_core::call::SymptomReport, CliError> {
    let (head, detail) = match text.split_once(':') {
        Some((head, detail)) => (head, detail.trim().to_owned()),
        None => (text, String::new()),
    };
    let (code, present) = match head.split_once('=') {
        Some((code, "no")) => (code, false),
        Some((code, "yes")) | Some((code, "")) => (code, true),
        Some((_, other)) => {
            return Err(CliError::Usage(format!(
                "symptom {text:?}: {other:?} is neither yes nor no"
            )));
        }
        None => (head, true),
    };
    Ok(vagt_core::call::SymptomReport {
        symptom: code.trim().parse().map_err(CliError::Usage)?,
        present,
        detail,
    })
}

pub fn call(
    session: &Session,
    out: &Output,
    actor: &vagt_store::Actor,
    action: CallAction,
) -> Result<(), CliError> {
    match action {
        CallAction::Add {
            citizen,
            reason,
            direction,
            caller,
            caller_name,
            started,
            minutes,
            symptoms,
            notes,
            advice,
            medicine,
            e_doctor,
            level,
            follow_up_hours,
            alarm,
            no_answer,
            readings,
        } => {
            let now = Timestamp::now();
            let started_at = match started {
                Some(t) => parse_time(&t)?,
                None => now.plus_millis(-minutes.max(0) * 60_000),
            };
            let direction = match direction.trim() {
                "in" => vagt_core::call::CallDirection::Inbound,
                "out" => vagt_core::call::CallDirection::Outbound,
                other => {
                    return Err(CliError::Usage(format!(
                        "direction {other:?}: use in or out"
                    )));
                }
            };
            let medicine = medicine
                .iter()
                .map(|m| {
                    let (drug, dose) = m.split_once(':').ok_or_else(|| {
                        CliError::Usage(format!("medicine {m:?}: give it as DRUG:DOSE"))
                    })?;
                    Ok(vagt_core::call::MedicineStarted {
                        drug: drug.trim().to_owned(),
                        dose: dose.trim().to_owned(),
                        from_box: None,
                    })
                })
                .collect::<Result<Vec<_>, CliError>>()?;
            let ended_at = started_at.plus_millis(minutes.max(0) * 60_000);
            let form = vagt_app::CallForm {
                citizen_id: citizen.map(|c| parse_citizen(&c)).transpose()?,
                caller_name,
                direction,
                caller: parse_choice("caller", &caller)?,
                started_at,
                ended_at,
                reason,
                symptoms: symptoms
                    .iter()
                    .map(|s| parse_symptom(s))
                    .collect::<Result<_, _>>()?,
                notes,
                advice,
                medicine,
                e_doctor_consulted: e_doctor,
                assessed_level: level.map(parse_level).transpose()?,
                // Counted from the end of the call, as the app's form counts it.
                follow_up_at: follow_up_hours
                    .map(|h| ended_at.plus_millis((h * 3_600_000.0).round() as i64)),
                answers_alarm: alarm,
                no_answer,
                readings: readings
                    .iter()
                    .map(|r| parse_reading(r))
                    .collect::<Result<_, _>>()?,
                draft_id: None,
            };
            let done = session.record_call(actor, form)?;
            out.print(&done, |w| {
                writeln!(w, "call {} logged by {}", done.call.key, actor.0)?;
                if let Some(level) = done.call.assessed_level {
                    writeln!(w, "  confirmed level ECM{}", level.get())?;
                }
                if let Some(alarm) = &done.saved.answered_alarm {
                    writeln!(w, "  answered alarm {alarm}")?;
                }
                Ok(())
            })
        }
        CallAction::List {
            citizen,
            since,
            unlinked,
        } => {
            let citizen = citizen.map(|c| parse_citizen(&c)).transpose()?;
            let since = since.map(|s| parse_time(&s)).transpose()?;
            let calls = if unlinked {
                session.unlinked_calls(actor, since)?
            } else {
                session.calls(actor, citizen.as_ref(), since)?
            };
            out.print(&calls, |w| output::calls_table(w, &calls))
        }
        CallAction::Link { key, citizen } => {
            let link = session.link_call(actor, &key, &parse_citizen(&citizen)?)?;
            out.print(&link, |w| {
                writeln!(
                    w,
                    "call {} linked to {} by {}",
                    link.call_key, link.citizen_id, link.linked_by
                )
            })
        }
        CallAction::Show { key } => {
            let call = session.call(actor, &key)?;
            out.print(&call, |w| output::call_text(w, &call))
        }
    }
}
