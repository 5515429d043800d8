//! A MAS laptop's field shift with the backend down, and what must hold once it is back: every
//! record on the server exactly once and the same at a second station. Run against
//! `vagt-sim` (with answers cut) and against Medplum's FHIR router.

use crate::common::stations::{
    agreed_state, assert_agree, call_form, open_station, sync_station, visit_form,
};
use std::path::Path;
use vagt_core::dispatch::{DispatchChange, DispatchState, DispatchUrgency, VisitOutcome};
use vagt_core::person::NewPerson;
use vagt_core::{CitizenId, EcmLevel, LevelKind, Timestamp};
use vagt_store::{Actor, Store};
use vagt_sync::{FhirClient, SyncConfig, sync_once};

/// A field shift with the backend down: a MAS laptop (A) logs many calls and a full visit
/// with no network, then the network returns and A pushes (the caller may cut answers
/// meanwhile); every call and every part of the visit is then on the server exactly once, and
/// station B holds the very same calls and visit.
pub struct FieldShift {
    pub a: Store,
    pub b: Store,
    pub keys: Vec<String>,
    pub visit: vagt_core::visit::VisitRecord,
    /// A person who is not enrolled, added on the laptop, sent to and visited.
    pub person: CitizenId,
    pub person_visit: vagt_core::visit::VisitRecord,
    /// The unknown caller's call, linked on the laptop to `assessed`'s neighbour.
    unknown_call: String,
    linked_to: CitizenId,
    assessed: CitizenId,
    page_size: usize,
}

/// Not a CPR number of the synthetic cohort (whose days of birth are real dates of the last
/// century's first half); 31 December 99 is a valid day of birth.
pub const PERSON_CPR: &str = "311299-4321";

impl FieldShift {
    /// Both stations synced once; then, with the backend unreachable, ten calls logged at A
    /// (one from an unknown caller).
    pub async fn offline(client: &FhirClient, dir: &Path, page_size: usize) -> FieldShift {
        let mut a = open_station(dir, "laptop.db");
        let mut b = open_station(dir, "station.db");
        sync_station(&mut a, client, page_size).await;
        sync_station(&mut b, client, page_size).await;
        let nurse = Actor("nurse-mas".into());
        let mut citizens: Vec<CitizenId> = a
            .citizen_summaries(&nurse)
            .expect("summaries")
            .into_iter()
            .map(|c| c.id)
            .collect();
        citizens.sort();
        let quick = vagt_sync::RetryPolicy {
            max_attempts: 1,
            connect_timeout: std::time::Duration::from_millis(300),
            request_timeout: std::time::Duration::from_millis(500),
            ..vagt_sync::RetryPolicy::default()
        };
        let down = FhirClient::new("http://127.0.0.1:9/fhir", None, quick).expect("client");
        assert!(
            sync_once(&mut a, &down, &SyncConfig::default(), &mut |_| {})
                .await
                .is_err(),
            "the backend is down"
        );
        let mut keys = Vec::new();
        for (n, citizen) in citizens.iter().cycle().take(9).enumerate() {
            let mut call = call_form(
                Some(citizen),
                90 - n as i64 * 5,
                &format!("opkald {n}: åndenød"),
                (n % 3 == 0).then_some(3),
            );
            if n == 4 {
                // A call-back nobody answered: a Communication not done, kept the same.
                call.direction = vagt_core::call::CallDirection::Outbound;
                call.no_answer = true;
            }
            a.record_call(&nurse, &call, None, Timestamp::now())
                .expect("logged offline");
            keys.push(call.key);
        }
        let unknown = call_form(None, 20, "pårørende ringer, kender ikke CPR", None);
        a.record_call(&nurse, &unknown, None, Timestamp::now())
            .expect("an unknown caller is logged too");
        // Later in the shift the nurse learns who it was.
        let linked_to = citizens[1].clone();
        a.link_call(&nurse, &unknown.key, &linked_to, Timestamp::now())
            .expect("linked offline");
        let unknown_call = unknown.key.clone();
        keys.push(unknown.key);
        // A person outside the clinic: added, sent to, visited; all offline.
        let person = a
            .add_person(
                &nurse,
                &NewPerson {
                    cpr: PERSON_CPR.into(),
                    name: "Ib Hansen".into(),
                    address: "Søvej 3, 5000 Odense C".into(),
                    phone: None,
                },
                Timestamp::now(),
            )
            .expect("added offline");
        assert!(!person.existing);
        let person = person.citizen_id;
        let dispatch = a
            .request_dispatch(
                &nurse,
                &person,
                DispatchUrgency::Urgent,
                "faldet, åndenød; ikke i telemedicin",
                Some("nurse-mas"),
                Timestamp::now(),
            )
            .expect("sent offline")
            .dispatch
            .key;
        for to in [DispatchState::EnRoute, DispatchState::Arrived] {
            let change = DispatchChange::State {
                to,
                outcome: None,
                note: String::new(),
            };
            a.change_dispatch(&nurse, &dispatch, change, Timestamp::now())
                .expect("moved on offline");
        }
        let mut person_visit = visit_form(&person, 70, None);
        person_visit.dispatch_key = Some(dispatch);
        person_visit.outcome = VisitOutcome::StaysHome;
        a.record_visit(&nurse, &person_visit, None, Timestamp::now())
            .expect("the person's visit recorded offline");
        // A visit to a citizen with a medicine box (the backend's, read before the shift).
        let (visited, drug) = citizens
            .iter()
            .skip(1)
            .find_map(|c| {
                let drug = a.medicine_box(&nurse, c).expect("box").into_iter().next()?;
                Some((c.clone(), drug))
            })
            .expect("a citizen with a medicine box");
        let visit = visit_form(&visited, 70, Some(&drug));
        a.record_visit(&nurse, &visit, None, Timestamp::now())
            .expect("recorded offline");
        assert!(
            a.status().expect("status").outbox > keys.len() as i64,
            "queued while offline"
        );
        FieldShift {
            a,
            b,
            keys,
            visit,
            person,
            person_visit,
            unknown_call,
            linked_to,
            assessed: citizens[0].clone(),
            page_size,
        }
    }

