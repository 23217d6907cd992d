//! Benchmark (prints figures; not a test): complete reset sessions per second, and their p50 /
//! p99 latency, over loopback HTTP against `reset-center serve`, with 1, 4 and 16 kiosks at once.
//!
//! A session is what a kiosk does: check the reservation, begin, prove (an RSA-2048 signature
//! over the centre's challenge, made here with the card's key as the card would), get the reset
//! command, complete with the card's `9000`. Each kiosk uses its own card identity
//! (`config/test-pki/bench/`), each session consumes one reservation.
//!
//! Run: `cargo bench -p reset-center --bench sessions` (or `make bench`). The kiosks run on the
//! same 2 cores as the centre, so the figures include their signing.

use card_driver::apdu::StatusWord;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use card_driver::pin::Pin;
use reset_center::{Centre, CentreConfig, SystemClock};
use reset_protocol::api::proof_digest;
use reset_protocol::{HttpCentre, Outcome, ResetCentre, ResetKind};
use rsa::RsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use sha2::Sha256;

const SESSIONS_PER_KIOSK: usize = 60;
const LEVELS: [usize; 3] = [1, 4, 16];

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = dir.path().join("centre.sqlite");
    let config_path = root.join("config/reset-center.json");
    let mut config = CentreConfig::load(&config_path).expect("config");
    config.database = db.clone();
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

    // Reservations and the kiosk credential, written before the server starts.
    let token = {
        let centre = Centre::open(&config, Arc::new(SystemClock)).expect("centre");
        for card in &cards {
            for _ in 0..SESSIONS_PER_KIOSK * LEVELS.len() {
                centre
                    .reserve(card, ResetKind::Signing, None)
                    .expect("reservation");
            }
        }
        centre.add_kiosk("BENCH").expect("kiosk").to_string()
    };
    let mut server = Command::new(env!("CARGO_BIN_EXE_reset-center"))
        .args(["--config", config_path.to_str().expect("utf-8"), "--db"])
        .arg(&db)
        .args(["serve", "--listen", "127.0.0.1:0", "--hours", "00:00-00:00"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("reset-center serve");
    let mut line = String::new();
    BufReader::new(server.stderr.take().expect("stderr"))
        .read_line(&mut line)
        .expect("address");
    let url = line.trim().rsplit(' ').next().expect("url").to_string();

    println!("reset-center benchmark: complete signing-reset sessions over loopback HTTP ({url})");
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
                    let client = HttpCentre::new(&url, "BENCH", &token, Duration::from_secs(30));
                    let key = key.clone();
                    scope.spawn(move || {
                        (0..SESSIONS_PER_KIOSK)
                            .map(|_| {
                                let begun = Instant::now();
                                session(&client, &key, &card);
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
fn session(client: &HttpCentre, key: &RsaPrivateKey, card: &[u8]) {
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
    let state = client
        .complete(
            &begun.session,
            Outcome::Card {
                sw: StatusWord::SUCCESS,
            },
        )
        .expect("complete");
    assert_eq!(state, reset_protocol::ReservationState::Used);
}
