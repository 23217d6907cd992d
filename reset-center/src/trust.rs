//! Certificate checks: chains to the (test) JPKI CAs, validity, revocation lists, and the
//! issuance registry that tells which signing certificate belongs to which card.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256};
use x509_parser::prelude::{FromDer, X509Certificate};

use reset_protocol::api::Refusal;

/// sha256WithRSAEncryption: the only signature algorithm of the JPKI CAs.
const SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";

/// A card as the centre identifies it: issuer and serial of its auth certificate (hex).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CardRef {
    pub issuer: String,
    pub serial: String,
}

/// What the centre learned from a checked auth certificate.
#[derive(Debug, Clone)]
pub struct CheckedCertificate {
    pub card: CardRef,
    pub public_key: RsaPublicKey,
}

/// One CA: its name, key and revoked serials, and until when its list of them is current.
#[derive(Debug)]
struct Authority {
    subject_der: Vec<u8>,
    key: RsaPublicKey,
    revoked: HashSet<String>,
    /// The list's `nextUpdate` (Unix seconds): after it the list may miss revocations.
    next_update: Option<i64>,
}

/// What the centre knows of one card's certificates (the registry: J-LIS's view).
#[derive(Debug, Clone, Default)]
struct Issued {
    signing_serial: Option<String>,
}

/// The CAs, their revocation lists, and the issuance registry.
#[derive(Debug)]
pub struct TrustStore {
    auth: Authority,
    signing: Authority,
    registry: HashMap<CardRef, Issued>,
}

/// A trust anchor that cannot be loaded.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {problem}")]
pub struct TrustError {
    pub file: String,
    pub problem: String,
}

#[derive(serde::Deserialize)]
struct RegistryFile {
    cards: Vec<RegistryEntry>,
}

#[derive(serde::Deserialize)]
struct RegistryEntry {
    auth_issuer_der: String,
    auth_serial: String,
    signing_serial: Option<String>,
}

impl TrustStore {
    /// Each card CA's revocation list and its `nextUpdate` (Unix seconds), for the metrics and
    /// readiness: past it, the centre resets nothing.
    pub fn revocation_lists(&self) -> [(&'static str, Option<i64>); 2] {
        [
            ("auth", self.auth.next_update),
            ("signing", self.signing.next_update),
        ]
    }

    pub fn load(
        auth_ca: &Path,
        signing_ca: &Path,
        auth_crl: &Path,
        signing_crl: &Path,
        registry: &Path,
    ) -> Result<TrustStore, TrustError> {
        let auth = Authority::load(auth_ca, auth_crl)?;
        let signing = Authority::load(signing_ca, signing_crl)?;
        let read_error = |e: std::io::Error| TrustError {
            file: registry.display().to_string(),
            problem: e.to_string(),
        };
        let text = std::fs::read_to_string(registry).map_err(read_error)?;
        let file: RegistryFile = serde_json::from_str(&text).map_err(|e| TrustError {
            file: registry.display().to_string(),
            problem: e.to_string(),
        })?;
        let registry = file
            .cards
            .into_iter()
            .map(|entry| {
                (
                    CardRef {
                        issuer: entry.auth_issuer_der.to_lowercase(),
                        serial: entry.auth_serial.to_lowercase(),
                    },
                    Issued {
                        signing_serial: entry.signing_serial.map(|s| s.to_lowercase()),
                    },
                )
            })
            .collect();
        Ok(TrustStore {
            auth,
            signing,
            registry,
        })
    }

    /// Checks an auth certificate: issued by the auth CA (signature verified), valid at `now`,
    /// not revoked.
    pub fn check_auth_certificate(
        &self,
        der: &[u8],
        now: i64,
    ) -> Result<CheckedCertificate, Refusal> {
        self.auth.check(der, now)
    }

    /// Checks the signing certificate of `card`, as the registry knows it (a signing-PIN reset of
    /// a revoked certificate is pointless): none issued → `NoSigningCertificate`; revoked →
    /// `CertRevoked`; a revocation list past its `nextUpdate` → `RevocationStale`.
    pub fn check_signing_status(&self, card: &CardRef, now: i64) -> Result<(), Refusal> {
        self.signing.current(now)?;
        let issued = self.registry.get(card).ok_or(Refusal::CertUntrusted)?;
        let serial = issued
            .signing_serial
            .as_ref()
            .ok_or(Refusal::NoSigningCertificate)?;
        if self.signing.revoked.contains(serial) {
            return Err(Refusal::CertRevoked);
        }
        Ok(())
    }

    /// Checks a signing certificate presented as proof for `card` (auth-PIN reset): from the
    /// signing CA, valid, not revoked, and the one the registry says this card holds.
    pub fn check_signing_certificate(
        &self,
        card: &CardRef,
        der: &[u8],
        now: i64,
    ) -> Result<RsaPublicKey, Refusal> {
        let checked = self.signing.check(der, now)?;
        let expected = self
            .registry
            .get(card)
            .and_then(|issued| issued.signing_serial.as_ref())
            .ok_or(Refusal::NoSigningCertificate)?;
        if &checked.card.serial != expected {
            return Err(Refusal::BadProof);
        }
        Ok(checked.public_key)
    }
}

impl Authority {
    fn load(certificate: &Path, crl: &Path) -> Result<Authority, TrustError> {
        let error = |path: &Path, problem: String| TrustError {
            file: path.display().to_string(),
            problem,
        };
        let der = std::fs::read(certificate).map_err(|e| error(certificate, e.to_string()))?;
        let (_, ca) =
            X509Certificate::from_der(&der).map_err(|e| error(certificate, e.to_string()))?;
        let key = RsaPublicKey::from_pkcs1_der(&ca.public_key().subject_public_key.data)
            .map_err(|e| error(certificate, format!("not an RSA key: {e}")))?;
        let subject_der = ca.subject().as_raw().to_vec();

        let crl_der = std::fs::read(crl).map_err(|e| error(crl, e.to_string()))?;
        let (_, list) =
            x509_parser::parse_x509_crl(&crl_der).map_err(|e| error(crl, e.to_string()))?;
        if list.issuer().as_raw() != subject_der.as_slice() {
            return Err(error(crl, "issued by another CA".to_string()));
        }
        verify(
            &key,
            list.tbs_cert_list.as_ref(),
            &list.signature_algorithm.algorithm.to_id_string(),
            &list.signature_value.data,
        )
        .map_err(|_| {
            error(
                crl,
                "its signature does not verify with the CA's key".to_string(),
            )
        })?;
        let revoked = list
            .iter_revoked_certificates()
            .map(|entry| hex::encode(entry.raw_serial()))
            .collect();
        let next_update = list.next_update().map(|time| time.timestamp());
        Ok(Authority {
            subject_der,
            key,
            revoked,
            next_update,
        })
    }

