//! The centre's side of the link (docs/tls.md): HTTPS only, TLS 1.2 or 1.3 through rustls with
//! the ring provider. A client certificate is asked for and, when given, must chain to the
//! kiosk CA and not be on its revocation list, or the handshake fails. A client without one
//! still completes the handshake, but gets nothing but `GET /healthz` (the server refuses every
//! other route without a kiosk's certificate).
//!
//! The revocation list is read again every `crl_reload` ([`ServerTls::reload`]): a kiosk that
//! `kiosk remove` revoked is refused at its next handshake (and at its next request already, by
//! the kiosk table).

use std::sync::{Arc, RwLock};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

use crate::config::TlsSettings;

/// The server's TLS configuration, replaced whole when its files are read again.
#[derive(Debug)]
pub struct ServerTls {
    settings: TlsSettings,
    current: RwLock<Arc<ServerConfig>>,
}

impl ServerTls {
    /// Reads the centre's certificate, key, the kiosk CA and its list; an error names the file.
    pub fn load(settings: &TlsSettings) -> Result<ServerTls, String> {
        Ok(ServerTls {
            current: RwLock::new(build(settings)?),
            settings: settings.clone(),
        })
    }

    /// The configuration for the next connection.
    pub fn current(&self) -> Arc<ServerConfig> {
        match self.current.read() {
            Ok(config) => config.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reads the files again. On an error the configuration in use stays (a half-written list
    /// never opens the door), and the error is returned for the log.
    pub fn reload(&self) -> Result<(), String> {
        let config = build(&self.settings)?;
        match self.current.write() {
            Ok(mut current) => *current = config,
            Err(poisoned) => *poisoned.into_inner() = config,
        }
        Ok(())
    }
}

fn certificates(path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certificates = CertificateDer::pem_file_iter(path)
        .and_then(|items| items.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if certificates.is_empty() {
        return Err(format!("{}: no certificate in it", path.display()));
    }
    Ok(certificates)
}

/// A revocation list, DER or PEM.
pub fn revocation_list(
    path: &std::path::Path,
) -> Result<CertificateRevocationListDer<'static>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.starts_with(b"-----") {
        CertificateRevocationListDer::from_pem_slice(&bytes)
            .map_err(|e| format!("{}: {e}", path.display()))
    } else {
        Ok(CertificateRevocationListDer::from(bytes))
    }
}

/// The rustls provider both sides use (ring: see its comment).
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    reset_protocol::client::crypto_provider()
}

fn build(settings: &TlsSettings) -> Result<Arc<ServerConfig>, String> {
    // Each error names the config field (`tls.…`) whose file is wrong, so an operator
    // knows which line of the config to fix.
    let chain = certificates(&settings.certificate).map_err(|e| format!("tls.certificate: {e}"))?;
    let key = PrivateKeyDer::from_pem_file(&settings.key)
        .map_err(|e| format!("tls.key: {}: {e}", settings.key.display()))?;
    let mut roots = RootCertStore::empty();
    for ca in certificates(&settings.kiosk_ca_certificate)
        .map_err(|e| format!("tls.kiosk_ca_certificate: {e}"))?
    {
        roots.add(ca).map_err(|e| {
            format!(
                "tls.kiosk_ca_certificate: {}: {e}",
                settings.kiosk_ca_certificate.display()
            )
        })?;
    }
    let crl = revocation_list(&settings.kiosk_crl).map_err(|e| format!("tls.kiosk_crl: {e}"))?;
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
        .with_crls([crl])
        // The list is the kiosk CA's, of the kiosks it issued; the CA itself is the anchor.
        .only_check_end_entity_revocation()
        .allow_unauthenticated()
        .build()
        .map_err(|e| format!("tls.kiosk_crl: {}: {e}", settings.kiosk_crl.display()))?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| {
            format!(
                "tls.certificate/tls.key: {}: {e}",
                settings.certificate.display()
            )
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
