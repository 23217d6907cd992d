//! When the kiosk started and when it first drew. Start-up work that no customer needs at once
//! (the demo's centre) waits for the first frame; and for the benchmark script
//! (`scripts/bench-kiosk`), with `KIOSK_REPORT_FIRST_FRAME=1` the first frame is reported on
//! stderr as `first frame: N ms after main, at T ns` (T since the Unix epoch, to compare with
//! the launch time the script took). These two reports stay plain lines on stderr, not log
//! events: the script reads them by their exact form, and they exist only when asked for.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use iced::{Subscription, window};

static STARTED: OnceLock<Instant> = OnceLock::new();
static REPORTED: AtomicBool = AtomicBool::new(false);

/// Notes the start of `main`.
pub fn mark_start() {
    let _ = STARTED.set(Instant::now());
}

fn wanted() -> bool {
    std::env::var("KIOSK_REPORT_FIRST_FRAME").is_ok_and(|v| v == "1")
}

static DRAWN: (Mutex<bool>, Condvar) = (Mutex::new(false), Condvar::new());

/// A subscription to frames until the first one (none after it).
pub fn first_frame() -> Subscription<()> {
    if REPORTED.load(Ordering::Relaxed) {
        Subscription::none()
    } else {
        window::frames().map(|_| ())
    }
}

/// Waits until the first frame is drawn, or `at_most`.
pub fn after_first_frame(at_most: Duration) {
    let (drawn, signal) = &DRAWN;
    let guard = drawn.lock().unwrap_or_else(|p| p.into_inner());
    let _ = signal.wait_timeout_while(guard, at_most, |drawn| !*drawn);
}

/// Reports how long after `main` a start-up phase ended (when reporting is on).
pub fn phase(name: &str) {
    if wanted() {
        let since_main = STARTED
            .get()
            .map(|s| s.elapsed().as_micros())
            .unwrap_or_default();
        eprintln!("start-up: {name} after {since_main} µs");
    }
}

/// `phase`, the first time only.
pub fn phase_once(name: &str) {
    static DONE: AtomicBool = AtomicBool::new(false);
    if wanted() && !DONE.swap(true, Ordering::Relaxed) {
        phase(name);
    }
}

/// Marks the first frame drawn; true the first time only (frames may be reported more than once
/// before the subscription ends).
pub fn report_first_frame() -> bool {
    if REPORTED.swap(true, Ordering::Relaxed) {
        return false;
    }
    let (drawn, signal) = &DRAWN;
    *drawn.lock().unwrap_or_else(|p| p.into_inner()) = true;
    signal.notify_all();
    if !wanted() {
        return true;
    }
    let since_main = STARTED
        .get()
        .map(|s| s.elapsed().as_millis())
        .unwrap_or_default();
    let unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    eprintln!("first frame: {since_main} ms after main, at {unix} ns");
    true
}
