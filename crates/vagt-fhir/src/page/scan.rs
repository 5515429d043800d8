//! A page's structure scanned without interpreting its values: the top-level members and the
//! elements of an array, as byte ranges. Iterative, so no nesting depth can overflow a stack;
//! for a page that is not JSON a parser takes, read entry by entry (`super::read_page`).

use std::ops::Range;

fn skip_whitespace(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && matches!(bytes[at], b' ' | b'\t' | b'\n' | b'\r') {
        at += 1;
    }
    at
}

/// The end (exclusive) of the string whose opening quote is at `at`.
fn string_end(bytes: &[u8], at: usize) -> Result<usize, String> {
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err("a string is not closed".into())
}

/// The end (exclusive) of the value starting at `at`, without interpreting it: strings are
/// skipped whole, brackets counted (not recursed into), and a scalar runs to the next
/// delimiter.
fn value_end(bytes: &[u8], at: usize) -> Result<usize, String> {
    let at = skip_whitespace(bytes, at);
    match bytes.get(at) {
        None => Err("a value is missing".into()),
        Some(b'"') => string_end(bytes, at),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut i = at;
            while i < bytes.len() {
                match bytes[i] {
                    b'"' => {
                        i = string_end(bytes, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            Err("an object or array is not closed".into())
        }
        Some(_) => {
            let mut i = at;
            while i < bytes.len()
                && !matches!(bytes[i], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            {
                i += 1;
            }
            if i == at {
                Err(format!(
                    "unexpected {:?} at byte {at}",
                    char::from(bytes[at])
                ))
            } else {
                Ok(i)
            }
        }
    }
}

/// The keys of the top-level object with the byte range of each value.
pub(super) fn top_level_members(bytes: &[u8]) -> Result<Vec<(String, Range<usize>)>, String> {
    let mut at = skip_whitespace(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return Err("it is not a JSON object".into());
    }
    at = skip_whitespace(bytes, at + 1);
    let mut members = Vec::new();
    if bytes.get(at) == Some(&b'}') {
        return Ok(members);
    }
    loop {
        if bytes.get(at) != Some(&b'"') {
            return Err(format!("a member name is expected at byte {at}"));
        }
        let key_end = string_end(bytes, at)?;
        let key = serde_json::from_slice::<String>(&bytes[at..key_end])
            .map_err(|e| format!("a member name does not read: {e}"))?;
        at = skip_whitespace(bytes, key_end);
        if bytes.get(at) != Some(&b':') {
            return Err(format!("':' is expected after {key:?}"));
        }
        let start = skip_whitespace(bytes, at + 1);
        let end = value_end(bytes, start)?;
        members.push((key, start..end));
        at = skip_whitespace(bytes, end);
        match bytes.get(at) {
            Some(b',') => at = skip_whitespace(bytes, at + 1),
            Some(b'}') => return Ok(members),
            _ => return Err(format!("',' or '}}' is expected at byte {at}")),
        }
    }
}

/// The byte ranges of the elements of the array in `range`.
pub(super) fn array_elements(
    bytes: &[u8],
    range: Range<usize>,
) -> Result<Vec<Range<usize>>, String> {
    let mut at = skip_whitespace(bytes, range.start);
    if bytes.get(at) != Some(&b'[') {
        return Err("Bundle.entry is not an array".into());
    }
    at = skip_whitespace(bytes, at + 1);
    let mut elements = Vec::new();
    if bytes.get(at) == Some(&b']') {
        return Ok(elements);
    }
    while at < range.end {
        let end = value_end(bytes, at)?;
        elements.push(at..end);
        at = skip_whitespace(bytes, end);
        match bytes.get(at) {
            Some(b',') => at = skip_whitespace(bytes, at + 1),
            Some(b']') => return Ok(elements),
            _ => return Err(format!("',' or ']' is expected at byte {at}")),
        }
    }
    Err("Bundle.entry is not closed".into())
}
