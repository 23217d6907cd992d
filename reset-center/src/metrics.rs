//! The centre's Prometheus metrics (docs/operations.md), served as text at `GET /metrics` on
//! the metrics listener (`serve --metrics-listen`). Counters and histograms count what this
//! instance did since it started (Prometheus adds instances up); the gauges of reservations and
//! kiosks are read from the database at each scrape, so every instance shows the same fleet
//! (alert rules take `max by (kiosk)`).
//!
//! Label values come from closed sets (kinds, outcomes, refusal codes, route templates, kiosk
//! ids), never from customer data.

use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use reset_protocol::api::{Refusal, ResetKind};
use reset_protocol::heartbeat::ReaderState;

use crate::fleet::KioskStatus;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SessionLabels {
    kind: &'static str,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CaLabel {
    ca: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KioskLabel {
    kiosk: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KioskReasonLabels {
    kiosk: String,
    reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KioskInfoLabels {
    kiosk: String,
    version: String,
    commit: String,
    config_sha256: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VersionLabel {
    version: &'static str,
}

/// How a session ended, as the metrics count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionOutcome {
    /// The card took the reset command: the reservation is used.
    Reset,
    /// The card did not change: the reservation is usable again.
    NotChanged,
    /// The kiosk could not tell (first report); the lease decides later.
    Unknown,
    /// Closed before any command (wrong PIN, card taken away, holder gave up).
    Abandoned,
}

impl SessionOutcome {
    fn as_str(self) -> &'static str {
        match self {
            SessionOutcome::Reset => "reset",
            SessionOutcome::NotChanged => "not_changed",
            SessionOutcome::Unknown => "unknown",
            SessionOutcome::Abandoned => "abandoned",
        }
    }
}

/// Request durations, from 5 ms to ~20 s: a decision takes milliseconds, an RSA proof tens.
fn request_histogram() -> Histogram {
    Histogram::new([
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0,
    ])
}

/// The gauges read from the database at each scrape.
#[derive(Debug, Default)]
struct Scraped {
    reservations: Family<StateLabel, Gauge>,
    database_up: Gauge,
    crl_next_update: Family<CaLabel, Gauge>,
    kiosk_last_seen: Family<KioskLabel, Gauge>,
    kiosk_interval: Family<KioskLabel, Gauge>,
    kiosk_serving: Family<KioskLabel, Gauge>,
    kiosk_out_of_service: Family<KioskReasonLabels, Gauge>,
    kiosk_reader_ready: Family<KioskLabel, Gauge>,
    kiosk_card_present: Family<KioskLabel, Gauge>,
    kiosk_outbox_depth: Family<KioskLabel, Gauge>,
    kiosk_outbox_oldest: Family<KioskLabel, Gauge>,
    kiosk_info: Family<KioskInfoLabels, Gauge>,
}

/// What the database says at a scrape (or that it could not be read).
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Reservations by state (`expired` for open ones past 24 hours); `None`: no database.
    pub reservations: Option<Vec<(String, i64)>>,
    /// The card CAs' revocation lists: when each must be replaced (Unix seconds).
    pub crl_next_update: Vec<(&'static str, Option<i64>)>,
    pub fleet: Vec<KioskStatus>,
}

/// The metrics of one centre instance.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    sessions_started: Family<KindLabel, Counter>,
    sessions: Family<SessionLabels, Counter>,
    refusals: Family<ReasonLabel, Counter>,
    requests: Family<RequestLabels, Histogram>,
    internal_errors: Counter,
    heartbeats: Counter,
    scraped: Scraped,
    /// One scrape at a time: each clears and refills the gauges it reads.
    scraping: Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let build: Family<VersionLabel, Gauge> = Family::default();
        build
            .get_or_create(&VersionLabel {
                version: env!("CARGO_PKG_VERSION"),
            })
            .set(1);
        registry.register("reset_center_build_info", "The centre's version", build);
        let metrics = Metrics {
            sessions_started: Family::default(),
            sessions: Family::default(),
            refusals: Family::default(),
            requests: Family::new_with_constructor(request_histogram),
            internal_errors: Counter::default(),
            heartbeats: Counter::default(),
            scraped: Scraped::default(),
            scraping: Mutex::new(()),
            registry: Registry::default(),
        };
        let m = &metrics;
        registry.register(
            "reset_center_sessions_started",
            "Sessions opened (the holder's card admitted, a challenge issued), by kind",
            m.sessions_started.clone(),
        );
        registry.register(
            "reset_center_sessions",
            "Sessions by kind and outcome: reset, not_changed, unknown (at the kiosk's first \
             report), abandoned (closed before any reset command)",
            m.sessions.clone(),
        );
        registry.register(
            "reset_center_refusals",
            "Requests refused, by reason (the refusal code the kiosk shows guidance for)",
            m.refusals.clone(),
        );
        registry.register(
            "reset_center_http_request_duration_seconds",
            "Kiosk API requests by method, route template and status, and how long they took",
            m.requests.clone(),
        );
        registry.register(
            "reset_center_internal_errors",
            "Requests that failed inside the centre (database errors and the like)",
            m.internal_errors.clone(),
        );
        registry.register(
            "reset_center_heartbeats",
            "Kiosk heartbeats received by this instance",
            m.heartbeats.clone(),
        );
        let s = &m.scraped;
        registry.register(
            "reset_center_reservations",
            "Reservations by state (open ones older than 24 hours as expired)",
            s.reservations.clone(),
        );
        registry.register(
            "reset_center_database_up",
            "Whether this instance could read the database at the scrape",
            s.database_up.clone(),
        );
        registry.register(
            "reset_center_crl_next_update_timestamp_seconds",
            "When each card CA's revocation list must be replaced (after it, no reset)",
            s.crl_next_update.clone(),
        );
        registry.register(
            "reset_center_kiosk_last_seen_timestamp_seconds",
            "When the centre last heard the kiosk's heartbeat",
            s.kiosk_last_seen.clone(),
        );
        registry.register(
            "reset_center_kiosk_heartbeat_interval_seconds",
            "How often the kiosk says it heartbeats",
            s.kiosk_interval.clone(),
        );
        registry.register(
            "reset_center_kiosk_serving",
            "Whether the kiosk serves customers (its last heartbeat)",
            s.kiosk_serving.clone(),
        );
        registry.register(
            "reset_center_kiosk_out_of_service",
            "Why the kiosk is out of service (present only while it is)",
            s.kiosk_out_of_service.clone(),
        );
        registry.register(
            "reset_center_kiosk_reader_ready",
            "Whether the kiosk's card reader is ready",
            s.kiosk_reader_ready.clone(),
        );
        registry.register(
            "reset_center_kiosk_card_present",
            "Whether a card is on the kiosk's reader",
            s.kiosk_card_present.clone(),
        );
        registry.register(
            "reset_center_kiosk_outbox_depth",
            "Reset outcomes the kiosk has not delivered to the centre yet",
            s.kiosk_outbox_depth.clone(),
        );
        registry.register(
            "reset_center_kiosk_outbox_oldest_seconds",
            "Age of the kiosk's oldest undelivered outcome (0 when none)",
            s.kiosk_outbox_oldest.clone(),
        );
        registry.register(
            "reset_center_kiosk_info",
            "The kiosk's version, commit and configuration checksum",
            s.kiosk_info.clone(),
        );
        Metrics {
            registry,
            ..metrics
        }
    }

    pub fn session_started(&self, kind: ResetKind) {
        self.sessions_started
            .get_or_create(&KindLabel {
                kind: kind.as_str(),
            })
            .inc();
    }

    pub fn session_ended(&self, kind: ResetKind, outcome: SessionOutcome) {
        self.sessions
            .get_or_create(&SessionLabels {
                kind: kind.as_str(),
                outcome: outcome.as_str(),
            })
            .inc();
    }

    pub fn refused(&self, refusal: Refusal) {
        self.refusals
            .get_or_create(&ReasonLabel {
                reason: refusal.code(),
            })
            .inc();
    }

    pub fn internal_error(&self) {
        self.internal_errors.inc();
    }

    pub fn heartbeat(&self) {
        self.heartbeats.inc();
    }

    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_string(),
                route: route.to_string(),
                status: status.to_string(),
            })
            .observe(took.as_secs_f64());
    }

    /// The exposition (OpenMetrics text, which Prometheus reads), with the database's gauges
    /// as `snapshot` found them.
    pub fn encode(&self, snapshot: &Snapshot) -> Result<String, std::fmt::Error> {
        let _one = self
            .scraping
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let s = &self.scraped;
        s.reservations.clear();
        s.database_up
            .set(i64::from(snapshot.reservations.is_some()));
        for (state, count) in snapshot.reservations.iter().flatten() {
            s.reservations
                .get_or_create(&StateLabel {
                    state: state.clone(),
                })
                .set(*count);
        }
        s.crl_next_update.clear();
        for (ca, next_update) in &snapshot.crl_next_update {
            if let Some(next_update) = next_update {
                s.crl_next_update
                    .get_or_create(&CaLabel { ca })
                    .set(*next_update);
            }
        }
        for family in [
            &s.kiosk_last_seen,
            &s.kiosk_interval,
            &s.kiosk_serving,
            &s.kiosk_reader_ready,
            &s.kiosk_card_present,
            &s.kiosk_outbox_depth,
            &s.kiosk_outbox_oldest,
        ] {
            family.clear();
        }
        s.kiosk_out_of_service.clear();
        s.kiosk_info.clear();
        // Only when the database was read: an empty fleet would look like every kiosk gone.
        if snapshot.reservations.is_some() {
            for status in &snapshot.fleet {
                let Some((heard_at, report)) = &status.last else {
                    continue;
                };
                let kiosk = KioskLabel {
                    kiosk: status.id.clone(),
                };
                let set = |family: &Family<KioskLabel, Gauge>, value: i64| {
                    family.get_or_create(&kiosk).set(value);
                };
                set(&s.kiosk_last_seen, *heard_at);
                set(&s.kiosk_interval, i64::from(report.interval_seconds));
                set(&s.kiosk_serving, i64::from(report.out_of_service.is_none()));
                set(
                    &s.kiosk_reader_ready,
                    i64::from(report.reader == ReaderState::Ready),
                );
                set(&s.kiosk_card_present, i64::from(report.card_present));
                set(&s.kiosk_outbox_depth, i64::from(report.outbox_depth));
                set(
                    &s.kiosk_outbox_oldest,
                    report
                        .outbox_oldest_seconds
                        .map_or(0, |age| i64::try_from(age).unwrap_or(i64::MAX)),
                );
                if let Some(reason) = report.out_of_service {
                    s.kiosk_out_of_service
                        .get_or_create(&KioskReasonLabels {
                            kiosk: status.id.clone(),
                            reason: reason.as_str(),
                        })
                        .set(1);
                }
                s.kiosk_info
                    .get_or_create(&KioskInfoLabels {
                        kiosk: status.id.clone(),
                        version: report.version.clone(),
                        commit: report.commit.clone(),
                        config_sha256: report.config_sha256.clone(),
                    })
                    .set(1);
            }
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}
