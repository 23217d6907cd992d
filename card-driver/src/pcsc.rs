//! PC/SC (pcsc-lite) access: a card transport with a deadline on every operation, reader
//! listing, and a reader monitor that survives pcscd restarts.
//!
//! pcsc-lite has no transmit timeout: a stalled card blocks `SCardTransmit` for ever. So each
//! [`PcscTransport`] owns its PC/SC context and card handle on a thread of its own, and the caller
//! waits for an answer only until the deadline. A transport whose card missed a deadline is
//! abandoned: its thread ends when pcsc-lite lets go (the card answers or is pulled), and the
//! caller reconnects.

use std::ffi::{CStr, CString};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::transport::{Transport, TransportError};

/// A sensible deadline for one APDU: a JPKI RSA-2048 signature takes well under a second on a
/// real card; a card that says nothing for this long is stalled.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(5);

/// How the transport holds the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// No other application can talk to the card while it is held (the kiosk's choice: nobody
    /// can slip a command between VERIFY and SIGN).
    Exclusive,
    /// Other applications may use the card too (diagnostics).
    Shared,
}

/// A connection to the card in one reader.
#[derive(Debug)]
pub struct PcscTransport {
    reader: String,
    atr: Vec<u8>,
    deadline: Duration,
    requests: Option<mpsc::Sender<Zeroizing<Vec<u8>>>>,
    replies: mpsc::Receiver<Result<Vec<u8>, TransportError>>,
    thread: Option<thread::JoinHandle<()>>,
    /// Set once the card missed a deadline: its thread may still be blocked in pcsc-lite.
    abandoned: bool,
}

/// How long the transport waits for pcscd to confirm that a card which answered nothing has
/// left: pcscd polls presence every 400 ms.
const REMOVAL_CONFIRMATION: Duration = Duration::from_millis(1200);

impl PcscTransport {
    /// Connects to the card in `reader` (T=1 or T=0), waiting at most `deadline` for pcscd and the
    /// card, and using `deadline` for every later command too.
    pub fn connect(reader: &str, sharing: Sharing, deadline: Duration) -> Result<PcscTransport, TransportError> {
        let (request_tx, request_rx) = mpsc::channel::<Zeroizing<Vec<u8>>>();
        let (reply_tx, reply_rx) = mpsc::channel();
        let (connected_tx, connected_rx) = mpsc::channel();
        let reader_name = reader.to_string();
        let thread = thread::Builder::new()
            .name(format!("pcsc {reader}"))
            .spawn(move || {
                let connection = match Connection::open(&reader_name, sharing) {
                    Ok(connection) => {
                        let _ = connected_tx.send(Ok(connection.atr.clone()));
                        connection
                    }
                    Err(error) => {
                        let _ = connected_tx.send(Err(error));
                        return;
                    }
                };
                connection.serve(&request_rx, &reply_tx);
            })
            .map_err(|e| TransportError::Communication(format!("cannot start the card thread: {e}")))?;
        let atr = match connected_rx.recv_timeout(deadline) {
            Ok(result) => result?,
            Err(mpsc::RecvTimeoutError::Timeout) => return Err(TransportError::Timeout(deadline)),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(TransportError::Communication("the card thread ended".to_string()));
            }
        };
        Ok(PcscTransport {
            reader: reader.to_string(),
            atr,
            deadline,
            requests: Some(request_tx),
            replies: reply_rx,
            thread: Some(thread),
            abandoned: false,
        })
    }

    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// The card's answer to reset, as pcscd reported it at connection.
    pub fn atr(&self) -> &[u8] {
        &self.atr
    }

    pub fn deadline(&self) -> Duration {
        self.deadline
    }
}

impl Transport for PcscTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if self.abandoned {
            return Err(TransportError::CardUnresponsive);
        }
        let sent = self
            .requests
            .as_ref()
            .is_some_and(|requests| requests.send(Zeroizing::new(command.to_vec())).is_ok());
        if !sent {
            return Err(TransportError::Communication("the card thread ended".to_string()));
        }
        match self.replies.recv_timeout(self.deadline) {
            Ok(reply) => reply,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                self.abandoned = true;
                Err(TransportError::Timeout(self.deadline))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                Err(TransportError::Communication("the card thread ended".to_string()))
            }
        }
    }
}

impl Drop for PcscTransport {
    /// Releases the card before returning, so the next connection to it is not refused as a
    /// sharing violation; a card thread stuck past its deadline is left to end by itself.
    fn drop(&mut self) {
        self.requests = None;
        if let Some(thread) = self.thread.take()
            && !self.abandoned
        {
            let _ = thread.join();
        }
    }
}

/// The card thread's side: the PC/SC context and card handle, used only on that thread.
struct Connection {
    context: pcsc::Context,
    card: pcsc::Card,
    reader: String,
    atr: Vec<u8>,
}

