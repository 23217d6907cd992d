//! The whole protocol, in-process, against the virtual card: the reset, every refusal, replays,
//! races, crashes and restarts.

mod common;

use card_driver::apdu::StatusWord;
use card_driver::jpki::JpkiError;
use card_driver::pin::{Pin, PinKind};
use card_driver::transport::{Transport, TransportError};
use common::*;
use reset_protocol::api::proof_digest;
use reset_protocol::kiosk_side::{self, StepError};
use reset_protocol::{CentreError, Outcome, Refusal, ReservationState, ResetCentre, ResetKind};

fn refused(refusal: Refusal) -> StepError {
    StepError::Centre(CentreError::Refused(refusal))
}

/// A proven signing-reset session and the centre's command that sets `new_password`, sealed for
/// the card challenge just read (not sent to the card yet).
fn commanded(
    kiosk: &dyn ResetCentre,
    reader: &virtual_card::InProcessReader,
    new_password: &str,
) -> (
    card_driver::jpki::Jpki<virtual_card::InProcessTransport>,
    reset_protocol::SessionId,
    card_driver::reset_cryptogram::ResetCommand,
) {
    let (mut jpki, session) = proven(kiosk, reader);
    let challenge = jpki.get_challenge().expect("challenge");
    let command = kiosk
        .reset_command(
            &session,
            &challenge,
            &Pin::Signing(signing_pin(new_password)),
        )
        .expect("command");
    (jpki, session, command)
}

fn full_reset(
    centre: &dyn ResetCentre,
    reader: &virtual_card::InProcessReader,
    new_pin: &str,
) -> Result<ReservationState, StepError> {
    kiosk_side::signing_reset(
        &mut connect(reader),
        centre,
        &auth_pin("1234"),
        signing_pin(new_pin),
    )
}

fn a_signing_reset_succeeds_once_then_the_reservation_is_used(database: Backend) {
    let centre = TestCentre::on(database);
    centre.reserve("signing-blocked", ResetKind::Signing);
    let reader = card("signing-blocked");
    assert_eq!(
        full_reset(&centre.kiosk(), &reader, "NEWPASS1"),
        Ok(ReservationState::Used)
    );
    assert!(
        signing_pin_is(&reader, "NEWPASS1"),
        "the card holds the new password"
    );
    assert!(!signing_pin_is(&reader, "ABC123"), "and not the old one");
    assert_eq!(
        full_reset(&centre.kiosk(), &reader, "OTHER22"),
        Err(refused(Refusal::ReservationUsed))
    );
    let reservations = centre.centre.reservations().expect("list");
    assert_eq!(reservations.len(), 1);
    assert!(reservations[0].used_at.is_some());
}

