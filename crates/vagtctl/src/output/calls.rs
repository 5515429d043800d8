//! Text for people at a terminal: the call log and written plots.

use std::io::{self, Write};

pub fn calls_table(w: &mut dyn Write, calls: &[vagt_core::call::CallRecord]) -> io::Result<()> {
    writeln!(
        w,
        "{:<20} {:<13} {:<4} {:<12} {:<5} reason",
        "started", "citizen", "dir", "nurse", "level"
    )?;
    for call in calls {
        writeln!(
            w,
            "{:<20} {:<13} {:<4} {:<12} {:<5} {}",
            call.started_at.to_rfc3339().get(..19).unwrap_or_default(),
            call.citizen_id.as_ref().map_or_else(
                || format!("({})", call.caller_name),
                |c| c.as_str().to_owned()
            ),
            match call.direction {
                vagt_core::call::CallDirection::Inbound => "in",
                vagt_core::call::CallDirection::Outbound => "out",
            },
            call.nurse,
            call.assessed_level
                .map_or_else(String::new, |l| format!("ECM{}", l.get())),
            call.reason
        )?;
    }
    Ok(())
}

pub fn call_text(w: &mut dyn Write, call: &vagt_core::call::CallRecord) -> io::Result<()> {
    writeln!(w, "call {}", call.key)?;
    writeln!(
        w,
        "  {} – {} by {}",
        call.started_at, call.ended_at, call.nurse
    )?;
    match &call.citizen_id {
        Some(c) => match &call.linked {
            Some(link) => writeln!(
                w,
                "  citizen {c} (unknown caller {:?}, linked by {} at {})",
                call.caller_name,
                link.linked_by,
                link.linked_at.to_rfc3339()
            )?,
            None => writeln!(w, "  citizen {c}")?,
        },
        None => writeln!(w, "  unknown caller: {}", call.caller_name)?,
    }
    writeln!(w, "  reason: {}", call.reason)?;
    for s in &call.symptoms {
        let mark = if s.present { "+" } else { "-" };
        writeln!(w, "  {mark} {} {}", s.symptom.code(), s.detail)?;
    }
    if !call.notes.is_empty() {
        writeln!(w, "  notes: {}", call.notes)?;
    }
    if !call.advice.is_empty() {
        writeln!(w, "  advice: {}", call.advice)?;
    }
    for m in &call.medicine {
        writeln!(w, "  medicine: {} {}", m.drug, m.dose)?;
    }
    if call.e_doctor_consulted {
        writeln!(w, "  e-doctor consulted")?;
    }
    if let Some(level) = call.assessed_level {
        writeln!(w, "  assessment: ECM{}", level.get())?;
    }
    if let Some(at) = call.follow_up_at {
        writeln!(w, "  call back at {at}")?;
    }
    Ok(())
}

pub fn plot_text(
    w: &mut dyn Write,
    path: &std::path::Path,
    bytes: usize,
    rendered: &vagt_plot::Rendered,
) -> io::Result<()> {
    writeln!(
        w,
        "wrote {} ({} bytes, {}x{} px)",
        path.display(),
        bytes,
        rendered.width,
        rendered.height
    )?;
    for panel in &rendered.panels {
        writeln!(
            w,
            "  {:<16} {:>8} readings, {:>6} drawn",
            panel.panel.code(),
            panel.readings,
            panel.drawn
        )?;
    }
    Ok(())
}
