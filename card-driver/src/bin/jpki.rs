//! `jpki`: look at a My Number Card through PC/SC without using a PIN try.
//!
//! - `jpki readers [--json]`
//! - `jpki status [--reader NAME] [--json]`
//! - `jpki cert auth|auth-ca|signing-ca [--reader NAME] [--pem]`
//!
//! Exit status: 0 done, 1 error (one line on stderr), 2 bad usage, 3 the card is not a My Number
//! Card.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use card_driver::certificate::{CertificateSummary, to_pem};
use card_driver::jpki::{Certificate, Jpki, JpkiError, Token};
use card_driver::pcsc::{PcscTransport, Sharing, list_readers};
use card_driver::pin::PinKind;
use card_driver::transport::TransportError;
use clap::{Parser, Subcommand, ValueEnum};

/// Diagnostics for integrators and store staff: readers, card status and public certificates.
/// Uses no PIN and never changes a counter.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(subcommand)]
    command: Command,
    /// Seconds to wait for pcscd and the card on each operation.
    #[arg(long, global = true, default_value_t = 5.0)]
    timeout: f64,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the readers pcscd knows, with the card in each.
    Readers {
        #[arg(long)]
        json: bool,
    },
    /// Token, tries left for both PINs (no try used), auth certificate subject and validity.
    Status {
        /// The reader to use; by default the first one with a card.
        #[arg(long)]
        reader: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write a certificate that needs no PIN to standard output (DER, or PEM with --pem).
    Cert {
        which: CertificateChoice,
        #[arg(long)]
        reader: Option<String>,
        #[arg(long)]
        pem: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CertificateChoice {
    /// The auth certificate (利用者証明用電子証明書).
    Auth,
    /// The auth CA certificate.
    AuthCa,
    /// The signing CA certificate. (The signing certificate itself holds personal data and
    /// needs the signing password: not offered.)
    SigningCa,
}

/// A failure: one line, and the exit status it deserves.
struct Failure {
    message: String,
    status: u8,
}

impl Failure {
    fn error(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            status: 1,
        }
    }
}

const NOT_MY_NUMBER_CARD: u8 = 3;

fn main() -> ExitCode {
    let args = Args::parse();
    let deadline = match Duration::try_from_secs_f64(args.timeout) {
        Ok(deadline) if !deadline.is_zero() => deadline,
        _ => {
            eprintln!("jpki: --timeout must be a positive number of seconds");
            return ExitCode::from(2);
        }
    };
    let result = match args.command {
        Command::Readers { json } => readers(deadline, json),
        Command::Status { reader, json } => status(reader.as_deref(), deadline, json),
        Command::Cert { which, reader, pem } => cert(which, reader.as_deref(), deadline, pem),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("jpki: {}", failure.message);
            ExitCode::from(failure.status)
        }
    }
}

/// One reader and what is in it.
#[derive(serde::Serialize)]
struct ReaderInfo {
    reader: String,
    card_present: bool,
    atr: Option<String>,
}

fn readers(deadline: Duration, json: bool) -> Result<(), Failure> {
    let names = list_readers().map_err(|e| Failure::error(describe_transport(&e)))?;
    let infos: Vec<ReaderInfo> = names
        .into_iter()
        .map(
            |reader| match PcscTransport::connect(&reader, Sharing::Shared, deadline) {
                Ok(card) => ReaderInfo {
                    atr: Some(hex_spaced(card.atr())),
                    reader,
                    card_present: true,
                },
                Err(_) => ReaderInfo {
                    reader,
                    card_present: false,
                    atr: None,
                },
            },
        )
        .collect();
    if json {
        print_json(&infos)
    } else if infos.is_empty() {
        println!("no readers");
        Ok(())
    } else {
        for info in &infos {
            match &info.atr {
                Some(atr) => println!("{}\tcard present\tATR {atr}", info.reader),
                None => println!("{}\tno card", info.reader),
            }
        }
        Ok(())
    }
}

/// What `jpki status` reports.
#[derive(serde::Serialize)]
struct Status {
    reader: String,
    atr: String,
    my_number_card: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<Token>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_pin: Option<PinStatus>,
    /// `null` when the card has no signing certificate (a holder under 15).
    #[serde(skip_serializing_if = "Option::is_none")]
    signing_pin: Option<Option<PinStatus>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_certificate: Option<CertificateStatus>,
}

#[derive(serde::Serialize)]
struct PinStatus {
    tries_left: u8,
    max_tries: u8,
    blocked: bool,
}

#[derive(serde::Serialize)]
struct CertificateStatus {
    #[serde(flatten)]
    summary: CertificateSummary,
    valid_now: bool,
}

