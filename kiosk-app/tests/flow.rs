//! The customer flow through the app's own state machine and views, against the demo's virtual
//! cards and centre. Each screen reached is compared with its committed snapshot.

mod common;

use common::Kiosk;

#[test]
fn the_happy_path_goes_through_every_screen_in_order() {
    let mut kiosk = Kiosk::demo();
    assert_eq!(kiosk.screen(), "top");
    kiosk.snapshot("00-top");
    kiosk.tap("行政サービス");
    assert_eq!(kiosk.screen(), "services");
    kiosk.snapshot("01-services");
    kiosk.tap("マイナンバーカードのパスワード再設定");
    assert_eq!(kiosk.screen(), "reset_menu");
    kiosk.snapshot("02-reset-menu");
    kiosk.tap("署名用パスワードの初期化・再設定");
    assert_eq!(kiosk.screen(), "consent");
    kiosk.snapshot("03-consent");
    kiosk.tap("同意する");
    assert_eq!(kiosk.screen(), "insert_card");
    kiosk.snapshot("04-insert-card");
    kiosk.place("signing-blocked");
    assert_eq!(kiosk.screen(), "current_pin");
    assert!(
        kiosk.shows("入力できる回数：あと 3 回"),
        "tries shown before entry"
    );
    kiosk.snapshot("05-current-pin");
    kiosk.type_keys("12");
    kiosk.snapshot("05-current-pin-typing");
    kiosk.type_keys("34");
    kiosk.tap("確定");
    assert_eq!(kiosk.screen(), "new_pin");
    kiosk.snapshot("06-new-pin");
    kiosk.type_keys("NEW");
    kiosk.snapshot("06-new-pin-rules");
    kiosk.type_keys("PASS1");
    kiosk.tap("次へ");
    assert!(kiosk.shows("確認のため、同じものをもう一度入力してください"));
    kiosk.snapshot("06-new-pin-again");
    kiosk.type_keys("NEWPASS1");
    kiosk.tap("設定する");
    assert_eq!(kiosk.screen(), "remove_card");
    kiosk.snapshot("07-remove-card");
    // The card now holds the new password, and not the old one.
    assert!(kiosk.card_accepts_signing_pin("NEWPASS1"));
    assert!(!kiosk.card_accepts_signing_pin("ABC123"));
    kiosk.pull();
    assert_eq!(kiosk.screen(), "done");
    kiosk.snapshot("08-done");
    kiosk.tap("終了");
    assert_eq!(kiosk.screen(), "top");

    // The same card again: the reservation is used, and the customer is told before any PIN.
    kiosk.walk_to_pin_screen("signing-blocked");
    assert_eq!(kiosk.screen(), "remove_card");
    assert!(kiosk.shows("この予約はすでに使われています"));
}

#[test]
fn a_wrong_pin_then_the_right_one() {
    let mut kiosk = Kiosk::demo();
    kiosk.walk_to_pin_screen("normal");
    kiosk.type_keys("9999");
    kiosk.tap("確定");
    assert_eq!(kiosk.screen(), "current_pin");
    assert!(kiosk.shows("暗証番号が違います。"));
    assert!(kiosk.shows("入力できる回数：あと 2 回"));
    kiosk.snapshot("05-current-pin-wrong");
    kiosk.type_keys("1234");
    kiosk.tap("確定");
    assert_eq!(kiosk.screen(), "new_pin");
}

#[test]
fn the_last_try_is_warned_and_a_wrong_one_locks() {
    let mut kiosk = Kiosk::demo();
    kiosk.walk_to_pin_screen("auth-last-try");
    assert!(kiosk.shows("入力できる回数：あと 1 回"));
    assert!(kiosk.shows(
        "次に間違えるとロックされます。ロックされると、市区町村の窓口での手続きが必要になります。"
    ));
    kiosk.snapshot("05-current-pin-last-try");
    kiosk.type_keys("0000");
    kiosk.tap("確定");
    assert_eq!(kiosk.screen(), "remove_card");
    assert!(kiosk.shows("利用者証明用電子証明書の暗証番号がロックされています"));
    kiosk.pull();
    assert_eq!(kiosk.screen(), "error");
    kiosk.snapshot("error-pin-locked");
}

#[test]
fn a_locked_pin_is_told_before_any_entry() {
    let mut kiosk = Kiosk::demo();
    kiosk.walk_to_pin_screen("auth-blocked");
    assert_eq!(
        kiosk.screen(),
        "remove_card",
        "no PIN screen for a locked PIN"
    );
    assert!(kiosk.shows("利用者証明用電子証明書の暗証番号がロックされています"));
    kiosk.snapshot("07-remove-card-after-error");
}

