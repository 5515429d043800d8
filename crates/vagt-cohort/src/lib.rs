//! A synthetic cohort of NærKlinikken citizens, deterministic from a seed: months of plausible
//! daily home measurements with noise, missed days and exacerbations, plus a few inputs that
//! must be rejected (a glitching oximeter, an unknown unit, a clock in the future).
//!
//! The demo database and the backend simulator both serve this cohort, so the same seed gives
//! the same citizens and readings everywhere. Nothing here is real: names, ids and phone numbers
//! are drawn from lists and a random generator.

mod rng;

pub use rng::Rng;
use serde::Serialize;
use vagt_core::citizen::{Citizen, CitizenId, Diagnosis};
use vagt_core::parameter::Parameter;
use vagt_core::reading::{IncomingMeasurement, SourceRef};
use vagt_core::time_util::{MILLIS_PER_DAY, MILLIS_PER_MINUTE, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CohortSpec {
    pub seed: u64,
    pub citizens: usize,
    pub days: u32,
    /// The cohort's "now": the last day measured is the day before this instant's day, and
    /// today's morning measurements up to this instant.
    pub end: Timestamp,
}

impl CohortSpec {
    pub const DEFAULT_SEED: u64 = 2018;
    pub const DEFAULT_CITIZENS: usize = 50;
    pub const DEFAULT_DAYS: u32 = 120;

    pub fn new(seed: u64, end: Timestamp) -> Self {
        CohortSpec {
            seed,
            citizens: Self::DEFAULT_CITIZENS,
            days: Self::DEFAULT_DAYS,
            end,
        }
    }
}

/// A period of deterioration the generator put into a citizen's readings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exacerbation {
    pub citizen_id: CitizenId,
    pub start: Timestamp,
    pub end: Timestamp,
    /// 0..1: how far readings move at the peak.
    pub severity: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    pub citizens: Vec<Citizen>,
    /// Sorted by effective time. Includes the inputs in `expected_rejections`.
    pub measurements: Vec<IncomingMeasurement>,
    pub exacerbations: Vec<Exacerbation>,
    /// Source ids of the measurements the generator made bad on purpose.
    pub expected_rejections: Vec<String>,
}

const FIRST_NAMES: &[&str] = &[
    "Inge", "Jens", "Birthe", "Poul", "Kirsten", "Henning", "Hanne", "Erik", "Grethe", "Knud",
    "Lis", "Bent", "Jytte", "Ole", "Ruth", "Svend", "Karen", "Niels", "Else", "Finn", "Bodil",
    "Preben", "Aase", "Leif", "Gerda", "Arne", "Ellen", "Flemming", "Tove", "Mogens",
];
const SURNAMES: &[&str] = &[
    "Jensen",
    "Nielsen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Christiansen",
    "Poulsen",
    "Johansen",
    "Møller",
    "Mortensen",
];
const STREETS: &[&str] = &[
    "Algade",
    "Strandvejen",
    "Hovedgaden",
    "Nykøbingvej",
    "Vigvej",
    "Højbyvej",
    "Skovvej",
    "Kirkestræde",
    "Bakkevej",
    "Havnevej",
];
const TOWNS: &[&str] = &[
    "4500 Nykøbing Sj.",
    "4540 Fårevejle",
    "4550 Asnæs",
    "4560 Vig",
    "4571 Grevinge",
    "4573 Højby",
    "4581 Rørvig",
    "4583 Sjællands Odde",
];

/// A citizen's habitual values, around which daily readings vary.
#[derive(Debug, Clone)]
struct Baseline {
    spo2: f64,
    pulse: f64,
    fev1: f64,
    fvc: f64,
    temperature: f64,
    symptom: f64,
    cat: f64,
    weight: f64,
    systolic: f64,
    diastolic: f64,
    glucose: f64,
}

/// How a citizen's equipment reports units: most canonical, some devices in other units, so
/// that conversion at the edge is exercised by the demo data.
#[derive(Debug, Clone, Copy)]
struct Devices {
    weight_in_pounds: bool,
    temperature_in_fahrenheit: bool,
    spirometer_in_millilitres: bool,
}

/// One citizen of a cohort with everything generated for them.
#[derive(Debug, Clone, PartialEq)]
pub struct CitizenCohort {
    pub citizen: Citizen,
    /// Sorted by effective time, then source id.
    pub measurements: Vec<IncomingMeasurement>,
    pub exacerbations: Vec<Exacerbation>,
    pub expected_rejections: Vec<String>,
}

/// The cohort one citizen at a time, in index order: a region of 10,000 citizens over years is
/// tens of millions of readings, more than is wise to hold at once. Each citizen is the same as
/// in [`generate`].
pub struct Citizens {
    spec: CohortSpec,
    next: usize,
    used_ids: std::collections::HashSet<String>,
}

