//! The card's receipt of a reset the centre has not acknowledged yet, kept on disk
//! (`state_dir/outbox/<session>.json`, one file per session, written through) from the moment
//! the card gives it until the centre takes it. A kiosk that crashes or loses the network in
//! between delivers it after its restart, so the reservation ends up used exactly when the card
//! took the new PIN. Before the card has given its receipt (it has not answered yet, or it was
//! pulled before the receipt could be read), the entry says the command is with the card,
//! which PIN it resets and which card it went to, as a salted SHA-256 of the card's auth
//! certificate (enough to recognise the card, nothing to identify its holder): a kiosk that dies
//! then reads the card's receipt after its restart if the same card is still on the reader.
//! No PIN is ever kept. Each entry says since when it waits (`queued_at`, Unix seconds; the
//! heartbeat reports the oldest one's age): an entry written by an older kiosk without it is
//! dated by its file's modification time.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reset_protocol::{Outcome, ResetKind, SessionId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The one record of completions not yet delivered: the worker keeps no list of its own.
/// Clones share it (the reset's journal writes from the card thread).
#[derive(Debug, Clone)]
pub struct Outbox {
    dir: Option<PathBuf>,
    /// Entries that could not be written (a full or broken disk), or all of them without a
    /// directory: kept for this run at least, and still offered to the centre.
    unwritten: Arc<Mutex<Vec<Entry>>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    session: SessionId,
    /// The card's outcome, once known.
    #[serde(default)]
    outcome: Option<Outcome>,
    /// While the command is with the card.
    #[serde(default)]
    sent: Option<Sent>,
    /// Since when the session has waited in the outbox (Unix seconds): kept when the entry is
    /// rewritten (the command's entry replaced by the card's outcome). Absent in entries of
    /// older kiosks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    queued_at: Option<u64>,
}

/// How many entries wait for the centre, and since when the oldest does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxState {
    pub depth: u32,
    pub oldest: Option<SystemTime>,
}

fn unix_seconds(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
}

/// A reset command sent to a card that has not answered yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    pub kind: ResetKind,
    /// Hex of 16 random bytes, and of SHA-256(salt ‖ auth certificate).
    card_salt: String,
    card_digest: String,
}

impl Sent {
    pub fn new(kind: ResetKind, auth_certificate: &[u8]) -> Sent {
        use rand::RngCore;
        let mut salt = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        Sent {
            kind,
            card_salt: hex::encode(salt),
            card_digest: hex::encode(card_digest(&salt, auth_certificate)),
        }
    }

    /// Whether `auth_certificate` is the certificate of the card the command went to.
    pub fn same_card(&self, auth_certificate: &[u8]) -> bool {
        hex::decode(&self.card_salt)
            .is_ok_and(|salt| hex::encode(card_digest(&salt, auth_certificate)) == self.card_digest)
    }
}

fn card_digest(salt: &[u8], auth_certificate: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(auth_certificate);
    hasher.finalize().into()
}

impl Outbox {
    /// The outbox in `dir` (created when needed).
    pub fn at(dir: PathBuf) -> Outbox {
        Outbox {
            dir: Some(dir),
            unwritten: Arc::default(),
        }
    }

    /// No outbox on disk: completions live only in memory (tools and tests that need none).
    pub fn none() -> Outbox {
        Outbox {
            dir: None,
            unwritten: Arc::default(),
        }
    }

