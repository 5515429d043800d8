//! The engine's computation: a citizen's readings and events indexed by time, evaluated at any
//! instant, replayed change by change.

use crate::care_event::{CareEvent, CareEventKind};
use crate::ecm::{EcmLevel, LevelSource};
use crate::ecm_engine::model::{
    EngineReading, Evaluation, Finding, FindingRule, LevelChange, LevelRule, LevelTrigger,
    ReadingLevel, ReadingsBasis, Transition,
};
use crate::limits::Triage;
use crate::parameter::Parameter;
use crate::plan::{LevelMapping, RelativeKind, RelativeRule, TriagePlan};
use crate::time_util::Timestamp;
use std::cmp::Ordering;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
struct Point {
    at: Timestamp,
    value: f64,
    key: String,
}

#[derive(Debug, Clone)]
struct Instant {
    level: EcmLevel,
    rule: LevelRule,
    findings: Vec<Finding>,
}

/// Most severe first, then newest, then by parameter and key so the order never depends on
/// input order.
fn finding_order(a: &Finding, b: &Finding) -> Ordering {
    b.triage
        .cmp(&a.triage)
        .then(b.reading_at.cmp(&a.reading_at))
        .then(a.parameter.cmp(&b.parameter))
        .then(a.reading_key.cmp(&b.reading_key))
        .then_with(|| rule_code(&a.rule).cmp(&rule_code(&b.rule)))
}

fn rule_code(rule: &FindingRule) -> String {
    match rule {
        FindingRule::Limit { limit } => limit.code().to_owned(),
        FindingRule::Relative { id, .. } => format!("relative:{id}"),
    }
}

fn map_level(m: &LevelMapping, reds: usize, abnormal: usize) -> (EcmLevel, LevelRule) {
    let mut best = (m.all_green, LevelRule::AllGreen);
    // `>=` so that on a tie the more severe line names the level.
    let mut consider = |level: EcmLevel, rule: LevelRule| {
        if level >= best.0 {
            best = (level, rule);
        }
    };
    if abnormal >= 1 {
        consider(m.one_yellow, LevelRule::OneYellow);
    }
    if abnormal >= 2 {
        consider(m.two_yellows, LevelRule::TwoYellows);
    }
    if reds >= 1 {
        consider(m.any_red, LevelRule::AnyRed);
    }
    best
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// The rule's bound and its baseline for a reading preceded by `window` (the values of the
/// rule's window before it, in any order); `None` with fewer than the rule's minimum. The plots
/// draw the same bound the rules judge by.
pub fn relative_bound(rule: &RelativeRule, window: &mut [f64]) -> Option<(f64, f64)> {
    if window.len() < rule.min_readings.max(1) {
        return None;
    }
    Some(match rule.kind {
        RelativeKind::BelowMedian { percent } => {
            let m = median(window);
            (m * (1.0 - percent / 100.0), m)
        }
        RelativeKind::AboveMedian { percent } => {
            let m = median(window);
            (m * (1.0 + percent / 100.0), m)
        }
        RelativeKind::Rise { amount } => {
            let low = window.iter().copied().fold(f64::INFINITY, f64::min);
            (low + amount, low)
        }
        RelativeKind::Fall { amount } => {
            let high = window.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (high - amount, high)
        }
    })
}

/// Whether `value` breaks a relative rule whose bound is `bound`.
pub fn breaks_relative(kind: RelativeKind, value: f64, bound: f64) -> bool {
    match kind {
        RelativeKind::BelowMedian { .. } | RelativeKind::Fall { .. } => value < bound,
        RelativeKind::AboveMedian { .. } | RelativeKind::Rise { .. } => value > bound,
    }
}

/// `Some((bound, baseline))` when the latest reading (index `i`) breaks the rule.
fn relative_check(rule: &RelativeRule, points: &[Point], i: usize) -> Option<(f64, f64)> {
    let latest = &points[i];
    let from = latest.at.plus_millis(-rule.window_ms);
    let start = points.partition_point(|p| p.at < from);
    let end = points.partition_point(|p| p.at < latest.at);
    let mut window: Vec<f64> = points.get(start..end)?.iter().map(|p| p.value).collect();
    let (bound, baseline) = relative_bound(rule, &mut window)?;
    breaks_relative(rule.kind, latest.value, bound).then_some((bound, baseline))
}

/// One citizen's readings and events, indexed for evaluation at any instant. Build it once and
/// evaluate, replay or list levels as often as needed.
#[derive(Debug, Clone)]
pub struct Timeline<'p> {
    plan: &'p TriagePlan,
    series: Vec<(Parameter, Vec<Point>)>,
    rules: BTreeMap<Parameter, Vec<&'p RelativeRule>>,
    /// Sorted by (time, key).
    events: Vec<CareEvent>,
    /// Instants where `I(t)` may change, ascending, and `I` from each up to the next.
    cps: Vec<Timestamp>,
    cp_levels: Vec<EcmLevel>,
    /// Instants where the suggested level may change, ascending.
    candidates: Vec<Timestamp>,
}

