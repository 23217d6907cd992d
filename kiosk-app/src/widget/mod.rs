//! The kiosk's shared widgets: touch buttons that fire on press, the numeric keypad, the
//! A–Z/0–9 keyboard, masked entry, the card illustrations, and the screen frame.

pub mod card_art;
pub mod full_repaint;
pub mod keyboard;
pub mod keypad;

use crate::i18n::{MessageId, msg};
use iced::widget::{column, container, mouse_area, row, space, text};
use iced::{Alignment, Element, Font, Length, mouse};

use crate::i18n::{self, Arg, Language};
use crate::theme::{self, Metrics, Palette, Tone};
use kiosk_core::config::Volume;

/// What every view needs to draw itself.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub language: Language,
    /// The window's sizes, larger where the customer asked for larger text.
    pub metrics: Metrics,
    /// The colours: standard, or high contrast where the customer asked for it.
    pub palette: &'static Palette,
    /// The cursor is hidden on a kiosk's touchscreen (configuration).
    pub hide_cursor: bool,
    /// The low layout: every control in the lower part of the screen, the header (with its
    /// language button) below the footer, panels at the bottom (`Assist::low`).
    pub low: bool,
}

impl Ctx {
    pub fn t(&self, id: MessageId) -> &'static str {
        i18n::text(self.language, id)
    }

    pub fn f(&self, id: MessageId, values: &[(&str, Arg<'_>)]) -> String {
        i18n::format(self.language, id, values)
    }

    /// The text of `id` in the customer's language and, unless that is English, in English
    /// too (「言語 / Language」): for the buttons someone who cannot read the screen must find.
    pub fn bilingual(&self, id: MessageId) -> String {
        let own = self.t(id);
        if self.language == Language::English {
            own.to_string()
        } else {
            format!("{own} / {}", i18n::text(Language::English, id))
        }
    }

    /// The regular font of the customer's language (each script has its own face).
    pub fn font(&self) -> Font {
        theme::font_of(theme::face(self.language))
    }

    /// The bold font of the customer's language.
    pub fn bold(&self) -> Font {
        theme::bold_of(theme::face(self.language))
    }

    /// Text in the customer's language's face: every text the customer reads is made here or
    /// given [`Ctx::font`] / [`Ctx::bold`] (iced's default face has no Hangul, for one).
    pub fn text<'a>(&self, words: impl text::IntoFragment<'a>) -> iced::widget::Text<'a> {
        text(words).font(self.font())
    }
}

/// A touch target that fires on press (not on release: iced's buttons drop touch taps after
/// any movement, iced issue 3471). `None` draws it disabled.
pub fn touch<'a, M: Clone + 'a>(
    ctx: &Ctx,
    label: impl Into<Element<'a, M>>,
    tone: Tone,
    on_press: Option<M>,
    width: Length,
    height: f32,
) -> Element<'a, M> {
    let tone = if on_press.is_none() {
        Tone::Disabled
    } else {
        tone
    };
    let radius = ctx.metrics.radius();
    let palette = ctx.palette;
    let body = container(label)
        .center_x(width)
        .center_y(Length::Fixed(height))
        .padding([0.0, ctx.metrics.px(20.0)])
        .style(move |_| theme::button_style(palette, tone, radius));
    match on_press {
        Some(message) => {
            let area = mouse_area(body).on_press(message);
            if ctx.hide_cursor {
                area.into()
            } else {
                area.interaction(mouse::Interaction::Pointer).into()
            }
        }
        None => body.into(),
    }
}

/// A button with one line of text.
pub fn text_button<'a, M: Clone + 'a>(
    ctx: &Ctx,
    label: &str,
    tone: Tone,
    on_press: Option<M>,
    width: Length,
) -> Element<'a, M> {
    let size = ctx.metrics.body();
    let font = if tone == Tone::Primary {
        ctx.bold()
    } else {
        ctx.font()
    };
    touch(
        ctx,
        ctx.text(label.to_string()).size(size).font(font),
        tone,
        on_press,
        width,
        ctx.metrics.button_height(),
    )
}

