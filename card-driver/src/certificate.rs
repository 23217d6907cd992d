//! Just enough X.509 for the kiosk: the DER length of a certificate from its first bytes (to
//! read an EF in as few APDUs as possible) and a summary (subject, issuer, serial, validity).

use std::fmt;

use x509_parser::prelude::{FromDer, X509Certificate};

/// A DER header that is not the start of a certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DerError {
    #[error("need at least {0} bytes to read the DER header")]
    Incomplete(usize),
    #[error("expected a SEQUENCE (tag 30), found tag {0:02X}")]
    NotASequence(u8),
    #[error("indefinite or reserved DER length form {0:02X}")]
    BadLengthForm(u8),
    #[error("DER length does not fit in memory")]
    TooLong,
}

/// The total length (header + content) of the DER `SEQUENCE` that starts `bytes`, read from as
/// few bytes as its length form needs (2 to 6).
pub fn der_sequence_length(bytes: &[u8]) -> Result<usize, DerError> {
    let tag = *bytes.first().ok_or(DerError::Incomplete(2))?;
    if tag != 0x30 {
        return Err(DerError::NotASequence(tag));
    }
    let first = *bytes.get(1).ok_or(DerError::Incomplete(2))?;
    if first < 0x80 {
        return Ok(2 + first as usize);
    }
    let count = (first & 0x7F) as usize;
    // 0x80 is BER's indefinite form, never valid DER; more than 4 length bytes is absurd here.
    if count == 0 || count > 4 {
        return Err(DerError::BadLengthForm(first));
    }
    let length_bytes = bytes
        .get(2..2 + count)
        .ok_or(DerError::Incomplete(2 + count))?;
    let content = length_bytes
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    usize::try_from(content + 2 + count as u64).map_err(|_| DerError::TooLong)
}

/// What `jpki status` and the maintenance screens may show of a certificate.
///
/// Only for certificates without personal data (the auth certificate and the CA certificates):
/// the signing certificate's subject holds the holder's name and address.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CertificateSummary {
    pub subject: String,
    pub issuer: String,
    /// Hex, big-endian.
    pub serial: String,
    /// RFC 3339, UTC.
    pub not_before: String,
    /// RFC 3339, UTC.
    pub not_after: String,
    /// Seconds since the Unix epoch, for comparisons.
    #[serde(skip)]
    pub not_before_unix: i64,
    #[serde(skip)]
    pub not_after_unix: i64,
}

/// A certificate that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed certificate: {0}")]
pub struct CertificateError(pub String);

impl CertificateSummary {
    pub fn from_der(der: &[u8]) -> Result<CertificateSummary, CertificateError> {
        let (rest, cert) =
            X509Certificate::from_der(der).map_err(|e| CertificateError(e.to_string()))?;
        if !rest.is_empty() {
            return Err(CertificateError(format!(
                "{} bytes after the certificate",
                rest.len()
            )));
        }
        let validity = cert.validity();
        let rfc3339 = |t: &x509_parser::time::ASN1Time| {
            t.to_datetime()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_else(|_| t.to_string())
        };
        Ok(CertificateSummary {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            serial: hex::encode_upper(cert.raw_serial()),
            not_before: rfc3339(&validity.not_before),
            not_after: rfc3339(&validity.not_after),
            not_before_unix: validity.not_before.timestamp(),
            not_after_unix: validity.not_after.timestamp(),
        })
    }

    /// Whether `unix_time` lies within the validity period.
    pub fn is_valid_at(&self, unix_time: i64) -> bool {
        (self.not_before_unix..=self.not_after_unix).contains(&unix_time)
    }
}

impl fmt::Display for CertificateSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (serial {}, valid {} to {})",
            self.subject, self.serial, self.not_before, self.not_after
        )
    }
}

/// Encodes DER as PEM with the given label.
pub fn to_pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in encoded.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_in_every_form() {
        assert_eq!(der_sequence_length(&[0x30, 0x05]), Ok(7));
        assert_eq!(der_sequence_length(&[0x30, 0x81, 0xC8]), Ok(3 + 200));
        assert_eq!(
            der_sequence_length(&[0x30, 0x82, 0x04, 0x1A]),
            Ok(4 + 0x041A)
        );
        assert_eq!(
            der_sequence_length(&[0x30, 0x83, 0x01, 0x00, 0x00]),
            Ok(5 + 0x010000)
        );
        assert_eq!(
            der_sequence_length(&[0x30, 0x82, 0x04]),
            Err(DerError::Incomplete(4))
        );
        assert_eq!(der_sequence_length(&[0x30]), Err(DerError::Incomplete(2)));
        assert_eq!(der_sequence_length(&[]), Err(DerError::Incomplete(2)));
        assert_eq!(
            der_sequence_length(&[0xFF, 0xFF]),
            Err(DerError::NotASequence(0xFF))
        );
        assert_eq!(
            der_sequence_length(&[0x30, 0x80]),
            Err(DerError::BadLengthForm(0x80))
        );
        assert_eq!(
            der_sequence_length(&[0x30, 0x85, 1, 2, 3, 4, 5]),
            Err(DerError::BadLengthForm(0x85))
        );
    }

    #[test]
    fn pem_lines_are_64_columns() {
        let pem = to_pem("CERTIFICATE", &[0u8; 100]);
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines.last().copied(), Some("-----END CERTIFICATE-----"));
    }
}
