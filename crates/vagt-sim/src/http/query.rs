//! The query string, both ways. Values are percent-decoded; `+` is kept as `+` (not a space),
//! so an instant with an offset works either way.

use vagt_core::Timestamp;
use vagt_core::time_util::MILLIS_PER_DAY;

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes.get(i), bytes.get(i + 1), bytes.get(i + 2)) {
            (Some(b'%'), Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let value = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(value as u8);
                i += 3;
            }
            (Some(&b), _, _) => {
                out.push(b);
                i += 1;
            }
            (None, _, _) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(super) fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

pub(super) fn encode_pairs(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The instants a date/time value covers at its precision, in ms (inclusive): a day for
/// `2026-11-22`, a second for `…T08:15:00Z`, one ms for `…T08:15:00.250Z`.
pub(super) fn instant_range(text: &str) -> Option<(i64, i64)> {
    let text = text.trim();
    if text.len() == 10 {
        let start = Timestamp::parse_rfc3339(&format!("{text}T00:00:00Z")).ok()?;
        return Some((start.millis(), start.millis() + MILLIS_PER_DAY - 1));
    }
    let t = Timestamp::parse_rfc3339(text).ok()?.millis();
    Some(if text.contains('.') {
        (t, t)
    } else {
        (t, t + 999)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips_tokens_and_instants() {
        let pairs = vec![
            (
                "identifier".to_owned(),
                "urn:oid:1.2|010143-1234".to_owned(),
            ),
            (
                "_lastUpdated".to_owned(),
                "gt2026-11-22T08:00:00.250+01:00".to_owned(),
            ),
        ];
        assert_eq!(query_pairs(Some(&encode_pairs(&pairs))), pairs);
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
