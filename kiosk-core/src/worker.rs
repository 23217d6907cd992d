//! The card and the centre, off the UI thread.
//!
//! One worker thread owns the card source (a PC/SC reader, or the demo's in-process one), the
//! card connection and the centre client. [`start`] assembles it from the configuration; the app
//! sends it [`Command`]s and receives [`Event`]s. What the centre has not heard yet lives in the
//! [`Outbox`] only: the worker keeps no list of its own.
//! Card work runs on a [`CardThread`] with a deadline (pcsc-lite cannot time out a stalled
//! card); centre calls have the HTTP client's timeouts. PINs reach the worker inside commands,
//! never inside UI messages, and are dropped (wiped) as soon as the card or centre has them.
//!
//! What the worker learns of the reader, the card and the errors sessions meet goes into the
//! shared [`Status`] (the heartbeat reports it) and into log events, which carry names and
//! codes only: never a command's PIN, a certificate, a session id or anything of a holder.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use card_driver::card_thread::CardThread;
use card_driver::jpki::JpkiError;
use card_driver::pin::{Pin, PinKind};
use reset_protocol::kiosk_side::{self, StepError};
use reset_protocol::{CentreError, Outcome, ReservationState, ResetCentre, ResetKind, SessionId};
use sha2::{Digest, Sha256};

use crate::cards::{Card, CardSource, SourceEvent, SourceEvents};
use crate::config::{CentreSetting, Config};
use crate::flow_error::FlowError;
use crate::outbox::{Outbox, OutboxJournal, Sent};
use crate::status::Status;

/// What the app asks of the worker.
pub enum Command {
    /// A card was placed: connect, recognise it, check the reservation and the tries left of the
    /// PIN the holder must enter.
    Read { kind: ResetKind },
    /// Verify the PIN the holder knows; if right, prove possession to the centre.
    Verify { kind: ResetKind, pin: Pin },
    /// Set the new PIN through the centre.
    Reset { kind: ResetKind, new_pin: Pin },
    /// The session is over: close it at the centre if still open, and let the card go.
    Release,
    /// Maintenance: how the PC/SC service, the readers and the centre are.
    Health,
    /// Maintenance: list the readers, read the ATR of a card and select JPKI-AP (no PIN).
    SelfTest,
}

impl Command {
    /// The command's name, for the log (what it carries stays out of it).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Read { .. } => "read",
            Command::Verify { .. } => "verify",
            Command::Reset { .. } => "reset",
            Command::Release => "release",
            Command::Health => "health",
            Command::SelfTest => "self_test",
        }
    }
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::Read { kind } => write!(f, "Read({kind})"),
            Command::Verify { kind, .. } => write!(f, "Verify({kind}, <PIN>)"),
            Command::Reset { kind, .. } => write!(f, "Reset({kind}, <PIN>)"),
            Command::Release => f.write_str("Release"),
            Command::Health => f.write_str("Health"),
            Command::SelfTest => f.write_str("SelfTest"),
        }
    }
}

/// What the worker tells the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A reader is there and pcscd answers.
    ReaderReady,
    /// No reader, or pcscd is gone: the kiosk is out of service until it is back.
    ReaderLost,
    /// A card was placed on, or taken off, the reader.
    CardPresent(bool),
    /// A card's identity was read: the SHA-256 of its auth certificate, from which the audit
    /// log derives its short keyed tag (the certificate itself never leaves the worker).
    CardSeen([u8; 32]),
    /// The card was read: the tries left of the PIN to enter, or why not to go on.
    CardRead(Result<u8, FlowError>),
    /// The PIN was verified and the holder proved to the centre, or not.
    Verified(Result<(), FlowError>),
    /// The new PIN was set and the reservation used, or not.
    ResetDone(Result<(), FlowError>),
    Health(crate::diagnostics::Health),
    SelfTest(crate::diagnostics::SelfTest),
}

/// The app's end of the worker.
#[derive(Debug, Clone)]
pub struct WorkerHandle(Sender<Input>);

impl WorkerHandle {
    pub fn send(&self, command: Command) {
        // A worker that is gone has already reported the reader lost.
        let _ = self.0.send(Input::Command(command));
    }
}

/// What reaches the worker thread: the app's commands and the card source's events.
enum Input {
    Command(Command),
    Source(SourceEvent),
}

/// Time limits of the worker's operations.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    /// One card operation.
    pub card: Duration,
    /// An operation that also waits for the centre (proof, reset).
    pub with_centre: Duration,
    /// How often a completion the centre could not take yet is offered again.
    pub completion_retry: Duration,
}

/// How long a restarted kiosk waits for the reader to finish what its earlier run left on it
/// before it gives up reading a card's receipt, and how often it tries meanwhile.
const RECEIPT_WAIT: Duration = Duration::from_secs(10);
const RECEIPT_RETRY: Duration = Duration::from_millis(250);

