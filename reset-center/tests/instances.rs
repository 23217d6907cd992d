//! Several centre instances on one PostgreSQL (docs/reset-center.md, "Several instances"):
//! real `reset-center serve` processes over mutual TLS on one database of a real PostgreSQL
//! server that each test starts (and stops, passed or failed), the kiosk's own client and
//! steps, virtual cards in-process. Any instance serves any request of any session; a
//! reservation is claimed once whichever instances the kiosks reach; an instance that dies or a
//! database that restarts loses nothing.

mod common;

use std::sync::Barrier;
use std::sync::atomic::{AtomicUsize, Ordering};

use card_driver::pin::Pin;
use card_driver::reset_cryptogram::ResetCommand;
use common::postgres_server::PostgresServer;
use common::server::{Kiosk, Server, Site};
use common::*;
use reset_protocol::api::Outcome;
use reset_protocol::client::Begun;
use reset_protocol::kiosk_side::{self, StepError};
use reset_protocol::{CentreError, HttpCentre, ReservationState, ResetCentre};
use reset_protocol::{ResetKind, SessionId};

/// A site whose database is `url`.
fn site_on(url: &str) -> Site {
    let url = url.to_string();
    Site::new(move |config| config["database"] = url.into())
}

/// A kiosk behind a round-robin load balancer: each request goes to the next instance.
struct TurnAbout {
    instances: Vec<HttpCentre>,
    next: AtomicUsize,
    /// Requests sent to each instance.
    sent: Vec<AtomicUsize>,
}

impl TurnAbout {
    fn new(servers: &[&Server], kiosk: &Kiosk) -> TurnAbout {
        TurnAbout {
            instances: servers.iter().map(|server| server.http(kiosk)).collect(),
            next: AtomicUsize::new(0),
            sent: servers.iter().map(|_| AtomicUsize::new(0)).collect(),
        }
    }

    fn pick(&self) -> &HttpCentre {
        let i = self.next.fetch_add(1, Ordering::SeqCst) % self.instances.len();
        self.sent[i].fetch_add(1, Ordering::SeqCst);
        &self.instances[i]
    }

    fn sent(&self) -> Vec<usize> {
        self.sent.iter().map(|n| n.load(Ordering::SeqCst)).collect()
    }
}

impl ResetCentre for TurnAbout {
    fn check_reservation(
        &self,
        kind: ResetKind,
        auth_certificate: &[u8],
    ) -> Result<String, CentreError> {
        self.pick().check_reservation(kind, auth_certificate)
    }

    fn begin(&self, kind: ResetKind, auth_certificate: &[u8]) -> Result<Begun, CentreError> {
        self.pick().begin(kind, auth_certificate)
    }

    fn prove(
        &self,
        session: &SessionId,
        signature: &[u8],
        certificate: Option<&[u8]>,
    ) -> Result<(), CentreError> {
        self.pick().prove(session, signature, certificate)
    }

    fn reset_command(
        &self,
        session: &SessionId,
        card_challenge: &[u8],
        new_pin: &Pin,
    ) -> Result<ResetCommand, CentreError> {
        self.pick().reset_command(session, card_challenge, new_pin)
    }

    fn complete(
        &self,
        session: &SessionId,
        outcome: Outcome,
    ) -> Result<ReservationState, CentreError> {
        self.pick().complete(session, outcome)
    }

    fn health(&self) -> Result<bool, CentreError> {
        self.pick().health()
    }

    fn heartbeat(
        &self,
        report: &reset_protocol::Heartbeat,
    ) -> Result<reset_protocol::HeartbeatAnswer, CentreError> {
        self.pick().heartbeat(report)
    }
}

fn states(site: &Site) -> Vec<String> {
    site.reservations()
        .iter()
        .map(|r| r["state"].as_str().expect("a state").to_string())
        .collect()
}

fn signing_reset(centre: &dyn ResetCentre, card: &str, new_password: &str) -> bool {
    let reader = common::card(card);
    let result = kiosk_side::signing_reset(
        &mut connect(&reader),
        centre,
        &auth_pin("1234"),
        signing_pin(new_password),
    );
    assert_eq!(result, Ok(ReservationState::Used), "{card}");
    signing_pin_is(&reader, new_password)
}

#[test]
fn two_instances_serve_one_fleet_turn_about() {
    let postgres = PostgresServer::start();
    let site = site_on(&postgres.create_database());
    let kiosks = [site.add_kiosk("STORE-A"), site.add_kiosk("STORE-B")];
    site.reserve("signing-blocked", "signing", None);
    site.reserve("normal", "signing", None);
    let first = site.clone().serve();
    let second = first.another_instance();
    for (kiosk, card, password) in [
        (&kiosks[0], "signing-blocked", "NEWPASS1"),
        (&kiosks[1], "normal", "NEWPASS2"),
    ] {
        let centre = TurnAbout::new(&[&first, &second], kiosk);
        assert!(signing_reset(&centre, card, password), "{card} reset");
        // Every session's steps went to both instances.
        let sent = centre.sent();
        assert!(sent.iter().all(|&n| n >= 2), "{sent:?}");
    }
    assert_eq!(states(&site), ["used", "used"]);
    // Each instance sees what the other wrote: a kiosk's health through either.
    for server in [&first, &second] {
        assert_eq!(server.http(&kiosks[0]).health(), Ok(false));
    }
}

