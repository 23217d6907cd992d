//! What can go wrong in a customer's session, as the worker reports it and the audit log records
//! it. What the customer is told of each is the app's (`kiosk_app::guidance`).

use card_driver::jpki::JpkiError;
use card_driver::pin::PinKind;
use card_driver::transport::TransportError;
use reset_protocol::kiosk_side::StepError;
use reset_protocol::{CentreError, ErrorClass, Refusal};

use crate::audit::{Fault, Outcome, Reason};

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
    /// The error's class, for the heartbeat and the log: the kind only, never a detail (an
    /// unexpected error's text stays in the log line that reports it).
    pub fn class(&self) -> ErrorClass {
        match self {
            FlowError::NotMyNumberCard => ErrorClass::NotMyNumberCard,
            FlowError::CardUnreadable => ErrorClass::CardUnreadable,
            FlowError::CardMoved => ErrorClass::CardMoved,
            FlowError::CardUnresponsive => ErrorClass::CardUnresponsive,
            FlowError::NoSigningCertificate => ErrorClass::NoSigningCertificate,
            FlowError::WrongPin { .. } => ErrorClass::WrongPin,
            FlowError::PinLocked(_) => ErrorClass::PinLocked,
            FlowError::Refused(_) => ErrorClass::Refused,
            FlowError::CentreUnreachable => ErrorClass::CentreUnreachable,
            FlowError::ReaderFault => ErrorClass::ReaderFault,
            FlowError::Unconfirmed => ErrorClass::Unconfirmed,
            FlowError::NotChanged => ErrorClass::NotChanged,
            FlowError::Unexpected(_) => ErrorClass::Unexpected,
        }
    }

    /// How the audit log records a session that ended on this error: refused (the holder's
    /// situation: reservation, certificate, locked PIN) or failed (a fault), and why. Never the
    /// error's text, which could carry detail from outside.
    pub fn audit(&self) -> (Outcome, Reason) {
        let fault = |fault| (Outcome::Failed, Reason::Fault(fault));
        match self {
            FlowError::Refused(refusal) => (Outcome::Refused, Reason::Refused(*refusal)),
            FlowError::NoSigningCertificate => (
                Outcome::Refused,
                Reason::Refused(Refusal::NoSigningCertificate),
            ),
            FlowError::PinLocked(PinKind::Auth) => {
                (Outcome::Refused, Reason::Fault(Fault::PinLockedAuth))
            }
            FlowError::PinLocked(PinKind::Signing) => {
                (Outcome::Refused, Reason::Fault(Fault::PinLockedSigning))
            }
            FlowError::WrongPin { .. } => fault(Fault::WrongPin),
            FlowError::NotMyNumberCard => fault(Fault::NotMyNumberCard),
            FlowError::CardUnreadable => fault(Fault::CardUnreadable),
            FlowError::CardMoved => fault(Fault::CardMoved),
            FlowError::CardUnresponsive => fault(Fault::CardUnresponsive),
            FlowError::CentreUnreachable => fault(Fault::CentreUnreachable),
            FlowError::ReaderFault => fault(Fault::ReaderFault),
            FlowError::Unconfirmed => fault(Fault::Unconfirmed),
            FlowError::NotChanged => fault(Fault::NotChanged),
            FlowError::Unexpected(_) => fault(Fault::Unexpected),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_its_own_class_and_no_detail() {
        let errors = [
            (FlowError::NotMyNumberCard, "not_my_number_card"),
            (FlowError::CardUnreadable, "card_unreadable"),
            (FlowError::CardMoved, "card_moved"),
            (FlowError::CardUnresponsive, "card_unresponsive"),
            (FlowError::NoSigningCertificate, "no_signing_certificate"),
            (FlowError::WrongPin { tries_left: 2 }, "wrong_pin"),
            (FlowError::PinLocked(PinKind::Signing), "pin_locked"),
            (FlowError::Refused(Refusal::NoReservation), "refused"),
            (FlowError::CentreUnreachable, "centre_unreachable"),
            (FlowError::ReaderFault, "reader_fault"),
            (FlowError::Unconfirmed, "unconfirmed"),
            (FlowError::NotChanged, "not_changed"),
            (
                FlowError::Unexpected("detail that must not travel".to_string()),
                "unexpected",
            ),
        ];
        for (error, code) in &errors {
            assert_eq!(error.class().as_str(), *code, "{error:?}");
        }
        // One class per kind of error: a mapping that folded two would lose what operators see.
        let classes: std::collections::HashSet<_> = errors.iter().map(|(e, _)| e.class()).collect();
        assert_eq!(classes.len(), errors.len());
    }
}
