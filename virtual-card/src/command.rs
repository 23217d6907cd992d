//! The card's own parser of command APDUs (ISO 7816-4 cases 1–4, short and extended).
//!
//! Written from the card's side of the wire on purpose: it shares nothing with the driver's
//! encoder, so a mistake in one is caught by the other.

use zeroize::Zeroize;

/// A parsed command APDU.
#[derive(Clone, PartialEq, Eq)]
pub struct CommandApdu {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    /// Expected response length; `None` for cases 1 and 3. Short `00` is 256, extended `0000` is
    /// 65536.
    pub le: Option<usize>,
}

impl std::fmt::Debug for CommandApdu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CommandApdu({:02X} {:02X} {:02X} {:02X}, {} data bytes, le={:?})",
            self.cla,
            self.ins,
            self.p1,
            self.p2,
            self.data.len(),
            self.le
        )
    }
}

impl Drop for CommandApdu {
    fn drop(&mut self) {
        // VERIFY and CHANGE REFERENCE DATA carry PINs.
        self.data.zeroize();
    }
}

/// A byte string that is not a command APDU: the card answers `6700`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrongLength;

impl CommandApdu {
    pub fn parse(bytes: &[u8]) -> Result<CommandApdu, WrongLength> {
        let [cla, ins, p1, p2, body @ ..] = bytes else {
            return Err(WrongLength);
        };
        let (data, le) = parse_body(body)?;
        Ok(CommandApdu {
            cla: *cla,
            ins: *ins,
            p1: *p1,
            p2: *p2,
            data: data.to_vec(),
            le,
        })
    }
}

/// Splits the body after the header into (data, Le) following ISO 7816-4 section 5.1.
fn parse_body(body: &[u8]) -> Result<(&[u8], Option<usize>), WrongLength> {
    match body {
        // Case 1.
        [] => Ok((&[], None)),
        // Case 2 short.
        [le] => Ok((&[], Some(short_le(*le)))),
        // Extended forms start with a zero byte followed by two length bytes.
        [0x00, hi, lo, rest @ ..] => {
            let n = u16::from_be_bytes([*hi, *lo]) as usize;
            match rest {
                // Case 2 extended.
                [] => Ok((&[], Some(extended_le(n)))),
                // Case 3 extended (Lc = 0 is not allowed).
                _ if n != 0 && rest.len() == n => Ok((rest, None)),
                // Case 4 extended: Le is two bytes after the data.
                _ if n != 0 && rest.len() == n + 2 => {
                    let le = u16::from_be_bytes([rest[n], rest[n + 1]]) as usize;
                    Ok((&rest[..n], Some(extended_le(le))))
                }
                _ => Err(WrongLength),
            }
        }
        [lc, rest @ ..] => {
            let n = *lc as usize;
            match rest.len() {
                // Case 3 short.
                len if n != 0 && len == n => Ok((rest, None)),
                // Case 4 short.
                len if n != 0 && len == n + 1 => Ok((&rest[..n], Some(short_le(rest[n])))),
                _ => Err(WrongLength),
            }
        }
    }
}

fn short_le(byte: u8) -> usize {
    if byte == 0 { 256 } else { byte as usize }
}

fn extended_le(value: usize) -> usize {
    if value == 0 { 65_536 } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> (Vec<u8>, Option<usize>) {
        let command = CommandApdu::parse(bytes).expect("parses");
        (command.data.clone(), command.le)
    }

    #[test]
    fn all_four_short_cases() {
        assert_eq!(parse(&[0x00, 0x20, 0x00, 0x80]), (vec![], None));
        assert_eq!(parse(&[0x00, 0xB0, 0x00, 0x00, 0x00]), (vec![], Some(256)));
        assert_eq!(parse(&[0x00, 0x84, 0x00, 0x00, 0x08]), (vec![], Some(8)));
        assert_eq!(
            parse(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A]),
            (vec![0x00, 0x0A], None)
        );
        assert_eq!(
            parse(&[0x80, 0x2A, 0x00, 0x80, 0x02, 0xAA, 0xBB, 0x00]),
            (vec![0xAA, 0xBB], Some(256))
        );
    }

    #[test]
    fn extended_cases() {
        assert_eq!(
            parse(&[0x00, 0xB0, 0x00, 0x00, 0x00, 0x01, 0x00]),
            (vec![], Some(256))
        );
        assert_eq!(
            parse(&[0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00]),
            (vec![], Some(65_536))
        );
        let mut case3 = vec![0x00, 0xDA, 0x00, 0x00, 0x00, 0x01, 0x00];
        case3.extend(std::iter::repeat_n(0xAB, 256));
        assert_eq!(parse(&case3), (vec![0xAB; 256], None));
        let mut case4 = case3.clone();
        case4.extend_from_slice(&[0x02, 0x00]);
        assert_eq!(parse(&case4), (vec![0xAB; 256], Some(512)));
    }

    #[test]
    fn inconsistent_lengths_are_wrong_length() {
        assert_eq!(CommandApdu::parse(&[0x00, 0xA4, 0x04]), Err(WrongLength));
        // Lc says 2, one byte follows.
        assert_eq!(
            CommandApdu::parse(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00]),
            Err(WrongLength)
        );
        // Lc says 1, three bytes follow.
        assert_eq!(
            CommandApdu::parse(&[0x00, 0xA4, 0x02, 0x0C, 0x01, 0x00, 0x0A, 0x00]),
            Err(WrongLength)
        );
        // Extended Lc of 3 with 2 data bytes.
        assert_eq!(
            CommandApdu::parse(&[0x00, 0xDA, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01, 0x02]),
            Err(WrongLength)
        );
    }

    #[test]
    fn never_panics_on_any_short_input() {
        for len in 0..12 {
            for fill in [0x00u8, 0x01, 0x7F, 0xFF] {
                let bytes = vec![fill; len];
                let _ = CommandApdu::parse(&bytes);
            }
        }
    }
}
