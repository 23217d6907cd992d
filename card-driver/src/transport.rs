//! The one thing the JPKI layer needs from a reader: send a command APDU, get the response bytes.
//!
//! Implemented over pcsc-lite ([`crate::pcsc`]), by the in-process virtual card, and by test
//! doubles, so the same applet code runs on all of them.

use std::time::Duration;

/// A channel to one card.
pub trait Transport: Send {
    /// Sends one command APDU and returns the raw response (data + SW1 SW2).
    ///
    /// The response may be malformed (e.g. empty): the caller checks it.
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
}

/// Why a command did not reach the card or its answer did not come back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("the card was removed from the reader")]
    CardRemoved,
    #[error("there is no card in the reader")]
    NoCard,
    #[error("the card was reset by another application; its security state is lost")]
    CardReset,
    #[error("the card is in use by another application")]
    CardBusy,
    #[error("the card does not respond (no answer to reset)")]
    CardUnresponsive,
    #[error("the card did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the reader {0:?} is not available")]
    ReaderUnavailable(String),
    #[error("the PC/SC service (pcscd) is not running")]
    ServiceUnavailable,
    #[error("card communication failed: {0}")]
    Communication(String),
}

/// A transport wrapper that counts the commands sent and keeps their headers (CLA INS P1 P2 and
/// the data length, never the data): for APDU-count benchmarks and for tests that must prove a
/// command was *not* sent.
#[derive(Debug)]
pub struct Recording<T> {
    inner: T,
    headers: Vec<CommandHeader>,
}

/// The non-secret part of a command APDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandHeader {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    /// Length of everything after the header (Lc, data, Le).
    pub body_len: usize,
}

impl CommandHeader {
    pub fn of(command: &[u8]) -> CommandHeader {
        let byte = |i: usize| command.get(i).copied().unwrap_or(0);
        CommandHeader {
            cla: byte(0),
            ins: byte(1),
            p1: byte(2),
            p2: byte(3),
            body_len: command.len().saturating_sub(4),
        }
    }

    /// A VERIFY that carries a PIN (as opposed to the empty VERIFY that reads the counter).
    pub fn is_verify_with_data(&self) -> bool {
        self.ins == 0x20 && self.body_len > 1
    }
}

impl<T> Recording<T> {
    pub fn new(inner: T) -> Self {
        Recording {
            inner,
            headers: Vec::new(),
        }
    }

    pub fn headers(&self) -> &[CommandHeader] {
        &self.headers
    }

    pub fn count(&self) -> usize {
        self.headers.len()
    }

    /// Forgets what was recorded so far.
    pub fn reset(&mut self) {
        self.headers.clear();
    }

    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: Transport> Transport for Recording<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.headers.push(CommandHeader::of(command));
        self.inner.transmit(command)
    }
}
