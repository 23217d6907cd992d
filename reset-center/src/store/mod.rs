//! Durable state: reservations, sessions, used card challenges, kiosks, settings. Everything a
//! session needs is here, none of it in one process's memory, so any centre instance on the same
//! database can serve any request of any session.
//!
//! Two databases behind one interface, chosen by the configuration's `database`
//! ([`Database`]): SQLite, embedded, the zero-set-up default ([`sqlite`]), and PostgreSQL, for
//! several instances ([`postgres`]). The centre's decisions see only [`Transaction`]: no SQL and
//! no database type leaves this module. Each database has its versioned migrations
//! (`migrations/sqlite`, `migrations/postgres`), run by refinery when the store opens.
//!
//! Every decision runs in one transaction ([`Store::transaction`]) that first locks the session
//! and the card it decides on ([`Transaction::load_session`], [`Transaction::card_reservations`]):
//! SQLite's `BEGIN IMMEDIATE` takes the whole file, PostgreSQL the rows (`FOR UPDATE`). A
//! transaction the database aborts for a conflict (SQLSTATE 40001 or 40P01; SQLite busy) runs
//! again from the start, so the same code holds on PostgreSQL-compatible distributed databases,
//! which abort rather than wait. Why a reservation is claimed exactly once: docs/reset-center.md
//! ("Exactly once across instances").
//!
//! Times are Unix seconds (UTC). Nothing secret is stored: no PIN, kiosk tokens only as hashes.

mod postgres;
mod sqlite;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::trust::CardRef;
use reset_protocol::api::ResetKind;

/// Where the centre keeps its state.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// An SQLite file (created with its directory if missing).
    Sqlite(PathBuf),
    /// A PostgreSQL database.
    Postgres(PostgresSettings),
}

/// How the centre uses a PostgreSQL database, whichever URL names it (the configuration's, or
/// `--db`'s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseOptions {
    /// `database_ca_certificate`: see [`PostgresSettings::ca_certificate`].
    pub ca_certificate: Option<PathBuf>,
    /// `database_connections`.
    pub connections: u32,
}

/// A PostgreSQL database and how to reach it.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresSettings {
    /// `postgres://user:password@host:port/database` (a password here is a secret: never
    /// printed, see the `Debug` below).
    pub url: String,
    /// The CA (PEM) whose certificate the server must present: with it the connection is TLS
    /// (rustls, the server's name checked); required for a server on another machine.
    pub ca_certificate: Option<PathBuf>,
    /// Connections this instance keeps at most.
    pub connections: u32,
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "Sqlite({})", path.display()),
            Database::Postgres(settings) => f
                .debug_struct("Postgres")
                .field("url", &redacted(&settings.url))
                .field("ca_certificate", &settings.ca_certificate)
                .field("connections", &settings.connections)
                .finish(),
        }
    }
}

impl fmt::Debug for PostgresSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&Database::Postgres(self.clone()), f)
    }
}

impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "{}", path.display()),
            Database::Postgres(settings) => write!(f, "{}", redacted(&settings.url)),
        }
    }
}

/// A PostgreSQL URL with its password, if any, replaced by `***`.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "postgres://***".to_string();
    };
    let (authority, path) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split(':').next().unwrap_or_default();
            let hidden = if user_info.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{path}")
        }
        None => url.to_string(),
    }
}

impl Database {
    /// A PostgreSQL URL (`postgres://` or `postgresql://`), else the path of an SQLite file.
    /// The URL is checked here, so that a bad one is refused with the configuration's field.
    pub fn parse(
        text: &str,
        relative_to: &std::path::Path,
        options: &DatabaseOptions,
    ) -> Result<Database, String> {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            let settings = PostgresSettings {
                url: text.to_string(),
                ca_certificate: options.ca_certificate.clone(),
                connections: options.connections,
            };
            postgres::check(&settings)?;
            Ok(Database::Postgres(settings))
        } else if text.contains("://") {
            Err(format!(
                "{:?}: not a database this centre knows: a postgres:// URL or an SQLite file",
                redacted(text)
            ))
        } else if text.trim().is_empty() {
            Err("empty: a postgres:// URL or an SQLite file".to_string())
        } else {
            Ok(Database::Sqlite(relative_to.join(text)))
        }
    }
}

