//! The virtual card against `jpki-card.md`, in raw APDUs: what any JPKI client would send, and
//! what the real card is documented to answer.

use std::path::PathBuf;

use card_driver::pin::PinKind;
use card_driver::reset_cryptogram::{self, CardId, CardKey};
use rsa::pkcs1v15::Pkcs1v15Sign;
use rsa::{RsaPublicKey, pkcs1::DecodeRsaPublicKey};
use sha2::{Digest, Sha256};
use virtual_card::{PowerEvent, VirtualCard};

const SELECT_JPKI: &str = "00A4040C0AD392F000260100000001";

fn profile(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../config/cards/{name}.json"))
}

fn card(name: &str) -> VirtualCard {
    virtual_card::load_card(&profile(name)).expect("profile loads")
}

/// Sends hex, returns (data, SW).
fn send(card: &mut VirtualCard, apdu: &str) -> (Vec<u8>, u16) {
    let compact: String = apdu.chars().filter(|c| !c.is_whitespace()).collect();
    send_bytes(card, &hex::decode(compact).expect("test hex"))
}

fn send_bytes(card: &mut VirtualCard, apdu: &[u8]) -> (Vec<u8>, u16) {
    let mut response = card.process(apdu);
    assert!(response.len() >= 2, "a card always answers a status word");
    let sw = response.split_off(response.len() - 2);
    (response, u16::from_be_bytes([sw[0], sw[1]]))
}

fn sw(card: &mut VirtualCard, apdu: &str) -> u16 {
    send(card, apdu).1
}

fn select_ef(card: &mut VirtualCard, fid: u16) -> u16 {
    sw(card, &format!("00A4020C02{fid:04X}"))
}

fn read_file(card: &mut VirtualCard, fid: u16) -> Vec<u8> {
    assert_eq!(select_ef(card, fid), 0x9000);
    let mut out = Vec::new();
    loop {
        let (data, status) = send(card, &format!("00B0{:04X}00", out.len()));
        out.extend_from_slice(&data);
        match status {
            0x9000 => continue,
            0x6282 | 0x6B00 => return out,
            other => panic!("READ BINARY answered {other:04X}"),
        }
    }
}

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../config")
            .join(path),
    )
    .expect("fixture")
}

#[test]
fn jpki_ap_selects_and_every_other_aid_is_not_found() {
    let mut card = card("normal");
    assert_eq!(sw(&mut card, SELECT_JPKI), 0x9000);
    for aid in [
        "D3921000310001010408",   // 券面事項入力補助AP: not modelled
        "D3921000310001010402",   // 券面AP
        "A000000308000010000100", // PIV
        "A0000000041010",         // a payment AID
        "D392F000260100000002",   // one off from JPKI-AP
    ] {
        let apdu = format!("00A4040C{:02X}{aid}", aid.len() / 2);
        assert_eq!(sw(&mut card, &apdu), 0x6A82, "{aid}");
    }
    // A card without the applet answers 6A82 to JPKI-AP itself.
    let mut other = card_named_not_mynumber();
    assert_eq!(sw(&mut other, SELECT_JPKI), 0x6A82);
}

fn card_named_not_mynumber() -> VirtualCard {
    card("not-mynumber")
}

#[test]
fn files_are_reached_only_inside_the_applet_and_only_by_p1_02() {
    let mut card = card("normal");
    assert_eq!(
        select_ef(&mut card, 0x000A),
        0x6A82,
        "no EF before JPKI-AP is selected"
    );
    assert_eq!(sw(&mut card, SELECT_JPKI), 0x9000);
    assert_eq!(sw(&mut card, "00A4000C02000A"), 0x6A86);
    assert_eq!(sw(&mut card, "00A4010C02000A"), 0x6A86);
    assert_eq!(select_ef(&mut card, 0x000A), 0x9000);
    assert_eq!(select_ef(&mut card, 0x1234), 0x6A82);
    assert_eq!(
        sw(&mut card, "00A4020C01000A"),
        0x6700,
        "Lc disagrees with the data"
    );
    assert_eq!(sw(&mut card, "00A4020C0100"), 0x6700, "a one-byte file id");
}

