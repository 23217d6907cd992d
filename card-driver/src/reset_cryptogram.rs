//! The stand-in reset command's wire format (docs/reset-protocol.md), shared by its two ends: the
//! centre builds the command, the card opens it. The kiosk only carries it from one to the other.
//!
//! - Per-card key: `K_card = HKDF-SHA256(salt = "jpki-reset-standin/v1", ikm = K_master,
//!   info = card id)[..16]`, card id = `len16(issuer DER) ‖ issuer DER ‖ len8(serial) ‖ serial`
//!   of the card's auth certificate.
//! - Per-challenge keys: `K_enc = CMAC(K_card, 01 ‖ challenge)`, `K_mac = CMAC(K_card, 02 ‖
//!   challenge)`: a cryptogram is worth nothing once the card's challenge is used or cleared.
//! - Command: `0C 2C 02 80 Lc [87 L 01 ‖ AES-128-CBC(K_enc, IV 0, pad(new PIN))]
//!   [8E 08 CMAC(K_mac, target FID ‖ 0C 2C 02 80 ‖ DO87)[..8]]`, no Le. The MAC covers the
//!   target PIN EF so a cryptogram for one PIN cannot set the other.
//! - Receipt: a card that took a reset keeps, per PIN, `CMAC(K_rcpt, target FID)[..8]` with
//!   `K_rcpt = CMAC(K_card, 03 ‖ challenge)`, and gives it to `80 CA 00 52 00` (GET DATA,
//!   proprietary class) with the PIN EF selected: the 8 bytes and `9000`. A PIN never reset
//!   gives its *issue receipt*, the same MAC over the all-zero challenge (no card challenge is
//!   ever all zeros: the centre seals nothing for one). Both are the card's own word, which a
//!   kiosk cannot forge: the centre moves a reservation whose command was issued only on them
//!   (a card that answers no data and `9000`, as earlier stand-ins did, gives the kiosk's word
//!   only). The centre, which knows the
//!   challenge it sealed a command for, can tell from it whether that command was taken when the
//!   card's answer was lost (a kiosk crashed, a card pulled at the wrong moment), without any
//!   PIN being tried.

use aes::Aes128;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, block_padding::Iso7816};
use cmac::{Cmac, Mac};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use crate::pin::PinKind;

pub const RESET_CLA: u8 = 0x0C;
pub const RESET_INS: u8 = 0x2C;
pub const RESET_P1: u8 = 0x02;
pub const RESET_P2: u8 = 0x80;
const HEADER: [u8; 4] = [RESET_CLA, RESET_INS, RESET_P1, RESET_P2];
pub const RECEIPT_CLA: u8 = 0x80;
pub const RECEIPT_INS: u8 = 0xCA;
pub const RECEIPT_P1: u8 = 0x00;
pub const RECEIPT_P2: u8 = 0x52;
const KDF_SALT: &[u8] = b"jpki-reset-standin/v1";
const MAC_LENGTH: usize = 8;
/// Length of a reset receipt.
pub const RECEIPT_LENGTH: usize = MAC_LENGTH;
/// The session-key labels: encryption, command MAC, receipt.
const LABEL_ENC: u8 = 0x01;
const LABEL_MAC: u8 = 0x02;
const LABEL_RECEIPT: u8 = 0x03;
/// Length of the card challenge (GET CHALLENGE with Le = 8).
pub const CHALLENGE_LENGTH: usize = 8;

/// The EF of the PIN a reset targets.
pub fn pin_file(kind: PinKind) -> u16 {
    match kind {
        PinKind::Auth => 0x0018,
        PinKind::Signing => 0x001B,
    }
}

/// The identity a card's key is derived from: issuer and serial of its auth certificate.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CardId(Vec<u8>);

