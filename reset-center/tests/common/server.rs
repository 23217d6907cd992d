//! `reset-center` as its binary runs: a site (a scratch directory with its own link PKI from
//! `tls init`, a copy of the committed configuration pointing at it, and a database), the
//! `serve` process on it (killed when dropped, also when a test fails), kiosks added with
//! `kiosk add`, and a bare TLS client to speak HTTP/1.1 to the centre by hand.
//!
//! Nothing here writes into the committed `config/test-pki/`: the card PKI's files (master key,
//! card CAs, their lists, the registry) are read from there by absolute path; everything the
//! link needs is the site's own.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use reset_protocol::HttpCentre;
use reset_protocol::client::ClientTls;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

use super::workspace;

pub const BINARY: &str = env!("CARGO_BIN_EXE_reset-center");

use reset_center::config::CARD_PKI_FIELDS;

/// A scratch centre: its directory, link PKI, configuration and database; no process yet.
/// Clones share the directory (several instances of one site), removed with the last.
#[derive(Clone)]
pub struct Site {
    dir: Arc<tempfile::TempDir>,
}

impl std::fmt::Debug for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Site")
            .field("dir", &self.dir.path())
            .finish()
    }
}

impl Default for Site {
    fn default() -> Site {
        Site::new(|_| {})
    }
}

