//! The auth-PIN reset (where the store offers it): the holder proves who they are with the
//! signing password on the A–Z/0–9 keyboard and sets a new 4-digit auth PIN on the keypad.
//! The same app, worker, demo cards and centre as the signing flow in `flow.rs`.

mod common;

use common::Kiosk;
use reset_protocol::ResetKind;

const AUTH_RESET: &str = "利用者証明用パスワードの初期化・再設定";
const SIGNING_RESET: &str = "署名用パスワードの初期化・再設定";

#[test]
fn the_auth_pin_is_reset_with_the_signing_password() {
    let mut kiosk = Kiosk::demo();
    kiosk.tap("行政サービス");
    kiosk.tap("マイナンバーカードのパスワード再設定");
    assert!(kiosk.shows(SIGNING_RESET) && kiosk.shows(AUTH_RESET));
    kiosk.tap(AUTH_RESET);
    assert_eq!(kiosk.screen(), "consent");
    assert!(
        kiosk.shows("署名用電子証明書のパスワード（英数字6〜16文字）がわかること"),
        "the auth reset's own condition"
    );
    kiosk.snapshot("a03-consent-auth");
    kiosk.tap("同意する");
    kiosk.place("normal");
    assert_eq!(kiosk.screen(), "current_pin");
    assert!(kiosk.shows("署名用電子証明書のパスワード（英数字6〜16文字）を入力してください"));
    assert!(
        kiosk.shows("入力できる回数：あと 5 回"),
        "five tries, before entry"
    );
    kiosk.type_keys("ABC1");
    kiosk.snapshot("a05-signing-password-typing");
    kiosk.type_keys("23");
    kiosk.tap("確定");
    assert_eq!(kiosk.screen(), "new_pin");
    assert!(kiosk.shows("新しい利用者証明用電子証明書の暗証番号（数字4桁）を入力してください"));
    assert!(
        kiosk.shows("全部消す"),
        "the numeric keypad, not the keyboard"
    );
    assert!(!kiosk.shows("A"), "no letters for a 4-digit PIN");
    kiosk.snapshot("a06-new-auth-pin");
    kiosk.type_keys("5678");
    kiosk.tap("次へ");
    assert!(kiosk.shows("確認のため、同じものをもう一度入力してください"));
    kiosk.type_keys("5678");
    kiosk.tap("設定する");
    assert_eq!(kiosk.screen(), "remove_card");
    assert!(kiosk.card_accepts_auth_pin("5678"), "the new PIN works");
    assert!(!kiosk.card_accepts_auth_pin("1234"), "the old one does not");
    kiosk.pull();
    assert_eq!(kiosk.screen(), "done");
    assert!(kiosk.shows("利用者証明用電子証明書の暗証番号を再設定しました"));
    kiosk.snapshot("a08-done-auth");
    kiosk.tap("終了");
    assert_eq!(kiosk.screen(), "top");

    // The reservation is used; the signing reservation of the same card is still there.
    kiosk.walk_to_signing_password_screen("normal");
    assert_eq!(kiosk.screen(), "remove_card");
    assert!(kiosk.shows("この予約はすでに使われています"));
    kiosk.pull();
    kiosk.tap("終了");
    kiosk.walk_to_pin_screen("normal");
    assert_eq!(
        kiosk.screen(),
        "current_pin",
        "the signing reset is untouched"
    );
}

#[test]
fn wrong_signing_passwords_count_down_to_the_last_try() {
    let mut kiosk = Kiosk::demo();
    kiosk.walk_to_signing_password_screen("normal");
    for left in [4, 3, 2] {
        kiosk.type_keys("WRONG1");
        kiosk.tap("確定");
        assert_eq!(kiosk.screen(), "current_pin");
        assert!(kiosk.shows("パスワードが違います。"));
        assert!(kiosk.shows(&format!("入力できる回数：あと {left} 回")));
    }
    kiosk.type_keys("WRONG1");
    kiosk.tap("確定");
    assert!(kiosk.shows("入力できる回数：あと 1 回"));
    assert!(kiosk.shows("パスワードが違います。次に間違えるとロックされます。"));
    kiosk.snapshot("a05-signing-password-last-try");
    kiosk.type_keys("ABC123");
    kiosk.tap("確定");
    assert_eq!(kiosk.screen(), "new_pin", "the right one still works");
}

