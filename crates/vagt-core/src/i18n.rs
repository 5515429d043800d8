//! The one string catalogue for every text a nurse reads, Danish first, English beside it.
//! The web UI imports the same JSON file; Rust uses it for notifications and messages.

use serde::Deserialize;
use std::collections::BTreeMap;

/// `assets/i18n/catalogue.json`: `{ "key": { "da": "...", "en": "..." } }`.
pub const CATALOGUE_JSON: &str = include_str!("../../../assets/i18n/catalogue.json");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    #[default]
    Da,
    En,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Entry {
    pub da: String,
    pub en: String,
}

#[derive(Debug, Clone)]
pub struct Catalogue {
    entries: BTreeMap<String, Entry>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("the string catalogue is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl Catalogue {
    pub fn builtin() -> Result<Self, CatalogueError> {
        Self::parse(CATALOGUE_JSON)
    }

    pub fn parse(json: &str) -> Result<Self, CatalogueError> {
        Ok(Catalogue {
            entries: serde_json::from_str(json)?,
        })
    }

    /// The text for `key`, or the key itself so that a missing text is visible, not blank.
    pub fn text<'a>(&'a self, key: &'a str, language: Language) -> &'a str {
        match (self.entries.get(key), language) {
            (Some(e), Language::Da) => &e.da,
            (Some(e), Language::En) => &e.en,
            (None, _) => key,
        }
    }

    pub fn entries(&self) -> impl Iterator<Item = (&String, &Entry)> {
        self.entries.iter()
    }
}

/// `{name}` placeholders in a text, sorted, so both languages can be checked to agree.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut found: Vec<&str> = text
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect();
    found.sort_unstable();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_has_both_languages_with_the_same_placeholders() {
        let catalogue = Catalogue::builtin().expect("catalogue parses");
        let mut count = 0;
        for (key, entry) in catalogue.entries() {
            assert!(!entry.da.trim().is_empty(), "{key}: Danish text missing");
            assert!(!entry.en.trim().is_empty(), "{key}: English text missing");
            assert_eq!(placeholders(&entry.da), placeholders(&entry.en), "{key}");
            count += 1;
        }
        assert!(count > 10, "catalogue suspiciously small: {count}");
    }

    #[test]
    fn missing_keys_show_the_key() {
        let catalogue = Catalogue::builtin().expect("catalogue parses");
        assert_eq!(catalogue.text("no.such.key", Language::Da), "no.such.key");
    }
}
