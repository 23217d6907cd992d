//! The JPKI applet's operations, in the card's vocabulary (`../shared/spec/jpki-card.md`).
//!
//! [`Jpki`] sends the fewest APDUs the card allows: it remembers which application and EF are
//! selected, reads a certificate's length from its first chunk, and knows which PINs are blocked
//! so that it never sends a VERIFY with data to one (the card would answer `6984`, but the rule
//! is that the kiosk must not ask).

use std::fmt;

use crate::apdu::{Command, EXTENDED_LE_MAX, Response, Status, StatusWord};
use crate::certificate::{DerError, der_sequence_length};
use crate::pin::{AuthPin, PinKind, SigningPin};
use crate::reset_cryptogram::{self, CHALLENGE_LENGTH, ResetCommand};
use crate::transport::{Transport, TransportError};

/// AID of the JPKI applet (公的個人認証AP).
pub const JPKI_AID: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];

/// Largest chunk one short READ BINARY returns.
const CHUNK: usize = 256;
/// GET RESPONSE rounds one command may take. The longest answer that goes through them is 256
/// bytes (a READ BINARY [`CHUNK`] of a certificate, an RSA-2048 signature, whole certificates of
/// ~2 KiB are read chunk by chunk with READ BINARY, each chunk its own command). The JPKI card
/// never answers `61xx`; a T=0 reader or card in between hands such an answer out in one round
/// (`6100`) or a few. 16 rounds carry 256 bytes even in pieces of 16; a card that wants more is
/// refused after at most 16 round trips instead of holding the kiosk until its deadline.
const MAX_GET_RESPONSE_ROUNDS: usize = 16;
/// READ BINARY with P1 bit 8 clear addresses offsets up to 15 bits.
const MAX_OFFSET: usize = 0x7FFF;
/// DigestInfo prefix of SHA-256 (RFC 8017, section 9.2, note 1).
const SHA256_DIGEST_INFO_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// The elementary files of the JPKI applet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JpkiFile {
    SigningCertificate,
    SigningCaCertificate,
    Token,
    AuthCertificate,
    AuthCaCertificate,
    AuthKey,
    AuthPin,
    SigningKey,
    SigningPin,
}

impl JpkiFile {
    pub fn id(self) -> u16 {
        match self {
            JpkiFile::SigningCertificate => 0x0001,
            JpkiFile::SigningCaCertificate => 0x0002,
            JpkiFile::Token => 0x0006,
            JpkiFile::AuthCertificate => 0x000A,
            JpkiFile::AuthCaCertificate => 0x000B,
            JpkiFile::AuthKey => 0x0017,
            JpkiFile::AuthPin => 0x0018,
            JpkiFile::SigningKey => 0x001A,
            JpkiFile::SigningPin => 0x001B,
        }
    }

    pub fn pin(kind: PinKind) -> JpkiFile {
        match kind {
            PinKind::Auth => JpkiFile::AuthPin,
            PinKind::Signing => JpkiFile::SigningPin,
        }
    }

    pub fn key(kind: PinKind) -> JpkiFile {
        match kind {
            PinKind::Auth => JpkiFile::AuthKey,
            PinKind::Signing => JpkiFile::SigningKey,
        }
    }
}

/// The four certificates on the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Certificate {
    /// 利用者証明用電子証明書: readable without a PIN; identifies the card.
    Auth,
    AuthCa,
    /// 署名用電子証明書: holds personal data; needs the signing PIN.
    Signing,
    SigningCa,
}

impl Certificate {
    pub fn file(self) -> JpkiFile {
        match self {
            Certificate::Auth => JpkiFile::AuthCertificate,
            Certificate::AuthCa => JpkiFile::AuthCaCertificate,
            Certificate::Signing => JpkiFile::SigningCertificate,
            Certificate::SigningCa => JpkiFile::SigningCaCertificate,
        }
    }
}

/// The kind of token in EF `0006`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// `JPKIAPICCTOKEN2`
    MyNumberCard,
    /// `JPKIAPICCTOKEN`: an older card.
    OlderCard,
    /// `JPKIAPGPSETOKEN`: a smartphone.
    Smartphone,
    /// Anything else, accepted as it is.
    Unknown(String),
}

