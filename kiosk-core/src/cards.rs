//! Where the worker's cards come from: one trait, [`CardSource`], and the kiosk's own source, a
//! PC/SC reader ([`PcscCards`]). The demo's in-process reader of virtual cards implements the
//! same trait in `kiosk-app`'s demo module, so the production worker has no demo branches.

use std::sync::{Arc, Mutex};

use card_driver::jpki::Jpki;
use card_driver::pcsc::{PcscConnection, ReaderEvent, ReaderMonitor, Sharing};
use card_driver::transport::{Transport, TransportError};

/// A card as the worker talks to it.
pub type Card = Jpki<Box<dyn Transport>>;

/// Opens the card on the reader; run on the card thread, where it may block.
pub type Opener = Box<dyn FnOnce() -> Result<Card, TransportError> + Send>;

/// What a source tells the worker of its reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceEvent {
    /// A reader is there and answering.
    ReaderReady,
    /// No reader, or the service behind it is gone.
    ReaderLost,
    /// A card was placed on the reader.
    CardPlaced,
    /// The card was taken off.
    CardTaken,
}

/// The worker's ear for a [`CardSource`]: cloneable, usable from any thread.
#[derive(Clone)]
pub struct SourceEvents(Arc<dyn Fn(SourceEvent) + Send + Sync>);

impl SourceEvents {
    /// An ear that hands each event to `hear` (the worker queues it with the app's commands).
    pub fn new(hear: impl Fn(SourceEvent) + Send + Sync + 'static) -> SourceEvents {
        SourceEvents(Arc::new(hear))
    }

    pub fn send(&self, event: SourceEvent) {
        (self.0)(event);
    }
}

impl std::fmt::Debug for SourceEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SourceEvents")
    }
}

/// What the self-test found on the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardCheck {
    NoCard,
    /// The card's ATR (hex) and whether it selects the JPKI application.
    Answered {
        atr: String,
        jpki: Result<(), String>,
    },
    /// The card could not be reached (or did not answer in time).
    Failed(String),
}

/// A look at the card on the reader for the staff's self-test: which reader, and a check that
/// reads the ATR and selects JPKI-AP (no PIN, no file, no state kept). The worker runs the check
/// on a thread of its own with the card deadline.
pub struct Probe {
    pub reader: String,
    pub check: Box<dyn FnOnce() -> CardCheck + Send>,
}

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Probe")
            .field("reader", &self.reader)
            .finish_non_exhaustive()
    }
}

/// A reader and the cards placed on it, as the worker needs them.
pub trait CardSource: Send + 'static {
    /// Starts telling `events` about the reader and its card. Called once, on the worker thread,
    /// before any other method.
    fn watch(&mut self, events: SourceEvents);
    /// How to open the card now on the reader; `None` if no reader is known to hold one.
    fn opener(&self) -> Option<Opener>;
    /// The readers this source sees, for staff (or why it cannot tell).
    fn readers(&self) -> Result<Vec<String>, String>;
    /// The self-test's look at the card, if there is a reader to look at.
    fn probe(&self) -> Option<Probe>;
    /// Whether a card that took a command in an earlier run of the kiosk can come back to the
    /// reader to be asked for its receipt. A real card can; cards that lived in the kiosk's
    /// own process died with it, so what they were sent stays unknown.
    fn cards_outlive_the_kiosk(&self) -> bool {
        true
    }
}

/// A PC/SC reader through pcscd: the configured one, or the first that shows up.
#[derive(Debug)]
pub struct PcscCards {
    /// `None`: any reader.
    wanted: Option<String>,
    /// The reader a card was last seen in (when none is configured).
    seen: Arc<Mutex<Option<String>>>,
    monitor: Option<ReaderMonitor>,
}

impl PcscCards {
    /// `reader`: the configured reader's name, or `None` for the first one.
    pub fn new(reader: Option<String>) -> PcscCards {
        PcscCards {
            wanted: reader,
            seen: Arc::new(Mutex::new(None)),
            monitor: None,
        }
    }

    fn reader(&self) -> Option<String> {
        self.wanted.clone().or_else(|| {
            self.seen
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone()
        })
    }
}

impl CardSource for PcscCards {
    fn watch(&mut self, events: SourceEvents) {
        let wanted = self.wanted.clone();
        let seen = self.seen.clone();
        self.monitor = Some(ReaderMonitor::start(move |event| {
            if let Some((event, reader)) = translate(&event, wanted.as_deref()) {
                if let (SourceEvent::CardPlaced, Some(reader)) = (&event, reader) {
                    *seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(reader);
                }
                events.send(event);
            }
        }));
    }

    fn opener(&self) -> Option<Opener> {
        let name = self.reader()?;
        Some(Box::new(move || {
            PcscConnection::open(&name, Sharing::Exclusive)
                .map(|c| Jpki::new(Box::new(c) as Box<dyn Transport>))
        }))
    }

    fn readers(&self) -> Result<Vec<String>, String> {
        card_driver::pcsc::list_readers().map_err(|e| e.to_string())
    }

    fn probe(&self) -> Option<Probe> {
        let reader = self.reader()?;
        let name = reader.clone();
        Some(Probe {
            reader,
            check: Box::new(move || pcsc_check(&name)),
        })
    }
}

/// The ATR of the card on reader `name` and whether it selects JPKI-AP; the card is shared, so
/// nothing of it is held.
fn pcsc_check(name: &str) -> CardCheck {
    match PcscConnection::open(name, Sharing::Shared) {
        Ok(connection) => {
            let atr = hex::encode_upper(connection.atr());
            let jpki = Jpki::new(connection)
                .select_application()
                .map_err(|e| e.to_string());
            CardCheck::Answered { atr, jpki }
        }
        Err(TransportError::NoCard) => CardCheck::NoCard,
        Err(error) => CardCheck::Failed(error.to_string()),
    }
}

/// The reader events the kiosk cares about, for the configured reader (or any reader when none
/// is configured), with the reader a card came to or left.
fn translate(event: &ReaderEvent, wanted: Option<&str>) -> Option<(SourceEvent, Option<String>)> {
    let ours = |reader: &str| wanted.is_none_or(|wanted| wanted == reader);
    match event {
        ReaderEvent::ReaderAdded { reader } if ours(reader) => {
            Some((SourceEvent::ReaderReady, None))
        }
        ReaderEvent::ReaderRemoved { reader } if ours(reader) => {
            Some((SourceEvent::ReaderLost, None))
        }
        ReaderEvent::CardInserted { reader, .. } if ours(reader) => {
            Some((SourceEvent::CardPlaced, Some(reader.clone())))
        }
        ReaderEvent::CardRemoved { reader } if ours(reader) => {
            Some((SourceEvent::CardTaken, Some(reader.clone())))
        }
        ReaderEvent::ServiceLost => Some((SourceEvent::ReaderLost, None)),
        _ => None,
    }
}
