//! The invariant, as a property: stations that have synced the same backend data hold the
//! same levels, plans and alarms, with the same ids and states, whatever their start times,
//! sync schedules, offline gaps and restarts, and whatever their nurses did in between.
//!
//! The backend is modelled as an append-only log of what reached it (citizens, enrolments,
//! readings, and what stations pushed); a station's sync applies what it has not seen, through
//! the store's pull API, and pushes its outbox into the log. Random histories (proptest, which
//! shrinks a failure to a short one) interleave readings, some late or implausible, with
//! stations joining, syncing, evaluating, restarting, acknowledging, confirming levels and
//! changing plans, and requesting and moving on MAS dispatches (conflicting edits included). At
//! the end every station syncs until it has everything, all evaluate at one
//! instant, and their states must be equal. `PROPTEST_CASES` sets how many histories.

use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use vagt_core::alarm::{Audience, EscalationPolicy, EscalationRule};
use vagt_core::dispatch::{DispatchChange, DispatchState, DispatchUrgency, VisitOutcome};
use vagt_core::outbound::Outbound;
use vagt_core::plan::DocumentFormat;
use vagt_core::{
    Citizen, CitizenId, Diagnosis, EcmLevel, Enrolment, EnrolmentStatus, IncomingMeasurement,
    LevelKind, Parameter, SourceRef, Timestamp,
};
use vagt_store::{
    Actor, AlarmFilter, DbKey, OpenMode, OutboxRecord, PullBatch, Pulled, SourcedCitizen, Store,
};

const HOUR: i64 = 3_600_000;
const BACKEND: &str = "https://backend.test/fhir";
const CITIZENS: usize = 3;
const STATIONS: usize = 3;

/// Parameters the COPD plan watches, each with values from green to red and a unit.
const PARAMETERS: [(Parameter, &str, [f64; 4]); 3] = [
    (Parameter::Spo2, "%", [97.0, 93.0, 89.0, 84.0]),
    (Parameter::Pulse, "/min", [72.0, 96.0, 112.0, 135.0]),
    (Parameter::Temperature, "Cel", [36.8, 37.9, 38.6, 39.6]),
];

/// Valid overrides a nurse may save.
const PLANS: [&str; 3] = [
    "",
    "[news2]\nspo2_scale = \"scale2\"\n",
    "[limits.spo2]\noff = true\n",
];

