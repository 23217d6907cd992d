//! 1 行政サービス: the government services menu.

use iced::widget::column;
use iced::{Element, Length};

use crate::theme::Tone;
use crate::widget::{Ctx, choice, footer, text_button, title};

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
    footer(
        vec![text_button(
            ctx,
            ctx.t("common.back"),
            Tone::Secondary,
            Some(Message::Back),
            Length::Fixed(ctx.metrics.px(300.0)),
        )],
        vec![],
    )
}
