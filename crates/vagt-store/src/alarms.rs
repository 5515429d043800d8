//! Alarms as a nurse sees them: listed with their escalation step and her own snooze, and
//! acknowledged by name. An acknowledgement is queued for the backend in the same transaction,
//! so every other station closes the alarm too.

use crate::alarm_rows::{AckOutcome, acknowledge_tx, resolve_alarm_id_tx};
use crate::outbox::enqueue_outbox_tx;
use crate::snoozes::snoozes_of;
use crate::{Actor, Result, Store, StoreError, TriageError, audit};
use rusqlite::{OptionalExtension, Transaction};
use serde::Serialize;
use std::str::FromStr;
use vagt_core::alarm::{
    AlarmAcknowledgement, AlarmCause, AlarmKind, AlarmPriority, AlarmState, EscalationStep,
    ResolvedReason, escalation_due, next_escalation_at, snooze_ends_at,
};
use vagt_core::outbound::Outbound;
use vagt_core::{CitizenId, Timestamp};

/// An alarm as the panel, `vagtctl alarms` and the app show it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct AlarmRow {
    pub id: String,
    pub citizen_id: CitizenId,
    pub citizen_name: String,
    pub kind: AlarmKind,
    pub priority: AlarmPriority,
    pub raised_at: Timestamp,
    /// Codes and values; the UI words it.
    pub cause: AlarmCause,
    pub state: AlarmState,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<Timestamp>,
    pub ack_comment: Option<String>,
    /// When and why it ended by itself, when it did (state `resolved`).
    pub resolved_at: Option<Timestamp>,
    pub resolved_reason: Option<ResolvedReason>,
    /// The escalation step reached at the time of reading (re-notify, louder, all stations);
    /// `null` while none is due.
    pub escalation: Option<EscalationStep>,
    /// When the next step falls due, so a station can read again then.
    pub next_escalation_at: Option<Timestamp>,
    /// Until when the reading nurse's own snooze keeps the alarm quiet for her (a high alarm's
    /// snooze ends at its first escalation); `null` when it is not snoozed by her.
    pub snoozed_until: Option<Timestamp>,
}

