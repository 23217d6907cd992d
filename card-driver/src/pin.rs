//! Validated PINs of the two JPKI certificates.
//!
//! A PIN can only exist in its valid form: construction checks the format rules (so a malformed
//! PIN never reaches the card and never costs a try), the bytes are wiped on drop, and neither
//! `Debug` nor any error message shows a character of it.

use std::fmt;

use zeroize::{Zeroize, Zeroizing};

/// Which of the card's two PINs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PinKind {
    /// 利用者証明用電子証明書 暗証番号: 4 digits, 3 tries.
    Auth,
    /// 署名用電子証明書 パスワード: 6–16 of A–Z/0–9, 5 tries.
    Signing,
}

impl PinKind {
    /// The try counter a fresh or reset PIN starts with.
    pub fn max_tries(self) -> u8 {
        match self {
            PinKind::Auth => 3,
            PinKind::Signing => 5,
        }
    }
}

/// Why a PIN was refused. Says which rule failed, never what was typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error("the PIN must be exactly 4 digits; {0} characters were given")]
    AuthWrongLength(usize),
    #[error("the PIN must consist of the digits 0–9 only")]
    AuthNotDigits,
    #[error("the password must be at least 6 characters; {0} were given")]
    SigningTooShort(usize),
    #[error("the password must be at most 16 characters; {0} were given")]
    SigningTooLong(usize),
    #[error("the password may contain only half-width letters A–Z and digits 0–9")]
    SigningInvalidCharacter,
    #[error("the password must contain at least one letter A–Z")]
    SigningNoLetter,
    #[error("the password must contain at least one digit 0–9")]
    SigningNoDigit,
}

const AUTH_PIN_LENGTH: usize = 4;
const SIGNING_PIN_MIN: usize = 6;
const SIGNING_PIN_MAX: usize = 16;

/// The 4-digit auth PIN (利用者証明用電子証明書 暗証番号).
///
/// The digits live on the heap, written there once: moving a PIN (into a command, a channel, a
/// closure) moves a pointer, so no copy of the digits is left behind in a stack frame or a
/// channel's buffer, and the one copy is wiped on drop.
pub struct AuthPin(Zeroizing<Box<[u8]>>);

impl AuthPin {
    /// Validates `text`: exactly 4 ASCII digits.
    pub fn new(text: &str) -> Result<AuthPin, PinError> {
        let count = text.chars().count();
        if count != AUTH_PIN_LENGTH {
            return Err(PinError::AuthWrongLength(count));
        }
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PinError::AuthNotDigits);
        }
        let mut digits = Zeroizing::new(vec![0u8; AUTH_PIN_LENGTH].into_boxed_slice());
        digits.copy_from_slice(text.as_bytes());
        Ok(AuthPin(digits))
    }

    /// The ASCII bytes that go to the card. Keep the borrow short-lived.
    pub fn expose(&self) -> &[u8] {
        &self.0[..]
    }
}

/// The signing password (署名用電子証明書 パスワード), upper-cased. Kept on the heap, as
/// [`AuthPin`] is.
pub struct SigningPin {
    bytes: Zeroizing<Box<[u8]>>,
    len: usize,
}

impl SigningPin {
    /// Validates `text`: 6–16 characters from A–Z and 0–9 with at least one of each; lower-case
    /// letters are taken as upper case, as the card's issuer does.
    pub fn new(text: &str) -> Result<SigningPin, PinError> {
        let count = text.chars().count();
        if count < SIGNING_PIN_MIN {
            return Err(PinError::SigningTooShort(count));
        }
        if count > SIGNING_PIN_MAX {
            return Err(PinError::SigningTooLong(count));
        }
        if !text.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(PinError::SigningInvalidCharacter);
        }
        if !text.bytes().any(|b| b.is_ascii_alphabetic()) {
            return Err(PinError::SigningNoLetter);
        }
        if !text.bytes().any(|b| b.is_ascii_digit()) {
            return Err(PinError::SigningNoDigit);
        }
        let mut bytes = Zeroizing::new(vec![0u8; SIGNING_PIN_MAX].into_boxed_slice());
        for (slot, byte) in bytes.iter_mut().zip(text.bytes()) {
            *slot = byte.to_ascii_uppercase();
        }
        Ok(SigningPin { bytes, len: count })
    }

    /// The upper-case ASCII bytes that go to the card. Keep the borrow short-lived.
    pub fn expose(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// Either PIN, for code that handles both kinds (e.g. the reset of one of them).
pub enum Pin {
    Auth(AuthPin),
    Signing(SigningPin),
}

impl Pin {
    /// Validates `text` by the rules of `kind`.
    pub fn new(kind: PinKind, text: &str) -> Result<Pin, PinError> {
        match kind {
            PinKind::Auth => AuthPin::new(text).map(Pin::Auth),
            PinKind::Signing => SigningPin::new(text).map(Pin::Signing),
        }
    }

    pub fn kind(&self) -> PinKind {
        match self {
            Pin::Auth(_) => PinKind::Auth,
            Pin::Signing(_) => PinKind::Signing,
        }
    }

    pub fn expose(&self) -> &[u8] {
        match self {
            Pin::Auth(pin) => pin.expose(),
            Pin::Signing(pin) => pin.expose(),
        }
    }
}

impl From<AuthPin> for Pin {
    fn from(pin: AuthPin) -> Pin {
        Pin::Auth(pin)
    }
}

impl From<SigningPin> for Pin {
    fn from(pin: SigningPin) -> Pin {
        Pin::Signing(pin)
    }
}

impl fmt::Debug for AuthPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthPin(<redacted>)")
    }
}

