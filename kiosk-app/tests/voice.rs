//! The voice guidance as ALSA gets it: whole resets through the real app and worker (the demo's
//! virtual cards and centre), every sound the kiosk plays captured through ALSA's `file`
//! plugin (`aplay -D file:FILE="|cat >>capture",FORMAT=raw`, the null device behind it), then
//! matched in order against the recordings each screen should say and a tone for each key —
//! so a prompt missing, extra, out of order, in the wrong language or at the wrong volume
//! fails. Also: every clip recorded in every language, each saying its message's words now;
//! and a kiosk with no audio device completes a reset.

mod common;

use std::path::Path;
use std::time::Duration;

use common::Kiosk;
use kiosk_app::i18n::{self, Language, MessageId, msg};
use kiosk_app::sound;
use kiosk_app::voice::{self, Clip};
use kiosk_core::config::Volume;

/// What one turn of the speaker should have played.
#[derive(Debug, Clone)]
enum Heard {
    /// A screen's prompt, whole.
    Prompt(Vec<Clip>),
    /// A screen the flow passes through (reading the card, checking the PIN, resetting): its
    /// prompt may be cut short by the next screen's, so any beginning of it will do.
    Passing(Vec<Clip>),
    KeyTone,
}

/// The speaker of a kiosk whose sound goes into `capture`.
fn capturing(capture: &Path, volume: Volume, language: Language) -> Kiosk {
    let device = format!("file:FILE=\"|cat >>{}\",FORMAT=raw", capture.display());
    Kiosk::with(|config| {
        config.audio.device = device;
        config.audio.volume = volume;
        config.default_language = language;
    })
}

/// Waits until the kiosk has played everything it was asked to.
fn quiet(kiosk: &Kiosk) {
    assert!(
        kiosk.app.speaker().wait_quiet(Duration::from_secs(30)),
        "the speaker never finished"
    );
}

fn clips(ids: &[MessageId]) -> Vec<Clip> {
    ids.iter().map(|id| Clip::of(*id)).collect()
}

/// The samples a turn plays at `volume`, rendered from the recordings as committed.
fn samples(heard: &Heard, language: Language, volume: Volume) -> Vec<i16> {
    let parts = match heard {
        Heard::Prompt(clips) | Heard::Passing(clips) => clips
            .iter()
            .map(|clip| {
                sound::Part::Speech(clip.recording(language).unwrap_or_else(|| {
                    panic!("{} has no {language:?} recording", clip.file_stem())
                }))
            })
            .collect(),
        Heard::KeyTone => vec![sound::Part::KeyTone],
    };
    sound::render(&parts, volume)
}

/// Matches the capture against `expected`, in order: between two turns only silence (aplay
/// pads a turn's last period with it), a passing turn any beginning of itself, a whole turn
/// all of itself; nothing but silence after the last. Returns how many whole turns were heard.
fn match_capture(capture: &[i16], expected: &[Heard], language: Language, volume: Volume) -> usize {
    let mut at = 0;
    let mut whole = 0;
    for (n, heard) in expected.iter().enumerate() {
        let want = samples(heard, language, volume);
        // Where the turn starts: after silence only (aplay pads a turn's last period with it).
        let mut after_silence = (at..capture.len()).take_while(|&i| i == at || capture[i - 1] == 0);
        let (start, length) = match heard {
            // Any beginning of it, none at all if the next screen came first.
            Heard::Passing(_) => match after_silence.find(|&i| capture[i] == want[0]) {
                Some(start) => {
                    let length = capture[start..]
                        .iter()
                        .zip(&want)
                        .take_while(|(a, b)| a == b)
                        .count();
                    (start, length)
                }
                None => (at, 0),
            },
            _ => {
                let start = after_silence
                    .find(|&i| capture[i..].starts_with(&want))
                    .unwrap_or_else(|| {
                        panic!(
                            "turn {n} ({heard:?}) not found after sample {at} of {}",
                            capture.len()
                        )
                    });
                whole += 1;
                (start, want.len())
            }
        };
        at = start + length;
    }
    let stray = capture[at..].iter().filter(|s| **s != 0).count();
    assert_eq!(stray, 0, "{stray} samples of sound after the last turn");
    whole
}

fn read_capture(path: &Path) -> Vec<i16> {
    let bytes = std::fs::read(path).expect("the capture");
    bytes
        .chunks_exact(2)
        .map(|pair| i16::from_le_bytes([pair[0], pair[1]]))
        .collect()
}

/// Taps `label`, waits for the speaker, and records what should have been heard.
fn tap(kiosk: &mut Kiosk, label: &str, heard: &mut Vec<Heard>, then: Vec<Heard>) {
    kiosk.tap(label);
    quiet(kiosk);
    heard.extend(then);
}