#[derive(Debug, Clone)]
enum Step {
    /// A reading reaches the backend, measured `late` hours before now; value index 4 is
    /// implausible (kept for a human).
    Reading {
        citizen: usize,
        parameter: usize,
        value: usize,
        late: u8,
    },
    Wait {
        hours: u8,
    },
    Sync {
        station: usize,
    },
    Evaluate {
        station: usize,
    },
    Restart {
        station: usize,
    },
    Ack {
        station: usize,
        pick: usize,
    },
    Confirm {
        station: usize,
        citizen: usize,
        level: u8,
    },
    Plan {
        station: usize,
        citizen: usize,
        plan: usize,
    },
    Policy {
        station: usize,
        minutes: u8,
    },
    /// A MAS dispatch for the citizen: requested (action 0, or when the station holds no open
    /// one), else the newest one moved on, reassigned or made more urgent (not every move is
    /// allowed from where it stands; a refused one changes nothing).
    Dispatch {
        station: usize,
        citizen: usize,
        action: u8,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let station = 0..STATIONS;
    let citizen = 0..CITIZENS;
    prop_oneof![
        6 => (citizen.clone(), 0..PARAMETERS.len(), 0..5usize, prop_oneof![4 => Just(0u8), 1 => 1..60u8])
            .prop_map(|(citizen, parameter, value, late)| Step::Reading { citizen, parameter, value, late }),
        3 => (1..14u8).prop_map(|hours| Step::Wait { hours }),
        4 => station.clone().prop_map(|station| Step::Sync { station }),
        2 => station.clone().prop_map(|station| Step::Evaluate { station }),
        1 => station.clone().prop_map(|station| Step::Restart { station }),
        2 => (station.clone(), 0..8usize).prop_map(|(station, pick)| Step::Ack { station, pick }),
        1 => (station.clone(), citizen.clone(), 1..=6u8)
            .prop_map(|(station, citizen, level)| Step::Confirm { station, citizen, level }),
        1 => (station.clone(), citizen.clone(), 0..PLANS.len())
            .prop_map(|(station, citizen, plan)| Step::Plan { station, citizen, plan }),
        1 => (station.clone(), 1..60u8).prop_map(|(station, minutes)| Step::Policy { station, minutes }),
        4 => (station, citizen, 0..16u8)
            .prop_map(|(station, citizen, action)| Step::Dispatch { station, citizen, action }),
    ]
}

#[derive(Debug, Clone)]
enum Item {
    Citizen(SourcedCitizen, Vec<Diagnosis>),
    Enrolment(Enrolment),
    Measurement(IncomingMeasurement),
    Pushed(Outbound, String),
}

struct Station {
    path: PathBuf,
    store: Option<Store>,
    /// How much of the backend's log it has pulled.
    pulled: usize,
    nurse: Actor,
}

impl Station {
    fn store(&mut self) -> &mut Store {
        if self.store.is_none() {
            let key = DbKey::from_hex(&"7e".repeat(32)).expect("hex");
            self.store = Some(
                Store::open_with_key(&self.path, &key, OpenMode::CreateIfMissing).expect("open"),
            );
        }
        self.store.as_mut().expect("open")
    }
}

struct Clinic {
    backend: Vec<Item>,
    stations: Vec<Station>,
    now: Timestamp,
    readings: usize,
}

fn citizen_id(n: usize) -> CitizenId {
    CitizenId::new(format!("c{n}")).expect("id")
}

impl Clinic {
    fn new(dir: &Path, start: Timestamp) -> Clinic {
        let mut backend = Vec::new();
        for n in 0..CITIZENS {
            let citizen = Citizen {
                id: citizen_id(n),
                name: format!("Borger {n}"),
                birth_date: None,
                diagnoses: vec![Diagnosis::Copd],
                phone: None,
                address: None,
            };
            backend.push(Item::Citizen(
                SourcedCitizen {
                    source_id: format!("{BACKEND}|Patient/{n}"),
                    source_version: "1".into(),
                    citizen,
                    mas_only: false,
                },
                vec![Diagnosis::Copd],
            ));
            backend.push(Item::Enrolment(Enrolment {
                source: SourceRef {
                    id: format!("{BACKEND}|EpisodeOfCare/{n}"),
                    version: "1".into(),
                },
                citizen_id: citizen_id(n),
                status: EnrolmentStatus::Active,
                start: Some(start.plus_millis(-(n as i64 + 1) * 20 * HOUR)),
                end: None,
            }));
        }
        let stations = (0..STATIONS)
            .map(|n| Station {
                path: dir.join(format!("station-{n}.db")),
                store: None,
                pulled: 0,
                nurse: Actor(format!("nurse-{n}")),
            })
            .collect();
        Clinic {
            backend,
            stations,
            now: start,
            readings: 0,
        }
    }

