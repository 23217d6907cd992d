//! Operating the centre (docs/operations.md), as an operator meets it: a real `reset-center
//! serve` with its metrics listener, real kiosks' clients over mutual TLS doing real resets
//! on virtual cards, then `/metrics` (checked by Prometheus' own `promtool`), `/healthz`,
//! `/readyz`, `reset-center kiosks`, and the JSON log lines.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::postgres_server::PostgresServer;
use common::server::{Kiosk, Server, Site, exchange, request};
use common::*;
use reset_protocol::heartbeat::{ErrorClass, Heartbeat, OutOfService, ReaderState};
use reset_protocol::kiosk_side::{self, StepError};
use reset_protocol::{CentreError, Refusal, ReservationState, ResetCentre, ResetKind};

/// A plain HTTP GET on the metrics listener: status and body.
fn get(base: &str, path: &str) -> (u16, String) {
    try_get(base, path).unwrap_or_else(|| panic!("no HTTP answer from {base}{path}"))
}

fn try_get(base: &str, path: &str) -> Option<(u16, String)> {
    let address = base.trim_start_matches("http://");
    let mut tcp = TcpStream::connect(address).ok()?;
    tcp.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        tcp,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok())?;
    // axum answers with a length, or in chunks when it streams: de-chunk if so.
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    Some((status, body))
}

fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n").expect("a chunk size");
        let size = usize::from_str_radix(size.trim(), 16).expect("a hex size");
        if size == 0 {
            return body;
        }
        body.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
}

/// The value of the sample `series` (name and labels exactly as exposed), if present.
fn sample(exposition: &str, series: &str) -> Option<f64> {
    exposition.lines().find_map(|line| {
        line.strip_prefix(series)
            .and_then(|rest| rest.strip_prefix(' '))
            .and_then(|value| value.split(' ').next())
            .and_then(|value| value.parse().ok())
    })
}

fn report(interval_seconds: u32) -> Heartbeat {
    Heartbeat {
        version: "0.1.0".to_string(),
        commit: "0123456789ab".to_string(),
        config_sha256: "ab".repeat(32),
        interval_seconds,
        reader: ReaderState::Ready,
        card_present: false,
        out_of_service: None,
        outbox_depth: 0,
        outbox_oldest_seconds: None,
        last_error: None,
    }
}

fn reader_lost() -> Heartbeat {
    Heartbeat {
        reader: ReaderState::Lost,
        out_of_service: Some(OutOfService::ReaderLost),
        outbox_depth: 2,
        outbox_oldest_seconds: Some(3600),
        last_error: Some(ErrorClass::ReaderFault),
        ..report(30)
    }
}

fn signing_reset(centre: &dyn ResetCentre, card: &str, new_password: &str) {
    let reader = common::card(card);
    let result = kiosk_side::signing_reset(
        &mut connect(&reader),
        centre,
        &auth_pin("1234"),
        signing_pin(new_password),
    );
    assert_eq!(result, Ok(ReservationState::Used), "{card}");
    assert!(signing_pin_is(&reader, new_password));
}

