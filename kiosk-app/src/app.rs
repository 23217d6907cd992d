//! The whole customer flow in one place: [`Screen`] says where the customer is, with the data
//! that step needs, and [`App::update`] moves between screens. Reading `update` and
//! `worker_event` tells the story of the eight screens:
//!
//! 0 Top → 1 Services → 2 ResetMenu → 3 Consent → 4 InsertCard (→ Reading) → 5 CurrentPin
//! (→ Checking) → 6 NewPin, twice (→ Processing) → 7 RemoveCard → 8 Done,
//! with Error, OutOfService, and the inactivity warning over any timed screen.
//!
//! Staff reach maintenance mode from the top (or out-of-service) screen by holding the header's
//! title for three seconds, then the staff passcode (StaffLogin → Staff). Every session's start
//! and end, and every staff action, is written to the audit log before the screen moves on.

use crate::i18n::msg;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use iced::widget::{column, container, opaque, row, stack};
use iced::{Alignment, Element, Length, Size, Subscription, Task, window};
use kiosk_core::cards::CardSource;
use reset_protocol::{ResetCentre, ResetKind};

use crate::assist::{Assist, Switch};
use crate::i18n::Language;
use crate::screen::remove_card::{ESCALATE_AFTER, Ending};
use crate::screen::{
    consent, done, error, insert_card, new_pin, out_of_service, pin_entry, processing, remove_card,
    reset_menu, services, staff, staff_login, top,
};
use crate::sound::{Part, Speaker};
use crate::theme::{Metrics, Tone};
use crate::voice::Clip;
use crate::widget::full_repaint::full_repaint;
use crate::widget::keypad::{self, Order};
use crate::widget::{Corner, Ctx, frame, overlay, text_button};
use kiosk_core::audit::{
    CardTag, Event as AuditEvent, Fault, Outcome as AuditOutcome, Reason, StaffAction,
};
use kiosk_core::config::{Config, KeypadLayout};
use kiosk_core::flow_error::FlowError;
use kiosk_core::records::Records;
use kiosk_core::status::Status;
use kiosk_core::worker::{self, Command, Shared, WorkerHandle};

use crate::demo::{self, Demo};

/// Where the customer is.
#[derive(Debug)]
pub enum Screen {
    Top,
    Services,
    ResetMenu,
    /// The reset chosen, before the customer agrees (the session starts with 「同意する」).
    Consent(ResetKind),
    InsertCard,
    /// The card is on the reader and being read (reservation checked before any PIN).
    Reading,
    CurrentPin(pin_entry::PinEntry),
    /// The PIN is being verified and the holder's proof sent to the centre.
    Checking {
        tries_left: u8,
    },
    NewPin(new_pin::NewPin),
    /// The reset itself: 「カードを動かさないでください」.
    Processing,
    RemoveCard {
        ending: Ending,
        since: Instant,
    },
    Done(ResetKind),
    Error {
        error: FlowError,
        kind: ResetKind,
    },
    OutOfService,
    /// Maintenance mode's door: the staff passcode.
    StaffLogin(staff_login::StaffLogin),
    /// Maintenance mode (boxed: its reports are large, and the customer's screens are many).
    Staff(Box<staff::Staff>),
}

impl Screen {
    /// The step shown in the header (1–8), if the screen is one of the eight.
    fn step(&self) -> Option<u8> {
        Some(match self {
            Screen::Services => 1,
            Screen::ResetMenu => 2,
            Screen::Consent(_) => 3,
            Screen::InsertCard | Screen::Reading => 4,
            Screen::CurrentPin(_) | Screen::Checking { .. } => 5,
            Screen::NewPin(_) | Screen::Processing => 6,
            // Step 7 of the eight only after a reset; a session that ended early (refused,
            // cancelled, timed out) is not two steps from the end.
            Screen::RemoveCard {
                ending: Ending::Success(_),
                ..
            } => 7,
            Screen::Done(_) => 8,
            _ => return None,
        })
    }

    /// Maintenance mode's screens (its door included): in Japanese or English, at the
    /// standard sizes, on the staff's own time.
    fn is_staff(&self) -> bool {
        matches!(self, Screen::StaffLogin(_) | Screen::Staff(_))
    }