fn status(reader: Option<&str>, deadline: Duration, json: bool) -> Result<(), Failure> {
    let (reader, transport) = connect(reader, deadline)?;
    let atr = hex_spaced(transport.atr());
    let mut card = Jpki::new(transport);
    let mut status = Status {
        reader,
        atr,
        my_number_card: false,
        token: None,
        auth_pin: None,
        signing_pin: None,
        auth_certificate: None,
    };
    match card.select_application() {
        Ok(()) => status.my_number_card = true,
        Err(JpkiError::NotMyNumberCard) => {
            if json {
                print_json(&status)?;
            }
            return Err(Failure {
                message: format!(
                    "{}: not a My Number Card (no JPKI applet; ATR {})",
                    status.reader, status.atr
                ),
                status: NOT_MY_NUMBER_CARD,
            });
        }
        Err(error) => return Err(card_failure(&status.reader, &error)),
    }
    let failure = |error: JpkiError| card_failure(&status.reader, &error);
    status.token = Some(card.read_token().map_err(failure)?);
    status.auth_pin = Some(pin_status(&mut card, PinKind::Auth).map_err(failure)?);
    status.signing_pin = Some(match pin_status(&mut card, PinKind::Signing) {
        Ok(pin) => Some(pin),
        Err(JpkiError::FileNotFound(_)) => None,
        Err(error) => return Err(failure(error)),
    });
    let der = card.read_certificate(Certificate::Auth).map_err(failure)?;
    let summary = CertificateSummary::from_der(&der)
        .map_err(|e| Failure::error(format!("{}: auth certificate: {e}", status.reader)))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    status.auth_certificate = Some(CertificateStatus {
        valid_now: summary.is_valid_at(now),
        summary,
    });
    if json {
        print_json(&status)
    } else {
        print_status(&status);
        Ok(())
    }
}

fn pin_status<T: card_driver::Transport>(
    card: &mut Jpki<T>,
    kind: PinKind,
) -> Result<PinStatus, JpkiError> {
    let tries_left = card.tries_left(kind)?;
    Ok(PinStatus {
        tries_left,
        max_tries: kind.max_tries(),
        blocked: tries_left == 0,
    })
}

fn print_status(status: &Status) {
    let pin = |pin: &PinStatus| {
        if pin.blocked {
            format!("BLOCKED (0 of {} tries left)", pin.max_tries)
        } else {
            format!("{} of {} tries left", pin.tries_left, pin.max_tries)
        }
    };
    println!("reader:            {}", status.reader);
    println!("ATR:               {}", status.atr);
    println!("card:              My Number Card (JPKI-AP selected)");
    if let Some(token) = &status.token {
        println!("token:             {token}");
    }
    if let Some(auth) = &status.auth_pin {
        println!("auth PIN:          {}", pin(auth));
    }
    match &status.signing_pin {
        Some(Some(signing)) => println!("signing password:  {}", pin(signing)),
        Some(None) => println!("signing password:  none (no signing certificate on this card)"),
        None => {}
    }
    if let Some(cert) = &status.auth_certificate {
        let summary = &cert.summary;
        println!("auth certificate:  {}", summary.subject);
        println!("  issuer:          {}", summary.issuer);
        println!("  serial:          {}", summary.serial);
        println!(
            "  valid:           {} to {} ({})",
            summary.not_before,
            summary.not_after,
            if cert.valid_now {
                "valid now"
            } else {
                "NOT valid now"
            }
        );
    }
}

fn cert(
    which: CertificateChoice,
    reader: Option<&str>,
    deadline: Duration,
    pem: bool,
) -> Result<(), Failure> {
    let (reader, transport) = connect(reader, deadline)?;
    let mut card = Jpki::new(transport);
    let certificate = match which {
        CertificateChoice::Auth => Certificate::Auth,
        CertificateChoice::AuthCa => Certificate::AuthCa,
        CertificateChoice::SigningCa => Certificate::SigningCa,
    };
    let der = card.read_certificate(certificate).map_err(|e| match e {
        JpkiError::NotMyNumberCard => Failure {
            message: format!("{reader}: not a My Number Card (no JPKI applet)"),
            status: NOT_MY_NUMBER_CARD,
        },
        other => card_failure(&reader, &other),
    })?;
    let mut out = std::io::stdout().lock();
    let written = if pem {
        out.write_all(to_pem("CERTIFICATE", &der).as_bytes())
    } else {
        out.write_all(&der)
    };
    written
        .and_then(|()| out.flush())
        .map_err(|e| Failure::error(format!("cannot write the certificate: {e}")))
}

/// Connects to the named reader, or to the first reader holding a card.
fn connect(reader: Option<&str>, deadline: Duration) -> Result<(String, PcscTransport), Failure> {
    let names = list_readers().map_err(|e| Failure::error(describe_transport(&e)))?;
    if names.is_empty() {
        return Err(Failure::error(
            "no card reader found (is the reader plugged in and pcscd running?)",
        ));
    }
    if let Some(wanted) = reader {
        if !names.iter().any(|name| name == wanted) {
            return Err(Failure::error(format!(
                "no reader named {wanted:?}; readers: {}",
                names.join(", ")
            )));
        }
        return PcscTransport::connect(wanted, Sharing::Shared, deadline)
            .map(|transport| (wanted.to_string(), transport))
            .map_err(|e| Failure::error(format!("{wanted}: {}", describe_transport(&e))));
    }
    for name in &names {
        if let Ok(transport) = PcscTransport::connect(name, Sharing::Shared, deadline) {
            return Ok((name.clone(), transport));
        }
    }
    Err(Failure::error(format!(
        "no card in any reader ({})",
        names.join(", ")
    )))
}

fn card_failure(reader: &str, error: &JpkiError) -> Failure {
    match error {
        JpkiError::Transport(transport) => {
            Failure::error(format!("{reader}: {}", describe_transport(transport)))
        }
        other => Failure::error(format!("{reader}: {other}")),
    }
}

fn describe_transport(error: &TransportError) -> String {
    match error {
        TransportError::ServiceUnavailable => {
            "the PC/SC service is not running (start pcscd)".to_string()
        }
        other => other.to_string(),
    }
}

fn print_json(value: &impl serde::Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::error(format!("cannot encode JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

fn hex_spaced(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}
