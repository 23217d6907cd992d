//! Benchmark (prints figures; not a test): complete reset sessions per second, and their p50 /
//! p99 latency, over loopback HTTPS (mutual TLS) against `reset-center serve`, with 1, 16 and
//! 64 kiosks at once, for each of the centre's set-ups: SQLite with one instance, PostgreSQL
//! with one instance and with two (the kiosks spread over both, as a load balancer would);
//! then where one session's time goes.
//!
//! A session is what a kiosk does: check the reservation, begin, prove (an RSA-2048 signature
//! over the centre's challenge, made here with the card's key as the card would), get the reset
//! command, complete with the receipt the card gives after taking it (made here with the card's
//! reset key, as the card would). The kiosks share 16 card identities
//! (`config/test-pki/bench/`); each session uses one reservation, made (outside the timed
//! session) just before it, so a card has one open reservation at a time, as a holder's would.
//! The centre runs on a scratch copy of the configuration with its own link PKI (`tls init`)
//! and a session-start limit out of the way (the kiosks here start sessions far faster than
//! real ones may). PostgreSQL is a private server started here (`tests/common/postgres_server.rs`),
//! with its default settings (fsync on).
//!
//! Run: `cargo bench -p reset-center --bench sessions` (or `make bench`); `SESSIONS=N` sets the
//! sessions per kiosk (20). The kiosks run on the same 2 cores as the centre and the database,
//! so the figures include their signing and both ends of TLS.

#[path = "../tests/common/postgres_server.rs"]
#[allow(dead_code)]
mod postgres_server;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use card_driver::pin::Pin;
use card_driver::reset_cryptogram::{self, CardId, CardKey};
use reset_center::pki::{Ca, write_private, write_public};
use reset_center::store::KioskCertificate;
use reset_center::{Centre, CentreConfig, SystemClock};
use reset_protocol::api::proof_digest;
use reset_protocol::client::ClientTls;
use reset_protocol::{HttpCentre, Outcome, ResetCentre, ResetKind};
use rsa::RsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use sha2::Sha256;

const BINARY: &str = env!("CARGO_BIN_EXE_reset-center");
const DEFAULT_SESSIONS_PER_KIOSK: usize = 20;
const LEVELS: [usize; 3] = [1, 16, 64];
const KIOSK: &str = "BENCH";

/// A copy of the committed configuration in `dir`: the card PKI's files where they are, the
/// link PKI `tls init` made in `dir/pki`, the database `database` (a file in `dir`, or a URL).
fn scratch_config(root: &Path, dir: &Path, database: &str) -> PathBuf {
    let committed = root.join("config/reset-center.json");
    let base = committed.parent().expect("config/");
    let mut config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&committed).expect("config")).expect("JSON");
    for field in reset_center::config::CARD_PKI_FIELDS {
        let path = base.join(config[field].as_str().expect("a path"));
        config[field] = path.to_str().expect("utf-8").into();
    }
    config["database"] = database.into();
    config["database_connections"] = 24.into();
    // All day, for the servers and for the in-process centre of the breakdown alike.
    config["service_hours"]["start"] = "00:00".into();
    config["service_hours"]["end"] = "00:00".into();
    config["tls"] = serde_json::json!({
        "certificate": "pki/centre.crt",
        "key": "pki/centre.key",
        "kiosk_ca_certificate": "pki/kiosk-ca.crt",
        "kiosk_ca_key": "pki/kiosk-ca.key",
        "kiosk_crl": "pki/kiosk-ca.crl",
    });
    config["limits"]["session_starts_per_minute"] = 1_000_000.into();
    let path = dir.join("centre.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&config).expect("JSON")).expect("config");
    path
}

/// The centre's set-ups measured.
#[derive(Debug, Clone, Copy)]
enum Setup {
    Sqlite,
    Postgres { instances: usize },
}

impl std::fmt::Display for Setup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Setup::Sqlite => write!(f, "SQLite, 1 instance"),
            Setup::Postgres { instances: 1 } => write!(f, "PostgreSQL, 1 instance"),
            Setup::Postgres { instances } => write!(f, "PostgreSQL, {instances} instances"),
        }
    }
}

