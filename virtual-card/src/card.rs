//! The card model: a My Number Card's JPKI applet as `jpki-card.md` documents it, plus the
//! stand-in reset command of `reset-protocol.md`.
//!
//! What lives on the card (PINs, counters, keys, files) survives power events; what lives in the
//! session (selected application and EF, verified PINs, the challenge) does not. Nothing is
//! written to disk: a restarted virtual card starts again from its profile.

use std::collections::BTreeMap;

use card_driver::reset_cryptogram::{self, CHALLENGE_LENGTH, CardKey};
use rand::RngCore;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};

use crate::command::CommandApdu;
use crate::profile::{AUTH_RULES, KeyPair, PinRules, Profile, SIGNING_RULES};

/// AID of JPKI-AP.
pub const JPKI_AID: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];

const SW_OK: u16 = 0x9000;
const SW_END_OF_FILE: u16 = 0x6282;
const SW_WRONG_LENGTH: u16 = 0x6700;
const SW_CHANNEL_NOT_SUPPORTED: u16 = 0x6881;
const SW_SM_NOT_SUPPORTED: u16 = 0x6882;
const SW_CHAINING_NOT_SUPPORTED: u16 = 0x6884;
const SW_INCOMPATIBLE_FILE: u16 = 0x6981;
const SW_SECURITY_NOT_SATISFIED: u16 = 0x6982;
const SW_PIN_BLOCKED: u16 = 0x6984;
const SW_CONDITIONS_NOT_SATISFIED: u16 = 0x6985;
const SW_NO_CURRENT_EF: u16 = 0x6986;
const SW_SM_OBJECTS_MISSING: u16 = 0x6987;
const SW_SM_OBJECTS_INCORRECT: u16 = 0x6988;
const SW_INCORRECT_DATA: u16 = 0x6A80;
const SW_NOT_FOUND: u16 = 0x6A82;
const SW_INCORRECT_P1P2: u16 = 0x6A86;
const SW_OFFSET_OUTSIDE: u16 = 0x6B00;
const SW_INS_NOT_SUPPORTED: u16 = 0x6D00;
const SW_CLA_NOT_SUPPORTED: u16 = 0x6E00;

/// EF identifiers inside JPKI-AP.
const EF_SIGNING_CERT: u16 = 0x0001;
const EF_SIGNING_CA: u16 = 0x0002;
const EF_TOKEN: u16 = 0x0006;
const EF_AUTH_CERT: u16 = 0x000A;
const EF_AUTH_CA: u16 = 0x000B;
const EF_AUTH_KEY: u16 = 0x0017;
const EF_AUTH_PIN: u16 = 0x0018;
const EF_SIGNING_KEY: u16 = 0x001A;
const EF_SIGNING_PIN: u16 = 0x001B;

/// The largest input the card pads for a 2048-bit key (PKCS#1 v1.5 needs 11 bytes).
const MAX_SIGN_INPUT: usize = 256 - 11;
/// The history keeps this many command headers.
const HISTORY_LIMIT: usize = 10_000;

/// A power event from the reader. Each one ends the card session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerEvent {
    On,
    Off,
    Reset,
}

/// Which PIN (and key) of the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PinId {
    Auth,
    Signing,
}

/// What an EF holds, and who may read it.
#[derive(Debug, Clone)]
enum Ef {
    Binary { data: Vec<u8>, needs: Option<PinId> },
    Pin(PinId),
    Key(PinId),
}

/// A PIN with its counter and the key it unlocks.
struct PinSlot {
    value: StoredPin,
    tries_left: u8,
    rules: PinRules,
    key: RsaPrivateKey,
    /// The receipt of the last reset this PIN took (the stand-in's read-back; not a secret).
    last_reset: Option<[u8; reset_cryptogram::RECEIPT_LENGTH]>,
}

/// A PIN as this card keeps it: a salted SHA-256, compared in constant time. A real card keeps
/// its PINs in secure memory; this one may share a process with the kiosk (the demo), where a
/// plain copy would outlive every session in the process's memory.
struct StoredPin {
    salt: [u8; 16],
    digest: [u8; 32],
}

impl StoredPin {
    fn new(pin: &[u8]) -> StoredPin {
        let mut salt = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        StoredPin {
            salt,
            digest: salted_digest(&salt, pin),
        }
    }

    fn matches(&self, candidate: &[u8]) -> bool {
        constant_time_eq(&self.digest, &salted_digest(&self.salt, candidate))
    }
}

fn salted_digest(salt: &[u8; 16], pin: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(pin);
    hasher.finalize().into()
}

