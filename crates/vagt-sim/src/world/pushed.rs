//! What clients create: stored as given under a server id, and read with the sync's own
//! mappers, so a pushed Observation or Encounter shows in the snapshot as a client must hold it.

use crate::fhir::CodeStyle;
use crate::readings::ServerValue;
use crate::world::model::{EncounterInfo, ObservationInfo, World};
use serde_json::Value;
use std::sync::Arc;
use vagt_core::{CareEventUpdate, Parameter, Timestamp};
use vagt_fhir::CodeMeaning;

impl World {
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
        let resource = &record.current.resource();
        let patient_id = record
            .subject
            .as_deref()
            .and_then(|s| s.strip_prefix("Patient/"))
            .map(str::to_owned);
        let citizen = patient_id
            .as_deref()
            .and_then(|p| self.by_patient.get(p).copied());
        if &*record.resource_type == "Encounter" {
            let info = self.pushed_encounter(resource, patient_id, citizen);
            self.encounters.insert(index, info);
            return;
        }
        // A part of a visit is not a reading (the visit's Encounter is what a client keeps).
        if &*record.resource_type != "Observation" || vagt_fhir::is_visit_part(resource) {
            return;
        }
        let info = ObservationInfo {
            citizen,
            patient_id: patient_id.map(Arc::from),
            style: CodeStyle::Danish,
            status: resource
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .into(),
            effective_at: resource
                .get("effectiveDateTime")
                .and_then(Value::as_str)
                .and_then(|t| Timestamp::parse_rfc3339(t).ok()),
            values: pushed_values(resource).into_boxed_slice(),
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
