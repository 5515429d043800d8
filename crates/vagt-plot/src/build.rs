//! From what the store holds to what a plot draws: panels, the bands as they were at each
//! moment, each reading's colour by the plan then in force, the citizen's own baseline, the
//! level strip. Pure: no drawing here, so every number is tested exactly.

use crate::model::{
    BASELINE_MIN_READINGS, BASELINE_SD, BASELINE_WINDOW_MS, EventMark, LevelMark, PlanStep,
    RejectedMark, TrendReading, TrendSource, Window,
};
use serde::Serialize;
use vagt_core::ecm_engine::{breaks_relative, relative_bound};
use vagt_core::limits::{Threshold, Triage};
use vagt_core::plan::{RelativeKind, RelativeRule};
use vagt_core::{EcmLevel, LevelKind, Parameter, Timestamp};

/// What one panel plots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ts_rs::TS)]
#[serde(tag = "kind", content = "parameter", rename_all = "snake_case")]
pub enum PanelKey {
    Parameter(Parameter),
    /// FEV1 as a percentage of the median of the citizen's own FEV1 over the week before.
    #[serde(rename = "fev1_percent")]
    Fev1PercentOfBaseline,
    /// Systolic and diastolic as a pair; the bands are the systolic limits.
    BloodPressure,
}

impl PanelKey {
    /// A stable code: the parameter's, `fev1_percent` or `blood_pressure`.
    pub fn code(self) -> &'static str {
        match self {
            PanelKey::Parameter(p) => p.code(),
            PanelKey::Fev1PercentOfBaseline => "fev1_percent",
            PanelKey::BloodPressure => "blood_pressure",
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            PanelKey::Parameter(p) => p.canonical_unit(),
            PanelKey::Fev1PercentOfBaseline => "%",
            PanelKey::BloodPressure => Parameter::SystolicBp.canonical_unit(),
        }
    }
}

/// A coloured zone of a panel over `[from, to)`: values in `(low, high)` have `colour`;
/// `None` is open-ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub from: Timestamp,
    pub to: Timestamp,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub colour: Triage,
}

/// A limit drawn as a line rather than a band (the diastolic limits, the FEV1 percentage's).
#[derive(Debug, Clone, PartialEq)]
pub struct LimitLine {
    pub from: Timestamp,
    pub to: Timestamp,
    pub value: f64,
    pub colour: Triage,
}

/// The limits a reading was judged by, for the hover.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct LimitsInForce {
    pub yellow_low: Option<f64>,
    pub yellow_high: Option<f64>,
    pub red_low: Option<f64>,
    pub red_high: Option<f64>,
    /// A relative rule's bound at this reading (e.g. 80 % of the week's median), if any.
    pub relative_bound: Option<f64>,
    /// Where the limits came from (the plan revision, or the defaults).
    pub source: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PanelPoint {
    pub parameter: Parameter,
    pub at: Timestamp,
    pub value: f64,
    pub triage: Triage,
    pub source: String,
    pub limits: LimitsInForce,
}

/// The baseline band at one reading: mean ± [`BASELINE_SD`] standard deviations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BaselinePoint {
    pub at: Timestamp,
    pub low: f64,
    pub mean: f64,
    pub high: f64,
}

/// A relative rule's bound at a reading, drawn as a stepped line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelativePoint {
    pub at: Timestamp,
    pub bound: f64,
    pub colour: Triage,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub key: PanelKey,
    /// One series, or systolic then diastolic; each sorted by time, inside the window.
    pub series: Vec<Vec<PanelPoint>>,
    pub bands: Vec<Band>,
    pub lines: Vec<LimitLine>,
    pub relative: Vec<RelativePoint>,
    pub baseline: Vec<BaselinePoint>,
    pub marks: Vec<RejectedMark>,
}

impl Panel {
    pub fn point_count(&self) -> usize {
        self.series.iter().map(Vec::len).sum()
    }
}

/// A confirmed level over `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelSpan {
    pub from: Timestamp,
    pub to: Timestamp,
    pub level: EcmLevel,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    pub citizen_name: String,
    pub citizen_id: String,
    pub window: Window,
    pub made_at: Timestamp,
    /// The plan steps in force during the window, oldest first (their labels).
    pub limits_sources: Vec<String>,
    pub panels: Vec<Panel>,
    pub confirmed: Vec<LevelSpan>,
    /// Changes of the suggested level inside the window.
    pub suggested: Vec<LevelMark>,
    /// The suggested level when the window starts.
    pub suggested_at_start: Option<EcmLevel>,
    pub events: Vec<EventMark>,
    /// Rejected inputs whose parameter could not be read.
    pub unplaced: Vec<RejectedMark>,
}

