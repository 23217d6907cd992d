//! The virtual card plugged into vpcd (the vsmartcard virtual reader driver of pcscd), with a
//! control socket through which tests pull and re-insert the card and make it misbehave.
//!
//! Wire protocol (both ways): a 2-byte big-endian length, then that many bytes. One byte from
//! vpcd is a control code (00 power off, 01 power on, 02 reset: no reply; 04 get ATR: reply the
//! ATR); two or more bytes are a command APDU, answered by exactly one frame. An empty frame
//! would tell vpcd the card is gone, so the card never sends one.
//!
//! With a [`TimingProfile`] the card answers each command, and comes back from each power-on
//! or reset, as late as a real card behind a contactless reader would: pcscd and the kiosk see
//! the latency. Every exchange goes into the card's [`Ledger`] either way (`timing` on the
//! control socket).

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use crate::card::{PinId, PowerEvent, VirtualCard};
use crate::profile::Profile;
use crate::timing::{Cost, Ledger, Operation, TimingProfile};

const POWER_OFF: u8 = 0x00;
const POWER_ON: u8 = 0x01;
const RESET: u8 = 0x02;
const GET_ATR: u8 = 0x04;
/// How often the card retries reaching vpcd when it is not listening (pcscd not started yet, or
/// restarting).
const RECONNECT_INTERVAL: Duration = Duration::from_millis(50);
/// How long the card stays out after leaving vpcd. pcscd polls presence every 400 ms: a card
/// back sooner could look as if it had never left, and a swap would go unseen.
const MIN_TIME_OUT: Duration = Duration::from_millis(600);

/// A way for the card to misbehave on one command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// Close the connection without answering: the card is pulled mid-command. It stays out
    /// until `insert`.
    Drop,
    /// Answer only after this long (a stalled card).
    Stall(Duration),
    /// Answer bytes that are not a JPKI answer, without executing the command.
    Garbage,
    /// Answer a single byte, without executing the command.
    OneByte,
    /// Answer this status word alone, without executing the command.
    StatusWord(u16),
}

/// A fault armed for the command after `skip` more commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    pub skip: u32,
}

/// The card and what the control socket can change about it.
#[derive(Debug)]
struct State {
    card: VirtualCard,
    inserted: bool,
    faults: VecDeque<Fault>,
    /// A handle on the live vpcd connection, to cut it from the control thread.
    connection: Option<TcpStream>,
    commands: u64,
    /// What the card held each exchange for.
    ledger: Ledger,
}

/// A virtual card that connects to vpcd.
#[derive(Debug, Clone)]
pub struct VpcdCard {
    shared: Arc<(Mutex<State>, Condvar)>,
    verbose: bool,
    /// `None`: the card answers at once.
    timing: Option<Arc<TimingProfile>>,
}

/// When a frame from vpcd arrived, on both clocks: the monotonic one to wait on, the wall clock
/// for the ledger (comparable with other processes').
#[derive(Debug, Clone, Copy)]
struct Arrival {
    at: Instant,
    wall: SystemTime,
}

impl Arrival {
    fn now() -> Arrival {
        Arrival {
            at: Instant::now(),
            wall: SystemTime::now(),
        }
    }
}

impl VpcdCard {
    pub fn new(card: VirtualCard, verbose: bool) -> VpcdCard {
        let state = State {
            card,
            inserted: true,
            faults: VecDeque::new(),
            connection: None,
            commands: 0,
            ledger: Ledger::default(),
        };
        VpcdCard {
            shared: Arc::new((Mutex::new(state), Condvar::new())),
            verbose,
            timing: None,
        }
    }