impl Token {
    fn parse(bytes: &[u8]) -> Token {
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        let text = String::from_utf8_lossy(&bytes[..end])
            .trim_end()
            .to_string();
        match text.as_str() {
            "JPKIAPICCTOKEN2" => Token::MyNumberCard,
            "JPKIAPICCTOKEN" => Token::OlderCard,
            "JPKIAPGPSETOKEN" => Token::Smartphone,
            _ => Token::Unknown(text),
        }
    }
}

impl Token {
    /// The token as the card holds it.
    pub fn as_str(&self) -> &str {
        match self {
            Token::MyNumberCard => "JPKIAPICCTOKEN2",
            Token::OlderCard => "JPKIAPICCTOKEN",
            Token::Smartphone => "JPKIAPGPSETOKEN",
            Token::Unknown(text) => text,
        }
    }
}

/// Serialised as the token string itself.
impl serde::Serialize for Token {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::MyNumberCard => f.write_str("JPKIAPICCTOKEN2 (My Number Card)"),
            Token::OlderCard => f.write_str("JPKIAPICCTOKEN (older card)"),
            Token::Smartphone => f.write_str("JPKIAPGPSETOKEN (smartphone)"),
            Token::Unknown(text) => write!(f, "{text:?} (unknown token)"),
        }
    }
}

/// Why a JPKI operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JpkiError {
    #[error("not a My Number Card: the card has no JPKI applet")]
    NotMyNumberCard,
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("the card answered {0} bytes, fewer than a status word")]
    ResponseTooShort(usize),
    #[error("wrong {kind:?} PIN; {tries_left} tries left")]
    WrongPin { kind: PinKind, tries_left: u8 },
    #[error("the {0:?} PIN is blocked")]
    PinBlocked(PinKind),
    #[error("the card refused: the PIN must be verified first")]
    SecurityStatusNotSatisfied,
    #[error("file {0:04X} is not on the card")]
    FileNotFound(u16),
    #[error("the certificate in EF {file:04X} is malformed: {reason}")]
    MalformedCertificate { file: u16, reason: String },
    #[error("the card refused the reset command: {0}")]
    ResetRefused(ResetRefusal),
    #[error("the card answered {sw} to {operation}")]
    Unexpected {
        operation: &'static str,
        sw: StatusWord,
    },
    #[error("the card's answer to {operation} was malformed: {reason}")]
    MalformedResponse {
        operation: &'static str,
        reason: String,
    },
}

/// Why the card refused a reset command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetRefusal {
    /// `6985`: the card has no current challenge (already used, or cleared by a power event).
    NoChallenge,
    /// `6988`: the MAC does not verify (another card's or an old cryptogram).
    BadCryptogram,
    /// `6A80`: the new PIN breaks the card's format rules.
    BadPinFormat,
}

impl ResetRefusal {
    /// The status word the card answers it with.
    pub const fn status_word(self) -> StatusWord {
        match self {
            ResetRefusal::NoChallenge => StatusWord(0x6985),
            ResetRefusal::BadCryptogram => StatusWord(0x6988),
            ResetRefusal::BadPinFormat => StatusWord(0x6A80),
        }
    }

    /// The refusal a status word says, if it says one.
    pub fn from_status_word(sw: StatusWord) -> Option<ResetRefusal> {
        [
            ResetRefusal::NoChallenge,
            ResetRefusal::BadCryptogram,
            ResetRefusal::BadPinFormat,
        ]
        .into_iter()
        .find(|refusal| refusal.status_word() == sw)
    }
}

impl fmt::Display for ResetRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ResetRefusal::NoChallenge => "no current card challenge (6985)",
            ResetRefusal::BadCryptogram => "the cryptogram does not verify (6988)",
            ResetRefusal::BadPinFormat => "the new PIN breaks the format rules (6A80)",
        })
    }
}

/// What the driver knows of one PIN's counter on this card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinState {
    Unknown,
    TriesLeft(u8),
    Blocked,
}

/// What is selected on the card, as far as the driver knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selection {
    Unknown,
    Application,
    File(u16),
}

/// The JPKI applet on one card, over one transport.
///
/// Make a new one for each card connection: what it remembers (selection, blocked PINs) belongs
/// to the card it was made for.
#[derive(Debug)]
pub struct Jpki<T> {
    transport: T,
    selection: Selection,
    auth_pin: PinState,
    signing_pin: PinState,
}

impl<T: Transport> Jpki<T> {
    pub fn new(transport: T) -> Jpki<T> {
        Jpki {
            transport,
            selection: Selection::Unknown,
            auth_pin: PinState::Unknown,
            signing_pin: PinState::Unknown,
        }
    }

    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    pub fn into_transport(self) -> T {
        self.transport
    }

