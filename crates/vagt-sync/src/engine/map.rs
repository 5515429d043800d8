//! Turning a page of FHIR resources into the domain with `vagt_fhir`'s mappers: what is
//! accepted, what is retracted, what is rejected and why. Citizens a page refers to but the
//! store has not seen are fetched first.

use crate::client::FhirClient;
use crate::engine::held::HeldPages;
use crate::error::SyncError;
use std::collections::{BTreeSet, HashMap};
use vagt_core::{CitizenId, Timestamp};
use vagt_fhir::{
    BasicRecord, ObservationUpdate, PageResource, QuestionnaireUpdate, local_reference,
    map_acknowledgement_task, map_basic, map_call, map_condition, map_encounter,
    map_episode_of_care, map_level_decision, map_medication_request, map_patient,
    map_questionnaire_response, map_visit_encounter,
};
use vagt_store::{PullBatch, PullReport, Pulled, Rejection, SourcedCitizen, Store};

fn rejection(
    base: &str,
    payload: String,
    rejected: vagt_fhir::Rejected,
    citizen: Option<CitizenId>,
) -> Rejection {
    Rejection {
        source: base.to_owned(),
        source_id: rejected.source_id,
        resource_type: rejected.resource_type,
        reason_code: rejected.reason.code().to_owned(),
        reason: rejected.reason.to_string(),
        payload,
        citizen_id: citizen.map(|c| c.as_str().to_owned()),
    }
}

fn map_patients(base: &str, resources: &[&serde_json::Value]) -> PullBatch {
    let mut batch = PullBatch::default();
    for resource in resources {
        match map_patient(resource, base) {
            Ok(record) => batch.citizens.push(SourcedCitizen {
                source_id: record.resource_id,
                source_version: record.version,
                citizen: record.citizen,
                mas_only: record.mas_only,
            }),
            Err(rejected) => {
                batch
                    .rejections
                    .push(rejection(base, resource.to_string(), rejected, None));
            }
        }
    }
    batch
}

