//! When to try a request again, and how long to wait: exponential backoff with full jitter,
//! never shorter than the server's `Retry-After`, within a budget per request. Pure, so it is
//! tested exactly.

use std::time::{Duration, SystemTime};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Whole-attempt limit (connect, send, read the body).
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    /// The longest `Retry-After` the client waits; a server asking for more is busy, and the
    /// request ends (the sync comes back later) instead of holding the run.
    pub max_retry_after: Duration,
    /// All attempts of one request, waits included, end within this.
    pub request_budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(20),
            request_timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
            request_budget: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` (attempt counts from 1), given a uniform `jitter`
    /// in [0, 1) and the server's `Retry-After`, if it sent one.
    pub fn delay(&self, attempt: u32, jitter: f64, retry_after: Option<Duration>) -> Duration {
        let exponent = attempt.saturating_sub(1).min(20);
        let ceiling = self
            .base_delay
            .saturating_mul(1 << exponent)
            .min(self.max_delay);
        let jittered = ceiling.mul_f64(jitter.clamp(0.0, 1.0));
        match retry_after {
            Some(server_says) => jittered.max(server_says.min(self.max_retry_after)),
            None => jittered,
        }
    }
}

/// `Retry-After` as a wait: seconds, or an HTTP-date counted from `server_now` (the answer's own
/// `Date`, so that a skewed clock here does not stretch or cut it; this machine's clock when the
/// server sent none). A date already past asks for no wait; anything else is read as absent,
/// which falls back to backoff.
pub fn parse_retry_after(value: &str, server_now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(server_now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_up_to_the_cap() {
        let p = RetryPolicy::default();
        let full = |attempt| p.delay(attempt, 0.999_999, None);
        assert!(full(1) <= Duration::from_millis(200));
        assert!(full(2) > Duration::from_millis(390) && full(2) <= Duration::from_millis(400));
        assert!(full(4) > Duration::from_millis(1590) && full(4) <= Duration::from_millis(1600));
        assert_eq!(p.delay(30, 0.999_999, None), p.max_delay.mul_f64(0.999_999));
        assert_eq!(
            p.delay(3, 0.0, None),
            Duration::ZERO,
            "full jitter may retry at once"
        );
    }

    #[test]
    fn retry_after_is_a_floor_but_bounded() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.delay(1, 0.0, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            p.delay(1, 0.0, Some(Duration::from_secs(86_400))),
            p.max_retry_after
        );
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_as_a_date_from_the_servers_clock() {
        let server_now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").expect("date");
        assert_eq!(
            parse_retry_after(" 2 ", server_now),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:45 GMT", server_now),
            Some(Duration::from_secs(45)),
            "45 s after the answer's own Date, whatever this machine's clock says"
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", server_now),
            Some(Duration::ZERO),
            "a moment already past: no wait"
        );
        assert_eq!(parse_retry_after("soon", server_now), None);
        assert_eq!(parse_retry_after("-5", server_now), None);
    }
}
