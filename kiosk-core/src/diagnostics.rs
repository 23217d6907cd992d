//! What staff can check of the machine in maintenance mode: the PC/SC service and its readers,
//! the centre, and a reader self-test (ATR, SELECT of the JPKI application, never a PIN).
//! Runs on the worker thread; anything that touches a card has a deadline.

use std::sync::mpsc::channel;
use std::time::Duration;

use reset_protocol::ResetCentre;

pub use crate::cards::CardCheck;
use crate::cards::CardSource;

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

pub fn health(cards: &dyn CardSource, centre: &dyn ResetCentre) -> Health {
    Health {
        readers: cards.readers(),
        centre: centre.health().map_err(|e| e.to_string()),
    }
}

/// Lists the readers, and if a card is on the reader in use reads its ATR and selects JPKI-AP
/// with `deadline`. The card is left as it was: no PIN, no file read, no state kept.
pub fn self_test(cards: &dyn CardSource, deadline: Duration) -> SelfTest {
    let readers = cards.readers();
    let (reader, card) = match cards.probe() {
        Some(probe) => (Some(probe.reader), with_deadline(deadline, probe.check)),
        None => (None, CardCheck::NoCard),
    };
    SelfTest {
        readers,
        reader,
        card,
    }
}

/// Runs `check` on its own thread: a stalled card must not stall the worker.
fn with_deadline(deadline: Duration, check: Box<dyn FnOnce() -> CardCheck + Send>) -> CardCheck {
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
