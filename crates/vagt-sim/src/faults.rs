//! Injected faults: what a real backend and the network between do to a client now and then.
//!
//! A [`FaultProfile`] is plain data, so a test can build its own; the named profiles are the
//! ones the CLI and `POST /admin/faults` know. Draws are deterministic: request number `n` of a
//! server with fault seed `s` always gets the same fault, so a failing test replays.
//!
//! Besides the faults of an unreliable backend there are those of a hostile or broken one
//! ([`hostile`](mod@hostile)): links to other origins or to the page itself, bodies too large
//! or endless, future timestamps, unparseable entries, a non-Bundle, a server busy for
//! minutes, names that drive a terminal. Each is off by default and deterministic.

use crate::error::SimError;
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use vagt_cohort::Rng;

mod hostile;

/// How badly the server behaves. Rates are per request, in 0..1, and drawn from one roll so
/// they exclude each other (`error_rate + throttle_rate + cut_rate + stall_rate <= 1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultProfile {
    /// The profile's name as given on the CLI (`custom` for one built in code).
    pub name: String,
    /// Latency added to every request, uniform in `[min, max]` milliseconds.
    pub latency_ms: Option<(u64, u64)>,
    /// Share of requests answered `503 Service Unavailable` or `500 Internal Server Error`
    /// (half each) with an OperationOutcome, before anything is processed.
    pub error_rate: f64,
    /// Share answered `429 Too Many Requests` with `Retry-After`, before anything is processed.
    pub throttle_rate: f64,
    /// The `Retry-After` of a 429, in seconds.
    pub retry_after_secs: u64,
    /// `Retry-After` as an HTTP-date (the moment to come back, `retry_after_secs` after the
    /// answer's `Date`) instead of a number of seconds: both forms are HTTP's.
    pub retry_after_as_date: bool,
    /// Share whose response is cut mid-body: the request *is* processed (a create is stored),
    /// the client gets the headers and half the body, then the connection breaks.
    pub cut_rate: f64,
    /// Share delayed by a stall uniform in `stall_ms`.
    pub stall_rate: f64,
    pub stall_ms: (u64, u64),
    /// Each search page that continues a search (`_lastUpdated=gt…` from a `next` link)
    /// repeats up to this many of the previous page's last entries at its start (1..=max).
    pub duplicates_max: usize,
    /// Every n-th search request (n = this; 0 = never) hangs for `hang_ms` before answering.
    pub hang_every: u64,
    pub hang_ms: u64,
    /// Share of `advance`'s new readings turned into late ones (effective 1-3 days ago).
    pub late_share: f64,
    /// Search pages carry no `next` link, as some real servers do (Medplum's router): a client
    /// must page by `_offset` or by its own `_lastUpdated` cursor.
    pub omit_next_links: bool,
    /// Search pages with entries link `next` to the trap, a listener on another loopback port
    /// that records what it receives (`GET /admin/trap`): a client that follows it would send
    /// its token to another origin. Same path and query as the real next page.
    pub foreign_next: bool,
    /// Every search page links `next` to its own URL, so paging by links never ends.
    pub self_next: bool,
    /// Observation searches answer a body of this many bytes (0 = off), its `Content-Length`
    /// declared and streamed, never held whole by the simulator.
    pub huge_body_bytes: u64,
    /// Observation searches answer a chunked body that never ends.
    pub endless_body: bool,
    /// Every 10th Observation (chosen by id) in a search page says `meta.lastUpdated`
    /// `2999-12-31T23:59:59.000Z`; the stored resource is unchanged.
    pub future_stamp: bool,
    /// Searches with `_sort` are refused (`400`), as by a server that cannot sort.
    pub refuse_sort: bool,
    /// `_offset` is ignored: every page of a search starts at its first match.
    pub ignore_offset: bool,
    /// Observation search pages start with three entries no strict JSON parser takes: nested
    /// 20,000 deep, the number `1e309`, a bare `NaN` (ids `poison-deep`, `poison-big`,
    /// `poison-nan`). The rest of the page is as usual.
    pub poison_entries: bool,
    /// Observation searches answer `200` with a Patient instead of a Bundle.
    pub not_a_bundle: bool,
    /// Patient names in reads and searches carry terminal escapes and bidi controls, and the
    /// first Patient's name is 4 MiB long.
    pub escape_names: bool,
}

