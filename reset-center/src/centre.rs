//! The centre's decisions: who may reset which PIN, when, and how the one reset a reservation
//! allows is handed out exactly once.
//!
//! A session goes `begin` (certificate checked, reservation found, centre challenge) → `prove`
//! (the card's signature over the challenge) → `reset_command` (the reservation is claimed for
//! this session under a lease, and the card's cryptogram issued) → `complete` (the card's answer:
//! `9000` consumes the reservation; anything that proves the card unchanged releases it; an unknown
//! outcome keeps the claim until the lease ends). The reservation is consumed only on the card's
//! `9000`, late answers included.

use std::fmt;
use std::sync::{Arc, Mutex};

use card_driver::pin::Pin;
use card_driver::reset_cryptogram::{self, CardId, CardKey, ResetCommand};
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::config::{CentreConfig, ServiceHours};
use crate::fleet::KioskStatus;
use crate::metrics::{Metrics, SessionOutcome};
use crate::store::{
    KioskCertificate, Purged, Reservation, ReservationRow, Session, SessionState, Store,
    StoreError, Transaction,
};
use crate::trust::{CardRef, TrustStore, verify_proof};
use reset_protocol::api::{
    CENTRE_CHALLENGE_LENGTH, Outcome, Refusal, ReservationState, ResetKind, SessionId, proof_digest,
};
use reset_protocol::heartbeat::{Heartbeat, HeartbeatAnswer};

/// Where the centre reads the time; tests and the demo move it.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until moved (tests).
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(now: DateTime<Utc>) -> ManualClock {
        ManualClock(Mutex::new(now))
    }

    pub fn set(&self, now: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = now;
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A reservation to make: the card's auth certificate, the kind, and when it was made (now if
/// `None`).
pub type ReservationRequest<'a> = (&'a [u8], ResetKind, Option<DateTime<Utc>>);

/// The time limits and hours the centre applies.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub service_hours: ServiceHours,
    pub reservation_validity: chrono::Duration,
    pub session_lifetime: chrono::Duration,
    pub claim_lease: chrono::Duration,
    pub retention: crate::config::Retention,
}

impl Limits {
    pub fn from_config(config: &CentreConfig) -> Limits {
        Limits {
            service_hours: config.service_hours,
            reservation_validity: config.reservation_validity,
            session_lifetime: config.session_lifetime,
            claim_lease: config.claim_lease,
            retention: config.retention,
        }
    }
}

/// Why a request got no answer it could use.
#[derive(Debug, thiserror::Error)]
pub enum CentreFailure {
    #[error("refused: {0}")]
    Refused(Refusal),
    /// Something broke inside the centre (database): nothing was decided.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<Refusal> for CentreFailure {
    fn from(refusal: Refusal) -> CentreFailure {
        CentreFailure::Refused(refusal)
    }
}

impl From<StoreError> for CentreFailure {
    fn from(error: StoreError) -> CentreFailure {
        CentreFailure::Internal(error.to_string())
    }
}

/// A kiosk the centre has authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskId(pub String);

/// The centre could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("trust anchors: {0}")]
    Trust(#[from] crate::trust::TrustError),
    #[error("master key {0}")]
    MasterKey(String),
}

/// The files of the centre's trust anchors.
#[derive(Debug, Clone)]
struct TrustFiles {
    auth_ca: std::path::PathBuf,
    signing_ca: std::path::PathBuf,
    auth_crl: std::path::PathBuf,
    signing_crl: std::path::PathBuf,
    registry: std::path::PathBuf,
}

impl TrustFiles {
    fn load(&self) -> Result<TrustStore, crate::trust::TrustError> {
        TrustStore::load(
            &self.auth_ca,
            &self.signing_ca,
            &self.auth_crl,
            &self.signing_crl,
            &self.registry,
        )
    }
}

