//! Every string the customer sees comes from a catalogue: `assets/i18n/<language>.json`, built
//! into the binary. Japanese first; English complete (a test checks every id exists in both).

use std::collections::HashMap;
use std::sync::OnceLock;

/// The languages the kiosk speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    Japanese,
    English,
}

impl Language {
    /// The other language (the language button switches between the two).
    pub fn other(self) -> Language {
        match self {
            Language::Japanese => Language::English,
            Language::English => Language::Japanese,
        }
    }

    pub const ALL: [Language; 2] = [Language::Japanese, Language::English];

    pub fn code(self) -> &'static str {
        match self {
            Language::Japanese => "ja",
            Language::English => "en",
        }
    }
}

/// The catalogue sources, by language.
pub fn source(language: Language) -> &'static str {
    match language {
        Language::Japanese => include_str!("../../assets/i18n/ja.json"),
        Language::English => include_str!("../../assets/i18n/en.json"),
    }
}

type Catalogue = HashMap<String, String>;

fn catalogues() -> &'static [Catalogue; 2] {
    static CATALOGUES: OnceLock<[Catalogue; 2]> = OnceLock::new();
    CATALOGUES.get_or_init(|| {
        Language::ALL.map(|language| serde_json::from_str(source(language)).unwrap_or_default())
    })
}

fn catalogue(language: Language) -> &'static Catalogue {
    &catalogues()[match language {
        Language::Japanese => 0,
        Language::English => 1,
    }]
}

/// The text of `id` in `language`. A missing id shows itself (and fails the catalogue test)
/// rather than crashing a kiosk.
pub fn text(language: Language, id: &str) -> &'static str {
    catalogue(language)
        .get(id)
        .map(String::as_str)
        .unwrap_or_else(|| {
            // Leaked once per missing id; the catalogue test keeps this path out of releases.
            Box::leak(format!("[{id}]").into_boxed_str())
        })
}

/// The text of `id`, if the catalogue has it (for labels that may fall back to an identifier).
pub fn lookup(language: Language, id: &str) -> Option<&'static str> {
    catalogue(language).get(id).map(String::as_str)
}

/// The text of `id` with `{name}` placeholders filled in.
pub fn format(language: Language, id: &str, values: &[(&str, &str)]) -> String {
    let mut out = text(language, id).to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// Every id and text of a catalogue (for the tests and the font subset).
pub fn entries(language: Language) -> impl Iterator<Item = (&'static str, &'static str)> {
    catalogue(language)
        .iter()
        .map(|(id, text)| (id.as_str(), text.as_str()))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn both_catalogues_parse_and_have_the_same_ids() {
        for language in Language::ALL {
            let parsed: Result<Catalogue, _> = serde_json::from_str(source(language));
            assert!(
                parsed.is_ok(),
                "{} does not parse: {:?}",
                language.code(),
                parsed.err()
            );
        }
        let ids = |language| entries(language).map(|(id, _)| id).collect::<BTreeSet<_>>();
        let japanese = ids(Language::Japanese);
        let english = ids(Language::English);
        assert_eq!(
            japanese.symmetric_difference(&english).collect::<Vec<_>>(),
            Vec::<&&str>::new(),
            "ids missing in one language"
        );
        for language in Language::ALL {
            for (id, value) in entries(language) {
                assert!(
                    !value.trim().is_empty(),
                    "{}: {id} is empty",
                    language.code()
                );
            }
        }
    }

    #[test]
    fn placeholders_match_across_languages() {
        let placeholders = |text: &str| {
            text.split('{')
                .skip(1)
                .filter_map(|s| s.split('}').next())
                .map(str::to_string)
                .collect::<BTreeSet<_>>()
        };
        for (id, japanese) in entries(Language::Japanese) {
            assert_eq!(
                placeholders(japanese),
                placeholders(text(Language::English, id)),
                "{id}"
            );
        }
    }

    #[test]
    fn formatting_fills_placeholders() {
        assert_eq!(
            format(Language::English, "pin.tries", &[("n", "2")]),
            "Tries left: 2"
        );
        assert_eq!(
            format(Language::Japanese, "pin.tries", &[("n", "2")]),
            "入力できる回数：あと 2 回"
        );
        assert_eq!(text(Language::English, "no.such.id"), "[no.such.id]");
    }
}
