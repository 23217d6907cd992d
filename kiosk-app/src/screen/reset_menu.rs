//! 2 パスワード再設定: which password to reset. The auth-PIN reset appears only where the store
//! offers it (configuration).

use crate::i18n::msg;
use iced::Element;
use iced::widget::{column, row};
use reset_protocol::ResetKind;

use crate::widget::{Ctx, back_footer, choice_of_height, title};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Choose(ResetKind),
    Back,
}

pub fn view<'a>(ctx: &Ctx, offered: &[ResetKind]) -> Element<'a, Message> {
    let m = ctx.metrics;
    let choices = offered.iter().map(|kind| {
        let (label, note) = match kind {
            ResetKind::Signing => (msg::RESET_MENU_SIGNING, msg::RESET_MENU_SIGNING_NOTE),
            ResetKind::Auth => (msg::RESET_MENU_AUTH, msg::RESET_MENU_AUTH_NOTE),
        };
        // Side by side (low layout) each has half the width: its words take more lines.
        let height = if ctx.low {
            m.px(420.0)
        } else {
            m.px(190.0).max(110.0)
        };
        choice_of_height(
            ctx,
            ctx.t(label),
            ctx.t(note),
            Some(Message::Choose(*kind)),
            height,
        )
    });
    let page = column![title(ctx, ctx.t(msg::RESET_MENU_TITLE))].spacing(m.spacing());
    // The low layout puts the choices side by side: one row, low on the screen.
    let page = if ctx.low {
        page.push(row(choices).spacing(m.spacing()))
    } else {
        page.extend(choices)
    };
    page.max_width(m.px(1300.0)).into()
}

pub fn footer_view<'a>(ctx: &Ctx) -> Element<'a, Message> {
    back_footer(ctx, msg::COMMON_BACK, Message::Back)
}
