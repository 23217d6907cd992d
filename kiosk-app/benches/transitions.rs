//! Benchmark (prints figures; not a test): the cost of one screen transition — `update`, then
//! `view` and the layout the runtime computes before drawing — for every step of the flow.
//! Goal: under 1 ms each. Drawing is left out (it depends on the screen and the GPU/CPU).
//!
//! Run: `cargo bench -p kiosk-app --bench transitions` (or `make bench`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use iced::{Pixels, Size};
use iced_test::core::renderer::Headless;
use iced_test::runtime::user_interface::{Cache, UserInterface};
use kiosk_app::app::{App, Message};
use kiosk_app::screen::{consent, done, new_pin, pin_entry, reset_menu, services, top};
use kiosk_app::theme;
use kiosk_app::widget::{keyboard, keypad};
use kiosk_core::config::Config;
use kiosk_core::worker::Event;
use reset_protocol::ResetKind;

const ROUNDS: usize = 300;

fn steps() -> Vec<(&'static str, Message)> {
    let digit = |d| Message::CurrentPin(pin_entry::Message::Keypad(keypad::Key::Digit(d)));
    let letter = |c| Message::NewPin(new_pin::Message::Keyboard(keyboard::Key::Char(c)));
    let mut steps = vec![
        ("top → services", Message::Top(top::Message::Government)),
        (
            "services → reset menu",
            Message::Services(services::Message::PasswordReset),
        ),
        (
            "reset menu → consent",
            Message::ResetMenu(reset_menu::Message::Choose(ResetKind::Signing)),
        ),
        (
            "consent → insert card",
            Message::Consent(consent::Message::Agree),
        ),
        (
            "insert card → reading",
            Message::Worker(Event::CardPresent(true)),
        ),
        (
            "reading → PIN entry",
            Message::Worker(Event::CardRead(Ok(3))),
        ),
        ("PIN key press", digit(1)),
    ];
    steps.extend([
        ("PIN key press", digit(2)),
        ("PIN key press", digit(3)),
        ("PIN key press", digit(4)),
    ]);
    steps.push((
        "PIN entry → checking",
        Message::CurrentPin(pin_entry::Message::Confirm),
    ));
    steps.push((
        "checking → new password",
        Message::Worker(Event::Verified(Ok(()))),
    ));
    for pass in 0..2 {
        for c in "NEWPASS1".chars() {
            steps.push(("password key press", letter(c)));
        }
        let next = if pass == 0 {
            "new password → again"
        } else {
            "again → processing"
        };
        steps.push((next, Message::NewPin(new_pin::Message::Next)));
    }
    steps.push((
        "processing → remove card",
        Message::Worker(Event::ResetDone(Ok(()))),
    ));
    steps.push((
        "remove card → done",
        Message::Worker(Event::CardPresent(false)),
    ));
    steps.push(("done → top", Message::Done(done::Message::Finish)));
    steps
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let config = Arc::new(Config::load(&root.join("config/kiosk.json")).expect("config"));
    let size = Size::new(1920.0, 1080.0);
    // A simulator loads the bundled fonts into the shared font system once.
    {
        let settings = iced::Settings {
            fonts: theme::font_files().map(Into::into).collect(),
            default_font: theme::FONT,
            ..iced::Settings::default()
        };
        let app = App::detached(config.clone());
        let _ = iced_test::simulator::Simulator::with_size(settings, size, app.view());
    }
    let mut renderer = iced_test::futures::futures::executor::block_on(
        <iced_test::renderer::Renderer as Headless>::new(
            theme::FONT,
            Pixels(16.0),
            Some("tiny-skia"),
        ),
    )
    .expect("a headless renderer");

    let steps = steps();
    let mut timings: Vec<(&str, Vec<Duration>)> = Vec::new();
    for _ in 0..ROUNDS {
        let mut app = App::detached(config.clone());
        app.set_window_size(size);
        let _ = app.update(Message::Worker(Event::ReaderReady));
        let mut cache = Cache::default();
        for (name, message) in steps.clone() {
            let started = Instant::now();
            let _ = app.update(message);
            let interface = UserInterface::build(app.view(), size, cache, &mut renderer);
            cache = interface.into_cache();
            let elapsed = started.elapsed();
            match timings.iter_mut().find(|(n, _)| *n == name) {
                Some((_, samples)) => samples.push(elapsed),
                None => timings.push((name, vec![elapsed])),
            }
        }
        assert_eq!(app.screen().name(), "top", "the flow went round");
    }
    println!(
        "kiosk screen transitions at 1920×1080: update + view + layout, {ROUNDS} rounds (goal < 1 ms)"
    );
    println!(
        "  {:<28} {:>10} {:>10} {:>10}",
        "step", "mean µs", "p50 µs", "p99 µs"
    );
    let mut worst: f64 = 0.0;
    for (name, mut samples) in timings {
        samples.sort();
        let micros = |d: Duration| d.as_secs_f64() * 1e6;
        let mean = samples.iter().map(|d| micros(*d)).sum::<f64>() / samples.len() as f64;
        let p99 = micros(samples[(samples.len() - 1) * 99 / 100]);
        worst = worst.max(p99);
        println!(
            "  {name:<28} {mean:>10.1} {:>10.1} {p99:>10.1}",
            micros(samples[samples.len() / 2])
        );
    }
    println!("  worst p99: {worst:.1} µs");
}
