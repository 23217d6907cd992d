//! Staff passcode for maintenance mode, and the lockout after wrong tries.
//!
//! The passcode is kept only as a salted Argon2id hash in the config, and
//! the lockout state lives in a small file so a restart does not reset it.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The keypad has only digits; six is the shortest that resists guessing
/// under the lockout below, twelve the most staff will reliably type.
pub const MIN_DIGITS: usize = 6;
pub const MAX_DIGITS: usize = 12;

// OWASP's minimum recommended Argon2id settings: 19 MiB, 2 passes, 1 lane.
const ARGON2_M_KIB: u32 = 19_456;
const ARGON2_T: u32 = 2;
const ARGON2_P: u32 = 1;

/// Failures allowed before any lock, the first lock, and the longest lock.
const FREE_FAILURES: u32 = 2;
const FIRST_LOCK_SECS: u64 = 30;
const MAX_LOCK_SECS: u64 = 3600;

/// Why a typed passcode is not acceptable. Messages never repeat the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasscodeError {
    #[error("passcode must have at least {MIN_DIGITS} digits")]
    TooShort,
    #[error("passcode must have at most {MAX_DIGITS} digits")]
    TooLong,
    #[error("passcode must contain only the digits 0-9")]
    NotDigits,
}

/// Failures of hashing, checking or the lockout file.
#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    #[error("passcode hashing failed: {0}")]
    Hash(String),
    #[error("stored passcode hash is unusable: {0}")]
    Phc(String),
    #[error("lockout state I/O failed on {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("lockout state {} is corrupt: {source}", path.display())]
    Corrupt {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StaffError + '_ {
    move |source| StaffError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A passcode as typed, wiped from memory when dropped.
pub struct Passcode {
    digits: Zeroizing<String>,
}

impl Passcode {
    /// Accepts 6 to 12 ASCII digits and nothing else.
    pub fn new(text: &str) -> Result<Passcode, PasscodeError> {
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PasscodeError::NotDigits);
        }
        match text.len() {
            n if n < MIN_DIGITS => Err(PasscodeError::TooShort),
            n if n > MAX_DIGITS => Err(PasscodeError::TooLong),
            _ => Ok(Passcode {
                digits: Zeroizing::new(text.to_string()),
            }),
        }
    }

    fn as_bytes(&self) -> &[u8] {
        self.digits.as_bytes()
    }
}

impl fmt::Debug for Passcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passcode(<redacted>)")
    }
}

fn hasher() -> Result<Argon2<'static>, StaffError> {
    let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None)
        .map_err(|e| StaffError::Hash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes with Argon2id and a fresh random salt, giving a PHC string such
/// as `$argon2id$v=19$m=19456,t=2,p=1$...` to put in the config.
pub fn hash_passcode(passcode: &Passcode) -> Result<String, StaffError> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = hasher()?
        .hash_password(passcode.as_bytes(), &salt)
        .map_err(|e| StaffError::Hash(e.to_string()))?;
    Ok(hash.to_string())
}

/// Whether `candidate` is the passcode behind `phc`. A hash that cannot be
/// used is an error rather than `false`, so a broken config is noticed
/// instead of looking like a wrong passcode.
pub fn passcode_matches(phc: &str, candidate: &Passcode) -> Result<bool, StaffError> {
    let hash = parse_phc(phc).map_err(StaffError::Phc)?;
    // Cost parameters come from the PHC string, so older hashes still verify.
    match Argon2::default().verify_password(candidate.as_bytes(), &hash) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(e) => Err(StaffError::Phc(e.to_string())),
    }
}

/// Checks a configured PHC string; the message says what is wrong.
pub fn check_phc(phc: &str) -> Result<(), String> {
    parse_phc(phc).map(|_| ())
}

fn parse_phc(phc: &str) -> Result<PasswordHash<'_>, String> {
    let hash = PasswordHash::new(phc).map_err(|e| format!("not a PHC string: {e}"))?;
    if hash.algorithm != Algorithm::Argon2id.ident() {
        return Err(format!(
            "algorithm is {}, expected argon2id",
            hash.algorithm
        ));
    }
    Params::try_from(&hash).map_err(|e| format!("bad argon2 parameters: {e}"))?;
    if hash.salt.is_none() || hash.hash.is_none() {
        return Err("salt or hash output missing".to_string());
    }
    Ok(hash)
}

