//! Many customer sessions in a row through the app's own state machine ([`Driver`]), against
//! the virtual card over pcscd and the centre over HTTP: successes, wrong PINs, a pulled card,
//! no reservation, in a fixed mix. The soak benchmark runs 1,000 and prints the process's
//! footprint along the way; a test runs a short one.

use std::path::PathBuf;
use std::time::Duration;

use reset_protocol::ResetKind;

use crate::driver::{Driver, Footprint, production_config};
use crate::{CardProcess, CentreProcess, PcscStack, Slot, workspace_root};

/// One customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Session {
    /// Right PIN, new password, card taken: the reservation is used.
    Success,
    /// A wrong PIN, then the right one: as a success.
    WrongThenRight,
    /// A wrong PIN, then 「やめる」: nothing changes, the reservation stays.
    WrongThenCancel,
    /// The card pulled on the PIN screen.
    Pulled,
    /// A card with no reservation: told before any PIN.
    NoReservation,
}

impl Session {
    /// The mix: of every ten customers, six succeed at once, one after a wrong PIN, one gives
    /// up after a wrong PIN, one pulls the card, one has no reservation.
    pub fn nth(n: usize) -> Session {
        match n % 10 {
            0..=5 => Session::Success,
            6 => Session::WrongThenRight,
            7 => Session::WrongThenCancel,
            8 => Session::Pulled,
            _ => Session::NoReservation,
        }
    }
}

/// The kiosk, its card and its centre.
#[derive(Debug)]
pub struct Soak {
    pub driver: Driver,
    pub card: CardProcess,
    pub centre: CentreProcess,
    certificate: PathBuf,
    /// The card has a reservation not yet used.
    reserved: bool,
    passwords: usize,
}

const WAIT: Duration = Duration::from_secs(20);

impl Soak {
    pub fn start(stack: &PcscStack) -> Soak {
        let card = stack.card("normal", Slot::First);
        card.pull();
        let centre = CentreProcess::start(stack);
        let credential = stack.scratch().join("kiosk-credential");
        centre.add_kiosk("STORE-0001", &credential);
        let config = production_config(stack.scratch(), &centre.url, Duration::from_secs(5));
        let credential = std::fs::read_to_string(&credential).expect("credential");
        // Completions retried as the configuration says (the shipped default).
        let retry = config.timeouts.completion_retry;
        let driver = Driver::start(config, &credential, retry);
        Soak {
            driver,
            card,
            centre,
            certificate: workspace_root().join("config/cards/normal/auth-cert.der"),
            reserved: false,
            passwords: 0,
        }
    }

    /// Runs one session; `Err` says where it went wrong.
    pub fn run(&mut self, session: Session) -> Result<(), String> {
        if session != Session::NoReservation && !self.reserved {
            self.centre.reserve(&self.certificate, "signing");
            self.reserved = true;
        }
        self.driver.walk_to_card_screen(ResetKind::Signing);
        self.driver.expect("insert_card")?;
        let profile = match session {
            Session::NoReservation => "no-reservation",
            _ => "normal",
        };
        self.card.insert(Some(profile));
        match session {
            Session::NoReservation => {
                self.driver.reach("remove_card", WAIT)?;
                self.card.pull();
                self.driver.reach("error", WAIT)?;
                self.driver.finish();
            }
            Session::Pulled => {
                self.driver.reach("current_pin", WAIT)?;
                self.card.pull();
                self.driver.reach("error", WAIT)?;
                self.driver.finish();
            }
            Session::WrongThenCancel => {
                self.driver.reach("current_pin", WAIT)?;
                self.driver.enter_pin("9999");
                self.driver.reach("current_pin", WAIT)?;
                self.driver.cancel_pin();
                self.driver.reach("remove_card", WAIT)?;
                self.card.pull();
            }
            Session::Success | Session::WrongThenRight => {
                self.driver.reach("current_pin", WAIT)?;
                if session == Session::WrongThenRight {
                    self.driver.enter_pin("9999");
                    self.driver.reach("current_pin", WAIT)?;
                }
                self.driver.enter_pin("1234");
                self.driver.reach("new_pin", WAIT)?;
                self.passwords += 1;
                let password = format!("SOAK{}X", self.passwords % 1000);
                self.driver.enter_new_pin(&password);
                self.driver.reach("remove_card", WAIT)?;
                self.reserved = false;
                self.card.pull();
                self.driver.reach("done", WAIT)?;
                self.driver.finish();
            }
        }
        self.driver.reach("top", WAIT)
    }

    /// Used reservations at the centre.
    pub fn used(&self) -> usize {
        self.centre
            .reservations()
            .as_array()
            .map(|list| list.iter().filter(|r| r["state"] == "used").count())
            .unwrap_or(0)
    }
}

/// The footprint's growth from `from` to `to`, as printed and checked.
pub fn growth(from: Footprint, to: Footprint) -> (f64, i64, i64) {
    let rss = if from.rss_kib == 0 {
        0.0
    } else {
        100.0 * (to.rss_kib as f64 - from.rss_kib as f64) / from.rss_kib as f64
    };
    (
        rss,
        to.fds as i64 - from.fds as i64,
        to.threads as i64 - from.threads as i64,
    )
}