/// Maps one page to the domain. References to citizens this store has not seen yet (a Patient
/// created after the Patient pull) are fetched first, so no reading is rejected for arriving
/// before its citizen.
pub(super) async fn map_page(
    store: &mut Store,
    client: &FhirClient,
    held: &mut HeldPages<(PullReport, usize)>,
    resource_type: &str,
    resources: &[&PageResource],
) -> Result<PullBatch, SyncError> {
    let base = client.base().to_owned();
    if resource_type == "Patient" {
        let patients: Vec<_> = resources.iter().map(|r| r.json()).collect();
        let patients: Vec<&serde_json::Value> = patients.iter().map(|p| &**p).collect();
        return Ok(map_patients(&base, &patients));
    }
    let mut batch = PullBatch::default();
    // An encounter dated after this is from the future (beyond the tolerated clock skew).
    let received_at = Timestamp::now();

    let subjects = subject_references(resources);
    fetch_unknown_patients(store, client, held, &subjects).await?;
    // Each distinct subject is looked up once per page, not once per resource.
    let mut known: HashMap<String, CitizenId> = HashMap::new();
    for local in subjects {
        if let Some(citizen) = store.citizen_for_source(&format!("{base}|{local}"))? {
            known.insert(local, citizen);
        }
    }
    let citizen_for =
        |reference: &str| -> Option<CitizenId> { known.get(&local_reference(reference)?).cloned() };
    // A rejected reading is kept with its citizen where the subject is known, so an implausible
    // value can raise that citizen's alarm.
    let reject = |resource: &PageResource, rejected| {
        let citizen = resource.subject_reference().and_then(citizen_for);
        rejection(&base, resource.text().into_owned(), rejected, citizen)
    };
    let pulled = |resource: &PageResource| -> (String, String) {
        let id = resource.id().unwrap_or_default();
        (
            format!("{base}|{resource_type}/{id}"),
            resource.text().into_owned(),
        )
    };
    for resource in resources {
        match resource_type {
            "Condition" => match map_condition(&resource.json(), &citizen_for) {
                Ok(Some(diagnosis)) => batch.diagnoses.push(diagnosis),
                Ok(None) => {}
                Err(rejected) => batch.rejections.push(reject(resource, rejected)),
            },
            "Encounter" => {
                // A Vagt visit is a visit record and, like any home-health Encounter, a MAS
                // visit among the citizen's care events.
                let json = resource.json();
                match map_visit_encounter(&json, &base, &citizen_for, received_at) {
                    Ok(Some(record)) => {
                        let (source_id, payload) = pulled(resource);
                        batch.visits.push(Pulled {
                            source_id,
                            resource_type: "Encounter".into(),
                            payload,
                            record,
                        });
                    }
                    Ok(None) => {}
                    Err(rejected) => batch.rejections.push(reject(resource, rejected)),
                }
                match map_encounter(&json, &base, &citizen_for, received_at) {
                    Ok(update) => batch.care_events.push(update),
                    Err(rejected) => batch.rejections.push(reject(resource, rejected)),
                }
            }
            "MedicationRequest" => {
                match map_medication_request(&resource.json(), &base, &citizen_for) {
                    Ok(Some(update)) => batch.medicine.push(update),
                    // A draft: prescribed when a later version says so.
                    Ok(None) => {}
                    Err(rejected) => batch.rejections.push(reject(resource, rejected)),
                }
            }
            // A part of a Vagt visit (a vital sign, a sample): the visit's Encounter carries
            // the record every station keeps, so it is not a home reading.
            "Observation" if resource.is_visit_part() => {}
            "EpisodeOfCare" => {
                match map_episode_of_care(&resource.json(), &base, &citizen_for, received_at) {
                    Ok(enrolment) => batch.enrolments.push(enrolment),
                    Err(rejected) => batch.rejections.push(reject(resource, rejected)),
                }
            }
            "ClinicalImpression" => {
                match map_level_decision(&resource.json(), &base, &citizen_for, received_at) {
                    Ok(Some(decision)) => batch.decisions.push(decision),
                    // Not Vagt's: a backend holds many kinds of ClinicalImpression.
                    Ok(None) => {}
                    Err(rejected) => batch.rejections.push(reject(resource, rejected)),
                }
            }
            "Basic" => match map_basic(&resource.json(), &base, &citizen_for, received_at) {
                Ok(Some(record)) => {
                    let (source_id, payload) = pulled(resource);
                    match record {
                        BasicRecord::PlanRevision(record) => batch.plan_revisions.push(Pulled {
                            source_id,
                            resource_type: "Basic".into(),
                            payload,
                            record,
                        }),
                        BasicRecord::SharedSetting(record) => {
                            batch.shared_settings.push(Pulled {
                                source_id,
                                resource_type: "Basic".into(),
                                payload,
                                record,
                            });
                        }
                        BasicRecord::CallLink(record) => batch.call_links.push(Pulled {
                            source_id,
                            resource_type: "Basic".into(),
                            payload,
                            record,
                        }),
                        BasicRecord::HandoverNote(record) => {
                            batch.handover_notes.push(Pulled {
                                source_id,
                                resource_type: "Basic".into(),
                                payload,
                                record,
                            });
                        }
                        BasicRecord::HandoverSignoff(record) => {
                            batch.handover_signoffs.push(Pulled {
                                source_id,
                                resource_type: "Basic".into(),
                                payload,
                                record,
                            });
                        }
                    }
                }
                Ok(None) => {}
                Err(rejected) => batch.rejections.push(reject(resource, rejected)),
            },
            "Communication" => match map_call(&resource.json(), &base, &citizen_for, received_at) {
                Ok(Some(record)) => {
                    let (source_id, payload) = pulled(resource);
                    batch.calls.push(Pulled {
                        source_id,
                        resource_type: "Communication".into(),
                        payload,
                        record,
                    });
                }
                // Not Vagt's call: a backend holds many kinds of Communication.
                Ok(None) => {}
                Err(rejected) => batch.rejections.push(reject(resource, rejected)),
            },
            "Task" if vagt_fhir::is_dispatch_task(&resource.json()) => {
                match vagt_fhir::map_dispatch_task(
                    &resource.json(),
                    &base,
                    &citizen_for,
                    received_at,
                ) {
                    Ok(Some(record)) => {
                        let (source_id, payload) = pulled(resource);
                        batch.dispatches.push(Pulled {
                            source_id,
                            resource_type: "Task".into(),
                            payload,
                            record,
                        });
                    }
                    Ok(None) => {}
                    Err(rejected) => batch.rejections.push(reject(resource, rejected)),
                }
            }
            "Task" => match map_acknowledgement_task(&resource.json()) {
                Ok(Some(ack)) => batch.acknowledgements.push(ack),
                // Not Vagt's: a backend holds many kinds of Task.
                Ok(None) => {}
                Err(rejected) => batch.rejections.push(reject(resource, rejected)),
            },
            "QuestionnaireResponse" => {
                match map_questionnaire_response(&resource.json(), &base, &citizen_for) {
                    Ok(QuestionnaireUpdate::Measurement(m)) => batch.measurements.push(m),
                    Ok(QuestionnaireUpdate::Retracted { source_id }) => {
                        batch.retractions.push(source_id);
                    }
                    // A form still being filled in: its completed version comes in a later pull.
                    Ok(QuestionnaireUpdate::Pending) => {}
                    Err(rejected) => batch.rejections.push(reject(resource, rejected)),
                }
            }
            _ => match resource.map_observation(&base, &citizen_for) {
                Ok(ObservationUpdate::Measurements(m)) => batch.measurements.extend(m),
                Ok(ObservationUpdate::Retracted { source_id }) => batch.retractions.push(source_id),
                Err(rejected) => batch.rejections.push(reject(resource, rejected)),
            },
        }
    }
    Ok(batch)
}

/// The local references (`Patient/123`) of the resources' subjects (an EpisodeOfCare's
/// `patient`).
fn subject_references(resources: &[&PageResource]) -> BTreeSet<String> {
    resources
        .iter()
        .filter_map(|r| r.subject_reference())
        .filter_map(local_reference)
        .filter(|local| local.starts_with("Patient/"))
        .collect()
}

async fn fetch_unknown_patients(
    store: &mut Store,
    client: &FhirClient,
    held: &mut HeldPages<(PullReport, usize)>,
    subjects: &BTreeSet<String>,
) -> Result<(), SyncError> {
    let base = client.base().to_owned();
    let mut unknown = Vec::new();
    for local in subjects {
        if store
            .citizen_for_source(&format!("{base}|{local}"))?
            .is_none()
        {
            unknown.push(local);
        }
    }
    // The backend is asked while no pages are held: a slow answer must not keep the write
    // lock from a nurse's record on the other connection.
    if !unknown.is_empty() {
        held.commit(store)?;
    }
    for local in unknown {
        let response = match client.get(local).await {
            Ok(r) => r,
            // Gone or never there: the reading is rejected as for an unknown citizen.
            Err(SyncError::Rejected {
                status: 404 | 410, ..
            }) => continue,
            Err(e) => return Err(e),
        };
        let Ok(resource) = serde_json::from_slice::<serde_json::Value>(&response.body) else {
            continue;
        };
        store.apply_pull(
            &base,
            "Patient",
            map_patients(&base, &[&resource]),
            None,
            Timestamp::now(),
        )?;
    }
    Ok(())
}
