//! What nurses add to the handover, as records every station gets: a nurse's own judgement of
//! a citizen's illness severity for a shift, her "if ... then ..." contingency note, and the
//! receiving nurse's sign-off (I-PASS's synthesis by the receiver). Pure: which note applies,
//! and what the receiver did not sign for.
//!
//! # The rules
//! * A nurse's severity holds for the handover of the shift she set it in (the same start and
//!   end), the newest one winning; she may also withdraw it (back to the rule). The next
//!   shift judges anew from the rule.
//! * A contingency note stands until a newer one replaces or clears it: "if the saturation
//!   falls below 88 %, send MAS" is true tomorrow too.
//! * A sign-off names the citizens the handover presented and those the receiver signed as
//!   read (none, when it presented none: a quiet shift is received too). A shift may be
//!   signed in several goes, by several nurses; a citizen is signed for once any sign-off of
//!   the shift names them. What was presented and not signed for is shown to the next shift.

use super::IllnessSeverity;
use crate::citizen::CitizenId;
use crate::time_util::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The longest contingency note (a few lines; a call's text allows 4,000).
pub const MAX_CONTINGENCY_CHARS: usize = 1_000;

/// A shift, or any span a handover is made for: from its start to its end (exclusive).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
pub struct ShiftSpan {
    pub from: Timestamp,
    pub to: Timestamp,
}

/// What a nurse does to a citizen's contingency note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "action", content = "text", rename_all = "snake_case")]
pub enum Contingency {
    /// "If ... then ...": replaces the note standing before.
    Write(String),
    /// The situation is over: no note stands any more.
    Clear,
}

/// A nurse's own severity of a citizen for a shift, or its withdrawal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "action", content = "severity", rename_all = "snake_case")]
pub enum Judgement {
    /// Hers, over the rule's.
    Set(IllnessSeverity),
    /// Withdrawn: the rule's applies again.
    Rule,
}

/// A nurse's word on a citizen in the handover of a shift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct HandoverNote {
    /// Stable across stations (a `urn:uuid:`).
    pub key: String,
    pub citizen_id: CitizenId,
    pub shift: ShiftSpan,
    /// Her judgement for this shift's handover (over the rule's), or its withdrawal.
    #[serde(default, deserialize_with = "judgement_or_severity")]
    pub severity: Option<Judgement>,
    pub contingency: Option<Contingency>,
    pub written_by: String,
    pub written_at: Timestamp,
}

/// A judgement as kept, or a bare severity as the first notes of schema 10 kept it (stores
/// and outboxes may hold those).
fn judgement_or_severity<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Judgement>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Kept {
        Judged(Judgement),
        Bare(IllnessSeverity),
    }
    Ok(
        Option::<Kept>::deserialize(deserializer)?.map(|kept| match kept {
            Kept::Judged(judgement) => judgement,
            Kept::Bare(severity) => Judgement::Set(severity),
        }),
    )
}

/// The receiving nurse's signature on a shift's handover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct HandoverSignoff {
    /// Stable across stations (a `urn:uuid:`).
    pub key: String,
    pub shift: ShiftSpan,
    /// The citizens the handover presented when she signed, in its order.
    pub presented: Vec<CitizenId>,
    /// Those she signed as read (among the presented).
    pub signed: Vec<CitizenId>,
    pub signed_by: String,
    pub signed_at: Timestamp,
}

/// Why a note or a sign-off cannot be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum HandoverProblem {
    /// The shift ends before it begins.
    #[error("the shift must end after it begins")]
    BadShift,
    /// Notes and sign-offs are for shifts that have begun.
    #[error("the shift has not begun")]
    ShiftInFuture,
    /// A note with neither a severity nor a contingency.
    #[error("the note says nothing")]
    EmptyNote,
    /// A contingency note written empty (clearing is its own action).
    #[error("the contingency note is empty")]
    EmptyContingency,
    #[error("the contingency note is longer than {MAX_CONTINGENCY_CHARS} characters")]
    ContingencyTooLong,
    /// A sign-off that signs for nobody of a handover that presented someone.
    #[error("the sign-off signs for no citizen")]
    NothingSigned,
    /// A sign-off that signs for a citizen the handover did not present.
    #[error("a citizen signed for was not in the handover")]
    NotPresented,
}

impl HandoverProblem {
    pub const fn code(self) -> &'static str {
        match self {
            HandoverProblem::BadShift => "bad_shift",
            HandoverProblem::ShiftInFuture => "shift_in_future",
            HandoverProblem::EmptyNote => "empty_note",
            HandoverProblem::EmptyContingency => "empty_contingency",
            HandoverProblem::ContingencyTooLong => "contingency_too_long",
            HandoverProblem::NothingSigned => "nothing_signed",
            HandoverProblem::NotPresented => "not_presented",
        }
    }
}