/// A large menu choice: a title and a note under it.
pub fn choice<'a, M: Clone + 'a>(
    ctx: &Ctx,
    title: &str,
    note: &str,
    on_press: Option<M>,
) -> Element<'a, M> {
    choice_of_height(ctx, title, note, on_press, ctx.metrics.px(190.0).max(110.0))
}

/// A menu choice of `height` (taller where choices stand side by side and their words wrap).
pub fn choice_of_height<'a, M: Clone + 'a>(
    ctx: &Ctx,
    title: &str,
    note: &str,
    on_press: Option<M>,
    height: f32,
) -> Element<'a, M> {
    let m = ctx.metrics;
    let content = column![
        ctx.text(title.to_string())
            .size(m.heading())
            .font(ctx.bold()),
        ctx.text(note.to_string()).size(m.small()),
    ]
    .spacing(m.px(10.0))
    .align_x(Alignment::Center);
    touch(ctx, content, Tone::Choice, on_press, Length::Fill, height)
}

/// A screen title.
pub fn title<'a, M: 'a>(ctx: &Ctx, words: impl Into<String>) -> Element<'a, M> {
    ctx.text(words.into())
        .size(ctx.metrics.title())
        .font(ctx.bold())
        .color(ctx.palette.text)
        .align_x(iced::alignment::Horizontal::Center)
        .width(Length::Fill)
        .into()
}

/// Body text.
pub fn body<'a, M: 'a>(ctx: &Ctx, words: impl Into<String>) -> Element<'a, M> {
    ctx.text(words.into())
        .size(ctx.metrics.body())
        .color(ctx.palette.text)
        .into()
}

/// A highlighted notice: caution (yellow) or warning (red).
pub fn notice<'a, M: 'a>(ctx: &Ctx, words: impl Into<String>, warning: bool) -> Element<'a, M> {
    let m = ctx.metrics;
    let (background, border, fg) = if warning {
        (
            ctx.palette.warning_soft,
            ctx.palette.warning,
            ctx.palette.warning,
        )
    } else {
        (
            ctx.palette.caution,
            ctx.palette.caution_border,
            ctx.palette.text,
        )
    };
    let radius = m.radius();
    let palette = ctx.palette;
    container(
        row![
            ctx.text(ctx.t(msg::MARK_ALERT))
                .size(m.heading())
                .font(theme::MARK)
                .color(fg),
            ctx.text(words.into())
                .size(m.body())
                .font(ctx.bold())
                .color(fg),
        ]
        .spacing(m.px(16.0))
        .align_y(Alignment::Center),
    )
    .padding([m.px(18.0), m.px(28.0)])
    .width(Length::Fill)
    .style(move |_| theme::panel_style(palette, background, border, radius))
    .into()
}

/// The masked PIN: one ● per character typed; for a fixed-length PIN, ○ for the ones to come.
pub fn masked<'a, M: 'a>(ctx: &Ctx, typed: usize, fixed_length: Option<usize>) -> Element<'a, M> {
    let m = ctx.metrics;
    let cell = m.px(84.0).max(56.0);
    let radius = m.radius();
    let palette = ctx.palette;
    let boxed = move |filled: bool, ctx: &Ctx| -> Element<'a, M> {
        container(
            ctx.text(if filled { ctx.t(msg::MARK_MASK) } else { "" })
                .size(m.heading())
                .color(ctx.palette.text),
        )
        .center_x(Length::Fixed(cell))
        .center_y(Length::Fixed(cell))
        .style(move |_| {
            theme::panel_style(palette, palette.surface, palette.key_border, radius / 2.0)
        })
        .into()
    };
    match fixed_length {
        Some(length) => row((0..length).map(|i| boxed(i < typed, ctx)))
            .spacing(m.px(16.0))
            .into(),
        None => {
            let dots: String = ctx.t(msg::MARK_MASK).repeat(typed);
            container(ctx.text(dots).size(m.heading()).color(ctx.palette.text))
                .padding([0.0, m.px(24.0)])
                .center_y(Length::Fixed(cell))
                .width(Length::Fixed(m.px(900.0).min(m.size.width * 0.7)))
                .style(move |_| {
                    theme::panel_style(palette, palette.surface, palette.key_border, radius / 2.0)
                })
                .into()
        }
    }
}

