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
