//! The shift handover as text: I-PASS per citizen, then the shift's calls and visits.

use std::io::{self, Write};
use vagt_app::Handover;
use vagt_core::handover::{HandoverAction, SeverityReason};
use vagt_core::news2::Risk;

fn level(l: Option<vagt_core::EcmLevel>) -> String {
    l.map_or_else(|| "-".to_owned(), |l| format!("ECM{}", l.get()))
}

fn reason_text(r: &SeverityReason) -> String {
    match r {
        SeverityReason::Level { level } => format!("ECM{}", level.get()),
        SeverityReason::LevelRose { from, to } => {
            format!("rose ECM{} -> ECM{}", from.get(), to.get())
        }
        SeverityReason::News2 { total, risk } => {
            let risk = match risk {
                Risk::Low => "low risk",
                Risk::LowMedium => "one parameter scoring 3",
                Risk::Medium => "medium risk",
                Risk::High => "high risk",
            };
            format!("NEWS2 {total}, {risk}")
        }
        SeverityReason::OpenAlarm { priority } => format!("open {} alarm", priority.code()),
        SeverityReason::BaselineDrift => "off own baseline".into(),
        SeverityReason::OpenDispatch => "MAS dispatch open".into(),
        SeverityReason::CallBackDue => "call-back due".into(),
    }
}

fn action_text(a: &HandoverAction) -> String {
    let at = a.at().to_rfc3339();
    let at = at.get(..16).unwrap_or_default();
    match a {
        HandoverAction::OpenDispatch { state, owner, .. } => format!(
            "{at} MAS dispatch {} ({})",
            state.code(),
            owner.as_deref().unwrap_or("no nurse yet")
        ),
        HandoverAction::CallBackDue { owner, .. } => format!(
            "{at} call back (promised by {})",
            owner.as_deref().unwrap_or("-")
        ),
        HandoverAction::UnacknowledgedAlarm {
            alarm,
            priority,
            count: 1,
            ..
        } => format!(
            "{at} {} alarm {} unacknowledged",
            priority.code(),
            alarm.code()
        ),
        HandoverAction::UnacknowledgedAlarm {
            alarm,
            priority,
            count,
            ..
        } => format!(
            "{at} {count} {} alarms {} unacknowledged, the oldest since then",
            priority.code(),
            alarm.code()
        ),
    }
}

pub fn handover_text(w: &mut dyn Write, h: &Handover) -> io::Result<()> {
    writeln!(
        w,
        "handover {} - {} ({} citizens to hear about, {} quiet)",
        h.from.to_rfc3339(),
        h.to.to_rfc3339(),
        h.citizens.len(),
        h.quiet
    )?;
    if h.signers.is_empty() {
        writeln!(w, "not signed as read yet")?;
    } else {
        writeln!(w, "signed as read by {}", h.signers.join(", "))?;
    }
    if !h.previous.signed {
        writeln!(w, "the previous shift's handover was never signed")?;
    } else if h.previous.unsigned > 0 {
        writeln!(
            w,
            "{} citizen(s) not signed for at the previous handover (marked CARRIED)",
            h.previous.unsigned
        )?;
    }
    for c in &h.citizens {
        let reasons: Vec<String> = c.reasons.iter().map(reason_text).collect();
        writeln!(
            w,
            "\n{:<9} {} ({})  confirmed {}, suggested {}, at start {}{}",
            c.severity.code().to_uppercase(),
            c.name,
            c.citizen_id,
            level(c.confirmed_level),
            level(c.suggested_level),
            level(c.level_at_start),
            if reasons.is_empty() {
                String::new()
            } else {
                format!("  [{}]", reasons.join("; "))
            }
        )?;
        if let Some(nurse) = &c.nurse_severity {
            writeln!(
                w,
                "          severity set by {} (the rule says {})",
                nurse.by,
                c.rule_severity.code()
            )?;
        }
        if c.carried_over {
            writeln!(
                w,
                "          CARRIED: not signed for at the previous handover"
            )?;
        }
        for a in &c.actions {
            writeln!(w, "          - {}", action_text(a))?;
        }
        if let Some(note) = &c.contingency {
            writeln!(w, "          if/then ({}): {}", note.by, note.value)?;
        }
        match &c.signed {
            Some(s) => writeln!(w, "          signed for by {}", s.by)?,
            None => writeln!(w, "          not signed for")?,
        }
        if c.calls_in_shift + c.visits_in_shift > 0 {
            writeln!(
                w,
                "          {} call(s), {} visit(s) this shift",
                c.calls_in_shift, c.visits_in_shift
            )?;
        }
    }
    writeln!(
        w,
        "\n{} call(s) and {} MAS visit(s) in the shift",
        h.calls.len(),
        h.visits.len()
    )
}

/// A citizen's timeline, one line per entry, newest first.
pub fn timeline_text(w: &mut dyn Write, entries: &[vagt_app::TimelineEntry]) -> io::Result<()> {
    use vagt_app::TimelineItem;
    for e in entries {
        let at = e.at.to_rfc3339();
        let what = match &e.item {
            TimelineItem::AlarmRaised {
                alarm, priority, ..
            } => format!("{} alarm {} raised", priority.code(), alarm.code()),
            TimelineItem::AlarmAcknowledged { alarm, by, .. } => {
                format!("alarm {} acknowledged by {by}", alarm.code())
            }
            TimelineItem::Level { level } => format!(
                "{} ECM{} by {}{}",
                level.kind.code(),
                level.level.get(),
                level.set_by.as_deref().unwrap_or("-"),
                level
                    .reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            ),
            TimelineItem::PlanRevision { revision } => format!(
                "plan revision {} by {}: {}",
                revision.revision, revision.changed_by, revision.reason
            ),
            TimelineItem::Call { call } => {
                format!("call by {}: {}", call.nurse, call.reason)
            }
            TimelineItem::DispatchStep { state, by, .. } => {
                format!("dispatch {} by {by}", state.code())
            }
            TimelineItem::Visit { visit } => {
                format!("MAS visit by {}: {}", visit.nurse, visit.outcome.code())
            }
            TimelineItem::CareEvent { event } => format!("care event {}", event.code()),
        };
        writeln!(
            w,
            "{}  {:<10} {what}",
            at.get(..16).unwrap_or_default(),
            e.kind.code()
        )?;
    }
    Ok(())
}
