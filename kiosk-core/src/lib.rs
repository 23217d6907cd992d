//! The kiosk without its screen, as halloy keeps its `data` crate apart from its iced crate:
//! everything the customer flow and maintenance mode rest on that is not drawn.
//!
//! - [`worker`]: the thread that owns the card and the centre; [`worker::start`] assembles it
//!   from a configuration, a [`cards::CardSource`] and a centre (the app and the tests call it);
//! - [`cards`]: where cards come from — the trait, and PC/SC (the demo's source lives with the
//!   demo in `kiosk-app`);
//! - [`outbox`]: completions the centre has not taken yet, on disk until it has;
//! - [`flow_error`]: why a session cannot go on;
//! - [`records`]: what staff rely on across restarts: the [`audit`] log, the [`staff`] passcode
//!   lockout, the out-of-service switch; [`diagnostics`]: health and the reader self-test;
//! - [`status`]: how the kiosk is, one snapshot the worker, the app and the heartbeat share;
//!   [`heartbeat`]: the thread that tells the centre every `heartbeat_seconds`;
//! - [`config`]: the configuration file, each field checked and named when wrong;
//! - [`durable`]: files replaced whole or not at all.

pub mod audit;
pub mod cards;
pub mod config;
pub mod diagnostics;
pub mod durable;
pub mod flow_error;
pub mod heartbeat;
pub mod outbox;
pub mod records;
pub mod staff;
pub mod status;
pub mod worker;
