//! The words the kiosk and the centre share: reset kinds, refusals, session identifiers, the
//! holder's proof, and the JSON bodies of the HTTP API (docs/reset-protocol.md).

use std::fmt;

use base64::Engine as _;
use card_driver::apdu::StatusWord;
use card_driver::pin::PinKind;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Which PIN the holder reserved a reset of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetKind {
    /// Reset the signing password (署名用電子証明書パスワード); the holder proves possession with the
    /// auth key, after the auth PIN.
    Signing,
    /// Reset the auth PIN (利用者証明用電子証明書暗証番号); the holder proves possession with the
    /// signing key, after the signing password.
    Auth,
}

impl ResetKind {
    /// The PIN the reset sets.
    pub fn target(self) -> PinKind {
        match self {
            ResetKind::Signing => PinKind::Signing,
            ResetKind::Auth => PinKind::Auth,
        }
    }

    /// The PIN (and key) the holder proves possession with: the one they still know.
    pub fn proof(self) -> PinKind {
        match self {
            ResetKind::Signing => PinKind::Auth,
            ResetKind::Auth => PinKind::Signing,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ResetKind::Signing => "signing",
            ResetKind::Auth => "auth",
        }
    }

    pub fn parse(text: &str) -> Option<ResetKind> {
        match text {
            "signing" | "sign" => Some(ResetKind::Signing),
            "auth" => Some(ResetKind::Auth),
            _ => None,
        }
    }
}

impl fmt::Display for ResetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the centre says no. Each one has its own guidance on the kiosk.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    thiserror::Error,
)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    #[error("no reservation for this card")]
    NoReservation,
    #[error("the reservation is more than 24 hours old")]
    ReservationExpired,
    #[error("the reservation has been used")]
    ReservationUsed,
    #[error("the reservation is for the other PIN")]
    WrongKind,
    #[error("another session is using the reservation")]
    ReservationInUse,
    #[error("the certificate has expired")]
    CertExpired,
    #[error("the certificate is revoked")]
    CertRevoked,
    #[error("the certificate is not from a trusted JPKI CA")]
    CertUntrusted,
    #[error("the card has no signing certificate")]
    NoSigningCertificate,
    #[error("outside service hours")]
    OutsideHours,
    #[error("the centre is in maintenance")]
    Maintenance,
    #[error("no such session")]
    SessionUnknown,
    #[error("the session has expired")]
    SessionExpired,
    #[error("the session is closed")]
    SessionClosed,
    #[error("the centre's challenge was already answered")]
    ChallengeUsed,
    #[error("the holder's proof does not verify")]
    BadProof,
    #[error("the holder has not proved possession yet")]
    ProofRequired,
    #[error("a reset command was already issued in this session")]
    CommandAlreadyIssued,
    #[error("this card challenge was already used")]
    CardChallengeReused,
    #[error("the new PIN breaks the format rules")]
    InvalidPin,
    #[error("the request is malformed")]
    BadRequest,
    /// The centre's revocation lists of the card CAs are past their `nextUpdate`: it cannot
    /// tell a revoked card from a good one, so it resets none until it has fresh ones.
    #[error("the centre's revocation lists are out of date")]
    RevocationStale,
}

impl Refusal {
    /// The snake_case name used on the wire and the command line.
    pub fn code(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// A session identifier: 16 random bytes, hex on the wire (the stand-in's). Whatever the centre
/// sends goes into a URL path and (sanitised again) a file name, so on the wire only 1 to 128
/// ASCII letters, digits, `-` and `_` are taken: a session id from the centre that is anything
/// else makes its answer unreadable ([`SessionId::parse`]).
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct SessionId(pub String);

impl SessionId {
    /// `text` if it can be a session id.
    pub fn parse(text: &str) -> Option<SessionId> {
        let fits = (1..=128).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        fits.then(|| SessionId(text.to_string()))
    }
}

impl<'de> Deserialize<'de> for SessionId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<SessionId, D::Error> {
        let text = String::deserialize(d)?;
        SessionId::parse(&text).ok_or_else(|| {
            serde::de::Error::custom("a session id is 1 to 128 letters, digits, '-' or '_'")
        })
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({})", self.0)
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Length of the centre's challenge.
pub const CENTRE_CHALLENGE_LENGTH: usize = 32;

/// The SHA-256 digest the card signs to prove the holder has it and knows its PIN: it binds the
/// centre's single-use challenge to the session.
pub fn proof_digest(session: &SessionId, challenge: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(b"jpki-reset-standin/v1 holder proof\0");
    hash.update(session.0.as_bytes());
    hash.update([0]);
    hash.update(challenge);
    hash.finalize().into()
}

/// What the kiosk reports after sending (or not) the reset command to the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The card answered this status word (`9000`: the PIN is reset); a number on the wire.
    Card { sw: StatusWord },
    /// The card did not change: the command never reached it, or the card still shows its old
    /// counter.
    Unchanged,
    /// The command may have reached the card but no answer came back.
    Unknown,
    /// The answer was lost, and the card's receipt of its last reset of the target PIN was read
    /// afterwards (base64 on the wire): the centre, which knows the challenge it sealed this
    /// session's command for, tells from it whether the card took that command.
    Receipt {
        #[serde(with = "receipt_base64")]
        receipt: [u8; card_driver::reset_cryptogram::RECEIPT_LENGTH],
    },
}

mod receipt_base64 {
    use card_driver::reset_cryptogram::RECEIPT_LENGTH;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        receipt: &[u8; RECEIPT_LENGTH],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::to_base64(receipt))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; RECEIPT_LENGTH], D::Error> {
        let text = String::deserialize(d)?;
        super::from_base64(&text)
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| serde::de::Error::custom("a receipt is 8 bytes in base64"))
    }
}

