//! Card wait (prints figures; not a test): how long a customer waits at each step where the card
//! works, and how much of that is the card's own time, with the virtual card answering as late
//! as a real My Number Card behind a contactless reader would (`--timing contactless`).
//!
//! Signing and auth resets in turn through the kiosk's own state machine (the real `App` and
//! worker over pcscd + vpcd, the centre over HTTP; `system_tests::driver`). For each card step —
//! card placed → PIN screen, PIN confirmed → new-password screen, set → removal screen — the
//! total (from the customer's act to the first update showing the next screen) and the card's
//! own time (what the card process held its exchanges for in that window, from its ledger), p50
//! and p99, and the software's share = (total − card) / total; the goal is ≤ 10 %. The last
//! session of each kind is printed exchange by exchange, with the gaps between exchanges: the
//! software's time, where it goes.
//!
//! Run: `cargo bench -p system-tests --bench card_wait` (`SESSIONS=N` sessions of each kind,
//! 10 by default, after one warm-up of each; `TIMING=contactless-424` or a profile file for
//! another model). Needs what the tests need: pcscd and vpcd, no other pcscd running, root.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use reset_protocol::ResetKind;
use system_tests::driver::{Driver, production_config};
use system_tests::{CardProcess, CentreProcess, PcscStack, Slot, pcsc_stack, profile_path};
use system_tests::{wait_for_card, workspace_root};
use virtual_card::timing::{Ledger, unix_micros};

/// How long the driver waits for any one screen.
const WAIT: Duration = Duration::from_secs(20);
/// Between one customer taking the card and the next placing one. The card process stays out of
/// vpcd for 600 ms after a pull (so that pcscd, polling every 400 ms, sees it leave): a card
/// placed sooner would wait for that, which no real card does.
const BETWEEN_CUSTOMERS: Duration = Duration::from_secs(1);
/// pcscd polls vpcd's presence every 400 ms, and a pull returns just after a poll saw the card
/// leave: with a fixed pause every customer would arrive at the same moment of the poll cycle.
/// The pause grows by this step (mod 400 ms) from one customer to the next, so that they arrive
/// at every moment of it (53 and 400 share no factor: 400 different phases in turn).
const PHASE_STEP_MS: u64 = 53;
const POLL_MS: u64 = 400;
const DEFAULT_SESSIONS: usize = 10;
const WARM_UP: usize = 1;
/// The software's share the issue asks for.
const GOAL_SHARE: f64 = 0.10;

/// The three steps where the customer waits for the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Placed,
    PinConfirmed,
    NewPinSet,
}

impl Step {
    const ALL: [Step; 3] = [Step::Placed, Step::PinConfirmed, Step::NewPinSet];

    fn label(self) -> &'static str {
        match self {
            Step::Placed => "card placed → PIN screen",
            Step::PinConfirmed => "PIN confirmed → new-password screen",
            Step::NewPinSet => "set → removal screen",
        }
    }

    /// The screen that ends the wait.
    fn until(self) -> &'static str {
        match self {
            Step::Placed => "current_pin",
            Step::PinConfirmed => "new_pin",
            Step::NewPinSet => "remove_card",
        }
    }
}

/// One step of one session.
#[derive(Debug, Clone)]
struct Wait {
    /// The customer's act to the next screen.
    total: Duration,
    /// What the card held its exchanges for in that window.
    card: Duration,
    /// Step 1 only: the act to the kiosk's first sign of the card (the reading screen).
    noticed: Option<Duration>,
    /// The card's exchanges in the window.
    ledger: Ledger,
    /// When the step began (wall clock, µs), to place the exchanges in it.
    began_unix_us: u64,
}

impl Wait {
    fn software(&self) -> Duration {
        self.total.saturating_sub(self.card)
    }

