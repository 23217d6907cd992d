//! ISO 7816-4 APDUs: command encoding (short and extended length), response parsing, and the
//! status words a JPKI card answers, mapped to typed results.
//!
//! This layer knows bytes, not the JPKI applet: it is shared by the driver and by the centre
//! stand-in, and knows nothing of PINs beyond wiping command data after use.

use std::fmt;

use zeroize::Zeroize;

/// Largest `Le` a short APDU can ask for (`Le = 00`).
pub const SHORT_LE_MAX: usize = 256;
/// Largest `Lc` a short APDU can carry.
pub const SHORT_LC_MAX: usize = 255;
/// Largest `Le` an extended APDU can ask for (`Le = 00 00`).
pub const EXTENDED_LE_MAX: usize = 65_536;
/// Largest `Lc` an extended APDU can carry.
pub const EXTENDED_LC_MAX: usize = 65_535;

/// A command APDU. Its data is wiped when the command is dropped, because VERIFY and the reset
/// command carry PINs.
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    data: Vec<u8>,
    /// Expected response length; `None` means no response data is expected (ISO cases 1 and 3).
    le: Option<usize>,
}

/// A command that cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("command data of {0} bytes is longer than an extended APDU can carry (65535)")]
    DataTooLong(usize),
    #[error("expected length {0} is outside 1..=65536")]
    BadLe(usize),
}

impl Command {
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Command {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            le: None,
        }
    }

    /// Sets the command data (`Lc` and the data field).
    pub fn with_data(mut self, data: &[u8]) -> Self {
        self.data.zeroize();
        self.data = data.to_vec();
        self
    }

    /// Sets the expected response length `Le` (256 for a short `Le = 00`).
    pub fn with_le(mut self, le: usize) -> Self {
        self.le = Some(le);
        self
    }

    pub fn data(&self) -> &[u8] {
        &self.data
    }

    pub fn le(&self) -> Option<usize> {
        self.le
    }

    /// True when the command needs the extended length form.
    pub fn is_extended(&self) -> bool {
        self.data.len() > SHORT_LC_MAX || self.le.is_some_and(|le| le > SHORT_LE_MAX)
    }

    /// Encodes the command, choosing the short form whenever it fits.
    ///
    /// The returned buffer holds the data field (maybe a PIN): wipe it after use
    /// (see [`EncodedCommand`]).
    pub fn encode(&self) -> Result<EncodedCommand, EncodeError> {
        if self.data.len() > EXTENDED_LC_MAX {
            return Err(EncodeError::DataTooLong(self.data.len()));
        }
        if let Some(le) = self.le
            && !(1..=EXTENDED_LE_MAX).contains(&le)
        {
            return Err(EncodeError::BadLe(le));
        }
        let mut out = Vec::with_capacity(4 + 3 + self.data.len() + 3);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        let extended = self.is_extended();
        if !self.data.is_empty() {
            if extended {
                let lc = self.data.len() as u16;
                out.push(0x00);
                out.extend_from_slice(&lc.to_be_bytes());
            } else {
                out.push(self.data.len() as u8);
            }
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            // 256 (short) and 65536 (extended) are encoded as zeros.
            if extended {
                if self.data.is_empty() {
                    out.push(0x00);
                }
                out.extend_from_slice(&((le % EXTENDED_LE_MAX) as u16).to_be_bytes());
            } else {
                out.push((le % SHORT_LE_MAX) as u8);
            }
        }
        Ok(EncodedCommand(out))
    }
}

impl Drop for Command {
    fn drop(&mut self) {
        self.data.zeroize();
    }
}

/// Never prints the data field: it may be a PIN.
impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Command({:02X} {:02X} {:02X} {:02X}, {} data bytes, le={:?})",
            self.cla,
            self.ins,
            self.p1,
            self.p2,
            self.data.len(),
            self.le
        )
    }
}

/// The bytes of an encoded command; wiped on drop.
#[derive(PartialEq, Eq)]
pub struct EncodedCommand(Vec<u8>);

impl EncodedCommand {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for EncodedCommand {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for EncodedCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header: Vec<String> = self.0.iter().take(4).map(|b| format!("{b:02X}")).collect();
        write!(
            f,
            "EncodedCommand({} …, {} bytes)",
            header.join(" "),
            self.0.len()
        )
    }
}

/// A status word `SW1 SW2`. On the wire (JSON) it is the number itself.
#[derive(Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct StatusWord(pub u16);

impl StatusWord {
    pub const SUCCESS: StatusWord = StatusWord(0x9000);

    pub fn sw1(self) -> u8 {
        (self.0 >> 8) as u8
    }

    pub fn sw2(self) -> u8 {
        self.0 as u8
    }

