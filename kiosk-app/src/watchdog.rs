//! The systemd service protocol (sd_notify), spoken without libsystemd: `READY=1` once the first
//! frame is on screen, `WATCHDOG=1` from the UI's event loop at half the watchdog interval, so a
//! frozen kiosk is restarted (`deploy/debian/kiosk-app/kiosk-app.service`), and a `STATUS=` line whenever the
//! kiosk's state changes ("serving", "out of service: …", "reader lost"), which `systemctl
//! status kiosk-app` shows. Outside systemd (no `NOTIFY_SOCKET`) nothing is sent.
//!
//! (One datagram per notification on a Unix socket is all the protocol is: a crate for it
//! would save a dozen lines and add a dependency to a kiosk image.)

use std::os::unix::net::UnixDatagram;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use kiosk_core::status::{ServiceState, Status};

/// The service manager's socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notifier {
    /// A path, or `@name` in the abstract namespace.
    address: String,
}

impl Notifier {
    /// The socket systemd gave this process (`NOTIFY_SOCKET`), if any.
    pub fn from_environment() -> Option<Notifier> {
        let address = std::env::var_os("NOTIFY_SOCKET")?;
        Some(Notifier::at(&address.to_string_lossy()))
    }

    pub fn at(address: &str) -> Notifier {
        Notifier {
            address: address.to_string(),
        }
    }

    /// Sends one notification. Never blocks: a service manager that does not read its socket
    /// loses a notification rather than freezing the screen that sends it.
    pub fn send(&self, state: &str) -> std::io::Result<()> {
        let socket = UnixDatagram::unbound()?;
        socket.set_nonblocking(true)?;
        // A leading '@' names a socket in the abstract namespace.
        match self.address.strip_prefix('@') {
            Some(name) => {
                let address = abstract_address(name)?;
                socket.send_to_addr(state.as_bytes(), &address)?;
            }
            None => {
                socket.send_to(state.as_bytes(), &self.address)?;
            }
        }
        Ok(())
    }
}

/// Sends one notification to the service manager, if there is one listening.
pub fn notify(state: &str) {
    if let Some(notifier) = Notifier::from_environment() {
        send_logged(&notifier, state);
    }
}

/// A notification that cannot be sent is worth one warning, not one every half second.
fn send_logged(notifier: &Notifier, state: &str) {
    static WARNED: AtomicBool = AtomicBool::new(false);
    if let Err(error) = notifier.send(state) {
        if WARNED.swap(true, Ordering::Relaxed) {
            tracing::debug!(%error, state, "sd_notify");
        } else {
            tracing::warn!(%error, state, "the service manager cannot be notified");
        }
    }
}

/// The `STATUS=` line of `state`.
pub fn status_line(state: ServiceState) -> String {
    format!("STATUS={state}")
}

/// From now on `notifier` hears `STATUS=` with the kiosk's state, now and at each change of
/// `status` (by the worker, the app or the heartbeat, from whichever thread changed it).
pub fn report_status(status: &Status, notifier: Notifier) {
    status.watch(move |state| {
        tracing::info!(state = %state, "service state");
        send_logged(&notifier, &status_line(state));
    });
}

/// [`report_status`] to the service manager, if there is one; without one the changes are
/// only logged.
pub fn report_status_to_service_manager(status: &Status) {
    match Notifier::from_environment() {
        Some(notifier) => report_status(status, notifier),
        None => status.watch(|state| tracing::info!(state = %state, "service state")),
    }
}

fn abstract_address(name: &str) -> std::io::Result<std::os::unix::net::SocketAddr> {
    use std::os::linux::net::SocketAddrExt;
    std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())
}

/// How often to ping the watchdog: half the interval systemd set (`WATCHDOG_USEC`), if it set
/// one for this process or for its parent.
pub fn interval() -> Option<Duration> {
    watchdog_interval(
        std::env::var("WATCHDOG_USEC").ok().as_deref(),
        std::env::var("WATCHDOG_PID").ok().as_deref(),
        std::process::id(),
        std::os::unix::process::parent_id(),
    )
}