    /// The software's share from the moment the kiosk heard of the card (step 1; the whole
    /// step for the others): the card's exchanges after that moment against the time left.
    fn share_once_noticed(&self) -> f64 {
        let noticed = self.noticed.unwrap_or_default();
        let from_us = self.began_unix_us + u64::try_from(noticed.as_micros()).unwrap_or(0);
        let card: u64 = self
            .ledger
            .recent
            .iter()
            .filter(|e| e.received_unix_us >= from_us)
            .map(|e| e.held_us)
            .sum();
        let rest = self.total.saturating_sub(noticed);
        let software = rest.saturating_sub(Duration::from_micros(card));
        software.as_secs_f64() / rest.as_secs_f64()
    }

    fn share(&self) -> f64 {
        self.software().as_secs_f64() / self.total.as_secs_f64()
    }
}

/// The PINs of one kind of reset on the `normal` card.
struct Pins {
    known: &'static str,
    new: &'static str,
}

fn pins(kind: ResetKind) -> Pins {
    match kind {
        ResetKind::Signing => Pins {
            known: "1234",
            new: "WAIT42X",
        },
        ResetKind::Auth => Pins {
            known: "ABC123",
            new: "8642",
        },
    }
}

/// The kiosk, its timed card and its centre.
struct Kiosk {
    driver: Driver,
    card: CardProcess,
    centre: CentreProcess,
    /// The `normal` card's profile: placed afresh for each customer, with its original PINs.
    profile: PathBuf,
    certificate: PathBuf,
}

impl Kiosk {
    fn start(stack: &PcscStack, timing: &str) -> Kiosk {
        let card = stack.card_with_timing("normal", Slot::First, timing);
        card.pull();
        let centre = CentreProcess::start(stack);
        let credential = stack.scratch().join("kiosk-credential");
        centre.add_kiosk("STORE-0001", &credential);
        let mut config = production_config(stack.scratch(), &centre.url, Duration::from_secs(10));
        config.offered = vec![ResetKind::Signing, ResetKind::Auth];
        let credential = std::fs::read_to_string(&credential).expect("credential");
        // Completions retried as the configuration says (the shipped default).
        let retry = config.timeouts.completion_retry;
        let driver = Driver::start(config, &credential, retry);
        Kiosk {
            driver,
            card,
            centre,
            profile: profile_path("normal"),
            certificate: workspace_root().join("config/cards/normal/auth-cert.der"),
        }
    }

    /// One customer's whole reset, timing the three card steps; the `n`th customer.
    fn session(&mut self, n: usize, kind: ResetKind) -> Result<[Wait; 3], String> {
        let pins = pins(kind);
        self.centre.reserve(&self.certificate, kind.as_str());
        self.driver.walk_to_card_screen(kind);
        self.driver.expect("insert_card")?;

        let placed = self.timed(Step::Placed, |kiosk| {
            kiosk
                .card
                .control(&format!("insert {}", kiosk.profile.display()))
                .map(drop)
        })?;
        self.driver.type_pin(pins.known);
        let confirmed = self.timed(Step::PinConfirmed, |kiosk| {
            kiosk.driver.confirm_pin();
            Ok(())
        })?;
        self.driver.type_new_pin(pins.new);
        self.driver.next_new_pin();
        self.driver.type_new_pin(pins.new);
        let set = self.timed(Step::NewPinSet, |kiosk| {
            kiosk.driver.next_new_pin();
            Ok(())
        })?;

        self.card.pull();
        self.driver.reach("done", WAIT)?;
        self.driver.finish();
        self.driver.reach("top", WAIT)?;
        let phase = (n as u64 * PHASE_STEP_MS) % POLL_MS;
        std::thread::sleep(BETWEEN_CUSTOMERS + Duration::from_millis(phase));
        Ok([placed, confirmed, set])
    }

