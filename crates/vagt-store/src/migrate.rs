//! Creating and upgrading the schema. `schema.sql` is the whole current schema; `UPGRADES`
//! bring older databases to it, one version at a time, inside one immediate transaction so that
//! two processes opening the same old file at once upgrade it once.

use crate::{Result, StoreError};
use rusqlite::{Connection, TransactionBehavior};

pub const SCHEMA_SQL: &str = include_str!("../../../schema.sql");

/// A schema and the steps that lead to it.
#[derive(Debug, Clone, Copy)]
pub struct Migrations {
    pub schema: &'static str,
    pub version: i64,
    /// `upgrades[i]` takes a database from version `i + 1` to `i + 2`.
    pub upgrades: &'static [&'static str],
}

pub const CURRENT: Migrations = Migrations {
    schema: SCHEMA_SQL,
    version: 16,
    upgrades: &[
        include_str!("../migrations/0001_to_0002.sql"),
        include_str!("../migrations/0002_to_0003.sql"),
        include_str!("../migrations/0003_to_0004.sql"),
        include_str!("../migrations/0004_to_0005.sql"),
        include_str!("../migrations/0005_to_0006.sql"),
        include_str!("../migrations/0006_to_0007.sql"),
        include_str!("../migrations/0007_to_0008.sql"),
        include_str!("../migrations/0008_to_0009.sql"),
        include_str!("../migrations/0009_to_0010.sql"),
        include_str!("../migrations/0010_to_0011.sql"),
        include_str!("../migrations/0011_to_0012.sql"),
        include_str!("../migrations/0012_to_0013.sql"),
        include_str!("../migrations/0013_to_0014.sql"),
        include_str!("../migrations/0014_to_0015.sql"),
        include_str!("../migrations/0015_to_0016.sql"),
    ],
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Upgraded { from: i64 },
    UpToDate,
}

pub fn migrate(conn: &mut Connection, migrations: &Migrations) -> Result<Outcome> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let outcome = if found == migrations.version {
        Outcome::UpToDate
    } else if found > migrations.version {
        return Err(StoreError::TooNew {
            found,
            supported: migrations.version,
        });
    } else if found == 0 {
        let tables: i64 = tx.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        if tables > 0 {
            return Err(StoreError::NotAVagtDatabase);
        }
        tx.execute_batch(migrations.schema)?;
        Outcome::Created
    } else {
        for version in found..migrations.version {
            let step = usize::try_from(version - 1)
                .ok()
                .and_then(|i| migrations.upgrades.get(i))
                .ok_or(StoreError::TooNew {
                    found,
                    supported: migrations.version,
                })?;
            tx.execute_batch(step)
                .map_err(|source| StoreError::Upgrade {
                    from: version,
                    source,
                })?;
        }
        Outcome::Upgraded { from: found }
    };
    tx.pragma_update(None, "user_version", migrations.version)?;
    tx.commit()?;
    if outcome != Outcome::UpToDate {
        tracing::info!(
            ?outcome,
            version = migrations.version,
            "database schema ready"
        );
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_header_names_the_current_version() {
        let header = format!("-- Version: {} (PRAGMA user_version", CURRENT.version);
        assert!(
            SCHEMA_SQL.contains(&header),
            "schema.sql must say `{header}`"
        );
    }

    #[test]
    fn every_version_below_current_has_an_upgrade_step() {
        assert_eq!(CURRENT.upgrades.len() as i64, CURRENT.version - 1);
    }
}
