//! The kiosk's side of a reset, step by step, over a card ([`Jpki`]) and a centre
//! ([`ResetCentre`]). The kiosk application calls these steps between its screens; the
//! `reset-client` tool and the tests call them in a row.
//!
//! The last step carries the rules that keep card and reservation consistent: the centre learns
//! the card's own word, its receipt read right after its answer (the centre moves a reservation
//! whose command was issued on nothing else); if the answer was lost, the outcome is read back
//! from the card before anything is claimed; a completion that cannot be delivered is returned
//! to the caller to retry.

use std::time::Duration;

use card_driver::apdu::StatusWord;
use card_driver::jpki::{Certificate, Jpki, JpkiError, ResetRefusal};
use card_driver::pin::{Pin, PinKind, SigningPin};
use card_driver::transport::Transport;

use crate::api::{Outcome, ReservationState, ResetKind, SessionId, proof_digest};
use crate::client::{CentreError, ResetCentre};

/// Why a step stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    #[error("card: {0}")]
    Card(#[from] JpkiError),
    #[error("centre: {0}")]
    Centre(#[from] CentreError),
    /// The card's answer is known but the centre could not be told: retry `complete` with this
    /// outcome (nothing else may be claimed until it is delivered).
    #[error("the outcome {outcome:?} of session {session} could not be delivered: {error}")]
    CompletionPending {
        session: SessionId,
        /// What the centre is to be told.
        outcome: Outcome,
        /// What the card answered to the command (what the holder is told).
        card: Outcome,
        error: CentreError,
    },
}

/// How often and how long `reset` tries to deliver the completion before giving it back.
const COMPLETION_ATTEMPTS: u32 = 3;
const COMPLETION_BACKOFF: Duration = Duration::from_millis(300);

/// Reads the card's identity: SELECT JPKI-AP (a My Number Card?) and its auth certificate.
pub fn read_identity<T: Transport>(card: &mut Jpki<T>) -> Result<Vec<u8>, StepError> {
    card.select_application()?;
    Ok(card.read_certificate(Certificate::Auth)?)
}

/// After the holder's PIN was verified: opens a session and proves possession by having the
/// card sign the centre's challenge with the key of the PIN they know. For an auth-PIN reset
/// the signing certificate (readable now that the signing PIN is verified) goes along.
pub fn prove_holder<T: Transport>(
    card: &mut Jpki<T>,
    centre: &dyn ResetCentre,
    kind: ResetKind,
    auth_certificate: &[u8],
) -> Result<SessionId, StepError> {
    let begun = centre.begin(kind, auth_certificate)?;
    let digest = proof_digest(&begun.session, &begun.challenge);
    let signature = match card.sign_sha256(kind.proof(), &digest) {
        Ok(signature) => signature,
        Err(error) => {
            let _ = centre.complete(&begun.session, Outcome::Unchanged);
            return Err(error.into());
        }
    };
    let certificate = match kind {
        ResetKind::Signing => None,
        ResetKind::Auth => Some(card.read_certificate(Certificate::Signing)?),
    };
    centre.prove(&begun.session, &signature, certificate.as_deref())?;
    Ok(begun.session)
}

/// Sets `new_pin` on the card through the centre: card challenge, the centre's command, the
/// card's answer reported back. Returns the reservation's state (`Used` on success).
pub fn reset<T: Transport>(
    card: &mut Jpki<T>,
    centre: &dyn ResetCentre,
    session: &SessionId,
    kind: ResetKind,
    new_pin: &Pin,
) -> Result<ReservationState, StepError> {
    reset_recording(card, centre, session, kind, new_pin, &NoJournal)
        .map(|completed| completed.reservation)
}

/// Where a kiosk keeps, on disk, what it must not lose of a reset: that the command is going to
/// the card (a kiosk that dies before the card's word comes reads the card's receipt after its
/// restart) and the card's receipt (delivered after a restart if the centre has not heard it).
pub trait ResetJournal: Sync {
    /// The reset command for `session` is about to be sent to the card.
    fn sending(&self, session: &SessionId);
    /// The card's receipt is known (the centre's only evidence of what became of the command);
    /// the centre is told next. Not called when the card gave none: the command then stays
    /// recorded as with the card, whose receipt is read when it is next seen.
    fn answered(&self, session: &SessionId, outcome: Outcome);
}

/// How a reset ended: what the card answered, what the kiosk told the centre, and where the
/// reservation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completed {
    /// The card's answer to the command, or what reading it back found when the answer was lost.
    pub card: Outcome,
    /// What the centre was told: the card's receipt where it gave one.
    pub outcome: Outcome,
    pub reservation: ReservationState,
}

