//! The error screens: what happened, what to do next, and the way out (back to the top).

use crate::i18n::{Arg, MessageId, msg};
use iced::widget::{column, container};
use iced::{Alignment, Element, Length};
use reset_protocol::ResetKind;

use crate::guidance::guidance;
use crate::theme;
use crate::widget::{Ctx, finish_footer};
use kiosk_core::flow_error::FlowError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Finish,
}

pub fn view<'a>(
    ctx: &Ctx,
    error: &FlowError,
    kind: ResetKind,
    hours: &(String, String),
) -> Element<'a, Message> {
    let m = ctx.metrics;
    let (title_id, guide_id) = guidance(error, kind);
    let guide = ctx.f(
        guide_id,
        &[("start", Arg::from(&hours.0)), ("end", Arg::from(&hours.1))],
    );
    let radius = m.radius();
    let palette = ctx.palette;
    column![
        ctx.text(ctx.t(msg::MARK_ALERT))
            .size(m.px(120.0))
            .font(theme::MARK)
            .color(ctx.palette.warning),
        ctx.text(ctx.t(title_id))
            .size(m.title())
            .font(ctx.bold())
            .align_x(iced::alignment::Horizontal::Center),
        container(
            column![
                ctx.text(ctx.t(msg::ERROR_NEXT))
                    .size(m.heading())
                    .font(ctx.bold())
                    .color(ctx.palette.header),
                ctx.text(guide).size(m.body()),
            ]
            .spacing(m.px(16.0))
        )
        .padding(m.px(32.0))
        .max_width(m.px(1400.0))
        .style(move |_| theme::panel_style(
            palette,
            palette.surface,
            palette.key_border,
            radius
        )),
    ]
    .spacing(m.spacing())
    .align_x(Alignment::Center)
    .width(Length::Fill)
    .into()
}

/// The title of an error, for the removal screen that comes first when a card is present.
pub fn title_id(error: &FlowError, kind: ResetKind) -> MessageId {
    guidance(error, kind).0
}

pub fn footer_view<'a>(ctx: &Ctx) -> Element<'a, Message> {
    finish_footer(ctx, Message::Finish)
}
