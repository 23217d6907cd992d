//! card-driver through the real stack: pcsc crate → libpcsclite → pcscd → vpcd → TCP → the
//! virtual card process.

use std::sync::mpsc::Receiver;
use std::time::Duration;

use card_driver::jpki::{Certificate, Jpki, JpkiError, PinState};
use card_driver::pcsc::{PcscTransport, ReaderEvent, ReaderMonitor, Sharing, list_readers};
use card_driver::pin::{AuthPin, PinKind, SigningPin};
use card_driver::reset_cryptogram::{self, CardId, CardKey, ResetCommand};
use card_driver::transport::{Recording, TransportError};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256};
use system_tests::{Slot, config_file, pcsc_stack};

const DEADLINE: Duration = Duration::from_secs(5);
const EVENT_WAIT: Duration = Duration::from_secs(10);

fn connect(slot: Slot) -> Jpki<Recording<PcscTransport>> {
    let transport = PcscTransport::connect(slot.reader(), Sharing::Exclusive, DEADLINE)
        .unwrap_or_else(|e| panic!("connect to {}: {e}", slot.reader()));
    Jpki::new(Recording::new(transport))
}

fn auth_pin(text: &str) -> AuthPin {
    AuthPin::new(text).expect("a well-formed test PIN")
}

/// Waits for the next event that `wanted` accepts, skipping others; panics on timeout.
fn expect_event(
    events: &Receiver<ReaderEvent>,
    what: &str,
    wanted: impl Fn(&ReaderEvent) -> bool,
) -> ReaderEvent {
    let deadline = std::time::Instant::now() + EVENT_WAIT;
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match events.recv_timeout(left) {
            Ok(event) if wanted(&event) => return event,
            Ok(event) => seen.push(event),
            Err(_) => break,
        }
    }
    panic!("no {what} within {EVENT_WAIT:?}; saw {seen:?}");
}

#[test]
fn both_vpcd_readers_appear() {
    let _stack = pcsc_stack!("both_vpcd_readers_appear");
    let readers = list_readers().expect("pcscd answers");
    assert_eq!(
        readers,
        vec![
            Slot::First.reader().to_string(),
            Slot::Second.reader().to_string()
        ]
    );
}

#[test]
fn insertion_and_removal_reach_the_monitor() {
    let stack = pcsc_stack!("insertion_and_removal_reach_the_monitor");
    let (_monitor, events) = ReaderMonitor::start_with_channel();
    for slot in [Slot::First, Slot::Second] {
        let reader = slot.reader().to_string();
        expect_event(&events, "reader added", |e| {
            *e == ReaderEvent::ReaderAdded {
                reader: reader.clone(),
            }
        });
    }
    let card = stack.card("normal", Slot::First);
    let inserted = expect_event(&events, "insertion", |e| {
        matches!(e, ReaderEvent::CardInserted { .. })
    });
    assert_eq!(
        inserted,
        ReaderEvent::CardInserted {
            reader: Slot::First.reader().to_string(),
            atr: vec![0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14],
        }
    );
    card.pull();
    let removed = expect_event(&events, "removal", |e| {
        matches!(e, ReaderEvent::CardRemoved { .. })
    });
    assert_eq!(
        removed,
        ReaderEvent::CardRemoved {
            reader: Slot::First.reader().to_string()
        }
    );
    // Another card in its place: a removal and an insertion again, with the other card's ATR.
    card.insert(Some("not-mynumber"));
    let inserted = expect_event(&events, "second insertion", |e| {
        matches!(e, ReaderEvent::CardInserted { .. })
    });
    let ReaderEvent::CardInserted { atr, .. } = inserted else {
        unreachable!()
    };
    assert_eq!(atr[..3], [0x3B, 0x8A, 0x80]);
}

#[test]
fn tries_are_read_without_being_used() {
    let stack = pcsc_stack!("tries_are_read_without_being_used");
    let card = stack.card("normal", Slot::First);
    for _ in 0..3 {
        let mut jpki = connect(Slot::First);
        assert_eq!(jpki.tries_left(PinKind::Auth), Ok(3));
        assert_eq!(jpki.tries_left(PinKind::Signing), Ok(5));
    }
    assert_eq!(
        card.counters(),
        (Some(3), Some(5)),
        "the card's own counters"
    );
    let verifies_with_data = card
        .history()
        .iter()
        .filter(|h| h["ins"] == 0x20 && h["data_len"] != 0)
        .count();
    assert_eq!(verifies_with_data, 0);
}

