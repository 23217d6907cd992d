//! The demo: no reader, no network, a clearly marked panel to place and take demo cards.
//!
//! This module is the panel, plain UI. What the demo runs on — virtual cards from
//! `config/cards/` on an in-process reader, the stand-in centre in the kiosk's process on a
//! fresh database with fresh reservations — is in [`stand_ins`], compiled only with the `demo`
//! cargo feature (on by default; a store's kiosk is built without it, see `docs/packaging.md`).

#[cfg(feature = "demo")]
pub mod stand_ins;

use crate::i18n::{Arg, msg};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use iced::widget::{column, container, scrollable};
use iced::{Element, Length};

use crate::theme::Tone;
use crate::widget::{Ctx, touch};

/// When the demo's centre is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CentreStart {
    /// At once (tests).
    Now,
    /// After the kiosk's first frame (the application: the screen first).
    AfterFirstFrame,
}

/// What the panel shows of the card on the demo reader: never a PIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCard {
    pub name: String,
    pub auth_tries: Option<u8>,
    pub signing_tries: Option<u8>,
}

/// The panel's hands on the demo reader (the stand-ins give them; a panel laid out by a tool
/// from outside has none).
pub trait DemoHands: Send + Sync {
    /// Puts the card of `profile` on the reader (a card taken off earlier comes back as it was).
    fn place(&self, profile: &str);
    /// Takes the card off the reader.
    fn pull(&self);
    /// The card on the reader now.
    fn on_reader(&self) -> Option<DemoCard>;
}

/// The panel's state.
#[derive(Clone, Default)]
pub struct Demo {
    /// The card profiles, `normal` first.
    pub profiles: Vec<String>,
    pub on_reader: Option<DemoCard>,
    hands: Option<Arc<dyn DemoHands>>,
}

impl std::fmt::Debug for Demo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Demo")
            .field("profiles", &self.profiles)
            .field("on_reader", &self.on_reader)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub enum Message {
    /// A card's button.
    Place(String),
    /// 「カードを取る」.
    Pull,
    /// The card on the reader, as a tool that lays out the panel from outside knows it.
    OnReader(Option<DemoCard>),
}

impl Demo {
    pub fn update(&mut self, message: Message) {
        match message {
            Message::Place(profile) => {
                if let Some(hands) = &self.hands {
                    hands.place(&profile);
                }
                self.refresh();
            }
            Message::Pull => {
                if let Some(hands) = &self.hands {
                    hands.pull();
                }
                self.refresh();
            }
            Message::OnReader(card) => self.on_reader = card,
        }
    }

    /// Looks again at the card on the reader: its counters move as the customer's PINs are
    /// verified and reset (the app calls this whenever the worker reports something; the card
    /// is idle then).
    pub fn refresh(&mut self) {
        if let Some(hands) = &self.hands {
            self.on_reader = hands.on_reader();
        }
    }
}

/// The demo panel alone for the cards beside `config_path` (no reader, no centre): for tools
/// that lay out the demo's screens from outside.
pub fn panel_for(config_path: &Path) -> Result<Demo, String> {
    let base = config_path.parent().unwrap_or(Path::new("."));
    Ok(listing(&profiles(&base.join("cards"))?))
}

/// The panel listing `profiles`, no card on the reader.
fn listing(profiles: &[(String, PathBuf)]) -> Demo {
    Demo {
        profiles: profiles.iter().map(|(name, _)| name.clone()).collect(),
        on_reader: None,
        hands: None,
    }
}

/// The card profiles, by name, `normal` first.
pub(crate) fn profiles(folder: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let entries = std::fs::read_dir(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    let mut profiles: Vec<(String, PathBuf)> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .filter_map(|path| Some((path.file_stem()?.to_string_lossy().into_owned(), path)))
        .collect();
    profiles.sort_by_key(|(name, _)| (name != "normal", name.clone()));
    if profiles.is_empty() {
        return Err(format!("no card profiles in {}", folder.display()));
    }
    Ok(profiles)
}

/// The width of the demo panel for a window width.
pub fn panel_width(window_width: f32) -> f32 {
    (window_width * 0.16).clamp(220.0, 320.0)
}

/// The demo panel: which card is on the reader, one button per card, and "take the card".
pub fn panel<'a>(ctx: &Ctx, demo: &Demo, width: f32) -> Element<'a, Message> {
    let m = ctx.metrics;
    let small = m.small().min(22.0);
    // A count the card would not tell is shown as "-" (and takes the plural's other form).
    let tries = |tries: Option<u8>| tries.map_or(Arg::Text("-"), |n| Arg::Number(n.into()));
    let status = match &demo.on_reader {
        Some(card) => ctx.f(
            msg::DEMO_ON_READER,
            &[
                ("card", card.name.as_str().into()),
                ("auth", tries(card.auth_tries)),
                ("signing", tries(card.signing_tries)),
            ],
        ),
        None => ctx.t(msg::DEMO_EMPTY).to_string(),
    };
    let mut list = column![
        ctx.text(ctx.t(msg::DEMO_PLACE))
            .size(small)
            .color(ctx.palette.header_text)
    ]
    .spacing(8.0);
    for profile in &demo.profiles {
        list = list.push(touch(
            ctx,
            ctx.text(profile.clone()).size(small.min(20.0)),
            Tone::Secondary,
            demo.on_reader
                .is_none()
                .then(|| Message::Place(profile.clone())),
            Length::Fill,
            48.0,
        ));
    }
    let pull = touch(
        ctx,
        ctx.text(ctx.t(msg::DEMO_PULL)).size(small).font(ctx.bold()),
        Tone::Primary,
        demo.on_reader.is_some().then_some(Message::Pull),
        Length::Fill,
        72.0,
    );
    container(
        column![
            ctx.text(ctx.t(msg::DEMO_TITLE))
                .size(m.heading())
                .font(ctx.bold())
                .color(ctx.palette.header_text),
            ctx.text(ctx.t(msg::DEMO_NOTE))
                .size(small)
                .color(ctx.palette.header_text),
            ctx.text(status)
                .size(small)
                .font(ctx.bold())
                .color(ctx.palette.header_text),
            pull,
            scrollable(list).height(Length::Fill),
        ]
        .spacing(12.0),
    )
    .padding(16.0)
    .width(Length::Fixed(width))
    .height(Length::Fill)
    .style(|_| container::Style {
        background: Some(ctx.palette.demo.into()),
        ..Default::default()
    })
    .into()
}