impl Iterator for Citizens {
    type Item = CitizenCohort;

    fn next(&mut self) -> Option<CitizenCohort> {
        if self.next >= self.spec.citizens {
            return None;
        }
        let index = self.next;
        self.next += 1;
        Some(generate_citizen(&self.spec, index, &mut self.used_ids))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.spec.citizens - self.next;
        (left, Some(left))
    }
}

pub fn citizens(spec: &CohortSpec) -> Citizens {
    Citizens {
        spec: *spec,
        next: 0,
        used_ids: std::collections::HashSet::new(),
    }
}

/// The whole cohort at once, its measurements in one list sorted by time.
pub fn generate(spec: &CohortSpec) -> Cohort {
    let mut cohort = Cohort {
        citizens: Vec::with_capacity(spec.citizens),
        measurements: Vec::new(),
        exacerbations: Vec::new(),
        expected_rejections: Vec::new(),
    };
    for part in citizens(spec) {
        cohort.citizens.push(part.citizen);
        cohort.measurements.extend(part.measurements);
        cohort.exacerbations.extend(part.exacerbations);
        cohort.expected_rejections.extend(part.expected_rejections);
    }
    sort_measurements(&mut cohort.measurements);
    cohort
}

fn sort_measurements(measurements: &mut [IncomingMeasurement]) {
    measurements
        .sort_by(|a, b| (a.effective_at, &a.source.id).cmp(&(b.effective_at, &b.source.id)));
}

fn generate_citizen(
    spec: &CohortSpec,
    index: usize,
    used_ids: &mut std::collections::HashSet<String>,
) -> CitizenCohort {
    let mut measurements = Vec::new();
    // One stream per citizen, so the cohort's size does not reshuffle earlier citizens.
    let mut rng = Rng::new(spec.seed ^ (index as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407));
    let citizen = make_citizen(&mut rng, used_ids);
    let baseline = make_baseline(&mut rng);
    let devices = Devices {
        weight_in_pounds: index % 11 == 5,
        temperature_in_fahrenheit: index % 13 == 7,
        spirometer_in_millilitres: index % 9 == 4,
    };
    let episodes = make_exacerbations(&mut rng, spec, index);
    // About one in fifteen has stopped measuring for the last few days.
    let stopped_days = if index % 15 == 8 {
        2 + rng.below(3) as u32
    } else {
        0
    };
    // Citizens with both COPD and heart failure measure temperature and blood pressure
    // already; they also count their breaths, which completes a NEWS2 full set each day.
    // From a stream of its own, so that every other reading of a seed stays as it was.
    let counts_breaths = citizen.diagnoses.contains(&Diagnosis::Copd)
        && citizen.diagnoses.contains(&Diagnosis::HeartFailure);
    let mut breath_rng =
        Rng::new(spec.seed ^ (index as u64 + 1).wrapping_mul(0x9FB2_1C65_1E98_DF25) ^ 0x5252);
    let breath_baseline = breath_rng.range(14.0, 19.0);

    let first_day = spec
        .end
        .start_of_day()
        .plus_millis(-(i64::from(spec.days) * MILLIS_PER_DAY));
    for day in 0..=spec.days {
        if day + stopped_days > spec.days || rng.chance(0.07) {
            continue;
        }
        let day_start = first_day.plus_millis(i64::from(day) * MILLIS_PER_DAY);
        let day_number = day_start.millis().div_euclid(MILLIS_PER_DAY);
        let at = day_start.plus_millis(
            7 * 60 * MILLIS_PER_MINUTE
                + 30 * MILLIS_PER_MINUTE
                + rng.below(150) as i64 * MILLIS_PER_MINUTE,
        );
        if at > spec.end {
            continue;
        }
        let s = severity_at(&episodes, at);
        let mut add = |parameter: Parameter, value: f64, unit: &str| {
            measurements.push(IncomingMeasurement {
                citizen_id: citizen.id.clone(),
                parameter,
                value,
                unit: unit.to_owned(),
                effective_at: at,
                source: SourceRef {
                    // The absolute day, so ids stay stable when the cohort's end moves.
                    id: format!(
                        "demo|Observation/{}-{}-d{}",
                        citizen.id,
                        parameter.code(),
                        day_number
                    ),
                    version: "1".into(),
                },
            });
        };
        let has = |d: Diagnosis| citizen.diagnoses.contains(&d);
        let round = |v: f64, decimals: i32| {
            let f = 10f64.powi(decimals);
            (v * f).round() / f
        };

        let pulse = baseline.pulse + 20.0 * s + 3.0 * rng.normal();
        add(Parameter::Pulse, round(pulse, 0), "/min");
        let spo2 = (baseline.spo2 - 7.0 * s + 1.0 * rng.normal()).min(100.0);
        add(Parameter::Spo2, round(spo2, 0), "%");
        if has(Diagnosis::Copd) {
            let fev1 = baseline.fev1 * (1.0 - 0.32 * s) + 0.05 * rng.normal();
            let fvc = baseline.fvc * (1.0 - 0.25 * s) + 0.07 * rng.normal();
            if devices.spirometer_in_millilitres {
                add(Parameter::Fev1, round(fev1 * 1000.0, -1), "mL");
                add(Parameter::Fvc, round(fvc * 1000.0, -1), "mL");
            } else {
                add(Parameter::Fev1, round(fev1, 2), "L");
                add(Parameter::Fvc, round(fvc, 2), "L");
            }
            let temperature = baseline.temperature + 1.3 * s + 0.15 * rng.normal();
            if devices.temperature_in_fahrenheit {
                add(
                    Parameter::Temperature,
                    round(temperature * 9.0 / 5.0 + 32.0, 1),
                    "[degF]",
                );
            } else {
                add(Parameter::Temperature, round(temperature, 1), "Cel");
            }
            let symptom = (baseline.symptom + 5.5 * s + 0.7 * rng.normal()).clamp(0.0, 10.0);
            add(Parameter::SymptomScore, round(symptom, 0), "{score}");
            if day % 7 == 0 {
                let cat = (baseline.cat + 12.0 * s + 1.5 * rng.normal()).clamp(0.0, 40.0);
                add(Parameter::CatScore, round(cat, 0), "{score}");
            }
        }
        if has(Diagnosis::HeartFailure) {
            let weight = baseline.weight + 2.8 * s + 0.3 * rng.normal();
            if devices.weight_in_pounds {
                add(
                    Parameter::Weight,
                    round(weight / 0.453_592_37, 1),
                    "[lb_av]",
                );
            } else {
                add(Parameter::Weight, round(weight, 1), "kg");
            }
            add(
                Parameter::SystolicBp,
                round(baseline.systolic + 6.0 * rng.normal(), 0),
                "mm[Hg]",
            );
            add(
                Parameter::DiastolicBp,
                round(baseline.diastolic + 4.0 * rng.normal(), 0),
                "mm[Hg]",
            );
        }
        if counts_breaths {
            let rate = breath_baseline + 7.0 * s + 1.2 * breath_rng.normal();
            add(Parameter::RespiratoryRate, round(rate.max(8.0), 0), "/min");
        }
        if has(Diagnosis::Diabetes) {
            let glucose = baseline.glucose + 3.0 * s + 1.0 * rng.normal();
            add(
                Parameter::BloodGlucose,
                round(glucose.max(2.0), 1),
                "mmol/L",
            );
        }
    }

    let mut expected_rejections = Vec::new();
    add_bad_inputs(
        &mut measurements,
        &mut expected_rejections,
        &citizen,
        index,
        spec,
    );
    let exacerbations = episodes
        .into_iter()
        .map(|(start, end, severity)| Exacerbation {
            citizen_id: citizen.id.clone(),
            start,
            end,
            severity,
        })
        .collect();
    sort_measurements(&mut measurements);
    CitizenCohort {
        citizen,
        measurements,
        exacerbations,
        expected_rejections,
    }
}

