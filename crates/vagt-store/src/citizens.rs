//! Citizens: their rows and diagnoses, and one citizen's NEWS2 of their newest full set of
//! vitals (what the evaluation keeps for the worklist, in `worklist.rs`).

use crate::{Actor, Result, Store, StoreError, audit};
use rusqlite::{Connection, OptionalExtension, Transaction};
use vagt_core::news2::{Assessed, FullSetScore, TimedReading, newest_full_set};
use vagt_core::time_util::MILLIS_PER_DAY;
use vagt_core::{Citizen, CitizenId, Diagnosis, Parameter, Timestamp};

/// A full set older than this gives no NEWS2 in the summary: it no longer says how the citizen is.
pub const NEWS2_MAX_AGE_MS: i64 = 7 * MILLIS_PER_DAY;

/// The citizen's row only; diagnoses are left as they are.
pub(crate) fn upsert_citizen_row_tx(
    tx: &Connection,
    citizen: &Citizen,
    now: Timestamp,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO citizens (id, name, birth_date, phone, address, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, birth_date = excluded.birth_date,
             phone = excluded.phone, address = excluded.address, updated_at = excluded.updated_at",
    )?
    .execute((
        citizen.id.as_str(),
        &citizen.name,
        &citizen.birth_date,
        &citizen.phone,
        &citizen.address,
        now.millis(),
    ))?;
    Ok(())
}

/// The citizen's row and exactly their diagnoses (for sources that carry both, like the demo).
pub(crate) fn upsert_citizen_tx(
    tx: &Transaction<'_>,
    citizen: &Citizen,
    now: Timestamp,
) -> Result<()> {
    upsert_citizen_row_tx(tx, citizen, now)?;
    tx.prepare_cached("DELETE FROM citizen_diagnoses WHERE citizen_id = ?1")?
        .execute([citizen.id.as_str()])?;
    let mut insert =
        tx.prepare_cached("INSERT INTO citizen_diagnoses (citizen_id, diagnosis) VALUES (?1, ?2)")?;
    for diagnosis in &citizen.diagnoses {
        insert.execute((citizen.id.as_str(), diagnosis.code()))?;
    }
    Ok(())
}

impl Store {
    pub fn upsert_citizen(&mut self, actor: &Actor, citizen: &Citizen) -> Result<()> {
        let tx = self.conn.transaction()?;
        let now = Timestamp::now();
        upsert_citizen_tx(&tx, citizen, now)?;
        audit::append_tx(
            &tx,
            actor,
            "citizen.upsert",
            Some(("citizen", citizen.id.as_str())),
            None,
            now,
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn citizen(&mut self, actor: &Actor, id: &CitizenId) -> Result<Citizen> {
        let found = self
            .conn
            .query_row(
                "SELECT id, name, birth_date, phone, address, mas_only FROM citizens WHERE id = ?1",
                [id.as_str()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, Option<String>>(4)?,
                    ))
                },
            )
            .optional()?;
        let (_, name, birth_date, phone, address) =
            found.ok_or_else(|| StoreError::UnknownCitizen(id.to_string()))?;
        let diagnoses = self
            .conn
            .prepare_cached(
                "SELECT diagnosis FROM citizen_diagnoses WHERE citizen_id = ?1 ORDER BY diagnosis",
            )?
            .query_map([id.as_str()], |r| r.get::<_, String>(0))?
            .map(|code| {
                let code = code?;
                code.parse()
                    .map_err(|_| StoreError::Corrupt(format!("diagnosis {code:?}")))
            })
            .collect::<Result<Vec<Diagnosis>>>()?;
        self.audit(actor, "citizen.read", Some(("citizen", id.as_str())), None)?;
        Ok(Citizen {
            id: id.clone(),
            name,
            birth_date,
            diagnoses,
            phone,
            address,
        })
    }

    /// The backend resource the citizen mirrors (`{base}|Patient/123`), if they came from one.
    pub fn citizen_source(&self, id: &CitizenId) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT source_id FROM citizens WHERE id = ?1")?
            .query_row([id.as_str()], |r| r.get::<_, Option<String>>(0))
            .optional()?
            .flatten())
    }

    /// NEWS2 of one citizen's newest full set of vitals in the [`NEWS2_MAX_AGE_MS`] before
    /// `now`, on the SpO2 scale of their plan; `None` when there is none. A floor, as in the
    /// summary. Audited as a read of the citizen's health data.
    pub fn news2(
        &mut self,
        actor: &Actor,
        citizen: &CitizenId,
        now: Timestamp,
    ) -> Result<Option<FullSetScore>> {
        crate::citizen_rows::require_citizen(&self.conn, citizen.as_str())?;
        crate::bulk_load::refuse_while_bulk_loading(&self.conn)?;
        let score = newest_news2(&self.conn, citizen.as_str(), now)?;
        self.audit(
            actor,
            "news2.read",
            Some(("citizen", citizen.as_str())),
            None,
        )?;
        Ok(score)
    }
}

/// One citizen's vitals of a full set since ?2, oldest first.
const CITIZEN_VITALS_SQL: &str = "SELECT parameter, value, effective_at FROM readings
     WHERE citizen_id = ?1 AND is_current = 1 AND status <> 'entered_in_error'
       AND parameter IN ('respiratory_rate', 'spo2', 'systolic_bp', 'pulse', 'temperature')
       AND effective_at >= ?2
     ORDER BY effective_at, id";

/// NEWS2 of the citizen's newest full set of vitals in the [`NEWS2_MAX_AGE_MS`] before `now`,
/// on the SpO2 scale of their plan: what the evaluation keeps for the worklist, and what
/// [`Store::news2`] reads for one citizen.
pub(crate) fn newest_news2(
    conn: &rusqlite::Connection,
    citizen: &str,
    now: Timestamp,
) -> Result<Option<FullSetScore>> {
    let mut stmt = conn.prepare_cached(CITIZEN_VITALS_SQL)?;
    let mut rows = stmt.query((citizen, now.millis() - NEWS2_MAX_AGE_MS))?;
    let mut readings = Vec::new();
    while let Some(r) = rows.next()? {
        readings.push(timed_reading(r.get(0)?, r.get(1)?, r.get(2)?)?);
    }
    // The set does not depend on the scale: find it before resolving a plan.
    Ok(match newest_full_set(&readings) {
        Some(set) => {
            let scale = crate::plans::resolved_plan(conn, citizen)?.news2_spo2_scale;
            Some(set.score(scale, Assessed::NOTHING))
        }
        None => None,
    })
}

fn timed_reading(code: String, value: f64, effective_at: i64) -> Result<TimedReading> {
    let parameter: Parameter = code
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("parameter {code:?}")))?;
    Ok(TimedReading {
        parameter,
        value,
        effective_at: Timestamp::from_millis(effective_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query_plan::{empty_store, plan_of};

    /// One citizen's NEWS2 (what the evaluation keeps, and `Store::news2`) searches that
    /// citizen's week of vitals by index, never every reading.
    #[test]
    fn news2_readings_are_searched_by_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = empty_store(&dir);
        let plan = plan_of(&store, CITIZEN_VITALS_SQL, ("c1", 0_i64));
        assert!(
            plan.iter().any(|step| step
                == "SEARCH readings USING INDEX readings_by_citizen_parameter_time \
                    (citizen_id=? AND parameter=? AND effective_at>?)"),
            "{plan:?}"
        );
    }
}