    /// The network is back: A syncs through `back` until its outbox is empty.
    pub async fn back_online(&mut self, back: &FhirClient) {
        for _ in 0..40 {
            let _ = sync_once(&mut self.a, back, &SyncConfig::default(), &mut |_| {}).await;
            if self.a.status().expect("status").outbox == 0 {
                return;
            }
        }
        panic!("the outbox never emptied");
    }

    /// Every call once on the server, and the same calls at B after it syncs.
    pub async fn check(&mut self, client: &FhirClient) {
        for key in &self.keys {
            let response = client
                .get(&format!("Communication?identifier=urn:ietf:rfc:3986|{key}"))
                .await
                .expect("search");
            let bundle = vagt_fhir::parse_bundle(&response.body).expect("bundle");
            assert_eq!(bundle.resources().count(), 1, "exactly one copy of {key}");
        }
        sync_station(&mut self.b, client, self.page_size).await;
        let reader = Actor("reader".into());
        let mut at_a = self.a.calls(&reader, None, None).expect("calls");
        let mut at_b = self.b.calls(&reader, None, None).expect("calls");
        at_a.sort_by(|x, y| x.key.cmp(&y.key));
        at_b.sort_by(|x, y| x.key.cmp(&y.key));
        assert_eq!(at_a.len(), self.keys.len());
        assert_eq!(at_b, at_a, "station B holds the calls A logged offline");
        let again = sync_station(&mut self.b, client, self.page_size).await;
        assert_eq!(
            self.b.calls(&reader, None, None).expect("calls").len(),
            self.keys.len()
        );
        assert_eq!(again.rejected, 0, "{again:?}");
        // The nurse's assessment is her confirmed level at both stations; the visit's
        // admission sets ECM6 for its citizen.
        for store in [&mut self.a, &mut self.b] {
            assert_eq!(
                store
                    .latest_level(&self.assessed, LevelKind::Confirmed)
                    .expect("level"),
                Some(EcmLevel::new(3).expect("level"))
            );
            assert_eq!(
                store
                    .latest_level(&self.visit.citizen_id, LevelKind::Confirmed)
                    .expect("level"),
                Some(EcmLevel::new(6).expect("level"))
            );
        }
        // A reading read out on the phone is the citizen's reading at both stations, the call
        // its source, once.
        let phone_readings = |store: &mut Store| {
            store
                .readings(&reader, &self.assessed, None, None)
                .expect("readings")
                .into_iter()
                .filter(|r| r.source_id.contains("#reading."))
                .map(|r| (r.source_id, r.value))
                .collect::<Vec<_>>()
        };
        let at_a = phone_readings(&mut self.a);
        assert!(!at_a.is_empty(), "the calls' readings are kept");
        assert_eq!(phone_readings(&mut self.b), at_a);
        self.check_person_and_link(client, &reader).await;
        self.check_visit(client, &reader).await;
    }

