//! One citizen's page: who they are, their level and its history, the plan in force, recent
//! readings judged by that plan, their alarms open and past, their medicine box and the MAS
//! visits made to them. Trends and calls are read on their own (they page and refresh).

use crate::{AppError, Session};
use serde::Serialize;
use vagt_core::limits::Triage;
use vagt_core::medicine::BoxedMedicine;
use vagt_core::news2::{FullSetScore, News2};
use vagt_core::visit::VisitRecord;
use vagt_core::{CitizenId, Diagnosis, EcmLevel, LevelKind, Parameter, Timestamp};
use vagt_store::{Actor, AlarmFilter, AlarmRow, LevelHistoryEntry, PlanForm};

/// How far back the page's readings go, and how many it shows at most.
pub const PAGE_READINGS_WINDOW_MS: i64 = 7 * 24 * 3_600_000;
pub const PAGE_READINGS_LIMIT: usize = 500;

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct CitizenDetails {
    pub id: CitizenId,
    pub name: String,
    /// The id shown as a CPR number (`DDMMYY-SSSS`) when it is one.
    pub cpr: Option<String>,
    pub birth_date: Option<String>,
    pub diagnoses: Vec<Diagnosis>,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// A person the MAS function serves who is not enrolled: no readings or plan expected.
    pub mas_only: bool,
}

/// A reading on the page, judged by the plan in force now.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct PageReading {
    pub parameter: Parameter,
    pub value: f64,
    pub unit: String,
    pub effective_at: Timestamp,
    /// `null` where the plan has no limits for the parameter.
    pub triage: Option<Triage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct CitizenPage {
    pub citizen: CitizenDetails,
    pub suggested_level: Option<EcmLevel>,
    pub confirmed_level: Option<EcmLevel>,
    /// Newest first.
    pub level_history: Vec<LevelHistoryEntry>,
    pub plan: PlanForm,
    /// The last 7 days, newest first, at most [`PAGE_READINGS_LIMIT`].
    pub readings: Vec<PageReading>,
    /// A first sync is loading the readings (a bulk load): `readings` and `news2` are not read
    /// until it ends (each read would read every reading), and the page says so rather than
    /// show none.
    pub readings_pending: bool,
    /// Open first, then past; highest priority and newest first.
    pub alarms: Vec<AlarmRow>,
    pub news2: Option<FullSetScore>,
    /// The drugs prescribed in advance, by name.
    pub medicine_box: Vec<BoxedMedicine>,
    /// MAS visits, newest first, each with its exact NEWS2.
    pub visits: Vec<PageVisit>,
}

/// A MAS visit on the page, with the NEWS2 its vitals score.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct PageVisit {
    pub visit: VisitRecord,
    pub news2: News2,
}

impl Session {
    /// Everything the citizen page shows. Each part's read is audited by the store.
    pub fn citizen_page(&self, actor: &Actor, id: &CitizenId) -> Result<CitizenPage, AppError> {
        let now = Timestamp::now();
        let mut store = self.store()?;
        let citizen = store.citizen(actor, id)?;
        let plan = store.plan_form(id, actor)?;
        let triage_plan = store.triage_plan(id)?;
        // A sync may begin a bulk load between these reads: a refusal is the same answer.
        let stored = if store.bulk_loading()? {
            None
        } else {
            unless_bulk_loading(store.readings(
                actor,
                id,
                None,
                Some(now.plus_millis(-PAGE_READINGS_WINDOW_MS)),
            ))?
        };
        let news2 = match stored {
            Some(_) => unless_bulk_loading(store.news2(actor, id, now))?,
            None => None,
        };
        let readings_pending = news2.is_none();
        let stored = stored.filter(|_| !readings_pending).unwrap_or_default();
        let mut readings: Vec<PageReading> = stored
            .into_iter()
            .rev()
            .take(PAGE_READINGS_LIMIT)
            .map(|r| PageReading {
                triage: triage_plan
                    .thresholds
                    .get(&r.parameter)
                    .map(|t| t.classify(r.value)),
                parameter: r.parameter,
                value: r.value,
                unit: r.unit.to_owned(),
                effective_at: r.effective_at,
            })
            .collect();
        readings.sort_by_key(|r| std::cmp::Reverse(r.effective_at));
        Ok(CitizenPage {
            suggested_level: store.latest_level(id, LevelKind::Suggested)?,
            confirmed_level: store.latest_level(id, LevelKind::Confirmed)?,
            level_history: store.level_history(id, actor, vagt_store::LEVEL_HISTORY_LIMIT)?,
            alarms: store.alarms(AlarmFilter::Citizen(id), actor, now)?,
            news2: news2.flatten(),
            medicine_box: store.medicine_box(actor, id)?,
            visits: store
                .visits(actor, Some(id), None)?
                .into_iter()
                .map(|visit| PageVisit {
                    news2: visit.news2(),
                    visit,
                })
                .collect(),
            citizen: CitizenDetails {
                cpr: citizen.id.as_cpr(),
                id: citizen.id,
                name: citizen.name,
                birth_date: citizen.birth_date,
                diagnoses: citizen.diagnoses,
                phone: citizen.phone,
                address: citizen.address,
                mas_only: store.is_mas_only(id)?,
            },
            plan,
            readings,
            readings_pending,
        })
    }
}

/// A read a bulk load refuses (it would read every reading): `None`, the readings still to
/// come.
fn unless_bulk_loading<T>(read: Result<T, vagt_store::StoreError>) -> Result<Option<T>, AppError> {
    match read {
        Ok(value) => Ok(Some(value)),
        Err(vagt_store::StoreError::BulkLoadUnderWay) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