/// A rule of the new password, ticked when met.
pub fn rule<'a, M: 'a>(ctx: &Ctx, label: &str, met: bool) -> Element<'a, M> {
    let m = ctx.metrics;
    let (mark, fg) = if met {
        (ctx.t(msg::MARK_OK), ctx.palette.ok)
    } else {
        (ctx.t(msg::MARK_TODO), ctx.palette.muted)
    };
    row![
        ctx.text(mark).size(m.body()).font(ctx.bold()).color(fg),
        ctx.text(label.to_string()).size(m.body()).color(fg),
    ]
    .spacing(m.px(8.0))
    .into()
}

/// A panel over the dimmed screen (the inactivity warning, the choice of languages, the
/// accessibility switches), edged in `border`.
pub fn overlay<'a, M: 'a>(
    ctx: &Ctx,
    panel: impl Into<Element<'a, M>>,
    border: iced::Color,
    padding: f32,
) -> Element<'a, M> {
    let radius = ctx.metrics.radius();
    let palette = ctx.palette;
    let placed = container(
        container(panel)
            .padding(padding)
            .style(move |_| theme::panel_style(palette, palette.surface, border, radius)),
    )
    .center_x(Length::Fill);
    // The low layout: the panel at the bottom of the screen, where the customer reaches.
    let placed = if ctx.low {
        placed
            .align_bottom(Length::Fill)
            .padding(iced::Padding::ZERO.bottom(ctx.metrics.px(24.0)))
    } else {
        placed.center_y(Length::Fill)
    };
    placed
        .style(move |_| iced::widget::container::Style {
            background: Some(palette.overlay.into()),
            ..Default::default()
        })
        .into()
}

/// An on/off switch as one wide button: what it does on the left, whether it is on on the right
/// (in words, and in the button's colour: not by colour alone).
pub fn switch<'a, M: Clone + 'a>(ctx: &Ctx, label: &str, on: bool, toggle: M) -> Element<'a, M> {
    let m = ctx.metrics;
    // The check mark in the marks' face (not every language's face has it).
    let mark = ctx
        .text(if on { ctx.t(msg::MARK_OK) } else { "" })
        .size(m.body())
        .font(theme::MARK);
    let state = ctx
        .text(ctx.t(if on { msg::ASSIST_ON } else { msg::ASSIST_OFF }))
        .size(m.body())
        .font(ctx.bold());
    let content = row![
        ctx.text(label.to_string())
            .size(m.body())
            .font(ctx.bold())
            .width(Length::Fill),
        mark,
        state,
    ]
    .spacing(m.px(24.0))
    .align_y(Alignment::Center);
    touch(
        ctx,
        content,
        if on { Tone::Primary } else { Tone::Secondary },
        Some(toggle),
        Length::Fill,
        ctx.metrics.button_height(),
    )
}