    /// Pulls what the station has not seen (as one page), then pushes its outbox.
    fn sync(&mut self, s: usize) {
        let now = self.now;
        let station = &mut self.stations[s];
        let mut batch = PullBatch::default();
        for item in &self.backend[station.pulled..] {
            match item.clone() {
                Item::Citizen(sourced, diagnoses) => {
                    for d in diagnoses {
                        batch.diagnoses.push((sourced.citizen.id.clone(), d));
                    }
                    batch.citizens.push(sourced);
                }
                Item::Enrolment(e) => batch.enrolments.push(e),
                Item::Measurement(m) => batch.measurements.push(m),
                Item::Pushed(record, source_id) => match record {
                    Outbound::AlarmAck { ack, .. } => batch.acknowledgements.push(ack),
                    Outbound::ConfirmedLevel(d) => batch.decisions.push(d),
                    Outbound::PlanRevision(record) => batch.plan_revisions.push(Pulled {
                        source_id,
                        resource_type: "Basic".into(),
                        payload: "{}".into(),
                        record,
                    }),
                    Outbound::SharedSetting(record) => batch.shared_settings.push(Pulled {
                        source_id,
                        resource_type: "Basic".into(),
                        payload: "{}".into(),
                        record,
                    }),
                    Outbound::Call(record) => batch.calls.push(Pulled {
                        source_id,
                        resource_type: "Communication".into(),
                        payload: "{}".into(),
                        record: *record,
                    }),
                    Outbound::Dispatch(record) => batch.dispatches.push(Pulled {
                        source_id,
                        resource_type: "Task".into(),
                        payload: "{}".into(),
                        record: *record,
                    }),
                    Outbound::Visit(record) => batch.visits.push(Pulled {
                        source_id,
                        resource_type: "Encounter".into(),
                        payload: "{}".into(),
                        record: *record,
                    }),
                    Outbound::Person(record) => batch.citizens.push(SourcedCitizen {
                        source_id,
                        source_version: "1".into(),
                        citizen: vagt_core::Citizen {
                            id: record.citizen_id,
                            name: record.person.name,
                            birth_date: None,
                            diagnoses: Vec::new(),
                            phone: record.person.phone,
                            address: Some(record.person.address),
                        },
                        mas_only: true,
                    }),
                    Outbound::CallLink(record) => batch.call_links.push(Pulled {
                        source_id,
                        resource_type: "Basic".into(),
                        payload: "{}".into(),
                        record,
                    }),
                    Outbound::HandoverNote(record) => batch.handover_notes.push(Pulled {
                        source_id,
                        resource_type: "Basic".into(),
                        payload: "{}".into(),
                        record,
                    }),
                    Outbound::HandoverSignoff(record) => batch.handover_signoffs.push(Pulled {
                        source_id,
                        resource_type: "Basic".into(),
                        payload: "{}".into(),
                        record,
                    }),
                },
            }
        }
        station.pulled = self.backend.len();
        let store = station.store();
        store
            .apply_pull(BACKEND, "All", batch, None, now)
            .expect("pull");
        for item in store.pending_outbox(1000).expect("outbox") {
            let OutboxRecord::Record(record) = item.record else {
                panic!("a raw FHIR outbox item");
            };
            let source_id = format!("{BACKEND}|Basic/{}", item.client_id);
            self.backend.push(Item::Pushed(record, source_id));
            store
                .mark_outbox_sent(item.seq, &item.client_id)
                .expect("sent");
        }
    }

