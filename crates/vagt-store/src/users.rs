//! The users the audit log and acknowledgements name: created on first use.

use crate::{Actor, Result};
use rusqlite::Connection;
use vagt_core::Timestamp;

/// Users are created on first use: an acknowledgement, a snooze or a decision must name a user
/// row.
pub(crate) fn ensure_user_tx(tx: &Connection, actor: &Actor, now: Timestamp) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO users (id, display_name, role, created_at) VALUES (?1, ?1, 'nurse', ?2)
         ON CONFLICT (id) DO NOTHING",
    )?
    .execute((&actor.0, now.millis()))?;
    Ok(())
}
