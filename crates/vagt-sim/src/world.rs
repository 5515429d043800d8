//! The simulated backend's data: the cohort loaded as FHIR resources, and the changes
//! [`World::advance`] makes to it (new, late, corrected and retracted readings and forms, new
//! citizens). Every choice is drawn from the seed and a counter, so a run replays.
//!
//! The cohort's symptom and CAT scores are served as QuestionnaireResponses to the clinic's
//! forms, answers that sum to the score, and never also as Observations: each score exists
//! once on the server, as it does in the clinic.
//!
//! Encounters follow the cohort's exacerbations: a MAS visit a day into the first one still
//! going on, a hospital stay at the peak of the most severe past one (written in progress,
//! then finished with its discharge: two versions) and a stay in a municipal acute bed in the
//! next most severe; plus one planted bad Encounter whose class Vagt cannot place.

use crate::fhir::{self, CodeStyle, EncounterContent, ObservationContent, ResponseContent};
use crate::store::Store;
use crate::{
    AdvanceReport, AdvanceSpec, ChangedResource, ServerEncounter, ServerObservation, ServerPatient,
    ServerQuestionnaireResponse, ServerReadings, ServerValue, SimConfig,
};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;
use vagt_cohort::{CohortSpec, Exacerbation, Rng, generate};
use vagt_core::time_util::{MILLIS_PER_DAY, MILLIS_PER_MINUTE};
use vagt_core::{
    CareEventKind, CareEventUpdate, Citizen, CitizenId, Diagnosis, IncomingMeasurement, Parameter,
    Timestamp,
};
use vagt_fhir::codes::{CAT, DAILY_SYMPTOMS, SCORED_QUESTIONNAIRES, ScoredQuestionnaire, system};
use vagt_fhir::{CodeMeaning, questionnaire_for};

/// The form of the planted bad response: one the clinic uses that Vagt does not score.
const UNSCORED_FORM: &str = "http://naerklinikken.dk/fhir/Questionnaire/wellbeing";

/// The class of the planted bad Encounter: a local code system Vagt does not know.
const LOCAL_CLASS: (&str, &str) = ("urn:dk:example:kontakttype", "hjemmebesoeg");

/// The server's "now": the cohort's end plus the real time since the server started.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SimClock {
    end: Timestamp,
    started: Instant,
}

impl SimClock {
    pub fn now(&self) -> Timestamp {
        let elapsed = i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX);
        self.end.plus_millis(elapsed)
    }
}

#[derive(Debug)]
struct SimCitizen {
    citizen: Citizen,
    patient_id: String,
    style: CodeStyle,
    /// The latest good value and unit of each parameter: new readings vary around it.
    last: BTreeMap<Parameter, (f64, String)>,
}

/// What the simulator knows an Observation says (the oracle a test compares a client with).
#[derive(Debug, Clone)]
pub(crate) struct ObservationInfo {
    citizen: Option<usize>,
    patient_id: Option<String>,
    style: CodeStyle,
    status: String,
    effective_at: Option<Timestamp>,
    values: Vec<ServerValue>,
    bad: bool,
    pushed: bool,
}

/// What the simulator knows a QuestionnaireResponse says.
#[derive(Debug, Clone)]
pub(crate) struct ResponseInfo {
    citizen: usize,
    patient_id: String,
    questionnaire: String,
    /// What the form scores; `None` for a form Vagt does not know.
    parameter: Option<Parameter>,
    status: String,
    authored: Timestamp,
    answers: Vec<(String, i64)>,
    bad: bool,
}

impl ResponseInfo {
    fn finished(&self) -> bool {
        matches!(self.status.as_str(), "completed" | "amended")
    }

    fn total(&self) -> i64 {
        self.answers.iter().map(|(_, value)| value).sum()
    }
}

/// What the simulator knows an Encounter says.
#[derive(Debug, Clone)]
pub(crate) struct EncounterInfo {
    citizen: Option<usize>,
    patient_id: Option<String>,
    status: String,
    /// `Encounter.class`: (system, code).
    class: (String, String),
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    /// The care events this version gives.
    events: Vec<(CareEventKind, Timestamp)>,
    bad: bool,
    pushed: bool,
}

/// One generated stay or visit, as it is written.
struct Stay {
    citizen: usize,
    class: &'static str,
    acute_bed: bool,
    start: Timestamp,
    end: Timestamp,
}

