//! 1 行政サービス: the government services menu.

use crate::i18n::msg;
use iced::Element;
use iced::widget::column;

use crate::widget::{Ctx, back_footer, choice, title};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    PasswordReset,
    Back,
}

pub fn view<'a>(ctx: &Ctx) -> Element<'a, Message> {
    let m = ctx.metrics;
    column![
        title(ctx, ctx.t(msg::SERVICES_TITLE)),
        choice(
            ctx,
            ctx.t(msg::SERVICES_PASSWORD_RESET),
            ctx.t(msg::SERVICES_PASSWORD_RESET_NOTE),
            Some(Message::PasswordReset)
        ),
        choice(
            ctx,
            ctx.t(msg::SERVICES_CERTIFICATES),
            ctx.t(msg::SERVICES_CERTIFICATES_NOTE),
            None
        ),
    ]
    .spacing(m.spacing())
    .max_width(m.px(1300.0))
    .into()
}

pub fn footer_view<'a>(ctx: &Ctx) -> Element<'a, Message> {
    back_footer(ctx, msg::COMMON_BACK, Message::Back)
}