impl Deadlines {
    /// The deadlines `config` sets.
    pub fn for_config(config: &Config) -> Deadlines {
        let centre = match &config.centre {
            CentreSetting::Http { timeout, .. } => *timeout,
            CentreSetting::InProcess => Duration::from_secs(5),
        };
        Deadlines {
            card: config.timeouts.card,
            // A proof or a reset: a few card operations and up to four centre calls (with the
            // completion's retries).
            with_centre: config.timeouts.card * 3 + centre * 5,
            completion_retry: config.timeouts.completion_retry,
        }
    }
}

/// What the worker shares with the rest of the kiosk: the status it keeps up to date, and its
/// outbox, whose depth the heartbeat reports (the same handle: an entry the disk could not
/// take is kept in memory, and counted).
#[derive(Debug, Clone)]
pub struct Shared {
    pub status: Status,
    pub outbox: Outbox,
}

impl Shared {
    /// A fresh status and the outbox in `config`'s state directory.
    pub fn for_config(config: &Config) -> Shared {
        Shared {
            status: Status::new(),
            outbox: Outbox::at(config.state_dir.join("outbox")),
        }
    }
}

/// The worker of a kiosk configured by `config`, on `cards` and `centre`, its outbox in the
/// configured state directory: what the app starts, and what the tests start the same way.
/// (Its status is its own: [`start_shared`] shares it with a heartbeat and the screen.)
pub fn start(
    config: &Config,
    cards: Box<dyn CardSource>,
    centre: Arc<dyn ResetCentre>,
) -> (WorkerHandle, Receiver<Event>) {
    start_shared(config, cards, centre, &Shared::for_config(config))
}

/// [`start`], the worker keeping `shared.status` up to date and using `shared.outbox`.
pub fn start_shared(
    config: &Config,
    cards: Box<dyn CardSource>,
    centre: Arc<dyn ResetCentre>,
    shared: &Shared,
) -> (WorkerHandle, Receiver<Event>) {
    spawn(cards, centre, Deadlines::for_config(config), shared.clone())
}

/// Starts the worker; its events come out of the returned receiver.
fn spawn(
    cards: Box<dyn CardSource>,
    centre: Arc<dyn ResetCentre>,
    deadlines: Deadlines,
    shared: Shared,
) -> (WorkerHandle, Receiver<Event>) {
    let Shared { status, outbox } = shared;
    let (input_tx, input_rx) = channel();
    let (event_tx, event_rx) = channel();
    let handle = WorkerHandle(input_tx.clone());
    let started = std::thread::Builder::new()
        .name("kiosk worker".to_string())
        .spawn(move || {
            let mut worker = Worker {
                cards,
                centre,
                deadlines,
                events: event_tx,
                inputs: input_tx,
                card: None,
                session: None,
                auth_certificate: None,
                outbox,
                status,
            };
            worker.run(&input_rx);
        });
    if let Err(error) = started {
        tracing::error!(%error, "the worker thread could not start: out of service");
        // Without a worker the kiosk cannot serve anyone: the app shows out of service.
        let (tx, rx) = channel();
        let _ = tx.send(Event::ReaderLost);
        return (handle, rx);
    }
    (handle, event_rx)
}

struct Worker {
    cards: Box<dyn CardSource>,
    centre: Arc<dyn ResetCentre>,
    deadlines: Deadlines,
    events: Sender<Event>,
    inputs: Sender<Input>,
    card: Option<CardThread<Card>>,
    session: Option<SessionId>,
    auth_certificate: Option<Vec<u8>>,
    /// From the moment a command goes to the card until the centre has its outcome: commands a
    /// card took away and never answered (an earlier run died, or the card went silent), whose
    /// card's receipt is read when it is next seen, and outcomes the centre could not take yet,
    /// offered again every `completion_retry`.
    outbox: Outbox,
    /// What the worker learns of the machine, for the heartbeat and the screen.
    status: Status,
}

impl Worker {
    fn run(&mut self, inputs: &Receiver<Input>) {
        // What an earlier run could not deliver (it crashed, or the centre was away).
        if !self.cards.cards_outlive_the_kiosk() {
            // Its cards died with the process that had them: nothing to ask.
            for (session, _) in self.outbox.load_sent() {
                self.outbox.add(&session, Outcome::Unknown);
            }
        }
        self.retry_pending();
        let queue = self.inputs.clone();
        self.cards.watch(SourceEvents::new(move |event| {
            // A worker that is gone has nothing left to hear.
            let _ = queue.send(Input::Source(event));
        }));
        loop {
            let input = match inputs.recv_timeout(self.deadlines.completion_retry) {
                Ok(input) => input,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    self.retry_pending();
                    continue;
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
            };
            match input {
                Input::Source(event) => self.source_event(event),
                Input::Command(command) => {
                    tracing::debug!(command = command.name(), "command");
                    self.command(command)
                }
            }
        }
    }

    fn emit(&self, event: Event) {
        self.note(&event);
        let _ = self.events.send(event);
    }

