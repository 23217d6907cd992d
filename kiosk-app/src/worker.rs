//! The card and the centre, off the UI thread.
//!
//! One worker thread owns the reader (PC/SC, or the demo's in-process reader), the card
//! connection and the centre client. The app sends it [`Command`]s and receives [`Event`]s.
//! Card work runs on a [`CardThread`] with a deadline (pcsc-lite cannot time out a stalled
//! card); centre calls have the HTTP client's timeouts. PINs reach the worker inside commands,
//! never inside UI messages, and are dropped (wiped) as soon as the card or centre has them.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use card_driver::card_thread::CardThread;
use card_driver::jpki::{Jpki, JpkiError};
use card_driver::pcsc::{PcscConnection, ReaderEvent, ReaderMonitor, Sharing};
use card_driver::pin::{Pin, PinKind};
use card_driver::transport::{Transport, TransportError};
use reset_center::kiosk_side::{self, StepError};
use reset_center::{CentreError, Outcome, ReservationState, ResetCentre, ResetKind, SessionId};
use virtual_card::{InProcessReader, PinId, VirtualCard};

use sha2::{Digest, Sha256};

use crate::errors::FlowError;
use crate::outbox::{Outbox, OutboxJournal, Sent};

type Card = Jpki<Box<dyn Transport>>;

/// What the app asks of the worker.
pub enum Command {
    /// A card was placed: connect, recognise it, check the reservation and the tries left of the
    /// PIN the holder must enter.
    Read {
        kind: ResetKind,
    },
    /// Verify the PIN the holder knows; if right, prove possession to the centre.
    Verify {
        kind: ResetKind,
        pin: Pin,
    },
    /// Set the new PIN through the centre.
    Reset {
        kind: ResetKind,
        new_pin: Pin,
    },
    /// The session is over: close it at the centre if still open, and let the card go.
    Release,
    /// Demo only: put a virtual card on the reader, or take it away.
    DemoPlace(String),
    DemoPull,
    /// Maintenance: how the PC/SC service, the readers and the centre are.
    Health,
    /// Maintenance: list the readers, read the ATR of a card and select JPKI-AP (no PIN).
    SelfTest,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::Read { kind } => write!(f, "Read({kind})"),
            Command::Verify { kind, .. } => write!(f, "Verify({kind}, <PIN>)"),
            Command::Reset { kind, .. } => write!(f, "Reset({kind}, <PIN>)"),
            Command::Release => f.write_str("Release"),
            Command::DemoPlace(profile) => write!(f, "DemoPlace({profile})"),
            Command::DemoPull => f.write_str("DemoPull"),
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
    /// Demo only: which card is on the demo reader, and its counters.
    DemoCard(Option<DemoCard>),
    Health(crate::diagnostics::Health),
    SelfTest(crate::diagnostics::SelfTest),
}

/// What the demo panel shows of the card on the demo reader: never a PIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCard {
    pub name: String,
    pub auth_tries: Option<u8>,
    pub signing_tries: Option<u8>,
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

