//! The simulator's own writes: a fact is encoded as FHIR (by `crate::fhir`), stored, noted in
//! the world's oracle and, during an advance, reported. They all go through here so that the
//! store and what the simulator knows about it cannot drift apart.

use crate::changes::{AdvanceReport, ChangedResource};
use crate::fhir::{self, CodeStyle, EncounterContent, ObservationContent, ResponseContent};
use crate::readings::ServerValue;
use crate::store::push_gently;
use crate::world::model::{EncounterInfo, ObservationInfo, ResponseInfo, SimCitizen, World};
use serde_json::Value;
use std::collections::BTreeMap;
use vagt_core::{CareEventKind, Citizen, Parameter, Timestamp};
use vagt_fhir::codes::{SCORED_QUESTIONNAIRES, ScoredQuestionnaire};

impl World {
    /// Stores a new resource and, during an advance, reports it.
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

    /// A citizen's Patient, Conditions and their enrolment (an active EpisodeOfCare from
    /// `enrolled_at`), written at `at`.
    pub(super) fn add_citizen(
        &mut self,
        citizen: Citizen,
        at: Timestamp,
        enrolled_at: Timestamp,
        mut report: Option<&mut AdvanceReport>,
    ) -> usize {
        let index = self.citizens.len();
        let patient_id = self.store.new_id("Patient");
        self.write_new(
            fhir::patient(&patient_id, &citizen),
            at,
            report.as_deref_mut(),
        );
        let episode_id = self.store.new_id("EpisodeOfCare");
        self.write_new(
            fhir::episode_of_care(&episode_id, &patient_id, enrolled_at),
            at,
            report.as_deref_mut(),
        );
        for diagnosis in &citizen.diagnoses {
            let id = self.store.new_id("Condition");
            let condition = fhir::condition(&id, &patient_id, *diagnosis);
            self.write_new(condition, at, report.as_deref_mut());
            for drug in fhir::medicine_box_for(*diagnosis) {
                let id = self.store.new_id("MedicationRequest");
                let request = fhir::medication_request(&id, &patient_id, *drug, at);
                self.write_new(request, at, report.as_deref_mut());
            }
        }
        self.by_cpr.insert(citizen.id.clone(), index);
        self.by_patient.insert(patient_id.clone(), index);
        self.citizens.push(SimCitizen {
            citizen,
            patient_id: patient_id.into(),
            style: CodeStyle::for_index(index),
            last: BTreeMap::new(),
            silent: false,
        });
        index
    }

    pub(super) fn add_observation(
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
            values: values.into_boxed_slice(),
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
        push_gently(&mut self.generated, index);
        Some(id)
    }

    /// Writes a new version of Observation `index`.
    pub(super) fn update_observation(
        &mut self,
        index: usize,
        info: ObservationInfo,
        now: Timestamp,
        report: &mut AdvanceReport,
    ) -> Option<String> {
        let id = self.store.record(index)?.id.to_string();
        let resource = observation_json(&id, &info)?;
        self.store.update(index, resource, now)?;
        if let Some(record) = self.store.record(index) {
            report.changed.push(ChangedResource::of(record));
        }
        self.observations.insert(index, info);
        Some(id)
    }

    pub(super) fn add_response(
        &mut self,
        info: ResponseInfo,
        at: Timestamp,
        report: Option<&mut AdvanceReport>,
    ) -> Option<String> {
        let id = self.store.new_id("QuestionnaireResponse");
        let index = self.write_new(response_json(&id, &info), at, report)?;
        self.note_score(&info);
        self.responses.insert(index, info);
        push_gently(&mut self.generated_responses, index);
        Some(id)
    }

    /// Writes a new version of response `index`.
    pub(super) fn update_response(
        &mut self,
        index: usize,
        info: ResponseInfo,
        now: Timestamp,
        report: &mut AdvanceReport,
    ) -> Option<String> {
        let id = self.store.record(index)?.id.to_string();
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

    /// Writes `info` as a new Encounter, or as a new version of record `index`.
    pub(super) fn write_encounter(
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
                let id = self.store.record(index)?.id.to_string();
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
            questionnaire: info.questionnaire,
            patient_id: &info.patient_id,
            status: &info.status,
            authored: info.authored,
            answers: &info.answers,
        },
    )
}

/// The form that gives a score, for the parameters that come from forms.
pub(super) fn form_for(parameter: Parameter) -> Option<ScoredQuestionnaire> {
    SCORED_QUESTIONNAIRES
        .into_iter()
        .find(|form| form.parameter == parameter)
}

/// Answers summing to `total` (clamped to the form's range), spread as evenly as the items
/// allow: the earlier items take the remainder.
pub(super) fn split_score(form: &ScoredQuestionnaire, total: i64) -> Box<[(&'static str, i64)]> {
    let total = total.clamp(0, form.max_total());
    let items = form.items.len().max(1) as i64;
    let (each, rest) = (total / items, total % items);
    form.items
        .iter()
        .zip(0..)
        .map(|(link_id, n)| (*link_id, each + i64::from(n < rest)))
        .collect()
}
