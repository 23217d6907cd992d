//! The real PC/SC stack for tests: a private pcscd with the vpcd reader driver, and virtual card
//! processes plugged into it, started and stopped cleanly (also when a test fails: everything is
//! stopped in `Drop`).
//!
//! pcscd's socket path is compiled in (`/run/pcscd/pcscd.comm`), so only one pcscd can run on a
//! machine: every stack holds a machine-wide lock for its lifetime, which serialises the PC/SC
//! tests across threads and processes (cargo test and nextest alike).
//!
//! Logs (pcscd with `--apdu`, each card) are copied to `target/test-artifacts/<test>/` when the
//! stack stops.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fs2::FileExt;

pub mod compositor;
pub mod driver;
pub mod faults;
pub mod proxy;
pub mod soak;
pub mod walks;
pub mod window;

/// Where the vpcd driver lives on Debian.
const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
/// The first vpcd port; the one config entry gives two readers (this port and the next).
pub const VPCD_PORT: u16 = 35963;
/// The machine-wide lock that serialises PC/SC tests.
const LOCK_PATH: &str = "/tmp/mynumber-kiosk-pcsc-tests.lock";
const PCSCD_SOCKET: &str = "/run/pcscd/pcscd.comm";

/// The two readers one vpcd entry gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    First,
    Second,
}

impl Slot {
    pub fn reader(self) -> &'static str {
        match self {
            Slot::First => "Virtual PCD 00 00",
            Slot::Second => "Virtual PCD 00 01",
        }
    }

    pub fn port(self) -> u16 {
        match self {
            Slot::First => VPCD_PORT,
            Slot::Second => VPCD_PORT + 1,
        }
    }
}

/// The binaries the harness runs, built by cargo for the test crate.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub virtual_card: PathBuf,
    pub jpki: PathBuf,
    pub reset_center: PathBuf,
    pub reset_client: PathBuf,
    pub kiosk_app: PathBuf,
    /// One customer's session in a process of its own (the "kiosk killed" faults).
    pub kiosk_session: PathBuf,
}

/// Starts a stack for the calling test, with the binaries cargo built for this crate.
#[macro_export]
macro_rules! pcsc_stack {
    ($name:expr) => {
        $crate::PcscStack::start($name, $crate::binaries!())
    };
}

/// The binaries cargo built for this crate.
#[macro_export]
macro_rules! binaries {
    () => {
        $crate::Binaries {
            virtual_card: env!("CARGO_BIN_EXE_harness-virtual-card").into(),
            jpki: env!("CARGO_BIN_EXE_harness-jpki").into(),
            reset_center: env!("CARGO_BIN_EXE_harness-reset-center").into(),
            reset_client: env!("CARGO_BIN_EXE_harness-reset-client").into(),
            kiosk_app: env!("CARGO_BIN_EXE_harness-kiosk-app").into(),
            kiosk_session: env!("CARGO_BIN_EXE_harness-kiosk-session").into(),
        }
    };
}

/// A private pcscd with vpcd, owned by one test.
#[derive(Debug)]
pub struct PcscStack {
    name: String,
    binaries: Binaries,
    dir: tempfile::TempDir,
    pcscd: Option<Child>,
    pcscd_starts: u32,
    /// pcscd runs on a socket it was handed, which it leaves behind when it ends.
    socket_activated: bool,
    _lock: File,
}

impl PcscStack {
    /// Takes the machine-wide lock, then starts pcscd and waits until it is ready.
    pub fn start(name: &str, binaries: Binaries) -> PcscStack {
        let mut stack = PcscStack::prepare(name, binaries);
        stack.start_pcscd();
        stack
    }

