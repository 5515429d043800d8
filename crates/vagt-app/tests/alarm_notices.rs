//! What a nurse records here tells the window whose alarms may have changed: that citizen's,
//! so it re-reads their episodes, not every episode of the region.

use std::sync::{Arc, Mutex};
use vagt_app::{DispatchForm, Session, StoreChanged, StoreLocation};
use vagt_cohort::CohortSpec;
use vagt_core::dispatch::DispatchUrgency;
use vagt_core::{EcmLevel, Timestamp};
use vagt_store::{Actor, OpenMode};
use zeroize::Zeroizing;

#[test]
fn a_level_or_a_dispatch_names_its_citizens_alarms_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let notices = Arc::new(Mutex::new(Vec::<StoreChanged>::new()));
    let recorder = notices.clone();
    let session = Session::open(
        StoreLocation {
            db: Some(dir.path().join("notices.db")),
            throwaway_key: Some(Zeroizing::new("notices".into())),
        },
        OpenMode::CreateIfMissing,
    )
    .expect("session")
    .with_sink(Arc::new(move |change: &StoreChanged| {
        recorder.lock().expect("notices").push(change.clone());
    }));
    let actor = Actor("nurse-a".into());
    session
        .load_demo(
            &actor,
            &CohortSpec {
                seed: 4,
                citizens: 10,
                days: 10,
                end: Timestamp::now(),
            },
        )
        .expect("demo");
    let citizen = session.worklist(&actor).expect("list")[2].id.clone();
    let told = |notices: &Mutex<Vec<StoreChanged>>| {
        let notices = std::mem::take(&mut *notices.lock().expect("notices"));
        assert!(notices.iter().all(|c| !c.alarms), "{notices:?}");
        notices
            .into_iter()
            .find_map(|c| c.alarm_citizens)
            .expect("the window is told whose alarms changed")
    };

    notices.lock().expect("notices").clear();
    session
        .confirm_level(
            &actor,
            &citizen,
            EcmLevel::new(5).expect("level"),
            "vurderet i telefon",
        )
        .expect("confirmed");
    assert_eq!(told(&notices), vec![citizen.clone()], "a confirmed level");

    session
        .request_dispatch(
            &actor,
            DispatchForm {
                citizen_id: citizen.clone(),
                urgency: DispatchUrgency::Urgent,
                reason: "åndenød".into(),
                assigned_to: None,
            },
        )
        .expect("dispatched");
    assert_eq!(told(&notices), vec![citizen.clone()], "a dispatch");
}
