//! Readings in, readings out. Ingest normalises at the edge (units, plausibility, clock) and
//! writes accepted readings and rejected inputs in one transaction; a replay of the same input
//! changes nothing.

use crate::{Actor, Result, Store, StoreError, audit};
use rusqlite::Connection;
use serde::Serialize;
use sha2::{Digest, Sha256};
use vagt_core::{CitizenId, IncomingMeasurement, Parameter, Reading, RejectReason, Timestamp};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IngestReport {
    /// New readings stored.
    pub accepted: usize,
    /// Already stored (same source id and version): nothing changed.
    pub duplicates: usize,
    /// Newly kept in `rejected_input` for a human (a re-delivery of input kept before is not
    /// counted again).
    pub rejected: usize,
    /// The citizens with a new reading or a new rejected input of theirs.
    #[serde(skip)]
    pub changed_citizens: std::collections::BTreeSet<CitizenId>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredReading {
    pub parameter: Parameter,
    pub value: f64,
    pub unit: &'static str,
    pub effective_at: Timestamp,
    pub received_at: Timestamp,
    pub source_id: String,
    pub source_version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RejectedInput {
    pub id: i64,
    pub received_at: Timestamp,
    pub source: String,
    pub source_id: Option<String>,
    pub resource_type: Option<String>,
    pub reason_code: String,
    pub reason: String,
    pub payload: String,
    pub status: String,
}

/// What an edge could not accept, ready to be kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub source: String,
    pub source_id: Option<String>,
    pub resource_type: Option<String>,
    pub reason_code: String,
    pub reason: String,
    /// The raw input, as received.
    pub payload: String,
    /// Whose input it was, when the edge could tell; kept only for a citizen the store knows.
    pub citizen_id: Option<String>,
}

/// Stores one rejection; a re-delivered identical input is not stored twice.
pub(crate) fn record_rejection_tx(
    tx: &Connection,
    rejection: &Rejection,
    now: Timestamp,
) -> Result<bool> {
    let mut hasher = Sha256::new();
    hasher.update(rejection.source.as_bytes());
    hasher.update([0]);
    hasher.update(rejection.payload.as_bytes());
    let fingerprint = hex::encode(hasher.finalize());
    let inserted = tx
        .prepare_cached(
            "INSERT INTO rejected_input
                 (received_at, source, source_id, resource_type, reason_code, reason, payload,
                  fingerprint, citizen_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, (SELECT id FROM citizens WHERE id = ?9))
             ON CONFLICT (fingerprint) DO NOTHING",
        )?
        .execute((
            now.millis(),
            &rejection.source,
            &rejection.source_id,
            &rejection.resource_type,
            &rejection.reason_code,
            &rejection.reason,
            &rejection.payload,
            fingerprint,
            &rejection.citizen_id,
        ))?;
    if inserted == 1 {
        // Only codes and ids in the log: the payload may hold health data.
        tracing::warn!(
            source = rejection.source,
            reason = rejection.reason_code,
            "input rejected and kept for review"
        );
    }
    Ok(inserted == 1)
}

/// Stores one reading. `OR IGNORE` rather than an upsert clause: with `ON CONFLICT DO NOTHING`
/// the other constraints would still abort the statement, and SQLite keeps a statement journal
/// for a statement that may abort: a copy of every page it touches, a fifth of what storing a
/// reading cost (see `readings` in schema.sql). So a row the schema refuses is ignored too, and
/// `insert_reading_tx` tells that from a duplicate and returns it as an error.
pub(crate) const INSERT_READING_SQL: &str = "INSERT OR IGNORE INTO readings
         (citizen_id, parameter, value, effective_at, received_at, source_id, source_version)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

/// Stores a reading; returns false when this (source id, version) was already stored.
pub(crate) fn insert_reading_tx(tx: &Connection, reading: &Reading) -> Result<bool> {
    let inserted = tx.prepare_cached(INSERT_READING_SQL)?.execute((
        reading.citizen_id.as_str(),
        reading.parameter.code(),
        reading.value,
        reading.effective_at.millis(),
        reading.received_at.millis(),
        &reading.source.id,
        &reading.source.version,
    ))?;
    if inserted == 0 {
        let stored: bool = tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM readings WHERE source_id = ?1 AND source_version = ?2)",
            )?
            .query_row((&reading.source.id, &reading.source.version), |r| r.get(0))?;
        if stored {
            return Ok(false);
        }
        // Normalised readings meet the schema's checks: a refusal is a fault of this build.
        return Err(StoreError::Corrupt(format!(
            "the schema refused a reading of {} ({})",
            reading.parameter.code(),
            reading.source.id
        )));
    }
    // A new version of a source measurement supersedes older ones; versions are compared as
    // numbers where both are numbers (FHIR servers count up), else the newest arrival wins.
    let new_id = tx.last_insert_rowid();
    // Most readings are a first version: one search finds that there is nothing to supersede.
    let others: Vec<(i64, String)> = tx
        .prepare_cached(
            "SELECT id, source_version FROM readings WHERE source_id = ?1 AND id <> ?2",
        )?
        .query_map((&reading.source.id, new_id), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if others.is_empty() {
        return Ok(true);
    }
    let newer_exists = others.iter().any(|(_, other)| {
        matches!(
            (other.parse::<u64>(), reading.source.version.parse::<u64>()),
            (Ok(a), Ok(b)) if a > b
        )
    });
    if newer_exists {
        tx.prepare_cached("UPDATE readings SET is_current = 0 WHERE id = ?1")?
            .execute([new_id])?;
    } else {
        tx.prepare_cached("UPDATE readings SET is_current = 0 WHERE source_id = ?1 AND id <> ?2")?
            .execute((&reading.source.id, new_id))?;
    }
    Ok(true)
}

