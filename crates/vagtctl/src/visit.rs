//! `vagtctl visit`: parse, call the visit use cases, print.

use crate::CliError;
use crate::cli::VisitAction;
use crate::commands::{parse_choice, parse_time};
use crate::output::{self, Output};
use vagt_app::{Session, VisitForm, parse_citizen};
use vagt_core::medicine::BoxedMedicine;
use vagt_core::news2::Consciousness;
use vagt_core::visit::{BloodGas, TreatmentGiven, VisitSamples, VisitVitals};
use vagt_core::{CitizenId, Timestamp};

/// `A/B` or `A/B/C` as numbers, for a blood pressure or a blood gas.
fn numbers<const N: usize>(what: &str, text: &str, form: &str) -> Result<[f64; N], CliError> {
    let parts: Vec<f64> = text
        .split('/')
        .map(|p| p.trim().replace(',', ".").parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| CliError::Usage(format!("{what} {text:?}: give it as {form}")))?;
    parts
        .try_into()
        .map_err(|_| CliError::Usage(format!("{what} {text:?}: give it as {form}")))
}

/// `DRUG:DOSE:ROUTE`, or `box:N:ROUTE` for the N-th drug of the citizen's box.
fn treatment(text: &str, medicine_box: &[BoxedMedicine]) -> Result<TreatmentGiven, CliError> {
    let usage = || {
        CliError::Usage(format!(
            "treatment {text:?}: give it as DRUG:DOSE:ROUTE or box:N:ROUTE"
        ))
    };
    let (what, route) = text.rsplit_once(':').ok_or_else(usage)?;
    let route = parse_choice("route", route)?;
    if let Some(n) = what.strip_prefix("box:") {
        let index: usize = n.trim().parse().map_err(|_| usage())?;
        let drug = index
            .checked_sub(1)
            .and_then(|i| medicine_box.get(i))
            .ok_or_else(|| {
                CliError::Usage(format!(
                    "the citizen's medicine box has {} drugs, not a number {index}",
                    medicine_box.len()
                ))
            })?;
        return Ok(TreatmentGiven {
            drug: drug.drug.clone(),
            dose: drug.dose.clone(),
            route,
            from_box: Some(drug.source_id.clone()),
        });
    }
    let (drug, dose) = what.split_once(':').ok_or_else(usage)?;
    Ok(TreatmentGiven {
        drug: drug.trim().to_owned(),
        dose: dose.trim().to_owned(),
        route,
        from_box: None,
    })
}

pub fn visit(
    session: &Session,
    out: &Output,
    actor: &vagt_store::Actor,
    action: VisitAction,
) -> Result<(), CliError> {
    match action {
        VisitAction::Record {
            citizen,
            rr,
            spo2,
            oxygen,
            bp,
            pulse,
            acvpu,
            temp,
            crp,
            blood_gas,
            sputum,
            treatments,
            e_doctor,
            outcome,
            plan,
            notes,
            dispatch,
            arrived,
            minutes,
        } => {
            let citizen: CitizenId = parse_citizen(&citizen)?;
            let [systolic_bp, diastolic_bp] = numbers("blood pressure", &bp, "SYSTOLIC/DIASTOLIC")?;
            let blood_gas = blood_gas
                .map(|g| numbers("blood gas", &g, "PH/PCO2/PO2 (kPa)"))
                .transpose()?
                .map(|[ph, pco2_kpa, po2_kpa]| BloodGas {
                    ph,
                    pco2_kpa,
                    po2_kpa,
                });
            let medicine_box = if treatments.iter().any(|t| t.starts_with("box:")) {
                session.medicine_box(actor, &citizen)?
            } else {
                Vec::new()
            };
            let treatments = treatments
                .iter()
                .map(|t| treatment(t, &medicine_box))
                .collect::<Result<Vec<_>, _>>()?;
            let now = Timestamp::now();
            let arrived_at = match arrived {
                Some(t) => parse_time(&t)?,
                None => now.plus_millis(-minutes.max(0) * 60_000),
            };
            let consciousness: Consciousness = parse_choice("consciousness", &acvpu)?;
            let form = VisitForm {
                citizen_id: citizen,
                dispatch_key: dispatch,
                arrived_at,
                left_at: arrived_at.plus_millis(minutes.max(0) * 60_000),
                vitals: VisitVitals {
                    respiratory_rate: rr,
                    spo2,
                    on_oxygen: oxygen,
                    systolic_bp,
                    diastolic_bp,
                    pulse,
                    consciousness,
                    temperature: temp,
                },
                samples: VisitSamples {
                    crp,
                    blood_gas,
                    sputum_sent: sputum,
                },
                treatments,
                e_doctor_consulted: e_doctor,
                outcome: parse_choice("outcome", &outcome.replace('-', "_"))?,
                plan,
                notes,
                draft_id: None,
            };
            let recorded = session.record_visit(actor, form)?;
            out.print(&recorded, |w| {
                let saved = &recorded.saved;
                writeln!(
                    w,
                    "visit {} for {}: NEWS2 {} ({:?}), {}",
                    saved.key,
                    recorded.visit.citizen_id,
                    saved.news2.total,
                    saved.news2.risk,
                    recorded.visit.outcome.code()
                )?;
                if let Some(dispatch) = &saved.completed_dispatch {
                    writeln!(w, "dispatch {dispatch} completed")?;
                }
                if let Some(level) = recorded.visit.outcome.sets_level() {
                    writeln!(w, "confirmed level ECM{}", level.get())?;
                }
                for alarm in &recorded.alarms_raised {
                    writeln!(w, "alarm raised: {alarm}")?;
                }
                Ok(())
            })
        }
        VisitAction::List { citizen, since } => {
            let citizen = citizen.map(|c| parse_citizen(&c)).transpose()?;
            let since = since.map(|t| parse_time(&t)).transpose()?;
            let list = session.visits(actor, citizen.as_ref(), since)?;
            out.print(&list, |w| output::visits_table(w, &list))
        }
        VisitAction::Show { key } => {
            let visit = session.visit(actor, &key)?;
            out.print(&visit, |w| output::visit_text(w, &visit))
        }
    }
}