    /// The name of the screen, for tests and the audit log (never any data).
    pub fn name(&self) -> &'static str {
        match self {
            Screen::Top => "top",
            Screen::Services => "services",
            Screen::ResetMenu => "reset_menu",
            Screen::Consent(_) => "consent",
            Screen::InsertCard => "insert_card",
            Screen::Reading => "reading",
            Screen::CurrentPin(_) => "current_pin",
            Screen::Checking { .. } => "checking",
            Screen::NewPin(_) => "new_pin",
            Screen::Processing => "processing",
            Screen::RemoveCard { .. } => "remove_card",
            Screen::Done(_) => "done",
            Screen::Error { .. } => "error",
            Screen::OutOfService => "out_of_service",
            Screen::StaffLogin(_) => "staff_login",
            Screen::Staff(staff) => staff.page().name(),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Message {
    Top(top::Message),
    Services(services::Message),
    ResetMenu(reset_menu::Message),
    Consent(consent::Message),
    InsertCard(insert_card::Message),
    CurrentPin(pin_entry::Message),
    NewPin(new_pin::Message),
    Done(done::Message),
    Error(error::Message),
    /// The header's language button: the choice of languages opens over the screen.
    Languages,
    /// A language chosen (on the top screen or in the choice): every text changes to it.
    Language(Language),
    /// The choice of languages closed without a change.
    CloseLanguages,
    /// An accessibility switch turned on or off (the top screen's accessibility panel).
    Assist(Switch),
    /// The accessibility panel's volume: one step louder (true) or quieter.
    Volume(bool),
    /// The accessibility panel closed.
    CloseAssist,
    /// 「続ける」 on the inactivity warning.
    Continue,
    Tick(Instant),
    WorkerReady(WorkerHandle),
    Worker(worker::Event),
    /// The demo panel.
    Demo(demo::Message),
    WindowOpened(window::Id),
    MonitorSize(window::Id, Option<Size>),
    WindowResized(Size),
    /// The first frame was drawn (reported for the benchmark; see `first_frame`).
    FirstFrame,
    /// The header's title pressed (true) or released (false): the staff's hidden gesture.
    Corner(bool),
    /// Time to tell systemd's watchdog the event loop is alive.
    Watchdog,
    /// SIGUSR1: draw the whole window afresh (`display::redraw_requests`).
    Redraw,
    StaffLogin(staff_login::Message),
    Staff(staff::Message),
}

/// Whether `message` is a key pressed on a keypad or keyboard (heard as the neutral tone).
fn is_key(message: &Message) -> bool {
    matches!(
        message,
        Message::CurrentPin(pin_entry::Message::Keypad(_) | pin_entry::Message::Keyboard(_))
            | Message::NewPin(new_pin::Message::Keypad(_) | new_pin::Message::Keyboard(_))
            | Message::StaffLogin(staff_login::Message::Keypad(_))
    )
}

/// How long staff hold the header's title to open the passcode screen.
pub const STAFF_HOLD: Duration = Duration::from_secs(3);
/// Maintenance mode ends by itself after this long without a touch.
pub const STAFF_IDLE: Duration = Duration::from_secs(5 * 60);

/// The customer's session, from 「同意する」 until the kiosk is back at the top: the reset it
/// is, the card's keyed tag once read, and whether the audit log has its end yet (the customer
/// may still be on the removal, done or error screen of an ended session).
#[derive(Debug, Clone)]
struct Session {
    kind: ResetKind,
    card: Option<CardTag>,
    logged_end: bool,
}

/// The inactivity limit of the current screen.
#[derive(Debug, Clone, Copy)]
struct Timer {
    started: Instant,
    limit: Duration,
    /// Whether the warning with 「続ける」 comes first (not on the done and error screens,
    /// which simply return to the top).
    warns: bool,
    extensions: u32,
}

/// The kiosk application.
#[allow(missing_debug_implementations)]
pub struct App {
    config: Arc<Config>,
    // The flow: where the customer is, in which language, in which session.
    language: Language,
    /// The choice of languages is open over the screen.
    choosing_language: bool,
    /// What this customer switched on (larger text, high contrast, more time).
    assist: Assist,
    /// The accessibility switches are open over the screen.
    choosing_assist: bool,
    screen: Screen,
    session: Option<Session>,
    timer: Option<Timer>,
    /// The inactivity warning is showing.
    warning: bool,
    /// The time of the last tick, for views that show a countdown.
    now: Instant,
    /// When the removal sound last played.
    last_alert: Option<Instant>,
    /// The card-left alert is due (the tick found it so; the update plays it).
    alert_due: bool,
    /// Plays the voice guidance, the key tones and the alert (`crate::sound`).
    speaker: Speaker,
    /// What the voice guidance last said (in which language), so that a screen's prompt is
    /// said once, and again only when it changes.
    spoken: Option<(Language, Vec<Clip>)>,
    /// When the header's title was pressed (the staff gesture), on a screen that allows it.
    corner_since: Option<Instant>,
    // The machine: the worker, what it said of the reader, what survives a restart.
    worker: Option<WorkerHandle>,
    /// Handed to the worker subscription once, at start.
    setup: WorkerSetup,
    device: Device,
    /// The audit log, the staff lockout, the out-of-service switch.
    records: Records,
    // The window.
    layout: Layout,
    /// Moves with every update that changes what is on screen: the next frame is then drawn
    /// whole (see `widget::full_repaint`).
    generation: u64,
    /// The demo's panel (the demo only).
    demo: Option<Demo>,
    /// How the kiosk is, shared with the worker and the heartbeat: the app adds the staff's
    /// switch, the records' state and the errors it decides itself, and shows staff whether
    /// the centre hears the kiosk.
    status: Status,
    /// The staff switch and the records' state as last put into `status`.
    status_synced: Option<(bool, bool)>,
}

/// The window the kiosk draws in, and the sizes of its layout.
#[derive(Debug)]
struct Layout {
    window: Size,
    metrics: Metrics,
    /// Size the window to the monitor when it opens (not when a window size was asked for).
    fill_monitor: bool,
}

/// The reader and its card, as the worker reported them.
#[derive(Debug, Default)]
struct Device {
    /// A reader is there and answering.
    reader_ok: bool,
    /// The worker has said whether there is a reader (until then the top screen offers nothing
    /// and claims nothing: a start is not an outage).
    reader_reported: bool,
    card_present: bool,
    /// The reader was lost since it was last ready (so its return is worth a log line).
    reader_was_lost: bool,
}

impl App {
    /// A kiosk with its worker to be started by the subscription (the running application),
    /// sharing `shared` with it (and with the heartbeat `main` starts on the same status).
    pub fn new(
        config: Arc<Config>,
        cards: Box<dyn CardSource>,
        centre: Arc<dyn ResetCentre>,
        demo: Option<Demo>,
        records: Records,
        shared: Shared,
    ) -> App {
        let status = shared.status.clone();
        let setup = WorkerSetup::new(config.clone(), cards, centre, shared);
        let speaker = Speaker::new(&config.audio.device);
        App::with_setup(config, setup, demo, records, speaker).reporting_to(status)
    }

    /// A kiosk with no worker at all: for tools that only need its screens and layout (the
    /// end-to-end test finds where to tap this way).
    pub fn detached(config: Arc<Config>) -> App {
        App::with_setup(
            config,
            WorkerSetup::empty(),
            None,
            Records::detached(),
            Speaker::silent(),
        )
    }

    /// A kiosk with no worker, laid out as the demo (with its panel): for tools that tap the
    /// demo's screens from outside.
    pub fn detached_demo(config: Arc<Config>, demo: Demo) -> App {
        App::with_setup(
            config,
            WorkerSetup::empty(),
            Some(demo),
            Records::detached(),
            Speaker::silent(),
        )
    }

    /// A kiosk talking to a worker the caller started (tests drive the worker's events).
    pub fn with_worker(
        config: Arc<Config>,
        worker: WorkerHandle,
        demo: Option<Demo>,
        records: Records,
    ) -> App {
        let speaker = Speaker::new(&config.audio.device);
        let mut app = App::with_setup(config, WorkerSetup::empty(), demo, records, speaker);
        app.worker = Some(worker);
        app
    }

    /// The app keeps `status` (the one its worker and heartbeat share: `worker::Shared`)
    /// rather than a status of its own.
    pub fn reporting_to(mut self, status: Status) -> App {
        self.status = status;
        self.status_synced = None;
        self.sync_status();
        self
    }

    /// How the kiosk is, as the app, the worker and the heartbeat keep it.
    pub fn status(&self) -> &Status {
        &self.status
    }

    /// Puts the staff's switch and the records' state into the status when they changed.
    fn sync_status(&mut self) {
        let now = (
            self.records.out_of_service(),
            self.records.broken().is_some(),
        );
        if self.status_synced != Some(now) {
            self.status_synced = Some(now);
            self.status.update(|snapshot| {
                (snapshot.staff_out_of_service, snapshot.records_broken) = now;
            });
        }
    }

    fn with_setup(
        config: Arc<Config>,
        setup: WorkerSetup,
        demo: Option<Demo>,
        records: Records,
        speaker: Speaker,
    ) -> App {
        // A kiosk taken out of service stays so across restarts until staff bring it back.
        let screen = if records.out_of_service() {
            Screen::OutOfService
        } else {
            Screen::Top
        };
        let mut app = App {
            language: config.default_language,
            assist: Assist::for_store(&config.audio),
            config,
            screen,
            session: None,
            choosing_language: false,
            choosing_assist: false,
            timer: None,
            warning: false,
            now: Instant::now(),
            last_alert: None,
            alert_due: false,
            speaker,
            spoken: None,
            corner_since: None,
            worker: None,
            setup,
            device: Device::default(),
            records,
            layout: Layout {
                window: Size::new(1920.0, 1080.0),
                metrics: Metrics::default(),
                fill_monitor: false,
            },
            generation: 0,
            demo,
            status: Status::new(),
            status_synced: None,
        };
        app.set_window_size(app.layout.window);
        app.sync_status();
        app
    }

    /// Where the customer is.
    pub fn screen(&self) -> &Screen {
        &self.screen
    }

    /// The language on screen.
    pub fn language(&self) -> Language {
        self.language
    }

    /// What this customer switched on.
    pub fn assist(&self) -> Assist {
        self.assist
    }

    /// Whether the inactivity warning is showing.
    pub fn warning(&self) -> bool {
        self.warning
    }

    /// A detached app (a tool's shadow of a running kiosk, with no worker and no records)
    /// follows the kiosk into maintenance mode, whose passcode it cannot check. Does nothing to
    /// a kiosk with a worker.
    pub fn follow_into_maintenance(&mut self) {
        if self.worker.is_none() && !self.setup.has_parts() {
            self.go(Screen::Staff(Box::default()));
        }
    }

    /// Whether a reader is there and answering (the worker said so).
    pub fn reader_ok(&self) -> bool {
        self.device.reader_ok
    }

    /// The kiosk's screen takes the window, less the demo panel in the demo.
    /// Puts `screen` up directly, in the language on screen, outside any session: the layout
    /// tests measure every error screen in every language this way. The flow never calls it.
    #[doc(hidden)]
    pub fn show_for_layout(&mut self, screen: Screen) {
        self.screen = screen;
    }

    pub fn set_window_size(&mut self, size: Size) {
        self.layout.window = size;
        let width = match self.demo {
            Some(_) => size.width - crate::demo::panel_width(size.width),
            None => size.width,
        };
        self.layout.metrics = Metrics::for_size(Size::new(width, size.height));
    }

    /// Fill the monitor when the window opens (the kiosk's normal way).
    pub fn fill_monitor(&mut self) {
        self.layout.fill_monitor = true;
    }

    fn ctx(&self) -> Ctx {
        // The staff's screens are in Japanese or English (docs/languages.md).
        let staff = self.screen.is_staff();
        let language = match self.language {
            Language::Japanese => Language::Japanese,
            _ if staff => Language::English,
            customer => customer,
        };
        // Nor do a customer's switches reach them (larger text is for the customer's screens,
        // which are tested to fit with it).
        let assist = if staff {
            Assist::default()
        } else {
            self.assist
        };
        Ctx {
            language,
            metrics: assist.metrics(self.layout.metrics),
            palette: assist.palette(),
            hide_cursor: self.config.hide_cursor,
            low: assist.low,
        }
    }

    fn send(&self, command: Command) {
        if let Some(worker) = &self.worker {
            worker.send(command);
        }
    }

    fn keypad_order(&self) -> Order {
        match self.config.keypad {
            KeypadLayout::Fixed => keypad::PHONE_ORDER,
            KeypadLayout::Shuffled => keypad::shuffled_order(),
        }
    }

    /// Why the customer flow is not offered now, if it is not.
    fn unavailable(&self) -> Option<top::Unavailable> {
        if self.out_of_service() || (self.device.reader_reported && !self.device.reader_ok) {
            return Some(top::Unavailable::OutOfService);
        }
        if !self.device.reader_reported {
            return Some(top::Unavailable::Starting);
        }
        if !self
            .config
            .in_service_hours(kiosk_core::config::japan_now())
        {
            let (start, end) = self.config.hours_text();
            return Some(top::Unavailable::OutsideHours { start, end });
        }
        None
    }

    /// Staff took the kiosk out of service, or the audit log cannot be written (a session that
    /// cannot be audited must not start).
    fn out_of_service(&self) -> bool {
        self.records.out_of_service() || self.records.broken().is_some()
    }

    // ---- moving between screens ----

    fn go(&mut self, screen: Screen) {
        self.screen = screen;
        let screen = self.screen.name();
        tracing::info!(target: LOG, screen, "screen {screen}");
        self.warning = false;
        let timeouts = self.config.timeouts;
        let limit = match &self.screen {
            Screen::Services | Screen::ResetMenu | Screen::Consent(_) | Screen::InsertCard => {
                Some((timeouts.screen, true))
            }
            Screen::CurrentPin(_) | Screen::NewPin(_) => Some((timeouts.pin, true)),
            Screen::Done(_) | Screen::Error { .. } => Some((timeouts.done, false)),
            Screen::StaffLogin(_) => Some((timeouts.pin, false)),
            Screen::Staff(_) => Some((STAFF_IDLE, false)),
            _ => None,
        };
        // The staff's screens keep their own time; the customer's get theirs.
        let staff = self.screen.is_staff();
        self.timer = limit.map(|(limit, warns)| Timer {
            started: Instant::now(),
            limit: if staff {
                limit
            } else {
                self.assist.limit(limit)
            },
            warns,
            extensions: 0,
        });
    }

    /// Back to the idle screen: the next customer starts afresh, in the default language (a
    /// card still on the reader is taken back first).
    fn back_to_top(&mut self) {
        // Any session still open ends here (a path that forgot to say how is a cancellation).
        self.end_session(AuditOutcome::Cancelled, None);
        self.session = None;
        self.language = self.config.default_language;
        self.choosing_language = false;
        self.assist = Assist::for_store(&self.config.audio);
        self.choosing_assist = false;
        self.leave(Ending::LeftBehind);
    }

    /// Someone set the top screen up for themselves (a language, a switch): if they walk away
    /// without starting, it goes back to the store's defaults after the screen's time, so
    /// that the next customer does not find another's choices.
    fn on_top_for_someone(&mut self) {
        if !matches!(self.screen, Screen::Top) {
            return;
        }
        let chosen = self.assist.any() || self.language != self.config.default_language;
        self.timer = chosen.then(|| Timer {
            started: Instant::now(),
            limit: self.assist.limit(self.config.timeouts.screen),
            warns: false,
            extensions: 0,
        });
    }

    /// The customer's language, from now on in this session. What they were typing is
    /// forgotten: they come back to an empty entry in the new language rather than to dots
    /// they may no longer remember the meaning of, and nothing typed lingers behind the choice.
    fn choose_language(&mut self, language: Language) {
        self.choosing_language = false;
        if language != self.language {
            self.language = language;
            match &mut self.screen {
                Screen::CurrentPin(entry) => entry.forget_typed(),
                Screen::NewPin(entry) => entry.forget_typed(),
                _ => {}
            }
        }
        self.activity();
        self.on_top_for_someone();
    }

    /// The one way out of a session, or of a screen a card was left on: a card on the reader
    /// comes back first (the removal screen says how the session ended), then the screen of
    /// that ending: done, the error's guidance, or the top (out of service if the kiosk is).
    fn leave(&mut self, ending: Ending) {
        self.send(Command::Release);
        if self.device.card_present {
            self.go(Screen::RemoveCard {
                ending,
                since: Instant::now(),
            });
            return;
        }
        match ending {
            Ending::Success(kind) => self.go(Screen::Done(kind)),
            Ending::Failed(error, kind) => self.go(Screen::Error { error, kind }),
            Ending::Cancelled | Ending::TimedOut => self.back_to_top(),
            Ending::LeftBehind if self.device.reader_ok && !self.out_of_service() => {
                self.go(Screen::Top)
            }
            Ending::LeftBehind => self.go(Screen::OutOfService),
        }
    }

    /// The reset of the session under way.
    fn kind(&self) -> Option<ResetKind> {
        self.session.as_ref().map(|session| session.kind)
    }

    // ---- the audit log ----

    /// The customer agreed: a session starts (logged before the card screen shows).
    fn begin_session(&mut self, kind: ResetKind) {
        self.end_session(AuditOutcome::Cancelled, None);
        self.records.record(AuditEvent::SessionStart { kind });
        self.session = Some(Session {
            kind,
            card: None,
            logged_end: false,
        });
    }

    /// The session ended, logged once, before the next screen shows.
    fn end_session(&mut self, outcome: AuditOutcome, reason: Option<Reason>) {
        if let Some(session) = &mut self.session
            && !std::mem::replace(&mut session.logged_end, true)
        {
            self.records.record(AuditEvent::SessionEnd {
                kind: session.kind,
                outcome,
                reason,
                card: session.card.clone(),
            });
        }
    }

    /// The customer cancelled: a card on the reader must be taken back first.
    fn cancel(&mut self) {
        self.end_session(AuditOutcome::Cancelled, None);
        self.leave(Ending::Cancelled);
    }

    /// The session cannot go on: the card comes back first, then the guidance.
    fn fail(&mut self, error: FlowError) {
        // (The worker notes the errors it reports; these include the app's own, e.g. a card
        // taken away on a PIN screen.)
        let class = error.class();
        self.status
            .update(|snapshot| snapshot.last_error = Some(class));
        let (outcome, reason) = error.audit();
        self.end_session(outcome, Some(reason));
        match self.kind() {
            Some(kind) => self.leave(Ending::Failed(error, kind)),
            // Only a session's screens fail; without one there is nothing to explain.
            None => self.back_to_top(),
        }
    }

    /// The customer did something: the inactivity limit starts again.
    fn activity(&mut self) {
        if let Some(timer) = &mut self.timer {
            timer.started = Instant::now();
        }
        self.warning = false;
    }

    /// The user-visible flow.
    pub fn update(&mut self, message: Message) -> Task<Message> {
        let ticking = matches!(message, Message::Tick(_) | Message::Watchdog);
        let keyed = is_key(&message);
        let before = self.looks();
        let task = self.flow(message);
        self.sync_status();
        self.sound(keyed);
        // A tick that changes nothing on screen must not cost a repaint.
        if !ticking || self.looks() != before {
            self.generation = self.generation.wrapping_add(1);
        }
        task
    }

    /// What the update should be heard as: the alert if it is due, the screen's prompt if it
    /// changed (in the language on screen), else a tone if a key was pressed.
    fn sound(&mut self, keyed: bool) {
        let mut parts = Vec::new();
        let speak = |parts: &mut Vec<Part>, language, clips: &[Clip]| {
            parts.extend(
                clips
                    .iter()
                    .filter_map(|clip| clip.recording(language))
                    .map(Part::Speech),
            )
        };
        if std::mem::take(&mut self.alert_due) {
            if self.config.sound {
                parts.push(Part::Alert);
            }
            if self.assist.voice {
                speak(
                    &mut parts,
                    self.language,
                    &[Clip::of(msg::REMOVE_ESCALATED)],
                );
            }
        }
        let said = (self.language, self.prompt());
        if self.spoken.as_ref() != Some(&said) {
            if self.assist.voice {
                speak(&mut parts, said.0, &said.1);
            }
            self.spoken = Some(said);
        } else if keyed && self.config.sound {
            parts.push(Part::KeyTone);
        }
        self.speaker.play(parts, self.assist.volume);
    }

    /// What the voice guidance says of what is on screen now: the open panel's title, or the
    /// warning, or the screen's prompt. The top screen, out of service, is silent (a kiosk
    /// waiting for a customer does not talk to the shop), and so are the staff's screens.
    fn prompt(&self) -> Vec<Clip> {
        if self.warning {
            return vec![Clip::of(msg::WARNING_TITLE)];
        }
        if self.choosing_language {
            return vec![Clip::of(msg::LANGUAGE_TITLE)];
        }
        if self.choosing_assist {
            return vec![Clip::of(msg::ASSIST_TITLE)];
        }
        let ids = match &self.screen {
            Screen::Top | Screen::OutOfService | Screen::StaffLogin(_) | Screen::Staff(_) => {
                vec![]
            }
            Screen::Services => vec![msg::SERVICES_TITLE],
            Screen::ResetMenu => vec![msg::RESET_MENU_TITLE],
            Screen::Consent(_) => vec![msg::CONSENT_TITLE],
            Screen::InsertCard => vec![msg::INSERT_TITLE, msg::INSERT_INSTRUCTION],
            Screen::Reading => vec![msg::INSERT_READING],
            Screen::CurrentPin(entry) => return entry.spoken(),
            Screen::Checking { .. } => vec![msg::PIN_CHECKING],
            Screen::NewPin(entry) => return entry.spoken(),
            Screen::Processing => vec![msg::PROCESSING_TITLE, msg::PROCESSING_HOLD],
            Screen::RemoveCard { ending, .. } => {
                let reason = match ending {
                    Ending::Success(_) => Some(msg::REMOVE_DONE),
                    Ending::Cancelled => Some(msg::REMOVE_CANCELLED),
                    Ending::TimedOut => Some(msg::REMOVE_TIMED_OUT),
                    Ending::Failed(error, kind) => Some(error::title_id(error, *kind)),
                    Ending::LeftBehind => None,
                };
                reason
                    .into_iter()
                    .chain([msg::REMOVE_TITLE, msg::REMOVE_REMINDER])
                    .collect()
            }
            Screen::Done(kind) => vec![
                match kind {
                    ResetKind::Signing => msg::DONE_TITLE_SIGNING,
                    ResetKind::Auth => msg::DONE_TITLE_AUTH,
                },
                msg::DONE_MESSAGE,
            ],
            Screen::Error { error, kind } => {
                let (title, guide) = crate::guidance::guidance(error, *kind);
                // The guide that holds the store's hours cannot be recorded: the title says
                // what happened, the screen the hours.
                [title, guide]
                    .into_iter()
                    .filter(|id| *id != msg::ERROR_OUTSIDE_HOURS_GUIDE)
                    .collect()
            }
        };
        ids.into_iter().map(Clip::of).collect()
    }

    /// The player, for tests that wait for it to finish a screen's prompt.
    pub fn speaker(&self) -> &Speaker {
        &self.speaker
    }

    /// What a tick can change on screen: the screen, the warning and its countdown, the removal
    /// alert.
    fn looks(&self) -> (&'static str, bool, u64, bool, u64) {
        let escalated = match self.screen {
            Screen::RemoveCard { since, .. } => {
                self.now.saturating_duration_since(since) >= ESCALATE_AFTER
            }
            _ => false,
        };
        let countdown = if self.warning { self.seconds_left() } else { 0 };
        // The staff lockout counts down on the passcode screen.
        let locked = match self.screen {
            Screen::StaffLogin(_) => self
                .records
                .locked_for()
                .map_or(0, |left| left.as_secs_f64().ceil() as u64),
            _ => 0,
        };
        (
            self.screen.name(),
            self.warning,
            countdown,
            escalated,
            locked,
        )
    }

    fn flow(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Top(top::Message::Government) => {
                if self.unavailable().is_none() {
                    self.go(Screen::Services);
                }
            }
            Message::Services(message) => match message {
                services::Message::PasswordReset => self.go(Screen::ResetMenu),
                services::Message::Back => self.back_to_top(),
            },
            Message::ResetMenu(message) => match message {
                reset_menu::Message::Choose(kind) if self.config.offered.contains(&kind) => {
                    self.go(Screen::Consent(kind))
                }
                reset_menu::Message::Choose(_) => {}
                reset_menu::Message::Back => self.go(Screen::Services),
            },
            Message::Consent(message) => {
                let Screen::Consent(kind) = self.screen else {
                    return Task::none();
                };
                match message {
                    consent::Message::Agree => {
                        self.begin_session(kind);
                        self.insert_card()
                    }
                    consent::Message::Decline => self.back_to_top(),
                    consent::Message::Back => self.go(Screen::ResetMenu),
                }
            }
            Message::InsertCard(message) => match (&self.screen, message, self.kind()) {
                (Screen::InsertCard, insert_card::Message::Back, Some(kind)) => {
                    self.end_session(AuditOutcome::Cancelled, None);
                    self.session = None;
                    self.go(Screen::Consent(kind));
                }
                (Screen::Reading, insert_card::Message::Cancel, _) => self.cancel(),
                _ => {}
            },
            Message::CurrentPin(message) => self.current_pin(message),
            Message::NewPin(message) => self.new_pin(message),
            Message::Done(done::Message::Finish) | Message::Error(error::Message::Finish) => {
                self.back_to_top()
            }
            Message::Languages => {
                self.choosing_language = true;
                self.activity();
            }
            Message::CloseLanguages => {
                self.choosing_language = false;
                self.activity();
            }
            Message::Language(language) | Message::Top(top::Message::Language(language)) => {
                self.choose_language(language)
            }
            Message::Top(top::Message::Assist) => {
                self.choosing_assist = true;
                self.on_top_for_someone();
            }
            Message::Assist(switch) => {
                self.assist.toggle(switch);
                tracing::info!(target: LOG, ?switch, on = self.assist.is_on(switch), "accessibility switch");
                self.on_top_for_someone();
            }
            Message::Volume(louder) => {
                self.assist.step_volume(louder);
                tracing::info!(target: LOG, volume = self.assist.volume.step(), "volume");
                // The customer hears the new volume at once.
                self.spoken = None;
                self.on_top_for_someone();
            }
            Message::CloseAssist => {
                self.choosing_assist = false;
                self.on_top_for_someone();
            }
            Message::Continue => {
                if let Some(timer) = &mut self.timer
                    && timer.extensions < self.config.timeouts.max_extensions
                {
                    timer.extensions += 1;
                    timer.started = Instant::now();
                    self.warning = false;
                }
            }
            Message::Tick(now) => self.tick(now),
            Message::WorkerReady(handle) => self.worker = Some(handle),
            Message::Worker(event) => {
                self.worker_event(event);
                if let Some(demo) = &mut self.demo {
                    demo.refresh();
                }
            }
            Message::Demo(message) => {
                if let Some(demo) = &mut self.demo {
                    demo.update(message);
                }
            }
            // The window opens full screen (`main.rs`). On Wayland the compositor's configure
            // gives its size (cage: the output's), which comes back as `WindowResized`; the
            // monitor is not asked, since its size need not be the window's (cage spreads the
            // window over all its outputs). On X11 without a window manager full screen is
            // ignored, so the kiosk sizes its window to the monitor itself.
            Message::WindowOpened(id) if self.layout.fill_monitor => {
                return window::run(id, |window| {
                    use window::raw_window_handle::RawWindowHandle;
                    window
                        .window_handle()
                        .is_ok_and(|handle| matches!(handle.as_raw(), RawWindowHandle::Wayland(_)))
                })
                .then(move |wayland| {
                    if wayland {
                        Task::none()
                    } else {
                        window::monitor_size(id).map(move |size| Message::MonitorSize(id, size))
                    }
                });
            }
            Message::WindowOpened(_) => {}
            Message::MonitorSize(id, size) => return self.size_to_monitor(id, size),
            // The one source of the layout's size: the window's own, as the window system
            // (X server or Wayland compositor) made it.
            Message::WindowResized(size) => {
                if size.width >= 1.0 && size.height >= 1.0 {
                    self.set_window_size(size);
                }
            }
            Message::FirstFrame => {
                if crate::startup::report_first_frame() {
                    crate::watchdog::notify("READY=1");
                }
            }
            // Sent from here, the UI's own loop: a frozen loop stops the pings.
            Message::Watchdog => crate::watchdog::notify("WATCHDOG=1"),
            // Not a tick: `update` moves the generation, and the next frame is drawn whole.
            Message::Redraw => tracing::info!(target: LOG, "redraw requested"),
            Message::Corner(pressed) => self.corner(pressed),
            Message::StaffLogin(message) => self.staff_login(message),
            Message::Staff(message) => self.staff(message),
        }
        Task::none()
    }

    // ---- maintenance mode ----

    /// The hidden gesture: the header's title held for [`STAFF_HOLD`] on the top or
    /// out-of-service screen. Never during a customer's session, never with a card on the
    /// reader; and it only opens the passcode screen.
    fn corner(&mut self, pressed: bool) {
        let allowed = matches!(self.screen, Screen::Top | Screen::OutOfService);
        if pressed {
            self.corner_since = allowed.then(Instant::now);
            return;
        }
        let held = self.corner_since.take().map(|since| since.elapsed());
        if !allowed || held.is_none_or(|held| held < STAFF_HOLD) {
            return;
        }
        if self.device.card_present {
            tracing::info!(target: LOG, "maintenance refused: a card is on the reader");
            return;
        }
        let order = self.keypad_order();
        self.go(Screen::StaffLogin(staff_login::StaffLogin::new(order)));
    }

    fn staff_gate(&self) -> staff_login::Gate {
        staff_login::Gate {
            configured: self.config.staff_passcode_hash.is_some(),
            locked_for: self.records.locked_for(),
        }
    }

    fn staff_login(&mut self, message: staff_login::Message) {
        let gate = self.staff_gate();
        let Screen::StaffLogin(login) = &mut self.screen else {
            return;
        };
        match login.update(message, gate) {
            Some(staff_login::Event::Typed) => self.activity(),
            Some(staff_login::Event::Submit(passcode)) => self.check_passcode(passcode),
            Some(staff_login::Event::Back) => self.back_to_top(),
            None => {}
        }
    }

    /// Argon2id takes tens of milliseconds: acceptable on a screen only staff see.
    fn check_passcode(&mut self, passcode: kiosk_core::staff::Passcode) {
        let Some(hash) = self.config.staff_passcode_hash.clone() else {
            return;
        };
        let matches =
            kiosk_core::staff::passcode_matches(&hash, &passcode).unwrap_or_else(|error| {
                tracing::error!(target: LOG, %error, "the staff passcode hash cannot be used");
                false
            });
        drop(passcode);
        if matches {
            self.records.passcode_accepted();
            self.records.record(AuditEvent::StaffEntry);
            tracing::info!(target: LOG, "maintenance entered");
            self.go(Screen::Staff(Box::default()));
            self.send(Command::Health);
        } else {
            self.records.passcode_failed();
            tracing::warn!(target: LOG, "maintenance: wrong passcode");
            if let Screen::StaffLogin(login) = &mut self.screen {
                login.refused();
            }
            self.activity();
        }
    }

    fn staff(&mut self, message: staff::Message) {
        let Screen::Staff(staff) = &mut self.screen else {
            return;
        };
        let event = staff.update(message);
        self.activity();
        match event {
            staff::Event::Show(page) => self.show_staff_page(page),
            staff::Event::RunSelfTest => {
                self.records.record(AuditEvent::StaffAction {
                    action: StaffAction::SelfTest,
                });
                self.send(Command::SelfTest);
            }
            staff::Event::ToggleService => {
                let out = !self.records.out_of_service();
                match self.records.set_out_of_service(out) {
                    Ok(()) => self.records.record(AuditEvent::StaffAction {
                        action: if out {
                            StaffAction::OutOfService
                        } else {
                            StaffAction::BackInService
                        },
                    }),
                    Err(error) => tracing::error!(
                        target: LOG,
                        %error,
                        "the out-of-service switch could not be saved"
                    ),
                }
            }
            staff::Event::Exit => {
                self.records.record(AuditEvent::StaffExit { idle: false });
                tracing::info!(target: LOG, "maintenance left");
                self.back_to_top();
            }
        }
    }

    /// Brings the figures of the page on show: counters and events from the log, health from
    /// the worker.
    fn show_staff_page(&mut self, page: staff::Page) {
        let Screen::Staff(staff) = &mut self.screen else {
            return;
        };
        match page {
            staff::Page::Counters => staff.counters_read(self.records.counters()),
            staff::Page::Events => staff.events_read(self.records.recent(20)),
            staff::Page::Health => self.send(Command::Health),
            staff::Page::SelfTest => {}
        }
    }

    fn insert_card(&mut self) {
        if self.device.card_present {
            // Placed early: read it straight away.
            self.read_card();
        } else {
            self.go(Screen::InsertCard);
        }
    }

    fn read_card(&mut self) {
        if let Some(kind) = self.kind() {
            self.go(Screen::Reading);
            self.send(Command::Read { kind });
        }
    }

    fn current_pin(&mut self, message: pin_entry::Message) {
        let Screen::CurrentPin(entry) = &mut self.screen else {
            return;
        };
        let (kind, tries_left) = (entry.kind, entry.tries_left);
        match entry.update(message) {
            Some(pin_entry::Event::Typed) => self.activity(),
            Some(pin_entry::Event::Submit(pin)) => {
                self.send(Command::Verify { kind, pin });
                self.go(Screen::Checking { tries_left });
            }
            Some(pin_entry::Event::Cancel) => self.cancel(),
            None => {}
        }
    }

    fn new_pin(&mut self, message: new_pin::Message) {
        let Screen::NewPin(entry) = &mut self.screen else {
            return;
        };
        let kind = entry.kind;
        match entry.update(message) {
            Some(new_pin::Event::Typed) => self.activity(),
            Some(new_pin::Event::Set(pin)) => {
                self.send(Command::Reset { kind, new_pin: pin });
                self.go(Screen::Processing);
            }
            Some(new_pin::Event::Cancel) => self.cancel(),
            None => {}
        }
    }

    /// What the card and the centre say.
    fn worker_event(&mut self, event: worker::Event) {
        match event {
            worker::Event::ReaderReady => {
                tracing::info!(target: LOG, "reader ready");
                self.device.reader_ok = true;
                self.device.reader_reported = true;
                if std::mem::take(&mut self.device.reader_was_lost) {
                    self.records.record(AuditEvent::ReaderBack);
                }
                if matches!(self.screen, Screen::OutOfService) {
                    self.back_to_top();
                }
            }
            worker::Event::ReaderLost => {
                tracing::warn!(target: LOG, "reader lost");
                self.device.reader_ok = false;
                self.device.reader_reported = true;
                self.device.card_present = false;
                if !std::mem::replace(&mut self.device.reader_was_lost, true) {
                    self.records.record(AuditEvent::ReaderLost);
                }
                match self.screen {
                    // The worker is on the card: its answer (the outcome read back, or why it
                    // cannot be) decides what the customer is told; out of service comes after.
                    Screen::Reading | Screen::Checking { .. } | Screen::Processing => {}
                    // Staff stay where they are: the health page is where they look at it.
                    Screen::Staff(_) | Screen::StaffLogin(_) => self.send(Command::Release),
                    // The card is out of the kiosk's reach: the customer still hears how their
                    // session ended (the done or error screen), then out of service.
                    Screen::RemoveCard { .. } => self.card_removed(),
                    _ => {
                        self.end_session(
                            AuditOutcome::Failed,
                            Some(Reason::Fault(Fault::ReaderLost)),
                        );
                        self.send(Command::Release);
                        self.go(Screen::OutOfService);
                    }
                }
            }
            worker::Event::CardPresent(true) => {
                tracing::info!(target: LOG, "card placed");
                self.device.card_present = true;
                match self.screen {
                    Screen::InsertCard => self.read_card(),
                    // No session may start while a card lies on the reader, nor maintenance
                    // mode open (the passcode typed so far is dropped).
                    Screen::Top
                    | Screen::Done(_)
                    | Screen::Error { .. }
                    | Screen::StaffLogin(_) => self.back_to_top(),
                    _ => {}
                }
            }
            worker::Event::CardPresent(false) => {
                tracing::info!(target: LOG, "card taken");
                self.device.card_present = false;
                self.card_removed();
            }
            worker::Event::CardSeen(identity) => {
                let tag = self.records.card_tag(&identity);
                if let Some(session) = &mut self.session {
                    session.card = tag;
                }
            }
            worker::Event::Health(health) => {
                if let Screen::Staff(staff) = &mut self.screen {
                    staff.health_reported(health);
                }
            }
            worker::Event::SelfTest(report) => {
                if let Screen::Staff(staff) = &mut self.screen {
                    staff.self_test_reported(report);
                }
            }
            worker::Event::CardRead(result) => {
                if let (Screen::Reading, Some(kind)) = (&self.screen, self.kind()) {
                    match result {
                        Ok(tries_left) => {
                            let order = self.keypad_order();
                            self.go(Screen::CurrentPin(pin_entry::PinEntry::new(
                                kind, tries_left, order,
                            )));
                        }
                        Err(error) => self.fail(error),
                    }
                }
            }
            worker::Event::Verified(result) => {
                if let (Screen::Checking { .. }, Some(kind)) = (&self.screen, self.kind()) {
                    match result {
                        Ok(()) => {
                            let order = self.keypad_order();
                            self.go(Screen::NewPin(new_pin::NewPin::new(kind, order)));
                        }
                        Err(FlowError::WrongPin { tries_left: 0 }) => {
                            self.fail(FlowError::PinLocked(kind.proof()))
                        }
                        Err(FlowError::WrongPin { tries_left }) => {
                            let order = self.keypad_order();
                            self.go(Screen::CurrentPin(pin_entry::PinEntry::after_wrong_pin(
                                kind, tries_left, order,
                            )));
                        }
                        Err(error) => self.fail(error),
                    }
                }
            }
            worker::Event::ResetDone(result) => {
                if let (Screen::Processing, Some(kind)) = (&self.screen, self.kind()) {
                    match result {
                        Ok(()) => {
                            self.end_session(AuditOutcome::Completed, None);
                            self.leave(Ending::Success(kind));
                        }
                        Err(error) => self.fail(error),
                    }
                }
            }
        }
    }

    /// The card left the reader: where that leads depends on where the customer was.
    fn card_removed(&mut self) {
        match &self.screen {
            // The card is back with the customer: on to the screen of how the session ended.
            Screen::RemoveCard { ending, .. } => match ending.clone() {
                // A card found without a session: the top, in the default language.
                Ending::LeftBehind => self.back_to_top(),
                ending => self.leave(ending),
            },
            Screen::Reading
            | Screen::CurrentPin(_)
            | Screen::Checking { .. }
            | Screen::NewPin(_) => self.fail(FlowError::CardMoved),
            // The reset may be under way: its outcome is read back from the card before
            // anything is said (the worker's answer decides).
            _ => {}
        }
    }

    fn tick(&mut self, now: Instant) {
        self.now = now;
        if let Screen::RemoveCard { since, .. } = self.screen {
            let waiting = now.saturating_duration_since(since);
            let due = self
                .last_alert
                .is_none_or(|last| now.saturating_duration_since(last) >= Duration::from_secs(5));
            if waiting >= ESCALATE_AFTER && due {
                self.last_alert = Some(now);
                self.alert_due = true;
            }
        }
        let Some(timer) = self.timer else {
            return;
        };
        let elapsed = now.saturating_duration_since(timer.started);
        let remaining = timer.limit.saturating_sub(elapsed);
        if remaining.is_zero() {
            self.expire();
        } else if timer.warns && remaining <= self.config.timeouts.warning {
            self.warning = true;
        }
    }

    /// Nobody is there any more: every PIN typed is wiped (the screens holding them are
    /// dropped), and the card, if any, must be taken back.
    fn expire(&mut self) {
        match self.screen {
            // The top screen keeps no session: only its choices go.
            Screen::Top => self.back_to_top(),
            Screen::Done(_) | Screen::Error { .. } | Screen::StaffLogin(_) => self.back_to_top(),
            Screen::Staff(_) => {
                self.records.record(AuditEvent::StaffExit { idle: true });
                tracing::info!(target: LOG, "maintenance left (idle)");
                self.back_to_top();
            }
            _ => {
                self.end_session(AuditOutcome::TimedOut, None);
                self.leave(Ending::TimedOut);
            }
        }
    }

    /// Seconds left before the current screen ends (for the warning's countdown).
    fn seconds_left(&self) -> u64 {
        self.timer.map_or(0, |timer| {
            let elapsed = self.now.saturating_duration_since(timer.started);
            timer.limit.saturating_sub(elapsed).as_secs_f64().ceil() as u64
        })
    }

    /// Sizes the window to the monitor (X11): full screen is ignored without a window manager.
    /// The layout follows once the X server has resized the window (`WindowResized`), so it is
    /// never laid out for a size the window does not have.
    fn size_to_monitor(&mut self, id: window::Id, size: Option<Size>) -> Task<Message> {
        let Some(size) = size else {
            return window::set_mode(id, window::Mode::Fullscreen);
        };
        Task::batch([
            window::move_to(id, iced::Point::ORIGIN),
            window::resize(id, size),
            window::set_mode(id, window::Mode::Fullscreen),
        ])
    }

    // ---- what is on screen ----

    pub fn view(&self) -> Element<'_, Message> {
        crate::startup::phase_once("first view");
        let ctx = self.ctx();
        // The top screen lists the languages themselves.
        let language = (!matches!(self.screen, Screen::Top)).then_some(Message::Languages);
        let hours = self.config.hours_text();
        let (unavailable, assisted) = (self.unavailable(), self.assist.any());
        let (body, footer): (Element<'_, Message>, Option<Element<'_, Message>>) =
            match &self.screen {
                Screen::Top => (
                    top::view(&ctx, unavailable.as_ref(), assisted).map(Message::Top),
                    None,
                ),
                Screen::Services => (
                    services::view(&ctx).map(Message::Services),
                    Some(services::footer_view(&ctx).map(Message::Services)),
                ),
                Screen::ResetMenu => (
                    reset_menu::view(&ctx, &self.config.offered).map(Message::ResetMenu),
                    Some(reset_menu::footer_view(&ctx).map(Message::ResetMenu)),
                ),
                Screen::Consent(kind) => (
                    consent::view(&ctx, *kind).map(Message::Consent),
                    Some(consent::footer_view(&ctx).map(Message::Consent)),
                ),
                Screen::InsertCard => (
                    insert_card::view(&ctx, false).map(Message::InsertCard),
                    Some(insert_card::footer_view(&ctx, false).map(Message::InsertCard)),
                ),
                Screen::Reading => (
                    insert_card::view(&ctx, true).map(Message::InsertCard),
                    Some(insert_card::footer_view(&ctx, true).map(Message::InsertCard)),
                ),
                Screen::CurrentPin(entry) => (
                    entry.view(&ctx).map(Message::CurrentPin),
                    Some(entry.footer(&ctx).map(Message::CurrentPin)),
                ),
                Screen::Checking { .. } => (processing::view(&ctx, ctx.t(msg::PIN_CHECKING)), None),
                Screen::NewPin(entry) => (
                    entry.view(&ctx).map(Message::NewPin),
                    Some(entry.footer(&ctx).map(Message::NewPin)),
                ),
                Screen::Processing => (processing::view(&ctx, ctx.t(msg::PROCESSING_TITLE)), None),
                Screen::RemoveCard { ending, since } => {
                    let failure = match ending {
                        Ending::Failed(error, kind) => Some(ctx.t(error::title_id(error, *kind))),
                        _ => None,
                    };
                    let waiting = self.now.saturating_duration_since(*since);
                    (remove_card::view(&ctx, ending, waiting, failure), None)
                }
                Screen::Done(kind) => (
                    done::view(&ctx, *kind).map(Message::Done),
                    Some(done::footer_view(&ctx).map(Message::Done)),
                ),
                Screen::Error { error, kind } => (
                    error::view(&ctx, error, *kind, &hours).map(Message::Error),
                    Some(error::footer_view(&ctx).map(Message::Error)),
                ),
                Screen::OutOfService => (out_of_service::view(&ctx), None),
                Screen::StaffLogin(login) => {
                    let gate = self.staff_gate();
                    (
                        login.view(&ctx, gate).map(Message::StaffLogin),
                        Some(login.footer(&ctx, gate).map(Message::StaffLogin)),
                    )
                }
                Screen::Staff(staff) => {
                    let facts = staff::Facts {
                        config: &self.config,
                        reader_ok: self.device.reader_ok,
                        card_present: self.device.card_present,
                        out_of_service: self.records.out_of_service(),
                        audit_broken: self.records.broken(),
                        uptime: self.records.uptime(),
                        hearing: self.status.snapshot().hearing,
                    };
                    (
                        staff.view(&ctx, &facts).map(Message::Staff),
                        Some(
                            staff
                                .footer(&ctx, self.records.out_of_service())
                                .map(Message::Staff),
                        ),
                    )
                }
            };
        let centred = container(body).center_x(Length::Fill).height(Length::Fill);
        // The low layout: what the screen holds sits at the bottom of its place.
        let centred = if ctx.low {
            centred.align_y(iced::alignment::Vertical::Bottom)
        } else {
            centred
        };
        let corner = matches!(self.screen, Screen::Top | Screen::OutOfService).then_some(Corner {
            pressed: Message::Corner(true),
            released: Message::Corner(false),
        });
        let mut page = frame(
            &ctx,
            self.screen.step(),
            language,
            centred.into(),
            footer,
            corner,
        );
        if self.choosing_language {
            page = stack![page, opaque(self.language_view(&ctx))].into();
        }
        if self.choosing_assist {
            page = stack![page, opaque(self.assist_view(&ctx))].into();
        }
        if self.warning {
            page = stack![page, opaque(self.warning_view(&ctx))].into();
        }
        let page = match &self.demo {
            Some(demo) => row![
                container(page).width(Length::Fill),
                // The demo's panel is not the customer's screen: standard sizes, always.
                demo::panel(
                    &Ctx {
                        metrics: ctx.metrics.standard(),
                        ..ctx
                    },
                    demo,
                    demo::panel_width(self.layout.window.width),
                )
                .map(Message::Demo)
            ]
            .into(),
            None => page,
        };
        let page = if self.config.hide_cursor {
            iced::widget::mouse_area(page)
                .interaction(iced::mouse::Interaction::Hidden)
                .into()
        } else {
            page
        };
        full_repaint(self.generation, ctx.palette.background, page)
    }