fn each_refusal_is_told_before_any_pin(database: Backend) {
    let check = |centre: &TestCentre, card: &str, kind: ResetKind| {
        centre
            .kiosk()
            .check_reservation(kind, &auth_certificate(card))
            .map(|_| ())
    };
    let centre = TestCentre::on(database);
    assert_eq!(
        check(&centre, "normal", ResetKind::Signing),
        Err(CentreError::Refused(Refusal::NoReservation))
    );

    centre.reserve("normal", ResetKind::Auth);
    assert_eq!(
        check(&centre, "normal", ResetKind::Signing),
        Err(CentreError::Refused(Refusal::WrongKind))
    );

    let day = chrono::Duration::hours(24);
    let second = chrono::Duration::seconds(1);
    centre.reserve_at(
        "signing-last-try",
        ResetKind::Signing,
        japan_morning() - day - second,
    );
    assert_eq!(
        check(&centre, "signing-last-try", ResetKind::Signing),
        Err(CentreError::Refused(Refusal::ReservationExpired))
    );
    centre.reserve_at(
        "signing-blocked",
        ResetKind::Signing,
        japan_morning() - day + second,
    );
    assert_eq!(
        check(&centre, "signing-blocked", ResetKind::Signing),
        Ok(()),
        "24 h − 1 s is still valid"
    );

    for (card, refusal) in [
        ("auth-expired", Refusal::CertExpired),
        ("signing-revoked", Refusal::CertRevoked),
        ("untrusted-ca", Refusal::CertUntrusted),
        ("no-signing-cert", Refusal::NoSigningCertificate),
    ] {
        centre.reserve(card, ResetKind::Signing);
        assert_eq!(
            check(&centre, card, ResetKind::Signing),
            Err(CentreError::Refused(refusal)),
            "{card}"
        );
    }
    // Not a JPKI certificate at all, and one whose signature was tampered with.
    let ca = std::fs::read(workspace().join("config/test-pki/signing-ca.der")).expect("CA");
    assert_eq!(
        centre.kiosk().check_reservation(ResetKind::Signing, &ca),
        Err(CentreError::Refused(Refusal::CertUntrusted))
    );
    let mut tampered = auth_certificate("signing-blocked");
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert_eq!(
        centre
            .kiosk()
            .check_reservation(ResetKind::Signing, &tampered),
        Err(CentreError::Refused(Refusal::CertUntrusted))
    );

    // 03:00 in Japan, then back in hours but in maintenance.
    centre
        .clock
        .set(japan_morning() - chrono::Duration::hours(7));
    assert_eq!(
        check(&centre, "signing-blocked", ResetKind::Signing),
        Err(CentreError::Refused(Refusal::OutsideHours))
    );
    centre.clock.set(japan_morning());
    centre.centre.set_maintenance(true).expect("maintenance");
    assert_eq!(
        check(&centre, "signing-blocked", ResetKind::Signing),
        Err(CentreError::Refused(Refusal::Maintenance))
    );
    centre.centre.set_maintenance(false).expect("maintenance");
    assert_eq!(
        check(&centre, "signing-blocked", ResetKind::Signing),
        Ok(())
    );
}

