//! Persons the MAS function serves without enrolment (added here, or read from the backend's
//! tagged Patients), and the links that tie unknown callers' calls to citizens.

use crate::outbox::enqueue_outbox_tx;
use crate::users::ensure_user_tx;
use crate::{Actor, Result, Store, StoreError, audit};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use vagt_core::call::CallRecord;
use vagt_core::outbound::{Outbound, PersonRecord};
use vagt_core::person::{CallLink, NewPerson};
use vagt_core::{CitizenId, Timestamp};

/// What adding a person did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PersonAdded {
    pub citizen_id: CitizenId,
    /// The CPR number was already a citizen here (enrolled, or added before): nothing new was
    /// made, and the dispatch or visit goes to that citizen.
    pub existing: bool,
}

/// What a pulled link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkApplied {
    New,
    Known,
}

/// Sets the call's citizen from its earliest link, when the call is an unknown caller's and
/// is here (a link may arrive before its call). Returns the citizen it now names.
pub(crate) fn follow_links_tx(tx: &Connection, call_key: &str) -> Result<Option<String>> {
    let winner: Option<String> = tx
        .prepare_cached(
            "SELECT citizen_id FROM call_links WHERE call_key = ?1
             ORDER BY linked_at, key LIMIT 1",
        )?
        .query_row([call_key], |r| r.get(0))
        .optional()?;
    let Some(citizen) = winner else {
        return Ok(None);
    };
    tx.prepare_cached(
        "UPDATE calls SET citizen_id = ?2
         WHERE key = ?1 AND json_extract(record, '$.citizen_id') IS NULL
           AND citizen_id IS NOT ?2",
    )?
    .execute((call_key, &citizen))?;
    Ok(Some(citizen))
}

fn insert_link_tx(tx: &Connection, link: &CallLink, received_at: Timestamp) -> Result<bool> {
    let inserted = tx
        .prepare_cached(
            "INSERT INTO call_links (key, call_key, citizen_id, linked_by, linked_at, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (key) DO NOTHING",
        )?
        .execute((
            &link.key,
            &link.call_key,
            link.citizen_id.as_str(),
            &link.linked_by,
            link.linked_at.millis(),
            received_at.millis(),
        ))?;
    Ok(inserted == 1)
}

/// Keeps a link made at another station (or this one, read back) and applies it to its call.
/// A citizen this store does not know is an error for the caller to keep for a human.
pub(crate) fn apply_remote_call_link_tx(
    tx: &Connection,
    link: &CallLink,
    received_at: Timestamp,
) -> Result<LinkApplied> {
    crate::citizen_rows::require_citizen(tx, link.citizen_id.as_str())?;
    if !insert_link_tx(tx, link, received_at)? {
        return Ok(LinkApplied::Known);
    }
    follow_links_tx(tx, &link.call_key)?;
    audit::append_tx(
        tx,
        &Actor::system(),
        "call.link_received",
        Some(("citizen", link.citizen_id.as_str())),
        Some(&serde_json::json!({ "call": link.call_key })),
        received_at,
    )?;
    Ok(LinkApplied::New)
}

