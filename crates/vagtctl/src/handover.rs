//! `vagtctl handover`: parse, call the handover use cases, print.

use crate::CliError;
use crate::cli::{HandoverCommand, ShiftArgs};
use crate::commands::{parse_choice, parse_time, write_atomically};
use crate::output::{self, Output};
use std::path::PathBuf;
use vagt_app::{Session, parse_citizen};
use vagt_core::Timestamp;
use vagt_core::handover::{Contingency, IllnessSeverity, Judgement};
use vagt_core::i18n::Language;
use vagt_store::Actor;

fn span(shift: &ShiftArgs) -> Result<(Option<Timestamp>, Option<Timestamp>), CliError> {
    Ok((
        shift.from.as_deref().map(parse_time).transpose()?,
        shift.to.as_deref().map(parse_time).transpose()?,
    ))
}

pub(crate) fn handover(
    session: &Session,
    out: &Output,
    actor: &Actor,
    shift: ShiftArgs,
    pdf: Option<(PathBuf, Language)>,
    action: Option<HandoverCommand>,
) -> Result<(), CliError> {
    match action {
        None => {
            let (from, to) = span(&shift)?;
            let Some((file, language)) = pdf else {
                let handover = session.handover(actor, from, to)?;
                return out.print(&handover, |w| output::handover_text(w, &handover));
            };
            if vagt_app::format_of(&file)? != vagt_plot::Format::Pdf {
                return Err(CliError::Usage(format!(
                    "{}: the handover is written as PDF (FILE.pdf)",
                    file.display()
                )));
            }
            let (handover, bytes) = session.handover_pdf(actor, from, to, language)?;
            write_atomically(&file, &bytes)?;
            let shown = serde_json::json!({
                "path": file,
                "bytes": bytes.len(),
                "from": handover.from,
                "to": handover.to,
                "citizens": handover.citizens.len(),
            });
            out.print(&shown, |w| {
                writeln!(
                    w,
                    "{}: the handover of {} citizen(s), {} bytes",
                    file.display(),
                    handover.citizens.len(),
                    bytes.len()
                )
            })
        }
        Some(HandoverCommand::Note {
            citizen,
            shift,
            severity,
            contingency,
            clear,
        }) => {
            let citizen = parse_citizen(&citizen)?;
            let severity = match severity.as_deref().map(str::trim) {
                None => None,
                Some("rule") => Some(Judgement::Rule),
                Some(s) => Some(Judgement::Set(parse_choice::<IllnessSeverity>(
                    "severity (stable, watcher, unstable, rule)",
                    s,
                )?)),
            };
            let contingency = match (contingency, clear) {
                (Some(text), _) => Some(Contingency::Write(text)),
                (None, true) => Some(Contingency::Clear),
                (None, false) => None,
            };
            let note = session.write_handover_note(
                actor,
                &citizen,
                span(&shift)?,
                severity,
                contingency,
            )?;
            out.print(&note, |w| {
                writeln!(w, "note {} on {} kept", note.key, note.citizen_id)
            })
        }
        Some(HandoverCommand::Sign { shift, citizens }) => {
            let citizens = if citizens.is_empty() {
                None
            } else {
                Some(
                    citizens
                        .iter()
                        .map(|c| parse_citizen(c))
                        .collect::<Result<Vec<_>, _>>()?,
                )
            };
            let signoff = session.sign_handover(actor, span(&shift)?, citizens)?;
            out.print(&signoff, |w| {
                writeln!(
                    w,
                    "signed for {} of {} citizen(s) by {}",
                    signoff.signed.len(),
                    signoff.presented.len(),
                    signoff.signed_by
                )
            })
        }
    }
}