/// The volume: its label, a button one step quieter, the five steps as marks (the current
/// ones filled), a button one step louder; a button at either end does nothing more.
pub fn volume<'a, M: Clone + 'a>(
    ctx: &Ctx,
    label: &str,
    volume: Volume,
    step: impl Fn(bool) -> M,
) -> Element<'a, M> {
    let m = ctx.metrics;
    let side = m.button_height();
    let sign = |text: &'static str, louder: bool, allowed: bool| {
        touch(
            ctx,
            ctx.text(text).size(m.title()).font(theme::MARK),
            Tone::Secondary,
            allowed.then(|| step(louder)),
            Length::Fixed(side),
            side,
        )
    };
    let marks: String = (Volume::QUIETEST.step()..=Volume::LOUDEST.step())
        .map(|n| {
            if n <= volume.step() {
                ctx.t(msg::MARK_MASK)
            } else {
                ctx.t(msg::MARK_EMPTY)
            }
        })
        .collect();
    row![
        ctx.text(label.to_string())
            .size(m.body())
            .font(ctx.bold())
            .width(Length::Fill),
        sign("-", false, volume > Volume::QUIETEST),
        ctx.text(marks)
            .size(m.small())
            .font(theme::MARK)
            .color(ctx.palette.text),
        sign("+", true, volume < Volume::LOUDEST),
    ]
    .spacing(m.px(16.0))
    .align_y(Alignment::Center)
    .into()
}

/// One button per language, each labelled with the language's own name in its own face, the
/// one on screen marked; `columns` to a row.
pub fn language_buttons<'a, M: Clone + 'a>(
    ctx: &Ctx,
    columns: usize,
    height: f32,
    choose: impl Fn(Language) -> M,
) -> Element<'a, M> {
    let m = ctx.metrics;
    let mut rows = column![].spacing(m.px(16.0));
    for chunk in Language::ALL.chunks(columns.max(1)) {
        let mut line = row![].spacing(m.px(16.0));
        for &language in chunk {
            let face = theme::face(language);
            // The names keep the standard size with larger text: six must share a row, and
            // each is read once.
            let label = ctx
                .text(i18n::text(language, msg::LANGUAGE_NAME))
                .size(m.standard().body())
                .font(theme::bold_of(face));
            let tone = if language == ctx.language {
                Tone::Choice
            } else {
                Tone::Secondary
            };
            line = line.push(touch(
                ctx,
                label,
                tone,
                Some(choose(language)),
                Length::Fill,
                height,
            ));
        }
        rows = rows.push(line);
    }
    rows.into()
}

/// The messages of the staff's hidden gesture: pressed and released on the header's title.
#[derive(Debug, Clone)]
pub struct Corner<M> {
    pub pressed: M,
    pub released: M,
}

/// The frame of every screen: header (service, step, language), body, footer.
pub fn frame<'a, M: Clone + 'a>(
    ctx: &Ctx,
    step: Option<u8>,
    on_language: Option<M>,
    body: Element<'a, M>,
    footer: Option<Element<'a, M>>,
    corner: Option<Corner<M>>,
) -> Element<'a, M> {
    let m = ctx.metrics;
    let step_text: Element<'a, M> = match step {
        Some(n) => ctx
            .text(ctx.f(msg::HEADER_STEP, &[("n", n.into())]))
            .size(m.body())
            .color(ctx.palette.header_text)
            .into(),
        None => space().into(),
    };
    let language = on_language.map(|message| {
        touch(
            ctx,
            ctx.text(ctx.bilingual(msg::LANGUAGE_CHOOSE))
                .size(m.body())
                .font(ctx.bold()),
            Tone::Secondary,
            Some(message),
            Length::Shrink,
            if ctx.low {
                m.button_height()
            } else {
                (m.header_height() - m.px(20.0)).max(60.0)
            },
        )
    });
    // The low layout: the language button leaves the header for the footer's end, and the
    // screen's content sits at the bottom of its place, so that no control is in the upper
    // part of the screen (the header keeps only what it says).
    let (in_header, in_footer) = if ctx.low {
        (None, language)
    } else {
        (language, None)
    };
    let header = container(
        row![service_title(ctx, corner), space::horizontal(), step_text]
            .push(in_header)
            .spacing(m.px(32.0))
            .align_y(Alignment::Center),
    )
    .padding([0.0, m.padding()])
    .center_y(Length::Fixed(m.header_height()))
    .width(Length::Fill)
    .style(|_| iced::widget::container::Style {
        background: Some(ctx.palette.header.into()),
        ..Default::default()
    });
    // Low, the content sits nearly on the footer (every pixel lower counts).
    let below = if ctx.low { m.px(8.0) } else { m.px(28.0) };
    let body = container(body)
        .padding(iced::Padding {
            top: m.px(28.0),
            bottom: below,
            left: m.padding(),
            right: m.padding(),
        })
        .height(Length::Fill)
        .align_y(if ctx.low {
            iced::alignment::Vertical::Bottom
        } else {
            iced::alignment::Vertical::Top
        });
    let footer: Option<Element<'a, M>> = match (footer, in_footer) {
        (Some(footer), Some(language)) => Some(
            row![container(footer).width(Length::Fill), language]
                .spacing(m.spacing())
                .align_y(Alignment::Center)
                .into(),
        ),
        (None, Some(language)) => Some(row![space::horizontal(), language].into()),
        (footer, None) => footer,
    };
    let footer = footer.map(|footer| {
        container(footer)
            .padding([if ctx.low { m.px(12.0) } else { m.px(20.0) }, m.padding()])
            .width(Length::Fill)
    });
    let page = column![header, body].push(footer);
    container(page)
        .width(Length::Fill)
        .height(Length::Fill)
        .style(|_| iced::widget::container::Style {
            background: Some(ctx.palette.background.into()),
            text_color: Some(ctx.palette.text),
            ..Default::default()
        })
        .into()
}