impl CardId {
    pub fn new(issuer_der: &[u8], serial: &[u8]) -> Result<CardId, CodecError> {
        let issuer_len = u16::try_from(issuer_der.len()).map_err(|_| CodecError::BadIdentity)?;
        let serial_len = u8::try_from(serial.len()).map_err(|_| CodecError::BadIdentity)?;
        let mut id = Vec::with_capacity(3 + issuer_der.len() + serial.len());
        id.extend_from_slice(&issuer_len.to_be_bytes());
        id.extend_from_slice(issuer_der);
        id.push(serial_len);
        id.extend_from_slice(serial);
        Ok(CardId(id))
    }

    /// The card id of the card whose auth certificate is `der`.
    pub fn from_auth_certificate(der: &[u8]) -> Result<CardId, CodecError> {
        use x509_parser::prelude::{FromDer, X509Certificate};
        let (_, cert) = X509Certificate::from_der(der).map_err(|_| CodecError::BadIdentity)?;
        CardId::new(cert.issuer().as_raw(), cert.raw_serial())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// A card's AES-128 reset key.
#[derive(Clone, PartialEq, Eq)]
pub struct CardKey(Zeroizing<[u8; 16]>);

impl std::fmt::Debug for CardKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardKey(<redacted>)")
    }
}

impl CardKey {
    pub fn from_bytes(bytes: [u8; 16]) -> CardKey {
        CardKey(Zeroizing::new(bytes))
    }

    /// `K_card = HKDF-SHA256(salt, K_master, card id)`, truncated to 16 bytes.
    pub fn derive(master_key: &[u8], card: &CardId) -> CardKey {
        let hkdf = Hkdf::<Sha256>::new(Some(KDF_SALT), master_key);
        let mut key = [0u8; 16];
        // 16 bytes is far below HKDF's limit of 255 hash lengths.
        let _ = hkdf.expand(card.as_bytes(), &mut key);
        let card_key = CardKey::from_bytes(key);
        key.zeroize();
        card_key
    }

    pub fn expose(&self) -> &[u8; 16] {
        &self.0
    }

    fn session_key(&self, label: u8, challenge: &[u8; CHALLENGE_LENGTH]) -> Zeroizing<[u8; 16]> {
        let mut mac = <Cmac<Aes128> as Mac>::new_from_slice(&self.0[..])
            .unwrap_or_else(|_| unreachable!("a 16-byte key is an AES-128 key"));
        mac.update(&[label]);
        mac.update(challenge);
        Zeroizing::new(mac.finalize().into_bytes().into())
    }
}

/// A reset command ready for the card. Its bytes are wiped on drop.
#[derive(PartialEq, Eq)]
pub struct ResetCommand(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for ResetCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ResetCommand({} bytes)", self.0.len())
    }
}

impl ResetCommand {
    /// Accepts the bytes of a reset command received from the centre, checking only its header:
    /// the card checks the rest.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<ResetCommand, CodecError> {
        let bytes = Zeroizing::new(bytes);
        if bytes.len() < 5 || bytes[..4] != HEADER || bytes[4] as usize != bytes.len() - 5 {
            return Err(CodecError::Malformed);
        }
        Ok(ResetCommand(bytes))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Why a reset command could not be built or opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("the certificate does not give a card identity")]
    BadIdentity,
    #[error("the new PIN is longer than 16 bytes")]
    PinTooLong,
    #[error("the reset command is not well formed")]
    Malformed,
    #[error("the reset command's MAC does not verify")]
    BadMac,
}