    /// Takes the machine-wide lock and listens on pcscd's socket as systemd's `pcscd.socket`
    /// does (`systemd-socket-activate`): pcscd itself, with Debian's `--auto-exit`, starts only
    /// when the first client connects, on the socket it is handed.
    pub fn start_socket_activated(name: &str, binaries: Binaries) -> PcscStack {
        let mut stack = PcscStack::prepare(name, binaries);
        stack.pcscd_starts += 1;
        let log_path = stack.dir.path().join("pcscd-activated.log");
        let log = File::create(&log_path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", log_path.display()));
        fs::create_dir_all(Path::new(PCSCD_SOCKET).parent().unwrap_or(Path::new("/")))
            .unwrap_or_else(|e| panic!("cannot create pcscd's directory: {e}"));
        let _ = fs::remove_file(PCSCD_SOCKET);
        let child = Command::new("systemd-socket-activate")
            .args([
                "--listen",
                PCSCD_SOCKET,
                "pcscd",
                "--foreground",
                "--auto-exit",
                "--info",
            ])
            .arg("--config")
            .arg(stack.dir.path().join("reader.conf.d"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap_or_else(|e| panic!("log: {e}")))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start systemd-socket-activate (Debian's systemd package): {e}")
            });
        stack.pcscd = Some(child);
        stack.socket_activated = true;
        let listening = wait_until(Duration::from_secs(10), || {
            fs::read_to_string(&log_path).is_ok_and(|text| text.contains("Listening on"))
        });
        assert!(
            listening,
            "systemd-socket-activate did not listen: {}",
            fs::read_to_string(&log_path).unwrap_or_default()
        );
        stack
    }

    /// The name of the process holding pcscd's place: `pcscd`, or under socket activation
    /// `systemd-socket-` (the activator, before a client made it start pcscd), or `None` once
    /// it has ended.
    pub fn pcscd_process(&self) -> Option<String> {
        let pid = self.pcscd.as_ref()?.id();
        let comm = fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // A process that ended but was not reaped yet is a zombie: state `Z` after the name.
        let state = stat.rsplit(')').next()?.split_whitespace().next()?;
        (state != "Z").then(|| comm.trim().to_string())
    }

    fn prepare(name: &str, binaries: Binaries) -> PcscStack {
        assert!(
            Path::new(VPCD_DRIVER).exists(),
            "{VPCD_DRIVER} is missing: install the Debian packages pcscd and vsmartcard-vpcd (.ci/run does)"
        );
        let lock =
            File::create(LOCK_PATH).unwrap_or_else(|e| panic!("cannot create {LOCK_PATH}: {e}"));
        lock.lock_exclusive()
            .unwrap_or_else(|e| panic!("cannot lock {LOCK_PATH}: {e}"));
        assert!(
            !pcscd_answers(),
            "another pcscd is already running ({PCSCD_SOCKET} answers): stop it, these tests start their own"
        );
        let dir = tempfile::Builder::new()
            .prefix("pcsc-stack-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"));
        let config = dir.path().join("reader.conf.d");
        fs::create_dir(&config)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", config.display()));
        fs::write(
            config.join("vpcd"),
            format!(
                "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME /dev/null:{VPCD_PORT}\nLIBPATH {VPCD_DRIVER}\nCHANNELID {VPCD_PORT}\n"
            ),
        )
        .unwrap_or_else(|e| panic!("cannot write the reader config: {e}"));
        PcscStack {
            name: name.to_string(),
            binaries,
            dir,
            pcscd: None,
            pcscd_starts: 0,
            socket_activated: false,
            _lock: lock,
        }
    }

    /// Starts pcscd (again) and waits for "daemon ready" in its log.
    pub fn start_pcscd(&mut self) {
        assert!(self.pcscd.is_none(), "pcscd is already running");
        self.pcscd_starts += 1;
        let log_path = self
            .dir
            .path()
            .join(format!("pcscd-{}.log", self.pcscd_starts));
        let log = File::create(&log_path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", log_path.display()));
        let child = Command::new("pcscd")
            .args(["--foreground", "--info", "--apdu", "--config"])
            .arg(self.dir.path().join("reader.conf.d"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap_or_else(|e| panic!("log: {e}")))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start pcscd (install the Debian package pcscd): {e}")
            });
        self.pcscd = Some(child);
        let ready = wait_until(Duration::from_secs(10), || {
            fs::read_to_string(&log_path).is_ok_and(|text| text.contains("daemon ready"))
        });
        if !ready {
            let log = fs::read_to_string(&log_path).unwrap_or_default();
            panic!("pcscd did not become ready within 10 s; its log:\n{log}");
        }
    }

