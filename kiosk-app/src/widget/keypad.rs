//! The 4-digit keypad: ten digits in a phone layout (or a shuffled order, where configured),
//! with delete and clear. Keys fire on press and are large enough for fingers.

use crate::i18n::msg;
use iced::widget::{column, row};
use iced::{Element, Length};

use super::{Ctx, touch};
use crate::theme::Tone;

/// The digits in reading order: three rows of three, then the last digit between clear and
/// delete.
pub type Order = [u8; 10];

pub const PHONE_ORDER: Order = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0];

/// A new random order (for the shuffled layout).
pub fn shuffled_order() -> Order {
    use rand::seq::SliceRandom;
    let mut order = PHONE_ORDER;
    order.shuffle(&mut rand::thread_rng());
    order
}

/// What a key press means. Its `Debug` never shows which key: key presses make up PINs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Digit(u8),
    Delete,
    Clear,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Digit(_) => f.write_str("Digit(<redacted>)"),
            Key::Delete => f.write_str("Delete"),
            Key::Clear => f.write_str("Clear"),
        }
    }
}

pub fn keypad<'a, M: Clone + 'a>(
    ctx: &Ctx,
    order: &Order,
    on_key: impl Fn(Key) -> M,
) -> Element<'a, M> {
    let m = ctx.metrics;
    let size = m.key();
    let digit = |d: u8| -> Element<'a, M> {
        touch(
            ctx,
            ctx.text(d.to_string()).size(m.px(56.0)).font(ctx.bold()),
            Tone::Key,
            Some(on_key(Key::Digit(d))),
            Length::Fixed(size * 1.25),
            size,
        )
    };
    let word = |label: &str, key: Key| -> Element<'a, M> {
        touch(
            ctx,
            // One line always: at some window sizes 全部消す is a hair wider than its key's
            // padded inside and would break into two.
            ctx.text(label.to_string())
                .size(m.small())
                .font(ctx.bold())
                .wrapping(iced::widget::text::Wrapping::None),
            Tone::Secondary,
            Some(on_key(key)),
            Length::Fixed(size * 1.25),
            size,
        )
    };
    let gap = m.px(14.0);
    column![
        row![digit(order[0]), digit(order[1]), digit(order[2])].spacing(gap),
        row![digit(order[3]), digit(order[4]), digit(order[5])].spacing(gap),
        row![digit(order[6]), digit(order[7]), digit(order[8])].spacing(gap),
        row![
            word(ctx.t(msg::PIN_CLEAR), Key::Clear),
            digit(order[9]),
            word(ctx.t(msg::PIN_DELETE), Key::Delete)
        ]
        .spacing(gap),
    ]
    .spacing(gap)
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shuffled_keypad_has_every_digit_once_and_changes() {
        let orders: Vec<Order> = (0..20).map(|_| shuffled_order()).collect();
        for order in &orders {
            let mut sorted = *order;
            sorted.sort_unstable();
            assert_eq!(sorted, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        }
        assert!(
            orders.iter().any(|order| *order != PHONE_ORDER),
            "20 shuffles all in phone order"
        );
        assert!(
            orders.windows(2).any(|pair| pair[0] != pair[1]),
            "the order changes between entries"
        );
    }
}
