//! Whether a citizen is known: a leaf the other modules check against, so none of them
//! needs the citizen module (which itself reads plans).

use rusqlite::OptionalExtension;

use crate::{Result, StoreError};

/// Whether the store knows the citizen; on a connection or inside a transaction.
pub(crate) fn citizen_exists(conn: &rusqlite::Connection, citizen_id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM citizens WHERE id = ?1")?
        .query_row([citizen_id], |r| r.get::<_, i64>(0))
        .optional()?
        .is_some())
}

/// `Err(UnknownCitizen)` unless the store knows the citizen.
pub(crate) fn require_citizen(conn: &rusqlite::Connection, citizen_id: &str) -> Result<()> {
    if citizen_exists(conn, citizen_id)? {
        Ok(())
    } else {
        Err(StoreError::UnknownCitizen(citizen_id.to_owned()))
    }
}
