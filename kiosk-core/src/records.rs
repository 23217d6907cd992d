//! What the kiosk keeps for staff across restarts, under the configuration's `state_dir`:
//! the audit log (`audit/`), the passcode lockout (`staff-lockout.json`) and the
//! out-of-service switch (`service.json`). Every write reaches the disk before the caller
//! moves the screen on.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};

use crate::audit::{self, AuditLog, CardTag, Counters, Event, Record};
use crate::config::Config;
use crate::staff::Lockout;

/// Japan time: the kiosk's "today" for the counters.
fn japan() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| unreachable!("+09:00 is valid"))
}

/// The kiosk's lasting records. A detached kiosk (layout tools) keeps none.
#[derive(Debug)]
pub struct Records {
    audit: Option<AuditLog>,
    audit_dir: Option<PathBuf>,
    lockout: Option<(Lockout, PathBuf)>,
    service_path: Option<PathBuf>,
    out_of_service: bool,
    started: Instant,
    /// Why the audit log could not be written, if it could not: the kiosk then stops serving
    /// customers (a session that cannot be audited must not start).
    broken: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceFile {
    out_of_service: bool,
}

impl Records {
    /// Opens (or creates) the records of `config.state_dir` and logs the kiosk's start.
    pub fn open(config: &Config) -> Result<Records, String> {
        let dir = &config.state_dir;
        crate::durable::create_private_dir_all(dir)
            .map_err(|e| format!("state_dir {}: {e}", dir.display()))?;
        let audit_dir = dir.join("audit");
        let audit = AuditLog::open(&audit_dir, config.audit_rotation).map_err(|e| e.to_string())?;
        let lockout_path = dir.join("staff-lockout.json");
        let lockout = match Lockout::load(&lockout_path) {
            Ok(lockout) => lockout,
            // A damaged lockout file must not become a way round the lockout.
            Err(error) => {
                tracing::error!(%error, "the staff lockout file is damaged: staff entry locked for the longest step");
                Lockout::fail_closed(&lockout_path, SystemTime::now()).map_err(|e| e.to_string())?
            }
        };
        let service_path = dir.join("service.json");
        let out_of_service = load_service(&service_path)?;
        let mut records = Records {
            audit: Some(audit),
            audit_dir: Some(audit_dir),
            lockout: Some((lockout, lockout_path)),
            service_path: Some(service_path),
            out_of_service,
            started: Instant::now(),
            broken: None,
        };
        records.record(Event::Started {
            version: env!("CARGO_PKG_VERSION").to_string(),
        });
        Ok(records)
    }

    /// Records nothing and refuses staff entry: for tools that only lay the screens out.
    pub fn detached() -> Records {
        Records {
            audit: None,
            audit_dir: None,
            lockout: None,
            service_path: None,
            out_of_service: false,
            started: Instant::now(),
            broken: None,
        }
    }

    /// Appends `event`, written through. A failure is kept (see [`Records::broken`]).
    pub fn record(&mut self, event: Event) {
        let Some(audit) = &mut self.audit else {
            return;
        };
        if let Err(error) = audit.append(event) {
            tracing::error!(%error, "the audit log cannot be written: out of service");
            self.broken = Some(error.to_string());
        }
    }

    /// Why the audit log cannot be written, if it cannot.
    pub fn broken(&self) -> Option<&str> {
        self.broken.as_deref()
    }

    /// The short keyed tag of a card (see [`AuditLog::card_tag`]).
    pub fn card_tag(&self, identity: &[u8]) -> Option<CardTag> {
        self.audit.as_ref().map(|audit| audit.card_tag(identity))
    }

    pub fn out_of_service(&self) -> bool {
        self.out_of_service
    }

