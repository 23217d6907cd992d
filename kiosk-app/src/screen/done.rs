//! 8 完了: done; back to the top by itself after a few seconds, or at a tap.

use iced::widget::{column, text};
use iced::{Alignment, Element, Length};
use reset_protocol::ResetKind;

use crate::theme::{self, colour};
use crate::widget::{Ctx, body, finish_footer, title};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Finish,
}

pub fn view<'a>(ctx: &Ctx, kind: ResetKind) -> Element<'a, Message> {
    let m = ctx.metrics;
    let heading = match kind {
        ResetKind::Signing => "done.title.signing",
        ResetKind::Auth => "done.title.auth",
    };
    column![
        text(ctx.t("mark.ok"))
            .size(m.px(160.0))
            .font(theme::BOLD)
            .color(colour::OK),
        title(ctx, ctx.t(heading)),
        body(ctx, ctx.t("done.message")),
    ]
    .spacing(m.spacing())
    .align_x(Alignment::Center)
    .width(Length::Fill)
    .into()
}

pub fn footer_view<'a>(ctx: &Ctx) -> Element<'a, Message> {
    finish_footer(ctx, Message::Finish)
}