/// The links of these calls, each call's earliest first (the one its citizen follows).
pub(crate) fn links_of(conn: &rusqlite::Connection, call_key: &str) -> Result<Vec<CallLink>> {
    let mut stmt = conn.prepare_cached(
        "SELECT key, citizen_id, linked_by, linked_at FROM call_links WHERE call_key = ?1
         ORDER BY linked_at, key",
    )?;
    let rows = stmt.query_map([call_key], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    rows.map(|row| {
        let (key, citizen, linked_by, linked_at) = row?;
        Ok(CallLink {
            key,
            call_key: call_key.to_owned(),
            citizen_id: CitizenId::new(citizen)
                .map_err(|e| StoreError::Corrupt(format!("call link citizen: {e}")))?,
            linked_by,
            linked_at: Timestamp::from_millis(linked_at),
        })
    })
    .collect()
}

/// An unknown caller's call as read: with the link it follows, when it has one.
pub(crate) fn with_link(conn: &rusqlite::Connection, mut call: CallRecord) -> Result<CallRecord> {
    call.linked = None;
    if call.citizen_id.is_none()
        && let Some(first) = links_of(conn, &call.key)?.into_iter().next()
    {
        call.citizen_id = Some(first.citizen_id.clone());
        call.linked = Some(first);
    }
    Ok(call)
}

impl Store {
    /// Adds a person the MAS function serves who is not enrolled, known by CPR, name and
    /// address, so a dispatch and a visit can be made for them; queued for the backend (as a
    /// Patient) and audited. A CPR number that is already a citizen here adds nothing.
    pub fn add_person(
        &mut self,
        actor: &Actor,
        person: &NewPerson,
        now: Timestamp,
    ) -> Result<PersonAdded> {
        let problems = person.problems();
        let Some(citizen_id) = person.citizen_id().filter(|_| problems.is_empty()) else {
            return Err(StoreError::InvalidPerson(problems));
        };
        let person = person.normalised();
        let tx = self.conn.transaction()?;
        ensure_user_tx(&tx, actor, now)?;
        let existing = crate::citizen_rows::citizen_exists(&tx, citizen_id.as_str())?;
        if !existing {
            tx.prepare_cached(
                "INSERT INTO citizens (id, name, phone, address, created_at, updated_at, mas_only)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, 1)",
            )?
            .execute((
                citizen_id.as_str(),
                &person.name,
                &person.phone,
                &person.address,
                now.millis(),
            ))?;
            let record = PersonRecord {
                citizen_id: citizen_id.clone(),
                person,
                added_by: actor.0.clone(),
                added_at: now,
            };
            enqueue_outbox_tx(&tx, &Outbound::Person(record), now)?;
        }
        audit::append_tx(
            &tx,
            actor,
            if existing {
                "person.add_known"
            } else {
                "person.add"
            },
            Some(("citizen", citizen_id.as_str())),
            None,
            now,
        )?;
        tx.commit()?;
        Ok(PersonAdded {
            citizen_id,
            existing,
        })
    }

    /// Marks where the backend keeps a person added here, once pushed: their records then
    /// name that Patient.
    pub fn set_citizen_source(
        &mut self,
        citizen: &CitizenId,
        source_id: &str,
        source_version: &str,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE citizens SET source_id = ?2, source_version = ?3
                 WHERE id = ?1 AND source_id IS NULL",
            )?
            .execute((citizen.as_str(), source_id, source_version))?;
        Ok(())
    }

    /// Ties an unknown caller's call (its key, or a unique prefix) to a citizen: the call then
    /// shows on the citizen's page, and a call-back it promised becomes theirs. Queued for the
    /// backend and audited. A call that already names a citizen is refused.
    pub fn link_call(
        &mut self,
        actor: &Actor,
        call_key: &str,
        citizen: &CitizenId,
        now: Timestamp,
    ) -> Result<CallLink> {
        let call = self.call(actor, call_key)?;
        if let Some(linked) = &call.citizen_id {
            return Err(StoreError::CallAlreadyLinked {
                call: call.key,
                citizen: linked.to_string(),
            });
        }
        crate::citizen_rows::require_citizen(&self.conn, citizen.as_str())?;
        let link = CallLink {
            key: format!("urn:uuid:{}", crate::key::random_uuid()?),
            call_key: call.key.clone(),
            citizen_id: citizen.clone(),
            linked_by: actor.0.clone(),
            linked_at: now,
        };
        let tx = self.conn.transaction()?;
        ensure_user_tx(&tx, actor, now)?;
        insert_link_tx(&tx, &link, now)?;
        follow_links_tx(&tx, &link.call_key)?;
        enqueue_outbox_tx(&tx, &Outbound::CallLink(link.clone()), now)?;
        audit::append_tx(
            &tx,
            actor,
            "call.link",
            Some(("citizen", citizen.as_str())),
            Some(&serde_json::json!({ "call": link.call_key })),
            now,
        )?;
        tx.commit()?;
        Ok(link)
    }

    /// Unknown callers' calls not yet linked to a citizen, newest first, since an instant.
    /// Audited.
    pub fn unlinked_calls(
        &mut self,
        actor: &Actor,
        since: Option<Timestamp>,
    ) -> Result<Vec<CallRecord>> {
        let rows: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT record FROM calls WHERE citizen_id IS NULL AND started_at >= ?1
                 ORDER BY started_at DESC, key DESC",
            )?
            .query_map([since.map_or(i64::MIN, Timestamp::millis)], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        self.audit(actor, "calls.read_unlinked", None, None)?;
        crate::calls::calls_of(&self.conn, rows)
    }

    /// Whether the citizen is a person the MAS function serves without enrolment.
    pub fn is_mas_only(&self, citizen: &CitizenId) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT mas_only FROM citizens WHERE id = ?1")?
            .query_row([citizen.as_str()], |r| r.get::<_, i64>(0))
            .optional()?
            == Some(1))
    }
}
