//! What the card answered to a reset and the centre has not acknowledged yet, kept on disk
//! (`state_dir/outbox/<session>.json`, one file per session, written through) from the moment
//! the card answers until the centre takes it. A kiosk that crashes or loses the network in
//! between delivers it after its restart, so the reservation ends up used exactly when the card
//! took the new PIN. Only the session id and the card's status word are kept: no PIN, no card.

use std::path::{Path, PathBuf};

use reset_center::{Outcome, SessionId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone)]
pub struct Outbox {
    dir: Option<PathBuf>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    session: SessionId,
    outcome: Outcome,
}

impl Outbox {
    /// The outbox in `dir` (created when needed).
    pub fn at(dir: PathBuf) -> Outbox {
        Outbox { dir: Some(dir) }
    }

    /// No outbox: completions live only in memory (tools and tests that need none).
    pub fn none() -> Outbox {
        Outbox { dir: None }
    }

    /// Keeps `outcome` of `session` until [`Outbox::remove`].
    pub fn add(&self, session: &SessionId, outcome: Outcome) {
        let Some(dir) = &self.dir else {
            return;
        };
        let entry = Entry {
            session: session.clone(),
            outcome,
        };
        let written = std::fs::create_dir_all(dir)
            .map_err(|e| e.to_string())
            .and_then(|()| serde_json::to_vec(&entry).map_err(|e| e.to_string()))
            .and_then(|bytes| {
                let path = file(dir, session);
                crate::durable::replace(&path, &bytes)
                    .map_err(|e| format!("{}: {e}", path.display()))
            });
        if let Err(error) = written {
            eprintln!("kiosk: outbox: {error}");
        }
    }

    /// The centre took it.
    pub fn remove(&self, session: &SessionId) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_file(file(dir, session));
            let _ = crate::durable::sync_dir(dir);
        }
    }

    /// Everything not yet delivered (a damaged entry is skipped and kept for a person to see).
    pub fn load(&self) -> Vec<(SessionId, Outcome)> {
        let Some(dir) = &self.dir else {
            return Vec::new();
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter(|entry| entry.path().extension().is_some_and(|e| e == "json"))
            .filter_map(|entry| std::fs::read(entry.path()).ok())
            .filter_map(|bytes| serde_json::from_slice::<Entry>(&bytes).ok())
            .map(|entry| (entry.session, entry.outcome))
            .collect()
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

    #[test]
    fn an_outcome_stays_until_removed_and_survives_a_new_outbox() {
        let dir = tempfile::tempdir().expect("dir");
        let outbox = Outbox::at(dir.path().join("outbox"));
        let session = SessionId("0123456789abcdef0123456789abcdef".to_string());
        outbox.add(&session, Outcome::Card { sw: 0x9000 });
        let reopened = Outbox::at(dir.path().join("outbox"));
        assert_eq!(
            reopened.load(),
            vec![(session.clone(), Outcome::Card { sw: 0x9000 })]
        );
        reopened.remove(&session);
        assert!(outbox.load().is_empty());
    }

    #[test]
    fn a_session_id_cannot_name_a_file_elsewhere() {
        let dir = Path::new("/x/outbox");
        let sneaky = SessionId("../../etc/passwd".to_string());
        assert_eq!(file(dir, &sneaky), Path::new("/x/outbox/ecad.json"));
    }
}
