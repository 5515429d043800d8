//! The whole worklist's latest readings, one packed row per citizen (`latest_packs` in
//! schema.sql): triggers on `latest_readings` list the citizens whose pack went stale, and the
//! next whole read packs those again before it reads.

use super::{CitizenSummary, LatestReading, text};
use crate::{Result, Store, StoreError};
use vagt_core::{Parameter, Timestamp};

/// Every citizen's latest readings, one packed row each (the whole list: 10,000 rows, not
/// 70,000, which SQLite alone took 15 ms to step through on this machine).
pub(super) const LATEST_PACKS_SQL: &str =
    "SELECT citizen_id, pack FROM latest_packs ORDER BY citizen_id";

/// The latest readings of the citizens whose packs are stale; a citizen with none left comes
/// once with NULLs.
const STALE_LATEST_SQL: &str = "SELECT s.citizen_id, l.parameter, l.value, l.effective_at
     FROM latest_packs_stale s
     LEFT JOIN latest_readings l ON l.citizen_id = s.citizen_id
     ORDER BY s.citizen_id";

/// One latest reading in a pack: the parameter's number in [`Parameter::ALL`], the value and
/// the instant in milliseconds, little-endian.
const PACKED_READING_BYTES: usize = 1 + 8 + 8;

impl Store {
    /// Packs again the latest readings of every citizen whose pack is stale, in one
    /// transaction: after a sync a few, after a first load every citizen once.
    pub(super) fn refresh_latest_packs(&mut self) -> Result<()> {
        let any_stale: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM latest_packs_stale)",
            [],
            |r| r.get(0),
        )?;
        if !any_stale {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        let mut packs: Vec<(String, Vec<u8>)> = Vec::new();
        {
            let mut stmt = tx.prepare_cached(STALE_LATEST_SQL)?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let citizen = text(r.get_ref(0)?)?;
                if packs.last().is_none_or(|(last, _)| last != citizen) {
                    packs.push((citizen.to_owned(), Vec::new()));
                }
                let Some((_, pack)) = packs.last_mut() else {
                    continue;
                };
                if let Some(code) = r.get_ref(1)?.as_str_or_null().map_err(|e| {
                    StoreError::Corrupt(format!("a latest reading's parameter: {e}"))
                })? {
                    let parameter: Parameter = code
                        .parse()
                        .map_err(|_| StoreError::Corrupt(format!("parameter {code:?}")))?;
                    pack_latest(pack, parameter, r.get(2)?, r.get(3)?)?;
                }
            }
        }
        for (citizen, pack) in &packs {
            if pack.is_empty() {
                tx.prepare_cached("DELETE FROM latest_packs WHERE citizen_id = ?1")?
                    .execute([citizen])?;
            } else {
                tx.prepare_cached(
                    "INSERT INTO latest_packs (citizen_id, pack) VALUES (?1, ?2)
                     ON CONFLICT (citizen_id) DO UPDATE SET pack = excluded.pack",
                )?
                .execute((citizen, pack))?;
            }
        }
        tx.execute("DELETE FROM latest_packs_stale", [])?;
        tx.commit()?;
        Ok(())
    }
}

/// Adds one latest reading to a citizen's pack. The parameter is stored as its place in
/// [`Parameter::ALL`], which is therefore append-only (`pack_numbers_are_pinned`).
fn pack_latest(
    pack: &mut Vec<u8>,
    parameter: Parameter,
    value: f64,
    effective_at: i64,
) -> Result<()> {
    let number = Parameter::ALL
        .iter()
        .position(|p| *p == parameter)
        .and_then(|n| u8::try_from(n).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("no pack number for {parameter:?}")))?;
    pack.push(number);
    pack.extend_from_slice(&value.to_le_bytes());
    pack.extend_from_slice(&effective_at.to_le_bytes());
    Ok(())
}

/// A citizen's pack of latest readings into their summary.
pub(super) fn unpack_latest(pack: &[u8], c: &mut CitizenSummary) -> Result<()> {
    let corrupt = || StoreError::Corrupt(format!("a pack of {} bytes", pack.len()));
    if !pack.len().is_multiple_of(PACKED_READING_BYTES) {
        return Err(corrupt());
    }
    for entry in pack.chunks_exact(PACKED_READING_BYTES) {
        let parameter = *Parameter::ALL
            .get(usize::from(entry[0]))
            .ok_or_else(corrupt)?;
        let value = f64::from_le_bytes(entry[1..9].try_into().map_err(|_| corrupt())?);
        let effective_at = Timestamp::from_millis(i64::from_le_bytes(
            entry[9..17].try_into().map_err(|_| corrupt())?,
        ));
        c.latest.insert(
            parameter,
            LatestReading {
                value,
                unit: parameter.canonical_unit(),
                effective_at,
            },
        );
        c.last_reading_at = c.last_reading_at.max(Some(effective_at));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query_plan::{empty_store, plan_of};
    use std::collections::BTreeMap;
    use vagt_core::CitizenId;

    /// The whole list reads every citizen's pack in id order, never sorted; packing them again
    /// looks up only the stale citizens' latest readings, by key.
    #[test]
    fn packs_are_read_in_order_and_packed_again_by_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = empty_store(&dir);
        let plan = crate::query_plan::outer_plan_of(&store, LATEST_PACKS_SQL, []);
        assert_eq!(plan, ["SCAN latest_packs"]);
        let plan = plan_of(&store, STALE_LATEST_SQL, []);
        assert_eq!(
            plan,
            [
                "SCAN s",
                "SEARCH l USING PRIMARY KEY (citizen_id=?) LEFT-JOIN"
            ]
        );
    }

    /// The numbering the packs were first stored with (schema 12).
    const PACKED_PARAMETERS: [&str; 13] = [
        "spo2",
        "pulse",
        "fev1",
        "fvc",
        "temperature",
        "weight",
        "systolic_bp",
        "diastolic_bp",
        "respiratory_rate",
        "blood_glucose",
        "crp",
        "cat_score",
        "symptom_score",
    ];

    fn citizens_row(id: &str) -> CitizenSummary {
        CitizenSummary {
            id: CitizenId::new(id).expect("id"),
            name: String::new(),
            birth_date: None,
            diagnoses: Vec::new(),
            phone: None,
            address: None,
            last_reading_at: None,
            latest: BTreeMap::new(),
            suggested_level: None,
            confirmed_level: None,
            open_alarms: 0,
            top_alarm_priority: None,
            news2: None,
            open_dispatch: None,
            mas_only: false,
        }
    }

    /// Stored packs name each parameter by its place in `Parameter::ALL`: moving one would
    /// make every pack on every station say another parameter. Append new ones at the end.
    #[test]
    fn pack_numbers_are_pinned() {
        let codes: Vec<&str> = Parameter::ALL.iter().map(|p| p.code()).collect();
        assert_eq!(codes, PACKED_PARAMETERS);
        let mut summary = citizens_row("c1");
        let mut pack = Vec::new();
        pack_latest(&mut pack, Parameter::Pulse, 71.5, 1_700_000_000_000).expect("packed");
        assert_eq!(pack.len(), PACKED_READING_BYTES);
        unpack_latest(&pack, &mut summary).expect("unpacked");
        assert_eq!(summary.latest[&Parameter::Pulse].value, 71.5);
        assert!(
            unpack_latest(&pack[..5], &mut summary).is_err(),
            "a cut pack"
        );
    }
}