/// The reset centre stand-in.
#[derive(Debug)]
pub struct Centre {
    store: Store,
    /// Replaced whole when its files are read again ([`Centre::reload_trust`]).
    trust: std::sync::RwLock<Arc<TrustStore>>,
    /// Where the trust anchors are, to read them again.
    trust_files: TrustFiles,
    master_key: Zeroizing<Vec<u8>>,
    limits: Limits,
    clock: Arc<dyn Clock>,
    /// What this instance counts for `/metrics`.
    metrics: Metrics,
}

const MAINTENANCE: &str = "maintenance";

impl Centre {
    pub fn open(config: &CentreConfig, clock: Arc<dyn Clock>) -> Result<Centre, StartError> {
        let store = Store::open(&config.database)?;
        let trust_files = TrustFiles {
            auth_ca: config.auth_ca_certificate.clone(),
            signing_ca: config.signing_ca_certificate.clone(),
            auth_crl: config.auth_crl.clone(),
            signing_crl: config.signing_crl.clone(),
            registry: config.registry.clone(),
        };
        let trust = trust_files.load()?;
        let master_key = load_master_key(&config.master_key_file)?;
        Ok(Centre {
            store,
            trust: std::sync::RwLock::new(Arc::new(trust)),
            trust_files,
            master_key,
            limits: Limits::from_config(config),
            clock,
            metrics: Metrics::new(),
        })
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn trust(&self) -> Arc<TrustStore> {
        match self.trust.read() {
            Ok(trust) => trust.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reads the CAs, their revocation lists and the registry again (`serve` does so on a
    /// schedule). On an error the ones in use stay, and the error is returned for the log.
    pub fn reload_trust(&self) -> Result<(), crate::trust::TrustError> {
        let trust = Arc::new(self.trust_files.load()?);
        match self.trust.write() {
            Ok(mut current) => *current = trust,
            Err(poisoned) => *poisoned.into_inner() = trust,
        }
        Ok(())
    }

    // ---- operators and the smartphone app's stand-in ----

    /// Records a reservation (what the smartphone app does after its face match) for the card
    /// whose auth certificate is `auth_certificate`. Only the certificate's identity is read:
    /// its trust is checked when the holder comes to a kiosk.
    pub fn reserve(
        &self,
        auth_certificate: &[u8],
        kind: ResetKind,
        made_at: Option<DateTime<Utc>>,
    ) -> Result<Reservation, CentreFailure> {
        let mut made = self.reserve_many(&[(auth_certificate, kind, made_at)])?;
        made.pop()
            .ok_or_else(|| CentreFailure::Internal("no reservation made".to_string()))
    }

    /// Several reservations in one transaction (one durable write), e.g. the demo's.
    pub fn reserve_many(
        &self,
        requests: &[ReservationRequest<'_>],
    ) -> Result<Vec<Reservation>, CentreFailure> {
        let now = self.now();
        let mut planned = Vec::with_capacity(requests.len());
        for (certificate, kind, made_at) in requests {
            let card = card_of(certificate).ok_or(Refusal::BadRequest)?;
            planned.push((card, *kind, made_at.unwrap_or(now).timestamp()));
        }
        self.store.transaction(|transaction| {
            planned
                .iter()
                .map(|(card, kind, made_at)| {
                    let id = transaction.insert_reservation(card, *kind, *made_at)?;
                    Ok(Reservation {
                        id,
                        issuer: card.issuer.clone(),
                        serial: card.serial.clone(),
                        kind: *kind,
                        made_at: *made_at,
                        state: ReservationRow::Open,
                        claimed_by: None,
                        lease_until: None,
                        used_at: None,
                    })
                })
                .collect::<Result<Vec<_>, CentreFailure>>()
        })
    }

    pub fn reservations(&self) -> Result<Vec<Reservation>, CentreFailure> {
        Ok(self.store.reservations()?)
    }

    /// Deletes what the retention periods no longer keep (docs/reset-center.md, "Retention"):
    /// sessions, with the certificates they hold and their command challenges, once
    /// `retention.sessions` old; reservations once they can no longer be used or claimed (made
    /// more than the validity and a lease ago) and `retention.reservation_audit` has passed.
    /// `serve` runs it every hour; any number of instances may run it at once.
    pub fn purge(&self) -> Result<Purged, CentreFailure> {
        let now = self.now();
        let retention = self.limits.retention;
        let sessions_before = (now - retention.sessions).timestamp();
        let reservations_before = (now
            - self.limits.reservation_validity
            - self.limits.claim_lease
            - retention.reservation_audit)
            .timestamp();
        Ok(self.store.purge(sessions_before, reservations_before)?)
    }

    /// When a reservation stops being valid.
    pub fn valid_until(&self, reservation: &Reservation) -> DateTime<Utc> {
        DateTime::from_timestamp(reservation.made_at, 0).unwrap_or_default()
            + self.limits.reservation_validity
    }

    pub fn cancel(&self, id: i64) -> Result<bool, CentreFailure> {
        Ok(self.store.cancel_reservation(id)?)
    }

    pub fn set_maintenance(&self, on: bool) -> Result<(), CentreFailure> {
        Ok(self
            .store
            .set_setting(MAINTENANCE, if on { "on" } else { "off" })?)
    }

    pub fn maintenance(&self) -> Result<bool, CentreFailure> {
        Ok(self.store.setting(MAINTENANCE)?.as_deref() == Some("on"))
    }

    /// Registers kiosk `id` with its certificate (issued by the kiosk CA) and returns its new
    /// credential (shown once; only its hash is kept). A kiosk added again gets a new credential
    /// and certificate; its earlier certificate is revoked.
    pub fn add_kiosk(
        &self,
        id: &str,
        certificate: &KioskCertificate,
    ) -> Result<Zeroizing<String>, CentreFailure> {
        let mut secret = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(secret.as_mut());
        let token = Zeroizing::new(hex::encode(secret.as_ref()));
        self.store.add_kiosk(
            id,
            &Sha256::digest(token.as_bytes()),
            certificate,
            self.now().timestamp(),
        )?;
        Ok(token)
    }

    /// Removes a kiosk and revokes its certificate: its next request is refused.
    pub fn remove_kiosk(&self, id: &str) -> Result<bool, CentreFailure> {
        Ok(self.store.remove_kiosk(id, self.now().timestamp())?)
    }

    pub fn kiosks(&self) -> Result<Vec<(String, i64)>, CentreFailure> {
        Ok(self.store.kiosks()?)
    }

    /// The kiosk certificates revoked so far (serial in hex, when), for the revocation list.
    pub fn revoked_kiosk_certificates(&self) -> Result<Vec<(String, i64)>, CentreFailure> {
        Ok(self.store.revoked_kiosk_certificates()?)
    }

    /// The kiosk, if it is registered with the certificate whose SHA-256 is `certificate` and
    /// `token` is its credential. Anyone else gets nothing.
    /// A database that cannot be read is an error, not "unknown".
    pub fn authenticate(
        &self,
        id: &str,
        certificate: &[u8; 32],
        token: &str,
    ) -> Result<Option<KioskId>, CentreFailure> {
        let Some(stored) = self.store.kiosk_secrets(id)? else {
            return Ok(None);
        };
        let presented = Sha256::digest(token.as_bytes());
        let token_matches = constant_time_eq(&stored.token_sha256, &presented);
        let certificate_matches = stored
            .certificate_sha256
            .is_some_and(|stored| constant_time_eq(&stored, certificate));
        Ok((token_matches && certificate_matches).then(|| KioskId(id.to_string())))
    }

    // ---- operations ----

    /// Records kiosk `kiosk`'s heartbeat; answers when it was heard and the maintenance flag.
    pub fn heartbeat(
        &self,
        kiosk: &KioskId,
        report: &Heartbeat,
    ) -> Result<HeartbeatAnswer, CentreFailure> {
        let now = self.now();
        let json = serde_json::to_string(report)
            .map_err(|e| CentreFailure::Internal(format!("heartbeat: {e}")))?;
        self.store
            .record_heartbeat(&kiosk.0, now.timestamp(), &json)?;
        self.metrics.heartbeat();
        Ok(HeartbeatAnswer {
            heard_at: now.to_rfc3339(),
            maintenance: self.maintenance()?,
        })
    }

    /// Every registered kiosk with its last heartbeat.
    pub fn fleet(&self) -> Result<Vec<KioskStatus>, CentreFailure> {
        Ok(self
            .store
            .fleet()?
            .into_iter()
            .map(|row| KioskStatus {
                id: row.kiosk,
                added_at: row.added_at,
                // Stored by this centre from a parsed report: a row that no longer parses
                // (a newer centre wrote it) reads as not heard rather than failing the list.
                last: row.heartbeat.and_then(|(heard_at, json)| {
                    serde_json::from_str::<Heartbeat>(&json)
                        .ok()
                        .map(|report| (heard_at, report))
                }),
            })
            .collect())
    }

    /// What `/metrics` reads from the database and the trust anchors now; a database that
    /// cannot be read leaves `reservations` empty (the metrics say the database is down).
    pub fn snapshot(&self) -> crate::metrics::Snapshot {
        let now = self.now().timestamp();
        let expired_before = now - self.limits.reservation_validity.num_seconds();
        // Both reads or neither: a fleet that failed to read must not look like an empty
        // fleet (every kiosk's series would vanish and its alerts clear).
        let read = self
            .store
            .reservation_counts(expired_before)
            .ok()
            .and_then(|counts| self.fleet().ok().map(|fleet| (counts, fleet)));
        let (reservations, fleet) = match read {
            Some((counts, fleet)) => (Some(counts), fleet),
            None => (None, Vec::new()),
        };
        crate::metrics::Snapshot {
            reservations,
            crl_next_update: self.trust().revocation_lists().to_vec(),
            fleet,
        }
    }

    /// Whether this instance can serve now: its database answers and its card CAs' revocation
    /// lists are current. Each problem, one line.
    pub fn readiness(&self) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        if let Err(e) = self.store.setting(MAINTENANCE) {
            problems.push(e.to_string());
        }
        let now = self.now().timestamp();
        for (ca, next_update) in self.trust().revocation_lists() {
            if next_update.is_some_and(|next_update| now > next_update) {
                problems.push(format!(
                    "the {ca} CA's revocation list is past its nextUpdate"
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    // ---- the kiosk protocol ----

    /// The early look-up, before the holder types a PIN: would a session be admitted now?
    pub fn check(
        &self,
        _kiosk: &KioskId,
        kind: ResetKind,
        auth_certificate: &[u8],
    ) -> Result<DateTime<Utc>, CentreFailure> {
        let now = self.now();
        let card = self.admit(auth_certificate, now)?;
        let reservation = self.store.transaction(|transaction| {
            let reservations = transaction.card_reservations(&card)?;
            Ok::<_, CentreFailure>(self.usable_reservation(&reservations, kind, now))
        })??;
        Ok(self.valid_until(&reservation))
    }

    /// Opens a session: certificate and reservation checked, a fresh centre challenge issued.
    pub fn begin(
        &self,
        kiosk: &KioskId,
        kind: ResetKind,
        auth_certificate: &[u8],
    ) -> Result<(SessionId, Vec<u8>), CentreFailure> {
        let now = self.now();
        let card = self.admit(auth_certificate, now)?;
        let mut challenge = vec![0u8; CENTRE_CHALLENGE_LENGTH];
        rand::rngs::OsRng.fill_bytes(&mut challenge);
        let mut id = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut id);
        let session = Session {
            id: hex::encode(id),
            kiosk: kiosk.0.clone(),
            card,
            kind,
            auth_certificate: auth_certificate.to_vec(),
            challenge: challenge.clone(),
            created_at: now.timestamp(),
            state: SessionState::Begun,
            reservation: None,
        };
        self.store.transaction(|transaction| {
            let reservations = transaction.card_reservations(&session.card)?;
            self.usable_reservation(&reservations, kind, now)?;
            transaction.insert_session(&session)?;
            Ok::<_, CentreFailure>(())
        })?;
        self.metrics.session_started(kind);
        Ok((SessionId(session.id), challenge))
    }

    /// Checks the holder's proof: the card's signature over the session's challenge, with the
    /// key of the PIN they still know. The challenge is used up whatever the result.
    pub fn prove(
        &self,
        kiosk: &KioskId,
        session_id: &SessionId,
        signature: &[u8],
        certificate: Option<&[u8]>,
    ) -> Result<(), CentreFailure> {
        let now = self.now();
        let verdict = self.store.transaction(|transaction| {
            let session = self.live_session(transaction, kiosk, session_id, now)?;
            match session.state {
                SessionState::Begun => {}
                SessionState::Failed | SessionState::Closed => {
                    return Ok(Err(Refusal::SessionClosed));
                }
                _ => return Ok(Err(Refusal::ChallengeUsed)),
            }
            let verdict = self.check_proof(&session, signature, certificate, now);
            let state = if verdict.is_ok() {
                SessionState::Proven
            } else {
                SessionState::Failed
            };
            transaction.set_session_state(&session.id, state, None)?;
            Ok::<_, CentreFailure>(verdict)
        })?;
        Ok(verdict?)
    }

    /// The kind of reset a session is for (so the new PIN can be checked by the right rules).
    pub fn session_kind(
        &self,
        kiosk: &KioskId,
        session_id: &SessionId,
    ) -> Result<ResetKind, CentreFailure> {
        self.store.transaction(|transaction| {
            let session = transaction
                .load_session(&session_id.0)?
                .filter(|session| session.kiosk == kiosk.0)
                .ok_or(Refusal::SessionUnknown)?;
            Ok(session.kind)
        })
    }

    /// Claims the reservation for this session and returns the card's reset command carrying
    /// `new_pin`, for the card challenge the kiosk just read.
    pub fn reset_command(
        &self,
        kiosk: &KioskId,
        session_id: &SessionId,
        card_challenge: &[u8],
        new_pin: &Pin,
    ) -> Result<ResetCommand, CentreFailure> {
        let now = self.now();
        let card_challenge: [u8; reset_cryptogram::CHALLENGE_LENGTH] =
            card_challenge.try_into().map_err(|_| Refusal::BadRequest)?;
        if self.maintenance()? {
            return Err(Refusal::Maintenance.into());
        }
        self.store.transaction(|transaction| {
            let session = self.live_session(transaction, kiosk, session_id, now)?;
            match session.state {
                SessionState::Proven => {}
                SessionState::Begun => return Err(Refusal::ProofRequired.into()),
                SessionState::CommandIssued | SessionState::Unknown => {
                    return Err(Refusal::CommandAlreadyIssued.into());
                }
                SessionState::Failed | SessionState::Closed => {
                    return Err(Refusal::SessionClosed.into());
                }
            }
            if new_pin.kind() != session.kind.target() {
                return Err(Refusal::InvalidPin.into());
            }
            let reservations = transaction.card_reservations(&session.card)?;
            let reservation = self.usable_reservation(&reservations, session.kind, now)?;
            // No card challenge is all zeros: that one names a PIN's issue receipt.
            if card_challenge == reset_cryptogram::ISSUE_CHALLENGE {
                return Err(Refusal::BadRequest.into());
            }
            if !transaction.record_card_challenge(
                &session.card,
                &card_challenge,
                now.timestamp(),
            )? {
                return Err(Refusal::CardChallengeReused.into());
            }
            transaction.record_command_challenge(&session.id, &card_challenge)?;
            let lease_until = (now + self.limits.claim_lease).timestamp();
            // The claim is conditional in the database as well: it holds even if another
            // instance claimed the reservation after it was read (docs/reset-center.md).
            if !transaction.claim_reservation(
                reservation.id,
                &session.id,
                lease_until,
                now.timestamp(),
            )? {
                return Err(Refusal::ReservationInUse.into());
            }
            transaction.set_session_state(
                &session.id,
                SessionState::CommandIssued,
                Some(reservation.id),
            )?;
            let card_id = CardId::from_auth_certificate(&session.auth_certificate)
                .map_err(|_| Refusal::CertUntrusted)?;
            let key = CardKey::derive(&self.master_key, &card_id);
            reset_cryptogram::seal(
                &key,
                &card_challenge,
                session.kind.target(),
                new_pin.expose(),
            )
            .map_err(|_| CentreFailure::from(Refusal::InvalidPin))
        })
    }

    /// Records what became of a session. Before a command was issued the kiosk's word closes it
    /// (nothing can have changed on the card). Once a command was issued, only the card's own
    /// word moves the reservation: its receipt of this command consumes it (also late, also
    /// after the lease); its receipt of an earlier reset, or of none, with no later command to
    /// that card, releases it. Anything else, the kiosk's report of the card's answer included,
    /// keeps it claimed until the lease ends, so a stolen kiosk credential can neither burn a
    /// holder's reservation nor give it back early. Repeating a completion is harmless.
    pub fn complete(
        &self,
        kiosk: &KioskId,
        session_id: &SessionId,
        outcome: Outcome,
    ) -> Result<ReservationState, CentreFailure> {
        let now = self.now();
        // The session's outcome, if this completion decided it, is counted once the
        // transaction has committed (it may run more than once).
        let (state, ended) = self.store.transaction(|transaction| {
            let session = transaction
                .load_session(&session_id.0)?
                .filter(|session| session.kiosk == kiosk.0)
                .ok_or(Refusal::SessionUnknown)?;
            // Locks the card's reservations: the receipt's judgement below reads the card's
            // other commands, which no other decision on this card may change meanwhile.
            transaction.card_reservations(&session.card)?;
            let Some(reservation) = session.reservation else {
                // No command was issued: nothing can have changed on the card.
                return match (session.state, outcome) {
                    (
                        SessionState::Begun | SessionState::Proven,
                        Outcome::Unchanged | Outcome::Receipt { .. },
                    ) => {
                        transaction.set_session_state(&session.id, SessionState::Closed, None)?;
                        Ok((
                            ReservationState::Open,
                            Some((session.kind, SessionOutcome::Abandoned)),
                        ))
                    }
                    (SessionState::Failed | SessionState::Closed, _) => {
                        Err(Refusal::SessionClosed.into())
                    }
                    _ => Err(Refusal::BadRequest.into()),
                };
            };
            let mut ended = None;
            if matches!(
                session.state,
                SessionState::CommandIssued | SessionState::Unknown
            ) {
                let judged = match outcome {
                    Outcome::Receipt { receipt } => {
                        self.judge_receipt(&mut *transaction, &session, &receipt)?
                    }
                    // The kiosk's word, which a stolen credential could say as well.
                    Outcome::Card { .. } | Outcome::Unchanged | Outcome::Unknown => {
                        CardWord::Silent
                    }
                };
                let next = match judged {
                    CardWord::Took => {
                        transaction.consume_reservation(
                            reservation,
                            &session.id,
                            now.timestamp(),
                        )?;
                        SessionState::Closed
                    }
                    CardWord::DidNotTake => {
                        transaction.release_reservation(reservation, &session.id)?;
                        SessionState::Closed
                    }
                    CardWord::Silent => SessionState::Unknown,
                };
                transaction.set_session_state(&session.id, next, None)?;
                ended = match (judged, session.state) {
                    (CardWord::Took, _) => Some(SessionOutcome::Reset),
                    (CardWord::DidNotTake, _) => Some(SessionOutcome::NotChanged),
                    // Unknown at the first report; a repeated "unknown" is not a new outcome.
                    (CardWord::Silent, SessionState::CommandIssued) => {
                        Some(SessionOutcome::Unknown)
                    }
                    (CardWord::Silent, _) => None,
                }
                .map(|outcome| (session.kind, outcome));
            }
            let row = transaction
                .reservation_by_id(reservation)?
                .ok_or(Refusal::NoReservation)?;
            let state = match row.state {
                ReservationRow::Used => ReservationState::Used,
                ReservationRow::Pending => ReservationState::Pending,
                ReservationRow::Open | ReservationRow::Cancelled => ReservationState::Open,
            };
            Ok::<_, CentreFailure>((state, ended))
        })?;
        if let Some((kind, outcome)) = ended {
            self.metrics.session_ended(kind, outcome);
        }
        Ok(state)
    }

    /// What a card's receipt says of this session's command. Taken, if it is the receipt of
    /// this session's command (only the card can make it, with its key, for this session's
    /// challenge). Not taken, if no later command went to that card for that PIN and the
    /// receipt is one the card may still give: of the last earlier command it is known to have
    /// taken (or the PIN's issue receipt if none), or of an earlier command whose outcome was
    /// never learnt and which came after that one. (This command, sealed for a challenge the
    /// card has since used up or lost, can then never be taken.) Nothing otherwise: a later
    /// reset may have replaced this one's receipt, the session's challenge was never recorded,
    /// or the bytes are not the card's current word (forged, or a stale receipt replayed).
    fn judge_receipt(
        &self,
        transaction: &mut dyn Transaction,
        session: &Session,
        receipt: &[u8; reset_cryptogram::RECEIPT_LENGTH],
    ) -> Result<CardWord, CentreFailure> {
        let challenge_of =
            |bytes: Vec<u8>| <[u8; reset_cryptogram::CHALLENGE_LENGTH]>::try_from(bytes).ok();
        let Some(challenge) = transaction
            .command_challenge(&session.id)?
            .and_then(challenge_of)
        else {
            return Ok(CardWord::Silent);
        };
        let card_id = CardId::from_auth_certificate(&session.auth_certificate)
            .map_err(|_| Refusal::CertUntrusted)?;
        let key = CardKey::derive(&self.master_key, &card_id);
        let target = session.kind.target();
        if reset_cryptogram::receipt_matches(&key, &challenge, target, receipt) {
            return Ok(CardWord::Took);
        }
        if transaction.later_command_for_card(session)? {
            return Ok(CardWord::Silent);
        }
        let earlier = transaction.earlier_commands(session)?;
        // The card's last known reset and the commands after it whose fate is unknown; with no
        // known reset, every earlier command and the PIN's issue.
        let last_taken = earlier.iter().rposition(|command| command.taken);
        let mut current: Vec<[u8; reset_cryptogram::CHALLENGE_LENGTH]> = earlier
            .into_iter()
            .skip(last_taken.unwrap_or(0))
            .filter_map(|command| challenge_of(command.challenge))
            .collect();
        if last_taken.is_none() {
            current.push(reset_cryptogram::ISSUE_CHALLENGE);
        }
        let current_word = current
            .iter()
            .any(|earlier| reset_cryptogram::receipt_matches(&key, earlier, target, receipt));
        Ok(if current_word {
            CardWord::DidNotTake
        } else {
            CardWord::Silent
        })
    }

    // ---- the rules ----

    /// Service state, hours and certificate, in the order the holder's guidance needs: the
    /// kiosk's own state first, then what only the municipal office can fix.
    fn admit(&self, auth_certificate: &[u8], now: DateTime<Utc>) -> Result<CardRef, CentreFailure> {
        if self.maintenance()? {
            return Err(Refusal::Maintenance.into());
        }
        if !self.limits.service_hours.contains(now) {
            return Err(Refusal::OutsideHours.into());
        }
        let trust = self.trust();
        let checked = trust.check_auth_certificate(auth_certificate, now.timestamp())?;
        // Both kinds need a live signing certificate: the signing reset resets its password,
        // the auth reset proves the holder with its key. Told now, before any PIN is typed.
        trust.check_signing_status(&checked.card, now.timestamp())?;
        Ok(checked.card)
    }

    /// The reservation a session may use now, or the refusal that explains why there is none.
    fn usable_reservation(
        &self,
        reservations: &[Reservation],
        kind: ResetKind,
        now: DateTime<Utc>,
    ) -> Result<Reservation, Refusal> {
        let now = now.timestamp();
        let expired =
            |r: &Reservation| now > r.made_at + self.limits.reservation_validity.num_seconds();
        let lease_live = |r: &Reservation| r.lease_until.is_some_and(|until| now < until);
        let of_kind: Vec<&Reservation> = reservations
            .iter()
            .filter(|r| r.kind == kind && r.state != ReservationRow::Cancelled)
            .collect();
        // Open, or claimed by a session whose lease ran out (its kiosk went away).
        if let Some(usable) = of_kind.iter().find(|r| {
            !expired(r)
                && (r.state == ReservationRow::Open
                    || (r.state == ReservationRow::Pending && !lease_live(r)))
        }) {
            return Ok((*usable).clone());
        }
        if of_kind
            .iter()
            .any(|r| r.state == ReservationRow::Pending && lease_live(r) && !expired(r))
        {
            return Err(Refusal::ReservationInUse);
        }
        if let Some(newest) = of_kind.first() {
            return Err(match newest.state {
                ReservationRow::Used => Refusal::ReservationUsed,
                _ => Refusal::ReservationExpired,
            });
        }
        if reservations
            .iter()
            .any(|r| r.kind != kind && r.state != ReservationRow::Cancelled)
        {
            return Err(Refusal::WrongKind);
        }
        Err(Refusal::NoReservation)
    }

    fn live_session(
        &self,
        transaction: &mut dyn Transaction,
        kiosk: &KioskId,
        id: &SessionId,
        now: DateTime<Utc>,
    ) -> Result<Session, CentreFailure> {
        let session = transaction
            .load_session(&id.0)?
            .filter(|session| session.kiosk == kiosk.0)
            .ok_or(Refusal::SessionUnknown)?;
        if now.timestamp() > session.created_at + self.limits.session_lifetime.num_seconds() {
            return Err(Refusal::SessionExpired.into());
        }
        Ok(session)
    }

    fn check_proof(
        &self,
        session: &Session,
        signature: &[u8],
        certificate: Option<&[u8]>,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        let key = match session.kind {
            // A signing-PIN reset: the holder knows the auth PIN, proves with the auth key.
            ResetKind::Signing => {
                self.trust()
                    .check_auth_certificate(&session.auth_certificate, now.timestamp())?
                    .public_key
            }
            // An auth-PIN reset: proves with the signing key, whose certificate must be this card's.
            ResetKind::Auth => {
                let certificate = certificate.ok_or(Refusal::BadRequest)?;
                self.trust().check_signing_certificate(
                    &session.card,
                    certificate,
                    now.timestamp(),
                )?
            }
        };
        let digest = proof_digest(&SessionId(session.id.clone()), &session.challenge);
        if verify_proof(&key, &digest, signature) {
            Ok(())
        } else {
            Err(Refusal::BadProof)
        }
    }
}

/// Issuer and serial of a certificate, without judging it.
fn card_of(der: &[u8]) -> Option<CardRef> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    Some(CardRef {
        issuer: hex::encode(cert.issuer().as_raw()),
        serial: hex::encode(cert.raw_serial()),
    })
}

fn load_master_key(path: &std::path::Path) -> Result<Zeroizing<Vec<u8>>, StartError> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| StartError::MasterKey(format!("{}: {e}", path.display())))?,
    );
    let key = Zeroizing::new(
        hex::decode(text.trim())
            .map_err(|e| StartError::MasterKey(format!("{}: not hex: {e}", path.display())))?,
    );
    if key.len() < 32 {
        return Err(StartError::MasterKey(format!(
            "{}: {} bytes; at least 32 needed",
            path.display(),
            key.len()
        )));
    }
    Ok(key)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What the card's own word, its receipt, says of a session's issued command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CardWord {
    /// The card took this command: the reservation is used.
    Took,
    /// The card's last reset is an earlier one (or none) and no later command went to it: this
    /// command can never be taken now, and the reservation is the holder's again.
    DidNotTake,
    /// Nothing the centre can rely on: the reservation stays claimed until its lease ends.
    Silent,
}
