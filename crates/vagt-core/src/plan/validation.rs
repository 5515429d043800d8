//! Checks of a plan's values: each value on its own, the limits of one entry against each
//! other, and (for a merged plan) the fields a rule needs. Every
//! problem is collected, not only the first, so a form can show each one at its field.

use crate::limits::Triage;
use crate::plan::document::{
    DocumentFormat, LimitsEntry, PlanDocument, PlanDocumentWire, RelativeEntry, RelativeKindCode,
    parse_text,
};
use crate::plan::error::PlanError;

/// Parses one plan layer (a citizen's overrides, or a single diagnosis group) and checks every
/// value that can be checked without the other layers.
pub fn parse_plan_document(text: &str, format: DocumentFormat) -> Result<PlanDocument, PlanError> {
    checked(parse_text::<PlanDocumentWire>(text, format)?, "")
}

/// A raw layer as a document, refused with its first problem. `prefix` is "" for a plain
/// document or e.g. "copd." inside the defaults file.
pub(crate) fn checked(raw: PlanDocumentWire, prefix: &str) -> Result<PlanDocument, PlanError> {
    let doc = raw.into_document(prefix)?;
    match document_problems(&doc, prefix).into_iter().next() {
        Some(first) => Err(first),
        None => Ok(doc),
    }
}

/// Every problem of one layer's values on their own and of the limits within one entry.
pub fn document_problems(doc: &PlanDocument, prefix: &str) -> Vec<PlanError> {
    let mut out = Vec::new();
    let e = &doc.engine;
    non_negative(
        &format!("{prefix}engine.hold_hours"),
        e.hold_hours,
        &mut out,
    );
    positive(
        &format!("{prefix}engine.lookback_hours"),
        e.lookback_hours,
        &mut out,
    );
    non_negative(
        &format!("{prefix}engine.mas_visit_hold_hours"),
        e.mas_visit_hold_hours,
        &mut out,
    );

    for (parameter, entry) in &doc.limits {
        let base = format!("{prefix}limits.{parameter}");
        if entry.is_off() {
            if entry.has_values() {
                out.push(PlanError::OffWithValues { field: base });
            }
            continue;
        }
        check_limits(&base, entry, &mut out);
    }

    for (parameter, entry) in &doc.schedule {
        let base = format!("{prefix}schedule.{parameter}");
        if entry.is_off() {
            if entry.has_values() {
                out.push(PlanError::OffWithValues { field: base });
            }
            continue;
        }
        positive(&format!("{base}.every_hours"), entry.every_hours, &mut out);
        non_negative(&format!("{base}.grace_hours"), entry.grace_hours, &mut out);
    }

    let mut seen = std::collections::BTreeSet::new();
    for rule in &doc.relative {
        let id_ok = !rule.id.is_empty()
            && rule.id.len() <= 64
            && rule
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !id_ok {
            out.push(PlanError::BadRuleId {
                id: rule.id.clone(),
            });
            continue;
        }
        if !seen.insert(rule.id.as_str()) {
            out.push(PlanError::DuplicateRule {
                id: rule.id.clone(),
            });
            continue;
        }
        let base = format!("{prefix}relative.{}", rule.id);
        if rule.is_off() {
            if rule.has_values() {
                out.push(PlanError::OffWithValues { field: base });
            }
            continue;
        }
        check_relative_values(&base, rule, &mut out);
    }
    out
}

/// The fields a schedule or relative rule in force must have, in a merged plan.
pub fn completeness_problems(doc: &PlanDocument) -> Vec<PlanError> {
    let mut out = Vec::new();
    for (p, e) in doc.schedule.iter().filter(|(_, e)| !e.is_off()) {
        if e.every_hours.is_none() {
            out.push(PlanError::MissingField {
                field: format!("schedule.{p}.every_hours"),
            });
        }
    }
    for r in doc.relative.iter().filter(|r| !r.is_off()) {
        let mut missing = |name: &str, absent: bool| {
            if absent {
                out.push(PlanError::MissingField {
                    field: format!("relative.{}.{name}", r.id),
                });
            }
        };
        missing("parameter", r.parameter.is_none());
        missing("kind", r.kind.is_none());
        missing("window_hours", r.window_hours.is_none());
        match r.kind {
            Some(RelativeKindCode::BelowMedian | RelativeKindCode::AboveMedian) => {
                missing("percent", r.percent.is_none());
            }
            Some(RelativeKindCode::Rise | RelativeKindCode::Fall) => {
                missing("amount", r.amount.is_none());
            }
            None => {}
        }
    }
    out
}

