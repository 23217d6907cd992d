//! The low layout (the accessibility panel's 「低い位置で操作」): for a customer in a wheelchair
//! or short of reach, every control the flow needs is in the lower part of the screen — no
//! button's top above `LOW_LINE` of the window's height — on every screen of both resets, the
//! panels over them and an error, in every language with larger text on (the tightest case),
//! and everything still fits at 1280×800. Measured on the app's own layout (`common::fit`).

mod common;

use common::{Kiosk, SIZE, fit};
use kiosk_app::app::Message;
use kiosk_app::assist::Switch;
use kiosk_app::i18n::{self, Language, MessageId, msg};
use kiosk_app::screen::top;

/// No control's top may be above this share of the window's height, measured from the top:
/// the upper third (267 px at 1280×800) holds only the header, titles and instructions.
const LOW_LINE: f32 = 1.0 / 3.0;

/// The labels of the controls the flow needs, in `language` (as the screen holds them).
fn controls(language: Language) -> Vec<String> {
    let ids: [MessageId; 21] = [
        msg::TOP_GOVERNMENT,
        msg::ASSIST_LARGE,
        msg::ASSIST_CONTRAST,
        msg::ASSIST_TIME,
        msg::ASSIST_LOW,
        msg::ASSIST_VOICE,
        msg::ASSIST_DONE,
        msg::SERVICES_PASSWORD_RESET,
        msg::COMMON_BACK,
        msg::COMMON_CANCEL,
        msg::COMMON_CONTINUE,
        msg::COMMON_FINISH,
        msg::RESET_MENU_SIGNING,
        msg::RESET_MENU_AUTH,
        msg::CONSENT_AGREE,
        msg::CONSENT_DECLINE,
        msg::PIN_CONFIRM,
        msg::PIN_DELETE,
        msg::PIN_CLEAR,
        msg::NEW_NEXT,
        msg::NEW_SET,
    ];
    let mut labels: Vec<String> = ids
        .iter()
        .map(|id| common::displayed(i18n::text(language, *id)))
        .collect();
    labels.extend(
        Language::ALL
            .iter()
            .map(|other| i18n::text(*other, msg::LANGUAGE_NAME).to_string()),
    );
    // The two buttons that are labelled in the language and in English ("言語 / Language"),
    // in English once ("Language"; its "Accessibility" is also the panel's title, so that
    // one is left to the other languages).
    if language == Language::English {
        labels.push(i18n::text(language, msg::LANGUAGE_CHOOSE).to_string());
    } else {
        labels.extend(
            [msg::LANGUAGE_CHOOSE, msg::ASSIST_OPEN]
                .map(|id| format!("{} /", common::displayed(i18n::text(language, id)))),
        );
    }
    labels.extend(["-", "+"].map(str::to_string));
    labels.extend(('0'..='9').chain('A'..='Z').map(|c| c.to_string()));
    labels
}

/// What the checks found wrong, by screen.
#[derive(Default)]
struct Findings {
    wrong: Vec<String>,
    screens: usize,
}

impl Findings {
    /// Every control on screen below the line, and every text fitting.
    fn check(&mut self, kiosk: &Kiosk, language: Language, screen: &str) {
        self.screens += 1;
        let line = SIZE.height * LOW_LINE;
        let labels = controls(language);
        // The reset menu's title reads as the services screen's button that leads to it.
        let title = common::displayed(i18n::text(language, msg::RESET_MENU_TITLE));
        let mut found = 0;
        for (text, bounds) in fit::placed(&kiosk.app, SIZE) {
            if screen == "reset menu" && text == title {
                continue;
            }
            // A bilingual label ("言語 / Language") starts with the language's own words.
            let control = labels
                .iter()
                .any(|label| text == *label || (label.ends_with(" /") && text.starts_with(label)));
            if control {
                found += 1;
                if bounds.y < line {
                    self.wrong.push(format!(
                        "{language:?} {screen}: {text:?} at y = {:.0} (above {line:.0})",
                        bounds.y
                    ));
                }
            }
        }
        if found == 0 {
            self.wrong
                .push(format!("{language:?} {screen}: no control found on screen"));
        }
        for overflow in fit::overflows(&kiosk.app, SIZE) {
            self.wrong.push(format!(
                "{language:?} {screen}: {:?} {}",
                overflow.text, overflow.why
            ));
        }
    }
}

/// A kiosk in `language` with the low layout (and `large` text) switched on from the top
/// screen's panel, which is checked open.
fn low_kiosk(language: Language, large: bool, findings: &mut Findings) -> Kiosk {
    let mut kiosk = Kiosk::with(|config| config.default_language = language);
    kiosk.send(Message::Top(top::Message::Assist));
    kiosk.send(Message::Assist(Switch::Low));
    if large {
        kiosk.send(Message::Assist(Switch::LargeText));
    }
    assert!(kiosk.app.assist().low);
    findings.check(&kiosk, language, "accessibility panel");
    kiosk.send(Message::CloseAssist);
    findings.check(&kiosk, language, "top");
    kiosk
}

