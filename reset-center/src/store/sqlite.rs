//! The store on SQLite: one file, one connection behind a lock (SQLite serialises writers
//! anyway), every transaction `BEGIN IMMEDIATE` (the write lock taken at the start, so that two
//! centre processes on one file cannot both claim a reservation). WAL with full sync: a commit
//! is on disk before the centre answers.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{
    Attempt, EarlierCommand, FleetRow, KioskCertificate, KioskSecrets, Purged, Reservation,
    ReservationRow, Session, SessionState, StoreError, Transaction,
};
use crate::trust::CardRef;
use reset_protocol::api::ResetKind;

mod migrations {
    refinery::embed_migrations!("migrations/sqlite");
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> StoreError {
        // Busy or locked: another process held the file longer than the busy timeout.
        let conflict = matches!(
            error.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        );
        StoreError {
            message: error.to_string(),
            conflict,
        }
    }
}

#[derive(Debug)]
pub(super) struct Sqlite {
    connection: Mutex<Connection>,
}

impl Sqlite {
    pub(super) fn open(path: &Path) -> Result<Sqlite, StoreError> {
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            let _ = std::fs::create_dir_all(parent);
        }
        let mut connection = Connection::open(path)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        adopt_pre_tls_kiosks(&connection)?;
        migrations::migrations::runner()
            .set_grouped(true)
            .run(&mut connection)
            .map_err(|e| StoreError::new(format!("migrating {}: {e}", path.display())))?;
        Ok(Sqlite {
            connection: Mutex::new(connection),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(super) fn run<R, E: From<StoreError>>(
        &self,
        decide: &mut impl FnMut(&mut dyn Transaction) -> Result<R, E>,
    ) -> Attempt<R, E> {
        let mut connection = self.lock();
        let transaction = match connection.transaction_with_behavior(TransactionBehavior::Immediate)
        {
            Ok(transaction) => transaction,
            Err(error) => return Attempt::failed(error.into()),
        };
        let mut open = SqliteTransaction {
            transaction,
            conflict: None,
        };
        let decided = decide(&mut open);
        if let Some(conflict) = open.conflict.take() {
            return Attempt::Conflict(conflict);
        }
        match decided {
            Ok(value) => match open.transaction.commit() {
                Ok(()) => Attempt::Done(Ok(value)),
                Err(error) => Attempt::failed(error.into()),
            },
            // Dropping the transaction rolls it back.
            Err(error) => Attempt::Done(Err(error)),
        }
    }
}

/// A database made before migrations and before mutual TLS: its kiosks gain the certificate
/// columns (empty, so that such a kiosk is refused until it is added again with a certificate)
/// before the first migration, which adopts the rest as it is.
fn adopt_pre_tls_kiosks(connection: &Connection) -> Result<(), StoreError> {
    let kiosks_exist: bool = connection.query_row(
        "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'kiosks'",
        [],
        |row| row.get(0),
    )?;
    if !kiosks_exist {
        return Ok(());
    }
    for (name, column) in [
        ("certificate_sha256", "certificate_sha256 BLOB"),
        ("certificate_serial", "certificate_serial TEXT"),
    ] {
        let present: bool = connection.query_row(
            "SELECT COUNT(*) > 0 FROM pragma_table_info('kiosks') WHERE name = ?1",
            params![name],
            |row| row.get(0),
        )?;
        if !present {
            connection.execute_batch(&format!("ALTER TABLE kiosks ADD COLUMN {column}"))?;
        }
    }
    Ok(())
}

struct SqliteTransaction<'c> {
    transaction: rusqlite::Transaction<'c>,
    /// The first conflict seen: the whole transaction runs again.
    conflict: Option<StoreError>,
}

impl SqliteTransaction<'_> {
    fn check<T>(&mut self, result: rusqlite::Result<T>) -> Result<T, StoreError> {
        result.map_err(|error| {
            let error = StoreError::from(error);
            if error.conflict && self.conflict.is_none() {
                self.conflict = Some(StoreError::new(error.message.clone()));
            }
            error
        })
    }

