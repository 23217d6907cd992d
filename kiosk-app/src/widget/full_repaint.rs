//! Whole-window repaints: every frame that shows something new is drawn from scratch.
//!
//! iced 0.14's software renderer (tiny-skia) redraws only the regions it computes as changed
//! since the frame its buffer holds, and that computation is wrong in ways a customer sees
//! (found on the real window under Xvfb, `tests/tests/window_fidelity.rs`, and in
//! `docs/kiosk-app.md`, "Every frame drawn whole"):
//! - a redrawn region is cleared without anti-aliasing but drawn through an anti-aliased clip
//!   mask, so on its fractional edges translucent and anti-aliased pixels are blended twice
//!   (dark seams along the card's shadow, stray lines under keys);
//! - two text paragraphs compare equal when their font, size and bounds match, whatever their
//!   words, so a changed text of the same size is not redrawn;
//! - shadows and anti-aliased edges reach past the bounds the damage is taken from.
//!
//! None of this is fixed in the crates a kiosk can use today, so the kiosk does not let the
//! renderer choose: the widget below puts one quad under the whole UI, the window's background,
//! whose bounds reach past the window's edges by an amount that changes with every change of
//! state. The renderer then finds that quad changed, and its bounds cover the window, so it
//! redraws everything — the same pixels as a full repaint of that state (the renderer's own
//! screenshot path). A frame where nothing changed keeps the quad as it was: nothing is
//! redrawn, and an idle kiosk still costs no CPU.
//!
//! What counts as a change: the app's own `generation` (it moves with every update that changes
//! what is on screen) and every input event the UI receives (a touch may change a built-in
//! widget's look, e.g. a scrollable, without any message).

use iced::advanced::layout::{self, Layout};
use iced::advanced::widget::{self, Operation, Tree, tree};
use iced::advanced::{Clipboard, Shell, overlay, renderer};
use iced::{Background, Color, Element, Event, Length, Rectangle, Size, Vector, mouse};

/// `content`, drawn whole whenever `generation` or the input it receives has moved since the
/// frame the window shows; `background` is the window's background colour under it.
pub fn full_repaint<'a, Message: 'a>(
    generation: u64,
    background: Color,
    content: impl Into<Element<'a, Message>>,
) -> Element<'a, Message> {
    Element::new(FullRepaint {
        generation,
        background,
        content: content.into(),
    })
}

struct FullRepaint<'a, Message> {
    generation: u64,
    background: Color,
    content: Element<'a, Message>,
}

/// The input events the UI has received (kept in the widget tree across views).
#[derive(Debug, Default)]
struct Inputs(u64);

/// How far past the window's edges the backdrop reaches for a given change count: 1 px plus
/// the count's low 20 bits in 1/1024-px steps. Every value is exact in `f32` (at most 21
/// significant bits), so two counts less than 2^20 apart give different bounds, and the
/// renderer always sees the backdrop changed.
pub fn reach(changes: u64) -> f32 {
    1.0 + (changes % (1 << 20)) as f32 / 1024.0
}

