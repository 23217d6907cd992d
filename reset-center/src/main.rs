//! `reset-center`: the centre stand-in's command line. It stands in for the smartphone app
//! (`reserve`) and for the centre's operators (`list`, `cancel`, `kiosk`, `maintenance`), and
//! runs the service (`serve`).
//!
//! Errors are one line on stderr and exit status 1 (2 for bad usage).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use reset_center::config::ServiceHours;
use reset_center::pki::Ca;
use reset_center::store::KioskCertificate;
use reset_center::{Centre, CentreConfig, SystemClock};
use reset_protocol::ResetKind;

/// Stand-in for J-LIS's PIN reset centre (TEST ONLY: its keys are the test PKI's).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The centre's configuration.
    #[arg(long, global = true, default_value = "config/reset-center.json")]
    config: PathBuf,
    /// The database (overrides the configuration's): an SQLite file, or a postgres:// URL.
    #[arg(long, global = true)]
    db: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Record a reservation, as the JPKI PIN reset app does after its face match.
    Reserve {
        /// The card's auth certificate (DER or PEM), e.g. from `jpki cert auth`.
        #[arg(long)]
        auth_cert: PathBuf,
        /// signing (reset the signing password) or auth (reset the auth PIN).
        #[arg(long, value_parser = parse_kind)]
        kind: ResetKind,
        /// When it was made: RFC 3339 (2026-11-27T09:00:00+09:00) or relative to now (-25h,
        /// -24h1s). Default: now.
        #[arg(long, value_parser = parse_time, allow_hyphen_values = true)]
        at: Option<DateTime<Utc>>,
    },
    /// List the reservations.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Cancel a reservation by its id (from `list`).
    Cancel { id: i64 },
    /// Serve the kiosk API over HTTPS (mutual TLS) until SIGTERM.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8700")]
        listen: String,
        /// Override the service hours, Japan time: HH:MM-HH:MM.
        #[arg(long)]
        hours: Option<String>,
        /// Also serve Prometheus metrics (`/metrics`), `/healthz` and `/readyz` in plain HTTP
        /// on this address (loopback or the operator network only).
        #[arg(long)]
        metrics_listen: Option<String>,
        /// How log lines look on stderr (filtered by RUST_LOG, default info).
        #[arg(long, value_enum, default_value = "json")]
        log_format: reset_center::logging::LogFormat,
    },
    /// The fleet: every registered kiosk, when the centre last heard it, its state, and which
    /// kiosks need a visit (never heard, silent for more than 3 heartbeats, reader lost, outbox
    /// not draining, out of service). Exit status 0 either way.
    Kiosks {
        #[arg(long)]
        json: bool,
        /// Only the kiosks that need a visit.
        #[arg(long)]
        needs_visit: bool,
    },
    /// Manage the kiosks allowed to call the centre.
    #[command(subcommand)]
    Kiosk(KioskCommand),
    /// The link's certificates.
    #[command(subcommand)]
    Tls(TlsCommand),
    /// Delete what the retention periods no longer keep (`serve` does it every hour): old
    /// sessions with their certificates, reservations past their audit period.
    Purge,
    /// Put the centre in or out of maintenance (every session is refused meanwhile).
    Maintenance {
        #[arg(value_parser = ["on", "off", "status"])]
        state: String,
    },
}

