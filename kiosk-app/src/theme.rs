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

/// The colours of the screen: the standard palette, or the high-contrast one a customer may
/// switch on for their session (`Assist::high_contrast`). Each text colour meets WCAG 2.2's AA
/// contrast (4.5:1) on the colours it is drawn on, and each control's border its 3:1 against
/// what is around it; the high-contrast palette reaches AAA (7:1) for text
/// (`theme::tests::every_palette_meets_wcag_contrast`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Palette {
    pub background: Color,
    pub surface: Color,
    pub header: Color,
    pub header_text: Color,
    pub text: Color,
    pub muted: Color,
    pub primary: Color,
    pub primary_text: Color,
    pub secondary: Color,
    pub secondary_border: Color,
    pub choice: Color,
    pub disabled: Color,
    pub disabled_text: Color,
    pub key: Color,
    pub key_border: Color,
    pub warning: Color,
    pub warning_soft: Color,
    pub caution: Color,
    pub caution_border: Color,
    pub ok: Color,
    pub overlay: Color,
    pub demo: Color,
    pub card: Color,
    pub reader: Color,
}

impl Palette {
    /// Calm blue for the service, green to go on, strong colours only for warnings.
    pub const STANDARD: Palette = Palette {
        background: Color::from_rgb8(0xF4, 0xF6, 0xF9),
        surface: Color::WHITE,
        header: Color::from_rgb8(0x0B, 0x4F, 0x9C),
        header_text: Color::WHITE,
        text: Color::from_rgb8(0x1A, 0x1F, 0x2B),
        muted: Color::from_rgb8(0x5A, 0x64, 0x73),
        primary: Color::from_rgb8(0x0B, 0x6E, 0x4F),
        primary_text: Color::WHITE,
        secondary: Color::WHITE,
        secondary_border: Color::from_rgb8(0x76, 0x81, 0x91),
        choice: Color::from_rgb8(0x0B, 0x4F, 0x9C),
        disabled: Color::from_rgb8(0xDD, 0xE1, 0xE7),
        disabled_text: Color::from_rgb8(0x8A, 0x93, 0xA0),
        key: Color::WHITE,
        key_border: Color::from_rgb8(0x7D, 0x88, 0x98),
        warning: Color::from_rgb8(0xB4, 0x23, 0x18),
        warning_soft: Color::from_rgb8(0xFD, 0xEC, 0xEA),
        caution: Color::from_rgb8(0xFF, 0xF4, 0xD6),
        caution_border: Color::from_rgb8(0xB0, 0x7D, 0x00),
        ok: Color::from_rgb8(0x0B, 0x6E, 0x4F),
        overlay: Color::from_rgba8(0x10, 0x18, 0x28, 0.72),
        demo: Color::from_rgb8(0x5B, 0x2C, 0x83),
        card: Color::from_rgb8(0xE8, 0xF1, 0xFB),
        reader: Color::from_rgb8(0x4A, 0x55, 0x66),
    };

    /// Black on white, near-black blue and green, a deep red: the most contrast a screen has,
    /// for low vision and for glare on a store's screen.
    pub const HIGH_CONTRAST: Palette = Palette {
        background: Color::WHITE,
        surface: Color::WHITE,
        header: Color::BLACK,
        header_text: Color::WHITE,
        text: Color::BLACK,
        muted: Color::from_rgb8(0x26, 0x26, 0x26),
        primary: Color::from_rgb8(0x00, 0x4D, 0x2B),
        primary_text: Color::WHITE,
        secondary: Color::WHITE,
        secondary_border: Color::BLACK,
        choice: Color::from_rgb8(0x00, 0x25, 0x75),
        disabled: Color::from_rgb8(0xE6, 0xE6, 0xE6),
        disabled_text: Color::from_rgb8(0x40, 0x40, 0x40),
        key: Color::WHITE,
        key_border: Color::BLACK,
        warning: Color::from_rgb8(0x9E, 0x00, 0x00),
        warning_soft: Color::WHITE,
        caution: Color::from_rgb8(0xFF, 0xF0, 0xB3),
        caution_border: Color::BLACK,
        ok: Color::from_rgb8(0x00, 0x4D, 0x2B),
        overlay: Color::from_rgba8(0x00, 0x00, 0x00, 0.85),
        demo: Color::from_rgb8(0x3A, 0x16, 0x5C),
        card: Color::WHITE,
        reader: Color::from_rgb8(0x26, 0x26, 0x26),
    };
}

/// Sizes for one window size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metrics {
    /// 1/1080 of the window height, in logical pixels.
    pub unit: f32,
    pub size: Size,
    /// Text sizes are multiplied by this (1, or more with `Assist::large_text`).
    pub text_scale: f32,
    /// The numeric keypad's keys are multiplied by this (the A–Z keyboard's 13 columns already
    /// take the width).
    pub key_scale: f32,
}

impl Metrics {
    pub fn for_size(size: Size) -> Metrics {
        let by_height = size.height / 1080.0;
        // Very wide or narrow windows: do not let the text outgrow the width.
        let by_width = size.width / 1600.0;
        Metrics {
            unit: by_height.min(by_width).max(0.55),
            size,
            text_scale: 1.0,
            key_scale: 1.0,
        }
    }

    /// The same window with larger text (+25 %) and larger keypad keys (+20 %).
    pub fn enlarged(self) -> Metrics {
        Metrics {
            text_scale: 1.25,
            key_scale: 1.2,
            ..self
        }
    }

