//! Merging plan layers: several diagnosis groups (the tighter value wins) and layering (the
//! upper layer wins). See the [`crate::plan`] docs for the rules.

use crate::news2::SpO2Scale;
use crate::parameter::Parameter;
use crate::plan::document::{
    EngineSection, LevelSection, LimitsEntry, News2Section, PlanDocument, RelativeEntry,
    RelativeKindCode, ScheduleEntry,
};
use std::collections::BTreeMap;

fn min_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

fn max_opt<T: PartialOrd>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y > x { y } else { x }),
        (x, y) => x.or(y),
    }
}

/// Merges two diagnosis groups' layers: the tighter value wins (see the module docs). `off`
/// entries are ignored here; they belong in overrides.
pub fn merge_tighter(a: &PlanDocument, b: &PlanDocument) -> PlanDocument {
    let engine = EngineSection {
        hold_hours: max_opt(a.engine.hold_hours, b.engine.hold_hours),
        lookback_hours: max_opt(a.engine.lookback_hours, b.engine.lookback_hours),
        mas_visit_hold_hours: max_opt(a.engine.mas_visit_hold_hours, b.engine.mas_visit_hold_hours),
    };
    let (la, lb) = (a.levels, b.levels);
    let levels = LevelSection {
        all_green: max_opt(la.all_green, lb.all_green),
        one_yellow: max_opt(la.one_yellow, lb.one_yellow),
        two_yellows: max_opt(la.two_yellows, lb.two_yellows),
        any_red: max_opt(la.any_red, lb.any_red),
        mas_visit: max_opt(la.mas_visit, lb.mas_visit),
        acute_bed: max_opt(la.acute_bed, lb.acute_bed),
        hospital: max_opt(la.hospital, lb.hospital),
    };

    let mut limits: BTreeMap<Parameter, LimitsEntry> = BTreeMap::new();
    for (p, e) in a.limits.iter().chain(&b.limits) {
        if e.is_off() {
            continue;
        }
        limits
            .entry(*p)
            .and_modify(|m| {
                m.yellow_low = max_opt(m.yellow_low, e.yellow_low);
                m.red_low = max_opt(m.red_low, e.red_low);
                m.yellow_high = min_opt(m.yellow_high, e.yellow_high);
                m.red_high = min_opt(m.red_high, e.red_high);
            })
            .or_insert(LimitsEntry { off: None, ..*e });
    }

    let mut schedule: BTreeMap<Parameter, ScheduleEntry> = BTreeMap::new();
    for (p, e) in a.schedule.iter().chain(&b.schedule) {
        if e.is_off() {
            continue;
        }
        schedule
            .entry(*p)
            .and_modify(|m| {
                m.every_hours = min_opt(m.every_hours, e.every_hours);
                m.grace_hours = min_opt(m.grace_hours, e.grace_hours);
            })
            .or_insert(ScheduleEntry { off: None, ..*e });
    }

    let mut relative: BTreeMap<String, RelativeEntry> = BTreeMap::new();
    for r in a.relative.iter().chain(&b.relative) {
        if r.is_off() {
            continue;
        }
        relative
            .entry(r.id.clone())
            .and_modify(|m| {
                // Parameter and kind agree (checked when the defaults are parsed); keep the first.
                m.parameter = m.parameter.or(r.parameter);
                m.kind = m.kind.or(r.kind);
                m.percent = min_opt(m.percent, r.percent);
                m.amount = min_opt(m.amount, r.amount);
                m.window_hours = max_opt(m.window_hours, r.window_hours);
                m.min_readings = match (m.min_readings, r.min_readings) {
                    (Some(x), Some(y)) => Some(x.min(y)),
                    (x, y) => x.or(y),
                };
                m.colour = max_opt(m.colour, r.colour);
            })
            .or_insert_with(|| RelativeEntry {
                off: None,
                ..r.clone()
            });
    }

    // Scale 2 is prescribed per citizen; groups that disagree give the usual scale.
    let spo2_scale = match (a.news2.spo2_scale, b.news2.spo2_scale) {
        (Some(x), Some(y)) if x != y => Some(SpO2Scale::Scale1),
        (x, y) => x.or(y),
    };

    PlanDocument {
        engine,
        levels,
        limits,
        schedule,
        relative: relative.into_values().collect(),
        news2: News2Section { spo2_scale },
    }
}

