//! The centre as its binary serves it over HTTP, driven by the command line and by the kiosk's
//! HTTP client, against the virtual card in-process.

mod common;

use card_driver::apdu::StatusWord;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use card_driver::pin::{Pin, PinKind};
use common::*;
use reset_protocol::kiosk_side::{self, StepError};
use reset_protocol::{
    CentreError, HttpCentre, Outcome, Refusal, ReservationState, ResetCentre, ResetKind,
};

const BINARY: &str = env!("CARGO_BIN_EXE_reset-center");

/// A `reset-center serve` process on its own database.
struct Server {
    child: Option<Child>,
    address: String,
    db: PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::tempdir().expect("temporary directory");
        let db = dir.path().join("centre.sqlite");
        let mut server = Server {
            child: None,
            address: String::new(),
            db,
            _dir: dir,
        };
        server.spawn("127.0.0.1:0");
        server
    }

    fn spawn(&mut self, listen: &str) {
        let mut child = Command::new(BINARY)
            .args(["--config", config_path().to_str().expect("utf-8"), "--db"])
            .arg(&self.db)
            .args(["serve", "--listen", listen, "--hours", "00:00-00:00"])
            .stderr(Stdio::piped())
            .spawn()
            .expect("reset-center starts");
        let stderr = child.stderr.take().expect("stderr");
        let mut line = String::new();
        BufReader::new(stderr).read_line(&mut line).expect("a line");
        self.address = line
            .trim()
            .rsplit("http://")
            .next()
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        self.child = Some(child);
    }

    /// SIGKILL, as a crash.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Back on the same address and database.
    fn restart(&mut self) {
        self.kill();
        let address = self.address.clone();
        self.spawn(&address);
    }

    fn cli(&self, args: &[&str]) -> Output {
        Command::new(BINARY)
            .args(["--config", config_path().to_str().expect("utf-8"), "--db"])
            .arg(&self.db)
            .args(args)
            .output()
            .expect("reset-center runs")
    }

    fn kiosk(&self) -> HttpCentre {
        let output = self.cli(&["kiosk", "add", KIOSK]);
        assert!(output.status.success());
        let token = String::from_utf8(output.stdout).expect("text");
        HttpCentre::new(
            &format!("http://{}", self.address),
            KIOSK,
            token.trim(),
            Duration::from_secs(5),
        )
    }

    fn reserve(&self, card: &str, kind: &str, at: Option<&str>) {
        let certificate = workspace().join(format!("config/cards/{card}/auth-cert.der"));
        let mut args = vec![
            "reserve",
            "--auth-cert",
            certificate.to_str().expect("utf-8"),
            "--kind",
            kind,
        ];
        if let Some(at) = at {
            args.extend(["--at", at]);
        }
        let output = self.cli(&args);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn config_path() -> PathBuf {
    workspace().join("config/reset-center.json")
}

fn full_reset(
    centre: &dyn ResetCentre,
    profile_reader: &virtual_card::InProcessReader,
    pin: &str,
) -> Result<ReservationState, StepError> {
    kiosk_side::signing_reset(
        &mut connect(profile_reader),
        centre,
        &auth_pin("1234"),
        signing_pin(pin),
    )
}

#[test]
fn a_reset_over_http_succeeds_once() {
    let server = Server::start();
    let kiosk = server.kiosk();
    assert_eq!(kiosk.health(), Ok(false));
    server.reserve("normal", "signing", None);
    let reader = card("normal");
    assert_eq!(
        full_reset(&kiosk, &reader, "NEWPASS1"),
        Ok(ReservationState::Used)
    );
    assert!(signing_pin_is(&reader, "NEWPASS1"));
    assert_eq!(
        full_reset(&kiosk, &reader, "NEWPASS2"),
        Err(StepError::Centre(CentreError::Refused(
            Refusal::ReservationUsed
        )))
    );
    let list = server.cli(&["list", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    assert_eq!(rows[0]["state"], "used");
}

#[test]
fn every_refusal_is_reachable_from_the_command_line() {
    let server = Server::start();
    let kiosk = server.kiosk();
    let check = |card: &str, kind: ResetKind| {
        kiosk
            .check_reservation(kind, &auth_certificate(card))
            .map(|_| ())
    };
    let refused = |refusal| Err(CentreError::Refused(refusal));

    assert_eq!(
        check("normal", ResetKind::Signing),
        refused(Refusal::NoReservation)
    );
    server.reserve("normal", "auth", None);
    assert_eq!(
        check("normal", ResetKind::Signing),
        refused(Refusal::WrongKind)
    );
    server.reserve("signing-last-try", "signing", Some("-24h1s"));
    assert_eq!(
        check("signing-last-try", ResetKind::Signing),
        refused(Refusal::ReservationExpired)
    );
    server.reserve("signing-blocked", "signing", Some("-23h59m"));
    assert_eq!(check("signing-blocked", ResetKind::Signing), Ok(()));
    for (card, refusal) in [
        ("auth-expired", Refusal::CertExpired),
        ("signing-revoked", Refusal::CertRevoked),
        ("untrusted-ca", Refusal::CertUntrusted),
        ("no-signing-cert", Refusal::NoSigningCertificate),
    ] {
        server.reserve(card, "signing", None);
        assert_eq!(check(card, ResetKind::Signing), refused(refusal), "{card}");
    }
    assert!(server.cli(&["maintenance", "on"]).status.success());
    assert_eq!(
        check("signing-blocked", ResetKind::Signing),
        refused(Refusal::Maintenance)
    );
    assert_eq!(kiosk.health(), Ok(true));
    assert!(server.cli(&["maintenance", "off"]).status.success());
    // Cancelled: no reservation any more.
    let list: serde_json::Value =
        serde_json::from_slice(&server.cli(&["list", "--json"]).stdout).expect("json");
    let blocked_id = list
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["made_at"].is_string() && r["kind"] == "signing" && r["state"] == "open")
        .map(|r| r["id"].as_i64().expect("id"))
        .expect("an open signing reservation");
    assert!(
        server
            .cli(&["cancel", &blocked_id.to_string()])
            .status
            .success()
    );
}

#[test]
fn outside_hours_is_refused() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = dir.path().join("centre.sqlite");
    let now_in_japan =
        chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).expect("offset"));
    // A one-minute window that ended an hour ago.
    let start = (now_in_japan - chrono::Duration::hours(1))
        .format("%H:%M")
        .to_string();
    let end = (now_in_japan - chrono::Duration::minutes(59))
        .format("%H:%M")
        .to_string();
    let mut child = Command::new(BINARY)
        .args(["--config", config_path().to_str().expect("utf-8"), "--db"])
        .arg(&db)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--hours",
            &format!("{start}-{end}"),
        ])
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut line = String::new();
    BufReader::new(child.stderr.take().expect("stderr"))
        .read_line(&mut line)
        .expect("line");
    let address = line
        .trim()
        .rsplit("http://")
        .next()
        .expect("address")
        .to_string();
    let cli = |args: &[&str]| {
        Command::new(BINARY)
            .args(["--config", config_path().to_str().expect("utf-8"), "--db"])
            .arg(&db)
            .args(args)
            .output()
            .expect("runs")
    };
    let token = String::from_utf8(cli(&["kiosk", "add", KIOSK]).stdout).expect("text");
    let kiosk = HttpCentre::new(
        &format!("http://{address}"),
        KIOSK,
        token.trim(),
        Duration::from_secs(5),
    );
    assert_eq!(
        kiosk.check_reservation(ResetKind::Signing, &auth_certificate("normal")),
        Err(CentreError::Refused(Refusal::OutsideHours))
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn an_unknown_kiosk_gets_nothing() {
    let server = Server::start();
    let _known = server.kiosk();
    server.reserve("normal", "signing", None);
    let stranger = HttpCentre::new(
        &format!("http://{}", server.address),
        "STORE-9999",
        "00",
        Duration::from_secs(5),
    );
    assert_eq!(stranger.health(), Err(CentreError::UnknownKiosk));
    assert_eq!(
        stranger.check_reservation(ResetKind::Signing, &auth_certificate("normal")),
        Err(CentreError::UnknownKiosk)
    );
    let wrong_token = HttpCentre::new(
        &format!("http://{}", server.address),
        KIOSK,
        "ff",
        Duration::from_secs(5),
    );
    assert_eq!(
        wrong_token
            .begin(ResetKind::Signing, &auth_certificate("normal"))
            .err(),
        Some(CentreError::UnknownKiosk)
    );
}

#[test]
fn a_centre_killed_between_command_and_completion_then_restarted() {
    let mut server = Server::start();
    let kiosk = server.kiosk();
    server.reserve("signing-blocked", "signing", None);
    let reader = card("signing-blocked");
    let (mut jpki, session) = proven(&kiosk, &reader);
    let challenge = jpki.get_challenge().expect("challenge");
    let command = kiosk
        .reset_command(&session, &challenge, &Pin::Signing(signing_pin("NEWPASS1")))
        .expect("command");
    server.kill();
    jpki.reset_pin(PinKind::Signing, &command)
        .expect("the card takes it");
    // The completion cannot be delivered while the centre is down: the kiosk keeps it.
    let pending = kiosk_side::deliver(
        &kiosk,
        &session,
        Outcome::Card {
            sw: StatusWord::SUCCESS,
        },
    );
    assert!(
        matches!(pending, Err(StepError::CompletionPending { .. })),
        "{pending:?}"
    );
    server.restart();
    assert_eq!(
        kiosk.complete(
            &session,
            Outcome::Card {
                sw: StatusWord::SUCCESS
            }
        ),
        Ok(ReservationState::Used)
    );
    assert!(signing_pin_is(&reader, "NEWPASS1"));
    // And a killed centre that never got the card's answer for a command never sent: the retry works.
    server.reserve("normal", "signing", None);
    let reader = card("normal");
    let (mut jpki, session) = proven(&kiosk, &reader);
    let challenge = jpki.get_challenge().expect("challenge");
    kiosk
        .reset_command(&session, &challenge, &Pin::Signing(signing_pin("NEWPASS2")))
        .expect("command");
    server.kill();
    server.restart();
    assert_eq!(
        kiosk.complete(&session, Outcome::Unchanged),
        Ok(ReservationState::Open)
    );
    assert_eq!(
        full_reset(&kiosk, &reader, "NEWPASS2"),
        Ok(ReservationState::Used)
    );
}

#[test]
fn reservations_survive_a_server_restart() {
    let mut server = Server::start();
    let kiosk = server.kiosk();
    server.reserve("normal", "signing", None);
    server.restart();
    assert_eq!(
        full_reset(&kiosk, &card("normal"), "NEWPASS1"),
        Ok(ReservationState::Used)
    );
}

#[test]
fn a_centre_down_or_silent_is_a_clear_error() {
    // Nobody listens on this port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = closed.local_addr().expect("address");
    drop(closed);
    let down = HttpCentre::new(
        &format!("http://{address}"),
        KIOSK,
        "00",
        Duration::from_secs(2),
    );
    assert!(matches!(down.health(), Err(CentreError::Unreachable(_))));

    // Accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = silent.local_addr().expect("address");
    let keep = std::thread::spawn(move || {
        let held: Vec<_> = silent.incoming().take(1).collect();
        std::thread::sleep(Duration::from_secs(3));
        drop(held);
    });
    let timeout = Duration::from_millis(500);
    let slow = HttpCentre::new(&format!("http://{address}"), KIOSK, "00", timeout);
    let started = Instant::now();
    assert_eq!(
        slow.begin(ResetKind::Signing, &auth_certificate("normal"))
            .err(),
        Some(CentreError::Timeout(timeout))
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "gave up after {:?}",
        started.elapsed()
    );
    let _ = keep.join();
}

#[test]
fn bad_command_lines_give_one_line_and_a_non_zero_exit() {
    let server = Server::start();
    for (args, expected) in [
        (
            &[
                "reserve",
                "--auth-cert",
                "/nonexistent",
                "--kind",
                "signing",
            ][..],
            "/nonexistent",
        ),
        (
            &["reserve", "--auth-cert", "Cargo.toml", "--kind", "signing"][..],
            "not a certificate",
        ),
        (&["cancel", "999"][..], "no open reservation 999"),
    ] {
        let output = server.cli(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let output = Command::new(BINARY)
        .args(["--config", "/nonexistent.json", "list"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent.json"));
}