/// Types `keys` one by one: a tone each, and nothing of what they are.
fn type_keys(kiosk: &mut Kiosk, keys: &str, heard: &mut Vec<Heard>) {
    for key in keys.chars() {
        kiosk.tap(&key.to_string());
        quiet(kiosk);
        heard.push(Heard::KeyTone);
    }
}

/// A whole signing reset in `language` at `volume`, with a wrong PIN first: what is captured
/// is exactly each screen's prompt and each key's tone, in order.
fn signing_reset_is_heard(language: Language, volume: Volume) -> usize {
    let scratch = tempfile::tempdir().expect("scratch");
    let capture = scratch.path().join("capture.raw");
    let mut kiosk = capturing(&capture, volume, language);
    let words = |id| i18n::text(language, id);
    let mut heard = Vec::new();
    // The top screen waits in silence.
    quiet(&kiosk);
    tap(
        &mut kiosk,
        words(msg::TOP_GOVERNMENT),
        &mut heard,
        vec![Heard::Prompt(clips(&[msg::SERVICES_TITLE]))],
    );
    tap(
        &mut kiosk,
        words(msg::SERVICES_PASSWORD_RESET),
        &mut heard,
        vec![Heard::Prompt(clips(&[msg::RESET_MENU_TITLE]))],
    );
    tap(
        &mut kiosk,
        words(msg::RESET_MENU_SIGNING),
        &mut heard,
        vec![Heard::Prompt(clips(&[msg::CONSENT_TITLE]))],
    );
    tap(
        &mut kiosk,
        words(msg::CONSENT_AGREE),
        &mut heard,
        vec![Heard::Prompt(clips(&[
            msg::INSERT_TITLE,
            msg::INSERT_INSTRUCTION,
        ]))],
    );
    kiosk.place("signing-blocked");
    quiet(&kiosk);
    assert_eq!(kiosk.screen(), "current_pin");
    heard.push(Heard::Passing(clips(&[msg::INSERT_READING])));
    heard.push(Heard::Prompt(vec![
        Clip::of(msg::PIN_TITLE_AUTH),
        Clip::counting(msg::PIN_TRIES, 3),
    ]));
    // A wrong PIN: the kiosk says so and how many tries are left, never the digits.
    type_keys(&mut kiosk, "9999", &mut heard);
    tap(
        &mut kiosk,
        words(msg::PIN_CONFIRM),
        &mut heard,
        vec![
            Heard::Passing(clips(&[msg::PIN_CHECKING])),
            Heard::Prompt(vec![
                Clip::of(msg::PIN_WRONG_AUTH),
                Clip::counting(msg::PIN_TRIES, 2),
            ]),
        ],
    );
    assert_eq!(kiosk.screen(), "current_pin");
    type_keys(&mut kiosk, "1234", &mut heard);
    tap(
        &mut kiosk,
        words(msg::PIN_CONFIRM),
        &mut heard,
        vec![
            Heard::Passing(clips(&[msg::PIN_CHECKING])),
            Heard::Prompt(clips(&[msg::NEW_TITLE_SIGNING])),
        ],
    );
    assert_eq!(kiosk.screen(), "new_pin");
    type_keys(&mut kiosk, "NEWPASS1", &mut heard);
    tap(
        &mut kiosk,
        words(msg::NEW_NEXT),
        &mut heard,
        vec![Heard::Prompt(clips(&[msg::NEW_AGAIN]))],
    );
    type_keys(&mut kiosk, "NEWPASS1", &mut heard);
    tap(
        &mut kiosk,
        words(msg::NEW_SET),
        &mut heard,
        vec![
            Heard::Passing(clips(&[msg::PROCESSING_TITLE, msg::PROCESSING_HOLD])),
            Heard::Prompt(clips(&[
                msg::REMOVE_DONE,
                msg::REMOVE_TITLE,
                msg::REMOVE_REMINDER,
            ])),
        ],
    );
    assert_eq!(kiosk.screen(), "remove_card");
    assert!(kiosk.card_accepts_signing_pin("NEWPASS1"));
    kiosk.pull();
    quiet(&kiosk);
    heard.push(Heard::Prompt(clips(&[
        msg::DONE_TITLE_SIGNING,
        msg::DONE_MESSAGE,
    ])));
    // Back at the top: silence again.
    tap(&mut kiosk, words(msg::COMMON_FINISH), &mut heard, vec![]);
    assert_eq!(kiosk.screen(), "top");
    drop(kiosk);
    let captured = read_capture(&capture);
    let turns = match_capture(&captured, &heard, language, volume);
    eprintln!(
        "{language:?} at volume {}: {turns} whole turns heard in order ({:.1} s of sound)",
        volume.step(),
        captured.len() as f64 / f64::from(voice::RATE)
    );
    turns
}

