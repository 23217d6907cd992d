//! The walks of the real-window fidelity test (`tests/window_fidelity.rs`) and of the benchmark
//! that walks every language at 1920×1080 (`benches/window_languages.rs`): the real kiosk binary
//! under Xvfb, tapped through the signing reset, the auth-PIN reset, a refusal (removal and
//! error screens, in Japanese and in English) and maintenance mode; in the demo layout also
//! every other language and the accessibility switches, to the PIN screen. Every screen as
//! drawn is compared pixel by pixel with a full repaint of the same state (`crate::window`).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use kiosk_app::app::App;
use kiosk_app::demo::DemoCard;
use kiosk_app::i18n::{self, Language, msg};
use kiosk_core::config::Config;
use kiosk_core::flow_error::FlowError;
use kiosk_core::worker::Event;
use reset_protocol::Refusal;

use crate::window::{KioskWindow, demo_config_copy, demo_shadow};
use crate::{CardProcess, CentreProcess, PcscStack, Slot, production_config_text, workspace_root};

pub const SMALL: (u32, u32) = (1280, 800);
pub const LARGE: (u32, u32) = (1920, 1080);

/// The demo's staff passcode (README), whose hash the demo configuration holds.
const STAFF_PASSCODE: &str = "246810";

/// How the test puts a card on the reader and takes it off.
enum Reader<'a> {
    /// A virtual card process behind pcscd + vpcd.
    Pcsc(&'a CardProcess),
    /// The demo panel's buttons.
    Demo,
}

impl Reader<'_> {
    fn place(&self, kiosk: &mut KioskWindow, profile: &str) {
        match self {
            Reader::Pcsc(card) => card.insert(Some(profile)),
            Reader::Demo => {
                kiosk.tap(profile);
                kiosk.shadow_panel_shows(Some(DemoCard {
                    name: profile.to_string(),
                    auth_tries: Some(3),
                    signing_tries: Some(5),
                }));
            }
        }
        kiosk.shadow_sees([Event::CardPresent(true)]);
    }

    fn take(&self, kiosk: &mut KioskWindow) {
        match self {
            Reader::Pcsc(card) => card.pull(),
            Reader::Demo => {
                // The demo panel speaks the language on screen.
                kiosk.tap(i18n::text(kiosk.shadow.language(), msg::DEMO_PULL));
                kiosk.shadow_panel_shows(None);
            }
        }
        kiosk.shadow_sees([Event::CardPresent(false)]);
    }
}

/// Top → the card screen of the reset labelled `reset`, checking each screen.
fn to_card_screen(kiosk: &mut KioskWindow, reset: &str, prefix: &str) {
    kiosk.check(&format!("{prefix}-top"));
    kiosk.tap("行政サービス");
    kiosk.wait_for("screen services");
    kiosk.check(&format!("{prefix}-services"));
    kiosk.tap("マイナンバーカードのパスワード再設定");
    kiosk.wait_for("screen reset_menu");
    kiosk.check(&format!("{prefix}-reset-menu"));
    kiosk.tap(reset);
    kiosk.wait_for("screen consent");
    kiosk.check(&format!("{prefix}-consent"));
    kiosk.tap("同意する");
    kiosk.wait_for("screen insert_card");
    kiosk.check(&format!("{prefix}-insert-card"));
}

/// The new password (or PIN) typed twice, then the removal and done screens, back to the top.
fn set_new_pin(kiosk: &mut KioskWindow, reader: &Reader<'_>, new_pin: &str, prefix: &str) {
    kiosk.wait_for("screen new_pin");
    kiosk.shadow_sees([Event::Verified(Ok(()))]);
    kiosk.check(&format!("{prefix}-new-pin"));
    kiosk.type_keys(new_pin);
    kiosk.check(&format!("{prefix}-new-pin-typed"));
    kiosk.tap("次へ");
    std::thread::sleep(Duration::from_millis(400));
    kiosk.check(&format!("{prefix}-new-pin-again"));
    kiosk.type_keys(new_pin);
    kiosk.tap("設定する");
    kiosk.wait_for("screen remove_card");
    kiosk.shadow_sees([Event::ResetDone(Ok(()))]);
    kiosk.check(&format!("{prefix}-remove-card"));
    reader.take(kiosk);
    kiosk.wait_for("screen done");
    kiosk.check(&format!("{prefix}-done"));
    kiosk.tap("終了");
    kiosk.wait_for("screen top");
}

/// The signing-password reset with the `normal` card (auth PIN 1234).
fn signing_reset(kiosk: &mut KioskWindow, reader: &Reader<'_>) {
    to_card_screen(kiosk, "署名用パスワードの初期化・再設定", "signing");
    reader.place(kiosk, "normal");
    kiosk.wait_for("screen current_pin");
    kiosk.shadow_sees([Event::CardRead(Ok(3))]);
    kiosk.check("signing-current-pin");
    kiosk.type_keys("1234");
    kiosk.check("signing-current-pin-typed");
    kiosk.tap("確定");
    set_new_pin(kiosk, reader, "NEWPASS1", "signing");
}

