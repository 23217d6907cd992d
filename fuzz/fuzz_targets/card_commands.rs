//! The virtual card's command parser and the whole card behind it.
//!
//! - `virtual_card::command::CommandApdu::parse` on the whole input; a command it accepts,
//!   encoded again by the driver's `apdu::Command::encode`, parses back to the same command
//!   (the two ends of the wire are written apart on purpose).
//! - `VirtualCard::process` on a session of APDUs cut from the input, on a fresh card from
//!   `config/cards/normal.json` (or `not-mynumber.json`): every answer has at least a status
//!   word, a command that does not parse gets exactly `6700`, the PIN counters never leave
//!   `0..=max`, and the history keeps one header per command.
#![no_main]

use std::sync::OnceLock;

use card_driver::apdu::Command;
use kiosk_fuzz::{Bytes, copy_profile, load_profile};
use libfuzzer_sys::fuzz_target;
use virtual_card::command::CommandApdu;
use virtual_card::{PinId, Profile, VirtualCard};

static NORMAL: OnceLock<Profile> = OnceLock::new();
static OTHER: OnceLock<Profile> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    round_trip(data);

    let mut input = Bytes(data);
    let flags = input.u8();
    let profile = if flags & 0x80 == 0 {
        NORMAL.get_or_init(|| load_profile("normal"))
    } else {
        OTHER.get_or_init(|| load_profile("not-mynumber"))
    };
    let mut card = VirtualCard::new(copy_profile(profile));
    let mut sent = 0;
    // Length-prefixed APDUs (a 0xFF length takes the rest, for long extended commands).
    while !input.is_empty() && sent < 64 {
        let apdu = match input.u8() {
            0xFF => input.rest(),
            n => input.take(usize::from(n)),
        };
        // A power event between commands now and then, as a reader would send.
        if flags & 0x01 == 1 && sent % 8 == 7 {
            card.power(virtual_card::PowerEvent::Reset);
        }
        let answer = card.process(apdu);
        sent += 1;
        assert!(answer.len() >= 2, "{} bytes answered", answer.len());
        if CommandApdu::parse(apdu).is_err() {
            assert_eq!(
                answer,
                [0x67, 0x00],
                "a malformed command got {answer:02X?}"
            );
        }
        let sw = u16::from_be_bytes([answer[answer.len() - 2], answer[answer.len() - 1]]);
        assert_eq!(card.history().last().map(|r| r.sw), Some(sw));
        if let Some(tries) = card.tries_left(PinId::Auth) {
            assert!(tries <= 3, "auth counter {tries}");
        }
        if let Some(tries) = card.tries_left(PinId::Signing) {
            assert!(tries <= 5, "signing counter {tries}");
        }
    }
    assert_eq!(card.history().len(), sent);
});

fn round_trip(bytes: &[u8]) {
    let Ok(parsed) = CommandApdu::parse(bytes) else {
        return;
    };
    assert!(parsed.data.len() <= 65_535);
    assert!(parsed.le.is_none_or(|le| (1..=65_536).contains(&le)));
    let mut command = Command::new(parsed.cla, parsed.ins, parsed.p1, parsed.p2);
    if !parsed.data.is_empty() {
        command = command.with_data(&parsed.data);
    }
    if let Some(le) = parsed.le {
        command = command.with_le(le);
    }
    let encoded = command
        .encode()
        .unwrap_or_else(|e| panic!("the driver cannot encode {parsed:?}: {e}"));
    let again = CommandApdu::parse(encoded.as_bytes())
        .unwrap_or_else(|_| panic!("the card cannot parse the driver's encoding of {parsed:?}"));
    assert_eq!(again, parsed);
    // The driver picks the short form whenever it fits, so a short command comes back as it was.
    let short =
        bytes.len() <= 4 + 1 + 255 + 1 && !matches!(bytes.get(4), Some(0x00) if bytes.len() > 5);
    if short {
        assert_eq!(encoded.as_bytes(), bytes);
    }
}
