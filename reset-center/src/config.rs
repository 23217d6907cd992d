//! The centre's configuration (`config/reset-center.json`): where its database, keys and trust
//! anchors are, its service hours and time limits. Paths are relative to the file. A bad file is
//! refused with the field and the reason.

use std::path::{Path, PathBuf};

use chrono::{FixedOffset, NaiveTime};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default, rename = "_comment")]
    _comment: Option<serde_json::Value>,
    /// An SQLite file (relative to this file) or a `postgres://` URL.
    database: String,
    /// The CA (PEM) of a PostgreSQL server's certificate: TLS to the database.
    #[serde(default)]
    database_ca_certificate: Option<String>,
    #[serde(default = "default_connections")]
    database_connections: u32,
    #[serde(default)]
    retention: RetentionFile,
    master_key_file: String,
    auth_ca_certificate: String,
    signing_ca_certificate: String,
    auth_crl: String,
    signing_crl: String,
    registry: String,
    service_hours: HoursFile,
    #[serde(default = "default_validity")]
    reservation_validity_hours: u32,
    #[serde(default = "default_session")]
    session_minutes: u32,
    #[serde(default = "default_lease")]
    claim_lease_seconds: u32,
    tls: TlsFile,
    #[serde(default)]
    limits: LimitsFile,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsFile {
    certificate: String,
    key: String,
    kiosk_ca_certificate: String,
    #[serde(default)]
    kiosk_ca_key: Option<String>,
    kiosk_crl: String,
    #[serde(default = "default_crl_reload")]
    crl_reload_seconds: u32,
}

fn default_crl_reload() -> u32 {
    60
}

fn default_connections() -> u32 {
    16
}

/// How long the centre keeps what it no longer needs (docs/reset-center.md, "Retention").
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RetentionFile {
    session_days: u32,
    reservation_audit_days: u32,
}

impl Default for RetentionFile {
    fn default() -> RetentionFile {
        RetentionFile {
            session_days: 3,
            reservation_audit_days: 30,
        }
    }
}

/// How long sessions (and the certificates they hold) are kept after they began, and how long a
/// reservation is kept for audit once it can no longer be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub sessions: chrono::Duration,
    pub reservation_audit: chrono::Duration,
}

/// What one client may cost the server (docs/tls.md): every field optional.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct LimitsFile {
    handshake_seconds: u32,
    header_seconds: u32,
    request_seconds: u32,
    connection_seconds: u32,
    body_kib: u32,
    max_connections: u32,
    session_starts_per_minute: u32,
}

impl Default for LimitsFile {
    fn default() -> LimitsFile {
        let limits = Limits::default();
        let seconds = |d: std::time::Duration| u32::try_from(d.as_secs()).unwrap_or(u32::MAX);
        LimitsFile {
            handshake_seconds: seconds(limits.handshake),
            header_seconds: seconds(limits.header),
            request_seconds: seconds(limits.request),
            connection_seconds: seconds(limits.connection),
            body_kib: u32::try_from(limits.body_bytes / 1024).unwrap_or(u32::MAX),
            max_connections: u32::try_from(limits.max_connections).unwrap_or(u32::MAX),
            session_starts_per_minute: limits.session_starts_per_minute,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoursFile {
    start: String,
    end: String,
    utc_offset: String,
}

fn default_validity() -> u32 {
    24
}
fn default_session() -> u32 {
    15
}
fn default_lease() -> u32 {
    120
}

/// Service hours in local (Japan) time: requests outside them are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub offset: FixedOffset,
}

impl ServiceHours {
    /// 06:30–23:00 Japan time, as the real service.
    pub fn japan_default() -> ServiceHours {
        ServiceHours {
            start: NaiveTime::from_hms_opt(6, 30, 0).unwrap_or_default(),
            end: NaiveTime::from_hms_opt(23, 0, 0).unwrap_or_default(),
            offset: FixedOffset::east_opt(9 * 3600)
                .unwrap_or_else(|| unreachable!("+09:00 is a valid offset")),
        }
    }

    /// Whether `now` falls within the hours. An end before the start wraps past midnight; an
    /// end equal to the start means all day.
    pub fn contains(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        let local = now.with_timezone(&self.offset).time();
        if self.start == self.end {
            true
        } else if self.start < self.end {
            self.start <= local && local < self.end
        } else {
            local >= self.start || local < self.end
        }
    }

    /// "HH:MM-HH:MM" (Japan time), as the command line takes it.
    pub fn parse_range(text: &str, offset: FixedOffset) -> Result<ServiceHours, String> {
        let (start, end) = text
            .split_once('-')
            .ok_or_else(|| format!("{text:?} is not HH:MM-HH:MM"))?;
        Ok(ServiceHours {
            start: parse_time(start)?,
            end: parse_time(end)?,
            offset,
        })
    }
}

/// Where the centre's TLS material is (paths resolved against the configuration file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// The centre's certificate chain (PEM: its own certificate first, then the centre CA's).
    pub certificate: PathBuf,
    /// The centre's private key (PEM, PKCS#8).
    pub key: PathBuf,
    /// The CA whose certificates identify kiosks (PEM): only its kiosks get past the handshake.
    pub kiosk_ca_certificate: PathBuf,
    /// The kiosk CA's key (PEM): needed by `kiosk add` (issuing) and `kiosk remove` (the
    /// revocation list) only, never by `serve`.
    pub kiosk_ca_key: Option<PathBuf>,
    /// The kiosk CA's revocation list (DER), written by `kiosk remove`, read again by `serve`
    /// every `crl_reload`.
    pub kiosk_crl: PathBuf,
    pub crl_reload: std::time::Duration,
}

/// What one client may cost the server: its handshake, its headers, its request, its
/// connection, its body; how many connections at once; how many sessions a kiosk may start a
/// minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub handshake: std::time::Duration,
    pub header: std::time::Duration,
    pub request: std::time::Duration,
    pub connection: std::time::Duration,
    pub body_bytes: usize,
    pub max_connections: usize,
    pub session_starts_per_minute: u32,
}

