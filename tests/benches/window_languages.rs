//! Every language on the real window at 1920×1080 (prints figures; not a test): the demo layout
//! of the real kiosk binary under Xvfb, walked in each of the six languages and with the
//! accessibility switches on, to the PIN screen, then through both resets, a refusal and
//! maintenance mode (`system_tests::walks`), every screen compared pixel by pixel with a full
//! repaint of the same state. The same walk at 1280×800, where text is tightest, is part of
//! `make test` (`tests/window_fidelity.rs`); this one is here to keep `make test` under its
//! time. It prints the screens checked and how long the walk took, and panics, listing the
//! screens, if any differ (artifacts in `target/test-artifacts/window_languages_1920x1080/`).
//!
//! Run: `cargo bench -p system-tests --bench window_languages` (needs Xvfb, as the tests do).

use std::path::Path;
use std::time::Instant;

use system_tests::walks::{LARGE, demo};

fn main() {
    let started = Instant::now();
    let checked = demo(
        "window_languages_1920x1080",
        Path::new(env!("CARGO_BIN_EXE_harness-kiosk-app")),
        ":75",
        LARGE,
        true,
    );
    let elapsed = started.elapsed();
    println!(
        "window_languages: {checked} screens at {}x{} as a full repaint draws them, in {:.1} s \
         ({:.2} s a screen)",
        LARGE.0,
        LARGE.1,
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() / checked.max(1) as f64
    );
}
