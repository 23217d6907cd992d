//! The accessibility switches a customer turns on from the top screen (larger text and keys,
//! high contrast, more time), through iced_test on the real app with the demo's virtual cards:
//! on, through a session, and off again for the next customer.

mod common;

use common::{Kiosk, SIZE, fit};
use kiosk_app::app::Message;
use kiosk_app::assist::{Assist, Switch};
use kiosk_app::i18n::{self, Language, msg};

/// The top screen's accessibility button, as it reads in Japanese.
fn accessibility_button() -> String {
    format!(
        "{} / {}",
        i18n::text(Language::Japanese, msg::ASSIST_OPEN),
        i18n::text(Language::English, msg::ASSIST_OPEN)
    )
}

/// The height of the first text on screen that reads `words`.
fn height_of(kiosk: &Kiosk, words: &str) -> f32 {
    fit::placed(&kiosk.app, SIZE)
        .into_iter()
        .find(|(text, _)| text == words)
        .map(|(_, bounds)| bounds.height)
        .unwrap_or_else(|| panic!("{words:?} is not on screen"))
}

#[test]
fn the_switches_last_one_customer() {
    let mut kiosk = Kiosk::demo();
    let title = i18n::text(Language::Japanese, msg::TOP_TITLE);
    let plain_title = height_of(&kiosk, title);
    kiosk.tap_exact(&accessibility_button());
    assert!(kiosk.shows_id(msg::ASSIST_TITLE));
    assert!(!kiosk.app.assist().any(), "all as for any new customer");
    assert!(
        kiosk.shows_id(msg::ASSIST_ON),
        "the voice guidance says it is on, as the store set it"
    );
    kiosk.snapshot("a11y-panel");
    kiosk.tap_id(msg::ASSIST_LARGE);
    kiosk.tap_id(msg::ASSIST_CONTRAST);
    kiosk.tap_id(msg::ASSIST_TIME);
    let assist = kiosk.app.assist();
    assert!(assist.large_text && assist.high_contrast && assist.more_time);
    assert!(!assist.low, "the low layout stays off");
    assert_eq!(
        (assist.voice, assist.volume),
        (Assist::default().voice, Assist::default().volume),
        "the voice stays as the store set it"
    );
    kiosk.snapshot("a11y-panel-on");
    kiosk.tap_id(msg::ASSIST_DONE);
    assert!(!kiosk.shows_id(msg::ASSIST_TITLE), "the panel closed");
    assert!(
        kiosk.shows_id(msg::MARK_OK),
        "the button says something is on"
    );
    kiosk.snapshot("a11y-top-on");
    // Larger text: the same title a quarter taller.
    let large_title = height_of(&kiosk, title);
    assert!(
        large_title >= plain_title * 1.2,
        "{plain_title} → {large_title}"
    );

    // More time: the demo's screens end after 90 s with a warning 20 s before; now 180 s.
    kiosk.tap("行政サービス");
    kiosk.idle(75);
    assert!(!kiosk.app.warning(), "no warning at 75 s");
    kiosk.idle(150);
    assert!(!kiosk.app.warning(), "nor at 150 s");
    kiosk.idle(165);
    assert!(kiosk.app.warning(), "the warning at 165 s");
    kiosk.tap("続ける");
    kiosk.tap("マイナンバーカードのパスワード再設定");
    kiosk.tap("署名用パスワードの初期化・再設定");
    kiosk.snapshot("a11y-consent");
    kiosk.tap("同意する");
    kiosk.place("normal");
    assert_eq!(kiosk.screen(), "current_pin");
    kiosk.type_keys("12");
    kiosk.snapshot("a11y-current-pin");
    kiosk.type_keys("34");
    kiosk.tap("確定");
    assert_eq!(kiosk.screen(), "new_pin");
    kiosk.snapshot("a11y-new-pin");
    kiosk.tap("やめる");
    assert_eq!(kiosk.screen(), "remove_card");
    kiosk.snapshot("a11y-remove-card");
    kiosk.pull();

    // The next customer: nothing on, the standard sizes.
    assert_eq!(kiosk.screen(), "top");
    assert_eq!(kiosk.app.assist(), Assist::default());
    assert!(!kiosk.shows_id(msg::MARK_OK));
    assert_eq!(height_of(&kiosk, title), plain_title);
}

#[test]
fn choices_left_on_the_top_screen_go_back_for_the_next_customer() {
    let mut kiosk = Kiosk::demo();
    kiosk.tap("English");
    kiosk.send(Message::Assist(Switch::HighContrast));
    assert!(kiosk.app.assist().high_contrast);
    // Walked away without starting: after the screen's time (90 s, 180 with more time, which
    // is off here), the store's language and no switch.
    kiosk.idle(60);
    assert_eq!(kiosk.app.language(), Language::English);
    kiosk.idle(91);
    assert_eq!(kiosk.screen(), "top");
    assert_eq!(kiosk.app.language(), Language::Japanese);
    assert_eq!(kiosk.app.assist(), Assist::default());
    // Nothing chosen: the top screen waits as long as it likes.
    kiosk.idle(3600);
    assert_eq!(kiosk.screen(), "top");
}

#[test]
fn the_staff_screens_keep_their_own_sizes() {
    // Staff may open maintenance while a customer's switches are still on the top screen: its
    // screens keep the standard sizes (they are not laid out for larger text).
    let hold =
        || std::thread::sleep(kiosk_app::app::STAFF_HOLD + std::time::Duration::from_millis(100));
    let mut plain = Kiosk::demo();
    plain.send(Message::Corner(true));
    hold();
    plain.send(Message::Corner(false));
    assert_eq!(plain.screen(), "staff_login");
    let mut assisted = Kiosk::demo();
    assisted.send(Message::Assist(Switch::LargeText));
    assisted.send(Message::Corner(true));
    hold();
    assisted.send(Message::Corner(false));
    assert_eq!(assisted.screen(), "staff_login");
    assert_eq!(
        fit::placed(&plain.app, SIZE),
        fit::placed(&assisted.app, SIZE),
        "the passcode screen is laid out alike"
    );
}
