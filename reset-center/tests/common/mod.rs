//! Shared set-up for the centre's tests: a centre on a temporary database with a clock the test
//! moves, virtual cards in-process, and the kiosk's steps.

#![allow(dead_code)]

pub mod postgres_server;
pub mod server;

use std::path::PathBuf;
use std::sync::Arc;

use card_driver::jpki::Jpki;
use card_driver::pin::{AuthPin, SigningPin};
use chrono::{DateTime, TimeZone, Utc};
use reset_center::{Centre, CentreConfig, InProcessCentre, ManualClock};
use reset_protocol::ResetKind;
use virtual_card::{InProcessReader, InProcessTransport};

pub const KIOSK: &str = "STORE-0001";

pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn auth_certificate(card: &str) -> Vec<u8> {
    std::fs::read(workspace().join(format!("config/cards/{card}/auth-cert.der")))
        .expect("auth certificate")
}

/// 2026-11-27 10:00 in Japan: inside service hours.
pub fn japan_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 1, 0, 0)
        .single()
        .expect("valid time")
}

/// The database a test's centre keeps its state in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A file in the test's directory.
    Sqlite,
    /// A database on the test's own PostgreSQL server.
    Postgres,
}

/// Runs each named test, a `fn name(database: Backend)`, once on SQLite and once on
/// PostgreSQL (as `sqlite::name` and `postgres::name`): the store's conformance suite.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                super::$name($crate::common::Backend::Sqlite)
            })*
        }
        mod postgres {
            $(#[test]
            fn $name() {
                super::$name($crate::common::Backend::Postgres)
            })*
        }
    };
}

pub struct TestCentre {
    pub centre: Arc<Centre>,
    pub clock: Arc<ManualClock>,
    pub config: CentreConfig,
    /// Declared before the directory: the server stops before its files go.
    pub postgres: Option<postgres_server::PostgresServer>,
    _dir: tempfile::TempDir,
}

impl TestCentre {
    /// A centre on SQLite.
    pub fn new() -> TestCentre {
        TestCentre::on(Backend::Sqlite)
    }

    pub fn on(database: Backend) -> TestCentre {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut config =
            CentreConfig::load(&workspace().join("config/reset-center.json")).expect("config");
        let postgres = match database {
            Backend::Sqlite => {
                config.database =
                    reset_center::store::Database::Sqlite(dir.path().join("centre.sqlite"));
                None
            }
            Backend::Postgres => {
                let server = postgres_server::PostgresServer::start();
                config.database = reset_center::store::Database::parse(
                    &server.create_database(),
                    dir.path(),
                    &config.database_options,
                )
                .expect("a PostgreSQL URL");
                Some(server)
            }
        };
        let clock = Arc::new(ManualClock::new(japan_morning()));
        let centre = Arc::new(Centre::open(&config, clock.clone()).expect("centre opens"));
        TestCentre {
            centre,
            clock,
            config,
            postgres,
            _dir: dir,
        }
    }

    /// The same database and clock after a restart: a new centre over the same file.
    pub fn restart(&mut self) {
        self.centre =
            Arc::new(Centre::open(&self.config, self.clock.clone()).expect("centre reopens"));
    }

    pub fn kiosk(&self) -> InProcessCentre {
        InProcessCentre::new(self.centre.clone(), KIOSK)
    }

    pub fn reserve(&self, card: &str, kind: ResetKind) -> i64 {
        self.centre
            .reserve(&auth_certificate(card), kind, None)
            .expect("reserved")
            .id
    }

    pub fn reserve_at(&self, card: &str, kind: ResetKind, at: DateTime<Utc>) -> i64 {
        self.centre
            .reserve(&auth_certificate(card), kind, Some(at))
            .expect("reserved")
            .id
    }
}

pub fn card(profile: &str) -> InProcessReader {
    let reader = InProcessReader::new();
    let path = workspace().join(format!("config/cards/{profile}.json"));
    reader.insert(virtual_card::load_card(&path).expect("profile"));
    reader
}

pub fn connect(reader: &InProcessReader) -> Jpki<InProcessTransport> {
    Jpki::new(reader.connect().expect("card present"))
}

pub fn auth_pin(text: &str) -> AuthPin {
    AuthPin::new(text).expect("well formed")
}

pub fn signing_pin(text: &str) -> SigningPin {
    SigningPin::new(text).expect("well formed")
}

/// The kiosk's steps up to the holder's proof: the card read, its auth PIN verified, a session
/// opened and proved.
pub fn proven(
    kiosk: &dyn reset_protocol::ResetCentre,
    reader: &InProcessReader,
) -> (Jpki<InProcessTransport>, reset_protocol::SessionId) {
    let mut jpki = connect(reader);
    let certificate = reset_protocol::kiosk_side::read_identity(&mut jpki).expect("identity");
    jpki.verify_auth_pin(&auth_pin("1234")).expect("PIN");
    let session = reset_protocol::kiosk_side::prove_holder(
        &mut jpki,
        kiosk,
        ResetKind::Signing,
        &certificate,
    )
    .expect("proof");
    (jpki, session)
}

/// Whether the card accepts `pin` as its signing password (on a fresh connection).
pub fn signing_pin_is(reader: &InProcessReader, pin: &str) -> bool {
    connect(reader)
        .verify_signing_pin(&signing_pin(pin))
        .is_ok()
}

/// Whether the card accepts `pin` as its auth PIN (on a fresh connection).
pub fn auth_pin_is(reader: &InProcessReader, pin: &str) -> bool {
    connect(reader).verify_auth_pin(&auth_pin(pin)).is_ok()
}

/// The card's own word on its last reset of `kind` (its receipt), to report to the centre.
pub fn receipt_of<T: card_driver::transport::Transport>(
    jpki: &mut Jpki<T>,
    kind: card_driver::pin::PinKind,
) -> reset_protocol::api::Outcome {
    let outcome =
        reset_protocol::kiosk_side::read_receipt(jpki, kind).expect("the card gives receipts");
    assert!(
        matches!(outcome, reset_protocol::api::Outcome::Receipt { .. }),
        "{outcome:?}"
    );
    outcome
}

/// The reset key a card of `profile` shares with the centre (from the test PKI's master key):
/// for tests that make a receipt the card could have given.
pub fn card_key_of(profile: &str) -> card_driver::reset_cryptogram::CardKey {
    let master = std::fs::read_to_string(workspace().join("config/test-pki/master-key.hex"))
        .expect("master key");
    let master = hex::decode(master.trim_ascii()).expect("hex");
    card_driver::reset_cryptogram::CardKey::derive(
        &master,
        &card_driver::reset_cryptogram::CardId::from_auth_certificate(&auth_certificate(profile))
            .expect("card id"),
    )
}

/// Two kiosks raced for one reservation: exactly one reset went through, and the other was
/// refused because the reservation was taken (`context` names the race in the messages).
pub fn one_winner_one_refused(
    results: &[Result<reset_protocol::ReservationState, reset_protocol::kiosk_side::StepError>],
    context: &str,
) {
    use reset_protocol::kiosk_side::StepError;
    use reset_protocol::{CentreError, Refusal, ReservationState};
    let winners = results
        .iter()
        .filter(|r| **r == Ok(ReservationState::Used))
        .count();
    assert_eq!(winners, 1, "{context}: {results:?}");
    let loser = results.iter().find(|r| r.is_err()).expect("one lost");
    assert!(
        matches!(
            loser,
            Err(StepError::Centre(CentreError::Refused(
                Refusal::ReservationInUse | Refusal::ReservationUsed
            )))
        ),
        "{context}: {loser:?}"
    );
}