/// The certificate a kiosk is registered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskCertificate {
    pub sha256: [u8; 32],
    /// Its serial number, lower-case hex.
    pub serial: String,
}

/// The hashes a kiosk is registered with: of its credential, and of its certificate (none for
/// a kiosk registered before mutual TLS, which is refused until added again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskSecrets {
    pub token_sha256: Vec<u8>,
    pub certificate_sha256: Option<Vec<u8>>,
}

/// A reservation as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reservation {
    pub id: i64,
    pub issuer: String,
    pub serial: String,
    pub kind: ResetKind,
    pub made_at: i64,
    pub state: ReservationRow,
    pub claimed_by: Option<String>,
    pub lease_until: Option<i64>,
    pub used_at: Option<i64>,
}

/// The stored state of a reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReservationRow {
    Open,
    /// Claimed by a session that was given a reset command, until its lease ends.
    Pending,
    Used,
    Cancelled,
}

impl ReservationRow {
    fn parse(text: &str) -> ReservationRow {
        match text {
            "pending" => ReservationRow::Pending,
            "used" => ReservationRow::Used,
            "cancelled" => ReservationRow::Cancelled,
            _ => ReservationRow::Open,
        }
    }
}

/// The steps of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// Challenge given, no proof yet.
    Begun,
    /// The holder proved possession.
    Proven,
    /// The proof failed: the session is over.
    Failed,
    /// A reset command was issued for the claimed reservation.
    CommandIssued,
    /// The kiosk could not tell whether the card got the command.
    Unknown,
    /// Finished: reset confirmed, or the claim released.
    Closed,
}

impl SessionState {
    fn as_str(self) -> &'static str {
        match self {
            SessionState::Begun => "begun",
            SessionState::Proven => "proven",
            SessionState::Failed => "failed",
            SessionState::CommandIssued => "command_issued",
            SessionState::Unknown => "unknown",
            SessionState::Closed => "closed",
        }
    }

    fn parse(text: &str) -> SessionState {
        match text {
            "begun" => SessionState::Begun,
            "proven" => SessionState::Proven,
            "failed" => SessionState::Failed,
            "command_issued" => SessionState::CommandIssued,
            "unknown" => SessionState::Unknown,
            _ => SessionState::Closed,
        }
    }
}

/// A session as stored.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub kiosk: String,
    pub card: CardRef,
    pub kind: ResetKind,
    pub auth_certificate: Vec<u8>,
    pub challenge: Vec<u8>,
    pub created_at: i64,
    pub state: SessionState,
    pub reservation: Option<i64>,
}

/// A command sealed for a card before the session at hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierCommand {
    pub challenge: Vec<u8>,
    /// The card is known to have taken it.
    pub taken: bool,
}

/// A registered kiosk and its last heartbeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetRow {
    pub kiosk: String,
    pub added_at: i64,
    /// When its last heartbeat was heard, and the report (JSON) it carried.
    pub heartbeat: Option<(i64, String)>,
}

/// What a purge deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub card_challenges: u64,
    pub reservations: u64,
}

/// A database failure: the centre answers "internal error", never a wrong decision.
#[derive(Debug, thiserror::Error)]
#[error("database: {message}")]
pub struct StoreError {
    message: String,
    /// The database aborted the transaction for a conflict with another: running it again may
    /// succeed.
    conflict: bool,
}

impl StoreError {
    fn new(message: impl Into<String>) -> StoreError {
        StoreError {
            message: message.into(),
            conflict: false,
        }
    }
}

