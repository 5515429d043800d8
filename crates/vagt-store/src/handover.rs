//! What the shift handover reads of the levels besides the worklist: each citizen's level when
//! the shift began, and who drifts from their own baseline now.

use crate::{Actor, Result, Store};
use std::collections::{BTreeMap, BTreeSet};
use vagt_core::ecm_engine::{Finding, FindingRule};
use vagt_core::{CitizenId, EcmLevel, Timestamp};

/// Levels for the handover's severity rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShiftLevels {
    /// The higher of the confirmed and the suggested level in force when the shift began.
    pub at_start: BTreeMap<CitizenId, EcmLevel>,
    /// Citizens whose suggested level now rests on a relative rule of their plan (their
    /// readings off their own baseline).
    pub drifting: BTreeSet<CitizenId>,
}

impl Store {
    /// The levels in force at `shift_start` and the baseline drift at `now`. Audited.
    pub fn shift_levels(
        &mut self,
        actor: &Actor,
        shift_start: Timestamp,
        now: Timestamp,
    ) -> Result<ShiftLevels> {
        let mut levels = ShiftLevels::default();
        {
            // SQLite gives the bare `level` of the row holding max(set_at): the level in force.
            let mut stmt = self.conn.prepare_cached(
                "SELECT citizen_id, max(level) FROM (
                     SELECT citizen_id, kind, level, max(set_at) FROM ecm_levels
                     WHERE set_at <= ?1 AND kind IN ('suggested', 'confirmed')
                     GROUP BY citizen_id, kind)
                 GROUP BY citizen_id",
            )?;
            let rows = stmt.query_map([shift_start.millis()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?;
            for row in rows {
                let (citizen, level) = row?;
                if let (Ok(citizen), Ok(level)) = (CitizenId::new(citizen), EcmLevel::new(level)) {
                    levels.at_start.insert(citizen, level);
                }
            }
        }
        {
            let mut stmt = self.conn.prepare_cached(
                "SELECT citizen_id, cause, max(set_at) FROM ecm_levels
                 WHERE kind = 'suggested' AND set_at <= ?1
                 GROUP BY citizen_id",
            )?;
            let rows = stmt.query_map([now.millis()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })?;
            for row in rows {
                let (citizen, cause) = row?;
                if cause.as_deref().is_some_and(rests_on_baseline)
                    && let Ok(citizen) = CitizenId::new(citizen)
                {
                    levels.drifting.insert(citizen);
                }
            }
        }
        self.audit(actor, "handover.levels", None, None)?;
        Ok(levels)
    }
}

/// Whether a suggestion's cause (its findings) holds a relative rule's finding.
fn rests_on_baseline(cause: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Cause {
        #[serde(default)]
        findings: Vec<Finding>,
    }
    serde_json::from_str::<Cause>(cause).is_ok_and(|c| {
        c.findings
            .iter()
            .any(|f| matches!(f.rule, FindingRule::Relative { .. }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_finding_is_drift_a_limit_is_not() {
        let finding = |rule: serde_json::Value| {
            serde_json::json!({"findings": [{
                "parameter": "fev1", "reading_key": "r1", "reading_at": "2026-12-01T08:00:00Z",
                "value": 0.9, "triage": "yellow", "rule": rule, "limit": 0.95, "baseline": 1.2
            }]})
            .to_string()
        };
        let relative = finding(
            serde_json::json!({"type": "relative", "id": "fev1_drop", "kind": "below_median"}),
        );
        let limit = finding(serde_json::json!({"type": "limit", "limit": "yellow_low"}));
        assert!(rests_on_baseline(&relative), "{relative}");
        assert!(!rests_on_baseline(&limit));
        assert!(!rests_on_baseline("{\"findings\": []}"));
        assert!(!rests_on_baseline("not json"));
    }
}