/// Builds the plot's content. Parameters with a reading in the window or a schedule in the
/// plan get a panel, in the catalogue's order; FEV1 brings its percentage of baseline.
pub fn build(source: &TrendSource) -> Trend {
    let window = source.window;
    let steps = steps_in(window, &source.plans);
    let mut keys: Vec<PanelKey> = Vec::new();
    for parameter in Parameter::ALL {
        let measured = source
            .readings
            .iter()
            .any(|r| r.parameter == parameter && window.contains(r.at));
        let scheduled = steps
            .iter()
            .any(|(_, _, s)| s.plan.schedule.contains_key(&parameter));
        if !(measured || scheduled) {
            continue;
        }
        let key = match parameter {
            Parameter::SystolicBp | Parameter::DiastolicBp => PanelKey::BloodPressure,
            p => PanelKey::Parameter(p),
        };
        if !keys.contains(&key) {
            keys.push(key);
        }
        if parameter == Parameter::Fev1 {
            keys.push(PanelKey::Fev1PercentOfBaseline);
        }
    }
    let panels = keys
        .into_iter()
        .map(|key| panel(source, &steps, key))
        .collect();
    let (confirmed, suggested) = level_track(window, &source.levels);
    let suggested_at_start = source
        .levels
        .iter()
        .filter(|l| l.kind == LevelKind::Suggested && l.at < window.from)
        .max_by_key(|l| l.at)
        .map(|l| l.level);
    Trend {
        citizen_name: source.citizen_name.clone(),
        citizen_id: source.citizen_id.clone(),
        window,
        made_at: source.made_at,
        limits_sources: steps.iter().map(|(_, _, s)| s.label.clone()).collect(),
        panels,
        confirmed,
        suggested,
        suggested_at_start,
        events: source
            .events
            .iter()
            .filter(|e| window.contains(e.at))
            .copied()
            .collect(),
        unplaced: source
            .rejected
            .iter()
            .filter(|m| m.parameter.is_none() && window.contains(m.at))
            .cloned()
            .collect(),
    }
}

/// The plan steps overlapping the window, each clipped to it: `(from, to, step)`.
fn steps_in(window: Window, plans: &[PlanStep]) -> Vec<(Timestamp, Timestamp, &PlanStep)> {
    let mut out = Vec::new();
    for (i, step) in plans.iter().enumerate() {
        let end = plans.get(i + 1).map_or(window.to, |next| next.from);
        let from = step.from.max(window.from);
        let to = end.min(window.to);
        if from < to {
            out.push((from, to, step));
        }
    }
    out
}

/// The plan step in force at `at` (the first when `at` precedes every step).
fn step_at(plans: &[PlanStep], at: Timestamp) -> Option<&PlanStep> {
    let after = plans.partition_point(|s| s.from <= at);
    plans.get(after.saturating_sub(1))
}

fn bands_of(from: Timestamp, to: Timestamp, t: &Threshold) -> Vec<Band> {
    let band = |low, high, colour| Band {
        from,
        to,
        low,
        high,
        colour,
    };
    let mut bands = Vec::new();
    if let Some(red_low) = t.red_low {
        bands.push(band(None, Some(red_low), Triage::Red));
    }
    if let Some(yellow_low) = t.yellow_low {
        bands.push(band(t.red_low, Some(yellow_low), Triage::Yellow));
    }
    if let Some(yellow_high) = t.yellow_high {
        bands.push(band(Some(yellow_high), t.red_high, Triage::Yellow));
    }
    if let Some(red_high) = t.red_high {
        bands.push(band(Some(red_high), None, Triage::Red));
    }
    bands
}

fn lines_of(from: Timestamp, to: Timestamp, t: &Threshold) -> Vec<LimitLine> {
    [
        (t.yellow_low, Triage::Yellow),
        (t.yellow_high, Triage::Yellow),
        (t.red_low, Triage::Red),
        (t.red_high, Triage::Red),
    ]
    .into_iter()
    .filter_map(|(value, colour)| {
        value.map(|value| LimitLine {
            from,
            to,
            value,
            colour,
        })
    })
    .collect()
}

