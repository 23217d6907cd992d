//! The reader monitor: insertions, removals, readers coming and going, and pcscd itself going
//! away and coming back.

use std::ffi::{CStr, CString};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// What the reader monitor reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderEvent {
    ReaderAdded {
        reader: String,
    },
    /// The reader went away; if a card was in it, `CardRemoved` came first.
    ReaderRemoved {
        reader: String,
    },
    CardInserted {
        reader: String,
        atr: Vec<u8>,
    },
    CardRemoved {
        reader: String,
    },
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
        f.debug_struct("MonitorControl")
            .field("stop", &self.stop)
            .finish_non_exhaustive()
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
        self.control
            .stop
            .store(true, std::sync::atomic::Ordering::SeqCst);
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
fn watch_service(
    context: &pcsc::Context,
    stopped: &dyn Fn() -> bool,
    on_event: &mut dyn FnMut(ReaderEvent),
) {
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
            states = std::iter::once(pcsc::ReaderState::new(
                pcsc::PNP_NOTIFICATION(),
                pcsc::State::UNAWARE,
            ))
            .chain(
                watched
                    .iter()
                    .map(|w| pcsc::ReaderState::new(w.name.clone(), pcsc::State::UNAWARE)),
            )
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
            } else if let Some(reader) = watched
                .iter_mut()
                .find(|w| w.name.as_c_str() == state.name())
            {
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

fn update_reader_list(
    watched: &mut Vec<Watched>,
    names: Vec<CString>,
    on_event: &mut dyn FnMut(ReaderEvent),
) {
    watched.retain(|reader| {
        let still_there = names.contains(&reader.name);
        if !still_there {
            let name = display(&reader.name);
            if reader.card_present {
                on_event(ReaderEvent::CardRemoved {
                    reader: name.clone(),
                });
            }
            on_event(ReaderEvent::ReaderRemoved { reader: name });
        }
        still_there
    });
    for name in names {
        if !watched.iter().any(|w| w.name == name) {
            on_event(ReaderEvent::ReaderAdded {
                reader: display(&name),
            });
            watched.push(Watched {
                name,
                card_present: false,
            });
        }
    }
}

fn report_card_change(
    reader: &mut Watched,
    state: &pcsc::ReaderState,
    on_event: &mut dyn FnMut(ReaderEvent),
) {
    let event = state.event_state();
    let present = event.contains(pcsc::State::PRESENT) && !event.contains(pcsc::State::MUTE);
    // pcsc-lite counts card events in the upper 16 bits: a card swapped between two polls shows as
    // "present, then present" with a new count. (The count is 0 on the first wait, from UNAWARE.)
    let previous_count = (state.current_state().bits() >> 16) as u32;
    let swapped = present
        && reader.card_present
        && previous_count != 0
        && state.event_count() != previous_count;
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
