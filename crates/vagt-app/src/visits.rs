//! MAS visits: the acute nurse records a visit in the citizen's home (often offline); it sets
//! what its outcome decides (an admission's confirmed level, the dispatch completed) and
//! travels to every station. Also the citizen's medicine box, which the visit and call forms
//! choose from.

use crate::follow_up::{Affected, AlarmsChanged, follow_up};
use crate::{AppError, Session};
use serde::{Deserialize, Serialize};
use vagt_core::dispatch::VisitOutcome;
use vagt_core::medicine::BoxedMedicine;
use vagt_core::news2::News2;
use vagt_core::visit::{TreatmentGiven, VisitRecord, VisitSamples, VisitVitals};
use vagt_core::{CitizenId, Timestamp};
use vagt_store::{Actor, VisitSaved};

/// A visit as the form sends it: everything but its key, its nurse (the acting user) and its
/// SpO2 scale (the citizen's plan's).
#[derive(Debug, Clone, PartialEq, Deserialize, ts_rs::TS)]
pub struct VisitForm {
    pub citizen_id: CitizenId,
    #[serde(default)]
    pub dispatch_key: Option<String>,
    pub arrived_at: Timestamp,
    pub left_at: Timestamp,
    pub vitals: VisitVitals,
    #[serde(default)]
    pub samples: VisitSamples,
    #[serde(default)]
    pub treatments: Vec<TreatmentGiven>,
    #[serde(default)]
    pub e_doctor_consulted: bool,
    pub outcome: VisitOutcome,
    pub plan: String,
    #[serde(default)]
    pub notes: String,
    /// The draft this form was kept as while it was typed: removed when the visit is saved.
    #[serde(default)]
    pub draft_id: Option<String>,
}

/// What recording a visit did.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct VisitRecorded {
    pub visit: VisitRecord,
    pub saved: VisitSaved,
    /// Alarms it raised (an admission's change of the confirmed level).
    pub alarms_raised: Vec<String>,
}

impl Session {
    /// Records a visit as `actor`, with everything it sets off, in one transaction; refused
    /// whole, with every field that is wrong, when it does not hold together.
    pub fn record_visit(&self, actor: &Actor, form: VisitForm) -> Result<VisitRecorded, AppError> {
        let now = Timestamp::now();
        let mut store = self.store()?;
        let visit = VisitRecord {
            key: vagt_store::key::new_record_key()?,
            spo2_scale: store.spo2_scale(&form.citizen_id)?,
            citizen_id: form.citizen_id,
            dispatch_key: form
                .dispatch_key
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty()),
            nurse: actor.0.clone(),
            arrived_at: form.arrived_at,
            left_at: form.left_at,
            vitals: form.vitals,
            samples: form.samples,
            treatments: form
                .treatments
                .into_iter()
                .map(|t| TreatmentGiven {
                    drug: t.drug.trim().to_owned(),
                    dose: t.dose.trim().to_owned(),
                    ..t
                })
                .collect(),
            e_doctor_consulted: form.e_doctor_consulted,
            outcome: form.outcome,
            plan: form.plan.trim().to_owned(),
            notes: form.notes.trim().to_owned(),
        };
        let saved = store.record_visit(actor, &visit, form.draft_id.as_deref(), now)?;
        let report = follow_up(
            &mut store,
            Affected::Citizens([visit.citizen_id.clone()].into()),
            AlarmsChanged::Of([visit.citizen_id.clone()].into()),
            now,
            self.sink(),
        )?;
        Ok(VisitRecorded {
            visit,
            saved,
            alarms_raised: report.raised,
        })
    }

    /// Visits, newest first: one citizen's, or all since an instant.
    pub fn visits(
        &self,
        actor: &Actor,
        citizen: Option<&CitizenId>,
        since: Option<Timestamp>,
    ) -> Result<Vec<VisitRecord>, AppError> {
        Ok(self.store()?.visits(actor, citizen, since)?)
    }

    pub fn visit(&self, actor: &Actor, key: &str) -> Result<VisitRecord, AppError> {
        Ok(self.store()?.visit(actor, key)?)
    }

    /// The NEWS2 of vitals being typed into the visit form, scored on the citizen's plan's
    /// SpO2 scale as the recorded visit will be (the form shows it as the nurse types).
    pub fn visit_news2(
        &self,
        citizen: &CitizenId,
        vitals: &VisitVitals,
    ) -> Result<News2, AppError> {
        let scale = self.store()?.spo2_scale(citizen)?;
        Ok(vitals.news2(scale))
    }

    /// The drugs in the citizen's medicine box.
    pub fn medicine_box(
        &self,
        actor: &Actor,
        citizen: &CitizenId,
    ) -> Result<Vec<BoxedMedicine>, AppError> {
        Ok(self.store()?.medicine_box(actor, citizen)?)
    }
}