/// Which alarms a listing holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlarmFilter<'a> {
    All,
    Open,
    /// Every alarm of one citizen, open and past.
    Citizen(&'a CitizenId),
    /// The open alarms of these citizens.
    OpenOf(&'a [CitizenId]),
}

/// The alarms `filter` selects, in the order nurses see them. A statement per filter, not one
/// with `?1 IS NULL OR ...`: SQLite cannot use an index through that OR, and one citizen's
/// alarms were found by a scan of every alarm of the region.
fn alarms_sql(filter: &AlarmFilter<'_>) -> String {
    let condition = match filter {
        AlarmFilter::All => "1",
        AlarmFilter::Open => "a.state = 'open'",
        AlarmFilter::Citizen(_) => "a.citizen_id = ?1",
        AlarmFilter::OpenOf(_) => {
            "a.state = 'open' AND a.citizen_id IN (SELECT value FROM json_each(?1))"
        }
    };
    format!(
        "SELECT a.id, a.citizen_id, c.name, a.kind, a.priority, a.raised_at,
                a.cause, a.state, a.acknowledged_by, a.acknowledged_at, a.ack_comment,
                a.resolved_at, a.resolved_reason
         FROM alarms a JOIN citizens c ON c.id = a.citizen_id
         WHERE {condition}
         ORDER BY a.state = 'open' DESC,
                  CASE a.priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1 WHEN 'low' THEN 2
                                  ELSE 3 END,
                  a.raised_at DESC, a.id"
    )
}

type RawAlarm = (
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
);

fn typed(raw: RawAlarm) -> Result<AlarmRow> {
    let (
        id,
        citizen,
        name,
        kind,
        priority,
        raised_at,
        cause,
        state,
        by,
        at,
        comment,
        resolved_at,
        resolved_reason,
    ) = raw;
    let corrupt = |what: &str, e: String| StoreError::Corrupt(format!("alarm {what}: {e}"));
    Ok(AlarmRow {
        citizen_id: CitizenId::new(citizen).map_err(|e| corrupt("citizen", e.to_string()))?,
        citizen_name: name,
        kind: AlarmKind::from_str(&kind).map_err(|e| corrupt("kind", e))?,
        priority: AlarmPriority::from_str(&priority).map_err(|e| corrupt("priority", e))?,
        raised_at: Timestamp::from_millis(raised_at),
        cause: serde_json::from_str(&cause).map_err(|e| corrupt("cause", e.to_string()))?,
        state: AlarmState::from_str(&state).map_err(|e| corrupt("state", e))?,
        acknowledged_by: by,
        acknowledged_at: at.map(Timestamp::from_millis),
        ack_comment: comment,
        resolved_at: resolved_at.map(Timestamp::from_millis),
        resolved_reason: resolved_reason
            .map(|r| ResolvedReason::from_str(&r))
            .transpose()
            .map_err(|e| corrupt("resolved reason", e))?,
        escalation: None,
        next_escalation_at: None,
        snoozed_until: None,
        id,
    })
}

impl Store {
    /// Alarms, open first, then highest priority and newest, with their escalation at `now` and
    /// the reading nurse's own snoozes. Reading them is audited.
    pub fn alarms(
        &mut self,
        filter: AlarmFilter<'_>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Vec<AlarmRow>> {
        let policy = self.escalation_policy()?;
        let snoozes = snoozes_of(&self.conn, &actor.0)?;
        let (open_only, citizen, of) = match filter {
            AlarmFilter::All => (false, None, None),
            AlarmFilter::Open => (true, None, None),
            AlarmFilter::Citizen(c) => (false, Some(c.as_str()), None),
            AlarmFilter::OpenOf(ids) => (true, None, Some(ids)),
        };
        let of_json = of
            .map(|ids| {
                serde_json::to_string(ids)
                    .map_err(|e| StoreError::Corrupt(format!("citizen ids: {e}")))
            })
            .transpose()?;
        let params: Vec<&str> = citizen.into_iter().chain(of_json.as_deref()).collect();
        let raw: Vec<RawAlarm> = {
            let mut stmt = self.conn.prepare_cached(&alarms_sql(&filter))?;
            stmt.query_map(rusqlite::params_from_iter(params), |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                    r.get(11)?,
                    r.get(12)?,
                ))
            })?
            .collect::<Result<_, _>>()?
        };
        let mut rows = raw.into_iter().map(typed).collect::<Result<Vec<_>>>()?;
        for row in &mut rows {
            let acknowledged = row.state != AlarmState::Open;
            let priority = row.priority;
            row.escalation = escalation_due(row.raised_at, acknowledged, priority, now, &policy);
            row.next_escalation_at =
                next_escalation_at(row.raised_at, acknowledged, priority, now, &policy);
            row.snoozed_until = snoozes
                .get(&row.id)
                .filter(|_| !acknowledged)
                .map(|until| snooze_ends_at(priority, row.raised_at, *until, &policy))
                .filter(|ends| now < *ends);
        }
        let subject = citizen.map(|c| ("citizen", c));
        let mut detail = serde_json::json!({ "count": rows.len(), "open_only": open_only });
        if let Some(ids) = of {
            detail["citizens"] = ids.len().into();
        }
        self.audit(actor, "alarms.read", subject, Some(&detail))?;
        Ok(rows)
    }

    /// A named nurse acknowledges an alarm, with an optional comment. The acknowledgement is
    /// queued for the backend, so the other stations close the alarm too.
    pub fn acknowledge_alarm(
        &mut self,
        alarm_id: &str,
        actor: &Actor,
        comment: Option<&str>,
        now: Timestamp,
    ) -> Result<AckOutcome> {
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        let tx = self.conn.transaction()?;
        let alarm_id = resolve_alarm_id_tx(&tx, alarm_id)?;
        let outcome = acknowledge_here_tx(&tx, &alarm_id, actor, comment, now)?;
        tx.commit()?;
        Ok(outcome)
    }

    /// A named nurse acknowledges a citizen's episode: the causes she was shown (`alarm_ids`),
    /// each queued for the backend, in one transaction. A cause that came after she looked is
    /// not among them and keeps the episode open. Every id must be the citizen's.
    pub fn acknowledge_episode(
        &mut self,
        citizen_id: &CitizenId,
        alarm_ids: &[String],
        actor: &Actor,
        comment: Option<&str>,
        now: Timestamp,
    ) -> Result<Vec<AckOutcome>> {
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        let tx = self.conn.transaction()?;
        let mut outcomes = Vec::with_capacity(alarm_ids.len());
        for given in alarm_ids {
            let alarm_id = resolve_alarm_id_tx(&tx, given)?;
            let owner: Option<String> = tx
                .prepare_cached("SELECT citizen_id FROM alarms WHERE id = ?1")?
                .query_row([&alarm_id], |r| r.get(0))
                .optional()?;
            if owner.as_deref() != Some(citizen_id.as_str()) {
                return Err(TriageError::UnknownAlarm(given.clone()).into());
            }
            outcomes.push(acknowledge_here_tx(&tx, &alarm_id, actor, comment, now)?);
        }
        tx.commit()?;
        Ok(outcomes)
    }

    /// The open alarms as episodes: one per citizen who needs attention, with the highest
    /// priority among their causes and every cause under it, the most urgent first. Audited as
    /// a read of alarms.
    pub fn alarm_episodes(&mut self, actor: &Actor, now: Timestamp) -> Result<Vec<AlarmEpisode>> {
        let open = self.alarms(AlarmFilter::Open, actor, now)?;
        Ok(episodes_of(open))
    }

    /// The episodes of the next `citizens` citizens (at least one) with an open alarm, in id
    /// order after `after` (from the first when `None`), and where the next page begins when
    /// there is one: the window reads a region's episodes this way (thousands, 7 MB as one
    /// answer) and sorts them itself. A change between two pages is read after, as for the
    /// worklist's pages ([`Store::citizen_summaries_page_at`]).
    pub fn alarm_episodes_page(
        &mut self,
        actor: &Actor,
        after: Option<&str>,
        citizens: usize,
        now: Timestamp,
    ) -> Result<EpisodePage> {
        let limit = citizens.max(1);
        // One citizen more than the page: whether there is a next page, without asking for it.
        let asked = i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX);
        let mut ids: Vec<String> = self
            .conn
            .prepare_cached(EPISODE_CITIZENS_SQL)?
            .query_map(rusqlite::params![after.unwrap_or(""), asked], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let more = ids.len() > limit;
        ids.truncate(limit);
        let next = ids.last().filter(|_| more).cloned();
        let ids = ids
            .into_iter()
            .map(|id| {
                CitizenId::new(id).map_err(|e| StoreError::Corrupt(format!("citizen id: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        let episodes = if ids.is_empty() {
            Vec::new()
        } else {
            episodes_of(self.alarms(AlarmFilter::OpenOf(&ids), actor, now)?)
        };
        Ok(EpisodePage { episodes, next })
    }

    /// The episodes of `citizens` only, as [`Store::alarm_episodes`] has them (a citizen with no
    /// open alarm has none), most urgent first: what a window reads again when only their
    /// episodes can have changed, such as at an escalation step, instead of every episode of a
    /// region.
    pub fn alarm_episodes_of(
        &mut self,
        actor: &Actor,
        citizens: &[CitizenId],
        now: Timestamp,
    ) -> Result<Vec<AlarmEpisode>> {
        let open = self.alarms(AlarmFilter::OpenOf(citizens), actor, now)?;
        Ok(episodes_of(open))
    }

    /// The citizen an alarm is about.
    pub fn alarm_citizen(&self, alarm_id: &str) -> Result<Option<CitizenId>> {
        let citizen: Option<String> = self
            .conn
            .prepare_cached("SELECT citizen_id FROM alarms WHERE id = ?1")?
            .query_row([alarm_id], |r| r.get(0))
            .optional()?;
        Ok(citizen.and_then(|c| CitizenId::new(c).ok()))
    }
}

/// Acknowledges one alarm by a nurse at this station and, when that changed it, queues the
/// acknowledgement and audits it.
pub(crate) fn acknowledge_here_tx(
    tx: &Transaction<'_>,
    alarm_id: &str,
    actor: &Actor,
    comment: Option<&str>,
    now: Timestamp,
) -> Result<AckOutcome> {
    let outcome = acknowledge_tx(tx, alarm_id, &actor.0, comment, now, false)?;
    if matches!(outcome, AckOutcome::Acknowledged { .. }) {
        let citizen: String = tx.query_row(
            "SELECT citizen_id FROM alarms WHERE id = ?1",
            [alarm_id],
            |r| r.get(0),
        )?;
        let citizen_id = CitizenId::new(citizen)
            .map_err(|e| StoreError::Corrupt(format!("alarm citizen: {e}")))?;
        let record = Outbound::AlarmAck {
            citizen_id,
            ack: AlarmAcknowledgement {
                alarm_id: alarm_id.to_owned(),
                nurse: actor.0.clone(),
                at: now,
                comment: comment.map(str::to_owned),
            },
        };
        enqueue_outbox_tx(tx, &record, now)?;
        audit::append_tx(
            tx,
            actor,
            "alarm.acknowledge",
            Some(("alarm", alarm_id)),
            None,
            now,
        )?;
    }
    Ok(outcome)
}

/// The citizens with an open alarm after ?1, in id order, ?2 of them: from the open alarms'
/// index by citizen, never a scan of every alarm.
const EPISODE_CITIZENS_SQL: &str = "SELECT DISTINCT citizen_id FROM alarms
     WHERE state = 'open' AND citizen_id > ?1
     ORDER BY citizen_id LIMIT ?2";

/// A page of the episodes: those of the page's citizens, most urgent first within the page (the
/// pages together are sorted by the reader).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct EpisodePage {
    pub episodes: Vec<AlarmEpisode>,
    /// The page after this one begins after this citizen id; `null` when this is the last.
    pub next: Option<String>,
}

/// One citizen who needs attention: their open alarms under one row.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct AlarmEpisode {
    pub citizen_id: CitizenId,
    pub citizen_name: String,
    /// The highest priority among the causes.
    pub priority: AlarmPriority,
    /// The newest cause's time.
    pub raised_at: Timestamp,
    /// The furthest escalation step among the causes, if any is due.
    pub escalation: Option<EscalationStep>,
    /// The soonest next step among the causes.
    pub next_escalation_at: Option<Timestamp>,
    /// Until when the reading nurse's snoozes keep every cause quiet for her; `null` unless
    /// all are snoozed.
    pub snoozed_until: Option<Timestamp>,
    /// Every open cause, most urgent first; acknowledging the episode acknowledges these.
    pub causes: Vec<AlarmRow>,
}

/// Groups open alarms (as [`Store::alarms`] orders them) by citizen, most urgent first: by
/// priority, then escalation step, then the newest cause.
pub fn episodes_of(open: Vec<AlarmRow>) -> Vec<AlarmEpisode> {
    let mut by_citizen: Vec<AlarmEpisode> = Vec::new();
    let mut index: std::collections::HashMap<CitizenId, usize> = std::collections::HashMap::new();
    for row in open.into_iter().filter(|r| r.state == AlarmState::Open) {
        match index.get(&row.citizen_id) {
            Some(&i) => by_citizen[i].causes.push(row),
            None => {
                index.insert(row.citizen_id.clone(), by_citizen.len());
                by_citizen.push(AlarmEpisode {
                    citizen_id: row.citizen_id.clone(),
                    citizen_name: row.citizen_name.clone(),
                    priority: row.priority,
                    raised_at: row.raised_at,
                    escalation: None,
                    next_escalation_at: None,
                    snoozed_until: None,
                    causes: vec![row],
                });
            }
        }
    }
    for episode in &mut by_citizen {
        let causes = &episode.causes;
        episode.priority = causes
            .iter()
            .map(|c| c.priority)
            .max()
            .unwrap_or(episode.priority);
        episode.raised_at = causes
            .iter()
            .map(|c| c.raised_at)
            .max()
            .unwrap_or(episode.raised_at);
        episode.escalation = causes
            .iter()
            .filter_map(|c| c.escalation.map(|e| (c.priority, e)))
            .max_by_key(|(priority, e)| (*priority, e.step))
            .map(|(_, e)| e);
        episode.next_escalation_at = causes.iter().filter_map(|c| c.next_escalation_at).min();
        episode.snoozed_until = if causes.iter().all(|c| c.snoozed_until.is_some()) {
            causes.iter().filter_map(|c| c.snoozed_until).min()
        } else {
            None
        };
    }
    by_citizen.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then_with(|| {
                let step = |e: &AlarmEpisode| e.escalation.as_ref().map_or(0, |s| s.step);
                step(b).cmp(&step(a))
            })
            .then(b.raised_at.cmp(&a.raised_at))
            .then_with(|| a.citizen_id.cmp(&b.citizen_id))
    });
    by_citizen
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A citizen's page reads their alarms by index however many alarms the region has; the
    /// open alarms by their partial index.
    #[test]
    fn alarms_are_found_by_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = crate::query_plan::empty_store(&dir);
        let id = CitizenId::new("c1").expect("id");
        let ids = [id.clone()];
        for (filter, param, index) in [
            (AlarmFilter::Citizen(&id), Some("c1"), "alarms_by_citizen"),
            (AlarmFilter::Open, None, "alarms_open"),
            // A few citizens' open alarms (a window's wake): by citizen, not a scan of all open.
            (
                AlarmFilter::OpenOf(&ids),
                Some(r#"["c1"]"#),
                "alarms_by_citizen",
            ),
        ] {
            let plan = crate::query_plan::plan_of(
                &store,
                &alarms_sql(&filter),
                rusqlite::params_from_iter(param),
            );
            assert!(
                plan.iter()
                    .any(
                        |step| step.starts_with("SEARCH a USING INDEX") && step.contains(index)
                            || step.starts_with("SCAN a USING INDEX") && step.contains(index)
                    ),
                "{filter:?}: {plan:?}"
            );
        }
        // A page of episodes finds its citizens from the open alarms' index by citizen,
        // starting where the page begins, in its order: no sort, no scan of every alarm.
        let plan =
            crate::query_plan::plan_of(&store, EPISODE_CITIZENS_SQL, rusqlite::params!["c1", 500]);
        assert_eq!(
            plan,
            ["SEARCH alarms USING COVERING INDEX alarms_open_by_citizen (citizen_id>?)"]
        );
    }
}
