//! The kiosk application's own state machine, driven without a window: the real `App` and its
//! worker (the PC/SC reader of a [`PcscStack`], the centre over HTTP), messages sent into
//! `update` as taps would send them, the worker's events fed back as the running application
//! feeds them. For the soak and fault runs, which need thousands of sessions.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use kiosk_app::app::{App, Message};
use kiosk_app::screen::{consent, done, error, new_pin, pin_entry, reset_menu, services, top};
use kiosk_app::widget::{keyboard, keypad};
use kiosk_core::cards::PcscCards;
use kiosk_core::config::Config;
use kiosk_core::worker::{self, Event};
use reset_protocol::{HttpCentre, ResetKind};

/// The kiosk under test.
pub struct Driver {
    pub app: App,
    events: Receiver<Event>,
    state: StateDir,
    /// When each screen was last entered (by the first update that showed it): when a customer
    /// would have seen it, rather than when the driver got round to looking.
    entered: HashMap<&'static str, Instant>,
}

/// Where the kiosk keeps its state: a directory of its own, or one it shares with the kiosk
/// runs before and after it (a kiosk in another process that is killed and started again).
#[derive(Debug, Clone)]
enum StateDir {
    Own(Arc<tempfile::TempDir>),
    Shared(std::path::PathBuf),
}

impl StateDir {
    fn path(&self) -> &Path {
        match self {
            StateDir::Own(dir) => dir.path(),
            StateDir::Shared(path) => path,
        }
    }
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Driver({})", self.app.screen().name())
    }
}

/// The production configuration example, pointed at this stack's reader and `centre_url`,
/// open all day, with `centre_timeout` for each centre call.
pub fn production_config(dir: &Path, centre_url: &str, centre_timeout: Duration) -> Config {
    let text = crate::production_config_text(centre_url, "STORE-0001").replace(
        "\"timeout_seconds\": 10",
        &format!("\"timeout_seconds\": {}", centre_timeout.as_secs().max(1)),
    );
    let path = dir.join("kiosk.json");
    std::fs::write(&path, &text).expect("kiosk config");
    Config::parse(&text, &path).expect("a valid kiosk config")
}

impl Driver {
    /// A kiosk on `config` (whose centre is over HTTP with the credential in `credential`),
    /// its state in a fresh directory; returns once the reader is ready.
    pub fn start(config: Config, credential: &str, completion_retry: Duration) -> Driver {
        let state = StateDir::Own(Arc::new(tempfile::tempdir().expect("state dir")));
        Driver::start_on(config, credential, completion_retry, state)
    }

    /// A kiosk whose state is in `state_dir`, which outlives it (another kiosk run may have
    /// left its outbox and audit log there).
    pub fn start_in(
        config: Config,
        credential: &str,
        completion_retry: Duration,
        state_dir: &Path,
    ) -> Driver {
        let state = StateDir::Shared(state_dir.to_path_buf());
        Driver::start_on(config, credential, completion_retry, state)
    }

    /// The kiosk started again on the state `previous` left (its audit log, its outbox), as
    /// after a crash: `previous` is gone first, without any goodbye to the centre.
    pub fn restart(previous: Driver, config: Config, credential: &str, retry: Duration) -> Driver {
        let state = previous.state.clone();
        drop(previous);
        Driver::start_on(config, credential, retry, state)
    }

    /// The kiosk's state directory.
    pub fn state_dir(&self) -> &Path {
        self.state.path()
    }

    fn start_on(
        mut config: Config,
        credential: &str,
        completion_retry: Duration,
        state: StateDir,
    ) -> Driver {
        config.state_dir = state.path().to_path_buf();
        let centre = match &config.centre {
            kiosk_core::config::CentreSetting::Http {
                url,
                kiosk_id,
                timeout,
                ca_certificate,
                certificate,
                key,
                ..
            } => {
                let tls =
                    reset_protocol::client::ClientTls::from_files(ca_certificate, certificate, key)
                        .unwrap_or_else(|e| panic!("the kiosk's TLS files: {e}"));
                HttpCentre::new(url, kiosk_id, credential.trim(), *timeout, &tls)
                    .unwrap_or_else(|e| panic!("the centre's URL: {e}"))
            }
            kiosk_core::config::CentreSetting::InProcess => {
                panic!("the driver needs the HTTP centre")
            }
        };
        let centre = Arc::new(centre);
        config.timeouts.completion_retry = completion_retry;
        let cards = Box::new(PcscCards::new(config.reader.clone()));
        let (handle, events) = worker::start(&config, cards, centre);
        let records = kiosk_core::records::Records::open(&config).expect("records");
        let app = App::with_worker(Arc::new(config), handle, None, records);
        let mut driver = Driver {
            app,
            events,
            state,
            entered: HashMap::new(),
        };
        driver.wait_until(Duration::from_secs(20), |d| d.reader_ready());
        driver
    }