    /// What the driver knows of a PIN's counter, without asking the card.
    pub fn pin_state(&self, kind: PinKind) -> PinState {
        match kind {
            PinKind::Auth => self.auth_pin,
            PinKind::Signing => self.signing_pin,
        }
    }

    /// Forgets what is selected, e.g. after the card was reset behind the driver's back.
    pub fn forget_selection(&mut self) {
        self.selection = Selection::Unknown;
    }

    /// Selects JPKI-AP. This is how a My Number Card is recognised: `6A82` means it is not one.
    pub fn select_application(&mut self) -> Result<(), JpkiError> {
        let select = Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(&JPKI_AID);
        let response = self.exchange(&select)?;
        match response.status() {
            Status::Success => {
                self.selection = Selection::Application;
                Ok(())
            }
            Status::NotFound => Err(JpkiError::NotMyNumberCard),
            _ => Err(unexpected("SELECT JPKI-AP", &response)),
        }
    }

    /// Reads the token (EF `0006`).
    pub fn read_token(&mut self) -> Result<Token, JpkiError> {
        self.select_file(JpkiFile::Token)?;
        let bytes = self.read_binary(0, 0x20, "READ BINARY token")?;
        Ok(Token::parse(&bytes))
    }

    /// Reads a whole certificate EF: the length comes from the DER header in the first chunk, then
    /// whole 256-byte chunks and one short last read.
    pub fn read_certificate(&mut self, certificate: Certificate) -> Result<Vec<u8>, JpkiError> {
        let file = certificate.file();
        self.select_file(file)?;
        let malformed = |reason: String| JpkiError::MalformedCertificate {
            file: file.id(),
            reason,
        };
        let mut der = self.read_binary(0, CHUNK, "READ BINARY certificate")?;
        let total = der_sequence_length(&der).map_err(|e| match e {
            DerError::Incomplete(_) => malformed(format!("the EF holds only {} bytes", der.len())),
            other => malformed(other.to_string()),
        })?;
        if total > MAX_OFFSET + 1 {
            return Err(malformed(format!(
                "{total} bytes is more than READ BINARY can address"
            )));
        }
        while der.len() < total {
            let want = (total - der.len()).min(CHUNK);
            let chunk = self.read_binary(der.len(), want, "READ BINARY certificate")?;
            if chunk.is_empty() {
                return Err(malformed(format!(
                    "the EF ends after {} of {total} bytes",
                    der.len()
                )));
            }
            der.extend_from_slice(&chunk);
        }
        der.truncate(total);
        Ok(der)
    }

    /// Tries left for a PIN, read with an empty VERIFY: this uses no try.
    pub fn tries_left(&mut self, kind: PinKind) -> Result<u8, JpkiError> {
        self.select_file(JpkiFile::pin(kind))?;
        let response = self.exchange(&Command::new(0x00, 0x20, 0x00, 0x80))?;
        let tries = match response.status() {
            Status::WrongPin { tries_left } => tries_left,
            Status::PinBlocked => 0,
            _ => return Err(unexpected("VERIFY (tries left)", &response)),
        };
        self.set_pin_state(
            kind,
            if tries == 0 {
                PinState::Blocked
            } else {
                PinState::TriesLeft(tries)
            },
        );
        Ok(tries)
    }

    /// Verifies the auth PIN.
    pub fn verify_auth_pin(&mut self, pin: &AuthPin) -> Result<(), JpkiError> {
        self.verify(PinKind::Auth, pin.expose())
    }

    /// Verifies the signing PIN.
    pub fn verify_signing_pin(&mut self, pin: &SigningPin) -> Result<(), JpkiError> {
        self.verify(PinKind::Signing, pin.expose())
    }

    /// Signs a DER DigestInfo with the key of `kind`'s certificate; its PIN must be verified.
    /// The card adds the PKCS#1 v1.5 padding.
    pub fn sign_digest_info(
        &mut self,
        kind: PinKind,
        digest_info: &[u8],
    ) -> Result<Vec<u8>, JpkiError> {
        self.select_file(JpkiFile::key(kind))?;
        let sign = Command::new(0x80, 0x2A, 0x00, 0x80)
            .with_data(digest_info)
            .with_le(CHUNK);
        let response = self.exchange(&sign)?;
        match response.status() {
            Status::Success => Ok(response.data.clone()),
            Status::SecurityStatusNotSatisfied => Err(JpkiError::SecurityStatusNotSatisfied),
            _ => Err(unexpected("SIGN", &response)),
        }
    }

