//! Text for people at a terminal: the dispatch board and one dispatch.

use std::io::{self, Write};
use vagt_core::dispatch::Dispatch;

pub fn dispatches_table(w: &mut dyn Write, list: &[Dispatch]) -> io::Result<()> {
    writeln!(
        w,
        "{:<10} {:<20} {:<13} {:<10} {:<10} {:<12} reason",
        "key", "requested", "citizen", "urgency", "state", "nurse"
    )?;
    for d in list {
        let state = if d.conflicts.is_empty() {
            d.state.code().to_owned()
        } else {
            format!("{}!", d.state.code())
        };
        writeln!(
            w,
            "{:<10} {:<20} {:<13} {:<10} {:<10} {:<12} {}",
            d.key
                .trim_start_matches("urn:uuid:")
                .get(..8)
                .unwrap_or(&d.key),
            d.requested_at.to_rfc3339().get(..19).unwrap_or_default(),
            d.citizen_id.as_str(),
            d.urgency.code(),
            state,
            d.assigned_to.as_deref().unwrap_or("-"),
            d.reason
        )?;
    }
    if list.iter().any(|d| !d.conflicts.is_empty()) {
        writeln!(
            w,
            "! in conflict: `vagtctl dispatch show KEY` shows both versions"
        )?;
    }
    Ok(())
}

pub fn dispatch_text(w: &mut dyn Write, d: &Dispatch) -> io::Result<()> {
    writeln!(w, "dispatch {}", d.key)?;
    writeln!(w, "  citizen {}", d.citizen_id)?;
    writeln!(w, "  reason: {}", d.reason)?;
    writeln!(
        w,
        "  {} · {} · {}",
        d.state.code(),
        d.urgency.code(),
        d.assigned_to.as_deref().unwrap_or("no MAS nurse assigned")
    )?;
    if let Some(outcome) = d.outcome {
        writeln!(w, "  outcome: {}", outcome.code())?;
    }
    for entry in &d.history {
        let note = if entry.note.is_empty() {
            String::new()
        } else {
            format!(" ({})", entry.note)
        };
        writeln!(
            w,
            "  {} {:<10} by {}{note}",
            entry.at,
            entry.state.code(),
            entry.by
        )?;
    }
    for conflict in &d.conflicts {
        writeln!(w, "  CONFLICT in {}:", conflict.field.code())?;
        for version in &conflict.versions {
            writeln!(
                w,
                "    {:<20} by {} at {}",
                if version.value.is_empty() {
                    "(none)"
                } else {
                    &version.value
                },
                version.by,
                version.at
            )?;
        }
    }
    Ok(())
}