#[test]
fn a_malformed_pin_cannot_be_sent() {
    let mut kiosk = Kiosk::demo();
    kiosk.walk_to_pin_screen("normal");
    kiosk.type_keys("123");
    assert!(!kiosk.taps("確定"), "three digits cannot be confirmed");
    kiosk.type_keys("45");
    assert!(
        kiosk.taps("確定"),
        "the fifth digit was not taken: four are a PIN"
    );
    assert_eq!(kiosk.screen(), "new_pin");
    // A new password without a digit cannot go on either.
    kiosk.type_keys("ABCDEF");
    assert!(!kiosk.taps("次へ"));
    kiosk.tap("1字消す");
    kiosk.type_keys("1");
    assert!(kiosk.taps("次へ"));
}

#[test]
fn the_two_new_passwords_must_match() {
    let mut kiosk = Kiosk::demo();
    kiosk.walk_to_pin_screen("normal");
    kiosk.type_keys("1234");
    kiosk.tap("確定");
    kiosk.type_keys("NEWPASS1");
    kiosk.tap("次へ");
    kiosk.type_keys("NEWPASS2");
    kiosk.tap("設定する");
    assert_eq!(kiosk.screen(), "new_pin");
    assert!(kiosk.shows("1回目と一致しませんでした。もう一度、1回目から入力してください。"));
    kiosk.snapshot("06-new-pin-mismatch");
    // Back from the second entry returns to the first.
    kiosk.type_keys("NEWPASS1");
    kiosk.tap("次へ");
    kiosk.tap("戻る");
    assert!(kiosk.shows("新しい署名用電子証明書のパスワードを入力してください"));
}

#[test]
fn no_reservation_is_told_before_any_pin() {
    let mut kiosk = Kiosk::demo();
    kiosk.walk_to_pin_screen("no-reservation");
    assert_eq!(kiosk.screen(), "remove_card");
    assert!(kiosk.shows("再設定の予約が見つかりません"));
    kiosk.pull();
    assert_eq!(kiosk.screen(), "error");
    assert!(kiosk.shows(
        "「JPKI暗証番号リセット」アプリで再設定を予約してから、24時間以内にもう一度お越しください。"
    ));
    kiosk.snapshot("error-no-reservation");
    kiosk.tap("終了");
    assert_eq!(kiosk.screen(), "top");
}

#[test]
fn every_error_card_reaches_its_own_guidance() {
    let cases = [
        (
            "not-mynumber",
            "マイナンバーカードを読み取れませんでした",
            "error-not-mynumber",
        ),
        (
            "no-signing-cert",
            "署名用電子証明書が搭載されていません",
            "error-no-signing-cert",
        ),
        (
            "auth-expired",
            "電子証明書の有効期限が切れています",
            "error-cert-expired",
        ),
        (
            "signing-revoked",
            "電子証明書が失効しています",
            "error-cert-revoked",
        ),
        (
            "untrusted-ca",
            "電子証明書を確認できませんでした",
            "error-cert-untrusted",
        ),
        (
            "old-reservation",
            "予約の有効期限（24時間）が過ぎています",
            "error-reservation-expired",
        ),
        (
            "auth-blocked",
            "利用者証明用電子証明書の暗証番号がロックされています",
            "error-auth-locked",
        ),
    ];
    let mut kiosk = Kiosk::demo();
    for (card, title, snapshot) in cases {
        kiosk.walk_to_pin_screen(card);
        assert_eq!(kiosk.screen(), "remove_card", "{card}");
        assert!(kiosk.shows(title), "{card}: {title}");
        kiosk.pull();
        assert_eq!(kiosk.screen(), "error", "{card}");
        assert!(kiosk.shows(title), "{card}");
        assert!(kiosk.shows("次にすること"), "{card}: guidance");
        if card != "auth-blocked" {
            kiosk.snapshot(snapshot);
        }
        kiosk.tap("終了");
        assert_eq!(kiosk.screen(), "top");
    }
}

#[test]
fn the_card_pulled_on_each_screen_stops_everything() {
    let mut kiosk = Kiosk::demo();
    // On the PIN screen.
    kiosk.walk_to_pin_screen("normal");
    kiosk.type_keys("12");
    kiosk.pull();
    assert_eq!(kiosk.screen(), "error");
    assert!(kiosk.shows("カードが取り外されました"));
    kiosk.snapshot("error-card-moved");
    kiosk.tap("終了");
    // On the new password screen, first and second entry.
    for second in [false, true] {
        kiosk.walk_to_pin_screen("normal");
        kiosk.type_keys("1234");
        kiosk.tap("確定");
        kiosk.type_keys("NEWPASS1");
        if second {
            kiosk.tap("次へ");
        }
        kiosk.pull();
        assert_eq!(kiosk.screen(), "error");
        kiosk.tap("終了");
        assert_eq!(kiosk.screen(), "top");
    }
    // Nothing changed on the card: the old auth PIN still works, all tries left.
    kiosk.walk_to_pin_screen("normal");
    assert!(kiosk.shows("入力できる回数：あと 3 回"));
}