    /// What the status word means, in the card's vocabulary.
    pub fn status(self) -> Status {
        match (self.sw1(), self.sw2()) {
            (0x90, 0x00) => Status::Success,
            (0x61, n) => Status::MoreData(if n == 0 { 256 } else { n as usize }),
            (0x62, 0x82) => Status::EndOfFile,
            // 63C0 is the wrong try that used the counter up, or an empty VERIFY on a blocked PIN.
            (0x63, 0xC0) => Status::PinBlocked,
            (0x63, n) if n & 0xF0 == 0xC0 => Status::WrongPin {
                tries_left: n & 0x0F,
            },
            (0x67, 0x00) => Status::WrongLength,
            (0x68, 0x81) => Status::LogicalChannelNotSupported,
            (0x68, 0x82) => Status::SecureMessagingNotSupported,
            (0x69, 0x81) => Status::IncompatibleFileStructure,
            (0x69, 0x82) => Status::SecurityStatusNotSatisfied,
            // 6983 (authentication method blocked) is not seen on JPKI cards, but means the same.
            (0x69, 0x83) | (0x69, 0x84) => Status::PinBlocked,
            (0x69, 0x85) => Status::ConditionsNotSatisfied,
            (0x69, 0x86) => Status::NoCurrentEf,
            (0x69, 0x88) => Status::SecureMessagingDataIncorrect,
            (0x6A, 0x80) => Status::IncorrectData,
            (0x6A, 0x82) => Status::NotFound,
            (0x6A, 0x86) => Status::IncorrectParameters,
            (0x6B, 0x00) => Status::OffsetOutsideFile,
            (0x6C, n) => Status::WrongLe(if n == 0 { 256 } else { n as usize }),
            (0x6D, 0x00) => Status::InstructionNotSupported,
            (0x6E, 0x00) => Status::ClassNotSupported,
            _ => Status::Other(self),
        }
    }
}

impl fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SW {:04X}", self.0)
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

/// The typed meaning of a status word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `9000`
    Success,
    /// `61xx`: that many more bytes wait for GET RESPONSE.
    MoreData(usize),
    /// `6282`: fewer bytes than asked were left in the file (data still returned).
    EndOfFile,
    /// `63Cx` with x > 0: a wrong PIN, or the answer to an empty VERIFY.
    WrongPin { tries_left: u8 },
    /// `63C0`, `6983`, `6984`: the PIN is blocked; no VERIFY with data may follow.
    PinBlocked,
    /// `6700`
    WrongLength,
    /// `6881`
    LogicalChannelNotSupported,
    /// `6882`
    SecureMessagingNotSupported,
    /// `6981`
    IncompatibleFileStructure,
    /// `6982`
    SecurityStatusNotSatisfied,
    /// `6985`: e.g. no card challenge for the reset command.
    ConditionsNotSatisfied,
    /// `6986`
    NoCurrentEf,
    /// `6988`: e.g. a reset command with a wrong MAC.
    SecureMessagingDataIncorrect,
    /// `6A80`: e.g. a new PIN that breaks the card's format rules.
    IncorrectData,
    /// `6A82`: file or application not found.
    NotFound,
    /// `6A86`
    IncorrectParameters,
    /// `6B00`
    OffsetOutsideFile,
    /// `6Cxx`: resend with `Le = xx`.
    WrongLe(usize),
    /// `6D00`
    InstructionNotSupported,
    /// `6E00`
    ClassNotSupported,
    /// Anything else.
    Other(StatusWord),
}

/// A response APDU: data and status word.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    pub data: Vec<u8>,
    pub sw: StatusWord,
}

/// A response that is not a response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    /// pcsc-lite returns an empty "successful" transmit when a card is pulled mid-command.
    #[error("the card answered {0} bytes, fewer than a status word")]
    TooShort(usize),
}

impl Response {
    pub fn parse(bytes: &[u8]) -> Result<Response, ResponseError> {
        if bytes.len() < 2 {
            return Err(ResponseError::TooShort(bytes.len()));
        }
        let (data, sw) = bytes.split_at(bytes.len() - 2);
        Ok(Response {
            data: data.to_vec(),
            sw: StatusWord(u16::from_be_bytes([sw[0], sw[1]])),
        })
    }

    pub fn status(&self) -> Status {
        self.sw.status()
    }

    pub fn is_success(&self) -> bool {
        self.sw == StatusWord::SUCCESS
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Response({} data bytes, {:?})", self.data.len(), self.sw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(command: &Command) -> Vec<u8> {
        command.encode().expect("encodes").as_bytes().to_vec()
    }

    #[test]
    fn case_1_is_the_header_alone() {
        assert_eq!(
            bytes(&Command::new(0x00, 0x20, 0x00, 0x80)),
            [0x00, 0x20, 0x00, 0x80]
        );
    }

    #[test]
    fn case_2_short_encodes_256_as_zero() {
        let read = Command::new(0x00, 0xB0, 0x01, 0x00).with_le(256);
        assert_eq!(bytes(&read), [0x00, 0xB0, 0x01, 0x00, 0x00]);
        let read = Command::new(0x00, 0x84, 0x00, 0x00).with_le(8);
        assert_eq!(bytes(&read), [0x00, 0x84, 0x00, 0x00, 0x08]);
    }

