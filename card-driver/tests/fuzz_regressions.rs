//! Regression tests for crashes found by the fuzz targets under `fuzz/` (see `fuzz/README.md`).
//! Each names the target that found it.

use card_driver::jpki::{Jpki, JpkiError};
use card_driver::transport::{Transport, TransportError};

/// A card that selects JPKI-AP, then answers every other command with `answer`, and gives up
/// (as a pulled card) after `limit` commands so that a looping driver still ends the test.
struct StuckCard {
    answer: Vec<u8>,
    sent: usize,
    limit: usize,
}

impl Transport for StuckCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent += 1;
        if self.sent > self.limit {
            return Err(TransportError::CardRemoved);
        }
        if command.starts_with(&[0x00, 0xA4, 0x04, 0x0C]) {
            return Ok(vec![0x90, 0x00]);
        }
        Ok(self.answer.clone())
    }
}

/// Found by `response_apdu`: a card (or reader) that answers `61xx` to GET RESPONSE without any
/// data made `Jpki::exchange` loop for ever: its 64 KiB limit counts bytes, and none came.
#[test]
fn get_response_without_data_does_not_loop() {
    let mut jpki = Jpki::new(StuckCard {
        answer: vec![0x61, 0x08],
        sent: 0,
        limit: 100_000,
    });
    let result = jpki.get_challenge();
    let sent = jpki.transport_mut().sent;
    assert!(
        matches!(result, Err(JpkiError::MalformedResponse { .. })),
        "{result:?} after {sent} commands"
    );
    // SELECT, GET CHALLENGE, and at most one GET RESPONSE that brings nothing.
    assert!(sent <= 3, "{sent} commands sent to a stuck card");
}

/// The same card with one data byte per GET RESPONSE still ends at the 64 KiB limit (a bound
/// the driver already has; kept so a fix for the case above does not lose it).
#[test]
fn get_response_with_data_stops_at_64_kib() {
    let mut jpki = Jpki::new(StuckCard {
        answer: vec![0xAA, 0x61, 0x01],
        sent: 0,
        limit: 100_000,
    });
    let result = jpki.get_challenge();
    assert!(
        matches!(result, Err(JpkiError::MalformedResponse { .. })),
        "{result:?}"
    );
    assert!(jpki.transport_mut().sent <= 65_540);
}
