//! The fault matrix: a complete reset through the kiosk's own state machine ([`Driver`]) against
//! the virtual card over pcscd and the centre over HTTP (through a [`FaultProxy`]), with one
//! fault injected at one step — an APDU or a centre call — and then the checks that matter:
//! the card holds the old PIN or the new one, its counter is sane, the reservation is used if
//! and only if the card holds the new PIN, the kiosk showed the guidance the spec gives and went
//! back to the top, and a retry succeeds where it should.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use card_driver::jpki::{Jpki, JpkiError};
use card_driver::pcsc::{PcscConnection, Sharing};
use card_driver::pin::{AuthPin, PinKind, SigningPin};
use kiosk_app::app::Screen;
use reset_protocol::ResetKind;

use crate::driver::{Driver, production_config};
use crate::proxy::{CentreFault, FaultProxy, ProxyTls};
use crate::{CardProcess, CentreProcess, PcscStack, Slot, workspace_root};

/// Where in the reset the fault strikes (1-based, in the order they happen in a clean reset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The k-th APDU the card receives, with its header for the report.
    Apdu(usize, String),
    /// The k-th request to the centre, with its path.
    Centre(usize, String),
}

/// The faults of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The card leaves the reader as it receives the command.
    Pulled,
    /// The card answers only after the kiosk's card deadline.
    Stalled,
    /// Five bytes of nonsense.
    Garbage,
    /// One byte.
    OneByte,
    /// A status word no command expects (6F00).
    UnexpectedSw,
    /// pcscd is killed while the card works on the command (then started again).
    PcscdKilled,
    /// The centre goes down from this request on.
    CentreDown,
    /// The centre answers after the kiosk stopped waiting.
    CentreSlow,
    /// The centre answers 500.
    Centre500,
    /// The kiosk's process gets SIGKILL while the card works on the command (it stalls there),
    /// or while the centre works on the call (it answers late), and is started again.
    KioskKilled,
}

impl Fault {
    pub const CARD: [Fault; 6] = [
        Fault::Pulled,
        Fault::Stalled,
        Fault::Garbage,
        Fault::OneByte,
        Fault::UnexpectedSw,
        Fault::PcscdKilled,
    ];
    pub const CENTRE: [Fault; 3] = [Fault::CentreDown, Fault::CentreSlow, Fault::Centre500];
    /// Faults that can strike at any step.
    pub const ANY: [Fault; 1] = [Fault::KioskKilled];

    pub fn short(self) -> &'static str {
        match self {
            Fault::Pulled => "pulled",
            Fault::Stalled => "stalled",
            Fault::Garbage => "garbage",
            Fault::OneByte => "1 byte",
            Fault::UnexpectedSw => "SW 6F00",
            Fault::PcscdKilled => "pcscd killed",
            Fault::CentreDown => "down",
            Fault::CentreSlow => "slow",
            Fault::Centre500 => "500",
            Fault::KioskKilled => "kiosk killed",
        }
    }
}

/// How one cell ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The screens the kiosk went through after the fault, e.g. `remove_card → error(card_moved) → top`.
    pub screens: Vec<String>,
    /// The card holds the new PIN (false: the old one).
    pub new_pin: bool,
    /// The reservation was used.
    pub used: bool,
    /// The counter of the PIN that was reset, after the checks.
    pub tries: u8,
    /// A retry afterwards succeeded (`None`: no retry was due, the reset had happened).
    pub retry: Option<bool>,
    /// What is wrong, if anything.
    pub problems: Vec<String>,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// One short cell for the printed matrix.
    pub fn cell(&self) -> String {
        let end = self
            .screens
            .iter()
            .rev()
            .find(|s| s.starts_with("error") || *s == "done")
            .cloned()
            .unwrap_or_else(|| "—".to_string());
        let pin = if self.new_pin { "new" } else { "old" };
        let mark = if self.ok() { "ok" } else { "FAIL" };
        format!("{mark} {pin} {end}")
    }
}

