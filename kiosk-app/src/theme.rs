//! Colours, type and sizes, in one place. Sizes scale with the window (a kiosk is full screen
//! on whatever monitor it has): the base unit is 1/1080 of the height, and touch targets never
//! go below 15 mm at the lowest density kiosks use (~100 dpi: 60 px; we keep ≥ 80 px).

use iced::font::{Family, Weight};
use iced::{Border, Color, Font, Shadow, Size};

use crate::i18n::Language;

/// A bundled face: a family, in regular and bold, subset to the characters of the catalogues
/// set in it (`assets/fonts/subset.py`; all SIL Open Font License 1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Face {
    /// The family name iced looks the face up by.
    pub family: &'static str,
    pub regular: &'static [u8],
    pub bold: &'static [u8],
}

/// BIZ UDPGothic (Morisawa): a universal-design face made for public information. Japanese,
/// English, Portuguese, and every language's marks (✓ ！ ● ◀).
pub const BIZ_UD: Face = Face {
    family: "BIZ UDPGothic",
    regular: include_bytes!("../../assets/fonts/BIZUDPGothic-Regular.subset.ttf"),
    bold: include_bytes!("../../assets/fonts/BIZUDPGothic-Bold.subset.ttf"),
};

/// Noto Sans SC: Chinese read in Japanese glyph shapes looks foreign, and simplified characters
/// are not in a Japanese face at all.
pub const NOTO_SC: Face = Face {
    family: "Noto Sans SC",
    regular: include_bytes!("../../assets/fonts/NotoSansSC-Regular.subset.ttf"),
    bold: include_bytes!("../../assets/fonts/NotoSansSC-Bold.subset.ttf"),
};

/// Noto Sans KR: Hangul.
pub const NOTO_KR: Face = Face {
    family: "Noto Sans KR",
    regular: include_bytes!("../../assets/fonts/NotoSansKR-Regular.subset.ttf"),
    bold: include_bytes!("../../assets/fonts/NotoSansKR-Bold.subset.ttf"),
};

/// Noto Sans: Latin with Vietnamese's stacked diacritics (ặ, ữ), which BIZ UDPGothic lacks.
pub const NOTO_LATIN: Face = Face {
    family: "Noto Sans",
    regular: include_bytes!("../../assets/fonts/NotoSans-Regular.subset.ttf"),
    bold: include_bytes!("../../assets/fonts/NotoSans-Bold.subset.ttf"),
};

/// Every bundled face: the application loads them all at start.
pub const FACES: [Face; 4] = [BIZ_UD, NOTO_SC, NOTO_KR, NOTO_LATIN];

/// Every font file, for iced's settings.
pub fn font_files() -> impl Iterator<Item = &'static [u8]> {
    FACES.into_iter().flat_map(|face| [face.regular, face.bold])
}

/// The face a language is set in (keep `assets/fonts/subset.py`'s FACES the same).
pub fn face(language: Language) -> Face {
    match language {
        Language::Japanese | Language::English | Language::Portuguese => BIZ_UD,
        Language::Chinese => NOTO_SC,
        Language::Korean => NOTO_KR,
        Language::Vietnamese => NOTO_LATIN,
    }
}

/// The regular weight of a face.
pub const fn font_of(face: Face) -> Font {
    Font {
        family: Family::Name(face.family),
        ..Font::DEFAULT
    }
}

/// The bold weight of a face.
pub const fn bold_of(face: Face) -> Font {
    Font {
        family: Family::Name(face.family),
        weight: Weight::Bold,
        ..Font::DEFAULT
    }
}

/// The application's default font (the staff's screens, and any text not given one).
pub const FONT: Font = font_of(BIZ_UD);

/// Bold in the default face: the staff's screens.
pub const BOLD: Font = bold_of(BIZ_UD);

/// The marks (✓ ！ ● ◀ ○ ・) in every language: only BIZ UDPGothic has them all.
pub const MARK: Font = bold_of(BIZ_UD);

/// The mask dots and empty boxes of PIN entry, regular weight.
pub const MARK_REGULAR: Font = font_of(BIZ_UD);

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
    use std::collections::BTreeSet;

    use super::*;
    use crate::i18n::characters;

    /// The characters of a face's cmap that a set of texts lacks.
    fn lacking(
        face: &ttf_parser::Face<'_>,
        text: impl IntoIterator<Item = char>,
    ) -> BTreeSet<char> {
        text.into_iter()
            // Line breaks and word joiners are layout, not glyphs.
            .filter(|&c| !c.is_control() && c != crate::i18n::WORD_JOINER)
            .filter(|&c| face.glyph_index(c).is_none())
            .collect()
    }

    #[test]
    fn each_language_s_face_has_every_glyph_its_catalogue_uses() {
        for bundled in FACES {
            for (name, font) in [("regular", bundled.regular), ("bold", bundled.bold)] {
                let parsed = ttf_parser::Face::parse(font, 0).expect("the bundled font parses");
                let family = parsed
                    .names()
                    .into_iter()
                    .find(|n| n.name_id == ttf_parser::name_id::FAMILY)
                    .and_then(|n| n.to_string());
                assert_eq!(
                    family.as_deref(),
                    Some(bundled.family),
                    "{name}: the family name iced looks up"
                );
                let ascii = (0x20u8..0x7F).map(char::from);
                assert_eq!(
                    lacking(&parsed, ascii),
                    BTreeSet::new(),
                    "{}",
                    bundled.family
                );
                for language in Language::ALL {
                    let marks = characters(language, |id| !id.starts_with("mark-"));
                    if bundled == BIZ_UD {
                        assert_eq!(
                            lacking(&parsed, marks),
                            BTreeSet::new(),
                            "{} {name} lacks {}'s marks: run assets/fonts/subset.py",
                            bundled.family,
                            language.code()
                        );
                    }
                    if face(language) != bundled {
                        continue;
                    }
                    let words = characters(language, |id| id.starts_with("mark-"));
                    assert_eq!(
                        lacking(&parsed, words),
                        BTreeSet::new(),
                        "{} {name} lacks {}'s characters: run assets/fonts/subset.py",
                        bundled.family,
                        language.code()
                    );
                }
            }
        }
        // The staff's screens are drawn in the default face, in Japanese or English.
        assert_eq!(face(Language::Japanese), BIZ_UD);
        assert_eq!(face(Language::English), BIZ_UD);
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
