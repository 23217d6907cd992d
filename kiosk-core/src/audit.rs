//! Append-only audit log for maintenance mode, stored as JSON lines.
//!
//! Staff read this log on the kiosk, so it must never hold customer data:
//! every field is a type with a fixed set of values (kinds, outcomes, reasons,
//! staff actions), the only text is the build's version, and cards appear only
//! as keyed tags (see [`AuditLog::card_tag`]).
//! Counters shown to staff are derived from the records rather than kept
//! separately, so they can never disagree with the log.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate, SubsecRound, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use rand::rngs::OsRng;
use reset_protocol::{Refusal, ResetKind};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

const CURRENT_FILE: &str = "audit.jsonl";
const KEY_FILE: &str = "card-tag.key";
const KEY_LEN: usize = 32;
const TAG_HEX_LEN: usize = 8;
const VERSION_MAX: usize = 40;

/// How large the log may grow before old records are dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    /// A file is rotated before a record would push it past this size. A
    /// single record larger than this still gets written, alone in its file.
    pub max_file_bytes: u64,
    /// Files kept, counting the current one plus the rotated ones.
    pub max_files: usize,
}

impl Default for Rotation {
    fn default() -> Self {
        Rotation {
            max_file_bytes: 1024 * 1024,
            max_files: 8,
        }
    }
}

/// How a customer session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Completed,
    Refused,
    Failed,
    Cancelled,
    TimedOut,
}

/// Why a session ended refused or failed: the centre's refusal, or what went
/// wrong at the kiosk. On the log, its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Reason {
    Refused(Refusal),
    Fault(Fault),
}

/// What went wrong at the kiosk (or on the card) to end a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    PinLockedAuth,
    PinLockedSigning,
    WrongPin,
    NotMyNumberCard,
    CardUnreadable,
    CardMoved,
    CardUnresponsive,
    CentreUnreachable,
    ReaderFault,
    ReaderLost,
    Unconfirmed,
    NotChanged,
    Unexpected,
}

impl Reason {
    /// The name on the log (and the key of the staff's counters).
    pub fn code(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|value| value.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

/// What staff did in maintenance mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffAction {
    SelfTest,
    OutOfService,
    BackInService,
}

/// A card as the log shows it: a short keyed tag only [`AuditLog::card_tag`]
/// makes (a card number cannot be passed off as one, not even by reading a
/// doctored log).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CardTag(String);

impl CardTag {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CardTag {
    type Error = String;

    fn try_from(text: String) -> Result<CardTag, String> {
        if text.len() == TAG_HEX_LEN && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            Ok(CardTag(text))
        } else {
            Err(format!("a card tag is {TAG_HEX_LEN} lowercase hex digits"))
        }
    }
}

impl From<CardTag> for String {
    fn from(tag: CardTag) -> String {
        tag.0
    }
}

/// What happened. No variant has room for a PIN, certificate, name or card
/// number: every field is a closed type, and the version is checked (see
/// [`AuditLog::append`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Started {
        version: String,
    },
    SessionStart {
        kind: ResetKind,
    },
    SessionEnd {
        kind: ResetKind,
        outcome: Outcome,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        reason: Option<Reason>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        card: Option<CardTag>,
    },
    ReaderLost,
    ReaderBack,
    StaffEntry,
    StaffExit {
        idle: bool,
    },
    StaffAction {
        action: StaffAction,
    },
    PasscodeFailed {
        consecutive: u32,
        locked_seconds: u64,
    },
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    #[serde(with = "rfc3339_seconds")]
    pub at: DateTime<Utc>,
    pub seq: u64,
    #[serde(flatten)]
    pub event: Event,
}