    /// Whether the CA's revocation list still speaks for `now`: past its `nextUpdate` a
    /// revocation since may be missing from it, and the centre resets nothing on its word.
    fn current(&self, now: i64) -> Result<(), Refusal> {
        match self.next_update {
            Some(next_update) if now > next_update => Err(Refusal::RevocationStale),
            _ => Ok(()),
        }
    }

    fn check(&self, der: &[u8], now: i64) -> Result<CheckedCertificate, Refusal> {
        self.current(now)?;
        let (rest, cert) = X509Certificate::from_der(der).map_err(|_| Refusal::CertUntrusted)?;
        if !rest.is_empty() || cert.issuer().as_raw() != self.subject_der.as_slice() {
            return Err(Refusal::CertUntrusted);
        }
        verify(
            &self.key,
            cert.tbs_certificate.as_ref(),
            &cert.signature_algorithm.algorithm.to_id_string(),
            &cert.signature_value.data,
        )
        .map_err(|_| Refusal::CertUntrusted)?;
        let validity = cert.validity();
        if now < validity.not_before.timestamp() {
            return Err(Refusal::CertUntrusted);
        }
        if now > validity.not_after.timestamp() {
            return Err(Refusal::CertExpired);
        }
        let serial = hex::encode(cert.raw_serial());
        if self.revoked.contains(&serial) {
            return Err(Refusal::CertRevoked);
        }
        let public_key = RsaPublicKey::from_pkcs1_der(&cert.public_key().subject_public_key.data)
            .map_err(|_| Refusal::CertUntrusted)?;
        Ok(CheckedCertificate {
            card: CardRef {
                issuer: hex::encode(cert.issuer().as_raw()),
                serial,
            },
            public_key,
        })
    }
}

/// Verifies an RSASSA-PKCS1-v1_5 SHA-256 signature over `signed`.
fn verify(key: &RsaPublicKey, signed: &[u8], algorithm: &str, signature: &[u8]) -> Result<(), ()> {
    if algorithm != SHA256_WITH_RSA {
        return Err(());
    }
    let digest = Sha256::digest(signed);
    key.verify(Pkcs1v15Sign::new::<Sha256>(), &digest, signature)
        .map_err(|_| ())
}

/// Verifies the holder's proof: the card's PKCS#1 v1.5 signature over the proof digest.
pub fn verify_proof(key: &RsaPublicKey, digest: &[u8; 32], signature: &[u8]) -> bool {
    key.verify(Pkcs1v15Sign::new::<Sha256>(), digest, signature)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_pki(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../config/test-pki")
            .join(name)
    }

    /// Unix seconds of midnight UTC on 1 January of `year`.
    fn new_year(year: i32) -> i64 {
        chrono::NaiveDate::from_ymd_opt(year, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc().timestamp())
            .expect("a date")
    }

    /// The test CAs' lists say `nextUpdate` 2036-01-01: a card is judged on them until then,
    /// and after it refused as `RevocationStale` (not as expired, revoked or good).
    #[test]
    fn a_revocation_list_past_its_next_update_resets_nothing() {
        let trust = TrustStore::load(
            &test_pki("auth-ca.der"),
            &test_pki("signing-ca.der"),
            &test_pki("auth-ca.crl"),
            &test_pki("signing-ca.crl"),
            &test_pki("issued.json"),
        )
        .expect("the test PKI");
        let certificate = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/cards/normal/auth-cert.der"),
        )
        .expect("a card certificate");
        let checked = trust
            .check_auth_certificate(&certificate, new_year(2030))
            .expect("a good card in 2030");
        assert_eq!(
            trust.check_signing_status(&checked.card, new_year(2030)),
            Ok(())
        );
        assert_eq!(
            trust
                .check_auth_certificate(&certificate, new_year(2036) + 1)
                .err(),
            Some(Refusal::RevocationStale)
        );
        assert_eq!(
            trust.check_signing_status(&checked.card, new_year(2036) + 1),
            Err(Refusal::RevocationStale)
        );
    }
}