/// The kiosk, card and centre a matrix runs on.
#[derive(Debug)]
pub struct Bench {
    pub kind: ResetKind,
    card: CardProcess,
    centre: CentreProcess,
    proxy: FaultProxy,
    credential: String,
    config: kiosk_core::config::Config,
    /// The PIN the holder knows, and the one the card is reset to.
    known: &'static str,
    old: &'static str,
    new: &'static str,
}

/// The kiosk's card deadline in these runs, and how long a stalled card keeps silent.
const CARD_DEADLINE: Duration = Duration::from_secs(1);
const STALL: Duration = Duration::from_millis(2500);
/// The kiosk's centre timeout, and the slow centre's delay.
const CENTRE_TIMEOUT: Duration = Duration::from_secs(1);
const SLOW: Duration = Duration::from_millis(1600);
/// The centre's claim lease: how long a crashed or cut-off kiosk's claim holds a reservation.
const LEASE_SECONDS: u32 = 3;

/// The kiosk's configuration in these runs: production, the centre at `centre_url`, the
/// deadlines above, both resets offered. Written to `dir`.
pub fn kiosk_config(dir: &std::path::Path, centre_url: &str) -> kiosk_core::config::Config {
    let mut config = production_config(dir, centre_url, CENTRE_TIMEOUT);
    config.timeouts.card = CARD_DEADLINE;
    config.offered = vec![ResetKind::Signing, ResetKind::Auth];
    config
}

/// How often the kiosk offers again a completion the centre did not take, in these runs.
pub const COMPLETION_RETRY: Duration = Duration::from_millis(500);

impl Bench {
    pub fn start(stack: &PcscStack, kind: ResetKind) -> Bench {
        let card = stack.card("normal", Slot::First);
        card.pull();
        let centre = CentreProcess::start_with_lease(stack, LEASE_SECONDS);
        let credential_path = stack.scratch().join("kiosk-credential");
        centre.add_kiosk("STORE-0001", &credential_path);
        let proxy = FaultProxy::start(&centre.url, ProxyTls::new(centre.pki(), stack.scratch()));
        let config = kiosk_config(stack.scratch(), &proxy.url);
        let credential = std::fs::read_to_string(&credential_path).expect("credential");
        let (known, old, new) = match kind {
            ResetKind::Signing => ("1234", "ABC123", "FAULT9X"),
            ResetKind::Auth => ("ABC123", "1234", "8642"),
        };
        Bench {
            kind,
            card,
            centre,
            proxy,
            credential,
            config,
            known,
            old,
            new,
        }
    }

    fn driver(&self) -> Driver {
        Driver::start(self.config.clone(), &self.credential, COMPLETION_RETRY)
    }

    fn reserve(&self) {
        self.centre.reserve(
            &workspace_root().join("config/cards/normal/auth-cert.der"),
            self.kind.as_str(),
        );
    }

    fn used_count(&self) -> usize {
        self.centre
            .reservations()
            .as_array()
            .map(|list| list.iter().filter(|r| r["state"] == "used").count())
            .unwrap_or(0)
    }

    /// The steps of a clean reset: its APDUs and centre calls, as they happened.
    pub fn steps(&self) -> Vec<Step> {
        self.reserve();
        let mut driver = self.driver();
        self.proxy.restore();
        self.card.clear_history();
        let screens = self.session(&mut driver, true, None);
        assert!(
            screens.iter().any(|s| s == "done"),
            "the clean reset did not succeed: {screens:?}"
        );
        let apdus = self.card.history();
        let mut steps: Vec<Step> = apdus
            .iter()
            .enumerate()
            .map(|(i, apdu)| {
                let byte = |name: &str| apdu[name].as_u64().unwrap_or(0);
                let header = format!(
                    "{:02X}{:02X}{:02X}{:02X}",
                    byte("cla"),
                    byte("ins"),
                    byte("p1"),
                    byte("p2")
                );
                Step::Apdu(i + 1, header)
            })
            .collect();
        steps.extend(
            self.proxy
                .paths()
                .into_iter()
                .enumerate()
                .map(|(i, path)| Step::Centre(i + 1, path)),
        );
        steps
    }