    fn unwritten(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        self.unwritten
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Keeps `outcome` of `session` until [`Outbox::remove`].
    pub fn add(&self, session: &SessionId, outcome: Outcome) {
        self.write(Entry {
            session: session.clone(),
            outcome: Some(outcome),
            sent: None,
            queued_at: None,
        });
    }

    /// Keeps, until the card answers, that `session`'s command is going to a card.
    pub fn sending(&self, session: &SessionId, sent: Sent) {
        self.write(Entry {
            session: session.clone(),
            outcome: None,
            sent: Some(sent),
            queued_at: None,
        });
    }

    /// Writes, through to the disk, that `session`'s command is about to go to a card: the
    /// entry a kiosk that dies before the card answers needs after its restart. Unlike the
    /// outcome, it is not kept in memory when it cannot be written: a reset whose journal
    /// cannot be written must not be sent (see [`OutboxJournal::open`]). Without a directory
    /// (tools and tests that keep nothing) it is kept in memory as every entry is.
    pub fn sending_durably(&self, session: &SessionId, sent: Sent) -> Result<(), String> {
        let mut entry = Entry {
            session: session.clone(),
            outcome: None,
            sent: Some(sent),
            queued_at: None,
        };
        entry.queued_at = Some(self.queued_at(session));
        let mut unwritten = self.unwritten();
        unwritten.retain(|kept| kept.session != entry.session);
        let Some(dir) = &self.dir else {
            unwritten.push(entry);
            return Ok(());
        };
        write_entry(dir, &entry).inspect_err(|_| {
            // An older entry of the session on disk must not stand for this one.
            let _ = std::fs::remove_file(file(dir, session));
        })
    }

    fn write(&self, mut entry: Entry) {
        entry.queued_at = Some(self.queued_at(&entry.session));
        let mut unwritten = self.unwritten();
        unwritten.retain(|kept| kept.session != entry.session);
        let Some(dir) = &self.dir else {
            unwritten.push(entry);
            return;
        };
        if let Err(error) = write_entry(dir, &entry) {
            tracing::error!(%error, "outbox entry not written; kept in memory for this run");
            // An older entry of the session on disk must not stand for this one.
            let _ = std::fs::remove_file(file(dir, &entry.session));
            unwritten.push(entry);
        }
    }

    /// Since when `session` has waited: its entry's time if it has one already, else now.
    fn queued_at(&self, session: &SessionId) -> u64 {
        let in_memory = self
            .unwritten()
            .iter()
            .find(|kept| kept.session == *session)
            .and_then(|kept| kept.queued_at);
        let on_disk = || {
            let path = file(self.dir.as_ref()?, session);
            entry_at(&path)?.1
        };
        in_memory
            .or_else(on_disk)
            .unwrap_or_else(|| unix_seconds(SystemTime::now()))
    }

    /// How many entries wait (outcomes and commands with a card), and the oldest one's time.
    pub fn state(&self) -> OutboxState {
        let mut state = OutboxState::default();
        for (_, queued) in self.dated_entries() {
            state.depth = state.depth.saturating_add(1);
            let queued = queued.map(|seconds| UNIX_EPOCH + Duration::from_secs(seconds));
            state.oldest = match (state.oldest, queued) {
                (Some(oldest), Some(queued)) => Some(oldest.min(queued)),
                (oldest, queued) => oldest.or(queued),
            };
        }
        state
    }

    /// The centre took it.
    pub fn remove(&self, session: &SessionId) {
        self.unwritten().retain(|kept| kept.session != *session);
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_file(file(dir, session));
            let _ = crate::durable::sync_dir(dir);
        }
    }

    /// Every outcome not yet delivered (a damaged entry is skipped and kept for a person to see).
    pub fn load(&self) -> Vec<(SessionId, Outcome)> {
        self.entries()
            .filter_map(|entry| Some((entry.session, entry.outcome?)))
            .collect()
    }

    /// Every command a card never answered (the kiosk went away while the card had it).
    pub fn load_sent(&self) -> Vec<(SessionId, Sent)> {
        self.entries()
            .filter(|entry| entry.outcome.is_none())
            .filter_map(|entry| Some((entry.session, entry.sent?)))
            .collect()
    }

    fn entries(&self) -> impl Iterator<Item = Entry> {
        self.dated_entries().map(|(entry, _)| entry)
    }

    /// Every entry with since when it waits (Unix seconds), when that can be told.
    fn dated_entries(&self) -> impl Iterator<Item = (Entry, Option<u64>)> {
        let unwritten = self.unwritten().clone();
        let on_disk = self
            .dir
            .as_ref()
            .and_then(|dir| std::fs::read_dir(dir).ok())
            .into_iter()
            .flatten()
            .flatten()
            .filter(|entry| entry.path().extension().is_some_and(|e| e == "json"))
            .filter_map(|entry| entry_at(&entry.path()));
        on_disk.chain(unwritten.into_iter().map(|entry| {
            let queued = entry.queued_at;
            (entry, queued)
        }))
    }
}

