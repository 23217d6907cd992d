//! Colours, type and sizes, in one place. Sizes scale with the window (a kiosk is full screen
//! on whatever monitor it has): the base unit is 1/1080 of the height, and touch targets never
//! go below 15 mm at the lowest density kiosks use (~100 dpi: 60 px; we keep ≥ 80 px).

use iced::font::{Family, Weight};
use iced::{Border, Color, Font, Shadow, Size};

/// The bundled face (BIZ UDPGothic, OFL): a universal-design face made for public information.
pub const FAMILY: &str = "BIZ UDPGothic";
pub const REGULAR_FONT: &[u8] =
    include_bytes!("../../assets/fonts/BIZUDPGothic-Regular.subset.ttf");
pub const BOLD_FONT: &[u8] = include_bytes!("../../assets/fonts/BIZUDPGothic-Bold.subset.ttf");

pub const FONT: Font = Font {
    family: Family::Name(FAMILY),
    ..Font::DEFAULT
};

pub const BOLD: Font = Font {
    family: Family::Name(FAMILY),
    weight: Weight::Bold,
    ..Font::DEFAULT
};

/// The palette: calm blue for the service, green to go on, strong colours only for warnings.
pub mod colour {
    use iced::Color;

    pub const BACKGROUND: Color = Color::from_rgb8(0xF4, 0xF6, 0xF9);
    pub const SURFACE: Color = Color::WHITE;
    pub const HEADER: Color = Color::from_rgb8(0x0B, 0x4F, 0x9C);
    pub const HEADER_TEXT: Color = Color::WHITE;
    pub const TEXT: Color = Color::from_rgb8(0x1A, 0x1F, 0x2B);
    pub const MUTED: Color = Color::from_rgb8(0x5A, 0x64, 0x73);
    pub const PRIMARY: Color = Color::from_rgb8(0x0B, 0x6E, 0x4F);
    pub const PRIMARY_TEXT: Color = Color::WHITE;
    pub const SECONDARY: Color = Color::WHITE;
    pub const SECONDARY_BORDER: Color = Color::from_rgb8(0x9A, 0xA5, 0xB4);
    pub const CHOICE: Color = Color::from_rgb8(0x0B, 0x4F, 0x9C);
    pub const DISABLED: Color = Color::from_rgb8(0xDD, 0xE1, 0xE7);
    pub const DISABLED_TEXT: Color = Color::from_rgb8(0x8A, 0x93, 0xA0);
    pub const KEY: Color = Color::WHITE;
    pub const KEY_BORDER: Color = Color::from_rgb8(0xB8, 0xC1, 0xCC);
    pub const WARNING: Color = Color::from_rgb8(0xB4, 0x23, 0x18);
    pub const WARNING_SOFT: Color = Color::from_rgb8(0xFD, 0xEC, 0xEA);
    pub const CAUTION: Color = Color::from_rgb8(0xFF, 0xF4, 0xD6);
    pub const CAUTION_BORDER: Color = Color::from_rgb8(0xE0, 0xA1, 0x00);
    pub const OK: Color = Color::from_rgb8(0x0B, 0x6E, 0x4F);
    pub const OVERLAY: Color = Color::from_rgba8(0x10, 0x18, 0x28, 0.72);
    pub const DEMO: Color = Color::from_rgb8(0x5B, 0x2C, 0x83);
    pub const CARD: Color = Color::from_rgb8(0xE8, 0xF1, 0xFB);
    pub const READER: Color = Color::from_rgb8(0x4A, 0x55, 0x66);
}

/// Sizes for one window size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metrics {
    /// 1/1080 of the window height, in logical pixels.
    pub unit: f32,
    pub size: Size,
}

impl Metrics {
    pub fn for_size(size: Size) -> Metrics {
        let by_height = size.height / 1080.0;
        // Very wide or narrow windows: do not let the text outgrow the width.
        let by_width = size.width / 1600.0;
        Metrics {
            unit: by_height.min(by_width).max(0.55),
            size,
        }
    }

    pub fn px(&self, value: f32) -> f32 {
        (value * self.unit).round()
    }

    pub fn title(&self) -> f32 {
        self.px(54.0)
    }

    pub fn heading(&self) -> f32 {
        self.px(40.0)
    }

    pub fn body(&self) -> f32 {
        self.px(32.0)
    }

    pub fn small(&self) -> f32 {
        self.px(26.0)
    }

