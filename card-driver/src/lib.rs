//! A driver for the JPKI applet of the My Number Card (マイナンバーカード), over PC/SC.
//!
//! Layers, bottom up:
//! - [`apdu`]: command and response APDUs, status words as typed results;
//! - [`transport`]: the one-method interface to a card, implemented by [`pcsc`] (pcsc-lite), by
//!   the virtual card crate in-process, and by test doubles;
//! - [`card_thread`]: deadlines for card work, which pcsc-lite cannot time out by itself;
//! - [`jpki`]: the applet's operations in the card's vocabulary;
//! - [`pin`]: validated, zeroizing PINs;
//! - [`certificate`]: DER lengths and certificate summaries;
//! - [`reset_cryptogram`]: the wire format of the centre stand-in's protected reset command.

pub mod apdu;
pub mod card_thread;
pub mod certificate;
pub mod jpki;
pub mod pcsc;
pub mod pin;
pub mod reset_cryptogram;
pub mod transport;

pub use jpki::{Certificate, Jpki, JpkiError, Token};
pub use pin::{AuthPin, Pin, PinError, PinKind, SigningPin};
pub use transport::{Transport, TransportError};
