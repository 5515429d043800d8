//! The call log: a nurse logs a call (at the station, or on a laptop with no network), it
//! sets what it decides (her confirmed level, the alarm it answers) and travels to every
//! station; calls are listed and shown.

use crate::follow_up::{Affected, AlarmsChanged, follow_up};
use crate::{AppError, Session};
use serde::{Deserialize, Serialize};
use vagt_core::call::{
    CallDirection, CallRecord, CallerRole, MedicineStarted, PhoneReading, SymptomReport,
};
use vagt_core::{CitizenId, EcmLevel, Timestamp};
use vagt_store::{Actor, CallSaved};

/// A call as the form sends it: everything but its key and its nurse (the acting user).
#[derive(Debug, Clone, PartialEq, Deserialize, ts_rs::TS)]
pub struct CallForm {
    pub citizen_id: Option<CitizenId>,
    #[serde(default)]
    pub caller_name: String,
    pub direction: CallDirection,
    pub caller: CallerRole,
    pub started_at: Timestamp,
    pub ended_at: Timestamp,
    pub reason: String,
    #[serde(default)]
    pub symptoms: Vec<SymptomReport>,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub advice: String,
    #[serde(default)]
    pub medicine: Vec<MedicineStarted>,
    #[serde(default)]
    pub e_doctor_consulted: bool,
    pub assessed_level: Option<EcmLevel>,
    pub follow_up_at: Option<Timestamp>,
    pub answers_alarm: Option<String>,
    /// Readings the citizen read out on the phone.
    #[serde(default)]
    pub readings: Vec<PhoneReading>,
    /// An outbound call nobody answered (see [`CallRecord::no_answer`]).
    #[serde(default)]
    pub no_answer: bool,
    /// The draft this form was kept as while it was typed: removed when the call is saved.
    #[serde(default)]
    pub draft_id: Option<String>,
}

/// What logging a call did.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct CallRecorded {
    pub call: CallRecord,
    pub saved: CallSaved,
    /// Alarms the nurse's assessment raised (a change of the confirmed level).
    pub alarms_raised: Vec<String>,
}

impl Session {
    /// Logs a call as `actor`, with everything it sets off, in one transaction; refused whole,
    /// with every field that is wrong, when it does not hold together.
    pub fn record_call(&self, actor: &Actor, form: CallForm) -> Result<CallRecorded, AppError> {
        let now = Timestamp::now();
        let call = CallRecord {
            key: vagt_store::key::new_record_key()?,
            citizen_id: form.citizen_id,
            caller_name: form.caller_name.trim().to_owned(),
            direction: form.direction,
            caller: form.caller,
            started_at: form.started_at,
            ended_at: form.ended_at,
            nurse: actor.0.clone(),
            reason: form.reason.trim().to_owned(),
            symptoms: form.symptoms,
            notes: form.notes.trim().to_owned(),
            advice: form.advice.trim().to_owned(),
            medicine: form.medicine,
            e_doctor_consulted: form.e_doctor_consulted,
            assessed_level: form.assessed_level,
            follow_up_at: form.follow_up_at,
            answers_alarm: form.answers_alarm.filter(|a| !a.trim().is_empty()),
            no_answer: form.no_answer,
            linked: None,
            readings: form.readings,
        };
        let mut store = self.store()?;
        let saved = store.record_call(actor, &call, form.draft_id.as_deref(), now)?;
        let affected: std::collections::BTreeSet<CitizenId> =
            call.citizen_id.iter().cloned().collect();
        // A call changes its citizen's alarms (a call-back promised or kept), and the alarm it
        // answers, which is anyone's as far as the call knows.
        let alarms_changed = if saved.answered_alarm.is_some() {
            AlarmsChanged::Anyone
        } else {
            AlarmsChanged::Of(affected.clone())
        };
        let report = follow_up(
            &mut store,
            Affected::Citizens(affected),
            alarms_changed,
            now,
            self.sink(),
        )?;
        Ok(CallRecorded {
            call,
            saved,
            alarms_raised: report.raised,
        })
    }

    /// Calls, newest first: one citizen's, or all since an instant.
    pub fn calls(
        &self,
        actor: &Actor,
        citizen: Option<&CitizenId>,
        since: Option<Timestamp>,
    ) -> Result<Vec<CallRecord>, AppError> {
        Ok(self.store()?.calls(actor, citizen, since)?)
    }

    /// One call, by its key or a unique beginning of it.
    pub fn call(&self, actor: &Actor, key: &str) -> Result<CallRecord, AppError> {
        Ok(self.store()?.call(actor, key)?)
    }

    /// Keeps a form as it is typed (`kind` call, visit or dispatch), so a crash loses nothing.
    pub fn save_draft(
        &self,
        actor: &Actor,
        id: &str,
        kind: &str,
        citizen: Option<&CitizenId>,
        form: &serde_json::Value,
    ) -> Result<(), AppError> {
        if !matches!(kind, "call" | "visit" | "dispatch") {
            return Err(AppError::invalid(
                "usage",
                format!("unknown draft kind {kind:?}"),
            ));
        }
        Ok(self
            .store()?
            .save_draft(actor, id, kind, citizen, form, Timestamp::now())?)
    }

    /// The nurse's drafts, newest first: what she was typing when Vagt last closed.
    pub fn drafts(&self, actor: &Actor) -> Result<Vec<vagt_store::FormDraft>, AppError> {
        Ok(self.store()?.drafts(actor)?)
    }

    pub fn discard_draft(&self, actor: &Actor, id: &str) -> Result<bool, AppError> {
        Ok(self.store()?.discard_draft(actor, id)?)
    }
}