    /// Takes the kiosk out of service or back, durably, before anyone is told.
    pub fn set_out_of_service(&mut self, out: bool) -> Result<(), String> {
        if let Some(path) = &self.service_path {
            let text = serde_json::to_string(&ServiceFile {
                out_of_service: out,
            })
            .map_err(|e| e.to_string())?;
            crate::durable::replace(path, text.as_bytes())
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        self.out_of_service = out;
        Ok(())
    }

    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// How long staff entry stays locked, if it is.
    pub fn locked_for(&self) -> Option<Duration> {
        match &self.lockout {
            Some((lockout, _)) => lockout.locked_for(SystemTime::now()),
            None => Some(Duration::MAX),
        }
    }

    /// A wrong passcode: counted, persisted, audited. Returns the lock it brings. A failure
    /// that cannot be persisted still counts and brings the longest lock (see
    /// [`Lockout::record_failure`]): the lock the audit log and the screen get is the one in force.
    pub fn passcode_failed(&mut self) -> Duration {
        let Some((lockout, path)) = &mut self.lockout else {
            return Duration::ZERO;
        };
        let now = SystemTime::now();
        let lock = lockout.record_failure(now).unwrap_or_else(|error| {
            tracing::error!(path = %path.display(), %error, "the staff lockout could not be saved: staff entry locked");
            lockout.locked_for(now).unwrap_or(Duration::ZERO)
        });
        let consecutive = lockout.consecutive_failures();
        self.record(Event::PasscodeFailed {
            consecutive,
            locked_seconds: lock.as_secs(),
        });
        lock
    }

    /// The right passcode: the count starts again.
    pub fn passcode_accepted(&mut self) {
        if let Some((lockout, path)) = &mut self.lockout
            && let Err(error) = lockout.record_success()
        {
            tracing::error!(path = %path.display(), %error, "the staff lockout could not be cleared");
        }
    }

    /// Counters derived from the kept log; "today" is the Japanese calendar day.
    pub fn counters(&self) -> Result<Counters, String> {
        let records = self.read()?;
        let japan = japan();
        let today = chrono::Utc::now().with_timezone(&japan).date_naive();
        Ok(Counters::from_records(&records, today, japan))
    }

    /// The newest `n` events, newest first.
    pub fn recent(&self, n: usize) -> Result<Vec<Record>, String> {
        match &self.audit {
            Some(audit) => audit.recent(n).map_err(|e| e.to_string()),
            None => Ok(Vec::new()),
        }
    }

    fn read(&self) -> Result<Vec<Record>, String> {
        match &self.audit_dir {
            Some(dir) => audit::read_all(dir)
                .map(|(records, _skipped)| records)
                .map_err(|e| e.to_string()),
            None => Ok(Vec::new()),
        }
    }
}

/// The switch as last set; a damaged file keeps the kiosk out of service (staff can set it
/// again), an absent one means in service.
fn load_service(path: &Path) -> Result<bool, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(serde_json::from_str::<ServiceFile>(&text)
            .map(|file| file.out_of_service)
            .unwrap_or_else(|error| {
                tracing::error!(path = %path.display(), %error, "the out-of-service switch is damaged: staying out of service");
                true
            })),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(format!("{}: {error}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &Path) -> Config {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/kiosk.json");
        let mut config = Config::load(&path).expect("demo config");
        config.state_dir = dir.to_path_buf();
        config
    }

    #[test]
    fn the_out_of_service_switch_survives_a_restart() {
        let dir = tempfile::tempdir().expect("dir");
        let mut records = Records::open(&config(dir.path())).expect("open");
        assert!(!records.out_of_service());
        records.set_out_of_service(true).expect("set");
        drop(records);
        let mut records = Records::open(&config(dir.path())).expect("reopen");
        assert!(records.out_of_service());
        records.set_out_of_service(false).expect("set");
        drop(records);
        assert!(
            !Records::open(&config(dir.path()))
                .expect("reopen")
                .out_of_service()
        );
    }

    #[test]
    fn a_damaged_service_file_keeps_the_kiosk_out_of_service() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join("service.json"), "{\"out_of_ser").expect("write");
        assert!(
            Records::open(&config(dir.path()))
                .expect("open")
                .out_of_service()
        );
    }

    #[test]
    fn a_wrong_passcode_that_cannot_be_saved_still_locks_and_is_audited_so() {
        let dir = tempfile::tempdir().expect("dir");
        let mut records = Records::open(&config(dir.path())).expect("open");
        assert_eq!(records.locked_for(), None);
        // The lockout file cannot be replaced any more (a directory stands in its place).
        std::fs::create_dir(dir.path().join("staff-lockout.json")).expect("dir");
        let lock = records.passcode_failed();
        assert!(lock >= Duration::from_secs(3599), "{lock:?}");
        assert!(
            records.locked_for().is_some(),
            "locked, not as if nothing happened"
        );
        let last = records.recent(1).expect("recent");
        assert!(
            matches!(
                last[0].event,
                Event::PasscodeFailed {
                    consecutive: 1..,
                    locked_seconds: 3599..
                }
            ),
            "{:?}",
            last[0].event
        );
        // A correct passcode then (once the lock were over) clears nothing it cannot save.
        records.passcode_accepted();
        assert!(records.locked_for().is_some());
    }

    #[test]
    fn every_start_is_logged() {
        let dir = tempfile::tempdir().expect("dir");
        drop(Records::open(&config(dir.path())).expect("open"));
        let records = Records::open(&config(dir.path())).expect("reopen");
        let starts = records
            .recent(10)
            .expect("recent")
            .iter()
            .filter(|r| matches!(r.event, Event::Started { .. }))
            .count();
        assert_eq!(starts, 2);
    }
}