    fn query_reservations(
        &mut self,
        filter: &str,
        parameters: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<Reservation>, StoreError> {
        let result = (|| {
            let mut statement = self
                .transaction
                .prepare(&format!("{SELECT_RESERVATION} {filter}"))?;
            let rows = statement.query_map(parameters, reservation_from_row)?;
            rows.collect::<Result<Vec<_>, _>>()
        })();
        self.check(result)
    }
}

const SELECT_RESERVATION: &str = "SELECT id, issuer, serial, kind, made_at, state, claimed_by, lease_until, used_at FROM reservations";

fn reservation_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Reservation> {
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

fn count(changed: usize) -> u64 {
    u64::try_from(changed).unwrap_or(u64::MAX)
}

impl Transaction for SqliteTransaction<'_> {
    fn insert_reservation(
        &mut self,
        card: &CardRef,
        kind: ResetKind,
        made_at: i64,
    ) -> Result<i64, StoreError> {
        let result = self
            .transaction
            .execute(
                "INSERT INTO reservations (issuer, serial, kind, made_at) VALUES (?1, ?2, ?3, ?4)",
                params![card.issuer, card.serial, kind.as_str(), made_at],
            )
            .map(|_| self.transaction.last_insert_rowid());
        self.check(result)
    }

    fn reservations(&mut self) -> Result<Vec<Reservation>, StoreError> {
        self.query_reservations("ORDER BY id", &[])
    }

    fn card_reservations(&mut self, card: &CardRef) -> Result<Vec<Reservation>, StoreError> {
        // The IMMEDIATE transaction holds the file's write lock: nothing else changes them.
        self.query_reservations(
            "WHERE issuer = ?1 AND serial = ?2 ORDER BY made_at DESC, id DESC",
            &[&card.issuer, &card.serial],
        )
    }

    fn reservation_by_id(&mut self, id: i64) -> Result<Option<Reservation>, StoreError> {
        Ok(self
            .query_reservations("WHERE id = ?1", &[&id])?
            .into_iter()
            .next())
    }

    fn claim_reservation(
        &mut self,
        id: i64,
        session: &str,
        lease_until: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let result = self.transaction.execute(
            "UPDATE reservations SET state = 'pending', claimed_by = ?2, lease_until = ?3
             WHERE id = ?1 AND (state = 'open' OR (state = 'pending' AND lease_until <= ?4))",
            params![id, session, lease_until, now],
        );
        Ok(self.check(result)? == 1)
    }

    fn consume_reservation(&mut self, id: i64, session: &str, now: i64) -> Result<(), StoreError> {
        let result = self.transaction.execute(
            "UPDATE reservations SET state = 'used', used_at = ?3, used_by = ?2, lease_until = NULL
             WHERE id = ?1 AND state != 'used'",
            params![id, session, now],
        );
        self.check(result).map(drop)
    }

    fn release_reservation(&mut self, id: i64, session: &str) -> Result<(), StoreError> {
        let result = self.transaction.execute(
            "UPDATE reservations SET state = 'open', claimed_by = NULL, lease_until = NULL
             WHERE id = ?1 AND state = 'pending' AND claimed_by = ?2",
            params![id, session],
        );
        self.check(result).map(drop)
    }

    fn cancel_reservation(&mut self, id: i64) -> Result<bool, StoreError> {
        let result = self.transaction.execute(
            "UPDATE reservations SET state = 'cancelled' WHERE id = ?1 AND state IN ('open', 'pending')",
            params![id],
        );
        Ok(self.check(result)? == 1)
    }

    fn insert_session(&mut self, session: &Session) -> Result<(), StoreError> {
        let result = self.transaction.execute(
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
        );
        self.check(result).map(drop)
    }

    fn load_session(&mut self, id: &str) -> Result<Option<Session>, StoreError> {
        let result = self
            .transaction
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
            .optional();
        self.check(result)
    }

    fn set_session_state(
        &mut self,
        id: &str,
        state: SessionState,
        reservation: Option<i64>,
    ) -> Result<(), StoreError> {
        let result = self.transaction.execute(
            "UPDATE sessions SET state = ?2, reservation = COALESCE(?3, reservation) WHERE id = ?1",
            params![id, state.as_str(), reservation],
        );
        self.check(result).map(drop)
    }

    fn record_card_challenge(
        &mut self,
        card: &CardRef,
        challenge: &[u8],
        now: i64,
    ) -> Result<bool, StoreError> {
        let result = self.transaction.execute(
            "INSERT OR IGNORE INTO used_card_challenges (issuer, serial, challenge, recorded_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![card.issuer, card.serial, challenge, now],
        );
        Ok(self.check(result)? == 1)
    }

    fn record_command_challenge(
        &mut self,
        session: &str,
        challenge: &[u8],
    ) -> Result<(), StoreError> {
        let result = self.transaction.execute(
            "INSERT OR REPLACE INTO command_challenges (session, challenge) VALUES (?1, ?2)",
            params![session, challenge],
        );
        self.check(result).map(drop)
    }

    fn command_challenge(&mut self, session: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let result = self
            .transaction
            .query_row(
                "SELECT challenge FROM command_challenges WHERE session = ?1",
                params![session],
                |row| row.get(0),
            )
            .optional();
        self.check(result)
    }

    fn later_command_for_card(&mut self, session: &Session) -> Result<bool, StoreError> {
        let result = self.transaction.query_row(
            // Sessions are inserted as they begin: a larger rowid is a later session.
            "SELECT EXISTS (SELECT 1 FROM sessions s JOIN command_challenges c ON c.session = s.id
             WHERE s.issuer = ?1 AND s.serial = ?2 AND s.kind = ?3
               AND s.rowid > (SELECT rowid FROM sessions WHERE id = ?4))",
            params![
                session.card.issuer,
                session.card.serial,
                session.kind.as_str(),
                session.id
            ],
            |row| row.get(0),
        );
        self.check(result)
    }

