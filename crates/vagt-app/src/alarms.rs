//! Alarms: listing them, one episode per citizen who needs attention, a nurse acknowledging an
//! alarm or an episode (for every station) or snoozing one (for herself), and the clinic's
//! escalation policy.

use crate::{AppError, Session, StoreChanged};
use std::collections::BTreeSet;
use vagt_core::alarm::{AlarmPriority, EscalationPolicy, EscalationRule};
use vagt_core::{CitizenId, Timestamp};
use vagt_store::{
    AckOutcome, Actor, AlarmEpisode, AlarmFilter, AlarmRow, EpisodePage, SnoozeOutcome,
};

impl Session {
    pub fn alarms(&self, actor: &Actor, open_only: bool) -> Result<Vec<AlarmRow>, AppError> {
        let filter = if open_only {
            AlarmFilter::Open
        } else {
            AlarmFilter::All
        };
        Ok(self.store()?.alarms(filter, actor, Timestamp::now())?)
    }

    /// Acknowledges as `actor`; the acknowledgement travels to every station.
    pub fn acknowledge(
        &self,
        actor: &Actor,
        alarm: &str,
        comment: Option<&str>,
    ) -> Result<AckOutcome, AppError> {
        let mut store = self.store()?;
        let outcome = store.acknowledge_alarm(alarm, actor, comment, Timestamp::now())?;
        if let AckOutcome::Acknowledged { alarm_id } = &outcome {
            let citizens: BTreeSet<CitizenId> =
                store.alarm_citizen(alarm_id)?.into_iter().collect();
            self.sink()
                .changed(&StoreChanged::alarms_of(citizens.clone(), citizens));
        }
        Ok(outcome)
    }

    /// One row per citizen who needs attention, every open cause under it, most urgent first.
    pub fn alarm_episodes(&self, actor: &Actor) -> Result<Vec<AlarmEpisode>, AppError> {
        Ok(self.store()?.alarm_episodes(actor, Timestamp::now())?)
    }

    /// The episodes of the next `citizens` citizens with an open alarm after `after`, and where
    /// the next page begins (see [`vagt_store::Store::alarm_episodes_page`]).
    pub fn alarm_episodes_page(
        &self,
        actor: &Actor,
        after: Option<&str>,
        citizens: usize,
    ) -> Result<EpisodePage, AppError> {
        Ok(self
            .store()?
            .alarm_episodes_page(actor, after, citizens, Timestamp::now())?)
    }

    /// The episodes of `citizens` only (see [`vagt_store::Store::alarm_episodes_of`]).
    pub fn alarm_episodes_of(
        &self,
        actor: &Actor,
        citizens: &[CitizenId],
    ) -> Result<Vec<AlarmEpisode>, AppError> {
        Ok(self
            .store()?
            .alarm_episodes_of(actor, citizens, Timestamp::now())?)
    }

    /// Acknowledges a citizen's episode as `actor`: the causes she was shown (`alarm_ids`),
    /// each travelling to every station. A cause that came after she looked opens the episode
    /// again.
    pub fn acknowledge_episode(
        &self,
        actor: &Actor,
        citizen: &CitizenId,
        alarm_ids: &[String],
        comment: Option<&str>,
    ) -> Result<Vec<AckOutcome>, AppError> {
        if alarm_ids.is_empty() {
            return Err(AppError::invalid(
                "no_alarm_given",
                "name the alarms the episode showed",
            ));
        }
        let outcomes = self.store()?.acknowledge_episode(
            citizen,
            alarm_ids,
            actor,
            comment,
            Timestamp::now(),
        )?;
        self.sink().changed(&StoreChanged::alarms_of(
            [citizen.clone()].into(),
            [citizen.clone()].into(),
        ));
        Ok(outcomes)
    }

    /// Quiets an open alarm for `actor` alone, 1 to 120 minutes.
    pub fn snooze(
        &self,
        actor: &Actor,
        alarm: &str,
        minutes: i64,
    ) -> Result<SnoozeOutcome, AppError> {
        let mut store = self.store()?;
        let outcome = store.snooze_alarm(alarm, actor, minutes, Timestamp::now())?;
        // Only the snoozed alarm's citizen's episode changed.
        let citizens: BTreeSet<CitizenId> = store.alarm_citizen(alarm)?.into_iter().collect();
        self.sink().changed(&StoreChanged {
            citizens: Some(Vec::new()),
            alarms: citizens.is_empty(),
            alarm_citizens: (!citizens.is_empty()).then(|| citizens.into_iter().collect()),
            status: false,
        });
        Ok(outcome)
    }

    pub fn escalation_policy(&self) -> Result<EscalationPolicy, AppError> {
        Ok(self.store()?.escalation_policy()?)
    }

    /// Sets (or with `None` clears) one priority's escalation rule.
    pub fn set_escalation_rule(
        &self,
        actor: &Actor,
        priority: AlarmPriority,
        rule: Option<EscalationRule>,
    ) -> Result<EscalationPolicy, AppError> {
        let mut store = self.store()?;
        let mut policy = store.escalation_policy()?;
        *policy.rule_mut(priority) = rule;
        store.set_escalation_policy(&policy, actor)?;
        self.sink().changed(&StoreChanged {
            citizens: Some(Vec::new()),
            alarms: true,
            alarm_citizens: None,
            status: false,
        });
        Ok(policy)
    }
}
