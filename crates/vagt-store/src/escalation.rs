//! The clinic's escalation policy: when an unacknowledged alarm of each priority is signalled
//! again. A setting the whole clinic shares: each change travels through the backend, and the
//! newest change (by changed_at, then key) is in force at every station; the built-in default
//! when none was ever made.

use crate::outbox::enqueue_outbox_tx;
use crate::users::ensure_user_tx;
use crate::{Actor, Result, Store, StoreError, TriageError, audit};
use rusqlite::{Connection, OptionalExtension};
use vagt_core::Timestamp;
use vagt_core::alarm::{AlarmPriority, EscalationPolicy};
use vagt_core::outbound::{ESCALATION_POLICY, Outbound, SharedSettingRecord};

/// The shared setting's name of the escalation policy (JSON).
pub const ESCALATION_POLICY_SETTING: &str = ESCALATION_POLICY;

/// The names of shared settings this Vagt knows; others are kept for a human.
const KNOWN_SETTINGS: [&str; 1] = [ESCALATION_POLICY];

fn shared_setting(conn: &Connection, name: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT value FROM shared_settings WHERE name = ?1
             ORDER BY changed_at DESC, key DESC LIMIT 1",
        )?
        .query_row([name], |r| r.get(0))
        .optional()?)
}

/// Checked: delays not negative, repeats positive, at least one step, and nothing for the
/// priorities that never escalate.
fn check_policy(policy: &EscalationPolicy) -> Result<()> {
    for (priority, rule) in policy.rules() {
        let Some(rule) = rule else { continue };
        let name = priority.code();
        if matches!(priority, AlarmPriority::Low | AlarmPriority::Info) {
            return Err(TriageError::InvalidEscalationPolicy(format!(
                "{name} alarms are for awareness: they are shown, never escalated"
            ))
            .into());
        }
        if rule.after_ms < 0 || rule.repeat_ms.is_some_and(|r| r <= 0) || rule.max_steps < 1 {
            return Err(TriageError::InvalidEscalationPolicy(format!(
                "{name}: after must be 0 or more, repeat more than 0, steps at least 1"
            ))
            .into());
        }
    }
    Ok(())
}

/// Applies a change of a shared setting made elsewhere (or here, read back). A setting this
/// Vagt does not know, or a policy that does not pass the checks, is an error for the caller
/// to keep as a rejected input. True when it was new.
pub(crate) fn apply_remote_shared_setting_tx(
    tx: &Connection,
    record: &SharedSettingRecord,
    source_id: &str,
    received_at: Timestamp,
) -> Result<bool> {
    if !KNOWN_SETTINGS.contains(&record.name.as_str()) {
        return Err(TriageError::InvalidEscalationPolicy(format!(
            "unknown shared setting {:?}",
            record.name
        ))
        .into());
    }
    let policy: EscalationPolicy = serde_json::from_str(&record.value)
        .map_err(|e| TriageError::InvalidEscalationPolicy(e.to_string()))?;
    check_policy(&policy)?;
    let known: bool = tx
        .prepare_cached("SELECT count(*) > 0 FROM shared_settings WHERE key = ?1")?
        .query_row([&record.key], |r| r.get(0))?;
    if known {
        tx.prepare_cached(
            "UPDATE shared_settings SET source_id = ?2 WHERE key = ?1 AND source_id IS NULL",
        )?
        .execute((&record.key, source_id))?;
        return Ok(false);
    }
    ensure_user_tx(tx, &Actor(record.changed_by.clone()), received_at)?;
    tx.prepare_cached(
        "INSERT INTO shared_settings (key, name, value, changed_at, changed_by, source_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute((
        &record.key,
        &record.name,
        &record.value,
        record.changed_at.millis(),
        &record.changed_by,
        source_id,
    ))?;
    audit::append_tx(
        tx,
        &Actor::system(),
        "setting.changed_elsewhere",
        Some(("setting", &record.name)),
        None,
        received_at,
    )?;
    Ok(true)
}

impl Store {
    /// The escalation policy in force: the clinic's newest, else the built-in default (high
    /// after 5 min, every 5 min, 3 steps; medium once after 30 min).
    pub fn escalation_policy(&self) -> Result<EscalationPolicy> {
        match shared_setting(&self.conn, ESCALATION_POLICY)? {
            None => Ok(EscalationPolicy::default()),
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("{ESCALATION_POLICY}: {e}"))),
        }
    }

    /// Changes the clinic's escalation policy (checked), queued for the backend in the same
    /// transaction so every station takes it. Audited as a setting.
    pub fn set_escalation_policy(
        &mut self,
        policy: &EscalationPolicy,
        actor: &Actor,
    ) -> Result<()> {
        check_policy(policy)?;
        let value = serde_json::to_string(policy)
            .map_err(|e| TriageError::InvalidEscalationPolicy(e.to_string()))?;
        let now = Timestamp::now();
        let record = SharedSettingRecord {
            key: format!("urn:uuid:{}", crate::key::random_uuid()?),
            name: ESCALATION_POLICY.to_owned(),
            value,
            changed_at: now,
            changed_by: actor.0.clone(),
        };
        let tx = self.conn.transaction()?;
        ensure_user_tx(&tx, actor, now)?;
        tx.prepare_cached(
            "INSERT INTO shared_settings (key, name, value, changed_at, changed_by)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute((
            &record.key,
            &record.name,
            &record.value,
            now.millis(),
            &actor.0,
        ))?;
        enqueue_outbox_tx(&tx, &Outbound::SharedSetting(record), now)?;
        audit::append_tx(
            &tx,
            actor,
            "setting.set",
            Some(("setting", ESCALATION_POLICY)),
            None,
            now,
        )?;
        tx.commit()?;
        Ok(())
    }
}
