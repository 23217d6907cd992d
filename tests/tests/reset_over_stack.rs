//! A whole signing-password reset as an integrator would run it from a fresh clone: the card's
//! certificate read with `jpki`, a reservation made with `reset-center reserve`, the centre
//! serving over HTTPS (mutual TLS), and `reset-client` driving the virtual card through pcscd + vpcd.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use card_driver::jpki::{Jpki, JpkiError};
use card_driver::pcsc::{PcscConnection, Sharing};
use card_driver::pin::{PinKind, SigningPin};
use system_tests::{CentreProcess, PcscStack, Slot, output_text, pcsc_stack};

fn reset_client(
    stack: &PcscStack,
    centre: &CentreProcess,
    credential: &Path,
    input: &str,
) -> Output {
    let dir = credential.parent().expect("the credential's directory");
    let mut child = Command::new(&stack.binaries().reset_client)
        .args([
            "--centre",
            &centre.url,
            "--kiosk-id",
            "STORE-0001",
            "--credential-file",
        ])
        .arg(credential)
        // The TLS files `add_kiosk` left beside the credential.
        .arg("--centre-ca")
        .arg(dir.join("centre-ca.crt"))
        .arg("--certificate")
        .arg(dir.join("kiosk.crt"))
        .arg("--key")
        .arg(dir.join("kiosk.key"))
        .args(["--reader", Slot::First.reader()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("reset-client starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("PINs written");
    child.wait_with_output().expect("reset-client ends")
}

#[test]
fn a_signing_reset_through_pcscd_and_http_succeeds_once() {
    let stack = pcsc_stack!("a_signing_reset_through_pcscd_and_http_succeeds_once");
    let card = stack.card("normal", Slot::First);
    let dir = tempfile::tempdir().expect("temporary directory");

    // The holder's reservation, made from the card's own certificate.
    let certificate = dir.path().join("auth.pem");
    let pem = stack.jpki(&["cert", "auth", "--pem"]);
    assert!(pem.status.success());
    std::fs::write(&certificate, &pem.stdout).expect("write");
    let centre = CentreProcess::start(&stack);
    let credential = dir.path().join("credential");
    centre.add_kiosk("STORE-0001", &credential);
    centre.reserve(&certificate, "signing");

    // A wrong auth PIN: refused by the card, one try used, the reservation still open.
    let wrong = reset_client(&stack, &centre, &credential, "9999\nNEWPASS1\nNEWPASS1\n");
    assert_eq!(wrong.status.code(), Some(4), "{}", output_text(&wrong));
    assert!(
        output_text(&wrong).contains("wrong"),
        "{}",
        output_text(&wrong)
    );
    assert_eq!(card.counters(), (Some(2), Some(5)));

    let done = reset_client(&stack, &centre, &credential, "1234\nnewpass1\nNEWPASS1\n");
    assert!(done.status.success(), "{}", output_text(&done));
    assert!(output_text(&done).contains("reservation is used"));
    assert_eq!(centre.reservations()[0]["state"], "used");

    // The card, read through pcscd: the new password works, the old one does not.
    let mut jpki =
        Jpki::new(PcscConnection::open(Slot::First.reader(), Sharing::Exclusive).expect("card"));
    jpki.verify_signing_pin(&SigningPin::new("NEWPASS1").expect("valid"))
        .expect("the new password");
    assert_eq!(
        jpki.verify_signing_pin(&SigningPin::new("ABC123").expect("valid")),
        Err(JpkiError::WrongPin {
            kind: PinKind::Signing,
            tries_left: 4
        })
    );
    drop(jpki);

    let again = reset_client(&stack, &centre, &credential, "1234\nOTHER22\nOTHER22\n");
    assert_eq!(again.status.code(), Some(4), "{}", output_text(&again));
    assert!(
        output_text(&again).contains("reservation_used"),
        "{}",
        output_text(&again)
    );
}
