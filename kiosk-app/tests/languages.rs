//! Every language the kiosk speaks, on the real app against the demo's virtual cards and
//! centre: both flows walked in each language by its own words, every text of every screen
//! measured against its box at 1280×800 (`common::fit`), every error's screens in every
//! language, and a language chosen mid-flow forgetting what was typed.

mod common;

use std::time::{Duration, Instant};

use common::{Kiosk, SIZE, fit};
use kiosk_app::app::{Message, Screen};
use kiosk_app::assist::Switch;
use kiosk_app::guidance::every_error;
use kiosk_app::i18n::{self, Language, msg};
use kiosk_app::screen::remove_card::Ending;
use kiosk_app::screen::top;
use reset_protocol::ResetKind;

/// What does not fit, gathered over a whole walk so that one run lists everything.
#[derive(Default)]
struct Misfits(Vec<String>);

impl Misfits {
    fn check(&mut self, kiosk: &Kiosk, what: &str) {
        let large = if kiosk.app.assist().large_text {
            " (large text)"
        } else {
            ""
        };
        for overflow in fit::overflows(&kiosk.app, SIZE) {
            self.0.push(format!(
                "{}{large} · {what}: {:?} {}",
                kiosk.app.language().code(),
                overflow.text,
                overflow.why
            ));
        }
    }

