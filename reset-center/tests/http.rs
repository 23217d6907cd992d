//! The centre as its binary serves it over HTTPS (mutual TLS), driven by the command line and by
//! the kiosk's HTTP client, against the virtual card in-process. Each test has its own site
//! (`common::server`): link PKI from `tls init`, configuration copy, database, kiosks from
//! `kiosk add`.

mod common;

use card_driver::apdu::StatusWord;
use std::process::Command;
use std::time::{Duration, Instant};

use card_driver::pin::{Pin, PinKind};
use common::server::{BINARY, Kiosk, Server, Site};
use common::*;
use reset_protocol::client::ClientTls;
use reset_protocol::kiosk_side::{self, StepError};
use reset_protocol::{
    CentreError, HttpCentre, Outcome, Refusal, ReservationState, ResetCentre, ResetKind,
};

/// A kiosk added with `kiosk add`, as its HTTP client.
fn kiosk_of(server: &Server) -> HttpCentre {
    server.http(&server.add_kiosk(KIOSK))
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
    let kiosk = kiosk_of(&server);
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
    let kiosk = kiosk_of(&server);
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
    let now_in_japan =
        chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).expect("offset"));
    // A one-minute window that ended an hour ago.
    let start = (now_in_japan - chrono::Duration::hours(1))
        .format("%H:%M")
        .to_string();
    let end = (now_in_japan - chrono::Duration::minutes(59))
        .format("%H:%M")
        .to_string();
    let server = Site::default().serve_with(&["--hours", &format!("{start}-{end}")]);
    let kiosk = kiosk_of(&server);
    assert_eq!(
        kiosk.check_reservation(ResetKind::Signing, &auth_certificate("normal")),
        Err(CentreError::Refused(Refusal::OutsideHours))
    );
}

#[test]
fn an_unknown_kiosk_gets_nothing() {
    let server = Server::start();
    let known = server.add_kiosk(KIOSK);
    let other = server.add_kiosk("STORE-0002");
    server.reserve("normal", "signing", None);
    let normal = auth_certificate("normal");

    // A certificate from the kiosk CA, for a kiosk the centre never registered.
    let issued = server
        .kiosk_ca()
        .issue_kiosk_for_days("STORE-9999", 1)
        .expect("issued");
    let stranger_files = server.path().join("stranger");
    std::fs::create_dir(&stranger_files).expect("dir");
    let stranger = Kiosk {
        id: "STORE-9999".to_string(),
        certificate: stranger_files.join("STORE-9999.crt"),
        key: stranger_files.join("STORE-9999.key"),
        credential: "00".to_string(),
    };
    std::fs::write(&stranger.certificate, &issued.certificate_pem).expect("certificate");
    std::fs::write(&stranger.key, issued.key_pem.as_bytes()).expect("key");
    let stranger = server.http(&stranger);
    assert_eq!(stranger.health(), Err(CentreError::UnknownKiosk));
    assert_eq!(
        stranger.check_reservation(ResetKind::Signing, &normal),
        Err(CentreError::UnknownKiosk)
    );

    // The kiosk's own certificate with a wrong credential.
    let wrong_token = server.http(&Kiosk {
        credential: "ff".to_string(),
        ..known.clone()
    });
    assert_eq!(
        wrong_token.begin(ResetKind::Signing, &normal).err(),
        Some(CentreError::UnknownKiosk)
    );
    // One kiosk's certificate with another's credential, either way round.
    for (certificate_of, credential_of) in [(&known, &other), (&other, &known)] {
        let mixed = server.http(&Kiosk {
            credential: credential_of.credential.clone(),
            ..certificate_of.clone()
        });
        assert_eq!(mixed.health(), Err(CentreError::UnknownKiosk));
        assert_eq!(
            mixed.begin(ResetKind::Signing, &normal).err(),
            Some(CentreError::UnknownKiosk)
        );
    }
    // Both kiosks, each with its own pair, are known; the reservation was never touched.
    assert_eq!(server.http(&known).health(), Ok(false));
    assert_eq!(server.http(&other).health(), Ok(false));
    assert_eq!(server.reservations()[0]["state"], "open");
}