/// What reaches the worker thread: the app's commands and the reader's events.
enum Input {
    Command(Command),
    Card(CardEvent),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum CardEvent {
    ReaderReady,
    ReaderLost,
    /// A card came (with the reader it is in, for PC/SC) or went.
    Present(bool, Option<String>),
}

/// Where the card is: a PC/SC reader, or the demo's in-process reader.
#[derive(Debug)]
pub enum Reader {
    Pcsc {
        /// `None`: the first reader that shows up.
        name: Option<String>,
    },
    Demo {
        reader: InProcessReader,
        /// Profile name → path, for `DemoPlace`.
        profiles: Vec<(String, std::path::PathBuf)>,
    },
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

/// How often undelivered completions are retried in service.
pub const COMPLETION_RETRY: Duration = Duration::from_secs(30);

/// Starts the worker; its events come out of the returned receiver.
pub fn spawn(
    reader: Reader,
    centre: Arc<dyn ResetCentre>,
    deadlines: Deadlines,
    outbox: Outbox,
) -> (WorkerHandle, Receiver<Event>) {
    let (input_tx, input_rx) = channel();
    let (event_tx, event_rx) = channel();
    let handle = WorkerHandle(input_tx.clone());
    let started = std::thread::Builder::new()
        .name("kiosk worker".to_string())
        .spawn(move || {
            let mut worker = Worker {
                reader,
                centre,
                deadlines,
                events: event_tx,
                inputs: input_tx,
                card: None,
                monitor: None,
                reader_name: None,
                session: None,
                auth_certificate: None,
                pending: Vec::new(),
                unanswered: Vec::new(),
                outbox,
                shelf: Vec::new(),
            };
            worker.run(&input_rx);
        });
    if started.is_err() {
        // Without a worker the kiosk cannot serve anyone: the app shows out of service.
        let (tx, rx) = channel();
        let _ = tx.send(Event::ReaderLost);
        return (handle, rx);
    }
    (handle, event_rx)
}

struct Worker {
    reader: Reader,
    centre: Arc<dyn ResetCentre>,
    deadlines: Deadlines,
    events: Sender<Event>,
    inputs: Sender<Input>,
    card: Option<CardThread<Card>>,
    monitor: Option<ReaderMonitor>,
    /// The PC/SC reader in use (the configured one, or the first seen).
    reader_name: Option<String>,
    session: Option<SessionId>,
    auth_certificate: Option<Vec<u8>>,
    /// Completions the centre could not take yet (the card's answer is known): retried.
    pending: Vec<(SessionId, Outcome)>,
    /// Commands a card took away and never answered (an earlier run died, or the card went
    /// silent): the card's receipt is read when it is next seen on the reader.
    unanswered: Vec<(SessionId, Sent)>,
    /// The same, on disk from the moment the command goes to the card (read after a restart too).
    outbox: Outbox,
    /// Demo cards taken off the reader keep their PINs and counters, as real cards do.
    shelf: Vec<VirtualCard>,
}

impl Worker {
    fn run(&mut self, inputs: &Receiver<Input>) {
        // What an earlier run could not deliver (it crashed, or the centre was away):
        // `retry_pending` takes the outcomes from the outbox.
        self.unanswered = self.outbox.load_sent();
        self.retry_pending();
        self.watch();
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
                Input::Card(event) => self.card_event(event),
                Input::Command(command) => self.command(command),
            }
        }
    }

    fn emit(&self, event: Event) {
        let _ = self.events.send(event);
    }

    /// Starts watching the reader: the PC/SC monitor, or the demo reader's own state.
    fn watch(&mut self) {
        match &self.reader {
            Reader::Pcsc { name } => {
                let wanted = name.clone();
                let inputs = self.inputs.clone();
                self.monitor = Some(ReaderMonitor::start(move |event| {
                    if let Some(event) = translate(&event, wanted.as_deref()) {
                        let _ = inputs.send(Input::Card(event));
                    }
                }));
            }
            Reader::Demo { reader, .. } => {
                // The demo's cards died with the process that had them: nothing to ask.
                for (session, _) in std::mem::take(&mut self.unanswered) {
                    self.outbox.add(&session, Outcome::Unknown);
                    self.pending.push((session, Outcome::Unknown));
                }
                self.emit(Event::ReaderReady);
                if reader.has_card() {
                    self.emit(Event::CardPresent(true));
                    self.report_demo_card();
                }
            }
        }
    }