#[derive(Debug, Subcommand)]
enum TlsCommand {
    /// Make a new link PKI in DIR: the centre CA, the centre's certificate and key for the
    /// given hosts, the kiosk CA and its (empty) revocation list. Keys are written 0600 and
    /// never replaced.
    Init {
        #[arg(long)]
        out: PathBuf,
        /// A DNS name or IP address the kiosks reach the centre by (repeat for several).
        #[arg(long = "host", required = true)]
        hosts: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
enum KioskCommand {
    /// Register a kiosk: issues its certificate and key as DIR/ID.crt and DIR/ID.key (key 0600)
    /// with the kiosk CA, and prints its credential once (only a hash is kept). Adding a kiosk
    /// again replaces (and revokes) its certificate.
    Add {
        id: String,
        /// Where the kiosk's certificate and key are written.
        #[arg(long)]
        out: PathBuf,
        /// How long the certificate is valid.
        #[arg(long, default_value_t = 397)]
        days: i64,
    },
    /// Remove a kiosk: its certificate is revoked (the revocation list written again) and its
    /// next request refused.
    Remove {
        id: String,
    },
    /// Sign the kiosk revocation list again (it is valid 30 days; run it from a timer).
    Crl,
    List,
}

fn parse_kind(text: &str) -> Result<ResetKind, String> {
    ResetKind::parse(text).ok_or_else(|| format!("{text:?} is not a kind: signing or auth"))
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    if let Some(relative) = text.strip_prefix('-') {
        return parse_duration(relative).map(|ago| Utc::now() - ago);
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("{text:?} is neither RFC 3339 nor a duration like -25h"))
}

/// `25h`, `24h1s`, `90m`, `30s`.
fn parse_duration(text: &str) -> Result<chrono::Duration, String> {
    let bad = || format!("{text:?} is not a duration like 25h, 24h1s, 90m");
    let mut total = chrono::Duration::zero();
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number.parse().map_err(|_| bad())?;
        number.clear();
        total += match c {
            'd' => chrono::Duration::days(n),
            'h' => chrono::Duration::hours(n),
            'm' => chrono::Duration::minutes(n),
            's' => chrono::Duration::seconds(n),
            _ => return Err(bad()),
        };
    }
    if !number.is_empty() || text.is_empty() {
        return Err(bad());
    }
    Ok(total)
}

fn main() -> ExitCode {
    let args = Args::parse();
    // The service logs JSON lines by default; the operator's commands, plain warnings and
    // errors (their output is for a person at a terminal).
    let logging = match &args.command {
        Command::Serve { log_format, .. } => reset_center::logging::init(*log_format, "info"),
        _ => reset_center::logging::init(reset_center::logging::LogFormat::Text, "warn"),
    };
    if let Err(message) = logging {
        eprintln!("reset-center: {message}");
        return ExitCode::from(2);
    }
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("reset-center: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    // A new PKI needs no configuration, database or centre.
    if let Command::Tls(TlsCommand::Init { out, hosts }) = &args.command {
        reset_center::pki::init(out, hosts)?;
        println!("reset-center: link PKI written to {}", out.display());
        return Ok(());
    }
    let mut config = CentreConfig::load(&args.config).map_err(|e| e.to_string())?;
    // Under systemd, the secrets come as credentials (deploy/debian/reset-center/).
    if let Some(directory) = std::env::var_os("CREDENTIALS_DIRECTORY") {
        for (field, path) in config.use_credentials(std::path::Path::new(&directory)) {
            tracing::info!(field, path = %path.display(), "read from systemd's credential");
        }
    }
    if let Some(db) = args.db {
        // A relative file is relative to where the command runs, as a path argument is.
        config.database = reset_center::store::Database::parse(
            &db,
            std::path::Path::new(""),
            &config.database_options,
        )
        .map_err(|e| format!("--db: {e}"))?;
    }
    if let Command::Serve {
        hours: Some(hours), ..
    } = &args.command
    {
        config.service_hours = ServiceHours::parse_range(hours, config.service_hours.offset)
            .map_err(|e| format!("--hours: {e}"))?;
    }
    // A server whose certificates are wrong must say so before it touches the database.
    let server_tls = match &args.command {
        Command::Serve { .. } => Some(Arc::new(reset_center::tls::ServerTls::load(&config.tls)?)),
        _ => None,
    };
    let centre = Centre::open(&config, Arc::new(SystemClock)).map_err(|e| e.to_string())?;
    match args.command {
        Command::Reserve {
            auth_cert,
            kind,
            at,
        } => reserve(&centre, &auth_cert, kind, at),
        Command::List { json } => list(&centre, json),
        Command::Cancel { id } => match centre.cancel(id).map_err(|e| e.to_string())? {
            true => {
                println!("cancelled reservation {id}");
                Ok(())
            }
            false => Err(format!("no open reservation {id}")),
        },
        Command::Serve {
            listen,
            metrics_listen,
            ..
        } => serve(
            centre,
            &config,
            server_tls.expect("loaded above for serve"),
            &listen,
            metrics_listen.as_deref(),
        ),
        Command::Kiosks { json, needs_visit } => kiosks(&centre, json, needs_visit),
        Command::Kiosk(command) => kiosk(&centre, &config, command),
        Command::Tls(TlsCommand::Init { .. }) => unreachable!("handled before the centre opens"),
        Command::Maintenance { state } => maintenance(&centre, &state),
        Command::Purge => {
            let purged = centre.purge().map_err(|e| e.to_string())?;
            println!(
                "deleted {} sessions, {} card challenges, {} reservations",
                purged.sessions, purged.card_challenges, purged.reservations
            );
            Ok(())
        }
    }
}

fn reserve(
    centre: &Centre,
    path: &std::path::Path,
    kind: ResetKind,
    at: Option<DateTime<Utc>>,
) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let der = der_or_pem(&bytes)
        .ok_or_else(|| format!("{}: not a certificate (DER or PEM)", path.display()))?;
    let reservation = centre
        .reserve(&der, kind, at)
        .map_err(|_| format!("{}: not a certificate this centre can read", path.display()))?;
    println!(
        "reservation {} ({kind}) made {} valid until {}",
        reservation.id,
        format_time(reservation.made_at),
        centre.valid_until(&reservation).to_rfc3339()
    );
    Ok(())
}

fn der_or_pem(bytes: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(bytes).ok();
    match text.and_then(|t| {
        t.find("-----BEGIN CERTIFICATE-----")
            .map(|start| &t[start..])
    }) {
        Some(pem) => {
            let body: String = pem
                .lines()
                .skip(1)
                .take_while(|line| !line.starts_with("-----END"))
                .collect();
            reset_protocol::api::from_base64(&body)
        }
        None => (bytes.first() == Some(&0x30)).then(|| bytes.to_vec()),
    }
}

fn format_time(unix: i64) -> String {
    DateTime::from_timestamp(unix, 0)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default()
}

fn list(centre: &Centre, json: bool) -> Result<(), String> {
    let reservations = centre.reservations().map_err(|e| e.to_string())?;
    if json {
        let rows: Vec<serde_json::Value> = reservations
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id,
                    "kind": r.kind,
                    "state": r.state,
                    "issuer": r.issuer,
                    "serial": r.serial,
                    "made_at": format_time(r.made_at),
                    "valid_until": centre.valid_until(r).to_rfc3339(),
                    "used_at": r.used_at.map(format_time),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    if reservations.is_empty() {
        println!("no reservations");
    }
    for r in &reservations {
        println!(
            "{:>4}  {:<7}  {:<9}  serial {}  made {}  valid until {}",
            r.id,
            r.kind.as_str(),
            format!("{:?}", r.state).to_lowercase(),
            r.serial,
            format_time(r.made_at),
            centre.valid_until(r).to_rfc3339()
        );
    }
    Ok(())
}

fn serve(
    centre: Centre,
    config: &CentreConfig,
    tls: Arc<reset_center::tls::ServerTls>,
    listen: &str,
    metrics_listen: Option<&str>,
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    // The last reference to the centre is dropped here, after the runtime: its PostgreSQL
    // connections close with a blocking call, which must not run on the runtime's threads.
    let centre = Arc::new(centre);
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        let metrics = match metrics_listen {
            Some(metrics_listen) => {
                let listener = tokio::net::TcpListener::bind(metrics_listen)
                    .await
                    .map_err(|e| format!("--metrics-listen {metrics_listen}: {e}"))?;
                let address = listener.local_addr().map_err(|e| e.to_string())?;
                tracing::info!(url = %format!("http://{address}/metrics"), "metrics");
                Some(listener)
            }
            None => None,
        };
        // Scripts and tests wait for this event and read the address from its `url`.
        tracing::info!(
            url = %format!("https://{address}"),
            version = env!("CARGO_PKG_VERSION"),
            database = %config.database,
            "listening"
        );
        reset_center::server::serve(
            centre.clone(),
            listener,
            metrics,
            tls,
            config.tls.crl_reload,
            config.limits,
        )
        .await
        .map_err(|e| format!("server: {e}"))
    });
    drop(runtime);
    drop(centre);
    served
}

