//! Instants as milliseconds since the Unix epoch (UTC).
//!
//! Milliseconds in an `i64` sort, compare and store in SQLite as plain integers; text forms
//! (RFC 3339) exist only at the edges.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// An instant in UTC, millisecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ts_rs::TS)]
#[ts(type = "string")]
pub struct Timestamp(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 date-time: {input:?}")]
pub struct TimestampParseError {
    pub input: String,
}

pub const MILLIS_PER_MINUTE: i64 = 60_000;
pub const MILLIS_PER_HOUR: i64 = 60 * MILLIS_PER_MINUTE;
pub const MILLIS_PER_DAY: i64 = 24 * MILLIS_PER_HOUR;

impl Timestamp {
    pub const fn from_millis(ms: i64) -> Self {
        Timestamp(ms)
    }

    pub const fn millis(self) -> i64 {
        self.0
    }

    /// The wall clock. Only the edges (CLI, app, sync) call this; rules take `now` as input.
    pub fn now() -> Self {
        let now = OffsetDateTime::now_utc();
        Timestamp((now.unix_timestamp_nanos() / 1_000_000) as i64)
    }

    pub fn parse_rfc3339(input: &str) -> Result<Self, TimestampParseError> {
        let parsed =
            OffsetDateTime::parse(input.trim(), &Rfc3339).map_err(|_| TimestampParseError {
                input: input.to_owned(),
            })?;
        Ok(Timestamp(
            (parsed.unix_timestamp_nanos() / 1_000_000) as i64,
        ))
    }

    /// RFC 3339 in UTC with milliseconds, e.g. `2026-11-22T08:15:00.000Z`.
    pub fn to_rfc3339(self) -> String {
        let nanos = i128::from(self.0) * 1_000_000;
        match OffsetDateTime::from_unix_timestamp_nanos(nanos) {
            Ok(dt) => {
                let date = dt.date();
                let clock = dt.time();
                format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                    date.year(),
                    u8::from(date.month()),
                    date.day(),
                    clock.hour(),
                    clock.minute(),
                    clock.second(),
                    clock.millisecond()
                )
            }
            // Out of the calendar's range: still print something a human can report.
            Err(_) => format!("@{}ms", self.0),
        }
    }

    pub const fn plus_millis(self, ms: i64) -> Self {
        Timestamp(self.0.saturating_add(ms))
    }

    /// Midnight UTC at the start of this instant's day.
    pub const fn start_of_day(self) -> Self {
        Timestamp(self.0.div_euclid(MILLIS_PER_DAY) * MILLIS_PER_DAY)
    }
}

/// A wall-clock reading in Copenhagen: the clinic's time, on plots and in printouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    /// Minutes east of UTC: 60 (CET) or 120 (CEST).
    pub offset_minutes: i32,
}

/// Last Sunday of a month at 01:00 UTC, when the EU changes its clocks (March and October).
fn eu_switch(year: i32, month: time::Month) -> Option<i64> {
    let next_month_first = match month {
        time::Month::December => time::Date::from_calendar_date(year + 1, time::Month::January, 1),
        m => time::Date::from_calendar_date(year, m.next(), 1),
    }
    .ok()?;
    let last = next_month_first.previous_day()?;
    let back = i64::from(last.weekday().number_days_from_sunday());
    let sunday = last.to_julian_day() as i64 - back;
    let epoch = time::Date::from_calendar_date(1970, time::Month::January, 1)
        .ok()?
        .to_julian_day() as i64;
    Some((sunday - epoch) * MILLIS_PER_DAY + MILLIS_PER_HOUR)
}

impl Timestamp {
    /// Midnight UTC at the start of a calendar day; `None` for a date that does not exist.
    pub fn utc_midnight(year: i32, month: u8, day: u8) -> Option<Timestamp> {
        let month = time::Month::try_from(month).ok()?;
        let date = time::Date::from_calendar_date(year, month, day).ok()?;
        let epoch = time::Date::from_calendar_date(1970, time::Month::January, 1)
            .ok()?
            .to_julian_day();
        Some(Timestamp(
            i64::from(date.to_julian_day() - epoch) * MILLIS_PER_DAY,
        ))
    }

    /// This instant on Copenhagen's clock (CET, CEST from the last Sunday of March to the
    /// last Sunday of October, both at 01:00 UTC); `None` outside the calendar's range.
    pub fn copenhagen(self) -> Option<LocalTime> {
        let utc = OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000).ok()?;
        let year = utc.year();
        let summer_from = eu_switch(year, time::Month::March)?;
        let summer_to = eu_switch(year, time::Month::October)?;
        let offset_minutes = if (summer_from..summer_to).contains(&self.0) {
            120
        } else {
            60
        };
        let local = utc.checked_add(time::Duration::minutes(i64::from(offset_minutes)))?;
        Some(LocalTime {
            year: local.year(),
            month: u8::from(local.month()),
            day: local.day(),
            hour: local.hour(),
            minute: local.minute(),
            offset_minutes,
        })
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse_rfc3339(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn copenhagen_follows_the_eu_clock_changes() {
        let at = |text: &str| Timestamp::parse_rfc3339(text).expect("time");
        // 2026: CEST from 29 March 01:00 UTC to 25 October 01:00 UTC.
        let winter = at("2026-03-29T00:59:00Z").copenhagen().expect("local");
        assert_eq!(
            (winter.hour, winter.minute, winter.offset_minutes),
            (1, 59, 60)
        );
        let summer = at("2026-03-29T01:00:00Z").copenhagen().expect("local");
        assert_eq!((summer.hour, summer.offset_minutes), (3, 120));
        let autumn = at("2026-10-25T00:59:00Z").copenhagen().expect("local");
        assert_eq!((autumn.hour, autumn.offset_minutes), (2, 120));
        let back = at("2026-10-25T01:00:00Z").copenhagen().expect("local");
        assert_eq!((back.hour, back.offset_minutes), (2, 60));
        let new_year = at("2026-12-31T23:30:00Z").copenhagen().expect("local");
        assert_eq!(
            (new_year.year, new_year.month, new_year.day, new_year.hour),
            (2027, 1, 1, 0)
        );
    }

    use super::*;

    #[test]
    fn rfc3339_round_trips_with_offsets_normalised_to_utc() {
        let t = Timestamp::parse_rfc3339("2026-11-22T09:15:30.250+01:00").expect("valid");
        assert_eq!(t.to_rfc3339(), "2026-11-22T08:15:30.250Z");
        assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()), Ok(t));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(Timestamp::parse_rfc3339("yesterday").is_err());
        assert!(Timestamp::parse_rfc3339("").is_err());
    }

    #[test]
    fn start_of_day_handles_instants_before_the_epoch() {
        let t = Timestamp::from_millis(-1);
        assert_eq!(t.start_of_day(), Timestamp::from_millis(-MILLIS_PER_DAY));
    }
}
