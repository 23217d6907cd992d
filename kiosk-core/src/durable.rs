//! Files that must survive a crash or a power cut whole: the out-of-service switch, the staff
//! lockout, the outbox, the configuration rewritten by `set-staff-passcode`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Replaces `path` with `bytes`: a synced temporary file renamed over it, then the directory
/// synced, so a crash leaves the old content or the new, never part of either.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temporary = temporary(path);
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)?;
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    sync_dir(parent.unwrap_or(Path::new(".")))
}

/// Makes renames, new and removed files in `dir` durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir).and_then(|dir| dir.sync_all())
}

/// `name.tmp` beside `path`.
fn temporary(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}
