//! 5 利用者証明用パスワード入力 (or, for an auth-PIN reset, the signing password): the PIN the
//! holder still knows, with the tries left shown before entry and a warning on the last try.

use crate::i18n::msg;
use crate::voice::Clip;
use card_driver::pin::{Pin, PinKind};
use iced::widget::{column, row, space};
use iced::{Alignment, Element, Length};
use reset_protocol::ResetKind;

use super::entry::Entry;
use crate::theme::Tone;
use crate::widget::keyboard::{self, keyboard};
use crate::widget::keypad::{self, Order, keypad};
use crate::widget::{Ctx, beside_keypad, footer, masked, notice, text_button};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Keypad(keypad::Key),
    Keyboard(keyboard::Key),
    Confirm,
    Cancel,
}

/// What the screen reports to the app.
#[derive(Debug)]
pub enum Event {
    /// A key was pressed (the inactivity timer starts again).
    Typed,
    /// A well-formed PIN to verify.
    Submit(Pin),
    Cancel,
}

#[derive(Debug)]
pub struct PinEntry {
    pub kind: ResetKind,
    pub tries_left: u8,
    entry: Entry,
    wrong: bool,
    order: Order,
}

impl PinEntry {
    pub fn new(kind: ResetKind, tries_left: u8, order: Order) -> PinEntry {
        PinEntry {
            kind,
            tries_left,
            entry: Entry::new(kind.proof()),
            wrong: false,
            order,
        }
    }

    /// Back after a wrong PIN, with the card's new count.
    pub fn after_wrong_pin(kind: ResetKind, tries_left: u8, order: Order) -> PinEntry {
        PinEntry {
            wrong: true,
            ..PinEntry::new(kind, tries_left, order)
        }
    }

    /// Forgets what was typed (the customer changed the language: the screen they come back to
    /// asks afresh, and nothing typed stays in memory).
    pub fn forget_typed(&mut self) {
        self.entry.clear();
    }

    pub fn update(&mut self, message: Message) -> Option<Event> {
        match message {
            Message::Keypad(keypad::Key::Digit(d)) => self.typed(|e| e.push(char::from(b'0' + d))),
            Message::Keyboard(keyboard::Key::Char(c)) => self.typed(|e| e.push(c)),
            Message::Keypad(keypad::Key::Delete) | Message::Keyboard(keyboard::Key::Delete) => self
                .typed(|e| {
                    e.pop();
                    true
                }),
            Message::Keypad(keypad::Key::Clear) | Message::Keyboard(keyboard::Key::Clear) => self
                .typed(|e| {
                    e.clear();
                    true
                }),
            // A malformed PIN never leaves the screen: it cannot cost a try.
            Message::Confirm => match self.entry.pin() {
                Ok(pin) => {
                    self.entry.clear();
                    Some(Event::Submit(pin))
                }
                Err(_) => None,
            },
            Message::Cancel => Some(Event::Cancel),
        }
    }

    fn typed(&mut self, change: impl FnOnce(&mut Entry) -> bool) -> Option<Event> {
        change(&mut self.entry);
        Some(Event::Typed)
    }

    pub fn view<'a>(&self, ctx: &Ctx) -> Element<'a, Message> {
        let m = ctx.metrics;
        let pin = self.kind.proof();
        let title_id = match pin {
            PinKind::Auth => msg::PIN_TITLE_AUTH,
            PinKind::Signing => msg::PIN_TITLE_SIGNING,
        };
        let title = ctx.text(ctx.t(title_id)).size(m.heading()).font(ctx.bold());
        let tries = ctx
            .text(ctx.f(msg::PIN_TRIES, &[("n", self.tries_left.into())]))
            .size(m.px(44.0))
            .font(ctx.bold())
            .color(if self.tries_left == 1 {
                ctx.palette.warning
            } else {
                ctx.palette.header
            });
        match pin {
            PinKind::Auth => {
                let mut info = column![title, tries].spacing(m.spacing());
                if let Some(notice) = self.notice(ctx) {
                    info = info.push(notice);
                }
                info = info.push(space().height(m.px(8.0))).push(masked(
                    ctx,
                    self.entry.len(),
                    Some(4),
                ));
                beside_keypad(ctx, info, keypad(ctx, &self.order, Message::Keypad))
            }
            // The keyboard needs four rows of full-size keys: the count sits beside the field
            // so that a notice still fits above them on a 800-pixel-high screen.
            PinKind::Signing => {
                let status = row![tries, masked(ctx, self.entry.len(), None)]
                    .spacing(m.px(40.0))
                    .align_y(Alignment::Center);
                let mut page = column![title, status].spacing(m.spacing());
                if let Some(notice) = self.notice(ctx) {
                    page = page.push(notice);
                }
                page.push(keyboard(ctx, Message::Keyboard))
                    .align_x(Alignment::Center)
                    .into()
            }
        }
    }

    /// What the voice guidance says of this screen: the question and the tries left, or after a
    /// wrong PIN that it was wrong (never what was typed).
    pub fn spoken(&self) -> Vec<Clip> {
        let (title, wrong, wrong_last_try) = match self.kind.proof() {
            PinKind::Auth => (
                msg::PIN_TITLE_AUTH,
                msg::PIN_WRONG_AUTH,
                msg::PIN_WRONG_LAST_TRY_AUTH,
            ),
            PinKind::Signing => (
                msg::PIN_TITLE_SIGNING,
                msg::PIN_WRONG_SIGNING,
                msg::PIN_WRONG_LAST_TRY_SIGNING,
            ),
        };
        let tries = Clip::counting(msg::PIN_TRIES, self.tries_left);
        match (self.wrong, self.tries_left == 1) {
            (true, true) => vec![Clip::of(wrong_last_try), tries],
            (true, false) => vec![Clip::of(wrong), tries],
            (false, true) => vec![Clip::of(title), tries, Clip::of(msg::PIN_LAST_TRY)],
            (false, false) => vec![Clip::of(title), tries],
        }
    }

    /// At most one notice: a wrong PIN (red), the last try (amber), or both in one red box.
    fn notice<'a>(&self, ctx: &Ctx) -> Option<Element<'a, Message>> {
        let (wrong, wrong_last_try) = match self.kind.proof() {
            PinKind::Auth => (msg::PIN_WRONG_AUTH, msg::PIN_WRONG_LAST_TRY_AUTH),
            PinKind::Signing => (msg::PIN_WRONG_SIGNING, msg::PIN_WRONG_LAST_TRY_SIGNING),
        };
        let last_try = self.tries_left == 1;
        match (self.wrong, last_try) {
            (true, true) => Some(notice(ctx, ctx.t(wrong_last_try), true)),
            (true, false) => Some(notice(ctx, ctx.t(wrong), true)),
            (false, true) => Some(notice(ctx, ctx.t(msg::PIN_LAST_TRY), false)),
            (false, false) => None,
        }
    }

    pub fn footer<'a>(&self, ctx: &Ctx) -> Element<'a, Message> {
        let m = ctx.metrics;
        let ready = self.entry.pin().is_ok().then_some(Message::Confirm);
        footer(
            vec![text_button(
                ctx,
                ctx.t(msg::COMMON_CANCEL),
                Tone::Secondary,
                Some(Message::Cancel),
                Length::Fixed(m.px(300.0)),
            )],
            vec![text_button(
                ctx,
                ctx.t(msg::PIN_CONFIRM),
                Tone::Primary,
                ready,
                Length::Fixed(m.px(400.0)),
            )],
        )
    }
}
