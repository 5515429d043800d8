//! Live changes: [`World::advance`] writes new and late readings, corrections and retractions,
//! forms answered, amended and retracted, and new citizens, each draw from the seed and the
//! number of advances so far, so a run replays.

use crate::changes::{AdvanceReport, AdvanceSpec};
use crate::fhir;
use crate::readings::ServerValue;
use crate::world::draw::{corrected, next_score, next_value, pick_recent_untouched};
use crate::world::load::Plan;
use crate::world::model::{ResponseInfo, SimCitizen, World};
use crate::world::write::{form_for, split_score};
use std::collections::HashSet;
use vagt_cohort::{CohortSpec, Rng};
use vagt_core::time_util::MILLIS_PER_DAY;
use vagt_core::{Diagnosis, Parameter, Timestamp};
use vagt_fhir::codes::{CAT, DAILY_SYMPTOMS, ScoredQuestionnaire};
use vagt_fhir::questionnaire_for;

impl World {
    /// Applies `spec`; `late_share` of the new readings become late ones (the `late` fault).
    pub fn advance(&mut self, spec: &AdvanceSpec, late_share: f64) -> AdvanceReport {
        self.advances += 1;
        let mut rng = Rng::new(self.seed ^ self.advances.wrapping_mul(0xA076_1D64_78BD_642F));
        let now = self.clock.now();
        let moved = ((spec.new_readings as f64) * late_share.clamp(0.0, 1.0)).round() as usize;
        let mut report = AdvanceReport::default();

        for _ in 0..spec.new_readings.saturating_sub(moved) {
            let ids = self.new_reading(&mut rng, now, now, &mut report);
            report.new_readings.extend(ids);
        }
        for _ in 0..spec.late_readings + moved {
            let days_ago = rng.range(1.0, 3.0);
            let effective = now.plus_millis(-((days_ago * MILLIS_PER_DAY as f64) as i64));
            let ids = self.new_reading(&mut rng, effective, now, &mut report);
            report.late_readings.extend(ids);
        }
        let mut touched = HashSet::new();
        for _ in 0..spec.corrections {
            if let Some(id) = self.change_one(&mut rng, now, false, &mut touched, &mut report) {
                report.corrections.push(id);
            }
        }
        for _ in 0..spec.retractions {
            if let Some(id) = self.change_one(&mut rng, now, true, &mut touched, &mut report) {
                report.retractions.push(id);
            }
        }
        for _ in 0..spec.new_responses {
            if let Some(id) = self.new_response(&mut rng, now, &mut report) {
                report.new_responses.push(id);
            }
        }
        for _ in 0..spec.amended_responses {
            if let Some(id) = self.change_response(&mut rng, now, false, &mut touched, &mut report)
            {
                report.amended_responses.push(id);
            }
        }
        for _ in 0..spec.retracted_responses {
            if let Some(id) = self.change_response(&mut rng, now, true, &mut touched, &mut report) {
                report.retracted_responses.push(id);
            }
        }
        for n in 0..spec.new_citizens {
            if let Some(id) = self.new_citizen(now, n as u64, false, &mut report) {
                report.new_patients.push(id);
            }
        }
        for n in 0..spec.silent_citizens {
            if let Some(id) = self.new_citizen(now, 500 + n as u64, true, &mut report) {
                report.new_patients.push(id);
            }
        }
        report
    }

