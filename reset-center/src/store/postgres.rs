//! The store on PostgreSQL: several centre instances on one database. A pool of connections
//! (r2d2) per instance. Every decision locks what it decides on (`FOR UPDATE`): the session's
//! row, and the card's reservations, always in that order; the claim itself is a conditional
//! update. So decisions on one session or one card run one after the other, in `READ
//! COMMITTED` (why not `SERIALIZABLE`: docs/reset-center.md). A transaction the database aborts
//! for a serialization failure or a deadlock runs again ([`super::Store::transaction`]).
//!
//! The blocking client (`postgres`) fits the centre: its decisions already run on blocking
//! threads (the server hands them to `spawn_blocking`), and the command line has no runtime.

use std::collections::HashMap;
use std::time::Duration;

use postgres::error::SqlState;
use postgres::{GenericClient, IsolationLevel, Row, Statement};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::{
    Attempt, EarlierCommand, FleetRow, KioskCertificate, KioskSecrets, PostgresSettings, Purged,
    Reservation, ReservationRow, Session, SessionState, StoreError, Transaction,
};
use crate::trust::CardRef;
use reset_protocol::api::ResetKind;

mod migrations {
    refinery::embed_migrations!("migrations/postgres");
}

/// Taken while migrating, so that instances starting together migrate one after the other
/// (the second finds nothing left to do). Any number the centre alone uses: "JPKIRSET".
const MIGRATION_LOCK: i64 = 0x4A50_4B49_5253_4554;

/// How long a new connection to the server may take (TCP, TLS, authentication).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a request waits for a connection from the pool. r2d2 waits this long even when
/// every attempt to connect is refused at once (the database is down), so it is what a kiosk
/// waits before its "cannot serve now" (503): well under a kiosk's request timeout (10 s in
/// the production example, 5 s in the tests), or the kiosk would see a timeout instead of an
/// answer. Under load a request rarely waits for a free connection more than a few
/// milliseconds (see the bench); past 2 s the centre is overloaded and saying so is right.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(2);

/// A connection and the statements prepared on it: each query is parsed by the server once per
/// connection, not once per use (a round trip saved on every statement).
pub(super) struct Connection {
    client: postgres::Client,
    statements: HashMap<String, Statement>,
    /// The connection failed below SQL (closed, reset): the pool drops it.
    broken: bool,
}

/// Makes the pool's connections (what r2d2_postgres does, plus the statement cache).
struct Manager {
    config: postgres::Config,
    tls: MakeRustlsConnect,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Connection;
    type Error = ConnectError;

    fn connect(&self) -> Result<Connection, ConnectError> {
        Ok(Connection {
            client: self
                .config
                .connect(self.tls.clone())
                .map_err(|e| ConnectError(describe(&e)))?,
            statements: HashMap::new(),
            broken: false,
        })
    }

    fn is_valid(&self, connection: &mut Connection) -> Result<(), ConnectError> {
        connection
            .client
            .simple_query("")
            .map(drop)
            .map_err(|e| ConnectError(describe(&e)))
    }

    fn has_broken(&self, connection: &mut Connection) -> bool {
        connection.broken || connection.client.is_closed()
    }
}

type Pool = r2d2::Pool<Manager>;

/// Why a connection could not be made, with its causes (r2d2 keeps only the message).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct ConnectError(String);

pub(super) struct Postgres {
    pool: Pool,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("connections", &self.pool.state().connections)
            .finish_non_exhaustive()
    }
}

/// One line for a PostgreSQL error: the server's severity, SQLSTATE and message, or the
/// client's (connection refused, closed…).
fn describe(error: &postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        return format!("{} {}: {}", db.severity(), db.code().code(), db.message());
    }
    // The causes too: "error performing TLS handshake: invalid peer certificate: UnknownIssuer".
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(source) = cause {
        text = format!("{text}: {source}");
        cause = source.source();
    }
    text
}

/// Whether `error` ended its connection: a failure below SQL (closed, reset, unreadable), or
/// the server ending it (SQLSTATE class 08, connection exception; 57P01–57P03, shut down, as a
/// restart does to every connection).
fn connection_lost(error: &postgres::Error) -> bool {
    match error.code() {
        Some(code) => code.code().starts_with("08") || code.code().starts_with("57P"),
        None => true,
    }
}

