//! Benchmark (prints figures; not a test): the per-APDU cost of card-driver against a bare
//! `pcsc` transmit on the same virtual card through pcscd, and the APDU count of every JPKI
//! operation.
//!
//! Run: `cargo bench -p system-tests --bench card_driver` (or `make bench`). Needs what the tests
//! need: pcscd and vpcd installed, no other pcscd running, root (pcscd's socket is in /run).

use std::ffi::CString;
use std::time::{Duration, Instant};

use card_driver::card_thread::CardThread;
use card_driver::jpki::{Certificate, Jpki};
use card_driver::pcsc::{PcscConnection, PcscTransport, Sharing};
use card_driver::pin::{AuthPin, PinKind, SigningPin};
use card_driver::reset_cryptogram::{self, CardId, CardKey};
use card_driver::transport::{Recording, Transport};
use system_tests::{Slot, config_file, pcsc_stack};

/// The empty VERIFY of the auth PIN: a real, side-effect-free command the card answers at once.
const TRIES_LEFT: [u8; 4] = [0x00, 0x20, 0x00, 0x80];
const SELECT_AP: [u8; 15] = [
    0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
];
const SELECT_AUTH_PIN: [u8; 7] = [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18];
const DEADLINE: Duration = Duration::from_secs(5);
const ROUNDS: usize = 10;
const PER_ROUND: usize = 500;

fn main() {
    let stack = pcsc_stack!("bench_card_driver");
    let _card = stack.card("normal", Slot::First);
    println!(
        "card-driver benchmark: virtual card 'normal' through pcscd + vpcd ({})",
        Slot::First.reader()
    );
    println!();
    per_apdu_cost();
    println!();
    apdu_counts();
}

/// Samples of one way of sending the command, in microseconds.
#[derive(Default)]
struct Samples(Vec<f64>);

impl Samples {
    fn time(&mut self, mut once: impl FnMut()) {
        let started = Instant::now();
        once();
        self.0.push(started.elapsed().as_secs_f64() * 1e6);
    }

    fn summary(&self) -> (f64, f64, f64) {
        let mut sorted = self.0.clone();
        sorted.sort_by(f64::total_cmp);
        let mean = sorted.iter().sum::<f64>() / sorted.len() as f64;
        let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
        (mean, at(0.5), at(0.99))
    }
}