    /// Runs a reset with `fault` at `step` and checks everything after it.
    pub fn cell(&self, stack: &mut PcscStack, step: &Step, fault: Fault) -> Outcome {
        let used_before = self.used_count();
        self.reserve();
        self.proxy.restore();
        let _ = self.card.control("clear-faults");
        self.card.clear_history();
        // The restarted kiosk's state directory, when the first one is killed.
        let mut _state = None;
        let (mut driver, screens) = if fault == Fault::KioskKilled {
            let state = tempfile::tempdir().expect("state dir");
            let run = self.killed_session(stack, step, state.path());
            _state = Some(state);
            run
        } else {
            let mut driver = self.driver();
            let screens = self.faulted_session(stack, &mut driver, step, fault);
            (driver, screens)
        };
        self.check(&mut driver, fault, used_before, screens)
    }

    /// Arms `fault` at `step` and runs one session on `driver`.
    fn faulted_session(
        &self,
        stack: &mut PcscStack,
        driver: &mut Driver,
        step: &Step,
        fault: Fault,
    ) -> Vec<String> {
        let injection = match (step, fault) {
            (Step::Apdu(k, _), Fault::PcscdKilled) => {
                self.card
                    .fault(&format!("stall {} after {}", STALL.as_millis(), k - 1));
                Some(*k)
            }
            (Step::Apdu(k, _), card_fault) => {
                let spec = match card_fault {
                    Fault::Pulled => "drop".to_string(),
                    Fault::Stalled => format!("stall {}", STALL.as_millis()),
                    Fault::Garbage => "garbage".to_string(),
                    Fault::OneByte => "short".to_string(),
                    _ => "sw 6F00".to_string(),
                };
                self.card.fault(&format!("{spec} after {}", k - 1));
                None
            }
            (Step::Centre(k, _), centre_fault) => {
                let fault = match centre_fault {
                    Fault::CentreDown => CentreFault::Down,
                    Fault::CentreSlow => CentreFault::Slow(SLOW),
                    _ => CentreFault::Error500,
                };
                self.proxy.arm(*k, fault);
                None
            }
        };
        self.session(driver, true, injection.map(|k| (k, stack)))
    }