#[test]
fn the_client_takes_https_only() {
    let server = Server::start();
    let kiosk = server.add_kiosk(KIOSK);
    let tls = server.client_tls(&kiosk);
    let plain = format!("http://{}", server.address);
    let refused = HttpCentre::new(
        &plain,
        KIOSK,
        &kiosk.credential,
        Duration::from_secs(5),
        &tls,
    )
    .expect_err("an http:// URL is refused");
    assert!(refused.contains("https://"), "{refused}");
    // And a missing key file is named.
    let missing = server.path().join("missing.key");
    let error = ClientTls::from_files(&server.pki("centre-ca.crt"), &kiosk.certificate, &missing)
        .expect_err("no key");
    assert!(error.contains("missing.key"), "{error}");
}

#[test]
fn a_centre_killed_between_command_and_completion_then_restarted() {
    let mut server = Server::start();
    let kiosk = kiosk_of(&server);
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
    let receipt = kiosk_side::read_receipt(&mut jpki, PinKind::Signing).expect("a receipt");
    assert!(matches!(receipt, Outcome::Receipt { .. }), "{receipt:?}");
    // The completion cannot be delivered while the centre is down: the kiosk keeps it.
    let pending = kiosk_side::deliver(&kiosk, &session, receipt);
    assert!(
        matches!(pending, Err(StepError::CompletionPending { .. })),
        "{pending:?}"
    );
    server.restart();
    // The kiosk's word alone moves nothing once the command was issued...
    assert_eq!(
        kiosk.complete(
            &session,
            Outcome::Card {
                sw: StatusWord::SUCCESS
            }
        ),
        Ok(ReservationState::Pending)
    );
    // ...the card's receipt does.
    assert_eq!(
        kiosk.complete(&session, receipt),
        Ok(ReservationState::Used)
    );
    assert!(signing_pin_is(&reader, "NEWPASS1"));
    // And a killed centre that never got the card's answer for a command never sent: the
    // card's (issue) receipt gives the reservation back, and the retry works.
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
        Ok(ReservationState::Pending),
        "the kiosk's word that it never sent the command is not the card's"
    );
    let receipt = kiosk_side::read_receipt(&mut jpki, PinKind::Signing).expect("a receipt");
    assert_eq!(
        kiosk.complete(&session, receipt),
        Ok(ReservationState::Open)
    );
    drop(jpki);
    assert_eq!(
        full_reset(&kiosk, &reader, "NEWPASS2"),
        Ok(ReservationState::Used)
    );
}

#[test]
fn reservations_survive_a_server_restart() {
    let mut server = Server::start();
    let kiosk = kiosk_of(&server);
    server.reserve("normal", "signing", None);
    server.restart();
    assert_eq!(
        full_reset(&kiosk, &card("normal"), "NEWPASS1"),
        Ok(ReservationState::Used)
    );
}

#[test]
fn a_centre_down_or_silent_is_a_clear_error() {
    // The kiosk's TLS files are real ones; nobody answers with them.
    let site = Site::default();
    let kiosk = site.add_kiosk(KIOSK);
    let tls = ClientTls::from_files(&site.pki("centre-ca.crt"), &kiosk.certificate, &kiosk.key)
        .expect("TLS files");
    // Nobody listens on this port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = closed.local_addr().expect("address");
    drop(closed);
    let down = HttpCentre::new(
        &format!("https://{address}"),
        KIOSK,
        "00",
        Duration::from_secs(2),
        &tls,
    )
    .expect("https");
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
    // It never even answers the TLS handshake.
    let slow =
        HttpCentre::new(&format!("https://{address}"), KIOSK, "00", timeout, &tls).expect("https");
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
    // The command line needs no server.
    let site = Site::default();
    let out = site.kiosk_dir();
    let out = out.to_str().expect("utf-8");
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
        (
            &["kiosk", "add", "../x", "--out", out][..],
            "not a kiosk id",
        ),
        (
            &["kiosk", "add", "STORE-0001", "--out", out, "--days", "0"][..],
            "--days",
        ),
        (
            &["kiosk", "remove", "STORE-0404"][..],
            "no kiosk STORE-0404",
        ),
    ] {
        let output = site.cli(args);
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