impl Completed {
    /// The card took the command: it said `9000`, or its receipt (the answer lost) was this
    /// command's.
    pub fn card_took(&self) -> bool {
        took(self.card, self.reservation)
    }

    /// The card's own word that it did not take the command: the old PIN stands. (A receipt
    /// read back after a lost answer proves it only once the centre has judged it: then the
    /// reservation is open again.)
    pub fn card_unchanged(&self) -> bool {
        match self.card {
            Outcome::Receipt { .. } => self.reservation == ReservationState::Open,
            other => proves_unchanged(other),
        }
    }
}

/// Whether the card's answer (`card`) says it took the command; a receipt read back after a
/// lost answer says so once the centre has judged it this command's (`reservation` used).
pub fn took(card: Outcome, reservation: ReservationState) -> bool {
    match card {
        Outcome::Card {
            sw: StatusWord::SUCCESS,
        } => true,
        Outcome::Receipt { .. } => reservation == ReservationState::Used,
        Outcome::Card { .. } | Outcome::Unchanged | Outcome::Unknown => false,
    }
}

/// Whether `outcome` is the card's own word that it did not take the command: it said so
/// (`unchanged` after a read-back), or it refused the command for a reason the stand-in defines.
pub fn proves_unchanged(outcome: Outcome) -> bool {
    match outcome {
        Outcome::Unchanged => true,
        Outcome::Card { sw } => ResetRefusal::from_status_word(sw).is_some(),
        Outcome::Unknown | Outcome::Receipt { .. } => false,
    }
}

/// No journal: a tool or test that keeps nothing across a crash.
struct NoJournal;

impl ResetJournal for NoJournal {
    fn sending(&self, _: &SessionId) {}
    fn answered(&self, _: &SessionId, _: Outcome) {}
}

/// [`reset`], telling `journal` before the command goes to the card and when its outcome is
/// known, before the centre is told: a kiosk keeps both on disk, so that a crash anywhere from
/// the command to the centre hearing of it loses nothing.
pub fn reset_recording<T: Transport>(
    card: &mut Jpki<T>,
    centre: &dyn ResetCentre,
    session: &SessionId,
    kind: ResetKind,
    new_pin: &Pin,
    journal: &dyn ResetJournal,
) -> Result<Completed, StepError> {
    reset_confirming(card, centre, session, kind, new_pin, journal, |_| true).0
}

/// [`reset_recording`], and once the card has said it took the command (`9000`), `confirm` run
/// on the card (the kiosk's read-back: the new PIN must now verify) while the receipt is
/// journalled and the centre told, on a thread of its own: the journal's write, the centre's
/// round trip and its commit take place during the card's VERIFY instead of before it, which
/// the holder would otherwise wait for (docs/card-timing.md). Nothing depends on the order of
/// the two: the card's read-back touches only the card, and a crash before the receipt is on
/// disk leaves the command journalled as with the card, whose receipt is read again when it is
/// next placed. Returns what `confirm` said, or `None` when the card did not answer `9000` (a
/// refusal, a lost answer: whether the read-back makes sense then depends on the centre's
/// judgement, so the caller decides after it).
pub fn reset_confirming<T: Transport>(
    card: &mut Jpki<T>,
    centre: &dyn ResetCentre,
    session: &SessionId,
    kind: ResetKind,
    new_pin: &Pin,
    journal: &dyn ResetJournal,
    confirm: impl FnOnce(&mut Jpki<T>) -> bool,
) -> (Result<Completed, StepError>, Option<bool>) {
    let (answer, outcome) = match reset_on_card(card, centre, session, kind, new_pin, journal) {
        Ok(answered) => answered,
        Err(error) => return (Err(error), None),
    };
    let took = answer
        == Outcome::Card {
            sw: StatusWord::SUCCESS,
        };
    // The receipt is journalled before the centre is told (a crash in between delivers it after
    // the restart); when the card took the command, both happen beside its read-back.
    let record_and_deliver = || {
        if matches!(outcome, Outcome::Receipt { .. }) {
            journal.answered(session, outcome);
        }
        deliver(centre, session, outcome)
    };
    let (delivered, confirmed) = if took {
        std::thread::scope(|scope| {
            let delivering = scope.spawn(record_and_deliver);
            let confirmed = confirm(card);
            let delivered = delivering
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (delivered, Some(confirmed))
        })
    } else {
        (record_and_deliver(), None)
    };
    let result = match delivered {
        Ok(reservation) => Ok(Completed {
            card: answer,
            outcome,
            reservation,
        }),
        Err(StepError::CompletionPending {
            session,
            outcome,
            error,
            ..
        }) => Err(StepError::CompletionPending {
            session,
            outcome,
            card: answer,
            error,
        }),
        Err(other) => Err(other),
    };
    (result, confirmed)
}