#[test]
fn a_whole_reset_is_heard_screen_by_screen_and_key_by_key() {
    let turns = signing_reset_is_heard(Language::Japanese, Volume::LOUDEST);
    // 10 screens' prompts (and any beginning of the 4 passing screens') and 24 key tones.
    assert_eq!(turns, 10 + 24);
}

#[test]
fn the_voice_speaks_the_customers_language_at_their_volume() {
    // The same reset in Vietnamese (espeak-ng's voice), quieter: each sample is the recording's
    // at half the amplitude.
    let turns = signing_reset_is_heard(Language::Vietnamese, Volume::LOUDEST.quieter());
    assert_eq!(turns, 10 + 24);
}

#[test]
fn a_customer_who_silences_the_voice_hears_only_the_keys() {
    let scratch = tempfile::tempdir().expect("scratch");
    let capture = scratch.path().join("capture.raw");
    let mut kiosk = capturing(&capture, Volume::LOUDEST, Language::Japanese);
    let words = |id| i18n::text(Language::Japanese, id);
    let mut heard = Vec::new();
    kiosk.tap(&format!(
        "{} / {}",
        words(msg::ASSIST_OPEN),
        i18n::text(Language::English, msg::ASSIST_OPEN)
    ));
    quiet(&kiosk);
    heard.push(Heard::Prompt(clips(&[msg::ASSIST_TITLE])));
    tap(&mut kiosk, words(msg::ASSIST_VOICE), &mut heard, vec![]);
    tap(&mut kiosk, words(msg::ASSIST_DONE), &mut heard, vec![]);
    kiosk.walk_to_pin_screen("normal");
    quiet(&kiosk);
    type_keys(&mut kiosk, "12", &mut heard);
    drop(kiosk);
    let captured = read_capture(&capture);
    assert_eq!(
        match_capture(&captured, &heard, Language::Japanese, Volume::LOUDEST),
        3
    );
}

#[test]
fn a_kiosk_without_an_audio_device_completes_a_reset() {
    let mut kiosk = Kiosk::with(|config| config.audio.device = "hw:CARD=NoSuchCard".to_string());
    kiosk.walk_to_pin_screen("signing-blocked");
    quiet(&kiosk);
    kiosk.type_keys("1234");
    kiosk.tap("確定");
    assert_eq!(kiosk.screen(), "new_pin");
    kiosk.type_keys("NEWPASS1");
    kiosk.tap("次へ");
    kiosk.type_keys("NEWPASS1");
    kiosk.tap("設定する");
    assert_eq!(kiosk.screen(), "remove_card");
    kiosk.pull();
    assert_eq!(kiosk.screen(), "done");
    quiet(&kiosk);
    assert!(
        kiosk.app.speaker().failures() > 0,
        "aplay was asked to play"
    );
}

#[test]
fn every_clip_is_recorded_in_every_language_saying_its_words() {
    let manifest = std::fs::read_to_string(common::workspace().join("assets/voice/manifest.tsv"))
        .expect("assets/voice/manifest.tsv");
    let mut recorded = std::collections::BTreeMap::new();
    for line in manifest.lines().filter(|line| !line.starts_with('#')) {
        let fields: Vec<&str> = line.splitn(4, '\t').collect();
        assert_eq!(fields.len(), 4, "{line}");
        recorded.insert(fields[1].to_string(), fields[3].to_string());
    }
    let mut stale = Vec::new();
    let mut seconds = 0.0;
    let mut count = 0;
    for language in Language::ALL {
        for clip in voice::clips() {
            let file = format!("{}/{}.ogg", language.code(), clip.file_stem());
            let ogg = clip
                .recording(language)
                .unwrap_or_else(|| panic!("{file} is not recorded (scripts/record-voice)"));
            let samples = voice::decode(ogg).unwrap_or_else(|e| panic!("{file}: {e}"));
            let peak = samples.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
            assert!(
                samples.len() > voice::RATE as usize / 4 && peak > 8000,
                "{file}: {} samples, peak {peak}: not speech",
                samples.len()
            );
            seconds += samples.len() as f64 / f64::from(voice::RATE);
            count += 1;
            if recorded.remove(&file).as_deref() != Some(clip.words(language).as_str()) {
                stale.push(file);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "recorded with other words than the catalogues' now (run scripts/record-voice): {stale:?}"
    );
    assert!(
        recorded.is_empty(),
        "recordings of no clip: {:?}",
        recorded.keys()
    );
    eprintln!("{count} recordings, {seconds:.0} s of speech");
}
