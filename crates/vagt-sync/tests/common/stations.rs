//! Two stations on one backend, as the clinic runs them: what a nurse decides at one (a
//! confirmed level, a plan change, the clinic's escalation policy) reaches the other through
//! the backend, and both then hold the same levels, plans and open alarms. Run against
//! `vagt-sim` and against Medplum's FHIR router, a server Vagt did not write.

use std::path::Path;
use vagt_core::alarm::{AlarmKind, AlarmPriority, AlarmState, Audience, EscalationRule};
use vagt_core::handover::{Contingency, IllnessSeverity, Judgement, ShiftSpan, shift_around};
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
    // And the handover: A's note on X for her shift, and a receiver's sign-off for X of two.
    let (from, to) = shift_around(Timestamp::now()).expect("a shift");
    let shift = ShiftSpan { from, to };
    a.add_handover_note(
        &nurse_a,
        x,
        shift,
        Some(Judgement::Set(IllnessSeverity::Watcher)),
        Some(Contingency::Write("Hvis SpO2 < 88 %: send MAS".into())),
        Timestamp::now(),
    )
    .expect("note");
    a.sign_handover(
        &nurse_a,
        shift,
        vec![x.clone(), y.clone()],
        vec![x.clone()],
        Timestamp::now(),
    )
    .expect("sign-off");
    let pushed = sync_station(&mut a, client, page_size).await;
    assert!(pushed.pushed >= 6, "the six records went out: {pushed:?}");
    let pulled = sync_station(&mut b, client, page_size).await;
    assert!(pulled.records >= 5, "and came in at B: {pulled:?}");
    assert_eq!(
        b.handover_notes(&nurse_b, shift).expect("notes"),
        a.handover_notes(&nurse_a, shift).expect("notes"),
        "B holds A's handover note as A wrote it"
    );
    let signoffs = b.handover_signoffs(&nurse_b, &[to]).expect("sign-offs");
    assert_eq!(
        signoffs,
        a.handover_signoffs(&nurse_a, &[to]).expect("sign-offs")
    );
    assert_eq!(signoffs.len(), 1);

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
        linked: None,
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
