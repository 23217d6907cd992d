//! The auth-PIN reset through the centre, in-process, against the virtual card: the holder
//! proves with the signing key, the signing certificate must be this card's, and the
//! reservation must be of kind auth.

mod common;

use card_driver::jpki::{Certificate, JpkiError};
use common::*;
use reset_protocol::api::proof_digest;
use reset_protocol::kiosk_side::{self, StepError};
use reset_protocol::{CentreError, Refusal, ReservationState, ResetCentre, ResetKind};

fn refused(refusal: Refusal) -> StepError {
    StepError::Centre(CentreError::Refused(refusal))
}

fn auth_reset(
    centre: &dyn ResetCentre,
    reader: &virtual_card::InProcessReader,
    signing_password: &str,
    new_pin: &str,
) -> Result<ReservationState, StepError> {
    kiosk_side::auth_reset(
        &mut connect(reader),
        centre,
        &signing_pin(signing_password),
        auth_pin(new_pin),
    )
}

fn an_auth_reset_succeeds_once_then_the_reservation_is_used(database: Backend) {
    let centre = TestCentre::on(database);
    centre.reserve("auth-blocked", ResetKind::Auth);
    let reader = card("auth-blocked");
    assert_eq!(
        auth_reset(&centre.kiosk(), &reader, "ABC123", "5678"),
        Ok(ReservationState::Used)
    );
    assert!(auth_pin_is(&reader, "5678"), "the card holds the new PIN");
    assert!(!auth_pin_is(&reader, "1234"), "and not the old one");
    assert!(
        signing_pin_is(&reader, "ABC123"),
        "the signing password is untouched"
    );
    assert_eq!(
        auth_reset(&centre.kiosk(), &reader, "ABC123", "9012"),
        Err(refused(Refusal::ReservationUsed))
    );
    assert!(auth_pin_is(&reader, "5678"));
}

fn a_wrong_signing_password_costs_a_try_and_keeps_the_reservation(database: Backend) {
    let centre = TestCentre::on(database);
    centre.reserve("normal", ResetKind::Auth);
    let reader = card("normal");
    assert_eq!(
        auth_reset(&centre.kiosk(), &reader, "WRONG1", "5678"),
        Err(StepError::Card(JpkiError::WrongPin {
            kind: card_driver::pin::PinKind::Signing,
            tries_left: 4
        }))
    );
    let reservations = centre.centre.reservations().expect("list");
    assert!(reservations[0].used_at.is_none(), "still open");
    assert_eq!(
        auth_reset(&centre.kiosk(), &reader, "ABC123", "5678"),
        Ok(ReservationState::Used)
    );
}

fn only_an_auth_reservation_opens_an_auth_reset(database: Backend) {
    let centre = TestCentre::on(database);
    centre.reserve("normal", ResetKind::Signing);
    let reader = card("normal");
    assert_eq!(
        auth_reset(&centre.kiosk(), &reader, "ABC123", "5678"),
        Err(refused(Refusal::WrongKind))
    );
    assert!(auth_pin_is(&reader, "1234"), "nothing changed on the card");
    for (profile, refusal) in [
        ("no-signing-cert", Refusal::NoSigningCertificate),
        ("auth-expired", Refusal::CertExpired),
        ("untrusted-ca", Refusal::CertUntrusted),
        ("signing-revoked", Refusal::CertRevoked),
    ] {
        centre.reserve(profile, ResetKind::Auth);
        assert_eq!(
            centre
                .kiosk()
                .check_reservation(ResetKind::Auth, &auth_certificate(profile)),
            Err(CentreError::Refused(refusal)),
            "{profile}"
        );
    }
}

fn the_proof_must_be_made_with_this_cards_signing_key(database: Backend) {
    let centre = TestCentre::on(database);
    centre.reserve("normal", ResetKind::Auth);
    let kiosk = centre.kiosk();
    let reader = card("normal");
    let other = card("signing-last-try");
    let mut jpki = connect(&reader);
    let certificate = kiosk_side::read_identity(&mut jpki).expect("identity");
    jpki.verify_auth_pin(&auth_pin("1234")).expect("auth PIN");
    jpki.verify_signing_pin(&signing_pin("ABC123"))
        .expect("signing password");
    let own_signing_certificate = jpki
        .read_certificate(Certificate::Signing)
        .expect("signing certificate");
    let other_signing_certificate = {
        let mut other = connect(&other);
        other.select_application().expect("select");
        other
            .verify_signing_pin(&signing_pin("ABC123"))
            .expect("other password");
        other
            .read_certificate(Certificate::Signing)
            .expect("other certificate")
    };

    let attempt = |key: card_driver::pin::PinKind, certificate_sent: Option<&[u8]>| {
        let begun = kiosk
            .begin(ResetKind::Auth, &certificate)
            .expect("a session");
        let digest = proof_digest(&begun.session, &begun.challenge);
        let mut jpki = connect(&reader);
        jpki.select_application().expect("select");
        match key {
            card_driver::pin::PinKind::Auth => jpki.verify_auth_pin(&auth_pin("1234")),
            card_driver::pin::PinKind::Signing => jpki.verify_signing_pin(&signing_pin("ABC123")),
        }
        .expect("PIN");
        let signature = jpki.sign_sha256(key, &digest).expect("signature");
        kiosk.prove(&begun.session, &signature, certificate_sent)
    };
    // The auth key is the wrong key for an auth-PIN reset.
    assert_eq!(
        attempt(
            card_driver::pin::PinKind::Auth,
            Some(&own_signing_certificate)
        ),
        Err(CentreError::Refused(Refusal::BadProof))
    );
    // No signing certificate, or another card's.
    assert_eq!(
        attempt(card_driver::pin::PinKind::Signing, None),
        Err(CentreError::Refused(Refusal::BadRequest))
    );
    assert!(
        attempt(
            card_driver::pin::PinKind::Signing,
            Some(&other_signing_certificate)
        )
        .is_err(),
        "another card's signing certificate is refused"
    );
    // The right key and certificate.
    assert_eq!(
        attempt(
            card_driver::pin::PinKind::Signing,
            Some(&own_signing_certificate)
        ),
        Ok(())
    );
}

on_both_databases!(
    an_auth_reset_succeeds_once_then_the_reservation_is_used,
    a_wrong_signing_password_costs_a_try_and_keeps_the_reservation,
    only_an_auth_reservation_opens_an_auth_reset,
    the_proof_must_be_made_with_this_cards_signing_key,
);