#[test]
fn wrong_auth_pins_count_down_then_block_and_no_verify_follows() {
    let stack = pcsc_stack!("wrong_auth_pins_count_down_then_block_and_no_verify_follows");
    let card = stack.card("normal", Slot::First);
    let mut jpki = connect(Slot::First);
    assert_eq!(jpki.tries_left(PinKind::Auth), Ok(3));
    let wrong = auth_pin("9999");
    assert_eq!(
        jpki.verify_auth_pin(&wrong),
        Err(JpkiError::WrongPin {
            kind: PinKind::Auth,
            tries_left: 2
        })
    );
    assert_eq!(
        jpki.verify_auth_pin(&wrong),
        Err(JpkiError::WrongPin {
            kind: PinKind::Auth,
            tries_left: 1
        })
    );
    assert_eq!(
        jpki.verify_auth_pin(&wrong),
        Err(JpkiError::PinBlocked(PinKind::Auth))
    );
    assert_eq!(jpki.pin_state(PinKind::Auth), PinState::Blocked);

    // Even the right PIN is not sent once the PIN is known to be blocked.
    card.clear_history();
    jpki.transport_mut().reset();
    assert_eq!(
        jpki.verify_auth_pin(&auth_pin("1234")),
        Err(JpkiError::PinBlocked(PinKind::Auth))
    );
    assert_eq!(jpki.transport_mut().count(), 0, "nothing was sent");
    drop(jpki);

    // A fresh connection learns it from the counter (no try used), then refuses as well.
    let mut jpki = connect(Slot::First);
    assert_eq!(jpki.tries_left(PinKind::Auth), Ok(0));
    assert_eq!(
        jpki.verify_auth_pin(&auth_pin("1234")),
        Err(JpkiError::PinBlocked(PinKind::Auth))
    );
    let history = card.history();
    assert!(
        history
            .iter()
            .all(|h| !(h["ins"] == 0x20 && h["data_len"] != 0)),
        "no VERIFY with data reached the card after blocking: {history:?}"
    );
    assert_eq!(card.counters(), (Some(0), Some(5)));
}

#[test]
fn a_signature_verifies_against_the_certificate_key() {
    let stack = pcsc_stack!("a_signature_verifies_against_the_certificate_key");
    let _card = stack.card("normal", Slot::First);
    let mut jpki = connect(Slot::First);
    let digest: [u8; 32] = Sha256::digest(b"a centre challenge").into();

    assert_eq!(
        jpki.sign_sha256(PinKind::Auth, &digest),
        Err(JpkiError::SecurityStatusNotSatisfied)
    );
    jpki.verify_auth_pin(&auth_pin("1234")).expect("right PIN");
    let signature = jpki.sign_sha256(PinKind::Auth, &digest).expect("signs");
    let certificate = jpki.read_certificate(Certificate::Auth).expect("reads");
    public_key(&certificate)
        .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &signature)
        .expect("auth signature verifies");

    jpki.verify_signing_pin(&SigningPin::new("abc123").expect("well formed"))
        .expect("right password, folded to upper case");
    let signature = jpki.sign_sha256(PinKind::Signing, &digest).expect("signs");
    let certificate = jpki
        .read_certificate(Certificate::Signing)
        .expect("reads after VERIFY");
    public_key(&certificate)
        .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &signature)
        .expect("signing signature verifies");
}

fn public_key(certificate: &[u8]) -> RsaPublicKey {
    let (_, parsed) = x509_parser::parse_x509_certificate(certificate).expect("certificate parses");
    RsaPublicKey::from_pkcs1_der(&parsed.public_key().subject_public_key.data).expect("an RSA key")
}

#[test]
fn certificates_read_back_byte_identical() {
    let stack = pcsc_stack!("certificates_read_back_byte_identical");
    let _card = stack.card("normal", Slot::First);
    let mut jpki = connect(Slot::First);
    assert_eq!(
        jpki.read_certificate(Certificate::Auth),
        Ok(config_file("cards/normal/auth-cert.der"))
    );
    assert_eq!(
        jpki.read_certificate(Certificate::AuthCa),
        Ok(config_file("test-pki/auth-ca.der"))
    );
    assert_eq!(
        jpki.read_certificate(Certificate::SigningCa),
        Ok(config_file("test-pki/signing-ca.der"))
    );
    assert_eq!(
        jpki.read_certificate(Certificate::Signing),
        Err(JpkiError::SecurityStatusNotSatisfied)
    );
    jpki.verify_signing_pin(&SigningPin::new("ABC123").expect("well formed"))
        .expect("right password");
    assert_eq!(
        jpki.read_certificate(Certificate::Signing),
        Ok(config_file("cards/normal/signing-cert.der"))
    );
}