    /// Signs a SHA-256 digest (wrapped in its DigestInfo) with the key of `kind`'s certificate.
    pub fn sign_sha256(&mut self, kind: PinKind, digest: &[u8; 32]) -> Result<Vec<u8>, JpkiError> {
        let mut digest_info = Vec::with_capacity(SHA256_DIGEST_INFO_PREFIX.len() + 32);
        digest_info.extend_from_slice(&SHA256_DIGEST_INFO_PREFIX);
        digest_info.extend_from_slice(digest);
        self.sign_digest_info(kind, &digest_info)
    }

    /// A fresh card challenge for the reset command. Single use; cleared by power events.
    pub fn get_challenge(&mut self) -> Result<[u8; CHALLENGE_LENGTH], JpkiError> {
        self.ensure_application()?;
        let get = Command::new(0x00, 0x84, 0x00, 0x00).with_le(CHALLENGE_LENGTH);
        let response = self.exchange(&get)?;
        if !response.is_success() {
            return Err(unexpected("GET CHALLENGE", &response));
        }
        response
            .data
            .as_slice()
            .try_into()
            .map_err(|_| JpkiError::MalformedResponse {
                operation: "GET CHALLENGE",
                reason: format!(
                    "{} bytes instead of {CHALLENGE_LENGTH}",
                    response.data.len()
                ),
            })
    }

    /// Sends the centre's protected reset command for the PIN of `kind`. On success the PIN is the
    /// new one with a full counter.
    pub fn reset_pin(&mut self, kind: PinKind, command: &ResetCommand) -> Result<(), JpkiError> {
        debug_assert_eq!(reset_cryptogram::pin_file(kind), JpkiFile::pin(kind).id());
        self.select_file(JpkiFile::pin(kind))?;
        let bytes = self.transmit(command.as_bytes())?;
        let response = parse(&bytes).inspect_err(|_| self.selection = Selection::Unknown)?;
        match response.status() {
            Status::Success => {
                self.set_pin_state(kind, PinState::TriesLeft(kind.max_tries()));
                Ok(())
            }
            Status::ConditionsNotSatisfied => {
                Err(JpkiError::ResetRefused(ResetRefusal::NoChallenge))
            }
            Status::SecureMessagingDataIncorrect => {
                Err(JpkiError::ResetRefused(ResetRefusal::BadCryptogram))
            }
            Status::IncorrectData => Err(JpkiError::ResetRefused(ResetRefusal::BadPinFormat)),
            _ => Err(unexpected("RESET RETRY COUNTER", &response)),
        }
    }

    /// The receipt the card keeps of the last reset of `kind`'s PIN (the stand-in's GET DATA,
    /// no PIN needed; see [`reset_cryptogram`]): `None` if the card says that PIN was never
    /// reset (`9000` without data). Any other status word is an error: a card without the
    /// command, whose reset cannot be read back this way.
    pub fn reset_receipt(
        &mut self,
        kind: PinKind,
    ) -> Result<Option<[u8; reset_cryptogram::RECEIPT_LENGTH]>, JpkiError> {
        self.select_file(JpkiFile::pin(kind))?;
        let get = Command::new(
            reset_cryptogram::RECEIPT_CLA,
            reset_cryptogram::RECEIPT_INS,
            reset_cryptogram::RECEIPT_P1,
            reset_cryptogram::RECEIPT_P2,
        )
        .with_le(256);
        let response = self.exchange(&get)?;
        match response.status() {
            Status::Success if response.data.is_empty() => Ok(None),
            Status::Success => response.data.as_slice().try_into().map(Some).map_err(|_| {
                JpkiError::MalformedResponse {
                    operation: "GET DATA (reset receipt)",
                    reason: format!(
                        "{} bytes, not {}",
                        response.data.len(),
                        reset_cryptogram::RECEIPT_LENGTH
                    ),
                }
            }),
            _ => Err(unexpected("GET DATA (reset receipt)", &response)),
        }
    }