    /// One measurement by a random citizen: a random parameter they measure (both pressures
    /// for blood pressure), near their last value, in their unit.
    fn new_reading(
        &mut self,
        rng: &mut Rng,
        effective: Timestamp,
        now: Timestamp,
        report: &mut AdvanceReport,
    ) -> Vec<String> {
        if self.citizens.is_empty() {
            return Vec::new();
        }
        let measuring: Vec<usize> = (0..self.citizens.len())
            .filter(|i| self.citizens.get(*i).is_some_and(|c| !c.silent))
            .collect();
        if measuring.is_empty() {
            return Vec::new();
        }
        let citizen = *rng.pick(&measuring);
        let Some(sim_citizen) = self.citizens.get(citizen) else {
            return Vec::new();
        };
        // Scores come from forms (see `new_response`), never as Observations.
        let mut measured: Vec<Parameter> = sim_citizen
            .last
            .keys()
            .copied()
            .filter(|p| form_for(*p).is_none())
            .collect();
        if measured.is_empty() {
            measured = vec![Parameter::Pulse, Parameter::Spo2];
        }
        let parameter = *rng.pick(&measured);
        let parameters: &[Parameter] = match parameter {
            Parameter::SystolicBp | Parameter::DiastolicBp => {
                &[Parameter::SystolicBp, Parameter::DiastolicBp]
            }
            _ => std::slice::from_ref(&parameter),
        };
        let values: Vec<ServerValue> = parameters
            .iter()
            .map(|p| next_value(rng, *p, sim_citizen.last.get(p)))
            .collect();
        let panel = fhir::is_panel(sim_citizen.style, &values);
        let groups: Vec<Vec<ServerValue>> = if panel {
            vec![values]
        } else {
            values.into_iter().map(|v| vec![v]).collect()
        };
        let mut ids = Vec::new();
        for group in groups {
            ids.extend(self.add_observation(
                citizen,
                effective,
                group,
                false,
                now,
                Some(&mut *report),
            ));
        }
        ids
    }

    /// Corrects (a new `amended` version with a changed value) or retracts (a new
    /// `entered-in-error` version) one recent generated Observation not yet touched.
    fn change_one(
        &mut self,
        rng: &mut Rng,
        now: Timestamp,
        retract: bool,
        touched: &mut HashSet<usize>,
        report: &mut AdvanceReport,
    ) -> Option<String> {
        let observations = &self.observations;
        let index = pick_recent_untouched(rng, &self.generated, 500, touched, |i| {
            observations.get(&i).is_some_and(|info| {
                !info.bad && !info.pushed && &*info.status != "entered-in-error"
            })
        })?;
        let mut info = self.observations.get(&index)?.clone();
        if retract {
            info.status = "entered-in-error".into();
        } else {
            info.status = "amended".into();
            let first = info.values.first_mut()?;
            *first = corrected(rng, first);
        }
        self.update_observation(index, info, now, report)
    }

    /// A new citizen from the cohort generator (another seed), with a Patient, Conditions, an
    /// EpisodeOfCare and two days of readings; a `silent` one enrolled two days ago, with no
    /// reading then or ever.
    fn new_citizen(
        &mut self,
        now: Timestamp,
        n: u64,
        silent: bool,
        report: &mut AdvanceReport,
    ) -> Option<String> {
        for attempt in 0..10u64 {
            let key = self.advances.wrapping_mul(1000) + n * 10 + attempt;
            let spec = CohortSpec {
                seed: self.seed ^ 0x6E65_7763_6974_697A ^ key.wrapping_mul(0x9FB2_1C65_1E98_DF25),
                citizens: 1,
                days: 2,
                end: now,
            };
            let mut plan = Plan::of(&spec);
            let Some(citizen) = plan.citizens.pop() else {
                continue;
            };
            if self.by_cpr.contains_key(&citizen.id) {
                continue;
            }
            let before = report.changed.len();
            let enrolled_at = if silent {
                now.plus_millis(-2 * MILLIS_PER_DAY)
            } else {
                now
            };
            let index = self.add_citizen(citizen, now, enrolled_at, Some(report));
            if silent {
                if let Some(c) = self.citizens.get_mut(index) {
                    c.silent = true;
                }
                return self.citizens.get(index).map(|c| c.patient_id.to_string());
            }
            // A cohort of one: its citizen is the world's `index`.
            let readings = plan.readings(index);
            self.load_measurements(readings, &move |_| now, Some(report));
            let of_type = |resource_type: &str| -> Vec<String> {
                report.changed[before..]
                    .iter()
                    .filter(|c| c.resource_type == resource_type)
                    .map(|c| c.id.clone())
                    .collect()
            };
            let (observations, responses) =
                (of_type("Observation"), of_type("QuestionnaireResponse"));
            report.new_readings.extend(observations);
            report.new_responses.extend(responses);
            return self.citizens.get(index).map(|c| c.patient_id.to_string());
        }
        None
    }