fn replayed_challenges_sessions_and_cryptograms_are_refused(database: Backend) {
    let centre = TestCentre::on(database);
    centre.reserve("signing-blocked", ResetKind::Signing);
    let kiosk = centre.kiosk();
    let reader = card("signing-blocked");
    let mut jpki = connect(&reader);
    let certificate = kiosk_side::read_identity(&mut jpki).expect("identity");
    jpki.verify_auth_pin(&auth_pin("1234")).expect("PIN");

    // A proof over another session's challenge does not verify, and ends that session.
    let first = kiosk
        .begin(ResetKind::Signing, &certificate)
        .expect("begin");
    let second = kiosk
        .begin(ResetKind::Signing, &certificate)
        .expect("begin");
    let signature = jpki
        .sign_sha256(
            PinKind::Auth,
            &proof_digest(&first.session, &first.challenge),
        )
        .expect("sign");
    assert_eq!(
        kiosk.prove(&second.session, &signature, None),
        Err(CentreError::Refused(Refusal::BadProof))
    );
    assert_eq!(
        kiosk.prove(&second.session, &signature, None),
        Err(CentreError::Refused(Refusal::SessionClosed))
    );
    // The right proof once; the same challenge answered again is refused.
    kiosk
        .prove(&first.session, &signature, None)
        .expect("proof");
    assert_eq!(
        kiosk.prove(&first.session, &signature, None),
        Err(CentreError::Refused(Refusal::ChallengeUsed))
    );

    let card_challenge = jpki.get_challenge().expect("challenge");
    let new_pin = Pin::Signing(signing_pin("NEWPASS1"));
    let command = kiosk
        .reset_command(&first.session, &card_challenge, &new_pin)
        .expect("command");
    assert_eq!(
        kiosk
            .reset_command(&first.session, &card_challenge, &new_pin)
            .err(),
        Some(CentreError::Refused(Refusal::CommandAlreadyIssued))
    );
    jpki.reset_pin(PinKind::Signing, &command).expect("reset");
    // The same cryptogram again: the card's challenge is spent.
    assert!(matches!(
        jpki.reset_pin(PinKind::Signing, &command),
        Err(JpkiError::ResetRefused(_))
    ));
    // The kiosk's word that the card took it moves nothing: the reservation stays claimed...
    assert_eq!(
        kiosk.complete(
            &first.session,
            Outcome::Card {
                sw: StatusWord::SUCCESS
            }
        ),
        Ok(ReservationState::Pending)
    );
    // ...until the card's own word, its receipt of this command, consumes it.
    let receipt = receipt_of(&mut jpki, PinKind::Signing);
    assert_eq!(
        kiosk.complete(&first.session, receipt),
        Ok(ReservationState::Used)
    );
    // Completing again is harmless and says the same.
    assert_eq!(
        kiosk.complete(&first.session, receipt),
        Ok(ReservationState::Used)
    );
    assert_eq!(
        kiosk.complete(&first.session, Outcome::Unchanged),
        Ok(ReservationState::Used)
    );
    // A finished session gives nothing more.
    assert_eq!(
        kiosk.reset_command(&first.session, &[9; 8], &new_pin).err(),
        Some(CentreError::Refused(Refusal::SessionClosed))
    );
    // Another kiosk cannot use this kiosk's session.
    let other_certificate = reset_center::store::KioskCertificate {
        sha256: [2; 32],
        serial: "02".to_string(),
    };
    let token = centre
        .centre
        .add_kiosk("STORE-0002", &other_certificate)
        .expect("kiosk");
    assert!(!token.is_empty());
    // Registered with that certificate and credential, and with nothing else.
    assert!(
        centre
            .centre
            .authenticate("STORE-0002", &other_certificate.sha256, &token)
            .expect("the database answers")
            .is_some()
    );
    assert!(
        centre
            .centre
            .authenticate("STORE-0002", &[3; 32], &token)
            .expect("the database answers")
            .is_none()
    );
    assert!(
        centre
            .centre
            .authenticate("STORE-0002", &other_certificate.sha256, "00")
            .expect("the database answers")
            .is_none()
    );
    let other = reset_center::InProcessCentre::new(centre.centre.clone(), "STORE-0002");
    assert_eq!(
        other.complete(&first.session, Outcome::Unchanged),
        Err(CentreError::Refused(Refusal::SessionUnknown))
    );
}

fn a_card_challenge_is_never_accepted_twice(database: Backend) {
    let centre = TestCentre::on(database);
    centre.reserve("normal", ResetKind::Signing);
    let kiosk = centre.kiosk();
    let reader = card("normal");
    let (mut jpki, session) = proven(&kiosk, &reader);
    let challenge = jpki.get_challenge().expect("challenge");
    let pin = Pin::Signing(signing_pin("NEWPASS1"));
    kiosk
        .reset_command(&session, &challenge, &pin)
        .expect("command");
    // The kiosk never sent it; the card's receipt (never reset) gives the reservation back.
    let receipt = receipt_of(&mut jpki, PinKind::Signing);
    assert_eq!(
        kiosk.complete(&session, receipt),
        Ok(ReservationState::Open)
    );
    let certificate = auth_certificate("normal");
    let session = kiosk_side::prove_holder(&mut jpki, &kiosk, ResetKind::Signing, &certificate)
        .expect("proof");
    assert_eq!(
        kiosk.reset_command(&session, &challenge, &pin).err(),
        Some(CentreError::Refused(Refusal::CardChallengeReused))
    );
}

