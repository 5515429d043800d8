//! The named profiles of a hostile or broken backend, one per way such a server has hurt a
//! client (issue 10): each turns on one thing, so a test shows one safe behaviour at a time.
//! Their own module so that the profiles of an unreliable backend stay readable beside them.

use super::FaultProfile;

impl FaultProfile {
    /// `next` links to another origin (the trap), which records any token sent to it.
    pub fn foreign_next() -> Self {
        FaultProfile {
            name: "foreign-next".into(),
            foreign_next: true,
            ..Self::none()
        }
    }

    /// Every page's `next` link is the page itself.
    pub fn self_next() -> Self {
        FaultProfile {
            name: "self-next".into(),
            self_next: true,
            ..Self::none()
        }
    }

    /// Observation searches answer 200 MB, `Content-Length` declared.
    pub fn huge_body() -> Self {
        FaultProfile {
            name: "huge-body".into(),
            huge_body_bytes: 200 * 1000 * 1000,
            ..Self::none()
        }
    }

    /// Observation searches answer a chunked body that never ends.
    pub fn endless_body() -> Self {
        FaultProfile {
            name: "endless-body".into(),
            endless_body: true,
            ..Self::none()
        }
    }

    /// Every 10th Observation of a search page is stamped in the year 2999.
    pub fn future_stamp() -> Self {
        FaultProfile {
            name: "future-stamp".into(),
            future_stamp: true,
            ..Self::none()
        }
    }

    /// Observation pages carry three entries no strict JSON parser takes.
    pub fn poison_entry() -> Self {
        FaultProfile {
            name: "poison-entry".into(),
            poison_entries: true,
            ..Self::none()
        }
    }

    /// Observation searches answer a Patient, not a Bundle.
    pub fn not_a_bundle() -> Self {
        FaultProfile {
            name: "not-a-bundle".into(),
            not_a_bundle: true,
            ..Self::none()
        }
    }

    /// Every FHIR request is answered `429` with `Retry-After: 300`: the throttling fault on
    /// every roll, with a wait no sync should sit out.
    pub fn busy() -> Self {
        FaultProfile {
            name: "busy".into(),
            throttle_rate: 1.0,
            retry_after_secs: 300,
            ..Self::none()
        }
    }

    /// As [`FaultProfile::busy`], the moment to come back given as an HTTP-date.
    pub fn busy_until() -> Self {
        FaultProfile {
            name: "busy-until".into(),
            retry_after_as_date: true,
            ..Self::busy()
        }
    }

    /// Patient names with terminal escapes and bidi controls, one of them 4 MiB long.
    pub fn escape_names() -> Self {
        FaultProfile {
            name: "escape-names".into(),
            escape_names: true,
            ..Self::none()
        }
    }

    /// A search that cannot be paged: no `next` links, `_sort` refused, `_offset` ignored, so
    /// every page is the first. Some servers are so; a client can only say it cannot go on.
    pub fn unpageable() -> Self {
        FaultProfile {
            name: "unpageable".into(),
            omit_next_links: true,
            refuse_sort: true,
            ignore_offset: true,
            ..Self::none()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::FaultKind;

    #[test]
    fn hostile_profiles_are_off_in_every_older_profile() {
        for name in [
            "none",
            "slow",
            "flaky",
            "duplicates",
            "late",
            "timeout",
            "hostile",
            "no-next-links",
        ] {
            let profile = FaultProfile::named(name).expect("known");
            let off = FaultProfile {
                name: profile.name.clone(),
                latency_ms: profile.latency_ms,
                error_rate: profile.error_rate,
                throttle_rate: profile.throttle_rate,
                retry_after_secs: profile.retry_after_secs,
                cut_rate: profile.cut_rate,
                stall_rate: profile.stall_rate,
                stall_ms: profile.stall_ms,
                duplicates_max: profile.duplicates_max,
                hang_every: profile.hang_every,
                hang_ms: profile.hang_ms,
                late_share: profile.late_share,
                omit_next_links: profile.omit_next_links,
                ..FaultProfile::none()
            };
            assert_eq!(profile, off, "{name}");
        }
    }

    #[test]
    fn busy_throttles_every_request_for_five_minutes() {
        let busy = FaultProfile::busy();
        assert!((0..2000).all(|n| busy.draw(5, n).kind == FaultKind::Throttled));
        assert_eq!(busy.retry_after_secs, 300);
    }

    #[test]
    fn a_custom_profile_without_the_new_fields_still_parses() {
        let old: FaultProfile =
            serde_json::from_str(r#"{"name": "custom", "error_rate": 0.5}"#).expect("parses");
        assert_eq!(old.error_rate, 0.5);
        assert!(!old.foreign_next && !old.self_next && old.huge_body_bytes == 0);
        assert!(!old.endless_body && !old.future_stamp && !old.poison_entries);
        assert!(!old.not_a_bundle && !old.escape_names);
        assert!(!old.refuse_sort && !old.ignore_offset);
    }
}
