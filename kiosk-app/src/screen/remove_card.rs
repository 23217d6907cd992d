//! 7 カード取り出し: 「カードをお取りください」, escalating while the card stays: a red banner
//! after 10 s, and a sound from then on where the kiosk has an audio device.

use crate::i18n::msg;
use std::time::Duration;

use iced::widget::{column, container};
use iced::{Alignment, Element, Length};

use crate::theme;
use crate::widget::card_art::{Scene, card_art};
use crate::widget::{Ctx, notice, title};
use kiosk_core::flow_error::FlowError;
use reset_protocol::ResetKind;

/// How the session ended, shown on the removal screen and carried to the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The new PIN of this reset is set.
    Success(ResetKind),
    /// This reset could not go on (the kind decides some of the guidance).
    Failed(FlowError, ResetKind),
    Cancelled,
    TimedOut,
    /// A card was found on the reader with no session (left by someone, or placed early).
    LeftBehind,
}

/// After this long the screen turns red and the sound starts.
pub const ESCALATE_AFTER: Duration = Duration::from_secs(10);

pub fn view<'a, M: 'a>(
    ctx: &Ctx,
    ending: &Ending,
    waiting: Duration,
    failure_title: Option<&str>,
) -> Element<'a, M> {
    let m = ctx.metrics;
    let urgent = waiting >= ESCALATE_AFTER;
    let art_height = (m.size.height * 0.36).max(200.0);
    let reason: Option<String> = match ending {
        Ending::Success(_) => Some(ctx.t(msg::REMOVE_DONE).to_string()),
        Ending::Cancelled => Some(ctx.t(msg::REMOVE_CANCELLED).to_string()),
        Ending::TimedOut => Some(ctx.t(msg::REMOVE_TIMED_OUT).to_string()),
        Ending::Failed(..) => failure_title.map(str::to_string),
        Ending::LeftBehind => None,
    };
    let mut page = column![title(ctx, ctx.t(msg::REMOVE_TITLE))]
        .spacing(m.spacing())
        .align_x(Alignment::Center);
    if let Some(reason) = reason {
        let colour = if matches!(ending, Ending::Failed(..)) {
            ctx.palette.warning
        } else {
            ctx.palette.header
        };
        page = page.push(
            ctx.text(reason)
                .size(m.heading())
                .font(ctx.bold())
                .color(colour),
        );
    }
    page = page.push(card_art(
        ctx.palette,
        Scene::TakeBack { urgent },
        art_height * 1.5,
        art_height,
    ));
    if urgent {
        page = page.push(notice(ctx, ctx.t(msg::REMOVE_ESCALATED), true));
    } else {
        page = page.push(
            ctx.text(ctx.t(msg::REMOVE_REMINDER))
                .size(m.body())
                .color(ctx.palette.muted),
        );
    }
    let radius = m.radius();
    let palette = ctx.palette;
    container(page)
        .padding(m.px(16.0))
        .width(Length::Fill)
        .style(move |_| {
            if urgent {
                theme::panel_style(palette, palette.warning_soft, palette.warning, radius)
            } else {
                iced::widget::container::Style::default()
            }
        })
        .into()
}