impl From<postgres::Error> for StoreError {
    fn from(error: postgres::Error) -> StoreError {
        let conflict = matches!(
            error.code(),
            Some(&SqlState::T_R_SERIALIZATION_FAILURE | &SqlState::T_R_DEADLOCK_DETECTED)
        );
        StoreError {
            message: describe(&error),
            conflict,
        }
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(error: r2d2::Error) -> StoreError {
        StoreError::new(format!("no connection to PostgreSQL: {error}"))
    }
}

/// The client's configuration for these settings: TLS required with a CA, else (a server on
/// this machine only) none; a connect timeout.
fn client_config(settings: &PostgresSettings) -> Result<postgres::Config, String> {
    let mut config: postgres::Config = settings
        .url
        .parse()
        .map_err(|e| format!("{}: {e}", super::redacted(&settings.url)))?;
    if config.get_hosts().is_empty() {
        return Err(format!("{}: names no host", super::redacted(&settings.url)));
    }
    let on_this_machine = config.get_hosts().iter().all(|host| match host {
        postgres::config::Host::Unix(_) => true,
        postgres::config::Host::Tcp(name) => {
            name == "localhost"
                || name
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|address| address.is_loopback())
        }
    });
    match &settings.ca_certificate {
        Some(_) => {
            if config.get_ssl_mode() == postgres::config::SslMode::Disable {
                return Err("sslmode=disable, but database_ca_certificate asks for TLS".into());
            }
            config.ssl_mode(postgres::config::SslMode::Require);
        }
        None if on_this_machine => {
            config.ssl_mode(postgres::config::SslMode::Disable);
        }
        None => {
            return Err(format!(
                "{}: a server on another machine needs TLS: set database_ca_certificate to the \
                 CA (PEM) of its certificate (sessions hold certificates, personal data)",
                super::redacted(&settings.url)
            ));
        }
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    Ok(config)
}

/// Checks the settings without connecting (the configuration's loader calls this).
pub(super) fn check(settings: &PostgresSettings) -> Result<(), String> {
    client_config(settings).map(drop)
}

fn tls(settings: &PostgresSettings) -> Result<MakeRustlsConnect, StoreError> {
    let mut roots = rustls::RootCertStore::empty();
    if let Some(path) = &settings.ca_certificate {
        let certificates = CertificateDer::pem_file_iter(path)
            .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
            .map_err(|e| StoreError::new(format!("{}: {e}", path.display())))?;
        if certificates.is_empty() {
            return Err(StoreError::new(format!(
                "{}: no certificate",
                path.display()
            )));
        }
        for certificate in certificates {
            roots
                .add(certificate)
                .map_err(|e| StoreError::new(format!("{}: {e}", path.display())))?;
        }
    }
    let config =
        rustls::ClientConfig::builder_with_provider(reset_protocol::client::crypto_provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| StoreError::new(format!("TLS to PostgreSQL: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

impl Postgres {
    pub(super) fn open(settings: &PostgresSettings) -> Result<Postgres, StoreError> {
        let config = client_config(settings).map_err(StoreError::new)?;
        let manager = Manager {
            config,
            tls: tls(settings)?,
        };
        let pool = r2d2::Pool::builder()
            .max_size(settings.connections.max(1))
            .min_idle(Some(1))
            .connection_timeout(CHECKOUT_TIMEOUT)
            // No ping before every use (a round trip per transaction): a connection the server
            // closed (it restarted) fails at the transaction's first statement, before anything
            // was decided, and the transaction runs again on another (`run`).
            .test_on_check_out(false)
            // r2d2 would log every failed connection attempt through `log` many times a
            // second; the request that needed it reports the failure instead.
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build(manager)?;
        // The first connection may take as long as connecting takes.
        let mut connection = pool.get_timeout(CONNECT_TIMEOUT)?;
        let client = &mut connection.client;
        client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
        let migrated = migrations::migrations::runner()
            .set_grouped(true)
            .run(client)
            .map_err(|e| StoreError::new(format!("migrating PostgreSQL: {e}")));
        client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])?;
        migrated?;
        Ok(Postgres { pool })
    }

    pub(super) fn run<R, E: From<StoreError>>(
        &self,
        decide: &mut impl FnMut(&mut dyn Transaction) -> Result<R, E>,
    ) -> Attempt<R, E> {
        // A connection that broke since its last use (the server restarted: "terminating
        // connection due to administrator command") fails at `BEGIN`, before anything of the
        // decision was sent: it is dropped and the next one tried, not
        // counted as an attempt (the pool holds at most `max_size` such connections).
        for _ in 0..=self.pool.max_size() {
            let mut pooled = match self.pool.get() {
                Ok(connection) => connection,
                Err(error) => return Attempt::Done(Err(StoreError::from(error).into())),
            };
            let connection = &mut *pooled;
            let error = match connection
                .client
                .build_transaction()
                .isolation_level(IsolationLevel::ReadCommitted)
                .start()
            {
                Ok(transaction) => {
                    return decide_in(
                        transaction,
                        &mut connection.statements,
                        &mut connection.broken,
                        decide,
                    );
                }
                Err(error) => error,
            };
            if !connection_lost(&error) {
                return Attempt::failed(error.into());
            }
            connection.broken = true;
        }
        Attempt::Done(Err(StoreError::new(
            "every pooled connection to PostgreSQL was broken",
        )
        .into()))
    }

    /// Runs `read` outside a transaction (one statement, each its own snapshot): for the
    /// single reads that decide nothing (a kiosk's secrets, a setting, the lists), one round
    /// trip instead of three.
    pub(super) fn read<R>(
        &self,
        read: impl Fn(&mut dyn Transaction) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut tries = 0;
        loop {
            tries += 1;
            let mut pooled = self.pool.get()?;
            let connection = &mut *pooled;
            let mut open = PostgresTransaction {
                client: &mut connection.client,
                statements: &mut connection.statements,
                conflict: None,
                broken: false,
            };
            let result = read(&mut open);
            let broken = open.broken;
            connection.broken |= broken;
            // A read on a connection that broke since its last use (the server restarted) is
            // read again on another (nothing was written).
            if result.is_ok() || !broken || tries > self.pool.max_size() {
                return result;
            }
        }
    }
}

/// Runs `decide` in `transaction`, committed if it returns `Ok`.
fn decide_in<R, E: From<StoreError>>(
    mut transaction: postgres::Transaction<'_>,
    statements: &mut HashMap<String, Statement>,
    broken: &mut bool,
    decide: &mut impl FnMut(&mut dyn Transaction) -> Result<R, E>,
) -> Attempt<R, E> {
    let mut open = PostgresTransaction {
        client: &mut transaction,
        statements,
        conflict: None,
        broken: false,
    };
    let decided = decide(&mut open);
    let (conflict, failed_below_sql) = (open.conflict.take(), open.broken);
    *broken |= failed_below_sql;
    match (conflict, decided) {
        (Some(conflict), _) => Attempt::Conflict(conflict),
        (None, Ok(value)) => match transaction.commit() {
            Ok(()) => Attempt::Done(Ok(value)),
            Err(error) => Attempt::failed(error.into()),
        },
        // Dropping the transaction rolls it back.
        (None, Err(error)) => Attempt::Done(Err(error)),
    }
}

/// A decision's access to the database: inside a transaction (`C` a `postgres::Transaction`)
/// or, for single reads, on the connection itself.
struct PostgresTransaction<'a, C: GenericClient> {
    client: &'a mut C,
    statements: &'a mut HashMap<String, Statement>,
    /// The first conflict seen: the whole transaction runs again (after one, PostgreSQL
    /// refuses every further statement of the transaction anyway).
    conflict: Option<StoreError>,
    /// A failure below SQL: the connection is not used again.
    broken: bool,
}

type Parameters<'a> = [&'a (dyn postgres::types::ToSql + Sync)];

impl<C: GenericClient> PostgresTransaction<'_, C> {
    fn check<T>(&mut self, result: Result<T, postgres::Error>) -> Result<T, StoreError> {
        result.map_err(|error| {
            self.broken |= connection_lost(&error);
            let error = StoreError::from(error);
            if error.conflict && self.conflict.is_none() {
                self.conflict = Some(StoreError::new(error.message.clone()));
            }
            error
        })
    }