/// Failures of the audit log. Messages name the file involved.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit log I/O failed on {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    // The rejected value is left out on purpose: it might be a secret.
    #[error("audit field `{field}` rejected: {value_len} bytes, not an allowed identifier")]
    BadField {
        field: &'static str,
        value_len: usize,
    },
    #[error("card tag key {} has {len} bytes, expected {KEY_LEN}", path.display())]
    BadKey { path: PathBuf, len: usize },
    #[error("cannot encode audit record: {0}")]
    Encode(#[source] serde_json::Error),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> AuditError + '_ {
    move |source| AuditError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The open log of one kiosk.
pub struct AuditLog {
    dir: PathBuf,
    limits: Rotation,
    file: File,
    size: u64,
    next_seq: u64,
    // Set when a write may have left a partial line behind.
    needs_repair: bool,
    tagger: Hmac<Sha256>,
}

// Written by hand so the keyed tagger can never end up in a log or panic.
impl fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditLog")
            .field("dir", &self.dir)
            .field("limits", &self.limits)
            .field("size", &self.size)
            .field("next_seq", &self.next_seq)
            .finish_non_exhaustive()
    }
}

impl AuditLog {
    /// Opens (creating if needed) the log in `dir`. Sequence numbers go on
    /// from the last readable record, so they keep rising across restarts.
    pub fn open(dir: &Path, limits: Rotation) -> Result<AuditLog, AuditError> {
        crate::durable::create_private_dir_all(dir).map_err(io_err(dir))?;
        let tagger = load_tagger(dir)?;
        let path = dir.join(CURRENT_FILE);
        let file = open_current(&path)?;
        sync_dir(dir)?;
        let mut log = AuditLog {
            dir: dir.to_path_buf(),
            limits,
            file,
            size: 0,
            next_seq: last_seq(dir)?.map_or(1, |s| s.saturating_add(1)),
            needs_repair: false,
            tagger,
        };
        log.repair_tail()?;
        Ok(log)
    }

    /// A short tag that lets staff see the same card failed several times
    /// without learning anything about it. It is a keyed hash with a secret
    /// kept only on this kiosk, so it cannot be reversed to a card number or
    /// matched against tags from another kiosk. Being only 32 bits, tags of
    /// different cards can collide; that is acceptable for display.
    pub fn card_tag(&self, card_identity: &[u8]) -> CardTag {
        let mut mac = self.tagger.clone();
        mac.update(card_identity);
        let digest = mac.finalize().into_bytes();
        CardTag(
            digest
                .iter()
                .take(TAG_HEX_LEN / 2)
                .map(|b| format!("{b:02x}"))
                .collect(),
        )
    }

    /// Appends `event` stamped with the current time; see [`Self::append_at`].
    pub fn append(&mut self, event: Event) -> Result<Record, AuditError> {
        self.append_at(event, Utc::now())
    }

    /// Appends `event` stamped `at` (cut to whole seconds). The record is on
    /// disk when this returns, so the caller may move the screen on.
    pub fn append_at(&mut self, event: Event, at: DateTime<Utc>) -> Result<Record, AuditError> {
        validate(&event)?;
        if self.needs_repair {
            self.repair_tail()?;
        }
        // The number is used up even if the write fails, so a record that
        // reached the disk despite an error is never followed by a twin.
        let record = Record {
            at: at.trunc_subsecs(0),
            seq: self.next_seq,
            event,
        };
        self.next_seq = self.next_seq.saturating_add(1);
        let mut line = serde_json::to_vec(&record).map_err(AuditError::Encode)?;
        line.push(b'\n');
        if self.size > 0 && self.size.saturating_add(line.len() as u64) > self.limits.max_file_bytes
        {
            self.rotate()?;
        }
        self.write_line(&line)?;
        Ok(record)
    }

    /// The newest `n` records, newest first. Reads the whole log, which is
    /// fine because rotation keeps it small.
    pub fn recent(&self, n: usize) -> Result<Vec<Record>, AuditError> {
        let (records, _) = read_all(&self.dir)?;
        Ok(records.into_iter().rev().take(n).collect())
    }

    fn current_path(&self) -> PathBuf {
        self.dir.join(CURRENT_FILE)
    }

    fn write_line(&mut self, line: &[u8]) -> Result<(), AuditError> {
        let path = self.current_path();
        self.needs_repair = true;
        self.file.write_all(line).map_err(io_err(&path))?;
        self.file.sync_data().map_err(io_err(&path))?;
        self.needs_repair = false;
        self.size = self.size.saturating_add(line.len() as u64);
        Ok(())
    }

