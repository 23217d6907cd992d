//! The secure messaging codec of the stand-in reset command (`reset_cryptogram`).
//!
//! - `open` (the card's side) on an arbitrary data field, and `ResetCommand::from_bytes` (the
//!   kiosk's check of what the centre sent) on arbitrary bytes: no panic, and a command accepted
//!   by `from_bytes` has the reset header and a consistent `Lc`.
//! - `seal` → `ResetCommand::from_bytes` → `open` with a key, challenge, target and new PIN
//!   taken from the input: the PIN comes back; the other PIN EF, another challenge or any
//!   flipped bit is refused; sealing is deterministic.
//! - `CardId::new` and `CardId::from_auth_certificate` on arbitrary bytes.
#![no_main]

use card_driver::pin::PinKind;
use card_driver::reset_cryptogram::{
    self, CHALLENGE_LENGTH, CardId, CardKey, CodecError, RESET_CLA, RESET_INS, RESET_P1, RESET_P2,
    ResetCommand,
};
use kiosk_fuzz::Bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = Bytes(data);
    let mode = input.u8();
    let key = CardKey::from_bytes(input.array::<16>());
    let challenge: [u8; CHALLENGE_LENGTH] = input.array();
    let target = if mode & 1 == 0 {
        PinKind::Auth
    } else {
        PinKind::Signing
    };
    let file = reset_cryptogram::pin_file(target);
    let rest = input.rest();

    // Arbitrary bytes on every side of the wire.
    let _ = reset_cryptogram::open(&key, &challenge, file, rest);
    if let Ok(command) = ResetCommand::from_bytes(rest.to_vec()) {
        let bytes = command.as_bytes();
        assert_eq!(&bytes[..4], &[RESET_CLA, RESET_INS, RESET_P1, RESET_P2]);
        assert_eq!(usize::from(bytes[4]), bytes.len() - 5);
    }
    if let Ok(id) = CardId::from_auth_certificate(rest) {
        assert!(id.as_bytes().len() >= 3);
    }
    let (issuer, serial) = rest.split_at(rest.len() / 2);
    if let Ok(id) = CardId::new(issuer, serial) {
        let key_a = CardKey::derive(issuer, &id);
        assert_eq!(key_a, CardKey::derive(issuer, &id));
    }

    // The round trip, with a new PIN of up to 17 bytes from the input.
    let new_pin = &rest[..rest.len().min(usize::from(mode >> 1) % 18)];
    let sealed = reset_cryptogram::seal(&key, &challenge, target, new_pin);
    if new_pin.len() > 16 {
        assert_eq!(sealed.unwrap_err(), CodecError::PinTooLong);
        return;
    }
    let sealed = sealed.expect("a PIN of at most 16 bytes seals");
    assert_eq!(
        reset_cryptogram::seal(&key, &challenge, target, new_pin).expect("seals again"),
        sealed,
        "sealing is deterministic"
    );
    let received = ResetCommand::from_bytes(sealed.as_bytes().to_vec())
        .expect("the kiosk accepts what the centre sealed");
    let field = &received.as_bytes()[5..];
    let opened = reset_cryptogram::open(&key, &challenge, file, field).expect("opens");
    assert_eq!(opened.as_slice(), new_pin);

    let other_file = reset_cryptogram::pin_file(match target {
        PinKind::Auth => PinKind::Signing,
        PinKind::Signing => PinKind::Auth,
    });
    assert_eq!(
        reset_cryptogram::open(&key, &challenge, other_file, field),
        Err(CodecError::BadMac)
    );
    let mut other_challenge = challenge;
    other_challenge[usize::from(mode) % CHALLENGE_LENGTH] ^= 1 << (mode % 8);
    assert_eq!(
        reset_cryptogram::open(&key, &other_challenge, file, field),
        Err(CodecError::BadMac)
    );
    let mut tampered = field.to_vec();
    let at = usize::from(u16::from(mode) * 7) % tampered.len();
    tampered[at] ^= 1 << (mode % 8);
    assert!(reset_cryptogram::open(&key, &challenge, file, &tampered).is_err());
});
