//! The kiosk's log (docs/kiosk-logs.md): `tracing` events of the app, the worker and the
//! heartbeat, and the `log` records of the libraries under them (iced, winit, …) bridged in,
//! all through one `RUST_LOG` filter (default `info`).
//!
//! Under systemd with its output connected to the journal (`JOURNAL_STREAM` names the stderr
//! the kiosk has) the events go to the journal with their fields (`KIOSK_SCREEN=`,
//! `KIOSK_REFUSAL=`, …, `SYSLOG_IDENTIFIER=kiosk-app`); if the journal's socket cannot be
//! opened they go to stderr, which systemd keeps too. Otherwise: one human-readable line per
//! event on stderr.
//!
//! A `RUST_LOG` that does not parse does not stop the kiosk (a typo in a drop-in sent to a
//! fleet must not take every store's kiosk out of service): the kiosk logs at `info` and says
//! so in a warning naming `RUST_LOG`.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The filter when `RUST_LOG` is not set, or does not parse.
pub const DEFAULT_FILTER: &str = "info";

/// Where the log went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    Journal,
    Stderr,
}

/// The filter `RUST_LOG` asks for (`None`: unset), and why it could not be used if it could
/// not.
pub fn filter(rust_log: Option<&str>) -> (EnvFilter, Option<String>) {
    let default = || EnvFilter::new(DEFAULT_FILTER);
    match rust_log.map(str::trim).filter(|text| !text.is_empty()) {
        None => (default(), None),
        Some(text) => match EnvFilter::builder().parse(text) {
            Ok(filter) => (filter, None),
            Err(error) => (
                default(),
                Some(format!(
                    "RUST_LOG={text:?} is not a log filter ({error}); logging at {DEFAULT_FILTER}"
                )),
            ),
        },
    }
}

/// Whether stderr is the journal's stream: `JOURNAL_STREAM` is `DEVICE:INODE` of the stream
/// systemd connected, and stderr is that stream (not a file or pipe a child of the service
/// was given instead, which inherits the variable).
pub fn connected_to_journal(journal_stream: Option<&str>, stderr: Option<(u64, u64)>) -> bool {
    let Some((device, inode)) = journal_stream.and_then(|text| text.trim().split_once(':')) else {
        return false;
    };
    match (device.parse::<u64>(), inode.parse::<u64>(), stderr) {
        (Ok(device), Ok(inode), Some(stderr)) => (device, inode) == stderr,
        _ => false,
    }
}

/// The device and inode of this process's stderr.
fn stderr_identity() -> Option<(u64, u64)> {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let fd = std::io::stderr().as_fd().try_clone_to_owned().ok()?;
    let meta = std::fs::File::from(fd).metadata().ok()?;
    Some((meta.dev(), meta.ino()))
}

/// Installs the kiosk's subscriber (and the `log` bridge) for the whole process. Where a
/// subscriber is set already (a test's), that one stays and this says so on stderr.
pub fn init() -> Destination {
    let rust_log = std::env::var("RUST_LOG").ok();
    let (filter, bad_filter) = filter(rust_log.as_deref());
    let journal_stream = std::env::var("JOURNAL_STREAM").ok();
    let mut journal_problem = None;
    let journal = if connected_to_journal(journal_stream.as_deref(), stderr_identity()) {
        match tracing_journald::layer() {
            Ok(layer) => Some(
                layer
                    .with_syslog_identifier("kiosk-app".to_string())
                    .with_field_prefix(Some("KIOSK".to_string())),
            ),
            Err(error) => {
                journal_problem = Some(error.to_string());
                None
            }
        }
    } else {
        None
    };
    let destination = if journal.is_some() {
        Destination::Journal
    } else {
        Destination::Stderr
    };
    let stderr = journal.is_none().then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
    });
    let installed = tracing_subscriber::registry()
        .with(filter)
        .with(journal)
        .with(stderr)
        .try_init();
    if let Err(error) = installed {
        // Only when something set one before (a test); its events go where it sends them.
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!("kiosk-app: the log was set up already ({error})\n").as_bytes(),
        );
    }
    if let Some(problem) = bad_filter {
        tracing::warn!("{problem}");
    }
    if let Some(error) = journal_problem {
        tracing::warn!(%error, "the journal cannot be reached: logging to stderr");
    }
    destination
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_log_sets_the_filter_and_a_bad_one_falls_back_naming_it() {
        let (chosen, problem) = filter(None);
        assert_eq!(chosen.to_string(), "info");
        assert_eq!(problem, None);
        let (chosen, problem) = filter(Some("kiosk_core=debug,warn"));
        assert!(chosen.to_string().contains("kiosk_core=debug"), "{chosen}");
        assert_eq!(problem, None);
        let (chosen, problem) = filter(Some("kiosk_core=loud"));
        assert_eq!(chosen.to_string(), "info");
        let problem = problem.expect("said");
        assert!(
            problem.starts_with("RUST_LOG=\"kiosk_core=loud\" is not a log filter"),
            "{problem}"
        );
        assert_eq!(filter_of_blank(), "info");
    }

    fn filter_of_blank() -> String {
        filter(Some("  ")).0.to_string()
    }

    #[test]
    fn only_the_journals_own_stream_is_the_journal() {
        assert!(connected_to_journal(Some("8:12345"), Some((8, 12345))));
        assert!(connected_to_journal(Some("8:12345\n"), Some((8, 12345))));
        // Inherited by something whose stderr is elsewhere.
        assert!(!connected_to_journal(Some("8:12345"), Some((8, 999))));
        assert!(!connected_to_journal(None, Some((8, 12345))));
        assert!(!connected_to_journal(Some("garbage"), Some((8, 12345))));
        assert!(!connected_to_journal(Some("8:12345"), None));
    }

    #[test]
    fn this_process_knows_its_stderr() {
        let (device, inode) = stderr_identity().expect("stderr is open in tests");
        let stream = format!("{device}:{inode}");
        assert!(connected_to_journal(Some(&stream), stderr_identity()));
    }
}