/// The JPKI applet's persistent contents.
struct Applet {
    files: BTreeMap<u16, Ef>,
    auth: PinSlot,
    signing: Option<PinSlot>,
    reset_key: CardKey,
}

/// Session state, cleared by every power event.
#[derive(Debug, Default)]
struct Session {
    applet_selected: bool,
    current_ef: Option<u16>,
    auth_verified: bool,
    signing_verified: bool,
    challenge: Option<[u8; CHALLENGE_LENGTH]>,
}

/// The header of a received command: what the history keeps (never the data, which may be a
/// PIN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Received {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data_len: usize,
    pub sw: u16,
}

/// A virtual My Number Card (or, with no applet, some other card).
pub struct VirtualCard {
    name: String,
    atr: Vec<u8>,
    applet: Option<Applet>,
    session: Session,
    history: Vec<Received>,
}

impl std::fmt::Debug for VirtualCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtualCard")
            .field("name", &self.name)
            .field("session", &self.session.applet_selected)
            .finish_non_exhaustive()
    }
}

impl VirtualCard {
    pub fn new(profile: Profile) -> VirtualCard {
        let applet = profile.jpki.map(|jpki| {
            let mut files = BTreeMap::new();
            let mut token = jpki.token.into_bytes();
            token.resize(0x20, 0x00);
            files.insert(
                EF_TOKEN,
                Ef::Binary {
                    data: token,
                    needs: None,
                },
            );
            files.insert(EF_AUTH_CERT, binary(jpki.auth.certificate.clone()));
            files.insert(EF_AUTH_CA, binary(jpki.auth_ca_certificate));
            files.insert(EF_SIGNING_CA, binary(jpki.signing_ca_certificate));
            files.insert(EF_AUTH_KEY, Ef::Key(PinId::Auth));
            files.insert(EF_AUTH_PIN, Ef::Pin(PinId::Auth));
            if let Some(signing) = &jpki.signing {
                files.insert(
                    EF_SIGNING_CERT,
                    Ef::Binary {
                        data: signing.certificate.clone(),
                        needs: Some(PinId::Signing),
                    },
                );
                files.insert(EF_SIGNING_KEY, Ef::Key(PinId::Signing));
                files.insert(EF_SIGNING_PIN, Ef::Pin(PinId::Signing));
            }
            Applet {
                files,
                auth: slot(jpki.auth, AUTH_RULES),
                signing: jpki.signing.map(|signing| slot(signing, SIGNING_RULES)),
                reset_key: CardKey::from_bytes(*jpki.reset_key),
            }
        });
        VirtualCard {
            name: profile.name,
            atr: profile.atr,
            applet,
            session: Session::default(),
            history: Vec::new(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn atr(&self) -> &[u8] {
        &self.atr
    }

    /// Tries left of a PIN, as the card's counter holds it (`None` if the card has no such PIN).
    pub fn tries_left(&self, pin: PinId) -> Option<u8> {
        let applet = self.applet.as_ref()?;
        match pin {
            PinId::Auth => Some(applet.auth.tries_left),
            PinId::Signing => applet.signing.as_ref().map(|slot| slot.tries_left),
        }
    }

    /// The headers of the commands received so far (oldest first, at most 10,000).
    pub fn history(&self) -> &[Received] {
        &self.history
    }

    pub fn clear_history(&mut self) {
        self.history.clear();
    }

    /// A power event ends the session: selection, verified PINs and the challenge are gone.
    pub fn power(&mut self, _event: PowerEvent) {
        self.session = Session::default();
    }

    /// Processes one command APDU and returns the response (data + SW1 SW2).
    pub fn process(&mut self, bytes: &[u8]) -> Vec<u8> {
        let (data, sw) = match CommandApdu::parse(bytes) {
            Ok(command) => self.dispatch(&command),
            Err(_) => (Vec::new(), SW_WRONG_LENGTH),
        };
        self.remember(bytes, sw);
        let mut response = data;
        response.extend_from_slice(&sw.to_be_bytes());
        response
    }

    fn remember(&mut self, bytes: &[u8], sw: u16) {
        if self.history.len() == HISTORY_LIMIT {
            self.history.remove(0);
        }
        let byte = |i: usize| bytes.get(i).copied().unwrap_or(0);
        self.history.push(Received {
            cla: byte(0),
            ins: byte(1),
            p1: byte(2),
            p2: byte(3),
            data_len: CommandApdu::parse(bytes).map(|c| c.data.len()).unwrap_or(0),
            sw,
        });
    }

    fn dispatch(&mut self, command: &CommandApdu) -> (Vec<u8>, u16) {
        // Only the first interindustry class (0x0X, 0x1X) and its proprietary twin (0x8X, 0x9X).
        if !matches!(command.cla & 0xE0, 0x00 | 0x80) {
            return no_data(SW_CLA_NOT_SUPPORTED);
        }
        if command.cla & 0x10 != 0 {
            return no_data(SW_CHAINING_NOT_SUPPORTED);
        }
        if command.cla & 0x03 != 0 {
            return no_data(SW_CHANNEL_NOT_SUPPORTED);
        }
        if self.applet.is_none() {
            return no_data(self.other_card(command));
        }
        match (command.cla, command.ins) {
            (0x00, 0xA4) => no_data(self.select(command)),
            (0x00, 0xB0) => self.read_binary(command),
            (0x00, 0x20) => no_data(self.verify(command)),
            (0x00, 0x24) => no_data(self.change_reference_data(command)),
            (0x00, 0x84) => self.get_challenge(command),
            (0x80, 0x2A) => self.sign(command),
            (0x0C, 0x2C) => no_data(self.reset_retry_counter(command)),
            (reset_cryptogram::RECEIPT_CLA, reset_cryptogram::RECEIPT_INS) => {
                self.reset_receipt(command)
            }
            // The reset exists only under secure messaging.
            (0x00, 0x2C) => no_data(SW_SM_OBJECTS_MISSING),
            (0x0C, _) => no_data(SW_SM_NOT_SUPPORTED),
            (0x00 | 0x80, _) => no_data(SW_INS_NOT_SUPPORTED),
            _ => no_data(SW_CLA_NOT_SUPPORTED),
        }
    }

    /// A card without JPKI-AP: it knows no application the kiosk might ask for.
    fn other_card(&self, command: &CommandApdu) -> u16 {
        match (command.cla, command.ins) {
            (0x00, 0xA4) => SW_NOT_FOUND,
            (0x00, _) => SW_INS_NOT_SUPPORTED,
            _ => SW_CLA_NOT_SUPPORTED,
        }
    }

    fn select(&mut self, command: &CommandApdu) -> u16 {
        match command.p1 {
            0x04 => self.select_application(command),
            0x02 => self.select_ef(command),
            _ => SW_INCORRECT_P1P2,
        }
    }

    fn select_application(&mut self, command: &CommandApdu) -> u16 {
        // P2 = 0C (no FCI) is what every JPKI client sends; 00 is taken too, with no FCI.
        if !matches!(command.p2, 0x0C | 0x00) {
            return SW_INCORRECT_P1P2;
        }
        if command.data != JPKI_AID {
            return SW_NOT_FOUND;
        }
        // Selecting the application starts afresh: nothing verified, no EF.
        let challenge = self.session.challenge.take();
        self.session = Session {
            applet_selected: true,
            challenge,
            ..Session::default()
        };
        SW_OK
    }

    fn select_ef(&mut self, command: &CommandApdu) -> u16 {
        if command.p2 != 0x0C && command.p2 != 0x00 {
            return SW_INCORRECT_P1P2;
        }
        let Ok(id) = <[u8; 2]>::try_from(command.data.as_slice()) else {
            return SW_WRONG_LENGTH;
        };
        let id = u16::from_be_bytes(id);
        if !self.session.applet_selected || !self.applet().files.contains_key(&id) {
            return SW_NOT_FOUND;
        }
        self.session.current_ef = Some(id);
        SW_OK
    }

    fn read_binary(&mut self, command: &CommandApdu) -> (Vec<u8>, u16) {
        // P1 bit 8 would address by short EF identifier, which this card does not offer.
        if command.p1 & 0x80 != 0 {
            return no_data(SW_INCORRECT_P1P2);
        }
        let Some(le) = command.le else {
            return no_data(SW_WRONG_LENGTH);
        };
        let data = match self.current_ef() {
            Err(sw) => return no_data(sw),
            Ok(Ef::Binary { data, needs }) => {
                if needs.is_some_and(|pin| !self.session.is_verified(pin)) {
                    return no_data(SW_SECURITY_NOT_SATISFIED);
                }
                data
            }
            Ok(_) => return no_data(SW_INCOMPATIBLE_FILE),
        };
        let offset = usize::from(u16::from_be_bytes([command.p1, command.p2]));
        if offset >= data.len() {
            return no_data(SW_OFFSET_OUTSIDE);
        }
        let end = data.len().min(offset + le);
        let chunk = data[offset..end].to_vec();
        let sw = if chunk.len() < le {
            SW_END_OF_FILE
        } else {
            SW_OK
        };
        (chunk, sw)
    }

    fn verify(&mut self, command: &CommandApdu) -> u16 {
        if command.p1 != 0x00 || command.p2 != 0x80 {
            return SW_INCORRECT_P1P2;
        }
        let pin = match self.current_pin() {
            Ok(pin) => pin,
            Err(sw) => return sw,
        };
        let slot = self.slot(pin);
        // The empty VERIFY asks for the counter; it never says whether the PIN was verified.
        if command.data.is_empty() {
            return 0x63C0 | u16::from(slot.tries_left);
        }
        if slot.tries_left == 0 {
            return SW_PIN_BLOCKED;
        }
        let correct = slot.value.matches(&command.data);
        let slot = self.slot_mut(pin);
        if correct {
            slot.tries_left = slot.rules.max_tries;
        } else {
            slot.tries_left -= 1;
        }
        let tries_left = slot.tries_left;
        self.session.set_verified(pin, correct);
        if correct {
            SW_OK
        } else {
            0x63C0 | u16::from(tries_left)
        }
    }

    /// CHANGE REFERENCE DATA with the old PIN already verified (P1 = 01).
    fn change_reference_data(&mut self, command: &CommandApdu) -> u16 {
        if command.p1 != 0x01 || command.p2 != 0x80 {
            return SW_INCORRECT_P1P2;
        }
        let pin = match self.current_pin() {
            Ok(pin) => pin,
            Err(sw) => return sw,
        };
        if !self.session.is_verified(pin) {
            return SW_SECURITY_NOT_SATISFIED;
        }
        let slot = self.slot_mut(pin);
        if !(slot.rules.accepts)(&command.data) {
            return SW_INCORRECT_DATA;
        }
        slot.value = StoredPin::new(&command.data);
        SW_OK
    }

    fn get_challenge(&mut self, command: &CommandApdu) -> (Vec<u8>, u16) {
        if command.p1 != 0x00 || command.p2 != 0x00 {
            return no_data(SW_INCORRECT_P1P2);
        }
        if command.le != Some(CHALLENGE_LENGTH) {
            return no_data(SW_WRONG_LENGTH);
        }
        let mut challenge = [0u8; CHALLENGE_LENGTH];
        rand::rngs::OsRng.fill_bytes(&mut challenge);
        self.session.challenge = Some(challenge);
        (challenge.to_vec(), SW_OK)
    }

    fn sign(&mut self, command: &CommandApdu) -> (Vec<u8>, u16) {
        if command.p1 != 0x00 || command.p2 != 0x80 {
            return no_data(SW_INCORRECT_P1P2);
        }
        let pin = match self.current_ef() {
            Ok(Ef::Key(pin)) => pin,
            Ok(_) => return no_data(SW_INCOMPATIBLE_FILE),
            Err(sw) => return no_data(sw),
        };
        if !self.session.is_verified(pin) {
            return no_data(SW_SECURITY_NOT_SATISFIED);
        }
        if command.data.is_empty() || command.data.len() > MAX_SIGN_INPUT {
            return no_data(SW_WRONG_LENGTH);
        }
        // The card pads whatever DigestInfo it is given (PKCS#1 v1.5, block type 1).
        match self
            .slot(pin)
            .key
            .sign(Pkcs1v15Sign::new_unprefixed(), &command.data)
        {
            Ok(signature) => (signature, SW_OK),
            Err(_) => no_data(SW_INCORRECT_DATA),
        }
    }

    /// The stand-in reset: a secure-messaging RESET RETRY COUNTER on the selected PIN EF, carrying
    /// the new PIN encrypted and MACed with keys from the per-card key and the card's challenge.
    fn reset_retry_counter(&mut self, command: &CommandApdu) -> u16 {
        if command.p1 != reset_cryptogram::RESET_P1 || command.p2 != reset_cryptogram::RESET_P2 {
            return SW_INCORRECT_P1P2;
        }
        let pin = match self.current_pin() {
            Ok(pin) => pin,
            Err(sw) => return sw,
        };
        // The challenge is used up by any attempt, so a wrong MAC cannot be retried against it.
        let Some(challenge) = self.session.challenge.take() else {
            return SW_CONDITIONS_NOT_SATISFIED;
        };
        let Some(pin_file) = self.session.current_ef else {
            return SW_NO_CURRENT_EF;
        };
        let new_pin = match reset_cryptogram::open(
            &self.applet().reset_key,
            &challenge,
            pin_file,
            &command.data,
        ) {
            Ok(new_pin) => new_pin,
            Err(_) => return SW_SM_OBJECTS_INCORRECT,
        };
        let receipt = reset_cryptogram::receipt(&self.applet().reset_key, &challenge, pin_file);
        let slot = self.slot_mut(pin);
        if !(slot.rules.accepts)(&new_pin) {
            return SW_INCORRECT_DATA;
        }
        slot.value = StoredPin::new(&new_pin);
        drop(new_pin);
        slot.tries_left = slot.rules.max_tries;
        slot.last_reset = Some(receipt);
        self.session.set_verified(pin, false);
        SW_OK
    }

    /// The stand-in's GET DATA for the selected PIN's reset receipt: what the last reset it took
    /// was, for a kiosk whose answer to that reset got lost. No PIN is needed and no counter
    /// moves; the PIN's issue receipt if it was never reset (so that the card's word, not the
    /// kiosk's, tells the centre that a command was not taken).
    fn reset_receipt(&mut self, command: &CommandApdu) -> (Vec<u8>, u16) {
        if command.p1 != reset_cryptogram::RECEIPT_P1 || command.p2 != reset_cryptogram::RECEIPT_P2
        {
            return no_data(SW_INCORRECT_P1P2);
        }
        let pin = match self.current_pin() {
            Ok(pin) => pin,
            Err(sw) => return no_data(sw),
        };
        let Some(pin_file) = self.session.current_ef else {
            return no_data(SW_NO_CURRENT_EF);
        };
        let receipt = self
            .slot(pin)
            .last_reset
            .unwrap_or_else(|| reset_cryptogram::issue_receipt(&self.applet().reset_key, pin_file));
        match command.le {
            None => no_data(SW_WRONG_LENGTH),
            Some(le) if le < reset_cryptogram::RECEIPT_LENGTH => {
                no_data(0x6C00 | reset_cryptogram::RECEIPT_LENGTH as u16)
            }
            Some(_) => (receipt.to_vec(), SW_OK),
        }
    }

    fn applet(&self) -> &Applet {
        self.applet.as_ref().unwrap_or_else(|| {
            unreachable!("dispatch sends only JPKI commands to a card with the applet")
        })
    }

    fn current_ef(&self) -> Result<Ef, u16> {
        let id = self.session.current_ef.ok_or(SW_NO_CURRENT_EF)?;
        self.applet()
            .files
            .get(&id)
            .cloned()
            .ok_or(SW_NO_CURRENT_EF)
    }

    fn current_pin(&self) -> Result<PinId, u16> {
        match self.current_ef()? {
            Ef::Pin(pin) => Ok(pin),
            _ => Err(SW_INCOMPATIBLE_FILE),
        }
    }

    fn slot(&self, pin: PinId) -> &PinSlot {
        let applet = self.applet();
        match pin {
            PinId::Auth => &applet.auth,
            PinId::Signing => applet
                .signing
                .as_ref()
                .unwrap_or_else(|| unreachable!("the signing PIN EF exists only with its slot")),
        }
    }

    fn slot_mut(&mut self, pin: PinId) -> &mut PinSlot {
        let applet = self.applet.as_mut().unwrap_or_else(|| {
            unreachable!("dispatch sends only JPKI commands to a card with the applet")
        });
        match pin {
            PinId::Auth => &mut applet.auth,
            PinId::Signing => applet
                .signing
                .as_mut()
                .unwrap_or_else(|| unreachable!("the signing PIN EF exists only with its slot")),
        }
    }
}

impl Session {
    fn is_verified(&self, pin: PinId) -> bool {
        match pin {
            PinId::Auth => self.auth_verified,
            PinId::Signing => self.signing_verified,
        }
    }

    fn set_verified(&mut self, pin: PinId, verified: bool) {
        match pin {
            PinId::Auth => self.auth_verified = verified,
            PinId::Signing => self.signing_verified = verified,
        }
    }
}

fn binary(data: Vec<u8>) -> Ef {
    Ef::Binary { data, needs: None }
}

fn slot(pair: KeyPair, rules: PinRules) -> PinSlot {
    PinSlot {
        value: StoredPin::new(&pair.pin),
        tries_left: pair.tries_left,
        rules,
        key: pair.private_key,
        last_reset: None,
    }
}

fn no_data(sw: u16) -> (Vec<u8>, u16) {
    (Vec::new(), sw)
}

/// Compares without an early exit, so timing does not tell how much of a PIN was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
