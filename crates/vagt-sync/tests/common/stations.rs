//! Two stations on one backend, as the clinic runs them: what a nurse decides at one (a
//! confirmed level, a plan change, the clinic's escalation policy) reaches the other through
//! the backend, and both then hold the same levels, plans and open alarms. Run against
//! `vagt-sim` and against Medplum's FHIR router, a server Vagt did not write.

use std::path::Path;
use vagt_core::alarm::{AlarmKind, AlarmPriority, AlarmState, Audience, EscalationRule};
use vagt_core::plan::DocumentFormat;
use vagt_core::{CitizenId, EcmLevel, LevelKind, Timestamp};
use vagt_store::{Actor, AlarmFilter, DbKey, OpenMode, Store};
use vagt_sync::{FhirClient, SyncConfig, SyncReport, sync_once};

pub fn open_station(dir: &Path, name: &str) -> Store {
    let key = DbKey::from_hex(&"3c".repeat(32)).expect("hex");
    Store::open_with_key(&dir.join(name), &key, OpenMode::CreateIfMissing).expect("store")
}

/// One sync run, then the rules for what it changed, as the app does; retried while a fault
/// ends a run.
pub async fn sync_station(store: &mut Store, client: &FhirClient, page_size: usize) -> SyncReport {
    let config = SyncConfig {
        page_size,
        ..SyncConfig::default()
    };
    for _ in 0..20 {
        match sync_once(store, client, &config, &mut |_| {}).await {
            Ok(mut report) => {
                let evaluation = store.evaluate_due(Timestamp::now()).expect("evaluate");
                report.alarms_raised = evaluation.raised.len();
                return report;
            }
            Err(e) => eprintln!("sync run failed, retrying: {e}"),
        }
    }
    panic!("no sync run succeeded in 20 tries");
}

/// What two stations must agree on: every citizen's levels and plan in force (with its
/// conflicts), the escalation policy, and the open alarms with their priorities, all as of
/// `at` (both evaluated then).
pub fn agreed_state(store: &mut Store, at: Timestamp) -> String {
    store.evaluate_alarms(at).expect("evaluate");
    let nurse = Actor("reader".into());
    let mut lines = Vec::new();
    let mut ids: Vec<CitizenId> = store
        .citizen_summaries_at(&nurse, at)
        .expect("summaries")
        .into_iter()
        .map(|c| c.id)
        .collect();
    ids.sort();
    for id in &ids {
        let plan = store.plan(id, &nurse).expect("plan");
        let mut conflicts: Vec<&str> = plan.conflicts.iter().map(|c| c.key.as_str()).collect();
        conflicts.sort_unstable();
        lines.push(format!(
            "{id}: suggested {:?} confirmed {:?} plan {:?} conflicts {conflicts:?} overrides {:?}",
            store.latest_level(id, LevelKind::Suggested).expect("level"),
            store.latest_level(id, LevelKind::Confirmed).expect("level"),
            plan.key,
            plan.overrides,
        ));
    }
    lines.push(format!(
        "policy {:?}",
        store.escalation_policy().expect("policy")
    ));
    let mut open: Vec<String> = store
        .alarms(AlarmFilter::Open, &nurse, at)
        .expect("alarms")
        .into_iter()
        .map(|a| {
            format!(
                "{} {} {:?} {}",
                a.id,
                a.kind.code(),
                a.state,
                a.priority.code()
            )
        })
        .collect();
    open.sort();
    lines.extend(open);
    lines.join("\n")
}

/// The first difference between two stations' states, for a readable failure.
pub fn assert_agree(a: &str, b: &str, what: &str) {
    if a == b {
        return;
    }
    let diff = a.lines().zip(b.lines()).find(|(x, y)| x != y).map_or_else(
        || format!("{} lines against {}", a.lines().count(), b.lines().count()),
        |(x, y)| format!("A: {x}\nB: {y}"),
    );
    panic!("{what}: the stations disagree\n{diff}");
}

