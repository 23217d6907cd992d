//! card-driver against the virtual card in the same process (the demo's path): no pcscd.

use card_driver::jpki::{Certificate, Jpki, JpkiError, PinState, Token};
use card_driver::pin::{AuthPin, PinKind, SigningPin};
use card_driver::reset_cryptogram::{self, CardId, CardKey};
use card_driver::transport::{Recording, TransportError};
use system_tests::{config_file, profile_path};
use virtual_card::{InProcessReader, PinId};

fn reader_with(profile: &str) -> InProcessReader {
    let reader = InProcessReader::new();
    reader.insert(virtual_card::load_card(&profile_path(profile)).expect("profile loads"));
    reader
}

#[test]
fn the_whole_card_side_of_a_signing_reset() {
    let reader = reader_with("signing-blocked");
    let mut jpki = Jpki::new(Recording::new(reader.connect().expect("card present")));
    jpki.select_application().expect("a My Number Card");
    assert_eq!(jpki.read_token(), Ok(Token::MyNumberCard));
    let auth_certificate = jpki
        .read_certificate(Certificate::Auth)
        .expect("auth certificate");
    assert_eq!(jpki.tries_left(PinKind::Auth), Ok(3));
    jpki.verify_auth_pin(&AuthPin::new("1234").expect("valid"))
        .expect("right PIN");
    jpki.sign_sha256(PinKind::Auth, &[7; 32])
        .expect("signs the centre's challenge");
    assert_eq!(jpki.tries_left(PinKind::Signing), Ok(0));

    let master = hex::decode(config_file("test-pki/master-key.hex").trim_ascii()).expect("hex");
    let key = CardKey::derive(
        &master,
        &CardId::from_auth_certificate(&auth_certificate).expect("id"),
    );
    let challenge = jpki.get_challenge().expect("challenge");
    let command =
        reset_cryptogram::seal(&key, &challenge, PinKind::Signing, b"NEWPASS1").expect("seal");
    jpki.reset_pin(PinKind::Signing, &command).expect("reset");
    assert_eq!(
        jpki.transport_mut().count(),
        1 + 2 + 5 + 2 + 1 + 2 + 2 + 1 + 1
    );

    assert_eq!(
        reader.with_card(|card| card.tries_left(PinId::Signing)),
        Some(Some(5))
    );
    jpki.verify_signing_pin(&SigningPin::new("newpass1").expect("valid"))
        .expect("the new password");
}

#[test]
fn a_card_pulled_or_swapped_is_not_the_connected_card() {
    let reader = reader_with("normal");
    let mut jpki = Jpki::new(reader.connect().expect("card present"));
    jpki.select_application().expect("selects");
    let card = reader.remove().expect("was there");
    assert_eq!(
        jpki.tries_left(PinKind::Auth),
        Err(JpkiError::Transport(TransportError::CardRemoved))
    );
    assert_eq!(reader.connect().err(), Some(TransportError::NoCard));
    // Put back: the old connection stays dead, a new one works.
    reader.insert(card);
    assert_eq!(
        jpki.tries_left(PinKind::Auth),
        Err(JpkiError::Transport(TransportError::CardRemoved))
    );
    assert_eq!(
        Jpki::new(reader.connect().expect("present")).tries_left(PinKind::Auth),
        Ok(3)
    );
}

#[test]
fn a_new_connection_starts_a_new_card_session() {
    let reader = reader_with("normal");
    let mut first = Jpki::new(reader.connect().expect("present"));
    first
        .verify_auth_pin(&AuthPin::new("1234").expect("valid"))
        .expect("right PIN");
    drop(first);
    // The verified state went with the connection (the card was reset).
    let mut second = Jpki::new(reader.connect().expect("present"));
    assert_eq!(
        second.sign_sha256(PinKind::Auth, &[1; 32]),
        Err(JpkiError::SecurityStatusNotSatisfied)
    );
}

#[test]
fn the_other_profiles_answer_as_their_cards() {
    let mut jpki = Jpki::new(reader_with("not-mynumber").connect().expect("present"));
    assert_eq!(jpki.select_application(), Err(JpkiError::NotMyNumberCard));

    let mut jpki = Jpki::new(reader_with("no-signing-cert").connect().expect("present"));
    assert_eq!(
        jpki.tries_left(PinKind::Signing),
        Err(JpkiError::FileNotFound(0x001B))
    );
    assert_eq!(
        jpki.read_certificate(Certificate::Signing),
        Err(JpkiError::FileNotFound(0x0001))
    );

    let mut jpki = Jpki::new(reader_with("auth-last-try").connect().expect("present"));
    assert_eq!(jpki.tries_left(PinKind::Auth), Ok(1));
    assert_eq!(
        jpki.verify_auth_pin(&AuthPin::new("0000").expect("valid")),
        Err(JpkiError::PinBlocked(PinKind::Auth))
    );
    assert_eq!(jpki.pin_state(PinKind::Auth), PinState::Blocked);
}

#[test]
fn a_bad_profile_names_the_field_and_the_problem() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let normal = std::fs::read_to_string(profile_path("normal")).expect("normal profile");
    let cases = [
        (
            "\"tries_left\": 3",
            "\"tries_left\": 4",
            "jpki.auth.tries_left",
            "more than the maximum of 3",
        ),
        (
            "\"pin\": \"1234\"",
            "\"pin\": \"12345\"",
            "jpki.auth.pin",
            "exactly 4 digits",
        ),
        (
            "\"pin\": \"ABC123\"",
            "\"pin\": \"abc123\"",
            "jpki.signing.pin",
            "6 to 16",
        ),
        ("3B E0 00 FF", "3B E0 00 FG", "atr", "not hex"),
        (
            "normal/auth-key.pem",
            "normal/missing.pem",
            "jpki.auth.private_key",
            "missing.pem",
        ),
    ];
    for (from, to, field, problem) in cases {
        let path = dir.path().join("bad.json");
        // Keep relative paths working from the temporary copy.
        let text = normal
            .replace(from, to)
            .replace(
                "\"normal/",
                &format!(
                    "\"{}/normal/",
                    profile_path("normal").parent().expect("dir").display()
                ),
            )
            .replace(
                "\"../test-pki",
                &format!(
                    "\"{}/../test-pki",
                    profile_path("normal").parent().expect("dir").display()
                ),
            );
        std::fs::write(&path, text).expect("write");
        let error = virtual_card::load_card(&path)
            .expect_err("refused")
            .to_string();
        assert!(
            error.contains(field) && error.contains(problem),
            "{field}: {error}"
        );
    }
}