/// The kiosk CA with its key, which `kiosk add`, `remove` and `crl` need.
fn kiosk_ca(config: &CentreConfig) -> Result<Ca, String> {
    let key = config
        .tls
        .kiosk_ca_key
        .as_ref()
        .ok_or("the configuration has no tls.kiosk_ca_key: kiosks are issued where it is")?;
    Ca::load(&config.tls.kiosk_ca_certificate, key)
}

/// Writes the kiosk revocation list from the revoked certificates in the database.
fn write_revocation_list(centre: &Centre, ca: &Ca, config: &CentreConfig) -> Result<(), String> {
    let revoked = centre
        .revoked_kiosk_certificates()
        .map_err(|e| e.to_string())?;
    // A CRL number that grows with every list: seconds since the epoch.
    let number = u64::try_from(Utc::now().timestamp()).unwrap_or(1);
    let list = ca.revocation_list(&revoked, number)?;
    reset_center::pki::write_public(&config.tls.kiosk_crl, &list)
}

fn kiosk(centre: &Centre, config: &CentreConfig, command: KioskCommand) -> Result<(), String> {
    match command {
        KioskCommand::Add { id, out, days } => {
            reset_center::pki::check_kiosk_id(&id)?;
            if days <= 0 {
                return Err("--days must be more than 0".to_string());
            }
            let ca = kiosk_ca(config)?;
            let issued = ca.issue_kiosk_for_days(&id, days)?;
            std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
            let (certificate, key) = (out.join(format!("{id}.crt")), out.join(format!("{id}.key")));
            // Neither file is replaced: an old key lying there is the operator's to remove.
            reset_center::pki::write_private(&key, issued.key_pem.as_bytes())?;
            reset_center::pki::write_public(&certificate, issued.certificate_pem.as_bytes())?;
            let credential = centre
                .add_kiosk(
                    &id,
                    &KioskCertificate {
                        sha256: issued.sha256,
                        serial: issued.serial.clone(),
                    },
                )
                .map_err(|e| e.to_string())?;
            // A kiosk added again: its earlier certificate is now on the list.
            write_revocation_list(centre, &ca, config)?;
            println!("{}", credential.as_str());
            eprintln!(
                "reset-center: kiosk {id} added, certificate {} (serial {}), key {}; the line \
                 above is its credential, shown once",
                certificate.display(),
                issued.serial,
                key.display()
            );
            Ok(())
        }
        KioskCommand::Remove { id } => {
            let ca = kiosk_ca(config)?;
            if !centre.remove_kiosk(&id).map_err(|e| e.to_string())? {
                return Err(format!("no kiosk {id}"));
            }
            write_revocation_list(centre, &ca, config)?;
            eprintln!(
                "reset-center: kiosk {id} removed; its certificate is on {}",
                config.tls.kiosk_crl.display()
            );
            Ok(())
        }
        KioskCommand::Crl => {
            let ca = kiosk_ca(config)?;
            write_revocation_list(centre, &ca, config)?;
            eprintln!(
                "reset-center: {} signed again",
                config.tls.kiosk_crl.display()
            );
            Ok(())
        }
        KioskCommand::List => {
            for (id, added) in centre.kiosks().map_err(|e| e.to_string())? {
                println!("{id}\tadded {}", format_time(added));
            }
            Ok(())
        }
    }
}

