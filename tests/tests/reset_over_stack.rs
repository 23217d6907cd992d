//! A whole signing-password reset as an integrator would run it from a fresh clone: the card's
//! certificate read with `jpki`, a reservation made with `reset-center reserve`, the centre
//! serving over HTTP, and `reset-client` driving the virtual card through pcscd + vpcd.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use card_driver::jpki::{Jpki, JpkiError};
use card_driver::pcsc::{PcscConnection, Sharing};
use card_driver::pin::{PinKind, SigningPin};
use system_tests::{PcscStack, Slot, pcsc_stack, workspace_root};

struct Centre {
    binary: std::path::PathBuf,
    db: std::path::PathBuf,
    server: Child,
    url: String,
}

impl Centre {
    fn start(stack: &PcscStack, dir: &Path) -> Centre {
        let binary = stack.binaries().reset_center.clone();
        let db = dir.join("centre.sqlite");
        let mut server = Command::new(&binary)
            .args(["--config", &config(), "--db"])
            .arg(&db)
            .args(["serve", "--listen", "127.0.0.1:0", "--hours", "00:00-00:00"])
            .stderr(Stdio::piped())
            .spawn()
            .expect("reset-center serve starts");
        let mut line = String::new();
        BufReader::new(server.stderr.take().expect("stderr"))
            .read_line(&mut line)
            .expect("a line");
        let url = line.trim().rsplit(' ').next().expect("url").to_string();
        Centre {
            binary,
            db,
            server,
            url,
        }
    }

    fn cli(&self, args: &[&str]) -> Output {
        Command::new(&self.binary)
            .args(["--config", &config(), "--db"])
            .arg(&self.db)
            .args(args)
            .output()
            .expect("reset-center runs")
    }
}

impl Drop for Centre {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

fn config() -> String {
    workspace_root()
        .join("config/reset-center.json")
        .display()
        .to_string()
}

fn reset_client(stack: &PcscStack, centre: &Centre, credential: &Path, input: &str) -> Output {
    let mut child = Command::new(&stack.binaries().reset_client)
        .args([
            "--centre",
            &centre.url,
            "--kiosk-id",
            "STORE-0001",
            "--credential-file",
        ])
        .arg(credential)
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

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
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
    let centre = Centre::start(&stack, dir.path());
    let credential = dir.path().join("credential");
    let added = centre.cli(&["kiosk", "add", "STORE-0001"]);
    assert!(added.status.success());
    std::fs::write(&credential, &added.stdout).expect("write");
    let reserved = centre.cli(&[
        "reserve",
        "--auth-cert",
        certificate.to_str().expect("utf-8"),
        "--kind",
        "signing",
    ]);
    assert!(reserved.status.success(), "{}", text(&reserved));

    // A wrong auth PIN: refused by the card, one try used, the reservation still open.
    let wrong = reset_client(&stack, &centre, &credential, "9999\nNEWPASS1\nNEWPASS1\n");
    assert_eq!(wrong.status.code(), Some(4), "{}", text(&wrong));
    assert!(text(&wrong).contains("wrong"), "{}", text(&wrong));
    assert_eq!(card.counters(), (Some(2), Some(5)));

    let done = reset_client(&stack, &centre, &credential, "1234\nnewpass1\nNEWPASS1\n");
    assert!(done.status.success(), "{}", text(&done));
    assert!(text(&done).contains("reservation is used"));
    let list: serde_json::Value =
        serde_json::from_slice(&centre.cli(&["list", "--json"]).stdout).expect("json");
    assert_eq!(list[0]["state"], "used");

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
    assert_eq!(again.status.code(), Some(4), "{}", text(&again));
    assert!(
        text(&again).contains("reservation_used"),
        "{}",
        text(&again)
    );
}
