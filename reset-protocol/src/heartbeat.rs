//! The kiosk's heartbeat: every `heartbeat_seconds` a kiosk tells the centre how it is, so
//! that a chain's operators see the fleet from one place (`reset-center kiosks`, the centre's
//! metrics). A heartbeat says how the machine is and never anything of a customer: no card,
//! no certificate, no PIN, no session.
//!
//! The enums are closed for this version and open on the wire: a newer kiosk's value that
//! this centre does not know arrives as `Other` rather than failing the whole heartbeat.

use serde::{Deserialize, Serialize};

/// The reader as the kiosk sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReaderState {
    /// A reader is there and the PC/SC service answers.
    Ready,
    /// No reader, or the PC/SC service is gone.
    Lost,
    /// The kiosk has not heard from its reader yet (just started).
    Unknown,
    #[serde(other)]
    Other,
}

/// Why a kiosk does not serve customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutOfService {
    /// Staff took it out of service (maintenance mode).
    StaffSet,
    /// Its reader is lost.
    ReaderLost,
    /// Its own records (audit log, counters) cannot be written: it stopped to lose nothing.
    RecordsBroken,
    /// The centre is in maintenance.
    CentreMaintenance,
    #[serde(other)]
    Other,
}

/// The class of the last error a session met (the kind only, never its detail: a detail could
/// carry something of the card).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    NotMyNumberCard,
    CardUnreadable,
    CardMoved,
    CardUnresponsive,
    NoSigningCertificate,
    WrongPin,
    PinLocked,
    Refused,
    CentreUnreachable,
    ReaderFault,
    Unconfirmed,
    NotChanged,
    Unexpected,
    #[serde(other)]
    Other,
}

impl ReaderState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReaderState::Ready => "ready",
            ReaderState::Lost => "lost",
            ReaderState::Unknown => "unknown",
            ReaderState::Other => "other",
        }
    }
}

impl OutOfService {
    pub fn as_str(self) -> &'static str {
        match self {
            OutOfService::StaffSet => "staff_set",
            OutOfService::ReaderLost => "reader_lost",
            OutOfService::RecordsBroken => "records_broken",
            OutOfService::CentreMaintenance => "centre_maintenance",
            OutOfService::Other => "other",
        }
    }
}

impl ErrorClass {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::NotMyNumberCard => "not_my_number_card",
            ErrorClass::CardUnreadable => "card_unreadable",
            ErrorClass::CardMoved => "card_moved",
            ErrorClass::CardUnresponsive => "card_unresponsive",
            ErrorClass::NoSigningCertificate => "no_signing_certificate",
            ErrorClass::WrongPin => "wrong_pin",
            ErrorClass::PinLocked => "pin_locked",
            ErrorClass::Refused => "refused",
            ErrorClass::CentreUnreachable => "centre_unreachable",
            ErrorClass::ReaderFault => "reader_fault",
            ErrorClass::Unconfirmed => "unconfirmed",
            ErrorClass::NotChanged => "not_changed",
            ErrorClass::Unexpected => "unexpected",
            ErrorClass::Other => "other",
        }
    }
}

/// What a kiosk reports (`POST /v1/heartbeat`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// The kiosk program's version (`CARGO_PKG_VERSION`).
    pub version: String,
    /// The commit it was built from, or "unknown".
    pub commit: String,
    /// SHA-256 (hex) of its configuration file: kiosks that should be configured alike are.
    pub config_sha256: String,
    /// How often it reports: the centre calls a kiosk silent after three of these.
    pub interval_seconds: u32,
    pub reader: ReaderState,
    pub card_present: bool,
    /// Why it does not serve; `None` when it serves.
    pub out_of_service: Option<OutOfService>,
    /// Completions the centre has not taken yet, and how old the oldest is (seconds).
    pub outbox_depth: u32,
    pub outbox_oldest_seconds: Option<u64>,
    /// The class of the last error a session met since the kiosk started.
    pub last_error: Option<ErrorClass>,
}

/// The centre's answer: when it heard the kiosk (RFC 3339), and its maintenance flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatAnswer {
    pub heard_at: String,
    pub maintenance: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_kiosks_unknown_values_do_not_fail_the_heartbeat() {
        let json = r#"{"version":"9.0.0","commit":"abc","config_sha256":"00","interval_seconds":30,
            "reader":"melted","card_present":false,"out_of_service":"on_fire","outbox_depth":0,
            "outbox_oldest_seconds":null,"last_error":"cosmic_ray"}"#;
        let heartbeat: Heartbeat = serde_json::from_str(json).expect("parsed");
        assert_eq!(heartbeat.reader, ReaderState::Other);
        assert_eq!(heartbeat.out_of_service, Some(OutOfService::Other));
        assert_eq!(heartbeat.last_error, Some(ErrorClass::Other));
    }

    #[test]
    fn codes_are_the_wire_names() {
        for class in [ErrorClass::CentreUnreachable, ErrorClass::NotMyNumberCard] {
            assert_eq!(
                serde_json::to_string(&class).expect("json"),
                format!("\"{}\"", class.as_str())
            );
        }
        assert_eq!(
            serde_json::to_string(&OutOfService::RecordsBroken).expect("json"),
            "\"records_broken\""
        );
        assert_eq!(
            serde_json::to_string(&ReaderState::Lost).expect("json"),
            "\"lost\""
        );
    }
}
