//! The smallest iced application with the kiosk's features and font, for the benchmark script
//! (`scripts/bench-kiosk`): what iced itself costs, to compare the kiosk with.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use iced::widget::{center, text};
use iced::{Element, Subscription, Task, window};
use kiosk_app::theme;

struct Minimal {
    started: Instant,
    reported: bool,
}

#[derive(Debug, Clone)]
enum Message {
    Frame,
}

fn main() -> iced::Result {
    let started = Instant::now();
    iced::application(
        move || {
            (
                Minimal {
                    started,
                    reported: false,
                },
                Task::none(),
            )
        },
        update,
        view,
    )
    .subscription(subscription)
    .title("minimal")
    .font(theme::BIZ_UD.regular)
    .font(theme::BIZ_UD.bold)
    .default_font(theme::FONT)
    .window(window::Settings {
        size: iced::Size::new(1920.0, 1080.0),
        decorations: false,
        position: window::Position::Specific(iced::Point::ORIGIN),
        ..window::Settings::default()
    })
    .run()
}

fn update(app: &mut Minimal, message: Message) {
    let Message::Frame = message;
    if !app.reported {
        app.reported = true;
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        eprintln!(
            "first frame: {} ms after main, at {unix} ns",
            app.started.elapsed().as_millis()
        );
    }
}

fn view(_app: &Minimal) -> Element<'_, Message> {
    center(text("行政サービス").size(54).font(theme::BOLD)).into()
}

fn subscription(app: &Minimal) -> Subscription<Message> {
    if app.reported {
        Subscription::none()
    } else {
        window::frames().map(|_| Message::Frame)
    }
}