pub(crate) fn ingest_tx(
    tx: &Connection,
    source: &str,
    measurements: Vec<IncomingMeasurement>,
    received_at: Timestamp,
) -> Result<IngestReport> {
    let mut report = IngestReport::default();
    // A batch names few citizens many times: each is looked up once.
    let mut known_citizens: std::collections::HashMap<CitizenId, bool> =
        std::collections::HashMap::new();
    for measurement in measurements {
        let known = match known_citizens.get(&measurement.citizen_id) {
            Some(known) => *known,
            None => {
                let known =
                    crate::citizen_rows::citizen_exists(tx, measurement.citizen_id.as_str())?;
                known_citizens.insert(measurement.citizen_id.clone(), known);
                known
            }
        };
        let outcome = if known {
            measurement.clone().normalise(received_at)
        } else {
            Err(RejectReason::UnknownCitizen(measurement.citizen_id.clone()))
        };
        match outcome {
            Ok(reading) => {
                if insert_reading_tx(tx, &reading)? {
                    report.accepted += 1;
                    report.changed_citizens.insert(reading.citizen_id.clone());
                } else {
                    report.duplicates += 1;
                }
            }
            Err(reason) => {
                let payload = serde_json::to_string(&measurement).map_err(|e| {
                    StoreError::Corrupt(format!("cannot serialise rejected input: {e}"))
                })?;
                let kept = record_rejection_tx(
                    tx,
                    &Rejection {
                        source: source.to_owned(),
                        source_id: Some(measurement.source.id.clone()),
                        resource_type: Some("measurement".into()),
                        reason_code: reason.code().into(),
                        reason: reason.to_string(),
                        payload,
                        citizen_id: Some(measurement.citizen_id.as_str().to_owned()),
                    },
                    received_at,
                )?;
                if kept && known {
                    report
                        .changed_citizens
                        .insert(measurement.citizen_id.clone());
                }
                report.rejected += usize::from(kept);
            }
        }
    }
    Ok(report)
}

impl Store {
    /// Normalises and stores measurements in one transaction.
    pub fn ingest(
        &mut self,
        actor: &Actor,
        source: &str,
        measurements: Vec<IncomingMeasurement>,
        received_at: Timestamp,
    ) -> Result<IngestReport> {
        let tx = self.conn.transaction()?;
        let report = ingest_tx(&tx, source, measurements, received_at)?;
        let detail = serde_json::json!({ "source": source, "accepted": report.accepted, "rejected": report.rejected });
        audit::append_tx(
            &tx,
            actor,
            "readings.ingest",
            None,
            Some(&detail),
            received_at,
        )?;
        tx.commit()?;
        Ok(report)
    }