#[test]
fn cancel_and_back_on_every_screen() {
    let mut kiosk = Kiosk::demo();
    kiosk.tap("行政サービス");
    kiosk.tap("戻る");
    assert_eq!(kiosk.screen(), "top");
    kiosk.tap("行政サービス");
    kiosk.tap("マイナンバーカードのパスワード再設定");
    kiosk.tap("戻る");
    assert_eq!(kiosk.screen(), "services");
    kiosk.tap("マイナンバーカードのパスワード再設定");
    kiosk.tap("署名用パスワードの初期化・再設定");
    kiosk.tap("戻る");
    assert_eq!(kiosk.screen(), "reset_menu");
    kiosk.tap("署名用パスワードの初期化・再設定");
    kiosk.tap("同意しない");
    assert_eq!(
        kiosk.screen(),
        "top",
        "declining the consent ends the session"
    );
    kiosk.tap("行政サービス");
    kiosk.tap("マイナンバーカードのパスワード再設定");
    kiosk.tap("署名用パスワードの初期化・再設定");
    kiosk.tap("同意する");
    kiosk.tap("戻る");
    assert_eq!(kiosk.screen(), "consent");
    // With a card on the reader, cancel always leads to taking it back first.
    kiosk.tap("同意する");
    kiosk.place("normal");
    kiosk.tap("やめる");
    assert_eq!(kiosk.screen(), "remove_card");
    assert!(kiosk.shows("手続きを中止しました。"));
    kiosk.pull();
    assert_eq!(kiosk.screen(), "top");
    kiosk.walk_to_pin_screen("normal");
    kiosk.type_keys("1234");
    kiosk.tap("確定");
    kiosk.tap("やめる");
    assert_eq!(kiosk.screen(), "remove_card");
    kiosk.pull();
    assert_eq!(kiosk.screen(), "top");
}

#[test]
fn the_inactivity_warning_extends_then_the_session_expires() {
    let mut kiosk = Kiosk::demo();
    kiosk.tap("行政サービス");
    kiosk.tap("マイナンバーカードのパスワード再設定");
    kiosk.tap("署名用パスワードの初期化・再設定");
    kiosk.idle(60);
    assert!(!kiosk.app.warning(), "no warning before the last 20 s");
    kiosk.idle(75);
    assert!(kiosk.app.warning());
    assert!(kiosk.shows("あと 15 秒で終了します"));
    kiosk.snapshot("warning");
    kiosk.tap("続ける");
    assert!(!kiosk.app.warning());
    assert_eq!(kiosk.screen(), "consent");
    kiosk.idle(91);
    assert_eq!(kiosk.screen(), "top");

    // On a PIN screen with a card: what was typed is dropped and the card must be taken back.
    kiosk.walk_to_pin_screen("normal");
    kiosk.type_keys("12");
    kiosk.idle(45);
    assert!(kiosk.app.warning());
    kiosk.idle(61);
    assert_eq!(kiosk.screen(), "remove_card");
    assert!(kiosk.shows("一定時間操作がなかったため、手続きを終了しました。"));
    kiosk.pull();
    assert_eq!(kiosk.screen(), "top");
}

#[test]
fn extensions_are_limited() {
    let mut kiosk = Kiosk::demo();
    kiosk.tap("行政サービス");
    for _ in 0..10 {
        kiosk.idle(75);
        kiosk.tap("続ける");
    }
    kiosk.idle(75);
    assert!(kiosk.app.warning());
    assert!(
        !kiosk.shows("続ける"),
        "the eleventh extension is not offered"
    );
    kiosk.idle(91);
    assert_eq!(kiosk.screen(), "top");
}

#[test]
fn the_language_button_switches_everything_and_the_next_customer_starts_in_japanese() {
    let mut kiosk = Kiosk::demo();
    kiosk.tap("English");
    assert!(kiosk.shows("Choose a service"));
    kiosk.snapshot("en-00-top");
    kiosk.tap("Government services");
    kiosk.tap("My Number Card password reset");
    kiosk.tap("Reset the signing password");
    kiosk.snapshot("en-03-consent");
    kiosk.tap("I agree");
    kiosk.place("normal");
    assert!(kiosk.shows("Tries left: 3"));
    kiosk.snapshot("en-05-current-pin");
    kiosk.tap("Language");
    assert!(kiosk.shows("Choose your language"));
    kiosk.snapshot("en-05-languages");
    kiosk.tap("日本語");
    assert!(kiosk.shows("入力できる回数：あと 3 回"));
    kiosk.tap("言語 / Language");
    kiosk.tap("English");
    kiosk.tap("Cancel");
    assert!(kiosk.shows("Please take your card"));
    kiosk.pull();
    assert_eq!(kiosk.screen(), "top");
    assert!(
        kiosk.shows("ご利用になるサービスを選んでください"),
        "the next customer starts in Japanese"
    );
}