fn kiosks(centre: &Centre, json: bool, needs_visit: bool) -> Result<(), String> {
    let now = Utc::now().timestamp();
    let fleet: Vec<_> = centre
        .fleet()
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|kiosk| !needs_visit || !kiosk.needs_visit(now).is_empty())
        .collect();
    if json {
        let rows: Vec<serde_json::Value> = fleet
            .iter()
            .map(|kiosk| {
                let visits: Vec<&str> = kiosk
                    .needs_visit(now)
                    .iter()
                    .map(|visit| visit.as_str())
                    .collect();
                let (last_seen, report) = match &kiosk.last {
                    Some((heard_at, report)) => (
                        Some(format_time(*heard_at)),
                        serde_json::to_value(report).ok(),
                    ),
                    None => (None, None),
                };
                serde_json::json!({
                    "kiosk": kiosk.id,
                    "added_at": format_time(kiosk.added_at),
                    "last_seen": last_seen,
                    "seconds_since_seen": kiosk.last.as_ref().map(|(heard_at, _)| now - heard_at),
                    "state": kiosk.state(now),
                    "needs_visit": visits,
                    "report": report,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    if fleet.is_empty() {
        println!("no kiosks");
    }
    for kiosk in &fleet {
        let seen = match &kiosk.last {
            Some((heard_at, _)) => format!("seen {}s ago", now - heard_at),
            None => "never seen".to_string(),
        };
        let visits: Vec<&str> = kiosk
            .needs_visit(now)
            .iter()
            .map(|visit| visit.as_str())
            .collect();
        let detail = match &kiosk.last {
            Some((_, report)) => format!(
                "reader {}  outbox {}  version {} ({})",
                report.reader.as_str(),
                report.outbox_depth,
                report.version,
                report.commit
            ),
            None => String::new(),
        };
        println!(
            "{:<16}  {:<18}  {:<14}  {}  {}",
            kiosk.id,
            kiosk.state(now),
            seen,
            if visits.is_empty() {
                "ok".to_string()
            } else {
                format!("VISIT: {}", visits.join(", "))
            },
            detail
        );
    }
    Ok(())
}

fn maintenance(centre: &Centre, state: &str) -> Result<(), String> {
    match state {
        "on" => centre.set_maintenance(true),
        "off" => centre.set_maintenance(false),
        _ => Ok(()),
    }
    .map_err(|e| e.to_string())?;
    let on = centre.maintenance().map_err(|e| e.to_string())?;
    println!("maintenance {}", if on { "on" } else { "off" });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_times_parse() {
        assert_eq!(
            parse_duration("24h1s"),
            Ok(chrono::Duration::seconds(86_401))
        );
        assert_eq!(parse_duration("90m"), Ok(chrono::Duration::minutes(90)));
        assert!(parse_duration("24").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_time("2026-11-27T09:00:00+09:00").is_ok());
        assert!(parse_time("yesterday").is_err());
    }
}
