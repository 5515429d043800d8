//! The world at start: the cohort generated from the seed and written as it would have
//! arrived, Patients and Conditions first, then each reading a couple of minutes after it was
//! measured, all before the cohort's end. Also what the cohort lacks but a real backend holds:
//! a form Vagt does not score, a form left half answered, and Encounters.
//!
//! Encounters follow the cohort's exacerbations: a MAS visit a day into the first one still
//! going on, a hospital stay at the peak of the most severe past one (written in progress,
//! then finished with its discharge: two versions) and a stay in a municipal acute bed in the
//! next most severe; plus one planted bad Encounter whose class Vagt cannot place.

use crate::changes::AdvanceReport;
use crate::config::SimConfig;
use crate::readings::ServerValue;
use crate::world::model::{EncounterInfo, ResponseInfo, World};
use crate::world::write::{form_for, split_score};
use std::collections::{HashMap, HashSet};
use vagt_cohort::{CohortSpec, Exacerbation, citizens};
use vagt_core::time_util::{MILLIS_PER_DAY, MILLIS_PER_MINUTE};
use vagt_core::{CareEventKind, Citizen, Diagnosis, Parameter, Timestamp};
use vagt_fhir::codes::{DAILY_SYMPTOMS, system};

/// The form of the planted bad response: one the clinic uses that Vagt does not score.
const UNSCORED_FORM: &str = "http://naerklinikken.dk/fhir/Questionnaire/wellbeing";

/// The class of the planted bad Encounter: a local code system Vagt does not know.
const LOCAL_CLASS: (&str, &str) = ("urn:dk:example:kontakttype", "hjemmebesoeg");

/// One generated stay or visit, as it is written.
struct Stay {
    citizen: usize,
    class: &'static str,
    acute_bed: bool,
    start: Timestamp,
    end: Timestamp,
}

/// One cohort measurement as the world writes it.
pub(super) struct CohortReading {
    pub(super) citizen: usize,
    pub(super) parameter: Parameter,
    pub(super) value: f64,
    pub(super) unit: String,
    pub(super) effective_at: Timestamp,
    /// Planted bad by the cohort.
    pub(super) bad: bool,
}

/// A cohort measurement waiting for its turn: a region's cohort is tens of millions, held
/// here in 32 bytes each rather than as the generator's `IncomingMeasurement` (about 200),
/// and sorted in place.
struct Planned {
    effective_at: Timestamp,
    value: f64,
    /// Its citizen's index in the cohort.
    citizen: u32,
    /// Its place in its citizen's own list (ordered by time, then source id).
    seq: u32,
    parameter: Parameter,
    /// In the plan's table of units.
    unit: u16,
    bad: bool,
}

/// A cohort, generated a citizen at a time, its measurements in the order
/// `vagt_cohort::generate` sorts them (by effective time, then source id).
pub(super) struct Plan {
    pub(super) citizens: Vec<Citizen>,
    measurements: Vec<Planned>,
    units: Vec<String>,
    exacerbations: Vec<Exacerbation>,
}

impl Plan {
    pub(super) fn of(spec: &CohortSpec) -> Plan {
        let mut plan = Plan {
            citizens: Vec::with_capacity(spec.citizens),
            measurements: Vec::new(),
            units: Vec::new(),
            exacerbations: Vec::new(),
        };
        for part in citizens(spec) {
            let bad: HashSet<&str> = part
                .expected_rejections
                .iter()
                .map(String::as_str)
                .collect();
            let Ok(citizen) = u32::try_from(plan.citizens.len()) else {
                break;
            };
            for (seq, m) in part.measurements.iter().enumerate() {
                let unit = match plan.units.iter().position(|u| *u == m.unit) {
                    Some(known) => known,
                    None => {
                        plan.units.push(m.unit.clone());
                        plan.units.len() - 1
                    }
                };
                let (Ok(seq), Ok(unit)) = (u32::try_from(seq), u16::try_from(unit)) else {
                    continue;
                };
                plan.measurements.push(Planned {
                    effective_at: m.effective_at,
                    value: m.value,
                    citizen,
                    seq,
                    parameter: m.parameter,
                    unit,
                    bad: bad.contains(m.source.id.as_str()),
                });
            }
            plan.exacerbations.extend(part.exacerbations);
            plan.citizens.push(part.citizen);
        }
        // A source id is `demo|Observation/` and its citizen's CPR number, then the rest; the
        // numbers are all of one length (`DDMMYY-NNNN`), so between citizens the ids' order is
        // their numbers', within one their own list's. The test below holds the plan to it.
        let mut by_number: Vec<usize> = (0..plan.citizens.len()).collect();
        by_number.sort_by(|a, b| plan.citizens[*a].id.cmp(&plan.citizens[*b].id));
        let mut rank = vec![0u32; by_number.len()];
        for (place, citizen) in by_number.into_iter().enumerate() {
            rank[citizen] = u32::try_from(place).unwrap_or(u32::MAX);
        }
        plan.measurements
            .sort_unstable_by_key(|p| (p.effective_at, rank[p.citizen as usize], p.seq));
        plan
    }