impl Default for FaultProfile {
    fn default() -> Self {
        FaultProfile::none()
    }
}

impl FaultProfile {
    /// Names [`FaultProfile::named`] knows.
    pub const NAMES: [&'static str; 19] = [
        "none",
        "slow",
        "flaky",
        "duplicates",
        "late",
        "timeout",
        "hostile",
        "no-next-links",
        "foreign-next",
        "self-next",
        "huge-body",
        "endless-body",
        "future-stamp",
        "poison-entry",
        "not-a-bundle",
        "busy",
        "busy-until",
        "escape-names",
        "unpageable",
    ];

    pub fn none() -> Self {
        FaultProfile {
            name: "none".into(),
            latency_ms: None,
            error_rate: 0.0,
            throttle_rate: 0.0,
            retry_after_secs: 1,
            retry_after_as_date: false,
            cut_rate: 0.0,
            stall_rate: 0.0,
            stall_ms: (1000, 2000),
            duplicates_max: 0,
            hang_every: 0,
            hang_ms: 60_000,
            late_share: 0.0,
            omit_next_links: false,
            foreign_next: false,
            self_next: false,
            huge_body_bytes: 0,
            endless_body: false,
            future_stamp: false,
            refuse_sort: false,
            ignore_offset: false,
            poison_entries: false,
            not_a_bundle: false,
            escape_names: false,
        }
    }

    /// Pages without `next` links; the client must continue a search itself.
    pub fn no_next_links() -> Self {
        FaultProfile {
            name: "no-next-links".into(),
            omit_next_links: true,
            ..Self::none()
        }
    }

    /// Latency 50-400 ms on each request.
    pub fn slow() -> Self {
        FaultProfile {
            name: "slow".into(),
            latency_ms: Some((50, 400)),
            ..Self::none()
        }
    }

    /// 15 % 503/500, 10 % 429 (`Retry-After: 1`), 5 % cut mid-body, 5 % a 1-2 s stall.
    pub fn flaky() -> Self {
        FaultProfile {
            name: "flaky".into(),
            error_rate: 0.15,
            throttle_rate: 0.10,
            cut_rate: 0.05,
            stall_rate: 0.05,
            ..Self::none()
        }
    }

    /// Continued search pages repeat 1-3 entries of the previous page.
    pub fn duplicates() -> Self {
        FaultProfile {
            name: "duplicates".into(),
            duplicates_max: 3,
            ..Self::none()
        }
    }

    /// Nothing wrong on the wire; `advance` turns 70 % of new readings into late ones.
    pub fn late() -> Self {
        FaultProfile {
            name: "late".into(),
            late_share: 0.7,
            ..Self::none()
        }
    }

    /// Every 5th search request hangs for 60 s.
    pub fn timeout() -> Self {
        FaultProfile {
            name: "timeout".into(),
            hang_every: 5,
            ..Self::none()
        }
    }

    /// flaky + duplicates + timeout.
    pub fn hostile() -> Self {
        FaultProfile {
            name: "hostile".into(),
            duplicates_max: 3,
            hang_every: 5,
            ..Self::flaky()
        }
    }

    pub fn named(name: &str) -> Result<Self, SimError> {
        Ok(match name.trim() {
            "none" => Self::none(),
            "slow" => Self::slow(),
            "flaky" => Self::flaky(),
            "duplicates" => Self::duplicates(),
            "late" => Self::late(),
            "timeout" => Self::timeout(),
            "hostile" => Self::hostile(),
            "no-next-links" => Self::no_next_links(),
            "foreign-next" => Self::foreign_next(),
            "self-next" => Self::self_next(),
            "huge-body" => Self::huge_body(),
            "endless-body" => Self::endless_body(),
            "future-stamp" => Self::future_stamp(),
            "poison-entry" => Self::poison_entry(),
            "not-a-bundle" => Self::not_a_bundle(),
            "busy" => Self::busy(),
            "busy-until" => Self::busy_until(),
            "escape-names" => Self::escape_names(),
            "unpageable" => Self::unpageable(),
            other => return Err(SimError::UnknownProfile(other.to_owned())),
        })
    }

