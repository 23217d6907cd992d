//! How a kiosk reaches the centre: one trait. [`HttpCentre`] calls `reset-center serve` over
//! HTTPS with mutual TLS and timeouts; the stand-in centre's crate has an in-process one for the
//! demo. An integrator with J-LIS's real interface implements [`ResetCentre`] once more.
//!
//! The link (docs/tls.md): only `https://`; the centre's certificate must chain to the CA the
//! kiosk is given ([`ClientTls`], not the system's store) and name the URL's host; the kiosk
//! presents its own certificate, which is its identity, and its credential as a second factor.
//! A centre that cannot prove itself gets nothing: the request is never sent.

use std::time::Duration;

use card_driver::pin::Pin;
use card_driver::reset_cryptogram::ResetCommand;
use zeroize::Zeroizing;

use crate::api::{
    Outcome, Refusal, ReservationState, ResetKind, SessionId, from_base64, to_base64, wire,
};
use crate::heartbeat::{Heartbeat, HeartbeatAnswer};

/// A session the centre opened: its id and the challenge the card must sign.
#[derive(Debug, Clone)]
pub struct Begun {
    pub session: SessionId,
    pub challenge: Vec<u8>,
}

/// Why the kiosk got no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CentreError {
    /// The centre said no, for a reason the holder can be told.
    #[error("the centre refused: {0}")]
    Refused(Refusal),
    /// The centre does not know this kiosk (wrong id or credential).
    #[error("the centre does not know this kiosk")]
    UnknownKiosk,
    /// No answer: the centre is down or the network is.
    #[error("the centre cannot be reached: {0}")]
    Unreachable(String),
    /// No answer within the deadline.
    #[error("the centre did not answer within {0:?}")]
    Timeout(Duration),
    /// An answer that is not the protocol (or the centre's own internal error).
    #[error("the centre's answer was not understood: {0}")]
    Protocol(String),
}

/// The reset centre, as the kiosk's flow uses it.
pub trait ResetCentre: Send + Sync {
    /// The early look-up, before any PIN: is there a usable reservation for this card and kind?
    /// Returns when it stops being valid (RFC 3339).
    fn check_reservation(
        &self,
        kind: ResetKind,
        auth_certificate: &[u8],
    ) -> Result<String, CentreError>;
    /// Opens a session and gets the challenge for the holder's proof.
    fn begin(&self, kind: ResetKind, auth_certificate: &[u8]) -> Result<Begun, CentreError>;
    /// Sends the card's signature over [`crate::api::proof_digest`]; for an auth-PIN reset with
    /// the signing certificate.
    fn prove(
        &self,
        session: &SessionId,
        signature: &[u8],
        certificate: Option<&[u8]>,
    ) -> Result<(), CentreError>;
    /// Gets the card's reset command for `new_pin` and the card challenge just read.
    fn reset_command(
        &self,
        session: &SessionId,
        card_challenge: &[u8],
        new_pin: &Pin,
    ) -> Result<ResetCommand, CentreError>;
    /// Reports what the card answered (or that it got nothing); repeating it is harmless.
    fn complete(
        &self,
        session: &SessionId,
        outcome: Outcome,
    ) -> Result<ReservationState, CentreError>;
    /// Whether the centre answers and knows this kiosk (for staff); its maintenance flag if so.
    fn health(&self) -> Result<bool, CentreError>;
    /// Tells the centre how this kiosk is (its heartbeat); the centre answers when it heard it.
    fn heartbeat(&self, report: &Heartbeat) -> Result<HeartbeatAnswer, CentreError>;
}

/// The cryptography of the link on both sides: rustls's ring provider (TLS 1.2 and 1.3, ECDHE
/// with X25519 or P-256, AES-GCM or ChaCha20-Poly1305). rustls 0.23.48 marks it deprecated for
/// lacking post-quantum key exchange, which its aws-lc-rs provider has; that one builds a C
/// library (aws-lc) with cmake on every kiosk image build, so ring stays until the centre's
/// operator asks for post-quantum key exchange (docs/tls.md).
#[allow(deprecated)]
pub fn crypto_provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    std::sync::Arc::new(rustls::crypto::ring::default_provider())
}

/// What the kiosk needs for the TLS link: the centre CA it pins, its own certificate chain and
/// key.
#[derive(Clone)]
pub struct ClientTls {
    centre_ca: Vec<ureq::tls::Certificate<'static>>,
    client: ureq::tls::ClientCert,
}

impl std::fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientTls")
            .field("centre_ca", &self.centre_ca.len())
            .field("chain", &self.client.certs().len())
            .finish_non_exhaustive()
    }
}