    /// The card with a timing profile (`None`: answers at once, the default).
    pub fn with_timing(mut self, timing: Option<TimingProfile>) -> VpcdCard {
        self.timing = timing.map(Arc::new);
        self
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Plays the card for vpcd at `address` for ever: connects whenever the card is inserted,
    /// and again after vpcd goes away (pcscd restarted).
    pub fn run(&self, address: &str) -> io::Result<()> {
        let mut waiting_reported = false;
        loop {
            self.wait_until_inserted();
            let stream = match connect(address) {
                Ok(stream) => stream,
                Err(error) => {
                    if !waiting_reported {
                        eprintln!("virtual-card: waiting for vpcd at {address} ({error})");
                        waiting_reported = true;
                    }
                    thread::sleep(RECONNECT_INTERVAL);
                    continue;
                }
            };
            waiting_reported = false;
            {
                let mut state = self.lock();
                if !state.inserted {
                    continue;
                }
                state.connection = stream.try_clone().ok();
            }
            eprintln!("virtual-card: inserted into vpcd at {address}");
            let outcome = self.serve(stream);
            {
                let mut state = self.lock();
                state.connection = None;
                state.card.power(PowerEvent::Off);
                match outcome {
                    Ok(()) => eprintln!("virtual-card: vpcd closed the connection"),
                    Err(error) if !state.inserted => eprintln!("virtual-card: pulled ({error})"),
                    Err(error) => eprintln!("virtual-card: connection lost: {error}"),
                }
            }
            thread::sleep(MIN_TIME_OUT);
        }
    }

    fn wait_until_inserted(&self) {
        let (_, condvar) = &*self.shared;
        let mut state = self.lock();
        while !state.inserted {
            state = condvar
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    /// Answers vpcd until it hangs up or the card is pulled.
    fn serve(&self, mut stream: TcpStream) -> io::Result<()> {
        loop {
            let Some(frame) = read_frame(&stream)? else {
                return Ok(());
            };
            let arrival = Arrival::now();
            match frame.as_slice() {
                [POWER_OFF] => self.lock().card.power(PowerEvent::Off),
                // A contactless card powered on or reset is activated again before vpcd's next
                // frame (the ATR request) can be answered.
                [event @ (POWER_ON | RESET)] => {
                    let event = if *event == POWER_ON {
                        PowerEvent::On
                    } else {
                        PowerEvent::Reset
                    };
                    self.lock().card.power(event);
                    let cost = self.timing.as_ref().map(|t| t.activation_cost());
                    self.hold(arrival, Operation::Activation, cost)?;
                }
                [GET_ATR] => {
                    let atr = self.lock().card.atr().to_vec();
                    write_frame(&mut stream, &atr)?;
                }
                [other] => eprintln!("virtual-card: unknown vpcd control byte {other:02X}"),
                command => {
                    let Some(reply) = self.answer(command)? else {
                        let _ = stream.shutdown(Shutdown::Both);
                        return Err(io::Error::new(
                            io::ErrorKind::ConnectionAborted,
                            "dropped mid-command",
                        ));
                    };
                    let (operation, cost) = match &self.timing {
                        Some(timing) => {
                            let (operation, cost) = timing.command_cost(command, &reply);
                            (operation, Some(cost))
                        }
                        None => (Operation::of(command), None),
                    };
                    self.hold(arrival, operation, cost)?;
                    write_frame(&mut stream, &reply)?;
                }
            }
        }
    }

    /// The reply to one command, after any armed fault; `None` when the card drops out.
    fn answer(&self, command: &[u8]) -> io::Result<Option<Vec<u8>>> {
        let fault = {
            let mut state = self.lock();
            state.commands += 1;
            next_fault(&mut state.faults)
        };
        if self.verbose {
            let header: Vec<String> = command.iter().take(4).map(|b| format!("{b:02X}")).collect();
            eprintln!(
                "virtual-card: <- {} (+{} bytes)",
                header.join(" "),
                command.len().saturating_sub(4)
            );
        }
        match fault {
            None => Ok(Some(self.lock().card.process(command))),
            Some(FaultKind::Drop) => {
                self.lock().inserted = false;
                Ok(None)
            }
            Some(FaultKind::Stall(duration)) => {
                if !self.stall(duration) {
                    return Ok(None);
                }
                Ok(Some(self.lock().card.process(command)))
            }
            Some(FaultKind::Garbage) => Ok(Some(vec![0xDE, 0xAD, 0xBE, 0xEF, 0x5A])),
            Some(FaultKind::OneByte) => Ok(Some(vec![0x90])),
            Some(FaultKind::StatusWord(sw)) => Ok(Some(sw.to_be_bytes().to_vec())),
        }
    }

    /// Keeps the frame that arrived at `arrival` until the model's `cost` has passed since (the
    /// virtual card's own work counts within it), and enters the card's time in the ledger: the
    /// model's cost, or the virtual card's own work where that took longer (or there is no
    /// model). What the wait oversleeps is the test rig's, not the card's: it is left out, so it
    /// counts against the software in a benchmark. A card pulled meanwhile does not answer: the
    /// command took effect, its answer is lost.
    fn hold(&self, arrival: Arrival, operation: Operation, cost: Option<Cost>) -> io::Result<()> {
        let own_work = arrival.at.elapsed();
        let (card_time, still_in) = match cost {
            Some(cost) => (
                own_work.max(cost.total()),
                self.wait_until(arrival.at + cost.total()),
            ),
            None => (own_work, true),
        };
        self.lock()
            .ledger
            .record(operation, arrival.wall, card_time);
        if still_in {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "pulled while the card worked",
            ))
        }
    }

    /// Waits `duration`, or less if the card is pulled meanwhile (then returns false).
    fn stall(&self, duration: Duration) -> bool {
        self.wait_until(Instant::now() + duration)
    }

    /// Waits until `deadline`, or less if the card is pulled meanwhile (then returns false).
    fn wait_until(&self, deadline: Instant) -> bool {
        let (_, condvar) = &*self.shared;
        let mut state = self.lock();
        while state.inserted {
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            state = condvar
                .wait_timeout(state, deadline - now)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|poisoned| poisoned.into_inner().0);
        }
        false
    }