    fn earlier_commands(&mut self, session: &Session) -> Result<Vec<EarlierCommand>, StoreError> {
        let result = (|| {
            let mut statement = self.transaction.prepare(
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
            rows.collect::<Result<Vec<_>, _>>()
        })();
        self.check(result)
    }

    fn add_kiosk(
        &mut self,
        id: &str,
        token_sha256: &[u8],
        certificate: &KioskCertificate,
        now: i64,
    ) -> Result<(), StoreError> {
        self.revoke_current_certificate(id, now)?;
        let result = self.transaction.execute(
            "INSERT OR REPLACE INTO kiosks (id, token_sha256, added_at, certificate_sha256, certificate_serial)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, token_sha256, now, certificate.sha256.as_slice(), certificate.serial],
        );
        self.check(result).map(drop)
    }

    fn remove_kiosk(&mut self, id: &str, now: i64) -> Result<bool, StoreError> {
        self.revoke_current_certificate(id, now)?;
        let result = self
            .transaction
            .execute("DELETE FROM kiosk_heartbeats WHERE kiosk = ?1", params![id]);
        self.check(result)?;
        let result = self
            .transaction
            .execute("DELETE FROM kiosks WHERE id = ?1", params![id]);
        Ok(self.check(result)? == 1)
    }

    fn kiosk_secrets(&mut self, id: &str) -> Result<Option<KioskSecrets>, StoreError> {
        let result = self
            .transaction
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
            .optional();
        self.check(result)
    }

    fn revoked_kiosk_certificates(&mut self) -> Result<Vec<(String, i64)>, StoreError> {
        self.pairs(
            "SELECT serial, revoked_at FROM revoked_kiosk_certificates ORDER BY revoked_at, serial",
        )
    }

    fn kiosks(&mut self) -> Result<Vec<(String, i64)>, StoreError> {
        self.pairs("SELECT id, added_at FROM kiosks ORDER BY id")
    }

    fn record_heartbeat(
        &mut self,
        kiosk: &str,
        heard_at: i64,
        report: &str,
    ) -> Result<(), StoreError> {
        let result = self.transaction.execute(
            "INSERT INTO kiosk_heartbeats (kiosk, heard_at, report) VALUES (?1, ?2, ?3)
             ON CONFLICT (kiosk) DO UPDATE SET heard_at = excluded.heard_at,
                 report = excluded.report",
            params![kiosk, heard_at, report],
        );
        self.check(result).map(drop)
    }

    fn fleet(&mut self) -> Result<Vec<FleetRow>, StoreError> {
        let result = (|| {
            let mut statement = self.transaction.prepare(
                "SELECT k.id, k.added_at, h.heard_at, h.report
                 FROM kiosks k LEFT JOIN kiosk_heartbeats h ON h.kiosk = k.id ORDER BY k.id",
            )?;
            let rows = statement.query_map([], |row| {
                let heard_at: Option<i64> = row.get(2)?;
                let report: Option<String> = row.get(3)?;
                Ok(FleetRow {
                    kiosk: row.get(0)?,
                    added_at: row.get(1)?,
                    heartbeat: heard_at.zip(report),
                })
            })?;
            rows.collect::<Result<Vec<_>, _>>()
        })();
        self.check(result)
    }

    fn reservation_counts(
        &mut self,
        expired_before: i64,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let result = (|| {
            let mut statement = self.transaction.prepare(
                "SELECT CASE WHEN state = 'open' AND made_at < ?1 THEN 'expired' ELSE state END,
                     COUNT(*)
                 FROM reservations GROUP BY 1 ORDER BY 1",
            )?;
            let rows = statement.query_map(params![expired_before], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?;
            rows.collect::<Result<Vec<_>, _>>()
        })();
        self.check(result)
    }

    fn setting(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        let result = self
            .transaction
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                params![key],
                |row| row.get(0),
            )
            .optional();
        self.check(result)
    }

    fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        let result = self.transaction.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)",
            params![key, value],
        );
        self.check(result).map(drop)
    }

    fn purge(
        &mut self,
        sessions_before: i64,
        reservations_before: i64,
    ) -> Result<Purged, StoreError> {
        let result = (|| {
            self.transaction.execute(
                "DELETE FROM command_challenges
                 WHERE session IN (SELECT id FROM sessions WHERE created_at < ?1)",
                params![sessions_before],
            )?;
            Ok(Purged {
                sessions: count(self.transaction.execute(
                    "DELETE FROM sessions WHERE created_at < ?1",
                    params![sessions_before],
                )?),
                card_challenges: count(self.transaction.execute(
                    "DELETE FROM used_card_challenges WHERE recorded_at < ?1",
                    params![sessions_before],
                )?),
                reservations: count(self.transaction.execute(
                    "DELETE FROM reservations WHERE made_at < ?1",
                    params![reservations_before],
                )?),
            })
        })();
        self.check(result)
    }
}