impl ClientTls {
    /// Reads the centre CA (PEM), the kiosk's certificate (PEM, its chain) and its key (PEM);
    /// an error names the file and what is wrong with it.
    pub fn from_files(
        centre_ca: &std::path::Path,
        certificate: &std::path::Path,
        key: &std::path::Path,
    ) -> Result<ClientTls, String> {
        let read = |path: &std::path::Path| {
            std::fs::read(path)
                .map(Zeroizing::new)
                .map_err(|e| format!("{}: {e}", path.display()))
        };
        let certificates = |path: &std::path::Path| -> Result<Vec<_>, String> {
            let bytes = read(path)?;
            let mut found = Vec::new();
            for item in ureq::tls::parse_pem(&bytes) {
                if let ureq::tls::PemItem::Certificate(certificate) =
                    item.map_err(|e| format!("{}: {e}", path.display()))?
                {
                    found.push(certificate);
                }
            }
            if found.is_empty() {
                return Err(format!("{}: no certificate (PEM) in it", path.display()));
            }
            Ok(found)
        };
        let key_bytes = read(key)?;
        let key = ureq::tls::PrivateKey::from_pem(&key_bytes)
            .map_err(|e| format!("{}: not a private key (PEM): {e}", key.display()))?;
        Ok(ClientTls {
            centre_ca: certificates(centre_ca)?,
            client: ureq::tls::ClientCert::new_with_certs(&certificates(certificate)?, key),
        })
    }

    fn config(&self) -> ureq::tls::TlsConfig {
        ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .unversioned_rustls_crypto_provider(crypto_provider())
            .root_certs(ureq::tls::RootCerts::new_with_certs(&self.centre_ca))
            .client_cert(Some(self.client.clone()))
            .build()
    }
}

/// The centre over HTTPS.
pub struct HttpCentre {
    agent: ureq::Agent,
    base: String,
    kiosk_id: String,
    credential: Zeroizing<String>,
    timeout: Duration,
}

impl std::fmt::Debug for HttpCentre {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpCentre")
            .field("base", &self.base)
            .field("kiosk_id", &self.kiosk_id)
            .finish_non_exhaustive()
    }
}

impl HttpCentre {
    /// `base` like `https://centre.example:8443`; `timeout` bounds each whole request. Only
    /// `https://` is taken: nothing of a reset may cross a network in clear.
    pub fn new(
        base: &str,
        kiosk_id: &str,
        credential: &str,
        timeout: Duration,
        tls: &ClientTls,
    ) -> Result<HttpCentre, String> {
        if !base.starts_with("https://") {
            return Err(format!(
                "{base:?} is not an https:// URL: the centre is reached over TLS only"
            ));
        }
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .timeout_connect(Some(timeout.min(Duration::from_secs(3))))
            .http_status_as_error(false)
            // The centre is reached directly: no proxy from the environment, no redirect.
            .proxy(None)
            .max_redirects(0)
            .https_only(true)
            .tls_config(tls.config())
            .build();
        Ok(HttpCentre {
            agent: ureq::Agent::new_with_config(config),
            base: base.trim_end_matches('/').to_string(),
            kiosk_id: kiosk_id.to_string(),
            credential: Zeroizing::new(credential.to_string()),
            timeout,
        })
    }

    fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &[u8],
    ) -> Result<T, CentreError> {
        let response = self
            .agent
            .post(format!("{}{path}", self.base))
            .header(
                "Authorization",
                &format!("Bearer {}", self.credential.as_str()),
            )
            .header("Content-Type", "application/json")
            .send(body);
        self.answer(response)
    }

    fn answer<T: serde::de::DeserializeOwned>(
        &self,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<T, CentreError> {
        let mut response = response.map_err(|error| self.transport_error(error))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .read_to_vec()
            .map_err(|error| self.transport_error(error))?;
        match status {
            200 => serde_json::from_slice(&body).map_err(|e| CentreError::Protocol(e.to_string())),
            401 => Err(CentreError::UnknownKiosk),
            // The centre cut the request for taking too long: whether it acted on it is
            // unknown, exactly as when the answer never came.
            408 => Err(CentreError::Timeout(self.timeout)),
            // Too many session starts: for the holder, the centre cannot serve now.
            429 => Err(CentreError::Unreachable(
                "HTTP 429 (too many session starts)".into(),
            )),
            _ => match serde_json::from_slice::<wire::RefusalBody>(&body) {
                Ok(refusal) => Err(CentreError::Refused(refusal.refusal)),
                // The centre (or a gateway in front of it) cannot serve now: for the holder
                // that is the centre being unreachable, to be tried again later.
                Err(_) if (500..=599).contains(&status) => {
                    Err(CentreError::Unreachable(format!("HTTP {status}")))
                }
                Err(_) => Err(CentreError::Protocol(format!("HTTP {status}"))),
            },
        }
    }

    fn transport_error(&self, error: ureq::Error) -> CentreError {
        match error {
            ureq::Error::Timeout(_) => CentreError::Timeout(self.timeout),
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
                CentreError::Timeout(self.timeout)
            }
            other => CentreError::Unreachable(other.to_string()),
        }
    }
}

