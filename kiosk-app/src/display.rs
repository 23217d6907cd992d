//! Which display the kiosk draws on, and what it says when there is none.
//!
//! winit picks Wayland when `WAYLAND_DISPLAY` (or `WAYLAND_SOCKET`) is set and X11 when
//! `DISPLAY` is; with neither it panics deep inside the event loop's construction with a stack
//! trace that tells an operator nothing. The kiosk looks first and says in one line what is
//! missing and how to try the demo without a screen. While it runs, a failure under it is one
//! line too ([`report_panics_in_one_line`]), and the process exits non-zero so that systemd
//! restarts it.

use std::ffi::OsString;

use iced::futures::Stream;
use tokio::signal::unix::{Signal, SignalKind, signal};

/// The display server the kiosk will use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Display {
    /// A Wayland compositor (cage on a kiosk), named by `WAYLAND_DISPLAY` or `WAYLAND_SOCKET`.
    Wayland(String),
    /// An X server, named by `DISPLAY`.
    X11(String),
}

impl std::fmt::Display for Display {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Display::Wayland(name) => write!(f, "Wayland display {name}"),
            Display::X11(name) => write!(f, "X display {name}"),
        }
    }
}

/// The exit code for "no display" and "the display went away" (EX_UNAVAILABLE): not the
/// kiosk's fault, and worth a restart once the display is back.
pub const EXIT_NO_DISPLAY: u8 = 69;

/// The one line printed when there is no display at all.
pub const NO_DISPLAY: &str = "kiosk-app: no display: neither WAYLAND_DISPLAY nor DISPLAY is set \
(the kiosk needs a screen: cage on a kiosk, or an X server). To try the demo without a screen: \
Xvfb :1 -screen 0 1920x1080x24 & DISPLAY=:1 make run";

/// The display the kiosk would draw on, from the environment as winit reads it (Wayland first).
pub fn from_environment() -> Option<Display> {
    from(
        std::env::var_os("WAYLAND_DISPLAY"),
        std::env::var_os("WAYLAND_SOCKET"),
        std::env::var_os("DISPLAY"),
    )
}

fn from(
    wayland: Option<OsString>,
    wayland_socket: Option<OsString>,
    x11: Option<OsString>,
) -> Option<Display> {
    let named = |value: Option<OsString>| {
        value
            .map(|v| v.to_string_lossy().into_owned())
            .filter(|v| !v.is_empty())
    };
    named(wayland)
        .or_else(|| named(wayland_socket).map(|fd| format!("socket {fd}")))
        .map(Display::Wayland)
        .or_else(|| named(x11).map(Display::X11))
}

/// From now on a panic (the window system failing under the kiosk, among others) is reported
/// as one error event (one line on stderr, or one journal entry) — what failed, where, and the display the kiosk was drawing on — so
/// that the journal says why the kiosk stopped; the process still exits with Rust's panic
/// status (101) and systemd starts it again. A display that goes away entirely is reported by
/// the window system itself: Xlib prints "X connection to :0 broken" and exits with status 1.
/// `RUST_BACKTRACE=1` adds the backtrace, as usual.
pub fn report_panics_in_one_line(display: Display) {
    std::panic::set_hook(Box::new(move |info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_string());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let line = fatal_line(&display, &what, &place);
        tracing::error!("{line}");
        let trace = std::backtrace::Backtrace::capture();
        if trace.status() == std::backtrace::BacktraceStatus::Captured {
            tracing::error!(backtrace = %trace, "the panic's backtrace");
        }
    }));
}

fn fatal_line(display: &Display, what: &str, place: &str) -> String {
    let what = what.replace('\n', " ");
    format!(
        "kiosk-app: fatal on the {display}: {what}{place}; exiting (the service manager restarts the kiosk)"
    )
}

/// One item for every SIGUSR1 the process receives: `kill -USR1 <pid>` makes the kiosk draw its
/// whole window afresh. A technician's check that the screen shows what the kiosk draws (if a
/// redraw changes the picture, the display path is at fault), and the reference the
/// window-fidelity test compares every screen with. Nothing else changes.
pub fn redraw_requests() -> impl Stream<Item = ()> {
    iced::futures::stream::unfold(None, |listening: Option<Signal>| async move {
        let mut listening = match listening {
            Some(listening) => listening,
            // Without a signal handler (it cannot fail on Linux) there are no requests.
            None => signal(SignalKind::user_defined1()).ok()?,
        };
        listening.recv().await?;
        Some(((), Some(listening)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(text: &str) -> Option<OsString> {
        Some(OsString::from(text))
    }

    #[test]
    fn wayland_comes_first_as_winit_chooses_it() {
        assert_eq!(
            from(os("wayland-1"), None, os(":0")),
            Some(Display::Wayland("wayland-1".into()))
        );
        assert_eq!(
            from(None, os("7"), os(":0")),
            Some(Display::Wayland("socket 7".into()))
        );
        assert_eq!(from(None, None, os(":1")), Some(Display::X11(":1".into())));
    }

    #[test]
    fn no_display_or_empty_names_is_none() {
        assert_eq!(from(None, None, None), None);
        assert_eq!(from(os(""), os(""), os("")), None);
        assert!(NO_DISPLAY.starts_with("kiosk-app: no display"));
        assert!(!NO_DISPLAY.contains('\n'), "one line");
    }

    #[test]
    fn a_fatal_error_is_one_line_naming_the_display() {
        let line = fatal_line(
            &Display::Wayland("wayland-0".into()),
            "Connection lost\nto the compositor",
            " at src/x.rs:1",
        );
        assert_eq!(
            line,
            "kiosk-app: fatal on the Wayland display wayland-0: Connection lost to the \
compositor at src/x.rs:1; exiting (the service manager restarts the kiosk)"
        );
    }
}