    /// The measurements as the world writes them, in order; the plan's citizen `n` is the
    /// world's `first + n`.
    pub(super) fn readings(self, first: usize) -> impl Iterator<Item = CohortReading> {
        let units = self.units;
        self.measurements.into_iter().map(move |p| CohortReading {
            citizen: first + p.citizen as usize,
            parameter: p.parameter,
            value: p.value,
            unit: units.get(usize::from(p.unit)).cloned().unwrap_or_default(),
            effective_at: p.effective_at,
            bad: p.bad,
        })
    }
}

impl World {
    /// The cohort `config` describes, loaded, without holding the generator's whole cohort.
    pub fn new(config: &SimConfig) -> World {
        let spec = CohortSpec {
            seed: config.seed,
            citizens: config.citizens,
            days: config.days,
            end: config.end,
        };
        let mut plan = Plan::of(&spec);
        let mut world = World::empty(config.seed, config.end);
        // Patients and Conditions a day before the first reading, then readings in effective
        // order, each written a couple of minutes after it was measured, all before `end`.
        let first_day = config
            .end
            .start_of_day()
            .plus_millis(-(i64::from(config.days) + 1) * MILLIS_PER_DAY);
        // In the plan's order, so a citizen's index in the world is theirs in the plan.
        for citizen in std::mem::take(&mut plan.citizens) {
            world.add_citizen(citizen, first_day, first_day, None);
        }
        // Room for the cohort and what comes after (a live server's new readings) without a
        // vector of tens of millions growing by doubling.
        let count = plan.measurements.len();
        let responses = plan
            .measurements
            .iter()
            .filter(|m| form_for(m.parameter).is_some())
            .count();
        let (margin, observations) = (count / 64 + 10_000, count - responses);
        world.store.reserve(count + margin);
        world.observations.reserve(observations + margin);
        world.generated.reserve_exact(observations + margin);
        world.responses.reserve(responses + margin);
        world.generated_responses.reserve_exact(responses + margin);
        let exacerbations = std::mem::take(&mut plan.exacerbations);
        let latest = config.end.plus_millis(-MILLIS_PER_MINUTE);
        let write_at =
            move |effective: Timestamp| effective.plus_millis(2 * MILLIS_PER_MINUTE).min(latest);
        world.load_measurements(plan.readings(0), &write_at, None);
        world.plant_responses(config.end);
        world.add_encounters(&exacerbations, config.end);
        world
    }