/// The centre's side: the reset command that sets `new_pin` as the PIN in `target`.
pub fn seal(
    key: &CardKey,
    challenge: &[u8; CHALLENGE_LENGTH],
    target: PinKind,
    new_pin: &[u8],
) -> Result<ResetCommand, CodecError> {
    if new_pin.len() > 16 {
        return Err(CodecError::PinTooLong);
    }
    let enc_key = key.session_key(LABEL_ENC, challenge);
    let mac_key = key.session_key(LABEL_MAC, challenge);

    // Room for the PIN plus at least one padding byte, rounded up to whole blocks.
    let padded_len = (new_pin.len() / 16 + 1) * 16;
    let mut buffer = Zeroizing::new(vec![0u8; padded_len]);
    buffer[..new_pin.len()].copy_from_slice(new_pin);
    let cipher = cbc::Encryptor::<Aes128>::new(enc_key.as_ref().into(), &[0u8; 16].into());
    let ciphertext = cipher
        .encrypt_padded_mut::<Iso7816>(&mut buffer, new_pin.len())
        .map_err(|_| CodecError::Malformed)?
        .to_vec();

    let mut do87 = Vec::with_capacity(3 + ciphertext.len());
    do87.push(0x87);
    do87.push((1 + ciphertext.len()) as u8);
    do87.push(0x01);
    do87.extend_from_slice(&ciphertext);
    let mac = command_mac(&mac_key, pin_file(target), &do87);

    let mut apdu = Vec::with_capacity(5 + do87.len() + 2 + MAC_LENGTH);
    apdu.extend_from_slice(&HEADER);
    apdu.push((do87.len() + 2 + MAC_LENGTH) as u8);
    apdu.extend_from_slice(&do87);
    apdu.extend_from_slice(&[0x8E, MAC_LENGTH as u8]);
    apdu.extend_from_slice(&mac);
    Ok(ResetCommand(Zeroizing::new(apdu)))
}

