//! Reading what the station holds: the worklist (whole, or the rows a change named), the
//! status, one citizen's readings and NEWS2, rejected input and the audit log.

use crate::{AppError, Session};
use serde::Serialize;
use vagt_core::news2::FullSetScore;
use vagt_core::{CitizenId, Parameter, Timestamp};
use vagt_store::{
    Actor, AuditEntry, ChainBreak, CitizenSummary, RejectedInput, StoreStatus, StoredReading,
    WorklistAfter, WorklistPage,
};

/// The status bar's content: the store's counts and sync state, and who is signed in here.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct StationStatus {
    #[serde(flatten)]
    #[ts(flatten)]
    pub store: StoreStatus,
    pub actor: String,
    /// Whether this process's background sync has the backend's Subscriptions bound (new
    /// readings arrive as they are posted); `null` where no background sync runs (`vagtctl`).
    pub subscribed: Option<bool>,
}

/// The audit log, newest first, and when asked, whether its hash chain holds.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub entries: Vec<AuditEntry>,
    pub chain_ok: Option<bool>,
    pub chain_break: Option<ChainBreak>,
}

/// A citizen id as typed by a user; one that cannot be an id names no citizen.
pub fn parse_citizen(text: &str) -> Result<CitizenId, AppError> {
    CitizenId::new(text.trim())
        .map_err(|_| vagt_store::StoreError::UnknownCitizen(text.trim().to_owned()).into())
}

/// Citizen ids as a window or a command line gives them; the first that cannot be one is the
/// error.
pub fn parse_citizens<S: AsRef<str>>(texts: &[S]) -> Result<Vec<CitizenId>, AppError> {
    texts.iter().map(|t| parse_citizen(t.as_ref())).collect()
}

impl Session {
    /// Every citizen's worklist row.
    pub fn worklist(&self, actor: &Actor) -> Result<Vec<CitizenSummary>, AppError> {
        Ok(self.store()?.citizen_summaries(actor)?)
    }

    /// At most `limit` worklist rows after `after` (the list's start when `None`), and where the
    /// next page begins. The window reads a region's list this way: ten thousand rows as one
    /// answer held some 40 MiB in the app's allocator (mimalloc) for 10-20 s.
    pub fn worklist_page(
        &self,
        actor: &Actor,
        after: Option<&WorklistAfter>,
        limit: usize,
    ) -> Result<WorklistPage, AppError> {
        Ok(self
            .store()?
            .citizen_summaries_page_at(actor, after, limit, Timestamp::now())?)
    }

    /// The rows of the citizens a change named; a citizen no longer there is left out.
    pub fn worklist_rows(
        &self,
        actor: &Actor,
        citizens: &[CitizenId],
    ) -> Result<Vec<CitizenSummary>, AppError> {
        Ok(self
            .store()?
            .citizen_summaries_of(actor, citizens, Timestamp::now())?)
    }

    pub fn status(&self, actor: &Actor) -> Result<StationStatus, AppError> {
        Ok(StationStatus {
            store: self.store()?.status()?,
            actor: actor.0.clone(),
            subscribed: None,
        })
    }

    /// The store's counts alone (no actor): what `vagtctl status` prints.
    pub fn store_status(&self) -> Result<StoreStatus, AppError> {
        Ok(self.store()?.status()?)
    }

    pub fn readings(
        &self,
        actor: &Actor,
        citizen: &CitizenId,
        parameter: Option<Parameter>,
        since: Option<Timestamp>,
    ) -> Result<Vec<StoredReading>, AppError> {
        Ok(self.store()?.readings(actor, citizen, parameter, since)?)
    }

    /// NEWS2 of the citizen's newest full set of home vitals of the last 7 days (a floor).
    pub fn news2(
        &self,
        actor: &Actor,
        citizen: &CitizenId,
        now: Timestamp,
    ) -> Result<Option<FullSetScore>, AppError> {
        Ok(self.store()?.news2(actor, citizen, now)?)
    }

    pub fn rejected(&self, actor: &Actor, all: bool) -> Result<Vec<RejectedInput>, AppError> {
        Ok(self.store()?.rejected(actor, !all)?)
    }

    pub fn audit(&self, limit: usize, verify: bool) -> Result<AuditReport, AppError> {
        let store = self.store()?;
        let chain_break = if verify {
            store.verify_audit_chain()?
        } else {
            None
        };
        Ok(AuditReport {
            entries: store.audit_entries(limit)?,
            chain_ok: verify.then_some(chain_break.is_none()),
            chain_break,
        })
    }
}
