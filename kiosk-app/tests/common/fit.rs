//! Whether every text on screen fits: laid out as the window lays it out, each text must need no
//! more room than its box was given (else it is cut or runs over what follows), lie inside the
//! widget that holds it (a column that overflows its button pushes its last line out of it), and
//! lie inside the window.

use iced::advanced::layout::{Layout, Limits};
use iced::advanced::renderer::Headless;
use iced::advanced::text::{self, Paragraph as _};
use iced::advanced::widget::{Id, Operation, Tree, tree};
use iced::{Pixels, Rectangle, Size};
use kiosk_app::app::App;
use kiosk_app::theme;

type Renderer = iced::Renderer;
type Paragraph = <Renderer as text::Renderer>::Paragraph;
type TextState = iced::advanced::widget::text::State<Paragraph>;

/// A text that does not fit, described for a failure message.
#[derive(Debug, Clone)]
pub struct Overflow {
    pub text: String,
    pub why: String,
}

/// Every text of `app`'s screen with where it was put, as laid out in a window of `size`.
pub fn placed(app: &App, size: Size) -> Vec<(String, Rectangle)> {
    measure(app, size)
        .1
        .texts
        .into_iter()
        .map(|(text, bounds, _)| (text, bounds))
        .collect()
}

/// The texts of `app`'s screen, as laid out in a window of `size`, that do not fit.
pub fn overflows(app: &App, size: Size) -> Vec<Overflow> {
    let (needs, placed) = measure(app, size);
    let window = Rectangle::with_size(size);
    let mut found = Vec::new();
    for ((text, need), (_, bounds, holder)) in needs.into_iter().zip(placed.texts) {
        if text.trim().is_empty() {
            continue;
        }
        // Half a pixel: layout rounds.
        const SLACK: f32 = 0.5;
        let mut why = Vec::new();
        // (An infinite need: the text was given no width at all.)
        if need.width > bounds.width + SLACK || need.height > bounds.height + SLACK {
            why.push(format!(
                "needs {:.0}×{:.0} px but has {:.0}×{:.0}",
                need.width, need.height, bounds.width, bounds.height
            ));
        }
        // What the paragraph draws, anchored where the text widget anchors it.
        let drawn = Rectangle::new(bounds.position(), need.min(Size::new(1e6, 1e6)));
        if !inside(drawn, holder, SLACK) {
            why.push(format!("runs out of its holder {holder:?} at {bounds:?}"));
        }
        if !inside(drawn, window, SLACK) {
            why.push(format!("runs out of the window at {bounds:?}"));
        }
        if !why.is_empty() {
            found.push(Overflow {
                text,
                why: why.join("; "),
            });
        }
    }
    found
}

/// Lays `app`'s screen out in a window of `size`: what each text needs, and where each was put.
fn measure(app: &App, size: Size) -> (Vec<(String, Size)>, Placed) {
    // The faces, once per process (the font system is global, and keeps what it is given).
    static FONTS: std::sync::Once = std::sync::Once::new();
    FONTS.call_once(|| {
        for font in theme::font_files() {
            iced::advanced::graphics::text::font_system()
                .write()
                .expect("the font system")
                .load_font(font.into());
        }
    });
    let renderer = iced::futures::executor::block_on(<Renderer as Headless>::new(
        theme::FONT,
        Pixels(16.0),
        Some("tiny-skia"),
    ))
    .expect("a headless renderer");
    let mut element = app.view();
    let mut tree = Tree::new(element.as_widget());
    let node = element
        .as_widget_mut()
        .layout(&mut tree, &renderer, &Limits::new(Size::ZERO, size));

    // What each text needs, from the paragraphs the layout made, in the tree's order.
    let mut needs = Vec::new();
    needed(&tree, &mut needs);

    // Where each text was put, and inside which widget, in the same order.
    let mut placed = Placed {
        holders: vec![Rectangle::with_size(size)],
        announced: false,
        texts: Vec::new(),
    };
    element
        .as_widget_mut()
        .operate(&mut tree, Layout::new(&node), &renderer, &mut placed);

    assert_eq!(
        needs.iter().map(|(text, _)| text).collect::<Vec<_>>(),
        placed
            .texts
            .iter()
            .map(|(text, ..)| text)
            .collect::<Vec<_>>(),
        "the texts of the widget tree and of the layout differ: the check would pair them wrong"
    );
    (needs, placed)
}

fn inside(inner: Rectangle, outer: Rectangle, slack: f32) -> bool {
    inner.x >= outer.x - slack
        && inner.y >= outer.y - slack
        && inner.x + inner.width <= outer.x + outer.width + slack
        && inner.y + inner.height <= outer.y + outer.height + slack
}

fn needed(tree: &Tree, out: &mut Vec<(String, Size)>) {
    if tree.tag == tree::Tag::of::<TextState>() {
        let state = tree.state.downcast_ref::<TextState>();
        // The layout's own paragraph was shaped within the height it was given, and leaves
        // out the lines that did not fit: shape the text again, at the width it was given
        // and with no limit on height, to learn the height it needs.
        let mut unbounded = state.as_text();
        unbounded.bounds = Size::new(unbounded.bounds.width, f32::INFINITY);
        let need = if unbounded.bounds.width > 0.0 {
            Paragraph::with_text(unbounded).min_bounds()
        } else {
            Size::INFINITE
        };
        out.push((state.content().to_string(), need));
    }
    for child in &tree.children {
        needed(child, out);
    }
}

/// The operation that collects each text's bounds and the bounds of the widget holding it.
struct Placed {
    holders: Vec<Rectangle>,
    /// A container was announced and its traversal has not started yet.
    announced: bool,
    texts: Vec<(String, Rectangle, Rectangle)>,
}

impl Operation for Placed {
    fn traverse(&mut self, operate: &mut dyn FnMut(&mut dyn Operation<()>)) {
        // The holder of what is inside is the container announced just before; it holds
        // nothing after its traversal.
        let announced = std::mem::take(&mut self.announced);
        let depth = self.holders.len();
        operate(self);
        let keep = if announced { depth - 1 } else { depth };
        self.holders.truncate(keep.max(1));
    }

    fn container(&mut self, _id: Option<&Id>, bounds: Rectangle) {
        if std::mem::take(&mut self.announced) {
            // The one announced before did not traverse: it holds nothing.
            self.holders.pop();
        }
        self.holders.push(bounds);
        self.announced = true;
    }

    fn text(&mut self, _id: Option<&Id>, bounds: Rectangle, text: &str) {
        let holder = *self.holders.last().expect("the window");
        self.texts.push((text.to_string(), bounds, holder));
    }
}
