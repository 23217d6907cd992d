//! Files that must survive a crash or a power cut whole: the out-of-service switch, the staff
//! lockout, the outbox, the audit log's key, the configuration rewritten by
//! `set-staff-passcode`; and the kiosk's private directories.
//!
//! A replacement is written to a fresh temporary file beside the target, created with
//! `O_CREAT|O_EXCL|O_NOFOLLOW` under a random name (never a fixed `NAME.tmp` someone could plant
//! a symbolic link at, never one a second writer shares), synced, given the target's mode and
//! owner, and renamed over the target. Whatever fails on the way, the temporary file is removed.

use std::fs::{File, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rand::RngCore;

/// The mode of a file [`replace`] creates: only the kiosk's user reads it.
pub const PRIVATE_FILE: u32 = 0o600;
/// The mode of a directory [`create_private_dir_all`] creates.
pub const PRIVATE_DIR: u32 = 0o700;

/// Names tried before giving up: a clash of 64 random bits happens only when someone plants
/// files on purpose, and then giving up is right.
const TEMPORARY_ATTEMPTS: usize = 8;

/// Replaces `path` with `bytes`: a synced temporary file renamed over it, then the directory
/// synced, so a crash leaves the old content or the new, never part of either. An existing file
/// keeps its mode and owner; a new one is created `0600`.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    replace_with_mode(path, bytes, PRIVATE_FILE)
}

/// [`replace`], creating a new file with `new_mode` (an existing file keeps its own mode).
pub fn replace_with_mode(path: &Path, bytes: &[u8], new_mode: u32) -> io::Result<()> {
    let dir = parent(path);
    let (mut file, temporary) = create_temporary(path)?;
    let written = write_and_rename(&mut file, &temporary, path, bytes, new_mode);
    drop(file);
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(error);
    }
    sync_dir(dir)
}

fn write_and_rename(
    file: &mut File,
    temporary: &Path,
    path: &Path,
    bytes: &[u8],
    new_mode: u32,
) -> io::Result<()> {
    file.write_all(bytes)?;
    // The target is looked at as late as possible, and never through a symbolic link: its
    // mode and owner go to the new content, so a `0640 root:kiosk` file stays one.
    match std::fs::symlink_metadata(path) {
        Ok(old) if old.file_type().is_file() => {
            let mine = file.metadata()?;
            if (mine.uid(), mine.gid()) != (old.uid(), old.gid()) {
                std::os::unix::fs::fchown(&*file, Some(old.uid()), Some(old.gid()))?;
            }
            // After the owner: changing the owner may clear set-id bits.
            file.set_permissions(Permissions::from_mode(old.mode() & 0o7777))?;
        }
        Ok(_) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} is not a regular file (a symbolic link or a directory); not replaced",
                    path.display()
                ),
            ));
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            // Set, not left to the umask: the mode asked for is the mode the file gets.
            file.set_permissions(Permissions::from_mode(new_mode & 0o7777))?;
        }
        Err(error) => return Err(error),
    }
    file.sync_all()?;
    std::fs::rename(temporary, path)
}

/// A new, empty file beside `path` under a name no one else has: `.NAME.<random>.tmp`, created
/// `0600` with `O_EXCL|O_NOFOLLOW` (an existing file or symbolic link at that name is an error,
/// never followed; another name is tried).
fn create_temporary(path: &Path) -> io::Result<(File, PathBuf)> {
    let mut last = io::Error::new(io::ErrorKind::AlreadyExists, "no free temporary name");
    for _ in 0..TEMPORARY_ATTEMPTS {
        let candidate = temporary_name(path, rand::rngs::OsRng.next_u64());
        match open_new(&candidate) {
            Ok(file) => return Ok((file, candidate)),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => last = error,
            Err(error) => return Err(error),
        }
    }
    Err(last)
}

/// Creates `path`, which must not exist, even as a dangling symbolic link.
fn open_new(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(PRIVATE_FILE)
        .open(path)
}

/// `.NAME.<16 hex digits>.tmp` beside `path` (hidden, so a directory listing of `*.json`
/// entries, such as the outbox's, never takes it for an entry).
fn temporary_name(path: &Path, random: u64) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(format!(".{random:016x}.tmp"));
    path.with_file_name(name)
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Makes renames, new and removed files in `dir` durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir).and_then(|dir| dir.sync_all())
}