/// Seconds of lock after the `failures`-th consecutive wrong passcode:
/// none for the first two, 30 s for the third, then doubling (60, 120, ...)
/// up to one hour.
fn lock_secs(failures: u32) -> u64 {
    let Some(doublings) = failures.checked_sub(FREE_FAILURES + 1) else {
        return 0;
    };
    // Past 7 doublings 30 s already exceeds the cap; avoids shift overflow.
    if doublings >= 7 {
        return MAX_LOCK_SECS;
    }
    (FIRST_LOCK_SECS << doublings).min(MAX_LOCK_SECS)
}

/// The failure count at which the longest lock applies.
fn failures_for_max_lock() -> u32 {
    (FREE_FAILURES + 1..)
        .find(|n| lock_secs(*n) == MAX_LOCK_SECS)
        .unwrap_or(u32::MAX)
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct LockoutState {
    consecutive_failures: u32,
    /// Unix seconds; zero or past means not locked.
    locked_until: u64,
}

/// Escalating lockout after wrong passcodes, kept on disk so that
/// restarting the kiosk does not give a guesser fresh tries.
#[derive(Debug)]
pub struct Lockout {
    path: PathBuf,
    state: LockoutState,
}

impl Lockout {
    /// Loads the state at `path`; a missing file means no failures yet.
    ///
    /// A corrupt file is an error, not a fresh start, because resetting
    /// would hand out new tries. The caller should log it and use
    /// [`Lockout::fail_closed`], which imposes the longest lock.
    pub fn load(path: &Path) -> Result<Lockout, StaffError> {
        let state = match fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|source| StaffError::Corrupt {
                path: path.to_path_buf(),
                source,
            })?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => LockoutState::default(),
            Err(e) => return Err(io_err(path)(e)),
        };
        Ok(Lockout {
            path: path.to_path_buf(),
            state,
        })
    }

    /// Replaces unreadable state at `path` with the longest lock from `now`.
    pub fn fail_closed(path: &Path, now: SystemTime) -> Result<Lockout, StaffError> {
        let lockout = Lockout {
            path: path.to_path_buf(),
            state: LockoutState {
                consecutive_failures: failures_for_max_lock(),
                locked_until: unix_secs_ceil(now).saturating_add(MAX_LOCK_SECS),
            },
        };
        lockout.save()?;
        Ok(lockout)
    }

    /// Wrong passcodes in a row so far.
    pub fn consecutive_failures(&self) -> u32 {
        self.state.consecutive_failures
    }

    /// How much longer input stays locked, if at all.
    pub fn locked_for(&self, now: SystemTime) -> Option<Duration> {
        let until = UNIX_EPOCH + Duration::from_secs(self.state.locked_until);
        let left = until.duration_since(now).ok().filter(|d| !d.is_zero())?;
        // If the clock was set back, never wait longer than the lock earned.
        let earned = Duration::from_secs(lock_secs(self.state.consecutive_failures));
        Some(left.min(earned)).filter(|d| !d.is_zero())
    }

    /// Counts a wrong passcode (even while locked) and returns the lock it
    /// imposes from `now`, possibly zero.
    ///
    /// A failure that cannot be saved fails closed: a restart would forget
    /// it (and every free try after it), so it imposes the longest lock at
    /// once, in memory, as a damaged file does ([`Lockout::fail_closed`]).
    /// The error says so; [`Lockout::locked_for`] has the lock.
    pub fn record_failure(&mut self, now: SystemTime) -> Result<Duration, StaffError> {
        let failures = self.state.consecutive_failures.saturating_add(1);
        let secs = lock_secs(failures);
        self.state.consecutive_failures = failures;
        if secs > 0 {
            let until = unix_secs_ceil(now).saturating_add(secs);
            self.state.locked_until = self.state.locked_until.max(until);
        }
        if let Err(error) = self.save() {
            self.state.consecutive_failures = failures.max(failures_for_max_lock());
            let longest = unix_secs_ceil(now).saturating_add(MAX_LOCK_SECS);
            self.state.locked_until = self.state.locked_until.max(longest);
            // Once more with the longest lock (the disk may be back); the lock holds either way.
            let _ = self.save();
            return Err(error);
        }
        Ok(Duration::from_secs(secs))
    }

    /// Clears failures and any lock after a correct passcode. If the cleared
    /// state cannot be saved, nothing is cleared (the failures on disk would
    /// come back with a restart; in memory they go on counting).
    pub fn record_success(&mut self) -> Result<(), StaffError> {
        let previous = self.state;
        self.state = LockoutState::default();
        self.save().inspect_err(|_| self.state = previous)
    }

    /// Write-to-temp then rename, so a crash leaves either the old or the
    /// new state and never a half-written file.
    fn save(&self) -> Result<(), StaffError> {
        let json = serde_json::to_vec(&self.state).map_err(|source| StaffError::Corrupt {
            path: self.path.clone(),
            source,
        })?;
        crate::durable::replace(&self.path, &json).map_err(io_err(&self.path))
    }
}