    fn verify(&mut self, kind: PinKind, pin: &[u8]) -> Result<(), JpkiError> {
        if self.pin_state(kind) == PinState::Blocked {
            return Err(JpkiError::PinBlocked(kind));
        }
        self.select_file(JpkiFile::pin(kind))?;
        let verify = Command::new(0x00, 0x20, 0x00, 0x80).with_data(pin);
        let response = self.exchange(&verify)?;
        match response.status() {
            Status::Success => {
                self.set_pin_state(kind, PinState::TriesLeft(kind.max_tries()));
                Ok(())
            }
            Status::WrongPin { tries_left } => {
                self.set_pin_state(kind, PinState::TriesLeft(tries_left));
                Err(JpkiError::WrongPin { kind, tries_left })
            }
            Status::PinBlocked => {
                self.set_pin_state(kind, PinState::Blocked);
                Err(JpkiError::PinBlocked(kind))
            }
            _ => Err(unexpected("VERIFY", &response)),
        }
    }

    fn set_pin_state(&mut self, kind: PinKind, state: PinState) {
        match kind {
            PinKind::Auth => self.auth_pin = state,
            PinKind::Signing => self.signing_pin = state,
        }
    }

    fn ensure_application(&mut self) -> Result<(), JpkiError> {
        if self.selection == Selection::Unknown {
            self.select_application()?;
        }
        Ok(())
    }

    fn select_file(&mut self, file: JpkiFile) -> Result<(), JpkiError> {
        if self.selection == Selection::File(file.id()) {
            return Ok(());
        }
        self.ensure_application()?;
        let select = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(&file.id().to_be_bytes());
        let response = self.exchange(&select)?;
        match response.status() {
            Status::Success => {
                self.selection = Selection::File(file.id());
                Ok(())
            }
            Status::NotFound => {
                self.selection = Selection::Application;
                Err(JpkiError::FileNotFound(file.id()))
            }
            _ => Err(unexpected("SELECT EF", &response)),
        }
    }

    /// READ BINARY of the current EF. A short file answers `6282` with what it has: that is data,
    /// not an error.
    fn read_binary(
        &mut self,
        offset: usize,
        length: usize,
        operation: &'static str,
    ) -> Result<Vec<u8>, JpkiError> {
        let [hi, lo] = (offset as u16).to_be_bytes();
        let read = Command::new(0x00, 0xB0, hi, lo).with_le(length);
        let response = self.exchange(&read)?;
        match response.status() {
            Status::Success | Status::EndOfFile => Ok(response.data),
            Status::SecurityStatusNotSatisfied => Err(JpkiError::SecurityStatusNotSatisfied),
            Status::OffsetOutsideFile => Ok(Vec::new()),
            _ => Err(unexpected(operation, &response)),
        }
    }

    /// Sends a command and handles the ISO 7816-4 transport statuses: `61xx` (fetch the rest with
    /// GET RESPONSE) and `6Cxx` (resend with the right Le). The JPKI card answers neither, but a
    /// reader or another card may.
    fn exchange(&mut self, command: &Command) -> Result<Response, JpkiError> {
        let mut response = self.send(command)?;
        if let Status::WrongLe(le) = response.status() {
            response = self.send(&command.clone().with_le(le))?;
        }
        let mut data = std::mem::take(&mut response.data);
        // A card that keeps answering 61xx would never end: both the rounds and the bytes are
        // bounded (a hostile card handing out one byte a round would otherwise cost 65 536
        // round trips, minutes, before the size limit stops it).
        let mut rounds = 0;
        while let Status::MoreData(available) = response.status() {
            if rounds >= MAX_GET_RESPONSE_ROUNDS || data.len() > EXTENDED_LE_MAX {
                return Err(JpkiError::MalformedResponse {
                    operation: "GET RESPONSE",
                    reason: format!(
                        "the card keeps announcing more data ({rounds} GET RESPONSE rounds, {} bytes)",
                        data.len()
                    ),
                });
            }
            rounds += 1;
            response = self.send(&Command::new(0x00, 0xC0, 0x00, 0x00).with_le(available))?;
            // A GET RESPONSE that brings nothing and announces more again would loop for ever
            // without ever reaching the size limit (found by fuzzing).
            if response.data.is_empty() && matches!(response.status(), Status::MoreData(_)) {
                return Err(JpkiError::MalformedResponse {
                    operation: "GET RESPONSE",
                    reason: "the card announces more data but sends none".to_string(),
                });
            }
            data.append(&mut response.data);
        }
        response.data = data;
        Ok(response)
    }