#[test]
fn a_card_left_on_the_reader_blocks_the_next_session() {
    let mut kiosk = Kiosk::demo();
    kiosk.place("normal");
    assert_eq!(kiosk.screen(), "remove_card");
    assert!(kiosk.shows("カードをお取りください"));
    kiosk.idle(11);
    assert!(
        kiosk.shows("カードが置かれたままです。カードをお取りください。"),
        "the alert escalates"
    );
    kiosk.snapshot("07-remove-card-escalated");
    kiosk.pull();
    assert_eq!(kiosk.screen(), "top");
}

#[test]
fn out_of_service_and_outside_hours_are_told_on_top() {
    let mut kiosk = Kiosk::demo();
    kiosk.send(kiosk_app::app::Message::Worker(
        kiosk_core::worker::Event::ReaderLost,
    ));
    assert_eq!(kiosk.screen(), "out_of_service");
    kiosk.snapshot("out-of-service");
    kiosk.send(kiosk_app::app::Message::Worker(
        kiosk_core::worker::Event::ReaderReady,
    ));
    assert_eq!(kiosk.screen(), "top");

    // Service hours that exclude now (a one-minute window an hour ago).
    let mut kiosk = Kiosk::with(|config| {
        let now = kiosk_core::config::japan_now();
        config.service_start = now - chrono::Duration::hours(1);
        config.service_end = config.service_start + chrono::Duration::minutes(1);
    });
    assert!(!kiosk.taps("行政サービス"), "not offered outside hours");
    assert_eq!(kiosk.screen(), "top");
}

#[test]
fn done_and_error_screens_return_to_top_by_themselves() {
    let mut kiosk = Kiosk::demo();
    kiosk.walk_to_pin_screen("no-reservation");
    kiosk.pull();
    assert_eq!(kiosk.screen(), "error");
    kiosk.idle(16);
    assert_eq!(kiosk.screen(), "top");
}

/// The screens that last only while the card or the centre works, held still: the app alone,
/// with the worker's answers withheld.
#[test]
fn the_working_screens_look_right() {
    use kiosk_app::app::{App, Message};
    use kiosk_app::screen::{consent, pin_entry, reset_menu, services, top};
    use kiosk_app::widget::keypad::Key;
    use kiosk_core::worker::Event;

    let config = kiosk_core::config::Config::load(&common::workspace().join("config/kiosk.json"))
        .expect("config");
    let mut app = App::detached(std::sync::Arc::new(config));
    app.set_window_size(common::SIZE);
    for message in [
        Message::Worker(Event::ReaderReady),
        Message::Top(top::Message::Government),
        Message::Services(services::Message::PasswordReset),
        Message::ResetMenu(reset_menu::Message::Choose(
            reset_protocol::ResetKind::Signing,
        )),
        Message::Consent(consent::Message::Agree),
        Message::Worker(Event::CardPresent(true)),
    ] {
        let _ = app.update(message);
    }
    assert_eq!(app.screen().name(), "reading");
    common::snapshot_of(&app, "04-reading");
    let _ = app.update(Message::Worker(Event::CardRead(Ok(3))));
    for digit in [1, 2, 3, 4] {
        let _ = app.update(Message::CurrentPin(pin_entry::Message::Keypad(Key::Digit(
            digit,
        ))));
    }
    let _ = app.update(Message::CurrentPin(pin_entry::Message::Confirm));
    assert_eq!(app.screen().name(), "checking");
    common::snapshot_of(&app, "05-checking");
    let _ = app.update(Message::Worker(Event::Verified(Ok(()))));
    for _ in 0..2 {
        for c in "NEWPASS1".chars() {
            let _ = app.update(Message::NewPin(
                kiosk_app::screen::new_pin::Message::Keyboard(
                    kiosk_app::widget::keyboard::Key::Char(c),
                ),
            ));
        }
        let _ = app.update(Message::NewPin(kiosk_app::screen::new_pin::Message::Next));
    }
    assert_eq!(app.screen().name(), "processing");
    common::snapshot_of(&app, "06-processing");

    // The card proved it did not take the reset: the old password stands, the reservation is
    // still good; the customer is told so (not "we could not confirm"), after taking the card.
    let _ = app.update(Message::Worker(Event::ResetDone(Err(
        kiosk_core::flow_error::FlowError::NotChanged,
    ))));
    assert_eq!(app.screen().name(), "remove_card");
    let _ = app.update(Message::Worker(Event::CardPresent(false)));
    assert_eq!(app.screen().name(), "error");
    common::snapshot_of(&app, "error-not-changed");
}
