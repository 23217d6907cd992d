//! Issue 14, item 5: what the kiosk writes under its state directory during a session is its
//! own: every file `0600`, every directory it creates `0700`, whatever the umask.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use kiosk_core::audit::Event;
use kiosk_core::config::Config;
use kiosk_core::outbox::{Outbox, OutboxJournal, Sent};
use kiosk_core::records::Records;
use reset_protocol::kiosk_side::ResetJournal;
use reset_protocol::{Outcome, ResetKind, SessionId};

fn config(state_dir: &Path) -> Config {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/kiosk.json");
    let mut config = Config::load(&path).expect("demo config");
    config.state_dir = state_dir.to_path_buf();
    config
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o7777
}

/// Every path under `dir`, itself excluded.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            found.extend(walk(&path));
        }
        found.push(path);
    }
    found
}

#[test]
fn a_session_leaves_only_private_files_in_private_directories() {
    let scratch = tempfile::tempdir().expect("scratch");
    // Not there yet: the kiosk creates it (and its parent).
    let state_dir = scratch.path().join("var").join("mynumber-kiosk");
    let mut records = Records::open(&config(&state_dir)).expect("open");

    // A customer's reset as the worker journals it, the session's audit events, a staff member
    // mistyping the passcode, the kiosk taken out of service.
    let outbox = Outbox::at(state_dir.join("outbox"));
    let session = SessionId("00112233445566778899aabbccddeeff".to_string());
    let sent = Sent::new(ResetKind::Signing, b"the card's auth certificate");
    let journal = OutboxJournal::open(outbox.clone(), &session, sent).expect("journal");
    journal.sending(&session);
    let other = SessionId("ffeeddccbbaa99887766554433221100".to_string());
    outbox.add(&other, Outcome::Unknown);
    records.record(Event::SessionStart {
        kind: ResetKind::Signing,
    });
    records.passcode_failed();
    records.passcode_failed();
    records.passcode_failed();
    assert!(records.locked_for().is_some());
    records.set_out_of_service(true).expect("out of service");
    assert_eq!(records.broken(), None);

    let expected_files = [
        "audit/audit.jsonl",
        "audit/card-tag.key",
        "staff-lockout.json",
        "service.json",
        "outbox/00112233445566778899aabbccddeeff.json",
        "outbox/ffeeddccbbaa99887766554433221100.json",
    ];
    for file in expected_files {
        assert_eq!(mode(&state_dir.join(file)), 0o600, "{file}");
    }
    for dir in [scratch.path().join("var"), state_dir.clone()] {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    }
    let mut files = 0;
    for path in walk(&state_dir) {
        let wanted = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&path), wanted, "{}", path.display());
        let name = path.file_name().expect("name").to_string_lossy();
        assert!(!name.ends_with(".tmp"), "a temporary file was left: {name}");
        files += usize::from(path.is_file());
    }
    assert_eq!(files, expected_files.len());
}