/// The entry in the file at `path`, and since when it waits: its own time, or for an entry
/// written before entries had one, its file's modification time.
fn entry_at(path: &Path) -> Option<(Entry, Option<u64>)> {
    let bytes = std::fs::read(path).ok()?;
    let entry = serde_json::from_slice::<Entry>(&bytes).ok()?;
    let queued = entry.queued_at.or_else(|| {
        std::fs::metadata(path)
            .and_then(|meta| meta.modified())
            .ok()
            .map(unix_seconds)
    });
    Some((entry, queued))
}

/// The entry, durably, in `dir` (created `0700` when needed; the entry itself is `0600`).
fn write_entry(dir: &Path, entry: &Entry) -> Result<(), String> {
    crate::durable::create_private_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let bytes = serde_json::to_vec(entry).map_err(|e| e.to_string())?;
    let path = file(dir, &entry.session);
    crate::durable::replace(&path, &bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// The outbox as the reset's journal: the command going to the card, then the card's outcome.
///
/// The first entry, that the command is going to the card, is written when the journal is
/// opened, before the reset begins: [`kiosk_side::reset_recording`] cannot be stopped from its
/// journal, so a kiosk that could not write the entry must not start the reset at all (a
/// command sent without it is one a crash would lose). Clones share what they saw.
///
/// [`kiosk_side::reset_recording`]: reset_protocol::kiosk_side::reset_recording
#[derive(Debug, Clone)]
pub struct OutboxJournal {
    outbox: Outbox,
    session: SessionId,
    sent: Sent,
    /// Set once the reset said its command is going to the card.
    commanded: Arc<AtomicBool>,
}

impl OutboxJournal {
    /// Writes through that `session`'s command is going to the card described by `sent`; an
    /// error if it could not be written, and then the reset must not be sent.
    pub fn open(outbox: Outbox, session: &SessionId, sent: Sent) -> Result<OutboxJournal, String> {
        outbox.sending_durably(session, sent.clone())?;
        Ok(OutboxJournal {
            outbox,
            session: session.clone(),
            sent,
            commanded: Arc::default(),
        })
    }

    /// Whether the reset got as far as sending its command to the card.
    pub fn commanded(&self) -> bool {
        self.commanded.load(Ordering::SeqCst)
    }

    /// The reset ended before its command went to the card: the entry written at
    /// [`OutboxJournal::open`] stands for nothing and goes.
    pub fn withdraw(&self) {
        if !self.commanded() {
            self.outbox.remove(&self.session);
        }
    }
}

impl reset_protocol::kiosk_side::ResetJournal for OutboxJournal {
    fn sending(&self, session: &SessionId) {
        self.commanded.store(true, Ordering::SeqCst);
        // Written already when the journal was opened (and not written again: a failed
        // rewrite would take the written entry away).
        if *session != self.session {
            self.outbox.sending(session, self.sent.clone());
        }
    }

    fn answered(&self, session: &SessionId, outcome: Outcome) {
        self.outbox.add(session, outcome);
    }
}

/// A session id is hex: it names its file as it is (anything else is refused as a name).
fn file(dir: &Path, session: &SessionId) -> PathBuf {
    let name: String = session
        .0
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(64)
        .collect();
    dir.join(format!("{name}.json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use card_driver::apdu::StatusWord;

    #[test]
    fn an_outcome_stays_until_removed_and_survives_a_new_outbox() {
        let dir = tempfile::tempdir().expect("dir");
        let outbox = Outbox::at(dir.path().join("outbox"));
        let session = SessionId("0123456789abcdef0123456789abcdef".to_string());
        outbox.add(
            &session,
            Outcome::Card {
                sw: StatusWord::SUCCESS,
            },
        );
        let reopened = Outbox::at(dir.path().join("outbox"));
        assert_eq!(
            reopened.load(),
            vec![(
                session.clone(),
                Outcome::Card {
                    sw: StatusWord::SUCCESS
                }
            )]
        );
        reopened.remove(&session);
        assert!(outbox.load().is_empty());
    }

    #[test]
    fn a_command_with_the_card_is_kept_until_its_answer_replaces_it() {
        let dir = tempfile::tempdir().expect("dir");
        let outbox = Outbox::at(dir.path().join("outbox"));
        let session = SessionId("00112233445566778899aabbccddeeff".to_string());
        let certificate = b"the card's auth certificate".as_slice();
        outbox.sending(&session, Sent::new(ResetKind::Signing, certificate));
        let reopened = Outbox::at(dir.path().join("outbox"));
        let sent = reopened.load_sent();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].0, session);
        assert_eq!(sent[0].1.kind, ResetKind::Signing);
        assert!(sent[0].1.same_card(certificate));
        assert!(!sent[0].1.same_card(b"another card's certificate"));
        assert!(reopened.load().is_empty(), "no outcome yet");
        // Nothing on disk names the card as it is.
        let text = std::fs::read_to_string(
            dir.path()
                .join("outbox")
                .join(format!("{}.json", session.0)),
        )
        .expect("entry");
        assert!(!text.contains(&hex::encode(certificate)));

        outbox.add(&session, Outcome::Unchanged);
        assert!(reopened.load_sent().is_empty());
        assert_eq!(reopened.load(), vec![(session, Outcome::Unchanged)]);
    }

    #[test]
    fn an_entry_written_before_commands_were_journalled_still_loads() {
        let dir = tempfile::tempdir().expect("dir");
        let outbox_dir = dir.path().join("outbox");
        std::fs::create_dir_all(&outbox_dir).expect("dir");
        std::fs::write(
            outbox_dir.join("ab.json"),
            r#"{"session":"ab","outcome":{"card":{"sw":36864}}}"#,
        )
        .expect("write");
        assert_eq!(
            Outbox::at(outbox_dir).load(),
            vec![(
                SessionId("ab".to_string()),
                Outcome::Card {
                    sw: StatusWord::SUCCESS
                }
            )]
        );
    }

    #[test]
    fn an_outcome_that_cannot_be_written_is_still_offered() {
        let dir = tempfile::tempdir().expect("dir");
        // A file where the outbox's directory should be: nothing can be written under it.
        let blocked = dir.path().join("outbox");
        std::fs::write(&blocked, b"").expect("a file");
        let outbox = Outbox::at(blocked);
        let session = SessionId("0123456789abcdef0123456789abcdef".to_string());
        outbox.add(&session, Outcome::Unknown);
        assert_eq!(
            outbox.clone().load(),
            vec![(session.clone(), Outcome::Unknown)]
        );
        outbox.remove(&session);
        assert!(outbox.load().is_empty());

        let memory = Outbox::none();
        memory.sending(&session, Sent::new(ResetKind::Auth, b"certificate"));
        assert_eq!(memory.load_sent().len(), 1);
        memory.add(&session, Outcome::Unchanged);
        assert!(memory.load_sent().is_empty());
        assert_eq!(memory.load(), vec![(session, Outcome::Unchanged)]);
    }

    #[test]
    fn entries_are_0600_in_a_0700_directory() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let outbox_dir = dir.path().join("state").join("outbox");
        let outbox = Outbox::at(outbox_dir.clone());
        let session = SessionId("0123456789abcdef0123456789abcdef".to_string());
        outbox.add(&session, Outcome::Unknown);
        let mode = |path: &Path| {
            std::fs::metadata(path)
                .expect("metadata")
                .permissions()
                .mode()
                & 0o7777
        };
        assert_eq!(mode(&dir.path().join("state")), 0o700);
        assert_eq!(mode(&outbox_dir), 0o700);
        assert_eq!(mode(&file(&outbox_dir, &session)), 0o600);
    }

    #[test]
    fn a_journal_that_cannot_be_written_is_an_error_and_kept_nowhere() {
        let dir = tempfile::tempdir().expect("dir");
        let blocked = dir.path().join("outbox");
        std::fs::write(&blocked, b"").expect("a file");
        let outbox = Outbox::at(blocked);
        let session = SessionId("0123456789abcdef0123456789abcdef".to_string());
        let sent = Sent::new(ResetKind::Signing, b"certificate");
        assert!(OutboxJournal::open(outbox.clone(), &session, sent).is_err());
        assert!(outbox.load_sent().is_empty(), "not pretended kept");

        let writable = Outbox::at(dir.path().join("writable"));
        let sent = Sent::new(ResetKind::Signing, b"certificate");
        let journal = OutboxJournal::open(writable.clone(), &session, sent).expect("written");
        assert_eq!(Outbox::at(dir.path().join("writable")).load_sent().len(), 1);
        // Nothing went to the card: the entry goes.
        journal.withdraw();
        assert!(writable.load_sent().is_empty());
        let sent = Sent::new(ResetKind::Signing, b"certificate");
        let journal = OutboxJournal::open(writable.clone(), &session, sent).expect("written");
        reset_protocol::kiosk_side::ResetJournal::sending(&journal, &session);
        assert!(journal.commanded());
        // The command went: the entry stays for the card's receipt.
        journal.withdraw();
        assert_eq!(writable.load_sent().len(), 1);
    }

    #[test]
    fn the_outbox_tells_its_depth_and_its_oldest_entrys_age() {
        let dir = tempfile::tempdir().expect("dir");
        let outbox_dir = dir.path().join("outbox");
        let outbox = Outbox::at(outbox_dir.clone());
        assert_eq!(outbox.state(), OutboxState::default());
        let now = unix_seconds(SystemTime::now());
        let session = SessionId("00112233445566778899aabbccddeeff".to_string());
        outbox.sending(&session, Sent::new(ResetKind::Signing, b"certificate"));
        let state = outbox.state();
        assert_eq!(state.depth, 1);
        let queued = unix_seconds(state.oldest.expect("dated"));
        assert!((now..=now + 5).contains(&queued), "{queued} vs {now}");

        // An entry an older kiosk wrote, without its time: its file's time stands for it.
        let old = outbox_dir.join("ab.json");
        std::fs::write(&old, r#"{"session":"ab","outcome":"unknown"}"#).expect("write");
        let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&old)
            .and_then(|file| file.set_modified(an_hour_ago))
            .expect("mtime");
        assert_eq!(outbox.load().len(), 1, "it still loads");
        let state = outbox.state();
        assert_eq!(state.depth, 2);
        assert_eq!(
            state.oldest.map(unix_seconds),
            Some(unix_seconds(an_hour_ago))
        );

        // The card's outcome replaces the command's entry, which keeps waiting since it began.
        let earlier = format!(
            r#"{{"session":"{}","sent":null,"queued_at":1000}}"#,
            session.0
        );
        std::fs::write(file(&outbox_dir, &session), earlier).expect("write");
        outbox.add(&session, Outcome::Unchanged);
        let text = std::fs::read_to_string(file(&outbox_dir, &session)).expect("entry");
        assert!(text.contains("\"queued_at\":1000"), "{text}");
        assert_eq!(
            outbox.state().oldest,
            Some(UNIX_EPOCH + Duration::from_secs(1000))
        );
        outbox.remove(&session);
        std::fs::remove_file(&old).expect("remove");
        assert_eq!(outbox.state(), OutboxState::default());
    }

    #[test]
    fn an_entry_kept_in_memory_is_counted_with_its_time() {
        let outbox = Outbox::none();
        let session = SessionId("0123456789abcdef0123456789abcdef".to_string());
        outbox.add(&session, Outcome::Unknown);
        let state = outbox.state();
        assert_eq!(state.depth, 1);
        assert!(state.oldest.is_some());
    }

    #[test]
    fn a_session_id_cannot_name_a_file_elsewhere() {
        let dir = Path::new("/x/outbox");
        let sneaky = SessionId("../../etc/passwd".to_string());
        assert_eq!(file(dir, &sneaky), Path::new("/x/outbox/ecad.json"));
    }
}
