//! One MAS dispatch edited at two stations: the station that sends the nurse (A) and the MAS
//! laptop (B), each offline for a while. Edits of different fields both apply; the same field
//! set two ways is a conflict both stations show alike, with both versions and one alarm, until
//! a nurse settles it; the dispatch ends in a hospital admission that sets ECM6 everywhere.
//! Run against `vagt-sim` (with answers cut) and against Medplum's FHIR router.

use crate::common::stations::{agreed_state, assert_agree, open_station, sync_station};
use std::path::Path;
use vagt_core::alarm::{AlarmKind, AlarmState};
use vagt_core::dispatch::{
    Dispatch, DispatchChange, DispatchField, DispatchState, DispatchUrgency, VisitOutcome,
};
use vagt_core::{CitizenId, EcmLevel, LevelKind, Timestamp};
use vagt_store::{Actor, AlarmFilter, Store};
use vagt_sync::FhirClient;

fn state(to: DispatchState) -> DispatchChange {
    DispatchChange::State {
        to,
        outcome: None,
        note: String::new(),
    }
}

fn shown(store: &mut Store, key: &str) -> Dispatch {
    store
        .dispatch(&Actor("reader".into()), key)
        .expect("dispatch")
}

/// How many Tasks the backend holds under the dispatch's key, and the one it holds.
async fn on_server(client: &FhirClient, key: &str) -> (usize, serde_json::Value) {
    let response = client
        .get(&format!("Task?identifier=urn:ietf:rfc:3986|{key}"))
        .await
        .expect("search");
    let bundle = vagt_fhir::parse_bundle(&response.body).expect("bundle");
    let tasks: Vec<serde_json::Value> = bundle.resources().cloned().collect();
    let first = tasks.first().cloned().unwrap_or_default();
    (tasks.len(), first)
}