#[test]
fn a_card_pulled_mid_command_is_a_typed_error() {
    let stack = pcsc_stack!("a_card_pulled_mid_command_is_a_typed_error");
    let card = stack.card("normal", Slot::First);
    let mut jpki = connect(Slot::First);
    jpki.select_application().expect("selects");
    card.fault("drop");
    assert_eq!(
        jpki.read_certificate(Certificate::Auth),
        Err(JpkiError::Transport(TransportError::CardRemoved))
    );
    // Everything after is refused the same way, and a new connection finds no card.
    assert_eq!(
        jpki.tries_left(PinKind::Auth),
        Err(JpkiError::Transport(TransportError::CardRemoved))
    );
    drop(jpki);
    assert!(system_tests::wait_for_card(
        Slot::First.reader(),
        false,
        EVENT_WAIT
    ));
    let error = PcscTransport::connect(Slot::First.reader(), Sharing::Exclusive, DEADLINE)
        .expect_err("no card");
    assert_eq!(error, TransportError::NoCard);
    // Put back, it works again and nothing was lost.
    card.insert(None);
    assert_eq!(connect(Slot::First).tries_left(PinKind::Auth), Ok(3));
}

#[test]
fn a_stalled_card_misses_the_deadline() {
    let stack = pcsc_stack!("a_stalled_card_misses_the_deadline");
    let card = stack.card("normal", Slot::First);
    let deadline = Duration::from_millis(700);
    let transport = PcscTransport::connect(Slot::First.reader(), Sharing::Exclusive, deadline)
        .expect("connects");
    let mut jpki = Jpki::new(transport);
    card.fault("stall 4000");
    let started = std::time::Instant::now();
    assert_eq!(
        jpki.select_application(),
        Err(JpkiError::Transport(TransportError::Timeout(deadline)))
    );
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_millis(2500),
        "returned after {waited:?}, not at the deadline"
    );
    // The transport is given up; the caller reconnects once the card answers again.
    assert_eq!(
        jpki.select_application(),
        Err(JpkiError::Transport(TransportError::CardUnresponsive))
    );
    drop(jpki);
    card.pull();
    card.insert(None);
    assert_eq!(connect(Slot::First).tries_left(PinKind::Signing), Ok(5));
}

#[test]
fn garbage_short_and_unexpected_answers_are_typed() {
    let stack = pcsc_stack!("garbage_short_and_unexpected_answers_are_typed");
    let card = stack.card("normal", Slot::First);
    let mut jpki = connect(Slot::First);
    card.fault("short");
    assert_eq!(
        jpki.select_application(),
        Err(JpkiError::ResponseTooShort(1))
    );
    card.fault("garbage");
    assert!(matches!(
        jpki.select_application(),
        Err(JpkiError::Unexpected {
            operation: "SELECT JPKI-AP",
            ..
        })
    ));
    card.fault("sw 6F00");
    assert!(matches!(
        jpki.tries_left(PinKind::Auth),
        Err(JpkiError::Unexpected { .. })
    ));
    // The faults replaced the card's answers; its state is untouched.
    assert_eq!(jpki.tries_left(PinKind::Auth), Ok(3));
}

#[test]
fn the_monitor_recovers_when_pcscd_is_killed_and_restarted() {
    let mut stack = pcsc_stack!("the_monitor_recovers_when_pcscd_is_killed_and_restarted");
    let _card = stack.card("normal", Slot::First);
    let (_monitor, events) = ReaderMonitor::start_with_channel();
    expect_event(&events, "insertion", |e| {
        matches!(e, ReaderEvent::CardInserted { .. })
    });

    stack.kill_pcscd();
    expect_event(&events, "service lost", |e| *e == ReaderEvent::ServiceLost);
    assert_eq!(list_readers(), Err(TransportError::ServiceUnavailable));

    stack.start_pcscd();
    expect_event(&events, "service back", |e| *e == ReaderEvent::ServiceBack);
    // The card process reconnects to the new vpcd by itself.
    let reader = Slot::First.reader().to_string();
    expect_event(&events, "reader back", |e| {
        *e == ReaderEvent::ReaderAdded {
            reader: reader.clone(),
        }
    });
    expect_event(&events, "card back", |e| {
        matches!(e, ReaderEvent::CardInserted { .. })
    });
    assert_eq!(connect(Slot::First).tries_left(PinKind::Auth), Ok(3));
}