/// What every kiosk of the benchmark shares: the card identities and keys.
struct Cards {
    certificates: Vec<Vec<u8>>,
    key: RsaPrivateKey,
    master: Vec<u8>,
}

fn main() {
    let sessions_per_kiosk: usize = match std::env::var("SESSIONS") {
        Ok(text) => text
            .parse()
            .expect("SESSIONS: a number of sessions per kiosk"),
        Err(_) => DEFAULT_SESSIONS_PER_KIOSK,
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let key = RsaPrivateKey::from_pkcs8_pem(
        &std::fs::read_to_string(root.join("config/test-pki/bench/auth-key.pem"))
            .expect("bench key"),
    )
    .expect("RSA key");
    let certificates: Vec<Vec<u8>> = (0..16)
        .map(|n| {
            std::fs::read(root.join(format!("config/test-pki/bench/card-{n:02}.der")))
                .expect("bench card")
        })
        .collect();
    let postgres = postgres_server::PostgresServer::start();
    let mut cards = None;
    println!(
        "reset-center benchmark: complete signing-reset sessions over loopback HTTPS, {sessions_per_kiosk} per kiosk"
    );
    println!(
        "  {:<26} {:>7} {:>9} {:>11} {:>9} {:>9}",
        "set-up", "kiosks", "sessions", "sessions/s", "p50 ms", "p99 ms"
    );
    let mut breakdown = Vec::new();
    for setup in [
        Setup::Sqlite,
        Setup::Postgres { instances: 1 },
        Setup::Postgres { instances: 2 },
    ] {
        let database = match setup {
            Setup::Sqlite => "centre.sqlite".to_string(),
            Setup::Postgres { .. } => postgres.create_database(),
        };
        let site = BenchSite::new(&root, &database, setup);
        let cards = cards.get_or_insert_with(|| Cards {
            certificates: certificates.clone(),
            key: key.clone(),
            master: site.master_key(),
        });
        for kiosks in LEVELS {
            let latencies = site.run(cards, kiosks, sessions_per_kiosk);
            let (count, elapsed) = (latencies.0.len(), latencies.1);
            let mut sorted = latencies.0;
            sorted.sort();
            let at = |q: f64| {
                sorted[((sorted.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3
            };
            println!(
                "  {:<26} {kiosks:>7} {count:>9} {:>11.1} {:>9.1} {:>9.1}",
                setup.to_string(),
                count as f64 / elapsed.as_secs_f64(),
                at(0.5),
                at(0.99)
            );
        }
        if !matches!(setup, Setup::Postgres { instances: 2 }) {
            breakdown.push((setup, site.breakdown(cards, sessions_per_kiosk.max(20))));
        }
    }
    println!();
    println!("where one session's time goes (one kiosk, sessions one after another; mean ms):");
    println!(
        "  {:<26} {:>9} {:>11} {:>9} {:>11} {:>11}",
        "set-up", "HTTPS", "in-process", "HTTP/TLS", "card sign", "centre RSA"
    );
    for (setup, b) in breakdown {
        println!(
            "  {:<26} {:>9.2} {:>11.2} {:>9.2} {:>11.2} {:>11.2}",
            setup.to_string(),
            b.https,
            b.in_process,
            b.https - b.in_process,
            b.card_signing,
            b.centre_rsa
        );
    }
    println!(
        "  (in-process: the same session against the centre's library on the same database; \
         the rest of it is the database and the centre's logic)"
    );
}

/// Mean milliseconds of one session, measured several ways.
struct Breakdown {
    https: f64,
    in_process: f64,
    card_signing: f64,
    centre_rsa: f64,
}

/// One set-up: its directory, configuration, kiosk identity and running instances.
struct BenchSite {
    dir: tempfile::TempDir,
    config: CentreConfig,
    tls: ClientTls,
    token: String,
    urls: Vec<String>,
    servers: Vec<std::process::Child>,
}

impl Drop for BenchSite {
    fn drop(&mut self) {
        for server in &mut self.servers {
            let _ = server.kill();
            let _ = server.wait();
        }
    }
}

impl BenchSite {
    fn new(root: &Path, database: &str, setup: Setup) -> BenchSite {
        let dir = tempfile::tempdir().expect("temporary directory");
        let pki = dir.path().join("pki");
        let init = Command::new(BINARY)
            .args(["tls", "init", "--out"])
            .arg(&pki)
            .args(["--host", "127.0.0.1"])
            .output()
            .expect("reset-center tls init");
        assert!(
            init.status.success(),
            "{}",
            String::from_utf8_lossy(&init.stderr)
        );
        let config_path = scratch_config(root, dir.path(), database);
        let config = CentreConfig::load(&config_path).expect("config");
        // The kiosk's certificate from the kiosk CA, its key, and its credential, written
        // before the servers start.
        let issued = Ca::load(&pki.join("kiosk-ca.crt"), &pki.join("kiosk-ca.key"))
            .expect("the kiosk CA")
            .issue_kiosk_for_days(KIOSK, 1)
            .expect("a kiosk certificate");
        let (certificate, kiosk_key) = (
            dir.path().join(format!("{KIOSK}.crt")),
            dir.path().join(format!("{KIOSK}.key")),
        );
        write_public(&certificate, issued.certificate_pem.as_bytes()).expect("certificate");
        write_private(&kiosk_key, issued.key_pem.as_bytes()).expect("key");
        let token = Centre::open(&config, Arc::new(SystemClock))
            .expect("centre")
            .add_kiosk(
                KIOSK,
                &KioskCertificate {
                    sha256: issued.sha256,
                    serial: issued.serial.clone(),
                },
            )
            .expect("kiosk")
            .to_string();
        let tls = ClientTls::from_files(&pki.join("centre-ca.crt"), &certificate, &kiosk_key)
            .expect("the kiosk's TLS files");
        let instances = match setup {
            Setup::Sqlite => 1,
            Setup::Postgres { instances } => instances,
        };
        let mut site = BenchSite {
            dir,
            config,
            tls,
            token,
            urls: Vec::new(),
            servers: Vec::new(),
        };
        for _ in 0..instances {
            let mut server = Command::new(BINARY)
                .arg("--config")
                .arg(&config_path)
                .args(["serve", "--listen", "127.0.0.1:0"])
                // A line per request would be most of what is measured: warnings and errors.
                // The "listening" event is an info line, so it is let through by name.
                .env(
                    "RUST_LOG",
                    "warn,reset_center=info,reset_center::server=warn",
                )
                .stderr(Stdio::piped())
                .spawn()
                .expect("reset-center serve");
            let mut stderr = BufReader::new(server.stderr.take().expect("stderr"));
            site.servers.push(server);
            // Its address is in its "listening" event (JSON lines, docs/operations.md).
            let url = loop {
                let mut line = String::new();
                if stderr.read_line(&mut line).expect("the server's log") == 0 {
                    panic!("reset-center serve ended without listening");
                }
                let event: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
                if event["message"] == "listening" {
                    break event["url"].as_str().expect("its url").to_string();
                }
                eprintln!("{}", line.trim_end());
            };
            site.urls.push(url);
            // The rest of the server's stderr, passed on (and its pipe never full).
            std::thread::spawn(move || {
                for line in stderr.lines().map_while(Result::ok) {
                    eprintln!("{line}");
                }
            });
        }
        site
    }

    /// The master key the cards' reset keys come from (to make the receipts the cards would).
    fn master_key(&self) -> Vec<u8> {
        hex::decode(
            std::fs::read_to_string(&self.config.master_key_file)
                .expect("master key")
                .trim_ascii(),
        )
        .expect("hex master key")
    }

    /// `kiosks` kiosks, each running `sessions` sessions one after another, kiosk k on instance
    /// k mod n; every session's latency, and the wall time of the whole.
    fn run(&self, cards: &Cards, kiosks: usize, sessions: usize) -> (Vec<Duration>, Duration) {
        // The smartphone app's stand-in: reservations made through the library, on the same
        // database.
        let app = Centre::open(&self.config, Arc::new(SystemClock)).expect("centre");
        let started = Instant::now();
        let latencies = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..kiosks)
                .map(|k| {
                    let card = &cards.certificates[k % cards.certificates.len()];
                    let client = HttpCentre::new(
                        &self.urls[k % self.urls.len()],
                        KIOSK,
                        &self.token,
                        Duration::from_secs(60),
                        &self.tls,
                    )
                    .expect("an https URL");
                    let app = &app;
                    scope.spawn(move || {
                        (0..sessions)
                            .map(|_| {
                                app.reserve(card, ResetKind::Signing, None)
                                    .expect("reservation");
                                let begun = Instant::now();
                                session(&client, &cards.key, card, &cards.master);
                                begun.elapsed()
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("kiosk thread"))
                .collect()
        });
        (latencies, started.elapsed())
    }

    /// One kiosk's sessions over HTTPS, then the same through the centre's library in this
    /// process (no HTTP, no TLS), and the RSA both sides do, measured alone.
    fn breakdown(&self, cards: &Cards, sessions: usize) -> Breakdown {
        let mean = |total: Duration| total.as_secs_f64() * 1e3 / sessions as f64;
        let card = &cards.certificates[0];
        let (https, _) = self.run(cards, 1, sessions);
        let https = mean(https.iter().sum());
        let centre = Arc::new(Centre::open(&self.config, Arc::new(SystemClock)).expect("centre"));
        let local = reset_center::InProcessCentre::new(centre.clone(), KIOSK);
        let mut in_process = Duration::ZERO;
        for _ in 0..sessions {
            centre
                .reserve(card, ResetKind::Signing, None)
                .expect("reservation");
            let begun = Instant::now();
            session(&local, &cards.key, card, &cards.master);
            in_process += begun.elapsed();
        }
        let digest = [7u8; 32];
        let begun = Instant::now();
        let mut signature = Vec::new();
        for _ in 0..sessions {
            signature = cards
                .key
                .sign(rsa::Pkcs1v15Sign::new::<Sha256>(), &digest)
                .expect("signature");
        }
        let card_signing = mean(begun.elapsed());
        let public = cards.key.to_public_key();
        let begun = Instant::now();
        for _ in 0..sessions {
            assert!(reset_center::trust::verify_proof(
                &public, &digest, &signature
            ));
        }
        let verify = mean(begun.elapsed());
        let _ = &self.dir;
        Breakdown {
            https,
            in_process: mean(in_process),
            card_signing,
            // The proof, and the certificate's signature by its CA at check, begin and prove.
            centre_rsa: verify * 4.0,
        }
    }
}

/// One complete session, as a kiosk runs it.
fn session(client: &dyn ResetCentre, key: &RsaPrivateKey, card: &[u8], master: &[u8]) {
    client
        .check_reservation(ResetKind::Signing, card)
        .expect("reservation");
    let begun = client.begin(ResetKind::Signing, card).expect("begin");
    let digest = proof_digest(&begun.session, &begun.challenge);
    let signature = key
        .sign(rsa::Pkcs1v15Sign::new::<Sha256>(), &digest)
        .expect("signature");
    client
        .prove(&begun.session, &signature, None)
        .expect("proof");
    let challenge: [u8; 8] = rand::random();
    let pin = Pin::new(card_driver::pin::PinKind::Signing, "BENCH123").expect("valid");
    client
        .reset_command(&begun.session, &challenge, &pin)
        .expect("command");
    // The card's receipt of the reset it took: the centre's only evidence.
    let card_key = CardKey::derive(
        master,
        &CardId::from_auth_certificate(card).expect("a card identity"),
    );
    let receipt = reset_cryptogram::receipt(
        &card_key,
        &challenge,
        reset_cryptogram::pin_file(card_driver::pin::PinKind::Signing),
    );
    let state = client
        .complete(&begun.session, Outcome::Receipt { receipt })
        .expect("complete");
    assert_eq!(state, reset_protocol::ReservationState::Used);
}
