//! `kiosk-app [--config config/kiosk.json] [--window WIDTHxHEIGHT]`
//! `kiosk-app [--config config/kiosk.json] set-staff-passcode`
//!
//! Opens the kiosk full screen on the monitor (a demo on virtual cards when the configuration
//! says `"demo": true`, the default one). `--window` opens a window of that size instead, for
//! development and screenshots. `set-staff-passcode` asks for the maintenance passcode (no
//! echo) and writes its Argon2id hash into the configuration.
//!
//! The kiosk logs through `tracing` (`kiosk_app::logging`: `RUST_LOG`, the journal under
//! systemd); `set-staff-passcode` talks to the person at the terminal in plain lines.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::Parser;
use iced::{Size, Task, window};
use kiosk_app::app::App;
use kiosk_app::demo::CentreStart;
use kiosk_app::services;
use kiosk_app::theme;
use kiosk_core::config::Config;
use kiosk_core::records::Records;
use kiosk_core::worker::Shared;

/// The My Number Card password-reset kiosk.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The kiosk's configuration.
    #[arg(long, global = true, default_value = "config/kiosk.json")]
    config: PathBuf,
    /// Open a window of this size (e.g. 1280x800) instead of filling the monitor.
    #[arg(long, value_parser = parse_size)]
    window: Option<Size>,
    #[command(subcommand)]
    tool: Option<Tool>,
}

#[derive(Debug, clap::Subcommand)]
enum Tool {
    /// Set the staff passcode for maintenance mode (asked twice, not echoed; stored as an
    /// Argon2id hash in the configuration's staff_passcode_hash).
    SetStaffPasscode,
}

fn parse_size(text: &str) -> Result<Size, String> {
    let (w, h) = text
        .split_once('x')
        .ok_or_else(|| format!("{text:?} is not WIDTHxHEIGHT"))?;
    let w: f32 = w
        .parse()
        .map_err(|_| format!("{text:?} is not WIDTHxHEIGHT"))?;
    let h: f32 = h
        .parse()
        .map_err(|_| format!("{text:?} is not WIDTHxHEIGHT"))?;
    Ok(Size::new(w, h))
}

fn main() -> ExitCode {
    kiosk_app::startup::mark_start();
    let args = Args::parse();
    if let Some(Tool::SetStaffPasscode) = args.tool {
        return match kiosk_app::passcode_setup::set_staff_passcode(&args.config) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("kiosk-app: {error}");
                ExitCode::FAILURE
            }
        };
    }
    kiosk_app::logging::init();
    let mut config = match Config::load(&args.config) {
        Ok(config) => config,
        Err(error) => {
            tracing::error!("kiosk-app: {error}");
            return ExitCode::FAILURE;
        }
    };
    if config.demo && !services::DEMO_BUILT {
        tracing::error!("kiosk-app: {}", services::NO_DEMO);
        return ExitCode::FAILURE;
    }
    if config.demo {
        match kiosk_core::config::demo_state_dir(&config.state_dir) {
            Ok(dir) if dir != config.state_dir => {
                tracing::warn!(
                    "the demo keeps its state in {} ({} cannot be written by this user)",
                    dir.display(),
                    config.state_dir.display()
                );
                config.state_dir = dir;
            }
            Ok(_) => {}
            Err(error) => {
                tracing::error!("kiosk-app: demo state: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    let config = Arc::new(config);
    kiosk_app::startup::phase("configuration");
    // Without a display winit panics with a stack trace; say what is missing instead.
    let Some(display) = kiosk_app::display::from_environment() else {
        tracing::error!("{}", kiosk_app::display::NO_DISPLAY);
        return ExitCode::from(kiosk_app::display::EXIT_NO_DISPLAY);
    };
    // Only now: a configuration or display refused is one line on stderr, nothing before it.
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "kiosk-app starting");
    let drawing_on = display.to_string();
    tracing::info!(target: kiosk_app::app::LOG, display = %drawing_on, "drawing on the {drawing_on}");
    kiosk_app::display::report_panics_in_one_line(display);
    // (The demo's database must live as long as the kiosk: `keep_alive`.)
    let services = match services::for_config(&config, &args.config, CentreStart::AfterFirstFrame) {
        Ok(services) => services,
        Err(error) => {
            tracing::error!("kiosk-app: {error}");
            return ExitCode::FAILURE;
        }
    };
    let keep_alive = services.keep_alive;
    kiosk_app::startup::phase("services");
    let records = match Records::open(&config) {
        Ok(records) => records,
        Err(error) => {
            tracing::error!("kiosk-app: {error}");
            return ExitCode::FAILURE;
        }
    };
    // A kiosk in a restart loop slows down (see `restarts`); the log says so.
    let wait = kiosk_app::restarts::record_start(&config.state_dir, std::time::SystemTime::now());
    if !wait.is_zero() {
        tracing::warn!(
            target: kiosk_app::app::LOG,
            wait_seconds = wait.as_secs(),
            "restarting often: waiting {} s first",
            wait.as_secs()
        );
        std::thread::sleep(wait);
    }
    // The state the worker, the screen and the heartbeat share; systemd follows it. The first
    // heartbeat goes now, on its own thread (the demo's in-process centre answers it once it
    // is up).
    let shared = Shared::for_config(&config);
    kiosk_app::watchdog::report_status_to_service_manager(&shared.status);
    let heartbeats = kiosk_core::heartbeat::start(
        kiosk_core::heartbeat::Settings::for_config(&config, kiosk_app::build()),
        services.centre.clone(),
        shared.status.clone(),
        shared.outbox.clone(),
    );
    let mut app = App::new(
        config.clone(),
        services.cards,
        services.centre,
        services.demo,
        records,
        shared,
    );
    match args.window {
        Some(size) => app.set_window_size(size),
        None => app.fill_monitor(),
    }
    kiosk_app::startup::phase("application state");
    let boot = Mutex::new(Some(app));
    // The kiosk's window asks for full screen from the start, and a Wayland compositor sizes it
    // to the output (cage 0.1.4 does so once the window is mapped: the first frame has `size`,
    // every later one the output's); the layout follows the window's size as the compositor
    // sets it (`Message::WindowResized`). Resizable, so that no fixed size goes to the
    // compositor as the window's minimum and maximum. An X server without a window manager
    // ignores full screen: there the app sizes the window to the monitor when it opens
    // (`App::fill_monitor`).
    let settings = window::Settings {
        size: args.window.unwrap_or(Size::new(1920.0, 1080.0)),
        fullscreen: args.window.is_none(),
        decorations: args.window.is_some(),
        resizable: true,
        position: window::Position::Specific(iced::Point::ORIGIN),
        ..window::Settings::default()
    };
    let application = iced::application(
        move || {
            let app = boot.lock().ok().and_then(|mut app| app.take());
            (app.expect("iced boots an application once"), Task::none())
        },
        App::update,
        App::view,
    )
    .subscription(App::subscription)
    .title(App::title)
    .style(App::style)
    .default_font(theme::FONT)
    .window(settings);
    // Every script's face (theme::FACES): each language is drawn in its own.
    let result = theme::font_files()
        .fold(application, |application, font| application.font(font))
        .run();
    drop(heartbeats);
    drop(keep_alive);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("kiosk-app: {error}");
            ExitCode::FAILURE
        }
    }
}