#[test]
fn certificates_read_back_byte_identical_with_offsets() {
    let mut card = card("normal");
    sw(&mut card, SELECT_JPKI);
    assert_eq!(
        read_file(&mut card, 0x000A),
        fixture("cards/normal/auth-cert.der")
    );
    assert_eq!(
        read_file(&mut card, 0x000B),
        fixture("test-pki/auth-ca.der")
    );
    assert_eq!(
        read_file(&mut card, 0x0002),
        fixture("test-pki/signing-ca.der")
    );

    let cert = fixture("cards/normal/auth-cert.der");
    select_ef(&mut card, 0x000A);
    // The DER header alone, as OpenSC reads it first.
    let (header, status) = send(&mut card, "00B0000004");
    assert_eq!((header.as_slice(), status), (&cert[..4], 0x9000));
    // An odd offset and length.
    let (middle, status) = send(&mut card, "00B0012345");
    assert_eq!(
        (middle.as_slice(), status),
        (&cert[0x123..0x123 + 0x45], 0x9000)
    );
    // Past the end: what is left, with 6282; at or beyond the end: 6B00.
    let last = cert.len() - 10;
    let (tail, status) = send(&mut card, &format!("00B0{last:04X}00"));
    assert_eq!((tail.as_slice(), status), (&cert[last..], 0x6282));
    assert_eq!(sw(&mut card, &format!("00B0{:04X}01", cert.len())), 0x6B00);
    // Short EF identifiers in P1 are not offered; READ BINARY without Le is malformed.
    assert_eq!(sw(&mut card, "00B0810000"), 0x6A86);
    assert_eq!(sw(&mut card, "00B00000"), 0x6700);
}

#[test]
fn the_token_is_32_bytes_nul_padded() {
    let mut card = card("normal");
    sw(&mut card, SELECT_JPKI);
    let token = read_file(&mut card, 0x0006);
    assert_eq!(token.len(), 0x20);
    assert_eq!(&token[..15], b"JPKIAPICCTOKEN2");
    assert!(token[15..].iter().all(|&b| b == 0));
}

#[test]
fn the_signing_certificate_needs_the_signing_pin() {
    let mut card = card("normal");
    sw(&mut card, SELECT_JPKI);
    assert_eq!(select_ef(&mut card, 0x0001), 0x9000);
    assert_eq!(sw(&mut card, "00B0000004"), 0x6982);
    // The auth PIN does not open it.
    select_ef(&mut card, 0x0018);
    assert_eq!(sw(&mut card, "002000800431323334"), 0x9000);
    select_ef(&mut card, 0x0001);
    assert_eq!(sw(&mut card, "00B0000004"), 0x6982);
    select_ef(&mut card, 0x001B);
    assert_eq!(
        sw(&mut card, &format!("0020008006{}", hex::encode(b"ABC123"))),
        0x9000
    );
    assert_eq!(
        read_file(&mut card, 0x0001),
        fixture("cards/normal/signing-cert.der")
    );
}

#[test]
fn empty_verify_reports_tries_and_never_uses_one() {
    let mut card = card("normal");
    sw(&mut card, SELECT_JPKI);
    select_ef(&mut card, 0x0018);
    for _ in 0..5 {
        assert_eq!(sw(&mut card, "00200080"), 0x63C3);
    }
    select_ef(&mut card, 0x001B);
    assert_eq!(sw(&mut card, "00200080"), 0x63C5);
    // Even right after a correct VERIFY it answers the counter, not 9000.
    assert_eq!(
        sw(&mut card, &format!("0020008006{}", hex::encode(b"ABC123"))),
        0x9000
    );
    assert_eq!(sw(&mut card, "00200080"), 0x63C5);
}