fn sessions_expire_and_need_a_proof_first(database: Backend) {
    let centre = TestCentre::on(database);
    centre.reserve("normal", ResetKind::Signing);
    let kiosk = centre.kiosk();
    let certificate = auth_certificate("normal");
    let begun = kiosk
        .begin(ResetKind::Signing, &certificate)
        .expect("begin");
    assert_eq!(
        kiosk
            .reset_command(
                &begun.session,
                &[1; 8],
                &Pin::Signing(signing_pin("NEWPASS1"))
            )
            .err(),
        Some(CentreError::Refused(Refusal::ProofRequired))
    );
    centre.clock.advance(chrono::Duration::minutes(16));
    assert_eq!(
        kiosk.prove(&begun.session, &[0; 256], None),
        Err(CentreError::Refused(Refusal::SessionExpired))
    );
}

fn an_unknown_outcome_holds_the_reservation_until_its_lease_ends(database: Backend) {
    let centre = TestCentre::on(database);
    centre.reserve("normal", ResetKind::Signing);
    let kiosk = centre.kiosk();
    let reader = card("normal");
    let (mut jpki, session, command) = commanded(&kiosk, &reader, "NEWPASS1");
    assert_eq!(
        kiosk.complete(&session, Outcome::Unknown),
        Ok(ReservationState::Pending)
    );
    let certificate = auth_certificate("normal");
    assert_eq!(
        kiosk.check_reservation(ResetKind::Signing, &certificate),
        Err(CentreError::Refused(Refusal::ReservationInUse))
    );
    centre.clock.advance(chrono::Duration::seconds(121));
    assert!(
        kiosk
            .check_reservation(ResetKind::Signing, &certificate)
            .is_ok()
    );
    // The card's word, learnt late, still settles it.
    jpki.reset_pin(PinKind::Signing, &command)
        .expect("the card takes it late");
    let receipt = receipt_of(&mut jpki, PinKind::Signing);
    assert_eq!(
        kiosk.complete(&session, receipt),
        Ok(ReservationState::Used)
    );
}

/// Retention (docs/reset-center.md): sessions, with the certificates they hold, go once
/// `retention.session_days` old; a reservation once it can no longer be used or claimed and the
/// audit period has passed; nothing younger goes.
fn what_retention_no_longer_keeps_is_deleted(database: Backend) {
    let centre = TestCentre::on(database);
    let (retention, config) = (centre.config.retention, &centre.config);
    let purge = || centre.centre.purge().expect("purged");
    centre.reserve("signing-blocked", ResetKind::Signing);
    let reader = card("signing-blocked");
    assert_eq!(
        full_reset(&centre.kiosk(), &reader, "NEWPASS1"),
        Ok(ReservationState::Used)
    );
    // A second holder proved and went away.
    centre.reserve("normal", ResetKind::Signing);
    let (_jpki, abandoned) = proven(&centre.kiosk(), &card("normal"));
    assert_eq!(purge(), reset_center::store::Purged::default());
    centre
        .clock
        .advance(retention.sessions - chrono::Duration::seconds(1));
    assert_eq!(purge(), reset_center::store::Purged::default());
    // A reservation made now stays through everything below.
    centre.reserve("signing-last-try", ResetKind::Signing);
    centre.clock.advance(chrono::Duration::seconds(2));
    assert_eq!(
        purge(),
        reset_center::store::Purged {
            sessions: 2,
            card_challenges: 1,
            reservations: 0
        }
    );
    assert_eq!(
        centre.kiosk().complete(&abandoned, Outcome::Unchanged),
        Err(CentreError::Refused(Refusal::SessionUnknown))
    );
    assert_eq!(centre.centre.reservations().expect("listed").len(), 3);
    // The first two reservations: made at the start, over after validity and a lease.
    centre.clock.set(
        japan_morning()
            + config.reservation_validity
            + config.claim_lease
            + retention.reservation_audit
            + chrono::Duration::seconds(1),
    );
    assert_eq!(purge().reservations, 2);
    let kept = centre.centre.reservations().expect("listed");
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].serial, card_serial("signing-last-try"));
}

fn card_serial(card: &str) -> String {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let der = auth_certificate(card);
    let (_, certificate) = X509Certificate::from_der(&der).expect("a certificate");
    hex::encode(certificate.raw_serial())
}