impl Default for Limits {
    /// A kiosk's requests are small (the largest, a proof with a signing certificate, is under
    /// 8 KiB) and quick; a kiosk starts at most a few sessions a minute (one customer at a
    /// time, each needing a card on the reader).
    fn default() -> Limits {
        use std::time::Duration;
        Limits {
            handshake: Duration::from_secs(10),
            header: Duration::from_secs(10),
            request: Duration::from_secs(30),
            connection: Duration::from_secs(300),
            body_bytes: 64 * 1024,
            max_connections: 512,
            session_starts_per_minute: 20,
        }
    }
}

/// The files the centre may be handed by systemd as credentials (`LoadCredential=` in
/// reset-center.service): its secrets and the certificates that go with them. Under systemd the
/// service's user cannot read the originals (root's, mode 0600, in /etc/reset-center), and
/// systemd gives it a private copy of each in `$CREDENTIALS_DIRECTORY`.
pub const CREDENTIAL_FIELDS: [&str; 4] = [
    "master_key_file",
    "tls.certificate",
    "tls.key",
    "tls.kiosk_ca_certificate",
];

/// The fields of the configuration file that name the card PKI's files (paths relative to the
/// file): what a tool writing a copy of the configuration elsewhere must rewrite.
pub const CARD_PKI_FIELDS: [&str; 6] = [
    "master_key_file",
    "auth_ca_certificate",
    "signing_ca_certificate",
    "auth_crl",
    "signing_crl",
    "registry",
];

/// Everything the centre needs to start, checked.
#[derive(Debug, Clone)]
pub struct CentreConfig {
    pub database: crate::store::Database,
    /// How a PostgreSQL database is used (also one given with `--db`).
    pub database_options: crate::store::DatabaseOptions,
    pub retention: Retention,
    pub master_key_file: PathBuf,
    pub auth_ca_certificate: PathBuf,
    pub signing_ca_certificate: PathBuf,
    pub auth_crl: PathBuf,
    pub signing_crl: PathBuf,
    pub registry: PathBuf,
    pub service_hours: ServiceHours,
    pub reservation_validity: chrono::Duration,
    pub session_lifetime: chrono::Duration,
    pub claim_lease: chrono::Duration,
    pub tls: TlsSettings,
    pub limits: Limits,
}

/// A configuration that cannot be used, with where and why.
#[derive(Debug, thiserror::Error)]
#[error("centre configuration {path}: {field}: {problem}")]
pub struct ConfigError {
    pub path: PathBuf,
    pub field: String,
    pub problem: String,
}