#[derive(Debug)]
pub(crate) struct World {
    pub store: Store,
    pub clock: SimClock,
    citizens: Vec<SimCitizen>,
    by_cpr: HashMap<CitizenId, usize>,
    by_patient: HashMap<String, usize>,
    /// By store record index.
    observations: BTreeMap<usize, ObservationInfo>,
    /// Record indexes of generated (not pushed) Observations, in creation order.
    generated: Vec<usize>,
    /// By store record index.
    responses: BTreeMap<usize, ResponseInfo>,
    /// Record indexes of QuestionnaireResponses, in creation order.
    generated_responses: Vec<usize>,
    /// By store record index: generated and pushed Encounters.
    encounters: BTreeMap<usize, EncounterInfo>,
    seed: u64,
    advances: u64,
}

/// When one cohort measurement is written, and whether it is planted bad.
struct Load<'a> {
    bad: &'a HashSet<String>,
    /// The write time for a measurement's effective time.
    write_at: &'a dyn Fn(Timestamp) -> Timestamp,
}

impl World {
    pub fn new(config: &SimConfig) -> World {
        let spec = CohortSpec {
            seed: config.seed,
            citizens: config.citizens,
            days: config.days,
            end: config.end,
        };
        let cohort = generate(&spec);
        let mut world = World {
            store: Store::default(),
            clock: SimClock {
                end: config.end,
                started: Instant::now(),
            },
            citizens: Vec::new(),
            by_cpr: HashMap::new(),
            by_patient: HashMap::new(),
            observations: BTreeMap::new(),
            generated: Vec::new(),
            responses: BTreeMap::new(),
            generated_responses: Vec::new(),
            encounters: BTreeMap::new(),
            seed: config.seed,
            advances: 0,
        };
        // Patients and Conditions a day before the first reading, then readings in effective
        // order, each written a couple of minutes after it was measured, all before `end`.
        let first_day = config
            .end
            .start_of_day()
            .plus_millis(-(i64::from(config.days) + 1) * MILLIS_PER_DAY);
        for citizen in cohort.citizens {
            world.add_citizen(citizen, first_day, None);
        }
        let bad: HashSet<String> = cohort.expected_rejections.into_iter().collect();
        let latest = config.end.plus_millis(-MILLIS_PER_MINUTE);
        let write_at =
            move |effective: Timestamp| effective.plus_millis(2 * MILLIS_PER_MINUTE).min(latest);
        let load = Load {
            bad: &bad,
            write_at: &write_at,
        };
        world.load_measurements(&cohort.measurements, &load, None);
        world.plant_responses(config.end);
        world.add_encounters(&cohort.exacerbations, config.end);
        world
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
                patient_id: Some(first.patient_id.clone()),
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
            patient_id: Some(patient_id),
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

    /// Writes `info` as a new Encounter, or as a new version of record `index`.
    fn write_encounter(
        &mut self,
        index: Option<usize>,
        info: EncounterInfo,
        at: Timestamp,
    ) -> Option<usize> {
        let acute_bed = info
            .events
            .iter()
            .any(|(kind, _)| *kind == CareEventKind::AcuteBedAdmission);
        let content = |id: &str, info: &EncounterInfo| -> Option<Value> {
            Some(fhir::encounter(
                id,
                &EncounterContent {
                    patient_id: info.patient_id.as_deref()?,
                    status: &info.status,
                    class: (&info.class.0, &info.class.1),
                    acute_bed,
                    start: info.start?,
                    end: info.end,
                },
            ))
        };
        let index = match index {
            Some(index) => {
                let id = self.store.record(index)?.id.clone();
                self.store.update(index, content(&id, &info)?, at)?;
                index
            }
            None => {
                let id = self.store.new_id("Encounter");
                self.write_new(content(&id, &info)?, at, None)?
            }
        };
        self.encounters.insert(index, info);
        Some(index)
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
            questionnaire: UNSCORED_FORM.into(),
            parameter: None,
            status: "completed".into(),
            authored: yesterday,
            answers: vec![
                ("mood".into(), 1),
                ("appetite".into(), 2),
                ("sleep".into(), 0),
            ],
            bad: true,
        };
        self.add_response(unscored, yesterday.plus_millis(2 * MILLIS_PER_MINUTE), None);
        let started = end.plus_millis(-20 * MILLIS_PER_MINUTE);
        let mut answers = split_score(&DAILY_SYMPTOMS, 3);
        answers.truncate(2);
        let half_done = ResponseInfo {
            citizen,
            patient_id,
            questionnaire: DAILY_SYMPTOMS.canonical.into(),
            parameter: Some(DAILY_SYMPTOMS.parameter),
            status: "in-progress".into(),
            authored: started,
            answers,
            bad: false,
        };
        self.add_response(half_done, started, None);
    }