fn two_kiosks_racing_for_one_reservation_make_exactly_one_reset(database: Backend) {
    let centre = TestCentre::on(database);
    centre.reserve("normal", ResetKind::Signing);
    // Two copies of the same card (the same identity) at two kiosks.
    let readers = [card("normal"), card("normal")];
    let barrier = std::sync::Barrier::new(2);
    let results: Vec<Result<ReservationState, StepError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = readers
            .iter()
            .enumerate()
            .map(|(i, reader)| {
                let kiosk = centre.kiosk();
                let barrier = &barrier;
                scope.spawn(move || {
                    let mut jpki = connect(reader);
                    let certificate = kiosk_side::read_identity(&mut jpki)?;
                    jpki.verify_auth_pin(&auth_pin("1234"))?;
                    let session = kiosk_side::prove_holder(
                        &mut jpki,
                        &kiosk,
                        ResetKind::Signing,
                        &certificate,
                    )?;
                    barrier.wait();
                    let pin = Pin::Signing(signing_pin(&format!("RACE{i}PIN")));
                    kiosk_side::reset(&mut jpki, &kiosk, &session, ResetKind::Signing, &pin)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    one_winner_one_refused(&results, "in-process race");
    let reset_cards = readers
        .iter()
        .enumerate()
        .filter(|(i, reader)| signing_pin_is(reader, &format!("RACE{i}PIN")))
        .count();
    assert_eq!(reset_cards, 1, "exactly one card was reset");
}

fn a_centre_killed_between_command_and_completion_stays_consistent(database: Backend) {
    let mut centre = TestCentre::on(database);
    centre.reserve("normal", ResetKind::Signing);
    let reader = card("normal");

    // 1. The command reaches the card, the centre dies before the completion.
    let (mut jpki, session) = proven(&centre.kiosk(), &reader);
    let challenge = jpki.get_challenge().expect("challenge");
    let command = centre
        .kiosk()
        .reset_command(&session, &challenge, &Pin::Signing(signing_pin("NEWPASS1")))
        .expect("command");
    centre.restart();
    jpki.reset_pin(PinKind::Signing, &command)
        .expect("the card takes it");
    // The kiosk delivers the card's receipt to the restarted centre.
    let receipt = receipt_of(&mut jpki, PinKind::Signing);
    assert_eq!(
        centre.kiosk().complete(&session, receipt),
        Ok(ReservationState::Used)
    );
    assert!(signing_pin_is(&reader, "NEWPASS1"));

    // 2. The centre dies before the command is sent: the card keeps its PIN, the reservation
    // comes back, and a retry works.
    centre.reserve("signing-blocked", ResetKind::Signing);
    let reader = card("signing-blocked");
    let (mut jpki, session) = proven(&centre.kiosk(), &reader);
    let challenge = jpki.get_challenge().expect("challenge");
    centre
        .kiosk()
        .reset_command(&session, &challenge, &Pin::Signing(signing_pin("NEWPASS2")))
        .expect("command");
    centre.restart();
    let receipt = receipt_of(&mut jpki, PinKind::Signing);
    drop(jpki);
    assert_eq!(
        centre.kiosk().complete(&session, receipt),
        Ok(ReservationState::Open)
    );
    assert_eq!(
        connect(&reader).tries_left(PinKind::Signing),
        Ok(0),
        "the card did not change"
    );
    assert_eq!(
        full_reset(&centre.kiosk(), &reader, "NEWPASS2"),
        Ok(ReservationState::Used)
    );
}

fn reservations_survive_a_restart(database: Backend) {
    let mut centre = TestCentre::on(database);
    let id = centre.reserve("normal", ResetKind::Signing);
    centre.restart();
    let reservations = centre.centre.reservations().expect("list");
    assert_eq!(
        reservations.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![id]
    );
    assert_eq!(
        full_reset(&centre.kiosk(), &card("normal"), "NEWPASS1"),
        Ok(ReservationState::Used)
    );
}

/// A transport that delivers the reset command to the card but loses its answer.
struct LosesResetAnswer(virtual_card::InProcessTransport);

impl Transport for LosesResetAnswer {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let answer = self.0.transmit(command)?;
        if command.first() == Some(&0x0C) {
            return Err(TransportError::Timeout(std::time::Duration::from_secs(5)));
        }
        Ok(answer)
    }
}

/// A card without the stand-in's receipt command (as a real card may be): `6D00` to it.
struct NoReceiptCommand<T>(T);

impl<T: Transport> Transport for NoReceiptCommand<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if command.starts_with(&[0x80, 0xCA]) {
            return Ok(vec![0x6D, 0x00]);
        }
        self.0.transmit(command)
    }
}

/// A transport that loses the reset command on its way to the card (and so its answer).
struct LosesResetCommand(virtual_card::InProcessTransport);

impl Transport for LosesResetCommand {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if command.first() == Some(&0x0C) {
            return Err(TransportError::Timeout(std::time::Duration::from_secs(5)));
        }
        self.0.transmit(command)
    }
}

