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
//! - [`config`], [`i18n`], [`theme`], [`demo`], [`sound`], [`passcode_setup`], [`watchdog`]
//!   (systemd's readiness and watchdog protocol).

pub mod app;
pub mod demo;
pub mod display;
pub mod guidance;
pub mod i18n;
pub mod passcode_setup;
pub mod restarts;
pub mod screen;
pub mod services;
pub mod sound;
pub mod startup;
pub mod theme;
pub mod watchdog;
pub mod widget;