impl CentreConfig {
    /// Reads each of [`CREDENTIAL_FIELDS`] from `directory` (systemd's
    /// `$CREDENTIALS_DIRECTORY`) where a file of the same name is there: the configuration
    /// keeps naming the originals (as the operator's commands, run as root, read them), and the
    /// unit hands the service its copies under the same names. Returns what was replaced, for
    /// the log. A credential is read once at start: rotating one takes a restart (the kiosk
    /// revocation list, not a credential, is still read again on its schedule).
    pub fn use_credentials(&mut self, directory: &Path) -> Vec<(&'static str, PathBuf)> {
        let mut replaced = Vec::new();
        let fields = [
            (CREDENTIAL_FIELDS[0], &mut self.master_key_file),
            (CREDENTIAL_FIELDS[1], &mut self.tls.certificate),
            (CREDENTIAL_FIELDS[2], &mut self.tls.key),
            (CREDENTIAL_FIELDS[3], &mut self.tls.kiosk_ca_certificate),
        ];
        for (field, path) in fields {
            let Some(name) = path.file_name() else {
                continue;
            };
            let credential = directory.join(name);
            if credential.is_file() {
                *path = credential.clone();
                replaced.push((field, credential));
            }
        }
        replaced
    }

    pub fn load(path: &Path) -> Result<CentreConfig, ConfigError> {
        let error = |field: &str, problem: String| ConfigError {
            path: path.to_path_buf(),
            field: field.to_string(),
            problem,
        };
        let text = std::fs::read_to_string(path).map_err(|e| error("(file)", e.to_string()))?;
        let file: ConfigFile =
            serde_json::from_str(&text).map_err(|e| error("(json)", e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let offset = parse_offset(&file.service_hours.utc_offset)
            .map_err(|problem| error("service_hours.utc_offset", problem))?;
        let service_hours = ServiceHours {
            start: parse_time(&file.service_hours.start)
                .map_err(|p| error("service_hours.start", p))?,
            end: parse_time(&file.service_hours.end).map_err(|p| error("service_hours.end", p))?,
            offset,
        };
        let positive = |field: &str, value: u32| {
            if value == 0 {
                Err(error(field, "must be more than 0".to_string()))
            } else {
                Ok(i64::from(value))
            }
        };
        let seconds = |field: &str, value: u32| {
            positive(field, value).map(|s| std::time::Duration::from_secs(s.unsigned_abs()))
        };
        let count = |field: &str, value: u32| {
            positive(field, value).map(|n| usize::try_from(n).unwrap_or(usize::MAX))
        };
        let tls = TlsSettings {
            certificate: base.join(&file.tls.certificate),
            key: base.join(&file.tls.key),
            kiosk_ca_certificate: base.join(&file.tls.kiosk_ca_certificate),
            kiosk_ca_key: file.tls.kiosk_ca_key.as_ref().map(|key| base.join(key)),
            kiosk_crl: base.join(&file.tls.kiosk_crl),
            crl_reload: seconds("tls.crl_reload_seconds", file.tls.crl_reload_seconds)?,
        };
        let l = &file.limits;
        let limits = Limits {
            handshake: seconds("limits.handshake_seconds", l.handshake_seconds)?,
            header: seconds("limits.header_seconds", l.header_seconds)?,
            request: seconds("limits.request_seconds", l.request_seconds)?,
            connection: seconds("limits.connection_seconds", l.connection_seconds)?,
            body_bytes: count("limits.body_kib", l.body_kib)?.saturating_mul(1024),
            max_connections: count("limits.max_connections", l.max_connections)?,
            session_starts_per_minute: positive(
                "limits.session_starts_per_minute",
                l.session_starts_per_minute,
            )
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX))?,
        };
        let database_options = crate::store::DatabaseOptions {
            ca_certificate: file
                .database_ca_certificate
                .as_ref()
                .map(|ca| base.join(ca)),
            connections: u32::try_from(positive(
                "database_connections",
                file.database_connections,
            )?)
            .unwrap_or(u32::MAX),
        };
        let database = crate::store::Database::parse(&file.database, base, &database_options)
            .map_err(|problem| error("database", problem))?;
        let retention = Retention {
            sessions: chrono::Duration::days(positive(
                "retention.session_days",
                file.retention.session_days,
            )?),
            reservation_audit: chrono::Duration::days(i64::from(
                file.retention.reservation_audit_days,
            )),
        };
        Ok(CentreConfig {
            tls,
            limits,
            database,
            database_options,
            retention,
            master_key_file: base.join(&file.master_key_file),
            auth_ca_certificate: base.join(&file.auth_ca_certificate),
            signing_ca_certificate: base.join(&file.signing_ca_certificate),
            auth_crl: base.join(&file.auth_crl),
            signing_crl: base.join(&file.signing_crl),
            registry: base.join(&file.registry),
            service_hours,
            reservation_validity: chrono::Duration::hours(positive(
                "reservation_validity_hours",
                file.reservation_validity_hours,
            )?),
            session_lifetime: chrono::Duration::minutes(positive(
                "session_minutes",
                file.session_minutes,
            )?),
            claim_lease: chrono::Duration::seconds(positive(
                "claim_lease_seconds",
                file.claim_lease_seconds,
            )?),
        })
    }
}