impl Site {
    /// A site whose configuration is the committed one with its own link PKI, its own database,
    /// service hours all day, and whatever `edit` changes (e.g. `config["limits"][...]`).
    pub fn new(edit: impl FnOnce(&mut serde_json::Value)) -> Site {
        let dir = Arc::new(tempfile::tempdir().expect("temporary directory"));
        let site = Site { dir };
        let init = Command::new(BINARY)
            .args(["tls", "init", "--out"])
            .arg(site.pki_dir())
            .args(["--host", "127.0.0.1", "--host", "localhost"])
            .output()
            .expect("reset-center tls init runs");
        assert!(
            init.status.success(),
            "tls init: {}",
            String::from_utf8_lossy(&init.stderr)
        );
        let committed = workspace().join("config/reset-center.json");
        let mut config: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&committed).expect("the committed config"))
                .expect("the committed config is JSON");
        let committed_dir = committed.parent().expect("config/").to_path_buf();
        for field in CARD_PKI_FIELDS {
            let relative = config[field].as_str().expect("a path").to_string();
            config[field] = path_value(&committed_dir.join(relative));
        }
        config["database"] = "centre.sqlite".into();
        config["service_hours"]["start"] = "00:00".into();
        config["service_hours"]["end"] = "00:00".into();
        config["tls"] = serde_json::json!({
            "certificate": "pki/centre.crt",
            "key": "pki/centre.key",
            "kiosk_ca_certificate": "pki/kiosk-ca.crt",
            "kiosk_ca_key": "pki/kiosk-ca.key",
            "kiosk_crl": "pki/kiosk-ca.crl",
            "crl_reload_seconds": 60,
        });
        edit(&mut config);
        std::fs::write(
            site.config(),
            serde_json::to_vec_pretty(&config).expect("JSON"),
        )
        .expect("config written");
        site
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config(&self) -> PathBuf {
        self.path().join("centre.json")
    }

    pub fn pki_dir(&self) -> PathBuf {
        self.path().join("pki")
    }

    /// A file `tls init` wrote (`centre-ca.crt`, `kiosk-ca.key`, …).
    pub fn pki(&self, file: &str) -> PathBuf {
        self.pki_dir().join(file)
    }

    pub fn kiosk_dir(&self) -> PathBuf {
        self.path().join("kiosks")
    }

    /// The kiosk CA, with its key, as `kiosk add` uses it.
    pub fn kiosk_ca(&self) -> reset_center::pki::Ca {
        reset_center::pki::Ca::load(&self.pki("kiosk-ca.crt"), &self.pki("kiosk-ca.key"))
            .expect("the site's kiosk CA")
    }

    /// The configuration as the centre reads it.
    pub fn centre_config(&self) -> reset_center::CentreConfig {
        reset_center::CentreConfig::load(&self.config()).expect("the site's config loads")
    }

    /// `reset-center --config SITE ARGS…`.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(BINARY)
            .arg("--config")
            .arg(self.config())
            .args(args)
            .output()
            .expect("reset-center runs")
    }

    /// `kiosk add ID --out SITE/kiosks`: its certificate, key and credential.
    pub fn add_kiosk(&self, id: &str) -> Kiosk {
        let out = self.kiosk_dir();
        let output = self.cli(&["kiosk", "add", id, "--out", out.to_str().expect("utf-8")]);
        assert!(
            output.status.success(),
            "kiosk add {id}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let credential = String::from_utf8(output.stdout)
            .expect("text")
            .trim()
            .to_string();
        assert_eq!(credential.lines().count(), 1, "one credential line");
        Kiosk {
            id: id.to_string(),
            certificate: out.join(format!("{id}.crt")),
            key: out.join(format!("{id}.key")),
            credential,
        }
    }

    /// `kiosk remove ID`.
    pub fn remove_kiosk(&self, id: &str) {
        let output = self.cli(&["kiosk", "remove", id]);
        assert!(
            output.status.success(),
            "kiosk remove {id}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// `reserve --auth-cert config/cards/CARD/auth-cert.der --kind KIND [--at AT]`.
    pub fn reserve(&self, card: &str, kind: &str, at: Option<&str>) {
        let certificate = workspace().join(format!("config/cards/{card}/auth-cert.der"));
        let mut args = vec![
            "reserve",
            "--auth-cert",
            certificate.to_str().expect("utf-8"),
            "--kind",
            kind,
        ];
        if let Some(at) = at {
            args.extend(["--at", at]);
        }
        let output = self.cli(&args);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// `list --json`.
    pub fn reservations(&self) -> Vec<serde_json::Value> {
        let output = self.cli(&["list", "--json"]);
        assert!(output.status.success());
        serde_json::from_slice(&output.stdout).expect("list --json is JSON")
    }

    /// `serve --listen 127.0.0.1:0` on this site.
    pub fn serve(self) -> Server {
        self.serve_with(&[])
    }

    /// `serve --listen 127.0.0.1:0 EXTRA…` (e.g. `--hours`).
    pub fn serve_with(self, extra: &[&str]) -> Server {
        let mut server = Server {
            site: self,
            child: None,
            address: String::new(),
            stderr: Arc::new(Mutex::new(String::new())),
            extra: extra.iter().map(|s| s.to_string()).collect(),
        };
        server.spawn("127.0.0.1:0");
        server
    }
}

fn path_value(path: &Path) -> serde_json::Value {
    path.to_str().expect("utf-8 path").into()
}

/// A kiosk `kiosk add` made: the files it wrote and the credential it printed.
#[derive(Debug, Clone)]
pub struct Kiosk {
    pub id: String,
    pub certificate: PathBuf,
    pub key: PathBuf,
    pub credential: String,
}

/// A running `reset-center serve`, killed when dropped.
pub struct Server {
    site: Site,
    child: Option<Child>,
    /// `127.0.0.1:PORT`.
    pub address: String,
    /// Everything the process wrote on stderr so far.
    stderr: Arc<Mutex<String>>,
    extra: Vec<String>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl std::ops::Deref for Server {
    type Target = Site;
    fn deref(&self) -> &Site {
        &self.site
    }
}

impl Server {
    /// A site with the committed configuration's settings, serving.
    pub fn start() -> Server {
        Site::default().serve()
    }

    fn spawn(&mut self, listen: &str) {
        let mut child = Command::new(BINARY)
            .arg("--config")
            .arg(self.site.config())
            .args(["serve", "--listen", listen])
            .args(&self.extra)
            .stderr(Stdio::piped())
            .spawn()
            .expect("reset-center serve starts");
        let stderr = child.stderr.take().expect("stderr");
        // The child is ours from here on: dropped (killed) even if it never says where it is.
        self.child = Some(child);
        // stderr is read to its end in a thread, so that the server never blocks on a full
        // pipe; the address comes from its "listening" event (JSON lines, the service's log).
        let (found, address) = mpsc::channel();
        let log = self.stderr.clone();
        std::thread::spawn(move || {
            let mut found = Some(found);
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(address) = event_field(&line, "listening", "url")
                    .and_then(|url| url.strip_prefix("https://").map(str::to_string))
                    && let Some(found) = found.take()
                {
                    let _ = found.send(address);
                }
                let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
                log.push_str(&line);
                log.push('\n');
            }
        });
        match address.recv_timeout(Duration::from_secs(30)) {
            Ok(address) => self.address = address,
            Err(_) => panic!("reset-center serve did not start: {}", self.stderr()),
        }
    }

    /// The log events (JSON lines) the server wrote so far; a line that is not JSON fails the
    /// test (the service's log is JSON only).
    pub fn events(&self) -> Vec<serde_json::Value> {
        self.stderr()
            .lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("a log line that is not JSON ({e}): {line}"))
            })
            .collect()
    }

    /// `http://ADDR` of the metrics listener, if the server was started with one
    /// (`serve_with(&["--metrics-listen", "127.0.0.1:0"])`).
    pub fn metrics_url(&self) -> Option<String> {
        self.stderr()
            .lines()
            .find_map(|line| event_field(line, "metrics", "url"))
            .map(|url| url.trim_end_matches("/metrics").to_string())
    }

    /// What the server wrote on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.address)
    }

    /// SIGKILL, as a crash.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// A second `serve` process of the same site (configuration, link PKI and database: on
    /// PostgreSQL, another instance serving the same fleet) on its own port.
    pub fn another_instance(&self) -> Server {
        let mut server = Server {
            site: self.site.clone(),
            child: None,
            address: String::new(),
            stderr: Arc::new(Mutex::new(String::new())),
            extra: self.extra.clone(),
        };
        server.spawn("127.0.0.1:0");
        server
    }

    /// SIGTERM, as systemd stops it; how it exited and what it wrote on stderr.
    pub fn terminate(&mut self) -> (Option<std::process::ExitStatus>, String) {
        let Some(mut child) = self.child.take() else {
            return (None, self.stderr());
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let status = wait_exit(&mut child, Duration::from_secs(10));
        if status.is_none() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // The stderr reader ends with the process; let it catch the last lines.
        std::thread::sleep(Duration::from_millis(100));
        (status, self.stderr())
    }

    /// Back on the same address, configuration and database.
    pub fn restart(&mut self) {
        self.kill();
        let address = self.address.clone();
        self.spawn(&address);
    }

    /// The kiosk's TLS identity: the site's centre CA pinned, the kiosk's certificate and key.
    pub fn client_tls(&self, kiosk: &Kiosk) -> ClientTls {
        ClientTls::from_files(&self.pki("centre-ca.crt"), &kiosk.certificate, &kiosk.key)
            .expect("the kiosk's TLS files")
    }

    /// The kiosk's HTTP client to this server (5 s per request).
    pub fn http(&self, kiosk: &Kiosk) -> HttpCentre {
        self.http_at(&self.url(), kiosk)
    }

    /// The kiosk's HTTP client to `url`, with this site's centre CA pinned.
    pub fn http_at(&self, url: &str, kiosk: &Kiosk) -> HttpCentre {
        HttpCentre::new(
            url,
            &kiosk.id,
            &kiosk.credential,
            Duration::from_secs(5),
            &self.client_tls(kiosk),
        )
        .expect("an https URL")
    }

    /// A bare TLS client configuration trusting this site's centre CA, presenting `identity`
    /// (certificate chain and key, PEM files) if given.
    pub fn tls_config(&self, identity: Option<(&Path, &Path)>) -> Arc<rustls::ClientConfig> {
        client_config(&self.pki("centre-ca.crt"), identity)
    }

    /// The same for a kiosk.
    pub fn kiosk_tls(&self, kiosk: &Kiosk) -> Arc<rustls::ClientConfig> {
        self.tls_config(Some((&kiosk.certificate, &kiosk.key)))
    }

    /// A TLS connection to the server, the handshake done (as far as the client can tell: with
    /// TLS 1.3 the server judges a client certificate after the client has finished).
    pub fn connect(&self, config: &Arc<rustls::ClientConfig>) -> std::io::Result<Tls> {
        tls_connect(&self.address, config)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The certificates in a PEM file.
pub fn pem_certificates(path: &Path) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_file_iter(path)
        .expect("a PEM file")
        .collect::<Result<Vec<_>, _>>()
        .expect("PEM certificates")
}

/// A rustls client configuration (the ring provider, as the kiosk's) trusting the CA in
/// `trusted` (PEM), presenting `identity` if given.
pub fn client_config(
    trusted: &Path,
    identity: Option<(&Path, &Path)>,
) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for certificate in pem_certificates(trusted) {
        roots.add(certificate).expect("a CA certificate");
    }
    let builder =
        rustls::ClientConfig::builder_with_provider(reset_protocol::client::crypto_provider())
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_root_certificates(roots);
    let config = match identity {
        Some((certificate, key)) => builder
            .with_client_auth_cert(
                pem_certificates(certificate),
                PrivateKeyDer::from_pem_file(key).expect("a PEM key"),
            )
            .expect("a client identity"),
        None => builder.with_no_client_auth(),
    };
    Arc::new(config)
}