    fn card_event(&mut self, event: CardEvent) {
        match event {
            CardEvent::ReaderReady => self.emit(Event::ReaderReady),
            CardEvent::ReaderLost => {
                self.card = None;
                self.emit(Event::ReaderLost);
            }
            CardEvent::Present(present, reader) => {
                if present {
                    if reader.is_some() {
                        self.reader_name = reader;
                    }
                } else {
                    self.card = None;
                }
                // The app shows the removal screen at once (a restarted kiosk with a card on the
                // reader begins there); the receipt takes a fraction of a second, well before a
                // person reads the screen and reaches for the card.
                self.emit(Event::CardPresent(present));
                if present {
                    self.ask_about_unanswered();
                }
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
            Command::DemoPlace(profile) => self.demo_place(&profile),
            Command::DemoPull => self.demo_pull(),
            Command::Health => {
                let health = crate::diagnostics::health(&self.reader, self.centre.as_ref());
                self.emit(Event::Health(health));
            }
            Command::SelfTest => {
                // Staff mode has no session: the card is free to be looked at.
                self.release();
                let name = match &self.reader {
                    Reader::Pcsc { name } => name.clone().or_else(|| self.reader_name.clone()),
                    Reader::Demo { .. } => None,
                };
                let report = crate::diagnostics::self_test(&self.reader, name, self.deadlines.card);
                self.emit(Event::SelfTest(report));
            }
        }
        self.report_demo_card();
    }

    /// Demo only: tells the panel which card is on the reader and its counters.
    fn report_demo_card(&self) {
        if let Reader::Demo { reader, .. } = &self.reader {
            let card = reader.with_card(|card| DemoCard {
                name: card.name().to_string(),
                auth_tries: card.tries_left(PinId::Auth),
                signing_tries: card.tries_left(PinId::Signing),
            });
            self.emit(Event::DemoCard(card));
        }
    }

    /// Connects to the card now on the reader, with the card deadline.
    fn connect(&mut self) -> Result<(), FlowError> {
        self.card = None;
        let connect: Box<dyn FnOnce() -> Result<Card, TransportError> + Send> = match &self.reader {
            Reader::Pcsc { name } => {
                let name = name
                    .clone()
                    .or_else(|| self.reader_name.clone())
                    .ok_or(FlowError::CardMoved)?;
                Box::new(move || {
                    PcscConnection::open(&name, Sharing::Exclusive)
                        .map(|c| Jpki::new(Box::new(c) as Box<dyn Transport>))
                })
            }
            Reader::Demo { reader, .. } => {
                let reader = reader.clone();
                Box::new(move || {
                    reader
                        .connect()
                        .map(|c| Jpki::new(Box::new(c) as Box<dyn Transport>))
                })
            }
        };
        let card = CardThread::spawn("card", self.deadlines.card, connect)
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
        let centre = self.centre.clone();
        let deadline = self.deadlines.with_centre;
        let journal = OutboxJournal::new(self.outbox.clone(), sent.clone());
        let outcome = self.on_card(deadline, move |card| {
            let result = kiosk_side::reset_recording(
                card,
                centre.as_ref(),
                &session,
                kind,
                &new_pin,
                &journal,
            );
            // The read-back: the card must now accept the new PIN.
            let used = matches!(&result, Ok(c) if c.reservation == ReservationState::Used);
            let confirmed = match &new_pin {
                _ if !used => true,
                Pin::Auth(pin) => card.verify_auth_pin(pin).is_ok(),
                Pin::Signing(pin) => card.verify_signing_pin(pin).is_ok(),
            };
            drop(new_pin);
            Ok((result, confirmed))
        });
        let session = self.session.take();
        let (result, confirmed) = match outcome {
            Ok(pair) => pair,
            // The card thread missed its deadline mid-reset: the card may or may not hold the
            // new PIN; the lease at the centre keeps the reservation from being used twice, and
            // the card's receipt is read when it is seen again.
            Err(error) => {
                if let Some(session) = session {
                    let _ = self.centre.complete(&session, Outcome::Unknown);
                    if self.outbox.load_sent().iter().any(|(s, _)| *s == session) {
                        self.unanswered.push((session, sent));
                    }
                }
                return Err(match error {
                    FlowError::CardMoved | FlowError::CardUnresponsive | FlowError::ReaderFault => {
                        FlowError::Unconfirmed
                    }
                    other => other,
                });
            }
        };
        // Delivered (or refused, which is an answer too): nothing is left to tell the centre.
        if let (Some(session), Ok(_) | Err(StepError::Centre(_))) = (&session, &result) {
            self.outbox.remove(session);
        }
        match result {
            Ok(completed) if completed.reservation == ReservationState::Used && confirmed => Ok(()),
            // The card's own word that it did not take the command: the old PIN stands.
            Ok(completed) if completed.card_unchanged() => Err(FlowError::NotChanged),
            Ok(_) => Err(FlowError::Unconfirmed),
            // The card holds the new PIN; only the centre has not heard yet: keep trying.
            Err(StepError::CompletionPending {
                session,
                outcome: outcome @ Outcome::Card { sw: 0x9000 },
                ..
            }) => {
                self.pending.push((session, outcome));
                Ok(())
            }
            Err(StepError::CompletionPending {
                session, outcome, ..
            }) => {
                self.pending.push((session, outcome));
                // The card's own word that it did not change, or no word the kiosk can judge.
                Err(if kiosk_side::proves_unchanged(outcome) {
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
        if self.unanswered.is_empty() {
            return;
        }
        let answered: Vec<SessionId> = self.outbox.load().into_iter().map(|(s, _)| s).collect();
        let unanswered = std::mem::take(&mut self.unanswered);
        for (session, sent) in unanswered {
            // A card thread given up on may have written the card's answer after all.
            if answered.contains(&session) {
                continue;
            }
            let outcome = self.ask_card_about(&sent);
            self.outbox.add(&session, outcome);
            self.pending.push((session, outcome));
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
        if let Some(session) = self.session.take() {
            let _ = self.centre.complete(&session, Outcome::Unchanged);
        }
        self.auth_certificate = None;
    }

    fn release(&mut self) {
        self.close_session();
        // Dropping the connection resets the card: no verified PIN outlives the session.
        self.card = None;
    }

    fn retry_pending(&mut self) {
        // The outbox is the record: a card thread given up on may have added to it since.
        for (session, outcome) in self.outbox.load() {
            if !self.pending.iter().any(|(s, _)| *s == session) {
                self.pending.push((session, outcome));
            }
        }
        let centre = self.centre.clone();
        let outbox = self.outbox.clone();
        self.pending.retain(
            |(session, outcome)| match centre.complete(session, *outcome) {
                Ok(_) | Err(CentreError::Refused(_)) => {
                    outbox.remove(session);
                    false
                }
                Err(_) => true,
            },
        );
    }

    fn demo_place(&mut self, profile: &str) {
        let Reader::Demo { reader, profiles } = &self.reader else {
            return;
        };
        let Some((_, path)) = profiles.iter().find(|(name, _)| name == profile) else {
            return;
        };
        let kept = self
            .shelf
            .iter()
            .position(|card| card.name() == profile)
            .map(|i| self.shelf.remove(i));
        if let Some(card) = kept.or_else(|| virtual_card::load_card(path).ok()) {
            reader.insert(card);
            let _ = self
                .inputs
                .send(Input::Card(CardEvent::Present(true, None)));
        }
    }

    fn demo_pull(&mut self) {
        let Reader::Demo { reader, .. } = &self.reader else {
            return;
        };
        if let Some(card) = reader.remove() {
            self.shelf.push(card);
            let _ = self
                .inputs
                .send(Input::Card(CardEvent::Present(false, None)));
        }
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

/// The reader events the kiosk cares about, for the configured reader (or any reader when
/// none is configured).
fn translate(event: &ReaderEvent, wanted: Option<&str>) -> Option<CardEvent> {
    let ours = |reader: &str| wanted.is_none_or(|wanted| wanted == reader);
    match event {
        ReaderEvent::ReaderAdded { reader } if ours(reader) => Some(CardEvent::ReaderReady),
        ReaderEvent::ReaderRemoved { reader } if ours(reader) => Some(CardEvent::ReaderLost),
        ReaderEvent::CardInserted { reader, .. } if ours(reader) => {
            Some(CardEvent::Present(true, Some(reader.clone())))
        }
        ReaderEvent::CardRemoved { reader } if ours(reader) => {
            Some(CardEvent::Present(false, Some(reader.clone())))
        }
        ReaderEvent::ServiceLost => Some(CardEvent::ReaderLost),
        _ => None,
    }
}