/// A valid change of a citizen's plan: the NEWS2 SpO2 scale 2 (hypercapnic respiratory
/// failure, target 88-92 %).
const SCALE_TWO: &str = "[news2]\nspo2_scale = \"scale2\"\n";

/// The scenario: decisions made at station A reach station B; a plan changed at both while
/// they do not sync is a conflict both show alike, until a nurse settles it.
pub async fn decisions_plans_and_policy_travel(client: &FhirClient, dir: &Path, page_size: usize) {
    let mut a = open_station(dir, "a.db");
    let mut b = open_station(dir, "b.db");
    sync_station(&mut a, client, page_size).await;
    sync_station(&mut b, client, page_size).await;
    let nurse_a = Actor("nurse-anne".into());
    let nurse_b = Actor("nurse-bo".into());
    let mut citizens: Vec<CitizenId> = a
        .citizen_summaries(&nurse_a)
        .expect("summaries")
        .into_iter()
        .map(|c| c.id)
        .collect();
    citizens.sort();
    let [x, y, ..] = citizens.as_slice() else {
        panic!("two citizens at least: {citizens:?}");
    };

    // At A: an alarm acknowledged, a confirmed level, a plan change and a new escalation
    // policy.
    let acknowledged = a
        .alarms(AlarmFilter::Open, &nurse_a, Timestamp::now())
        .expect("alarms")
        .first()
        .map(|alarm| alarm.id.clone())
        .expect("the cohort raises an alarm");
    a.acknowledge_alarm(&acknowledged, &nurse_a, Some("ringet op"), Timestamp::now())
        .expect("ack");
    let decided = a
        .confirm_level(
            x,
            EcmLevel::ECM3,
            &nurse_a,
            "vurderet i telefon",
            Timestamp::now(),
        )
        .expect("confirm");
    let changed = a
        .set_plan(
            x,
            SCALE_TWO,
            DocumentFormat::Toml,
            &nurse_a,
            "hypercapnisk, mål 88-92 %",
            None,
        )
        .expect("plan");
    let mut policy = a.escalation_policy().expect("policy");
    *policy.rule_mut(AlarmPriority::Medium) = Some(EscalationRule {
        after_ms: 20 * 60_000,
        repeat_ms: None,
        max_steps: 1,
        audience: Audience::AllStations,
    });
    a.set_escalation_policy(&policy, &nurse_a).expect("policy");
    let pushed = sync_station(&mut a, client, page_size).await;
    assert!(pushed.pushed >= 4, "the four records went out: {pushed:?}");
    let pulled = sync_station(&mut b, client, page_size).await;
    assert!(pulled.records >= 3, "and came in at B: {pulled:?}");

    assert_eq!(
        b.latest_level(x, LevelKind::Confirmed).expect("level"),
        Some(EcmLevel::ECM3),
        "A's decision is B's confirmed level"
    );
    let plan_b = b.plan(x, &nurse_b).expect("plan");
    assert_eq!(plan_b.key.as_deref(), Some(changed.key.as_str()));
    assert_eq!(plan_b.reason.as_deref(), Some("hypercapnisk, mål 88-92 %"));
    assert_eq!(plan_b.changed_by.as_deref(), Some("nurse-anne"));
    assert_eq!(b.escalation_policy().expect("policy"), policy);
    let closed = b
        .alarms(AlarmFilter::All, &nurse_b, Timestamp::now())
        .expect("alarms")
        .into_iter()
        .find(|alarm| alarm.id == acknowledged)
        .expect("B holds the alarm A acknowledged");
    assert_eq!(closed.state, AlarmState::Acknowledged);
    assert_eq!(closed.acknowledged_by.as_deref(), Some("nurse-anne"));
    let decision_alarm = b
        .alarms(AlarmFilter::Citizen(x), &nurse_b, Timestamp::now())
        .expect("alarms")
        .into_iter()
        .find(|alarm| {
            serde_json::to_value(&alarm.cause).is_ok_and(|c| c["decision_key"] == decided.as_str())
        });
    assert!(
        decision_alarm.is_some(),
        "B raised the decision's alarm, with A's key"
    );
    // A reads its own records back: nothing new, nothing rejected.
    let rejected = a.status().expect("status").rejected;
    let again = sync_station(&mut a, client, page_size).await;
    assert_eq!(again.records, 0, "{again:?}");
    assert_eq!(a.status().expect("status").rejected, rejected);
    let at = Timestamp::now();
    assert_agree(
        &agreed_state(&mut a, at),
        &agreed_state(&mut b, at),
        "after A's decisions",
    );

    // Both change Y's plan from the same revision without syncing in between: a conflict.
    a.set_plan(
        y,
        SCALE_TWO,
        DocumentFormat::Toml,
        &nurse_a,
        "KOL-exacerbation, lavere mål",
        None,
    )
    .expect("plan at A");
    b.set_plan(
        y,
        "",
        DocumentFormat::Toml,
        &nurse_b,
        "tilbage til standard",
        None,
    )
    .expect("plan at B");
    sync_station(&mut a, client, page_size).await;
    sync_station(&mut b, client, page_size).await;
    sync_station(&mut a, client, page_size).await;
    let at = Timestamp::now();
    let (state_a, state_b) = (agreed_state(&mut a, at), agreed_state(&mut b, at));
    assert_agree(&state_a, &state_b, "with a plan conflict");
    let shown = a.plan(y, &nurse_a).expect("plan");
    assert_eq!(shown.conflicts.len(), 1, "the other revision is shown");
    let conflict = |store: &mut Store| {
        store
            .alarms(AlarmFilter::Citizen(y), &nurse_a, at)
            .expect("alarms")
            .into_iter()
            .find(|alarm| alarm.kind == AlarmKind::PlanConflict)
            .map(|alarm| (alarm.id, alarm.state))
    };
    let at_a = conflict(&mut a).expect("a conflict alarm at A");
    assert_eq!(at_a.1, AlarmState::Open);
    assert_eq!(conflict(&mut b), Some(at_a.clone()), "the same alarm at B");

    // Settled at B, having seen both: one plan again everywhere, the alarm resolved.
    let mut seen: Vec<String> = vec![shown.key.clone().expect("a key")];
    seen.extend(shown.conflicts.iter().map(|c| c.key.clone()));
    b.set_plan(
        y,
        SCALE_TWO,
        DocumentFormat::Toml,
        &nurse_b,
        "aftalt med Anne: skala 2",
        Some(&seen),
    )
    .expect("settled");
    sync_station(&mut b, client, page_size).await;
    sync_station(&mut a, client, page_size).await;
    let at = Timestamp::now();
    assert_agree(
        &agreed_state(&mut a, at),
        &agreed_state(&mut b, at),
        "settled",
    );
    assert!(a.plan(y, &nurse_a).expect("plan").conflicts.is_empty());
    assert_eq!(
        conflict(&mut a).map(|(_, state)| state),
        Some(AlarmState::Resolved),
        "the conflict's alarm ended"
    );
}