    /// The accessibility switches over the top screen, each saying whether it is on, two to a
    /// row, the voice's volume beside its switch (compact: with the low layout the whole panel
    /// must sit in the lower part of the screen).
    fn assist_view(&self, ctx: &Ctx) -> Element<'_, Message> {
        let m = ctx.metrics;
        let switch = |switch: Switch| {
            crate::widget::switch(
                ctx,
                ctx.t(match switch {
                    Switch::LargeText => msg::ASSIST_LARGE,
                    Switch::HighContrast => msg::ASSIST_CONTRAST,
                    Switch::MoreTime => msg::ASSIST_TIME,
                    Switch::Low => msg::ASSIST_LOW,
                    Switch::Voice => msg::ASSIST_VOICE,
                }),
                self.assist.is_on(switch),
                Message::Assist(switch),
            )
        };
        let volume = crate::widget::volume(
            ctx,
            ctx.t(msg::ASSIST_VOLUME),
            self.assist.volume,
            Message::Volume,
        );
        let pair = |left: Element<'static, Message>, right: Element<'static, Message>| {
            row![
                container(left).width(Length::FillPortion(1)),
                container(right).width(Length::FillPortion(1))
            ]
            .spacing(m.px(24.0))
        };
        let panel = column![
            ctx.text(ctx.t(msg::ASSIST_TITLE))
                .size(m.title())
                .font(ctx.bold()),
            ctx.text(ctx.t(msg::ASSIST_NOTE)).size(m.body()),
            pair(switch(Switch::LargeText), switch(Switch::HighContrast)),
            pair(switch(Switch::MoreTime), switch(Switch::Low)),
            pair(switch(Switch::Voice), volume),
            text_button(
                ctx,
                ctx.t(msg::ASSIST_DONE),
                Tone::Primary,
                Some(Message::CloseAssist),
                Length::Fixed(m.px(400.0)),
            ),
        ]
        .spacing(m.px(20.0))
        .align_x(Alignment::Center)
        .width(Length::Fixed(m.px(1500.0)));
        overlay(ctx, panel, ctx.palette.header, m.px(32.0))
    }

    /// The choice of languages over the screen: each language by its own name, and back.
    fn language_view(&self, ctx: &Ctx) -> Element<'_, Message> {
        let m = ctx.metrics;
        let panel = column![
            ctx.text(ctx.t(msg::LANGUAGE_TITLE))
                .size(m.title())
                .font(ctx.bold()),
            crate::widget::language_buttons(ctx, 3, m.button_height(), Message::Language),
            text_button(
                ctx,
                ctx.t(msg::COMMON_BACK),
                Tone::Secondary,
                Some(Message::CloseLanguages),
                Length::Fixed(m.px(300.0)),
            ),
        ]
        .spacing(m.px(36.0))
        .align_x(Alignment::Center)
        .width(Length::Fixed(m.px(1100.0)));
        overlay(ctx, panel, ctx.palette.header, m.px(56.0))
    }

    /// The full-screen warning before a screen ends, with one big 「続ける」.
    fn warning_view(&self, ctx: &Ctx) -> Element<'_, Message> {
        let m = ctx.metrics;
        let can_extend = self
            .timer
            .is_some_and(|t| t.extensions < self.config.timeouts.max_extensions);
        let mut panel = column![
            ctx.text(ctx.t(msg::WARNING_TITLE))
                .size(m.title())
                .font(ctx.bold()),
            ctx.text(ctx.f(msg::WARNING_COUNTDOWN, &[("n", self.seconds_left().into())]))
                .size(m.px(64.0))
                .font(ctx.bold())
                .color(ctx.palette.warning),
        ]
        .spacing(m.px(36.0))
        .align_x(Alignment::Center);
        if can_extend {
            panel = panel.push(text_button(
                ctx,
                ctx.t(msg::COMMON_CONTINUE),
                Tone::Primary,
                Some(Message::Continue),
                Length::Fixed(m.px(560.0)),
            ));
        }
        overlay(ctx, panel, ctx.palette.warning, m.px(64.0))
    }

    pub fn subscription(&self) -> Subscription<Message> {
        let timed = self.timer.is_some() || matches!(self.screen, Screen::RemoveCard { .. });
        let ticks = if timed {
            iced::time::every(Duration::from_millis(500)).map(Message::Tick)
        } else {
            // Nothing moves on an idle screen: no timer, no CPU.
            Subscription::none()
        };
        let watchdog = match crate::watchdog::interval() {
            Some(every) => iced::time::every(every).map(|_| Message::Watchdog),
            None => Subscription::none(),
        };
        Subscription::batch([
            ticks,
            watchdog,
            crate::startup::first_frame().map(|()| Message::FirstFrame),
            Subscription::run_with(self.setup.clone(), worker_stream),
            Subscription::run(crate::display::redraw_requests).map(|()| Message::Redraw),
            window::open_events().map(Message::WindowOpened),
            window::resize_events().map(|(_, size)| Message::WindowResized(size)),
        ])
    }

    /// The window's background (every screen paints its own over it).
    pub fn style(&self, _theme: &iced::Theme) -> iced::theme::Style {
        iced::theme::Style {
            background_color: self.assist.palette().background,
            text_color: self.assist.palette().text,
        }
    }

    pub fn title(&self) -> String {
        crate::i18n::text(self.language, msg::HEADER_SERVICE).to_string()
    }
}

