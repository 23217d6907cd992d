//! What staff can check of the machine in maintenance mode: the PC/SC service and its readers,
//! the centre, and a reader self-test (ATR, SELECT of the JPKI application, never a PIN).
//! Runs on the worker thread; anything that touches a card has a deadline.

use std::sync::mpsc::channel;
use std::time::Duration;

use card_driver::jpki::Jpki;
use card_driver::pcsc::{PcscConnection, Sharing};
use reset_center::ResetCentre;

use crate::worker::Reader;

/// The name the demo's in-process reader is shown under.
pub const DEMO_READER: &str = "DEMO in-process virtual reader";

/// The machine's parts as staff see them (nothing about any holder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// The readers the PC/SC service lists, or why it cannot be asked.
    pub readers: Result<Vec<String>, String>,
    /// Whether the centre answers and knows this kiosk (its maintenance flag), or why not.
    pub centre: Result<bool, String>,
}

/// The reader self-test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfTest {
    pub readers: Result<Vec<String>, String>,
    /// The reader tested (the configured one, or the one a card was last seen in).
    pub reader: Option<String>,
    pub card: CardCheck,
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

pub fn readers(reader: &Reader) -> Result<Vec<String>, String> {
    match reader {
        Reader::Pcsc { .. } => card_driver::pcsc::list_readers().map_err(|e| e.to_string()),
        Reader::Demo { .. } => Ok(vec![DEMO_READER.to_string()]),
    }
}

pub fn health(reader: &Reader, centre: &dyn ResetCentre) -> Health {
    Health {
        readers: readers(reader),
        centre: centre.health().map_err(|e| e.to_string()),
    }
}

/// Lists the readers, and if a card is on `reader_name` reads its ATR and selects JPKI-AP.
/// The card is left as it was: no PIN, no file read, no state kept.
pub fn self_test(reader: &Reader, reader_name: Option<String>, deadline: Duration) -> SelfTest {
    let readers = readers(reader);
    let (name, card) = match reader {
        Reader::Pcsc { .. } => match reader_name.clone() {
            Some(name) => (
                Some(name.clone()),
                with_deadline(deadline, move || pcsc_check(&name)),
            ),
            None => (None, CardCheck::NoCard),
        },
        Reader::Demo { reader, .. } => {
            let reader = reader.clone();
            (
                Some(DEMO_READER.to_string()),
                with_deadline(deadline, move || demo_check(&reader)),
            )
        }
    };
    SelfTest {
        readers,
        reader: name,
        card,
    }
}

fn pcsc_check(name: &str) -> CardCheck {
    match PcscConnection::open(name, Sharing::Shared) {
        Ok(connection) => {
            let atr = hex::encode_upper(connection.atr());
            let jpki = Jpki::new(connection)
                .select_application()
                .map_err(|e| e.to_string());
            CardCheck::Answered { atr, jpki }
        }
        Err(card_driver::transport::TransportError::NoCard) => CardCheck::NoCard,
        Err(error) => CardCheck::Failed(error.to_string()),
    }
}

fn demo_check(reader: &virtual_card::InProcessReader) -> CardCheck {
    let Some(atr) = reader.with_card(|card| hex::encode_upper(card.atr())) else {
        return CardCheck::NoCard;
    };
    match reader.connect() {
        Ok(transport) => CardCheck::Answered {
            atr,
            jpki: Jpki::new(transport)
                .select_application()
                .map_err(|e| e.to_string()),
        },
        Err(error) => CardCheck::Failed(error.to_string()),
    }
}

/// Runs `check` on its own thread: a stalled card must not stall the worker.
fn with_deadline(
    deadline: Duration,
    check: impl FnOnce() -> CardCheck + Send + 'static,
) -> CardCheck {
    let (tx, rx) = channel();
    let started = std::thread::Builder::new()
        .name("self-test".to_string())
        .spawn(move || {
            let _ = tx.send(check());
        });
    if let Err(error) = started {
        return CardCheck::Failed(error.to_string());
    }
    rx.recv_timeout(deadline)
        .unwrap_or_else(|_| CardCheck::Failed(format!("no answer within {deadline:?}")))
}