#[test]
fn wrong_auth_pins_count_down_then_block_with_63c0_then_6984() {
    let mut card = card("normal");
    sw(&mut card, SELECT_JPKI);
    select_ef(&mut card, 0x0018);
    assert_eq!(sw(&mut card, "002000800439393939"), 0x63C2);
    assert_eq!(sw(&mut card, "002000800439393939"), 0x63C1);
    assert_eq!(sw(&mut card, "002000800439393939"), 0x63C0);
    // Blocked: even the right PIN is refused, and the counter reads 0.
    assert_eq!(sw(&mut card, "002000800431323334"), 0x6984);
    assert_eq!(sw(&mut card, "00200080"), 0x63C0);
    // Counters survive power events.
    card.power(PowerEvent::Reset);
    sw(&mut card, SELECT_JPKI);
    select_ef(&mut card, 0x0018);
    assert_eq!(sw(&mut card, "00200080"), 0x63C0);
}

#[test]
fn a_correct_pin_restores_the_counter() {
    let mut card = card("normal");
    sw(&mut card, SELECT_JPKI);
    select_ef(&mut card, 0x001B);
    assert_eq!(
        sw(&mut card, &format!("0020008006{}", hex::encode(b"WRONG1"))),
        0x63C4
    );
    assert_eq!(
        sw(&mut card, &format!("0020008006{}", hex::encode(b"WRONG1"))),
        0x63C3
    );
    assert_eq!(
        sw(&mut card, &format!("0020008006{}", hex::encode(b"ABC123"))),
        0x9000
    );
    assert_eq!(sw(&mut card, "00200080"), 0x63C5);
}

#[test]
fn profiles_set_the_counters() {
    for (name, auth, signing) in [
        ("auth-blocked", 0x63C0, 0x63C5),
        ("auth-last-try", 0x63C1, 0x63C5),
        ("signing-blocked", 0x63C3, 0x63C0),
        ("signing-last-try", 0x63C3, 0x63C1),
    ] {
        let mut card = card(name);
        sw(&mut card, SELECT_JPKI);
        select_ef(&mut card, 0x0018);
        assert_eq!(sw(&mut card, "00200080"), auth, "{name} auth");
        select_ef(&mut card, 0x001B);
        assert_eq!(sw(&mut card, "00200080"), signing, "{name} signing");
    }
}

#[test]
fn a_holder_under_15_has_no_signing_files() {
    let mut card = card("no-signing-cert");
    sw(&mut card, SELECT_JPKI);
    for fid in [0x0001, 0x001A, 0x001B] {
        assert_eq!(select_ef(&mut card, fid), 0x6A82, "{fid:04X}");
    }
    assert_eq!(select_ef(&mut card, 0x000A), 0x9000);
    assert_eq!(
        select_ef(&mut card, 0x0002),
        0x9000,
        "the CA certificate is still there"
    );
}

#[test]
fn verify_needs_a_pin_ef() {
    let mut card = card("normal");
    sw(&mut card, SELECT_JPKI);
    assert_eq!(sw(&mut card, "00200080"), 0x6986, "no current EF");
    select_ef(&mut card, 0x000A);
    assert_eq!(
        sw(&mut card, "00200080"),
        0x6981,
        "a certificate is not a PIN"
    );
    select_ef(&mut card, 0x0018);
    assert_eq!(sw(&mut card, "00200081"), 0x6A86);
}

#[test]
fn sign_is_cla_80_needs_the_pin_and_pads_the_digest_info() {
    let mut card = card("normal");
    sw(&mut card, SELECT_JPKI);
    let digest: [u8; 32] = Sha256::digest(b"centre challenge").into();
    let mut digest_info = hex::decode("3031300d060960864801650304020105000420").expect("hex");
    digest_info.extend_from_slice(&digest);
    let sign = format!(
        "802A0080{:02X}{}00",
        digest_info.len(),
        hex::encode(&digest_info)
    );

    select_ef(&mut card, 0x0017);
    assert_eq!(send(&mut card, &sign).1, 0x6982, "no VERIFY yet");
    select_ef(&mut card, 0x0018);
    assert_eq!(sw(&mut card, "002000800431323334"), 0x9000);
    select_ef(&mut card, 0x0017);
    // The same command with CLA 00 is not this card's SIGN.
    assert_eq!(sw(&mut card, &format!("00{}", &sign[2..])), 0x6D00);
    let (signature, status) = send(&mut card, &sign);
    assert_eq!((signature.len(), status), (256, 0x9000));

    let cert = fixture("cards/normal/auth-cert.der");
    let (_, parsed) = x509_parser::parse_x509_certificate(&cert).expect("certificate");
    let public_key = RsaPublicKey::from_pkcs1_der(&parsed.public_key().subject_public_key.data)
        .expect("RSA key");
    public_key
        .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &signature)
        .expect("the signature verifies as RSASSA-PKCS1-v1_5 with SHA-256");

    // The auth PIN does not unlock the signing key.
    select_ef(&mut card, 0x001A);
    assert_eq!(send(&mut card, &sign).1, 0x6982);
}

