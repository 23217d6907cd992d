//! 2 パスワード再設定: which password to reset. The auth-PIN reset appears only where the store
//! offers it (configuration).

use crate::i18n::msg;
use iced::Element;
use iced::widget::column;
use reset_protocol::ResetKind;

use crate::widget::{Ctx, back_footer, choice, title};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Choose(ResetKind),
    Back,
}

pub fn view<'a>(ctx: &Ctx, offered: &[ResetKind]) -> Element<'a, Message> {
    let m = ctx.metrics;
    let mut page = column![title(ctx, ctx.t(msg::RESET_MENU_TITLE))].spacing(m.spacing());
    for kind in offered {
        let (label, note) = match kind {
            ResetKind::Signing => (msg::RESET_MENU_SIGNING, msg::RESET_MENU_SIGNING_NOTE),
            ResetKind::Auth => (msg::RESET_MENU_AUTH, msg::RESET_MENU_AUTH_NOTE),
        };
        page = page.push(choice(
            ctx,
            ctx.t(label),
            ctx.t(note),
            Some(Message::Choose(*kind)),
        ));
    }
    page.max_width(m.px(1300.0)).into()
}

pub fn footer_view<'a>(ctx: &Ctx) -> Element<'a, Message> {
    back_footer(ctx, msg::COMMON_BACK, Message::Back)
}