/// Where the reservation stands after a completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReservationState {
    /// Consumed: the card confirmed the reset.
    Used,
    /// Usable again (the card did not change).
    Open,
    /// Held for the session until its lease ends (outcome unknown).
    Pending,
}

pub mod wire {
    //! JSON bodies of the HTTP API. Binary values travel as base64 (standard alphabet).

    use serde::{Deserialize, Serialize};

    use super::{Outcome, Refusal, ReservationState, ResetKind, SessionId};

    #[derive(Debug, Serialize, Deserialize)]
    pub struct CertificateRequest {
        pub kind: ResetKind,
        pub auth_certificate: String,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct CheckResponse {
        /// RFC 3339: when the reservation stops being valid.
        pub valid_until: String,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct BeginResponse {
        pub session: SessionId,
        pub challenge: String,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct ProofRequest {
        pub signature: String,
        /// The signing certificate, for an auth-PIN reset (proof with the signing key).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub certificate: Option<String>,
    }

    /// Carries the new PIN: never logged, and wiped once parsed.
    #[derive(Serialize, Deserialize)]
    pub struct ResetCommandRequest {
        pub card_challenge: String,
        pub new_pin: String,
    }

    impl std::fmt::Debug for ResetCommandRequest {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("ResetCommandRequest")
                .finish_non_exhaustive()
        }
    }

    impl Drop for ResetCommandRequest {
        fn drop(&mut self) {
            zeroize::Zeroize::zeroize(&mut self.new_pin);
        }
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct ResetCommandResponse {
        pub apdu: String,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct CompleteRequest {
        pub outcome: Outcome,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct CompleteResponse {
        pub reservation: ReservationState,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct RefusalBody {
        pub refusal: Refusal,
        pub message: String,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct HealthResponse {
        pub status: String,
        pub maintenance: bool,
        pub time: String,
    }
}

pub fn to_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn from_base64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_have_snake_case_codes() {
        assert_eq!(Refusal::NoReservation.code(), "no_reservation");
        assert_eq!(Refusal::CertUntrusted.code(), "cert_untrusted");
        assert_eq!(
            serde_json::from_str::<Refusal>("\"outside_hours\"").expect("parses"),
            Refusal::OutsideHours
        );
    }

    #[test]
    fn the_proof_binds_session_and_challenge() {
        let a = proof_digest(&SessionId("a".into()), &[1; 32]);
        assert_ne!(a, proof_digest(&SessionId("b".into()), &[1; 32]));
        assert_ne!(a, proof_digest(&SessionId("a".into()), &[2; 32]));
        assert_eq!(a, proof_digest(&SessionId("a".into()), &[1; 32]));
    }

    #[test]
    fn session_ids_that_could_leave_a_url_segment_are_refused() {
        let parse = |text: &str| serde_json::from_str::<SessionId>(&format!("{text:?}"));
        assert!(parse("0123456789abcdef0123456789abcdef").is_ok());
        assert!(parse("A-b_9").is_ok());
        for bad in [
            "",
            "../x",
            "a/b",
            "a%2fb",
            "a?b",
            "a b",
            "é",
            &"a".repeat(129),
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_pin_request_never_prints_the_pin() {
        let request = wire::ResetCommandRequest {
            card_challenge: "00".into(),
            new_pin: "SECRET99".into(),
        };
        assert!(!format!("{request:?}").contains("SECRET99"));
    }
}
