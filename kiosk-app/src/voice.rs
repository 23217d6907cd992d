//! The voice guidance's words: which catalogue messages are recorded (`clips`), where each
//! recording is (compiled in from `assets/voice/`, made by `scripts/record-voice`) and how it
//! becomes samples. What is said on which screen is the app's (`App::prompt`); playing it is
//! `crate::sound`'s. A clip is a catalogue message, or one with a count: never anything the
//! customer typed, so no PIN digit or password character can be spoken (docs/audio.md).

use crate::i18n::{self, Arg, Language, MessageId, msg};

/// The rate and format of every recording and sound: 16 kHz, mono, 16-bit.
pub const RATE: u32 = 16_000;

/// The most tries a card counts (the signing password's 5): a recording of the tries left
/// exists for each count up to it.
pub const MOST_TRIES: u8 = 5;

mod table {
    include!(concat!(env!("OUT_DIR"), "/recordings.rs"));
}

/// One recording: a catalogue message as spoken, with the count it says, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clip {
    pub id: MessageId,
    pub count: Option<u8>,
}

impl Clip {
    pub const fn of(id: MessageId) -> Clip {
        Clip { id, count: None }
    }

    pub const fn counting(id: MessageId, count: u8) -> Clip {
        Clip {
            id,
            count: Some(count),
        }
    }

    /// The recording's file name without `.ogg`: the id, and `-<count>` for a count.
    pub fn file_stem(&self) -> String {
        match self.count {
            None => self.id.as_str().to_string(),
            Some(count) => format!("{}-{count}", self.id.as_str()),
        }
    }

    /// What the recording says, from the catalogue (the words the recording script speaks).
    pub fn words(&self, language: Language) -> String {
        match self.count {
            None => i18n::text(language, self.id).to_string(),
            Some(count) => i18n::format(language, self.id, &[("n", Arg::Number(count.into()))]),
        }
    }

    /// Its recording in `language`, Ogg Vorbis as committed.
    pub fn recording(&self, language: Language) -> Option<&'static [u8]> {
        let stem = self.file_stem();
        table::RECORDINGS
            .binary_search_by(|(code, name, _)| {
                (*code, *name).cmp(&(language.code(), stem.as_str()))
            })
            .ok()
            .map(|index| table::RECORDINGS[index].2)
    }
}

/// Messages that are shown but not recorded: labels rather than prompts, and the one guide
/// that holds the store's hours (recordings cannot know them; its title is spoken).
const NOT_SPOKEN: [MessageId; 2] = [msg::ERROR_NEXT, msg::ERROR_OUTSIDE_HOURS_GUIDE];

/// Every clip recorded, in every language: each screen's title and instructions, the tries
/// left (1 to 5), the wrong-PIN and last-try warnings, the removal screen's lines with the
/// card-left alert, every error's title and guide, and the overlays' titles.
pub fn clips() -> Vec<Clip> {
    let mut clips: Vec<Clip> = [
        msg::SERVICES_TITLE,
        msg::RESET_MENU_TITLE,
        msg::CONSENT_TITLE,
        msg::INSERT_TITLE,
        msg::INSERT_INSTRUCTION,
        msg::INSERT_READING,
        msg::PIN_TITLE_AUTH,
        msg::PIN_TITLE_SIGNING,
        msg::PIN_LAST_TRY,
        msg::PIN_WRONG_AUTH,
        msg::PIN_WRONG_SIGNING,
        msg::PIN_WRONG_LAST_TRY_AUTH,
        msg::PIN_WRONG_LAST_TRY_SIGNING,
        msg::PIN_CHECKING,
        msg::NEW_TITLE_AUTH,
        msg::NEW_TITLE_SIGNING,
        msg::NEW_AGAIN,
        msg::NEW_MISMATCH,
        msg::PROCESSING_TITLE,
        msg::PROCESSING_HOLD,
        msg::REMOVE_TITLE,
        msg::REMOVE_DONE,
        msg::REMOVE_CANCELLED,
        msg::REMOVE_TIMED_OUT,
        msg::REMOVE_ESCALATED,
        msg::REMOVE_REMINDER,
        msg::DONE_TITLE_AUTH,
        msg::DONE_TITLE_SIGNING,
        msg::DONE_MESSAGE,
        msg::WARNING_TITLE,
        msg::LANGUAGE_TITLE,
        msg::ASSIST_TITLE,
    ]
    .into_iter()
    .map(Clip::of)
    .collect();
    clips.extend(
        msg::ALL
            .iter()
            .filter(|id| id.as_str().starts_with("error-") && !NOT_SPOKEN.contains(id))
            .map(|id| Clip::of(*id)),
    );
    clips.extend((1..=MOST_TRIES).map(|n| Clip::counting(msg::PIN_TRIES, n)));
    clips
}

/// A recording's samples (16 kHz mono), or why it cannot be played.
pub fn decode(ogg: &[u8]) -> Result<Vec<i16>, String> {
    let mut reader = lewton::inside_ogg::OggStreamReader::new(std::io::Cursor::new(ogg))
        .map_err(|error| format!("not Ogg Vorbis: {error}"))?;
    let header = &reader.ident_hdr;
    if header.audio_sample_rate != RATE || header.audio_channels != 1 {
        return Err(format!(
            "{} Hz, {} channels (the kiosk plays {RATE} Hz mono)",
            header.audio_sample_rate, header.audio_channels
        ));
    }
    let mut samples = Vec::new();
    while let Some(packet) = reader
        .read_dec_packet_itl()
        .map_err(|error| format!("damaged: {error}"))?
    {
        samples.extend(packet);
    }
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_clip_says_what_is_typed() {
        // The only variable a spoken message carries is a count of tries.
        for clip in clips() {
            for language in Language::ALL {
                let words = clip.words(language);
                assert!(!words.contains('{'), "{}: {words}", clip.file_stem());
            }
            assert!(clip.count.is_none() || clip.id == msg::PIN_TRIES);
        }
    }

    #[test]
    fn clip_names_are_unique() {
        let clips = clips();
        let mut stems: Vec<String> = clips.iter().map(Clip::file_stem).collect();
        stems.sort();
        stems.dedup();
        assert_eq!(stems.len(), clips.len());
    }
}