impl SqliteTransaction<'_> {
    /// Moves kiosk `id`'s current certificate, if any, to the revoked ones.
    fn revoke_current_certificate(&mut self, id: &str, now: i64) -> Result<(), StoreError> {
        let result = self.transaction.execute(
            "INSERT OR IGNORE INTO revoked_kiosk_certificates (serial, kiosk, revoked_at)
             SELECT certificate_serial, id, ?2 FROM kiosks WHERE id = ?1 AND certificate_serial IS NOT NULL",
            params![id, now],
        );
        self.check(result).map(drop)
    }

    fn pairs(&mut self, query: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let result = (|| {
            let mut statement = self.transaction.prepare(query)?;
            let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
            rows.collect::<Result<Vec<_>, _>>()
        })();
        self.check(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database made by the centre before migrations and before mutual TLS (its schema as it
    /// was then) is adopted: its rows stay, its kiosks gain empty certificate columns (refused
    /// until added again), and the migrations are recorded.
    #[test]
    fn a_database_from_before_migrations_is_adopted_with_its_rows() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("old.sqlite");
        {
            let old = Connection::open(&path).expect("opens");
            old.execute_batch(
                "CREATE TABLE reservations (id INTEGER PRIMARY KEY, issuer TEXT NOT NULL,
                     serial TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('signing', 'auth')),
                     made_at INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'open'
                     CHECK (state IN ('open', 'pending', 'used', 'cancelled')), claimed_by TEXT,
                     lease_until INTEGER, used_at INTEGER, used_by TEXT);
                 CREATE TABLE sessions (id TEXT PRIMARY KEY, kiosk TEXT NOT NULL,
                     issuer TEXT NOT NULL, serial TEXT NOT NULL, kind TEXT NOT NULL,
                     auth_certificate BLOB NOT NULL, challenge BLOB NOT NULL,
                     created_at INTEGER NOT NULL, state TEXT NOT NULL, reservation INTEGER);
                 CREATE TABLE used_card_challenges (issuer TEXT NOT NULL, serial TEXT NOT NULL,
                     challenge BLOB NOT NULL, PRIMARY KEY (issuer, serial, challenge));
                 CREATE TABLE kiosks (id TEXT PRIMARY KEY, token_sha256 BLOB NOT NULL,
                     added_at INTEGER NOT NULL);
                 CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 INSERT INTO reservations (issuer, serial, kind, made_at)
                     VALUES ('ab', 'cd', 'signing', 1000);
                 INSERT INTO kiosks VALUES ('STORE-0001', x'00', 1000);
                 INSERT INTO used_card_challenges VALUES ('ab', 'cd', x'0102030405060708');",
            )
            .expect("the old schema");
        }
        let store = Sqlite::open(&path).expect("adopted");
        let mut decide = |t: &mut dyn Transaction| -> Result<_, StoreError> {
            Ok((
                t.reservations()?,
                t.kiosk_secrets("STORE-0001")?,
                // The old challenge is still known (and purged with the first purge).
                t.record_card_challenge(
                    &CardRef {
                        issuer: "ab".into(),
                        serial: "cd".into(),
                    },
                    &[1, 2, 3, 4, 5, 6, 7, 8],
                    2000,
                )?,
                t.purge(1, 0)?,
            ))
        };
        let Attempt::Done(Ok((reservations, kiosk, recorded, purged))) = store.run(&mut decide)
        else {
            panic!("the adopted database answers");
        };
        assert_eq!(reservations.len(), 1);
        assert_eq!(
            (reservations[0].made_at, reservations[0].state),
            (1000, ReservationRow::Open)
        );
        let kiosk = kiosk.expect("the kiosk stays");
        assert_eq!(kiosk.certificate_sha256, None, "refused until added again");
        assert!(!recorded, "a challenge used before is still refused");
        assert_eq!(purged.card_challenges, 1);
        let applied: i64 = store
            .lock()
            .query_row("SELECT COUNT(*) FROM refinery_schema_history", [], |row| {
                row.get(0)
            })
            .expect("refinery's history");
        assert_eq!(applied, 3, "the adoption recorded, then V2 and V3 ran");
        // Opening it again runs nothing more.
        drop(store);
        Sqlite::open(&path).expect("opens again");
    }
}