    /// A crash can cut the last line short; ending it here keeps the next
    /// record on its own line, and readers skip the broken one.
    fn repair_tail(&mut self) -> Result<(), AuditError> {
        let path = self.current_path();
        let len = self.file.metadata().map_err(io_err(&path))?.len();
        self.size = len;
        if len > 0 && last_byte(&mut self.file, len).map_err(io_err(&path))? != b'\n' {
            self.file.write_all(b"\n").map_err(io_err(&path))?;
            self.file.sync_data().map_err(io_err(&path))?;
            self.size = len + 1;
        }
        self.needs_repair = false;
        Ok(())
    }

    fn rotate(&mut self) -> Result<(), AuditError> {
        let kept = self.limits.max_files.saturating_sub(1);
        for n in rotated_indices(&self.dir)? {
            let from = rotated_path(&self.dir, n);
            if n >= kept {
                fs::remove_file(&from).map_err(io_err(&from))?;
            } else {
                let to = rotated_path(&self.dir, n + 1);
                fs::rename(&from, &to).map_err(io_err(&from))?;
            }
        }
        let current = self.current_path();
        if kept == 0 {
            fs::remove_file(&current).map_err(io_err(&current))?;
        } else {
            let to = rotated_path(&self.dir, 1);
            fs::rename(&current, &to).map_err(io_err(&current))?;
        }
        self.file = open_current(&current)?;
        self.size = 0;
        sync_dir(&self.dir)
    }
}

/// Reads every record in `dir`, oldest first, and counts the lines that
/// could not be parsed (for example one cut short by a crash).
pub fn read_all(dir: &Path) -> Result<(Vec<Record>, usize), AuditError> {
    let mut records = Vec::new();
    let mut skipped = 0;
    for path in files_oldest_first(dir)? {
        let (mut more, bad) = read_file(&path)?;
        records.append(&mut more);
        skipped += bad;
    }
    Ok((records, skipped))
}

fn files_oldest_first(dir: &Path) -> Result<Vec<PathBuf>, AuditError> {
    let mut paths: Vec<PathBuf> = rotated_indices(dir)?
        .into_iter()
        .map(|n| rotated_path(dir, n))
        .collect();
    let current = dir.join(CURRENT_FILE);
    if current.exists() {
        paths.push(current);
    }
    Ok(paths)
}

fn read_file(path: &Path) -> Result<(Vec<Record>, usize), AuditError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        // Rotation may have moved the file between listing and reading.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(io_err(path)(e)),
    };
    let mut records = Vec::new();
    let mut skipped = 0;
    for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        match serde_json::from_slice::<Record>(line) {
            Ok(record) => records.push(record),
            Err(_) => skipped += 1,
        }
    }
    Ok((records, skipped))
}

/// The seq of the last readable record, looking at the newest file first.
fn last_seq(dir: &Path) -> Result<Option<u64>, AuditError> {
    for path in files_oldest_first(dir)?.iter().rev() {
        let (records, _) = read_file(path)?;
        if let Some(seq) = records.iter().map(|r| r.seq).max() {
            return Ok(Some(seq));
        }
    }
    Ok(None)
}

/// Indices of `audit.N.jsonl` files present, highest (oldest) first.
fn rotated_indices(dir: &Path) -> Result<Vec<usize>, AuditError> {
    let mut indices = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err(dir))? {
        let name = entry.map_err(io_err(dir))?.file_name();
        if let Some(n) = name.to_str().and_then(rotated_index) {
            indices.push(n);
        }
    }
    indices.sort_unstable_by(|a, b| b.cmp(a));
    Ok(indices)
}

fn rotated_index(name: &str) -> Option<usize> {
    let n = name.strip_prefix("audit.")?.strip_suffix(".jsonl")?;
    n.parse().ok().filter(|n| *n >= 1)
}

fn rotated_path(dir: &Path, n: usize) -> PathBuf {
    dir.join(format!("audit.{n}.jsonl"))
}