/// The target of the app's events, one per screen and reader event: what an integrator needs
/// in the journal, never a PIN, a certificate or anything about the holder. On stderr the
/// lines read `… INFO kiosk: screen top` as they did before the kiosk used `tracing` (scripts
/// and the window tests look for them); `RUST_LOG=kiosk=debug` takes in every kiosk crate.
pub const LOG: &str = "kiosk";

/// What the worker is started with.
type WorkerParts = (
    Arc<Config>,
    Box<dyn CardSource>,
    Arc<dyn ResetCentre>,
    Shared,
);

/// What the worker subscription needs, handed over once. Hashed by its id only.
#[derive(Clone)]
struct WorkerSetup {
    id: u64,
    parts: Arc<Mutex<Option<WorkerParts>>>,
}

impl WorkerSetup {
    fn new(
        config: Arc<Config>,
        cards: Box<dyn CardSource>,
        centre: Arc<dyn ResetCentre>,
        shared: Shared,
    ) -> WorkerSetup {
        WorkerSetup {
            id: 1,
            parts: Arc::new(Mutex::new(Some((config, cards, centre, shared)))),
        }
    }

    fn empty() -> WorkerSetup {
        WorkerSetup {
            id: 0,
            parts: Arc::new(Mutex::new(None)),
        }
    }

    /// Whether it was made with a worker's parts (taken or not).
    fn has_parts(&self) -> bool {
        self.id != 0
    }
}

impl std::hash::Hash for WorkerSetup {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

/// Starts the worker (once) and turns its events into messages.
fn worker_stream(setup: &WorkerSetup) -> impl iced::futures::Stream<Item = Message> + use<> {
    use iced::futures::SinkExt;
    let parts = setup.parts.lock().ok().and_then(|mut parts| parts.take());
    iced::stream::channel(
        64,
        async move |mut output: iced::futures::channel::mpsc::Sender<Message>| {
            let Some((config, cards, centre, shared)) = parts else {
                return;
            };
            let (handle, events) = worker::start_shared(&config, cards, centre, &shared);
            if output.send(Message::WorkerReady(handle)).await.is_err() {
                return;
            }
            // The worker speaks std channels; a small thread carries its events to the async side.
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let _ = std::thread::Builder::new()
                .name("worker events".to_string())
                .spawn(move || {
                    while let Ok(event) = events.recv() {
                        if tx.send(event).is_err() {
                            return;
                        }
                    }
                });
            while let Some(event) = rx.recv().await {
                if output.send(Message::Worker(event)).await.is_err() {
                    return;
                }
            }
        },
    )
}
