//! The real kiosk binary, end to end: under Xvfb, tapped through the whole signing-password
//! reset and the whole auth-PIN reset with xdotool, against the virtual card through pcscd + vpcd and the centre over HTTP.
//! Screenshots of every screen are kept in `target/test-artifacts/<test>/`.
//!
//! Where to tap is found the way a tester with the layout would: the same app (detached from
//! any card) is put on the same screen at the same size, and iced_test finds the text there.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use card_driver::jpki::Jpki;
use card_driver::pcsc::{PcscConnection, Sharing};
use card_driver::pin::{AuthPin, SigningPin};
use iced::Size;
use kiosk_app::app::{App, Message};
use kiosk_core::config::Config;
use kiosk_core::worker::Event;
use system_tests::window::{KioskWindow, demo_config_copy, demo_shadow};
use system_tests::{
    CentreProcess, PcscStack, Slot, pcsc_stack, production_config_text, workspace_root,
};

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 800;

fn require(tool: &str) {
    system_tests::window::require(tool);
}

/// The centre over HTTP, with this kiosk registered and `profile`'s reservation of `kind` made.
fn start_centre(stack: &PcscStack, profile: &str, kind: &str) -> CentreProcess {
    let centre = CentreProcess::start(stack);
    centre.add_kiosk("E2E-STORE", &stack.scratch().join("kiosk-credential"));
    centre.reserve(
        &workspace_root().join(format!("config/cards/{profile}/auth-cert.der")),
        kind,
    );
    centre
}

/// The kiosk's production configuration for this test: PC/SC reader, HTTP centre, all day,
/// offering the auth-PIN reset too when asked.
fn kiosk_config(dir: &Path, url: &str, offer_auth: bool) -> PathBuf {
    let mut text = production_config_text(url, "E2E-STORE");
    if offer_auth {
        text = text.replace(
            "\"offered_resets\": [\"signing\"]",
            "\"offered_resets\": [\"signing\", \"auth\"]",
        );
    }
    let path = dir.join("kiosk.json");
    std::fs::write(&path, text).expect("kiosk config");
    path
}

/// Xvfb on `display` and the kiosk binary on it at 1280×800, with a detached shadow app to
/// find taps.
fn launch(
    stack: &PcscStack,
    config_path: &Path,
    display: &'static str,
    env: &[(&str, &str)],
) -> KioskWindow {
    let config = Arc::new(Config::load(config_path).expect("config"));
    KioskWindow::launch(
        &stack.binaries().kiosk_app,
        config_path,
        display,
        (WIDTH, HEIGHT),
        env,
        App::detached(config),
        stack.artifacts(),
    )
}

/// Top to the card screen of the reset labelled `reset`.
fn walk_to_card_screen(kiosk: &mut KioskWindow, reset: &str) {
    kiosk.screenshot("top");
    kiosk.tap("行政サービス");
    kiosk.wait_for("screen services");
    kiosk.screenshot("services");
    kiosk.tap("マイナンバーカードのパスワード再設定");
    kiosk.wait_for("screen reset_menu");
    kiosk.screenshot("reset-menu");
    kiosk.tap(reset);
    kiosk.wait_for("screen consent");
    kiosk.screenshot("consent");
    kiosk.tap("同意する");
    kiosk.wait_for("screen insert_card");
    kiosk.screenshot("insert-card");
}