fn panel(
    source: &TrendSource,
    steps: &[(Timestamp, Timestamp, &PlanStep)],
    key: PanelKey,
) -> Panel {
    let window = source.window;
    let mut bands = Vec::new();
    let mut lines = Vec::new();
    for (from, to, step) in steps {
        match key {
            PanelKey::Parameter(p) => {
                if let Some(t) = step.plan.thresholds.get(&p) {
                    bands.extend(bands_of(*from, *to, t));
                }
            }
            PanelKey::BloodPressure => {
                if let Some(t) = step.plan.thresholds.get(&Parameter::SystolicBp) {
                    bands.extend(bands_of(*from, *to, t));
                }
                if let Some(t) = step.plan.thresholds.get(&Parameter::DiastolicBp) {
                    lines.extend(lines_of(*from, *to, t));
                }
            }
            PanelKey::Fev1PercentOfBaseline => {
                for rule in fev1_median_rules(&step.plan) {
                    if let RelativeKind::BelowMedian { percent } = rule.kind {
                        lines.push(LimitLine {
                            from: *from,
                            to: *to,
                            value: 100.0 - percent,
                            colour: rule.colour,
                        });
                    }
                }
            }
        }
    }
    let parameters: Vec<Parameter> = match key {
        PanelKey::Parameter(p) => vec![p],
        PanelKey::BloodPressure => vec![Parameter::SystolicBp, Parameter::DiastolicBp],
        PanelKey::Fev1PercentOfBaseline => vec![Parameter::Fev1],
    };
    let mut series = Vec::new();
    let mut relative = Vec::new();
    let mut baseline = Vec::new();
    for &parameter in &parameters {
        let all: Vec<&TrendReading> = source
            .readings
            .iter()
            .filter(|r| r.parameter == parameter)
            .collect();
        let (points, rel) = match key {
            PanelKey::Fev1PercentOfBaseline => percent_of_median(source, &all),
            _ => judged(source, &all),
        };
        relative.extend(rel);
        if parameters.len() == 1 && key != PanelKey::Fev1PercentOfBaseline {
            baseline = baseline_of(&all, window);
        }
        series.push(points);
    }
    let marks = source
        .rejected
        .iter()
        .filter(|m| window.contains(m.at))
        .filter(|m| m.parameter.is_some_and(|p| parameters.contains(&p)))
        .filter(|_| key != PanelKey::Fev1PercentOfBaseline)
        .cloned()
        .collect();
    Panel {
        key,
        series,
        bands,
        lines,
        relative,
        baseline,
        marks,
    }
}

fn fev1_median_rules(plan: &vagt_core::TriagePlan) -> impl Iterator<Item = &RelativeRule> {
    plan.relative.iter().filter(|r| {
        r.parameter == Parameter::Fev1 && matches!(r.kind, RelativeKind::BelowMedian { .. })
    })
}

/// The readings inside the window, each coloured by the plan in force at its time (its
/// limits and its relative rules), and the relative rules' bounds.
fn judged(source: &TrendSource, all: &[&TrendReading]) -> (Vec<PanelPoint>, Vec<RelativePoint>) {
    let window = source.window;
    let mut points = Vec::new();
    let mut relative = Vec::new();
    let first_inside = all.partition_point(|r| r.at < window.from);
    for (i, reading) in all.iter().enumerate().skip(first_inside) {
        if reading.at >= window.to {
            break;
        }
        let Some(step) = step_at(&source.plans, reading.at) else {
            points.push(PanelPoint {
                parameter: reading.parameter,
                at: reading.at,
                value: reading.value,
                triage: Triage::Green,
                source: reading.source.clone(),
                limits: LimitsInForce::default(),
            });
            continue;
        };
        let threshold = step.plan.thresholds.get(&reading.parameter);
        let mut triage = threshold.map_or(Triage::Green, |t| t.classify(reading.value));
        let mut limits = LimitsInForce {
            yellow_low: threshold.and_then(|t| t.yellow_low),
            yellow_high: threshold.and_then(|t| t.yellow_high),
            red_low: threshold.and_then(|t| t.red_low),
            red_high: threshold.and_then(|t| t.red_high),
            relative_bound: None,
            source: step.label.clone(),
        };
        for rule in step
            .plan
            .relative
            .iter()
            .filter(|r| r.parameter == reading.parameter)
        {
            let mut earlier = window_before(all, i, rule.window_ms);
            if let Some((bound, _)) = relative_bound(rule, &mut earlier) {
                relative.push(RelativePoint {
                    at: reading.at,
                    bound,
                    colour: rule.colour,
                });
                limits.relative_bound = Some(bound);
                if breaks_relative(rule.kind, reading.value, bound) {
                    triage = triage.max(rule.colour);
                }
            }
        }
        points.push(PanelPoint {
            parameter: reading.parameter,
            at: reading.at,
            value: reading.value,
            triage,
            source: reading.source.clone(),
            limits,
        });
    }
    (points, relative)
}