    #[test]
    fn case_3_short_select() {
        let aid = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
        let select = Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(&aid);
        let mut expected = vec![0x00, 0xA4, 0x04, 0x0C, 0x0A];
        expected.extend_from_slice(&aid);
        assert_eq!(bytes(&select), expected);
    }

    #[test]
    fn case_4_short_sign() {
        let sign = Command::new(0x80, 0x2A, 0x00, 0x80)
            .with_data(&[1, 2, 3])
            .with_le(256);
        assert_eq!(bytes(&sign), [0x80, 0x2A, 0x00, 0x80, 0x03, 1, 2, 3, 0x00]);
    }

    #[test]
    fn extended_forms() {
        let read = Command::new(0x00, 0xB0, 0x00, 0x00).with_le(1000);
        assert_eq!(bytes(&read), [0x00, 0xB0, 0x00, 0x00, 0x00, 0x03, 0xE8]);
        let read = Command::new(0x00, 0xB0, 0x00, 0x00).with_le(65_536);
        assert_eq!(bytes(&read), [0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00]);
        let data = vec![0xAB; 300];
        let put = Command::new(0x00, 0xDA, 0x00, 0x00).with_data(&data);
        let encoded = bytes(&put);
        assert_eq!(&encoded[..7], &[0x00, 0xDA, 0x00, 0x00, 0x00, 0x01, 0x2C]);
        assert_eq!(encoded.len(), 7 + 300);
        // Case 4 extended: Le is two bytes after the data, with no leading zero.
        let both = Command::new(0x00, 0xDA, 0x00, 0x00)
            .with_data(&data)
            .with_le(256);
        let encoded = bytes(&both);
        assert_eq!(&encoded[7 + 300..], &[0x01, 0x00]);
    }

    #[test]
    fn out_of_range_lengths_are_refused() {
        assert_eq!(
            Command::new(0, 0xB0, 0, 0).with_le(0).encode(),
            Err(EncodeError::BadLe(0))
        );
        assert_eq!(
            Command::new(0, 0xB0, 0, 0).with_le(65_537).encode(),
            Err(EncodeError::BadLe(65_537))
        );
        let data = vec![0; 65_536];
        assert_eq!(
            Command::new(0, 0xD6, 0, 0).with_data(&data).encode(),
            Err(EncodeError::DataTooLong(65_536))
        );
    }

    #[test]
    fn debug_never_shows_data() {
        let verify = Command::new(0x00, 0x20, 0x00, 0x80).with_data(b"1234");
        let printed = format!("{verify:?} {:?}", verify.encode().expect("encodes"));
        assert!(!printed.contains("1234"), "{printed}");
        assert!(!printed.contains("31 32 33 34"), "{printed}");
        assert!(!printed.contains("31323334"), "{printed}");
    }

    #[test]
    fn responses_shorter_than_a_status_word_are_errors() {
        assert_eq!(Response::parse(&[]), Err(ResponseError::TooShort(0)));
        assert_eq!(Response::parse(&[0x90]), Err(ResponseError::TooShort(1)));
        let ok = Response::parse(&[0xAA, 0x90, 0x00]).expect("parses");
        assert_eq!(ok.data, [0xAA]);
        assert!(ok.is_success());
    }

    #[test]
    fn status_words_map_to_typed_results() {
        let cases = [
            (0x9000, Status::Success),
            (0x63C2, Status::WrongPin { tries_left: 2 }),
            (0x63C5, Status::WrongPin { tries_left: 5 }),
            (0x63C0, Status::PinBlocked),
            (0x6984, Status::PinBlocked),
            (0x6983, Status::PinBlocked),
            (0x6982, Status::SecurityStatusNotSatisfied),
            (0x6A82, Status::NotFound),
            (0x6A86, Status::IncorrectParameters),
            (0x6986, Status::NoCurrentEf),
            (0x6700, Status::WrongLength),
            (0x6D00, Status::InstructionNotSupported),
            (0x6E00, Status::ClassNotSupported),
            (0x6881, Status::LogicalChannelNotSupported),
            (0x6100, Status::MoreData(256)),
            (0x6110, Status::MoreData(16)),
            (0x6C08, Status::WrongLe(8)),
            (0x6282, Status::EndOfFile),
            (0x6985, Status::ConditionsNotSatisfied),
            (0x6988, Status::SecureMessagingDataIncorrect),
            (0x6A80, Status::IncorrectData),
            (0x6F00, Status::Other(StatusWord(0x6F00))),
            // 63 with a low nibble that is not Cx is not a PIN counter.
            (0x6300, Status::Other(StatusWord(0x6300))),
        ];
        for (sw, expected) in cases {
            assert_eq!(StatusWord(sw).status(), expected, "{sw:04X}");
        }
    }
}