    /// Pulls the card: vpcd sees it leave at once.
    pub fn pull(&self) {
        let (_, condvar) = &*self.shared;
        let mut state = self.lock();
        state.inserted = false;
        if let Some(connection) = state.connection.take() {
            let _ = connection.shutdown(Shutdown::Both);
        }
        condvar.notify_all();
    }

    /// Inserts the card again, optionally as another card.
    pub fn insert(&self, card: Option<VirtualCard>) {
        let (_, condvar) = &*self.shared;
        let mut state = self.lock();
        if let Some(card) = card {
            if let Some(connection) = state.connection.take() {
                let _ = connection.shutdown(Shutdown::Both);
            }
            state.card = card;
        }
        state.inserted = true;
        condvar.notify_all();
    }

    pub fn arm(&self, fault: Fault) {
        self.lock().faults.push_back(fault);
    }

    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Serves the control socket at `path` on a thread of its own.
    pub fn serve_control(&self, path: &Path) -> io::Result<()> {
        let _ = std::fs::remove_file(path);
        let listener = UnixListener::bind(path)?;
        let card = self.clone();
        thread::Builder::new()
            .name("control".to_string())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    let card = card.clone();
                    let _ = thread::Builder::new()
                        .name("control client".to_string())
                        .spawn(move || card.control_client(stream));
                }
            })?;
        Ok(())
    }

    fn control_client(&self, stream: UnixStream) {
        let Ok(mut writer) = stream.try_clone() else {
            return;
        };
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else {
                return;
            };
            let reply = match self.control(line.trim()) {
                Ok(value) => serde_json::json!({ "ok": true, "result": value }),
                Err(error) => serde_json::json!({ "ok": false, "error": error }),
            };
            if writeln!(writer, "{reply}").is_err() {
                return;
            }
        }
    }

    /// Runs one control command (see the binary's `--help`).
    pub fn control(&self, line: &str) -> Result<serde_json::Value, String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["status"] => Ok(self.status()),
            ["pull"] => {
                self.pull();
                Ok(serde_json::Value::Null)
            }
            ["insert"] => {
                self.insert(None);
                Ok(serde_json::Value::Null)
            }
            ["insert", profile] => {
                let profile = Profile::load(Path::new(profile)).map_err(|e| e.to_string())?;
                self.insert(Some(VirtualCard::new(profile)));
                Ok(serde_json::Value::Null)
            }
            ["fault", rest @ ..] => {
                self.arm(parse_fault(rest)?);
                Ok(serde_json::Value::Null)
            }
            ["clear-faults"] => {
                self.clear_faults();
                Ok(serde_json::Value::Null)
            }
            ["history"] => Ok(serde_json::json!(self.lock().card.history())),
            ["timing"] => Ok(serde_json::json!({
                "profile": self.timing.as_deref(),
                "ledger": self.lock().ledger,
            })),
            ["clear-history"] => {
                self.lock().card.clear_history();
                Ok(serde_json::Value::Null)
            }
            _ => Err(format!("unknown control command {line:?}")),
        }
    }

    fn status(&self) -> serde_json::Value {
        let state = self.lock();
        serde_json::json!({
            "card": state.card.name(),
            "inserted": state.inserted,
            "connected": state.connection.is_some(),
            "auth_tries_left": state.card.tries_left(PinId::Auth),
            "signing_tries_left": state.card.tries_left(PinId::Signing),
            "commands": state.commands,
            "faults_armed": state.faults.len(),
        })
    }
}

