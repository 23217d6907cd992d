//! 6 新しい署名用パスワード入力 (or the new auth PIN): entered twice, the rules shown and checked
//! as the holder types.

use crate::i18n::msg;
use crate::voice::Clip;
use card_driver::pin::{Pin, PinKind};
use iced::widget::{column, row};
use iced::{Alignment, Element, Length};
use reset_protocol::ResetKind;

use super::entry::Entry;
use crate::theme::Tone;
use crate::widget::keyboard::{self, keyboard};
use crate::widget::keypad::{self, Order, keypad};
use crate::widget::{Ctx, beside_keypad, footer, masked, notice, rule, text_button};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Keypad(keypad::Key),
    Keyboard(keyboard::Key),
    Next,
    Back,
    Cancel,
}

#[derive(Debug)]
pub enum Event {
    Typed,
    /// Both entries match: the new PIN to set.
    Set(Pin),
    Cancel,
}

#[derive(Debug)]
pub struct NewPin {
    pub kind: ResetKind,
    entry: Entry,
    /// The first entry, once made: the screen now asks for it again.
    first: Option<Pin>,
    mismatch: bool,
    order: Order,
}

impl NewPin {
    pub fn new(kind: ResetKind, order: Order) -> NewPin {
        NewPin {
            kind,
            entry: Entry::new(kind.target()),
            first: None,
            mismatch: false,
            order,
        }
    }

    /// What the voice guidance says of this screen: the question, or that it is asked again,
    /// or that the two entries differed.
    pub fn spoken(&self) -> Vec<Clip> {
        let id = if self.mismatch {
            msg::NEW_MISMATCH
        } else if self.confirming() {
            msg::NEW_AGAIN
        } else {
            match self.kind.target() {
                PinKind::Auth => msg::NEW_TITLE_AUTH,
                PinKind::Signing => msg::NEW_TITLE_SIGNING,
            }
        };
        vec![Clip::of(id)]
    }

    pub fn confirming(&self) -> bool {
        self.first.is_some()
    }

    /// Forgets what was typed, the first entry too (the customer changed the language: they
    /// start the new password again, and nothing typed stays in memory).
    pub fn forget_typed(&mut self) {
        self.entry.clear();
        self.first = None;
        self.mismatch = false;
    }

    pub fn update(&mut self, message: Message) -> Option<Event> {
        match message {
            Message::Keypad(keypad::Key::Digit(d)) => {
                self.entry.push(char::from(b'0' + d));
            }
            Message::Keyboard(keyboard::Key::Char(c)) => {
                self.entry.push(c);
            }
            Message::Keypad(keypad::Key::Delete) | Message::Keyboard(keyboard::Key::Delete) => {
                self.entry.pop()
            }
            Message::Keypad(keypad::Key::Clear) | Message::Keyboard(keyboard::Key::Clear) => {
                self.entry.clear()
            }
            Message::Next => return self.next(),
            // Back from the second entry to the first; from the first there is only cancel.
            Message::Back => {
                self.first = None;
                self.entry.clear();
                self.mismatch = false;
            }
            Message::Cancel => return Some(Event::Cancel),
        }
        Some(Event::Typed)
    }

    fn next(&mut self) -> Option<Event> {
        let pin = self.entry.pin().ok()?;
        self.entry.clear();
        match self.first.take() {
            None => {
                self.first = Some(pin);
                self.mismatch = false;
                Some(Event::Typed)
            }
            Some(first) if first.expose() == pin.expose() => Some(Event::Set(pin)),
            Some(_) => {
                // Start again from the first entry: a typo in either is possible.
                self.mismatch = true;
                Some(Event::Typed)
            }
        }
    }

    pub fn view<'a>(&self, ctx: &Ctx) -> Element<'a, Message> {
        let m = ctx.metrics;
        let heading = if self.confirming() {
            ctx.t(msg::NEW_AGAIN).to_string()
        } else {
            ctx.t(match self.kind.target() {
                PinKind::Signing => msg::NEW_TITLE_SIGNING,
                PinKind::Auth => msg::NEW_TITLE_AUTH,
            })
            .to_string()
        };
        let heading = ctx.text(heading).size(m.heading()).font(ctx.bold());
        let mismatch = || notice(ctx, ctx.t(msg::NEW_MISMATCH), true);
        let info = match (self.mismatch, self.kind.target()) {
            (false, _) => column![heading],
            // Above the keyboard's four rows the notice takes the heading's place (it says to
            // enter the password again): with larger text both would not fit 800 px.
            (true, PinKind::Signing) => column![mismatch()],
            (true, PinKind::Auth) => column![heading, mismatch()],
        }
        .spacing(m.px(10.0));
        match self.kind.target() {
            PinKind::Signing => {
                let (length, letter, digit) = self.entry.signing_rules();
                let rules = row![
                    rule(ctx, ctx.t(msg::NEW_RULE_LENGTH), length),
                    rule(ctx, ctx.t(msg::NEW_RULE_LETTER), letter),
                    rule(ctx, ctx.t(msg::NEW_RULE_DIGIT), digit),
                ]
                .spacing(m.px(40.0));
                column![
                    info,
                    masked(ctx, self.entry.len(), None),
                    rules,
                    keyboard(ctx, Message::Keyboard)
                ]
                // Tight: four rows of full-size keys and a mismatch notice must fit 800 px.
                .spacing(m.px(10.0))
                .align_x(Alignment::Center)
                .into()
            }
            PinKind::Auth => {
                let info = info
                    .push(rule(
                        ctx,
                        ctx.t(msg::NEW_RULE_FOUR_DIGITS),
                        self.entry.len() == 4,
                    ))
                    .push(masked(ctx, self.entry.len(), Some(4)));
                beside_keypad(ctx, info, keypad(ctx, &self.order, Message::Keypad))
            }
        }
    }

    pub fn footer<'a>(&self, ctx: &Ctx) -> Element<'a, Message> {
        let m = ctx.metrics;
        let ready = self.entry.pin().is_ok().then_some(Message::Next);
        let mut left = vec![text_button(
            ctx,
            ctx.t(msg::COMMON_CANCEL),
            Tone::Secondary,
            Some(Message::Cancel),
            Length::Fixed(m.px(300.0)),
        )];
        if self.confirming() {
            left.push(text_button(
                ctx,
                ctx.t(msg::COMMON_BACK),
                Tone::Secondary,
                Some(Message::Back),
                Length::Fixed(m.px(300.0)),
            ));
        }
        let label = if self.confirming() {
            msg::NEW_SET
        } else {
            msg::NEW_NEXT
        };
        footer(
            left,
            vec![text_button(
                ctx,
                ctx.t(label),
                Tone::Primary,
                ready,
                Length::Fixed(m.px(400.0)),
            )],
        )
    }
}
