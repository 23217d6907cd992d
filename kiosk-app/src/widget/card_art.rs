//! Drawings of the card tray: where the card goes (face up, into the tray), that it must stay
//! put, and that it must be taken back. Vector drawings, so they stay sharp at any size.

use std::cell::Cell;

use crate::theme::Palette;
use iced::widget::canvas::{self, Frame, Geometry, Path, Stroke};
use iced::{Color, Element, Length, Point, Rectangle, Renderer, Size, Theme, Vector, mouse};

/// Which picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scene {
    /// The card above the tray with an arrow down into it.
    Place,
    /// The card lying in the tray.
    Hold,
    /// The card lifted out of the tray with an arrow up; `urgent` draws it in red.
    TakeBack { urgent: bool },
}

#[derive(Debug, Clone, Copy)]
struct CardArt {
    scene: Scene,
    palette: &'static Palette,
}

pub fn card_art<'a, M: 'a>(
    palette: &'static Palette,
    scene: Scene,
    width: f32,
    height: f32,
) -> Element<'a, M> {
    canvas::Canvas::new(CardArt { scene, palette })
        .width(Length::Fixed(width))
        .height(Length::Fixed(height))
        .into()
}

/// The drawing, kept between frames: the renderer compares cached geometry by identity, so a
/// frame that changes nothing else does not redraw the picture (live geometry is never "the
/// same", and its region would be redrawn on every tick; see `full_repaint`).
#[derive(Default)]
struct Drawn {
    cache: canvas::Cache,
    scene: Cell<Option<(Scene, bool)>>,
}

impl<M> canvas::Program<M> for CardArt {
    type State = Drawn;

    fn draw(
        &self,
        state: &Drawn,
        renderer: &Renderer,
        _theme: &Theme,
        bounds: Rectangle,
        _cursor: mouse::Cursor,
    ) -> Vec<Geometry> {
        // The same widget may show another scene on the next screen, or in the other palette.
        let drawn = (self.scene, *self.palette == Palette::HIGH_CONTRAST);
        if state.scene.replace(Some(drawn)) != Some(drawn) {
            state.cache.clear();
        }
        vec![state.cache.draw(renderer, bounds.size(), |frame| {
            self.paint(frame, bounds.size())
        })]
    }
}

impl CardArt {
    fn paint(&self, frame: &mut Frame, size: Size) {
        let w = size.width;
        let h = size.height;
        // The tray: a dark slab across the bottom third, with a lighter recess for the card.
        let tray_top = h * 0.62;
        let tray = Path::rounded_rectangle(
            Point::new(w * 0.05, tray_top),
            Size::new(w * 0.9, h * 0.3),
            (h * 0.04).into(),
        );
        frame.fill(&tray, self.palette.reader);
        let card_size = Size::new(w * 0.56, w * 0.56 * 0.63);
        let recess = Path::rounded_rectangle(
            Point::new((w - card_size.width * 1.08) / 2.0, tray_top + h * 0.03),
            Size::new(card_size.width * 1.08, h * 0.18),
            (h * 0.02).into(),
        );
        frame.fill(&recess, Color::from_rgb8(0x2E, 0x36, 0x42));

        let accent = match self.scene {
            Scene::TakeBack { urgent: true } => self.palette.warning,
            _ => self.palette.header,
        };
        let card_x = (w - card_size.width) / 2.0;
        let card_y = match self.scene {
            Scene::Place => h * 0.02,
            Scene::Hold => tray_top - card_size.height * 0.55,
            Scene::TakeBack { .. } => h * 0.02,
        };
        draw_card(
            frame,
            self.palette,
            Point::new(card_x, card_y),
            card_size,
            accent,
        );

        let arrow_x = w * 0.88;
        match self.scene {
            Scene::Place => draw_arrow(
                frame,
                Point::new(arrow_x, h * 0.12),
                Point::new(arrow_x, h * 0.56),
                accent,
                h,
            ),
            Scene::TakeBack { .. } => draw_arrow(
                frame,
                Point::new(arrow_x, h * 0.56),
                Point::new(arrow_x, h * 0.12),
                accent,
                h,
            ),
            Scene::Hold => {}
        }
    }
}

fn draw_card(frame: &mut Frame, palette: &Palette, origin: Point, size: Size, accent: Color) {
    let radius = size.height * 0.07;
    frame.fill(
        &Path::rounded_rectangle(origin + Vector::new(4.0, 6.0), size, radius.into()),
        Color::from_rgba8(0, 0, 0, 0.18),
    );
    let card = Path::rounded_rectangle(origin, size, radius.into());
    frame.fill(&card, palette.card);
    frame.stroke(
        &card,
        Stroke::default()
            .with_color(accent)
            .with_width((size.height * 0.025).max(2.0)),
    );
    // The photo on the right, the chip on the left, lines of text between.
    let photo = Path::rounded_rectangle(
        origin + Vector::new(size.width * 0.70, size.height * 0.18),
        Size::new(size.width * 0.22, size.height * 0.58),
        (radius * 0.5).into(),
    );
    frame.fill(&photo, Color::from_rgb8(0xB9, 0xCB, 0xE0));
    let head = Path::circle(
        origin + Vector::new(size.width * 0.81, size.height * 0.38),
        size.height * 0.1,
    );
    frame.fill(&head, Color::from_rgb8(0x7F, 0x98, 0xB6));
    let chip = Path::rounded_rectangle(
        origin + Vector::new(size.width * 0.08, size.height * 0.34),
        Size::new(size.width * 0.14, size.height * 0.26),
        (radius * 0.4).into(),
    );
    frame.fill(&chip, Color::from_rgb8(0xD9, 0xB2, 0x4C));
    for (i, length) in [0.36, 0.30, 0.40].iter().enumerate() {
        let line = Path::rounded_rectangle(
            origin + Vector::new(size.width * 0.27, size.height * (0.22 + 0.16 * i as f32)),
            Size::new(size.width * length, size.height * 0.06),
            (size.height * 0.03).into(),
        );
        frame.fill(&line, Color::from_rgb8(0x9F, 0xB3, 0xCC));
    }
}

fn draw_arrow(frame: &mut Frame, from: Point, to: Point, color: Color, height: f32) {
    let width = (height * 0.035).max(4.0);
    frame.stroke(
        &Path::line(from, to),
        Stroke::default().with_color(color).with_width(width),
    );
    let direction = if to.y > from.y { 1.0 } else { -1.0 };
    let head = height * 0.07;
    let tip = Path::new(|b| {
        b.move_to(to + Vector::new(0.0, direction * head * 0.3));
        b.line_to(to + Vector::new(-head * 0.7, -direction * head * 0.7));
        b.line_to(to + Vector::new(head * 0.7, -direction * head * 0.7));
        b.close();
    });
    frame.fill(&tip, color);
}
