//! Non-secret settings of this station (the backend URL, the escalation policy), kept in
//! `store_info`. Secrets live in the OS keyring, never here.

use crate::{Actor, Result, Store, audit};
use rusqlite::OptionalExtension;
use vagt_core::Timestamp;

/// The `store_info` key of the backend's FHIR base URL (`vagtctl backend set`).
pub const BACKEND_URL_SETTING: &str = "backend_url";

impl Store {
    /// A setting's value, if set.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM store_info WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Sets a setting; audited (the key, not the value).
    pub fn set_setting(&mut self, actor: &Actor, key: &str, value: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO store_info (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )?;
        audit::append_tx(
            &tx,
            actor,
            "setting.set",
            Some(("setting", key)),
            None,
            Timestamp::now(),
        )?;
        tx.commit()?;
        Ok(())
    }
}