    /// Runs the customer's `act`, waits for the step's screen, and reads the card's ledger
    /// before and after.
    fn timed(
        &mut self,
        step: Step,
        act: impl FnOnce(&mut Kiosk) -> Result<(), String>,
    ) -> Result<Wait, String> {
        let before = self.card.timing();
        let began = Instant::now();
        let began_unix_us = unix_micros(SystemTime::now());
        act(self)?;
        self.driver.reach(step.until(), WAIT)?;
        let since = |screen: &str| {
            self.driver
                .entered(screen)
                .filter(|at| *at >= began)
                .map(|at| at - began)
        };
        let total = since(step.until())
            .ok_or_else(|| format!("{}: no {} screen after the act", step.label(), step.until()))?;
        let noticed = match step {
            Step::Placed => since("reading"),
            Step::PinConfirmed | Step::NewPinSet => None,
        };
        let ledger = self.card.timing().since(&before);
        // The ledger is read after the screen showed: what the card did from then on (the
        // kiosk dropping its connection as the screen changes, which resets the card) is not
        // part of the wait.
        let window_end_us = began_unix_us + u64::try_from(total.as_micros()).unwrap_or(u64::MAX);
        let after_window_us: u64 = ledger
            .recent
            .iter()
            .map(|e| {
                let end = e.received_unix_us + e.held_us;
                if e.received_unix_us >= window_end_us {
                    e.held_us
                } else {
                    end.saturating_sub(window_end_us)
                }
            })
            .sum();
        let card = ledger
            .total()
            .saturating_sub(Duration::from_micros(after_window_us));
        Ok(Wait {
            total,
            card,
            noticed,
            ledger,
            began_unix_us,
        })
    }
}

/// The value at quantile `q` of `values` (nearest rank).
fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// p50 and p99 of `value` over `waits`.
fn p50_p99(waits: &[&Wait], value: impl Fn(&Wait) -> f64) -> (f64, f64) {
    let values: Vec<f64> = waits.iter().map(|w| value(w)).collect();
    (quantile(&values, 0.5), quantile(&values, 0.99))
}

fn print_table(kind: ResetKind, sessions: &[[Wait; 3]]) {
    println!(
        "{} reset, {} sessions (ms; share = software / total, goal ≤ {:.0} %)",
        kind.as_str(),
        sessions.len(),
        GOAL_SHARE * 100.0
    );
    println!(
        "  {:<36} {:>9} {:>9} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9}",
        "step",
        "card p50",
        "card p99",
        "total p50",
        "total p99",
        "soft p50",
        "soft p99",
        "share p50",
        "share p99"
    );
    for (i, step) in Step::ALL.iter().enumerate() {
        let waits: Vec<&Wait> = sessions.iter().map(|s| &s[i]).collect();
        let card = p50_p99(&waits, |w| ms(w.card));
        let total = p50_p99(&waits, |w| ms(w.total));
        let software = p50_p99(&waits, |w| ms(w.software()));
        let share = p50_p99(&waits, |w| w.share() * 100.0);
        println!(
            "  {:<36} {:>9.1} {:>9.1} {:>10.1} {:>10.1} {:>9.1} {:>9.1} {:>8.1}% {:>8.1}%",
            step.label(),
            card.0,
            card.1,
            total.0,
            total.1,
            software.0,
            software.1,
            share.0,
            share.1
        );
        if *step == Step::Placed {
            let noticed = p50_p99(&waits, |w| w.noticed.map(ms).unwrap_or(f64::NAN));
            let after = p50_p99(&waits, |w| 100.0 * w.share_once_noticed());
            println!(
                "    of which until the kiosk hears of the card: p50 {:.1}, p99 {:.1}; share once it has: p50 {:.1} %, p99 {:.1} %",
                noticed.0, noticed.1, after.0, after.1
            );
        }
    }
    let whole: Vec<f64> = sessions
        .iter()
        .map(|s| {
            let total: Duration = s.iter().map(|w| w.total).sum();
            let card: Duration = s.iter().map(|w| w.card).sum();
            100.0 * total.saturating_sub(card).as_secs_f64() / total.as_secs_f64()
        })
        .collect();
    println!(
        "  all three steps together: share p50 {:.1} %, p99 {:.1} %",
        quantile(&whole, 0.5),
        quantile(&whole, 0.99)
    );
    println!();
}

