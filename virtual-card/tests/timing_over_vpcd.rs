//! The timing profile as vpcd sees it: the card, playing against a stand-in for vpcd's socket
//! (no pcscd needed), answers no sooner than the model says, and its ledger holds the model's
//! figures.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use virtual_card::timing::{Ledger, Operation, TimingProfile};
use virtual_card::vpcd::VpcdCard;

const SELECT_JPKI: [u8; 15] = [
    0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
];
const POWER_ON: u8 = 0x01;
const GET_ATR: u8 = 0x04;

fn profile() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../config/cards/normal.json")
}

/// Sends one vpcd frame (2-byte length, body).
fn send(stream: &mut TcpStream, body: &[u8]) {
    let mut frame = u16::try_from(body.len())
        .expect("short frame")
        .to_be_bytes()
        .to_vec();
    frame.extend_from_slice(body);
    stream.write_all(&frame).expect("the card reads");
}

fn receive(stream: &mut TcpStream) -> Vec<u8> {
    let mut length = [0u8; 2];
    stream.read_exact(&mut length).expect("the card answers");
    let mut body = vec![0u8; usize::from(u16::from_be_bytes(length))];
    stream.read_exact(&mut body).expect("the card answers");
    body
}

/// The card, timed, connected to a listener standing in for vpcd.
fn timed_card(timing: TimingProfile) -> (VpcdCard, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let address = listener.local_addr().expect("its address").to_string();
    let card = virtual_card::load_card(&profile()).expect("profile loads");
    let card = VpcdCard::new(card, false).with_timing(Some(timing));
    let player = card.clone();
    // The card plays until the test process ends.
    std::thread::spawn(move || player.run(&address));
    let (stream, _) = listener.accept().expect("the card connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a timeout");
    (card, stream)
}

fn ledger(card: &VpcdCard) -> Ledger {
    let reply = card.control("timing").expect("timing answers");
    serde_json::from_value(reply["ledger"].clone()).expect("a ledger")
}

#[test]
fn the_card_answers_as_late_as_the_model_says_and_books_the_models_time() {
    let timing = TimingProfile::contactless();
    let activation = timing.activation_cost().total();
    let (_, select) = timing.command_cost(&SELECT_JPKI, &[0x90, 0x00]);
    let (card, mut stream) = timed_card(timing);

    let started = Instant::now();
    send(&mut stream, &[POWER_ON]);
    send(&mut stream, &[GET_ATR]);
    assert!(!receive(&mut stream).is_empty(), "an ATR");
    assert!(started.elapsed() >= activation, "{:?}", started.elapsed());

    let started = Instant::now();
    send(&mut stream, &SELECT_JPKI);
    assert_eq!(receive(&mut stream), [0x90, 0x00]);
    assert!(
        started.elapsed() >= select.total(),
        "{:?}",
        started.elapsed()
    );

    let ledger = ledger(&card);
    let held = |operation| {
        let tally = ledger.by_operation[&operation];
        assert_eq!(tally.count, 1, "{operation:?}");
        Duration::from_micros(tally.held_us)
    };
    // The ledger books the model's figures (to the microsecond), not the wait's oversleeping.
    assert_eq!(
        held(Operation::Activation).as_micros(),
        activation.as_micros()
    );
    assert_eq!(
        held(Operation::Select).as_micros(),
        select.total().as_micros()
    );
    assert_eq!(
        ledger.total(),
        held(Operation::Activation) + held(Operation::Select)
    );
}

#[test]
fn without_a_profile_the_ledger_still_counts_the_exchanges() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let address = listener.local_addr().expect("its address").to_string();
    let card = virtual_card::load_card(&profile()).expect("profile loads");
    let card = VpcdCard::new(card, false);
    let player = card.clone();
    std::thread::spawn(move || player.run(&address));
    let (mut stream, _) = listener.accept().expect("the card connects");

    send(&mut stream, &[POWER_ON]);
    send(&mut stream, &SELECT_JPKI);
    assert_eq!(receive(&mut stream), [0x90, 0x00]);
    let reply = card.control("timing").expect("timing answers");
    assert!(reply["profile"].is_null(), "{reply}");
    let ledger: Ledger = serde_json::from_value(reply["ledger"].clone()).expect("a ledger");
    assert_eq!(ledger.by_operation[&Operation::Select].count, 1);
}
