//! What a drawn value looks like: a reading or score near the citizen's last, a correction
//! visibly off the old value, a recent resource to change. Pure functions of the random
//! stream, kept apart from the writes so [`crate::world::advance`] reads as what changes.

use crate::readings::ServerValue;
use std::collections::HashSet;
use vagt_cohort::Rng;
use vagt_core::Parameter;
use vagt_fhir::codes::ScoredQuestionnaire;

/// A new score near the last one.
pub(super) fn next_score(rng: &mut Rng, form: &ScoredQuestionnaire, last: Option<f64>) -> i64 {
    let base = last.unwrap_or_else(|| typical(form.parameter));
    let spread = if form.parameter == Parameter::CatScore {
        2.0
    } else {
        0.8
    };
    ((base + spread * rng.normal()).round() as i64).clamp(0, form.max_total())
}

/// The next reading near the last one, in the same unit.
pub(super) fn next_value(
    rng: &mut Rng,
    parameter: Parameter,
    last: Option<&(f64, String)>,
) -> ServerValue {
    let (base, unit) = match last {
        Some((value, unit)) => (*value, unit.clone()),
        None => (typical(parameter), parameter.canonical_unit().to_owned()),
    };
    let spread = match parameter {
        Parameter::Spo2 => 1.0,
        Parameter::Temperature if unit == "[degF]" => 0.36,
        Parameter::Temperature => 0.2,
        _ => base.abs() * 0.03,
    };
    let mut value = round(base + spread * rng.normal(), decimals(parameter, &unit));
    if unit == parameter.canonical_unit() {
        let (low, high) = parameter.plausible_range();
        value = value.clamp(low, high);
    }
    ServerValue {
        parameter,
        value,
        unit,
    }
}

/// A corrected value: visibly different from the old one, still plausible.
pub(super) fn corrected(rng: &mut Rng, old: &ServerValue) -> ServerValue {
    let d = decimals(old.parameter, &old.unit);
    let step = 10f64.powi(-d) * (1 + rng.below(4)) as f64;
    let down = old.parameter == Parameter::Spo2 || (rng.chance(0.5) && old.value - step > 0.0);
    let value = round(
        if down {
            old.value - step
        } else {
            old.value + step
        },
        d,
    );
    ServerValue {
        value,
        ..old.clone()
    }
}

/// A typical value for a parameter without history, in its canonical unit.
fn typical(parameter: Parameter) -> f64 {
    use Parameter::*;
    match parameter {
        Spo2 => 94.0,
        Pulse => 75.0,
        Fev1 => 1.2,
        Fvc => 2.2,
        Temperature => 36.8,
        Weight => 80.0,
        SystolicBp => 130.0,
        DiastolicBp => 80.0,
        RespiratoryRate => 16.0,
        BloodGlucose => 7.5,
        Crp => 5.0,
        CatScore => 15.0,
        SymptomScore => 2.0,
    }
}

/// Decimals a value is given in: the parameter's, except millilitres in tens.
fn decimals(parameter: Parameter, unit: &str) -> i32 {
    match unit {
        "mL" | "ml" => -1,
        "[lb_av]" | "[degF]" => 1,
        _ => parameter.display_decimals() as i32,
    }
}

fn round(value: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (value * f).round() / f
}

/// One of the last `window` generated items that is `open` and not yet `touched` by this
/// advance, drawn at random (giving up after 50 draws), and marked touched.
pub(super) fn pick_recent_untouched(
    rng: &mut Rng,
    generated: &[usize],
    window: usize,
    touched: &mut HashSet<usize>,
    open: impl Fn(usize) -> bool,
) -> Option<usize> {
    let window = generated.len().min(window);
    let recent = &generated[generated.len() - window..];
    let index = (0..50).find_map(|_| {
        let index = *recent.get(rng.below(window as u64) as usize)?;
        (open(index) && !touched.contains(&index)).then_some(index)
    })?;
    touched.insert(index);
    Some(index)
}
