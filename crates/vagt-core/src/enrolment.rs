//! A citizen's enrolment in the clinic's monitoring, as the backend records it (FHIR
//! EpisodeOfCare), and when monitoring counts from: a measurement schedule starts at the
//! enrolment, so a citizen who never measures is still missed.

use crate::citizen::CitizenId;
use crate::reading::SourceRef;
use crate::time_util::Timestamp;
use serde::{Deserialize, Serialize};

/// EpisodeOfCare.status, R4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentStatus {
    Planned,
    Waitlist,
    Active,
    Onhold,
    Finished,
    Cancelled,
    EnteredInError,
}

impl EnrolmentStatus {
    pub const ALL: [EnrolmentStatus; 7] = [
        EnrolmentStatus::Planned,
        EnrolmentStatus::Waitlist,
        EnrolmentStatus::Active,
        EnrolmentStatus::Onhold,
        EnrolmentStatus::Finished,
        EnrolmentStatus::Cancelled,
        EnrolmentStatus::EnteredInError,
    ];

    /// The store's code (snake_case).
    pub const fn code(self) -> &'static str {
        match self {
            EnrolmentStatus::Planned => "planned",
            EnrolmentStatus::Waitlist => "waitlist",
            EnrolmentStatus::Active => "active",
            EnrolmentStatus::Onhold => "onhold",
            EnrolmentStatus::Finished => "finished",
            EnrolmentStatus::Cancelled => "cancelled",
            EnrolmentStatus::EnteredInError => "entered_in_error",
        }
    }

    /// The FHIR code (`entered-in-error`).
    pub fn from_fhir(code: &str) -> Option<Self> {
        let code = code.replace('-', "_");
        EnrolmentStatus::ALL.into_iter().find(|s| s.code() == code)
    }
}

impl std::str::FromStr for EnrolmentStatus {
    type Err = String;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        EnrolmentStatus::ALL
            .into_iter()
            .find(|s| s.code() == code)
            .ok_or_else(|| format!("unknown enrolment status {code:?}"))
    }
}

/// One version of an enrolment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    pub source: SourceRef,
    pub citizen_id: CitizenId,
    pub status: EnrolmentStatus,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
}

/// Whether, and since when, the clinic watches a citizen's measurements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Monitoring {
    /// Enrolled, per the backend, since this instant: the schedule counts from the later of
    /// this and the last reading (a citizen enrolled again after a pause starts afresh).
    Since { start: Timestamp },
    /// The backend records no enrolment: monitored, the schedule counting from the last
    /// reading, or from `first_seen` (when this station first saw the citizen) for a parameter
    /// never measured.
    Unrecorded { first_seen: Timestamp },
    /// Not monitored now (the enrolment ended, or has not begun): nothing is missed.
    Ended,
}

impl Monitoring {
    /// The instant a parameter's schedule counts from, given its last reading; `None` when not
    /// monitored.
    pub fn anchor(self, last_reading: Option<Timestamp>) -> Option<Timestamp> {
        match self {
            Monitoring::Since { start } => Some(last_reading.map_or(start, |l| l.max(start))),
            Monitoring::Unrecorded { first_seen } => Some(last_reading.unwrap_or(first_seen)),
            Monitoring::Ended => None,
        }
    }
}

/// How the citizen is monitored at `now`: since the start of the latest enrolment in force
/// (active, started, not ended); [`Monitoring::Unrecorded`] when the backend records no
/// enrolment at all; [`Monitoring::Ended`] when it records enrolments but none is in force.
/// A person the MAS function serves without enrolment (`mas_only`, see [`crate::person`]) is
/// not monitored until the backend records an enrolment for them.
pub fn monitoring(
    enrolments: &[Enrolment],
    first_seen: Timestamp,
    now: Timestamp,
    mas_only: bool,
) -> Monitoring {
    let relevant: Vec<&Enrolment> = enrolments
        .iter()
        .filter(|e| e.status != EnrolmentStatus::EnteredInError)
        .collect();
    if relevant.is_empty() {
        return if mas_only {
            Monitoring::Ended
        } else {
            Monitoring::Unrecorded { first_seen }
        };
    }
    relevant
        .iter()
        .filter(|e| e.status == EnrolmentStatus::Active)
        .filter(|e| e.end.is_none_or(|end| end > now))
        .map(|e| e.start.unwrap_or(first_seen))
        .filter(|start| *start <= now)
        .max()
        .map_or(Monitoring::Ended, |start| Monitoring::Since { start })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn enrolment(status: EnrolmentStatus, start: i64, end: Option<i64>) -> Enrolment {
        Enrolment {
            source: SourceRef {
                id: format!("srv|EpisodeOfCare/{start}"),
                version: "1".into(),
            },
            citizen_id: CitizenId::new("c1").unwrap(),
            status,
            start: Some(Timestamp::from_millis(start)),
            end: end.map(Timestamp::from_millis),
        }
    }

    #[test]
    fn a_schedule_counts_from_the_enrolment_or_the_last_reading() {
        let t = Timestamp::from_millis;
        let since = Monitoring::Since { start: t(100) };
        assert_eq!(since.anchor(None), Some(t(100)));
        assert_eq!(since.anchor(Some(t(50))), Some(t(100)), "enrolled again");
        assert_eq!(since.anchor(Some(t(150))), Some(t(150)));
        // A station that first saw the citizen today still counts from their last reading.
        let unrecorded = Monitoring::Unrecorded { first_seen: t(900) };
        assert_eq!(unrecorded.anchor(Some(t(150))), Some(t(150)));
        assert_eq!(unrecorded.anchor(None), Some(t(900)));
        assert_eq!(Monitoring::Ended.anchor(Some(t(150))), None);
    }

    #[test]
    fn monitoring_counts_from_the_enrolment_in_force() {
        use EnrolmentStatus::*;
        let t = Timestamp::from_millis;
        let seen = t(500);
        let since = |start| Monitoring::Since { start: t(start) };
        assert_eq!(
            monitoring(&[], seen, t(1000), false),
            Monitoring::Unrecorded { first_seen: seen }
        );
        assert_eq!(
            monitoring(&[enrolment(Active, 100, None)], seen, t(1000), false),
            since(100)
        );
        // Re-enrolled after a finished episode: the new one counts.
        let both = [
            enrolment(Finished, 10, Some(50)),
            enrolment(Active, 300, None),
        ];
        assert_eq!(monitoring(&both, seen, t(1000), false), since(300));
        // Left the programme, or not started yet: nothing is missed.
        for ended in [
            enrolment(Finished, 10, Some(50)),
            enrolment(Active, 2000, None),
            enrolment(Active, 10, Some(900)),
        ] {
            assert_eq!(
                monitoring(&[ended], seen, t(1000), false),
                Monitoring::Ended
            );
        }
        // An enrolment entered in error is as if never recorded.
        assert_eq!(
            monitoring(&[enrolment(EnteredInError, 10, None)], seen, t(1000), false),
            Monitoring::Unrecorded { first_seen: seen }
        );
        // A person the MAS nurse serves without enrolment misses nothing, until enrolled.
        assert_eq!(monitoring(&[], seen, t(1000), true), Monitoring::Ended);
        assert_eq!(
            monitoring(&[enrolment(Active, 100, None)], seen, t(1000), true),
            since(100)
        );
        assert_eq!(
            EnrolmentStatus::from_fhir("entered-in-error"),
            Some(EnteredInError)
        );
    }
}
