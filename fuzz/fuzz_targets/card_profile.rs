//! Card profiles: `virtual_card::Profile::load` on a profile file whose text is the input.
//!
//! `Profile::load` only takes a path (paths inside a profile are relative to it), so the input
//! is written to `cards/fuzz.json` in a scratch directory where `cards/<name>/` and `test-pki/`
//! link to the repository's test cards: the seeds from `config/cards/*.json` load as they are.
//! A profile that loads has an ATR of 2 to 33 bytes, a token of at most 32 ASCII characters,
//! PINs and counters within the card's rules, and makes a card that answers SELECT JPKI-AP.
//!
//! Inputs naming device or kernel files (`/dev/`, `/proc/`, `/sys/`) are skipped: the loader
//! reads whatever path a profile names (profiles are trusted configuration), and reading
//! `/dev/zero` never ends.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use kiosk_fuzz::{config_path, scratch_dir};
use libfuzzer_sys::fuzz_target;
use virtual_card::profile::{AUTH_RULES, SIGNING_RULES};
use virtual_card::{Profile, VirtualCard};

struct Scratch {
    _dir: tempfile::TempDir,
    profile: PathBuf,
}

static SCRATCH: OnceLock<Scratch> = OnceLock::new();

fn scratch() -> &'static Scratch {
    SCRATCH.get_or_init(|| {
        let dir = scratch_dir("card-profile-fuzz");
        let cards = dir.path().join("cards");
        std::fs::create_dir(&cards).expect("cards/");
        std::os::unix::fs::symlink(config_path("test-pki"), dir.path().join("test-pki"))
            .expect("test-pki link");
        for entry in std::fs::read_dir(config_path("cards")).expect("config/cards") {
            let entry = entry.expect("an entry of config/cards");
            if entry.path().is_dir() {
                std::os::unix::fs::symlink(entry.path(), cards.join(entry.file_name()))
                    .expect("card folder link");
            }
        }
        Scratch {
            profile: cards.join("fuzz.json"),
            _dir: dir,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    if [&b"/dev/"[..], b"/proc/", b"/sys/"]
        .iter()
        .any(|bad| data.windows(bad.len()).any(|w| w == *bad))
    {
        return;
    }
    let scratch = scratch();
    std::fs::write(&scratch.profile, data).expect("writes the profile");
    let Ok(profile) = Profile::load(&scratch.profile) else {
        return;
    };
    assert!((2..=33).contains(&profile.atr.len()));
    if let Some(jpki) = &profile.jpki {
        assert!(jpki.token.len() <= 32 && jpki.token.is_ascii());
        assert!((AUTH_RULES.accepts)(&jpki.auth.pin));
        assert!(jpki.auth.tries_left <= AUTH_RULES.max_tries);
        if let Some(signing) = &jpki.signing {
            assert!((SIGNING_RULES.accepts)(&signing.pin));
            assert!(signing.tries_left <= SIGNING_RULES.max_tries);
        }
    }
    let has_applet = profile.jpki.is_some();
    let mut card = VirtualCard::new(profile);
    let select = [
        0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
    ];
    let answer = card.process(&select);
    let expected: [u8; 2] = if has_applet {
        [0x90, 0x00]
    } else {
        [0x6A, 0x82]
    };
    assert_eq!(answer, expected);
});