/// What one decision may read and write, inside its transaction. Implemented for each database;
/// the centre's rules ([`crate::centre`]) are written against this alone.
pub trait Transaction {
    fn insert_reservation(
        &mut self,
        card: &CardRef,
        kind: ResetKind,
        made_at: i64,
    ) -> Result<i64, StoreError>;
    fn reservations(&mut self) -> Result<Vec<Reservation>, StoreError>;
    /// The reservations of one card, newest first, locked for this transaction (another
    /// transaction that wants them waits, or is aborted, until this one ends).
    fn card_reservations(&mut self, card: &CardRef) -> Result<Vec<Reservation>, StoreError>;
    fn reservation_by_id(&mut self, id: i64) -> Result<Option<Reservation>, StoreError>;
    /// Claims reservation `id` for `session` until `lease_until`, if it is open or its last
    /// claim's lease ended by `now`; whether it was claimed. The condition is in the update
    /// itself, so that two sessions can never both claim it, whatever they read before.
    fn claim_reservation(
        &mut self,
        id: i64,
        session: &str,
        lease_until: i64,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// Marks reservation `id` used by `session` (once: a used one stays as it was).
    fn consume_reservation(&mut self, id: i64, session: &str, now: i64) -> Result<(), StoreError>;
    /// Gives a claimed reservation back, if `session` still holds it.
    fn release_reservation(&mut self, id: i64, session: &str) -> Result<(), StoreError>;
    /// Cancels an open or pending reservation; false if there is none with that id to cancel.
    fn cancel_reservation(&mut self, id: i64) -> Result<bool, StoreError>;

    fn insert_session(&mut self, session: &Session) -> Result<(), StoreError>;
    /// The session, locked for this transaction (lock it before the card's reservations: the
    /// one order every decision takes its locks in).
    fn load_session(&mut self, id: &str) -> Result<Option<Session>, StoreError>;
    fn set_session_state(
        &mut self,
        id: &str,
        state: SessionState,
        reservation: Option<i64>,
    ) -> Result<(), StoreError>;
    /// Records a card challenge; false if it was already recorded for that card.
    fn record_card_challenge(
        &mut self,
        card: &CardRef,
        challenge: &[u8],
        now: i64,
    ) -> Result<bool, StoreError>;
    /// The card challenge a session's reset command was sealed for (to recognise the card's
    /// receipt).
    fn record_command_challenge(
        &mut self,
        session: &str,
        challenge: &[u8],
    ) -> Result<(), StoreError>;
    fn command_challenge(&mut self, session: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Whether a command went to the same card, for the same kind of reset, in a session begun
    /// after `session` (whose reset may then have replaced the card's receipt of `session`'s).
    fn later_command_for_card(&mut self, session: &Session) -> Result<bool, StoreError>;
    /// The commands sealed for the same card, for the same kind of reset, in sessions begun
    /// before `session`, oldest first: each command's challenge, and whether the card is known
    /// to have taken it (its session used a reservation).
    fn earlier_commands(&mut self, session: &Session) -> Result<Vec<EarlierCommand>, StoreError>;

    /// Registers kiosk `id` with the hash of its credential and its certificate (replacing an
    /// earlier registration, whose certificate is then revoked).
    fn add_kiosk(
        &mut self,
        id: &str,
        token_sha256: &[u8],
        certificate: &KioskCertificate,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Removes kiosk `id` and revokes its certificate; whether there was one.
    fn remove_kiosk(&mut self, id: &str, now: i64) -> Result<bool, StoreError>;
    fn kiosk_secrets(&mut self, id: &str) -> Result<Option<KioskSecrets>, StoreError>;
    /// Every revoked kiosk certificate: serial (hex) and when.
    fn revoked_kiosk_certificates(&mut self) -> Result<Vec<(String, i64)>, StoreError>;
    fn kiosks(&mut self) -> Result<Vec<(String, i64)>, StoreError>;

    /// Records kiosk `kiosk`'s heartbeat `report` (its JSON), heard at `heard_at`, replacing
    /// the one before.
    fn record_heartbeat(
        &mut self,
        kiosk: &str,
        heard_at: i64,
        report: &str,
    ) -> Result<(), StoreError>;
    /// Every registered kiosk with its last heartbeat, if any, by id.
    fn fleet(&mut self) -> Result<Vec<FleetRow>, StoreError>;
    /// How many reservations are in each state; an open one made before `expired_before`
    /// counts as `expired`.
    fn reservation_counts(&mut self, expired_before: i64)
    -> Result<Vec<(String, i64)>, StoreError>;

    fn setting(&mut self, key: &str) -> Result<Option<String>, StoreError>;
    fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError>;

    /// Deletes the sessions begun before `sessions_before` (with the challenges of their
    /// commands and the card challenges recorded before then) and the reservations made before
    /// `reservations_before`.
    fn purge(
        &mut self,
        sessions_before: i64,
        reservations_before: i64,
    ) -> Result<Purged, StoreError>;
}

/// How often a transaction aborted for a conflict is run again before the error is returned.
const CONFLICT_ATTEMPTS: u32 = 8;

/// The wait before attempt `attempt` (1, 2, …) of a transaction that conflicted: growing, and
/// spread so that the two that collided do not collide again.
fn conflict_backoff(attempt: u32) -> Duration {
    use rand::Rng;
    let ceiling = 2u64.saturating_pow(attempt.min(7)) * 2;
    Duration::from_millis(rand::thread_rng().gen_range(1..=ceiling))
}

/// The database, open.
#[derive(Debug)]
pub struct Store {
    backend: Backend,
}

#[derive(Debug)]
enum Backend {
    Sqlite(sqlite::Sqlite),
    Postgres(postgres::Postgres),
}

impl Store {
    /// Opens the database and brings its schema up to date (refinery's migrations; on
    /// PostgreSQL under an advisory lock, so that instances starting together migrate once).
    pub fn open(database: &Database) -> Result<Store, StoreError> {
        Ok(Store {
            backend: match database {
                Database::Sqlite(path) => Backend::Sqlite(sqlite::Sqlite::open(path)?),
                Database::Postgres(settings) => {
                    Backend::Postgres(postgres::Postgres::open(settings)?)
                }
            },
        })
    }

    /// Runs `decide` in one transaction, committed if it returns `Ok`. A transaction the
    /// database aborts for a conflict with another runs again from the start (up to
    /// [`CONFLICT_ATTEMPTS`] times), so `decide` must do nothing outside the transaction that
    /// it could not do twice.
    pub fn transaction<R, E: From<StoreError>>(
        &self,
        mut decide: impl FnMut(&mut dyn Transaction) -> Result<R, E>,
    ) -> Result<R, E> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = match &self.backend {
                Backend::Sqlite(database) => database.run(&mut decide),
                Backend::Postgres(database) => database.run(&mut decide),
            };
            match result {
                Attempt::Done(result) => return result,
                Attempt::Conflict(error) if attempt >= CONFLICT_ATTEMPTS => {
                    return Err(error.into());
                }
                Attempt::Conflict(_) => std::thread::sleep(conflict_backoff(attempt)),
            }
        }
    }

    /// Runs `read`, which only reads, in the cheapest consistent way: on PostgreSQL outside a
    /// transaction (each statement its own snapshot), on SQLite in one.
    fn read<R>(
        &self,
        read: impl Fn(&mut dyn Transaction) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        match &self.backend {
            Backend::Sqlite(_) => self.transaction(read),
            Backend::Postgres(database) => database.read(read),
        }
    }

    pub fn reservations(&self) -> Result<Vec<Reservation>, StoreError> {
        self.read(|t| t.reservations())
    }

    pub fn cancel_reservation(&self, id: i64) -> Result<bool, StoreError> {
        self.transaction(|t| t.cancel_reservation(id))
    }

    pub fn add_kiosk(
        &self,
        id: &str,
        token_sha256: &[u8],
        certificate: &KioskCertificate,
        now: i64,
    ) -> Result<(), StoreError> {
        self.transaction(|t| t.add_kiosk(id, token_sha256, certificate, now))
    }

    pub fn remove_kiosk(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        self.transaction(|t| t.remove_kiosk(id, now))
    }

    pub fn kiosk_secrets(&self, id: &str) -> Result<Option<KioskSecrets>, StoreError> {
        self.read(|t| t.kiosk_secrets(id))
    }

    pub fn revoked_kiosk_certificates(&self) -> Result<Vec<(String, i64)>, StoreError> {
        self.read(|t| t.revoked_kiosk_certificates())
    }

    pub fn kiosks(&self) -> Result<Vec<(String, i64)>, StoreError> {
        self.read(|t| t.kiosks())
    }

    pub fn record_heartbeat(
        &self,
        kiosk: &str,
        heard_at: i64,
        report: &str,
    ) -> Result<(), StoreError> {
        self.transaction(|t| t.record_heartbeat(kiosk, heard_at, report))
    }

    pub fn fleet(&self) -> Result<Vec<FleetRow>, StoreError> {
        self.read(|t| t.fleet())
    }

    pub fn reservation_counts(
        &self,
        expired_before: i64,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        self.read(|t| t.reservation_counts(expired_before))
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.read(|t| t.setting(key))
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.transaction(|t| t.set_setting(key, value))
    }

    pub fn purge(
        &self,
        sessions_before: i64,
        reservations_before: i64,
    ) -> Result<Purged, StoreError> {
        self.transaction(|t| t.purge(sessions_before, reservations_before))
    }
}

/// One attempt at a transaction: its result, or the conflict that aborted it.
enum Attempt<R, E> {
    Done(Result<R, E>),
    Conflict(StoreError),
}

impl<R, E: From<StoreError>> Attempt<R, E> {
    /// The attempt failed with `error`: to run again if it was a conflict.
    fn failed(error: StoreError) -> Attempt<R, E> {
        if error.conflict {
            Attempt::Conflict(error)
        } else {
            Attempt::Done(Err(error.into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_a_url_is_never_shown() {
        let database = Database::Postgres(PostgresSettings {
            url: "postgres://centre:s3cret@db.example:5432/centre?sslmode=require".to_string(),
            ca_certificate: None,
            connections: 4,
        });
        for shown in [format!("{database}"), format!("{database:?}")] {
            assert!(!shown.contains("s3cret"), "{shown}");
            assert!(
                shown.contains("postgres://centre:***@db.example:5432/centre"),
                "{shown}"
            );
        }
        assert_eq!(
            redacted("postgres://centre@localhost/centre"),
            "postgres://centre@localhost/centre"
        );
        assert_eq!(redacted("postgres:/x:y@z"), "postgres://***");
    }

    #[test]
    fn the_url_chooses_the_database() {
        let base = std::path::Path::new("/etc/reset-center");
        let plain = DatabaseOptions {
            ca_certificate: None,
            connections: 4,
        };
        let with_ca = DatabaseOptions {
            ca_certificate: Some(base.join("db-ca.pem")),
            connections: 4,
        };
        assert_eq!(
            Database::parse("centre.sqlite", base, &plain),
            Ok(Database::Sqlite(base.join("centre.sqlite")))
        );
        assert!(matches!(
            Database::parse("postgresql://centre@localhost/centre", base, &plain),
            Ok(Database::Postgres(_))
        ));
        let refused = Database::parse("mysql://root:pw@localhost/x", base, &plain)
            .expect_err("not a database we know");
        assert!(!refused.contains("pw"), "{refused}");
        // The local server's Unix socket, percent-encoded in the host.
        assert!(matches!(
            Database::parse(
                "postgres://reset-center@%2Frun%2Fpostgresql/reset_center",
                base,
                &plain
            ),
            Ok(Database::Postgres(_))
        ));
        // A server on another machine without TLS: personal data would cross a network in clear.
        let refused = Database::parse("postgres://centre@db.example/centre", base, &plain)
            .expect_err("no TLS to another machine");
        assert!(refused.contains("database_ca_certificate"), "{refused}");
        assert!(Database::parse("postgres://centre@db.example/centre", base, &with_ca).is_ok());
    }
}