    fn add_citizen(
        &mut self,
        citizen: Citizen,
        at: Timestamp,
        mut report: Option<&mut AdvanceReport>,
    ) -> usize {
        let index = self.citizens.len();
        let patient_id = self.store.new_id("Patient");
        self.write_new(
            fhir::patient(&patient_id, &citizen),
            at,
            report.as_deref_mut(),
        );
        for diagnosis in &citizen.diagnoses {
            let id = self.store.new_id("Condition");
            let condition = fhir::condition(&id, &patient_id, *diagnosis);
            self.write_new(condition, at, report.as_deref_mut());
        }
        self.by_cpr.insert(citizen.id.clone(), index);
        self.by_patient.insert(patient_id.clone(), index);
        self.citizens.push(SimCitizen {
            citizen,
            patient_id,
            style: CodeStyle::for_index(index),
            last: BTreeMap::new(),
        });
        index
    }

    fn write_new(
        &mut self,
        resource: Value,
        at: Timestamp,
        report: Option<&mut AdvanceReport>,
    ) -> Option<usize> {
        let index = self.store.create(resource, at)?;
        if let (Some(report), Some(record)) = (report, self.store.record(index)) {
            report.changed.push(ChangedResource::of(record));
        }
        Some(index)
    }

    /// Writes cohort measurements as Observations, a blood-pressure pair as one panel where
    /// the citizen's style has panels, and scores as QuestionnaireResponses.
    fn load_measurements(
        &mut self,
        measurements: &[IncomingMeasurement],
        load: &Load<'_>,
        mut report: Option<&mut AdvanceReport>,
    ) {
        let mut pending_bp: HashMap<(usize, Timestamp), (ServerValue, bool)> = HashMap::new();
        for m in measurements {
            let Some(&citizen) = self.by_cpr.get(&m.citizen_id) else {
                continue;
            };
            let bad = load.bad.contains(&m.source.id);
            if let Some(form) = form_for(m.parameter)
                && let Some(patient_id) = self.citizens.get(citizen).map(|c| c.patient_id.clone())
            {
                // The cohort's scores are whole numbers.
                let total = m.value.round() as i64;
                let info = ResponseInfo {
                    citizen,
                    patient_id,
                    questionnaire: form.canonical.into(),
                    parameter: Some(form.parameter),
                    status: "completed".into(),
                    authored: m.effective_at,
                    answers: split_score(&form, total),
                    bad,
                };
                let at = (load.write_at)(m.effective_at);
                self.add_response(info, at, report.as_deref_mut());
                continue;
            }
            let value = ServerValue {
                parameter: m.parameter,
                value: m.value,
                unit: m.unit.clone(),
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
                            (load.write_at)(m.effective_at),
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
            let at = (load.write_at)(m.effective_at);
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
            let at = (load.write_at)(effective);
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

    fn add_observation(
        &mut self,
        citizen: usize,
        effective_at: Timestamp,
        values: Vec<ServerValue>,
        bad: bool,
        at: Timestamp,
        report: Option<&mut AdvanceReport>,
    ) -> Option<String> {
        let sim_citizen = self.citizens.get(citizen)?;
        let info = ObservationInfo {
            citizen: Some(citizen),
            patient_id: Some(sim_citizen.patient_id.clone()),
            style: sim_citizen.style,
            status: "final".into(),
            effective_at: Some(effective_at),
            values,
            bad,
            pushed: false,
        };
        let id = self.store.new_id("Observation");
        let resource = observation_json(&id, &info)?;
        let index = self.write_new(resource, at, report)?;
        if !bad && let Some(sim_citizen) = self.citizens.get_mut(citizen) {
            for v in &info.values {
                sim_citizen
                    .last
                    .insert(v.parameter, (v.value, v.unit.clone()));
            }
        }
        self.observations.insert(index, info);
        self.generated.push(index);
        Some(id)
    }

    fn add_response(
        &mut self,
        info: ResponseInfo,
        at: Timestamp,
        report: Option<&mut AdvanceReport>,
    ) -> Option<String> {
        let id = self.store.new_id("QuestionnaireResponse");
        let index = self.write_new(response_json(&id, &info), at, report)?;
        self.note_score(&info);
        self.responses.insert(index, info);
        self.generated_responses.push(index);
        Some(id)
    }

    /// Writes a new version of response `index`.
    fn update_response(
        &mut self,
        index: usize,
        info: ResponseInfo,
        now: Timestamp,
        report: &mut AdvanceReport,
    ) -> Option<String> {
        let id = self.store.record(index)?.id.clone();
        self.store.update(index, response_json(&id, &info), now)?;
        if let Some(record) = self.store.record(index) {
            report.changed.push(ChangedResource::of(record));
        }
        self.note_score(&info);
        self.responses.insert(index, info);
        Some(id)
    }

    /// A finished form's score is the citizen's latest: new forms vary around it.
    fn note_score(&mut self, info: &ResponseInfo) {
        if let (true, false, Some(parameter)) = (info.finished(), info.bad, info.parameter)
            && let Some(citizen) = self.citizens.get_mut(info.citizen)
        {
            let unit = parameter.canonical_unit().to_owned();
            citizen.last.insert(parameter, (info.total() as f64, unit));
        }
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
                .is_some_and(|r| r.status == "in-progress")
        });
        if let Some(index) = unfinished {
            let mut info = self.responses.get(&index)?.clone();
            let form = questionnaire_for(&info.questionnaire)?;
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
            questionnaire: form.canonical.into(),
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
            let form = questionnaire_for(&info.questionnaire)?;
            info.status = "amended".into();
            // `authored` stays: the score still describes the day it was answered for.
            let item = rng.below(info.answers.len() as u64) as usize;
            let (_, value) = info.answers.get_mut(item)?;
            let up = *value == 0 || (*value < form.item_max && rng.chance(0.5));
            *value += if up { 1 } else { -1 };
        }
        self.update_response(index, info, now, report)
    }

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
            if let Some(id) = self.new_citizen(now, n as u64, &mut report) {
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
        let citizen = rng.below(self.citizens.len() as u64) as usize;
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
            observations
                .get(&i)
                .is_some_and(|info| !info.bad && !info.pushed && info.status != "entered-in-error")
        })?;
        let mut info = self.observations.get(&index)?.clone();
        if retract {
            info.status = "entered-in-error".into();
        } else {
            info.status = "amended".into();
            let first = info.values.first_mut()?;
            *first = corrected(rng, first);
        }
        let id = self.store.record(index)?.id.clone();
        let resource = observation_json(&id, &info)?;
        self.store.update(index, resource, now)?;
        if let Some(record) = self.store.record(index) {
            report.changed.push(ChangedResource::of(record));
        }
        self.observations.insert(index, info);
        Some(id)
    }

    /// A new citizen from the cohort generator (another seed), with a Patient, Conditions and
    /// two days of readings.
    fn new_citizen(
        &mut self,
        now: Timestamp,
        n: u64,
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
            let cohort = generate(&spec);
            let Some(citizen) = cohort.citizens.into_iter().next() else {
                continue;
            };
            if self.by_cpr.contains_key(&citizen.id) {
                continue;
            }
            let before = report.changed.len();
            let index = self.add_citizen(citizen, now, Some(report));
            let bad: HashSet<String> = cohort.expected_rejections.into_iter().collect();
            let write_at = move |_: Timestamp| now;
            let load = Load {
                bad: &bad,
                write_at: &write_at,
            };
            self.load_measurements(&cohort.measurements, &load, Some(report));
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
            return self.citizens.get(index).map(|c| c.patient_id.clone());
        }
        None
    }

    /// Stores what a client created under the server id `id`. Returns its record index.
    pub fn create_pushed(
        &mut self,
        mut resource: Value,
        id: String,
        now: Timestamp,
    ) -> Option<usize> {
        resource
            .as_object_mut()?
            .insert("id".into(), Value::String(id));
        let index = self.store.create(resource, now)?;
        self.note_pushed(index);
        Some(index)
    }

    /// Records what a client created, so a pushed Observation or Encounter shows in the
    /// snapshot.
    fn note_pushed(&mut self, index: usize) {
        let Some(record) = self.store.record(index) else {
            return;
        };
        let resource = &record.current.resource;
        let patient_id = record
            .subject
            .as_deref()
            .and_then(|s| s.strip_prefix("Patient/"))
            .map(str::to_owned);
        let citizen = patient_id
            .as_deref()
            .and_then(|p| self.by_patient.get(p).copied());
        if record.resource_type == "Encounter" {
            let info = self.pushed_encounter(resource, patient_id, citizen);
            self.encounters.insert(index, info);
            return;
        }
        if record.resource_type != "Observation" {
            return;
        }
        let info = ObservationInfo {
            citizen,
            patient_id,
            style: CodeStyle::Danish,
            status: resource
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            effective_at: resource
                .get("effectiveDateTime")
                .and_then(Value::as_str)
                .and_then(|t| Timestamp::parse_rfc3339(t).ok()),
            values: pushed_values(resource),
            bad: false,
            pushed: true,
        };
        self.observations.insert(index, info);
    }

    /// What a pushed Encounter says, read with the sync's own mapper (a client must hold the
    /// events it gives; one it rejects gives none).
    fn pushed_encounter(
        &self,
        resource: &Value,
        patient_id: Option<String>,
        citizen: Option<usize>,
    ) -> EncounterInfo {
        let text = |pointer: &str| {
            resource
                .pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let instant = |pointer: &str| text(pointer).and_then(|t| Timestamp::parse_rfc3339(&t).ok());
        let cpr = citizen
            .and_then(|c| self.citizens.get(c))
            .map(|c| c.citizen.id.clone());
        let resolve = |reference: &str| {
            let local = vagt_fhir::local_reference(reference)?;
            let patient = patient_id.as_deref()?;
            (local == format!("Patient/{patient}"))
                .then(|| cpr.clone())
                .flatten()
        };
        let events = match vagt_fhir::map_encounter(resource, "sim", &resolve, self.clock.now()) {
            Ok(CareEventUpdate::Events { events, .. }) => {
                events.into_iter().map(|e| (e.kind, e.at)).collect()
            }
            _ => Vec::new(),
        };
        EncounterInfo {
            citizen,
            patient_id,
            status: text("/status").unwrap_or_default(),
            class: (
                text("/class/system").unwrap_or_default(),
                text("/class/code").unwrap_or_default(),
            ),
            start: instant("/period/start"),
            end: instant("/period/end"),
            events,
            bad: false,
            pushed: true,
        }
    }

    pub fn snapshot(&self) -> ServerReadings {
        let mut readings = ServerReadings {
            high_water: self.store.high_water(),
            ..ServerReadings::default()
        };
        for (index, info) in &self.observations {
            let Some(record) = self.store.record(*index) else {
                continue;
            };
            if matches!(info.status.as_str(), "entered-in-error" | "cancelled") {
                readings.retracted.push(record.id.clone());
                continue;
            }
            readings.observations.push(ServerObservation {
                id: record.id.clone(),
                version_id: record.current.version_id.to_string(),
                last_updated: record.current.last_updated,
                status: info.status.clone(),
                patient_id: info.patient_id.clone(),
                citizen_id: info
                    .citizen
                    .and_then(|c| self.citizens.get(c))
                    .map(|c| c.citizen.id.clone()),
                effective_at: info.effective_at,
                panel: fhir::is_panel(info.style, &info.values) && !info.pushed,
                values: info.values.clone(),
                bad_by_design: info.bad,
                pushed: info.pushed,
            });
        }
        for (index, info) in &self.responses {
            let Some(record) = self.store.record(*index) else {
                continue;
            };
            if info.status == "entered-in-error" {
                readings.retracted_responses.push(record.id.clone());
                continue;
            }
            let Some(citizen) = self.citizens.get(info.citizen) else {
                continue;
            };
            readings
                .questionnaire_responses
                .push(ServerQuestionnaireResponse {
                    id: record.id.clone(),
                    version_id: record.current.version_id.to_string(),
                    last_updated: record.current.last_updated,
                    status: info.status.clone(),
                    questionnaire: info.questionnaire.clone(),
                    patient_id: info.patient_id.clone(),
                    citizen_id: citizen.citizen.id.clone(),
                    authored: info.authored,
                    parameter: info.parameter,
                    answers: info.answers.clone(),
                    bad_by_design: info.bad,
                });
        }
        for (index, info) in &self.encounters {
            let Some(record) = self.store.record(*index) else {
                continue;
            };
            readings.encounters.push(ServerEncounter {
                id: record.id.clone(),
                version_id: record.current.version_id.to_string(),
                last_updated: record.current.last_updated,
                status: info.status.clone(),
                class: info.class.1.clone(),
                patient_id: info.patient_id.clone(),
                citizen_id: info
                    .citizen
                    .and_then(|c| self.citizens.get(c))
                    .map(|c| c.citizen.id.clone()),
                start: info.start,
                end: info.end,
                events: info.events.clone(),
                bad_by_design: info.bad,
                pushed: info.pushed,
            });
        }
        for citizen in &self.citizens {
            let Some(record) = self.store.get("Patient", &citizen.patient_id) else {
                continue;
            };
            readings.patients.push(ServerPatient {
                id: citizen.patient_id.clone(),
                version_id: record.current.version_id.to_string(),
                citizen_id: citizen.citizen.id.clone(),
                diagnoses: citizen.citizen.diagnoses.clone(),
            });
        }
        readings
    }
}

