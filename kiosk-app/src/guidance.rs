//! What the customer is told when a session cannot go on — in one place: each [`FlowError`]
//! becomes a title (what happened) and guidance (what to do next) from the catalogues.

use card_driver::pin::PinKind;
use kiosk_core::flow_error::FlowError;
use reset_protocol::{Refusal, ResetKind};

use crate::i18n::{MessageId, msg};

/// What to show for an error: (title, guidance).
pub fn guidance(error: &FlowError, kind: ResetKind) -> (MessageId, MessageId) {
    match error {
        FlowError::NotMyNumberCard | FlowError::CardUnreadable => {
            (msg::ERROR_NOT_MYNUMBER_TITLE, msg::ERROR_NOT_MYNUMBER_GUIDE)
        }
        FlowError::CardMoved => (msg::ERROR_CARD_MOVED_TITLE, msg::ERROR_CARD_MOVED_GUIDE),
        FlowError::CardUnresponsive => (
            msg::ERROR_CARD_UNRESPONSIVE_TITLE,
            msg::ERROR_CARD_UNRESPONSIVE_GUIDE,
        ),
        FlowError::NoSigningCertificate => no_signing_certificate(kind),
        // Shown in place on the PIN screen; as an error it means the last try went.
        FlowError::WrongPin { .. } => (pin_locked(kind.proof()), msg::ERROR_PIN_LOCKED_GUIDE),
        // The auth-PIN reset rests on the signing password: with it locked, only the office
        // can help, and the holder should hear why this reset cannot go on.
        FlowError::PinLocked(PinKind::Signing) if kind == ResetKind::Auth => (
            pin_locked(PinKind::Signing),
            msg::ERROR_PIN_LOCKED_GUIDE_FOR_AUTH_RESET,
        ),
        FlowError::PinLocked(pin) => (pin_locked(*pin), msg::ERROR_PIN_LOCKED_GUIDE),
        FlowError::Refused(refusal) => refusal_guidance(*refusal, kind),
        FlowError::CentreUnreachable => (msg::ERROR_CENTRE_TITLE, msg::ERROR_CENTRE_GUIDE),
        FlowError::ReaderFault => (msg::ERROR_READER_FAULT_TITLE, msg::ERROR_READER_FAULT_GUIDE),
        FlowError::Unconfirmed => (msg::ERROR_UNCONFIRMED_TITLE, msg::ERROR_UNCONFIRMED_GUIDE),
        FlowError::NotChanged => (msg::ERROR_NOT_CHANGED_TITLE, msg::ERROR_NOT_CHANGED_GUIDE),
        FlowError::Unexpected(_) => (msg::ERROR_UNEXPECTED_TITLE, msg::ERROR_UNEXPECTED_GUIDE),
    }
}

/// The title of a locked PIN.
fn pin_locked(pin: PinKind) -> MessageId {
    match pin {
        PinKind::Auth => msg::ERROR_PIN_LOCKED_TITLE_AUTH,
        PinKind::Signing => msg::ERROR_PIN_LOCKED_TITLE_SIGNING,
    }
}

/// A card without a signing certificate (a holder under 15, a face-only card): the signing
/// reset has nothing to reset, the auth reset has nothing to prove the holder with.
fn no_signing_certificate(kind: ResetKind) -> (MessageId, MessageId) {
    let guide = match kind {
        ResetKind::Signing => msg::ERROR_NO_SIGNING_CERT_GUIDE,
        ResetKind::Auth => msg::ERROR_NO_SIGNING_CERT_GUIDE_AUTH,
    };
    (msg::ERROR_NO_SIGNING_CERT_TITLE, guide)
}