/// False (and the problem noted) when the value is there and not finite.
fn finite(field: &str, value: Option<f64>, out: &mut Vec<PlanError>) -> bool {
    match value {
        Some(v) if !v.is_finite() => {
            out.push(PlanError::NotFinite {
                field: field.to_owned(),
                value: v,
            });
            false
        }
        _ => true,
    }
}

fn positive(field: &str, value: Option<f64>, out: &mut Vec<PlanError>) {
    if finite(field, value, out)
        && let Some(v) = value
        && v <= 0.0
    {
        out.push(PlanError::NotPositive {
            field: field.to_owned(),
            value: v,
        });
    }
}

fn non_negative(field: &str, value: Option<f64>, out: &mut Vec<PlanError>) {
    if finite(field, value, out)
        && let Some(v) = value
        && v < 0.0
    {
        out.push(PlanError::Negative {
            field: field.to_owned(),
            value: v,
        });
    }
}

fn check_limits(base: &str, entry: &LimitsEntry, out: &mut Vec<PlanError>) {
    let fields = [
        ("yellow_low", entry.yellow_low),
        ("yellow_high", entry.yellow_high),
        ("red_low", entry.red_low),
        ("red_high", entry.red_high),
    ];
    let before = out.len();
    for (name, value) in fields {
        finite(&format!("{base}.{name}"), value, out);
    }
    if out.len() > before {
        return;
    }
    // A yellow limit between red and normal is the only arrangement where both colours can occur.
    if let (Some(yellow), Some(red)) = (entry.yellow_low, entry.red_low)
        && yellow < red
    {
        out.push(PlanError::YellowOutsideRed {
            yellow_field: format!("{base}.yellow_low"),
            yellow,
            red_field: format!("{base}.red_low"),
            red,
        });
    }
    if let (Some(yellow), Some(red)) = (entry.yellow_high, entry.red_high)
        && yellow > red
    {
        out.push(PlanError::YellowOutsideRed {
            yellow_field: format!("{base}.yellow_high"),
            yellow,
            red_field: format!("{base}.red_high"),
            red,
        });
    }
    // Every low limit must be below every high limit, or no value is green.
    for (low_name, low) in [("yellow_low", entry.yellow_low), ("red_low", entry.red_low)] {
        for (high_name, high) in [
            ("yellow_high", entry.yellow_high),
            ("red_high", entry.red_high),
        ] {
            if let (Some(low), Some(high)) = (low, high)
                && low >= high
            {
                out.push(PlanError::LowNotBelowHigh {
                    low_field: format!("{base}.{low_name}"),
                    low,
                    high_field: format!("{base}.{high_name}"),
                    high,
                });
            }
        }
    }
}

fn check_relative_values(base: &str, rule: &RelativeEntry, out: &mut Vec<PlanError>) {
    if let Some(p) = rule.percent {
        let field = format!("{base}.percent");
        if finite(&field, Some(p), out) && (p <= 0.0 || p >= 100.0) {
            out.push(PlanError::OutOfRange {
                field,
                value: p,
                low: 0.0,
                high: 100.0,
            });
        }
    }
    positive(&format!("{base}.amount"), rule.amount, out);
    positive(&format!("{base}.window_hours"), rule.window_hours, out);
    if rule.min_readings == Some(0) {
        out.push(PlanError::NotPositive {
            field: format!("{base}.min_readings"),
            value: 0.0,
        });
    }
    if rule.colour == Some(Triage::Green) {
        out.push(PlanError::GreenRule {
            field: format!("{base}.colour"),
        });
    }
    if let Some(kind) = rule.kind {
        if kind.uses_percent() && rule.amount.is_some() {
            out.push(PlanError::FieldNotAllowed {
                field: format!("{base}.amount"),
                kind: kind.code(),
            });
        }
        if !kind.uses_percent() && rule.percent.is_some() {
            out.push(PlanError::FieldNotAllowed {
                field: format!("{base}.percent"),
                kind: kind.code(),
            });
        }
    }
}
