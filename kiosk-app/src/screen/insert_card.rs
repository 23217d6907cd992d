//! 4 カード設置: where the card goes; then "reading" while the worker reads it.

use crate::i18n::msg;
use iced::widget::column;
use iced::{Alignment, Element, Length};

use crate::widget::card_art::{Scene, card_art};
use crate::widget::{Ctx, back_footer, body, title};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Back,
    Cancel,
}

pub fn view<'a>(ctx: &Ctx, reading: bool) -> Element<'a, Message> {
    let m = ctx.metrics;
    let art_height = (m.size.height * 0.42).max(220.0);
    let mut page = column![
        title(ctx, ctx.t(msg::INSERT_TITLE)),
        card_art(
            ctx.palette,
            if reading { Scene::Hold } else { Scene::Place },
            art_height * 1.5,
            art_height
        ),
    ]
    .spacing(m.spacing())
    .align_x(Alignment::Center);
    if reading {
        page = page.push(
            ctx.text(ctx.t(msg::INSERT_READING))
                .size(m.heading())
                .font(ctx.bold())
                .color(ctx.palette.header),
        );
    } else {
        page = page.push(body(ctx, ctx.t(msg::INSERT_INSTRUCTION)));
    }
    page = page.push(
        ctx.text(ctx.t(msg::INSERT_HOLD))
            .size(m.body())
            .color(ctx.palette.muted),
    );
    page.width(Length::Fill).into()
}

/// Before a card is placed: back to the consent. Once it is being read: cancel (the card must
/// then be taken back).
pub fn footer_view<'a>(ctx: &Ctx, reading: bool) -> Element<'a, Message> {
    if reading {
        back_footer(ctx, msg::COMMON_CANCEL, Message::Cancel)
    } else {
        back_footer(ctx, msg::COMMON_BACK, Message::Back)
    }
}