/// The auth-PIN reset with the `auth-blocked` card (signing password ABC123).
fn auth_reset(kiosk: &mut KioskWindow, reader: &Reader<'_>) {
    to_card_screen(kiosk, "利用者証明用パスワードの初期化・再設定", "auth");
    reader.place(kiosk, "auth-blocked");
    kiosk.wait_for("screen current_pin");
    kiosk.shadow_sees([Event::CardRead(Ok(5))]);
    kiosk.check("auth-signing-password");
    kiosk.type_keys("ABC123");
    kiosk.check("auth-signing-password-typed");
    kiosk.tap("確定");
    set_new_pin(kiosk, reader, "8642", "auth");
}

/// A card without a reservation: the removal screen with the refusal's title, then the error
/// screen, in Japanese and in English, back to the top.
fn refusal(kiosk: &mut KioskWindow, reader: &Reader<'_>) {
    to_card_screen(kiosk, "署名用パスワードの初期化・再設定", "refusal");
    reader.place(kiosk, "no-reservation");
    kiosk.wait_for("screen remove_card");
    kiosk.shadow_sees([Event::CardRead(Err(FlowError::Refused(
        Refusal::NoReservation,
    )))]);
    kiosk.check("refusal-remove-card");
    reader.take(kiosk);
    kiosk.wait_for("screen error");
    kiosk.check("refusal-error");
    kiosk.tap("言語 / Language");
    std::thread::sleep(Duration::from_millis(400));
    kiosk.check("refusal-languages");
    kiosk.tap("English");
    std::thread::sleep(Duration::from_millis(400));
    kiosk.check("refusal-error-english");
    kiosk.tap("Finish");
    kiosk.wait_for("screen top");
}

/// Maintenance mode: the hidden gesture, the passcode, each page, and out.
fn maintenance(kiosk: &mut KioskWindow) {
    kiosk.hold("マルチコピー機", Duration::from_millis(3300));
    kiosk.wait_for("screen staff_login");
    kiosk.check("staff-login");
    kiosk.type_keys(STAFF_PASSCODE);
    kiosk.check("staff-login-typed");
    kiosk.tap("確定");
    kiosk.wait_for("maintenance entered");
    // The shadow has no lockout file to trust, so it stays locked; it follows the kiosk in.
    kiosk.shadow.follow_into_maintenance();
    std::thread::sleep(Duration::from_millis(600));
    kiosk.check("staff-health");
    for (page, name) in [
        ("読取機テスト", "staff-self-test"),
        ("件数", "staff-counters"),
        ("最近の記録", "staff-events"),
    ] {
        kiosk.tap(page);
        std::thread::sleep(Duration::from_millis(600));
        kiosk.check(name);
    }
    kiosk.tap("保守モードを終了");
    kiosk.wait_for("screen top");
    kiosk.check("top-after-maintenance");
}

/// Each language but Japanese chosen on the top screen by its own name, walked to the PIN
/// screen and cancelled there (before any PIN: the reservation stays for the walks after).
fn languages(kiosk: &mut KioskWindow, reader: &Reader<'_>) {
    for language in Language::ALL {
        if language == Language::Japanese {
            continue;
        }
        let words = |id| i18n::text(language, id);
        let prefix = language.code();
        kiosk.tap(words(msg::LANGUAGE_NAME));
        std::thread::sleep(Duration::from_millis(400));
        kiosk.check(&format!("{prefix}-top"));
        kiosk.tap(words(msg::TOP_GOVERNMENT));
        kiosk.wait_for("screen services");
        kiosk.tap(words(msg::SERVICES_PASSWORD_RESET));
        kiosk.wait_for("screen reset_menu");
        kiosk.check(&format!("{prefix}-reset-menu"));
        kiosk.tap(words(msg::RESET_MENU_SIGNING));
        kiosk.wait_for("screen consent");
        kiosk.check(&format!("{prefix}-consent"));
        kiosk.tap(words(msg::CONSENT_AGREE));
        kiosk.wait_for("screen insert_card");
        kiosk.check(&format!("{prefix}-insert-card"));
        reader.place(kiosk, "normal");
        kiosk.wait_for("screen current_pin");
        kiosk.shadow_sees([Event::CardRead(Ok(3))]);
        kiosk.type_keys("12");
        kiosk.check(&format!("{prefix}-current-pin"));
        kiosk.tap(words(msg::COMMON_CANCEL));
        kiosk.wait_for("screen remove_card");
        kiosk.check(&format!("{prefix}-remove-card"));
        reader.take(kiosk);
        kiosk.wait_for("screen top");
    }
}