fn a_lost_answer_is_read_back_by_the_cards_receipt_without_a_try(database: Backend) {
    for profile in ["signing-blocked", "normal"] {
        let centre = TestCentre::on(database);
        centre.reserve(profile, ResetKind::Signing);
        let reader = card(profile);
        let mut jpki =
            card_driver::jpki::Jpki::new(LosesResetAnswer(reader.connect().expect("card")));
        let result = kiosk_side::signing_reset(
            &mut jpki,
            &centre.kiosk(),
            &auth_pin("1234"),
            signing_pin("NEWPASS1"),
        );
        assert_eq!(result, Ok(ReservationState::Used), "{profile}");
        drop(jpki);
        assert!(signing_pin_is(&reader, "NEWPASS1"), "{profile}");
    }
    // The command never reached a card whose counter was full: the receipt (none) says so,
    // and no try of the old password was spent finding out.
    let centre = TestCentre::on(database);
    centre.reserve("normal", ResetKind::Signing);
    let reader = card("normal");
    let mut jpki = card_driver::jpki::Jpki::new(LosesResetCommand(reader.connect().expect("card")));
    let result = kiosk_side::signing_reset(
        &mut jpki,
        &centre.kiosk(),
        &auth_pin("1234"),
        signing_pin("NEWPASS1"),
    );
    assert_eq!(result, Ok(ReservationState::Open));
    drop(jpki);
    assert_eq!(
        reader.with_card(|card| card.tries_left(virtual_card::PinId::Signing)),
        Some(Some(5))
    );
    assert_eq!(
        full_reset(&centre.kiosk(), &reader, "NEWPASS1"),
        Ok(ReservationState::Used),
        "the reservation is usable again"
    );
}

fn the_centre_takes_only_this_sessions_receipt_as_the_reset(database: Backend) {
    let centre = TestCentre::on(database);
    centre.reserve("normal", ResetKind::Signing);
    let reader = card("normal");
    let kiosk = centre.kiosk();
    // A reset the card took, whose answer the kiosk never saw.
    let (mut jpki, first, command) = commanded(&kiosk, &reader, "NEWPASS1");
    jpki.reset_pin(PinKind::Signing, &command).expect("taken");
    let receipt = jpki
        .reset_receipt(PinKind::Signing)
        .expect("receipt")
        .expect("the card keeps one");
    // Another session's command, never taken: the same receipt is not its reset.
    centre.reserve("normal", ResetKind::Signing);
    let (_jpki, second, _command) = commanded(&kiosk, &reader, "NEWPASS2");
    assert_eq!(
        kiosk.complete(&second, Outcome::Receipt { receipt }),
        Ok(ReservationState::Open)
    );
    assert_eq!(
        kiosk.complete(&first, Outcome::Receipt { receipt }),
        Ok(ReservationState::Used)
    );
    // A forged receipt is no proof either way: the reservation stays claimed until its lease
    // ends, neither used nor given back early.
    let mut forged = receipt;
    forged[0] ^= 1;
    centre.reserve("normal", ResetKind::Signing);
    let (_jpki, third, _command) = commanded(&kiosk, &reader, "NEWPASS3");
    assert_eq!(
        kiosk.complete(&third, Outcome::Receipt { receipt: forged }),
        Ok(ReservationState::Pending)
    );
    // Nor is the issue receipt of a card whose PIN was reset since.
    let key = card_key_of("normal");
    let issued = card_driver::reset_cryptogram::issue_receipt(
        &key,
        card_driver::reset_cryptogram::pin_file(PinKind::Signing),
    );
    assert_eq!(
        kiosk.complete(&third, Outcome::Receipt { receipt: issued }),
        Ok(ReservationState::Pending)
    );
}

