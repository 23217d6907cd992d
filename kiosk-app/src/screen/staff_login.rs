//! Maintenance mode, the way in: after the hidden gesture, the staff passcode on the numeric
//! keypad. The digits are kept zeroized and shown masked; while a lockout runs nothing can be
//! confirmed, so a wrong guess cannot even be tried.

use crate::i18n::msg;
use std::time::Duration;

use iced::widget::{column, text};
use iced::{Element, Length};
use zeroize::Zeroizing;

use crate::theme::{self, Tone};
use crate::widget::keypad::{self, Order, keypad};
use crate::widget::{Ctx, beside_keypad, footer, masked, notice, text_button};
use kiosk_core::staff::{MAX_DIGITS, MIN_DIGITS, Passcode};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Keypad(keypad::Key),
    Confirm,
    Back,
}

/// What the screen reports to the app.
#[derive(Debug)]
pub enum Event {
    Typed,
    Submit(Passcode),
    Back,
}

#[derive(Debug)]
pub struct StaffLogin {
    digits: Zeroizing<String>,
    /// The last passcode tried was wrong.
    wrong: bool,
    order: Order,
}

/// What the app knows that the screen shows.
#[derive(Debug, Clone, Copy)]
pub struct Gate {
    /// A passcode hash is configured.
    pub configured: bool,
    /// Entry is locked for this long.
    pub locked_for: Option<Duration>,
}

impl StaffLogin {
    pub fn new(order: Order) -> StaffLogin {
        StaffLogin {
            digits: Zeroizing::new(String::new()),
            wrong: false,
            order,
        }
    }

    /// The passcode was wrong: start again, and say so.
    pub fn refused(&mut self) {
        self.digits.clear();
        self.wrong = true;
    }

    pub fn update(&mut self, message: Message, gate: Gate) -> Option<Event> {
        match message {
            Message::Keypad(keypad::Key::Digit(d)) => {
                if self.digits.len() < MAX_DIGITS {
                    self.digits.push(char::from(b'0' + d));
                }
                Some(Event::Typed)
            }
            Message::Keypad(keypad::Key::Delete) => {
                self.digits.pop();
                Some(Event::Typed)
            }
            Message::Keypad(keypad::Key::Clear) => {
                self.digits.clear();
                Some(Event::Typed)
            }
            Message::Confirm if can_confirm(self.digits.len(), gate) => {
                let passcode = Passcode::new(&self.digits).ok()?;
                self.digits.clear();
                Some(Event::Submit(passcode))
            }
            Message::Confirm => None,
            Message::Back => Some(Event::Back),
        }
    }

    pub fn view<'a>(&self, ctx: &Ctx, gate: Gate) -> Element<'a, Message> {
        let m = ctx.metrics;
        let mut info = column![
            text(ctx.t(msg::STAFF_LOGIN_TITLE))
                .size(m.title())
                .font(theme::BOLD),
            text(ctx.t(msg::STAFF_LOGIN_PROMPT)).size(m.body()),
        ]
        .spacing(m.spacing());
        if !gate.configured {
            info = info.push(notice(ctx, ctx.t(msg::STAFF_LOGIN_NOT_CONFIGURED), true));
        } else if let Some(left) = gate.locked_for {
            let seconds = left.as_secs_f64().ceil() as u64;
            info = info.push(notice(
                ctx,
                ctx.f(msg::STAFF_LOGIN_LOCKED, &[("n", seconds.into())]),
                true,
            ));
        } else if self.wrong {
            info = info.push(notice(ctx, ctx.t(msg::STAFF_LOGIN_WRONG), true));
        }
        info = info.push(masked(ctx, self.digits.len(), None));
        beside_keypad(ctx, info, keypad(ctx, &self.order, Message::Keypad))
    }

    pub fn footer<'a>(&self, ctx: &Ctx, gate: Gate) -> Element<'a, Message> {
        let m = ctx.metrics;
        let ready = can_confirm(self.digits.len(), gate).then_some(Message::Confirm);
        footer(
            vec![text_button(
                ctx,
                ctx.t(msg::COMMON_BACK),
                Tone::Secondary,
                Some(Message::Back),
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

fn can_confirm(typed: usize, gate: Gate) -> bool {
    gate.configured && gate.locked_for.is_none() && typed >= MIN_DIGITS
}