    /// The running pcscd's process id (to kill it from another thread).
    pub fn pcscd_pid(&self) -> Option<u32> {
        self.pcscd.as_ref().map(Child::id)
    }

    /// Kills pcscd hard (SIGKILL), as a crash would, and reaps it.
    pub fn kill_pcscd(&mut self) {
        if let Some(mut child) = self.pcscd.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops pcscd politely (SIGTERM) and waits for it.
    fn stop_pcscd(&mut self) {
        if let Some(mut child) = self.pcscd.take() {
            terminate(&mut child);
        }
        if self.socket_activated {
            let _ = fs::remove_file(PCSCD_SOCKET);
        }
    }

    pub fn binaries(&self) -> &Binaries {
        &self.binaries
    }

    /// Starts a virtual card process with the given profile (a name under `config/cards/` or a
    /// path) in `slot`, and waits until pcscd sees it. It answers at once.
    pub fn card(&self, profile: &str, slot: Slot) -> CardProcess {
        self.card_with_timing(profile, slot, "none")
    }

    /// The same, answering as late as the timing profile `timing` says a real card would
    /// (`none`, `contactless`, `contactless-424` or a JSON file: `virtual-card --timing`).
    pub fn card_with_timing(&self, profile: &str, slot: Slot, timing: &str) -> CardProcess {
        let profile = profile_path(profile);
        let control = self.dir.path().join(format!("card-{}.sock", slot.port()));
        let log_path = self.dir.path().join(format!("card-{}.log", slot.port()));
        let log = File::create(&log_path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", log_path.display()));
        let child = Command::new(&self.binaries.virtual_card)
            .arg("--profile")
            .arg(&profile)
            .args(["--port", &slot.port().to_string(), "--verbose", "--control"])
            .arg(&control)
            .args(["--timing", timing])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap_or_else(|e| panic!("log: {e}")))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {}: {e}", self.binaries.virtual_card.display())
            });
        let card = CardProcess {
            child,
            control,
            slot,
        };
        assert!(
            wait_until(Duration::from_secs(10), || card.control.exists()),
            "the virtual card's control socket did not appear; its log:\n{}",
            fs::read_to_string(&log_path).unwrap_or_default()
        );
        assert!(
            wait_for_card(slot.reader(), true, Duration::from_secs(10)),
            "pcscd did not see the card in {} within 10 s",
            slot.reader()
        );
        card
    }

    /// Runs the `jpki` diagnostics binary.
    pub fn jpki(&self, args: &[&str]) -> std::process::Output {
        Command::new(&self.binaries.jpki)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.binaries.jpki.display()))
    }

    /// Where this test keeps what it leaves for people to look at (logs, screenshots).
    pub fn artifacts(&self) -> PathBuf {
        let target = workspace_root()
            .join("target/test-artifacts")
            .join(sanitize(&self.name));
        let _ = fs::create_dir_all(&target);
        target
    }

    /// A scratch directory that lives as long as the stack.
    pub fn scratch(&self) -> &Path {
        self.dir.path()
    }

    fn keep_logs(&self) {
        let target = workspace_root()
            .join("target/test-artifacts")
            .join(sanitize(&self.name));
        if fs::create_dir_all(&target).is_err() {
            return;
        }
        if let Ok(entries) = fs::read_dir(self.dir.path()) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "log") {
                    let _ = fs::copy(&path, target.join(entry.file_name()));
                }
            }
        }
    }
}

impl Drop for PcscStack {
    fn drop(&mut self) {
        self.stop_pcscd();
        self.keep_logs();
    }
}

