//! Nothing secret or personal in any log, at the most verbose level (docs/operations.md): a
//! signing-password reset and an auth-PIN reset, end to end (the kiosk's app and worker on a
//! virtual card through pcscd + vpcd, `reset-center serve` over mutual TLS), with the centre at
//! `RUST_LOG=trace` and every kiosk-side event captured at TRACE, `log` records of the
//! dependencies included. Then every line of both logs is searched for the PINs typed, the
//! cards' certificates (hex and base64), the holders' names and addresses, and the
//! certificates' serial numbers.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kiosk_core::config::Config;
use reset_protocol::ResetKind;
use system_tests::driver::Driver;
use system_tests::{CentreProcess, Slot, pcsc_stack, production_config_text, workspace_root};
use x509_parser::prelude::FromDer;

/// Where the kiosk's events go: a buffer the test reads.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

/// What must never be in a log: the needle, and whether it is a whole token only (a 4-digit
/// PIN is also part of many numbers that are not it: a port, a timestamp).
struct Needle {
    what: String,
    text: String,
    token: bool,
}

fn found(line: &str, needle: &Needle) -> bool {
    if !needle.token {
        return line.contains(&needle.text);
    }
    line.match_indices(&needle.text).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + needle.text.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

/// The needles of one certificate: some of its bytes in hex (both cases) and base64, its
/// serial, and its subject's values (name, address).
fn certificate_needles(path: &std::path::Path) -> Vec<Needle> {
    let der = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let what = path.display().to_string();
    let mut needles = Vec::new();
    // Any 16 bytes from the middle: a certificate logged whole or in part contains them.
    let middle = &der[der.len() / 2..der.len() / 2 + 16];
    for text in [hex::encode(middle), hex::encode_upper(middle)] {
        needles.push(Needle {
            what: format!("{what} (hex)"),
            text,
            token: false,
        });
    }
    // Base64 of the whole certificate, from a 3-byte boundary: 32 characters of it.
    let base64 = reset_protocol::api::to_base64(&der);
    let start = (base64.len() / 2) / 4 * 4;
    needles.push(Needle {
        what: format!("{what} (base64)"),
        text: base64[start..start + 32].to_string(),
        token: false,
    });
    let (_, certificate) =
        x509_parser::certificate::X509Certificate::from_der(&der).expect("a certificate");
    let serial = certificate.raw_serial();
    for text in [hex::encode(serial), hex::encode_upper(serial)] {
        needles.push(Needle {
            what: format!("{what} (serial)"),
            text,
            token: false,
        });
    }
    for attribute in certificate.subject().iter_attributes() {
        if let Ok(value) = attribute.as_str() {
            // The country ("JP") is not personal; names, places and the card's id are.
            let value = value.replace(" (TEST ONLY)", "");
            if value.chars().count() > 2 {
                needles.push(Needle {
                    what: format!("{what} (subject {value})"),
                    text: value,
                    token: false,
                });
            }
        }
    }
    needles
}

fn pin_needle(pin: &str) -> Needle {
    Needle {
        what: format!("the PIN {pin}"),
        text: pin.to_string(),
        token: pin.chars().all(|c| c.is_ascii_digit()),
    }
}

#[test]
fn no_pin_certificate_name_or_serial_in_any_log_at_trace() {
    let kiosk_log = Captured::default();
    // Everything the kiosk's side emits, at every level, `log` records bridged in.
    use tracing_subscriber::util::SubscriberInitExt as _;
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(kiosk_log.clone())
        .finish()
        .try_init()
        .expect("the test's subscriber");

    let stack = pcsc_stack!("no_pin_certificate_name_or_serial_in_any_log_at_trace");
    let card = stack.card("normal", Slot::First);
    card.pull();
    let centre = CentreProcess::start_logging(&stack, "trace");
    let credential_path = stack.scratch().join("kiosk-credential");
    centre.add_kiosk("STORE-0001", &credential_path);
    let credential = std::fs::read_to_string(&credential_path).expect("credential");
    let cards = workspace_root().join("config/cards");
    centre.reserve(&cards.join("normal/auth-cert.der"), "signing");
    centre.reserve(&cards.join("auth-blocked/auth-cert.der"), "auth");
    let text = production_config_text(&centre.url, "STORE-0001").replace(
        "\"offered_resets\": [\"signing\"]",
        "\"offered_resets\": [\"signing\", \"auth\"]",
    );
    let path = stack.scratch().join("kiosk.json");
    std::fs::write(&path, &text).expect("kiosk config");
    let config = Config::parse(&text, &path).expect("a valid kiosk config");
    let mut kiosk = Driver::start(config, &credential, Duration::from_secs(600));

    // The signing password: the auth PIN 1234 proves the holder, LEAKPW42 is the new one.
    kiosk.walk_to_card_screen(ResetKind::Signing);
    card.insert(Some("normal"));
    kiosk
        .reach("current_pin", Duration::from_secs(20))
        .expect("PIN screen");
    kiosk.enter_pin("1234");
    kiosk
        .reach("new_pin", Duration::from_secs(20))
        .expect("new password screen");
    kiosk.enter_new_pin("LEAKPW42");
    kiosk
        .reach("remove_card", Duration::from_secs(30))
        .expect("reset done");
    card.pull();
    kiosk.reach("done", Duration::from_secs(20)).expect("done");
    kiosk.finish();
    kiosk.reach("top", Duration::from_secs(10)).expect("top");

    // The auth PIN: the signing password ABC123 proves the holder, 8642 is the new PIN.
    kiosk.walk_to_card_screen(ResetKind::Auth);
    card.insert(Some("auth-blocked"));
    kiosk
        .reach("current_pin", Duration::from_secs(20))
        .expect("password screen");
    kiosk.enter_pin("ABC123");
    kiosk
        .reach("new_pin", Duration::from_secs(20))
        .expect("new PIN screen");
    kiosk.enter_new_pin("8642");
    kiosk
        .reach("remove_card", Duration::from_secs(30))
        .expect("reset done");
    card.pull();
    kiosk.reach("done", Duration::from_secs(20)).expect("done");

    let states: Vec<_> = centre
        .reservations()
        .as_array()
        .expect("reservations")
        .iter()
        .map(|r| r["state"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(states, ["used", "used"], "both resets happened");
    drop(kiosk);

    let kiosk_text = kiosk_log.text();
    let centre_text = std::fs::read_to_string(&centre.log).expect("the centre's log");
    // The most verbose level was on, on both sides: the search covers something.
    assert!(
        centre_text
            .lines()
            .any(|l| l.contains("\"level\":\"TRACE\"")),
        "the centre logged nothing at trace"
    );
    assert!(
        centre_text
            .lines()
            .filter(|l| l.contains("\"request_id\""))
            .count()
            >= 10,
        "the centre logged the requests"
    );
    assert!(
        kiosk_text
            .lines()
            .any(|l| l.contains("TRACE") || l.contains("DEBUG")),
        "the kiosk side logged nothing below info:\n{kiosk_text}"
    );

    let mut needles: Vec<Needle> = ["1234", "ABC123", "LEAKPW42", "8642"]
        .into_iter()
        .map(pin_needle)
        .collect();
    for card in ["normal", "auth-blocked"] {
        for certificate in ["auth-cert.der", "signing-cert.der"] {
            needles.extend(certificate_needles(&cards.join(card).join(certificate)));
        }
    }
    let mut leaks = Vec::new();
    for (log, text) in [("kiosk", &kiosk_text), ("centre", &centre_text)] {
        for line in text.lines() {
            for needle in &needles {
                if found(line, needle) {
                    leaks.push(format!("{log}: {}: {line}", needle.what));
                }
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} leaks, e.g.:\n{}",
        leaks.len(),
        leaks
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    println!(
        "searched {} kiosk and {} centre log lines for {} needles",
        kiosk_text.lines().count(),
        centre_text.lines().count(),
        needles.len()
    );
}

#[test]
fn the_needle_search_finds_what_it_looks_for() {
    // The search itself, on lines that do leak: it must not be blind.
    let pin = pin_needle("8642");
    assert!(found("new_pin=8642 set", &pin));
    assert!(
        !found("port 18642, id a8642b", &pin),
        "not inside other numbers"
    );
    let password = pin_needle("LEAKPW42");
    assert!(found("{\"new_pin\":\"LEAKPW42\"}", &password));
    let needles = certificate_needles(&workspace_root().join("config/cards/normal/auth-cert.der"));
    let der = std::fs::read(workspace_root().join("config/cards/normal/auth-cert.der"))
        .expect("certificate");
    let leaked = format!(
        "certificate={} {} b64={}",
        hex::encode(&der),
        hex::encode_upper(&der),
        reset_protocol::api::to_base64(&der)
    );
    for needle in needles.iter().filter(|n| !n.what.contains("subject")) {
        assert!(found(&leaked, needle), "{} not found", needle.what);
    }
    assert!(
        needles
            .iter()
            .any(|n| n.what.contains("subject") && n.text.starts_with("TEST")),
        "the card's id in the subject is searched for"
    );
}