/// A call as a nurse logs it `minutes_ago` minutes back, for `citizen` (or an unknown caller).
pub fn call_form(
    citizen: Option<&CitizenId>,
    minutes_ago: i64,
    reason: &str,
    level: Option<i64>,
) -> vagt_core::call::CallRecord {
    use vagt_core::call::*;
    let started_at = Timestamp::now().plus_millis(-minutes_ago * 60_000);
    CallRecord {
        key: vagt_store::key::new_record_key().expect("key"),
        citizen_id: citizen.cloned(),
        caller_name: if citizen.is_none() {
            "datter, Lise Holm".into()
        } else {
            String::new()
        },
        direction: CallDirection::Inbound,
        caller: if citizen.is_none() {
            CallerRole::Relative
        } else {
            CallerRole::Citizen
        },
        started_at,
        ended_at: started_at.plus_millis(6 * 60_000),
        nurse: "nurse-mas".into(),
        reason: reason.into(),
        symptoms: vec![
            SymptomReport {
                symptom: Symptom::Breathlessness,
                present: true,
                detail: "mere end vanligt".into(),
            },
            SymptomReport {
                symptom: Symptom::Fever,
                present: false,
                detail: String::new(),
            },
        ],
        notes: "hoster om natten".into(),
        advice: "ring igen ved forværring".into(),
        medicine: vec![MedicineStarted {
            drug: "Prednisolon".into(),
            dose: "37,5 mg i 5 dage".into(),
            from_box: None,
        }],
        e_doctor_consulted: minutes_ago % 2 == 0,
        assessed_level: level.map(|l| EcmLevel::new(l).expect("level")),
        follow_up_at: Some(started_at.plus_millis(4 * 3_600_000)),
        answers_alarm: None,
        no_answer: false,
        readings: citizen
            .map(|_| {
                vec![vagt_core::call::PhoneReading {
                    parameter: vagt_core::Parameter::Temperature,
                    value: 38.2,
                    unit: "Cel".into(),
                }]
            })
            .unwrap_or_default(),
    }
}