/// `reset-center serve` on a database in the stack's scratch directory (all day, any port,
/// HTTPS with a link PKI of its own made by `reset-center tls init`), and the centre's command
/// line on the same database. Stopped when dropped.
#[derive(Debug)]
pub struct CentreProcess {
    binary: PathBuf,
    db: PathBuf,
    config: PathBuf,
    /// The link PKI: `centre-ca.crt`, `centre.crt`, `centre.key`, the kiosk CA.
    pki: PathBuf,
    server: Child,
    pub url: String,
    /// Everything the server logged (JSON lines).
    pub log: PathBuf,
}

impl CentreProcess {
    pub fn start(stack: &PcscStack) -> CentreProcess {
        CentreProcess::start_with(stack, None)
    }

    /// The centre with a claim lease of `seconds` (the fault runs cannot wait two minutes for a
    /// crashed kiosk's claim to lapse).
    pub fn start_with_lease(stack: &PcscStack, seconds: u32) -> CentreProcess {
        CentreProcess::start_with(stack, Some(seconds))
    }

    /// The centre logging at `filter` (`RUST_LOG`), e.g. `trace`: everything, dependencies
    /// included.
    pub fn start_logging(stack: &PcscStack, filter: &str) -> CentreProcess {
        CentreProcess::spawn(stack, None, Some(filter))
    }

    fn start_with(stack: &PcscStack, lease: Option<u32>) -> CentreProcess {
        CentreProcess::spawn(stack, lease, None)
    }