    /// `query` prepared on this connection (once: then taken from the cache).
    fn statement(&mut self, query: &str) -> Result<Statement, StoreError> {
        if let Some(statement) = self.statements.get(query) {
            return Ok(statement.clone());
        }
        let prepared = self.client.prepare(query);
        let statement = self.check(prepared)?;
        self.statements.insert(query.to_string(), statement.clone());
        Ok(statement)
    }

    fn execute(&mut self, query: &str, parameters: &Parameters<'_>) -> Result<u64, StoreError> {
        let statement = self.statement(query)?;
        let result = self.client.execute(&statement, parameters);
        self.check(result)
    }

    fn query(&mut self, query: &str, parameters: &Parameters<'_>) -> Result<Vec<Row>, StoreError> {
        let statement = self.statement(query)?;
        let result = self.client.query(&statement, parameters);
        self.check(result)
    }

    fn query_opt(
        &mut self,
        query: &str,
        parameters: &Parameters<'_>,
    ) -> Result<Option<Row>, StoreError> {
        let statement = self.statement(query)?;
        let result = self.client.query_opt(&statement, parameters);
        self.check(result)
    }

    fn reservations_where(
        &mut self,
        filter: &str,
        parameters: &Parameters<'_>,
    ) -> Result<Vec<Reservation>, StoreError> {
        self.query(&format!("{SELECT_RESERVATION} {filter}"), parameters)?
            .iter()
            .map(reservation_from_row)
            .collect()
    }

