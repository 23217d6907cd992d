//! The kiosk application: the customer flow of the My Number Card signing-password reset on an
//! iced touchscreen UI, on top of the card driver and the reset centre.
//!
//! - [`app`]: the flow (one `Screen` enum, one `update`);
//! - [`screen`]: one module per screen;
//! - [`widget`]: touch buttons, keypads, card drawings, the screen frame;
//! - [`worker`]: the card and the centre, off the UI thread, with deadlines;
//! - [`errors`]: what went wrong, and what the customer is told;
//! - [`config`], [`i18n`], [`theme`], [`demo`], [`sound`].

pub mod app;
pub mod config;
pub mod demo;
pub mod errors;
pub mod i18n;
pub mod screen;
pub mod sound;
pub mod startup;
pub mod theme;
pub mod widget;
pub mod worker;