impl fmt::Debug for SigningPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningPin(<redacted>)")
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pin::Auth(pin) => pin.fmt(f),
            Pin::Signing(pin) => pin.fmt(f),
        }
    }
}

impl Drop for SigningPin {
    fn drop(&mut self) {
        // The array is wiped by Zeroizing; the length says how long the secret was.
        self.len.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_pin_is_exactly_four_digits() {
        assert_eq!(AuthPin::new("1234").expect("valid").expose(), b"1234");
        assert_eq!(AuthPin::new("0000").expect("valid").expose(), b"0000");
        assert_eq!(
            AuthPin::new("123").unwrap_err(),
            PinError::AuthWrongLength(3)
        );
        assert_eq!(
            AuthPin::new("12345").unwrap_err(),
            PinError::AuthWrongLength(5)
        );
        assert_eq!(AuthPin::new("").unwrap_err(), PinError::AuthWrongLength(0));
        assert_eq!(AuthPin::new("12a4").unwrap_err(), PinError::AuthNotDigits);
        assert_eq!(AuthPin::new("12 4").unwrap_err(), PinError::AuthNotDigits);
        // Full-width digits are four characters but not ASCII digits.
        assert_eq!(
            AuthPin::new("１２３４").unwrap_err(),
            PinError::AuthNotDigits
        );
    }

    #[test]
    fn signing_pin_rules_each_have_their_own_error() {
        assert_eq!(
            SigningPin::new("AB12").unwrap_err(),
            PinError::SigningTooShort(4)
        );
        assert_eq!(
            SigningPin::new("ABCDEFGH123456789").unwrap_err(),
            PinError::SigningTooLong(17)
        );
        assert_eq!(
            SigningPin::new("ABC-123").unwrap_err(),
            PinError::SigningInvalidCharacter
        );
        assert_eq!(
            SigningPin::new("ＡＢＣ１２３").unwrap_err(),
            PinError::SigningInvalidCharacter
        );
        assert_eq!(
            SigningPin::new("123456").unwrap_err(),
            PinError::SigningNoLetter
        );
        assert_eq!(
            SigningPin::new("ABCDEF").unwrap_err(),
            PinError::SigningNoDigit
        );
    }

    #[test]
    fn signing_pin_bounds_are_inclusive_and_case_is_folded() {
        assert_eq!(
            SigningPin::new("abc123").expect("valid").expose(),
            b"ABC123"
        );
        assert_eq!(
            SigningPin::new("A1b2C3d4E5f6G7h8").expect("valid").expose(),
            b"A1B2C3D4E5F6G7H8"
        );
    }

    #[test]
    fn pins_never_show_in_debug_or_errors() {
        let auth = AuthPin::new("9876").expect("valid");
        let signing = SigningPin::new("SECRET42").expect("valid");
        let printed = format!("{auth:?} {signing:?}");
        let printed = format!("{printed} {:?}", Pin::from(auth));
        assert!(
            !printed.contains("9876") && !printed.contains("SECRET42"),
            "{printed}"
        );
        let error = SigningPin::new("SECRET-42").unwrap_err().to_string();
        assert!(!error.contains("SECRET"), "{error}");
    }

    #[test]
    fn either_kind_validates_by_its_own_rules() {
        assert_eq!(
            Pin::new(PinKind::Auth, "1234").expect("valid").kind(),
            PinKind::Auth
        );
        assert!(Pin::new(PinKind::Auth, "ABC123").is_err());
        assert_eq!(
            Pin::new(PinKind::Signing, "abc123")
                .expect("valid")
                .expose(),
            b"ABC123"
        );
        assert!(Pin::new(PinKind::Signing, "1234").is_err());
    }
}
