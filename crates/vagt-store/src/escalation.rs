//! The clinic's escalation policy: when an unacknowledged alarm of each priority is signalled
//! again. A setting of the station; the built-in default when none is set.

use crate::{Actor, Result, Store, StoreError, TriageError};
use vagt_core::alarm::EscalationPolicy;

/// The `store_info` key of the escalation policy (JSON); the built-in default when absent.
pub const ESCALATION_POLICY_SETTING: &str = "escalation_policy";

impl Store {
    /// The escalation policy in force: the one set with [`Store::set_escalation_policy`], else
    /// the built-in default (high after 5 min, every 5 min, 3 steps; medium once after 30 min).
    pub fn escalation_policy(&self) -> Result<EscalationPolicy> {
        match self.setting(ESCALATION_POLICY_SETTING)? {
            None => Ok(EscalationPolicy::default()),
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("{ESCALATION_POLICY_SETTING}: {e}"))),
        }
    }

    /// Replaces the escalation policy (checked: delays not negative, at least one step).
    /// Audited as a setting.
    pub fn set_escalation_policy(
        &mut self,
        policy: &EscalationPolicy,
        actor: &Actor,
    ) -> Result<()> {
        for (priority, rule) in policy.rules() {
            let Some(rule) = rule else { continue };
            let name = priority.code();
            if rule.after_ms < 0 || rule.repeat_ms.is_some_and(|r| r <= 0) || rule.max_steps < 1 {
                return Err(TriageError::InvalidEscalationPolicy(format!(
                    "{name}: after must be 0 or more, repeat more than 0, steps at least 1"
                ))
                .into());
            }
        }
        let json = serde_json::to_string(policy)
            .map_err(|e| TriageError::InvalidEscalationPolicy(e.to_string()))?;
        self.set_setting(actor, ESCALATION_POLICY_SETTING, &json)
    }
}