impl<Message> widget::Widget<Message, iced::Theme, iced::Renderer> for FullRepaint<'_, Message> {
    fn size(&self) -> Size<Length> {
        self.content.as_widget().size()
    }

    fn size_hint(&self) -> Size<Length> {
        self.content.as_widget().size_hint()
    }

    fn tag(&self) -> tree::Tag {
        tree::Tag::of::<Inputs>()
    }

    fn state(&self) -> tree::State {
        tree::State::new(Inputs::default())
    }

    fn children(&self) -> Vec<Tree> {
        vec![Tree::new(&self.content)]
    }

    fn diff(&self, tree: &mut Tree) {
        tree.diff_children(std::slice::from_ref(&self.content));
    }

    fn layout(
        &mut self,
        tree: &mut Tree,
        renderer: &iced::Renderer,
        limits: &layout::Limits,
    ) -> layout::Node {
        let content = self
            .content
            .as_widget_mut()
            .layout(&mut tree.children[0], renderer, limits);
        layout::Node::with_children(content.size(), vec![content])
    }

    fn operate(
        &mut self,
        tree: &mut Tree,
        layout: Layout<'_>,
        renderer: &iced::Renderer,
        operation: &mut dyn Operation,
    ) {
        if let Some(content) = layout.children().next() {
            self.content.as_widget_mut().operate(
                &mut tree.children[0],
                content,
                renderer,
                operation,
            );
        }
    }

    fn update(
        &mut self,
        tree: &mut Tree,
        event: &Event,
        layout: Layout<'_>,
        cursor: mouse::Cursor,
        renderer: &iced::Renderer,
        clipboard: &mut dyn Clipboard,
        shell: &mut Shell<'_, Message>,
        viewport: &Rectangle,
    ) {
        // Window events (a redraw request comes with every frame) change nothing by
        // themselves: a resize makes the renderer repaint everything anyway.
        if matches!(
            event,
            Event::Mouse(_) | Event::Touch(_) | Event::Keyboard(_) | Event::InputMethod(_)
        ) {
            let inputs = tree.state.downcast_mut::<Inputs>();
            inputs.0 = inputs.0.wrapping_add(1);
        }
        if let Some(content) = layout.children().next() {
            self.content.as_widget_mut().update(
                &mut tree.children[0],
                event,
                content,
                cursor,
                renderer,
                clipboard,
                shell,
                viewport,
            );
        }
    }

    fn draw(
        &self,
        tree: &Tree,
        renderer: &mut iced::Renderer,
        theme: &iced::Theme,
        style: &renderer::Style,
        layout: Layout<'_>,
        cursor: mouse::Cursor,
        viewport: &Rectangle,
    ) {
        use iced::advanced::Renderer as _;
        let inputs = tree.state.downcast_ref::<Inputs>().0;
        let changes = self.generation.wrapping_add(inputs.wrapping_mul(1 << 10));
        let reach = reach(changes);
        let bounds = layout.bounds();
        renderer.fill_quad(
            renderer::Quad {
                bounds: Rectangle {
                    x: bounds.x - reach,
                    y: bounds.y - reach,
                    width: bounds.width + 2.0 * reach,
                    height: bounds.height + 2.0 * reach,
                },
                snap: false,
                ..renderer::Quad::default()
            },
            Background::Color(self.background),
        );
        if let Some(content) = layout.children().next() {
            self.content.as_widget().draw(
                &tree.children[0],
                renderer,
                theme,
                style,
                content,
                cursor,
                viewport,
            );
        }
    }

    fn mouse_interaction(
        &self,
        tree: &Tree,
        layout: Layout<'_>,
        cursor: mouse::Cursor,
        viewport: &Rectangle,
        renderer: &iced::Renderer,
    ) -> mouse::Interaction {
        layout
            .children()
            .next()
            .map_or_else(mouse::Interaction::default, |content| {
                self.content.as_widget().mouse_interaction(
                    &tree.children[0],
                    content,
                    cursor,
                    viewport,
                    renderer,
                )
            })
    }

    fn overlay<'b>(
        &'b mut self,
        tree: &'b mut Tree,
        layout: Layout<'b>,
        renderer: &iced::Renderer,
        viewport: &Rectangle,
        translation: Vector,
    ) -> Option<overlay::Element<'b, Message, iced::Theme, iced::Renderer>> {
        let content = layout.children().next()?;
        self.content.as_widget_mut().overlay(
            &mut tree.children[0],
            content,
            renderer,
            viewport,
            translation,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::reach;

    #[test]
    fn every_change_moves_the_backdrop() {
        let mut seen = std::collections::HashSet::new();
        for changes in 0..(1u64 << 20) {
            assert!(seen.insert(reach(changes).to_bits()), "{changes}");
        }
        assert_eq!(reach(0), 1.0);
        assert_eq!(reach(1 << 20), 1.0, "it wraps after 2^20 changes");
        assert!(reach((1 << 20) - 1) < 1025.0);
    }
}
