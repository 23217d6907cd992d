//! Soak (prints figures; not a test): 1,000 customer sessions in a row through the kiosk
//! application's own state machine, against the virtual card over pcscd and the centre over
//! HTTP, in the mix of `system_tests::soak::Session::nth` (6 successes, 1 success after a wrong
//! PIN, 1 wrong PIN then cancel, 1 pulled card, 1 no reservation in every 10). The process's
//! resident memory, open file descriptors and threads are sampled every 100 sessions; growth is
//! measured from the end of the warm-up (session 100) to the end.
//!
//! Run: `cargo bench -p system-tests --bench soak` (`SESSIONS=N` for another count). Needs what
//! the tests need: pcscd and vpcd, no other pcscd running, root.

use std::time::Instant;

use system_tests::driver::Footprint;
use system_tests::pcsc_stack;
use system_tests::soak::{Session, Soak, growth};

const WARM_UP: usize = 100;

fn main() {
    let sessions: usize = std::env::var("SESSIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let stack = pcsc_stack!("bench_soak");
    let mut soak = Soak::start(&stack);
    let started = Instant::now();
    let mut warm = None;
    println!(
        "soak: {sessions} sessions through the kiosk's state machine (pcscd + vpcd, centre over HTTP)"
    );
    println!(
        "{:>8} {:>10} {:>6} {:>8} {:>10}",
        "session", "RSS KiB", "fds", "threads", "elapsed s"
    );
    let mut failures = 0;
    for n in 0..sessions {
        if let Err(error) = soak.run(Session::nth(n)) {
            failures += 1;
            eprintln!("session {n} ({:?}): {error}", Session::nth(n));
        }
        let done = n + 1;
        if done == WARM_UP {
            warm = Some(Footprint::now());
        }
        if done % 100 == 0 || done == sessions {
            let f = Footprint::now();
            println!(
                "{done:>8} {:>10} {:>6} {:>8} {:>10.1}",
                f.rss_kib,
                f.fds,
                f.threads,
                started.elapsed().as_secs_f64()
            );
        }
    }
    let end = Footprint::now();
    let successes = (0..sessions)
        .filter(|&n| matches!(Session::nth(n), Session::Success | Session::WrongThenRight))
        .count();
    println!();
    println!(
        "sessions {sessions}, failed {failures}, reservations used {} (expected {successes}), {:.2} s per session",
        soak.used(),
        started.elapsed().as_secs_f64() / sessions as f64
    );
    if let Some(warm) = warm {
        let (rss, fds, threads) = growth(warm, end);
        println!(
            "growth after warm-up ({WARM_UP} sessions) to the end: RSS {rss:+.2} % ({} → {} KiB), fds {fds:+}, threads {threads:+} (goal: RSS ≤ 5 %, no fd or thread growth)",
            warm.rss_kib, end.rss_kib
        );
    }
}