#[test]
fn the_kiosk_binary_resets_a_signing_password_end_to_end() {
    let stack = pcsc_stack!("the_kiosk_binary_resets_a_signing_password_end_to_end");
    let card = stack.card("signing-blocked", Slot::First);
    card.pull();
    let centre = start_centre(&stack, "signing-blocked", "signing");
    let config_path = kiosk_config(stack.scratch(), &centre.url, false);
    let mut kiosk = launch(&stack, &config_path, ":97", &[]);
    walk_to_card_screen(&mut kiosk, "署名用パスワードの初期化・再設定");

    card.insert(None);
    kiosk.wait_for("screen current_pin");
    // The shadow follows: the card was read, 3 tries left.
    let _ = kiosk
        .shadow
        .update(Message::Worker(Event::CardPresent(true)));
    let _ = kiosk.shadow.update(Message::Worker(Event::CardRead(Ok(3))));
    kiosk.screenshot("current-pin");
    kiosk.type_keys("1234");
    kiosk.screenshot("current-pin-typed");
    kiosk.tap("確定");
    kiosk.wait_for("screen new_pin");
    let _ = kiosk
        .shadow
        .update(Message::Worker(Event::Verified(Ok(()))));
    kiosk.screenshot("new-pin");
    kiosk.type_keys("KIOSK2026");
    kiosk.tap("次へ");
    std::thread::sleep(Duration::from_millis(300));
    kiosk.screenshot("new-pin-again");
    kiosk.type_keys("KIOSK2026");
    kiosk.tap("設定する");
    kiosk.wait_for("screen remove_card");
    kiosk.screenshot("remove-card");
    card.pull();
    kiosk.wait_for("screen done");
    kiosk.screenshot("done");

    // The reservation is used, and the card holds the new password (read through pcscd).
    assert_eq!(centre.reservations()[0]["state"], "used");
    drop(kiosk);
    card.insert(None);
    let mut jpki =
        Jpki::new(PcscConnection::open(Slot::First.reader(), Sharing::Exclusive).expect("card"));
    jpki.verify_signing_pin(&SigningPin::new("KIOSK2026").expect("valid"))
        .expect("the new password works");
    assert!(
        jpki.verify_signing_pin(&SigningPin::new("ABC123").expect("valid"))
            .is_err(),
        "the old one does not"
    );
}

#[test]
fn the_kiosk_binary_resets_an_auth_pin_end_to_end() {
    let stack = pcsc_stack!("the_kiosk_binary_resets_an_auth_pin_end_to_end");
    let card = stack.card("auth-blocked", Slot::First);
    card.pull();
    let centre = start_centre(&stack, "auth-blocked", "auth");
    let config_path = kiosk_config(stack.scratch(), &centre.url, true);
    let mut kiosk = launch(&stack, &config_path, ":98", &[]);
    walk_to_card_screen(&mut kiosk, "利用者証明用パスワードの初期化・再設定");

    card.insert(None);
    kiosk.wait_for("screen current_pin");
    let _ = kiosk
        .shadow
        .update(Message::Worker(Event::CardPresent(true)));
    let _ = kiosk.shadow.update(Message::Worker(Event::CardRead(Ok(5))));
    kiosk.screenshot("signing-password");
    kiosk.type_keys("ABC123");
    kiosk.screenshot("signing-password-typed");
    kiosk.tap("確定");
    kiosk.wait_for("screen new_pin");
    let _ = kiosk
        .shadow
        .update(Message::Worker(Event::Verified(Ok(()))));
    kiosk.screenshot("new-auth-pin");
    kiosk.type_keys("8642");
    kiosk.tap("次へ");
    std::thread::sleep(Duration::from_millis(300));
    kiosk.screenshot("new-auth-pin-again");
    kiosk.type_keys("8642");
    kiosk.tap("設定する");
    kiosk.wait_for("screen remove_card");
    kiosk.screenshot("remove-card");
    card.pull();
    kiosk.wait_for("screen done");
    kiosk.screenshot("done");

    // The auth reservation is used; the card takes the new PIN (through pcscd) and not the old.
    let reservations = centre.reservations();
    assert_eq!(reservations[0]["kind"], "auth");
    assert_eq!(reservations[0]["state"], "used");
    drop(kiosk);
    card.insert(None);
    let mut jpki =
        Jpki::new(PcscConnection::open(Slot::First.reader(), Sharing::Exclusive).expect("card"));
    jpki.verify_auth_pin(&AuthPin::new("8642").expect("valid"))
        .expect("the new PIN works");
    assert!(
        jpki.verify_auth_pin(&AuthPin::new("1234").expect("valid"))
            .is_err(),
        "the old one does not"
    );
    jpki.verify_signing_pin(&SigningPin::new("ABC123").expect("valid"))
        .expect("the signing password is untouched");
}

/// What the kiosk told the "service manager" (a datagram socket standing in for systemd).
fn notifications(socket: &std::os::unix::net::UnixDatagram, within: Duration) -> Vec<String> {
    let deadline = Instant::now() + within;
    let mut seen = Vec::new();
    let mut buffer = [0u8; 256];
    while Instant::now() < deadline {
        if let Ok(n) = socket.recv(&mut buffer) {
            seen.push(String::from_utf8_lossy(&buffer[..n]).into_owned());
        }
    }
    seen
}