/// The card's side: checks the MAC of a reset command's data field against the card's current
/// challenge and the selected PIN EF, then returns the new PIN it carries.
pub fn open(
    key: &CardKey,
    challenge: &[u8; CHALLENGE_LENGTH],
    selected_pin_file: u16,
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CodecError> {
    let (do87, do8e) = split_data_objects(data)?;
    let mac_key = key.session_key(LABEL_MAC, challenge);
    let mut mac = <Cmac<Aes128> as Mac>::new_from_slice(&mac_key[..])
        .unwrap_or_else(|_| unreachable!("a 16-byte key is an AES-128 key"));
    mac_input(&mut mac, selected_pin_file, do87);
    mac.verify_truncated_left(&do8e[2..])
        .map_err(|_| CodecError::BadMac)?;

    let enc_key = key.session_key(LABEL_ENC, challenge);
    let mut buffer = Zeroizing::new(do87[3..].to_vec());
    let cipher = cbc::Decryptor::<Aes128>::new(enc_key.as_ref().into(), &[0u8; 16].into());
    let pin = cipher
        .decrypt_padded_mut::<Iso7816>(&mut buffer)
        .map_err(|_| CodecError::Malformed)?;
    Ok(Zeroizing::new(pin.to_vec()))
}

/// The receipt a card keeps of the reset it took with `challenge` on the PIN in `pin_file`
/// (both ends compute it: the card when it takes the reset, the centre to recognise it).
pub fn receipt(
    key: &CardKey,
    challenge: &[u8; CHALLENGE_LENGTH],
    pin_file: u16,
) -> [u8; RECEIPT_LENGTH] {
    let receipt_key = key.session_key(LABEL_RECEIPT, challenge);
    let mut mac = <Cmac<Aes128> as Mac>::new_from_slice(&receipt_key[..])
        .unwrap_or_else(|_| unreachable!("a 16-byte key is an AES-128 key"));
    mac.update(&pin_file.to_be_bytes());
    let full = mac.finalize().into_bytes();
    let mut truncated = [0u8; RECEIPT_LENGTH];
    truncated.copy_from_slice(&full[..RECEIPT_LENGTH]);
    truncated
}

/// The challenge of a PIN's issue receipt: the receipt a card gives for a PIN it never reset.
pub const ISSUE_CHALLENGE: [u8; CHALLENGE_LENGTH] = [0; CHALLENGE_LENGTH];

/// The receipt a card gives for the PIN in `pin_file` while that PIN was never reset.
pub fn issue_receipt(key: &CardKey, pin_file: u16) -> [u8; RECEIPT_LENGTH] {
    receipt(key, &ISSUE_CHALLENGE, pin_file)
}

/// The centre's side: whether `received` is the receipt of the reset sealed for `challenge` on
/// `target` (compared in constant time).
pub fn receipt_matches(
    key: &CardKey,
    challenge: &[u8; CHALLENGE_LENGTH],
    target: PinKind,
    received: &[u8; RECEIPT_LENGTH],
) -> bool {
    let expected = receipt(key, challenge, pin_file(target));
    expected
        .iter()
        .zip(received)
        .fold(0u8, |difference, (a, b)| difference | (a ^ b))
        == 0
}

/// Splits the data field into its DO87 and DO8E, each with tag and length, refusing anything
/// else: one DO87 with padding indicator 01 and whole blocks, then one 8-byte DO8E.
fn split_data_objects(data: &[u8]) -> Result<(&[u8], &[u8]), CodecError> {
    if data.len() < 3 || data[0] != 0x87 {
        return Err(CodecError::Malformed);
    }
    let do87_len = data[1] as usize;
    if !(1 + 16..=0x7F).contains(&do87_len) || !(do87_len - 1).is_multiple_of(16) || data[2] != 0x01
    {
        return Err(CodecError::Malformed);
    }
    let (do87, do8e) = data
        .split_at_checked(2 + do87_len)
        .ok_or(CodecError::Malformed)?;
    if do8e.len() != 2 + MAC_LENGTH || do8e[0] != 0x8E || do8e[1] as usize != MAC_LENGTH {
        return Err(CodecError::Malformed);
    }
    Ok((do87, do8e))
}

fn mac_input(mac: &mut Cmac<Aes128>, pin_file: u16, do87: &[u8]) {
    mac.update(&pin_file.to_be_bytes());
    mac.update(&HEADER);
    mac.update(do87);
}

fn command_mac(mac_key: &[u8; 16], pin_file: u16, do87: &[u8]) -> [u8; MAC_LENGTH] {
    let mut mac = <Cmac<Aes128> as Mac>::new_from_slice(mac_key)
        .unwrap_or_else(|_| unreachable!("a 16-byte key is an AES-128 key"));
    mac_input(&mut mac, pin_file, do87);
    let full = mac.finalize().into_bytes();
    let mut truncated = [0u8; MAC_LENGTH];
    truncated.copy_from_slice(&full[..MAC_LENGTH]);
    truncated
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CardKey {
        CardKey::derive(
            &[7u8; 32],
            &CardId::new(b"issuer", &[0x01, 0x02]).expect("id"),
        )
    }

    const CHALLENGE: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];

    #[test]
    fn sealed_command_opens_to_the_same_pin() {
        for pin in [
            &b"1234"[..],
            b"ABC123",
            b"A1B2C3D4E5F6G7H8",
            b"ABCDEF123456789",
        ] {
            let command = seal(&key(), &CHALLENGE, PinKind::Signing, pin).expect("seals");
            let bytes = command.as_bytes();
            assert_eq!(&bytes[..4], &HEADER);
            assert_eq!(bytes[4] as usize, bytes.len() - 5);
            let opened = open(&key(), &CHALLENGE, 0x001B, &bytes[5..]).expect("opens");
            assert_eq!(opened.as_slice(), pin);
        }
    }

    #[test]
    fn a_sixteen_byte_pin_takes_two_blocks() {
        let command =
            seal(&key(), &CHALLENGE, PinKind::Signing, b"A1B2C3D4E5F6G7H8").expect("seals");
        // header 5 + DO87 (2 + 1 + 32) + DO8E (2 + 8)
        assert_eq!(command.as_bytes().len(), 5 + 35 + 10);
    }

    #[test]
    fn another_challenge_another_target_or_another_key_fails_the_mac() {
        let command = seal(&key(), &CHALLENGE, PinKind::Auth, b"4321").expect("seals");
        let data = &command.as_bytes()[5..];
        assert_eq!(open(&key(), &[0; 8], 0x0018, data), Err(CodecError::BadMac));
        assert_eq!(
            open(&key(), &CHALLENGE, 0x001B, data),
            Err(CodecError::BadMac)
        );
        let other = CardKey::derive(&[7u8; 32], &CardId::new(b"issuer", &[0x03]).expect("id"));
        assert_eq!(
            open(&other, &CHALLENGE, 0x0018, data),
            Err(CodecError::BadMac)
        );
        assert!(open(&key(), &CHALLENGE, 0x0018, data).is_ok());
    }

    #[test]
    fn any_flipped_bit_is_refused() {
        let command = seal(&key(), &CHALLENGE, PinKind::Auth, b"4321").expect("seals");
        let data = command.as_bytes()[5..].to_vec();
        for i in 0..data.len() {
            let mut tampered = data.clone();
            tampered[i] ^= 0x01;
            assert!(
                open(&key(), &CHALLENGE, 0x0018, &tampered).is_err(),
                "byte {i}"
            );
        }
    }

    #[test]
    fn malformed_data_objects_are_refused() {
        assert_eq!(
            open(&key(), &CHALLENGE, 0x0018, &[]),
            Err(CodecError::Malformed)
        );
        assert_eq!(
            open(&key(), &CHALLENGE, 0x0018, &[0x87, 0x11, 0x01]),
            Err(CodecError::Malformed)
        );
        let command = seal(&key(), &CHALLENGE, PinKind::Auth, b"4321").expect("seals");
        let data = &command.as_bytes()[5..];
        assert_eq!(
            open(&key(), &CHALLENGE, 0x0018, &data[..data.len() - 1]),
            Err(CodecError::Malformed)
        );
        let mut longer = data.to_vec();
        longer.push(0);
        assert_eq!(
            open(&key(), &CHALLENGE, 0x0018, &longer),
            Err(CodecError::Malformed)
        );
    }

    #[test]
    fn pins_longer_than_sixteen_bytes_are_not_sealed() {
        assert_eq!(
            seal(&key(), &CHALLENGE, PinKind::Signing, &[b'A'; 17]).unwrap_err(),
            CodecError::PinTooLong
        );
    }

    #[test]
    fn received_commands_are_checked_for_their_header() {
        let command = seal(&key(), &CHALLENGE, PinKind::Auth, b"4321").expect("seals");
        assert!(ResetCommand::from_bytes(command.as_bytes().to_vec()).is_ok());
        let mut wrong = command.as_bytes().to_vec();
        wrong[0] = 0x00;
        assert_eq!(ResetCommand::from_bytes(wrong), Err(CodecError::Malformed));
        let short = command.as_bytes()[..10].to_vec();
        assert_eq!(ResetCommand::from_bytes(short), Err(CodecError::Malformed));
    }

    #[test]
    fn a_receipt_names_one_challenge_one_pin_and_one_card() {
        let challenge = [7u8; CHALLENGE_LENGTH];
        let signing = receipt(&key(), &challenge, pin_file(PinKind::Signing));
        assert!(receipt_matches(
            &key(),
            &challenge,
            PinKind::Signing,
            &signing
        ));
        assert!(!receipt_matches(
            &key(),
            &challenge,
            PinKind::Auth,
            &signing
        ));
        assert!(!receipt_matches(
            &key(),
            &[8u8; CHALLENGE_LENGTH],
            PinKind::Signing,
            &signing
        ));
        let other_card = CardKey::from_bytes([0x55; 16]);
        assert!(!receipt_matches(
            &other_card,
            &challenge,
            PinKind::Signing,
            &signing
        ));
        // Not the command's MAC key material under another name.
        let command = seal(&key(), &challenge, PinKind::Signing, b"ABC123").expect("seal");
        assert!(
            !command
                .as_bytes()
                .windows(RECEIPT_LENGTH)
                .any(|w| w == signing)
        );
    }

    #[test]
    fn key_derivation_depends_on_master_and_card() {
        let id = CardId::new(b"issuer", &[0x01]).expect("id");
        let a = CardKey::derive(&[1u8; 32], &id);
        assert_eq!(a, CardKey::derive(&[1u8; 32], &id));
        assert_ne!(a, CardKey::derive(&[2u8; 32], &id));
        assert_ne!(
            a,
            CardKey::derive(&[1u8; 32], &CardId::new(b"issuer", &[0x02]).expect("id"))
        );
    }
}