/// Creates `dir` and any missing parents `0700` (existing ones are left as they are: the state
/// directory systemd makes has its own `StateDirectoryMode`).
pub fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(PRIVATE_DIR)
        .create(dir)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
    }

    /// Every name in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_0640_file_stays_0640_and_keeps_its_owner() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.json");
        std::fs::write(&path, b"old").unwrap();
        std::fs::set_permissions(&path, Permissions::from_mode(0o640)).unwrap();
        let before = std::fs::metadata(&path).unwrap();
        replace(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(mode(&path), 0o640);
        let after = std::fs::metadata(&path).unwrap();
        assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
        assert_ne!(
            after.ino(),
            before.ino(),
            "replaced by rename, not rewritten"
        );
        assert_eq!(names(dir.path()), ["kiosk.json"]);
    }

    #[test]
    fn another_owner_is_kept_where_the_kiosk_may_set_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.json");
        std::fs::write(&path, b"old").unwrap();
        std::fs::set_permissions(&path, Permissions::from_mode(0o640)).unwrap();
        // Only root can give a file away (the tests run as root; as anyone else, skip).
        if std::os::unix::fs::chown(&path, Some(65534), Some(65534)).is_err() {
            eprintln!("not root: the owner part of this test is skipped");
            return;
        }
        replace(&path, b"new").unwrap();
        let after = std::fs::metadata(&path).unwrap();
        assert_eq!((after.uid(), after.gid()), (65534, 65534));
        assert_eq!(mode(&path), 0o640);
    }

    #[test]
    fn other_modes_are_kept_too_even_wider_ones_the_owner_chose() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        for wanted in [0o600, 0o400, 0o644, 0o660] {
            std::fs::write(&path, b"x").unwrap();
            std::fs::set_permissions(&path, Permissions::from_mode(wanted)).unwrap();
            replace(&path, b"y").unwrap();
            assert_eq!(mode(&path), wanted, "{wanted:o}");
            std::fs::set_permissions(&path, Permissions::from_mode(0o600)).unwrap();
            std::fs::remove_file(&path).unwrap();
        }
    }

    #[test]
    fn a_new_file_is_0600_whatever_the_umask_or_as_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("service.json");
        replace(&path, b"{}").unwrap();
        assert_eq!(mode(&path), 0o600);
        let shared = dir.path().join("shared.json");
        replace_with_mode(&shared, b"{}", 0o640).unwrap();
        assert_eq!(mode(&shared), 0o640);
    }

    #[test]
    fn a_symlink_planted_at_the_old_fixed_temporary_name_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"untouched").unwrap();
        std::fs::set_permissions(&victim, Permissions::from_mode(0o644)).unwrap();
        let path = dir.path().join("staff-lockout.json");
        // What the old code wrote through: `NAME.tmp`.
        symlink(&victim, dir.path().join("staff-lockout.json.tmp")).unwrap();
        replace(&path, b"{\"consecutive_failures\":3}").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"untouched");
        assert_eq!(mode(&victim), 0o644);
        assert!(
            std::fs::symlink_metadata(dir.path().join("staff-lockout.json.tmp"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"{\"consecutive_failures\":3}"
        );
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn the_temporary_file_is_never_opened_through_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        let planted = dir.path().join("planted");
        // Dangling: following it would create the victim.
        symlink(&victim, &planted).unwrap();
        let error = open_new(&planted).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
        assert!(!victim.exists());
        std::fs::write(&victim, b"untouched").unwrap();
        assert_eq!(
            open_new(&planted).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        assert_eq!(std::fs::read(&victim).unwrap(), b"untouched");
    }

    #[test]
    fn a_symlink_at_the_target_is_refused_not_followed_or_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"untouched").unwrap();
        let path = dir.path().join("kiosk.json");
        symlink(&victim, &path).unwrap();
        assert!(replace(&path, b"new").is_err());
        assert_eq!(std::fs::read(&victim).unwrap(), b"untouched");
        assert!(
            std::fs::symlink_metadata(&path)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            names(dir.path()),
            ["kiosk.json", "victim"],
            "no temporary left"
        );
    }

    #[test]
    fn a_failed_replace_removes_its_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should be: the rename cannot happen.
        let path = dir.path().join("outbox-entry.json");
        std::fs::create_dir(&path).unwrap();
        assert!(replace(&path, b"{}").is_err());
        assert_eq!(names(dir.path()), ["outbox-entry.json"]);
        assert!(std::fs::metadata(&path).unwrap().is_dir());
    }

    #[test]
    fn two_temporary_files_for_one_target_never_share_a_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("service.json");
        let (_one, first) = create_temporary(&path).unwrap();
        let (_two, second) = create_temporary(&path).unwrap();
        assert_ne!(first, second);
        assert_eq!(first.parent(), Some(dir.path()));
        assert_eq!(mode(&first), 0o600);
        // A name that is taken is skipped, not reused.
        let taken = temporary_name(&path, 7);
        std::fs::write(&taken, b"someone else's").unwrap();
        assert_eq!(
            open_new(&taken).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        assert_eq!(std::fs::read(&taken).unwrap(), b"someone else's");
    }

    #[test]
    fn concurrent_replaces_of_one_file_all_succeed_and_leave_one_whole_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("outbox.json");
        let writers: Vec<_> = (0..8u8)
            .map(|n| {
                let path = path.clone();
                std::thread::spawn(move || {
                    for _ in 0..20 {
                        replace(&path, &[n; 4096]).unwrap();
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        let content = std::fs::read(&path).unwrap();
        assert_eq!(content.len(), 4096);
        assert!(content.iter().all(|b| *b == content[0]));
        assert_eq!(names(dir.path()), ["outbox.json"]);
    }

    #[test]
    fn private_directories_are_0700_and_existing_ones_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("state").join("outbox");
        create_private_dir_all(&nested).unwrap();
        assert_eq!(mode(&dir.path().join("state")), 0o700);
        assert_eq!(mode(&nested), 0o700);
        let existing = dir.path().join("existing");
        std::fs::create_dir(&existing).unwrap();
        std::fs::set_permissions(&existing, Permissions::from_mode(0o750)).unwrap();
        create_private_dir_all(&existing).unwrap();
        assert_eq!(mode(&existing), 0o750);
    }
}
