//! 3 同意: what will happen, the conditions, the privacy note; agree or decline.

use iced::widget::{column, container, row, text};
use iced::{Element, Length};
use reset_protocol::ResetKind;

use crate::theme::{self, Tone, colour};
use crate::widget::{Ctx, body, footer, text_button, title};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Agree,
    Decline,
    Back,
}

pub fn view<'a>(ctx: &Ctx, kind: ResetKind) -> Element<'a, Message> {
    let m = ctx.metrics;
    let (what, know) = match kind {
        ResetKind::Signing => ("consent.what.signing", "consent.know.signing"),
        ResetKind::Auth => ("consent.what.auth", "consent.know.auth"),
    };
    let condition = |id: &str| -> Element<'a, Message> {
        row![
            text(ctx.t("mark.ok"))
                .size(m.body())
                .font(theme::BOLD)
                .color(colour::OK),
            text(ctx.t(id)).size(m.body()),
        ]
        .spacing(m.px(12.0))
        .into()
    };
    let radius = m.radius();
    let conditions = container(
        column![
            text(ctx.t("consent.conditions"))
                .size(m.heading())
                .font(theme::BOLD),
            condition("consent.reservation"),
            condition(know),
            condition("consent.valid"),
        ]
        .spacing(m.px(14.0)),
    )
    .padding(m.px(28.0))
    .width(Length::Fill)
    .style(move |_| theme::panel_style(colour::SURFACE, colour::KEY_BORDER, radius));
    column![
        title(ctx, ctx.t("consent.title")),
        body(ctx, ctx.t(what)),
        conditions,
        text(ctx.t("consent.privacy"))
            .size(m.body())
            .color(colour::MUTED),
    ]
    .spacing(m.spacing())
    .max_width(m.px(1500.0))
    .into()
}

pub fn footer_view<'a>(ctx: &Ctx) -> Element<'a, Message> {
    let m = ctx.metrics;
    footer(
        vec![text_button(
            ctx,
            ctx.t("common.back"),
            Tone::Secondary,
            Some(Message::Back),
            Length::Fixed(m.px(260.0)),
        )],
        vec![
            text_button(
                ctx,
                ctx.t("consent.decline"),
                Tone::Secondary,
                Some(Message::Decline),
                Length::Fixed(m.px(360.0)),
            ),
            text_button(
                ctx,
                ctx.t("consent.agree"),
                Tone::Primary,
                Some(Message::Agree),
                Length::Fixed(m.px(420.0)),
            ),
        ],
    )
}
