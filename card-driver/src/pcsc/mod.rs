//! PC/SC (pcsc-lite) access: card connections, a transport with a deadline on every operation,
//! reader listing, and a reader monitor that survives pcscd restarts.
//!
//! - [`PcscConnection`] talks to the card directly on the caller's thread, with no deadline: it
//!   blocks for as long as pcsc-lite does. Use it inside a [`CardThread`] job.
//! - [`PcscTransport`] is a connection on a [`CardThread`]: every command, or every whole
//!   operation handed over with [`PcscTransport::run`], has a deadline.

use std::ffi::CString;
use std::time::{Duration, Instant};

use crate::card_thread::CardThread;
use crate::transport::{Transport, TransportError};

/// A sensible deadline for one operation: a JPKI RSA-2048 signature takes well under a second
/// on a real card; a card that says nothing for this long is stalled.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(5);

/// How long a connection waits for pcscd to confirm that a card which answered nothing has left:
/// pcscd polls presence every 400 ms.
const REMOVAL_CONFIRMATION: Duration = Duration::from_millis(1200);

/// How the connection holds the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// No other application can talk to the card while it is held (the kiosk's choice: nobody
    /// can slip a command between VERIFY and SIGN).
    Exclusive,
    /// Other applications may use the card too (diagnostics).
    Shared,
}

/// A direct connection to the card in one reader. Blocks for as long as pcsc-lite does.
///
/// Dropping it resets the card (the `pcsc` crate's disposition), so no verified PIN outlives
/// the connection.
pub struct PcscConnection {
    context: pcsc::Context,
    card: pcsc::Card,
    reader: String,
    atr: Vec<u8>,
    buffer: zeroize::Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for PcscConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscConnection")
            .field("reader", &self.reader)
            .field("atr", &self.atr)
            .finish_non_exhaustive()
    }
}

impl PcscConnection {
    /// Connects to the card in `reader` (T=1 or T=0).
    pub fn open(reader: &str, sharing: Sharing) -> Result<PcscConnection, TransportError> {
        let context =
            pcsc::Context::establish(pcsc::Scope::User).map_err(|e| map_error(e, reader))?;
        let name = CString::new(reader)
            .map_err(|_| TransportError::ReaderUnavailable(reader.to_string()))?;
        let mode = match sharing {
            Sharing::Exclusive => pcsc::ShareMode::Exclusive,
            Sharing::Shared => pcsc::ShareMode::Shared,
        };
        let card = context
            .connect(&name, mode, pcsc::Protocols::T1 | pcsc::Protocols::T0)
            .map_err(|e| map_error(e, reader))?;
        let atr = card
            .status2_owned()
            .map(|status| status.atr().to_vec())
            .map_err(|e| map_error(e, reader))?;
        Ok(PcscConnection {
            context,
            card,
            reader: reader.to_string(),
            atr,
            buffer: zeroize::Zeroizing::new(vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED]),
        })
    }

    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// The card's answer to reset.
    pub fn atr(&self) -> &[u8] {
        &self.atr
    }

    /// Whether the card has left the reader, waiting for pcscd's next presence poll if needed.
    fn card_left(&self) -> bool {
        let Ok(name) = CString::new(self.reader.as_str()) else {
            return false;
        };
        let mut states = [pcsc::ReaderState::new(name, pcsc::State::UNAWARE)];
        let deadline = Instant::now() + REMOVAL_CONFIRMATION;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            if self.context.get_status_change(left, &mut states).is_err() {
                return false;
            }
            if !states[0].event_state().contains(pcsc::State::PRESENT) {
                return true;
            }
            states[0].sync_current_state();
        }
        false
    }
}

impl Transport for PcscConnection {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let result = self
            .card
            .transmit(command, &mut self.buffer)
            .map(<[u8]>::to_vec);
        match result {
            // pcsc-lite answers an empty "success" when the card leaves mid-command.
            Ok(answer) if answer.is_empty() && self.card_left() => Err(TransportError::CardRemoved),
            Ok(answer) => Ok(answer),
            Err(pcsc::Error::NotTransacted | pcsc::Error::CommError) if self.card_left() => {
                Err(TransportError::CardRemoved)
            }
            Err(error) => Err(map_error(error, &self.reader)),
        }
    }
}

/// A connection on a thread of its own: every command, or every operation handed over whole
/// with [`PcscTransport::run`], has a deadline.
#[derive(Debug)]
pub struct PcscTransport {
    reader: String,
    atr: Vec<u8>,
    thread: CardThread<PcscConnection>,
}

impl PcscTransport {
    /// Connects to the card in `reader`, waiting at most `deadline` for pcscd and the card;
    /// `deadline` is also the deadline of each later command.
    pub fn connect(
        reader: &str,
        sharing: Sharing,
        deadline: Duration,
    ) -> Result<PcscTransport, TransportError> {
        let name = reader.to_string();
        let mut thread = CardThread::spawn(&format!("pcsc {reader}"), deadline, move || {
            PcscConnection::open(&name, sharing)
        })?;
        let atr = thread.run(deadline, |connection| connection.atr().to_vec())?;
        Ok(PcscTransport {
            reader: reader.to_string(),
            atr,
            thread,
        })
    }

    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// The card's answer to reset, as pcscd reported it at connection.
    pub fn atr(&self) -> &[u8] {
        &self.atr
    }

    /// Runs a whole operation on the card's thread under one deadline; the commands inside go
    /// straight to pcsc-lite.
    pub fn run<R: Send + 'static>(
        &mut self,
        deadline: Duration,
        operation: impl FnOnce(&mut PcscConnection) -> R + Send + 'static,
    ) -> Result<R, TransportError> {
        self.thread.run(deadline, operation)
    }
}

impl Transport for PcscTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.thread.transmit(command)
    }
}

/// The transport error a PC/SC error means.
pub fn map_error(error: pcsc::Error, reader: &str) -> TransportError {
    use pcsc::Error as E;
    match error {
        E::RemovedCard => TransportError::CardRemoved,
        E::NoSmartcard => TransportError::NoCard,
        E::ResetCard => TransportError::CardReset,
        E::SharingViolation => TransportError::CardBusy,
        E::UnresponsiveCard | E::UnpoweredCard | E::UnsupportedCard => {
            TransportError::CardUnresponsive
        }
        E::UnknownReader | E::ReaderUnavailable | E::NoReadersAvailable => {
            TransportError::ReaderUnavailable(reader.to_string())
        }
        E::NoService | E::ServiceStopped | E::Shutdown => TransportError::ServiceUnavailable,
        other => TransportError::Communication(other.to_string()),
    }
}

/// The readers pcscd knows now.
pub fn list_readers() -> Result<Vec<String>, TransportError> {
    let context = pcsc::Context::establish(pcsc::Scope::User).map_err(|e| map_error(e, ""))?;
    match context.list_readers_owned() {
        Ok(readers) => Ok(readers
            .into_iter()
            .map(|name| name.to_string_lossy().into_owned())
            .collect()),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(error) => Err(map_error(error, "")),
    }
}

mod monitor;
pub use monitor::{ReaderEvent, ReaderMonitor};
