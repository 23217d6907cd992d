//! The kiosk application: the customer flow of the My Number Card password resets (signing,
//! and auth where offered) and the staff's maintenance mode, on an iced touchscreen UI, on top
//! of the card driver and the reset centre.
//!
//! - [`app`]: the flow (one `Screen` enum, one `update`);
//! - [`screen`]: one module per screen;
//! - [`widget`]: touch buttons, keypads, card drawings, the screen frame;
//! - [`worker`]: the card and the centre, off the UI thread, with deadlines;
//! - [`errors`]: what went wrong, and what the customer is told;
//! - [`records`]: what staff rely on across restarts: the [`audit`] log, the [`staff`] passcode
//!   lockout, the out-of-service switch; [`diagnostics`]: health and the reader self-test;
//! - [`config`], [`i18n`], [`theme`], [`demo`], [`sound`] (what is played through aplay) and
//!   [`voice`] (the recorded prompts), [`assist`], [`passcode_setup`], [`watchdog`]
//!   (systemd's readiness, watchdog and status protocol), [`logging`] (`tracing` to the journal
//!   or stderr).

pub mod app;
pub mod assist;
pub mod demo;
pub mod display;
pub mod guidance;
pub mod i18n;
pub mod logging;
pub mod passcode_setup;
pub mod restarts;
pub mod screen;
pub mod services;
pub mod sound;
pub mod startup;
pub mod theme;
pub mod voice;
pub mod watchdog;
pub mod widget;

/// This program as built, as its heartbeat reports it: the package version, and the commit
/// `build.rs` recorded ("unknown" for a build without git).
pub fn build() -> kiosk_core::heartbeat::Build {
    kiosk_core::heartbeat::Build {
        version: env!("CARGO_PKG_VERSION").to_string(),
        commit: option_env!("KIOSK_BUILD_COMMIT")
            .unwrap_or("unknown")
            .to_string(),
    }
}