/// The log being written, created `0600`; a symbolic link in its place is an error, never
/// followed.
fn open_current(path: &Path) -> Result<File, AuditError> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(crate::durable::PRIVATE_FILE)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(io_err(path))
}

fn last_byte(file: &mut File, len: u64) -> io::Result<u8> {
    let mut byte = [0u8; 1];
    file.seek(SeekFrom::Start(len - 1))?;
    file.read_exact(&mut byte)?;
    Ok(byte[0])
}

/// Makes renames and newly created files in `dir` survive a power cut.
fn sync_dir(dir: &Path) -> Result<(), AuditError> {
    crate::durable::sync_dir(dir).map_err(io_err(dir))
}

fn load_tagger(dir: &Path) -> Result<Hmac<Sha256>, AuditError> {
    let path = dir.join(KEY_FILE);
    let key = match fs::read(&path) {
        Ok(bytes) => Zeroizing::new(bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => create_key(&path)?,
        Err(e) => return Err(io_err(&path)(e)),
    };
    if key.len() != KEY_LEN {
        return Err(AuditError::BadKey {
            path,
            len: key.len(),
        });
    }
    Hmac::<Sha256>::new_from_slice(&key).map_err(|_| AuditError::BadKey {
        path,
        len: key.len(),
    })
}

/// Writes a fresh key (`0600`) under a fresh temporary name first (see [`crate::durable`]), so
/// a crash can never leave a short key file that would block every later start.
fn create_key(path: &Path) -> Result<Zeroizing<Vec<u8>>, AuditError> {
    let mut key = Zeroizing::new(vec![0u8; KEY_LEN]);
    OsRng.fill_bytes(&mut key);
    crate::durable::replace(path, &key).map_err(io_err(path))?;
    Ok(key)
}

/// The one text field: the build's version (its types hold every other field).
fn validate(event: &Event) -> Result<(), AuditError> {
    match event {
        Event::Started { version } => {
            if (1..=VERSION_MAX).contains(&version.len()) && version.bytes().all(is_version_byte) {
                Ok(())
            } else {
                Err(AuditError::BadField {
                    field: "version",
                    value_len: version.len(),
                })
            }
        }
        _ => Ok(()),
    }
}

// Versions come from the build (semver), which may use capitals, dots,
// hyphens and plus signs.
fn is_version_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+')
}

/// A pair of counts shown to staff.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Records dated today in the kiosk's time zone.
    pub today: u64,
    /// All records still kept. Rotation drops old files, so this is not a
    /// lifetime count.
    pub total: u64,
}

impl Tally {
    fn add(&mut self, today: bool) {
        self.total += 1;
        if today {
            self.today += 1;
        }
    }
}

/// Counts derived from the log for the maintenance screen. Being derived,
/// "total" covers only the records that rotation has kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    pub completed: Tally,
    /// Refused sessions, by reason (`None`: none was given).
    pub refusals: BTreeMap<Option<Reason>, Tally>,
    /// Failed sessions, by reason (`None`: none was given).
    pub errors: BTreeMap<Option<Reason>, Tally>,
    pub cancelled: Tally,
    pub timed_out: Tally,
    pub sessions: Tally,
    pub passcode_failures: Tally,
}

impl Counters {
    /// Counts `records`; one is "today" if its time in `offset` (the kiosk
    /// uses Japan time, +09:00) falls on `today`.
    pub fn from_records(records: &[Record], today: NaiveDate, offset: FixedOffset) -> Counters {
        let mut counters = Counters::default();
        for record in records {
            let is_today = record.at.with_timezone(&offset).date_naive() == today;
            counters.add(&record.event, is_today);
        }
        counters
    }

    fn add(&mut self, event: &Event, today: bool) {
        match event {
            Event::SessionStart { .. } => self.sessions.add(today),
            Event::PasscodeFailed { .. } => self.passcode_failures.add(today),
            Event::SessionEnd {
                outcome, reason, ..
            } => self.add_end(*outcome, *reason, today),
            _ => {}
        }
    }

