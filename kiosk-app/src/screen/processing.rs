//! The processing screen between 6 and 7: 「カードを動かさないでください」 while the card and the
//! centre work (also while the card is read and the PIN checked).

use crate::i18n::msg;
use iced::widget::column;
use iced::{Alignment, Element, Length};

use crate::widget::card_art::{Scene, card_art};
use crate::widget::{Ctx, title};

pub fn view<'a, M: 'a>(ctx: &Ctx, heading: &str) -> Element<'a, M> {
    let m = ctx.metrics;
    let art_height = (m.size.height * 0.4).max(200.0);
    column![
        title(ctx, heading.to_string()),
        card_art(ctx.palette, Scene::Hold, art_height * 1.5, art_height),
        ctx.text(ctx.t(msg::PROCESSING_HOLD))
            .size(m.px(64.0))
            .font(ctx.bold())
            .color(ctx.palette.warning),
    ]
    .spacing(m.spacing())
    .align_x(Alignment::Center)
    .width(Length::Fill)
    .into()
}