impl ShiftSpan {
    pub fn check(self) -> Result<ShiftSpan, HandoverProblem> {
        if self.to <= self.from {
            return Err(HandoverProblem::BadShift);
        }
        Ok(self)
    }

    /// [`ShiftSpan::check`], and the shift has begun by `now`.
    pub fn check_begun(self, now: Timestamp) -> Result<ShiftSpan, HandoverProblem> {
        if self.from > now {
            return Err(HandoverProblem::ShiftInFuture);
        }
        self.check()
    }

    pub fn contains(self, at: Timestamp) -> bool {
        self.from <= at && at < self.to
    }
}

impl HandoverNote {
    /// The note as kept (its text trimmed), or why it cannot be; `now` is when it was made or
    /// received.
    pub fn checked(mut self, now: Timestamp) -> Result<HandoverNote, HandoverProblem> {
        self.shift.check_begun(now)?;
        if let Some(Contingency::Write(text)) = &mut self.contingency {
            *text = text.trim().to_owned();
            if text.is_empty() {
                return Err(HandoverProblem::EmptyContingency);
            }
            if text.chars().count() > MAX_CONTINGENCY_CHARS {
                return Err(HandoverProblem::ContingencyTooLong);
            }
        }
        if self.severity.is_none() && self.contingency.is_none() {
            return Err(HandoverProblem::EmptyNote);
        }
        Ok(self)
    }

    fn order(&self) -> (Timestamp, &str) {
        (self.written_at, &self.key)
    }
}

impl HandoverSignoff {
    /// The sign-off as kept (each citizen once), or why it cannot be; `now` is when it was
    /// made or received.
    pub fn checked(mut self, now: Timestamp) -> Result<HandoverSignoff, HandoverProblem> {
        self.shift.check_begun(now)?;
        let mut seen = BTreeSet::new();
        self.signed.retain(|c| seen.insert(c.clone()));
        if self.signed.is_empty() && !self.presented.is_empty() {
            return Err(HandoverProblem::NothingSigned);
        }
        if self.signed.iter().any(|c| !self.presented.contains(c)) {
            return Err(HandoverProblem::NotPresented);
        }
        Ok(self)
    }
}

/// The nurse's severity that holds for a citizen in the handover of `shift`, with its note:
/// the newest note of that very shift that judges (written time, then key, so every station
/// picks alike), unless it withdrew the judgement.
pub fn nurse_severity<'a>(
    notes: impl IntoIterator<Item = &'a HandoverNote>,
    shift: ShiftSpan,
) -> Option<(&'a HandoverNote, IllnessSeverity)> {
    let newest = notes
        .into_iter()
        .filter(|n| n.shift == shift && n.severity.is_some())
        .max_by(|a, b| a.order().cmp(&b.order()))?;
    match newest.severity {
        Some(Judgement::Set(severity)) => Some((newest, severity)),
        _ => None,
    }
}

/// The contingency note that stands at the end of `shift`: the newest written before it ended
/// or for it (in the next shift's first hour), unless that one cleared it.
pub fn standing_contingency<'a>(
    notes: impl IntoIterator<Item = &'a HandoverNote>,
    shift: ShiftSpan,
) -> Option<(&'a HandoverNote, &'a str)> {
    let newest = notes
        .into_iter()
        .filter(|n| n.contingency.is_some() && (n.written_at < shift.to || n.shift == shift))
        .max_by(|a, b| a.order().cmp(&b.order()))?;
    match &newest.contingency {
        Some(Contingency::Write(text)) => Some((newest, text.as_str())),
        _ => None,
    }
}

/// Who signed for a citizen, and when (the first to).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Signature {
    pub by: String,
    pub at: Timestamp,
}

/// What the sign-offs of one shift add up to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignoffState {
    /// Every citizen any sign-off presented.
    pub presented: BTreeSet<CitizenId>,
    /// Each citizen signed for, with the earliest signature.
    pub signed: BTreeMap<CitizenId, Signature>,
    pub signers: BTreeSet<String>,
}