#[test]
fn power_events_end_the_session_but_not_the_card() {
    let mut card = card("normal");
    sw(&mut card, SELECT_JPKI);
    select_ef(&mut card, 0x0018);
    assert_eq!(sw(&mut card, "002000800439393939"), 0x63C2);
    assert_eq!(sw(&mut card, "002000800431323334"), 0x9000);
    for event in [PowerEvent::Reset, PowerEvent::Off, PowerEvent::On] {
        card.power(event);
        // Nothing is selected any more.
        assert_eq!(sw(&mut card, "00B0000004"), 0x6986, "{event:?}");
        assert_eq!(select_ef(&mut card, 0x0017), 0x6A82, "{event:?}");
        sw(&mut card, SELECT_JPKI);
        select_ef(&mut card, 0x0017);
        assert_eq!(
            sw(&mut card, "802A00800401020304 00".replace(' ', "").as_str()),
            0x6982,
            "{event:?}: verified state is gone"
        );
    }
}

#[test]
fn unknown_instructions_classes_and_channels() {
    let mut card = card("normal");
    sw(&mut card, SELECT_JPKI);
    assert_eq!(sw(&mut card, "00CA010000"), 0x6D00);
    assert_eq!(sw(&mut card, "B0B0000004"), 0x6E00);
    assert_eq!(sw(&mut card, "01A4040C0AD392F000260100000001"), 0x6881);
    assert_eq!(sw(&mut card, "10A4040C0AD392F000260100000001"), 0x6884);
    assert_eq!(sw(&mut card, "00A4"), 0x6700);
    assert_eq!(
        sw(&mut card, "002C0280"),
        0x6987,
        "the reset only exists under secure messaging"
    );
}

fn reset_key_of(name: &str) -> CardKey {
    let master = hex::decode(fixture("test-pki/master-key.hex").trim_ascii()).expect("hex");
    let cert = fixture(&format!("cards/{name}/auth-cert.der"));
    CardKey::derive(
        &master,
        &CardId::from_auth_certificate(&cert).expect("card id"),
    )
}

fn challenge(card: &mut VirtualCard) -> [u8; 8] {
    let (data, status) = send(card, "0084000008");
    assert_eq!(status, 0x9000);
    data.try_into().expect("8 bytes")
}

#[test]
fn every_profile_carries_the_key_the_centre_derives() {
    // The Python generator and the Rust codec implement the derivation independently.
    for name in [
        "normal",
        "auth-blocked",
        "signing-blocked",
        "signing-revoked",
        "no-signing-cert",
    ] {
        let mut card = card(name);
        sw(&mut card, SELECT_JPKI);
        select_ef(&mut card, 0x0018);
        let challenge = challenge(&mut card);
        let command =
            reset_cryptogram::seal(&reset_key_of(name), &challenge, PinKind::Auth, b"2580")
                .expect("seal");
        assert_eq!(
            send_bytes(&mut card, command.as_bytes()).1,
            0x9000,
            "{name}"
        );
    }
}