    /// Writes cohort measurements as Observations, a blood-pressure pair as one panel where
    /// the citizen's style has panels, and scores as QuestionnaireResponses, each at
    /// `write_at` its effective time.
    pub(super) fn load_measurements(
        &mut self,
        measurements: impl IntoIterator<Item = CohortReading>,
        write_at: &dyn Fn(Timestamp) -> Timestamp,
        mut report: Option<&mut AdvanceReport>,
    ) {
        let mut pending_bp: HashMap<(usize, Timestamp), (ServerValue, bool)> = HashMap::new();
        for m in measurements {
            let (citizen, bad) = (m.citizen, m.bad);
            if let Some(form) = form_for(m.parameter)
                && let Some(patient_id) = self.citizens.get(citizen).map(|c| c.patient_id.clone())
            {
                // The cohort's scores are whole numbers.
                let total = m.value.round() as i64;
                let info = ResponseInfo {
                    citizen,
                    patient_id,
                    questionnaire: form.canonical,
                    parameter: Some(form.parameter),
                    status: "completed".into(),
                    authored: m.effective_at,
                    answers: split_score(&form, total),
                    bad,
                };
                let at = write_at(m.effective_at);
                self.add_response(info, at, report.as_deref_mut());
                continue;
            }
            let value = ServerValue {
                parameter: m.parameter,
                value: m.value,
                unit: m.unit,
            };
            let is_bp = matches!(m.parameter, Parameter::SystolicBp | Parameter::DiastolicBp);
            let panel_style = self
                .citizens
                .get(citizen)
                .is_some_and(|c| c.style.bp_as_panel());
            let values = if is_bp && panel_style {
                match pending_bp.remove(&(citizen, m.effective_at)) {
                    Some((partner, partner_bad)) if partner.parameter != m.parameter => {
                        let mut pair = vec![partner, value];
                        pair.sort_by_key(|v| v.parameter);
                        self.add_observation(
                            citizen,
                            m.effective_at,
                            pair,
                            bad || partner_bad,
                            write_at(m.effective_at),
                            report.as_deref_mut(),
                        );
                        continue;
                    }
                    Some(other) => {
                        pending_bp.insert((citizen, m.effective_at), other);
                        vec![value]
                    }
                    None => {
                        pending_bp.insert((citizen, m.effective_at), (value, bad));
                        continue;
                    }
                }
            } else {
                vec![value]
            };
            let at = write_at(m.effective_at);
            self.add_observation(
                citizen,
                m.effective_at,
                values,
                bad,
                at,
                report.as_deref_mut(),
            );
        }
        // A pressure without its partner stays a single Observation.
        let mut rest: Vec<_> = pending_bp.into_iter().collect();
        rest.sort_by_key(|((citizen, effective), _)| (*effective, *citizen));
        for ((citizen, effective), (value, bad)) in rest {
            let at = write_at(effective);
            self.add_observation(
                citizen,
                effective,
                vec![value],
                bad,
                at,
                report.as_deref_mut(),
            );
        }
    }

    /// For the first citizen with COPD: a completed response to a form Vagt does not score
    /// (planted bad), and today's daily form left half answered (in progress: no reading yet).
    fn plant_responses(&mut self, end: Timestamp) {
        let Some(citizen) = self
            .citizens
            .iter()
            .position(|c| c.citizen.diagnoses.contains(&Diagnosis::Copd))
        else {
            return;
        };
        let Some(patient_id) = self.citizens.get(citizen).map(|c| c.patient_id.clone()) else {
            return;
        };
        let yesterday = end
            .start_of_day()
            .plus_millis(-MILLIS_PER_DAY + 9 * 60 * MILLIS_PER_MINUTE);
        let unscored = ResponseInfo {
            citizen,
            patient_id: patient_id.clone(),
            questionnaire: UNSCORED_FORM,
            parameter: None,
            status: "completed".into(),
            authored: yesterday,
            answers: Box::new([("mood", 1), ("appetite", 2), ("sleep", 0)]),
            bad: true,
        };
        self.add_response(unscored, yesterday.plus_millis(2 * MILLIS_PER_MINUTE), None);
        let started = end.plus_millis(-20 * MILLIS_PER_MINUTE);
        let mut answers = split_score(&DAILY_SYMPTOMS, 3).into_vec();
        answers.truncate(2);
        let half_done = ResponseInfo {
            citizen,
            patient_id,
            questionnaire: DAILY_SYMPTOMS.canonical,
            parameter: Some(DAILY_SYMPTOMS.parameter),
            status: "in-progress".into(),
            authored: started,
            answers: answers.into_boxed_slice(),
            bad: false,
        };
        self.add_response(half_done, started, None);
    }

