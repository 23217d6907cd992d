//! What the kiosk and the reset centre share (docs/reset-protocol.md), apart from either of them:
//!
//! - [`api`]: reset kinds, refusals, session ids, the holder's proof, the outcome of a reset, and
//!   the JSON bodies of the HTTP API;
//! - [`client`]: the [`ResetCentre`] trait, the kiosk's view of the centre — the one thing an
//!   integrator with J-LIS's real interface implements — and [`HttpCentre`], the stand-in's
//!   HTTP API behind it;
//! - [`heartbeat`]: what a kiosk reports of itself every few seconds (never customer data);
//! - [`kiosk_side`]: the kiosk's steps of a reset over a card and a centre, with the rules that
//!   keep card and reservation consistent.
//!
//! The kiosk depends on this crate and never on the stand-in centre (`reset-center`), which
//! depends on it too and serves the same words.

pub mod api;
pub mod client;
pub mod heartbeat;
pub mod kiosk_side;

pub use api::{Outcome, Refusal, ReservationState, ResetKind, SessionId};
pub use client::{Begun, CentreError, HttpCentre, ResetCentre};
pub use heartbeat::{ErrorClass, Heartbeat, HeartbeatAnswer, OutOfService, ReaderState};
