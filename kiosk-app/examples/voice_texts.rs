//! What each recording of the voice guidance says, one JSON object a line, for
//! `scripts/record-voice`: `{"language": "ja", "file": "ja/insert-title.ogg", "words": "…"}`.
//! The words come from the catalogues through the kiosk's own `i18n`, so the recordings say
//! what the screens show (a test compares them with `assets/voice/manifest.tsv`).

use kiosk_app::i18n::Language;
use kiosk_app::voice;

fn main() {
    for language in Language::ALL {
        for clip in voice::clips() {
            let line = serde_json::json!({
                "language": language.code(),
                "file": format!("{}/{}.ogg", language.code(), clip.file_stem()),
                "words": clip.words(language),
            });
            println!("{line}");
        }
    }
}