    pub fn spacing(&self) -> f32 {
        self.px(24.0)
    }

    pub fn padding(&self) -> f32 {
        self.px(40.0)
    }

    /// A key of the keypads: square, never under 80 px.
    pub fn key(&self) -> f32 {
        self.px(116.0).max(80.0)
    }

    /// A key of the A–Z/0–9 keyboard (13 columns must fit), never under 80 px.
    pub fn letter_key(&self) -> f32 {
        self.px(104.0).max(80.0)
    }

    /// Height of the action buttons, never under 80 px.
    pub fn button_height(&self) -> f32 {
        self.px(120.0).max(80.0)
    }

    pub fn header_height(&self) -> f32 {
        self.px(96.0).max(64.0)
    }

    pub fn radius(&self) -> f32 {
        self.px(16.0)
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::for_size(Size::new(1920.0, 1080.0))
    }
}

/// What a touch button looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Go on: 同意する, 確定, 次へ.
    Primary,
    /// Back, cancel, decline.
    Secondary,
    /// A menu choice.
    Choice,
    /// Shown but not available.
    Disabled,
    /// A key of a keypad.
    Key,
}

pub fn button_style(tone: Tone, radius: f32) -> iced::widget::container::Style {
    let (background, text, border) = match tone {
        Tone::Primary => (colour::PRIMARY, colour::PRIMARY_TEXT, colour::PRIMARY),
        Tone::Secondary => (colour::SECONDARY, colour::TEXT, colour::SECONDARY_BORDER),
        Tone::Choice => (colour::SURFACE, colour::CHOICE, colour::CHOICE),
        Tone::Disabled => (colour::DISABLED, colour::DISABLED_TEXT, colour::DISABLED),
        Tone::Key => (colour::KEY, colour::TEXT, colour::KEY_BORDER),
    };
    iced::widget::container::Style {
        text_color: Some(text),
        background: Some(background.into()),
        border: Border {
            color: border,
            width: if tone == Tone::Choice { 3.0 } else { 2.0 },
            radius: radius.into(),
        },
        // Flat, with firm borders: high contrast reads well on a kiosk, and the software
        // renderer's blurred shadows cost ~50 ms of the first frame at 1080p.
        shadow: Shadow::default(),
        snap: false,
    }
}

pub fn panel_style(
    background: Color,
    border: Color,
    radius: f32,
) -> iced::widget::container::Style {
    iced::widget::container::Style {
        text_color: Some(colour::TEXT),
        background: Some(background.into()),
        border: Border {
            color: border,
            width: 2.0,
            radius: radius.into(),
        },
        shadow: Shadow::default(),
        snap: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Language, entries};

    #[test]
    fn the_bundled_font_has_every_glyph_the_catalogues_use() {
        for (name, font) in [("regular", REGULAR_FONT), ("bold", BOLD_FONT)] {
            let face = ttf_parser::Face::parse(font, 0).expect("the bundled font parses");
            let family = face
                .names()
                .into_iter()
                .find(|n| n.name_id == ttf_parser::name_id::FAMILY)
                .and_then(|n| n.to_string());
            assert_eq!(
                family.as_deref(),
                Some(FAMILY),
                "{name}: the family name iced looks up"
            );
            let mut missing = std::collections::BTreeSet::new();
            let ascii = (0x20u8..0x7F).map(char::from);
            let catalogued = Language::ALL
                .iter()
                .flat_map(|l| entries(*l))
                .flat_map(|(_, text)| text.chars());
            // Line breaks and word joiners are layout, not glyphs.
            for c in ascii
                .chain(catalogued)
                .filter(|&c| !c.is_control() && c != crate::i18n::WORD_JOINER)
            {
                if face.glyph_index(c).is_none() {
                    missing.insert(c);
                }
            }
            assert!(
                missing.is_empty(),
                "{name} lacks {missing:?}: run assets/fonts/subset.py"
            );
        }
    }

    #[test]
    fn touch_targets_stay_large_on_small_screens() {
        for size in [
            Size::new(1280.0, 800.0),
            Size::new(1024.0, 600.0),
            Size::new(1920.0, 1080.0),
        ] {
            let m = Metrics::for_size(size);
            assert!(
                m.key() >= 80.0 && m.letter_key() >= 80.0 && m.button_height() >= 80.0,
                "{size:?}"
            );
        }
    }
}
