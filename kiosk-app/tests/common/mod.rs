//! A kiosk under test: the real app, the real worker, the demo's in-process virtual cards and
//! centre; clicks go through iced_test's simulator on the app's own view, and the worker's
//! events are fed back into `update`, as the running application does.

#![allow(dead_code)]

pub mod fit;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use iced::{Size, Theme};
use iced_test::simulator::Simulator;
use kiosk_app::app::{App, Message};
use kiosk_app::demo::CentreStart;
use kiosk_app::demo::DemoHands;
use kiosk_app::demo::stand_ins::{self, DemoReader};
use kiosk_app::i18n::MessageId;
use kiosk_app::theme;
use kiosk_core::config::Config;
use kiosk_core::worker::{self, Event};

pub const SIZE: Size = Size::new(1280.0, 800.0);

pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub struct Kiosk {
    pub app: App,
    /// The demo's reader, shared with the worker: tests look at the card through it.
    pub reader: virtual_card::InProcessReader,
    /// The demo panel's hands on it.
    hands: DemoReader,
    events: Receiver<Event>,
    _database: tempfile::TempDir,
    /// The kiosk's state directory (audit log, lockout, out-of-service switch).
    pub state: Arc<tempfile::TempDir>,
}

impl Kiosk {
    /// The demo kiosk as configured in `config/kiosk.json`.
    pub fn demo() -> Kiosk {
        Kiosk::with(|_| {})
    }

    /// The demo kiosk with its configuration changed first.
    pub fn with(tweak: impl FnOnce(&mut Config)) -> Kiosk {
        Kiosk::reserving(None, tweak)
    }

    /// The demo kiosk whose centre holds reservations of `reserved` kinds only (the menu still
    /// offers what the configuration offers): a holder who reserved the other reset.
    pub fn reserving(
        reserved: Option<Vec<reset_protocol::ResetKind>>,
        tweak: impl FnOnce(&mut Config),
    ) -> Kiosk {
        let state = Arc::new(tempfile::tempdir().expect("state dir"));
        Kiosk::build(reserved, state, tweak)
    }

    /// The same kiosk started again on the state another one left (a restart).
    pub fn restarted(previous: Kiosk) -> Kiosk {
        let state = previous.state.clone();
        drop(previous);
        Kiosk::build(None, state, |_| {})
    }

    fn build(
        reserved: Option<Vec<reset_protocol::ResetKind>>,
        state: Arc<tempfile::TempDir>,
        tweak: impl FnOnce(&mut Config),
    ) -> Kiosk {
        let path = workspace().join("config/kiosk.json");
        let mut config = Config::load(&path).expect("the demo configuration");
        config.state_dir = state.path().to_path_buf();
        // ALSA's null device: the prompts are played (aplay runs) but a developer's speakers
        // stay quiet; tests/voice.rs captures them instead.
        config.audio.device = "null".to_string();
        tweak(&mut config);
        let mut centre_view = config.clone();
        if let Some(kinds) = reserved {
            centre_view.offered = kinds;
        }
        let services =
            stand_ins::services(&centre_view, &path, CentreStart::Now).expect("demo services");
        // The worker and the app share the kiosk's status, as in the running application.
        let shared = worker::Shared::for_config(&config);
        let (handle, events) =
            worker::start_shared(&config, Box::new(services.cards), services.centre, &shared);
        // The demo panel is left out (snapshots show what a customer sees); its hands place and
        // take the cards.
        let hands = services.reader;
        let database = services.database;
        let records = kiosk_core::records::Records::open(&config).expect("records");
        let mut app =
            App::with_worker(Arc::new(config), handle, None, records).reporting_to(shared.status);
        app.set_window_size(SIZE);
        let mut kiosk = Kiosk {
            app,
            reader: hands.reader().clone(),
            hands,
            events,
            _database: database,
            state,
        };
        kiosk.settle();
        kiosk
    }

