//! The virtual card in the same process: a reader slot that holds at most one card, and a
//! transport to it. For the demo (no pcscd at all) and for unit tests.
//!
//! It behaves like a PC/SC reader where it matters: connecting powers the card up (a new
//! session), a card pulled while connected makes the next command fail with `CardRemoved`, and
//! dropping the transport resets the card as the `pcsc` crate does.

use std::sync::{Arc, Mutex, MutexGuard};

use card_driver::transport::{Transport, TransportError};

use crate::card::{PowerEvent, VirtualCard};

/// A reader slot. Clones share the slot.
#[derive(Debug, Clone, Default)]
pub struct InProcessReader {
    slot: Arc<Mutex<Slot>>,
}

#[derive(Debug, Default)]
struct Slot {
    card: Option<VirtualCard>,
    /// Counts insertions, so a transport notices its card was swapped for another.
    insertion: u64,
}

impl InProcessReader {
    pub fn new() -> InProcessReader {
        InProcessReader::default()
    }

    /// Puts a card in the reader (pulling any card that was there).
    pub fn insert(&self, mut card: VirtualCard) {
        card.power(PowerEvent::On);
        let mut slot = self.lock();
        slot.card = Some(card);
        slot.insertion += 1;
    }

    /// Takes the card out; it keeps its PINs and counters, to be inserted again.
    pub fn remove(&self) -> Option<VirtualCard> {
        let mut card = self.lock().card.take()?;
        card.power(PowerEvent::Off);
        Some(card)
    }

    pub fn has_card(&self) -> bool {
        self.lock().card.is_some()
    }

    /// Runs `f` on the card in the reader, if any (e.g. to read its counters in a test).
    pub fn with_card<R>(&self, f: impl FnOnce(&mut VirtualCard) -> R) -> Option<R> {
        self.lock().card.as_mut().map(f)
    }

    /// Connects to the card now in the reader, starting a new card session.
    pub fn connect(&self) -> Result<InProcessTransport, TransportError> {
        let mut slot = self.lock();
        let insertion = slot.insertion;
        let card = slot.card.as_mut().ok_or(TransportError::NoCard)?;
        card.power(PowerEvent::Reset);
        Ok(InProcessTransport {
            reader: self.clone(),
            insertion,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Slot> {
        // A panic while holding the lock leaves a card in a consistent state (every command is
        // applied whole), so a poisoned lock is still usable.
        self.slot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A connection to the card that was in an [`InProcessReader`] when it was made.
#[derive(Debug)]
pub struct InProcessTransport {
    reader: InProcessReader,
    insertion: u64,
}

impl Transport for InProcessTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut slot = self.reader.lock();
        if slot.insertion != self.insertion {
            return Err(TransportError::CardRemoved);
        }
        let card = slot.card.as_mut().ok_or(TransportError::CardRemoved)?;
        Ok(card.process(command))
    }
}

impl Drop for InProcessTransport {
    fn drop(&mut self) {
        let mut slot = self.reader.lock();
        if slot.insertion == self.insertion
            && let Some(card) = slot.card.as_mut()
        {
            card.power(PowerEvent::Reset);
        }
    }
}