/// The values of the `window_ms` before reading `i` (not including it).
fn window_before(all: &[&TrendReading], i: usize, window_ms: i64) -> Vec<f64> {
    let at = all[i].at;
    let from = at.plus_millis(-window_ms);
    let start = all[..i].partition_point(|r| r.at < from);
    let end = all[..i].partition_point(|r| r.at < at);
    all[start..end].iter().map(|r| r.value).collect()
}

/// FEV1 as a percentage of the median of the week before each reading (the FEV1 rule's own
/// window when the plan has one); readings with too little history have no percentage.
fn percent_of_median(
    source: &TrendSource,
    all: &[&TrendReading],
) -> (Vec<PanelPoint>, Vec<RelativePoint>) {
    let window = source.window;
    let mut points = Vec::new();
    let first_inside = all.partition_point(|r| r.at < window.from);
    for (i, reading) in all.iter().enumerate().skip(first_inside) {
        if reading.at >= window.to {
            break;
        }
        let step = step_at(&source.plans, reading.at);
        let rule = step.and_then(|s| fev1_median_rules(&s.plan).next());
        let (window_ms, min_readings) = rule
            .map_or((BASELINE_WINDOW_MS, BASELINE_MIN_READINGS), |r| {
                (r.window_ms, r.min_readings.max(1))
            });
        let mut earlier = window_before(all, i, window_ms);
        if earlier.len() < min_readings {
            continue;
        }
        earlier.sort_by(f64::total_cmp);
        let n = earlier.len();
        let median = if n % 2 == 1 {
            earlier[n / 2]
        } else {
            (earlier[n / 2 - 1] + earlier[n / 2]) / 2.0
        };
        if median <= 0.0 {
            continue;
        }
        let percent = reading.value / median * 100.0;
        let (triage, bound) = match rule.map(|r| (r.kind, r.colour)) {
            Some((RelativeKind::BelowMedian { percent: p }, colour)) => {
                let bound = 100.0 - p;
                (
                    if percent < bound {
                        colour
                    } else {
                        Triage::Green
                    },
                    Some(bound),
                )
            }
            _ => (Triage::Green, None),
        };
        points.push(PanelPoint {
            parameter: Parameter::Fev1,
            at: reading.at,
            value: percent,
            triage,
            source: reading.source.clone(),
            limits: LimitsInForce {
                relative_bound: bound,
                source: step.map(|s| s.label.clone()).unwrap_or_default(),
                ..LimitsInForce::default()
            },
        });
    }
    (points, Vec::new())
}

/// Mean ± [`BASELINE_SD`] SD of the week before each reading inside the window, by running
/// sums so that a year of readings a minute costs one pass.
pub fn baseline_of(all: &[&TrendReading], window: Window) -> Vec<BaselinePoint> {
    let mut out = Vec::new();
    let (mut start, mut sum, mut sum_sq) = (0usize, 0.0f64, 0.0f64);
    for (i, reading) in all.iter().enumerate() {
        let from = reading.at.plus_millis(-BASELINE_WINDOW_MS);
        while start < i && all[start].at < from {
            sum -= all[start].value;
            sum_sq -= all[start].value * all[start].value;
            start += 1;
        }
        let n = i - start;
        if window.contains(reading.at) && n >= BASELINE_MIN_READINGS {
            let mean = sum / n as f64;
            let variance = ((sum_sq - sum * mean) / (n as f64 - 1.0)).max(0.0);
            let sd = variance.sqrt();
            out.push(BaselinePoint {
                at: reading.at,
                low: mean - BASELINE_SD * sd,
                mean,
                high: mean + BASELINE_SD * sd,
            });
        }
        sum += reading.value;
        sum_sq += reading.value * reading.value;
    }
    out
}

/// The confirmed level as spans over the window, and the suggested level's changes in it.
fn level_track(window: Window, levels: &[LevelMark]) -> (Vec<LevelSpan>, Vec<LevelMark>) {
    let mut confirmed: Vec<&LevelMark> = levels
        .iter()
        .filter(|l| l.kind == LevelKind::Confirmed)
        .collect();
    confirmed.sort_by_key(|l| l.at);
    let mut spans = Vec::new();
    for (i, mark) in confirmed.iter().enumerate() {
        let end = confirmed.get(i + 1).map_or(window.to, |next| next.at);
        let from = mark.at.max(window.from);
        let to = end.min(window.to);
        if from < to {
            spans.push(LevelSpan {
                from,
                to,
                level: mark.level,
            });
        }
    }
    let mut suggested: Vec<LevelMark> = levels
        .iter()
        .filter(|l| l.kind == LevelKind::Suggested && window.contains(l.at))
        .copied()
        .collect();
    suggested.sort_by_key(|l| l.at);
    (spans, suggested)
}