    /// What `event` says of the machine, into the status and the log.
    fn note(&self, event: &Event) {
        let error = match event {
            // (The app logs the reader's changes for people, at info and warn: `kiosk: reader
            // lost`.)
            Event::ReaderReady => {
                tracing::debug!("reader ready");
                self.status
                    .update(|s| s.reader = reset_protocol::ReaderState::Ready);
                return;
            }
            Event::ReaderLost => {
                tracing::debug!("reader lost");
                self.status.update(|s| {
                    s.reader = reset_protocol::ReaderState::Lost;
                    s.card_present = false;
                });
                return;
            }
            Event::CardPresent(present) => {
                tracing::debug!(present, "card");
                self.status.update(|s| s.card_present = *present);
                return;
            }
            Event::CardRead(Err(error)) => ("read", error),
            Event::Verified(Err(error)) => ("verify", error),
            Event::ResetDone(Err(error)) => ("reset", error),
            Event::CardRead(Ok(_)) | Event::Verified(Ok(())) | Event::ResetDone(Ok(())) => {
                tracing::debug!("step done");
                return;
            }
            Event::CardSeen(_) | Event::Health(_) | Event::SelfTest(_) => return,
        };
        let (step, error) = error;
        log_session_error(step, error);
        let class = error.class();
        self.status.update(|s| s.last_error = Some(class));
    }

    fn source_event(&mut self, event: SourceEvent) {
        match event {
            SourceEvent::ReaderReady => self.emit(Event::ReaderReady),
            SourceEvent::ReaderLost => {
                self.card = None;
                self.emit(Event::ReaderLost);
            }
            SourceEvent::CardPlaced => {
                // The app shows the removal screen at once (a restarted kiosk with a card on the
                // reader begins there); the receipt takes a fraction of a second, well before a
                // person reads the screen and reaches for the card.
                self.emit(Event::CardPresent(true));
                self.ask_about_unanswered();
            }
            SourceEvent::CardTaken => {
                self.card = None;
                self.emit(Event::CardPresent(false));
            }
        }
    }

    fn command(&mut self, command: Command) {
        match command {
            Command::Read { kind } => {
                let result = self.read(kind);
                self.emit(Event::CardRead(result));
            }
            Command::Verify { kind, pin } => {
                let result = self.verify(kind, pin);
                self.emit(Event::Verified(result));
            }
            Command::Reset { kind, new_pin } => {
                let result = self.reset(kind, new_pin);
                self.emit(Event::ResetDone(result));
            }
            Command::Release => self.release(),
            Command::Health => {
                let health = crate::diagnostics::health(self.cards.as_ref(), self.centre.as_ref());
                self.emit(Event::Health(health));
            }
            Command::SelfTest => {
                // Staff mode has no session: the card is free to be looked at.
                self.release();
                let report =
                    crate::diagnostics::self_test(self.cards.as_ref(), self.deadlines.card);
                self.emit(Event::SelfTest(report));
            }
        }
    }

    /// Connects to the card now on the reader, with the card deadline.
    fn connect(&mut self) -> Result<(), FlowError> {
        self.card = None;
        let open = self.cards.opener().ok_or(FlowError::CardMoved)?;
        let card = CardThread::spawn("card", self.deadlines.card, open)
            .map_err(|e| FlowError::from_transport(&e))?;
        self.card = Some(card);
        Ok(())
    }