impl Connection {
    fn open(reader: &str, sharing: Sharing) -> Result<Connection, TransportError> {
        let context = pcsc::Context::establish(pcsc::Scope::User).map_err(|e| map_error(e, reader))?;
        let name = CString::new(reader).map_err(|_| TransportError::ReaderUnavailable(reader.to_string()))?;
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
        Ok(Connection {
            context,
            card,
            reader: reader.to_string(),
            atr,
        })
    }

    /// One command in, one answer out, until the transport is dropped; then the card is reset
    /// on the way out, which drops any verified PIN state.
    fn serve(self, requests: &mpsc::Receiver<Zeroizing<Vec<u8>>>, replies: &mpsc::Sender<Result<Vec<u8>, TransportError>>) {
        let mut buffer = Zeroizing::new(vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED]);
        while let Ok(command) = requests.recv() {
            let reply = self.transmit(&command, &mut buffer);
            if replies.send(reply).is_err() {
                break;
            }
        }
        let _ = self.card.disconnect(pcsc::Disposition::ResetCard);
    }

    fn transmit(&self, command: &[u8], buffer: &mut [u8]) -> Result<Vec<u8>, TransportError> {
        match self.card.transmit(command, buffer) {
            // pcsc-lite answers an empty "success" when the card leaves mid-command.
            Ok([]) if self.card_left() => Err(TransportError::CardRemoved),
            Ok(answer) => Ok(answer.to_vec()),
            Err(pcsc::Error::NotTransacted | pcsc::Error::CommError) if self.card_left() => {
                Err(TransportError::CardRemoved)
            }
            Err(error) => Err(map_error(error, &self.reader)),
        }
    }

    /// Whether the card has left the reader, waiting for pcscd's next presence poll if needed.
    fn card_left(&self) -> bool {
        let Ok(name) = CString::new(self.reader.as_str()) else {
            return false;
        };
        let mut states = [pcsc::ReaderState::new(name, pcsc::State::UNAWARE)];
        let deadline = std::time::Instant::now() + REMOVAL_CONFIRMATION;
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
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

/// The transport error a PC/SC error means.
pub fn map_error(error: pcsc::Error, reader: &str) -> TransportError {
    use pcsc::Error as E;
    match error {
        E::RemovedCard => TransportError::CardRemoved,
        E::NoSmartcard => TransportError::NoCard,
        E::ResetCard => TransportError::CardReset,
        E::SharingViolation => TransportError::CardBusy,
        E::UnresponsiveCard | E::UnpoweredCard | E::UnsupportedCard => TransportError::CardUnresponsive,
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

/// What the reader monitor reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderEvent {
    ReaderAdded { reader: String },
    /// The reader went away; if a card was in it, `CardRemoved` came first.
    ReaderRemoved { reader: String },
    CardInserted { reader: String, atr: Vec<u8> },
    CardRemoved { reader: String },
    /// pcscd stopped answering. Every reader and card is unknown until `ServiceBack`, after which
    /// each reader and card present is reported again.
    ServiceLost,
    ServiceBack,
}

/// Watches every reader for insertions and removals, on a thread of its own, and reconnects to
/// pcscd by itself when it restarts. Stops when dropped.
#[derive(Debug)]
pub struct ReaderMonitor {
    control: std::sync::Arc<MonitorControl>,
    thread: Option<thread::JoinHandle<()>>,
}

#[derive(Default)]
struct MonitorControl {
    stop: std::sync::atomic::AtomicBool,
    context: std::sync::Mutex<Option<pcsc::Context>>,
}

impl std::fmt::Debug for MonitorControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MonitorControl").field("stop", &self.stop).finish_non_exhaustive()
    }
}

/// How long the monitor waits between attempts to reach a stopped pcscd.
const SERVICE_RETRY: Duration = Duration::from_millis(200);
/// How long one status-change wait lasts before the monitor looks at its stop flag; the wait also
/// ends at once on a reader or card event or a cancel.
const WAIT_SLICE: Duration = Duration::from_secs(2);

impl ReaderMonitor {
    /// Starts the monitor; `on_event` runs on the monitor's thread for every event.
    pub fn start(on_event: impl FnMut(ReaderEvent) + Send + 'static) -> ReaderMonitor {
        let control = std::sync::Arc::new(MonitorControl::default());
        let thread_control = control.clone();
        let thread = thread::Builder::new()
            .name("pcsc monitor".to_string())
            .spawn(move || watch(&thread_control, on_event))
            .ok();
        ReaderMonitor { control, thread }
    }

    /// Starts the monitor with its events sent to a channel.
    pub fn start_with_channel() -> (ReaderMonitor, mpsc::Receiver<ReaderEvent>) {
        let (tx, rx) = mpsc::channel();
        let monitor = ReaderMonitor::start(move |event| {
            let _ = tx.send(event);
        });
        (monitor, rx)
    }
}