    fn send(&mut self, command: &Command) -> Result<Response, JpkiError> {
        let encoded = command.encode().map_err(|e| JpkiError::MalformedResponse {
            operation: "encoding a command",
            reason: e.to_string(),
        })?;
        let bytes = self.transmit(encoded.as_bytes())?;
        parse(&bytes).inspect_err(|_| self.selection = Selection::Unknown)
    }

    /// Transmits, forgetting the selection on any failure: after a reset or a reconnection the
    /// card is back at its root.
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, JpkiError> {
        self.transport.transmit(command).map_err(|error| {
            self.selection = Selection::Unknown;
            JpkiError::Transport(error)
        })
    }
}

fn parse(bytes: &[u8]) -> Result<Response, JpkiError> {
    Response::parse(bytes).map_err(|_| JpkiError::ResponseTooShort(bytes.len()))
}

fn unexpected(operation: &'static str, response: &Response) -> JpkiError {
    JpkiError::Unexpected {
        operation,
        sw: response.sw,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::*;

    /// A card that expects exactly these commands and gives these answers, in order.
    type Step = (Vec<u8>, Result<Vec<u8>, TransportError>);

    struct Script(VecDeque<Step>);

    impl Script {
        fn new(steps: &[(&str, &str)]) -> Script {
            Script(
                steps
                    .iter()
                    .map(|(command, response)| (bytes(command), Ok(bytes(response))))
                    .collect(),
            )
        }

        fn then_fail(mut self, command: &str, error: TransportError) -> Script {
            self.0.push_back((bytes(command), Err(error)));
            self
        }

        fn then(mut self, command: &str, response: &str) -> Script {
            self.0.push_back((bytes(command), Ok(bytes(response))));
            self
        }
    }

    impl Drop for Script {
        fn drop(&mut self) {
            if !std::thread::panicking() {
                assert!(self.0.is_empty(), "commands never sent: {:?}", self.0);
            }
        }
    }

    impl Transport for Script {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            let (expected, response) = self
                .0
                .pop_front()
                .unwrap_or_else(|| panic!("unexpected command {}", hex::encode_upper(command)));
            assert_eq!(hex::encode_upper(command), hex::encode_upper(&expected));
            response
        }
    }

    fn bytes(text: &str) -> Vec<u8> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        hex::decode(compact).expect("test hex")
    }

    const SELECT_AP: &str = "00A4040C0A D392F000260100000001";

    /// A fake certificate: a SEQUENCE of `len` bytes in all.
    fn fake_certificate(len: usize) -> Vec<u8> {
        let content = len - 4;
        let mut der = vec![0x30, 0x82, (content >> 8) as u8, content as u8];
        der.extend((0..content).map(|i| i as u8));
        der
    }

    #[test]
    fn a_card_without_the_applet_is_not_a_my_number_card() {
        let mut card = Jpki::new(Script::new(&[(SELECT_AP, "6A82")]));
        assert_eq!(card.select_application(), Err(JpkiError::NotMyNumberCard));
    }

    #[test]
    fn a_certificate_is_read_in_whole_chunks_from_its_der_length() {
        let cert = fake_certificate(600);
        let script = Script::new(&[(SELECT_AP, "9000"), ("00A4020C02000A", "9000")])
            .then("00B0000000", &format!("{}9000", hex::encode(&cert[..256])))
            .then(
                "00B0010000",
                &format!("{}9000", hex::encode(&cert[256..512])),
            )
            .then("00B0020058", &format!("{}9000", hex::encode(&cert[512..])));
        let mut card = Jpki::new(script);
        assert_eq!(card.read_certificate(Certificate::Auth), Ok(cert));
    }

    #[test]
    fn a_file_shorter_than_a_chunk_answers_6282_with_its_bytes() {
        let cert = fake_certificate(100);
        // The EF holds the certificate and some padding after it.
        let mut ef = cert.clone();
        ef.extend_from_slice(&[0xFF; 20]);
        let script = Script::new(&[(SELECT_AP, "9000"), ("00A4020C02000B", "9000")])
            .then("00B0000000", &format!("{}6282", hex::encode(&ef)));
        assert_eq!(
            Jpki::new(script).read_certificate(Certificate::AuthCa),
            Ok(cert)
        );
    }

    #[test]
    fn wrong_le_is_resent_and_more_data_is_fetched() {
        let cert = fake_certificate(0x64);
        let script = Script::new(&[
            (SELECT_AP, "9000"),
            ("00A4020C020002", "9000"),
            ("00B0000000", "6C64"),
        ])
        .then("00B0000064", &format!("{}9000", hex::encode(&cert)));
        assert_eq!(
            Jpki::new(script).read_certificate(Certificate::SigningCa),
            Ok(cert)
        );

        let signature = vec![0xAB; 256];
        let script = Script::new(&[(SELECT_AP, "9000"), ("00A4020C020017", "9000")])
            .then(
                &format!(
                    "802A008033{}00",
                    hex::encode([
                        0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
                        0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20
                    ]) + &"11".repeat(32)
                ),
                "6110",
            )
            .then(
                "00C0000010",
                &format!("{}6100", hex::encode(&signature[..16])),
            )
            .then(
                "00C0000000",
                &format!("{}9000", hex::encode(&signature[16..])),
            );
        assert_eq!(
            Jpki::new(script).sign_sha256(PinKind::Auth, &[0x11; 32]),
            Ok(signature)
        );
    }

    /// A hostile card: SELECT succeeds, then every answer announces more data, bringing
    /// `piece` bytes each time, for ever. Counts the GET RESPONSE commands it gets.
    struct Endless {
        piece: usize,
        get_responses: usize,
    }

    impl Transport for Endless {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            if command[1] == 0xA4 {
                return Ok(vec![0x90, 0x00]);
            }
            if command[1] == 0xC0 {
                self.get_responses += 1;
            }
            let mut answer = vec![0x5A; self.piece];
            answer.extend([0x61, self.piece as u8]);
            Ok(answer)
        }
    }

    #[test]
    fn a_card_announcing_more_data_for_ever_costs_a_bounded_number_of_rounds() {
        for piece in [1, 16, 0xFF] {
            let mut card = Jpki::new(Endless {
                piece,
                get_responses: 0,
            });
            let error = card.sign_sha256(PinKind::Auth, &[0x11; 32]).unwrap_err();
            assert!(
                matches!(
                    &error,
                    JpkiError::MalformedResponse {
                        operation: "GET RESPONSE",
                        reason,
                    } if reason.contains("keeps announcing more data")
                ),
                "{error:?}"
            );
            assert_eq!(
                card.transport.get_responses, MAX_GET_RESPONSE_ROUNDS,
                "{piece}"
            );
        }
    }

    #[test]
    fn the_longest_answer_in_the_smallest_pieces_allowed_still_comes_through() {
        // A 256-byte signature handed out 16 bytes at a time: the command's answer announces
        // it, sixteen GET RESPONSE rounds bring it, the last one ending in 9000.
        let signature: Vec<u8> = (0..=255u8).collect();
        let mut script = Script::new(&[(SELECT_AP, "9000"), ("00A4020C020017", "9000")]).then(
            &format!(
                "802A008033{}00",
                hex::encode([
                    0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,
                    0x02, 0x01, 0x05, 0x00, 0x04, 0x20
                ]) + &"11".repeat(32)
            ),
            "6110",
        );
        for (n, piece) in signature.chunks(16).enumerate() {
            let status = if n == 15 { "9000" } else { "6110" };
            script = script.then("00C0000010", &format!("{}{status}", hex::encode(piece)));
        }
        assert_eq!(
            Jpki::new(script).sign_sha256(PinKind::Auth, &[0x11; 32]),
            Ok(signature)
        );
    }

    #[test]
    fn a_malformed_certificate_header_is_an_error() {
        let script = Script::new(&[
            (SELECT_AP, "9000"),
            ("00A4020C02000A", "9000"),
            ("00B0000000", "FFFF9000"),
        ]);
        assert!(matches!(
            Jpki::new(script).read_certificate(Certificate::Auth),
            Err(JpkiError::MalformedCertificate { file: 0x000A, .. })
        ));
    }

    #[test]
    fn tries_left_reads_the_counter_and_learns_a_blocked_pin() {
        let script = Script::new(&[
            (SELECT_AP, "9000"),
            ("00A4020C020018", "9000"),
            ("00200080", "63C2"),
            ("00A4020C02001B", "9000"),
            ("00200080", "6984"),
        ]);
        let mut card = Jpki::new(script);
        assert_eq!(card.tries_left(PinKind::Auth), Ok(2));
        assert_eq!(card.pin_state(PinKind::Auth), PinState::TriesLeft(2));
        assert_eq!(card.tries_left(PinKind::Signing), Ok(0));
        // Known blocked: refused here, nothing sent (the script would fail on any command).
        let pin = SigningPin::new("ABC123").expect("valid");
        assert_eq!(
            card.verify_signing_pin(&pin),
            Err(JpkiError::PinBlocked(PinKind::Signing))
        );
    }

    #[test]
    fn the_selected_file_is_not_selected_again() {
        let script = Script::new(&[
            (SELECT_AP, "9000"),
            ("00A4020C020018", "9000"),
            ("00200080", "63C3"),
            ("002000800431323334", "9000"),
        ]);
        let mut card = Jpki::new(script);
        assert_eq!(card.tries_left(PinKind::Auth), Ok(3));
        let pin = AuthPin::new("1234").expect("valid");
        assert_eq!(card.verify_auth_pin(&pin), Ok(()));
        assert_eq!(card.pin_state(PinKind::Auth), PinState::TriesLeft(3));
    }

    #[test]
    fn a_transport_failure_forgets_the_selection() {
        let script = Script::new(&[(SELECT_AP, "9000"), ("00A4020C020018", "9000")])
            .then_fail("00200080", TransportError::CardReset)
            .then(SELECT_AP, "9000")
            .then("00A4020C020018", "9000")
            .then("00200080", "63C3");
        let mut card = Jpki::new(script);
        assert_eq!(
            card.tries_left(PinKind::Auth),
            Err(JpkiError::Transport(TransportError::CardReset))
        );
        assert_eq!(card.tries_left(PinKind::Auth), Ok(3));
    }

    #[test]
    fn wrong_pins_count_down_and_the_last_one_blocks() {
        let script = Script::new(&[
            (SELECT_AP, "9000"),
            ("00A4020C020018", "9000"),
            ("002000800439393939", "63C1"),
            ("002000800439393939", "63C0"),
        ]);
        let mut card = Jpki::new(script);
        let wrong = AuthPin::new("9999").expect("valid");
        assert_eq!(
            card.verify_auth_pin(&wrong),
            Err(JpkiError::WrongPin {
                kind: PinKind::Auth,
                tries_left: 1
            })
        );
        assert_eq!(
            card.verify_auth_pin(&wrong),
            Err(JpkiError::PinBlocked(PinKind::Auth))
        );
        assert_eq!(
            card.verify_auth_pin(&wrong),
            Err(JpkiError::PinBlocked(PinKind::Auth))
        );
    }

    #[test]
    fn reset_outcomes_are_typed() {
        let key = crate::reset_cryptogram::CardKey::from_bytes([1; 16]);
        let command = crate::reset_cryptogram::seal(&key, &[2; 8], PinKind::Signing, b"NEW1PASS")
            .expect("seal");
        let apdu = hex::encode(command.as_bytes());
        for (sw, expected) in [
            (
                "6985",
                Err(JpkiError::ResetRefused(ResetRefusal::NoChallenge)),
            ),
            (
                "6988",
                Err(JpkiError::ResetRefused(ResetRefusal::BadCryptogram)),
            ),
            (
                "6A80",
                Err(JpkiError::ResetRefused(ResetRefusal::BadPinFormat)),
            ),
            ("9000", Ok(())),
        ] {
            let script =
                Script::new(&[(SELECT_AP, "9000"), ("00A4020C02001B", "9000")]).then(&apdu, sw);
            assert_eq!(
                Jpki::new(script).reset_pin(PinKind::Signing, &command),
                expected,
                "{sw}"
            );
        }
    }

    #[test]
    fn a_challenge_of_the_wrong_length_is_malformed() {
        let script = Script::new(&[(SELECT_AP, "9000"), ("0084000008", "01020304059000")]);
        assert!(matches!(
            Jpki::new(script).get_challenge(),
            Err(JpkiError::MalformedResponse {
                operation: "GET CHALLENGE",
                ..
            })
        ));
    }

    #[test]
    fn tokens_are_recognised_or_kept_as_they_are() {
        let mut token = b"JPKIAPICCTOKEN2".to_vec();
        token.resize(32, 0);
        assert_eq!(Token::parse(&token), Token::MyNumberCard);
        assert_eq!(Token::parse(b"JPKIAPGPSETOKEN\0\0"), Token::Smartphone);
        assert_eq!(Token::parse(b"JPKIAPICCTOKEN\0"), Token::OlderCard);
        assert_eq!(
            Token::parse(b"SOMETHING ELSE\0"),
            Token::Unknown("SOMETHING ELSE".to_string())
        );
    }
}