    /// Runs `operation` on the card with `deadline`; a missed deadline gives the card up.
    fn on_card<R: Send + 'static>(
        &mut self,
        deadline: Duration,
        operation: impl FnOnce(&mut Card) -> Result<R, FlowError> + Send + 'static,
    ) -> Result<R, FlowError> {
        let card = self.card.as_mut().ok_or(FlowError::CardMoved)?;
        match card.run(deadline, operation) {
            Ok(result) => result,
            Err(error) => {
                self.card = None;
                Err(FlowError::from_transport(&error))
            }
        }
    }

    fn read(&mut self, kind: ResetKind) -> Result<u8, FlowError> {
        self.close_session();
        self.connect()?;
        let deadline = self.deadlines.card;
        let (certificate, tries) = self.on_card(deadline, move |card| {
            let certificate = kiosk_side::read_identity(card).map_err(unreadable)?;
            let tries = proof_tries(card, kind);
            Ok((certificate, tries))
        })?;
        self.emit(Event::CardSeen(Sha256::digest(&certificate).into()));
        let tries = tries?;
        if tries == 0 {
            return Err(FlowError::PinLocked(kind.proof()));
        }
        // The reservation is looked up now, before the holder types any PIN.
        self.centre
            .check_reservation(kind, &certificate)
            .map_err(|e| FlowError::from_centre(&e))?;
        self.auth_certificate = Some(certificate);
        Ok(tries)
    }

    fn verify(&mut self, kind: ResetKind, pin: Pin) -> Result<(), FlowError> {
        let certificate = self.auth_certificate.clone().ok_or(FlowError::CardMoved)?;
        let centre = self.centre.clone();
        let deadline = self.deadlines.with_centre;
        let session = self.on_card(deadline, move |card| {
            let verified = match &pin {
                Pin::Auth(pin) => card.verify_auth_pin(pin),
                Pin::Signing(pin) => card.verify_signing_pin(pin),
            };
            drop(pin);
            verified.map_err(FlowError::from_card)?;
            kiosk_side::prove_holder(card, centre.as_ref(), kind, &certificate)
                .map_err(FlowError::from_step)
        })?;
        self.session = Some(session);
        Ok(())
    }

    fn reset(&mut self, kind: ResetKind, new_pin: Pin) -> Result<(), FlowError> {
        let session = self.session.clone().ok_or(FlowError::CardMoved)?;
        let certificate = self
            .auth_certificate
            .as_deref()
            .ok_or(FlowError::CardMoved)?;
        let sent = Sent::new(kind, certificate);
        // The journal first: a command a crash could lose (the card changed, the centre never
        // told) is not sent. Nothing has gone to the card yet, so the session closes unchanged.
        let journal = match OutboxJournal::open(self.outbox.clone(), &session, sent) {
            Ok(journal) => journal,
            Err(error) => {
                tracing::error!(%error, "the reset's journal could not be written: the reset is not sent to the card");
                self.close_session();
                return Err(FlowError::Unexpected(format!(
                    "the reset's journal could not be written ({error}); nothing was sent to the card"
                )));
            }
        };
        let watch = journal.clone();
        let centre = self.centre.clone();
        let deadline = self.deadlines.with_centre;
        let outcome = self.on_card(deadline, move |card| {
            // The read-back: a card that took the command must now accept the new PIN. When
            // the card answered 9000 it runs while the centre is told (`reset_confirming`).
            let verify = |card: &mut card_driver::jpki::Jpki<_>| match &new_pin {
                Pin::Auth(pin) => card.verify_auth_pin(pin).is_ok(),
                Pin::Signing(pin) => card.verify_signing_pin(pin).is_ok(),
            };
            let (result, confirmed) = kiosk_side::reset_confirming(
                card,
                centre.as_ref(),
                &session,
                kind,
                &new_pin,
                &journal,
                verify,
            );
            // Otherwise after the centre's judgement (a receipt read back after a lost answer
            // proves the reset only once the centre has found it this command's).
            let confirmed = confirmed.unwrap_or_else(|| {
                let took = match &result {
                    Ok(completed) => completed.card_took(),
                    Err(StepError::CompletionPending { card, .. }) => {
                        kiosk_side::took(*card, ReservationState::Pending)
                    }
                    Err(_) => false,
                };
                !took || verify(card)
            });
            drop(new_pin);
            Ok((result, confirmed))
        });
        let session = self.session.take();
        let (result, confirmed) = match outcome {
            Ok(pair) => {
                // Stopped before its command (the card's challenge, the centre's command).
                watch.withdraw();
                pair
            }
            // The card thread missed its deadline mid-reset: the card may or may not hold the
            // new PIN; the lease at the centre keeps the reservation from being used twice, and
            // the card's receipt is read when it is seen again.
            // (The outbox keeps the command as sent, if it went, until the card is seen again.)
            Err(error) => {
                if let Some(session) = session {
                    let _ = self.centre.complete(&session, Outcome::Unknown);
                }
                return Err(match error {
                    FlowError::CardMoved | FlowError::CardUnresponsive | FlowError::ReaderFault => {
                        FlowError::Unconfirmed
                    }
                    other => other,
                });
            }
        };
        // The card's receipt delivered (or refused, which is an answer too): nothing is left to
        // tell the centre. Without the receipt the entry stays as a command with the card, whose
        // receipt is read when the card is next placed (the centre holds the reservation until
        // its lease ends meanwhile, and takes the receipt late).
        let delivered = match &result {
            Ok(completed) => matches!(completed.outcome, Outcome::Receipt { .. }),
            Err(StepError::Centre(_)) => true,
            Err(_) => false,
        };
        if let (Some(session), true) = (&session, delivered) {
            self.outbox.remove(session);
        }
        match result {
            // The card took it and accepts the new PIN: done for the holder, whatever the
            // centre made of it (a receipt the card could not give leaves the reservation
            // claimed until its lease ends, which is the centre's affair, not the holder's).
            Ok(completed) if completed.card_took() && confirmed => Ok(()),
            // The card's own word that it did not take the command: the old PIN stands.
            Ok(completed) if completed.card_unchanged() => Err(FlowError::NotChanged),
            Ok(_) => Err(FlowError::Unconfirmed),
            // The card holds the new PIN; only the centre has not heard yet: the outbox has the
            // outcome (the journal wrote it before delivery) and offers it again.
            Err(StepError::CompletionPending { card, .. })
                if kiosk_side::took(card, ReservationState::Pending) && confirmed =>
            {
                Ok(())
            }
            Err(StepError::CompletionPending { card, .. }) => {
                // The card's own word that it did not change, or no word the kiosk can judge.
                Err(if kiosk_side::proves_unchanged(card) {
                    FlowError::NotChanged
                } else {
                    FlowError::Unconfirmed
                })
            }
            Err(error) => Err(FlowError::from_step(error)),
        }
    }

    /// A card was placed and some command went to a card that never answered: if this is
    /// that card, its receipt tells the centre whether it took the command (no PIN needed).
    /// Another card leaves the outcome unknown (the centre's lease then frees the reservation).
    /// Either way the outcome is kept in the outbox until the centre has it.
    fn ask_about_unanswered(&mut self) {
        // (A card thread given up on may have written the card's answer after all: those are
        // outcomes now, not commands with the card.)
        let unanswered = self.outbox.load_sent();
        if unanswered.is_empty() {
            return;
        }
        for (session, sent) in unanswered {
            let outcome = self.ask_card_about(&sent);
            self.outbox.add(&session, outcome);
        }
        self.card = None;
        self.retry_pending();
    }

    /// The card's receipt for `sent`, waiting a little while the reader is still busy with the
    /// command an earlier run left behind (the only failure worth waiting out).
    fn ask_card_about(&mut self, sent: &Sent) -> Outcome {
        let give_up = Instant::now() + RECEIPT_WAIT;
        loop {
            match self.read_receipt(sent) {
                Ok(outcome) => return outcome,
                Err(FlowError::CardUnresponsive | FlowError::Unexpected(_))
                    if Instant::now() < give_up =>
                {
                    std::thread::sleep(RECEIPT_RETRY)
                }
                Err(_) => return Outcome::Unknown,
            }
        }
    }

    fn read_receipt(&mut self, sent: &Sent) -> Result<Outcome, FlowError> {
        self.connect()?;
        let sent = sent.clone();
        let deadline = self.deadlines.card;
        self.on_card(deadline, move |card| {
            let certificate = kiosk_side::read_identity(card).map_err(unreadable)?;
            if !sent.same_card(&certificate) {
                return Ok(Outcome::Unknown);
            }
            // A card without the stand-in's receipt cannot tell without the new PIN.
            Ok(kiosk_side::read_receipt(card, sent.kind.target()).unwrap_or(Outcome::Unknown))
        })
    }

    /// Closes a session that got no reset command (nothing can have changed on the card).
    fn close_session(&mut self) {
        if let Some(session) = self.session.take()
            && let Err(error) = self.centre.complete(&session, Outcome::Unchanged)
        {
            // The centre's lease frees the reservation in the end.
            tracing::debug!(%error, "an unused session could not be closed at the centre");
        }
        self.auth_certificate = None;
    }

    fn release(&mut self) {
        self.close_session();
        // Dropping the connection resets the card: no verified PIN outlives the session.
        self.card = None;
    }

    /// Offers the centre every outcome it has not taken yet; what it takes (or refuses, which
    /// is an answer too) leaves the outbox.
    fn retry_pending(&mut self) {
        for (session, outcome) in self.outbox.load() {
            match self.centre.complete(&session, outcome) {
                Ok(_) => {
                    tracing::info!("a completion kept in the outbox was delivered");
                    self.outbox.remove(&session)
                }
                Err(CentreError::Refused(refusal)) => {
                    tracing::info!(refusal = %refusal.code(), "a completion kept in the outbox was refused (an answer too)");
                    self.outbox.remove(&session)
                }
                // Offered again later; the heartbeat says when the centre is away.
                Err(error) => tracing::debug!(%error, "a completion stays in the outbox"),
            }
        }
    }
}