/// Takes the fault due now, if any, counting down the ones that are not due yet.
fn next_fault(faults: &mut VecDeque<Fault>) -> Option<FaultKind> {
    let front = faults.front_mut()?;
    if front.skip > 0 {
        front.skip -= 1;
        return None;
    }
    faults.pop_front().map(|fault| fault.kind)
}

/// `drop | garbage | short | sw XXXX | stall MS`, optionally followed by `after N`.
pub fn parse_fault(words: &[&str]) -> Result<Fault, String> {
    let (kind_words, skip) = match words {
        [kind @ .., "after", n] => (
            kind,
            n.parse::<u32>().map_err(|_| format!("bad count {n:?}"))?,
        ),
        kind => (kind, 0),
    };
    let kind = match kind_words {
        ["drop"] => FaultKind::Drop,
        ["garbage"] => FaultKind::Garbage,
        ["short"] => FaultKind::OneByte,
        ["sw", sw] => FaultKind::StatusWord(
            u16::from_str_radix(sw, 16).map_err(|_| format!("bad status word {sw:?}"))?,
        ),
        ["stall", ms] => FaultKind::Stall(Duration::from_millis(
            ms.parse().map_err(|_| format!("bad milliseconds {ms:?}"))?,
        )),
        _ => return Err(format!("unknown fault {:?}", words.join(" "))),
    };
    Ok(Fault { kind, skip })
}

fn connect(address: &str) -> io::Result<TcpStream> {
    let target = address
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address"))?;
    let stream = TcpStream::connect_timeout(&target, Duration::from_secs(1))?;
    // vpcd sends the length and the body in two writes: answer each at once, and send each reply
    // in one write, or every APDU waits ~40 ms for a delayed ACK.
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Reads one frame; `None` when vpcd closed the connection cleanly.
fn read_frame(mut stream: &TcpStream) -> io::Result<Option<Vec<u8>>> {
    // TCP_QUICKACK resets itself after use on Linux, so it is re-armed before every read.
    let _ = socket2::SockRef::from(stream).set_tcp_quickack(true);
    let mut length = [0u8; 2];
    match stream.read_exact(&mut length) {
        Ok(()) => {}
        Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(error) => return Err(error),
    }
    let mut frame = vec![0u8; usize::from(u16::from_be_bytes(length))];
    let _ = socket2::SockRef::from(stream).set_tcp_quickack(true);
    stream.read_exact(&mut frame)?;
    Ok(Some(frame))
}

fn write_frame(stream: &mut TcpStream, body: &[u8]) -> io::Result<()> {
    let length = u16::try_from(body.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "reply too long for vpcd"))?;
    let mut frame = Vec::with_capacity(2 + body.len());
    frame.extend_from_slice(&length.to_be_bytes());
    frame.extend_from_slice(body);
    stream.write_all(&frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse_with_and_without_a_count() {
        assert_eq!(
            parse_fault(&["drop"]),
            Ok(Fault {
                kind: FaultKind::Drop,
                skip: 0
            })
        );
        assert_eq!(
            parse_fault(&["stall", "6000", "after", "3"]),
            Ok(Fault {
                kind: FaultKind::Stall(Duration::from_millis(6000)),
                skip: 3
            })
        );
        assert_eq!(
            parse_fault(&["sw", "6F00"]),
            Ok(Fault {
                kind: FaultKind::StatusWord(0x6F00),
                skip: 0
            })
        );
        assert!(parse_fault(&["sw", "xyz"]).is_err());
        assert!(parse_fault(&["melt"]).is_err());
        assert!(parse_fault(&["drop", "after", "-1"]).is_err());
    }

    #[test]
    fn a_fault_waits_for_its_turn() {
        let mut faults = VecDeque::from([Fault {
            kind: FaultKind::Garbage,
            skip: 2,
        }]);
        assert_eq!(next_fault(&mut faults), None);
        assert_eq!(next_fault(&mut faults), None);
        assert_eq!(next_fault(&mut faults), Some(FaultKind::Garbage));
        assert_eq!(next_fault(&mut faults), None);
    }
}
