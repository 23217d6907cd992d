//! A private PostgreSQL server per test: Debian's `postgresql` binaries, a data directory made
//! by `initdb` once (kept under the target directory as a template) and copied for each server,
//! listening on a free loopback port. PostgreSQL refuses to run as root, so as root (CI) it
//! runs as the `postgres` user the package creates. Stopped (fast shutdown) when dropped, passed
//! or failed; its log is kept in the test's directory and printed if it does not start.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Where Debian puts the server's binaries: the newest major version installed.
fn binaries() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL installed (Debian's postgresql package; scripts/install-deps --test)")
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("postgres").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .expect("a PostgreSQL server under /usr/lib/postgresql/*/bin")
}

/// The user the server runs as: ourselves, or `postgres` if we are root.
fn server_user() -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    let me = std::fs::metadata("/proc/self").expect("/proc/self").uid();
    if me != 0 {
        return None;
    }
    let id = |flag: &str| -> u32 {
        let out = Command::new("id")
            .args([flag, "postgres"])
            .output()
            .expect("id runs");
        assert!(
            out.status.success(),
            "no postgres user (Debian's postgresql package creates it)"
        );
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("a number")
    };
    Some((id("-u"), id("-g")))
}

fn as_server_user(command: &mut Command) -> &mut Command {
    if let Some((uid, gid)) = server_user() {
        command.uid(uid).gid(gid);
    }
    command
}

fn give_to_server_user(path: &Path) {
    if let Some((uid, gid)) = server_user() {
        let status = Command::new("chown")
            .arg("-R")
            .arg(format!("{uid}:{gid}"))
            .arg(path)
            .status()
            .expect("chown runs");
        assert!(status.success(), "chown {}", path.display());
    }
}

/// The initdb'd data directory every server starts from (made once per PostgreSQL version).
fn template() -> PathBuf {
    let bin = binaries();
    let version = bin
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .unwrap_or("x")
        .to_string();
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let template = root.join(format!("postgres-{version}-template"));
    if template.join("PG_VERSION").exists() {
        return template;
    }
    // Made beside it and renamed: tests in parallel never see half a template.
    let staging = root.join(format!(
        "postgres-{version}-template.{}.{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&staging).expect("staging directory");
    give_to_server_user(&staging);
    let data = staging.join("data");
    let out = as_server_user(Command::new(bin.join("initdb")).arg("-D").arg(&data).args([
        "--username=postgres",
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",
    ]))
    .current_dir(&staging)
    .output()
    .expect("initdb runs");
    assert!(
        out.status.success(),
        "initdb: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if std::fs::rename(&data, &template).is_err() {
        // Another test made it first.
        assert!(template.join("PG_VERSION").exists(), "template");
    }
    let _ = std::fs::remove_dir_all(&staging);
    template
}

static NEXT: AtomicU32 = AtomicU32::new(0);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// A running PostgreSQL server, stopped when dropped.
pub struct PostgresServer {
    dir: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
    /// Settings beyond the defaults (`-c name=value`).
    settings: Vec<String>,
}

impl std::fmt::Debug for PostgresServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresServer")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl PostgresServer {
    pub fn start() -> PostgresServer {
        PostgresServer::start_with(|_| Vec::new())
    }

    /// A server that speaks TLS with `certificate` and `key` (PEM) and, over TCP, accepts only
    /// TLS connections (the tests' own connections use its Unix socket).
    pub fn start_tls(certificate: &Path, key: &Path) -> PostgresServer {
        PostgresServer::start_with(|dir| {
            for (from, to) in [(certificate, "server.crt"), (key, "server.key")] {
                std::fs::copy(from, dir.join("data").join(to)).expect("TLS file copied");
            }
            std::fs::write(
                dir.join("data/pg_hba.conf"),
                "local all all trust\n\
                 hostssl all all 127.0.0.1/32 trust\n\
                 hostnossl all all 0.0.0.0/0 reject\n",
            )
            .expect("pg_hba.conf");
            [
                "ssl=on",
                "ssl_cert_file=server.crt",
                "ssl_key_file=server.key",
            ]
            .map(String::from)
            .to_vec()
        })
    }

    /// `prepare` edits the copied data directory before the server starts and returns
    /// settings for it.
    fn start_with(prepare: impl FnOnce(&Path) -> Vec<String>) -> PostgresServer {
        let template = template();
        let dir = tempfile::tempdir().expect("temporary directory");
        let status = Command::new("cp")
            .arg("-a")
            .arg(&template)
            .arg(dir.path().join("data"))
            .status()
            .expect("cp runs");
        assert!(status.success(), "copy of the template");
        let settings = prepare(dir.path());
        give_to_server_user(dir.path());
        let key = dir.path().join("data/server.key");
        if key.exists() {
            // PostgreSQL refuses a key others may read.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("0600");
        }
        let mut server = PostgresServer {
            dir,
            port: free_port(),
            child: None,
            settings,
        };
        server.run();
        server
    }

    fn run(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("log file");
        let child = as_server_user(
            Command::new(binaries().join("postgres"))
                .arg("-D")
                .arg(self.dir.path().join("data"))
                .arg("-k")
                .arg(self.dir.path())
                .args(["-p", &self.port.to_string()])
                .args(["-c", "listen_addresses=127.0.0.1"])
                .args(["-c", "max_connections=200"])
                .args(
                    self.settings
                        .iter()
                        .flat_map(|setting| ["-c", setting.as_str()]),
                ),
        )
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .expect("postgres starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if postgres::Client::connect(&self.socket_url("postgres"), postgres::NoTls).is_ok() {
                return;
            }
            if let Some(child) = &mut self.child
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("postgres exited ({status}): {}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "postgres did not accept connections in 30 s: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("postgres.log")
    }

    /// What the server logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// The URL of database `name` on this server (no password: trust on loopback).
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// The URL of database `name` through the server's Unix socket (in its directory).
    pub fn socket_url(&self, name: &str) -> String {
        let directory = self
            .dir
            .path()
            .to_str()
            .expect("utf-8 path")
            .replace('/', "%2F");
        format!("postgres://postgres@{directory}:{}/{name}", self.port)
    }

    /// A new, empty database; its URL.
    pub fn create_database(&self) -> String {
        let name = format!("centre_{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let mut client = postgres::Client::connect(&self.socket_url("postgres"), postgres::NoTls)
            .expect("connects");
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("CREATE DATABASE");
        self.url(&name)
    }

    /// A client on database `url` (for the tests' own look into it).
    pub fn client(&self, url: &str) -> postgres::Client {
        postgres::Client::connect(url, postgres::NoTls).expect("connects")
    }

    /// Fast shutdown (SIGINT: connections cut, a clean checkpoint), then waits.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stopped and started again on the same port and data.
    pub fn restart(&mut self) {
        self.stop();
        self.run();
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        self.stop();
    }
}
