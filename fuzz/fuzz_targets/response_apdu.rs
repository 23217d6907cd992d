//! Response APDUs and status words, and the driver's JPKI layer facing a card that answers
//! anything at all.
//!
//! - `apdu::Response::parse` on the whole input: fewer than 2 bytes is `TooShort(len)`;
//!   otherwise data and SW split at the end, and the typed `Status` agrees with the SW.
//! - `jpki::Jpki` driven through every operation against a scripted card whose answers are
//!   taken from the input: no panic, and the driver's own bound on `61xx` holds — it fetches at
//!   most 64 KiB with GET RESPONSE, so never more than `MAX_GET_RESPONSES` in a row (a card
//!   that keeps answering `61xx` must not hang the kiosk); `MAX_APDUS` catches any other loop.
#![no_main]

use card_driver::apdu::{Response, ResponseError, Status, StatusWord};
use card_driver::jpki::{Certificate, Jpki};
use card_driver::pin::{AuthPin, PinKind, SigningPin};
use card_driver::reset_cryptogram::ResetCommand;
use card_driver::transport::{Transport, TransportError};
use kiosk_fuzz::Bytes;
use libfuzzer_sys::fuzz_target;

/// GET RESPONSE rounds the driver's 64 KiB limit allows in a row (one byte a round at least).
const MAX_GET_RESPONSES: usize = 65_536 + 1;
/// The bug of `card-driver/tests/fuzz_regressions.rs` (`Jpki::exchange` looped for ever on `61xx`
/// answers without data), fixed. Set to `true` only while such a bug is open: the stuck card
/// then gives up (as a pulled card would) instead of failing the run.
const KNOWN_GET_RESPONSE_LOOP: bool = false;
/// Far more commands than any JPKI operation can need: only a loop gets here.
const MAX_APDUS: usize = 10_000_000;

fuzz_target!(|data: &[u8]| {
    check_response(data);
    drive_driver(data);
});

fn check_response(bytes: &[u8]) {
    match Response::parse(bytes) {
        Err(ResponseError::TooShort(n)) => {
            assert!(bytes.len() < 2, "{} bytes refused", bytes.len());
            assert_eq!(n, bytes.len());
        }
        Ok(response) => {
            assert!(bytes.len() >= 2);
            let split = bytes.len() - 2;
            assert_eq!(response.data, &bytes[..split]);
            assert_eq!(response.sw.sw1(), bytes[split]);
            assert_eq!(response.sw.sw2(), bytes[split + 1]);
            check_status(response.sw);
            assert_eq!(response.is_success(), response.status() == Status::Success);
        }
    }
}

fn check_status(sw: StatusWord) {
    let status = sw.status();
    assert_eq!(status == Status::Success, sw == StatusWord::SUCCESS);
    match status {
        Status::MoreData(n) => {
            assert_eq!(sw.sw1(), 0x61);
            assert!((1..=256).contains(&n));
        }
        Status::WrongLe(n) => {
            assert_eq!(sw.sw1(), 0x6C);
            assert!((1..=256).contains(&n));
        }
        Status::WrongPin { tries_left } => {
            assert_eq!(sw.sw1(), 0x63);
            assert!((1..=15).contains(&tries_left), "{sw:?}");
        }
        Status::Other(other) => assert_eq!(other, sw),
        _ => {}
    }
}

/// A card that answers each command with the next answer from the input, then keeps giving
/// its last answer (a stuck card), or fails with a transport error when the input says so.
struct ScriptedCard<'a> {
    script: Bytes<'a>,
    last: Vec<u8>,
    sent: usize,
    get_responses_in_a_row: usize,
    /// The last answer was to GET RESPONSE, and was a bare `61xx`.
    stuck: bool,
}

impl Transport for ScriptedCard<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent += 1;
        assert!(
            self.sent <= MAX_APDUS,
            "the driver sent more than {MAX_APDUS} commands for one operation (last {:02X?}, \
             card answering {:02X?})",
            &command[..command.len().min(5)],
            self.last
        );
        assert!(command.len() >= 4, "a command APDU without a header");
        if command[1] == 0xC0 {
            self.get_responses_in_a_row += 1;
            if KNOWN_GET_RESPONSE_LOOP && self.stuck {
                return Err(TransportError::CardRemoved);
            }
            assert!(
                self.get_responses_in_a_row <= MAX_GET_RESPONSES,
                "the driver keeps sending GET RESPONSE (card answering {:02X?})",
                self.last
            );
        } else {
            self.get_responses_in_a_row = 0;
        }
        let answer = self.answer();
        self.stuck = command[1] == 0xC0
            && matches!(&answer, Ok(bytes) if bytes.len() == 2 && bytes[0] == 0x61);
        answer
    }
}

impl ScriptedCard<'_> {
    fn answer(&mut self) -> Result<Vec<u8>, TransportError> {
        if self.script.is_empty() {
            return Ok(self.last.clone());
        }
        match self.script.u8() {
            // A transport failure.
            0xFF => Err(TransportError::CardRemoved),
            // A status word alone (the most common answer).
            0xFE => {
                self.last = self.script.take(2).to_vec();
                Ok(self.last.clone())
            }
            n => {
                self.last = self.script.take(n as usize).to_vec();
                Ok(self.last.clone())
            }
        }
    }
}

fn drive_driver(data: &[u8]) {
    let mut input = Bytes(data);
    let plan = input.u8();
    let card = ScriptedCard {
        script: input,
        last: vec![0x90, 0x00],
        sent: 0,
        get_responses_in_a_row: 0,
        stuck: false,
    };
    let mut jpki = Jpki::new(card);
    let auth_pin = AuthPin::new("1234").expect("a valid auth PIN");
    let signing_pin = SigningPin::new("ABC123").expect("a valid signing password");
    let reset = {
        let mut bytes = vec![0x0C, 0x2C, 0x02, 0x80, 0x03, 0x87, 0x01, 0x01];
        bytes[4] = (bytes.len() - 5) as u8;
        ResetCommand::from_bytes(bytes).expect("a well-formed reset command")
    };
    // Each operation in the order the plan picks, each from a fresh budget of commands.
    for step in 0..4 {
        jpki.transport_mut().sent = 0;
        let operation = (plan >> (2 * step)) & 0x03;
        let kind = if step % 2 == 0 {
            PinKind::Auth
        } else {
            PinKind::Signing
        };
        match (operation, step) {
            (0, _) => {
                let _ = jpki.read_token();
            }
            (1, 0 | 2) => {
                let _ = jpki.read_certificate(Certificate::Auth);
            }
            (1, _) => {
                let _ = jpki.read_certificate(Certificate::Signing);
            }
            (2, 0) => {
                let _ = jpki.verify_auth_pin(&auth_pin);
            }
            (2, 1) => {
                let _ = jpki.verify_signing_pin(&signing_pin);
            }
            (2, _) => {
                if let Ok(tries) = jpki.tries_left(kind) {
                    assert!(tries <= 15);
                }
            }
            (_, 0) => {
                let _ = jpki.get_challenge();
            }
            (_, 1) => {
                let _ = jpki.sign_sha256(kind, &[0x5A; 32]);
            }
            _ => {
                let _ = jpki.reset_pin(kind, &reset);
            }
        }
    }
}
