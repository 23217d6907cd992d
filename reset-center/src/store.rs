//! Durable state in SQLite: reservations, sessions, used card challenges, kiosks, settings.
//!
//! Every change that decides who may reset what happens in one `BEGIN IMMEDIATE` transaction, so
//! two kiosks (or two centre processes on one file) can never claim one reservation twice.
//! Times are Unix seconds (UTC). Nothing secret is stored: no PIN, kiosk tokens only as hashes.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::trust::CardRef;
use reset_protocol::api::ResetKind;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS reservations (
    id INTEGER PRIMARY KEY,
    issuer TEXT NOT NULL,
    serial TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('signing', 'auth')),
    made_at INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'pending', 'used', 'cancelled')),
    claimed_by TEXT,
    lease_until INTEGER,
    used_at INTEGER,
    used_by TEXT
);
CREATE INDEX IF NOT EXISTS reservations_by_card ON reservations (issuer, serial);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    kiosk TEXT NOT NULL,
    issuer TEXT NOT NULL,
    serial TEXT NOT NULL,
    kind TEXT NOT NULL,
    auth_certificate BLOB NOT NULL,
    challenge BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    reservation INTEGER
);
CREATE TABLE IF NOT EXISTS command_challenges (
    session TEXT PRIMARY KEY,
    challenge BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS used_card_challenges (
    issuer TEXT NOT NULL,
    serial TEXT NOT NULL,
    challenge BLOB NOT NULL,
    PRIMARY KEY (issuer, serial, challenge)
);
CREATE TABLE IF NOT EXISTS kiosks (
    id TEXT PRIMARY KEY,
    token_sha256 BLOB NOT NULL,
    added_at INTEGER NOT NULL,
    certificate_sha256 BLOB,
    certificate_serial TEXT
);
CREATE TABLE IF NOT EXISTS revoked_kiosk_certificates (
    serial TEXT PRIMARY KEY,
    kiosk TEXT NOT NULL,
    revoked_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
";

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

/// Moves kiosk `id`'s current certificate, if any, to the revoked ones.
fn revoke_current(
    transaction: &rusqlite::Transaction<'_>,
    id: &str,
    now: i64,
) -> Result<(), rusqlite::Error> {
    transaction.execute(
        "INSERT OR IGNORE INTO revoked_kiosk_certificates (serial, kiosk, revoked_at)
         SELECT certificate_serial, id, ?2 FROM kiosks WHERE id = ?1 AND certificate_serial IS NOT NULL",
        params![id, now],
    )?;
    Ok(())
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

/// A database failure: the centre answers "internal error", never a wrong decision.
#[derive(Debug, thiserror::Error)]
#[error("database: {0}")]
pub struct StoreError(#[from] rusqlite::Error);

/// The SQLite database, one connection behind a lock (SQLite serialises writers anyway).
#[derive(Debug)]
pub struct Store {
    connection: Mutex<Connection>,
}

impl Store {
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            let _ = std::fs::create_dir_all(parent);
        }
        let connection = Connection::open(path)?;
        // WAL with full sync: a commit is on disk before the centre answers.
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        connection.execute_batch(SCHEMA)?;
        // A database from before mutual TLS: its kiosks gain the certificate columns (empty,
        // so that such a kiosk is refused until it is added again with a certificate).
        for column in ["certificate_sha256 BLOB", "certificate_serial TEXT"] {
            let name = column.split(' ').next().unwrap_or_default();
            let present: bool = connection.query_row(
                "SELECT COUNT(*) > 0 FROM pragma_table_info('kiosks') WHERE name = ?1",
                params![name],
                |row| row.get(0),
            )?;
            if !present {
                connection.execute_batch(&format!("ALTER TABLE kiosks ADD COLUMN {column}"))?;
            }
        }
        Ok(Store {
            connection: Mutex::new(connection),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` in an immediate (write-locked) transaction, committed if it returns `Ok`.
    pub fn transaction<R, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<R, E>,
    ) -> Result<R, E> {
        let mut connection = self.lock();
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let result = f(&transaction)?;
        transaction.commit().map_err(StoreError::from)?;
        Ok(result)
    }

    pub fn add_reservation(
        &self,
        card: &CardRef,
        kind: ResetKind,
        made_at: i64,
    ) -> Result<i64, StoreError> {
        self.transaction(|transaction| insert_reservation(transaction, card, kind, made_at))
    }

    pub fn reservations(&self) -> Result<Vec<Reservation>, StoreError> {
        let connection = self.lock();
        let mut statement = connection.prepare(&format!("{SELECT_RESERVATION} ORDER BY id"))?;
        let rows = statement.query_map([], reservation_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Cancels an open or pending reservation; false if there is none with that id to cancel.
    pub fn cancel_reservation(&self, id: i64) -> Result<bool, StoreError> {
        let changed = self.lock().execute(
            "UPDATE reservations SET state = 'cancelled' WHERE id = ?1 AND state IN ('open', 'pending')",
            params![id],
        )?;
        Ok(changed == 1)
    }

    /// Registers kiosk `id` with the hash of its credential and its certificate (replacing an
    /// earlier registration, whose certificate is then revoked).
    pub fn add_kiosk(
        &self,
        id: &str,
        token_sha256: &[u8],
        certificate: &KioskCertificate,
        now: i64,
    ) -> Result<(), StoreError> {
        self.transaction(|transaction| {
            revoke_current(transaction, id, now)?;
            transaction.execute(
                "INSERT OR REPLACE INTO kiosks (id, token_sha256, added_at, certificate_sha256, certificate_serial)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, token_sha256, now, certificate.sha256.as_slice(), certificate.serial],
            )?;
            Ok(())
        })
    }

    /// Removes kiosk `id` and revokes its certificate; whether there was one.
    pub fn remove_kiosk(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        self.transaction(|transaction| {
            revoke_current(transaction, id, now)?;
            Ok(transaction.execute("DELETE FROM kiosks WHERE id = ?1", params![id])? == 1)
        })
    }

    /// What kiosk `id` is registered with.
    pub fn kiosk_secrets(&self, id: &str) -> Result<Option<KioskSecrets>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT token_sha256, certificate_sha256 FROM kiosks WHERE id = ?1",
                params![id],
                |row| {
                    Ok(KioskSecrets {
                        token_sha256: row.get(0)?,
                        certificate_sha256: row.get(1)?,
                    })
                },
            )
            .optional()?)
    }

    /// Every revoked kiosk certificate: serial (hex) and when.
    pub fn revoked_kiosk_certificates(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let connection = self.lock();
        let mut statement = connection.prepare(
            "SELECT serial, revoked_at FROM revoked_kiosk_certificates ORDER BY revoked_at, serial",
        )?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn kiosks(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let connection = self.lock();
        let mut statement = connection.prepare("SELECT id, added_at FROM kiosks ORDER BY id")?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                params![key],
                |row| row.get(0),
            )
            .optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.lock().execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)",
            params![key, value],
        )?;
        Ok(())
    }

    pub fn insert_session(&self, session: &Session) -> Result<(), StoreError> {
        self.lock().execute(
            "INSERT INTO sessions (id, kiosk, issuer, serial, kind, auth_certificate, challenge, created_at, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                session.id,
                session.kiosk,
                session.card.issuer,
                session.card.serial,
                session.kind.as_str(),
                session.auth_certificate,
                session.challenge,
                session.created_at,
                session.state.as_str()
            ],
        )?;
        Ok(())
    }
}

pub const SELECT_RESERVATION: &str = "SELECT id, issuer, serial, kind, made_at, state, claimed_by, lease_until, used_at FROM reservations";

pub fn reservation_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Reservation> {
    let kind: String = row.get(3)?;
    let state: String = row.get(5)?;
    Ok(Reservation {
        id: row.get(0)?,
        issuer: row.get(1)?,
        serial: row.get(2)?,
        kind: ResetKind::parse(&kind).unwrap_or(ResetKind::Signing),
        made_at: row.get(4)?,
        state: ReservationRow::parse(&state),
        claimed_by: row.get(6)?,
        lease_until: row.get(7)?,
        used_at: row.get(8)?,
    })
}

pub fn insert_reservation(
    transaction: &rusqlite::Transaction<'_>,
    card: &CardRef,
    kind: ResetKind,
    made_at: i64,
) -> Result<i64, StoreError> {
    transaction.execute(
        "INSERT INTO reservations (issuer, serial, kind, made_at) VALUES (?1, ?2, ?3, ?4)",
        params![card.issuer, card.serial, kind.as_str(), made_at],
    )?;
    Ok(transaction.last_insert_rowid())
}

/// The reservations of one card, newest first, inside a transaction.
pub fn card_reservations(
    transaction: &rusqlite::Transaction<'_>,
    card: &CardRef,
) -> Result<Vec<Reservation>, StoreError> {
    let mut statement = transaction.prepare(&format!(
        "{SELECT_RESERVATION} WHERE issuer = ?1 AND serial = ?2 ORDER BY made_at DESC, id DESC"
    ))?;
    let rows = statement.query_map(params![card.issuer, card.serial], reservation_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn load_session(
    transaction: &rusqlite::Transaction<'_>,
    id: &str,
) -> Result<Option<Session>, StoreError> {
    Ok(transaction
        .query_row(
            "SELECT id, kiosk, issuer, serial, kind, auth_certificate, challenge, created_at, state, reservation
             FROM sessions WHERE id = ?1",
            params![id],
            |row| {
                let kind: String = row.get(4)?;
                let state: String = row.get(8)?;
                Ok(Session {
                    id: row.get(0)?,
                    kiosk: row.get(1)?,
                    card: CardRef {
                        issuer: row.get(2)?,
                        serial: row.get(3)?,
                    },
                    kind: ResetKind::parse(&kind).unwrap_or(ResetKind::Signing),
                    auth_certificate: row.get(5)?,
                    challenge: row.get(6)?,
                    created_at: row.get(7)?,
                    state: SessionState::parse(&state),
                    reservation: row.get(9)?,
                })
            },
        )
        .optional()?)
}

pub fn set_session_state(
    transaction: &rusqlite::Transaction<'_>,
    id: &str,
    state: SessionState,
    reservation: Option<i64>,
) -> Result<(), StoreError> {
    transaction.execute(
        "UPDATE sessions SET state = ?2, reservation = COALESCE(?3, reservation) WHERE id = ?1",
        params![id, state.as_str(), reservation],
    )?;
    Ok(())
}

/// Records a card challenge; false if it was already recorded for that card.
pub fn record_card_challenge(
    transaction: &rusqlite::Transaction<'_>,
    card: &CardRef,
    challenge: &[u8],
) -> Result<bool, StoreError> {
    let inserted = transaction.execute(
        "INSERT OR IGNORE INTO used_card_challenges (issuer, serial, challenge) VALUES (?1, ?2, ?3)",
        params![card.issuer, card.serial, challenge],
    )?;
    Ok(inserted == 1)
}

/// The card challenge a session's reset command was sealed for (to recognise the card's receipt).
pub fn record_command_challenge(
    transaction: &rusqlite::Transaction<'_>,
    session: &str,
    challenge: &[u8],
) -> Result<(), StoreError> {
    transaction.execute(
        "INSERT OR REPLACE INTO command_challenges (session, challenge) VALUES (?1, ?2)",
        params![session, challenge],
    )?;
    Ok(())
}

pub fn command_challenge(
    transaction: &rusqlite::Transaction<'_>,
    session: &str,
) -> Result<Option<Vec<u8>>, StoreError> {
    use rusqlite::OptionalExtension;
    Ok(transaction
        .query_row(
            "SELECT challenge FROM command_challenges WHERE session = ?1",
            params![session],
            |row| row.get(0),
        )
        .optional()?)
}

/// Whether a command went to the same card, for the same kind of reset, in a session begun after
/// `session` (whose reset may then have replaced the card's receipt of `session`'s).
pub fn later_command_for_card(
    transaction: &rusqlite::Transaction<'_>,
    session: &Session,
) -> Result<bool, StoreError> {
    let found: Option<i64> = {
        use rusqlite::OptionalExtension;
        transaction
            .query_row(
                // Sessions are inserted as they begin: a larger rowid is a later session.
                "SELECT 1 FROM sessions s JOIN command_challenges c ON c.session = s.id
                 WHERE s.issuer = ?1 AND s.serial = ?2 AND s.kind = ?3
                   AND s.rowid > (SELECT rowid FROM sessions WHERE id = ?4) LIMIT 1",
                params![
                    session.card.issuer,
                    session.card.serial,
                    session.kind.as_str(),
                    session.id
                ],
                |row| row.get(0),
            )
            .optional()?
    };
    Ok(found.is_some())
}

/// The commands sealed for the same card, for the same kind of reset, in sessions begun before
/// `session`, oldest first: each command's challenge, and whether the card is known to have
/// taken it (its session used a reservation).
pub fn earlier_commands(
    transaction: &rusqlite::Transaction<'_>,
    session: &Session,
) -> Result<Vec<EarlierCommand>, StoreError> {
    let mut statement = transaction.prepare(
        "SELECT c.challenge, EXISTS (SELECT 1 FROM reservations r WHERE r.used_by = s.id)
         FROM sessions s JOIN command_challenges c ON c.session = s.id
         WHERE s.issuer = ?1 AND s.serial = ?2 AND s.kind = ?3
           AND s.rowid < (SELECT rowid FROM sessions WHERE id = ?4)
         ORDER BY s.rowid",
    )?;
    let rows = statement.query_map(
        params![
            session.card.issuer,
            session.card.serial,
            session.kind.as_str(),
            session.id
        ],
        |row| {
            Ok(EarlierCommand {
                challenge: row.get(0)?,
                taken: row.get(1)?,
            })
        },
    )?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// A command sealed for a card before the session at hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierCommand {
    pub challenge: Vec<u8>,
    /// The card is known to have taken it.
    pub taken: bool,
}

pub fn claim_reservation(
    transaction: &rusqlite::Transaction<'_>,
    id: i64,
    session: &str,
    lease_until: i64,
) -> Result<(), StoreError> {
    transaction.execute(
        "UPDATE reservations SET state = 'pending', claimed_by = ?2, lease_until = ?3 WHERE id = ?1",
        params![id, session, lease_until],
    )?;
    Ok(())
}

pub fn consume_reservation(
    transaction: &rusqlite::Transaction<'_>,
    id: i64,
    session: &str,
    now: i64,
) -> Result<(), StoreError> {
    transaction.execute(
        "UPDATE reservations SET state = 'used', used_at = ?3, used_by = ?2, lease_until = NULL
         WHERE id = ?1 AND state != 'used'",
        params![id, session, now],
    )?;
    Ok(())
}

/// Gives a claimed reservation back, if `session` still holds it.
pub fn release_reservation(
    transaction: &rusqlite::Transaction<'_>,
    id: i64,
    session: &str,
) -> Result<(), StoreError> {
    transaction.execute(
        "UPDATE reservations SET state = 'open', claimed_by = NULL, lease_until = NULL
         WHERE id = ?1 AND state = 'pending' AND claimed_by = ?2",
        params![id, session],
    )?;
    Ok(())
}

pub fn reservation_by_id(
    transaction: &rusqlite::Transaction<'_>,
    id: i64,
) -> Result<Option<Reservation>, StoreError> {
    Ok(transaction
        .query_row(
            &format!("{SELECT_RESERVATION} WHERE id = ?1"),
            params![id],
            reservation_from_row,
        )
        .optional()?)
}