    fn assert_none(self) {
        assert!(
            self.0.is_empty(),
            "{} texts do not fit at 1280×800:\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

/// A demo kiosk with `language` chosen on the top screen, by its own name, and larger text
/// switched on if `large`.
fn kiosk_in(language: Language, large: bool) -> Kiosk {
    let mut kiosk = Kiosk::demo();
    kiosk.tap_exact(i18n::text(language, msg::LANGUAGE_NAME));
    assert_eq!(kiosk.app.language(), language);
    if large {
        kiosk.send(Message::Assist(Switch::LargeText));
        assert!(kiosk.app.assist().large_text);
    }
    kiosk
}

fn walk_signing_reset(language: Language, large: bool, misfits: &mut Misfits) {
    let mut kiosk = kiosk_in(language, large);
    misfits.check(&kiosk, "top");
    kiosk.tap_id(msg::TOP_GOVERNMENT);
    assert_eq!(kiosk.screen(), "services");
    misfits.check(&kiosk, "services");
    kiosk.tap_id(msg::SERVICES_PASSWORD_RESET);
    assert_eq!(kiosk.screen(), "reset_menu");
    misfits.check(&kiosk, "reset menu");
    kiosk.tap_id(msg::RESET_MENU_SIGNING);
    assert_eq!(kiosk.screen(), "consent");
    misfits.check(&kiosk, "consent (signing)");
    // The choice of languages over a screen, and back.
    kiosk.send(Message::Languages);
    misfits.check(&kiosk, "choice of languages");
    // Its own language's name closes it (the back under the choice is the screen's own).
    kiosk.tap_exact(i18n::text(language, msg::LANGUAGE_NAME));
    assert_eq!(kiosk.screen(), "consent");
    kiosk.tap_id(msg::CONSENT_AGREE);
    assert_eq!(kiosk.screen(), "insert_card");
    misfits.check(&kiosk, "insert card");
    kiosk.place("normal");
    assert_eq!(kiosk.screen(), "current_pin");
    misfits.check(&kiosk, "current PIN");
    kiosk.type_keys("9999");
    kiosk.tap_id(msg::PIN_CONFIRM);
    assert!(kiosk.shows_id(msg::PIN_WRONG_AUTH), "the wrong PIN is told");
    misfits.check(&kiosk, "current PIN, wrong");
    kiosk.type_keys("1234");
    kiosk.tap_id(msg::PIN_CONFIRM);
    assert_eq!(kiosk.screen(), "new_pin");
    misfits.check(&kiosk, "new password");
    kiosk.type_keys("NEW");
    misfits.check(&kiosk, "new password, rules");
    kiosk.type_keys("PASS1");
    kiosk.tap_id(msg::NEW_NEXT);
    assert!(kiosk.shows_id(msg::NEW_AGAIN));
    misfits.check(&kiosk, "new password, again");
    kiosk.type_keys("OTHER12");
    kiosk.tap_id(msg::NEW_SET);
    assert!(kiosk.shows_id(msg::NEW_MISMATCH));
    misfits.check(&kiosk, "new password, mismatch");
    kiosk.type_keys("NEWPASS1");
    kiosk.tap_id(msg::NEW_NEXT);
    kiosk.type_keys("NEWPASS1");
    kiosk.tap_id(msg::NEW_SET);
    assert_eq!(kiosk.screen(), "remove_card");
    assert!(kiosk.card_accepts_signing_pin("NEWPASS1"));
    misfits.check(&kiosk, "take the card (done)");
    kiosk.pull();
    assert_eq!(kiosk.screen(), "done");
    misfits.check(&kiosk, "done (signing)");
    kiosk.tap_id(msg::COMMON_FINISH);
    assert_eq!(kiosk.screen(), "top");
    assert_eq!(
        kiosk.app.language(),
        Language::Japanese,
        "the next customer starts in the store's language"
    );
    assert!(!kiosk.app.assist().any(), "and with no switch on");
}

fn walk_auth_reset(language: Language, large: bool, misfits: &mut Misfits) {
    let mut kiosk = kiosk_in(language, large);
    kiosk.tap_id(msg::TOP_GOVERNMENT);
    kiosk.tap_id(msg::SERVICES_PASSWORD_RESET);
    kiosk.tap_id(msg::RESET_MENU_AUTH);
    misfits.check(&kiosk, "consent (auth)");
    kiosk.tap_id(msg::CONSENT_AGREE);
    kiosk.place("normal");
    assert_eq!(kiosk.screen(), "current_pin");
    misfits.check(&kiosk, "signing password");
    kiosk.type_keys("ABC123");
    kiosk.tap_id(msg::PIN_CONFIRM);
    assert_eq!(kiosk.screen(), "new_pin");
    misfits.check(&kiosk, "new auth PIN");
    kiosk.type_keys("5678");
    kiosk.tap_id(msg::NEW_NEXT);
    kiosk.type_keys("5678");
    kiosk.tap_id(msg::NEW_SET);
    assert_eq!(kiosk.screen(), "remove_card");
    assert!(kiosk.card_accepts_auth_pin("5678"));
    kiosk.pull();
    assert_eq!(kiosk.screen(), "done");
    misfits.check(&kiosk, "done (auth)");
}

fn walk_the_rest(language: Language, large: bool, misfits: &mut Misfits) {
    // The accessibility switches over the top screen, all on.
    let mut kiosk = kiosk_in(language, large);
    kiosk.send(Message::Top(top::Message::Assist));
    for switch in [Switch::HighContrast, Switch::MoreTime] {
        kiosk.send(Message::Assist(switch));
    }
    misfits.check(&kiosk, "accessibility switches");
    kiosk.send(Message::CloseAssist);
    misfits.check(&kiosk, "top with switches on");

    // The last try, and the inactivity warning over it.
    kiosk.tap_id(msg::TOP_GOVERNMENT);
    kiosk.tap_id(msg::SERVICES_PASSWORD_RESET);
    kiosk.tap_id(msg::RESET_MENU_SIGNING);
    kiosk.tap_id(msg::CONSENT_AGREE);
    kiosk.place("auth-last-try");
    assert!(kiosk.shows_id(msg::PIN_LAST_TRY));
    misfits.check(&kiosk, "current PIN, last try");
    // More time is on: the PIN screen's 60 s are 120.
    kiosk.idle(105);
    assert!(kiosk.app.warning());
    misfits.check(&kiosk, "inactivity warning");

    // Every error, as its removal screen and as its guidance, for both resets; the other
    // endings of the removal screen, and its escalation.
    for kind in [ResetKind::Signing, ResetKind::Auth] {
        for error in every_error() {
            let what = format!("{error:?} ({kind:?})");
            kiosk.app.show_for_layout(Screen::RemoveCard {
                ending: Ending::Failed(error.clone(), kind),
                since: Instant::now(),
            });
            misfits.check(&kiosk, &format!("take the card after {what}"));
            kiosk.app.show_for_layout(Screen::Error { error, kind });
            misfits.check(&kiosk, &format!("error {what}"));
        }
    }
    for (ending, what) in [
        (Ending::Cancelled, "cancelled"),
        (Ending::TimedOut, "timed out"),
        (Ending::LeftBehind, "left behind"),
        (Ending::Success(ResetKind::Auth), "done (auth)"),
    ] {
        kiosk.app.show_for_layout(Screen::RemoveCard {
            ending,
            since: Instant::now(),
        });
        misfits.check(&kiosk, &format!("take the card, {what}"));
    }
    let long_ago = Instant::now()
        .checked_sub(Duration::from_secs(30))
        .expect("an instant 30 s ago");
    kiosk.app.show_for_layout(Screen::RemoveCard {
        ending: Ending::Cancelled,
        since: long_ago,
    });
    misfits.check(&kiosk, "take the card, escalated");
    for (screen, what) in [
        (Screen::Reading, "reading"),
        (Screen::Checking { tries_left: 3 }, "checking"),
        (Screen::Processing, "processing"),
        (Screen::OutOfService, "out of service"),
    ] {
        kiosk.app.show_for_layout(screen);
        misfits.check(&kiosk, what);
    }
}

#[test]
fn every_screen_of_both_flows_fits_in_every_language() {
    let mut misfits = Misfits::default();
    for language in Language::ALL {
        walk_signing_reset(language, false, &mut misfits);
        walk_auth_reset(language, false, &mut misfits);
    }
    misfits.assert_none();
}

#[test]
fn every_screen_of_both_flows_fits_in_every_language_with_large_text() {
    let mut misfits = Misfits::default();
    for language in Language::ALL {
        walk_signing_reset(language, true, &mut misfits);
        walk_auth_reset(language, true, &mut misfits);
    }
    misfits.assert_none();
}

#[test]
fn every_error_and_warning_fits_in_every_language() {
    let mut misfits = Misfits::default();
    for language in Language::ALL {
        walk_the_rest(language, false, &mut misfits);
    }
    misfits.assert_none();
}

#[test]
fn every_error_and_warning_fits_in_every_language_with_large_text() {
    let mut misfits = Misfits::default();
    for language in Language::ALL {
        walk_the_rest(language, true, &mut misfits);
    }
    misfits.assert_none();
}

#[test]
fn the_fit_check_finds_a_text_that_runs_out_of_its_box() {
    // The check itself can fail: at a window far too small for the consent screen, its texts
    // run out of their boxes and the window.
    let kiosk = {
        let mut kiosk = Kiosk::demo();
        kiosk.tap_id(msg::TOP_GOVERNMENT);
        kiosk.tap_id(msg::SERVICES_PASSWORD_RESET);
        kiosk.tap_id(msg::RESET_MENU_SIGNING);
        kiosk
    };
    assert!(fit::overflows(&kiosk.app, SIZE).is_empty());
    let cramped = fit::overflows(&kiosk.app, iced::Size::new(1280.0, 420.0));
    assert!(
        cramped.iter().any(|o| o.why.contains("needs")),
        "{cramped:?}"
    );
}

#[test]
fn a_language_chosen_mid_flow_forgets_what_was_typed() {
    let mut kiosk = Kiosk::demo();
    kiosk.walk_to_pin_screen("normal");
    kiosk.type_keys("12");
    // A dot in each box typed into.
    let dot = i18n::text(Language::Japanese, msg::MARK_MASK);
    assert!(kiosk.shows(dot));
    kiosk.tap_exact(&format!(
        "{} / {}",
        i18n::text(Language::Japanese, msg::LANGUAGE_CHOOSE),
        i18n::text(Language::English, msg::LANGUAGE_CHOOSE)
    ));
    assert!(kiosk.shows_id(msg::LANGUAGE_TITLE));
    kiosk.tap_exact(i18n::text(Language::Korean, msg::LANGUAGE_NAME));
    assert_eq!(kiosk.app.language(), Language::Korean);
    assert_eq!(kiosk.screen(), "current_pin", "the session goes on");
    assert!(kiosk.shows_id(msg::PIN_TITLE_AUTH), "the screen in Korean");
    assert!(
        !kiosk.shows(dot),
        "what was typed is gone: not one dot is left"
    );
    // The whole PIN typed again in Korean works.
    kiosk.type_keys("1234");
    kiosk.tap_exact(i18n::text(Language::Korean, msg::PIN_CONFIRM));
    assert_eq!(kiosk.screen(), "new_pin");

    // On the new password: the first entry is forgotten too.
    kiosk.type_keys("NEWPASS1");
    kiosk.tap_id(msg::NEW_NEXT);
    assert!(kiosk.shows_id(msg::NEW_AGAIN));
    kiosk.send(Message::Language(Language::Vietnamese));
    assert!(!kiosk.shows_id(msg::NEW_AGAIN), "back to the first entry");
    assert!(kiosk.shows_id(msg::NEW_TITLE_SIGNING));
    // Choosing the language already on screen changes nothing.
    kiosk.type_keys("AB");
    kiosk.send(Message::Language(Language::Vietnamese));
    assert!(kiosk.shows(&dot.repeat(2)));
}

/// The lowest row of ink in a render of `words` in `font` at 100 px, and the render's scale.
fn ink_bottom(words: &str, font: iced::Font) -> (usize, f32) {
    use iced::widget::{container, text};
    let settings = iced::Settings {
        fonts: kiosk_app::theme::font_files().map(Into::into).collect(),
        default_font: kiosk_app::theme::FONT,
        ..iced::Settings::default()
    };
    let size = iced::Size::new(300.0, 200.0);
    let view: iced::Element<'_, ()> = container(text(words.to_string()).size(100).font(font))
        .padding(20)
        .into();
    let mut ui = iced_test::simulator::Simulator::with_size(settings, size, view);
    let snapshot = ui.snapshot(&iced::Theme::Light).expect("a render");
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("glyph.png");
    assert!(snapshot.matches_image(&path).expect("written"));
    let file = std::fs::read_dir(dir.path())
        .expect("the render")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .expect("a PNG");
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(file).expect("the PNG"),
    ));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut pixels).expect("a frame");
    let (width, height) = (info.width as usize, info.height as usize);
    let row_has_ink = |row: usize| {
        (0..width).any(|x| {
            let at = (row * width + x) * 4;
            // Dark on the light theme's white.
            pixels[at] < 128 && pixels[at + 3] > 0
        })
    };
    let bottom = (0..height)
        .rev()
        .find(|&row| row_has_ink(row))
        .expect("ink");
    (bottom, height as f32 / size.height)
}

#[test]
fn every_face_draws_its_descenders_whole() {
    // A p's descender reaches as far below the o's bottom as the face draws it, in both weights
    // (BIZ UDPGothic's Latin descenders are short by design, 0.12 em: not cut).
    for face in kiosk_app::theme::FACES {
        let parsed = ttf_parser::Face::parse(face.regular, 0).expect("the face");
        let bottom = |c| {
            let glyph = parsed.glyph_index(c).expect("the glyph");
            f32::from(parsed.glyph_bounding_box(glyph).expect("its outline").y_min)
        };
        let expected = (bottom('o') - bottom('p')) / f32::from(parsed.units_per_em()) * 100.0;
        for font in [
            kiosk_app::theme::font_of(face),
            kiosk_app::theme::bold_of(face),
        ] {
            let (o_bottom, scale) = ink_bottom("o", font);
            let (p_bottom, _) = ink_bottom("p", font);
            let drawn = (p_bottom as f32 - o_bottom as f32) / scale;
            assert!(
                drawn >= expected - 2.5,
                "{} ({:?}): the p's descender is drawn {drawn:.1} px deep of {expected:.1}",
                face.family,
                font.weight
            );
        }
    }
}
