//! What the customer is told when a session cannot go on — in one place: each [`FlowError`]
//! becomes a title (what happened) and guidance (what to do next) from the catalogues.

use card_driver::pin::PinKind;
use kiosk_core::flow_error::FlowError;
use reset_protocol::{Refusal, ResetKind};

/// Catalogue ids of what to show for an error: (title, guidance).
pub fn guidance(error: &FlowError, kind: ResetKind) -> (String, &'static str) {
    let kind_suffix = |base: &str, pin: PinKind| {
        format!(
            "{base}.{}",
            match pin {
                PinKind::Auth => "auth",
                PinKind::Signing => "signing",
            }
        )
    };
    match error {
        FlowError::NotMyNumberCard | FlowError::CardUnreadable => (
            "error.not_mynumber.title".into(),
            "error.not_mynumber.guide",
        ),
        FlowError::CardMoved => ("error.card_moved.title".into(), "error.card_moved.guide"),
        FlowError::CardUnresponsive => (
            "error.card_unresponsive.title".into(),
            "error.card_unresponsive.guide",
        ),
        FlowError::NoSigningCertificate => no_signing_certificate(kind),
        // Shown in place on the PIN screen; as an error it means the last try went.
        FlowError::WrongPin { .. } => (
            kind_suffix("error.pin_locked.title", kind.proof()),
            "error.pin_locked.guide",
        ),
        // The auth-PIN reset rests on the signing password: with it locked, only the office
        // can help, and the holder should hear why this reset cannot go on.
        FlowError::PinLocked(PinKind::Signing) if kind == ResetKind::Auth => (
            kind_suffix("error.pin_locked.title", PinKind::Signing),
            "error.pin_locked.guide.for_auth_reset",
        ),
        FlowError::PinLocked(pin) => (
            kind_suffix("error.pin_locked.title", *pin),
            "error.pin_locked.guide",
        ),
        FlowError::Refused(refusal) => refusal_guidance(*refusal, kind),
        FlowError::CentreUnreachable => ("error.centre.title".into(), "error.centre.guide"),
        FlowError::ReaderFault => (
            "error.reader_fault.title".into(),
            "error.reader_fault.guide",
        ),
        FlowError::Unconfirmed => ("error.unconfirmed.title".into(), "error.unconfirmed.guide"),
        FlowError::NotChanged => ("error.not_changed.title".into(), "error.not_changed.guide"),
        FlowError::Unexpected(_) => ("error.unexpected.title".into(), "error.unexpected.guide"),
    }
}

/// A card without a signing certificate (a holder under 15, a face-only card): the signing
/// reset has nothing to reset, the auth reset has nothing to prove the holder with.
fn no_signing_certificate(kind: ResetKind) -> (String, &'static str) {
    let guide = match kind {
        ResetKind::Signing => "error.no_signing_cert.guide",
        ResetKind::Auth => "error.no_signing_cert.guide.auth",
    };
    ("error.no_signing_cert.title".into(), guide)
}

fn refusal_guidance(refusal: Refusal, kind: ResetKind) -> (String, &'static str) {
    let (title, guide) = match refusal {
        Refusal::NoReservation => ("error.no_reservation.title", "error.no_reservation.guide"),
        Refusal::ReservationExpired => (
            "error.reservation_expired.title",
            "error.reservation_expired.guide",
        ),
        Refusal::ReservationUsed => (
            "error.reservation_used.title",
            "error.reservation_used.guide",
        ),
        Refusal::WrongKind => {
            return (
                format!("error.wrong_kind.title.{}", kind.as_str()),
                "error.wrong_kind.guide",
            );
        }
        Refusal::ReservationInUse => (
            "error.reservation_in_use.title",
            "error.reservation_in_use.guide",
        ),
        Refusal::CertExpired => ("error.cert_expired.title", "error.cert_expired.guide"),
        Refusal::CertRevoked => ("error.cert_revoked.title", "error.cert_revoked.guide"),
        Refusal::CertUntrusted => ("error.cert_untrusted.title", "error.cert_untrusted.guide"),
        Refusal::NoSigningCertificate => return no_signing_certificate(kind),
        Refusal::OutsideHours => ("error.outside_hours.title", "error.outside_hours.guide"),
        Refusal::Maintenance => ("error.maintenance.title", "error.maintenance.guide"),
        // Protocol refusals: something the customer cannot act on.
        _ => ("error.unexpected.title", "error.unexpected.guide"),
    };
    (title.to_string(), guide)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Language, text};

    #[test]
    fn every_error_has_catalogued_text_in_both_languages() {
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
                Refusal::BadProof,
            ]
            .map(FlowError::Refused),
        );
        for error in &errors {
            for kind in [ResetKind::Signing, ResetKind::Auth] {
                let (title, guide) = guidance(error, kind);
                for language in Language::ALL {
                    assert!(
                        !text(language, &title).starts_with('['),
                        "{error:?}: {title}"
                    );
                    assert!(
                        !text(language, guide).starts_with('['),
                        "{error:?}: {guide}"
                    );
                }
            }
        }
    }
}
