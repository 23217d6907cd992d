//! The link's certificates (docs/tls.md): the centre's CA and server certificate, the kiosk CA,
//! the kiosks' certificates (`kiosk add`) and the kiosk CA's revocation list (`kiosk remove`).
//! Keys are ECDSA P-256, made and used through rcgen (with ring, as rustls is).
//!
//! The kiosk CA's key signs only here, on the operator's command; the serving centre never
//! needs it (`serve` reads the CA's certificate and its revocation list).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rand::RngCore;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyIdMethod, KeyPair, KeyUsagePurpose, RevocationReason,
    RevokedCertParams, SerialNumber,
};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// How long a certificate `init` makes is valid: CAs ten years, the centre's two.
const CA_DAYS: i64 = 3650;
const SERVER_DAYS: i64 = 730;
/// How long a revocation list is valid for; `kiosk remove` and `kiosk crl` sign a new one.
pub const CRL_DAYS: i64 = 30;

/// A certificate authority whose key is at hand (to issue and revoke).
pub struct Ca {
    certificate: rcgen::Certificate,
    key: KeyPair,
}

impl std::fmt::Debug for Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ca")
            .field("subject", &self.certificate.params().distinguished_name)
            .finish_non_exhaustive()
    }
}

/// A kiosk's certificate just issued: what the kiosk installs, what the centre keeps.
pub struct Issued {
    pub certificate_pem: String,
    pub key_pem: Zeroizing<String>,
    /// The certificate's serial number, lower-case hex, as the revocation list names it.
    pub serial: String,
    /// SHA-256 of the certificate (DER): the centre binds the kiosk's id to exactly this one.
    pub sha256: [u8; 32],
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}

/// A kiosk id: also a certificate's common name and a file name, so a short plain word.
pub fn check_kiosk_id(id: &str) -> Result<(), String> {
    let fits = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && !id.starts_with('.');
    if fits {
        Ok(())
    } else {
        Err(format!(
            "{id:?} is not a kiosk id: 1 to 64 letters, digits, '-', '_' or '.', not starting with '.'"
        ))
    }
}

fn pki_error(what: &str) -> impl Fn(rcgen::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// A positive serial number of 16 random bytes (RFC 5280: at most 20 octets, positive).
fn random_serial() -> SerialNumber {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    // Positive and minimally encoded: the first byte within 0x01..=0x7f.
    bytes[0] = (bytes[0] & 0x7f).max(1);
    SerialNumber::from(bytes.to_vec())
}

fn days_from_now(days: i64) -> (OffsetDateTime, OffsetDateTime) {
    let now = OffsetDateTime::now_utc();
    // An hour's grace before now, for clocks a little behind.
    (
        now - time::Duration::hours(1),
        now + time::Duration::days(days),
    )
}

fn ca_params(common_name: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::OrganizationName, "My Number kiosk reset stand-in");
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.key_identifier_method = KeyIdMethod::Sha256;
    let (not_before, not_after) = days_from_now(CA_DAYS);
    params.not_before = not_before;
    params.not_after = not_after;
    params.serial_number = Some(random_serial());
    params
}

impl Ca {
    /// A new CA named `common_name`.
    pub fn create(common_name: &str) -> Result<Ca, String> {
        let key = KeyPair::generate().map_err(pki_error("a CA key"))?;
        let certificate = ca_params(common_name)
            .self_signed(&key)
            .map_err(pki_error("a CA certificate"))?;
        Ok(Ca { certificate, key })
    }

    /// The CA in `certificate` (PEM) with its key (PEM).
    pub fn load(certificate: &Path, key: &Path) -> Result<Ca, String> {
        let read = |path: &Path| {
            std::fs::read_to_string(path)
                .map(Zeroizing::new)
                .map_err(|e| format!("{}: {e}", path.display()))
        };
        let key_pem = read(key)?;
        let key = KeyPair::from_pem(&key_pem)
            .map_err(|e| format!("{}: not a private key: {e}", key.display()))?;
        let params = CertificateParams::from_ca_cert_pem(&read(certificate)?)
            .map_err(|e| format!("{}: not a CA certificate: {e}", certificate.display()))?;
        // The issuer's name and key identifier are what certificates and lists it signs carry;
        // the certificate object itself is made again from them with the same key.
        let certificate = params
            .self_signed(&key)
            .map_err(pki_error("the CA certificate"))?;
        Ok(Ca { certificate, key })
    }

