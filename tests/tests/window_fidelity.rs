//! What the customer sees is what was drawn: the real kiosk binary under Xvfb, tapped through
//! the signing reset, the auth-PIN reset, a refusal (removal and error screens, in Japanese and
//! in English) and maintenance mode, at 1280×800 and 1920×1080 (`system_tests::walks`), in the
//! production layout (PC/SC reader through pcscd + vpcd, the centre over HTTP) and in the demo
//! layout (its panel, virtual cards in-process). At 1280×800, the tighter of the two, the demo
//! also walks every other language and the accessibility switches to the PIN screen; the same
//! at 1920×1080 is the `window_languages` benchmark (`make bench`), which keeps `make test`
//! under its time. Every screen as drawn is compared pixel by pixel with a full repaint of the
//! same state (`system_tests::window`); any difference fails, with the screenshots, repaints
//! and difference images kept in `target/test-artifacts/<test>/`.

use std::path::Path;

use system_tests::pcsc_stack;
use system_tests::walks::{LARGE, SMALL, demo, production};

const HARNESS_KIOSK: &str = env!("CARGO_BIN_EXE_harness-kiosk-app");

#[test]
fn production_screens_at_1280x800_are_what_a_full_repaint_draws() {
    let stack = pcsc_stack!("production_screens_at_1280x800_are_what_a_full_repaint_draws");
    production(&stack, ":71", SMALL);
}

#[test]
fn production_screens_at_1920x1080_are_what_a_full_repaint_draws() {
    let stack = pcsc_stack!("production_screens_at_1920x1080_are_what_a_full_repaint_draws");
    production(&stack, ":72", LARGE);
}

#[test]
fn demo_screens_at_1280x800_are_what_a_full_repaint_draws() {
    demo(
        "demo_screens_at_1280x800_are_what_a_full_repaint_draws",
        Path::new(HARNESS_KIOSK),
        ":73",
        SMALL,
        true,
    );
}

#[test]
fn demo_screens_at_1920x1080_are_what_a_full_repaint_draws() {
    demo(
        "demo_screens_at_1920x1080_are_what_a_full_repaint_draws",
        Path::new(HARNESS_KIOSK),
        ":74",
        LARGE,
        false,
    );
}