/// The header's title; where staff may enter, it also takes the hidden long press (a plain
/// area with no look of a button: customers are not invited to press it).
fn service_title<'a, M: Clone + 'a>(ctx: &Ctx, corner: Option<Corner<M>>) -> Element<'a, M> {
    let m = ctx.metrics;
    let title = ctx
        .text(ctx.t(msg::HEADER_SERVICE))
        .size(m.heading())
        .font(ctx.bold())
        .color(ctx.palette.header_text);
    match corner {
        Some(corner) => mouse_area(container(title).center_y(Length::Fixed(m.header_height())))
            .on_press(corner.pressed)
            .on_release(corner.released)
            .into(),
        None => title.into(),
    }
}

/// A footer with one secondary button (back or cancel) on the left.
pub fn back_footer<'a, M: Clone + 'a>(
    ctx: &Ctx,
    label_id: MessageId,
    message: M,
) -> Element<'a, M> {
    let width = Length::Fixed(ctx.metrics.px(300.0));
    footer(
        vec![text_button(
            ctx,
            ctx.t(label_id),
            Tone::Secondary,
            Some(message),
            width,
        )],
        vec![],
    )
}

/// A footer with 終了 on the right (done and error screens).
pub fn finish_footer<'a, M: Clone + 'a>(ctx: &Ctx, message: M) -> Element<'a, M> {
    let width = Length::Fixed(ctx.metrics.px(400.0));
    footer(
        vec![],
        vec![text_button(
            ctx,
            ctx.t(msg::COMMON_FINISH),
            Tone::Primary,
            Some(message),
            width,
        )],
    )
}

/// A PIN screen's body: what to enter on the left, the keypad on the right, centred together.
pub fn beside_keypad<'a, M: 'a>(
    ctx: &Ctx,
    info: iced::widget::Column<'a, M>,
    keypad: Element<'a, M>,
) -> Element<'a, M> {
    let m = ctx.metrics;
    row![info.width(Length::Fixed(m.px(820.0))), keypad]
        .spacing(m.px(80.0))
        .align_y(Alignment::Center)
        .into()
}

/// Back on the left, the way forward on the right.
pub fn footer<'a, M: 'a>(left: Vec<Element<'a, M>>, right: Vec<Element<'a, M>>) -> Element<'a, M> {
    let mut bar = row![].spacing(24.0).align_y(Alignment::Center);
    for element in left {
        bar = bar.push(element);
    }
    bar = bar.push(space::horizontal());
    for element in right {
        bar = bar.push(element);
    }
    bar.into()
}
