//! The real kiosk binary, end to end: under Xvfb, tapped through the whole signing-password
//! reset and the whole auth-PIN reset with xdotool, against the virtual card through pcscd + vpcd and the centre over HTTP.
//! Screenshots of every screen are kept in `target/test-artifacts/<test>/`.
//!
//! Where to tap is found the way a tester with the layout would: the same app (detached from
//! any card) is put on the same screen at the same size, and iced_test finds the text there.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use card_driver::jpki::Jpki;
use card_driver::pcsc::{PcscConnection, Sharing};
use card_driver::pin::{AuthPin, SigningPin};
use iced::Size;
use iced_test::simulator::Simulator;
use kiosk_app::app::{App, Message};
use kiosk_app::config::Config;
use kiosk_app::theme;
use kiosk_app::worker::Event;
use system_tests::{CentreProcess, PcscStack, Slot, pcsc_stack, workspace_root};

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 800;

/// A child process killed (and reaped) when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn require(tool: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "{tool} is missing: install xvfb, xdotool and imagemagick (.ci/run does)"
    );
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
    let text = std::fs::read_to_string(workspace_root().join("config/kiosk.production.json"))
        .expect("production config")
        .replace(
            "\"store_id\": \"STORE-0001\"",
            "\"store_id\": \"E2E-STORE\"",
        )
        .replace(
            "\"kiosk_id\": \"STORE-0001\"",
            "\"kiosk_id\": \"E2E-STORE\"",
        )
        .replace(
            "\"url\": \"http://127.0.0.1:8700\"",
            &format!("\"url\": \"{url}\""),
        )
        .replace(
            "\"credential_file\": \"../var/kiosk-credential\"",
            "\"credential_file\": \"kiosk-credential\"",
        )
        .replace(
            "\"reader\": null",
            &format!("\"reader\": \"{}\"", Slot::First.reader()),
        )
        .replace(
            "\"start\": \"06:30\", \"end\": \"23:00\"",
            "\"start\": \"00:00\", \"end\": \"00:00\"",
        )
        .replace("\"sound\": true", "\"sound\": false")
        .replace(
            "\"state_dir\": \"/var/lib/mynumber-kiosk\"",
            "\"state_dir\": \"state\"",
        )
        .replace(
            "\"offered_resets\": [\"signing\"]",
            if offer_auth {
                "\"offered_resets\": [\"signing\", \"auth\"]"
            } else {
                "\"offered_resets\": [\"signing\"]"
            },
        );
    let path = dir.join("kiosk.json");
    std::fs::write(&path, text).expect("kiosk config");
    path
}

/// The running kiosk: its log, read as it grows.
struct Kiosk {
    _process: Process,
    _display: Process,
    display: &'static str,
    log: PathBuf,
    read: usize,
    shots: PathBuf,
    shot: usize,
    /// The same app, detached, on the same screen: where to tap.
    shadow: App,
}

impl Kiosk {
    /// Waits until the kiosk's log says `line` (after what was read before).
    fn wait_for(&mut self, line: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let mut text = String::new();
            if let Ok(mut file) = File::open(&self.log) {
                let _ = file.read_to_string(&mut text);
            }
            if let Some(found) = text.get(self.read..).and_then(|rest| rest.find(line)) {
                self.read += found + line.len();
                // Let the frame of the new screen reach the display.
                std::thread::sleep(Duration::from_millis(400));
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the kiosk never logged {line:?}; its log:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Taps the centre of `label` as the shadow app lays it out, and applies the same
    /// messages to the shadow.
    fn tap(&mut self, label: &str) {
        let (point, messages) = {
            let settings = iced::Settings {
                fonts: vec![theme::REGULAR_FONT.into(), theme::BOLD_FONT.into()],
                default_font: theme::FONT,
                ..iced::Settings::default()
            };
            let mut ui = Simulator::with_size(
                settings,
                Size::new(WIDTH as f32, HEIGHT as f32),
                self.shadow.view(),
            );
            let target = ui.find(label).unwrap_or_else(|e| {
                panic!(
                    "no {label:?} on the {} screen: {e}",
                    self.shadow.screen.name()
                )
            });
            let point = target.bounds().center();
            let _ = ui.click(label);
            (point, ui.into_messages().collect::<Vec<Message>>())
        };
        let status = Command::new("xdotool")
            .env("DISPLAY", self.display)
            .args([
                "mousemove",
                "--sync",
                &format!("{}", point.x as i32),
                &format!("{}", point.y as i32),
                "click",
                "1",
            ])
            .status()
            .expect("xdotool runs");
        assert!(status.success());
        for message in messages {
            let _ = self.shadow.update(message);
        }
    }

    fn type_keys(&mut self, keys: &str) {
        for key in keys.chars() {
            self.tap(&key.to_string());
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    fn screenshot(&mut self, name: &str) {
        self.shot += 1;
        let path = self.shots.join(format!("{:02}-{name}.png", self.shot));
        let status = Command::new("import")
            .env("DISPLAY", self.display)
            .args(["-window", "root"])
            .arg(&path)
            .status()
            .expect("import runs");
        assert!(status.success(), "screenshot {name}");
    }
}

/// Xvfb on `display` and the kiosk binary on it, with a detached shadow app to find taps.
fn launch(
    stack: &PcscStack,
    config_path: &Path,
    display: &'static str,
    env: &[(&str, &str)],
) -> Kiosk {
    for tool in ["Xvfb", "xdotool", "import"] {
        require(tool);
    }
    let xvfb = Process(
        Command::new("Xvfb")
            .args([
                display,
                "-screen",
                "0",
                &format!("{WIDTH}x{HEIGHT}x24"),
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb starts"),
    );
    std::thread::sleep(Duration::from_millis(500));
    let shots = stack.artifacts();
    let log = shots.join("kiosk.log");
    let process = start_kiosk(stack, config_path, display, env, &log);
    let config = Arc::new(Config::load(config_path).expect("config"));
    let mut shadow = App::detached(config);
    shadow.set_window_size(Size::new(WIDTH as f32, HEIGHT as f32));
    let _ = shadow.update(Message::Worker(Event::ReaderReady));
    let mut kiosk = Kiosk {
        _process: process,
        _display: xvfb,
        display,
        log,
        read: 0,
        shots,
        shot: 0,
        shadow,
    };
    kiosk.wait_for("reader ready");
    std::thread::sleep(Duration::from_secs(1));
    kiosk
}

/// The kiosk binary on `display`, its stderr appended to `log`.
fn start_kiosk(
    stack: &PcscStack,
    config_path: &Path,
    display: &str,
    env: &[(&str, &str)],
    log: &Path,
) -> Process {
    let log_file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("log");
    let mut command = Command::new(&stack.binaries().kiosk_app);
    command
        .arg("--config")
        .arg(config_path)
        .env("DISPLAY", display)
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("WATCHDOG_USEC")
        .stdout(Stdio::null())
        .stderr(log_file);
    for (name, value) in env {
        command.env(name, value);
    }
    Process(command.spawn().expect("kiosk-app starts"))
}

/// Top to the card screen of the reset labelled `reset`.
fn walk_to_card_screen(kiosk: &mut Kiosk, reset: &str) {
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
    let Kiosk {
        _process: crashed,
        log,
        ..
    } = kiosk;
    drop(crashed);
    let log_length = std::fs::read_to_string(&log).expect("log").len();
    // What the crashed kiosk had queued is not the new one's.
    let _ = notifications(&socket, Duration::from_millis(300));
    let _restarted = start_kiosk(&stack, &config_path, ":96", &env, &log);
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