    fn spawn(stack: &PcscStack, lease: Option<u32>, filter: Option<&str>) -> CentreProcess {
        let binary = stack.binaries.reset_center.clone();
        let pki = stack.scratch().join("centre-pki");
        if !pki.join("centre.crt").exists() {
            let made = Command::new(&binary)
                .arg("tls")
                .arg("init")
                .arg("--out")
                .arg(&pki)
                .args(["--host", "127.0.0.1", "--host", "localhost"])
                .output()
                .unwrap_or_else(|e| panic!("cannot run reset-center tls init: {e}"));
            assert!(made.status.success(), "{}", output_text(&made));
        }
        let config = stack.scratch().join("reset-center.json");
        fs::write(&config, centre_config_text(&pki, lease))
            .unwrap_or_else(|e| panic!("centre config: {e}"));
        let db = stack.scratch().join("centre.sqlite");
        // The log goes to a file: a pipe nobody reads would fill after a few hundred requests
        // and stop the server in the middle of a write. Each start gets its own file.
        let log = stack.scratch().join(format!(
            "centre-{}.log",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        let log_file = File::create(&log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
        let mut server = Command::new(&binary)
            .arg("--config")
            .arg(&config)
            .arg("--db")
            .arg(&db)
            .args(["serve", "--listen", "127.0.0.1:0", "--hours", "00:00-00:00"])
            .env("RUST_LOG", filter.unwrap_or("info"))
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start reset-center serve: {e}"));
        // Its address is in its "listening" event (JSON lines: docs/operations.md).
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = loop {
            let text = fs::read_to_string(&log).unwrap_or_default();
            let url = text.lines().find_map(|line| {
                let event: serde_json::Value = serde_json::from_str(line).ok()?;
                (event["message"] == "listening")
                    .then(|| event["url"].as_str().map(str::to_string))
                    .flatten()
            });
            if let Some(url) = url {
                break url;
            }
            if Instant::now() > deadline || matches!(server.try_wait(), Ok(Some(_))) {
                let _ = server.kill();
                panic!("reset-center serve did not say where it listens: {text}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        CentreProcess {
            binary,
            db,
            config,
            pki,
            server,
            url,
            log,
        }
    }

    /// The link PKI's directory (`centre-ca.crt`, `centre.crt`, `centre.key`, …).
    pub fn pki(&self) -> &Path {
        &self.pki
    }

    /// Runs the centre's command line on the same database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        Command::new(&self.binary)
            .arg("--config")
            .arg(&self.config)
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run reset-center: {e}"))
    }

    /// Registers a kiosk and writes its credential to `file`; beside it, what the kiosk's TLS
    /// needs under the names [`production_config_text`] gives them: `kiosk.crt`, `kiosk.key`
    /// (the kiosk's, from `kiosk add --out`) and `centre-ca.crt`.
    pub fn add_kiosk(&self, id: &str, file: &Path) {
        let dir = file.parent().unwrap_or(Path::new("."));
        let issued = dir.join("issued");
        let added = self.cli(&["kiosk", "add", id, "--out", &issued.display().to_string()]);
        assert!(added.status.success(), "{}", output_text(&added));
        fs::write(file, &added.stdout)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
        for (from, to) in [
            (issued.join(format!("{id}.crt")), dir.join("kiosk.crt")),
            (issued.join(format!("{id}.key")), dir.join("kiosk.key")),
            (self.pki.join("centre-ca.crt"), dir.join("centre-ca.crt")),
        ] {
            fs::copy(&from, &to).unwrap_or_else(|e| {
                panic!("cannot copy {} to {}: {e}", from.display(), to.display())
            });
        }
    }

    /// Reserves a reset of `kind` for the card whose auth certificate is in `certificate`.
    pub fn reserve(&self, certificate: &Path, kind: &str) {
        let reserved = self.cli(&[
            "reserve",
            "--auth-cert",
            &certificate.display().to_string(),
            "--kind",
            kind,
        ]);
        assert!(reserved.status.success(), "{}", output_text(&reserved));
    }

    /// The reservations as `list --json` gives them.
    pub fn reservations(&self) -> serde_json::Value {
        let list = self.cli(&["list", "--json"]);
        serde_json::from_slice(&list.stdout)
            .unwrap_or_else(|e| panic!("list --json: {e}: {}", output_text(&list)))
    }
}

impl Drop for CentreProcess {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

/// The centre's configuration for a test: the committed one, its card PKI found where it is
/// committed, its link PKI in `pki`, a claim lease of `lease` seconds if given, and room for
/// many session starts a minute.
fn centre_config_text(pki: &Path, lease: Option<u32>) -> String {
    let committed = workspace_root().join("config/reset-center.json");
    let text =
        fs::read_to_string(&committed).unwrap_or_else(|e| panic!("{}: {e}", committed.display()));
    let mut config: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("centre config: {e}"));
    let test_pki = workspace_root().join("config/test-pki");
    for field in reset_center::config::CARD_PKI_FIELDS {
        let name = config[field]
            .as_str()
            .and_then(|path| path.strip_prefix("test-pki/"))
            .unwrap_or_else(|| panic!("centre config: {field} is not in test-pki/"))
            .to_string();
        config[field] = test_pki.join(name).display().to_string().into();
    }
    let file = |name: &str| serde_json::Value::from(pki.join(name).display().to_string());
    config["tls"]["certificate"] = file("centre.crt");
    config["tls"]["key"] = file("centre.key");
    config["tls"]["kiosk_ca_certificate"] = file("kiosk-ca.crt");
    config["tls"]["kiosk_ca_key"] = file("kiosk-ca.key");
    config["tls"]["kiosk_crl"] = file("kiosk-ca.crl");
    if let Some(seconds) = lease {
        config["claim_lease_seconds"] = seconds.into();
    }
    // The soak and the fault matrix start sessions far faster than a customer can (60 in a
    // minute); the per-kiosk limit has its own test (reset-center/tests/tls.rs).
    config["limits"]["session_starts_per_minute"] = 6000.into();
    serde_json::to_string_pretty(&config).unwrap_or_else(|e| panic!("centre config: {e}"))
}

/// The production configuration example as a test kiosk uses it: this stack's first reader, the
/// centre at `centre_url` as kiosk `kiosk_id` with its credential in `kiosk-credential` and its
/// TLS files in `kiosk.crt`, `kiosk.key` and `centre-ca.crt` beside the file (as
/// [`CentreProcess::add_kiosk`] leaves them), open all day, silent, its state in `state/`
/// beside the file.
pub fn production_config_text(centre_url: &str, kiosk_id: &str) -> String {
    fs::read_to_string(workspace_root().join("config/kiosk.production.json"))
        .unwrap_or_else(|e| panic!("config/kiosk.production.json: {e}"))
        .replace(
            "\"store_id\": \"STORE-0001\"",
            &format!("\"store_id\": \"{kiosk_id}\""),
        )
        .replace(
            "\"kiosk_id\": \"STORE-0001\"",
            &format!("\"kiosk_id\": \"{kiosk_id}\""),
        )
        .replace(
            "\"url\": \"https://127.0.0.1:8700\"",
            &format!("\"url\": \"{centre_url}\""),
        )
        .replace(
            "\"ca_certificate\": \"test-pki/centre-ca.crt\"",
            "\"ca_certificate\": \"centre-ca.crt\"",
        )
        .replace(
            "\"certificate\": \"../var/STORE-0001.crt\"",
            "\"certificate\": \"kiosk.crt\"",
        )
        .replace(
            "\"key\": \"../var/STORE-0001.key\"",
            "\"key\": \"kiosk.key\"",
        )
        .replace(
            "\"credential_file\": \"../var/kiosk-credential\"",
            "\"credential_file\": \"kiosk-credential\"",
        )
        .replace(
            "\"reader\": null",
            &format!("\"reader\": \"{}\"", Slot::First.reader()),
        )
        .replace(
            "\"start\": \"06:30\", \"end\": \"23:00\"",
            "\"start\": \"00:00\", \"end\": \"00:00\"",
        )
        .replace("\"sound\": true", "\"sound\": false")
        .replace(
            "\"state_dir\": \"/var/lib/mynumber-kiosk\"",
            "\"state_dir\": \"state\"",
        )
}

/// What a command printed, both streams, for assertion messages.
pub fn output_text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A running virtual card process, controlled through its socket.
#[derive(Debug)]
pub struct CardProcess {
    child: Child,
    control: PathBuf,
    slot: Slot,
}

impl CardProcess {
    pub fn slot(&self) -> Slot {
        self.slot
    }

    pub fn reader(&self) -> &'static str {
        self.slot.reader()
    }

    /// Sends one control command; returns its result or the card's error text.
    pub fn control(&self, line: &str) -> Result<serde_json::Value, String> {
        let mut stream =
            UnixStream::connect(&self.control).map_err(|e| format!("control socket: {e}"))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        writeln!(stream, "{line}").map_err(|e| e.to_string())?;
        let mut reply = String::new();
        BufReader::new(stream)
            .read_line(&mut reply)
            .map_err(|e| e.to_string())?;
        let reply: serde_json::Value =
            serde_json::from_str(&reply).map_err(|e| format!("{e}: {reply:?}"))?;
        if reply["ok"] == serde_json::Value::Bool(true) {
            Ok(reply["result"].clone())
        } else {
            Err(reply["error"]
                .as_str()
                .unwrap_or("unknown error")
                .to_string())
        }
    }

    fn must(&self, line: &str) -> serde_json::Value {
        self.control(line)
            .unwrap_or_else(|e| panic!("control {line:?}: {e}"))
    }

    /// Pulls the card and waits until pcscd reports the reader empty.
    pub fn pull(&self) {
        self.must("pull");
        assert!(
            wait_for_card(self.reader(), false, Duration::from_secs(10)),
            "pcscd still sees a card in {} 10 s after the pull",
            self.reader()
        );
    }

    /// Puts the card back (optionally as another profile) and waits until pcscd sees it.
    pub fn insert(&self, profile: Option<&str>) {
        match profile {
            Some(profile) => self.must(&format!("insert {}", profile_path(profile).display())),
            None => self.must("insert"),
        };
        assert!(
            wait_for_card(self.reader(), true, Duration::from_secs(10)),
            "pcscd did not see the card back in {} within 10 s",
            self.reader()
        );
    }

    /// Arms a fault: `drop`, `stall MS`, `garbage`, `short`, `sw XXXX`, optionally `after N`.
    pub fn fault(&self, spec: &str) {
        self.must(&format!("fault {spec}"));
    }

    pub fn status(&self) -> serde_json::Value {
        self.must("status")
    }

    /// The headers of the commands the card received.
    pub fn history(&self) -> Vec<serde_json::Value> {
        match self.must("history") {
            serde_json::Value::Array(items) => items,
            other => panic!("history is not a list: {other}"),
        }
    }

    pub fn clear_history(&self) {
        self.must("clear-history");
    }

    /// What the card process held each kind of exchange for so far (with the latest exchanges):
    /// the card's own share of a wait, with a timing profile.
    pub fn timing(&self) -> virtual_card::timing::Ledger {
        let reply = self.must("timing");
        serde_json::from_value(reply["ledger"].clone())
            .unwrap_or_else(|e| panic!("the card's ledger: {e}: {reply}"))
    }

    /// The card process's timing profile (`None`: it answers at once).
    pub fn timing_profile(&self) -> Option<virtual_card::timing::TimingProfile> {
        let reply = self.must("timing");
        serde_json::from_value(reply["profile"].clone())
            .unwrap_or_else(|e| panic!("the card's timing profile: {e}: {reply}"))
    }

    /// Tries left as the card's own counter holds them (auth, signing).
    pub fn counters(&self) -> (Option<u64>, Option<u64>) {
        let status = self.status();
        (
            status["auth_tries_left"].as_u64(),
            status["signing_tries_left"].as_u64(),
        )
    }
}

impl Drop for CardProcess {
    /// Stops the card and waits until pcscd has seen it leave: a card started on the same port
    /// before that would look to pcscd like the old one, never powered up.
    fn drop(&mut self) {
        terminate(&mut self.child);
        if pcscd_answers() {
            wait_for_card(self.reader(), false, Duration::from_secs(5));
        }
    }
}

/// `config/cards/<name>.json` for a bare name; a path is taken as it is.
pub fn profile_path(profile: &str) -> PathBuf {
    if profile.contains('/') {
        PathBuf::from(profile)
    } else {
        workspace_root()
            .join("config/cards")
            .join(format!("{profile}.json"))
    }
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Reads a file under `config/`.
pub fn config_file(relative: &str) -> Vec<u8> {
    let path = workspace_root().join("config").join(relative);
    fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Waits (through PC/SC status changes, never blind sleeps) until `reader` has a card or is
/// empty. False on timeout.
pub fn wait_for_card(reader: &str, present: bool, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    let Ok(name) = std::ffi::CString::new(reader) else {
        return false;
    };
    while Instant::now() < deadline {
        let Ok(context) = pcsc::Context::establish(pcsc::Scope::User) else {
            std::thread::sleep(Duration::from_millis(20));
            continue;
        };
        let mut states = [pcsc::ReaderState::new(name.clone(), pcsc::State::UNAWARE)];
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return false;
            }
            match context.get_status_change(remaining, &mut states) {
                Ok(()) => {
                    let state = states[0].event_state();
                    let has_card =
                        state.contains(pcsc::State::PRESENT) && !state.contains(pcsc::State::MUTE);
                    if has_card == present {
                        return true;
                    }
                    states[0].sync_current_state();
                }
                Err(pcsc::Error::Timeout) => return false,
                // The reader is not there yet, or pcscd went away: look again shortly.
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(20));
                    break;
                }
            }
        }
    }
    false
}

/// Polls `condition` every 5 ms until it holds or `timeout` passes.
pub fn wait_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn pcscd_answers() -> bool {
    UnixStream::connect(PCSCD_SOCKET).is_ok()
}

/// SIGTERM, then SIGKILL if the process is still there after 5 s; always reaped.
fn terminate(child: &mut Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // std can only SIGKILL; pcscd deserves the chance to remove its socket.
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
    }
    let stopped = wait_until(Duration::from_secs(5), || {
        matches!(child.try_wait(), Ok(Some(_)))
    });
    if !stopped {
        let _ = child.kill();
    }
    let _ = child.wait();
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
