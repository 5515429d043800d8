//! The catalogue's texts in one language, with numbers and times written as that language
//! writes them: one wording for the plots and the printed handover.

use vagt_core::Timestamp;
use vagt_core::i18n::{Catalogue, Language};

/// The texts of one language, as the plots and the printed handover word them.
pub struct Words<'a> {
    catalogue: &'a Catalogue,
    language: Language,
}

impl<'a> Words<'a> {
    pub fn new(catalogue: &'a Catalogue, language: Language) -> Words<'a> {
        Words {
            catalogue,
            language,
        }
    }

    pub fn language(&self) -> Language {
        self.language
    }

    pub fn get(&self, key: &str) -> String {
        self.catalogue.text(key, self.language).to_owned()
    }

    /// The text with its `{name}` placeholders filled.
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        let mut text = self.get(key);
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// [`Words::fill`] for a count: the key's singular (`{key}.one`) when there is one and
    /// the count is 1.
    pub fn fill_count(&self, key: &str, count: usize, values: &[(&str, &str)]) -> String {
        let one = format!("{key}.one");
        if count == 1 && self.catalogue.text(&one, self.language) != one {
            return self.fill(&one, values);
        }
        self.fill(key, values)
    }

    /// A number with the language's decimal sign.
    pub fn number(&self, value: f64, decimals: usize) -> String {
        let text = format!("{value:.decimals$}");
        match self.language {
            Language::Da => text.replace('.', ","),
            Language::En => text,
        }
    }

    /// Day and time on Copenhagen's clock, as the language writes them.
    pub fn date_time(&self, at: Timestamp) -> String {
        match at.copenhagen() {
            Some(t) => match self.language {
                Language::Da => format!(
                    "{:02}.{:02}.{:04} {:02}.{:02}",
                    t.day, t.month, t.year, t.hour, t.minute
                ),
                Language::En => format!(
                    "{:02}/{:02}/{:04} {:02}:{:02}",
                    t.day, t.month, t.year, t.hour, t.minute
                ),
            },
            None => at.to_rfc3339(),
        }
    }

    /// Day, month and time on Copenhagen's clock, short: `02.12. 07.00` (`02/12 07:00`).
    pub fn day_time(&self, at: Timestamp) -> String {
        match at.copenhagen() {
            Some(t) => match self.language {
                Language::Da => {
                    format!("{:02}.{:02}. {:02}.{:02}", t.day, t.month, t.hour, t.minute)
                }
                Language::En => {
                    format!("{:02}/{:02} {:02}:{:02}", t.day, t.month, t.hour, t.minute)
                }
            },
            None => at.to_rfc3339(),
        }
    }

    /// The time of day on Copenhagen's clock: `07.00` (`07:00`).
    pub fn time(&self, at: Timestamp) -> String {
        match at.copenhagen() {
            Some(t) => match self.language {
                Language::Da => format!("{:02}.{:02}", t.hour, t.minute),
                Language::En => format!("{:02}:{:02}", t.hour, t.minute),
            },
            None => at.to_rfc3339(),
        }
    }
}