    /// Moves kiosk `id`'s current certificate, if any, to the revoked ones.
    fn revoke_current_certificate(&mut self, id: &str, now: i64) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO revoked_kiosk_certificates (serial, kiosk, revoked_at)
             SELECT certificate_serial, id, $2 FROM kiosks
             WHERE id = $1 AND certificate_serial IS NOT NULL
             ON CONFLICT (serial) DO NOTHING",
            &[&id, &now],
        )
        .map(drop)
    }

    fn pairs(&mut self, query: &str) -> Result<Vec<(String, i64)>, StoreError> {
        self.query(query, &[])?
            .iter()
            .map(|row| Ok((get(row, 0)?, get(row, 1)?)))
            .collect()
    }
}

/// A column's value, or an error naming the column (a schema that does not match the code).
fn get<'a, T: postgres::types::FromSql<'a>>(row: &'a Row, index: usize) -> Result<T, StoreError> {
    row.try_get(index)
        .map_err(|e| StoreError::new(format!("column {index}: {e}")))
}

const SELECT_RESERVATION: &str = "SELECT id, issuer, serial, kind, made_at, state, claimed_by, lease_until, used_at FROM reservations";

fn reservation_from_row(row: &Row) -> Result<Reservation, StoreError> {
    let kind: String = get(row, 3)?;
    let state: String = get(row, 5)?;
    Ok(Reservation {
        id: get(row, 0)?,
        issuer: get(row, 1)?,
        serial: get(row, 2)?,
        kind: ResetKind::parse(&kind).unwrap_or(ResetKind::Signing),
        made_at: get(row, 4)?,
        state: ReservationRow::parse(&state),
        claimed_by: get(row, 6)?,
        lease_until: get(row, 7)?,
        used_at: get(row, 8)?,
    })
}