fn observation_json(id: &str, info: &ObservationInfo) -> Option<Value> {
    let content = ObservationContent {
        style: info.style,
        patient_id: info.patient_id.as_deref()?,
        status: &info.status,
        effective_at: info.effective_at?,
        values: &info.values,
    };
    fhir::observation(id, &content)
}

fn response_json(id: &str, info: &ResponseInfo) -> Value {
    fhir::questionnaire_response(
        id,
        &ResponseContent {
            questionnaire: &info.questionnaire,
            patient_id: &info.patient_id,
            status: &info.status,
            authored: info.authored,
            answers: &info.answers,
        },
    )
}

/// The form that gives a score, for the parameters that come from forms.
fn form_for(parameter: Parameter) -> Option<ScoredQuestionnaire> {
    SCORED_QUESTIONNAIRES
        .into_iter()
        .find(|form| form.parameter == parameter)
}

/// Answers summing to `total` (clamped to the form's range), spread as evenly as the items
/// allow: the earlier items take the remainder.
fn split_score(form: &ScoredQuestionnaire, total: i64) -> Vec<(String, i64)> {
    let total = total.clamp(0, form.max_total());
    let items = form.items.len().max(1) as i64;
    let (each, rest) = (total / items, total % items);
    form.items
        .iter()
        .zip(0..)
        .map(|(link_id, n)| ((*link_id).to_owned(), each + i64::from(n < rest)))
        .collect()
}

