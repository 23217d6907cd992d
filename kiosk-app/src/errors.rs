//! What can go wrong in the flow, and — in one place — what the customer is told: each error
//! becomes a title (what happened) and guidance (what to do next) from the catalogues.

use card_driver::jpki::JpkiError;
use card_driver::pin::PinKind;
use card_driver::transport::TransportError;
use reset_center::kiosk_side::StepError;
use reset_center::{CentreError, Refusal, ResetKind};

/// Why a customer's session cannot go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowError {
    /// The card has no JPKI applet, or could not be read.
    NotMyNumberCard,
    /// A My Number Card that answered something no command expects, in the middle of the
    /// session (the spec's "unreadable": transmit errors). Same guidance as above.
    CardUnreadable,
    /// The card left the reader.
    CardMoved,
    /// The card stopped answering (its deadline passed).
    CardUnresponsive,
    /// No signing certificate on the card (a holder under 15).
    NoSigningCertificate,
    /// A wrong PIN: stay on the PIN screen with this many tries left.
    WrongPin { tries_left: u8 },
    /// This PIN is locked.
    PinLocked(PinKind),
    /// The centre said no.
    Refused(Refusal),
    /// The centre could not be reached (or did not answer in time).
    CentreUnreachable,
    /// The reader or the PC/SC service failed under the card (the kiosk goes out of service).
    ReaderFault,
    /// The reset may or may not have happened and the card could not tell.
    Unconfirmed,
    /// The reset command reached the card (or may have) but the card proved it did not take it:
    /// the old PIN stands and the reservation stays usable.
    NotChanged,
    /// Anything else; the detail is for the log, never for the screen.
    Unexpected(String),
}

impl FlowError {
    pub fn from_transport(error: &TransportError) -> FlowError {
        match error {
            TransportError::CardRemoved | TransportError::NoCard | TransportError::CardReset => {
                FlowError::CardMoved
            }
            TransportError::Timeout(_) | TransportError::CardUnresponsive => {
                FlowError::CardUnresponsive
            }
            TransportError::ReaderUnavailable(_)
            | TransportError::ServiceUnavailable
            | TransportError::Communication(_) => FlowError::ReaderFault,
            other => FlowError::Unexpected(other.to_string()),
        }
    }

    pub fn from_card(error: JpkiError) -> FlowError {
        match error {
            JpkiError::NotMyNumberCard | JpkiError::MalformedCertificate { .. } => {
                FlowError::NotMyNumberCard
            }
            JpkiError::Transport(transport) => FlowError::from_transport(&transport),
            // pcsc-lite answers a transmit with nothing when the card is pulled mid-command.
            JpkiError::ResponseTooShort(0) => FlowError::CardMoved,
            JpkiError::ResponseTooShort(_)
            | JpkiError::Unexpected { .. }
            | JpkiError::MalformedResponse { .. } => FlowError::CardUnreadable,
            JpkiError::WrongPin { tries_left, .. } => FlowError::WrongPin { tries_left },
            JpkiError::PinBlocked(kind) => FlowError::PinLocked(kind),
            other => FlowError::Unexpected(other.to_string()),
        }
    }

    pub fn from_centre(error: &CentreError) -> FlowError {
        match error {
            CentreError::Refused(refusal) => FlowError::Refused(*refusal),
            CentreError::Unreachable(_) | CentreError::Timeout(_) => FlowError::CentreUnreachable,
            CentreError::UnknownKiosk | CentreError::Protocol(_) => {
                FlowError::Unexpected(error.to_string())
            }
        }
    }

    pub fn from_step(error: StepError) -> FlowError {
        match error {
            StepError::Card(card) => FlowError::from_card(card),
            StepError::Centre(centre) => FlowError::from_centre(&centre),
            StepError::CompletionPending { .. } => FlowError::Unconfirmed,
        }
    }
}

impl FlowError {
    /// How the audit log records a session that ended on this error: refused (the holder's
    /// situation: reservation, certificate, locked PIN) or failed (a fault), and a short
    /// identifier. Never the error's text, which could carry detail from outside.
    pub fn audit(&self) -> (crate::audit::Outcome, String) {
        use crate::audit::Outcome::{Failed, Refused};
        let pin = |kind: &PinKind| match kind {
            PinKind::Auth => "pin_locked_auth",
            PinKind::Signing => "pin_locked_signing",
        };
        let (outcome, reason) = match self {
            FlowError::Refused(refusal) => {
                let name = serde_json::to_value(refusal)
                    .ok()
                    .and_then(|value| value.as_str().map(str::to_string))
                    .unwrap_or_else(|| "refused".to_string());
                return (Refused, name);
            }
            FlowError::NoSigningCertificate => (Refused, "no_signing_certificate"),
            FlowError::PinLocked(kind) => (Refused, pin(kind)),
            FlowError::WrongPin { .. } => (Failed, "wrong_pin"),
            FlowError::NotMyNumberCard => (Failed, "not_my_number_card"),
            FlowError::CardUnreadable => (Failed, "card_unreadable"),
            FlowError::CardMoved => (Failed, "card_moved"),
            FlowError::CardUnresponsive => (Failed, "card_unresponsive"),
            FlowError::CentreUnreachable => (Failed, "centre_unreachable"),
            FlowError::ReaderFault => (Failed, "reader_fault"),
            FlowError::Unconfirmed => (Failed, "unconfirmed"),
            FlowError::NotChanged => (Failed, "not_changed"),
            FlowError::Unexpected(_) => (Failed, "unexpected"),
        };
        (outcome, reason.to_string())
    }
}

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