pub async fn one_dispatch_edited_at_two_stations(
    client: &FhirClient,
    dir: &Path,
    page_size: usize,
) {
    let mut a = open_station(dir, "station.db");
    let mut b = open_station(dir, "mas-laptop.db");
    sync_station(&mut a, client, page_size).await;
    sync_station(&mut b, client, page_size).await;
    let station = Actor("vagt.anna".into());
    let mas = Actor("mas.ole".into());
    let mut citizens: Vec<CitizenId> = a
        .citizen_summaries(&station)
        .expect("summaries")
        .into_iter()
        .map(|c| c.id)
        .collect();
    citizens.sort();
    let citizen = citizens.first().cloned().expect("a citizen");

    // The station sends the MAS nurse; the laptop gets the dispatch.
    let requested = a
        .request_dispatch(
            &station,
            &citizen,
            DispatchUrgency::Urgent,
            "SpO2 86 %, tiltagende åndenød",
            Some("mas.ole"),
            Timestamp::now(),
        )
        .expect("requested");
    let key = requested.dispatch.key.clone();
    sync_station(&mut a, client, page_size).await;
    sync_station(&mut b, client, page_size).await;
    assert_eq!(
        shown(&mut b, &key),
        shown(&mut a, &key),
        "B holds A's dispatch"
    );

    // Offline at both: the station raises the urgency, the laptop leaves.
    a.change_dispatch(
        &station,
        &key,
        DispatchChange::Urgency {
            urgency: DispatchUrgency::Immediate,
        },
        Timestamp::now(),
    )
    .expect("urgency");
    b.change_dispatch(&mas, &key, state(DispatchState::EnRoute), Timestamp::now())
        .expect("en route");
    sync_station(&mut a, client, page_size).await;
    sync_station(&mut b, client, page_size).await;
    sync_station(&mut a, client, page_size).await;
    let at_a = shown(&mut a, &key);
    assert_eq!(at_a, shown(&mut b, &key), "both stations show one dispatch");
    assert_eq!(at_a.state, DispatchState::EnRoute, "B's edit kept");
    assert_eq!(at_a.urgency, DispatchUrgency::Immediate, "A's edit kept");
    assert!(at_a.conflicts.is_empty(), "{:?}", at_a.conflicts);

    // An update from a version someone else has since replaced is refused, not applied.
    let (count, task) = on_server(client, &key).await;
    assert_eq!(count, 1, "one Task per dispatch");
    let id = task["id"].as_str().expect("id").to_owned();
    let stale = task["meta"]["versionId"]
        .as_str()
        .expect("version")
        .to_owned();
    a.change_dispatch(
        &station,
        &key,
        state(DispatchState::Arrived),
        Timestamp::now(),
    )
    .expect("arrived");
    sync_station(&mut a, client, page_size).await;
    let refused = client
        .update_if_match("Task", &id, &task, Some(&stale))
        .await
        .expect_err("a stale version is refused");
    assert!(
        matches!(refused, vagt_sync::SyncError::Rejected { status: 412, .. }),
        "{refused:?}"
    );
    sync_station(&mut b, client, page_size).await;
    assert_eq!(shown(&mut b, &key).state, DispatchState::Arrived);

    // Offline again: the station cancels, the laptop completes. A conflict both show alike.
    a.change_dispatch(
        &station,
        &key,
        state(DispatchState::Cancelled),
        Timestamp::now(),
    )
    .expect("cancelled");
    b.change_dispatch(
        &mas,
        &key,
        DispatchChange::State {
            to: DispatchState::Completed,
            outcome: Some(VisitOutcome::StaysHome),
            note: "bliver hjemme med plan".into(),
        },
        Timestamp::now(),
    )
    .expect("completed");
    sync_station(&mut a, client, page_size).await;
    sync_station(&mut b, client, page_size).await;
    sync_station(&mut a, client, page_size).await;
    let at_a = shown(&mut a, &key);
    assert_eq!(at_a, shown(&mut b, &key));
    assert_eq!(at_a.conflicts.len(), 1, "{:?}", at_a.conflicts);
    let conflict = &at_a.conflicts[0];
    assert_eq!(conflict.field, DispatchField::State);
    let mut versions: Vec<(String, String)> = conflict
        .versions
        .iter()
        .map(|v| (v.value.clone(), v.by.clone()))
        .collect();
    versions.sort();
    assert_eq!(
        versions,
        vec![
            ("cancelled".to_owned(), "vagt.anna".to_owned()),
            ("completed".to_owned(), "mas.ole".to_owned()),
        ],
        "both versions are shown"
    );
    let now = Timestamp::now();
    let state_a = agreed_state(&mut a, now);
    assert_agree(&state_a, &agreed_state(&mut b, now), "dispatch conflict");
    let conflict_alarms = |store: &mut Store| {
        store
            .alarms(AlarmFilter::Open, &Actor("reader".into()), Timestamp::now())
            .expect("alarms")
            .into_iter()
            .filter(|alarm| alarm.kind == AlarmKind::DispatchConflict)
            .map(|alarm| alarm.id)
            .collect::<Vec<_>>()
    };
    let alarm_ids = conflict_alarms(&mut a);
    assert_eq!(alarm_ids.len(), 1, "one alarm for the conflict");
    assert_eq!(conflict_alarms(&mut b), alarm_ids, "the same alarm at both");

    // The MAS nurse settles it: the visit went on, and ends in a hospital admission.
    b.change_dispatch(&mas, &key, state(DispatchState::Arrived), Timestamp::now())
        .expect_err("arrived is no version of the conflict");
    b.change_dispatch(
        &mas,
        &key,
        DispatchChange::State {
            to: DispatchState::Completed,
            outcome: Some(VisitOutcome::HospitalAdmission),
            note: "indlagt, SpO2 82 %".into(),
        },
        Timestamp::now(),
    )
    .expect("settled");
    sync_station(&mut b, client, page_size).await;
    sync_station(&mut a, client, page_size).await;
    let at_a = shown(&mut a, &key);
    assert_eq!(at_a, shown(&mut b, &key));
    assert!(at_a.conflicts.is_empty());
    assert_eq!(at_a.state, DispatchState::Completed);
    assert_eq!(at_a.outcome, Some(VisitOutcome::HospitalAdmission));
    assert_eq!(
        at_a.history.len(),
        6,
        "every state change kept: {:?}",
        at_a.history
    );
    for store in [&mut a, &mut b] {
        assert_eq!(
            store
                .latest_level(&citizen, LevelKind::Confirmed)
                .expect("level"),
            Some(EcmLevel::new(6).expect("level")),
            "the admission is ECM6"
        );
        let settled = store
            .alarms(AlarmFilter::All, &Actor("reader".into()), Timestamp::now())
            .expect("alarms")
            .into_iter()
            .find(|alarm| alarm.id == alarm_ids[0])
            .expect("the conflict alarm stays in the history");
        assert_eq!(settled.state, AlarmState::Resolved);
        assert!(
            store
                .alarms(AlarmFilter::Open, &Actor("reader".into()), Timestamp::now())
                .expect("alarms")
                .iter()
                .any(|alarm| alarm.kind == AlarmKind::LevelRise),
            "the admission's level rise is an alarm"
        );
    }
    let now = Timestamp::now();
    let state_a = agreed_state(&mut a, now);
    assert_agree(&state_a, &agreed_state(&mut b, now), "after the admission");
    let (count, task) = on_server(client, &key).await;
    assert_eq!(count, 1, "still one Task");
    assert_eq!(task["status"], "completed");
    assert_eq!(task["output"][0]["valueCode"], "hospital_admission");
    let again = sync_station(&mut a, client, page_size).await;
    assert_eq!(again.rejected, 0, "{again:?}");
}
