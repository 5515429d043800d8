//! A resource version's JSON text as the store keeps it: LZ4-compressed against a dictionary
//! of typical resources. A region's cohort is tens of millions of resources held in memory
//! (issue 15); an Observation's text is about 550 bytes, and most of it (codes, displays,
//! systems, keys) is the same in every one of its kind, so against the dictionary it keeps
//! about an eighth of that (70 bytes). LZ4 because a page of a thousand is decompressed on every serve.

use std::sync::Arc;

/// One resource of each kind the cohort writes most (an Observation of every code the three
/// code styles use, a QuestionnaireResponse of each scored form), as served, a line each.
/// Only the compression ratio depends on it: any text round-trips.
const DICTIONARY: &[u8] = include_bytes!("compression_samples.ndjson");

/// Compressed JSON text, cheap to clone (versions are handed out by value).
#[derive(Debug, Clone)]
pub(crate) struct StoredText(Arc<[u8]>);

impl StoredText {
    pub fn new(text: &str) -> StoredText {
        StoredText(
            lz4_flex::block::compress_prepend_size_with_dict(text.as_bytes(), DICTIONARY).into(),
        )
    }

    /// The text as it was stored: UTF-8, since it was compressed from a `&str` here and LZ4
    /// loses nothing (not checked again on every serve). `null` stands for bytes that would
    /// not decompress, as for a resource that did not serialize.
    pub fn bytes(&self) -> Vec<u8> {
        lz4_flex::block::decompress_size_prepended_with_dict(&self.0, DICTIONARY)
            .unwrap_or_else(|_| b"null".to_vec())
    }

    /// Bytes held, for the memory test.
    #[cfg(test)]
    pub fn held(&self) -> usize {
        self.0.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_text_round_trips() {
        for text in [
            "",
            "null",
            r#"{"resourceType":"Flag","id":"æøå — \u2014","note":"x"}"#,
            &"0123456789".repeat(500),
        ] {
            assert_eq!(StoredText::new(text).bytes(), text.as_bytes());
        }
    }

    #[test]
    fn an_observation_keeps_a_fraction_of_its_text() {
        let text = r#"{"category":[{"coding":[{"code":"vital-signs","system":"http://terminology.hl7.org/CodeSystem/observation-category"}]}],"code":{"coding":[{"code":"DNK05473","display":"Arm—Blodtryk(diastolisk); tryk = ? mmHg","system":"urn:oid:1.2.208.176.2.1"}]},"effectiveDateTime":"2026-11-02T19:30:00.000Z","id":"o-2318807","meta":{"lastUpdated":"2026-11-02T19:32:00.417Z","versionId":"1"},"resourceType":"Observation","status":"final","subject":{"reference":"Patient/p-7712"},"valueQuantity":{"code":"mm[Hg]","system":"http://unitsofmeasure.org","unit":"mm[Hg]","value":83.0}}"#;
        let stored = StoredText::new(text);
        assert_eq!(stored.bytes(), text.as_bytes());
        assert!(
            stored.held() * 6 < text.len(),
            "{} bytes held of {}",
            stored.held(),
            text.len()
        );
    }
}