    pub fn certificate_pem(&self) -> String {
        self.certificate.pem()
    }

    pub fn key_pem(&self) -> Zeroizing<String> {
        Zeroizing::new(self.key.serialize_pem())
    }

    /// A certificate for the centre, valid for `hosts` (DNS names or IP addresses).
    pub fn issue_server(&self, hosts: &[String]) -> Result<(String, Zeroizing<String>), String> {
        let key = KeyPair::generate().map_err(pki_error("the centre's key"))?;
        let mut params = CertificateParams::new(hosts.to_vec()).map_err(pki_error("host names"))?;
        params
            .distinguished_name
            .push(DnType::CommonName, hosts.first().map_or("centre", |h| h));
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.use_authority_key_identifier_extension = true;
        let (not_before, not_after) = days_from_now(SERVER_DAYS);
        params.not_before = not_before;
        params.not_after = not_after;
        params.serial_number = Some(random_serial());
        let certificate = params
            .signed_by(&key, &self.certificate, &self.key)
            .map_err(pki_error("the centre's certificate"))?;
        // The chain the server presents: its own certificate, then its CA's.
        let chain = format!("{}{}", certificate.pem(), self.certificate.pem());
        Ok((chain, Zeroizing::new(key.serialize_pem())))
    }

    /// A client certificate for kiosk `id` (its common name), valid from `not_before` to
    /// `not_after`.
    pub fn issue_kiosk(
        &self,
        id: &str,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Result<Issued, String> {
        check_kiosk_id(id)?;
        let key = KeyPair::generate().map_err(pki_error("the kiosk's key"))?;
        let mut params = CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, id);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.use_authority_key_identifier_extension = true;
        params.not_before = not_before;
        params.not_after = not_after;
        params.serial_number = Some(random_serial());
        let certificate = params
            .signed_by(&key, &self.certificate, &self.key)
            .map_err(pki_error("the kiosk's certificate"))?;
        let der = certificate.der().as_ref();
        let peer = PeerCertificate::from_der(der)
            .ok_or("the issued certificate cannot be read back".to_string())?;
        Ok(Issued {
            certificate_pem: certificate.pem(),
            key_pem: Zeroizing::new(key.serialize_pem()),
            serial: peer.serial,
            sha256: peer.sha256,
        })
    }

    /// A kiosk certificate valid from an hour ago for `days`.
    pub fn issue_kiosk_for_days(&self, id: &str, days: i64) -> Result<Issued, String> {
        let (not_before, not_after) = days_from_now(days);
        self.issue_kiosk(id, not_before, not_after)
    }