impl Drop for ReaderMonitor {
    fn drop(&mut self) {
        self.control.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Ok(context) = self.control.context.lock()
            && let Some(context) = context.as_ref()
        {
            let _ = context.cancel();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the monitor last reported of one reader.
struct Watched {
    name: CString,
    card_present: bool,
}

fn watch(control: &MonitorControl, mut on_event: impl FnMut(ReaderEvent)) {
    let stopped = || control.stop.load(std::sync::atomic::Ordering::SeqCst);
    let mut service_lost = false;
    while !stopped() {
        let context = match pcsc::Context::establish(pcsc::Scope::User) {
            Ok(context) => context,
            Err(_) => {
                if !service_lost {
                    service_lost = true;
                    on_event(ReaderEvent::ServiceLost);
                }
                thread::sleep(SERVICE_RETRY);
                continue;
            }
        };
        if let Ok(mut slot) = control.context.lock() {
            *slot = Some(context.clone());
        }
        if service_lost {
            service_lost = false;
            on_event(ReaderEvent::ServiceBack);
        }
        // Returns when pcscd goes away (or on stop); the outer loop then reconnects.
        watch_service(&context, &stopped, &mut on_event);
        if let Ok(mut slot) = control.context.lock() {
            *slot = None;
        }
        if !stopped() {
            service_lost = true;
            on_event(ReaderEvent::ServiceLost);
            thread::sleep(SERVICE_RETRY);
        }
    }
}

/// Watches readers through one PC/SC context until the service is lost or the monitor stops.
fn watch_service(context: &pcsc::Context, stopped: &dyn Fn() -> bool, on_event: &mut dyn FnMut(ReaderEvent)) {
    let mut watched: Vec<Watched> = Vec::new();
    let mut states: Vec<pcsc::ReaderState> = Vec::new();
    let mut readers_changed = true;
    while !stopped() {
        if readers_changed {
            readers_changed = false;
            match current_readers(context) {
                Ok(names) => update_reader_list(&mut watched, names, on_event),
                Err(_) => return,
            }
            states = std::iter::once(pcsc::ReaderState::new(pcsc::PNP_NOTIFICATION(), pcsc::State::UNAWARE))
                .chain(watched.iter().map(|w| pcsc::ReaderState::new(w.name.clone(), pcsc::State::UNAWARE)))
                .collect();
        }
        match context.get_status_change(WAIT_SLICE, &mut states) {
            Ok(()) => {}
            Err(pcsc::Error::Timeout | pcsc::Error::Cancelled) => continue,
            Err(pcsc::Error::UnknownReader) => {
                readers_changed = true;
                continue;
            }
            Err(_) => return,
        }
        for state in &mut states {
            if state.name() == pcsc::PNP_NOTIFICATION() {
                if state.event_state().contains(pcsc::State::CHANGED) {
                    readers_changed = true;
                }
            } else if let Some(reader) = watched.iter_mut().find(|w| w.name.as_c_str() == state.name()) {
                report_card_change(reader, state, on_event);
            }
            state.sync_current_state();
        }
    }
}

fn current_readers(context: &pcsc::Context) -> Result<Vec<CString>, pcsc::Error> {
    match context.list_readers_owned() {
        Ok(readers) => Ok(readers),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(error) => Err(error),
    }
}

fn update_reader_list(watched: &mut Vec<Watched>, names: Vec<CString>, on_event: &mut dyn FnMut(ReaderEvent)) {
    watched.retain(|reader| {
        let still_there = names.contains(&reader.name);
        if !still_there {
            let name = display(&reader.name);
            if reader.card_present {
                on_event(ReaderEvent::CardRemoved { reader: name.clone() });
            }
            on_event(ReaderEvent::ReaderRemoved { reader: name });
        }
        still_there
    });
    for name in names {
        if !watched.iter().any(|w| w.name == name) {
            on_event(ReaderEvent::ReaderAdded { reader: display(&name) });
            watched.push(Watched {
                name,
                card_present: false,
            });
        }
    }
}

fn report_card_change(reader: &mut Watched, state: &pcsc::ReaderState, on_event: &mut dyn FnMut(ReaderEvent)) {
    let event = state.event_state();
    let present = event.contains(pcsc::State::PRESENT) && !event.contains(pcsc::State::MUTE);
    // pcsc-lite counts card events in the upper 16 bits: a card swapped between two polls shows as
    // "present, then present" with a new count. (The count is 0 on the first wait, from UNAWARE.)
    let previous_count = (state.current_state().bits() >> 16) as u32;
    let swapped = present && reader.card_present && previous_count != 0 && state.event_count() != previous_count;
    if swapped || (!present && reader.card_present) {
        reader.card_present = false;
        on_event(ReaderEvent::CardRemoved {
            reader: display(&reader.name),
        });
    }
    if present && !reader.card_present {
        reader.card_present = true;
        on_event(ReaderEvent::CardInserted {
            reader: display(&reader.name),
            atr: state.atr().to_vec(),
        });
    }
}

fn display(name: &CStr) -> String {
    name.to_string_lossy().into_owned()
}
