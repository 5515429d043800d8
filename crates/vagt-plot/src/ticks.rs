//! Time-axis ticks on Copenhagen's clock: every 6 hours over two days, days over weeks, the
//! first of the month over months and years; at most about a dozen labels.

use crate::model::Window;
use vagt_core::Timestamp;
use vagt_core::i18n::Language;
use vagt_core::time_util::{MILLIS_PER_DAY, MILLIS_PER_HOUR, MILLIS_PER_MINUTE};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    /// Milliseconds since the epoch.
    pub at: i64,
    pub label: String,
}

const MAX_TICKS: i64 = 12;

/// Local midnight of the Copenhagen day that `utc_midnight` (a UTC midnight) names.
fn local_midnight(utc_midnight: i64) -> i64 {
    let offset = Timestamp::from_millis(utc_midnight)
        .copenhagen()
        .map_or(60, |t| i64::from(t.offset_minutes));
    utc_midnight - offset * MILLIS_PER_MINUTE
}

fn sep(language: Language) -> char {
    match language {
        Language::Da => '.',
        Language::En => '/',
    }
}

pub fn ticks(window: Window, language: Language) -> Vec<Tick> {
    let (from, to) = (window.from.millis(), window.to.millis());
    let span = to - from;
    let s = sep(language);
    let label = |at: i64, with_time: bool, month_only: bool| -> String {
        match Timestamp::from_millis(at).copenhagen() {
            Some(t) if month_only => format!("{:02}{s}{:04}", t.month, t.year),
            Some(t) if with_time => match language {
                Language::Da => {
                    format!("{:02}.{:02} {:02}.{:02}", t.day, t.month, t.hour, t.minute)
                }
                Language::En => {
                    format!("{:02}/{:02} {:02}:{:02}", t.day, t.month, t.hour, t.minute)
                }
            },
            Some(t) => format!("{:02}{s}{:02}", t.day, t.month),
            None => String::new(),
        }
    };
    let first_day = Timestamp::from_millis(from).start_of_day().millis() - MILLIS_PER_DAY;
    let mut out = Vec::new();
    if span <= 3 * MILLIS_PER_DAY {
        let step_hours = if span <= 30 * MILLIS_PER_HOUR { 3 } else { 6 };
        let mut day = first_day;
        while day < to {
            let midnight = local_midnight(day);
            for h in (0..24).step_by(step_hours) {
                let at = midnight + h * MILLIS_PER_HOUR;
                if at >= from && at < to {
                    out.push(Tick {
                        at,
                        label: label(at, true, false),
                    });
                }
            }
            day += MILLIS_PER_DAY;
        }
    } else if span <= 120 * MILLIS_PER_DAY {
        let days = span / MILLIS_PER_DAY;
        let step = [1, 2, 7, 14]
            .into_iter()
            .find(|s| days / s <= MAX_TICKS)
            .unwrap_or(14);
        let mut day = first_day;
        let mut n = 0i64;
        while day < to {
            let at = local_midnight(day);
            if at >= from && at < to {
                if n % step == 0 {
                    out.push(Tick {
                        at,
                        label: label(at, false, false),
                    });
                }
                n += 1;
            }
            day += MILLIS_PER_DAY;
        }
    } else {
        let months = span / (30 * MILLIS_PER_DAY);
        let step = [1, 2, 3, 6, 12, 24, 60]
            .into_iter()
            .find(|s| months / s <= MAX_TICKS)
            .unwrap_or(60);
        let (mut year, mut month) = match Timestamp::from_millis(from).copenhagen() {
            Some(t) => (t.year, i64::from(t.month)),
            None => return out,
        };
        while let Some(utc_midnight) = Timestamp::utc_midnight(year, month as u8, 1) {
            let at = local_midnight(utc_midnight.millis());
            if at >= to {
                break;
            }
            if at >= from && (year as i64 * 12 + month - 1) % step == 0 {
                out.push(Tick {
                    at,
                    label: label(at, false, true),
                });
            }
            month += 1;
            if month > 12 {
                month = 1;
                year += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(from: &str, to: &str) -> Window {
        Window {
            from: Timestamp::parse_rfc3339(from).expect("from"),
            to: Timestamp::parse_rfc3339(to).expect("to"),
        }
    }

    #[test]
    fn two_days_are_ticked_every_six_hours_on_the_local_clock() {
        let t = ticks(
            window("2026-11-20T12:00:00Z", "2026-11-22T12:00:00Z"),
            Language::Da,
        );
        assert_eq!(t.len(), 8, "{t:?}");
        // 18.00 local (CET) is 17.00 UTC.
        assert_eq!(t[0].label, "20.11 18.00");
        assert_eq!(
            Timestamp::from_millis(t[0].at).to_rfc3339(),
            "2026-11-20T17:00:00.000Z"
        );
    }

    #[test]
    fn a_month_is_ticked_by_days_and_a_year_by_months() {
        let month = ticks(
            window("2026-10-01T00:00:00Z", "2026-10-31T00:00:00Z"),
            Language::En,
        );
        assert!(month.len() <= 13 && month.len() >= 4, "{month:?}");
        assert!(month.iter().all(|t| t.label.contains('/')));
        let year = ticks(
            window("2025-12-01T00:00:00Z", "2026-12-01T00:00:00Z"),
            Language::Da,
        );
        assert_eq!(year.len(), 12, "{year:?}");
        assert_eq!(year[0].label, "01.2026");
        // Summer time: the first of July starts at 22.00 UTC the day before.
        let july = year.iter().find(|t| t.label == "07.2026").expect("july");
        assert_eq!(
            Timestamp::from_millis(july.at).to_rfc3339(),
            "2026-06-30T22:00:00.000Z"
        );
    }
}