    /// A form answered now: the first one left in progress is finished, else a random citizen
    /// (one with COPD, where there are any) answers the daily form, or now and then the CAT.
    fn new_response(
        &mut self,
        rng: &mut Rng,
        now: Timestamp,
        report: &mut AdvanceReport,
    ) -> Option<String> {
        let unfinished = self.generated_responses.iter().copied().find(|index| {
            self.responses
                .get(index)
                .is_some_and(|r| &*r.status == "in-progress")
        });
        if let Some(index) = unfinished {
            let mut info = self.responses.get(&index)?.clone();
            let form = questionnaire_for(info.questionnaire)?;
            let total = next_score(rng, &form, self.last_score(info.citizen, &form));
            info.answers = split_score(&form, total);
            info.status = "completed".into();
            info.authored = now;
            return self.update_response(index, info, now, report);
        }
        let has_copd = |c: &SimCitizen| c.citizen.diagnoses.contains(&Diagnosis::Copd);
        let mut candidates: Vec<usize> = (0..self.citizens.len())
            .filter(|i| self.citizens.get(*i).is_some_and(has_copd))
            .collect();
        if candidates.is_empty() {
            candidates = (0..self.citizens.len()).collect();
        }
        if candidates.is_empty() {
            return None;
        }
        let citizen = *rng.pick(&candidates);
        let sim_citizen = self.citizens.get(citizen)?;
        let form = if has_copd(sim_citizen) && rng.chance(1.0 / 7.0) {
            CAT
        } else {
            DAILY_SYMPTOMS
        };
        let patient_id = sim_citizen.patient_id.clone();
        let total = next_score(rng, &form, self.last_score(citizen, &form));
        let info = ResponseInfo {
            citizen,
            patient_id,
            questionnaire: form.canonical,
            parameter: Some(form.parameter),
            status: "completed".into(),
            authored: now,
            answers: split_score(&form, total),
            bad: false,
        };
        self.add_response(info, now, Some(report))
    }

    fn last_score(&self, citizen: usize, form: &ScoredQuestionnaire) -> Option<f64> {
        let last = self.citizens.get(citizen)?.last.get(&form.parameter)?;
        Some(last.0)
    }

    /// Amends (a new `amended` version with one answer one step off) or retracts (a new
    /// `entered-in-error` version) one recent finished response not yet touched.
    fn change_response(
        &mut self,
        rng: &mut Rng,
        now: Timestamp,
        retract: bool,
        touched: &mut HashSet<usize>,
        report: &mut AdvanceReport,
    ) -> Option<String> {
        let responses = &self.responses;
        let index = pick_recent_untouched(rng, &self.generated_responses, 200, touched, |i| {
            responses
                .get(&i)
                .is_some_and(|info| !info.bad && info.finished())
        })?;
        let mut info = self.responses.get(&index)?.clone();
        if retract {
            info.status = "entered-in-error".into();
        } else {
            let form = questionnaire_for(info.questionnaire)?;
            info.status = "amended".into();
            // `authored` stays: the score still describes the day it was answered for.
            let item = rng.below(info.answers.len() as u64) as usize;
            let (_, value) = info.answers.get_mut(item)?;
            let up = *value == 0 || (*value < form.item_max && rng.chance(0.5));
            *value += if up { 1 } else { -1 };
        }
        self.update_response(index, info, now, report)
    }
}
