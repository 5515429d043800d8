//! People the MAS function serves who are not enrolled in the clinic (the seed slides: the acute
//! nurse also goes to citizens outside telemedicine): known only by CPR, name and address, they
//! get a dispatch, a visit and a citizen page of their own, without readings or plan, and
//! nothing is ever missed for them. And the link that later ties an unknown caller's call to
//! a citizen.

use crate::citizen::CitizenId;
use crate::time_util::Timestamp;
use serde::{Deserialize, Serialize};

/// A person a nurse adds so the MAS nurse can be sent to them: their CPR number is their id,
/// as it is for every citizen the backend knows by CPR, so a person later enrolled (or already
/// on the backend) is the same citizen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct NewPerson {
    /// As typed: `DDMMYY-SSSS` or ten digits.
    pub cpr: String,
    pub name: String,
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub phone: Option<String>,
}

/// The longest name, address and phone a person keeps (as for a Patient from the backend).
pub const MAX_PERSON_NAME_CHARS: usize = 200;
pub const MAX_PERSON_ADDRESS_CHARS: usize = 300;
pub const MAX_PERSON_PHONE_CHARS: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum PersonProblemCode {
    Missing,
    TooLong,
    /// Not ten digits (a dash after the sixth allowed), or no such day of birth.
    NotACpr,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PersonProblem {
    /// The form's field: `cpr`, `name`, `address`, `phone`.
    pub field: String,
    pub code: PersonProblemCode,
}

impl PersonProblemCode {
    pub const fn code(self) -> &'static str {
        match self {
            PersonProblemCode::Missing => "missing",
            PersonProblemCode::TooLong => "too_long",
            PersonProblemCode::NotACpr => "not_a_cpr",
        }
    }
}

impl NewPerson {
    /// The citizen id the person is kept under: the CPR number's ten digits, as the backend's
    /// Patients carry it. `None` when the CPR is not one.
    pub fn citizen_id(&self) -> Option<CitizenId> {
        let cpr = self.cpr.trim();
        let digits: String = cpr.chars().filter(|c| *c != '-').collect();
        let dash_ok = match cpr.find('-') {
            None => true,
            Some(at) => at == 6 && cpr.matches('-').count() == 1,
        };
        if digits.len() != 10 || !dash_ok || !digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        // The first six digits are a day of birth (DDMMYY); nothing else is derived from them.
        let day: u32 = digits[0..2].parse().ok()?;
        let month: u32 = digits[2..4].parse().ok()?;
        if !(1..=12).contains(&month) || !(1..=days_in(month)).contains(&day) {
            return None;
        }
        CitizenId::new(digits).ok()
    }

    /// The person as kept: trimmed, no empty phone.
    pub fn normalised(&self) -> NewPerson {
        NewPerson {
            cpr: self.cpr.trim().to_owned(),
            name: self.name.trim().to_owned(),
            address: self.address.trim().to_owned(),
            phone: self
                .phone
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned),
        }
    }

    /// Every problem, field by field; none: the person can be added.
    pub fn problems(&self) -> Vec<PersonProblem> {
        let mut problems = Vec::new();
        let mut problem = |field: &str, code| {
            problems.push(PersonProblem {
                field: field.to_owned(),
                code,
            })
        };
        if self.cpr.trim().is_empty() {
            problem("cpr", PersonProblemCode::Missing);
        } else if self.citizen_id().is_none() {
            problem("cpr", PersonProblemCode::NotACpr);
        }
        let phone = self.phone.clone().unwrap_or_default();
        for (field, text, required, max) in [
            ("name", &self.name, true, MAX_PERSON_NAME_CHARS),
            ("address", &self.address, true, MAX_PERSON_ADDRESS_CHARS),
            ("phone", &phone, false, MAX_PERSON_PHONE_CHARS),
        ] {
            if required && text.trim().is_empty() {
                problem(field, PersonProblemCode::Missing);
            } else if text.trim().chars().count() > max {
                problem(field, PersonProblemCode::TooLong);
            }
        }
        problems
    }
}

/// Days in a month of any year (29 for February: a CPR's year is not known from six digits).
const fn days_in(month: u32) -> u32 {
    match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A nurse tied an unknown caller's call to a citizen, as it travels. Calls are append-only,
/// so the link is a record of its own; every station applies it to the call. Two stations that
/// link one call differently (both offline) agree on the earliest link, and show the other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct CallLink {
    /// Stable across stations (a `urn:uuid:`).
    pub key: String,
    pub call_key: String,
    pub citizen_id: CitizenId,
    pub linked_by: String,
    pub linked_at: Timestamp,
}

impl CallLink {
    /// Which of two links of one call every station takes: the earlier, then the smaller key.
    pub fn precedes(&self, other: &CallLink) -> bool {
        (self.linked_at, &self.key) < (other.linked_at, &other.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(cpr: &str) -> NewPerson {
        NewPerson {
            cpr: cpr.into(),
            name: "Ib Hansen".into(),
            address: "Søvej 3, 5000 Odense C".into(),
            phone: None,
        }
    }

    #[test]
    fn a_cpr_is_ten_digits_with_a_day_of_birth() {
        assert_eq!(
            person("010143-1234").citizen_id().map(|c| c.to_string()),
            Some("0101431234".to_owned())
        );
        assert_eq!(
            person(" 0101431234 ").citizen_id().map(|c| c.to_string()),
            Some("0101431234".to_owned())
        );
        for bad in [
            "01014-31234",
            "010143-123",
            "3102431234",
            "0113431234",
            "010143--1234",
            "abcdefghij",
        ] {
            assert_eq!(person(bad).citizen_id(), None, "{bad}");
            assert_eq!(
                person(bad).problems(),
                vec![PersonProblem {
                    field: "cpr".into(),
                    code: PersonProblemCode::NotACpr
                }],
                "{bad}"
            );
        }
    }

    #[test]
    fn every_missing_or_long_field_is_named() {
        let mut p = person("");
        p.name = " ".into();
        p.address = "x".repeat(MAX_PERSON_ADDRESS_CHARS + 1);
        p.phone = Some("1".repeat(MAX_PERSON_PHONE_CHARS + 1));
        let found: Vec<(String, PersonProblemCode)> = p
            .problems()
            .into_iter()
            .map(|p| (p.field, p.code))
            .collect();
        assert_eq!(
            found,
            vec![
                ("cpr".into(), PersonProblemCode::Missing),
                ("name".into(), PersonProblemCode::Missing),
                ("address".into(), PersonProblemCode::TooLong),
                ("phone".into(), PersonProblemCode::TooLong),
            ]
        );
        assert!(person("0101431234").problems().is_empty());
    }

    #[test]
    fn the_earliest_link_wins_then_the_smaller_key() {
        let link = |key: &str, at: i64| CallLink {
            key: key.into(),
            call_key: "urn:uuid:call".into(),
            citizen_id: CitizenId::new("c1").expect("id"),
            linked_by: "nurse".into(),
            linked_at: Timestamp::from_millis(at),
        };
        assert!(link("b", 1).precedes(&link("a", 2)));
        assert!(link("a", 2).precedes(&link("b", 2)));
        assert!(!link("b", 2).precedes(&link("a", 2)));
    }
}
