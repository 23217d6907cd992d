//! A fault-injecting HTTPS proxy between the kiosk and the centre: it forwards each request as
//! it is and can, at the k-th request, play a centre that is down (the connection closes with no
//! answer, and stays so until restored), slow (the answer comes after a delay longer than the
//! kiosk waits; the centre still acts), or broken (500, the centre never hears of it).
//!
//! The link is mutual TLS, so the proxy stands where a fault on that link would: to the kiosk
//! it is the centre (the centre's certificate and key), to the centre it is the kiosk (the
//! kiosk's certificate and key). It is the test's own instrument, holding both identities; an
//! attacker in the same place has neither (reset-center/tests/tls.rs shows the kiosk refusing
//! one).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

/// The proxy's two TLS ends.
#[derive(Debug, Clone)]
pub struct ProxyTls {
    /// To the kiosk: as the centre.
    server: Arc<rustls::ServerConfig>,
    /// To the centre: as the kiosk.
    client: Arc<rustls::ClientConfig>,
}

impl ProxyTls {
    /// From the centre's link PKI directory (`centre.crt`, `centre.key`, `centre-ca.crt`) and
    /// the kiosk's files in `kiosk_dir` (`kiosk.crt`, `kiosk.key`), as
    /// `CentreProcess::add_kiosk` leaves them.
    pub fn new(pki: &Path, kiosk_dir: &Path) -> ProxyTls {
        let certificates = |path: &Path| -> Vec<CertificateDer<'static>> {
            CertificateDer::pem_file_iter(path)
                .and_then(|items| items.collect::<Result<Vec<_>, _>>())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        };
        let key = |path: &Path| {
            PrivateKeyDer::from_pem_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        };
        let provider = reset_protocol::client::crypto_provider();
        let server = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(
                certificates(&pki.join("centre.crt")),
                key(&pki.join("centre.key")),
            )
            .expect("the centre's certificate");
        let mut roots = rustls::RootCertStore::empty();
        for ca in certificates(&pki.join("centre-ca.crt")) {
            roots.add(ca).expect("the centre CA");
        }
        let client = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_root_certificates(roots)
            .with_client_auth_cert(
                certificates(&kiosk_dir.join("kiosk.crt")),
                key(&kiosk_dir.join("kiosk.key")),
            )
            .expect("the kiosk's certificate");
        ProxyTls {
            server: Arc::new(server),
            client: Arc::new(client),
        }
    }
}

type ToKiosk = rustls::StreamOwned<rustls::ServerConnection, TcpStream>;

/// What the centre does at the chosen request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CentreFault {
    /// No answer; every later request too, until [`FaultProxy::restore`].
    Down,
    /// The answer after this long (the request reached the centre).
    Slow(Duration),
    /// `500 Internal Server Error`, without asking the centre.
    Error500,
}

#[derive(Debug, Default)]
struct State {
    requests: usize,
    /// The fault and the request (1-based) it hits.
    armed: Option<(usize, CentreFault)>,
    down: bool,
    /// The paths of the requests seen, in order.
    paths: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct FaultProxy {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl FaultProxy {
    /// Listens on a free local port and forwards to `upstream` (`https://host:port`).
    pub fn start(upstream: &str, tls: ProxyTls) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy listens");
        let url = format!("https://{}", listener.local_addr().expect("address"));
        let upstream = upstream
            .trim_start_matches("https://")
            .trim_end_matches('/')
            .to_string();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let state = shared.clone();
                let upstream = upstream.clone();
                let tls = tls.clone();
                std::thread::spawn(move || {
                    let Ok(connection) = rustls::ServerConnection::new(tls.server.clone()) else {
                        return;
                    };
                    let client = rustls::StreamOwned::new(connection, client);
                    serve(client, &upstream, &tls, &state);
                });
            }
        });
        FaultProxy { url, state }
    }

    /// Arms `fault` for the `k`-th request from now (1-based).
    pub fn arm(&self, k: usize, fault: CentreFault) {
        let mut state = self.lock();
        state.requests = 0;
        state.paths.clear();
        state.armed = Some((k, fault));
    }

    /// Counts from zero again, with no fault armed and the centre up.
    pub fn restore(&self) {
        let mut state = self.lock();
        state.requests = 0;
        state.paths.clear();
        state.armed = None;
        state.down = false;
    }

    /// The paths of the requests since the last `arm`/`restore`.
    pub fn paths(&self) -> Vec<String> {
        self.lock().paths.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One client connection: request after request (keep-alive) until it closes.
fn serve(client: ToKiosk, upstream: &str, tls: &ProxyTls, state: &Mutex<State>) {
    let mut reader = BufReader::new(client);
    while let Some((head, body)) = read_message(&mut reader) {
        let fault = {
            let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
            state.requests += 1;
            let path = head
                .lines()
                .next()
                .and_then(|line| line.split(' ').nth(1))
                .unwrap_or("")
                .to_string();
            state.paths.push(path);
            let due = match state.armed {
                Some((k, fault)) if k == state.requests => Some(fault),
                _ => None,
            };
            if due == Some(CentreFault::Down) {
                state.down = true;
            }
            if state.down {
                Some(CentreFault::Down)
            } else {
                due
            }
        };
        let writer = reader.get_mut();
        match fault {
            Some(CentreFault::Down) => return,
            Some(CentreFault::Error500) => {
                let answer = "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n";
                if writer
                    .write_all(answer.as_bytes())
                    .and_then(|()| writer.flush())
                    .is_err()
                {
                    return;
                }
            }
            Some(CentreFault::Slow(delay)) => {
                let answer = forward(upstream, tls, &head, &body);
                std::thread::sleep(delay);
                match answer {
                    Some(answer)
                        if writer
                            .write_all(&answer)
                            .and_then(|()| writer.flush())
                            .is_ok() => {}
                    _ => return,
                }
            }
            None => match forward(upstream, tls, &head, &body) {
                Some(answer)
                    if writer
                        .write_all(&answer)
                        .and_then(|()| writer.flush())
                        .is_ok() => {}
                _ => return,
            },
        }
    }
}

/// Sends one request to the centre on a TLS connection of its own and returns its whole answer.
fn forward(upstream: &str, tls: &ProxyTls, head: &str, body: &[u8]) -> Option<Vec<u8>> {
    let stream = TcpStream::connect(upstream).ok()?;
    let host = upstream.rsplit_once(':').map_or(upstream, |(host, _)| host);
    let name = ServerName::try_from(host.to_string()).ok()?;
    let connection = rustls::ClientConnection::new(tls.client.clone(), name).ok()?;
    let mut stream = rustls::StreamOwned::new(connection, stream);
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    stream.flush().ok()?;
    let mut reader = BufReader::new(stream);
    let (head, body) = read_message(&mut reader)?;
    let mut answer = head.into_bytes();
    answer.extend_from_slice(&body);
    Some(answer)
}

/// Reads one HTTP message (head with its blank line, and a body of content-length bytes).
fn read_message(reader: &mut BufReader<impl Read>) -> Option<(String, Vec<u8>)> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        head.push_str(&line);
        if line == "\r\n" || line == "\n" {
            break;
        }
    }
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    Some((head, body))
}
