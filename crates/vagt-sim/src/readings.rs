//! The oracle a test holds a client against: the server's current data as a fully synced
//! client must hold it, with the source ids and canonical values the sync's mappers give.
//! Public data, apart from the world that fills it, so tests depend on the answer, not on how
//! the simulator keeps its data.

use serde::{Deserialize, Serialize};
use vagt_core::{CareEventKind, CitizenId, Diagnosis, Parameter, Timestamp};

/// The server's current readings: what a client that has synced everything must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerReadings {
    /// Every Observation whose current version is not retracted, in creation order.
    pub observations: Vec<ServerObservation>,
    /// Ids of Observations whose current version is `entered-in-error`.
    pub retracted: Vec<String>,
    /// Every QuestionnaireResponse whose current version is not retracted, in creation order.
    pub questionnaire_responses: Vec<ServerQuestionnaireResponse>,
    /// Ids of QuestionnaireResponses whose current version is `entered-in-error`.
    pub retracted_responses: Vec<String>,
    pub patients: Vec<ServerPatient>,
    /// Every Encounter (generated or created by a client), in creation order.
    pub encounters: Vec<ServerEncounter>,
    /// The latest `lastUpdated` on the server (any resource type).
    pub high_water: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerObservation {
    pub id: String,
    pub version_id: String,
    pub last_updated: Timestamp,
    /// `final`, `amended`, or what a client pushed.
    pub status: String,
    /// The server's Patient id (`p-0001`).
    pub patient_id: Option<String>,
    /// The citizen's CPR identifier.
    pub citizen_id: Option<CitizenId>,
    pub effective_at: Option<Timestamp>,
    /// As served: the source's unit (`[lb_av]`, `mL`, …), not converted.
    pub values: Vec<ServerValue>,
    /// A blood-pressure panel: one Observation, a value per component.
    pub panel: bool,
    /// Planted bad by the cohort generator (implausible, unknown or wrong unit, from the
    /// future): a client must reject it, not store it as a reading.
    pub bad_by_design: bool,
    /// Created by a client, not generated.
    pub pushed: bool,
}

impl ServerReadings {
    /// What a client that has synced everything must hold as current readings: source id ->
    /// (version, value in the canonical unit). Planted-bad and client-pushed Observations are
    /// left out: a client rejects the first and wrote the second. So are planted-bad and
    /// unfinished QuestionnaireResponses: the first is rejected, the second not a reading yet.
    pub fn client_readings(&self, base: &str) -> std::collections::BTreeMap<String, (String, f64)> {
        let mut readings = std::collections::BTreeMap::new();
        for observation in self
            .observations
            .iter()
            .filter(|o| !o.bad_by_design && !o.pushed)
        {
            for ((parameter, source_id), value) in observation
                .source_ids(base)
                .into_iter()
                .zip(&observation.values)
            {
                if let Ok(canonical) =
                    vagt_core::units::to_canonical(parameter, value.value, &value.unit)
                {
                    readings.insert(source_id, (observation.version_id.clone(), canonical));
                }
            }
        }
        for response in &self.questionnaire_responses {
            if let Some((_, score)) = response.reading() {
                readings.insert(
                    response.source_id(base),
                    (response.version_id.clone(), score),
                );
            }
        }
        readings
    }

    /// The care events a client that has synced everything must hold as current: event key
    /// ([`vagt_core::CareEvent::key_of`] the Encounter's source) -> (kind, time).
    pub fn client_care_events(
        &self,
        base: &str,
    ) -> std::collections::BTreeMap<String, (CareEventKind, Timestamp)> {
        let mut events = std::collections::BTreeMap::new();
        for encounter in &self.encounters {
            let source = vagt_core::SourceRef {
                id: encounter.source_id(base),
                version: encounter.version_id.clone(),
            };
            for (kind, at) in &encounter.events {
                events.insert(vagt_core::CareEvent::key_of(&source, *kind), (*kind, *at));
            }
        }
        events
    }

