//! A faithful software My Number Card: the JPKI applet as `jpki-card.md` documents it (status
//! words, blocking, file access rules, power events), plus the stand-in reset command of
//! `reset-protocol.md`.
//!
//! - [`card`]: the card model, one APDU in, one response out;
//! - [`profile`]: test cards described in files under `config/cards/`;
//! - [`in_process`]: a reader slot and transport in the same process (demo, unit tests);
//! - [`vpcd`]: the card plugged into pcscd through vpcd, with a control socket for tests;
//! - [`timing`]: an optional model of a real card's latency behind a contactless reader, for vpcd
//!   mode.
//!
//! The card is written from its own side of the wire: it shares byte codecs with the driver
//! (the reset cryptogram format) but never the driver's JPKI layer or PIN rules.

pub mod card;
pub mod command;
pub mod in_process;
pub mod profile;
pub mod timing;
pub mod vpcd;

pub use card::{PinId, PowerEvent, VirtualCard};
pub use in_process::{InProcessReader, InProcessTransport};
pub use profile::{Profile, ProfileError};

/// Loads a profile and makes the card it describes.
pub fn load_card(path: &std::path::Path) -> Result<VirtualCard, ProfileError> {
    Profile::load(path).map(VirtualCard::new)
}
