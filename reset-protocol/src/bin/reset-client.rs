//! `reset-client`: a kiosk without a screen, for integrators. Drives one signing-password reset
//! against a card reader (PC/SC) and a centre over HTTPS (mutual TLS), with the same steps the
//! kiosk runs.
//!
//! PINs are read from the terminal without echo, or one per line from standard input when it is
//! not a terminal (scripts, tests): the auth PIN, then the new signing password twice.
//!
//! Exit status: 0 reset done, 1 error, 3 not a My Number Card, 4 refused (by the centre or the
//! card: wrong PIN, locked PIN), 5 the outcome could not be delivered to the centre.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use card_driver::jpki::{Jpki, JpkiError};
use card_driver::pcsc::{PcscConnection, Sharing, list_readers};
use card_driver::pin::{AuthPin, PinKind, SigningPin};
use clap::Parser;
use reset_protocol::client::ClientTls;
use reset_protocol::kiosk_side::{self, StepError};
use reset_protocol::{CentreError, HttpCentre, ReservationState, ResetCentre, ResetKind};
use zeroize::Zeroizing;

/// Reset a signing password through the centre stand-in, from the command line.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The centre, e.g. https://127.0.0.1:8700
    #[arg(long)]
    centre: String,
    /// The centre's CA (PEM): the only one its certificate may chain to.
    #[arg(long)]
    centre_ca: PathBuf,
    /// This kiosk's certificate (PEM, from `reset-center kiosk add --out`).
    #[arg(long)]
    certificate: PathBuf,
    /// This kiosk's private key (PEM).
    #[arg(long)]
    key: PathBuf,
    /// This kiosk's id at the centre.
    #[arg(long)]
    kiosk_id: String,
    /// A file holding this kiosk's credential (from `reset-center kiosk add`).
    #[arg(long)]
    credential_file: PathBuf,
    /// The reader; by default the first one with a card.
    #[arg(long)]
    reader: Option<String>,
    /// Seconds to wait for the centre on each request.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err((status, message)) => {
            eprintln!("reset-client: {message}");
            ExitCode::from(status)
        }
    }
}

type Failure = (u8, String);

fn run(args: &Args) -> Result<String, Failure> {
    let credential = Zeroizing::new(
        std::fs::read_to_string(&args.credential_file)
            .map_err(|e| (1, format!("{}: {e}", args.credential_file.display())))?,
    );
    let tls =
        ClientTls::from_files(&args.centre_ca, &args.certificate, &args.key).map_err(|e| (1, e))?;
    let centre = HttpCentre::new(
        &args.centre,
        &args.kiosk_id,
        credential.trim(),
        Duration::from_secs(args.timeout),
        &tls,
    )
    .map_err(|e| (1, format!("--centre: {e}")))?;
    let reader = match &args.reader {
        Some(reader) => reader.clone(),
        None => first_reader_with_card()?,
    };
    let connection = PcscConnection::open(&reader, Sharing::Exclusive)
        .map_err(|e| (1, format!("{reader}: {e}")))?;
    let mut card = Jpki::new(connection);
    let auth_certificate = kiosk_side::read_identity(&mut card).map_err(step_failure)?;
    // The reservation is looked up before any PIN is asked for.
    centre
        .check_reservation(ResetKind::Signing, &auth_certificate)
        .map_err(|e| step_failure(e.into()))?;
    let tries = card
        .tries_left(PinKind::Auth)
        .map_err(|e| step_failure(e.into()))?;
    let mut input = PinInput::new();
    let auth_pin = input.read(&format!("auth PIN (4 digits, {tries} tries left): "))?;
    let auth_pin = AuthPin::new(&auth_pin).map_err(|e| (1, e.to_string()))?;
    let new_pin = input.read("new signing password: ")?;
    let again = input.read("new signing password again: ")?;
    let new_pin = SigningPin::new(&new_pin).map_err(|e| (1, e.to_string()))?;
    // Compared as the card will see them (lower case is taken as upper case).
    let again =
        SigningPin::new(&again).map_err(|_| (1, "the two new passwords differ".to_string()))?;
    if new_pin.expose() != again.expose() {
        return Err((1, "the two new passwords differ".to_string()));
    }
    card.verify_auth_pin(&auth_pin)
        .map_err(|e| step_failure(e.into()))?;
    let session =
        kiosk_side::prove_holder(&mut card, &centre, ResetKind::Signing, &auth_certificate)
            .map_err(step_failure)?;
    match kiosk_side::reset(
        &mut card,
        &centre,
        &session,
        ResetKind::Signing,
        &new_pin.into(),
    ) {
        Ok(ReservationState::Used) => {
            Ok("the signing password is reset; the reservation is used".to_string())
        }
        Ok(other) => Err((
            5,
            format!("the card's answer left the reservation {other:?}"),
        )),
        Err(error) => Err(step_failure(error)),
    }
}

fn first_reader_with_card() -> Result<String, Failure> {
    let readers = list_readers().map_err(|e| (1, e.to_string()))?;
    readers
        .into_iter()
        .find(|reader| PcscConnection::open(reader, Sharing::Shared).is_ok())
        .ok_or_else(|| (1, "no card in any reader".to_string()))
}

fn step_failure(error: StepError) -> Failure {
    match error {
        StepError::Card(JpkiError::NotMyNumberCard) => (3, "not a My Number Card".to_string()),
        StepError::Card(error @ (JpkiError::WrongPin { .. } | JpkiError::PinBlocked(_))) => {
            (4, error.to_string())
        }
        StepError::Centre(CentreError::Refused(refusal)) => {
            (4, format!("refused: {} ({refusal})", refusal.code()))
        }
        error @ StepError::CompletionPending { .. } => (5, error.to_string()),
        other => (1, other.to_string()),
    }
}

/// PINs from the terminal without echo, or from standard input lines.
struct PinInput {
    terminal: bool,
}

impl PinInput {
    fn new() -> PinInput {
        PinInput {
            terminal: std::io::stdin().is_terminal(),
        }
    }

    fn read(&mut self, prompt: &str) -> Result<Zeroizing<String>, Failure> {
        if self.terminal {
            return rpassword::prompt_password(prompt)
                .map(Zeroizing::new)
                .map_err(|e| (1, format!("cannot read from the terminal: {e}")));
        }
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
        let mut line = Zeroizing::new(String::new());
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| (1, format!("cannot read standard input: {e}")))?;
        eprintln!();
        Ok(Zeroizing::new(
            line.trim_end_matches(['\r', '\n']).to_string(),
        ))
    }
}