#[test]
fn the_reset_unblocks_with_a_fresh_challenge_only() {
    let mut card = card("signing-blocked");
    let key = reset_key_of("signing-blocked");
    sw(&mut card, SELECT_JPKI);
    select_ef(&mut card, 0x001B);
    assert_eq!(sw(&mut card, "00200080"), 0x63C0);

    // No challenge yet.
    let stale = reset_cryptogram::seal(&key, &[0; 8], PinKind::Signing, b"NEWPASS9").expect("seal");
    assert_eq!(send_bytes(&mut card, stale.as_bytes()).1, 0x6985);

    // A challenge, but the cryptogram was made for another one: refused, and the challenge is spent.
    challenge(&mut card);
    assert_eq!(send_bytes(&mut card, stale.as_bytes()).1, 0x6988);

    let fresh = challenge(&mut card);
    let command =
        reset_cryptogram::seal(&key, &fresh, PinKind::Signing, b"NEWPASS9").expect("seal");
    assert_eq!(send_bytes(&mut card, command.as_bytes()).1, 0x9000);
    // Replaying the same command: the challenge is gone.
    assert_eq!(send_bytes(&mut card, command.as_bytes()).1, 0x6985);

    assert_eq!(sw(&mut card, "00200080"), 0x63C5, "counter restored");
    assert_eq!(
        sw(&mut card, &format!("0020008006{}", hex::encode(b"ABC123"))),
        0x63C4,
        "old PIN gone"
    );
    assert_eq!(
        sw(
            &mut card,
            &format!("0020008008{}", hex::encode(b"NEWPASS9"))
        ),
        0x9000
    );
}

#[test]
fn the_reset_is_bound_to_the_selected_pin_and_its_rules() {
    let mut card = card("normal");
    let key = reset_key_of("normal");
    sw(&mut card, SELECT_JPKI);
    // A cryptogram for the signing PIN sent with the auth PIN selected.
    select_ef(&mut card, 0x0018);
    let fresh = challenge(&mut card);
    let command =
        reset_cryptogram::seal(&key, &fresh, PinKind::Signing, b"NEWPASS9").expect("seal");
    assert_eq!(send_bytes(&mut card, command.as_bytes()).1, 0x6988);
    // A well-made cryptogram carrying a PIN the card's rules refuse.
    let fresh = challenge(&mut card);
    let command = reset_cryptogram::seal(&key, &fresh, PinKind::Auth, b"12345").expect("seal");
    assert_eq!(send_bytes(&mut card, command.as_bytes()).1, 0x6A80);
    assert_eq!(sw(&mut card, "00200080"), 0x63C3, "nothing changed");
    // Another card's key.
    let fresh = challenge(&mut card);
    let command = reset_cryptogram::seal(
        &reset_key_of("auth-blocked"),
        &fresh,
        PinKind::Auth,
        b"2580",
    )
    .expect("seal");
    assert_eq!(send_bytes(&mut card, command.as_bytes()).1, 0x6988);
    // The reset needs a PIN EF selected.
    select_ef(&mut card, 0x000A);
    let fresh = challenge(&mut card);
    let command = reset_cryptogram::seal(&key, &fresh, PinKind::Auth, b"2580").expect("seal");
    assert_eq!(send_bytes(&mut card, command.as_bytes()).1, 0x6981);
}

#[test]
fn a_power_event_clears_the_challenge() {
    let mut card = card("normal");
    let key = reset_key_of("normal");
    sw(&mut card, SELECT_JPKI);
    let fresh = challenge(&mut card);
    card.power(PowerEvent::Reset);
    sw(&mut card, SELECT_JPKI);
    select_ef(&mut card, 0x0018);
    let command = reset_cryptogram::seal(&key, &fresh, PinKind::Auth, b"2580").expect("seal");
    assert_eq!(send_bytes(&mut card, command.as_bytes()).1, 0x6985);
}

#[test]
fn get_challenge_is_fresh_and_eight_bytes() {
    let mut card = card("normal");
    sw(&mut card, SELECT_JPKI);
    let a = challenge(&mut card);
    let b = challenge(&mut card);
    assert_ne!(a, b);
    assert_eq!(sw(&mut card, "0084000010"), 0x6700);
}