fn a_receipt_replaced_by_a_later_reset_proves_nothing(database: Backend) {
    let centre = TestCentre::on(database);
    let reader = card("normal");
    let kiosk = centre.kiosk();
    // Two reservations (the holder made a second one).
    centre.reserve("normal", ResetKind::Signing);
    centre.reserve("normal", ResetKind::Signing);
    // Session A's command is taken, but its answer is lost and nobody reports it yet.
    let (mut jpki, a, command) = commanded(&kiosk, &reader, "NEWPASS1");
    jpki.reset_pin(PinKind::Signing, &command).expect("taken");
    // The holder resets again (B) on the other reservation, which the card takes too.
    let (mut jpki, b, command) = commanded(&kiosk, &reader, "NEWPASS2");
    jpki.reset_pin(PinKind::Signing, &command).expect("taken");
    let receipt = jpki
        .reset_receipt(PinKind::Signing)
        .expect("receipt")
        .expect("one");
    assert_eq!(
        kiosk.complete(&b, Outcome::Receipt { receipt }),
        Ok(ReservationState::Used)
    );
    // The card's receipt is B's now: it tells nothing of A, whose reservation stays held (not
    // given back as if A's command had not been taken) until its lease ends.
    assert_eq!(
        kiosk.complete(&a, Outcome::Receipt { receipt }),
        Ok(ReservationState::Pending)
    );
}

fn without_the_receipt_command_a_lost_answer_is_read_back_by_the_counter(database: Backend) {
    for (profile, how) in [
        ("signing-blocked", "counter restored"),
        ("normal", "new password verifies"),
    ] {
        let centre = TestCentre::on(database);
        centre.reserve(profile, ResetKind::Signing);
        let reader = card(profile);
        let mut jpki = card_driver::jpki::Jpki::new(NoReceiptCommand(LosesResetAnswer(
            reader.connect().expect("card"),
        )));
        let result = kiosk_side::signing_reset(
            &mut jpki,
            &centre.kiosk(),
            &auth_pin("1234"),
            signing_pin("NEWPASS1"),
        );
        // The card holds the new password, but without its receipt the centre has only the
        // kiosk's word: the reservation stays claimed until the lease ends.
        assert_eq!(result, Ok(ReservationState::Pending), "{profile}: {how}");
        drop(jpki);
        assert!(signing_pin_is(&reader, "NEWPASS1"), "{profile}");
    }
}

