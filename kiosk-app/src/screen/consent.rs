//! 3 同意: what will happen, the conditions, the privacy note; agree or decline.

use crate::i18n::{MessageId, msg};
use iced::widget::{column, container, row};
use iced::{Element, Length};
use reset_protocol::ResetKind;

use crate::theme::{self, Tone};
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
        ResetKind::Signing => (msg::CONSENT_WHAT_SIGNING, msg::CONSENT_KNOW_SIGNING),
        ResetKind::Auth => (msg::CONSENT_WHAT_AUTH, msg::CONSENT_KNOW_AUTH),
    };
    let condition = |id: MessageId| -> Element<'a, Message> {
        row![
            ctx.text(ctx.t(msg::MARK_OK))
                .size(m.body())
                .font(theme::MARK)
                .color(ctx.palette.ok),
            ctx.text(ctx.t(id)).size(m.body()),
        ]
        .spacing(m.px(12.0))
        .into()
    };
    let radius = m.radius();
    let palette = ctx.palette;
    let conditions = container(
        column![
            ctx.text(ctx.t(msg::CONSENT_CONDITIONS))
                .size(m.heading())
                .font(ctx.bold()),
            condition(msg::CONSENT_RESERVATION),
            condition(know),
            condition(msg::CONSENT_VALID),
        ]
        .spacing(m.px(14.0)),
    )
    .padding(m.px(28.0))
    .width(Length::Fill)
    .style(move |_| theme::panel_style(palette, palette.surface, palette.key_border, radius));
    column![
        title(ctx, ctx.t(msg::CONSENT_TITLE)),
        body(ctx, ctx.t(what)),
        conditions,
        ctx.text(ctx.t(msg::CONSENT_PRIVACY))
            .size(m.body())
            .color(ctx.palette.muted),
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
            ctx.t(msg::COMMON_BACK),
            Tone::Secondary,
            Some(Message::Back),
            Length::Fixed(m.px(260.0)),
        )],
        vec![
            text_button(
                ctx,
                ctx.t(msg::CONSENT_DECLINE),
                Tone::Secondary,
                Some(Message::Decline),
                Length::Fixed(m.px(360.0)),
            ),
            text_button(
                ctx,
                ctx.t(msg::CONSENT_AGREE),
                Tone::Primary,
                Some(Message::Agree),
                Length::Fixed(m.px(420.0)),
            ),
        ],
    )
}