    /// A kiosk in a process of its own (`harness-kiosk-session`) runs the session; it is killed
    /// when the card has received the `step`-th APDU (the card stalls on it, then carries it
    /// out) or the centre the `step`-th call (it answers late, having acted); then the kiosk is
    /// started again on the same state directory and the customer takes the card back.
    fn killed_session(
        &self,
        stack: &PcscStack,
        step: &Step,
        state: &Path,
    ) -> (Driver, Vec<String>) {
        match step {
            Step::Apdu(k, _) => {
                self.card
                    .fault(&format!("stall {} after {}", STALL.as_millis(), k - 1))
            }
            Step::Centre(k, _) => self.proxy.arm(*k, CentreFault::Slow(SLOW)),
        }
        let commands = || self.card.status()["commands"].as_u64().unwrap_or(0) as usize;
        let base = commands();
        let credential = stack.scratch().join("kiosk-credential");
        let mut child = std::process::Command::new(&stack.binaries().kiosk_session)
            .arg(&self.proxy.url)
            .arg(&credential)
            .arg(state)
            .arg(self.kind.as_str())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("harness-kiosk-session");
        let mut stdin = child.stdin.take().expect("stdin");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        writeln!(stdin, "{} {}", self.known, self.new).expect("PINs to the kiosk");
        let mut line = String::new();
        let _ = stdout.read_line(&mut line);
        let mut screens = Vec::new();
        if line.trim() != "card-screen" {
            screens.push(format!("the kiosk never reached the card screen: {line:?}"));
        }
        self.card.insert(Some("normal"));
        let _ = writeln!(stdin, "go");
        let deadline = Instant::now() + Duration::from_secs(60);
        let reached = |child: &mut std::process::Child| loop {
            let there = match step {
                Step::Apdu(k, _) => commands() >= base + k,
                Step::Centre(k, _) => self.proxy.paths().len() >= *k,
            };
            if there || Instant::now() > deadline || child.try_wait().ok().flatten().is_some() {
                return there;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        if !reached(&mut child) {
            screens.push("the kiosk never reached the step".to_string());
        }
        let _ = child.kill();
        let _ = child.wait();
        screens.push("killed".to_string());
        // The card carries out the command it stalled on (a card does not stop because the
        // kiosk is gone) before the kiosk is back: systemd restarts it after a pause, and only
        // then does the customer see the removal screen and take the card.
        if let Step::Apdu(..) = step {
            std::thread::sleep(STALL + Duration::from_millis(300));
        }

        // Started again, as systemd would: the card is still on the reader.
        let mut driver = Driver::start_in(
            self.config.clone(),
            &self.credential,
            COMPLETION_RETRY,
            state,
        );
        let mut card_present = true;
        let deadline = Instant::now() + Duration::from_secs(30);
        // A person reads the removal screen before reaching for the card.
        let mut told_at = None;
        while Instant::now() < deadline {
            driver.wait_until(Duration::from_millis(300), |_| false);
            let name = describe(driver.app.screen());
            if screens.last() != Some(&name) {
                screens.push(name);
            }
            match driver.screen() {
                "remove_card" | "top" if card_present => {
                    let told = *told_at.get_or_insert_with(Instant::now);
                    if told.elapsed() >= Duration::from_secs(1) {
                        self.card.pull();
                        card_present = false;
                    }
                }
                "done" | "error" => driver.finish(),
                "top" => break,
                _ => {}
            }
        }
        (driver, screens)
    }

    /// The checks after a faulted session: the card, the reservation, the screens, a retry.
    fn check(
        &self,
        driver: &mut Driver,
        fault: Fault,
        used_before: usize,
        screens: Vec<String>,
    ) -> Outcome {
        // The fault is over: the centre is back, the card behaves.
        self.proxy.restore();
        let _ = self.card.control("clear-faults");
        // A completion the kiosk could not deliver is offered again (every 0.5 s here); a
        // claim with an unknown outcome lapses after the lease.
        let settle = Instant::now() + Duration::from_secs(u64::from(LEASE_SECONDS) + 2);
        while Instant::now() < settle {
            driver.settle();
            std::thread::sleep(Duration::from_millis(200));
        }
        let mut problems = Vec::new();
        let (new_pin, tries) = match self.card_state(driver) {
            Ok(state) => state,
            Err(problem) => {
                problems.push(problem);
                (false, 0)
            }
        };
        let used = self.used_count() > used_before;
        if used != new_pin {
            problems.push(format!(
                "reservation used: {used}, but the card holds the {} PIN",
                if new_pin { "new" } else { "old" }
            ));
        }
        if screens.last().is_none_or(|s| s != "top") {
            problems.push(format!("did not return to the top: {screens:?}"));
        }
        problems.extend(self.expected_guidance(fault, new_pin, &screens));
        // A retry, where the reset did not happen: a clean session must now succeed.
        let retry = (!new_pin).then(|| {
            let screens = self.session(driver, false, None);
            let succeeded = screens.iter().any(|s| s == "done");
            if !succeeded {
                problems.push(format!("the retry did not succeed: {screens:?}"));
            }
            succeeded
        });
        Outcome {
            screens,
            new_pin,
            used,
            tries,
            retry,
            problems,
        }
    }

    /// The guidance a fault may lead to (spec: kiosk-flow.md's error table); the reset having
    /// happened must end on done, or on "unconfirmed" when the kiosk could not tell.
    fn expected_guidance(&self, fault: Fault, new_pin: bool, screens: &[String]) -> Vec<String> {
        if fault == Fault::KioskKilled {
            return restart_guidance(screens);
        }
        let ending = screens
            .iter()
            .rev()
            .find(|s| s.starts_with("error") || *s == "done")
            .cloned()
            .unwrap_or_default();
        let allowed: &[&str] = if new_pin {
            &["done", "error(unconfirmed)"]
        } else {
            match fault {
                Fault::Pulled => &[
                    "error(card_moved)",
                    "error(unconfirmed)",
                    "error(not_changed)",
                ],
                Fault::Stalled => &[
                    "error(card_unresponsive)",
                    "error(card_moved)",
                    "error(unconfirmed)",
                    "error(not_changed)",
                ],
                Fault::Garbage | Fault::OneByte | Fault::UnexpectedSw => &[
                    "error(not_my_number_card)",
                    "error(card_unreadable)",
                    "error(card_moved)",
                    "error(card_unresponsive)",
                    "error(unconfirmed)",
                    "error(not_changed)",
                ],
                Fault::PcscdKilled => &[
                    "error(reader_fault)",
                    "error(card_moved)",
                    "error(card_unresponsive)",
                    "error(unconfirmed)",
                    "error(not_changed)",
                    "out_of_service",
                ],
                Fault::KioskKilled => &[],
                Fault::CentreDown | Fault::CentreSlow | Fault::Centre500 => &[
                    "error(centre_unreachable)",
                    "error(unconfirmed)",
                    "error(not_changed)",
                ],
            }
        };
        let seen_out_of_service = screens.iter().any(|s| s == "out_of_service");
        if allowed.contains(&ending.as_str())
            || (fault == Fault::PcscdKilled && seen_out_of_service && !new_pin)
        {
            Vec::new()
        } else {
            vec![format!("ended on {ending:?}, expected one of {allowed:?}")]
        }
    }

    /// One customer: to the card screen, the card placed, the PIN they know, the new PIN
    /// twice, the card taken back, 終了. Follows the kiosk wherever it goes; returns the
    /// screens it passed through (errors with their reason). `kill` = (APDU, stack): pcscd is
    /// killed while the card stalls on that APDU, and started again.
    fn session(
        &self,
        driver: &mut Driver,
        fresh_card: bool,
        kill: Option<(usize, &mut PcscStack)>,
    ) -> Vec<String> {
        // The card counts every command it receives, faulted ones too.
        let commands = || self.card.status()["commands"].as_u64().unwrap_or(0) as usize;
        let base = commands();
        let killed = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|scope| {
            // pcscd dies while the card sits on the k-th command (it stalls there), whatever
            // the kiosk is doing at that moment.
            let mut stack = None;
            if let Some((k, pcsc)) = kill {
                let pid = pcsc.pcscd_pid();
                stack = Some(pcsc);
                let killed = &killed;
                let commands = &commands;
                scope.spawn(move || {
                    let deadline = Instant::now() + Duration::from_secs(60);
                    while commands() < base + k && Instant::now() < deadline {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    if let Some(pid) = pid {
                        let _ = std::process::Command::new("kill")
                            .args(["-9", &pid.to_string()])
                            .status();
                    }
                    killed.store(true, std::sync::atomic::Ordering::SeqCst);
                });
            }
            self.follow(driver, fresh_card, || {
                if killed.load(std::sync::atomic::Ordering::SeqCst)
                    && let Some(stack) = stack.take()
                {
                    stack.kill_pcscd();
                    std::thread::sleep(Duration::from_millis(300));
                    stack.start_pcscd();
                }
            })
        })
    }

    /// Follows the kiosk through one session, doing what a customer does on each screen;
    /// `between` runs between looks.
    fn follow(
        &self,
        driver: &mut Driver,
        fresh_card: bool,
        mut between: impl FnMut(),
    ) -> Vec<String> {
        let mut screens = Vec::new();
        driver.walk_to_card_screen(self.kind);
        // A fresh `normal` card, or the same card as before (its PINs and counters kept).
        self.card.insert(fresh_card.then_some("normal"));
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut entered_pin = false;
        let mut entered_new = false;
        let mut card_present = true;
        while Instant::now() < deadline {
            between();
            driver.wait_until(Duration::from_millis(300), |_| false);
            let name = describe(driver.app.screen());
            if screens.last() != Some(&name) {
                screens.push(name.clone());
            }
            match driver.screen() {
                "current_pin" if !entered_pin => {
                    entered_pin = true;
                    driver.enter_pin(self.known);
                }
                "current_pin" => driver.cancel_pin(),
                "new_pin" if !entered_new => {
                    entered_new = true;
                    driver.enter_new_pin(self.new);
                }
                "remove_card" if card_present => {
                    self.card.pull();
                    card_present = false;
                }
                "done" | "error" => driver.finish(),
                "top" if !card_present => break,
                "top" => {
                    // Back at the top with the card still on the reader: take it.
                    self.card.pull();
                    card_present = false;
                }
                _ => {}
            }
        }
        let last = describe(driver.app.screen());
        if screens.last() != Some(&last) {
            screens.push(last);
        }
        screens
    }

    /// Whether the card holds the new PIN (else the old one must work) and the reset PIN's
    /// counter afterwards, read through pcscd.
    fn card_state(&self, driver: &mut Driver) -> Result<(bool, u8), String> {
        self.card.insert(None);
        driver.settle();
        let target = self.kind.target();
        let state = (|| {
            let connection = PcscConnection::open(Slot::First.reader(), Sharing::Shared)
                .map_err(|e| format!("the card cannot be reached: {e}"))?;
            let mut card = Jpki::new(connection);
            card.select_application()
                .map_err(|e| format!("select: {e}"))?;
            let tries = card.tries_left(target).map_err(|e| format!("tries: {e}"))?;
            let max = target.max_tries();
            // The kiosk may have spent one try of the old PIN reading back a lost answer (never
            // the last one); anything else is a counter gone wrong.
            if tries == 0 || tries + 1 < max {
                return Err(format!("the {target:?} PIN's counter is {tries} of {max}"));
            }
            match verify_with(&mut card, target, self.new) {
                Ok(()) => Ok((true, tries)),
                Err(JpkiError::WrongPin { .. }) => match verify_with(&mut card, target, self.old) {
                    Ok(()) => Ok((false, tries)),
                    Err(e) => Err(format!("neither the new nor the old PIN works: {e}")),
                },
                Err(e) => Err(format!("verify: {e}")),
            }
        })();
        self.card.pull();
        driver.settle();
        state
    }
}

/// After a restart the kiosk carries no session over: with the card still on the reader it
/// starts at the removal screen, then the top, and shows nothing else.
fn restart_guidance(screens: &[String]) -> Vec<String> {
    let after: Vec<&str> = screens
        .iter()
        .skip_while(|s| *s != "killed")
        .skip(1)
        .map(String::as_str)
        .collect();
    let mut problems: Vec<String> = screens
        .iter()
        .take_while(|s| *s != "killed")
        .map(|s| s.to_string())
        .collect();
    if after != ["remove_card", "top"] {
        problems.push(format!(
            "after the restart: {after:?}, expected the removal screen, then the top"
        ));
    }
    problems
}

/// A screen's name, with the reason for an error screen.
fn describe(screen: &Screen) -> String {
    match screen {
        Screen::Error { error, .. } => format!("error({})", error.audit().1),
        other => other.name().to_string(),
    }
}

fn verify_with(card: &mut Jpki<PcscConnection>, kind: PinKind, pin: &str) -> Result<(), JpkiError> {
    match kind {
        PinKind::Auth => card.verify_auth_pin(&AuthPin::new(pin).expect("well formed")),
        PinKind::Signing => card.verify_signing_pin(&SigningPin::new(pin).expect("well formed")),
    }
}