/// A session's error in the log at the level it deserves: the holder's situation (a refusal,
/// a wrong or locked PIN, a card taken away) is info; what someone may have to look at (the
/// centre away, the reader failing, an unexpected error with its text) is warn. Codes only:
/// nothing of the card or the holder.
fn log_session_error(step: &'static str, error: &FlowError) {
    let class = error.class().as_str();
    match error {
        FlowError::Refused(refusal) => {
            tracing::info!(step, refusal = %refusal.code(), "the centre refused");
        }
        FlowError::CentreUnreachable => {
            tracing::warn!(step, kind = class, "the centre cannot be reached");
        }
        FlowError::ReaderFault => tracing::warn!(step, kind = class, "the reader failed"),
        FlowError::Unconfirmed => {
            tracing::warn!(
                step,
                kind = class,
                "the reset's outcome could not be confirmed"
            );
        }
        FlowError::Unexpected(detail) => {
            tracing::warn!(step, kind = class, error = %detail, "unexpected error");
        }
        FlowError::WrongPin { tries_left } => {
            tracing::info!(step, kind = class, tries_left, "session error");
        }
        _ => tracing::info!(step, kind = class, "session error"),
    }
}

/// Why a card's identity could not be read: a card that answers nonsense to SELECT or to the
/// certificate's READ BINARY is unreadable (spec: "not a My Number Card / unreadable"); a card
/// that went away or went silent is that.
fn unreadable(error: StepError) -> FlowError {
    match error {
        StepError::Card(JpkiError::ResponseTooShort(_) | JpkiError::Unexpected { .. }) => {
            FlowError::NotMyNumberCard
        }
        other => FlowError::from_step(other),
    }
}