/// How long pcscd started with `--auto-exit` runs without a client (pcsc-lite's
/// `TIME_BEFORE_SUICIDE`), and a margin.
const AUTO_EXIT: Duration = Duration::from_secs(60);
const AUTO_EXIT_MARGIN: Duration = Duration::from_secs(8);

/// Debian starts pcscd through `pcscd.socket`, with `--auto-exit` (docs/deploy.md): the kiosk's
/// reader monitor, the first client, makes the socket start pcscd, sees the reader and the
/// card through it, and, being a client for as long as the kiosk runs, keeps pcscd from
/// quitting after its minute without clients.
#[test]
fn the_monitor_starts_a_socket_activated_pcscd_and_keeps_it_running() {
    let stack = system_tests::PcscStack::start_socket_activated(
        "the_monitor_starts_a_socket_activated_pcscd_and_keeps_it_running",
        system_tests::binaries!(),
    );
    assert_eq!(
        stack.pcscd_process().as_deref(),
        Some("systemd-socket-"),
        "pcscd started before any client connected"
    );
    let (_monitor, events) = ReaderMonitor::start_with_channel();
    let started = system_tests::wait_until(Duration::from_secs(10), || {
        stack.pcscd_process().as_deref() == Some("pcscd")
    });
    assert!(started, "the monitor's connection did not start pcscd");
    let reader = Slot::First.reader().to_string();
    let card = stack.card("normal", Slot::First);
    expect_event(
        &events,
        "card placed",
        |e| matches!(e, ReaderEvent::CardInserted { reader: r, .. } if *r == reader),
    );

    std::thread::sleep(AUTO_EXIT + AUTO_EXIT_MARGIN);
    assert_eq!(
        stack.pcscd_process().as_deref(),
        Some("pcscd"),
        "pcscd quit ({}s after start) while the kiosk's monitor was its client",
        (AUTO_EXIT + AUTO_EXIT_MARGIN).as_secs()
    );
    card.pull();
    expect_event(
        &events,
        "card taken",
        |e| matches!(e, ReaderEvent::CardRemoved { reader: r } if *r == reader),
    );
}

fn reset_key(card: &str) -> CardKey {
    let master = hex::decode(config_file("test-pki/master-key.hex").trim_ascii()).expect("hex");
    CardKey::derive(
        &master,
        &CardId::from_auth_certificate(&config_file(&format!("cards/{card}/auth-cert.der")))
            .expect("id"),
    )
}

#[test]
fn the_reset_command_unblocks_through_the_stack_once() {
    let stack = pcsc_stack!("the_reset_command_unblocks_through_the_stack_once");
    let card = stack.card("signing-blocked", Slot::First);
    let mut jpki = connect(Slot::First);
    assert_eq!(jpki.tries_left(PinKind::Signing), Ok(0));
    // Playing the centre: seal a new PIN for this card's challenge.
    let challenge = jpki.get_challenge().expect("challenge");
    let command = reset_cryptogram::seal(
        &reset_key("signing-blocked"),
        &challenge,
        PinKind::Signing,
        b"NEWPASS9",
    )
    .expect("seal");
    let replay = ResetCommand::from_bytes(command.as_bytes().to_vec()).expect("header");
    jpki.reset_pin(PinKind::Signing, &command).expect("reset");
    assert_eq!(jpki.pin_state(PinKind::Signing), PinState::TriesLeft(5));
    assert_eq!(
        jpki.reset_pin(PinKind::Signing, &replay),
        Err(JpkiError::ResetRefused(
            card_driver::jpki::ResetRefusal::NoChallenge
        ))
    );
    assert_eq!(card.counters(), (Some(3), Some(5)));
    assert_eq!(
        jpki.verify_signing_pin(&SigningPin::new("ABC123").expect("well formed")),
        Err(JpkiError::WrongPin {
            kind: PinKind::Signing,
            tries_left: 4
        })
    );
    jpki.verify_signing_pin(&SigningPin::new("newpass9").expect("well formed"))
        .expect("the new password");
}