    /// The person is one Patient on the server, tagged as served by MAS only, and at B a
    /// citizen served by MAS only with the dispatch (completed by the visit) and the visit; the
    /// unknown caller's call is the linked citizen's at both stations.
    async fn check_person_and_link(&mut self, client: &FhirClient, reader: &Actor) {
        let found = client
            .get(&format!(
                "Patient?identifier={}|{}",
                vagt_fhir::CPR_SYSTEM,
                self.person
            ))
            .await
            .expect("search");
        let patients: Vec<serde_json::Value> = vagt_fhir::parse_bundle(&found.body)
            .expect("bundle")
            .resources()
            .cloned()
            .collect();
        assert_eq!(patients.len(), 1, "one Patient for the person");
        assert_eq!(
            patients[0]["meta"]["tag"][0]["code"],
            vagt_fhir::MAS_ONLY_TAG
        );
        for store in [&mut self.a, &mut self.b] {
            assert!(store.is_mas_only(&self.person).expect("person"));
            let dispatches = store
                .dispatches(reader, Some(&self.person), false)
                .expect("dispatches");
            assert_eq!(dispatches.len(), 1);
            assert_eq!(dispatches[0].state, DispatchState::Completed);
            assert_eq!(
                store
                    .visits(reader, Some(&self.person), None)
                    .expect("visits"),
                vec![self.person_visit.clone()]
            );
            let calls = store
                .calls(reader, Some(&self.linked_to), None)
                .expect("calls");
            let linked = calls
                .iter()
                .find(|c| c.key == self.unknown_call)
                .expect("the unknown caller's call is the citizen's");
            assert_eq!(linked.citizen_id.as_ref(), Some(&self.linked_to));
            assert_eq!(
                linked.linked.as_ref().map(|l| l.linked_by.as_str()),
                Some("nurse-mas")
            );
            assert!(
                store
                    .unlinked_calls(reader, None)
                    .expect("calls")
                    .is_empty()
            );
        }
    }

    /// The visit: its Encounter and each part once on the server, the box drug's
    /// administration linked to its prescription, and the same visit at B, whose readings it
    /// did not touch (its vital signs are the visit's, not home readings).
    async fn check_visit(&mut self, client: &FhirClient, reader: &Actor) {
        let count = |body: &[u8]| {
            vagt_fhir::parse_bundle(body)
                .expect("bundle")
                .resources()
                .cloned()
                .collect::<Vec<_>>()
        };
        let key = &self.visit.key;
        let found = client
            .get(&format!("Encounter?identifier=urn:ietf:rfc:3986|{key}"))
            .await
            .expect("search");
        assert_eq!(count(&found.body).len(), 1, "exactly one Encounter");
        let encounter = count(&found.body).remove(0);
        let encounter_ref = format!("Encounter/{}", encounter["id"].as_str().expect("id"));
        let parts = vagt_fhir::visit_parts(&self.visit, None, &encounter_ref, &|_| None);
        assert_eq!(parts.len(), 13 + 3 + 2, "every part of a full visit");
        for part in &parts {
            let response = client
                .get(&format!(
                    "{}?identifier={}|{}",
                    part.resource_type,
                    vagt_fhir::VISIT_PART_SYSTEM,
                    part.identifier
                ))
                .await
                .expect("search");
            let held = count(&response.body);
            assert_eq!(held.len(), 1, "exactly one copy of {}", part.identifier);
            let pointer = if part.resource_type == "MedicationAdministration" {
                "/context/reference"
            } else {
                "/encounter/reference"
            };
            assert_eq!(
                held[0].pointer(pointer).and_then(serde_json::Value::as_str),
                Some(encounter_ref.as_str()),
                "{} points at the visit",
                part.identifier
            );
            if part.identifier.ends_with("/treatment.1") {
                let request = held[0]["request"]["reference"].as_str().unwrap_or_default();
                assert!(
                    request.starts_with("MedicationRequest/"),
                    "the box drug names its prescription: {request:?}"
                );
            }
        }
        assert_eq!(
            self.b
                .visits(reader, Some(&self.visit.citizen_id), None)
                .expect("visits"),
            vec![self.visit.clone()],
            "station B holds the visit A recorded offline"
        );
        sync_station(&mut self.a, client, self.page_size).await;
        let at = Timestamp::now();
        let state_a = agreed_state(&mut self.a, at);
        let state_b = agreed_state(&mut self.b, at);
        assert_agree(&state_a, &state_b, "after the field shift");
    }
}
