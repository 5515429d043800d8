//! A citizen's ECM level: the suggested and confirmed levels, and a nurse confirming one.

use crate::follow_up::{Affected, AlarmsChanged, follow_up};
use crate::{AppError, Session};
use serde::Serialize;
use vagt_core::{CitizenId, EcmLevel, LevelKind, Timestamp};
use vagt_store::Actor;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelsView {
    pub citizen_id: CitizenId,
    pub suggested: Option<EcmLevel>,
    pub confirmed: Option<EcmLevel>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelConfirmed {
    pub citizen_id: CitizenId,
    pub confirmed: EcmLevel,
    pub decision_key: String,
    /// Alarms the decision raised (a change of the confirmed level alarms the other stations).
    pub alarms_raised: Vec<String>,
}

/// A level typed as a number.
pub fn parse_level(level: i64) -> Result<EcmLevel, AppError> {
    EcmLevel::new(level).map_err(|e| AppError::invalid("invalid_level", e.to_string()))
}

impl Session {
    pub fn levels(&self, citizen: &CitizenId) -> Result<LevelsView, AppError> {
        let store = self.store()?;
        Ok(LevelsView {
            citizen_id: citizen.clone(),
            suggested: store.latest_level(citizen, LevelKind::Suggested)?,
            confirmed: store.latest_level(citizen, LevelKind::Confirmed)?,
        })
    }

    /// Sets the citizen's confirmed level as `actor`, with a reason; the levels and alarms
    /// agree with it at once, and it travels to every station.
    pub fn confirm_level(
        &self,
        actor: &Actor,
        citizen: &CitizenId,
        level: EcmLevel,
        reason: &str,
    ) -> Result<LevelConfirmed, AppError> {
        let mut store = self.store()?;
        let now = Timestamp::now();
        let decision_key = store.confirm_level(citizen, level, actor, reason, now)?;
        let report = follow_up(
            &mut store,
            Affected::Citizens([citizen.clone()].into()),
            // A decision changes its citizen's alarms alone (by their evaluation).
            AlarmsChanged::Of([citizen.clone()].into()),
            now,
            self.sink(),
        )?;
        Ok(LevelConfirmed {
            citizen_id: citizen.clone(),
            confirmed: level,
            decision_key,
            alarms_raised: report.raised,
        })
    }
}

/// Which citizens an evaluation takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvaluationScope {
    /// Those whose inputs changed or whose time came (what the app does on its own).
    Due,
    /// Every citizen (an operator's full re-evaluation).
    All,
}

impl Session {
    /// Evaluates now (`vagtctl evaluate`; the app's clock does it on its own).
    pub fn evaluate(
        &self,
        scope: EvaluationScope,
    ) -> Result<vagt_store::EvaluationReport, AppError> {
        let mut store = self.store()?;
        let now = Timestamp::now();
        match scope {
            EvaluationScope::Due => follow_up(
                &mut store,
                Affected::nobody_named(),
                AlarmsChanged::None,
                now,
                self.sink(),
            ),
            EvaluationScope::All => {
                let report = store.evaluate_alarms(now)?;
                self.sink().changed(&crate::StoreChanged::everything());
                Ok(report)
            }
        }
    }
}

/// What ending a bulk load by hand did: the load (none if none was under way) and the
/// evaluation of everyone it had deferred.
#[derive(Debug, Clone, Serialize)]
pub struct BulkLoadEnd {
    pub ended: Option<vagt_store::BulkLoadEnded>,
    pub evaluation: vagt_store::EvaluationReport,
}

impl Session {
    /// Ends a first sync's bulk load now (the readings' index made again) and evaluates the
    /// citizens it deferred: an operator's way out of a load that does not end (the sync and
    /// the rules' clock end one after an hour on their own). Audited as `actor`'s.
    pub fn end_bulk_load(&self, actor: &Actor) -> Result<BulkLoadEnd, AppError> {
        let mut store = self.store()?;
        let now = Timestamp::now();
        // Asked for is recorded whatever comes of it (the store may be busy making the index).
        let under_way = store.bulk_loading()?;
        store.audit(
            actor,
            "sync.bulk_load.end_asked",
            None,
            Some(&serde_json::json!({ "was_under_way": under_way })),
        )?;
        let ended = store.end_bulk_load(now)?;
        let affected = Affected::after_bulk_load(ended.is_some(), Default::default());
        let evaluation = follow_up(&mut store, affected, AlarmsChanged::None, now, self.sink())?;
        Ok(BulkLoadEnd { ended, evaluation })
    }
}