/// The JSON body of a request, in a buffer wiped when dropped. It is made large enough at
/// once: a growing buffer would leave copies of what it held (the new PIN) in the memory it
/// gave back.
fn json(value: &impl serde::Serialize) -> Result<Zeroizing<Vec<u8>>, CentreError> {
    let mut body = Zeroizing::new(Vec::with_capacity(16 * 1024));
    serde_json::to_writer(&mut *body, value).map_err(|e| CentreError::Protocol(e.to_string()))?;
    Ok(body)
}

impl ResetCentre for HttpCentre {
    fn health(&self) -> Result<bool, CentreError> {
        let response = self
            .agent
            .get(format!("{}/v1/health", self.base))
            .header(
                "Authorization",
                &format!("Bearer {}", self.credential.as_str()),
            )
            .call();
        let health: wire::HealthResponse = self.answer(response)?;
        Ok(health.maintenance)
    }

    fn check_reservation(
        &self,
        kind: ResetKind,
        auth_certificate: &[u8],
    ) -> Result<String, CentreError> {
        let body = json(&wire::CertificateRequest {
            kind,
            auth_certificate: to_base64(auth_certificate),
        })?;
        let response: wire::CheckResponse = self.post("/v1/reservations/check", &body)?;
        Ok(response.valid_until)
    }

    fn begin(&self, kind: ResetKind, auth_certificate: &[u8]) -> Result<Begun, CentreError> {
        let body = json(&wire::CertificateRequest {
            kind,
            auth_certificate: to_base64(auth_certificate),
        })?;
        let response: wire::BeginResponse = self.post("/v1/sessions", &body)?;
        let challenge = from_base64(&response.challenge)
            .ok_or_else(|| CentreError::Protocol("challenge is not base64".into()))?;
        Ok(Begun {
            session: response.session,
            challenge,
        })
    }

    fn prove(
        &self,
        session: &SessionId,
        signature: &[u8],
        certificate: Option<&[u8]>,
    ) -> Result<(), CentreError> {
        let body = json(&wire::ProofRequest {
            signature: to_base64(signature),
            certificate: certificate.map(to_base64),
        })?;
        let _: serde_json::Value = self.post(&format!("/v1/sessions/{session}/proof"), &body)?;
        Ok(())
    }

    fn reset_command(
        &self,
        session: &SessionId,
        card_challenge: &[u8],
        new_pin: &Pin,
    ) -> Result<ResetCommand, CentreError> {
        // A PIN is digits (or, for the signing password, ASCII letters and digits): UTF-8.
        let pin = std::str::from_utf8(new_pin.expose())
            .map_err(|_| CentreError::Protocol("the new PIN is not text".into()))?;
        // The request's one copy of the PIN is wiped when it is dropped (its `Drop`), and the
        // body's with the body.
        let request = wire::ResetCommandRequest {
            card_challenge: to_base64(card_challenge),
            new_pin: pin.to_owned(),
        };
        let body = json(&request)?;
        drop(request);
        let response: wire::ResetCommandResponse =
            self.post(&format!("/v1/sessions/{session}/reset-command"), &body)?;
        let apdu = from_base64(&response.apdu)
            .ok_or_else(|| CentreError::Protocol("apdu is not base64".into()))?;
        ResetCommand::from_bytes(apdu).map_err(|e| CentreError::Protocol(e.to_string()))
    }

    fn complete(
        &self,
        session: &SessionId,
        outcome: Outcome,
    ) -> Result<ReservationState, CentreError> {
        let body = json(&wire::CompleteRequest { outcome })?;
        let response: wire::CompleteResponse =
            self.post(&format!("/v1/sessions/{session}/complete"), &body)?;
        Ok(response.reservation)
    }

    fn heartbeat(&self, report: &Heartbeat) -> Result<HeartbeatAnswer, CentreError> {
        let body = json(report)?;
        self.post("/v1/heartbeat", &body)
    }
}