    fn add_end(&mut self, outcome: Outcome, reason: Option<Reason>, today: bool) {
        match outcome {
            Outcome::Completed => self.completed.add(today),
            Outcome::Refused => self.refusals.entry(reason).or_default().add(today),
            Outcome::Failed => self.errors.entry(reason).or_default().add(today),
            Outcome::Cancelled => self.cancelled.add(today),
            Outcome::TimedOut => self.timed_out.add(today),
        }
    }
}

/// RFC 3339 in UTC with whole seconds, e.g. `2025-04-01T00:00:00Z`; chrono's
/// own serde support would need an extra feature and keeps fractions.
mod rfc3339_seconds {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Secs, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::os::unix::fs::PermissionsExt;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    fn action(action: StaffAction) -> Event {
        Event::StaffAction { action }
    }

    fn end(outcome: Outcome, reason: Option<Reason>) -> Event {
        Event::SessionEnd {
            kind: ResetKind::Signing,
            outcome,
            reason,
            card: None,
        }
    }

    const NO_RESERVATION: Option<Reason> = Some(Reason::Refused(Refusal::NoReservation));
    const CARD_MOVED: Option<Reason> = Some(Reason::Fault(Fault::CardMoved));

    fn every_variant() -> Vec<Event> {
        vec![
            Event::Started {
                version: "0.1.0-rc.1+b7".to_string(),
            },
            Event::SessionStart {
                kind: ResetKind::Auth,
            },
            Event::SessionEnd {
                kind: ResetKind::Signing,
                outcome: Outcome::Failed,
                reason: CARD_MOVED,
                card: Some(CardTag("0a1b2c3d".to_string())),
            },
            end(Outcome::Completed, None),
            end(Outcome::Refused, NO_RESERVATION),
            end(Outcome::Cancelled, None),
            end(Outcome::TimedOut, None),
            Event::ReaderLost,
            Event::ReaderBack,
            Event::StaffEntry,
            Event::StaffExit { idle: true },
            action(StaffAction::OutOfService),
            Event::PasscodeFailed {
                consecutive: 3,
                locked_seconds: 30,
            },
        ]
    }