/// The accessibility switches all on from the top screen, a session to the PIN screen in
/// larger text and high contrast, cancelled; the next customer's top screen as it was.
fn assisted(kiosk: &mut KioskWindow, reader: &Reader<'_>) {
    let words = |id| i18n::text(Language::Japanese, id);
    kiosk.tap(&format!(
        "{} / {}",
        words(msg::ASSIST_OPEN),
        i18n::text(Language::English, msg::ASSIST_OPEN)
    ));
    std::thread::sleep(Duration::from_millis(400));
    kiosk.check("assist-panel");
    for (switch, name) in [
        (msg::ASSIST_LARGE, "LargeText"),
        (msg::ASSIST_CONTRAST, "HighContrast"),
        (msg::ASSIST_TIME, "MoreTime"),
        (msg::ASSIST_LOW, "Low"),
    ] {
        kiosk.tap(words(switch));
        // Each switch changes the panel's layout: the next tap waits until the kiosk took this
        // one (a tap while the window is still laid out as before can miss on a busy machine).
        kiosk.wait_for(&format!("accessibility switch switch={name} on=true"));
    }
    kiosk.check("assist-panel-on");
    kiosk.tap(words(msg::ASSIST_DONE));
    std::thread::sleep(Duration::from_millis(400));
    kiosk.check("assist-top");
    kiosk.tap("行政サービス");
    kiosk.wait_for("screen services");
    kiosk.tap("マイナンバーカードのパスワード再設定");
    kiosk.wait_for("screen reset_menu");
    kiosk.tap("署名用パスワードの初期化・再設定");
    kiosk.wait_for("screen consent");
    kiosk.check("assist-consent");
    kiosk.tap("同意する");
    kiosk.wait_for("screen insert_card");
    reader.place(kiosk, "normal");
    kiosk.wait_for("screen current_pin");
    kiosk.shadow_sees([Event::CardRead(Ok(3))]);
    kiosk.type_keys("12");
    kiosk.check("assist-current-pin");
    kiosk.tap("やめる");
    kiosk.wait_for("screen remove_card");
    kiosk.check("assist-remove-card");
    reader.take(kiosk);
    kiosk.wait_for("screen top");
    kiosk.check("assist-next-customer-top");
}

/// The whole walk, then the verdict.
fn walk(mut kiosk: KioskWindow, reader: &Reader<'_>, every_language: bool) -> usize {
    if every_language {
        languages(&mut kiosk, reader);
        assisted(&mut kiosk, reader);
    }
    signing_reset(&mut kiosk, reader);
    refusal(&mut kiosk, reader);
    auth_reset(&mut kiosk, reader);
    maintenance(&mut kiosk);
    eprintln!(
        "{} screens checked at {}x{}: {} differ from a full repaint",
        kiosk.checked,
        kiosk.size.0,
        kiosk.size.1,
        kiosk.unfaithful.len()
    );
    let checked = kiosk.checked;
    kiosk.assert_faithful();
    checked
}

/// The demo configuration's staff passcode hash, for a production configuration to use.
fn demo_staff_hash() -> String {
    let text = std::fs::read_to_string(workspace_root().join("config/kiosk.json")).expect("demo");
    let json: serde_json::Value = serde_json::from_str(&text).expect("demo config");
    json["staff_passcode_hash"]
        .as_str()
        .expect("the demo has a staff passcode")
        .to_string()
}

/// The production layout walked on `stack` (started by the test, whose binaries it holds;
/// never every language: the demo does that).
pub fn production(stack: &PcscStack, display: &str, size: (u32, u32)) {
    let card = stack.card("normal", Slot::First);
    card.pull();
    let centre = CentreProcess::start(stack);
    centre.add_kiosk("E2E-STORE", &stack.scratch().join("kiosk-credential"));
    for (profile, kind) in [("normal", "signing"), ("auth-blocked", "auth")] {
        centre.reserve(
            &workspace_root().join(format!("config/cards/{profile}/auth-cert.der")),
            kind,
        );
    }
    let text = production_config_text(&centre.url, "E2E-STORE")
        .replace(
            "\"offered_resets\": [\"signing\"]",
            "\"offered_resets\": [\"signing\", \"auth\"]",
        )
        .replace(
            "\"staff_passcode_hash\": null",
            &format!("\"staff_passcode_hash\": \"{}\"", demo_staff_hash()),
        );
    let config_path = stack.scratch().join("kiosk.json");
    std::fs::write(&config_path, text).expect("kiosk config");
    let shadow = App::detached(Arc::new(Config::load(&config_path).expect("config")));
    let kiosk = KioskWindow::launch(
        &stack.binaries().kiosk_app,
        &config_path,
        display,
        size,
        &[],
        shadow,
        stack.artifacts(),
    );
    walk(kiosk, &Reader::Pcsc(&card), false);
}

/// The demo layout walked with `binary` (the harness kiosk); returns the screens checked.
pub fn demo(
    test: &str,
    binary: &Path,
    display: &str,
    size: (u32, u32),
    every_language: bool,
) -> usize {
    // The demo needs no reader, so no PC/SC stack (nor its machine-wide lock): these tests run
    // beside the production ones.
    let scratch = tempfile::tempdir().expect("scratch directory");
    let artifacts = workspace_root().join("target/test-artifacts").join(test);
    let _ = std::fs::remove_dir_all(&artifacts);
    let config_path = demo_config_copy(scratch.path());
    let shadow = demo_shadow(&config_path);
    let kiosk = KioskWindow::launch(binary, &config_path, display, size, &[], shadow, artifacts);
    walk(kiosk, &Reader::Demo, every_language)
}