fn make_citizen(rng: &mut Rng, used_ids: &mut std::collections::HashSet<String>) -> Citizen {
    let roll = rng.unit();
    let diagnoses = if roll < 0.55 {
        vec![Diagnosis::Copd]
    } else if roll < 0.70 {
        vec![Diagnosis::Copd, Diagnosis::HeartFailure]
    } else if roll < 0.80 {
        vec![Diagnosis::Copd, Diagnosis::Diabetes]
    } else if roll < 0.92 {
        vec![Diagnosis::HeartFailure]
    } else {
        vec![Diagnosis::HeartFailure, Diagnosis::Diabetes]
    };
    let year = 1932 + rng.below(31) as u32;
    let month = 1 + rng.below(12) as u32;
    let day = 1 + rng.below(28) as u32;
    // A CPR-shaped but synthetic id; re-drawn on the rare collision.
    let id = loop {
        let candidate = format!(
            "{:02}{:02}{:02}-{:04}",
            day,
            month,
            year % 100,
            rng.below(10_000)
        );
        if used_ids.insert(candidate.clone()) {
            break candidate;
        }
    };
    let name = format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(SURNAMES));
    let phone = format!(
        "+45 {:02} {:02} {:02} {:02}",
        20 + rng.below(80),
        rng.below(100),
        rng.below(100),
        rng.below(100)
    );
    let address = format!(
        "{} {}, {}",
        rng.pick(STREETS),
        1 + rng.below(120),
        rng.pick(TOWNS)
    );
    Citizen {
        id: CitizenId::new(id).expect("generated ids are digits and '-'"),
        name,
        birth_date: Some(format!("{year:04}-{month:02}-{day:02}")),
        diagnoses,
        phone: Some(phone),
        address: Some(address),
    }
}

