//! 0 待受: the kiosk's idle screen. 「行政サービス」 among the machine's other services (shown,
//! not offered here); why government services are unavailable, when they are.

use crate::i18n::{Language, MessageId, msg};
use iced::widget::{column, container, row, space};
use iced::{Alignment, Element, Length};

use crate::theme::{self, Tone};
use crate::widget::{Ctx, choice, language_buttons, notice, title, touch};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Government,
    /// One of the language buttons at the foot of the screen.
    Language(Language),
    /// The accessibility button: larger text, high contrast, more time.
    Assist,
}

/// Why the customer flow is not offered now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    OutsideHours {
        start: String,
        end: String,
    },
    OutOfService,
    /// The kiosk has just started and does not know yet whether its reader is there: the
    /// service is not offered, and no outage is claimed (it lasts a few tens of milliseconds).
    Starting,
}

pub fn view<'a>(
    ctx: &Ctx,
    unavailable: Option<&Unavailable>,
    assisted: bool,
) -> Element<'a, Message> {
    let m = ctx.metrics;
    let government = choice(
        ctx,
        ctx.t(msg::TOP_GOVERNMENT),
        ctx.t(msg::TOP_GOVERNMENT_NOTE),
        unavailable.is_none().then_some(Message::Government),
    );
    // The machine's other services, shown as on a real multi-copy machine but not offered here.
    let other = |id: MessageId| -> Element<'a, Message> {
        let content = column![
            ctx.text(ctx.t(id)).size(m.heading()).font(ctx.bold()),
            ctx.text(ctx.t(msg::TOP_NOT_IN_THIS_DEMO)).size(m.small()),
        ]
        .spacing(m.px(8.0))
        .align_x(Alignment::Center);
        touch(
            ctx,
            content,
            Tone::Disabled,
            None,
            Length::Fill,
            // Taller with larger text: the note wraps to two lines.
            (m.px(150.0) * m.text_scale).round().max(96.0),
        )
    };
    let mut page = column![
        title(ctx, ctx.t(msg::TOP_TITLE)),
        space().height(m.px(16.0)),
    ]
    .spacing(m.spacing());
    let words = match unavailable {
        Some(Unavailable::OutsideHours { start, end }) => Some(ctx.f(
            msg::TOP_OUTSIDE_HOURS,
            &[("start", start.into()), ("end", end.into())],
        )),
        Some(Unavailable::OutOfService) => Some(ctx.t(msg::TOP_OUT_OF_SERVICE).to_string()),
        Some(Unavailable::Starting) | None => None,
    };
    if let Some(words) = words {
        page = page.push(notice(ctx, words, false));
    }
    page = page.push(government);
    // The machine's other services are not offered here: the low layout leaves them out, so
    // that the one offered sits lower.
    if !ctx.low {
        page = page.push(
            row![
                other(msg::TOP_COPY),
                other(msg::TOP_PRINT),
                other(msg::TOP_PHOTO)
            ]
            .spacing(m.spacing()),
        );
    }
    // The languages by their own names, in the lower part of the screen where everyone
    // reaches, and wider than the menu above so that every name fits on its button.
    let languages = container(language_buttons(
        ctx,
        Language::ALL.len(),
        m.button_height(),
        Message::Language,
    ))
    .max_width(m.px(1600.0));
    // The accessibility button, marked as on when anything is, named in English too.
    let label = ctx.bilingual(msg::ASSIST_OPEN);
    let mark = ctx
        .text(if assisted { ctx.t(msg::MARK_OK) } else { "" })
        .size(m.body())
        .font(theme::MARK);
    let assist = touch(
        ctx,
        row![mark, ctx.text(label).size(m.body()).font(ctx.bold())]
            .spacing(m.px(12.0))
            .align_y(Alignment::Center),
        if assisted {
            Tone::Primary
        } else {
            Tone::Choice
        },
        Some(Message::Assist),
        Length::Fill,
        m.button_height(),
    );
    container(
        column![
            page.max_width(m.px(1300.0)),
            column![languages, container(assist).max_width(m.px(1600.0))]
                .spacing(m.px(16.0))
                .align_x(Alignment::Center)
        ]
        .spacing(m.px(32.0))
        .align_x(Alignment::Center),
    )
    .center_x(Length::Fill)
    .height(Length::Fill)
    .align_y(if ctx.low {
        iced::alignment::Vertical::Bottom
    } else {
        iced::alignment::Vertical::Center
    })
    .into()
}