    /// Encounters along the exacerbations (see the module docs), all before `end`.
    fn add_encounters(&mut self, exacerbations: &[Exacerbation], end: Timestamp) {
        const HOUR: i64 = 60 * MILLIS_PER_MINUTE;
        let citizen_of = |e: &Exacerbation| self.by_cpr.get(&e.citizen_id).copied();
        let mut stays = Vec::new();
        if let Some(ongoing) = exacerbations.iter().find(|e| e.end > end)
            && let Some(citizen) = citizen_of(ongoing)
        {
            let start = ongoing.start.plus_millis(MILLIS_PER_DAY + 10 * HOUR);
            stays.push(Stay {
                citizen,
                class: "HH",
                acute_bed: false,
                start,
                end: start.plus_millis(90 * MILLIS_PER_MINUTE),
            });
        }
        // Most severe first; the sort is stable, so ties keep the cohort's order.
        let mut past: Vec<&Exacerbation> = exacerbations
            .iter()
            .filter(|e| e.end <= end.plus_millis(-MILLIS_PER_DAY))
            .collect();
        past.sort_by(|a, b| b.severity.total_cmp(&a.severity));
        for (episode, acute_bed) in past.into_iter().zip([false, true]) {
            // Admitted at the ramp's peak, three days in; home two days later.
            let start = episode.start.plus_millis(3 * MILLIS_PER_DAY + 14 * HOUR);
            if let Some(citizen) = citizen_of(episode) {
                stays.push(Stay {
                    citizen,
                    class: "IMP",
                    acute_bed,
                    start,
                    end: start.plus_millis(2 * MILLIS_PER_DAY - 3 * HOUR),
                });
            }
        }
        let latest = end.plus_millis(-HOUR);
        for stay in stays.iter().filter(|s| s.end <= latest) {
            self.add_stay(stay);
        }
        if let Some(first) = self.citizens.first() {
            let start = end.start_of_day().plus_millis(-MILLIS_PER_DAY + 9 * HOUR);
            let info = EncounterInfo {
                citizen: Some(0),
                patient_id: Some(first.patient_id.to_string()),
                status: "finished".into(),
                class: (LOCAL_CLASS.0.into(), LOCAL_CLASS.1.into()),
                start: Some(start),
                end: Some(start.plus_millis(HOUR)),
                events: Vec::new(),
                bad: true,
                pushed: false,
            };
            self.write_encounter(None, info, start.plus_millis(HOUR));
        }
    }

    /// A visit is written once, finished; a stay in progress at its start and finished, with
    /// its discharge, at its end.
    fn add_stay(&mut self, stay: &Stay) {
        let Some(patient_id) = self
            .citizens
            .get(stay.citizen)
            .map(|c| c.patient_id.clone())
        else {
            return;
        };
        let kind = match (stay.class, stay.acute_bed) {
            ("HH", _) => CareEventKind::MasVisit,
            (_, true) => CareEventKind::AcuteBedAdmission,
            (_, false) => CareEventKind::HospitalAdmission,
        };
        let mut info = EncounterInfo {
            citizen: Some(stay.citizen),
            patient_id: Some(patient_id.to_string()),
            status: "finished".into(),
            class: (system::ACT_CODE.into(), stay.class.into()),
            start: Some(stay.start),
            end: Some(stay.end),
            events: vec![(kind, stay.start)],
            bad: false,
            pushed: false,
        };
        let half_hour = 30 * MILLIS_PER_MINUTE;
        let index = if kind == CareEventKind::MasVisit {
            None
        } else {
            let admitted = EncounterInfo {
                status: "in-progress".into(),
                end: None,
                ..info.clone()
            };
            info.events.push((CareEventKind::Discharge, stay.end));
            self.write_encounter(None, admitted, stay.start.plus_millis(half_hour))
        };
        self.write_encounter(index, info, stay.end.plus_millis(half_hour));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vagt_cohort::generate;

    #[test]
    fn a_plan_orders_the_cohort_as_the_generator_does() {
        let spec = CohortSpec {
            seed: 7,
            citizens: 40,
            days: 12,
            end: Timestamp::from_millis(1_800_000_000_000),
        };
        let cohort = generate(&spec);
        let plan = Plan::of(&spec);
        assert_eq!(plan.citizens, cohort.citizens);
        let bad: HashSet<&String> = cohort.expected_rejections.iter().collect();
        assert!(!bad.is_empty(), "the cohort plants bad measurements");
        let expected: Vec<_> = cohort
            .measurements
            .iter()
            .map(|m| {
                let bad = bad.contains(&m.source.id);
                (
                    m.citizen_id.clone(),
                    m.effective_at,
                    m.parameter,
                    m.value,
                    m.unit.clone(),
                    bad,
                )
            })
            .collect();
        let planned: Vec<_> = plan
            .measurements
            .iter()
            .map(|p| {
                let citizen = plan.citizens[p.citizen as usize].id.clone();
                let unit = plan.units[usize::from(p.unit)].clone();
                (citizen, p.effective_at, p.parameter, p.value, unit, p.bad)
            })
            .collect();
        assert_eq!(planned.len(), expected.len());
        assert!(
            expected
                .windows(2)
                .any(|w| w[0].1 == w[1].1 && w[0].0 != w[1].0),
            "citizens measure at the same instant, so the order between them is tested"
        );
        assert_eq!(planned, expected);
    }
}
