//! The systemd service protocol (sd_notify), spoken without libsystemd: `READY=1` once the first
//! frame is on screen, `WATCHDOG=1` from the UI's event loop at half the watchdog interval, so a
//! frozen kiosk is restarted (`deploy/kiosk-app.service`). Outside systemd (no `NOTIFY_SOCKET`)
//! nothing is sent.

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

/// Sends one notification to the service manager, if there is one listening.
pub fn notify(state: &str) {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return;
    };
    let Ok(socket) = UnixDatagram::unbound() else {
        return;
    };
    let path = path.to_string_lossy().into_owned();
    // A leading '@' names a socket in the abstract namespace.
    let sent = match path.strip_prefix('@') {
        Some(name) => abstract_address(name)
            .and_then(|address| socket.send_to_addr(state.as_bytes(), &address)),
        None => socket.send_to(state.as_bytes(), &path),
    };
    if let Err(error) = sent {
        eprintln!("kiosk: sd_notify {state}: {error}");
    }
}

fn abstract_address(name: &str) -> std::io::Result<std::os::unix::net::SocketAddr> {
    use std::os::linux::net::SocketAddrExt;
    std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())
}

/// How often to ping the watchdog: half the interval systemd set (`WATCHDOG_USEC`), if it set
/// one for this process.
pub fn interval() -> Option<Duration> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    if let Ok(pid) = std::env::var("WATCHDOG_PID")
        && pid.parse::<u32>().ok() != Some(std::process::id())
    {
        return None;
    }
    (usec > 0).then(|| Duration::from_micros(usec / 2))
}