/// A real Prometheus server (Debian's `prometheus`, scripts/install-deps) scraping `target`
/// every second, in a scratch directory; killed when dropped, also when a test fails.
struct Prometheus {
    child: std::process::Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    fn scraping(target: &str) -> Prometheus {
        let dir = tempfile::tempdir().expect("temporary directory");
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\n\
                 scrape_configs:\n  - job_name: reset-center\n    static_configs:\n      \
                 - targets: ['{target}']\n"
            ),
        )
        .expect("config written");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let address = format!("127.0.0.1:{port}");
        let log = std::fs::File::create(dir.path().join("prometheus.log")).expect("log file");
        let child = std::process::Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={address}"))
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .expect("prometheus (Debian's prometheus package, scripts/install-deps) runs");
        Prometheus {
            child,
            address,
            _dir: dir,
        }
    }

    /// The value of the instant query `query` once Prometheus has it equal to `expected`
    /// (it scrapes every second), or what it had after 30 s.
    fn wait_for(&self, query: &str, expected: f64) -> Option<f64> {
        let mut last = None;
        for _ in 0..150 {
            last = self.query(query);
            if last == Some(expected) {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        last
    }

    fn query(&self, query: &str) -> Option<f64> {
        let encoded: String = query
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        let address = format!("http://{}", self.address);
        let (status, body) = try_get(&address, &format!("/api/v1/query?query={encoded}"))?;
        if status != 200 {
            return None;
        }
        let answer: serde_json::Value = serde_json::from_str(&body).ok()?;
        answer["data"]["result"][0]["value"][1]
            .as_str()
            .and_then(|v| v.parse().ok())
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serving(site: Site) -> Server {
    let server = site.serve_with(&["--metrics-listen", "127.0.0.1:0"]);
    assert!(server.metrics_url().is_some(), "{}", server.stderr());
    server
}

#[test]
fn the_metrics_say_what_happened() {
    let site = Site::default();
    let store_a = site.add_kiosk("STORE-A");
    let store_b = site.add_kiosk("STORE-B");
    site.reserve("normal", "signing", None);
    site.reserve("signing-blocked", "signing", None);
    site.reserve("auth-blocked", "auth", None);
    // One more, made 25 hours ago: expired.
    site.reserve("old-reservation", "signing", Some("-25h"));
    let server = serving(site);
    let base = server.metrics_url().expect("a metrics listener");
    let (a, b) = (server.http(&store_a), server.http(&store_b));

    // Three resets (two signing, one auth) and one refusal.
    signing_reset(&a, "normal", "NEWPASS1");
    signing_reset(&b, "signing-blocked", "NEWPASS2");
    let reader = common::card("auth-blocked");
    assert_eq!(
        kiosk_side::auth_reset(
            &mut connect(&reader),
            &a,
            &signing_pin("ABC123"),
            auth_pin("5678")
        ),
        Ok(ReservationState::Used)
    );
    assert_eq!(
        a.check_reservation(ResetKind::Signing, &auth_certificate("normal")),
        Err(CentreError::Refused(Refusal::ReservationUsed))
    );
    // The kiosks' heartbeats: one serving, one that lost its reader.
    let heard = a.heartbeat(&report(30)).expect("heard");
    assert!(!heard.maintenance);
    assert!(chrono::DateTime::parse_from_rfc3339(&heard.heard_at).is_ok());
    b.heartbeat(&reader_lost()).expect("heard");

    let (status, text) = get(&base, "/metrics");
    assert_eq!(status, 200, "{text}");
    let value =
        |series: &str| sample(&text, series).unwrap_or_else(|| panic!("no {series} in:\n{text}"));
    assert_eq!(
        value(r#"reset_center_sessions_total{kind="signing",outcome="reset"}"#),
        2.0
    );
    assert_eq!(
        value(r#"reset_center_sessions_total{kind="auth",outcome="reset"}"#),
        1.0
    );
    assert_eq!(
        value(r#"reset_center_sessions_started_total{kind="signing"}"#),
        2.0
    );
    assert_eq!(
        value(r#"reset_center_refusals_total{reason="reservation_used"}"#),
        1.0
    );
    assert_eq!(
        text.matches("reset_center_refusals_total{").count(),
        1,
        "one refusal, one reason: {text}"
    );
    assert_eq!(value(r#"reset_center_reservations{state="used"}"#), 3.0);
    assert_eq!(value(r#"reset_center_reservations{state="expired"}"#), 1.0);
    assert_eq!(value("reset_center_database_up"), 1.0);
    assert_eq!(value("reset_center_internal_errors_total"), 0.0);
    assert_eq!(value("reset_center_heartbeats_total"), 2.0);
    // Each reset asked for one command; the refusal was a 403 on the look-up.
    assert_eq!(
        value(
            r#"reset_center_http_request_duration_seconds_count{method="POST",route="/v1/sessions/{id}/reset-command",status="200"}"#
        ),
        3.0
    );
    assert_eq!(
        value(
            r#"reset_center_http_request_duration_seconds_count{method="POST",route="/v1/reservations/check",status="403"}"#
        ),
        1.0
    );
    // The fleet.
    assert_eq!(value(r#"reset_center_kiosk_serving{kiosk="STORE-A"}"#), 1.0);
    assert_eq!(value(r#"reset_center_kiosk_serving{kiosk="STORE-B"}"#), 0.0);
    assert_eq!(
        value(r#"reset_center_kiosk_out_of_service{kiosk="STORE-B",reason="reader_lost"}"#),
        1.0
    );
    assert_eq!(
        value(r#"reset_center_kiosk_reader_ready{kiosk="STORE-B"}"#),
        0.0
    );
    assert_eq!(
        value(r#"reset_center_kiosk_outbox_depth{kiosk="STORE-B"}"#),
        2.0
    );
    assert_eq!(
        value(r#"reset_center_kiosk_outbox_oldest_seconds{kiosk="STORE-B"}"#),
        3600.0
    );
    assert_eq!(
        value(r#"reset_center_kiosk_heartbeat_interval_seconds{kiosk="STORE-A"}"#),
        30.0
    );
    let now = chrono::Utc::now().timestamp() as f64;
    let seen = value(r#"reset_center_kiosk_last_seen_timestamp_seconds{kiosk="STORE-A"}"#);
    assert!((now - seen).abs() < 60.0, "{seen} vs {now}");
    assert!(
        text.contains(
            r#"reset_center_kiosk_info{kiosk="STORE-A",version="0.1.0",commit="0123456789ab","#
        ),
        "{text}"
    );
    for ca in ["auth", "signing"] {
        let next_update = value(&format!(
            r#"reset_center_crl_next_update_timestamp_seconds{{ca="{ca}"}}"#
        ));
        assert!(
            next_update > now,
            "the test PKI's lists are current: {next_update}"
        );
    }
    // Nothing of a holder: no password typed (a 4-digit PIN could be any sample's digits; the
    // log test searches for those where they could only be a leak).
    for secret in ["NEWPASS1", "NEWPASS2", "ABC123"] {
        assert!(!text.contains(secret), "{secret} in the metrics");
    }
    // And Prometheus itself reads it so: a real server scrapes the listener.
    let prometheus = Prometheus::scraping(base.trim_start_matches("http://"));
    for (query, expected) in [
        (r#"up{job="reset-center"}"#, 1.0),
        (
            r#"reset_center_sessions_total{kind="signing",outcome="reset"}"#,
            2.0,
        ),
        (
            r#"reset_center_refusals_total{reason="reservation_used"}"#,
            1.0,
        ),
        (r#"reset_center_kiosk_serving{kiosk="STORE-B"}"#, 0.0),
        (
            r#"sum(reset_center_http_request_duration_seconds_count{route="/v1/sessions/{id}/reset-command"})"#,
            3.0,
        ),
    ] {
        assert_eq!(
            prometheus.wait_for(query, expected),
            Some(expected),
            "{query}"
        );
    }

    assert_eq!(get(&base, "/healthz").0, 200);
    let (status, body) = get(&base, "/readyz");
    assert_eq!((status, body.contains("\"ready\"")), (200, true), "{body}");
}

#[test]
fn kiosks_lists_the_fleet_and_who_needs_a_visit() {
    let site = Site::default();
    let fast = site.add_kiosk("STORE-FAST");
    let lost = site.add_kiosk("STORE-LOST");
    site.add_kiosk("STORE-NEW");
    let server = serving(site);
    // Heartbeats every second: silent after three missed ones.
    server.http(&fast).heartbeat(&report(1)).expect("heard");
    server.http(&lost).heartbeat(&reader_lost()).expect("heard");
    let fleet = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["kiosks", "--json"];
        all.extend_from_slice(args);
        let output = server.cli(&all);
        assert!(output.status.success(), "{output:?}");
        serde_json::from_slice(&output.stdout).expect("JSON")
    };
    let by_id = |listing: &serde_json::Value, id: &str| -> serde_json::Value {
        listing
            .as_array()
            .expect("a list")
            .iter()
            .find(|k| k["kiosk"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no {id} in {listing}"))
    };
    let listing = fleet(&[]);
    assert_eq!(listing.as_array().map(Vec::len), Some(3));
    let kiosk = by_id(&listing, "STORE-FAST");
    assert_eq!(kiosk["state"], "serving");
    assert_eq!(kiosk["needs_visit"], serde_json::json!([]));
    assert_eq!(kiosk["report"]["commit"], "0123456789ab");
    let kiosk = by_id(&listing, "STORE-LOST");
    assert_eq!(kiosk["state"], "reader_lost");
    assert_eq!(
        kiosk["needs_visit"],
        serde_json::json!(["reader_lost", "outbox_not_draining", "out_of_service"])
    );
    assert_eq!(kiosk["report"]["last_error"], "reader_fault");
    assert_eq!(
        by_id(&listing, "STORE-NEW")["needs_visit"],
        serde_json::json!(["never_heard"])
    );

    // STORE-FAST stops: after three of its intervals it is silent.
    // (Whole seconds on both sides: more than 3 s after a heartbeat heard in second S is
    // S + 4 at the earliest.)
    std::thread::sleep(Duration::from_millis(4500));
    let listing = fleet(&["--needs-visit"]);
    let kiosk = by_id(&listing, "STORE-FAST");
    assert_eq!(kiosk["state"], "silent");
    assert_eq!(kiosk["needs_visit"], serde_json::json!(["silent"]));
    assert_eq!(listing.as_array().map(Vec::len), Some(3), "{listing}");
    // The text listing, as an operator reads it.
    let output = server.cli(&["kiosks"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with("STORE-FAST") && l.contains("VISIT: silent")),
        "{text}"
    );
    // A removed kiosk leaves the fleet.
    server.remove_kiosk("STORE-NEW");
    assert_eq!(fleet(&[]).as_array().map(Vec::len), Some(2));
}

/// A request id comes back in `x-request-id` and is in every log line of that request, with the
/// route (never the session's path) and the kiosk.
#[test]
fn each_request_is_one_span_in_the_json_log() {
    let site = Site::default();
    let kiosk: Kiosk = site.add_kiosk("STORE-A");
    let server = serving(site);
    let mut stream = server.connect(&server.kiosk_tls(&kiosk)).expect("TLS");
    let body = serde_json::json!({"kind": "signing", "auth_certificate": to_b64(&auth_certificate("normal"))});
    let answer = exchange(
        &mut stream,
        &request(
            "POST",
            "/v1/reservations/check",
            Some(&kiosk.credential),
            &body.to_string(),
        ),
    )
    .expect("an answer");
    assert_eq!(answer.status, 403, "no reservation: {}", answer.head);
    let request_id = answer
        .head
        .lines()
        .find_map(|line| {
            line.to_ascii_lowercase()
                .strip_prefix("x-request-id: ")
                .map(|id| id.trim().to_string())
        })
        .unwrap_or_else(|| panic!("no x-request-id in {}", answer.head));
    // The log is written as the response goes: wait for its line.
    let mut events = Vec::new();
    for _ in 0..50 {
        events = server.events();
        if events
            .iter()
            .any(|e| e["span"]["request_id"] == request_id.as_str() && e["status"].is_number())
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let of_request: Vec<_> = events
        .iter()
        .filter(|e| e["span"]["request_id"] == request_id.as_str())
        .collect();
    let refused = of_request
        .iter()
        .find(|e| e["message"] == "refused")
        .unwrap_or_else(|| panic!("no refusal logged: {events:?}"));
    assert_eq!(refused["level"], "INFO");
    assert_eq!(refused["refusal"], "no_reservation");
    let finished = of_request
        .iter()
        .find(|e| e["status"].is_number())
        .unwrap_or_else(|| panic!("no response logged: {events:?}"));
    assert_eq!(finished["status"], 403);
    assert_eq!(finished["message"], "answered");
    assert_eq!(finished["level"], "INFO");
    assert!(finished["latency_ms"].is_number(), "{finished}");
    for event in &of_request {
        assert_eq!(event["span"]["route"], "/v1/reservations/check", "{event}");
        assert_eq!(event["span"]["method"], "POST", "{event}");
        assert_eq!(event["span"]["kiosk"], "STORE-A", "{event}");
    }
}

fn to_b64(bytes: &[u8]) -> String {
    reset_protocol::api::to_base64(bytes)
}

/// Ready means the database answers: with PostgreSQL stopped the instance is alive but not
/// ready, and says why; the metrics say the database is down; back when it is back.
#[test]
fn readiness_follows_the_database() {
    let mut postgres = PostgresServer::start();
    let url = postgres.create_database();
    let site = Site::new(move |config| config["database"] = url.into());
    let server = serving(site);
    let base = server.metrics_url().expect("a metrics listener");
    assert_eq!(get(&base, "/readyz").0, 200);
    postgres.stop();
    let (status, body) = get(&base, "/readyz");
    assert_eq!(status, 503, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(body["status"], "not_ready");
    assert!(
        body["problems"][0]
            .as_str()
            .is_some_and(|p| p.starts_with("database")),
        "{body}"
    );
    assert_eq!(get(&base, "/healthz").0, 200, "alive all the same");
    let (_, text) = get(&base, "/metrics");
    assert_eq!(
        sample(&text, "reset_center_database_up"),
        Some(0.0),
        "{text}"
    );
    postgres.restart();
    assert_eq!(get(&base, "/readyz").0, 200);
    let (_, text) = get(&base, "/metrics");
    assert_eq!(sample(&text, "reset_center_database_up"), Some(1.0));
}

/// Readiness and the revocation lists: past a list's nextUpdate the centre resets nothing, and
/// says so at `/readyz`.
#[test]
fn a_stale_revocation_list_makes_the_centre_not_ready() {
    let centre = TestCentre::new();
    assert_eq!(centre.centre.readiness(), Ok(()));
    let lists = centre.centre.snapshot().crl_next_update;
    let latest = lists
        .iter()
        .filter_map(|(_, next_update)| *next_update)
        .max()
        .expect("the test PKI's lists have a nextUpdate");
    centre
        .clock
        .set(chrono::DateTime::from_timestamp(latest + 1, 0).expect("a time"));
    let problems = centre.centre.readiness().expect_err("stale lists");
    assert!(
        problems.iter().all(|p| p.contains("revocation list")),
        "{problems:?}"
    );
    // And the kiosk is refused for the same reason.
    centre.reserve("normal", ResetKind::Signing);
    assert!(matches!(
        kiosk_side::signing_reset(
            &mut connect(&common::card("normal")),
            &centre.kiosk(),
            &auth_pin("1234"),
            signing_pin("NEWPASS1"),
        ),
        Err(StepError::Centre(CentreError::Refused(
            Refusal::RevocationStale
        )))
    ));
}

/// The store's side of operations, on both databases: a kiosk's heartbeats replace each other,
/// the fleet lists every registered kiosk (heard or not) and forgets a removed one, and the
/// reservations are counted by state with the old open ones as expired.
fn heartbeats_fleet_and_counts(database: Backend) {
    let centre = TestCentre::on(database);
    for (id, byte) in [("STORE-A", 1u8), ("STORE-B", 2)] {
        centre
            .centre
            .add_kiosk(
                id,
                &reset_center::store::KioskCertificate {
                    sha256: [byte; 32],
                    serial: format!("{byte:02x}"),
                },
            )
            .expect("kiosk added");
    }
    let store_a = reset_center::centre::KioskId("STORE-A".to_string());
    let answer = centre
        .centre
        .heartbeat(&store_a, &report(30))
        .expect("heard");
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(&answer.heard_at).map(|t| t.timestamp()),
        Ok(japan_morning().timestamp())
    );
    centre.clock.advance(chrono::Duration::seconds(10));
    centre
        .centre
        .heartbeat(&store_a, &reader_lost())
        .expect("heard again");
    let fleet = centre.centre.fleet().expect("the fleet");
    assert_eq!(fleet.len(), 2);
    assert_eq!(fleet[0].id, "STORE-A");
    assert_eq!(
        fleet[0].last,
        Some((japan_morning().timestamp() + 10, reader_lost())),
        "the last heartbeat replaced the first"
    );
    assert_eq!((fleet[1].id.as_str(), &fleet[1].last), ("STORE-B", &None));
    assert!(centre.centre.remove_kiosk("STORE-A").expect("removed"));
    let fleet = centre.centre.fleet().expect("the fleet");
    assert_eq!(fleet.len(), 1, "a removed kiosk leaves the fleet");

    centre.reserve("normal", ResetKind::Signing);
    centre.reserve_at(
        "old-reservation",
        ResetKind::Signing,
        japan_morning() - chrono::Duration::hours(25),
    );
    let id = centre.reserve("auth-blocked", ResetKind::Auth);
    assert!(centre.centre.cancel(id).expect("cancelled"));
    let mut counts = centre.centre.snapshot().reservations.expect("counted");
    counts.sort();
    assert_eq!(
        counts,
        [
            ("cancelled".to_string(), 1),
            ("expired".to_string(), 1),
            ("open".to_string(), 1)
        ]
    );
}

on_both_databases!(heartbeats_fleet_and_counts);
