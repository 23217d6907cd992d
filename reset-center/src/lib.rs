//! A stand-in for J-LIS's confidential PIN reset centre (see `docs/reset-protocol.md`):
//! reservations in SQLite, the holder's proof, reset authorisation with per-card keys, served
//! over HTTP, and the kiosk's side of it behind one trait.
//!
//! - [`api`]: reset kinds, refusals, the holder's proof, the JSON bodies;
//! - [`config`]: the configuration file (`config/reset-center.json`);
//! - [`trust`]: certificate chains, validity, revocation, the issuance registry;
//! - [`store`]: the durable state;
//! - [`centre`]: the decisions;
//! - [`server`]: the HTTP API;
//! - [`client`]: the kiosk's [`client::ResetCentre`] trait, in-process and over HTTP;
//! - [`kiosk_side`]: the kiosk's steps of a reset over a card and a centre.

pub mod api;
pub mod centre;
pub mod client;
pub mod config;
pub mod kiosk_side;
pub mod server;
pub mod store;
pub mod trust;

pub use api::{Outcome, Refusal, ReservationState, ResetKind, SessionId};
pub use centre::{Centre, Clock, ManualClock, SystemClock};
pub use client::{Begun, CentreError, HttpCentre, InProcessCentre, ResetCentre};
pub use config::CentreConfig;