fn refusal_guidance(refusal: Refusal, kind: ResetKind) -> (MessageId, MessageId) {
    match refusal {
        Refusal::NoReservation => (
            msg::ERROR_NO_RESERVATION_TITLE,
            msg::ERROR_NO_RESERVATION_GUIDE,
        ),
        Refusal::ReservationExpired => (
            msg::ERROR_RESERVATION_EXPIRED_TITLE,
            msg::ERROR_RESERVATION_EXPIRED_GUIDE,
        ),
        Refusal::ReservationUsed => (
            msg::ERROR_RESERVATION_USED_TITLE,
            msg::ERROR_RESERVATION_USED_GUIDE,
        ),
        Refusal::WrongKind => (
            match kind {
                ResetKind::Signing => msg::ERROR_WRONG_KIND_TITLE_SIGNING,
                ResetKind::Auth => msg::ERROR_WRONG_KIND_TITLE_AUTH,
            },
            msg::ERROR_WRONG_KIND_GUIDE,
        ),
        Refusal::ReservationInUse => (
            msg::ERROR_RESERVATION_IN_USE_TITLE,
            msg::ERROR_RESERVATION_IN_USE_GUIDE,
        ),
        Refusal::CertExpired => (msg::ERROR_CERT_EXPIRED_TITLE, msg::ERROR_CERT_EXPIRED_GUIDE),
        Refusal::CertRevoked => (msg::ERROR_CERT_REVOKED_TITLE, msg::ERROR_CERT_REVOKED_GUIDE),
        Refusal::CertUntrusted => (
            msg::ERROR_CERT_UNTRUSTED_TITLE,
            msg::ERROR_CERT_UNTRUSTED_GUIDE,
        ),
        Refusal::NoSigningCertificate => no_signing_certificate(kind),
        Refusal::OutsideHours => (
            msg::ERROR_OUTSIDE_HOURS_TITLE,
            msg::ERROR_OUTSIDE_HOURS_GUIDE,
        ),
        // The centre cannot serve for now, for a reason of its own: to the holder, as maintenance.
        Refusal::Maintenance | Refusal::RevocationStale => {
            (msg::ERROR_MAINTENANCE_TITLE, msg::ERROR_MAINTENANCE_GUIDE)
        }
        // Protocol refusals: something the customer cannot act on.
        Refusal::SessionUnknown
        | Refusal::SessionExpired
        | Refusal::SessionClosed
        | Refusal::ChallengeUsed
        | Refusal::BadProof
        | Refusal::ProofRequired
        | Refusal::CommandAlreadyIssued
        | Refusal::CardChallengeReused
        | Refusal::InvalidPin
        | Refusal::BadRequest => (msg::ERROR_UNEXPECTED_TITLE, msg::ERROR_UNEXPECTED_GUIDE),
    }
}

/// Every error a customer can meet, each refusal of the centre included (for the tests that
/// check each has its own words, and that the words fit the screen in every language).
pub fn every_error() -> Vec<FlowError> {
    let mut errors = vec![
        FlowError::NotMyNumberCard,
        FlowError::CardUnreadable,
        FlowError::CardMoved,
        FlowError::CardUnresponsive,
        FlowError::NoSigningCertificate,
        FlowError::WrongPin { tries_left: 0 },
        FlowError::PinLocked(PinKind::Auth),
        FlowError::PinLocked(PinKind::Signing),
        FlowError::CentreUnreachable,
        FlowError::ReaderFault,
        FlowError::Unconfirmed,
        FlowError::NotChanged,
        FlowError::Unexpected("x".into()),
    ];
    errors.extend(
        [
            Refusal::NoReservation,
            Refusal::ReservationExpired,
            Refusal::ReservationUsed,
            Refusal::WrongKind,
            Refusal::ReservationInUse,
            Refusal::CertExpired,
            Refusal::CertRevoked,
            Refusal::CertUntrusted,
            Refusal::NoSigningCertificate,
            Refusal::OutsideHours,
            Refusal::Maintenance,
            Refusal::RevocationStale,
            Refusal::BadProof,
        ]
        .map(FlowError::Refused),
    );
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Language, text};

    /// Each error the customer can meet has its own title and guidance in both languages (the
    /// ids exist by construction; this checks that no guidance is empty or borrowed as a title).
    #[test]
    fn every_error_has_a_title_and_guidance_in_both_languages() {
        let errors = every_error();
        for error in &errors {
            for kind in [ResetKind::Signing, ResetKind::Auth] {
                let (title, guide) = guidance(error, kind);
                assert!(title.as_str().contains("-title"), "{error:?}: {title:?}");
                assert!(guide.as_str().contains("-guide"), "{error:?}: {guide:?}");
                for language in Language::ALL {
                    assert!(!text(language, title).trim().is_empty(), "{error:?}");
                    assert!(!text(language, guide).trim().is_empty(), "{error:?}");
                }
            }
        }
    }
}
