//! The oracle: what a client that has synced everything must hold now, read off the world.

use crate::fhir;
use crate::readings::{
    ServerEncounter, ServerObservation, ServerPatient, ServerQuestionnaireResponse, ServerReadings,
};
use crate::world::model::World;

impl World {
    pub fn snapshot(&self) -> ServerReadings {
        let mut readings = ServerReadings {
            high_water: self.store.high_water(),
            ..ServerReadings::default()
        };
        for (index, info) in self.observations.iter() {
            let Some(record) = self.store.record(index) else {
                continue;
            };
            if matches!(&*info.status, "entered-in-error" | "cancelled") {
                readings.retracted.push(record.id.to_string());
                continue;
            }
            readings.observations.push(ServerObservation {
                id: record.id.to_string(),
                version_id: record.current.version_id.to_string(),
                last_updated: record.current.last_updated,
                status: info.status.to_string(),
                patient_id: info.patient_id.as_deref().map(str::to_owned),
                citizen_id: info
                    .citizen
                    .and_then(|c| self.citizens.get(c))
                    .map(|c| c.citizen.id.clone()),
                effective_at: info.effective_at,
                panel: fhir::is_panel(info.style, &info.values) && !info.pushed,
                values: info.values.to_vec(),
                bad_by_design: info.bad,
                pushed: info.pushed,
            });
        }
        for (index, info) in self.responses.iter() {
            let Some(record) = self.store.record(index) else {
                continue;
            };
            if &*info.status == "entered-in-error" {
                readings.retracted_responses.push(record.id.to_string());
                continue;
            }
            let Some(citizen) = self.citizens.get(info.citizen) else {
                continue;
            };
            readings
                .questionnaire_responses
                .push(ServerQuestionnaireResponse {
                    id: record.id.to_string(),
                    version_id: record.current.version_id.to_string(),
                    last_updated: record.current.last_updated,
                    status: info.status.to_string(),
                    questionnaire: info.questionnaire.to_owned(),
                    patient_id: info.patient_id.to_string(),
                    citizen_id: citizen.citizen.id.clone(),
                    authored: info.authored,
                    parameter: info.parameter,
                    answers: info
                        .answers
                        .iter()
                        .map(|(link_id, value)| ((*link_id).to_owned(), *value))
                        .collect(),
                    bad_by_design: info.bad,
                });
        }
        for (index, info) in self.encounters.iter() {
            let Some(record) = self.store.record(index) else {
                continue;
            };
            readings.encounters.push(ServerEncounter {
                id: record.id.to_string(),
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
                id: citizen.patient_id.to_string(),
                version_id: record.current.version_id.to_string(),
                citizen_id: citizen.citizen.id.clone(),
                diagnoses: citizen.citizen.diagnoses.clone(),
            });
        }
        readings
    }
}