/// One session's steps exchange by exchange: when each began after the customer's act, what the
/// card held it for, and the gap before it (time outside the card).
fn print_timeline(kind: ResetKind, session: &[Wait; 3]) {
    println!(
        "{} reset, last session, exchange by exchange (ms):",
        kind.as_str()
    );
    for (step, wait) in Step::ALL.iter().zip(session) {
        println!(
            "  {}: total {:.1}, card {:.1}, software {:.1}",
            step.label(),
            ms(wait.total),
            ms(wait.card),
            ms(wait.software())
        );
        let mut noticed = wait.noticed.map(ms);
        let mut free_since = 0.0;
        for exchange in &wait.ledger.recent {
            let at = exchange.received_unix_us.saturating_sub(wait.began_unix_us) as f64 / 1e3;
            if let Some(heard) = noticed.filter(|heard| *heard <= at) {
                println!("    {heard:>8.1}  the kiosk hears of the card");
                noticed = None;
            }
            let held = exchange.held_us as f64 / 1e3;
            println!(
                "    {at:>8.1}  {:<14} held {held:>7.1}   gap before {:>6.1}",
                format!("{:?}", exchange.operation),
                at - free_since
            );
            free_since = at + held;
        }
        println!(
            "    {:>8.1}  next screen          gap before {:>6.1}",
            ms(wait.total),
            ms(wait.total) - free_since
        );
    }
    println!();
}

fn main() {
    let sessions: usize = std::env::var("SESSIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_SESSIONS);
    let timing = std::env::var("TIMING").unwrap_or_else(|_| "contactless".to_string());
    let stack = pcsc_stack!("bench_card_wait");
    let mut kiosk = Kiosk::start(&stack, &timing);
    let profile = kiosk
        .card
        .timing_profile()
        .unwrap_or_else(|| panic!("--timing {timing} gave the card no timing profile"));
    println!(
        "card wait: {sessions} signing and {sessions} auth resets (after {WARM_UP} warm-up each) through the kiosk's state machine, pcscd + vpcd, the centre over HTTP"
    );
    println!(
        "card timing profile {:?}: {} kbit/s, frames of {} bytes, turnaround {} µs, reader {} µs per APDU; RSA-2048 signature {} ms, EEPROM write {} ms",
        profile.name,
        u32::from(profile.link.bit_rate),
        profile.link.max_frame_bytes,
        profile.link.turnaround_us,
        profile.reader_us,
        profile.card.rsa_2048_sign_us / 1000,
        profile.card.eeprom_write_us / 1000
    );
    println!();

    let kinds = [ResetKind::Signing, ResetKind::Auth];
    let mut results: Vec<Vec<[Wait; 3]>> = vec![Vec::new(), Vec::new()];
    for n in 0..(WARM_UP + sessions) * kinds.len() {
        let which = n % kinds.len();
        let kind = kinds[which];
        let waits = kiosk
            .session(n, kind)
            .unwrap_or_else(|error| panic!("{} session {n}: {error}", kind.as_str()));
        if n / kinds.len() >= WARM_UP {
            results[which].push(waits);
        }
    }
    assert!(
        wait_for_card(Slot::First.reader(), false, Duration::from_secs(5)),
        "the card is still on the reader at the end"
    );

    for (kind, sessions) in kinds.iter().zip(&results) {
        print_table(*kind, sessions);
    }
    for (kind, sessions) in kinds.iter().zip(&results) {
        if let Some(last) = sessions.last() {
            print_timeline(*kind, last);
        }
    }
    println!(
        "reservations used: {} (expected {})",
        kiosk
            .centre
            .reservations()
            .as_array()
            .map(|list| list.iter().filter(|r| r["state"] == "used").count())
            .unwrap_or(0),
        (WARM_UP + sessions) * kinds.len()
    );
}