impl<'p> Timeline<'p> {
    /// Non-finite values are skipped; a key seen twice for one parameter counts once.
    pub fn new(plan: &'p TriagePlan, readings: &[EngineReading], events: &[CareEvent]) -> Self {
        let mut all: Vec<&EngineReading> =
            readings.iter().filter(|r| r.value.is_finite()).collect();
        // Canonical order first, so that dropping duplicates never depends on input order.
        all.sort_by(|a, b| {
            (a.parameter, &a.key, a.effective_at)
                .cmp(&(b.parameter, &b.key, b.effective_at))
                .then(a.value.total_cmp(&b.value))
        });
        all.dedup_by(|a, b| a.parameter == b.parameter && a.key == b.key);
        let mut by_parameter: BTreeMap<Parameter, Vec<Point>> = BTreeMap::new();
        for r in all {
            by_parameter.entry(r.parameter).or_default().push(Point {
                at: r.effective_at,
                value: r.value,
                key: r.key.clone(),
            });
        }
        let series: Vec<(Parameter, Vec<Point>)> = by_parameter
            .into_iter()
            .map(|(p, mut points)| {
                points.sort_by(|a, b| (a.at, &a.key).cmp(&(b.at, &b.key)));
                (p, points)
            })
            .collect();

        let mut rules: BTreeMap<Parameter, Vec<&RelativeRule>> = BTreeMap::new();
        for rule in &plan.relative {
            rules.entry(rule.parameter).or_default().push(rule);
        }

        let mut evs: Vec<CareEvent> = events.to_vec();
        evs.sort_by(|a, b| (&a.key, a.at, a.kind).cmp(&(&b.key, b.at, b.kind)));
        evs.dedup_by(|a, b| a.key == b.key);
        evs.sort_by(|a, b| (a.at, &a.key).cmp(&(b.at, &b.key)));

        let settings = plan.engine;
        let mut cps: Vec<Timestamp> = series
            .iter()
            .flat_map(|(_, points)| points.iter())
            .flat_map(|p| [p.at, p.at.plus_millis(settings.lookback_ms)])
            .collect();
        cps.sort_unstable();
        cps.dedup();

        let mut timeline = Timeline {
            plan,
            series,
            rules,
            events: evs,
            cps,
            cp_levels: Vec::new(),
            candidates: Vec::new(),
        };
        timeline.cp_levels = timeline
            .cps
            .iter()
            .map(|t| timeline.instant(*t).level)
            .collect();

        let mut candidates: Vec<Timestamp> = timeline
            .cps
            .iter()
            .flat_map(|c| [*c, c.plus_millis(settings.hold_ms)])
            .collect();
        for e in &timeline.events {
            candidates.push(e.at);
            if e.kind == CareEventKind::MasVisit {
                candidates.push(e.at.plus_millis(settings.mas_visit_hold_ms));
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        timeline.candidates = candidates;
        timeline
    }

    fn no_data(&self) -> (EcmLevel, LevelRule) {
        map_level(&self.plan.levels, 0, 0)
    }

    /// The instantaneous state `I(t)` with its findings.
    fn instant(&self, t: Timestamp) -> Instant {
        let mut findings = Vec::new();
        let (mut reds, mut abnormal) = (0, 0);
        for (parameter, points) in &self.series {
            let Some(i) = points.partition_point(|p| p.at <= t).checked_sub(1) else {
                continue;
            };
            let latest = &points[i];
            if t.millis().saturating_sub(latest.at.millis()) >= self.plan.engine.lookback_ms {
                continue;
            }
            let mut worst = Triage::Green;
            let mut push = |triage: Triage, rule: FindingRule, limit: f64, baseline| {
                worst = worst.max(triage);
                findings.push(Finding {
                    parameter: *parameter,
                    reading_key: latest.key.clone(),
                    reading_at: latest.at,
                    value: latest.value,
                    triage,
                    rule,
                    limit,
                    baseline,
                });
            };
            if let Some(threshold) = self.plan.thresholds.get(parameter)
                && let Some((limit_kind, limit)) = threshold.crossed(latest.value)
            {
                push(
                    limit_kind.triage(),
                    FindingRule::Limit { limit: limit_kind },
                    limit,
                    None,
                );
            }
            for rule in self.rules.get(parameter).into_iter().flatten() {
                if let Some((bound, baseline)) = relative_check(rule, points, i) {
                    push(
                        rule.colour,
                        FindingRule::Relative {
                            id: rule.id.clone(),
                            kind: rule.kind.code(),
                        },
                        bound,
                        Some(baseline),
                    );
                }
            }
            if worst == Triage::Red {
                reds += 1;
            }
            if worst >= Triage::Yellow {
                abnormal += 1;
            }
        }
        findings.sort_by(finding_order);
        let (level, rule) = map_level(&self.plan.levels, reds, abnormal);
        Instant {
            level,
            rule,
            findings,
        }
    }

    /// `I(x)` from the precomputed pieces.
    fn piece_level(&self, x: Timestamp) -> EcmLevel {
        match self.cps.partition_point(|c| *c <= x).checked_sub(1) {
            Some(j) => self.cp_levels[j],
            None => self.no_data().0,
        }
    }

    /// The highest `I` over `[t - hold, t]`: (level, index of the latest piece attaining it
    /// (`None` = the piece before any data), when it will fall).
    fn readings_window(&self, t: Timestamp) -> (EcmLevel, Option<usize>, Option<Timestamp>) {
        let hold = self.plan.engine.hold_ms;
        let start = t.plus_millis(-hold);
        let first_inside = self.cps.partition_point(|c| *c <= start);
        let end = self.cps.partition_point(|c| *c <= t);
        let (mut best, mut best_idx, from) = match first_inside.checked_sub(1) {
            Some(j) => (self.cp_levels[j], Some(j), j + 1),
            None => (self.no_data().0, None, 0),
        };
        for j in from..end {
            if self.cp_levels[j] >= best {
                best = self.cp_levels[j];
                best_idx = Some(j);
            }
        }
        let current_idx = end.checked_sub(1);
        let held_until = if best_idx == current_idx {
            None
        } else {
            let next = best_idx.map_or(0, |j| j + 1);
            self.cps.get(next).map(|c| c.plus_millis(hold))
        };
        (best, best_idx, held_until)
    }

    fn latest_event(&self, t: Timestamp) -> Option<&CareEvent> {
        let i = self.events.partition_point(|e| e.at <= t).checked_sub(1)?;
        self.events.get(i)
    }

    /// The event floor in force at `t`.
    fn event_floor(&self, t: Timestamp) -> Option<(EcmLevel, &CareEvent)> {
        let e = self.latest_event(t)?;
        let m = &self.plan.levels;
        let level = match e.kind {
            CareEventKind::Discharge => return None,
            CareEventKind::MasVisit => {
                if t.millis().saturating_sub(e.at.millis()) >= self.plan.engine.mas_visit_hold_ms {
                    return None;
                }
                m.mas_visit
            }
            CareEventKind::AcuteBedAdmission => m.acute_bed,
            CareEventKind::HospitalAdmission => m.hospital,
        };
        Some((level, e))
    }

    /// The suggested level at `t`, without its explanation.
    pub fn level_at(&self, t: Timestamp) -> EcmLevel {
        let readings = self.readings_window(t).0;
        match self.event_floor(t) {
            Some((floor, _)) => floor.max(readings),
            None => readings,
        }
    }

    /// The suggested level at `now` with its explanation.
    pub fn evaluate(&self, now: Timestamp) -> Evaluation {
        let (readings_level, best_idx, held_until) = self.readings_window(now);
        let as_of = best_idx.and_then(|j| self.cps.get(j).copied());
        let basis = match as_of {
            Some(t) => self.instant(t),
            None => {
                let (level, rule) = self.no_data();
                Instant {
                    level,
                    rule,
                    findings: Vec::new(),
                }
            }
        };
        let floor = self.event_floor(now);
        let (level, source) = match floor {
            Some((f, _)) if f >= readings_level => (f, LevelSource::Event),
            _ => (readings_level, LevelSource::Suggested),
        };
        Evaluation {
            at: now,
            level,
            source,
            change: self.last_change(now, level),
            readings: ReadingsBasis {
                level: readings_level,
                current: self.piece_level(now),
                rule: basis.rule,
                as_of,
                held_until,
                findings: basis.findings,
            },
            event: floor.map(|(_, e)| e.clone()),
        }
    }

    /// The last change of the suggested level at or before `now` (which has `level`).
    fn last_change(&self, now: Timestamp, level: EcmLevel) -> Option<LevelChange> {
        let end = self.candidates.partition_point(|c| *c <= now);
        let mut since = None;
        for k in (0..end).rev() {
            let before = self.level_at(self.candidates[k]);
            if before != level {
                let at = since?;
                return Some(self.describe_change(at, before, level, Some(self.candidates[k])));
            }
            since = Some(self.candidates[k]);
        }
        let (initial, _) = self.no_data();
        match since {
            Some(at) if level != initial => Some(self.describe_change(at, initial, level, None)),
            _ => None,
        }
    }

    fn describe_change(
        &self,
        at: Timestamp,
        from: EcmLevel,
        to: EcmLevel,
        previous_instant: Option<Timestamp>,
    ) -> LevelChange {
        let floor_now = self.event_floor(at);
        let floor_before = previous_instant.and_then(|p| self.event_floor(p));
        let new_event = floor_now.filter(|(f, e)| *f == to && e.at == at);
        let trigger = if let Some((_, e)) = new_event {
            LevelTrigger::Event {
                kind: e.kind,
                key: e.key.clone(),
            }
        } else if to > from {
            LevelTrigger::Reading {
                finding: self.trigger_finding(at),
            }
        } else {
            match floor_before {
                Some((f, ended))
                    if f == from && floor_now.is_none_or(|(_, e)| e.key != ended.key) =>
                {
                    LevelTrigger::EventEnded {
                        kind: ended.kind,
                        key: ended.key.clone(),
                        ended_by: self
                            .latest_event(at)
                            .filter(|e| e.key != ended.key)
                            .map(|e| e.key.clone()),
                    }
                }
                _ => LevelTrigger::ReadingsImproved,
            }
        };
        LevelChange { at, from, trigger }
    }

    /// The most severe finding among the readings taken at `at`, else among all findings then.
    fn trigger_finding(&self, at: Timestamp) -> Option<Finding> {
        let findings = self.instant(at).findings;
        findings
            .iter()
            .find(|f| f.reading_at == at)
            .or_else(|| findings.first())
            .cloned()
    }

    /// The yellow and red findings at `t` (no hold), most severe first; for a UI's "now".
    pub fn findings_at(&self, t: Timestamp) -> Vec<Finding> {
        self.instant(t).findings
    }

    /// The changes of the suggested level in `(after, until]`, each with the level just
    /// before it. Only data decides them, not where a station began to look: every station that
    /// holds the same readings and events finds the same changes with the same `from`.
    pub fn transitions_between(&self, after: Timestamp, until: Timestamp) -> Vec<Transition> {
        let mut previous = self.level_at(after);
        let mut out = Vec::new();
        let start = self.candidates.partition_point(|c| *c <= after);
        for &at in self.candidates[start..].iter().take_while(|c| **c <= until) {
            let level = self.level_at(at);
            if level != previous {
                out.push(Transition {
                    at,
                    from: Some(previous),
                    to: level,
                    evaluation: self.evaluate(at),
                });
                previous = level;
            }
        }
        out
    }

    /// The first instant after `t` at which the suggested level may change with no new data
    /// (a reading ageing out of the look-back, a hold running out, a MAS visit's hold ending):
    /// when a citizen must be evaluated again though nothing arrived.
    pub fn next_change_after(&self, t: Timestamp) -> Option<Timestamp> {
        let at = self.candidates.partition_point(|c| *c <= t);
        self.candidates.get(at).copied()
    }

    /// Every change of the suggested level up to `until`, in time order; the first entry (from
    /// `None`) is the level at the first instant with data or events.
    pub fn replay(&self, until: Timestamp) -> Vec<Transition> {
        let mut out: Vec<Transition> = Vec::new();
        let mut previous: Option<EcmLevel> = None;
        for &at in self.candidates.iter().take_while(|c| **c <= until) {
            let level = self.level_at(at);
            if previous != Some(level) {
                out.push(Transition {
                    at,
                    from: previous,
                    to: level,
                    evaluation: self.evaluate(at),
                });
                previous = Some(level);
            }
        }
        out
    }

    /// The suggested level at the effective time of each reading up to `until`, in
    /// (time, parameter, key) order.
    pub fn levels_at_readings(&self, until: Timestamp) -> Vec<ReadingLevel> {
        let mut out: Vec<ReadingLevel> = self
            .series
            .iter()
            .flat_map(|(parameter, points)| {
                points
                    .iter()
                    .filter(|p| p.at <= until)
                    .map(move |p| (p.at, *parameter, p.key.clone()))
            })
            .map(|(at, parameter, key)| ReadingLevel {
                key,
                parameter,
                effective_at: at,
                level: self.level_at(at),
            })
            .collect();
        out.sort_by(|a, b| {
            (a.effective_at, a.parameter, &a.key).cmp(&(b.effective_at, b.parameter, &b.key))
        });
        out
    }
}

/// The suggested level at `now`; see the module docs.
pub fn evaluate(
    plan: &TriagePlan,
    readings: &[EngineReading],
    events: &[CareEvent],
    now: Timestamp,
) -> Evaluation {
    Timeline::new(plan, readings, events).evaluate(now)
}

/// The changes of the suggested level in `(after, until]`; see [`Timeline::transitions_between`].
pub fn transitions_between(
    plan: &TriagePlan,
    readings: &[EngineReading],
    events: &[CareEvent],
    after: Timestamp,
    until: Timestamp,
) -> Vec<Transition> {
    Timeline::new(plan, readings, events).transitions_between(after, until)
}

/// Every change of the suggested level up to `until`; see [`Timeline::replay`].
pub fn replay(
    plan: &TriagePlan,
    readings: &[EngineReading],
    events: &[CareEvent],
    until: Timestamp,
) -> Vec<Transition> {
    Timeline::new(plan, readings, events).replay(until)
}

/// The suggested level at each reading's effective time; see [`Timeline::levels_at_readings`].
pub fn levels_at_readings(
    plan: &TriagePlan,
    readings: &[EngineReading],
    events: &[CareEvent],
    until: Timestamp,
) -> Vec<ReadingLevel> {
    Timeline::new(plan, readings, events).levels_at_readings(until)
}