    pub fn screen(&self) -> &'static str {
        self.app.screen().name()
    }

    fn simulator(&self) -> Simulator<'_, Message> {
        simulator_of(&self.app)
    }

    /// Taps the element showing exactly `label` and lets the app react.
    pub fn tap(&mut self, label: &str) {
        self.tap_exact(&displayed(label));
    }

    /// Taps the element showing the text of `id` in the language on screen.
    pub fn tap_id(&mut self, id: MessageId) {
        self.tap_exact(kiosk_app::i18n::text(self.app.language(), id));
    }

    /// Whether the text of `id` in the language on screen is shown.
    pub fn shows_id(&self, id: MessageId) -> bool {
        let mut ui = self.simulator();
        ui.find(kiosk_app::i18n::text(self.app.language(), id))
            .is_ok()
    }

    /// Taps the element showing exactly `label`, as the screen holds it.
    pub fn tap_exact(&mut self, label: &str) {
        let messages: Vec<Message> = {
            let mut ui = self.simulator();
            ui.click(label)
                .unwrap_or_else(|e| panic!("no {label:?} on the {} screen: {e}", self.screen()));
            ui.into_messages().collect()
        };
        assert!(
            !messages.is_empty(),
            "{label:?} on the {} screen does nothing",
            self.screen()
        );
        for message in messages {
            let _ = self.app.update(message);
        }
        self.settle();
    }

    /// Taps `label` if it does something; false if it is there but disabled (or absent).
    pub fn taps(&mut self, label: &str) -> bool {
        let messages: Vec<Message> = {
            let mut ui = self.simulator();
            if ui.click(displayed(label).as_str()).is_err() {
                return false;
            }
            ui.into_messages().collect()
        };
        let acted = !messages.is_empty();
        for message in messages {
            let _ = self.app.update(message);
        }
        self.settle();
        acted
    }

    /// Whether `label` is on screen.
    pub fn shows(&self, label: &str) -> bool {
        let mut ui = self.simulator();
        ui.find(displayed(label).as_str()).is_ok()
    }

    pub fn send(&mut self, message: Message) {
        let _ = self.app.update(message);
        self.settle();
    }

    /// Feeds the worker's events until it has nothing more to say (waiting while the screen
    /// shows a card or centre operation under way).
    pub fn settle(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let busy = matches!(self.screen(), "reading" | "checking" | "processing");
            let wait = if busy {
                Duration::from_millis(500)
            } else {
                Duration::from_millis(120)
            };
            match self.events.recv_timeout(wait) {
                Ok(event) => {
                    let _ = self.app.update(Message::Worker(event));
                }
                Err(RecvTimeoutError::Timeout) if busy && Instant::now() < deadline => {}
                Err(_) => return,
            }
        }
    }

    /// Whether the card on the reader accepts `pin` as its signing password (a wrong one uses a
    /// try, as on a real card).
    pub fn card_accepts_signing_pin(&self, pin: &str) -> bool {
        let transport = self.reader.connect().expect("a card on the reader");
        let pin = card_driver::pin::SigningPin::new(pin).expect("well formed");
        card_driver::jpki::Jpki::new(transport)
            .verify_signing_pin(&pin)
            .is_ok()
    }

    /// Whether the card on the reader accepts `pin` as its auth PIN (a wrong one uses a try).
    pub fn card_accepts_auth_pin(&self, pin: &str) -> bool {
        let transport = self.reader.connect().expect("a card on the reader");
        let pin = card_driver::pin::AuthPin::new(pin).expect("well formed");
        card_driver::jpki::Jpki::new(transport)
            .verify_auth_pin(&pin)
            .is_ok()
    }

    /// Places a demo card; the screen must react to it (on the top or card screens).
    pub fn place(&mut self, profile: &str) {
        let hands = self.hands.clone();
        self.expecting_change(|| hands.place(profile));
    }

    /// Takes the demo card; the screen must react to it.
    pub fn pull(&mut self) {
        let hands = self.hands.clone();
        self.expecting_change(|| hands.pull());
    }

    /// Does what has its effect arrive as worker events, and waits (on a busy machine too)
    /// until the screen has changed.
    fn expecting_change(&mut self, action: impl FnOnce()) {
        let before = self.screen();
        action();
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.screen() == before && Instant::now() < deadline {
            if let Ok(event) = self.events.recv_timeout(Duration::from_millis(100)) {
                let _ = self.app.update(Message::Worker(event));
            }
        }
        self.settle();
    }

    /// Types on the keypad or keyboard, key by key.
    pub fn type_keys(&mut self, keys: &str) {
        for key in keys.chars() {
            self.tap(&key.to_string());
        }
    }

    /// Lets `seconds` of inactivity pass.
    pub fn idle(&mut self, seconds: u64) {
        self.send(Message::Tick(Instant::now() + Duration::from_secs(seconds)));
    }

    /// Walks from the top to the PIN screen with `profile` on the reader.
    pub fn walk_to_pin_screen(&mut self, profile: &str) {
        self.walk_with("署名用パスワードの初期化・再設定", profile);
    }

    /// Walks the auth-PIN reset from the top to the PIN screen with `profile` on the reader.
    pub fn walk_to_signing_password_screen(&mut self, profile: &str) {
        self.walk_with("利用者証明用パスワードの初期化・再設定", profile);
    }

    fn walk_with(&mut self, reset: &str, profile: &str) {
        self.tap("行政サービス");
        self.tap("マイナンバーカードのパスワード再設定");
        self.tap(reset);
        self.tap("同意する");
        assert_eq!(self.screen(), "insert_card");
        self.place(profile);
    }

    /// Compares the screen with its committed snapshot (see [`snapshot_of`]).
    pub fn snapshot(&self, name: &str) {
        snapshot_of(&self.app, name);
    }
}

/// A label as a test writes it, as the screen holds it: with the word joiners that keep Japanese
/// numbers with their units (`i18n::keep_numbers_together`; Latin text is left as it is).
pub fn displayed(label: &str) -> String {
    kiosk_app::i18n::keep_numbers_together(label)
}

/// Compares what `app` shows with `tests/snapshots/<name>-tiny-skia.png`. A missing snapshot
/// fails (CI must not write its own expectations) unless KIOSK_UPDATE_SNAPSHOTS=1.
pub fn snapshot_of(app: &App, name: &str) {
    {
        let path = snapshot_path(name);
        let file = path.with_file_name(format!("{name}-tiny-skia.png"));
        let updating = std::env::var("KIOSK_UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1");
        if updating {
            let _ = std::fs::remove_file(&file);
        } else {
            assert!(
                file.exists(),
                "snapshot {} is missing (KIOSK_UPDATE_SNAPSHOTS=1 writes it)",
                file.display()
            );
        }
        let mut ui = simulator_of(app);
        let snapshot = ui.snapshot(&Theme::Light).expect("snapshot");
        assert!(
            snapshot.matches_image(&path).expect("snapshot compares"),
            "the {} screen differs from {}",
            app.screen().name(),
            file.display()
        );
    }
}

/// The app's view in a simulator of the test size, with the bundled fonts.
pub fn simulator_of(app: &App) -> Simulator<'_, Message> {
    let settings = iced::Settings {
        fonts: theme::font_files().map(Into::into).collect(),
        default_font: theme::FONT,
        ..iced::Settings::default()
    };
    Simulator::with_size(settings, SIZE, app.view())
}

fn snapshot_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.png"))
}