    pub fn screen(&self) -> &'static str {
        self.app.screen().name()
    }

    fn reader_ready(&self) -> bool {
        self.app.reader_ok()
    }

    /// When the screen `name` was last entered, if it ever was.
    pub fn entered(&self, name: &str) -> Option<Instant> {
        self.entered.get(name).copied()
    }

    /// Updates the app with `message` and draws the screen, as the application does, noting
    /// when a new screen appears.
    fn apply(&mut self, message: Message) {
        let before = self.screen();
        let _ = self.app.update(message);
        drop(self.app.view());
        let after = self.screen();
        if after != before {
            self.entered.insert(after, Instant::now());
        }
    }

    /// Sends `message` as a tap would, draws the screen (as the application does after every
    /// update), and lets the worker answer.
    pub fn send(&mut self, message: Message) {
        self.apply(message);
        self.settle();
    }

    /// Feeds the worker's events until it has nothing more to say; while a card or centre
    /// operation is under way (reading, checking, processing) it waits for the answer.
    pub fn settle(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let busy = matches!(self.screen(), "reading" | "checking" | "processing");
            let wait = if busy {
                Duration::from_millis(200)
            } else {
                Duration::from_millis(30)
            };
            match self.events.recv_timeout(wait) {
                Ok(event) => self.apply(Message::Worker(event)),
                Err(RecvTimeoutError::Timeout) if busy && Instant::now() < deadline => {}
                Err(_) => return,
            }
        }
    }

    /// Feeds events until `done` holds or `within` passes; whether it held.
    pub fn wait_until(&mut self, within: Duration, done: impl Fn(&Driver) -> bool) -> bool {
        let deadline = Instant::now() + within;
        while !done(self) {
            if Instant::now() > deadline {
                return false;
            }
            if let Ok(event) = self.events.recv_timeout(Duration::from_millis(50)) {
                self.apply(Message::Worker(event));
            }
        }
        self.settle();
        true
    }

    /// Waits for the screen `name`.
    pub fn wait_for(&mut self, name: &str, within: Duration) -> bool {
        self.wait_until(within, |d| d.screen() == name)
    }

    /// The screen `name` is shown, or an error naming the one that is.
    pub fn expect(&self, name: &str) -> Result<(), String> {
        if self.screen() == name {
            Ok(())
        } else {
            Err(format!(
                "expected the {name} screen, the kiosk shows {}",
                self.screen()
            ))
        }
    }

    /// Waits up to `within` for the screen `name`; an error naming the screen shown if it never
    /// comes.
    pub fn reach(&mut self, name: &str, within: Duration) -> Result<(), String> {
        if self.wait_for(name, within) {
            Ok(())
        } else {
            self.expect(name)
        }
    }

    /// Top → services → reset menu → consent → agree: the card screen of a `kind` reset.
    pub fn walk_to_card_screen(&mut self, kind: ResetKind) {
        self.send(Message::Top(top::Message::Government));
        self.send(Message::Services(services::Message::PasswordReset));
        self.send(Message::ResetMenu(reset_menu::Message::Choose(kind)));
        self.send(Message::Consent(consent::Message::Agree));
    }

    /// Types `pin` on the PIN screen's keypad (digits) or keyboard (letters and digits), and
    /// confirms.
    pub fn enter_pin(&mut self, pin: &str) {
        self.type_pin(pin);
        self.confirm_pin();
    }

    /// Types `pin` on the PIN screen, without confirming it.
    pub fn type_pin(&mut self, pin: &str) {
        for c in pin.chars() {
            let key = match c.to_digit(10) {
                Some(d) if pin.len() == 4 => {
                    pin_entry::Message::Keypad(keypad::Key::Digit(d as u8))
                }
                _ => pin_entry::Message::Keyboard(keyboard::Key::Char(c)),
            };
            self.send(Message::CurrentPin(key));
        }
    }

    /// 確定 on the PIN screen.
    pub fn confirm_pin(&mut self) {
        self.send(Message::CurrentPin(pin_entry::Message::Confirm));
    }

    /// Types the new PIN twice (keyboard for a password, keypad for 4 digits).
    pub fn enter_new_pin(&mut self, pin: &str) {
        for _ in 0..2 {
            self.type_new_pin(pin);
            self.next_new_pin();
        }
    }

    /// Types `pin` once on the new-PIN screen, without going on.
    pub fn type_new_pin(&mut self, pin: &str) {
        for c in pin.chars() {
            let key = match c.to_digit(10) {
                Some(d) if pin.len() == 4 => new_pin::Message::Keypad(keypad::Key::Digit(d as u8)),
                _ => new_pin::Message::Keyboard(keyboard::Key::Char(c)),
            };
            self.send(Message::NewPin(key));
        }
    }

    /// 次へ on the new-PIN screen: to the second entry, or (after it) the reset itself.
    pub fn next_new_pin(&mut self) {
        self.send(Message::NewPin(new_pin::Message::Next));
    }

    /// Cancel on the PIN screen.
    pub fn cancel_pin(&mut self) {
        self.send(Message::CurrentPin(pin_entry::Message::Cancel));
    }

    /// 終了 on the done or error screen.
    pub fn finish(&mut self) {
        match self.screen() {
            "done" => self.send(Message::Done(done::Message::Finish)),
            "error" => self.send(Message::Error(error::Message::Finish)),
            _ => {}
        }
    }
}

/// What the operating system says of this process: resident memory (KiB), open file
/// descriptors, threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footprint {
    pub rss_kib: u64,
    pub fds: usize,
    pub threads: usize,
}

impl Footprint {
    pub fn now() -> Footprint {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let rss_kib = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let count = |dir: &str| std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0);
        Footprint {
            rss_kib,
            fds: count("/proc/self/fd"),
            threads: count("/proc/self/task"),
        }
    }
}
