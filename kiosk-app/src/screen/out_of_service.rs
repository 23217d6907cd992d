//! Out of service: the reader or pcscd is gone. Customers are told, staff see it in maintenance.

use crate::i18n::msg;
use iced::widget::column;
use iced::{Alignment, Element, Length};

use crate::theme;
use crate::widget::{Ctx, body};

pub fn view<'a, M: 'a>(ctx: &Ctx) -> Element<'a, M> {
    let m = ctx.metrics;
    column![
        ctx.text(ctx.t(msg::MARK_ALERT))
            .size(m.px(140.0))
            .font(theme::MARK)
            .color(ctx.palette.muted),
        ctx.text(ctx.t(msg::OUT_OF_SERVICE_TITLE))
            .size(m.title())
            .font(ctx.bold()),
        body(ctx, ctx.t(msg::OUT_OF_SERVICE_GUIDE)),
    ]
    .spacing(m.spacing())
    .align_x(Alignment::Center)
    .width(Length::Fill)
    .into()
}
