//! The stand-in centre in the kiosk's own process, behind the kiosk's [`ResetCentre`] trait:
//! the demo runs on it, and tests that need no network.

use std::sync::Arc;

use card_driver::pin::Pin;
use card_driver::reset_cryptogram::ResetCommand;
use reset_protocol::api::{Outcome, ReservationState, ResetKind, SessionId};
use reset_protocol::client::{Begun, CentreError, ResetCentre};
use reset_protocol::heartbeat::{Heartbeat, HeartbeatAnswer};

use crate::centre::{Centre, CentreFailure, KioskId};

/// The centre in the same process.
#[derive(Debug, Clone)]
pub struct InProcessCentre {
    centre: Arc<Centre>,
    kiosk: KioskId,
}

impl InProcessCentre {
    pub fn new(centre: Arc<Centre>, kiosk_id: &str) -> InProcessCentre {
        InProcessCentre {
            centre,
            kiosk: KioskId(kiosk_id.to_string()),
        }
    }
}

fn in_process(failure: CentreFailure) -> CentreError {
    match failure {
        CentreFailure::Refused(refusal) => CentreError::Refused(refusal),
        CentreFailure::Internal(message) => CentreError::Protocol(message),
    }
}

impl ResetCentre for InProcessCentre {
    fn health(&self) -> Result<bool, CentreError> {
        self.centre.maintenance().map_err(in_process)
    }

    fn check_reservation(
        &self,
        kind: ResetKind,
        auth_certificate: &[u8],
    ) -> Result<String, CentreError> {
        self.centre
            .check(&self.kiosk, kind, auth_certificate)
            .map(|until| until.to_rfc3339())
            .map_err(in_process)
    }

    fn begin(&self, kind: ResetKind, auth_certificate: &[u8]) -> Result<Begun, CentreError> {
        let (session, challenge) = self
            .centre
            .begin(&self.kiosk, kind, auth_certificate)
            .map_err(in_process)?;
        Ok(Begun { session, challenge })
    }

    fn prove(
        &self,
        session: &SessionId,
        signature: &[u8],
        certificate: Option<&[u8]>,
    ) -> Result<(), CentreError> {
        self.centre
            .prove(&self.kiosk, session, signature, certificate)
            .map_err(in_process)
    }

    fn reset_command(
        &self,
        session: &SessionId,
        card_challenge: &[u8],
        new_pin: &Pin,
    ) -> Result<ResetCommand, CentreError> {
        self.centre
            .reset_command(&self.kiosk, session, card_challenge, new_pin)
            .map_err(in_process)
    }

    fn complete(
        &self,
        session: &SessionId,
        outcome: Outcome,
    ) -> Result<ReservationState, CentreError> {
        self.centre
            .complete(&self.kiosk, session, outcome)
            .map_err(in_process)
    }

    fn heartbeat(&self, report: &Heartbeat) -> Result<HeartbeatAnswer, CentreError> {
        self.centre
            .heartbeat(&self.kiosk, report)
            .map_err(in_process)
    }
}
