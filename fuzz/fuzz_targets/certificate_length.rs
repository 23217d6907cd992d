//! DER certificate length handling: the length the driver reads from the first 256-byte chunk
//! of a certificate EF, and the whole read that follows.
//!
//! - `certificate::der_sequence_length` on the input, checked against an independent reading of
//!   the header, and against x509-parser when the input is a whole certificate;
//! - `certificate::CertificateSummary::from_der` on the input (no panic; a summary only for a
//!   certificate with nothing after it);
//! - `jpki::Jpki::read_certificate` from a well-behaved card whose auth certificate EF holds the
//!   input: the result is exactly the declared DER when the EF holds it (and READ BINARY can
//!   address it), an error otherwise, and the card is asked for no more chunks than needed.
#![no_main]

use card_driver::certificate::{CertificateSummary, DerError, der_sequence_length};
use card_driver::jpki::{Certificate, Jpki, JpkiError};
use card_driver::transport::{Transport, TransportError};
use libfuzzer_sys::fuzz_target;
use x509_parser::prelude::{FromDer, X509Certificate};

/// READ BINARY with a 15-bit offset reaches 32 KiB.
const ADDRESSABLE: usize = 0x8000;

fuzz_target!(|data: &[u8]| {
    let length = der_sequence_length(data);
    check_length(data, &length);
    // x509-parser checks only the tag number of the outer SEQUENCE, not its class: it also reads
    // a certificate whose first byte is e.g. 70 ([APPLICATION 16]). The driver insists on 30,
    // rightly, so the two are compared on a universal SEQUENCE only.
    let universal_sequence = data.first() == Some(&0x30);
    if let Ok((rest, _)) = X509Certificate::from_der(data)
        && universal_sequence
    {
        assert_eq!(
            length,
            Ok(data.len() - rest.len()),
            "x509-parser read a certificate of another length"
        );
    }
    if CertificateSummary::from_der(data).is_ok() && universal_sequence {
        assert_eq!(length, Ok(data.len()));
    }
    read_from_card(data, &length);
});

/// The header as ISO 8825-1 says, written apart from the driver's code.
fn check_length(data: &[u8], length: &Result<usize, DerError>) {
    let expected = match data {
        [] | [_] if data.first().is_none_or(|&tag| tag == 0x30) => Err(DerError::Incomplete(2)),
        [tag, ..] if *tag != 0x30 => Err(DerError::NotASequence(*tag)),
        [_, short, ..] if *short < 0x80 => Ok(2 + usize::from(*short)),
        [_, form, rest @ ..] => {
            let count = usize::from(form & 0x7F);
            if count == 0 || count > 4 {
                Err(DerError::BadLengthForm(*form))
            } else if rest.len() < count {
                Err(DerError::Incomplete(2 + count))
            } else {
                let mut content = 0usize;
                for &byte in &rest[..count] {
                    content = content * 256 + usize::from(byte);
                }
                Ok(2 + count + content)
            }
        }
        _ => unreachable!(),
    };
    assert_eq!(
        *length,
        expected,
        "header {:02X?}",
        &data[..data.len().min(6)]
    );
}

/// A card with the JPKI applet whose auth certificate EF holds `ef`, answering READ BINARY as
/// the real card does (`6282` with what is left, `6B00` past the end).
struct Card<'a> {
    ef: &'a [u8],
    selected: bool,
    reads: usize,
}

impl Transport for Card<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let sw = |sw: u16| sw.to_be_bytes().to_vec();
        match command {
            [0x00, 0xA4, 0x04, 0x0C, ..] => Ok(sw(0x9000)),
            [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A] => {
                self.selected = true;
                Ok(sw(0x9000))
            }
            [0x00, 0xB0, hi, lo, le @ ..] => {
                assert!(self.selected, "READ BINARY before SELECT");
                self.reads += 1;
                let le = match le {
                    [0x00] => 256,
                    [n] => usize::from(*n),
                    [0x00, 0x00, 0x00] => 65_536,
                    [0x00, a, b] => usize::from(u16::from_be_bytes([*a, *b])),
                    _ => panic!("a READ BINARY with a malformed Le: {command:02X?}"),
                };
                assert!(hi & 0x80 == 0, "READ BINARY by short EF identifier");
                let offset = usize::from(u16::from_be_bytes([*hi, *lo]));
                if offset >= self.ef.len() {
                    return Ok(sw(0x6B00));
                }
                let end = self.ef.len().min(offset + le);
                let mut answer = self.ef[offset..end].to_vec();
                answer.extend(sw(if end - offset < le { 0x6282 } else { 0x9000 }));
                Ok(answer)
            }
            _ => panic!("an unexpected command {command:02X?}"),
        }
    }
}

fn read_from_card(ef: &[u8], length: &Result<usize, DerError>) {
    let mut jpki = Jpki::new(Card {
        ef,
        selected: false,
        reads: 0,
    });
    let result = jpki.read_certificate(Certificate::Auth);
    let reads = jpki.transport_mut().reads;
    match (length, &result) {
        // The first chunk is what the driver saw; a header past it cannot be read.
        (Ok(total), Ok(der)) => {
            assert!(*total <= ADDRESSABLE && *total <= ef.len());
            assert_eq!(der.as_slice(), &ef[..*total]);
            assert_eq!(
                reads,
                total.div_ceil(256).max(1),
                "chunks for {total} bytes"
            );
        }
        (Ok(total), Err(JpkiError::MalformedCertificate { file: 0x000A, .. })) => {
            assert!(
                *total > ADDRESSABLE || *total > ef.len(),
                "{total} of {}",
                ef.len()
            );
        }
        (Err(_), Err(JpkiError::MalformedCertificate { file: 0x000A, .. })) => {
            assert_eq!(reads, 1);
        }
        (length, result) => panic!("length {length:?} but the read gave {result:?}"),
    }
}