fn walk(language: Language, large: bool, findings: &mut Findings) {
    // The signing reset, with the language choice and the warning on the way.
    let mut kiosk = low_kiosk(language, large, findings);
    kiosk.tap_id(msg::TOP_GOVERNMENT);
    findings.check(&kiosk, language, "services");
    kiosk.send(Message::Languages);
    findings.check(&kiosk, language, "choice of languages");
    kiosk.send(Message::CloseLanguages);
    kiosk.tap_id(msg::SERVICES_PASSWORD_RESET);
    findings.check(&kiosk, language, "reset menu");
    kiosk.tap_id(msg::RESET_MENU_SIGNING);
    findings.check(&kiosk, language, "consent");
    kiosk.tap_id(msg::CONSENT_AGREE);
    findings.check(&kiosk, language, "insert card");
    kiosk.place("signing-blocked");
    assert_eq!(kiosk.screen(), "current_pin");
    findings.check(&kiosk, language, "current PIN");
    kiosk.idle(50);
    assert!(kiosk.app.warning());
    findings.check(&kiosk, language, "inactivity warning");
    kiosk.tap_id(msg::COMMON_CONTINUE);
    kiosk.type_keys("1234");
    kiosk.tap_id(msg::PIN_CONFIRM);
    assert_eq!(kiosk.screen(), "new_pin");
    findings.check(&kiosk, language, "new password");
    kiosk.type_keys("NEWPASS1");
    kiosk.tap_id(msg::NEW_NEXT);
    findings.check(&kiosk, language, "new password again");
    kiosk.type_keys("NEWPASS1");
    kiosk.tap_id(msg::NEW_SET);
    assert_eq!(kiosk.screen(), "remove_card");
    findings.check(&kiosk, language, "remove card");
    kiosk.pull();
    assert_eq!(kiosk.screen(), "done");
    findings.check(&kiosk, language, "done");

    // The auth-PIN reset to its new PIN, and a refused card's error screen.
    let mut kiosk = low_kiosk(language, large, findings);
    kiosk.tap_id(msg::TOP_GOVERNMENT);
    kiosk.tap_id(msg::SERVICES_PASSWORD_RESET);
    kiosk.tap_id(msg::RESET_MENU_AUTH);
    kiosk.tap_id(msg::CONSENT_AGREE);
    kiosk.place("auth-blocked");
    assert_eq!(kiosk.screen(), "current_pin");
    findings.check(&kiosk, language, "signing password (auth reset)");
    kiosk.type_keys("ABC123");
    kiosk.tap_id(msg::PIN_CONFIRM);
    assert_eq!(kiosk.screen(), "new_pin");
    findings.check(&kiosk, language, "new auth PIN");
    kiosk.tap_id(msg::COMMON_CANCEL);
    kiosk.pull();
    assert!(!kiosk.app.assist().low, "the next customer starts standard");
    let mut kiosk = low_kiosk(language, large, findings);
    kiosk.tap_id(msg::TOP_GOVERNMENT);
    kiosk.tap_id(msg::SERVICES_PASSWORD_RESET);
    kiosk.tap_id(msg::RESET_MENU_SIGNING);
    kiosk.tap_id(msg::CONSENT_AGREE);
    kiosk.place("no-reservation");
    kiosk.pull();
    assert_eq!(kiosk.screen(), "error");
    findings.check(&kiosk, language, "error");
}

/// Walks `language` (with larger text, or without) and fails listing every finding.
fn every_control_is_low(language: Language, large: bool) {
    let mut findings = Findings::default();
    walk(language, large, &mut findings);
    eprintln!(
        "{language:?}{}: {} screens checked with the low layout, {} findings",
        if large { " with larger text" } else { "" },
        findings.screens,
        findings.wrong.len()
    );
    assert!(findings.wrong.is_empty(), "{}", findings.wrong.join("\n"));
}

// One test per language, so that they run side by side.
#[test]
fn every_control_is_low_in_japanese() {
    every_control_is_low(Language::Japanese, false);
}

#[test]
fn every_control_is_low_in_japanese_with_larger_text() {
    every_control_is_low(Language::Japanese, true);
}

#[test]
fn every_control_is_low_in_english_with_larger_text() {
    every_control_is_low(Language::English, true);
}

#[test]
fn every_control_is_low_in_chinese_with_larger_text() {
    every_control_is_low(Language::Chinese, true);
}

#[test]
fn every_control_is_low_in_korean_with_larger_text() {
    every_control_is_low(Language::Korean, true);
}

#[test]
fn every_control_is_low_in_vietnamese_with_larger_text() {
    every_control_is_low(Language::Vietnamese, true);
}

#[test]
fn every_control_is_low_in_portuguese_with_larger_text() {
    every_control_is_low(Language::Portuguese, true);
}

#[test]
fn the_low_layout_is_one_customers() {
    let mut findings = Findings::default();
    let mut kiosk = low_kiosk(Language::Japanese, false, &mut findings);
    kiosk.snapshot("a11y-low-top");
    kiosk.walk_to_pin_screen("normal");
    assert!(kiosk.app.assist().low);
    kiosk.snapshot("a11y-low-current-pin");
    kiosk.send(Message::Languages);
    kiosk.snapshot("a11y-low-languages");
    kiosk.send(Message::CloseLanguages);
    kiosk.tap_id(msg::COMMON_CANCEL);
    kiosk.pull();
    assert_eq!(kiosk.screen(), "top");
    assert!(!kiosk.app.assist().low, "the next customer starts standard");
    // And the standard layout does put a control high (so the check above can tell): the
    // header's language button.
    kiosk.tap_id(msg::TOP_GOVERNMENT);
    let language_button = format!(
        "{} / {}",
        i18n::text(Language::Japanese, msg::LANGUAGE_CHOOSE),
        i18n::text(Language::English, msg::LANGUAGE_CHOOSE)
    );
    let title_high = fit::placed(&kiosk.app, SIZE)
        .into_iter()
        .any(|(text, bounds)| text == language_button && bounds.y < SIZE.height * LOW_LINE);
    assert!(
        title_high,
        "the standard layout's language button is in the header"
    );
}