fn parse_time(text: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M")
        .map_err(|_| format!("{text:?} is not a time HH:MM"))
}

fn parse_offset(text: &str) -> Result<FixedOffset, String> {
    let bad = || format!("{text:?} is not an offset like +09:00");
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => return Err(bad()),
    };
    let (hours, minutes) = rest.split_once(':').ok_or_else(bad)?;
    let hours: i32 = hours.parse().map_err(|_| bad())?;
    let minutes: i32 = minutes.parse().map_err(|_| bad())?;
    // Real offsets lie within ±14 h; checked before the arithmetic, which could overflow.
    if !(0..=14).contains(&hours) || !(0..60).contains(&minutes) {
        return Err(bad());
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60)).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    /// The configuration the Debian package installs in /etc/reset-center parses, names its
    /// files there, and takes the credentials systemd hands the service in place of the
    /// originals: only those whose copy is there, under the same name.
    #[test]
    fn the_packaged_configuration_loads_and_takes_systemds_credentials() {
        let packaged = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../deploy/debian/reset-center/reset-center.json");
        let etc = tempfile::tempdir().expect("tempdir");
        std::fs::copy(&packaged, etc.path().join("reset-center.json")).expect("copy");
        let mut config =
            CentreConfig::load(&etc.path().join("reset-center.json")).expect("the example loads");
        assert_eq!(config.tls.key, etc.path().join("centre.key"));
        assert_eq!(config.master_key_file, etc.path().join("master-key.hex"));
        assert_eq!(config.tls.kiosk_crl, etc.path().join("kiosk-ca.crl"));

        let credentials = tempfile::tempdir().expect("tempdir");
        for name in ["centre.key", "master-key.hex", "kiosk-ca.crl"] {
            std::fs::write(credentials.path().join(name), "x").expect("write");
        }
        let replaced = config.use_credentials(credentials.path());
        let fields: Vec<&str> = replaced.iter().map(|(field, _)| *field).collect();
        assert_eq!(fields, ["master_key_file", "tls.key"]);
        assert_eq!(config.tls.key, credentials.path().join("centre.key"));
        assert_eq!(
            config.master_key_file,
            credentials.path().join("master-key.hex")
        );
        // Not handed over: still the originals. The revocation list is never a credential
        // (it is read again on a schedule), even when a file of its name is there.
        assert_eq!(config.tls.certificate, etc.path().join("centre.crt"));
        assert_eq!(config.tls.kiosk_crl, etc.path().join("kiosk-ca.crl"));
    }

    #[test]
    fn japan_hours_are_0630_to_2300_local() {
        let hours = ServiceHours::japan_default();
        let utc = |h, m| {
            chrono::Utc
                .with_ymd_and_hms(2026, 11, 27, h, m, 0)
                .single()
                .expect("valid")
        };
        // 06:30 JST is 21:30 UTC the day before; 23:00 JST is 14:00 UTC.
        assert!(!hours.contains(utc(21, 29)));
        assert!(hours.contains(utc(21, 30)));
        assert!(hours.contains(utc(13, 59)));
        assert!(!hours.contains(utc(14, 0)));
    }

    #[test]
    fn hours_may_wrap_past_midnight() {
        let offset = FixedOffset::east_opt(0).expect("offset");
        let hours = ServiceHours::parse_range("22:00-02:00", offset).expect("parses");
        let at = |h| {
            chrono::Utc
                .with_ymd_and_hms(2026, 1, 1, h, 0, 0)
                .single()
                .expect("valid")
        };
        assert!(hours.contains(at(23)) && hours.contains(at(1)));
        assert!(!hours.contains(at(2)) && !hours.contains(at(12)));
        let all_day = ServiceHours::parse_range("00:00-00:00", offset).expect("parses");
        assert!((0..24).all(|h| all_day.contains(at(h))));
    }

    #[test]
    fn offsets_and_times_are_checked() {
        assert_eq!(
            parse_offset("+09:00").expect("ok").local_minus_utc(),
            9 * 3600
        );
        assert!(parse_offset("09:00").is_err());
        assert!(parse_time("25:00").is_err());
        assert!(
            ServiceHours::parse_range("0630", FixedOffset::east_opt(0).expect("offset")).is_err()
        );
    }
}