fn per_apdu_cost() {
    let reader = CString::new(Slot::First.reader()).expect("reader name");
    let context = pcsc::Context::establish(pcsc::Scope::User).expect("pcscd answers");
    let bare = context
        .connect(&reader, pcsc::ShareMode::Shared, pcsc::Protocols::T1)
        .expect("bare connection");
    let mut buffer = vec![0u8; pcsc::MAX_BUFFER_SIZE];
    bare.transmit(&SELECT_AP, &mut buffer).expect("select");
    bare.transmit(&SELECT_AUTH_PIN, &mut buffer)
        .expect("select EF");

    let open =
        || PcscConnection::open(Slot::First.reader(), Sharing::Shared).expect("driver connection");
    let mut connection = open();
    connection.transmit(&SELECT_AP).expect("select");
    connection.transmit(&SELECT_AUTH_PIN).expect("select EF");
    let mut jpki = Jpki::new(open());
    jpki.tries_left(PinKind::Auth).expect("tries");
    let mut transport =
        PcscTransport::connect(Slot::First.reader(), Sharing::Shared, DEADLINE).expect("transport");
    transport.transmit(&SELECT_AP).expect("select");
    transport.transmit(&SELECT_AUTH_PIN).expect("select EF");
    let mut on_thread = CardThread::spawn("bench", DEADLINE, || {
        PcscConnection::open(Slot::First.reader(), Sharing::Shared).map(Jpki::new)
    })
    .expect("card thread");

    let mut samples: [(&str, Samples); 5] = [
        ("bare pcsc::Card::transmit", Samples::default()),
        (
            "PcscConnection::transmit (driver transport)",
            Samples::default(),
        ),
        (
            "Jpki::tries_left on PcscConnection (typed)",
            Samples::default(),
        ),
        (
            "PcscTransport::transmit (deadline per APDU)",
            Samples::default(),
        ),
        (
            "CardThread::run(Jpki::tries_left) (deadline)",
            Samples::default(),
        ),
    ];
    // Interleaved rounds, so that drift on a busy machine hits every path alike.
    for _ in 0..ROUNDS {
        for _ in 0..PER_ROUND {
            samples[0].1.time(|| {
                let answer = bare
                    .transmit(&TRIES_LEFT, &mut buffer)
                    .expect("bare transmit");
                assert_eq!(answer, [0x63, 0xC3]);
            });
        }
        for _ in 0..PER_ROUND {
            samples[1]
                .1
                .time(|| assert_eq!(connection.transmit(&TRIES_LEFT), Ok(vec![0x63, 0xC3])));
        }
        for _ in 0..PER_ROUND {
            samples[2]
                .1
                .time(|| assert_eq!(jpki.tries_left(PinKind::Auth), Ok(3)));
        }
        for _ in 0..PER_ROUND {
            samples[3]
                .1
                .time(|| assert_eq!(transport.transmit(&TRIES_LEFT), Ok(vec![0x63, 0xC3])));
        }
        for _ in 0..PER_ROUND {
            samples[4].1.time(|| {
                let tries = on_thread.run(DEADLINE, |jpki| jpki.tries_left(PinKind::Auth));
                assert_eq!(tries, Ok(Ok(3)));
            });
        }
    }
    let (bare_mean, bare_p50, _) = samples[0].1.summary();
    println!(
        "Per-APDU cost, empty VERIFY (tries left), {} samples each, interleaved:",
        ROUNDS * PER_ROUND
    );
    println!(
        "  {:<46} {:>9} {:>9} {:>9} {:>11} {:>10}",
        "path", "mean µs", "p50 µs", "p99 µs", "mean ratio", "p50 ratio"
    );
    for (name, samples) in &samples {
        let (mean, p50, p99) = samples.summary();
        println!(
            "  {name:<46} {mean:>9.1} {p50:>9.1} {p99:>9.1} {:>11.3} {:>10.3}",
            mean / bare_mean,
            p50 / bare_p50
        );
    }
    println!(
        "  goal: ratio ≤ 1.05 for the driver's APDU path (rows 2 and 3). Rows 4 and 5 add one"
    );
    println!(
        "  hand-over to the deadline thread per call: per APDU in row 4, per whole operation in row 5."
    );
}