#[test]
fn the_fifth_wrong_password_locks_it_and_says_why_the_reset_cannot_go_on() {
    let mut kiosk = Kiosk::demo();
    kiosk.walk_to_signing_password_screen("normal");
    for _ in 0..5 {
        kiosk.type_keys("WRONG1");
        kiosk.tap("確定");
    }
    assert_eq!(kiosk.screen(), "remove_card");
    assert!(kiosk.shows("署名用電子証明書のパスワードがロックされています"));
    kiosk.pull();
    assert_eq!(kiosk.screen(), "error");
    assert!(kiosk.shows(
        "署名用電子証明書のパスワードがロックされているため、本人確認ができず、このキオスクでは再設定できません。マイナンバーカードと本人確認書類を持って、お住まいの市区町村の窓口で手続きしてください。"
    ));
    // The auth PIN was never touched.
    kiosk.place("normal");
    assert!(kiosk.card_accepts_auth_pin("1234"));
}

#[test]
fn a_locked_signing_password_is_told_before_any_entry() {
    let mut kiosk = Kiosk::demo();
    kiosk.walk_to_signing_password_screen("signing-blocked");
    assert_eq!(kiosk.screen(), "remove_card", "no password screen");
    assert!(kiosk.shows("署名用電子証明書のパスワードがロックされています"));
    kiosk.pull();
    assert_eq!(kiosk.screen(), "error");
    assert!(kiosk.shows(
        "署名用電子証明書のパスワードがロックされているため、本人確認ができず、このキオスクでは再設定できません。マイナンバーカードと本人確認書類を持って、お住まいの市区町村の窓口で手続きしてください。"
    ));
    kiosk.snapshot("error-signing-locked-auth-reset");
}

#[test]
fn a_card_without_a_signing_certificate_gets_its_own_guidance() {
    let mut kiosk = Kiosk::demo();
    kiosk.walk_to_signing_password_screen("no-signing-cert");
    assert_eq!(kiosk.screen(), "remove_card");
    assert!(kiosk.shows("署名用電子証明書が搭載されていません"));
    kiosk.pull();
    assert_eq!(kiosk.screen(), "error");
    assert!(kiosk.shows(
        "利用者証明用の暗証番号の再設定では、署名用電子証明書のパスワードで本人確認をします。15歳未満の方のカードなど、署名用電子証明書のないカードでは、お住まいの市区町村の窓口で再設定してください。"
    ));
    kiosk.snapshot("error-no-signing-cert-auth-reset");
}

#[test]
fn a_reservation_of_the_other_kind_is_told_before_any_entry() {
    // A holder who reserved the signing reset but chose the auth reset here.
    let mut kiosk = Kiosk::reserving(Some(vec![ResetKind::Signing]), |_| {});
    kiosk.walk_to_signing_password_screen("normal");
    assert_eq!(kiosk.screen(), "remove_card");
    assert!(kiosk.shows("利用者証明用パスワードの予約がありません"));
    kiosk.pull();
    assert!(kiosk.shows(
        "別のパスワードの再設定が予約されています。アプリで、このパスワードの再設定を予約し直してください。"
    ));
    kiosk.snapshot("error-wrong-kind-auth");

    // The demo's own card for this case.
    let mut kiosk = Kiosk::demo();
    kiosk.walk_to_signing_password_screen("signing-last-try");
    assert!(kiosk.shows("利用者証明用パスワードの予約がありません"));
}

#[test]
fn where_the_store_does_not_offer_it_the_button_is_absent() {
    let mut kiosk = Kiosk::with(|config| config.offered = vec![ResetKind::Signing]);
    kiosk.tap("行政サービス");
    kiosk.tap("マイナンバーカードのパスワード再設定");
    assert!(kiosk.shows(SIGNING_RESET));
    assert!(!kiosk.shows(AUTH_RESET));
    kiosk.snapshot("02-reset-menu-signing-only");
}