/// The card's part of a reset: its challenge, the centre's command, the card's answer and its
/// receipt. Returns the card's answer and what the centre is to be told.
fn reset_on_card<T: Transport>(
    card: &mut Jpki<T>,
    centre: &dyn ResetCentre,
    session: &SessionId,
    kind: ResetKind,
    new_pin: &Pin,
    journal: &dyn ResetJournal,
) -> Result<(Outcome, Outcome), StepError> {
    let target = kind.target();
    // The counter before, to read the outcome back if the card's answer gets lost.
    let tries_before = card.tries_left(target);
    let prepared = tries_before.clone().and_then(|_| card.get_challenge());
    let challenge = match prepared {
        Ok(challenge) => challenge,
        Err(error) => {
            let _ = centre.complete(session, Outcome::Unchanged);
            return Err(error.into());
        }
    };
    let command = match centre.reset_command(session, &challenge, new_pin) {
        Ok(command) => command,
        Err(error) => {
            // The command never reached the card. If the centre issued it all the same (its
            // answer lost on the way), only the card's receipt gives the reservation back
            // before the lease ends: read it while the card is here.
            let evidence = read_receipt(card, target)
                .filter(|outcome| matches!(outcome, Outcome::Receipt { .. }))
                .unwrap_or(Outcome::Unchanged);
            let _ = centre.complete(session, evidence);
            return Err(error.into());
        }
    };
    journal.sending(session);
    let answer = match card.reset_pin(target, &command) {
        Ok(()) => Outcome::Card {
            sw: StatusWord::SUCCESS,
        },
        Err(JpkiError::ResetRefused(refusal)) => Outcome::Card {
            sw: refusal.status_word(),
        },
        // The command may or may not have been carried out: no answer, or one the stand-in
        // does not define (a card's memory error may come after the write).
        Err(_) => read_back(card, target, tries_before.unwrap_or(0), new_pin),
    };
    // The card answered: its receipt is its own word for the centre, which a stolen kiosk
    // credential cannot make (the kiosk's report of the answer alone leaves the reservation
    // claimed until the lease ends). A card that cannot be read now leaves the answer.
    let outcome = match answer {
        Outcome::Card { .. } => match read_receipt(card, target) {
            Some(receipt @ Outcome::Receipt { .. }) => receipt,
            _ => answer,
        },
        other => other,
    };
    Ok((answer, outcome))
}