    /// The revocation list naming `revoked` (serial in hex, when revoked, Unix seconds), with
    /// `number` as its CRL number, valid for [`CRL_DAYS`]; DER.
    pub fn revocation_list(
        &self,
        revoked: &[(String, i64)],
        number: u64,
    ) -> Result<Vec<u8>, String> {
        let now = OffsetDateTime::now_utc();
        let revoked_certs = revoked
            .iter()
            .map(|(serial, at)| {
                let bytes =
                    hex::decode(serial).map_err(|_| format!("serial {serial:?} is not hex"))?;
                Ok(RevokedCertParams {
                    serial_number: SerialNumber::from(bytes),
                    revocation_time: OffsetDateTime::from_unix_timestamp(*at).unwrap_or(now),
                    reason_code: Some(RevocationReason::CessationOfOperation),
                    invalidity_date: None,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let params = CertificateRevocationListParams {
            this_update: now - time::Duration::minutes(5),
            next_update: now + time::Duration::days(CRL_DAYS),
            crl_number: SerialNumber::from(number.to_be_bytes().to_vec()),
            issuing_distribution_point: None,
            revoked_certs,
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let list = params
            .signed_by(&self.certificate, &self.key)
            .map_err(pki_error("the revocation list"))?;
        Ok(list.der().as_ref().to_vec())
    }
}

/// What the centre reads from a kiosk's certificate once the handshake verified it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCertificate {
    /// The subject's common name: the kiosk's id.
    pub common_name: String,
    /// The serial number, lower-case hex.
    pub serial: String,
    pub sha256: [u8; 32],
}

impl PeerCertificate {
    pub fn from_der(der: &[u8]) -> Option<PeerCertificate> {
        let (_, certificate) = x509_parser::parse_x509_certificate(der).ok()?;
        let common_name = certificate
            .subject()
            .iter_common_name()
            .next()?
            .as_str()
            .ok()?
            .to_string();
        Some(PeerCertificate {
            common_name,
            serial: hex::encode(certificate.tbs_certificate.raw_serial()),
            sha256: Sha256::digest(der).into(),
        })
    }
}

/// Writes `bytes` to a new file `path` readable by its owner only (a key), refusing to replace
/// one that exists.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes `bytes` to `path` (a certificate or a list: public), replacing it whole.
pub fn write_public(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut temporary = path.as_os_str().to_os_string();
    temporary.push(format!(".{}.tmp", std::process::id()));
    let temporary = PathBuf::from(temporary);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&temporary)
        .and_then(|mut file| file.write_all(bytes).and_then(|()| file.sync_all()))
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.map_err(|e| format!("{}: {e}", path.display()))
}

/// The files `reset-center tls init` writes in its directory.
pub mod files {
    pub const CENTRE_CA: &str = "centre-ca.crt";
    pub const CENTRE_CA_KEY: &str = "centre-ca.key";
    pub const CENTRE: &str = "centre.crt";
    pub const CENTRE_KEY: &str = "centre.key";
    pub const KIOSK_CA: &str = "kiosk-ca.crt";
    pub const KIOSK_CA_KEY: &str = "kiosk-ca.key";
    pub const KIOSK_CRL: &str = "kiosk-ca.crl";
}

/// A fresh link PKI in `dir`: the centre CA, the centre's certificate for `hosts` (and its key),
/// the kiosk CA and its empty revocation list. Refuses to replace any key.
pub fn init(dir: &Path, hosts: &[String]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let centre_ca = Ca::create("Reset centre CA (stand-in)")?;
    let kiosk_ca = Ca::create("Kiosk CA (stand-in)")?;
    let (chain, key) = centre_ca.issue_server(hosts)?;
    write_private(
        &dir.join(files::CENTRE_CA_KEY),
        centre_ca.key_pem().as_bytes(),
    )?;
    write_private(&dir.join(files::CENTRE_KEY), key.as_bytes())?;
    write_private(
        &dir.join(files::KIOSK_CA_KEY),
        kiosk_ca.key_pem().as_bytes(),
    )?;
    write_public(
        &dir.join(files::CENTRE_CA),
        centre_ca.certificate_pem().as_bytes(),
    )?;
    write_public(&dir.join(files::CENTRE), chain.as_bytes())?;
    write_public(
        &dir.join(files::KIOSK_CA),
        kiosk_ca.certificate_pem().as_bytes(),
    )?;
    write_public(
        &dir.join(files::KIOSK_CRL),
        &kiosk_ca.revocation_list(&[], 1)?,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use rustls::pki_types::pem::PemObject;

    use super::*;

    #[test]
    fn kiosk_ids_are_plain_words() {
        assert!(check_kiosk_id("STORE-0001").is_ok());
        assert!(check_kiosk_id("a.b_c").is_ok());
        for bad in ["", "../x", ".hidden", "a b", "a/b", &"x".repeat(65)] {
            assert!(check_kiosk_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn an_issued_certificate_names_its_kiosk_and_reads_back() {
        let ca = Ca::create("test kiosk CA").expect("a CA");
        let issued = ca.issue_kiosk_for_days("STORE-A", 30).expect("issued");
        let der =
            rustls::pki_types::CertificateDer::from_pem_slice(issued.certificate_pem.as_bytes())
                .expect("PEM");
        let peer = PeerCertificate::from_der(der.as_ref()).expect("readable");
        assert_eq!(peer.common_name, "STORE-A");
        assert_eq!(peer.serial, issued.serial);
        assert_eq!(peer.sha256, issued.sha256);
        // A CA loaded from its files issues under the same name and key identifier.
        let dir = tempfile::tempdir().expect("dir");
        let (cert, key) = (dir.path().join("ca.crt"), dir.path().join("ca.key"));
        write_public(&cert, ca.certificate_pem().as_bytes()).expect("cert");
        write_private(&key, ca.key_pem().as_bytes()).expect("key");
        assert!(
            write_private(&key, b"again").is_err(),
            "a key is never replaced"
        );
        let again = Ca::load(&cert, &key).expect("loads");
        assert_eq!(
            again.certificate.params().distinguished_name,
            ca.certificate.params().distinguished_name
        );
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&key).expect("meta").permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);
    }
}