/// Counts the APDUs of every operation on a fresh connection, through pcscd.
fn apdu_counts() {
    let connect = || {
        let connection =
            PcscConnection::open(Slot::First.reader(), Sharing::Exclusive).expect("connects");
        Jpki::new(Recording::new(connection))
    };
    let auth_cert_len = config_file("cards/normal/auth-cert.der").len();
    let signing_cert_len = config_file("cards/normal/signing-cert.der").len();
    println!(
        "APDU count of each JPKI operation (recorded on the wire, fresh connection where marked):"
    );
    let mut rows: Vec<(String, usize, String)> = Vec::new();
    let mut measure =
        |jpki: &mut Jpki<Recording<PcscConnection>>,
         name: &str,
         why: String,
         op: &mut dyn FnMut(&mut Jpki<Recording<PcscConnection>>)| {
            jpki.transport_mut().reset();
            op(jpki);
            rows.push((name.to_string(), jpki.transport_mut().count(), why));
        };

    let mut jpki = connect();
    measure(
        &mut jpki,
        "recognise the card (fresh)",
        "SELECT JPKI-AP: the only way to know it is a My Number Card".into(),
        &mut |j| {
            j.select_application().expect("select");
        },
    );
    measure(
        &mut jpki,
        "read token",
        "SELECT EF 0006 + READ BINARY 32 bytes".into(),
        &mut |j| {
            j.read_token().expect("token");
        },
    );
    measure(
        &mut jpki,
        &format!("read auth certificate ({auth_cert_len} bytes)"),
        format!(
            "SELECT EF + {} READ BINARY: the first 256-byte chunk carries the DER length, so no separate header read",
            auth_cert_len.div_ceil(256)
        ),
        &mut |j| {
            j.read_certificate(Certificate::Auth).expect("certificate");
        },
    );
    measure(
        &mut jpki,
        "tries left, auth PIN",
        "SELECT EF 0018 + empty VERIFY (uses no try)".into(),
        &mut |j| {
            j.tries_left(PinKind::Auth).expect("tries");
        },
    );
    measure(
        &mut jpki,
        "verify auth PIN (EF already selected)",
        "VERIFY only: the PIN EF is still the current EF".into(),
        &mut |j| {
            j.verify_auth_pin(&AuthPin::new("1234").expect("valid"))
                .expect("verify");
        },
    );
    measure(
        &mut jpki,
        "sign SHA-256 with the auth key",
        "SELECT EF 0017 + SIGN (the card pads)".into(),
        &mut |j| {
            j.sign_sha256(PinKind::Auth, &[0x42; 32]).expect("sign");
        },
    );
    measure(&mut jpki, "GET CHALLENGE", "one command".into(), &mut |j| {
        j.get_challenge().expect("challenge");
    });
    measure(
        &mut jpki,
        "verify signing PIN (fresh EF)",
        "SELECT EF 001B + VERIFY".into(),
        &mut |j| {
            j.verify_signing_pin(&SigningPin::new("ABC123").expect("valid"))
                .expect("verify");
        },
    );
    measure(
        &mut jpki,
        &format!("read signing certificate ({signing_cert_len} bytes)"),
        format!("SELECT EF + {} READ BINARY", signing_cert_len.div_ceil(256)),
        &mut |j| {
            j.read_certificate(Certificate::Signing)
                .expect("certificate");
        },
    );
    let master = hex::decode(config_file("test-pki/master-key.hex").trim_ascii()).expect("hex");
    let key = CardKey::derive(
        &master,
        &CardId::from_auth_certificate(&config_file("cards/normal/auth-cert.der")).expect("id"),
    );
    measure(
        &mut jpki,
        "reset signing PIN (challenge + command)",
        "GET CHALLENGE + SELECT EF 001B + the protected reset".into(),
        &mut |j| {
            let challenge = j.get_challenge().expect("challenge");
            let command = reset_cryptogram::seal(&key, &challenge, PinKind::Signing, b"ABC123")
                .expect("seal");
            j.reset_pin(PinKind::Signing, &command).expect("reset");
        },
    );
    drop(jpki);

    let mut jpki = connect();
    measure(
        &mut jpki,
        "`jpki status` (fresh)",
        "SELECT AP + token 2 + auth tries 2 + signing tries 2 + auth certificate (SELECT + READs)"
            .into(),
        &mut |j| {
            j.select_application().expect("select");
            j.read_token().expect("token");
            j.tries_left(PinKind::Auth).expect("tries");
            j.tries_left(PinKind::Signing).expect("tries");
            j.read_certificate(Certificate::Auth).expect("certificate");
        },
    );
    drop(jpki);
    let mut jpki = connect();
    measure(
        &mut jpki,
        "signing-PIN reset, card side (fresh)",
        "SELECT AP, auth cert, auth tries, VERIFY, SIGN, signing tries, GET CHALLENGE, reset"
            .into(),
        &mut |j| {
            j.select_application().expect("select");
            j.read_certificate(Certificate::Auth).expect("certificate");
            j.tries_left(PinKind::Auth).expect("tries");
            j.verify_auth_pin(&AuthPin::new("1234").expect("valid"))
                .expect("verify");
            j.sign_sha256(PinKind::Auth, &[0x42; 32]).expect("sign");
            j.tries_left(PinKind::Signing).expect("tries");
            let challenge = j.get_challenge().expect("challenge");
            let command = reset_cryptogram::seal(&key, &challenge, PinKind::Signing, b"ABC123")
                .expect("seal");
            j.reset_pin(PinKind::Signing, &command).expect("reset");
        },
    );
    for (name, count, why) in rows {
        println!("  {name:<44} {count:>3}  {why}");
    }
}