/// A full MAS visit in the home, `minutes_ago` minutes back: every vital sign, CRP, a blood
/// gas and a sputum sample, one drug from the citizen's box and one from the nurse's bag, and
/// a hospital admission.
pub fn visit_form(
    citizen: &CitizenId,
    minutes_ago: i64,
    from_box: Option<&vagt_core::medicine::BoxedMedicine>,
) -> vagt_core::visit::VisitRecord {
    use vagt_core::news2::{Consciousness, SpO2Scale};
    use vagt_core::visit::*;
    let arrived_at = Timestamp::now().plus_millis(-minutes_ago * 60_000);
    let mut treatments = vec![TreatmentGiven {
        drug: "Salbutamol".into(),
        dose: "5 mg".into(),
        route: Route::Nebulised,
        from_box: None,
    }];
    if let Some(drug) = from_box {
        treatments.push(TreatmentGiven {
            drug: drug.drug.clone(),
            dose: drug.dose.clone(),
            route: Route::Oral,
            from_box: Some(drug.source_id.clone()),
        });
    }
    VisitRecord {
        key: vagt_store::key::new_record_key().expect("key"),
        citizen_id: citizen.clone(),
        dispatch_key: None,
        nurse: "nurse-mas".into(),
        arrived_at,
        left_at: arrived_at.plus_millis(55 * 60_000),
        vitals: VisitVitals {
            respiratory_rate: 27.0,
            spo2: 85.0,
            on_oxygen: false,
            systolic_bp: 104.0,
            diastolic_bp: 66.0,
            pulse: 112.0,
            consciousness: Consciousness::Alert,
            temperature: 38.6,
        },
        spo2_scale: SpO2Scale::Scale1,
        samples: VisitSamples {
            crp: Some(118.0),
            blood_gas: Some(BloodGas {
                ph: 7.31,
                pco2_kpa: 8.4,
                po2_kpa: 6.9,
            }),
            sputum_sent: true,
        },
        treatments,
        e_doctor_consulted: true,
        outcome: vagt_core::dispatch::VisitOutcome::HospitalAdmission,
        plan: "indlagt med ambulance, lungemedicinsk afdeling".into(),
        notes: "grønt opspyt siden i går".into(),
    }
}

/// A field shift with the backend down: a MAS laptop (A) logs many calls and a full visit
/// with no network, then the network returns and A pushes (the caller may cut answers
/// meanwhile); every call and every part of the visit is then on the server exactly once, and
/// station B holds the very same calls and visit.
pub struct FieldShift {
    pub a: Store,
    pub b: Store,
    pub keys: Vec<String>,
    pub visit: vagt_core::visit::VisitRecord,
    assessed: CitizenId,
    page_size: usize,
}

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
        keys.push(unknown.key);
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
        self.check_visit(client, &reader).await;
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
            self.b.visits(reader, None, None).expect("visits"),
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