fn a_refused_cryptogram_gives_the_reservation_back(database: Backend) {
    let centre = TestCentre::on(database);
    centre.reserve("normal", ResetKind::Signing);
    let reader = card("normal");
    let kiosk = centre.kiosk();
    let (_jpki, session, command) = commanded(&kiosk, &reader, "NEWPASS1");
    // A power event clears the card's challenge before the command arrives.
    reader.with_card(|card| card.power(virtual_card::PowerEvent::Reset));
    let mut jpki = connect(&reader);
    let refused = jpki.reset_pin(PinKind::Signing, &command);
    assert!(
        matches!(refused, Err(JpkiError::ResetRefused(_))),
        "{refused:?}"
    );
    // The kiosk's word that the card refused it gives nothing back; the card's receipt (it
    // was never reset) does.
    assert_eq!(
        kiosk.complete(
            &session,
            Outcome::Card {
                sw: StatusWord(0x6985)
            }
        ),
        Ok(ReservationState::Pending)
    );
    let receipt = receipt_of(&mut jpki, PinKind::Signing);
    drop(jpki);
    assert_eq!(
        kiosk.complete(&session, receipt),
        Ok(ReservationState::Open)
    );
    assert_eq!(
        full_reset(&kiosk, &reader, "NEWPASS1"),
        Ok(ReservationState::Used)
    );
}

fn only_the_cards_current_receipt_gives_a_reservation_back(database: Backend) {
    let centre = TestCentre::on(database);
    let reader = card("normal");
    let kiosk = centre.kiosk();
    let key = card_key_of("normal");
    let issued = card_driver::reset_cryptogram::issue_receipt(
        &key,
        card_driver::reset_cryptogram::pin_file(PinKind::Signing),
    );
    // Two resets the card took, each settled by its receipt.
    let mut receipts = Vec::new();
    for pin in ["NEWPASS1", "NEWPASS2"] {
        centre.reserve("normal", ResetKind::Signing);
        let (mut jpki, session, command) = commanded(&kiosk, &reader, pin);
        jpki.reset_pin(PinKind::Signing, &command).expect("taken");
        let receipt = receipt_of(&mut jpki, PinKind::Signing);
        assert_eq!(
            kiosk.complete(&session, receipt),
            Ok(ReservationState::Used)
        );
        receipts.push(receipt);
    }
    // A third command, never sent to the card.
    centre.reserve("normal", ResetKind::Signing);
    let (mut jpki, third, _command) = commanded(&kiosk, &reader, "NEWPASS3");
    // Receipts the card can no longer give, replayed, give nothing back: the issue receipt and
    // the first reset's.
    for stale in [Outcome::Receipt { receipt: issued }, receipts[0]] {
        assert_eq!(kiosk.complete(&third, stale), Ok(ReservationState::Pending));
    }
    // The card's current word (the second reset's receipt, read from the card) does.
    let current = receipt_of(&mut jpki, PinKind::Signing);
    assert_eq!(current, receipts[1]);
    assert_eq!(kiosk.complete(&third, current), Ok(ReservationState::Open));
    // And a card challenge of all zeros (the issue receipt's) is never sealed for.
    centre.reserve("normal", ResetKind::Signing);
    let (_jpki, fourth) = proven(&kiosk, &reader);
    assert_eq!(
        kiosk
            .reset_command(&fourth, &[0; 8], &Pin::Signing(signing_pin("NEWPASS4")))
            .err(),
        Some(CentreError::Refused(Refusal::BadRequest))
    );
}

on_both_databases!(
    what_retention_no_longer_keeps_is_deleted,
    a_signing_reset_succeeds_once_then_the_reservation_is_used,
    each_refusal_is_told_before_any_pin,
    replayed_challenges_sessions_and_cryptograms_are_refused,
    a_card_challenge_is_never_accepted_twice,
    sessions_expire_and_need_a_proof_first,
    an_unknown_outcome_holds_the_reservation_until_its_lease_ends,
    two_kiosks_racing_for_one_reservation_make_exactly_one_reset,
    a_centre_killed_between_command_and_completion_stays_consistent,
    reservations_survive_a_restart,
    a_lost_answer_is_read_back_by_the_cards_receipt_without_a_try,
    the_centre_takes_only_this_sessions_receipt_as_the_reset,
    a_receipt_replaced_by_a_later_reset_proves_nothing,
    without_the_receipt_command_a_lost_answer_is_read_back_by_the_counter,
    a_refused_cryptogram_gives_the_reservation_back,
    only_the_cards_current_receipt_gives_a_reservation_back,
);