#[test]
fn two_kiosks_racing_through_two_instances_make_exactly_one_reset() {
    let postgres = PostgresServer::start();
    let site = site_on(&postgres.create_database());
    let kiosks = [site.add_kiosk("STORE-A"), site.add_kiosk("STORE-B")];
    let first = site.clone().serve();
    let second = first.another_instance();
    let centres = [first.http(&kiosks[0]), second.http(&kiosks[1])];
    // Several rounds: each a new reservation for the same card, both kiosks (two copies of the
    // card) proving first, then asking for the command at the same moment.
    for round in 0..5 {
        first.reserve("normal", "signing", None);
        let readers = [common::card("normal"), common::card("normal")];
        let barrier = Barrier::new(2);
        let results: Vec<Result<ReservationState, StepError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..2)
                .map(|i| {
                    let (reader, centre, barrier) = (&readers[i], &centres[i], &barrier);
                    scope.spawn(move || {
                        let (mut jpki, session) = proven(centre, reader);
                        barrier.wait();
                        let pin = Pin::Signing(signing_pin(&format!("RACE{round}K{i}")));
                        kiosk_side::reset(&mut jpki, centre, &session, ResetKind::Signing, &pin)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        one_winner_one_refused(&results, &format!("round {round}"));
        let reset = (0..2)
            .filter(|i| signing_pin_is(&readers[*i], &format!("RACE{round}K{i}")))
            .count();
        assert_eq!(reset, 1, "round {round}: exactly one card was reset");
    }
    assert_eq!(states(&site), vec!["used"; 5]);
}

#[test]
fn an_instance_killed_mid_session_the_kiosk_finishes_through_the_other() {
    let postgres = PostgresServer::start();
    let site = site_on(&postgres.create_database());
    let kiosk = site.add_kiosk("STORE-A");
    site.reserve("signing-blocked", "signing", None);
    let mut first = site.clone().serve();
    let second = first.another_instance();
    let reader = common::card("signing-blocked");
    // Proved through the first instance, which then dies (SIGKILL, as a crash).
    let (mut jpki, session) = proven(&first.http(&kiosk), &reader);
    first.kill();
    assert!(matches!(
        first.http(&kiosk).health(),
        Err(CentreError::Unreachable(_))
    ));
    // The kiosk's next request reaches the other instance, which knows the session.
    let pin = Pin::Signing(signing_pin("AFTERKILL1"));
    assert_eq!(
        kiosk_side::reset(
            &mut jpki,
            &second.http(&kiosk),
            &session,
            ResetKind::Signing,
            &pin
        ),
        Ok(ReservationState::Used)
    );
    assert!(signing_pin_is(&reader, "AFTERKILL1"));
    assert_eq!(states(&site), ["used"]);
}

#[test]
fn a_database_restart_is_refused_cleanly_then_served_and_nothing_is_lost() {
    let mut postgres = PostgresServer::start();
    let site = site_on(&postgres.create_database());
    let kiosk = site.add_kiosk("STORE-A");
    site.reserve("signing-blocked", "signing", None);
    site.reserve("normal", "signing", None);
    let server = site.clone().serve();
    let centre = server.http(&kiosk);
    assert!(signing_reset(&centre, "signing-blocked", "BEFORE1"));
    // A second holder has proved when the database goes away.
    let reader = common::card("normal");
    let (mut jpki, session) = proven(&centre, &reader);
    postgres.stop();
    let challenge = jpki.get_challenge().expect("challenge");
    let pin = Pin::Signing(signing_pin("DURING1"));
    // Refused as "cannot serve now" (the kiosk tells the holder to try later), not as a
    // decision: not "unknown kiosk", not a refusal of the reservation.
    let answer = centre.reset_command(&session, &challenge, &pin);
    assert!(
        matches!(answer, Err(CentreError::Unreachable(_))),
        "while the database is down, a 503 within the kiosk's timeout: {answer:?}"
    );
    assert!(matches!(centre.health(), Err(CentreError::Unreachable(_))));
    // The operator reads why, in the request's span (its route and kiosk).
    let events = server.events();
    let why = events
        .iter()
        .find(|e| e["message"] == "internal error")
        .unwrap_or_else(|| panic!("no internal error logged: {}", server.stderr()));
    assert_eq!(why["level"], "ERROR");
    assert!(
        why["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("database")),
        "{why}"
    );
    // (The database failed under the kiosk's authentication: the kiosk is not known yet.)
    assert_eq!(
        why["span"]["route"], "/v1/sessions/{id}/reset-command",
        "{why}"
    );
    assert!(
        why["span"]["request_id"]
            .as_str()
            .is_some_and(|id| id.len() == 36),
        "{why}"
    );
    postgres.restart();
    // The same session goes on: the failed request decided nothing.
    let pin = Pin::Signing(signing_pin("AFTER1"));
    assert_eq!(
        kiosk_side::reset(&mut jpki, &centre, &session, ResetKind::Signing, &pin),
        Ok(ReservationState::Used)
    );
    assert!(signing_pin_is(&reader, "AFTER1"));
    assert!(!signing_pin_is(&reader, "DURING1"));
    // Both reservations, the one used before the restart among them.
    assert_eq!(states(&site), ["used", "used"]);
}

#[test]
fn a_database_that_does_not_answer_is_one_clear_line() {
    let postgres = PostgresServer::start();
    let database_url = postgres.create_database();
    let site = site_on(&database_url);
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port")
        .port();
    let url = format!("postgres://centre:s3cret@127.0.0.1:{port}/centre");
    let output = site.cli(&["--db", &url, "list"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no connection to PostgreSQL"), "{stderr}");
    assert!(
        !stderr.contains("s3cret"),
        "the password is never shown: {stderr}"
    );
    // And the configured database works through the command line as through the server, over
    // loopback TCP and through the server's Unix socket (how a centre beside its database
    // connects, with peer authentication).
    site.reserve("normal", "signing", None);
    let name = database_url.rsplit('/').next().expect("a database name");
    for database in [None, Some(postgres.socket_url(name))] {
        let mut args = Vec::new();
        if let Some(url) = &database {
            args.extend(["--db", url.as_str()]);
        }
        args.push("list");
        let output = site.cli(&args);
        assert!(output.status.success(), "{database:?}: {output:?}");
        let listed = String::from_utf8_lossy(&output.stdout);
        assert!(listed.contains("signing  open"), "{database:?}: {listed}");
    }
}

#[test]
fn a_database_on_another_machine_is_reached_over_tls_with_its_ca_pinned() {
    // The server's certificate: the one `tls init` made for the centre (127.0.0.1, localhost),
    // from the site's centre CA; the server takes only TLS over TCP.
    let site = Site::new(|config| config["database_ca_certificate"] = "pki/centre-ca.crt".into());
    let postgres = PostgresServer::start_tls(&site.pki("centre.crt"), &site.pki("centre.key"));
    let url = postgres.create_database();
    // (127.0.0.1 stands in for the other machine: with a CA configured the link is TLS.)
    let listed = site.cli(&["--db", &url, "list"]);
    assert!(
        listed.status.success(),
        "over TLS with the site's centre CA: {}",
        String::from_utf8_lossy(&listed.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout).trim(),
        "no reservations"
    );
    // The server refuses a connection without TLS, so that one succeeded over TLS; and with
    // another CA pinned, the server's certificate is refused.
    let plain = postgres::Client::connect(&url, postgres::NoTls);
    assert!(plain.is_err(), "the server takes only TLS over TCP");
    let other = Site::new(|config| config["database_ca_certificate"] = "pki/kiosk-ca.crt".into());
    let refused = other.cli(&["--db", &url, "list"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no connection to PostgreSQL"), "{stderr}");
    assert!(stderr.contains("UnknownIssuer"), "{stderr}");
}

#[test]
fn an_instance_stopped_by_sigterm_exits_cleanly() {
    let postgres = PostgresServer::start();
    let site = site_on(&postgres.create_database());
    let kiosk = site.add_kiosk("STORE-A");
    let mut server = site.serve();
    // Its pool holds connections when it stops.
    assert_eq!(server.http(&kiosk).health(), Ok(false));
    let (status, stderr) = server.terminate();
    assert!(
        status.is_some_and(|status| status.success()),
        "{status:?}: {stderr}"
    );
    assert!(!stderr.contains("panic"), "{stderr}");
}

#[test]
fn after_a_database_restart_the_first_requests_are_served_whatever_the_pool_held() {
    let mut centre = TestCentre::on(Backend::Postgres);
    centre.reserve("normal", ResetKind::Signing);
    let certificate = auth_certificate("normal");
    // Fill the centre's pool: twelve threads reading at once for a while.
    std::thread::scope(|scope| {
        for _ in 0..12 {
            scope.spawn(|| {
                let until = std::time::Instant::now() + std::time::Duration::from_millis(500);
                while std::time::Instant::now() < until {
                    centre.centre.reservations().expect("read");
                }
            });
        }
    });
    let server = centre.postgres.as_mut().expect("on PostgreSQL");
    let mut admin = server.client(&server.socket_url("postgres"));
    let open: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 'centre_%'",
            &[],
        )
        .expect("pg_stat_activity")
        .get(0);
    drop(admin);
    // More than a decision's attempts: every one of them is stale after the restart.
    assert!(open > 8, "{open} connections pooled");
    server.restart();
    // The first decision and the first read after the restart are served.
    let checked = centre
        .kiosk()
        .check_reservation(ResetKind::Signing, &certificate);
    assert!(checked.is_ok(), "{checked:?}");
    assert_eq!(centre.centre.reservations().expect("read").len(), 1);
}