/// Rounded up so a lock never ends early by a fraction of a second.
fn unix_secs_ceil(now: SystemTime) -> u64 {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    since.as_secs() + u64::from(since.subsec_nanos() > 0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn code(text: &str) -> Passcode {
        Passcode::new(text).unwrap()
    }

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn hash_matches_only_its_passcode() {
        let phc = hash_passcode(&code("20250401")).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert_eq!(check_phc(&phc), Ok(()));
        assert!(passcode_matches(&phc, &code("20250401")).unwrap());
        assert!(!passcode_matches(&phc, &code("20250402")).unwrap());
    }

    #[test]
    fn same_passcode_hashes_differently() {
        let passcode = code("123456");
        assert_ne!(
            hash_passcode(&passcode).unwrap(),
            hash_passcode(&passcode).unwrap()
        );
    }

    #[test]
    fn unusable_phc_is_an_error_not_a_mismatch() {
        let argon2i = "$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$AAAAAAAAAAAAAAAAAAAAAA";
        let no_output = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ";
        assert!(check_phc("hunter2").unwrap_err().contains("PHC"));
        assert!(check_phc(argon2i).unwrap_err().contains("argon2i"));
        assert!(check_phc(no_output).unwrap_err().contains("missing"));
        for phc in ["hunter2", argon2i, no_output] {
            let result = passcode_matches(phc, &code("123456"));
            assert!(matches!(result, Err(StaffError::Phc(_))), "{phc}");
        }
    }

    #[test]
    fn passcode_rules() {
        assert_eq!(Passcode::new("12345").unwrap_err(), PasscodeError::TooShort);
        assert_eq!(Passcode::new("").unwrap_err(), PasscodeError::TooShort);
        let thirteen = "1234567890123";
        assert_eq!(Passcode::new(thirteen).unwrap_err(), PasscodeError::TooLong);
        for bad in ["12345a", "123 456", "１２３４５６", "-123456"] {
            assert_eq!(Passcode::new(bad).unwrap_err(), PasscodeError::NotDigits);
        }
        assert!(Passcode::new("123456").is_ok());
        assert!(Passcode::new("123456789012").is_ok());
        let message = PasscodeError::NotDigits.to_string();
        assert!(!message.contains("123"));
    }

    #[test]
    fn debug_redacts_the_digits() {
        let shown = format!("{:?}", code("987654321"));
        assert_eq!(shown, "Passcode(<redacted>)");
        assert!(!shown.contains("987"));
    }

    #[test]
    fn lock_escalates_and_caps_at_an_hour() {
        let dir = tempfile::tempdir().unwrap();
        let mut lockout = Lockout::load(&dir.path().join("lockout.json")).unwrap();
        let imposed: Vec<u64> = (0..12)
            .map(|i| lockout.record_failure(at(1_000 + i)).unwrap().as_secs())
            .collect();
        let expected = [0, 0, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600];
        assert_eq!(imposed, expected);
        assert_eq!(lockout.consecutive_failures(), 12);
        assert_eq!(
            lockout.locked_for(at(1_011)),
            Some(Duration::from_secs(3600))
        );
    }

    #[test]
    fn no_lock_before_the_third_failure() {
        let dir = tempfile::tempdir().unwrap();
        let mut lockout = Lockout::load(&dir.path().join("lockout.json")).unwrap();
        lockout.record_failure(at(50)).unwrap();
        lockout.record_failure(at(50)).unwrap();
        assert_eq!(lockout.locked_for(at(50)), None);
        lockout.record_failure(at(50)).unwrap();
        assert_eq!(lockout.locked_for(at(50)), Some(Duration::from_secs(30)));
        assert_eq!(lockout.locked_for(at(79)), Some(Duration::from_secs(1)));
        assert_eq!(lockout.locked_for(at(80)), None);
    }

    #[test]
    fn state_survives_a_reload_and_success_resets_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lockout.json");
        let mut lockout = Lockout::load(&path).unwrap();
        for _ in 0..4 {
            lockout.record_failure(at(100)).unwrap();
        }
        let reloaded = Lockout::load(&path).unwrap();
        assert_eq!(reloaded.consecutive_failures(), 4);
        assert_eq!(reloaded.locked_for(at(110)), Some(Duration::from_secs(50)));

        let mut reloaded = reloaded;
        reloaded.record_success().unwrap();
        assert_eq!(reloaded.locked_for(at(110)), None);
        let fresh = Lockout::load(&path).unwrap();
        assert_eq!(fresh.consecutive_failures(), 0);
        assert_eq!(fresh.locked_for(at(110)), None);
        assert!(!dir.path().join("lockout.json.tmp").exists());
    }

    #[test]
    fn corrupt_state_is_an_error_and_fails_closed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lockout.json");
        fs::write(&path, b"{\"consecutive_fail").unwrap();
        let err = Lockout::load(&path).unwrap_err();
        assert!(matches!(err, StaffError::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains("lockout.json"));

        let locked = Lockout::fail_closed(&path, at(500)).unwrap();
        assert_eq!(locked.locked_for(at(500)), Some(Duration::from_secs(3600)));
        let reloaded = Lockout::load(&path).unwrap();
        assert_eq!(
            reloaded.locked_for(at(500)),
            Some(Duration::from_secs(3600))
        );
    }

    /// A lockout whose file cannot be written: a directory stands where it goes.
    fn unsavable(dir: &Path) -> Lockout {
        let path = dir.join("lockout.json");
        let lockout = Lockout::load(&path).unwrap();
        fs::create_dir(&path).unwrap();
        lockout
    }

    #[test]
    fn a_failure_that_cannot_be_saved_locks_for_the_longest_step() {
        let dir = tempfile::tempdir().unwrap();
        let mut lockout = unsavable(dir.path());
        // The first failure is free when it is on disk; here it is not.
        let error = lockout.record_failure(at(1_000)).unwrap_err();
        assert!(matches!(error, StaffError::Io { .. }), "{error}");
        assert_eq!(
            lockout.locked_for(at(1_000)),
            Some(Duration::from_secs(MAX_LOCK_SECS))
        );
        assert!(lockout.consecutive_failures() >= 1);
        // Still counting, still locked, after more failures that cannot be saved.
        let before = lockout.consecutive_failures();
        assert!(lockout.record_failure(at(1_010)).is_err());
        assert_eq!(lockout.consecutive_failures(), before + 1);
        assert_eq!(
            lockout.locked_for(at(1_010)),
            Some(Duration::from_secs(MAX_LOCK_SECS))
        );
    }

    #[test]
    fn a_success_that_cannot_be_saved_clears_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lockout.json");
        let mut lockout = Lockout::load(&path).unwrap();
        for _ in 0..3 {
            lockout.record_failure(at(100)).unwrap();
        }
        // The disk goes away under the kiosk.
        fs::remove_file(&path).unwrap();
        fs::create_dir(&path).unwrap();
        assert!(lockout.record_success().is_err());
        assert_eq!(lockout.consecutive_failures(), 3);
        assert_eq!(lockout.locked_for(at(100)), Some(Duration::from_secs(30)));
        assert!(lockout.record_failure(at(200)).is_err());
        assert!(lockout.locked_for(at(200)).is_some());
    }

    #[test]
    fn the_lockout_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lockout.json");
        Lockout::load(&path).unwrap().record_failure(at(1)).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o600);
        Lockout::fail_closed(&path, at(2)).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn clock_set_back_never_extends_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let mut lockout = Lockout::load(&dir.path().join("lockout.json")).unwrap();
        for _ in 0..3 {
            lockout.record_failure(at(1_000_000)).unwrap();
        }
        assert_eq!(lockout.locked_for(at(10)), Some(Duration::from_secs(30)));
    }
}
