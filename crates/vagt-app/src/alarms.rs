//! Alarms: listing them, a nurse acknowledging one (for every station) or snoozing one (for
//! herself), and the clinic's escalation policy.

use crate::{AppError, Session, StoreChanged};
use vagt_core::Timestamp;
use vagt_core::alarm::{AlarmPriority, EscalationPolicy, EscalationRule};
use vagt_store::{AckOutcome, Actor, AlarmFilter, AlarmRow, SnoozeOutcome};

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
            let citizens = store.alarm_citizen(alarm_id)?.into_iter().collect();
            self.sink().changed(&StoreChanged::citizens(citizens, true));
        }
        Ok(outcome)
    }

    /// Quiets an open alarm for `actor` alone, 1 to 120 minutes.
    pub fn snooze(
        &self,
        actor: &Actor,
        alarm: &str,
        minutes: i64,
    ) -> Result<SnoozeOutcome, AppError> {
        let outcome = self
            .store()?
            .snooze_alarm(alarm, actor, minutes, Timestamp::now())?;
        self.sink().changed(&StoreChanged {
            citizens: Some(Vec::new()),
            alarms: true,
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
            status: false,
        });
        Ok(policy)
    }
}
