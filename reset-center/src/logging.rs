//! The centre's log (docs/operations.md): `tracing` events, filtered like `RUST_LOG`
//! (default `info`), on stderr, where systemd's journal or a container runtime collects them.
//! `serve` writes one JSON object per line (for a log pipeline: every event of a request
//! carries the request's span, with its id, route and kiosk); the operator's commands write
//! plain text. `log` records of dependencies (refinery, r2d2, rustls) come through as events.
//!
//! What is never logged: PINs, certificates or anything read from them, kiosk credentials, the
//! database password. Events carry codes, ids and counts.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::util::SubscriberInitExt as _;

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable lines.
    Text,
}

/// Sets up the log for the process, at `default_level` unless `RUST_LOG` says otherwise. A
/// `RUST_LOG` that does not parse is an error naming it (a typo must not silence the log).
pub fn init(format: LogFormat, default_level: &str) -> Result<(), String> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => EnvFilter::builder()
            .parse(&directives)
            .map_err(|e| format!("RUST_LOG={directives:?}: {e}"))?,
        _ => EnvFilter::new(default_level),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let installed = match format {
        LogFormat::Json => builder
            .json()
            // Fields at the top level, next to `message`: `{"message":"refused","reason":…}`.
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .finish()
            .try_init(),
        LogFormat::Text => builder.with_ansi(false).finish().try_init(),
    };
    installed.map_err(|e| format!("cannot set up the log: {e}"))
}
