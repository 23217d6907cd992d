//! One customer's reset through the kiosk's own state machine, in a process of its own, for the
//! fault matrix's "kiosk killed" column: the parent kills this process (SIGKILL) at a chosen
//! step and starts the kiosk again on the same state directory.
//!
//! `harness-kiosk-session CENTRE_URL CREDENTIAL_FILE STATE_DIR KIND`; the PIN the holder knows
//! and the new one come on stdin (one line, space-separated: not on the command line, where any
//! process could read them). The kiosk walks to the card screen and prints `card-screen`; the
//! parent places the card and writes a line; then the kiosk goes on, entering the PINs, until
//! it is killed (it exits with 3 if that does not happen within a minute).

use std::io::{BufRead, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use reset_protocol::ResetKind;
use system_tests::driver::Driver;
use system_tests::faults::{COMPLETION_RETRY, kiosk_config};
use zeroize::Zeroizing;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, centre_url, credential_file, state_dir, kind] = args.as_slice() else {
        eprintln!("usage: harness-kiosk-session CENTRE_URL CREDENTIAL_FILE STATE_DIR KIND");
        std::process::exit(2);
    };
    let kind = match kind.as_str() {
        "signing" => ResetKind::Signing,
        "auth" => ResetKind::Auth,
        other => {
            eprintln!("unknown kind {other:?}");
            std::process::exit(2);
        }
    };
    let mut stdin = std::io::stdin().lock();
    let mut pins = Zeroizing::new(String::new());
    stdin.read_line(&mut pins).expect("the PINs on stdin");
    let (known, new) = pins
        .trim()
        .split_once(' ')
        .expect("two PINs, space-separated");

    let config_dir = tempfile::tempdir().expect("config dir");
    // The kiosk's TLS files lie beside its credential (`CentreProcess::add_kiosk`); the
    // configuration names them beside itself.
    let issued = Path::new(credential_file)
        .parent()
        .unwrap_or(Path::new("."));
    for name in ["kiosk.crt", "kiosk.key", "centre-ca.crt"] {
        std::fs::copy(issued.join(name), config_dir.path().join(name)).expect(name);
    }
    let config = kiosk_config(config_dir.path(), centre_url);
    let credential = std::fs::read_to_string(credential_file).expect("credential");
    let mut driver = Driver::start_in(config, &credential, COMPLETION_RETRY, Path::new(state_dir));
    driver.walk_to_card_screen(kind);
    println!("card-screen");
    std::io::stdout().flush().expect("stdout");
    let mut go = String::new();
    stdin.read_line(&mut go).expect("go");

    let (mut entered_pin, mut entered_new) = (false, false);
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        driver.wait_until(Duration::from_millis(100), |_| false);
        match driver.screen() {
            "current_pin" if !entered_pin => {
                entered_pin = true;
                driver.enter_pin(known);
            }
            "new_pin" if !entered_new => {
                entered_new = true;
                driver.enter_new_pin(new);
            }
            _ => {}
        }
    }
    eprintln!(
        "harness-kiosk-session: not killed; ended on {}",
        driver.screen()
    );
    std::process::exit(3);
}