/// What the card says happened when its answer to the reset was lost, if it can still be
/// asked. First its receipt of the last reset of the target PIN, which the centre recognises
/// (no PIN tried, no counter moved). A card without the stand-in's receipt falls back on the
/// counter: one below its maximum before and at its maximum now proves the reset (no VERIFY can
/// have happened in between); a full counter before is ambiguous, and then the new PIN is
/// verified: if the reset did not happen that costs one of the old PIN's tries, never the last
/// one (a counter of 1 is never full).
fn read_back<T: Transport>(
    card: &mut Jpki<T>,
    target: PinKind,
    tries_before: u8,
    new_pin: &Pin,
) -> Outcome {
    card.forget_selection();
    match read_receipt(card, target) {
        Some(outcome) => return outcome,
        None => card.forget_selection(),
    }
    let Ok(tries_now) = card.tries_left(target) else {
        return Outcome::Unknown;
    };
    let max = target.max_tries();
    if tries_before < max {
        return if tries_now == max {
            Outcome::Card {
                sw: StatusWord::SUCCESS,
            }
        } else {
            // Still the old counter: the card did not take the command.
            Outcome::Unchanged
        };
    }
    let verified = match new_pin {
        Pin::Auth(pin) => card.verify_auth_pin(pin),
        Pin::Signing(pin) => card.verify_signing_pin(pin),
    };
    match verified {
        Ok(()) => Outcome::Card {
            sw: StatusWord::SUCCESS,
        },
        Err(JpkiError::WrongPin { .. }) => Outcome::Unchanged,
        Err(_) => Outcome::Unknown,
    }
}

/// The card's receipt of the last reset of `target` (or its issue receipt if it was never
/// reset), as an outcome for the centre to judge: `Unchanged` if the card answers no receipt
/// (an earlier stand-in's "never reset", the kiosk's word only), `Unknown` if the card cannot
/// be asked; `None` if the card does not give receipts (any answer but the stand-in's: another
/// way is needed).
pub fn read_receipt<T: Transport>(card: &mut Jpki<T>, target: PinKind) -> Option<Outcome> {
    match card.reset_receipt(target) {
        Ok(Some(receipt)) => Some(Outcome::Receipt { receipt }),
        Ok(None) => Some(Outcome::Unchanged),
        Err(JpkiError::Unexpected { .. } | JpkiError::MalformedResponse { .. }) => None,
        Err(_) => Some(Outcome::Unknown),
    }
}

/// Tells the centre, a few times; gives the outcome back to the caller if it cannot.
pub fn deliver(
    centre: &dyn ResetCentre,
    session: &SessionId,
    outcome: Outcome,
) -> Result<ReservationState, StepError> {
    let mut last = None;
    for attempt in 0..COMPLETION_ATTEMPTS {
        if attempt > 0 {
            std::thread::sleep(COMPLETION_BACKOFF * attempt);
        }
        match centre.complete(session, outcome) {
            Ok(state) => return Ok(state),
            Err(error @ CentreError::Refused(_)) => return Err(error.into()),
            Err(error) => last = Some(error),
        }
    }
    Err(StepError::CompletionPending {
        session: session.clone(),
        outcome,
        card: outcome,
        error: last.unwrap_or(CentreError::Unreachable("no attempt".to_string())),
    })
}

/// A whole signing-password reset in a row (for `reset-client` and tests): identity, the early
/// reservation check, VERIFY of the auth PIN, proof, reset.
pub fn signing_reset<T: Transport>(
    card: &mut Jpki<T>,
    centre: &dyn ResetCentre,
    auth_pin: &card_driver::pin::AuthPin,
    new_pin: SigningPin,
) -> Result<ReservationState, StepError> {
    let auth_certificate = read_identity(card)?;
    centre.check_reservation(ResetKind::Signing, &auth_certificate)?;
    card.verify_auth_pin(auth_pin)?;
    let session = prove_holder(card, centre, ResetKind::Signing, &auth_certificate)?;
    reset(
        card,
        centre,
        &session,
        ResetKind::Signing,
        &Pin::Signing(new_pin),
    )
}

/// A whole auth-PIN reset in a row (for `reset-client` and tests): identity, the early
/// reservation check, VERIFY of the signing password, proof with the signing key, reset.
pub fn auth_reset<T: Transport>(
    card: &mut Jpki<T>,
    centre: &dyn ResetCentre,
    signing_pin: &SigningPin,
    new_pin: card_driver::pin::AuthPin,
) -> Result<ReservationState, StepError> {
    let auth_certificate = read_identity(card)?;
    centre.check_reservation(ResetKind::Auth, &auth_certificate)?;
    card.verify_signing_pin(signing_pin)?;
    let session = prove_holder(card, centre, ResetKind::Auth, &auth_certificate)?;
    reset(card, centre, &session, ResetKind::Auth, &Pin::Auth(new_pin))
}
