//! 8 完了: done; back to the top by itself after a few seconds, or at a tap.

use crate::i18n::msg;
use iced::widget::column;
use iced::{Alignment, Element, Length};
use reset_protocol::ResetKind;

use crate::theme;
use crate::widget::{Ctx, body, finish_footer, title};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Finish,
}

pub fn view<'a>(ctx: &Ctx, kind: ResetKind) -> Element<'a, Message> {
    let m = ctx.metrics;
    let heading = match kind {
        ResetKind::Signing => msg::DONE_TITLE_SIGNING,
        ResetKind::Auth => msg::DONE_TITLE_AUTH,
    };
    column![
        ctx.text(ctx.t(msg::MARK_OK))
            .size(m.px(160.0))
            .font(theme::MARK)
            .color(ctx.palette.ok),
        title(ctx, ctx.t(heading)),
        body(ctx, ctx.t(msg::DONE_MESSAGE)),
    ]
    .spacing(m.spacing())
    .align_x(Alignment::Center)
    .width(Length::Fill)
    .into()
}

pub fn footer_view<'a>(ctx: &Ctx) -> Element<'a, Message> {
    finish_footer(ctx, Message::Finish)
}