    /// What happens to request number `n` (counted from 0 over the server's life).
    pub(crate) fn draw(&self, fault_seed: u64, n: u64) -> Fault {
        let mut rng =
            Rng::new(fault_seed ^ (n.wrapping_add(1)).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let latency = self
            .latency_ms
            .map(|(low, high)| uniform(&mut rng, low, high))
            .unwrap_or(0);
        let roll = rng.unit();
        let rates = [
            self.error_rate,
            self.throttle_rate,
            self.cut_rate,
            self.stall_rate,
        ];
        let mut edge = 0.0;
        let hit = rates.iter().position(|rate| {
            edge += rate;
            roll < edge
        });
        let kind = match hit {
            Some(0) if rng.chance(0.5) => FaultKind::Unavailable,
            Some(0) => FaultKind::InternalError,
            Some(1) => FaultKind::Throttled,
            Some(2) => FaultKind::Cut,
            Some(_) => FaultKind::Stall(uniform(&mut rng, self.stall_ms.0, self.stall_ms.1)),
            None => FaultKind::None,
        };
        Fault {
            latency_ms: latency,
            kind,
        }
    }

    /// How many entries a continued search page repeats (0 when the fault is off).
    pub(crate) fn duplicates_for(&self, fault_seed: u64, page_key: u64) -> usize {
        if self.duplicates_max == 0 {
            return 0;
        }
        let mut rng = Rng::new(fault_seed ^ page_key.wrapping_mul(0xD1B5_4A32_D192_ED03));
        1 + rng.below(self.duplicates_max as u64) as usize
    }

    /// Whether search request number `n` (from 0) hangs.
    pub(crate) fn hangs(&self, n: u64) -> bool {
        self.hang_every > 0 && n % self.hang_every == self.hang_every - 1
    }
}

impl FromStr for FaultProfile {
    type Err = SimError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FaultProfile::named(s)
    }
}

fn uniform(rng: &mut Rng, low: u64, high: u64) -> u64 {
    let (low, high) = (low.min(high), low.max(high));
    low + rng.below(high - low + 1)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fault {
    pub latency_ms: u64,
    pub kind: FaultKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultKind {
    None,
    Unavailable,
    InternalError,
    Throttled,
    Cut,
    Stall(u64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_and_unknown_is_an_error() {
        for name in FaultProfile::NAMES {
            assert_eq!(
                FaultProfile::named(name).map(|p| p.name).ok(),
                Some(name.to_owned())
            );
        }
        assert!(FaultProfile::named("chaos").is_err());
        let message = SimError::UnknownProfile("chaos".into()).to_string();
        for name in FaultProfile::NAMES {
            assert!(message.contains(name), "{name} is listed in {message}");
        }
    }

    #[test]
    fn flaky_rates_come_out_roughly_as_configured_and_replay() {
        let flaky = FaultProfile::flaky();
        let draws: Vec<Fault> = (0..4000).map(|n| flaky.draw(9, n)).collect();
        let share = |f: &dyn Fn(&FaultKind) -> bool| {
            draws.iter().filter(|d| f(&d.kind)).count() as f64 / draws.len() as f64
        };
        let errors = share(&|k| matches!(k, FaultKind::Unavailable | FaultKind::InternalError));
        let throttled = share(&|k| matches!(k, FaultKind::Throttled));
        let cut = share(&|k| matches!(k, FaultKind::Cut));
        let stalls = share(&|k| matches!(k, FaultKind::Stall(ms) if (1000..=2000).contains(ms)));
        assert!((0.12..0.18).contains(&errors), "{errors}");
        assert!((0.07..0.13).contains(&throttled), "{throttled}");
        assert!((0.03..0.07).contains(&cut), "{cut}");
        assert!((0.03..0.07).contains(&stalls), "{stalls}");
        assert_eq!(flaky.draw(9, 17), flaky.draw(9, 17));
        assert!(FaultProfile::none().draw(9, 3).kind == FaultKind::None);
    }

    #[test]
    fn hostile_is_flaky_with_duplicates_and_hangs() {
        let hostile = FaultProfile::hostile();
        assert_eq!(hostile.error_rate, FaultProfile::flaky().error_rate);
        assert!(hostile.duplicates_max > 0);
        assert!(!hostile.hangs(0) && hostile.hangs(4) && hostile.hangs(9));
    }
}
