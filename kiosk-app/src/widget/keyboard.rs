//! The A–Z / 0–9 keyboard for the signing password: digits on top, then the alphabet in order
//! (easier to find than QWERTY for people who rarely type), delete and clear. Only upper case:
//! the card takes the password in upper case.

use crate::i18n::msg;
use iced::widget::{column, row};
use iced::{Element, Length};

use super::{Ctx, touch};
use crate::theme::Tone;

const ROWS: [&str; 4] = ["1234567890", "ABCDEFGHIJ", "KLMNOPQRST", "UVWXYZ"];

/// What a key press means. Its `Debug` never shows which key: key presses make up PINs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Delete,
    Clear,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Char(_) => f.write_str("Char(<redacted>)"),
            Key::Delete => f.write_str("Delete"),
            Key::Clear => f.write_str("Clear"),
        }
    }
}

pub fn keyboard<'a, M: Clone + 'a>(ctx: &Ctx, on_key: impl Fn(Key) -> M) -> Element<'a, M> {
    let m = ctx.metrics;
    let size = m.letter_key();
    let gap = m.px(10.0);
    let key = |c: char| -> Element<'a, M> {
        touch(
            ctx,
            ctx.text(c.to_string()).size(m.px(44.0)).font(ctx.bold()),
            Tone::Key,
            Some(on_key(Key::Char(c))),
            Length::Fixed(size),
            size,
        )
    };
    let word = |label: &str, k: Key| -> Element<'a, M> {
        touch(
            ctx,
            ctx.text(label.to_string()).size(m.small()).font(ctx.bold()),
            Tone::Secondary,
            Some(on_key(k)),
            Length::Fixed(size * 2.0 + gap),
            size,
        )
    };
    let mut rows = column![].spacing(gap);
    for (index, letters) in ROWS.iter().enumerate() {
        let mut line = row(letters.chars().map(key)).spacing(gap);
        if index == ROWS.len() - 1 {
            line = line.push(word(ctx.t(msg::PIN_CLEAR), Key::Clear));
            line = line.push(word(ctx.t(msg::PIN_DELETE), Key::Delete));
        }
        rows = rows.push(line);
    }
    rows.into()
}
