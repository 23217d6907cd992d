//! A stand-in for J-LIS's confidential PIN reset centre (see `docs/reset-protocol.md`):
//! reservations in SQLite, the holder's proof, reset authorisation with per-card keys, served
//! over HTTPS with mutual TLS. The words it shares with the kiosk (kinds, refusals, bodies, the kiosk's
//! `ResetCentre` trait and its steps) live in the `reset-protocol` crate.
//!
//! - [`config`]: the configuration file (`config/reset-center.json`);
//! - [`trust`]: certificate chains, validity, revocation, the issuance registry;
//! - [`store`]: the durable state;
//! - [`centre`]: the decisions;
//! - [`server`]: the HTTPS API, its limits;
//! - [`tls`]: the server's side of mutual TLS;
//! - [`pki`]: the link's certificates (centre, kiosk CA, kiosks) and the kiosk revocation list;
//! - [`fleet`]: the kiosks' heartbeats, and which kiosks need a visit;
//! - [`metrics`]: the Prometheus metrics;
//! - [`logging`]: the log lines (JSON for the service);
//! - [`in_process`]: the centre behind the kiosk's trait in the kiosk's own process (the demo).

pub mod centre;
pub mod config;
pub mod fleet;
pub mod in_process;
pub mod logging;
pub mod metrics;
pub mod pki;
pub mod server;
pub mod store;
pub mod tls;
pub mod trust;

pub use centre::{Centre, Clock, ManualClock, SystemClock};
pub use config::CentreConfig;
pub use in_process::InProcessCentre;