pub type Tls = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

/// A TLS connection to `address` (`127.0.0.1:PORT`), the handshake completed from the client's
/// side; reads time out after 5 s.
pub fn tls_connect(address: &str, config: &Arc<rustls::ClientConfig>) -> std::io::Result<Tls> {
    let mut tcp = TcpStream::connect(address)?;
    tcp.set_read_timeout(Some(Duration::from_secs(5)))?;
    tcp.set_write_timeout(Some(Duration::from_secs(5)))?;
    let host = address.rsplit_once(':').map_or(address, |(host, _)| host);
    let name = ServerName::try_from(host.to_string()).expect("a server name");
    let mut connection =
        rustls::ClientConnection::new(config.clone(), name).map_err(std::io::Error::other)?;
    while connection.is_handshaking() {
        connection.complete_io(&mut tcp)?;
    }
    Ok(rustls::StreamOwned::new(connection, tcp))
}

/// An HTTP/1.1 answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
}

/// A request by hand: `METHOD PATH`, the kiosk's credential if given, a JSON body.
pub fn request(method: &str, path: &str, bearer: Option<&str>, body: &str) -> Vec<u8> {
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    if let Some(bearer) = bearer {
        text.push_str(&format!("Authorization: Bearer {bearer}\r\n"));
    }
    if method != "GET" || !body.is_empty() {
        text.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    text.push_str("\r\n");
    text.push_str(body);
    text.into_bytes()
}

/// Sends `request` on `stream` and reads one answer (its body by `Content-Length`).
pub fn exchange(stream: &mut impl ReadWrite, request: &[u8]) -> std::io::Result<Response> {
    stream.write_all(request)?;
    stream.flush()?;
    read_response(stream)
}

/// Reads one HTTP/1.1 answer.
pub fn read_response(stream: &mut impl Read) -> std::io::Result<Response> {
    let (head, body) = read_message(stream)?;
    let status = head
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {head:?}")))?;
    Ok(Response { status, head, body })
}

/// Reads one HTTP/1.1 message, request or answer: its head, and as much body as its
/// `Content-Length` says (head and body may come in separate reads).
pub fn read_message(stream: &mut impl Read) -> std::io::Result<(String, Vec<u8>)> {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = find(&received, b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!(
                    "closed before a whole message: {:?}",
                    String::from_utf8_lossy(&received)
                ),
            ));
        }
        received.extend_from_slice(&buffer[..n]);
    };
    let head = String::from_utf8_lossy(&received[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = received[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "closed within the body",
            ));
        }
        body.extend_from_slice(&buffer[..n]);
    }
    body.truncate(length);
    Ok((head, body))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Both ways of a connection.
pub trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// One request on a new connection made with `config`: the answer, or why there was none
/// (the handshake refused, the connection closed).
pub fn one_request(
    address: &str,
    config: &Arc<rustls::ClientConfig>,
    request: &[u8],
) -> std::io::Result<Response> {
    let mut stream = tls_connect(address, config)?;
    exchange(&mut stream, request)
}

/// Waits for `child` to exit, at most `limit`.
pub fn wait_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// Field `field` of a JSON log line whose message is `message`.
fn event_field(line: &str, message: &str, field: &str) -> Option<String> {
    let event: serde_json::Value = serde_json::from_str(line).ok()?;
    (event["message"] == message)
        .then(|| event[field].as_str().map(str::to_string))
        .flatten()
}