/// A new score near the last one.
fn next_score(rng: &mut Rng, form: &ScoredQuestionnaire, last: Option<f64>) -> i64 {
    let base = last.unwrap_or_else(|| typical(form.parameter));
    let spread = if form.parameter == Parameter::CatScore {
        2.0
    } else {
        0.8
    };
    ((base + spread * rng.normal()).round() as i64).clamp(0, form.max_total())
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

/// The next reading near the last one, in the same unit.
fn next_value(rng: &mut Rng, parameter: Parameter, last: Option<&(f64, String)>) -> ServerValue {
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
fn corrected(rng: &mut Rng, old: &ServerValue) -> ServerValue {
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

/// The values of a pushed Observation, read with the sync's own code table.
fn pushed_values(resource: &Value) -> Vec<ServerValue> {
    let measurement = |code: &Value| -> Option<Parameter> {
        code.get("coding")?.as_array()?.iter().find_map(|c| {
            match vagt_fhir::meaning_of(c.get("system")?.as_str()?, c.get("code")?.as_str()?)? {
                CodeMeaning::Measurement(p) => Some(p),
                CodeMeaning::BloodPressurePanel => None,
            }
        })
    };
    let value = |parameter: Parameter, holder: &Value| -> Option<ServerValue> {
        let q = holder.get("valueQuantity")?;
        let unit = q
            .get("code")
            .or_else(|| q.get("unit"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        Some(ServerValue {
            parameter,
            value: q.get("value")?.as_f64()?,
            unit: unit.to_owned(),
        })
    };
    if let Some(components) = resource.get("component").and_then(Value::as_array) {
        return components
            .iter()
            .filter_map(|c| value(measurement(c.get("code")?)?, c))
            .collect();
    }
    resource
        .get("code")
        .and_then(measurement)
        .and_then(|p| value(p, resource))
        .into_iter()
        .collect()
}

/// One of the last `window` generated items that is `open` and not yet `touched` by this
/// advance, drawn at random (giving up after 50 draws), and marked touched.
fn pick_recent_untouched(
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