/// systemd names the process whose pings count (`WATCHDOG_PID`): the service's main process.
/// In the kiosk session that is cage, and the kiosk is cage's child (cage passes its
/// environment on): the unit lets any of its processes notify (`NotifyAccess=all`), so the
/// kiosk pings for its parent. A watchdog meant for any other process is not this one's.
fn watchdog_interval(
    usec: Option<&str>,
    watchdog_pid: Option<&str>,
    own: u32,
    parent: u32,
) -> Option<Duration> {
    let usec: u64 = usec?.parse().ok()?;
    if let Some(pid) = watchdog_pid
        && !matches!(pid.parse::<u32>(), Ok(pid) if pid == own || pid == parent)
    {
        return None;
    }
    (usec > 0).then(|| Duration::from_micros(usec / 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watchdog_is_kept_for_this_process_or_cage_its_parent() {
        let half = Some(Duration::from_secs(15));
        assert_eq!(watchdog_interval(Some("30000000"), None, 10, 1), half);
        assert_eq!(watchdog_interval(Some("30000000"), Some("10"), 10, 1), half);
        // Under cage: systemd's main process is cage, the kiosk's parent.
        assert_eq!(watchdog_interval(Some("30000000"), Some("7"), 10, 7), half);
        // Meant for another process, unset, disabled or garbled: no pings.
        assert_eq!(watchdog_interval(Some("30000000"), Some("8"), 10, 7), None);
        assert_eq!(watchdog_interval(None, Some("10"), 10, 7), None);
        assert_eq!(watchdog_interval(Some("0"), None, 10, 7), None);
        assert_eq!(watchdog_interval(Some("30000000"), Some("x"), 10, 7), None);
    }
    use kiosk_core::status::{CentreProblem, Status};
    use reset_protocol::ReaderState;

    /// Everything the "service manager" received within `within`.
    fn received(socket: &UnixDatagram, within: Duration) -> Vec<String> {
        socket
            .set_read_timeout(Some(Duration::from_millis(50)))
            .expect("timeout");
        let deadline = std::time::Instant::now() + within;
        let mut seen = Vec::new();
        let mut buffer = [0u8; 512];
        while std::time::Instant::now() < deadline {
            if let Ok(n) = socket.recv(&mut buffer) {
                seen.push(String::from_utf8_lossy(&buffer[..n]).into_owned());
            }
        }
        seen
    }

    /// The kiosk's state changes as the worker, the app and the heartbeat change it.
    fn live_through(status: &Status) {
        let now = chrono::Utc::now();
        status.update(|s| s.reader = ReaderState::Ready);
        status.update(|s| s.card_present = true);
        status.update(|s| s.staff_out_of_service = true);
        status.update(|s| s.staff_out_of_service = false);
        status.heartbeat_result(Ok(true), now);
        status.heartbeat_result(Err(CentreProblem::Timeout), now);
        status.heartbeat_result(Ok(false), now);
        status.update(|s| s.reader = ReaderState::Lost);
        status.update(|s| s.records_broken = true);
    }

    const EXPECTED: [&str; 8] = [
        "STATUS=starting",
        "STATUS=serving",
        "STATUS=out of service: set by staff in maintenance mode",
        "STATUS=serving",
        "STATUS=out of service: the centre is in maintenance",
        "STATUS=serving",
        "STATUS=reader lost",
        "STATUS=out of service: the audit log cannot be written",
    ];

    #[test]
    fn the_service_manager_hears_each_change_of_state() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("notify.sock");
        let socket = UnixDatagram::bind(&path).expect("socket");
        let status = Status::new();
        report_status(&status, Notifier::at(&path.to_string_lossy()));
        live_through(&status);
        assert_eq!(received(&socket, Duration::from_millis(300)), EXPECTED);
    }

    #[test]
    fn an_abstract_socket_is_reached_too() {
        let name = format!("kiosk-app-test-{}", std::process::id());
        let socket = UnixDatagram::bind_addr(&abstract_address(&name).expect("name"))
            .expect("abstract socket");
        Notifier::at(&format!("@{name}"))
            .send("READY=1")
            .expect("sent");
        assert_eq!(received(&socket, Duration::from_millis(200)), ["READY=1"]);
    }

    #[test]
    fn a_service_manager_that_does_not_read_does_not_block_the_kiosk() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("notify.sock");
        let _socket = UnixDatagram::bind(&path).expect("socket");
        let notifier = Notifier::at(&path.to_string_lossy());
        let started = std::time::Instant::now();
        // Far more than a socket's queue holds: the sends that do not fit fail at once.
        let failed = (0..2000)
            .filter(|_| notifier.send("WATCHDOG=1").is_err())
            .count();
        assert!(failed > 0, "the queue filled");
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    /// `NOTIFY_SOCKET` as systemd sets it: this test runs the child below in a process of its
    /// own with the variable set, and receives its STATUS lines.
    #[test]
    fn under_systemd_the_status_goes_to_notify_socket() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("notify.sock");
        let socket = UnixDatagram::bind(&path).expect("socket");
        let output = std::process::Command::new(std::env::current_exe().expect("this test"))
            .args([
                "--exact",
                "watchdog::tests::child_reports_its_status_to_notify_socket",
                "--ignored",
                "--test-threads=1",
            ])
            .env("NOTIFY_SOCKET", &path)
            .output()
            .expect("the child test");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
        assert_eq!(received(&socket, Duration::from_millis(300)), EXPECTED);
    }

    #[test]
    #[ignore = "the child of under_systemd_the_status_goes_to_notify_socket"]
    fn child_reports_its_status_to_notify_socket() {
        assert!(std::env::var_os("NOTIFY_SOCKET").is_some());
        let status = Status::new();
        report_status_to_service_manager(&status);
        live_through(&status);
    }
}