#[test]
fn under_systemd_the_kiosk_reports_ready_pings_the_watchdog_and_restarts_clean() {
    let stack =
        pcsc_stack!("under_systemd_the_kiosk_reports_ready_pings_the_watchdog_and_restarts_clean");
    // A card lies on the reader when the kiosk starts (a customer's, left behind by a crash).
    let card = stack.card("normal", Slot::First);
    let centre = start_centre(&stack, "normal", "signing");
    let config_path = kiosk_config(stack.scratch(), &centre.url, false);
    let socket_path = stack.scratch().join("notify.sock");
    let socket = std::os::unix::net::UnixDatagram::bind(&socket_path).expect("notify socket");
    socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .expect("timeout");
    let socket_name = socket_path.to_string_lossy().into_owned();
    // A one-second watchdog: pings every half second.
    let env = [
        ("NOTIFY_SOCKET", socket_name.as_str()),
        ("WATCHDOG_USEC", "1000000"),
    ];
    let mut kiosk = launch(&stack, &config_path, ":96", &env);
    kiosk.wait_for("screen remove_card");
    let told = notifications(&socket, Duration::from_secs(3));
    assert!(
        told.iter().any(|m| m == "READY=1"),
        "READY=1 after the first frame: {told:?}"
    );
    let pings = told.iter().filter(|m| *m == "WATCHDOG=1").count();
    assert!(
        pings >= 3,
        "the watchdog is pinged every half second: {told:?}"
    );

    // A crash (SIGKILL), and systemd's restart: the kiosk comes back to the removal screen, as
    // the card is still there, and with no session.
    kiosk.kill();
    let log = kiosk.log.clone();
    let log_length = std::fs::read_to_string(&log).expect("log").len();
    // What the crashed kiosk had queued is not the new one's.
    let _ = notifications(&socket, Duration::from_millis(300));
    kiosk.restart(&stack.binaries().kiosk_app, &config_path, &env);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !notifications(&socket, Duration::from_millis(500))
        .iter()
        .any(|m| m == "READY=1")
    {
        assert!(
            Instant::now() < deadline,
            "the restarted kiosk never said READY=1"
        );
    }
    assert!(
        log_shows(
            &log,
            log_length,
            "screen remove_card",
            Duration::from_secs(20)
        ),
        "the restarted kiosk asks for the card first"
    );
    card.pull();
    assert!(
        log_shows(&log, log_length, "screen top", Duration::from_secs(10)),
        "then the top screen"
    );
    let text = std::fs::read_to_string(&log).expect("log");
    for screen in ["screen current_pin", "screen new_pin", "screen processing"] {
        assert!(
            !text[log_length..].contains(screen),
            "no session carried over"
        );
    }
}