/// The tries left of the PIN the holder must enter; first, whether the card has a signing
/// certificate at all (the card itself tells: its EF is missing), which both resets need.
fn proof_tries(card: &mut Card, kind: ResetKind) -> Result<u8, FlowError> {
    if let Err(JpkiError::FileNotFound(_)) = card.tries_left(PinKind::Signing) {
        return Err(FlowError::NoSigningCertificate);
    }
    card.tries_left(kind.proof()).map_err(FlowError::from_card)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Mutex;

    use card_driver::jpki::Jpki;
    use card_driver::pin::SigningPin;
    use card_driver::reset_cryptogram::{RESET_CLA, RESET_INS, ResetCommand};
    use card_driver::transport::{Transport, TransportError};
    use reset_protocol::Begun;

    use super::*;
    use crate::cards::{Opener, Probe};

    /// Every command a card was sent, in order.
    type Log = Arc<Mutex<Vec<Vec<u8>>>>;

    /// A card that answers every command the way a JPKI card that takes a reset would: three
    /// tries left, a challenge, `9000` to the rest (the reset command included). With
    /// `challenge_fails`, GET CHALLENGE is refused.
    struct AgreeableCard {
        sent: Log,
        challenge_fails: bool,
    }

    /// A card that takes the reset but has no receipt command (GET DATA: `6D00`).
    struct CardWithoutReceipts(AgreeableCard);

    impl Transport for CardWithoutReceipts {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            if command[1] == 0xCA {
                self.0.sent.lock().unwrap().push(command.to_vec());
                return Ok(vec![0x6D, 0x00]);
            }
            self.0.transmit(command)
        }
    }

    impl Transport for AgreeableCard {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.sent.lock().unwrap().push(command.to_vec());
            Ok(match (command[1], command.len()) {
                (0x20, 4) => vec![0x63, 0xC3],
                (0x84, _) if self.challenge_fails => vec![0x69, 0x85],
                (0x84, _) => vec![1, 2, 3, 4, 5, 6, 7, 8, 0x90, 0x00],
                // GET DATA: the card's receipt of its last reset.
                (0xCA, _) => vec![0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0x90, 0x00],
                _ => vec![0x90, 0x00],
            })
        }
    }

    /// A centre that agrees to everything and remembers what it was asked.
    #[derive(Default)]
    struct Centre {
        calls: Mutex<Vec<String>>,
        heartbeat_gate: Mutex<()>,
        /// The card's log: `complete` waits (up to 5 s) for the read-back VERIFY to reach the
        /// card, and says whether it came.
        read_back_during_complete: Option<Log>,
    }

    impl Centre {
        fn calls(&self) -> Vec<String> {
            self.calls.lock().unwrap().clone()
        }
    }

    impl ResetCentre for Centre {
        fn check_reservation(&self, _: ResetKind, _: &[u8]) -> Result<String, CentreError> {
            Ok("2030-01-01T00:00:00Z".to_string())
        }
        fn begin(&self, _: ResetKind, _: &[u8]) -> Result<Begun, CentreError> {
            unreachable!("the tests begin with a proved session")
        }
        fn prove(&self, _: &SessionId, _: &[u8], _: Option<&[u8]>) -> Result<(), CentreError> {
            unreachable!("the tests begin with a proved session")
        }
        fn reset_command(
            &self,
            _: &SessionId,
            _: &[u8],
            _: &Pin,
        ) -> Result<ResetCommand, CentreError> {
            self.calls.lock().unwrap().push("reset_command".to_string());
            let bytes = vec![RESET_CLA, RESET_INS, 0x02, 0x80, 0x02, 0xAA, 0xBB];
            Ok(ResetCommand::from_bytes(bytes).unwrap())
        }
        fn complete(
            &self,
            _: &SessionId,
            outcome: Outcome,
        ) -> Result<ReservationState, CentreError> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("complete {outcome:?}"));
            if let Some(card) = &self.read_back_during_complete {
                let deadline = std::time::Instant::now() + Duration::from_secs(5);
                let read_back = || {
                    let sent = card.lock().unwrap();
                    sent.iter().any(|apdu| apdu[1] == 0x20 && apdu.len() > 5)
                };
                while !read_back() && std::time::Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(1));
                }
                let seen = if read_back() { "seen" } else { "not seen" };
                self.calls
                    .lock()
                    .unwrap()
                    .push(format!("read-back {seen} while completing"));
            }
            // It takes the card's receipt for this session's; the kiosk's word moves nothing.
            Ok(match outcome {
                Outcome::Receipt { .. } => ReservationState::Used,
                _ => ReservationState::Pending,
            })
        }
        fn health(&self) -> Result<bool, CentreError> {
            Ok(false)
        }
        fn heartbeat(
            &self,
            _: &reset_protocol::Heartbeat,
        ) -> Result<reset_protocol::HeartbeatAnswer, CentreError> {
            // Hangs as long as the test holds the gate: a centre that never answers.
            let _gate = self.heartbeat_gate.lock().unwrap();
            Err(CentreError::Timeout(Duration::from_secs(10)))
        }
    }

    struct NoReader;

    impl CardSource for NoReader {
        fn watch(&mut self, _: SourceEvents) {}
        fn opener(&self) -> Option<Opener> {
            None
        }
        fn readers(&self) -> Result<Vec<String>, String> {
            Ok(Vec::new())
        }
        fn probe(&self) -> Option<Probe> {
            None
        }
    }

    const SESSION: &str = "0123456789abcdef0123456789abcdef";

    /// A worker in the middle of a session (PIN verified, holder proved) on `card`.
    fn worker_at_reset(
        card: impl Transport + 'static,
        centre: Arc<Centre>,
        outbox: Outbox,
    ) -> Worker {
        let (events, _) = channel();
        let (inputs, _) = channel();
        let deadline = Duration::from_secs(10);
        let card = CardThread::spawn("test card", deadline, move || {
            Ok(Jpki::new(Box::new(card) as Box<dyn Transport>))
        })
        .unwrap();
        Worker {
            cards: Box::new(NoReader),
            centre,
            deadlines: Deadlines {
                card: deadline,
                with_centre: deadline,
                completion_retry: deadline,
            },
            events,
            inputs,
            card: Some(card),
            session: Some(SessionId(SESSION.to_string())),
            auth_certificate: Some(b"the card's auth certificate".to_vec()),
            outbox,
            status: Status::new(),
        }
    }

    fn new_password() -> Pin {
        Pin::Signing(SigningPin::new("NEWPASS1").unwrap())
    }

    fn reset_commands(sent: &Log) -> usize {
        sent.lock()
            .unwrap()
            .iter()
            .filter(|c| c[0] == RESET_CLA && c[1] == RESET_INS)
            .count()
    }

    #[test]
    fn a_reset_whose_journal_cannot_be_written_is_never_sent_to_the_card() {
        let dir = tempfile::tempdir().unwrap();
        // A file where the outbox's directory should be: no entry can be written.
        let blocked = dir.path().join("outbox");
        std::fs::write(&blocked, b"").unwrap();
        let sent = Log::default();
        let card = AgreeableCard {
            sent: sent.clone(),
            challenge_fails: false,
        };
        let centre = Arc::new(Centre::default());
        let mut worker = worker_at_reset(card, centre.clone(), Outbox::at(blocked));

        let result = worker.reset(ResetKind::Signing, new_password());

        let Err(FlowError::Unexpected(why)) = &result else {
            panic!("refused with a clear error, got {result:?}");
        };
        assert!(
            why.contains("journal") && why.contains("nothing was sent"),
            "{why}"
        );
        assert_eq!(reset_commands(&sent), 0, "the card never saw the reset");
        assert!(sent.lock().unwrap().is_empty(), "nor anything else");
        // The centre made no command and got its reservation back unchanged.
        assert_eq!(centre.calls(), ["complete Unchanged"]);
        assert!(worker.session.is_none());
    }

    #[test]
    fn with_its_journal_written_the_reset_reaches_the_card() {
        let dir = tempfile::tempdir().unwrap();
        let sent = Log::default();
        let card = AgreeableCard {
            sent: sent.clone(),
            challenge_fails: false,
        };
        let centre = Arc::new(Centre::default());
        let outbox = Outbox::at(dir.path().join("outbox"));
        let mut worker = worker_at_reset(card, centre.clone(), outbox.clone());

        assert_eq!(worker.reset(ResetKind::Signing, new_password()), Ok(()));

        assert_eq!(reset_commands(&sent), 1);
        // The card's receipt, read after its answer, is what the centre is told.
        assert_eq!(
            centre.calls(),
            [
                "reset_command",
                "complete Receipt { receipt: [238, 238, 238, 238, 238, 238, 238, 238] }"
            ]
        );
        assert!(outbox.load_sent().is_empty() && outbox.load().is_empty());
    }

    /// The centre is told of the card's receipt while the card verifies the new PIN, not after:
    /// the holder does not wait for the centre's round trip and commit (docs/card-timing.md).
    /// The centre here answers only once the read-back reached the card (or after 5 s): done one
    /// after the other, it would never see it.
    #[test]
    fn the_centre_is_told_while_the_card_verifies_the_new_pin() {
        let dir = tempfile::tempdir().unwrap();
        let sent = Log::default();
        let card = AgreeableCard {
            sent: sent.clone(),
            challenge_fails: false,
        };
        let centre = Arc::new(Centre {
            read_back_during_complete: Some(sent.clone()),
            ..Centre::default()
        });
        let outbox = Outbox::at(dir.path().join("outbox"));
        let mut worker = worker_at_reset(card, centre.clone(), outbox.clone());

        assert_eq!(worker.reset(ResetKind::Signing, new_password()), Ok(()));

        assert_eq!(
            centre.calls(),
            [
                "reset_command",
                "complete Receipt { receipt: [238, 238, 238, 238, 238, 238, 238, 238] }",
                "read-back seen while completing"
            ]
        );
        assert!(outbox.load_sent().is_empty() && outbox.load().is_empty());
    }

    #[test]
    fn without_the_cards_receipt_the_command_stays_journalled_for_the_card() {
        let dir = tempfile::tempdir().unwrap();
        let sent = Log::default();
        let card = CardWithoutReceipts(AgreeableCard {
            sent: sent.clone(),
            challenge_fails: false,
        });
        let centre = Arc::new(Centre::default());
        let outbox = Outbox::at(dir.path().join("outbox"));
        let mut worker = worker_at_reset(card, centre.clone(), outbox.clone());

        // The card took it and accepts the new password: done, for the holder.
        assert_eq!(worker.reset(ResetKind::Signing, new_password()), Ok(()));
        // The centre heard only the kiosk's word, which holds the reservation for its lease...
        assert_eq!(
            centre.calls(),
            ["reset_command", "complete Card { sw: SW 9000 }"]
        );
        // ...and the command stays recorded as with the card, whose receipt is asked for when
        // it is next placed; no outcome is offered again meanwhile.
        assert_eq!(outbox.load_sent().len(), 1);
        assert!(outbox.load().is_empty());
    }

    #[test]
    fn a_reset_that_stops_before_its_command_leaves_no_journal_entry() {
        let dir = tempfile::tempdir().unwrap();
        let sent = Log::default();
        let card = AgreeableCard {
            sent: sent.clone(),
            challenge_fails: true,
        };
        let centre = Arc::new(Centre::default());
        let outbox = Outbox::at(dir.path().join("outbox"));
        let mut worker = worker_at_reset(card, centre.clone(), outbox.clone());

        assert!(worker.reset(ResetKind::Signing, new_password()).is_err());

        assert_eq!(reset_commands(&sent), 0);
        assert_eq!(centre.calls(), ["complete Unchanged"]);
        // Nothing for a later card to be asked about.
        assert!(Outbox::at(dir.path().join("outbox")).load_sent().is_empty());
    }

    /// A reader that is there, with no card.
    struct EmptyReader;

    impl CardSource for EmptyReader {
        fn watch(&mut self, events: SourceEvents) {
            events.send(SourceEvent::ReaderReady);
        }
        fn opener(&self) -> Option<Opener> {
            None
        }
        fn readers(&self) -> Result<Vec<String>, String> {
            Ok(vec!["reader".to_string()])
        }
        fn probe(&self) -> Option<Probe> {
            None
        }
    }

    #[test]
    fn a_centre_that_hangs_on_the_heartbeat_does_not_hold_up_the_worker() {
        let dir = tempfile::tempdir().unwrap();
        let config_path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/kiosk.json");
        let mut config = Config::load(&config_path).unwrap();
        config.state_dir = dir.path().to_path_buf();
        let centre = Arc::new(Centre::default());
        let hang = centre.heartbeat_gate.lock().unwrap();
        let shared = Shared::for_config(&config);
        let settings = crate::heartbeat::Settings::for_config(
            &config,
            crate::heartbeat::Build {
                version: "test".to_string(),
                commit: "unknown".to_string(),
            },
        );
        let _heartbeats = crate::heartbeat::start(
            settings,
            centre.clone(),
            shared.status.clone(),
            shared.outbox.clone(),
        );
        let (worker, events) =
            start_shared(&config, Box::new(EmptyReader), centre.clone(), &shared);
        assert_eq!(
            events.recv_timeout(Duration::from_secs(5)),
            Ok(Event::ReaderReady)
        );
        // The heartbeat is stuck in the centre; the worker answers staff at once.
        worker.send(Command::Health);
        let answered = events.recv_timeout(Duration::from_secs(2));
        assert!(
            matches!(answered, Ok(Event::Health(_))),
            "the worker answered: {answered:?}"
        );
        let snapshot = shared.status.snapshot();
        assert_eq!(
            snapshot.reader,
            reset_protocol::ReaderState::Ready,
            "and kept the status"
        );
        assert_eq!(
            snapshot.hearing,
            crate::status::Hearing::NotYet,
            "the beat still hangs"
        );
        drop(hang);
    }

    #[test]
    fn the_status_follows_the_reader_the_card_and_the_errors() {
        let (events, _received) = channel();
        let (inputs, _) = channel();
        let worker = Worker {
            cards: Box::new(NoReader),
            centre: Arc::new(Centre::default()),
            deadlines: Deadlines {
                card: Duration::from_secs(1),
                with_centre: Duration::from_secs(1),
                completion_retry: Duration::from_secs(1),
            },
            events,
            inputs,
            card: None,
            session: None,
            auth_certificate: None,
            outbox: Outbox::none(),
            status: Status::new(),
        };
        worker.emit(Event::ReaderReady);
        worker.emit(Event::CardPresent(true));
        let snapshot = worker.status.snapshot();
        assert_eq!(snapshot.reader, reset_protocol::ReaderState::Ready);
        assert!(snapshot.card_present);
        assert_eq!(snapshot.last_error, None);
        worker.emit(Event::CardRead(Err(FlowError::Refused(
            reset_protocol::Refusal::NoReservation,
        ))));
        assert_eq!(
            worker.status.snapshot().last_error,
            Some(reset_protocol::ErrorClass::Refused)
        );
        worker.emit(Event::Verified(Ok(())));
        assert_eq!(
            worker.status.snapshot().last_error,
            Some(reset_protocol::ErrorClass::Refused),
            "the last error stays until another"
        );
        worker.emit(Event::ResetDone(Err(FlowError::CentreUnreachable)));
        worker.emit(Event::ReaderLost);
        let snapshot = worker.status.snapshot();
        assert_eq!(
            snapshot.last_error,
            Some(reset_protocol::ErrorClass::CentreUnreachable)
        );
        assert_eq!(snapshot.reader, reset_protocol::ReaderState::Lost);
        assert!(!snapshot.card_present);
    }
}