    fn run(&mut self, step: &Step, joined: &[bool]) {
        let now = self.now;
        let active = |s: &usize| joined[*s];
        match *step {
            Step::Reading {
                citizen,
                parameter,
                value,
                late,
            } => {
                let (parameter, unit, values) = PARAMETERS[parameter];
                self.readings += 1;
                self.backend.push(Item::Measurement(IncomingMeasurement {
                    citizen_id: citizen_id(citizen),
                    parameter,
                    value: values.get(value).copied().unwrap_or(1000.0),
                    unit: unit.into(),
                    effective_at: now.plus_millis(-i64::from(late) * HOUR),
                    source: SourceRef {
                        id: format!("{BACKEND}|Observation/{}", self.readings),
                        version: "1".into(),
                    },
                }));
            }
            Step::Wait { hours } => self.now = now.plus_millis(i64::from(hours) * HOUR),
            Step::Sync { station } if active(&station) => self.sync(station),
            Step::Evaluate { station } if active(&station) => {
                self.stations[station]
                    .store()
                    .evaluate_due(now)
                    .expect("evaluate");
            }
            Step::Restart { station } if active(&station) => self.stations[station].store = None,
            Step::Ack { station, pick } if active(&station) => {
                let st = &mut self.stations[station];
                let nurse = st.nurse.clone();
                let store = st.store();
                let open = store
                    .alarms(AlarmFilter::Open, &nurse, now)
                    .expect("alarms");
                if let Some(alarm) = open.get(pick % open.len().max(1)) {
                    store
                        .acknowledge_alarm(&alarm.id, &nurse, None, now)
                        .expect("ack");
                }
            }
            Step::Confirm {
                station,
                citizen,
                level,
            } if active(&station) => {
                let st = &mut self.stations[station];
                let nurse = st.nurse.clone();
                let store = st.store();
                let citizen = citizen_id(citizen);
                // A station that has not pulled the citizen yet cannot decide for them.
                if store.latest_level(&citizen, LevelKind::Suggested).is_ok() {
                    let level = EcmLevel::new(i64::from(level)).expect("level");
                    let _ = store.confirm_level(&citizen, level, &nurse, "vurderet", now);
                }
            }
            Step::Plan {
                station,
                citizen,
                plan,
            } if active(&station) => {
                let st = &mut self.stations[station];
                let nurse = st.nurse.clone();
                let _ = st.store().set_plan(
                    &citizen_id(citizen),
                    PLANS[plan],
                    DocumentFormat::Toml,
                    &nurse,
                    "ændret",
                    None,
                );
            }
            Step::Policy { station, minutes } if active(&station) => {
                let st = &mut self.stations[station];
                let nurse = st.nurse.clone();
                let policy = EscalationPolicy {
                    medium: Some(EscalationRule {
                        after_ms: i64::from(minutes) * 60_000,
                        repeat_ms: None,
                        max_steps: 1,
                        audience: Audience::AllStations,
                    }),
                    ..EscalationPolicy::default()
                };
                st.store()
                    .set_escalation_policy(&policy, &nurse)
                    .expect("policy");
            }
            Step::Dispatch {
                station,
                citizen,
                action,
            } if active(&station) => {
                let st = &mut self.stations[station];
                let nurse = st.nurse.clone();
                let store = st.store();
                let citizen = citizen_id(citizen);
                let newest = store
                    .dispatches(&nurse, Some(&citizen), true)
                    .ok()
                    .and_then(|d| d.into_iter().next());
                let state = |to, outcome| DispatchChange::State {
                    to,
                    outcome,
                    note: String::new(),
                };
                match newest {
                    Some(dispatch) if action > 0 => {
                        let change = match action % 8 {
                            1 => state(DispatchState::EnRoute, None),
                            2 => state(DispatchState::Arrived, None),
                            3 => state(
                                DispatchState::Completed,
                                Some(VisitOutcome::HospitalAdmission),
                            ),
                            4 => state(DispatchState::Cancelled, None),
                            5 => DispatchChange::Assigned {
                                nurse: Some(format!("mas-{station}")),
                            },
                            6 => DispatchChange::Urgency {
                                urgency: DispatchUrgency::Immediate,
                            },
                            _ => state(DispatchState::Completed, Some(VisitOutcome::StaysHome)),
                        };
                        let _ = store.change_dispatch(&nurse, &dispatch.key, change, now);
                    }
                    // A station that has not pulled the citizen yet cannot send anyone.
                    _ => {
                        let _ = store.request_dispatch(
                            &nurse,
                            &citizen,
                            DispatchUrgency::Urgent,
                            "besøg",
                            Some("mas-0"),
                            now,
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

/// What must be equal: levels and plans per citizen, the policy, the open alarms; and, for
/// every alarm both hold, its state and who acknowledged it when.
struct Held {
    summary: Vec<String>,
    alarms: BTreeMap<String, String>,
}

fn held(store: &mut Store, at: Timestamp) -> Held {
    store.evaluate_alarms(at).expect("evaluate");
    let reader = Actor("reader".into());
    let mut summary = Vec::new();
    for n in 0..CITIZENS {
        let id = citizen_id(n);
        let plan = store.plan(&id, &reader).expect("plan");
        let mut conflicts: Vec<String> = plan.conflicts.iter().map(|c| c.key.clone()).collect();
        conflicts.sort();
        summary.push(format!(
            "{id}: suggested {:?} confirmed {:?} plan {:?} {conflicts:?} {:?}",
            store
                .latest_level(&id, LevelKind::Suggested)
                .expect("level"),
            store
                .latest_level(&id, LevelKind::Confirmed)
                .expect("level"),
            plan.key,
            plan.overrides
        ));
    }
    summary.push(format!("{:?}", store.escalation_policy().expect("policy")));
    summary.extend(
        store
            .dispatches(&reader, None, false)
            .expect("dispatches")
            .into_iter()
            .map(|d| format!("{d:?}")),
    );
    let all = store.alarms(AlarmFilter::All, &reader, at).expect("alarms");
    let mut open: Vec<String> = all
        .iter()
        .filter(|a| a.state == vagt_core::alarm::AlarmState::Open)
        .map(|a| format!("open {} {} {}", a.id, a.kind.code(), a.priority.code()))
        .collect();
    open.sort();
    summary.extend(open);
    let alarms = all
        .into_iter()
        .map(|a| {
            let state = match a.state {
                // When a station saw the condition end is its own; that it ended is shared.
                vagt_core::alarm::AlarmState::Resolved => "ended".to_owned(),
                other => format!(
                    "{other:?} {:?} {:?}",
                    a.acknowledged_by,
                    a.acknowledged_at.map(Timestamp::millis)
                ),
            };
            (a.id, state)
        })
        .collect();
    Held { summary, alarms }
}

fn check(joins: &[usize], steps: &[Step]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let start = Timestamp::now().start_of_day().plus_millis(-8 * 24 * HOUR);
    let mut clinic = Clinic::new(dir.path(), start);
    let mut joined = vec![false; STATIONS];
    for (i, step) in steps.iter().enumerate() {
        for s in 0..STATIONS {
            if !joined[s] && joins[s] <= i {
                joined[s] = true;
                clinic.sync(s);
                clinic.stations[s]
                    .store()
                    .evaluate_due(clinic.now)
                    .expect("first evaluation");
            }
        }
        clinic.run(step, &joined);
    }
    // Everyone gets everything: each pushes, then each pulls what the others pushed.
    for _ in 0..2 {
        for s in 0..STATIONS {
            clinic.sync(s);
        }
    }
    let at = clinic.now;
    let states: Vec<Held> = (0..STATIONS)
        .map(|s| held(clinic.stations[s].store(), at))
        .collect();
    for (s, other) in states.iter().enumerate().skip(1) {
        prop_assert_eq!(
            &states[0].summary,
            &other.summary,
            "station 0 and station {} disagree",
            s
        );
        for (id, state) in &states[0].alarms {
            if let Some(theirs) = other.alarms.get(id) {
                prop_assert_eq!(state, theirs, "alarm {} at stations 0 and {}", id, s);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(48),
        max_shrink_iters: 2_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn stations_that_synced_the_same_data_hold_the_same_levels_plans_and_alarms(
        joins in proptest::collection::vec(0..40usize, STATIONS),
        steps in proptest::collection::vec(step(), 20..70),
    ) {
        check(&joins, &steps)?;
    }
}

/// The shape the property relies on, tried once by hand: a station that joins after an
/// acknowledgement holds the alarm acknowledged, and a late reading moves both stations alike.
#[test]
fn a_late_station_and_a_late_reading_agree() {
    let steps = vec![
        Step::Reading {
            citizen: 0,
            parameter: 0,
            value: 3,
            late: 0,
        },
        Step::Sync { station: 0 },
        Step::Evaluate { station: 0 },
        Step::Ack {
            station: 0,
            pick: 0,
        },
        Step::Sync { station: 0 },
        Step::Wait { hours: 6 },
        Step::Reading {
            citizen: 1,
            parameter: 1,
            value: 3,
            late: 5,
        },
        Step::Sync { station: 1 },
        Step::Confirm {
            station: 1,
            citizen: 0,
            level: 4,
        },
        Step::Plan {
            station: 0,
            citizen: 1,
            plan: 1,
        },
        Step::Plan {
            station: 1,
            citizen: 1,
            plan: 2,
        },
        Step::Wait { hours: 3 },
    ];
    check(&[0, 6, 11], &steps).expect("agree");
}