#[test]
fn change_reference_data_needs_the_old_pin_verified() {
    let mut card = card("normal");
    sw(&mut card, SELECT_JPKI);
    select_ef(&mut card, 0x0018);
    assert_eq!(sw(&mut card, "002401800435353535"), 0x6982);
    assert_eq!(sw(&mut card, "002000800431323334"), 0x9000);
    assert_eq!(sw(&mut card, "00240180033535"), 0x6700, "Lc disagrees");
    assert_eq!(sw(&mut card, "0024018003353535"), 0x6A80, "three digits");
    assert_eq!(sw(&mut card, "002401800435353535"), 0x9000);
    assert_eq!(sw(&mut card, "002000800435353535"), 0x9000);
}

#[test]
fn the_history_keeps_headers_never_pins() {
    let mut card = card("normal");
    sw(&mut card, SELECT_JPKI);
    select_ef(&mut card, 0x0018);
    sw(&mut card, "002000800439393939");
    let history = serde_json::to_string(card.history()).expect("json");
    assert_eq!(card.history().len(), 3);
    assert_eq!(card.history()[2].ins, 0x20);
    assert_eq!(card.history()[2].data_len, 4);
    assert_eq!(card.history()[2].sw, 0x63C2);
    assert!(
        !history.contains("9999") && !history.contains("39393939"),
        "{history}"
    );
}

#[test]
fn the_receipt_of_the_last_reset_is_readable_without_a_pin_and_survives_power_events() {
    let mut card = card("normal");
    let key = reset_key_of("normal");
    sw(&mut card, SELECT_JPKI);
    select_ef(&mut card, 0x001B);
    // Never reset: the PIN's issue receipt, the card's own word that no reset was taken (each
    // PIN its own); the command needs the PIN EF selected and a length.
    let issued = reset_cryptogram::issue_receipt(&key, 0x001B);
    assert_eq!(send(&mut card, "80CA005200"), (issued.to_vec(), 0x9000));
    select_ef(&mut card, 0x0018);
    let auth_issued = send(&mut card, "80CA005200");
    assert_eq!(
        auth_issued,
        (
            reset_cryptogram::issue_receipt(&key, 0x0018).to_vec(),
            0x9000
        )
    );
    assert_ne!(auth_issued.0, issued.to_vec());
    select_ef(&mut card, 0x001B);
    assert_eq!(sw(&mut card, "80CA0052"), 0x6700);
    assert_eq!(sw(&mut card, "80CA005304"), 0x6A86);

    let fresh = challenge(&mut card);
    let command =
        reset_cryptogram::seal(&key, &fresh, PinKind::Signing, b"NEWPASS9").expect("seal");
    assert_eq!(send_bytes(&mut card, command.as_bytes()).1, 0x9000);
    assert_eq!(
        sw(&mut card, "80CA005204"),
        0x6C08,
        "Le too short: the right one"
    );
    let (data, status) = send(&mut card, "80CA005200");
    assert_eq!(status, 0x9000);
    let receipt: [u8; 8] = data.try_into().expect("8 bytes");
    assert!(reset_cryptogram::receipt_matches(
        &key,
        &fresh,
        PinKind::Signing,
        &receipt
    ));
    // A refused reset leaves the receipt of the last one that was taken.
    let other = challenge(&mut card);
    let refused = reset_cryptogram::seal(&key, &other, PinKind::Signing, b"short").expect("seal");
    assert_eq!(send_bytes(&mut card, refused.as_bytes()).1, 0x6A80);
    assert_eq!(send(&mut card, "80CA005208").0, receipt.to_vec());
    assert_eq!(sw(&mut card, "00200080"), 0x63C5, "reading it cost no try");

    // It is the card's, not the session's; the auth PIN still gives its issue receipt.
    card.power(PowerEvent::Reset);
    sw(&mut card, SELECT_JPKI);
    select_ef(&mut card, 0x001B);
    assert_eq!(send(&mut card, "80CA005208").0, receipt.to_vec());
    select_ef(&mut card, 0x0018);
    assert_eq!(
        send(&mut card, "80CA005208"),
        (
            reset_cryptogram::issue_receipt(&key, 0x0018).to_vec(),
            0x9000
        )
    );
    select_ef(&mut card, 0x000A);
    assert_eq!(sw(&mut card, "80CA005208"), 0x6981);
}