    /// Planted-bad resources of every type: what a client must reject.
    pub fn bad_by_design(&self) -> usize {
        self.bad_observations_by_design()
            + self.bad_responses_by_design()
            + self.bad_encounters_by_design()
    }

    pub fn bad_encounters_by_design(&self) -> usize {
        self.encounters.iter().filter(|e| e.bad_by_design).count()
    }

    pub fn bad_observations_by_design(&self) -> usize {
        self.observations.iter().filter(|o| o.bad_by_design).count()
    }

    pub fn bad_responses_by_design(&self) -> usize {
        self.questionnaire_responses
            .iter()
            .filter(|r| r.bad_by_design)
            .count()
    }
}

impl ServerObservation {
    /// The source id `vagt_fhir::map_observation` gives each value when the client's base is
    /// `base`: `{base}|Observation/{id}`, with `#{parameter}` per component of a panel.
    pub fn source_ids(&self, base: &str) -> Vec<(Parameter, String)> {
        let id = format!("{base}|Observation/{}", self.id);
        self.values
            .iter()
            .map(|v| {
                let source = if self.panel {
                    format!("{id}#{}", v.parameter.code())
                } else {
                    id.clone()
                };
                (v.parameter, source)
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerQuestionnaireResponse {
    pub id: String,
    pub version_id: String,
    pub last_updated: Timestamp,
    /// `completed`, `amended` or `in-progress`.
    pub status: String,
    /// The form's canonical URL.
    pub questionnaire: String,
    pub patient_id: String,
    pub citizen_id: CitizenId,
    pub authored: Timestamp,
    /// What the form scores: `None` for the planted form Vagt does not know.
    pub parameter: Option<Parameter>,
    /// (linkId, valueInteger) as served.
    pub answers: Vec<(String, i64)>,
    /// Planted bad (a form Vagt cannot score): a client must reject it.
    pub bad_by_design: bool,
}

impl ServerQuestionnaireResponse {
    /// The source id `vagt_fhir::map_questionnaire_response` gives its reading.
    pub fn source_id(&self, base: &str) -> String {
        format!("{base}|QuestionnaireResponse/{}", self.id)
    }

    /// The reading a client must hold for it: the parameter and the summed answers, for a
    /// finished response that is not planted bad.
    pub fn reading(&self) -> Option<(Parameter, f64)> {
        let finished = matches!(self.status.as_str(), "completed" | "amended");
        let parameter = self.parameter.filter(|_| finished && !self.bad_by_design)?;
        let sum: i64 = self.answers.iter().map(|(_, value)| value).sum();
        // Scores are at most 40; the conversion is exact.
        Some((parameter, sum as f64))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerEncounter {
    pub id: String,
    pub version_id: String,
    pub last_updated: Timestamp,
    /// `in-progress`, `finished`, or what a client pushed.
    pub status: String,
    /// `Encounter.class.code` (`HH`, `IMP`, …).
    pub class: String,
    /// The server's Patient id (`p-0001`).
    pub patient_id: Option<String>,
    pub citizen_id: Option<CitizenId>,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    /// The care events its current version gives: what a client must hold for it.
    pub events: Vec<(CareEventKind, Timestamp)>,
    /// Planted bad by the simulator (a class Vagt cannot place): a client must reject it.
    pub bad_by_design: bool,
    /// Created by a client, not generated.
    pub pushed: bool,
}

impl ServerEncounter {
    /// The source id `vagt_fhir::map_encounter` gives its events.
    pub fn source_id(&self, base: &str) -> String {
        format!("{base}|Encounter/{}", self.id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerValue {
    pub parameter: Parameter,
    pub value: f64,
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerPatient {
    pub id: String,
    pub version_id: String,
    pub citizen_id: CitizenId,
    pub diagnoses: Vec<Diagnosis>,
}