impl<C: GenericClient> Transaction for PostgresTransaction<'_, C> {
    fn insert_reservation(
        &mut self,
        card: &CardRef,
        kind: ResetKind,
        made_at: i64,
    ) -> Result<i64, StoreError> {
        let row = self.query(
            "INSERT INTO reservations (issuer, serial, kind, made_at) VALUES ($1, $2, $3, $4)
             RETURNING id",
            &[&card.issuer, &card.serial, &kind.as_str(), &made_at],
        )?;
        match row.first() {
            Some(row) => get(row, 0),
            None => Err(StoreError::new("INSERT … RETURNING gave no row")),
        }
    }

    fn reservations(&mut self) -> Result<Vec<Reservation>, StoreError> {
        self.reservations_where("ORDER BY id", &[])
    }

    fn card_reservations(&mut self, card: &CardRef) -> Result<Vec<Reservation>, StoreError> {
        // FOR UPDATE: a second instance deciding on the same card waits for this transaction,
        // then reads the rows as this one left them.
        self.reservations_where(
            "WHERE issuer = $1 AND serial = $2 ORDER BY made_at DESC, id DESC FOR UPDATE",
            &[&card.issuer, &card.serial],
        )
    }

    fn reservation_by_id(&mut self, id: i64) -> Result<Option<Reservation>, StoreError> {
        Ok(self
            .reservations_where("WHERE id = $1", &[&id])?
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
        Ok(self.execute(
            "UPDATE reservations SET state = 'pending', claimed_by = $2, lease_until = $3
             WHERE id = $1 AND (state = 'open' OR (state = 'pending' AND lease_until <= $4))",
            &[&id, &session, &lease_until, &now],
        )? == 1)
    }

    fn consume_reservation(&mut self, id: i64, session: &str, now: i64) -> Result<(), StoreError> {
        self.execute(
            "UPDATE reservations SET state = 'used', used_at = $3, used_by = $2, lease_until = NULL
             WHERE id = $1 AND state != 'used'",
            &[&id, &session, &now],
        )
        .map(drop)
    }

    fn release_reservation(&mut self, id: i64, session: &str) -> Result<(), StoreError> {
        self.execute(
            "UPDATE reservations SET state = 'open', claimed_by = NULL, lease_until = NULL
             WHERE id = $1 AND state = 'pending' AND claimed_by = $2",
            &[&id, &session],
        )
        .map(drop)
    }

    fn cancel_reservation(&mut self, id: i64) -> Result<bool, StoreError> {
        Ok(self.execute(
            "UPDATE reservations SET state = 'cancelled' WHERE id = $1 AND state IN ('open', 'pending')",
            &[&id],
        )? == 1)
    }

    fn insert_session(&mut self, session: &Session) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO sessions (id, kiosk, issuer, serial, kind, auth_certificate, challenge, created_at, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &session.id,
                &session.kiosk,
                &session.card.issuer,
                &session.card.serial,
                &session.kind.as_str(),
                &session.auth_certificate,
                &session.challenge,
                &session.created_at,
                &session.state.as_str(),
            ],
        )
        .map(drop)
    }

    fn load_session(&mut self, id: &str) -> Result<Option<Session>, StoreError> {
        let Some(row) = self.query_opt(
            "SELECT id, kiosk, issuer, serial, kind, auth_certificate, challenge, created_at, state, reservation
             FROM sessions WHERE id = $1 FOR UPDATE",
            &[&id],
        )?
        else {
            return Ok(None);
        };
        let kind: String = get(&row, 4)?;
        let state: String = get(&row, 8)?;
        Ok(Some(Session {
            id: get(&row, 0)?,
            kiosk: get(&row, 1)?,
            card: CardRef {
                issuer: get(&row, 2)?,
                serial: get(&row, 3)?,
            },
            kind: ResetKind::parse(&kind).unwrap_or(ResetKind::Signing),
            auth_certificate: get(&row, 5)?,
            challenge: get(&row, 6)?,
            created_at: get(&row, 7)?,
            state: SessionState::parse(&state),
            reservation: get(&row, 9)?,
        }))
    }

    fn set_session_state(
        &mut self,
        id: &str,
        state: SessionState,
        reservation: Option<i64>,
    ) -> Result<(), StoreError> {
        self.execute(
            "UPDATE sessions SET state = $2, reservation = COALESCE($3, reservation) WHERE id = $1",
            &[&id, &state.as_str(), &reservation],
        )
        .map(drop)
    }

    fn record_card_challenge(
        &mut self,
        card: &CardRef,
        challenge: &[u8],
        now: i64,
    ) -> Result<bool, StoreError> {
        Ok(self.execute(
            "INSERT INTO used_card_challenges (issuer, serial, challenge, recorded_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &[&card.issuer, &card.serial, &challenge, &now],
        )? == 1)
    }

    fn record_command_challenge(
        &mut self,
        session: &str,
        challenge: &[u8],
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO command_challenges (session, challenge) VALUES ($1, $2)
             ON CONFLICT (session) DO UPDATE SET challenge = EXCLUDED.challenge",
            &[&session, &challenge],
        )
        .map(drop)
    }

    fn command_challenge(&mut self, session: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match self.query_opt(
            "SELECT challenge FROM command_challenges WHERE session = $1",
            &[&session],
        )? {
            Some(row) => get(&row, 0).map(Some),
            None => Ok(None),
        }
    }

    fn later_command_for_card(&mut self, session: &Session) -> Result<bool, StoreError> {
        let rows = self.query(
            "SELECT EXISTS (SELECT 1 FROM sessions s JOIN command_challenges c ON c.session = s.id
             WHERE s.issuer = $1 AND s.serial = $2 AND s.kind = $3
               AND s.seq > (SELECT seq FROM sessions WHERE id = $4))",
            &[
                &session.card.issuer,
                &session.card.serial,
                &session.kind.as_str(),
                &session.id,
            ],
        )?;
        match rows.first() {
            Some(row) => get(row, 0),
            None => Ok(false),
        }
    }

    fn earlier_commands(&mut self, session: &Session) -> Result<Vec<EarlierCommand>, StoreError> {
        self.query(
            "SELECT c.challenge, EXISTS (SELECT 1 FROM reservations r WHERE r.used_by = s.id)
             FROM sessions s JOIN command_challenges c ON c.session = s.id
             WHERE s.issuer = $1 AND s.serial = $2 AND s.kind = $3
               AND s.seq < (SELECT seq FROM sessions WHERE id = $4)
             ORDER BY s.seq",
            &[
                &session.card.issuer,
                &session.card.serial,
                &session.kind.as_str(),
                &session.id,
            ],
        )?
        .iter()
        .map(|row| {
            Ok(EarlierCommand {
                challenge: get(row, 0)?,
                taken: get(row, 1)?,
            })
        })
        .collect()
    }

    fn add_kiosk(
        &mut self,
        id: &str,
        token_sha256: &[u8],
        certificate: &KioskCertificate,
        now: i64,
    ) -> Result<(), StoreError> {
        self.revoke_current_certificate(id, now)?;
        self.execute(
            "INSERT INTO kiosks (id, token_sha256, added_at, certificate_sha256, certificate_serial)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET token_sha256 = EXCLUDED.token_sha256,
                 added_at = EXCLUDED.added_at, certificate_sha256 = EXCLUDED.certificate_sha256,
                 certificate_serial = EXCLUDED.certificate_serial",
            &[
                &id,
                &token_sha256,
                &now,
                &certificate.sha256.as_slice(),
                &certificate.serial,
            ],
        )
        .map(drop)
    }

    fn remove_kiosk(&mut self, id: &str, now: i64) -> Result<bool, StoreError> {
        self.revoke_current_certificate(id, now)?;
        self.execute("DELETE FROM kiosk_heartbeats WHERE kiosk = $1", &[&id])?;
        Ok(self.execute("DELETE FROM kiosks WHERE id = $1", &[&id])? == 1)
    }

    fn kiosk_secrets(&mut self, id: &str) -> Result<Option<KioskSecrets>, StoreError> {
        match self.query_opt(
            "SELECT token_sha256, certificate_sha256 FROM kiosks WHERE id = $1",
            &[&id],
        )? {
            Some(row) => Ok(Some(KioskSecrets {
                token_sha256: get(&row, 0)?,
                certificate_sha256: get(&row, 1)?,
            })),
            None => Ok(None),
        }
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
        self.execute(
            "INSERT INTO kiosk_heartbeats (kiosk, heard_at, report) VALUES ($1, $2, $3)
             ON CONFLICT (kiosk) DO UPDATE SET heard_at = EXCLUDED.heard_at,
                 report = EXCLUDED.report",
            &[&kiosk, &heard_at, &report],
        )
        .map(drop)
    }

    fn fleet(&mut self) -> Result<Vec<FleetRow>, StoreError> {
        self.query(
            "SELECT k.id, k.added_at, h.heard_at, h.report
             FROM kiosks k LEFT JOIN kiosk_heartbeats h ON h.kiosk = k.id ORDER BY k.id",
            &[],
        )?
        .iter()
        .map(|row| {
            let heard_at: Option<i64> = get(row, 2)?;
            let report: Option<String> = get(row, 3)?;
            Ok(FleetRow {
                kiosk: get(row, 0)?,
                added_at: get(row, 1)?,
                heartbeat: heard_at.zip(report),
            })
        })
        .collect()
    }

    fn reservation_counts(
        &mut self,
        expired_before: i64,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        self.query(
            "SELECT CASE WHEN state = 'open' AND made_at < $1 THEN 'expired' ELSE state END,
                 COUNT(*)
             FROM reservations GROUP BY 1 ORDER BY 1",
            &[&expired_before],
        )?
        .iter()
        .map(|row| Ok((get(row, 0)?, get(row, 1)?)))
        .collect()
    }

    fn setting(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        match self.query_opt("SELECT value FROM settings WHERE key = $1", &[&key])? {
            Some(row) => get(&row, 0).map(Some),
            None => Ok(None),
        }
    }

    fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[&key, &value],
        )
        .map(drop)
    }

    fn purge(
        &mut self,
        sessions_before: i64,
        reservations_before: i64,
    ) -> Result<Purged, StoreError> {
        self.execute(
            "DELETE FROM command_challenges
             WHERE session IN (SELECT id FROM sessions WHERE created_at < $1)",
            &[&sessions_before],
        )?;
        Ok(Purged {
            sessions: self.execute(
                "DELETE FROM sessions WHERE created_at < $1",
                &[&sessions_before],
            )?,
            card_challenges: self.execute(
                "DELETE FROM used_card_challenges WHERE recorded_at < $1",
                &[&sessions_before],
            )?,
            reservations: self.execute(
                "DELETE FROM reservations WHERE made_at < $1",
                &[&reservations_before],
            )?,
        })
    }
}
