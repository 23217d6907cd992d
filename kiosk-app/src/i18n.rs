//! Every string the customer sees comes from a catalogue: `assets/i18n/<language>.json`, built
//! into the binary. Japanese first; English complete (a test checks every id exists in both).

use std::collections::HashMap;
use std::sync::OnceLock;

pub use kiosk_core::config::Language;

/// The catalogue sources, by language.
pub fn source(language: Language) -> &'static str {
    match language {
        Language::Japanese => include_str!("../../assets/i18n/ja.json"),
        Language::English => include_str!("../../assets/i18n/en.json"),
    }
}

type Catalogue = HashMap<String, String>;

/// The catalogues as written.
fn catalogues() -> &'static [Catalogue; 2] {
    static CATALOGUES: OnceLock<[Catalogue; 2]> = OnceLock::new();
    CATALOGUES.get_or_init(|| {
        Language::ALL.map(|language| serde_json::from_str(source(language)).unwrap_or_default())
    })
}

/// The catalogues as shown: Japanese with its numbers kept together ([`keep_numbers_together`]).
fn shown() -> &'static [Catalogue; 2] {
    static SHOWN: OnceLock<[Catalogue; 2]> = OnceLock::new();
    SHOWN.get_or_init(|| {
        Language::ALL.map(|language| {
            catalogue_in(catalogues(), language)
                .iter()
                .map(|(id, text)| (id.clone(), typeset(language, text)))
                .collect()
        })
    })
}

/// `text` laid out for `language`'s line breaking.
fn typeset(language: Language, text: &str) -> String {
    match language {
        Language::Japanese => keep_numbers_together(text),
        Language::English => text.to_string(),
    }
}

/// WORD JOINER: no line break on either side of it, and nothing drawn (the shaper hides this
/// default-ignorable character; the font needs no glyph for it).
pub const WORD_JOINER: char = '\u{2060}';

/// Japanese breaks lines between any two characters, so a narrow box can split 「（数字4桁）」
/// into 「（数」 and 「字4桁）」, or 「あと 3 回」 after 「3」. This glues every number to what
/// stands next to it — its unit, the word before it, a range's 〜, the spaces around it — and
/// every character of a short parenthetical （…） to the next, so that a line breaks before or
/// after such a phrase, never inside it. Texts with placeholders are typeset once filled in
/// ([`format`]); a placeholder's name is never split.
pub fn keep_numbers_together(text: &str) -> String {
    /// A parenthetical longer than this may break inside (it is a sentence, not a phrase).
    const PHRASE: usize = 16;
    let numeric = |c: char| c.is_ascii_digit();
    // Where Japanese would break: any character outside ASCII (kana, kanji, 〜, full-width
    // punctuation). Opening brackets are left free to start a line.
    let japanese = |c: char| !c.is_ascii() && !matches!(c, '（' | '「' | '『');
    // After the end of a sentence or clause a line may break before a number (「…します。
    // 15歳未満…」 starts its sentence on the next line rather than splitting 「します」).
    let clause_end = |c: char| {
        matches!(
            c,
            '。' | '、' | '，' | '．' | '：' | '；' | '！' | '？' | '」' | '』' | '）'
        )
    };
    let chars: Vec<char> = text.chars().collect();
    // For each character, whether it and the next belong to one short parenthetical.
    let mut bracketed = vec![false; chars.len()];
    let mut open = None;
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '（' => open = Some(i),
            '）' => {
                if let Some(start) = open.take().filter(|&start| i - start <= PHRASE) {
                    bracketed[start..i].iter_mut().for_each(|b| *b = true);
                }
            }
            _ => {}
        }
    }
    // A placeholder's name is replaced whole, so nothing may go inside `{…}`.
    let mut naming = false;
    let mut out = String::with_capacity(text.len() + 16);
    for (i, &c) in chars.iter().enumerate() {
        out.push(c);
        naming = match c {
            '{' => true,
            '}' => false,
            _ => naming,
        };
        let Some(&next) = chars.get(i + 1) else {
            break;
        };
        let glue = match (c, next) {
            _ if naming => false,
            _ if bracketed[i] => true,
            (a, b) if numeric(a) && japanese(b) => true,
            (a, b) if japanese(a) && !clause_end(a) && numeric(b) => true,
            // 「あと 3 回」: the space itself is where the line would break.
            (' ', b) => {
                let before = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
                before.is_some_and(|a| (japanese(a) && numeric(b)) || (numeric(a) && japanese(b)))
            }
            _ => false,
        };
        if glue {
            out.push(WORD_JOINER);
        }
    }
    out
}

fn catalogue_in(catalogues: &[Catalogue; 2], language: Language) -> &Catalogue {
    &catalogues[match language {
        Language::Japanese => 0,
        Language::English => 1,
    }]
}

fn catalogue(language: Language) -> &'static Catalogue {
    catalogue_in(shown(), language)
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

/// The text of `id` with `{name}` placeholders filled in (then typeset, so that a number
/// filled in stays with its unit).
pub fn format(language: Language, id: &str, values: &[(&str, &str)]) -> String {
    let Some(written) = catalogue_in(catalogues(), language).get(id) else {
        return text(language, id).to_string();
    };
    let mut out = written.clone();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    typeset(language, &out)
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
    fn japanese_numbers_stay_with_their_units() {
        let wj = WORD_JOINER;
        assert_eq!(
            keep_numbers_together("暗証番号（数字4桁）を入力"),
            format!("暗証番号（{wj}数{wj}字{wj}4{wj}桁{wj}）を入力")
        );
        // A long parenthetical is a sentence: only its numbers are glued.
        let long = "（ここは十六文字より長い括弧書きの文章で3回）";
        assert_eq!(
            keep_numbers_together(long),
            long.replace("で3回", &format!("で{wj}3{wj}回"))
        );
        assert_eq!(
            keep_numbers_together("英数字6〜16文字"),
            format!("英数字{wj}6{wj}〜{wj}16{wj}文字")
        );
        assert_eq!(
            keep_numbers_together("あと 3 回"),
            format!("あと {wj}3 {wj}回")
        );
        assert_eq!(
            format(
                Language::Japanese,
                "staff.counters.refused",
                &[("reason", "予約なし")]
            ),
            "受付不可：予約なし"
        );
        // A sentence may start on a new line with its number.
        assert_eq!(
            keep_numbers_together("確認をします。15歳未満"),
            format!("確認をします。15{wj}歳未満")
        );
        // A placeholder stays whole, in brackets too.
        assert_eq!(
            keep_numbers_together("（{kind}）"),
            format!("（{wj}{{kind}}{wj}）")
        );
        // Latin text and phrases without numbers are left as they are.
        assert_eq!(keep_numbers_together("Tries left: {n}"), "Tries left: {n}");
        assert_eq!(
            keep_numbers_together("カードを置いてください"),
            "カードを置いてください"
        );
        // What is drawn is unchanged: only joiners were added.
        for (_, text) in entries(Language::Japanese) {
            let raw: String = text.chars().filter(|&c| c != wj).collect();
            assert!(raw.chars().count() <= text.chars().count());
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
            format!("入力できる回数：あと {WORD_JOINER}2 {WORD_JOINER}回")
        );
        assert_eq!(text(Language::English, "no.such.id"), "[no.such.id]");
    }
}