    /// The same window at the standard sizes (what larger text leaves as it is).
    pub fn standard(self) -> Metrics {
        Metrics {
            text_scale: 1.0,
            key_scale: 1.0,
            ..self
        }
    }

    fn text(&self, value: f32) -> f32 {
        (value * self.unit * self.text_scale).round()
    }

    pub fn px(&self, value: f32) -> f32 {
        (value * self.unit).round()
    }

    pub fn title(&self) -> f32 {
        self.text(54.0)
    }

    pub fn heading(&self) -> f32 {
        self.text(40.0)
    }

    pub fn body(&self) -> f32 {
        self.text(32.0)
    }

    pub fn small(&self) -> f32 {
        self.text(26.0)
    }

    pub fn spacing(&self) -> f32 {
        self.px(24.0)
    }

    pub fn padding(&self) -> f32 {
        self.px(40.0)
    }

    /// A key of the keypads: square, never under 80 px.
    pub fn key(&self) -> f32 {
        (self.px(116.0) * self.key_scale).round().max(80.0)
    }

    /// A key of the A–Z/0–9 keyboard (13 columns must fit), never under 80 px.
    pub fn letter_key(&self) -> f32 {
        self.px(104.0).max(80.0)
    }

    /// Height of the action buttons, never under 80 px (already large: they keep their size
    /// with larger text, which the screens' height needs for the text).
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

pub fn button_style(colour: &Palette, tone: Tone, radius: f32) -> iced::widget::container::Style {
    let (background, text, border) = match tone {
        Tone::Primary => (colour.primary, colour.primary_text, colour.primary),
        Tone::Secondary => (colour.secondary, colour.text, colour.secondary_border),
        Tone::Choice => (colour.surface, colour.choice, colour.choice),
        Tone::Disabled => (colour.disabled, colour.disabled_text, colour.disabled),
        Tone::Key => (colour.key, colour.text, colour.key_border),
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
    colour: &Palette,
    background: Color,
    border: Color,
    radius: f32,
) -> iced::widget::container::Style {
    iced::widget::container::Style {
        text_color: Some(colour.text),
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

    /// WCAG 2.2's relative luminance of an sRGB colour.
    fn luminance(colour: Color) -> f32 {
        let linear = |c: f32| {
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(colour.r) + 0.7152 * linear(colour.g) + 0.0722 * linear(colour.b)
    }

    /// WCAG 2.2's contrast ratio, 1 to 21.
    fn contrast(a: Color, b: Color) -> f32 {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    #[test]
    fn contrast_is_computed_as_wcag_says() {
        assert!((contrast(Color::BLACK, Color::WHITE) - 21.0).abs() < 0.01);
        assert!((contrast(Color::WHITE, Color::WHITE) - 1.0).abs() < 0.01);
        // #767676 on white is the well-known grey at the 4.5:1 line.
        let grey = Color::from_rgb8(0x76, 0x76, 0x76);
        assert!((contrast(grey, Color::WHITE) - 4.54).abs() < 0.02);
    }

    #[test]
    fn every_palette_meets_wcag_contrast() {
        for (name, p, text_minimum) in [
            // AA for text (1.4.3) in the standard palette; AAA (1.4.6) in high contrast.
            ("standard", Palette::STANDARD, 4.5),
            ("high contrast", Palette::HIGH_CONTRAST, 7.0),
        ] {
            // Every text colour on every colour it is drawn on.
            let text = [
                ("text on background", p.text, p.background),
                ("text on surface", p.text, p.surface),
                ("muted on background", p.muted, p.background),
                ("muted on surface", p.muted, p.surface),
                ("header text on header", p.header_text, p.header),
                ("primary button text", p.primary_text, p.primary),
                ("secondary button text", p.text, p.secondary),
                ("menu choice text", p.choice, p.surface),
                ("key text", p.text, p.key),
                ("warning text on background", p.warning, p.background),
                ("warning text on its panel", p.warning, p.warning_soft),
                ("warning text on surface", p.warning, p.surface),
                ("choice-coloured text on background", p.choice, p.background),
                ("text on caution", p.text, p.caution),
                ("ok mark on surface", p.ok, p.surface),
                ("header text on the demo panel", p.header_text, p.demo),
            ];
            let mut failures = Vec::new();
            for (what, fg, bg) in text {
                let ratio = contrast(fg, bg);
                if ratio < text_minimum {
                    failures.push(format!("{what}: {ratio:.2} < {text_minimum}"));
                }
            }
            // A control's edge against what surrounds it (1.4.11, 3:1): buttons and keys
            // on the page, the panels' borders.
            let edges = [
                ("secondary button border", p.secondary_border, p.background),
                ("key border", p.key_border, p.background),
                ("menu choice border", p.choice, p.background),
                ("primary button", p.primary, p.background),
                ("warning panel border", p.warning, p.background),
                ("caution panel border", p.caution_border, p.caution),
            ];
            for (what, edge, around) in edges {
                let ratio = contrast(edge, around);
                if ratio < 3.0 {
                    failures.push(format!("{what}: {ratio:.2} < 3"));
                }
            }
            // A disabled control is exempt in WCAG, but high contrast still makes it legible.
            if name == "high contrast" {
                let ratio = contrast(p.disabled_text, p.disabled);
                if ratio < 4.5 {
                    failures.push(format!("disabled text: {ratio:.2} < 4.5"));
                }
            }
            assert!(failures.is_empty(), "{name}: {failures:#?}");
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