impl SignoffState {
    /// The state of the sign-offs of `shift` (others are passed over).
    pub fn of<'a>(
        signoffs: impl IntoIterator<Item = &'a HandoverSignoff>,
        shift: ShiftSpan,
    ) -> SignoffState {
        Self::of_those(signoffs, |s| s == shift)
    }

    /// The state of the sign-offs of every span that ended at `end` (the clinic's shift, or a
    /// span a nurse chose): what the handover that ended then left behind.
    pub fn ending_at<'a>(
        signoffs: impl IntoIterator<Item = &'a HandoverSignoff>,
        end: Timestamp,
    ) -> SignoffState {
        Self::of_those(signoffs, |s| s.to == end)
    }

    fn of_those<'a>(
        signoffs: impl IntoIterator<Item = &'a HandoverSignoff>,
        wanted: impl Fn(ShiftSpan) -> bool,
    ) -> SignoffState {
        let mut mine: Vec<&HandoverSignoff> =
            signoffs.into_iter().filter(|s| wanted(s.shift)).collect();
        mine.sort_by(|a, b| (a.signed_at, &a.key).cmp(&(b.signed_at, &b.key)));
        let mut state = SignoffState::default();
        for signoff in mine {
            state.presented.extend(signoff.presented.iter().cloned());
            state.signers.insert(signoff.signed_by.clone());
            for citizen in &signoff.signed {
                state.signed.entry(citizen.clone()).or_insert(Signature {
                    by: signoff.signed_by.clone(),
                    at: signoff.signed_at,
                });
            }
        }
        state
    }

    /// Whether anyone signed the shift's handover at all.
    pub fn any(&self) -> bool {
        !self.signers.is_empty()
    }

    /// The citizens presented and not signed for: shown to the next shift.
    pub fn unsigned(&self) -> impl Iterator<Item = &CitizenId> {
        self.presented
            .iter()
            .filter(|c| !self.signed.contains_key(*c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp::from_millis(1_000);

    fn id(s: &str) -> CitizenId {
        CitizenId::new(s).expect("id")
    }

    fn shift(from: i64, to: i64) -> ShiftSpan {
        ShiftSpan {
            from: Timestamp::from_millis(from),
            to: Timestamp::from_millis(to),
        }
    }

    fn judged(n: &HandoverNote, s: IllnessSeverity) -> Option<(&HandoverNote, IllnessSeverity)> {
        Some((n, s))
    }

    fn note(key: &str, on: ShiftSpan, at: i64) -> HandoverNote {
        HandoverNote {
            key: key.into(),
            citizen_id: id("c1"),
            shift: on,
            severity: None,
            contingency: None,
            written_by: "sygeplejerske".into(),
            written_at: Timestamp::from_millis(at),
        }
    }

    #[test]
    fn a_note_must_say_something_within_bounds() {
        let night = shift(0, 100);
        assert_eq!(
            note("a", night, 1).checked(NOW),
            Err(HandoverProblem::EmptyNote)
        );
        let mut blank = note("a", night, 1);
        blank.contingency = Some(Contingency::Write("   ".into()));
        assert_eq!(blank.checked(NOW), Err(HandoverProblem::EmptyContingency));
        let mut long = note("a", night, 1);
        long.contingency = Some(Contingency::Write("x".repeat(MAX_CONTINGENCY_CHARS + 1)));
        assert_eq!(long.checked(NOW), Err(HandoverProblem::ContingencyTooLong));
        let mut backwards = note("a", shift(100, 100), 1);
        backwards.severity = Some(Judgement::Set(IllnessSeverity::Watcher));
        assert_eq!(backwards.checked(NOW), Err(HandoverProblem::BadShift));
        let mut ahead = note("a", shift(NOW.millis() + 1, NOW.millis() + 100), 1);
        ahead.severity = Some(Judgement::Set(IllnessSeverity::Watcher));
        assert_eq!(ahead.checked(NOW), Err(HandoverProblem::ShiftInFuture));
        let mut fine = note("a", night, 1);
        fine.contingency = Some(Contingency::Write("  hvis sat < 88: send MAS ".into()));
        assert_eq!(
            fine.checked(NOW).map(|n| n.contingency),
            Ok(Some(Contingency::Write("hvis sat < 88: send MAS".into())))
        );
    }

    #[test]
    fn a_nurses_severity_holds_for_its_own_shift_only_the_newest_winning() {
        let night = shift(0, 100);
        let day = shift(100, 200);
        let mut first = note("b", night, 10);
        first.severity = Some(Judgement::Set(IllnessSeverity::Unstable));
        let mut second = note("a", night, 20);
        second.severity = Some(Judgement::Set(IllnessSeverity::Watcher));
        let mut written_only = note("c", night, 30);
        written_only.contingency = Some(Contingency::Write("hvis ...".into()));
        let notes = [first.clone(), second.clone(), written_only];
        assert_eq!(
            nurse_severity(&notes, night),
            judged(&second, IllnessSeverity::Watcher)
        );
        assert_eq!(nurse_severity(&notes, day), None);
        // Written at the same instant: the key decides, alike at every station.
        let mut tie = note("z", night, 20);
        tie.severity = Some(Judgement::Set(IllnessSeverity::Stable));
        let notes = [second.clone(), tie.clone(), first.clone()];
        assert_eq!(
            nurse_severity(&notes, night),
            judged(&tie, IllnessSeverity::Stable)
        );
        // Withdrawn: the rule's applies again, until she judges anew.
        let mut withdrawn = note("w", night, 40);
        withdrawn.severity = Some(Judgement::Rule);
        let notes = [first.clone(), second.clone(), withdrawn];
        assert_eq!(nurse_severity(&notes, night), None);
    }

    #[test]
    fn a_note_kept_with_a_bare_severity_reads_as_her_judgement() {
        let mut judged = note("a", shift(0, 100), 1);
        judged.severity = Some(Judgement::Set(IllnessSeverity::Unstable));
        let mut kept = serde_json::to_value(&judged).expect("json");
        assert_eq!(
            kept["severity"],
            serde_json::json!({"action": "set", "severity": "unstable"})
        );
        let read: HandoverNote = serde_json::from_value(kept.clone()).expect("read");
        assert_eq!(read, judged);
        kept["severity"] = serde_json::json!("unstable");
        let read: HandoverNote = serde_json::from_value(kept.clone()).expect("read");
        assert_eq!(read, judged);
        kept["severity"] = serde_json::Value::Null;
        let read: HandoverNote = serde_json::from_value(kept).expect("read");
        assert_eq!(read.severity, None);
    }

    #[test]
    fn a_contingency_stands_until_replaced_or_cleared() {
        let night = shift(0, 100);
        let day = shift(100, 200);
        let mut written = note("a", night, 10);
        written.contingency = Some(Contingency::Write("hvis feber: ring læge".into()));
        let notes = [written.clone()];
        assert_eq!(
            standing_contingency(&notes, day).map(|(_, t)| t),
            Some("hvis feber: ring læge")
        );
        let mut cleared = note("b", day, 150);
        cleared.contingency = Some(Contingency::Clear);
        let notes = [written.clone(), cleared];
        assert_eq!(standing_contingency(&notes, day), None);
        // The night's handover still shows what stood at its end.
        assert_eq!(
            standing_contingency(&notes, night).map(|(n, _)| n),
            Some(&written)
        );
        // Written for the night in the day's first hour: the night's handover shows it.
        let mut late = note("c", night, 110);
        late.contingency = Some(Contingency::Write("hvis dyspnø: send MAS".into()));
        let notes = [written.clone(), late.clone()];
        assert_eq!(
            standing_contingency(&notes, night).map(|(n, _)| n),
            Some(&late)
        );
    }

    #[test]
    fn what_is_not_signed_for_is_what_was_presented_and_never_signed() {
        let night = shift(0, 100);
        let signoff = |key: &str, by: &str, at: i64, signed: &[&str]| HandoverSignoff {
            key: key.into(),
            shift: night,
            presented: vec![id("c1"), id("c2"), id("c3")],
            signed: signed.iter().map(|s| id(s)).collect(),
            signed_by: by.into(),
            signed_at: Timestamp::from_millis(at),
        };
        let state = SignoffState::of(
            &[
                signoff("s2", "b", 120, &["c1", "c2"]),
                signoff("s1", "a", 110, &["c1"]),
            ],
            night,
        );
        assert!(state.any());
        assert_eq!(state.unsigned().collect::<Vec<_>>(), vec![&id("c3")]);
        // The first signature counts.
        assert_eq!(state.signed[&id("c1")].by, "a");
        assert_eq!(state.signed[&id("c2")].by, "b");
        let other = SignoffState::of(&[signoff("s1", "a", 110, &["c1"])], shift(100, 200));
        assert!(!other.any());
        assert_eq!(other.unsigned().count(), 0);
        // Every span that ended then counts: the clinic's shift and one a nurse chose.
        let mut own_span = signoff("s3", "c", 130, &["c3"]);
        own_span.shift = shift(50, 100);
        let both = SignoffState::ending_at(&[signoff("s1", "a", 110, &["c1"]), own_span], night.to);
        assert_eq!(both.unsigned().collect::<Vec<_>>(), vec![&id("c2")]);
    }

    #[test]
    fn a_signoff_signs_for_someone_presented() {
        let night = shift(0, 100);
        let signoff = |signed: Vec<CitizenId>| HandoverSignoff {
            key: "s".into(),
            shift: night,
            presented: vec![id("c1")],
            signed,
            signed_by: "a".into(),
            signed_at: Timestamp::from_millis(1),
        };
        assert_eq!(
            signoff(vec![]).checked(NOW),
            Err(HandoverProblem::NothingSigned)
        );
        assert_eq!(
            signoff(vec![id("c2")]).checked(NOW),
            Err(HandoverProblem::NotPresented)
        );
        // A quiet shift presented nobody, and is received all the same.
        let mut quiet = signoff(vec![]);
        quiet.presented.clear();
        assert!(quiet.checked(NOW).is_ok());
        assert_eq!(
            signoff(vec![id("c1"), id("c1")])
                .checked(NOW)
                .map(|s| s.signed),
            Ok(vec![id("c1")])
        );
    }
}