/// Whether the log, after its first `from` bytes, says `line` within `within`.
fn log_shows(log: &Path, from: usize, line: &str, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.get(from..).is_some_and(|rest| rest.contains(line)) {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A core dump of the running process `pid` (gdb's gcore), for searching.
fn core_dump(pid: u32, dir: &Path, name: &str) -> PathBuf {
    let prefix = dir.join(name);
    let status = Command::new("gcore")
        .arg("-o")
        .arg(&prefix)
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("gcore runs");
    assert!(status.success(), "gcore {pid}");
    PathBuf::from(format!("{}.{pid}", prefix.display()))
}

/// Whether `file` holds the bytes of `needle` anywhere.
fn holds(file: &Path, needle: &str) -> bool {
    Command::new("grep")
        .args(["-a", "-q", "-F", "--", needle])
        .arg(file)
        .status()
        .expect("grep runs")
        .success()
}

/// Where `needle` occurs in `file`: up to 12 places, each with 48 bytes around it (escaped), so
/// a failure shows what kept the secret.
fn contexts(file: &Path, needle: &str) -> Vec<String> {
    use std::io::{Seek, SeekFrom};
    let output = Command::new("grep")
        .args(["-a", "-b", "-o", "-F", "--", needle])
        .arg(file)
        .output()
        .expect("grep runs");
    let offsets: Vec<u64> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split(':').next()?.parse().ok())
        .take(12)
        .collect();
    let mut core = File::open(file).expect("core");
    offsets
        .iter()
        .map(|&offset| {
            let start = offset.saturating_sub(48);
            let mut window = vec![0u8; 96 + needle.len()];
            let _ = core.seek(SeekFrom::Start(start));
            let n = core.read(&mut window).unwrap_or(0);
            window.truncate(n);
            format!("  at {offset:#x}: {}", window.escape_ascii())
        })
        .collect()
}

/// A secret of `length` from `alphabet` that the baseline core does not hold by chance (so that
/// finding it later can only mean the kiosk kept it).
fn fresh_secret(baseline: &Path, alphabet: &[u8], length: usize, seed: &mut u64) -> String {
    loop {
        let secret: String = (0..length)
            .map(|_| {
                // xorshift: a test needs variety, not cryptography.
                *seed ^= *seed << 13;
                *seed ^= *seed >> 7;
                *seed ^= *seed << 17;
                char::from(alphabet[(*seed % alphabet.len() as u64) as usize])
            })
            .collect();
        let letters = secret.bytes().any(|b| b.is_ascii_uppercase());
        let digits = secret.bytes().any(|b| b.is_ascii_digit());
        let valid = length == 4 || (letters && digits);
        if valid && !holds(baseline, &secret) {
            return secret;
        }
    }
}

/// The `normal` card with `auth_pin` as its auth PIN, written as a profile of its own (paths
/// made absolute).
fn profile_with_auth_pin(dir: &Path, auth_pin: &str) -> PathBuf {
    let cards = workspace_root().join("config/cards");
    let text = std::fs::read_to_string(cards.join("normal.json"))
        .expect("normal profile")
        .replace("\"pin\": \"1234\"", &format!("\"pin\": \"{auth_pin}\""))
        .replace("\"normal/", &format!("\"{}/normal/", cards.display()))
        .replace(
            "\"../test-pki/",
            &format!("\"{}/../test-pki/", cards.display()),
        );
    let path = dir.join("secret-card.json");
    std::fs::write(&path, text).expect("profile");
    path
}

#[test]
fn after_a_session_the_kiosk_memory_holds_neither_pin_typed() {
    require("gcore");
    let stack = pcsc_stack!("after_a_session_the_kiosk_memory_holds_neither_pin_typed");
    let card = stack.card("normal", Slot::First);
    card.pull();
    let centre = start_centre(&stack, "normal", "signing");
    let config_path = kiosk_config(stack.scratch(), &centre.url, false);
    let mut kiosk = launch(&stack, &config_path, ":95", &[]);
    let pid = kiosk.pid();
    let dumps = stack.scratch().to_path_buf();

    // PINs chosen now, absent from the kiosk's memory before the session.
    let baseline = core_dump(pid, &dumps, "before");
    let mut seed = u64::from(pid) * 0x9E37_79B9 + 1;
    let auth_pin = fresh_secret(&baseline, b"0123456789", 4, &mut seed);
    let new_password = fresh_secret(
        &baseline,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        10,
        &mut seed,
    );
    std::fs::remove_file(&baseline).expect("remove the baseline");
    let profile = profile_with_auth_pin(stack.scratch(), &auth_pin);

    walk_to_card_screen(&mut kiosk, "署名用パスワードの初期化・再設定");
    card.insert(Some(&profile.to_string_lossy()));
    kiosk.wait_for("screen current_pin");
    let _ = kiosk
        .shadow
        .update(Message::Worker(Event::CardPresent(true)));
    let _ = kiosk.shadow.update(Message::Worker(Event::CardRead(Ok(3))));
    kiosk.type_keys(&auth_pin);
    kiosk.tap("確定");
    kiosk.wait_for("screen new_pin");
    let _ = kiosk
        .shadow
        .update(Message::Worker(Event::Verified(Ok(()))));
    kiosk.type_keys(&new_password);
    kiosk.tap("次へ");
    std::thread::sleep(Duration::from_millis(300));
    kiosk.type_keys(&new_password);
    kiosk.tap("設定する");
    kiosk.wait_for("screen remove_card");
    card.pull();
    kiosk.wait_for("screen done");
    assert_eq!(
        centre.reservations()[0]["state"],
        "used",
        "the session went through"
    );

    let after = core_dump(pid, &dumps, "after");
    let auth_found = contexts(&after, &auth_pin);
    let password_found = contexts(&after, &new_password);
    let size = std::fs::metadata(&after).map(|m| m.len()).unwrap_or(0);
    std::fs::remove_file(&after).expect("remove the core");
    assert!(
        auth_found.is_empty(),
        "the auth PIN typed is in the kiosk's memory ({size} bytes searched):\n{}",
        auth_found.join("\n")
    );
    assert!(
        password_found.is_empty(),
        "the new signing password typed is in the kiosk's memory ({size} bytes searched):\n{}",
        password_found.join("\n")
    );
    // Nor in its log or any file it wrote (its state: audit log, lockout, switch).
    let mut files = vec![stack.artifacts().join("kiosk.log")];
    files.extend(files_under(&stack.scratch().join("state")));
    for file in files {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap_or_default()).into_owned();
        assert!(
            !text.contains(&new_password),
            "{} holds the new password",
            file.display()
        );
        assert!(
            !text.contains(&format!("\"{auth_pin}\"")) && !text.contains(&format!(":{auth_pin}")),
            "{} holds the auth PIN",
            file.display()
        );
    }
}

#[test]
fn after_a_demo_session_the_kiosk_memory_holds_neither_pin_typed() {
    require("gcore");
    // The demo needs no reader; the stack gives the binaries and the artifacts directory.
    let stack = pcsc_stack!("after_a_demo_session_the_kiosk_memory_holds_neither_pin_typed");
    let config_path = demo_config_copy(stack.scratch());
    let mut kiosk = launch(&stack, &config_path, ":94", &[]);
    kiosk.shadow = demo_shadow(&config_path);
    kiosk
        .shadow
        .set_window_size(Size::new(WIDTH as f32, HEIGHT as f32));
    let _ = kiosk.shadow.update(Message::Worker(Event::ReaderReady));
    let pid = kiosk.pid();
    let dumps = stack.scratch().to_path_buf();

    let baseline = core_dump(pid, &dumps, "before");
    let mut seed = u64::from(pid) * 0x2545_F491 + 7;
    let auth_pin = fresh_secret(&baseline, b"0123456789", 4, &mut seed);
    let new_password = fresh_secret(
        &baseline,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        10,
        &mut seed,
    );
    std::fs::remove_file(&baseline).expect("remove the baseline");
    // The demo card `normal` now has this auth PIN (its profile is read when it is placed).
    let card_path = config_path.with_file_name("cards/normal.json");
    let card_text = std::fs::read_to_string(&card_path)
        .expect("profile")
        .replace("\"pin\": \"1234\"", &format!("\"pin\": \"{auth_pin}\""));
    std::fs::write(&card_path, card_text).expect("profile");

    walk_to_card_screen(&mut kiosk, "署名用パスワードの初期化・再設定");
    kiosk.tap("normal");
    kiosk.wait_for("screen current_pin");
    kiosk.shadow_panel_shows(Some(kiosk_app::demo::DemoCard {
        name: "normal".to_string(),
        auth_tries: Some(3),
        signing_tries: Some(5),
    }));
    kiosk.shadow_sees([Event::CardPresent(true), Event::CardRead(Ok(3))]);
    kiosk.type_keys(&auth_pin);
    kiosk.tap("確定");
    kiosk.wait_for("screen new_pin");
    let _ = kiosk
        .shadow
        .update(Message::Worker(Event::Verified(Ok(()))));
    kiosk.type_keys(&new_password);
    kiosk.tap("次へ");
    std::thread::sleep(Duration::from_millis(300));
    kiosk.type_keys(&new_password);
    kiosk.tap("設定する");
    kiosk.wait_for("screen remove_card");
    let _ = kiosk
        .shadow
        .update(Message::Worker(Event::ResetDone(Ok(()))));
    kiosk.tap("カードを取る");
    kiosk.wait_for("screen done");
    kiosk.screenshot("demo-done");

    let after = core_dump(pid, &dumps, "after");
    let auth_found = contexts(&after, &auth_pin);
    let password_found = contexts(&after, &new_password);
    let size = std::fs::metadata(&after).map(|m| m.len()).unwrap_or(0);
    std::fs::remove_file(&after).expect("remove the core");
    assert!(
        auth_found.is_empty(),
        "the auth PIN typed is in the demo kiosk's memory ({size} bytes searched):\n{}",
        auth_found.join("\n")
    );
    assert!(
        password_found.is_empty(),
        "the new password typed is in the demo kiosk's memory ({size} bytes searched):\n{}",
        password_found.join("\n")
    );
    // Nor in any file the run wrote (its log, its state: audit log, lockout, switch).
    let mut files = vec![stack.artifacts().join("kiosk.log")];
    files.extend(files_under(&stack.scratch().join("state")));
    for file in files {
        let bytes = std::fs::read(&file).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(&new_password),
            "{} holds the new password",
            file.display()
        );
        assert!(
            !text.contains(&format!("\"{auth_pin}\"")) && !text.contains(&format!(":{auth_pin}")),
            "{} holds the auth PIN",
            file.display()
        );
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}