    fn file_names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with("audit"))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn every_variant_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = AuditLog::open(dir.path(), Rotation::default()).unwrap();
        let written: Vec<Record> = every_variant()
            .into_iter()
            .map(|e| log.append(e).unwrap())
            .collect();
        let (read, skipped) = read_all(dir.path()).unwrap();
        assert_eq!(skipped, 0);
        assert_eq!(read, written);
        let events: Vec<Event> = read.into_iter().map(|r| r.event).collect();
        assert_eq!(events, every_variant());
    }

    #[test]
    fn line_is_on_disk_in_the_documented_shape_when_append_returns() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = AuditLog::open(dir.path(), Rotation::default()).unwrap();
        let stamp = at(2025, 4, 1, 0, 0, 0) + chrono::Duration::milliseconds(750);
        log.append_at(action(StaffAction::SelfTest), stamp).unwrap();
        log.append_at(end(Outcome::Refused, NO_RESERVATION), stamp)
            .unwrap();
        let text = fs::read_to_string(dir.path().join(CURRENT_FILE)).unwrap();
        let expected = concat!(
            r#"{"at":"2025-04-01T00:00:00Z","seq":1,"event":"staff_action","action":"self_test"}"#,
            "\n",
            r#"{"at":"2025-04-01T00:00:00Z","seq":2,"event":"session_end","kind":"signing","outcome":"refused","reason":"no_reservation"}"#,
            "\n",
        );
        assert_eq!(text, expected);
    }

    #[test]
    fn seq_continues_after_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = AuditLog::open(dir.path(), Rotation::default()).unwrap();
        for _ in 0..3 {
            log.append(Event::ReaderLost).unwrap();
        }
        drop(log);
        let mut log = AuditLog::open(dir.path(), Rotation::default()).unwrap();
        assert_eq!(log.append(Event::ReaderBack).unwrap().seq, 4);
    }

    #[test]
    fn seq_continues_from_rotated_file_when_current_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = AuditLog::open(dir.path(), Rotation::default()).unwrap();
        for _ in 0..3 {
            log.append(Event::ReaderLost).unwrap();
        }
        drop(log);
        // As if the kiosk crashed right after rotating.
        fs::rename(dir.path().join(CURRENT_FILE), rotated_path(dir.path(), 1)).unwrap();
        let mut log = AuditLog::open(dir.path(), Rotation::default()).unwrap();
        assert_eq!(log.append(Event::ReaderBack).unwrap().seq, 4);
    }

    #[test]
    fn line_cut_by_a_crash_is_skipped_and_the_log_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CURRENT_FILE);
        let mut log = AuditLog::open(dir.path(), Rotation::default()).unwrap();
        for _ in 0..5 {
            log.append(action(StaffAction::SelfTest)).unwrap();
        }
        drop(log);
        let len = fs::metadata(&path).unwrap().len();
        let file = OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(len - 20).unwrap();
        drop(file);

        let (read, skipped) = read_all(dir.path()).unwrap();
        assert_eq!(read.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3, 4]);
        assert_eq!(skipped, 1);

        let mut log = AuditLog::open(dir.path(), Rotation::default()).unwrap();
        let after = log.append(action(StaffAction::BackInService)).unwrap();
        assert_eq!(after.seq, 5);
        let (read, skipped) = read_all(dir.path()).unwrap();
        assert_eq!(skipped, 1);
        assert_eq!(read.len(), 5);
        assert_eq!(read.last(), Some(&after));
    }

    #[test]
    fn rotation_keeps_bounded_files_and_the_newest_records_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let limits = Rotation {
            max_file_bytes: 400,
            max_files: 3,
        };
        let mut log = AuditLog::open(dir.path(), limits).unwrap();
        for _ in 0..200 {
            log.append(action(StaffAction::SelfTest)).unwrap();
        }
        let names = file_names(dir.path());
        assert_eq!(names, ["audit.1.jsonl", "audit.2.jsonl", "audit.jsonl"]);
        for name in &names {
            let len = fs::metadata(dir.path().join(name)).unwrap().len();
            assert!(len <= limits.max_file_bytes, "{name} has {len} bytes");
        }
        let (read, skipped) = read_all(dir.path()).unwrap();
        assert_eq!(skipped, 0);
        let seqs: Vec<u64> = read.iter().map(|r| r.seq).collect();
        let first = 201 - seqs.len() as u64;
        assert!(seqs.len() >= 8, "only {} records kept", seqs.len());
        assert_eq!(seqs, (first..=200).collect::<Vec<_>>());
        let newest: Vec<u64> = log.recent(3).unwrap().iter().map(|r| r.seq).collect();
        assert_eq!(newest, [200, 199, 198]);
    }

    #[test]
    fn rotation_drops_files_beyond_a_lowered_limit() {
        let dir = tempfile::tempdir().unwrap();
        let wide = Rotation {
            max_file_bytes: 100,
            max_files: 5,
        };
        let mut log = AuditLog::open(dir.path(), wide).unwrap();
        for _ in 0..6 {
            log.append(Event::StaffEntry).unwrap();
        }
        drop(log);
        assert_eq!(file_names(dir.path()).len(), 5);
        let narrow = Rotation {
            max_files: 2,
            ..wide
        };
        let mut log = AuditLog::open(dir.path(), narrow).unwrap();
        log.append(Event::StaffEntry).unwrap();
        assert_eq!(file_names(dir.path()), ["audit.1.jsonl", "audit.jsonl"]);
    }

    #[test]
    fn record_larger_than_the_limit_is_still_written() {
        let dir = tempfile::tempdir().unwrap();
        let tiny = Rotation {
            max_file_bytes: 10,
            max_files: 3,
        };
        let mut log = AuditLog::open(dir.path(), tiny).unwrap();
        let first = log.append(Event::StaffEntry).unwrap();
        let second = log.append(Event::StaffExit { idle: false }).unwrap();
        assert_eq!(file_names(dir.path()), ["audit.1.jsonl", "audit.jsonl"]);
        assert_eq!(read_all(dir.path()).unwrap(), (vec![first, second], 0));
    }

    #[test]
    fn card_tags_are_stable_distinct_and_per_kiosk() {
        let one = tempfile::tempdir().unwrap();
        let two = tempfile::tempdir().unwrap();
        let log = AuditLog::open(one.path(), Rotation::default()).unwrap();
        let tag = log.card_tag(b"card-0001");
        assert_eq!(tag.as_str().len(), 8);
        assert!(
            tag.as_str()
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        );
        assert_eq!(log.card_tag(b"card-0001"), tag);
        assert_ne!(log.card_tag(b"card-0002"), tag);
        drop(log);
        let reopened = AuditLog::open(one.path(), Rotation::default()).unwrap();
        assert_eq!(reopened.card_tag(b"card-0001"), tag);
        let other = AuditLog::open(two.path(), Rotation::default()).unwrap();
        assert_ne!(other.card_tag(b"card-0001"), tag);
    }

    #[test]
    fn key_file_is_private_and_a_short_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        AuditLog::open(dir.path(), Rotation::default()).unwrap();
        let key = dir.path().join(KEY_FILE);
        let meta = fs::metadata(&key).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(meta.len(), KEY_LEN as u64);
        fs::write(&key, [0u8; 5]).unwrap();
        let err = AuditLog::open(dir.path(), Rotation::default()).unwrap_err();
        assert!(matches!(err, AuditError::BadKey { len: 5, .. }), "{err}");
        assert!(err.to_string().contains(KEY_FILE));
    }

    #[test]
    fn the_log_its_rotations_and_its_directory_are_private() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("state").join("audit");
        let limits = Rotation {
            max_file_bytes: 300,
            max_files: 3,
        };
        let mut log = AuditLog::open(&dir, limits).unwrap();
        for _ in 0..10 {
            log.append(end(Outcome::Failed, CARD_MOVED)).unwrap();
        }
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode(&root.path().join("state")), 0o700);
        assert_eq!(mode(&dir), 0o700);
        let files = files_oldest_first(&dir).unwrap();
        assert!(files.len() >= 2, "rotated: {files:?}");
        for file in files.iter().chain([&dir.join(KEY_FILE)]) {
            assert_eq!(mode(file), 0o600, "{}", file.display());
        }
        // Nothing but the log and its key: no temporary file left behind.
        for entry in fs::read_dir(&dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(
                name == KEY_FILE || name.starts_with("audit."),
                "unexpected {name}"
            );
        }
    }

    #[test]
    fn a_symlink_in_place_of_the_log_is_refused_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        drop(AuditLog::open(dir.path(), Rotation::default()).unwrap());
        fs::remove_file(dir.path().join(CURRENT_FILE)).unwrap();
        let victim = dir.path().join("victim");
        std::os::unix::fs::symlink(&victim, dir.path().join(CURRENT_FILE)).unwrap();
        assert!(AuditLog::open(dir.path(), Rotation::default()).is_err());
        assert!(!victim.exists());
    }

    #[test]
    fn free_text_cannot_be_written_or_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = AuditLog::open(dir.path(), Rotation::default()).unwrap();
        // The version is the only text: anything but a build's version is refused, unechoed.
        for version in ["1.0 Taro", "", &"1".repeat(41)] {
            let err = log
                .append(Event::Started {
                    version: version.to_string(),
                })
                .unwrap_err();
            assert!(matches!(err, AuditError::BadField { .. }), "{version:?}");
            assert!(!err.to_string().contains("Taro"));
        }
        assert!(log.append(end(Outcome::Failed, CARD_MOVED)).is_ok());
        assert_eq!(read_all(dir.path()).unwrap().0.len(), 1);
        // A doctored line with text where the types allow none does not read back as an event.
        let doctored = [
            r#"{"at":"2025-04-01T00:00:00Z","seq":9,"event":"session_end","kind":"signing","outcome":"failed","reason":"1234 5678"}"#,
            r#"{"at":"2025-04-01T00:00:00Z","seq":9,"event":"session_start","kind":"山田"}"#,
            r#"{"at":"2025-04-01T00:00:00Z","seq":9,"event":"session_end","kind":"auth","outcome":"failed","card":"1234567890123456"}"#,
            r#"{"at":"2025-04-01T00:00:00Z","seq":9,"event":"staff_action","action":"Taro"}"#,
        ];
        for line in doctored {
            assert!(serde_json::from_str::<Record>(line).is_err(), "{line}");
        }
    }

    #[test]
    fn reasons_are_written_as_their_names() {
        let names = [
            (Reason::Refused(Refusal::NoReservation), "no_reservation"),
            (
                Reason::Refused(Refusal::NoSigningCertificate),
                "no_signing_certificate",
            ),
            (Reason::Fault(Fault::PinLockedAuth), "pin_locked_auth"),
            (Reason::Fault(Fault::ReaderLost), "reader_lost"),
        ];
        for (reason, name) in names {
            assert_eq!(reason.code(), name);
            let back: Reason = serde_json::from_value(serde_json::json!(name)).unwrap();
            assert_eq!(back, reason);
        }
    }

    #[test]
    fn io_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("not-a-dir");
        fs::write(&blocker, b"x").unwrap();
        let err = AuditLog::open(&blocker.join("audit"), Rotation::default()).unwrap_err();
        assert!(err.to_string().contains("not-a-dir"), "{err}");
    }

    #[test]
    fn counters_split_today_at_japan_midnight_and_group_reasons() {
        let jst = FixedOffset::east_opt(9 * 3600).unwrap();
        let today = NaiveDate::from_ymd_opt(2025, 4, 1).unwrap();
        let yesterday = at(2025, 3, 31, 14, 59, 59);
        let midnight = at(2025, 3, 31, 15, 0, 0);
        let events = [
            (
                yesterday,
                Event::SessionStart {
                    kind: ResetKind::Signing,
                },
            ),
            (yesterday, end(Outcome::Completed, None)),
            (yesterday, end(Outcome::Refused, NO_RESERVATION)),
            (
                midnight,
                Event::SessionStart {
                    kind: ResetKind::Auth,
                },
            ),
            (midnight, end(Outcome::Completed, None)),
            (midnight, end(Outcome::Refused, NO_RESERVATION)),
            (
                midnight,
                end(
                    Outcome::Refused,
                    Some(Reason::Refused(Refusal::ReservationExpired)),
                ),
            ),
            (midnight, end(Outcome::Failed, CARD_MOVED)),
            (yesterday, end(Outcome::Failed, CARD_MOVED)),
            (midnight, end(Outcome::Failed, None)),
            (midnight, end(Outcome::Cancelled, None)),
            (yesterday, end(Outcome::TimedOut, None)),
            (
                midnight,
                Event::PasscodeFailed {
                    consecutive: 1,
                    locked_seconds: 0,
                },
            ),
            (midnight, Event::StaffEntry),
        ];
        let records: Vec<Record> = events
            .into_iter()
            .enumerate()
            .map(|(i, (at, event))| Record {
                at,
                seq: i as u64 + 1,
                event,
            })
            .collect();
        let c = Counters::from_records(&records, today, jst);
        let t = |today, total| Tally { today, total };
        assert_eq!(c.sessions, t(1, 2));
        assert_eq!(c.completed, t(1, 2));
        assert_eq!(c.cancelled, t(1, 1));
        assert_eq!(c.timed_out, t(0, 1));
        assert_eq!(c.passcode_failures, t(1, 1));
        let refusals: BTreeMap<_, _> = [
            (NO_RESERVATION, t(1, 2)),
            (Some(Reason::Refused(Refusal::ReservationExpired)), t(1, 1)),
        ]
        .into();
        assert_eq!(c.refusals, refusals);
        let errors: BTreeMap<_, _> = [(CARD_MOVED, t(1, 2)), (None, t(1, 1))].into();
        assert_eq!(c.errors, errors);
    }
}
