//! Benchmark (prints figures; not a test): complete reset sessions per second, and their p50 /
//! p99 latency, over loopback HTTPS (mutual TLS) against `reset-center serve`, with 1, 4 and 16
//! kiosks at once.
//!
//! A session is what a kiosk does: check the reservation, begin, prove (an RSA-2048 signature
//! over the centre's challenge, made here with the card's key as the card would), get the reset
//! command, complete with the receipt the card gives after taking it (made here with the card's
//! reset key, as the card would). Each kiosk uses its own card identity
//! (`config/test-pki/bench/`), each session consumes one reservation. The centre runs on a
//! scratch copy of the configuration with its own link PKI (`tls init`) and a session-start
//! limit out of the way (the kiosks here start sessions far faster than real ones may).
//!
//! Run: `cargo bench -p reset-center --bench sessions` (or `make bench`); `SESSIONS=N` sets the
//! sessions per kiosk (60). The kiosks run on the same 2 cores as the centre, so the figures
//! include their signing and both ends of TLS.

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
const DEFAULT_SESSIONS_PER_KIOSK: usize = 60;
const LEVELS: [usize; 3] = [1, 4, 16];
const KIOSK: &str = "BENCH";

/// A copy of the committed configuration in `dir`: the card PKI's files where they are, the
/// link PKI `tls init` made in `dir/pki`, the database in `dir`.
fn scratch_config(root: &Path, dir: &Path) -> PathBuf {
    let committed = root.join("config/reset-center.json");
    let base = committed.parent().expect("config/");
    let mut config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&committed).expect("config")).expect("JSON");
    for field in [
        "master_key_file",
        "auth_ca_certificate",
        "signing_ca_certificate",
        "auth_crl",
        "signing_crl",
        "registry",
    ] {
        let path = base.join(config[field].as_str().expect("a path"));
        config[field] = path.to_str().expect("utf-8").into();
    }
    config["database"] = "centre.sqlite".into();
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

fn main() {
    let sessions_per_kiosk: usize = match std::env::var("SESSIONS") {
        Ok(text) => text
            .parse()
            .expect("SESSIONS: a number of sessions per kiosk"),
        Err(_) => DEFAULT_SESSIONS_PER_KIOSK,
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
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
    let config_path = scratch_config(&root, dir.path());
    let config = CentreConfig::load(&config_path).expect("config");
    // The master key the cards' reset keys come from (to make the receipts the cards would).
    let master = hex::decode(
        std::fs::read_to_string(&config.master_key_file)
            .expect("master key")
            .trim_ascii(),
    )
    .expect("hex master key");
    let key = RsaPrivateKey::from_pkcs8_pem(
        &std::fs::read_to_string(root.join("config/test-pki/bench/auth-key.pem"))
            .expect("bench key"),
    )
    .expect("RSA key");
    let cards: Vec<Vec<u8>> = (0..16)
        .map(|n| {
            std::fs::read(root.join(format!("config/test-pki/bench/card-{n:02}.der")))
                .expect("bench card")
        })
        .collect();

    // The kiosk's certificate from the kiosk CA, its key, and its credential; the reservations.
    // All written before the server starts.
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
    let token = {
        let centre = Centre::open(&config, Arc::new(SystemClock)).expect("centre");
        for card in &cards {
            for _ in 0..sessions_per_kiosk * LEVELS.len() {
                centre
                    .reserve(card, ResetKind::Signing, None)
                    .expect("reservation");
            }
        }
        centre
            .add_kiosk(
                KIOSK,
                &KioskCertificate {
                    sha256: issued.sha256,
                    serial: issued.serial.clone(),
                },
            )
            .expect("kiosk")
            .to_string()
    };
    let tls = ClientTls::from_files(&pki.join("centre-ca.crt"), &certificate, &kiosk_key)
        .expect("the kiosk's TLS files");
    let mut server = Command::new(BINARY)
        .arg("--config")
        .arg(&config_path)
        .args(["serve", "--listen", "127.0.0.1:0", "--hours", "00:00-00:00"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("reset-center serve");
    let mut stderr = BufReader::new(server.stderr.take().expect("stderr"));
    let mut line = String::new();
    stderr.read_line(&mut line).expect("address");
    let url = line.trim().rsplit(' ').next().expect("url").to_string();
    // The rest of the server's stderr, passed on (and its pipe never full).
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            eprintln!("{line}");
        }
    });

    println!("reset-center benchmark: complete signing-reset sessions over loopback HTTPS ({url})");
    println!(
        "  {:>7} {:>10} {:>12} {:>12} {:>12}",
        "kiosks", "sessions", "sessions/s", "p50 ms", "p99 ms"
    );
    let mut next_card = 0;
    for kiosks in LEVELS {
        let started = Instant::now();
        let latencies: Vec<Duration> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..kiosks)
                .map(|k| {
                    let card = cards[(next_card + k) % cards.len()].clone();
                    let client =
                        HttpCentre::new(&url, KIOSK, &token, Duration::from_secs(30), &tls)
                            .expect("an https URL");
                    let key = key.clone();
                    let master = master.clone();
                    scope.spawn(move || {
                        (0..sessions_per_kiosk)
                            .map(|_| {
                                let begun = Instant::now();
                                session(&client, &key, &card, &master);
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
        let elapsed = started.elapsed();
        next_card += kiosks;
        let mut sorted = latencies.clone();
        sorted.sort();
        let at =
            |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
        println!(
            "  {kiosks:>7} {:>10} {:>12.1} {:>12.1} {:>12.1}",
            latencies.len(),
            latencies.len() as f64 / elapsed.as_secs_f64(),
            at(0.5),
            at(0.99)
        );
    }
    let _ = server.kill();
    let _ = server.wait();
}

/// One complete session, as a kiosk runs it.
fn session(client: &HttpCentre, key: &RsaPrivateKey, card: &[u8], master: &[u8]) {
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