    /// Keeps input an edge could not parse at all (a malformed resource) for a human.
    pub fn record_rejection(&mut self, rejection: &Rejection) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let inserted = record_rejection_tx(&tx, rejection, Timestamp::now())?;
        tx.commit()?;
        Ok(inserted)
    }

    /// A citizen's current readings, oldest first, optionally of one parameter and since an instant.
    pub fn readings(
        &mut self,
        actor: &Actor,
        citizen: &CitizenId,
        parameter: Option<Parameter>,
        since: Option<Timestamp>,
    ) -> Result<Vec<StoredReading>> {
        crate::citizen_rows::require_citizen(&self.conn, citizen.as_str())?;
        crate::bulk_load::refuse_while_bulk_loading(&self.conn)?;
        let rows = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT parameter, value, effective_at, received_at, source_id, source_version
                 FROM readings
                 WHERE citizen_id = ?1 AND is_current = 1 AND status <> 'entered_in_error'
                   AND (?2 IS NULL OR parameter = ?2) AND effective_at >= ?3
                 ORDER BY effective_at, parameter",
            )?;
            let mapped = stmt.query_map(
                (
                    citizen.as_str(),
                    parameter.map(Parameter::code),
                    since.map_or(i64::MIN, Timestamp::millis),
                ),
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, f64>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                    ))
                },
            )?;
            mapped.collect::<Result<Vec<_>, _>>()?
        };
        let readings = rows
            .into_iter()
            .map(
                |(code, value, effective_at, received_at, source_id, source_version)| {
                    let parameter: Parameter = code
                        .parse()
                        .map_err(|_| StoreError::Corrupt(format!("parameter {code:?}")))?;
                    Ok(StoredReading {
                        parameter,
                        value,
                        unit: parameter.canonical_unit(),
                        effective_at: Timestamp::from_millis(effective_at),
                        received_at: Timestamp::from_millis(received_at),
                        source_id,
                        source_version,
                    })
                },
            )
            .collect::<Result<Vec<_>>>()?;
        self.audit(
            actor,
            "readings.read",
            Some(("citizen", citizen.as_str())),
            None,
        )?;
        Ok(readings)
    }

    /// Rejected inputs, newest first; `open_only` hides those a human has decided.
    pub fn rejected(&mut self, actor: &Actor, open_only: bool) -> Result<Vec<RejectedInput>> {
        let list = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT id, received_at, source, source_id, resource_type, reason_code, reason, payload, status
                 FROM rejected_input WHERE (?1 = 0 OR status = 'open') ORDER BY received_at DESC, id DESC",
            )?;
            let rows = stmt.query_map([i64::from(open_only)], rejected_row)?;
            rows.collect::<Result<Vec<_>, _>>()?
        };
        self.audit(actor, "rejected.list", None, None)?;
        Ok(list)
    }
}

/// The inputs kept for a human that belonged to a citizen, oldest first, whatever their state
/// (a trend plot marks them all).
pub(crate) fn rejected_of_citizen(
    conn: &rusqlite::Connection,
    citizen_id: &str,
) -> Result<Vec<RejectedInput>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, received_at, source, source_id, resource_type, reason_code, reason, payload, status
         FROM rejected_input WHERE citizen_id = ?1 ORDER BY received_at, id",
    )?;
    let rows = stmt.query_map([citizen_id], rejected_row)?;
    Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
}

/// A `rejected_input` row selected as `id, received_at, source, source_id, resource_type,
/// reason_code, reason, payload, status`.
fn rejected_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RejectedInput> {
    Ok(RejectedInput {
        id: r.get(0)?,
        received_at: Timestamp::from_millis(r.get(1)?),
        source: r.get(2)?,
        source_id: r.get(3)?,
        resource_type: r.get(4)?,
        reason_code: r.get(5)?,
        reason: r.get(6)?,
        payload: r.get(7)?,
        status: r.get(8)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query_plan::{empty_store, program_of};

    /// Storing a reading must not be able to abort, its triggers included: SQLite keeps a
    /// statement journal for a statement that may (every page it touches copied first), and a
    /// sync stores millions. The ways SQLite marks a statement as one that may abort are in its
    /// program: a halt that aborts, a foreign-key count checked at once, a function call. Nor
    /// may it build a temporary table each time it runs (an `IN` list in a check).
    #[test]
    fn storing_a_reading_can_not_abort() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = empty_store(&dir);
        let program = program_of(
            &store,
            INSERT_READING_SQL,
            ("c1", "spo2", 95.0, 1_i64, 1_i64, "o1", "1"),
        );
        // Triggers run as subprograms, which EXPLAIN lists after the statement's own program:
        // without them listed, the checks below would look at the statement alone.
        assert!(
            program
                .iter()
                .any(|op| op.program == "readings_added_latest"),
            "the triggers' programs are not listed: {program:?}"
        );
        const ABORT: i64 = 2; // OE_Abort
        let aborting: Vec<_> = program
            .iter()
            .filter(|op| {
                (op.opcode == "Halt" && op.p1 != 0 && op.p2 == ABORT)
                    || (op.opcode == "HaltIfNull" && op.p2 == ABORT)
                    || (op.opcode == "FkCounter" && op.p1 == 0)
                    || op.opcode == "Function"
                    || op.opcode == "PureFunc"
                    || op.opcode == "OpenEphemeral"
            })
            .collect();
        let triggers: Vec<&str> = aborting.iter().map(|op| op.program.as_str()).collect();
        assert!(aborting.is_empty(), "in {triggers:?}: {aborting:#?}");
    }
}
