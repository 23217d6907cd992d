//! 1 行政サービス: the government services menu.

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
        title(ctx, ctx.t("services.title")),
        choice(
            ctx,
            ctx.t("services.password_reset"),
            ctx.t("services.password_reset_note"),
            Some(Message::PasswordReset)
        ),
        choice(
            ctx,
            ctx.t("services.certificates"),
            ctx.t("services.certificates_note"),
            None
        ),
    ]
    .spacing(m.spacing())
    .max_width(m.px(1300.0))
    .into()
}

pub fn footer_view<'a>(ctx: &Ctx) -> Element<'a, Message> {
    back_footer(ctx, "common.back", Message::Back)
}