/// Lays `upper` over `base`: every field `upper` gives wins; `off = true` removes the entry.
pub fn overlay(base: &PlanDocument, upper: &PlanDocument) -> PlanDocument {
    let (be, ue) = (base.engine, upper.engine);
    let engine = EngineSection {
        hold_hours: ue.hold_hours.or(be.hold_hours),
        lookback_hours: ue.lookback_hours.or(be.lookback_hours),
        mas_visit_hold_hours: ue.mas_visit_hold_hours.or(be.mas_visit_hold_hours),
    };
    let (bl, ul) = (base.levels, upper.levels);
    let levels = LevelSection {
        all_green: ul.all_green.or(bl.all_green),
        one_yellow: ul.one_yellow.or(bl.one_yellow),
        two_yellows: ul.two_yellows.or(bl.two_yellows),
        any_red: ul.any_red.or(bl.any_red),
        mas_visit: ul.mas_visit.or(bl.mas_visit),
        acute_bed: ul.acute_bed.or(bl.acute_bed),
        hospital: ul.hospital.or(bl.hospital),
    };

    let mut limits = base.limits.clone();
    for (p, u) in &upper.limits {
        let merged = match limits.get(p) {
            Some(b) if !u.is_off() && !b.is_off() => LimitsEntry {
                yellow_low: u.yellow_low.or(b.yellow_low),
                yellow_high: u.yellow_high.or(b.yellow_high),
                red_low: u.red_low.or(b.red_low),
                red_high: u.red_high.or(b.red_high),
                off: None,
            },
            _ => *u,
        };
        limits.insert(*p, merged);
    }

    let mut schedule = base.schedule.clone();
    for (p, u) in &upper.schedule {
        let merged = match schedule.get(p) {
            Some(b) if !u.is_off() && !b.is_off() => ScheduleEntry {
                every_hours: u.every_hours.or(b.every_hours),
                grace_hours: u.grace_hours.or(b.grace_hours),
                off: None,
            },
            _ => *u,
        };
        schedule.insert(*p, merged);
    }

    let mut relative: BTreeMap<String, RelativeEntry> = base
        .relative
        .iter()
        .map(|r| (r.id.clone(), r.clone()))
        .collect();
    for u in &upper.relative {
        let merged = match relative.get(&u.id) {
            Some(b) if !u.is_off() && !b.is_off() => RelativeEntry {
                id: u.id.clone(),
                parameter: u.parameter.or(b.parameter),
                kind: u.kind.or(b.kind),
                // A kind change drops the other kind's number, so `rise` over `below_median`
                // does not inherit a percent it cannot use.
                percent: if u.kind.is_some_and(|k| !k.uses_percent()) {
                    u.percent
                } else {
                    u.percent.or(b.percent)
                },
                amount: if u.kind.is_some_and(RelativeKindCode::uses_percent) {
                    u.amount
                } else {
                    u.amount.or(b.amount)
                },
                window_hours: u.window_hours.or(b.window_hours),
                min_readings: u.min_readings.or(b.min_readings),
                colour: u.colour.or(b.colour),
                off: None,
            },
            _ => u.clone(),
        };
        relative.insert(u.id.clone(), merged);
    }

    PlanDocument {
        engine,
        levels,
        limits,
        schedule,
        relative: relative.into_values().collect(),
        news2: News2Section {
            spo2_scale: upper.news2.spo2_scale.or(base.news2.spo2_scale),
        },
    }
}