fn make_baseline(rng: &mut Rng) -> Baseline {
    let fev1 = rng.range(0.7, 1.8);
    Baseline {
        spo2: rng.range(91.5, 96.0),
        pulse: rng.range(64.0, 88.0),
        fev1,
        fvc: fev1 / rng.range(0.45, 0.65),
        temperature: rng.range(36.4, 37.0),
        symptom: rng.range(1.0, 3.0),
        cat: rng.range(10.0, 24.0),
        weight: rng.range(55.0, 110.0),
        systolic: rng.range(112.0, 145.0),
        diastolic: rng.range(65.0, 88.0),
        glucose: rng.range(6.0, 9.0),
    }
}

/// (start, end, severity) of each episode. About one citizen in eight is in an exacerbation at
/// the cohort's end, so a freshly made demo shows deteriorating citizens.
fn make_exacerbations(
    rng: &mut Rng,
    spec: &CohortSpec,
    index: usize,
) -> Vec<(Timestamp, Timestamp, f64)> {
    let period_start = spec
        .end
        .start_of_day()
        .plus_millis(-(i64::from(spec.days) * MILLIS_PER_DAY));
    let mut episodes = Vec::new();
    let past = rng.below(3);
    for _ in 0..past {
        let length_days = 6 + rng.below(7) as i64;
        let latest_start = i64::from(spec.days).saturating_sub(length_days + 5).max(1);
        let start_day = rng.below(latest_start as u64) as i64;
        let start = period_start.plus_millis(start_day * MILLIS_PER_DAY);
        episodes.push((
            start,
            start.plus_millis(length_days * MILLIS_PER_DAY),
            rng.range(0.5, 1.0),
        ));
    }
    if index % 8 == 3 {
        let started_days_ago = 2 + rng.below(3) as i64;
        let start = spec
            .end
            .start_of_day()
            .plus_millis(-started_days_ago * MILLIS_PER_DAY);
        episodes.push((
            start,
            start.plus_millis(10 * MILLIS_PER_DAY),
            rng.range(0.7, 1.0),
        ));
    }
    episodes
}

/// 0 outside an episode; rises over three days to the severity, then falls back to 0 at the end.
fn severity_at(episodes: &[(Timestamp, Timestamp, f64)], at: Timestamp) -> f64 {
    const RAMP_MS: f64 = 3.0 * MILLIS_PER_DAY as f64;
    episodes
        .iter()
        .filter(|(start, end, _)| *start <= at && at < *end)
        .map(|(start, end, severity)| {
            let since_start = (at.millis() - start.millis()) as f64;
            let until_end = (end.millis() - at.millis()) as f64;
            let rise = (since_start / RAMP_MS).min(1.0);
            let fall = (until_end / (end.millis() - start.millis()) as f64 * 2.0).min(1.0);
            severity * rise.min(fall)
        })
        .fold(0.0, f64::max)
}

/// A few inputs that a real backend delivers now and then and that Vagt must keep for a human.
fn add_bad_inputs(
    measurements: &mut Vec<IncomingMeasurement>,
    expected: &mut Vec<String>,
    citizen: &Citizen,
    index: usize,
    spec: &CohortSpec,
) {
    let yesterday = spec
        .end
        .start_of_day()
        .plus_millis(-MILLIS_PER_DAY + 9 * 60 * MILLIS_PER_MINUTE);
    let bad = match index {
        // An oximeter glitch.
        2 => Some((Parameter::Spo2, 150.0, "%", yesterday, "glitch")),
        // A scale set to an odd unit.
        6 => Some((Parameter::Weight, 12.6, "[stone_av]", yesterday, "stone")),
        // A device whose clock runs two days ahead.
        10 => Some((
            Parameter::Pulse,
            74.0,
            "/min",
            spec.end.plus_millis(2 * MILLIS_PER_DAY),
            "future",
        )),
        // A thermometer reporting in a pressure unit.
        14 => Some((
            Parameter::Temperature,
            37.2,
            "mm[Hg]",
            yesterday,
            "wrong-unit",
        )),
        _ => None,
    };
    if let Some((parameter, value, unit, at, tag)) = bad {
        let id = format!("demo|Observation/{}-bad-{}", citizen.id, tag);
        expected.push(id.clone());
        measurements.push(IncomingMeasurement {
            citizen_id: citizen.id.clone(),
            parameter,
            value,
            unit: unit.to_owned(),
            effective_at: at,
            source: SourceRef {
                id,
                version: "1".into(),
            },
        });
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
